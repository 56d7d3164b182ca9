//! SQLite event store figures (feature `sqlite`).
//!
//! - Durable append throughput (synchronous = FULL): 512 writers appending
//!   one-event batches at once, grouped into shared transactions, against
//!   the baseline of one event per transaction (`max_group = 1`, one writer).
//! - Cold start of a simulated week (≈1M events): snapshot load + tail
//!   replay, against a full replay.
//!
//! `cargo bench --bench store --features sqlite -- --warm-up-time 1 --measurement-time 3`
//! (set `CAREDESK_BENCH_EVENTS` to change the week's size).

use caredesk::engine::{Engine, EngineConfig, EngineState, Event, Input, Reply, StatusChange};
use caredesk::engine::{EventPayload, CURRENT_SCHEMA};
use caredesk::model::*;
use caredesk::store::sqlite::{SqliteEventStore, SqliteOptions};
use caredesk::store::{read_all, AppendBatch, EventStore, IdempotencyKey, Snapshot};
use chrono::{DateTime, Duration, Utc};
use criterion::Criterion;
use futures::executor::block_on;
use std::time::Instant;

const WRITERS: u128 = 512;

fn tenant(n: u128) -> TenantId {
    TenantId::from_uuid(uuid::Uuid::from_u128(0x5000 + n))
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

/// Appends `rounds` one-event batches from each of 512 writers, all in
/// flight at once; returns events per second.
fn grouped(store: &SqliteEventStore, next: &mut [u64], rounds: usize, per_append: u64) -> f64 {
    let began = Instant::now();
    let mut events = 0;
    for _ in 0..rounds {
        let appends = (0..WRITERS).map(|w| {
            let t = tenant(w);
            let seq = next[w as usize] + 1;
            store.append(
                t,
                seq - 1,
                AppendBatch {
                    idempotency_key: IdempotencyKey::new(format!("g{seq}")),
                    events: (seq..seq + per_append).map(|s| presence(t, s)).collect(),
                },
            )
        });
        for outcome in block_on(futures::future::join_all(appends)) {
            outcome.expect("append");
        }
        for n in next.iter_mut() {
            *n += per_append;
        }
        events += (WRITERS as u64 * per_append) as usize;
    }
    events as f64 / began.elapsed().as_secs_f64()
}

/// One writer, one event per transaction; returns events per second.
fn single(store: &SqliteEventStore, next: &mut u64, count: usize) -> f64 {
    let t = tenant(999);
    let began = Instant::now();
    for _ in 0..count {
        let seq = *next + 1;
        block_on(store.append(
            t,
            seq - 1,
            AppendBatch {
                idempotency_key: IdempotencyKey::new(format!("s{seq}")),
                events: vec![presence(t, seq)],
            },
        ))
        .expect("append");
        *next = seq;
    }
    count as f64 / began.elapsed().as_secs_f64()
}

fn x() -> ChannelRef {
    ChannelRef::new(ChannelKind::X, "@KLM")
}

fn config() -> EngineConfig {
    EngineConfig::new(tenant(0xAAAA)).with_channel(x(), Some(Language::ENGLISH))
}

/// A week of a simple desk: questions every few seconds from 20,000
/// customers, answered and resolved by 150 agents; conversations close and
/// are archived by the engine's own timers.
fn week(target_events: usize) -> Vec<Event> {
    let mut engine = Engine::new(config());
    let mut log = Vec::with_capacity(target_events + 64);
    let mut now = start();
    for n in 0..150u128 {
        let agent = Agent::new(
            AgentId::from_uuid(uuid::Uuid::from_u128(0xA000 + n)),
            format!("Agent {n}"),
            [Language::ENGLISH],
            Capacity::total(5),
        )
        .expect("agent")
        .with_presence(Presence::Online);
        log.extend(
            engine
                .handle(now, Input::UpsertAgent(agent))
                .expect("agent"),
        );
    }
    let messages = target_events / 9 + 1;
    let step = Duration::milliseconds(7 * 24 * 3600 * 1000 / messages as i64);
    let mut i = 0u64;
    while log.len() < target_events {
        now += step;
        let message = InboundMessage::new(
            x(),
            format!("m{i}"),
            Identity::new(ChannelKind::X, format!("@c{}", i % 20_000)),
            Visibility::Public,
            "@KLM where is my bag?",
            now,
        );
        let events = engine
            .handle(
                now,
                Input::Inbound {
                    message,
                    classification: Some(Classification::query(Some(Language::ENGLISH))),
                },
            )
            .expect("inbound");
        let conversation = events.iter().find_map(|e| e.payload.conversation());
        log.extend(events);
        i += 1;
        let Some(conversation) = conversation else {
            continue;
        };
        let Some(agent) = engine
            .conversation(conversation)
            .and_then(|c| c.conversation.assignee)
        else {
            continue;
        };
        let reply = Input::Reply(Reply {
            conversation,
            agent,
            visibility: Visibility::Public,
            text: "Sorry to hear! Please DM us your booking code. ^AG".into(),
            attachments: vec![],
        });
        log.extend(engine.handle(now, reply).expect("reply"));
        let outbound = log.iter().rev().find_map(|e| match &e.payload {
            EventPayload::ReplyRequested { outbound, .. } => Some(outbound.id),
            _ => None,
        });
        if let Some(outbound) = outbound {
            log.extend(
                engine
                    .handle(
                        now,
                        Input::DeliveryReport {
                            outbound,
                            outcome: caredesk::engine::DeliveryOutcome::Delivered {
                                external_id: format!("x{i}").into(),
                            },
                        },
                    )
                    .expect("delivery"),
            );
        }
        log.extend(
            engine
                .handle(
                    now,
                    Input::SetStatus {
                        conversation,
                        change: StatusChange::Resolve,
                    },
                )
                .expect("resolve"),
        );
    }
    log
}

fn cold_start() {
    let target: usize = std::env::var("CAREDESK_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("week.db");
    let began = Instant::now();
    let log = week(target);
    let generated = began.elapsed();
    let store = SqliteEventStore::open(&path).expect("open");
    let t = config().tenant;
    let began = Instant::now();
    let mut last = 0;
    for chunk in log.chunks(10_000) {
        block_on(store.append(
            t,
            last,
            AppendBatch {
                idempotency_key: IdempotencyKey::new(format!("c{last}")),
                events: chunk.to_vec(),
            },
        ))
        .expect("append");
        last += chunk.len() as u64;
    }
    let stored = began.elapsed();
    // Snapshot policy: one every 10,000 events; the latest is at most that
    // far behind, so take it 5,000 events before the end.
    let cut = log.len().saturating_sub(5_000);
    let at_cut = Engine::replay(config(), log[..cut].iter().cloned()).expect("replay");
    block_on(store.save_snapshot(Snapshot {
        tenant: t,
        seq: cut as u64,
        schema: CURRENT_SCHEMA,
        taken_at: at_cut.now().unwrap_or_else(start),
        state: serde_json::to_vec(at_cut.state()).expect("state"),
    }))
    .expect("snapshot");
    let live_state = Engine::replay(config(), log.iter().cloned())
        .expect("replay")
        .state()
        .clone();
    drop(log);
    store.close();

    let store = SqliteEventStore::open(&path).expect("open");
    let began = Instant::now();
    let snapshot = block_on(store.load_latest_snapshot(t))
        .expect("load")
        .expect("a snapshot");
    let state: EngineState = serde_json::from_slice(&snapshot.state).expect("state");
    let tail = block_on(read_all(&store, t, snapshot.seq + 1)).expect("tail");
    let tail_len = tail.len();
    let restored = Engine::from_snapshot(config(), state, tail).expect("restore");
    let warm = began.elapsed();
    assert!(restored.state() == &live_state, "snapshot + tail differs");

    let began = Instant::now();
    let all = block_on(read_all(&store, t, 1)).expect("read");
    let read = began.elapsed();
    let count = all.len();
    let replayed = Engine::replay(config(), all).expect("replay");
    let full = began.elapsed();
    assert!(replayed.state() == &live_state, "full replay differs");
    eprintln!(
        "store: week of {count} events (generated in {:.2?}, stored in {:.2?}, {:.1} MB file); \
         cold start from snapshot ({} KB) + {tail_len}-event tail: {warm:.2?}; \
         full replay: {full:.2?} (of which read + decode {read:.2?}); ratio {:.1}x",
        generated,
        stored,
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
        snapshot.state.len() / 1024,
        full.as_secs_f64() / warm.as_secs_f64(),
    );
}

fn figures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteEventStore::open(dir.path().join("g.db")).expect("open");
    let mut next = vec![0u64; WRITERS as usize];
    grouped(&store, &mut next, 20, 1);
    let group_rate = grouped(&store, &mut next, 100, 1);
    let batch_rate = grouped(&store, &mut next, 50, 8);
    let base = SqliteEventStore::open_with(
        dir.path().join("s.db"),
        SqliteOptions::default().with_max_group(1),
    )
    .expect("open");
    let mut seq = 0;
    single(&base, &mut seq, 20);
    let single_rate = single(&base, &mut seq, 1_000);
    eprintln!(
        "store: durable appends (synchronous=FULL): group commit, 512 writers x 1 event: {group_rate:.0} events/s \
         (ratio {:.1}x); 512 writers x 8-event batches: {batch_rate:.0} events/s (ratio {:.1}x); \
         baseline one event per transaction: {single_rate:.0} events/s",
        group_rate / single_rate,
        batch_rate / single_rate
    );
}

fn main() {
    figures();
    cold_start();
    let mut criterion = Criterion::default().configure_from_args();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteEventStore::open(dir.path().join("c.db")).expect("open");
    let mut next = vec![0u64; WRITERS as usize];
    criterion.bench_function("sqlite append, 512 writers x 1 event (group commit)", |b| {
        b.iter(|| grouped(&store, &mut next, 1, 1))
    });
    let base = SqliteEventStore::open_with(
        dir.path().join("d.db"),
        SqliteOptions::default().with_max_group(1),
    )
    .expect("open");
    let mut seq = 0;
    criterion.bench_function("sqlite append, 1 event per transaction (baseline)", |b| {
        b.iter(|| single(&base, &mut seq, 1))
    });
    criterion.final_summary();
}
