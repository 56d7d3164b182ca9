//! Deterministic simulation of the desk with injected faults, in the manner
//! of FoundationDB and TigerBeetle: one seed builds a workload and a fault
//! plan; the run is single-threaded in tokio's paused (virtual) time, so the
//! same seed replays the same run.
//!
//! The world: customers post questions (some twice) through a webhook that
//! redelivers until the desk acknowledges; one agent answers each
//! conversation after a think time and resolves it; the desk persists to a
//! memory store and sends through one X account. Faults, on schedule:
//!
//! - sends: transient errors (503), timeouts after the network accepted the
//!   message, rate-limit responses with a reset time, permanent refusals;
//! - the network either keys sends by outbound id (as the `Channel`
//!   contract asks, and can say what it holds) or, like X, Meta and
//!   WhatsApp, has no idempotency key and cannot be asked (its adapter
//!   answers every check with "unknown");
//! - the webhook delivers a message twice;
//! - appends: transient failures, disk full for a window, and commits whose
//!   acknowledgement is lost (written, but the desk sees an error);
//! - crashes at any moment (the desk task is aborted at whatever await point
//!   it is in; sends on the wire may or may not reach the network) and a
//!   restart from the store;
//! - the wall clock jumps forward or back.
//!
//! After each run: every acknowledged message is stored exactly once and is
//! in a conversation (and the engine's accounting invariants hold); the
//! desk's final snapshot equals a replay of the log from scratch; no send was
//! started again after its delivery was recorded, and no two attempts of one
//! send were in flight at once; on a network without idempotency keys no
//! message reached the network twice (on one with keys the repeats it
//! absorbed are counted); every requested send is delivered, failed for
//! good with a recorded reason, or (only where the network cannot be asked)
//! recorded as unknown with a reason; and, for plans whose faults only
//! delay work, the SLA outcomes equal those of the fault-free run of the
//! same seed.
//!
//! "Only delay" means: transient send errors, send timeouts, rate limits and
//! duplicate webhook deliveries; the comparison runs in
//! `delay_only_faults_leave_sla_outcomes_unchanged` (the delay-only seeds of
//! the default 200) and `many_seeded_runs_keep_every_promise`. Both runs of
//! a seed end at the same virtual instant (`quiet_after` plus [`TAIL`]), so
//! a deadline falls inside both or neither. None of them changes when an input reaches
//! the engine by more than the milliseconds an extra append takes (inbound
//! messages are acknowledged at once, agents act on their own schedule), so
//! the same conversations must meet or breach the same targets, at instants
//! within a second of the fault-free run's. Store faults, crashes and clock
//! jumps move inputs in time and permanent send refusals change what is
//! sent; for those only the safety properties above are checked.
//!
//! A failing seed prints the command that replays it alone.

use crate::support::*;
use async_trait::async_trait;
use caredesk::channel::{Channel, ChannelError, DeliveryReceipt, SentCheck};
use caredesk::desk::{Clock, Desk, DeskConfig, DeskError, DeskHandle, DeskSnapshot, RetryPolicy};
use caredesk::engine::*;
use caredesk::model::*;
use caredesk::sim::SimRng;
use caredesk::sla::SlaTarget;
use caredesk::store::{
    read_all, AppendBatch, AppendOutcome, EventStore, MemoryEventStore, Snapshot, StoreError,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

const SEED_VAR: &str = "CAREDESK_SEED";
const SEEDS_VAR: &str = "CAREDESK_SEEDS";

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// What can go wrong in one run, and when.
#[derive(Debug, Clone, Default)]
struct Plan {
    /// Whether every fault only delays work (see the module docs).
    delay_only: bool,
    /// Whether the network keys sends by outbound id and can be asked what
    /// it holds; otherwise a repeated send posts the message again.
    idempotent_network: bool,
    send_transient: f64,
    send_timeout: f64,
    rate_limited: f64,
    send_forbidden: f64,
    duplicate_webhook: f64,
    append_transient: f64,
    append_ack_lost: f64,
    /// Appends fail with `DiskFull` between these offsets from the start.
    disk_full: Option<(Duration, Duration)>,
    /// The desk is killed at these offsets.
    crashes: Vec<Duration>,
    /// The wall clock jumps by this many seconds at these offsets.
    clock_jumps: Vec<(Duration, i64)>,
    /// No fault after this offset (so the run can finish).
    quiet_after: Duration,
}

/// How long after `quiet_after` every run ends: the engine's timers (SLA
/// warnings and breaches) fire until then. Both runs of an SLA comparison
/// end at the same virtual instant, so a deadline is observed in both or
/// in neither. It exceeds the longest drain after `quiet_after` (a
/// rate-limit reset of at most 15 minutes plus a 2-minute backoff).
const TAIL: Duration = Duration::from_secs(3600);

impl Plan {
    /// The same run without faults: the same horizon (`quiet_after`),
    /// so that it lasts exactly as long in virtual time.
    fn without_faults(&self) -> Plan {
        Plan {
            delay_only: true,
            idempotent_network: self.idempotent_network,
            quiet_after: self.quiet_after,
            ..Plan::default()
        }
    }

    fn for_seed(seed: u64) -> Plan {
        let mut rng = SimRng::new(seed).fork(0xFA);
        let quiet_after = secs(5 * 3600);
        let delay_only = seed % 3 == 0;
        let mut chance = |max: f64| {
            if rng.chance(0.6) {
                rng.uniform() * max
            } else {
                0.0
            }
        };
        let idempotent_network = SimRng::new(seed).fork(0xFC).chance(0.5);
        let mut plan = Plan {
            delay_only,
            idempotent_network,
            send_transient: chance(0.4),
            send_timeout: chance(0.2),
            rate_limited: chance(0.2),
            duplicate_webhook: chance(0.3),
            quiet_after,
            ..Plan::default()
        };
        if delay_only {
            return plan;
        }
        plan.send_forbidden = chance(0.1);
        plan.append_transient = chance(0.2);
        plan.append_ack_lost = chance(0.15);
        let mut rng = SimRng::new(seed).fork(0xFB);
        let horizon = quiet_after.as_secs();
        if rng.chance(0.4) {
            let from = rng.below(horizon);
            plan.disk_full = Some((secs(from), secs(from + 60 + rng.below(1800))));
        }
        for _ in 0..rng.below(4) {
            plan.crashes
                .push(Duration::from_millis(rng.below(horizon * 1000)));
        }
        plan.crashes.sort();
        for _ in 0..rng.below(3) {
            let jump = if rng.chance(0.7) {
                i64::try_from(rng.below(7200)).unwrap_or(0)
            } else {
                -i64::try_from(rng.below(600)).unwrap_or(0)
            };
            plan.clock_jumps.push((secs(rng.below(horizon)), jump));
        }
        plan.clock_jumps.sort();
        plan
    }
}

/// One customer: a question, maybe a follow-up, and the agent's timing.
#[derive(Debug, Clone)]
struct Customer {
    n: usize,
    arrives: Duration,
    follow_up: Option<Duration>,
    think: Duration,
    resolve_after: Duration,
}

fn workload(seed: u64) -> Vec<Customer> {
    let mut rng = SimRng::new(seed).fork(0xC0);
    let count = 5 + rng.below(20) as usize;
    (0..count)
        .map(|n| Customer {
            n,
            arrives: secs(60 + rng.below(3 * 3600)),
            follow_up: rng.chance(0.3).then(|| secs(30 + rng.below(1800))),
            think: secs(60 + rng.below(100 * 60)),
            resolve_after: secs(60 + rng.below(600)),
        })
        .collect()
}

fn message(customer: &Customer, part: u8, now: DateTime<Utc>) -> InboundMessage {
    tweet(
        &format!("c{}-{part}", customer.n),
        &format!("@customer{}", customer.n),
        if part == 1 {
            "where is my bag?"
        } else {
            "hello?? still waiting"
        },
        now,
    )
}

/// The simulated wall clock: tokio's virtual time plus jumps.
struct SimClock {
    origin: DateTime<Utc>,
    started: Instant,
    offset: Mutex<chrono::Duration>,
}

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = Instant::now().saturating_duration_since(self.started);
        self.origin
            + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::zero())
            + *lock(&self.offset)
    }
}

/// Shared between the store and the network: the sends whose delivery is
/// durable, and the rule violations seen while running.
#[derive(Default)]
struct Observed {
    durable_delivered: BTreeSet<OutboundId>,
    violations: Vec<String>,
}

/// A memory store that fails on schedule.
struct FaultyStore {
    inner: Arc<MemoryEventStore>,
    plan: Plan,
    start: Instant,
    rng: Mutex<SimRng>,
    observed: Arc<Mutex<Observed>>,
    faults: Mutex<u64>,
}

enum AppendFault {
    None,
    Transient,
    DiskFull,
    AckLost,
}

#[async_trait]
impl EventStore for FaultyStore {
    async fn append(
        &self,
        tenant: TenantId,
        expected_last_seq: u64,
        batch: AppendBatch,
    ) -> Result<AppendOutcome, StoreError> {
        let elapsed = Instant::now().saturating_duration_since(self.start);
        let (fault, before, after) = {
            let mut rng = lock(&self.rng);
            let before = Duration::from_millis(rng.below(20));
            let after = Duration::from_millis(rng.below(20));
            let fault = if elapsed >= self.plan.quiet_after {
                AppendFault::None
            } else if self
                .plan
                .disk_full
                .is_some_and(|(from, until)| elapsed >= from && elapsed < until)
            {
                AppendFault::DiskFull
            } else if rng.chance(self.plan.append_transient) {
                AppendFault::Transient
            } else if rng.chance(self.plan.append_ack_lost) {
                AppendFault::AckLost
            } else {
                AppendFault::None
            };
            (fault, before, after)
        };
        tokio::time::sleep(before).await;
        match fault {
            AppendFault::Transient => {
                *lock(&self.faults) += 1;
                return Err(StoreError::Backend("injected: i/o error".into()));
            }
            AppendFault::DiskFull => {
                *lock(&self.faults) += 1;
                return Err(StoreError::DiskFull);
            }
            AppendFault::None | AppendFault::AckLost => {}
        }
        let delivered: Vec<OutboundId> = batch
            .events
            .iter()
            .filter_map(|e| match &e.payload {
                EventPayload::DeliverySucceeded { outbound, .. } => Some(*outbound),
                _ => None,
            })
            .collect();
        let result = self.inner.append(tenant, expected_last_seq, batch).await;
        if result.as_ref().is_ok_and(|outcome| !outcome.duplicate) {
            lock(&self.observed).durable_delivered.extend(delivered);
        }
        tokio::time::sleep(after).await;
        if matches!(fault, AppendFault::AckLost) && result.is_ok() {
            *lock(&self.faults) += 1;
            return Err(StoreError::Backend("injected: timeout after commit".into()));
        }
        result
    }

    async fn read_from(
        &self,
        tenant: TenantId,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.inner.read_from(tenant, from_seq, limit).await
    }

    async fn last_seq(&self, tenant: TenantId) -> Result<u64, StoreError> {
        self.inner.last_seq(tenant).await
    }

    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<(), StoreError> {
        self.inner.save_snapshot(snapshot).await
    }

    async fn load_latest_snapshot(&self, tenant: TenantId) -> Result<Option<Snapshot>, StoreError> {
        self.inner.load_latest_snapshot(tenant).await
    }
}

#[derive(Default)]
struct NetworkState {
    /// Delivered sends and their network ids (the first posting of each).
    delivered: BTreeMap<OutboundId, String>,
    /// Repeated sends of a delivered id, answered with the first receipt
    /// (on a network with idempotency keys).
    absorbed: u64,
    attempts: u64,
    faults: u64,
    /// The desk process the attempts belong to (bumped at each crash).
    generation: u64,
    in_flight: BTreeSet<(u64, OutboundId)>,
}

/// The X network, failing on schedule.
struct Network {
    channel: ChannelRef,
    capabilities: Capabilities,
    plan: Plan,
    start: Instant,
    clock: Arc<SimClock>,
    rng: Mutex<SimRng>,
    state: Mutex<NetworkState>,
    observed: Arc<Mutex<Observed>>,
}

enum SendFault {
    None,
    Transient,
    Timeout,
    RateLimited(i64),
    Forbidden,
}

impl Network {
    fn deliver(&self, message: &OutboundMessage) -> DeliveryReceipt {
        let mut state = lock(&self.state);
        let next = state.delivered.len() + 1;
        let external_id = match state.delivered.get(&message.id) {
            Some(existing) if self.plan.idempotent_network => {
                let existing = existing.clone();
                state.absorbed += 1;
                existing
            }
            Some(_) => {
                lock(&self.observed)
                    .violations
                    .push(format!("send {} reached the network twice", message.id));
                format!("x-{next}-again")
            }
            None => {
                let id = format!("x-{next}");
                state.delivered.insert(message.id, id.clone());
                id
            }
        };
        DeliveryReceipt {
            outbound: message.id,
            external_id,
        }
    }

    fn crash(&self) {
        lock(&self.state).generation += 1;
    }
}

#[async_trait]
impl Channel for Network {
    fn channel(&self) -> &ChannelRef {
        &self.channel
    }

    /// A network with idempotency keys can say what it holds, and
    /// repeating a send it lacks delivers it once. One without cannot be
    /// asked (an adapter for it remembers receipts only in memory, and a
    /// lost answer never gave it one).
    async fn check_sent(&self, message: &OutboundMessage) -> SentCheck {
        if !self.plan.idempotent_network {
            return SentCheck::Unknown("the network has no idempotency key".into());
        }
        match lock(&self.state).delivered.get(&message.id) {
            Some(external_id) => SentCheck::Delivered(DeliveryReceipt {
                outbound: message.id,
                external_id: external_id.clone(),
            }),
            None => SentCheck::SafeToSend,
        }
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    async fn send(&self, message: &OutboundMessage) -> Result<DeliveryReceipt, ChannelError> {
        let generation = {
            let mut state = lock(&self.state);
            state.attempts += 1;
            let generation = state.generation;
            if lock(&self.observed).durable_delivered.contains(&message.id) {
                lock(&self.observed).violations.push(format!(
                    "send {} started again after its delivery was recorded",
                    message.id
                ));
            }
            if !state.in_flight.insert((generation, message.id)) {
                lock(&self.observed).violations.push(format!(
                    "two attempts of send {} in flight at once",
                    message.id
                ));
            }
            generation
        };
        let elapsed = Instant::now().saturating_duration_since(self.start);
        let (fault, latency, wire) = {
            let mut rng = lock(&self.rng);
            let latency = Duration::from_millis(20 + rng.below(500));
            let wire = rng.chance(0.5);
            let fault = if elapsed >= self.plan.quiet_after {
                SendFault::None
            } else if rng.chance(self.plan.send_transient) {
                SendFault::Transient
            } else if rng.chance(self.plan.send_timeout) {
                SendFault::Timeout
            } else if rng.chance(self.plan.rate_limited) {
                SendFault::RateLimited(1 + rng.below(900) as i64)
            } else if rng.chance(self.plan.send_forbidden) {
                SendFault::Forbidden
            } else {
                SendFault::None
            };
            (fault, latency, wire)
        };
        tokio::time::sleep(latency).await;
        let current = {
            let mut state = lock(&self.state);
            state.in_flight.remove(&(generation, message.id));
            state.generation
        };
        if current != generation {
            // The process that sent it died while it was on the wire: it
            // may or may not have reached the network; nobody hears back.
            if wire {
                self.deliver(message);
            }
            return Err(ChannelError::Transient("sender crashed".into()));
        }
        let fail = |error: ChannelError| -> Result<DeliveryReceipt, ChannelError> {
            lock(&self.state).faults += 1;
            Err(error)
        };
        match fault {
            SendFault::None => Ok(self.deliver(message)),
            SendFault::Transient => fail(ChannelError::Transient("injected: 503".into())),
            SendFault::Timeout => {
                self.deliver(message);
                fail(ChannelError::Unconfirmed("injected: timeout".into()))
            }
            SendFault::RateLimited(reset) => fail(ChannelError::RateLimited {
                retry_at: Some(self.clock.now() + chrono::Duration::seconds(reset)),
            }),
            SendFault::Forbidden => fail(ChannelError::Forbidden("injected: token revoked".into())),
        }
    }
}

/// What one run left behind.
#[derive(Debug)]
struct Outcome {
    /// Whether the outbox drained only after the common end
    /// (`quiet_after` + [`TAIL`]): the run then lasted longer than its
    /// fault-free twin and their SLA outcomes cannot be compared.
    overran: bool,
    violations: Vec<String>,
    /// Per (first external id of the conversation, target, outcome): the
    /// instants (milliseconds) it happened, in order.
    sla: BTreeMap<(String, SlaTarget, &'static str), Vec<i64>>,
    events: usize,
    acked: usize,
    crashes: usize,
    store_faults: u64,
    send_faults: u64,
    absorbed: u64,
    /// Sends recorded as `delivery_unknown` (never resent).
    unknown: usize,
}

async fn current(handles: &mut watch::Receiver<Option<DeskHandle>>) -> DeskHandle {
    loop {
        if let Some(handle) = handles.borrow_and_update().clone() {
            return handle;
        }
        if handles.changed().await.is_err() {
            // The controller is gone only when the run is over.
            std::future::pending::<()>().await;
        }
    }
}

/// Delivers a message as a webhook does: again and again until the desk
/// acknowledges it.
async fn webhook(
    handles: &mut watch::Receiver<Option<DeskHandle>>,
    message: &InboundMessage,
    observed: &Mutex<Observed>,
) -> caredesk::desk::IngestReceipt {
    loop {
        let desk = current(handles).await;
        match desk
            .ingest_classified(
                message.clone(),
                Some(Classification::query(Some(Language::ENGLISH))),
            )
            .await
        {
            Ok(receipt) => return receipt,
            Err(DeskError::Stopped | DeskError::Store(_)) => tokio::time::sleep(secs(2)).await,
            Err(error) => {
                lock(observed)
                    .violations
                    .push(format!("message {} refused: {error}", message.external_id));
                tokio::time::sleep(secs(60)).await;
            }
        }
    }
}

/// Whether the store holds a reply by `agent` in `conversation`.
async fn reply_stored(store: &MemoryEventStore, conversation: ConversationId) -> bool {
    read_all(store, TENANT, 1)
        .await
        .unwrap_or_default()
        .iter()
        .any(|e| {
            matches!(&e.payload, EventPayload::ReplyRequested { conversation: c, automated: false, .. } if *c == conversation)
        })
}

/// Submits an input until the desk records it. `done_already` says whether
/// an error means it was recorded before (a reload in a real UI).
async fn submit_until_recorded(
    handles: &mut watch::Receiver<Option<DeskHandle>>,
    store: &MemoryEventStore,
    input: Input,
    observed: &Mutex<Observed>,
) {
    loop {
        let desk = current(handles).await;
        match desk.submit(input.clone()).await {
            Ok(_) => return,
            Err(DeskError::Stopped | DeskError::Store(_)) => {
                if let Input::Reply(reply) = &input {
                    if reply_stored(store, reply.conversation).await {
                        return;
                    }
                }
                tokio::time::sleep(secs(3)).await;
            }
            Err(DeskError::Refused(EngineError::NotAssignee { .. })) => {
                // Not routed to the agent yet (the agent's upsert may still
                // be on its way after a crash).
                tokio::time::sleep(secs(30)).await;
            }
            Err(DeskError::Refused(EngineError::InvalidTransition { .. }))
                if matches!(input, Input::SetStatus { .. }) =>
            {
                // Recorded before: the answer was lost in a failure.
                return;
            }
            Err(error) => {
                lock(observed)
                    .violations
                    .push(format!("input {input:?} refused: {error}"));
                return;
            }
        }
    }
}

fn desk_config(seed: u64) -> DeskConfig {
    DeskConfig {
        snapshot_every: 40,
        retry: RetryPolicy {
            initial: secs(1),
            max: secs(120),
            seed,
        },
        ..DeskConfig::default()
    }
}

fn run_seed(seed: u64, plan: &Plan) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(simulate(seed, plan.clone()))
}

async fn simulate(seed: u64, plan: Plan) -> Outcome {
    let start = Instant::now();
    let origin = at("2026-11-23T08:00:00Z");
    let observed = Arc::new(Mutex::new(Observed::default()));
    let memory = Arc::new(MemoryEventStore::new());
    let store = Arc::new(FaultyStore {
        inner: memory.clone(),
        plan: plan.clone(),
        start,
        rng: Mutex::new(SimRng::new(seed).fork(0x5707E)),
        observed: observed.clone(),
        faults: Mutex::new(0),
    });
    let clock = Arc::new(SimClock {
        origin,
        started: start,
        offset: Mutex::new(chrono::Duration::zero()),
    });
    let mut capabilities = Capabilities::for_kind(ChannelKind::X);
    capabilities.rate_limit_per_minute = Some(30);
    let network = Arc::new(Network {
        channel: x(),
        capabilities,
        plan: plan.clone(),
        start,
        clock: clock.clone(),
        rng: Mutex::new(SimRng::new(seed).fork(0x4E7)),
        state: Mutex::new(NetworkState::default()),
        observed: observed.clone(),
    });
    let start_desk = {
        let store = store.clone();
        let network = network.clone();
        let clock = clock.clone();
        move || {
            let store: Arc<dyn EventStore> = store.clone();
            let network: Arc<dyn Channel> = network.clone();
            let clock: Arc<dyn Clock> = clock.clone();
            Desk::start(
                config_with_sla,
                store,
                vec![network],
                clock,
                desk_config(seed),
            )
        }
    };
    let (desk, mut task) = start_desk()
        .await
        .expect("the desk starts on an empty store");
    let (handles_tx, handles) = watch::channel(Some(desk));

    // The agent comes online at the start.
    let setup = {
        let mut handles = handles.clone();
        let memory = memory.clone();
        let observed = observed.clone();
        tokio::spawn(async move {
            submit_until_recorded(
                &mut handles,
                &memory,
                Input::UpsertAgent(agent(1, &[Language::ENGLISH], 10_000)),
                &observed,
            )
            .await;
        })
    };

    let acked: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let mut customers = Vec::new();
    for customer in workload(seed) {
        let mut handles = handles.clone();
        let memory = memory.clone();
        let observed = observed.clone();
        let acked = acked.clone();
        let clock = clock.clone();
        let duplicate = {
            let mut rng = SimRng::new(seed).fork(0xD0 + customer.n as u64);
            rng.chance(plan.duplicate_webhook)
        };
        customers.push(tokio::spawn(async move {
            tokio::time::sleep_until(start + customer.arrives).await;
            let first = message(&customer, 1, clock.now());
            let receipt = webhook(&mut handles, &first, &observed).await;
            lock(&acked).insert(first.external_id.to_string());
            if duplicate {
                let again = webhook(&mut handles, &first, &observed).await;
                if !again.duplicate || again.conversation != receipt.conversation {
                    lock(&observed).violations.push(format!(
                        "redelivered {} was not recognised: {again:?}",
                        first.external_id
                    ));
                }
            }
            let Some(conversation) = receipt.conversation else {
                lock(&observed).violations.push(format!(
                    "{} acknowledged without a conversation",
                    first.external_id
                ));
                return;
            };
            let follow_up = customer.follow_up.map(|after| {
                let mut handles = handles.clone();
                let observed = observed.clone();
                let acked = acked.clone();
                let clock = clock.clone();
                let customer = customer.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let second = message(&customer, 2, clock.now());
                    webhook(&mut handles, &second, &observed).await;
                    lock(&acked).insert(second.external_id.to_string());
                })
            });
            tokio::time::sleep(customer.think).await;
            let reply = Input::Reply(Reply {
                conversation,
                agent: agent_id(1),
                visibility: Visibility::Public,
                text: format!("Found your bag, customer {}. ^AG", customer.n).into(),
                attachments: vec![],
            });
            submit_until_recorded(&mut handles, &memory, reply, &observed).await;
            tokio::time::sleep(customer.resolve_after).await;
            let resolve = Input::SetStatus {
                conversation,
                change: StatusChange::Resolve,
            };
            submit_until_recorded(&mut handles, &memory, resolve, &observed).await;
            if let Some(follow_up) = follow_up {
                let _ = follow_up.await;
            }
        }));
    }

    // Clock jumps.
    let jumps = {
        let clock = clock.clone();
        let plan = plan.clone();
        tokio::spawn(async move {
            for (when, by) in plan.clock_jumps {
                tokio::time::sleep_until(start + when).await;
                *lock(&clock.offset) += chrono::Duration::seconds(by);
            }
        })
    };

    // Crashes: kill the desk wherever it is, restart it from the store.
    let mut crashes = 0;
    let mut rng = SimRng::new(seed).fork(0xC8A5);
    for when in &plan.crashes {
        tokio::time::sleep_until(start + *when).await;
        task.abort();
        let _ = (&mut task).await;
        handles_tx.send_replace(None);
        network.crash();
        crashes += 1;
        tokio::time::sleep(Duration::from_millis(100 + rng.below(30_000))).await;
        let (desk, restarted) = start_desk()
            .await
            .expect("the desk restarts from the store");
        task = restarted;
        handles_tx.send_replace(Some(desk));
    }

    let everything = async {
        let _ = setup.await;
        for customer in customers {
            let _ = customer.await;
        }
        let _ = jumps.await;
        tokio::time::sleep_until(start + plan.quiet_after).await;
        // Wait for the outbox to drain.
        loop {
            let desk = handles_tx.borrow().clone().expect("a desk runs");
            match desk.status().await {
                Ok(status) if status.outbox == 0 => break,
                _ => tokio::time::sleep(secs(10)).await,
            }
        }
        // Let the engine's timers run to the common end.
        let end = start + plan.quiet_after + TAIL;
        let overran = Instant::now() > end;
        tokio::time::sleep_until(end).await;
        overran
    };
    let overran = match tokio::time::timeout(secs(48 * 3600), everything).await {
        Ok(overran) => overran,
        Err(_) => {
            lock(&observed)
                .violations
                .push("the run did not finish within two virtual days".into());
            true
        }
    };
    let desk = handles_tx.borrow().clone().expect("a desk runs");
    desk.shutdown().await.expect("the desk shuts down");
    drop(desk);
    handles_tx.send_replace(None);
    let final_status = task.await.expect("the desk task ends").expect("cleanly");

    let violations = std::mem::take(&mut lock(&observed).violations);
    let (send_faults, absorbed) = {
        let state = lock(&network.state);
        (state.faults, state.absorbed)
    };
    let store_faults = *lock(&store.faults);
    let acked_count = lock(&acked).len();
    let mut outcome = Outcome {
        overran,
        violations,
        sla: BTreeMap::new(),
        events: 0,
        acked: acked_count,
        crashes,
        store_faults,
        send_faults,
        absorbed,
        unknown: 0,
    };
    let events = read_all(&*memory, TENANT, 1).await.expect("the log reads");
    outcome.events = events.len();
    outcome.unknown = events
        .iter()
        .filter(|e| matches!(e.payload, EventPayload::DeliveryUnknown { .. }))
        .count();
    let acked = lock(&acked).clone();
    let delivered = lock(&network.state).delivered.clone();
    check_log(
        &events,
        &acked,
        &delivered,
        plan.idempotent_network,
        &mut outcome,
    );
    // The final snapshot equals a replay from scratch.
    match memory.load_latest_snapshot(TENANT).await {
        Ok(Some(snapshot)) if snapshot.seq == final_status.last_seq => {
            let saved: DeskSnapshot =
                serde_json::from_slice(&snapshot.state).expect("a desk snapshot");
            match Engine::replay(config_with_sla(), events.clone()) {
                Ok(replayed) if replayed.state() == &saved.engine => {}
                Ok(_) => outcome
                    .violations
                    .push("the final snapshot differs from a replay of the log".into()),
                Err(error) => outcome.violations.push(format!("replay failed: {error}")),
            }
            if !saved.outbox.is_empty() {
                outcome.violations.push(format!(
                    "{} sends still owed at the end",
                    saved.outbox.len()
                ));
            }
        }
        other => outcome.violations.push(format!(
            "no final snapshot at seq {}: {other:?}",
            final_status.last_seq
        )),
    }
    outcome
}

fn check_log(
    events: &[Event],
    acked: &BTreeSet<String>,
    delivered: &BTreeMap<OutboundId, String>,
    idempotent_network: bool,
    outcome: &mut Outcome,
) {
    let violations = &mut outcome.violations;
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    let mut first_external: BTreeMap<ConversationId, String> = BTreeMap::new();
    let mut requested: BTreeSet<OutboundId> = BTreeSet::new();
    let mut succeeded: BTreeMap<OutboundId, String> = BTreeMap::new();
    let mut failed_for_good: BTreeMap<OutboundId, String> = BTreeMap::new();
    for event in events {
        match &event.payload {
            EventPayload::MessageReceived {
                conversation,
                inbound,
                ..
            } => {
                *received.entry(inbound.external_id.to_string()).or_default() += 1;
                first_external
                    .entry(*conversation)
                    .or_insert_with(|| inbound.external_id.to_string());
            }
            EventPayload::ReplyRequested { outbound, .. } => {
                requested.insert(outbound.id);
            }
            EventPayload::DeliverySucceeded {
                outbound,
                external_id,
            } => {
                let first_time = succeeded
                    .insert(*outbound, external_id.to_string())
                    .is_none();
                if !first_time {
                    violations.push(format!("delivery of {outbound} recorded twice"));
                }
            }
            EventPayload::DeliveryFailed { outbound, failure } if failure.permanent => {
                failed_for_good.insert(*outbound, failure.reason.clone());
            }
            EventPayload::DeliveryUnknown { outbound, reason } => {
                if idempotent_network {
                    violations.push(format!(
                        "send {outbound} recorded as unknown although the network can be asked: {reason}"
                    ));
                }
                failed_for_good.insert(*outbound, reason.clone());
            }
            _ => {}
        }
    }
    for external in acked {
        match received.get(external) {
            Some(1) => {}
            count => violations.push(format!(
                "acknowledged message {external} is stored {} times",
                count.copied().unwrap_or(0)
            )),
        }
    }
    for (external, count) in &received {
        if *count > 1 {
            violations.push(format!("message {external} stored {count} times"));
        }
    }
    for id in &requested {
        match (succeeded.get(id), failed_for_good.get(id)) {
            (Some(external), None) => {
                if delivered.get(id) != Some(external) {
                    violations.push(format!(
                        "send {id} recorded as delivered as {external}, the network says {:?}",
                        delivered.get(id)
                    ));
                }
            }
            (None, Some(reason)) if !reason.trim().is_empty() => {}
            other => violations.push(format!(
                "send {id} is neither delivered nor failed with a reason: {other:?}"
            )),
        }
    }
    match Engine::replay(config_with_sla(), events.iter().cloned()) {
        Ok(engine) => {
            if let Err(violation) =
                caredesk::testing::check_invariants(&config_with_sla, &engine, events)
            {
                violations.push(format!("engine invariant: {violation}"));
            }
        }
        Err(error) => violations.push(format!("the log does not replay: {error}")),
    }
    for event in events {
        let (conversation, target, result, instant) = match &event.payload {
            EventPayload::SlaMet {
                conversation,
                target,
                took,
            } => (
                conversation,
                target,
                if took.late { "met late" } else { "met" },
                event.at,
            ),
            EventPayload::SlaBreached {
                conversation,
                target,
                deadline,
            } => (conversation, target, "breached", *deadline),
            _ => continue,
        };
        let external = first_external
            .get(conversation)
            .cloned()
            .unwrap_or_else(|| format!("unknown {conversation}"));
        outcome
            .sla
            .entry((external, *target, result))
            .or_default()
            .push(instant.timestamp_millis());
    }
}

/// Whether two runs' SLA outcomes agree: the same conversations meet or
/// breach the same targets the same number of times, at instants within a
/// second of each other (the store's latency and queueing behind the extra
/// appends that faults cause shift inputs by milliseconds).
fn same_sla(
    a: &BTreeMap<(String, SlaTarget, &'static str), Vec<i64>>,
    b: &BTreeMap<(String, SlaTarget, &'static str), Vec<i64>>,
) -> bool {
    a.len() == b.len()
        && a.iter().all(|(key, xs)| {
            b.get(key).is_some_and(|ys| {
                xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| (x - y).abs() <= 1000)
            })
        })
}

fn replay_command(seed: u64, compare_sla: bool) -> String {
    let test = if compare_sla {
        "delay_only_faults_leave_sla_outcomes_unchanged"
    } else {
        "seeded_runs_keep_every_promise"
    };
    format!("{SEED_VAR}={seed} cargo test --all-features --test it fault_sim::{test} -- --exact")
}

/// Runs one seed and returns what went wrong, if anything.
fn check_seed(seed: u64, compare_sla: bool) -> Result<Outcome, String> {
    let plan = Plan::for_seed(seed);
    let outcome = run_seed(seed, &plan);
    let mut problems = outcome.violations.clone();
    if plan.delay_only && compare_sla {
        let clean = run_seed(seed, &plan.without_faults());
        if !clean.violations.is_empty() {
            problems.push(format!("the fault-free run broke: {:?}", clean.violations));
        }
        if outcome.overran || clean.overran {
            problems.push(format!(
                "a run drained after its end (quiet_after + {TAIL:?}): with faults {}, fault-free {}",
                outcome.overran, clean.overran
            ));
        }
        if !same_sla(&clean.sla, &outcome.sla) {
            problems.push(format!(
                "SLA outcomes differ from the fault-free run:\n    fault-free  {:?}\n    with faults {:?}",
                clean.sla, outcome.sla
            ));
        }
    }
    if problems.is_empty() {
        Ok(outcome)
    } else {
        Err(format!(
            "seed {seed} ({plan:?}):\n  {}\nreplay it with:\n  {}",
            problems.join("\n  "),
            replay_command(seed, compare_sla && plan.delay_only)
        ))
    }
}

fn run_seeds(seeds: impl Iterator<Item = u64>, compare_sla: bool) {
    let mut failures = Vec::new();
    let mut totals = (0usize, 0usize, 0usize, 0u64, 0u64, 0u64, 0usize, 0usize);
    for seed in seeds {
        match check_seed(seed, compare_sla) {
            Ok(outcome) => {
                totals.0 += 1;
                totals.1 += outcome.events;
                totals.2 += outcome.crashes;
                totals.3 += outcome.store_faults;
                totals.4 += outcome.send_faults;
                totals.5 += outcome.absorbed;
                totals.6 += outcome.acked;
                totals.7 += outcome.unknown;
            }
            Err(failure) => {
                eprintln!("{failure}");
                failures.push(failure);
                if failures.len() >= 5 {
                    break;
                }
            }
        }
    }
    eprintln!(
        "fault_sim: {} seeds passed: {} events, {} messages acknowledged, {} crashes, {} store faults, {} send faults, {} repeated sends absorbed by the idempotency key, {} sends in doubt recorded as unknown (never resent)",
        totals.0, totals.1, totals.6, totals.2, totals.3, totals.4, totals.5, totals.7
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The default run: a few hundred seeds (or the one in `CAREDESK_SEED`).
#[test]
fn seeded_runs_keep_every_promise() {
    if let Ok(seed) = std::env::var(SEED_VAR) {
        let seed: u64 = seed.parse().expect("CAREDESK_SEED is a number");
        run_seeds(std::iter::once(seed), false);
        return;
    }
    run_seeds(0..200, false);
}

/// The long run: `CAREDESK_SEEDS` seeds (default 5,000) after the default ones.
#[test]
#[ignore = "long: thousands of seeds; run with --ignored"]
fn many_seeded_runs_keep_every_promise() {
    let count: u64 = std::env::var(SEEDS_VAR)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000);
    run_seeds(200..200 + count, true);
}

#[test]
fn the_same_seed_replays_the_same_run() {
    let seed = 7;
    let plan = Plan::for_seed(seed);
    let a = run_seed(seed, &plan);
    let b = run_seed(seed, &plan);
    assert_eq!(a.sla, b.sla);
    assert_eq!(
        (
            a.events,
            a.crashes,
            a.store_faults,
            a.send_faults,
            a.absorbed
        ),
        (
            b.events,
            b.crashes,
            b.store_faults,
            b.send_faults,
            b.absorbed
        )
    );
}

/// With faults that only delay work (transient send errors, timeouts,
/// rate limits, duplicate webhooks), every SLA outcome equals that of the
/// fault-free run of the same seed, over the delay-only seeds among the
/// default 200 (or the one in `CAREDESK_SEED`).
///
/// This failed on seeds 33, 60, 108, 129 and 147 until both runs ended at
/// the same virtual instant: the fault-free twin had no `quiet_after`, so
/// it stopped as soon as its outbox drained, while the faulty run went on
/// to its fifth hour. A customer whose follow-up reopened a resolved
/// conversation (nobody answers it in this world) breaches next response an
/// hour later; only the longer run lived to record that breach. The desk
/// was right in both runs; the comparison was not like for like.
#[test]
fn delay_only_faults_leave_sla_outcomes_unchanged() {
    let seeds: Vec<u64> = match std::env::var(SEED_VAR) {
        Ok(seed) => vec![seed.parse().expect("CAREDESK_SEED is a number")],
        Err(_) => (0..200).filter(|s| Plan::for_seed(*s).delay_only).collect(),
    };
    assert!(
        seeds.len() >= 50,
        "too few delay-only seeds: {}",
        seeds.len()
    );
    run_seeds(seeds.into_iter(), true);
}
