//! No outbound message is delivered twice across a crash: the desk dies
//! after the network accepted a send and before the receipt reached the
//! store (the append that would record it never finishes), then a new desk
//! starts on the same store with a fresh adapter, as after a process restart.

use crate::fake_network::FakeNetwork;
use crate::support::{agent, agent_id, at, TENANT};
use async_trait::async_trait;
use caredesk::channel::whatsapp::{WhatsappChannel, WhatsappConfig};
use caredesk::channel::{Channel, MemoryChannel};
use caredesk::desk::{Desk, DeskConfig, DeskHandle, DeskStatus, ManualClock};
use caredesk::engine::*;
use caredesk::model::*;
use caredesk::store::{
    read_all, AppendBatch, AppendOutcome, EventStore, MemoryEventStore, Snapshot, StoreError,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A store whose append of a recorded delivery never returns: the process
/// "dies" between the network's answer and the receipt reaching disk.
struct DiesBeforeReceipt {
    inner: Arc<MemoryEventStore>,
    hung: AtomicBool,
}

#[async_trait]
impl EventStore for DiesBeforeReceipt {
    async fn append(
        &self,
        tenant: TenantId,
        expected_last_seq: u64,
        batch: AppendBatch,
    ) -> Result<AppendOutcome, StoreError> {
        let receipt = batch
            .events
            .iter()
            .any(|e| matches!(e.payload, EventPayload::DeliverySucceeded { .. }));
        if receipt {
            self.hung.store(true, Ordering::SeqCst);
            std::future::pending::<()>().await;
        }
        self.inner.append(tenant, expected_last_seq, batch).await
    }

    async fn read_from(
        &self,
        tenant: TenantId,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.inner.read_from(tenant, from_seq, limit).await
    }

    async fn last_seq(&self, tenant: TenantId) -> Result<u64, StoreError> {
        self.inner.last_seq(tenant).await
    }

    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<(), StoreError> {
        self.inner.save_snapshot(snapshot).await
    }

    async fn load_latest_snapshot(&self, tenant: TenantId) -> Result<Option<Snapshot>, StoreError> {
        self.inner.load_latest_snapshot(tenant).await
    }
}

const NUMBER: &str = "106540352242922";
const CUSTOMER: &str = "4791234567";

fn number() -> ChannelRef {
    ChannelRef::new(ChannelKind::Whatsapp, NUMBER)
}

fn engine_config() -> EngineConfig {
    EngineConfig::new(TENANT)
        .with_channel(number(), None)
        .with_channel(crate::support::x(), None)
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(at("2026-11-23T10:00:00Z")))
}

/// A customer message on `channel` from `handle`, an agent, and the agent's
/// private answer; returns the send.
async fn question_and_answer(desk: &DeskHandle, channel: ChannelRef, handle: &str) -> OutboundId {
    desk.submit(Input::UpsertAgent(agent(1, &[Language::ENGLISH], 5)))
        .await
        .unwrap();
    let message = InboundMessage::new(
        channel.clone(),
        "in-1",
        Identity::new(channel.kind, handle),
        Visibility::Private,
        "My bag did not arrive in Bergen",
        at("2026-11-23T10:00:00Z"),
    );
    let receipt = desk
        .ingest_classified(
            message,
            Some(Classification::query(Some(Language::ENGLISH))),
        )
        .await
        .unwrap();
    let events = desk
        .submit(Input::Reply(Reply {
            conversation: receipt.conversation.unwrap(),
            agent: agent_id(1),
            visibility: Visibility::Private,
            text: "We are tracing it now. ^AG".into(),
            attachments: Vec::new(),
        }))
        .await
        .unwrap();
    events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::ReplyRequested { outbound, .. } => Some(outbound.id),
            _ => None,
        })
        .unwrap()
}

/// Runs a desk on a store that dies before the receipt; returns once the
/// network has the send and the desk is dead.
async fn crash_after_the_network_accepted(
    store: &Arc<MemoryEventStore>,
    channel: Arc<dyn Channel>,
    delivered: impl Fn() -> usize,
) -> OutboundId {
    let dying = Arc::new(DiesBeforeReceipt {
        inner: store.clone(),
        hung: AtomicBool::new(false),
    });
    let account = channel.channel().clone();
    let (desk, task) = Desk::start(
        engine_config,
        dying.clone(),
        vec![channel],
        clock(),
        DeskConfig::default(),
    )
    .await
    .unwrap();
    let outbound = question_and_answer(&desk, account, CUSTOMER).await;
    for _ in 0..400 {
        if dying.hung.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(dying.hung.load(Ordering::SeqCst), "the receipt never came");
    assert_eq!(delivered(), 1, "the network accepted the send");
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    // On disk: the attempt, not its outcome.
    let events = read_all(&**store, TENANT, 1).await.unwrap();
    assert!(events.iter().any(
        |e| matches!(e.payload, EventPayload::DeliveryAttempted { outbound: o } if o == outbound)
    ));
    assert!(!events
        .iter()
        .any(|e| matches!(e.payload, EventPayload::DeliverySucceeded { .. })));
    outbound
}

async fn wait_until_owed_nothing(desk: &DeskHandle) -> DeskStatus {
    for _ in 0..400 {
        let status = desk.status().await.unwrap();
        if status.outbox == 0 {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the outbox never emptied");
}

/// A desk configuration whose first retry comes after `initial`.
fn retrying_after(initial: Duration) -> DeskConfig {
    DeskConfig {
        retry: caredesk::desk::RetryPolicy {
            initial,
            ..Default::default()
        },
        ..DeskConfig::default()
    }
}

/// Checks that the log records `outbound` as attempted and then unknown
/// (never sent again); returns the log and the unknown outcome's reason.
async fn recorded_unknown(store: &MemoryEventStore, outbound: OutboundId) -> (Vec<Event>, String) {
    let events = read_all(store, TENANT, 1).await.unwrap();
    assert_eq!(
        outcomes(&events, outbound),
        ["delivery_attempted", "delivery_unknown"]
    );
    let reason = events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::DeliveryUnknown { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .expect("a delivery_unknown event");
    (events, reason)
}

fn outcomes(events: &[Event], outbound: OutboundId) -> Vec<&'static str> {
    events
        .iter()
        .filter(|e| match &e.payload {
            EventPayload::DeliveryAttempted { outbound: o }
            | EventPayload::DeliverySucceeded { outbound: o, .. }
            | EventPayload::DeliveryFailed { outbound: o, .. }
            | EventPayload::DeliveryUnknown { outbound: o, .. } => *o == outbound,
            _ => false,
        })
        .map(|e| e.payload.name())
        .collect()
}

#[tokio::test]
async fn a_whatsapp_send_accepted_before_a_crash_is_not_sent_again_but_recorded_as_unknown() {
    let network = FakeNetwork::start().await;
    let store = Arc::new(MemoryEventStore::new());
    let adapter = |network: &FakeNetwork| {
        let adapter =
            WhatsappChannel::new(WhatsappConfig::new(NUMBER, "token").with_http(network.http()))
                .unwrap()
                .with_clock(|| at("2026-11-23T10:05:00Z"));
        // The customer's service window is open (they wrote at 10:00).
        adapter.record_inbound(CUSTOMER, at("2026-11-23T10:00:00Z"));
        Arc::new(adapter)
    };
    let watched = network.clone();
    let outbound = crash_after_the_network_accepted(&store, adapter(&network), move || {
        watched.delivered().len()
    })
    .await;

    // The restart: a new adapter that remembers nothing, the same store.
    let (desk, task) = Desk::start(
        engine_config,
        store.clone(),
        vec![adapter(&network) as Arc<dyn Channel>],
        clock(),
        DeskConfig::default(),
    )
    .await
    .unwrap();
    wait_until_owed_nothing(&desk).await;
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();

    assert_eq!(network.delivered().len(), 1, "delivered twice");
    let (events, reason) = recorded_unknown(&store, outbound).await;
    assert!(
        reason.contains("before a restart") && reason.contains("no idempotency key"),
        "{reason}"
    );
    let rebuilt = Engine::replay(engine_config(), events).unwrap();
    assert_eq!(rebuilt.sends_in_doubt().count(), 0);
}

#[tokio::test]
async fn a_send_the_channel_can_verify_is_recorded_as_delivered_after_the_crash_without_a_resend() {
    let store = Arc::new(MemoryEventStore::new());
    // The memory channel outlives the desk, like a network that can be asked.
    let network = Arc::new(MemoryChannel::new(crate::support::x()));
    let watched = network.clone();
    let outbound =
        crash_after_the_network_accepted(&store, network.clone(), move || watched.sent().len())
            .await;
    let (desk, task) = Desk::start(
        engine_config,
        store.clone(),
        vec![network.clone() as Arc<dyn Channel>],
        clock(),
        DeskConfig::default(),
    )
    .await
    .unwrap();
    wait_until_owed_nothing(&desk).await;
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
    assert_eq!(network.sent().len(), 1);
    assert_eq!(network.duplicate_sends(), 0, "the send was repeated");
    let events = read_all(&*store, TENANT, 1).await.unwrap();
    assert_eq!(
        outcomes(&events, outbound),
        ["delivery_attempted", "delivery_succeeded"]
    );
}

#[tokio::test]
async fn a_whatsapp_send_whose_answer_timed_out_is_not_sent_again_but_recorded_as_unknown() {
    // WhatsApp takes the message but answers after the adapter gave up:
    // without a crash, a blind retry would post the reply a second time.
    let network = FakeNetwork::start().await;
    network.answer_late(Duration::from_millis(1500));
    let adapter = WhatsappChannel::new(
        WhatsappConfig::new(NUMBER, "token")
            .with_http(network.http().with_timeout(Duration::from_millis(300))),
    )
    .unwrap()
    .with_clock(|| at("2026-11-23T10:05:00Z"));
    adapter.record_inbound(CUSTOMER, at("2026-11-23T10:00:00Z"));
    let store = Arc::new(MemoryEventStore::new());
    let config = retrying_after(Duration::from_millis(100));
    let (desk, task) = Desk::start(
        engine_config,
        store.clone(),
        vec![Arc::new(adapter) as Arc<dyn Channel>],
        clock(),
        config,
    )
    .await
    .unwrap();
    let outbound = question_and_answer(&desk, number(), CUSTOMER).await;
    wait_until_owed_nothing(&desk).await;
    // The late answer arrives; nothing else may reach the network.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();

    assert_eq!(network.delivered().len(), 1, "delivered twice");
    let (_, reason) = recorded_unknown(&store, outbound).await;
    assert!(
        reason.contains("answer was lost") && reason.contains("timed out"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_timed_out_send_the_channel_can_verify_is_recorded_as_delivered_without_a_resend() {
    // The memory channel keys sends by outbound id, so it can say what it
    // holds: the timed-out send is found there and recorded once.
    let network = Arc::new(TimesOutOnce {
        inner: MemoryChannel::new(crate::support::x()),
        timed_out: AtomicBool::new(false),
    });
    let store = Arc::new(MemoryEventStore::new());
    let config = retrying_after(Duration::from_millis(50));
    let (desk, task) = Desk::start(
        engine_config,
        store.clone(),
        vec![network.clone() as Arc<dyn Channel>],
        clock(),
        config,
    )
    .await
    .unwrap();
    let outbound = question_and_answer(&desk, crate::support::x(), "56377143").await;
    wait_until_owed_nothing(&desk).await;
    desk.shutdown().await.unwrap();
    task.await.unwrap().unwrap();
    assert!(network.timed_out.load(Ordering::SeqCst));
    assert_eq!(network.inner.sent().len(), 1);
    assert_eq!(network.inner.duplicate_sends(), 0, "the send was repeated");
    let events = read_all(&*store, TENANT, 1).await.unwrap();
    assert_eq!(
        outcomes(&events, outbound),
        ["delivery_attempted", "delivery_succeeded"]
    );
}

/// A memory channel whose first send goes through but reports a timeout.
struct TimesOutOnce {
    inner: MemoryChannel,
    timed_out: AtomicBool,
}

#[async_trait]
impl Channel for TimesOutOnce {
    fn channel(&self) -> &ChannelRef {
        self.inner.channel()
    }

    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }

    async fn check_sent(&self, message: &OutboundMessage) -> caredesk::channel::SentCheck {
        self.inner.check_sent(message).await
    }

    async fn send(
        &self,
        message: &OutboundMessage,
    ) -> Result<caredesk::channel::DeliveryReceipt, caredesk::channel::ChannelError> {
        let receipt = self.inner.send(message).await?;
        if self.timed_out.swap(true, Ordering::SeqCst) {
            Ok(receipt)
        } else {
            Err(caredesk::channel::ChannelError::Unconfirmed(
                "timed out waiting for the answer".into(),
            ))
        }
    }
}
