//! Staffing: how many agents an interval needs, from Erlang C (and Erlang A).
//!
//! The module answers two questions a workforce planner asks every week:
//!
//! - *How many agents for this volume?* [`StaffingRequest::solve`] takes the
//!   volume of one interval, the average handling time, a service goal
//!   ("80% answered within 20 s"), the shrinkage and the highest acceptable
//!   occupancy, and returns a [`Requirement`]: the agents on the floor
//!   (`raw_positions`), the agents to schedule (`positions`) and the expected
//!   service level, probability of waiting, occupancy and average speed of
//!   answer. [`ErlangC`] answers the reverse question (what service do `n`
//!   agents give) and exposes the Erlang B and Erlang C formulas themselves.
//!   [`ErlangA`] does the same for customers who give up (abandonment).
//! - *How many agents for each hour of next week?* A [`Forecast`] built from
//!   hourly history (same hour of the week averaged over past weeks, with a
//!   linear trend across weeks) feeds a [`StaffingPlan`]: required agents per
//!   (language, hour of the week), read back with [`StaffingPlan::required`].
//!
//! ```
//! use caredesk::staffing::StaffingRequest;
//!
//! // 100 queries in 30 minutes, 3 minutes each, 80% answered within 20 seconds.
//! let request = StaffingRequest::new(100.0, 30.0, 180.0, 20.0, 0.8);
//! let need = request.solve()?;
//! assert_eq!(need.raw_positions, 14);
//! assert!((need.service_level - 0.888).abs() < 0.001);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Numerical method
//!
//! Erlang C is computed from the Erlang B recursion
//! `B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1))`, never from factorials or
//! powers, so it stays finite and accurate at tens of thousands of erlangs.
//! Above 1,000 erlangs the recursion starts `14·√A` agents below the load
//! (or below the count asked about, if lower) from its fixed point `1 − n/A`
//! instead of from zero: the recursion contracts
//! errors by a factor `n/A` per step there, so the start error (below 1%) is
//! multiplied by about `e^−98` before the interesting region is reached, and
//! the cost of one evaluation drops from `O(A)` to `O(√A)`. The search for the
//! number of agents starts at the first stable count (just above the load, or
//! the occupancy bound) and walks up one agent at a time, reusing the
//! recursion, so a whole search costs `O(√A)` steps too.

mod erlang_a;
mod erlang_c;
mod forecast;
mod plan;

pub use erlang_a::{AbandonmentPerformance, ErlangA};
pub use erlang_c::{ErlangC, Performance, Requirement, StaffingRequest, MAX_TRAFFIC_ERLANGS};
pub use forecast::{hour_of_week, Forecast, HourlyCounts, HOURS_PER_WEEK};
pub use plan::{PlanCell, ServiceGoal, StaffingPlan};

use crate::model::Language;

/// Something the staffing calculations cannot work with.
///
/// Every variant names the offending value so the caller can fix the input
/// (the `staffing` example prints the message as its `{"error":...}` line).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StaffingError {
    /// A number is negative, not finite or outside its range (for example a
    /// service level of 1.2 or a shrinkage of 1). `expected` says the range;
    /// correct the input.
    #[error("{field} must be {expected}, got {value}")]
    InvalidInput {
        /// The name of the input, as in the JSON line (`"aht_seconds"`).
        field: &'static str,
        /// The value given.
        value: f64,
        /// The accepted range, in words.
        expected: &'static str,
    },
    /// The offered load is above [`MAX_TRAFFIC_ERLANGS`]; the number of agents
    /// would not fit the `u32` counts. Split the volume (per queue, per
    /// shorter interval) or check the units of the input.
    #[error("offered load of {traffic} erlangs is above the supported maximum of {max}")]
    TrafficTooLarge {
        /// The offered load, in erlangs.
        traffic: f64,
        /// The largest supported load.
        max: f64,
    },
    /// The agents needed (after the occupancy cap or the shrinkage) do not
    /// fit a `u32`; this only happens with a tiny `max_occupancy` or a
    /// shrinkage extremely close to 1. Loosen those inputs.
    #[error("the number of agents needed ({needed}) is too large to count")]
    TooManyAgents {
        /// The (possibly fractional) number of agents that was needed.
        needed: f64,
    },
    /// Erlang C performance was asked for with no more agents than the offered
    /// load: the queue grows without bound, so there is no service level or
    /// speed of answer. Ask for more agents than `traffic`, or use [`ErlangA`]
    /// (with abandonment every staffing level has a steady state).
    #[error("{agents} agents cannot serve {traffic} erlangs without an ever-growing queue")]
    Unstable {
        /// The agents asked about.
        agents: u32,
        /// The offered load, in erlangs.
        traffic: f64,
    },
    /// An hour of the week was not in `0..168`. Hours count from Monday 00:00
    /// (hour 0) to Sunday 23:00 (hour 167).
    #[error("hour of the week {hour} is outside 0..168")]
    HourOutOfRange {
        /// The hour given.
        hour: u32,
    },
    /// A language's hourly history has no counts; give at least one hour.
    #[error("the hourly history for {language} is empty")]
    EmptyHistory {
        /// The language whose history is empty.
        language: Language,
    },
    /// The same language was given two hourly histories; merge them first.
    #[error("{language} has more than one hourly history")]
    DuplicateLanguage {
        /// The repeated language.
        language: Language,
    },
    /// An Erlang A series needed more terms than the safety limit: the
    /// patience is enormous compared with the handling time while the load is
    /// above the agents. Use a shorter patience, or Erlang C with more agents.
    #[error("the Erlang A series did not converge (patience too long for an overloaded queue)")]
    NotConverged,
}

/// Checks that `value` is finite and within `[low, high]` (bounds included
/// or excluded as told), or returns [`StaffingError::InvalidInput`].
pub(crate) fn check_range(
    field: &'static str,
    value: f64,
    low: f64,
    low_inclusive: bool,
    high: f64,
    high_inclusive: bool,
    expected: &'static str,
) -> Result<f64, StaffingError> {
    let above_low = if low_inclusive {
        value >= low
    } else {
        value > low
    };
    let below_high = if high_inclusive {
        value <= high
    } else {
        value < high
    };
    if value.is_finite() && above_low && below_high {
        Ok(value)
    } else {
        Err(StaffingError::InvalidInput {
            field,
            value,
            expected,
        })
    }
}
