//! Event stores at the edge: the async [`EventStore`] trait and
//! [`MemoryEventStore`].
//!
//! Streams are per tenant. [`EventStore::append`] is durable before it
//! returns `Ok`, uses optimistic concurrency (the caller says which sequence
//! number it believes is last; a mismatch is [`StoreError::Conflict`], which
//! is also how a stale writer is fenced off), and is idempotent per batch (a
//! repeated [`IdempotencyKey`] returns the original outcome and writes
//! nothing). SQLite (feature `sqlite`) and PostgreSQL (feature `postgres`)
//! stores live behind features; every store must pass [`conformance::run`].
//!
//! Retention: [`EventStore::compact`] removes a stream's oldest events once a
//! snapshot covers them (see [`retention`] for choosing how far by age). The
//! stream keeps its numbering: [`EventStore::last_seq`] is unchanged,
//! [`EventStore::compacted_through`] says where the retained log starts, and
//! reading before that point is [`StoreError::Compacted`] — never a silent
//! partial log, because a replay from seq 1 of a compacted stream would build
//! a wrong state. A restart loads the latest snapshot (always at or after
//! the compacted point) and replays the tail.

pub mod conformance;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod retention;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use crate::engine::Event;
use crate::model::TenantId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Names one append, so a retried append is recognised and not written twice.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdempotencyKey(pub String);

impl IdempotencyKey {
    /// A key from any text (e.g. `"inbound:x:1861234567890"`).
    pub fn new(key: impl Into<String>) -> Self {
        IdempotencyKey(key.into())
    }
}

/// Events to append together, all or nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppendBatch {
    /// Names this append.
    pub idempotency_key: IdempotencyKey,
    /// The events, with consecutive sequence numbers following the stream's last.
    pub events: Vec<Event>,
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AppendOutcome {
    /// Sequence number of the first event of the batch.
    pub first_seq: u64,
    /// Sequence number of the last event of the batch.
    pub last_seq: u64,
    /// Whether the key had been appended before (nothing was written now).
    pub duplicate: bool,
}

/// The engine state serialised at a sequence number, so a restart loads it
/// and replays only the events after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The tenant.
    pub tenant: TenantId,
    /// The last event folded into the state.
    pub seq: u64,
    /// The event schema the state was built with.
    pub schema: u16,
    /// When it was taken (engine time).
    pub taken_at: DateTime<Utc>,
    /// The serialised `EngineState` (JSON).
    pub state: Vec<u8>,
}

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The stream's last sequence number is not what the caller expected:
    /// another writer got there first (or this writer is stale). Reload and
    /// retry, or stop writing if ownership was lost.
    #[error("append conflict: expected last seq {expected}, stream is at {actual}")]
    Conflict {
        /// What the caller expected.
        expected: u64,
        /// What the stream holds.
        actual: u64,
    },
    /// The batch is malformed (empty, wrong tenant, sequence numbers that do
    /// not follow `expected_last_seq`). A caller bug: fix the batch.
    #[error("invalid batch: {0}")]
    InvalidBatch(String),
    /// A stored event or snapshot could not be read; nothing after `seq` is
    /// returned silently.
    #[error("corrupt record at seq {seq}: {reason}")]
    Corrupt {
        /// Where.
        seq: u64,
        /// What was wrong.
        reason: String,
    },
    /// The store was written by a newer version of caredesk.
    #[error("store schema {found} is newer than this crate supports ({supported})")]
    SchemaTooNew {
        /// Found.
        found: u32,
        /// Supported.
        supported: u32,
    },
    /// The disk is full: nothing was written. Free space and retry.
    #[error("disk full")]
    DiskFull,
    /// The writer's lease epoch is not the tenant's current one: another
    /// node has taken the tenant over (or the writer never held the lease).
    /// Nothing was written. Stop writing for this tenant; its new owner
    /// carries on. (Stores without leases never return it.)
    #[error("fenced off: the writer holds lease epoch {epoch}, the tenant's lease is at epoch {current}")]
    Fenced {
        /// The epoch the writer holds (0: none).
        epoch: u64,
        /// The lease's current epoch (0: no lease).
        current: u64,
    },
    /// The store handle is scoped to one tenant and was asked to read or
    /// write another's stream. Nothing was read or written: a caller bug.
    #[error("this store handle is scoped to tenant {scope}, not {tenant}")]
    OtherTenant {
        /// The tenant the handle serves.
        scope: TenantId,
        /// The tenant asked for.
        tenant: TenantId,
    },
    /// Any other backend failure (IO, connection); usually worth a retry.
    #[error("store backend: {0}")]
    Backend(String),
    /// The events asked for were removed by [`EventStore::compact`]: read
    /// from `first_retained` on, starting from the latest snapshot.
    #[error("events before seq {first_retained} were compacted (asked for seq {requested})")]
    Compacted {
        /// The first sequence number asked for.
        requested: u64,
        /// The first sequence number still stored.
        first_retained: u64,
    },
    /// A compaction through `through_seq` was asked for but no snapshot at or
    /// after it is stored, so the removed events could not be rebuilt: save
    /// a snapshot first.
    #[error("no snapshot at or after seq {through_seq} to compact into")]
    SnapshotRequired {
        /// The compaction point asked for.
        through_seq: u64,
    },
    /// The store does not implement this operation (e.g. compaction in a
    /// store written before it existed).
    #[error("not supported by this store: {0}")]
    Unsupported(&'static str),
}

/// What [`EventStore::compact`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct CompactReport {
    /// The stream's compacted point after the call (events up to and
    /// including it are gone).
    pub compacted_through: u64,
    /// Events removed by this call (0 when the stream was already compacted
    /// that far).
    pub events_removed: u64,
    /// Snapshots removed because they were older than the compacted point
    /// (they could no longer be completed by a tail).
    pub snapshots_removed: u64,
}

/// How many snapshots a store keeps per tenant: the latest, and the one
/// before it in case the latest cannot be read.
pub const SNAPSHOTS_KEPT: usize = 2;

/// A durable, per-tenant, append-only log of events with snapshots.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Appends a batch after `expected_last_seq`, durably.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the stream is not at `expected_last_seq`
    /// (checked after the idempotency key, so a retried append still returns
    /// its original outcome), [`StoreError::InvalidBatch`] for a malformed
    /// batch, backend errors.
    async fn append(
        &self,
        tenant: TenantId,
        expected_last_seq: u64,
        batch: AppendBatch,
    ) -> Result<AppendOutcome, StoreError>;

    /// Up to `limit` events with sequence numbers from `from_seq` on, in order.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for an unreadable event, backend errors.
    async fn read_from(
        &self,
        tenant: TenantId,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError>;

    /// The last sequence number of the stream (0 when empty).
    ///
    /// # Errors
    /// Backend errors.
    async fn last_seq(&self, tenant: TenantId) -> Result<u64, StoreError>;

    /// Stores a snapshot. A store keeps the [`SNAPSHOTS_KEPT`] latest
    /// snapshots of a tenant and removes older ones as newer ones arrive
    /// (a snapshot is a shortcut; the log holds everything), so a desk that
    /// snapshots often does not fill the disk with old copies of its state.
    ///
    /// # Errors
    /// [`StoreError::InvalidBatch`] for a snapshot past the stream's end, backend errors.
    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<(), StoreError>;

    /// The snapshot with the highest sequence number, if any.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], backend errors.
    async fn load_latest_snapshot(&self, tenant: TenantId) -> Result<Option<Snapshot>, StoreError>;

    /// The last sequence number removed by [`EventStore::compact`] (0 when
    /// nothing was): the retained log starts at the next one.
    ///
    /// The default (for stores without compaction) is always 0.
    ///
    /// # Errors
    /// Backend errors.
    async fn compacted_through(&self, tenant: TenantId) -> Result<u64, StoreError> {
        let _ = tenant;
        Ok(0)
    }

    /// Removes the events with sequence numbers up to and including
    /// `through_seq` (retention), atomically. A snapshot at or after
    /// `through_seq` must be stored already, so a restart can still rebuild
    /// the state: the latest snapshot plus the retained tail. Snapshots
    /// before `through_seq` are removed too (their tail is gone), as are the
    /// idempotency keys of batches that lay wholly in the removed part (a
    /// retry of such a batch is then judged by its expected sequence number:
    /// a [`StoreError::Conflict`]). Sequence numbers stay as they were:
    /// [`EventStore::last_seq`] and appends are unaffected, even when every
    /// event was removed. Compacting through a point at or before the
    /// current one changes nothing. Reads from before the compacted point
    /// answer [`StoreError::Compacted`]. Stores should also make the removed
    /// rows unrecoverable from their files (personal data).
    ///
    /// # Errors
    /// [`StoreError::SnapshotRequired`] when no snapshot covers
    /// `through_seq`, [`StoreError::InvalidBatch`] when `through_seq` is past
    /// the stream end, [`StoreError::Unsupported`] from stores without
    /// compaction (the default), backend errors. Nothing is removed on error.
    async fn compact(
        &self,
        tenant: TenantId,
        through_seq: u64,
    ) -> Result<CompactReport, StoreError> {
        let _ = (tenant, through_seq);
        Err(StoreError::Unsupported("compaction"))
    }
}

fn _assert_store_object_safe(_: &dyn EventStore) {}

/// Reads a whole stream from `from_seq` on, page by page.
///
/// # Errors
/// The first error the store returns.
pub async fn read_all(
    store: &dyn EventStore,
    tenant: TenantId,
    from_seq: u64,
) -> Result<Vec<Event>, StoreError> {
    const PAGE: usize = 10_000;
    let mut events = Vec::new();
    let mut next = from_seq.max(1);
    loop {
        let page = store.read_from(tenant, next, PAGE).await?;
        let full = page.len() == PAGE;
        if let Some(last) = page.last() {
            next = last.seq + 1;
        }
        events.extend(page);
        if !full {
            return Ok(events);
        }
    }
}

/// Checks a batch against the stream end; shared by the stores.
pub(crate) fn validate_batch(
    tenant: TenantId,
    expected_last_seq: u64,
    batch: &AppendBatch,
) -> Result<(), StoreError> {
    if batch.events.is_empty() {
        return Err(StoreError::InvalidBatch("batch has no events".into()));
    }
    for (offset, event) in batch.events.iter().enumerate() {
        if event.tenant != tenant {
            return Err(StoreError::InvalidBatch(format!(
                "event {} belongs to tenant {}",
                event.seq, event.tenant
            )));
        }
        let wanted = expected_last_seq + 1 + offset as u64;
        if event.seq != wanted {
            return Err(StoreError::InvalidBatch(format!(
                "event has seq {}, expected {wanted}",
                event.seq
            )));
        }
    }
    Ok(())
}

#[derive(Debug, Default)]
struct Stream {
    /// The last compacted seq: `events[i].seq == compacted + 1 + i`.
    compacted: u64,
    events: Vec<Event>,
    appended: BTreeMap<IdempotencyKey, AppendOutcome>,
    snapshots: Vec<Snapshot>,
}

/// An event store in memory: for tests, examples and simulations.
#[derive(Debug, Default)]
pub struct MemoryEventStore {
    streams: Mutex<BTreeMap<TenantId, Stream>>,
}

impl MemoryEventStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<TenantId, Stream>> {
        // Every mutation below completes or does nothing, so the data behind
        // a poisoned lock is still consistent.
        self.streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl EventStore for MemoryEventStore {
    async fn append(
        &self,
        tenant: TenantId,
        expected_last_seq: u64,
        batch: AppendBatch,
    ) -> Result<AppendOutcome, StoreError> {
        let mut streams = self.lock();
        let stream = streams.entry(tenant).or_default();
        if let Some(outcome) = stream.appended.get(&batch.idempotency_key) {
            return Ok(AppendOutcome {
                duplicate: true,
                ..*outcome
            });
        }
        let actual = stream.last_seq();
        if actual != expected_last_seq {
            return Err(StoreError::Conflict {
                expected: expected_last_seq,
                actual,
            });
        }
        validate_batch(tenant, expected_last_seq, &batch)?;
        let outcome = AppendOutcome {
            first_seq: expected_last_seq + 1,
            last_seq: expected_last_seq + batch.events.len() as u64,
            duplicate: false,
        };
        stream.events.extend(batch.events);
        stream.appended.insert(batch.idempotency_key, outcome);
        Ok(outcome)
    }

    async fn read_from(
        &self,
        tenant: TenantId,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let streams = self.lock();
        let Some(stream) = streams.get(&tenant) else {
            return Ok(Vec::new());
        };
        let from_seq = from_seq.max(1);
        if from_seq <= stream.compacted {
            return Err(StoreError::Compacted {
                requested: from_seq,
                first_retained: stream.compacted + 1,
            });
        }
        let start = usize::try_from(from_seq - 1 - stream.compacted).unwrap_or(usize::MAX);
        Ok(stream
            .events
            .iter()
            .skip(start)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn last_seq(&self, tenant: TenantId) -> Result<u64, StoreError> {
        Ok(self.lock().get(&tenant).map_or(0, Stream::last_seq))
    }

    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<(), StoreError> {
        let mut streams = self.lock();
        let stream = streams.entry(snapshot.tenant).or_default();
        let last = stream.last_seq();
        if snapshot.seq > last {
            return Err(StoreError::InvalidBatch(format!(
                "snapshot at seq {} is past the stream end {last}",
                snapshot.seq
            )));
        }
        stream.snapshots.retain(|s| s.seq != snapshot.seq);
        stream.snapshots.push(snapshot);
        stream.snapshots.sort_by_key(|s| s.seq);
        let surplus = stream.snapshots.len().saturating_sub(SNAPSHOTS_KEPT);
        stream.snapshots.drain(..surplus);
        Ok(())
    }

    async fn load_latest_snapshot(&self, tenant: TenantId) -> Result<Option<Snapshot>, StoreError> {
        Ok(self
            .lock()
            .get(&tenant)
            .and_then(|stream| stream.snapshots.last().cloned()))
    }

    async fn compacted_through(&self, tenant: TenantId) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .get(&tenant)
            .map_or(0, |stream| stream.compacted))
    }

    async fn compact(
        &self,
        tenant: TenantId,
        through_seq: u64,
    ) -> Result<CompactReport, StoreError> {
        let mut streams = self.lock();
        let stream = streams.entry(tenant).or_default();
        let last = stream.last_seq();
        if through_seq > last {
            return Err(StoreError::InvalidBatch(format!(
                "cannot compact through seq {through_seq}: the stream ends at {last}"
            )));
        }
        if through_seq <= stream.compacted {
            return Ok(CompactReport {
                compacted_through: stream.compacted,
                ..CompactReport::default()
            });
        }
        if !stream.snapshots.iter().any(|s| s.seq >= through_seq) {
            return Err(StoreError::SnapshotRequired { through_seq });
        }
        let removed = usize::try_from(through_seq - stream.compacted).unwrap_or(usize::MAX);
        stream.events.drain(..removed.min(stream.events.len()));
        let snapshots = stream.snapshots.len();
        stream.snapshots.retain(|s| s.seq >= through_seq);
        stream
            .appended
            .retain(|_, outcome| outcome.last_seq > through_seq);
        stream.compacted = through_seq;
        Ok(CompactReport {
            compacted_through: through_seq,
            events_removed: removed as u64,
            snapshots_removed: (snapshots - stream.snapshots.len()) as u64,
        })
    }
}

impl Stream {
    fn last_seq(&self) -> u64 {
        self.events.last().map_or(self.compacted, |e| e.seq)
    }
}
