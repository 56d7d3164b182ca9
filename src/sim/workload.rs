//! The reference workload: who writes, when, on which channel, about what.

use super::rng::SimRng;
use super::texts::{self, TEXTS};
use super::{Crisis, ReferenceDesk};
use crate::model::{ChannelKind, Intent, Language};
use chrono::{DateTime, Datelike, Timelike, Utc};

/// Relative volume by local hour of the day (mean 1 after normalising):
/// quiet nights, a morning rise, a long day, an evening bump.
const DAILY: [f64; 24] = [
    0.35, 0.22, 0.15, 0.12, 0.12, 0.20, 0.45, 0.80, 1.10, 1.30, 1.35, 1.30, 1.25, 1.20, 1.20, 1.15,
    1.15, 1.15, 1.20, 1.25, 1.20, 1.00, 0.80, 0.55,
];

/// Relative volume by local day of the week, Monday first.
const WEEKLY: [f64; 7] = [1.05, 1.00, 1.00, 1.00, 1.10, 0.95, 0.90];

/// A language's share of the desk's volume and where its customers live
/// (UTC offsets in whole hours, with weights).
pub(crate) struct LanguageProfile {
    pub(crate) language: Language,
    pub(crate) share: f64,
    pub(crate) regions: &'static [(i32, f64)],
}

/// The reference desk's 14 languages: English largest (US and UK), Dutch
/// second, then the European languages, then Asia.
pub(crate) const LANGUAGES: [LanguageProfile; 14] = [
    LanguageProfile {
        language: Language::ENGLISH,
        share: 0.355,
        regions: &[(-5, 0.45), (0, 0.55)],
    },
    LanguageProfile {
        language: Language::DUTCH,
        share: 0.20,
        regions: &[(1, 1.0)],
    },
    LanguageProfile {
        language: Language::SPANISH,
        share: 0.07,
        regions: &[(1, 0.5), (-5, 0.5)],
    },
    LanguageProfile {
        language: Language::FRENCH,
        share: 0.06,
        regions: &[(1, 1.0)],
    },
    LanguageProfile {
        language: Language::GERMAN,
        share: 0.06,
        regions: &[(1, 1.0)],
    },
    LanguageProfile {
        language: Language::ITALIAN,
        share: 0.04,
        regions: &[(1, 1.0)],
    },
    LanguageProfile {
        language: Language::PORTUGUESE,
        share: 0.04,
        regions: &[(-3, 0.6), (0, 0.4)],
    },
    LanguageProfile {
        language: Language::NORWEGIAN,
        share: 0.025,
        regions: &[(1, 1.0)],
    },
    LanguageProfile {
        language: Language::RUSSIAN,
        share: 0.02,
        regions: &[(3, 1.0)],
    },
    LanguageProfile {
        language: Language::TURKISH,
        share: 0.025,
        regions: &[(3, 1.0)],
    },
    LanguageProfile {
        language: Language::JAPANESE,
        share: 0.03,
        regions: &[(9, 1.0)],
    },
    LanguageProfile {
        language: Language::KOREAN,
        share: 0.025,
        regions: &[(9, 1.0)],
    },
    LanguageProfile {
        language: Language::CHINESE,
        share: 0.035,
        regions: &[(8, 1.0)],
    },
    LanguageProfile {
        language: Language::THAI,
        share: 0.015,
        regions: &[(7, 1.0)],
    },
];

/// The channels, in table order.
pub(crate) const CHANNELS: [ChannelKind; 6] = [
    ChannelKind::X,
    ChannelKind::Facebook,
    ChannelKind::Instagram,
    ChannelKind::Whatsapp,
    ChannelKind::Email,
    ChannelKind::Webchat,
];

/// Where queries arrive (weights per channel, in `CHANNELS` order).
const QUERY_CHANNELS: [f64; 6] = [0.28, 0.20, 0.07, 0.30, 0.08, 0.07];
/// Where mentions are posted (public networks only).
const MENTION_CHANNELS: [f64; 6] = [0.50, 0.22, 0.28, 0.0, 0.0, 0.0];

const INTENTS: [&str; 9] = [
    "baggage",
    "rebooking",
    "booking_change",
    "refund",
    "check_in",
    "disruption",
    "complaint",
    "lost_and_found",
    "loyalty",
];
const NORMAL_INTENTS: [f64; 9] = [0.22, 0.10, 0.12, 0.12, 0.10, 0.07, 0.10, 0.05, 0.12];
const CRISIS_INTENTS: [f64; 9] = [0.04, 0.42, 0.04, 0.10, 0.02, 0.33, 0.04, 0.005, 0.005];

/// One generated customer message (the first of a contact).
#[derive(Debug, Clone)]
pub(crate) struct Arrival {
    pub(crate) language: usize,
    pub(crate) channel: usize,
    pub(crate) query: bool,
    pub(crate) public: bool,
    pub(crate) intent: Option<&'static str>,
    pub(crate) text: String,
    pub(crate) followers: Option<u64>,
}

/// The arrival process of the reference desk: a non-homogeneous Poisson
/// process, piecewise constant per UTC hour of the week, times the crisis
/// multiplier, sampled by thinning.
pub(crate) struct ReferenceWorkload {
    /// Messages per hour, per UTC hour of the week, per language.
    rates: Vec<[f64; 14]>,
    totals: Vec<f64>,
    query_share: f64,
    crisis: Option<Crisis>,
    start: DateTime<Utc>,
    /// Milliseconds from the Monday 00:00 UTC before `start` to `start`.
    start_in_week_ms: i64,
    /// Language index of each `TEXTS` entry, by `LANGUAGES` index.
    texts: [usize; 14],
}

/// An hour and a week of simulated time, in milliseconds.
pub(super) const HOUR: i64 = 3_600_000;
const WEEK: i64 = 168 * HOUR;

/// Milliseconds from the Monday 00:00 UTC at or before `at` to `at`.
fn ms_into_week(at: DateTime<Utc>) -> i64 {
    let day = i64::from(at.weekday().num_days_from_monday());
    let seconds = i64::from(at.num_seconds_from_midnight());
    (day * 86_400 + seconds) * 1_000 + i64::from(at.timestamp_subsec_millis())
}

impl ReferenceWorkload {
    pub(crate) fn new(desk: &ReferenceDesk, start: DateTime<Utc>) -> Self {
        let daily_mean = DAILY.iter().sum::<f64>() / 24.0;
        let weekly_mean = WEEKLY.iter().sum::<f64>() / 7.0;
        let weekly_total = (desk.weekly_mentions + desk.weekly_queries) * desk.volume;
        let mut rates = vec![[0.0; 14]; 168];
        for (how, row) in rates.iter_mut().enumerate() {
            for (index, profile) in LANGUAGES.iter().enumerate() {
                let mut factor = 0.0;
                for (offset, weight) in profile.regions {
                    let local = (how as i32 + offset).rem_euclid(168) as usize;
                    factor +=
                        weight * DAILY[local % 24] / daily_mean * WEEKLY[local / 24] / weekly_mean;
                }
                row[index] = weekly_total * profile.share * factor / 168.0;
            }
        }
        let totals = rates.iter().map(|row| row.iter().sum()).collect();
        let texts = std::array::from_fn(|index| {
            TEXTS
                .iter()
                .position(|t| t.language == LANGUAGES[index].language)
                .unwrap_or(0)
        });
        let total = desk.weekly_mentions + desk.weekly_queries;
        ReferenceWorkload {
            rates,
            totals,
            query_share: if total > 0.0 {
                desk.weekly_queries / total
            } else {
                0.0
            },
            crisis: desk.crisis,
            start,
            start_in_week_ms: ms_into_week(start),
            texts,
        }
    }

    /// Expected messages of each language in each UTC hour of the week
    /// (before the crisis multiplier).
    pub(crate) fn hourly_rates(&self) -> &[[f64; 14]] {
        &self.rates
    }

    fn hour_of_week(&self, ms: i64) -> usize {
        // UTC has no shifts, so this is plain arithmetic on the offset into
        // the week (it runs for every candidate arrival).
        let into_week = (self.start_in_week_ms + ms).rem_euclid(WEEK);
        (into_week / HOUR) as usize
    }

    /// The crisis multiplier at `ms` (1 outside a crisis).
    pub(crate) fn surge(&self, ms: i64) -> f64 {
        self.crisis.map_or(1.0, |crisis| {
            crisis.multiplier(self.start + chrono::Duration::milliseconds(ms))
        })
    }

    /// How far into the crisis we are (0 outside, 1 at full surge).
    fn crisis_weight(&self, ms: i64) -> f64 {
        match self.crisis {
            Some(crisis) if crisis.surge > 1.0 => {
                ((self.surge(ms) - 1.0) / (crisis.surge - 1.0)).clamp(0.0, 1.0)
            }
            _ => 0.0,
        }
    }

    /// The time of the next arrival after `ms`, or `None` at or past `end`.
    pub(crate) fn next_arrival(&self, rng: &mut SimRng, mut ms: i64, end: i64) -> Option<i64> {
        let max_surge = self.crisis.map_or(1.0, |c| c.surge.max(1.0));
        while ms < end {
            let hour_end = (ms.div_euclid(HOUR) + 1) * HOUR;
            let base = self.totals[self.hour_of_week(ms)];
            let bound = base * max_surge;
            if bound <= 0.0 {
                ms = hour_end;
                continue;
            }
            let step = rng.exponential(HOUR as f64 / bound);
            let candidate = ms + step.ceil() as i64;
            if candidate >= hour_end {
                ms = hour_end;
                continue;
            }
            ms = candidate;
            if rng.uniform() * bound <= base * self.surge(ms) {
                return (ms < end).then_some(ms);
            }
        }
        None
    }

    /// Draws who writes at `ms` and what.
    pub(crate) fn draw(&self, rng: &mut SimRng, ms: i64) -> Arrival {
        let how = self.hour_of_week(ms);
        let language = rng.weighted(&self.rates[how]);
        let query = rng.chance(self.query_share);
        let channel = rng.weighted(if query {
            &QUERY_CHANNELS
        } else {
            &MENTION_CHANNELS
        });
        let kind = CHANNELS[channel];
        let public = !kind.is_private_by_nature() && (!query || rng.chance(0.5));
        let crisis = self.crisis_weight(ms);
        let flight = 600 + rng.below(1400) as u32;
        let texts = &TEXTS[self.texts[language]];
        let (intent, template) = if query {
            let weights: Vec<f64> = NORMAL_INTENTS
                .iter()
                .zip(CRISIS_INTENTS)
                .map(|(n, c)| n * (1.0 - crisis) + c * crisis)
                .collect();
            let intent = INTENTS[rng.weighted(&weights)];
            (
                Some(intent),
                texts.queries[texts::query_template_index(intent)],
            )
        } else if rng.chance(0.3) {
            (Some("compliment"), texts.mentions[0])
        } else {
            (None, texts.mentions[1])
        };
        let followers =
            (!kind.is_private_by_nature()).then(|| rng.pareto(40.0, 1.1).min(50_000_000.0) as u64);
        Arrival {
            language,
            channel,
            query,
            public,
            intent,
            text: texts::fill(template, flight),
            followers,
        }
    }

    /// The nudge a waiting customer of language `language` posts.
    pub(crate) fn nudge(&self, language: usize) -> &'static str {
        TEXTS[self.texts[language]].nudge
    }
}

/// The intent as the model type.
pub(crate) fn intent(label: &str) -> Intent {
    Intent::new(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_shares_add_up_to_one_with_english_then_dutch_largest() {
        let total: f64 = LANGUAGES.iter().map(|l| l.share).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        assert_eq!(LANGUAGES[0].language, Language::ENGLISH);
        assert_eq!(LANGUAGES[1].language, Language::DUTCH);
        assert!(LANGUAGES[2..].iter().all(|l| l.share < LANGUAGES[1].share));
    }

    #[test]
    fn hourly_rates_add_up_to_the_weekly_volume() {
        let desk = ReferenceDesk::default();
        let start = "2026-11-23T00:00:00Z".parse().unwrap();
        let workload = ReferenceWorkload::new(&desk, start);
        let week: f64 = workload.totals.iter().sum();
        assert!((week - 67_000.0).abs() < 1.0, "{week}");
    }

    #[test]
    fn hour_of_week_matches_the_calendar_from_any_start() {
        let desk = ReferenceDesk::default();
        for start in ["2026-11-23T00:00:00Z", "2026-11-26T17:42:13.250Z"] {
            let start: DateTime<Utc> = start.parse().unwrap();
            let workload = ReferenceWorkload::new(&desk, start);
            for ms in (-3 * HOUR..3 * WEEK).step_by(997_001) {
                let at = start + chrono::Duration::milliseconds(ms);
                let expected = crate::staffing::hour_of_week(&at) as usize;
                assert_eq!(workload.hour_of_week(ms), expected, "{at}");
            }
        }
    }
}
