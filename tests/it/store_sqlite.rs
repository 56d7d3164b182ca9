//! The SQLite event store: the shared conformance suite, durability across
//! reopen, schema guard, corruption reported with its sequence number,
//! group commit under concurrency, snapshots of a real engine, erasure.

use crate::support::*;
use caredesk::engine::*;
use caredesk::model::*;
use caredesk::store::sqlite::{SqliteEventStore, SqliteOptions, Synchronous};
use caredesk::store::{
    conformance, read_all, AppendBatch, EventStore, IdempotencyKey, Snapshot, StoreError,
};
use chrono::Duration;
use futures::executor::block_on;
use std::sync::Arc;
use uuid::Uuid;

fn presence_event(tenant: TenantId, seq: u64, agent: u128) -> Event {
    Event {
        seq,
        at: at("2026-11-23T10:00:00Z") + Duration::seconds(seq as i64),
        tenant,
        schema: CURRENT_SCHEMA,
        payload: EventPayload::PresenceChanged {
            agent: AgentId::from_uuid(Uuid::from_u128(agent)),
            presence: Presence::Online,
        },
    }
}

fn batch(key: &str, events: Vec<Event>) -> AppendBatch {
    AppendBatch {
        idempotency_key: IdempotencyKey::new(key),
        events,
    }
}

/// Drives an engine through `messages` inbound questions, each answered and
/// resolved by one of a few agents; returns the engine and its event log.
pub fn drive_workload(messages: usize) -> (Engine, Vec<Event>) {
    let mut engine = Engine::new(config());
    let mut log = Vec::new();
    let mut now = at("2026-11-23T00:00:00Z");
    for n in 0..4 {
        log.extend(
            engine
                .handle(now, Input::UpsertAgent(agent(n, &[Language::ENGLISH], 50)))
                .unwrap(),
        );
    }
    for i in 0..messages {
        now += Duration::seconds(5);
        let message = tweet(
            &format!("m{i}"),
            &format!("@c{}", i % 997),
            "where is my bag?",
            now,
        );
        let events = engine
            .handle(now, inbound(message, Some(Language::ENGLISH)))
            .unwrap();
        let conversation = events
            .iter()
            .find_map(|e| e.payload.conversation())
            .unwrap();
        log.extend(events);
        let assignee = engine
            .conversation(conversation)
            .and_then(|c| c.conversation.assignee);
        if let Some(agent) = assignee {
            log.extend(
                engine
                    .handle(
                        now,
                        Input::Reply(Reply {
                            conversation,
                            agent,
                            visibility: Visibility::Public,
                            text: "On its way. ^AG".into(),
                            attachments: vec![],
                        }),
                    )
                    .unwrap(),
            );
            log.extend(
                engine
                    .handle(
                        now,
                        Input::SetStatus {
                            conversation,
                            change: StatusChange::Resolve,
                        },
                    )
                    .unwrap(),
            );
        }
    }
    (engine, log)
}

#[test]
fn sqlite_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteEventStore::open(dir.path().join("desk.db")).unwrap();
    block_on(conformance::run(&store, 1)).unwrap();
    // And again on the same file under another namespace.
    block_on(conformance::run(&store, 2)).unwrap();
}

#[test]
fn sqlite_store_with_normal_sync_and_no_grouping_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions::default()
        .with_synchronous(Synchronous::Normal)
        .with_max_group(1);
    let store = SqliteEventStore::open_with(dir.path().join("desk.db"), options).unwrap();
    block_on(conformance::run(&store, 3)).unwrap();
}

#[test]
fn appended_events_and_snapshots_survive_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let events: Vec<Event> = (1..=5)
        .map(|s| presence_event(TENANT, s, s.into()))
        .collect();
    let snapshot = Snapshot {
        tenant: TENANT,
        seq: 4,
        schema: CURRENT_SCHEMA,
        taken_at: at("2026-11-23T11:00:00Z"),
        state: b"{\"any\":\"bytes\"}".to_vec(),
    };
    {
        let store = SqliteEventStore::open(&path).unwrap();
        block_on(store.append(TENANT, 0, batch("a", events.clone()))).unwrap();
        block_on(store.save_snapshot(snapshot.clone())).unwrap();
        store.close();
    }
    let store = SqliteEventStore::open(&path).unwrap();
    assert_eq!(block_on(store.last_seq(TENANT)).unwrap(), 5);
    assert_eq!(block_on(read_all(&store, TENANT, 1)).unwrap(), events);
    assert_eq!(
        block_on(store.load_latest_snapshot(TENANT)).unwrap(),
        Some(snapshot)
    );
    let again = block_on(store.append(TENANT, 0, batch("a", events))).unwrap();
    assert!(again.duplicate, "idempotency keys survive a reopen");
    assert_eq!((again.first_seq, again.last_seq), (1, 5));
}

#[test]
fn a_file_from_a_newer_crate_is_refused_with_schema_too_new() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    drop(SqliteEventStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA user_version = 99;").unwrap();
    drop(conn);
    match SqliteEventStore::open(&path) {
        Err(StoreError::SchemaTooNew { found, supported }) => {
            assert_eq!(found, 99);
            assert_eq!(supported, caredesk::store::sqlite::SQLITE_SCHEMA_VERSION);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn a_corrupt_row_is_reported_with_its_seq_and_nothing_after_it_is_returned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let store = SqliteEventStore::open(&path).unwrap();
    let events: Vec<Event> = (1..=6)
        .map(|s| presence_event(TENANT, s, s.into()))
        .collect();
    block_on(store.append(TENANT, 0, batch("a", events.clone()))).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE events SET json = '{\"seq\":4, not json' WHERE seq = 4",
        [],
    )
    .unwrap();
    drop(conn);
    match block_on(read_all(&store, TENANT, 1)) {
        Err(StoreError::Corrupt { seq: 4, .. }) => {}
        other => panic!("expected Corrupt at 4, got {other:?}"),
    }
    // Reading before the bad row still works; reading across it does not.
    assert_eq!(
        block_on(store.read_from(TENANT, 1, 3)).unwrap(),
        events[..3].to_vec()
    );
    assert!(matches!(
        block_on(store.read_from(TENANT, 3, 10)),
        Err(StoreError::Corrupt { seq: 4, .. })
    ));
    assert_eq!(
        block_on(store.read_from(TENANT, 5, 10)).unwrap(),
        events[4..].to_vec()
    );
}

#[test]
fn an_event_of_a_newer_schema_or_a_missing_row_is_corrupt_at_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let store = SqliteEventStore::open(&path).unwrap();
    let events: Vec<Event> = (1..=6)
        .map(|s| presence_event(TENANT, s, s.into()))
        .collect();
    block_on(store.append(TENANT, 0, batch("a", events))).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE events SET json = replace(json, '\"schema\":2', '\"schema\":9') WHERE seq = 2",
        [],
    )
    .unwrap();
    conn.execute("DELETE FROM events WHERE seq = 5", [])
        .unwrap();
    drop(conn);
    assert!(matches!(
        block_on(store.read_from(TENANT, 1, 10)),
        Err(StoreError::Corrupt { seq: 2, .. })
    ));
    assert!(matches!(
        block_on(store.read_from(TENANT, 3, 10)),
        Err(StoreError::Corrupt { seq: 5, .. })
    ));
}

#[test]
fn old_schema_rows_are_upgraded_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let store = SqliteEventStore::open(&path).unwrap();
    block_on(store.append(TENANT, 0, batch("a", vec![presence_event(TENANT, 1, 1)]))).unwrap();
    let tenant = TENANT.as_uuid().to_string();
    let old = format!(
        r#"{{"seq":2,"at":"2026-11-23T10:00:00Z","tenant":"{tenant}","schema":1,
        "payload":{{"type":"reply_sent","message":"01900000-0000-7000-8000-000000000002",
        "conversation":"01900000-0000-7000-8000-000000000003",
        "agent":"01900000-0000-7000-8000-000000000004",
        "outbound":{{"id":"01900000-0000-7000-8000-000000000005",
        "channel":{{"kind":"x","account":"@KLM"}},"recipient":{{"network":"x","handle":"@anna"}},
        "visibility":"public","text":"Hi Anna! ^SV"}}}}}}"#
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO events (tenant, seq, json) VALUES (?1, 2, ?2)",
        rusqlite::params![TENANT.as_uuid().as_bytes().to_vec(), old],
    )
    .unwrap();
    drop(conn);
    let events = block_on(read_all(&store, TENANT, 1)).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].schema, CURRENT_SCHEMA);
    assert!(matches!(
        events[1].payload,
        EventPayload::ReplyRequested {
            automated: false,
            ..
        }
    ));
}

#[test]
fn concurrent_appends_from_many_threads_land_exactly_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteEventStore::open(dir.path().join("desk.db")).unwrap());
    const THREADS: u128 = 8;
    const EACH: u128 = 50;
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                // Half the threads share one stream (retrying on conflict),
                // the others write a stream of their own.
                let tenant = if t % 2 == 0 {
                    TENANT
                } else {
                    TenantId::from_uuid(Uuid::from_u128(0xD000 + t))
                };
                for i in 0..EACH {
                    let id = (t << 32) | i;
                    let key = format!("t{t}-i{i}");
                    loop {
                        let last = block_on(store.last_seq(tenant)).unwrap();
                        let event = presence_event(tenant, last + 1, id);
                        match block_on(store.append(tenant, last, batch(&key, vec![event]))) {
                            Ok(_) => break,
                            Err(StoreError::Conflict { .. }) => continue,
                            Err(e) => panic!("append failed: {e}"),
                        }
                    }
                    // A retried append with the same key writes nothing.
                    let retried = block_on(store.append(
                        tenant,
                        0,
                        batch(&key, vec![presence_event(tenant, 1, id)]),
                    ))
                    .unwrap();
                    assert!(retried.duplicate);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let shared = block_on(read_all(&*store, TENANT, 1)).unwrap();
    assert_eq!(shared.len() as u128, EACH * THREADS / 2);
    let mut seen = std::collections::BTreeSet::new();
    for (index, event) in shared.iter().enumerate() {
        assert_eq!(event.seq, index as u64 + 1);
        let EventPayload::PresenceChanged { agent, .. } = &event.payload else {
            panic!("unexpected event");
        };
        assert!(seen.insert(agent.as_uuid().as_u128()), "written twice");
    }
    // Each thread's own events keep their order within the shared stream.
    for t in (0..THREADS).step_by(2) {
        let mine: Vec<u128> = seen.iter().copied().filter(|id| id >> 32 == t).collect();
        assert_eq!(mine.len() as u128, EACH);
        let order: Vec<u128> = shared
            .iter()
            .filter_map(|e| match &e.payload {
                EventPayload::PresenceChanged { agent, .. }
                    if agent.as_uuid().as_u128() >> 32 == t =>
                {
                    Some(agent.as_uuid().as_u128())
                }
                _ => None,
            })
            .collect();
        assert_eq!(order, mine);
    }
    for t in (1..THREADS).step_by(2) {
        let tenant = TenantId::from_uuid(Uuid::from_u128(0xD000 + t));
        assert_eq!(block_on(store.last_seq(tenant)).unwrap() as u128, EACH);
    }
}

#[test]
fn concurrent_appends_from_many_tasks_share_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteEventStore::open(dir.path().join("desk.db")).unwrap();
    // 64 tenants append at once from one executor: every append is in
    // flight before any answer, so the writer groups them.
    let tenants: Vec<TenantId> = (0..64)
        .map(|n| TenantId::from_uuid(Uuid::from_u128(0xE000 + n)))
        .collect();
    let appends = tenants.iter().map(|tenant| {
        store.append(
            *tenant,
            0,
            batch(
                "first",
                vec![presence_event(*tenant, 1, 1), presence_event(*tenant, 2, 2)],
            ),
        )
    });
    let outcomes = block_on(futures::future::join_all(appends));
    for outcome in outcomes {
        let outcome = outcome.unwrap();
        assert_eq!(
            (outcome.first_seq, outcome.last_seq, outcome.duplicate),
            (1, 2, false)
        );
    }
    for tenant in tenants {
        assert_eq!(block_on(store.last_seq(tenant)).unwrap(), 2);
    }
}

#[test]
fn a_snapshot_plus_tail_rebuilds_the_same_engine_as_a_full_replay() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteEventStore::open(dir.path().join("desk.db")).unwrap();
    let (live, log) = drive_workload(300);
    let cut = log.len() as u64 * 2 / 3;
    block_on(store.append(TENANT, 0, batch("all", log.clone()))).unwrap();
    let at_cut = Engine::replay(config(), log.iter().take(cut as usize).cloned()).unwrap();
    block_on(store.save_snapshot(Snapshot {
        tenant: TENANT,
        seq: cut,
        schema: CURRENT_SCHEMA,
        taken_at: at_cut.now().unwrap(),
        state: serde_json::to_vec(at_cut.state()).unwrap(),
    }))
    .unwrap();

    let snapshot = block_on(store.load_latest_snapshot(TENANT))
        .unwrap()
        .unwrap();
    let state: EngineState = serde_json::from_slice(&snapshot.state).unwrap();
    let tail = block_on(read_all(&store, TENANT, snapshot.seq + 1)).unwrap();
    assert_eq!(tail.len() as u64, log.len() as u64 - cut);
    let restored = Engine::from_snapshot(config(), state, tail).unwrap();
    let replayed =
        Engine::replay(config(), block_on(read_all(&store, TENANT, 1)).unwrap()).unwrap();
    assert_eq!(restored.state(), live.state());
    assert_eq!(replayed.state(), live.state());
}

#[test]
fn erase_rewrites_matching_events_drops_snapshots_and_leaves_no_trace_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let store = SqliteEventStore::open(&path).unwrap();
    let (_, log) = drive_workload(20);
    block_on(store.append(TENANT, 0, batch("all", log.clone()))).unwrap();
    block_on(store.save_snapshot(Snapshot {
        tenant: TENANT,
        seq: 3,
        schema: CURRENT_SCHEMA,
        taken_at: at("2026-11-23T00:00:00Z"),
        state: b"where is my bag?".to_vec(),
    }))
    .unwrap();
    let report = block_on(store.erase(TENANT, |event| match &event.payload {
        EventPayload::MessageReceived {
            message,
            conversation,
            inbound,
            classification,
        } => {
            let mut inbound = inbound.clone();
            inbound.text = "[erased]".into();
            Some(Event {
                payload: EventPayload::MessageReceived {
                    message: *message,
                    conversation: *conversation,
                    inbound,
                    classification: classification.clone(),
                },
                ..event.clone()
            })
        }
        _ => None,
    }))
    .unwrap();
    assert_eq!(report.events_rewritten, 20);
    assert_eq!(report.snapshots_deleted, 1);
    assert_eq!(block_on(store.load_latest_snapshot(TENANT)).unwrap(), None);
    let events = block_on(read_all(&store, TENANT, 1)).unwrap();
    assert_eq!(events.len(), log.len());
    store.close();
    let mut bytes = std::fs::read(&path).unwrap();
    if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    let needle = b"where is my bag";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "erased text still in the database file or WAL"
    );
}

#[test]
fn a_full_disk_is_reported_as_disk_full_and_writes_nothing_of_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    drop(SqliteEventStore::open(&path).unwrap());
    let store =
        SqliteEventStore::open_with(&path, SqliteOptions::default().with_max_pages(12)).unwrap();
    let mut last = 0;
    let error = loop {
        let events = (last + 1..=last + 50)
            .map(|s| presence_event(TENANT, s, s.into()))
            .collect();
        match block_on(store.append(TENANT, last, batch(&format!("k{last}"), events))) {
            Ok(outcome) => last = outcome.last_seq,
            Err(error) => break error,
        }
        assert!(last < 100_000, "the cap never bit");
    };
    assert_eq!(error, StoreError::DiskFull);
    assert!(last > 0);
    assert_eq!(block_on(store.last_seq(TENANT)).unwrap(), last);
    assert_eq!(
        block_on(read_all(&store, TENANT, 1)).unwrap().len() as u64,
        last
    );
}

#[test]
fn a_forgotten_customer_leaves_no_trace_in_the_file_and_sla_statistics_are_unchanged() {
    use caredesk::stats::Attainment;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let store = SqliteEventStore::open(&path).unwrap();
    let mut engine = Engine::new(config_with_sla());
    let mut log: Vec<Event> = Vec::new();
    let mut live = Attainment::new();
    let mut step = |engine: &mut Engine, log: &mut Vec<Event>, now, input| {
        let events = engine.handle(now, input).unwrap();
        for event in &events {
            engine.record_attainment(event, &mut live);
        }
        log.extend(events);
    };
    let t0 = at("2026-11-23T10:00:00Z");
    step(
        &mut engine,
        &mut log,
        t0,
        Input::UpsertAgent(agent(1, &[Language::ENGLISH], 5)),
    );
    step(
        &mut engine,
        &mut log,
        t0,
        inbound(
            tweet(
                "1",
                "@anna_secret",
                "my passport is NW1234567, codeword SNOWGOOSE",
                t0,
            ),
            Some(Language::ENGLISH),
        ),
    );
    step(
        &mut engine,
        &mut log,
        t0,
        inbound(
            tweet("2", "@bob", "is the lounge open?", t0),
            Some(Language::ENGLISH),
        ),
    );
    let anna_conv = engine
        .conversations()
        .find(|c| engine.customer(c.customer).unwrap().identities[0].handle == "@anna_secret")
        .unwrap()
        .id;
    let bob_conv = engine
        .conversations()
        .find(|c| c.id != anna_conv)
        .unwrap()
        .id;
    let anna = engine
        .conversation(anna_conv)
        .unwrap()
        .conversation
        .customer;
    let t1 = t0 + Duration::minutes(20);
    for (conversation, text) in [
        (anna_conv, "Thanks SNOWGOOSE fan, sorted."),
        (bob_conv, "Yes, until 22:00."),
    ] {
        step(
            &mut engine,
            &mut log,
            t1,
            Input::Reply(Reply {
                conversation,
                agent: agent_id(1),
                visibility: Visibility::Private,
                text: text.into(),
                attachments: vec![],
            }),
        );
    }
    step(
        &mut engine,
        &mut log,
        t1,
        Input::ForgetCustomer { customer: anna },
    );
    assert!(engine
        .conversation(anna_conv)
        .unwrap()
        .messages
        .iter()
        .all(|m| m.text == ERASED));
    assert!(engine
        .customer_by_identity(&Identity::new(ChannelKind::X, "@anna_secret"))
        .is_none());

    block_on(store.append(TENANT, 0, batch("all", log.clone()))).unwrap();
    let plan = ErasurePlan::from_log(anna, &log);
    let report = block_on(store.erase(TENANT, move |event| plan.scrub(event))).unwrap();
    assert!(report.events_rewritten >= 3, "{report:?}");
    let stored = block_on(read_all(&store, TENANT, 1)).unwrap();
    store.close();
    let mut bytes = std::fs::read(&path).unwrap();
    if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    for needle in [&b"SNOWGOOSE"[..], b"anna_secret", b"NW1234567"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{} still in the file",
            String::from_utf8_lossy(needle)
        );
    }
    assert!(stored.iter().any(|e| matches!(&e.payload, EventPayload::MessageReceived { inbound, .. } if inbound.text == "is the lounge open?")), "other customers keep their data");

    let mut replayed = Engine::new(config_with_sla());
    let mut after = Attainment::new();
    for event in stored {
        replayed.apply_all([event.clone()]).unwrap();
        replayed.record_attainment(&event, &mut after);
    }
    assert_eq!(
        after.report(),
        live.report(),
        "SLA statistics are unchanged by the erasure"
    );
    assert_eq!(replayed.conversation_count(), engine.conversation_count());
}
