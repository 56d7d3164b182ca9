//! What escalation remembers about one conversation, changed only by events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One level of a rule that fired, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LevelFired {
    /// The level, 1 to 4.
    pub level: u8,
    /// When it fired.
    pub at: DateTime<Utc>,
}

/// What escalation remembers about one rule on one conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RuleMemory {
    /// Whether the condition held at the last evaluation that mattered: set
    /// when level 1 fires, cleared when the condition is seen false.
    #[serde(default)]
    pub held: bool,
    /// How many times level 1 fired (once per trigger).
    #[serde(default)]
    pub triggers: u32,
    /// The levels fired in the current (or last) trigger, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<LevelFired>,
}

impl RuleMemory {
    /// The last level fired in the current trigger, while the condition holds.
    pub fn active_level(&self) -> Option<LevelFired> {
        if self.held {
            self.levels.last().copied()
        } else {
            None
        }
    }
}

/// A conversation's escalation memory: which rules and levels fired and when,
/// and whether each rule's condition held when last seen.
///
/// The engine keeps one per conversation in its state and changes it only
/// while applying events, so replay rebuilds it exactly: on an "escalation
/// fired" event it calls [`EscalationMemory::record`], on an "escalation
/// cleared" event [`EscalationMemory::observe`] with `false`.
///
/// ```
/// use caredesk::escalation::EscalationMemory;
/// let at = "2026-11-23T10:00:00Z".parse()?;
/// let mut memory = EscalationMemory::new();
/// memory.record("two-unanswered", 1, at);
/// assert_eq!(memory.rule("two-unanswered").map(|r| r.triggers), Some(1));
/// memory.observe("two-unanswered", false);
/// assert_eq!(memory.rule("two-unanswered").map(|r| r.held), Some(false));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EscalationMemory {
    rules: BTreeMap<String, RuleMemory>,
}

impl EscalationMemory {
    /// Nothing fired yet.
    pub fn new() -> Self {
        EscalationMemory::default()
    }

    /// What is remembered about `rule`, if anything.
    pub fn rule(&self, rule: &str) -> Option<&RuleMemory> {
        self.rules.get(rule)
    }

    /// Every remembered rule, by id.
    pub fn rules(&self) -> impl Iterator<Item = (&str, &RuleMemory)> {
        self.rules.iter().map(|(id, memory)| (id.as_str(), memory))
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Records that `level` of `rule` fired at `at`. Level 1 starts a new
    /// trigger (the condition holds; earlier levels are forgotten).
    pub fn record(&mut self, rule: &str, level: u8, at: DateTime<Utc>) {
        let level = level.max(1);
        let memory = self.rules.entry(rule.to_owned()).or_default();
        if level == 1 {
            memory.triggers = memory.triggers.saturating_add(1);
            memory.levels.clear();
        }
        memory.held = true;
        memory.levels.push(LevelFired { level, at });
    }

    /// Records whether `rule`'s condition holds. Seeing it false ends the
    /// current trigger: pending levels are dropped, and a repeating rule may
    /// fire again when the condition next holds.
    pub fn observe(&mut self, rule: &str, holds: bool) {
        match self.rules.get_mut(rule) {
            Some(memory) => memory.held = holds,
            None if holds => {
                self.rules.insert(
                    rule.to_owned(),
                    RuleMemory {
                        held: true,
                        ..RuleMemory::default()
                    },
                );
            }
            None => {}
        }
    }
}
