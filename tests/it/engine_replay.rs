//! Property: for random input scripts (merges, duplicates, reopenings and
//! errors mixed in), replay rebuilds the live state exactly, the same script
//! yields the same events, and every accepted inbound message is accounted for.

use crate::support::*;
use caredesk::engine::*;
use caredesk::model::*;
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
enum Op {
    Inbound {
        customer: u8,
        whatsapp: bool,
        reuse_id: bool,
        reply_to: Option<u8>,
        empty: bool,
        mention: bool,
        language: u8,
    },
    Reply {
        conversation: u8,
        agent: u8,
        private: bool,
    },
    Note {
        conversation: u8,
        agent: u8,
    },
    Status {
        conversation: u8,
        change: u8,
    },
    Priority {
        conversation: u8,
        priority: u8,
    },
    Transfer {
        conversation: u8,
        agent: Option<u8>,
    },
    Promote {
        conversation: u8,
    },
    AddAgent {
        agent: u8,
        language: u8,
        capacity: u8,
    },
    Presence {
        agent: u8,
        online: bool,
    },
    Link {
        a: u8,
        b: u8,
    },
    Deliver {
        pending: u8,
        ok: bool,
    },
    Advance {
        minutes: u16,
    },
    BackInTime,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..8, any::<bool>(), prop::bool::weighted(0.1), prop::option::weighted(0.3, 0u8..16), prop::bool::weighted(0.05), prop::bool::weighted(0.2), 0u8..3)
            .prop_map(|(customer, whatsapp, reuse_id, reply_to, empty, mention, language)| Op::Inbound { customer, whatsapp, reuse_id, reply_to, empty, mention, language }),
        3 => (0u8..16, 0u8..4, any::<bool>()).prop_map(|(conversation, agent, private)| Op::Reply { conversation, agent, private }),
        1 => (0u8..16, 0u8..4).prop_map(|(conversation, agent)| Op::Note { conversation, agent }),
        3 => (0u8..16, 0u8..6).prop_map(|(conversation, change)| Op::Status { conversation, change }),
        1 => (0u8..16, 0u8..4).prop_map(|(conversation, priority)| Op::Priority { conversation, priority }),
        1 => (0u8..16, prop::option::of(0u8..4)).prop_map(|(conversation, agent)| Op::Transfer { conversation, agent }),
        1 => (0u8..16).prop_map(|conversation| Op::Promote { conversation }),
        1 => (0u8..4, 0u8..3, 1u8..4).prop_map(|(agent, language, capacity)| Op::AddAgent { agent, language, capacity }),
        2 => (0u8..4, any::<bool>()).prop_map(|(agent, online)| Op::Presence { agent, online }),
        1 => (0u8..8, 0u8..8).prop_map(|(a, b)| Op::Link { a, b }),
        2 => (0u8..8, any::<bool>()).prop_map(|(pending, ok)| Op::Deliver { pending, ok }),
        3 => (0u16..3000).prop_map(|minutes| Op::Advance { minutes }),
        1 => Just(Op::BackInTime),
    ]
}

const LANGUAGES: [Language; 3] = [Language::ENGLISH, Language::DUTCH, Language::KOREAN];

fn identity(customer: u8, whatsapp: bool) -> Identity {
    if whatsapp {
        Identity::new(ChannelKind::Whatsapp, format!("+3161000000{customer}"))
    } else {
        Identity::new(ChannelKind::X, format!("@customer{customer}"))
    }
}

/// Runs a script; returns the engine, every event, and how many inputs were refused.
fn run(script: &[Op]) -> (Engine, Vec<Event>, usize) {
    let mut engine = Engine::new(config_with_sla());
    let mut now: DateTime<Utc> = at("2026-11-23T08:00:00Z");
    let mut log: Vec<Event> = Vec::new();
    let mut external = 0u32;
    let mut refused = 0;
    let mut conversations: Vec<ConversationId> = Vec::new();
    let mut pending: Vec<OutboundId> = Vec::new();
    let mut sent_ids: Vec<String> = Vec::new();
    let pick =
        |list: &[ConversationId], n: u8| list.get(usize::from(n) % list.len().max(1)).copied();
    for op in script {
        let input = match op {
            Op::Inbound {
                customer,
                whatsapp,
                reuse_id,
                reply_to,
                empty,
                mention,
                language,
            } => {
                let id = if *reuse_id && external > 0 {
                    external
                } else {
                    external += 1;
                    external
                };
                let channel = if *whatsapp {
                    crate::support::whatsapp()
                } else {
                    x()
                };
                let mut message = InboundMessage::new(
                    channel,
                    id.to_string(),
                    identity(*customer, *whatsapp),
                    if *whatsapp {
                        Visibility::Private
                    } else {
                        Visibility::Public
                    },
                    if *empty { " " } else { "where is my bag?" },
                    now,
                );
                if let Some(r) = reply_to {
                    let pool: Vec<String> = (1..=external)
                        .map(|n| n.to_string())
                        .chain(sent_ids.iter().cloned())
                        .collect();
                    if let Some(parent) = pool.get(usize::from(*r) % pool.len().max(1)) {
                        message = message.in_reply_to(parent.clone());
                    }
                }
                let language = Some(LANGUAGES[usize::from(*language)]);
                Input::Inbound {
                    message,
                    classification: Some(if *mention {
                        Classification::mention(language)
                    } else {
                        Classification::query(language)
                    }),
                }
            }
            Op::Reply {
                conversation,
                agent,
                private,
            } => match pick(&conversations, *conversation) {
                Some(c) => Input::Reply(Reply {
                    conversation: c,
                    agent: agent_id(u128::from(*agent)),
                    visibility: if *private {
                        Visibility::Private
                    } else {
                        Visibility::Public
                    },
                    text: "Let me check that for you ^AG".into(),
                    attachments: Vec::new(),
                }),
                None => Input::Tick,
            },
            Op::Note {
                conversation,
                agent,
            } => match pick(&conversations, *conversation) {
                Some(c) => Input::Note {
                    conversation: c,
                    agent: agent_id(u128::from(*agent)),
                    text: "note".into(),
                },
                None => Input::Tick,
            },
            Op::Status {
                conversation,
                change,
            } => match pick(&conversations, *conversation) {
                Some(c) => Input::SetStatus {
                    conversation: c,
                    change: match change {
                        0 => StatusChange::Pending,
                        1 => StatusChange::Snooze {
                            until: now + Duration::minutes(90),
                        },
                        2 => StatusChange::Resolve,
                        3 => StatusChange::Reopen,
                        4 => StatusChange::Close {
                            reason: CloseReason::ByAgent,
                        },
                        _ => StatusChange::Snooze { until: now },
                    },
                },
                None => Input::Tick,
            },
            Op::Priority {
                conversation,
                priority,
            } => match pick(&conversations, *conversation) {
                Some(c) => Input::SetPriority {
                    conversation: c,
                    priority: [
                        Priority::Low,
                        Priority::Normal,
                        Priority::High,
                        Priority::Urgent,
                    ][usize::from(*priority)],
                },
                None => Input::Tick,
            },
            Op::Transfer {
                conversation,
                agent,
            } => match pick(&conversations, *conversation) {
                Some(c) => Input::Transfer {
                    conversation: c,
                    target: match agent {
                        Some(a) => TransferTarget::Agent {
                            agent: agent_id(u128::from(*a)),
                        },
                        None => TransferTarget::Team {
                            team: TeamId::from_uuid(uuid::Uuid::from_u128(5)),
                        },
                    },
                },
                None => Input::Tick,
            },
            Op::Promote { conversation } => match pick(&conversations, *conversation) {
                Some(c) => Input::PromoteMention { conversation: c },
                None => Input::Tick,
            },
            Op::AddAgent {
                agent,
                language,
                capacity,
            } => {
                let existing = engine.agent(agent_id(u128::from(*agent))).cloned();
                match existing {
                    // Capacity never shrinks below load in these scripts.
                    Some(a) => {
                        Input::UpsertAgent(a.with_language(LANGUAGES[usize::from(*language)], 3))
                    }
                    None => Input::UpsertAgent(crate::support::agent(
                        u128::from(*agent),
                        &[LANGUAGES[usize::from(*language)]],
                        u32::from(*capacity),
                    )),
                }
            }
            Op::Presence { agent, online } => Input::SetPresence {
                agent: agent_id(u128::from(*agent)),
                presence: if *online {
                    Presence::Online
                } else {
                    Presence::Away
                },
            },
            Op::Link { a, b } => Input::LinkIdentities {
                a: identity(*a, false),
                b: identity(*b, true),
            },
            Op::Deliver { pending: n, ok } => {
                match pending.get(usize::from(*n) % pending.len().max(1)) {
                    Some(id) => Input::DeliveryReport {
                        outbound: *id,
                        outcome: if *ok {
                            DeliveryOutcome::Delivered {
                                external_id: format!("sent-{}", id.as_uuid().simple()).into(),
                            }
                        } else {
                            DeliveryOutcome::Failed {
                                reason: "403".into(),
                                permanent: true,
                            }
                        },
                    },
                    None => Input::Tick,
                }
            }
            Op::Advance { minutes } => {
                now += Duration::minutes(i64::from(*minutes));
                Input::Tick
            }
            Op::BackInTime => {
                let earlier = now - Duration::minutes(1);
                if engine.handle(earlier, Input::Tick).is_err() {
                    refused += 1;
                }
                continue;
            }
        };
        match engine.handle(now, input) {
            Ok(events) => {
                for event in &events {
                    match &event.payload {
                        EventPayload::ConversationOpened { conversation, .. } => {
                            conversations.push(*conversation)
                        }
                        EventPayload::ReplyRequested { outbound, .. } => pending.push(outbound.id),
                        EventPayload::DeliverySucceeded {
                            outbound,
                            external_id,
                        } => {
                            pending.retain(|p| p != outbound);
                            sent_ids.push(external_id.to_string());
                        }
                        EventPayload::DeliveryFailed { outbound, .. } => {
                            pending.retain(|p| p != outbound)
                        }
                        EventPayload::ConversationArchived { conversation } => {
                            conversations.retain(|c| c != conversation)
                        }
                        _ => {}
                    }
                }
                log.extend(events);
            }
            Err(_) => refused += 1,
        }
    }
    (engine, log, refused)
}

fn check_accounting(engine: &Engine, log: &[Event]) -> Result<(), TestCaseError> {
    let mut archived = std::collections::BTreeSet::new();
    let mut received: BTreeMap<MessageId, ConversationId> = BTreeMap::new();
    for event in log {
        match &event.payload {
            EventPayload::MessageReceived {
                message,
                conversation,
                ..
            } => {
                prop_assert!(
                    received.insert(*message, *conversation).is_none(),
                    "a message is accepted once"
                );
            }
            EventPayload::ConversationArchived { conversation } => {
                archived.insert(*conversation);
            }
            _ => {}
        }
    }
    for (message, conversation) in &received {
        if archived.contains(conversation) {
            prop_assert!(engine.conversation(*conversation).is_none());
            continue;
        }
        let view = engine.conversation(*conversation);
        prop_assert!(view.is_some(), "message {message} lost its conversation");
        let view = view.unwrap();
        let holders = engine
            .conversations()
            .filter(|c| c.messages.contains(message))
            .count();
        prop_assert_eq!(
            holders,
            1,
            "message {} must be in exactly one conversation",
            message
        );
        prop_assert!(view.messages.iter().any(|m| m.id == *message));
    }
    for agent in engine.agents() {
        let load = engine.agent_load(agent.id).unwrap();
        prop_assert!(
            load <= agent.capacity.total,
            "agent {} over capacity: {} > {}",
            agent.id,
            load,
            agent.capacity.total
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn replay_rebuilds_the_live_state_and_every_message_is_accounted_for(script in prop::collection::vec(op(), 1..80)) {
        let (engine, log, _refused) = run(&script);
        let replayed = Engine::replay(config_with_sla(), log.clone()).expect("replay accepts the log");
        if replayed.state() != engine.state() {
            let live = serde_json::to_string_pretty(engine.state()).unwrap();
            let again = serde_json::to_string_pretty(replayed.state()).unwrap();
            let diff: Vec<String> = live.lines().zip(again.lines()).enumerate().filter(|(_, (a, b))| a != b).take(8).map(|(i, (a, b))| format!("line {i}: live {a} | replayed {b}")).collect();
            prop_assert!(false, "replayed state differs: {:#?}", diff);
        }
        let (_, again, _) = run(&script);
        prop_assert!(again == log, "the same script yields the same events");
        for (index, event) in log.iter().enumerate() {
            prop_assert_eq!(event.seq, index as u64 + 1);
            let json = event.to_json().unwrap();
            let back = Event::from_json(&json).unwrap();
            prop_assert!(&back == event, "JSON round trip changed {}", json);
        }
        check_accounting(&engine, &log)?;
        let snapshot: EngineState = serde_json::from_slice(&serde_json::to_vec(engine.state()).unwrap()).unwrap();
        prop_assert!(&snapshot == engine.state(), "state survives a snapshot round trip");
    }
}
