//! The compiled form of a calendar and the forward walk over its open
//! intervals as UTC instants.

use chrono::Weekday;

use super::hours::{OpenInterval, WeeklyHours, DAY};
use super::zone::{offset_at, ZoneCursor};
use super::CalendarError;
use chrono_tz::Tz;

pub(crate) const WEEK: i64 = 7 * DAY;
pub(crate) const NANOS: i128 = 1_000_000_000;

/// Monday-first index of the weekday of day number `day` (days since
/// 1970-01-01, a Thursday).
pub(crate) fn weekday_index(day: i64) -> usize {
    // rem_euclid(7) is in 0..7.
    (day + 3).rem_euclid(7) as usize
}

pub(crate) const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// A calendar flattened for the walk: intervals as (open, close) seconds
/// after the start of their day, sorted per day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Compiled {
    spans: Vec<(i64, i64)>,
    week: [(usize, usize); 7],
    /// (day number, range in `spans`), sorted by day.
    specials: Vec<(i64, usize, usize)>,
    /// Wall-clock seconds open in a regular week.
    pub(crate) weekly_total: i64,
    /// Whether the weekly hours cover the whole week.
    pub(crate) weekly_full: bool,
    /// Whether some interval crosses midnight.
    overnight: bool,
}

fn sorted_spans(intervals: &[OpenInterval]) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = intervals
        .iter()
        .map(|i| (i64::from(i.open().seconds()), i64::from(i.close_offset())))
        .collect();
    spans.sort_unstable();
    spans
}

impl Compiled {
    /// Flatten validated hours; `specials` must be sorted by day.
    pub(crate) fn new(weekly: &WeeklyHours, specials: &[(i64, &[OpenInterval])]) -> Self {
        let mut compiled = Compiled::default();
        for (index, day) in WEEKDAYS.iter().enumerate() {
            let start = compiled.spans.len();
            compiled.spans.extend(sorted_spans(weekly.day(*day)));
            compiled.week[index] = (start, compiled.spans.len());
        }
        compiled.weekly_total = compiled.spans.iter().map(|(o, c)| c - o).sum();
        compiled.weekly_full = compiled.weekly_total == WEEK;
        for &(day, hours) in specials {
            let start = compiled.spans.len();
            compiled.spans.extend(sorted_spans(hours));
            compiled.specials.push((day, start, compiled.spans.len()));
        }
        compiled.overnight = compiled.spans.iter().any(|&(_, c)| c > DAY);
        compiled
    }

    pub(crate) fn has_specials(&self) -> bool {
        !self.specials.is_empty()
    }

    /// The last day with its own hours, if any.
    pub(crate) fn last_special(&self) -> Option<i64> {
        self.specials.last().map(|s| s.0)
    }
}

/// Walks a calendar's open intervals in time order, as UTC seconds, from the
/// day before the local date of a start instant.
pub(crate) struct Walker<'c> {
    compiled: &'c Compiled,
    cursor: ZoneCursor,
    /// The local day whose intervals are being yielded.
    day: i64,
    next: usize,
    end: usize,
    /// Index of the first special day at or after `day`.
    special: usize,
}

impl<'c> Walker<'c> {
    pub(crate) fn new(compiled: &'c Compiled, tz: Tz, start: i64) -> Result<Self, CalendarError> {
        let local = start
            .checked_add(offset_at(tz, start)?)
            .ok_or(CalendarError::OutOfRange)?;
        let mut day = local.div_euclid(DAY);
        if compiled.overnight {
            // An interval of yesterday may still be open. Intervals of
            // earlier days close at a local time at or before `local`, so
            // at or before `start` (`map` never decreases).
            day -= 1;
        }
        let cursor = ZoneCursor::new(tz, day * DAY - DAY)?;
        let special = compiled.specials.partition_point(|s| s.0 < day);
        let mut walker = Walker {
            compiled,
            cursor,
            day,
            next: 0,
            end: 0,
            special,
        };
        walker.load_day();
        Ok(walker)
    }

    fn load_day(&mut self) {
        let specials = &self.compiled.specials;
        while self.special < specials.len() && specials[self.special].0 < self.day {
            self.special += 1;
        }
        let (start, end) = match specials.get(self.special) {
            Some(&(day, start, end)) if day == self.day => (start, end),
            _ => self.compiled.week[weekday_index(self.day)],
        };
        self.next = start;
        self.end = end;
    }

    /// Whether every interval of days before the next one to load has been
    /// yielded.
    pub(crate) fn at_day_end(&self) -> bool {
        self.next >= self.end
    }

    /// The local day being walked.
    pub(crate) fn day(&self) -> i64 {
        self.day
    }

    /// The next non-empty open interval `[a, b)` in UTC seconds, or `None`
    /// when the calendar has no open time left.
    pub(crate) fn next_interval(&mut self) -> Result<Option<(i64, i64)>, CalendarError> {
        loop {
            while self.next < self.end {
                let (open, close) = self.compiled.spans[self.next];
                self.next += 1;
                let base = self.day.checked_mul(DAY).ok_or(CalendarError::OutOfRange)?;
                let a = self.cursor.map(base + open)?;
                let b = self.cursor.map(base + close)?;
                if b > a {
                    return Ok(Some((a, b)));
                }
            }
            if self.compiled.weekly_total == 0 && self.special >= self.compiled.specials.len() {
                return Ok(None);
            }
            self.day += 1;
            self.load_day();
        }
    }

    /// At a day end, skip up to `max_weeks` whole weeks of regular days (no
    /// special date, no offset change) whose intervals all start at or after
    /// `clip_ns` and, if given, all end by `until_ns`. Returns the weeks
    /// skipped; each holds exactly `weekly_total` seconds of open time.
    pub(crate) fn skip_weeks(
        &mut self,
        max_weeks: i64,
        clip_ns: i128,
        until_ns: Option<i128>,
    ) -> Result<i64, CalendarError> {
        if !self.at_day_end() || max_weeks <= 0 {
            return Ok(0);
        }
        let first = self.day + 1;
        let mut weeks = max_weeks;
        let specials = &self.compiled.specials[self.special.min(self.compiled.specials.len())..];
        // The first entry may still be the current day.
        if let Some(&(special_day, _, _)) = specials.iter().find(|s| s.0 >= first) {
            weeks = weeks.min((special_day - first) / 7);
        }
        if weeks <= 0 {
            return Ok(0);
        }
        let midnight = self.cursor.map(first * DAY)?;
        if i128::from(midnight) * NANOS < clip_ns {
            return Ok(0);
        }
        if let Some(until_ns) = until_ns {
            // The last skipped interval ends at most a day after the last
            // skipped midnight.
            let room = (until_ns / NANOS) as i64 - midnight - DAY;
            weeks = weeks.min(room.div_euclid(WEEK));
            if weeks <= 0 {
                return Ok(0);
            }
        }
        let mut clean = 0;
        while clean < weeks {
            let to = midnight + (clean + 1) * WEEK + 2 * DAY;
            self.cursor.ensure(to)?;
            if self.cursor.transition_between(midnight - 2 * DAY, to) {
                break;
            }
            clean += 1;
        }
        self.day += clean * 7;
        Ok(clean)
    }
}
