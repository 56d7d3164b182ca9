//! Events: the immutable facts the engine emits, in a versioned envelope.
//!
//! Events are the audit log, the persistence format and the integration
//! surface. Each carries whatever was computed from outside knowledge (triage,
//! minted ids), so replay folds them without recomputing anything.

use crate::directory::CustomerProfile;
use crate::escalation::Notification;
use crate::guard::{Draft, DraftId, GuardVerdict};
use crate::model::{
    Agent, AgentId, ChannelRef, Classification, ConversationId, CustomerId, Identity,
    InboundMessage, Kind, Language, MessageId, OutboundId, OutboundMessage, Presence, Priority,
    Status, TeamId, TenantId, Visibility,
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
        external_id: String,
    },
    /// A send failed.
    DeliveryFailed {
        /// The send.
        outbound: OutboundId,
        /// Why.
        failure: DeliveryFailure,
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
        text: String,
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
            | EventPayload::ReplyBlocked { conversation, .. } => Some(*conversation),
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
            EventPayload::ReplyRequested { .. } => "reply_requested",
            EventPayload::DeliverySucceeded { .. } => "delivery_succeeded",
            EventPayload::DeliveryFailed { .. } => "delivery_failed",
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
