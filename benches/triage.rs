//! Full triage throughput on a mix of short posts in the fourteen languages,
//! against a baseline of `whatlang` language detection alone on every post.

use caredesk::model::{ChannelKind, ChannelRef, Identity, InboundMessage, Visibility};
use caredesk::text::language::LanguageDetector;
use caredesk::triage::{Triage, TriageContext, TriageSettings};
use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn messages() -> Vec<InboundMessage> {
    let start: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
    include_str!("../tests/fixtures/lang_sentences.tsv")
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .enumerate()
        .map(|(i, (_, text))| {
            let text = if i % 3 == 0 {
                format!("@KLM {text}")
            } else {
                text.to_owned()
            };
            InboundMessage::new(
                ChannelRef::new(ChannelKind::X, "@KLM"),
                i.to_string(),
                Identity::new(ChannelKind::X, format!("@user{i}")),
                Visibility::Public,
                text,
                start + Duration::seconds(i as i64),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let messages = messages();
    let mut group = c.benchmark_group("triage");
    group.throughput(Throughput::Elements(messages.len() as u64));
    let mut triage = Triage::new(TriageSettings::default().with_brand_handle("@KLM")).unwrap();
    let context = TriageContext::default();
    group.bench_function("classify_mix", |b| {
        b.iter(|| {
            for message in &messages {
                black_box(triage.classify(message, &context));
            }
        })
    });
    let detector = LanguageDetector::new(caredesk::model::Language::REFERENCE_DESK);
    group.bench_function("language_only", |b| {
        b.iter(|| {
            for message in &messages {
                black_box(detector.detect(&message.text));
            }
        })
    });
    #[cfg(feature = "whatlang")]
    group.bench_function("baseline_whatlang_detect", |b| {
        b.iter(|| {
            for message in &messages {
                black_box(whatlang::detect(&message.text));
            }
        })
    });
    group.finish();

    // Ratio line: one timed pass each, for the report (criterion's figures above are the measurement).
    let timed = |f: &mut dyn FnMut()| {
        let begin = std::time::Instant::now();
        for _ in 0..50 {
            f();
        }
        begin.elapsed().as_secs_f64() / (50.0 * messages.len() as f64)
    };
    let ours = timed(&mut || {
        for message in &messages {
            black_box(triage.classify(message, &context));
        }
    });
    println!(
        "triage: {:.0} messages/s on one core (full classify)",
        1.0 / ours
    );
    #[cfg(feature = "whatlang")]
    {
        let baseline = timed(&mut || {
            for message in &messages {
                black_box(whatlang::detect(&message.text));
            }
        });
        println!(
            "baseline whatlang::detect alone: {:.0} messages/s; full triage costs {:.2}x whatlang alone",
            1.0 / baseline,
            ours / baseline
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
