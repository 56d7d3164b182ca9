//! Cost of one escalation evaluation: a desk's twelve rules (SLA stages,
//! sentiment, keywords and patterns in four languages, repeat contacts,
//! reach, tier, queue time, intents) on one conversation's facts, against
//! the naive approach in the same run (building the rule set, and so
//! compiling its patterns, for every evaluation).
//!
//! The engine evaluates on every change to a conversation and at each
//! `next_check`; at the reference desk's peak (tenfold volume in a crisis,
//! about 20 changes a second) even 100,000 evaluations/s is 5,000x headroom.

use caredesk::escalation::*;
use caredesk::model::*;
use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Instant;

fn desk_rules() -> Vec<EscalationRule> {
    let team = TeamId::from_uuid(uuid::Uuid::from_u128(2));
    let boss = AgentId::from_uuid(uuid::Uuid::from_u128(3));
    let ack = Acknowledgement::new(Visibility::Public, "Hi {name}, we're on it.")
        .with_text(Language::DUTCH, "Hoi {name}, we kijken ernaar.");
    vec![
        EscalationRule::new(
            "ack",
            Condition::all([
                Condition::KindIs(Kind::Query),
                Condition::UnansweredAtLeast(1),
            ]),
        )
        .then(Action::Acknowledge(ack)),
        EscalationRule::new("two", Condition::repeat_contacts(2, Duration::hours(1)))
            .then(Action::RaisePriorityTo(Priority::High)),
        EscalationRule::new("four", Condition::repeat_contacts(4, Duration::hours(1)))
            .then(Action::Notify {
                message: "{name} wrote four times".into(),
            })
            .level_after(Duration::minutes(30), [Action::AssignSupervisor(boss)]),
        EscalationRule::new(
            "frt-warning",
            Condition::sla(SlaTarget::FirstResponse, SlaStage::Warning),
        )
        .then(Action::RaisePriorityOneStep),
        EscalationRule::new(
            "frt-breached",
            Condition::sla(SlaTarget::FirstResponse, SlaStage::Breached),
        )
        .then(Action::Notify {
            message: "breach".into(),
        })
        .level_after(
            Duration::minutes(30),
            [Action::Notify {
                message: "still".into(),
            }],
        )
        .level_after(
            Duration::minutes(60),
            [Action::RaisePriorityTo(Priority::Urgent)],
        ),
        EscalationRule::new("angry", Condition::SentimentAtOrBelow(-0.6))
            .then(Action::AddTag("angry".into())),
        EscalationRule::new(
            "legal",
            Condition::Keywords(
                TextLists::new()
                    .language(
                        Language::ENGLISH,
                        ["lawyer", "sue", "legal action", "court"],
                    )
                    .language(Language::DUTCH, ["advocaat", "rechtszaak"])
                    .language(Language::GERMAN, ["anwalt", "klage"])
                    .language(Language::JAPANESE, ["弁護士", "訴訟"]),
            ),
        )
        .then(Action::MoveToTeam(team)),
        EscalationRule::new(
            "press",
            Condition::Patterns(
                TextLists::new()
                    .language(Language::ENGLISH, [r"(?i)\b(journalist|reporter|press)\b"])
                    .language(Language::DUTCH, [r"(?i)\b(journalist|pers)\b"])
                    .any_language([r"(?i)\b(bbc|cnn|nos)\b"]),
            ),
        )
        .then(Action::Notify {
            message: "press".into(),
        }),
        EscalationRule::new("influencer", Condition::ReachAtLeast(100_000))
            .then(Action::RaisePriorityTo(Priority::High)),
        EscalationRule::new("platinum", Condition::TierAtLeast(Tier::Platinum))
            .then(Action::RaisePriorityOneStep),
        EscalationRule::new("waiting", Condition::queued_for(Duration::minutes(45)))
            .then(Action::Notify {
                message: "waiting".into(),
            })
            .repeating(),
        EscalationRule::new(
            "baggage-refund",
            Condition::all([
                Condition::IntentIn(vec![Intent::baggage(), Intent::refund()]),
                Condition::not(Condition::TierAtLeast(Tier::Gold)),
            ]),
        )
        .then(Action::MoveToTeam(team)),
    ]
}

fn bench(c: &mut Criterion) {
    let rules = EscalationRules::new(desk_rules()).expect("valid rules");
    let now: DateTime<Utc> = "2026-11-23T10:30:00Z".parse().expect("time");
    let posts = [now - Duration::minutes(20), now];
    let intents = [Intent::baggage()];
    let clocks = [SlaFact {
        target: SlaTarget::FirstResponse,
        stage: SlaStage::Running,
        since: now - Duration::minutes(20),
    }];
    let facts = ConversationFacts {
        language: Some(Language::ENGLISH),
        channel: ChannelKind::X,
        sentiment: -0.3,
        intents: &intents,
        reach: 800,
        tier: Tier::Silver,
        last_customer_text: "@KLM still no news about my bag, landed in Oslo two hours ago",
        customer_name: Some("Anna"),
        unanswered: 2,
        unanswered_at: &posts,
        queued_since: Some(now - Duration::minutes(20)),
        sla: &clocks,
        ..ConversationFacts::new(ConversationId::from_uuid(uuid::Uuid::from_u128(1)), now)
    };
    // A conversation on which everything that holds has already fired: the
    // common case (re-evaluation on each change, nothing new).
    let mut memory = EscalationMemory::new();
    let first = rules.evaluate(&facts, &memory);
    for fired in &first.fired {
        memory.record(&fired.rule, fired.level, now);
    }

    let mut group = c.benchmark_group("escalation");
    group.bench_function("evaluate_12_rules_nothing_new", |b| {
        b.iter(|| rules.evaluate(black_box(&facts), black_box(&memory)))
    });
    group.bench_function("evaluate_12_rules_first_time", |b| {
        let empty = EscalationMemory::new();
        b.iter(|| rules.evaluate(black_box(&facts), black_box(&empty)))
    });
    group.bench_function("baseline_build_rules_each_time", |b| {
        b.iter(|| {
            let fresh = EscalationRules::new(desk_rules()).expect("valid rules");
            fresh.evaluate(black_box(&facts), black_box(&memory))
        })
    });
    group.finish();

    let rate = |rounds: u32, f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..rounds {
            f();
        }
        f64::from(rounds) / start.elapsed().as_secs_f64()
    };
    let compiled = rate(200_000, &mut || {
        let _ = black_box(rules.evaluate(black_box(&facts), black_box(&memory)));
    });
    let naive = rate(500, &mut || {
        let fresh = EscalationRules::new(desk_rules()).expect("valid rules");
        let _ = black_box(fresh.evaluate(black_box(&facts), black_box(&memory)));
    });
    eprintln!(
        "evaluate, 12 rules   {compiled:>12.0} evaluations/s ({:.0}x building the rules each time: {naive:.0}/s)",
        compiled / naive
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
