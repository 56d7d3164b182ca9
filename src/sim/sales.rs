//! Sales and satisfaction in the simulated week: which queries are purchase
//! questions, whether an offer converts, and what customers score.
//!
//! # The model
//!
//! All draws come from their own random stream (forked from the run's
//! seed), so adding them leaves the care figures of a run unchanged.
//!
//! - **Purchase questions.** Each generated query is a purchase question
//!   ([`PURCHASE_SHARE`], 8 %) with a text in its language asking for a
//!   price or a route (so triage, when it runs, finds the `purchase` intent
//!   and extracts the route). The engine opens an opportunity.
//! - **Offers.** The agent's first reply to a purchase question carries an
//!   offer: a fare drawn log-normally (median EUR 450, σ 0.6), valid three
//!   days.
//! - **Conversion.** The customer books with probability
//!   `0.05 + 0.40 · exp(−w / 120)`, `w` the minutes from the question to
//!   the first response: 45 % when answered at once, 20 % after two hours,
//!   5 % when the wait is long (they bought elsewhere). The booking is
//!   reported a log-normal time later (median 3 hours, σ 1) with the offer's
//!   reference and amount.
//! - **Surveys.** Every resolved query gets a survey (the engine requests
//!   it; the runtime's delivery is immediate). A customer answers with
//!   probability [`RESPONSE_RATE`] (30 %), a log-normal time later (median
//!   20 minutes, σ 1).
//! - **Satisfaction falls with wait.** The customer is satisfied (scores 4
//!   or 5; 5 with probability 0.6) with probability
//!   `0.05 + 0.90 · exp(−w / 180)`: 95 % when answered at once, about 71 %
//!   after an hour, 38 % after three hours; a customer never answered is
//!   satisfied with probability 0.05. Otherwise the score is 3, 2 or 1
//!   (0.4, 0.3, 0.3), and a score of 1 or 2 comes with a comment half of the
//!   time.

use super::rng::SimRng;
use crate::engine::{EventPayload, SalesLedger};
use crate::model::{AgentId, Currency, SalesOffer, SurveyId};
use crate::stats::{CsatReport, Dimension, SalesReport, WAIT_BANDS};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Share of generated queries that are purchase questions.
pub const PURCHASE_SHARE: f64 = 0.08;
/// Share of surveys the customer answers.
pub const RESPONSE_RATE: f64 = 0.30;

/// A purchase question per reference language (workload language order).
const PURCHASE_TEXTS: [(&str, &str); 14] = [
    (
        "en",
        "How much is a ticket from Amsterdam to Tokyo in December for 2 adults?",
    ),
    (
        "nl",
        "Wat kost een ticket van Amsterdam naar Oslo op 14 februari?",
    ),
    ("de", "Was kostet ein Flug nach Amsterdam am 3. März?"),
    (
        "fr",
        "Combien coûte un billet pour Amsterdam le 12 janvier ?",
    ),
    (
        "es",
        "¿Cuánto cuesta un billete a Amsterdam para 2 personas?",
    ),
    ("it", "Quanto costa un biglietto per Amsterdam il 5 aprile?"),
    ("pt", "Quanto custa uma passagem de Lisboa para Amsterdam?"),
    ("tr", "İstanbul'dan Amsterdam'a bilet fiyatı nedir?"),
    ("no", "Hva koster en billett til Amsterdam i morgen?"),
    ("ru", "Сколько стоит билет в Амстердам на 2 человека?"),
    ("zh", "从上海到阿姆斯特丹的机票多少钱？"),
    (
        "ja",
        "東京からアムステルダムまで12月20日に大人2名で予約したいです",
    ),
    (
        "ko",
        "서울에서 암스테르담 가는 항공편 있나요? 가격이 궁금해요",
    ),
    ("th", "อยากจองตั๋วจากกรุงเทพไปอัมสเตอร์ดัม ราคาเท่าไหร่"),
];

/// The purchase question for a language code (English when unknown).
pub(crate) fn purchase_text(language: &str) -> &'static str {
    PURCHASE_TEXTS
        .iter()
        .find(|(code, _)| *code == language)
        .map_or(PURCHASE_TEXTS[0].1, |(_, text)| text)
}

/// The probability that an offer converts after a first response of `minutes`.
pub fn conversion_probability(minutes: f64) -> f64 {
    0.05 + 0.40 * (-minutes.max(0.0) / 120.0).exp()
}

/// The probability that a customer is satisfied (4 or 5) after a first
/// response of `minutes` (`None`: never answered).
pub fn satisfaction_probability(minutes: Option<f64>) -> f64 {
    match minutes {
        Some(m) => 0.05 + 0.90 * (-m.max(0.0) / 180.0).exp(),
        None => 0.05,
    }
}

/// Sales and CSAT figures of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SalesSummary {
    /// The funnel, by channel, language, agent and first-response band.
    pub funnel: SalesReport,
    /// CSAT, by the same dimensions.
    pub csat: CsatReport,
    /// Surveys not sent, by reason.
    pub surveys_skipped: BTreeMap<String, u64>,
}

/// A booking waiting to be reported.
pub(crate) struct PendingBooking {
    pub(crate) reference: String,
    pub(crate) amount_minor: i64,
}

/// An answer waiting to be given.
pub(crate) struct PendingAnswer {
    pub(crate) survey: SurveyId,
    pub(crate) score: u8,
    pub(crate) comment: Option<&'static str>,
}

/// The simulation's sales side: its random stream, what is scheduled, and
/// the ledger of figures.
pub(crate) struct SalesSim {
    rng: SimRng,
    next: u64,
    pub(crate) bookings: BTreeMap<u64, PendingBooking>,
    pub(crate) answers: BTreeMap<u64, PendingAnswer>,
    ledger: SalesLedger,
}

impl SalesSim {
    pub(crate) fn new(rng: SimRng, promise_secs: u64, names: BTreeMap<AgentId, String>) -> Self {
        SalesSim {
            rng,
            next: 0,
            bookings: BTreeMap::new(),
            answers: BTreeMap::new(),
            ledger: SalesLedger::new()
                .with_promise_secs(promise_secs)
                .with_agent_names(names),
        }
    }

    /// Whether the next generated query is a purchase question.
    pub(crate) fn is_purchase(&mut self) -> bool {
        self.rng.chance(PURCHASE_SHARE)
    }

    /// The offer for a purchase question answered after `wait_minutes`, and,
    /// if it will convert, the delay and the key of the booking to report.
    pub(crate) fn offer(
        &mut self,
        now: DateTime<Utc>,
        wait_minutes: f64,
    ) -> (SalesOffer, Option<(i64, u64)>) {
        self.next += 1;
        let reference = format!("Q{}", self.next);
        let price = (self.rng.log_normal(450.0, 0.6) * 100.0).round() as i64;
        let offer = SalesOffer {
            reference: reference.clone(),
            price_minor: price.max(0),
            currency: Currency::eur(),
            expires_at: now + Duration::days(3),
        };
        let booking = self
            .rng
            .chance(conversion_probability(wait_minutes))
            .then(|| {
                let delay = (self.rng.log_normal(3.0 * 3600.0, 1.0) * 1000.0) as i64;
                self.bookings.insert(
                    self.next,
                    PendingBooking {
                        reference,
                        amount_minor: price.max(0),
                    },
                );
                (delay, self.next)
            });
        (offer, booking)
    }

    /// Whether and when (delay in ms, key) the customer answers a survey.
    pub(crate) fn answer(
        &mut self,
        survey: SurveyId,
        first_response_secs: Option<u64>,
    ) -> Option<(i64, u64)> {
        if !self.rng.chance(RESPONSE_RATE) {
            return None;
        }
        let minutes = first_response_secs.map(|s| s as f64 / 60.0);
        let score = if self.rng.chance(satisfaction_probability(minutes)) {
            if self.rng.chance(0.6) {
                5
            } else {
                4
            }
        } else {
            let u = self.rng.uniform();
            if u < 0.4 {
                3
            } else if u < 0.7 {
                2
            } else {
                1
            }
        };
        let comment = (score <= 2 && self.rng.chance(0.5)).then_some("It took far too long.");
        let delay = (self.rng.log_normal(20.0 * 60.0, 1.0) * 1000.0) as i64;
        self.next += 1;
        self.answers.insert(
            self.next,
            PendingAnswer {
                survey,
                score,
                comment,
            },
        );
        Some((delay, self.next))
    }

    /// Reads one event into the figures.
    pub(crate) fn observe(&mut self, at: DateTime<Utc>, payload: &EventPayload) {
        self.ledger.observe_payload(at, payload);
    }
}

/// Conversion and CSAT for one first-response band: what speed is worth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedRow {
    /// The band (`0-15 min`, ..., `within`, `late`, or `all`).
    pub band: String,
    /// Opportunities.
    pub opportunities: u64,
    /// Opportunities that booked.
    pub conversions: u64,
    /// Conversions over opportunities.
    pub conversion_rate: Option<f64>,
    /// Surveys sent.
    pub surveys: u64,
    /// Surveys answered.
    pub responses: u64,
    /// Share of answers scoring 4 or 5.
    pub csat: Option<f64>,
}

impl SalesSummary {
    /// Conversion and CSAT per first-response band, then per promise kept
    /// or late, then all together.
    pub fn by_response_time(&self) -> Vec<SpeedRow> {
        let mut bands: Vec<(Dimension, &str)> = WAIT_BANDS
            .iter()
            .map(|band| (Dimension::Wait, *band))
            .collect();
        bands.extend([
            (Dimension::Promise, "within"),
            (Dimension::Promise, "late"),
            (Dimension::All, "all"),
        ]);
        bands
            .into_iter()
            .map(|(dimension, band)| {
                let funnel = self.funnel.row(dimension, band).map(|r| &r.figures);
                let csat = self.csat.row(dimension, band).map(|r| &r.figures);
                SpeedRow {
                    band: band.to_owned(),
                    opportunities: funnel.map_or(0, |f| f.opportunities),
                    conversions: funnel.map_or(0, |f| f.conversions),
                    conversion_rate: funnel.and_then(|f| f.conversion_rate),
                    surveys: csat.map_or(0, |f| f.surveys),
                    responses: csat.map_or(0, |f| f.responses),
                    csat: csat.and_then(|f| f.csat),
                }
            })
            .collect()
    }

    /// Revenue by currency, in minor units.
    pub fn revenue_minor(&self) -> BTreeMap<String, i64> {
        self.funnel
            .row(Dimension::All, "all")
            .map(|r| r.figures.revenue_minor.clone())
            .unwrap_or_default()
    }

    pub(crate) fn from_sim(sim: &SalesSim) -> Self {
        let (funnel, csat) = sim.ledger.finish();
        SalesSummary {
            funnel: funnel.report(),
            csat: csat.report(),
            surveys_skipped: sim.ledger.skipped().clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfaction_and_conversion_fall_with_wait() {
        assert!((satisfaction_probability(Some(0.0)) - 0.95).abs() < 1e-9);
        assert!(satisfaction_probability(Some(60.0)) > satisfaction_probability(Some(180.0)));
        assert!((conversion_probability(0.0) - 0.45).abs() < 1e-9);
        assert!(conversion_probability(240.0) < 0.11);
    }

    #[test]
    fn every_language_has_a_purchase_text_that_triage_reads_as_purchase() {
        use crate::model::*;
        let mut triage = crate::triage::Triage::new(Default::default()).unwrap();
        for (code, text) in PURCHASE_TEXTS {
            let message = InboundMessage::new(
                ChannelRef::new(ChannelKind::X, "@KLM"),
                code,
                Identity::new(ChannelKind::X, "@c"),
                Visibility::Public,
                text,
                "2026-11-23T10:00:00Z".parse().unwrap(),
            );
            let verdict = triage.classify(&message, &Default::default());
            assert!(
                verdict.intents.contains(&Intent::purchase()),
                "{code}: {text}"
            );
        }
    }
}
