//! Agents and teams.

use super::{AgentId, ChannelKind, Language, ModelError, TeamId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A skill an agent has (`"baggage"`, `"refunds"`, `"sales"`), named by the tenant.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Skill(pub String);

impl Skill {
    /// A skill with this name.
    pub fn new(name: impl Into<String>) -> Self {
        Skill(name.into())
    }
}

/// Whether an agent can take work now.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Available for new conversations.
    Online,
    /// Signed in but not taking new work (a break).
    Away,
    /// Signed in and busy (in a meeting, on a call).
    Busy,
    /// Signed out (the default for a new agent).
    #[default]
    Offline,
}

/// How much work an agent handles at once, in weighted integer units: a
/// total, and optionally a limit per channel. Integers keep it exact.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Capacity {
    /// Units across all channels.
    pub total: u32,
    /// Units per channel kind; a kind absent here is limited by `total` only.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_channel: BTreeMap<ChannelKind, u32>,
}

impl Capacity {
    /// A capacity of `total` units on all channels together.
    pub fn total(total: u32) -> Self {
        Capacity {
            total,
            per_channel: BTreeMap::new(),
        }
    }

    /// Adds a limit for one channel kind.
    #[must_use]
    pub fn with_channel_limit(mut self, kind: ChannelKind, units: u32) -> Self {
        self.per_channel.insert(kind, units);
        self
    }

    /// The limit that applies to `kind` (the channel limit, capped by the total).
    pub fn limit_for(&self, kind: ChannelKind) -> u32 {
        self.per_channel
            .get(&kind)
            .map_or(self.total, |units| (*units).min(self.total))
    }
}

/// A person who answers conversations.
///
/// ```
/// use caredesk::model::{Agent, AgentId, Capacity, Language};
/// let agent = Agent::new(AgentId::from_uuid(uuid::Uuid::from_u128(1)), "Sanne", [Language::DUTCH], Capacity::total(4))?
///     .with_signature("^SV");
/// assert_eq!(agent.signature, "^SV");
/// assert!(Agent::new(AgentId::from_uuid(uuid::Uuid::from_u128(2)), "Piet", [Language::DUTCH], Capacity::total(0)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Their id.
    pub id: AgentId,
    /// Their name, as customers see it.
    pub name: String,
    /// Their sign-off on public replies (e.g. `^SV`); defaults to the name.
    pub signature: String,
    /// Languages with proficiency, 1 (basic) to 5 (native).
    pub languages: BTreeMap<Language, u8>,
    /// Skills with level, 1 to 5.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skills: BTreeMap<Skill, u8>,
    /// The channel kinds they work; empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<ChannelKind>,
    /// How much they handle at once.
    pub capacity: Capacity,
    /// Their team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamId>,
    /// Whether they take work now.
    #[serde(default)]
    pub presence: Presence,
    /// A new agent whose public replies may need a second person's approval.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trainee: bool,
    /// A supervisor may reply to a conversation assigned to someone else
    /// (the collision is recorded); other agents may not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub supervisor: bool,
}

impl Agent {
    /// An agent who speaks `languages` (at native level) with `capacity`,
    /// offline until their presence changes.
    ///
    /// # Errors
    /// [`ModelError::EmptyName`] for a blank name, [`ModelError::NoLanguages`]
    /// with no language, [`ModelError::ZeroCapacity`] when the total capacity
    /// is zero.
    pub fn new(
        id: AgentId,
        name: impl Into<String>,
        languages: impl IntoIterator<Item = Language>,
        capacity: Capacity,
    ) -> Result<Agent, ModelError> {
        let name = name.into();
        let agent = Agent {
            id,
            signature: name.clone(),
            name,
            languages: languages
                .into_iter()
                .map(|language| (language, 5))
                .collect(),
            skills: BTreeMap::new(),
            channels: Vec::new(),
            capacity,
            team: None,
            presence: Presence::Offline,
            trainee: false,
            supervisor: false,
        };
        agent.validate()?;
        Ok(agent)
    }

    /// Checks the rules `Agent::new` enforces, for agents built by hand or
    /// read from JSON.
    ///
    /// # Errors
    /// The first [`ModelError`] found.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.name.trim().is_empty() {
            return Err(ModelError::EmptyName);
        }
        if self.languages.is_empty() {
            return Err(ModelError::NoLanguages);
        }
        if self.capacity.total == 0 {
            return Err(ModelError::ZeroCapacity);
        }
        for level in self.languages.values().chain(self.skills.values()) {
            if !(1..=5).contains(level) {
                return Err(ModelError::LevelOutOfRange(*level));
            }
        }
        Ok(())
    }

    /// Sets the sign-off used on public replies.
    #[must_use]
    pub fn with_signature(mut self, signature: impl Into<String>) -> Self {
        self.signature = signature.into();
        self
    }

    /// Adds a language at a proficiency level (1 to 5, clamped).
    #[must_use]
    pub fn with_language(mut self, language: Language, level: u8) -> Self {
        self.languages.insert(language, level.clamp(1, 5));
        self
    }

    /// Adds a skill at a level (1 to 5, clamped).
    #[must_use]
    pub fn with_skill(mut self, skill: Skill, level: u8) -> Self {
        self.skills.insert(skill, level.clamp(1, 5));
        self
    }

    /// Limits the agent to these channel kinds.
    #[must_use]
    pub fn with_channels(mut self, channels: impl IntoIterator<Item = ChannelKind>) -> Self {
        self.channels = channels.into_iter().collect();
        self.channels.sort();
        self.channels.dedup();
        self
    }

    /// Puts the agent in a team.
    #[must_use]
    pub fn with_team(mut self, team: TeamId) -> Self {
        self.team = Some(team);
        self
    }

    /// Marks the agent as new (a trainee), for approval rules.
    #[must_use]
    pub fn as_trainee(mut self) -> Self {
        self.trainee = true;
        self
    }

    /// Marks the agent as a supervisor, who may reply to conversations
    /// assigned to others.
    #[must_use]
    pub fn as_supervisor(mut self) -> Self {
        self.supervisor = true;
        self
    }

    /// Sets the presence.
    #[must_use]
    pub fn with_presence(mut self, presence: Presence) -> Self {
        self.presence = presence;
        self
    }

    /// Whether the agent speaks `language`.
    pub fn speaks(&self, language: Language) -> bool {
        self.languages.contains_key(&language)
    }

    /// Whether the agent works channel kind `kind`.
    pub fn works(&self, kind: ChannelKind) -> bool {
        self.channels.is_empty() || self.channels.contains(&kind)
    }
}

/// A group of agents with a shared purpose (a language desk, a back office).
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Team {
    /// Its id.
    pub id: TeamId,
    /// Its name.
    pub name: String,
}
