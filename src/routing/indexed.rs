//! The indexed router: agent pools and waiting classes in ordered sets, so
//! one routing decision costs O(log agents + log queued).
//!
//! # Shape
//!
//! [`Router`] is the engine's routing state slice: plain data, serde,
//! deterministic. Decision functions ([`Router::decide_for_conversation`],
//! [`Router::decide_for_agent`], [`Router::decide_pull`]) read and return a
//! [`Decision`] without changing anything; mutators apply decisions and
//! facts ([`Router::apply`], [`Router::accept`], [`Router::decline`],
//! [`Router::expire_offer`], [`Router::release`], [`Router::set_presence`],
//! ...). The engine computes decisions in *decide*, records them as events,
//! and calls the mutators in *apply*; replaying the same calls rebuilds the
//! same state.
//!
//! # How the engine drives it
//!
//! Each call below is made in *apply* for the event named; the decisions
//! are computed in *decide* right after the event they react to, recorded
//! as events, then applied. After each event, decide again for what
//! changed, until nothing more is decided (this is what keeps the desk
//! work-conserving):
//!
//! | event | router call | then decide |
//! | --- | --- | --- |
//! | conversation queued | [`Router::enqueue`] | `decide_for_conversation(it)` |
//! | assignment / offer made | [`Router::apply`] | — |
//! | offer accepted | [`Router::accept`] | — |
//! | offer declined / expired | [`Router::decline`] / [`Router::expire_offer`] | for the conversation, then `decide_for_agent(agent)` until `None`; if `set_away`, a presence event |
//! | resolved, closed, transferred away | [`Router::release`] | `decide_for_agent(agent)` until `None` |
//! | moved back to a queue | [`Router::requeue`] | `decide_for_conversation(it)` |
//! | priority or SLA deadline changed | [`Router::rekey`] | — |
//! | presence changed, shift boundary, agent added or updated | [`Router::set_presence`] / [`Router::shift_boundary`] / [`Router::upsert_agent`] | for each conversation in the returned [`AgentChange`], then `decide_for_agent(agent)` until `None` |
//! | relaxation step | [`Router::relax`] | `decide_for_conversation(it)` |
//! | sticky hold ended | [`Router::end_hold`] | `decide_for_conversation(it)` |
//!
//! [`Router::next_timer`] joins the engine's next deadline; due timers are
//! handled before inputs at the same instant. Only the assignee may reply:
//! [`Router::is_assignee`]. An agent pulling work uses
//! [`Router::decide_pull`].
//!
//! # Indexes
//!
//! - **Agent pools.** Every *available* agent (online, on shift, total load
//!   below total capacity) sits in one ordered set per pool key
//!   `(language, level, channel, skill)`: one key for each language they
//!   speak with its level plus a "no language" key, each channel they work
//!   (or one "all channels" key), and each skill they have plus a "no skill"
//!   key. Set entries are `(rank, agent id)`, the rank coming from the
//!   [`BaseStrategy`]; an agent whose rank or availability changes is moved in
//!   each of their p keys.
//! - **Waiting classes.** Waiting conversations with identical effective
//!   requirements (queue, language and level, channel, visibility, team
//!   scope, skills, after relaxation) form a class: a set kept in
//!   [`QueueOrder`](super::QueueOrder)'s order (priority, deadline, arrival,
//!   id), with the order packed into integers so comparisons are cheap.
//!   A class keeps its keys in a B-tree plus, above it, a sorted run that
//!   takes the common case (a later arrival joins at the back, the head
//!   leaves) in O(1); keys that land elsewhere cost O(log Q) amortised.
//!   Every agent either can serve all of a class or none of it, so the
//!   class head is the best conversation of the class for them. Non-empty
//!   classes are listed per `(language, channel)` in the order of their
//!   heads, so an agent walks each list only until a head is no better
//!   than the best found.
//! - Timers (offer expiries, sticky holds, relaxation steps, shift
//!   boundaries) are ordered sets of `(instant, id)`.
//!
//! # Costs
//!
//! With A agents, Q waiting conversations, p pool keys per agent
//! (languages+1 × channels × skills+1, typically 10–40), L = 5 - level + 1
//! language levels accepted (1 before relaxation), B the (language, channel)
//! lists an agent can serve (languages+1 × channels, at most a few dozen), c
//! classes whose head comes before the first class the agent fits (about
//! one over the share of classes they fit), s candidates skipped because of
//! a detail the key does not cover (a second required skill, team, queue
//! filter, per-channel capacity, a decline; usually 0):
//!
//! | operation | cost |
//! | --- | --- |
//! | `decide_for_conversation` | O(2L · (log A + s)) |
//! | `decide_for_agent`, `decide_pull` | O(B log Q + c · B + s) |
//! | `apply` (assign or offer), `accept`, `release` | O(p log A + log Q) |
//! | `enqueue`, `dequeue`, `rekey`, `relax`, `end_hold` | O(log Q) |
//! | `decline`, `expire_offer` | O(p log A + log Q) |
//! | `set_presence`, `shift_boundary`, `upsert_agent` | O(p log A + k log Q) for k conversations moved |
//! | `next_timer`, `next_relaxation` | O(log Q + log A) |
//!
//! The naive alternative (scan every agent per conversation) is O(A); see
//! `benches/routing.rs` for both measured side by side.

use super::queue::WaitKey;
use super::waiting::WaitingSet;
use super::{
    AgentFilter, BaseStrategy, Offer, OfferEnded, OfferMode, QueueId, QueueSpec, Relax,
    RelaxationStep, RouteRequirements, RoutingStrategy, Shift,
};
use crate::model::{
    Agent, AgentId, ChannelKind, ConversationId, CustomerId, Language, ModelError, Presence,
    Priority, Skill, TeamId, Visibility,
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What happens to an agent's conversations when they go offline or their
/// shift ends.
///
/// Either way nothing is lost: kept conversations stay theirs, requeued
/// ones go back to their queue with their original arrival (so they keep
/// their place) and their relaxation step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflinePolicy {
    /// They stay assigned (the agent picks them up when back).
    #[default]
    Keep,
    /// They go back to the queue.
    Requeue,
}

/// Weights: how many capacity units one conversation takes, per channel kind
/// and visibility (a direct message may weigh 2, a public reply 1).
///
/// ```
/// use caredesk::model::{ChannelKind, Visibility};
/// use caredesk::routing::Weights;
/// let weights = Weights { public: 1, private: 2, overrides: vec![(ChannelKind::Email, Visibility::Private, 1)] };
/// assert_eq!(weights.units(ChannelKind::X, Visibility::Private), 2);
/// assert_eq!(weights.units(ChannelKind::Email, Visibility::Private), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Weights {
    /// Units for a public conversation.
    pub public: u32,
    /// Units for a private one.
    pub private: u32,
    /// Exceptions per (channel kind, visibility).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<(ChannelKind, Visibility, u32)>,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            public: 1,
            private: 1,
            overrides: Vec::new(),
        }
    }
}

impl Weights {
    /// The units a conversation on `channel` with `visibility` takes (at least 1).
    pub fn units(&self, channel: ChannelKind, visibility: Visibility) -> u32 {
        let units = self
            .overrides
            .iter()
            .find(|(c, v, _)| *c == channel && *v == visibility)
            .map(|(_, _, units)| *units)
            .unwrap_or(match visibility {
                Visibility::Public => self.public,
                Visibility::Private => self.private,
            });
        units.max(1)
    }
}

/// The router's configuration: strategy, offers, offline policy, weights,
/// queues and the default queue's relaxation steps.
///
/// ```
/// use caredesk::routing::{Router, RouterConfig, RoutingStrategy};
/// let router = Router::new(RouterConfig { strategy: RoutingStrategy::RoundRobin, ..RouterConfig::default() })?;
/// assert_eq!(router.waiting_len(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouterConfig {
    /// How agents are chosen.
    #[serde(default)]
    pub strategy: RoutingStrategy,
    /// Assign directly or offer first.
    #[serde(default)]
    pub offers: OfferMode,
    /// What happens to assignments when an agent goes offline or off shift.
    #[serde(default)]
    pub offline: OfflinePolicy,
    /// Units per conversation.
    #[serde(default)]
    pub weights: Weights,
    /// The queues, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<QueueSpec>,
    /// Relaxation steps of the default queue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_relaxation: Vec<RelaxationStep>,
}

/// A routing decision, computed without changing the router; the engine
/// records it as an event and applies it with [`Router::apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
#[must_use]
pub enum Decision {
    /// Give `conversation` to `agent` now.
    Assign {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
    },
    /// Offer it (push mode).
    Offer(Offer),
}

impl Decision {
    /// The conversation decided on.
    pub fn conversation(&self) -> ConversationId {
        match self {
            Decision::Assign { conversation, .. } => *conversation,
            Decision::Offer(offer) => offer.conversation,
        }
    }

    /// The agent chosen.
    pub fn agent(&self) -> AgentId {
        match self {
            Decision::Assign { agent, .. } => *agent,
            Decision::Offer(offer) => offer.agent,
        }
    }
}

/// Something the router needs done at an instant (see [`Router::next_timer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "timer")]
pub enum RouterTimer {
    /// An offer lapses: call [`Router::expire_offer`].
    OfferExpires {
        /// The conversation offered.
        conversation: ConversationId,
    },
    /// A sticky hold ends: call [`Router::end_hold`].
    HoldEnds {
        /// The conversation held.
        conversation: ConversationId,
    },
    /// A relaxation step is due: call [`Router::relax`].
    Relax {
        /// The conversation.
        conversation: ConversationId,
        /// The step index (0 for the queue's first step).
        step: u8,
    },
    /// An agent's shift starts or ends: call [`Router::shift_boundary`].
    Shift {
        /// The agent.
        agent: AgentId,
    },
}

/// Where a known conversation stands in the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum RouteState {
    /// In its queue, open to every eligible agent.
    Waiting,
    /// Held for its customer's recent agent until `until`.
    Held {
        /// The sticky agent.
        agent: AgentId,
        /// When the hold ends.
        until: DateTime<Utc>,
    },
    /// Offered to `agent` until `expires_at`.
    Offered {
        /// The agent.
        agent: AgentId,
        /// When the offer lapses.
        expires_at: DateTime<Utc>,
    },
    /// Assigned to `agent`.
    Assigned {
        /// The agent.
        agent: AgentId,
    },
}

/// What changed when an agent stopped being available (offline, away, busy
/// or off shift).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[must_use]
pub struct AgentChange {
    /// Assigned conversations put back in their queue ([`OfflinePolicy::Requeue`]).
    pub requeued: Vec<ConversationId>,
    /// Outstanding offers withdrawn (back in their queue).
    pub offers_withdrawn: Vec<ConversationId>,
    /// Sticky holds for the agent released to everyone.
    pub holds_released: Vec<ConversationId>,
}

/// The routing errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouterError {
    /// The configuration is inconsistent (a queue id used twice or 0, a
    /// level outside 1..=5). Fix the configuration.
    #[error("invalid router configuration: {0}")]
    InvalidConfig(String),
    /// An agent profile failed validation. Fix the profile.
    #[error("invalid agent: {0}")]
    InvalidAgent(#[from] ModelError),
    /// The agent is not known to the router. Add them with `upsert_agent` first.
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    /// The conversation is not known to the router (never queued, or
    /// released). Enqueue it first.
    #[error("unknown conversation {0}")]
    UnknownConversation(ConversationId),
    /// `enqueue` for a conversation the router already tracks. Use `rekey`,
    /// `requeue` or `dequeue` instead.
    #[error("conversation {0} is already routed")]
    AlreadyRouted(ConversationId),
    /// The operation needs the conversation in another state (for example
    /// `accept` without an outstanding offer, `release` of a waiting one);
    /// the decision is stale: decide again.
    #[error("conversation {conversation} is {actual:?}, which does not allow this")]
    WrongState {
        /// The conversation.
        conversation: ConversationId,
        /// Where it stands.
        actual: RouteState,
    },
    /// A decision names an agent who cannot take the conversation now
    /// (unavailable, ineligible, full, declined it, or not the sticky agent).
    /// The decision is stale: decide again.
    #[error("agent {agent} cannot take conversation {conversation} now")]
    NotEligible {
        /// The agent.
        agent: AgentId,
        /// The conversation.
        conversation: ConversationId,
    },
    /// `relax` with a step other than the conversation's next one (or past
    /// its queue's last). Use the step from `next_timer`/`next_relaxation`.
    #[error("conversation {conversation}: step {step} is not its next relaxation step")]
    StepOutOfOrder {
        /// The conversation.
        conversation: ConversationId,
        /// The step asked for.
        step: u8,
    },
}

// ---------------------------------------------------------------------------
// Internal records

/// Non-empty classes of one (language, channel) list: (head, class id).
type ClassHeads = BTreeSet<(WaitKey, u32)>;

/// Interned skill number.
type SkillNo = u32;

/// Rank within a pool: lower is served first; ties break on the agent id.
type Rank = (u64, i64, AgentId);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PoolKey {
    language: Option<Language>,
    level: u8,
    channel: Option<ChannelKind>,
    skill: Option<SkillNo>,
}

/// Effective requirements after relaxation: the class key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Needs {
    queue: QueueId,
    language: Option<Language>,
    min_level: u8,
    channel: ChannelKind,
    visibility: Visibility,
    /// `None`: any team; otherwise one of these (sorted).
    teams: Option<Vec<TeamId>>,
    /// (skill, minimum level), sorted, unique skills.
    skills: Vec<(SkillNo, u8)>,
}

#[derive(Debug, Clone)]
struct AgentRec {
    agent: Agent,
    shift: Shift,
    on_shift: bool,
    next_shift_change: Option<DateTime<Utc>>,
    used_total: u32,
    used_channel: [u32; 7],
    assigned: BTreeSet<ConversationId>,
    offered: BTreeSet<ConversationId>,
    held: BTreeSet<WaitKey>,
    last_seq: u64,
    idle_since_ms: i64,
    missed_offers: u32,
    /// Skill levels by interned number.
    skills: BTreeMap<SkillNo, u8>,
    /// Where the agent sits in the pools, when available.
    indexed: Option<(Rank, Vec<PoolKey>)>,
}

#[derive(Debug, Clone)]
struct ConvRec {
    /// Its requirements without the customer, interned (see
    /// `Router::requirement_sets`): most conversations share a few sets.
    requirements: u32,
    channel: ChannelKind,
    customer: Option<CustomerId>,
    priority: Priority,
    deadline: Option<DateTime<Utc>>,
    arrival: DateTime<Utc>,
    queue: QueueId,
    stage: u8,
    state: RouteState,
    /// Agents who declined it. Rare, so boxed: one pointer in every record
    /// instead of a vector's three words.
    #[allow(clippy::box_collection)]
    declined: Option<Box<Vec<AgentId>>>,
    weight: u32,
    class: u32,
}

impl ConvRec {
    /// Whether `agent` declined it.
    fn has_declined(&self, agent: AgentId) -> bool {
        self.declined
            .as_ref()
            .is_some_and(|list| list.contains(&agent))
    }

    /// Records that `agent` declined it (once).
    fn note_declined(&mut self, agent: AgentId) {
        let list = self.declined.get_or_insert_with(Box::default);
        if !list.contains(&agent) {
            list.push(agent);
        }
    }

    fn order(&self, id: ConversationId) -> WaitKey {
        WaitKey::new(id, self.priority, self.deadline, self.arrival)
    }
}

#[derive(Debug, Clone)]
struct Class {
    needs: Needs,
    waiting: WaitingSet,
}

fn channel_slot(kind: ChannelKind) -> usize {
    match kind {
        ChannelKind::X => 0,
        ChannelKind::Facebook => 1,
        ChannelKind::Instagram => 2,
        ChannelKind::Whatsapp => 3,
        ChannelKind::Email => 4,
        ChannelKind::Webchat => 5,
        ChannelKind::Other => 6,
    }
}

/// `at` plus `secs` seconds, saturating at the ends of time (configured
/// durations come from the user and must not panic).
fn after(at: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
    let limit = if secs < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    };
    Duration::try_seconds(secs)
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(limit)
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The indexed router: agents, queues, offers and timers of one desk.
///
/// Built from a [`RouterConfig`]; see the [module docs](self) for the
/// indexes and the cost of each operation.
///
/// ```
/// use caredesk::model::{Agent, AgentId, Capacity, ChannelKind, ConversationId, Language, Presence, Priority};
/// use caredesk::routing::{Decision, RouteRequirements, Router, RouterConfig, Shift};
/// use chrono::{DateTime, Utc};
/// let now: DateTime<Utc> = "2026-06-01T09:00:00Z".parse()?;
/// let mut router = Router::new(RouterConfig::default())?;
/// let sanne = AgentId::from_uuid(uuid::Uuid::from_u128(1));
/// let agent = Agent::new(sanne, "Sanne", [Language::DUTCH], Capacity::total(2))?.with_presence(Presence::Online);
/// router.upsert_agent(agent, Shift::Always, now)?;
/// let c = ConversationId::from_uuid(uuid::Uuid::from_u128(7));
/// router.enqueue(c, RouteRequirements::new(Some(Language::DUTCH), ChannelKind::X), Priority::Normal, None, now)?;
/// let decision = router.decide_for_conversation(c, now).ok_or("no agent")?;
/// assert_eq!(decision, Decision::Assign { conversation: c, agent: sanne });
/// router.apply(decision, now)?;
/// assert!(router.is_assignee(c, sanne));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// It serializes as its plain facts (configuration, agents with their
/// counters, conversations with their state, customers' last agents); the
/// indexes are rebuilt on deserialization, so a round trip compares equal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(into = "RouterSnapshot", try_from = "RouterSnapshot")]
pub struct Router {
    config: RouterConfig,
    agents: BTreeMap<AgentId, AgentRec>,
    /// Looked up by id only (hashed: O(1) at a million conversations);
    /// the snapshot sorts them.
    conversations: super::slab::SlabMap<ConversationId, ConvRec>,
    /// Distinct requirement sets (customer left out), by number.
    requirement_sets: Vec<RouteRequirements>,
    requirement_numbers: super::FastMap<RouteRequirements, u32>,
    /// Class by (requirement set, queue, relaxation stage): a pure function
    /// of the configuration, remembered.
    class_of_requirements: super::FastMap<(u32, QueueId, u8), u32>,
    last_agent: BTreeMap<CustomerId, (AgentId, DateTime<Utc>)>,
    seq: u64,
    skill_numbers: BTreeMap<Skill, SkillNo>,
    skill_names: Vec<Skill>,
    /// Available agents per skill number, for choosing the rarest skill.
    skill_counts: BTreeMap<SkillNo, u32>,
    pools: BTreeMap<PoolKey, BTreeSet<Rank>>,
    class_ids: BTreeMap<Needs, u32>,
    classes: Vec<Class>,
    /// Non-empty classes per (language, channel), ordered by their head.
    buckets: BTreeMap<(Option<Language>, ChannelKind), ClassHeads>,
    waiting_count: usize,
    offer_due: BTreeSet<(DateTime<Utc>, ConversationId)>,
    hold_due: BTreeSet<(DateTime<Utc>, ConversationId)>,
    relax_due: BTreeSet<(DateTime<Utc>, ConversationId)>,
    shift_due: BTreeSet<(DateTime<Utc>, AgentId)>,
}

impl Router {
    /// An empty router.
    ///
    /// # Errors
    /// [`RouterError::InvalidConfig`] when a queue id is 0 or repeated, or a
    /// relaxation level is outside 1..=5.
    pub fn new(config: RouterConfig) -> Result<Router, RouterError> {
        let mut ids = BTreeSet::new();
        for spec in &config.queues {
            if spec.id == QueueId::DEFAULT || !ids.insert(spec.id) {
                return Err(RouterError::InvalidConfig(format!(
                    "queue id {} is 0 or used twice",
                    spec.id.0
                )));
            }
        }
        let steps = config
            .queues
            .iter()
            .flat_map(|q| q.relaxation.iter())
            .chain(config.default_relaxation.iter());
        for step in steps {
            if let Relax::SecondLanguage { min_level } = step.relax {
                if !(1..=5).contains(&min_level) {
                    return Err(RouterError::InvalidConfig(format!(
                        "language level {min_level} outside 1..=5"
                    )));
                }
            }
        }
        if config.queues.iter().any(|q| q.relaxation.len() > 250)
            || config.default_relaxation.len() > 250
        {
            return Err(RouterError::InvalidConfig(
                "more than 250 relaxation steps".into(),
            ));
        }
        Ok(Router::unchecked(config))
    }

    /// A router over a configuration already known to be valid.
    fn unchecked(config: RouterConfig) -> Router {
        Router {
            config,
            agents: BTreeMap::new(),
            conversations: super::slab::SlabMap::default(),
            requirement_sets: Vec::new(),
            requirement_numbers: super::FastMap::default(),
            class_of_requirements: super::FastMap::default(),
            last_agent: BTreeMap::new(),
            seq: 0,
            skill_numbers: BTreeMap::new(),
            skill_names: Vec::new(),
            skill_counts: BTreeMap::new(),
            pools: BTreeMap::new(),
            class_ids: BTreeMap::new(),
            classes: Vec::new(),
            buckets: BTreeMap::new(),
            waiting_count: 0,
            offer_due: BTreeSet::new(),
            hold_due: BTreeSet::new(),
            relax_due: BTreeSet::new(),
            shift_due: BTreeSet::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    // -----------------------------------------------------------------------
    // Queries

    /// An agent's profile.
    pub fn agent(&self, agent: AgentId) -> Option<&Agent> {
        self.agents.get(&agent).map(|rec| &rec.agent)
    }

    /// Every agent, by id.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.agents.values().map(|rec| &rec.agent)
    }

    /// Units an agent holds (assigned plus offered).
    pub fn load(&self, agent: AgentId) -> Option<u32> {
        self.agents.get(&agent).map(|rec| rec.used_total)
    }

    /// Units an agent holds on one channel kind.
    pub fn channel_load(&self, agent: AgentId, channel: ChannelKind) -> Option<u32> {
        self.agents
            .get(&agent)
            .map(|rec| rec.used_channel[channel_slot(channel)])
    }

    /// Whether an agent is on shift (as of the last `upsert_agent` or
    /// `shift_boundary`).
    pub fn is_on_shift(&self, agent: AgentId) -> bool {
        self.agents.get(&agent).is_some_and(|rec| rec.on_shift)
    }

    /// Whether the agent is online, on shift and below total capacity.
    pub fn is_available(&self, agent: AgentId) -> bool {
        self.agents.get(&agent).is_some_and(available)
    }

    /// Where a conversation stands; `None` when unknown.
    pub fn state(&self, conversation: ConversationId) -> Option<RouteState> {
        self.conversations.get(&conversation).map(|rec| rec.state)
    }

    /// The conversation's queue.
    pub fn queue_of(&self, conversation: ConversationId) -> Option<QueueId> {
        self.conversations.get(&conversation).map(|rec| rec.queue)
    }

    /// How many relaxation steps the conversation has taken.
    pub fn stage(&self, conversation: ConversationId) -> Option<u8> {
        self.conversations.get(&conversation).map(|rec| rec.stage)
    }

    /// Whether `agent` is the conversation's assignee (only they may reply).
    pub fn is_assignee(&self, conversation: ConversationId, agent: AgentId) -> bool {
        self.assignee(conversation) == Some(agent)
    }

    /// The conversation's assignee.
    pub fn assignee(&self, conversation: ConversationId) -> Option<AgentId> {
        match self.conversations.get(&conversation)?.state {
            RouteState::Assigned { agent } => Some(agent),
            _ => None,
        }
    }

    /// The outstanding offer for a conversation.
    pub fn offer(&self, conversation: ConversationId) -> Option<Offer> {
        match self.conversations.get(&conversation)?.state {
            RouteState::Offered { agent, expires_at } => Some(Offer {
                agent,
                conversation,
                expires_at,
            }),
            _ => None,
        }
    }

    /// Whether the conversation waits (in its queue or held; not offered).
    pub fn is_waiting(&self, conversation: ConversationId) -> bool {
        matches!(
            self.state(conversation),
            Some(RouteState::Waiting | RouteState::Held { .. })
        )
    }

    /// How many conversations wait in queues (not held, offered or assigned).
    pub fn waiting_len(&self) -> usize {
        self.waiting_count
    }

    /// The conversations an agent holds (assigned), by id.
    pub fn conversations_of(&self, agent: AgentId) -> impl Iterator<Item = ConversationId> + '_ {
        self.agents
            .get(&agent)
            .into_iter()
            .flat_map(|rec| rec.assigned.iter().copied())
    }

    /// The waiting conversations of one queue, in service order. Costs
    /// O(Q log Q) (it merges classes); for inspection, not for routing.
    pub fn queue(&self, queue: QueueId) -> Vec<ConversationId> {
        let mut all: Vec<WaitKey> = self
            .classes
            .iter()
            .filter(|class| class.needs.queue == queue)
            .flat_map(|class| class.waiting.iter().copied())
            .collect();
        all.sort();
        all.into_iter().map(|order| order.conversation()).collect()
    }

    /// Whether `agent` could take `conversation` now under its current
    /// requirements: available, eligible, room for its weight, not declined,
    /// and the sticky agent when held. Whatever its state (for checks).
    pub fn can_serve(&self, agent: AgentId, conversation: ConversationId) -> bool {
        match (
            self.agents.get(&agent),
            self.conversations.get(&conversation),
        ) {
            (Some(a), Some(c)) => {
                let Some(class) = self.classes.get(c.class as usize) else {
                    return false;
                };
                let needs = &class.needs;
                available(a)
                    && self.fits(a, needs, c.weight)
                    && !c.has_declined(agent)
                    && match c.state {
                        RouteState::Held { agent: held, .. } => held == agent,
                        _ => true,
                    }
            }
            _ => false,
        }
    }

    /// The next thing the router needs done, and when. At one instant shift
    /// boundaries come first (so nothing is routed to an agent whose shift
    /// just ended), then offer expiries, sticky holds and relaxation steps.
    /// The engine handles due timers before inputs at the same instant.
    /// O(log Q + log A).
    pub fn next_timer(&self) -> Option<(DateTime<Utc>, RouterTimer)> {
        let mut best: Option<(DateTime<Utc>, RouterTimer)> = None;
        let mut consider = |at: DateTime<Utc>, timer: RouterTimer| {
            if best.is_none_or(|(b, _)| at < b) {
                best = Some((at, timer));
            }
        };
        if let Some((at, agent)) = self.shift_due.first() {
            consider(*at, RouterTimer::Shift { agent: *agent });
        }
        if let Some((at, conversation)) = self.offer_due.first() {
            consider(
                *at,
                RouterTimer::OfferExpires {
                    conversation: *conversation,
                },
            );
        }
        if let Some((at, conversation)) = self.hold_due.first() {
            consider(
                *at,
                RouterTimer::HoldEnds {
                    conversation: *conversation,
                },
            );
        }
        if let Some((at, conversation, step)) = self.next_relaxation() {
            consider(at, RouterTimer::Relax { conversation, step });
        }
        best
    }

    /// The next relaxation step due: when, which conversation, which step.
    pub fn next_relaxation(&self) -> Option<(DateTime<Utc>, ConversationId, u8)> {
        let (at, conversation) = self.relax_due.first()?;
        let stage = self.conversations.get(conversation)?.stage;
        Some((*at, *conversation, stage))
    }

    // -----------------------------------------------------------------------
    // Decisions (read only)

    /// The decision for a waiting conversation: the best available eligible
    /// agent under the strategy (the sticky agent only, while held), as an
    /// assignment or an offer per [`OfferMode`]. `None` when nobody can take
    /// it now, or it is not waiting.
    pub fn decide_for_conversation(
        &self,
        conversation: ConversationId,
        now: DateTime<Utc>,
    ) -> Option<Decision> {
        let rec = self.conversations.get(&conversation)?;
        let agent = match rec.state {
            RouteState::Waiting => self.best_agent(rec)?,
            RouteState::Held { agent, .. } => {
                self.can_serve(agent, conversation).then_some(agent)?
            }
            _ => return None,
        };
        Some(self.make_decision(conversation, agent, now, false))
    }

    /// The decision for an agent with free capacity (push): the first waiting
    /// conversation in service order they can serve, across every queue
    /// they serve and the conversations held for them. `None` when they are
    /// unavailable or nothing fits.
    pub fn decide_for_agent(&self, agent: AgentId, now: DateTime<Utc>) -> Option<Decision> {
        let conversation = self.best_conversation(agent)?;
        Some(self.make_decision(conversation, agent, now, false))
    }

    /// Pull: the agent asks for their next conversation; like
    /// [`decide_for_agent`](Self::decide_for_agent) but always an
    /// assignment, even in push mode.
    pub fn decide_pull(&self, agent: AgentId, now: DateTime<Utc>) -> Option<Decision> {
        let conversation = self.best_conversation(agent)?;
        Some(self.make_decision(conversation, agent, now, true))
    }

    fn make_decision(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        now: DateTime<Utc>,
        pull: bool,
    ) -> Decision {
        match self.config.offers {
            OfferMode::Push { timeout_secs, .. } if !pull => Decision::Offer(Offer {
                agent,
                conversation,
                expires_at: after(now, timeout_secs.max(0)),
            }),
            _ => Decision::Assign {
                conversation,
                agent,
            },
        }
    }

    fn best_agent(&self, rec: &ConvRec) -> Option<AgentId> {
        let needs = &self.classes.get(rec.class as usize)?.needs;
        // The rarest required skill narrows the pool; a skill no available
        // agent has means nobody can serve.
        let mut skill: Option<SkillNo> = None;
        let mut fewest = u32::MAX;
        for (number, _) in &needs.skills {
            let count = self.skill_counts.get(number).copied().unwrap_or(0);
            if count == 0 {
                return None;
            }
            if count < fewest {
                fewest = count;
                skill = Some(*number);
            }
        }
        let levels = match needs.language {
            Some(_) => needs.min_level..=5,
            None => 0..=0,
        };
        let mut best: Option<Rank> = None;
        for level in levels {
            for channel in [Some(needs.channel), None] {
                let key = PoolKey {
                    language: needs.language,
                    level,
                    channel,
                    skill,
                };
                let Some(pool) = self.pools.get(&key) else {
                    continue;
                };
                for rank in pool {
                    if best.is_some_and(|b| *rank >= b) {
                        break;
                    }
                    let agent = rank.2;
                    if !rec.has_declined(agent)
                        && self
                            .agents
                            .get(&agent)
                            .is_some_and(|a| self.fits(a, needs, rec.weight))
                    {
                        best = Some(*rank);
                        break;
                    }
                }
            }
        }
        best.map(|rank| rank.2)
    }

    fn best_conversation(&self, agent: AgentId) -> Option<ConversationId> {
        let rec = self.agents.get(&agent)?;
        if !available(rec) {
            return None;
        }
        let mut best: Option<WaitKey> = None;
        for order in &rec.held {
            if best.is_some_and(|b| *order >= b) {
                break;
            }
            if self.can_serve(agent, order.conversation()) {
                best = Some(*order);
                break;
            }
        }
        // Every (language, channel) list the agent can serve, merged in head
        // order: the first class they fit holds the best conversation for
        // them, unless they declined its head (then later entries count).
        let mut lists = Vec::new();
        let languages = std::iter::once(None).chain(rec.agent.languages.keys().map(|l| Some(*l)));
        for language in languages {
            let range = self
                .buckets
                .range((language, ChannelKind::X)..=(language, ChannelKind::Other));
            for ((_, channel), heads) in range {
                if rec.agent.works(*channel) {
                    lists.push(heads.iter().peekable());
                }
            }
        }
        loop {
            let mut next: Option<(usize, WaitKey)> = None;
            for (i, list) in lists.iter_mut().enumerate() {
                if let Some((head, _)) = list.peek() {
                    if next.is_none_or(|(_, n)| *head < n) {
                        next = Some((i, *head));
                    }
                }
            }
            let Some((i, head)) = next else {
                break;
            };
            if best.is_some_and(|b| head >= b) {
                break;
            }
            let Some((_, class_id)) = lists.get_mut(i).and_then(|list| list.next()) else {
                break;
            };
            let Some(class) = self.classes.get(*class_id as usize) else {
                continue;
            };
            let weight = self
                .config
                .weights
                .units(class.needs.channel, class.needs.visibility);
            if !self.fits(rec, &class.needs, weight) {
                continue;
            }
            for order in class.waiting.iter() {
                if best.is_some_and(|b| *order >= b) {
                    break;
                }
                let declined = self
                    .conversations
                    .get(&order.conversation())
                    .is_none_or(|c| c.has_declined(agent));
                if !declined {
                    best = Some(*order);
                    break;
                }
            }
        }
        best.map(|order| order.conversation())
    }

    /// Whether an agent meets the needs and has room for `weight` units
    /// (presence and shift not checked here).
    fn fits(&self, rec: &AgentRec, needs: &Needs, weight: u32) -> bool {
        let agent = &rec.agent;
        let slot = channel_slot(needs.channel);
        needs.language.is_none_or(|language| {
            agent
                .languages
                .get(&language)
                .is_some_and(|level| *level >= needs.min_level)
        }) && agent.works(needs.channel)
            && rec.used_total.saturating_add(weight) <= agent.capacity.total
            && rec.used_channel[slot].saturating_add(weight)
                <= agent.capacity.limit_for(needs.channel)
            && needs
                .skills
                .iter()
                .all(|(skill, level)| rec.skills.get(skill).is_some_and(|have| have >= level))
            && needs
                .teams
                .as_ref()
                .is_none_or(|teams| agent.team.is_some_and(|team| teams.contains(&team)))
            && self
                .queue_filter(needs.queue)
                .is_none_or(|f| f.admits(agent))
    }

    fn queue_filter(&self, queue: QueueId) -> Option<&AgentFilter> {
        self.config
            .queues
            .iter()
            .find(|spec| spec.id == queue)
            .map(|spec| &spec.eligible)
    }

    fn relaxation(&self, queue: QueueId) -> &[RelaxationStep] {
        self.config
            .queues
            .iter()
            .find(|spec| spec.id == queue)
            .map_or(&self.config.default_relaxation, |spec| &spec.relaxation)
    }

    // -----------------------------------------------------------------------
    // Agents

    /// Adds an agent or replaces their profile and shift; their load and
    /// assignments are kept (an agent whose capacity shrank below their
    /// load simply gets nothing new until it drops).
    ///
    /// # Errors
    /// [`RouterError::InvalidAgent`] when the profile fails
    /// [`Agent::validate`].
    pub fn upsert_agent(
        &mut self,
        agent: Agent,
        shift: Shift,
        now: DateTime<Utc>,
    ) -> Result<AgentChange, RouterError> {
        agent.validate()?;
        let id = agent.id;
        self.unindex_agent(id);
        let skills = agent
            .skills
            .iter()
            .map(|(skill, level)| (self.intern(skill), *level))
            .collect();
        let rec = self.agents.entry(id).or_insert_with(|| AgentRec {
            agent: agent.clone(),
            shift: Shift::Always,
            on_shift: true,
            next_shift_change: None,
            used_total: 0,
            used_channel: [0; 7],
            assigned: BTreeSet::new(),
            offered: BTreeSet::new(),
            held: BTreeSet::new(),
            last_seq: 0,
            idle_since_ms: millis(now),
            missed_offers: 0,
            skills: BTreeMap::new(),
            indexed: None,
        });
        rec.agent = agent;
        rec.skills = skills;
        rec.shift = shift;
        let presence = rec.agent.presence;
        self.refresh_shift(id, now);
        self.after_presence(id, presence, false, now)
    }

    /// Sets an agent's presence. Going anywhere but online withdraws their
    /// offers and releases their sticky holds; going offline also applies
    /// the [`OfflinePolicy`] to their assignments.
    ///
    /// # Errors
    /// [`RouterError::UnknownAgent`].
    pub fn set_presence(
        &mut self,
        agent: AgentId,
        presence: Presence,
        now: DateTime<Utc>,
    ) -> Result<AgentChange, RouterError> {
        let rec = self
            .agents
            .get_mut(&agent)
            .ok_or(RouterError::UnknownAgent(agent))?;
        let offline_now = presence == Presence::Offline && rec.agent.presence != Presence::Offline;
        rec.agent.presence = presence;
        self.after_presence(agent, presence, offline_now, now)
    }

    /// Re-evaluates an agent's shift at `now` (call it when
    /// [`RouterTimer::Shift`] is due). A shift that ends withdraws offers,
    /// releases holds and applies the [`OfflinePolicy`].
    ///
    /// # Errors
    /// [`RouterError::UnknownAgent`].
    pub fn shift_boundary(
        &mut self,
        agent: AgentId,
        now: DateTime<Utc>,
    ) -> Result<AgentChange, RouterError> {
        let rec = self
            .agents
            .get(&agent)
            .ok_or(RouterError::UnknownAgent(agent))?;
        let was_on = rec.on_shift;
        let presence = rec.agent.presence;
        self.refresh_shift(agent, now);
        let ended = was_on && !self.agents.get(&agent).is_some_and(|r| r.on_shift);
        self.after_presence(agent, presence, ended, now)
    }

    fn refresh_shift(&mut self, agent: AgentId, now: DateTime<Utc>) {
        let Some(rec) = self.agents.get_mut(&agent) else {
            return;
        };
        if let Some(at) = rec.next_shift_change.take() {
            self.shift_due.remove(&(at, agent));
        }
        rec.on_shift = rec.shift.is_on(now);
        rec.next_shift_change = rec.shift.next_change(now);
        if let Some(at) = rec.next_shift_change {
            self.shift_due.insert((at, agent));
        }
    }

    fn after_presence(
        &mut self,
        agent: AgentId,
        presence: Presence,
        apply_offline_policy: bool,
        now: DateTime<Utc>,
    ) -> Result<AgentChange, RouterError> {
        let mut change = AgentChange::default();
        let Some(rec) = self.agents.get_mut(&agent) else {
            return Err(RouterError::UnknownAgent(agent));
        };
        let reachable = presence == Presence::Online && rec.on_shift;
        if reachable {
            if rec.used_total == 0 && rec.indexed.is_none() {
                rec.idle_since_ms = millis(now);
            }
        } else {
            change.offers_withdrawn = rec.offered.iter().copied().collect();
            change.holds_released = rec.held.iter().map(WaitKey::conversation).collect();
            if apply_offline_policy && self.config.offline == OfflinePolicy::Requeue {
                change.requeued = rec.assigned.iter().copied().collect();
            }
        }
        for conversation in change.offers_withdrawn.clone() {
            self.end_offer(conversation, false)?;
        }
        for conversation in change.holds_released.clone() {
            self.end_hold(conversation)?;
        }
        for conversation in change.requeued.clone() {
            self.requeue(conversation, now)?;
        }
        self.reindex_agent(agent);
        Ok(change)
    }

    fn intern(&mut self, skill: &Skill) -> SkillNo {
        if let Some(number) = self.skill_numbers.get(skill) {
            return *number;
        }
        // Four billion distinct skills cannot be held in memory (each name
        // is a heap string interned here), so the fallback is never reached.
        let number = SkillNo::try_from(self.skill_names.len()).unwrap_or(SkillNo::MAX);
        self.skill_numbers.insert(skill.clone(), number);
        self.skill_names.push(skill.clone());
        number
    }

    fn rank_of(&self, rec: &AgentRec) -> Rank {
        let id = rec.agent.id;
        match self.config.strategy.base() {
            BaseStrategy::LeastLoaded => (
                u64::from(rec.used_total) * 1000 / u64::from(rec.agent.capacity.total.max(1)),
                0,
                id,
            ),
            BaseStrategy::RoundRobin => (rec.last_seq, 0, id),
            BaseStrategy::LongestIdle => (u64::from(rec.used_total), rec.idle_since_ms, id),
        }
    }

    fn pool_keys(rec: &AgentRec) -> Vec<PoolKey> {
        let mut languages: Vec<(Option<Language>, u8)> = vec![(None, 0)];
        languages.extend(
            rec.agent
                .languages
                .iter()
                .map(|(l, level)| (Some(*l), *level)),
        );
        let channels: Vec<Option<ChannelKind>> = if rec.agent.channels.is_empty() {
            vec![None]
        } else {
            rec.agent.channels.iter().map(|c| Some(*c)).collect()
        };
        let mut skills: Vec<Option<SkillNo>> = vec![None];
        skills.extend(rec.skills.keys().map(|s| Some(*s)));
        let mut keys = Vec::with_capacity(languages.len() * channels.len() * skills.len());
        for (language, level) in &languages {
            for channel in &channels {
                for skill in &skills {
                    keys.push(PoolKey {
                        language: *language,
                        level: *level,
                        channel: *channel,
                        skill: *skill,
                    });
                }
            }
        }
        keys
    }

    fn unindex_agent(&mut self, agent: AgentId) {
        let Some(rec) = self.agents.get_mut(&agent) else {
            return;
        };
        let Some((rank, keys)) = rec.indexed.take() else {
            return;
        };
        for skill in rec.skills.keys() {
            if let Some(count) = self.skill_counts.get_mut(skill) {
                *count = count.saturating_sub(1);
            }
        }
        for key in keys {
            if let Some(pool) = self.pools.get_mut(&key) {
                pool.remove(&rank);
                if pool.is_empty() {
                    self.pools.remove(&key);
                }
            }
        }
    }

    /// Puts the agent in the pools under their current rank when available,
    /// or takes them out; a no-op when nothing changed.
    fn reindex_agent(&mut self, agent: AgentId) {
        let Some(rec) = self.agents.get(&agent) else {
            return;
        };
        let want = available(rec).then(|| self.rank_of(rec));
        let have = rec.indexed.as_ref().map(|(rank, _)| *rank);
        if want == have {
            return;
        }
        match (have, want) {
            (Some(old), Some(new)) => {
                // Same keys, new rank: move in place.
                let keys = rec
                    .indexed
                    .as_ref()
                    .map(|(_, keys)| keys.clone())
                    .unwrap_or_default();
                for key in &keys {
                    if let Some(pool) = self.pools.get_mut(key) {
                        pool.remove(&old);
                        pool.insert(new);
                    }
                }
                if let Some(rec) = self.agents.get_mut(&agent) {
                    rec.indexed = Some((new, keys));
                }
            }
            _ => {
                self.unindex_agent(agent);
                if let Some(rank) = want {
                    let Some(rec) = self.agents.get_mut(&agent) else {
                        return;
                    };
                    let keys = Self::pool_keys(rec);
                    for key in &keys {
                        self.pools.entry(*key).or_default().insert(rank);
                    }
                    for skill in rec.skills.keys() {
                        *self.skill_counts.entry(*skill).or_insert(0) += 1;
                    }
                    rec.indexed = Some((rank, keys));
                }
            }
        }
    }

    // -----------------------------------------------------------------------
    // Conversations

    /// Puts a new conversation in its queue (the first matching
    /// [`QueueSpec`], else the default queue), ordered by (priority,
    /// deadline, arrival). With the sticky strategy and a recent agent for
    /// the customer who is online and on shift, it is held for that agent
    /// until `arrival + wait`.
    ///
    /// # Errors
    /// [`RouterError::AlreadyRouted`] when the router already tracks it.
    pub fn enqueue(
        &mut self,
        conversation: ConversationId,
        requirements: RouteRequirements,
        priority: Priority,
        deadline: Option<DateTime<Utc>>,
        arrival: DateTime<Utc>,
    ) -> Result<(), RouterError> {
        if self.conversations.contains_key(&conversation) {
            return Err(RouterError::AlreadyRouted(conversation));
        }
        let queue = self
            .config
            .queues
            .iter()
            .find(|spec| spec.matches.accepts(&requirements, priority))
            .map_or(QueueId::DEFAULT, |spec| spec.id);
        let weight = self
            .config
            .weights
            .units(requirements.channel, requirements.visibility);
        let customer = requirements.customer;
        let channel = requirements.channel;
        let mut rec = ConvRec {
            requirements: self.intern_requirements(requirements),
            channel,
            customer,
            priority,
            deadline,
            arrival,
            queue,
            stage: 0,
            state: RouteState::Waiting,
            declined: None,
            weight,
            class: 0,
        };
        rec.class = self.class_for(&rec);
        let hold = match self.config.strategy {
            RoutingStrategy::Sticky {
                window_secs,
                wait_secs,
                ..
            } => rec
                .customer
                .and_then(|customer| self.last_agent.get(&customer))
                .filter(|(_, at)| *at >= after(arrival, window_secs.saturating_neg()))
                .map(|(agent, _)| *agent)
                .filter(|agent| {
                    self.agents.get(agent).is_some_and(|a| {
                        a.agent.presence == Presence::Online
                            && a.on_shift
                            && self.fits_ignoring_load(a, rec.class)
                    })
                })
                .map(|agent| (agent, after(arrival, wait_secs.max(0)))),
            _ => None,
        };
        if let Some((agent, until)) = hold {
            rec.state = RouteState::Held { agent, until };
        }
        self.conversations.insert(conversation, rec);
        self.place(conversation);
        self.schedule_relaxation(conversation);
        Ok(())
    }

    fn fits_ignoring_load(&self, rec: &AgentRec, class: u32) -> bool {
        let Some(class) = self.classes.get(class as usize) else {
            return false;
        };
        let mut relaxed = rec.clone();
        relaxed.used_total = 0;
        relaxed.used_channel = [0; 7];
        self.fits(&relaxed, &class.needs, 1)
    }

    /// Changes a conversation's priority and SLA deadline, keeping its
    /// arrival (its place among equals) and its queue (chosen once, at
    /// enqueue). O(log Q).
    ///
    /// # Errors
    /// [`RouterError::UnknownConversation`].
    pub fn rekey(
        &mut self,
        conversation: ConversationId,
        priority: Priority,
        deadline: Option<DateTime<Utc>>,
    ) -> Result<(), RouterError> {
        if !self.conversations.contains_key(&conversation) {
            return Err(RouterError::UnknownConversation(conversation));
        }
        self.unplace(conversation);
        if let Some(rec) = self.conversations.get_mut(&conversation) {
            rec.priority = priority;
            rec.deadline = deadline;
        }
        self.place(conversation);
        Ok(())
    }

    /// Forgets a conversation that is not assigned (waiting, held or offered:
    /// an outstanding offer is withdrawn). For an assigned one use
    /// [`release`](Self::release).
    ///
    /// # Errors
    /// [`RouterError::UnknownConversation`]; [`RouterError::WrongState`]
    /// when assigned.
    pub fn dequeue(&mut self, conversation: ConversationId) -> Result<(), RouterError> {
        let rec = self
            .conversations
            .get(&conversation)
            .ok_or(RouterError::UnknownConversation(conversation))?;
        match rec.state {
            RouteState::Assigned { .. } => {
                return Err(RouterError::WrongState {
                    conversation,
                    actual: rec.state,
                })
            }
            RouteState::Offered { .. } => self.end_offer(conversation, false)?,
            _ => {}
        }
        self.unplace(conversation);
        self.unschedule_relaxation(conversation);
        self.conversations.remove(&conversation);
        Ok(())
    }

    /// The assignee is done with an assigned conversation (resolved, closed,
    /// transferred away): frees their units, remembers them as the
    /// customer's last agent, and forgets the conversation. Returns the agent.
    ///
    /// # Errors
    /// [`RouterError::UnknownConversation`]; [`RouterError::WrongState`]
    /// when not assigned.
    pub fn release(
        &mut self,
        conversation: ConversationId,
        now: DateTime<Utc>,
    ) -> Result<AgentId, RouterError> {
        let rec = self
            .conversations
            .get(&conversation)
            .ok_or(RouterError::UnknownConversation(conversation))?;
        let RouteState::Assigned { agent } = rec.state else {
            return Err(RouterError::WrongState {
                conversation,
                actual: rec.state,
            });
        };
        if let Some(customer) = rec.customer {
            self.last_agent.insert(customer, (agent, now));
        }
        let (weight, channel) = (rec.weight, rec.channel);
        self.conversations.remove(&conversation);
        self.unload(agent, conversation, weight, channel, now);
        Ok(agent)
    }

    /// Puts an assigned conversation back in its queue (the agent went
    /// offline under [`OfflinePolicy::Requeue`], or the engine moves it),
    /// keeping its arrival and relaxation step. The agent stays out of it
    /// only if they declined it before.
    ///
    /// # Errors
    /// [`RouterError::UnknownConversation`]; [`RouterError::WrongState`]
    /// when not assigned.
    pub fn requeue(
        &mut self,
        conversation: ConversationId,
        now: DateTime<Utc>,
    ) -> Result<(), RouterError> {
        let rec = self
            .conversations
            .get_mut(&conversation)
            .ok_or(RouterError::UnknownConversation(conversation))?;
        let RouteState::Assigned { agent } = rec.state else {
            return Err(RouterError::WrongState {
                conversation,
                actual: rec.state,
            });
        };
        rec.state = RouteState::Waiting;
        let (weight, channel) = (rec.weight, rec.channel);
        self.unload(agent, conversation, weight, channel, now);
        self.place(conversation);
        self.schedule_relaxation(conversation);
        Ok(())
    }

    /// Applies a decision: assigns, or opens the offer (reserving the
    /// agent's units until it ends).
    ///
    /// # Errors
    /// [`RouterError::UnknownConversation`], [`RouterError::UnknownAgent`];
    /// [`RouterError::WrongState`] when it is not waiting or held;
    /// [`RouterError::NotEligible`] when the agent cannot take it now.
    pub fn apply(&mut self, decision: Decision, now: DateTime<Utc>) -> Result<(), RouterError> {
        let conversation = decision.conversation();
        let agent = decision.agent();
        let rec = self
            .conversations
            .get(&conversation)
            .ok_or(RouterError::UnknownConversation(conversation))?;
        if !self.agents.contains_key(&agent) {
            return Err(RouterError::UnknownAgent(agent));
        }
        if !matches!(rec.state, RouteState::Waiting | RouteState::Held { .. }) {
            return Err(RouterError::WrongState {
                conversation,
                actual: rec.state,
            });
        }
        if !self.can_serve(agent, conversation) {
            return Err(RouterError::NotEligible {
                agent,
                conversation,
            });
        }
        let (weight, channel) = (rec.weight, rec.channel);
        self.unplace(conversation);
        let new_state = match decision {
            Decision::Assign { .. } => {
                self.unschedule_relaxation(conversation);
                RouteState::Assigned { agent }
            }
            Decision::Offer(offer) => {
                self.offer_due.insert((offer.expires_at, conversation));
                RouteState::Offered {
                    agent,
                    expires_at: offer.expires_at,
                }
            }
        };
        if let Some(rec) = self.conversations.get_mut(&conversation) {
            rec.state = new_state;
        }
        self.seq += 1;
        let seq = self.seq;
        if let Some(a) = self.agents.get_mut(&agent) {
            a.used_total = a.used_total.saturating_add(weight);
            let slot = &mut a.used_channel[channel_slot(channel)];
            *slot = slot.saturating_add(weight);
            a.last_seq = seq;
            match decision {
                Decision::Assign { .. } => {
                    a.assigned.insert(conversation);
                    if let Some(customer) = self
                        .conversations
                        .get(&conversation)
                        .and_then(|c| c.customer)
                    {
                        self.last_agent.insert(customer, (agent, now));
                    }
                }
                Decision::Offer(_) => {
                    a.offered.insert(conversation);
                }
            }
        }
        self.reindex_agent(agent);
        Ok(())
    }

    /// Assigns `conversation` to `agent` by hand (a transfer to a named
    /// agent, or an agent who answers an unassigned conversation): whatever
    /// its state, it becomes the agent's. A conversation the router does not
    /// know yet is added with `requirements`; an outstanding offer to someone
    /// else is withdrawn, a sticky hold ends, and a previous assignee is
    /// relieved. Eligibility is not checked (a person decided); the caller
    /// checks room with [`has_room`](Self::has_room) first. O(p log A + log Q).
    ///
    /// # Errors
    /// [`RouterError::UnknownAgent`].
    pub fn assign_manually(
        &mut self,
        conversation: ConversationId,
        agent: AgentId,
        requirements: RouteRequirements,
        priority: Priority,
        now: DateTime<Utc>,
    ) -> Result<(), RouterError> {
        if !self.agents.contains_key(&agent) {
            return Err(RouterError::UnknownAgent(agent));
        }
        match self.state(conversation) {
            None => self.enqueue(conversation, requirements, priority, None, now)?,
            Some(RouteState::Assigned { agent: current }) if current == agent => return Ok(()),
            Some(RouteState::Assigned { .. }) => {
                self.release(conversation, now)?;
                self.enqueue(conversation, requirements, priority, None, now)?;
            }
            Some(RouteState::Offered { agent: offered, .. }) if offered == agent => {
                return self.accept(conversation, agent, now);
            }
            Some(RouteState::Offered { .. }) => self.end_offer(conversation, false)?,
            Some(RouteState::Waiting | RouteState::Held { .. }) => {}
        }
        self.unplace(conversation);
        self.unschedule_relaxation(conversation);
        let Some(rec) = self.conversations.get_mut(&conversation) else {
            return Err(RouterError::UnknownConversation(conversation));
        };
        rec.state = RouteState::Assigned { agent };
        let (weight, channel, customer) = (rec.weight, rec.channel, rec.customer);
        self.seq += 1;
        let seq = self.seq;
        if let Some(a) = self.agents.get_mut(&agent) {
            a.used_total = a.used_total.saturating_add(weight);
            let slot = &mut a.used_channel[channel_slot(channel)];
            *slot = slot.saturating_add(weight);
            a.last_seq = seq;
            a.assigned.insert(conversation);
        }
        if let Some(customer) = customer {
            self.last_agent.insert(customer, (agent, now));
        }
        self.reindex_agent(agent);
        Ok(())
    }

    /// Whether `agent` has room for one more conversation on `channel` with
    /// `visibility` (its weight within the total and the channel's limit).
    /// Presence, shift and eligibility are not checked.
    pub fn has_room(&self, agent: AgentId, channel: ChannelKind, visibility: Visibility) -> bool {
        let weight = self.config.weights.units(channel, visibility);
        self.agents.get(&agent).is_some_and(|rec| {
            rec.used_total.saturating_add(weight) <= rec.agent.capacity.total
                && rec.used_channel[channel_slot(channel)].saturating_add(weight)
                    <= rec.agent.capacity.limit_for(channel)
        })
    }

    /// Whether letting the agent's outstanding offer lapse now would reach
    /// the missed-offer limit (so [`expire_offer`](Self::expire_offer) will
    /// say `set_away`). Lets the engine record the presence change as its
    /// own event.
    pub fn expiry_sets_away(&self, agent: AgentId) -> bool {
        let limit = match self.config.offers {
            OfferMode::Push {
                away_after_missed, ..
            } => away_after_missed,
            OfferMode::Assign | OfferMode::Pull => 0,
        };
        self.agents.get(&agent).is_some_and(|a| {
            limit > 0
                && a.missed_offers.saturating_add(1) >= limit
                && a.agent.presence == Presence::Online
        })
    }

    /// An agent's shift schedule.
    pub fn shift(&self, agent: AgentId) -> Option<&Shift> {
        self.agents.get(&agent).map(|rec| &rec.shift)
    }

    /// The requirements a conversation was routed with (before relaxation).
    pub fn requirements(&self, conversation: ConversationId) -> Option<RouteRequirements> {
        self.conversations
            .get(&conversation)
            .map(|rec| self.full_requirements(rec))
    }

    /// A conversation's requirements with its customer put back.
    fn full_requirements(&self, rec: &ConvRec) -> RouteRequirements {
        let mut requirements = self
            .requirement_sets
            .get(rec.requirements as usize)
            .cloned()
            .unwrap_or_else(|| RouteRequirements::new(None, rec.channel));
        requirements.customer = rec.customer;
        requirements
    }

    /// The number of a requirement set (customer left out), added when new.
    fn intern_requirements(&mut self, mut requirements: RouteRequirements) -> u32 {
        requirements.customer = None;
        if let Some(number) = self.requirement_numbers.get(&requirements) {
            return *number;
        }
        let number = u32::try_from(self.requirement_sets.len()).unwrap_or(u32::MAX);
        self.requirement_sets.push(requirements.clone());
        self.requirement_numbers.insert(requirements, number);
        number
    }

    /// When a conversation arrived in its queue (kept across a requeue).
    pub fn arrival(&self, conversation: ConversationId) -> Option<DateTime<Utc>> {
        self.conversations.get(&conversation).map(|rec| rec.arrival)
    }

    /// The SLA deadline a conversation is ordered by.
    pub fn deadline(&self, conversation: ConversationId) -> Option<DateTime<Utc>> {
        self.conversations
            .get(&conversation)
            .and_then(|rec| rec.deadline)
    }

    /// Every conversation waiting in any queue, in service order across
    /// queues. O(Q log Q); for inspection, not for routing.
    pub fn all_waiting(&self) -> Vec<ConversationId> {
        let mut all: Vec<WaitKey> = self
            .classes
            .iter()
            .flat_map(|class| class.waiting.iter().copied())
            .collect();
        all.sort();
        all.into_iter().map(|order| order.conversation()).collect()
    }

    /// The agent accepts an outstanding offer: it becomes an assignment.
    ///
    /// # Errors
    /// [`RouterError::UnknownConversation`]; [`RouterError::WrongState`]
    /// when there is no offer to this agent.
    pub fn accept(
        &mut self,
        conversation: ConversationId,
        agent: AgentId,
        now: DateTime<Utc>,
    ) -> Result<(), RouterError> {
        let rec = self
            .conversations
            .get_mut(&conversation)
            .ok_or(RouterError::UnknownConversation(conversation))?;
        let RouteState::Offered {
            agent: offered,
            expires_at,
        } = rec.state
        else {
            return Err(RouterError::WrongState {
                conversation,
                actual: rec.state,
            });
        };
        if offered != agent {
            return Err(RouterError::WrongState {
                conversation,
                actual: rec.state,
            });
        }
        rec.state = RouteState::Assigned { agent };
        let customer = rec.customer;
        self.offer_due.remove(&(expires_at, conversation));
        self.unschedule_relaxation(conversation);
        if let Some(customer) = customer {
            self.last_agent.insert(customer, (agent, now));
        }
        if let Some(a) = self.agents.get_mut(&agent) {
            a.offered.remove(&conversation);
            a.assigned.insert(conversation);
            a.missed_offers = 0;
        }
        Ok(())
    }

    /// The agent declines an outstanding offer: the conversation goes back
    /// to its queue and this agent is skipped for it from now on.
    ///
    /// # Errors
    /// [`RouterError::UnknownConversation`]; [`RouterError::WrongState`]
    /// when there is no offer to this agent.
    pub fn decline(
        &mut self,
        conversation: ConversationId,
        agent: AgentId,
        now: DateTime<Utc>,
    ) -> Result<OfferEnded, RouterError> {
        let offer = self.offer(conversation).filter(|o| o.agent == agent);
        if offer.is_none() {
            return Err(self.wrong_state(conversation));
        }
        self.end_offer(conversation, true)?;
        let _ = now;
        Ok(OfferEnded {
            conversation,
            agent,
            set_away: false,
        })
    }

    /// An offer lapsed (call it when [`RouterTimer::OfferExpires`] is due):
    /// like a decline, and the agent's missed-offer count grows; at the
    /// configured limit [`OfferEnded::set_away`] tells the engine to set
    /// them away.
    ///
    /// # Errors
    /// [`RouterError::UnknownConversation`]; [`RouterError::WrongState`]
    /// when there is no outstanding offer.
    pub fn expire_offer(
        &mut self,
        conversation: ConversationId,
        now: DateTime<Utc>,
    ) -> Result<OfferEnded, RouterError> {
        let Some(offer) = self.offer(conversation) else {
            return Err(self.wrong_state(conversation));
        };
        self.end_offer(conversation, true)?;
        let limit = match self.config.offers {
            OfferMode::Push {
                away_after_missed, ..
            } => away_after_missed,
            OfferMode::Assign | OfferMode::Pull => 0,
        };
        let mut away = false;
        if let Some(a) = self.agents.get_mut(&offer.agent) {
            a.missed_offers = a.missed_offers.saturating_add(1);
            if limit > 0 && a.missed_offers >= limit {
                a.missed_offers = 0;
                away = a.agent.presence == Presence::Online;
            }
        }
        let _ = now;
        Ok(OfferEnded {
            conversation,
            agent: offer.agent,
            set_away: away,
        })
    }

    fn wrong_state(&self, conversation: ConversationId) -> RouterError {
        match self.conversations.get(&conversation) {
            Some(rec) => RouterError::WrongState {
                conversation,
                actual: rec.state,
            },
            None => RouterError::UnknownConversation(conversation),
        }
    }

    /// Ends an offer: units back, conversation back in its queue; `skip`
    /// records the agent as declined.
    fn end_offer(&mut self, conversation: ConversationId, skip: bool) -> Result<(), RouterError> {
        let rec = self
            .conversations
            .get_mut(&conversation)
            .ok_or(RouterError::UnknownConversation(conversation))?;
        let RouteState::Offered { agent, expires_at } = rec.state else {
            return Err(RouterError::WrongState {
                conversation,
                actual: rec.state,
            });
        };
        rec.state = RouteState::Waiting;
        if skip {
            rec.note_declined(agent);
        }
        let (weight, channel) = (rec.weight, rec.channel);
        self.offer_due.remove(&(expires_at, conversation));
        if let Some(a) = self.agents.get_mut(&agent) {
            a.offered.remove(&conversation);
            a.used_total = a.used_total.saturating_sub(weight);
            let slot = &mut a.used_channel[channel_slot(channel)];
            *slot = slot.saturating_sub(weight);
        }
        self.reindex_agent(agent);
        self.place(conversation);
        Ok(())
    }

    /// Ends a sticky hold (call it when [`RouterTimer::HoldEnds`] is due):
    /// the conversation is open to every eligible agent. A no-op when it is
    /// no longer held.
    ///
    /// # Errors
    /// [`RouterError::UnknownConversation`].
    pub fn end_hold(&mut self, conversation: ConversationId) -> Result<(), RouterError> {
        let rec = self
            .conversations
            .get(&conversation)
            .ok_or(RouterError::UnknownConversation(conversation))?;
        if let RouteState::Held { .. } = rec.state {
            self.unplace(conversation);
            if let Some(rec) = self.conversations.get_mut(&conversation) {
                rec.state = RouteState::Waiting;
            }
            self.place(conversation);
        }
        Ok(())
    }

    /// Applies relaxation step `step` (its queue's step index; steps apply in
    /// order). Call it when [`RouterTimer::Relax`] is due; the engine records
    /// it as an event first.
    ///
    /// # Errors
    /// [`RouterError::UnknownConversation`]; [`RouterError::StepOutOfOrder`]
    /// when `step` is not the next step.
    pub fn relax(&mut self, conversation: ConversationId, step: u8) -> Result<(), RouterError> {
        let rec = self
            .conversations
            .get(&conversation)
            .ok_or(RouterError::UnknownConversation(conversation))?;
        if rec.stage != step || usize::from(step) >= self.relaxation(rec.queue).len() {
            return Err(RouterError::StepOutOfOrder { conversation, step });
        }
        self.unschedule_relaxation(conversation);
        self.unplace(conversation);
        let class = {
            let Some(rec) = self.conversations.get_mut(&conversation) else {
                return Err(RouterError::UnknownConversation(conversation));
            };
            rec.stage = step.saturating_add(1);
            let rec = rec.clone();
            self.class_for(&rec)
        };
        if let Some(rec) = self.conversations.get_mut(&conversation) {
            rec.class = class;
        }
        self.place(conversation);
        self.schedule_relaxation(conversation);
        Ok(())
    }

    fn schedule_relaxation(&mut self, conversation: ConversationId) {
        let Some(rec) = self.conversations.get(&conversation) else {
            return;
        };
        if let RouteState::Assigned { .. } = rec.state {
            return;
        }
        let steps = self.relaxation(rec.queue);
        if let Some(step) = steps.get(usize::from(rec.stage)) {
            let at = after(rec.arrival, step.after_secs);
            self.relax_due.insert((at, conversation));
        }
    }

    fn unschedule_relaxation(&mut self, conversation: ConversationId) {
        let Some(rec) = self.conversations.get(&conversation) else {
            return;
        };
        let steps = self.relaxation(rec.queue);
        if let Some(step) = steps.get(usize::from(rec.stage)) {
            let at = after(rec.arrival, step.after_secs);
            self.relax_due.remove(&(at, conversation));
        }
    }

    /// The class a conversation belongs to at its current stage (interned).
    fn class_for(&mut self, rec: &ConvRec) -> u32 {
        let key = (rec.requirements, rec.queue, rec.stage);
        if let Some(class) = self.class_of_requirements.get(&key) {
            return *class;
        }
        let class = self.compute_class(rec);
        self.class_of_requirements.insert(key, class);
        class
    }

    /// The class of a requirement set in a queue at a relaxation stage.
    fn compute_class(&mut self, rec: &ConvRec) -> u32 {
        let r = self.full_requirements(rec);
        let mut min_level = r.language_level.clamp(1, 5);
        let mut drop_preferred = false;
        let mut teams: Option<Vec<TeamId>> = r.team.map(|t| vec![t]);
        let steps: Vec<RelaxationStep> = self
            .relaxation(rec.queue)
            .iter()
            .take(usize::from(rec.stage))
            .cloned()
            .collect();
        for step in steps {
            match step.relax {
                Relax::DropPreferredSkills => drop_preferred = true,
                Relax::SecondLanguage { min_level: level } => {
                    min_level = min_level.min(level.clamp(1, 5));
                }
                Relax::OverflowTeams { teams: extra } => {
                    if let Some(list) = teams.as_mut() {
                        if extra.is_empty() {
                            teams = None;
                        } else {
                            list.extend(extra);
                        }
                    }
                }
            }
        }
        if let Some(list) = teams.as_mut() {
            list.sort();
            list.dedup();
        }
        let mut skills: BTreeMap<SkillNo, u8> = BTreeMap::new();
        let required = r.required_skills.clone();
        for (skill, level) in required {
            let number = self.intern(&skill);
            let entry = skills.entry(number).or_insert(0);
            *entry = (*entry).max(level.clamp(1, 5));
        }
        if !drop_preferred {
            for skill in r.preferred_skills.clone() {
                let number = self.intern(&skill);
                skills.entry(number).or_insert(1);
            }
        }
        let needs = Needs {
            queue: rec.queue,
            language: r.language,
            min_level: if r.language.is_some() { min_level } else { 0 },
            channel: r.channel,
            visibility: r.visibility,
            teams,
            skills: skills.into_iter().collect(),
        };
        if let Some(id) = self.class_ids.get(&needs) {
            return *id;
        }
        // Class ids are u32: four billion classes (each over 100 bytes, kept
        // here) cannot be held in memory, so the fallback is never reached.
        let id = u32::try_from(self.classes.len()).unwrap_or(u32::MAX);
        self.class_ids.insert(needs.clone(), id);
        self.classes.push(Class {
            needs,
            waiting: WaitingSet::default(),
        });
        id
    }

    /// Puts a waiting or held conversation where decisions find it.
    fn place(&mut self, conversation: ConversationId) {
        let Some(rec) = self.conversations.get(&conversation) else {
            return;
        };
        let order = rec.order(conversation);
        match rec.state {
            RouteState::Waiting => {
                let class_id = rec.class;
                if let Some(class) = self.classes.get_mut(class_id as usize) {
                    let old_head = class.waiting.first().copied();
                    if class.waiting.insert(order) {
                        self.waiting_count += 1;
                    }
                    let new_head = class.waiting.first().copied();
                    if old_head != new_head {
                        let bucket = self
                            .buckets
                            .entry((class.needs.language, class.needs.channel))
                            .or_default();
                        if let Some(old) = old_head {
                            bucket.remove(&(old, class_id));
                        }
                        if let Some(new) = new_head {
                            bucket.insert((new, class_id));
                        }
                    }
                }
            }
            RouteState::Held { agent, until } => {
                if let Some(a) = self.agents.get_mut(&agent) {
                    a.held.insert(order);
                }
                self.hold_due.insert((until, conversation));
            }
            _ => {}
        }
    }

    /// Takes a conversation out of its class or hold (not out of the router).
    fn unplace(&mut self, conversation: ConversationId) {
        let Some(rec) = self.conversations.get(&conversation) else {
            return;
        };
        let order = rec.order(conversation);
        match rec.state {
            RouteState::Waiting => {
                let class_id = rec.class;
                if let Some(class) = self.classes.get_mut(class_id as usize) {
                    let old_head = class.waiting.first().copied();
                    if class.waiting.remove(&order) {
                        self.waiting_count = self.waiting_count.saturating_sub(1);
                    }
                    let new_head = class.waiting.first().copied();
                    if old_head != new_head {
                        let key = (class.needs.language, class.needs.channel);
                        if let Some(bucket) = self.buckets.get_mut(&key) {
                            if let Some(old) = old_head {
                                bucket.remove(&(old, class_id));
                            }
                            if let Some(new) = new_head {
                                bucket.insert((new, class_id));
                            }
                            if bucket.is_empty() {
                                self.buckets.remove(&key);
                            }
                        }
                    }
                }
            }
            RouteState::Held { agent, until } => {
                if let Some(a) = self.agents.get_mut(&agent) {
                    a.held.remove(&order);
                }
                self.hold_due.remove(&(until, conversation));
            }
            _ => {}
        }
    }

    fn unload(
        &mut self,
        agent: AgentId,
        conversation: ConversationId,
        weight: u32,
        channel: ChannelKind,
        now: DateTime<Utc>,
    ) {
        if let Some(a) = self.agents.get_mut(&agent) {
            a.assigned.remove(&conversation);
            a.used_total = a.used_total.saturating_sub(weight);
            let slot = &mut a.used_channel[channel_slot(channel)];
            *slot = slot.saturating_sub(weight);
            if a.used_total == 0 {
                a.idle_since_ms = millis(now);
            }
        }
        self.reindex_agent(agent);
    }
}

/// The serialized form of a [`Router`]: its facts, in id order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct RouterSnapshot {
    config: RouterConfig,
    seq: u64,
    agents: Vec<AgentSnapshot>,
    conversations: Vec<ConversationSnapshot>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    last_agents: Vec<(CustomerId, AgentId, DateTime<Utc>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct AgentSnapshot {
    agent: Agent,
    shift: Shift,
    on_shift: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_shift_change: Option<DateTime<Utc>>,
    last_seq: u64,
    idle_since_ms: i64,
    missed_offers: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ConversationSnapshot {
    id: ConversationId,
    requirements: RouteRequirements,
    priority: Priority,
    deadline: Option<DateTime<Utc>>,
    arrival: DateTime<Utc>,
    queue: QueueId,
    stage: u8,
    state: RouteState,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    declined: Vec<AgentId>,
}

impl From<Router> for RouterSnapshot {
    fn from(router: Router) -> Self {
        router.snapshot()
    }
}

impl TryFrom<RouterSnapshot> for Router {
    type Error = RouterError;

    fn try_from(snapshot: RouterSnapshot) -> Result<Self, Self::Error> {
        let mut router = Router::new(snapshot.config)?;
        router.seq = snapshot.seq;
        for a in snapshot.agents {
            a.agent.validate()?;
            let skills = a
                .agent
                .skills
                .iter()
                .map(|(skill, level)| (router.intern(skill), *level))
                .collect();
            let next_shift_change = a.next_shift_change;
            let id = a.agent.id;
            if let Some(at) = next_shift_change {
                router.shift_due.insert((at, id));
            }
            router.agents.insert(
                id,
                AgentRec {
                    agent: a.agent,
                    shift: a.shift,
                    on_shift: a.on_shift,
                    next_shift_change,
                    used_total: 0,
                    used_channel: [0; 7],
                    assigned: BTreeSet::new(),
                    offered: BTreeSet::new(),
                    held: BTreeSet::new(),
                    last_seq: a.last_seq,
                    idle_since_ms: a.idle_since_ms,
                    missed_offers: a.missed_offers,
                    skills,
                    indexed: None,
                },
            );
        }
        for c in snapshot.conversations {
            let id = c.id;
            let queue = c.queue;
            let weight = router
                .config
                .weights
                .units(c.requirements.channel, c.requirements.visibility);
            let customer = c.requirements.customer;
            let channel = c.requirements.channel;
            let mut rec = ConvRec {
                requirements: router.intern_requirements(c.requirements),
                channel,
                customer,
                priority: c.priority,
                deadline: c.deadline,
                arrival: c.arrival,
                queue,
                stage: c.stage,
                state: c.state,
                declined: (!c.declined.is_empty()).then(|| Box::new(c.declined)),
                weight,
                class: 0,
            };
            rec.class = router.class_for(&rec);
            let state = rec.state;
            router.conversations.insert(id, rec);
            let loaded = match state {
                RouteState::Assigned { agent } => Some((agent, false)),
                RouteState::Offered { agent, expires_at } => {
                    router.offer_due.insert((expires_at, id));
                    Some((agent, true))
                }
                RouteState::Held { agent, .. } if !router.agents.contains_key(&agent) => {
                    return Err(RouterError::UnknownAgent(agent));
                }
                _ => None,
            };
            if let Some((agent, offered)) = loaded {
                let a = router
                    .agents
                    .get_mut(&agent)
                    .ok_or(RouterError::UnknownAgent(agent))?;
                a.used_total = a.used_total.saturating_add(weight);
                let slot = &mut a.used_channel[channel_slot(channel)];
                *slot = slot.saturating_add(weight);
                if offered {
                    a.offered.insert(id);
                } else {
                    a.assigned.insert(id);
                }
            }
            router.place(id);
            router.schedule_relaxation(id);
        }
        for (customer, agent, at) in snapshot.last_agents {
            router.last_agent.insert(customer, (agent, at));
        }
        let ids: Vec<AgentId> = router.agents.keys().copied().collect();
        for id in ids {
            router.reindex_agent(id);
        }
        Ok(router)
    }
}

impl Router {
    fn snapshot(&self) -> RouterSnapshot {
        RouterSnapshot {
            config: self.config.clone(),
            seq: self.seq,
            agents: self
                .agents
                .values()
                .map(|a| AgentSnapshot {
                    agent: a.agent.clone(),
                    shift: a.shift.clone(),
                    on_shift: a.on_shift,
                    next_shift_change: a.next_shift_change,
                    last_seq: a.last_seq,
                    idle_since_ms: a.idle_since_ms,
                    missed_offers: a.missed_offers,
                })
                .collect(),
            conversations: {
                let mut sorted: Vec<_> = self.conversations.iter().collect();
                sorted.sort_unstable_by_key(|(id, _)| **id);
                sorted
            }
            .into_iter()
            .map(|(id, c)| ConversationSnapshot {
                id: *id,
                requirements: self.full_requirements(c),
                priority: c.priority,
                deadline: c.deadline,
                arrival: c.arrival,
                queue: c.queue,
                stage: c.stage,
                state: c.state,
                declined: c.declined.as_deref().cloned().unwrap_or_default(),
            })
            .collect(),
            last_agents: self
                .last_agent
                .iter()
                .map(|(customer, (agent, at))| (*customer, *agent, *at))
                .collect(),
        }
    }
}

/// An empty router with the default configuration (least loaded, direct
/// assignment, one queue, no relaxation), which is always valid.
impl Default for Router {
    fn default() -> Self {
        Router::unchecked(RouterConfig::default())
    }
}

/// Two routers are equal when their facts are (indexes are derived).
impl PartialEq for Router {
    fn eq(&self, other: &Self) -> bool {
        self.snapshot() == other.snapshot()
    }
}

impl Eq for Router {}

fn available(rec: &AgentRec) -> bool {
    rec.agent.presence == Presence::Online
        && rec.on_shift
        && rec.used_total < rec.agent.capacity.total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Capacity;
    use uuid::Uuid;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn configured_durations_saturate_instead_of_panicking() {
        let now = at("2026-06-01T08:00:00Z");
        assert_eq!(after(now, i64::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(after(now, i64::MIN), DateTime::<Utc>::MIN_UTC);
        let mut router = Router::new(RouterConfig {
            offers: OfferMode::Push {
                timeout_secs: i64::MAX,
                away_after_missed: 0,
            },
            default_relaxation: vec![RelaxationStep {
                after_secs: i64::MAX,
                relax: Relax::DropPreferredSkills,
            }],
            ..RouterConfig::default()
        })
        .unwrap();
        let agent = Agent::new(
            AgentId::from_uuid(Uuid::from_u128(1)),
            "A",
            [Language::DUTCH],
            Capacity::total(1),
        )
        .unwrap()
        .with_presence(Presence::Online);
        let _ = router.upsert_agent(agent, Shift::Always, now).unwrap();
        let c = ConversationId::from_uuid(Uuid::from_u128(2));
        let needs = RouteRequirements::new(Some(Language::DUTCH), ChannelKind::X);
        router
            .enqueue(c, needs, Priority::Normal, None, now)
            .unwrap();
        let decision = router.decide_for_conversation(c, now).unwrap();
        let Decision::Offer(offer) = decision else {
            panic!("push mode offers");
        };
        assert_eq!(offer.expires_at, DateTime::<Utc>::MAX_UTC);
    }

    #[test]
    fn class_lists_follow_their_heads_as_conversations_come_and_go() {
        let now = at("2026-06-01T08:00:00Z");
        let mut router = Router::new(RouterConfig::default()).unwrap();
        let needs = RouteRequirements::new(Some(Language::DUTCH), ChannelKind::X);
        let c = |n: u128| ConversationId::from_uuid(Uuid::from_u128(n));
        router
            .enqueue(c(1), needs.clone(), Priority::Normal, None, now)
            .unwrap();
        router
            .enqueue(c(2), needs.clone(), Priority::High, None, now)
            .unwrap();
        let heads: Vec<_> = router.buckets.values().flatten().collect();
        assert_eq!(heads.len(), 1, "one class, listed once");
        assert_eq!(heads[0].0.conversation(), c(2), "listed by its head");
        router.dequeue(c(2)).unwrap();
        let heads: Vec<_> = router.buckets.values().flatten().collect();
        assert_eq!(heads[0].0.conversation(), c(1));
        router.dequeue(c(1)).unwrap();
        assert!(router.buckets.is_empty(), "empty classes are unlisted");
        assert_eq!(router.waiting_len(), 0);
    }

    #[test]
    fn duplicate_or_zero_queue_ids_are_rejected() {
        let spec = |id| QueueSpec {
            id: QueueId(id),
            name: "q".into(),
            matches: crate::routing::QueueMatch::default(),
            eligible: AgentFilter::default(),
            relaxation: vec![],
        };
        let config = |queues| RouterConfig {
            queues,
            ..RouterConfig::default()
        };
        assert!(Router::new(config(vec![spec(0)])).is_err());
        assert!(Router::new(config(vec![spec(1), spec(1)])).is_err());
        assert!(Router::new(config(vec![spec(1), spec(2)])).is_ok());
    }
}
