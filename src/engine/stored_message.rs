//! A message as its conversation's record keeps it, in 120 bytes.
//!
//! The public [`Message`] names its author with an [`Author`], whose
//! customer variant holds an [`Identity`]: a one-byte network beside a
//! 24-byte handle, padded to 32 bytes. The stored message keeps the
//! author's handle (or agent) in 24 bytes and the network in a byte of its
//! own, and packs its three flags into one byte, so it takes 120 bytes
//! instead of 128: 8 bytes saved for every message in the hot state.
//! Snapshots write the public shape, as before.

use crate::model::{
    AgentId, Author, ChannelKind, ConversationId, Identity, Message, MessageId, OutboundId,
    Visibility,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

/// Who wrote a stored message (the customer's network is kept beside it).
#[derive(Debug, Clone, PartialEq, Eq)]
enum StoredAuthor {
    /// The customer, by their handle on the message's network.
    Customer(SmolStr),
    /// An agent.
    Agent(AgentId),
    /// The desk itself.
    Automation,
}

const PRIVATE: u8 = 1;
const NOTE: u8 = 2;
const UNDELIVERED: u8 = 4;

/// A message without its conversation's id (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "MessageFields", into = "MessageFields")]
pub(crate) struct StoredMessage {
    pub(crate) id: MessageId,
    author: StoredAuthor,
    /// The customer's network; [`ChannelKind::Other`] for other authors.
    network: ChannelKind,
    /// [`PRIVATE`], [`NOTE`] and [`UNDELIVERED`].
    flags: u8,
    pub(crate) text: SmolStr,
    pub(crate) external_id: Option<SmolStr>,
    pub(crate) outbound: Option<OutboundId>,
    pub(crate) at: DateTime<Utc>,
}

/// A stored message's facts in the public shape: how one is built, and how
/// snapshots write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MessageFields {
    pub(crate) id: MessageId,
    pub(crate) author: Author,
    pub(crate) visibility: Visibility,
    pub(crate) note: bool,
    pub(crate) text: SmolStr,
    pub(crate) external_id: Option<SmolStr>,
    pub(crate) outbound: Option<OutboundId>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) undelivered: bool,
    pub(crate) at: DateTime<Utc>,
}

impl From<MessageFields> for StoredMessage {
    fn from(fields: MessageFields) -> Self {
        let (author, network) = match fields.author {
            Author::Customer { identity } => {
                (StoredAuthor::Customer(identity.handle), identity.network)
            }
            Author::Agent { agent } => (StoredAuthor::Agent(agent), ChannelKind::Other),
            Author::Automation => (StoredAuthor::Automation, ChannelKind::Other),
        };
        let flag = |on: bool, bit: u8| if on { bit } else { 0 };
        StoredMessage {
            id: fields.id,
            author,
            network,
            flags: flag(fields.visibility == Visibility::Private, PRIVATE)
                | flag(fields.note, NOTE)
                | flag(fields.undelivered, UNDELIVERED),
            text: fields.text,
            external_id: fields.external_id,
            outbound: fields.outbound,
            at: fields.at,
        }
    }
}

impl From<StoredMessage> for MessageFields {
    fn from(message: StoredMessage) -> Self {
        MessageFields {
            id: message.id,
            author: message.author(),
            visibility: message.visibility(),
            note: message.is_note(),
            undelivered: message.is_undelivered(),
            text: message.text,
            external_id: message.external_id,
            outbound: message.outbound,
            at: message.at,
        }
    }
}

impl StoredMessage {
    /// Who wrote it, in the public shape.
    pub(crate) fn author(&self) -> Author {
        match &self.author {
            StoredAuthor::Customer(handle) => Author::Customer {
                identity: self.identity(handle),
            },
            StoredAuthor::Agent(agent) => Author::Agent { agent: *agent },
            StoredAuthor::Automation => Author::Automation,
        }
    }

    /// Whether the customer wrote it.
    pub(crate) fn is_from_customer(&self) -> bool {
        matches!(self.author, StoredAuthor::Customer(_))
    }

    /// The agent who wrote it, if an agent did.
    pub(crate) fn agent(&self) -> Option<AgentId> {
        match self.author {
            StoredAuthor::Agent(agent) => Some(agent),
            _ => None,
        }
    }

    /// The agent who wrote it, if it is an agent's reply (not an internal
    /// note).
    pub(crate) fn agent_reply(&self) -> Option<AgentId> {
        self.agent().filter(|_| !self.is_note())
    }

    /// The identity the customer wrote from, if the customer wrote it.
    pub(crate) fn customer_identity(&self) -> Option<Identity> {
        match &self.author {
            StoredAuthor::Customer(handle) => Some(self.identity(handle)),
            _ => None,
        }
    }

    /// The customer's identity: `handle` on the message's network.
    fn identity(&self, handle: &SmolStr) -> Identity {
        Identity {
            network: self.network,
            handle: handle.clone(),
        }
    }

    /// Replaces the customer's handle (erasure); other authors stay.
    pub(crate) fn replace_customer_handle(&mut self, handle: &str) {
        if let StoredAuthor::Customer(held) = &mut self.author {
            *held = SmolStr::new(handle);
        }
    }

    /// Public or private.
    pub(crate) fn visibility(&self) -> Visibility {
        if self.flags & PRIVATE != 0 {
            Visibility::Private
        } else {
            Visibility::Public
        }
    }

    /// Whether it is an internal note (seen by agents only).
    pub(crate) fn is_note(&self) -> bool {
        self.flags & NOTE != 0
    }

    /// Whether the network refused it.
    pub(crate) fn is_undelivered(&self) -> bool {
        self.flags & UNDELIVERED != 0
    }

    /// Marks it refused by the network.
    pub(crate) fn mark_undelivered(&mut self) {
        self.flags |= UNDELIVERED;
    }

    /// The public message, in `conversation`.
    pub(crate) fn to_message(&self, conversation: ConversationId) -> Message {
        Message {
            id: self.id,
            conversation,
            author: self.author(),
            visibility: self.visibility(),
            note: self.is_note(),
            text: self.text.clone(),
            external_id: self.external_id.clone(),
            outbound: self.outbound,
            undelivered: self.is_undelivered(),
            at: self.at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(
        author: Author,
        visibility: Visibility,
        note: bool,
        undelivered: bool,
    ) -> MessageFields {
        MessageFields {
            id: MessageId::from_uuid(uuid::Uuid::from_u128(9)),
            author,
            visibility,
            note,
            text: SmolStr::new("Where is my bag?"),
            external_id: Some(SmolStr::new("1789")),
            outbound: None,
            undelivered,
            at: "2026-11-23T10:15:30.123456789Z"
                .parse()
                .expect("fixed time"),
        }
    }

    fn authors() -> [Author; 3] {
        [
            Author::Customer {
                identity: Identity::new(ChannelKind::Whatsapp, "+31612345678"),
            },
            Author::Agent {
                agent: AgentId::from_uuid(uuid::Uuid::from_u128(3)),
            },
            Author::Automation,
        ]
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn takes_120_bytes() {
        assert_eq!(std::mem::size_of::<StoredMessage>(), 120);
    }

    #[test]
    fn keeps_every_fact_of_the_public_shape() {
        for author in authors() {
            for visibility in [Visibility::Public, Visibility::Private] {
                for (note, undelivered) in
                    [(false, false), (true, false), (false, true), (true, true)]
                {
                    let original = fields(author.clone(), visibility, note, undelivered);
                    let stored = StoredMessage::from(original.clone());
                    assert_eq!(MessageFields::from(stored.clone()), original);
                    let message =
                        stored.to_message(ConversationId::from_uuid(uuid::Uuid::from_u128(1)));
                    assert_eq!(message.author, author);
                    assert_eq!(message.visibility, visibility);
                    assert_eq!((message.note, message.undelivered), (note, undelivered));
                    assert_eq!(message.at, original.at, "to the nanosecond");
                }
            }
        }
    }

    #[test]
    fn answers_who_wrote_it() {
        let [customer, agent, automation] =
            authors().map(|a| StoredMessage::from(fields(a, Visibility::Public, false, false)));
        assert!(customer.is_from_customer());
        assert_eq!(
            customer.customer_identity(),
            Some(Identity::new(ChannelKind::Whatsapp, "+31612345678"))
        );
        assert_eq!(customer.agent(), None);
        assert!(!agent.is_from_customer());
        assert_eq!(
            agent.agent(),
            Some(AgentId::from_uuid(uuid::Uuid::from_u128(3)))
        );
        assert_eq!(agent.customer_identity(), None);
        assert_eq!(agent.agent_reply(), agent.agent(), "a reply");
        let note = StoredMessage::from(fields(
            authors()[1].clone(),
            Visibility::Private,
            true,
            false,
        ));
        assert_eq!(note.agent(), agent.agent());
        assert_eq!(note.agent_reply(), None, "a note is no reply");
        assert_eq!(customer.agent_reply(), None);
        assert!(!automation.is_from_customer());
        assert_eq!(automation.agent(), None);
    }

    #[test]
    fn erasure_replaces_only_a_customer_handle_and_undelivered_only_sets() {
        let [mut customer, mut agent, _] =
            authors().map(|a| StoredMessage::from(fields(a, Visibility::Private, false, false)));
        customer.replace_customer_handle("erased");
        assert_eq!(
            customer.customer_identity(),
            Some(Identity::new(ChannelKind::Whatsapp, "erased"))
        );
        let before = agent.clone();
        agent.replace_customer_handle("erased");
        assert_eq!(agent, before);
        agent.mark_undelivered();
        assert!(agent.is_undelivered());
        assert_eq!(agent.visibility(), Visibility::Private, "other flags stay");
    }

    #[test]
    fn snapshots_write_the_public_shape() {
        let original = fields(authors()[0].clone(), Visibility::Public, false, false);
        let stored = StoredMessage::from(original.clone());
        let json = serde_json::to_value(&stored).expect("serialises");
        assert_eq!(json, serde_json::to_value(&original).expect("serialises"));
        assert!(json.get("undelivered").is_none(), "written only when set");
        let back: StoredMessage = serde_json::from_value(json).expect("reads");
        assert_eq!(back, stored);
    }
}
