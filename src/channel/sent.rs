//! What every adapter does before and after a send: refuse what the channel
//! cannot carry without calling the network, and remember receipts so that
//! the same [`OutboundId`] is delivered once.

use super::{ChannelError, DeliveryReceipt};
use crate::model::{Capabilities, OutboundId, OutboundMessage, Visibility};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// How many receipts an adapter remembers for idempotency (oldest forgotten
/// first). A desk retries a send within minutes, far inside this window.
pub(crate) const REMEMBERED_RECEIPTS: usize = 65_536;

/// Refuses, before any network call, a message the channel cannot carry:
/// a visibility it does not allow, or a text over its limit (counted in
/// Unicode scalar values, as [`Capabilities`] documents).
pub(crate) fn preflight(
    capabilities: &Capabilities,
    message: &OutboundMessage,
) -> Result<(), ChannelError> {
    if !capabilities.allows(message.visibility) {
        return Err(ChannelError::VisibilityNotSupported(message.visibility));
    }
    let limit = match message.visibility {
        Visibility::Public => capabilities.max_public_length,
        Visibility::Private => capabilities.max_private_length,
    };
    let length = message.text.chars().count();
    if let Some(limit) = limit.and_then(|l| usize::try_from(l).ok()) {
        if length > limit {
            return Err(ChannelError::TooLong { length, limit });
        }
    }
    if !capabilities.attachments && !message.attachments.is_empty() {
        return Err(ChannelError::Rejected {
            status: 0,
            reason: "this channel cannot send attachments".into(),
        });
    }
    if message.text.trim().is_empty() && message.attachments.is_empty() {
        return Err(ChannelError::Rejected {
            status: 0,
            reason: "nothing to send: the text is blank".into(),
        });
    }
    Ok(())
}

/// Receipts of recent sends, by outbound id.
#[derive(Debug, Default)]
pub(crate) struct SentLog {
    inner: Mutex<SentState>,
}

#[derive(Debug, Default)]
struct SentState {
    receipts: Remembered<OutboundId, DeliveryReceipt>,
}

/// A map that keeps the [`REMEMBERED_RECEIPTS`] most recently added keys,
/// forgetting the oldest first.
#[derive(Debug)]
pub(crate) struct Remembered<K, V> {
    entries: HashMap<K, V>,
    order: VecDeque<K>,
}

impl<K, V> Default for Remembered<K, V> {
    fn default() -> Self {
        Remembered {
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Clone, V> Remembered<K, V> {
    /// The value under `key`, if still remembered.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.entries.get(key)
    }

    /// Remembers `value` under `key` (a known key keeps its place in line).
    pub(crate) fn insert(&mut self, key: K, value: V) {
        if self.entries.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > REMEMBERED_RECEIPTS {
            if let Some(oldest) = self.order.pop_front() {
                self.entries.remove(&oldest);
            }
        }
    }

    /// How many entries are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

impl SentLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, SentState> {
        // Every update is a single insert/push, so a poisoned lock still
        // holds consistent data.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The receipt of an earlier send with this id, if remembered.
    pub(crate) fn get(&self, id: &OutboundId) -> Option<DeliveryReceipt> {
        self.lock().receipts.get(id).cloned()
    }

    /// What this adapter can tell about an earlier attempt: a receipt it
    /// still remembers (the same process sent it), else `Unknown` with the
    /// network's reason (`why`), since none of the networks has an
    /// idempotency key or a lookup by the sender's reference.
    pub(crate) fn check(&self, id: &OutboundId, why: &str) -> super::SentCheck {
        match self.get(id) {
            Some(receipt) => super::SentCheck::Delivered(receipt),
            None => super::SentCheck::Unknown(why.to_owned()),
        }
    }

    /// Remembers a receipt.
    pub(crate) fn record(&self, receipt: &DeliveryReceipt) {
        self.lock()
            .receipts
            .insert(receipt.outbound, receipt.clone());
    }
}
