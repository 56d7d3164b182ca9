//! Local wall-clock time to UTC, fast, for a walk that moves forward in time.
//!
//! All times here are whole seconds since the Unix epoch: `u` for UTC
//! instants, `l` for local wall-clock times read as if they were UTC.
//!
//! The rule for turning a local time `l` into an instant is
//! `map(l) = the first instant u whose local time is at or after l`.
//! It gives the single instant for an ordinary time, the earlier instant for
//! a time the clocks repeat (fall back), and the first instant after the gap
//! for a time the clocks skip (spring forward). It never decreases as `l`
//! grows, so intervals that do not overlap in local time do not overlap as
//! instants either.
//!
//! `chrono-tz` answers "what is the offset at instant u" with a binary search
//! (about 20 ns) but does not publish its list of transitions. A
//! [`ZoneCursor`] therefore learns the transitions it needs by probing the
//! offset once per [`PROBE`] and bisecting to the second when the offset
//! changed; between probes it assumes at most one transition. The closest
//! pair of offset changes in the tz database (as compiled by chrono-tz
//! 0.10) is 167 hours apart (America/Noronha, October 2000), far more than
//! one probe step.

use chrono::{DateTime, Days, LocalResult, NaiveDateTime, Offset, TimeZone};
use chrono_tz::{GapInfo, Tz};

use super::hours::DAY;
use super::CalendarError;

/// Probe step: one offset lookup per day walked (`ensure` steps by one
/// calendar day of `Days`, which is this many seconds).
pub(crate) const PROBE: i64 = DAY;
/// Transitions held at once; more only means a slower exact fallback.
const CAP: usize = 8;

/// The UTC offset (seconds) of `tz` at instant `u`.
pub(crate) fn offset_at(tz: Tz, u: i64) -> Result<i64, CalendarError> {
    let utc = DateTime::from_timestamp(u, 0).ok_or(CalendarError::OutOfRange)?;
    Ok(offset_at_naive(tz, &utc.naive_utc()))
}

fn offset_at_naive(tz: Tz, utc: &NaiveDateTime) -> i64 {
    i64::from(tz.offset_from_utc_datetime(utc).fix().local_minus_utc())
}

/// `map(l)` straight from `chrono-tz` (slow but needs no state).
pub(crate) fn map_exact(tz: Tz, l: i64) -> Result<i64, CalendarError> {
    let naive = DateTime::from_timestamp(l, 0)
        .ok_or(CalendarError::OutOfRange)?
        .naive_utc();
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(at) => Ok(at.timestamp()),
        LocalResult::Ambiguous(a, b) => Ok(a.timestamp().min(b.timestamp())),
        LocalResult::None => GapInfo::new(&naive, &tz)
            .and_then(|gap| gap.end)
            .map(|end| end.timestamp())
            .ok_or(CalendarError::OutOfRange),
    }
}

/// What a walk knows of a zone's offsets on the UTC range `[lo, hi]`.
///
/// The offset is `base` from `lo` up to the first held transition, then each
/// transition's offset up to the next. Queries should move forward in time;
/// a query too far behind falls back to [`map_exact`].
#[derive(Debug, Clone)]
pub(crate) struct ZoneCursor {
    tz: Tz,
    lo: i64,
    base: i64,
    hi: i64,
    /// `hi` as a date and time (stepping it a day is cheaper than building
    /// it from seconds).
    hi_naive: NaiveDateTime,
    last: i64,
    trans: [(i64, i64); CAP],
    n: usize,
}

impl ZoneCursor {
    /// A cursor that can answer `map(l)` for every `l >= from + DAY`.
    pub(crate) fn new(tz: Tz, from: i64) -> Result<Self, CalendarError> {
        let hi_naive = DateTime::from_timestamp(from, 0)
            .ok_or(CalendarError::OutOfRange)?
            .naive_utc();
        let base = offset_at_naive(tz, &hi_naive);
        Ok(ZoneCursor {
            tz,
            lo: from,
            base,
            hi: from,
            hi_naive,
            last: base,
            trans: [(0, 0); CAP],
            n: 0,
        })
    }

    /// Learn the offsets up to `upto` (inclusive).
    pub(crate) fn ensure(&mut self, upto: i64) -> Result<(), CalendarError> {
        while self.hi < upto {
            let next = self.hi + PROBE;
            let next_naive = self
                .hi_naive
                .checked_add_days(Days::new(1))
                .ok_or(CalendarError::OutOfRange)?;
            let offset = offset_at_naive(self.tz, &next_naive);
            if offset == self.last {
                self.hi = next;
                self.hi_naive = next_naive;
                continue;
            }
            // The offset changed in (hi, next]: find the first second with a
            // different offset.
            let (mut same, mut changed) = (self.hi, next);
            while changed - same > 1 {
                let mid = same + (changed - same) / 2;
                if offset_at(self.tz, mid)? == self.last {
                    same = mid;
                } else {
                    changed = mid;
                }
            }
            self.hi_naive = DateTime::from_timestamp(changed, 0)
                .ok_or(CalendarError::OutOfRange)?
                .naive_utc();
            let new_offset = offset_at_naive(self.tz, &self.hi_naive);
            self.push(changed, new_offset);
            self.hi = changed;
        }
        Ok(())
    }

    fn push(&mut self, at: i64, offset: i64) {
        if self.n == CAP {
            self.fold_first();
        }
        self.trans[self.n] = (at, offset);
        self.n += 1;
        self.last = offset;
    }

    fn fold_first(&mut self) {
        let (at, offset) = self.trans[0];
        self.lo = at;
        self.base = offset;
        self.trans.copy_within(1..self.n, 0);
        self.n -= 1;
    }

    /// `map(l)`: the first instant whose local time is at or after `l`.
    pub(crate) fn map(&mut self, l: i64) -> Result<i64, CalendarError> {
        if l.saturating_sub(DAY) < self.lo {
            return map_exact(self.tz, l);
        }
        self.ensure(l.saturating_add(DAY))?;
        while self.n > 0 && self.trans[0].0 <= l - DAY {
            self.fold_first();
        }
        // Offsets are under a day in magnitude, so the answer lies in
        // [l - DAY, l + DAY], inside what is known; the first segment
        // starts at or before l - DAY.
        let (mut start, mut offset) = (self.lo, self.base);
        for &(at, next_offset) in &self.trans[..self.n] {
            if l < start + offset {
                return Ok(start);
            }
            if l < at + offset {
                return Ok(l - offset);
            }
            start = at;
            offset = next_offset;
        }
        if l < start + offset {
            return Ok(start);
        }
        Ok(l - offset)
    }

    /// Whether a transition is known in `[from, to]`; call `ensure(to)` first.
    pub(crate) fn transition_between(&self, from: i64, to: i64) -> bool {
        (from < self.lo && to >= self.lo)
            || self.trans[..self.n]
                .iter()
                .any(|&(at, _)| at >= from && at <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> Tz {
        name.parse().unwrap()
    }

    fn local(text: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
            .timestamp()
    }

    fn utc(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text).unwrap().timestamp()
    }

    #[test]
    fn spring_forward_gap_maps_to_first_instant_after_it() {
        let tz = zone("Europe/Amsterdam");
        // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
        let mut cursor = ZoneCursor::new(tz, utc("2026-03-25T00:00:00Z")).unwrap();
        assert_eq!(
            cursor.map(local("2026-03-29 02:30:00")).unwrap(),
            utc("2026-03-29T01:00:00Z")
        );
        assert_eq!(
            map_exact(tz, local("2026-03-29 02:30:00")).unwrap(),
            utc("2026-03-29T01:00:00Z")
        );
        assert_eq!(
            cursor.map(local("2026-03-29 03:00:00")).unwrap(),
            utc("2026-03-29T01:00:00Z")
        );
        assert_eq!(
            cursor.map(local("2026-03-29 01:59:59")).unwrap(),
            utc("2026-03-29T00:59:59Z")
        );
    }

    #[test]
    fn fall_back_repeated_time_maps_to_the_earlier_instant() {
        let tz = zone("Europe/Amsterdam");
        // 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00 UTC.
        let mut cursor = ZoneCursor::new(tz, utc("2026-10-20T00:00:00Z")).unwrap();
        assert_eq!(
            cursor.map(local("2026-10-25 02:30:00")).unwrap(),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            map_exact(tz, local("2026-10-25 02:30:00")).unwrap(),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            cursor.map(local("2026-10-25 03:00:00")).unwrap(),
            utc("2026-10-25T02:00:00Z")
        );
    }

    #[test]
    fn cursor_agrees_with_chrono_tz_over_years_of_zones() {
        // Walk forward in irregular steps through several zones and years and
        // compare every answer with the exact, stateless conversion.
        for name in [
            "Europe/Amsterdam",
            "America/New_York",
            "Australia/Sydney",
            "Australia/Lord_Howe",
            "Pacific/Apia",
            "America/Noronha",
            "Asia/Kolkata",
            "UTC",
        ] {
            let tz = zone(name);
            let start = utc("1999-06-01T00:00:00Z");
            let mut cursor = ZoneCursor::new(tz, start - DAY).unwrap();
            let mut l = start + DAY;
            let mut step: i64 = 977;
            while l < utc("2013-01-01T00:00:00Z") {
                assert_eq!(
                    cursor.map(l).unwrap(),
                    map_exact(tz, l).unwrap(),
                    "{name} at local {l}"
                );
                step = (step * 7919 + 13) % 40_000;
                l += step + 600;
            }
        }
    }

    #[test]
    fn cursor_finds_both_transitions_of_the_closest_pair() {
        let tz = zone("America/Noronha");
        let mut cursor = ZoneCursor::new(tz, utc("2000-10-01T00:00:00Z")).unwrap();
        cursor.ensure(utc("2000-10-20T00:00:00Z")).unwrap();
        let found: Vec<(i64, i64)> = cursor.trans[..cursor.n].to_vec();
        assert_eq!(
            found,
            vec![
                (utc("2000-10-08T02:00:00Z"), -3600),
                (utc("2000-10-15T01:00:00Z"), -7200)
            ]
        );
    }
}
