//! Escalation rules as plain serde data: a condition, what to do, and the
//! levels that follow while the condition keeps holding.

use super::facts::{SlaStage, SlaTarget};
use crate::model::{
    AgentId, ChannelKind, Intent, Kind, Language, Priority, TeamId, Tier, Visibility,
};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Words or patterns to look for in the last customer message, per language.
///
/// The lists for the conversation's language are used, plus
/// [`TextLists::any_language`]; when the language is unknown every list is
/// used, so a warning word is not missed for want of a language guess.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextLists {
    /// Entries per language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_language: BTreeMap<Language, Vec<String>>,
    /// Entries that apply whatever the language.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_language: Vec<String>,
}

impl TextLists {
    /// Empty lists.
    pub fn new() -> Self {
        TextLists::default()
    }

    /// Adds entries for one language.
    #[must_use]
    pub fn language<I, S>(mut self, language: Language, entries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.by_language
            .entry(language)
            .or_default()
            .extend(entries.into_iter().map(Into::into));
        self
    }

    /// Adds entries that apply in every language.
    #[must_use]
    pub fn any_language<I, S>(mut self, entries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.any_language
            .extend(entries.into_iter().map(Into::into));
        self
    }
}

/// When a rule applies: a test on a conversation's facts, combinable with
/// [`Condition::All`], [`Condition::Any`] and [`Condition::Not`].
///
/// Time-based conditions ([`Condition::Sla`] with `for_secs`,
/// [`Condition::RepeatContacts`], [`Condition::QueuedFor`]) tell the
/// evaluation when they next change, so the engine can wake exactly then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Condition {
    /// An SLA clock of `target` is in `stage` or worse (see [`SlaStage`]) and
    /// has been for at least `for_secs` seconds.
    Sla {
        /// The clock.
        target: SlaTarget,
        /// The stage asked for.
        stage: SlaStage,
        /// How long it must have been in that stage (0: at once).
        #[serde(default)]
        for_secs: u64,
    },
    /// The last customer message's sentiment is at or below this score.
    SentimentAtOrBelow(f32),
    /// The last customer message contains one of these words or phrases
    /// (case-insensitive; whole words where the script separates words).
    Keywords(TextLists),
    /// The last customer message matches one of these regular expressions
    /// (`regex` crate syntax; add `(?i)` for case-insensitive matching).
    Patterns(TextLists),
    /// The author's reach (followers) is at least this.
    ReachAtLeast(u64),
    /// At least `count` customer messages without an agent reply arrived in
    /// the last `within_secs` seconds ("four unanswered tweets in an hour").
    RepeatContacts {
        /// How many messages.
        count: u32,
        /// The sliding window, in seconds, ending now.
        within_secs: u64,
    },
    /// At least this many customer messages since the last agent reply.
    UnansweredAtLeast(u32),
    /// The conversation carries one of these intents.
    IntentIn(Vec<Intent>),
    /// The customer's tier is at least this.
    TierAtLeast(Tier),
    /// The conversation has waited in the queue at least this many seconds.
    QueuedFor(u64),
    /// The conversation is of this kind (query or mention).
    KindIs(Kind),
    /// The conversation runs on this network.
    ChannelIs(ChannelKind),
    /// The conversation carries this tag.
    Tagged(String),
    /// The customer answered the satisfaction survey with this score or
    /// lower (1 to 5) and, when `with_comment`, wrote a comment too. This
    /// is the one kind of condition evaluated on resolved and closed
    /// conversations (see [`ConversationFacts::finished`](super::ConversationFacts::finished)).
    CsatAtOrBelow {
        /// The highest score that matches.
        score: u8,
        /// Whether a comment is required.
        #[serde(default)]
        with_comment: bool,
    },
    /// Every condition holds (an empty list always holds).
    All(Vec<Condition>),
    /// At least one condition holds (an empty list never holds).
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
}

impl Condition {
    /// Every condition holds.
    pub fn all(conditions: impl IntoIterator<Item = Condition>) -> Condition {
        Condition::All(conditions.into_iter().collect())
    }

    /// At least one condition holds.
    pub fn any(conditions: impl IntoIterator<Item = Condition>) -> Condition {
        Condition::Any(conditions.into_iter().collect())
    }

    /// The condition does not hold.
    #[allow(clippy::should_implement_trait)]
    pub fn not(condition: Condition) -> Condition {
        Condition::Not(Box::new(condition))
    }

    /// An SLA clock of `target` is in `stage` or worse.
    pub fn sla(target: SlaTarget, stage: SlaStage) -> Condition {
        Condition::Sla {
            target,
            stage,
            for_secs: 0,
        }
    }

    /// At least `count` unanswered customer messages within `window`.
    pub fn repeat_contacts(count: u32, window: Duration) -> Condition {
        Condition::RepeatContacts {
            count,
            within_secs: whole_secs(window),
        }
    }

    /// Waited in the queue at least `wait`.
    pub fn queued_for(wait: Duration) -> Condition {
        Condition::QueuedFor(whole_secs(wait))
    }
}

/// What to do to a conversation when a rule (or one of its levels) fires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Raise the priority to this level (never lowers it).
    RaisePriorityTo(Priority),
    /// Raise the priority one step (low → normal → high → urgent).
    RaisePriorityOneStep,
    /// Route the conversation to this team's queue.
    MoveToTeam(TeamId),
    /// Tell someone through the [`Notifier`](super::Notifier), at the level
    /// of the step that fires. The message may use `{name}`, `{rule}`,
    /// `{level}` and `{conversation}`.
    Notify {
        /// The text of the notification.
        message: String,
    },
    /// Add a tag.
    AddTag(String),
    /// Send an automatic acknowledgement to the customer.
    Acknowledge(Acknowledgement),
    /// Assign the conversation to a supervisor.
    AssignSupervisor(AgentId),
}

/// An automatic acknowledgement: a text per language with a fallback, sent
/// publicly or privately.
///
/// `{name}` in a text becomes the customer's name; when the name is unknown
/// the placeholder and one space before it are dropped (`"Hi {name}, ..."`
/// becomes `"Hi, ..."`).
///
/// ```
/// use caredesk::escalation::Acknowledgement;
/// use caredesk::model::{Language, Visibility};
/// let ack = Acknowledgement::new(Visibility::Public, "Thanks {name}, we're on it.")
///     .with_text(Language::DUTCH, "Dank je {name}, we kijken ernaar.");
/// assert_eq!(ack.render(Some(Language::DUTCH), Some("Anna")), "Dank je Anna, we kijken ernaar.");
/// assert_eq!(ack.render(Some(Language::THAI), None), "Thanks, we're on it.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Public reply or private message.
    pub visibility: Visibility,
    /// The text per language.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<Language, String>,
    /// The text when the conversation's language has none (or is unknown).
    pub fallback: String,
}

impl Acknowledgement {
    /// An acknowledgement with only a fallback text.
    pub fn new(visibility: Visibility, fallback: impl Into<String>) -> Self {
        Acknowledgement {
            visibility,
            texts: BTreeMap::new(),
            fallback: fallback.into(),
        }
    }

    /// Adds the text for one language.
    #[must_use]
    pub fn with_text(mut self, language: Language, text: impl Into<String>) -> Self {
        self.texts.insert(language, text.into());
        self
    }

    /// The text for `language` (or the fallback) with `{name}` filled in.
    pub fn render(&self, language: Option<Language>, name: Option<&str>) -> String {
        let template = language
            .and_then(|language| self.texts.get(&language))
            .unwrap_or(&self.fallback);
        render_template(template, &[("name", name)])
    }
}

/// Fills `{key}` placeholders. A placeholder whose value is `None` is
/// dropped together with one space before it; unknown placeholders stay.
pub(crate) fn render_template(template: &str, values: &[(&str, Option<&str>)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, from_brace) = rest.split_at(open);
        out.push_str(before);
        let known = from_brace.find('}').and_then(|close| {
            let key = from_brace.get(1..close)?;
            let (_, value) = values.iter().find(|(name, _)| *name == key)?;
            Some((close, *value))
        });
        match known {
            Some((close, Some(value))) => {
                out.push_str(value);
                rest = from_brace.get(close + 1..).unwrap_or("");
            }
            Some((close, None)) => {
                if out.ends_with(' ') {
                    out.pop();
                }
                rest = from_brace.get(close + 1..).unwrap_or("");
            }
            None => {
                out.push('{');
                rest = from_brace.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// A further escalation level: its actions fire when the rule's condition
/// still holds `after_secs` seconds after the previous level fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelStep {
    /// Seconds after the previous level.
    pub after_secs: u64,
    /// What to do at this level.
    pub actions: Vec<Action>,
}

/// One escalation rule: when `condition` becomes true, do `actions` (level
/// 1); while it stays true, climb `levels` (2 to 4) after their delays.
///
/// A rule fires once per trigger: it fires when its condition becomes true,
/// and again only after the condition was seen false and then true again,
/// and only if `repeat` is set. Build one with the builder methods:
///
/// ```
/// use caredesk::escalation::{Action, Condition, EscalationRule};
/// use caredesk::model::Priority;
/// use chrono::Duration;
/// let rule = EscalationRule::new("two-unanswered", Condition::repeat_contacts(2, Duration::hours(1)))
///     .then(Action::RaisePriorityTo(Priority::High))
///     .level_after(Duration::minutes(30), [Action::Notify { message: "still waiting".into() }]);
/// assert_eq!(rule.levels.len(), 1);
/// assert!(!rule.repeat);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationRule {
    /// Unique name of the rule in its set (recorded in events and memory).
    pub id: String,
    /// When it applies.
    pub condition: Condition,
    /// Level 1: what to do when the condition becomes true.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    /// Levels 2 to 4, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<LevelStep>,
    /// Whether it may fire again after its condition went false and true again.
    #[serde(default)]
    pub repeat: bool,
}

impl EscalationRule {
    /// The highest level a rule may reach.
    pub const MAX_LEVEL: u8 = 4;

    /// A rule with a condition and nothing to do yet.
    pub fn new(id: impl Into<String>, condition: Condition) -> Self {
        EscalationRule {
            id: id.into(),
            condition,
            actions: Vec::new(),
            levels: Vec::new(),
            repeat: false,
        }
    }

    /// Adds a level-1 action.
    #[must_use]
    pub fn then(mut self, action: Action) -> Self {
        self.actions.push(action);
        self
    }

    /// Adds the next level, firing `after` the previous one while the
    /// condition still holds.
    #[must_use]
    pub fn level_after(
        mut self,
        after: Duration,
        actions: impl IntoIterator<Item = Action>,
    ) -> Self {
        self.levels.push(LevelStep {
            after_secs: whole_secs(after),
            actions: actions.into_iter().collect(),
        });
        self
    }

    /// Lets the rule fire again each time its condition becomes true anew.
    #[must_use]
    pub fn repeating(mut self) -> Self {
        self.repeat = true;
        self
    }

    /// The actions of `level` (1 is the rule's own actions), if it exists.
    pub fn actions_at(&self, level: u8) -> Option<&[Action]> {
        match level {
            0 => None,
            1 => Some(&self.actions),
            n => self
                .levels
                .get(usize::from(n) - 2)
                .map(|step| step.actions.as_slice()),
        }
    }
}

/// Whole seconds of a duration; negative durations count as zero.
fn whole_secs(duration: Duration) -> u64 {
    u64::try_from(duration.num_seconds()).unwrap_or(0)
}
