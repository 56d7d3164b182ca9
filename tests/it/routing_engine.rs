//! Routing inside the engine: every decision is an event, timers come from
//! `next_deadline`, and replay rebuilds the same assignments. Scenario tests
//! are named after the rule they check; the property test runs random
//! scripts and checks the invariants after every input.

use crate::support::{agent, agent_id, at, config, inbound, tweet};
use caredesk::engine::{
    EngineConfig, EngineError, Event, EventPayload, Input, Reply, RoutingSetup, StatusChange,
};
use caredesk::model::{
    Agent, AgentId, Classification, ConversationId, Intent, Language, Presence, Priority, Skill,
    Visibility,
};
use caredesk::routing::{
    BaseStrategy, OfferMode, OfflinePolicy, RelaxationStep, RouteState, RouterConfig,
    RoutingStrategy, Shift, ShiftInterval,
};
use caredesk::testing::TestDesk;
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    at("2026-06-01T08:00:00Z")
}

fn desk_with(router: RouterConfig) -> TestDesk {
    let routing = RoutingSetup::new(router.clone()).expect("valid router configuration");
    TestDesk::new(move || config().with_routing(routing.clone()), t0())
}

fn desk_with_setup(routing: RoutingSetup) -> TestDesk {
    TestDesk::new(move || config().with_routing(routing.clone()), t0())
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

fn assigned(events: &[Event]) -> Vec<(ConversationId, AgentId)> {
    events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::ConversationAssigned {
                conversation,
                agent,
            } => Some((*conversation, *agent)),
            _ => None,
        })
        .collect()
}

fn offers(events: &[Event]) -> Vec<(ConversationId, AgentId)> {
    events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::OfferMade {
                conversation,
                agent,
                ..
            } => Some((*conversation, *agent)),
            _ => None,
        })
        .collect()
}

/// A question in `language` from `handle`; returns its conversation and the events.
fn ask(
    desk: &mut TestDesk,
    id: &str,
    handle: &str,
    language: Language,
) -> (ConversationId, Vec<Event>) {
    let now = desk.now();
    let events = desk
        .handle(inbound(
            tweet(id, handle, "Where is my bag?", now),
            Some(language),
        ))
        .expect("accepted");
    (opened(&events), events)
}

fn add(desk: &mut TestDesk, agent: Agent) {
    desk.handle(Input::UpsertAgent(agent))
        .expect("agent accepted");
}

fn reply(conversation: ConversationId, agent: AgentId) -> Input {
    Input::Reply(Reply {
        conversation,
        agent,
        visibility: Visibility::Public,
        text: "We are on it.".into(),
        attachments: Vec::new(),
    })
}

fn resolve(conversation: ConversationId) -> Input {
    Input::SetStatus {
        conversation,
        change: StatusChange::Resolve,
    }
}

/// The agent answers, resolves and closes the conversation.
fn answer_and_close(desk: &mut TestDesk, conversation: ConversationId, agent: AgentId) {
    desk.handle(reply(conversation, agent)).unwrap();
    desk.handle(resolve(conversation)).unwrap();
    desk.handle(Input::SetStatus {
        conversation,
        change: StatusChange::Close {
            reason: caredesk::model::CloseReason::Resolved,
        },
    })
    .unwrap();
}

fn route_state(desk: &TestDesk, conversation: ConversationId) -> Option<RouteState> {
    desk.engine().router().state(conversation)
}

// ---------------------------------------------------------------------------
// Strategies

#[test]
fn arriving_question_goes_to_the_least_loaded_agent_who_speaks_its_language() {
    let mut desk = desk_with(RouterConfig::default());
    add(&mut desk, agent(1, &[Language::ENGLISH], 4));
    add(&mut desk, agent(2, &[Language::DUTCH], 4));
    add(&mut desk, agent(3, &[Language::DUTCH], 4));
    let (first, events) = ask(&mut desk, "1", "@anna", Language::DUTCH);
    assert_eq!(assigned(&events), vec![(first, agent_id(2))]);
    let (second, events) = ask(&mut desk, "2", "@bram", Language::DUTCH);
    assert_eq!(
        assigned(&events),
        vec![(second, agent_id(3))],
        "agent 3 is less loaded now"
    );
    desk.check_replay().unwrap();
}

#[test]
fn round_robin_spreads_arrivals_evenly_whatever_the_load() {
    let mut desk = desk_with(RouterConfig {
        strategy: RoutingStrategy::RoundRobin,
        ..RouterConfig::default()
    });
    for n in 1..=3 {
        add(&mut desk, agent(n, &[Language::ENGLISH], 10));
    }
    let mut counts = [0usize; 3];
    for i in 0..9 {
        let (_, events) = ask(
            &mut desk,
            &i.to_string(),
            &format!("@c{i}"),
            Language::ENGLISH,
        );
        let (_, who) = assigned(&events)[0];
        let index = (1..=3).position(|n| agent_id(n) == who).unwrap();
        counts[index] += 1;
    }
    assert_eq!(counts, [3, 3, 3]);
    desk.check_replay().unwrap();
}

#[test]
fn longest_idle_gives_work_to_the_agent_idle_longest() {
    let mut desk = desk_with(RouterConfig {
        strategy: RoutingStrategy::LongestIdle,
        ..RouterConfig::default()
    });
    add(&mut desk, agent(1, &[Language::ENGLISH], 2));
    add(&mut desk, agent(2, &[Language::ENGLISH], 2));
    let (a, events) = ask(&mut desk, "1", "@a", Language::ENGLISH);
    assert_eq!(assigned(&events), vec![(a, agent_id(1))]);
    desk.advance(Duration::minutes(5));
    let (b, events) = ask(&mut desk, "2", "@b", Language::ENGLISH);
    assert_eq!(assigned(&events), vec![(b, agent_id(2))]);
    desk.advance(Duration::minutes(5));
    // Agent 1 finishes first: idle since minute 10; agent 2 at minute 15.
    desk.handle(reply(a, agent_id(1))).unwrap();
    desk.handle(resolve(a)).unwrap();
    desk.advance(Duration::minutes(5));
    desk.handle(reply(b, agent_id(2))).unwrap();
    desk.handle(resolve(b)).unwrap();
    let (c, events) = ask(&mut desk, "3", "@c", Language::ENGLISH);
    assert_eq!(assigned(&events), vec![(c, agent_id(1))]);
    desk.check_replay().unwrap();
}

#[test]
fn sticky_returns_the_customer_to_their_last_agent_and_falls_back_after_the_wait() {
    let mut desk = desk_with(RouterConfig {
        strategy: RoutingStrategy::Sticky {
            window_secs: 7 * 24 * 3600,
            wait_secs: 120,
            fallback: BaseStrategy::LeastLoaded,
        },
        ..RouterConfig::default()
    });
    add(&mut desk, agent(1, &[Language::ENGLISH], 1));
    add(&mut desk, agent(2, &[Language::ENGLISH], 1));
    let (first, events) = ask(&mut desk, "1", "@anna", Language::ENGLISH);
    assert_eq!(assigned(&events), vec![(first, agent_id(1))]);
    answer_and_close(&mut desk, first, agent_id(1));
    // Agent 1 is busy with someone else when Anna writes again.
    let (other, events) = ask(&mut desk, "2", "@bram", Language::ENGLISH);
    assert_eq!(assigned(&events), vec![(other, agent_id(1))]);
    let (again, events) = ask(&mut desk, "3", "@anna", Language::ENGLISH);
    assert!(
        assigned(&events).is_empty(),
        "held for agent 1 although agent 2 is free"
    );
    assert!(matches!(
        route_state(&desk, again),
        Some(RouteState::Held { .. })
    ));
    // After the two-minute wait it goes to whoever is free.
    let events = desk.advance(Duration::minutes(2));
    assert!(names(&events).contains(&"hold_ended"));
    assert_eq!(assigned(&events), vec![(again, agent_id(2))]);
    desk.check_replay().unwrap();
}

#[test]
fn sticky_hold_is_served_as_soon_as_the_agent_frees_capacity() {
    let mut desk = desk_with(RouterConfig {
        strategy: RoutingStrategy::Sticky {
            window_secs: 3600,
            wait_secs: 600,
            fallback: BaseStrategy::LeastLoaded,
        },
        ..RouterConfig::default()
    });
    add(&mut desk, agent(1, &[Language::ENGLISH], 1));
    add(&mut desk, agent(2, &[Language::ENGLISH], 1));
    let (first, _) = ask(&mut desk, "1", "@anna", Language::ENGLISH);
    answer_and_close(&mut desk, first, agent_id(1));
    let (busy, _) = ask(&mut desk, "2", "@bram", Language::ENGLISH);
    let (again, _) = ask(&mut desk, "3", "@anna", Language::ENGLISH);
    desk.advance(Duration::minutes(1));
    desk.handle(reply(busy, agent_id(1))).unwrap();
    let events = desk.handle(resolve(busy)).unwrap();
    assert_eq!(assigned(&events), vec![(again, agent_id(1))]);
    desk.check_replay().unwrap();
}

// ---------------------------------------------------------------------------
// Requirements, queues and relaxation

#[test]
fn required_skill_from_an_intent_routes_only_to_skilled_agents() {
    let routing = RoutingSetup::new(RouterConfig::default())
        .unwrap()
        .with_required_skill("baggage", Skill::new("baggage"), 3);
    let mut desk = desk_with_setup(routing);
    add(&mut desk, agent(1, &[Language::ENGLISH], 4));
    add(
        &mut desk,
        agent(2, &[Language::ENGLISH], 4).with_skill(Skill::new("baggage"), 4),
    );
    let now = desk.now();
    let mut classification = Classification::query(Some(Language::ENGLISH));
    classification.intents.push(Intent::new("baggage"));
    let events = desk
        .handle(Input::Inbound {
            message: tweet("1", "@anna", "My suitcase is lost", now),
            classification: Some(classification),
        })
        .unwrap();
    let conversation = opened(&events);
    assert_eq!(assigned(&events), vec![(conversation, agent_id(2))]);
    let requirements = desk.engine().router().requirements(conversation).unwrap();
    assert_eq!(
        requirements.required_skills,
        vec![(Skill::new("baggage"), 3)]
    );
    desk.check_replay().unwrap();
}

#[test]
fn relaxation_steps_are_events_and_a_second_language_agent_takes_it_after_fifteen_minutes() {
    let mut desk = desk_with(RouterConfig {
        default_relaxation: RelaxationStep::airline_default(),
        ..RouterConfig::default()
    });
    let mut learner = agent(1, &[Language::ENGLISH], 2);
    learner.languages.insert(Language::DUTCH, 3);
    add(&mut desk, learner);
    let (dutch, events) = ask(&mut desk, "1", "@anna", Language::DUTCH);
    assert!(assigned(&events).is_empty(), "no native Dutch speaker");
    let events = desk.advance(Duration::minutes(5));
    assert_eq!(names(&events), vec!["requirements_relaxed"]);
    let events = desk.advance(Duration::minutes(10));
    assert_eq!(
        names(&events),
        vec!["requirements_relaxed", "conversation_assigned"]
    );
    assert_eq!(events[0].at, t0() + Duration::minutes(15));
    assert_eq!(assigned(&events), vec![(dutch, agent_id(1))]);
    desk.check_replay().unwrap();
}

#[test]
fn waiting_queue_is_ordered_by_priority_then_sla_deadline_then_arrival() {
    let mut desk = desk_with(RouterConfig::default());
    let (a, _) = ask(&mut desk, "1", "@a", Language::ENGLISH);
    desk.advance(Duration::minutes(1));
    let (b, _) = ask(&mut desk, "2", "@b", Language::ENGLISH);
    desk.advance(Duration::minutes(1));
    let (c, _) = ask(&mut desk, "3", "@c", Language::ENGLISH);
    desk.handle(Input::SetPriority {
        conversation: c,
        priority: Priority::Urgent,
    })
    .unwrap();
    let order: Vec<_> = desk.engine().queue().map(|e| e.conversation.id).collect();
    assert_eq!(order, vec![c, a, b]);
    assert_eq!(desk.engine().queue_position(b), Some(3));
    add(&mut desk, agent(1, &[Language::ENGLISH], 1));
    assert_eq!(
        desk.engine().conversation(c).unwrap().conversation.assignee,
        Some(agent_id(1))
    );
    desk.check_replay().unwrap();
}

// ---------------------------------------------------------------------------
// Offers and pull

fn push(away_after_missed: u32) -> RouterConfig {
    RouterConfig {
        offers: OfferMode::Push {
            timeout_secs: 60,
            away_after_missed,
        },
        ..RouterConfig::default()
    }
}

#[test]
fn an_accepted_offer_becomes_an_assignment() {
    let mut desk = desk_with(push(0));
    add(&mut desk, agent(1, &[Language::ENGLISH], 1));
    let (c, events) = ask(&mut desk, "1", "@a", Language::ENGLISH);
    assert_eq!(offers(&events), vec![(c, agent_id(1))]);
    assert_eq!(
        desk.engine().conversation(c).unwrap().conversation.assignee,
        None
    );
    let events = desk
        .handle(Input::AcceptOffer {
            conversation: c,
            agent: agent_id(1),
        })
        .unwrap();
    assert_eq!(names(&events)[0], "offer_accepted");
    assert_eq!(
        desk.engine().conversation(c).unwrap().conversation.assignee,
        Some(agent_id(1))
    );
    let again = desk.handle(Input::AcceptOffer {
        conversation: c,
        agent: agent_id(1),
    });
    assert!(matches!(again, Err(EngineError::NoOffer { .. })));
    desk.check_replay().unwrap();
}

#[test]
fn offer_timeout_goes_to_the_next_candidate_and_missed_offers_set_the_agent_away() {
    let mut desk = desk_with(push(2));
    add(&mut desk, agent(1, &[Language::ENGLISH], 1));
    add(&mut desk, agent(2, &[Language::ENGLISH], 1));
    let (a, events) = ask(&mut desk, "1", "@a", Language::ENGLISH);
    assert_eq!(offers(&events), vec![(a, agent_id(1))]);
    let events = desk.advance(Duration::seconds(60));
    assert_eq!(names(&events), vec!["offer_expired", "offer_made"]);
    assert_eq!(offers(&events), vec![(a, agent_id(2))]);
    desk.handle(Input::AcceptOffer {
        conversation: a,
        agent: agent_id(2),
    })
    .unwrap();
    let (b, events) = ask(&mut desk, "2", "@b", Language::ENGLISH);
    assert_eq!(offers(&events), vec![(b, agent_id(1))]);
    let events = desk.advance(Duration::seconds(60));
    // Second miss in a row: agent 1 is set away; nobody else has room.
    assert_eq!(names(&events), vec!["offer_expired", "presence_changed"]);
    assert_eq!(
        desk.engine().agent(agent_id(1)).unwrap().presence,
        Presence::Away
    );
    assert_eq!(route_state(&desk, b), Some(RouteState::Waiting));
    desk.check_replay().unwrap();
}

#[test]
fn a_declined_offer_goes_to_the_next_agent_and_never_back() {
    let mut desk = desk_with(push(0));
    add(&mut desk, agent(1, &[Language::ENGLISH], 2));
    add(&mut desk, agent(2, &[Language::ENGLISH], 2));
    let (c, _) = ask(&mut desk, "1", "@a", Language::ENGLISH);
    let events = desk
        .handle(Input::DeclineOffer {
            conversation: c,
            agent: agent_id(1),
        })
        .unwrap();
    assert_eq!(offers(&events), vec![(c, agent_id(2))]);
    let events = desk
        .handle(Input::DeclineOffer {
            conversation: c,
            agent: agent_id(2),
        })
        .unwrap();
    assert!(offers(&events).is_empty(), "both declined: it waits");
    assert_eq!(route_state(&desk, c), Some(RouteState::Waiting));
    desk.check_replay().unwrap();
}

#[test]
fn in_pull_mode_nothing_is_pushed_and_an_agent_takes_the_first_waiting_conversation_they_may_serve()
{
    let mut desk = desk_with(RouterConfig {
        offers: OfferMode::Pull,
        ..RouterConfig::default()
    });
    add(&mut desk, agent(1, &[Language::DUTCH], 2));
    let (english, events) = ask(&mut desk, "1", "@a", Language::ENGLISH);
    assert!(assigned(&events).is_empty() && offers(&events).is_empty());
    desk.advance(Duration::minutes(1));
    let (first_dutch, _) = ask(&mut desk, "2", "@b", Language::DUTCH);
    desk.advance(Duration::minutes(1));
    let (second_dutch, events) = ask(&mut desk, "3", "@c", Language::DUTCH);
    assert!(assigned(&events).is_empty(), "pull mode pushes nothing");
    let events = desk
        .handle(Input::RequestNext { agent: agent_id(1) })
        .unwrap();
    assert_eq!(assigned(&events), vec![(first_dutch, agent_id(1))]);
    let events = desk
        .handle(Input::RequestNext { agent: agent_id(1) })
        .unwrap();
    assert_eq!(assigned(&events), vec![(second_dutch, agent_id(1))]);
    let events = desk
        .handle(Input::RequestNext { agent: agent_id(1) })
        .unwrap();
    assert!(
        assigned(&events).is_empty(),
        "full, and English is not theirs"
    );
    assert_eq!(route_state(&desk, english), Some(RouteState::Waiting));
    desk.check_replay().unwrap();
}

// ---------------------------------------------------------------------------
// Presence, shifts and the offline policy

#[test]
fn going_offline_under_the_requeue_policy_puts_conversations_back_with_their_arrival() {
    let mut desk = desk_with(RouterConfig {
        offline: OfflinePolicy::Requeue,
        ..RouterConfig::default()
    });
    add(&mut desk, agent(1, &[Language::ENGLISH], 2));
    let (a, _) = ask(&mut desk, "1", "@a", Language::ENGLISH);
    desk.advance(Duration::minutes(3));
    let events = desk
        .handle(Input::SetPresence {
            agent: agent_id(1),
            presence: Presence::Offline,
        })
        .unwrap();
    assert_eq!(
        names(&events)[..2],
        ["presence_changed", "conversation_released"]
    );
    let view = desk.engine().conversation(a).unwrap();
    assert_eq!(view.conversation.assignee, None);
    assert_eq!(route_state(&desk, a), Some(RouteState::Waiting));
    assert_eq!(
        desk.engine().router().arrival(a),
        Some(t0()),
        "kept its place"
    );
    add(&mut desk, agent(2, &[Language::ENGLISH], 2));
    assert_eq!(
        desk.engine().conversation(a).unwrap().conversation.assignee,
        Some(agent_id(2))
    );
    desk.check_replay().unwrap();
}

#[test]
fn going_offline_under_the_keep_policy_leaves_conversations_with_their_agent() {
    let mut desk = desk_with(RouterConfig::default());
    add(&mut desk, agent(1, &[Language::ENGLISH], 2));
    let (a, _) = ask(&mut desk, "1", "@a", Language::ENGLISH);
    let events = desk
        .handle(Input::SetPresence {
            agent: agent_id(1),
            presence: Presence::Offline,
        })
        .unwrap();
    assert_eq!(names(&events), vec!["presence_changed"]);
    assert_eq!(
        desk.engine().conversation(a).unwrap().conversation.assignee,
        Some(agent_id(1))
    );
    desk.check_replay().unwrap();
}

#[test]
fn an_agent_gets_work_only_on_shift_and_the_boundaries_are_events() {
    let mut desk = desk_with(RouterConfig::default());
    add(&mut desk, agent(1, &[Language::ENGLISH], 2));
    desk.handle(Input::SetShift {
        agent: agent_id(1),
        shift: Shift::Intervals(vec![ShiftInterval {
            start: t0() + Duration::hours(1),
            end: t0() + Duration::hours(9),
        }]),
    })
    .unwrap();
    let (a, events) = ask(&mut desk, "1", "@a", Language::ENGLISH);
    assert!(assigned(&events).is_empty(), "off shift");
    let events = desk.advance(Duration::hours(1));
    assert_eq!(
        names(&events),
        vec!["shift_boundary", "conversation_assigned"]
    );
    assert_eq!(assigned(&events), vec![(a, agent_id(1))]);
    let events = desk.advance(Duration::hours(8));
    assert_eq!(names(&events), vec!["shift_boundary"]);
    let (b, events) = ask(&mut desk, "2", "@b", Language::ENGLISH);
    assert!(assigned(&events).is_empty());
    assert_eq!(route_state(&desk, b), Some(RouteState::Waiting));
    desk.check_replay().unwrap();
}

// ---------------------------------------------------------------------------
// Collisions

#[test]
fn a_reply_by_another_agent_is_refused_unless_they_are_a_supervisor() {
    let mut desk = desk_with(RouterConfig::default());
    add(&mut desk, agent(1, &[Language::ENGLISH], 1));
    add(&mut desk, agent(2, &[Language::ENGLISH], 1).as_supervisor());
    add(&mut desk, agent(3, &[Language::ENGLISH], 1));
    let (a, _) = ask(&mut desk, "1", "@a", Language::ENGLISH);
    assert_eq!(
        desk.engine().conversation(a).unwrap().conversation.assignee,
        Some(agent_id(1))
    );
    let refused = desk.handle(reply(a, agent_id(3)));
    assert!(matches!(refused, Err(EngineError::NotAssignee { .. })));
    let events = desk.handle(reply(a, agent_id(2))).unwrap();
    assert_eq!(
        names(&events)[..2],
        ["collision_allowed", "reply_requested"]
    );
    assert_eq!(
        desk.engine().conversation(a).unwrap().conversation.assignee,
        Some(agent_id(1)),
        "the assignee keeps it"
    );
    desk.check_replay().unwrap();
}

// ---------------------------------------------------------------------------
// Properties over random scripts

#[derive(Debug, Clone)]
enum Step {
    Arrive {
        language: u8,
        private: bool,
    },
    Reply {
        pick: usize,
    },
    Resolve {
        pick: usize,
    },
    Presence {
        agent: u8,
        presence: u8,
    },
    Decline {
        pick: usize,
    },
    Accept {
        pick: usize,
    },
    Shift {
        agent: u8,
        start_min: i64,
        len_min: i64,
    },
    Wait {
        seconds: i64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..3, any::<bool>()).prop_map(|(language, private)| Step::Arrive { language, private }),
        2 => any::<usize>().prop_map(|pick| Step::Reply { pick }),
        3 => any::<usize>().prop_map(|pick| Step::Resolve { pick }),
        2 => (0u8..4, 0u8..4).prop_map(|(agent, presence)| Step::Presence { agent, presence }),
        1 => any::<usize>().prop_map(|pick| Step::Decline { pick }),
        1 => any::<usize>().prop_map(|pick| Step::Accept { pick }),
        1 => (0u8..4, 0i64..120, 1i64..240).prop_map(|(agent, start_min, len_min)| Step::Shift { agent, start_min, len_min }),
        3 => (1i64..900).prop_map(|seconds| Step::Wait { seconds }),
    ]
}

const LANGUAGES: [Language; 3] = [Language::ENGLISH, Language::DUTCH, Language::JAPANESE];

fn script_config(strategy: u8, push_mode: bool, requeue: bool) -> EngineConfig {
    let strategy = match strategy % 4 {
        0 => RoutingStrategy::LeastLoaded,
        1 => RoutingStrategy::RoundRobin,
        2 => RoutingStrategy::LongestIdle,
        _ => RoutingStrategy::Sticky {
            window_secs: 3600,
            wait_secs: 90,
            fallback: BaseStrategy::LeastLoaded,
        },
    };
    let router = RouterConfig {
        strategy,
        offers: if push_mode {
            OfferMode::Push {
                timeout_secs: 45,
                away_after_missed: 3,
            }
        } else {
            OfferMode::Assign
        },
        offline: if requeue {
            OfflinePolicy::Requeue
        } else {
            OfflinePolicy::Keep
        },
        weights: caredesk::routing::Weights {
            public: 1,
            private: 2,
            overrides: Vec::new(),
        },
        default_relaxation: RelaxationStep::airline_default(),
        ..RouterConfig::default()
    };
    config().with_routing(RoutingSetup::new(router).expect("valid"))
}

fn script_agents() -> Vec<Agent> {
    let mut learner = agent(4, &[Language::ENGLISH], 3);
    learner.languages.insert(Language::JAPANESE, 3);
    vec![
        agent(1, &[Language::ENGLISH, Language::DUTCH], 3),
        agent(2, &[Language::DUTCH], 2),
        agent(3, &[Language::ENGLISH], 4),
        learner,
    ]
}

/// Runs a script; returns every event, checking the invariants after each input.
fn run_script(
    strategy: u8,
    push_mode: bool,
    requeue: bool,
    steps: &[Step],
) -> Result<(Vec<Event>, TestDesk), TestCaseError> {
    let mut desk = TestDesk::new(move || script_config(strategy, push_mode, requeue), t0());
    for a in script_agents() {
        desk.handle(Input::UpsertAgent(a)).unwrap();
    }
    let mut conversations: Vec<ConversationId> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let now = desk.now();
        let pick = |pick: usize| -> Option<ConversationId> {
            (!conversations.is_empty()).then(|| conversations[pick % conversations.len()])
        };
        let outcome = match step {
            Step::Arrive { language, private } => {
                let language = LANGUAGES[usize::from(*language)];
                let mut message = tweet(&format!("m{i}"), &format!("@c{}", i % 7), "help", now);
                if *private {
                    message.visibility = Visibility::Private;
                }
                let result = desk.handle(inbound(message, Some(language)));
                if let Ok(events) = &result {
                    for e in events {
                        if let EventPayload::ConversationOpened { conversation, .. } = &e.payload {
                            conversations.push(*conversation);
                        }
                    }
                }
                result.map(|_| ())
            }
            Step::Reply { pick: p } => match pick(*p) {
                Some(c) => match desk
                    .engine()
                    .conversation(c)
                    .and_then(|v| v.conversation.assignee)
                {
                    Some(agent) => desk.handle(reply(c, agent)).map(|_| ()),
                    None => Ok(()),
                },
                None => Ok(()),
            },
            Step::Resolve { pick: p } => match pick(*p) {
                Some(c) => desk.handle(resolve(c)).map(|_| ()),
                None => Ok(()),
            },
            Step::Presence { agent, presence } => {
                let presence = [
                    Presence::Online,
                    Presence::Away,
                    Presence::Busy,
                    Presence::Offline,
                ][usize::from(*presence)];
                desk.handle(Input::SetPresence {
                    agent: agent_id(u128::from(*agent) + 1),
                    presence,
                })
                .map(|_| ())
            }
            Step::Decline { pick: p } | Step::Accept { pick: p } => {
                match pick(*p).and_then(|c| desk.engine().router().offer(c)) {
                    Some(offer) => {
                        let input = if matches!(step, Step::Decline { .. }) {
                            Input::DeclineOffer {
                                conversation: offer.conversation,
                                agent: offer.agent,
                            }
                        } else {
                            Input::AcceptOffer {
                                conversation: offer.conversation,
                                agent: offer.agent,
                            }
                        };
                        desk.handle(input).map(|_| ())
                    }
                    None => Ok(()),
                }
            }
            Step::Shift {
                agent,
                start_min,
                len_min,
            } => desk
                .handle(Input::SetShift {
                    agent: agent_id(u128::from(*agent) + 1),
                    shift: Shift::Intervals(vec![ShiftInterval {
                        start: now + Duration::minutes(*start_min),
                        end: now + Duration::minutes(start_min + len_min),
                    }]),
                })
                .map(|_| ()),
            Step::Wait { seconds } => {
                desk.advance(Duration::seconds(*seconds));
                Ok(())
            }
        };
        // Refusals are typed (closed conversations, repeated statuses); the
        // invariants hold either way.
        let _ = outcome;
        check_invariants(&desk, &conversations)?;
    }
    Ok((desk.events().to_vec(), desk))
}

fn check_invariants(
    desk: &TestDesk,
    conversations: &[ConversationId],
) -> Result<(), TestCaseError> {
    let engine = desk.engine();
    let router = engine.router();
    for agent in engine.agents() {
        let load = engine.agent_load(agent.id).unwrap();
        prop_assert!(
            load <= agent.capacity.total,
            "agent {} holds {load} units over capacity {}",
            agent.id,
            agent.capacity.total
        );
    }
    // Work conserving: nothing that waits could be taken by an available agent.
    for c in conversations {
        if router.state(*c) == Some(RouteState::Waiting) {
            for agent in engine.agents() {
                prop_assert!(
                    !router.can_serve(agent.id, *c),
                    "agent {} could take waiting conversation {c}",
                    agent.id
                );
            }
        }
        // The engine's view and the router's agree on the assignee.
        if let Some(view) = engine.conversation(*c) {
            let router_assignee = router.assignee(*c);
            if view.conversation.status.is_active() {
                prop_assert_eq!(
                    view.conversation.assignee,
                    router_assignee,
                    "assignee of {}",
                    c
                );
            }
        }
    }
    Ok(())
}

/// Replays the log event by event and checks every routing decision against
/// the state just before it: the agent was online, on shift, below
/// capacity, and speaks the conversation's language.
fn check_decisions(config: EngineConfig, events: &[Event]) -> Result<usize, TestCaseError> {
    let mut engine = caredesk::engine::Engine::new(config);
    let mut decisions = 0;
    for event in events {
        let chosen = match &event.payload {
            EventPayload::OfferMade {
                conversation,
                agent,
                ..
            }
            | EventPayload::ConversationAssigned {
                conversation,
                agent,
            } => Some((*conversation, *agent)),
            _ => None,
        };
        if let Some((conversation, agent)) = chosen {
            let router = engine.router();
            prop_assert!(
                router.is_available(agent),
                "seq {}: {} chosen while offline, away, off shift or full",
                event.seq,
                agent
            );
            let language = engine
                .conversation(conversation)
                .and_then(|v| v.conversation.language);
            if let (Some(language), Some(profile)) = (language, engine.agent(agent)) {
                prop_assert!(
                    profile.languages.contains_key(&language),
                    "seq {}: {} does not speak {:?}",
                    event.seq,
                    agent,
                    language
                );
            }
            decisions += 1;
        }
        engine.apply_all([event.clone()]).expect("the log replays");
    }
    Ok(decisions)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn random_scripts_keep_capacity_language_work_conservation_and_replay(
        strategy in 0u8..4,
        push_mode in any::<bool>(),
        requeue in any::<bool>(),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        let (events, desk) = run_script(strategy, push_mode, requeue, &steps)?;
        prop_assert!(desk.check_replay().is_ok(), "replay differs");
        check_decisions(script_config(strategy, push_mode, requeue), &events)?;
        // The same script gives the same events.
        let (again, _) = run_script(strategy, push_mode, requeue, &steps)?;
        prop_assert_eq!(events, again);
    }
}

#[test]
fn routing_decisions_never_pick_an_offline_or_off_shift_agent() {
    // Replays a long random-like script and checks, at each decision event,
    // the agent's presence and shift in the state just before it.
    let steps: Vec<Step> = (0..400)
        .map(|i| match i % 9 {
            0..=2 => Step::Arrive {
                language: (i % 3) as u8,
                private: i % 4 == 0,
            },
            3 => Step::Presence {
                agent: (i % 4) as u8,
                presence: (i / 9 % 4) as u8,
            },
            4 => Step::Resolve { pick: i / 3 },
            5 => Step::Wait { seconds: 200 },
            6 if i % 36 == 6 => Step::Shift {
                agent: (i % 4) as u8,
                start_min: (i % 30) as i64,
                len_min: 600,
            },
            6 => Step::Presence {
                agent: (i % 4) as u8,
                presence: 0,
            },
            7 => Step::Decline { pick: i },
            _ => Step::Resolve { pick: i / 3 - 1 },
        })
        .collect();
    for (strategy, push_mode) in [(0, false), (1, true), (3, true)] {
        let (events, _) = run_script(strategy, push_mode, true, &steps).unwrap();
        let decisions = check_decisions(script_config(strategy, push_mode, true), &events).unwrap();
        assert!(decisions > 30, "the script routes plenty ({decisions})");
    }
}
