//! Test support: drive an engine with a fake clock and collect every event.
//!
//! [`TestDesk`] is to caredesk what a `Pair` harness is to a sans-IO protocol
//! crate: it advances virtual time step by step, sends the ticks the engine
//! asks for, keeps the whole event log, and checks that replaying the log
//! rebuilds the same state. No test sleeps.

use crate::engine::{Engine, EngineConfig, EngineError, Event, EventPayload, Input};
use crate::model::{AgentId, ConversationId, Kind, MessageId, Status};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// An engine, a fake clock and the full event log.
///
/// ```
/// use caredesk::engine::{EngineConfig, Input};
/// use caredesk::model::*;
/// use caredesk::testing::TestDesk;
/// let x = ChannelRef::new(ChannelKind::X, "@KLM");
/// let config = {
///     let x = x.clone();
///     move || EngineConfig::new(TenantId::from_uuid(uuid::Uuid::from_u128(7))).with_channel(x.clone(), None)
/// };
/// let mut desk = TestDesk::new(config, "2026-11-23T08:00:00Z".parse()?);
/// let message = InboundMessage::new(x, "1", Identity::new(ChannelKind::X, "@anna"),
///     Visibility::Public, "Hello?", desk.now());
/// desk.handle(Input::Inbound { message, classification: None })?;
/// desk.advance(chrono::Duration::hours(1));
/// desk.check_replay()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TestDesk {
    engine: Engine,
    make_config: Box<dyn Fn() -> EngineConfig>,
    now: DateTime<Utc>,
    log: Vec<Event>,
}

impl std::fmt::Debug for TestDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDesk")
            .field("now", &self.now)
            .field("events", &self.log.len())
            .finish_non_exhaustive()
    }
}

/// The replayed engine's state differs from the live one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayMismatch {
    /// Replay refused the log.
    #[error("replay failed: {0}")]
    Refused(#[from] EngineError),
    /// Replay accepted the log but built a different state.
    #[error("replayed state differs from the live state")]
    Differs,
}

impl TestDesk {
    /// A desk whose engine is built by `make_config` (called again for each
    /// replay check), with the clock at `start`.
    pub fn new(make_config: impl Fn() -> EngineConfig + 'static, start: DateTime<Utc>) -> Self {
        TestDesk {
            engine: Engine::new(make_config()),
            make_config: Box::new(make_config),
            now: start,
            log: Vec::new(),
        }
    }

    /// The fake clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Every event so far.
    pub fn events(&self) -> &[Event] {
        &self.log
    }

    /// Handles an input at the current fake time.
    ///
    /// # Errors
    /// What the engine returns.
    pub fn handle(&mut self, input: Input) -> Result<Vec<Event>, EngineError> {
        let events = self.engine.handle(self.now, input)?;
        self.log.extend(events.iter().cloned());
        Ok(events)
    }

    /// Moves the clock forward by `by`, ticking at every deadline the engine
    /// names on the way (at the exact instant), and returns the events.
    pub fn advance(&mut self, by: Duration) -> Vec<Event> {
        let target = self.now + by;
        let mut events = Vec::new();
        while let Some(deadline) = self.engine.next_deadline() {
            if deadline > target {
                break;
            }
            self.now = self.now.max(deadline);
            match self.engine.handle(self.now, Input::Tick) {
                Ok(step) => events.extend(step),
                Err(_) => break,
            }
        }
        self.now = target;
        self.log.extend(events.iter().cloned());
        events
    }

    /// Rebuilds an engine from the log.
    ///
    /// # Errors
    /// What replay returns.
    pub fn replayed(&self) -> Result<Engine, EngineError> {
        Engine::replay((self.make_config)(), self.log.iter().cloned())
    }

    /// Checks the log and the state with [`check_invariants`]: replay
    /// equality and the accounting of every accepted message.
    ///
    /// # Errors
    /// The first [`InvariantViolation`] found.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        check_invariants(&*self.make_config, &self.engine, &self.log)
    }

    /// Checks that replaying the log rebuilds exactly the live state.
    ///
    /// # Errors
    /// [`ReplayMismatch`] when it does not.
    pub fn check_replay(&self) -> Result<(), ReplayMismatch> {
        let replayed = self.replayed()?;
        if replayed.state() == self.engine.state() {
            Ok(())
        } else {
            Err(ReplayMismatch::Differs)
        }
    }
}

/// A rule of the engine that a run broke (see [`check_invariants`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InvariantViolation {
    /// The events are not numbered 1, 2, 3, ... without gap or repeat.
    #[error("event {index} of the log has seq {seq}")]
    Sequence {
        /// Position in the log (0-based).
        index: usize,
        /// The sequence number found.
        seq: u64,
    },
    /// Replay refused the log, or rebuilt a state that differs from the live one.
    #[error("replay: {0}")]
    Replay(#[from] ReplayMismatch),
    /// A message was accepted twice (two `message_received` events).
    #[error("message {0} was accepted twice")]
    AcceptedTwice(MessageId),
    /// An accepted message's conversation is neither in the hot state nor archived.
    #[error("message {message} lost its conversation {conversation}")]
    ConversationLost {
        /// The message.
        message: MessageId,
        /// The conversation it was accepted into.
        conversation: ConversationId,
    },
    /// An accepted message is not held by exactly one conversation.
    #[error("message {message} is held by {holders} conversations")]
    MessageNotHeldOnce {
        /// The message.
        message: MessageId,
        /// How many hot conversations hold it.
        holders: usize,
    },
    /// An active conversation is neither queued, assigned to a known agent
    /// with room, waiting on the customer, nor a mention being listened to.
    #[error("conversation {conversation} is {status} but nobody will see it")]
    Unaccounted {
        /// The conversation.
        conversation: ConversationId,
        /// Its status.
        status: Status,
    },
    /// An agent holds more than their capacity.
    #[error("agent {agent} holds {load} conversations, capacity {capacity}")]
    OverCapacity {
        /// The agent.
        agent: AgentId,
        /// What they hold.
        load: u32,
        /// Their total capacity.
        capacity: u32,
    },
}

/// Checks what every run of the engine must satisfy, given the engine after
/// a run and every event it emitted from the start (`make_config` builds the
/// configuration the run used):
///
/// 1. the events are numbered 1, 2, 3, ... ;
/// 2. [`Engine::replay`] of the events rebuilds exactly the live state;
/// 3. accounting: every accepted inbound message (`message_received`) was
///    accepted once and sits in exactly one conversation of the hot state,
///    unless that conversation was archived; and every conversation is
///    accounted for: closed (with its reason), resolved (answered and
///    done), pending or snoozed (waiting on the customer or a time),
///    assigned to a known agent, queued (an open query), or an open mention
///    (listened to, not routed);
/// 4. no agent holds more than the largest capacity they had in the log (an
///    update may lower a capacity below the current load, which then only
///    drains).
///
/// ```
/// use caredesk::engine::{EngineConfig, Input};
/// use caredesk::model::*;
/// use caredesk::testing::TestDesk;
/// let x = ChannelRef::new(ChannelKind::X, "@KLM");
/// let config = { let x = x.clone(); move || EngineConfig::new(TenantId::from_uuid(uuid::Uuid::from_u128(7))).with_channel(x.clone(), None) };
/// let mut desk = TestDesk::new(config, "2026-11-23T08:00:00Z".parse()?);
/// let message = InboundMessage::new(x, "1", Identity::new(ChannelKind::X, "@anna"),
///     Visibility::Public, "Where is my bag?", desk.now());
/// desk.handle(Input::Inbound { message, classification: None })?;
/// desk.check_invariants()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The first [`InvariantViolation`] found.
pub fn check_invariants(
    make_config: &dyn Fn() -> EngineConfig,
    engine: &Engine,
    log: &[Event],
) -> Result<(), InvariantViolation> {
    for (index, event) in log.iter().enumerate() {
        if event.seq != index as u64 + 1 {
            return Err(InvariantViolation::Sequence {
                index,
                seq: event.seq,
            });
        }
    }
    let replayed =
        Engine::replay(make_config(), log.iter().cloned()).map_err(ReplayMismatch::from)?;
    if replayed.state() != engine.state() {
        return Err(ReplayMismatch::Differs.into());
    }
    let mut received: BTreeMap<MessageId, ConversationId> = BTreeMap::new();
    let mut archived = BTreeSet::new();
    let mut capacity: BTreeMap<AgentId, u32> = BTreeMap::new();
    for event in log {
        match &event.payload {
            EventPayload::MessageReceived {
                message,
                conversation,
                ..
            } => {
                let first_time = received.insert(*message, *conversation).is_none();
                if !first_time {
                    return Err(InvariantViolation::AcceptedTwice(*message));
                }
            }
            EventPayload::ConversationArchived { conversation } => {
                archived.insert(*conversation);
            }
            EventPayload::AgentAdded { agent } | EventPayload::AgentUpdated { agent } => {
                let most = capacity.entry(agent.id).or_default();
                *most = (*most).max(agent.capacity.total);
            }
            _ => {}
        }
    }
    for (message, conversation) in &received {
        if archived.contains(conversation) {
            continue;
        }
        let Some(view) = engine.conversation(*conversation) else {
            return Err(InvariantViolation::ConversationLost {
                message: *message,
                conversation: *conversation,
            });
        };
        let holders = engine
            .conversations()
            .filter(|c| c.messages.contains(message))
            .count();
        if holders != 1 || !view.messages.iter().any(|m| m.id == *message) {
            return Err(InvariantViolation::MessageNotHeldOnce {
                message: *message,
                holders,
            });
        }
    }
    for conversation in engine.conversations() {
        let accounted = match conversation.status {
            Status::Closed { .. } | Status::Resolved | Status::Pending | Status::Snoozed { .. } => {
                true
            }
            Status::Assigned => conversation
                .assignee
                .is_some_and(|agent| engine.agent(agent).is_some()),
            Status::Open => {
                conversation.kind == Kind::Mention
                    || engine.queue_position(conversation.id).is_some()
            }
        };
        if !accounted {
            return Err(InvariantViolation::Unaccounted {
                conversation: conversation.id,
                status: conversation.status,
            });
        }
    }
    for agent in engine.agents() {
        let load = engine.agent_load(agent.id).unwrap_or(0);
        let most = capacity
            .get(&agent.id)
            .copied()
            .unwrap_or(agent.capacity.total)
            .max(agent.capacity.total);
        if load > most {
            return Err(InvariantViolation::OverCapacity {
                agent: agent.id,
                load,
                capacity: most,
            });
        }
    }
    Ok(())
}
