//! The compiled rule set and its pure evaluation.

use super::facts::{ConversationFacts, SlaStage, SlaTarget};
use super::memory::EscalationMemory;
use super::notify::Notification;
use super::rule::{render_template, Action, Condition, EscalationRule, TextLists};
use super::EscalationError;
use crate::model::{
    AgentId, ChannelKind, Intent, Kind, Language, Priority, TeamId, Tier, Visibility,
};
use chrono::{DateTime, Duration, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;
use std::collections::BTreeMap;

/// What one fired action means for this conversation now, ready for the
/// engine to turn into an event.
///
/// Actions that would change nothing (raising to a priority already held,
/// a tag already present, the team or assignee it already has) are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
#[non_exhaustive]
pub enum FiredAction {
    /// Change the priority (always upwards).
    SetPriority {
        /// Before.
        from: Priority,
        /// After.
        to: Priority,
    },
    /// Route the conversation to a team's queue.
    MoveToTeam {
        /// The team.
        team: TeamId,
    },
    /// Tell someone (the runtime hands it to the [`Notifier`](super::Notifier)).
    Notify {
        /// The notification, rendered.
        notification: Notification,
    },
    /// Add a tag.
    AddTag {
        /// The tag.
        tag: String,
    },
    /// Send an automatic acknowledgement (the runtime sends it).
    Acknowledge {
        /// Public reply or private message.
        visibility: Visibility,
        /// The rendered text.
        text: String,
    },
    /// Assign the conversation to a supervisor.
    AssignSupervisor {
        /// The supervisor.
        agent: AgentId,
    },
}

/// One rule level that fires now, with what it means for the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fired {
    /// The rule's id.
    pub rule: String,
    /// The level, 1 to 4.
    pub level: u8,
    /// What to do, in the rule's order; possibly empty when every action
    /// would change nothing (the firing must still be recorded).
    pub actions: Vec<FiredAction>,
}

/// The outcome of evaluating a rule set on one conversation: what fires,
/// which triggers ended, and when to look again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[must_use]
pub struct Evaluation {
    /// Rule levels that fire now, in rule order (at most one per rule).
    pub fired: Vec<Fired>,
    /// Rules whose condition held and no longer does: their trigger ended
    /// (the engine records each so memory forgets pending levels).
    pub cleared: Vec<String>,
    /// The earliest instant after `now` at which time alone could change the
    /// outcome (a queue-time threshold, a level delay, a repeat-contact
    /// window ending, an SLA stage held long enough).
    pub next_check: Option<DateTime<Utc>>,
}

impl Evaluation {
    /// Whether nothing fired and nothing cleared.
    pub fn is_empty(&self) -> bool {
        self.fired.is_empty() && self.cleared.is_empty()
    }
}

/// A [`Condition`] with its patterns compiled and keywords lower-cased.
#[derive(Debug, Clone)]
enum Check {
    Sla {
        target: SlaTarget,
        stage: SlaStage,
        for_secs: i64,
    },
    Sentiment(f32),
    Keywords(Lists<String>),
    Patterns(Lists<Regex>),
    Reach(u64),
    Repeat {
        count: usize,
        within: Duration,
    },
    Unanswered(u32),
    Intent(Vec<Intent>),
    Tier(Tier),
    Queued(Duration),
    Kind(Kind),
    Channel(ChannelKind),
    Tagged(String),
    Csat {
        score: u8,
        with_comment: bool,
    },
    All(Vec<Check>),
    Any(Vec<Check>),
    Not(Box<Check>),
}

#[derive(Debug, Clone)]
struct Lists<T> {
    by_language: BTreeMap<Language, Vec<T>>,
    any_language: Vec<T>,
}

impl<T> Lists<T> {
    /// The entries that apply to a conversation in `language`.
    fn applicable(&self, language: Option<Language>) -> impl Iterator<Item = &T> {
        let per_language: Box<dyn Iterator<Item = &Vec<T>>> = match language {
            Some(language) => Box::new(self.by_language.get(&language).into_iter()),
            None => Box::new(self.by_language.values()),
        };
        self.any_language.iter().chain(per_language.flatten())
    }
}

fn secs_i64(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// Seconds as a duration, capped far in the future instead of overflowing.
fn duration_secs(secs: u64) -> Duration {
    // chrono durations hold about 292 billion years of seconds as
    // milliseconds; cap at 100 years, longer than any care rule means.
    const CAP: i64 = 100 * 366 * 24 * 3600;
    Duration::seconds(secs_i64(secs).min(CAP))
}

fn compile(rule: &str, condition: &Condition) -> Result<Check, EscalationError> {
    Ok(match condition {
        Condition::Sla {
            target,
            stage,
            for_secs,
        } => Check::Sla {
            target: *target,
            stage: *stage,
            for_secs: duration_secs(*for_secs).num_seconds(),
        },
        Condition::SentimentAtOrBelow(threshold) => {
            if threshold.is_nan() {
                return Err(EscalationError::SentimentNotANumber {
                    rule: rule.to_owned(),
                });
            }
            Check::Sentiment(*threshold)
        }
        Condition::Keywords(lists) => Check::Keywords(compile_lists(lists, |word| {
            Ok::<_, EscalationError>(word.to_lowercase())
        })?),
        Condition::Patterns(lists) => Check::Patterns(compile_lists(lists, |pattern| {
            Regex::new(pattern).map_err(|error| EscalationError::BadPattern {
                rule: rule.to_owned(),
                pattern: pattern.to_owned(),
                reason: error.to_string(),
            })
        })?),
        Condition::ReachAtLeast(reach) => Check::Reach(*reach),
        Condition::RepeatContacts { count, within_secs } => Check::Repeat {
            count: usize::try_from(*count).unwrap_or(usize::MAX),
            within: duration_secs(*within_secs),
        },
        Condition::UnansweredAtLeast(count) => Check::Unanswered(*count),
        Condition::IntentIn(intents) => Check::Intent(intents.clone()),
        Condition::TierAtLeast(tier) => Check::Tier(*tier),
        Condition::QueuedFor(secs) => Check::Queued(duration_secs(*secs)),
        Condition::KindIs(kind) => Check::Kind(*kind),
        Condition::ChannelIs(channel) => Check::Channel(*channel),
        Condition::Tagged(tag) => Check::Tagged(tag.clone()),
        Condition::CsatAtOrBelow {
            score,
            with_comment,
        } => Check::Csat {
            score: *score,
            with_comment: *with_comment,
        },
        Condition::All(conditions) => Check::All(
            conditions
                .iter()
                .map(|condition| compile(rule, condition))
                .collect::<Result<_, _>>()?,
        ),
        Condition::Any(conditions) => Check::Any(
            conditions
                .iter()
                .map(|condition| compile(rule, condition))
                .collect::<Result<_, _>>()?,
        ),
        Condition::Not(condition) => Check::Not(Box::new(compile(rule, condition)?)),
    })
}

fn compile_lists<T>(
    lists: &TextLists,
    mut each: impl FnMut(&str) -> Result<T, EscalationError>,
) -> Result<Lists<T>, EscalationError> {
    let mut by_language = BTreeMap::new();
    for (language, entries) in &lists.by_language {
        let compiled = entries
            .iter()
            .map(|entry| each(entry))
            .collect::<Result<Vec<_>, _>>()?;
        by_language.insert(*language, compiled);
    }
    let any_language = lists
        .any_language
        .iter()
        .map(|entry| each(entry))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Lists {
        by_language,
        any_language,
    })
}

/// Per-evaluation context: the facts, and the lower-cased text made at most once.
struct Context<'f, 'a> {
    facts: &'f ConversationFacts<'a>,
    lower: OnceCell<String>,
}

impl Context<'_, '_> {
    fn lower(&self) -> &str {
        self.lower
            .get_or_init(|| self.facts.last_customer_text.to_lowercase())
    }
}

fn earliest(slot: &mut Option<DateTime<Utc>>, candidate: DateTime<Utc>) {
    if slot.is_none_or(|current| candidate < current) {
        *slot = Some(candidate);
    }
}

impl Check {
    /// Whether the check looks at the survey answer anywhere inside.
    fn mentions_csat(&self) -> bool {
        match self {
            Check::Csat { .. } => true,
            Check::All(checks) | Check::Any(checks) => checks.iter().any(Check::mentions_csat),
            Check::Not(check) => check.mentions_csat(),
            _ => false,
        }
    }

    /// Whether the check holds now; records in `next` the instants after
    /// now at which time alone would change a leaf that was looked at.
    fn holds(&self, cx: &Context<'_, '_>, next: &mut Option<DateTime<Utc>>) -> bool {
        let facts = cx.facts;
        let now = facts.now;
        match self {
            Check::Sla {
                target,
                stage,
                for_secs,
            } => {
                let mut holds = false;
                for fact in facts.sla.iter().filter(|fact| fact.target == *target) {
                    if !stage.matched_by(fact.stage) {
                        continue;
                    }
                    let from = fact.since + Duration::seconds(*for_secs);
                    if from <= now {
                        holds = true;
                    } else {
                        earliest(next, from);
                    }
                }
                holds
            }
            Check::Sentiment(threshold) => facts.sentiment <= *threshold,
            Check::Keywords(lists) => {
                let text = cx.lower();
                lists
                    .applicable(facts.language)
                    .any(|word| contains_word(text, word))
            }
            Check::Patterns(lists) => lists
                .applicable(facts.language)
                .any(|pattern| pattern.is_match(facts.last_customer_text)),
            Check::Reach(reach) => facts.reach >= *reach,
            Check::Repeat { count, within } => {
                if *count == 0 {
                    return true;
                }
                // The count-th most recent message not after now (the list is
                // oldest first); the condition holds while it is in the window.
                let kth = facts
                    .unanswered_at
                    .iter()
                    .rev()
                    .filter(|at| **at <= now)
                    .nth(count - 1);
                match kth {
                    Some(at) if *at + *within > now => {
                        earliest(next, *at + *within);
                        true
                    }
                    _ => false,
                }
            }
            Check::Unanswered(count) => facts.unanswered >= *count,
            Check::Intent(intents) => facts.intents.iter().any(|seen| intents.contains(seen)),
            Check::Tier(tier) => facts.tier >= *tier,
            Check::Queued(wait) => match facts.queued_since {
                Some(since) if since + *wait <= now => true,
                Some(since) => {
                    earliest(next, since + *wait);
                    false
                }
                None => false,
            },
            Check::Kind(kind) => facts.kind == *kind,
            Check::Channel(channel) => facts.channel == *channel,
            Check::Tagged(tag) => facts.tags.iter().any(|seen| seen == tag),
            Check::Csat {
                score,
                with_comment,
            } => facts
                .csat
                .is_some_and(|csat| csat.score <= *score && (csat.with_comment || !with_comment)),
            // Short-circuiting is exact for `next`: a child not looked at
            // cannot change the result until the child that decided does.
            Check::All(checks) => checks.iter().all(|check| check.holds(cx, next)),
            Check::Any(checks) => checks.iter().any(|check| check.holds(cx, next)),
            Check::Not(check) => !check.holds(cx, next),
        }
    }
}

/// Whether `word` (lower case) occurs in `text` (lower case) as a whole word.
/// Where the script does not separate words with spaces (Chinese, Japanese,
/// Thai, Korean with its attached particles) any occurrence counts.
fn contains_word(text: &str, word: &str) -> bool {
    let (Some(first), Some(last)) = (word.chars().next(), word.chars().next_back()) else {
        return false;
    };
    text.match_indices(word).any(|(start, _)| {
        let before = text.get(..start).and_then(|head| head.chars().next_back());
        let after = text
            .get(start + word.len()..)
            .and_then(|tail| tail.chars().next());
        !joins(before, first) && !joins(Some(last), after.unwrap_or(' '))
    })
}

/// Whether two adjacent characters belong to one word.
fn joins(left: Option<char>, right: char) -> bool {
    let Some(left) = left else { return false };
    left.is_alphanumeric() && right.is_alphanumeric() && !unspaced(left) && !unspaced(right)
}

/// Scripts written without spaces between words.
fn unspaced(c: char) -> bool {
    matches!(u32::from(c),
        0x0E00..=0x0E7F   // Thai
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
        | 0xF900..=0xFAFF // CJK compatibility ideographs
    )
}

/// A rule with its condition compiled.
#[derive(Debug, Clone)]
struct CompiledRule {
    rule: EscalationRule,
    check: Check,
}

/// An ordered, validated set of escalation rules with their patterns
/// compiled: the engine's configuration for escalation.
///
/// Build it once with [`EscalationRules::new`]; evaluate it for a
/// conversation with [`EscalationRules::evaluate`]. Rules are evaluated in
/// the order given, and their actions compose in that order.
///
/// ```
/// use caredesk::escalation::*;
/// use caredesk::model::{ConversationId, Priority};
/// use chrono::Duration;
///
/// let rules = EscalationRules::new(vec![
///     EscalationRule::new("two-unanswered", Condition::repeat_contacts(2, Duration::hours(1)))
///         .then(Action::RaisePriorityTo(Priority::High))
///         .repeating(),
/// ])?;
/// let now = "2026-11-23T10:20:00Z".parse()?;
/// let posts = ["2026-11-23T10:00:00Z".parse()?, now];
/// let facts = ConversationFacts {
///     unanswered: 2,
///     unanswered_at: &posts,
///     ..ConversationFacts::new(ConversationId::from_uuid(uuid::Uuid::from_u128(1)), now)
/// };
/// let mut memory = EscalationMemory::new();
/// let evaluation = rules.evaluate(&facts, &memory);
/// assert_eq!(evaluation.fired[0].actions, vec![FiredAction::SetPriority {
///     from: Priority::Normal, to: Priority::High }]);
/// // A repeating rule re-arms when its window empties, an hour after the
/// // first post: the engine should look again then.
/// assert_eq!(evaluation.next_check, Some("2026-11-23T11:00:00Z".parse()?));
///
/// // The engine records the firing (from its event); it does not fire again.
/// memory.record("two-unanswered", 1, now);
/// assert!(rules.evaluate(&facts, &memory).fired.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct EscalationRules {
    rules: Vec<CompiledRule>,
    /// Whether some rule looks at the survey answer (when none does, the
    /// engine need not look the answer up).
    reads_csat: bool,
}

impl EscalationRules {
    /// Validates the rules and compiles their patterns.
    ///
    /// # Errors
    /// [`EscalationError`] naming the first rule at fault: an empty or
    /// repeated id, a pattern that does not compile, more than four levels,
    /// or a sentiment threshold that is not a number.
    pub fn new(rules: Vec<EscalationRule>) -> Result<Self, EscalationError> {
        let mut compiled: Vec<CompiledRule> = Vec::with_capacity(rules.len());
        for rule in rules {
            if rule.id.trim().is_empty() {
                return Err(EscalationError::EmptyRuleId);
            }
            if compiled.iter().any(|seen| seen.rule.id == rule.id) {
                return Err(EscalationError::DuplicateRuleId(rule.id));
            }
            let levels = rule.levels.len() + 1;
            if levels > usize::from(EscalationRule::MAX_LEVEL) {
                return Err(EscalationError::TooManyLevels {
                    rule: rule.id,
                    levels,
                });
            }
            let check = compile(&rule.id, &rule.condition)?;
            compiled.push(CompiledRule { rule, check });
        }
        let reads_csat = compiled.iter().any(|rule| rule.check.mentions_csat());
        Ok(EscalationRules {
            rules: compiled,
            reads_csat,
        })
    }

    /// Whether some rule's condition looks at the survey answer. When none
    /// does, a finished conversation cannot fire or clear anything.
    pub(crate) fn reads_csat(&self) -> bool {
        self.reads_csat
    }

    /// The rules, in evaluation order.
    pub fn rules(&self) -> impl Iterator<Item = &EscalationRule> {
        self.rules.iter().map(|compiled| &compiled.rule)
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&EscalationRule> {
        self.rules().find(|rule| rule.id == id)
    }

    /// How many rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Evaluates every rule on a conversation's facts, given what its memory
    /// says already fired. Pure: it changes nothing; the engine records what
    /// fired and cleared through events that update the memory.
    ///
    /// A rule fires level 1 when its condition holds and it has no running
    /// trigger (and either never fired or is `repeat`); it fires its next
    /// level when the condition still holds and the level's delay since the
    /// previous level has passed. Conditions all see the facts as given;
    /// actions compose in rule order (a second raise starts from the first).
    pub fn evaluate(&self, facts: &ConversationFacts<'_>, memory: &EscalationMemory) -> Evaluation {
        let now = facts.now;
        let cx = Context {
            facts,
            lower: OnceCell::new(),
        };
        let mut view = View {
            priority: facts.priority,
            team: facts.team,
            assignee: facts.assignee,
            tags: Vec::new(),
        };
        let mut evaluation = Evaluation::default();
        for CompiledRule { rule, check } in &self.rules {
            if facts.finished && !check.mentions_csat() {
                continue;
            }
            let remembered = memory.rule(&rule.id);
            let active = remembered.and_then(|memory| memory.active_level());
            let triggers = remembered.map_or(0, |memory| memory.triggers);
            let held = remembered.is_some_and(|memory| memory.held);
            let top = rule.levels.len() + 1;

            let mut instants = None;
            let holds = check.holds(&cx, &mut instants);

            // (level fired now, the level the trigger stands at after this evaluation, since when)
            let mut fired_level = None;
            let mut standing: Option<(usize, DateTime<Utc>)> = None;
            if holds {
                match active {
                    None if triggers == 0 || rule.repeat => fired_level = Some(1),
                    None => {}
                    Some(last) => {
                        let level = usize::from(last.level);
                        standing = Some((level, last.at));
                        if let Some(step) = level.checked_sub(1).and_then(|i| rule.levels.get(i)) {
                            if last.at + duration_secs(step.after_secs) <= now {
                                fired_level = Some(level + 1);
                            }
                        }
                    }
                }
            } else if held {
                evaluation.cleared.push(rule.id.clone());
            }
            if let Some(level) = fired_level {
                standing = Some((level, now));
                let level = u8::try_from(level).unwrap_or(EscalationRule::MAX_LEVEL);
                let actions = rule
                    .actions_at(level)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|action| view.resolve(action, rule, level, facts))
                    .collect();
                evaluation.fired.push(Fired {
                    rule: rule.id.clone(),
                    level,
                    actions,
                });
            }

            // When could time alone change this rule's outcome?
            let pending = standing.filter(|(level, _)| *level < top);
            if let Some((level, since)) = pending {
                if let Some(step) = level.checked_sub(1).and_then(|i| rule.levels.get(i)) {
                    let due = since + duration_secs(step.after_secs);
                    if due > now {
                        earliest(&mut evaluation.next_check, due);
                    }
                }
            }
            let fired_ever = triggers > 0 || fired_level.is_some();
            if rule.repeat || !fired_ever || pending.is_some() {
                if let Some(at) = instants {
                    earliest(&mut evaluation.next_check, at);
                }
            }
        }
        evaluation
    }
}

impl TryFrom<Vec<EscalationRule>> for EscalationRules {
    type Error = EscalationError;

    fn try_from(rules: Vec<EscalationRule>) -> Result<Self, Self::Error> {
        EscalationRules::new(rules)
    }
}

impl Serialize for EscalationRules {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.rules())
    }
}

impl<'de> Deserialize<'de> for EscalationRules {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let rules = Vec::<EscalationRule>::deserialize(deserializer)?;
        EscalationRules::new(rules).map_err(serde::de::Error::custom)
    }
}

/// The conversation as the actions fired so far in this evaluation left it.
struct View {
    priority: Priority,
    team: Option<TeamId>,
    assignee: Option<AgentId>,
    /// Tags added in this evaluation.
    tags: Vec<String>,
}

impl View {
    fn resolve(
        &mut self,
        action: &Action,
        rule: &EscalationRule,
        level: u8,
        facts: &ConversationFacts<'_>,
    ) -> Option<FiredAction> {
        match action {
            Action::RaisePriorityTo(to) => self.raise(*to),
            Action::RaisePriorityOneStep => self.raise(match self.priority {
                Priority::Low => Priority::Normal,
                Priority::Normal => Priority::High,
                Priority::High | Priority::Urgent => Priority::Urgent,
            }),
            Action::MoveToTeam(team) => {
                if self.team == Some(*team) {
                    return None;
                }
                self.team = Some(*team);
                Some(FiredAction::MoveToTeam { team: *team })
            }
            Action::Notify { message } => {
                let level_text = level.to_string();
                let conversation = facts.conversation.to_string();
                let message = render_template(
                    message,
                    &[
                        ("name", facts.customer_name),
                        ("rule", Some(&rule.id)),
                        ("level", Some(&level_text)),
                        ("conversation", Some(&conversation)),
                    ],
                );
                Some(FiredAction::Notify {
                    notification: Notification {
                        conversation: facts.conversation,
                        level,
                        rule: rule.id.clone(),
                        message,
                    },
                })
            }
            Action::AddTag(tag) => {
                if facts.tags.contains(tag) || self.tags.contains(tag) {
                    return None;
                }
                self.tags.push(tag.clone());
                Some(FiredAction::AddTag { tag: tag.clone() })
            }
            Action::Acknowledge(acknowledgement) => Some(FiredAction::Acknowledge {
                visibility: acknowledgement.visibility,
                text: acknowledgement.render(facts.language, facts.customer_name),
            }),
            Action::AssignSupervisor(agent) => {
                if self.assignee == Some(*agent) {
                    return None;
                }
                self.assignee = Some(*agent);
                Some(FiredAction::AssignSupervisor { agent: *agent })
            }
        }
    }

    fn raise(&mut self, to: Priority) -> Option<FiredAction> {
        if to <= self.priority {
            return None;
        }
        let from = self.priority;
        self.priority = to;
        Some(FiredAction::SetPriority { from, to })
    }
}
