//! The indexed router: scenario tests named after the rule they check, and
//! property tests over random scripts checked against a brute-force model.

use caredesk::model::{
    Agent, AgentId, Capacity, ChannelKind, ConversationId, CustomerId, Language, Presence,
    Priority, Skill, TeamId, Visibility,
};
use caredesk::routing::{
    AgentFilter, BaseStrategy, Decision, OfferMode, OfflinePolicy, QueueId, QueueMatch, QueueSpec,
    RelaxationStep, RouteRequirements, RouteState, Router, RouterConfig, RouterError, RouterTimer,
    RoutingStrategy, Shift, ShiftInterval, Weights,
};
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

fn t0() -> DateTime<Utc> {
    "2026-06-01T08:00:00Z".parse().unwrap()
}

fn mins(n: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(n)
}

fn aid(n: u128) -> AgentId {
    AgentId::from_uuid(Uuid::from_u128(0xA000 + n))
}

fn cid(n: u128) -> ConversationId {
    ConversationId::from_uuid(Uuid::from_u128(0xC000 + n))
}

fn customer(n: u128) -> CustomerId {
    CustomerId::from_uuid(Uuid::from_u128(0xCC00 + n))
}

fn team(n: u128) -> TeamId {
    TeamId::from_uuid(Uuid::from_u128(0x7000 + n))
}

fn online(n: u128, languages: &[Language], capacity: u32) -> Agent {
    Agent::new(
        aid(n),
        format!("Agent {n}"),
        languages.iter().copied(),
        Capacity::total(capacity),
    )
    .unwrap()
    .with_presence(Presence::Online)
}

fn dutch_x() -> RouteRequirements {
    RouteRequirements::new(Some(Language::DUTCH), ChannelKind::X)
}

fn router(config: RouterConfig, agents: Vec<Agent>) -> Router {
    let mut router = Router::new(config).unwrap();
    for agent in agents {
        let _ = router.upsert_agent(agent, Shift::Always, t0()).unwrap();
    }
    router
}

fn assign(n: u128, agent: u128) -> Decision {
    Decision::Assign {
        conversation: cid(n),
        agent: aid(agent),
    }
}

/// Enqueues conversation `n` and applies the decision for it, if any.
fn arrive(
    router: &mut Router,
    n: u128,
    needs: RouteRequirements,
    at: DateTime<Utc>,
) -> Option<Decision> {
    router
        .enqueue(cid(n), needs, Priority::Normal, None, at)
        .unwrap();
    let decision = router.decide_for_conversation(cid(n), at)?;
    router.apply(decision, at).unwrap();
    Some(decision)
}

// ---------------------------------------------------------------------------
// Strategies

#[test]
fn least_loaded_picks_lowest_occupancy_ratio_then_agent_id() {
    let mut r = router(
        RouterConfig::default(),
        vec![
            online(1, &[Language::DUTCH], 4),
            online(2, &[Language::DUTCH], 2),
        ],
    );
    assert_eq!(
        arrive(&mut r, 1, dutch_x(), t0()),
        Some(assign(1, 1)),
        "tie at 0 -> lower id"
    );
    // Agent 1 is at 1/4 = 250, agent 2 at 0.
    assert_eq!(arrive(&mut r, 2, dutch_x(), t0()), Some(assign(2, 2)));
    // Agent 1 at 250, agent 2 at 1/2 = 500.
    assert_eq!(arrive(&mut r, 3, dutch_x(), t0()), Some(assign(3, 1)));
    assert_eq!(
        arrive(&mut r, 4, dutch_x(), t0()),
        Some(assign(4, 1)),
        "500 vs 500 -> id"
    );
    assert_eq!(r.load(aid(1)), Some(3));
    assert_eq!(r.load(aid(2)), Some(1));
}

#[test]
fn round_robin_takes_agents_in_turn_whatever_their_load() {
    let config = RouterConfig {
        strategy: RoutingStrategy::RoundRobin,
        ..RouterConfig::default()
    };
    let mut r = router(
        config,
        (1..=3).map(|n| online(n, &[Language::DUTCH], 10)).collect(),
    );
    let picks: Vec<AgentId> = (1..=7)
        .map(|n| arrive(&mut r, n, dutch_x(), t0()).unwrap().agent())
        .collect();
    assert_eq!(
        picks,
        vec![aid(1), aid(2), aid(3), aid(1), aid(2), aid(3), aid(1)]
    );
}

#[test]
fn longest_idle_prefers_the_agent_whose_load_reached_zero_first() {
    let config = RouterConfig {
        strategy: RoutingStrategy::LongestIdle,
        ..RouterConfig::default()
    };
    let mut r = router(
        config,
        vec![
            online(1, &[Language::DUTCH], 2),
            online(2, &[Language::DUTCH], 2),
        ],
    );
    assert_eq!(arrive(&mut r, 1, dutch_x(), mins(0)), Some(assign(1, 1)));
    assert_eq!(arrive(&mut r, 2, dutch_x(), mins(0)), Some(assign(2, 2)));
    // Agent 2 finishes first, agent 1 later: agent 2 has been idle longer.
    r.release(cid(2), mins(3)).unwrap();
    r.release(cid(1), mins(5)).unwrap();
    assert_eq!(arrive(&mut r, 3, dutch_x(), mins(6)), Some(assign(3, 2)));
    // Agent 2 now holds work: the idle agent 1 goes first.
    assert_eq!(arrive(&mut r, 4, dutch_x(), mins(6)), Some(assign(4, 1)));
}

fn sticky_config() -> RouterConfig {
    RouterConfig {
        strategy: RoutingStrategy::Sticky {
            window_secs: 24 * 3600,
            wait_secs: 120,
            fallback: BaseStrategy::LeastLoaded,
        },
        ..RouterConfig::default()
    }
}

#[test]
fn sticky_returns_a_customer_to_their_last_agent_when_available() {
    let mut r = router(
        sticky_config(),
        vec![
            online(1, &[Language::DUTCH], 3),
            online(2, &[Language::DUTCH], 3),
        ],
    );
    // Agent 2 helped the customer before.
    r.enqueue(
        cid(1),
        dutch_x().with_customer(customer(1)),
        Priority::Normal,
        None,
        mins(0),
    )
    .unwrap();
    r.apply(assign(1, 2), mins(0)).unwrap();
    r.release(cid(1), mins(10)).unwrap();
    // Least loaded alone would pick agent 1 (tie, lower id).
    let d = arrive(&mut r, 2, dutch_x().with_customer(customer(1)), mins(60));
    assert_eq!(d, Some(assign(2, 2)));
}

#[test]
fn sticky_holds_for_a_full_agent_then_falls_back_after_the_wait() {
    let mut r = router(
        sticky_config(),
        vec![
            online(1, &[Language::DUTCH], 3),
            online(2, &[Language::DUTCH], 1),
        ],
    );
    r.enqueue(
        cid(1),
        dutch_x().with_customer(customer(1)),
        Priority::Normal,
        None,
        mins(0),
    )
    .unwrap();
    r.apply(assign(1, 2), mins(0)).unwrap();
    r.release(cid(1), mins(10)).unwrap();
    // Agent 2 is busy with someone else when the customer writes again.
    r.enqueue(cid(3), dutch_x(), Priority::Normal, None, mins(20))
        .unwrap();
    r.apply(assign(3, 2), mins(20)).unwrap();
    let held_at = mins(30);
    r.enqueue(
        cid(4),
        dutch_x().with_customer(customer(1)),
        Priority::Normal,
        None,
        held_at,
    )
    .unwrap();
    assert_eq!(
        r.state(cid(4)),
        Some(RouteState::Held {
            agent: aid(2),
            until: held_at + Duration::seconds(120)
        })
    );
    assert_eq!(
        r.decide_for_conversation(cid(4), held_at),
        None,
        "held, agent 2 full"
    );
    assert_eq!(
        r.decide_for_agent(aid(1), held_at),
        None,
        "agent 1 does not see it"
    );
    let (due, timer) = r.next_timer().unwrap();
    assert_eq!(due, held_at + Duration::seconds(120));
    assert_eq!(
        timer,
        RouterTimer::HoldEnds {
            conversation: cid(4)
        }
    );
    r.end_hold(cid(4)).unwrap();
    assert_eq!(r.decide_for_conversation(cid(4), due), Some(assign(4, 1)));
}

#[test]
fn sticky_hold_is_served_as_soon_as_the_agent_frees_capacity() {
    let mut r = router(
        sticky_config(),
        vec![
            online(1, &[Language::DUTCH], 3),
            online(2, &[Language::DUTCH], 1),
        ],
    );
    r.enqueue(
        cid(1),
        dutch_x().with_customer(customer(1)),
        Priority::Normal,
        None,
        mins(0),
    )
    .unwrap();
    r.apply(assign(1, 2), mins(0)).unwrap();
    r.enqueue(
        cid(2),
        dutch_x().with_customer(customer(1)),
        Priority::Normal,
        None,
        mins(1),
    )
    .unwrap();
    assert!(matches!(r.state(cid(2)), Some(RouteState::Held { .. })));
    r.release(cid(1), mins(1)).unwrap();
    assert_eq!(r.decide_for_agent(aid(2), mins(1)), Some(assign(2, 2)));
}

#[test]
fn sticky_does_not_hold_for_an_agent_outside_the_window() {
    let mut r = router(
        sticky_config(),
        vec![
            online(1, &[Language::DUTCH], 3),
            online(2, &[Language::DUTCH], 1),
        ],
    );
    r.enqueue(
        cid(1),
        dutch_x().with_customer(customer(1)),
        Priority::Normal,
        None,
        mins(0),
    )
    .unwrap();
    r.apply(assign(1, 2), mins(0)).unwrap();
    r.release(cid(1), mins(1)).unwrap();
    let two_days = mins(2 * 24 * 60);
    assert_eq!(
        arrive(&mut r, 2, dutch_x().with_customer(customer(1)), two_days),
        Some(assign(2, 1))
    );
}

// ---------------------------------------------------------------------------
// Requirements, queues, relaxation

#[test]
fn queue_serves_priority_then_sla_deadline_then_arrival() {
    let mut r = router(RouterConfig::default(), vec![]);
    let deadline = |m| Some(mins(m));
    r.enqueue(cid(1), dutch_x(), Priority::Normal, None, mins(0))
        .unwrap();
    r.enqueue(cid(2), dutch_x(), Priority::Normal, deadline(50), mins(2))
        .unwrap();
    r.enqueue(cid(3), dutch_x(), Priority::Normal, deadline(40), mins(3))
        .unwrap();
    r.enqueue(cid(4), dutch_x(), Priority::High, None, mins(4))
        .unwrap();
    r.enqueue(cid(5), dutch_x(), Priority::Normal, deadline(40), mins(1))
        .unwrap();
    assert_eq!(
        r.queue(QueueId::DEFAULT),
        vec![cid(4), cid(5), cid(3), cid(2), cid(1)]
    );
    // Re-keying moves an entry: conversation 1 is escalated.
    r.rekey(cid(1), Priority::Urgent, None).unwrap();
    assert_eq!(r.queue(QueueId::DEFAULT)[0], cid(1));
    let _ = r
        .upsert_agent(online(1, &[Language::DUTCH], 1), Shift::Always, mins(5))
        .unwrap();
    assert_eq!(r.decide_for_agent(aid(1), mins(5)), Some(assign(1, 1)));
}

#[test]
fn agent_takes_the_best_conversation_across_every_class_they_serve() {
    let mut r = router(RouterConfig::default(), vec![]);
    let english = RouteRequirements::new(Some(Language::ENGLISH), ChannelKind::Email);
    let baggage = dutch_x().with_required_skill(Skill::new("baggage"), 1);
    r.enqueue(cid(1), dutch_x(), Priority::Normal, None, mins(3))
        .unwrap();
    r.enqueue(cid(2), english, Priority::Normal, None, mins(2))
        .unwrap();
    r.enqueue(cid(3), baggage, Priority::Normal, None, mins(1))
        .unwrap();
    let bilingual = online(1, &[Language::DUTCH, Language::ENGLISH], 3);
    let _ = r.upsert_agent(bilingual, Shift::Always, mins(4)).unwrap();
    // No baggage skill: conversation 3 is not theirs; 2 arrived before 1.
    assert_eq!(r.decide_for_agent(aid(1), mins(4)), Some(assign(2, 1)));
}

#[test]
fn required_skill_level_and_team_are_enforced() {
    let senior = online(1, &[Language::DUTCH], 2)
        .with_skill(Skill::new("refunds"), 4)
        .with_team(team(1));
    let junior = online(2, &[Language::DUTCH], 2)
        .with_skill(Skill::new("refunds"), 2)
        .with_team(team(1));
    let other_team = online(3, &[Language::DUTCH], 2).with_skill(Skill::new("refunds"), 5);
    let mut r = router(RouterConfig::default(), vec![senior, junior, other_team]);
    let needs = dutch_x()
        .with_required_skill(Skill::new("refunds"), 3)
        .with_team(team(1));
    assert_eq!(arrive(&mut r, 1, needs.clone(), t0()), Some(assign(1, 1)));
    assert_eq!(arrive(&mut r, 2, needs.clone(), t0()), Some(assign(2, 1)));
    assert_eq!(
        arrive(&mut r, 3, needs, t0()),
        None,
        "only agent 1 qualifies, and is full"
    );
}

#[test]
fn per_channel_limit_and_weights_bound_capacity() {
    let config = RouterConfig {
        weights: Weights {
            public: 1,
            private: 2,
            overrides: vec![],
        },
        ..RouterConfig::default()
    };
    let agent = Agent::new(
        aid(1),
        "Agent 1",
        [Language::DUTCH],
        Capacity::total(4).with_channel_limit(ChannelKind::Whatsapp, 2),
    )
    .unwrap()
    .with_presence(Presence::Online);
    let mut r = router(config, vec![agent]);
    let whatsapp = RouteRequirements::new(Some(Language::DUTCH), ChannelKind::Whatsapp)
        .with_visibility(Visibility::Private);
    assert_eq!(
        arrive(&mut r, 1, whatsapp.clone(), t0()),
        Some(assign(1, 1))
    );
    assert_eq!(r.load(aid(1)), Some(2));
    assert_eq!(
        arrive(&mut r, 2, whatsapp, t0()),
        None,
        "WhatsApp limit 2 reached"
    );
    assert_eq!(arrive(&mut r, 3, dutch_x(), t0()), Some(assign(3, 1)));
    assert_eq!(arrive(&mut r, 4, dutch_x(), t0()), Some(assign(4, 1)));
    assert_eq!(arrive(&mut r, 5, dutch_x(), t0()), None, "total 4 reached");
    r.release(cid(1), t0()).unwrap();
    assert_eq!(r.decide_for_agent(aid(1), t0()), Some(assign(2, 1)));
}

fn relaxing_config() -> RouterConfig {
    RouterConfig {
        default_relaxation: RelaxationStep::airline_default(),
        ..RouterConfig::default()
    }
}

/// Fires every due relaxation step up to `now`, returning the steps taken.
fn relax_until(r: &mut Router, now: DateTime<Utc>) -> Vec<(ConversationId, u8)> {
    let mut taken = Vec::new();
    while let Some((at, conversation, step)) = r.next_relaxation() {
        if at > now {
            break;
        }
        r.relax(conversation, step).unwrap();
        taken.push((conversation, step));
    }
    taken
}

#[test]
fn relaxation_drops_preferred_skills_after_five_minutes() {
    let mut r = router(relaxing_config(), vec![online(1, &[Language::DUTCH], 2)]);
    let needs = dutch_x().with_preferred_skill(Skill::new("vip"));
    assert_eq!(
        arrive(&mut r, 1, needs, t0()),
        None,
        "targets vip agents first"
    );
    assert_eq!(r.next_relaxation(), Some((mins(5), cid(1), 0)));
    assert_eq!(relax_until(&mut r, mins(4)), vec![]);
    assert_eq!(relax_until(&mut r, mins(5)), vec![(cid(1), 0)]);
    assert_eq!(
        r.decide_for_conversation(cid(1), mins(5)),
        Some(assign(1, 1))
    );
}

#[test]
fn relaxation_allows_second_language_speakers_after_fifteen_minutes() {
    let fluent = online(1, &[Language::DUTCH], 2).with_language(Language::DUTCH, 3);
    let mut r = router(relaxing_config(), vec![fluent]);
    assert_eq!(
        arrive(&mut r, 1, dutch_x(), t0()),
        None,
        "native speakers first"
    );
    relax_until(&mut r, mins(14));
    assert_eq!(r.stage(cid(1)), Some(1));
    assert_eq!(r.decide_for_conversation(cid(1), mins(14)), None);
    relax_until(&mut r, mins(15));
    assert_eq!(r.stage(cid(1)), Some(2));
    assert_eq!(r.decide_for_agent(aid(1), mins(15)), Some(assign(1, 1)));
}

#[test]
fn relaxation_overflows_to_other_teams_after_thirty_minutes() {
    let mut r = router(
        relaxing_config(),
        vec![online(1, &[Language::DUTCH], 2).with_team(team(2))],
    );
    assert_eq!(arrive(&mut r, 1, dutch_x().with_team(team(1)), t0()), None);
    relax_until(&mut r, mins(29));
    assert_eq!(r.decide_for_conversation(cid(1), mins(29)), None);
    relax_until(&mut r, mins(30));
    assert_eq!(r.stage(cid(1)), Some(3));
    assert_eq!(r.next_relaxation(), None, "no steps left");
    assert_eq!(
        r.decide_for_conversation(cid(1), mins(30)),
        Some(assign(1, 1))
    );
}

#[test]
fn relaxation_steps_apply_only_in_order() {
    let mut r = router(relaxing_config(), vec![]);
    r.enqueue(cid(1), dutch_x(), Priority::Normal, None, t0())
        .unwrap();
    assert_eq!(
        r.relax(cid(1), 1),
        Err(RouterError::StepOutOfOrder {
            conversation: cid(1),
            step: 1
        })
    );
    r.relax(cid(1), 0).unwrap();
    assert!(r.relax(cid(1), 0).is_err(), "a step applies once");
}

#[test]
fn queue_spec_routes_vip_conversations_to_its_eligible_agents_only() {
    let config = RouterConfig {
        queues: vec![QueueSpec {
            id: QueueId(1),
            name: "VIP".into(),
            matches: QueueMatch {
                min_priority: Some(Priority::High),
                ..QueueMatch::default()
            },
            eligible: AgentFilter {
                teams: vec![team(9)],
                skills: vec![],
            },
            relaxation: vec![],
        }],
        ..RouterConfig::default()
    };
    let mut r = router(
        config,
        vec![
            online(1, &[Language::DUTCH], 2),
            online(2, &[Language::DUTCH], 2).with_team(team(9)),
        ],
    );
    r.enqueue(cid(1), dutch_x(), Priority::High, None, t0())
        .unwrap();
    assert_eq!(r.queue_of(cid(1)), Some(QueueId(1)));
    assert_eq!(r.decide_for_conversation(cid(1), t0()), Some(assign(1, 2)));
    assert_eq!(r.decide_for_agent(aid(1), t0()), None);
}

// ---------------------------------------------------------------------------
// Offers

fn push_config(away_after_missed: u32) -> RouterConfig {
    RouterConfig {
        offers: OfferMode::Push {
            timeout_secs: 30,
            away_after_missed,
        },
        ..RouterConfig::default()
    }
}

#[test]
fn offer_timeout_moves_to_the_next_candidate_and_skips_the_first() {
    let mut r = router(
        push_config(0),
        vec![
            online(1, &[Language::DUTCH], 2),
            online(2, &[Language::DUTCH], 2),
        ],
    );
    r.enqueue(cid(1), dutch_x(), Priority::Normal, None, t0())
        .unwrap();
    let offer = r.decide_for_conversation(cid(1), t0()).unwrap();
    let Decision::Offer(first) = offer else {
        panic!("push mode offers")
    };
    assert_eq!(first.agent, aid(1));
    assert_eq!(first.expires_at, t0() + Duration::seconds(30));
    r.apply(offer, t0()).unwrap();
    assert_eq!(r.load(aid(1)), Some(1), "an offer reserves capacity");
    assert_eq!(
        r.next_timer(),
        Some((
            first.expires_at,
            RouterTimer::OfferExpires {
                conversation: cid(1)
            }
        ))
    );
    let ended = r.expire_offer(cid(1), first.expires_at).unwrap();
    assert!(!ended.set_away);
    assert_eq!(r.load(aid(1)), Some(0));
    let next = r.decide_for_conversation(cid(1), first.expires_at).unwrap();
    assert_eq!(next.agent(), aid(2));
    r.apply(next, first.expires_at).unwrap();
    r.accept(cid(1), aid(2), first.expires_at).unwrap();
    assert!(r.is_assignee(cid(1), aid(2)));
    assert!(!r.is_assignee(cid(1), aid(1)));
}

#[test]
fn declined_offer_is_never_offered_to_that_agent_again() {
    let mut r = router(push_config(0), vec![online(1, &[Language::DUTCH], 2)]);
    r.enqueue(cid(1), dutch_x(), Priority::Normal, None, t0())
        .unwrap();
    let offer = r.decide_for_conversation(cid(1), t0()).unwrap();
    r.apply(offer, t0()).unwrap();
    let ended = r.decline(cid(1), aid(1), t0()).unwrap();
    assert_eq!(ended.conversation, cid(1));
    assert!(r.is_waiting(cid(1)));
    assert_eq!(r.decide_for_conversation(cid(1), t0()), None);
    assert_eq!(r.decide_for_agent(aid(1), t0()), None);
    assert!(r.accept(cid(1), aid(1), t0()).is_err(), "nothing to accept");
}

#[test]
fn agent_is_set_away_after_the_configured_missed_offers() {
    let mut r = router(push_config(2), vec![online(1, &[Language::DUTCH], 3)]);
    for n in 1..=2 {
        r.enqueue(cid(n), dutch_x(), Priority::Normal, None, t0())
            .unwrap();
        let offer = r.decide_for_conversation(cid(n), t0()).unwrap();
        r.apply(offer, t0()).unwrap();
    }
    let first = r.expire_offer(cid(1), mins(1)).unwrap();
    assert!(!first.set_away);
    let second = r.expire_offer(cid(2), mins(1)).unwrap();
    assert!(second.set_away);
    let change = r.set_presence(aid(1), Presence::Away, mins(1)).unwrap();
    assert!(change.requeued.is_empty());
    assert_eq!(
        r.decide_for_conversation(cid(1), mins(1)),
        None,
        "away, and skipped"
    );
}

#[test]
fn pull_assigns_the_next_conversation_even_in_push_mode() {
    let mut r = router(push_config(0), vec![online(1, &[Language::DUTCH], 2)]);
    r.enqueue(cid(1), dutch_x(), Priority::Normal, None, t0())
        .unwrap();
    assert_eq!(r.decide_pull(aid(1), t0()), Some(assign(1, 1)));
}

#[test]
fn stale_decision_is_rejected_without_change() {
    let mut r = router(
        RouterConfig::default(),
        vec![online(1, &[Language::DUTCH], 1)],
    );
    r.enqueue(cid(1), dutch_x(), Priority::Normal, None, t0())
        .unwrap();
    r.enqueue(cid(2), dutch_x(), Priority::Normal, None, t0())
        .unwrap();
    let first = r.decide_for_conversation(cid(1), t0()).unwrap();
    let second = r.decide_for_conversation(cid(2), t0()).unwrap();
    r.apply(first, t0()).unwrap();
    let before = r.clone();
    assert_eq!(
        r.apply(second, t0()),
        Err(RouterError::NotEligible {
            agent: aid(1),
            conversation: cid(2)
        })
    );
    assert_eq!(r, before);
}

// ---------------------------------------------------------------------------
// Presence and shifts

#[test]
fn offline_with_requeue_policy_puts_assignments_back_in_their_place() {
    let config = RouterConfig {
        offline: OfflinePolicy::Requeue,
        ..RouterConfig::default()
    };
    let mut r = router(config, vec![online(1, &[Language::DUTCH], 2)]);
    r.enqueue(cid(0), dutch_x(), Priority::Normal, None, mins(5))
        .unwrap();
    r.enqueue(cid(1), dutch_x(), Priority::Normal, None, mins(0))
        .unwrap();
    assert_eq!(r.decide_for_agent(aid(1), mins(6)), Some(assign(1, 1)));
    r.apply(assign(1, 1), mins(6)).unwrap();
    let change = r.set_presence(aid(1), Presence::Offline, mins(7)).unwrap();
    assert_eq!(change.requeued, vec![cid(1)]);
    assert_eq!(r.load(aid(1)), Some(0));
    assert_eq!(
        r.queue(QueueId::DEFAULT),
        vec![cid(1), cid(0)],
        "arrival kept"
    );
}

#[test]
fn offline_with_keep_policy_keeps_assignments() {
    let mut r = router(
        RouterConfig::default(),
        vec![online(1, &[Language::DUTCH], 2)],
    );
    let _ = arrive(&mut r, 1, dutch_x(), t0()).unwrap();
    let change = r.set_presence(aid(1), Presence::Offline, mins(1)).unwrap();
    assert!(change.requeued.is_empty());
    assert!(r.is_assignee(cid(1), aid(1)));
    assert_eq!(r.decide_for_conversation(cid(1), mins(1)), None);
}

#[test]
fn agent_off_shift_gets_nothing_until_the_shift_starts() {
    let mut r = Router::new(RouterConfig {
        offline: OfflinePolicy::Requeue,
        ..RouterConfig::default()
    })
    .unwrap();
    let shift = Shift::Intervals(vec![ShiftInterval {
        start: mins(60),
        end: mins(120),
    }]);
    let _ = r
        .upsert_agent(online(1, &[Language::DUTCH], 2), shift, t0())
        .unwrap();
    assert!(!r.is_on_shift(aid(1)));
    r.enqueue(cid(1), dutch_x(), Priority::Normal, None, t0())
        .unwrap();
    assert_eq!(r.decide_for_conversation(cid(1), t0()), None);
    assert_eq!(
        r.next_timer(),
        Some((mins(60), RouterTimer::Shift { agent: aid(1) }))
    );
    let _ = r.shift_boundary(aid(1), mins(60)).unwrap();
    assert_eq!(r.decide_for_agent(aid(1), mins(60)), Some(assign(1, 1)));
    r.apply(assign(1, 1), mins(60)).unwrap();
    assert_eq!(
        r.next_timer(),
        Some((mins(120), RouterTimer::Shift { agent: aid(1) }))
    );
    let change = r.shift_boundary(aid(1), mins(120)).unwrap();
    assert_eq!(
        change.requeued,
        vec![cid(1)],
        "shift end requeues under Requeue"
    );
    assert_eq!(r.next_timer(), None);
}

#[test]
fn router_round_trips_through_json_with_indexes_rebuilt() {
    let mut r = router(
        push_config(3),
        vec![
            online(1, &[Language::DUTCH], 2),
            online(2, &[Language::ENGLISH], 2),
        ],
    );
    let _ = arrive(&mut r, 1, dutch_x(), t0()).unwrap();
    r.enqueue(cid(2), dutch_x(), Priority::High, Some(mins(30)), t0())
        .unwrap();
    r.enqueue(cid(3), dutch_x(), Priority::Normal, None, t0())
        .unwrap();
    let json = serde_json::to_string(&r).unwrap();
    let back: Router = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    assert_eq!(
        back.decide_for_agent(aid(1), t0()),
        r.decide_for_agent(aid(1), t0())
    );
    assert_eq!(back.next_timer(), r.next_timer());
    assert_eq!(back.queue(QueueId::DEFAULT), vec![cid(2), cid(3)]);
}

// ---------------------------------------------------------------------------
// Property tests: random scripts against a brute-force model

const LANGUAGES: [Language; 3] = [Language::DUTCH, Language::ENGLISH, Language::GERMAN];
const CHANNELS: [ChannelKind; 2] = [ChannelKind::X, ChannelKind::Whatsapp];
const SKILLS: [&str; 2] = ["baggage", "refunds"];

#[derive(Debug, Clone)]
struct AgentSpec {
    languages: Vec<(usize, u8)>,
    skills: Vec<(usize, u8)>,
    channels: Vec<usize>,
    capacity: u32,
    whatsapp_limit: Option<u32>,
    team: Option<u128>,
    shift: Option<(i64, i64)>,
}

#[derive(Debug, Clone)]
enum Op {
    Arrive {
        language: usize,
        channel: usize,
        private: bool,
        required: Option<(usize, u8)>,
        preferred: Option<usize>,
        team: Option<u128>,
        priority: usize,
        customer: Option<u128>,
    },
    Complete(usize),
    Presence(usize, usize),
    Decline(usize),
    Accept(usize),
    Advance(i64),
    Rekey(usize, usize),
}

fn agent_spec() -> impl Strategy<Value = AgentSpec> {
    (
        proptest::collection::btree_map(0usize..3, 3u8..=5, 1..=2),
        proptest::collection::btree_map(0usize..2, 1u8..=5, 0..=2),
        proptest::collection::btree_set(0usize..2, 0..=2),
        1u32..=4,
        proptest::option::of(1u32..=2),
        proptest::option::of(1u128..=2),
        proptest::option::weighted(0.3, (0i64..60, 30i64..120)),
    )
        .prop_map(
            |(languages, skills, channels, capacity, whatsapp_limit, team, shift)| AgentSpec {
                languages: languages.into_iter().collect(),
                skills: skills.into_iter().collect(),
                channels: channels.into_iter().collect(),
                capacity,
                whatsapp_limit,
                team,
                shift: shift.map(|(start, length)| (start, start + length)),
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (
            0usize..4,
            0usize..2,
            any::<bool>(),
            proptest::option::weighted(0.3, (0usize..2, 1u8..=5)),
            proptest::option::weighted(0.3, 0usize..2),
            proptest::option::weighted(0.3, 1u128..=2),
            0usize..4,
            proptest::option::weighted(0.5, 0u128..3),
        )
            .prop_map(|(language, channel, private, required, preferred, team, priority, customer)| {
                Op::Arrive { language, channel, private, required, preferred, team, priority, customer }
            }),
        2 => any::<usize>().prop_map(Op::Complete),
        1 => (0usize..5, 0usize..4).prop_map(|(a, p)| Op::Presence(a, p)),
        1 => any::<usize>().prop_map(Op::Decline),
        1 => any::<usize>().prop_map(Op::Accept),
        2 => (1i64..20).prop_map(Op::Advance),
        1 => (any::<usize>(), 0usize..4).prop_map(|(i, p)| Op::Rekey(i, p)),
    ]
}

const PRIORITIES: [Priority; 4] = [
    Priority::Low,
    Priority::Normal,
    Priority::High,
    Priority::Urgent,
];
const PRESENCES: [Presence; 4] = [
    Presence::Online,
    Presence::Away,
    Presence::Busy,
    Presence::Offline,
];

fn script_config(strategy: usize, push: bool, requeue: bool) -> RouterConfig {
    RouterConfig {
        strategy: match strategy {
            0 => RoutingStrategy::LeastLoaded,
            1 => RoutingStrategy::RoundRobin,
            2 => RoutingStrategy::LongestIdle,
            _ => RoutingStrategy::Sticky {
                window_secs: 3600,
                wait_secs: 180,
                fallback: BaseStrategy::LeastLoaded,
            },
        },
        offers: if push {
            OfferMode::Push {
                timeout_secs: 90,
                away_after_missed: 2,
            }
        } else {
            OfferMode::Assign
        },
        offline: if requeue {
            OfflinePolicy::Requeue
        } else {
            OfflinePolicy::Keep
        },
        weights: Weights {
            public: 1,
            private: 2,
            overrides: vec![],
        },
        queues: vec![QueueSpec {
            id: QueueId(1),
            name: "VIP".into(),
            matches: QueueMatch {
                min_priority: Some(Priority::Urgent),
                ..QueueMatch::default()
            },
            eligible: AgentFilter {
                teams: vec![team(1)],
                skills: vec![],
            },
            relaxation: vec![],
        }],
        default_relaxation: RelaxationStep::airline_default(),
    }
}

/// The test's own record of a conversation, kept apart from the router.
struct Known {
    needs: RouteRequirements,
    queue: QueueId,
    arrival: DateTime<Utc>,
    declined: BTreeSet<AgentId>,
    weight: u32,
}

/// Drives a router the way the engine would, checking every decision and,
/// after every operation, the invariants against a brute-force scan.
struct Sim {
    r: Router,
    now: DateTime<Utc>,
    shifts: BTreeMap<AgentId, Shift>,
    known: BTreeMap<ConversationId, Known>,
    next: u128,
    log: Vec<Decision>,
}

impl Sim {
    fn new(config: RouterConfig, agents: &[AgentSpec]) -> Sim {
        let mut r = Router::new(config).unwrap();
        let mut shifts = BTreeMap::new();
        for (n, spec) in agents.iter().enumerate() {
            let mut capacity = Capacity::total(spec.capacity);
            if let Some(limit) = spec.whatsapp_limit {
                capacity = capacity.with_channel_limit(ChannelKind::Whatsapp, limit);
            }
            let mut agent = Agent::new(
                aid(n as u128),
                format!("Agent {n}"),
                [LANGUAGES[spec.languages[0].0]],
                capacity,
            )
            .unwrap()
            .with_presence(Presence::Online)
            .with_channels(spec.channels.iter().map(|c| CHANNELS[*c]));
            for (language, level) in &spec.languages {
                agent = agent.with_language(LANGUAGES[*language], *level);
            }
            for (skill, level) in &spec.skills {
                agent = agent.with_skill(Skill::new(SKILLS[*skill]), *level);
            }
            if let Some(t) = spec.team {
                agent = agent.with_team(team(t));
            }
            let shift = match spec.shift {
                Some((start, end)) => Shift::Intervals(vec![ShiftInterval {
                    start: mins(start),
                    end: mins(end),
                }]),
                None => Shift::Always,
            };
            shifts.insert(agent.id, shift.clone());
            let _ = r.upsert_agent(agent, shift, t0()).unwrap();
        }
        Sim {
            r,
            now: t0(),
            shifts,
            known: BTreeMap::new(),
            next: 0,
            log: Vec::new(),
        }
    }

    fn effective(&self, c: ConversationId) -> (u8, bool, bool) {
        let known = &self.known[&c];
        let stage = self.r.stage(c).unwrap();
        if known.queue != QueueId::DEFAULT {
            return (known.needs.language_level, false, false);
        }
        let min_level = if stage >= 2 {
            known.needs.language_level.min(3)
        } else {
            known.needs.language_level
        };
        (min_level, stage >= 1, stage >= 3)
    }

    /// Brute force: could `agent` take `c` now, by the rules, from scratch?
    fn eligible(&self, agent: AgentId, c: ConversationId) -> bool {
        let a = self.r.agent(agent).unwrap();
        let known = &self.known[&c];
        let needs = &known.needs;
        let (min_level, drop_preferred, any_team) = self.effective(c);
        let load = self.load(agent);
        let channel_load = self.channel_load(agent, needs.channel);
        a.presence == Presence::Online
            && self.shifts[&agent].is_on(self.now)
            && needs
                .language
                .is_none_or(|l| a.languages.get(&l).is_some_and(|v| *v >= min_level))
            && a.works(needs.channel)
            && needs
                .required_skills
                .iter()
                .all(|(s, l)| a.skills.get(s).is_some_and(|v| v >= l))
            && (drop_preferred
                || needs
                    .preferred_skills
                    .iter()
                    .all(|s| a.skills.contains_key(s)))
            && (any_team || needs.team.is_none_or(|t| a.team == Some(t)))
            && (known.queue == QueueId::DEFAULT || a.team == Some(team(1)))
            && load + known.weight <= a.capacity.total
            && channel_load + known.weight <= a.capacity.limit_for(needs.channel)
            && !known.declined.contains(&agent)
    }

    fn holder(&self, c: ConversationId) -> Option<AgentId> {
        match self.r.state(c)? {
            RouteState::Assigned { agent } | RouteState::Offered { agent, .. } => Some(agent),
            _ => None,
        }
    }

    fn load(&self, agent: AgentId) -> u32 {
        self.known
            .iter()
            .filter(|(c, _)| self.holder(**c) == Some(agent))
            .map(|(_, k)| k.weight)
            .sum()
    }

    fn channel_load(&self, agent: AgentId, channel: ChannelKind) -> u32 {
        self.known
            .iter()
            .filter(|(c, k)| self.holder(**c) == Some(agent) && k.needs.channel == channel)
            .map(|(_, k)| k.weight)
            .sum()
    }

    fn apply(&mut self, decision: Decision) {
        let (agent, c) = (decision.agent(), decision.conversation());
        assert!(
            self.eligible(agent, c),
            "decision {decision:?} breaks the rules"
        );
        if let RouteState::Held { agent: sticky, .. } = self.r.state(c).unwrap() {
            assert_eq!(
                sticky, agent,
                "a held conversation goes to its sticky agent only"
            );
        }
        self.r.apply(decision, self.now).unwrap();
        self.log.push(decision);
    }

    fn settle_conversation(&mut self, c: ConversationId) {
        if let Some(decision) = self.r.decide_for_conversation(c, self.now) {
            self.apply(decision);
        }
    }

    fn settle_agent(&mut self, agent: AgentId) {
        while let Some(decision) = self.r.decide_for_agent(agent, self.now) {
            self.apply(decision);
        }
    }

    fn settle_change(&mut self, agent: AgentId, change: caredesk::routing::AgentChange) {
        for c in change
            .requeued
            .iter()
            .chain(&change.offers_withdrawn)
            .chain(&change.holds_released)
        {
            self.settle_conversation(*c);
        }
        self.settle_agent(agent);
    }

    fn in_state(&self, pick: impl Fn(RouteState) -> bool) -> Vec<ConversationId> {
        self.known
            .keys()
            .copied()
            .filter(|c| self.r.state(*c).is_some_and(&pick))
            .collect()
    }

    /// Fires every router timer due up to `until`, as the engine does when
    /// its next deadline passes.
    fn fire_due(&mut self, until: DateTime<Utc>) {
        while let Some((at, timer)) = self.r.next_timer() {
            if at > until {
                break;
            }
            self.now = self.now.max(at);
            let now = self.now;
            match timer {
                RouterTimer::OfferExpires { conversation } => {
                    let ended = self.r.expire_offer(conversation, now).unwrap();
                    self.known
                        .get_mut(&conversation)
                        .unwrap()
                        .declined
                        .insert(ended.agent);
                    if ended.set_away {
                        let change = self
                            .r
                            .set_presence(ended.agent, Presence::Away, now)
                            .unwrap();
                        self.settle_change(ended.agent, change);
                    }
                    self.settle_conversation(conversation);
                    self.settle_agent(ended.agent);
                }
                RouterTimer::HoldEnds { conversation } => {
                    self.r.end_hold(conversation).unwrap();
                    self.settle_conversation(conversation);
                }
                RouterTimer::Relax { conversation, step } => {
                    self.r.relax(conversation, step).unwrap();
                    self.settle_conversation(conversation);
                }
                RouterTimer::Shift { agent } => {
                    let change = self.r.shift_boundary(agent, now).unwrap();
                    self.settle_change(agent, change);
                }
            }
        }
    }

    fn run(&mut self, op: &Op) {
        self.run_op(op);
        self.fire_due(self.now);
    }

    fn run_op(&mut self, op: &Op) {
        match op {
            Op::Arrive {
                language,
                channel,
                private,
                required,
                preferred,
                team: t,
                priority,
                customer: who,
            } => {
                self.next += 1;
                let c = cid(self.next);
                let mut needs =
                    RouteRequirements::new(LANGUAGES.get(*language).copied(), CHANNELS[*channel]);
                if *private {
                    needs = needs.with_visibility(Visibility::Private);
                }
                if let Some((s, l)) = required {
                    needs = needs.with_required_skill(Skill::new(SKILLS[*s]), *l);
                }
                if let Some(s) = preferred {
                    needs = needs.with_preferred_skill(Skill::new(SKILLS[*s]));
                }
                if let Some(t) = t {
                    needs = needs.with_team(team(*t));
                }
                if let Some(who) = who {
                    needs = needs.with_customer(customer(*who));
                }
                let priority = PRIORITIES[*priority];
                let queue = if priority == Priority::Urgent {
                    QueueId(1)
                } else {
                    QueueId::DEFAULT
                };
                let weight = if *private { 2 } else { 1 };
                self.r
                    .enqueue(c, needs.clone(), priority, None, self.now)
                    .unwrap();
                assert_eq!(self.r.queue_of(c), Some(queue));
                self.known.insert(
                    c,
                    Known {
                        needs,
                        queue,
                        arrival: self.now,
                        declined: BTreeSet::new(),
                        weight,
                    },
                );
                self.settle_conversation(c);
            }
            Op::Complete(i) => {
                let assigned = self.in_state(|s| matches!(s, RouteState::Assigned { .. }));
                if let Some(c) = assigned.get(i % assigned.len().max(1)) {
                    let agent = self.r.release(*c, self.now).unwrap();
                    self.known.remove(c);
                    self.settle_agent(agent);
                }
            }
            Op::Presence(a, p) => {
                let agent = aid(*a as u128);
                if self.r.agent(agent).is_some() {
                    let change = self.r.set_presence(agent, PRESENCES[*p], self.now).unwrap();
                    self.settle_change(agent, change);
                }
            }
            Op::Decline(i) | Op::Accept(i) => {
                let offered = self.in_state(|s| matches!(s, RouteState::Offered { .. }));
                if let Some(c) = offered.get(i % offered.len().max(1)).copied() {
                    let agent = self.holder(c).unwrap();
                    if matches!(op, Op::Accept(_)) {
                        self.r.accept(c, agent, self.now).unwrap();
                    } else {
                        let ended = self.r.decline(c, agent, self.now).unwrap();
                        self.known.get_mut(&c).unwrap().declined.insert(agent);
                        assert!(!ended.set_away);
                        self.settle_conversation(c);
                        self.settle_agent(agent);
                    }
                }
            }
            Op::Advance(minutes) => {
                let until = self.now + Duration::minutes(*minutes);
                self.fire_due(until);
                self.now = until;
            }
            Op::Rekey(i, p) => {
                let waiting =
                    self.in_state(|s| matches!(s, RouteState::Waiting | RouteState::Held { .. }));
                if let Some(c) = waiting.get(i % waiting.len().max(1)) {
                    self.r
                        .rekey(*c, PRIORITIES[*p], Some(self.now + Duration::minutes(60)))
                        .unwrap();
                }
            }
        }
    }

    fn check_invariants(&self) {
        let agents: Vec<AgentId> = self.r.agents().map(|a| a.id).collect();
        for agent in &agents {
            let a = self.r.agent(*agent).unwrap();
            let load = self.load(*agent);
            assert_eq!(
                self.r.load(*agent),
                Some(load),
                "router load matches the model"
            );
            assert!(load <= a.capacity.total, "agent over capacity");
            for channel in CHANNELS {
                assert!(self.channel_load(*agent, channel) <= a.capacity.limit_for(channel));
            }
        }
        let waiting = self.in_state(|s| s == RouteState::Waiting);
        for c in &waiting {
            for agent in &agents {
                assert!(
                    !self.eligible(*agent, *c),
                    "not work-conserving: {agent} could take {c} at {}",
                    self.now
                );
            }
        }
        // Relaxation steps are taken exactly when due.
        for c in self.in_state(|s| !matches!(s, RouteState::Assigned { .. })) {
            let known = &self.known[&c];
            if known.queue == QueueId::DEFAULT {
                let due = RelaxationStep::airline_default()
                    .iter()
                    .filter(|step| known.arrival + Duration::seconds(step.after_secs) <= self.now)
                    .count();
                assert!(
                    usize::from(self.r.stage(c).unwrap()) >= due,
                    "step {c} overdue"
                );
            }
        }
    }
}

fn run_script(config: RouterConfig, agents: &[AgentSpec], ops: &[Op]) -> Sim {
    let mut sim = Sim::new(config, agents);
    sim.check_invariants();
    for op in ops {
        sim.run(op);
        sim.check_invariants();
    }
    sim
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn random_scripts_keep_capacity_eligibility_and_work_conservation(
        agents in proptest::collection::vec(agent_spec(), 1..=5),
        ops in proptest::collection::vec(op(), 1..60),
        strategy in 0usize..4,
        push in any::<bool>(),
        requeue in any::<bool>(),
    ) {
        let sim = run_script(script_config(strategy, push, requeue), &agents, &ops);
        // The same script gives the same decisions and the same state.
        let again = run_script(script_config(strategy, push, requeue), &agents, &ops);
        prop_assert_eq!(&sim.log, &again.log);
        prop_assert!(sim.r == again.r);
        // And the state survives serialization with identical behaviour.
        let back: Router = serde_json::from_str(&serde_json::to_string(&sim.r).unwrap()).unwrap();
        prop_assert!(back == sim.r);
        prop_assert_eq!(back.next_timer(), sim.r.next_timer());
        for agent in sim.r.agents().map(|a| a.id) {
            prop_assert_eq!(back.decide_for_agent(agent, sim.now), sim.r.decide_for_agent(agent, sim.now));
        }
        for c in sim.known.keys() {
            prop_assert_eq!(back.decide_for_conversation(*c, sim.now), sim.r.decide_for_conversation(*c, sim.now));
        }
    }

    #[test]
    fn round_robin_spreads_arrivals_evenly(agents in 2u128..9, arrivals in 1u128..80) {
        let config = RouterConfig { strategy: RoutingStrategy::RoundRobin, ..RouterConfig::default() };
        let mut r = router(config, (0..agents).map(|n| online(n, &[Language::DUTCH], 100)).collect());
        let mut counts: BTreeMap<AgentId, u32> = BTreeMap::new();
        for n in 0..arrivals {
            let decision = arrive(&mut r, n, dutch_x(), t0()).unwrap();
            *counts.entry(decision.agent()).or_insert(0) += 1;
        }
        let max = counts.values().max().copied().unwrap_or(0);
        let min = if counts.len() as u128 == agents { counts.values().min().copied().unwrap_or(0) } else { 0 };
        prop_assert!(max - min <= 1, "counts {:?}", counts);
    }
}

/// A long queue keeps service order through everything that lands inside
/// it: the waiting class's sorted run takes appends at the back, and keys
/// placed or removed deep inside it (an early deadline, a raised priority,
/// a conversation leaving the queue) move part of it into the class's
/// B-tree. Checked against `QueueOrder` after every step, then by serving
/// the whole queue.
#[test]
fn long_queues_keep_service_order_through_inserts_and_removals_inside_them() {
    use caredesk::routing::QueueOrder;
    use caredesk::sim::SimRng;
    let mut router = router(RouterConfig::default(), vec![]);
    let mut model: BTreeMap<ConversationId, QueueOrder> = BTreeMap::new();
    let expected = |model: &BTreeMap<ConversationId, QueueOrder>| {
        let mut orders: Vec<QueueOrder> = model.values().copied().collect();
        orders.sort();
        orders
            .into_iter()
            .map(|o| o.conversation)
            .collect::<Vec<_>>()
    };
    let mut rng = SimRng::new(0x5EED);
    let mut arrivals = 0u128;
    for step in 0..1_500 {
        match rng.below(10) {
            choice @ 0..=6 => {
                // An arrival: mostly behind everyone (no deadline), one in
                // seven with a deadline somewhere among the waiting ones'.
                arrivals += 1;
                let at = t0() + Duration::seconds(arrivals as i64);
                let deadline = (choice == 6)
                    .then(|| t0() + Duration::seconds(rng.below(arrivals as u64 + 1) as i64));
                router
                    .enqueue(cid(arrivals), dutch_x(), Priority::Normal, deadline, at)
                    .unwrap();
                model.insert(
                    cid(arrivals),
                    QueueOrder::new(cid(arrivals), Priority::Normal, deadline, at),
                );
            }
            7 if !model.is_empty() => {
                // One leaves the queue from anywhere.
                let nth = rng.below(model.len() as u64) as usize;
                let id = *model.keys().nth(nth).unwrap();
                router.dequeue(id).unwrap();
                model.remove(&id);
            }
            8 if !model.is_empty() => {
                // One is raised (or given a deadline) in place.
                let nth = rng.below(model.len() as u64) as usize;
                let id = *model.keys().nth(nth).unwrap();
                let old = model[&id];
                let priority =
                    [Priority::Normal, Priority::High, Priority::Urgent][rng.below(3) as usize];
                let deadline = Some(old.arrival + Duration::minutes(rng.below(90) as i64));
                router.rekey(id, priority, deadline).unwrap();
                model.insert(id, QueueOrder::new(id, priority, deadline, old.arrival));
            }
            _ => {}
        }
        if step % 25 == 0 {
            assert_eq!(router.all_waiting(), expected(&model), "step {step}");
        }
    }
    assert!(model.len() > 300, "the queue grew long: {}", model.len());
    assert_eq!(router.all_waiting(), expected(&model));
    // Served one at a time, in exactly that order.
    let _ = router
        .upsert_agent(online(1, &[Language::DUTCH], 1), Shift::Always, t0())
        .unwrap();
    for expected_next in expected(&model) {
        let decision = router.decide_for_agent(aid(1), mins(60)).expect("work");
        assert_eq!(decision.conversation(), expected_next);
        router.apply(decision, mins(60)).unwrap();
        router.release(expected_next, mins(60)).unwrap();
    }
    assert_eq!(router.waiting_len(), 0);
}
