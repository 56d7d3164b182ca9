//! Sales and satisfaction vocabulary: what triage extracted from a purchase
//! question, the offer an agent makes, the booking that follows, and the
//! customer's score.

use super::{Identity, ModelError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether a place named in a purchase question is where the customer
/// leaves from or where they go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceRole {
    /// Where the trip starts ("from Amsterdam", "アムステルダムから").
    Origin,
    /// Where the trip goes ("to Tokyo", "naar Oslo", "東京まで").
    Destination,
}

/// An airport or city named in a message, as an IATA code, with its byte span.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlaceMention {
    /// The IATA code: an airport (`AMS`) or a metropolitan area (`LON`, `TYO`).
    pub code: String,
    /// Origin or destination.
    pub role: PlaceRole,
    /// Byte offset of the first byte (on a char boundary).
    pub start: usize,
    /// Byte offset one past the last byte (on a char boundary).
    pub end: usize,
}

/// A travel date named in a message, resolved to a calendar date, with its
/// byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateMention {
    /// The date (a date without a year is the next one on or after the day
    /// the message arrived).
    pub date: NaiveDate,
    /// Byte offset of the first byte (on a char boundary).
    pub start: usize,
    /// Byte offset one past the last byte (on a char boundary).
    pub end: usize,
}

/// How many people travel, as the customer said it, with its byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TravellerMention {
    /// The number of travellers (1 to 99).
    pub count: u8,
    /// Byte offset of the first byte (on a char boundary).
    pub start: usize,
    /// Byte offset one past the last byte (on a char boundary).
    pub end: usize,
}

/// What triage could extract from a message with purchase intent: places,
/// dates and the number of travellers, each with its span in the text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PurchaseDetails {
    /// Airports and cities, in text order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<PlaceMention>,
    /// Dates, in text order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DateMention>,
    /// The number of travellers, when said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travellers: Option<TravellerMention>,
}

impl PurchaseDetails {
    /// The first place with the origin role.
    pub fn origin(&self) -> Option<&str> {
        self.places
            .iter()
            .find(|p| p.role == PlaceRole::Origin)
            .map(|p| p.code.as_str())
    }

    /// The first place with the destination role.
    pub fn destination(&self) -> Option<&str> {
        self.places
            .iter()
            .find(|p| p.role == PlaceRole::Destination)
            .map(|p| p.code.as_str())
    }

    /// Whether nothing was extracted.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty() && self.dates.is_empty() && self.travellers.is_none()
    }
}

/// An ISO 4217 currency code: three upper-case ASCII letters (`EUR`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    /// A currency code, upper-cased.
    ///
    /// # Errors
    /// [`ModelError::InvalidCurrency`] unless the code is three ASCII letters.
    pub fn new(code: &str) -> Result<Currency, ModelError> {
        let code = code.trim();
        if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) {
            Ok(Currency(code.to_ascii_uppercase()))
        } else {
            Err(ModelError::InvalidCurrency(code.to_owned()))
        }
    }

    /// The euro.
    pub fn eur() -> Currency {
        Currency("EUR".to_owned())
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = ModelError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::new(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A structured offer an agent attaches to a reply: what it is called, what
/// it costs and until when it holds.
///
/// ```
/// use caredesk::model::{Currency, SalesOffer};
/// let offer = SalesOffer::new("Q-AMS-NRT-1", 124_900, Currency::eur(),
///     "2026-11-30T23:59:59Z".parse()?)?;
/// assert_eq!(offer.price_minor, 124_900); // EUR 1,249.00
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SalesOffer {
    /// The tenant's reference for the offer (a quote number); a booking made
    /// from it names it, which links the booking to the opportunity.
    pub reference: String,
    /// The price in minor units of the currency (cents), never negative.
    pub price_minor: i64,
    /// The currency.
    pub currency: Currency,
    /// Until when the offer holds.
    pub expires_at: DateTime<Utc>,
}

impl SalesOffer {
    /// An offer, checked.
    ///
    /// # Errors
    /// [`ModelError::BlankReference`] for a blank reference and
    /// [`ModelError::NegativeAmount`] for a negative price.
    pub fn new(
        reference: impl Into<String>,
        price_minor: i64,
        currency: Currency,
        expires_at: DateTime<Utc>,
    ) -> Result<SalesOffer, ModelError> {
        let offer = SalesOffer {
            reference: reference.into(),
            price_minor,
            currency,
            expires_at,
        };
        offer.validate()?;
        Ok(offer)
    }

    /// Checks the offer's own rules (see [`SalesOffer::new`]).
    ///
    /// # Errors
    /// As [`SalesOffer::new`].
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.reference.trim().is_empty() {
            return Err(ModelError::BlankReference);
        }
        if self.price_minor < 0 {
            return Err(ModelError::NegativeAmount(self.price_minor));
        }
        Ok(())
    }
}

/// A booking the airline's systems report: what was bought, for how much, by
/// whom, and (when it was made from an offer) which offer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Booking {
    /// The booking's record locator or order number.
    pub booking_code: String,
    /// The offer it was made from, when known (the strongest link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_reference: Option<String>,
    /// The customer identity that booked, when known (used to link a booking
    /// without an offer reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The amount paid, in minor units, never negative.
    pub amount_minor: i64,
    /// The currency.
    pub currency: Currency,
    /// When it was booked.
    pub booked_at: DateTime<Utc>,
}

impl Booking {
    /// Checks the booking's own rules.
    ///
    /// # Errors
    /// [`ModelError::BlankReference`] for a blank booking code or offer
    /// reference, [`ModelError::NegativeAmount`] for a negative amount.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.booking_code.trim().is_empty()
            || self
                .offer_reference
                .as_ref()
                .is_some_and(|r| r.trim().is_empty())
        {
            return Err(ModelError::BlankReference);
        }
        if self.amount_minor < 0 {
            return Err(ModelError::NegativeAmount(self.amount_minor));
        }
        Ok(())
    }
}

/// A customer's satisfaction score, 1 (very dissatisfied) to 5 (very
/// satisfied). CSAT counts 4 and 5 as satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct CsatScore(u8);

impl CsatScore {
    /// A score.
    ///
    /// # Errors
    /// [`ModelError::ScoreOutOfRange`] outside 1 to 5.
    pub fn new(score: u8) -> Result<CsatScore, ModelError> {
        if (1..=5).contains(&score) {
            Ok(CsatScore(score))
        } else {
            Err(ModelError::ScoreOutOfRange(score))
        }
    }

    /// The score, 1 to 5.
    pub fn get(self) -> u8 {
        self.0
    }

    /// Whether it counts as satisfied (4 or 5).
    pub fn is_satisfied(self) -> bool {
        self.0 >= 4
    }
}

impl TryFrom<u8> for CsatScore {
    type Error = ModelError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        CsatScore::new(value)
    }
}

impl From<CsatScore> for u8 {
    fn from(value: CsatScore) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_three_letters_upper_cased() {
        assert_eq!(Currency::new("eur").unwrap().as_str(), "EUR");
        assert!(Currency::new("EURO").is_err());
        assert!(Currency::new("E1R").is_err());
        let back: Result<Currency, _> = serde_json::from_str("\"US\"");
        assert!(back.is_err());
    }

    #[test]
    fn csat_scores_outside_one_to_five_are_refused() {
        assert!(CsatScore::new(0).is_err());
        assert!(CsatScore::new(6).is_err());
        assert!(CsatScore::new(4).unwrap().is_satisfied());
        assert!(!CsatScore::new(3).unwrap().is_satisfied());
        assert!(serde_json::from_str::<CsatScore>("9").is_err());
    }

    #[test]
    fn offers_need_a_reference_and_a_price_not_below_zero() {
        let at = "2026-11-30T00:00:00Z".parse().unwrap();
        assert_eq!(
            SalesOffer::new(" ", 100, Currency::eur(), at),
            Err(ModelError::BlankReference)
        );
        assert_eq!(
            SalesOffer::new("Q1", -1, Currency::eur(), at),
            Err(ModelError::NegativeAmount(-1))
        );
    }
}
