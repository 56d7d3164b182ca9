//! The read side: what an inbox screen asks, answered from the state.
//!
//! Reads return owned values built from the engine's compact hot records:
//! a read copies the conversations, messages or customer it returns and
//! nothing else, and the engine's internal layout stays free to change.

use super::Engine;
use crate::model::{
    Agent, AgentId, Conversation, ConversationId, Customer, CustomerId, Identity, Message, Status,
};

/// A conversation with its messages, as the engine holds them at the time
/// of the read.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationView {
    /// The conversation.
    pub conversation: Conversation,
    /// Its messages in order (notes included).
    pub messages: Vec<Message>,
}

/// A waiting conversation and its place in the queue (1 is next).
#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    /// 1-based position.
    pub position: usize,
    /// The conversation.
    pub conversation: Conversation,
}

impl Engine {
    /// Requested sends that were handed to the network
    /// (`delivery_attempted`) and have no outcome reported since, oldest
    /// first. While a runtime runs, these are its sends in flight; after a
    /// restart they are in doubt: the network may or may not have taken
    /// them, so they must be verified with the channel, not sent again.
    pub fn sends_in_doubt(&self) -> impl Iterator<Item = crate::model::OutboundId> + '_ {
        self.state
            .pending_sends
            .iter()
            .filter(|(_, pending)| pending.attempted)
            .map(|(id, _)| *id)
    }

    /// A conversation with its messages, if it is in the hot state.
    pub fn conversation(&self, id: ConversationId) -> Option<ConversationView> {
        self.state
            .conversations
            .get(&id)
            .map(|record| ConversationView {
                conversation: record.to_conversation(),
                messages: record.to_messages(),
            })
    }

    /// Every conversation in the hot state, oldest first.
    /// Each is built when the iterator reaches it.
    pub fn conversations(&self) -> impl Iterator<Item = Conversation> + '_ {
        // The hot state is a hash map; ids are time-ordered (uuid v7), so
        // sorting by id gives the oldest first.
        let mut all: Vec<(ConversationId, &super::state::ConversationRecord)> = self
            .state
            .conversations
            .iter()
            .map(|(id, record)| (*id, record))
            .collect();
        all.sort_unstable_by_key(|(id, _)| *id);
        all.into_iter().map(|(_, record)| record.to_conversation())
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
    pub fn customer(&self, id: CustomerId) -> Option<Customer> {
        self.state
            .customers
            .get(&id)
            .map(|customer| customer.to_customer())
    }

    /// The customer an identity belongs to.
    pub fn customer_by_identity(&self, identity: &Identity) -> Option<Customer> {
        self.state
            .customer_of(identity)
            .and_then(|id| self.customer(id))
    }

    /// A customer's conversations across all their linked identities, oldest
    /// first (those still in the hot state).
    pub fn customer_history(&self, id: CustomerId) -> impl Iterator<Item = Conversation> + '_ {
        self.state
            .customers
            .get(&id)
            .into_iter()
            .flat_map(|customer| customer.conversations.iter())
            .filter_map(|c| self.state.conversations.get(c))
            .map(|record| record.to_conversation())
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
    pub fn agent_conversations(&self, id: AgentId) -> impl Iterator<Item = Conversation> + '_ {
        self.state
            .router
            .conversations_of(id)
            .filter_map(|c| self.state.conversations.get(&c))
            .map(|record| record.to_conversation())
    }

    /// The waiting queue in service order across queues, with positions
    /// (conversations held for a sticky agent or offered are not listed).
    /// Costs O(Q log Q): for screens, not per message.
    pub fn queue(&self) -> impl Iterator<Item = QueueEntry> + '_ {
        self.state
            .router
            .all_waiting()
            .into_iter()
            .filter_map(|c| self.state.conversations.get(&c))
            .enumerate()
            .map(|(index, record)| QueueEntry {
                position: index + 1,
                conversation: record.to_conversation(),
            })
    }

    /// A waiting conversation's position (1 is next) across queues; `None`
    /// if it does not wait in a queue.
    pub fn queue_position(&self, id: ConversationId) -> Option<usize> {
        if self.state.router.state(id) != Some(crate::routing::RouteState::Waiting) {
            return None;
        }
        self.state
            .router
            .all_waiting()
            .iter()
            .position(|c| *c == id)
            .map(|index| index + 1)
    }

    /// How many conversations wait in queues.
    pub fn waiting_count(&self) -> usize {
        self.state.router.waiting_len()
    }

    /// The router: queues, offers, agents' load and shifts, for reads the
    /// views here do not cover.
    pub fn router(&self) -> &crate::routing::Router {
        &self.state.router
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
    pub fn conversations_in(&self, status: Status) -> impl Iterator<Item = Conversation> + '_ {
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
            .and_then(|record| record.sla())
    }
}

impl Engine {
    /// Folds one event this engine returned into SLA attainment figures
    /// (first response per policy, channel and language): a met first-response
    /// clock counts as met or breached by whether it breached first; a
    /// first-response clock stopped after breaching (resolved or closed
    /// without an answer) counts as unanswered. Call it with the events
    /// [`Engine::handle`] returned, before the next input, while their
    /// conversations are still in the hot state.
    ///
    /// ```
    /// # use caredesk::engine::{Engine, EngineConfig, Input};
    /// # use caredesk::model::*;
    /// # use caredesk::sla::*;
    /// use caredesk::stats::Attainment;
    /// let x = ChannelRef::new(ChannelKind::X, "@KLM");
    /// let policy = SlaPolicy::around_the_clock("hour", TargetSet::default().with_minutes(SlaTarget::FirstResponse, 60));
    /// let config = EngineConfig::new(TenantId::from_uuid(uuid::Uuid::from_u128(1)))
    ///     .with_channel(x.clone(), Some(Language::ENGLISH))
    ///     .with_sla(SlaPolicies::single(policy)?);
    /// let mut engine = Engine::new(config);
    /// let mut attainment = Attainment::new();
    /// let now: chrono::DateTime<chrono::Utc> = "2026-11-23T10:00:00Z".parse()?;
    /// let message = InboundMessage::new(x, "1", Identity::new(ChannelKind::X, "@anna"), Visibility::Public, "bag?", now);
    /// for input_time in [now, now + chrono::Duration::minutes(61)] {
    ///     let input = if input_time == now { Input::Inbound { message: message.clone(), classification: None } } else { Input::Tick };
    ///     for event in engine.handle(input_time, input)? {
    ///         engine.record_attainment(&event, &mut attainment);
    ///     }
    /// }
    /// assert!(attainment.is_empty(), "a breach is counted when the clock ends");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_attainment(
        &self,
        event: &super::Event,
        attainment: &mut crate::stats::Attainment,
    ) {
        use super::{ClockChange, EventPayload};
        use crate::sla::SlaTarget;
        let (conversation, outcome) = match &event.payload {
            EventPayload::SlaMet {
                conversation,
                target: SlaTarget::FirstResponse,
                took,
            } => (*conversation, Some(*took)),
            EventPayload::SlaClockChanged {
                conversation,
                change: ClockChange::Stopped,
                clock,
            } if clock.target == SlaTarget::FirstResponse && clock.breached_at.is_some() => {
                (*conversation, None)
            }
            _ => return,
        };
        let Some(record) = self.state.conversations.get(&conversation) else {
            return;
        };
        let Some(sla) = record.sla() else {
            return;
        };
        let key = crate::stats::AttainmentKey::new(
            sla.policy.clone(),
            record.conversation.channel.kind,
            record.conversation.language,
        );
        match outcome {
            Some(took) => attainment.record(
                &key,
                std::time::Duration::from_secs(took.business_secs),
                std::time::Duration::from_secs(took.calendar_secs),
                !took.late,
            ),
            None => attainment.record_unanswered(&key),
        }
    }
}
