//! Identifiers: newtypes over uuid v7, so they sort by creation time.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        // The uuid's byte order, compared as one big-endian integer: the
        // same order as comparing the bytes, in two instructions rather than
        // a byte loop (ids are the keys of most of the engine's maps).
        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.0.as_u128().cmp(&other.0.as_u128())
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl $name {
            /// Wraps an existing uuid (for example one read back from storage).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The uuid inside.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// Its text, exactly as `Display` writes it, formatted on the
            /// stack: for hot paths that only hash or compare it.
            // Generated for every id type; only some of them need it.
            #[allow(dead_code)]
            pub(crate) fn text(&self) -> IdText {
                IdText::new($prefix, &self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "_{}"), self.0.simple())
            }
        }

        #[cfg(feature = "arbitrary")]
        impl<'a> arbitrary::Arbitrary<'a> for $name {
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                super::fuzz::uuid(u).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl ShortId for $name {
            fn short_id(&self) -> u32 {
                short_id(&self.0)
            }
        }
    };
}

/// An id's 32-bit short form: the bits where the engine's id generator
/// puts the low 32 bits of its counter, so the ids one engine mints have
/// distinct short forms across four billion consecutive ids, and ids minted
/// one after another have neighbouring ones. Ids from elsewhere (given by a
/// caller, or minted under another seed) may share one; the engine's tables
/// and indexes only use it to place records and narrow a search, never as
/// proof of identity.
pub(crate) fn short_id(id: &Uuid) -> u32 {
    (id.as_u128() >> 30) as u32
}

/// An id with a 32-bit short form (see [`short_id`]).
pub(crate) trait ShortId: Copy + Eq {
    /// The id's short form.
    fn short_id(&self) -> u32;
}

/// An id's text (`prefix_` and 32 lowercase hex digits) held on the
/// stack, so hashing or comparing an id's text allocates nothing.
pub(crate) struct IdText {
    bytes: [u8; Self::CAPACITY],
    len: usize,
}

impl IdText {
    const CAPACITY: usize = 48;

    fn new(prefix: &str, uuid: &Uuid) -> Self {
        let mut bytes = [0u8; Self::CAPACITY];
        // Prefixes are short literals of this module (at most "survey").
        let start = prefix.len().min(Self::CAPACITY - 33);
        bytes[..start].copy_from_slice(&prefix.as_bytes()[..start]);
        bytes[start] = b'_';
        let hex = uuid
            .simple()
            .encode_lower(&mut bytes[start + 1..start + 33])
            .len();
        Self {
            bytes,
            len: start + 1 + hex,
        }
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII was written: the prefix literal, '_' and hex digits.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

uuid_id!(
    /// The tenant: one brand's desk. One engine owns one tenant; every event
    /// carries it, and event stores keep one stream per tenant.
    TenantId,
    "tenant"
);
uuid_id!(
    /// A conversation (a thread with one customer about one matter).
    ConversationId,
    "conv"
);
uuid_id!(
    /// A message accepted by the engine, inbound or outbound.
    MessageId,
    "msg"
);
uuid_id!(
    /// A customer: one person, possibly with several linked identities.
    CustomerId,
    "cust"
);
uuid_id!(
    /// A human agent who answers conversations.
    AgentId,
    "agent"
);
uuid_id!(
    /// A team of agents (for example "Dutch care" or "baggage back office").
    TeamId,
    "team"
);
uuid_id!(
    /// A sales opportunity: a conversation in which the customer showed
    /// purchase intent.
    OpportunityId,
    "opp"
);
uuid_id!(
    /// A satisfaction survey sent to a customer after a resolved conversation.
    SurveyId,
    "survey"
);
uuid_id!(
    /// An outbound send requested by the engine; it doubles as the idempotency
    /// key handed to the channel, so a retried send is never delivered twice.
    OutboundId,
    "out"
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Ids sort exactly as their uuids do (byte by byte), so snapshots,
        /// sorted listings and replay keep their order.
        #[test]
        fn ids_sort_as_their_uuids(a in any::<[u8; 16]>(), b in any::<[u8; 16]>(), shared in 0usize..16) {
            let mut b = b;
            b[..shared].copy_from_slice(&a[..shared]);
            let (ua, ub) = (Uuid::from_bytes(a), Uuid::from_bytes(b));
            prop_assert_eq!(ConversationId(ua).cmp(&ConversationId(ub)), ua.cmp(&ub));
            prop_assert_eq!(AgentId(ua).partial_cmp(&AgentId(ub)), Some(ua.cmp(&ub)));
        }

        /// The stack text is the `Display` text, for every kind of id.
        #[test]
        fn stack_text_matches_display(bytes in any::<[u8; 16]>()) {
            let uuid = Uuid::from_bytes(bytes);
            let (customer, survey, tenant) =
                (CustomerId(uuid).text(), SurveyId(uuid).text(), TenantId(uuid).text());
            prop_assert_eq!(customer.as_str(), CustomerId(uuid).to_string());
            prop_assert_eq!(survey.as_str(), SurveyId(uuid).to_string());
            prop_assert_eq!(tenant.as_str(), TenantId(uuid).to_string());
        }
    }
}
