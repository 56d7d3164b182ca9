//! The running clock of one conversation and target.
//!
//! A clock counts business time in its policy's calendar. It runs, pauses
//! (keeping the business time elapsed so far exactly), resumes, and ends met;
//! it warns and breaches at exact instants, computed ahead as `warning_at`
//! and `deadline`, so the engine can wake at them. A breached clock stays
//! breached even when it is met later; both facts are kept.
//!
//! Every method is pure: it returns the new clock, and the engine records
//! what it computed in an event so replay never consults the calendar.

use super::policy::{SlaTarget, WarningThreshold};
use crate::calendar::{BusinessCalendar, CalendarError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    /// Counting.
    Running,
    /// Not counting (the conversation waits on the customer, or is snoozed).
    Paused,
    /// The promise was kept, or kept late (see [`SlaClock::breached_at`]).
    Met,
    /// Stopped without being met (the conversation was resolved or closed
    /// before, e.g., a next response was due).
    Stopped,
}

/// The clock of one target on one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlaClock {
    /// The promise it keeps.
    pub target: SlaTarget,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// The business seconds allowed.
    pub budget_secs: u64,
    /// Business seconds counted before the current run.
    pub elapsed_secs: u64,
    /// Since when it runs (`None` unless running).
    pub running_since: Option<DateTime<Utc>>,
    /// Where it stands.
    pub status: ClockStatus,
    /// When the budget runs out, while running and not yet breached.
    pub deadline: Option<DateTime<Utc>>,
    /// When to warn, while running and not yet warned or breached.
    pub warning_at: Option<DateTime<Utc>>,
    /// When it warned.
    pub warned_at: Option<DateTime<Utc>>,
    /// When it breached (it stays breached even if met later).
    pub breached_at: Option<DateTime<Utc>>,
    /// When it was met or stopped.
    pub ended_at: Option<DateTime<Utc>>,
}

/// How long a met clock took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MetDurations {
    /// Business seconds counted (pauses excluded).
    pub business_secs: u64,
    /// Calendar seconds from start to met.
    pub calendar_secs: u64,
    /// Whether it breached first.
    pub late: bool,
}

fn secs(duration: Duration) -> u64 {
    u64::try_from(duration.num_seconds()).unwrap_or(0)
}

fn duration(secs: u64) -> Duration {
    Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1_000))
}

impl SlaClock {
    /// Starts a clock at `now` with a budget of business seconds.
    ///
    /// ```
    /// use caredesk::calendar::BusinessCalendar;
    /// use caredesk::sla::{SlaClock, SlaTarget, WarningThreshold};
    /// let now = "2026-11-23T10:00:00Z".parse()?;
    /// let clock = SlaClock::start(SlaTarget::FirstResponse, now, 3600,
    ///     WarningThreshold::Fraction { permille: 750 }, &BusinessCalendar::always_open())?;
    /// assert_eq!(clock.deadline, Some("2026-11-23T11:00:00Z".parse()?));
    /// assert_eq!(clock.warning_at, Some("2026-11-23T10:45:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`CalendarError`] when the calendar cannot place the deadline (no
    /// open time left, or beyond representable dates).
    pub fn start(
        target: SlaTarget,
        now: DateTime<Utc>,
        budget_secs: u64,
        warning: WarningThreshold,
        calendar: &BusinessCalendar,
    ) -> Result<SlaClock, CalendarError> {
        let mut clock = SlaClock {
            target,
            started_at: now,
            budget_secs,
            elapsed_secs: 0,
            running_since: Some(now),
            status: ClockStatus::Running,
            deadline: None,
            warning_at: None,
            warned_at: None,
            breached_at: None,
            ended_at: None,
        };
        clock.schedule(now, warning, calendar)?;
        Ok(clock)
    }

    /// Computes `deadline` and `warning_at` for a clock running since `from`.
    fn schedule(
        &mut self,
        from: DateTime<Utc>,
        warning: WarningThreshold,
        calendar: &BusinessCalendar,
    ) -> Result<(), CalendarError> {
        self.deadline = None;
        self.warning_at = None;
        if self.breached_at.is_some() {
            return Ok(());
        }
        let remaining = self.budget_secs.saturating_sub(self.elapsed_secs);
        self.deadline = Some(calendar.add_business_time(from, duration(remaining))?);
        if self.warned_at.is_none() {
            if let Some(warn_after) = warning.warn_after(self.budget_secs) {
                if warn_after > self.elapsed_secs {
                    let until = warn_after - self.elapsed_secs;
                    self.warning_at = Some(calendar.add_business_time(from, duration(until))?);
                }
            }
        }
        Ok(())
    }

    /// Business seconds counted up to `now`.
    pub fn elapsed_at(&self, now: DateTime<Utc>, calendar: &BusinessCalendar) -> u64 {
        let running = self
            .running_since
            .map_or(0, |since| secs(calendar.business_time_between(since, now)));
        self.elapsed_secs + running
    }

    /// Whether it counts now.
    pub fn is_running(&self) -> bool {
        self.status == ClockStatus::Running
    }

    /// Whether it is still open (running or paused).
    pub fn is_open(&self) -> bool {
        matches!(self.status, ClockStatus::Running | ClockStatus::Paused)
    }

    /// The clock paused at `now`, keeping the business time counted so far.
    #[must_use]
    pub fn paused(&self, now: DateTime<Utc>, calendar: &BusinessCalendar) -> SlaClock {
        if !self.is_running() {
            return self.clone();
        }
        SlaClock {
            elapsed_secs: self.elapsed_at(now, calendar),
            running_since: None,
            status: ClockStatus::Paused,
            deadline: None,
            warning_at: None,
            ..self.clone()
        }
    }

    /// The clock running again from `now`, its deadline moved by the pause.
    ///
    /// # Errors
    /// As [`SlaClock::start`].
    pub fn resumed(
        &self,
        now: DateTime<Utc>,
        warning: WarningThreshold,
        calendar: &BusinessCalendar,
    ) -> Result<SlaClock, CalendarError> {
        if self.status != ClockStatus::Paused {
            return Ok(self.clone());
        }
        let mut clock = SlaClock {
            running_since: Some(now),
            status: ClockStatus::Running,
            ..self.clone()
        };
        clock.schedule(now, warning, calendar)?;
        Ok(clock)
    }

    /// The clock with a new budget (a priority or policy change), counted
    /// from its original start: the business time already elapsed stays.
    ///
    /// # Errors
    /// As [`SlaClock::start`].
    pub fn rebudgeted(
        &self,
        now: DateTime<Utc>,
        budget_secs: u64,
        warning: WarningThreshold,
        calendar: &BusinessCalendar,
    ) -> Result<SlaClock, CalendarError> {
        let mut clock = SlaClock {
            budget_secs,
            ..self.clone()
        };
        if clock.is_running() {
            clock.elapsed_secs = self.elapsed_at(now, calendar);
            clock.running_since = Some(now);
            clock.schedule(now, warning, calendar)?;
        }
        Ok(clock)
    }

    /// The clock after its warning fired at `at`.
    #[must_use]
    pub fn warned(&self, at: DateTime<Utc>) -> SlaClock {
        SlaClock {
            warned_at: Some(at),
            warning_at: None,
            ..self.clone()
        }
    }

    /// The clock after it breached at `at` (it keeps running toward met).
    #[must_use]
    pub fn breached(&self, at: DateTime<Utc>) -> SlaClock {
        SlaClock {
            breached_at: Some(at),
            deadline: None,
            warning_at: None,
            ..self.clone()
        }
    }

    /// The clock met at `now`, and how long it took.
    #[must_use]
    pub fn met(&self, now: DateTime<Utc>, calendar: &BusinessCalendar) -> (SlaClock, MetDurations) {
        let durations = MetDurations {
            business_secs: self.elapsed_at(now, calendar),
            calendar_secs: secs(now - self.started_at),
            late: self.breached_at.is_some(),
        };
        let clock = SlaClock {
            elapsed_secs: durations.business_secs,
            running_since: None,
            status: ClockStatus::Met,
            deadline: None,
            warning_at: None,
            ended_at: Some(now),
            ..self.clone()
        };
        (clock, durations)
    }

    /// The clock stopped at `now` without being met.
    #[must_use]
    pub fn stopped(&self, now: DateTime<Utc>, calendar: &BusinessCalendar) -> SlaClock {
        SlaClock {
            elapsed_secs: self.elapsed_at(now, calendar),
            running_since: None,
            status: ClockStatus::Stopped,
            deadline: None,
            warning_at: None,
            ended_at: Some(now),
            ..self.clone()
        }
    }

    /// The next instant the clock needs attention (warning or deadline).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        match (self.warning_at, self.deadline) {
            (Some(w), Some(d)) => Some(w.min(d)),
            (w, d) => w.or(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    const WARN: WarningThreshold = WarningThreshold::Fraction { permille: 750 };

    fn office() -> BusinessCalendar {
        BusinessCalendar::builder("Europe/Amsterdam")
            .open_on(&[Mon, Tue, Wed, Thu, Fri], "09:00", "17:00")
            .build()
            .unwrap()
    }

    #[test]
    fn deadline_counts_only_business_hours() {
        // Friday 16:30 Amsterdam (15:30 UTC) + 1 business hour = Monday 09:30.
        let clock = SlaClock::start(
            SlaTarget::FirstResponse,
            at("2026-11-27T15:30:00Z"),
            3600,
            WARN,
            &office(),
        )
        .unwrap();
        assert_eq!(clock.deadline, Some(at("2026-11-30T08:30:00Z")));
        assert_eq!(clock.warning_at, Some(at("2026-11-30T08:15:00Z")));
    }

    #[test]
    fn first_response_clock_pauses_while_waiting_on_customer() {
        let cal = BusinessCalendar::always_open();
        let clock = SlaClock::start(
            SlaTarget::FirstResponse,
            at("2026-11-23T10:00:00Z"),
            3600,
            WARN,
            &cal,
        )
        .unwrap();
        let paused = clock.paused(at("2026-11-23T10:20:00Z"), &cal);
        assert_eq!(paused.elapsed_secs, 1200);
        assert_eq!(paused.next_due(), None);
        let resumed = paused
            .resumed(at("2026-11-23T12:00:00Z"), WARN, &cal)
            .unwrap();
        assert_eq!(resumed.deadline, Some(at("2026-11-23T12:40:00Z")));
        assert_eq!(resumed.warning_at, Some(at("2026-11-23T12:25:00Z")));
        let (met, took) = resumed.met(at("2026-11-23T12:30:00Z"), &cal);
        assert_eq!(met.status, ClockStatus::Met);
        assert_eq!(
            took,
            MetDurations {
                business_secs: 3000,
                calendar_secs: 9000,
                late: false
            }
        );
    }

    #[test]
    fn a_breached_clock_stays_breached_when_met_later() {
        let cal = BusinessCalendar::always_open();
        let clock = SlaClock::start(
            SlaTarget::FirstResponse,
            at("2026-11-23T10:00:00Z"),
            600,
            WARN,
            &cal,
        )
        .unwrap();
        let breached = clock.breached(at("2026-11-23T10:10:00Z"));
        assert_eq!(breached.next_due(), None);
        let (met, took) = breached.met(at("2026-11-23T10:30:00Z"), &cal);
        assert_eq!(met.breached_at, Some(at("2026-11-23T10:10:00Z")));
        assert!(took.late);
        assert_eq!(took.business_secs, 1800);
    }

    #[test]
    fn a_new_budget_counts_from_the_original_start() {
        let cal = BusinessCalendar::always_open();
        let clock = SlaClock::start(
            SlaTarget::FirstResponse,
            at("2026-11-23T10:00:00Z"),
            3600,
            WARN,
            &cal,
        )
        .unwrap();
        let urgent = clock
            .rebudgeted(at("2026-11-23T10:10:00Z"), 900, WARN, &cal)
            .unwrap();
        assert_eq!(urgent.deadline, Some(at("2026-11-23T10:15:00Z")));
        assert_eq!(
            urgent.warning_at,
            Some(at("2026-11-23T10:11:15Z")),
            "75 % of 15 minutes, from the original start"
        );
        let paused = clock.paused(at("2026-11-23T10:10:00Z"), &cal);
        let relaxed = paused
            .rebudgeted(at("2026-11-23T10:30:00Z"), 7200, WARN, &cal)
            .unwrap();
        assert_eq!(relaxed.status, ClockStatus::Paused);
        assert_eq!(
            relaxed
                .resumed(at("2026-11-23T11:00:00Z"), WARN, &cal)
                .unwrap()
                .deadline,
            Some(at("2026-11-23T12:50:00Z"))
        );
    }

    #[test]
    fn lead_time_warning_comes_that_long_before_the_deadline() {
        let cal = BusinessCalendar::always_open();
        let warn = WarningThreshold::LeadTime { secs: 600 };
        let clock = SlaClock::start(
            SlaTarget::Resolution,
            at("2026-11-23T10:00:00Z"),
            3600,
            warn,
            &cal,
        )
        .unwrap();
        assert_eq!(clock.warning_at, Some(at("2026-11-23T10:50:00Z")));
        let warned = clock.warned(at("2026-11-23T10:50:00Z"));
        let paused = warned.paused(at("2026-11-23T10:55:00Z"), &cal);
        let resumed = paused
            .resumed(at("2026-11-23T11:00:00Z"), warn, &cal)
            .unwrap();
        assert_eq!(resumed.warning_at, None, "warned once");
        assert_eq!(resumed.deadline, Some(at("2026-11-23T11:05:00Z")));
    }
}
