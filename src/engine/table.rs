//! A hash table of boxed records found by the id each record holds.
//!
//! A `HashMap<Id, Box<Record>>` stores every id twice, once as the key
//! and once inside the record, and gives each slot 24 bytes. This table
//! stores only the box (8 bytes a slot) and hashes the id the record holds,
//! so a conversation or a customer in the hot state costs a third of the
//! slot. Like the engine's other tables it is for lookups only: it
//! serialises in key order, and nothing iterates it where order could
//! change an outcome.
//!
//! Records are placed by their key's 32-bit short form (for the engine's
//! ids, the low bits of the minting counter: see `model::ids::short_id`),
//! so an index that keeps only the short form can still find its record,
//! by the short form and a check on the record itself (see
//! `fingerprint_index`).

use crate::model::ids::ShortId;
use crate::routing::fast::{place, spread};
use hashbrown::HashTable;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A record that carries its own key.
pub(crate) trait Keyed {
    /// The key type: a small id, placed by its short form (keys may share
    /// one).
    type Key: Ord + ShortId;
    /// The record's key (it never changes while the record is in a table).
    fn key(&self) -> &Self::Key;
}

/// Boxed records by their key (see the module docs).
pub(crate) struct KeyedTable<R: Keyed> {
    table: HashTable<Box<R>>,
}

impl<R: Keyed> KeyedTable<R> {
    /// An empty table.
    pub(crate) fn new() -> Self {
        KeyedTable {
            table: HashTable::new(),
        }
    }

    /// The record under `key`.
    pub(crate) fn get(&self, key: &R::Key) -> Option<&R> {
        self.table
            .find(place(key), |r| r.key() == key)
            .map(|r| &**r)
    }

    /// The record under `key`, to change (not its key).
    pub(crate) fn get_mut(&mut self, key: &R::Key) -> Option<&mut R> {
        self.table
            .find_mut(place(key), |r| r.key() == key)
            .map(|r| &mut **r)
    }

    /// A record whose key has this short form and which `matches`.
    pub(crate) fn find_by_short(
        &self,
        short: u32,
        mut matches: impl FnMut(&R) -> bool,
    ) -> Option<&R> {
        self.table
            .find(spread(short), |r| r.key().short_id() == short && matches(r))
            .map(|r| &**r)
    }

    /// Whether any record's key has this short form.
    pub(crate) fn holds_short(&self, short: u32) -> bool {
        self.find_by_short(short, |_| true).is_some()
    }

    /// Whether a record is under `key`.
    pub(crate) fn contains_key(&self, key: &R::Key) -> bool {
        self.get(key).is_some()
    }

    /// Puts `record` under its key; returns the record it replaces.
    pub(crate) fn insert(&mut self, record: Box<R>) -> Option<Box<R>> {
        let key = *record.key();
        let hash = place(&key);
        // One probe: the entry is the slot found, or the place to fill.
        match self
            .table
            .entry(hash, |r| *r.key() == key, |r| place(r.key()))
        {
            hashbrown::hash_table::Entry::Occupied(mut slot) => {
                Some(std::mem::replace(slot.get_mut(), record))
            }
            hashbrown::hash_table::Entry::Vacant(place) => {
                place.insert(record);
                None
            }
        }
    }

    /// Takes the record under `key` out.
    pub(crate) fn remove(&mut self, key: &R::Key) -> Option<Box<R>> {
        self.table
            .find_entry(place(key), |r| r.key() == key)
            .ok()
            .map(|entry| entry.remove().0)
    }

    /// How many records it holds.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Every record with its key, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&R::Key, &R)> {
        self.table.iter().map(|r| (r.key(), &**r))
    }

    /// Every record, in no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &R> {
        self.table.iter().map(|r| &**r)
    }

    /// Every record, changeable in place (its key must stay as it is).
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut R> {
        self.table.iter_mut().map(|r| &mut **r)
    }

    /// The records in key order.
    fn by_key(&self) -> Vec<&R> {
        let mut records: Vec<&R> = self.table.iter().map(|r| &**r).collect();
        records.sort_unstable_by(|a, b| a.key().cmp(b.key()));
        records
    }
}

impl<R: Keyed> Default for KeyedTable<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Keyed + Clone> Clone for KeyedTable<R> {
    fn clone(&self) -> Self {
        KeyedTable {
            table: self.table.clone(),
        }
    }
}

impl<R: Keyed + std::fmt::Debug> std::fmt::Debug for KeyedTable<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_key()).finish()
    }
}

impl<R: Keyed + PartialEq> PartialEq for KeyedTable<R> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .values()
                .all(|r| other.get(r.key()).is_some_and(|o| o == r))
    }
}

/// Serialises as a list of `[key, record]` pairs in key order: the same
/// JSON as the `HashMap` it replaced, so snapshots read either way.
impl<R: Keyed + Serialize> Serialize for KeyedTable<R>
where
    R::Key: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.by_key().into_iter().map(|r| (r.key(), r)))
    }
}

impl<'de, R: Keyed + Deserialize<'de>> Deserialize<'de> for KeyedTable<R>
where
    R::Key: Deserialize<'de> + std::fmt::Display,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs: Vec<(R::Key, Box<R>)> = Vec::deserialize(deserializer)?;
        let mut table = KeyedTable::new();
        table.table.reserve(pairs.len(), |r| place(R::key(r)));
        for (key, record) in pairs {
            if key != *record.key() {
                return Err(serde::de::Error::custom(format!(
                    "record listed under {key} holds another id"
                )));
            }
            if table.insert(record).is_some() {
                return Err(serde::de::Error::custom(format!("two records under {key}")));
            }
        }
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Item {
        id: u64,
        value: String,
    }

    impl Keyed for Item {
        type Key = u64;
        fn key(&self) -> &u64 {
            &self.id
        }
    }

    /// Few short forms, so that many keys share each.
    impl ShortId for u64 {
        fn short_id(&self) -> u32 {
            (*self % 37) as u32
        }
    }

    fn item(id: u64, value: &str) -> Box<Item> {
        Box::new(Item {
            id,
            value: value.into(),
        })
    }

    #[test]
    fn behaves_like_a_map_from_each_record_s_own_id() {
        let mut table = KeyedTable::new();
        let mut model = std::collections::BTreeMap::new();
        let mut rng = crate::sim::SimRng::new(11);
        for step in 0..20_000u64 {
            let id = rng.below(500);
            match rng.below(4) {
                0 | 1 => {
                    let value = format!("v{step}");
                    let replaced = table.insert(item(id, &value)).map(|r| r.value);
                    assert_eq!(replaced, model.insert(id, value));
                }
                2 => assert_eq!(table.remove(&id).map(|r| r.value), model.remove(&id)),
                _ => {
                    if let Some(record) = table.get_mut(&id) {
                        record.value.push('!');
                    }
                    if let Some(value) = model.get_mut(&id) {
                        value.push('!');
                    }
                }
            }
            assert_eq!(table.len(), model.len());
            assert_eq!(table.contains_key(&id), model.contains_key(&id));
            assert_eq!(
                table.get(&id).map(|r| r.value.as_str()),
                model.get(&id).map(String::as_str)
            );
            let short = id.short_id();
            assert_eq!(
                table.find_by_short(short, |r| r.id == id).map(|r| r.id),
                model.get(&id).map(|_| id),
                "found by its short form and a check"
            );
            assert_eq!(
                table.holds_short(short),
                model.keys().any(|key| key.short_id() == short)
            );
        }
        let listed: Vec<(u64, String)> = table
            .by_key()
            .into_iter()
            .map(|r| (r.id, r.value.clone()))
            .collect();
        assert_eq!(listed, model.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn serialises_as_sorted_pairs_and_rejects_a_record_under_the_wrong_key() {
        let mut table = KeyedTable::new();
        for id in [30, 10, 20] {
            table.insert(item(id, "x"));
        }
        let json = serde_json::to_value(&table).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!([
                [10, {"id": 10, "value": "x"}],
                [20, {"id": 20, "value": "x"}],
                [30, {"id": 30, "value": "x"}]
            ])
        );
        let back: KeyedTable<Item> = serde_json::from_value(json).expect("loads");
        assert_eq!(back, table);
        let wrong = serde_json::json!([[10, {"id": 11, "value": "x"}]]);
        let error = serde_json::from_value::<KeyedTable<Item>>(wrong).unwrap_err();
        assert!(error.to_string().contains("another id"), "{error}");
        let twice =
            serde_json::json!([[10, {"id": 10, "value": "x"}], [10, {"id": 10, "value": "y"}]]);
        assert!(serde_json::from_value::<KeyedTable<Item>>(twice).is_err());
    }
}
