//! The conversation lifecycle, threading, routing and refusals, rule by rule.

use crate::support::*;
use caredesk::engine::*;
use caredesk::model::*;
use caredesk::testing::TestDesk;
use chrono::Duration;

fn desk() -> TestDesk {
    TestDesk::new(config, at("2026-11-23T08:00:00Z"))
}

fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.payload.name()).collect()
}

fn opened(events: &[Event]) -> ConversationId {
    events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::ConversationOpened { conversation, .. } => Some(*conversation),
            _ => None,
        })
        .expect("a conversation was opened")
}

fn reply(conversation: ConversationId, agent: AgentId, text: &str) -> Input {
    Input::Reply(Reply {
        conversation,
        agent,
        visibility: Visibility::Public,
        text: text.into(),
        attachments: Vec::new(),
    })
}

#[test]
fn new_question_opens_a_conversation_and_waits_in_the_queue() {
    let mut desk = desk();
    let now = desk.now();
    let events = desk
        .handle(inbound(
            tweet("1", "@anna", "Where is my bag?", now),
            Some(Language::ENGLISH),
        ))
        .unwrap();
    assert_eq!(
        names(&events),
        [
            "customer_created",
            "conversation_opened",
            "message_received",
            "conversation_queued"
        ]
    );
    let id = opened(&events);
    let view = desk.engine().conversation(id).unwrap();
    assert_eq!(view.conversation.status, Status::Open);
    assert_eq!(view.messages.len(), 1);
    assert_eq!(desk.engine().queue_position(id), Some(1));
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
}

#[test]
fn waiting_question_goes_to_the_agent_who_speaks_its_language_when_they_come_online() {
    let mut desk = desk();
    let now = desk.now();
    desk.handle(Input::UpsertAgent(
        agent(1, &[Language::ENGLISH], 2).with_presence(Presence::Offline),
    ))
    .unwrap();
    desk.handle(Input::UpsertAgent(agent(2, &[Language::DUTCH], 2)))
        .unwrap();
    let events = desk
        .handle(inbound(
            tweet("1", "@anna", "Where is my bag?", now),
            Some(Language::ENGLISH),
        ))
        .unwrap();
    let id = opened(&events);
    assert_eq!(
        desk.engine()
            .conversation(id)
            .unwrap()
            .conversation
            .assignee,
        None,
        "the Dutch agent does not get it"
    );
    let events = desk
        .handle(Input::SetPresence {
            agent: agent_id(1),
            presence: Presence::Online,
        })
        .unwrap();
    assert_eq!(
        names(&events),
        ["presence_changed", "conversation_assigned"]
    );
    let conversation = desk.engine().conversation(id).unwrap().conversation;
    assert_eq!(conversation.assignee, Some(agent_id(1)));
    assert_eq!(conversation.status, Status::Assigned);
    assert_eq!(desk.engine().agent_conversations(agent_id(1)).count(), 1);
    assert_eq!(desk.engine().queue().count(), 0);
}

#[test]
fn agent_capacity_is_never_exceeded_and_freed_capacity_takes_the_longest_waiting() {
    let mut desk = desk();
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 1)))
        .unwrap();
    let first = opened(
        &desk
            .handle(inbound(
                tweet("1", "@a", "Help?", desk.now()),
                Some(Language::ENGLISH),
            ))
            .unwrap(),
    );
    desk.advance(Duration::minutes(1));
    let second = opened(
        &desk
            .handle(inbound(
                tweet("2", "@b", "Help?", desk.now()),
                Some(Language::ENGLISH),
            ))
            .unwrap(),
    );
    desk.advance(Duration::minutes(1));
    let third = opened(
        &desk
            .handle(inbound(
                tweet("3", "@c", "Help?", desk.now()),
                Some(Language::ENGLISH),
            ))
            .unwrap(),
    );
    assert_eq!(desk.engine().agent_load(agent_id(1)), Some(1));
    assert_eq!(
        desk.engine()
            .queue()
            .map(|q| q.conversation.id)
            .collect::<Vec<_>>(),
        [second, third]
    );
    desk.handle(reply(first, agent_id(1), "Found it!")).unwrap();
    let events = desk
        .handle(Input::SetStatus {
            conversation: first,
            change: StatusChange::Resolve,
        })
        .unwrap();
    assert_eq!(names(&events), ["status_changed", "conversation_assigned"]);
    assert_eq!(
        desk.engine()
            .conversation(second)
            .unwrap()
            .conversation
            .assignee,
        Some(agent_id(1))
    );
    assert_eq!(desk.engine().queue_position(third), Some(1));
}

#[test]
fn higher_priority_jumps_the_queue() {
    let mut desk = desk();
    let a = opened(
        &desk
            .handle(inbound(tweet("1", "@a", "Help?", desk.now()), None))
            .unwrap(),
    );
    let b = opened(
        &desk
            .handle(inbound(tweet("2", "@b", "Help?", desk.now()), None))
            .unwrap(),
    );
    desk.handle(Input::SetPriority {
        conversation: b,
        priority: Priority::Urgent,
    })
    .unwrap();
    assert_eq!(desk.engine().queue_position(b), Some(1));
    assert_eq!(desk.engine().queue_position(a), Some(2));
}

#[test]
fn duplicate_delivery_of_the_same_external_id_is_refused_and_records_nothing() {
    let mut desk = desk();
    let now = desk.now();
    let id = opened(
        &desk
            .handle(inbound(tweet("42", "@anna", "Where is my bag?", now), None))
            .unwrap(),
    );
    let before = desk.engine().state().clone();
    let again = desk.handle(inbound(tweet("42", "@anna", "Where is my bag?", now), None));
    assert_eq!(again, Err(EngineError::DuplicateMessage { existing: id }));
    assert_eq!(desk.engine().state(), &before);
    assert_eq!(desk.events().len(), 4);
}

#[test]
fn a_reply_chain_joins_the_conversation_it_answers() {
    let mut desk = desk();
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 3)))
        .unwrap();
    let id = opened(
        &desk
            .handle(inbound(
                tweet("1", "@anna", "Where is my bag?", desk.now()),
                None,
            ))
            .unwrap(),
    );
    let events = desk
        .handle(reply(id, agent_id(1), "Can you DM us your file reference?"))
        .unwrap();
    let outbound = events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::ReplyRequested { outbound, .. } => Some(outbound.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(outbound.in_reply_to.as_deref(), Some("1"));
    assert_eq!(outbound.recipient, Identity::new(ChannelKind::X, "@anna"));
    desk.handle(Input::DeliveryReport {
        outbound: outbound.id,
        outcome: DeliveryOutcome::Delivered {
            external_id: "900".into(),
        },
    })
    .unwrap();
    desk.advance(Duration::minutes(3));
    let follow_up = tweet("2", "@anna", "Sure, sent!", desk.now()).in_reply_to("900");
    let events = desk.handle(inbound(follow_up, None)).unwrap();
    assert_eq!(names(&events), ["message_received"]);
    let view = desk.engine().conversation(id).unwrap();
    assert_eq!(view.messages.len(), 3);
    assert_eq!(view.conversation.unanswered, 1);
}

#[test]
fn reply_chain_only_threading_starts_a_new_conversation_for_an_unlinked_message() {
    let mut desk = TestDesk::new(
        || config().with_threading(ThreadingPolicy::ReplyChainOnly),
        at("2026-11-23T08:00:00Z"),
    );
    let first = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "Bag lost", desk.now()), None))
            .unwrap(),
    );
    let events = desk
        .handle(inbound(
            tweet("2", "@anna", "Also my seat?", desk.now()),
            None,
        ))
        .unwrap();
    assert_ne!(opened(&events), first);
    let events = desk
        .handle(inbound(
            tweet("3", "@anna", "the bag is blue", desk.now()).in_reply_to("1"),
            None,
        ))
        .unwrap();
    assert_eq!(names(&events), ["message_received"]);
    assert!(desk.engine().conversation(first).unwrap().messages.len() == 2);
}

#[test]
fn a_public_mention_followed_by_a_dm_from_a_linked_identity_is_one_conversation() {
    let mut desk = desk();
    let now = desk.now();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "@KLM my bag!", now), None))
            .unwrap(),
    );
    let dm = InboundMessage::new(
        whatsapp(),
        "wamid.1",
        Identity::new(ChannelKind::Whatsapp, "+31611111111"),
        Visibility::Private,
        "It's Anna from X",
        now,
    );
    desk.handle(Input::LinkIdentities {
        a: Identity::new(ChannelKind::X, "@anna"),
        b: dm.author.clone(),
    })
    .unwrap();
    let events = desk.handle(inbound(dm, None)).unwrap();
    assert_eq!(names(&events), ["message_received"]);
    let view = desk.engine().conversation(id).unwrap();
    assert_eq!(view.messages.len(), 2);
    let customer = desk.engine().customer(view.conversation.customer).unwrap();
    assert_eq!(customer.identities.len(), 2);
}

#[test]
fn linking_identities_of_two_customers_merges_them_into_the_older_one() {
    let mut desk = desk();
    let a = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    let dm = InboundMessage::new(
        whatsapp(),
        "wamid.1",
        Identity::new(ChannelKind::Whatsapp, "+316"),
        Visibility::Private,
        "refund?",
        desk.now(),
    );
    let b = opened(&desk.handle(inbound(dm, None)).unwrap());
    let older = desk.engine().conversation(a).unwrap().conversation.customer;
    let newer = desk.engine().conversation(b).unwrap().conversation.customer;
    let events = desk
        .handle(Input::LinkIdentities {
            a: Identity::new(ChannelKind::Whatsapp, "+316"),
            b: Identity::new(ChannelKind::X, "@anna"),
        })
        .unwrap();
    assert_eq!(names(&events), ["customers_merged"]);
    assert!(desk.engine().customer(newer).is_none());
    let history: Vec<ConversationId> = desk
        .engine()
        .customer_history(older)
        .map(|c| c.id)
        .collect();
    assert_eq!(
        history,
        [a, b],
        "both conversations stay apart, under one customer"
    );
    assert_eq!(
        desk.engine()
            .customer_by_identity(&Identity::new(ChannelKind::Whatsapp, "+316"))
            .unwrap()
            .id,
        older
    );
    assert_eq!(
        desk.engine().conversation(b).unwrap().conversation.customer,
        older
    );
    desk.check_replay().unwrap();
}

#[test]
fn only_the_assignee_may_reply() {
    let mut desk = desk();
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 3)))
        .unwrap();
    desk.handle(Input::UpsertAgent(agent(2, &[Language::ENGLISH], 3)))
        .unwrap();
    let id = opened(
        &desk
            .handle(inbound(
                tweet("1", "@anna", "bag?", desk.now()),
                Some(Language::ENGLISH),
            ))
            .unwrap(),
    );
    assert_eq!(
        desk.engine()
            .conversation(id)
            .unwrap()
            .conversation
            .assignee,
        Some(agent_id(1))
    );
    let refused = desk.handle(reply(id, agent_id(2), "Hi"));
    assert_eq!(
        refused,
        Err(EngineError::NotAssignee {
            agent: agent_id(2),
            conversation: id
        })
    );
}

#[test]
fn an_internal_note_is_not_a_response() {
    let mut desk = desk();
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 3)))
        .unwrap();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    desk.handle(Input::Note {
        conversation: id,
        agent: agent_id(1),
        text: "checking WorldTracer".into(),
    })
    .unwrap();
    let c = desk.engine().conversation(id).unwrap();
    assert_eq!(c.conversation.first_response_at, None);
    assert_eq!(c.conversation.unanswered, 1);
    assert!(c.messages[1].note);
}

#[test]
fn a_customer_message_brings_a_pending_conversation_back_to_its_agent() {
    let mut desk = desk();
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 3)))
        .unwrap();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    desk.handle(reply(id, agent_id(1), "Which flight?"))
        .unwrap();
    desk.handle(Input::SetStatus {
        conversation: id,
        change: StatusChange::Pending,
    })
    .unwrap();
    let events = desk
        .handle(inbound(tweet("2", "@anna", "KL1234", desk.now()), None))
        .unwrap();
    assert_eq!(names(&events), ["message_received", "status_changed"]);
    let c = desk.engine().conversation(id).unwrap().conversation;
    assert_eq!(
        (c.status, c.assignee),
        (Status::Assigned, Some(agent_id(1)))
    );
}

#[test]
fn a_snoozed_conversation_wakes_at_its_deadline() {
    let mut desk = desk();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    let until = desk.now() + Duration::hours(2);
    desk.handle(Input::SetStatus {
        conversation: id,
        change: StatusChange::Snooze { until },
    })
    .unwrap();
    assert_eq!(desk.engine().queue_position(id), None);
    assert_eq!(desk.engine().next_deadline(), Some(until));
    let events = desk.advance(Duration::hours(3));
    assert_eq!(names(&events), ["status_changed", "conversation_queued"]);
    assert_eq!(events[0].at, until, "woken at the exact instant");
    assert_eq!(desk.engine().queue_position(id), Some(1));
}

#[test]
fn a_message_within_the_reopen_window_reopens_and_after_it_starts_anew() {
    let mut desk = desk();
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 3)))
        .unwrap();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    desk.handle(reply(id, agent_id(1), "Delivered tonight"))
        .unwrap();
    desk.handle(Input::SetStatus {
        conversation: id,
        change: StatusChange::Resolve,
    })
    .unwrap();
    assert_eq!(desk.engine().agent_load(agent_id(1)), Some(0));
    desk.advance(Duration::hours(10));
    let events = desk
        .handle(inbound(
            tweet("2", "@anna", "It did not come", desk.now()),
            None,
        ))
        .unwrap();
    assert_eq!(
        names(&events),
        [
            "status_changed",
            "message_received",
            "conversation_queued",
            "conversation_assigned"
        ]
    );
    desk.handle(Input::SetStatus {
        conversation: id,
        change: StatusChange::Resolve,
    })
    .unwrap();
    let events = desk.advance(Duration::hours(73));
    assert!(events.iter().any(|e| matches!(
        e.payload,
        EventPayload::StatusChanged {
            to: Status::Closed {
                reason: CloseReason::Resolved
            },
            ..
        }
    )));
    let events = desk
        .handle(inbound(
            tweet("3", "@anna", "New question", desk.now()),
            None,
        ))
        .unwrap();
    assert_ne!(opened(&events), id);
    desk.check_replay().unwrap();
}

#[test]
fn unanswered_mentions_close_after_the_listening_window_and_leave_the_hot_state() {
    let mut desk = desk();
    let mention = Input::Inbound {
        message: tweet("1", "@fan", "Lovely flight with @KLM today", desk.now()),
        classification: Some(Classification::mention(Some(Language::ENGLISH))),
    };
    let id = opened(&desk.handle(mention).unwrap());
    assert_eq!(desk.engine().queue().count(), 0, "mentions are not queued");
    let events = desk.advance(Duration::hours(25));
    assert_eq!(names(&events), ["status_changed"]);
    assert!(matches!(
        desk.engine().conversation(id).unwrap().conversation.status,
        Status::Closed {
            reason: CloseReason::NoResponseNeeded
        }
    ));
    let events = desk.advance(Duration::hours(25));
    assert_eq!(names(&events), ["conversation_archived"]);
    assert!(desk.engine().conversation(id).is_none());
    assert_eq!(desk.engine().archived_count(), 1);
    assert!(
        desk.engine()
            .customer_by_identity(&Identity::new(ChannelKind::X, "@fan"))
            .is_none(),
        "memory follows open work"
    );
    desk.check_replay().unwrap();
}

#[test]
fn replying_to_a_mention_promotes_it_to_a_query() {
    let mut desk = desk();
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 3)))
        .unwrap();
    let mention = Input::Inbound {
        message: tweet("1", "@fan", "Flying @KLM tomorrow", desk.now()),
        classification: Some(Classification::mention(None)),
    };
    let id = opened(&desk.handle(mention).unwrap());
    let events = desk
        .handle(reply(id, agent_id(1), "Have a good trip!"))
        .unwrap();
    assert_eq!(
        names(&events),
        [
            "mention_promoted",
            "conversation_assigned",
            "reply_requested"
        ]
    );
    assert_eq!(
        desk.engine().conversation(id).unwrap().conversation.kind,
        Kind::Query
    );
}

#[test]
fn transfer_to_a_team_requeues_for_that_team_only() {
    let mut desk = desk();
    let baggage = TeamId::from_uuid(uuid::Uuid::from_u128(0xBA66));
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 3)))
        .unwrap();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    let events = desk
        .handle(Input::Transfer {
            conversation: id,
            target: TransferTarget::Team { team: baggage },
        })
        .unwrap();
    assert_eq!(
        names(&events),
        ["conversation_transferred", "conversation_queued"]
    );
    assert_eq!(desk.engine().agent_load(agent_id(1)), Some(0));
    let events = desk
        .handle(Input::UpsertAgent(
            agent(2, &[Language::ENGLISH], 3).with_team(baggage),
        ))
        .unwrap();
    assert_eq!(names(&events), ["agent_added", "conversation_assigned"]);
    assert_eq!(
        desk.engine()
            .conversation(id)
            .unwrap()
            .conversation
            .assignee,
        Some(agent_id(2))
    );
}

#[test]
fn invalid_transitions_are_refused_and_change_nothing() {
    let mut desk = desk();
    let id = opened(
        &desk
            .handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
            .unwrap(),
    );
    let before = desk.engine().state().clone();
    assert_eq!(
        desk.handle(Input::SetStatus {
            conversation: id,
            change: StatusChange::Reopen
        }),
        Err(EngineError::InvalidTransition {
            from: Status::Open,
            to: "open"
        })
    );
    desk.handle(Input::SetStatus {
        conversation: id,
        change: StatusChange::Close {
            reason: CloseReason::Spam,
        },
    })
    .unwrap();
    let closed = desk.engine().state().clone();
    assert!(matches!(
        desk.handle(Input::SetStatus {
            conversation: id,
            change: StatusChange::Resolve
        }),
        Err(EngineError::InvalidTransition { to: "resolved", .. })
    ));
    assert_eq!(desk.engine().state(), &closed);
    assert_ne!(&before, &closed);
}

#[test]
fn bad_inputs_get_typed_errors_and_leave_the_engine_unchanged() {
    let mut desk = desk();
    desk.handle(inbound(tweet("1", "@anna", "bag?", desk.now()), None))
        .unwrap();
    let before = desk.engine().state().clone();
    let now = desk.now();
    assert_eq!(
        desk.handle(inbound(tweet("2", "@anna", "   ", now), None)),
        Err(EngineError::EmptyMessage)
    );
    assert_eq!(
        desk.handle(inbound(tweet("3", "@anna", &"x".repeat(70_000), now), None)),
        Err(EngineError::TextTooLong {
            bytes: 70_000,
            limit: 65_536
        })
    );
    let elsewhere = InboundMessage::new(
        ChannelRef::new(ChannelKind::X, "@other"),
        "4",
        Identity::new(ChannelKind::X, "@anna"),
        Visibility::Public,
        "hi",
        now,
    );
    assert!(matches!(
        desk.handle(inbound(elsewhere, None)),
        Err(EngineError::UnknownChannel(_))
    ));
    assert_eq!(
        desk.handle(inbound(tweet(" ", "@anna", "hi", now), None)),
        Err(EngineError::MissingExternalId)
    );
    let ghost = ConversationId::from_uuid(uuid::Uuid::from_u128(1));
    assert_eq!(
        desk.handle(Input::Tag {
            conversation: ghost,
            tag: "x".into()
        }),
        Err(EngineError::UnknownConversation(ghost))
    );
    assert_eq!(
        desk.handle(Input::SetPresence {
            agent: agent_id(9),
            presence: Presence::Online
        }),
        Err(EngineError::UnknownAgent(agent_id(9)))
    );
    let bad_agent = Agent {
        capacity: Capacity::total(0),
        ..agent(3, &[Language::ENGLISH], 1)
    };
    assert_eq!(
        desk.handle(Input::UpsertAgent(bad_agent)),
        Err(EngineError::InvalidAgent(ModelError::ZeroCapacity))
    );
    let mut engine = desk.replayed().unwrap();
    assert!(matches!(
        engine.handle(now - Duration::seconds(1), Input::Tick),
        Err(EngineError::ClockWentBackwards { .. })
    ));
    assert_eq!(desk.engine().state(), &before);
}

#[test]
fn public_replies_are_refused_on_a_channel_without_them() {
    let mut desk = desk();
    desk.handle(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 3)))
        .unwrap();
    let dm = InboundMessage::new(
        whatsapp(),
        "wamid.1",
        Identity::new(ChannelKind::Whatsapp, "+316"),
        Visibility::Private,
        "refund?",
        desk.now(),
    );
    let id = opened(&desk.handle(inbound(dm, None)).unwrap());
    assert_eq!(
        desk.handle(reply(id, agent_id(1), "hi")),
        Err(EngineError::VisibilityNotSupported("public"))
    );
}

#[test]
fn the_engine_runs_triage_on_unclassified_messages_and_records_its_verdict() {
    let make = || {
        let triage = caredesk::triage::Triage::new(
            caredesk::triage::TriageSettings::default().with_brand_handle("@KLM"),
        )
        .unwrap();
        config().with_classifier(Box::new(triage))
    };
    let mut desk = TestDesk::new(make, at("2026-11-23T08:00:00Z"));
    let chatter = tweet(
        "1",
        "@fan",
        "What a beautiful sunset from the plane window 😍",
        desk.now(),
    );
    let events = desk
        .handle(Input::Inbound {
            message: chatter,
            classification: None,
        })
        .unwrap();
    assert_eq!(
        names(&events),
        [
            "customer_created",
            "conversation_opened",
            "message_received"
        ],
        "a mention is not queued"
    );
    let question = tweet(
        "2",
        "@anna",
        "@KLM mijn koffer is niet aangekomen, boekingscode X7KQ2P",
        desk.now(),
    );
    let events = desk
        .handle(Input::Inbound {
            message: question,
            classification: None,
        })
        .unwrap();
    let classification = events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::MessageReceived { classification, .. } => Some(classification.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(classification.kind, Kind::Query);
    assert_eq!(classification.language, Some(Language::DUTCH));
    assert_eq!(classification.intents, vec![Intent::baggage()]);
    assert_eq!(
        classification.pii.first().map(|p| p.kind),
        Some(PiiKind::BookingCode)
    );
    let conversation = desk
        .engine()
        .conversation(opened(&events))
        .unwrap()
        .conversation;
    assert!(
        conversation.suggest_private,
        "a booking code in public suggests moving to a private message"
    );
    assert_eq!(conversation.language, Some(Language::DUTCH));
    desk.check_replay().unwrap();
}

#[test]
fn conversation_times_read_to_the_microsecond_while_events_keep_the_exact_time() {
    let start = at("2026-11-23T08:00:00Z") + Duration::nanoseconds(123_456_789);
    let mut desk = TestDesk::new(config, start);
    let events = desk
        .handle(inbound(
            tweet("1", "@anna", "Where is my bag?", start),
            Some(Language::ENGLISH),
        ))
        .unwrap();
    assert!(
        events.iter().all(|e| e.at == start),
        "events keep nanoseconds"
    );
    let id = opened(&events);
    let view = desk.engine().conversation(id).unwrap();
    let cut = at("2026-11-23T08:00:00.123456Z");
    assert_eq!(view.conversation.opened_at, cut);
    assert_eq!(view.conversation.last_customer_message_at, cut);
    assert_eq!(view.messages[0].at, start, "a message keeps its exact time");
    desk.advance(Duration::nanoseconds(999));
    desk.handle(Input::SetStatus {
        conversation: id,
        change: StatusChange::Resolve,
    })
    .unwrap();
    let view = desk.engine().conversation(id).unwrap();
    assert_eq!(
        view.conversation.resolved_at,
        Some(at("2026-11-23T08:00:00.123457Z")),
        "123,456,789 + 999 ns is cut to 123,457 µs"
    );
    desk.check_replay().unwrap();
    desk.check_invariants().unwrap();
}
