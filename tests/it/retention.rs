//! Retention on the SQLite store: events older than the policy's age are
//! compacted into a snapshot and removed from the file; a cold start and the
//! SLA statistics are unchanged; forgetting a customer still works after it.

use crate::support::*;
use caredesk::channel::{Channel, MemoryChannel};
use caredesk::desk::{Desk, DeskConfig, DeskSnapshot, ManualClock};
use caredesk::engine::*;
use caredesk::model::*;
use caredesk::stats::{Attainment, AttainmentReport};
use caredesk::store::retention::RetentionPolicy;
use caredesk::store::sqlite::SqliteEventStore;
use caredesk::store::{read_all, AppendBatch, EventStore, IdempotencyKey, Snapshot, StoreError};
use chrono::{DateTime, Duration, Utc};
use std::path::Path;
use std::sync::Arc;

/// A desk's traffic over three days, driven straight through an engine:
/// on day 1 twenty customers ask (`OLDSECRET<n>`), half answered within the
/// hour and half late, all resolved (and archived a day later); on day 3
/// twenty more ask (`NEWTEXT<n>`), answered the same way. `@anna_secret`
/// asks on day 1 and again on day 3 in the same open conversation.
struct Workload {
    engine: Engine,
    log: Vec<Event>,
    /// Attainment folded as a live desk does: after each input.
    live: Attainment,
    /// The log length at the middle of day 3 (where a snapshot is taken).
    mid_day3: usize,
    anna: CustomerId,
}

/// The hour promise, with finished conversations closed two hours after
/// resolution and archived two hours after that (so day 1's texts live only
/// in events by day 3).
fn short_memory() -> EngineConfig {
    config_with_sla()
        .with_reopen_window(Duration::hours(2))
        .with_retention(Duration::hours(2))
}

fn day(n: i64) -> DateTime<Utc> {
    at("2026-11-01T09:00:00Z") + Duration::days(n - 1)
}

fn workload() -> Workload {
    let mut engine = Engine::new(short_memory());
    let mut log = Vec::new();
    let mut live = Attainment::new();
    let mut step = |engine: &mut Engine, log: &mut Vec<Event>, now, input| -> Vec<Event> {
        let events = engine.handle(now, input).unwrap();
        for event in &events {
            engine.record_attainment(event, &mut live);
        }
        log.extend(events.iter().cloned());
        events
    };
    let t = day(1);
    step(
        &mut engine,
        &mut log,
        t,
        Input::UpsertAgent(agent(1, &[Language::ENGLISH], 100)),
    );
    let anna_events = step(
        &mut engine,
        &mut log,
        t,
        inbound(
            tweet("anna-1", "@anna_secret", "codeword SNOWGOOSE, my bag?", t),
            Some(Language::ENGLISH),
        ),
    );
    let anna_conversation = anna_events
        .iter()
        .find_map(|e| e.payload.conversation())
        .unwrap();
    let anna = engine
        .conversation(anna_conversation)
        .unwrap()
        .conversation
        .customer;
    let mut mid_day3 = 0;
    for (d, prefix) in [(1, "OLDSECRET"), (3, "NEWTEXT")] {
        let start = day(d);
        let mut conversations = Vec::new();
        for n in 0..20 {
            let now = start + Duration::minutes(n);
            let events = step(
                &mut engine,
                &mut log,
                now,
                inbound(
                    tweet(
                        &format!("{prefix}-{n}"),
                        &format!("@{}{n}", prefix.to_lowercase()),
                        &format!("where is my bag? {prefix}{n:02}"),
                        now,
                    ),
                    Some(Language::ENGLISH),
                ),
            );
            conversations.push(
                events
                    .iter()
                    .find_map(|e| e.payload.conversation())
                    .unwrap(),
            );
            if d == 3 && n == 9 {
                mid_day3 = log.len();
            }
        }
        // Half answered within the hour, half late (a breach), in time order.
        let mut replies: Vec<(i64, usize, ConversationId)> = conversations
            .into_iter()
            .enumerate()
            .map(|(n, c)| (if n % 2 == 0 { 30 } else { 150 } + n as i64, n, c))
            .collect();
        replies.sort();
        for (minutes, n, conversation) in replies {
            let now = start + Duration::minutes(minutes);
            let replied = step(
                &mut engine,
                &mut log,
                now,
                Input::Reply(Reply {
                    conversation,
                    agent: agent_id(1),
                    visibility: Visibility::Public,
                    text: format!("Found it ({prefix}{n:02}). ^AG").into(),
                    attachments: vec![],
                }),
            );
            // Delivered, so a desk started on the log owes no sends.
            for event in replied {
                if let EventPayload::ReplyRequested { outbound, .. } = &event.payload {
                    step(
                        &mut engine,
                        &mut log,
                        now,
                        Input::DeliveryReport {
                            outbound: outbound.id,
                            outcome: DeliveryOutcome::Delivered {
                                external_id: format!("x-{}", event.seq).into(),
                            },
                        },
                    );
                }
            }
            step(
                &mut engine,
                &mut log,
                now,
                Input::SetStatus {
                    conversation,
                    change: StatusChange::Resolve,
                },
            );
        }
        if d == 1 {
            // Day 2: the timers close and archive day 1's conversations.
            for hours in [0, 4] {
                step(
                    &mut engine,
                    &mut log,
                    day(2) + Duration::hours(hours),
                    Input::Tick,
                );
            }
        }
        if d == 3 {
            let now = start + Duration::hours(4);
            step(
                &mut engine,
                &mut log,
                now,
                inbound(
                    tweet("anna-2", "@anna_secret", "still SNOWGOOSE, no bag", now),
                    Some(Language::ENGLISH),
                ),
            );
        }
    }
    Workload {
        engine,
        log,
        live,
        mid_day3,
        anna,
    }
}

/// SLA statistics as a cold start folds them: each event after applying it.
fn replayed_attainment(events: &[Event]) -> Attainment {
    let mut engine = Engine::new(short_memory());
    let mut attainment = Attainment::new();
    for event in events {
        engine.apply_all([event.clone()]).unwrap();
        engine.record_attainment(event, &mut attainment);
    }
    attainment
}

fn desk_snapshot(log: &[Event]) -> Snapshot {
    let engine = Engine::replay(short_memory(), log.iter().cloned()).unwrap();
    let state = DeskSnapshot {
        engine: engine.state().clone(),
        outbox: vec![],
        attainment: replayed_attainment(log),
    };
    Snapshot {
        tenant: TENANT,
        seq: log.len() as u64,
        schema: CURRENT_SCHEMA,
        taken_at: engine.now().unwrap(),
        state: serde_json::to_vec(&state).unwrap(),
    }
}

fn file_contains(path: &Path, needle: &str) -> bool {
    let db = std::fs::read(path).unwrap();
    let wal = std::fs::read(path.with_extension("db-wal")).unwrap_or_default();
    for (name, bytes) in [("db", &db), ("wal", &wal)] {
        if let Some(at) = bytes
            .windows(needle.len())
            .position(|window| window == needle.as_bytes())
        {
            eprintln!(
                "{needle} in {name} ({} bytes) at {at}: {}",
                bytes.len(),
                String::from_utf8_lossy(
                    &bytes[at.saturating_sub(300)..(at + 100).min(bytes.len())]
                )
            );
            return true;
        }
    }
    false
}

/// Starts a desk on the store at `path` at `now`; returns its SLA
/// statistics and last sequence number, then shuts it down.
async fn cold_start(path: &Path, now: DateTime<Utc>) -> (AttainmentReport, u64) {
    let store: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(path).unwrap());
    let channel: Arc<dyn Channel> = Arc::new(MemoryChannel::new(x()));
    let (desk, task) = Desk::start(
        short_memory,
        store,
        vec![channel],
        Arc::new(ManualClock::new(now)),
        DeskConfig {
            snapshot_every: 0,
            ..DeskConfig::default()
        },
    )
    .await
    .unwrap();
    let report = desk.attainment().await.unwrap();
    let last = desk.status().await.unwrap().last_seq;
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
    (report, last)
}

#[tokio::test]
async fn compaction_removes_expired_events_from_the_file_and_cold_start_and_sla_statistics_are_unchanged(
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let w = workload();
    assert!(
        w.engine.archived_count() >= 20,
        "day 1's conversations left the hot state"
    );
    assert_eq!(
        replayed_attainment(&w.log).report(),
        w.live.report(),
        "a replay folds the statistics the live desk folded"
    );
    assert!(w.live.report().overall.breached > 0 && w.live.report().overall.met > 0);
    let store = SqliteEventStore::open(&path).unwrap();
    store
        .append(
            TENANT,
            0,
            AppendBatch {
                idempotency_key: IdempotencyKey::new("all"),
                events: w.log.clone(),
            },
        )
        .await
        .unwrap();
    store
        .save_snapshot(desk_snapshot(&w.log[..w.mid_day3]))
        .await
        .unwrap();
    let now = w.engine.now().unwrap();
    let (before, last) = (w.live.report(), w.log.len() as u64);

    let policy = RetentionPolicy::new(Duration::days(1));
    let plan = policy.plan(&store, TENANT, now).await.unwrap();
    let expected_through = w
        .log
        .iter()
        .filter(|e| e.at < now - Duration::days(1))
        .count() as u64;
    assert!(expected_through > 100, "day 1 has expired");
    assert_eq!(plan.last_expired, Some(expected_through));
    let report = policy.apply(&store, TENANT, now).await.unwrap();
    assert_eq!(report.compacted_through, expected_through);
    assert_eq!(report.events_removed, expected_through);
    assert!(matches!(
        read_all(&store, TENANT, 1).await,
        Err(StoreError::Compacted { first_retained, .. }) if first_retained == expected_through + 1
    ));
    let tail = read_all(&store, TENANT, expected_through + 1)
        .await
        .unwrap();
    assert_eq!(tail, w.log[expected_through as usize..].to_vec());
    store.close();

    // Day 1's texts lived only in events (its conversations were archived):
    // they are gone from the file and the WAL; day 3's are still there.
    for n in 0..20 {
        assert!(
            !file_contains(&path, &format!("OLDSECRET{n:02}")),
            "OLDSECRET{n:02} still in the file"
        );
    }
    assert!(
        file_contains(&path, "NEWTEXT07"),
        "retained events are kept"
    );

    let (after, last_after) = cold_start(&path, now).await;
    assert_eq!(last_after, last);
    assert_eq!(after, before, "SLA statistics are unchanged by compaction");

    // The state restored from the snapshot plus the retained tail is the
    // live engine's.
    let store = SqliteEventStore::open(&path).unwrap();
    let snapshot = store.load_latest_snapshot(TENANT).await.unwrap().unwrap();
    let decoded: DeskSnapshot = serde_json::from_slice(&snapshot.state).unwrap();
    let tail = read_all(&store, TENANT, snapshot.seq + 1).await.unwrap();
    let restored = Engine::from_snapshot(short_memory(), decoded.engine, tail).unwrap();
    assert_eq!(restored.state(), w.engine.state());
}

#[tokio::test]
async fn a_customer_forgotten_after_compaction_leaves_no_trace_and_statistics_are_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let mut w = workload();
    let store = SqliteEventStore::open(&path).unwrap();
    store
        .append(
            TENANT,
            0,
            AppendBatch {
                idempotency_key: IdempotencyKey::new("all"),
                events: w.log.clone(),
            },
        )
        .await
        .unwrap();
    store
        .save_snapshot(desk_snapshot(&w.log[..w.mid_day3]))
        .await
        .unwrap();
    let now = w.engine.now().unwrap();
    let report = RetentionPolicy::new(Duration::days(1))
        .apply(&store, TENANT, now)
        .await
        .unwrap();
    assert!(report.events_removed > 100);
    // Anna's conversation was opened on day 1: the events that name her as
    // its customer are gone, only the snapshot knows.
    let compacted = report.compacted_through as usize;
    assert!(w.log[..compacted]
        .iter()
        .any(|e| matches!(&e.payload, EventPayload::ConversationOpened { customer, .. } if *customer == w.anna)));
    assert!(file_contains(&path, "still SNOWGOOSE"));

    let forgotten = w
        .engine
        .handle(now, Input::ForgetCustomer { customer: w.anna })
        .unwrap();
    let last = w.log.len() as u64;
    store
        .append(
            TENANT,
            last,
            AppendBatch {
                idempotency_key: IdempotencyKey::new("forget"),
                events: forgotten.clone(),
            },
        )
        .await
        .unwrap();
    w.log.extend(forgotten);

    let snapshot = store.load_latest_snapshot(TENANT).await.unwrap().unwrap();
    let decoded: DeskSnapshot = serde_json::from_slice(&snapshot.state).unwrap();
    let retained = read_all(&store, TENANT, report.compacted_through + 1)
        .await
        .unwrap();
    let plan = ErasurePlan::from_state_and_log(w.anna, &decoded.engine, &retained);
    // The store refuses to drop the snapshot a compacted stream rests on.
    let refused = store
        .erase(TENANT, {
            let plan = plan.clone();
            move |event| plan.scrub(event)
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::InvalidBatch(_))),
        "{refused:?}"
    );
    let erased = store
        .erase_with_snapshots(
            TENANT,
            {
                let plan = plan.clone();
                move |event| plan.scrub(event)
            },
            move |snapshot| DeskSnapshot::scrub_stored(&plan, snapshot),
        )
        .await
        .unwrap();
    // Anna's one retained message (day 3); the rest of her history went
    // with the compaction.
    assert_eq!(erased.events_rewritten, 1, "{erased:?}");
    assert_eq!(
        (erased.snapshots_rewritten, erased.snapshots_deleted),
        (1, 0)
    );
    store.close();
    for needle in ["SNOWGOOSE", "anna_secret"] {
        assert!(!file_contains(&path, needle), "{needle} still in the file");
    }
    assert!(
        file_contains(&path, "NEWTEXT07"),
        "other customers keep their data"
    );

    let (after, last_after) = cold_start(&path, now).await;
    assert_eq!(last_after, w.log.len() as u64);
    assert_eq!(after, w.live.report(), "SLA statistics are unchanged");
    let store = SqliteEventStore::open(&path).unwrap();
    let snapshot = store.load_latest_snapshot(TENANT).await.unwrap().unwrap();
    let decoded: DeskSnapshot = serde_json::from_slice(&snapshot.state).unwrap();
    let tail = read_all(&store, TENANT, snapshot.seq + 1).await.unwrap();
    let restored = Engine::from_snapshot(short_memory(), decoded.engine, tail).unwrap();
    assert_eq!(restored.conversation_count(), w.engine.conversation_count());
    assert!(restored
        .customer_by_identity(&Identity::new(ChannelKind::X, "@anna_secret"))
        .is_none());
}
