//! The Desk runtime: persist before acknowledging, the outbox (send,
//! record, retry with backoff, never twice), rate limits, timers in virtual
//! time, snapshots and restarts, graceful shutdown.

use crate::support::*;
use caredesk::channel::{Channel, ChannelError, MemoryChannel};
use caredesk::desk::{
    Desk, DeskConfig, DeskError, DeskHandle, DeskSnapshot, DeskStatus, TokioClock,
};
use caredesk::engine::*;
use caredesk::model::*;
use caredesk::store::{read_all, EventStore, MemoryEventStore};
use chrono::Duration;
use std::sync::Arc;

type Task = tokio::task::JoinHandle<Result<DeskStatus, DeskError>>;

async fn start_with(
    store: &Arc<MemoryEventStore>,
    channel: &Arc<MemoryChannel>,
    desk_config: DeskConfig,
) -> (DeskHandle, Task) {
    let store: Arc<dyn EventStore> = store.clone();
    let channel: Arc<dyn Channel> = channel.clone();
    let clock = Arc::new(TokioClock::starting_at(at("2026-11-23T10:00:00Z")));
    Desk::start(config, store, vec![channel], clock, desk_config)
        .await
        .unwrap()
}

async fn start(store: &Arc<MemoryEventStore>, channel: &Arc<MemoryChannel>) -> (DeskHandle, Task) {
    start_with(store, channel, DeskConfig::default()).await
}

fn x_channel() -> Arc<MemoryChannel> {
    Arc::new(MemoryChannel::new(x()))
}

/// Ingests a question from `handle` with an online agent present and
/// replies to it; returns the conversation.
async fn question_and_reply(desk: &DeskHandle, n: usize) -> ConversationId {
    let now = at("2026-11-23T10:00:00Z");
    let receipt = desk
        .ingest_classified(
            tweet(&format!("t{n}"), &format!("@c{n}"), "where is my bag?", now),
            Some(Classification::query(Some(Language::ENGLISH))),
        )
        .await
        .unwrap();
    let conversation = receipt.conversation.unwrap();
    desk.submit(Input::Reply(Reply {
        conversation,
        agent: agent_id(1),
        visibility: Visibility::Public,
        text: format!("Found it, {n}. ^AG").into(),
        attachments: vec![],
    }))
    .await
    .unwrap();
    conversation
}

async fn wait_until_sent(desk: &DeskHandle) -> DeskStatus {
    for _ in 0..10_000 {
        let status = desk.status().await.unwrap();
        if status.outbox == 0 {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("outbox never emptied");
}

fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.payload.name()).collect()
}

#[tokio::test(start_paused = true)]
async fn an_ingested_message_is_durable_when_acknowledged_and_a_duplicate_writes_nothing() {
    let store = Arc::new(MemoryEventStore::new());
    let (desk, task) = start(&store, &x_channel()).await;
    let now = at("2026-11-23T10:00:00Z");
    let receipt = desk
        .ingest(tweet("1", "@anna", "where is my bag?", now))
        .await
        .unwrap();
    assert!(!receipt.duplicate);
    assert_eq!(
        names(&receipt.events),
        [
            "customer_created",
            "conversation_opened",
            "message_received",
            "conversation_queued"
        ]
    );
    let stored = read_all(&*store, TENANT, 1).await.unwrap();
    assert_eq!(stored, receipt.events);

    let again = desk
        .ingest(tweet("1", "@anna", "where is my bag?", now))
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.conversation, receipt.conversation);
    assert_eq!(store.last_seq(TENANT).await.unwrap(), 4);
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_refused_message_is_an_error_and_records_nothing() {
    let store = Arc::new(MemoryEventStore::new());
    let (desk, task) = start(&store, &x_channel()).await;
    let elsewhere = InboundMessage::new(
        ChannelRef::new(ChannelKind::X, "@Other"),
        "1",
        Identity::new(ChannelKind::X, "@anna"),
        Visibility::Public,
        "hi",
        at("2026-11-23T10:00:00Z"),
    );
    assert!(matches!(
        desk.ingest(elsewhere).await,
        Err(DeskError::Refused(EngineError::UnknownChannel(_)))
    ));
    assert_eq!(store.last_seq(TENANT).await.unwrap(), 0);
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_reply_is_recorded_then_sent_then_its_delivery_recorded() {
    let store = Arc::new(MemoryEventStore::new());
    let channel = x_channel();
    let (desk, task) = start(&store, &channel).await;
    desk.submit(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 10)))
        .await
        .unwrap();
    question_and_reply(&desk, 1).await;
    wait_until_sent(&desk).await;
    let sent = channel.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "Found it, 1. ^AG");
    let events = read_all(&*store, TENANT, 1).await.unwrap();
    // The attempt is on disk before the network is called.
    let tail = names(&events[events.len() - 3..]);
    assert_eq!(
        tail,
        [
            "reply_requested",
            "delivery_attempted",
            "delivery_succeeded"
        ]
    );
    match &events[events.len() - 1].payload {
        EventPayload::DeliverySucceeded {
            outbound,
            external_id,
        } => {
            assert_eq!(*outbound, sent[0].id);
            assert_eq!(external_id, "mem-@KLM-1");
        }
        other => panic!("unexpected {other:?}"),
    }
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn transient_failures_are_recorded_and_retried_with_backoff_until_delivered() {
    let store = Arc::new(MemoryEventStore::new());
    let channel = x_channel();
    channel.fail_next([
        ChannelError::Transient("502".into()),
        ChannelError::Transient("503".into()),
        ChannelError::RateLimited { retry_at: None },
    ]);
    let (desk, task) = start(&store, &channel).await;
    desk.submit(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 10)))
        .await
        .unwrap();
    let began = tokio::time::Instant::now();
    question_and_reply(&desk, 1).await;
    wait_until_sent(&desk).await;
    // Backoff 1 s, 2 s, 4 s (each jittered into its upper half): at least 3.5 s.
    assert!(began.elapsed() >= std::time::Duration::from_millis(3500));
    assert_eq!(channel.sent().len(), 1);
    let events = read_all(&*store, TENANT, 1).await.unwrap();
    let failures: Vec<bool> = events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::DeliveryFailed { failure, .. } => Some(failure.permanent),
            _ => None,
        })
        .collect();
    assert_eq!(failures, [false, false, false]);
    assert_eq!(names(&events[events.len() - 1..]), ["delivery_succeeded"]);
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_permanent_failure_is_recorded_once_and_not_retried() {
    let store = Arc::new(MemoryEventStore::new());
    let channel = x_channel();
    channel.fail_next([ChannelError::Forbidden("token revoked".into())]);
    let (desk, task) = start(&store, &channel).await;
    desk.submit(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 10)))
        .await
        .unwrap();
    question_and_reply(&desk, 1).await;
    wait_until_sent(&desk).await;
    tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    assert!(channel.sent().is_empty());
    let events = read_all(&*store, TENANT, 1).await.unwrap();
    let last = events.last().unwrap();
    assert!(matches!(
        &last.payload,
        EventPayload::DeliveryFailed { failure, .. } if failure.permanent && failure.reason.contains("token revoked")
    ));
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn sends_owed_at_shutdown_are_sent_once_after_a_restart() {
    let store = Arc::new(MemoryEventStore::new());
    let channel = x_channel();
    // Fail long enough that the first desk stops with the send still owed.
    channel.fail_next((0..3).map(|_| ChannelError::Transient("down".into())));
    let (desk, task) = start(&store, &channel).await;
    desk.submit(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 10)))
        .await
        .unwrap();
    question_and_reply(&desk, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    desk.shutdown().await.unwrap();
    let status = task.await.unwrap().unwrap();
    assert_eq!(status.outbox, 1);
    assert!(channel.sent().is_empty());

    let (desk, task) = start(&store, &channel).await;
    assert_eq!(desk.status().await.unwrap().outbox, 1);
    wait_until_sent(&desk).await;
    assert_eq!(channel.sent().len(), 1);
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
    let (desk, task) = start(&store, &channel).await;
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    assert_eq!(channel.sent().len(), 1, "nothing sent twice");
    assert_eq!(desk.status().await.unwrap().outbox, 0);
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_channel_rate_limit_spreads_a_surge_over_time() {
    let store = Arc::new(MemoryEventStore::new());
    let mut capabilities = Capabilities::for_kind(ChannelKind::X);
    capabilities.rate_limit_per_minute = Some(2);
    let channel = Arc::new(MemoryChannel::with_capabilities(x(), capabilities));
    let (desk, task) = start(&store, &channel).await;
    desk.submit(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 10)))
        .await
        .unwrap();
    for n in 0..5 {
        question_and_reply(&desk, n).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(channel.sent().len(), 2, "a burst of the bucket's size");
    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    assert_eq!(channel.sent().len(), 3, "one more every 30 s");
    wait_until_sent(&desk).await;
    assert_eq!(channel.sent().len(), 5);
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn engine_timers_fire_in_virtual_time() {
    let store = Arc::new(MemoryEventStore::new());
    let (desk, task) = start(&store, &x_channel()).await;
    let receipt = desk
        .ingest_classified(
            tweet(
                "1",
                "@anna",
                "love the new lounge",
                at("2026-11-23T10:00:00Z"),
            ),
            Some(Classification::mention(Some(Language::ENGLISH))),
        )
        .await
        .unwrap();
    let conversation = receipt.conversation.unwrap();
    // Mentions are listened to for 24 hours, then closed.
    tokio::time::sleep(std::time::Duration::from_secs(25 * 3600)).await;
    let events = read_all(&*store, TENANT, 1).await.unwrap();
    assert!(events.iter().any(|e| matches!(
        &e.payload,
        EventPayload::StatusChanged { conversation: c, to: Status::Closed { .. }, .. } if *c == conversation
    )));
    let closed_at = events.last().unwrap().at;
    assert_eq!(closed_at, at("2026-11-23T10:00:00Z") + Duration::hours(24));
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn snapshots_are_saved_every_n_events_and_a_restart_loads_the_latest_plus_tail() {
    let store = Arc::new(MemoryEventStore::new());
    let channel = x_channel();
    let desk_config = DeskConfig {
        snapshot_every: 10,
        snapshot_events_per_conversation: 0,
        ..DeskConfig::default()
    };
    let (desk, task) = start_with(&store, &channel, desk_config.clone()).await;
    desk.submit(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 50)))
        .await
        .unwrap();
    for n in 0..12 {
        question_and_reply(&desk, n).await;
    }
    wait_until_sent(&desk).await;
    let snapshot = store.load_latest_snapshot(TENANT).await.unwrap().unwrap();
    assert!(snapshot.seq >= 10);
    let decoded: DeskSnapshot = serde_json::from_slice(&snapshot.state).unwrap();
    let replayed_at_snapshot = Engine::replay(
        config(),
        read_all(&*store, TENANT, 1)
            .await
            .unwrap()
            .into_iter()
            .take(snapshot.seq as usize),
    )
    .unwrap();
    assert_eq!(&decoded.engine, replayed_at_snapshot.state());
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();

    // The shutdown snapshot is at the end of the log; the restarted desk
    // has the same state as a full replay.
    let (desk, task) = start_with(&store, &channel, desk_config).await;
    let status = desk.status().await.unwrap();
    let full = Engine::replay(config(), read_all(&*store, TENANT, 1).await.unwrap()).unwrap();
    assert_eq!(status.last_seq, full.last_seq());
    let latest = store.load_latest_snapshot(TENANT).await.unwrap().unwrap();
    let decoded: DeskSnapshot = serde_json::from_slice(&latest.state).unwrap();
    assert_eq!(&decoded.engine, full.state());
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

/// A snapshot costs in proportion to the hot state: with 100 events per
/// conversation held, a few conversations' worth of events is not enough
/// for one, although `snapshot_every` alone would have asked for several.
#[tokio::test(start_paused = true)]
async fn snapshots_wait_for_events_in_proportion_to_the_conversations_held() {
    for (per_conversation, expect_snapshot) in [(0, true), (100, false)] {
        let store = Arc::new(MemoryEventStore::new());
        let desk_config = DeskConfig {
            snapshot_every: 10,
            snapshot_events_per_conversation: per_conversation,
            ..DeskConfig::default()
        };
        let (desk, task) = start_with(&store, &x_channel(), desk_config).await;
        desk.submit(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 50)))
            .await
            .unwrap();
        for n in 0..4 {
            question_and_reply(&desk, n).await;
        }
        wait_until_sent(&desk).await;
        let events = desk.status().await.unwrap().last_seq;
        assert!(events >= 20, "{events} events");
        assert!(events < 400, "{events} events");
        let snapshot = store.load_latest_snapshot(TENANT).await.unwrap();
        assert_eq!(
            snapshot.is_some(),
            expect_snapshot,
            "{per_conversation} per conversation, {events} events: {:?}",
            snapshot.map(|s| s.seq)
        );
        desk.shutdown().await.unwrap();
        task.await.unwrap().unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn after_shutdown_the_handle_reports_stopped() {
    let store = Arc::new(MemoryEventStore::new());
    let (desk, task) = start(&store, &x_channel()).await;
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
    assert!(matches!(
        desk.ingest(tweet("1", "@anna", "hello?", at("2026-11-23T10:00:00Z")))
            .await,
        Err(DeskError::Stopped)
    ));
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn when_an_append_fails_the_caller_gets_the_store_error_and_the_engine_matches_the_store() {
    use caredesk::store::sqlite::{SqliteEventStore, SqliteOptions};
    use caredesk::store::StoreError;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    drop(SqliteEventStore::open(&path).unwrap());
    let sqlite =
        SqliteEventStore::open_with(&path, SqliteOptions::default().with_max_pages(14)).unwrap();
    let store: Arc<dyn EventStore> = Arc::new(sqlite);
    let channel: Arc<dyn Channel> = x_channel();
    let clock = Arc::new(TokioClock::starting_at(at("2026-11-23T10:00:00Z")));
    let (desk, task) = Desk::start(
        config,
        store.clone(),
        vec![channel],
        clock,
        DeskConfig::default(),
    )
    .await
    .unwrap();
    let now = at("2026-11-23T10:00:00Z");
    let mut failed_at = None;
    for n in 0..5_000 {
        match desk
            .ingest(tweet(
                &format!("t{n}"),
                &format!("@c{n}"),
                "where is my bag?",
                now,
            ))
            .await
        {
            Ok(_) => {}
            Err(DeskError::Store(StoreError::DiskFull)) => {
                failed_at = Some(n);
                break;
            }
            Err(other) => panic!("unexpected {other}"),
        }
    }
    let failed_at = failed_at.expect("the quota is reached");
    assert!(failed_at > 0);
    // The desk rebuilt its engine from the store: nothing unpersisted remains.
    let status = desk.status().await.unwrap();
    assert_eq!(status.last_seq, store.last_seq(TENANT).await.unwrap());
    let replayed = Engine::replay(config(), read_all(&*store, TENANT, 1).await.unwrap()).unwrap();
    assert_eq!(replayed.conversation_count(), failed_at);
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_new_conversation_is_enriched_from_the_directory_and_notifications_reach_the_notifier() {
    use caredesk::desk::DeskExtensions;
    use caredesk::directory::{CustomerDirectory, CustomerProfile, MemoryDirectory};
    use caredesk::escalation::{
        Action, Condition, EscalationRule, EscalationRules, MemoryNotifier, Notifier,
    };
    let directory = Arc::new(MemoryDirectory::new());
    let mut profile = CustomerProfile::new();
    profile.name = Some("Anna".into());
    profile.tier = Tier::Gold;
    directory.insert(Identity::new(ChannelKind::X, "@anna"), profile);
    let notifier = Arc::new(MemoryNotifier::new());
    let make = || {
        let rules = EscalationRules::new(vec![EscalationRule::new(
            "gold",
            Condition::TierAtLeast(Tier::Gold),
        )
        .then(Action::Notify {
            message: "a Gold member wrote".into(),
        })])
        .unwrap();
        config().with_escalation(rules)
    };
    let store = Arc::new(MemoryEventStore::new());
    let store_dyn: Arc<dyn EventStore> = store.clone();
    let channel: Arc<dyn Channel> = x_channel();
    let clock = Arc::new(TokioClock::starting_at(at("2026-11-23T10:00:00Z")));
    let extensions = DeskExtensions {
        directory: Some(directory.clone() as Arc<dyn CustomerDirectory>),
        notifier: Some(notifier.clone() as Arc<dyn Notifier>),
    };
    let (desk, task) = Desk::start_with(
        make,
        store_dyn,
        vec![channel],
        clock,
        DeskConfig::default(),
        extensions,
    )
    .await
    .unwrap();
    desk.ingest_classified(
        tweet("1", "@anna", "where is my bag?", at("2026-11-23T10:00:00Z")),
        Some(Classification::query(None)),
    )
    .await
    .unwrap();
    let mut attached = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let events = read_all(&*store, TENANT, 1).await.unwrap();
        attached = events
            .iter()
            .any(|e| matches!(e.payload, EventPayload::CustomerProfileAttached { .. }));
        if attached && !notifier.notifications().is_empty() {
            break;
        }
    }
    assert!(attached, "the profile was looked up and recorded");
    let notifications = notifier.notifications();
    assert_eq!(
        notifications.len(),
        1,
        "the Gold tier fired the rule once, after the profile arrived"
    );
    assert_eq!(notifications[0].rule, "gold");
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_desk_with_retention_compacts_its_log_after_snapshots_and_restarts_with_the_same_statistics(
) {
    use caredesk::store::retention::RetentionPolicy;
    use caredesk::store::StoreError;
    let store = Arc::new(MemoryEventStore::new());
    let channel = x_channel();
    let policy = RetentionPolicy::new(Duration::hours(1));
    let desk_config = DeskConfig {
        snapshot_every: 10,
        retention: Some(policy),
        ..DeskConfig::default()
    };
    let start = |desk_config: DeskConfig| {
        let store: Arc<dyn EventStore> = store.clone();
        let channel: Arc<dyn Channel> = channel.clone();
        let clock = Arc::new(TokioClock::starting_at(at("2026-11-23T10:00:00Z")));
        Desk::start(config_with_sla, store, vec![channel], clock, desk_config)
    };
    let (desk, task) = start(desk_config.clone()).await.unwrap();
    desk.submit(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 50)))
        .await
        .unwrap();
    for n in 0..6 {
        question_and_reply(&desk, n).await;
    }
    let early = wait_until_sent(&desk).await.last_seq;
    assert_eq!(
        store.compacted_through(TENANT).await.unwrap(),
        0,
        "nothing is an hour old yet"
    );
    tokio::time::advance(std::time::Duration::from_secs(2 * 3600)).await;
    for n in 6..12 {
        question_and_reply(&desk, n).await;
    }
    let status = wait_until_sent(&desk).await;
    let compacted = store.compacted_through(TENANT).await.unwrap();
    assert!(
        compacted >= early && compacted < status.last_seq,
        "the first hour's {early} events are compacted after a snapshot, the rest kept: compacted through {compacted} of {}",
        status.last_seq
    );
    assert!(matches!(
        read_all(&*store, TENANT, 1).await,
        Err(StoreError::Compacted { .. })
    ));
    // On request: two hours later, the second hour's events go too.
    tokio::time::advance(std::time::Duration::from_secs(2 * 3600)).await;
    let report = desk.apply_retention(policy).await.unwrap();
    assert!(
        report.compacted_through >= status.last_seq,
        "{report:?} after {status:?}"
    );
    let statistics = desk.attainment().await.unwrap();
    assert_eq!(statistics.overall.count, 12);
    let last = desk.status().await.unwrap().last_seq;
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();

    let (desk, task) = start(desk_config).await.unwrap();
    assert_eq!(desk.status().await.unwrap().last_seq, last);
    assert_eq!(
        desk.attainment().await.unwrap(),
        statistics,
        "a restart from the compacted log has the same SLA statistics"
    );
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
}
