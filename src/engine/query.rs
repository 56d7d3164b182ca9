//! The read side: what an inbox screen asks, answered from the state
//! without copying it.

use super::Engine;
use crate::model::{
    Agent, AgentId, Conversation, ConversationId, Customer, CustomerId, Identity, Message, Status,
};

/// A conversation with its messages, borrowed from the engine.
#[derive(Debug, Clone, Copy)]
pub struct ConversationView<'a> {
    /// The conversation.
    pub conversation: &'a Conversation,
    /// Its messages in order (notes included).
    pub messages: &'a [Message],
}

/// A waiting conversation and its place in the queue (1 is next).
#[derive(Debug, Clone, Copy)]
pub struct QueueEntry<'a> {
    /// 1-based position.
    pub position: usize,
    /// The conversation.
    pub conversation: &'a Conversation,
}

impl Engine {
    /// A conversation with its messages, if it is in the hot state.
    pub fn conversation(&self, id: ConversationId) -> Option<ConversationView<'_>> {
        self.state
            .conversations
            .get(&id)
            .map(|record| ConversationView {
                conversation: &record.conversation,
                messages: &record.messages,
            })
    }

    /// Every conversation in the hot state, oldest first.
    pub fn conversations(&self) -> impl Iterator<Item = &Conversation> {
        // The hot state is a hash map; ids are time-ordered (uuid v7), so
        // sorting by id gives the oldest first.
        let mut all: Vec<&Conversation> = self
            .state
            .conversations
            .values()
            .map(|record| &record.conversation)
            .collect();
        all.sort_unstable_by_key(|c| c.id);
        all.into_iter()
    }

    /// How many conversations are in the hot state.
    pub fn conversation_count(&self) -> usize {
        self.state.conversations.len()
    }

    /// How many conversations left the hot state (archived).
    pub fn archived_count(&self) -> u64 {
        self.state.archived
    }

    /// A customer.
    pub fn customer(&self, id: CustomerId) -> Option<&Customer> {
        self.state.customers.get(&id).map(|customer| &**customer)
    }

    /// The customer an identity belongs to.
    pub fn customer_by_identity(&self, identity: &Identity) -> Option<&Customer> {
        self.state
            .customer_of(identity)
            .and_then(|id| self.customer(id))
    }

    /// A customer's conversations across all their linked identities, oldest
    /// first (those still in the hot state).
    pub fn customer_history(&self, id: CustomerId) -> impl Iterator<Item = &Conversation> {
        self.customer(id)
            .into_iter()
            .flat_map(|customer| customer.conversations.iter())
            .filter_map(|c| self.state.conversations.get(c))
            .map(|record| &record.conversation)
    }

    /// An agent.
    pub fn agent(&self, id: AgentId) -> Option<&Agent> {
        self.state.router.agent(id)
    }

    /// Every agent, by id.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.state.router.agents()
    }

    /// An agent's load in capacity units.
    pub fn agent_load(&self, id: AgentId) -> Option<u32> {
        self.state.router.load(id)
    }

    /// The conversations an agent holds (assigned, pending or snoozed).
    pub fn agent_conversations(&self, id: AgentId) -> impl Iterator<Item = &Conversation> {
        self.state
            .router
            .conversations_of(id)
            .filter_map(|c| self.state.conversations.get(&c))
            .map(|record| &record.conversation)
    }

    /// The waiting queue in order, with positions.
    pub fn queue(&self) -> impl Iterator<Item = QueueEntry<'_>> {
        self.state
            .router
            .queue()
            .filter_map(|c| self.state.conversations.get(&c))
            .enumerate()
            .map(|(index, record)| QueueEntry {
                position: index + 1,
                conversation: &record.conversation,
            })
    }

    /// A waiting conversation's position (1 is next); `None` if not waiting.
    pub fn queue_position(&self, id: ConversationId) -> Option<usize> {
        let waiting = self
            .state
            .conversations
            .get(&id)
            .is_some_and(|record| record.queued.is_some());
        if !waiting {
            return None;
        }
        self.state
            .router
            .queue()
            .position(|c| c == id)
            .map(|index| index + 1)
    }

    /// How many conversations are active (not resolved or closed).
    pub fn active_count(&self) -> usize {
        self.state
            .conversations
            .values()
            .map(|record| &record.conversation)
            .filter(|c| c.status.is_active())
            .count()
    }

    /// Conversations in a given status.
    pub fn conversations_in(&self, status: Status) -> impl Iterator<Item = &Conversation> {
        self.conversations()
            .filter(move |c| std::mem::discriminant(&c.status) == std::mem::discriminant(&status))
    }
}

impl Engine {
    /// A conversation's SLA policy and clocks, if it has any.
    pub fn sla(&self, id: ConversationId) -> Option<&super::SlaState> {
        self.state
            .conversations
            .get(&id)
            .and_then(|record| record.sla.as_deref())
    }
}
