//! Shifts: when an agent is rostered to take work.

use crate::calendar::BusinessCalendar;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One rostered stretch, `start` inclusive to `end` exclusive, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ShiftInterval {
    /// First instant on shift.
    pub start: DateTime<Utc>,
    /// First instant off shift again.
    pub end: DateTime<Utc>,
}

/// An agent's shift schedule: always on, a business calendar, or a list of
/// UTC intervals.
///
/// The router keeps whether each agent is on shift and the next instant
/// that changes ([`Router::next_timer`](super::Router::next_timer)); the
/// engine calls [`Router::shift_boundary`](super::Router::shift_boundary)
/// then. An agent must be online *and* on shift to get work.
///
/// ```
/// use caredesk::routing::{Shift, ShiftInterval};
/// use chrono::{DateTime, Utc};
/// let at = |s: &str| s.parse::<DateTime<Utc>>();
/// let shift = Shift::Intervals(vec![ShiftInterval { start: at("2026-06-01T08:00:00Z")?, end: at("2026-06-01T16:00:00Z")? }]);
/// assert!(shift.is_on(at("2026-06-01T09:00:00Z")?));
/// assert_eq!(shift.next_change(at("2026-06-01T09:00:00Z")?), Some(at("2026-06-01T16:00:00Z")?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "schedule")]
pub enum Shift {
    /// Always on shift (presence alone decides).
    #[default]
    Always,
    /// On shift while the calendar is open (boxed: a compiled calendar is
    /// large).
    Calendar(Box<BusinessCalendar>),
    /// On shift inside any of these intervals (any order, may overlap).
    Intervals(Vec<ShiftInterval>),
}

impl Shift {
    /// Whether the agent is on shift at `at`. Costs O(k) for k intervals.
    pub fn is_on(&self, at: DateTime<Utc>) -> bool {
        match self {
            Shift::Always => true,
            Shift::Calendar(calendar) => calendar.is_open(at),
            Shift::Intervals(intervals) => intervals.iter().any(|i| i.start <= at && at < i.end),
        }
    }

    /// The first instant after `at` at which [`is_on`](Self::is_on) changes;
    /// `None` when it never changes again. Costs O(k²) for k intervals in
    /// the worst case (touching intervals are merged).
    pub fn next_change(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Shift::Always => None,
            Shift::Calendar(calendar) => {
                if calendar.is_open(at) {
                    calendar.next_close(at)
                } else {
                    calendar.next_open(at)
                }
            }
            Shift::Intervals(intervals) => {
                if self.is_on(at) {
                    // Walk forward through overlapping or touching intervals.
                    let mut end = at;
                    loop {
                        let extended = intervals
                            .iter()
                            .filter(|i| i.start <= end && end < i.end)
                            .map(|i| i.end)
                            .max();
                        match extended {
                            Some(next) if next > end => end = next,
                            _ => break,
                        }
                    }
                    Some(end)
                } else {
                    intervals
                        .iter()
                        .filter(|i| i.start > at && i.start < i.end)
                        .map(|i| i.start)
                        .min()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn interval(start: &str, end: &str) -> ShiftInterval {
        ShiftInterval {
            start: at(start),
            end: at(end),
        }
    }

    #[test]
    fn touching_and_overlapping_intervals_make_one_stretch() {
        let shift = Shift::Intervals(vec![
            interval("2026-06-01T12:00:00Z", "2026-06-01T14:00:00Z"),
            interval("2026-06-01T08:00:00Z", "2026-06-01T12:00:00Z"),
            interval("2026-06-01T13:00:00Z", "2026-06-01T15:00:00Z"),
        ]);
        assert_eq!(
            shift.next_change(at("2026-06-01T09:00:00Z")),
            Some(at("2026-06-01T15:00:00Z"))
        );
        assert!(!shift.is_on(at("2026-06-01T15:00:00Z")), "end is exclusive");
        assert_eq!(shift.next_change(at("2026-06-01T15:00:00Z")), None);
    }

    #[test]
    fn off_shift_next_change_is_the_next_start() {
        let shift = Shift::Intervals(vec![
            interval("2026-06-02T08:00:00Z", "2026-06-02T16:00:00Z"),
            interval("2026-06-01T08:00:00Z", "2026-06-01T16:00:00Z"),
        ]);
        assert!(!shift.is_on(at("2026-06-01T20:00:00Z")));
        assert_eq!(
            shift.next_change(at("2026-06-01T20:00:00Z")),
            Some(at("2026-06-02T08:00:00Z"))
        );
    }

    #[test]
    fn calendar_shift_follows_opening_hours() {
        let calendar = BusinessCalendar::builder("UTC")
            .open(chrono::Weekday::Mon, "08:00", "16:00")
            .build()
            .unwrap();
        let shift = Shift::Calendar(Box::new(calendar));
        let monday_night = at("2026-06-01T20:00:00Z");
        assert!(!shift.is_on(monday_night));
        assert_eq!(
            shift.next_change(monday_night),
            Some(at("2026-06-08T08:00:00Z"))
        );
        assert_eq!(
            shift.next_change(at("2026-06-08T09:00:00Z")),
            Some(at("2026-06-08T16:00:00Z"))
        );
    }
}
