//! Routing: the waiting queue, agents' load, and who gets what next.
//!
//! This is the foundation's router, the simplest correct thing: waiting
//! conversations are ordered by (priority, arrival); an arriving conversation
//! goes to the least-loaded eligible agent (ties broken by agent id), and an
//! agent who frees capacity takes the first waiting conversation they can
//! serve. Eligible means online, speaking the conversation's language (any
//! agent when it is unknown), working its channel, in its team when it has
//! one, with a free unit of capacity. The routing issue replaces the agent
//! scan with indexes; the engine only talks to it through the methods here.
//!
//! A queue entry is named by its [`QueueKey`]; the caller (the engine keeps
//! it with the conversation) passes the key back to dequeue or re-key, so the
//! router holds one ordered map for the queue and nothing per conversation
//! besides.
//!
//! Costs: queueing, dequeueing and re-keying are O(log q); choosing an agent
//! for a conversation is O(a) over agents; choosing a conversation for an
//! agent walks the queue in order until one fits (O(q) in the worst case).

use crate::model::{
    Agent, AgentId, ChannelKind, ConversationId, Language, Presence, Priority, TeamId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) use fast::FastMap;

/// Hash maps with a fixed, deterministic hasher, for the engine's hot
/// lookups. Nothing iterates them in a way that affects outcomes, and they
/// serialise as a list of pairs sorted by key so output is deterministic.
pub(crate) mod fast {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::HashMap;
    use std::hash::{BuildHasherDefault, Hash, Hasher};

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

    /// Serialises an ordered map with non-string keys as a list of pairs.
    pub(crate) mod btree_pairs {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};
        use std::collections::BTreeMap;

        pub(crate) fn serialize<K, V, S>(
            map: &BTreeMap<K, V>,
            serializer: S,
        ) -> Result<S::Ok, S::Error>
        where
            K: Serialize,
            V: Serialize,
            S: Serializer,
        {
            serializer.collect_seq(map.iter())
        }

        pub(crate) fn deserialize<'de, K, V, D>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
        where
            K: Deserialize<'de> + Ord,
            V: Deserialize<'de>,
            D: Deserializer<'de>,
        {
            let pairs: Vec<(K, V)> = Vec::deserialize(deserializer)?;
            Ok(pairs.into_iter().collect())
        }
    }

    /// Serialises a [`FastMap`] as a list of `[key, value]` pairs sorted by
    /// key (JSON maps need string keys; sorting makes the output
    /// independent of the table's layout).
    pub(crate) mod sorted_pairs {
        use super::*;

        pub(crate) fn serialize<K, V, S>(
            map: &FastMap<K, V>,
            serializer: S,
        ) -> Result<S::Ok, S::Error>
        where
            K: Serialize + Ord,
            V: Serialize,
            S: Serializer,
        {
            let mut pairs: Vec<(&K, &V)> = map.iter().collect();
            pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
            serializer.collect_seq(pairs)
        }

        pub(crate) fn deserialize<'de, K, V, D>(deserializer: D) -> Result<FastMap<K, V>, D::Error>
        where
            K: Deserialize<'de> + Eq + Hash,
            V: Deserialize<'de>,
            D: Deserializer<'de>,
        {
            let pairs: Vec<(K, V)> = Vec::deserialize(deserializer)?;
            Ok(pairs.into_iter().collect())
        }
    }
}

/// What a waiting conversation needs from an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Requirements {
    /// The language, when known.
    pub language: Option<Language>,
    /// The channel kind.
    pub channel: ChannelKind,
    /// The team, when limited to one.
    pub team: Option<TeamId>,
}

/// The order of the waiting queue: higher priority first, then earlier arrival,
/// then conversation id (so the order is total and stable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QueueKey {
    /// Priority, highest first.
    pub priority: Reverse<Priority>,
    /// When it started waiting.
    pub since: DateTime<Utc>,
    /// Tie-break.
    pub conversation: ConversationId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AgentLoad {
    agent: Agent,
    total: u32,
    per_channel: BTreeMap<ChannelKind, u32>,
    conversations: BTreeSet<ConversationId>,
}

impl AgentLoad {
    fn free_for(&self, channel: ChannelKind) -> bool {
        let used = self.per_channel.get(&channel).copied().unwrap_or(0);
        self.total < self.agent.capacity.total && used < self.agent.capacity.limit_for(channel)
    }

    /// Occupancy in thousandths (integer, so ties compare exactly).
    fn occupancy(&self) -> u64 {
        u64::from(self.total) * 1000 / u64::from(self.agent.capacity.total.max(1))
    }
}

/// The router's state: queue, agents and their load, current assignments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimpleRouter {
    /// Waiting conversations in order, with what each needs. The caller
    /// (the engine) remembers each waiting conversation's key.
    #[serde(with = "fast::btree_pairs")]
    queue: BTreeMap<QueueKey, Requirements>,
    agents: BTreeMap<AgentId, AgentLoad>,
    #[serde(with = "fast::sorted_pairs")]
    assignments: FastMap<ConversationId, (AgentId, ChannelKind)>,
}

impl SimpleRouter {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an agent or replaces their profile (load is kept).
    pub fn upsert_agent(&mut self, agent: Agent) {
        match self.agents.get_mut(&agent.id) {
            Some(slot) => slot.agent = agent,
            None => {
                self.agents.insert(
                    agent.id,
                    AgentLoad {
                        agent,
                        total: 0,
                        per_channel: BTreeMap::new(),
                        conversations: BTreeSet::new(),
                    },
                );
            }
        }
    }

    /// Sets an agent's presence (unknown agents are ignored).
    pub fn set_presence(&mut self, agent: AgentId, presence: Presence) {
        if let Some(slot) = self.agents.get_mut(&agent) {
            slot.agent.presence = presence;
        }
    }

    /// An agent's profile.
    pub fn agent(&self, agent: AgentId) -> Option<&Agent> {
        self.agents.get(&agent).map(|slot| &slot.agent)
    }

    /// Every agent, by id.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.agents.values().map(|slot| &slot.agent)
    }

    /// An agent's current load in units.
    pub fn load(&self, agent: AgentId) -> Option<u32> {
        self.agents.get(&agent).map(|slot| slot.total)
    }

    /// Puts a conversation in the queue under `key`. The caller keeps the
    /// key (it names the entry) and takes any earlier entry of the same
    /// conversation out first with [`SimpleRouter::dequeue`].
    pub fn enqueue(&mut self, key: QueueKey, requirements: Requirements) {
        self.queue.insert(key, requirements);
    }

    /// Takes the entry `key` out of the queue; whether it was there.
    pub fn dequeue(&mut self, key: &QueueKey) -> bool {
        self.queue.remove(key).is_some()
    }

    /// Changes a waiting conversation's priority, keeping its place in time;
    /// returns the new key (`None`, and nothing changes, when `key` is not
    /// queued).
    pub fn reprioritise(&mut self, key: &QueueKey, priority: Priority) -> Option<QueueKey> {
        let requirements = self.queue.remove(key)?;
        let key = QueueKey {
            priority: Reverse(priority),
            ..*key
        };
        self.queue.insert(key, requirements);
        Some(key)
    }

    /// Whether the entry `key` is in the queue.
    pub fn is_queued(&self, key: &QueueKey) -> bool {
        self.queue.contains_key(key)
    }

    /// The waiting conversations in queue order.
    pub fn queue(&self) -> impl Iterator<Item = ConversationId> + '_ {
        self.queue.keys().map(|key| key.conversation)
    }

    /// How many conversations wait.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Records that `agent` owns `conversation` (one unit of load), releasing
    /// any earlier owner. The caller takes it out of the queue.
    pub fn assign(&mut self, conversation: ConversationId, agent: AgentId, channel: ChannelKind) {
        self.release(conversation);
        if let Some(slot) = self.agents.get_mut(&agent) {
            slot.total += 1;
            *slot.per_channel.entry(channel).or_insert(0) += 1;
            slot.conversations.insert(conversation);
        }
        self.assignments.insert(conversation, (agent, channel));
    }

    /// Frees the unit of load a conversation held; the agent who had it.
    pub fn release(&mut self, conversation: ConversationId) -> Option<AgentId> {
        let (agent, channel) = self.assignments.remove(&conversation)?;
        if let Some(slot) = self.agents.get_mut(&agent) {
            slot.conversations.remove(&conversation);
            slot.total = slot.total.saturating_sub(1);
            if let Some(used) = slot.per_channel.get_mut(&channel) {
                *used = used.saturating_sub(1);
                if *used == 0 {
                    slot.per_channel.remove(&channel);
                }
            }
        }
        Some(agent)
    }

    /// The conversations an agent holds (assigned, pending or snoozed), by id.
    pub fn conversations_of(&self, agent: AgentId) -> impl Iterator<Item = ConversationId> + '_ {
        self.agents
            .get(&agent)
            .into_iter()
            .flat_map(|slot| slot.conversations.iter().copied())
    }

    /// Whether `agent` has a free unit of capacity on the requirements'
    /// channel, whatever their presence and languages (for an agent who
    /// picks a conversation by hand).
    pub fn has_capacity(&self, agent: AgentId, requirements: &Requirements) -> bool {
        self.agents
            .get(&agent)
            .is_some_and(|slot| slot.free_for(requirements.channel))
    }

    /// Whether `agent` could take a conversation with these requirements now.
    pub fn can_take(&self, agent: AgentId, requirements: &Requirements) -> bool {
        self.agents
            .get(&agent)
            .is_some_and(|slot| eligible(slot, requirements))
    }

    /// The agent an arriving conversation should go to, if any is free.
    pub fn best_agent_for(&self, requirements: &Requirements) -> Option<AgentId> {
        self.agents
            .values()
            .filter(|slot| eligible(slot, requirements))
            .min_by_key(|slot| (slot.occupancy(), slot.agent.id))
            .map(|slot| slot.agent.id)
    }

    /// The first waiting conversation `agent` can take now, if any.
    pub fn next_for_agent(&self, agent: AgentId) -> Option<ConversationId> {
        let slot = self.agents.get(&agent)?;
        if slot.agent.presence != Presence::Online || slot.total >= slot.agent.capacity.total {
            return None;
        }
        self.queue
            .iter()
            .find(|(_, requirements)| eligible(slot, requirements))
            .map(|(key, _)| key.conversation)
    }
}

fn eligible(slot: &AgentLoad, requirements: &Requirements) -> bool {
    let agent = &slot.agent;
    agent.presence == Presence::Online
        && requirements
            .language
            .is_none_or(|language| agent.speaks(language))
        && agent.works(requirements.channel)
        && requirements
            .team
            .is_none_or(|team| agent.team == Some(team))
        && slot.free_for(requirements.channel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Capacity;
    use uuid::Uuid;

    fn agent(n: u128, language: Language, capacity: u32) -> Agent {
        Agent::new(
            AgentId::from_uuid(Uuid::from_u128(n)),
            format!("agent {n}"),
            [language],
            Capacity::total(capacity),
        )
        .unwrap()
        .with_presence(Presence::Online)
    }

    fn key(n: u128, priority: Priority, minute: i64) -> QueueKey {
        QueueKey {
            priority: Reverse(priority),
            since: DateTime::<Utc>::from_timestamp(minute * 60, 0).unwrap(),
            conversation: ConversationId::from_uuid(Uuid::from_u128(n)),
        }
    }

    const DUTCH_X: Requirements = Requirements {
        language: Some(Language::DUTCH),
        channel: ChannelKind::X,
        team: None,
    };

    #[test]
    fn queue_orders_by_priority_then_arrival() {
        let mut router = SimpleRouter::new();
        router.enqueue(key(1, Priority::Normal, 1), DUTCH_X);
        router.enqueue(key(2, Priority::Urgent, 5), DUTCH_X);
        router.enqueue(key(3, Priority::Normal, 0), DUTCH_X);
        let order: Vec<u128> = router.queue().map(|c| c.as_uuid().as_u128()).collect();
        assert_eq!(order, vec![2, 3, 1]);
    }

    #[test]
    fn dequeue_removes_only_the_named_entry() {
        let mut router = SimpleRouter::new();
        router.enqueue(key(1, Priority::Normal, 1), DUTCH_X);
        router.enqueue(key(2, Priority::Normal, 2), DUTCH_X);
        assert!(router.dequeue(&key(1, Priority::Normal, 1)));
        assert!(
            !router.dequeue(&key(2, Priority::High, 2)),
            "a stale key names nothing"
        );
        let order: Vec<u128> = router.queue().map(|c| c.as_uuid().as_u128()).collect();
        assert_eq!(order, vec![2]);
        assert!(router.is_queued(&key(2, Priority::Normal, 2)));
    }

    #[test]
    fn reprioritising_keeps_the_arrival_time_and_returns_the_new_key() {
        let mut router = SimpleRouter::new();
        router.enqueue(key(1, Priority::Normal, 1), DUTCH_X);
        router.enqueue(key(2, Priority::Normal, 2), DUTCH_X);
        router.enqueue(key(3, Priority::High, 3), DUTCH_X);
        let moved = router.reprioritise(&key(2, Priority::Normal, 2), Priority::High);
        assert_eq!(moved, Some(key(2, Priority::High, 2)));
        let order: Vec<u128> = router.queue().map(|c| c.as_uuid().as_u128()).collect();
        assert_eq!(order, vec![2, 3, 1]);
        assert_eq!(
            router.reprioritise(&key(9, Priority::Normal, 0), Priority::Low),
            None
        );
        assert_eq!(router.queue_len(), 3);
    }

    #[test]
    fn least_loaded_speaker_of_the_language_is_chosen() {
        let mut router = SimpleRouter::new();
        router.upsert_agent(agent(1, Language::DUTCH, 2));
        router.upsert_agent(agent(2, Language::DUTCH, 2));
        router.upsert_agent(agent(3, Language::ENGLISH, 2));
        let first = router.best_agent_for(&DUTCH_X).unwrap();
        assert_eq!(first.as_uuid().as_u128(), 1, "tie broken by id");
        router.assign(
            ConversationId::from_uuid(Uuid::from_u128(9)),
            first,
            ChannelKind::X,
        );
        let second = router.best_agent_for(&DUTCH_X).unwrap();
        assert_eq!(second.as_uuid().as_u128(), 2);
    }

    #[test]
    fn full_or_offline_agents_are_not_eligible() {
        let mut router = SimpleRouter::new();
        router.upsert_agent(agent(1, Language::DUTCH, 1));
        router.assign(
            ConversationId::from_uuid(Uuid::from_u128(9)),
            AgentId::from_uuid(Uuid::from_u128(1)),
            ChannelKind::X,
        );
        assert_eq!(router.best_agent_for(&DUTCH_X), None);
        router.release(ConversationId::from_uuid(Uuid::from_u128(9)));
        router.set_presence(AgentId::from_uuid(Uuid::from_u128(1)), Presence::Away);
        assert_eq!(router.best_agent_for(&DUTCH_X), None);
    }

    #[test]
    fn freed_agent_takes_first_waiting_conversation_they_can_serve() {
        let mut router = SimpleRouter::new();
        router.upsert_agent(agent(1, Language::DUTCH, 1));
        let english = Requirements {
            language: Some(Language::ENGLISH),
            ..DUTCH_X
        };
        router.enqueue(key(5, Priority::Normal, 0), english);
        router.enqueue(key(6, Priority::Normal, 1), DUTCH_X);
        let next = router.next_for_agent(AgentId::from_uuid(Uuid::from_u128(1)));
        assert_eq!(next.map(|c| c.as_uuid().as_u128()), Some(6));
    }
}

pub mod indexed;
pub mod offer;
pub mod queue;
pub mod relax;
pub mod shift;
pub mod strategy;

pub use indexed::{
    AgentChange, Decision, OfflinePolicy, RouteState, Router, RouterConfig, RouterError,
    RouterTimer, Weights,
};
pub use offer::{Offer, OfferEnded, OfferMode};
pub use queue::{AgentFilter, QueueId, QueueMatch, QueueOrder, QueueSpec, RouteRequirements};
pub use relax::{Relax, RelaxationStep};
pub use shift::{Shift, ShiftInterval};
pub use strategy::{BaseStrategy, RoutingStrategy};
