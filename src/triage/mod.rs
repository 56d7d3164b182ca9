//! Triage: from a raw inbound message to a [`Classification`] — language,
//! query or mention, intents, sentiment, personal data and near-duplicates.
//!
//! [`Triage`] is built once per tenant from [`TriageSettings`] and then fed
//! every inbound message in order with [`Triage::classify`]. It is
//! deterministic given the message, the settings and the [`TriageContext`]
//! (what the engine knows: the customer's language, the channel's default);
//! its only state is the near-duplicate window, which moves with the messages'
//! `received_at`, never with a clock.
//!
//! ```text
//!  InboundMessage ──► language (script, words, whatlang, hints)
//!                 ──► phrase pass (question / help / complaint / praise cues, intents)
//!                 ──► PII ──► sentiment ──► query or mention (weighted signals)
//!                 ──► near-duplicate window ──► Classification
//! ```
//!
//! # Query or mention
//!
//! A private message (a DM, or any WhatsApp, e-mail or web-chat message) is a
//! query. A public post is scored: each signal found adds its weight
//! ([`KindWeights`]) and the post is a query when the sum reaches the
//! threshold. The signals found are listed in [`Classification::reasons`] as
//! short stable strings:
//!
//! | reason | signal | default weight |
//! | --- | --- | --- |
//! | `private_message` | a DM or a private channel | decides alone |
//! | `question` | `?`, a question word or particle in the message's language | 1.0 |
//! | `help_request` | "help", "please", "hoe kan ik", "können Sie", "도와주세요", ... | 1.0 |
//! | `complaint` | "unacceptable", "schandalig", "最悪", ..., or sarcastic praise | 1.0 |
//! | `problem_report` | "not working", "werkt niet", "エラー", "on hold", ... | 1.0 |
//! | `negative_sentiment` | sentiment at or below -0.5 and no complaint phrase ("waardeloze service") | 0.7 |
//! | `care_topic` | an intent other than complaint and compliment (baggage, refund, ...) | 0.6 |
//! | `flight_reference` | a flight number such as `KL1234` or `KL 1234` | 0.5 |
//! | `booking_reference` | a booking code or ticket number (from the PII detector) | 0.6 |
//! | `addresses_brand` | a configured brand handle such as `@KLM` (with none configured, an `@handle` opening the post) | 0.4 |
//! | `mentions_brand` | a configured brand name such as `KLM` | 0.2 |
//! | `praise` | thanks and praise | -0.3 |
//! | `retweet` | starts with `RT @` | -2.0 |
//! | `media_share` | attachments and no request | 0 (reason only) |
//! | `praise_only` | a mention with praise and no request | (reason only) |
//! | `no_request` | a mention with no signal at all | (reason only) |
//!
//! The threshold is 1.0, so one request signal (a question, a plea for
//! help, a complaint, a report that something does not work) makes a query
//! on its own, while references need company: a flight
//! number and the brand handle together (0.9) are what a boarding or
//! landing post looks like ("Boarding KL1234 to Amsterdam with @KLM") and
//! stay a mention; with a care topic or a booking code they make a query.
//!
//! ```
//! use caredesk::model::{ChannelKind, ChannelRef, Identity, InboundMessage, Kind, Language, Visibility};
//! use caredesk::triage::{Triage, TriageContext, TriageSettings};
//! let settings = TriageSettings::default().with_brand_handle("@KLM");
//! let mut triage = Triage::new(settings)?;
//! let message = InboundMessage::new(
//!     ChannelRef::new(ChannelKind::X, "@KLM"),
//!     "1",
//!     Identity::new(ChannelKind::X, "@anna"),
//!     Visibility::Public,
//!     "@KLM Mijn koffer is niet aangekomen in Oslo, wat nu?",
//!     "2026-11-23T10:00:00Z".parse()?,
//! );
//! let verdict = triage.classify(&message, &TriageContext::default());
//! assert_eq!(verdict.language, Some(Language::DUTCH));
//! assert_eq!(verdict.kind, Kind::Query);
//! assert_eq!(verdict.intents[0].as_str(), "baggage");
//! assert!(verdict.reasons.contains(&"question".to_owned()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod closing;
mod duplicate;
mod intent;
pub mod jsonl;
mod purchase;
mod reach;
mod waiting;

pub use duplicate::{normalise, DuplicateSettings};
pub use intent::{IntentRule, Taxonomy};
pub use purchase::extract_purchase;
pub use reach::{reach_score, reach_signal, ReachBand};

use crate::model::{
    Classification, InboundMessage, Intent, Kind, Language, PiiFinding, PiiKind, Visibility,
};
use crate::text::language::{LanguageDetector, LanguageHints};
use crate::text::lexicon::{cues, Cue, PhraseMatcher};
use crate::text::pii::PiiDetector;
use crate::text::sentiment::{LexiconScorer, SentimentScorer};
use duplicate::DuplicateWindow;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Triage settings could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TriageError {
    /// The language allowlist is empty; list at least one language the desk
    /// answers in.
    #[error("the language allowlist is empty")]
    EmptyAllowlist,
    /// A taxonomy label is empty; name every label.
    #[error("an intent label is empty")]
    EmptyLabel,
    /// Two taxonomy rules have the same label; merge them (see
    /// [`Taxonomy::with_rule`]).
    #[error("intent label {0:?} appears twice")]
    DuplicateLabel(String),
    /// A phrase is empty once its markers are removed; remove it or give it
    /// text.
    #[error("intent {label:?} has an empty phrase {phrase:?}")]
    EmptyPhrase {
        /// The label of the rule.
        label: String,
        /// The phrase as given.
        phrase: String,
    },
    /// A brand handle or name is blank; remove it.
    #[error("a brand handle or name is blank")]
    BlankBrand,
    /// A weight, threshold or confidence is not a finite number (or a
    /// confidence is outside 0..=1); fix the named setting.
    #[error("setting {0} must be a finite number in range")]
    InvalidNumber(&'static str),
    /// The near-duplicate settings cannot work: `min_authors` below 2, or a
    /// zero window or capacity; fix the named setting.
    #[error("near-duplicate setting {0} is out of range")]
    InvalidDuplicateSettings(&'static str),
}

/// How far below the threshold a sum of weights may fall through rounding
/// and still reach it.
const SCORE_TOLERANCE: f32 = 1e-4;

/// The sentiment at or below which a post counts as negative for
/// [`KindWeights::negative_sentiment`].
pub const NEGATIVE_SENTIMENT: f32 = -0.5;

/// The least negative sentiment a sarcastic post is given: its praise words
/// read positive to a lexicon, its meaning is negative.
const SARCASM_SENTIMENT: f32 = 0.3;

/// The sentiment from which praise in a post that also asks something is
/// kept as a compliment (the praise carries the post, it is not a polite
/// "thanks" ahead of the question).
const PRAISE_BESIDE_A_QUESTION: f32 = 0.3;

/// The weights of the query signals and the threshold a public post must
/// reach to be a query (see the table in the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KindWeights {
    /// Score at or above which a public post is a query.
    pub threshold: f32,
    /// A question.
    pub question: f32,
    /// A request for help.
    pub help_request: f32,
    /// A complaint.
    pub complaint: f32,
    /// A report that something does not work or keeps the customer waiting
    /// ("not working", "werkt niet", "エラー", "on hold").
    pub problem_report: f32,
    /// A clearly negative sentiment (at or below
    /// [`NEGATIVE_SENTIMENT`]) in a post without a complaint phrase: an
    /// angry post is a complaint however it is worded.
    pub negative_sentiment: f32,
    /// A care topic: an intent other than complaint and compliment.
    pub care_topic: f32,
    /// A flight number.
    pub flight_reference: f32,
    /// A booking code or ticket number.
    pub booking_reference: f32,
    /// A brand handle (`@KLM`).
    pub addresses_brand: f32,
    /// A brand name (`KLM`).
    pub mentions_brand: f32,
    /// Praise or thanks (usually negative: chatter).
    pub praise: f32,
    /// A retweet (usually strongly negative).
    pub retweet: f32,
}

impl Default for KindWeights {
    fn default() -> Self {
        KindWeights {
            threshold: 1.0,
            question: 1.0,
            help_request: 1.0,
            complaint: 1.0,
            problem_report: 1.0,
            negative_sentiment: 0.7,
            care_topic: 0.6,
            flight_reference: 0.5,
            booking_reference: 0.6,
            addresses_brand: 0.4,
            mentions_brand: 0.2,
            praise: -0.3,
            retweet: -2.0,
        }
    }
}

impl KindWeights {
    fn validate(&self) -> Result<(), TriageError> {
        let named = [
            ("kind.threshold", self.threshold),
            ("kind.question", self.question),
            ("kind.help_request", self.help_request),
            ("kind.complaint", self.complaint),
            ("kind.problem_report", self.problem_report),
            ("kind.negative_sentiment", self.negative_sentiment),
            ("kind.care_topic", self.care_topic),
            ("kind.flight_reference", self.flight_reference),
            ("kind.booking_reference", self.booking_reference),
            ("kind.addresses_brand", self.addresses_brand),
            ("kind.mentions_brand", self.mentions_brand),
            ("kind.praise", self.praise),
            ("kind.retweet", self.retweet),
        ];
        for (name, value) in named {
            if !value.is_finite() {
                return Err(TriageError::InvalidNumber(name));
            }
        }
        Ok(())
    }
}

/// A tenant's triage settings (serde, so they live in the tenant's
/// configuration).
///
/// The default is the reference desk: the fourteen languages, no brand
/// handles, the airline taxonomy, the default weights, 3 authors in 10
/// minutes for near-duplicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TriageSettings {
    /// Languages the desk answers in; others come out unknown.
    pub languages: Vec<Language>,
    /// The brand's handles (`@KLM`, `@KLM_NL`); matched case-insensitively,
    /// the `@` is added when missing. With none, a post that opens with any
    /// `@handle` counts as addressing the brand (it is written to an
    /// account, and on the brand's inbound stream that is the brand).
    pub brand_handles: Vec<String>,
    /// The brand's names (`KLM`, `Royal Dutch Airlines`), matched as whole
    /// words, case-insensitively.
    pub brand_names: Vec<String>,
    /// The intent taxonomy.
    pub taxonomy: Taxonomy,
    /// Query-or-mention weights and threshold.
    pub kind: KindWeights,
    /// Near-duplicate detection.
    pub duplicates: DuplicateSettings,
    /// Language confidence below which the text's own answer is not trusted
    /// (the context is used, or unknown); 0..=1, default 0.25.
    pub min_language_confidence: f32,
}

impl Default for TriageSettings {
    fn default() -> Self {
        TriageSettings {
            languages: Language::REFERENCE_DESK.to_vec(),
            brand_handles: Vec::new(),
            brand_names: Vec::new(),
            taxonomy: Taxonomy::airline(),
            kind: KindWeights::default(),
            duplicates: DuplicateSettings::default(),
            min_language_confidence: 0.25,
        }
    }
}

impl TriageSettings {
    /// Adds a brand handle.
    #[must_use]
    pub fn with_brand_handle(mut self, handle: impl Into<String>) -> Self {
        self.brand_handles.push(handle.into());
        self
    }

    /// Adds a brand name.
    #[must_use]
    pub fn with_brand_name(mut self, name: impl Into<String>) -> Self {
        self.brand_names.push(name.into());
        self
    }

    /// Replaces the language allowlist.
    #[must_use]
    pub fn with_languages(mut self, languages: impl IntoIterator<Item = Language>) -> Self {
        self.languages = languages.into_iter().collect();
        self
    }
}

/// What the engine knows about a message beyond its text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageContext {
    /// The language the customer wrote in before, if known.
    #[serde(default)]
    pub customer_language: Option<Language>,
    /// The default language of the brand account the message arrived on.
    #[serde(default)]
    pub channel_default_language: Option<Language>,
}

/// What one phrase of the combined matcher stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    Intent(u16),
    Cue(Cue, Language),
}

/// The triage stage for one tenant: settings compiled into matchers, the
/// PII detector, a pluggable sentiment scorer and the near-duplicate window.
///
/// Build with [`Triage::new`], optionally swap the scorer with
/// [`Triage::with_sentiment_scorer`], then call [`Triage::classify`] for each
/// message in `received_at` order.
pub struct Triage {
    settings: TriageSettings,
    detector: LanguageDetector,
    matcher: PhraseMatcher<Signal>,
    labels: Vec<Intent>,
    compliment: Option<usize>,
    complaint: Option<usize>,
    disruption: Option<usize>,
    /// The index of the `purchase` label, if the taxonomy has one.
    purchase: Option<usize>,
    /// Labels that withhold `purchase` (refund, disruption, lost and found).
    care_only: Vec<usize>,
    handles: Vec<String>,
    names: PhraseMatcher<()>,
    pii: PiiDetector,
    scorer: Box<dyn SentimentScorer>,
    duplicates: DuplicateWindow,
}

impl fmt::Debug for Triage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Triage")
            .field("settings", &self.settings)
            .field("phrases", &self.matcher.len())
            .finish_non_exhaustive()
    }
}

impl Triage {
    /// Compiles the settings.
    ///
    /// # Errors
    /// A [`TriageError`] naming the first setting that cannot work: an empty
    /// allowlist, an empty or repeated label, an empty phrase, a blank brand,
    /// a non-finite weight, or near-duplicate settings out of range.
    pub fn new(settings: TriageSettings) -> Result<Triage, TriageError> {
        if settings.languages.is_empty() {
            return Err(TriageError::EmptyAllowlist);
        }
        settings.kind.validate()?;
        if !(0.0..=1.0).contains(&settings.min_language_confidence) {
            return Err(TriageError::InvalidNumber("min_language_confidence"));
        }
        let dup = &settings.duplicates;
        if dup.min_authors < 2 {
            return Err(TriageError::InvalidDuplicateSettings("min_authors"));
        }
        if dup.window_seconds == 0 {
            return Err(TriageError::InvalidDuplicateSettings("window_seconds"));
        }
        if dup.max_tracked == 0 {
            return Err(TriageError::InvalidDuplicateSettings("max_tracked"));
        }
        let mut matcher = PhraseMatcher::new();
        let mut labels: Vec<Intent> = Vec::new();
        for (index, rule) in settings.taxonomy.rules.iter().enumerate() {
            if rule.label.as_str().trim().is_empty() {
                return Err(TriageError::EmptyLabel);
            }
            if labels.contains(&rule.label) {
                return Err(TriageError::DuplicateLabel(rule.label.to_string()));
            }
            labels.push(rule.label.clone());
            let id = u16::try_from(index).unwrap_or(u16::MAX);
            for phrase in rule.keywords.values().flatten() {
                matcher
                    .add(phrase, Signal::Intent(id))
                    .map_err(|_| TriageError::EmptyPhrase {
                        label: rule.label.to_string(),
                        phrase: phrase.clone(),
                    })?;
            }
        }
        for language in Language::REFERENCE_DESK {
            for cue in Cue::ALL {
                for phrase in cues(cue, language) {
                    // The library's own lists: every phrase is non-empty (tested in lexicon).
                    let _ = matcher.add(phrase, Signal::Cue(cue, language));
                }
            }
        }
        let mut handles = Vec::new();
        for handle in &settings.brand_handles {
            let handle = handle.trim().to_lowercase();
            let handle = handle.trim_start_matches('@');
            if handle.is_empty() {
                return Err(TriageError::BlankBrand);
            }
            handles.push(format!("@{handle}"));
        }
        let mut names = PhraseMatcher::new();
        for name in &settings.brand_names {
            names
                .add(&format!("<{}>", name.trim()), ())
                .map_err(|_| TriageError::BlankBrand)?;
        }
        let compliment = labels.iter().position(|l| *l == Intent::compliment());
        let complaint = labels.iter().position(|l| *l == Intent::complaint());
        let disruption = labels.iter().position(|l| *l == Intent::disruption());
        let purchase = labels.iter().position(|l| *l == Intent::purchase());
        let care_only = labels
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                **l == Intent::refund()
                    || **l == Intent::disruption()
                    || **l == Intent::lost_and_found()
            })
            .map(|(i, _)| i)
            .collect();
        Ok(Triage {
            purchase,
            care_only,
            detector: LanguageDetector::new(settings.languages.iter().copied())
                .with_min_confidence(settings.min_language_confidence),
            duplicates: DuplicateWindow::new(settings.duplicates),
            settings,
            matcher,
            labels,
            compliment,
            complaint,
            disruption,
            handles,
            names,
            pii: PiiDetector::default(),
            scorer: Box::new(LexiconScorer::default()),
        })
    }

    /// Replaces the sentiment scorer (the default is
    /// [`LexiconScorer`]).
    #[must_use]
    pub fn with_sentiment_scorer(mut self, scorer: Box<dyn SentimentScorer>) -> Self {
        self.scorer = scorer;
        self
    }

    /// The settings this triage was built from.
    pub fn settings(&self) -> &TriageSettings {
        &self.settings
    }

    /// Classifies one message and records it in the near-duplicate window.
    /// Feed messages in `received_at` order.
    pub fn classify(
        &mut self,
        message: &InboundMessage,
        context: &TriageContext,
    ) -> Classification {
        let text = message.text.as_str();
        let hints = LanguageHints {
            customer: context.customer_language,
            message: message.language_hint,
            channel_default: context.channel_default_language,
        };
        let guess = self.detector.detect_with_hints(text, &hints);
        let lowered = text.to_lowercase();

        let mut intent_hits = vec![false; self.labels.len()];
        let mut cue_hits = [false; 5];
        let mut past_payment = false;
        self.matcher
            .for_each_match(&lowered, |signal| match signal {
                Signal::Intent(id) => {
                    if let Some(hit) = intent_hits.get_mut(usize::from(*id)) {
                        *hit = true;
                    }
                }
                // Any language: talk of money already paid is never a sale.
                Signal::Cue(Cue::PastPayment, _) => past_payment = true,
                Signal::Cue(cue, language) => {
                    if guess.language.is_none_or(|l| l == *language) {
                        let slot = match cue {
                            Cue::Question => 0,
                            Cue::HelpRequest => 1,
                            Cue::Complaint => 2,
                            Cue::Problem => 3,
                            _ => 4,
                        };
                        if let Some(hit) = cue_hits.get_mut(slot) {
                            *hit = true;
                        }
                    }
                }
            });
        let [mut question, help, complaint, problem, mut praise] = cue_hits;
        // Latin, full-width (Chinese, Japanese) and Arabic question marks.
        question |= text.contains(['?', '？', '؟']);

        let pii = self.pii.detect(text);
        let sentiment = self.scorer.score(text, guess.language);
        // Below the neutral band: praise in such a post is sarcasm ("lost my
        // bag again, great"), not thanks, and no compliment.
        let reads_negative = sentiment <= -crate::text::sentiment::NEUTRAL_BAND;
        let topic = self.labels.iter().zip(&intent_hits).any(|(label, hit)| {
            *hit && *label != Intent::complaint() && *label != Intent::compliment()
        });
        let asks = question || help;
        // Thanks only in the closing words of a request ("… I would like my
        // money back, booking PZ4K8N. Obrigada", "… merci d'avance") is
        // politeness, not praise.
        let polite_closing = praise
            && asks
            && closing::split_closing(&lowered).is_some_and(|(body, closing)| {
                closing::thanks(closing) && !self.praises(body, guess.language)
            });
        praise &= !polite_closing;
        // Praise around a problem, in a negative post, or beside a delay
        // counted in hours with nothing asked is sarcasm ("on hold for an
        // hour, bravo 👏", "bag lost again, great", "4 hours late and not
        // even water. Great 👏"): a complaint, and no praise.
        let delayed = label_found(&intent_hits, self.disruption);
        let sarcastic = praise
            && (problem
                || reads_negative
                || lowered.contains(['🙃', '🙄'])
                || (delayed && !asks && waiting::counts_a_wait(&lowered)));
        if sarcastic {
            set_label(&mut intent_hits, self.complaint, true);
        }
        let signals = Signals {
            topic,
            question,
            help,
            complaint: complaint || sarcastic,
            problem,
            negative: sentiment <= NEGATIVE_SENTIMENT,
            praise: praise && !reads_negative && !sarcastic,
            flight: has_flight_number(text),
            booking: pii
                .iter()
                .any(|f| matches!(f.kind, PiiKind::BookingCode | PiiKind::TicketNumber)),
            handle: self.addresses_brand(&lowered),
            name: {
                let mut found = false;
                self.names.for_each_match(&lowered, |()| found = true);
                found
            },
            retweet: is_retweet(text),
            media: !message.attachments.is_empty(),
        };
        let (kind, reasons) = self.decide(message, &signals);

        let complained = label_found(&intent_hits, self.complaint);
        // Praise that stands on its own beside a question ("amazing crew last
        // week! how do I add a bag?") is still a compliment; a bare "thanks"
        // before a question is politeness.
        if signals.complaint
            || complained
            || polite_closing
            || signals.problem
            || reads_negative
            || (asks && sentiment < PRAISE_BESIDE_A_QUESTION)
        {
            set_label(&mut intent_hits, self.compliment, false);
        }
        let mut purchase = None;
        if let Some(index) = self.purchase {
            let care = self
                .care_only
                .iter()
                .any(|index| label_found(&intent_hits, Some(*index)));
            if let Some(hit) = intent_hits.get_mut(index) {
                if *hit
                    && (signals.complaint
                        || signals.problem
                        || signals.negative
                        || past_payment
                        || care)
                {
                    *hit = false;
                }
                if *hit {
                    purchase = Some(Box::new(extract_purchase(text, message.received_at)));
                }
            }
        }
        let intents = self
            .labels
            .iter()
            .zip(&intent_hits)
            .filter(|(_, hit)| **hit)
            .map(|(label, _)| label.clone())
            .collect();

        let near_duplicate =
            self.duplicates
                .observe(message.received_at, text, &message.author.to_string());
        let mut classification = Classification {
            language: guess.language,
            language_confidence: if guess.language.is_some() {
                guess.confidence
            } else {
                0.0
            },
            kind,
            intents,
            sentiment: 0.0,
            pii: sorted(pii),
            near_duplicate,
            reasons,
            purchase,
        }
        // Sarcastic praise reads the other way round.
        .with_sentiment(if sarcastic {
            -sentiment.abs().max(SARCASM_SENTIMENT)
        } else {
            sentiment
        });
        if near_duplicate {
            classification.reasons.push("near_duplicate".to_owned());
        }
        classification
    }

    /// Whether `lowered` holds praise in `language` (in any language when
    /// the language is unknown).
    fn praises(&self, lowered: &str, language: Option<Language>) -> bool {
        let mut found = false;
        self.matcher.for_each_match(lowered, |signal| {
            if let Signal::Cue(Cue::Praise, cue_language) = signal {
                found |= language.is_none_or(|l| l == *cue_language);
            }
        });
        found
    }

    fn addresses_brand(&self, lowered: &str) -> bool {
        if self.handles.is_empty() {
            return opens_with_handle(lowered);
        }
        self.handles.iter().any(|handle| {
            lowered.match_indices(handle.as_str()).any(|(at, _)| {
                let after = lowered
                    .get(at + handle.len()..)
                    .and_then(|s| s.chars().next());
                !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
    }

    fn decide(&self, message: &InboundMessage, s: &Signals) -> (Kind, Vec<String>) {
        let w = &self.settings.kind;
        let mut reasons: Vec<String> = Vec::new();
        let private = message.visibility == Visibility::Private
            || message.channel.kind.is_private_by_nature();
        if private {
            reasons.push("private_message".to_owned());
        }
        let mut score = 0.0;
        let mut add = |on: bool, weight: f32, reason: &str| {
            if on {
                score += weight;
                reasons.push(reason.to_owned());
            }
        };
        add(s.question, w.question, "question");
        add(s.help, w.help_request, "help_request");
        add(s.complaint, w.complaint, "complaint");
        add(s.problem, w.problem_report, "problem_report");
        add(
            s.negative && !s.complaint,
            w.negative_sentiment,
            "negative_sentiment",
        );
        add(s.topic, w.care_topic, "care_topic");
        add(s.flight, w.flight_reference, "flight_reference");
        add(s.booking, w.booking_reference, "booking_reference");
        add(s.handle, w.addresses_brand, "addresses_brand");
        add(s.name && !s.handle, w.mentions_brand, "mentions_brand");
        add(s.praise, w.praise, "praise");
        add(s.retweet, w.retweet, "retweet");
        let requested = s.question || s.help || s.complaint || s.problem || s.negative;
        if private {
            return (Kind::Query, reasons);
        }
        // Weights are decimals held in binary: 0.7 + 0.6 - 0.3 sums to just
        // under 1.0, and must reach a threshold of 1.0.
        if score + SCORE_TOLERANCE >= w.threshold {
            return (Kind::Query, reasons);
        }
        if s.media && !requested {
            reasons.push("media_share".to_owned());
        }
        if s.praise && !requested {
            reasons.push("praise_only".to_owned());
        } else if reasons.is_empty() {
            reasons.push("no_request".to_owned());
        }
        (Kind::Mention, reasons)
    }
}

struct Signals {
    topic: bool,
    question: bool,
    help: bool,
    complaint: bool,
    problem: bool,
    negative: bool,
    praise: bool,
    flight: bool,
    booking: bool,
    handle: bool,
    name: bool,
    retweet: bool,
    media: bool,
}

fn sorted(mut findings: Vec<PiiFinding>) -> Vec<PiiFinding> {
    findings.sort_by_key(|f| (f.start, f.end));
    findings
}

/// Whether the taxonomy has the label at `index` and the post carries it.
fn label_found(hits: &[bool], index: Option<usize>) -> bool {
    index.is_some_and(|index| hits.get(index).copied().unwrap_or(false))
}

/// Sets whether the post carries the label at `index`, when the taxonomy
/// has it.
fn set_label(hits: &mut [bool], index: Option<usize>, found: bool) {
    if let Some(hit) = index.and_then(|index| hits.get_mut(index)) {
        *hit = found;
    }
}

/// Whether the post opens with an `@handle` (after leading spaces): it is
/// written to an account, which on a brand's inbound stream is the brand.
/// Stands in for the brand's handles when none are configured.
fn opens_with_handle(text: &str) -> bool {
    let mut chars = text.trim_start().chars();
    chars.next() == Some('@')
        && chars
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Whether the text is a retweet (`RT @user...`, also after leading spaces).
fn is_retweet(text: &str) -> bool {
    let trimmed = text.trim_start();
    trimmed.starts_with("RT @") || trimmed.starts_with("rt @") || trimmed.starts_with("RT:")
}

/// Whether the text carries a flight number: an airline designator (two
/// letters, or a letter and a digit) followed by 2 to 4 digits, attached or
/// after one space, standing as its own token (`KL1234`, `KL 1234`,
/// `U2 123`, `KL862便`). A lower-case designator counts only when attached
/// to 3 or 4 digits (`kl1234`), so "to 2024" is not a flight.
pub fn has_flight_number(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i + 2 < chars.len() {
        let start_ok = i == 0 || chars.get(i - 1).is_none_or(|c| !c.is_alphanumeric());
        let (Some(&a), Some(&b)) = (chars.get(i), chars.get(i + 1)) else {
            break;
        };
        let upper = |c: char| c.is_ascii_uppercase();
        let lower = |c: char| c.is_ascii_lowercase();
        let designator_upper =
            (upper(a) && (upper(b) || b.is_ascii_digit())) || (a.is_ascii_digit() && upper(b));
        let designator_lower = lower(a) && lower(b);
        if start_ok && (designator_upper || designator_lower) {
            let mut j = i + 2;
            let spaced = chars.get(j) == Some(&' ');
            if spaced {
                j += 1;
            }
            let digits_start = j;
            while chars.get(j).is_some_and(char::is_ascii_digit) {
                j += 1;
            }
            let digits = j - digits_start;
            let end_ok = chars.get(j).is_none_or(|c| !c.is_ascii_alphanumeric());
            let ok = if designator_upper {
                (2..=4).contains(&digits)
            } else {
                !spaced && (3..=4).contains(&digits)
            };
            if ok && end_ok {
                return true;
            }
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flight_numbers_are_recognised_in_their_common_forms() {
        for text in [
            "KL1234 is late",
            "flight KL 1234",
            "U2 123 cancelled",
            "KL862便が遅延",
            "kl1234?",
        ] {
            assert!(has_flight_number(text), "{text}");
        }
        for text in [
            "back to 2024",
            "my MP3 player",
            "KLM1234x",
            "in 2 hours",
            "A 1",
        ] {
            assert!(!has_flight_number(text), "{text}");
        }
    }

    #[test]
    fn retweets_are_recognised() {
        assert!(is_retweet("RT @KLM: new route to Oslo"));
        assert!(!is_retweet("Please RT @KLM"));
    }

    #[test]
    fn settings_that_cannot_work_are_rejected() {
        let empty = TriageSettings::default().with_languages([]);
        assert_eq!(Triage::new(empty).unwrap_err(), TriageError::EmptyAllowlist);
        let mut lonely = TriageSettings::default();
        lonely.duplicates.min_authors = 1;
        assert_eq!(
            Triage::new(lonely).unwrap_err(),
            TriageError::InvalidDuplicateSettings("min_authors")
        );
        let mut nan = TriageSettings::default();
        nan.kind.question = f32::NAN;
        assert_eq!(
            Triage::new(nan).unwrap_err(),
            TriageError::InvalidNumber("kind.question")
        );
        let twice = TriageSettings {
            taxonomy: Taxonomy::empty().with_rule(
                IntentRule::new(Intent::new("pets")).with_keywords(Language::ENGLISH, ["dog"]),
            ),
            ..TriageSettings::default()
        };
        let mut twice = twice;
        twice
            .taxonomy
            .rules
            .push(IntentRule::new(Intent::new("pets")));
        assert_eq!(
            Triage::new(twice).unwrap_err(),
            TriageError::DuplicateLabel("pets".to_owned())
        );
        let blank = TriageSettings::default().with_brand_handle("@");
        assert_eq!(Triage::new(blank).unwrap_err(), TriageError::BlankBrand);
        let empty_phrase = TriageSettings {
            taxonomy: Taxonomy::empty().with_rule(
                IntentRule::new(Intent::new("pets")).with_keywords(Language::ENGLISH, ["<>"]),
            ),
            ..TriageSettings::default()
        };
        assert!(matches!(
            Triage::new(empty_phrase).unwrap_err(),
            TriageError::EmptyPhrase { .. }
        ));
    }

    #[test]
    fn settings_round_trip_through_json() {
        let settings = TriageSettings::default().with_brand_handle("@KLM");
        let json = serde_json::to_string(&settings).unwrap();
        let back: TriageSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, settings);
        let partial: TriageSettings =
            serde_json::from_str(r#"{"brand_handles":["@KLM"]}"#).unwrap();
        assert_eq!(partial.languages.len(), 14);
    }
}
