//! The async runtime around the engine (feature `runtime`): ingest, persist,
//! send, timers.
//!
//! A [`Desk`] is one tokio task that owns one tenant's [`Engine`], its
//! [`EventStore`], its [`Channel`]s and a [`Clock`]. Everything reaches it
//! over a bounded queue through a cloneable [`DeskHandle`], so a surge meets
//! backpressure instead of growing memory. The task
//!
//! 1. takes every queued input (up to [`DeskConfig::max_batch`]), hands each
//!    to the engine with the clock's time, and appends all their events in
//!    one durable append (the runtime's own group commit); only then does it
//!    answer the callers, so an acknowledged inbound message is on disk;
//! 2. sends every reply the engine requested (`reply_requested`) through the
//!    channel of its brand account, at most [`DeskConfig::max_in_flight`] at a
//!    time and within the account's rate limit
//!    ([`Capabilities::rate_limit_per_minute`](crate::model::Capabilities), a
//!    token bucket), and records the outcome as an
//!    [`Input::DeliveryReport`]. Transient failures are recorded and retried
//!    with exponential backoff and seeded jitter ([`RetryPolicy`]); permanent
//!    ones are recorded as `Failed { permanent: true }` and not retried.
//!    Before a send reaches the network its attempt is appended durably
//!    ([`Input::DeliveryAttempt`], `delivery_attempted`). A crash after the
//!    network accepted a send but before its receipt was recorded therefore
//!    leaves a send *in doubt* ([`Engine::sends_in_doubt`]), and the next
//!    start does not send it again blindly — X, Meta and WhatsApp have no
//!    idempotency keys, and the adapters remember receipts only in memory.
//!    It asks the channel ([`Channel::check_sent`]): a remembered or
//!    looked-up receipt is recorded as delivered, a channel that is sure
//!    the network lacks it (or deduplicates by [`OutboundId`], like
//!    [`MemoryChannel`](crate::channel::MemoryChannel)) sends it, and
//!    otherwise the send is recorded as `delivery_unknown` with the reason,
//!    for a person to check, and never repeated. A send whose answer was
//!    lost without a crash ([`ChannelError::Unconfirmed`]: a timeout after
//!    the request went out) is treated the same way: no outcome is
//!    recorded and, after a backoff, the channel is asked before anything
//!    is sent again. So no send is delivered twice across crashes or
//!    timeouts; the price is one more append per batch of sends;
//! 3. sleeps until the engine's [`Engine::next_deadline`] and sends it an
//!    [`Input::Tick`];
//! 4. saves a [`DeskSnapshot`] (engine state and owed sends) every
//!    [`DeskConfig::snapshot_every`] events; a start loads the latest one and
//!    replays only the tail. Snapshots are spaced in proportion to the hot
//!    state ([`DeskConfig::snapshot_events_per_conversation`]), and the
//!    state is copied on the desk's task and encoded and written in a task
//!    of its own, so a snapshot holds up ingest as little as the store
//!    allows (a store with one writer, like SQLite, still queues appends
//!    behind the write); the price is a copy of the state in memory while
//!    it is written;
//! 5. with a [`DeskConfig::retention`] policy, compacts the log after each of
//!    those snapshots: events older than the policy's age are removed from
//!    the store (their state lives on in the snapshot). A caller can also
//!    ask for it with [`DeskHandle::apply_retention`].
//!
//! If an append fails, the engine has moved ahead of the store: the desk
//! rebuilds it from the store (so memory never holds what disk does not),
//! answers the callers of that batch with the error, and pauses before its
//! next step (50 ms, doubling with each failure in a row up to 5 s, with
//! seeded jitter), so an outage is not met with a hot loop of rebuilds.
//!
//! Observability: `tracing` spans `desk.ingest`, `desk.persist` and
//! `desk.send`, and `metrics` counters `caredesk_inbound_total`,
//! `caredesk_inbound_duplicates_total`, `caredesk_events_persisted_total`,
//! `caredesk_sends_total` (label `outcome`), `caredesk_snapshots_total`,
//! `caredesk_events_compacted_total`.

mod clock;
mod outbox;

pub use clock::{Clock, ManualClock, SystemClock, TokioClock};
pub use outbox::RetryPolicy;

use crate::channel::{Channel, ChannelError, DeliveryReceipt, SentCheck};
use crate::directory::CustomerDirectory;
use crate::engine::{
    DeliveryOutcome, Engine, EngineConfig, EngineError, EngineState, ErasurePlan, Event,
    EventPayload, Input, CURRENT_SCHEMA, ERASED,
};
use crate::escalation::Notifier;
use crate::model::{
    ChannelRef, Classification, ConversationId, InboundMessage, OutboundId, OutboundMessage,
};
use crate::stats::{Attainment, AttainmentReport};
use crate::store::retention::RetentionPolicy;
use crate::store::{
    read_all, AppendBatch, CompactReport, EventStore, IdempotencyKey, Snapshot, StoreError,
};
use chrono::{DateTime, Utc};
use outbox::{Backoff, Outbox, TokenBucket};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::Instrument;

/// Settings of a [`Desk`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskConfig {
    /// Inputs that may wait in the queue before callers are made to wait.
    pub queue_capacity: usize,
    /// Most inputs handled and appended together.
    pub max_batch: usize,
    /// Most sends in flight at once.
    pub max_in_flight: usize,
    /// Save a snapshot every this many events (0: never), or every
    /// [`DeskConfig::snapshot_events_per_conversation`] events per
    /// conversation in the engine's hot state, whichever is more.
    pub snapshot_every: u64,
    /// Keeps the cost of snapshots in proportion: a snapshot costs in
    /// proportion to the hot state (about 2 KB of JSON per conversation),
    /// a restart's replay in proportion to the events after the last
    /// snapshot. With the default 10, a desk holding 5,000 conversations
    /// snapshots every 50,000 events instead of every 10,000, so the
    /// share of time the store spends writing snapshots stays small
    /// however large the state grows. 0 turns the proportion off.
    pub snapshot_events_per_conversation: u64,
    /// How failed sends are retried.
    pub retry: RetryPolicy,
    /// How long shutdown waits for sends in flight.
    pub drain_timeout: Duration,
    /// Compact the log by age after each periodic snapshot (`None`, the
    /// default: keep every event). Needs a store that compacts; give the
    /// policy a [`RetentionPolicy::min_events`] in the hundreds of thousands
    /// when the store rewrites its file on compaction (SQLite does).
    pub retention: Option<RetentionPolicy>,
}

impl Default for DeskConfig {
    /// Queue of 1,024, batches of up to 256 inputs, 32 sends in flight, a
    /// snapshot every 10,000 events or 10 per conversation held, whichever
    /// is more, default retries, 10 s drain, no retention.
    fn default() -> Self {
        DeskConfig {
            queue_capacity: 1024,
            max_batch: 256,
            max_in_flight: 32,
            snapshot_every: 10_000,
            snapshot_events_per_conversation: 10,
            retry: RetryPolicy::default(),
            drain_timeout: Duration::from_secs(10),
            retention: None,
        }
    }
}

/// Why the desk could not do what was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DeskError {
    /// The engine refused the input; nothing was recorded. Fix the input.
    #[error("refused: {0}")]
    Refused(#[from] EngineError),
    /// The store failed; nothing of the batch was acknowledged and the
    /// engine was rebuilt from the store. Retry later (the input is
    /// idempotent for inbound messages).
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The stored log could not be replayed at start (or after a failed
    /// append): the log does not fit the configuration.
    #[error("replay: {0}")]
    Replay(EngineError),
    /// The desk has shut down or is shutting down: it accepts nothing more.
    #[error("the desk has stopped")]
    Stopped,
}

/// What [`DeskHandle::ingest`] recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestReceipt {
    /// The conversation the message joined (for a duplicate: the one that
    /// holds the original).
    pub conversation: Option<ConversationId>,
    /// Whether the message had been accepted before (nothing new recorded).
    pub duplicate: bool,
    /// The events recorded for it, now durable (empty for a duplicate).
    pub events: Vec<Event>,
}

/// What a desk is doing, from [`DeskHandle::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeskStatus {
    /// The sequence number of the last event persisted.
    pub last_seq: u64,
    /// Sends owed (including those in flight).
    pub outbox: usize,
    /// Sends in flight now.
    pub in_flight: usize,
}

/// The desk's snapshot: the engine state and the sends still owed, so a
/// start needs only the events after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeskSnapshot {
    /// The engine's state.
    pub engine: EngineState,
    /// Requested sends not yet delivered or failed for good.
    pub outbox: Vec<OutboundMessage>,
    /// First-response SLA attainment folded from every event up to the
    /// snapshot, so the statistics survive when retention compacts the
    /// events away.
    #[serde(default)]
    pub attainment: Attainment,
}

impl DeskSnapshot {
    /// Scrubs a forgotten customer from the snapshot: its engine state (see
    /// [`ErasurePlan::scrub_state`]) and the owed sends addressed to them or
    /// belonging to their conversations.
    pub fn scrub(&mut self, plan: &ErasurePlan) {
        for message in &mut self.outbox {
            let covered = self
                .engine
                .pending_sends
                .get(&message.id)
                .is_some_and(|pending| plan.covers(pending.conversation));
            if covered || plan.matches_identity(&message.recipient) {
                message.text = ERASED.into();
                message.recipient.handle = ERASED.into();
                message.attachments.clear();
            }
        }
        plan.scrub_state(&mut self.engine);
    }

    /// [`DeskSnapshot::scrub`] on a stored snapshot, for
    /// `SqliteEventStore::erase_with_snapshots`; `None` (delete it) when it
    /// does not hold a desk snapshot.
    pub fn scrub_stored(plan: &ErasurePlan, snapshot: &Snapshot) -> Option<Snapshot> {
        let mut desk: DeskSnapshot = serde_json::from_slice(&snapshot.state).ok()?;
        desk.scrub(plan);
        Some(Snapshot {
            state: serde_json::to_vec(&desk).ok()?,
            ..snapshot.clone()
        })
    }
}

#[derive(Serialize)]
struct DeskSnapshotRef<'a> {
    engine: &'a EngineState,
    outbox: Vec<OutboundMessage>,
    attainment: &'a Attainment,
}

enum Command {
    Ingest {
        message: Box<InboundMessage>,
        classification: Option<Classification>,
        answer: oneshot::Sender<Result<IngestReceipt, DeskError>>,
    },
    Submit {
        input: Box<Input>,
        answer: oneshot::Sender<Result<Vec<Event>, DeskError>>,
    },
    Status {
        answer: oneshot::Sender<DeskStatus>,
    },
    State {
        answer: oneshot::Sender<Box<EngineState>>,
    },
    Shutdown {
        answer: oneshot::Sender<()>,
    },
    Compact {
        policy: RetentionPolicy,
        answer: oneshot::Sender<Result<CompactReport, DeskError>>,
    },
    Attainment {
        answer: oneshot::Sender<AttainmentReport>,
    },
}

/// A cloneable way in to a running [`Desk`].
#[derive(Debug, Clone)]
pub struct DeskHandle {
    commands: mpsc::Sender<Command>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::Ingest { .. } => "Ingest",
            Command::Submit { .. } => "Submit",
            Command::Status { .. } => "Status",
            Command::State { .. } => "State",
            Command::Shutdown { .. } => "Shutdown",
            Command::Compact { .. } => "Compact",
            Command::Attainment { .. } => "Attainment",
        })
    }
}

impl DeskHandle {
    async fn call<T>(
        &self,
        command: Command,
        reply: oneshot::Receiver<Result<T, DeskError>>,
    ) -> Result<T, DeskError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| DeskError::Stopped)?;
        reply.await.map_err(|_| DeskError::Stopped)?
    }

    /// Records an inbound message and returns once its events are durable.
    /// A message accepted before returns `Ok` with `duplicate: true`.
    ///
    /// # Errors
    /// [`DeskError::Refused`] for a message the engine refuses (unknown
    /// channel, empty), [`DeskError::Store`] when it could not be persisted
    /// (retry), [`DeskError::Stopped`].
    pub async fn ingest(&self, message: InboundMessage) -> Result<IngestReceipt, DeskError> {
        self.ingest_classified(message, None).await
    }

    /// As [`DeskHandle::ingest`], with triage's verdict given by the caller.
    ///
    /// # Errors
    /// As [`DeskHandle::ingest`].
    pub async fn ingest_classified(
        &self,
        message: InboundMessage,
        classification: Option<Classification>,
    ) -> Result<IngestReceipt, DeskError> {
        let span = tracing::debug_span!("desk.ingest", channel = %message.channel, external_id = %message.external_id);
        let (answer, reply) = oneshot::channel();
        self.call(
            Command::Ingest {
                message: Box::new(message),
                classification,
                answer,
            },
            reply,
        )
        .instrument(span)
        .await
    }

    /// Records several inbound messages in order and returns once all are
    /// durable, with one result per message. They are queued together, so
    /// the desk handles them in one batch and persists them in one append.
    pub async fn ingest_all(
        &self,
        messages: Vec<InboundMessage>,
    ) -> Vec<Result<IngestReceipt, DeskError>> {
        let mut replies = Vec::with_capacity(messages.len());
        for message in messages {
            let (answer, reply) = oneshot::channel();
            let sent = self
                .commands
                .send(Command::Ingest {
                    message: Box::new(message),
                    classification: None,
                    answer,
                })
                .await;
            replies.push(sent.ok().map(|()| reply));
        }
        let mut results = Vec::with_capacity(replies.len());
        for reply in replies {
            results.push(match reply {
                Some(reply) => reply.await.unwrap_or(Err(DeskError::Stopped)),
                None => Err(DeskError::Stopped),
            });
        }
        results
    }

    /// Hands any other input to the engine (a reply, a status change, an
    /// agent's presence) and returns its events once they are durable.
    ///
    /// # Errors
    /// As [`DeskHandle::ingest`].
    pub async fn submit(&self, input: Input) -> Result<Vec<Event>, DeskError> {
        let (answer, reply) = oneshot::channel();
        self.call(
            Command::Submit {
                input: Box::new(input),
                answer,
            },
            reply,
        )
        .await
    }

    /// Sends the engine a tick now (after moving a [`ManualClock`]).
    ///
    /// # Errors
    /// As [`DeskHandle::submit`].
    pub async fn tick(&self) -> Result<Vec<Event>, DeskError> {
        self.submit(Input::Tick).await
    }

    /// Compacts the log by `policy` now: the desk saves a snapshot of its
    /// current state, then removes from the store every event older than the
    /// policy's age (see [`RetentionPolicy::apply`]). Inputs queued before
    /// the request are persisted first.
    ///
    /// # Errors
    /// [`DeskError::Store`] when the store cannot compact
    /// ([`StoreError::Unsupported`]) or fails, [`DeskError::Stopped`].
    pub async fn apply_retention(
        &self,
        policy: RetentionPolicy,
    ) -> Result<CompactReport, DeskError> {
        let (answer, reply) = oneshot::channel();
        self.call(Command::Compact { policy, answer }, reply).await
    }

    /// First-response SLA attainment over the desk's whole history (kept in
    /// its snapshots, so retention does not change it).
    ///
    /// # Errors
    /// [`DeskError::Stopped`].
    pub async fn attainment(&self) -> Result<AttainmentReport, DeskError> {
        let (answer, reply) = oneshot::channel();
        self.commands
            .send(Command::Attainment { answer })
            .await
            .map_err(|_| DeskError::Stopped)?;
        reply.await.map_err(|_| DeskError::Stopped)
    }

    /// What the desk is doing.
    ///
    /// # Errors
    /// [`DeskError::Stopped`].
    pub async fn status(&self) -> Result<DeskStatus, DeskError> {
        let (answer, reply) = oneshot::channel();
        self.commands
            .send(Command::Status { answer })
            .await
            .map_err(|_| DeskError::Stopped)?;
        reply.await.map_err(|_| DeskError::Stopped)
    }

    /// A copy of the engine's state as it is now (everything persisted):
    /// to inspect a running desk or compare it with a replay of its log.
    ///
    /// # Errors
    /// [`DeskError::Stopped`].
    pub async fn engine_state(&self) -> Result<EngineState, DeskError> {
        let (answer, reply) = oneshot::channel();
        self.commands
            .send(Command::State { answer })
            .await
            .map_err(|_| DeskError::Stopped)?;
        reply
            .await
            .map(|state| *state)
            .map_err(|_| DeskError::Stopped)
    }

    /// Stops the desk gracefully: it accepts nothing more, handles what is
    /// queued, waits (up to [`DeskConfig::drain_timeout`]) for sends in
    /// flight and records them, saves a snapshot and releases the store.
    /// Sends still owed are retried at the next start.
    ///
    /// # Errors
    /// [`DeskError::Stopped`] if it had already stopped.
    pub async fn shutdown(&self) -> Result<(), DeskError> {
        let (answer, reply) = oneshot::channel();
        self.commands
            .send(Command::Shutdown { answer })
            .await
            .map_err(|_| DeskError::Stopped)?;
        reply.await.map_err(|_| DeskError::Stopped)
    }
}

/// What became of one send task: the network's answer, or, for a send in
/// doubt that the channel could not verify, why its outcome is unknown.
enum SendOutcome {
    Sent(Result<DeliveryReceipt, ChannelError>),
    Unknown(String),
}

type SendResult = (OutboundId, SendOutcome);

/// Optional edges of a desk: the customer directory and the notifier.
#[derive(Default, Clone)]
pub struct DeskExtensions {
    /// Looked up for each new conversation's author; the profile is recorded.
    pub directory: Option<Arc<dyn CustomerDirectory>>,
    /// Receives every `notification_requested` event (best effort, logged on failure).
    pub notifier: Option<Arc<dyn Notifier>>,
}

impl std::fmt::Debug for DeskExtensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskExtensions")
            .field("directory", &self.directory.is_some())
            .field("notifier", &self.notifier.is_some())
            .finish()
    }
}

/// One tenant's running desk; see the [module documentation](self).
///
/// ```
/// use caredesk::channel::{Channel, MemoryChannel};
/// use caredesk::desk::{Desk, DeskConfig, TokioClock};
/// use caredesk::engine::EngineConfig;
/// use caredesk::model::*;
/// use caredesk::store::{EventStore, MemoryEventStore};
/// use std::sync::Arc;
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
/// runtime.block_on(async {
///     let x = ChannelRef::new(ChannelKind::X, "@KLM");
///     let tenant = TenantId::from_uuid(uuid::Uuid::from_u128(1));
///     let make_config = { let x = x.clone(); move || EngineConfig::new(tenant).with_channel(x.clone(), None) };
///     let store: Arc<dyn EventStore> = Arc::new(MemoryEventStore::new());
///     let channel: Arc<dyn Channel> = Arc::new(MemoryChannel::new(x.clone()));
///     let clock = Arc::new(TokioClock::starting_at("2026-11-23T10:00:00Z".parse()?));
///     let (desk, task) = Desk::start(make_config, store.clone(), vec![channel], clock, DeskConfig::default()).await?;
///     let message = InboundMessage::new(x, "1", Identity::new(ChannelKind::X, "@anna"),
///         Visibility::Public, "@KLM where is my bag?", "2026-11-23T10:00:00Z".parse()?);
///     let receipt = desk.ingest(message).await?;
///     assert!(!receipt.duplicate);
///     assert_eq!(store.last_seq(tenant).await?, receipt.events.len() as u64);
///     desk.shutdown().await?;
///     task.await??;
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Desk {
    make_config: Box<dyn Fn() -> EngineConfig + Send + Sync>,
    engine: Engine,
    store: Arc<dyn EventStore>,
    channels: BTreeMap<ChannelRef, Arc<dyn Channel>>,
    buckets: BTreeMap<ChannelRef, TokenBucket>,
    clock: Arc<dyn Clock>,
    config: DeskConfig,
    outbox: Outbox,
    backoff: Backoff,
    /// Pauses the desk after failed appends (50 ms doubling to 5 s), so a
    /// store outage is not met with a hot loop of rebuilds and re-sends.
    store_backoff: Backoff,
    /// Appends failed in a row.
    append_failures: u32,
    last_snapshot: u64,
    /// The periodic snapshot being encoded and saved beside the desk's
    /// loop, if any; it yields the snapshot's seq once saved.
    snapshot_in_flight: Option<tokio::task::JoinHandle<Option<u64>>>,
    attainment: Attainment,
    results_tx: mpsc::Sender<SendResult>,
    results_rx: mpsc::Receiver<SendResult>,
    directory: Option<Arc<dyn CustomerDirectory>>,
    notifier: Option<Arc<dyn Notifier>>,
    /// Inputs produced by lookups the desk started (directory profiles).
    lookups_tx: mpsc::Sender<Input>,
    lookups_rx: mpsc::Receiver<Input>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("tenant", &self.engine.config().tenant)
            .field("last_seq", &self.engine.last_seq())
            .field("outbox", &self.outbox.entries.len())
            .finish_non_exhaustive()
    }
}

/// An input waiting for its events to be persisted, and who to tell.
enum Waiting {
    Ingest(
        oneshot::Sender<Result<IngestReceipt, DeskError>>,
        IngestReceipt,
    ),
    Submit(oneshot::Sender<Result<Vec<Event>, DeskError>>),
    Internal,
}

/// What [`load`] rebuilds.
struct Loaded {
    engine: Engine,
    outbox: Outbox,
    snapshot_seq: u64,
    attainment: Attainment,
}

/// Loads an engine, its owed sends and its SLA statistics: the latest desk
/// snapshot plus the tail, or a full replay when there is no usable
/// snapshot (which fails with [`StoreError::Compacted`] on a compacted log).
async fn load(
    make_config: &(dyn Fn() -> EngineConfig + Send + Sync),
    store: &dyn EventStore,
) -> Result<Loaded, DeskError> {
    let config = make_config();
    let tenant = config.tenant;
    let snapshot = store.load_latest_snapshot(tenant).await?;
    let decoded = snapshot.and_then(|snapshot| {
        match serde_json::from_slice::<DeskSnapshot>(&snapshot.state) {
            Ok(state) => Some((snapshot.seq, state)),
            Err(error) => {
                tracing::warn!(seq = snapshot.seq, %error, "snapshot is not a desk snapshot; replaying the whole log");
                None
            }
        }
    });
    let (mut engine, mut outbox, snapshot_seq, mut attainment) = match decoded {
        Some((seq, state)) => (
            Engine::from_snapshot(config, state.engine, std::iter::empty())
                .map_err(DeskError::Replay)?,
            Outbox::from_messages(state.outbox),
            seq,
            state.attainment,
        ),
        None => (Engine::new(config), Outbox::default(), 0, Attainment::new()),
    };
    let tail = read_all(store, tenant, engine.last_seq() + 1).await?;
    outbox.observe(&tail);
    for event in tail {
        engine
            .apply_all(std::iter::once(event.clone()))
            .map_err(DeskError::Replay)?;
        engine.record_attainment(&event, &mut attainment);
    }
    // Handed to the network by an earlier run with no outcome recorded: the
    // network may have them. They are checked with the channel, not resent.
    for id in engine.sends_in_doubt() {
        if let Some(entry) = outbox.entries.get_mut(&id) {
            entry.in_doubt = Some(format!(
                "handed to {} before a restart and no answer was recorded",
                entry.message.channel
            ));
        }
    }
    Ok(Loaded {
        engine,
        outbox,
        snapshot_seq,
        attainment,
    })
}

impl Desk {
    /// Loads the tenant's desk from the store (latest snapshot + tail) and
    /// starts its task on the current tokio runtime. `make_config` builds
    /// the engine configuration (again, if the desk must rebuild its engine
    /// after a failed append); `channels` are the brand accounts that send.
    ///
    /// # Errors
    /// [`DeskError::Store`] when the log cannot be read,
    /// [`DeskError::Replay`] when it does not fit the configuration.
    pub async fn start(
        make_config: impl Fn() -> EngineConfig + Send + Sync + 'static,
        store: Arc<dyn EventStore>,
        channels: Vec<Arc<dyn Channel>>,
        clock: Arc<dyn Clock>,
        config: DeskConfig,
    ) -> Result<
        (
            DeskHandle,
            tokio::task::JoinHandle<Result<DeskStatus, DeskError>>,
        ),
        DeskError,
    > {
        Desk::start_with(
            make_config,
            store,
            channels,
            clock,
            config,
            DeskExtensions::default(),
        )
        .await
    }

    /// Starts a desk that also looks customers up in a directory when their
    /// conversation opens (recording the profile with
    /// [`Input::AttachProfile`]) and hands `notification_requested` events to
    /// a notifier.
    ///
    /// # Errors
    /// As [`Desk::start`].
    pub async fn start_with(
        make_config: impl Fn() -> EngineConfig + Send + Sync + 'static,
        store: Arc<dyn EventStore>,
        channels: Vec<Arc<dyn Channel>>,
        clock: Arc<dyn Clock>,
        config: DeskConfig,
        extensions: DeskExtensions,
    ) -> Result<
        (
            DeskHandle,
            tokio::task::JoinHandle<Result<DeskStatus, DeskError>>,
        ),
        DeskError,
    > {
        let make_config: Box<dyn Fn() -> EngineConfig + Send + Sync> = Box::new(make_config);
        let Loaded {
            engine,
            outbox,
            snapshot_seq: last_snapshot,
            attainment,
        } = load(&*make_config, &*store).await?;
        let now = Instant::now();
        let mut buckets = BTreeMap::new();
        let mut by_ref = BTreeMap::new();
        for channel in channels {
            if let Some(limit) = channel.capabilities().rate_limit_per_minute {
                buckets.insert(
                    channel.channel().clone(),
                    TokenBucket::per_minute(limit, now),
                );
            }
            by_ref.insert(channel.channel().clone(), channel);
        }
        let (commands_tx, commands_rx) = mpsc::channel(config.queue_capacity.max(1));
        let (results_tx, results_rx) = mpsc::channel(config.max_in_flight.max(1));
        let (lookups_tx, lookups_rx) = mpsc::channel(config.queue_capacity.max(1));
        let desk = Desk {
            make_config,
            engine,
            store,
            channels: by_ref,
            buckets,
            clock,
            backoff: Backoff::new(config.retry),
            store_backoff: Backoff::new(RetryPolicy {
                initial: Duration::from_millis(50),
                max: Duration::from_secs(5),
                seed: config.retry.seed ^ 0x5702E,
            }),
            append_failures: 0,
            config,
            outbox,
            last_snapshot,
            snapshot_in_flight: None,
            attainment,
            results_tx,
            results_rx,
            directory: extensions.directory,
            notifier: extensions.notifier,
            lookups_tx,
            lookups_rx,
        };
        let task = tokio::spawn(desk.run(commands_rx));
        Ok((
            DeskHandle {
                commands: commands_tx,
            },
            task,
        ))
    }

    fn now(&self) -> DateTime<Utc> {
        let now = self.clock.now();
        match self.engine.now() {
            Some(last) if last > now => last,
            _ => now,
        }
    }

    fn status(&self) -> DeskStatus {
        DeskStatus {
            last_seq: self.engine.last_seq(),
            outbox: self.outbox.entries.len(),
            in_flight: self.outbox.in_flight(),
        }
    }

    async fn run(mut self, mut commands: mpsc::Receiver<Command>) -> Result<DeskStatus, DeskError> {
        let mut shutdown: Option<oneshot::Sender<()>> = None;
        let mut accepting = true;
        let mut drain_until: Option<Instant> = None;
        loop {
            if !accepting && drain_until.is_none() {
                drain_until = Some(Instant::now() + self.config.drain_timeout);
            }
            let retry_at = if accepting {
                let (retry_at, ready) = self.dispatch();
                self.start_sends(ready).await?;
                retry_at
            } else {
                None
            };
            if !accepting && self.outbox.in_flight() == 0 {
                break;
            }
            let deadline = self.engine.next_deadline().map(|at| {
                let wait = (at - self.clock.now()).to_std().unwrap_or(Duration::ZERO);
                Instant::now() + wait
            });
            let wake = match (deadline, retry_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            tokio::select! {
                biased;
                Some(result) = self.results_rx.recv() => {
                    let mut results = vec![result];
                    while let Ok(more) = self.results_rx.try_recv() {
                        results.push(more);
                    }
                    self.record_results(results).await?;
                }
                Some(input) = self.lookups_rx.recv(), if accepting => {
                    let mut inputs = vec![input];
                    while let Ok(more) = self.lookups_rx.try_recv() {
                        inputs.push(more);
                    }
                    self.handle_internal(inputs).await?;
                }
                command = commands.recv(), if accepting => {
                    let Some(first) = command else {
                        accepting = false;
                        continue;
                    };
                    let mut batch = vec![first];
                    while batch.len() < self.config.max_batch.max(1) {
                        match commands.try_recv() {
                            Ok(next) => batch.push(next),
                            Err(_) => break,
                        }
                    }
                    let mut inputs = Vec::with_capacity(batch.len());
                    for command in batch {
                        match command {
                            Command::Status { answer } => {
                                let _ = answer.send(self.status());
                            }
                            Command::Attainment { answer } => {
                                let _ = answer.send(self.attainment.report());
                            }
                            Command::State { answer } => {
                                let _ = answer.send(Box::new(self.engine.state().clone()));
                            }
                            Command::Shutdown { answer } => {
                                accepting = false;
                                commands.close();
                                shutdown = Some(answer);
                            }
                            other => inputs.push(other),
                        }
                    }
                    if !inputs.is_empty() {
                        self.handle_commands(inputs).await?;
                    }
                    if !accepting {
                        // Handle what was queued before the shutdown.
                        let mut rest = Vec::new();
                        while let Ok(command) = commands.try_recv() {
                            match command {
                                Command::Status { answer } => {
                                    let _ = answer.send(self.status());
                                }
                                Command::State { answer } => {
                                    let _ = answer.send(Box::new(self.engine.state().clone()));
                                }
                                Command::Shutdown { answer } => {
                                    let _ = answer.send(());
                                }
                                other => rest.push(other),
                            }
                        }
                        if !rest.is_empty() {
                            self.handle_commands(rest).await?;
                        }
                    }
                }
                () = sleep_until_opt(wake), if accepting => {
                    if deadline.is_some_and(|d| d <= Instant::now()) {
                        self.handle_internal(vec![Input::Tick]).await?;
                    }
                }
                () = sleep_until_opt(drain_until), if !accepting => {
                    tracing::warn!(in_flight = self.outbox.in_flight(), "drain timed out; sends in flight are checked with their channel at the next start");
                    break;
                }
            }
        }
        self.save_snapshot().await;
        let status = self.status();
        if let Some(answer) = shutdown {
            let _ = answer.send(());
        }
        Ok(status)
    }

    /// Handles caller commands as one batch and persists their events.
    async fn handle_commands(&mut self, commands: Vec<Command>) -> Result<(), DeskError> {
        let mut waiting = Vec::with_capacity(commands.len());
        let mut events = Vec::new();
        let mut compactions = Vec::new();
        for command in commands {
            let now = self.now();
            match command {
                Command::Ingest {
                    message,
                    classification,
                    answer,
                } => {
                    metrics::counter!("caredesk_inbound_total").increment(1);
                    let start = events.len();
                    match self.engine.handle(
                        now,
                        Input::Inbound {
                            message: *message,
                            classification,
                        },
                    ) {
                        Ok(new) => {
                            self.fold(&new);
                            events.extend(new);
                            let receipt = IngestReceipt {
                                conversation: None,
                                duplicate: false,
                                events: Vec::new(),
                            };
                            waiting.push((start, events.len(), Waiting::Ingest(answer, receipt)));
                        }
                        Err(EngineError::DuplicateMessage { existing }) => {
                            metrics::counter!("caredesk_inbound_duplicates_total").increment(1);
                            let receipt = IngestReceipt {
                                conversation: Some(existing),
                                duplicate: true,
                                events: Vec::new(),
                            };
                            waiting.push((start, start, Waiting::Ingest(answer, receipt)));
                        }
                        Err(error) => {
                            let _ = answer.send(Err(DeskError::Refused(error)));
                        }
                    }
                }
                Command::Submit { input, answer } => {
                    let start = events.len();
                    match self.engine.handle(now, *input) {
                        Ok(new) => {
                            self.fold(&new);
                            events.extend(new);
                            waiting.push((start, events.len(), Waiting::Submit(answer)));
                        }
                        Err(error) => {
                            let _ = answer.send(Err(DeskError::Refused(error)));
                        }
                    }
                }
                Command::Status { answer } => {
                    let _ = answer.send(self.status());
                }
                Command::State { answer } => {
                    let _ = answer.send(Box::new(self.engine.state().clone()));
                }
                Command::Shutdown { answer } => {
                    let _ = answer.send(());
                }
                Command::Compact { policy, answer } => compactions.push((policy, answer)),
                Command::Attainment { answer } => {
                    let _ = answer.send(self.attainment.report());
                }
            }
        }
        self.persist_and_answer(events, waiting).await?;
        for (policy, answer) in compactions {
            let _ = answer.send(self.apply_retention(policy).await);
        }
        Ok(())
    }

    /// Saves a snapshot of the current state, then compacts the log by
    /// `policy` (as far as the latest stored snapshot allows).
    async fn apply_retention(
        &mut self,
        policy: RetentionPolicy,
    ) -> Result<CompactReport, DeskError> {
        self.save_snapshot().await;
        let tenant = self.engine.config().tenant;
        let span =
            tracing::debug_span!("desk.compact", max_age_secs = policy.max_age.num_seconds());
        let report = policy
            .apply(&*self.store, tenant, self.now())
            .instrument(span)
            .await?;
        log_compaction(&report);
        Ok(report)
    }

    async fn handle_internal(&mut self, inputs: Vec<Input>) -> Result<(), DeskError> {
        let mut events = Vec::new();
        for input in inputs {
            let now = self.now();
            match self.engine.handle(now, input) {
                Ok(new) => {
                    self.fold(&new);
                    events.extend(new);
                }
                Err(EngineError::UnknownOutbound(id)) => {
                    // The engine no longer owes it (its conversation was archived).
                    self.outbox.entries.remove(&id);
                }
                Err(error) => tracing::warn!(%error, "internal input refused"),
            }
        }
        self.persist_and_answer(events, vec![(0, 0, Waiting::Internal)])
            .await
    }

    /// Folds events the engine just produced into the SLA statistics.
    fn fold(&mut self, events: &[Event]) {
        for event in events {
            self.engine.record_attainment(event, &mut self.attainment);
        }
    }

    /// Appends `events` durably; answers every waiting caller after it.
    async fn persist_and_answer(
        &mut self,
        events: Vec<Event>,
        waiting: Vec<(usize, usize, Waiting)>,
    ) -> Result<(), DeskError> {
        if !events.is_empty() {
            let first = events[0].seq;
            let last = events[events.len() - 1].seq;
            let tenant = self.engine.config().tenant;
            let span = tracing::debug_span!("desk.persist", first, last);
            let batch = AppendBatch {
                idempotency_key: IdempotencyKey::new(format!("desk:{first}-{last}")),
                events,
            };
            let events_ref = batch.events.clone();
            match self
                .store
                .append(tenant, first - 1, batch)
                .instrument(span)
                .await
            {
                Ok(_) => {
                    self.append_failures = 0;
                    metrics::counter!("caredesk_events_persisted_total")
                        .increment(events_ref.len() as u64);
                    self.outbox.observe(&events_ref);
                    self.start_lookups(&events_ref);
                    if events_ref
                        .iter()
                        .any(|e| matches!(e.payload, EventPayload::CustomerForgotten { .. }))
                    {
                        // The caller scrubs the stored snapshots next: no
                        // snapshot of the state from before the erasure may
                        // land after that.
                        self.collect_snapshot(true).await;
                    }
                    for (start, end, waiting) in waiting {
                        let slice = events_ref.get(start..end).unwrap_or_default().to_vec();
                        match waiting {
                            Waiting::Ingest(answer, mut receipt) => {
                                if receipt.conversation.is_none() {
                                    receipt.conversation =
                                        slice.iter().find_map(|e| e.payload.conversation());
                                }
                                receipt.events = slice;
                                let _ = answer.send(Ok(receipt));
                            }
                            Waiting::Submit(answer) => {
                                let _ = answer.send(Ok(slice));
                            }
                            Waiting::Internal => {}
                        }
                    }
                    if self.snapshot_due() {
                        self.snapshot_in_background().await;
                    }
                    return Ok(());
                }
                Err(error) => {
                    tracing::error!(%error, first, last, "append failed; rebuilding the engine from the store");
                    self.append_failures = self.append_failures.saturating_add(1);
                    let Loaded {
                        engine,
                        outbox,
                        snapshot_seq: snapshot,
                        attainment,
                    } = load(&*self.make_config, &*self.store).await?;
                    self.engine = engine;
                    self.attainment = attainment;
                    // Keep what is in flight marked as such.
                    let in_flight: Vec<OutboundId> = self
                        .outbox
                        .entries
                        .iter()
                        .filter(|(_, e)| e.in_flight)
                        .map(|(id, _)| *id)
                        .collect();
                    self.outbox = outbox;
                    for id in in_flight {
                        if let Some(entry) = self.outbox.entries.get_mut(&id) {
                            // Its task is still running and will report.
                            entry.in_flight = true;
                            entry.in_doubt = None;
                        }
                    }
                    self.last_snapshot = snapshot;
                    for (_, _, waiting) in waiting {
                        match waiting {
                            Waiting::Ingest(answer, _) => {
                                let _ = answer.send(Err(DeskError::Store(error.clone())));
                            }
                            Waiting::Submit(answer) => {
                                let _ = answer.send(Err(DeskError::Store(error.clone())));
                            }
                            Waiting::Internal => {}
                        }
                    }
                    // Without a pause, due timers and the sends whose
                    // reports were lost would retry at once, and fail again.
                    let pause = self.store_backoff.delay(self.append_failures);
                    tokio::time::sleep(pause).await;
                    return Ok(());
                }
            }
        }
        for (_, _, waiting) in waiting {
            match waiting {
                Waiting::Ingest(answer, receipt) => {
                    let _ = answer.send(Ok(receipt));
                }
                Waiting::Submit(answer) => {
                    let _ = answer.send(Ok(Vec::new()));
                }
                Waiting::Internal => {}
            }
        }
        Ok(())
    }

    /// Starts the directory lookups and notifications that persisted events
    /// ask for; lookups come back as inputs through `lookups_rx`.
    fn start_lookups(&self, events: &[Event]) {
        for event in events {
            match &event.payload {
                EventPayload::MessageReceived {
                    conversation,
                    inbound,
                    ..
                } => {
                    let Some(directory) = self.directory.clone() else {
                        continue;
                    };
                    let opened_here = events.iter().any(|e| {
                        matches!(&e.payload, EventPayload::ConversationOpened { conversation: c, .. } if c == conversation)
                    });
                    if !opened_here {
                        continue;
                    }
                    let identity = inbound.author.clone();
                    let sender = self.lookups_tx.clone();
                    tokio::spawn(async move {
                        match directory.profile(&identity).await {
                            Ok(Some(profile)) => {
                                let _ = sender
                                    .send(Input::AttachProfile { identity, profile })
                                    .await;
                            }
                            Ok(None) => {}
                            Err(error) => {
                                tracing::warn!(%error, %identity, "customer directory lookup failed")
                            }
                        }
                    });
                }
                EventPayload::NotificationRequested { notification } => {
                    let Some(notifier) = self.notifier.clone() else {
                        continue;
                    };
                    let notification = notification.clone();
                    tokio::spawn(async move {
                        if let Err(error) = notifier.notify(&notification).await {
                            tracing::warn!(%error, rule = %notification.rule, "notification failed");
                        }
                    });
                }
                _ => {}
            }
        }
    }

    /// Whether enough events have passed since the last snapshot.
    fn snapshot_due(&self) -> bool {
        let every = self.config.snapshot_every;
        if every == 0 {
            return false;
        }
        let held = u64::try_from(self.engine.conversation_count()).unwrap_or(u64::MAX);
        let proportional = held.saturating_mul(self.config.snapshot_events_per_conversation);
        self.engine.last_seq().saturating_sub(self.last_snapshot) >= every.max(proportional)
    }

    /// Collects the periodic snapshot task if it has finished; with
    /// `wait`, waits for it. Anything that must not be overtaken by an
    /// older snapshot (a final snapshot, compaction, an erasure) waits.
    async fn collect_snapshot(&mut self, wait: bool) {
        let Some(task) = self.snapshot_in_flight.take() else {
            return;
        };
        if !wait && !task.is_finished() {
            self.snapshot_in_flight = Some(task);
            return;
        }
        if let Ok(Some(seq)) = task.await {
            self.last_snapshot = self.last_snapshot.max(seq);
        }
    }

    /// The periodic snapshot: the state is copied here (a clone costs far
    /// less than encoding it), then encoded, saved and (with a retention
    /// policy) followed by a compaction in a task of its own, so that
    /// ingest does not stall behind a large encode and write. One at a
    /// time: while one is under way, later triggers wait for it.
    async fn snapshot_in_background(&mut self) {
        self.collect_snapshot(false).await;
        if self.snapshot_in_flight.is_some() {
            return;
        }
        let seq = self.engine.last_seq();
        if seq == 0 || seq == self.last_snapshot {
            return;
        }
        let engine = self.engine.state().clone();
        let outbox = self.outbox.messages();
        let attainment = self.attainment.clone();
        let tenant = self.engine.config().tenant;
        let taken_at = self.engine.now().unwrap_or_else(|| self.clock.now());
        let now = self.now();
        let store = self.store.clone();
        let retention = self.config.retention;
        let span = tracing::debug_span!("desk.snapshot", seq);
        self.snapshot_in_flight = Some(tokio::spawn(
            async move {
                let state = DeskSnapshotRef {
                    engine: &engine,
                    outbox,
                    attainment: &attainment,
                };
                let snapshot = encode_snapshot(&state, tenant, seq, taken_at)?;
                // The copy is not needed while the store writes.
                drop(engine);
                if !store_snapshot(&*store, snapshot).await {
                    return None;
                }
                if let Some(policy) = retention {
                    match policy.apply(&*store, tenant, now).await {
                        Ok(report) => log_compaction(&report),
                        Err(error) => tracing::warn!(%error, "retention not applied"),
                    }
                }
                Some(seq)
            }
            .instrument(span),
        ));
    }

    async fn save_snapshot(&mut self) {
        self.collect_snapshot(true).await;
        let seq = self.engine.last_seq();
        if seq == 0 || seq == self.last_snapshot {
            return;
        }
        let state = DeskSnapshotRef {
            engine: self.engine.state(),
            outbox: self.outbox.messages(),
            attainment: &self.attainment,
        };
        let taken_at = self.engine.now().unwrap_or_else(|| self.clock.now());
        let Some(snapshot) = encode_snapshot(&state, self.engine.config().tenant, seq, taken_at)
        else {
            return;
        };
        if store_snapshot(&*self.store, snapshot).await {
            self.last_snapshot = seq;
        }
    }

    /// Picks every send that is due, within limits (marked in flight), and
    /// returns when the next owed send becomes due (retry or rate limit), if
    /// any, with the sends to start. A send in doubt (attempted by an
    /// earlier run without an outcome) is checked with its channel here and
    /// sent only if the channel says it is safe; the others are started by
    /// [`Desk::start_sends`] once their attempt is on disk.
    fn dispatch(&mut self) -> (Option<Instant>, Vec<OutboundId>) {
        let now = Instant::now();
        let mut in_flight = self.outbox.in_flight();
        let mut next: Option<Instant> = None;
        let later = |at: Instant, next: &mut Option<Instant>| {
            *next = Some(next.map_or(at, |n| n.min(at)));
        };
        let mut unroutable = Vec::new();
        let mut ready = Vec::new();
        for (id, entry) in self.outbox.entries.iter_mut() {
            if entry.in_flight {
                continue;
            }
            if in_flight >= self.config.max_in_flight.max(1) {
                break;
            }
            if let Some(at) = entry.not_before {
                if at > now {
                    later(at, &mut next);
                    continue;
                }
            }
            let Some(channel) = self.channels.get(&entry.message.channel) else {
                unroutable.push(*id);
                continue;
            };
            if let Some(bucket) = self.buckets.get_mut(&entry.message.channel) {
                if let Err(at) = bucket.take(now) {
                    later(at, &mut next);
                    continue;
                }
            }
            entry.in_flight = true;
            entry.attempts += 1;
            in_flight += 1;
            let Some(doubt) = entry.in_doubt.take() else {
                ready.push(*id);
                continue;
            };
            let channel = channel.clone();
            let message = entry.message.clone();
            let results = self.results_tx.clone();
            let span = tracing::debug_span!("desk.check", outbound = %message.id, channel = %message.channel);
            tokio::spawn(
                async move {
                    let outcome = match channel.check_sent(&message).await {
                        SentCheck::Delivered(receipt) => SendOutcome::Sent(Ok(receipt)),
                        // Still recorded as attempted: a crash during this
                        // send leaves it in doubt again, not resent blindly.
                        SentCheck::SafeToSend => SendOutcome::Sent(channel.send(&message).await),
                        SentCheck::Unknown(why) => SendOutcome::Unknown(format!("{doubt}; {why}")),
                    };
                    let _ = results.send((message.id, outcome)).await;
                }
                .instrument(span),
            );
        }
        for id in unroutable {
            if let Some(entry) = self.outbox.entries.get_mut(&id) {
                // Reported as a permanent failure below, once.
                entry.in_flight = true;
                let results = self.results_tx.clone();
                let error = ChannelError::Forbidden(format!(
                    "no channel configured for {}",
                    entry.message.channel
                ));
                tokio::spawn(async move {
                    let _ = results.send((id, SendOutcome::Sent(Err(error)))).await;
                });
            }
        }
        (next, ready)
    }

    /// Records that these sends are handed to the network (one durable
    /// append of their `delivery_attempted` events), then starts them. If
    /// the append fails nothing is sent: they stay owed, not in flight.
    async fn start_sends(&mut self, ready: Vec<OutboundId>) -> Result<(), DeskError> {
        if ready.is_empty() {
            return Ok(());
        }
        let mut events = Vec::with_capacity(ready.len());
        let mut attempted = Vec::with_capacity(ready.len());
        for id in ready {
            let now = self.now();
            match self
                .engine
                .handle(now, Input::DeliveryAttempt { outbound: id })
            {
                Ok(new) => {
                    self.fold(&new);
                    events.extend(new);
                    attempted.push(id);
                }
                Err(error) => {
                    // The engine no longer owes it (its conversation was archived).
                    tracing::debug!(outbound = %id, %error, "send dropped before its attempt");
                    self.outbox.entries.remove(&id);
                }
            }
        }
        let expected = self.engine.last_seq();
        self.persist_and_answer(events, vec![(0, 0, Waiting::Internal)])
            .await?;
        // After a failed append the engine is rebuilt from the store: it
        // reaches `expected` only if the attempts are on disk after all.
        let durable = self.engine.last_seq() == expected;
        for id in attempted {
            let Some(entry) = self.outbox.entries.get_mut(&id) else {
                continue;
            };
            if !durable {
                // Not sent: whatever the rebuilt engine holds, this run knows
                // the network never saw it.
                entry.in_flight = false;
                entry.in_doubt = None;
                continue;
            }
            let Some(channel) = self.channels.get(&entry.message.channel).cloned() else {
                continue;
            };
            let message = entry.message.clone();
            let results = self.results_tx.clone();
            let span = tracing::debug_span!("desk.send", outbound = %message.id, channel = %message.channel, attempt = entry.attempts);
            tokio::spawn(
                async move {
                    let result = channel.send(&message).await;
                    let _ = results.send((message.id, SendOutcome::Sent(result))).await;
                }
                .instrument(span),
            );
        }
        Ok(())
    }

    /// Records send outcomes as delivery reports and schedules retries.
    async fn record_results(&mut self, results: Vec<SendResult>) -> Result<(), DeskError> {
        let mut inputs = Vec::with_capacity(results.len());
        for (id, result) in results {
            let Some(entry) = self.outbox.entries.get_mut(&id) else {
                continue;
            };
            entry.in_flight = false;
            let result = match result {
                SendOutcome::Sent(result) => result,
                SendOutcome::Unknown(reason) => {
                    metrics::counter!("caredesk_sends_total", "outcome" => "unknown").increment(1);
                    tracing::warn!(outbound = %id, %reason, "send outcome unknown; not resent");
                    inputs.push(Input::DeliveryReport {
                        outbound: id,
                        outcome: DeliveryOutcome::Unknown { reason },
                    });
                    continue;
                }
            };
            if let Err(ChannelError::Unconfirmed(why)) = &result {
                // The network may have it: no outcome is recorded (to the
                // engine it stays attempted, so a crash now leaves it in
                // doubt too) and the next try asks the channel first.
                metrics::counter!("caredesk_sends_total", "outcome" => "unconfirmed").increment(1);
                tracing::warn!(outbound = %id, reason = %why, "send unconfirmed; checked with the channel before any resend");
                entry.in_doubt = Some(format!(
                    "handed to {} and its answer was lost ({why})",
                    entry.message.channel
                ));
                entry.not_before = Some(Instant::now() + self.backoff.delay(entry.attempts));
                continue;
            }
            let outcome = match result {
                Ok(receipt) => {
                    metrics::counter!("caredesk_sends_total", "outcome" => "delivered")
                        .increment(1);
                    DeliveryOutcome::Delivered {
                        external_id: receipt.external_id.into(),
                    }
                }
                Err(error) => {
                    let permanent = error.is_permanent();
                    metrics::counter!("caredesk_sends_total", "outcome" => if permanent { "failed" } else { "retry" }).increment(1);
                    if !permanent {
                        let backoff = self.backoff.delay(entry.attempts);
                        let hinted = match &error {
                            ChannelError::RateLimited {
                                retry_at: Some(retry_at),
                            } => (*retry_at - self.clock.now()).to_std().ok(),
                            _ => None,
                        };
                        entry.not_before =
                            Some(Instant::now() + hinted.map_or(backoff, |h| h.max(backoff)));
                    }
                    tracing::debug!(outbound = %id, %error, permanent, "send failed");
                    DeliveryOutcome::Failed {
                        reason: error.to_string(),
                        permanent,
                    }
                }
            };
            inputs.push(Input::DeliveryReport {
                outbound: id,
                outcome,
            });
        }
        self.handle_internal(inputs).await
    }
}

/// The stored form of a desk snapshot at `seq`; `None` (logged) when it
/// cannot be encoded.
fn encode_snapshot(
    state: &DeskSnapshotRef<'_>,
    tenant: crate::model::TenantId,
    seq: u64,
    taken_at: DateTime<Utc>,
) -> Option<Snapshot> {
    match serde_json::to_vec(state) {
        Ok(bytes) => Some(Snapshot {
            tenant,
            seq,
            schema: CURRENT_SCHEMA,
            taken_at,
            state: bytes,
        }),
        Err(error) => {
            tracing::warn!(%error, "snapshot could not be encoded");
            None
        }
    }
}

/// Saves a snapshot; whether it was saved (a failure is logged: the log
/// still holds everything).
async fn store_snapshot(store: &dyn EventStore, snapshot: Snapshot) -> bool {
    let seq = snapshot.seq;
    match store.save_snapshot(snapshot).await {
        Ok(()) => {
            metrics::counter!("caredesk_snapshots_total").increment(1);
            true
        }
        Err(error) => {
            tracing::warn!(%error, seq, "snapshot not saved");
            false
        }
    }
}

fn log_compaction(report: &CompactReport) {
    if report.events_removed > 0 {
        metrics::counter!("caredesk_events_compacted_total").increment(report.events_removed);
        tracing::info!(
            through = report.compacted_through,
            removed = report.events_removed,
            "log compacted"
        );
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn _assert_send(desk: Desk) -> impl Send {
    desk.run(mpsc::channel(1).1)
}
