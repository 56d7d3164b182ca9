//! The reference desk for a week (or more): the airline's 24/7 social care
//! team, simulated on the real engine, with a terminal table, a JSON summary
//! and an HTML report.
//!
//! ```text
//! cargo run --release --example klm_week -- [--seed N] [--weeks N] [--agents N]
//!     [--volume X] [--scenario normal|crisis] [--crisis-at 2026-11-25T08:00:00Z]
//!     [--triage] [--out FILE] [--json FILE] [--eta JSON] [--kind-weights JSON]
//! ```
//!
//! `--volume` multiplies inbound only; the crisis (inbound ×10 within two
//! hours, for 48 hours) multiplies on top of it and starts on day 3 at 08:00
//! UTC unless `--crisis-at` says otherwise. `--triage` runs the real triage
//! on the generated texts instead of trusting the generator's labels. The
//! HTML report goes to `target/caredesk-report/index.html` unless `--out`
//! says otherwise. Escalations count engine events whose name starts with
//! "escalat": 0 until the escalation stage emits such events.

use caredesk::engine::{Classifier, ClassifyContext};
use caredesk::model::{Classification, InboundMessage};
use caredesk::sim::{Crisis, ReferenceDesk, Row, SimConfig, SimReport, Simulation, Workload};
use caredesk::staffing::ErlangC;
use caredesk::triage::{Triage, TriageSettings};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

struct Options {
    seed: u64,
    weeks: u32,
    agents: u32,
    volume: f64,
    crisis: bool,
    crisis_at: Option<DateTime<Utc>>,
    triage: bool,
    out: String,
    json: Option<String>,
    eta: Option<caredesk::stats::EtaSettings>,
    kind_weights: Option<caredesk::triage::KindWeights>,
}

fn usage() -> ! {
    eprintln!(
        "usage: klm_week [--seed N] [--weeks N] [--agents N] [--volume X] \
[--scenario normal|crisis] [--crisis-at RFC3339] [--triage] [--out FILE] [--json FILE] \
[--eta JSON (EtaSettings fields)] [--kind-weights JSON (triage KindWeights fields)]"
    );
    std::process::exit(2);
}

fn parse() -> Options {
    let mut options = Options {
        seed: 1,
        weeks: 1,
        agents: 150,
        volume: 1.0,
        crisis: false,
        crisis_at: None,
        triage: false,
        out: "target/caredesk-report/index.html".into(),
        json: None,
        eta: None,
        kind_weights: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--seed" => options.seed = value().parse().unwrap_or_else(|_| usage()),
            "--weeks" => options.weeks = value().parse().unwrap_or_else(|_| usage()),
            "--agents" => options.agents = value().parse().unwrap_or_else(|_| usage()),
            "--volume" => options.volume = value().parse().unwrap_or_else(|_| usage()),
            "--scenario" => {
                options.crisis = match value().as_str() {
                    "normal" => false,
                    "crisis" => true,
                    _ => usage(),
                }
            }
            "--crisis-at" => options.crisis_at = Some(value().parse().unwrap_or_else(|_| usage())),
            "--triage" => options.triage = true,
            "--out" => options.out = value(),
            "--json" => options.json = Some(value()),
            "--kind-weights" => {
                options.kind_weights = Some(serde_json::from_str(&value()).unwrap_or_else(|e| {
                    eprintln!("--kind-weights: {e}");
                    usage()
                }))
            }
            "--eta" => {
                options.eta = Some(serde_json::from_str(&value()).unwrap_or_else(|e| {
                    eprintln!("--eta: {e}");
                    usage()
                }))
            }
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    options
}

/// Triage with a stopwatch, to report what classifying costs.
struct TimedTriage {
    triage: Triage,
    nanos: Arc<AtomicU64>,
    calls: Arc<AtomicU64>,
}

impl Classifier for TimedTriage {
    fn classify(&mut self, message: &InboundMessage, context: &ClassifyContext) -> Classification {
        let started = Instant::now();
        let verdict = Classifier::classify(&mut self.triage, message, context);
        self.nanos
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.calls.fetch_add(1, Ordering::Relaxed);
        verdict
    }
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.1}"))
}

fn share(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn print_table(title: &str, rows: &[Row]) {
    println!("\n{title}");
    println!(
        "{:<10} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>6}",
        "",
        "inbound",
        "queries",
        "answered",
        "p50 min",
        "p90 min",
        "within 1h",
        "breaches",
        "escal."
    );
    for row in rows {
        println!(
            "{:<10} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>6}",
            row.label,
            row.inbound,
            row.queries,
            row.answered,
            cell(row.first_response_p50_minutes),
            cell(row.first_response_p90_minutes),
            share(row.within_promise_share),
            row.breaches,
            row.escalations
        );
    }
}

/// What Erlang C says the desk needs for the generated hourly query volumes.
#[derive(Debug, Serialize)]
struct ErlangView {
    goal: &'static str,
    agent_hours_per_week: f64,
    peak_hour_on_floor: u32,
    roster_needed: u32,
}

fn erlang_view(report: &SimReport, capacity: u32, shrinkage: f64) -> ErlangView {
    let aht = report.mean_agent_seconds.max(1.0);
    let mut hours = 0.0;
    let mut peak = 0;
    for row in &report.hourly_query_volume {
        let mut on_floor = 0;
        for volume in row {
            if *volume <= 0.0 {
                continue;
            }
            // Each agent holds `capacity` conversations: Erlang C servers are
            // seats, agents are seats / capacity, per language (no pooling).
            let seats = ErlangC::from_volume(*volume, 60.0, aht)
                .and_then(|queue| queue.agents_for(30.0 * 60.0, 0.95, 1.0))
                .map(|p| p.agents)
                .unwrap_or(0);
            on_floor += seats.div_ceil(capacity).max(1);
        }
        hours += f64::from(on_floor);
        peak = peak.max(on_floor);
    }
    ErlangView {
        goal: "95% assigned within 30 min, per language and hour, every language staffed",
        agent_hours_per_week: hours,
        peak_hour_on_floor: peak,
        roster_needed: (hours / 40.0 / (1.0 - shrinkage)).ceil() as u32,
    }
}

#[derive(Serialize)]
struct Summary<'a> {
    seed: u64,
    weeks: u32,
    agents: u32,
    volume: f64,
    scenario: &'static str,
    triage: bool,
    overall: &'a Row,
    languages: &'a [Row],
    channels: &'a [Row],
    weeks_rows: &'a [Row],
    occupancy: f64,
    peak_queue: u64,
    eta_kept_share: Option<f64>,
    eta_mean_absolute_error_minutes: Option<f64>,
    erlang_c: ErlangView,
    wall_seconds: f64,
    events: u64,
    events_per_second: f64,
    inputs: u64,
    peak_memory_mb: Option<f64>,
    triage_seconds: Option<f64>,
    triage_calls: Option<u64>,
    sales: Option<&'a caredesk::sim::sales::SalesSummary>,
    sales_by_response_time: Option<Vec<caredesk::sim::sales::SpeedRow>>,
}

/// The simulation allocates and frees many small records; mimalloc does
/// that faster than the system allocator. A choice of this binary only:
/// the library leaves the allocator to the application.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = parse();
    let mut config = SimConfig::new(
        options.seed,
        Workload::Plain(caredesk::sim::PlainQueue {
            agents: 1,
            arrivals_per_hour: 1.0,
            mean_handle_seconds: 1.0,
            arrivals: 0,
            warmup: 0,
            target_seconds: 0.0,
        }),
    );
    let crisis = options.crisis.then(|| {
        Crisis::flights_stop(
            options
                .crisis_at
                .unwrap_or(config.start + Duration::days(2) + Duration::hours(8)),
        )
    });
    let desk = ReferenceDesk {
        weeks: options.weeks,
        volume: options.volume,
        agents: options.agents,
        crisis,
        ..ReferenceDesk::default()
    };
    let shrinkage = f64::from(desk.break_minutes) / 480.0 + desk.no_show;
    let capacity = desk.capacity;
    config.workload = Workload::Reference(desk);
    if let Some(eta) = options.eta.clone() {
        config.eta = eta;
    }
    let nanos = Arc::new(AtomicU64::new(0));
    let calls = Arc::new(AtomicU64::new(0));
    if options.triage {
        let mut settings = TriageSettings::default()
            .with_brand_handle("@KLM")
            .with_brand_name("KLM");
        if let Some(kind) = options.kind_weights {
            settings.kind = kind;
        }
        config = config.with_classifier(Box::new(TimedTriage {
            triage: Triage::new(settings)?,
            nanos: nanos.clone(),
            calls: calls.clone(),
        }));
    }
    let started = Instant::now();
    let mut simulation = Simulation::new(config)?;
    let total_hours = simulation.hours_total().unwrap_or(168.0);
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(total_hours as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} simulated hours, {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut hour = 0.0;
    while !simulation.is_done() && hour < total_hours {
        hour += 6.0;
        simulation.advance(hour);
        if let Some(bar) = &bar {
            bar.set_position(hour.min(total_hours) as u64);
        }
    }
    simulation.advance_to_end();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = simulation.finish();
    let wall = started.elapsed().as_secs_f64();
    let memory = peak_rss_mb();

    let scenario = if options.crisis { "crisis" } else { "normal" };
    println!(
        "caredesk reference desk: {} week(s), {} agents, volume x{}, {scenario}{}, seed {}",
        options.weeks,
        options.agents,
        options.volume,
        if options.triage { ", triage on" } else { "" },
        options.seed
    );
    print_table("Per language", &report.languages);
    print_table("Per channel", &report.channels);
    if options.weeks == 1 {
        print_table("Per day (by arrival)", &report.days);
    } else {
        print_table("Per week (by arrival)", &report.weeks);
    }
    print_table("Total", std::slice::from_ref(&report.total));
    println!(
        "\nagent occupancy {:.1}% over {:.0} agent-hours online; peak queue {} at hour {:.1}; \
most conversations in the engine's hot state {}",
        report.occupancy * 100.0,
        report.agent_hours_online,
        report.peak_queue,
        report.peak_queue_hour,
        report.peak_hot_conversations
    );
    println!(
        "published estimate: kept for {} of {} customers who arrived under it ({}), mean absolute error {} min, mean error {} min (positive: later than published)",
        report.eta.kept,
        report.eta.customers,
        share(report.eta.kept_share),
        cell(report.eta.mean_absolute_error_minutes),
        cell(report.eta.mean_error_minutes)
    );
    let erlang = erlang_view(&report, capacity, shrinkage);
    println!(
        "Erlang C ({}): {:.0} agent-hours a week, {} on the floor at the peak hour, a roster of {} \
(shrinkage {:.0}%); simulated roster {} answered {} within the hour",
        erlang.goal,
        erlang.agent_hours_per_week,
        erlang.peak_hour_on_floor,
        erlang.roster_needed,
        shrinkage * 100.0,
        options.agents,
        share(report.total.within_promise_share)
    );
    if let Some(triage) = &report.triage {
        let seconds = nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let count = calls.load(Ordering::Relaxed);
        println!(
            "triage: {count} messages in {seconds:.2} s ({:.1} µs each); language agreed {:.1}%, \
query/mention agreed {:.1}%, generated queries taken for mentions and never answered {}",
            seconds * 1e6 / count.max(1) as f64,
            triage.language_agrees as f64 * 100.0 / triage.messages.max(1) as f64,
            triage.kind_agrees as f64 * 100.0 / triage.messages.max(1) as f64,
            triage.queries_missed
        );
    }
    if let Some(sales) = &report.sales {
        println!("\nSales and satisfaction against first response");
        println!(
            "{:<11} {:>8} {:>8} {:>9} {:>8} {:>8} {:>7}",
            "band", "opport.", "booked", "convert", "surveys", "answers", "CSAT"
        );
        for row in sales.by_response_time() {
            println!(
                "{:<11} {:>8} {:>8} {:>9} {:>8} {:>8} {:>7}",
                row.band,
                row.opportunities,
                row.conversions,
                share(row.conversion_rate),
                row.surveys,
                row.responses,
                share(row.csat)
            );
        }
        let revenue: Vec<String> = sales
            .revenue_minor()
            .iter()
            .map(|(currency, minor)| format!("{currency} {:.0}", *minor as f64 / 100.0))
            .collect();
        println!(
            "revenue {}; surveys skipped {:?}",
            if revenue.is_empty() {
                "none".to_owned()
            } else {
                revenue.join(", ")
            },
            sales.surveys_skipped
        );
    }
    let events_per_second = report.events as f64 / wall.max(1e-9);
    println!(
        "run: {wall:.2} s wall, {} engine events ({:.0}/s), {} inputs ({} refused), peak memory {}",
        report.events,
        events_per_second,
        report.inputs,
        report.refused_inputs,
        memory.map_or_else(|| "unknown".into(), |mb| format!("{mb:.0} MB"))
    );

    let html = caredesk::report::render_html(
        &report,
        &format!(
            "caredesk reference desk — {} week(s), {} agents, volume ×{}, {scenario}",
            options.weeks, options.agents, options.volume
        ),
    )?;
    if let Some(parent) = std::path::Path::new(&options.out).parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&options.out, html)?;
    println!("report: {}", options.out);

    if let Some(path) = &options.json {
        let summary = Summary {
            seed: options.seed,
            weeks: options.weeks,
            agents: options.agents,
            volume: options.volume,
            scenario,
            triage: options.triage,
            overall: &report.total,
            languages: &report.languages,
            channels: &report.channels,
            weeks_rows: &report.weeks,
            occupancy: report.occupancy,
            peak_queue: report.peak_queue,
            eta_kept_share: report.eta.kept_share,
            eta_mean_absolute_error_minutes: report.eta.mean_absolute_error_minutes,
            erlang_c: erlang,
            wall_seconds: wall,
            events: report.events,
            events_per_second,
            inputs: report.inputs,
            peak_memory_mb: memory,
            triage_seconds: options
                .triage
                .then(|| nanos.load(Ordering::Relaxed) as f64 / 1e9),
            triage_calls: options.triage.then(|| calls.load(Ordering::Relaxed)),
            sales: report.sales.as_ref(),
            sales_by_response_time: report.sales.as_ref().map(|s| s.by_response_time()),
        };
        std::fs::write(path, serde_json::to_string_pretty(&summary)?)?;
        println!("summary: {path}");
    }
    Ok(())
}
