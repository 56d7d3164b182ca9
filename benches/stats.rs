//! Statistics throughput: the streaming histogram against the exact baseline
//! (keep every sample, sort, interpolate), and the reply graph behind
//! `replay_csv`.

use caredesk::stats::threads::{Post, ReplyGraph};
use caredesk::stats::{percentile_of_sorted, ResponseTimeHistogram};
use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

/// splitmix64, seeded: the same samples on every run.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Log-uniform response times from a second to a week.
fn samples(n: usize) -> Vec<f64> {
    let mut state = 1;
    let span = (7.0f64 * 86_400.0).ln();
    (0..n)
        .map(|_| {
            let unit = (splitmix(&mut state) >> 11) as f64 / (1u64 << 53) as f64;
            (unit * span).exp()
        })
        .collect()
}

fn percentiles(c: &mut Criterion) {
    let n = 1_000_000;
    let data = samples(n);
    let mut group = c.benchmark_group("p50_p90_p99_of_1m_samples");
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("histogram", n), |b| {
        b.iter(|| {
            let mut histogram = ResponseTimeHistogram::new();
            for &s in &data {
                let _ = histogram.record_seconds(s);
            }
            black_box([0.5, 0.9, 0.99].map(|p| histogram.percentile(p)))
        })
    });
    group.bench_function(BenchmarkId::new("exact_sort", n), |b| {
        b.iter(|| {
            let mut kept = Vec::with_capacity(data.len());
            kept.extend_from_slice(&data);
            kept.sort_unstable_by(f64::total_cmp);
            black_box([0.5, 0.9, 0.99].map(|p| percentile_of_sorted(&kept, p)))
        })
    });
    group.finish();
}

fn reply_graph(c: &mut Criterion) {
    let threads = 100_000u64;
    let companies = ["AcmeAir", "BoltMobile", "CasaBank", "DeltaNet"];
    let base: DateTime<Utc> = DateTime::from_timestamp(1_509_000_000, 0).unwrap_or_default();
    let mut state = 3;
    let mut posts = Vec::new();
    for i in 0..threads {
        let start = base + chrono::Duration::seconds((splitmix(&mut state) % 5_000_000) as i64);
        let company = companies[(i % 4) as usize];
        posts.push(Post {
            id: 2 * i,
            author: "4711",
            inbound: true,
            created_at: start,
            in_reply_to: None,
            text: "@acmeair @BoltMobile where is my order?",
        });
        if i % 5 != 0 {
            let delay = (splitmix(&mut state) % 7_200) as i64;
            posts.push(Post {
                id: 2 * i + 1,
                author: company,
                inbound: false,
                created_at: start + chrono::Duration::seconds(delay),
                in_reply_to: Some(2 * i),
                text: "@4711 sorry, please DM us",
            });
        }
    }
    let mut group = c.benchmark_group("reply_graph");
    group.throughput(Throughput::Elements(posts.len() as u64));
    group.sample_size(10);
    group.bench_function("add_and_report_180k_posts", |b| {
        b.iter(|| {
            let mut graph = ReplyGraph::new();
            for post in &posts {
                graph.add(post);
            }
            black_box(graph.report())
        })
    });
    group.finish();
}

criterion_group!(benches, percentiles, reply_graph);
criterion_main!(benches);
