//! One conformance suite for every [`Channel`].
//!
//! Channel implementations (the memory channel, each network adapter, your
//! own) call [`run`] from a test, against a stand-in for the network, and
//! get a description of the first rule broken:
//!
//! - a send the channel allows is delivered once and answered with a
//!   receipt naming the send and carrying the network's id;
//! - sending the same [`OutboundId`] again returns the same receipt and
//!   delivers nothing new (the desk retries after crashes and timeouts);
//! - two different sends get two different network ids;
//! - [`Channel::check_sent`] of a delivered send, if it answers
//!   `Delivered`, gives the same receipt;
//! - a visibility the channel does not allow is refused with
//!   [`ChannelError::VisibilityNotSupported`], a text over the limit with
//!   [`ChannelError::TooLong`] counted in characters (not bytes), and
//!   neither reaches the network; a text of exactly the limit is sent;
//! - the capabilities do not change between calls.
//!
//! ```
//! use caredesk::channel::{conformance, MemoryChannel};
//! use caredesk::model::{ChannelKind, ChannelRef, Identity};
//! let channel = MemoryChannel::new(ChannelRef::new(ChannelKind::X, "@KLM"));
//! let subject = conformance::Subject {
//!     channel: &channel,
//!     recipient: Identity::new(ChannelKind::X, "6253282"),
//!     reply_to: "1861000000000000001".into(),
//!     deliveries: &|| channel.sent().len(),
//! };
//! futures::executor::block_on(conformance::run(subject, 1))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::{Channel, ChannelError, SentCheck};
use crate::model::{Identity, OutboundId, OutboundMessage, Visibility};
use uuid::Uuid;

/// The channel under test and what the suite needs to drive it.
pub struct Subject<'a> {
    /// The channel.
    pub channel: &'a dyn Channel,
    /// A customer the channel may write to (for WhatsApp: one whose
    /// service window is open).
    pub recipient: Identity,
    /// The network id of a customer message the channel may answer (a post
    /// to reply under, a comment, an e-mail's Message-ID).
    pub reply_to: String,
    /// How many messages have reached the network so far (read from the
    /// stand-in server or the memory channel).
    pub deliveries: &'a (dyn Fn() -> usize + Sync),
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// Runs the suite; `namespace` keeps outbound ids of separate runs apart.
///
/// # Errors
/// A sentence naming the first rule the channel broke.
pub async fn run(subject: Subject<'_>, namespace: u64) -> Result<(), String> {
    let channel = subject.channel;
    let capabilities = channel.capabilities().clone();
    let mut next = 0u64;
    let mut message = |visibility: Visibility, text: String| {
        next += 1;
        OutboundMessage {
            id: OutboundId::from_uuid(Uuid::from_u128(
                (u128::from(namespace) << 64) | u128::from(next),
            )),
            channel: channel.channel().clone(),
            recipient: subject.recipient.clone(),
            visibility,
            text: text.into(),
            in_reply_to: Some(subject.reply_to.as_str().into()),
            attachments: Vec::new(),
        }
    };
    for visibility in [Visibility::Public, Visibility::Private] {
        let before = (subject.deliveries)();
        if !capabilities.allows(visibility) {
            let refused = channel.send(&message(visibility, "Hello".into())).await;
            ensure!(
                refused == Err(ChannelError::VisibilityNotSupported(visibility)),
                "a {visibility:?} send on a channel that does not allow it must be refused with VisibilityNotSupported, got {refused:?}"
            );
            ensure!(
                (subject.deliveries)() == before,
                "a refused {visibility:?} send must not reach the network"
            );
            continue;
        }
        let first = message(visibility, "Thanks for waiting, we are on it. ^AG".into());
        let receipt = channel
            .send(&first)
            .await
            .map_err(|e| format!("a {visibility:?} send the channel allows failed: {e}"))?;
        ensure!(
            receipt.outbound == first.id,
            "the receipt must name the send it answers, got {receipt:?}"
        );
        ensure!(
            !receipt.external_id.is_empty(),
            "the receipt must carry the network's id"
        );
        ensure!(
            (subject.deliveries)() == before + 1,
            "one {visibility:?} send must reach the network exactly once, saw {} deliveries",
            (subject.deliveries)() - before
        );
        let again = channel.send(&first).await;
        ensure!(
            again.as_ref() == Ok(&receipt),
            "repeating a send must return the first receipt, got {again:?}"
        );
        ensure!(
            (subject.deliveries)() == before + 1,
            "repeating a send must not deliver it again"
        );
        match channel.check_sent(&first).await {
            SentCheck::Delivered(checked) => ensure!(
                checked == receipt,
                "checking a delivered send must give its receipt, got {checked:?}"
            ),
            // Safe only because a repeat was shown above to deliver nothing.
            SentCheck::SafeToSend | SentCheck::Unknown(_) => {}
        }
        let second = message(visibility, "Your bag is on its way. ^AG".into());
        let other = channel
            .send(&second)
            .await
            .map_err(|e| format!("a second {visibility:?} send failed: {e}"))?;
        ensure!(
            other.external_id != receipt.external_id,
            "two sends must get two network ids, both got {}",
            receipt.external_id
        );
        let limit = match visibility {
            Visibility::Public => capabilities.max_public_length,
            Visibility::Private => capabilities.max_private_length,
        };
        if let Some(limit) = limit.and_then(|l| usize::try_from(l).ok()) {
            let delivered = (subject.deliveries)();
            // 'é' is two bytes: the limit counts characters.
            let too_long = message(visibility, "é".repeat(limit + 1));
            let refused = channel.send(&too_long).await;
            ensure!(
                refused
                    == Err(ChannelError::TooLong {
                        length: limit + 1,
                        limit
                    }),
                "a {visibility:?} text of {} characters must be refused with TooLong (limit {limit}), got {refused:?}",
                limit + 1
            );
            ensure!(
                (subject.deliveries)() == delivered,
                "a text over the limit must not reach the network"
            );
            let exact = message(visibility, "é".repeat(limit));
            channel.send(&exact).await.map_err(|e| {
                format!("a {visibility:?} text of exactly {limit} characters must be sent, got {e}")
            })?;
        }
    }
    ensure!(
        channel.capabilities() == &capabilities,
        "capabilities must not change between calls"
    );
    Ok(())
}
