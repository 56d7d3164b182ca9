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
struct Waiting {
    key: QueueKey,
    requirements: Requirements,
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
    queue: BTreeSet<QueueKey>,
    waiting: BTreeMap<ConversationId, Waiting>,
    agents: BTreeMap<AgentId, AgentLoad>,
    assignments: BTreeMap<ConversationId, (AgentId, ChannelKind)>,
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

    /// Puts a conversation in the queue (re-keys it when already there).
    pub fn enqueue(&mut self, key: QueueKey, requirements: Requirements) {
        self.dequeue(key.conversation);
        self.queue.insert(key);
        self.waiting
            .insert(key.conversation, Waiting { key, requirements });
    }

    /// Takes a conversation out of the queue; whether it was there.
    pub fn dequeue(&mut self, conversation: ConversationId) -> bool {
        match self.waiting.remove(&conversation) {
            Some(waiting) => {
                self.queue.remove(&waiting.key);
                true
            }
            None => false,
        }
    }

    /// Changes a waiting conversation's priority, keeping its place in time.
    pub fn reprioritise(&mut self, conversation: ConversationId, priority: Priority) {
        if let Some(waiting) = self.waiting.get(&conversation).cloned() {
            let key = QueueKey {
                priority: Reverse(priority),
                ..waiting.key
            };
            self.enqueue(key, waiting.requirements);
        }
    }

    /// Whether the conversation is waiting.
    pub fn is_waiting(&self, conversation: ConversationId) -> bool {
        self.waiting.contains_key(&conversation)
    }

    /// The waiting conversations in queue order.
    pub fn queue(&self) -> impl Iterator<Item = ConversationId> + '_ {
        self.queue.iter().map(|key| key.conversation)
    }

    /// How many conversations wait.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Records that `agent` owns `conversation` (one unit of load).
    pub fn assign(&mut self, conversation: ConversationId, agent: AgentId, channel: ChannelKind) {
        self.dequeue(conversation);
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
            .filter_map(|key| self.waiting.get(&key.conversation))
            .find(|waiting| eligible(slot, &waiting.requirements))
            .map(|waiting| waiting.key.conversation)
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
