//! Hourly volume forecasts per language from past weeks.

use super::StaffingError;
use crate::model::Language;
use chrono::{DateTime, Datelike, TimeZone, Timelike};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Hours in a week; hours of the week run from 0 (Monday 00:00–01:00) to 167
/// (Sunday 23:00–24:00), in the desk's local time.
pub const HOURS_PER_WEEK: u32 = 168;

/// The hour of the week of `at`, in `at`'s own time zone: 0 for Monday
/// 00:00–00:59, 167 for Sunday 23:00–23:59.
///
/// Convert to the desk's time zone first (`at.with_timezone(&tz)`) so the
/// plan's hours are the desk's local hours.
///
/// ```
/// use caredesk::staffing::hour_of_week;
/// use chrono::{TimeZone, Utc};
///
/// // 2024-01-03 was a Wednesday.
/// let at = Utc.with_ymd_and_hms(2024, 1, 3, 9, 30, 0).single().ok_or("bad date")?;
/// assert_eq!(hour_of_week(&at), 2 * 24 + 9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn hour_of_week<Tz: TimeZone>(at: &DateTime<Tz>) -> u32 {
    at.weekday().num_days_from_monday() * 24 + at.hour()
}

/// Consecutive hourly arrival counts of one language: the history a
/// [`Forecast`] is built from.
///
/// `counts[0]` is the hour `start_hour_of_week` (0 = Monday 00:00), and each
/// next count is the next hour, wrapping from Sunday 23:00 into the next
/// week's Monday 00:00.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourlyCounts {
    /// The language the counts are for.
    pub language: Language,
    /// The hour of the week of the first count, in `0..168`.
    pub start_hour_of_week: u32,
    /// Arrivals per hour, oldest first.
    pub counts: Vec<u32>,
}

/// Expected arrivals per language and hour of the week, for the week that
/// follows the history.
///
/// Build it with [`Forecast::from_history`] (or set volumes by hand with
/// [`Forecast::set_volume`]), then turn it into a
/// [`StaffingPlan`](super::StaffingPlan).
///
/// # The method
///
/// For each language and each hour of the week `h`, the history gives one
/// count per past week in which that hour was observed (week `w` = how many
/// whole weeks after the week of the first count). The forecast is the
/// least-squares line through those `(w, count)` points, evaluated at the
/// next occurrence of `h` after the history ends: the average of the same
/// hour over the past weeks plus the slope times the distance from the
/// average week. With a single observed week the slope is zero and the
/// forecast is that week's count. A negative result becomes 0. Hours the
/// history never covers (less than a week of history) forecast 0.
///
/// ```
/// use caredesk::model::Language;
/// use caredesk::staffing::{Forecast, HourlyCounts};
///
/// // Three weeks: Monday 09:00 had 10, 12 and 14 arrivals, every other hour 0.
/// let mut counts = vec![0; 3 * 168];
/// counts[9] = 10;
/// counts[168 + 9] = 12;
/// counts[2 * 168 + 9] = 14;
/// let history = HourlyCounts { language: Language::ENGLISH, start_hour_of_week: 0, counts };
/// let forecast = Forecast::from_history(&[history])?;
/// assert!((forecast.volume(Language::ENGLISH, 9) - 16.0).abs() < 1e-9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Forecast {
    /// For each language, 168 expected volumes indexed by hour of the week.
    volumes: BTreeMap<Language, Vec<f64>>,
}

impl Forecast {
    /// An empty forecast (no language, every volume 0).
    pub fn new() -> Self {
        Forecast::default()
    }

    /// Forecasts each language's next week from its hourly history (see the
    /// type's docs for the method).
    ///
    /// # Errors
    /// [`StaffingError::HourOutOfRange`] when a `start_hour_of_week` is not
    /// in `0..168`, [`StaffingError::EmptyHistory`] when a language has no
    /// counts, [`StaffingError::DuplicateLanguage`] when a language appears
    /// twice.
    pub fn from_history(history: &[HourlyCounts]) -> Result<Self, StaffingError> {
        let mut forecast = Forecast::new();
        for series in history {
            if forecast.volumes.contains_key(&series.language) {
                return Err(StaffingError::DuplicateLanguage {
                    language: series.language,
                });
            }
            let volumes = forecast_week(series)?;
            forecast.volumes.insert(series.language, volumes);
        }
        Ok(forecast)
    }

    /// Sets the expected arrivals of one language in one hour of the week,
    /// adding the language (with 0 elsewhere) if it is new.
    ///
    /// # Errors
    /// [`StaffingError::HourOutOfRange`] for an hour outside `0..168`;
    /// [`StaffingError::InvalidInput`] for a negative or non-finite volume.
    pub fn set_volume(
        &mut self,
        language: Language,
        hour_of_week: u32,
        volume: f64,
    ) -> Result<(), StaffingError> {
        let volume = super::check_range(
            "volume",
            volume,
            0.0,
            true,
            f64::INFINITY,
            false,
            "a finite number >= 0",
        )?;
        let hour = check_hour(hour_of_week)?;
        let week = self
            .volumes
            .entry(language)
            .or_insert_with(|| vec![0.0; HOURS_PER_WEEK as usize]);
        week.resize(HOURS_PER_WEEK as usize, 0.0);
        if let Some(slot) = week.get_mut(hour) {
            *slot = volume;
        }
        Ok(())
    }

    /// Expected arrivals of `language` in `hour_of_week`; 0 for a language
    /// the forecast does not know. Hours from 168 on wrap around the week
    /// (hour 170 is Monday 02:00), so a simulation may count hours from its
    /// start.
    pub fn volume(&self, language: Language, hour_of_week: u32) -> f64 {
        let hour = (hour_of_week % HOURS_PER_WEEK) as usize;
        self.volumes
            .get(&language)
            .and_then(|week| week.get(hour))
            .copied()
            .unwrap_or(0.0)
    }

    /// The languages in the forecast, in code order.
    pub fn languages(&self) -> impl Iterator<Item = Language> + '_ {
        self.volumes.keys().copied()
    }

    /// Expected arrivals of `language` over the whole week.
    pub fn weekly_volume(&self, language: Language) -> f64 {
        self.volumes
            .get(&language)
            .map(|week| week.iter().sum())
            .unwrap_or(0.0)
    }
}

fn check_hour(hour_of_week: u32) -> Result<usize, StaffingError> {
    if hour_of_week < HOURS_PER_WEEK {
        Ok(hour_of_week as usize)
    } else {
        Err(StaffingError::HourOutOfRange { hour: hour_of_week })
    }
}

/// The 168 forecast volumes of one history.
fn forecast_week(series: &HourlyCounts) -> Result<Vec<f64>, StaffingError> {
    let start = check_hour(series.start_hour_of_week)?;
    if series.counts.is_empty() {
        return Err(StaffingError::EmptyHistory {
            language: series.language,
        });
    }
    let week_len = HOURS_PER_WEEK as usize;
    // Observations per hour of the week: (week index, count).
    let mut points: Vec<Vec<(f64, f64)>> = vec![Vec::new(); week_len];
    for (offset, &count) in series.counts.iter().enumerate() {
        let absolute = start + offset;
        if let Some(hour) = points.get_mut(absolute % week_len) {
            hour.push(((absolute / week_len) as f64, f64::from(count)));
        }
    }
    let end = start + series.counts.len(); // first absolute hour after the history
    let volumes = points
        .iter()
        .enumerate()
        .map(|(hour, observed)| {
            // The week of the first occurrence of `hour` at or after `end`.
            let next_week = (end + week_len - 1 - hour) / week_len;
            trend_at(observed, next_week as f64).max(0.0)
        })
        .collect();
    Ok(volumes)
}

/// The least-squares line through `points`, evaluated at `x`; the mean when
/// all points share one `x`; 0 without points.
fn trend_at(points: &[(f64, f64)], x: f64) -> f64 {
    if points.is_empty() {
        return 0.0;
    }
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let spread: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if spread == 0.0 {
        return mean_y;
    }
    let covariance: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    mean_y + covariance / spread * (x - mean_x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn history(language: Language, start: u32, counts: Vec<u32>) -> HourlyCounts {
        HourlyCounts {
            language,
            start_hour_of_week: start,
            counts,
        }
    }

    #[test]
    fn two_rising_weeks_extrapolate_each_hours_trend() {
        // Two weeks where each hour h had h and h + 2 arrivals: average h + 1.
        let counts: Vec<u32> = (0..2 * HOURS_PER_WEEK)
            .map(|i| (i % 168) + 2 * (i / 168))
            .collect();
        // A rising trend of 2 per week is extrapolated to week 2: h + 4.
        let forecast = Forecast::from_history(&[history(Language::DUTCH, 0, counts)]).unwrap();
        for hour in 0..HOURS_PER_WEEK {
            assert!((forecast.volume(Language::DUTCH, hour) - f64::from(hour + 4)).abs() < 1e-9);
        }
    }

    #[test]
    fn trend_is_the_least_squares_slope_across_weeks() {
        // Weeks of 10, 14, 12 at every hour: the least-squares slope is 1 per
        // week around mean 12 at week 1, so week 3 forecasts 12 + 2 = 14.
        let weeks =
            |values: &[u32]| -> Vec<u32> { values.iter().flat_map(|&v| vec![v; 168]).collect() };
        let forecast =
            Forecast::from_history(&[history(Language::FRENCH, 0, weeks(&[10, 14, 12]))]).unwrap();
        assert!((forecast.volume(Language::FRENCH, 100) - 14.0).abs() < 1e-9);
        // Weeks 9, 11, 9, 11: slope 0.4 around mean 10 at week 1.5, so week 4
        // forecasts 10 + 0.4 × 2.5 = 11.
        let forecast =
            Forecast::from_history(&[history(Language::FRENCH, 0, weeks(&[9, 11, 9, 11]))])
                .unwrap();
        assert!((forecast.volume(Language::FRENCH, 5) - 11.0).abs() < 1e-9);
        // Weeks 8, 12, 12, 8 have no trend: the forecast is the same-hour mean.
        let forecast =
            Forecast::from_history(&[history(Language::FRENCH, 0, weeks(&[8, 12, 12, 8]))])
                .unwrap();
        assert!((forecast.volume(Language::FRENCH, 77) - 10.0).abs() < 1e-9);
    }

    #[test]
    fn falling_trend_is_clamped_at_zero() {
        let mut counts = vec![20; 168];
        counts.extend(vec![5; 168]);
        // Week 2 would be -10.
        let forecast = Forecast::from_history(&[history(Language::GERMAN, 0, counts)]).unwrap();
        assert_eq!(forecast.volume(Language::GERMAN, 0), 0.0);
    }

    #[test]
    fn history_starting_mid_week_forecasts_each_hours_next_occurrence() {
        // Starts Wednesday 00:00 (hour 48) and runs 1.5 weeks, ending Sunday
        // 12:00 of the second week (absolute hour 48 + 252 = 300).
        // Each count is 10 + its week index × 6 (week of the absolute hour).
        let start = 48;
        let counts: Vec<u32> = (0..252u32).map(|i| 10 + 6 * ((start + i) / 168)).collect();
        let forecast =
            Forecast::from_history(&[history(Language::SPANISH, start, counts)]).unwrap();
        // Hour 50 (Wednesday 02:00): seen in weeks 0 and 1 (10, 16); next is
        // week 2 → 22.
        assert!((forecast.volume(Language::SPANISH, 50) - 22.0).abs() < 1e-9);
        // Hour 131 (Friday 11:00): last hour of the history, seen in weeks 0
        // and 1 → 22.
        assert!((forecast.volume(Language::SPANISH, 131) - 22.0).abs() < 1e-9);
        // Hour 160 (Sunday 16:00): seen only in week 0 (absolute 328 is
        // past the end) → that count, 10, no trend.
        assert!((forecast.volume(Language::SPANISH, 160) - 10.0).abs() < 1e-9);
        // Hour 10 (Monday 10:00): seen only in week 1 (16).
        assert!((forecast.volume(Language::SPANISH, 10) - 16.0).abs() < 1e-9);
    }

    #[test]
    fn hours_never_observed_forecast_zero_and_hours_wrap() {
        let forecast =
            Forecast::from_history(&[history(Language::ITALIAN, 166, vec![3, 4, 5])]).unwrap();
        assert_eq!(forecast.volume(Language::ITALIAN, 166), 3.0);
        assert_eq!(forecast.volume(Language::ITALIAN, 167), 4.0);
        assert_eq!(forecast.volume(Language::ITALIAN, 0), 5.0);
        assert_eq!(forecast.volume(Language::ITALIAN, 168), 5.0);
        assert_eq!(forecast.volume(Language::ITALIAN, 1), 0.0);
        assert_eq!(forecast.volume(Language::THAI, 0), 0.0);
        assert_eq!(forecast.weekly_volume(Language::ITALIAN), 12.0);
    }

    #[test]
    fn bad_histories_are_rejected() {
        assert_eq!(
            Forecast::from_history(&[history(Language::KOREAN, 168, vec![1])]),
            Err(StaffingError::HourOutOfRange { hour: 168 })
        );
        assert_eq!(
            Forecast::from_history(&[history(Language::KOREAN, 0, vec![])]),
            Err(StaffingError::EmptyHistory {
                language: Language::KOREAN
            })
        );
        assert_eq!(
            Forecast::from_history(&[
                history(Language::KOREAN, 0, vec![1]),
                history(Language::KOREAN, 5, vec![1])
            ]),
            Err(StaffingError::DuplicateLanguage {
                language: Language::KOREAN
            })
        );
    }

    #[test]
    fn set_volume_checks_hour_and_value() {
        let mut forecast = Forecast::new();
        forecast.set_volume(Language::THAI, 167, 2.5).unwrap();
        assert_eq!(forecast.volume(Language::THAI, 167), 2.5);
        assert!(forecast.set_volume(Language::THAI, 168, 1.0).is_err());
        assert!(forecast.set_volume(Language::THAI, 3, -1.0).is_err());
        assert_eq!(forecast.languages().collect::<Vec<_>>(), [Language::THAI]);
    }

    #[test]
    fn hour_of_week_counts_from_monday_midnight() {
        // 2024-01-01 was a Monday, 2024-01-07 a Sunday.
        let monday = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let sunday = Utc.with_ymd_and_hms(2024, 1, 7, 23, 59, 59).unwrap();
        assert_eq!(hour_of_week(&monday), 0);
        assert_eq!(hour_of_week(&sunday), 167);
    }
}
