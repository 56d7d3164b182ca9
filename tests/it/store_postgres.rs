//! The PostgreSQL event store against the real server: the shared
//! conformance suite, migrations, tenant isolation, fencing by lease epoch,
//! concurrent appends, and the lease and inbox tables.
//!
//! These tests need `CAREDESK_TEST_DATABASE_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`); without it they print why
//! and pass without touching anything. Each test works in a schema of its
//! own, dropped first, so runs never collide and can be repeated.

use crate::support::*;
use caredesk::channel::{Channel, MemoryChannel};
use caredesk::cluster::{Inbox, LeaseStatus, LeaseTable, LeaseTiming, NodeId};
use caredesk::desk::{Desk, DeskConfig, DeskError, ManualClock};
use caredesk::engine::*;
use caredesk::model::*;
use caredesk::store::postgres::{PostgresEventStore, PostgresOptions, POSTGRES_SCHEMA_VERSION};
use caredesk::store::{conformance, read_all, AppendBatch, EventStore, IdempotencyKey, StoreError};
use chrono::Duration;
use std::sync::Arc;
use uuid::Uuid;

/// The test database's URL, or `None` (with a visible note) to skip.
pub fn database_url(test: &str) -> Option<String> {
    match std::env::var("CAREDESK_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "skipping {test}: set CAREDESK_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it against PostgreSQL"
            );
            None
        }
    }
}

/// A direct connection for setup and inspection.
pub async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test database");
    tokio::spawn(connection);
    client
}

/// A schema for `test` alone (dropped first, so reruns start clean).
pub async fn fresh_schema(url: &str, test: &str) -> String {
    let schema = format!("caredesk_t_{test}");
    raw(url)
        .await
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .expect("drop the test schema");
    schema
}

pub async fn open(url: &str, schema: &str) -> PostgresEventStore {
    PostgresEventStore::connect(url, PostgresOptions::default().with_schema(schema))
        .await
        .expect("connect the store")
}

fn tenant(n: u128) -> TenantId {
    TenantId::from_uuid(Uuid::from_u128(0x7E_0000 + n))
}

fn presence(tenant: TenantId, seq: u64) -> Event {
    Event {
        seq,
        at: at("2026-11-23T10:00:00Z") + Duration::seconds(seq as i64),
        tenant,
        schema: CURRENT_SCHEMA,
        payload: EventPayload::PresenceChanged {
            agent: agent_id(1),
            presence: Presence::Online,
        },
    }
}

fn batch(key: &str, tenant: TenantId, seqs: std::ops::RangeInclusive<u64>) -> AppendBatch {
    AppendBatch {
        idempotency_key: IdempotencyKey::new(key),
        events: seqs.map(|seq| presence(tenant, seq)).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_passes_the_conformance_suite() {
    let Some(url) = database_url("postgres_store_passes_the_conformance_suite") else {
        return;
    };
    let schema = fresh_schema(&url, "conformance").await;
    let store = open(&url, &schema).await;
    conformance::run(&store, 1).await.unwrap();
    // A second run in the same schema, with other tenants, passes as well.
    conformance::run(&store, 2).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_recorded_applied_once_and_a_newer_schema_is_refused() {
    let Some(url) = database_url("migrations") else {
        return;
    };
    let schema = fresh_schema(&url, "migrations").await;
    let store = open(&url, &schema).await;
    assert_eq!(
        store.schema_version().await.unwrap(),
        POSTGRES_SCHEMA_VERSION
    );
    store
        .append(tenant(1), 0, batch("k", tenant(1), 1..=2))
        .await
        .unwrap();
    // Reconnecting (another node starting) changes nothing.
    let again = open(&url, &schema).await;
    assert_eq!(
        again.schema_version().await.unwrap(),
        POSTGRES_SCHEMA_VERSION
    );
    assert_eq!(again.last_seq(tenant(1)).await.unwrap(), 2);
    raw(&url)
        .await
        .batch_execute(&format!(
            "INSERT INTO {schema}.caredesk_migrations (version) VALUES (999)"
        ))
        .await
        .unwrap();
    let newer = PostgresEventStore::connect(&url, PostgresOptions::default().with_schema(&schema))
        .await
        .unwrap_err();
    assert_eq!(
        newer,
        StoreError::SchemaTooNew {
            found: 999,
            supported: POSTGRES_SCHEMA_VERSION
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_with_the_same_expected_seq_commit_exactly_one() {
    let Some(url) = database_url("concurrent_appends") else {
        return;
    };
    let schema = fresh_schema(&url, "concurrent").await;
    let store = Arc::new(open(&url, &schema).await);
    let t = tenant(1);
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .append(t, 0, batch(&format!("writer-{writer}"), t, 1..=3))
                .await
        }));
    }
    let mut won = 0;
    let mut conflicts = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(outcome) => {
                assert!(!outcome.duplicate);
                won += 1;
            }
            Err(StoreError::Conflict {
                expected: 0,
                actual: 3,
            }) => conflicts += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((won, conflicts), (1, 7));
    assert_eq!(read_all(&*store, t, 1).await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_append_racing_its_original_returns_the_original_outcome() {
    let Some(url) = database_url("retried_append") else {
        return;
    };
    let schema = fresh_schema(&url, "retried").await;
    let store = Arc::new(open(&url, &schema).await);
    let t = tenant(1);
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.append(t, 0, batch("same-key", t, 1..=4)).await
        }));
    }
    let mut fresh = 0;
    for task in tasks {
        let outcome = task.await.unwrap().unwrap();
        assert_eq!((outcome.first_seq, outcome.last_seq), (1, 4));
        fresh += usize::from(!outcome.duplicate);
    }
    assert_eq!(fresh, 1, "exactly one of the racing retries writes");
    assert_eq!(store.last_seq(t).await.unwrap(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_lease_epoch_is_fenced_off_by_the_store() {
    let Some(url) = database_url("fencing") else {
        return;
    };
    let schema = fresh_schema(&url, "fencing").await;
    let store = open(&url, &schema).await;
    let leases = LeaseTable::new(&store);
    let timing = LeaseTiming::with_ttl(Duration::seconds(10));
    let t = tenant(1);
    let now = at("2026-11-23T10:00:00Z");
    let (a, b) = (NodeId::new("a"), NodeId::new("b"));
    let LeaseStatus::Held(first) = leases.acquire_or_renew(t, &a, now, &timing).await.unwrap()
    else {
        panic!("a should take the free lease")
    };
    assert_eq!(first.epoch, 1);
    let old = store.with_lease(t, 1);
    old.append(t, 0, batch("a1", t, 1..=2)).await.unwrap();

    // a stops renewing; b takes over once the lease lapsed.
    let later = now + Duration::seconds(11);
    let LeaseStatus::Held(second) = leases
        .acquire_or_renew(t, &b, later, &timing)
        .await
        .unwrap()
    else {
        panic!("b should take the lapsed lease")
    };
    assert_eq!(second.epoch, 2);
    let new = store.with_lease(t, 2);

    // The stale writer is refused even with the right expected seq.
    assert_eq!(
        old.append(t, 2, batch("a2", t, 3..=3)).await,
        Err(StoreError::Fenced {
            epoch: 1,
            current: 2
        })
    );
    // So is a writer without a lease, once the tenant has one.
    assert_eq!(
        store.append(t, 2, batch("plain", t, 3..=3)).await,
        Err(StoreError::Fenced {
            epoch: 0,
            current: 2
        })
    );
    let snapshot = caredesk::store::Snapshot {
        tenant: t,
        seq: 2,
        schema: CURRENT_SCHEMA,
        taken_at: later,
        state: b"{}".to_vec(),
    };
    assert_eq!(
        old.save_snapshot(snapshot.clone()).await,
        Err(StoreError::Fenced {
            epoch: 1,
            current: 2
        })
    );
    // The new owner writes on.
    new.append(t, 2, batch("b1", t, 3..=3)).await.unwrap();
    new.save_snapshot(snapshot).await.unwrap();
    assert_eq!(store.last_seq(t).await.unwrap(), 3);
    // a learns it lost the lease when it tries to renew.
    assert!(matches!(
        leases
            .acquire_or_renew(t, &a, later + Duration::seconds(1), &timing)
            .await
            .unwrap(),
        LeaseStatus::Elsewhere { .. }
    ));
    // Each batch records the epoch it was written under.
    let epochs: Vec<i64> = raw(&url)
        .await
        .query(
            &format!(
                "SELECT epoch FROM {schema}.caredesk_batches WHERE tenant = $1 ORDER BY first_seq"
            ),
            &[&t.0],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(epochs, vec![1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_racing_for_a_free_lease_cannot_both_win() {
    let Some(url) = database_url("lease_race") else {
        return;
    };
    let schema = fresh_schema(&url, "lease_race").await;
    let store = open(&url, &schema).await;
    let timing = LeaseTiming::with_ttl(Duration::seconds(10));
    let now = at("2026-11-23T10:00:00Z");
    for round in 0..10u128 {
        let t = tenant(100 + round);
        let mut tasks = Vec::new();
        for node in 0..4 {
            let leases = LeaseTable::new(&store);
            tasks.push(tokio::spawn(async move {
                leases
                    .acquire_or_renew(t, &NodeId::new(format!("n{node}")), now, &timing)
                    .await
                    .unwrap()
            }));
        }
        let mut held = 0;
        for task in tasks {
            held += usize::from(matches!(task.await.unwrap(), LeaseStatus::Held(_)));
        }
        assert_eq!(held, 1, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_tenants_desk_cannot_read_or_append_to_another_tenants_stream() {
    let Some(url) = database_url("tenant_isolation") else {
        return;
    };
    let schema = fresh_schema(&url, "isolation").await;
    let store = open(&url, &schema).await;
    let klm = TENANT;
    let other = TenantId::from_uuid(Uuid::from_u128(0xBEEF));
    let other_config = move || EngineConfig::new(other).with_channel(x(), Some(Language::ENGLISH));
    let clock = Arc::new(ManualClock::new(at("2026-11-23T10:00:00Z")));
    let channel: Arc<dyn Channel> = Arc::new(MemoryChannel::new(x()));

    let klm_store = store.for_tenant(klm);
    let other_store = store.for_tenant(other);
    let (klm_desk, klm_task) = Desk::start(
        config,
        Arc::new(klm_store.clone()),
        vec![channel.clone()],
        clock.clone(),
        DeskConfig::default(),
    )
    .await
    .unwrap();
    let (other_desk, other_task) = Desk::start(
        other_config,
        Arc::new(other_store.clone()),
        vec![channel.clone()],
        clock.clone(),
        DeskConfig::default(),
    )
    .await
    .unwrap();
    let now = at("2026-11-23T10:00:00Z");
    klm_desk
        .ingest(tweet("k1", "@anna", "where is my bag?", now))
        .await
        .unwrap();
    other_desk
        .ingest(tweet("o1", "@bert", "is my flight on time?", now))
        .await
        .unwrap();
    other_desk
        .ingest(tweet("o2", "@carl", "can I bring a dog?", now))
        .await
        .unwrap();

    // The handle a desk writes through refuses any other tenant.
    let other_tail = other_store.last_seq(other).await.unwrap();
    assert_eq!(
        klm_store.read_from(other, 1, 100).await,
        Err(StoreError::OtherTenant {
            scope: klm,
            tenant: other
        })
    );
    assert_eq!(
        klm_store.last_seq(other).await,
        Err(StoreError::OtherTenant {
            scope: klm,
            tenant: other
        })
    );
    assert_eq!(
        klm_store
            .append(
                other,
                other_tail,
                batch("x", other, other_tail + 1..=other_tail + 1)
            )
            .await,
        Err(StoreError::OtherTenant {
            scope: klm,
            tenant: other
        })
    );
    // A desk for one tenant started on another tenant's handle cannot load.
    let wrong = Desk::start(
        other_config,
        Arc::new(klm_store.clone()),
        vec![channel.clone()],
        clock.clone(),
        DeskConfig::default(),
    )
    .await;
    assert!(matches!(
        wrong,
        Err(DeskError::Store(StoreError::OtherTenant { .. }))
    ));
    // Each stream holds its own tenant's events only, untouched by the other.
    assert_eq!(other_store.last_seq(other).await.unwrap(), other_tail);
    let klm_log = read_all(&klm_store, klm, 1).await.unwrap();
    let other_log = read_all(&other_store, other, 1).await.unwrap();
    assert!(klm_log.iter().all(|e| e.tenant == klm));
    assert!(other_log.iter().all(|e| e.tenant == other));
    let received = |log: &[Event]| {
        log.iter()
            .filter(|e| e.payload.name() == "message_received")
            .count()
    };
    assert_eq!((received(&klm_log), received(&other_log)), (1, 2));
    klm_desk.shutdown().await.unwrap();
    other_desk.shutdown().await.unwrap();
    klm_task.await.unwrap().unwrap();
    other_task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_message_is_stored_once_and_wakes_listeners() {
    let Some(url) = database_url("inbox") else {
        return;
    };
    let schema = fresh_schema(&url, "inbox").await;
    let store = open(&url, &schema).await;
    let inbox = Inbox::new(&store);
    // Listen on the inbox channel with a connection of our own.
    let (client, mut connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let (notes_tx, mut notes_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(message)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            if let tokio_postgres::AsyncMessage::Notification(note) = message {
                let _ = notes_tx.send(note.payload().to_string());
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN \"{}\"", inbox.channel()))
        .await
        .unwrap();
    let now = at("2026-11-23T10:00:00Z");
    let message = tweet("i1", "@anna", "where is my bag?", now);
    let node = NodeId::new("a");
    let first = inbox.push(TENANT, &message, &node, now).await.unwrap();
    let again = inbox.push(TENANT, &message, &node, now).await.unwrap();
    assert!(!first.duplicate);
    assert_eq!(
        again,
        caredesk::cluster::InboxReceipt {
            id: first.id,
            duplicate: true
        }
    );
    assert_eq!(inbox.pending(TENANT).await.unwrap(), 1);
    let note = tokio::time::timeout(std::time::Duration::from_secs(5), notes_rx.recv())
        .await
        .expect("a notification within 5 s")
        .unwrap();
    assert_eq!(note, TENANT.0.to_string());

    // The owner drains it into its desk; it is recorded once and marked done.
    let clock = Arc::new(ManualClock::new(now));
    let channel: Arc<dyn Channel> = Arc::new(MemoryChannel::new(x()));
    let (desk, task) = Desk::start(
        config,
        Arc::new(store.for_tenant(TENANT)),
        vec![channel],
        clock,
        DeskConfig::default(),
    )
    .await
    .unwrap();
    let drained = inbox.drain(TENANT, &desk, &node, 10).await.unwrap();
    assert_eq!((drained.claimed, drained.recorded), (1, 1));
    assert_eq!(inbox.pending(TENANT).await.unwrap(), 0);
    assert_eq!(
        inbox.drain(TENANT, &desk, &node, 10).await.unwrap().claimed,
        0
    );
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_claimed_by_one_node_is_skipped_by_another() {
    let Some(url) = database_url("skip_locked") else {
        return;
    };
    let schema = fresh_schema(&url, "skip_locked").await;
    let store = open(&url, &schema).await;
    let inbox = Inbox::new(&store);
    let now = at("2026-11-23T10:00:00Z");
    let node = NodeId::new("a");
    for n in 0..3 {
        inbox
            .push(
                TENANT,
                &tweet(&format!("s{n}"), &format!("@c{n}"), "where is my bag?", now),
                &node,
                now,
            )
            .await
            .unwrap();
    }
    // Another node holds the oldest row in an open transaction.
    let mut holder = raw(&url).await;
    let tx = holder.transaction().await.unwrap();
    let held = tx
        .query_one(
            &format!("SELECT id FROM {schema}.caredesk_inbox ORDER BY id LIMIT 1 FOR UPDATE"),
            &[],
        )
        .await
        .unwrap();
    let held_id: i64 = held.get(0);
    let clock = Arc::new(ManualClock::new(now));
    let channel: Arc<dyn Channel> = Arc::new(MemoryChannel::new(x()));
    let (desk, task) = Desk::start(
        config,
        Arc::new(store.for_tenant(TENANT)),
        vec![channel],
        clock,
        DeskConfig::default(),
    )
    .await
    .unwrap();
    let drained = inbox.drain(TENANT, &desk, &node, 10).await.unwrap();
    assert_eq!(
        drained.claimed, 2,
        "the locked row is skipped, not waited for"
    );
    assert_eq!(inbox.pending(TENANT).await.unwrap(), 1);
    tx.rollback().await.unwrap();
    let drained = inbox.drain(TENANT, &desk, &node, 10).await.unwrap();
    assert_eq!(drained.claimed, 1);
    let log = read_all(&store, TENANT, 1).await.unwrap();
    let ids: Vec<&str> = log
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::MessageReceived { inbound, .. } => Some(inbound.external_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(held_id > 0);
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}
