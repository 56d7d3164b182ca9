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
    receipts: HashMap<OutboundId, DeliveryReceipt>,
    order: VecDeque<OutboundId>,
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
        let mut state = self.lock();
        if state
            .receipts
            .insert(receipt.outbound, receipt.clone())
            .is_none()
        {
            state.order.push_back(receipt.outbound);
        }
        while state.order.len() > REMEMBERED_RECEIPTS {
            if let Some(old) = state.order.pop_front() {
                state.receipts.remove(&old);
            }
        }
    }
}
