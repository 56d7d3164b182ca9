//! Erlang C: the M/M/n queue where every customer waits as long as it takes.

use super::{check_range, StaffingError};
use serde::{Deserialize, Serialize};

/// The largest offered load the calculations accept, in erlangs.
///
/// A billion erlangs needs about a billion agents, close to the `u32` limit
/// of the counts; no single queue comes anywhere near it.
pub const MAX_TRAFFIC_ERLANGS: f64 = 1.0e9;

/// Above this load the Erlang B recursion starts near the load (see the
/// module docs) instead of at zero agents.
const WARM_START_MIN_TRAFFIC: f64 = 1000.0;

/// How many standard deviations (`√A`) below the load the warm start begins.
const WARM_START_SIGMAS: f64 = 14.0;

/// Relative slack allowed when comparing a computed occupancy or a division
/// result with its bound, so that a value equal to the bound in exact
/// arithmetic is not rejected for a rounding error in the last bits.
const ROUNDING_SLACK: f64 = 1e-12;

/// The offered load of one interval and its average handling time, ready to
/// answer Erlang C questions.
///
/// Build it from a volume with [`ErlangC::from_volume`] (or from a load in
/// erlangs with [`ErlangC::new`]), then ask what `n` agents achieve
/// ([`ErlangC::performance`]) or how many agents a goal needs
/// ([`ErlangC::agents_for`]).
///
/// ```
/// use caredesk::staffing::ErlangC;
///
/// let queue = ErlangC::from_volume(100.0, 30.0, 180.0)?; // 10 erlangs
/// let fourteen = queue.performance(14, 20.0)?;
/// assert!((fourteen.probability_of_waiting - 0.174).abs() < 0.001);
/// assert!((fourteen.asa_seconds - 7.8).abs() < 0.05);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ErlangC {
    traffic_erlangs: f64,
    aht_seconds: f64,
}

/// What a given number of agents achieves on an Erlang C queue.
///
/// Returned by [`ErlangC::performance`] and [`ErlangC::agents_for`]; all
/// ratios are in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// The number of agents answering.
    pub agents: u32,
    /// Share of customers answered within the target time.
    pub service_level: f64,
    /// Share of customers who wait at all (the Erlang C formula).
    pub probability_of_waiting: f64,
    /// Share of the agents' time spent handling (offered load / agents).
    pub occupancy: f64,
    /// Average speed of answer over all customers, in seconds.
    pub asa_seconds: f64,
}

/// One interval's staffing question, in the field names of the `staffing`
/// example's JSON lines.
///
/// Fill it (or deserialize it: `shrinkage` defaults to 0 and `max_occupancy`
/// to 1 when missing) and call [`StaffingRequest::solve`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StaffingRequest {
    /// Customers (calls, chats, queries) arriving in the interval; `>= 0`,
    /// fractions allowed (forecasts are averages).
    pub transactions: f64,
    /// Length of the interval in minutes; `> 0`.
    pub interval_minutes: f64,
    /// Average handling time in seconds; `> 0`.
    pub aht_seconds: f64,
    /// The answer time of the service goal, in seconds; `>= 0`.
    pub target_seconds: f64,
    /// Share of customers to answer within `target_seconds`; in `(0, 1)`.
    pub service_level: f64,
    /// Share of paid time agents are not available to answer (breaks,
    /// training, absence); in `[0, 1)`. Defaults to 0 (also when `null`).
    #[serde(default, deserialize_with = "zero_if_null")]
    pub shrinkage: f64,
    /// Highest acceptable occupancy; in `(0, 1]`. Defaults to 1, no cap
    /// (also when `null`).
    #[serde(default = "one", deserialize_with = "one_if_null")]
    pub max_occupancy: f64,
}

fn one() -> f64 {
    1.0
}

fn zero_if_null<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(0.0))
}

fn one_if_null<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(1.0))
}

/// The answer to a [`StaffingRequest`]: agents needed and the service they
/// give.
///
/// Serializes to the `staffing` example's output line. The service figures
/// are those of `raw_positions` agents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    /// The smallest number of agents answering that meets the service level
    /// with an occupancy at most `max_occupancy`.
    pub raw_positions: u32,
    /// Agents to schedule so that `raw_positions` are answering after
    /// shrinkage: `ceil(raw_positions / (1 − shrinkage))`.
    pub positions: u32,
    /// Share of customers answered within the target time.
    pub service_level: f64,
    /// Share of customers who wait at all.
    pub probability_of_waiting: f64,
    /// Offered load divided by `raw_positions`.
    pub occupancy: f64,
    /// Average speed of answer over all customers, in seconds.
    pub asa_seconds: f64,
}

impl StaffingRequest {
    /// A request without shrinkage and without an occupancy cap; set the
    /// public fields `shrinkage` and `max_occupancy` to add them.
    pub fn new(
        transactions: f64,
        interval_minutes: f64,
        aht_seconds: f64,
        target_seconds: f64,
        service_level: f64,
    ) -> Self {
        StaffingRequest {
            transactions,
            interval_minutes,
            aht_seconds,
            target_seconds,
            service_level,
            shrinkage: 0.0,
            max_occupancy: 1.0,
        }
    }

    /// Finds the agents needed.
    ///
    /// The offered load is `transactions · aht_seconds / (interval_minutes ·
    /// 60)` erlangs. No transactions need no agents (service level 1, no
    /// waiting, occupancy 0, speed of answer 0).
    ///
    /// # Errors
    /// [`StaffingError::InvalidInput`] for a value outside its documented
    /// range (negative, NaN, infinite, a ratio outside its interval),
    /// [`StaffingError::TrafficTooLarge`] above [`MAX_TRAFFIC_ERLANGS`], and
    /// [`StaffingError::TooManyAgents`] when the occupancy cap or the
    /// shrinkage push the count past `u32::MAX`.
    pub fn solve(&self) -> Result<Requirement, StaffingError> {
        let queue =
            ErlangC::from_volume(self.transactions, self.interval_minutes, self.aht_seconds)?;
        let shrinkage = check_range(
            "shrinkage",
            self.shrinkage,
            0.0,
            true,
            1.0,
            false,
            "in [0, 1)",
        )?;
        let found =
            queue.agents_for(self.target_seconds, self.service_level, self.max_occupancy)?;
        Ok(Requirement {
            raw_positions: found.agents,
            positions: with_shrinkage(found.agents, shrinkage)?,
            service_level: found.service_level,
            probability_of_waiting: found.probability_of_waiting,
            occupancy: found.occupancy,
            asa_seconds: found.asa_seconds,
        })
    }
}

/// `ceil(raw / (1 − shrinkage))`, where a quotient within rounding error of
/// a whole number counts as that number (14 / (1 − 0.3) is 20, not 21).
pub(crate) fn with_shrinkage(raw: u32, shrinkage: f64) -> Result<u32, StaffingError> {
    let exact = f64::from(raw) / (1.0 - shrinkage);
    let nearest = exact.round();
    let scheduled = if (exact - nearest).abs() <= ROUNDING_SLACK * nearest.max(1.0) {
        nearest
    } else {
        exact.ceil()
    };
    if scheduled <= f64::from(u32::MAX) {
        // In range and whole: the conversion is exact.
        Ok(scheduled as u32)
    } else {
        Err(StaffingError::TooManyAgents { needed: exact })
    }
}

impl ErlangC {
    /// A queue offered `traffic_erlangs` of load with the given average
    /// handling time.
    ///
    /// # Errors
    /// [`StaffingError::InvalidInput`] when the load is negative or not
    /// finite or the handling time is not positive and finite;
    /// [`StaffingError::TrafficTooLarge`] above [`MAX_TRAFFIC_ERLANGS`].
    pub fn new(traffic_erlangs: f64, aht_seconds: f64) -> Result<Self, StaffingError> {
        let aht_seconds = check_range(
            "aht_seconds",
            aht_seconds,
            0.0,
            false,
            f64::INFINITY,
            false,
            "a finite number > 0",
        )?;
        let traffic_erlangs = check_range(
            "traffic_erlangs",
            traffic_erlangs,
            0.0,
            true,
            f64::INFINITY,
            false,
            "a finite number >= 0",
        )?;
        if traffic_erlangs > MAX_TRAFFIC_ERLANGS {
            return Err(StaffingError::TrafficTooLarge {
                traffic: traffic_erlangs,
                max: MAX_TRAFFIC_ERLANGS,
            });
        }
        Ok(ErlangC {
            traffic_erlangs,
            aht_seconds,
        })
    }

    /// A queue receiving `transactions` in an interval of `interval_minutes`,
    /// each taking `aht_seconds` on average: the load is
    /// `transactions · aht_seconds / (interval_minutes · 60)` erlangs.
    ///
    /// # Errors
    /// [`StaffingError::InvalidInput`] for negative or non-finite
    /// transactions or a non-positive interval or handling time;
    /// [`StaffingError::TrafficTooLarge`] above [`MAX_TRAFFIC_ERLANGS`].
    pub fn from_volume(
        transactions: f64,
        interval_minutes: f64,
        aht_seconds: f64,
    ) -> Result<Self, StaffingError> {
        let transactions = check_range(
            "transactions",
            transactions,
            0.0,
            true,
            f64::INFINITY,
            false,
            "a finite number >= 0",
        )?;
        let interval_minutes = check_range(
            "interval_minutes",
            interval_minutes,
            0.0,
            false,
            f64::INFINITY,
            false,
            "a finite number > 0",
        )?;
        let aht = check_range(
            "aht_seconds",
            aht_seconds,
            0.0,
            false,
            f64::INFINITY,
            false,
            "a finite number > 0",
        )?;
        let traffic = transactions * aht / (interval_minutes * 60.0);
        if traffic.is_infinite() {
            return Err(StaffingError::TrafficTooLarge {
                traffic,
                max: MAX_TRAFFIC_ERLANGS,
            });
        }
        ErlangC::new(traffic, aht)
    }

    /// The offered load, in erlangs.
    pub fn traffic_erlangs(&self) -> f64 {
        self.traffic_erlangs
    }

    /// The average handling time, in seconds.
    pub fn aht_seconds(&self) -> f64 {
        self.aht_seconds
    }

    /// The Erlang B formula: the share of customers blocked when `agents`
    /// serve this load with no queue at all. 1 for zero agents.
    pub fn erlang_b(&self, agents: u32) -> f64 {
        let mut walk = BlockingWalk::towards(self.traffic_erlangs, agents);
        walk.advance_to(agents);
        walk.blocking
    }

    /// The Erlang C formula: the probability that a customer waits when
    /// `agents` answer. 1 when `agents` is not above the load (everyone
    /// waits, and the queue grows without bound).
    pub fn probability_of_waiting(&self, agents: u32) -> f64 {
        let mut walk = BlockingWalk::towards(self.traffic_erlangs, agents);
        walk.advance_to(agents);
        walk.erlang_c()
    }

    /// Service level, probability of waiting, occupancy and average speed of
    /// answer with `agents` answering and a target answer time of
    /// `target_seconds`.
    ///
    /// With no load, every figure is 0 except the service level, which is 1.
    ///
    /// # Errors
    /// [`StaffingError::InvalidInput`] for a negative or non-finite target;
    /// [`StaffingError::Unstable`] when `agents` is not above the load.
    pub fn performance(
        &self,
        agents: u32,
        target_seconds: f64,
    ) -> Result<Performance, StaffingError> {
        let target_seconds = check_target(target_seconds)?;
        if self.traffic_erlangs == 0.0 {
            return Ok(self.idle(agents));
        }
        if f64::from(agents) <= self.traffic_erlangs {
            return Err(StaffingError::Unstable {
                agents,
                traffic: self.traffic_erlangs,
            });
        }
        let mut walk = BlockingWalk::towards(self.traffic_erlangs, agents);
        walk.advance_to(agents);
        Ok(self.measure(&walk, target_seconds))
    }

    /// The smallest number of agents that answers `service_level` of the
    /// customers within `target_seconds` with an occupancy (load / agents) of
    /// at most `max_occupancy`, and what that number achieves.
    ///
    /// No load needs no agents. The search starts at the first count above
    /// both the load and `load / max_occupancy` and adds one agent at a time
    /// (the service level grows with every agent above the load), reusing the
    /// Erlang B recursion, so it is fast at thousands of erlangs.
    ///
    /// # Errors
    /// [`StaffingError::InvalidInput`] for a target that is negative or not
    /// finite, a service level outside `(0, 1)` or a maximum occupancy
    /// outside `(0, 1]`; [`StaffingError::TooManyAgents`] when the count does
    /// not fit a `u32`.
    pub fn agents_for(
        &self,
        target_seconds: f64,
        service_level: f64,
        max_occupancy: f64,
    ) -> Result<Performance, StaffingError> {
        let target_seconds = check_target(target_seconds)?;
        let goal = check_range(
            "service_level",
            service_level,
            0.0,
            false,
            1.0,
            false,
            "in (0, 1)",
        )?;
        let max_occupancy = check_range(
            "max_occupancy",
            max_occupancy,
            0.0,
            false,
            1.0,
            true,
            "in (0, 1]",
        )?;
        let traffic = self.traffic_erlangs;
        if traffic == 0.0 {
            return Ok(self.idle(0));
        }
        // The first count above the load, and the first one the occupancy cap
        // could allow (one below the rounded bound, checked exactly below).
        let stable = traffic.floor() + 1.0;
        let by_occupancy = (traffic / max_occupancy).ceil() - 1.0;
        let start = stable.max(by_occupancy);
        if start > f64::from(u32::MAX - 1) {
            return Err(StaffingError::TooManyAgents {
                needed: traffic / max_occupancy,
            });
        }
        // Whole and in range: the conversion is exact.
        let start = start as u32;
        let mut walk = BlockingWalk::towards(traffic, start);
        walk.advance_to(start);
        loop {
            let agents = f64::from(walk.agents);
            let occupancy_ok = traffic / agents <= max_occupancy * (1.0 + ROUNDING_SLACK);
            if occupancy_ok && agents > traffic {
                let found = self.measure(&walk, target_seconds);
                if found.service_level >= goal {
                    return Ok(found);
                }
            }
            if walk.agents == u32::MAX {
                return Err(StaffingError::TooManyAgents { needed: agents });
            }
            walk.step();
        }
    }

    /// The figures of a stable queue whose recursion stands at `walk`.
    fn measure(&self, walk: &BlockingWalk, target_seconds: f64) -> Performance {
        let agents = f64::from(walk.agents);
        let spare = agents - self.traffic_erlangs;
        let waiting = walk.erlang_c();
        let late = waiting * (-spare * target_seconds / self.aht_seconds).exp();
        Performance {
            agents: walk.agents,
            service_level: 1.0 - late,
            probability_of_waiting: waiting,
            occupancy: self.traffic_erlangs / agents,
            asa_seconds: waiting * self.aht_seconds / spare,
        }
    }

    /// The figures of a queue with no load.
    fn idle(&self, agents: u32) -> Performance {
        Performance {
            agents,
            service_level: 1.0,
            probability_of_waiting: 0.0,
            occupancy: 0.0,
            asa_seconds: 0.0,
        }
    }
}

fn check_target(target_seconds: f64) -> Result<f64, StaffingError> {
    check_range(
        "target_seconds",
        target_seconds,
        0.0,
        true,
        f64::INFINITY,
        false,
        "a finite number >= 0",
    )
}

/// The Erlang B recursion, walked one agent at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockingWalk {
    traffic: f64,
    /// The agent count the recursion stands at.
    pub(crate) agents: u32,
    /// Erlang B at `agents`.
    pub(crate) blocking: f64,
}

impl BlockingWalk {
    /// A walk standing at or below `target` agents, as close as the warm
    /// start allows.
    pub(crate) fn towards(traffic: f64, target: u32) -> Self {
        if traffic >= WARM_START_MIN_TRAFFIC {
            // At least 14·√A steps below both the load and the target, so the
            // start error is contracted away before the target is reached.
            let start =
                (traffic.min(f64::from(target)) - WARM_START_SIGMAS * traffic.sqrt()).floor();
            // `traffic` is at most MAX_TRAFFIC_ERLANGS (checked on
            // construction), so `start` is a whole number within u32.
            if start >= 1.0 {
                let agents = start as u32;
                return BlockingWalk {
                    traffic,
                    agents,
                    blocking: 1.0 - start / traffic,
                };
            }
        }
        BlockingWalk {
            traffic,
            agents: 0,
            blocking: 1.0,
        }
    }

    /// Moves the recursion one agent up.
    pub(crate) fn step(&mut self) {
        self.agents = self.agents.saturating_add(1);
        if self.blocking > 0.0 {
            let carried = self.traffic * self.blocking;
            self.blocking = carried / (f64::from(self.agents) + carried);
        }
    }

    /// Moves the recursion up to `target` agents (no-op if already there).
    pub(crate) fn advance_to(&mut self, target: u32) {
        while self.agents < target {
            if self.blocking == 0.0 {
                // Underflowed: Erlang B stays 0 from here on.
                self.agents = target;
                return;
            }
            self.step();
        }
    }

    /// Erlang C at the current count, from Erlang B:
    /// `C = n·B / (n − A·(1 − B))`; 1 when the count is not above the load.
    pub(crate) fn erlang_c(&self) -> f64 {
        let agents = f64::from(self.agents);
        if agents <= self.traffic {
            return 1.0;
        }
        let b = self.blocking;
        agents * b / (agents - self.traffic * (1.0 - b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Erlang C straight from its textbook definition with factorials, for
    /// small counts only: `C = (A^N/N!)·N/(N−A) / (Σ_{k<N} A^k/k! + (A^N/N!)·N/(N−A))`.
    fn erlang_c_by_definition(agents: u32, traffic: f64) -> f64 {
        let mut term = 1.0; // A^k / k!
        let mut below = 0.0;
        for k in 0..agents {
            below += term;
            term *= traffic / f64::from(k + 1);
        }
        let top = term * f64::from(agents) / (f64::from(agents) - traffic);
        top / (below + top)
    }

    fn full_recursion_b(agents: u32, traffic: f64) -> f64 {
        let mut b = 1.0;
        for n in 1..=agents {
            b = traffic * b / (f64::from(n) + traffic * b);
        }
        b
    }

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} is not within {tolerance} of {expected}"
        );
    }

    #[test]
    fn erlang_c_recursion_matches_the_factorial_definition_for_small_queues() {
        for &traffic in &[0.5, 1.0, 2.5, 7.0, 10.0, 19.9] {
            let queue = ErlangC::new(traffic, 180.0).unwrap();
            for agents in (traffic.floor() as u32 + 1)..40 {
                let expected = erlang_c_by_definition(agents, traffic);
                close(queue.probability_of_waiting(agents), expected, 1e-12);
            }
        }
    }

    #[test]
    fn erlang_b_and_c_match_published_table_values() {
        // Erlang B tables: 10 erlangs on 10 trunks block 21.46%; 2 erlangs on 5 block 3.67%.
        close(ErlangC::new(10.0, 1.0).unwrap().erlang_b(10), 0.2146, 5e-5);
        close(ErlangC::new(2.0, 1.0).unwrap().erlang_b(5), 0.0367, 5e-5);
        // 1 erlang, 1 agent: B = 1/2. 2 erlangs, 3 agents: C = 4/9 (closed forms).
        close(ErlangC::new(1.0, 1.0).unwrap().erlang_b(1), 0.5, 1e-15);
        close(
            ErlangC::new(2.0, 1.0).unwrap().probability_of_waiting(3),
            4.0 / 9.0,
            1e-15,
        );
        // The widely circulated worked example (100 calls in 30 minutes, 180 s,
        // 20 s target): probability of waiting and service level for 11 to 15
        // agents, as tabulated to a tenth of a percent.
        let queue = ErlangC::from_volume(100.0, 30.0, 180.0).unwrap();
        let table = [
            (11, 0.682, 0.390),
            (12, 0.449, 0.640),
            (13, 0.285, 0.796),
            (14, 0.174, 0.888),
            (15, 0.102, 0.941),
        ];
        for (agents, waiting, service_level) in table {
            let p = queue.performance(agents, 20.0).unwrap();
            close(p.probability_of_waiting, waiting, 5e-4);
            close(p.service_level, service_level, 5e-4);
        }
    }

    #[test]
    fn sample_line_needs_fourteen_agents() {
        let need = StaffingRequest::new(100.0, 30.0, 180.0, 20.0, 0.8)
            .solve()
            .unwrap();
        assert_eq!(need.raw_positions, 14);
        assert_eq!(need.positions, 14);
        close(need.service_level, 0.888, 0.0005);
        close(need.probability_of_waiting, 0.174, 0.0005);
        close(need.occupancy, 0.714, 0.0005);
        close(need.asa_seconds, 7.8, 0.05);
        // Thirteen agents fall short of 80%.
        let thirteen = ErlangC::from_volume(100.0, 30.0, 180.0)
            .unwrap()
            .performance(13, 20.0)
            .unwrap();
        assert!(thirteen.service_level < 0.8);
    }

    #[test]
    fn service_level_rises_and_waiting_falls_with_every_agent_above_the_load() {
        let queue = ErlangC::new(37.3, 240.0).unwrap();
        let mut previous = queue.performance(38, 30.0).unwrap();
        for agents in 39..80 {
            let now = queue.performance(agents, 30.0).unwrap();
            assert!(now.service_level > previous.service_level);
            assert!(now.probability_of_waiting < previous.probability_of_waiting);
            assert!(now.asa_seconds < previous.asa_seconds);
            assert!(now.occupancy < previous.occupancy);
            previous = now;
        }
    }

    #[test]
    fn found_count_is_the_smallest_meeting_the_goal() {
        let queue = ErlangC::new(123.4, 300.0).unwrap();
        let found = queue.agents_for(60.0, 0.9, 1.0).unwrap();
        assert!(found.service_level >= 0.9);
        let one_less = queue.performance(found.agents - 1, 60.0).unwrap();
        assert!(one_less.service_level < 0.9);
    }

    #[test]
    fn warm_start_agrees_with_the_full_recursion() {
        for &traffic in &[1000.0, 1234.5, 5000.0, 20000.0] {
            let queue = ErlangC::new(traffic, 1.0).unwrap();
            let low = traffic.floor() as u32 - 200;
            let far_below = [traffic as u32 / 2, traffic as u32 * 4 / 5];
            for agents in (low..low + 600).step_by(7).chain(far_below) {
                let full = full_recursion_b(agents, traffic);
                let warm = queue.erlang_b(agents);
                assert!(
                    (warm - full).abs() <= 1e-12 * full,
                    "A={traffic} N={agents}: warm {warm} full {full}"
                );
            }
        }
    }

    #[test]
    fn five_thousand_erlangs_give_finite_sane_figures() {
        let need = StaffingRequest::new(100_000.0, 30.0, 90.0, 20.0, 0.8)
            .solve()
            .unwrap();
        // 100,000 × 90 s over 1,800 s = 5,000 erlangs.
        assert!(need.raw_positions > 5000 && need.raw_positions < 5100);
        for figure in [
            need.service_level,
            need.probability_of_waiting,
            need.occupancy,
            need.asa_seconds,
        ] {
            assert!(figure.is_finite());
        }
        assert!(need.service_level >= 0.8 && need.service_level < 1.0);
        assert!(need.occupancy > 0.98 && need.occupancy < 1.0);
        let one_less = ErlangC::new(5000.0, 90.0)
            .unwrap()
            .performance(need.raw_positions - 1, 20.0)
            .unwrap();
        assert!(one_less.service_level < 0.8);
    }

    #[test]
    fn largest_supported_load_is_solved() {
        let need = StaffingRequest::new(MAX_TRAFFIC_ERLANGS, 1.0, 60.0, 20.0, 0.8)
            .solve()
            .unwrap();
        assert!(f64::from(need.raw_positions) > MAX_TRAFFIC_ERLANGS);
        assert!(need.service_level >= 0.8 && need.service_level.is_finite());
    }

    #[test]
    fn occupancy_cap_adds_agents_beyond_the_service_goal() {
        // 10 erlangs need 14 for the service goal (occupancy 0.714); a cap of
        // 0.6 needs ceil(10 / 0.6) = 17.
        let mut request = StaffingRequest::new(100.0, 30.0, 180.0, 20.0, 0.8);
        request.max_occupancy = 0.6;
        let need = request.solve().unwrap();
        assert_eq!(need.raw_positions, 17);
        close(need.occupancy, 10.0 / 17.0, 1e-15);
        // A cap met exactly is allowed: 8 erlangs at 0.8 is 10 agents.
        let queue = ErlangC::new(8.0, 60.0).unwrap();
        assert_eq!(queue.agents_for(0.0, 0.01, 0.8).unwrap().agents, 10);
    }

    #[test]
    fn shrinkage_scales_positions_and_rounds_up() {
        let mut request = StaffingRequest::new(100.0, 30.0, 180.0, 20.0, 0.8);
        request.shrinkage = 0.3;
        let need = request.solve().unwrap();
        assert_eq!(need.raw_positions, 14);
        assert_eq!(need.positions, 20); // 14 / 0.7 = 20 exactly
        request.shrinkage = 0.35;
        assert_eq!(request.solve().unwrap().positions, 22); // 21.54 -> 22
        assert_eq!(with_shrinkage(7, 0.3).unwrap(), 10);
        assert_eq!(with_shrinkage(8, 0.2).unwrap(), 10);
        assert_eq!(with_shrinkage(0, 0.5).unwrap(), 0);
    }

    #[test]
    fn no_transactions_need_no_agents() {
        let need = StaffingRequest::new(0.0, 30.0, 180.0, 20.0, 0.8)
            .solve()
            .unwrap();
        assert_eq!(
            need,
            Requirement {
                raw_positions: 0,
                positions: 0,
                service_level: 1.0,
                probability_of_waiting: 0.0,
                occupancy: 0.0,
                asa_seconds: 0.0,
            }
        );
    }

    #[test]
    fn out_of_range_inputs_are_named_in_the_error() {
        let base = StaffingRequest::new(100.0, 30.0, 180.0, 20.0, 0.8);
        type Spoil = fn(&mut StaffingRequest);
        let cases: [(&str, Spoil); 11] = [
            ("transactions", |r| r.transactions = -1.0),
            ("transactions", |r| r.transactions = f64::NAN),
            ("interval_minutes", |r| r.interval_minutes = 0.0),
            ("aht_seconds", |r| r.aht_seconds = f64::INFINITY),
            ("target_seconds", |r| r.target_seconds = -0.5),
            ("service_level", |r| r.service_level = 1.0),
            ("service_level", |r| r.service_level = 0.0),
            ("shrinkage", |r| r.shrinkage = 1.0),
            ("shrinkage", |r| r.shrinkage = -0.1),
            ("max_occupancy", |r| r.max_occupancy = 0.0),
            ("max_occupancy", |r| r.max_occupancy = 1.01),
        ];
        for (expected, spoil) in cases {
            let mut request = base;
            spoil(&mut request);
            match request.solve() {
                Err(StaffingError::InvalidInput { field, .. }) => assert_eq!(field, expected),
                other => panic!("{expected}: expected an error, got {other:?}"),
            }
        }
    }

    #[test]
    fn too_much_traffic_and_tiny_occupancy_caps_are_errors_not_hangs() {
        let request = StaffingRequest::new(1e12, 1.0, 60.0, 20.0, 0.8);
        assert!(matches!(
            request.solve(),
            Err(StaffingError::TrafficTooLarge { .. })
        ));
        let mut request = StaffingRequest::new(1e6, 1.0, 60.0, 20.0, 0.8);
        request.max_occupancy = 1e-9;
        assert!(matches!(
            request.solve(),
            Err(StaffingError::TooManyAgents { .. })
        ));
    }

    #[test]
    fn performance_refuses_an_overloaded_queue() {
        let queue = ErlangC::new(10.0, 180.0).unwrap();
        assert_eq!(
            queue.performance(10, 20.0),
            Err(StaffingError::Unstable {
                agents: 10,
                traffic: 10.0
            })
        );
        assert_eq!(queue.probability_of_waiting(9), 1.0);
    }

    #[test]
    fn zero_target_time_gives_the_share_answered_at_once() {
        let queue = ErlangC::new(10.0, 180.0).unwrap();
        let p = queue.performance(12, 0.0).unwrap();
        close(p.service_level, 1.0 - p.probability_of_waiting, 1e-15);
    }
}
