//! Queues: which conversations a queue takes, which agents serve it, and
//! the order waiting conversations are served in.

use super::RelaxationStep;
use crate::model::{
    Agent, ChannelKind, ConversationId, CustomerId, Language, Priority, Skill, TeamId, Visibility,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;

/// A queue's id within one router's configuration; `QueueId::DEFAULT` (0)
/// is the queue for conversations no [`QueueSpec`] matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QueueId(pub u16);

impl QueueId {
    /// The catch-all queue.
    pub const DEFAULT: QueueId = QueueId(0);
}

/// What a conversation needs from an agent, as the engine passes it to the
/// [`Router`](super::Router).
///
/// Built with [`RouteRequirements::new`] and the `with_` methods:
///
/// ```
/// use caredesk::model::{ChannelKind, Language, Skill};
/// use caredesk::routing::RouteRequirements;
/// let needs = RouteRequirements::new(Some(Language::DUTCH), ChannelKind::X)
///     .with_required_skill(Skill::new("baggage"), 2)
///     .with_preferred_skill(Skill::new("refunds"));
/// assert_eq!(needs.language_level, 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RouteRequirements {
    /// The language the agent must speak; `None` when unknown (anyone).
    pub language: Option<Language>,
    /// The proficiency required before any relaxation, 1 to 5 (default 5,
    /// native).
    pub language_level: u8,
    /// The channel kind the agent must work.
    pub channel: ChannelKind,
    /// Public or private (with the channel, it sets the weight in units).
    pub visibility: Visibility,
    /// The team that must take it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamId>,
    /// Skills the agent must have, each at a minimum level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_skills: Vec<(Skill, u8)>,
    /// Skills targeted until the [`Relax::DropPreferredSkills`](super::Relax)
    /// step (as if required at level 1), ignored after it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred_skills: Vec<Skill>,
    /// The customer, for sticky routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerId>,
}

impl RouteRequirements {
    /// Requirements for a conversation in `language` on `channel`: native
    /// level, public, no team, no skills, no customer.
    pub fn new(language: Option<Language>, channel: ChannelKind) -> Self {
        RouteRequirements {
            language,
            language_level: 5,
            channel,
            visibility: Visibility::Public,
            team: None,
            required_skills: Vec::new(),
            preferred_skills: Vec::new(),
            customer: None,
        }
    }

    /// Sets the required proficiency (clamped to 1..=5).
    #[must_use]
    pub fn with_language_level(mut self, level: u8) -> Self {
        self.language_level = level.clamp(1, 5);
        self
    }

    /// Sets the visibility.
    #[must_use]
    pub fn with_visibility(mut self, visibility: Visibility) -> Self {
        self.visibility = visibility;
        self
    }

    /// Limits it to a team.
    #[must_use]
    pub fn with_team(mut self, team: TeamId) -> Self {
        self.team = Some(team);
        self
    }

    /// Requires a skill at `level` or better (clamped to 1..=5).
    #[must_use]
    pub fn with_required_skill(mut self, skill: Skill, level: u8) -> Self {
        self.required_skills.push((skill, level.clamp(1, 5)));
        self
    }

    /// Prefers a skill.
    #[must_use]
    pub fn with_preferred_skill(mut self, skill: Skill) -> Self {
        self.preferred_skills.push(skill);
        self
    }

    /// Names the customer (for sticky routing).
    #[must_use]
    pub fn with_customer(mut self, customer: CustomerId) -> Self {
        self.customer = Some(customer);
        self
    }
}

/// The conditions under which a conversation belongs to a queue; an empty
/// list means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QueueMatch {
    /// The conversation's language is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<Language>,
    /// Its channel kind is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<ChannelKind>,
    /// Its team is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<TeamId>,
    /// It requires or prefers all of these skills.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<Skill>,
    /// Its priority is at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_priority: Option<Priority>,
}

impl QueueMatch {
    pub(crate) fn accepts(&self, needs: &RouteRequirements, priority: Priority) -> bool {
        (self.languages.is_empty()
            || needs
                .language
                .is_some_and(|language| self.languages.contains(&language)))
            && (self.channels.is_empty() || self.channels.contains(&needs.channel))
            && (self.teams.is_empty() || needs.team.is_some_and(|t| self.teams.contains(&t)))
            && self.skills.iter().all(|skill| {
                needs.required_skills.iter().any(|(s, _)| s == skill)
                    || needs.preferred_skills.contains(skill)
            })
            && self.min_priority.is_none_or(|min| priority >= min)
    }
}

/// Which agents serve a queue; an empty list means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AgentFilter {
    /// The agent's team is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<TeamId>,
    /// The agent has all of these skills (any level).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<Skill>,
}

impl AgentFilter {
    pub(crate) fn admits(&self, agent: &Agent) -> bool {
        (self.teams.is_empty() || agent.team.is_some_and(|t| self.teams.contains(&t)))
            && self
                .skills
                .iter()
                .all(|skill| agent.skills.contains_key(skill))
    }
}

/// A queue: the conversations it takes, the agents who serve it, and how
/// its requirements relax with waiting time.
///
/// A conversation goes to the first spec in [`RouterConfig::queues`](super::RouterConfig::queues)
/// that [`matches`](Self::matches) it, or else to [`QueueId::DEFAULT`].
///
/// ```
/// use caredesk::model::{Language, Priority};
/// use caredesk::routing::{AgentFilter, QueueId, QueueMatch, QueueSpec, RelaxationStep};
/// let dutch = QueueSpec {
///     id: QueueId(1),
///     name: "Dutch".into(),
///     matches: QueueMatch { languages: vec![Language::DUTCH], ..QueueMatch::default() },
///     eligible: AgentFilter::default(),
///     relaxation: RelaxationStep::airline_default(),
/// };
/// assert_eq!(dutch.id, QueueId(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QueueSpec {
    /// Its id (not 0, which is the default queue).
    pub id: QueueId,
    /// Its name, for people.
    pub name: String,
    /// Which conversations it takes.
    pub matches: QueueMatch,
    /// Which agents serve it.
    #[serde(default)]
    pub eligible: AgentFilter,
    /// How its conversations' requirements loosen with waiting time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relaxation: Vec<RelaxationStep>,
}

/// The order of waiting conversations: higher priority first, then earlier
/// SLA deadline (none last), then earlier arrival, then conversation id, so
/// the order is total, stable and deterministic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QueueOrder {
    /// Priority, highest first.
    pub priority: Reverse<Priority>,
    /// `(true, _)` sorts after every `(false, deadline)`: no deadline last.
    pub deadline: (bool, Option<DateTime<Utc>>),
    /// When it arrived.
    pub arrival: DateTime<Utc>,
    /// Tie-break.
    pub conversation: ConversationId,
}

impl QueueOrder {
    /// The order key of a conversation.
    pub fn new(
        conversation: ConversationId,
        priority: Priority,
        deadline: Option<DateTime<Utc>>,
        arrival: DateTime<Utc>,
    ) -> Self {
        QueueOrder {
            priority: Reverse(priority),
            deadline: (deadline.is_none(), deadline),
            arrival,
            conversation,
        }
    }
}

/// [`QueueOrder`]'s order packed into three integers, for the router's
/// ordered sets: the same order, compared in a handful of instructions
/// instead of field by field through nested options and calendar dates (a
/// waiting set of a hundred thousand makes some fifty comparisons per
/// insert).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct WaitKey {
    /// From the top: priority reversed (highest first), a "no deadline"
    /// bit (set sorts last), the deadline's seconds and nanoseconds.
    rank_and_deadline: u128,
    /// The arrival's seconds and nanoseconds.
    arrival: u128,
    /// The conversation id as one big-endian integer (the ids' own order).
    conversation: u128,
}

/// An instant as seconds since the epoch (offset so that it sorts as an
/// unsigned number) above nanoseconds within the second (above a billion
/// in a leap second): the order `DateTime` has.
fn instant_bits(at: DateTime<Utc>) -> u128 {
    let seconds = (at.timestamp() as u64) ^ (1 << 63);
    (u128::from(seconds) << 32) | u128::from(at.timestamp_subsec_nanos())
}

impl WaitKey {
    /// The key of a conversation; orders exactly as [`QueueOrder::new`] with
    /// the same arguments.
    pub(crate) fn new(
        conversation: ConversationId,
        priority: Priority,
        deadline: Option<DateTime<Utc>>,
        arrival: DateTime<Utc>,
    ) -> Self {
        let rank = (u128::from(u8::MAX - priority as u8) << 1) | u128::from(deadline.is_none());
        WaitKey {
            rank_and_deadline: (rank << 96) | deadline.map_or(0, instant_bits),
            arrival: instant_bits(arrival),
            conversation: conversation.as_uuid().as_u128(),
        }
    }

    /// The conversation it orders.
    pub(crate) fn conversation(&self) -> ConversationId {
        ConversationId::from_uuid(uuid::Uuid::from_u128(self.conversation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_keys_order_exactly_as_queue_orders() {
        let base: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().expect("fixed time");
        let times = [
            // Before the epoch: negative seconds must still sort first.
            DateTime::from_timestamp(-86_400 * 365 * 10, 5).expect("1960"),
            DateTime::from_timestamp(-1, 999_999_999).expect("just before the epoch"),
            base - chrono::Duration::days(400),
            base,
            base + chrono::Duration::nanoseconds(1),
            base + chrono::Duration::seconds(1),
            base + chrono::Duration::days(3),
            // A leap second: nanoseconds within the second above a billion.
            chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
                .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
                .expect("leap second")
                .and_utc(),
            chrono::NaiveDate::from_ymd_opt(2017, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("midnight")
                .and_utc(),
        ];
        let deadlines: Vec<Option<DateTime<Utc>>> = std::iter::once(None)
            .chain(times.iter().copied().map(Some))
            .collect();
        let ids = [
            ConversationId::from_uuid(uuid::Uuid::from_u128(1)),
            ConversationId::from_uuid(uuid::Uuid::from_u128(u128::MAX - 1)),
        ];
        let priorities = [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ];
        let mut all = Vec::new();
        for &priority in &priorities {
            for &deadline in &deadlines {
                for &arrival in &times {
                    for &id in &ids {
                        all.push((
                            QueueOrder::new(id, priority, deadline, arrival),
                            WaitKey::new(id, priority, deadline, arrival),
                        ));
                    }
                }
            }
        }
        for (order_a, key_a) in &all {
            for (order_b, key_b) in &all {
                assert_eq!(
                    order_a.cmp(order_b),
                    key_a.cmp(key_b),
                    "{order_a:?} against {order_b:?}"
                );
            }
        }
    }
}
