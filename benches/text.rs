//! Throughput of the text detectors on a mix of short social posts:
//! `text::pii::detect` and `LexiconScorer::score`, against naive baselines
//! in the same run (a lower-cased copy of each post for PII; a
//! split-and-look-up word sum with `std` hashing for sentiment).
//!
//! Target: each at least 500,000 messages/s, so triage as a whole can stay
//! above 50,000 messages/s.

use caredesk::text::pii;
use caredesk::text::sentiment::{LexiconScorer, SentimentScorer};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

const POSTS: &[&str] = &[
    "@united my flight was cancelled and nobody at the desk could tell me anything",
    "@AmericanAir 2 hours on hold and still no answer. Unbelievable.",
    "@JetBlue thank you for the great service today!",
    "@SouthwestAir what is the baggage allowance for international flights?",
    "My booking code is X7KQ2P, please call me on +31 20 123 4567",
    "@KLM vlucht KL1234 vertraagd, boekingscode QWERTY, echt belachelijk 😡",
    "PLEASE HELP ME, FLIGHT TO LONDON CANCELLED AND NO HOTEL!!!",
    "e-ticket 074-1234567890, mail jan@example.com",
    "航班取消了，没有人帮忙，太差了 予約番号 ABC123",
    "Merci beaucoup pour votre aide, super équipage ✈️",
    "Flug gestrichen und keiner hilft. Einfach schlecht",
    "@united lost my bag and the app shows no updates 😤 https://t.co/abc123",
    "boarding now ✈️",
    "Рейс отменили, никто не помогает. Ужасный сервис",
    "passport NW92BD3L1 and card 4111 1111 1111 1111 for the refund",
    "@VirginAmerica you guys rock ❤️",
];

fn naive_sentiment(words: &HashMap<String, f32>, text: &str) -> f32 {
    let sum: f32 = text
        .split_whitespace()
        .map(|w| {
            let w = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            words.get(&w).copied().unwrap_or(0.0)
        })
        .sum();
    sum / (sum * sum + 15.0).sqrt()
}

fn naive_words() -> HashMap<String, f32> {
    [
        ("good", 1.8),
        ("great", 2.2),
        ("thanks", 1.6),
        ("bad", -2.2),
        ("terrible", -3.0),
        ("cancelled", -2.0),
        ("delayed", -2.0),
        ("lost", -2.0),
        ("worst", -3.2),
        ("love", 2.6),
        ("rude", -2.6),
        ("rock", 1.2),
        ("help", 0.0),
        ("merci", 2.0),
        ("schlecht", -2.2),
        ("ужасный", -3.0),
    ]
    .into_iter()
    .map(|(w, v)| (w.to_owned(), v))
    .collect()
}

/// Messages per second of `f` over the posts, timed by hand for the summary.
fn rate(mut f: impl FnMut(&str)) -> f64 {
    let rounds = 20_000;
    let start = Instant::now();
    for _ in 0..rounds {
        for post in POSTS {
            f(black_box(post));
        }
    }
    (rounds * POSTS.len()) as f64 / start.elapsed().as_secs_f64()
}

fn bench(c: &mut Criterion) {
    let scorer = LexiconScorer::default();
    let words = naive_words();
    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Elements(POSTS.len() as u64));
    group.bench_function("pii_detect", |b| {
        b.iter(|| {
            POSTS
                .iter()
                .map(|p| pii::detect(black_box(p)).len())
                .sum::<usize>()
        })
    });
    group.bench_function("baseline_lowercase_copy", |b| {
        b.iter(|| {
            POSTS
                .iter()
                .map(|p| black_box(p).to_lowercase().len())
                .sum::<usize>()
        })
    });
    group.bench_function("sentiment_score", |b| {
        b.iter(|| {
            POSTS
                .iter()
                .map(|p| scorer.score(black_box(p), None))
                .sum::<f32>()
        })
    });
    group.bench_function("baseline_naive_word_sum", |b| {
        b.iter(|| {
            POSTS
                .iter()
                .map(|p| naive_sentiment(&words, black_box(p)))
                .sum::<f32>()
        })
    });
    group.finish();

    let pii_rate = rate(|p| {
        black_box(pii::detect(p));
    });
    let lower_rate = rate(|p| {
        black_box(p.to_lowercase());
    });
    let score_rate = rate(|p| {
        black_box(scorer.score(p, None));
    });
    let naive_rate = rate(|p| {
        black_box(naive_sentiment(&words, p));
    });
    let both_rate = rate(|p| {
        black_box(pii::detect(p));
        black_box(scorer.score(p, None));
    });
    eprintln!(
        "pii::detect          {pii_rate:>12.0} messages/s ({:.2}x a lower-cased copy)",
        pii_rate / lower_rate
    );
    eprintln!(
        "sentiment score      {score_rate:>12.0} messages/s ({:.2}x a naive word sum)",
        score_rate / naive_rate
    );
    eprintln!("both, per message    {both_rate:>12.0} messages/s (target: each >= 500000)");
}

criterion_group!(benches, bench);
criterion_main!(benches);
