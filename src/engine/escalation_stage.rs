//! The escalation stage: builds a conversation's facts from the state, asks
//! the rules (a pure function) what fires, and turns the answer into events.
//!
//! It runs after an input's own events and their reactions have settled,
//! for every conversation they touched, and again at the next time a rule
//! could change its mind (`next_check`, kept as the conversation's
//! escalation timer). Each firing is an `escalation_fired` event followed by
//! its actions as ordinary events: `priority_changed`,
//! `conversation_transferred`, `tag_added`, `reply_requested` (an automatic
//! acknowledgement: `automated`, so not a response for the SLA unless the
//! policy says so) and `notification_requested`. The memory of what fired
//! changes only when those events are applied, so replay is exact.

use super::config::EngineConfig;
use super::event::{EventPayload, TransferTarget};
use super::ids::IdGenerator;
use super::state::{ConversationRecord, EngineState};
use crate::escalation::{
    ConversationFacts, EscalationMemory, Evaluation, FiredAction, SlaFact, SlaStage,
    SlaTarget as EscalationTarget,
};
use crate::model::{MessageId, OutboundId, OutboundMessage, Tier, Visibility};
use crate::sla::{ClockStatus, SlaTarget};
use chrono::{DateTime, Utc};
use smallvec::SmallVec;

fn target(target: SlaTarget) -> EscalationTarget {
    match target {
        SlaTarget::FirstResponse => EscalationTarget::FirstResponse,
        SlaTarget::NextResponse => EscalationTarget::NextResponse,
        SlaTarget::Resolution => EscalationTarget::Resolution,
        SlaTarget::PeriodicUpdate => EscalationTarget::PeriodicUpdate,
    }
}

/// The facts built for every evaluation are nearly always a handful, and
/// evaluation runs for every event that touches a conversation: they are
/// kept on the stack up to `N` (nothing is written until pushed) and move
/// to the heap past that.
type Few<T, const N: usize> = SmallVec<[T; N]>;

fn sla_facts(record: &ConversationRecord) -> Few<SlaFact, 4> {
    let mut facts = Few::new();
    let Some(sla) = record.sla() else {
        return facts;
    };
    for clock in &sla.clocks {
        let (stage, since) = match clock.status {
            ClockStatus::Stopped => continue,
            ClockStatus::Met => (SlaStage::Met, clock.ended_at.unwrap_or(clock.started_at)),
            _ => match (clock.breached_at, clock.warned_at) {
                (Some(at), _) => (SlaStage::Breached, at),
                (None, Some(at)) => (SlaStage::Warning, at),
                (None, None) => (SlaStage::Running, clock.started_at),
            },
        };
        facts.push(SlaFact {
            target: target(clock.target),
            stage,
            since,
        });
    }
    facts
}

/// Customer messages since the last agent reply (automatic replies and notes
/// do not count as answers), oldest first.
fn unanswered_at(record: &ConversationRecord) -> Few<DateTime<Utc>, 8> {
    let mut times = Few::new();
    for message in record
        .messages
        .iter()
        .rev()
        .take_while(|m| m.agent_reply().is_none())
        .filter(|m| m.is_from_customer())
    {
        times.push(message.at);
    }
    times.reverse();
    times
}

/// Evaluates the rules for one conversation at `now`.
pub(super) fn evaluate(
    config: &EngineConfig,
    state: &EngineState,
    record: &ConversationRecord,
    now: DateTime<Utc>,
) -> Option<Evaluation> {
    let rules = config.escalation.as_ref()?;
    let c = &record.conversation;
    // Only a rule on the survey answer needs it looked up, and only such a
    // rule looks at a finished conversation.
    let csat = if rules.reads_csat() {
        state.sales.csat_fact(c.id)
    } else {
        None
    };
    if !c.status.is_active() && csat.is_none() {
        return None;
    }
    let customer = state.customers.get(&c.customer);
    let sla = sla_facts(record);
    let unanswered = unanswered_at(record);
    let last_text = record
        .messages
        .iter()
        .rev()
        .find(|m| m.is_from_customer())
        .map_or("", |m| m.text.as_str());
    let empty = EscalationMemory::default();
    let memory = record.escalation().unwrap_or(&empty);
    let facts = ConversationFacts {
        priority: c.priority,
        tier: customer.map_or(Tier::Standard, |c| c.tier),
        language: c.language,
        channel: c.channel.kind,
        kind: c.kind,
        sentiment: c.sentiment,
        intents: &c.intents,
        reach: c.reach,
        last_customer_text: last_text,
        customer_name: customer.and_then(|c| c.name()),
        unanswered_at: unanswered.as_slice(),
        unanswered: c.unanswered,
        queued_since: state.queued_since(c.id),
        assignee: c.assignee,
        team: c.team,
        tags: &c.tags,
        sla: sla.as_slice(),
        csat,
        finished: !c.status.is_active(),
        ..ConversationFacts::new(c.id, now)
    };
    Some(rules.evaluate(&facts, memory))
}

/// The events for an evaluation: firings with their actions, then ended triggers.
pub(super) fn events(
    config: &EngineConfig,
    state: &EngineState,
    record: &ConversationRecord,
    evaluation: Evaluation,
    now: DateTime<Utc>,
    ids: &mut IdGenerator,
    out: &mut Vec<EventPayload>,
) {
    let c = &record.conversation;
    for fired in evaluation.fired {
        out.push(EventPayload::EscalationFired {
            conversation: c.id,
            rule: fired.rule,
            level: fired.level,
        });
        for action in fired.actions {
            match action {
                FiredAction::SetPriority { from, to } => out.push(EventPayload::PriorityChanged {
                    conversation: c.id,
                    from,
                    to,
                }),
                FiredAction::MoveToTeam { team } => {
                    out.push(EventPayload::ConversationTransferred {
                        conversation: c.id,
                        from: c.assignee,
                        target: TransferTarget::Team { team },
                    })
                }
                FiredAction::AddTag { tag } => {
                    if c.tags.binary_search(&tag).is_err() {
                        out.push(EventPayload::TagAdded {
                            conversation: c.id,
                            tag,
                        });
                    }
                }
                FiredAction::AssignSupervisor { agent } => {
                    if state.router.agent(agent).is_some() && c.assignee != Some(agent) {
                        out.push(EventPayload::ConversationTransferred {
                            conversation: c.id,
                            from: c.assignee,
                            target: TransferTarget::Agent { agent },
                        });
                    }
                }
                FiredAction::Acknowledge { visibility, text } => {
                    out.extend(acknowledgement(config, record, visibility, text, now, ids));
                }
                FiredAction::Notify { notification } => {
                    out.push(EventPayload::NotificationRequested { notification });
                }
            }
        }
    }
    for rule in evaluation.cleared {
        out.push(EventPayload::EscalationCleared {
            conversation: c.id,
            rule,
        });
    }
}

/// An automatic acknowledgement to the customer's last message, if the
/// channel can carry it.
fn acknowledgement(
    config: &EngineConfig,
    record: &ConversationRecord,
    visibility: Visibility,
    text: String,
    now: DateTime<Utc>,
    ids: &mut IdGenerator,
) -> Option<EventPayload> {
    let c = &record.conversation;
    let allowed = config
        .channel_settings(&c.channel)
        .is_some_and(|settings| settings.capabilities.allows(visibility));
    if !allowed || text.trim().is_empty() {
        return None;
    }
    let (recipient, in_reply_to) = record.reply_address();
    let message = MessageId(ids.mint(now));
    let outbound = OutboundId(ids.mint(now));
    Some(EventPayload::ReplyRequested {
        message,
        conversation: c.id,
        agent: None,
        automated: true,
        outbound: Box::new(OutboundMessage {
            id: outbound,
            channel: c.channel.to_channel_ref(),
            recipient,
            visibility,
            text: text.into(),
            in_reply_to,
            attachments: Vec::new(),
        }),
        verdict: None,
    })
}

/// Folds an escalation event into the conversation's memory.
pub(super) fn apply(record: &mut ConversationRecord, at: DateTime<Utc>, payload: &EventPayload) {
    match payload {
        EventPayload::EscalationFired { rule, level, .. } => {
            record.escalation_or_default().record(rule, *level, at);
        }
        EventPayload::EscalationCleared { rule, .. } => {
            record.escalation_or_default().observe(rule, false);
        }
        _ => {}
    }
}
