//! Errors the engine returns; every one leaves the engine unchanged.

use crate::model::{AgentId, ConversationId, MessageId, ModelError, OutboundId, Status, TenantId};
use chrono::{DateTime, Utc};

/// Why the engine refused an input. A refused input changes nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// `now` is earlier than the time of the last input. Pass a clock that
    /// never goes backwards (or clamp it) and try again.
    #[error("clock went backwards: {now} is before the last input at {last}")]
    ClockWentBackwards {
        /// The time given.
        now: DateTime<Utc>,
        /// The time of the last input.
        last: DateTime<Utc>,
    },
    /// The same (channel, external id) was accepted before: nothing was
    /// recorded again. Treat it as success (a redelivered webhook).
    #[error("duplicate message: already accepted as {existing}")]
    DuplicateMessage {
        /// The conversation that holds the original.
        existing: ConversationId,
    },
    /// The message has no text and no attachment.
    #[error("message is empty: no text and no attachment")]
    EmptyMessage,
    /// The text is longer than the configured limit.
    #[error("text of {bytes} bytes exceeds the limit of {limit}")]
    TextTooLong {
        /// Its length.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The message arrived on a brand account the engine was not configured with.
    #[error("unknown channel {0}: add it to EngineConfig::channels")]
    UnknownChannel(String),
    /// The external id is empty; channels must pass the network's id.
    #[error("message has an empty external id")]
    MissingExternalId,
    /// No such conversation in the hot state (unknown, or archived).
    #[error("unknown conversation {0}")]
    UnknownConversation(ConversationId),
    /// No such agent.
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    /// No such send awaiting a report.
    #[error("unknown or already reported outbound message {0}")]
    UnknownOutbound(OutboundId),
    /// A late delivery failure names a network id that matches no sent
    /// message the engine holds (never recorded as delivered on that
    /// channel, or its conversation was archived): nothing to record.
    #[error("no sent message with network id {0:?} on this channel")]
    UnknownSentMessage(String),
    /// The change is not allowed from the conversation's status.
    #[error("cannot go from {from} to {to}")]
    InvalidTransition {
        /// The status now.
        from: Status,
        /// The status asked for (by name).
        to: &'static str,
    },
    /// Only the assignee (or a supervisor, see
    /// [`Agent::supervisor`](crate::model::Agent::supervisor)) may reply to
    /// an assigned conversation.
    #[error("agent {agent} is not the assignee of {conversation}")]
    NotAssignee {
        /// The agent who tried.
        agent: AgentId,
        /// The conversation.
        conversation: ConversationId,
    },
    /// No offer of this conversation to this agent is outstanding (it was
    /// never made, already answered, expired, or made to someone else).
    #[error("no outstanding offer of {conversation} to agent {agent}")]
    NoOffer {
        /// The agent.
        agent: AgentId,
        /// The conversation.
        conversation: ConversationId,
    },
    /// The agent has no free capacity for this conversation.
    #[error("agent {0} has no free capacity")]
    AgentAtCapacity(AgentId),
    /// The agent's data breaks a model rule.
    #[error("invalid agent: {0}")]
    InvalidAgent(#[from] ModelError),
    /// The conversation is closed or resolved; reopen it first.
    #[error("conversation {0} is not active")]
    ConversationNotActive(ConversationId),
    /// A snooze must end after `now`.
    #[error("snooze must end after now")]
    SnoozeInPast,
    /// A tag must not be blank.
    #[error("tag must not be blank")]
    BlankTag,
    /// The conversation is not a mention.
    #[error("conversation {0} is already a query")]
    NotAMention(ConversationId),
    /// The two identities given are the same.
    #[error("cannot link an identity to itself")]
    SameIdentity,
    /// The channel cannot send this kind of message (e.g. public replies on WhatsApp).
    #[error("channel does not allow {0} messages")]
    VisibilityNotSupported(&'static str),
    /// Replay found an event that does not fit the stream.
    #[error("replay: event {seq}: {reason}")]
    Replay {
        /// The offending event's sequence number.
        seq: u64,
        /// What was wrong.
        reason: String,
    },
    /// Replay found an event of another tenant.
    #[error("replay: event {seq} belongs to tenant {found}, not {expected}")]
    WrongTenant {
        /// The event.
        seq: u64,
        /// The tenant found.
        found: TenantId,
        /// The engine's tenant.
        expected: TenantId,
    },
    /// No such customer in the hot state.
    #[error("unknown customer {0}")]
    UnknownCustomer(crate::model::CustomerId),
    /// No customer has this identity yet.
    #[error("no customer has the identity {0}")]
    UnknownIdentity(String),
    /// No such draft awaits approval (unknown, or already decided).
    #[error("unknown or already decided draft {0}")]
    UnknownDraft(crate::guard::DraftId),
    /// A message id was referenced that the conversation does not hold.
    #[error("unknown message {0}")]
    UnknownMessage(MessageId),
    /// Sales is not configured ([`EngineConfig::with_sales`](super::EngineConfig::with_sales));
    /// offers and bookings cannot be recorded.
    #[error("sales is not configured")]
    SalesNotConfigured,
    /// A message's classification carried a score that is not a finite
    /// number (NaN or infinite sentiment or language confidence): it could
    /// not be compared, replayed or reported. Fix the classifier.
    #[error("classification has a {0} that is not a finite number")]
    NonFiniteScore(&'static str),
    /// Satisfaction surveys are not configured
    /// ([`EngineConfig::with_csat`](super::EngineConfig::with_csat)).
    #[error("satisfaction surveys are not configured")]
    CsatNotConfigured,
    /// An offer, booking or score broke one of its own rules (blank
    /// reference, negative amount, score outside 1 to 5); fix the value.
    #[error("invalid sales or survey data: {0}")]
    InvalidSalesData(ModelError),
    /// An offer with this reference was already made; references name one
    /// offer, so use a new one.
    #[error("offer reference {0:?} is already used")]
    DuplicateOffer(String),
    /// The offer's expiry is not after now.
    #[error("the offer expires before it is made")]
    OfferExpired,
    /// A booking names an offer reference nobody made (or one whose
    /// opportunity was forgotten); check the reference.
    #[error("no offer with reference {0:?}")]
    UnknownOffer(String),
    /// A booking without an offer reference could not be linked: its
    /// customer has no opportunity opened within the attribution window
    /// before the booking (see [`SalesSettings::attribution_window_secs`](super::SalesSettings::attribution_window_secs)).
    #[error("the booking matches no opportunity")]
    UnmatchedBooking,
    /// This booking code was recorded before (treat it as success).
    #[error("booking {0:?} was already recorded")]
    DuplicateBooking(String),
    /// A survey can only be requested for a resolved or closed conversation.
    #[error("conversation {0} is not resolved")]
    NotResolved(ConversationId),
    /// The conversation was surveyed before; one survey per conversation.
    #[error("conversation {0} was already surveyed")]
    AlreadySurveyed(ConversationId),
    /// No survey with this id is known (never sent, or forgotten after the
    /// response window).
    #[error("unknown survey {0}")]
    UnknownSurvey(crate::model::SurveyId),
    /// The survey was answered before; the first answer counts.
    #[error("survey {0} was already answered")]
    SurveyAnswered(crate::model::SurveyId),
    /// The answer came after the response window
    /// ([`CsatSettings::response_window_secs`](super::CsatSettings::response_window_secs)).
    #[error("survey {0} is past its response window")]
    SurveyExpired(crate::model::SurveyId),
}
