//! Events: the immutable facts the engine emits, in a versioned envelope.
//!
//! Events are the audit log, the persistence format and the integration
//! surface. Each carries whatever was computed from outside knowledge (triage,
//! minted ids), so replay folds them without recomputing anything.

use crate::directory::CustomerProfile;
use crate::escalation::Notification;
use crate::guard::{Draft, DraftId, GuardVerdict};
use crate::model::{
    Agent, AgentId, Booking, ChannelKind, ChannelRef, Classification, ConversationId, CsatScore,
    CustomerId, Identity, InboundMessage, Kind, Language, MessageId, OpportunityId, OutboundId,
    OutboundMessage, Presence, Priority, PurchaseDetails, SalesOffer, Skill, SmolStr, Status,
    SurveyId, TeamId, TenantId, Visibility,
};
use crate::sla::{MetDurations, SlaClock, SlaTarget};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How an SLA clock changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockChange {
    /// It stopped counting (pending on the customer, or snoozed).
    Paused,
    /// It counts again.
    Resumed,
    /// Its budget changed (priority or policy), counted from the original start.
    Rebudgeted,
    /// It ended unmet (resolved or closed before it was due, or the new
    /// policy has no such target).
    Stopped,
}

/// The schema version written by this version of the crate.
///
/// History:
/// - 1: first draft; an agent's reply was the event `reply_sent` with a
///   required `agent` and no `automated` flag.
/// - 2: `reply_requested` (the reply is a send the runtime still has to
///   carry out), `agent` optional, `automated` added.
///   Later additions within schema 2 (new payload variants and optional
///   fields only, so older readers of schema 2 need no upgrade step):
///   `offer_made`, `offer_accepted`, `offer_declined`, `offer_expired`,
///   `requirements_relaxed`, `hold_ended`, `conversation_released`,
///   `collision_allowed`, `shift_changed`, `shift_boundary` (routing);
///   `opportunity_opened`, `sales_offer_made`, `conversion_recorded`,
///   `survey_requested`, `survey_skipped`, `survey_answered`, and the
///   optional `purchase` details in a `message_received` classification.
pub const CURRENT_SCHEMA: u16 = 2;

/// One event in a tenant's stream: a payload in a versioned envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the tenant's stream, from 1, without gaps.
    pub seq: u64,
    /// The engine time of the input that produced it.
    pub at: DateTime<Utc>,
    /// The tenant whose stream it belongs to.
    pub tenant: TenantId,
    /// The schema version it was written with.
    pub schema: u16,
    /// What happened.
    pub payload: EventPayload,
}

/// Where a conversation is transferred to.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "to")]
pub enum TransferTarget {
    /// A named agent.
    Agent {
        /// The agent.
        agent: AgentId,
    },
    /// A team's queue.
    Team {
        /// The team.
        team: TeamId,
    },
}

/// Why a send failed, as the runtime reported it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeliveryFailure {
    /// A readable reason from the channel.
    pub reason: String,
    /// Whether retrying cannot help (forbidden, too long, window closed).
    pub permanent: bool,
}

/// How a booking was linked to its opportunity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversionLink {
    /// The booking named the offer's reference.
    OfferReference,
    /// The booking's customer had an opportunity opened within the
    /// attribution window before it (the latest one is credited).
    CustomerWindow,
}

/// Why a survey was not sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
#[non_exhaustive]
pub enum SurveySkipReason {
    /// The channel cannot send private messages.
    NoPrivateMessages,
    /// The network's messaging window (time since the customer last wrote)
    /// has closed: a free-form message would be refused.
    WindowClosed {
        /// When the customer last wrote.
        last_customer_message_at: DateTime<Utc>,
        /// The window, in seconds.
        window_secs: u64,
    },
    /// No survey text could be rendered in the customer's language or a
    /// fallback (the template is missing or needs a variable).
    NoTemplate,
}

/// What happened. Each variant is one fact; apply folds it into the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventPayload {
    /// A customer was seen for the first time, through `identity`.
    CustomerCreated {
        /// The new customer.
        customer: CustomerId,
        /// The identity they wrote from.
        identity: Identity,
    },
    /// An identity was linked to an existing customer.
    IdentityLinked {
        /// The customer.
        customer: CustomerId,
        /// The identity now theirs.
        identity: Identity,
    },
    /// Two customers turned out to be one person; `merged` is folded into
    /// `survivor` (identities and conversations move; conversations stay apart).
    CustomersMerged {
        /// The customer that remains (the older one).
        survivor: CustomerId,
        /// The customer that is gone.
        merged: CustomerId,
    },
    /// A new conversation.
    ConversationOpened {
        /// Its id.
        conversation: ConversationId,
        /// The customer.
        customer: CustomerId,
        /// The brand account it started on.
        channel: ChannelRef,
        /// Query or mention.
        kind: Kind,
        /// Starting priority.
        priority: Priority,
        /// Language, if known.
        language: Option<Language>,
    },
    /// A customer message was accepted into a conversation.
    MessageReceived {
        /// The message's id.
        message: MessageId,
        /// The conversation it joined.
        conversation: ConversationId,
        /// The message as received (boxed: it is the largest payload).
        inbound: Box<InboundMessage>,
        /// Triage's verdict (recorded, never recomputed).
        classification: Classification,
    },
    /// The conversation entered the waiting queue.
    ConversationQueued {
        /// The conversation.
        conversation: ConversationId,
    },
    /// An agent now owns the conversation.
    ConversationAssigned {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
    },
    /// The conversation was moved elsewhere.
    ConversationTransferred {
        /// The conversation.
        conversation: ConversationId,
        /// The agent who had it.
        from: Option<AgentId>,
        /// Where it goes.
        target: TransferTarget,
    },
    /// Routing offered the conversation to an agent (push mode): their
    /// capacity is reserved until they accept, decline or it expires.
    OfferMade {
        /// The conversation.
        conversation: ConversationId,
        /// The agent offered it.
        agent: AgentId,
        /// When the offer lapses.
        expires_at: DateTime<Utc>,
    },
    /// The agent accepted the offer: the conversation is theirs.
    OfferAccepted {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
    },
    /// The agent declined the offer: it goes back to its queue and this
    /// agent is skipped for it from now on.
    OfferDeclined {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
    },
    /// The offer lapsed unanswered: like a decline, and it counts as a
    /// missed offer for the agent.
    OfferExpired {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
    },
    /// A waiting conversation's requirements loosened by one step of its
    /// queue's relaxation (step 0 is the first).
    RequirementsRelaxed {
        /// The conversation.
        conversation: ConversationId,
        /// The step applied.
        step: u8,
    },
    /// A conversation held for the customer's recent agent (sticky routing)
    /// is open to every eligible agent now.
    HoldEnded {
        /// The conversation.
        conversation: ConversationId,
    },
    /// An agent who left (offline, or their shift ended) under the requeue
    /// policy no longer holds the conversation: it goes back to its queue
    /// (with its original arrival), or, when it waits on the customer, to
    /// nobody until they write.
    ConversationReleased {
        /// The conversation.
        conversation: ConversationId,
        /// The agent who held it.
        agent: AgentId,
    },
    /// A supervisor replied to a conversation assigned to someone else.
    CollisionAllowed {
        /// The conversation.
        conversation: ConversationId,
        /// The supervisor who replied.
        agent: AgentId,
        /// The assignee, who keeps it.
        assignee: AgentId,
    },
    /// An agent's shift schedule was set.
    ShiftChanged {
        /// The agent.
        agent: AgentId,
        /// The schedule (boxed: a calendar is large).
        shift: Box<crate::routing::Shift>,
    },
    /// An agent's shift started or ended (or was re-checked at a boundary).
    ShiftBoundary {
        /// The agent.
        agent: AgentId,
        /// Whether they are on shift now.
        on_shift: bool,
    },
    /// A reply must be sent: the runtime sends it and reports back.
    ReplyRequested {
        /// The message id of the reply in the conversation.
        message: MessageId,
        /// The conversation.
        conversation: ConversationId,
        /// The agent who wrote it (`None` for automation).
        agent: Option<AgentId>,
        /// Whether it is automatic (an acknowledgement, a bot): not a response
        /// for SLA purposes unless the policy says so.
        automated: bool,
        /// What to send.
        outbound: Box<OutboundMessage>,
        /// The outbound guard's verdict (pass or warn), when a guard is configured.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verdict: Option<Box<GuardVerdict>>,
    },
    /// The outbound guard blocked a reply: nothing is sent, and the SLA clocks
    /// keep running. The verdict says why and what to do instead.
    ReplyBlocked {
        /// The conversation.
        conversation: ConversationId,
        /// The agent who wrote it.
        agent: AgentId,
        /// Public or private, as attempted.
        visibility: Visibility,
        /// The verdict, with reasons and suggestions (e.g. move to a DM).
        verdict: Box<GuardVerdict>,
    },
    /// A reply waits for a second person's approval; it is not a response.
    DraftCreated {
        /// The draft, with its verdict and why it needs approval.
        draft: Box<Draft>,
    },
    /// A supervisor approved a draft; its `reply_requested` follows.
    DraftApproved {
        /// The draft.
        draft: DraftId,
        /// Who approved.
        supervisor: AgentId,
    },
    /// A supervisor rejected a draft; nothing is sent.
    DraftRejected {
        /// The draft.
        draft: DraftId,
        /// Who rejected.
        supervisor: AgentId,
        /// What to change.
        comment: String,
    },
    /// What the customer directory knows about a customer was attached
    /// (recorded, so replay never asks the directory again).
    CustomerProfileAttached {
        /// The customer.
        customer: CustomerId,
        /// The profile as looked up.
        profile: Box<CustomerProfile>,
    },
    /// A customer asked to be forgotten: their personal data left the hot
    /// state (ids, times and SLA facts stay).
    CustomerForgotten {
        /// The customer.
        customer: CustomerId,
    },
    /// Crisis mode was switched on or off (by an input, or automatically).
    CrisisModeChanged {
        /// Whether crisis mode is on now.
        active: bool,
    },
    /// The network accepted a send.
    DeliverySucceeded {
        /// The send.
        outbound: OutboundId,
        /// The network's id for the sent message.
        external_id: SmolStr,
    },
    /// A send failed.
    DeliveryFailed {
        /// The send.
        outbound: OutboundId,
        /// Why.
        failure: DeliveryFailure,
    },
    /// The runtime handed a send to the network (recorded before the
    /// network is called, so that a crash cannot hide an attempt).
    DeliveryAttempted {
        /// The send.
        outbound: OutboundId,
    },
    /// A send's outcome cannot be known: it was attempted, the answer was
    /// lost, and the channel cannot verify it. It is not sent again (the
    /// network may have delivered it); a person should check.
    DeliveryUnknown {
        /// The send.
        outbound: OutboundId,
        /// What is known, readable.
        reason: String,
    },
    /// The network accepted a send (`delivery_succeeded`) and later reported
    /// that it could not deliver it: the customer never saw the reply.
    ///
    /// The SLA record stands (the reply was written in time, and its clocks
    /// were met then), but the customer is owed an answer again: when the
    /// failed reply is the conversation's latest and it is an active query,
    /// a next-response clock starts at this event. `first_response` says
    /// whether the failed reply was the conversation's first response, so
    /// reports can count first responses that never reached the customer.
    DeliveryFailedLate {
        /// The send.
        outbound: OutboundId,
        /// Its conversation.
        conversation: ConversationId,
        /// The reply's message.
        message: MessageId,
        /// The network's id for it.
        external_id: SmolStr,
        /// The network's reason.
        reason: String,
        /// Whether it was the conversation's first response.
        first_response: bool,
    },
    /// An internal note (agents only; not a response).
    NoteAdded {
        /// The note's message id.
        message: MessageId,
        /// The conversation.
        conversation: ConversationId,
        /// The author.
        agent: AgentId,
        /// The note.
        text: SmolStr,
    },
    /// The lifecycle status changed.
    StatusChanged {
        /// The conversation.
        conversation: ConversationId,
        /// Before.
        from: Status,
        /// After.
        to: Status,
    },
    /// A mention was promoted to a query: it now needs an answer.
    MentionPromoted {
        /// The conversation.
        conversation: ConversationId,
    },
    /// The priority changed.
    PriorityChanged {
        /// The conversation.
        conversation: ConversationId,
        /// Before.
        from: Priority,
        /// After.
        to: Priority,
    },
    /// A tag was added.
    TagAdded {
        /// The conversation.
        conversation: ConversationId,
        /// The tag.
        tag: String,
    },
    /// An agent joined the desk.
    AgentAdded {
        /// The agent as added.
        agent: Box<Agent>,
    },
    /// An agent's profile changed (languages, skills, capacity, team).
    AgentUpdated {
        /// The agent as it now is.
        agent: Box<Agent>,
    },
    /// An agent's presence changed.
    PresenceChanged {
        /// The agent.
        agent: AgentId,
        /// The new presence.
        presence: Presence,
    },
    /// An SLA clock started.
    SlaClockStarted {
        /// The conversation.
        conversation: ConversationId,
        /// The policy that set its budget.
        policy: String,
        /// The clock as started (deadline and warning instant computed).
        clock: Box<SlaClock>,
    },
    /// An SLA clock paused, resumed, got a new budget or stopped unmet.
    SlaClockChanged {
        /// The conversation.
        conversation: ConversationId,
        /// What changed.
        change: ClockChange,
        /// The clock after the change.
        clock: Box<SlaClock>,
    },
    /// A different SLA policy now applies (priority or tags changed); the
    /// open clocks follow as `sla_clock_changed` events.
    SlaPolicyChanged {
        /// The conversation.
        conversation: ConversationId,
        /// The policy before.
        from: String,
        /// The policy now.
        to: String,
    },
    /// An SLA clock reached its warning threshold.
    SlaWarning {
        /// The conversation.
        conversation: ConversationId,
        /// The target.
        target: SlaTarget,
        /// The exact instant of the warning.
        at: DateTime<Utc>,
        /// When it will breach.
        deadline: Option<DateTime<Utc>>,
    },
    /// An SLA clock ran out: the promise is broken (and stays broken).
    SlaBreached {
        /// The conversation.
        conversation: ConversationId,
        /// The target.
        target: SlaTarget,
        /// The exact instant the budget ran out.
        deadline: DateTime<Utc>,
    },
    /// An SLA target was met (late, if it breached first).
    SlaMet {
        /// The conversation.
        conversation: ConversationId,
        /// The target.
        target: SlaTarget,
        /// How long it took, in business and calendar time.
        took: MetDurations,
    },
    /// An escalation rule fired at a level; its actions follow as their own
    /// events (priority, team, tag, assignment, acknowledgement, notification).
    EscalationFired {
        /// The conversation.
        conversation: ConversationId,
        /// The rule's id.
        rule: String,
        /// The level, 1 to 4.
        level: u8,
    },
    /// An escalation rule's condition stopped holding: its trigger ended.
    EscalationCleared {
        /// The conversation.
        conversation: ConversationId,
        /// The rule's id.
        rule: String,
    },
    /// Escalation looked again at a due time and nothing changed (recorded so
    /// the next check time follows from the log).
    EscalationChecked {
        /// The conversation.
        conversation: ConversationId,
    },
    /// Someone must be told (a supervisor, a back-office team): the runtime
    /// hands it to the `Notifier`.
    NotificationRequested {
        /// What to tell.
        notification: Notification,
    },
    /// A conversation showed purchase intent (or an agent made an offer in
    /// it): it is now a sales opportunity.
    OpportunityOpened {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The conversation.
        conversation: ConversationId,
        /// The customer.
        customer: CustomerId,
        /// The network.
        channel: ChannelKind,
        /// The conversation's language, when known.
        language: Option<Language>,
        /// When the conversation opened (for response-time bands).
        conversation_opened_at: DateTime<Utc>,
        /// What triage extracted from the message (none for an
        /// agent-initiated opportunity).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        details: Option<Box<PurchaseDetails>>,
        /// The skill (and minimum level) routing requires from now on, from
        /// [`SalesSettings::skill`](super::SalesSettings::skill).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        required_skill: Option<(Skill, u8)>,
    },
    /// An agent attached a sales offer to a reply.
    SalesOfferMade {
        /// The opportunity.
        opportunity: OpportunityId,
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
        /// The reply that carries it.
        message: MessageId,
        /// The offer.
        offer: SalesOffer,
    },
    /// A booking was linked to an opportunity.
    ConversionRecorded {
        /// The opportunity.
        opportunity: OpportunityId,
        /// Its conversation.
        conversation: ConversationId,
        /// The agent credited: the one who made the offer named, else the
        /// opportunity's last offer, else none.
        agent: Option<AgentId>,
        /// How the booking was linked.
        linked_by: ConversionLink,
        /// The booking.
        booking: Box<Booking>,
    },
    /// A satisfaction survey must be sent: the runtime sends `outbound` and
    /// reports back with a delivery report.
    SurveyRequested {
        /// The survey.
        survey: SurveyId,
        /// The conversation it is about.
        conversation: ConversationId,
        /// The message id of the survey.
        message: MessageId,
        /// The network.
        channel: ChannelKind,
        /// The language it is written in.
        language: Language,
        /// The agent who had the conversation last, if any.
        agent: Option<AgentId>,
        /// Seconds from opening to the first agent reply (`None`: none).
        first_response_secs: Option<u64>,
        /// Whether the first-response promise was kept (`None`: no SLA clock).
        promise_kept: Option<bool>,
        /// What to send (a private message).
        outbound: Box<OutboundMessage>,
    },
    /// A survey was not sent, and why.
    SurveySkipped {
        /// The conversation.
        conversation: ConversationId,
        /// Why.
        reason: SurveySkipReason,
    },
    /// The customer answered a survey.
    SurveyAnswered {
        /// The survey.
        survey: SurveyId,
        /// The conversation it is about.
        conversation: ConversationId,
        /// The score.
        score: CsatScore,
        /// The comment, if any (trimmed, not empty).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// A finished conversation left the hot state after the retention window
    /// (it stays in the event log).
    ConversationArchived {
        /// The conversation.
        conversation: ConversationId,
    },
}

impl EventPayload {
    /// The conversation this event is about, if any.
    pub fn conversation(&self) -> Option<ConversationId> {
        match self {
            EventPayload::ConversationOpened { conversation, .. }
            | EventPayload::MessageReceived { conversation, .. }
            | EventPayload::ConversationQueued { conversation }
            | EventPayload::ConversationAssigned { conversation, .. }
            | EventPayload::OfferMade { conversation, .. }
            | EventPayload::OfferAccepted { conversation, .. }
            | EventPayload::OfferDeclined { conversation, .. }
            | EventPayload::OfferExpired { conversation, .. }
            | EventPayload::RequirementsRelaxed { conversation, .. }
            | EventPayload::HoldEnded { conversation }
            | EventPayload::ConversationReleased { conversation, .. }
            | EventPayload::CollisionAllowed { conversation, .. }
            | EventPayload::ConversationTransferred { conversation, .. }
            | EventPayload::ReplyRequested { conversation, .. }
            | EventPayload::NoteAdded { conversation, .. }
            | EventPayload::StatusChanged { conversation, .. }
            | EventPayload::MentionPromoted { conversation }
            | EventPayload::PriorityChanged { conversation, .. }
            | EventPayload::TagAdded { conversation, .. }
            | EventPayload::ConversationArchived { conversation }
            | EventPayload::SlaClockStarted { conversation, .. }
            | EventPayload::SlaClockChanged { conversation, .. }
            | EventPayload::SlaPolicyChanged { conversation, .. }
            | EventPayload::SlaWarning { conversation, .. }
            | EventPayload::SlaBreached { conversation, .. }
            | EventPayload::SlaMet { conversation, .. }
            | EventPayload::EscalationFired { conversation, .. }
            | EventPayload::EscalationCleared { conversation, .. }
            | EventPayload::EscalationChecked { conversation }
            | EventPayload::ReplyBlocked { conversation, .. }
            | EventPayload::OpportunityOpened { conversation, .. }
            | EventPayload::SalesOfferMade { conversation, .. }
            | EventPayload::ConversionRecorded { conversation, .. }
            | EventPayload::SurveyRequested { conversation, .. }
            | EventPayload::SurveySkipped { conversation, .. }
            | EventPayload::SurveyAnswered { conversation, .. }
            | EventPayload::DeliveryFailedLate { conversation, .. } => Some(*conversation),
            EventPayload::DraftCreated { draft } => Some(draft.conversation),
            EventPayload::NotificationRequested { notification } => Some(notification.conversation),
            _ => None,
        }
    }

    /// The snake_case name of the variant, as in JSON (`"message_received"`).
    pub fn name(&self) -> &'static str {
        match self {
            EventPayload::CustomerCreated { .. } => "customer_created",
            EventPayload::IdentityLinked { .. } => "identity_linked",
            EventPayload::CustomersMerged { .. } => "customers_merged",
            EventPayload::ConversationOpened { .. } => "conversation_opened",
            EventPayload::MessageReceived { .. } => "message_received",
            EventPayload::ConversationQueued { .. } => "conversation_queued",
            EventPayload::ConversationAssigned { .. } => "conversation_assigned",
            EventPayload::ConversationTransferred { .. } => "conversation_transferred",
            EventPayload::OfferMade { .. } => "offer_made",
            EventPayload::OfferAccepted { .. } => "offer_accepted",
            EventPayload::OfferDeclined { .. } => "offer_declined",
            EventPayload::OfferExpired { .. } => "offer_expired",
            EventPayload::RequirementsRelaxed { .. } => "requirements_relaxed",
            EventPayload::HoldEnded { .. } => "hold_ended",
            EventPayload::ConversationReleased { .. } => "conversation_released",
            EventPayload::CollisionAllowed { .. } => "collision_allowed",
            EventPayload::ShiftChanged { .. } => "shift_changed",
            EventPayload::ShiftBoundary { .. } => "shift_boundary",
            EventPayload::ReplyRequested { .. } => "reply_requested",
            EventPayload::DeliverySucceeded { .. } => "delivery_succeeded",
            EventPayload::DeliveryFailed { .. } => "delivery_failed",
            EventPayload::DeliveryAttempted { .. } => "delivery_attempted",
            EventPayload::DeliveryUnknown { .. } => "delivery_unknown",
            EventPayload::DeliveryFailedLate { .. } => "delivery_failed_late",
            EventPayload::NoteAdded { .. } => "note_added",
            EventPayload::StatusChanged { .. } => "status_changed",
            EventPayload::MentionPromoted { .. } => "mention_promoted",
            EventPayload::PriorityChanged { .. } => "priority_changed",
            EventPayload::TagAdded { .. } => "tag_added",
            EventPayload::AgentAdded { .. } => "agent_added",
            EventPayload::AgentUpdated { .. } => "agent_updated",
            EventPayload::PresenceChanged { .. } => "presence_changed",
            EventPayload::ConversationArchived { .. } => "conversation_archived",
            EventPayload::SlaClockStarted { .. } => "sla_clock_started",
            EventPayload::SlaClockChanged { .. } => "sla_clock_changed",
            EventPayload::SlaPolicyChanged { .. } => "sla_policy_changed",
            EventPayload::SlaWarning { .. } => "sla_warning",
            EventPayload::SlaBreached { .. } => "sla_breached",
            EventPayload::SlaMet { .. } => "sla_met",
            EventPayload::EscalationFired { .. } => "escalation_fired",
            EventPayload::EscalationCleared { .. } => "escalation_cleared",
            EventPayload::EscalationChecked { .. } => "escalation_checked",
            EventPayload::NotificationRequested { .. } => "notification_requested",
            EventPayload::ReplyBlocked { .. } => "reply_blocked",
            EventPayload::DraftCreated { .. } => "draft_created",
            EventPayload::DraftApproved { .. } => "draft_approved",
            EventPayload::DraftRejected { .. } => "draft_rejected",
            EventPayload::CrisisModeChanged { .. } => "crisis_mode_changed",
            EventPayload::CustomerProfileAttached { .. } => "customer_profile_attached",
            EventPayload::CustomerForgotten { .. } => "customer_forgotten",
            EventPayload::OpportunityOpened { .. } => "opportunity_opened",
            EventPayload::SalesOfferMade { .. } => "sales_offer_made",
            EventPayload::ConversionRecorded { .. } => "conversion_recorded",
            EventPayload::SurveyRequested { .. } => "survey_requested",
            EventPayload::SurveySkipped { .. } => "survey_skipped",
            EventPayload::SurveyAnswered { .. } => "survey_answered",
        }
    }
}

/// An event could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventDecodeError {
    /// The text is not JSON, or not an event of any known schema; the message
    /// says where.
    #[error("event is not valid JSON for schema {schema}: {source}")]
    Invalid {
        /// The schema the envelope claimed (0 when it could not be read).
        schema: u16,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The event was written by a newer crate; upgrade caredesk to read it.
    #[error("event schema {found} is newer than this crate's schema {CURRENT_SCHEMA}")]
    SchemaTooNew {
        /// The schema found.
        found: u16,
    },
    /// The envelope is missing its `schema` number or it is not a number.
    #[error("event envelope has no numeric \"schema\" field")]
    MissingSchema,
}

impl Event {
    /// The event as one line of JSON (the persistence format).
    ///
    /// # Errors
    /// Only if serde_json fails to write, which does not happen for these types.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// Reads an event written by this or any older schema version, upgrading
    /// it on the way (the envelope's `schema` becomes [`CURRENT_SCHEMA`]).
    ///
    /// ```
    /// use caredesk::engine::{Event, EventPayload, CURRENT_SCHEMA};
    /// // A reply written by schema 1 (the first draft), read by today's crate.
    /// let old = r#"{"seq":7,"at":"2026-11-23T10:00:00Z",
    ///   "tenant":"01900000-0000-7000-8000-000000000001","schema":1,
    ///   "payload":{"type":"reply_sent",
    ///     "message":"01900000-0000-7000-8000-000000000002",
    ///     "conversation":"01900000-0000-7000-8000-000000000003",
    ///     "agent":"01900000-0000-7000-8000-000000000004",
    ///     "outbound":{"id":"01900000-0000-7000-8000-000000000005",
    ///       "channel":{"kind":"x","account":"@KLM"},
    ///       "recipient":{"network":"x","handle":"@anna"},
    ///       "visibility":"public","text":"Hi Anna! ^SV"}}}"#;
    /// let event = Event::from_json(old)?;
    /// assert_eq!(event.schema, CURRENT_SCHEMA);
    /// assert!(matches!(event.payload, EventPayload::ReplyRequested { automated: false, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`EventDecodeError`] for text that is not an event, an envelope without
    /// a schema number, or a schema newer than this crate.
    pub fn from_json(text: &str) -> Result<Event, EventDecodeError> {
        let mut value: serde_json::Value = serde_json::from_str(text)
            .map_err(|source| EventDecodeError::Invalid { schema: 0, source })?;
        let schema = value
            .get("schema")
            .and_then(serde_json::Value::as_u64)
            .and_then(|schema| u16::try_from(schema).ok())
            .ok_or(EventDecodeError::MissingSchema)?;
        if schema > CURRENT_SCHEMA {
            return Err(EventDecodeError::SchemaTooNew { found: schema });
        }
        if schema < CURRENT_SCHEMA {
            upgrade(&mut value, schema);
        }
        serde_json::from_value(value).map_err(|source| EventDecodeError::Invalid { schema, source })
    }
}

/// Rewrites an older envelope, step by step, into the current schema.
fn upgrade(value: &mut serde_json::Value, mut schema: u16) {
    while schema < CURRENT_SCHEMA {
        if schema == 1 {
            upgrade_1_to_2(value);
        }
        schema += 1;
    }
    if let Some(envelope) = value.as_object_mut() {
        envelope.insert("schema".into(), CURRENT_SCHEMA.into());
    }
}

/// Schema 1 → 2: `reply_sent` became `reply_requested` with `automated`.
fn upgrade_1_to_2(value: &mut serde_json::Value) {
    let Some(payload) = value
        .get_mut("payload")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    if payload.get("type").and_then(serde_json::Value::as_str) == Some("reply_sent") {
        payload.insert("type".into(), "reply_requested".into());
        payload
            .entry("automated")
            .or_insert(serde_json::Value::Bool(false));
    }
}
