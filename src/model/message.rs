//! Messages: one post, reply, comment, DM or e-mail, normalised.

use super::{ChannelRef, Identity, Language, OutboundId, SmolStr};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a message is seen by everyone or only by the two parties.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// A public post, reply or comment.
    Public,
    /// A direct message, private reply, chat or e-mail.
    Private,
}

/// A file or media item carried by a message.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attachment {
    /// The media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// Where the network serves it.
    pub url: String,
}

/// One message from a customer, as a channel adapter normalised it.
///
/// ```
/// use caredesk::model::{ChannelKind, ChannelRef, Identity, InboundMessage, Visibility};
/// let at = "2026-11-23T10:00:00Z".parse()?;
/// let msg = InboundMessage::new(
///     ChannelRef::new(ChannelKind::X, "@KLM"),
///     "1861234567890",
///     Identity::new(ChannelKind::X, "@anna"),
///     Visibility::Public,
///     "@KLM my bag did not arrive in Oslo",
///     at,
/// );
/// assert_eq!(msg.external_id, "1861234567890");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The brand account it arrived on.
    pub channel: ChannelRef,
    /// The network's own id for the message (tweet id, comment id, wamid,
    /// Message-ID); with the channel it identifies the message, so a
    /// redelivered webhook is recognised.
    pub external_id: SmolStr,
    /// Who wrote it.
    pub author: Identity,
    /// Public post or private message.
    pub visibility: Visibility,
    /// The text (may be empty when there are attachments).
    pub text: SmolStr,
    /// Attachments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// The language the network or the customer's settings suggest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_hint: Option<Language>,
    /// The external id of the message this one replies to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<SmolStr>,
    /// The author's reach (followers), when the network tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_reach: Option<u64>,
    /// When the network says the message was created.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::model::fuzz::time))]
    pub received_at: DateTime<Utc>,
}

impl InboundMessage {
    /// A message with the required fields; the optional ones start empty.
    pub fn new(
        channel: ChannelRef,
        external_id: impl Into<SmolStr>,
        author: Identity,
        visibility: Visibility,
        text: impl Into<SmolStr>,
        received_at: DateTime<Utc>,
    ) -> Self {
        InboundMessage {
            channel,
            external_id: external_id.into(),
            author,
            visibility,
            text: text.into(),
            attachments: Vec::new(),
            language_hint: None,
            in_reply_to: None,
            author_reach: None,
            received_at,
        }
    }

    /// Sets the external id this message replies to.
    #[must_use]
    pub fn in_reply_to(mut self, external_id: impl Into<SmolStr>) -> Self {
        self.in_reply_to = Some(external_id.into());
        self
    }

    /// Sets the author's reach (followers).
    #[must_use]
    pub fn with_reach(mut self, followers: u64) -> Self {
        self.author_reach = Some(followers);
        self
    }

    /// Sets the language hint.
    #[must_use]
    pub fn with_language_hint(mut self, language: Language) -> Self {
        self.language_hint = Some(language);
        self
    }

    /// Adds an attachment.
    #[must_use]
    pub fn with_attachment(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }
}

/// One message from the brand to a customer, ready for a channel to send.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OutboundMessage {
    /// The engine's id for this send; channels use it as the idempotency key.
    pub id: OutboundId,
    /// The brand account to send from.
    pub channel: ChannelRef,
    /// The customer identity to address.
    pub recipient: Identity,
    /// Public reply or private message.
    pub visibility: Visibility,
    /// The text, signature included.
    pub text: SmolStr,
    /// The external id of the customer message this answers, for threading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<SmolStr>,
    /// Attachments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}
