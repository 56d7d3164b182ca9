//! A durable [`EventStore`] in one SQLite file (feature `sqlite`).
//!
//! [`SqliteEventStore`] keeps every tenant's stream in a single database
//! file in WAL mode. The [`EventStore`] trait is async but SQLite is
//! blocking, so the store runs two threads of its own, each with its own
//! connection: a *writer* that owns every append and snapshot, and a *reader*
//! for replays. Callers send requests over a channel and await a one-shot
//! answer, so the store works under any executor (tokio, `futures`'
//! `block_on`, or none), never blocks an async worker thread, and needs no
//! runtime feature. (A `spawn_blocking` per call would tie the store to
//! tokio and would give up the group commit below.)
//!
//! Group commit: the writer takes every append that is queued when it wakes
//! (up to [`SqliteOptions::max_group`]), runs them in one transaction in
//! arrival order (each checked against its idempotency key and expected
//! sequence number as if alone) and answers each caller after the single
//! commit. Concurrent appends therefore share one fsync instead of paying
//! one each.
//!
//! Durability: an append returns only after its transaction committed with
//! the configured [`Synchronous`] level. The default, [`Synchronous::Full`],
//! syncs the WAL on every commit, so an acknowledged append survives a
//! process crash *and* a power loss. [`Synchronous::Normal`] syncs only at
//! checkpoints: in WAL mode that still survives a process crash (the WAL is
//! in the OS page cache) but the last commits may be lost on power loss.
//!
//! Schema: `PRAGMA user_version` holds the number of migrations applied; a
//! file written by a newer crate is refused with [`StoreError::SchemaTooNew`].
//! Events are stored one row each as JSON (`Event::to_json`) and read back
//! with [`Event::from_json`], which upgrades older event schemas; an
//! unreadable row is reported as [`StoreError::Corrupt`] with its sequence
//! number, and nothing after it is returned.
//!
//! Compaction ([`EventStore::compact`]) deletes the oldest rows of a tenant
//! and records the compacted point in a table of its own, so a missing
//! prefix is told apart from corruption: reads before it answer
//! [`StoreError::Compacted`]. It deletes with `PRAGMA secure_delete`, then
//! checkpoints the WAL, vacuums the file and truncates the WAL, so the
//! removed rows cannot be read back from the file or the WAL (a page that
//! split while the log grew can keep stale copies in its unused space; only
//! a rebuild clears those). The rebuild rewrites the whole file and holds
//! the writer meanwhile: run retention at a quiet hour, not after every
//! event.

use super::{
    validate_batch, AppendBatch, AppendOutcome, CompactReport, EventStore, Snapshot, StoreError,
};
use crate::engine::{Event, CURRENT_SCHEMA};
use crate::model::TenantId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;

/// The store schema this crate writes: the number of migrations below.
pub const SQLITE_SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Migrations, in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE events (
        tenant BLOB NOT NULL,
        seq INTEGER NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (tenant, seq)
    ) WITHOUT ROWID;
    CREATE TABLE batches (
        tenant BLOB NOT NULL,
        key TEXT NOT NULL,
        first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        PRIMARY KEY (tenant, key)
    ) WITHOUT ROWID;
    CREATE TABLE snapshots (
        tenant BLOB NOT NULL,
        seq INTEGER NOT NULL,
        schema INTEGER NOT NULL,
        taken_at TEXT NOT NULL,
        state BLOB NOT NULL,
        PRIMARY KEY (tenant, seq)
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE compactions (
        tenant BLOB NOT NULL PRIMARY KEY,
        through_seq INTEGER NOT NULL
    ) WITHOUT ROWID;
",
];

/// How hard SQLite syncs a commit to disk (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// Sync the WAL on every commit: an acknowledged append survives process
    /// crashes and power loss. The default.
    #[default]
    Full,
    /// Sync only at checkpoints: survives a process crash, but the latest
    /// commits may be lost if the machine loses power. Faster per commit.
    Normal,
}

/// Settings of a [`SqliteEventStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Commit durability (default [`Synchronous::Full`]).
    pub synchronous: Synchronous,
    /// Most appends committed in one transaction (default 1024; 1 turns group
    /// commit off, which is only useful as a baseline).
    pub max_group: usize,
    /// A cap on the database size in pages (`PRAGMA max_page_count`; `None`:
    /// SQLite's default). Appends past it fail with [`StoreError::DiskFull`],
    /// as on a full disk: use it to keep a desk within a quota.
    pub max_pages: Option<u32>,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Full,
            max_group: 1024,
            max_pages: None,
        }
    }
}

impl SqliteOptions {
    /// Sets the commit durability.
    #[must_use]
    pub fn with_synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Caps the database size in pages (see [`SqliteOptions::max_pages`]).
    #[must_use]
    pub fn with_max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Sets the most appends per transaction (at least 1).
    #[must_use]
    pub fn with_max_group(mut self, max_group: usize) -> Self {
        self.max_group = max_group.max(1);
        self
    }
}

/// An [`EventStore`] in one SQLite file, with group commit and snapshots.
///
/// ```
/// use caredesk::store::{EventStore, sqlite::SqliteEventStore};
/// use caredesk::model::TenantId;
/// let dir = std::env::temp_dir().join(format!("caredesk-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let store = SqliteEventStore::open(dir.join("desk.db"))?;
/// let tenant = TenantId::from_uuid(uuid::Uuid::from_u128(1));
/// assert_eq!(futures::executor::block_on(store.last_seq(tenant))?, 0);
/// # drop(store); std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SqliteEventStore {
    path: PathBuf,
    writer: Worker<WriteJob>,
    reader: Worker<ReadJob>,
}

struct Worker<J> {
    jobs: Option<mpsc::Sender<J>>,
    thread: Option<JoinHandle<()>>,
}

impl<J> Worker<J> {
    fn send(&self, job: J) -> Result<(), StoreError> {
        self.jobs
            .as_ref()
            .and_then(|jobs| jobs.send(job).ok())
            .ok_or_else(stopped)
    }

    fn stop(&mut self) {
        // Dropping the sender ends the thread's receive loop.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl<J> Drop for Worker<J> {
    fn drop(&mut self) {
        self.stop();
    }
}

fn stopped() -> StoreError {
    StoreError::Backend("the SQLite store's worker thread has stopped".into())
}

enum WriteJob {
    Append {
        tenant: TenantId,
        expected_last_seq: u64,
        batch: AppendBatch,
        answer: Sender<Result<AppendOutcome, StoreError>>,
    },
    Snapshot {
        snapshot: Snapshot,
        answer: Sender<Result<(), StoreError>>,
    },
    Erase {
        tenant: TenantId,
        rewrite: EraseFn,
        snapshots: SnapshotFn,
        answer: Sender<Result<EraseReport, StoreError>>,
    },
    Compact {
        tenant: TenantId,
        through_seq: u64,
        answer: Sender<Result<CompactReport, StoreError>>,
    },
}

type EraseFn = Box<dyn FnMut(&Event) -> Option<Event> + Send>;
type SnapshotFn = Box<dyn FnMut(&Snapshot) -> Option<Snapshot> + Send>;

enum ReadJob {
    ReadFrom {
        tenant: TenantId,
        from_seq: u64,
        limit: usize,
        answer: Sender<Result<Vec<Event>, StoreError>>,
    },
    LastSeq {
        tenant: TenantId,
        answer: Sender<Result<u64, StoreError>>,
    },
    LatestSnapshot {
        tenant: TenantId,
        answer: Sender<Result<Option<Snapshot>, StoreError>>,
    },
    CompactedThrough {
        tenant: TenantId,
        answer: Sender<Result<u64, StoreError>>,
    },
}

/// What [`SqliteEventStore::erase`] changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EraseReport {
    /// Event rows rewritten.
    pub events_rewritten: u64,
    /// Snapshots deleted (they may hold the erased data).
    pub snapshots_deleted: u64,
    /// Snapshots replaced by a scrubbed version.
    pub snapshots_rewritten: u64,
}

impl std::fmt::Debug for SqliteEventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteEventStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteEventStore {
    /// Opens (creating if needed) the store at `path` with default options.
    ///
    /// # Errors
    /// [`StoreError::SchemaTooNew`] for a file written by a newer crate,
    /// [`StoreError::DiskFull`], [`StoreError::Backend`] when the file cannot
    /// be opened or migrated.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        SqliteEventStore::open_with(path, SqliteOptions::default())
    }

    /// Opens (creating if needed) the store at `path`.
    ///
    /// # Errors
    /// As [`SqliteEventStore::open`].
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let writer_conn = Connection::open(&path).map_err(map_err)?;
        configure(&writer_conn, options.synchronous)?;
        migrate(&writer_conn)?;
        if let Some(pages) = options.max_pages {
            writer_conn
                .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
                .map_err(map_err)?;
        }
        let reader_conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(map_err)?;
        reader_conn
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(map_err)?;

        let (write_tx, write_rx) = mpsc::channel();
        let max_group = options.max_group.max(1);
        let writer = std::thread::Builder::new()
            .name("caredesk-sqlite-writer".into())
            .spawn(move || writer_loop(writer_conn, write_rx, max_group))
            .map_err(|e| StoreError::Backend(format!("cannot start writer thread: {e}")))?;
        let (read_tx, read_rx) = mpsc::channel();
        let reader = std::thread::Builder::new()
            .name("caredesk-sqlite-reader".into())
            .spawn(move || reader_loop(reader_conn, read_rx))
            .map_err(|e| StoreError::Backend(format!("cannot start reader thread: {e}")))?;
        Ok(SqliteEventStore {
            path,
            writer: Worker {
                jobs: Some(write_tx),
                thread: Some(writer),
            },
            reader: Worker {
                jobs: Some(read_tx),
                thread: Some(reader),
            },
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits for queued work to finish and closes both connections (the
    /// writer checkpoints the WAL into the database file as it closes).
    /// Dropping the store does the same.
    pub fn close(mut self) {
        self.writer.stop();
        self.reader.stop();
    }

    /// Rewrites a tenant's events for erasure (GDPR): `rewrite` sees every
    /// event in order and returns a replacement (same sequence number and
    /// tenant; e.g. with the text blanked) or `None` to keep it. Every
    /// snapshot of the tenant is deleted (it may hold the erased data; take a
    /// new one from a replay), then the WAL is checkpointed and truncated and
    /// the file vacuumed, so no old page keeps a copy.
    ///
    /// A compacted stream needs its snapshots (they hold the compacted
    /// history): use [`SqliteEventStore::erase_with_snapshots`] there.
    ///
    /// # Errors
    /// [`StoreError::InvalidBatch`] when a replacement changes the sequence
    /// number or tenant, or when the stream is compacted (nothing is changed
    /// then), [`StoreError::Corrupt`] for an unreadable row, backend errors.
    pub async fn erase(
        &self,
        tenant: TenantId,
        rewrite: impl FnMut(&Event) -> Option<Event> + Send + 'static,
    ) -> Result<EraseReport, StoreError> {
        self.erase_with_snapshots(tenant, rewrite, |_| None).await
    }

    /// As [`SqliteEventStore::erase`], but each of the tenant's snapshots is
    /// passed to `scrub_snapshot`, which returns its scrubbed replacement
    /// (same tenant and sequence number; e.g. its state run through
    /// `ErasurePlan::scrub_state`) or `None` to delete it. A snapshot that
    /// covers the compacted point of a compacted stream cannot be deleted
    /// (the history it holds exists nowhere else): the call fails and
    /// changes nothing.
    ///
    /// # Errors
    /// As [`SqliteEventStore::erase`]; [`StoreError::InvalidBatch`] also
    /// when a replacement snapshot changes its tenant or sequence number,
    /// or when no snapshot covering the compacted point would be left.
    pub async fn erase_with_snapshots(
        &self,
        tenant: TenantId,
        rewrite: impl FnMut(&Event) -> Option<Event> + Send + 'static,
        scrub_snapshot: impl FnMut(&Snapshot) -> Option<Snapshot> + Send + 'static,
    ) -> Result<EraseReport, StoreError> {
        let (answer, reply) = oneshot();
        self.writer.send(WriteJob::Erase {
            tenant,
            rewrite: Box::new(rewrite),
            snapshots: Box::new(scrub_snapshot),
            answer,
        })?;
        reply.await.unwrap_or_else(|| Err(stopped()))
    }
}

#[async_trait]
impl EventStore for SqliteEventStore {
    async fn append(
        &self,
        tenant: TenantId,
        expected_last_seq: u64,
        batch: AppendBatch,
    ) -> Result<AppendOutcome, StoreError> {
        let (answer, reply) = oneshot();
        self.writer.send(WriteJob::Append {
            tenant,
            expected_last_seq,
            batch,
            answer,
        })?;
        reply.await.unwrap_or_else(|| Err(stopped()))
    }

    async fn read_from(
        &self,
        tenant: TenantId,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let (answer, reply) = oneshot();
        self.reader.send(ReadJob::ReadFrom {
            tenant,
            from_seq,
            limit,
            answer,
        })?;
        reply.await.unwrap_or_else(|| Err(stopped()))
    }

    async fn last_seq(&self, tenant: TenantId) -> Result<u64, StoreError> {
        let (answer, reply) = oneshot();
        self.reader.send(ReadJob::LastSeq { tenant, answer })?;
        reply.await.unwrap_or_else(|| Err(stopped()))
    }

    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<(), StoreError> {
        let (answer, reply) = oneshot();
        self.writer.send(WriteJob::Snapshot { snapshot, answer })?;
        reply.await.unwrap_or_else(|| Err(stopped()))
    }

    async fn load_latest_snapshot(&self, tenant: TenantId) -> Result<Option<Snapshot>, StoreError> {
        let (answer, reply) = oneshot();
        self.reader
            .send(ReadJob::LatestSnapshot { tenant, answer })?;
        reply.await.unwrap_or_else(|| Err(stopped()))
    }

    async fn compacted_through(&self, tenant: TenantId) -> Result<u64, StoreError> {
        let (answer, reply) = oneshot();
        self.reader
            .send(ReadJob::CompactedThrough { tenant, answer })?;
        reply.await.unwrap_or_else(|| Err(stopped()))
    }

    async fn compact(
        &self,
        tenant: TenantId,
        through_seq: u64,
    ) -> Result<CompactReport, StoreError> {
        let (answer, reply) = oneshot();
        self.writer.send(WriteJob::Compact {
            tenant,
            through_seq,
            answer,
        })?;
        reply.await.unwrap_or_else(|| Err(stopped()))
    }
}

/// Maps a SQLite error to a store error (`SQLITE_FULL` is [`StoreError::DiskFull`]).
fn map_err(error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StoreError::DiskFull,
        _ => StoreError::Backend(error.to_string()),
    }
}

fn configure(conn: &Connection, synchronous: Synchronous) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(map_err)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(map_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Backend(format!(
            "SQLite refused WAL mode (journal_mode is {mode})"
        )));
    }
    let level = match synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    conn.execute_batch(&format!("PRAGMA synchronous = {level};"))
        .map_err(map_err)
}

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let found: u32 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(map_err)?;
    if found > SQLITE_SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SQLITE_SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = index + 1;
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {migration}; PRAGMA user_version = {version}; COMMIT;"
        ))
        .map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            map_err(e)
        })?;
    }
    Ok(())
}

fn tenant_key(tenant: TenantId) -> [u8; 16] {
    *tenant.as_uuid().as_bytes()
}

fn to_i64(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq).map_err(|_| StoreError::InvalidBatch(format!("seq {seq} is out of range")))
}

fn writer_loop(mut conn: Connection, jobs: mpsc::Receiver<WriteJob>, max_group: usize) {
    while let Ok(first) = jobs.recv() {
        let mut appends = Vec::new();
        let mut others = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next {
            match job {
                WriteJob::Append {
                    tenant,
                    expected_last_seq,
                    batch,
                    answer,
                } => appends.push((tenant, expected_last_seq, batch, answer)),
                other => others.push(other),
            }
            next = if appends.len() + others.len() < max_group {
                jobs.try_recv().ok()
            } else {
                None
            };
        }
        if !appends.is_empty() {
            commit_group(&mut conn, appends);
        }
        for job in others {
            match job {
                WriteJob::Snapshot { snapshot, answer } => {
                    answer.send(save_snapshot(&mut conn, &snapshot));
                }
                WriteJob::Erase {
                    tenant,
                    rewrite,
                    snapshots,
                    answer,
                } => answer.send(erase(&mut conn, tenant, rewrite, snapshots)),
                WriteJob::Compact {
                    tenant,
                    through_seq,
                    answer,
                } => answer.send(compact(&mut conn, tenant, through_seq)),
                WriteJob::Append { .. } => {}
            }
        }
    }
    // Fold the WAL into the main file on a clean close.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

type PendingAppend = (
    TenantId,
    u64,
    AppendBatch,
    Sender<Result<AppendOutcome, StoreError>>,
);

/// Runs queued appends in one transaction, in order, then answers each.
fn commit_group(conn: &mut Connection, appends: Vec<PendingAppend>) {
    let mut results: Vec<Result<AppendOutcome, StoreError>> = Vec::with_capacity(appends.len());
    let committed = (|| -> Result<(), StoreError> {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(map_err)?;
        {
            let mut last_seqs: HashMap<TenantId, u64> = HashMap::new();
            let mut find_key = tx
                .prepare_cached(
                    "SELECT first_seq, last_seq FROM batches WHERE tenant = ?1 AND key = ?2",
                )
                .map_err(map_err)?;
            let mut max_seq = tx.prepare_cached(STREAM_END).map_err(map_err)?;
            let mut insert_event = tx
                .prepare_cached("INSERT INTO events (tenant, seq, json) VALUES (?1, ?2, ?3)")
                .map_err(map_err)?;
            let mut insert_batch = tx
                .prepare_cached(
                    "INSERT INTO batches (tenant, key, first_seq, last_seq) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(map_err)?;
            for (tenant, expected, batch, _) in &appends {
                let key = tenant_key(*tenant);
                let known: Option<(i64, i64)> = find_key
                    .query_row(params![key, batch.idempotency_key.0], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })
                    .optional()
                    .map_err(map_err)?;
                if let Some((first, last)) = known {
                    results.push(Ok(AppendOutcome {
                        first_seq: first as u64,
                        last_seq: last as u64,
                        duplicate: true,
                    }));
                    continue;
                }
                let actual = match last_seqs.get(tenant) {
                    Some(seq) => *seq,
                    None => {
                        let end: i64 = max_seq
                            .query_row(params![key], |row| row.get(0))
                            .map_err(map_err)?;
                        end as u64
                    }
                };
                last_seqs.insert(*tenant, actual);
                if actual != *expected {
                    results.push(Err(StoreError::Conflict {
                        expected: *expected,
                        actual,
                    }));
                    continue;
                }
                if let Err(invalid) = validate_batch(*tenant, *expected, batch) {
                    results.push(Err(invalid));
                    continue;
                }
                let mut encoded = Vec::with_capacity(batch.events.len());
                let mut failed = None;
                for event in &batch.events {
                    match event.to_json() {
                        Ok(json) => encoded.push(json),
                        Err(e) => {
                            failed = Some(StoreError::InvalidBatch(format!(
                                "event {} cannot be encoded: {e}",
                                event.seq
                            )));
                            break;
                        }
                    }
                }
                if let Some(failed) = failed {
                    results.push(Err(failed));
                    continue;
                }
                for (event, json) in batch.events.iter().zip(&encoded) {
                    insert_event
                        .execute(params![key, to_i64(event.seq)?, json])
                        .map_err(map_err)?;
                }
                let outcome = AppendOutcome {
                    first_seq: expected + 1,
                    last_seq: expected + batch.events.len() as u64,
                    duplicate: false,
                };
                insert_batch
                    .execute(params![
                        key,
                        batch.idempotency_key.0,
                        to_i64(outcome.first_seq)?,
                        to_i64(outcome.last_seq)?
                    ])
                    .map_err(map_err)?;
                last_seqs.insert(*tenant, outcome.last_seq);
                results.push(Ok(outcome));
            }
        }
        tx.commit().map_err(map_err)
    })();
    match committed {
        Ok(()) => {
            for ((_, _, _, answer), result) in appends.into_iter().zip(results) {
                answer.send(result);
            }
        }
        Err(error) => {
            // The transaction rolled back: nothing of the group was written.
            for (_, _, _, answer) in appends {
                answer.send(Err(error.clone()));
            }
        }
    }
}

fn save_snapshot(conn: &mut Connection, snapshot: &Snapshot) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(map_err)?;
    let key = tenant_key(snapshot.tenant);
    let last = stream_end(&tx, key)?;
    if snapshot.seq > last {
        return Err(StoreError::InvalidBatch(format!(
            "snapshot at seq {} is past the stream end {last}",
            snapshot.seq
        )));
    }
    tx.execute(
        "INSERT OR REPLACE INTO snapshots (tenant, seq, schema, taken_at, state) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            key,
            to_i64(snapshot.seq)?,
            snapshot.schema,
            snapshot.taken_at.to_rfc3339(),
            snapshot.state
        ],
    )
    .map_err(map_err)?;
    // Older copies go, so the file does not grow with every snapshot; their
    // pages are reused by the next one.
    tx.execute(
        "DELETE FROM snapshots WHERE tenant = ?1 AND seq NOT IN (
             SELECT seq FROM snapshots WHERE tenant = ?1 ORDER BY seq DESC LIMIT ?2)",
        params![key, to_i64(super::SNAPSHOTS_KEPT as u64)?],
    )
    .map_err(map_err)?;
    tx.commit().map_err(map_err)
}

fn erase(
    conn: &mut Connection,
    tenant: TenantId,
    mut rewrite: EraseFn,
    mut scrub_snapshot: SnapshotFn,
) -> Result<EraseReport, StoreError> {
    let key = tenant_key(tenant);
    let mut report = EraseReport::default();
    {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(map_err)?;
        let rows = read_rows(&tx, key, 1, usize::MAX)?;
        for (seq, json) in rows {
            let event = decode(tenant, seq, &json)?;
            if let Some(replacement) = rewrite(&event) {
                if replacement.seq != seq || replacement.tenant != tenant {
                    return Err(StoreError::InvalidBatch(format!(
                        "the replacement of event {seq} changes its seq or tenant"
                    )));
                }
                let json = replacement
                    .to_json()
                    .map_err(|e| StoreError::InvalidBatch(e.to_string()))?;
                tx.execute(
                    "UPDATE events SET json = ?3 WHERE tenant = ?1 AND seq = ?2",
                    params![key, to_i64(seq)?, json],
                )
                .map_err(map_err)?;
                report.events_rewritten += 1;
            }
        }
        let seqs: Vec<i64> = tx
            .prepare("SELECT seq FROM snapshots WHERE tenant = ?1 ORDER BY seq")
            .and_then(|mut statement| {
                statement
                    .query_map(params![key], |row| row.get(0))?
                    .collect::<Result<Vec<i64>, _>>()
            })
            .map_err(map_err)?;
        let mut covered = false;
        let compacted = compacted_through(&tx, key)?;
        for seq in seqs {
            let snapshot = snapshot_at(&tx, tenant, seq)?;
            match scrub_snapshot(&snapshot) {
                Some(scrubbed) => {
                    if scrubbed.seq != snapshot.seq || scrubbed.tenant != tenant {
                        return Err(StoreError::InvalidBatch(format!(
                            "the replacement of the snapshot at {seq} changes its seq or tenant"
                        )));
                    }
                    tx.execute(
                        "UPDATE snapshots SET schema = ?3, taken_at = ?4, state = ?5 WHERE tenant = ?1 AND seq = ?2",
                        params![key, seq, scrubbed.schema, scrubbed.taken_at.to_rfc3339(), scrubbed.state],
                    )
                    .map_err(map_err)?;
                    report.snapshots_rewritten += 1;
                    covered |= scrubbed.seq >= compacted;
                }
                None => {
                    tx.execute(
                        "DELETE FROM snapshots WHERE tenant = ?1 AND seq = ?2",
                        params![key, seq],
                    )
                    .map_err(map_err)?;
                    report.snapshots_deleted += 1;
                }
            }
        }
        if compacted > 0 && !covered {
            return Err(StoreError::InvalidBatch(format!(
                "the stream is compacted through {compacted}: erasure must keep (scrubbed) a snapshot covering it"
            )));
        }
        tx.commit().map_err(map_err)?;
    }
    // Old row versions may live on in the WAL and in free pages: fold the
    // WAL in, empty it, and rebuild the file.
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")
        .map_err(map_err)?;
    Ok(report)
}

/// The stream's last sequence number: its last row, or the compacted point
/// when every event was compacted away.
const STREAM_END: &str = "SELECT MAX(
    COALESCE((SELECT MAX(seq) FROM events WHERE tenant = ?1), 0),
    COALESCE((SELECT through_seq FROM compactions WHERE tenant = ?1), 0))";

fn stream_end(conn: &Connection, key: [u8; 16]) -> Result<u64, StoreError> {
    conn.prepare_cached(STREAM_END)
        .and_then(|mut statement| statement.query_row(params![key], |row| row.get::<_, i64>(0)))
        .map(|end| end as u64)
        .map_err(map_err)
}

fn compacted_through(conn: &Connection, key: [u8; 16]) -> Result<u64, StoreError> {
    conn.prepare_cached("SELECT through_seq FROM compactions WHERE tenant = ?1")
        .and_then(|mut statement| {
            statement
                .query_row(params![key], |row| row.get::<_, i64>(0))
                .optional()
        })
        .map(|through| through.map_or(0, |t| t as u64))
        .map_err(map_err)
}

fn compact(
    conn: &mut Connection,
    tenant: TenantId,
    through_seq: u64,
) -> Result<CompactReport, StoreError> {
    let key = tenant_key(tenant);
    let through = to_i64(through_seq)?;
    // Zero the deleted cells and freed pages instead of leaving them readable.
    conn.execute_batch("PRAGMA secure_delete = ON;")
        .map_err(map_err)?;
    let result = (|| {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(map_err)?;
        let end = stream_end(&tx, key)?;
        if through_seq > end {
            return Err(StoreError::InvalidBatch(format!(
                "cannot compact through seq {through_seq}: the stream ends at {end}"
            )));
        }
        let current = compacted_through(&tx, key)?;
        if through_seq <= current {
            return Ok(CompactReport {
                compacted_through: current,
                ..CompactReport::default()
            });
        }
        let covered: i64 = tx
            .query_row(
                "SELECT COUNT(*) FROM snapshots WHERE tenant = ?1 AND seq >= ?2",
                params![key, through],
                |row| row.get(0),
            )
            .map_err(map_err)?;
        if covered == 0 {
            return Err(StoreError::SnapshotRequired { through_seq });
        }
        let events_removed = tx
            .execute(
                "DELETE FROM events WHERE tenant = ?1 AND seq <= ?2",
                params![key, through],
            )
            .map_err(map_err)? as u64;
        let snapshots_removed = tx
            .execute(
                "DELETE FROM snapshots WHERE tenant = ?1 AND seq < ?2",
                params![key, through],
            )
            .map_err(map_err)? as u64;
        tx.execute(
            "DELETE FROM batches WHERE tenant = ?1 AND last_seq <= ?2",
            params![key, through],
        )
        .map_err(map_err)?;
        tx.execute(
            "INSERT OR REPLACE INTO compactions (tenant, through_seq) VALUES (?1, ?2)",
            params![key, through],
        )
        .map_err(map_err)?;
        tx.commit().map_err(map_err)?;
        Ok(CompactReport {
            compacted_through: through_seq,
            events_removed,
            snapshots_removed,
        })
    })();
    let reset = conn.execute_batch("PRAGMA secure_delete = OFF;");
    let report = result?;
    reset.map_err(map_err)?;
    if report.events_removed > 0 || report.snapshots_removed > 0 {
        // Old copies of removed rows may sit in the WAL and in the unused
        // space of pages that split while the log grew (secure_delete only
        // covers the delete itself): fold the WAL in, rebuild the file and
        // empty the WAL again.
        conn.execute_batch(
            "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .map_err(map_err)?;
    }
    Ok(report)
}

fn read_rows(
    conn: &Connection,
    key: [u8; 16],
    from_seq: u64,
    limit: usize,
) -> Result<Vec<(u64, String)>, StoreError> {
    let mut statement = conn
        .prepare_cached(
            "SELECT seq, json FROM events WHERE tenant = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3",
        )
        .map_err(map_err)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = statement
        .query_map(params![key, to_i64(from_seq)?, limit], |row| {
            let seq: i64 = row.get(0)?;
            let json: rusqlite::Result<String> = row.get(1);
            Ok((seq, json))
        })
        .map_err(map_err)?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, json) = row.map_err(map_err)?;
        let seq = seq as u64;
        match json {
            Ok(json) => out.push((seq, json)),
            Err(e) => {
                return Err(StoreError::Corrupt {
                    seq,
                    reason: format!("the row is not text: {e}"),
                })
            }
        }
    }
    Ok(out)
}

/// Decodes one row; the fast path parses current-schema JSON directly, and
/// anything else goes through [`Event::from_json`] (which upgrades).
fn decode(tenant: TenantId, seq: u64, json: &str) -> Result<Event, StoreError> {
    let event = match serde_json::from_str::<Event>(json) {
        Ok(event) if event.schema == CURRENT_SCHEMA => event,
        _ => Event::from_json(json).map_err(|e| StoreError::Corrupt {
            seq,
            reason: e.to_string(),
        })?,
    };
    if event.seq != seq || event.tenant != tenant {
        return Err(StoreError::Corrupt {
            seq,
            reason: format!(
                "the row holds event {} of tenant {}",
                event.seq, event.tenant
            ),
        });
    }
    Ok(event)
}

fn read_from(
    conn: &Connection,
    tenant: TenantId,
    from_seq: u64,
    limit: usize,
) -> Result<Vec<Event>, StoreError> {
    let from_seq = from_seq.max(1);
    let key = tenant_key(tenant);
    let compacted = compacted_through(conn, key)?;
    if from_seq <= compacted {
        return Err(StoreError::Compacted {
            requested: from_seq,
            first_retained: compacted + 1,
        });
    }
    let rows = read_rows(conn, key, from_seq, limit)?;
    let mut events = Vec::with_capacity(rows.len());
    let mut expected = from_seq;
    for (seq, json) in rows {
        // Streams start at 1 (or after the compacted point) without gaps: a
        // missing row is corruption too.
        if seq != expected {
            return Err(StoreError::Corrupt {
                seq: expected,
                reason: format!("event {expected} is missing (next row is {seq})"),
            });
        }
        events.push(decode(tenant, seq, &json)?);
        expected = seq + 1;
    }
    Ok(events)
}

fn reader_loop(conn: Connection, jobs: mpsc::Receiver<ReadJob>) {
    while let Ok(job) = jobs.recv() {
        match job {
            ReadJob::ReadFrom {
                tenant,
                from_seq,
                limit,
                answer,
            } => answer.send(read_from(&conn, tenant, from_seq, limit)),
            ReadJob::LastSeq { tenant, answer } => {
                answer.send(stream_end(&conn, tenant_key(tenant)));
            }
            ReadJob::CompactedThrough { tenant, answer } => {
                answer.send(compacted_through(&conn, tenant_key(tenant)));
            }
            ReadJob::LatestSnapshot { tenant, answer } => {
                answer.send(latest_snapshot(&conn, tenant));
            }
        }
    }
}

fn latest_snapshot(conn: &Connection, tenant: TenantId) -> Result<Option<Snapshot>, StoreError> {
    let row: Option<(i64, i64, String, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, schema, taken_at, state FROM snapshots WHERE tenant = ?1 ORDER BY seq DESC LIMIT 1",
            params![tenant_key(tenant)],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()
        .map_err(map_err)?;
    row.map(|row| snapshot_from_row(tenant, row)).transpose()
}

/// The tenant's snapshot at `seq` (which must exist).
fn snapshot_at(conn: &Connection, tenant: TenantId, seq: i64) -> Result<Snapshot, StoreError> {
    let row: (i64, i64, String, Vec<u8>) = conn
        .query_row(
            "SELECT seq, schema, taken_at, state FROM snapshots WHERE tenant = ?1 AND seq = ?2",
            params![tenant_key(tenant), seq],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .map_err(map_err)?;
    snapshot_from_row(tenant, row)
}

fn snapshot_from_row(
    tenant: TenantId,
    (seq, schema, taken_at, state): (i64, i64, String, Vec<u8>),
) -> Result<Snapshot, StoreError> {
    let seq = seq as u64;
    let schema = u16::try_from(schema).map_err(|_| StoreError::Corrupt {
        seq,
        reason: format!("snapshot schema {schema} is out of range"),
    })?;
    let taken_at = DateTime::parse_from_rfc3339(&taken_at)
        .map_err(|e| StoreError::Corrupt {
            seq,
            reason: format!("snapshot time {taken_at:?}: {e}"),
        })?
        .with_timezone(&Utc);
    Ok(Snapshot {
        tenant,
        seq,
        schema,
        taken_at,
        state,
    })
}

/// The sending half of a one-shot answer from a worker thread.
struct Sender<T>(Arc<Mutex<Slot<T>>>);

/// The awaiting half: resolves to `None` if the worker dropped the sender.
struct Receiver<T>(Arc<Mutex<Slot<T>>>);

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
    closed: bool,
}

fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        waker: None,
        closed: false,
    }));
    (Sender(slot.clone()), Receiver(slot))
}

fn lock<T>(slot: &Mutex<Slot<T>>) -> std::sync::MutexGuard<'_, Slot<T>> {
    // Each critical section below is a few field writes; a poisoned lock
    // still holds consistent data.
    slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T> Sender<T> {
    fn send(self, value: T) {
        let waker = {
            let mut slot = lock(&self.0);
            slot.value = Some(value);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = lock(&self.0);
            slot.closed = true;
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut slot = lock(&self.0);
        if let Some(value) = slot.value.take() {
            return Poll::Ready(Some(value));
        }
        if slot.closed {
            return Poll::Ready(None);
        }
        slot.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}
