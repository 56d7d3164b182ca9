//! PostgreSQL figures (feature `postgres`), against the server named by
//! `CAREDESK_TEST_DATABASE_URL` (skipped with a note without it):
//!
//! - append throughput: one writer appending one event per transaction (the
//!   baseline), then batches of 64 and 256 events, then 32 tenants' writers
//!   at once with 64-event batches;
//! - end to end with three nodes: messages received round robin at three
//!   nodes, stored in the inbox, drained by the owner, recorded, and each
//!   acknowledged through the outbox, until every reply is delivered.
//!
//! `CAREDESK_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!  cargo bench --bench postgres --features postgres -- --warm-up-time 1 --measurement-time 3`

use caredesk::channel::{Channel, MemoryChannel};
use caredesk::cluster::{LeaseTiming, Node, NodeConfig, NodeId, TenantSetup};
use caredesk::desk::{Clock, SystemClock};
use caredesk::engine::{EngineConfig, Event, EventPayload, CURRENT_SCHEMA};
use caredesk::escalation::{Acknowledgement, Action, Condition, EscalationRule, EscalationRules};
use caredesk::model::*;
use caredesk::store::postgres::{PostgresEventStore, PostgresOptions};
use caredesk::store::{read_all, AppendBatch, EventStore, IdempotencyKey};
use chrono::{DateTime, Utc};
use criterion::Criterion;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SCHEMA: &str = "caredesk_bench";

fn tenant(n: u128) -> TenantId {
    TenantId::from_uuid(uuid::Uuid::from_u128(0xB000 + n))
}

fn start() -> DateTime<Utc> {
    "2026-11-23T00:00:00Z".parse().expect("fixed time")
}

fn presence(tenant: TenantId, seq: u64) -> Event {
    Event {
        seq,
        at: start(),
        tenant,
        schema: CURRENT_SCHEMA,
        payload: EventPayload::PresenceChanged {
            agent: AgentId::from_uuid(uuid::Uuid::from_u128(u128::from(seq))),
            presence: Presence::Online,
        },
    }
}

/// Appends `appends` batches of `size` events to `t` from `next` on, one
/// after another; returns the events written.
async fn append_run(
    store: &PostgresEventStore,
    t: TenantId,
    next: &mut u64,
    appends: usize,
    size: u64,
) -> u64 {
    for _ in 0..appends {
        let first = *next + 1;
        store
            .append(
                t,
                *next,
                AppendBatch {
                    idempotency_key: IdempotencyKey::new(format!("b{first}")),
                    events: (first..first + size).map(|s| presence(t, s)).collect(),
                },
            )
            .await
            .expect("append");
        *next += size;
    }
    appends as u64 * size
}

async fn rate(
    store: &PostgresEventStore,
    t: TenantId,
    next: &mut u64,
    appends: usize,
    size: u64,
) -> f64 {
    let began = Instant::now();
    let events = append_run(store, t, next, appends, size).await;
    events as f64 / began.elapsed().as_secs_f64()
}

async fn parallel_rate(
    store: &PostgresEventStore,
    writers: u128,
    appends: usize,
    size: u64,
) -> f64 {
    let began = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let t = tenant(1_000 + w);
            let mut next = store.last_seq(t).await.expect("last seq");
            append_run(&store, t, &mut next, appends, size).await
        }));
    }
    let mut events = 0;
    for task in tasks {
        events += task.await.expect("writer");
    }
    events as f64 / began.elapsed().as_secs_f64()
}

fn x() -> ChannelRef {
    ChannelRef::new(ChannelKind::X, "@KLM")
}

fn acknowledging() -> EngineConfig {
    EngineConfig::new(tenant(0xE2E))
        .with_channel(x(), Some(Language::ENGLISH))
        .with_escalation(
            EscalationRules::new(vec![EscalationRule::new(
                "acknowledge",
                Condition::all([Condition::KindIs(Kind::Query)]),
            )
            .then(Action::Acknowledge(Acknowledgement::new(
                Visibility::Public,
                "Thanks, an agent will answer within the hour.",
            )))])
            .expect("rules"),
        )
}

/// Three nodes, `messages` questions received round robin; returns
/// messages per second until every acknowledgement was delivered.
async fn three_nodes(url: &str, messages: usize) -> f64 {
    let network = Arc::new(MemoryChannel::new(x()));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut nodes = Vec::new();
    for name in ["a", "b", "c"] {
        let store =
            PostgresEventStore::connect(url, PostgresOptions::default().with_schema(SCHEMA))
                .await
                .expect("connect");
        let mut config = NodeConfig::new(NodeId::new(name));
        config.lease = LeaseTiming::with_ttl(chrono::Duration::seconds(3));
        config.poll_every = Duration::from_millis(200);
        let channel: Arc<dyn Channel> = network.clone();
        nodes.push(
            Node::start(
                store,
                clock.clone(),
                config,
                vec![TenantSetup::new(acknowledging, vec![channel])],
            )
            .await
            .expect("node"),
        );
    }
    while nodes.iter().all(|n| n.owned().is_empty()) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let began = Instant::now();
    let mut receivers = Vec::new();
    let nodes = Arc::new(nodes);
    for index in 0..3 {
        let nodes = nodes.clone();
        let clock = clock.clone();
        receivers.push(tokio::spawn(async move {
            let node = &nodes[index];
            for n in (index..messages).step_by(3) {
                let message = InboundMessage::new(
                    x(),
                    format!("e{n}"),
                    Identity::new(ChannelKind::X, format!("@c{n}")),
                    Visibility::Public,
                    "@KLM where is my bag?",
                    clock.now(),
                );
                node.receive(tenant(0xE2E), &message)
                    .await
                    .expect("receive");
            }
        }));
    }
    for receiver in receivers {
        receiver.await.expect("receiver");
    }
    while network.sent().len() < messages {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = began.elapsed();
    let Ok(nodes) = Arc::try_unwrap(nodes) else {
        panic!("nodes still shared")
    };
    for node in nodes {
        node.shutdown().await;
    }
    messages as f64 / elapsed.as_secs_f64()
}

async fn reset(url: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        .await
        .expect("drop schema");
}

fn main() {
    let Ok(url) = std::env::var("CAREDESK_TEST_DATABASE_URL") else {
        eprintln!("postgres bench skipped: set CAREDESK_TEST_DATABASE_URL");
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let store = runtime.block_on(async {
        reset(&url).await;
        PostgresEventStore::connect(&url, PostgresOptions::default().with_schema(SCHEMA))
            .await
            .expect("connect")
    });
    runtime.block_on(async {
        let t = tenant(1);
        let mut next = 0;
        append_run(&store, t, &mut next, 50, 1).await;
        let single = rate(&store, t, &mut next, 1_000, 1).await;
        let b64 = rate(&store, t, &mut next, 200, 64).await;
        let b256 = rate(&store, t, &mut next, 100, 256).await;
        let parallel = parallel_rate(&store, 32, 20, 64).await;
        let e2e = three_nodes(&url, 3_000).await;
        let events = read_all(&store, tenant(0xE2E), 1).await.expect("read").len();
        eprintln!(
            "postgres: appends, one writer: 1 event/append {single:.0} events/s (baseline); \
             64-event batches {b64:.0} events/s (ratio {:.1}x); 256-event batches {b256:.0} events/s (ratio {:.1}x); \
             32 tenants x 64-event batches at once {parallel:.0} events/s (ratio {:.1}x)",
            b64 / single,
            b256 / single,
            parallel / single,
        );
        eprintln!(
            "postgres: three nodes end to end (receive at any node -> inbox -> owner -> events -> reply delivered): \
             {e2e:.0} messages/s ({events} events for 3,000 messages)"
        );
    });
    let mut criterion = Criterion::default().configure_from_args();
    let t = tenant(2);
    let mut next = 0;
    criterion.bench_function("postgres append, 1 event per append (baseline)", |b| {
        b.iter(|| runtime.block_on(append_run(&store, t, &mut next, 1, 1)))
    });
    criterion.bench_function("postgres append, 64-event batch", |b| {
        b.iter(|| runtime.block_on(append_run(&store, t, &mut next, 1, 64)))
    });
    criterion.final_summary();
}
