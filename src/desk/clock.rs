//! Clocks: the desk is the only place that reads the time, through [`Clock`].

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

/// Where the desk gets the time it hands the engine.
///
/// Use [`SystemClock`] in production, [`TokioClock`] in tests that run under
/// `tokio::time::pause()` (engine timers then fire in virtual time), or
/// [`ManualClock`] to set the time by hand.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock (`Utc::now()`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that follows tokio's clock from a fixed start: under
/// `tokio::time::pause()` it moves only when tokio's virtual time does.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    origin: DateTime<Utc>,
    started: tokio::time::Instant,
}

impl TokioClock {
    /// A clock that reads `origin` now and advances with tokio's clock.
    /// Call it inside a tokio runtime.
    pub fn starting_at(origin: DateTime<Utc>) -> Self {
        TokioClock {
            origin,
            started: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now().saturating_duration_since(self.started);
        self.origin + Duration::from_std(elapsed).unwrap_or(Duration::MAX)
    }
}

/// A clock set by hand ([`ManualClock::set`], [`ManualClock::advance`]).
///
/// The desk sleeps towards engine deadlines in tokio time; with a manual
/// clock, call [`DeskHandle::tick`](super::DeskHandle::tick) after moving it.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock that reads `now` until moved.
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock {
            now: Mutex::new(now),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A single value: a poisoned lock still holds a valid time.
        self.now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.lock() = now;
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}
