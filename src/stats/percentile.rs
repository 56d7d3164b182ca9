//! Exact percentiles of a sample, by linear interpolation between order statistics.

/// The exact `p`-percentile of `samples` (`p` between 0 and 1), with linear
/// interpolation between the two nearest order statistics.
///
/// With the samples sorted ascending as `x[0] ..= x[n-1]`, the percentile sits
/// at position `h = (n - 1) * p`; the result is
/// `x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)])`.
/// This is the common default (numpy's `"linear"` method, R's type 7, Excel's
/// `PERCENTILE.INC`): `p = 0` gives the minimum, `p = 1` the maximum and
/// `p = 0.5` the usual median.
///
/// NaN samples are ignored. The slice is copied and sorted, so a call costs
/// O(n log n); to take several percentiles of one sample, sort it once and use
/// [`percentile_of_sorted`].
///
/// Returns `None` when there is no (non-NaN) sample, or when `p` is NaN or
/// outside `0.0..=1.0`.
///
/// ```
/// use caredesk::stats::percentile;
/// let minutes = [10.0, 1.0, 4.0, 2.0];
/// assert_eq!(percentile(&minutes, 0.5), Some(3.0)); // halfway between 2 and 4
/// assert_eq!(percentile(&minutes, 0.75), Some(5.5)); // 4 + 0.25 * (10 - 4)
/// assert_eq!(percentile(&[], 0.5), None);
/// ```
#[must_use]
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
    sorted.sort_unstable_by(f64::total_cmp);
    percentile_of_sorted(&sorted, p)
}

/// The exact `p`-percentile of samples already sorted ascending, with the same
/// linear interpolation as [`percentile`].
///
/// The slice is trusted to be sorted and free of NaN; if it is not, the result
/// is some value interpolated between two of its elements (never a panic).
/// Returns `None` when the slice is empty, or when `p` is NaN or outside
/// `0.0..=1.0`.
///
/// ```
/// use caredesk::stats::percentile_of_sorted;
/// let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
/// assert_eq!(percentile_of_sorted(&sorted, 0.25), Some(2.0));
/// assert_eq!(percentile_of_sorted(&sorted, 0.9), Some(4.6));
/// ```
#[must_use]
pub fn percentile_of_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&p) {
        return None;
    }
    let last = sorted.len().checked_sub(1)?;
    let (lower, fraction) = interpolation_point(sorted.len() as u64, p)?;
    let lower = usize::try_from(lower).ok()?;
    let low = *sorted.get(lower)?;
    let high = *sorted.get((lower + 1).min(last))?;
    Some(interpolate(low, high, fraction))
}

/// For `count` ordered samples and `p` in `0.0..=1.0`: the 0-based rank of the
/// lower order statistic and the fraction of the way to the next one.
/// `None` for an empty sample.
pub(crate) fn interpolation_point(count: u64, p: f64) -> Option<(u64, f64)> {
    let last = count.checked_sub(1)?;
    let position = last as f64 * p;
    let lower = position.floor();
    // `position` lies in 0..=last, so the cast neither wraps nor saturates
    // except for counts beyond 2^53, where the min keeps it in range.
    let lower_rank = (lower as u64).min(last);
    Some((lower_rank, position - lower))
}

/// `low + fraction * (high - low)`, exact at both ends.
pub(crate) fn interpolate(low: f64, high: f64, fraction: f64) -> f64 {
    if fraction == 0.0 {
        low
    } else {
        low + fraction * (high - low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_count_is_midpoint_of_middle_pair() {
        assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
    }

    #[test]
    fn extremes_are_minimum_and_maximum() {
        let samples = [7.0, -3.0, 12.5, 0.0];
        assert_eq!(percentile(&samples, 0.0), Some(-3.0));
        assert_eq!(percentile(&samples, 1.0), Some(12.5));
    }

    #[test]
    fn interpolates_at_position_n_minus_one_times_p() {
        // n = 11: position 10 * 0.95 = 9.5, halfway between 90 and 100.
        let samples: Vec<f64> = (0..=10).map(|i| f64::from(i) * 10.0).collect();
        assert_eq!(percentile(&samples, 0.95), Some(95.0));
        assert_eq!(percentile(&samples, 0.9), Some(90.0));
    }

    #[test]
    fn single_sample_is_every_percentile() {
        for p in [0.0, 0.3, 0.5, 0.99, 1.0] {
            assert_eq!(percentile(&[42.0], p), Some(42.0));
        }
    }

    #[test]
    fn empty_sample_has_no_percentile() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile_of_sorted(&[], 0.0), None);
    }

    #[test]
    fn nan_samples_are_ignored() {
        assert_eq!(percentile(&[f64::NAN, 3.0, 1.0], 0.5), Some(2.0));
        assert_eq!(percentile(&[f64::NAN], 0.5), None);
    }

    #[test]
    fn probability_outside_unit_interval_has_no_percentile() {
        assert_eq!(percentile(&[1.0, 2.0], -0.01), None);
        assert_eq!(percentile(&[1.0, 2.0], 1.01), None);
        assert_eq!(percentile(&[1.0, 2.0], f64::NAN), None);
    }

    #[test]
    fn unsorted_input_to_sorted_variant_does_not_panic() {
        let value = percentile_of_sorted(&[5.0, 1.0, 3.0], 0.75);
        assert_eq!(value, Some(2.0));
    }
}
