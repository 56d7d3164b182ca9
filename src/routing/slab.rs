//! A map whose values live in one vector of slots, looked up through a
//! small hashed index.
//!
//! The router keeps a record of about a hundred bytes per routed
//! conversation. In a hash map that record sits in every bucket, and a hash
//! table runs between half and seven eighths full, so a million open
//! conversations held up to twice the records' size in buckets, and every
//! growth moved each record. Here the index holds only a key and a slot
//! number (20 bytes), the records sit packed in a vector, and freed slots
//! are reused last-freed first, so the layout depends only on the sequence
//! of inserts and removals (deterministic, like everything in the engine).

use super::FastMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;

/// Values in a slot vector, found by key through a [`FastMap`] of slot
/// numbers. Iteration follows the index and has no meaningful order.
#[derive(Debug, Clone)]
pub(crate) struct SlabMap<K, V> {
    index: FastMap<K, u32>,
    slots: Vec<Option<V>>,
    free: Vec<u32>,
}

impl<K, V> Default for SlabMap<K, V> {
    fn default() -> Self {
        SlabMap {
            index: FastMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<K: Eq + Hash + Copy, V> SlabMap<K, V> {
    /// How many entries it holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether `key` has an entry.
    pub(crate) fn contains_key(&self, key: &K) -> bool {
        self.index.contains_key(key)
    }

    /// The value for `key`.
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        let slot = *self.index.get(key)?;
        self.slots.get(slot as usize)?.as_ref()
    }

    /// The value for `key`, to change.
    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let slot = *self.index.get(key)?;
        self.slots.get_mut(slot as usize)?.as_mut()
    }

    /// Sets the value for `key`; returns the value it replaces.
    ///
    /// # Panics
    /// When more than `u32::MAX` entries would be held at once.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.index.entry(key) {
            Entry::Occupied(entry) => {
                let slot = &mut self.slots[*entry.get() as usize];
                slot.replace(value)
            }
            Entry::Vacant(entry) => {
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.slots[slot as usize] = Some(value);
                        slot
                    }
                    None => {
                        let slot = u32::try_from(self.slots.len())
                            .expect("fewer than 2^32 routed conversations at once");
                        self.slots.push(Some(value));
                        slot
                    }
                };
                entry.insert(slot);
                None
            }
        }
    }

    /// Takes the value for `key` out; its slot is reused by the next insert.
    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        let slot = self.index.remove(key)?;
        let value = self.slots.get_mut(slot as usize)?.take();
        self.free.push(slot);
        value
    }

    /// Every entry, in no meaningful order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        self.index.iter().filter_map(|(key, slot)| {
            self.slots
                .get(*slot as usize)
                .and_then(Option::as_ref)
                .map(|value| (key, value))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::SlabMap;
    use std::collections::BTreeMap;

    #[test]
    fn behaves_like_a_map_and_reuses_freed_slots() {
        let mut map: SlabMap<u64, String> = SlabMap::default();
        assert_eq!(map.insert(1, "a".into()), None);
        assert_eq!(map.insert(2, "b".into()), None);
        assert_eq!(map.insert(1, "c".into()).as_deref(), Some("a"));
        assert_eq!(map.len(), 2);
        assert_eq!(map.get(&1).map(String::as_str), Some("c"));
        assert_eq!(map.remove(&1).as_deref(), Some("c"));
        assert_eq!(map.remove(&1), None);
        assert!(!map.contains_key(&1));
        map.insert(3, "d".into());
        assert_eq!(map.slots.len(), 2, "the freed slot is taken again");
        if let Some(value) = map.get_mut(&3) {
            value.push('!');
        }
        let mut all: Vec<(u64, String)> = map.iter().map(|(k, v)| (*k, v.clone())).collect();
        all.sort();
        assert_eq!(all, vec![(2, "b".to_string()), (3, "d!".to_string())]);
    }

    #[test]
    fn matches_a_btree_map_through_a_long_mixed_script() {
        let mut map: SlabMap<u32, u32> = SlabMap::default();
        let mut model = BTreeMap::new();
        let mut x: u32 = 12345;
        for step in 0..20_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let key = (x >> 8) % 500;
            if x % 3 == 0 {
                assert_eq!(map.remove(&key), model.remove(&key));
            } else {
                assert_eq!(map.insert(key, step), model.insert(key, step));
            }
            assert_eq!(map.len(), model.len());
            assert_eq!(map.get(&key), model.get(&key));
        }
        let mut all: Vec<(u32, u32)> = map.iter().map(|(k, v)| (*k, *v)).collect();
        all.sort();
        assert_eq!(all, model.into_iter().collect::<Vec<_>>());
        assert!(
            map.slots.len() <= 500,
            "slots never outnumber the keys ever held at once"
        );
    }
}
