//! One copy of each channel reference for all hot conversations on it.
//!
//! A desk has a handful of channels and up to millions of open
//! conversations; each conversation keeps a pointer to its channel's one
//! shared [`ChannelRef`] instead of its own 32-byte copy. The
//! [`ChannelRefs`] set hands out those shared copies and lets one go when
//! the last conversation on it leaves the hot state.

use crate::model::ChannelRef;
use crate::routing::fast::MixHasher;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::ops::Deref;
use std::sync::Arc;

/// A conversation's channel: a pointer to the copy its engine shares.
/// Reads as a [`ChannelRef`]; serialises as the plain channel reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SharedChannel(Arc<ChannelRef>);

impl SharedChannel {
    /// The channel reference itself, copied out.
    pub(crate) fn to_channel_ref(&self) -> ChannelRef {
        (*self.0).clone()
    }
}

impl Deref for SharedChannel {
    type Target = ChannelRef;

    fn deref(&self) -> &ChannelRef {
        &self.0
    }
}

impl Serialize for SharedChannel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SharedChannel {
    /// A record read from a snapshot gets a copy of its own until
    /// `EngineState::share_channels` points it at the shared one
    /// ([`ChannelRefs::adopt`]).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ChannelRef::deserialize(deserializer).map(|channel| SharedChannel(Arc::new(channel)))
    }
}

/// The shared channel references in use. Derived from the conversations
/// (never serialised, and equal to any other set: it changes how the state
/// is stored, not what it says).
#[derive(Debug, Clone, Default)]
pub(crate) struct ChannelRefs(HashSet<Arc<ChannelRef>, BuildHasherDefault<MixHasher>>);

impl PartialEq for ChannelRefs {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl ChannelRefs {
    /// The shared copy of `channel`, made on first use.
    pub(crate) fn share(&mut self, channel: &ChannelRef) -> SharedChannel {
        if let Some(shared) = self.0.get(channel) {
            return SharedChannel(Arc::clone(shared));
        }
        let shared = Arc::new(channel.clone());
        self.0.insert(Arc::clone(&shared));
        SharedChannel(shared)
    }

    /// Points `channel` at the shared copy (for a record read from a
    /// snapshot, which came with a copy of its own).
    pub(crate) fn adopt(&mut self, channel: &mut SharedChannel) {
        let shared = self.share(&channel.0);
        *channel = shared;
    }

    /// Called as a conversation holding `channel` leaves the hot state:
    /// forgets the shared copy when no other conversation holds it.
    pub(crate) fn release(&mut self, channel: &SharedChannel) {
        // One count is the set's own, one the leaving conversation's; while
        // others hold it, the set is not looked at. A copy of its own (from
        // a snapshot, not yet adopted) leaves the shared one alone.
        if Arc::strong_count(&channel.0) > 2 {
            return;
        }
        let shared = self.0.get(&*channel.0);
        if shared.is_some_and(|s| Arc::ptr_eq(s, &channel.0)) {
            self.0.remove(&*channel.0);
        }
    }

    /// How many distinct channels are held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ChannelKind;

    fn klm() -> ChannelRef {
        ChannelRef::new(ChannelKind::X, "@KLM")
    }

    #[test]
    fn conversations_on_one_channel_share_one_copy_until_the_last_leaves() {
        let mut refs = ChannelRefs::default();
        let first = refs.share(&klm());
        let second = refs.share(&klm());
        assert!(Arc::ptr_eq(&first.0, &second.0));
        let other = refs.share(&ChannelRef::new(ChannelKind::Facebook, "klm"));
        assert!(!Arc::ptr_eq(&first.0, &other.0));
        assert_eq!(refs.len(), 2);

        refs.release(&first);
        drop(first);
        assert_eq!(refs.len(), 2, "the second conversation still holds it");
        refs.release(&second);
        drop(second);
        assert_eq!(refs.len(), 1);
        assert_eq!(*refs.share(&klm()), klm(), "made anew on next use");
    }

    #[test]
    fn a_snapshot_copy_is_swapped_for_the_shared_one_and_serialises_plainly() {
        let mut refs = ChannelRefs::default();
        let live = refs.share(&klm());
        let json = serde_json::to_string(&live).expect("serialises");
        assert_eq!(json, serde_json::to_string(&klm()).expect("serialises"));
        let mut loaded: SharedChannel = serde_json::from_str(&json).expect("reads");
        assert!(!Arc::ptr_eq(&loaded.0, &live.0));
        refs.release(&loaded);
        assert_eq!(
            refs.len(),
            1,
            "a copy of its own does not release the shared one"
        );
        refs.adopt(&mut loaded);
        assert!(Arc::ptr_eq(&loaded.0, &live.0));
        assert_eq!(loaded.to_channel_ref(), klm());
    }
}
