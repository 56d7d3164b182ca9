//! The customer directory: who a customer is to the brand (name, tier,
//! preferred language) and their recent bookings, looked up by identity.
//!
//! [`CustomerDirectory`] is an async trait at the edge (a CRM, a booking
//! system); [`MemoryDirectory`] is the in-memory implementation for tests and
//! examples. The runtime looks a customer up when a conversation opens and
//! records the [`CustomerProfile`] it attached in an event, so replay never
//! asks the directory again. Policies read the profile as plain data: the
//! tier, or [`CustomerProfile::departs_within`] for a flight leaving soon.
//!
//! ```
//! use caredesk::directory::*;
//! use caredesk::model::{ChannelKind, Identity, Tier};
//! use chrono::Duration;
//! let anna = Identity::new(ChannelKind::X, "@anna");
//! let departure = "2026-11-23T14:00:00Z".parse()?;
//! let profile = CustomerProfile::new()
//!     .with_name("Anna de Boer")
//!     .with_tier(Tier::Gold)
//!     .with_booking(Booking::new("X7KQ2P")
//!         .with_flight(Flight::new("KL1234", "AMS", "OSL", departure)));
//! let directory = MemoryDirectory::new();
//! directory.insert(anna.clone(), profile);
//!
//! let found = futures::executor::block_on(directory.profile(&anna))?.ok_or("not found")?;
//! let now = "2026-11-23T11:00:00Z".parse()?;
//! assert!(found.departs_within(now, Duration::hours(6)));
//! assert!(!found.departs_within(now, Duration::hours(2)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::model::{Identity, Language, Tier};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::RwLock;

/// A directory lookup failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// The directory could not be reached or answered with an error that may
    /// pass; open the conversation without a profile and try again later.
    #[error("directory unavailable: {0}")]
    Unavailable(String),
    /// The directory refused the lookup (credentials, permissions); it will
    /// not pass by retrying.
    #[error("directory refused the lookup: {0}")]
    Forbidden(String),
}

/// One flight of a booking.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Flight {
    /// The flight number, e.g. `KL1234`.
    pub number: String,
    /// The origin airport (IATA code).
    pub origin: String,
    /// The destination airport (IATA code).
    pub destination: String,
    /// Scheduled departure.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::time))]
    pub departure: DateTime<Utc>,
}

impl Flight {
    /// A flight.
    pub fn new(
        number: impl Into<String>,
        origin: impl Into<String>,
        destination: impl Into<String>,
        departure: DateTime<Utc>,
    ) -> Self {
        Flight {
            number: number.into(),
            origin: origin.into(),
            destination: destination.into(),
            departure,
        }
    }
}

/// A booking: its record locator and flights.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Booking {
    /// The record locator (PNR), e.g. `X7KQ2P`.
    pub record_locator: String,
    /// Its flights, in travel order.
    #[serde(default)]
    pub flights: Vec<Flight>,
}

impl Booking {
    /// A booking without flights yet.
    pub fn new(record_locator: impl Into<String>) -> Self {
        Booking {
            record_locator: record_locator.into(),
            flights: Vec::new(),
        }
    }

    /// Adds a flight.
    #[must_use]
    pub fn with_flight(mut self, flight: Flight) -> Self {
        self.flights.push(flight);
        self
    }
}

/// What the brand knows about a customer: name, tier, preferred language and
/// recent bookings.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerProfile {
    /// The name to address them by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Loyalty tier.
    pub tier: Tier,
    /// The language they prefer to be answered in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<Language>,
    /// Recent and upcoming bookings.
    pub bookings: Vec<Booking>,
}

impl CustomerProfile {
    /// An empty profile (standard tier).
    pub fn new() -> Self {
        CustomerProfile::default()
    }

    /// Sets the name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the tier.
    #[must_use]
    pub fn with_tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }

    /// Sets the preferred language.
    #[must_use]
    pub fn with_language(mut self, language: Language) -> Self {
        self.preferred_language = Some(language);
        self
    }

    /// Adds a booking.
    #[must_use]
    pub fn with_booking(mut self, booking: Booking) -> Self {
        self.bookings.push(booking);
        self
    }

    /// The earliest flight departing at or after `now`, with its booking
    /// (ties broken by flight number, then record locator).
    pub fn next_departure(&self, now: DateTime<Utc>) -> Option<(&Booking, &Flight)> {
        self.bookings
            .iter()
            .flat_map(|booking| booking.flights.iter().map(move |flight| (booking, flight)))
            .filter(|(_, flight)| flight.departure >= now)
            .min_by(|(a_booking, a), (b_booking, b)| {
                (a.departure, &a.number, &a_booking.record_locator).cmp(&(
                    b.departure,
                    &b.number,
                    &b_booking.record_locator,
                ))
            })
    }

    /// Whether a flight departs between `now` and `now + within` (inclusive).
    /// A negative duration is never within.
    pub fn departs_within(&self, now: DateTime<Utc>, within: Duration) -> bool {
        let Some(until) = now.checked_add_signed(within) else {
            return false;
        };
        self.next_departure(now)
            .is_some_and(|(_, flight)| flight.departure <= until)
    }
}

/// Looks customers up by identity in the brand's systems.
///
/// Object safe (`Box<dyn CustomerDirectory>` works); implementations must be
/// `Send + Sync` and may do IO.
#[async_trait]
pub trait CustomerDirectory: Send + Sync {
    /// The profile of the customer behind `identity`, or `None` when the
    /// brand does not know them.
    ///
    /// # Errors
    /// [`DirectoryError`] when the directory could not answer.
    async fn profile(&self, identity: &Identity)
        -> Result<Option<CustomerProfile>, DirectoryError>;

    /// The recent bookings of the customer behind `identity` (empty when
    /// unknown). The default takes them from [`CustomerDirectory::profile`].
    ///
    /// # Errors
    /// [`DirectoryError`] when the directory could not answer.
    async fn recent_bookings(&self, identity: &Identity) -> Result<Vec<Booking>, DirectoryError> {
        Ok(self
            .profile(identity)
            .await?
            .map(|profile| profile.bookings)
            .unwrap_or_default())
    }
}

fn _assert_directory_object_safe(_: &dyn CustomerDirectory) {}

/// An in-memory directory, for tests and examples: profiles keyed by
/// identity, several identities may share one profile by being inserted
/// with it.
#[derive(Debug, Default)]
pub struct MemoryDirectory {
    profiles: RwLock<BTreeMap<Identity, CustomerProfile>>,
    failure: RwLock<Option<DirectoryError>>,
}

impl MemoryDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        MemoryDirectory::default()
    }

    /// Adds or replaces the profile behind `identity`.
    pub fn insert(&self, identity: Identity, profile: CustomerProfile) {
        if let Ok(mut profiles) = self.profiles.write() {
            profiles.insert(identity, profile);
        }
    }

    /// Makes every lookup fail with `error` (or succeed again with `None`),
    /// to test how callers cope with a directory that is down.
    pub fn fail_with(&self, error: Option<DirectoryError>) {
        if let Ok(mut failure) = self.failure.write() {
            *failure = error;
        }
    }

    /// The number of identities known.
    pub fn len(&self) -> usize {
        self.profiles.read().map_or(0, |profiles| profiles.len())
    }

    /// Whether no identity is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl CustomerDirectory for MemoryDirectory {
    async fn profile(
        &self,
        identity: &Identity,
    ) -> Result<Option<CustomerProfile>, DirectoryError> {
        if let Some(error) = self.failure.read().ok().and_then(|f| f.clone()) {
            return Err(error);
        }
        let profiles = self
            .profiles
            .read()
            .map_err(|_| DirectoryError::Unavailable("directory lock poisoned".into()))?;
        Ok(profiles.get(identity).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChannelKind;
    use futures::executor::block_on;

    fn at(hour: u32) -> DateTime<Utc> {
        format!("2026-11-23T{hour:02}:00:00Z").parse().unwrap()
    }

    fn profile() -> CustomerProfile {
        CustomerProfile::new()
            .with_booking(
                Booking::new("AAAAAA")
                    .with_flight(Flight::new("KL1001", "AMS", "LHR", at(8)))
                    .with_flight(Flight::new("KL1002", "LHR", "AMS", at(20))),
            )
            .with_booking(Booking::new("BBBBBB").with_flight(Flight::new(
                "KL1143",
                "AMS",
                "OSL",
                at(14),
            )))
    }

    #[test]
    fn the_next_departure_skips_flights_already_gone() {
        let profile = profile();
        let (booking, flight) = profile.next_departure(at(9)).unwrap();
        assert_eq!(
            (booking.record_locator.as_str(), flight.number.as_str()),
            ("BBBBBB", "KL1143")
        );
        assert!(profile.next_departure(at(21)).is_none());
    }

    #[test]
    fn departs_within_includes_the_edge_and_refuses_negative_durations() {
        let profile = profile();
        assert!(profile.departs_within(at(12), Duration::hours(2)));
        assert!(!profile.departs_within(at(12), Duration::minutes(119)));
        assert!(!profile.departs_within(at(12), Duration::hours(-2)));
        assert!(!CustomerProfile::new().departs_within(at(12), Duration::days(365)));
    }

    #[test]
    fn memory_directory_finds_by_identity_and_can_fail_on_purpose() {
        let directory = MemoryDirectory::new();
        let anna = Identity::new(ChannelKind::X, "@anna");
        directory.insert(anna.clone(), profile().with_tier(Tier::Platinum));
        let found = block_on(directory.profile(&anna)).unwrap().unwrap();
        assert_eq!(found.tier, Tier::Platinum);
        let bookings = block_on(directory.recent_bookings(&anna)).unwrap();
        assert_eq!(bookings.len(), 2);
        let stranger = Identity::new(ChannelKind::X, "@bob");
        assert_eq!(block_on(directory.profile(&stranger)).unwrap(), None);
        assert!(block_on(directory.recent_bookings(&stranger))
            .unwrap()
            .is_empty());
        directory.fail_with(Some(DirectoryError::Unavailable("down".into())));
        assert_eq!(
            block_on(directory.profile(&anna)),
            Err(DirectoryError::Unavailable("down".into()))
        );
    }

    #[test]
    fn profiles_round_trip_through_json() {
        let profile = profile().with_name("Anna").with_language(Language::DUTCH);
        let json = serde_json::to_string(&profile).unwrap();
        assert_eq!(
            serde_json::from_str::<CustomerProfile>(&json).unwrap(),
            profile
        );
        let minimal: CustomerProfile = serde_json::from_str("{}").unwrap();
        assert_eq!(minimal, CustomerProfile::new());
    }
}
