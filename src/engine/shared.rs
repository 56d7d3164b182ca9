//! One copy of a value many hot conversations hold alike.
//!
//! A desk has a handful of channels and a few dozen intents, and up to
//! millions of open conversations; each conversation keeps a pointer to the
//! one shared copy of its channel reference (instead of its own 32-byte
//! copy) and of its set of intents (instead of 24 bytes inline). A
//! [`SharedSet`] hands out those shared copies and lets one go when the last
//! conversation holding it leaves the hot state.

use crate::model::ChannelRef;
use crate::routing::fast::MixHasher;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash};
use std::ops::Deref;
use std::sync::Arc;

/// A pointer to the copy of a value its engine shares. Reads as the value;
/// serialises as the plain value.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Shared<T>(Arc<T>);

/// A conversation's channel.
pub(crate) type SharedChannel = Shared<ChannelRef>;

/// The shared channel references in use.
pub(crate) type ChannelRefs = SharedSet<ChannelRef>;

impl<T> Shared<T> {
    /// A copy of its own, shared with nothing until a set adopts it.
    pub(crate) fn own(value: T) -> Self {
        Shared(Arc::new(value))
    }
}

impl SharedChannel {
    /// The channel reference itself, copied out.
    pub(crate) fn to_channel_ref(&self) -> ChannelRef {
        (*self.0).clone()
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    /// A record read from a snapshot gets a copy of its own until
    /// `EngineState::adopt_shared` points it at the shared one
    /// ([`SharedSet::adopt`]).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Shared::own)
    }
}

/// The shared copies in use. Derived from the conversations (never
/// serialised, and equal to any other set: it changes how the state is
/// stored, not what it says).
#[derive(Debug, Clone)]
pub(crate) struct SharedSet<T>(HashSet<Arc<T>, BuildHasherDefault<MixHasher>>);

impl<T> Default for SharedSet<T> {
    fn default() -> Self {
        SharedSet(HashSet::default())
    }
}

impl<T> PartialEq for SharedSet<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T: Eq + Hash> SharedSet<T> {
    /// The shared copy of `value`, made on first use.
    pub(crate) fn share(&mut self, value: &T) -> Shared<T>
    where
        T: Clone,
    {
        match self.0.get(value) {
            Some(shared) => Shared(Arc::clone(shared)),
            None => self.add(value.clone()),
        }
    }

    /// The shared copy of `value`, which becomes it on first use.
    pub(crate) fn share_value(&mut self, value: T) -> Shared<T> {
        match self.0.get(&value) {
            Some(shared) => Shared(Arc::clone(shared)),
            None => self.add(value),
        }
    }

    /// Makes `value`, not held yet, the shared copy.
    fn add(&mut self, value: T) -> Shared<T> {
        let shared = Arc::new(value);
        self.0.insert(Arc::clone(&shared));
        Shared(shared)
    }

    /// Points `value` at the shared copy (for a record read from a
    /// snapshot, which came with a copy of its own).
    pub(crate) fn adopt(&mut self, value: &mut Shared<T>) {
        if let Some(shared) = self.0.get(&*value.0) {
            value.0 = Arc::clone(shared);
        } else {
            self.0.insert(Arc::clone(&value.0));
        }
    }

    /// Called as a conversation holding `value` leaves the hot state or
    /// lets go of it: forgets the shared copy when no other conversation
    /// holds it.
    pub(crate) fn release(&mut self, value: &Shared<T>) {
        // One count is the set's own, one the leaving conversation's; while
        // others hold it, the set is not looked at. A copy of its own (from
        // a snapshot, not yet adopted) leaves the shared one alone.
        if Arc::strong_count(&value.0) > 2 {
            return;
        }
        let shared = self.0.get(&*value.0);
        if shared.is_some_and(|s| Arc::ptr_eq(s, &value.0)) {
            self.0.remove(&*value.0);
        }
    }

    /// How many distinct values are held.
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
