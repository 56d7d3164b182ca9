//! The WhatsApp adapter: Cloud API messages and statuses from the fixtures,
//! the 24-hour service window, and the client against a stand-in API.

use crate::fake_network::{fixture, FakeNetwork, Scripted};
use caredesk::channel::whatsapp::{
    self, MessageStatus, WhatsappChannel, WhatsappConfig, WhatsappParseError,
};
use caredesk::channel::{conformance, Channel, ChannelError};
use caredesk::model::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

fn next_id() -> u128 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    u128::from(NEXT.fetch_add(1, Ordering::Relaxed))
}

const NUMBER: &str = "106540352242922";
const INGRID: &str = "4791234567";

struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    fn at(text: &str) -> TestClock {
        TestClock(Arc::new(Mutex::new(text.parse().unwrap())))
    }
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

fn channel(network: &FakeNetwork, clock: &TestClock) -> WhatsappChannel {
    let now = clock.0.clone();
    WhatsappChannel::new(WhatsappConfig::new(NUMBER, "wa-token").with_http(network.http()))
        .unwrap()
        .with_clock(move || *now.lock().unwrap())
}

fn text_to(wa_id: &str, in_reply_to: Option<&str>) -> OutboundMessage {
    OutboundMessage {
        id: OutboundId::from_uuid(Uuid::from_u128(next_id())),
        channel: ChannelRef::new(ChannelKind::Whatsapp, NUMBER),
        recipient: Identity::new(ChannelKind::Whatsapp, wa_id),
        visibility: Visibility::Private,
        text: "Hei Ingrid! Vi finner bagasjen din. ^KN".into(),
        in_reply_to: in_reply_to.map(Into::into),
        attachments: vec![],
    }
}

#[test]
fn messages_keep_wamid_sender_context_and_media() {
    let webhook = whatsapp::parse(&fixture("whatsapp/messages.json")).unwrap();
    assert_eq!(webhook.messages.len(), 3);
    assert_eq!(webhook.skipped, 1, "the reaction");
    let text = &webhook.messages[0];
    assert_eq!(text.channel, ChannelRef::new(ChannelKind::Whatsapp, NUMBER));
    assert_eq!(
        text.external_id,
        "wamid.HBgLNDc5MTIzNDU2NxUCABIYFjNFQjBDMDAwMDAwMDAwMDAwMDAwMQA="
    );
    assert_eq!(text.author, Identity::new(ChannelKind::Whatsapp, INGRID));
    assert_eq!(text.visibility, Visibility::Private);
    assert_eq!(text.text, "Hei! Bagasjen min kom ikke fram til Bergen 😞");
    assert_eq!(
        text.received_at,
        Utc.timestamp_opt(1_795_947_400, 0).unwrap()
    );
    let image = &webhook.messages[1];
    assert_eq!(image.text, "");
    assert_eq!(
        image.attachments,
        [Attachment {
            media_type: "image/jpeg".into(),
            url: "whatsapp-media:1003383421387256".into()
        }]
    );
    assert_eq!(
        image.in_reply_to.as_deref(),
        Some("wamid.HBgLNDc5MTIzNDU2NxUCABEYEjAwMDAwMDAwMDAwMDAwMDAwMQA=")
    );
    assert_eq!(webhook.messages[2].text, "Yeni uçuş istiyorum");
}

#[test]
fn statuses_map_sent_delivered_read_and_failed() {
    let webhook = whatsapp::parse(&fixture("whatsapp/statuses.json")).unwrap();
    assert!(webhook.messages.is_empty());
    let kinds: Vec<_> = webhook.statuses.iter().map(|s| s.status).collect();
    assert_eq!(
        kinds,
        [
            MessageStatus::Sent,
            MessageStatus::Delivered,
            MessageStatus::Read,
            MessageStatus::Failed
        ]
    );
    let failed = &webhook.statuses[3];
    assert_eq!(failed.message_id, "wamid.OUT0002");
    assert_eq!(failed.recipient, "905321234567");
    assert_eq!(failed.errors[0].code, 131_047);
}

#[test]
fn broken_payloads_are_typed_errors() {
    assert_eq!(
        whatsapp::parse(br#"{"object":"page","entry":[]}"#),
        Err(WhatsappParseError::UnsupportedObject("page".into()))
    );
    let full = fixture("whatsapp/messages.json");
    for cut in [0, 3, full.len() / 2, full.len() - 2] {
        assert!(matches!(
            whatsapp::parse(&full[..cut]),
            Err(WhatsappParseError::Malformed(_))
        ));
    }
    let no_metadata = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[]}}]}]}"#;
    assert!(matches!(
        whatsapp::parse(no_metadata),
        Err(WhatsappParseError::Malformed(_))
    ));
}

#[tokio::test]
async fn a_text_inside_the_window_is_sent_with_its_context() {
    let network = FakeNetwork::start().await;
    let clock = TestClock::at("2026-11-23T10:00:00Z");
    let wa = channel(&network, &clock);
    wa.observe(&whatsapp::parse(&fixture("whatsapp/messages.json")).unwrap());
    let parent = "wamid.HBgLNDc5MTIzNDU2NxUCABIYFjNFQjBDMDAwMDAwMDAwMDAwMDAwMQA=";
    let receipt = wa.send(&text_to(INGRID, Some(parent))).await.unwrap();
    assert_eq!(receipt.external_id, "wamid.OUT0001");
    let sent = network.delivered();
    assert_eq!(sent[0].path, "/v21.0/106540352242922/messages");
    assert_eq!(
        sent[0].body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": INGRID,
            "type": "text",
            "text": {"preview_url": false, "body": "Hei Ingrid! Vi finner bagasjen din. ^KN"},
            "context": {"message_id": parent}
        })
    );
}

#[tokio::test]
async fn outside_the_24_hour_window_only_a_template_may_be_sent() {
    let network = FakeNetwork::start().await;
    let clock = TestClock::at("2026-11-23T10:00:00Z");
    let wa = channel(&network, &clock);
    // Never wrote: closed.
    assert_eq!(
        wa.send(&text_to(INGRID, None)).await,
        Err(ChannelError::WindowClosed)
    );
    wa.record_inbound(INGRID, "2026-11-23T09:00:00Z".parse().unwrap());
    assert!(wa.window_open(INGRID));
    clock.advance(Duration::hours(23) - Duration::seconds(1));
    assert!(wa.window_open(INGRID), "23:59:59 after the message");
    clock.advance(Duration::seconds(1));
    assert!(!wa.window_open(INGRID), "exactly 24 hours after: closed");
    let refused = wa.send(&text_to(INGRID, None)).await;
    assert_eq!(refused, Err(ChannelError::WindowClosed));
    assert!(refused.unwrap_err().is_permanent());
    assert!(
        network.delivered().is_empty(),
        "nothing reached the network"
    );
    let wamid = wa
        .send_template(INGRID, "baggage_update", "nb")
        .await
        .unwrap();
    assert_eq!(wamid, "wamid.OUT0001");
    assert_eq!(network.delivered()[0].body["type"], "template");
    assert_eq!(
        network.delivered()[0].body["template"],
        json!({"name": "baggage_update", "language": {"code": "nb"}})
    );
    // The customer writes again: the window reopens.
    wa.record_inbound(INGRID, "2026-11-24T10:00:00Z".parse().unwrap());
    wa.send(&text_to(INGRID, None)).await.unwrap();
}

#[tokio::test]
async fn the_networks_window_error_and_rate_limits_are_typed() {
    let network = FakeNetwork::start().await;
    let clock = TestClock::at("2026-11-23T10:00:00Z");
    let wa = channel(&network, &clock);
    wa.record_inbound(INGRID, "2026-11-23T09:59:00Z".parse().unwrap());
    network.script(Scripted::new(
        400,
        json!({"error": {"message": "Re-engagement message", "type": "OAuthException", "code": 131047, "error_data": {"messaging_product": "whatsapp", "details": "more than 24 hours"}}}),
    ));
    network.script(Scripted::new(
        400,
        json!({"error": {"message": "Too many messages sent from this phone number", "code": 130429}}),
    ));
    network.script(Scripted::new(
        400,
        json!({"error": {"message": "(#100) Param text['body'] is too long", "code": 100}}),
    ));
    assert_eq!(
        wa.send(&text_to(INGRID, None)).await,
        Err(ChannelError::WindowClosed)
    );
    assert_eq!(
        wa.send(&text_to(INGRID, None)).await,
        Err(ChannelError::RateLimited { retry_at: None })
    );
    assert!(matches!(
        wa.send(&text_to(INGRID, None)).await,
        Err(ChannelError::TooLong { limit: 4096, .. })
    ));
}

#[tokio::test]
async fn statuses_of_its_own_sends_become_delivery_updates() {
    let network = FakeNetwork::start().await;
    let clock = TestClock::at("2026-11-23T10:00:00Z");
    let wa = channel(&network, &clock);
    wa.record_inbound(INGRID, "2026-11-23T09:59:00Z".parse().unwrap());
    wa.record_inbound("905321234567", "2026-11-23T09:59:00Z".parse().unwrap());
    let first = text_to(INGRID, None);
    let second = text_to("905321234567", None);
    wa.send(&first).await.unwrap(); // wamid.OUT0001
    wa.send(&second).await.unwrap(); // wamid.OUT0002
    let updates = wa.observe(&whatsapp::parse(&fixture("whatsapp/statuses.json")).unwrap());
    assert_eq!(updates.len(), 4);
    assert!(updates[..3]
        .iter()
        .all(|u| u.outbound == first.id && u.reason.is_none()));
    assert_eq!(updates[3].outbound, second.id);
    assert_eq!(updates[3].status, MessageStatus::Failed);
    assert_eq!(
        updates[3].reason.as_deref(),
        Some("Re-engagement message (131047)")
    );
}

#[tokio::test]
async fn the_whatsapp_adapter_passes_the_channel_conformance_suite() {
    let network = FakeNetwork::start().await;
    let clock = TestClock::at("2026-11-23T10:00:00Z");
    let wa = channel(&network, &clock);
    wa.record_inbound(INGRID, "2026-11-23T09:30:00Z".parse().unwrap());
    let probe = network.clone();
    conformance::run(
        conformance::Subject {
            channel: &wa,
            recipient: Identity::new(ChannelKind::Whatsapp, INGRID),
            reply_to: "wamid.HBgLNDc5MTIzNDU2NxUCABIYFjNFQjBDMDAwMDAwMDAwMDAwMDAwMQA=".into(),
            deliveries: &move || probe.delivered().len(),
        },
        30,
    )
    .await
    .unwrap();
}
