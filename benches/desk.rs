//! End-to-end desk figures (features `runtime`, `sqlite`): inbound message →
//! durable append in SQLite (synchronous = FULL) → engine → reply →
//! memory channel → delivery recorded. Prints messages per second and the
//! p50/p99 latency from receipt to persisted (the ingest acknowledgement),
//! with the desk's batching on, against one input per append as baseline.
//!
//! `cargo bench --bench desk --features runtime,sqlite -- --warm-up-time 1 --measurement-time 3`

use caredesk::channel::{Channel, MemoryChannel};
use caredesk::desk::{Desk, DeskConfig, DeskHandle, SystemClock};
use caredesk::engine::{EngineConfig, Input, Reply};
use caredesk::model::*;
use caredesk::store::sqlite::SqliteEventStore;
use caredesk::store::EventStore;
use criterion::Criterion;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: u64 = 256;

fn x() -> ChannelRef {
    ChannelRef::new(ChannelKind::X, "@KLM")
}

fn tenant() -> TenantId {
    TenantId::from_uuid(uuid::Uuid::from_u128(0xDE5C))
}

fn config() -> EngineConfig {
    EngineConfig::new(tenant()).with_channel(x(), Some(Language::ENGLISH))
}

fn agent_id(n: u128) -> AgentId {
    AgentId::from_uuid(uuid::Uuid::from_u128(0xA000 + n))
}

struct Running {
    desk: DeskHandle,
    task: tokio::task::JoinHandle<Result<caredesk::desk::DeskStatus, caredesk::desk::DeskError>>,
    channel: Arc<MemoryChannel>,
    _dir: tempfile::TempDir,
}

async fn start(max_batch: usize) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn EventStore> =
        Arc::new(SqliteEventStore::open(dir.path().join("desk.db")).expect("open"));
    let channel = Arc::new(MemoryChannel::new(x()));
    let channels: Vec<Arc<dyn Channel>> = vec![channel.clone()];
    let desk_config = DeskConfig {
        max_batch,
        ..DeskConfig::default()
    };
    let (desk, task) = Desk::start(config, store, channels, Arc::new(SystemClock), desk_config)
        .await
        .expect("start");
    for n in 0..50 {
        let agent = Agent::new(
            agent_id(n),
            format!("A{n}"),
            [Language::ENGLISH],
            Capacity::total(1_000),
        )
        .expect("agent")
        .with_presence(Presence::Online);
        desk.submit(Input::UpsertAgent(agent)).await.expect("agent");
    }
    Running {
        desk,
        task,
        channel,
        _dir: dir,
    }
}

/// `CLIENTS` concurrent clients each ingest `each` questions and reply to
/// them; returns (messages/s, p50, p99 receipt→persisted).
async fn run(running: &Running, next: &AtomicU64, each: u64) -> (f64, Duration, Duration) {
    let began = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let desk = running.desk.clone();
        let ids: Vec<u64> = (0..each)
            .map(|_| next.fetch_add(1, Ordering::Relaxed))
            .collect();
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(ids.len());
            for n in ids {
                let message = InboundMessage::new(
                    x(),
                    format!("m{n}"),
                    Identity::new(ChannelKind::X, format!("@c{n}")),
                    Visibility::Public,
                    "@KLM where is my bag?",
                    chrono::DateTime::UNIX_EPOCH,
                );
                let received = Instant::now();
                let receipt = desk
                    .ingest_classified(
                        message,
                        Some(Classification::query(Some(Language::ENGLISH))),
                    )
                    .await
                    .expect("ingest");
                latencies.push(received.elapsed());
                let conversation = receipt.conversation.expect("conversation");
                let agent = receipt.events.iter().find_map(|e| match &e.payload {
                    caredesk::engine::EventPayload::ConversationAssigned { agent, .. } => {
                        Some(*agent)
                    }
                    _ => None,
                });
                if let Some(agent) = agent {
                    desk.submit(Input::Reply(Reply {
                        conversation,
                        agent,
                        visibility: Visibility::Public,
                        text: "On its way. ^AG".into(),
                        attachments: vec![],
                    }))
                    .await
                    .expect("reply");
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await.expect("client"));
    }
    loop {
        if running.desk.status().await.expect("status").outbox == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = began.elapsed();
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    (
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pick(0.5),
        pick(0.99),
    )
}

fn figures(runtime: &tokio::runtime::Runtime) {
    for (label, max_batch, each) in [
        ("batched appends", 256, 20),
        ("one input per append (baseline)", 1, 2),
    ] {
        let (rate, p50, p99, sent, events) = runtime.block_on(async {
            let running = start(max_batch).await;
            let next = AtomicU64::new(0);
            let (rate, p50, p99) = run(&running, &next, each).await;
            let sent = running.channel.sent().len();
            let events = running.desk.status().await.expect("status").last_seq;
            running.desk.shutdown().await.expect("shutdown");
            running.task.await.expect("task").expect("desk");
            (rate, p50, p99, sent, events)
        });
        eprintln!(
            "desk: {label}: {CLIENTS} clients x {each} messages: {rate:.0} messages/s end to end \
             (ingest, reply, send, delivery recorded; {sent} replies sent, {events} events durable); \
             receipt→persisted p50 {p50:.2?}, p99 {p99:.2?}"
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    figures(&runtime);
    let mut criterion = Criterion::default().configure_from_args().sample_size(10);
    let running = runtime.block_on(start(256));
    let next = AtomicU64::new(0);
    criterion.bench_function(
        "desk: 256 clients x 1 message, ingest + reply + send",
        |b| b.iter(|| runtime.block_on(run(&running, &next, 1))),
    );
    criterion.final_summary();
}
