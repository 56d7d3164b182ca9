//! The calendar module's error type.

use chrono::NaiveDate;

/// A business calendar could not be built, or could not answer a question.
///
/// Building errors (`UnknownTimeZone` to `DuplicateHoliday`) come from
/// [`BusinessCalendar::new`](super::BusinessCalendar::new), the builder and
/// deserialization; the others come from the time arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The time zone name is not in the IANA database known to `chrono-tz`
    /// (names are case-sensitive, e.g. `Europe/Amsterdam`). Fix the name.
    #[error("unknown time zone {name:?}")]
    UnknownTimeZone {
        /// The name as given.
        name: String,
    },
    /// A time of day is not `HH:MM` or `HH:MM:SS` between `00:00` and `24:00`.
    /// Fix the text.
    #[error("invalid time of day {text:?} (expected HH:MM or HH:MM:SS, 00:00 to 24:00)")]
    InvalidTimeOfDay {
        /// The text as given.
        text: String,
    },
    /// An interval opens and closes at the same time of day, so it is never
    /// open. Remove it, or use `00:00`–`24:00` for a whole day.
    #[error("interval {open}-{close} is empty")]
    EmptyInterval {
        /// The opening time.
        open: String,
        /// The closing time.
        close: String,
    },
    /// A same-day interval closes before it opens. Swap the times, or declare
    /// the interval as crossing midnight (`OpenInterval::overnight`, or the
    /// builder's `overnight`).
    #[error("interval {open}-{close} closes before it opens")]
    EndBeforeStart {
        /// The opening time.
        open: String,
        /// The closing time.
        close: String,
    },
    /// An interval declared as crossing midnight closes at or after its
    /// opening time, so it would last a day or more. Declare it as a same-day
    /// interval instead, or split it.
    #[error("interval {open}-{close} was declared as crossing midnight but does not")]
    NotOvernight {
        /// The opening time.
        open: String,
        /// The closing time.
        close: String,
    },
    /// An interval opens at `24:00`, which only closes a day. Open at `00:00`
    /// of the next day instead.
    #[error("an interval cannot open at 24:00")]
    OpensAtEndOfDay,
    /// Two intervals share some time (touching is fine: intervals are
    /// half-open, `[open, close)`). This includes an interval crossing
    /// midnight that runs into the next day's first interval. Merge or
    /// shorten them.
    #[error("intervals overlap: {first} and {second}")]
    Overlap {
        /// The earlier interval, e.g. `mon 08:00-12:00`.
        first: String,
        /// The later interval, e.g. `mon 11:00-13:00`.
        second: String,
    },
    /// The same date is listed twice among the holidays. Keep one entry.
    #[error("holiday {date} is listed more than once")]
    DuplicateHoliday {
        /// The repeated date.
        date: NaiveDate,
    },
    /// The calendar is never open (any more) after the given instant, so the
    /// counting start or the deadline does not exist. Give the calendar some
    /// weekly hours.
    #[error("the calendar has no open time after the start")]
    NoOpenTime,
    /// A negative duration was asked for. Business time only counts forward.
    #[error("the duration must not be negative")]
    NegativeDuration,
    /// The result lies outside the range of dates `chrono` can represent
    /// (about 262,000 years either side of year 0). Ask for a shorter duration.
    #[error("the result is out of the representable range of dates")]
    OutOfRange,
    /// A JSON request line could not be read (bad JSON, a missing field, a
    /// malformed start time). The message says what was wrong; fix the input.
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What was wrong.
        message: String,
    },
}
