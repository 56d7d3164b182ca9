//! Simulation: a seeded workload generator and a discrete-event loop that
//! drives the real [`Engine`](crate::engine::Engine).
//!
//! The simulator never re-implements routing or SLA logic: customers post
//! [`Input::Inbound`](crate::engine::Input::Inbound), agents come on and off
//! shift with [`Input::SetPresence`](crate::engine::Input::SetPresence),
//! answer what the engine assigns them (`conversation_assigned` events) with
//! [`Input::Reply`](crate::engine::Input::Reply) after a think time, report
//! the send as delivered, and resolve after a handling time. The loop is a
//! priority queue of simulation actions keyed by (time, sequence number),
//! interleaved with the engine's own deadlines
//! ([`Input::Tick`](crate::engine::Input::Tick) at
//! [`Engine::next_deadline`](crate::engine::Engine::next_deadline)), so a run
//! is exact and repeatable: the same [`SimConfig`] gives the same
//! [`SimReport`], to the last digit.
//!
//! Two workloads:
//!
//! - [`ReferenceDesk`]: the airline desk of the design document — 60,000
//!   mentions and 7,000 queries a week in 14 languages whose customers live
//!   in their own time zones (a non-homogeneous Poisson process sampled by
//!   thinning, with daily and weekly profiles), six channels, intents,
//!   heavy-tailed follower counts, texts from per-language templates;
//!   customers who post again while unanswered and give up after a patience
//!   time; 150 agents on three eight-hour shifts with breaks and no-shows;
//!   optionally a [`Crisis`] (inbound ×10 within two hours, for 48 hours,
//!   intents shifting to rebooking and disruption) and any volume scale.
//! - [`PlainQueue`]: the textbook M/M/c queue (Poisson arrivals,
//!   exponential handling, `c` identical agents, first come first served),
//!   to validate the whole pipeline against Erlang C.
//!
//! Purchase questions, offers, bookings and satisfaction surveys run on
//! the reference desk too, drawn from the model documented in [`sales`]
//! (conversion and satisfaction fall with the wait for a first response);
//! their figures are in [`SimReport::sales`].
//!
//! Figures stream into running aggregates (histograms, counters); resolved
//! conversations leave the engine's hot state quickly (a one-minute reopen
//! window, then no retention: a conversation goes as it closes), so memory
//! follows open work, not history.
//!
//! ```
//! use caredesk::sim::{PlainQueue, SimConfig, Workload};
//! let config = SimConfig::new(7, Workload::Plain(PlainQueue {
//!     agents: 3,
//!     arrivals_per_hour: 24.0,
//!     mean_handle_seconds: 300.0, // 2 erlangs on 3 agents
//!     arrivals: 2_000,
//!     warmup: 100,
//!     target_seconds: 60.0,
//! }));
//! let report = caredesk::sim::run(config)?;
//! assert_eq!(report.waits.offered, 1_900);
//! assert!(report.waits.probability_of_waiting() > 0.2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod rng;
mod roster;
mod run;
pub mod sales;
mod summary;
mod texts;
mod workload;

pub use rng::SimRng;
pub use run::{run, Simulation};
pub use summary::{
    EtaAccuracy, HourRow, Row, SimReport, TriageAgreement, WaitFigures, LANGUAGE_ORDER,
};

use crate::engine::Classifier;
use crate::stats::EtaSettings;
use chrono::{DateTime, Duration, Utc};

/// A simulation could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A setting is out of range (named in the message, e.g. zero agents or
    /// a negative volume); correct the configuration.
    #[error("invalid simulation setting: {0}")]
    InvalidConfig(&'static str),
    /// The engine refused the simulation's own setup (adding an agent);
    /// this points at a bug in the simulator or an engine change.
    #[error("the engine refused the simulation's setup: {0}")]
    Engine(#[from] crate::engine::EngineError),
    /// The ETA settings are invalid.
    #[error(transparent)]
    Eta(#[from] crate::stats::EtaError),
}

/// A crisis: flights stop, inbound surges within hours, for days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crisis {
    /// When the surge begins.
    pub start: DateTime<Utc>,
    /// The multiplier at full surge (10 = ten times the normal inbound).
    pub surge: f64,
    /// Hours from normal to full surge (linear).
    pub ramp_hours: f64,
    /// Hours at full surge.
    pub hold_hours: f64,
    /// Hours from full surge back to normal (linear).
    pub recovery_hours: f64,
}

impl Crisis {
    /// The reference crisis: ×10 within two hours, for 48 hours, back to
    /// normal over twelve.
    pub fn flights_stop(start: DateTime<Utc>) -> Self {
        Crisis {
            start,
            surge: 10.0,
            ramp_hours: 2.0,
            hold_hours: 48.0,
            recovery_hours: 12.0,
        }
    }

    /// The inbound multiplier at `at` (1 outside the crisis).
    pub fn multiplier(&self, at: DateTime<Utc>) -> f64 {
        let hours = (at - self.start).num_milliseconds() as f64 / 3_600_000.0;
        let extra = self.surge - 1.0;
        if hours < 0.0 {
            1.0
        } else if hours < self.ramp_hours {
            1.0 + extra * hours / self.ramp_hours.max(1e-9)
        } else if hours < self.ramp_hours + self.hold_hours {
            self.surge
        } else if hours < self.ramp_hours + self.hold_hours + self.recovery_hours {
            let done = (hours - self.ramp_hours - self.hold_hours) / self.recovery_hours.max(1e-9);
            self.surge - extra * done
        } else {
            1.0
        }
    }
}

/// The reference airline desk (the design document's): volumes, agents,
/// shifts and behaviour. `Default` is the normal week with 150 agents.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceDesk {
    /// Weeks to simulate.
    pub weeks: u32,
    /// Mentions a week at volume 1.
    pub weekly_mentions: f64,
    /// Queries a week at volume 1.
    pub weekly_queries: f64,
    /// Multiplies inbound (not agents).
    pub volume: f64,
    /// A crisis, multiplying on top of `volume`.
    pub crisis: Option<Crisis>,
    /// Agents on the roster.
    pub agents: u32,
    /// Conversations an agent holds at once.
    pub capacity: u32,
    /// Minutes of break in each shift.
    pub break_minutes: u32,
    /// Chance an agent does not show up for a shift.
    pub no_show: f64,
    /// Median seconds from assignment to the first reply (reading, looking
    /// up the booking, typing); log-normal.
    pub think_median_seconds: f64,
    /// Spread of the think time (sigma of its logarithm).
    pub think_sigma: f64,
    /// Median seconds from the reply to resolving; log-normal.
    pub handle_median_seconds: f64,
    /// Spread of the handling time.
    pub handle_sigma: f64,
    /// Median seconds an unanswered customer waits before posting again.
    pub repeat_median_seconds: f64,
    /// Median seconds before an unanswered customer gives up posting.
    pub patience_median_seconds: f64,
}

impl Default for ReferenceDesk {
    fn default() -> Self {
        ReferenceDesk {
            weeks: 1,
            weekly_mentions: 60_000.0,
            weekly_queries: 7_000.0,
            volume: 1.0,
            crisis: None,
            agents: 150,
            capacity: 3,
            break_minutes: 30,
            no_show: 0.03,
            think_median_seconds: 180.0,
            think_sigma: 0.6,
            handle_median_seconds: 420.0,
            handle_sigma: 0.7,
            repeat_median_seconds: 1_200.0,
            patience_median_seconds: 3.0 * 3_600.0,
        }
    }
}

/// The textbook queue (M/M/c, first come first served) for validation
/// against Erlang C: Poisson arrivals, exponential handling, `agents`
/// identical agents of capacity one speaking the one language, no
/// abandonment. "Answered" is assignment; the agent replies at once and
/// resolves after the handling time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlainQueue {
    /// Agents (servers).
    pub agents: u32,
    /// Arrival rate.
    pub arrivals_per_hour: f64,
    /// Mean handling time.
    pub mean_handle_seconds: f64,
    /// Customers to generate.
    pub arrivals: u64,
    /// The first customers not counted (the queue starts empty).
    pub warmup: u64,
    /// The answer time for the service level.
    pub target_seconds: f64,
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub enum Workload {
    /// The airline desk.
    Reference(ReferenceDesk),
    /// The M/M/c validation queue.
    Plain(PlainQueue),
}

/// A simulation run: seed, start time, workload, promise, ETA settings and
/// (optionally) the classifier the engine runs instead of the generator's
/// own classification.
pub struct SimConfig {
    /// Seeds every random stream of the run.
    pub seed: u64,
    /// Simulated start (a Monday 00:00 UTC by default).
    pub start: DateTime<Utc>,
    /// What to simulate.
    pub workload: Workload,
    /// The public promise ("every question answered within an hour").
    pub promise: Duration,
    /// The live estimate's settings.
    pub eta: EtaSettings,
    /// When set, messages go in unclassified and the engine runs this
    /// classifier (e.g. [`Triage`](crate::triage::Triage)); the report then
    /// says how often it agreed with the generator.
    pub classifier: Option<Box<dyn Classifier>>,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("seed", &self.seed)
            .field("start", &self.start)
            .field("workload", &self.workload)
            .field("promise", &self.promise)
            .field("eta", &self.eta)
            .field("classifier", &self.classifier.is_some())
            .finish()
    }
}

impl SimConfig {
    /// A run starting Monday 2026-11-23 00:00 UTC with a one-hour promise
    /// and the default ETA settings.
    pub fn new(seed: u64, workload: Workload) -> Self {
        SimConfig {
            seed,
            start: DateTime::<Utc>::from_timestamp(1_795_392_000, 0).unwrap_or_default(),
            workload,
            promise: Duration::hours(1),
            eta: EtaSettings::default(),
            classifier: None,
        }
    }

    /// Runs the engine's classifier on the generated texts.
    #[must_use]
    pub fn with_classifier(mut self, classifier: Box<dyn Classifier>) -> Self {
        self.classifier = Some(classifier);
        self
    }
}
