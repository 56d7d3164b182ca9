//! Simulation speed: a day of the reference desk, and the M/M/c queue, with
//! events per second printed; the baseline is the same day with the desk's
//! volume at a tenth (so the ratio shows how cost follows volume).

use caredesk::sim::{run, PlainQueue, ReferenceDesk, SimConfig, Workload};
use criterion::{criterion_group, criterion_main, Criterion};

fn desk(volume: f64) -> SimConfig {
    SimConfig::new(
        1,
        Workload::Reference(ReferenceDesk {
            volume,
            ..ReferenceDesk::default()
        }),
    )
}

fn bench(c: &mut Criterion) {
    let events = run(desk(1.0)).map(|r| r.events).unwrap_or(0);
    let started = std::time::Instant::now();
    let _ = run(desk(1.0));
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "reference week: {events} events in {seconds:.3} s = {:.0} events/s",
        events as f64 / seconds
    );
    let mut group = c.benchmark_group("sim");
    group.sample_size(10);
    group.bench_function("reference_week", |b| b.iter(|| run(desk(1.0))));
    group.bench_function("reference_week_tenth_volume_baseline", |b| {
        b.iter(|| run(desk(0.1)))
    });
    group.bench_function("mmc_10_agents_20k_arrivals", |b| {
        b.iter(|| {
            run(SimConfig::new(
                1,
                Workload::Plain(PlainQueue {
                    agents: 10,
                    arrivals_per_hour: 90.0,
                    mean_handle_seconds: 300.0,
                    arrivals: 20_000,
                    warmup: 0,
                    target_seconds: 60.0,
                }),
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
