//! One conformance suite for every [`EventStore`].
//!
//! Store implementations (memory, SQLite, PostgreSQL, your own) call
//! [`run`] from a test; it exercises ordering, paging, idempotent appends,
//! the expected-sequence conflict, tenant isolation, snapshots and
//! compaction (retention), and returns a description of the first rule
//! broken.

use super::{AppendBatch, CompactReport, EventStore, IdempotencyKey, Snapshot, StoreError};
use crate::engine::{Event, EventPayload, CURRENT_SCHEMA};
use crate::model::{AgentId, Presence, TenantId};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

fn event(tenant: TenantId, seq: u64) -> Event {
    let at = DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000) + Duration::seconds(seq as i64);
    Event {
        seq,
        at,
        tenant,
        schema: CURRENT_SCHEMA,
        payload: EventPayload::PresenceChanged {
            agent: AgentId::from_uuid(Uuid::from_u128(u128::from(seq))),
            presence: if seq % 2 == 0 {
                Presence::Online
            } else {
                Presence::Away
            },
        },
    }
}

fn batch(tenant: TenantId, key: &str, seqs: std::ops::RangeInclusive<u64>) -> AppendBatch {
    AppendBatch {
        idempotency_key: IdempotencyKey::new(key),
        events: seqs.map(|seq| event(tenant, seq)).collect(),
    }
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// Runs the suite against `store`, using tenants derived from `namespace`
/// (pass a fresh value per run so runs against a shared server never collide).
///
/// # Errors
/// A sentence naming the first rule the store broke.
pub async fn run(store: &dyn EventStore, namespace: u64) -> Result<(), String> {
    let tenant = TenantId::from_uuid(Uuid::from_u128((u128::from(namespace) << 64) | 1));
    let other = TenantId::from_uuid(Uuid::from_u128((u128::from(namespace) << 64) | 2));
    let fail = |e: StoreError| format!("unexpected store error: {e}");

    ensure!(
        store.last_seq(tenant).await.map_err(fail)? == 0,
        "a new stream must start at seq 0"
    );
    let first = store
        .append(tenant, 0, batch(tenant, "k1", 1..=3))
        .await
        .map_err(fail)?;
    ensure!(
        (first.first_seq, first.last_seq, first.duplicate) == (1, 3, false),
        "first append should cover 1..=3, got {first:?}"
    );
    let again = store
        .append(tenant, 0, batch(tenant, "k1", 1..=3))
        .await
        .map_err(fail)?;
    ensure!(
        again.duplicate && (again.first_seq, again.last_seq) == (1, 3),
        "a repeated idempotency key must return the original outcome, got {again:?}"
    );
    ensure!(
        store.last_seq(tenant).await.map_err(fail)? == 3,
        "a repeated key must not write twice"
    );

    match store.append(tenant, 1, batch(tenant, "k2", 2..=2)).await {
        Err(StoreError::Conflict {
            expected: 1,
            actual: 3,
        }) => {}
        other => return Err(format!("a stale expected seq must conflict, got {other:?}")),
    }
    match store.append(tenant, 3, batch(tenant, "k3", 5..=5)).await {
        Err(StoreError::InvalidBatch(_)) => {}
        other => {
            return Err(format!(
                "a gap in sequence numbers must be refused, got {other:?}"
            ))
        }
    }
    match store
        .append(
            tenant,
            3,
            AppendBatch {
                idempotency_key: IdempotencyKey::new("k4"),
                events: Vec::new(),
            },
        )
        .await
    {
        Err(StoreError::InvalidBatch(_)) => {}
        other => return Err(format!("an empty batch must be refused, got {other:?}")),
    }
    match store.append(tenant, 3, batch(other, "k5", 4..=4)).await {
        Err(StoreError::InvalidBatch(_)) => {}
        other => {
            return Err(format!(
                "another tenant's event must be refused, got {other:?}"
            ))
        }
    }
    store
        .append(tenant, 3, batch(tenant, "k6", 4..=25))
        .await
        .map_err(fail)?;

    let all = super::read_all(store, tenant, 1).await.map_err(fail)?;
    let seqs: Vec<u64> = all.iter().map(|e| e.seq).collect();
    ensure!(
        seqs == (1..=25).collect::<Vec<_>>(),
        "events must read back in order, got {seqs:?}"
    );
    ensure!(
        all[4] == event(tenant, 5),
        "events must read back exactly as written"
    );
    let page = store.read_from(tenant, 10, 5).await.map_err(fail)?;
    let page_seqs: Vec<u64> = page.iter().map(|e| e.seq).collect();
    ensure!(
        page_seqs == vec![10, 11, 12, 13, 14],
        "read_from(10, 5) must return 10..=14, got {page_seqs:?}"
    );
    ensure!(
        store
            .read_from(tenant, 26, 5)
            .await
            .map_err(fail)?
            .is_empty(),
        "reading past the end returns nothing"
    );

    ensure!(
        store.last_seq(other).await.map_err(fail)? == 0,
        "tenants must be isolated"
    );
    ensure!(
        store
            .read_from(other, 1, 10)
            .await
            .map_err(fail)?
            .is_empty(),
        "tenants must be isolated on read"
    );
    store
        .append(other, 0, batch(other, "k1", 1..=1))
        .await
        .map_err(fail)
        .and_then(|o| {
            if o.duplicate {
                Err("idempotency keys are per tenant".to_string())
            } else {
                Ok(())
            }
        })?;

    ensure!(
        store
            .load_latest_snapshot(tenant)
            .await
            .map_err(fail)?
            .is_none(),
        "no snapshot yet"
    );
    let snapshot = |seq: u64| Snapshot {
        tenant,
        seq,
        schema: CURRENT_SCHEMA,
        taken_at: DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_001),
        state: format!("{{\"state_at\":{seq}}}").into_bytes(),
    };
    store.save_snapshot(snapshot(10)).await.map_err(fail)?;
    store.save_snapshot(snapshot(20)).await.map_err(fail)?;
    let latest = store.load_latest_snapshot(tenant).await.map_err(fail)?;
    ensure!(
        latest == Some(snapshot(20)),
        "the latest snapshot must round-trip exactly, got {latest:?}"
    );
    ensure!(
        store
            .load_latest_snapshot(other)
            .await
            .map_err(fail)?
            .is_none(),
        "snapshots are per tenant"
    );
    match store.save_snapshot(snapshot(99)).await {
        Err(StoreError::InvalidBatch(_)) => {}
        other => {
            return Err(format!(
                "a snapshot past the stream end must be refused, got {other:?}"
            ))
        }
    }
    let third = TenantId::from_uuid(Uuid::from_u128((u128::from(namespace) << 64) | 3));
    compaction(store, third).await
}

/// Compaction: removes a prefix only under a snapshot, keeps numbering,
/// refuses reads before the compacted point, forgets old batch keys.
async fn compaction(store: &dyn EventStore, tenant: TenantId) -> Result<(), String> {
    let fail = |e: StoreError| format!("unexpected store error: {e}");
    let snapshot = |seq: u64| Snapshot {
        tenant,
        seq,
        schema: CURRENT_SCHEMA,
        taken_at: DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_001),
        state: format!("{{\"state_at\":{seq}}}").into_bytes(),
    };
    ensure!(
        store.compacted_through(tenant).await.map_err(fail)? == 0,
        "a new stream is not compacted"
    );
    store
        .append(tenant, 0, batch(tenant, "c1", 1..=4))
        .await
        .map_err(fail)?;
    store
        .append(tenant, 4, batch(tenant, "c2", 5..=10))
        .await
        .map_err(fail)?;
    match store.compact(tenant, 6).await {
        Err(StoreError::SnapshotRequired { through_seq: 6 }) => {}
        other => {
            return Err(format!(
                "compaction without a snapshot covering it must be refused, got {other:?}"
            ))
        }
    }
    store.save_snapshot(snapshot(3)).await.map_err(fail)?;
    match store.compact(tenant, 6).await {
        Err(StoreError::SnapshotRequired { through_seq: 6 }) => {}
        other => {
            return Err(format!(
                "a snapshot before the compaction point does not cover it, got {other:?}"
            ))
        }
    }
    // Three snapshots: only the latest two are kept, so the one at 2 is
    // gone once the one at 8 is saved.
    store.save_snapshot(snapshot(2)).await.map_err(fail)?;
    store.save_snapshot(snapshot(3)).await.map_err(fail)?;
    store.save_snapshot(snapshot(8)).await.map_err(fail)?;
    match store.compact(tenant, 11).await {
        Err(StoreError::InvalidBatch(_)) => {}
        other => {
            return Err(format!(
                "compaction past the stream end must be refused, got {other:?}"
            ))
        }
    }
    ensure!(
        super::read_all(store, tenant, 1).await.map_err(fail)?.len() == 10,
        "a refused compaction removes nothing"
    );
    let report = store.compact(tenant, 6).await.map_err(fail)?;
    ensure!(
        report
            == CompactReport {
                compacted_through: 6,
                events_removed: 6,
                snapshots_removed: 1,
            },
        "compacting 1..=6 with snapshots at 3 and 8 (the one at 2 was dropped when the one at 8 came) removes 6 events and the snapshot at 3, got {report:?}"
    );
    ensure!(
        store.compacted_through(tenant).await.map_err(fail)? == 6,
        "the compacted point is recorded"
    );
    ensure!(
        store.last_seq(tenant).await.map_err(fail)? == 10,
        "compaction keeps the stream's numbering"
    );
    for from in [0, 1, 6] {
        match store.read_from(tenant, from, 10).await {
            Err(StoreError::Compacted {
                first_retained: 7, ..
            }) => {}
            other => {
                return Err(format!(
                    "reading from {from}, before the compacted point, must say so, got {other:?}"
                ))
            }
        }
    }
    let tail = super::read_all(store, tenant, 7).await.map_err(fail)?;
    ensure!(
        tail == (7..=10).map(|seq| event(tenant, seq)).collect::<Vec<_>>(),
        "the retained tail reads back exactly, got {:?}",
        tail.iter().map(|e| e.seq).collect::<Vec<_>>()
    );
    ensure!(
        store.load_latest_snapshot(tenant).await.map_err(fail)? == Some(snapshot(8)),
        "the snapshot covering the compacted point is kept"
    );
    let again = store.compact(tenant, 5).await.map_err(fail)?;
    ensure!(
        again
            == CompactReport {
                compacted_through: 6,
                ..CompactReport::default()
            },
        "compacting through an earlier point changes nothing, got {again:?}"
    );
    match store.append(tenant, 0, batch(tenant, "c1", 1..=4)).await {
        Err(StoreError::Conflict {
            expected: 0,
            actual: 10,
        }) => {}
        other => {
            return Err(format!(
                "a retry of a compacted batch is judged by its expected seq, got {other:?}"
            ))
        }
    }
    let retried = store
        .append(tenant, 4, batch(tenant, "c2", 5..=10))
        .await
        .map_err(fail)?;
    ensure!(
        retried.duplicate && (retried.first_seq, retried.last_seq) == (5, 10),
        "a batch partly retained keeps its idempotency key, got {retried:?}"
    );
    store
        .append(tenant, 10, batch(tenant, "c3", 11..=12))
        .await
        .map_err(fail)?;
    store.save_snapshot(snapshot(12)).await.map_err(fail)?;
    let all = store.compact(tenant, 12).await.map_err(fail)?;
    ensure!(
        (all.compacted_through, all.events_removed) == (12, 6),
        "compacting everything removes the rest, got {all:?}"
    );
    ensure!(
        store.last_seq(tenant).await.map_err(fail)? == 12,
        "a fully compacted stream keeps its last seq"
    );
    ensure!(
        store
            .read_from(tenant, 13, 10)
            .await
            .map_err(fail)?
            .is_empty(),
        "a fully compacted stream reads nothing after its end"
    );
    match store.append(tenant, 11, batch(tenant, "c4", 12..=12)).await {
        Err(StoreError::Conflict {
            expected: 11,
            actual: 12,
        }) => {}
        other => {
            return Err(format!(
                "a fully compacted stream still fences stale writers, got {other:?}"
            ))
        }
    }
    store
        .append(tenant, 12, batch(tenant, "c4", 13..=13))
        .await
        .map_err(fail)?;
    ensure!(
        super::read_all(store, tenant, 13).await.map_err(fail)? == vec![event(tenant, 13)],
        "appends continue after a full compaction"
    );
    Ok(())
}
