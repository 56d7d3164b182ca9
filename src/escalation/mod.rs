//! Escalation: rules that act before a promise is broken, and levels that
//! climb while nobody acts.
//!
//! Escalation is a pure function from a conversation's facts to actions.
//! The engine builds [`ConversationFacts`] (SLA stages, sentiment, intents,
//! reach, unanswered messages, tier, time in queue) and calls
//! [`EscalationRules::evaluate`] with the conversation's
//! [`EscalationMemory`]; it turns each [`Fired`] action into an event, and
//! folds those events back into the memory with
//! [`EscalationMemory::record`] and [`EscalationMemory::observe`], so replay
//! rebuilds the memory without evaluating anything. Actions on the outside
//! world (a notification, an acknowledgement) become "requested" events that
//! the runtime carries out, through a [`Notifier`] or a channel.
//!
//! ```text
//!  facts + memory --evaluate--> Evaluation { fired, cleared, next_check }
//!        ^                              |
//!        |  record / observe            v  engine: one event per firing,
//!        +------ apply <----------- events    per action, per cleared rule
//! ```
//!
//! An [`EscalationRule`] has a [`Condition`] (SLA stage, sentiment, keywords
//! or patterns per language, reach, repeat contacts, intent, tier, time in
//! queue, combined with all / any / not), level-1 [`Action`]s, and up to
//! three further [`LevelStep`]s that fire while the condition keeps holding.
//! A rule fires once per trigger (its condition becoming true), again only if
//! it is `repeat` and the condition was seen false in between. Rules are
//! evaluated in the order given.

mod evaluate;
mod facts;
mod memory;
mod notify;
mod rule;

#[cfg(test)]
mod tests;

pub use evaluate::{EscalationRules, Evaluation, Fired, FiredAction};
pub use facts::{ConversationFacts, CsatFact, SlaFact, SlaStage, SlaTarget};
pub use memory::{EscalationMemory, LevelFired, RuleMemory};
pub use notify::{MemoryNotifier, Notification, Notifier, NotifyError};
pub use rule::{Acknowledgement, Action, Condition, EscalationRule, LevelStep, TextLists};

/// A rule set could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EscalationError {
    /// A rule has an empty or blank id; give every rule a unique name (it is
    /// recorded in events and in each conversation's memory).
    #[error("an escalation rule has an empty id")]
    EmptyRuleId,
    /// Two rules share an id; rename one (ids must stay stable across
    /// deployments, since memory refers to rules by id).
    #[error("escalation rule id {0:?} is used twice")]
    DuplicateRuleId(String),
    /// A pattern does not compile as a regular expression; fix the pattern
    /// in the named rule (the reason says where it fails).
    #[error("escalation rule {rule:?}: pattern {pattern:?} does not compile: {reason}")]
    BadPattern {
        /// The rule's id.
        rule: String,
        /// The pattern.
        pattern: String,
        /// The regex compiler's complaint.
        reason: String,
    },
    /// A rule has more than four levels (its own actions plus three steps);
    /// merge or drop steps.
    #[error("escalation rule {rule:?} has {levels} levels; at most 4 are allowed")]
    TooManyLevels {
        /// The rule's id.
        rule: String,
        /// How many levels it has.
        levels: usize,
    },
    /// A sentiment threshold is NaN, which nothing is at or below; give a
    /// number in [-1, 1].
    #[error("escalation rule {rule:?} has a sentiment threshold that is not a number")]
    SentimentNotANumber {
        /// The rule's id.
        rule: String,
    },
}
