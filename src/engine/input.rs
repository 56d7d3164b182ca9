//! Inputs: everything that can happen to a desk, as the engine is told it.

use super::TransferTarget;
use crate::directory::CustomerProfile;
use crate::guard::{ApprovalDecision, DraftId};
use crate::model::{
    Agent, AgentId, Attachment, ChannelRef, Classification, CloseReason, ConversationId, Identity,
    InboundMessage, OutboundId, Presence, Priority, SmolStr, Visibility,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A status change an agent (or the application) asks for.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum StatusChange {
    /// Waiting on the customer: clocks that pause on pending stop.
    Pending,
    /// Put aside until `until`; it wakes then or on a customer message.
    Snooze {
        /// When to wake (must be after `now`).
        #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::time))]
        until: DateTime<Utc>,
    },
    /// Answered and done.
    Resolve,
    /// A resolved conversation needs work again.
    Reopen,
    /// Finished for good.
    Close {
        /// Why.
        reason: CloseReason,
    },
}

/// The outcome of a send, as the runtime reports it back.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum DeliveryOutcome {
    /// The network accepted it under this id.
    Delivered {
        /// The network's id for the sent message.
        external_id: SmolStr,
    },
    /// It failed.
    Failed {
        /// A readable reason.
        reason: String,
        /// Whether retrying cannot help.
        permanent: bool,
    },
    /// Nobody knows: an attempt was started (`delivery_attempted`) and its
    /// answer was lost (the process died while the network was answering),
    /// and the channel cannot tell whether the network took it. The send is
    /// not tried again, since the network may have delivered it already; it
    /// is recorded as `delivery_unknown` for a person to check.
    Unknown {
        /// What is known, readable (which attempt, why it cannot be verified).
        reason: String,
    },
}

/// An agent's reply to a conversation.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reply {
    /// The conversation.
    pub conversation: ConversationId,
    /// The agent writing.
    pub agent: AgentId,
    /// Public reply or private message.
    pub visibility: Visibility,
    /// The text (the signature is the agent's to add, or the guard's to check).
    pub text: SmolStr,
    /// Attachments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// Something that happened, to be handled by [`Engine::handle`](super::Engine::handle).
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "input")]
#[non_exhaustive]
pub enum Input {
    /// A customer message arrived. With `classification: None` the engine
    /// classifies it itself (see [`EngineConfig`](super::EngineConfig)).
    Inbound {
        /// The message.
        message: InboundMessage,
        /// Triage's verdict, when the caller already has one.
        classification: Option<Classification>,
    },
    /// An agent replied.
    Reply(Reply),
    /// An agent wrote an internal note.
    Note {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
        /// The note.
        text: SmolStr,
    },
    /// Move a conversation to another agent or team.
    Transfer {
        /// The conversation.
        conversation: ConversationId,
        /// Where to.
        target: TransferTarget,
    },
    /// Change a conversation's status.
    SetStatus {
        /// The conversation.
        conversation: ConversationId,
        /// The change.
        change: StatusChange,
    },
    /// Change a conversation's priority.
    SetPriority {
        /// The conversation.
        conversation: ConversationId,
        /// The new priority.
        priority: Priority,
    },
    /// Add a tag to a conversation.
    Tag {
        /// The conversation.
        conversation: ConversationId,
        /// The tag (not blank).
        tag: String,
    },
    /// An agent decided a mention needs an answer.
    PromoteMention {
        /// The conversation.
        conversation: ConversationId,
    },
    /// Add an agent, or update one already known (same id).
    UpsertAgent(Agent),
    /// An agent's presence changed.
    SetPresence {
        /// The agent.
        agent: AgentId,
        /// The new presence.
        presence: Presence,
    },
    /// Set an agent's shift schedule (the router takes them only while on
    /// shift and online).
    SetShift {
        /// The agent.
        agent: AgentId,
        /// The schedule.
        shift: crate::routing::Shift,
    },
    /// The agent accepts the conversation offered to them (push mode).
    AcceptOffer {
        /// The conversation.
        conversation: ConversationId,
        /// The agent it is offered to.
        agent: AgentId,
    },
    /// The agent declines the conversation offered to them; it goes to the
    /// next candidate and never back to them.
    DeclineOffer {
        /// The conversation.
        conversation: ConversationId,
        /// The agent it is offered to.
        agent: AgentId,
    },
    /// Pull: the agent asks for their next conversation (the first waiting
    /// one they may take, in queue order). Nothing happens when none fits.
    RequestNext {
        /// The agent.
        agent: AgentId,
    },
    /// Two identities belong to one person: link them (merging customers).
    LinkIdentities {
        /// One identity.
        a: Identity,
        /// The other.
        b: Identity,
    },
    /// The runtime reports the outcome of a requested send.
    DeliveryReport {
        /// The send.
        outbound: OutboundId,
        /// What happened.
        outcome: DeliveryOutcome,
    },
    /// The runtime is about to hand a requested send to the network
    /// (`delivery_attempted`, appended durably before the network is
    /// called). After a crash, a send attempted without a reported outcome
    /// is in doubt ([`Engine::sends_in_doubt`](super::Engine::sends_in_doubt))
    /// and must not be sent blindly again.
    DeliveryAttempt {
        /// The send.
        outbound: OutboundId,
    },
    /// The network reports that a message it had accepted could not be
    /// delivered after all (a WhatsApp `failed` status for a `wamid` it
    /// returned): recorded as `delivery_failed_late`.
    ///
    /// The message is found by its network id on `channel`; `outbound`, when
    /// the adapter remembers it, also finds a send whose receipt has not
    /// been recorded yet (the status overtook the network's answer). A
    /// repeated report changes nothing.
    Undelivered {
        /// The brand account that sent it.
        channel: ChannelRef,
        /// The network's id for the message (the receipt's external id).
        external_id: SmolStr,
        /// The send, if the adapter knows it.
        outbound: Option<OutboundId>,
        /// The network's reason, readable.
        reason: String,
    },
    /// A supervisor decides on a draft waiting for approval.
    DecideDraft {
        /// The draft.
        draft: DraftId,
        /// The supervisor (a known agent).
        supervisor: AgentId,
        /// Approve or reject.
        decision: ApprovalDecision,
    },
    /// Attach what the customer directory returned for an identity (the
    /// runtime looks it up when a conversation opens). The customer's name,
    /// tier and language are updated; their active conversations may change
    /// priority (see [`ProfilePriority`](super::ProfilePriority)) and SLA policy.
    AttachProfile {
        /// The identity looked up.
        identity: Identity,
        /// What the directory returned.
        profile: CustomerProfile,
    },
    /// Forget a customer (GDPR article 17): their texts, handles and profile
    /// leave the hot state; scrub the stored log with an
    /// [`ErasurePlan`](super::ErasurePlan).
    ForgetCustomer {
        /// The customer.
        customer: crate::model::CustomerId,
    },
    /// Switch crisis mode on or off (the guard then blocks humour,
    /// celebration and promotion on public posts).
    SetCrisisMode {
        /// On or off.
        active: bool,
    },
    /// An agent replies and attaches a structured offer (recorded as
    /// `sales_offer_made` after the reply's `reply_requested`). A conversation
    /// without an opportunity gets one first (an agent-initiated sale). A
    /// reply the guard blocks or holds for approval carries no offer: the
    /// offer is made only with a reply that is sent. Needs
    /// [`EngineConfig::with_sales`](super::EngineConfig::with_sales).
    ReplyWithOffer {
        /// The reply.
        reply: Reply,
        /// The offer (its reference must be new, its expiry after now).
        offer: crate::model::SalesOffer,
    },
    /// The airline's systems report a booking; it is linked to an
    /// opportunity by its offer reference, or else by its customer (the
    /// customer's latest opportunity opened within the attribution window
    /// before the booking), and recorded as `conversion_recorded`.
    RecordBooking {
        /// The booking.
        booking: crate::model::Booking,
    },
    /// Ask the customer of a resolved conversation for their satisfaction
    /// (with [`CsatSettings::auto_request`](super::CsatSettings::auto_request)
    /// the engine does this itself on resolution). The result is
    /// `survey_requested` (the runtime sends it) or `survey_skipped` with
    /// the reason (no private messages, messaging window closed, no text).
    RequestSurvey {
        /// The conversation.
        conversation: ConversationId,
    },
    /// The customer answered a survey. It reopens nothing; escalation rules
    /// with [`Condition::CsatAtOrBelow`](crate::escalation::Condition::CsatAtOrBelow)
    /// may fire on it.
    SurveyResponse {
        /// The survey.
        survey: crate::model::SurveyId,
        /// The score, 1 to 5.
        score: u8,
        /// What the customer wrote with it, if anything.
        comment: Option<String>,
    },
    /// Time passed: handle whatever is due (the runtime sends this at
    /// [`Engine::next_deadline`](super::Engine::next_deadline)).
    Tick,
}
