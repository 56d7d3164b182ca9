//! Points in time as a hot conversation record keeps them: 8 bytes instead
//! of chrono's 12, and still 8 bytes inside an `Option`.
//!
//! A conversation record holds six of these (opened, last customer message,
//! first response, last agent reply, resolved, closed), so the compact form
//! saves 32 bytes per open conversation once the record's other 8-byte
//! fields are packed around it. The hot state keeps these times to the
//! microsecond; the event log keeps every event's time exactly.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::num::NonZeroI64;

/// A UTC instant to the microsecond (see the module docs).
///
/// Stored as the microseconds since the Unix epoch with the sign bit
/// flipped. chrono's range (about ±262,000 years) ends well inside `i64`
/// microseconds, so the stored value is never zero, and `Option<CompactTime>`
/// uses that zero as its `None`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CompactTime(NonZeroI64);

impl CompactTime {
    /// `at`, without its nanoseconds below the microsecond.
    pub(crate) fn new(at: DateTime<Utc>) -> Self {
        let stored = at.timestamp_micros() ^ i64::MIN;
        // Zero would mean i64::MIN microseconds, which no DateTime reaches.
        CompactTime(NonZeroI64::new(stored).unwrap_or(NonZeroI64::MAX))
    }

    /// The microseconds since the Unix epoch.
    fn micros(self) -> i64 {
        self.0.get() ^ i64::MIN
    }

    /// The instant as a chrono time.
    pub(crate) fn get(self) -> DateTime<Utc> {
        // Every stored value came from a DateTime, so it converts back.
        DateTime::from_timestamp_micros(self.micros()).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

impl From<DateTime<Utc>> for CompactTime {
    fn from(at: DateTime<Utc>) -> Self {
        CompactTime::new(at)
    }
}

impl Ord for CompactTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.micros().cmp(&other.micros())
    }
}

impl PartialOrd for CompactTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for CompactTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.get(), f)
    }
}

/// Written as the RFC 3339 time a `DateTime<Utc>` writes, so snapshots read
/// the same as before the compact form.
impl Serialize for CompactTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CompactTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        DateTime::<Utc>::deserialize(deserializer).map(CompactTime::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn time(text: &str) -> DateTime<Utc> {
        text.parse().expect("fixed time")
    }

    #[test]
    fn fits_an_option_in_eight_bytes() {
        assert_eq!(std::mem::size_of::<CompactTime>(), 8);
        assert_eq!(std::mem::size_of::<Option<CompactTime>>(), 8);
    }

    #[test]
    fn round_trips_to_the_microsecond_across_chronos_range() {
        for at in [
            time("2026-11-23T10:15:30.123456Z"),
            time("1970-01-01T00:00:00Z"),
            time("1969-12-31T23:59:59.999999Z"),
            time("1600-02-29T12:00:00.000001Z"),
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC - chrono::Duration::nanoseconds(999),
        ] {
            assert_eq!(CompactTime::new(at).get(), at, "{at:?}");
        }
    }

    #[test]
    fn drops_only_the_nanoseconds_below_the_microsecond() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 23, 10, 15, 30)
            .single()
            .expect("valid")
            + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(
            CompactTime::new(at).get(),
            time("2026-11-23T10:15:30.123456Z")
        );
    }

    #[test]
    fn orders_like_the_times_it_holds() {
        let times = [
            DateTime::<Utc>::MIN_UTC,
            time("1969-12-31T23:59:59.999999Z"),
            time("1970-01-01T00:00:00Z"),
            time("1970-01-01T00:00:00.000001Z"),
            time("2026-11-23T10:15:30Z"),
            DateTime::<Utc>::MAX_UTC,
        ];
        for pair in times.windows(2) {
            assert!(
                CompactTime::new(pair[0]) < CompactTime::new(pair[1]),
                "{pair:?}"
            );
        }
    }

    #[test]
    fn serialises_as_the_chrono_time() {
        let at = time("2026-11-23T10:15:30.250Z");
        let json = serde_json::to_string(&CompactTime::new(at)).expect("serialises");
        assert_eq!(json, serde_json::to_string(&at).expect("serialises"));
        let back: CompactTime = serde_json::from_str(&json).expect("reads");
        assert_eq!(back.get(), at);
    }
}
