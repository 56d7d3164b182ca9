//! What triage decided about one inbound message.

use super::{Language, PurchaseDetails, SmolStr};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether a conversation needs an answer.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A question or request: it needs an answer, is routed and has SLA clocks.
    Query,
    /// Chatter about the brand: listened to, not routed; an agent may promote it.
    Mention,
}

/// A label from the tenant's intent taxonomy (`"baggage"`, `"refund"`, ...).
///
/// The taxonomy is open: the airline defaults have constants here, and users
/// add their own labels with [`Intent::new`].
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Intent(pub SmolStr);

impl Intent {
    /// A label of the user's own taxonomy.
    pub fn new(label: impl Into<SmolStr>) -> Self {
        Intent(label.into())
    }

    /// The label.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Lost, delayed or damaged baggage.
    pub fn baggage() -> Self {
        Intent::new("baggage")
    }
    /// Money back.
    pub fn refund() -> Self {
        Intent::new("refund")
    }
    /// Rebooking or cancellation.
    pub fn rebooking() -> Self {
        Intent::new("rebooking")
    }
    /// Flight delays, cancellations and other disruption.
    pub fn disruption() -> Self {
        Intent::new("disruption")
    }
    /// Check-in and boarding passes.
    pub fn check_in() -> Self {
        Intent::new("check_in")
    }
    /// Changing a booking (name, date, seat, extras).
    pub fn booking_change() -> Self {
        Intent::new("booking_change")
    }
    /// A complaint.
    pub fn complaint() -> Self {
        Intent::new("complaint")
    }
    /// Praise.
    pub fn compliment() -> Self {
        Intent::new("compliment")
    }
    /// Items left on board or at the airport.
    pub fn lost_and_found() -> Self {
        Intent::new("lost_and_found")
    }
    /// The loyalty programme (miles, status).
    pub fn loyalty() -> Self {
        Intent::new("loyalty")
    }
    /// Purchase intent: a price, a booking, an upgrade or extra baggage, a
    /// route or dates asked about. It makes the conversation a sales
    /// opportunity.
    pub fn purchase() -> Self {
        Intent::new("purchase")
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of personal data found in a text.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    /// A six-character airline record locator (PNR).
    BookingCode,
    /// A 13-digit airline ticket number.
    TicketNumber,
    /// An e-mail address.
    Email,
    /// A telephone number.
    Phone,
    /// A payment card number (Luhn-checked).
    PaymentCard,
    /// A passport-like document number.
    Passport,
}

/// One piece of personal data in a text: its kind and its byte span.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PiiFinding {
    /// What was found.
    pub kind: PiiKind,
    /// Byte offset of the first byte (on a char boundary).
    pub start: usize,
    /// Byte offset one past the last byte (on a char boundary).
    pub end: usize,
}

/// Triage's verdict on one inbound message. It is recorded in the event that
/// accepts the message, so replay never re-runs triage.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The language, or `None` when triage could not tell.
    pub language: Option<Language>,
    /// Confidence in the language, 0.0 to 1.0 (0.0 when unknown).
    pub language_confidence: f32,
    /// Query (needs an answer) or mention (listen only).
    pub kind: Kind,
    /// Intent labels, possibly several.
    pub intents: Vec<Intent>,
    /// Sentiment in [-1, 1]; between -0.05 and 0.05 reads as neutral.
    pub sentiment: f32,
    /// Personal data found in the text.
    pub pii: Vec<PiiFinding>,
    /// Whether the same text arrived from many accounts in a short window
    /// (a campaign or a spam burst): flagged, never dropped.
    pub near_duplicate: bool,
    /// Why the kind was chosen, for agents and audits (e.g. `"question mark"`).
    pub reasons: Vec<String>,
    /// With purchase intent: the places, dates and travellers triage could
    /// extract (absent in events written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase: Option<Box<PurchaseDetails>>,
}

impl Classification {
    /// A plain classification: the given kind and language, nothing else known.
    pub fn new(kind: Kind, language: Option<Language>) -> Self {
        Classification {
            language,
            language_confidence: if language.is_some() { 1.0 } else { 0.0 },
            kind,
            intents: Vec::new(),
            sentiment: 0.0,
            pii: Vec::new(),
            near_duplicate: false,
            reasons: Vec::new(),
            purchase: None,
        }
    }

    /// A query in the given language.
    pub fn query(language: Option<Language>) -> Self {
        Classification::new(Kind::Query, language)
    }

    /// A mention in the given language.
    pub fn mention(language: Option<Language>) -> Self {
        Classification::new(Kind::Mention, language)
    }

    /// Adds an intent label.
    #[must_use]
    pub fn with_intent(mut self, intent: Intent) -> Self {
        self.intents.push(intent);
        self
    }

    /// Sets the sentiment score (clamped to [-1, 1]; NaN reads as neutral).
    #[must_use]
    pub fn with_sentiment(mut self, sentiment: f32) -> Self {
        self.sentiment = if sentiment.is_nan() {
            0.0
        } else {
            sentiment.clamp(-1.0, 1.0)
        };
        self
    }

    /// Adds purchase details (see [`Intent::purchase`]).
    #[must_use]
    pub fn with_purchase(mut self, details: PurchaseDetails) -> Self {
        self.purchase = Some(Box::new(details));
        self
    }

    /// Whether personal data was found.
    pub fn has_pii(&self) -> bool {
        !self.pii.is_empty()
    }
}
