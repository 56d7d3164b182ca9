//! Channels at the edge: the async [`Channel`] trait and [`MemoryChannel`].
//!
//! A channel sends what the engine asked for (a `reply_requested` event's
//! [`OutboundMessage`]) and says what it can do. The memory channel records
//! what was sent, for tests and examples, and checks that no send is
//! delivered twice. Every implementation must pass [`conformance::run`].
//!
//! Adapters for real networks live behind features. Each one is both ends
//! of a brand account: it verifies and parses the network's webhooks into
//! [`InboundMessage`](crate::model::InboundMessage)s (plain `parse`
//! functions, usable without the adapter) and sends replies over HTTP.
//!
//! | module | feature | inbound | outbound |
//! | --- | --- | --- | --- |
//! | `x` | `x` | Account Activity API: mentions, replies, DMs; CRC challenge | reply to a post, DM |
//! | `meta` | `meta` | Page feed comments and mentions, Instagram comments, Messenger and Instagram messages | comment reply, private reply, message |
//! | `whatsapp` | `whatsapp` | Cloud API messages and delivery statuses | text inside the 24-hour window, templates |
//! | `email` | `email` | RFC 5322 messages threaded by Message-ID / In-Reply-To / References | replies built with `mail-builder`, handed to your [`MailTransport`](email::MailTransport) |
//!
//! The webhook receiver that feeds a [`Desk`](crate::desk::Desk) from these
//! adapters is in `webhooks` (feature `webhooks`).

use crate::model::{Capabilities, ChannelRef, OutboundId, OutboundMessage, Visibility};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;

pub mod conformance;
#[cfg(feature = "email")]
pub mod email;
#[cfg(any(feature = "x", feature = "meta", feature = "whatsapp"))]
mod http;
#[cfg(feature = "meta")]
pub mod meta;
#[cfg(any(
    feature = "x",
    feature = "meta",
    feature = "whatsapp",
    feature = "email"
))]
mod sent;
#[cfg(any(
    feature = "x",
    feature = "meta",
    feature = "whatsapp",
    feature = "webhooks"
))]
pub mod signature;
#[cfg(feature = "whatsapp")]
pub mod whatsapp;
#[cfg(feature = "x")]
pub mod x;

#[cfg(any(feature = "x", feature = "meta", feature = "whatsapp"))]
pub use http::HttpConfig;

/// Proof that a network accepted a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeliveryReceipt {
    /// The send it answers.
    pub outbound: OutboundId,
    /// The network's id for the message.
    pub external_id: String,
}

/// Why a send failed. The runtime retries the transient ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The network asks to slow down; retry after `retry_at` if given.
    #[error("rate limited{}", retry_at.map(|t| format!(" until {t}")).unwrap_or_default())]
    RateLimited {
        /// When the limit resets.
        retry_at: Option<DateTime<Utc>>,
    },
    /// The account may not do this (blocked, revoked token): not retried.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The text is longer than the channel allows: not retried; shorten it.
    #[error("message of {length} characters exceeds the limit of {limit}")]
    TooLong {
        /// Its length in characters.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The channel cannot send this visibility (e.g. public on WhatsApp).
    #[error("channel cannot send {0:?} messages")]
    VisibilityNotSupported(Visibility),
    /// The messaging window closed (WhatsApp's 24 hours): only a template may be sent.
    #[error("the customer-service window is closed")]
    WindowClosed,
    /// A network or server error that may pass, where the network did not
    /// take the message (no connection, a 503): retried with backoff.
    #[error("transient failure: {0}")]
    Transient(String),
    /// The request may have reached the network but its answer never came
    /// back (a timeout after the request was sent, a connection lost while
    /// reading the answer, a gateway timeout, a success without the
    /// message's id). Sending again could post the reply twice, so the
    /// runtime does not retry blindly: it asks [`Channel::check_sent`]
    /// first, as after a crash, and records the send as
    /// `delivery_unknown` when the channel cannot tell.
    #[error("outcome unconfirmed: {0}")]
    Unconfirmed(String),
    /// The network refused the request as invalid (unknown recipient, a
    /// comment that no longer exists, a reply with nothing to reply to):
    /// not retried; the request must change.
    #[error("rejected by the network (status {status}): {reason}")]
    Rejected {
        /// The HTTP status (0 when the adapter refused before sending).
        status: u16,
        /// What the network (or the adapter) said.
        reason: String,
    },
}

impl ChannelError {
    /// Whether retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            ChannelError::Forbidden(_)
                | ChannelError::TooLong { .. }
                | ChannelError::VisibilityNotSupported(_)
                | ChannelError::WindowClosed
                | ChannelError::Rejected { .. }
        )
    }
}

/// What a channel can tell about an earlier attempt of a send whose answer
/// was lost (the process died while the network was answering).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SentCheck {
    /// The network took it: its receipt.
    Delivered(DeliveryReceipt),
    /// The network certainly does not have it, or takes the outbound id as
    /// an idempotency key: sending it (again) delivers it once.
    SafeToSend,
    /// The channel cannot tell; the send must not be repeated. Why, readable.
    Unknown(String),
}

/// A brand account on one network that can send messages.
///
/// Implementations must treat [`OutboundMessage::id`] as an idempotency key
/// where the network allows: sending the same id twice delivers once. Where
/// the network has no such key (X, Meta and WhatsApp have none), the
/// adapters remember receipts in memory only, so after a restart the
/// `Desk` (feature `runtime`) does not resend a send it had handed to the
/// network without an answer: it asks [`Channel::check_sent`] first.
#[async_trait]
pub trait Channel: Send + Sync {
    /// The account this channel sends from.
    fn channel(&self) -> &ChannelRef;

    /// What the channel allows.
    fn capabilities(&self) -> &Capabilities;

    /// Sends a message.
    ///
    /// # Errors
    /// A [`ChannelError`]; [`ChannelError::is_permanent`] tells whether to retry.
    async fn send(&self, message: &OutboundMessage) -> Result<DeliveryReceipt, ChannelError>;

    /// What became of an earlier attempt to send `message` whose answer was
    /// lost. The desk calls it after a restart, for each send it had handed
    /// to the network without recording an outcome, and after a send that
    /// failed with [`ChannelError::Unconfirmed`]; it sends again only on
    /// [`SentCheck::SafeToSend`].
    ///
    /// The default is [`SentCheck::Unknown`]: a channel that can neither
    /// look a send up at the network nor rely on an idempotency key cannot
    /// tell. Override it when the network can answer (a lookup by a client
    /// reference, an idempotency key the network honours).
    async fn check_sent(&self, message: &OutboundMessage) -> SentCheck {
        let _ = message;
        SentCheck::Unknown("this channel cannot verify an earlier attempt".into())
    }
}

fn _assert_channel_object_safe(_: &dyn Channel) {}

/// A channel that keeps what it sends in memory: for tests and examples.
///
/// Sending the same [`OutboundId`] twice returns the first receipt and
/// delivers nothing new, as a network with idempotency keys does;
/// [`MemoryChannel::duplicate_sends`] counts such attempts.
#[derive(Debug)]
pub struct MemoryChannel {
    channel: ChannelRef,
    capabilities: Capabilities,
    inner: Mutex<MemoryChannelState>,
}

#[derive(Debug, Default)]
struct MemoryChannelState {
    sent: Vec<OutboundMessage>,
    receipts: BTreeMap<OutboundId, DeliveryReceipt>,
    duplicate_sends: u64,
    fail_next: Vec<ChannelError>,
}

impl MemoryChannel {
    /// A memory channel for `channel` with its network's documented capabilities.
    pub fn new(channel: ChannelRef) -> Self {
        let capabilities = Capabilities::for_kind(channel.kind);
        MemoryChannel::with_capabilities(channel, capabilities)
    }

    /// A memory channel with explicit capabilities.
    pub fn with_capabilities(channel: ChannelRef, capabilities: Capabilities) -> Self {
        MemoryChannel {
            channel,
            capabilities,
            inner: Mutex::new(MemoryChannelState::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryChannelState> {
        // A poisoned lock only means a panicking test thread held it; the
        // recorded data is still consistent (every update is one push/insert).
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Everything delivered, in order.
    pub fn sent(&self) -> Vec<OutboundMessage> {
        self.lock().sent.clone()
    }

    /// How many sends repeated an id already delivered.
    pub fn duplicate_sends(&self) -> u64 {
        self.lock().duplicate_sends
    }

    /// Makes the next sends fail with these errors, in order.
    pub fn fail_next(&self, errors: impl IntoIterator<Item = ChannelError>) {
        let mut inner = self.lock();
        inner.fail_next.extend(errors);
    }
}

#[async_trait]
impl Channel for MemoryChannel {
    fn channel(&self) -> &ChannelRef {
        &self.channel
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn send(&self, message: &OutboundMessage) -> Result<DeliveryReceipt, ChannelError> {
        let mut inner = self.lock();
        if let Some(receipt) = inner.receipts.get(&message.id).cloned() {
            inner.duplicate_sends += 1;
            return Ok(receipt);
        }
        if !inner.fail_next.is_empty() {
            return Err(inner.fail_next.remove(0));
        }
        let (allowed, limit) = match message.visibility {
            Visibility::Public => (
                self.capabilities.public_replies,
                self.capabilities.max_public_length,
            ),
            Visibility::Private => (
                self.capabilities.private_messages,
                self.capabilities.max_private_length,
            ),
        };
        if !allowed {
            return Err(ChannelError::VisibilityNotSupported(message.visibility));
        }
        let length = message.text.chars().count();
        if let Some(limit) = limit.and_then(|l| usize::try_from(l).ok()) {
            if length > limit {
                return Err(ChannelError::TooLong { length, limit });
            }
        }
        let receipt = DeliveryReceipt {
            outbound: message.id,
            external_id: format!("mem-{}-{}", self.channel.account, inner.sent.len() + 1),
        };
        inner.sent.push(message.clone());
        inner.receipts.insert(message.id, receipt.clone());
        Ok(receipt)
    }

    /// The memory channel holds every send it delivered: it always knows.
    async fn check_sent(&self, message: &OutboundMessage) -> SentCheck {
        match self.lock().receipts.get(&message.id) {
            Some(receipt) => SentCheck::Delivered(receipt.clone()),
            None => SentCheck::SafeToSend,
        }
    }
}
