//! Second-person approval: when a reply waits as a [`Draft`] until a
//! supervisor approves it, and the types the engine records for that flow.

use super::{CheckKind, GuardVerdict, Outcome};
use crate::model::{AgentId, ConversationId, Visibility};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// When a reply needs a second person before it is sent. Each rule is off
/// when its field is `None` or `false`.
///
/// ```
/// use caredesk::guard::{ApprovalContext, ApprovalPolicy, ApprovalReason, GuardVerdict};
/// use caredesk::model::Visibility;
/// let policy = ApprovalPolicy::default();
/// let verdict = GuardVerdict::pass();
/// let context = ApprovalContext {
///     visibility: Visibility::Public,
///     agent_tenure_days: Some(3),
///     agent_flagged_new: false,
///     author_reach: 1_000_000,
///     crisis: false,
///     verdict: &verdict,
/// };
/// assert_eq!(policy.requires_approval(&context), Some(ApprovalReason::NewAgent { tenure_days: Some(3) }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalPolicy {
    /// Agents with fewer days on the desk than this need approval.
    pub new_agent_days: Option<u32>,
    /// Replies to an author with at least this reach (followers) need approval.
    pub reach_at_least: Option<u64>,
    /// Every public reply in crisis mode needs approval.
    pub in_crisis: bool,
    /// A reply the guard warned about needs approval.
    pub on_warning: bool,
    /// Whether the rules apply to private messages too (by default only
    /// public replies need a second person).
    pub include_private: bool,
}

impl Default for ApprovalPolicy {
    /// New agents under 30 days, reach of 100,000 or more, crisis mode, and
    /// warnings; public replies only.
    fn default() -> Self {
        ApprovalPolicy {
            new_agent_days: Some(30),
            reach_at_least: Some(100_000),
            in_crisis: true,
            on_warning: true,
            include_private: false,
        }
    }
}

/// What [`ApprovalPolicy::requires_approval`] looks at for one reply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApprovalContext<'a> {
    /// Public reply or private message.
    pub visibility: Visibility,
    /// Days the agent has been on the desk (`None`: unknown, not new).
    pub agent_tenure_days: Option<u32>,
    /// The agent is marked as new (in training) whatever their tenure.
    pub agent_flagged_new: bool,
    /// The largest reach of the conversation's author.
    pub author_reach: u64,
    /// Whether crisis mode is on.
    pub crisis: bool,
    /// The guard's verdict on the reply.
    pub verdict: &'a GuardVerdict,
}

/// Why a reply waits for a second person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
#[non_exhaustive]
pub enum ApprovalReason {
    /// The agent is new (tenure below the policy's days, or flagged).
    NewAgent {
        /// Their tenure in days, when known.
        tenure_days: Option<u32>,
    },
    /// The author has a large audience.
    HighReach {
        /// The author's reach.
        reach: u64,
    },
    /// Crisis mode is on.
    Crisis,
    /// The guard warned about the reply.
    GuardWarning {
        /// The checks that warned, in check order.
        checks: Vec<CheckKind>,
    },
}

impl ApprovalPolicy {
    /// The first rule that holds for this reply, in the order: new agent,
    /// high reach, crisis, guard warning; `None` when it may go out at once.
    ///
    /// A blocked reply is not a draft (it cannot be sent at all), so a
    /// [`Outcome::Block`] verdict gives `None`: the engine refuses it first.
    pub fn requires_approval(&self, context: &ApprovalContext<'_>) -> Option<ApprovalReason> {
        if context.verdict.outcome == Outcome::Block {
            return None;
        }
        if context.visibility == Visibility::Private && !self.include_private {
            return None;
        }
        let tenure_new = match (self.new_agent_days, context.agent_tenure_days) {
            (Some(limit), Some(days)) => days < limit,
            _ => false,
        };
        if tenure_new || context.agent_flagged_new {
            return Some(ApprovalReason::NewAgent {
                tenure_days: context.agent_tenure_days,
            });
        }
        if self
            .reach_at_least
            .is_some_and(|limit| context.author_reach >= limit)
        {
            return Some(ApprovalReason::HighReach {
                reach: context.author_reach,
            });
        }
        if self.in_crisis && context.crisis {
            return Some(ApprovalReason::Crisis);
        }
        if self.on_warning && context.verdict.outcome == Outcome::Warn {
            let mut checks: Vec<CheckKind> =
                context.verdict.findings.iter().map(|f| f.check).collect();
            checks.sort();
            checks.dedup();
            return Some(ApprovalReason::GuardWarning { checks });
        }
        None
    }
}

/// A draft's id: a newtype over a uuid (v7 when the engine mints it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DraftId(pub Uuid);

impl DraftId {
    /// Wraps an existing uuid.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        DraftId(uuid)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for DraftId {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        crate::model::fuzz::uuid(u).map(DraftId)
    }
}

impl fmt::Display for DraftId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "draft_{}", self.0.simple())
    }
}

/// A reply held for approval: what the agent wrote, what the guard said, and
/// why it waits. The engine records it in an event; it is not a response for
/// SLA purposes until approved and sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Its id.
    pub id: DraftId,
    /// The conversation it answers.
    pub conversation: ConversationId,
    /// The agent who wrote it.
    pub agent: AgentId,
    /// The text as written.
    pub text: String,
    /// Public reply or private message.
    pub visibility: Visibility,
    /// The guard's verdict on it.
    pub verdict: GuardVerdict,
    /// Why it needs approval.
    pub reason: ApprovalReason,
}

/// A second person's decision on a [`Draft`].
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum ApprovalDecision {
    /// Send it as written.
    Approve,
    /// Do not send it; the comment goes back to the agent.
    Reject {
        /// What to change.
        comment: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::{GuardFinding, Severity};

    fn context(verdict: &GuardVerdict) -> ApprovalContext<'_> {
        ApprovalContext {
            visibility: Visibility::Public,
            agent_tenure_days: Some(400),
            agent_flagged_new: false,
            author_reach: 50,
            crisis: false,
            verdict,
        }
    }

    #[test]
    fn a_seasoned_agent_answering_a_small_account_needs_no_approval() {
        let verdict = GuardVerdict::pass();
        assert_eq!(
            ApprovalPolicy::default().requires_approval(&context(&verdict)),
            None
        );
    }

    #[test]
    fn a_flagged_agent_needs_approval_whatever_their_tenure() {
        let verdict = GuardVerdict::pass();
        let ctx = ApprovalContext {
            agent_flagged_new: true,
            ..context(&verdict)
        };
        assert_eq!(
            ApprovalPolicy::default().requires_approval(&ctx),
            Some(ApprovalReason::NewAgent {
                tenure_days: Some(400)
            })
        );
    }

    #[test]
    fn reach_crisis_and_warnings_each_require_approval() {
        let pass = GuardVerdict::pass();
        let policy = ApprovalPolicy::default();
        let reach = ApprovalContext {
            author_reach: 100_000,
            ..context(&pass)
        };
        assert_eq!(
            policy.requires_approval(&reach),
            Some(ApprovalReason::HighReach { reach: 100_000 })
        );
        let crisis = ApprovalContext {
            crisis: true,
            ..context(&pass)
        };
        assert_eq!(
            policy.requires_approval(&crisis),
            Some(ApprovalReason::Crisis)
        );
        let warned = GuardVerdict::from_findings(vec![GuardFinding {
            check: CheckKind::Tone,
            severity: Severity::Warn,
            reason: "humour".into(),
            suggestion: None,
        }]);
        assert_eq!(
            policy.requires_approval(&context(&warned)),
            Some(ApprovalReason::GuardWarning {
                checks: vec![CheckKind::Tone]
            })
        );
    }

    #[test]
    fn private_messages_and_blocked_replies_are_never_drafts_by_default() {
        let pass = GuardVerdict::pass();
        let private = ApprovalContext {
            visibility: Visibility::Private,
            agent_flagged_new: true,
            ..context(&pass)
        };
        assert_eq!(ApprovalPolicy::default().requires_approval(&private), None);
        let blocked = GuardVerdict::from_findings(vec![GuardFinding {
            check: CheckKind::Privacy,
            severity: Severity::Block,
            reason: "booking code".into(),
            suggestion: None,
        }]);
        let ctx = ApprovalContext {
            agent_flagged_new: true,
            ..context(&blocked)
        };
        assert_eq!(ApprovalPolicy::default().requires_approval(&ctx), None);
    }

    #[test]
    fn decisions_read_as_tagged_json() {
        let reject = ApprovalDecision::Reject {
            comment: "no jokes today".into(),
        };
        let json = serde_json::to_string(&reject).unwrap();
        assert_eq!(json, r#"{"decision":"reject","comment":"no jokes today"}"#);
        assert_eq!(
            serde_json::from_str::<ApprovalDecision>(&json).unwrap(),
            reject
        );
    }
}
