//! A map whose values live in one vector of slots, looked up through a
//! small hashed index.
//!
//! The router keeps a record of about a hundred bytes per routed
//! conversation (and the simulator one per simulated conversation). In a
//! hash map that record sits in every bucket, and a hash table runs
//! between half and seven eighths full, so a million open
//! conversations held up to twice the records' size in buckets, and every
//! growth moved each record. Here the index holds only a key and a slot
//! number (20 bytes), the records sit packed in a vector, and freed slots
//! are reused last-freed first, so the layout depends only on the sequence
//! of inserts and removals (deterministic, like everything in the engine).

use super::fast::place;
use crate::model::ids::ShortId;
use hashbrown::HashTable;

/// Values in a slot vector, found by key through a hashed index of slot
/// numbers placed by the key's short form (see [`place`]). Iteration
/// follows the index and has no meaningful order.
#[derive(Debug, Clone)]
pub(crate) struct SlabMap<K, V> {
    index: HashTable<(K, u32)>,
    slots: Vec<Option<V>>,
    free: Vec<u32>,
}

impl<K, V> Default for SlabMap<K, V> {
    fn default() -> Self {
        SlabMap {
            index: HashTable::new(),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<K: ShortId, V> SlabMap<K, V> {
    /// How many entries it holds.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// The slot holding `key`'s value.
    fn slot(&self, key: &K) -> Option<u32> {
        self.index
            .find(place(key), |(k, _)| k == key)
            .map(|(_, slot)| *slot)
    }

    /// Whether `key` has an entry.
    pub(crate) fn contains_key(&self, key: &K) -> bool {
        self.slot(key).is_some()
    }

    /// The value for `key`.
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        let slot = self.slot(key)?;
        self.slots.get(slot as usize)?.as_ref()
    }

    /// The value for `key`, to change.
    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let slot = self.slot(key)?;
        self.slots.get_mut(slot as usize)?.as_mut()
    }

    /// Sets the value for `key`; returns the value it replaces.
    ///
    /// # Panics
    /// When more than `u32::MAX` entries would be held at once.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self
            .index
            .entry(place(&key), |(k, _)| *k == key, |(k, _)| place(k))
        {
            hashbrown::hash_table::Entry::Occupied(entry) => {
                let slot = &mut self.slots[entry.get().1 as usize];
                slot.replace(value)
            }
            hashbrown::hash_table::Entry::Vacant(entry) => {
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
                entry.insert((key, slot));
                None
            }
        }
    }

    /// Takes the value for `key` out; its slot is reused by the next insert.
    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        let (_, slot) = self
            .index
            .find_entry(place(key), |(k, _)| k == key)
            .ok()?
            .remove()
            .0;
        let value = self.slots.get_mut(slot as usize)?.take();
        self.free.push(slot);
        value
    }

    /// Takes every entry out, in no meaningful order, leaving the map empty.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = (K, V)> + '_ {
        let mut slots = std::mem::take(&mut self.slots);
        self.free.clear();
        self.index
            .drain()
            .filter_map(move |(key, slot)| slots.get_mut(slot as usize)?.take().map(|v| (key, v)))
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
    use crate::model::ids::ShortId;
    use std::collections::BTreeMap;

    /// A key whose short form is itself modulo 64, so that keys share one.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    struct Key(u32);

    impl ShortId for Key {
        fn short_id(&self) -> u32 {
            self.0 % 64
        }
    }

    #[test]
    fn behaves_like_a_map_and_reuses_freed_slots() {
        let mut map: SlabMap<Key, String> = SlabMap::default();
        assert_eq!(map.insert(Key(1), "a".into()), None);
        assert_eq!(map.insert(Key(2), "b".into()), None);
        assert_eq!(map.insert(Key(1), "c".into()).as_deref(), Some("a"));
        assert_eq!(map.len(), 2);
        assert_eq!(map.get(&Key(1)).map(String::as_str), Some("c"));
        assert_eq!(map.remove(&Key(1)).as_deref(), Some("c"));
        assert_eq!(map.remove(&Key(1)), None);
        assert!(!map.contains_key(&Key(1)));
        map.insert(Key(3), "d".into());
        assert_eq!(map.slots.len(), 2, "the freed slot is taken again");
        if let Some(value) = map.get_mut(&Key(3)) {
            value.push('!');
        }
        let mut all: Vec<(u32, String)> = map.iter().map(|(k, v)| (k.0, v.clone())).collect();
        all.sort();
        assert_eq!(all, vec![(2, "b".to_string()), (3, "d!".to_string())]);
    }

    #[test]
    fn matches_a_btree_map_through_a_long_mixed_script() {
        let mut map: SlabMap<Key, u32> = SlabMap::default();
        let mut model = BTreeMap::new();
        let mut x: u32 = 12345;
        for step in 0..20_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let key = Key((x >> 8) % 500);
            if x % 3 == 0 {
                assert_eq!(map.remove(&key), model.remove(&key));
            } else {
                assert_eq!(map.insert(key, step), model.insert(key, step));
            }
            assert_eq!(map.len(), model.len());
            assert_eq!(map.get(&key), model.get(&key));
        }
        let mut all: Vec<(Key, u32)> = map.iter().map(|(k, v)| (*k, *v)).collect();
        all.sort();
        assert_eq!(all, model.into_iter().collect::<Vec<_>>());
        assert!(
            map.slots.len() <= 500,
            "slots never outnumber the keys ever held at once"
        );
    }

    #[test]
    fn drain_takes_exactly_the_live_entries_and_leaves_it_empty() {
        let mut map: SlabMap<Key, u32> = SlabMap::default();
        for n in 0..10 {
            map.insert(Key(n), n * 10);
        }
        map.remove(&Key(3));
        map.remove(&Key(7));
        let mut drained: Vec<(u32, u32)> = map.drain().map(|(k, v)| (k.0, v)).collect();
        drained.sort();
        assert_eq!(
            drained,
            [0, 1, 2, 4, 5, 6, 8, 9].map(|n| (n, n * 10)).to_vec()
        );
        assert_eq!(map.len(), 0);
        assert!(map.slots.is_empty() && map.free.is_empty());
        assert_eq!(map.insert(Key(1), 5), None, "usable after draining");
        assert_eq!(map.get(&Key(1)), Some(&5));
        assert_eq!(map.slots.len(), 1);
    }
}
