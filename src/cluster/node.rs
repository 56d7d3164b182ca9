//! A node: one process (or one part of a test) that can own tenants.
//!
//! Each tenant a node serves gets a worker task that, every
//! [`LeaseTiming::renew_every`], takes or renews the tenant's lease
//! ([`LeaseTable::acquire_or_renew`]). While the node holds it, the worker
//! runs the tenant's [`Desk`] on a store handle fenced with the lease epoch
//! ([`PostgresEventStore::with_lease`]) and a pump that drains the tenant's
//! inbox into it, woken by LISTEN/NOTIFY and, as a fallback, every
//! [`NodeConfig::poll_every`]. When the lease is lost (another node holds a
//! newer epoch) or cannot be renewed in time, the worker aborts the desk and
//! the pump at once: the node stops writing. A new owner's desk starts from
//! the latest snapshot plus the tail and retries the sends still owed.
//!
//! [`Node::shutdown`] hands tenants over gracefully (desk drained and
//! snapshotted, lease released so another node takes over at once);
//! dropping a [`Node`] aborts everything as a crash would, and the tenants
//! move once their leases lapse.

use super::inbox::{Inbox, InboxReceipt};
use super::lease::{Held, LeaseStatus, LeaseTable, LeaseTiming};
use super::{ClusterError, NodeId};
use crate::channel::Channel;
use crate::desk::{Clock, Desk, DeskConfig, DeskError, DeskHandle, DeskStatus};
use crate::engine::EngineConfig;
use crate::model::{InboundMessage, TenantId};
use crate::store::postgres::{PostgresEventStore, POSTGRES_SCHEMA_VERSION};
use crate::store::{EventStore, StoreError};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tokio_postgres::AsyncMessage;

/// Settings of a [`Node`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// This node's name, unique among the nodes sharing the database.
    pub node: NodeId,
    /// Lease length and renewal.
    pub lease: LeaseTiming,
    /// How often the inbox is checked without a notification (a fallback
    /// for notifications missed while the LISTEN connection was down).
    pub poll_every: Duration,
    /// Most inbox messages claimed and ingested together.
    pub drain_batch: usize,
    /// Settings of each tenant's desk.
    pub desk: DeskConfig,
}

impl NodeConfig {
    /// Defaults for a node called `node`: [`LeaseTiming::default`], a poll
    /// every second, batches of 256, [`DeskConfig::default`].
    pub fn new(node: NodeId) -> Self {
        NodeConfig {
            node,
            lease: LeaseTiming::default(),
            poll_every: Duration::from_secs(1),
            drain_batch: 256,
            desk: DeskConfig::default(),
        }
    }
}

/// A tenant a node can own: how to build its engine configuration and the
/// brand accounts its desk sends through.
#[derive(Clone)]
pub struct TenantSetup {
    tenant: TenantId,
    make_config: Arc<dyn Fn() -> EngineConfig + Send + Sync>,
    channels: Vec<Arc<dyn Channel>>,
}

impl std::fmt::Debug for TenantSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantSetup")
            .field("tenant", &self.tenant)
            .field("channels", &self.channels.len())
            .finish()
    }
}

impl TenantSetup {
    /// A tenant whose engine `make_config` configures (the tenant is taken
    /// from it), sending through `channels`.
    pub fn new(
        make_config: impl Fn() -> EngineConfig + Send + Sync + 'static,
        channels: Vec<Arc<dyn Channel>>,
    ) -> Self {
        let tenant = make_config().tenant;
        TenantSetup {
            tenant,
            make_config: Arc::new(make_config),
            channels,
        }
    }

    /// The tenant.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }
}

/// What a node owns now: the epoch and the desk of each tenant it runs.
#[derive(Debug, Clone)]
struct Ownership {
    epoch: u64,
    desk: DeskHandle,
}

type OwnershipMap = Arc<Mutex<BTreeMap<TenantId, Ownership>>>;

fn lock(map: &OwnershipMap) -> std::sync::MutexGuard<'_, BTreeMap<TenantId, Ownership>> {
    // Each update is a single insert or remove: a poisoned map is consistent.
    map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Aborts a task when dropped, so a worker that dies takes its desk along.
struct AbortOnDrop<T>(Option<JoinHandle<T>>);

impl<T> AbortOnDrop<T> {
    fn new(handle: JoinHandle<T>) -> Self {
        AbortOnDrop(Some(handle))
    }

    fn abort(&self) {
        if let Some(handle) = &self.0 {
            handle.abort();
        }
    }

    fn is_finished(&self) -> bool {
        self.0.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// The handle, no longer aborted on drop.
    fn disarm(mut self) -> Option<JoinHandle<T>> {
        self.0.take()
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.abort();
    }
}

/// One node of a desk that runs across several; see the
/// [module documentation](self).
///
/// ```no_run
/// use caredesk::channel::{Channel, MemoryChannel};
/// use caredesk::cluster::{Node, NodeConfig, NodeId, TenantSetup};
/// use caredesk::desk::SystemClock;
/// use caredesk::engine::EngineConfig;
/// use caredesk::model::*;
/// use caredesk::store::postgres::{PostgresEventStore, PostgresOptions};
/// use std::sync::Arc;
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let x = ChannelRef::new(ChannelKind::X, "@KLM");
/// let tenant = TenantId::from_uuid(uuid::Uuid::from_u128(1));
/// let make_config = { let x = x.clone(); move || EngineConfig::new(tenant).with_channel(x.clone(), None) };
/// let channel: Arc<dyn Channel> = Arc::new(MemoryChannel::new(x.clone()));
/// let store = PostgresEventStore::connect("postgres://postgres@127.0.0.1:5432/test",
///     PostgresOptions::default()).await?;
/// let node = Node::start(store, Arc::new(SystemClock), NodeConfig::new(NodeId::new("node-1")),
///     vec![TenantSetup::new(make_config, vec![channel])]).await?;
/// // A webhook handler on any node:
/// let message = InboundMessage::new(x, "1861", Identity::new(ChannelKind::X, "@anna"),
///     Visibility::Public, "@KLM where is my bag?", chrono::Utc::now());
/// node.receive(tenant, &message).await?;
/// node.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Node {
    id: NodeId,
    inbox: Inbox,
    clock: Arc<dyn Clock>,
    owned: OwnershipMap,
    workers: JoinSet<()>,
    listener: AbortOnDrop<()>,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("id", &self.id)
            .field("owned", &self.owned())
            .finish_non_exhaustive()
    }
}

struct Context {
    id: NodeId,
    store: PostgresEventStore,
    leases: LeaseTable,
    inbox: Inbox,
    clock: Arc<dyn Clock>,
    config: NodeConfig,
    owned: OwnershipMap,
}

impl Node {
    /// Starts a node on the database behind `store` that competes for the
    /// leases of `tenants`, on the current tokio runtime. `clock` gives the
    /// time for leases and desks.
    ///
    /// # Errors
    /// [`ClusterError::Store`] when the database cannot be reached or lacks
    /// this crate's migrations. Later failures are retried by the node's
    /// tasks.
    pub async fn start(
        store: PostgresEventStore,
        clock: Arc<dyn Clock>,
        config: NodeConfig,
        tenants: Vec<TenantSetup>,
    ) -> Result<Node, ClusterError> {
        let version = store.schema_version().await?;
        if version < POSTGRES_SCHEMA_VERSION {
            return Err(ClusterError::Store(StoreError::Backend(format!(
                "the database is at schema {version}, the cluster needs {POSTGRES_SCHEMA_VERSION}: run PostgresEventStore::migrate"
            ))));
        }
        let inbox = Inbox::new(&store);
        let owned: OwnershipMap = Arc::default();
        let wakers: BTreeMap<TenantId, Arc<Notify>> = tenants
            .iter()
            .map(|setup| (setup.tenant, Arc::new(Notify::new())))
            .collect();
        let (stop, stopped) = watch::channel(false);
        let context = Arc::new(Context {
            id: config.node.clone(),
            leases: LeaseTable::new(&store),
            inbox: inbox.clone(),
            store: store.clone(),
            clock: clock.clone(),
            config: config.clone(),
            owned: owned.clone(),
        });
        let listener = AbortOnDrop::new(tokio::spawn(listen(
            store.connection_config().clone(),
            inbox.channel().to_string(),
            wakers.clone(),
        )));
        let mut workers = JoinSet::new();
        for setup in tenants {
            let wake = wakers
                .get(&setup.tenant)
                .cloned()
                .unwrap_or_else(|| Arc::new(Notify::new()));
            workers.spawn(run_tenant(context.clone(), setup, wake, stopped.clone()));
        }
        Ok(Node {
            id: config.node,
            inbox,
            clock,
            owned,
            workers,
            listener,
            stop,
        })
    }

    /// This node's name.
    pub fn id(&self) -> &NodeId {
        &self.id
    }

    /// Receives an inbound message for `tenant` at this node, whoever owns
    /// the tenant: it is stored in the inbox and the owner is woken. Returns
    /// once stored.
    ///
    /// # Errors
    /// [`ClusterError::Store`] when the inbox could not be written (the
    /// sender should retry: the inbox keeps one copy per external id).
    pub async fn receive(
        &self,
        tenant: TenantId,
        message: &InboundMessage,
    ) -> Result<InboxReceipt, ClusterError> {
        self.inbox
            .push(tenant, message, &self.id, self.clock.now())
            .await
    }

    /// The tenants this node owns now, with their lease epochs.
    pub fn owned(&self) -> Vec<(TenantId, u64)> {
        lock(&self.owned)
            .iter()
            .map(|(tenant, ownership)| (*tenant, ownership.epoch))
            .collect()
    }

    /// The running desk of `tenant`, if this node owns it now.
    pub fn desk(&self, tenant: TenantId) -> Option<DeskHandle> {
        lock(&self.owned)
            .get(&tenant)
            .map(|ownership| ownership.desk.clone())
    }

    /// Hands every tenant over gracefully: stops the inbox pumps, shuts the
    /// desks down (drained and snapshotted) and releases the leases.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.workers.join_next().await.is_some() {}
        self.listener.abort();
    }
}

/// Keeps a LISTEN connection open and wakes the pumps of the tenants named
/// in notifications; reconnects after failures (the pumps poll meanwhile).
async fn listen(
    config: tokio_postgres::Config,
    channel: String,
    wakers: BTreeMap<TenantId, Arc<Notify>>,
) {
    let wake_all = || {
        for waker in wakers.values() {
            waker.notify_one();
        }
    };
    loop {
        match config.connect(tokio_postgres::NoTls).await {
            Ok((client, mut connection)) => {
                let messages = async {
                    loop {
                        match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                            Some(Ok(AsyncMessage::Notification(note))) => {
                                let tenant = note
                                    .payload()
                                    .parse::<uuid::Uuid>()
                                    .ok()
                                    .map(TenantId::from_uuid);
                                if let Some(waker) = tenant.and_then(|t| wakers.get(&t)) {
                                    waker.notify_one();
                                }
                            }
                            Some(Ok(_)) => {}
                            Some(Err(error)) => {
                                tracing::warn!(%error, "inbox listener connection failed");
                                return;
                            }
                            None => return,
                        }
                    }
                };
                let subscribe = async {
                    // The channel name is made of letters, digits and `_`.
                    match client.batch_execute(&format!("LISTEN \"{channel}\"")).await {
                        Ok(()) => {
                            // Messages may have arrived while not listening.
                            wake_all();
                            std::future::pending::<()>().await;
                        }
                        Err(error) => tracing::warn!(%error, "LISTEN failed"),
                    }
                };
                tokio::select! {
                    () = messages => {}
                    () = subscribe => {}
                }
            }
            Err(error) => tracing::warn!(%error, "inbox listener cannot connect"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// A tenant this node runs now.
struct Owned {
    held: Held,
    desk: DeskHandle,
    desk_task: AbortOnDrop<Result<DeskStatus, DeskError>>,
    pump: AbortOnDrop<()>,
}

impl Owned {
    fn finished(&self) -> bool {
        self.desk_task.is_finished()
    }

    /// Stops gracefully: no more inbox work, desk drained and snapshotted.
    async fn stop(self) {
        self.pump.abort();
        let _ = self.desk.shutdown().await;
        if let Some(task) = self.desk_task.disarm() {
            let _ = task.await;
        }
    }
}

/// Whole milliseconds from `now` to `at` (zero when past), as a std duration.
fn until(now: DateTime<Utc>, at: DateTime<Utc>) -> Duration {
    (at - now).to_std().unwrap_or(Duration::ZERO)
}

async fn start_owned(
    context: &Context,
    setup: &TenantSetup,
    held: Held,
    wake: Arc<Notify>,
) -> Result<Owned, ClusterError> {
    let store: Arc<dyn EventStore> = Arc::new(context.store.with_lease(setup.tenant, held.epoch));
    let make_config = setup.make_config.clone();
    let (desk, task) = Desk::start(
        move || make_config(),
        store,
        setup.channels.clone(),
        context.clock.clone(),
        context.config.desk.clone(),
    )
    .await?;
    let pump = tokio::spawn(pump(
        context.inbox.clone(),
        setup.tenant,
        desk.clone(),
        context.id.clone(),
        context.config.drain_batch,
        wake,
        context.config.poll_every,
    ));
    Ok(Owned {
        held,
        desk,
        desk_task: AbortOnDrop::new(task),
        pump: AbortOnDrop::new(pump),
    })
}

/// Drains the tenant's inbox into its desk until aborted.
async fn pump(
    inbox: Inbox,
    tenant: TenantId,
    desk: DeskHandle,
    me: NodeId,
    batch: usize,
    wake: Arc<Notify>,
    poll_every: Duration,
) {
    loop {
        match inbox.drain(tenant, &desk, &me, batch).await {
            Ok(drained) if drained.claimed >= batch.max(1) => continue,
            Ok(_) => {}
            Err(ClusterError::Desk(DeskError::Stopped)) => return,
            Err(error) => {
                // Fenced off or the database is away: the lease loop decides.
                tracing::warn!(%error, %tenant, "inbox drain failed");
            }
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(poll_every) => {}
        }
    }
}

/// Competes for one tenant's lease and runs its desk while holding it.
async fn run_tenant(
    context: Arc<Context>,
    setup: TenantSetup,
    wake: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    let tenant = setup.tenant;
    let timing = context.config.lease;
    let renew_every = timing
        .renew_every
        .to_std()
        .unwrap_or(Duration::from_secs(1));
    let mut owned: Option<Owned> = None;
    loop {
        let now = context.clock.now();
        let attempt = tokio::time::timeout(
            renew_every,
            context
                .leases
                .acquire_or_renew(tenant, &context.id, now, &timing),
        )
        .await
        .unwrap_or_else(|_| {
            Err(ClusterError::Store(StoreError::Backend(
                "lease renewal timed out".into(),
            )))
        });
        let mut wait = renew_every;
        match attempt {
            Ok(LeaseStatus::Held(held)) => {
                let running = owned
                    .as_ref()
                    .is_some_and(|o| o.held.epoch == held.epoch && !o.finished());
                if running {
                    if let Some(o) = owned.as_mut() {
                        o.held = held;
                    }
                } else {
                    // A new epoch (or a desk that ended): start afresh.
                    if owned.take().is_some() {
                        lock(&context.owned).remove(&tenant);
                    }
                    match start_owned(&context, &setup, held, wake.clone()).await {
                        Ok(started) => {
                            tracing::info!(node = %context.id, %tenant, epoch = held.epoch, "took the tenant over");
                            lock(&context.owned).insert(
                                tenant,
                                Ownership {
                                    epoch: held.epoch,
                                    desk: started.desk.clone(),
                                },
                            );
                            owned = Some(started);
                        }
                        Err(error) => {
                            tracing::warn!(%error, %tenant, "could not start the desk");
                        }
                    }
                }
            }
            Ok(LeaseStatus::Elsewhere { owner, until: at }) => {
                if owned.take().is_some() {
                    // Dropping aborts the desk and the pump: stop writing now.
                    lock(&context.owned).remove(&tenant);
                    tracing::warn!(node = %context.id, %tenant, ?owner, "lease lost; stopped writing");
                }
                let to_expiry = until(now, at) + Duration::from_millis(1);
                wait = wait.min(to_expiry);
            }
            Err(error) => {
                tracing::warn!(%error, %tenant, "lease check failed");
                let now = context.clock.now();
                if let Some(o) = &owned {
                    if !o.held.may_write(now, &timing) {
                        owned = None;
                        lock(&context.owned).remove(&tenant);
                        tracing::warn!(node = %context.id, %tenant, "lease could not be renewed in time; stopped writing");
                    } else {
                        let deadline = o.held.expires_at - timing.margin;
                        wait = wait.min(until(now, deadline));
                    }
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            changed = stopped.changed() => {
                if changed.is_err() || *stopped.borrow() {
                    if let Some(o) = owned.take() {
                        lock(&context.owned).remove(&tenant);
                        let epoch = o.held.epoch;
                        o.stop().await;
                        if let Err(error) = context.leases.release(tenant, &context.id, epoch).await {
                            tracing::warn!(%error, %tenant, "lease not released; it lapses on its own");
                        }
                    }
                    return;
                }
            }
        }
    }
}
