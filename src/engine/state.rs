//! The engine's state and `apply`, the only code that changes it.

use super::config::EngineConfig;
use super::event::{EventPayload, TransferTarget};
use super::fingerprint_index::{same_fingerprint, FingerprintIndex, IndexKey};
use super::ids::{fnv1a, splitmix64, IdGenerator};
pub(crate) use super::record::ConversationRecord;
use super::record::{push_short, ConversationCore, CustomerRecord, IntentSet, MessageFields};
use super::routing_stage::{self, RouteWork};
use super::shared::{ChannelRefs, SharedSet};
use super::table::KeyedTable;
use crate::model::ids::ShortId;
use crate::model::{
    Author, ChannelKind, ConversationId, CustomerId, Identity, Kind, MessageId, OutboundId,
    SmolStr, Status, Visibility,
};
use crate::routing::{Decision, Offer, RouteState, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// What a conversation's single timer is waiting for (one at a time, set by
/// its status and kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TimerKind {
    /// An unanswered mention's listening window ends.
    MentionListening,
    /// A snooze ends.
    Snooze,
    /// A resolved conversation's reopen window ends: close it.
    ReopenWindow,
    /// A closed conversation leaves the hot state.
    Retention,
    /// An SLA clock warns or breaches.
    Sla,
    /// An escalation rule could change its mind (a delay or threshold passes).
    Escalation,
}

/// Inbound counted per bucket and the detector fed with finished buckets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CrisisWatch {
    pub(crate) bucket: i64,
    pub(crate) count: u64,
    pub(crate) detector: crate::guard::CrisisDetector,
}

/// Where a requested send belongs, until the runtime reports on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingSend {
    pub(crate) conversation: ConversationId,
    pub(crate) message: MessageId,
    pub(crate) channel: u16,
    /// Handed to the network (`delivery_attempted`) with no outcome
    /// reported since.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) attempted: bool,
}

/// Everything the engine knows: plain serde data, rebuilt exactly by replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineState {
    pub(crate) now: Option<DateTime<Utc>>,
    pub(crate) last_seq: u64,
    pub(crate) ids: IdGenerator,
    /// The hot conversations, found by the id in each record. This, the
    /// customers and the two indexes below are for lookups only: nothing
    /// iterates them where order could change an outcome (reads that list
    /// conversations sort them by id), and they serialise sorted by key, so
    /// replay and snapshots stay exact.
    pub(crate) conversations: KeyedTable<ConversationRecord>,
    /// The hot customers, found by the id in each record.
    pub(crate) customers: KeyedTable<CustomerRecord>,
    /// The one copy of each channel reference the hot conversations share
    /// (derived from them, so not part of a snapshot).
    #[serde(skip)]
    pub(crate) channel_refs: ChannelRefs,
    /// The one copy of each set of intents the hot conversations share
    /// (derived from them, so not part of a snapshot).
    #[serde(skip)]
    pub(crate) intent_sets: SharedSet<IntentSet>,
    /// (network, handle) → customer, by fingerprint and short id; checked
    /// against the customer.
    pub(crate) identity_index: FingerprintIndex<Identity, CustomerId>,
    /// (channel index, external id) → conversation, by fingerprint and
    /// short id; checked against the conversation's messages.
    pub(crate) external_index: FingerprintIndex<(u16, SmolStr), ConversationId>,
    pub(crate) pending_sends: BTreeMap<OutboundId, PendingSend>,
    pub(crate) timers: BTreeSet<(DateTime<Utc>, ConversationId, TimerKind)>,
    /// Agents, queues, offers and assignments (see the routing stage).
    pub(crate) router: Router,
    /// Conversations and agents that need a routing decision after the
    /// event just applied; drained by the engine before the next reactions
    /// (always empty between inputs, and not part of the state's facts).
    #[serde(skip)]
    pub(crate) route_work: VecDeque<RouteWork>,
    pub(crate) archived: u64,
    /// Whether crisis mode is on.
    #[serde(default)]
    pub(crate) crisis: bool,
    /// Public replies sent recently, for the guard's duplicate check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reply_tracker: Option<crate::guard::DuplicateReplyTracker>,
    /// Inbound volume per bucket, for automatic crisis mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) crisis_watch: Option<CrisisWatch>,
    /// Replies waiting for approval.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) drafts: BTreeMap<crate::guard::DraftId, crate::guard::Draft>,
    /// Opportunities, offers, bookings and surveys.
    #[serde(default)]
    pub(crate) sales: super::sales_stage::SalesState,
}

pub(crate) fn identity_key(identity: &Identity) -> u64 {
    splitmix64(fnv1a(identity.handle.as_bytes()) ^ network_salt(identity.network))
}

fn network_salt(network: ChannelKind) -> u64 {
    (network as u64 + 1) << 56
}

pub(crate) fn external_key(channel: u16, external_id: &str) -> u64 {
    splitmix64(fnv1a(external_id.as_bytes()) ^ (u64::from(channel) << 40))
}

impl IndexKey for Identity {
    fn key_hash(&self) -> u64 {
        identity_key(self)
    }
}

impl IndexKey for (u16, SmolStr) {
    fn key_hash(&self) -> u64 {
        external_key(self.0, &self.1)
    }
}

/// Whether a customer other than `leaving` with the short id `short` holds
/// an identity with the fingerprint of `hash` (so the index entry must stay).
fn identity_still_served(
    customers: &KeyedTable<CustomerRecord>,
    short: u32,
    leaving: CustomerId,
    hash: u64,
) -> bool {
    customers
        .find_by_short(short, |c| {
            c.id != leaving
                && c.identities
                    .iter()
                    .any(|identity| same_fingerprint(identity_key(identity), hash))
        })
        .is_some()
}

/// Whether a hot conversation with the short id `short` holds an external
/// id with the fingerprint of `hash` under any channel index (so the index
/// entry must stay). Its search of messages runs only when another
/// conversation has the leaving one's short id, which the engine's own ids
/// never do; otherwise this is one probe for an absent short id.
fn external_still_served(
    conversations: &KeyedTable<ConversationRecord>,
    channels: u16,
    short: u32,
    hash: u64,
) -> bool {
    conversations
        .find_by_short(short, |record| {
            record
                .messages
                .iter()
                .filter_map(|m| m.external_id.as_deref())
                .any(|external_id| {
                    (0..channels)
                        .chain(std::iter::once(u16::MAX))
                        .any(|channel| same_fingerprint(external_key(channel, external_id), hash))
                })
        })
        .is_some()
}

/// Pushes onto a vector that grows by half its length when full (first to
/// exactly one, then 2, 3, 4, 6, 9, …) rather than doubling from 4: most
/// conversations hold a few messages and most customers a few
/// conversations, and the hot state keeps a great many of them.
fn push_compact<T>(vec: &mut Vec<T>, item: T) {
    if vec.len() == vec.capacity() {
        vec.reserve_exact((vec.len() / 2).max(1));
    }
    vec.push(item);
}

impl EngineState {
    /// Points every conversation read from a snapshot at the shared copies
    /// of its channel reference and its intents (each came with copies of
    /// its own).
    pub(crate) fn adopt_shared(&mut self) {
        for record in self.conversations.values_mut() {
            self.channel_refs.adopt(&mut record.conversation.channel);
            record.conversation.intents.adopt(&mut self.intent_sets);
        }
    }

    pub(crate) fn new(config: &EngineConfig) -> Self {
        EngineState {
            now: None,
            last_seq: 0,
            ids: IdGenerator::new(config.effective_seed()),
            conversations: KeyedTable::new(),
            customers: KeyedTable::new(),
            channel_refs: ChannelRefs::default(),
            intent_sets: SharedSet::default(),
            identity_index: FingerprintIndex::new(),
            external_index: FingerprintIndex::new(),
            pending_sends: BTreeMap::new(),
            timers: BTreeSet::new(),
            router: config.routing.new_router(),
            route_work: VecDeque::new(),
            archived: 0,
            crisis: false,
            reply_tracker: config
                .guard
                .as_ref()
                .map(|setup| crate::guard::DuplicateReplyTracker::new(setup.duplicates)),
            drafts: BTreeMap::new(),
            sales: super::sales_stage::SalesState::default(),
            crisis_watch: config
                .guard
                .as_ref()
                .and_then(|setup| setup.auto_crisis)
                .map(|auto| CrisisWatch {
                    bucket: i64::MIN,
                    count: 0,
                    detector: crate::guard::CrisisDetector::new(auto.settings),
                }),
        }
    }

    /// The customer an identity belongs to.
    pub(crate) fn customer_of(&self, identity: &Identity) -> Option<CustomerId> {
        let hash = identity_key(identity);
        let short = self.identity_index.short(hash)?;
        if let Some(customer) = self
            .customers
            .find_by_short(short, |c| c.identities.contains(identity))
        {
            return Some(customer.id);
        }
        self.identity_index.spilled(hash, |key| key == identity)
    }

    /// The conversation holding the message with this external id on this channel.
    pub(crate) fn conversation_of_external(
        &self,
        channel: u16,
        external_id: &str,
    ) -> Option<ConversationId> {
        let hash = external_key(channel, external_id);
        let short = self.external_index.short(hash)?;
        if let Some(record) = self.conversations.find_by_short(short, |record| {
            record
                .messages
                .iter()
                .any(|m| m.external_id.as_deref() == Some(external_id))
        }) {
            return Some(record.conversation.id);
        }
        self.external_index
            .spilled(hash, |(c, id)| *c == channel && id == external_id)
    }

    fn index_identity(&mut self, identity: &Identity, customer: CustomerId) {
        let customers = &self.customers;
        self.identity_index.insert(
            identity_key(identity),
            customer,
            || identity.clone(),
            |holder| {
                // A holder that owns this very identity gives the entry up:
                // the same identity cannot be indexed twice (the engine
                // links instead), so the index follows the newest owner.
                customers.holds_short(holder)
                    && customers
                        .find_by_short(holder, |c| c.identities.contains(identity))
                        .is_none()
            },
        );
    }

    /// Lets go of `customer`'s hold on `identity` in the identity index
    /// (the customer is leaving the hot state, or losing the identity).
    fn unindex_identity(&mut self, identity: &Identity, customer: CustomerId) {
        let hash = identity_key(identity);
        let customers = &self.customers;
        self.identity_index.release(
            hash,
            |key| key == identity,
            customer,
            || identity_still_served(customers, customer.short_id(), customer, hash),
        );
    }

    fn index_external(&mut self, channel: u16, external_id: &str, conversation: ConversationId) {
        let conversations = &self.conversations;
        self.external_index.insert(
            external_key(channel, external_id),
            conversation,
            || (channel, SmolStr::new(external_id)),
            |holder| conversations.holds_short(holder),
        );
    }

    /// Since when a conversation waits for an agent (queued, held or
    /// offered): its arrival in the queue, kept across a requeue.
    pub(crate) fn queued_since(&self, id: ConversationId) -> Option<DateTime<Utc>> {
        match self.router.state(id)? {
            RouteState::Assigned { .. } => None,
            _ => self.router.arrival(id),
        }
    }

    /// Takes a conversation out of routing: an assignment is released (the
    /// agent is asked for more work), a waiting one leaves its queue.
    fn unroute(&mut self, id: ConversationId, at: DateTime<Utc>) {
        match self.router.state(id) {
            Some(RouteState::Assigned { .. }) => {
                if let Ok(agent) = self.router.release(id, at) {
                    self.route_work.push_back(RouteWork::Agent(agent));
                }
            }
            Some(RouteState::Offered { agent, .. }) => {
                let _ = self.router.dequeue(id);
                self.route_work.push_back(RouteWork::Agent(agent));
            }
            Some(_) => {
                let _ = self.router.dequeue(id);
            }
            None => {}
        }
    }

    /// Gives a conversation to an agent outside a routing decision (a
    /// transfer, or an agent answering it): the router adds it if needed
    /// and relieves a previous assignee, who is asked for more work.
    fn assign_by_hand(
        &mut self,
        config: &EngineConfig,
        id: ConversationId,
        agent: crate::model::AgentId,
        at: DateTime<Utc>,
    ) {
        let Some(record) = self.conversations.get(&id) else {
            return;
        };
        let needs = routing_stage::requirements(
            &config.routing,
            record,
            &super::sales_stage::routing_skills(config, &self.sales, record),
        );
        let priority = record.conversation.priority;
        let previous = self.router.assignee(id);
        let _ = self.router.assign_manually(id, agent, needs, priority, at);
        if let Some(previous) = previous.filter(|p| *p != agent) {
            self.route_work.push_back(RouteWork::Agent(previous));
        }
    }

    /// Routes a waiting conversation again under requirements that changed
    /// (a sales opportunity now requires a skill), keeping its arrival.
    fn reroute(&mut self, config: &EngineConfig, id: ConversationId, at: DateTime<Utc>) {
        if !matches!(
            self.router.state(id),
            Some(RouteState::Waiting | RouteState::Held { .. })
        ) {
            return;
        }
        let Some(record) = self.conversations.get(&id) else {
            return;
        };
        let needs = routing_stage::requirements(
            &config.routing,
            record,
            &super::sales_stage::routing_skills(config, &self.sales, record),
        );
        let arrival = self.router.arrival(id).unwrap_or(at);
        let deadline = routing_stage::deadline(record);
        let priority = record.conversation.priority;
        if self.router.dequeue(id).is_ok() {
            let _ = self.router.enqueue(id, needs, priority, deadline, arrival);
            self.route_work.push_back(RouteWork::Conversation(id));
        }
    }

    /// Moves a waiting conversation in its queue after its priority or SLA
    /// deadline changed (`force`: the priority did; otherwise only when the
    /// deadline moved).
    fn rekey(&mut self, id: ConversationId, force: bool) {
        let Some(record) = self.conversations.get(&id) else {
            return;
        };
        if !matches!(
            self.router.state(id),
            Some(RouteState::Waiting | RouteState::Held { .. } | RouteState::Offered { .. })
        ) {
            return;
        }
        let deadline = routing_stage::deadline(record);
        if force || self.router.deadline(id) != deadline {
            let _ = self
                .router
                .rekey(id, record.conversation.priority, deadline);
        }
    }

    /// Applies the result of an agent becoming unavailable or available:
    /// withdrawn offers and released holds need new decisions, and the
    /// agent may have room.
    fn after_agent_change(
        &mut self,
        config: &EngineConfig,
        agent: crate::model::AgentId,
        change: Result<crate::routing::AgentChange, crate::routing::RouterError>,
        left: bool,
    ) {
        if let Ok(change) = change {
            for conversation in change
                .offers_withdrawn
                .iter()
                .chain(&change.holds_released)
                .chain(&change.requeued)
            {
                self.route_work
                    .push_back(RouteWork::Conversation(*conversation));
            }
        }
        if left && config.routing.offline_policy() == crate::routing::OfflinePolicy::Requeue {
            self.route_work.push_back(RouteWork::ReleaseAll(agent));
        }
        self.route_work.push_back(RouteWork::Agent(agent));
    }

    /// The timer a conversation should have in its current state.
    fn desired_timer(
        conversation: &ConversationCore,
        config: &EngineConfig,
    ) -> Option<(DateTime<Utc>, TimerKind)> {
        match conversation.status {
            Status::Open if conversation.kind == Kind::Mention => Some((
                conversation.last_customer_message_at.get() + config.mention_listen_window,
                TimerKind::MentionListening,
            )),
            Status::Snoozed { until } => Some((until, TimerKind::Snooze)),
            Status::Resolved => conversation
                .resolved_at
                .map(|at| (at.get() + config.reopen_window, TimerKind::ReopenWindow)),
            Status::Closed { .. } => conversation
                .closed_at
                .map(|at| (at.get() + config.retention, TimerKind::Retention)),
            _ => None,
        }
    }

    fn refresh_timer(&mut self, id: ConversationId, config: &EngineConfig, at: DateTime<Utc>) {
        let escalation_due = match self.conversations.get(&id) {
            Some(record) => super::escalation_stage::evaluate(config, self, record, at)
                .and_then(|evaluation| evaluation.next_check),
            None => return,
        };
        let Some(record) = self.conversations.get_mut(&id) else {
            return;
        };
        if record.escalation_timer() != escalation_due {
            if let Some(due) = record.escalation_timer() {
                self.timers.remove(&(due, id, TimerKind::Escalation));
            }
            if let Some(due) = escalation_due {
                self.timers.insert((due, id, TimerKind::Escalation));
            }
            record.set_escalation_timer(escalation_due);
        }
        let desired = Self::desired_timer(&record.conversation, config);
        if record.timer != desired {
            if let Some((at, kind)) = record.timer {
                self.timers.remove(&(at, id, kind));
            }
            if let Some((at, kind)) = desired {
                self.timers.insert((at, id, kind));
            }
            record.timer = desired;
        }
        let sla_due = record.sla().and_then(|sla| sla.next_due());
        if record.sla_timer() != sla_due {
            if let Some(at) = record.sla_timer() {
                self.timers.remove(&(at, id, TimerKind::Sla));
            }
            if let Some(at) = sla_due {
                self.timers.insert((at, id, TimerKind::Sla));
            }
            record.set_sla_timer(sla_due);
        }
    }

    /// Folds one event into the state. Infallible: events are facts.
    pub(crate) fn apply(
        &mut self,
        config: &EngineConfig,
        at: DateTime<Utc>,
        seq: u64,
        payload: &EventPayload,
    ) {
        self.now = Some(self.now.map_or(at, |now| now.max(at)));
        self.last_seq = seq;
        self.apply_payload(config, at, payload);
        super::sales_stage::apply(self, config, at, payload);
        if let EventPayload::OpportunityOpened {
            conversation,
            required_skill: Some(_),
            ..
        } = payload
        {
            self.reroute(config, *conversation, at);
        }
        // Every conversation's timer follows its status and kind; keeping it
        // in step here means a due timer always has something to do.
        if let Some(conversation) = payload.conversation() {
            self.refresh_timer(conversation, config, at);
        }
    }

    fn apply_payload(&mut self, config: &EngineConfig, at: DateTime<Utc>, payload: &EventPayload) {
        match payload {
            EventPayload::CustomerCreated { customer, identity } => {
                self.ids.observe(customer.as_uuid());
                self.customers
                    .insert(Box::new(CustomerRecord::new(*customer, identity.clone())));
                self.index_identity(identity, *customer);
            }
            EventPayload::IdentityLinked { customer, identity } => {
                if let Some(c) = self.customers.get_mut(customer) {
                    c.identities.insert(identity.clone());
                }
                self.index_identity(identity, *customer);
            }
            EventPayload::CustomersMerged { survivor, merged } => {
                if let Some(gone) = self.customers.remove(merged) {
                    for conversation in &gone.conversations {
                        if let Some(record) = self.conversations.get_mut(conversation) {
                            record.conversation.customer = *survivor;
                        }
                    }
                    if let Some(keeper) = self.customers.get_mut(survivor) {
                        for identity in gone.identities.iter() {
                            keeper.identities.insert(identity.clone());
                        }
                        keeper
                            .conversations
                            .extend(gone.conversations.iter().copied());
                        keeper.conversations.sort();
                        keeper.conversations.dedup();
                        keeper.language = keeper.language.or(gone.language);
                        keeper.tier = keeper.tier.max(gone.tier);
                        if keeper.name().is_none() {
                            keeper.set_name(gone.name());
                        }
                    }
                    for identity in gone.identities.iter() {
                        self.index_identity(identity, *survivor);
                    }
                }
            }
            EventPayload::ConversationOpened {
                conversation,
                customer,
                channel,
                kind,
                priority,
                language,
            } => {
                self.ids.observe(conversation.as_uuid());
                let channel = self.channel_refs.share(channel);
                self.conversations.insert(Box::new(ConversationRecord::new(
                    ConversationCore::opened(
                        *conversation,
                        *customer,
                        channel,
                        *kind,
                        *priority,
                        *language,
                        at,
                    ),
                )));
                if let Some(c) = self.customers.get_mut(customer) {
                    push_short(&mut c.conversations, *conversation);
                }
            }
            EventPayload::MessageReceived {
                message,
                conversation,
                inbound,
                classification,
            } => {
                self.watch_inbound(config, at);
                self.ids.observe(message.as_uuid());
                let channel = config.channel_index(&inbound.channel).unwrap_or(usize::MAX);
                let channel = u16::try_from(channel).unwrap_or(u16::MAX);
                let customer = if let Some(record) = self.conversations.get_mut(conversation) {
                    let c = &mut record.conversation;
                    c.last_customer_message_at = at.into();
                    c.unanswered += 1;
                    c.sentiment = classification.sentiment;
                    c.reach = c.reach.max(inbound.author_reach.unwrap_or(0));
                    if c.language.is_none() {
                        c.language = classification.language;
                    }
                    if classification.has_pii() && inbound.visibility == Visibility::Public {
                        c.suggest_private = true;
                    }
                    for intent in &classification.intents {
                        c.intents.insert(intent, &mut self.intent_sets);
                    }
                    push_compact(
                        &mut record.messages,
                        MessageFields {
                            id: *message,
                            author: Author::Customer {
                                identity: inbound.author.clone(),
                            },
                            visibility: inbound.visibility,
                            note: false,
                            text: inbound.text.clone(),
                            external_id: Some(inbound.external_id.clone()),
                            outbound: None,
                            undelivered: false,
                            at,
                        }
                        .into(),
                    );
                    Some(c.customer)
                } else {
                    None
                };
                if let Some(customer) = customer.and_then(|id| self.customers.get_mut(&id)) {
                    if classification.language.is_some() {
                        customer.language = classification.language;
                    }
                }
                self.index_external(channel, &inbound.external_id, *conversation);
            }
            EventPayload::ConversationQueued { conversation } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    let c = &mut record.conversation;
                    if c.status == Status::Assigned {
                        c.status = Status::Open;
                    }
                    c.assignee = None;
                    let record = &*record;
                    match self.router.state(*conversation) {
                        Some(RouteState::Assigned { agent }) => {
                            // Back to its queue with its original arrival.
                            let _ = self.router.requeue(*conversation, at);
                            self.route_work.push_back(RouteWork::Agent(agent));
                        }
                        Some(_) => {}
                        None => {
                            let needs = routing_stage::requirements(
                                &config.routing,
                                record,
                                &super::sales_stage::routing_skills(config, &self.sales, record),
                            );
                            let deadline = routing_stage::deadline(record);
                            let priority = record.conversation.priority;
                            let _ =
                                self.router
                                    .enqueue(*conversation, needs, priority, deadline, at);
                        }
                    }
                    self.route_work
                        .push_back(RouteWork::Conversation(*conversation));
                }
            }
            EventPayload::ConversationAssigned {
                conversation,
                agent,
            } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    let c = &mut record.conversation;
                    c.assignee = Some(*agent);
                    if c.status == Status::Open {
                        c.status = Status::Assigned;
                    }
                    let routed = matches!(
                        self.router.state(*conversation),
                        Some(RouteState::Waiting | RouteState::Held { .. })
                    ) && self.router.can_serve(*agent, *conversation);
                    let done = routed
                        && self
                            .router
                            .apply(
                                Decision::Assign {
                                    conversation: *conversation,
                                    agent: *agent,
                                },
                                at,
                            )
                            .is_ok();
                    if !done {
                        self.assign_by_hand(config, *conversation, *agent, at);
                    }
                    self.route_work.push_back(RouteWork::Agent(*agent));
                }
            }
            EventPayload::OfferMade {
                conversation,
                agent,
                expires_at,
            } => {
                let offer = Offer {
                    agent: *agent,
                    conversation: *conversation,
                    expires_at: *expires_at,
                };
                if self.router.apply(Decision::Offer(offer), at).is_ok() {
                    self.route_work.push_back(RouteWork::Agent(*agent));
                }
            }
            EventPayload::OfferAccepted {
                conversation,
                agent,
            } => {
                if self.router.accept(*conversation, *agent, at).is_ok() {
                    if let Some(record) = self.conversations.get_mut(conversation) {
                        let c = &mut record.conversation;
                        c.assignee = Some(*agent);
                        if c.status == Status::Open {
                            c.status = Status::Assigned;
                        }
                    }
                }
            }
            EventPayload::OfferDeclined {
                conversation,
                agent,
            } => {
                if self.router.decline(*conversation, *agent, at).is_ok() {
                    self.route_work
                        .push_back(RouteWork::Conversation(*conversation));
                    self.route_work.push_back(RouteWork::Agent(*agent));
                }
            }
            EventPayload::OfferExpired {
                conversation,
                agent,
            } => {
                let ended = self.router.expire_offer(*conversation, at);
                if let Ok(ended) = ended {
                    self.route_work
                        .push_back(RouteWork::Conversation(*conversation));
                    if ended.set_away {
                        self.route_work.push_back(RouteWork::SetAway(*agent));
                    } else {
                        self.route_work.push_back(RouteWork::Agent(*agent));
                    }
                }
            }
            EventPayload::RequirementsRelaxed { conversation, step } => {
                if self.router.relax(*conversation, *step).is_ok() {
                    self.route_work
                        .push_back(RouteWork::Conversation(*conversation));
                }
            }
            EventPayload::HoldEnded { conversation } => {
                if self.router.end_hold(*conversation).is_ok() {
                    self.route_work
                        .push_back(RouteWork::Conversation(*conversation));
                }
            }
            EventPayload::ConversationReleased {
                conversation,
                agent,
            } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    let c = &mut record.conversation;
                    if c.assignee == Some(*agent) {
                        c.assignee = None;
                    }
                    let waits_for_agent = matches!(c.status, Status::Assigned | Status::Open);
                    if c.status == Status::Assigned {
                        c.status = Status::Open;
                    }
                    if self.router.is_assignee(*conversation, *agent) {
                        if waits_for_agent {
                            let _ = self.router.requeue(*conversation, at);
                            self.route_work
                                .push_back(RouteWork::Conversation(*conversation));
                        } else {
                            let _ = self.router.release(*conversation, at);
                        }
                    }
                }
            }
            EventPayload::CollisionAllowed { .. } => {}
            EventPayload::ShiftChanged { agent, shift } => {
                if let Some(profile) = self.router.agent(*agent).cloned() {
                    let was_on = self.router.is_on_shift(*agent);
                    let change = self.router.upsert_agent(profile, (**shift).clone(), at);
                    let left = was_on && !self.router.is_on_shift(*agent);
                    self.after_agent_change(config, *agent, change, left);
                }
            }
            EventPayload::ShiftBoundary { agent, .. } => {
                let was_on = self.router.is_on_shift(*agent);
                let change = self.router.shift_boundary(*agent, at);
                let left = was_on && !self.router.is_on_shift(*agent);
                self.after_agent_change(config, *agent, change, left);
            }
            EventPayload::ConversationTransferred {
                conversation,
                target,
                ..
            } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    let c = &mut record.conversation;
                    match target {
                        TransferTarget::Agent { agent } => {
                            c.assignee = Some(*agent);
                            if c.status == Status::Open {
                                c.status = Status::Assigned;
                            }
                            self.assign_by_hand(config, *conversation, *agent, at);
                        }
                        TransferTarget::Team { team } => {
                            c.team = Some(*team);
                            c.assignee = None;
                            if c.status == Status::Assigned {
                                c.status = Status::Open;
                            }
                            // Out of routing; the reaction queues it again
                            // with the new team's requirements.
                            self.unroute(*conversation, at);
                        }
                    }
                }
            }
            EventPayload::ReplyRequested {
                message,
                conversation,
                agent,
                automated,
                outbound,
                ..
            } => {
                self.ids.observe(message.as_uuid());
                self.ids.observe(outbound.id.as_uuid());
                if outbound.visibility == Visibility::Public && !automated {
                    let customer = self
                        .conversations
                        .get(conversation)
                        .map(|r| r.conversation.customer);
                    if let (Some(tracker), Some(customer)) = (self.reply_tracker.as_mut(), customer)
                    {
                        tracker.record(at, customer.text().as_str(), &outbound.text);
                    }
                }
                let channel = config
                    .channel_index(&outbound.channel)
                    .unwrap_or(usize::MAX);
                let channel = u16::try_from(channel).unwrap_or(u16::MAX);
                if let Some(record) = self.conversations.get_mut(conversation) {
                    let c = &mut record.conversation;
                    if !automated {
                        c.first_response_at.get_or_insert(at.into());
                        c.last_agent_reply_at = Some(at.into());
                        c.unanswered = 0;
                    }
                    push_compact(
                        &mut record.messages,
                        MessageFields {
                            id: *message,
                            author: agent
                                .map_or(Author::Automation, |agent| Author::Agent { agent }),
                            visibility: outbound.visibility,
                            note: false,
                            text: outbound.text.clone(),
                            external_id: None,
                            outbound: Some(outbound.id),
                            undelivered: false,
                            at,
                        }
                        .into(),
                    );
                    self.pending_sends.insert(
                        outbound.id,
                        PendingSend {
                            conversation: *conversation,
                            message: *message,
                            channel,
                            attempted: false,
                        },
                    );
                }
            }
            EventPayload::DeliverySucceeded {
                outbound,
                external_id,
            } => {
                if let Some(pending) = self.pending_sends.remove(outbound) {
                    // Only a message the conversation holds is indexed: the
                    // index is verified against (and archiving unindexes)
                    // the conversation's messages, so an entry for anything
                    // else (a survey, sent beside the conversation) would
                    // never be found nor removed.
                    let held = self
                        .conversations
                        .get_mut(&pending.conversation)
                        .and_then(|record| {
                            record.messages.iter_mut().find(|m| m.id == pending.message)
                        })
                        .map(|m| m.external_id = Some(external_id.clone()))
                        .is_some();
                    if held {
                        self.index_external(pending.channel, external_id, pending.conversation);
                    }
                }
            }
            EventPayload::DeliveryFailed { outbound, failure } => {
                if failure.permanent {
                    self.pending_sends.remove(outbound);
                } else if let Some(pending) = self.pending_sends.get_mut(outbound) {
                    pending.attempted = false;
                }
            }
            EventPayload::DeliveryAttempted { outbound } => {
                if let Some(pending) = self.pending_sends.get_mut(outbound) {
                    pending.attempted = true;
                }
            }
            EventPayload::DeliveryUnknown { outbound, .. } => {
                self.pending_sends.remove(outbound);
            }
            EventPayload::DeliveryFailedLate {
                conversation,
                message,
                ..
            } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    if let Some(m) = record.messages.iter_mut().find(|m| m.id == *message) {
                        m.mark_undelivered();
                    }
                }
            }
            EventPayload::NoteAdded {
                message,
                conversation,
                agent,
                text,
            } => {
                self.ids.observe(message.as_uuid());
                if let Some(record) = self.conversations.get_mut(conversation) {
                    push_compact(
                        &mut record.messages,
                        MessageFields {
                            id: *message,
                            author: Author::Agent { agent: *agent },
                            visibility: Visibility::Private,
                            note: true,
                            text: text.clone(),
                            external_id: None,
                            outbound: None,
                            undelivered: false,
                            at,
                        }
                        .into(),
                    );
                }
            }
            EventPayload::StatusChanged {
                conversation, to, ..
            } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    let c = &mut record.conversation;
                    c.status = *to;
                    match to {
                        Status::Resolved => c.resolved_at = Some(at.into()),
                        Status::Closed { .. } => c.closed_at = Some(at.into()),
                        Status::Open => c.assignee = None,
                        Status::Pending | Status::Snoozed { .. } | Status::Assigned => {}
                    }
                    match to {
                        Status::Resolved | Status::Closed { .. } | Status::Open => {
                            self.unroute(*conversation, at);
                        }
                        Status::Pending | Status::Snoozed { .. } => {
                            // Waiting on the customer (or snoozed): out of
                            // the queue; an assignee keeps it.
                            if !matches!(
                                self.router.state(*conversation),
                                Some(RouteState::Assigned { .. }) | None
                            ) {
                                self.unroute(*conversation, at);
                            }
                        }
                        Status::Assigned => {}
                    }
                }
            }
            EventPayload::MentionPromoted { conversation } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    record.conversation.kind = Kind::Query;
                }
            }
            EventPayload::PriorityChanged {
                conversation, to, ..
            } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    record.conversation.priority = *to;
                }
                self.rekey(*conversation, true);
            }
            EventPayload::TagAdded { conversation, tag } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    record.conversation.tags.insert(tag);
                }
            }
            EventPayload::AgentAdded { agent } | EventPayload::AgentUpdated { agent } => {
                let shift = self.router.shift(agent.id).cloned().unwrap_or_default();
                let was_reachable = self
                    .router
                    .agent(agent.id)
                    .is_some_and(|a| a.presence == crate::model::Presence::Online)
                    && self.router.is_on_shift(agent.id);
                let change = self.router.upsert_agent((**agent).clone(), shift, at);
                let reachable = agent.presence == crate::model::Presence::Online
                    && self.router.is_on_shift(agent.id);
                let left = was_reachable
                    && !reachable
                    && agent.presence == crate::model::Presence::Offline;
                self.after_agent_change(config, agent.id, change, left);
            }
            EventPayload::PresenceChanged { agent, presence } => {
                let was_offline = self
                    .router
                    .agent(*agent)
                    .is_some_and(|a| a.presence == crate::model::Presence::Offline);
                let change = self.router.set_presence(*agent, *presence, at);
                let left = !was_offline && *presence == crate::model::Presence::Offline;
                self.after_agent_change(config, *agent, change, left);
            }
            EventPayload::ConversationArchived { conversation } => {
                self.archive(config, *conversation, at);
            }
            EventPayload::EscalationFired { conversation, .. }
            | EventPayload::EscalationCleared { conversation, .. } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    super::escalation_stage::apply(record, at, payload);
                }
            }
            EventPayload::EscalationChecked { .. }
            | EventPayload::NotificationRequested { .. }
            | EventPayload::ReplyBlocked { .. } => {}
            EventPayload::DraftCreated { draft } => {
                self.ids.observe(&draft.id.0);
                self.drafts.insert(draft.id, (**draft).clone());
            }
            EventPayload::DraftApproved { draft, .. }
            | EventPayload::DraftRejected { draft, .. } => {
                self.drafts.remove(draft);
            }
            EventPayload::CrisisModeChanged { active } => {
                self.crisis = *active;
                if let Some(watch) = self.crisis_watch.as_mut() {
                    watch.detector.set_active(*active);
                }
            }
            EventPayload::CustomerForgotten { customer } => self.forget(*customer),
            EventPayload::CustomerProfileAttached { customer, profile } => {
                if let Some(c) = self.customers.get_mut(customer) {
                    c.tier = profile.tier;
                    if profile.name.is_some() {
                        c.set_name(profile.name.as_deref());
                    }
                    if profile.preferred_language.is_some() {
                        c.language = profile.preferred_language;
                    }
                }
            }
            EventPayload::SlaClockStarted { conversation, .. }
            | EventPayload::SlaClockChanged { conversation, .. }
            | EventPayload::SlaPolicyChanged { conversation, .. }
            | EventPayload::SlaWarning { conversation, .. }
            | EventPayload::SlaBreached { conversation, .. }
            | EventPayload::SlaMet { conversation, .. } => {
                if let Some(record) = self.conversations.get_mut(conversation) {
                    super::sla_stage::apply(record, at, payload);
                }
                self.rekey(*conversation, false);
            }
            // The sales stage folds these (see `sales_stage::apply`).
            EventPayload::OpportunityOpened { .. }
            | EventPayload::SalesOfferMade { .. }
            | EventPayload::ConversionRecorded { .. }
            | EventPayload::SurveyRequested { .. }
            | EventPayload::SurveySkipped { .. }
            | EventPayload::SurveyAnswered { .. } => {}
        }
    }

    /// Counts an inbound message for automatic crisis mode, feeding the
    /// detector every bucket that finished before it.
    fn watch_inbound(&mut self, config: &EngineConfig, at: DateTime<Utc>) {
        let (Some(watch), Some(auto)) = (
            self.crisis_watch.as_mut(),
            config.guard.as_ref().and_then(|setup| setup.auto_crisis),
        ) else {
            return;
        };
        let bucket = at
            .timestamp()
            .div_euclid(i64::from(auto.bucket_secs.max(1)));
        if watch.bucket == i64::MIN {
            watch.bucket = bucket;
        }
        if bucket > watch.bucket {
            watch.detector.observe(watch.count, auto.normal_per_bucket);
            let day = 86_400 / i64::from(auto.bucket_secs.max(1));
            let empty = (bucket - watch.bucket - 1).clamp(0, day.max(1));
            for _ in 0..empty {
                watch.detector.observe(0, auto.normal_per_bucket);
            }
            watch.bucket = bucket;
            watch.count = 0;
        }
        watch.count += 1;
    }

    /// Scrubs a customer's personal data from the hot state: handles and
    /// texts become [`ERASED`](super::ERASED); ids, times and facts stay.
    pub(crate) fn forget(&mut self, customer: CustomerId) {
        let erased = super::erasure::ERASED;
        let Some(c) = self.customers.get_mut(&customer) else {
            return;
        };
        let identities = std::mem::take(&mut c.identities);
        c.set_name(None);
        c.identities = identities
            .iter()
            .map(|identity| Identity::new(identity.network, erased))
            .collect();
        let conversations = c.conversations.clone();
        for identity in identities.iter() {
            self.unindex_identity(identity, customer);
        }
        for id in conversations {
            if let Some(record) = self.conversations.get_mut(&id) {
                for message in &mut record.messages {
                    message.text = erased.into();
                    message.replace_customer_handle(erased);
                }
            }
        }
    }

    fn archive(&mut self, config: &EngineConfig, id: ConversationId, at: DateTime<Utc>) {
        let Some(mut record) = self.conversations.remove(&id) else {
            return;
        };
        self.archived += 1;
        self.channel_refs.release(&record.conversation.channel);
        record.conversation.intents.release(&mut self.intent_sets);
        if let Some((at, kind)) = record.timer {
            self.timers.remove(&(at, id, kind));
        }
        if let Some(at) = record.sla_timer() {
            self.timers.remove(&(at, id, TimerKind::Sla));
        }
        if let Some(at) = record.escalation_timer() {
            self.timers.remove(&(at, id, TimerKind::Escalation));
        }
        // Its external ids were indexed under the channel they came in or
        // went out on: a configured channel, or `u16::MAX` for one that is
        // not (any more). Entries that point here are this conversation's.
        // Almost every external id sits under the conversation's own
        // channel, so that is looked at first; only an id not found there
        // (a DM joining a public thread, say) costs a look at every channel.
        let channels = u16::try_from(config.channels.len()).unwrap_or(u16::MAX);
        let own = config
            .channel_index(&record.conversation.channel)
            .and_then(|i| u16::try_from(i).ok())
            .unwrap_or(u16::MAX);
        let conversations = &self.conversations;
        let mut release = |channel: u16, external_id: &str| {
            let hash = external_key(channel, external_id);
            self.external_index.release(
                hash,
                |(c, key)| *c == channel && key == external_id,
                id,
                || external_still_served(conversations, channels, id.short_id(), hash),
            )
        };
        for external_id in record
            .messages
            .iter()
            .filter_map(|m| m.external_id.as_deref())
        {
            if release(own, external_id) {
                continue;
            }
            for channel in (0..channels).chain(std::iter::once(u16::MAX)) {
                if channel != own {
                    release(channel, external_id);
                }
            }
        }
        self.pending_sends
            .retain(|_, pending| pending.conversation != id);
        self.unroute(id, at);
        let customer_id = record.conversation.customer;
        let forget = match self.customers.get_mut(&customer_id) {
            Some(customer) => {
                customer.conversations.retain(|c| *c != id);
                customer.conversations.is_empty() && customer.identities.len() == 1
            }
            None => false,
        };
        if forget {
            if let Some(customer) = self.customers.remove(&customer_id) {
                for identity in customer.identities.iter() {
                    self.unindex_identity(identity, customer_id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_vectors_grow_exactly_at_first_then_by_half() {
        let mut vec: Vec<u32> = Vec::new();
        let mut capacities = Vec::new();
        for n in 0..10 {
            push_compact(&mut vec, n);
            capacities.push(vec.capacity());
        }
        assert_eq!(vec, (0..10).collect::<Vec<_>>());
        assert_eq!(capacities, vec![1, 2, 3, 4, 6, 6, 9, 9, 9, 13]);
    }

    #[test]
    fn identity_keys_differ_by_network_and_external_keys_by_channel() {
        let x = Identity::new(ChannelKind::X, "@anna");
        let facebook = Identity::new(ChannelKind::Facebook, "@anna");
        assert_ne!(identity_key(&x), identity_key(&facebook));
        assert_ne!(external_key(0, "17"), external_key(1, "17"));
        assert_eq!(external_key(3, "17"), external_key(3, "17"));
    }

    /// Every send of a resolved query is reported delivered (the reply and
    /// the survey beside it); once the conversation is archived, nothing of
    /// it is left in the external-id index.
    #[test]
    fn archiving_a_surveyed_conversation_leaves_no_external_id_indexed() {
        use crate::engine::{
            CsatSettings, DeliveryOutcome, EngineConfig, EventPayload, Input, Reply, StatusChange,
        };
        use crate::model::{
            Agent, AgentId, Capacity, ChannelRef, Classification, InboundMessage, Language,
            Presence,
        };
        use chrono::Duration;
        let x = ChannelRef::new(ChannelKind::X, "@KLM");
        let make = {
            let x = x.clone();
            move || {
                EngineConfig::new(crate::model::TenantId(uuid::Uuid::from_u128(0xC0FFEE)))
                    .with_channel(x.clone(), Some(Language::ENGLISH))
                    .with_csat(CsatSettings::default())
                    .with_reopen_window(Duration::minutes(1))
                    .with_retention(Duration::minutes(1))
            }
        };
        let start = "2026-11-24T10:00:00Z".parse().unwrap();
        let mut desk = crate::testing::TestDesk::new(make, start);
        let agent = AgentId::from_uuid(uuid::Uuid::from_u128(0xA001));
        desk.handle(Input::UpsertAgent(
            Agent::new(agent, "Agent 1", [Language::ENGLISH], Capacity::total(3))
                .unwrap()
                .with_presence(Presence::Online),
        ))
        .unwrap();
        let message = InboundMessage::new(
            x,
            "tweet-1",
            Identity::new(ChannelKind::X, "@anna"),
            Visibility::Private,
            "Where is my suitcase?",
            desk.now(),
        );
        let events = desk
            .handle(Input::Inbound {
                message,
                classification: Some(
                    Classification::query(Some(Language::ENGLISH))
                        .with_intent(crate::model::Intent::baggage()),
                ),
            })
            .unwrap();
        assert_eq!(desk.engine().state.intent_sets.len(), 1);
        let conversation = events
            .iter()
            .find_map(|e| match e.payload {
                EventPayload::ConversationOpened { conversation, .. } => Some(conversation),
                _ => None,
            })
            .unwrap();
        let mut sends = Vec::new();
        let mut collect = |events: &[crate::engine::Event]| {
            for event in events {
                match &event.payload {
                    EventPayload::ReplyRequested { outbound, .. }
                    | EventPayload::SurveyRequested { outbound, .. } => sends.push(outbound.id),
                    _ => {}
                }
            }
        };
        desk.advance(Duration::minutes(5));
        collect(
            &desk
                .handle(Input::Reply(Reply {
                    conversation,
                    agent,
                    visibility: Visibility::Private,
                    text: "We are on it.".into(),
                    attachments: Vec::new(),
                }))
                .unwrap(),
        );
        collect(
            &desk
                .handle(Input::SetStatus {
                    conversation,
                    change: StatusChange::Resolve,
                })
                .unwrap(),
        );
        assert_eq!(sends.len(), 2, "the reply and the survey");
        for (n, outbound) in sends.into_iter().enumerate() {
            desk.handle(Input::DeliveryReport {
                outbound,
                outcome: DeliveryOutcome::Delivered {
                    external_id: format!("dm-{n}").into(),
                },
            })
            .unwrap();
        }
        assert_eq!(desk.engine().state.external_index.entries(), 2);
        desk.advance(Duration::minutes(5));
        let state = &desk.engine().state;
        assert_eq!(state.archived, 1);
        assert!(state.conversations.len() == 0);
        assert_eq!(state.intent_sets.len(), 0, "its intents were let go");
        assert_eq!(state.channel_refs.len(), 0, "and its channel");
        assert!(
            state.external_index.entries() == 0 && state.external_index.spilled_keys() == 0,
            "left indexed: {:?}",
            state.external_index
        );
        desk.check_replay().unwrap();
    }

    #[test]
    fn conversations_with_the_same_intents_share_one_set_also_after_a_snapshot() {
        use crate::engine::{Engine, Input};
        use crate::model::{ChannelRef, Classification, InboundMessage, Intent, Language};
        let x = ChannelRef::new(ChannelKind::X, "@KLM");
        let config = || {
            EngineConfig::new(crate::model::TenantId(uuid::Uuid::from_u128(0xC0FFEE)))
                .with_channel(x.clone(), Some(Language::ENGLISH))
        };
        let mut engine = Engine::new(config());
        let at: DateTime<Utc> = "2026-11-24T10:00:00Z".parse().unwrap();
        for (n, intents) in [
            [Intent::baggage(), Intent::refund()],
            [Intent::refund(), Intent::baggage()],
            [Intent::refund(), Intent::refund()],
        ]
        .into_iter()
        .enumerate()
        {
            let mut classification = Classification::query(Some(Language::ENGLISH));
            for intent in intents {
                classification = classification.with_intent(intent);
            }
            let message = InboundMessage::new(
                x.clone(),
                format!("tweet-{n}"),
                Identity::new(ChannelKind::X, format!("@customer{n}")),
                Visibility::Public,
                "Where is my suitcase?",
                at,
            );
            engine
                .handle(
                    at,
                    Input::Inbound {
                        message,
                        classification: Some(classification),
                    },
                )
                .unwrap();
        }
        let shared = |state: &EngineState| {
            let mut lists: Vec<&[Intent]> = state
                .conversations
                .values()
                .map(|r| &*r.conversation.intents)
                .collect();
            lists.sort_by_key(|list| list.len());
            assert_eq!(lists[0], [Intent::refund()]);
            assert_eq!(lists[1], [Intent::baggage(), Intent::refund()]);
            assert!(
                std::ptr::eq(lists[1].as_ptr(), lists[2].as_ptr()),
                "one copy"
            );
            state.intent_sets.len()
        };
        assert_eq!(shared(&engine.state), 2);
        let json = serde_json::to_string(engine.state()).unwrap();
        let loaded =
            Engine::from_snapshot(config(), serde_json::from_str(&json).unwrap(), []).unwrap();
        assert_eq!(shared(&loaded.state), 2, "a snapshot's copies are adopted");
        assert_eq!(loaded.state, engine.state);
    }

    #[test]
    fn customers_whose_ids_share_a_short_form_are_each_found_and_forgotten_alone() {
        // Ids from elsewhere (a log written under another seed, say) may
        // share the 32 bits the tables place records by; every lookup still
        // checks the record itself.
        let config = EngineConfig::new(crate::model::TenantId(uuid::Uuid::from_u128(0xC0FFEE)));
        let mut state = EngineState::new(&config);
        let at: DateTime<Utc> = "2026-11-24T10:00:00Z".parse().unwrap();
        let shared_bits = 0xABCD_u128 << 30;
        let ids: Vec<CustomerId> = (1..=3u128)
            .map(|n| CustomerId::from_uuid(uuid::Uuid::from_u128((n << 100) | shared_bits)))
            .collect();
        assert!(ids.iter().all(|id| id.short_id() == ids[0].short_id()));
        let handle = |n: usize| Identity::new(ChannelKind::X, format!("@shared{n}"));
        for (n, customer) in ids.iter().enumerate() {
            state.apply(
                &config,
                at,
                n as u64 + 1,
                &EventPayload::CustomerCreated {
                    customer: *customer,
                    identity: handle(n),
                },
            );
        }
        for (n, customer) in ids.iter().enumerate() {
            assert_eq!(state.customer_of(&handle(n)), Some(*customer));
        }
        assert_eq!(state.customer_of(&handle(9)), None);
        state.forget(ids[0]);
        assert_eq!(state.customer_of(&handle(0)), None);
        assert_eq!(state.customer_of(&handle(1)), Some(ids[1]));
        assert_eq!(state.customer_of(&handle(2)), Some(ids[2]));
    }
}
