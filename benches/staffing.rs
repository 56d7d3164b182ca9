//! Staffing speed: the Erlang C agent search at 10, 500 and 5,000 erlangs,
//! against a naive search (Erlang B recomputed from zero agents for every
//! candidate count, as a straightforward implementation would), and one
//! Erlang A evaluation at 5,000 erlangs.

use caredesk::staffing::{ErlangA, ErlangC};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Instant;

/// The smallest count meeting 80% in 20 s, recomputing Erlang B from scratch
/// for each candidate count above the load.
fn naive_agents(traffic: f64, aht: f64) -> u32 {
    let mut agents = traffic.floor() as u32 + 1;
    loop {
        let mut b = 1.0;
        for n in 1..=agents {
            b = traffic * b / (f64::from(n) + traffic * b);
        }
        let n = f64::from(agents);
        let c = n * b / (n - traffic * (1.0 - b));
        let service_level = 1.0 - c * (-(n - traffic) * 20.0 / aht).exp();
        if service_level >= 0.8 {
            return agents;
        }
        agents += 1;
    }
}

fn per_call(mut f: impl FnMut(), rounds: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..rounds {
        f();
    }
    start.elapsed().as_secs_f64() / f64::from(rounds)
}

fn staffing(c: &mut Criterion) {
    let mut group = c.benchmark_group("erlang_c_agents_for");
    for traffic in [10.0, 500.0, 5000.0] {
        let queue = ErlangC::new(traffic, 180.0).unwrap();
        assert_eq!(
            queue.agents_for(20.0, 0.8, 1.0).unwrap().agents,
            naive_agents(traffic, 180.0)
        );
        group.bench_function(format!("caredesk/{traffic}"), |b| {
            b.iter(|| black_box(&queue).agents_for(20.0, 0.8, 1.0).unwrap())
        });
        group.bench_function(format!("naive/{traffic}"), |b| {
            b.iter(|| naive_agents(black_box(traffic), 180.0))
        });
        let ours = per_call(
            || {
                black_box(queue.agents_for(20.0, 0.8, 1.0).unwrap());
            },
            200,
        );
        let naive = per_call(
            || {
                black_box(naive_agents(black_box(traffic), 180.0));
            },
            20,
        );
        println!(
            "erlang_c_agents_for/{traffic}: caredesk {:.2} us, naive {:.2} us, naive/caredesk = {:.1}x",
            ours * 1e6,
            naive * 1e6,
            naive / ours
        );
    }
    group.finish();

    let queue = ErlangA::new(5000.0, 180.0, 120.0).unwrap();
    c.bench_function("erlang_a_performance/5000", |b| {
        b.iter(|| black_box(&queue).performance(5000, 20.0).unwrap())
    });
    c.bench_function("erlang_a_agents_for/5000", |b| {
        b.iter(|| black_box(&queue).agents_for(20.0, 0.8, 1.0).unwrap())
    });
}

criterion_group!(benches, staffing);
criterion_main!(benches);
