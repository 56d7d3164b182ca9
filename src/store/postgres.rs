//! A durable, shared [`EventStore`] in PostgreSQL (feature `postgres`).
//!
//! [`PostgresEventStore`] keeps every tenant's stream in one database that
//! several nodes share, through a pool of connections (`deadpool-postgres`
//! over `tokio-postgres`). It is the system of record when a desk runs
//! across several nodes ([`crate::cluster`]).
//!
//! Tables (prefixed `caredesk_`, in the schema chosen with
//! [`PostgresOptions::schema`], `public` by default):
//!
//! - `caredesk_events (tenant, seq, json)`: one row per event, the JSON of
//!   [`Event::to_json`], read back with [`Event::from_json`] (which upgrades
//!   older event schemas);
//! - `caredesk_streams (tenant, last_seq)`: the head of each stream. Every
//!   append locks its tenant's row first, so appends to one tenant are
//!   serialised while other tenants proceed in parallel;
//! - `caredesk_batches (tenant, key, first_seq, last_seq, epoch)`: one row
//!   per append, keyed by its [`IdempotencyKey`](super::IdempotencyKey), with
//!   the lease epoch of the writer (0 without a lease);
//! - `caredesk_snapshots (tenant, seq, schema, taken_at, state)`;
//! - `caredesk_leases` and `caredesk_inbox`, used by [`crate::cluster`].
//!
//! An append is one transaction: lock the stream head, look the idempotency
//! key up (a repeat returns the original outcome), check the writer's lease
//! epoch against the tenant's lease row (see below), check the expected
//! sequence number, insert the events, record the batch, move the head, and
//! commit. The statements of each step are pipelined on one connection, so
//! an append costs four round trips whatever its size.
//!
//! Fencing: a handle made with [`PostgresEventStore::with_lease`] writes for
//! one tenant with a lease epoch. Its appends and snapshots are refused with
//! [`StoreError::Fenced`] unless that epoch is the tenant's current lease
//! epoch; a plain handle is refused as soon as the tenant has a lease row.
//! The append reads the lease row `FOR SHARE`, so a takeover (which updates
//! the row) waits for appends in flight, and any append after it sees the
//! new epoch: a stale writer cannot slip a batch in after its successor
//! loaded the stream. The expected-sequence check guards the same boundary
//! a second time.
//!
//! Tenant isolation: every statement is filtered by tenant, and a handle
//! made with [`PostgresEventStore::for_tenant`] (or `with_lease`) refuses to
//! read or write any other tenant's stream ([`StoreError::OtherTenant`]).
//!
//! Schema: `caredesk_migrations` records the migrations applied (in order,
//! under an advisory lock, so nodes starting together do not race). A
//! database migrated by a newer crate is refused with
//! [`StoreError::SchemaTooNew`].

use super::{
    validate_batch, AppendBatch, AppendOutcome, CompactReport, EventStore, Snapshot, StoreError,
};
use crate::engine::Event;
use crate::model::TenantId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::NoTls;
use uuid::Uuid;

/// The store schema this crate writes: the number of migrations below.
pub const POSTGRES_SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Migrations, in order; `caredesk_migrations` records those applied.
const MIGRATIONS: &[&str] = &[
    // 1: the event store.
    "
    CREATE TABLE caredesk_streams (
        tenant uuid PRIMARY KEY,
        last_seq bigint NOT NULL
    );
    CREATE TABLE caredesk_events (
        tenant uuid NOT NULL,
        seq bigint NOT NULL,
        json text NOT NULL,
        PRIMARY KEY (tenant, seq)
    );
    CREATE TABLE caredesk_batches (
        tenant uuid NOT NULL,
        key text NOT NULL,
        first_seq bigint NOT NULL,
        last_seq bigint NOT NULL,
        epoch bigint NOT NULL,
        PRIMARY KEY (tenant, key)
    );
    CREATE TABLE caredesk_snapshots (
        tenant uuid NOT NULL,
        seq bigint NOT NULL,
        schema integer NOT NULL,
        taken_at timestamptz NOT NULL,
        state bytea NOT NULL,
        PRIMARY KEY (tenant, seq)
    );
    ",
    // 2: running a desk across several nodes.
    "
    CREATE TABLE caredesk_leases (
        tenant uuid PRIMARY KEY,
        owner text NOT NULL,
        epoch bigint NOT NULL,
        expires_at timestamptz NOT NULL
    );
    CREATE TABLE caredesk_inbox (
        id bigserial PRIMARY KEY,
        tenant uuid NOT NULL,
        dedup_key text NOT NULL,
        message text NOT NULL,
        received_by text NOT NULL,
        received_at timestamptz NOT NULL,
        processed_at timestamptz,
        processed_by text,
        outcome text,
        UNIQUE (tenant, dedup_key)
    );
    CREATE INDEX caredesk_inbox_pending ON caredesk_inbox (tenant, id)
        WHERE processed_at IS NULL;
    ",
    // 3: retention (compaction keeps the numbering; reads before it fail).
    "
    ALTER TABLE caredesk_streams ADD COLUMN compacted_through bigint NOT NULL DEFAULT 0;
    ",
];

/// Settings of a [`PostgresEventStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// Most connections the pool opens (default 16).
    pub max_connections: usize,
    /// The PostgreSQL schema that holds caredesk's tables (created if
    /// missing); `None` uses the connection's `search_path` (`public`).
    /// Letters, digits and `_` only.
    pub schema: Option<String>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            max_connections: 16,
            schema: None,
        }
    }
}

impl PostgresOptions {
    /// Sets the pool size (at least 1).
    #[must_use]
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Puts caredesk's tables in `schema` (e.g. one schema per environment).
    #[must_use]
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }
}

/// Who a handle writes as: scoped to a tenant, optionally with a lease epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scope {
    tenant: TenantId,
    epoch: Option<u64>,
}

/// An [`EventStore`] in PostgreSQL, shared by every node of a desk; see the
/// [module documentation](self).
///
/// Handles are cheap to clone and share one pool. [`for_tenant`] and
/// [`with_lease`] make handles restricted to one tenant.
///
/// [`for_tenant`]: PostgresEventStore::for_tenant
/// [`with_lease`]: PostgresEventStore::with_lease
///
/// ```no_run
/// use caredesk::store::postgres::{PostgresEventStore, PostgresOptions};
/// use caredesk::store::EventStore;
/// use caredesk::model::TenantId;
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let store = PostgresEventStore::connect(
///     "postgres://postgres@127.0.0.1:5432/test",
///     PostgresOptions::default().with_schema("caredesk"),
/// ).await?;
/// let tenant = TenantId::from_uuid(uuid::Uuid::from_u128(1));
/// let desk_store = store.for_tenant(tenant);
/// println!("stream at {}", desk_store.last_seq(tenant).await?);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresEventStore {
    pool: Pool,
    config: Arc<tokio_postgres::Config>,
    schema: Option<String>,
    scope: Option<Scope>,
}

impl std::fmt::Debug for PostgresEventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresEventStore")
            .field("schema", &self.schema)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

pub(crate) fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

pub(crate) fn map_pg(error: tokio_postgres::Error) -> StoreError {
    if error.code() == Some(&SqlState::DISK_FULL) {
        StoreError::DiskFull
    } else {
        backend(error)
    }
}

pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::InvalidBatch(format!("{what} {value} is too large")))
}

fn from_i64(value: i64, seq: u64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        seq,
        reason: format!("negative number {value} in a stored row"),
    })
}

fn valid_schema_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

impl PostgresEventStore {
    /// Connects to the database at `url` (a `postgres://` URL or a
    /// `key=value` string), builds the pool and applies the migrations.
    ///
    /// # Errors
    /// [`StoreError::Backend`] for a bad URL or schema name or an unreachable
    /// server, [`StoreError::SchemaTooNew`] for a database migrated by a
    /// newer crate.
    pub async fn connect(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(map_pg)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if let Some(schema) = &options.schema {
            if !valid_schema_name(schema) {
                return Err(StoreError::Backend(format!(
                    "invalid schema name {schema:?}: use letters, digits and _"
                )));
            }
            let mut runtime = config.get_options().unwrap_or_default().to_string();
            if !runtime.is_empty() {
                runtime.push(' ');
            }
            runtime.push_str(&format!("-c search_path={schema}"));
            config.options(&runtime);
        }
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(1))
            .build()
            .map_err(backend)?;
        let store = PostgresEventStore {
            pool,
            config: Arc::new(config),
            schema: options.schema,
            scope: None,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The connection settings, with this store's schema on the search
    /// path: for connections outside the pool (the cluster's LISTEN
    /// connection).
    pub(crate) fn connection_config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// The schema holding the tables, if one was chosen.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The connection pool (for the cluster module and tools that query the
    /// tables directly).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// A handle that reads and writes only `tenant`'s stream: any other
    /// tenant is refused with [`StoreError::OtherTenant`]. Give a desk this
    /// handle so it cannot touch another brand's data.
    #[must_use]
    pub fn for_tenant(&self, tenant: TenantId) -> PostgresEventStore {
        PostgresEventStore {
            pool: self.pool.clone(),
            config: self.config.clone(),
            schema: self.schema.clone(),
            scope: Some(Scope {
                tenant,
                epoch: None,
            }),
        }
    }

    /// A handle scoped to `tenant` that writes as the holder of its lease at
    /// `epoch`: appends and snapshots are refused with
    /// [`StoreError::Fenced`] once the lease has moved to a newer epoch.
    #[must_use]
    pub fn with_lease(&self, tenant: TenantId, epoch: u64) -> PostgresEventStore {
        PostgresEventStore {
            pool: self.pool.clone(),
            config: self.config.clone(),
            schema: self.schema.clone(),
            scope: Some(Scope {
                tenant,
                epoch: Some(epoch),
            }),
        }
    }

    /// The schema version the database is at (migrations applied).
    ///
    /// # Errors
    /// Backend errors.
    pub async fn schema_version(&self) -> Result<u32, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM caredesk_migrations",
                &[],
            )
            .await
            .map_err(map_pg)?;
        let version: i32 = row.get(0);
        Ok(u32::try_from(version).unwrap_or(0))
    }

    /// Applies the migrations not yet applied (called by [`connect`]).
    ///
    /// [`connect`]: PostgresEventStore::connect
    ///
    /// # Errors
    /// [`StoreError::SchemaTooNew`], backend errors.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_pg)?;
        let schema = self.schema.clone().unwrap_or_default();
        // One migrator per schema at a time, across all nodes.
        tx.execute(
            "SELECT pg_advisory_xact_lock(74290, hashtext($1))",
            &[&schema],
        )
        .await
        .map_err(map_pg)?;
        if let Some(schema) = &self.schema {
            // The name was checked when the store was built.
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .await
                .map_err(map_pg)?;
        }
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS caredesk_migrations (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .await
        .map_err(map_pg)?;
        let row = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM caredesk_migrations",
                &[],
            )
            .await
            .map_err(map_pg)?;
        let found: i32 = row.get(0);
        let found = u32::try_from(found).unwrap_or(0);
        if found > POSTGRES_SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found,
                supported: POSTGRES_SCHEMA_VERSION,
            });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.batch_execute(migration).await.map_err(map_pg)?;
            let version = i32::try_from(index + 1).map_err(backend)?;
            tx.execute(
                "INSERT INTO caredesk_migrations (version) VALUES ($1)",
                &[&version],
            )
            .await
            .map_err(map_pg)?;
        }
        tx.commit().await.map_err(map_pg)
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        self.pool.get().await.map_err(|error| match error {
            deadpool_postgres::PoolError::Backend(error) => map_pg(error),
            other => backend(other),
        })
    }

    fn check_scope(&self, tenant: TenantId) -> Result<(), StoreError> {
        match self.scope {
            Some(scope) if scope.tenant != tenant => Err(StoreError::OtherTenant {
                scope: scope.tenant,
                tenant,
            }),
            _ => Ok(()),
        }
    }

    fn epoch(&self) -> u64 {
        self.scope.and_then(|scope| scope.epoch).unwrap_or(0)
    }

    /// Refuses a writer whose epoch is not the lease's current one.
    fn fence(&self, lease_epoch: Option<i64>) -> Result<(), StoreError> {
        let mine = self.epoch();
        let current = match lease_epoch {
            Some(epoch) => from_i64(epoch, 0)?,
            None => 0,
        };
        if current == mine {
            Ok(())
        } else {
            Err(StoreError::Fenced {
                epoch: mine,
                current,
            })
        }
    }
}

const LOCK_STREAM: &str = "INSERT INTO caredesk_streams (tenant, last_seq) VALUES ($1, 0)
    ON CONFLICT (tenant) DO UPDATE SET last_seq = caredesk_streams.last_seq
    RETURNING last_seq";
const FIND_BATCH: &str =
    "SELECT first_seq, last_seq FROM caredesk_batches WHERE tenant = $1 AND key = $2";
const LEASE_EPOCH: &str = "SELECT epoch FROM caredesk_leases WHERE tenant = $1 FOR SHARE";
const INSERT_EVENTS: &str = "INSERT INTO caredesk_events (tenant, seq, json)
    SELECT $1, seq, json FROM unnest($2::bigint[], $3::text[]) AS batch(seq, json)";
const INSERT_BATCH: &str = "INSERT INTO caredesk_batches (tenant, key, first_seq, last_seq, epoch)
    VALUES ($1, $2, $3, $4, $5)";
const MOVE_HEAD: &str = "UPDATE caredesk_streams SET last_seq = $2 WHERE tenant = $1";

#[async_trait]
impl EventStore for PostgresEventStore {
    async fn append(
        &self,
        tenant: TenantId,
        expected_last_seq: u64,
        batch: AppendBatch,
    ) -> Result<AppendOutcome, StoreError> {
        self.check_scope(tenant)?;
        let id: Uuid = tenant.0;
        let expected = to_i64(expected_last_seq, "expected seq")?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_pg)?;
        let (lock, find, lease) = tokio::try_join!(
            tx.prepare_cached(LOCK_STREAM),
            tx.prepare_cached(FIND_BATCH),
            tx.prepare_cached(LEASE_EPOCH),
        )
        .map_err(map_pg)?;
        let key = batch.idempotency_key.0.as_str();
        // Pipelined: the stream lock is taken first, so the two reads after
        // it see every append committed before it.
        let by_tenant: [&(dyn ToSql + Sync); 1] = [&id];
        let by_key: [&(dyn ToSql + Sync); 2] = [&id, &key];
        let (head, found, lease) = tokio::try_join!(
            tx.query_one(&lock, &by_tenant),
            tx.query_opt(&find, &by_key),
            tx.query_opt(&lease, &by_tenant),
        )
        .map_err(map_pg)?;
        if let Some(found) = found {
            let first: i64 = found.get(0);
            let last: i64 = found.get(1);
            return Ok(AppendOutcome {
                first_seq: from_i64(first, 0)?,
                last_seq: from_i64(last, 0)?,
                duplicate: true,
            });
        }
        self.fence(lease.map(|row| row.get::<_, i64>(0)))?;
        let actual: i64 = head.get(0);
        if actual != expected {
            return Err(StoreError::Conflict {
                expected: expected_last_seq,
                actual: from_i64(actual, 0)?,
            });
        }
        validate_batch(tenant, expected_last_seq, &batch)?;
        let mut seqs = Vec::with_capacity(batch.events.len());
        let mut jsons = Vec::with_capacity(batch.events.len());
        for event in &batch.events {
            seqs.push(to_i64(event.seq, "seq")?);
            jsons.push(
                event
                    .to_json()
                    .map_err(|e| StoreError::InvalidBatch(format!("event {}: {e}", event.seq)))?,
            );
        }
        let last = expected + seqs.len() as i64;
        let epoch = to_i64(self.epoch(), "epoch")?;
        let (insert_events, insert_batch, move_head) = tokio::try_join!(
            tx.prepare_cached(INSERT_EVENTS),
            tx.prepare_cached(INSERT_BATCH),
            tx.prepare_cached(MOVE_HEAD),
        )
        .map_err(map_pg)?;
        let first = expected + 1;
        let events_params: [&(dyn ToSql + Sync); 3] = [&id, &seqs, &jsons];
        let batch_params: [&(dyn ToSql + Sync); 5] = [&id, &key, &first, &last, &epoch];
        let head_params: [&(dyn ToSql + Sync); 2] = [&id, &last];
        tokio::try_join!(
            tx.execute(&insert_events, &events_params),
            tx.execute(&insert_batch, &batch_params),
            tx.execute(&move_head, &head_params),
        )
        .map_err(map_pg)?;
        tx.commit().await.map_err(map_pg)?;
        Ok(AppendOutcome {
            first_seq: expected_last_seq + 1,
            last_seq: expected_last_seq + seqs.len() as u64,
            duplicate: false,
        })
    }

    async fn read_from(
        &self,
        tenant: TenantId,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.check_scope(tenant)?;
        let from_seq = from_seq.max(1);
        let from = i64::try_from(from_seq).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let client = self.client().await?;
        // One statement, so the compacted point and the events come from
        // the same snapshot of the database.
        let statement = client
            .prepare_cached(
                "SELECT s.compacted_through, e.seq, e.json FROM caredesk_streams s
                 LEFT JOIN LATERAL (
                     SELECT seq, json FROM caredesk_events
                     WHERE tenant = s.tenant AND seq >= $2 ORDER BY seq LIMIT $3
                 ) e ON true
                 WHERE s.tenant = $1",
            )
            .await
            .map_err(map_pg)?;
        let rows = client
            .query(&statement, &[&tenant.0, &from, &limit])
            .await
            .map_err(map_pg)?;
        let mut events = Vec::with_capacity(rows.len());
        for row in rows {
            let compacted = from_i64(row.get(0), 0)?;
            if from_seq <= compacted {
                return Err(StoreError::Compacted {
                    requested: from_seq,
                    first_retained: compacted + 1,
                });
            }
            let Some(seq) = row.get::<_, Option<i64>>(1) else {
                continue;
            };
            let seq = from_i64(seq, 0)?;
            let json: &str = row.get(2);
            let event = Event::from_json(json).map_err(|e| StoreError::Corrupt {
                seq,
                reason: e.to_string(),
            })?;
            if event.seq != seq || event.tenant != tenant {
                return Err(StoreError::Corrupt {
                    seq,
                    reason: format!("row holds event {} of tenant {}", event.seq, event.tenant),
                });
            }
            events.push(event);
        }
        Ok(events)
    }

    async fn last_seq(&self, tenant: TenantId) -> Result<u64, StoreError> {
        self.check_scope(tenant)?;
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT last_seq FROM caredesk_streams WHERE tenant = $1")
            .await
            .map_err(map_pg)?;
        let row = client
            .query_opt(&statement, &[&tenant.0])
            .await
            .map_err(map_pg)?;
        match row {
            Some(row) => from_i64(row.get(0), 0),
            None => Ok(0),
        }
    }

    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<(), StoreError> {
        self.check_scope(snapshot.tenant)?;
        let id = snapshot.tenant.0;
        let seq = to_i64(snapshot.seq, "snapshot seq")?;
        let schema = i32::from(snapshot.schema);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_pg)?;
        let by_tenant: [&(dyn ToSql + Sync); 1] = [&id];
        let (head, lease) = tokio::try_join!(
            tx.query_opt(
                "SELECT last_seq FROM caredesk_streams WHERE tenant = $1",
                &by_tenant
            ),
            tx.query_opt(LEASE_EPOCH, &by_tenant),
        )
        .map_err(map_pg)?;
        self.fence(lease.map(|row| row.get::<_, i64>(0)))?;
        let last: i64 = head.map_or(0, |row| row.get(0));
        if seq > last {
            return Err(StoreError::InvalidBatch(format!(
                "snapshot at seq {} is past the stream end {last}",
                snapshot.seq
            )));
        }
        tx.execute(
            "INSERT INTO caredesk_snapshots (tenant, seq, schema, taken_at, state)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant, seq) DO UPDATE
             SET schema = EXCLUDED.schema, taken_at = EXCLUDED.taken_at, state = EXCLUDED.state",
            &[&id, &seq, &schema, &snapshot.taken_at, &snapshot.state],
        )
        .await
        .map_err(map_pg)?;
        let kept = i64::try_from(super::SNAPSHOTS_KEPT).unwrap_or(i64::MAX);
        tx.execute(
            "DELETE FROM caredesk_snapshots WHERE tenant = $1 AND seq < ALL (
                 SELECT seq FROM caredesk_snapshots WHERE tenant = $1
                 ORDER BY seq DESC LIMIT $2)",
            &[&id, &kept],
        )
        .await
        .map_err(map_pg)?;
        tx.commit().await.map_err(map_pg)
    }

    async fn load_latest_snapshot(&self, tenant: TenantId) -> Result<Option<Snapshot>, StoreError> {
        self.check_scope(tenant)?;
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT seq, schema, taken_at, state FROM caredesk_snapshots
                 WHERE tenant = $1 ORDER BY seq DESC LIMIT 1",
            )
            .await
            .map_err(map_pg)?;
        let Some(row) = client
            .query_opt(&statement, &[&tenant.0])
            .await
            .map_err(map_pg)?
        else {
            return Ok(None);
        };
        let seq = from_i64(row.get(0), 0)?;
        let schema: i32 = row.get(1);
        let schema = u16::try_from(schema).map_err(|_| StoreError::Corrupt {
            seq,
            reason: format!("snapshot schema {schema} out of range"),
        })?;
        let taken_at: DateTime<Utc> = row.get(2);
        let state: Vec<u8> = row.get(3);
        Ok(Some(Snapshot {
            tenant,
            seq,
            schema,
            taken_at,
            state,
        }))
    }

    async fn compacted_through(&self, tenant: TenantId) -> Result<u64, StoreError> {
        self.check_scope(tenant)?;
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT compacted_through FROM caredesk_streams WHERE tenant = $1",
                &[&tenant.0],
            )
            .await
            .map_err(map_pg)?;
        match row {
            Some(row) => from_i64(row.get(0), 0),
            None => Ok(0),
        }
    }

    async fn compact(
        &self,
        tenant: TenantId,
        through_seq: u64,
    ) -> Result<CompactReport, StoreError> {
        self.check_scope(tenant)?;
        let id = tenant.0;
        let through = to_i64(through_seq, "compaction point")?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(map_pg)?;
        let head = tx
            .query_opt(
                "SELECT last_seq, compacted_through FROM caredesk_streams
                 WHERE tenant = $1 FOR UPDATE",
                &[&id],
            )
            .await
            .map_err(map_pg)?;
        let (last, compacted) =
            head.map_or((0, 0), |row| (row.get::<_, i64>(0), row.get::<_, i64>(1)));
        if through > last {
            return Err(StoreError::InvalidBatch(format!(
                "cannot compact through seq {through_seq}: the stream ends at {last}"
            )));
        }
        if through <= compacted {
            return Ok(CompactReport {
                compacted_through: from_i64(compacted, 0)?,
                ..CompactReport::default()
            });
        }
        let covered = tx
            .query_opt(
                "SELECT 1 FROM caredesk_snapshots WHERE tenant = $1 AND seq >= $2 LIMIT 1",
                &[&id, &through],
            )
            .await
            .map_err(map_pg)?;
        if covered.is_none() {
            return Err(StoreError::SnapshotRequired { through_seq });
        }
        let params: [&(dyn ToSql + Sync); 2] = [&id, &through];
        let (events, snapshots, _, _) = tokio::try_join!(
            tx.execute(
                "DELETE FROM caredesk_events WHERE tenant = $1 AND seq <= $2",
                &params
            ),
            tx.execute(
                "DELETE FROM caredesk_snapshots WHERE tenant = $1 AND seq < $2",
                &params
            ),
            tx.execute(
                "DELETE FROM caredesk_batches WHERE tenant = $1 AND last_seq <= $2",
                &params
            ),
            tx.execute(
                "UPDATE caredesk_streams SET compacted_through = $2 WHERE tenant = $1",
                &params
            ),
        )
        .map_err(map_pg)?;
        tx.commit().await.map_err(map_pg)?;
        Ok(CompactReport {
            compacted_through: through_seq,
            events_removed: events,
            snapshots_removed: snapshots,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(valid_schema_name("caredesk_test_12"));
        assert!(!valid_schema_name(""));
        assert!(!valid_schema_name("1abc"));
        assert!(!valid_schema_name("a; DROP TABLE x"));
        assert!(!valid_schema_name("a-b"));
        assert!(!valid_schema_name(&"a".repeat(64)));
    }
}
