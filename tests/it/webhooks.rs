//! The webhook receiver on 127.0.0.1 in front of a running desk: signed
//! requests are persisted before 200, forged/truncated/oversized ones are
//! refused, replays are acknowledged without reaching the engine twice.

use crate::fake_network::{fixture, FakeNetwork};
use crate::support::TENANT;
use caredesk::channel::email::{EmailChannel, EmailConfig, MailTransport, OutgoingMail};
use caredesk::channel::signature::{sign_sha256_base64, sign_sha256_hex};
use caredesk::channel::whatsapp::{WhatsappChannel, WhatsappConfig};
use caredesk::channel::{Channel, ChannelError, MemoryChannel};
use caredesk::desk::{Desk, DeskConfig, DeskHandle, ManualClock};
use caredesk::engine::{EngineConfig, Event, EventPayload};
use caredesk::model::*;
use caredesk::store::{read_all, EventStore, MemoryEventStore};
use caredesk::webhooks::{Notice, WebhookReceiver, EMAIL_SIGNATURE_HEADER};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::{Arc, Mutex};

const X_SECRET: &str = "x-consumer-secret";
const META_SECRET: &str = "meta-app-secret";
const VERIFY: &str = "verify-me";
const MAIL_SECRET: &str = "mail-secret";

fn channels() -> Vec<ChannelRef> {
    vec![
        ChannelRef::new(ChannelKind::X, "56377143"),
        ChannelRef::new(ChannelKind::Facebook, "104958162837"),
        ChannelRef::new(ChannelKind::Instagram, "17841400008460056"),
        ChannelRef::new(ChannelKind::Whatsapp, "106540352242922"),
        ChannelRef::new(ChannelKind::Email, "care@klm.example"),
    ]
}

fn engine_config() -> EngineConfig {
    channels()
        .into_iter()
        .fold(EngineConfig::new(TENANT), |config, channel| {
            config.with_channel(channel, None)
        })
}

struct NoMail;

#[async_trait::async_trait]
impl MailTransport for NoMail {
    async fn send(&self, _: &OutgoingMail) -> Result<(), ChannelError> {
        Err(ChannelError::Transient("no transport in this test".into()))
    }
}

struct Harness {
    url: String,
    client: reqwest::Client,
    store: Arc<dyn EventStore>,
    desk: DeskHandle,
    whatsapp: Arc<WhatsappChannel>,
    notices: Arc<Mutex<Vec<Notice>>>,
}

async fn start_with(store: Arc<dyn EventStore>, body_limit: usize) -> Harness {
    let network = FakeNetwork::start().await;
    let clock = Arc::new(ManualClock::new("2026-11-23T10:00:00Z".parse().unwrap()));
    let whatsapp = Arc::new(
        WhatsappChannel::new(
            WhatsappConfig::new("106540352242922", "token").with_http(network.http()),
        )
        .unwrap()
        .with_clock(|| "2026-11-23T10:00:00Z".parse().unwrap()),
    );
    let email = Arc::new(EmailChannel::new(
        EmailConfig::new("care@klm.example"),
        Arc::new(NoMail),
    ));
    let mut senders: Vec<Arc<dyn Channel>> = channels()
        .into_iter()
        .filter(|c| !matches!(c.kind, ChannelKind::Whatsapp | ChannelKind::Email))
        .map(|c| Arc::new(MemoryChannel::new(c)) as Arc<dyn Channel>)
        .collect();
    senders.push(whatsapp.clone());
    senders.push(email.clone());
    let (desk, _task) = Desk::start(
        engine_config,
        store.clone(),
        senders,
        clock.clone(),
        DeskConfig::default(),
    )
    .await
    .unwrap();
    let notices = Arc::new(Mutex::new(Vec::new()));
    let seen = notices.clone();
    let router = WebhookReceiver::new(desk.clone())
        .with_clock(clock)
        .with_body_limit(body_limit)
        .with_notices(move |n| seen.lock().unwrap().push(n))
        .with_x(X_SECRET)
        .with_meta(META_SECRET, VERIFY)
        .with_whatsapp(META_SECRET, VERIFY, whatsapp.clone())
        .with_email(MAIL_SECRET, email)
        .router();
    let app = axum::Router::new().nest("/webhooks", router);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Harness {
        url: format!("http://{addr}/webhooks"),
        client: reqwest::Client::new(),
        store,
        desk,
        whatsapp,
        notices,
    }
}

async fn start() -> Harness {
    start_with(Arc::new(MemoryEventStore::new()), 64 * 1024).await
}

impl Harness {
    async fn post(
        &self,
        route: &str,
        header: &str,
        signature: Option<String>,
        body: Vec<u8>,
    ) -> (StatusCode, String) {
        let mut request = self.client.post(format!("{}/{route}", self.url)).body(body);
        if let Some(signature) = signature {
            request = request.header(header, signature);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    async fn post_x(&self, body: Vec<u8>) -> (StatusCode, String) {
        let signature = sign_sha256_base64(X_SECRET.as_bytes(), &body);
        self.post("x", "x-twitter-webhooks-signature", Some(signature), body)
            .await
    }

    async fn post_meta(&self, route: &str, body: Vec<u8>) -> (StatusCode, String) {
        let signature = sign_sha256_hex(META_SECRET.as_bytes(), &body);
        self.post(route, "X-Hub-Signature-256", Some(signature), body)
            .await
    }

    async fn events(&self) -> Vec<Event> {
        read_all(&*self.store, TENANT, 1).await.unwrap()
    }

    async fn received(&self) -> Vec<String> {
        self.events()
            .await
            .into_iter()
            .filter_map(|e| match e.payload {
                EventPayload::MessageReceived { inbound, .. } => {
                    Some(inbound.external_id.to_string())
                }
                _ => None,
            })
            .collect()
    }
}

fn counts(body: &str) -> (u64, u64, u64) {
    let v: Value = serde_json::from_str(body).unwrap();
    (
        v["accepted"].as_u64().unwrap(),
        v["duplicates"].as_u64().unwrap(),
        v["skipped"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn a_signed_x_webhook_is_persisted_before_200() {
    let h = start().await;
    let (status, body) = h.post_x(fixture("x/mention_reply.json")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(counts(&body), (1, 0, 0));
    // The acknowledgement came after the append: the store already has it.
    assert_eq!(h.received().await, ["1861230000000000001"]);
}

#[tokio::test]
async fn a_replayed_request_is_acknowledged_without_reaching_the_engine_twice() {
    let h = start().await;
    let body = fixture("x/direct_message.json");
    assert_eq!(counts(&h.post_x(body.clone()).await.1), (1, 0, 1));
    let events_after_first = h.events().await.len();
    let (status, answer) = h.post_x(body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counts(&answer), (0, 1, 1));
    assert_eq!(
        h.events().await.len(),
        events_after_first,
        "nothing recorded twice"
    );
}

#[tokio::test]
async fn concurrent_redeliveries_are_ingested_once() {
    let h = Arc::new(start().await);
    let body = fixture("meta/page_feed_comments.json");
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let h = h.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move { h.post_meta("meta", body).await }));
    }
    let mut accepted = 0;
    for task in tasks {
        let (status, answer) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{answer}");
        accepted += counts(&answer).0;
    }
    assert_eq!(accepted, 2);
    let mut received = h.received().await;
    received.sort();
    assert_eq!(
        received,
        ["998877665544_1234567890123", "998877665544_1234567890125"]
    );
}

#[tokio::test]
async fn forged_and_missing_signatures_are_401_and_reach_nothing() {
    let h = start().await;
    let body = fixture("x/mention_reply.json");
    let forged = sign_sha256_base64(b"guessed-secret", &body);
    let (status, reason) = h
        .post(
            "x",
            "x-twitter-webhooks-signature",
            Some(forged),
            body.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(reason.contains("does not match"), "{reason}");
    let (status, reason) = h
        .post("x", "x-twitter-webhooks-signature", None, body.clone())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(reason.contains("missing"), "{reason}");
    // Meta's scheme on the X route, and X's scheme on the Meta route.
    let hex = sign_sha256_hex(X_SECRET.as_bytes(), &body);
    assert_eq!(
        h.post("x", "x-twitter-webhooks-signature", Some(hex), body.clone())
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let meta_body = fixture("meta/messenger_messages.json");
    let b64 = sign_sha256_base64(META_SECRET.as_bytes(), &meta_body);
    assert_eq!(
        h.post("meta", "X-Hub-Signature-256", Some(b64), meta_body)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    // Garbage with a bad signature is refused before it is parsed.
    assert_eq!(
        h.post(
            "meta",
            "X-Hub-Signature-256",
            Some("sha256=00".into()),
            b"{not json".to_vec()
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    assert!(h.events().await.is_empty());
}

#[tokio::test]
async fn truncated_requests_are_refused() {
    let h = start().await;
    let body = fixture("whatsapp/messages.json");
    // Signed over the whole body, cut in transit: the signature fails.
    let signature = sign_sha256_hex(META_SECRET.as_bytes(), &body);
    let cut = body[..body.len() / 2].to_vec();
    assert_eq!(
        h.post(
            "whatsapp",
            "X-Hub-Signature-256",
            Some(signature),
            cut.clone()
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    // Signed as cut (a broken sender): 400 with the parser's reason.
    let (status, reason) = h.post_meta("whatsapp", cut).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        reason.contains("malformed WhatsApp webhook payload"),
        "{reason}"
    );
    assert!(h.events().await.is_empty());
}

#[tokio::test]
async fn malformed_json_is_400_with_a_reason() {
    let h = start().await;
    let (status, reason) = h.post_x(b"{\"for_user_id\": 42".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        reason.contains("malformed Account Activity payload"),
        "{reason}"
    );
    let (status, reason) = h
        .post_meta("meta", br#"{"object":"user","entry":[]}"#.to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(reason.contains("unsupported webhook object"), "{reason}");
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let h = start_with(Arc::new(MemoryEventStore::new()), 1024).await;
    let mut body = fixture("x/mention_reply.json");
    body.resize(4096, b' ');
    let (status, _) = h.post_x(body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(h.events().await.is_empty());
}

#[tokio::test]
async fn a_message_for_an_unconfigured_account_is_a_loud_422() {
    let h = start().await;
    let body = String::from_utf8(fixture("x/mention_reply.json"))
        .unwrap()
        .replace("\"for_user_id\": \"56377143\"", "\"for_user_id\": \"999\"");
    let (status, reason) = h.post_x(body.into_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reason.contains("1861230000000000001"), "{reason}");
}

#[tokio::test]
async fn the_crc_and_meta_handshakes_answer_get_requests() {
    let h = start().await;
    let crc = h
        .client
        .get(format!("{}/x?crc_token=abc123&nonce=1", h.url))
        .send()
        .await
        .unwrap();
    assert_eq!(crc.status(), StatusCode::OK);
    let answer: Value = crc.json().await.unwrap();
    assert_eq!(
        answer["response_token"],
        sign_sha256_base64(X_SECRET.as_bytes(), b"abc123")
    );
    let missing = h.client.get(format!("{}/x", h.url)).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    for route in ["meta", "whatsapp"] {
        let ok = h
            .client
            .get(format!(
                "{}/{route}?hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=1158201444",
                h.url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.text().await.unwrap(), "1158201444");
        let wrong = h
            .client
            .get(format!(
                "{}/{route}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1",
                h.url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn batched_meta_entries_are_ingested_and_removals_noticed() {
    let h = start().await;
    let (status, body) = h
        .post_meta("meta", fixture("meta/page_feed_comments.json"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(counts(&body), (2, 0, 2));
    let (status, body) = h.post_meta("meta", fixture("meta/instagram.json")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(counts(&body).0, 3);
    let notices = h.notices.lock().unwrap().clone();
    assert!(notices.iter().any(
        |n| matches!(n, Notice::MetaRemoval(r) if r.external_id == "998877665544_1234567890123")
    ));
    assert!(notices.iter().any(|n| matches!(n, Notice::MetaMention(_))));
    assert_eq!(h.received().await.len(), 5);
}

#[tokio::test]
async fn whatsapp_messages_open_the_service_window_of_the_sending_adapter() {
    let h = start().await;
    assert!(!h.whatsapp.window_open("4791234567"));
    let (status, body) = h
        .post_meta("whatsapp", fixture("whatsapp/messages.json"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(counts(&body), (3, 0, 1));
    assert!(h.whatsapp.window_open("4791234567"));
    let (status, _) = h
        .post_meta("whatsapp", fixture("whatsapp/statuses.json"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let statuses = h
        .notices
        .lock()
        .unwrap()
        .iter()
        .filter(|n| matches!(n, Notice::WhatsappStatus(_)))
        .count();
    assert_eq!(statuses, 4);
}

#[tokio::test]
async fn an_email_is_ingested_once_with_its_thread() {
    let h = start().await;
    let raw = fixture("email/first.eml");
    let signature = sign_sha256_hex(MAIL_SECRET.as_bytes(), &raw);
    let (status, body) = h
        .post(
            "email",
            EMAIL_SIGNATURE_HEADER,
            Some(signature.clone()),
            raw.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = h
        .post("email", EMAIL_SIGNATURE_HEADER, Some(signature), raw)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counts(&body), (0, 1, 0));
    let reply = fixture("email/reply_with_attachment.eml");
    let signature = sign_sha256_hex(MAIL_SECRET.as_bytes(), &reply);
    h.post("email", EMAIL_SIGNATURE_HEADER, Some(signature), reply)
        .await;
    let events = h.events().await;
    let threaded: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::MessageReceived {
                inbound,
                conversation,
                ..
            } => Some((inbound.in_reply_to.clone(), *conversation)),
            _ => None,
        })
        .collect();
    assert_eq!(threaded.len(), 2);
    assert_eq!(
        threaded[1].0.as_deref(),
        Some("CAF1234.first@mail.example.fr"),
        "the nearest known parent"
    );
    assert_eq!(threaded[0].1, threaded[1].1, "one conversation");
}

#[tokio::test]
async fn random_signed_bodies_never_panic_the_receiver() {
    let h = start().await;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for n in 0..64 {
        let len = (n * 37) % 700;
        let body: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect();
        for route in ["x", "meta", "whatsapp", "email"] {
            let (status, _) = match route {
                "x" => h.post_x(body.clone()).await,
                "email" => {
                    let s = sign_sha256_hex(MAIL_SECRET.as_bytes(), &body);
                    h.post("email", EMAIL_SIGNATURE_HEADER, Some(s), body.clone())
                        .await
                }
                _ => h.post_meta(route, body.clone()).await,
            };
            assert!(
                status == StatusCode::BAD_REQUEST || status == StatusCode::OK,
                "{route}: {status}"
            );
        }
    }
    // Still serving.
    assert_eq!(
        h.post_x(fixture("x/mention_reply.json")).await.0,
        StatusCode::OK
    );
    drop(h.desk.clone());
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn with_sqlite_an_acknowledged_message_survives_a_restart() {
    use caredesk::store::sqlite::SqliteEventStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    {
        let store: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(&path).unwrap());
        let h = start_with(store, 64 * 1024).await;
        let (status, _) = h
            .post_meta("whatsapp", fixture("whatsapp/messages.json"))
            .await;
        assert_eq!(status, StatusCode::OK);
        h.desk.shutdown().await.unwrap();
    }
    let reopened = SqliteEventStore::open(&path).unwrap();
    let received = read_all(&reopened, TENANT, 1)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.payload, EventPayload::MessageReceived { .. }))
        .count();
    assert_eq!(received, 3);
}

/// A WhatsApp statuses payload reporting `wamid` as failed (error 131047,
/// as the Cloud API documents a message sent outside the service window).
fn failed_status(wamid: &str) -> Vec<u8> {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "31201234567", "phone_number_id": "106540352242922"},
                    "statuses": [{
                        "id": wamid,
                        "status": "failed",
                        "timestamp": "1795947600",
                        "recipient_id": "4791234567",
                        "errors": [{
                            "code": 131047,
                            "title": "Re-engagement message",
                            "message": "Re-engagement message",
                            "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}
                        }]
                    }]
                }
            }]
        }]
    })
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn a_whatsapp_failed_status_after_the_api_accepted_the_reply_reaches_the_engine_once() {
    use caredesk::engine::{Input, Reply};
    let h = start().await;
    let (status, body) = h
        .post_meta("whatsapp", fixture("whatsapp/messages.json"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let conversation = h
        .events()
        .await
        .into_iter()
        .find_map(|e| match e.payload {
            EventPayload::MessageReceived {
                conversation,
                inbound,
                ..
            } if inbound.author.handle == "4791234567" => Some(conversation),
            _ => None,
        })
        .unwrap();
    h.desk
        .submit(Input::UpsertAgent(crate::support::agent(
            1,
            &[Language::NORWEGIAN, Language::ENGLISH],
            5,
        )))
        .await
        .unwrap();
    h.desk
        .submit(Input::Reply(Reply {
            conversation,
            agent: crate::support::agent_id(1),
            visibility: Visibility::Private,
            text: "Hei Ingrid, vi sporer bagasjen din nå. ^AG".into(),
            attachments: Vec::new(),
        }))
        .await
        .unwrap();
    // The API accepts it: the receipt (a wamid) is recorded.
    let mut wamid = None;
    for _ in 0..400 {
        wamid = h.events().await.into_iter().find_map(|e| match e.payload {
            EventPayload::DeliverySucceeded { external_id, .. } => Some(external_id),
            _ => None,
        });
        if wamid.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let wamid = wamid.expect("the reply was delivered");
    assert!(wamid.starts_with("wamid."), "{wamid}");

    // Later, WhatsApp reports it failed.
    let (status, body) = h.post_meta("whatsapp", failed_status(&wamid)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let late = |events: Vec<Event>| -> Vec<(String, String, bool)> {
        events
            .into_iter()
            .filter_map(|e| match e.payload {
                EventPayload::DeliveryFailedLate {
                    external_id,
                    reason,
                    first_response,
                    conversation: of,
                    ..
                } if of == conversation => Some((external_id.to_string(), reason, first_response)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        late(h.events().await),
        vec![(
            wamid.to_string(),
            "Re-engagement message (131047)".to_owned(),
            true
        )]
    );
    let state = h.desk.engine_state().await.unwrap();
    let engine = caredesk::engine::Engine::from_snapshot(engine_config(), state, []).unwrap();
    let undelivered = engine
        .conversation(conversation)
        .unwrap()
        .messages
        .iter()
        .filter(|m| m.undelivered)
        .count();
    assert_eq!(undelivered, 1);

    // The same status delivered again (Meta retries webhooks) is recorded once.
    let (status, _) = h.post_meta("whatsapp", failed_status(&wamid)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(late(h.events().await).len(), 1);
    // A failure for a message this desk never sent reaches nothing.
    let (status, _) = h
        .post_meta("whatsapp", failed_status("wamid.NOT-OURS"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(late(h.events().await).len(), 1);
}
