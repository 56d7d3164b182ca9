//! Escalation inside the engine: the acceptance scenario of four unanswered
//! posts, levels at their due times, and exact replay.

use crate::support::*;
use caredesk::engine::*;
use caredesk::escalation::*;
use caredesk::model::*;
use caredesk::sla::{ClockStatus, SlaTarget};
use caredesk::testing::TestDesk;
use chrono::Duration;

fn rules() -> EscalationRules {
    EscalationRules::new(vec![
        EscalationRule::new(
            "acknowledge",
            Condition::all([
                Condition::KindIs(Kind::Query),
                Condition::UnansweredAtLeast(1),
            ]),
        )
        .then(Action::Acknowledge(Acknowledgement::new(
            Visibility::Public,
            "Hi, an agent will answer within the hour.",
        ))),
        EscalationRule::new(
            "two-unanswered",
            Condition::repeat_contacts(2, Duration::minutes(60)),
        )
        .then(Action::RaisePriorityTo(Priority::High)),
        EscalationRule::new(
            "three-unanswered",
            Condition::repeat_contacts(3, Duration::minutes(60)),
        )
        .then(Action::Notify {
            message: "three posts without an answer".into(),
        })
        .level_after(
            Duration::minutes(30),
            vec![Action::Notify {
                message: "still unanswered".into(),
            }],
        ),
    ])
    .unwrap()
}

fn make() -> EngineConfig {
    config_with_sla().with_escalation(rules())
}

fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.payload.name()).collect()
}

#[test]
fn four_unanswered_posts_raise_priority_then_notify_and_the_acknowledgement_keeps_the_clock_running(
) {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    // Someone else was waiting first, at normal priority.
    let earlier = desk
        .handle(inbound(tweet("0", "@bob", "seat?", desk.now()), None))
        .unwrap();
    let bob = earlier
        .iter()
        .find_map(|e| e.payload.conversation())
        .unwrap();
    desk.advance(Duration::minutes(1));

    let first = desk
        .handle(inbound(tweet("1", "@anna", "my bag?", desk.now()), None))
        .unwrap();
    let anna = first
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::ConversationOpened { conversation, .. } => Some(*conversation),
            _ => None,
        })
        .unwrap();
    let acknowledgements: Vec<_> = first
        .iter()
        .filter(|e| {
            matches!(
                e.payload,
                EventPayload::ReplyRequested {
                    automated: true,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(
        acknowledgements.len(),
        1,
        "acknowledged once, automatically"
    );
    assert!(names(&first).contains(&"escalation_fired"));

    desk.advance(Duration::minutes(12));
    let second = desk
        .handle(inbound(tweet("2", "@anna", "hello??", desk.now()), None))
        .unwrap();
    assert!(
        second.iter().any(|e| matches!(
            e.payload,
            EventPayload::PriorityChanged {
                to: Priority::High,
                ..
            }
        )),
        "{:?}",
        names(&second)
    );
    assert!(
        !second
            .iter()
            .any(|e| matches!(e.payload, EventPayload::ReplyRequested { .. })),
        "no second acknowledgement"
    );
    assert_eq!(
        desk.engine().queue_position(anna),
        Some(1),
        "jumps the queue"
    );
    assert_eq!(desk.engine().queue_position(bob), Some(2));

    desk.advance(Duration::minutes(13));
    let third = desk
        .handle(inbound(tweet("3", "@anna", "anyone?!", desk.now()), None))
        .unwrap();
    let notified: Vec<_> = third
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::NotificationRequested { notification } => Some(notification.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(notified.len(), 1);
    assert_eq!(
        (notified[0].level, notified[0].rule.as_str()),
        (1, "three-unanswered")
    );

    desk.advance(Duration::minutes(15));
    let fourth = desk
        .handle(inbound(tweet("4", "@anna", "!!!", desk.now()), None))
        .unwrap();
    assert!(
        !fourth.iter().any(|e| matches!(
            e.payload,
            EventPayload::NotificationRequested { .. } | EventPayload::PriorityChanged { .. }
        )),
        "re-evaluation never spams: {:?}",
        names(&fourth)
    );

    let clock = desk
        .engine()
        .sla(anna)
        .unwrap()
        .clock(SlaTarget::FirstResponse)
        .unwrap()
        .clone();
    assert!(
        matches!(clock.status, ClockStatus::Running),
        "the acknowledgement is not a response"
    );

    // Level 2 of the notification 30 minutes after level 1, at the exact time.
    let later = desk.advance(Duration::minutes(20));
    let level_two: Vec<_> = later
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::NotificationRequested { notification } => {
                Some((notification.level, e.at))
            }
            _ => None,
        })
        .collect();
    assert_eq!(level_two, vec![(2, at("2026-11-23T10:56:00Z"))]);
    desk.check_replay().unwrap();
}

#[test]
fn an_agent_reply_clears_the_triggers() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 3)))
        .unwrap();
    let first = desk
        .handle(inbound(tweet("1", "@anna", "my bag?", desk.now()), None))
        .unwrap();
    let anna = first.iter().find_map(|e| e.payload.conversation()).unwrap();
    desk.advance(Duration::minutes(5));
    desk.handle(inbound(tweet("2", "@anna", "hello??", desk.now()), None))
        .unwrap();
    let events = desk
        .handle(Input::Reply(Reply {
            conversation: anna,
            agent: agent_id(1),
            visibility: Visibility::Public,
            text: "Here! ^A1".into(),
            attachments: vec![],
        }))
        .unwrap();
    let cleared: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::EscalationCleared { rule, .. } => Some(rule.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(cleared, ["acknowledge", "two-unanswered"]);
    desk.check_replay().unwrap();
}
