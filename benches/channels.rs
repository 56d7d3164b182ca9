//! Webhook handling cost per request: signature check plus typed parse for
//! each adapter, against a baseline in the same run (the same bytes parsed
//! into an untyped `serde_json::Value`, which every receiver does at least).
//!
//! Target: verifying and parsing a typical webhook costs well under the
//! desk's own ingest (tens of microseconds), so the receiver is never the
//! bottleneck.

use caredesk::channel::signature::{sign_sha256_base64, sign_sha256_hex};
use caredesk::channel::{email, meta, whatsapp, x};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Instant;

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/channels/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

/// Requests per second of `f`, timed by hand for the summary.
fn rate(mut f: impl FnMut()) -> f64 {
    let rounds = 20_000;
    let start = Instant::now();
    for _ in 0..rounds {
        f();
    }
    f64::from(rounds) / start.elapsed().as_secs_f64()
}

fn bench(c: &mut Criterion) {
    let x_body = fixture("x/mention_reply.json");
    let x_sig = sign_sha256_base64(b"secret", &x_body);
    let meta_body = fixture("meta/page_feed_comments.json");
    let meta_sig = sign_sha256_hex(b"secret", &meta_body);
    let wa_body = fixture("whatsapp/messages.json");
    let wa_sig = sign_sha256_hex(b"secret", &wa_body);
    let mail = fixture("email/reply_with_attachment.eml");

    let x_full = || {
        x::verify(b"secret", black_box(&x_body), Some(&x_sig)).expect("signed");
        x::parse(black_box(&x_body)).expect("parses")
    };
    let meta_full = || {
        meta::verify(b"secret", black_box(&meta_body), Some(&meta_sig)).expect("signed");
        meta::parse(black_box(&meta_body)).expect("parses")
    };
    let wa_full = || {
        whatsapp::verify(b"secret", black_box(&wa_body), Some(&wa_sig)).expect("signed");
        whatsapp::parse(black_box(&wa_body)).expect("parses")
    };
    let value =
        |body: &[u8]| serde_json::from_slice::<serde_json::Value>(black_box(body)).expect("json");

    let mut group = c.benchmark_group("channels");
    group.bench_function("x_verify_parse", |b| b.iter(x_full));
    group.bench_function("x_baseline_value", |b| b.iter(|| value(&x_body)));
    group.bench_function("meta_verify_parse", |b| b.iter(meta_full));
    group.bench_function("meta_baseline_value", |b| b.iter(|| value(&meta_body)));
    group.bench_function("whatsapp_verify_parse", |b| b.iter(wa_full));
    group.bench_function("whatsapp_baseline_value", |b| b.iter(|| value(&wa_body)));
    group.bench_function("email_parse", |b| {
        b.iter(|| email::parse(black_box(&mail)).expect("parses"))
    });
    group.finish();

    println!("\nwebhook handling (verify + parse) vs untyped JSON baseline, requests/s:");
    for (name, full, base) in [
        (
            "x",
            rate(|| drop(black_box(x_full()))),
            rate(|| drop(black_box(value(&x_body)))),
        ),
        (
            "meta",
            rate(|| drop(black_box(meta_full()))),
            rate(|| drop(black_box(value(&meta_body)))),
        ),
        (
            "whatsapp",
            rate(|| drop(black_box(wa_full()))),
            rate(|| drop(black_box(value(&wa_body)))),
        ),
    ] {
        println!(
            "  {name:<9} {full:>12.0}  baseline {base:>12.0}  ratio {:.2}",
            base / full
        );
    }
    let mail_rate = rate(|| drop(black_box(email::parse(&mail))));
    println!("  email     {mail_rate:>12.0}  (RFC 5322 multipart with attachment)");
}

criterion_group!(benches, bench);
criterion_main!(benches);
