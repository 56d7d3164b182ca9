//! What the engine records about a send after it was requested: attempts,
//! outcomes nobody can know, and failures the network reports after it had
//! accepted the message (a WhatsApp `failed` status).

use crate::support::*;
use caredesk::engine::*;
use caredesk::model::*;
use caredesk::sla::SlaTarget;
use caredesk::testing::TestDesk;
use chrono::Duration;

fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.payload.name()).collect()
}

fn start() -> TestDesk {
    let mut desk = TestDesk::new(config_with_sla, at("2026-11-23T10:00:00Z"));
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 5)))
        .unwrap();
    desk
}

/// A question on X; returns its conversation.
fn ask(desk: &mut TestDesk, id: &str) -> ConversationId {
    let events = desk
        .handle(inbound(
            tweet(id, "@anna", "Where is my bag?", desk.now()),
            Some(Language::ENGLISH),
        ))
        .unwrap();
    events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::ConversationOpened { conversation, .. } => Some(*conversation),
            _ => None,
        })
        .unwrap()
}

/// Agent 1 answers; returns the send.
fn answer(desk: &mut TestDesk, conversation: ConversationId, text: &str) -> OutboundId {
    let events = desk
        .handle(Input::Reply(Reply {
            conversation,
            agent: agent_id(1),
            visibility: Visibility::Public,
            text: text.into(),
            attachments: Vec::new(),
        }))
        .unwrap();
    events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::ReplyRequested { outbound, .. } => Some(outbound.id),
            _ => None,
        })
        .unwrap()
}

fn delivered(desk: &mut TestDesk, outbound: OutboundId, external_id: &str) {
    desk.handle(Input::DeliveryReport {
        outbound,
        outcome: DeliveryOutcome::Delivered {
            external_id: external_id.into(),
        },
    })
    .unwrap();
}

fn undelivered(external_id: &str, outbound: Option<OutboundId>) -> Input {
    Input::Undelivered {
        channel: x(),
        external_id: external_id.into(),
        outbound,
        reason: "Re-engagement message (131047)".into(),
    }
}

fn next_response_open(desk: &TestDesk, conversation: ConversationId) -> bool {
    desk.engine()
        .sla(conversation)
        .and_then(|sla| sla.clock(SlaTarget::NextResponse))
        .is_some_and(|clock| clock.is_open())
}

#[test]
fn a_reply_that_fails_after_the_network_accepted_it_is_recorded_and_the_customer_is_owed_an_answer()
{
    let mut desk = start();
    let conversation = ask(&mut desk, "1861");
    desk.advance(Duration::minutes(10));
    let outbound = answer(&mut desk, conversation, "We are on it. ^AG");
    delivered(&mut desk, outbound, "1862");
    assert!(!next_response_open(&desk, conversation));
    let first_response_at = desk
        .engine()
        .conversation(conversation)
        .unwrap()
        .conversation
        .first_response_at;

    desk.advance(Duration::minutes(3));
    let events = desk.handle(undelivered("1862", None)).unwrap();
    assert_eq!(
        names(&events)[..2],
        ["delivery_failed_late", "sla_clock_started"],
        "{:?}",
        names(&events)
    );
    match &events[0].payload {
        EventPayload::DeliveryFailedLate {
            outbound: failed,
            conversation: of,
            external_id,
            reason,
            first_response,
            ..
        } => {
            assert_eq!(
                (*failed, *of, external_id.as_str()),
                (outbound, conversation, "1862")
            );
            assert_eq!(reason, "Re-engagement message (131047)");
            assert!(*first_response);
        }
        other => panic!("unexpected {other:?}"),
    }
    let view = desk.engine().conversation(conversation).unwrap();
    let reply = view
        .messages
        .iter()
        .find(|m| m.outbound == Some(outbound))
        .unwrap();
    assert!(reply.undelivered);
    // The SLA record stands; a next-response clock runs from the failure.
    assert_eq!(view.conversation.first_response_at, first_response_at);
    assert!(next_response_open(&desk, conversation));

    // The same status again (a webhook redelivered) changes nothing.
    assert!(desk.handle(undelivered("1862", None)).unwrap().is_empty());
    // A network id the engine never recorded is refused.
    assert_eq!(
        desk.handle(undelivered("999", None)).unwrap_err(),
        EngineError::UnknownSentMessage("999".into())
    );
    // The agent answers again: the clock is met.
    desk.advance(Duration::minutes(5));
    let again = answer(
        &mut desk,
        conversation,
        "Sorry, once more: we are on it. ^AG",
    );
    assert!(!next_response_open(&desk, conversation));
    delivered(&mut desk, again, "1863");
    desk.check_replay().unwrap();
}

#[test]
fn a_failure_status_that_overtakes_the_networks_answer_records_the_acceptance_first() {
    let mut desk = start();
    let conversation = ask(&mut desk, "1861");
    let outbound = answer(&mut desk, conversation, "We are on it. ^AG");
    // Without the send, the network id alone is unknown.
    assert_eq!(
        desk.handle(undelivered("1862", None)).unwrap_err(),
        EngineError::UnknownSentMessage("1862".into())
    );
    let events = desk.handle(undelivered("1862", Some(outbound))).unwrap();
    assert_eq!(
        names(&events)[..2],
        ["delivery_succeeded", "delivery_failed_late"]
    );
    // The network's answer, when it arrives, has nothing left to record.
    assert_eq!(
        desk.handle(Input::DeliveryReport {
            outbound,
            outcome: DeliveryOutcome::Delivered {
                external_id: "1862".into()
            },
        })
        .unwrap_err(),
        EngineError::UnknownOutbound(outbound)
    );
    desk.check_replay().unwrap();
}

#[test]
fn a_failed_reply_that_was_followed_by_another_starts_no_clock() {
    let mut desk = start();
    let conversation = ask(&mut desk, "1861");
    let first = answer(&mut desk, conversation, "We are on it. ^AG");
    delivered(&mut desk, first, "1862");
    let second = answer(&mut desk, conversation, "Your bag is in Paris. ^AG");
    delivered(&mut desk, second, "1863");
    let events = desk.handle(undelivered("1862", None)).unwrap();
    assert_eq!(names(&events), ["delivery_failed_late"]);
    let second_failure = desk.handle(undelivered("1863", None)).unwrap();
    assert_eq!(
        names(&second_failure),
        ["delivery_failed_late", "sla_clock_started"]
    );
    assert!(matches!(
        second_failure[0].payload,
        EventPayload::DeliveryFailedLate {
            first_response: false,
            ..
        }
    ));
    desk.check_replay().unwrap();
}

#[test]
fn an_attempt_without_an_outcome_is_in_doubt_until_an_outcome_or_unknown_is_reported() {
    let mut desk = start();
    let conversation = ask(&mut desk, "1861");
    let outbound = answer(&mut desk, conversation, "We are on it. ^AG");
    assert_eq!(desk.engine().sends_in_doubt().count(), 0);
    let events = desk.handle(Input::DeliveryAttempt { outbound }).unwrap();
    assert_eq!(names(&events), ["delivery_attempted"]);
    assert_eq!(
        desk.engine().sends_in_doubt().collect::<Vec<_>>(),
        [outbound]
    );
    // A transient failure is an outcome: no longer in doubt, still owed.
    desk.handle(Input::DeliveryReport {
        outbound,
        outcome: DeliveryOutcome::Failed {
            reason: "503".into(),
            permanent: false,
        },
    })
    .unwrap();
    assert_eq!(desk.engine().sends_in_doubt().count(), 0);
    desk.handle(Input::DeliveryAttempt { outbound }).unwrap();
    let events = desk
        .handle(Input::DeliveryReport {
            outbound,
            outcome: DeliveryOutcome::Unknown {
                reason: "no answer recorded before a restart".into(),
            },
        })
        .unwrap();
    assert_eq!(names(&events), ["delivery_unknown"]);
    assert_eq!(desk.engine().sends_in_doubt().count(), 0);
    // Concluded: no more reports or attempts for it.
    assert_eq!(
        desk.handle(Input::DeliveryAttempt { outbound })
            .unwrap_err(),
        EngineError::UnknownOutbound(outbound)
    );
    desk.check_replay().unwrap();
}

#[test]
fn the_new_delivery_events_round_trip_through_json() {
    let mut desk = start();
    let conversation = ask(&mut desk, "1861");
    let outbound = answer(&mut desk, conversation, "We are on it. ^AG");
    desk.handle(Input::DeliveryAttempt { outbound }).unwrap();
    desk.handle(undelivered("1862", Some(outbound))).unwrap();
    let second = answer(&mut desk, conversation, "Once more. ^AG");
    desk.handle(Input::DeliveryAttempt { outbound: second })
        .unwrap();
    desk.handle(Input::DeliveryReport {
        outbound: second,
        outcome: DeliveryOutcome::Unknown {
            reason: "unknown".into(),
        },
    })
    .unwrap();
    let mut seen = Vec::new();
    for event in desk.events() {
        let back = Event::from_json(&event.to_json().unwrap()).unwrap();
        assert_eq!(&back, event);
        seen.push(event.payload.name());
    }
    for name in [
        "delivery_attempted",
        "delivery_failed_late",
        "delivery_unknown",
    ] {
        assert!(seen.contains(&name), "{name}");
    }
    let input = undelivered("1862", Some(outbound));
    let back: Input = serde_json::from_str(&serde_json::to_string(&input).unwrap()).unwrap();
    assert_eq!(back, input);
}
