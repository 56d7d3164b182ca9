//! The SLA stage: which clocks start, pause, resume, end, warn and breach,
//! computed from the state after each applied event (with the policy's
//! calendar), and recorded in events so replay never consults a calendar.
//!
//! Rules, per conversation (queries only; a mention gets clocks when it is
//! promoted, counted from the promotion):
//! - opened: first-response and resolution clocks start;
//! - an agent reply (automated replies only when the policy says so) meets
//!   the first- and next-response clocks and restarts the periodic-update clock;
//! - a customer message after an agent reply starts a next-response clock;
//! - pending / snoozed pause the running clocks (as the policy says); leaving
//!   those statuses resumes them;
//! - resolved meets the resolution clock and stops the others; closed stops
//!   all; a reopened conversation starts a new resolution clock;
//! - a priority or tag change re-selects the policy and re-budgets the open
//!   clocks from their original start.
//!
//! A warning or breach that fell due before the event that changes a clock
//! is emitted first, at its exact instant, so the record is right even when
//! the engine was not ticked at the deadline.

use super::config::EngineConfig;
use super::event::{ClockChange, EventPayload};
use super::state::{ConversationRecord, EngineState};
use crate::model::{Kind, Status, Tier};
use crate::sla::{PolicyFacts, SlaClock, SlaPolicy, SlaTarget};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A conversation's SLA: the policy that applies and its latest clock per target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaState {
    /// The policy's name.
    pub policy: String,
    /// The latest clock of each target, in target order.
    pub clocks: Vec<SlaClock>,
}

impl SlaState {
    /// The latest clock of a target.
    pub fn clock(&self, target: SlaTarget) -> Option<&SlaClock> {
        self.clocks.iter().find(|c| c.target == target)
    }

    /// The earliest warning or deadline of the open clocks.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.clocks.iter().filter_map(SlaClock::next_due).min()
    }

    fn put(&mut self, clock: SlaClock) {
        match self.clocks.iter_mut().find(|c| c.target == clock.target) {
            Some(slot) => *slot = clock,
            None => {
                self.clocks.push(clock);
                self.clocks.sort_by_key(|c| c.target);
            }
        }
    }
}

fn policy_for<'a>(
    config: &'a EngineConfig,
    state: &EngineState,
    record: &ConversationRecord,
) -> Option<&'a SlaPolicy> {
    let policies = config.sla.as_ref()?;
    let c = &record.conversation;
    let tier = state
        .customers
        .get(&c.customer)
        .map_or(Tier::Standard, |customer| customer.tier);
    Some(policies.select(&PolicyFacts {
        channel: c.channel.kind,
        kind: c.kind,
        language: c.language,
        tier,
        priority: c.priority,
        tags: &c.tags,
    }))
}

/// The policy a conversation's clocks were started under.
fn current_policy<'a>(
    config: &'a EngineConfig,
    record: &ConversationRecord,
) -> Option<&'a SlaPolicy> {
    let name = &record.sla()?.policy;
    config.sla.as_ref()?.get(name)
}

/// Emits a warning and a breach that fell due at or before `now` and were not
/// yet recorded; returns the clock as they leave it.
fn catch_up(
    conversation: crate::model::ConversationId,
    clock: &SlaClock,
    now: DateTime<Utc>,
    out: &mut Vec<EventPayload>,
) -> SlaClock {
    let mut clock = clock.clone();
    if let Some(at) = clock.warning_at.filter(|at| *at <= now) {
        out.push(EventPayload::SlaWarning {
            conversation,
            target: clock.target,
            at,
            deadline: clock.deadline,
        });
        clock = clock.warned(at);
    }
    if let Some(deadline) = clock.deadline.filter(|d| *d <= now) {
        out.push(EventPayload::SlaBreached {
            conversation,
            target: clock.target,
            deadline,
        });
        clock = clock.breached(deadline);
    }
    clock
}

/// Records a clock met at `now` (after any warning or breach it owed).
fn meet(
    conversation: crate::model::ConversationId,
    clock: &SlaClock,
    policy: &SlaPolicy,
    now: DateTime<Utc>,
    out: &mut Vec<EventPayload>,
) {
    let clock = catch_up(conversation, clock, now, out);
    let (_, took) = clock.met(now, &policy.calendar);
    out.push(EventPayload::SlaMet {
        conversation,
        target: clock.target,
        took,
    });
}

fn start(
    record: &ConversationRecord,
    policy: &SlaPolicy,
    target: SlaTarget,
    now: DateTime<Utc>,
    out: &mut Vec<EventPayload>,
) {
    let Some(budget) = policy.budget(target, record.conversation.priority) else {
        return;
    };
    // `SlaPolicies::new` refuses calendars without open time; a deadline past
    // chrono's range is the only failure left, and then there is no clock.
    if let Ok(clock) = SlaClock::start(target, now, budget, policy.warning, &policy.calendar) {
        out.push(EventPayload::SlaClockStarted {
            conversation: record.conversation.id,
            policy: policy.name.clone(),
            clock: Box::new(clock),
        });
    }
}

fn change(
    record: &ConversationRecord,
    change: ClockChange,
    clock: SlaClock,
    out: &mut Vec<EventPayload>,
) {
    out.push(EventPayload::SlaClockChanged {
        conversation: record.conversation.id,
        change,
        clock: Box::new(clock),
    });
}

/// The SLA events that follow an applied event.
pub(super) fn reactions(
    config: &EngineConfig,
    state: &EngineState,
    now: DateTime<Utc>,
    payload: &EventPayload,
    out: &mut Vec<EventPayload>,
) {
    if config.sla.is_none() {
        return;
    }
    if let EventPayload::CustomerProfileAttached { customer, .. } = payload {
        // A new tier may select another policy for every active conversation.
        if let Some(c) = state.customers.get(customer) {
            for id in &c.conversations {
                if let Some(record) = state.conversations.get(id) {
                    if record.conversation.status.is_active() {
                        reselect(config, state, record, now, out);
                    }
                }
            }
        }
        return;
    }
    let Some(id) = payload.conversation() else {
        return;
    };
    let Some(record) = state.conversations.get(&id) else {
        return;
    };
    let conversation = &record.conversation;
    match payload {
        EventPayload::ConversationOpened {
            kind: Kind::Query, ..
        }
        | EventPayload::MentionPromoted { .. } => {
            if let Some(policy) = policy_for(config, state, record) {
                start(record, policy, SlaTarget::FirstResponse, now, out);
                start(record, policy, SlaTarget::Resolution, now, out);
            }
        }
        EventPayload::MessageReceived { .. } => {
            let Some(policy) = current_policy(config, record) else {
                return;
            };
            let next_open = record
                .sla()
                .and_then(|s| s.clock(SlaTarget::NextResponse))
                .is_some_and(SlaClock::is_open);
            if conversation.first_response_at.is_some()
                && !next_open
                && conversation.kind == Kind::Query
            {
                start(record, policy, SlaTarget::NextResponse, now, out);
            }
        }
        EventPayload::DeliveryFailedLate { message, .. } => {
            // The customer never saw the reply: if it is the latest one,
            // they are owed an answer again, from now.
            let Some(policy) = current_policy(config, record) else {
                return;
            };
            let latest_reply = record
                .messages
                .iter()
                .rev()
                .find(|m| {
                    m.outbound.is_some()
                        && !m.is_note()
                        && (!m.is_undelivered() || m.id == *message)
                })
                .is_none_or(|m| m.id == *message);
            let next_open = record
                .sla()
                .and_then(|s| s.clock(SlaTarget::NextResponse))
                .is_some_and(SlaClock::is_open);
            if conversation.kind == Kind::Query
                && conversation.status.is_active()
                && latest_reply
                && !next_open
            {
                start(record, policy, SlaTarget::NextResponse, now, out);
            }
        }
        EventPayload::ReplyRequested { automated, .. } => {
            let Some(policy) = current_policy(config, record) else {
                return;
            };
            if *automated && !policy.automated_replies_count {
                return;
            }
            let Some(sla) = record.sla() else {
                return;
            };
            for clock in sla.clocks.iter().filter(|c| c.is_open()) {
                if matches!(
                    clock.target,
                    SlaTarget::FirstResponse | SlaTarget::NextResponse | SlaTarget::PeriodicUpdate
                ) {
                    meet(id, clock, policy, now, out);
                }
            }
            if conversation.status.is_active() {
                start(record, policy, SlaTarget::PeriodicUpdate, now, out);
            }
        }
        EventPayload::StatusChanged { from, to, .. } => {
            let Some(policy) = current_policy(config, record) else {
                return;
            };
            let Some(sla) = record.sla() else {
                return;
            };
            let pauses = |status: &Status| match status {
                Status::Pending => policy.pause_when_pending,
                Status::Snoozed { .. } => policy.pause_when_snoozed,
                _ => false,
            };
            for clock in sla.clocks.iter().filter(|c| c.is_open()) {
                match to {
                    Status::Resolved if clock.target == SlaTarget::Resolution => {
                        meet(id, clock, policy, now, out);
                    }
                    Status::Resolved | Status::Closed { .. } => {
                        let clock = catch_up(id, clock, now, out);
                        change(
                            record,
                            ClockChange::Stopped,
                            clock.stopped(now, &policy.calendar),
                            out,
                        );
                    }
                    _ if pauses(to) && clock.is_running() => {
                        let clock = catch_up(id, clock, now, out);
                        change(
                            record,
                            ClockChange::Paused,
                            clock.paused(now, &policy.calendar),
                            out,
                        );
                    }
                    _ if !pauses(to) && !clock.is_running() => {
                        if let Ok(resumed) = clock.resumed(now, policy.warning, &policy.calendar) {
                            change(record, ClockChange::Resumed, resumed, out);
                        }
                    }
                    _ => {}
                }
            }
            if *from == Status::Resolved && to.is_active() && conversation.kind == Kind::Query {
                start(record, policy, SlaTarget::Resolution, now, out);
            }
        }
        EventPayload::PriorityChanged { .. } | EventPayload::TagAdded { .. } => {
            reselect(config, state, record, now, out);
        }
        _ => {}
    }
}

/// Selects the policy again (priority, tags or tier changed) and re-budgets
/// the open clocks from their original start.
fn reselect(
    config: &EngineConfig,
    state: &EngineState,
    record: &ConversationRecord,
    now: DateTime<Utc>,
    out: &mut Vec<EventPayload>,
) {
    let id = record.conversation.id;
    let (Some(sla), Some(policy)) = (record.sla(), policy_for(config, state, record)) else {
        return;
    };
    if policy.name != sla.policy {
        out.push(EventPayload::SlaPolicyChanged {
            conversation: id,
            from: sla.policy.clone(),
            to: policy.name.clone(),
        });
    }
    for clock in sla.clocks.iter().filter(|c| c.is_open()) {
        let clock = catch_up(id, clock, now, out);
        match policy.budget(clock.target, record.conversation.priority) {
            Some(budget) if budget == clock.budget_secs && policy.name == sla.policy => {}
            Some(budget) => {
                if let Ok(rebudgeted) =
                    clock.rebudgeted(now, budget, policy.warning, &policy.calendar)
                {
                    change(record, ClockChange::Rebudgeted, rebudgeted, out);
                }
            }
            None => change(
                record,
                ClockChange::Stopped,
                clock.stopped(now, &policy.calendar),
                out,
            ),
        }
    }
}

/// The warnings and breaches due at `now` (the conversation's SLA timer fired).
pub(super) fn due_events(record: &ConversationRecord, now: DateTime<Utc>) -> Vec<EventPayload> {
    let mut out = Vec::new();
    if let Some(sla) = record.sla() {
        for clock in &sla.clocks {
            catch_up(record.conversation.id, clock, now, &mut out);
        }
    }
    out
}

/// Folds an SLA event into the conversation record.
pub(super) fn apply(record: &mut ConversationRecord, at: DateTime<Utc>, payload: &EventPayload) {
    match payload {
        EventPayload::SlaClockStarted { policy, clock, .. } => {
            let sla = record.sla_or_insert_with(|| SlaState {
                policy: policy.clone(),
                clocks: Vec::with_capacity(2),
            });
            sla.policy.clone_from(policy);
            sla.put((**clock).clone());
        }
        EventPayload::SlaClockChanged { clock, .. } => {
            if let Some(sla) = record.sla_mut() {
                sla.put((**clock).clone());
            }
        }
        EventPayload::SlaPolicyChanged { to, .. } => {
            if let Some(sla) = record.sla_mut() {
                sla.policy.clone_from(to);
            }
        }
        EventPayload::SlaWarning { target, at, .. } => {
            if let Some(sla) = record.sla_mut() {
                if let Some(clock) = sla.clocks.iter_mut().find(|c| c.target == *target) {
                    *clock = clock.warned(*at);
                }
            }
        }
        EventPayload::SlaBreached {
            target, deadline, ..
        } => {
            if let Some(sla) = record.sla_mut() {
                if let Some(clock) = sla.clocks.iter_mut().find(|c| c.target == *target) {
                    *clock = clock.breached(*deadline);
                }
            }
        }
        EventPayload::SlaMet { target, took, .. } => {
            if let Some(sla) = record.sla_mut() {
                if let Some(clock) = sla.clocks.iter_mut().find(|c| c.target == *target) {
                    clock.elapsed_secs = took.business_secs;
                    clock.running_since = None;
                    clock.status = crate::sla::ClockStatus::Met;
                    clock.deadline = None;
                    clock.warning_at = None;
                    clock.ended_at = Some(at);
                }
            }
        }
        _ => {}
    }
}
