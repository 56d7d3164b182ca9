//! What escalation knows about one conversation at one instant.

use crate::model::{
    AgentId, ChannelKind, ConversationId, Intent, Kind, Language, Priority, TeamId, Tier,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The promise an SLA clock keeps, as escalation names it (the engine maps
/// the SLA module's targets onto these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    /// The first agent reply.
    FirstResponse,
    /// An agent reply after a customer message that follows an agent reply.
    NextResponse,
    /// Resolution of the conversation.
    Resolution,
    /// An agent writing again every so often while the conversation is open.
    PeriodicUpdate,
}

/// Where an SLA clock stands, as escalation sees it.
///
/// A rule asking for a stage matches that stage "or worse":
/// [`SlaStage::Running`] matches any clock still counting or overdue,
/// [`SlaStage::Warning`] matches warning and breached, [`SlaStage::Breached`]
/// only breached, and [`SlaStage::Met`] only met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaStage {
    /// Counting, before its warning instant.
    Running,
    /// Past its warning instant, not yet breached.
    Warning,
    /// Past its deadline.
    Breached,
    /// The promise was kept.
    Met,
}

impl SlaStage {
    /// Whether a clock in stage `actual` satisfies a rule asking for `self`.
    pub fn matched_by(self, actual: SlaStage) -> bool {
        match self {
            SlaStage::Running => matches!(
                actual,
                SlaStage::Running | SlaStage::Warning | SlaStage::Breached
            ),
            SlaStage::Warning => matches!(actual, SlaStage::Warning | SlaStage::Breached),
            SlaStage::Breached => actual == SlaStage::Breached,
            SlaStage::Met => actual == SlaStage::Met,
        }
    }
}

/// One SLA clock of a conversation: its target, its stage and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlaFact {
    /// The promise.
    pub target: SlaTarget,
    /// Where the clock stands.
    pub stage: SlaStage,
    /// When it entered that stage.
    pub since: DateTime<Utc>,
}

/// The customer's answer to the satisfaction survey of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CsatFact {
    /// The score, 1 to 5.
    pub score: u8,
    /// Whether the customer wrote a comment with it.
    pub with_comment: bool,
}

/// A conversation's facts at one instant: everything escalation rules may
/// look at, filled by the engine for each evaluation.
///
/// It borrows its lists and text from the engine's state, so building one is
/// a handful of copies. Start from [`ConversationFacts::new`] and set the
/// fields that matter with struct update syntax:
///
/// ```
/// use caredesk::escalation::ConversationFacts;
/// use caredesk::model::{ConversationId, Tier};
/// let now = "2026-11-23T10:00:00Z".parse()?;
/// let posts = [now];
/// let facts = ConversationFacts {
///     tier: Tier::Gold,
///     unanswered: 1,
///     unanswered_at: &posts,
///     ..ConversationFacts::new(ConversationId::from_uuid(uuid::Uuid::from_u128(1)), now)
/// };
/// assert_eq!(facts.unanswered, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationFacts<'a> {
    /// The conversation.
    pub conversation: ConversationId,
    /// The instant of the evaluation.
    pub now: DateTime<Utc>,
    /// Its current priority.
    pub priority: Priority,
    /// The customer's loyalty tier.
    pub tier: Tier,
    /// The conversation's language, when known.
    pub language: Option<Language>,
    /// The network it runs on.
    pub channel: ChannelKind,
    /// Query or mention.
    pub kind: Kind,
    /// Sentiment of the last customer message, in [-1, 1].
    pub sentiment: f32,
    /// Intents seen on the conversation.
    pub intents: &'a [Intent],
    /// The largest author reach (followers) seen.
    pub reach: u64,
    /// The text of the last customer message.
    pub last_customer_text: &'a str,
    /// The customer's name, for acknowledgements (`{name}`).
    pub customer_name: Option<&'a str>,
    /// When each customer message since the last agent reply arrived, oldest first.
    pub unanswered_at: &'a [DateTime<Utc>],
    /// Customer messages since the last agent reply.
    pub unanswered: u32,
    /// Since when it waits in the queue (`None` when not queued).
    pub queued_since: Option<DateTime<Utc>>,
    /// The agent who owns it.
    pub assignee: Option<AgentId>,
    /// The team it is routed to.
    pub team: Option<TeamId>,
    /// Its tags.
    pub tags: &'a [String],
    /// Its SLA clocks.
    pub sla: &'a [SlaFact],
    /// The customer's survey answer, once given.
    pub csat: Option<CsatFact>,
    /// Whether the conversation is resolved or closed: then only rules that
    /// look at the survey answer ([`Condition::CsatAtOrBelow`](super::Condition::CsatAtOrBelow))
    /// are evaluated, so an answer can escalate but nothing else wakes a
    /// finished conversation.
    pub finished: bool,
}

impl<'a> ConversationFacts<'a> {
    /// Facts with nothing known yet: a normal-priority query from a standard
    /// customer, neutral, unqueued, no messages, no clocks.
    pub fn new(conversation: ConversationId, now: DateTime<Utc>) -> Self {
        ConversationFacts {
            conversation,
            now,
            priority: Priority::Normal,
            tier: Tier::Standard,
            language: None,
            channel: ChannelKind::Other,
            kind: Kind::Query,
            sentiment: 0.0,
            intents: &[],
            reach: 0,
            last_customer_text: "",
            customer_name: None,
            unanswered_at: &[],
            unanswered: 0,
            queued_since: None,
            assignee: None,
            team: None,
            tags: &[],
            sla: &[],
            csat: None,
            finished: false,
        }
    }
}
