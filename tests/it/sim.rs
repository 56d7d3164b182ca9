//! The simulator against queueing theory and against itself.

use caredesk::sim::{run, Crisis, PlainQueue, ReferenceDesk, SimConfig, Workload};
use caredesk::staffing::ErlangC;

/// Runs M/M/c with `agents` at occupancy `rho` and compares the probability
/// of waiting and the service level with Erlang C.
fn check_against_erlang_c(agents: u32, rho: f64, seed: u64) {
    let aht = 300.0;
    let arrivals_per_hour = rho * f64::from(agents) * 3600.0 / aht;
    let target = 60.0;
    let plain = PlainQueue {
        agents,
        arrivals_per_hour,
        mean_handle_seconds: aht,
        arrivals: 120_000,
        warmup: 2_000,
        target_seconds: target,
    };
    let report = run(SimConfig::new(seed, Workload::Plain(plain))).unwrap();
    let theory = ErlangC::new(rho * f64::from(agents), aht)
        .unwrap()
        .performance(agents, target)
        .unwrap();
    let waits = &report.waits;
    assert_eq!(waits.offered, 118_000);
    let (p_sim, sl_sim) = (waits.probability_of_waiting(), waits.service_level());
    eprintln!(
        "rho {rho}: P(wait) sim {p_sim:.4} theory {:.4}; SL sim {sl_sim:.4} theory {:.4}; ASA sim {:.1} theory {:.1}",
        theory.probability_of_waiting,
        theory.service_level,
        waits.asa_seconds(),
        theory.asa_seconds
    );
    assert!(
        (p_sim - theory.probability_of_waiting).abs() < 0.02,
        "P(wait) at rho {rho}: simulated {p_sim}, Erlang C {}",
        theory.probability_of_waiting
    );
    assert!(
        (sl_sim - theory.service_level).abs() < 0.02,
        "service level at rho {rho}: simulated {sl_sim}, Erlang C {}",
        theory.service_level
    );
}

#[test]
fn plain_queue_reproduces_erlang_c_at_half_occupancy() {
    check_against_erlang_c(10, 0.5, 1);
}

#[test]
fn plain_queue_reproduces_erlang_c_at_three_quarters_occupancy() {
    check_against_erlang_c(10, 0.75, 2);
}

#[test]
fn plain_queue_reproduces_erlang_c_at_ninety_percent_occupancy() {
    check_against_erlang_c(10, 0.9, 3);
}

fn small_desk() -> ReferenceDesk {
    ReferenceDesk {
        weekly_mentions: 6_000.0,
        weekly_queries: 700.0,
        agents: 30,
        ..ReferenceDesk::default()
    }
}

#[test]
fn the_same_seed_gives_the_same_figures_and_another_seed_does_not() {
    let a = run(SimConfig::new(11, Workload::Reference(small_desk()))).unwrap();
    let b = run(SimConfig::new(11, Workload::Reference(small_desk()))).unwrap();
    let c = run(SimConfig::new(12, Workload::Reference(small_desk()))).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.total, c.total);
}

#[test]
fn a_normal_week_has_the_reference_volume_and_every_query_counted() {
    let report = run(SimConfig::new(
        5,
        Workload::Reference(ReferenceDesk::default()),
    ))
    .unwrap();
    let total = &report.total;
    // 67,000 first posts plus repeat posts of waiting customers.
    assert!((64_000..75_000).contains(&total.inbound), "{total:?}");
    assert!((6_500..7_500).contains(&total.queries), "{total:?}");
    assert_eq!(report.languages.len(), 14);
    assert_eq!(report.languages[0].label, "en");
    assert!(report.languages[0].inbound > report.languages[1].inbound);
    assert!(report.languages[1].inbound > report.languages[2].inbound);
    let per_language: u64 = report.languages.iter().map(|r| r.queries).sum();
    assert_eq!(per_language, total.queries);
    let per_day: u64 = report.days.iter().map(|r| r.queries).sum();
    assert_eq!(per_day, total.queries);
    assert_eq!(report.days.len(), 7);
    assert_eq!(report.hourly.len(), 168);
    assert_eq!(report.refused_inputs, 0);
}

#[test]
fn a_crisis_multiplies_inbound_during_the_surge() {
    let start = SimConfig::new(
        0,
        Workload::Plain(PlainQueue {
            agents: 1,
            arrivals_per_hour: 1.0,
            mean_handle_seconds: 1.0,
            arrivals: 0,
            warmup: 0,
            target_seconds: 0.0,
        }),
    )
    .start;
    let crisis =
        Crisis::flights_stop(start + chrono::Duration::days(2) + chrono::Duration::hours(8));
    let desk = ReferenceDesk {
        crisis: Some(crisis),
        ..small_desk()
    };
    let report = run(SimConfig::new(5, Workload::Reference(desk))).unwrap();
    let normal = run(SimConfig::new(5, Workload::Reference(small_desk()))).unwrap();
    // Day 4 is entirely inside the surge: about ten times the inbound.
    let ratio = report.days[3].inbound as f64 / normal.days[3].inbound as f64;
    assert!((8.0..13.0).contains(&ratio), "ratio {ratio}");
    let before = report.days[0].inbound as f64 / normal.days[0].inbound as f64;
    assert!((0.9..1.1).contains(&before), "day 1 ratio {before}");
}
