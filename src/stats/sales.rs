//! Sales and satisfaction figures: the funnel (opportunities, offers,
//! conversions, revenue) and CSAT (share of 4–5 scores, response rate), by
//! channel, language, agent and first-response band.
//!
//! Like the rest of `stats`, these are plain accumulators over plain values
//! (strings for dimensions, seconds, minor units): the engine's
//! [`SalesLedger`](crate::engine::SalesLedger) folds events into them, and a
//! simulation or an offline job can feed them directly.
//!
//! ```
//! use caredesk::stats::{CsatTally, Dimension, SurveyOutcome};
//! let mut csat = CsatTally::new();
//! for (score, wait) in [(Some(5), 600), (Some(2), 7200), (None, 900)] {
//!     csat.record(&SurveyOutcome {
//!         channel: "x".into(), language: "en".into(), agent: Some("Sam".into()),
//!         first_response_secs: Some(wait), promise_kept: Some(wait <= 3600), score,
//!     });
//! }
//! let all = csat.report().row(Dimension::All, "all").unwrap().figures.clone();
//! assert_eq!((all.surveys, all.responses, all.satisfied), (3, 2, 1));
//! assert_eq!(all.csat, Some(0.5));
//! let late = csat.report().row(Dimension::Promise, "late").unwrap().figures.clone();
//! assert_eq!(late.csat, Some(0.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a row of a sales or CSAT report is cut by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Everything (one row, value `all`).
    All,
    /// The network (`x`, `whatsapp`, ...).
    Channel,
    /// The language code (`nl`), or `unknown`.
    Language,
    /// The agent credited, or `none`.
    Agent,
    /// The first-response time band ([`wait_band`]).
    Wait,
    /// Whether the first-response promise was kept: `within`, `late`, or
    /// `no_promise` (no SLA clock, or never answered without one).
    Promise,
}

/// The first-response time bands, in order: under 15 minutes, 15–60
/// minutes, 1–4 hours, over 4 hours, and never answered.
pub const WAIT_BANDS: [&str; 5] = ["0-15 min", "15-60 min", "1-4 h", "over 4 h", "no reply"];

/// The band of a first-response time (see [`WAIT_BANDS`]).
pub fn wait_band(first_response_secs: Option<u64>) -> &'static str {
    match first_response_secs {
        None => WAIT_BANDS[4],
        Some(s) if s < 15 * 60 => WAIT_BANDS[0],
        Some(s) if s < 3600 => WAIT_BANDS[1],
        Some(s) if s < 4 * 3600 => WAIT_BANDS[2],
        Some(_) => WAIT_BANDS[3],
    }
}

fn promise_band(kept: Option<bool>) -> &'static str {
    match kept {
        Some(true) => "within",
        Some(false) => "late",
        None => "no_promise",
    }
}

fn keys<'a>(
    channel: &'a str,
    language: &'a str,
    agent: Option<&'a str>,
    first_response_secs: Option<u64>,
    promise_kept: Option<bool>,
) -> [(Dimension, &'a str); 6] {
    [
        (Dimension::All, "all"),
        (Dimension::Channel, channel),
        (Dimension::Language, language),
        (Dimension::Agent, agent.unwrap_or("none")),
        (Dimension::Wait, wait_band(first_response_secs)),
        (Dimension::Promise, promise_band(promise_kept)),
    ]
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// How one opportunity ended, as the funnel counts it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityOutcome {
    /// The network.
    pub channel: String,
    /// The language code, or `unknown`.
    pub language: String,
    /// The agent credited (who made the first offer, else who answered
    /// first), if any.
    pub agent: Option<String>,
    /// Seconds from the conversation opening to the first agent reply.
    pub first_response_secs: Option<u64>,
    /// Whether the first-response promise was kept (`None`: no promise).
    pub promise_kept: Option<bool>,
    /// Offers made.
    pub offers: u32,
    /// Bookings linked to it.
    pub bookings: u32,
    /// Revenue by currency code, in minor units.
    pub revenue_minor: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct FunnelTally {
    opportunities: u64,
    offered: u64,
    offers: u64,
    converted: u64,
    bookings: u64,
    revenue_minor: BTreeMap<String, i64>,
}

/// The sales funnel: opportunities, offers, conversions and revenue per
/// dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesFunnel {
    rows: BTreeMap<(Dimension, String), FunnelTally>,
}

impl SalesFunnel {
    /// An empty funnel.
    pub fn new() -> Self {
        SalesFunnel::default()
    }

    /// Counts one opportunity in every row it belongs to.
    pub fn record(&mut self, outcome: &OpportunityOutcome) {
        for (dimension, value) in keys(
            &outcome.channel,
            &outcome.language,
            outcome.agent.as_deref(),
            outcome.first_response_secs,
            outcome.promise_kept,
        ) {
            let tally = self.rows.entry((dimension, value.to_owned())).or_default();
            tally.opportunities += 1;
            tally.offered += u64::from(outcome.offers > 0);
            tally.offers += u64::from(outcome.offers);
            tally.converted += u64::from(outcome.bookings > 0);
            tally.bookings += u64::from(outcome.bookings);
            for (currency, amount) in &outcome.revenue_minor {
                *tally.revenue_minor.entry(currency.clone()).or_default() += amount;
            }
        }
    }

    /// Adds another funnel's counts.
    pub fn merge(&mut self, other: &SalesFunnel) {
        for (key, theirs) in &other.rows {
            let tally = self.rows.entry(key.clone()).or_default();
            tally.opportunities += theirs.opportunities;
            tally.offered += theirs.offered;
            tally.offers += theirs.offers;
            tally.converted += theirs.converted;
            tally.bookings += theirs.bookings;
            for (currency, amount) in &theirs.revenue_minor {
                *tally.revenue_minor.entry(currency.clone()).or_default() += amount;
            }
        }
    }

    /// The figures, one row per (dimension, value), in dimension then value order.
    pub fn report(&self) -> SalesReport {
        SalesReport {
            rows: self
                .rows
                .iter()
                .map(|((dimension, value), t)| FunnelRow {
                    dimension: *dimension,
                    value: value.clone(),
                    figures: FunnelFigures {
                        opportunities: t.opportunities,
                        offered: t.offered,
                        offers: t.offers,
                        conversions: t.converted,
                        bookings: t.bookings,
                        conversion_rate: share(t.converted, t.opportunities),
                        revenue_minor: t.revenue_minor.clone(),
                    },
                })
                .collect(),
        }
    }
}

/// The funnel figures of one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelFigures {
    /// Opportunities.
    pub opportunities: u64,
    /// Opportunities with at least one offer.
    pub offered: u64,
    /// Offers made.
    pub offers: u64,
    /// Opportunities with at least one booking.
    pub conversions: u64,
    /// Bookings.
    pub bookings: u64,
    /// Conversions over opportunities (`None` without opportunities).
    pub conversion_rate: Option<f64>,
    /// Revenue by currency, in minor units.
    pub revenue_minor: BTreeMap<String, i64>,
}

/// One row of a [`SalesReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelRow {
    /// What it is cut by.
    pub dimension: Dimension,
    /// The value of the dimension.
    pub value: String,
    /// The figures.
    pub figures: FunnelFigures,
}

/// The funnel figures, row by row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SalesReport {
    /// The rows.
    pub rows: Vec<FunnelRow>,
}

impl SalesReport {
    /// The row for a dimension and value.
    pub fn row(&self, dimension: Dimension, value: &str) -> Option<&FunnelRow> {
        self.rows
            .iter()
            .find(|r| r.dimension == dimension && r.value == value)
    }

    /// The rows of one dimension.
    pub fn by(&self, dimension: Dimension) -> impl Iterator<Item = &FunnelRow> {
        self.rows.iter().filter(move |r| r.dimension == dimension)
    }
}

/// One survey sent, and its answer if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyOutcome {
    /// The network.
    pub channel: String,
    /// The language code.
    pub language: String,
    /// The agent who had the conversation, if any.
    pub agent: Option<String>,
    /// Seconds from the conversation opening to the first agent reply.
    pub first_response_secs: Option<u64>,
    /// Whether the first-response promise was kept (`None`: no promise).
    pub promise_kept: Option<bool>,
    /// The score, 1 to 5, when answered.
    pub score: Option<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct CsatCounts {
    surveys: u64,
    scores: [u64; 5],
}

/// CSAT per dimension: surveys sent, answers, and the share of 4–5 scores.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatTally {
    rows: BTreeMap<(Dimension, String), CsatCounts>,
}

impl CsatTally {
    /// An empty tally.
    pub fn new() -> Self {
        CsatTally::default()
    }

    /// Counts one survey in every row it belongs to (a score outside 1 to 5
    /// counts as unanswered).
    pub fn record(&mut self, outcome: &SurveyOutcome) {
        for (dimension, value) in keys(
            &outcome.channel,
            &outcome.language,
            outcome.agent.as_deref(),
            outcome.first_response_secs,
            outcome.promise_kept,
        ) {
            let counts = self.rows.entry((dimension, value.to_owned())).or_default();
            counts.surveys += 1;
            if let Some(slot) = outcome
                .score
                .and_then(|s| usize::from(s).checked_sub(1))
                .and_then(|i| counts.scores.get_mut(i))
            {
                *slot += 1;
            }
        }
    }

    /// Adds another tally's counts.
    pub fn merge(&mut self, other: &CsatTally) {
        for (key, theirs) in &other.rows {
            let counts = self.rows.entry(key.clone()).or_default();
            counts.surveys += theirs.surveys;
            for (mine, more) in counts.scores.iter_mut().zip(theirs.scores) {
                *mine += more;
            }
        }
    }

    /// The figures, one row per (dimension, value).
    pub fn report(&self) -> CsatReport {
        CsatReport {
            rows: self
                .rows
                .iter()
                .map(|((dimension, value), c)| {
                    let responses: u64 = c.scores.iter().sum();
                    let satisfied = c.scores[3] + c.scores[4];
                    let total: u64 = c.scores.iter().zip(1u64..).map(|(n, s)| n * s).sum();
                    CsatRow {
                        dimension: *dimension,
                        value: value.clone(),
                        figures: CsatFigures {
                            surveys: c.surveys,
                            responses,
                            satisfied,
                            scores: c.scores,
                            response_rate: share(responses, c.surveys),
                            csat: share(satisfied, responses),
                            mean_score: (responses > 0).then(|| total as f64 / responses as f64),
                        },
                    }
                })
                .collect(),
        }
    }
}

/// The CSAT figures of one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsatFigures {
    /// Surveys sent.
    pub surveys: u64,
    /// Surveys answered.
    pub responses: u64,
    /// Answers of 4 or 5.
    pub satisfied: u64,
    /// Answers per score, 1 to 5.
    pub scores: [u64; 5],
    /// Responses over surveys.
    pub response_rate: Option<f64>,
    /// CSAT: satisfied over responses.
    pub csat: Option<f64>,
    /// The mean score.
    pub mean_score: Option<f64>,
}

/// One row of a [`CsatReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsatRow {
    /// What it is cut by.
    pub dimension: Dimension,
    /// The value of the dimension.
    pub value: String,
    /// The figures.
    pub figures: CsatFigures,
}

/// CSAT figures, row by row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CsatReport {
    /// The rows.
    pub rows: Vec<CsatRow>,
}

impl CsatReport {
    /// The row for a dimension and value.
    pub fn row(&self, dimension: Dimension, value: &str) -> Option<&CsatRow> {
        self.rows
            .iter()
            .find(|r| r.dimension == dimension && r.value == value)
    }

    /// The rows of one dimension.
    pub fn by(&self, dimension: Dimension) -> impl Iterator<Item = &CsatRow> {
        self.rows.iter().filter(move |r| r.dimension == dimension)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_bands_cut_at_fifteen_minutes_one_hour_and_four_hours() {
        assert_eq!(wait_band(Some(899)), "0-15 min");
        assert_eq!(wait_band(Some(900)), "15-60 min");
        assert_eq!(wait_band(Some(3600)), "1-4 h");
        assert_eq!(wait_band(Some(4 * 3600)), "over 4 h");
        assert_eq!(wait_band(None), "no reply");
    }

    #[test]
    fn funnel_counts_conversion_once_per_opportunity_and_sums_revenue_per_currency() {
        let mut funnel = SalesFunnel::new();
        let mut won = OpportunityOutcome {
            channel: "x".into(),
            language: "nl".into(),
            agent: Some("Sam".into()),
            first_response_secs: Some(300),
            promise_kept: Some(true),
            offers: 2,
            bookings: 2,
            ..OpportunityOutcome::default()
        };
        won.revenue_minor.insert("EUR".into(), 45_000);
        funnel.record(&won);
        funnel.record(&OpportunityOutcome {
            channel: "whatsapp".into(),
            language: "nl".into(),
            offers: 1,
            first_response_secs: Some(5000),
            promise_kept: Some(false),
            ..OpportunityOutcome::default()
        });
        let report = funnel.report();
        let nl = &report.row(Dimension::Language, "nl").unwrap().figures;
        assert_eq!(
            (
                nl.opportunities,
                nl.offered,
                nl.offers,
                nl.conversions,
                nl.bookings
            ),
            (2, 2, 3, 1, 2)
        );
        assert_eq!(nl.conversion_rate, Some(0.5));
        assert_eq!(nl.revenue_minor["EUR"], 45_000);
        let late = &report.row(Dimension::Promise, "late").unwrap().figures;
        assert_eq!(late.conversion_rate, Some(0.0));
        assert_eq!(
            report
                .row(Dimension::Agent, "none")
                .unwrap()
                .figures
                .opportunities,
            1
        );
    }
}
