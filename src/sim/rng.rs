//! A small seeded random number generator (xoshiro256**, seeded through
//! splitmix64) and the samplers the simulation needs, written by hand so the
//! simulation has no dependency and its figures never change with one.

/// A deterministic pseudo-random generator: xoshiro256** seeded from one
/// `u64` through splitmix64.
///
/// The same seed always yields the same stream, on every platform. Use
/// [`SimRng::fork`] to give each part of a simulation its own stream, so
/// adding draws in one part does not shift another.
///
/// ```
/// use caredesk::sim::SimRng;
/// let mut a = SimRng::new(7);
/// let mut b = SimRng::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// let x = a.uniform();
/// assert!((0.0..1.0).contains(&x));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRng {
    state: [u64; 4],
}

/// One step of splitmix64: a good mixer of a counter into 64 random bits.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SimRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        let mut s = seed;
        let state = [
            splitmix64(&mut s),
            splitmix64(&mut s),
            splitmix64(&mut s),
            splitmix64(&mut s),
        ];
        SimRng { state }
    }

    /// An independent generator derived from this one's seed material and a
    /// stream number (this generator does not advance).
    #[must_use]
    pub fn fork(&self, stream: u64) -> SimRng {
        let mut s = self.state[0]
            ^ self.state[2].rotate_left(23)
            ^ stream.wrapping_mul(0xA24B_AED4_963E_E407);
        SimRng::new(splitmix64(&mut s))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.state[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.state[1] << 17;
        self.state[2] ^= self.state[0];
        self.state[3] ^= self.state[1];
        self.state[1] ^= self.state[2];
        self.state[0] ^= self.state[3];
        self.state[2] ^= t;
        self.state[3] = self.state[3].rotate_left(45);
        result
    }

    /// A uniform number in `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform number in `(0, 1]` (safe to take the logarithm of).
    pub fn uniform_open(&mut self) -> f64 {
        1.0 - self.uniform()
    }

    /// A uniform integer in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Lemire's multiply-shift; the tiny bias is irrelevant here.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Whether an event of probability `p` happens.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// An exponential sample with the given mean (0 for a mean that is not
    /// positive).
    pub fn exponential(&mut self, mean: f64) -> f64 {
        if mean.is_nan() || mean <= 0.0 {
            return 0.0;
        }
        -mean * self.uniform_open().ln()
    }

    /// A standard normal sample (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.uniform_open();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// A log-normal sample given its median and the standard deviation of
    /// its logarithm (`sigma`).
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// A Pareto sample with minimum `scale` and tail index `alpha` (heavy
    /// tail for small `alpha`).
    pub fn pareto(&mut self, scale: f64, alpha: f64) -> f64 {
        scale / self.uniform_open().powf(1.0 / alpha.max(1e-9))
    }

    /// An index drawn with probability proportional to `weights` (the last
    /// index when all weights are zero; 0 for an empty slice).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
        if weights.is_empty() {
            return 0;
        }
        let mut target = self.uniform() * total;
        for (index, weight) in weights.iter().enumerate() {
            if *weight > 0.0 {
                if target < *weight {
                    return index;
                }
                target -= weight;
            }
        }
        weights.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_stream_and_other_seeds_differ() {
        let a: Vec<u64> = {
            let mut r = SimRng::new(42);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = SimRng::new(42);
            (0..5).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = SimRng::new(43);
            (0..5).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn exponential_and_log_normal_have_the_asked_mean_and_median() {
        let mut rng = SimRng::new(1);
        let n = 200_000;
        let mean = (0..n).map(|_| rng.exponential(300.0)).sum::<f64>() / f64::from(n);
        assert!((mean - 300.0).abs() < 3.0, "mean {mean}");
        let mut samples: Vec<f64> = (0..n).map(|_| rng.log_normal(60.0, 0.8)).collect();
        samples.sort_by(f64::total_cmp);
        let median = samples[samples.len() / 2];
        assert!((median - 60.0).abs() < 1.0, "median {median}");
    }

    #[test]
    fn weighted_choice_follows_the_weights() {
        let mut rng = SimRng::new(3);
        let mut counts = [0u32; 3];
        for _ in 0..100_000 {
            counts[rng.weighted(&[1.0, 0.0, 3.0])] += 1;
        }
        assert_eq!(counts[1], 0);
        let share = f64::from(counts[2]) / 100_000.0;
        assert!((share - 0.75).abs() < 0.01, "share {share}");
    }
}
