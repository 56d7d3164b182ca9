//! SLA attainment per policy, channel and language.

use super::histogram::ResponseTimeHistogram;
use crate::model::{ChannelKind, Language};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// The dimensions one attainment row is kept for: SLA policy, channel and
/// conversation language.
///
/// Keys order by policy name, then channel (in [`ChannelKind`] declaration
/// order), then language (unknown language first, then by code), which is the
/// order of [`Attainment::report`] rows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AttainmentKey {
    /// Name of the SLA policy the conversation was measured against.
    pub policy: String,
    /// Network the conversation came in on.
    pub channel: ChannelKind,
    /// Language of the conversation, `None` when it was not detected.
    pub language: Option<Language>,
}

impl AttainmentKey {
    /// A key for `policy` on `channel` in `language`.
    pub fn new(
        policy: impl Into<String>,
        channel: ChannelKind,
        language: Option<Language>,
    ) -> Self {
        Self {
            policy: policy.into(),
            channel,
            language,
        }
    }
}

/// The running tally of one attainment row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Tally {
    met: u64,
    breached: u64,
    unanswered: u64,
    business: ResponseTimeHistogram,
    calendar: ResponseTimeHistogram,
}

impl Tally {
    fn merge(&mut self, other: &Tally) {
        self.met += other.met;
        self.breached += other.breached;
        self.unanswered += other.unanswered;
        self.business.merge(&other.business);
        self.calendar.merge(&other.calendar);
    }

    fn figures(&self) -> AttainmentFigures {
        let count = self.met + self.breached;
        AttainmentFigures {
            count,
            met: self.met,
            breached: self.breached,
            unanswered: self.unanswered,
            met_share: (count > 0).then(|| self.met as f64 / count as f64),
            first_response_business: FirstResponsePercentiles::of(&self.business),
            first_response_calendar: FirstResponsePercentiles::of(&self.calendar),
        }
    }
}

/// SLA attainment of first responses, kept per (policy, channel, language)
/// and overall: how many conversations met or breached their first-response
/// target, and how fast they were answered in business and in calendar time.
///
/// Feed it each conversation once its first-response outcome is known: with
/// [`record`](Self::record) when it was answered, with
/// [`record_unanswered`](Self::record_unanswered) when its target passed
/// without an answer (a breach). Then read [`report`](Self::report). It is a
/// plain accumulator: it takes durations and keys, not engine types, so the
/// engine, a simulation or a replay of history can all feed it, and two
/// accumulators [`merge`](Self::merge) into one.
///
/// Percentiles come from [`ResponseTimeHistogram`]s, so they carry its error
/// bound (at most 1/128 relative); counts are exact. Memory grows with the
/// number of distinct keys, not with the number of conversations.
///
/// ```
/// use caredesk::model::{ChannelKind, Language};
/// use caredesk::stats::{Attainment, AttainmentKey};
/// use std::time::Duration;
///
/// let mut attainment = Attainment::new();
/// let gold_x_en = AttainmentKey::new("gold", ChannelKind::X, Some(Language::ENGLISH));
/// let minutes = |m: u64| Duration::from_secs(m * 60);
/// attainment.record(&gold_x_en, minutes(20), minutes(20), true);
/// attainment.record(&gold_x_en, minutes(30), minutes(600), true); // answered after the night
/// attainment.record(&gold_x_en, minutes(75), minutes(75), false);
/// attainment.record_unanswered(&gold_x_en);
///
/// let report = attainment.report();
/// let row = &report.rows[0];
/// assert_eq!((row.figures.count, row.figures.met, row.figures.breached), (4, 2, 2));
/// assert_eq!(row.figures.unanswered, 1);
/// assert_eq!(row.figures.first_response_business.answered, 3);
/// assert_eq!(report.overall.count, 4);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attainment {
    #[serde(with = "rows_as_list")]
    rows: BTreeMap<AttainmentKey, Tally>,
}

impl Attainment {
    /// An empty accumulator.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an answered conversation: its first response took `business`
    /// (counted in the policy's business hours) and `calendar` (wall-clock
    /// time); `met` says whether that was within the policy's target.
    pub fn record(
        &mut self,
        key: &AttainmentKey,
        business: Duration,
        calendar: Duration,
        met: bool,
    ) {
        self.with_tally(key, |tally| {
            if met {
                tally.met += 1;
            } else {
                tally.breached += 1;
            }
            tally.business.record(business);
            tally.calendar.record(calendar);
        });
    }

    /// Records a conversation whose first-response target passed without any
    /// answer: it counts as breached and unanswered, and adds no response time.
    ///
    /// A conversation answered late afterwards should not be recorded again
    /// (record each conversation once, when its outcome is first known).
    pub fn record_unanswered(&mut self, key: &AttainmentKey) {
        self.with_tally(key, |tally| {
            tally.breached += 1;
            tally.unanswered += 1;
        });
    }

    /// Applies `change` to the tally of `key`, creating it (and cloning the
    /// key) only the first time the key is seen.
    fn with_tally(&mut self, key: &AttainmentKey, change: impl FnOnce(&mut Tally)) {
        match self.rows.get_mut(key) {
            Some(tally) => change(tally),
            None => change(self.rows.entry(key.clone()).or_default()),
        }
    }

    /// Adds every conversation recorded in `other`.
    pub fn merge(&mut self, other: &Attainment) {
        for (key, tally) in &other.rows {
            self.with_tally(key, |mine| mine.merge(tally));
        }
    }

    /// Whether nothing was recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The figures of one key; `None` when nothing was recorded for it.
    #[must_use]
    pub fn figures(&self, key: &AttainmentKey) -> Option<AttainmentFigures> {
        self.rows.get(key).map(Tally::figures)
    }

    /// One row per key in key order, and the overall figures across all keys.
    #[must_use]
    pub fn report(&self) -> AttainmentReport {
        let mut overall = Tally::default();
        let rows = self
            .rows
            .iter()
            .map(|(key, tally)| {
                overall.merge(tally);
                AttainmentRow {
                    key: key.clone(),
                    figures: tally.figures(),
                }
            })
            .collect();
        AttainmentReport {
            rows,
            overall: overall.figures(),
        }
    }
}

/// First-response percentiles of the answered conversations, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FirstResponsePercentiles {
    /// Conversations with a first response (the sample size).
    pub answered: u64,
    /// Median, in seconds; `None` when nothing was answered.
    pub p50_seconds: Option<f64>,
    /// 90th percentile, in seconds; `None` when nothing was answered.
    pub p90_seconds: Option<f64>,
    /// 99th percentile, in seconds; `None` when nothing was answered.
    pub p99_seconds: Option<f64>,
}

impl FirstResponsePercentiles {
    /// The percentiles of a response-time distribution.
    #[must_use]
    pub fn of(histogram: &ResponseTimeHistogram) -> Self {
        Self {
            answered: histogram.count(),
            p50_seconds: histogram.percentile(0.5),
            p90_seconds: histogram.percentile(0.9),
            p99_seconds: histogram.percentile(0.99),
        }
    }
}

/// The attainment figures of one key, or of all keys together.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AttainmentFigures {
    /// Conversations recorded: `met + breached`.
    pub count: u64,
    /// Conversations answered within their first-response target.
    pub met: u64,
    /// Conversations answered late or not at all.
    pub breached: u64,
    /// The breached conversations that were never answered (a part of `breached`).
    pub unanswered: u64,
    /// `met / count`; `None` when nothing was recorded.
    pub met_share: Option<f64>,
    /// First response counted in business hours.
    pub first_response_business: FirstResponsePercentiles,
    /// First response counted in wall-clock time.
    pub first_response_calendar: FirstResponsePercentiles,
}

/// One row of an [`AttainmentReport`]: a key and its figures (flattened
/// into one JSON object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttainmentRow {
    /// The policy, channel and language of the row.
    #[serde(flatten)]
    pub key: AttainmentKey,
    /// Its figures.
    #[serde(flatten)]
    pub figures: AttainmentFigures,
}

/// What [`Attainment::report`] returns: rows in key order, and the overall figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttainmentReport {
    /// One row per (policy, channel, language) seen, ordered by key.
    pub rows: Vec<AttainmentRow>,
    /// All conversations together.
    pub overall: AttainmentFigures,
}

/// Serializes the rows map as a list of `{"key": .., "tally": ..}` entries,
/// since JSON object keys must be strings.
mod rows_as_list {
    use super::{AttainmentKey, Tally};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct EntryRef<'a> {
        key: &'a AttainmentKey,
        tally: &'a Tally,
    }

    #[derive(Deserialize)]
    struct Entry {
        key: AttainmentKey,
        tally: Tally,
    }

    pub(super) fn serialize<S: Serializer>(
        rows: &BTreeMap<AttainmentKey, Tally>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(rows.iter().map(|(key, tally)| EntryRef { key, tally }))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<AttainmentKey, Tally>, D::Error> {
        let entries = Vec::<Entry>::deserialize(deserializer)?;
        let mut rows = BTreeMap::new();
        for entry in entries {
            if rows.insert(entry.key, entry.tally).is_some() {
                return Err(serde::de::Error::custom("an attainment key appears twice"));
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    fn key(policy: &str, channel: ChannelKind, language: Option<Language>) -> AttainmentKey {
        AttainmentKey::new(policy, channel, language)
    }

    #[test]
    fn met_and_breached_add_up_to_count_per_key_and_overall() {
        let mut attainment = Attainment::new();
        let x_en = key("standard", ChannelKind::X, Some(Language::ENGLISH));
        let wa_nl = key("standard", ChannelKind::Whatsapp, Some(Language::DUTCH));
        attainment.record(&x_en, minutes(10), minutes(10), true);
        attainment.record(&x_en, minutes(90), minutes(90), false);
        attainment.record(&wa_nl, minutes(5), minutes(5), true);
        attainment.record_unanswered(&wa_nl);
        attainment.record_unanswered(&wa_nl);

        let report = attainment.report();
        let x = report.rows[0].figures;
        assert_eq!((x.count, x.met, x.breached, x.unanswered), (2, 1, 1, 0));
        assert_eq!(x.met_share, Some(0.5));
        let wa = report.rows[1].figures;
        assert_eq!((wa.count, wa.met, wa.breached, wa.unanswered), (3, 1, 2, 2));
        assert_eq!(wa.first_response_calendar.answered, 1);
        let all = report.overall;
        assert_eq!(
            (all.count, all.met, all.breached, all.unanswered),
            (5, 2, 3, 2)
        );
        assert_eq!(all.first_response_business.answered, 3);
    }

    #[test]
    fn rows_come_in_policy_channel_language_order_whatever_the_recording_order() {
        let mut attainment = Attainment::new();
        let keys = [
            key("vip", ChannelKind::X, None),
            key("standard", ChannelKind::Email, Some(Language::GERMAN)),
            key("standard", ChannelKind::X, Some(Language::SPANISH)),
            key("standard", ChannelKind::X, None),
            key("standard", ChannelKind::X, Some(Language::DUTCH)),
        ];
        for k in &keys {
            attainment.record_unanswered(k);
        }
        let order: Vec<AttainmentKey> = attainment
            .report()
            .rows
            .into_iter()
            .map(|r| r.key)
            .collect();
        assert_eq!(
            order,
            vec![
                key("standard", ChannelKind::X, None),
                key("standard", ChannelKind::X, Some(Language::SPANISH)),
                key("standard", ChannelKind::X, Some(Language::DUTCH)),
                key("standard", ChannelKind::Email, Some(Language::GERMAN)),
                key("vip", ChannelKind::X, None),
            ]
        );
    }

    #[test]
    fn business_and_calendar_percentiles_are_kept_apart() {
        let mut attainment = Attainment::new();
        let k = key("standard", ChannelKind::Facebook, None);
        // Asked at night: ten business minutes, but eight calendar hours.
        attainment.record(&k, minutes(10), minutes(480), true);
        let figures = attainment.figures(&k).unwrap();
        assert_eq!(figures.first_response_business.p50_seconds, Some(600.0));
        assert_eq!(figures.first_response_calendar.p50_seconds, Some(28_800.0));
        assert_eq!(figures.first_response_calendar.p99_seconds, Some(28_800.0));
    }

    #[test]
    fn only_unanswered_conversations_have_no_percentiles() {
        let mut attainment = Attainment::new();
        let k = key("standard", ChannelKind::Email, None);
        attainment.record_unanswered(&k);
        let figures = attainment.figures(&k).unwrap();
        assert_eq!(figures.met_share, Some(0.0));
        assert_eq!(figures.first_response_business.p50_seconds, None);
        assert_eq!(figures.first_response_calendar.p90_seconds, None);
    }

    #[test]
    fn empty_report_has_no_rows_and_zero_overall() {
        let report = Attainment::new().report();
        assert!(report.rows.is_empty());
        assert_eq!(report.overall.count, 0);
        assert_eq!(report.overall.met_share, None);
        assert_eq!(report.overall.first_response_business.p50_seconds, None);
    }

    #[test]
    fn merging_two_accumulators_equals_recording_everything_in_one() {
        let a = key("standard", ChannelKind::X, Some(Language::ENGLISH));
        let b = key("vip", ChannelKind::Instagram, Some(Language::KOREAN));
        let mut left = Attainment::new();
        let mut right = Attainment::new();
        let mut both = Attainment::new();
        for (i, target) in [(1, &mut left), (2, &mut right)] {
            target.record(&a, minutes(i), minutes(i * 3), true);
            target.record_unanswered(&b);
        }
        for i in [1, 2] {
            both.record(&a, minutes(i), minutes(i * 3), true);
            both.record_unanswered(&b);
        }
        left.merge(&right);
        assert_eq!(left, both);
        assert_eq!(left.report(), both.report());
    }

    #[test]
    fn serde_round_trip_keeps_every_row() {
        let mut attainment = Attainment::new();
        let k = key("standard", ChannelKind::Whatsapp, Some(Language::THAI));
        attainment.record(&k, minutes(3), minutes(4), true);
        attainment.record_unanswered(&key("standard", ChannelKind::X, None));
        let json = serde_json::to_string(&attainment).unwrap();
        let back: Attainment = serde_json::from_str(&json).unwrap();
        assert_eq!(back, attainment);
    }

    #[test]
    fn report_row_serializes_flat() {
        let mut attainment = Attainment::new();
        let k = key("standard", ChannelKind::X, Some(Language::FRENCH));
        attainment.record(&k, minutes(1), minutes(2), true);
        let row = serde_json::to_value(&attainment.report().rows[0]).unwrap();
        assert_eq!(row["policy"], "standard");
        assert_eq!(row["channel"], "x");
        assert_eq!(row["language"], "fr");
        assert_eq!(row["count"], 1);
        assert_eq!(row["first_response_calendar"]["p50_seconds"], 120.0);
    }
}
