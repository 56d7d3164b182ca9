//! A streaming, mergeable response-time distribution in bounded memory.

use super::percentile::{interpolate, interpolation_point};
use super::StatsError;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Sub-buckets per power of two, as a power of two (64 sub-buckets).
const SUB_BUCKET_BITS: u32 = 6;
/// Bits of an `f64` below the exponent and the top `SUB_BUCKET_BITS` of the mantissa.
const KEY_SHIFT: u32 = 52 - SUB_BUCKET_BITS;
/// Biased exponent of the smallest resolved value, [`ResponseTimeHistogram::RESOLUTION_SECONDS`] = 2^-20.
const LOWEST_EXPONENT: u64 = 1023 - 20;
/// `f64` bits of the smallest resolved value, shifted down to a bucket key.
const KEY_BASE: u64 = LOWEST_EXPONENT << SUB_BUCKET_BITS;
/// Key of the bucket holding `f64::MAX`.
const MAX_KEY: u32 = ((2046 << SUB_BUCKET_BITS) | ((1 << SUB_BUCKET_BITS) - 1)) - KEY_BASE as u32;

/// A streaming distribution of response times (in seconds) with a bounded
/// relative error: count, mean, minimum, maximum and any percentile of tens of
/// millions of samples in a few kilobytes.
///
/// Samples fall into log-linear buckets, as in an HDR histogram: each power
/// of two (1–2 s, 2–4 s, 4–8 s, ...) is cut into 64 equal buckets, so a
/// bucket is never wider than 1/64 of its lower bound. A percentile is
/// computed exactly as [`percentile`](super::percentile) would (linear
/// interpolation at position `(n - 1) * p`), except that each order statistic
/// is replaced by the midpoint of its bucket (clamped to the exact minimum
/// and maximum, which are kept as such). Hence the **error bound**: for every
/// `p`,
///
/// `|estimate - exact| <= exact / 128 + 2^-21 s`,
///
/// that is at most 0.79 % relative error for samples of a microsecond
/// ([`RESOLUTION_SECONDS`](Self::RESOLUTION_SECONDS) = 2^-20 s) or more;
/// samples below that resolution (including zero) share one bucket and are
/// off by at most half a microsecond. Count, minimum and maximum are exact;
/// the mean is the exact sum (as `f64`) divided by the count.
///
/// Memory grows with the spread of the samples, not their number: 64 buckets
/// of 8 bytes per power of two between the smallest and largest sample, about
/// 17 KB for samples from a millisecond to a year, and never more than about
/// 530 KB. Histograms [`merge`](Self::merge) exactly (the same samples give
/// the same buckets whichever histogram recorded them), so per-shard or
/// per-day distributions can be combined.
///
/// It serializes as its non-empty buckets; deserialization checks that the
/// parts agree ([`StatsError::CorruptHistogram`] otherwise).
///
/// ```
/// use caredesk::stats::ResponseTimeHistogram;
/// use std::time::Duration;
///
/// let mut first_responses = ResponseTimeHistogram::new();
/// for minutes in [3, 7, 12, 45, 90] {
///     first_responses.record(Duration::from_secs(minutes * 60));
/// }
/// first_responses.record_seconds(30.0)?;
///
/// assert_eq!(first_responses.count(), 6);
/// assert_eq!(first_responses.max(), Some(5400.0));
/// let median = first_responses.percentile(0.5).unwrap_or_default();
/// assert!((median - 570.0).abs() <= 570.0 / 128.0); // exact median: 9.5 minutes
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(try_from = "HistogramRepr", into = "HistogramRepr")]
pub struct ResponseTimeHistogram {
    /// Samples recorded.
    count: u64,
    /// Sum of the samples, in seconds.
    sum: f64,
    /// Smallest sample (meaningful when `count > 0`).
    min: f64,
    /// Largest sample (meaningful when `count > 0`).
    max: f64,
    /// Samples below `RESOLUTION_SECONDS`.
    below_resolution: u64,
    /// Key of `counts[0]`.
    first_key: u32,
    /// Dense counts for keys `first_key ..`.
    counts: Vec<u64>,
}

impl ResponseTimeHistogram {
    /// The smallest sample kept apart from zero: 2^-20 s, just under a microsecond.
    pub const RESOLUTION_SECONDS: f64 = 1.0 / 1_048_576.0;

    /// The largest relative error of a percentile for samples at or above
    /// [`RESOLUTION_SECONDS`](Self::RESOLUTION_SECONDS): 1/128.
    pub const RELATIVE_ERROR: f64 = 1.0 / 128.0;

    /// An empty histogram.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one response time.
    pub fn record(&mut self, duration: Duration) {
        self.record_valid(duration.as_secs_f64());
    }

    /// Records one response time given in seconds.
    ///
    /// # Errors
    /// [`StatsError::InvalidSample`] when `seconds` is negative, NaN or
    /// infinite; nothing is recorded then.
    pub fn record_seconds(&mut self, seconds: f64) -> Result<(), StatsError> {
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(StatsError::InvalidSample(seconds));
        }
        self.record_valid(seconds);
        Ok(())
    }

    /// Records a finite, non-negative number of seconds.
    fn record_valid(&mut self, seconds: f64) {
        // `-0.0` would otherwise become the minimum and print as "-0".
        let seconds = seconds + 0.0;
        if self.count == 0 {
            self.min = seconds;
            self.max = seconds;
        } else {
            self.min = self.min.min(seconds);
            self.max = self.max.max(seconds);
        }
        self.count += 1;
        self.sum += seconds;
        match key_of(seconds) {
            None => self.below_resolution += 1,
            Some(key) => {
                let slot = self.slot_for(key);
                if let Some(cell) = self.counts.get_mut(slot) {
                    *cell += 1;
                }
            }
        }
    }

    /// The index in `counts` for `key`, growing the dense range to hold it.
    fn slot_for(&mut self, key: u32) -> usize {
        if self.counts.is_empty() {
            self.first_key = key;
            self.counts.push(0);
            return 0;
        }
        if key < self.first_key {
            // Grow downwards by at least the current length (amortised O(1)
            // even when samples arrive in descending order).
            let len = self.counts.len() as u32;
            let new_first = key.min(self.first_key.saturating_sub(len));
            let extra = (self.first_key - new_first) as usize;
            let mut grown = vec![0; extra + self.counts.len()];
            grown[extra..].copy_from_slice(&self.counts);
            self.counts = grown;
            self.first_key = new_first;
        }
        let slot = (key - self.first_key) as usize;
        if slot >= self.counts.len() {
            self.counts.resize(slot + 1, 0);
        }
        slot
    }

    /// Adds every sample of `other` to this histogram.
    pub fn merge(&mut self, other: &ResponseTimeHistogram) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            self.min = other.min;
            self.max = other.max;
        } else {
            self.min = self.min.min(other.min);
            self.max = self.max.max(other.max);
        }
        self.count += other.count;
        self.sum += other.sum;
        self.below_resolution += other.below_resolution;
        for (key, n) in other.buckets() {
            let slot = self.slot_for(key);
            if let Some(cell) = self.counts.get_mut(slot) {
                *cell += n;
            }
        }
    }

    /// Number of samples recorded.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether no sample was recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The smallest sample in seconds (exact); `None` when empty.
    #[must_use]
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }

    /// The largest sample in seconds (exact); `None` when empty.
    #[must_use]
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }

    /// The arithmetic mean in seconds; `None` when empty.
    #[must_use]
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }

    /// The sum of all samples, in seconds.
    #[must_use]
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// The estimated `p`-percentile in seconds (`p` between 0 and 1), within
    /// the error bound given on the type; exact for `p = 0` and `p = 1`.
    ///
    /// Returns `None` when the histogram is empty, or when `p` is NaN or
    /// outside `0.0..=1.0`.
    #[must_use]
    pub fn percentile(&self, p: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&p) {
            return None;
        }
        let (lower, fraction) = interpolation_point(self.count, p)?;
        let upper = if fraction > 0.0 { lower + 1 } else { lower };
        let (low, high) = self.values_at_ranks(lower, upper);
        Some(interpolate(low, high, fraction))
    }

    /// Estimated values of the order statistics of 0-based ranks `lower <= upper`.
    fn values_at_ranks(&self, lower: u64, upper: u64) -> (f64, f64) {
        let last = self.count.saturating_sub(1);
        let mut low = None;
        let mut high = None;
        if lower == 0 {
            low = Some(self.min);
        }
        if upper >= last {
            high = Some(self.max);
        }
        if lower >= last {
            low = Some(self.max);
        }
        if low.is_none() || high.is_none() {
            // Walk the buckets: `seen` samples lie in buckets before the current one.
            let mut seen = 0u64;
            let buckets = std::iter::once((0.0, Self::RESOLUTION_SECONDS, self.below_resolution))
                .chain(
                    self.buckets()
                        .map(|(key, n)| (lower_bound(key), lower_bound(key + 1), n)),
                );
            for (from, to, n) in buckets {
                if n == 0 {
                    continue;
                }
                let representative = (from + (to - from) / 2.0).clamp(self.min, self.max);
                seen += n;
                if low.is_none() && lower < seen {
                    low = Some(representative);
                }
                if high.is_none() && upper < seen {
                    high = Some(representative);
                    break;
                }
            }
        }
        // Both are set unless the buckets disagree with `count`, which
        // construction and deserialization rule out; fall back to the maximum.
        (low.unwrap_or(self.max), high.unwrap_or(self.max))
    }

    /// Non-empty buckets at or above the resolution, as (key, count), ascending.
    fn buckets(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let first = self.first_key;
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(move |(i, n)| (first + i as u32, *n))
    }
}

impl PartialEq for ResponseTimeHistogram {
    /// Equal when they hold the same samples in the same buckets, with the
    /// same sum, minimum and maximum (however the dense range was grown).
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count
            && self.sum == other.sum
            && self.min() == other.min()
            && self.max() == other.max()
            && self.below_resolution == other.below_resolution
            && self.buckets().eq(other.buckets())
    }
}

/// The bucket key of a finite, non-negative value; `None` below the resolution.
fn key_of(seconds: f64) -> Option<u32> {
    if seconds < ResponseTimeHistogram::RESOLUTION_SECONDS {
        return None;
    }
    let shifted = seconds.to_bits() >> KEY_SHIFT;
    // For finite values at or above 2^-20 the shifted bits lie in
    // KEY_BASE ..= KEY_BASE + MAX_KEY, so this neither underflows nor truncates.
    u32::try_from(shifted.saturating_sub(KEY_BASE)).ok()
}

/// The smallest value that falls in bucket `key` (`key` may be one past the last).
fn lower_bound(key: u32) -> f64 {
    f64::from_bits((u64::from(key) + KEY_BASE) << KEY_SHIFT)
}

/// The serialized form: summary figures and the non-empty buckets.
#[derive(Serialize, Deserialize)]
struct HistogramRepr {
    /// Sub-buckets per power of two, as a power of two: guards against
    /// reading buckets written with another layout.
    sub_bucket_bits: u32,
    count: u64,
    sum: f64,
    min: Option<f64>,
    max: Option<f64>,
    below_resolution: u64,
    /// `(key, count)` pairs, keys strictly ascending, counts non-zero.
    buckets: Vec<(u32, u64)>,
}

impl From<ResponseTimeHistogram> for HistogramRepr {
    fn from(histogram: ResponseTimeHistogram) -> Self {
        HistogramRepr {
            sub_bucket_bits: SUB_BUCKET_BITS,
            count: histogram.count,
            sum: histogram.sum,
            min: histogram.min(),
            max: histogram.max(),
            below_resolution: histogram.below_resolution,
            buckets: histogram.buckets().collect(),
        }
    }
}

impl TryFrom<HistogramRepr> for ResponseTimeHistogram {
    type Error = StatsError;

    fn try_from(repr: HistogramRepr) -> Result<Self, StatsError> {
        let corrupt = StatsError::CorruptHistogram;
        if repr.sub_bucket_bits != SUB_BUCKET_BITS {
            return Err(corrupt("bucket layout differs"));
        }
        let mut total = repr.below_resolution;
        let mut previous: Option<u32> = None;
        for &(key, n) in &repr.buckets {
            if key > MAX_KEY || previous.is_some_and(|p| p >= key) || n == 0 {
                return Err(corrupt("bucket keys out of order or out of range"));
            }
            previous = Some(key);
            total = total
                .checked_add(n)
                .ok_or(corrupt("bucket counts overflow"))?;
        }
        if total != repr.count {
            return Err(corrupt("bucket counts do not add up to the count"));
        }
        let mut histogram = ResponseTimeHistogram {
            count: repr.count,
            sum: repr.sum,
            below_resolution: repr.below_resolution,
            ..ResponseTimeHistogram::default()
        };
        match (repr.count, repr.min, repr.max) {
            (0, None, None) => {}
            (1.., Some(min), Some(max))
                if min.is_finite() && max.is_finite() && 0.0 <= min && min <= max =>
            {
                histogram.min = min;
                histogram.max = max;
            }
            _ => return Err(corrupt("minimum and maximum do not match the count")),
        }
        if let (Some(&(first, _)), Some(&(last, _))) = (repr.buckets.first(), repr.buckets.last()) {
            histogram.first_key = first;
            histogram.counts = vec![0; (last - first) as usize + 1];
            for (key, n) in repr.buckets {
                if let Some(cell) = histogram.counts.get_mut((key - first) as usize) {
                    *cell = n;
                }
            }
        }
        Ok(histogram)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::percentile;

    #[test]
    fn empty_histogram_has_no_figures() {
        let histogram = ResponseTimeHistogram::new();
        assert_eq!(histogram.count(), 0);
        assert_eq!(histogram.mean(), None);
        assert_eq!(histogram.min(), None);
        assert_eq!(histogram.percentile(0.5), None);
    }

    #[test]
    fn count_min_max_and_mean_are_exact() {
        let mut histogram = ResponseTimeHistogram::new();
        for seconds in [2.0, 10.0, 3.5, 0.0, 4.5] {
            histogram.record_seconds(seconds).unwrap();
        }
        assert_eq!(histogram.count(), 5);
        assert_eq!(histogram.min(), Some(0.0));
        assert_eq!(histogram.max(), Some(10.0));
        assert_eq!(histogram.mean(), Some(4.0));
        assert_eq!(histogram.percentile(0.0), Some(0.0));
        assert_eq!(histogram.percentile(1.0), Some(10.0));
    }

    #[test]
    fn single_value_is_every_percentile() {
        let mut histogram = ResponseTimeHistogram::new();
        histogram.record(Duration::from_secs(61));
        for p in [0.0, 0.5, 0.9, 1.0] {
            assert_eq!(histogram.percentile(p), Some(61.0));
        }
    }

    #[test]
    fn negative_nan_and_infinite_samples_are_rejected() {
        let mut histogram = ResponseTimeHistogram::new();
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                histogram.record_seconds(bad),
                Err(StatsError::InvalidSample(_))
            ));
        }
        assert!(histogram.is_empty());
    }

    #[test]
    fn bucket_width_is_at_most_one_sixty_fourth_of_its_lower_bound() {
        for seconds in [1e-6, 0.001, 1.0, 1.5, 59.9, 3600.0, 1e9, 1e300] {
            let key = key_of(seconds).unwrap();
            let (low, high) = (lower_bound(key), lower_bound(key + 1));
            assert!(
                low <= seconds && seconds < high,
                "{seconds} in [{low}, {high})"
            );
            assert!((high - low) <= low / 64.0, "{seconds}");
        }
        assert_eq!(key_of(ResponseTimeHistogram::RESOLUTION_SECONDS), Some(0));
        assert_eq!(key_of(f64::MAX), Some(MAX_KEY));
        assert_eq!(key_of(1e-7), None);
    }

    #[test]
    fn median_is_within_error_bound_of_exact_median() {
        let samples: Vec<f64> = (1..=1001).map(|i| f64::from(i) * 1.37).collect();
        let mut histogram = ResponseTimeHistogram::new();
        for &s in &samples {
            histogram.record_seconds(s).unwrap();
        }
        let exact = percentile(&samples, 0.5).unwrap();
        let estimate = histogram.percentile(0.5).unwrap();
        assert!((estimate - exact).abs() <= exact * ResponseTimeHistogram::RELATIVE_ERROR);
    }

    #[test]
    fn descending_samples_grow_the_range_downwards() {
        let mut histogram = ResponseTimeHistogram::new();
        let mut seconds = 1e6;
        while seconds > 1e-3 {
            histogram.record_seconds(seconds).unwrap();
            seconds *= 0.9;
        }
        let mut ascending = ResponseTimeHistogram::new();
        let mut seconds = 1e6;
        let mut all = Vec::new();
        while seconds > 1e-3 {
            all.push(seconds);
            seconds *= 0.9;
        }
        for &s in all.iter().rev() {
            ascending.record_seconds(s).unwrap();
        }
        assert_eq!(
            histogram.buckets().collect::<Vec<_>>(),
            ascending.buckets().collect::<Vec<_>>()
        );
        assert_eq!(histogram.count(), all.len() as u64);
    }

    #[test]
    fn merged_histogram_equals_one_fed_all_samples() {
        let mut left = ResponseTimeHistogram::new();
        let mut right = ResponseTimeHistogram::new();
        let mut both = ResponseTimeHistogram::new();
        for i in 0..500u32 {
            let seconds = f64::from(i * i) / 7.0;
            if i % 3 == 0 { &mut left } else { &mut right }
                .record_seconds(seconds)
                .unwrap();
        }
        for i in 0..500u32 {
            let seconds = f64::from(i * i) / 7.0;
            both.record_seconds(seconds).unwrap();
        }
        left.merge(&right);
        assert_eq!(left.count(), both.count());
        assert_eq!(left.min(), both.min());
        assert_eq!(left.max(), both.max());
        assert_eq!(
            left.buckets().collect::<Vec<_>>(),
            both.buckets().collect::<Vec<_>>()
        );
        for p in [0.1, 0.5, 0.9, 0.99] {
            assert_eq!(left.percentile(p), both.percentile(p));
        }
    }

    #[test]
    fn serde_round_trip_keeps_every_figure() {
        let mut histogram = ResponseTimeHistogram::new();
        for seconds in [0.0, 0.25, 12.0, 700.0, 86_400.0] {
            histogram.record_seconds(seconds).unwrap();
        }
        let json = serde_json::to_string(&histogram).unwrap();
        let back: ResponseTimeHistogram = serde_json::from_str(&json).unwrap();
        assert_eq!(back, histogram);
        assert_eq!(back.percentile(0.3), histogram.percentile(0.3));
    }

    #[test]
    fn deserializing_inconsistent_counts_is_an_error() {
        let json = r#"{"sub_bucket_bits":6,"count":3,"sum":1.0,"min":0.5,"max":0.5,
            "below_resolution":0,"buckets":[[100,1]]}"#;
        let error = serde_json::from_str::<ResponseTimeHistogram>(json).unwrap_err();
        assert!(error.to_string().contains("add up"), "{error}");
    }
}
