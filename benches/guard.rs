//! Throughput of the outbound guard on a mix of agent replies, with every
//! check on except the language check (format, length with X's weighted
//! count, signature, privacy, tone, duplicates against a warm tracker),
//! against a naive baseline in the same run: the same tone lists searched
//! phrase by phrase with `str::contains`, plus the PII scan.
//!
//! Target: at least 100,000 replies/s. The language check alone is measured
//! too, for the record.

use caredesk::guard::{
    DuplicateReplySettings, DuplicateReplyTracker, Guard, GuardInput, GuardSettings, HUMOUR, PARTY,
    PROMOTIONAL,
};
use caredesk::model::*;
use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::time::Instant;

const REPLIES: &[(&str, Visibility)] = &[
    ("@anna So sorry to hear your bag did not arrive. Please send us a DM with your booking code and we will trace it. ^SV", Visibility::Public),
    ("Your booking X7KQ2P is rebooked on KL1143 tomorrow at 08:40. ^SV", Visibility::Private),
    ("Haha, glad you made it after all 🎉 ^SV", Visibility::Public),
    ("We are really sorry for the delay caused by the storm. Our colleagues at the airport will help you with a hotel voucher. ^SV", Visibility::Public),
    ("Book now and get 20% off your next trip! ^SV", Visibility::Public),
    ("Het spijt ons heel erg dat je koffer niet is aangekomen. Stuur ons een DM met je dossiercode. ^SV", Visibility::Public),
    ("申し訳ございません。ご予約番号をDMでお知らせください。^SV", Visibility::Public),
    ("Please check https://www.klm.com/travel/clearance-information for the latest updates on your flight.", Visibility::Public),
    ("Thank you! ^SV", Visibility::Public),
    ("Мы очень сожалеем о задержке. Пожалуйста, напишите нам в личные сообщения. ^SV", Visibility::Public),
];

fn start() -> DateTime<Utc> {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn warm_tracker() -> DuplicateReplyTracker {
    let mut tracker = DuplicateReplyTracker::new(DuplicateReplySettings::default());
    let t0 = start();
    for i in 0..5_000u32 {
        let (text, _) = REPLIES[i as usize % REPLIES.len()];
        tracker.record(
            t0 + Duration::milliseconds(i64::from(i) * 300),
            &format!("customer-{}", i % 700),
            text,
        );
    }
    tracker
}

fn naive_tone(lists: &[String], text: &str) -> usize {
    let lowered = text.to_lowercase();
    lists
        .iter()
        .filter(|p| lowered.contains(p.as_str()))
        .count()
}

fn bench(c: &mut Criterion) {
    let mut settings = GuardSettings::default().with_blocked_phrase("free upgrade");
    settings.defaults.language.enabled = false;
    let guard = Guard::new(settings).unwrap();
    let with_language = Guard::new(GuardSettings::default()).unwrap();
    let agent = Agent::new(
        AgentId::from_uuid(uuid::Uuid::from_u128(1)),
        "Sanne Visser",
        [Language::ENGLISH],
        Capacity::total(3),
    )
    .unwrap();
    let x = Capabilities::for_kind(ChannelKind::X);
    let tracker = warm_tracker();
    let at = start() + Duration::minutes(26);
    let lists: Vec<String> = HUMOUR
        .iter()
        .chain(PARTY)
        .chain(PROMOTIONAL)
        .map(|p| {
            p.trim_start_matches('<')
                .trim_end_matches('>')
                .to_lowercase()
        })
        .collect();

    let check = |guard: &Guard, text: &str, visibility: Visibility| {
        let input = GuardInput::new(text, visibility, ChannelKind::X, &x, &agent)
            .with_crisis(true)
            .with_conversation_language(Some(Language::ENGLISH))
            .with_duplicates(&tracker, "customer-9999", at);
        guard.check(&input)
    };

    let mut group = c.benchmark_group("guard");
    group.throughput(Throughput::Elements(REPLIES.len() as u64));
    group.bench_function("check_all_but_language", |b| {
        b.iter(|| {
            REPLIES
                .iter()
                .map(|(t, v)| check(&guard, black_box(t), *v).findings.len())
                .sum::<usize>()
        })
    });
    group.bench_function("baseline_contains_each_phrase_and_pii", |b| {
        b.iter(|| {
            REPLIES
                .iter()
                .map(|(t, _)| {
                    naive_tone(&lists, black_box(t)) + caredesk::text::pii::detect(t).len()
                })
                .sum::<usize>()
        })
    });
    group.finish();

    let rate = |f: &dyn Fn(&str, Visibility) -> usize| {
        let rounds = 10_000;
        let begin = Instant::now();
        for _ in 0..rounds {
            for (text, visibility) in REPLIES {
                black_box(f(black_box(text), *visibility));
            }
        }
        (rounds * REPLIES.len()) as f64 / begin.elapsed().as_secs_f64()
    };
    let guard_rate = rate(&|t, v| check(&guard, t, v).findings.len());
    let naive_rate = rate(&|t, _| naive_tone(&lists, t) + caredesk::text::pii::detect(t).len());
    let language_rate = rate(&|t, v| check(&with_language, t, v).findings.len());
    eprintln!(
        "guard, all checks but language {guard_rate:>10.0} replies/s (target >= 100000; {:.2}x the naive tone+PII baseline)",
        guard_rate / naive_rate
    );
    eprintln!("guard, with the language check {language_rate:>10.0} replies/s");
}

criterion_group!(benches, bench);
criterion_main!(benches);
