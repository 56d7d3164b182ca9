//! Business calendars: the hours that SLA clocks count in and agents work in.
//!
//! A [`BusinessCalendar`] is a time zone, weekly hours (any number of
//! intervals per day, intervals that cross midnight), and holidays (closed
//! all day, or open in their own hours). It answers whether it is open at an
//! instant, when it next opens or closes, how much business time lies between
//! two instants, and when a given amount of business time has elapsed
//! (an SLA deadline).
//!
//! ```
//! use caredesk::calendar::BusinessCalendar;
//! use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday::*};
//!
//! let calendar = BusinessCalendar::builder("Europe/Amsterdam")
//!     .open_on(&[Mon, Tue, Wed, Thu, Fri], "08:00", "12:00")
//!     .open_on(&[Mon, Tue, Wed, Thu, Fri], "13:00", "17:00")
//!     .holiday(NaiveDate::from_ymd_opt(2026, 12, 25).ok_or("date")?)
//!     .build()?;
//! // Monday 2026-06-01 08:00 in Amsterdam is 06:00 UTC.
//! let start: DateTime<Utc> = "2026-06-01T06:00:00Z".parse()?;
//! let deadline = calendar.add_business_time(start, Duration::hours(8))?;
//! assert_eq!(deadline, "2026-06-01T15:00:00Z".parse::<DateTime<Utc>>()?);
//! assert_eq!(calendar.business_time_between(start, deadline), Duration::hours(8));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The rules
//!
//! - Intervals are half-open, `[open, close)`, in local wall-clock time.
//!   Touching intervals (`08:00–12:00` and `12:00–13:00`) are fine; overlapping
//!   ones are an error, including an interval crossing midnight that runs into
//!   the next day's first interval.
//! - `24:00` closes a day at the next local midnight.
//! - An interval whose close is earlier than its open (`22:00–06:00`) crosses
//!   midnight: it closes on the next local day and belongs to the day it opens
//!   on, so a holiday on the next date does not cut it.
//! - Days without intervals are closed. A holiday is a local date; it replaces
//!   that date's weekly hours with its own (none: closed all day).
//! - Counting starts at the start instant if the calendar is open then,
//!   otherwise at the next opening. A deadline is the instant the business time
//!   has elapsed, which may be exactly a closing time: 08:00 plus four hours in
//!   an `08:00–12:00` interval is 12:00, not the next opening.
//!
//! # Clock changes
//!
//! Each date's intervals become instants through its own UTC offset(s): a
//! local time becomes the first instant whose local time is at or after it.
//! So a time the clocks skip (spring forward) becomes the first instant after
//! the gap, and a time the clocks repeat (fall back) becomes the earlier of
//! its two instants. In consequence:
//!
//! - a `09:00–17:00` day is 8 real hours on the days the clocks change;
//! - in Europe/Amsterdam on the spring-forward day (02:00 becomes 03:00), a
//!   `01:00–04:00` interval is 2 real hours, and a `02:00–03:00` interval is
//!   empty (never open that day);
//! - on the fall-back day (03:00 becomes 02:00), `01:00–04:00` is 4 real
//!   hours, and an interval that lies inside the repeated hour is open only
//!   in its first occurrence.
//!
//! # Cost
//!
//! Nothing steps minute by minute. The walk visits each open interval it
//! crosses, once, with one offset lookup per day walked; a run of whole weeks
//! with no holiday and no clock change is skipped in one step using the
//! business time of a regular week. A deadline ten business days out costs
//! about a microsecond (see `benches/calendar.rs`).

mod error;
mod hours;
pub mod json;
mod walk;
mod zone;

use std::cmp::Ordering;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use error::CalendarError;
pub use hours::{Holiday, OpenInterval, TimeOfDay, WeeklyHours};

use hours::DAY;
use walk::{Compiled, Walker, NANOS, WEEK, WEEKDAYS};

/// The opening hours of a desk, a team or an SLA: a time zone, weekly hours
/// and holidays.
///
/// Build one with [`BusinessCalendar::builder`] in code, with
/// [`BusinessCalendar::new`] from parts, with [`BusinessCalendar::always_open`]
/// for 24/7, or deserialize it from JSON:
///
/// ```
/// use caredesk::calendar::BusinessCalendar;
/// let calendar: BusinessCalendar = serde_json::from_str(r#"{
///     "tz": "America/New_York",
///     "weekly": {"mon": [["08:00","12:00"], ["13:00","17:00"]], "sat": [["22:00","06:00"]]},
///     "holidays": ["2026-07-03", {"date": "2026-12-24", "hours": [["08:00","12:00"]]}]
/// }"#)?;
/// assert_eq!(calendar.time_zone().name(), "America/New_York");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Then ask it questions with [`add_business_time`](Self::add_business_time),
/// [`business_time_between`](Self::business_time_between),
/// [`is_open`](Self::is_open), [`next_open`](Self::next_open) and
/// [`next_close`](Self::next_close). The [module docs](self) give the rules,
/// including what happens when the clocks change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CalendarSpec", into = "CalendarSpec")]
pub struct BusinessCalendar {
    tz: Tz,
    weekly: WeeklyHours,
    holidays: Vec<Holiday>,
    compiled: Compiled,
}

/// The JSON form of a calendar.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarSpec {
    tz: String,
    #[serde(default)]
    weekly: WeeklyHours,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    holidays: Vec<Holiday>,
}

impl TryFrom<CalendarSpec> for BusinessCalendar {
    type Error = CalendarError;

    fn try_from(spec: CalendarSpec) -> Result<Self, Self::Error> {
        BusinessCalendar::new(&spec.tz, spec.weekly, spec.holidays)
    }
}

impl From<BusinessCalendar> for CalendarSpec {
    fn from(calendar: BusinessCalendar) -> Self {
        CalendarSpec {
            tz: calendar.tz.name().to_string(),
            weekly: calendar.weekly,
            holidays: calendar.holidays,
        }
    }
}

fn day_key(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// Days since 1970-01-01.
fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 719_163
}

/// One interval placed on a timeline of local seconds, for overlap checks.
struct Placed {
    start: i64,
    end: i64,
    day: String,
    interval: OpenInterval,
}

impl Placed {
    fn new(offset: i64, day: String, interval: OpenInterval) -> Self {
        Placed {
            start: offset + i64::from(interval.open().seconds()),
            end: offset + i64::from(interval.close_offset()),
            day,
            interval,
        }
    }

    fn label(&self) -> String {
        format!("{} {}", self.day, self.interval)
    }
}

/// Sort and report the first overlap, also across the end of the timeline
/// when `wrap` (the length of a cyclic timeline) is given.
fn check_overlaps(mut placed: Vec<Placed>, wrap: Option<i64>) -> Result<(), CalendarError> {
    placed.sort_by_key(|p| (p.start, p.end));
    for pair in placed.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(CalendarError::Overlap {
                first: pair[0].label(),
                second: pair[1].label(),
            });
        }
    }
    if let (Some(wrap), Some(first), Some(last)) = (wrap, placed.first(), placed.last()) {
        if placed.len() > 1 && last.end - wrap > first.start {
            return Err(CalendarError::Overlap {
                first: last.label(),
                second: first.label(),
            });
        }
    }
    Ok(())
}

fn to_ns(at: DateTime<Utc>) -> i128 {
    i128::from(at.timestamp()) * NANOS + i128::from(at.timestamp_subsec_nanos())
}

fn from_ns(ns: i128) -> Result<DateTime<Utc>, CalendarError> {
    let secs = i64::try_from(ns.div_euclid(NANOS)).map_err(|_| CalendarError::OutOfRange)?;
    // rem_euclid is in 0..1e9, which fits a u32.
    let nanos = ns.rem_euclid(NANOS) as u32;
    DateTime::from_timestamp(secs, nanos).ok_or(CalendarError::OutOfRange)
}

fn duration_ns(duration: Duration) -> i128 {
    i128::from(duration.num_seconds()) * NANOS + i128::from(duration.subsec_nanos())
}

fn duration_from_ns(ns: i128) -> Option<Duration> {
    let secs = i64::try_from(ns.div_euclid(NANOS)).ok()?;
    // rem_euclid is in 0..1e9, which fits a u32.
    Duration::new(secs, ns.rem_euclid(NANOS) as u32)
}

impl BusinessCalendar {
    /// A calendar from a time zone name, weekly hours and holidays.
    ///
    /// Each day's intervals and the holidays are kept sorted.
    ///
    /// # Errors
    /// [`CalendarError::UnknownTimeZone`] for a name `chrono-tz` does not know,
    /// [`CalendarError::Overlap`] when intervals overlap (within a day, across
    /// midnight into the next day, from Sunday into Monday, or around a
    /// holiday with hours), [`CalendarError::DuplicateHoliday`] when a date is
    /// listed twice.
    pub fn new(
        tz: &str,
        mut weekly: WeeklyHours,
        mut holidays: Vec<Holiday>,
    ) -> Result<Self, CalendarError> {
        let zone: Tz = tz.parse().map_err(|_| CalendarError::UnknownTimeZone {
            name: tz.to_string(),
        })?;
        let mut placed = Vec::new();
        for (index, day) in WEEKDAYS.iter().enumerate() {
            weekly.day_mut(*day).sort_unstable();
            for interval in weekly.day(*day) {
                placed.push(Placed::new(
                    index as i64 * DAY,
                    day_key(*day).to_string(),
                    *interval,
                ));
            }
        }
        check_overlaps(placed, Some(WEEK))?;

        holidays.sort_by_key(|h| h.date);
        for pair in holidays.windows(2) {
            if pair[0].date == pair[1].date {
                return Err(CalendarError::DuplicateHoliday { date: pair[0].date });
            }
        }
        for holiday in &mut holidays {
            holiday.hours.sort_unstable();
        }
        // Each holiday against itself and its neighbouring dates.
        for holiday in &holidays {
            let mut placed = Vec::new();
            for shift in -1..=1 {
                let Some(date) = holiday.date.checked_add_signed(Duration::days(shift)) else {
                    continue;
                };
                let hours = match holidays.binary_search_by_key(&date, |h| h.date) {
                    Ok(found) => &holidays[found].hours[..],
                    Err(_) => weekly.day(date.weekday()),
                };
                for interval in hours {
                    placed.push(Placed::new(shift * DAY, date.to_string(), *interval));
                }
            }
            check_overlaps(placed, None)?;
        }

        let specials: Vec<(i64, &[OpenInterval])> = holidays
            .iter()
            .map(|h| (day_number(h.date), &h.hours[..]))
            .collect();
        let compiled = Compiled::new(&weekly, &specials);
        Ok(BusinessCalendar {
            tz: zone,
            weekly,
            holidays,
            compiled,
        })
    }

    /// A builder for a calendar in time zone `tz` (an IANA name such as
    /// `Europe/Amsterdam`), closed until hours are added.
    ///
    /// ```
    /// use caredesk::calendar::BusinessCalendar;
    /// use chrono::{NaiveDate, Weekday::*};
    /// let calendar = BusinessCalendar::builder("Australia/Sydney")
    ///     .open_on(&[Mon, Tue, Wed, Thu], "08:00", "12:00")
    ///     .open_on(&[Mon, Tue, Wed, Thu], "13:00", "17:00")
    ///     .overnight(Fri, "22:00", "06:00")
    ///     .partial_holiday(NaiveDate::from_ymd_opt(2026, 12, 24).ok_or("date")?, &[("08:00", "12:00")])
    ///     .build()?;
    /// assert_eq!(calendar.weekly_hours().mon.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(tz: &str) -> CalendarBuilder {
        CalendarBuilder {
            tz: tz.to_string(),
            weekly: WeeklyHours::default(),
            holidays: Vec::new(),
            error: None,
        }
    }

    /// A calendar open all the time (24/7, in UTC; the zone does not matter).
    #[must_use]
    pub fn always_open() -> Self {
        let day = vec![OpenInterval::WHOLE_DAY];
        let weekly = WeeklyHours {
            mon: day.clone(),
            tue: day.clone(),
            wed: day.clone(),
            thu: day.clone(),
            fri: day.clone(),
            sat: day.clone(),
            sun: day,
        };
        let compiled = Compiled::new(&weekly, &[]);
        BusinessCalendar {
            tz: Tz::UTC,
            weekly,
            holidays: Vec::new(),
            compiled,
        }
    }

    /// The time zone the hours are in.
    #[must_use]
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The weekly hours, each day's intervals sorted.
    #[must_use]
    pub fn weekly_hours(&self) -> &WeeklyHours {
        &self.weekly
    }

    /// The holidays, sorted by date.
    #[must_use]
    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }

    fn is_trivially_open(&self) -> bool {
        self.compiled.weekly_full && !self.compiled.has_specials()
    }

    /// The instant at which `duration` of business time has elapsed, counting
    /// from `start` if the calendar is open then, otherwise from its next
    /// opening. A zero duration gives that counting start.
    ///
    /// ```
    /// use caredesk::calendar::BusinessCalendar;
    /// use chrono::{DateTime, Duration, Utc, Weekday::*};
    /// let calendar = BusinessCalendar::builder("UTC").open(Mon, "08:00", "12:00").build()?;
    /// // Monday 2026-06-01 08:00 plus four hours ends exactly at the close.
    /// let start: DateTime<Utc> = "2026-06-01T08:00:00Z".parse()?;
    /// let end = calendar.add_business_time(start, Duration::hours(4))?;
    /// assert_eq!(end, "2026-06-01T12:00:00Z".parse::<DateTime<Utc>>()?);
    /// // One more minute runs into the next Monday.
    /// let next = calendar.add_business_time(start, Duration::minutes(241))?;
    /// assert_eq!(next, "2026-06-08T08:01:00Z".parse::<DateTime<Utc>>()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`CalendarError::NegativeDuration`] for a negative duration,
    /// [`CalendarError::NoOpenTime`] when the calendar has no (or not enough)
    /// open time after `start`, [`CalendarError::OutOfRange`] when the result
    /// is beyond the dates `chrono` can represent.
    pub fn add_business_time(
        &self,
        start: DateTime<Utc>,
        duration: Duration,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if duration < Duration::zero() {
            return Err(CalendarError::NegativeDuration);
        }
        let clip = to_ns(start);
        let mut remaining = duration_ns(duration);
        // Business time never runs faster than real time.
        from_ns(clip + remaining)?;
        if self.is_trivially_open() {
            return from_ns(clip + remaining);
        }
        let weekly = i128::from(self.compiled.weekly_total) * NANOS;
        let mut walker = Walker::new(&self.compiled, self.tz, start.timestamp())?;
        loop {
            if weekly > 0 && remaining > weekly && walker.at_day_end() {
                // Keep some time for the walk, so it finds the exact instant.
                let max_weeks = i64::try_from((remaining - 1) / weekly).unwrap_or(i64::MAX);
                let weeks = walker.skip_weeks(max_weeks, clip, None)?;
                remaining -= i128::from(weeks) * weekly;
            }
            let Some((open, close)) = walker.next_interval()? else {
                return Err(CalendarError::NoOpenTime);
            };
            let close = i128::from(close) * NANOS;
            if close <= clip {
                continue;
            }
            let open = (i128::from(open) * NANOS).max(clip);
            if close - open >= remaining {
                return from_ns(open + remaining);
            }
            remaining -= close - open;
        }
    }

    /// The business time from `a` to `b`: how long the calendar is open in
    /// `[a, b)`. Negative when `b` is before `a` (minus the time from `b` to
    /// `a`).
    ///
    /// For an `a` at which the calendar is open,
    /// `business_time_between(a, add_business_time(a, d)?) == d`. For a
    /// closed `a` the same holds, since the time before the next opening
    /// counts for nothing.
    ///
    /// Instants within a day of the ends of `chrono`'s range count as closed.
    ///
    /// ```
    /// use caredesk::calendar::BusinessCalendar;
    /// use chrono::{DateTime, Duration, Utc, Weekday::*};
    /// let calendar = BusinessCalendar::builder("UTC")
    ///     .open(Mon, "08:00", "12:00")
    ///     .open(Mon, "13:00", "17:00")
    ///     .build()?;
    /// let a: DateTime<Utc> = "2026-06-01T11:00:00Z".parse()?;
    /// let b: DateTime<Utc> = "2026-06-01T14:00:00Z".parse()?;
    /// assert_eq!(calendar.business_time_between(a, b), Duration::hours(2));
    /// assert_eq!(calendar.business_time_between(b, a), Duration::hours(-2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn business_time_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        match a.cmp(&b) {
            Ordering::Equal => Duration::zero(),
            Ordering::Greater => -self.between_forward(b, a),
            Ordering::Less => self.between_forward(a, b),
        }
    }

    fn between_forward(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        if self.is_trivially_open() {
            return b - a;
        }
        let (from, to) = (to_ns(a), to_ns(b));
        let weekly = i128::from(self.compiled.weekly_total) * NANOS;
        let Ok(mut walker) = Walker::new(&self.compiled, self.tz, a.timestamp()) else {
            return Duration::zero();
        };
        let mut sum: i128 = 0;
        loop {
            if weekly > 0 && to - from > i128::from(WEEK) * NANOS && walker.at_day_end() {
                match walker.skip_weeks(i64::MAX, from, Some(to)) {
                    Ok(weeks) => sum += i128::from(weeks) * weekly,
                    Err(_) => break,
                }
            }
            let Ok(Some((open, close))) = walker.next_interval() else {
                break;
            };
            let close = i128::from(close) * NANOS;
            if close <= from {
                continue;
            }
            let open = (i128::from(open) * NANOS).max(from);
            if open >= to {
                break;
            }
            sum += close.min(to) - open;
            if close >= to {
                break;
            }
        }
        // The sum never exceeds b - a, which is a valid duration.
        duration_from_ns(sum).unwrap_or(b - a)
    }

    /// The first interval that ends after `at` (ns), with a walker positioned
    /// just past it.
    fn first_interval_after(&self, at: DateTime<Utc>) -> Option<(i128, i128, Walker<'_>)> {
        let at_ns = to_ns(at);
        let mut walker = Walker::new(&self.compiled, self.tz, at.timestamp()).ok()?;
        loop {
            let (open, close) = walker.next_interval().ok()??;
            let close = i128::from(close) * NANOS;
            if close > at_ns {
                return Some((i128::from(open) * NANOS, close, walker));
            }
        }
    }

    /// Whether the calendar is open at `at` (intervals include their opening
    /// instant, not their closing one).
    ///
    /// ```
    /// use caredesk::calendar::BusinessCalendar;
    /// use chrono::{DateTime, Utc, Weekday::*};
    /// let calendar = BusinessCalendar::builder("UTC").open(Mon, "08:00", "12:00").build()?;
    /// assert!(calendar.is_open("2026-06-01T08:00:00Z".parse::<DateTime<Utc>>()?));
    /// assert!(!calendar.is_open("2026-06-01T12:00:00Z".parse::<DateTime<Utc>>()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        if self.is_trivially_open() {
            return true;
        }
        match self.first_interval_after(at) {
            Some((open, _, _)) => open <= to_ns(at),
            None => false,
        }
    }

    /// The first instant at or after `at` at which the calendar is open: `at`
    /// itself when open, else the next opening. `None` when it never opens
    /// again.
    ///
    /// ```
    /// use caredesk::calendar::BusinessCalendar;
    /// use chrono::{DateTime, Utc, Weekday::*};
    /// let calendar = BusinessCalendar::builder("UTC").open(Mon, "08:00", "12:00").build()?;
    /// let friday: DateTime<Utc> = "2026-06-05T10:00:00Z".parse()?;
    /// assert_eq!(calendar.next_open(friday), Some("2026-06-08T08:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_trivially_open() {
            return Some(at);
        }
        let (open, _, _) = self.first_interval_after(at)?;
        from_ns(open.max(to_ns(at))).ok()
    }

    /// The first instant at or after `at` at which the calendar is closed:
    /// `at` itself when closed, else the end of the current open stretch
    /// (touching intervals, also across midnight, make one stretch). `None`
    /// when it never closes again.
    ///
    /// ```
    /// use caredesk::calendar::BusinessCalendar;
    /// use chrono::{DateTime, Utc, Weekday::*};
    /// let calendar = BusinessCalendar::builder("UTC")
    ///     .open(Mon, "08:00", "12:00")
    ///     .open(Mon, "12:00", "13:00")
    ///     .build()?;
    /// let monday: DateTime<Utc> = "2026-06-01T09:00:00Z".parse()?;
    /// assert_eq!(calendar.next_close(monday), Some("2026-06-01T13:00:00Z".parse()?));
    /// assert_eq!(BusinessCalendar::always_open().next_close(monday), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn next_close(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_trivially_open() {
            return None;
        }
        let at_ns = to_ns(at);
        let Some((open, close, mut walker)) = self.first_interval_after(at) else {
            return Some(at);
        };
        if open > at_ns {
            return Some(at);
        }
        let mut end = close;
        let open_for_good = self.compiled.weekly_full;
        let last_special = self.compiled.last_special().unwrap_or(i64::MIN);
        loop {
            if open_for_good && walker.day() > last_special.saturating_add(1) {
                return None;
            }
            match walker.next_interval() {
                Ok(Some((open, close))) if i128::from(open) * NANOS == end => {
                    end = i128::from(close) * NANOS;
                }
                Ok(_) => return from_ns(end).ok(),
                Err(_) => return None,
            }
        }
    }
}

/// Builds a [`BusinessCalendar`] step by step; the first mistake is reported
/// by [`build`](CalendarBuilder::build).
///
/// Made by [`BusinessCalendar::builder`]. Times are `"HH:MM"` or
/// `"HH:MM:SS"` text.
#[derive(Debug, Clone)]
#[must_use]
pub struct CalendarBuilder {
    tz: String,
    weekly: WeeklyHours,
    holidays: Vec<Holiday>,
    error: Option<CalendarError>,
}

fn times(open: &str, close: &str) -> Result<(TimeOfDay, TimeOfDay), CalendarError> {
    Ok((open.parse()?, close.parse()?))
}

impl CalendarBuilder {
    fn add(mut self, day: Weekday, interval: Result<OpenInterval, CalendarError>) -> Self {
        match interval {
            Ok(interval) => self.weekly.day_mut(day).push(interval),
            Err(error) => {
                self.error.get_or_insert(error);
            }
        }
        self
    }

    /// Open on `day` from `open` to `close` the same day (`close` may be
    /// `"24:00"`). A `close` before `open` is reported as
    /// [`CalendarError::EndBeforeStart`]; use [`overnight`](Self::overnight)
    /// for intervals that cross midnight.
    pub fn open(self, day: Weekday, open: &str, close: &str) -> Self {
        let interval = times(open, close).and_then(|(o, c)| OpenInterval::new(o, c));
        self.add(day, interval)
    }

    /// Open on each of `days` from `open` to `close` the same day.
    pub fn open_on(mut self, days: &[Weekday], open: &str, close: &str) -> Self {
        for day in days {
            self = self.open(*day, open, close);
        }
        self
    }

    /// Open on `day` from `open` until `close` on the next day (`close` must
    /// be earlier than `open`).
    pub fn overnight(self, day: Weekday, open: &str, close: &str) -> Self {
        let interval = times(open, close).and_then(|(o, c)| OpenInterval::overnight(o, c));
        self.add(day, interval)
    }

    /// Closed all day on the local date `date`.
    pub fn holiday(mut self, date: NaiveDate) -> Self {
        self.holidays.push(Holiday::closed(date));
        self
    }

    /// Open only in `hours` on the local date `date`; a pair whose close is
    /// earlier than its open crosses midnight.
    pub fn partial_holiday(mut self, date: NaiveDate, hours: &[(&str, &str)]) -> Self {
        let parsed: Result<Vec<OpenInterval>, CalendarError> = hours
            .iter()
            .map(|(open, close)| OpenInterval::parse(open, close))
            .collect();
        match parsed {
            Ok(hours) => self.holidays.push(Holiday::partial(date, hours)),
            Err(error) => {
                self.error.get_or_insert(error);
            }
        }
        self
    }

    /// The calendar.
    ///
    /// # Errors
    /// The first mistake made while building (a malformed time, an interval
    /// closing before it opens), then any error of [`BusinessCalendar::new`].
    pub fn build(self) -> Result<BusinessCalendar, CalendarError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        BusinessCalendar::new(&self.tz, self.weekly, self.holidays)
    }
}

#[cfg(test)]
mod tests;
