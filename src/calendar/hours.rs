//! The plain data of a calendar: times of day, open intervals, weekly hours
//! and holidays, with their readable serde forms.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::CalendarError;

pub(crate) const DAY: i64 = 86_400;

/// A wall-clock time of day, from `00:00` to `24:00`, to the second.
///
/// Written `"HH:MM"` or `"HH:MM:SS"` in JSON and by [`Display`](fmt::Display).
/// `24:00` is the end of the day (the next local midnight) and may only close
/// an interval.
///
/// ```
/// use caredesk::calendar::TimeOfDay;
/// let t: TimeOfDay = "08:30".parse()?;
/// assert_eq!(t.seconds(), 8 * 3600 + 30 * 60);
/// assert_eq!(t.to_string(), "08:30");
/// assert_eq!(TimeOfDay::END_OF_DAY.to_string(), "24:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(u32);

impl TimeOfDay {
    /// `00:00`, the start of the day.
    pub const MIDNIGHT: TimeOfDay = TimeOfDay(0);
    /// `24:00`, the end of the day (the next local midnight).
    pub const END_OF_DAY: TimeOfDay = TimeOfDay(DAY as u32);

    /// The time `hour:minute:second`; `24:00:00` is allowed.
    ///
    /// # Errors
    /// [`CalendarError::InvalidTimeOfDay`] when a field is out of range or the
    /// time is past `24:00`.
    pub fn hms(hour: u32, minute: u32, second: u32) -> Result<Self, CalendarError> {
        if hour > 24 || minute > 59 || second > 59 || (hour == 24 && (minute, second) != (0, 0)) {
            return Err(CalendarError::InvalidTimeOfDay {
                text: format!("{hour:02}:{minute:02}:{second:02}"),
            });
        }
        Ok(TimeOfDay(hour * 3600 + minute * 60 + second))
    }

    /// Seconds after the start of the day (`24:00` is 86,400).
    #[must_use]
    pub fn seconds(self) -> u32 {
        self.0
    }
}

impl FromStr for TimeOfDay {
    type Err = CalendarError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || CalendarError::InvalidTimeOfDay {
            text: text.to_string(),
        };
        let two_digits = |part: &str| -> Result<u32, CalendarError> {
            if part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let mut parts = text.split(':');
        let hour = two_digits(parts.next().ok_or_else(bad)?)?;
        let minute = two_digits(parts.next().ok_or_else(bad)?)?;
        let second = match parts.next() {
            Some(part) => two_digits(part)?,
            None => 0,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        TimeOfDay::hms(hour, minute, second).map_err(|_| bad())
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if s == 0 {
            write!(f, "{h:02}:{m:02}")
        } else {
            write!(f, "{h:02}:{m:02}:{s:02}")
        }
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One stretch of open time in a day, `[open, close)` in local wall-clock time.
///
/// An interval whose closing time is earlier than its opening time crosses
/// midnight (`22:00`–`06:00` closes at 06:00 the next local day) and belongs
/// to the day it opens on. In JSON it is a pair: `["08:00", "12:00"]`;
/// a pair whose close is earlier than its open crosses midnight.
///
/// ```
/// use caredesk::calendar::OpenInterval;
/// let morning = OpenInterval::new("08:00".parse()?, "12:00".parse()?)?;
/// assert!(!morning.crosses_midnight());
/// let night = OpenInterval::overnight("22:00".parse()?, "06:00".parse()?)?;
/// assert_eq!(night.length_seconds(), 8 * 3600);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpenInterval {
    open: TimeOfDay,
    close: TimeOfDay,
}

impl OpenInterval {
    /// `00:00`–`24:00`, the whole day.
    pub(crate) const WHOLE_DAY: OpenInterval = OpenInterval {
        open: TimeOfDay::MIDNIGHT,
        close: TimeOfDay::END_OF_DAY,
    };

    /// A same-day interval; `close` may be `24:00`.
    ///
    /// # Errors
    /// [`CalendarError::EndBeforeStart`] when `close` is before `open`,
    /// [`CalendarError::EmptyInterval`] when they are equal,
    /// [`CalendarError::OpensAtEndOfDay`] when `open` is `24:00`.
    pub fn new(open: TimeOfDay, close: TimeOfDay) -> Result<Self, CalendarError> {
        Self::check_open(open)?;
        match close.cmp(&open) {
            std::cmp::Ordering::Greater => Ok(OpenInterval { open, close }),
            std::cmp::Ordering::Equal => Err(CalendarError::EmptyInterval {
                open: open.to_string(),
                close: close.to_string(),
            }),
            std::cmp::Ordering::Less => Err(CalendarError::EndBeforeStart {
                open: open.to_string(),
                close: close.to_string(),
            }),
        }
    }

    /// An interval that crosses midnight: open at `open`, close at `close` on
    /// the next local day.
    ///
    /// # Errors
    /// [`CalendarError::NotOvernight`] when `close` is not earlier than `open`,
    /// [`CalendarError::OpensAtEndOfDay`] when `open` is `24:00`.
    pub fn overnight(open: TimeOfDay, close: TimeOfDay) -> Result<Self, CalendarError> {
        Self::check_open(open)?;
        if close < open {
            Ok(OpenInterval { open, close })
        } else {
            Err(CalendarError::NotOvernight {
                open: open.to_string(),
                close: close.to_string(),
            })
        }
    }

    /// The interval as written in JSON: a close earlier than the open crosses
    /// midnight.
    ///
    /// # Errors
    /// [`CalendarError::InvalidTimeOfDay`] for a malformed time,
    /// [`CalendarError::EmptyInterval`] when both times are equal,
    /// [`CalendarError::OpensAtEndOfDay`] when `open` is `24:00`.
    pub fn parse(open: &str, close: &str) -> Result<Self, CalendarError> {
        let (open, close) = (open.parse()?, close.parse()?);
        if close < open {
            Self::overnight(open, close)
        } else {
            Self::new(open, close)
        }
    }

    fn check_open(open: TimeOfDay) -> Result<(), CalendarError> {
        if open == TimeOfDay::END_OF_DAY {
            Err(CalendarError::OpensAtEndOfDay)
        } else {
            Ok(())
        }
    }

    /// The opening time.
    #[must_use]
    pub fn open(&self) -> TimeOfDay {
        self.open
    }

    /// The closing time (on the next day when the interval crosses midnight).
    #[must_use]
    pub fn close(&self) -> TimeOfDay {
        self.close
    }

    /// Whether the interval closes on the next local day.
    #[must_use]
    pub fn crosses_midnight(&self) -> bool {
        self.close < self.open
    }

    /// The length in wall-clock seconds (the real length differs on days the
    /// clocks change).
    #[must_use]
    pub fn length_seconds(&self) -> u32 {
        self.close_offset() - self.open.0
    }

    /// The closing time in seconds after the start of the opening day (up to
    /// two days).
    pub(crate) fn close_offset(&self) -> u32 {
        if self.crosses_midnight() {
            self.close.0 + DAY as u32
        } else {
            self.close.0
        }
    }
}

impl fmt::Display for OpenInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.open, self.close)
    }
}

impl Serialize for OpenInterval {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.open, self.close).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for OpenInterval {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (open, close) = <(String, String)>::deserialize(deserializer)?;
        OpenInterval::parse(&open, &close).map_err(serde::de::Error::custom)
    }
}

/// The regular opening hours of each day of the week, any number of
/// intervals per day.
///
/// A day with no intervals is closed. In JSON, days are keyed `mon` to `sun`
/// and a missing day is closed:
/// `{"mon": [["08:00","12:00"], ["13:00","17:00"]], "sat": [["22:00","06:00"]]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    /// Monday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<OpenInterval>,
    /// Tuesday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<OpenInterval>,
    /// Wednesday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<OpenInterval>,
    /// Thursday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<OpenInterval>,
    /// Friday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<OpenInterval>,
    /// Saturday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<OpenInterval>,
    /// Sunday.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<OpenInterval>,
}

impl WeeklyHours {
    /// The intervals of one day of the week.
    #[must_use]
    pub fn day(&self, day: Weekday) -> &[OpenInterval] {
        match day {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }

    /// The intervals of one day of the week, to change them.
    pub fn day_mut(&mut self, day: Weekday) -> &mut Vec<OpenInterval> {
        match day {
            Weekday::Mon => &mut self.mon,
            Weekday::Tue => &mut self.tue,
            Weekday::Wed => &mut self.wed,
            Weekday::Thu => &mut self.thu,
            Weekday::Fri => &mut self.fri,
            Weekday::Sat => &mut self.sat,
            Weekday::Sun => &mut self.sun,
        }
    }
}

/// A date with its own hours instead of the weekly ones: closed all day, or
/// open only in its own intervals (a partial day such as Christmas Eve).
///
/// The date is a local date in the calendar's time zone. An interval of the
/// previous day that crosses midnight is not cut by a holiday. In JSON a whole
/// closed day is just the date, `"2026-12-25"`; a partial day is
/// `{"date": "2026-12-24", "hours": [["08:00","12:00"]]}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Holiday {
    /// The local date.
    pub date: NaiveDate,
    /// The hours open on that date; empty means closed all day.
    pub hours: Vec<OpenInterval>,
}

impl Holiday {
    /// A date closed all day.
    #[must_use]
    pub fn closed(date: NaiveDate) -> Self {
        Holiday {
            date,
            hours: Vec::new(),
        }
    }

    /// A date open only in `hours`.
    #[must_use]
    pub fn partial(date: NaiveDate, hours: Vec<OpenInterval>) -> Self {
        Holiday { date, hours }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialDay {
    date: NaiveDate,
    #[serde(default)]
    hours: Vec<OpenInterval>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum HolidayForm {
    Closed(NaiveDate),
    Partial(PartialDay),
}

impl Serialize for Holiday {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.hours.is_empty() {
            self.date.serialize(serializer)
        } else {
            PartialDay {
                date: self.date,
                hours: self.hours.clone(),
            }
            .serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Holiday {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match HolidayForm::deserialize(deserializer) {
            Ok(HolidayForm::Closed(date)) => Ok(Holiday::closed(date)),
            Ok(HolidayForm::Partial(day)) => Ok(Holiday::partial(day.date, day.hours)),
            Err(_) => Err(serde::de::Error::custom(
                "a holiday is a date \"YYYY-MM-DD\" or {\"date\": \"YYYY-MM-DD\", \"hours\": [[\"HH:MM\", \"HH:MM\"], ...]}",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_of_day_reads_hours_minutes_and_optional_seconds() {
        assert_eq!("08:30".parse::<TimeOfDay>().unwrap().seconds(), 30_600);
        assert_eq!("08:30:15".parse::<TimeOfDay>().unwrap().seconds(), 30_615);
        assert_eq!("24:00".parse::<TimeOfDay>().unwrap(), TimeOfDay::END_OF_DAY);
        assert_eq!(
            "08:30:15".parse::<TimeOfDay>().unwrap().to_string(),
            "08:30:15"
        );
    }

    #[test]
    fn time_of_day_rejects_malformed_text() {
        for text in [
            "8:30",
            "24:01",
            "25:00",
            "12:60",
            "12:00:60",
            "12",
            "",
            "ab:cd",
            "12:00:00:00",
            "+1:00",
        ] {
            assert_eq!(
                text.parse::<TimeOfDay>(),
                Err(CalendarError::InvalidTimeOfDay { text: text.into() }),
                "{text}"
            );
        }
    }

    #[test]
    fn interval_with_close_before_open_crosses_midnight() {
        let night = OpenInterval::parse("22:00", "06:00").unwrap();
        assert!(night.crosses_midnight());
        assert_eq!(night.length_seconds(), 8 * 3600);
        assert_eq!(night.close_offset(), 30 * 3600);
    }

    #[test]
    fn interval_may_close_at_24_but_not_open_there() {
        assert_eq!(
            OpenInterval::parse("20:00", "24:00")
                .unwrap()
                .length_seconds(),
            4 * 3600
        );
        assert_eq!(
            OpenInterval::parse("24:00", "06:00"),
            Err(CalendarError::OpensAtEndOfDay)
        );
    }

    #[test]
    fn same_day_interval_closing_before_opening_is_an_error() {
        let (open, close) = ("17:00".parse().unwrap(), "09:00".parse().unwrap());
        assert_eq!(
            OpenInterval::new(open, close),
            Err(CalendarError::EndBeforeStart {
                open: "17:00".into(),
                close: "09:00".into()
            })
        );
        assert!(OpenInterval::overnight(open, close).is_ok());
        assert_eq!(
            OpenInterval::overnight(close, open),
            Err(CalendarError::NotOvernight {
                open: "09:00".into(),
                close: "17:00".into()
            })
        );
    }

    #[test]
    fn empty_interval_is_an_error() {
        assert_eq!(
            OpenInterval::parse("09:00", "09:00"),
            Err(CalendarError::EmptyInterval {
                open: "09:00".into(),
                close: "09:00".into()
            })
        );
    }

    #[test]
    fn weekly_hours_json_uses_day_keys_and_pairs() {
        let weekly: WeeklyHours = serde_json::from_str(
            r#"{"mon":[["08:00","12:00"],["13:00","17:00"]],"sat":[["22:00","06:00"]]}"#,
        )
        .unwrap();
        assert_eq!(weekly.mon.len(), 2);
        assert!(weekly.sat[0].crosses_midnight());
        assert!(weekly.tue.is_empty());
        assert_eq!(
            serde_json::to_string(&weekly).unwrap(),
            r#"{"mon":[["08:00","12:00"],["13:00","17:00"]],"sat":[["22:00","06:00"]]}"#
        );
        assert!(serde_json::from_str::<WeeklyHours>(r#"{"monday":[]}"#).is_err());
    }

    #[test]
    fn holiday_json_is_a_date_or_a_date_with_hours() {
        let days: Vec<Holiday> = serde_json::from_str(
            r#"["2026-12-25",{"date":"2026-12-24","hours":[["08:00","12:00"]]}]"#,
        )
        .unwrap();
        assert_eq!(
            days[0],
            Holiday::closed(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap())
        );
        assert_eq!(
            days[1].hours,
            vec![OpenInterval::parse("08:00", "12:00").unwrap()]
        );
        assert_eq!(
            serde_json::to_string(&days).unwrap(),
            r#"["2026-12-25",{"date":"2026-12-24","hours":[["08:00","12:00"]]}]"#
        );
        assert!(serde_json::from_str::<Holiday>(r#""2026-13-01""#).is_err());
    }
}
