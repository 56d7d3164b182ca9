//! An index from a key to the record holding it, in 8 bytes an entry.
//!
//! The engine finds a customer by an identity and a conversation by one of
//! its messages' external ids. A `HashMap<u64, Id>` from the key's hash
//! takes 24 bytes an entry (the hash and a 16-byte id), which at a million
//! open conversations is over a hundred bytes a conversation for the two
//! indexes. Here an entry is the top half of the key's 64-bit hash (its
//! fingerprint) and the record's 32-bit short id
//! (`model::ids::short_id`). The record is found in its keyed table by the
//! short id and a check that it really holds the key, so neither half has
//! to be unique for a lookup to be right:
//! - a key whose fingerprint's entry already serves another live record is
//!   *spilled*: kept whole, with its record's full id, in a small ordered
//!   map (a million random keys share about a hundred fingerprints);
//! - a fingerprint with no entry has no spilled keys either (when an
//!   entry's record lets go of it, a spilled key with the same fingerprint
//!   takes the entry over), so a key never seen costs one probe.
//!
//! The index serialises as its entries in fingerprint order and its spilled
//! keys in fingerprint order, each fingerprint's in the order they came:
//! snapshots are the same on every run, and a live index equals its replay.

use crate::model::ids::ShortId;
use crate::routing::fast::spread;
use hashbrown::HashTable;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// A key the index can hash, so that a snapshot's spilled keys find their
/// fingerprints again.
pub(crate) trait IndexKey {
    /// The key's 64-bit hash, as the engine computes it for lookups.
    fn key_hash(&self) -> u64;
}

/// The top half of a key's hash.
fn fingerprint(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// Whether two keys' hashes share a fingerprint (and so an entry).
pub(crate) fn same_fingerprint(a: u64, b: u64) -> bool {
    fingerprint(a) == fingerprint(b)
}

/// One entry: keys with this fingerprint are held by the record with this
/// short id (or spilled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    fingerprint: u32,
    short: u32,
}

/// Keys to records by fingerprint and short id (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct FingerprintIndex<K, Id> {
    entries: HashTable<Entry>,
    spilled: BTreeMap<u32, Vec<(K, Id)>>,
}

impl<K, Id: ShortId> FingerprintIndex<K, Id> {
    /// An empty index.
    pub(crate) fn new() -> Self {
        FingerprintIndex {
            entries: HashTable::new(),
            spilled: BTreeMap::new(),
        }
    }

    /// How many fingerprints have an entry.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> usize {
        self.entries.len()
    }

    /// How many keys are spilled.
    #[cfg(test)]
    pub(crate) fn spilled_keys(&self) -> usize {
        self.spilled.values().map(Vec::len).sum()
    }

    /// The short id the key's fingerprint names: look for a record with
    /// it that holds the key first, then at [`spilled`](Self::spilled).
    /// `None` means the key is not indexed at all.
    pub(crate) fn short(&self, hash: u64) -> Option<u32> {
        let fingerprint = fingerprint(hash);
        self.entries
            .find(spread(fingerprint), |e| e.fingerprint == fingerprint)
            .map(|e| e.short)
    }

    /// The record of a spilled key (`is_key` recognises it).
    pub(crate) fn spilled(&self, hash: u64, is_key: impl Fn(&K) -> bool) -> Option<Id> {
        self.spilled
            .get(&fingerprint(hash))?
            .iter()
            .find(|(key, _)| is_key(key))
            .map(|(_, id)| *id)
    }

    /// Indexes a key (`hash`, built by `key` when it must be kept whole)
    /// for `id`'s record. An entry that already names `id`'s short id
    /// serves it as it is. An entry naming another short id is kept for
    /// that record when `serves_other` says a live record with that short
    /// id may still need it, and the key is spilled; otherwise the entry
    /// is pointed at `id` (added, or taken over from a record that left).
    pub(crate) fn insert(
        &mut self,
        hash: u64,
        id: Id,
        key: impl FnOnce() -> K,
        serves_other: impl FnOnce(u32) -> bool,
    ) where
        K: PartialEq,
    {
        match self.short(hash) {
            Some(holder) if holder == id.short_id() => {}
            Some(holder) if serves_other(holder) => self.spill(hash, key(), id),
            _ => self.point(hash, id),
        }
    }

    /// Points the key's fingerprint at `id`'s record, adding the entry or
    /// replacing the short id it named.
    fn point(&mut self, hash: u64, id: Id) {
        let fingerprint = fingerprint(hash);
        let short = id.short_id();
        match self.entries.entry(
            spread(fingerprint),
            |e| e.fingerprint == fingerprint,
            |e| spread(e.fingerprint),
        ) {
            hashbrown::hash_table::Entry::Occupied(mut slot) => slot.get_mut().short = short,
            hashbrown::hash_table::Entry::Vacant(place) => {
                place.insert(Entry { fingerprint, short });
            }
        }
    }

    /// Keeps a key whose fingerprint's entry serves another live record;
    /// a key spilled before (for a record it moved from) now names `id`.
    fn spill(&mut self, hash: u64, key: K, id: Id)
    where
        K: PartialEq,
    {
        debug_assert!(self.short(hash).is_some(), "a spilled key has an entry");
        let keys = self.spilled.entry(fingerprint(hash)).or_default();
        match keys.iter_mut().find(|(spilled, _)| *spilled == key) {
            Some((_, holder)) => *holder = id,
            None => keys.push((key, id)),
        }
    }

    /// Lets go of `id`'s hold on a key, after `id`'s record has let go of
    /// it or left its table. A spilled key is removed. An entry naming
    /// `id`'s short id is removed unless `still_served` says another live
    /// record with that short id holds a key with the same fingerprint
    /// (see [`same_fingerprint`]); otherwise the first spilled key with the
    /// fingerprint takes the entry over for its record's short id, and
    /// every spilled key of a record with that short id stops being
    /// spilled. Says whether the key was held for `id`.
    pub(crate) fn release(
        &mut self,
        hash: u64,
        is_key: impl Fn(&K) -> bool,
        id: Id,
        still_served: impl FnOnce() -> bool,
    ) -> bool {
        let fingerprint = fingerprint(hash);
        if let Some(keys) = self.spilled.get_mut(&fingerprint) {
            if let Some(at) = keys
                .iter()
                .position(|(key, holder)| *holder == id && is_key(key))
            {
                keys.remove(at);
                if keys.is_empty() {
                    self.spilled.remove(&fingerprint);
                }
                return true;
            }
        }
        let short = id.short_id();
        let Ok(slot) = self.entries.find_entry(spread(fingerprint), |e| {
            e.fingerprint == fingerprint && e.short == short
        }) else {
            return false;
        };
        if still_served() {
            return true;
        }
        let keys = self.spilled.get_mut(&fingerprint);
        match keys.and_then(|keys| Some((keys.first()?.1.short_id(), keys))) {
            Some((heir, keys)) => {
                // The first spilled key's record takes the entry over, and
                // with it every spilled key of a record with its short id.
                keys.retain(|(_, holder)| holder.short_id() != heir);
                if keys.is_empty() {
                    self.spilled.remove(&fingerprint);
                }
                slot.into_mut().short = heir;
            }
            None => {
                slot.remove();
            }
        }
        true
    }

    /// The entries in fingerprint order.
    fn sorted_entries(&self) -> Vec<Entry> {
        let mut entries: Vec<Entry> = self.entries.iter().copied().collect();
        entries.sort_unstable_by_key(|e| e.fingerprint);
        entries
    }
}

impl<K, Id: ShortId> Default for FingerprintIndex<K, Id> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: PartialEq, Id: ShortId> PartialEq for FingerprintIndex<K, Id> {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().all(|e| {
                other
                    .entries
                    .find(spread(e.fingerprint), |o| o == e)
                    .is_some()
            })
            && self.spilled == other.spilled
    }
}

/// The JSON shape: `{"entries": [[fingerprint, short id], …],
/// "spilled": [[key, id], …]}`.
#[derive(Serialize, Deserialize)]
struct Listed<K, Id> {
    entries: Vec<(u32, u32)>,
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    spilled: Vec<(K, Id)>,
}

impl<K: Serialize + Clone, Id: ShortId + Serialize> Serialize for FingerprintIndex<K, Id> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Listed {
            entries: self
                .sorted_entries()
                .into_iter()
                .map(|e| (e.fingerprint, e.short))
                .collect(),
            spilled: self.spilled.values().flatten().cloned().collect(),
        }
        .serialize(serializer)
    }
}

impl<'de, K, Id> Deserialize<'de> for FingerprintIndex<K, Id>
where
    K: Deserialize<'de> + IndexKey + PartialEq,
    Id: ShortId + Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let listed = Listed::<K, Id>::deserialize(deserializer)?;
        let mut index = FingerprintIndex::new();
        index
            .entries
            .reserve(listed.entries.len(), |e| spread(e.fingerprint));
        for (fingerprint, short) in listed.entries {
            let hash = u64::from(fingerprint) << 32;
            if index.short(hash).is_some() {
                return Err(D::Error::custom(format!(
                    "fingerprint {fingerprint} listed twice"
                )));
            }
            index
                .entries
                .insert_unique(spread(fingerprint), Entry { fingerprint, short }, |e| {
                    spread(e.fingerprint)
                });
        }
        for (key, id) in listed.spilled {
            let hash = key.key_hash();
            if index.short(hash).is_none() {
                return Err(D::Error::custom("a spilled key's fingerprint has no entry"));
            }
            index.spill(hash, key, id);
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimRng;
    use std::collections::BTreeMap;

    /// A record id whose short form is its value modulo 5, so that many
    /// records share one.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
    struct RecordId(u32);

    impl ShortId for RecordId {
        fn short_id(&self) -> u32 {
            self.0 % 5
        }
    }

    /// A key whose hash has few fingerprints, so that keys collide often.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    struct Key(u32);

    impl IndexKey for Key {
        fn key_hash(&self) -> u64 {
            (u64::from(self.0 % 7) << 32) | u64::from(self.0)
        }
    }

    /// The engine's use of the index, against a plain map as the model:
    /// records (by id) holding keys, indexed as the engine's state does.
    #[derive(Default)]
    struct Harness {
        index: FingerprintIndex<Key, RecordId>,
        records: BTreeMap<RecordId, Vec<u32>>,
    }

    impl Harness {
        fn lookup(&self, key: u32) -> Option<RecordId> {
            let hash = Key(key).key_hash();
            let short = self.index.short(hash)?;
            let found = self
                .records
                .iter()
                .find(|(id, keys)| id.short_id() == short && keys.contains(&key))
                .map(|(id, _)| *id);
            found.or_else(|| self.index.spilled(hash, |k| k.0 == key))
        }

        /// Whether a record with this short id holds a key with the
        /// fingerprint of `hash`.
        fn still_served(&self, short: u32, hash: u64) -> bool {
            self.records.iter().any(|(id, keys)| {
                id.short_id() == short
                    && keys
                        .iter()
                        .any(|key| same_fingerprint(Key(*key).key_hash(), hash))
            })
        }

        fn add(&mut self, key: u32, id: RecordId) {
            self.records.entry(id).or_default().push(key);
            let records = &self.records;
            self.index.insert(
                Key(key).key_hash(),
                id,
                || Key(key),
                |holder| records.keys().any(|other| other.short_id() == holder),
            );
        }

        fn remove_record(&mut self, id: RecordId) {
            let keys = self.records.remove(&id).unwrap_or_default();
            for key in keys {
                let hash = Key(key).key_hash();
                let served = self.still_served(id.short_id(), hash);
                self.index.release(hash, |k| k.0 == key, id, || served);
            }
        }
    }

    #[test]
    fn finds_every_key_through_shared_fingerprints_and_short_ids() {
        for seed in 1..=8 {
            random_script(seed);
        }
    }

    fn random_script(seed: u64) {
        let mut rng = SimRng::new(seed);
        let mut harness = Harness::default();
        let mut next_key = 0u32;
        for step in 0..1_500 {
            if rng.below(3) == 0 && !harness.records.is_empty() {
                let nth = rng.below(harness.records.len() as u64) as usize;
                let id = *harness.records.keys().nth(nth).expect("in range");
                harness.remove_record(id);
            } else {
                let id = RecordId(rng.below(40) as u32);
                harness.add(next_key, id);
                next_key += 1;
            }
            for (id, keys) in &harness.records {
                for key in keys {
                    assert_eq!(
                        harness.lookup(*key),
                        Some(*id),
                        "seed {seed}: key {key} at step {step}"
                    );
                }
            }
            if step % 97 == 0 {
                let json = serde_json::to_string(&harness.index).expect("serialises");
                let back: FingerprintIndex<Key, RecordId> =
                    serde_json::from_str(&json).expect("loads");
                assert_eq!(back, harness.index);
                assert_eq!(serde_json::to_string(&back).expect("again"), json);
            }
        }
        assert!(harness.index.spilled_keys() > 0, "the test spilled keys");
        for id in harness.records.keys().copied().collect::<Vec<_>>() {
            harness.remove_record(id);
        }
        assert_eq!(harness.index.entries(), 0, "nothing left behind");
        assert_eq!(harness.index.spilled_keys(), 0);
    }

    #[test]
    fn an_unseen_key_is_a_miss_and_a_spilled_key_inherits_the_entry() {
        let mut harness = Harness::default();
        assert_eq!(harness.lookup(3), None);
        // Keys 0 and 7 share a fingerprint; records 1 and 2 their short ids
        // differ, so 7 is spilled.
        harness.add(0, RecordId(1));
        harness.add(7, RecordId(2));
        assert_eq!(harness.index.spilled_keys(), 1);
        assert_eq!(harness.lookup(14), None, "same fingerprint, not indexed");
        harness.remove_record(RecordId(1));
        assert_eq!(harness.index.spilled_keys(), 0, "7 took the entry over");
        assert_eq!(harness.index.entries(), 1);
        assert_eq!(harness.lookup(7), Some(RecordId(2)));
        assert_eq!(harness.lookup(0), None);
    }

    #[test]
    fn a_spilled_key_that_moves_to_another_record_names_only_the_new_one() {
        let mut harness = Harness::default();
        harness.add(0, RecordId(1));
        harness.add(7, RecordId(2));
        assert_eq!(harness.index.spilled_keys(), 1);
        // Record 2 is merged into record 3: it leaves its table and its
        // keys are indexed anew for record 3, as the engine does.
        let keys = harness.records.remove(&RecordId(2)).unwrap_or_default();
        for key in keys {
            harness.add(key, RecordId(3));
        }
        assert_eq!(harness.index.spilled_keys(), 1, "moved, not doubled");
        assert_eq!(harness.lookup(7), Some(RecordId(3)));
        harness.remove_record(RecordId(3));
        assert_eq!(harness.lookup(7), None);
        assert_eq!(harness.index.spilled_keys(), 0);
    }

    #[test]
    fn keeps_an_entry_another_record_with_the_short_id_may_need() {
        let mut harness = Harness::default();
        // Records 1 and 6 share short id 1; keys 0 and 7 share a
        // fingerprint, so one entry serves both records.
        harness.add(0, RecordId(1));
        harness.add(7, RecordId(6));
        assert_eq!(harness.index.spilled_keys(), 0);
        harness.remove_record(RecordId(1));
        assert_eq!(harness.lookup(7), Some(RecordId(6)));
        assert_eq!(harness.lookup(0), None);
    }

    #[test]
    fn rejects_a_snapshot_whose_spilled_key_has_no_entry() {
        let json = serde_json::json!({"entries": [], "spilled": [[3, 1]]});
        let error = serde_json::from_value::<FingerprintIndex<Key, RecordId>>(json).unwrap_err();
        assert!(error.to_string().contains("no entry"), "{error}");
        let twice = serde_json::json!({"entries": [[1, 2], [1, 3]]});
        assert!(serde_json::from_value::<FingerprintIndex<Key, RecordId>>(twice).is_err());
    }
}
