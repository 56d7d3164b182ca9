//! The deterministic core: inputs in, events out, no IO and no clock.
//!
//! [`Engine::handle`] takes the time and an [`Input`] and returns the
//! [`Event`]s that record the change; [`Engine::next_deadline`] says when it
//! next needs a [`Input::Tick`]. Inside, `handle` has two halves: *decide*
//! validates the input against the state and computes its events, changing
//! nothing (so a refused input changes nothing by construction), and *apply*
//! folds each event into the state; it is the only code that mutates it.
//! Reactions (queueing, routing, timers) are computed from the state after
//! each applied event. [`Engine::replay`] runs apply alone, so replay cannot
//! drift from live handling.
//!
//! Conversation lifecycle: new → open (waiting) → assigned → pending /
//! snoozed → resolved → closed. A customer message on a resolved conversation
//! within [`EngineConfig::reopen_window`] reopens it; when the window ends it
//! is closed (reason `Resolved`), and a later message starts a new one.
//! Unanswered mentions are closed (`NoResponseNeeded`) after
//! [`EngineConfig::mention_listen_window`]. Closed conversations leave the hot
//! state after [`EngineConfig::retention`] (event `conversation_archived`);
//! with them go the customers who have no other conversation and a single
//! identity, so memory follows open work. Due timers are handled at the end
//! of every `handle` call, after the input itself.
//!
//! Threading: a message joins the conversation its `in_reply_to` points to
//! (when it is the same customer's), else the customer's latest conversation
//! that is not closed (on any linked identity), else it starts one; see
//! [`ThreadingPolicy`].

mod compact_time;
mod config;
mod decide;
mod erasure;
mod error;
mod escalation_stage;
mod event;
mod fingerprint_index;
mod ids;
mod input;
mod query;
mod record;
mod routing_stage;
mod sales_ledger;
mod sales_stage;
mod shared;
mod sla_stage;
mod state;
mod stored_message;
mod table;

pub use config::{
    AutoCrisis, ChannelSettings, Classifier, ClassifyContext, EngineConfig, GuardSetup,
    PassThroughClassifier, ProfilePriority, ThreadingPolicy,
};
pub use erasure::{ErasurePlan, ERASED};
pub use error::EngineError;
pub use event::{
    ClockChange, ConversionLink, DeliveryFailure, Event, EventDecodeError, EventPayload,
    SurveySkipReason, TransferTarget, CURRENT_SCHEMA,
};
pub use ids::IdGenerator;
pub use input::{DeliveryOutcome, Input, Reply, StatusChange};
pub use query::{ConversationView, QueueEntry};
pub use routing_stage::{IntentSkill, RoutingSetup};
pub use sales_ledger::SalesLedger;
pub use sales_stage::{CsatSettings, Opportunity, SalesSettings, Survey};
pub use sla_stage::SlaState;
pub use state::EngineState;

use crate::model::ConversationId;
use chrono::{DateTime, Utc};

/// The deterministic care engine for one tenant.
///
/// ```
/// use caredesk::engine::{Engine, EngineConfig, Input};
/// use caredesk::model::*;
/// let klm = ChannelRef::new(ChannelKind::X, "@KLM");
/// let mut engine = Engine::new(
///     EngineConfig::new(TenantId::from_uuid(uuid::Uuid::from_u128(1))).with_channel(klm.clone(), None),
/// );
/// let now = "2026-11-23T10:00:00Z".parse()?;
/// let message = InboundMessage::new(klm, "1", Identity::new(ChannelKind::X, "@anna"),
///     Visibility::Public, "@KLM where is my bag?", now);
/// let events = engine.handle(now, Input::Inbound { message, classification: None })?;
/// let names: Vec<_> = events.iter().map(|e| e.payload.name()).collect();
/// assert_eq!(names, ["customer_created", "conversation_opened", "message_received", "conversation_queued"]);
/// assert_eq!(engine.queue().count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    state: EngineState,
    /// The time of the last accepted input (inputs that caused no event
    /// count too); not part of the replayable state.
    last_input: Option<DateTime<Utc>>,
    /// Reused buffer for reactions (keeps `handle` from allocating one per
    /// call); always empty between calls.
    follow: Vec<EventPayload>,
}

impl Engine {
    /// An engine with no history.
    pub fn new(config: EngineConfig) -> Self {
        let state = EngineState::new(&config);
        Engine {
            config,
            state,
            last_input: None,
            follow: Vec::new(),
        }
    }

    /// Rebuilds an engine from its events (apply only; nothing is decided
    /// again, no classifier runs).
    ///
    /// # Errors
    /// [`EngineError::WrongTenant`] for an event of another tenant, and
    /// [`EngineError::Replay`] for a gap or repeat in the sequence numbers.
    pub fn replay(
        config: EngineConfig,
        events: impl IntoIterator<Item = Event>,
    ) -> Result<Self, EngineError> {
        let mut engine = Engine::new(config);
        engine.apply_all(events)?;
        Ok(engine)
    }

    /// Rebuilds an engine from a snapshot of its state and the events after it.
    ///
    /// # Errors
    /// As [`Engine::replay`].
    pub fn from_snapshot(
        config: EngineConfig,
        state: EngineState,
        tail: impl IntoIterator<Item = Event>,
    ) -> Result<Self, EngineError> {
        let mut engine = Engine {
            config,
            state,
            last_input: None,
            follow: Vec::new(),
        };
        engine.state.adopt_shared();
        engine.apply_all(tail)?;
        Ok(engine)
    }

    /// Applies events that were produced by an engine of the same tenant
    /// (the tail of a log, or another node's writes).
    ///
    /// # Errors
    /// As [`Engine::replay`]; events before the error are applied.
    pub fn apply_all(
        &mut self,
        events: impl IntoIterator<Item = Event>,
    ) -> Result<(), EngineError> {
        for event in events {
            if event.tenant != self.config.tenant {
                return Err(EngineError::WrongTenant {
                    seq: event.seq,
                    found: event.tenant,
                    expected: self.config.tenant,
                });
            }
            if event.seq != self.state.last_seq + 1 {
                return Err(EngineError::Replay {
                    seq: event.seq,
                    reason: format!("expected sequence number {}", self.state.last_seq + 1),
                });
            }
            self.state
                .apply(&self.config, event.at, event.seq, &event.payload);
            // Decisions are in the log already; nothing is decided on replay.
            self.state.route_work.clear();
        }
        Ok(())
    }

    /// Handles one input at time `now` and returns the events that record
    /// everything that changed (the input's own, then what followed: queueing,
    /// routing, due timers).
    ///
    /// # Errors
    /// An [`EngineError`] says why the input was refused; the engine is then
    /// unchanged. [`EngineError::DuplicateMessage`] means the message was
    /// accepted before (treat it as success).
    pub fn handle(&mut self, now: DateTime<Utc>, input: Input) -> Result<Vec<Event>, EngineError> {
        if let Some(last) = self.last_input.or(self.state.now) {
            if now < last {
                return Err(EngineError::ClockWentBackwards { now, last });
            }
        }
        let primary = self.decide(now, input)?;
        // Room for the usual reactions too (opened, queued, assigned, SLA
        // clocks), so the list is not moved while it grows.
        let mut events = Vec::with_capacity(primary.len() + 6);
        for payload in primary {
            self.commit(now, payload, &mut events);
        }
        self.settle(now, &mut events, 0);
        self.escalate(now, &mut events, 0);
        self.run_due_timers(now, &mut events);
        self.last_input = Some(now);
        Ok(events)
    }

    /// When the engine next needs an [`Input::Tick`], if ever.
    #[must_use]
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        let conversation = self.state.timers.first().map(|(at, _, _)| *at);
        let routing = self.state.router.next_timer().map(|(at, _)| at);
        match (conversation, routing) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The state (serialise it for a snapshot).
    pub fn state(&self) -> &EngineState {
        &self.state
    }

    /// The sequence number of the last event.
    pub fn last_seq(&self) -> u64 {
        self.state.last_seq
    }

    /// The time of the last input handled or event applied, if any.
    pub fn now(&self) -> Option<DateTime<Utc>> {
        self.last_input.max(self.state.now)
    }

    fn commit(&mut self, now: DateTime<Utc>, payload: EventPayload, events: &mut Vec<Event>) {
        let seq = self.state.last_seq + 1;
        self.state.apply(&self.config, now, seq, &payload);
        events.push(Event {
            seq,
            at: now,
            tenant: self.config.tenant,
            schema: CURRENT_SCHEMA,
            payload,
        });
    }

    /// Runs reactions for every event from `from` on, until nothing follows.
    fn settle(&mut self, now: DateTime<Utc>, events: &mut Vec<Event>, from: usize) {
        let mut follow = std::mem::take(&mut self.follow);
        let mut cursor = from;
        while cursor < events.len() {
            decide::reactions(
                &self.config,
                &self.state,
                now,
                &events[cursor].payload,
                &mut follow,
            );
            for payload in follow.drain(..) {
                self.commit(now, payload, events);
            }
            self.route(now, events, &mut follow);
            cursor += 1;
        }
        self.follow = follow;
    }

    /// Drains the routing work the applied events left: one decision at a
    /// time, each recorded and applied before the next is made.
    fn route(
        &mut self,
        now: DateTime<Utc>,
        events: &mut Vec<Event>,
        buffer: &mut Vec<EventPayload>,
    ) {
        while let Some(work) = self.state.route_work.pop_front() {
            routing_stage::work_events(&self.state, now, work, buffer);
            for payload in buffer.drain(..) {
                self.commit(now, payload, events);
            }
        }
    }

    fn run_due_timers(&mut self, now: DateTime<Utc>, events: &mut Vec<Event>) {
        let mut last_router_timer = None;
        loop {
            let conversation_due = self.state.timers.first().copied().filter(|t| t.0 <= now);
            let router_due = self.state.router.next_timer().filter(|(at, _)| *at <= now);
            // Routing first at the same instant (a shift that ends before
            // anything is routed to it), then conversations.
            if let Some((at, timer)) = router_due {
                if conversation_due.is_none_or(|(c_at, _, _)| at <= c_at) {
                    if last_router_timer == Some((at, timer)) {
                        // The router did not move past a timer it handled:
                        // stop rather than loop (cannot happen while the
                        // router keeps its timers in step).
                        break;
                    }
                    last_router_timer = Some((at, timer));
                    let follow = routing_stage::timer_events(&self.state, now, timer);
                    let start = events.len();
                    for payload in follow {
                        self.commit(now, payload, events);
                    }
                    self.settle(now, events, start);
                    self.escalate(now, events, start);
                    continue;
                }
            }
            let Some((at, conversation, kind)) = conversation_due else {
                break;
            };
            if kind == state::TimerKind::Escalation {
                let start = events.len();
                self.escalate_one(now, conversation, events);
                if events.len() == start {
                    // Nothing changed at the due time: record the look, so the
                    // next check time (recomputed on apply) moves past now.
                    self.commit(
                        now,
                        EventPayload::EscalationChecked { conversation },
                        events,
                    );
                }
                self.escalate(now, events, start);
                continue;
            }
            let follow = decide::timer_events(&self.state, conversation, kind, now);
            if follow.is_empty() {
                // Cannot happen while timers follow status (apply keeps them
                // in step); dropping a timer that has nothing to do keeps the
                // loop finite either way.
                self.state.timers.remove(&(at, conversation, kind));
                continue;
            }
            let start = events.len();
            for payload in follow {
                self.commit(now, payload, events);
            }
            self.settle(now, events, start);
            self.escalate(now, events, start);
        }
    }

    /// Evaluates escalation for every conversation the events from `from` on
    /// touched, commits what fires, and repeats (a bounded number of rounds)
    /// for what those firings touched.
    fn escalate(&mut self, now: DateTime<Utc>, events: &mut Vec<Event>, from: usize) {
        if self.config.escalation.is_none() {
            return;
        }
        let mut from = from;
        for _round in 0..4 {
            let mut touched: Vec<ConversationId> = Vec::new();
            for event in &events[from..] {
                if let Some(id) = event.payload.conversation() {
                    if !touched.contains(&id) {
                        touched.push(id);
                    }
                }
                // A profile changes facts (tier, name) of every conversation
                // of the customer.
                if let EventPayload::CustomerProfileAttached { customer, .. } = &event.payload {
                    if let Some(c) = self.state.customers.get(customer) {
                        for id in &c.conversations {
                            if !touched.contains(id) {
                                touched.push(*id);
                            }
                        }
                    }
                }
            }
            let start = events.len();
            for id in touched {
                self.escalate_one(now, id, events);
            }
            if events.len() == start {
                return;
            }
            from = start;
        }
    }

    /// Evaluates escalation for one conversation and commits what fires.
    fn escalate_one(&mut self, now: DateTime<Utc>, id: ConversationId, events: &mut Vec<Event>) {
        let mut out = Vec::new();
        let mut ids = self.state.ids;
        if let Some(record) = self.state.conversations.get(&id) {
            if let Some(evaluation) =
                escalation_stage::evaluate(&self.config, &self.state, record, now)
            {
                if !evaluation.fired.is_empty() || !evaluation.cleared.is_empty() {
                    escalation_stage::events(
                        &self.config,
                        &self.state,
                        record,
                        evaluation,
                        now,
                        &mut ids,
                        &mut out,
                    );
                }
            }
        }
        let start = events.len();
        for payload in out {
            self.commit(now, payload, events);
        }
        self.settle(now, events, start);
    }
}
