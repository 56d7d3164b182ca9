//! Response-time statistics: exact and streaming percentiles, SLA attainment,
//! and first-response figures from a reply graph.
//!
//! Everything here is a plain, deterministic accumulator: it takes durations
//! and dimension keys (never engine types), serializes with serde, and merges,
//! so the engine, a simulation and an offline replay of history all feed the
//! same figures.
//!
//! - [`percentile`] / [`percentile_of_sorted`]: the exact percentile of a
//!   sample, by linear interpolation at position `(n - 1) * p`.
//! - [`ResponseTimeHistogram`]: a streaming distribution (count, mean, min,
//!   max, percentiles) of tens of millions of response times in a few
//!   kilobytes, within 1/128 relative error.
//! - [`Attainment`]: SLA attainment per policy, channel and language: counts
//!   met and breached, first-response percentiles in business and calendar time.
//! - [`SalesFunnel`] and [`CsatTally`]: opportunities, offers, conversions
//!   and revenue; CSAT and response rate; by channel, language, agent and
//!   first-response band.
//! - [`threads`]: threads, answers and first responses per company from a
//!   graph of public posts and replies (the `replay_csv` example).

mod attainment;
mod histogram;
mod percentile;
mod sales;
pub mod threads;

pub use attainment::{
    Attainment, AttainmentFigures, AttainmentKey, AttainmentReport, AttainmentRow,
    FirstResponsePercentiles,
};
pub use histogram::ResponseTimeHistogram;
pub use percentile::{percentile, percentile_of_sorted};
pub use sales::{
    wait_band, CsatFigures, CsatReport, CsatRow, CsatTally, Dimension, FunnelFigures, FunnelRow,
    OpportunityOutcome, SalesFunnel, SalesReport, SurveyOutcome, WAIT_BANDS,
};

/// A statistic was given a value it cannot hold.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StatsError {
    /// A response time was negative, NaN or infinite (for instance a reply
    /// stamped before the message it answers). Nothing was recorded; clamp
    /// or drop the sample and carry on.
    #[error("a response time must be a finite, non-negative number of seconds, not {0}")]
    InvalidSample(f64),
    /// A serialized histogram does not hold together (its bucket counts do
    /// not add up to its count, its keys are out of order, or it was written
    /// with another bucket layout). The data was altered or comes from an
    /// incompatible version; rebuild the histogram from the samples.
    #[error("corrupt response-time histogram: {0}")]
    CorruptHistogram(&'static str),
}
pub mod eta;
pub use eta::{round_up_to_step, EtaError, EtaEstimate, EtaEstimator, EtaInput, EtaSettings};
