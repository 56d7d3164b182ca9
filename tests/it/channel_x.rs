//! The X adapter: Account Activity payloads from the fixtures, signatures
//! and CRC, and the v2 client against a stand-in API on 127.0.0.1.

use crate::fake_network::{fixture, silent_server, FakeNetwork, Scripted};
use caredesk::channel::signature::{sign_sha256_base64, SignatureError};
use caredesk::channel::x::{self, XChannel, XConfig, XParseError};
use caredesk::channel::{conformance, Channel, ChannelError, HttpConfig};
use caredesk::model::*;
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

const BRAND: &str = "56377143";

fn channel(network: &FakeNetwork) -> XChannel {
    XChannel::new(XConfig::new(BRAND, "consumer-secret", "user-token").with_http(network.http()))
        .unwrap()
}

fn reply(n: u128, visibility: Visibility, to: &str, text: &str) -> OutboundMessage {
    OutboundMessage {
        id: OutboundId::from_uuid(Uuid::from_u128(n)),
        channel: ChannelRef::new(ChannelKind::X, BRAND),
        recipient: Identity::new(ChannelKind::X, "6253282"),
        visibility,
        text: text.into(),
        in_reply_to: Some(to.into()),
        attachments: vec![],
    }
}

#[test]
fn a_mention_keeps_its_id_parent_reach_language_and_emoji() {
    let webhook = x::parse(&fixture("x/mention_reply.json")).unwrap();
    assert_eq!(webhook.for_user_id, BRAND);
    assert_eq!(webhook.messages.len(), 1);
    let m = &webhook.messages[0];
    assert_eq!(m.channel, ChannelRef::new(ChannelKind::X, BRAND));
    assert_eq!(m.external_id, "1861230000000000001");
    assert_eq!(m.in_reply_to.as_deref(), Some("1861220000000000009"));
    assert_eq!(m.author, Identity::new(ChannelKind::X, "6253282"));
    assert_eq!(m.author_reach, Some(1204));
    assert_eq!(m.language_hint, Some(Language::ENGLISH));
    assert_eq!(m.visibility, Visibility::Public);
    assert_eq!(
        m.text,
        "@KLM my bag did not arrive in Oslo, file AMS12345 😟"
    );
    assert_eq!(
        m.received_at,
        Utc.timestamp_millis_opt(1_795_946_292_000).unwrap()
    );
}

#[test]
fn an_extended_tweet_is_read_in_full_not_truncated() {
    let webhook = x::parse(&fixture("x/extended_tweet.json")).unwrap();
    let m = &webhook.messages[0];
    assert!(m.text.ends_with("Graag snel hulp! ✈️🧳"), "{}", m.text);
    assert!(!m.text.contains('…'));
    assert!(m.text.chars().count() > 140);
    assert_eq!(m.in_reply_to, None);
    assert_eq!(m.language_hint, Some(Language::DUTCH));
}

#[test]
fn an_attachments_only_post_has_its_photos_and_no_media_link() {
    let webhook = x::parse(&fixture("x/attachments_only.json")).unwrap();
    let m = &webhook.messages[0];
    assert_eq!(m.text, "@KLM");
    assert_eq!(
        m.attachments
            .iter()
            .map(|a| a.url.as_str())
            .collect::<Vec<_>>(),
        [
            "https://pbs.twimg.com/media/Fx0001.jpg",
            "https://pbs.twimg.com/media/Fx0002.jpg"
        ]
    );
    assert!(m.attachments.iter().all(|a| a.media_type == "image/jpeg"));
    assert_eq!(m.language_hint, None, "'und' is not a language");
    assert_eq!(m.author_reach, Some(15_320));
}

#[test]
fn a_batch_skips_the_brands_own_posts_and_retweets() {
    let webhook = x::parse(&fixture("x/batch_with_echo_and_retweet.json")).unwrap();
    assert_eq!(webhook.skipped, 2);
    assert_eq!(webhook.messages.len(), 1);
    let m = &webhook.messages[0];
    assert_eq!(m.external_id, "1861230000000000006");
    assert_eq!(m.text, "@KLM ありがとうございました！早い対応でした 🙏");
    assert_eq!(m.author_reach, Some(0));
    // No timestamp_ms: created_at is read instead.
    assert_eq!(
        m.received_at,
        "2026-11-23T10:05:20Z"
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
    );
}

#[test]
fn a_direct_message_is_private_with_its_attachment_and_the_echo_is_skipped() {
    let webhook = x::parse(&fixture("x/direct_message.json")).unwrap();
    assert_eq!(webhook.messages.len(), 1);
    assert_eq!(webhook.skipped, 1);
    let m = &webhook.messages[0];
    assert_eq!(m.external_id, "1861230000000000201");
    assert_eq!(m.visibility, Visibility::Private);
    assert_eq!(m.author, Identity::new(ChannelKind::X, "6253282"));
    assert_eq!(m.author_reach, Some(1204), "from the users map");
    assert_eq!(
        m.text,
        "Hi, my file number is AMS12345. Photo of the tag attached"
    );
    assert_eq!(m.attachments.len(), 1);
}

#[test]
fn a_deletion_is_reported_not_ingested() {
    let webhook = x::parse(&fixture("x/tweet_delete.json")).unwrap();
    assert!(webhook.messages.is_empty());
    assert_eq!(webhook.deletions.len(), 1);
    assert_eq!(webhook.deletions[0].tweet_id, "1861230000000000001");
    assert_eq!(webhook.deletions[0].user_id, "6253282");
}

#[test]
fn malformed_and_truncated_payloads_are_typed_errors() {
    let full = fixture("x/mention_reply.json");
    for cut in [0, 1, 10, full.len() / 2, full.len() - 2] {
        assert!(matches!(
            x::parse(&full[..cut]),
            Err(XParseError::Malformed(_))
        ));
    }
    assert_eq!(
        x::parse(br#"{"tweet_create_events":[]}"#),
        Err(XParseError::MissingUser)
    );
    assert!(matches!(
        x::parse(br#"{"for_user_id":"1","tweet_create_events":[{"id_str":"5","text":"hi","user":{"id_str":"2"},"timestamp_ms":"soon"}]}"#),
        Err(XParseError::BadTimestamp { .. })
    ));
    assert!(matches!(
        x::parse(b"[1,2,3]"),
        Err(XParseError::Malformed(_))
    ));
}

#[test]
fn the_crc_answer_is_the_base64_hmac_of_the_token() {
    let answer: Value =
        serde_json::from_str(&x::crc_response(b"consumer-secret", "token-123")).unwrap();
    assert_eq!(
        answer["response_token"],
        sign_sha256_base64(b"consumer-secret", b"token-123")
    );
    assert!(answer["response_token"]
        .as_str()
        .unwrap()
        .starts_with("sha256="));
}

#[test]
fn signatures_are_checked_over_the_raw_body() {
    let body = fixture("x/mention_reply.json");
    let good = sign_sha256_base64(b"consumer-secret", &body);
    assert_eq!(x::verify(b"consumer-secret", &body, Some(&good)), Ok(()));
    let mut altered = body.clone();
    altered[20] ^= 1;
    assert_eq!(
        x::verify(b"consumer-secret", &altered, Some(&good)),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        x::verify(b"consumer-secret", &body, None),
        Err(SignatureError::Missing)
    );
}

#[tokio::test]
async fn a_public_reply_posts_to_tweets_under_the_customer_post() {
    let network = FakeNetwork::start().await;
    let channel = channel(&network);
    let receipt = channel
        .send(&reply(
            1,
            Visibility::Public,
            "1861230000000000001",
            "We are on it 🧳 ^SV",
        ))
        .await
        .unwrap();
    let sent = network.delivered();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, "/2/tweets");
    assert_eq!(sent[0].authorization.as_deref(), Some("Bearer user-token"));
    assert_eq!(
        sent[0].body,
        json!({"text": "We are on it 🧳 ^SV", "reply": {"in_reply_to_tweet_id": "1861230000000000001"}})
    );
    assert_eq!(receipt.external_id, "1870000000000000001");
}

#[tokio::test]
async fn a_private_reply_is_a_dm_to_the_customer_id() {
    let network = FakeNetwork::start().await;
    let channel = channel(&network);
    let receipt = channel
        .send(&reply(
            2,
            Visibility::Private,
            "1861230000000000201",
            "Your file is AMS12345.",
        ))
        .await
        .unwrap();
    let sent = network.delivered();
    assert_eq!(sent[0].path, "/2/dm_conversations/with/6253282/messages");
    assert_eq!(sent[0].body, json!({"text": "Your file is AMS12345."}));
    assert_eq!(receipt.external_id, "1871000000000000001");
    let mut bad = reply(3, Visibility::Private, "1", "hi");
    bad.recipient.handle = "../../admin".into();
    assert!(matches!(
        channel.send(&bad).await,
        Err(ChannelError::Rejected { .. })
    ));
    assert_eq!(network.delivered().len(), 1);
}

#[tokio::test]
async fn rate_limits_carry_the_reset_time() {
    let network = FakeNetwork::start().await;
    let channel = channel(&network);
    network.script(
        Scripted::new(429, json!({"title": "Too Many Requests", "status": 429}))
            .header("x-rate-limit-reset", "1795950000"),
    );
    let error = channel
        .send(&reply(4, Visibility::Public, "1", "hello"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ChannelError::RateLimited {
            retry_at: Some(Utc.timestamp_opt(1_795_950_000, 0).unwrap())
        }
    );
    assert!(!error.is_permanent());
}

#[tokio::test]
async fn network_errors_map_to_typed_channel_errors() {
    let network = FakeNetwork::start().await;
    let channel = channel(&network);
    network.script(Scripted::new(
        403,
        json!({"detail": "You are not permitted to perform this action.", "status": 403}),
    ));
    network.script(Scripted::new(
        400,
        json!({"detail": "Your Tweet text is too long.", "status": 400}),
    ));
    network.script(Scripted::new(503, json!({"title": "Service Unavailable"})));
    network.script(Scripted::new(
        400,
        json!({"detail": "Invalid Request", "status": 400}),
    ));
    let message = |n| reply(n, Visibility::Public, "1", "hello");
    assert!(matches!(
        channel.send(&message(10)).await,
        Err(ChannelError::Forbidden(_))
    ));
    assert_eq!(
        channel.send(&message(11)).await,
        Err(ChannelError::TooLong {
            length: 5,
            limit: 280
        })
    );
    assert!(matches!(
        channel.send(&message(12)).await,
        Err(ChannelError::Transient(_))
    ));
    assert!(matches!(
        channel.send(&message(13)).await,
        Err(ChannelError::Rejected { status: 400, .. })
    ));
    assert_eq!(network.refused().len(), 4);
    assert!(network.delivered().is_empty());
    // A failed send may be retried and then succeeds once.
    channel.send(&message(12)).await.unwrap();
    channel.send(&message(12)).await.unwrap();
    assert_eq!(network.delivered().len(), 1);
}

#[tokio::test]
async fn a_silent_server_leaves_the_send_unconfirmed() {
    let addr = silent_server().await;
    let channel = XChannel::new(XConfig::new(BRAND, "s", "t").with_http(
        HttpConfig::new(format!("http://{addr}")).with_timeout(Duration::from_millis(200)),
    ))
    .unwrap();
    let error = channel
        .send(&reply(20, Visibility::Public, "1", "hello"))
        .await
        .unwrap_err();
    // The request went out: the network may have posted it, so a blind
    // retry could post the reply twice.
    assert!(
        matches!(&error, ChannelError::Unconfirmed(reason) if reason.contains("timed out")),
        "{error:?}"
    );
    assert!(!error.is_permanent());
}

#[tokio::test]
async fn a_refused_connection_is_transient_because_nothing_was_sent() {
    // A port nobody listens on: bind one, then close it.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let channel = XChannel::new(XConfig::new(BRAND, "s", "t").with_http(
        HttpConfig::new(format!("http://{addr}")).with_timeout(Duration::from_millis(500)),
    ))
    .unwrap();
    let error = channel
        .send(&reply(21, Visibility::Public, "1", "hello"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ChannelError::Transient(reason) if reason.contains("could not connect")),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_x_adapter_passes_the_channel_conformance_suite() {
    let network = FakeNetwork::start().await;
    let channel = channel(&network);
    let probe = network.clone();
    conformance::run(
        conformance::Subject {
            channel: &channel,
            recipient: Identity::new(ChannelKind::X, "6253282"),
            reply_to: "1861230000000000001".into(),
            deliveries: &move || probe.delivered().len(),
        },
        7,
    )
    .await
    .unwrap();
}
