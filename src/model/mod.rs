//! The vocabulary of care: plain data with serde and validation, no policy.
//!
//! Everything else in the crate speaks in these types. They hold no behaviour
//! beyond checking their own invariants (`Agent::new` rejects zero capacity,
//! `Language` only holds two-letter codes).

mod agent;
mod channel;
mod classification;
mod conversation;
mod customer;
#[cfg(feature = "arbitrary")]
pub mod fuzz;
pub(crate) mod ids;
mod language;
mod message;
mod sales;

pub use agent::{Agent, Capacity, Presence, Skill, Team};
pub use channel::{Capabilities, ChannelKind, ChannelRef};
pub use classification::{Classification, Intent, Kind, PiiFinding, PiiKind};
pub use conversation::{Author, CloseReason, Conversation, Message, Priority, Status};
pub use customer::{Customer, Identity, Tier};
pub use ids::{
    AgentId, ConversationId, CustomerId, MessageId, OpportunityId, OutboundId, SurveyId, TeamId,
    TenantId,
};
pub use language::{Language, LanguageParseError};
pub use message::{Attachment, InboundMessage, OutboundMessage, Visibility};
pub use sales::{
    Booking, CsatScore, Currency, DateMention, PlaceMention, PlaceRole, PurchaseDetails,
    SalesOffer, TravellerMention,
};
/// An immutable string that is cheap to clone: up to 23 bytes are stored
/// inline (no allocation), longer text is shared behind a reference count.
/// Handles, account names, external ids, intents and message texts use it,
/// because the engine copies them into its state and into events. It derefs
/// to `str`, compares with `&str` and `String`, converts from both, and
/// serialises as a plain JSON string.
pub use smol_str::SmolStr;

/// A model value broke one of its own rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// An agent's or team's name is empty or blank; give a name customers can read.
    #[error("name must not be empty")]
    EmptyName,
    /// An agent has no language; give at least one.
    #[error("an agent needs at least one language")]
    NoLanguages,
    /// An agent's total capacity is zero; use presence `Away` to stop new work instead.
    #[error("capacity must be at least one unit")]
    ZeroCapacity,
    /// A language or skill level outside 1 to 5.
    #[error("level {0} is outside 1..=5")]
    LevelOutOfRange(u8),
    /// A currency code is not three ASCII letters; use the ISO 4217 code (`EUR`).
    #[error("invalid currency code {0:?}")]
    InvalidCurrency(String),
    /// An offer reference or booking code is blank; give the tenant's reference.
    #[error("reference must not be blank")]
    BlankReference,
    /// A price or amount is negative; amounts are in minor units, zero or more.
    #[error("amount {0} is negative")]
    NegativeAmount(i64),
    /// A satisfaction score outside 1 to 5.
    #[error("score {0} is outside 1..=5")]
    ScoreOutOfRange(u8),
}
