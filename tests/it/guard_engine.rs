//! The outbound guard inside the engine: blocked replies are recorded and not
//! sent, drafts wait for a supervisor, and the first-response clock keeps
//! running until the approved reply goes out.

use crate::support::*;
use caredesk::engine::*;
use caredesk::guard::{
    ApprovalDecision, ApprovalPolicy, ApprovalReason, Guard, GuardSettings, Outcome, Suggestion,
};
use caredesk::model::*;
use caredesk::sla::{ClockStatus, SlaTarget};
use caredesk::testing::TestDesk;
use chrono::Duration;

fn make() -> EngineConfig {
    config_with_sla().with_guard(
        Guard::new(GuardSettings::default()).unwrap(),
        ApprovalPolicy::default(),
    )
}

fn sanne() -> Agent {
    Agent::new(
        agent_id(1),
        "Sanne Visser",
        [Language::ENGLISH],
        Capacity::total(3),
    )
    .unwrap()
    .with_signature("^SV")
    .with_presence(Presence::Online)
}

const JOKE: &str = "Haha, at least the volcano gives you a free holiday 🎉 ^SV";

fn reply(conversation: ConversationId, text: &str) -> Input {
    Input::Reply(Reply {
        conversation,
        agent: agent_id(1),
        visibility: Visibility::Public,
        text: text.into(),
        attachments: vec![],
    })
}

fn start(desk: &mut TestDesk, reach: u64) -> ConversationId {
    desk.handle(Input::UpsertAgent(sanne())).unwrap();
    let message = tweet(
        "1",
        "@anna",
        "My flight to Oslo is cancelled, what now?",
        desk.now(),
    )
    .with_reach(reach);
    let events = desk
        .handle(inbound(message, Some(Language::ENGLISH)))
        .unwrap();
    events
        .iter()
        .find_map(|e| e.payload.conversation())
        .unwrap()
}

#[test]
fn in_crisis_mode_a_joke_with_a_party_emoji_is_blocked_and_nothing_is_sent() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    let id = start(&mut desk, 200);
    desk.handle(Input::SetCrisisMode { active: true }).unwrap();
    let events = desk.handle(reply(id, JOKE)).unwrap();
    assert_eq!(events.len(), 1);
    match &events[0].payload {
        EventPayload::ReplyBlocked { verdict, .. } => assert_eq!(verdict.outcome, Outcome::Block),
        other => panic!("expected a blocked reply, got {other:?}"),
    }
    let clock = desk
        .engine()
        .sla(id)
        .unwrap()
        .clock(SlaTarget::FirstResponse)
        .unwrap()
        .clone();
    assert_eq!(
        clock.status,
        ClockStatus::Running,
        "a blocked reply is no response"
    );
    desk.check_replay().unwrap();
}

#[test]
fn the_same_reply_outside_crisis_mode_only_warns() {
    let mut desk = TestDesk::new(make, at("2026-11-16T10:00:00Z"));
    let id = start(&mut desk, 200);
    let events = desk.handle(reply(id, JOKE)).unwrap();
    assert!(!events
        .iter()
        .any(|e| matches!(e.payload, EventPayload::ReplyBlocked { .. })));
    let verdict = events.iter().find_map(|e| match &e.payload {
        EventPayload::ReplyRequested { verdict, .. } => verdict.as_deref().cloned(),
        EventPayload::DraftCreated { draft } => Some(draft.verdict.clone()),
        _ => None,
    });
    assert_eq!(verdict.map(|v| v.outcome), Some(Outcome::Warn));
}

#[test]
fn a_booking_code_in_public_is_blocked_with_the_suggestion_to_move_to_a_dm() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    let id = start(&mut desk, 200);
    let events = desk
        .handle(reply(
            id,
            "Your booking X7KQ2P is rebooked on KL1143 tomorrow. ^SV",
        ))
        .unwrap();
    let verdict = match &events[0].payload {
        EventPayload::ReplyBlocked { verdict, .. } => verdict.clone(),
        other => panic!("expected a blocked reply, got {other:?}"),
    };
    assert!(verdict
        .findings
        .iter()
        .any(|f| f.suggestion == Some(Suggestion::MoveToPrivate)));
}

#[test]
fn a_new_agents_reply_to_a_million_followers_waits_for_approval_and_the_clock_keeps_running() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    let id = start(&mut desk, 1_000_000);
    desk.handle(Input::UpsertAgent(sanne().as_trainee()))
        .unwrap();
    let supervisor = Agent::new(
        agent_id(9),
        "Mira Jansen",
        [Language::ENGLISH],
        Capacity::total(1),
    )
    .unwrap();
    desk.handle(Input::UpsertAgent(supervisor)).unwrap();
    desk.advance(Duration::minutes(10));
    let text =
        "So sorry, Anna! We have rebooked you on the first flight tomorrow, details in DM. ^SV";
    let events = desk.handle(reply(id, text)).unwrap();
    let draft = match &events.last().unwrap().payload {
        EventPayload::DraftCreated { draft } => draft.clone(),
        other => panic!("expected a draft, got {other:?}"),
    };
    assert!(matches!(
        draft.reason,
        ApprovalReason::NewAgent { .. } | ApprovalReason::HighReach { .. }
    ));
    assert!(!events
        .iter()
        .any(|e| matches!(e.payload, EventPayload::ReplyRequested { .. })));
    desk.advance(Duration::minutes(50));
    let clock = desk
        .engine()
        .sla(id)
        .unwrap()
        .clock(SlaTarget::FirstResponse)
        .unwrap()
        .clone();
    assert!(
        clock.breached_at.is_some(),
        "the draft did not stop the first-response clock"
    );
    let events = desk
        .handle(Input::DecideDraft {
            draft: draft.id,
            supervisor: agent_id(9),
            decision: ApprovalDecision::Approve,
        })
        .unwrap();
    let names: Vec<_> = events.iter().map(|e| e.payload.name()).collect();
    assert_eq!(&names[..2], ["draft_approved", "reply_requested"]);
    assert!(events.iter().any(|e| matches!(e.payload, EventPayload::SlaMet { target: SlaTarget::FirstResponse, took, .. } if took.late)));
    assert_eq!(
        desk.handle(Input::DecideDraft {
            draft: draft.id,
            supervisor: agent_id(9),
            decision: ApprovalDecision::Approve
        }),
        Err(EngineError::UnknownDraft(draft.id))
    );
    desk.check_replay().unwrap();
}

#[test]
fn crisis_mode_switches_on_by_itself_when_inbound_stays_far_above_normal() {
    use caredesk::guard::CrisisSettings;
    let make = || {
        make().with_auto_crisis(AutoCrisis {
            bucket_secs: 900,
            normal_per_bucket: 10.0,
            settings: CrisisSettings::default(),
        })
    };
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    let mut switched = Vec::new();
    let mut n = 0;
    for bucket in 0..3 {
        let count = if bucket < 2 { 40 } else { 1 };
        for _ in 0..count {
            n += 1;
            let events = desk
                .handle(inbound(
                    tweet(
                        &n.to_string(),
                        &format!("@c{n}"),
                        "flights cancelled??",
                        desk.now(),
                    ),
                    None,
                ))
                .unwrap();
            switched.extend(events.iter().filter_map(|e| match e.payload {
                EventPayload::CrisisModeChanged { active } => Some((bucket, active)),
                _ => None,
            }));
        }
        desk.advance(Duration::minutes(15));
    }
    assert_eq!(
        switched,
        vec![(2, true)],
        "on after two buckets at four times normal, seen when the third begins"
    );
    desk.check_replay().unwrap();
}
