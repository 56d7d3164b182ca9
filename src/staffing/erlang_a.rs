//! Erlang A (Palm's M/M/n+M queue): customers who give up while waiting.

use super::erlang_c::{BlockingWalk, MAX_TRAFFIC_ERLANGS};
use super::{check_range, StaffingError};
use serde::{Deserialize, Serialize};

/// Series longer than this are refused with [`StaffingError::NotConverged`].
const MAX_SERIES_TERMS: u64 = 20_000_000;

/// Scale step of the series sums (they may exceed `f64` range otherwise).
const RESCALE_ABOVE: f64 = 1e250;

/// A queue whose waiting customers abandon after an exponentially
/// distributed patience: the Erlang A (Palm) model, M/M/n+M.
///
/// Build it from the offered load, the average handling time and the
/// average patience, then ask what `n` agents achieve with
/// [`ErlangA::performance`], or how many a goal needs with
/// [`ErlangA::agents_for`]. Unlike Erlang C it has an answer for any number
/// of agents, even below the load: the customers who give up keep the queue
/// finite. As the patience grows, the figures tend to Erlang C's.
///
/// # Formulation
///
/// The standard one (Palm 1943; Garnett, Mandelbaum and Reiman 2002;
/// Mandelbaum and Zeltyn's notes on the Palm/Erlang-A queue), with time in
/// units of the handling time, `θ = aht / patience`, `x = n/θ`, `y = A/θ`:
///
/// - `E` = Erlang B(n, A), from the stable recursion;
/// - `J = Σ_{j≥0} y^j / ((x+1)(x+2)…(x+j))` (the function `A(x, y)` of the
///   literature), summed term by term with rescaling so it never overflows;
/// - probability of waiting `P_W = J·E / (1 + (J − 1)·E)`;
/// - a customer who finds `j` waiting ahead is served with probability
///   `x / (x + j + 1)`, so the abandonment share is
///   `P_W · (1 − Σ_j t_j·x/(x+j+1) / J)` with `t_j` the terms of `J`;
/// - the share answered within `t`, among all arrivals (those who give up
///   count as not answered), is
///   `1 − P_W + P_W·(S_{x+1}(y) − e^{−θt(x+1) + y − z}·S_{x+1}(z)) / S_x(y)`
///   with `z = y·e^{−θt}` and `S_a(z) = Σ_k z^k / (a(a+1)…(a+k))`;
/// - the average wait over all arrivals is `abandonment × patience` (Little's
///   law on the customers who give up);
/// - the average speed of answer of the answered customers sums, over `j`,
///   the mean wait before service `(1/θ)·Σ_{i=1}^{j+1} 1/(x+i)` weighted by
///   the chance of being served.
///
/// ```
/// use caredesk::staffing::ErlangA;
///
/// // 10 erlangs, 3-minute handling, customers wait 2 minutes on average.
/// let queue = ErlangA::new(10.0, 180.0, 120.0)?;
/// let ten = queue.performance(10, 20.0)?; // as many agents as erlangs
/// assert!(ten.abandonment > 0.0 && ten.abandonment < 0.2);
/// assert!(ten.occupancy < 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ErlangA {
    traffic_erlangs: f64,
    aht_seconds: f64,
    patience_seconds: f64,
}

/// What a given number of agents achieves on an Erlang A queue.
///
/// Returned by [`ErlangA::performance`] and [`ErlangA::agents_for`]; ratios
/// are shares of all arriving customers unless said otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AbandonmentPerformance {
    /// The number of agents answering.
    pub agents: u32,
    /// Share of customers answered within the target time (customers who
    /// give up count as not answered).
    pub service_level: f64,
    /// Share of customers who find every agent busy and wait.
    pub probability_of_waiting: f64,
    /// Share of customers who give up before being answered.
    pub abandonment: f64,
    /// Share of the agents' time spent handling: answered load / agents.
    pub occupancy: f64,
    /// Average speed of answer of the answered customers, in seconds.
    pub asa_seconds: f64,
    /// Average time in queue over all customers, answered or not, in seconds.
    pub average_wait_seconds: f64,
}

/// The sums over customers found waiting ahead (see [`ErlangA`]'s docs),
/// each equal to the stored value times `e^{ln_scale}`.
struct WaitingSums {
    ln_scale: f64,
    /// `Σ t_j`, the function `J`.
    all: f64,
    /// `Σ t_j·x/(x+j+1)`: weight of those eventually served.
    served: f64,
    /// `Σ t_j·x/(x+j+1)·Σ_{i=1}^{j+1} 1/(x+i)`: their waiting, times θ.
    served_wait: f64,
}

impl WaitingSums {
    fn ln_all(&self) -> f64 {
        self.all.ln() + self.ln_scale
    }
}

/// Sums `Σ_j z^j / ((x+1)…(x+j))`, with the served weights when `weights`
/// is true, rescaling as they grow.
fn waiting_sums(x: f64, z: f64, weights: bool) -> Result<WaitingSums, StaffingError> {
    let mut sums = WaitingSums {
        ln_scale: 0.0,
        all: 0.0,
        served: 0.0,
        served_wait: 0.0,
    };
    let mut term = 1.0;
    let mut harmonic = 0.0;
    let mut j: u64 = 0;
    loop {
        let jf = j as f64;
        sums.all += term;
        if weights {
            let next = x + jf + 1.0;
            harmonic += 1.0 / next;
            let served = term * x / next;
            sums.served += served;
            sums.served_wait += served * harmonic;
        }
        let ratio = z / (x + jf + 1.0);
        // Past the peak, the remaining terms are below a geometric series of
        // this ratio; stop when that tail is negligible (the harmonic weight
        // grows only logarithmically, hence the extra margin).
        if ratio < 1.0 && term * ratio / (1.0 - ratio) <= 1e-17 * sums.all {
            return Ok(sums);
        }
        j += 1;
        if j > MAX_SERIES_TERMS {
            return Err(StaffingError::NotConverged);
        }
        term *= ratio;
        if term > RESCALE_ABOVE {
            term /= RESCALE_ABOVE;
            sums.all /= RESCALE_ABOVE;
            sums.served /= RESCALE_ABOVE;
            sums.served_wait /= RESCALE_ABOVE;
            sums.ln_scale += RESCALE_ABOVE.ln();
        }
    }
}

impl ErlangA {
    /// A queue offered `traffic_erlangs`, with average handling time
    /// `aht_seconds` and customers' average patience `patience_seconds`.
    ///
    /// # Errors
    /// [`StaffingError::InvalidInput`] for a negative or non-finite load, or
    /// a handling time or patience that is not positive and finite;
    /// [`StaffingError::TrafficTooLarge`] above [`MAX_TRAFFIC_ERLANGS`].
    pub fn new(
        traffic_erlangs: f64,
        aht_seconds: f64,
        patience_seconds: f64,
    ) -> Result<Self, StaffingError> {
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
        let aht_seconds = check_range(
            "aht_seconds",
            aht_seconds,
            0.0,
            false,
            f64::INFINITY,
            false,
            "a finite number > 0",
        )?;
        let patience_seconds = check_range(
            "patience_seconds",
            patience_seconds,
            0.0,
            false,
            f64::INFINITY,
            false,
            "a finite number > 0",
        )?;
        Ok(ErlangA {
            traffic_erlangs,
            aht_seconds,
            patience_seconds,
        })
    }

    /// The offered load, in erlangs.
    pub fn traffic_erlangs(&self) -> f64 {
        self.traffic_erlangs
    }

    /// What `agents` achieve with a target answer time of `target_seconds`.
    ///
    /// With no load every figure is 0 except the service level (1); with no
    /// agents everyone waits and gives up (service level 0, abandonment 1,
    /// average wait = patience).
    ///
    /// # Errors
    /// [`StaffingError::InvalidInput`] for a negative or non-finite target;
    /// [`StaffingError::NotConverged`] when the patience is so long compared
    /// with the handling time, in an overloaded queue, that the series needs
    /// more than twenty million terms.
    pub fn performance(
        &self,
        agents: u32,
        target_seconds: f64,
    ) -> Result<AbandonmentPerformance, StaffingError> {
        let target_seconds = check_range(
            "target_seconds",
            target_seconds,
            0.0,
            true,
            f64::INFINITY,
            false,
            "a finite number >= 0",
        )?;
        let a = self.traffic_erlangs;
        if a == 0.0 {
            return Ok(AbandonmentPerformance {
                agents,
                service_level: 1.0,
                probability_of_waiting: 0.0,
                abandonment: 0.0,
                occupancy: 0.0,
                asa_seconds: 0.0,
                average_wait_seconds: 0.0,
            });
        }
        if agents == 0 {
            return Ok(AbandonmentPerformance {
                agents,
                service_level: 0.0,
                probability_of_waiting: 1.0,
                abandonment: 1.0,
                occupancy: 0.0,
                asa_seconds: 0.0,
                average_wait_seconds: self.patience_seconds,
            });
        }
        let n = f64::from(agents);
        let theta = self.aht_seconds / self.patience_seconds;
        let x = n / theta;
        let y = a / theta;
        let mut walk = BlockingWalk::towards(a, agents);
        walk.advance_to(agents);
        let blocking = walk.blocking;

        let sums = waiting_sums(x, y, true)?;
        let ln_j = sums.ln_all();
        // P_W = E / (E + (1 − E)/J), written so that J may be astronomically large.
        let denominator = blocking + (1.0 - blocking) * (-ln_j).exp();
        let waiting = if denominator > 0.0 {
            (blocking / denominator).min(1.0)
        } else {
            1.0
        };
        let served_if_waiting = (sums.served / sums.all).clamp(0.0, 1.0);
        let abandonment = waiting * (1.0 - served_if_waiting);

        // Served with a wait above t, among those who wait:
        // e^{−θt(x+1) + y − z}·S_{x+1}(z)/S_x(y), where
        // S_{x+1}(z) = Σ(x+1, z)/(x+1) and S_x(y) = J/x.
        let theta_t = target_seconds / self.patience_seconds;
        let z = y * (-theta_t).exp();
        let late_sums = waiting_sums(x + 1.0, z, false)?;
        let ln_late =
            -theta_t * (x + 1.0) + (y - z) + late_sums.ln_all() - (x + 1.0).ln() + x.ln() - ln_j;
        let served_late = ln_late.exp().min(served_if_waiting);
        let service_level =
            ((1.0 - waiting) + waiting * (served_if_waiting - served_late)).clamp(0.0, 1.0);

        let answered = 1.0 - abandonment;
        // Mean wait of the served waiters, in handling times, times their share.
        let served_wait = waiting * (sums.served_wait / sums.all) / theta;
        let asa_seconds = if answered > 0.0 {
            served_wait / answered * self.aht_seconds
        } else {
            0.0
        };
        Ok(AbandonmentPerformance {
            agents,
            service_level,
            probability_of_waiting: waiting,
            abandonment,
            occupancy: (a * answered / n).min(1.0),
            asa_seconds,
            average_wait_seconds: abandonment * self.patience_seconds,
        })
    }

    /// The smallest number of agents that answers `service_level` of all
    /// customers within `target_seconds` with an occupancy of at most
    /// `max_occupancy`, and what it achieves.
    ///
    /// Both the service level and the occupancy bound improve with every
    /// agent, so the search brackets the answer by doubling and then
    /// bisects: about `2·log2(n)` evaluations.
    ///
    /// # Errors
    /// [`StaffingError::InvalidInput`] for an out-of-range target, service
    /// level (`(0, 1)`) or maximum occupancy (`(0, 1]`);
    /// [`StaffingError::TooManyAgents`] when no `u32` count is enough;
    /// [`StaffingError::NotConverged`] as in [`ErlangA::performance`].
    pub fn agents_for(
        &self,
        target_seconds: f64,
        service_level: f64,
        max_occupancy: f64,
    ) -> Result<AbandonmentPerformance, StaffingError> {
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
        if self.traffic_erlangs == 0.0 {
            return self.performance(0, target_seconds);
        }
        let meets = |agents: u32| -> Result<Option<AbandonmentPerformance>, StaffingError> {
            let found = self.performance(agents, target_seconds)?;
            let ok = found.service_level >= goal && found.occupancy <= max_occupancy;
            Ok(ok.then_some(found))
        };
        // Answered customers are at most `agents / load` of all, so a count
        // below `goal × load` fails: start just under it.
        let lower_bound = (goal * self.traffic_erlangs).ceil() - 1.0;
        // In [0, MAX_TRAFFIC_ERLANGS): the conversion is exact.
        let mut low = lower_bound.max(0.0) as u32;
        let mut high = low + 1;
        let mut best = loop {
            if let Some(found) = meets(high)? {
                break found;
            }
            low = high;
            high = match high.checked_mul(2) {
                Some(next) => next,
                None => {
                    return Err(StaffingError::TooManyAgents {
                        needed: f64::from(high) * 2.0,
                    })
                }
            };
        };
        // Invariant: `low` fails (or is the lower bound), `high` meets.
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            match meets(middle)? {
                Some(found) => {
                    high = middle;
                    best = found;
                }
                None => low = middle,
            }
        }
        Ok(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staffing::ErlangC;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} is not within {tolerance} of {expected}"
        );
    }

    /// The M/M/n+M queue solved the long way: truncated stationary
    /// distribution of the birth-death chain, and the tagged customer's
    /// fate integrated with Runge-Kutta from the backward equations.
    /// Time in handling times (μ = 1). Returns (P_W, abandonment, SL(t), ASA).
    fn brute_force(n: usize, a: f64, theta: f64, t: f64) -> (f64, f64, f64, f64) {
        let depth = 400; // queue positions kept
        let mut weights = vec![1.0];
        for k in 1..=(n + depth) {
            let death = if k <= n {
                k as f64
            } else {
                n as f64 + (k - n) as f64 * theta
            };
            let previous = weights[k - 1];
            weights.push(previous * a / death);
        }
        let total: f64 = weights.iter().sum();
        let pi: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let waiting: f64 = pi[n..].iter().sum();
        let queue: f64 = pi[n..].iter().enumerate().map(|(j, p)| j as f64 * p).sum();
        let abandonment = theta * queue / a;
        // u[i](s): served by s having found i ahead; m[i]: E[W·1{served}].
        let rate = |i: usize| n as f64 + i as f64 * theta;
        let derivative = |u: &[f64]| -> Vec<f64> {
            (0..depth)
                .map(|i| {
                    let next = if i == 0 { 1.0 } else { u[i - 1] };
                    rate(i) * (next - u[i]) - theta * u[i]
                })
                .collect()
        };
        let steps = 4000;
        let dt = t / steps as f64;
        let mut u = vec![0.0; depth];
        for _ in 0..steps {
            let k1 = derivative(&u);
            let u2: Vec<f64> = u.iter().zip(&k1).map(|(v, k)| v + dt / 2.0 * k).collect();
            let k2 = derivative(&u2);
            let u3: Vec<f64> = u.iter().zip(&k2).map(|(v, k)| v + dt / 2.0 * k).collect();
            let k3 = derivative(&u3);
            let u4: Vec<f64> = u.iter().zip(&k3).map(|(v, k)| v + dt * k).collect();
            let k4 = derivative(&u4);
            for i in 0..depth {
                u[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
        }
        let answered_late: f64 = (0..depth).map(|i| pi[n + i] * u[i]).sum();
        let service_level = (1.0 - waiting) + answered_late;
        // Mean wait of served customers: found i ahead, the wait before
        // service is a sum of phases 1/(rate(k) + θ) for k = i..0, each
        // survived (not abandoned) with probability rate(k)/(rate(k) + θ).
        let mut served_wait_total = 0.0;
        for i in 0..depth {
            let mut survive = 1.0;
            let mut mean = 0.0;
            for k in (0..=i).rev() {
                mean += 1.0 / (rate(k) + theta);
                survive *= rate(k) / (rate(k) + theta);
            }
            served_wait_total += pi[n + i] * survive * mean;
        }
        let asa = served_wait_total / (1.0 - abandonment);
        (waiting, abandonment, service_level, asa)
    }

    #[test]
    fn erlang_a_matches_a_brute_force_birth_death_solution() {
        for &(n, a, theta, t) in &[
            (5usize, 4.0, 0.5, 0.3),
            (10, 10.0, 1.5, 0.1),
            (3, 6.0, 2.0, 0.5),
        ] {
            let aht = 100.0;
            let queue = ErlangA::new(a, aht, aht / theta).unwrap();
            let got = queue.performance(n as u32, t * aht).unwrap();
            let (waiting, abandonment, service_level, asa) = brute_force(n, a, theta, t);
            close(got.probability_of_waiting, waiting, 1e-9);
            close(got.abandonment, abandonment, 1e-9);
            close(got.service_level, service_level, 1e-7);
            close(got.asa_seconds, asa * aht, 1e-6);
            close(got.average_wait_seconds, abandonment / theta * aht, 1e-6);
        }
    }

    #[test]
    fn erlang_a_tends_to_erlang_c_as_patience_grows() {
        let erlang_c = ErlangC::new(10.0, 180.0).unwrap();
        let patient = ErlangA::new(10.0, 180.0, 180.0 * 1e6).unwrap();
        for agents in [11, 12, 14, 18] {
            let c = erlang_c.performance(agents, 20.0).unwrap();
            let a = patient.performance(agents, 20.0).unwrap();
            close(a.probability_of_waiting, c.probability_of_waiting, 1e-4);
            close(a.service_level, c.service_level, 1e-4);
            close(a.asa_seconds, c.asa_seconds, 1e-2);
            close(a.occupancy, c.occupancy, 1e-4);
            assert!(a.abandonment < 1e-4);
        }
    }

    #[test]
    fn abandonment_keeps_an_overloaded_queue_finite() {
        let queue = ErlangA::new(20.0, 180.0, 60.0).unwrap();
        let p = queue.performance(10, 20.0).unwrap();
        // At most 10 of 20 erlangs can be answered: at least half give up.
        assert!(p.abandonment >= 0.5 && p.abandonment < 1.0);
        assert!(p.probability_of_waiting > 0.9);
        assert!(p.occupancy > 0.95 && p.occupancy <= 1.0);
        for figure in [p.service_level, p.asa_seconds, p.average_wait_seconds] {
            assert!(figure.is_finite() && figure >= 0.0);
        }
    }

    #[test]
    fn large_erlang_a_queue_is_finite() {
        let queue = ErlangA::new(5000.0, 180.0, 120.0).unwrap();
        for agents in [4500, 5000, 5100] {
            let p = queue.performance(agents, 20.0).unwrap();
            for figure in [
                p.service_level,
                p.probability_of_waiting,
                p.abandonment,
                p.occupancy,
                p.asa_seconds,
                p.average_wait_seconds,
            ] {
                assert!(figure.is_finite() && figure >= 0.0, "{p:?}");
            }
        }
        let found = queue.agents_for(20.0, 0.8, 1.0).unwrap();
        assert!(found.service_level >= 0.8);
        assert!(
            queue
                .performance(found.agents - 1, 20.0)
                .unwrap()
                .service_level
                < 0.8
        );
    }

    #[test]
    fn agents_for_is_the_smallest_count_meeting_the_goal() {
        let queue = ErlangA::new(10.0, 180.0, 120.0).unwrap();
        let found = queue.agents_for(20.0, 0.8, 1.0).unwrap();
        assert!(found.service_level >= 0.8);
        let one_less = queue.performance(found.agents - 1, 20.0).unwrap();
        assert!(one_less.service_level < 0.8);
        // Abandonment relieves the queue: never more than Erlang C needs.
        let erlang_c = ErlangC::new(10.0, 180.0)
            .unwrap()
            .agents_for(20.0, 0.8, 1.0)
            .unwrap();
        assert!(found.agents <= erlang_c.agents);
    }

    #[test]
    fn overloaded_queue_with_endless_patience_is_refused_not_hung() {
        let queue = ErlangA::new(20.0, 180.0, 180.0 * 1e9).unwrap();
        assert_eq!(
            queue.performance(10, 20.0),
            Err(StaffingError::NotConverged)
        );
    }

    #[test]
    fn no_agents_or_no_load_are_the_obvious_extremes() {
        let queue = ErlangA::new(3.0, 180.0, 60.0).unwrap();
        let none = queue.performance(0, 20.0).unwrap();
        assert_eq!((none.service_level, none.abandonment), (0.0, 1.0));
        let idle = ErlangA::new(0.0, 180.0, 60.0)
            .unwrap()
            .performance(2, 20.0)
            .unwrap();
        assert_eq!((idle.service_level, idle.abandonment), (1.0, 0.0));
        assert!(ErlangA::new(3.0, 180.0, 0.0).is_err());
    }
}
