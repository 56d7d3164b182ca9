//! SLA policies: targets per priority, the calendar they count in, when to
//! warn, what pauses the clock; and the ordered rules that pick a policy.

use crate::calendar::BusinessCalendar;
use crate::model::{ChannelKind, Kind, Language, Priority, Tier};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The promise a clock keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    /// The first agent reply after the conversation opened.
    FirstResponse,
    /// An agent reply after each customer message that follows an agent reply.
    NextResponse,
    /// Resolution of the conversation.
    Resolution,
    /// An agent must write again every so often while the conversation is open.
    PeriodicUpdate,
}

impl SlaTarget {
    /// Every target, in order.
    pub const ALL: [SlaTarget; 4] = [
        SlaTarget::FirstResponse,
        SlaTarget::NextResponse,
        SlaTarget::Resolution,
        SlaTarget::PeriodicUpdate,
    ];
}

/// Business seconds allowed for each target; `None` means no promise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TargetSet {
    /// First response, in business seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_secs: Option<u64>,
    /// Next response, in business seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response_secs: Option<u64>,
    /// Resolution, in business seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_secs: Option<u64>,
    /// Periodic update, in business seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periodic_update_secs: Option<u64>,
}

impl TargetSet {
    /// The budget for one target.
    pub fn get(&self, target: SlaTarget) -> Option<u64> {
        match target {
            SlaTarget::FirstResponse => self.first_response_secs,
            SlaTarget::NextResponse => self.next_response_secs,
            SlaTarget::Resolution => self.resolution_secs,
            SlaTarget::PeriodicUpdate => self.periodic_update_secs,
        }
    }

    /// Sets the budget for one target (builder style), in minutes.
    #[must_use]
    pub fn with_minutes(mut self, target: SlaTarget, minutes: u64) -> Self {
        let secs = Some(minutes.saturating_mul(60));
        match target {
            SlaTarget::FirstResponse => self.first_response_secs = secs,
            SlaTarget::NextResponse => self.next_response_secs = secs,
            SlaTarget::Resolution => self.resolution_secs = secs,
            SlaTarget::PeriodicUpdate => self.periodic_update_secs = secs,
        }
        self
    }
}

/// When a clock warns before it breaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "warn")]
pub enum WarningThreshold {
    /// When this share of the budget (in thousandths) has elapsed: 800 warns at 80 %.
    Fraction {
        /// Thousandths of the budget, 1 to 999.
        permille: u16,
    },
    /// This long (business seconds) before the deadline.
    LeadTime {
        /// Seconds before the deadline.
        secs: u64,
    },
}

impl WarningThreshold {
    /// Business seconds after the start at which to warn, for a budget;
    /// `None` when the warning would come at or before the start.
    pub fn warn_after(&self, budget_secs: u64) -> Option<u64> {
        let after = match *self {
            WarningThreshold::Fraction { permille } => {
                budget_secs.saturating_mul(u64::from(permille.min(1000))) / 1000
            }
            WarningThreshold::LeadTime { secs } => budget_secs.saturating_sub(secs),
        };
        (after > 0 && after < budget_secs).then_some(after)
    }
}

/// Targets, calendar and behaviour of one SLA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    /// Its name, unique among the tenant's policies.
    pub name: String,
    /// Targets when no per-priority set applies.
    pub targets: TargetSet,
    /// Targets per priority (override `targets` for that priority).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_priority: BTreeMap<Priority, TargetSet>,
    /// The hours the targets count in.
    pub calendar: BusinessCalendar,
    /// When to warn.
    pub warning: WarningThreshold,
    /// Whether clocks pause while the conversation is pending on the customer.
    pub pause_when_pending: bool,
    /// Whether clocks pause while the conversation is snoozed.
    pub pause_when_snoozed: bool,
    /// Whether automated replies (acknowledgements, bots) count as a response.
    pub automated_replies_count: bool,
}

impl SlaPolicy {
    /// A 24/7 policy with these targets, warning at 75 %, pausing on pending
    /// and snoozed, automated replies not counting.
    ///
    /// ```
    /// use caredesk::sla::{SlaPolicy, SlaTarget, TargetSet};
    /// let promise = SlaPolicy::around_the_clock("one hour", TargetSet::default().with_minutes(SlaTarget::FirstResponse, 60));
    /// assert_eq!(promise.budget(SlaTarget::FirstResponse, caredesk::model::Priority::Normal), Some(3600));
    /// ```
    pub fn around_the_clock(name: impl Into<String>, targets: TargetSet) -> Self {
        SlaPolicy {
            name: name.into(),
            targets,
            by_priority: BTreeMap::new(),
            calendar: BusinessCalendar::always_open(),
            warning: WarningThreshold::Fraction { permille: 750 },
            pause_when_pending: true,
            pause_when_snoozed: true,
            automated_replies_count: false,
        }
    }

    /// Sets the calendar.
    #[must_use]
    pub fn with_calendar(mut self, calendar: BusinessCalendar) -> Self {
        self.calendar = calendar;
        self
    }

    /// Sets the targets for one priority.
    #[must_use]
    pub fn with_priority_targets(mut self, priority: Priority, targets: TargetSet) -> Self {
        self.by_priority.insert(priority, targets);
        self
    }

    /// Sets the warning threshold.
    #[must_use]
    pub fn with_warning(mut self, warning: WarningThreshold) -> Self {
        self.warning = warning;
        self
    }

    /// The budget in business seconds for a target at a priority.
    pub fn budget(&self, target: SlaTarget, priority: Priority) -> Option<u64> {
        self.by_priority
            .get(&priority)
            .unwrap_or(&self.targets)
            .get(target)
    }
}

/// What a rule may match on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PolicyMatch {
    /// Channel kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelKind>,
    /// Conversation kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Customer tier at or above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_tier: Option<Tier>,
    /// Priority at or above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_priority: Option<Priority>,
    /// Tags that must all be present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// What the engine knows when it picks a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyFacts<'a> {
    /// Channel kind.
    pub channel: ChannelKind,
    /// Conversation kind.
    pub kind: Kind,
    /// Language, if known.
    pub language: Option<Language>,
    /// Customer tier.
    pub tier: Tier,
    /// Priority.
    pub priority: Priority,
    /// Tags (sorted).
    pub tags: &'a [String],
}

impl PolicyMatch {
    /// Whether the facts satisfy every condition given.
    pub fn matches(&self, facts: &PolicyFacts<'_>) -> bool {
        self.channel.is_none_or(|c| c == facts.channel)
            && self.kind.is_none_or(|k| k == facts.kind)
            && self.language.is_none_or(|l| Some(l) == facts.language)
            && self.min_tier.is_none_or(|t| facts.tier >= t)
            && self.min_priority.is_none_or(|p| facts.priority >= p)
            && self.tags.iter().all(|t| facts.tags.contains(t))
    }
}

/// One selection rule: when it matches, the named policy applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PolicyRule {
    /// The conditions.
    pub when: PolicyMatch,
    /// The policy's name.
    pub policy: String,
}

/// A policy set is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SlaError {
    /// A rule or the default names a policy that does not exist.
    #[error("unknown SLA policy {0:?}")]
    UnknownPolicy(String),
    /// Two policies share a name.
    #[error("SLA policy {0:?} is defined twice")]
    DuplicatePolicy(String),
    /// A policy's calendar is never open, so no deadline could be computed.
    #[error("SLA policy {0:?} has a calendar that is never open")]
    NeverOpen(String),
    /// A warning fraction outside 1..=999 thousandths.
    #[error("warning fraction {0}‰ is outside 1..=999")]
    BadWarning(u16),
}

/// A tenant's SLA policies and the ordered rules that select one: the first
/// matching rule wins, else the default.
///
/// ```
/// use caredesk::sla::{PolicyFacts, PolicyMatch, PolicyRule, SlaPolicies, SlaPolicy, SlaTarget, TargetSet};
/// use caredesk::model::{ChannelKind, Kind, Priority, Tier};
/// let hour = SlaPolicy::around_the_clock("hour", TargetSet::default().with_minutes(SlaTarget::FirstResponse, 60));
/// let email = SlaPolicy::around_the_clock("email", TargetSet::default().with_minutes(SlaTarget::FirstResponse, 24 * 60));
/// let policies = SlaPolicies::new(vec![hour, email], vec![PolicyRule {
///     when: PolicyMatch { channel: Some(ChannelKind::Email), ..PolicyMatch::default() },
///     policy: "email".into(),
/// }], "hour")?;
/// let facts = PolicyFacts { channel: ChannelKind::Email, kind: Kind::Query, language: None,
///     tier: Tier::Standard, priority: Priority::Normal, tags: &[] };
/// assert_eq!(policies.select(&facts).name, "email");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PoliciesSpec", into = "PoliciesSpec")]
pub struct SlaPolicies {
    policies: Vec<SlaPolicy>,
    rules: Vec<PolicyRule>,
    default: usize,
}

/// The JSON form of a policy set; checked by [`SlaPolicies::new`] on read.
#[derive(Serialize, Deserialize)]
struct PoliciesSpec {
    policies: Vec<SlaPolicy>,
    #[serde(default)]
    rules: Vec<PolicyRule>,
    default: String,
}

impl TryFrom<PoliciesSpec> for SlaPolicies {
    type Error = SlaError;

    fn try_from(spec: PoliciesSpec) -> Result<Self, SlaError> {
        SlaPolicies::new(spec.policies, spec.rules, &spec.default)
    }
}

impl From<SlaPolicies> for PoliciesSpec {
    fn from(set: SlaPolicies) -> Self {
        let default = set
            .policies
            .get(set.default)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        PoliciesSpec {
            policies: set.policies,
            rules: set.rules,
            default,
        }
    }
}

impl SlaPolicies {
    /// Checks and builds a policy set.
    ///
    /// # Errors
    /// [`SlaError`] for a duplicate name, a rule or default naming no
    /// policy, or a warning fraction outside 1..=999‰.
    pub fn new(
        policies: Vec<SlaPolicy>,
        rules: Vec<PolicyRule>,
        default: &str,
    ) -> Result<Self, SlaError> {
        for (index, policy) in policies.iter().enumerate() {
            if policies[..index].iter().any(|p| p.name == policy.name) {
                return Err(SlaError::DuplicatePolicy(policy.name.clone()));
            }
            let far_past = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
            if policy.calendar.next_open(far_past).is_none() {
                return Err(SlaError::NeverOpen(policy.name.clone()));
            }
            if let WarningThreshold::Fraction { permille } = policy.warning {
                if !(1..=999).contains(&permille) {
                    return Err(SlaError::BadWarning(permille));
                }
            }
        }
        let position = |name: &str| {
            policies
                .iter()
                .position(|p| p.name == name)
                .ok_or_else(|| SlaError::UnknownPolicy(name.to_owned()))
        };
        for rule in &rules {
            position(&rule.policy)?;
        }
        let default = position(default)?;
        Ok(SlaPolicies {
            policies,
            rules,
            default,
        })
    }

    /// One 24/7 policy for everything.
    ///
    /// # Errors
    /// As [`SlaPolicies::new`].
    pub fn single(policy: SlaPolicy) -> Result<Self, SlaError> {
        let name = policy.name.clone();
        SlaPolicies::new(vec![policy], Vec::new(), &name)
    }

    /// The policy for these facts.
    pub fn select(&self, facts: &PolicyFacts<'_>) -> &SlaPolicy {
        let index = self
            .rules
            .iter()
            .find(|rule| rule.when.matches(facts))
            .and_then(|rule| self.policies.iter().position(|p| p.name == rule.policy))
            .unwrap_or(self.default);
        // `new` (also behind Deserialize) checked that `default` and every
        // rule's policy exist, so the index is in range.
        &self.policies[index]
    }

    /// A policy by name.
    pub fn get(&self, name: &str) -> Option<&SlaPolicy> {
        self.policies.iter().find(|p| p.name == name)
    }

    /// Every policy.
    pub fn policies(&self) -> &[SlaPolicy] {
        &self.policies
    }
}
