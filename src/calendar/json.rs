//! SLA deadlines as JSON lines: the format of `examples/sla_deadline.rs`.
//!
//! One request per line:
//!
//! ```text
//! {"tz":"Europe/Amsterdam","weekly":{"mon":[["08:00","12:00"],["13:00","17:00"]]},
//!  "holidays":["2026-12-25"],"start":"2026-03-27T16:30:00Z","minutes":600}
//! ```
//!
//! `tz`, `weekly` and `holidays` (optional) are the JSON form of a
//! [`BusinessCalendar`]; `start` is an RFC 3339 time with any offset;
//! `minutes` is a non-negative JSON number (fractions allowed). The answer is
//! `{"deadline":"<RFC 3339 UTC, ending in Z>"}`, or `{"error":"..."}`.
//!
//! ```
//! use caredesk::calendar::json::answer_line;
//! let line = r#"{"tz":"Europe/Amsterdam","weekly":{"mon":[["08:00","12:00"],["13:00","17:00"]]},"start":"2026-06-01T06:00:00Z","minutes":480}"#;
//! assert_eq!(answer_line(line), r#"{"deadline":"2026-06-01T15:00:00Z"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Deserialize;

use super::{BusinessCalendar, CalendarError, Holiday, WeeklyHours};

/// One deadline question: a calendar, a start and a number of business
/// minutes.
///
/// Read it from a JSON line with [`DeadlineRequest::from_json`] and answer it
/// with [`DeadlineRequest::deadline`].
#[derive(Debug, Clone, PartialEq)]
pub struct DeadlineRequest {
    /// The calendar to count in.
    pub calendar: BusinessCalendar,
    /// When counting may start.
    pub start: DateTime<Utc>,
    /// How much business time to count.
    pub duration: Duration,
}

#[derive(Deserialize)]
struct RawRequest {
    tz: String,
    #[serde(default)]
    weekly: WeeklyHours,
    #[serde(default)]
    holidays: Option<Vec<Holiday>>,
    start: String,
    minutes: serde_json::Number,
}

fn invalid(message: impl Into<String>) -> CalendarError {
    CalendarError::InvalidRequest {
        message: message.into(),
    }
}

/// Business minutes as a duration, exact for whole minutes and rounded to the
/// nanosecond for fractions.
fn minutes_to_duration(minutes: &serde_json::Number) -> Result<Duration, CalendarError> {
    if let Some(whole) = minutes.as_u64() {
        let whole = i64::try_from(whole).map_err(|_| CalendarError::OutOfRange)?;
        return Duration::try_minutes(whole).ok_or(CalendarError::OutOfRange);
    }
    if minutes.as_i64().is_some() {
        return Err(CalendarError::NegativeDuration);
    }
    let value = minutes
        .as_f64()
        .ok_or_else(|| invalid(format!("minutes {minutes} is not a number")))?;
    if value < 0.0 {
        return Err(CalendarError::NegativeDuration);
    }
    let seconds = value * 60.0;
    // Far beyond any date chrono can represent.
    if !seconds.is_finite() || seconds >= 1e17 {
        return Err(CalendarError::OutOfRange);
    }
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round();
    // `whole` is below 1e17 and `nanos` in 0..=1e9, so both casts are exact.
    Duration::new(whole as i64, 0)
        .and_then(|d| d.checked_add(&Duration::nanoseconds(nanos as i64)))
        .ok_or(CalendarError::OutOfRange)
}

impl DeadlineRequest {
    /// Read a request from one JSON line.
    ///
    /// # Errors
    /// [`CalendarError::InvalidRequest`] for malformed JSON, a missing field,
    /// a malformed interval or holiday, or a bad `start`;
    /// [`CalendarError::NegativeDuration`] for negative minutes; any error of
    /// [`BusinessCalendar::new`] for a bad calendar.
    pub fn from_json(line: &str) -> Result<Self, CalendarError> {
        let raw: RawRequest = serde_json::from_str(line).map_err(|e| invalid(e.to_string()))?;
        let calendar =
            BusinessCalendar::new(&raw.tz, raw.weekly, raw.holidays.unwrap_or_default())?;
        let start = DateTime::parse_from_rfc3339(&raw.start)
            .map_err(|e| {
                invalid(format!(
                    "start {:?} is not an RFC 3339 time: {e}",
                    raw.start
                ))
            })?
            .with_timezone(&Utc);
        let duration = minutes_to_duration(&raw.minutes)?;
        Ok(DeadlineRequest {
            calendar,
            start,
            duration,
        })
    }

    /// The deadline: `duration` of business time after `start`.
    ///
    /// # Errors
    /// As [`BusinessCalendar::add_business_time`].
    pub fn deadline(&self) -> Result<DateTime<Utc>, CalendarError> {
        self.calendar.add_business_time(self.start, self.duration)
    }
}

/// Answer one request line: `{"deadline":"…Z"}` or `{"error":"…"}`.
#[must_use]
pub fn answer_line(line: &str) -> String {
    let answer = DeadlineRequest::from_json(line).and_then(|request| request.deadline());
    match answer {
        Ok(deadline) => serde_json::json!({
            "deadline": deadline.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        }),
        Err(error) => serde_json::json!({ "error": error.to_string() }),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEKLY: &str = r#"{"mon":[["08:00","12:00"],["13:00","17:00"]],"tue":[["08:00","12:00"],["13:00","17:00"]]}"#;

    fn line(start: &str, minutes: &str) -> String {
        format!(
            r#"{{"tz":"Europe/Amsterdam","weekly":{WEEKLY},"start":"{start}","minutes":{minutes}}}"#
        )
    }

    #[test]
    fn sample_from_the_issue_gives_monday_five_pm_local() {
        assert_eq!(
            answer_line(&line("2026-06-01T06:00:00Z", "480")),
            r#"{"deadline":"2026-06-01T15:00:00Z"}"#
        );
    }

    #[test]
    fn start_may_carry_any_offset() {
        assert_eq!(
            answer_line(&line("2026-06-01T08:00:00+02:00", "480")),
            r#"{"deadline":"2026-06-01T15:00:00Z"}"#
        );
    }

    #[test]
    fn fractional_minutes_count_in_seconds() {
        assert_eq!(
            answer_line(&line("2026-06-01T06:00:00Z", "1.5")),
            r#"{"deadline":"2026-06-01T06:01:30Z"}"#
        );
    }

    #[test]
    fn zero_minutes_give_the_counting_start() {
        // Saturday: counting starts at Monday 08:00 local.
        assert_eq!(
            answer_line(&line("2026-06-06T12:00:00Z", "0")),
            r#"{"deadline":"2026-06-08T06:00:00Z"}"#
        );
    }

    #[test]
    fn negative_minutes_are_an_error() {
        assert_eq!(
            answer_line(&line("2026-06-01T06:00:00Z", "-5")),
            r#"{"error":"the duration must not be negative"}"#
        );
        assert_eq!(
            answer_line(&line("2026-06-01T06:00:00Z", "-0.5")),
            r#"{"error":"the duration must not be negative"}"#
        );
    }

    #[test]
    fn bad_lines_are_errors_not_panics() {
        for bad in [
            "",
            "not json",
            r#"{"tz":"Mars/Olympus","weekly":{},"start":"2026-06-01T06:00:00Z","minutes":1}"#,
            r#"{"tz":"UTC","weekly":{"mon":[["08:00","12:00"],["11:00","13:00"]]},"start":"2026-06-01T06:00:00Z","minutes":1}"#,
            r#"{"tz":"UTC","weekly":{"mon":[["08:00","12:00"]]},"start":"yesterday","minutes":1}"#,
            r#"{"tz":"UTC","weekly":{"mon":[["08:00","12:00"]]},"start":"2026-06-01T06:00:00Z"}"#,
            r#"{"tz":"UTC","weekly":{"mon":[["08:00","12:00"]]},"start":"2026-06-01T06:00:00Z","minutes":"5"}"#,
            r#"{"tz":"UTC","weekly":{},"start":"2026-06-01T06:00:00Z","minutes":0}"#,
            r#"{"tz":"UTC","weekly":{"mon":[["08:00","12:00"]]},"start":"2026-06-01T06:00:00Z","minutes":1e300}"#,
        ] {
            let answer: serde_json::Value = serde_json::from_str(&answer_line(bad)).unwrap();
            assert!(answer["error"].is_string(), "{bad} gave {answer}");
        }
    }

    #[test]
    fn holidays_are_optional_and_close_whole_local_days() {
        let with = format!(
            r#"{{"tz":"Europe/Amsterdam","weekly":{WEEKLY},"holidays":["2026-06-01"],"start":"2026-06-01T06:00:00Z","minutes":60}}"#
        );
        assert_eq!(answer_line(&with), r#"{"deadline":"2026-06-02T07:00:00Z"}"#);
    }
}
