//! SLA clocks inside the engine: started, paused, met, warned and breached at
//! exact instants, re-budgeted on priority changes, and replayed exactly.

use crate::support::*;
use caredesk::engine::*;
use caredesk::model::*;
use caredesk::sla::{ClockStatus, SlaError, SlaPolicies, SlaPolicy, SlaTarget, TargetSet};
use caredesk::testing::TestDesk;
use chrono::Duration;

fn desk() -> TestDesk {
    TestDesk::new(config_with_sla, at("2026-11-23T08:00:00Z"))
}

fn opened(events: &[Event]) -> ConversationId {
    events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::ConversationOpened { conversation, .. } => Some(*conversation),
            _ => None,
        })
        .expect("opened")
}

fn sla_names(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::SlaClockStarted { clock, .. } => {
                Some(format!("started {:?}", clock.target))
            }
            EventPayload::SlaClockChanged { change, clock, .. } => {
                Some(format!("{change:?} {:?}", clock.target))
            }
            EventPayload::SlaWarning { target, .. } => Some(format!("warning {target:?}")),
            EventPayload::SlaBreached { target, .. } => Some(format!("breached {target:?}")),
            EventPayload::SlaMet { target, took, .. } => {
                Some(format!("met {target:?} late={}", took.late))
            }
            EventPayload::SlaPolicyChanged { to, .. } => Some(format!("policy {to}")),
            _ => None,
        })
        .collect()
}

fn reply(conversation: ConversationId, agent: AgentId) -> Input {
    Input::Reply(Reply {
        conversation,
        agent,
        visibility: Visibility::Public,
        text: "On it! ^A1".into(),
        attachments: vec![],
    })
}

#[test]
fn a_question_starts_first_response_and_resolution_clocks() {
    let mut desk = desk();
    let events = desk
        .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
        .unwrap();
    assert_eq!(
        sla_names(&events),
        ["started FirstResponse", "started Resolution"]
    );
    let id = opened(&events);
    let sla = desk.engine().sla(id).unwrap();
    assert_eq!(sla.policy, "hour");
    assert_eq!(
        sla.clock(SlaTarget::FirstResponse).unwrap().deadline,
        Some(at("2026-11-23T09:00:00Z"))
    );
    assert_eq!(
        desk.engine().next_deadline(),
        Some(at("2026-11-23T08:45:00Z")),
        "warning at 75 %"
    );
}

#[test]
fn warning_and_breach_fire_at_the_exact_instants() {
    let mut desk = desk();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    let events = desk.advance(Duration::minutes(61));
    assert_eq!(
        sla_names(&events),
        ["warning FirstResponse", "breached FirstResponse"]
    );
    assert_eq!(events[0].at, at("2026-11-23T08:45:00Z"));
    assert_eq!(events[1].at, at("2026-11-23T09:00:00Z"));
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 2)))
        .unwrap();
    let events = desk.handle(reply(id, agent_id(1))).unwrap();
    assert_eq!(
        sla_names(&events),
        ["met FirstResponse late=true"],
        "a breached clock stays breached when met"
    );
    let clock = desk
        .engine()
        .sla(id)
        .unwrap()
        .clock(SlaTarget::FirstResponse)
        .unwrap()
        .clone();
    assert_eq!(clock.status, ClockStatus::Met);
    assert_eq!(clock.breached_at, Some(at("2026-11-23T09:00:00Z")));
    desk.check_replay().unwrap();
}

#[test]
fn a_late_reply_without_a_tick_still_records_the_breach_first() {
    let mut engine = Engine::new(config_with_sla());
    let start = at("2026-11-23T08:00:00Z");
    engine
        .handle(start, Input::UpsertAgent(agent(1, &[Language::ENGLISH], 2)))
        .unwrap();
    let events = engine
        .handle(start, inbound(tweet("1", "@anna", "bag?", start), None))
        .unwrap();
    let id = opened(&events);
    let later = start + Duration::minutes(90);
    let events = engine.handle(later, reply(id, agent_id(1))).unwrap();
    let names = sla_names(&events);
    assert_eq!(
        &names[..3],
        [
            "warning FirstResponse",
            "breached FirstResponse",
            "met FirstResponse late=true"
        ]
    );
    let breach = events.iter().find_map(|e| match &e.payload {
        EventPayload::SlaBreached { deadline, .. } => Some(*deadline),
        _ => None,
    });
    assert_eq!(breach, Some(at("2026-11-23T09:00:00Z")));
}

#[test]
fn first_response_clock_pauses_while_waiting_on_customer() {
    let mut desk = desk();
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 2)))
        .unwrap();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    desk.advance(Duration::minutes(20));
    let events = desk
        .handle(Input::SetStatus {
            conversation: id,
            change: StatusChange::Pending,
        })
        .unwrap();
    assert_eq!(
        sla_names(&events),
        ["Paused FirstResponse", "Paused Resolution"]
    );
    assert!(
        desk.advance(Duration::hours(5)).is_empty(),
        "nothing breaches while paused"
    );
    let events = desk
        .handle(inbound(
            tweet("2", "@anna", "here is the info", desk.now()),
            None,
        ))
        .unwrap();
    assert_eq!(
        sla_names(&events),
        ["Resumed FirstResponse", "Resumed Resolution"]
    );
    let clock = desk
        .engine()
        .sla(id)
        .unwrap()
        .clock(SlaTarget::FirstResponse)
        .unwrap()
        .clone();
    assert_eq!(clock.elapsed_secs, 1200);
    assert_eq!(clock.deadline, Some(desk.now() + Duration::minutes(40)));
    desk.advance(Duration::minutes(10));
    let events = desk.handle(reply(id, agent_id(1))).unwrap();
    let took = events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::SlaMet {
                target: SlaTarget::FirstResponse,
                took,
                ..
            } => Some(*took),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        (took.business_secs, took.calendar_secs, took.late),
        (1800, 5 * 3600 + 1800, false)
    );
    desk.check_replay().unwrap();
}

#[test]
fn a_customer_message_after_a_reply_starts_the_next_response_clock_and_resolution_meets_its_own() {
    let mut desk = desk();
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 2)))
        .unwrap();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    desk.handle(reply(id, agent_id(1))).unwrap();
    desk.advance(Duration::minutes(5));
    let events = desk
        .handle(inbound(
            tweet("2", "@anna", "still nothing", desk.now()),
            None,
        ))
        .unwrap();
    assert_eq!(sla_names(&events), ["started NextResponse"]);
    desk.advance(Duration::minutes(5));
    let events = desk.handle(reply(id, agent_id(1))).unwrap();
    assert_eq!(sla_names(&events), ["met NextResponse late=false"]);
    let events = desk
        .handle(Input::SetStatus {
            conversation: id,
            change: StatusChange::Resolve,
        })
        .unwrap();
    assert_eq!(sla_names(&events), ["met Resolution late=false"]);
    desk.check_replay().unwrap();
}

#[test]
fn raising_priority_recomputes_deadlines_from_the_original_start() {
    let mut desk = desk();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    desk.advance(Duration::minutes(10));
    let events = desk
        .handle(Input::SetPriority {
            conversation: id,
            priority: Priority::Urgent,
        })
        .unwrap();
    assert_eq!(
        sla_names(&events),
        ["Rebudgeted FirstResponse", "Rebudgeted Resolution"]
    );
    let clock = desk
        .engine()
        .sla(id)
        .unwrap()
        .clock(SlaTarget::FirstResponse)
        .unwrap()
        .clone();
    assert_eq!(clock.deadline, Some(at("2026-11-23T08:15:00Z")));
    let events = desk.advance(Duration::minutes(6));
    assert_eq!(
        sla_names(&events),
        ["warning FirstResponse", "breached FirstResponse"]
    );
}

#[test]
fn whatsapp_counts_in_office_hours_by_policy_rule() {
    let mut desk = TestDesk::new(config_with_sla, at("2026-11-27T15:30:00Z"));
    let dm = InboundMessage::new(
        whatsapp(),
        "wamid.1",
        Identity::new(ChannelKind::Whatsapp, "+316"),
        Visibility::Private,
        "refund?",
        desk.now(),
    );
    let id = opened(&desk.handle(inbound(dm, None)).unwrap());
    let sla = desk.engine().sla(id).unwrap();
    assert_eq!(sla.policy, "whatsapp office hours");
    // Friday 16:30 Amsterdam + 2 business hours = Monday 10:30 Amsterdam.
    assert_eq!(
        sla.clock(SlaTarget::FirstResponse).unwrap().deadline,
        Some(at("2026-11-30T09:30:00Z"))
    );
    assert!(
        sla.clock(SlaTarget::Resolution).is_none(),
        "that policy promises no resolution time"
    );
}

#[test]
fn mentions_get_no_clocks_until_promoted() {
    let mut desk = desk();
    let mention = Input::Inbound {
        message: tweet("1", "@fan", "flying today", desk.now()),
        classification: Some(Classification::mention(None)),
    };
    let id = opened(&desk.handle(mention).unwrap());
    assert!(desk.engine().sla(id).is_none());
    desk.advance(Duration::minutes(30));
    let events = desk
        .handle(Input::PromoteMention { conversation: id })
        .unwrap();
    assert_eq!(
        sla_names(&events),
        ["started FirstResponse", "started Resolution"]
    );
    assert_eq!(
        desk.engine()
            .sla(id)
            .unwrap()
            .clock(SlaTarget::FirstResponse)
            .unwrap()
            .started_at,
        desk.now()
    );
}

#[test]
fn a_policy_whose_calendar_is_never_open_is_refused() {
    let closed = caredesk::calendar::BusinessCalendar::builder("UTC")
        .build()
        .unwrap();
    let policy = SlaPolicy::around_the_clock(
        "never",
        TargetSet::default().with_minutes(SlaTarget::FirstResponse, 60),
    )
    .with_calendar(closed);
    assert_eq!(
        SlaPolicies::single(policy),
        Err(SlaError::NeverOpen("never".into()))
    );
}
