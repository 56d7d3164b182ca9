//! Routing: the right agent for each conversation, at the size of the
//! largest desks.
//!
//! The [`Router`] keeps agents in pools indexed by (language, level,
//! channel, skill) with their load, and waiting conversations in ordered
//! classes keyed by priority, SLA deadline and arrival, so one decision
//! costs O(log agents + log queued) rather than a scan (see [`indexed`] for
//! the indexes and the cost of every operation). It is the engine's routing
//! state: the engine builds each conversation's [`RouteRequirements`]
//! (language, channel, visibility, team, skills from intents, customer for
//! sticky routing), passes SLA deadlines in as plain times, records every
//! decision as an event and applies it here, so replay rebuilds the same
//! assignments.
//!
//! - [`RoutingStrategy`]: least loaded, round robin, longest idle, sticky.
//! - [`OfferMode`]: assign directly, or push offers with a timeout (an
//!   agent who misses too many is set away); agents may also pull.
//! - [`QueueSpec`] and [`RelaxationStep`]: several queues with their own
//!   agents, and requirements that loosen the longer a conversation waits.
//! - [`Shift`] and [`OfflinePolicy`]: rosters, and what happens to an
//!   agent's conversations when they leave.

pub(crate) use fast::FastMap;

/// Hash maps with a fixed, deterministic hasher, for the engine's hot
/// lookups (see [`fast::MixHasher`]).
pub(crate) mod fast {
    use std::collections::HashMap;
    use std::hash::{BuildHasherDefault, Hasher};

    /// Where a record is placed by its id's short form
    /// (`model::ids::short_id`), in a table hashed by hand. The low bits,
    /// which pick the bucket, are the short form itself: the engine mints
    /// ids from a counter, so records made one after another sit in
    /// neighbouring buckets (an insert finds its bucket free and near the
    /// last one touched, and recent records, the ones an input most likely
    /// needs, share cache lines) and a million of them never collide. Ids
    /// minted at a regular stride (every third, when each new conversation
    /// mints a customer, a conversation and a message id) spread the same
    /// way for any odd stride and fill every second or fourth bucket for
    /// small even ones, which hashbrown's 16-bucket groups absorb. The top
    /// seven bits, which hashbrown compares before looking further, are
    /// mixed from all of it.
    pub(crate) fn spread(short: u32) -> u64 {
        let tag = u64::from(short).wrapping_mul(0x9E37_79B9_7F4A_7C15) & (0x7F << 57);
        u64::from(short) | tag
    }

    /// Where a record keyed by `key` is placed: [`spread`] of its short form.
    pub(crate) fn place<K: crate::model::ids::ShortId>(key: &K) -> u64 {
        spread(key.short_id())
    }

    /// A hash map with [`MixHasher`]: same inputs, same layout, every run.
    pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<MixHasher>>;

    /// A small multiply-and-rotate hasher with a splitmix finaliser; keys are
    /// ids and pre-hashed strings, never attacker-chosen bulk data that a
    /// seeded hasher would be needed for (the engine verifies every hit).
    #[derive(Debug, Clone, Copy, Default)]
    pub(crate) struct MixHasher(u64);

    impl Hasher for MixHasher {
        fn write(&mut self, bytes: &[u8]) {
            let mut chunks = bytes.chunks_exact(8);
            for chunk in &mut chunks {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                self.write_u64(u64::from_le_bytes(word));
            }
            let rest = chunks.remainder();
            if !rest.is_empty() {
                let mut word = [0u8; 8];
                word[..rest.len()].copy_from_slice(rest);
                self.write_u64(u64::from_le_bytes(word));
            }
        }

        fn write_u64(&mut self, value: u64) {
            self.0 = (self.0.rotate_left(23) ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }

        fn write_u8(&mut self, value: u8) {
            self.write_u64(u64::from(value));
        }

        fn write_u16(&mut self, value: u16) {
            self.write_u64(u64::from(value));
        }

        fn write_u32(&mut self, value: u32) {
            self.write_u64(u64::from(value));
        }

        fn write_usize(&mut self, value: usize) {
            self.write_u64(value as u64);
        }

        fn finish(&self) -> u64 {
            let mut x = self.0;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        }
    }

    /// The entries of a [`FastMap`] in key order, whatever the table's
    /// layout.
    pub(crate) fn by_key<K: Ord, V>(map: &FastMap<K, V>) -> Vec<(&K, &V)> {
        let mut pairs: Vec<(&K, &V)> = map.iter().collect();
        pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
        pairs
    }
}

/// Serialises a [`FastMap`] exactly as a `BTreeMap` with the same entries
/// would be (a map in key order), so a field can change between the two
/// without changing stored snapshots.
pub(crate) mod sorted_map {
    use super::fast::FastMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;
    use std::hash::Hash;

    pub(crate) fn serialize<K, V, S>(map: &FastMap<K, V>, serializer: S) -> Result<S::Ok, S::Error>
    where
        K: Serialize + Ord,
        V: Serialize,
        S: Serializer,
    {
        serializer.collect_map(super::fast::by_key(map))
    }

    pub(crate) fn deserialize<'de, K, V, D>(deserializer: D) -> Result<FastMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord + Eq + Hash,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let map: BTreeMap<K, V> = BTreeMap::deserialize(deserializer)?;
        Ok(map.into_iter().collect())
    }
}

pub mod indexed;
pub mod offer;
pub mod queue;
pub mod relax;
pub mod shift;
pub(crate) mod slab;
pub mod strategy;
mod waiting;

pub use indexed::{
    AgentChange, Decision, OfflinePolicy, RouteState, Router, RouterConfig, RouterError,
    RouterTimer, Weights,
};
pub use offer::{Offer, OfferEnded, OfferMode};
pub use queue::{AgentFilter, QueueId, QueueMatch, QueueOrder, QueueSpec, RouteRequirements};
pub use relax::{Relax, RelaxationStep};
pub use shift::{Shift, ShiftInterval};
pub use strategy::{BaseStrategy, RoutingStrategy};

#[cfg(test)]
mod sorted_map_tests {
    use super::FastMap;
    use crate::model::{ConversationId, SurveyId};
    use serde::{Deserialize, Serialize};
    use std::collections::BTreeMap;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Hashed(#[serde(with = "super::sorted_map")] FastMap<ConversationId, SurveyId>);

    #[test]
    fn a_hash_map_serialises_exactly_as_the_btree_map_it_replaced() {
        let id = |n: u128| uuid::Uuid::from_u128(n);
        let entries: Vec<(ConversationId, SurveyId)> = [9u128, 3, 7, 1]
            .into_iter()
            .map(|n| (ConversationId(id(n)), SurveyId(id(n + 100))))
            .collect();
        let btree: BTreeMap<ConversationId, SurveyId> = entries.iter().copied().collect();
        let hashed = Hashed(entries.iter().copied().collect());
        let json = serde_json::to_string(&hashed).unwrap();
        assert_eq!(json, serde_json::to_string(&btree).unwrap());
        assert_eq!(serde_json::from_str::<Hashed>(&json).unwrap(), hashed);
    }
}
