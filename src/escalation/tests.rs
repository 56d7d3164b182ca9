//! Unit tests: each condition, the combinators, levels, triggers, actions,
//! validation and next_check.

use super::*;
use crate::model::{
    AgentId, ChannelKind, ConversationId, Intent, Kind, Language, Priority, TeamId, Tier,
    Visibility,
};
use chrono::{DateTime, Duration, Utc};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn t0() -> DateTime<Utc> {
    at("2026-11-23T10:00:00Z")
}

fn mins(n: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(n)
}

fn conv() -> ConversationId {
    ConversationId::from_uuid(uuid::Uuid::from_u128(7))
}

fn facts(now: DateTime<Utc>) -> ConversationFacts<'static> {
    ConversationFacts::new(conv(), now)
}

fn tag_rule(id: &str, condition: Condition) -> EscalationRule {
    EscalationRule::new(id, condition).then(Action::AddTag(id.to_owned()))
}

fn rules(list: Vec<EscalationRule>) -> EscalationRules {
    EscalationRules::new(list).unwrap()
}

/// Whether the single rule `condition` holds on `facts` (fresh memory).
fn holds(condition: Condition, facts: &ConversationFacts<'_>) -> bool {
    let set = rules(vec![tag_rule("probe", condition)]);
    !set.evaluate(facts, &EscalationMemory::new())
        .fired
        .is_empty()
}

/// Evaluates and records what fired and cleared, as the engine's apply does.
fn step(
    set: &EscalationRules,
    facts: &ConversationFacts<'_>,
    memory: &mut EscalationMemory,
) -> Evaluation {
    let evaluation = set.evaluate(facts, memory);
    for fired in &evaluation.fired {
        memory.record(&fired.rule, fired.level, facts.now);
    }
    for rule in &evaluation.cleared {
        memory.observe(rule, false);
    }
    evaluation
}

fn fired_ids(evaluation: &Evaluation) -> Vec<(String, u8)> {
    evaluation
        .fired
        .iter()
        .map(|fired| (fired.rule.clone(), fired.level))
        .collect()
}

// --- conditions ---------------------------------------------------------

#[test]
fn sla_warning_condition_matches_warning_and_breached_but_not_running_or_met() {
    let condition = Condition::sla(SlaTarget::FirstResponse, SlaStage::Warning);
    for (stage, expected) in [
        (SlaStage::Running, false),
        (SlaStage::Warning, true),
        (SlaStage::Breached, true),
        (SlaStage::Met, false),
    ] {
        let clocks = [SlaFact {
            target: SlaTarget::FirstResponse,
            stage,
            since: t0(),
        }];
        let f = ConversationFacts {
            sla: &clocks,
            ..facts(mins(1))
        };
        assert_eq!(holds(condition.clone(), &f), expected, "{stage:?}");
    }
}

#[test]
fn sla_condition_looks_only_at_its_own_target() {
    let clocks = [SlaFact {
        target: SlaTarget::Resolution,
        stage: SlaStage::Breached,
        since: t0(),
    }];
    let f = ConversationFacts {
        sla: &clocks,
        ..facts(mins(1))
    };
    let condition = Condition::sla(SlaTarget::FirstResponse, SlaStage::Breached);
    assert!(!holds(condition, &f));
}

#[test]
fn sla_breached_for_thirty_minutes_waits_and_names_the_instant() {
    let clocks = [SlaFact {
        target: SlaTarget::NextResponse,
        stage: SlaStage::Breached,
        since: t0(),
    }];
    let set = rules(vec![tag_rule(
        "long-breach",
        Condition::Sla {
            target: SlaTarget::NextResponse,
            stage: SlaStage::Breached,
            for_secs: 1800,
        },
    )]);
    let early = ConversationFacts {
        sla: &clocks,
        ..facts(mins(10))
    };
    let evaluation = set.evaluate(&early, &EscalationMemory::new());
    assert!(evaluation.fired.is_empty());
    assert_eq!(evaluation.next_check, Some(mins(30)));
    let due = ConversationFacts {
        sla: &clocks,
        ..facts(mins(30))
    };
    assert_eq!(
        fired_ids(&set.evaluate(&due, &EscalationMemory::new())),
        vec![("long-breach".to_owned(), 1)]
    );
}

#[test]
fn sentiment_condition_holds_at_or_below_the_threshold() {
    let condition = Condition::SentimentAtOrBelow(-0.5);
    for (sentiment, expected) in [(-0.9, true), (-0.5, true), (-0.49, false), (0.3, false)] {
        let f = ConversationFacts {
            sentiment,
            ..facts(t0())
        };
        assert_eq!(holds(condition.clone(), &f), expected, "{sentiment}");
    }
}

#[test]
fn keywords_match_whole_words_case_insensitively() {
    let condition = Condition::Keywords(TextLists::new().any_language(["Sue", "legal action"]));
    for (text, expected) in [
        ("I will SUE you", true),
        ("Considering legal action now.", true),
        ("sue!", true),
        ("there is an issue with my bag", false),
        ("pursue a refund", false),
        ("legal actions", false),
    ] {
        let f = ConversationFacts {
            last_customer_text: text,
            ..facts(t0())
        };
        assert_eq!(holds(condition.clone(), &f), expected, "{text}");
    }
}

#[test]
fn keywords_in_unspaced_scripts_match_inside_words() {
    let condition = Condition::Keywords(
        TextLists::new()
            .language(Language::JAPANESE, ["弁護士"])
            .language(Language::KOREAN, ["변호사"]),
    );
    let japanese = ConversationFacts {
        language: Some(Language::JAPANESE),
        last_customer_text: "弁護士に相談します",
        ..facts(t0())
    };
    assert!(holds(condition.clone(), &japanese));
    let korean = ConversationFacts {
        language: Some(Language::KOREAN),
        last_customer_text: "변호사가 연락할 것입니다",
        ..facts(t0())
    };
    assert!(holds(condition, &korean));
}

#[test]
fn keyword_lists_apply_only_in_their_language_unless_the_language_is_unknown() {
    // "gift" is poison in German and a present in English.
    let condition = Condition::Keywords(TextLists::new().language(Language::GERMAN, ["gift"]));
    let english = ConversationFacts {
        language: Some(Language::ENGLISH),
        last_customer_text: "a gift for the crew",
        ..facts(t0())
    };
    assert!(!holds(condition.clone(), &english));
    let german = ConversationFacts {
        language: Some(Language::GERMAN),
        ..english.clone()
    };
    assert!(holds(condition.clone(), &german));
    let unknown = ConversationFacts {
        language: None,
        ..english
    };
    assert!(holds(condition, &unknown));
}

#[test]
fn patterns_are_per_language_regular_expressions() {
    let condition = Condition::Patterns(
        TextLists::new()
            .language(Language::DUTCH, [r"(?i)\bklacht(en)?\b"])
            .language(Language::ENGLISH, [r"(?i)\bcomplain(t|ts|ing)?\b"]),
    );
    let dutch = ConversationFacts {
        language: Some(Language::DUTCH),
        last_customer_text: "Ik dien een KLACHT in",
        ..facts(t0())
    };
    assert!(holds(condition.clone(), &dutch));
    let dutch_text_marked_english = ConversationFacts {
        language: Some(Language::ENGLISH),
        ..dutch.clone()
    };
    assert!(!holds(condition.clone(), &dutch_text_marked_english));
    let english = ConversationFacts {
        language: Some(Language::ENGLISH),
        last_customer_text: "I am complaining about the delay",
        ..facts(t0())
    };
    assert!(holds(condition, &english));
}

#[test]
fn a_bad_pattern_is_refused_naming_the_rule_and_the_pattern() {
    let error = EscalationRules::new(vec![
        tag_rule("fine", Condition::ReachAtLeast(1)),
        tag_rule(
            "lawyers",
            Condition::Patterns(TextLists::new().language(Language::ENGLISH, ["(unclosed"])),
        ),
    ])
    .unwrap_err();
    match error {
        EscalationError::BadPattern { rule, pattern, .. } => {
            assert_eq!(rule, "lawyers");
            assert_eq!(pattern, "(unclosed");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn reach_tier_intent_kind_channel_and_tag_conditions_compare_as_named() {
    let intents = [Intent::baggage()];
    let tags = ["vip".to_owned()];
    let f = ConversationFacts {
        reach: 50_000,
        tier: Tier::Gold,
        intents: &intents,
        kind: Kind::Mention,
        channel: ChannelKind::Instagram,
        tags: &tags,
        ..facts(t0())
    };
    assert!(holds(Condition::ReachAtLeast(50_000), &f));
    assert!(!holds(Condition::ReachAtLeast(50_001), &f));
    assert!(holds(Condition::TierAtLeast(Tier::Silver), &f));
    assert!(holds(Condition::TierAtLeast(Tier::Gold), &f));
    assert!(!holds(Condition::TierAtLeast(Tier::Platinum), &f));
    assert!(holds(
        Condition::IntentIn(vec![Intent::refund(), Intent::baggage()]),
        &f
    ));
    assert!(!holds(Condition::IntentIn(vec![Intent::refund()]), &f));
    assert!(holds(Condition::KindIs(Kind::Mention), &f));
    assert!(!holds(Condition::KindIs(Kind::Query), &f));
    assert!(holds(Condition::ChannelIs(ChannelKind::Instagram), &f));
    assert!(!holds(Condition::ChannelIs(ChannelKind::X), &f));
    assert!(holds(Condition::Tagged("vip".into()), &f));
    assert!(!holds(Condition::Tagged("press".into()), &f));
}

#[test]
fn repeat_contacts_counts_unanswered_messages_in_a_sliding_window() {
    let posts = [mins(0), mins(20), mins(50)];
    let condition = Condition::repeat_contacts(3, Duration::hours(1));
    let within = ConversationFacts {
        unanswered: 3,
        unanswered_at: &posts,
        ..facts(mins(55))
    };
    assert!(holds(condition.clone(), &within));
    // At 10:60 the first post leaves the window.
    let later = ConversationFacts {
        now: mins(60),
        ..within.clone()
    };
    assert!(!holds(condition.clone(), &later));
    // Messages dated after `now` do not count.
    let early = ConversationFacts {
        now: mins(30),
        ..within
    };
    assert!(!holds(condition, &early));
}

#[test]
fn unanswered_at_least_counts_messages_since_the_last_agent_reply() {
    let f = ConversationFacts {
        unanswered: 2,
        ..facts(t0())
    };
    assert!(holds(Condition::UnansweredAtLeast(2), &f));
    assert!(!holds(Condition::UnansweredAtLeast(3), &f));
}

#[test]
fn queued_for_holds_after_the_wait_and_names_the_instant_before() {
    let set = rules(vec![tag_rule(
        "long-wait",
        Condition::queued_for(Duration::minutes(45)),
    )]);
    let waiting = ConversationFacts {
        queued_since: Some(t0()),
        ..facts(mins(20))
    };
    let evaluation = set.evaluate(&waiting, &EscalationMemory::new());
    assert!(evaluation.fired.is_empty());
    assert_eq!(evaluation.next_check, Some(mins(45)));
    let due = ConversationFacts {
        now: mins(45),
        ..waiting
    };
    assert_eq!(
        fired_ids(&set.evaluate(&due, &EscalationMemory::new())),
        vec![("long-wait".to_owned(), 1)]
    );
    let not_queued = facts(mins(90));
    assert!(!holds(
        Condition::queued_for(Duration::minutes(45)),
        &not_queued
    ));
}

// --- combinators --------------------------------------------------------

#[test]
fn all_any_and_not_combine_conditions() {
    let f = ConversationFacts {
        reach: 10,
        tier: Tier::Gold,
        ..facts(t0())
    };
    let big = || Condition::ReachAtLeast(1000);
    let gold = || Condition::TierAtLeast(Tier::Gold);
    assert!(!holds(Condition::all([big(), gold()]), &f));
    assert!(holds(Condition::any([big(), gold()]), &f));
    assert!(holds(Condition::all([Condition::not(big()), gold()]), &f));
    assert!(!holds(Condition::not(gold()), &f));
    assert!(holds(Condition::all([]), &f));
    assert!(!holds(Condition::any([]), &f));
}

#[test]
fn not_queued_for_turns_false_at_the_threshold_and_says_when() {
    let set = rules(vec![tag_rule(
        "fresh",
        Condition::not(Condition::queued_for(Duration::minutes(10))),
    )
    .repeating()]);
    let f = ConversationFacts {
        queued_since: Some(t0()),
        ..facts(mins(3))
    };
    let evaluation = set.evaluate(&f, &EscalationMemory::new());
    assert_eq!(fired_ids(&evaluation), vec![("fresh".to_owned(), 1)]);
    assert_eq!(evaluation.next_check, Some(mins(10)));
}

// --- levels, triggers, repeat -------------------------------------------

fn breached_rule() -> EscalationRule {
    EscalationRule::new(
        "breach",
        Condition::sla(SlaTarget::FirstResponse, SlaStage::Breached),
    )
    .then(Action::Notify {
        message: "level {level}: {rule} on {name}".into(),
    })
    .level_after(
        Duration::minutes(30),
        [Action::Notify {
            message: "still breached".into(),
        }],
    )
    .level_after(
        Duration::minutes(60),
        [Action::RaisePriorityTo(Priority::Urgent)],
    )
}

#[test]
fn levels_climb_after_their_delays_while_the_condition_holds() {
    let set = rules(vec![breached_rule()]);
    let clocks = [SlaFact {
        target: SlaTarget::FirstResponse,
        stage: SlaStage::Breached,
        since: t0(),
    }];
    let mut memory = EscalationMemory::new();
    let at_minute = |n| ConversationFacts {
        sla: &clocks,
        customer_name: Some("Anna"),
        ..facts(mins(n))
    };

    let first = step(&set, &at_minute(0), &mut memory);
    assert_eq!(fired_ids(&first), vec![("breach".to_owned(), 1)]);
    assert_eq!(
        first.fired[0].actions,
        vec![FiredAction::Notify {
            notification: Notification {
                conversation: conv(),
                level: 1,
                rule: "breach".into(),
                message: "level 1: breach on Anna".into(),
            }
        }]
    );
    assert_eq!(first.next_check, Some(mins(30)));

    let early = step(&set, &at_minute(29), &mut memory);
    assert!(early.is_empty());
    assert_eq!(early.next_check, Some(mins(30)));

    let second = step(&set, &at_minute(30), &mut memory);
    assert_eq!(fired_ids(&second), vec![("breach".to_owned(), 2)]);
    assert_eq!(second.next_check, Some(mins(90)));

    let third = step(&set, &at_minute(90), &mut memory);
    assert_eq!(fired_ids(&third), vec![("breach".to_owned(), 3)]);
    assert_eq!(
        third.fired[0].actions,
        vec![FiredAction::SetPriority {
            from: Priority::Normal,
            to: Priority::Urgent
        }]
    );
    // Top level reached, not repeating: nothing left to wait for.
    let after = step(&set, &at_minute(500), &mut memory);
    assert!(after.is_empty());
    assert_eq!(after.next_check, None);
}

#[test]
fn a_late_evaluation_fires_one_level_and_times_the_next_from_it() {
    let set = rules(vec![breached_rule()]);
    let clocks = [SlaFact {
        target: SlaTarget::FirstResponse,
        stage: SlaStage::Breached,
        since: t0(),
    }];
    let mut memory = EscalationMemory::new();
    let at_minute = |n| ConversationFacts {
        sla: &clocks,
        ..facts(mins(n))
    };
    let _ = step(&set, &at_minute(0), &mut memory);
    let late = step(&set, &at_minute(200), &mut memory);
    assert_eq!(fired_ids(&late), vec![("breach".to_owned(), 2)]);
    assert_eq!(late.next_check, Some(mins(260)));
}

#[test]
fn a_level_is_not_reached_when_the_condition_stopped_holding_in_between() {
    let set = rules(vec![breached_rule()]);
    let breached = [SlaFact {
        target: SlaTarget::FirstResponse,
        stage: SlaStage::Breached,
        since: t0(),
    }];
    let met = [SlaFact {
        target: SlaTarget::FirstResponse,
        stage: SlaStage::Met,
        since: mins(10),
    }];
    let mut memory = EscalationMemory::new();
    let _ = step(
        &set,
        &ConversationFacts {
            sla: &breached,
            ..facts(mins(0))
        },
        &mut memory,
    );
    let answered = step(
        &set,
        &ConversationFacts {
            sla: &met,
            ..facts(mins(10))
        },
        &mut memory,
    );
    assert_eq!(answered.cleared, vec!["breach".to_owned()]);
    assert!(answered.fired.is_empty());
    // Breached again later (say a later clock): not repeating, so silent.
    let again = step(
        &set,
        &ConversationFacts {
            sla: &breached,
            ..facts(mins(40))
        },
        &mut memory,
    );
    assert!(again.is_empty());
    assert_eq!(again.next_check, None);
}

#[test]
fn a_rule_fires_once_per_trigger_and_re_evaluation_never_repeats_it() {
    let set = rules(vec![tag_rule("angry", Condition::SentimentAtOrBelow(-0.5))]);
    let angry = ConversationFacts {
        sentiment: -0.8,
        ..facts(t0())
    };
    let mut memory = EscalationMemory::new();
    assert_eq!(step(&set, &angry, &mut memory).fired.len(), 1);
    for minute in 1..10 {
        let again = ConversationFacts {
            now: mins(minute),
            ..angry.clone()
        };
        assert!(step(&set, &again, &mut memory).is_empty());
    }
    assert_eq!(memory.rule("angry").map(|r| r.triggers), Some(1));
}

#[test]
fn a_repeating_rule_fires_again_only_after_its_condition_went_false() {
    let set = rules(vec![
        tag_rule("angry", Condition::SentimentAtOrBelow(-0.5)).repeating()
    ]);
    let mut memory = EscalationMemory::new();
    let with = |minute, sentiment| ConversationFacts {
        sentiment,
        ..facts(mins(minute))
    };
    assert_eq!(step(&set, &with(0, -0.8), &mut memory).fired.len(), 1);
    assert!(step(&set, &with(1, -0.9), &mut memory).is_empty());
    let calm = step(&set, &with(2, 0.4), &mut memory);
    assert_eq!(calm.cleared, vec!["angry".to_owned()]);
    assert!(step(&set, &with(3, 0.1), &mut memory).is_empty());
    assert_eq!(
        fired_ids(&step(&set, &with(4, -0.7), &mut memory)),
        vec![("angry".to_owned(), 1)]
    );
    assert_eq!(memory.rule("angry").map(|r| r.triggers), Some(2));
}

#[test]
fn a_fired_rule_with_nothing_pending_asks_for_no_wake_up() {
    let set = rules(vec![tag_rule(
        "two",
        Condition::repeat_contacts(2, Duration::hours(1)),
    )]);
    let posts = [mins(0), mins(5)];
    let f = ConversationFacts {
        unanswered: 2,
        unanswered_at: &posts,
        ..facts(mins(5))
    };
    let mut memory = EscalationMemory::new();
    let first = step(&set, &f, &mut memory);
    assert_eq!(first.fired.len(), 1);
    assert_eq!(first.next_check, None);
    // A repeating twin must wake when the window empties (it may re-arm).
    let repeating = rules(vec![tag_rule(
        "two",
        Condition::repeat_contacts(2, Duration::hours(1)),
    )
    .repeating()]);
    let evaluation = repeating.evaluate(&f, &EscalationMemory::new());
    assert_eq!(evaluation.next_check, Some(mins(60)));
}

#[test]
fn next_check_is_the_earliest_instant_over_all_rules() {
    let set = rules(vec![
        tag_rule("q45", Condition::queued_for(Duration::minutes(45))),
        tag_rule("q15", Condition::queued_for(Duration::minutes(15))),
        tag_rule("q30", Condition::queued_for(Duration::minutes(30))),
    ]);
    let f = ConversationFacts {
        queued_since: Some(t0()),
        ..facts(mins(1))
    };
    assert_eq!(
        set.evaluate(&f, &EscalationMemory::new()).next_check,
        Some(mins(15))
    );
    let later = ConversationFacts { now: mins(20), ..f };
    let evaluation = set.evaluate(&later, &EscalationMemory::new());
    assert_eq!(fired_ids(&evaluation), vec![("q15".to_owned(), 1)]);
    assert_eq!(evaluation.next_check, Some(mins(30)));
}

// --- actions ------------------------------------------------------------

#[test]
fn actions_compose_in_rule_order_and_changes_that_change_nothing_are_left_out() {
    let team = TeamId::from_uuid(uuid::Uuid::from_u128(3));
    let boss = AgentId::from_uuid(uuid::Uuid::from_u128(4));
    let set = rules(vec![
        EscalationRule::new("a", Condition::all([]))
            .then(Action::RaisePriorityOneStep)
            .then(Action::AddTag("escalated".into()))
            .then(Action::AddTag("already".into())),
        EscalationRule::new("b", Condition::all([]))
            .then(Action::RaisePriorityOneStep)
            .then(Action::RaisePriorityTo(Priority::High))
            .then(Action::AddTag("escalated".into()))
            .then(Action::MoveToTeam(team))
            .then(Action::AssignSupervisor(boss))
            .then(Action::AssignSupervisor(boss)),
    ]);
    let tags = ["already".to_owned()];
    let f = ConversationFacts {
        tags: &tags,
        ..facts(t0())
    };
    let evaluation = set.evaluate(&f, &EscalationMemory::new());
    assert_eq!(
        evaluation.fired,
        vec![
            Fired {
                rule: "a".into(),
                level: 1,
                actions: vec![
                    FiredAction::SetPriority {
                        from: Priority::Normal,
                        to: Priority::High
                    },
                    FiredAction::AddTag {
                        tag: "escalated".into()
                    },
                ],
            },
            Fired {
                rule: "b".into(),
                level: 1,
                actions: vec![
                    FiredAction::SetPriority {
                        from: Priority::High,
                        to: Priority::Urgent
                    },
                    FiredAction::MoveToTeam { team },
                    FiredAction::AssignSupervisor { agent: boss },
                ],
            },
        ]
    );
}

#[test]
fn acknowledgement_is_rendered_in_the_conversation_language_with_the_name() {
    let ack = Acknowledgement::new(Visibility::Private, "Hi {name}, we'll be right with you.")
        .with_text(Language::FRENCH, "Bonjour {name}, nous revenons vers vous.");
    let set = rules(vec![
        EscalationRule::new("ack", Condition::all([])).then(Action::Acknowledge(ack))
    ]);
    let french = ConversationFacts {
        language: Some(Language::FRENCH),
        customer_name: Some("Élodie"),
        ..facts(t0())
    };
    assert_eq!(
        set.evaluate(&french, &EscalationMemory::new()).fired[0].actions,
        vec![FiredAction::Acknowledge {
            visibility: Visibility::Private,
            text: "Bonjour Élodie, nous revenons vers vous.".into()
        }]
    );
    let unknown = facts(t0());
    assert_eq!(
        set.evaluate(&unknown, &EscalationMemory::new()).fired[0].actions,
        vec![FiredAction::Acknowledge {
            visibility: Visibility::Private,
            text: "Hi, we'll be right with you.".into()
        }]
    );
}

#[test]
fn templates_keep_unknown_placeholders_and_lone_braces() {
    let ack = Acknowledgement::new(Visibility::Public, "{greeting} {name} {");
    assert_eq!(ack.render(None, Some("Bo")), "{greeting} Bo {");
}

// --- validation, determinism, serde -------------------------------------

#[test]
fn rule_sets_refuse_empty_and_repeated_ids_too_many_levels_and_nan() {
    assert_eq!(
        EscalationRules::new(vec![tag_rule(" ", Condition::all([]))]).unwrap_err(),
        EscalationError::EmptyRuleId
    );
    assert_eq!(
        EscalationRules::new(vec![
            tag_rule("x", Condition::all([])),
            tag_rule("x", Condition::any([]))
        ])
        .unwrap_err(),
        EscalationError::DuplicateRuleId("x".into())
    );
    let mut deep = tag_rule("deep", Condition::all([]));
    for _ in 0..4 {
        deep = deep.level_after(Duration::minutes(5), []);
    }
    assert_eq!(
        EscalationRules::new(vec![deep]).unwrap_err(),
        EscalationError::TooManyLevels {
            rule: "deep".into(),
            levels: 5
        }
    );
    assert_eq!(
        EscalationRules::new(vec![tag_rule(
            "nan",
            Condition::any([Condition::SentimentAtOrBelow(f32::NAN)])
        )])
        .unwrap_err(),
        EscalationError::SentimentNotANumber { rule: "nan".into() }
    );
}

#[test]
fn evaluation_is_deterministic_and_follows_the_given_rule_order() {
    let list = vec![
        tag_rule("z", Condition::all([])),
        tag_rule("a", Condition::all([])),
        tag_rule("m", Condition::all([])),
    ];
    let set = rules(list.clone());
    let f = facts(t0());
    let first = set.evaluate(&f, &EscalationMemory::new());
    let second = set.evaluate(&f, &EscalationMemory::new());
    assert_eq!(first, second);
    let order: Vec<_> = first.fired.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(order, ["z", "a", "m"]);
    let reversed = rules(list.into_iter().rev().collect());
    let order: Vec<_> = reversed
        .evaluate(&f, &EscalationMemory::new())
        .fired
        .into_iter()
        .map(|f| f.rule)
        .collect();
    assert_eq!(order, ["m", "a", "z"]);
}

#[test]
fn rules_and_memory_survive_a_json_round_trip() {
    let set = rules(vec![
        breached_rule(),
        EscalationRule::new(
            "words",
            Condition::any([
                Condition::Keywords(TextLists::new().language(Language::DUTCH, ["advocaat"])),
                Condition::Patterns(TextLists::new().any_language([r"(?i)\blawyer"])),
                Condition::not(Condition::TierAtLeast(Tier::Gold)),
            ]),
        )
        .then(Action::Acknowledge(
            Acknowledgement::new(Visibility::Public, "Hi {name}")
                .with_text(Language::DUTCH, "Hoi {name}"),
        ))
        .repeating(),
    ]);
    let json = serde_json::to_string(&set).unwrap();
    let back: EscalationRules = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back.rules().cloned().collect::<Vec<_>>(),
        set.rules().cloned().collect::<Vec<_>>()
    );
    let bad = json.replace(r"(?i)\\blawyer", "(");
    assert!(serde_json::from_str::<EscalationRules>(&bad).is_err());

    let mut memory = EscalationMemory::new();
    memory.record("breach", 1, t0());
    memory.record("breach", 2, mins(30));
    memory.observe("words", true);
    let json = serde_json::to_string(&memory).unwrap();
    assert_eq!(
        serde_json::from_str::<EscalationMemory>(&json).unwrap(),
        memory
    );
}

#[test]
fn memory_forgets_levels_on_a_new_trigger_and_ignores_clearing_unknown_rules() {
    let mut memory = EscalationMemory::new();
    memory.observe("never", false);
    assert!(memory.is_empty());
    memory.record("r", 1, t0());
    memory.record("r", 2, mins(5));
    memory.observe("r", false);
    assert_eq!(memory.rule("r").and_then(RuleMemory::active_level), None);
    memory.record("r", 1, mins(9));
    let remembered = memory.rule("r").unwrap();
    assert_eq!(remembered.triggers, 2);
    assert_eq!(
        remembered.levels,
        vec![LevelFired {
            level: 1,
            at: mins(9)
        }]
    );
}

#[test]
fn rules_know_whether_any_condition_reads_the_survey_answer() {
    let csat = Condition::CsatAtOrBelow {
        score: 2,
        with_comment: false,
    };
    let plain = Condition::sla(SlaTarget::FirstResponse, SlaStage::Breached);
    assert!(!rules(vec![tag_rule("plain", plain.clone())]).reads_csat());
    assert!(!EscalationRules::default().reads_csat());
    assert!(rules(vec![tag_rule("direct", csat.clone())]).reads_csat());
    // Nested anywhere inside a combinator counts too.
    let nested = Condition::any([plain.clone(), Condition::not(Condition::all([csat]))]);
    assert!(rules(vec![tag_rule("plain", plain), tag_rule("nested", nested)]).reads_csat());
}
