//! Customers and the identities they use on each network.

use super::{ChannelKind, ConversationId, CustomerId, Language, SmolStr};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A handle on one network: `@anna` on X, a phone number on WhatsApp, an
/// e-mail address. Linked identities make one [`Customer`].
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Identity {
    /// The network.
    pub network: ChannelKind,
    /// The handle as the network gives it (user id, phone, address).
    pub handle: SmolStr,
}

impl Identity {
    /// An identity on `network`.
    pub fn new(network: ChannelKind, handle: impl Into<SmolStr>) -> Self {
        Identity {
            network,
            handle: handle.into(),
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.network, self.handle)
    }
}

/// A customer's tier in the brand's loyalty programme; it can select an SLA
/// policy or raise priority.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// No status (the default).
    #[default]
    Standard,
    /// Silver or equivalent.
    Silver,
    /// Gold or equivalent.
    Gold,
    /// Platinum or the highest public tier.
    Platinum,
}

/// A person, with every identity known to be theirs and their conversations.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// The customer's id.
    pub id: CustomerId,
    /// Every identity linked to this customer, oldest first.
    pub identities: Vec<Identity>,
    /// The name to address them by, when known.
    pub name: Option<String>,
    /// The language they last wrote in.
    pub language: Option<Language>,
    /// Loyalty tier.
    pub tier: Tier,
    /// Their conversations still in the engine's hot state, oldest first.
    pub conversations: Vec<ConversationId>,
}
