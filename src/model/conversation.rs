//! Conversations and their messages.

use super::{
    AgentId, ChannelRef, ConversationId, CustomerId, Identity, Intent, Kind, Language, MessageId,
    OutboundId, SmolStr, TeamId, Visibility,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How urgent a conversation is; queues serve higher priorities first.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Can wait.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Raised (a VIP, an escalation).
    High,
    /// Everything else waits.
    Urgent,
}

/// Why a conversation was closed.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// It was resolved and the reopen window passed without a new message.
    Resolved,
    /// A mention that nobody needed to answer, closed after its listening window.
    NoResponseNeeded,
    /// Spam or abuse.
    Spam,
    /// A duplicate of another conversation.
    Duplicate,
    /// The customer asked to stop.
    CustomerRequest,
    /// Closed by an agent for another reason.
    ByAgent,
}

/// Where a conversation is in its lifecycle:
/// new → open (waiting) → assigned → pending / snoozed → resolved → closed.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    /// Waiting for an agent (queries sit in the queue; mentions are listened to).
    Open,
    /// An agent owns it.
    Assigned,
    /// Waiting on the customer; a customer message brings it back.
    Pending,
    /// Put aside until a time; it wakes then, or earlier on a customer message.
    Snoozed {
        /// When it wakes.
        #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::time))]
        until: DateTime<Utc>,
    },
    /// Answered and done; a customer message within the reopen window reopens it.
    Resolved,
    /// Finished for good; a new customer message starts a new conversation.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

impl Status {
    /// Whether the conversation still needs work (not resolved or closed).
    pub fn is_active(&self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed { .. })
    }

    /// A short name, as in JSON (`"open"`, `"snoozed"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Assigned => "assigned",
            Status::Pending => "pending",
            Status::Snoozed { .. } => "snoozed",
            Status::Resolved => "resolved",
            Status::Closed { .. } => "closed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The thread of messages with one customer about one matter.
///
/// As read from the engine, its times (`opened_at` to `closed_at`) are whole
/// microseconds: the engine's hot state keeps them to the microsecond, and
/// the events it records keep the exact times it was given.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// The customer.
    pub customer: CustomerId,
    /// The brand account it started on (later messages may come on others).
    pub channel: ChannelRef,
    /// Query (needs an answer) or mention (listen only).
    pub kind: Kind,
    /// Lifecycle status.
    pub status: Status,
    /// Priority in the queue.
    pub priority: Priority,
    /// Language of the conversation (from its first classified message).
    pub language: Option<Language>,
    /// The agent who owns it.
    pub assignee: Option<AgentId>,
    /// The team it is routed to, if limited to one.
    pub team: Option<TeamId>,
    /// Free-form tags, sorted, without repeats.
    pub tags: Vec<String>,
    /// Intents seen on its messages, sorted, without repeats.
    pub intents: Vec<Intent>,
    /// Sentiment of the last customer message.
    pub sentiment: f32,
    /// The largest author reach seen.
    pub reach: u64,
    /// Whether personal data appeared in public, so the answer should move to
    /// a private message.
    pub suggest_private: bool,
    /// Its messages in arrival order (notes included).
    pub messages: Vec<MessageId>,
    /// When it was opened.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::time))]
    pub opened_at: DateTime<Utc>,
    /// When the customer last wrote.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::time))]
    pub last_customer_message_at: DateTime<Utc>,
    /// When an agent first replied.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::optional_time))]
    pub first_response_at: Option<DateTime<Utc>>,
    /// When an agent last replied.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::optional_time))]
    pub last_agent_reply_at: Option<DateTime<Utc>>,
    /// Customer messages since the last agent reply.
    pub unanswered: u32,
    /// When it was last resolved.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::optional_time))]
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it was closed.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::optional_time))]
    pub closed_at: Option<DateTime<Utc>>,
}

/// Who wrote a message.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Author {
    /// The customer, through one of their identities.
    Customer {
        /// The identity used.
        identity: Identity,
    },
    /// An agent: a reply, or an internal note.
    Agent {
        /// The agent.
        agent: AgentId,
    },
    /// The desk itself (an automatic acknowledgement, a bot).
    Automation,
}

/// A message in a conversation, as the inbox shows it.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// The conversation.
    pub conversation: ConversationId,
    /// Who wrote it.
    pub author: Author,
    /// Public or private.
    pub visibility: Visibility,
    /// An internal note: seen by agents only, never sent, not a response.
    pub note: bool,
    /// The text.
    pub text: SmolStr,
    /// The network's id: given on receipt for inbound messages, known after
    /// delivery for outbound ones.
    pub external_id: Option<SmolStr>,
    /// For outbound messages, the send the engine requested.
    pub outbound: Option<OutboundId>,
    /// For outbound messages: the network accepted it, then reported that
    /// it could not deliver it (`delivery_failed_late`); the customer never
    /// saw it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undelivered: bool,
    /// When it was received or written.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::time))]
    pub at: DateTime<Utc>,
}
