//! The Meta adapter: Page feed, mentions, Messenger and Instagram payloads
//! from the fixtures, the handshake and signatures, and the Graph client
//! against a stand-in API on 127.0.0.1.

use crate::fake_network::{fixture, FakeNetwork, Scripted};
use caredesk::channel::meta::{self, MetaChannel, MetaConfig, MetaParseError};
use caredesk::channel::signature::{
    sign_sha256_hex, subscription_challenge, HandshakeError, SignatureError,
};
use caredesk::channel::{conformance, Channel, ChannelError};
use caredesk::model::*;
use chrono::{TimeZone, Utc};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

fn next_id() -> u128 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    u128::from(NEXT.fetch_add(1, Ordering::Relaxed))
}

const PAGE: &str = "104958162837";
const IG: &str = "17841400008460056";

fn facebook(network: &FakeNetwork) -> MetaChannel {
    MetaChannel::new(MetaConfig::facebook(PAGE, "page-token").with_http(network.http())).unwrap()
}

fn instagram(network: &FakeNetwork) -> MetaChannel {
    MetaChannel::new(MetaConfig::instagram(IG, "page-token").with_http(network.http())).unwrap()
}

fn outbound(
    kind: ChannelKind,
    account: &str,
    visibility: Visibility,
    to: Option<&str>,
) -> OutboundMessage {
    OutboundMessage {
        id: OutboundId::from_uuid(Uuid::from_u128(next_id())),
        channel: ChannelRef::new(kind, account),
        recipient: Identity::new(kind, "6543210987654321"),
        visibility,
        text: "Ciao Marco, ti aiutiamo subito. ^GB".into(),
        in_reply_to: to.map(Into::into),
        attachments: vec![],
    }
}

#[test]
fn feed_comments_keep_their_parent_and_skip_the_page_reactions_and_removals() {
    let webhook = meta::parse(&fixture("meta/page_feed_comments.json")).unwrap();
    let ids: Vec<_> = webhook
        .messages
        .iter()
        .map(|m| m.external_id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["998877665544_1234567890123", "998877665544_1234567890125"]
    );
    let first = &webhook.messages[0];
    assert_eq!(first.channel, ChannelRef::new(ChannelKind::Facebook, PAGE));
    assert_eq!(
        first.author,
        Identity::new(ChannelKind::Facebook, "7001122334455667")
    );
    assert_eq!(first.visibility, Visibility::Public);
    assert_eq!(
        first.in_reply_to.as_deref(),
        Some("104958162837_998877665544")
    );
    assert_eq!(
        first.text,
        "Il mio volo per Roma è stato cancellato, cosa devo fare? 😢"
    );
    assert_eq!(
        first.received_at,
        Utc.timestamp_opt(1_795_946_900, 0).unwrap()
    );
    let reply = &webhook.messages[1];
    assert_eq!(
        reply.in_reply_to.as_deref(),
        Some("998877665544_1234567890123")
    );
    assert_eq!(webhook.removals.len(), 1);
    assert_eq!(
        webhook.removals[0].external_id,
        "998877665544_1234567890123"
    );
    assert_eq!(webhook.skipped, 2, "the page's own comment and a reaction");
}

#[test]
fn a_page_mention_with_text_is_a_public_message() {
    let webhook = meta::parse(&fixture("meta/page_mention.json")).unwrap();
    assert_eq!(webhook.messages.len(), 1);
    let m = &webhook.messages[0];
    assert_eq!(m.external_id, "55512345678_112233445566");
    assert_eq!(m.author.handle, "7007007007");
    assert!(m.text.contains("teddy bear"));
}

#[test]
fn messenger_messages_are_private_and_echoes_and_receipts_are_skipped() {
    let webhook = meta::parse(&fixture("meta/messenger_messages.json")).unwrap();
    assert_eq!(webhook.messages.len(), 2);
    assert_eq!(webhook.skipped, 2, "an echo and a read receipt");
    let first = &webhook.messages[0];
    assert_eq!(first.external_id, "m_AbCdEf0123456789-first");
    assert_eq!(first.visibility, Visibility::Private);
    assert_eq!(
        first.received_at,
        Utc.timestamp_millis_opt(1_795_947_200_000).unwrap()
    );
    let photo = &webhook.messages[1];
    assert_eq!(photo.text, "");
    assert_eq!(photo.attachments.len(), 1, "attachment only");
    assert_eq!(
        photo.in_reply_to.as_deref(),
        Some("m_AbCdEf0123456789-first")
    );
}

#[test]
fn instagram_comments_and_messages_are_read_and_mentions_listed_to_fetch() {
    let webhook = meta::parse(&fixture("meta/instagram.json")).unwrap();
    assert_eq!(webhook.messages.len(), 3);
    let comment = &webhook.messages[0];
    assert_eq!(comment.channel, ChannelRef::new(ChannelKind::Instagram, IG));
    assert_eq!(
        comment.in_reply_to.as_deref(),
        Some("17895695668004550"),
        "the media"
    );
    assert_eq!(
        comment.received_at,
        Utc.timestamp_opt(1_795_947_300, 0).unwrap()
    );
    assert_eq!(
        webhook.messages[1].in_reply_to.as_deref(),
        Some("17865799348089039")
    );
    let dm = &webhook.messages[2];
    assert_eq!(dm.visibility, Visibility::Private);
    assert_eq!(dm.text, "안녕하세요, 수하물이 없어졌어요");
    assert_eq!(webhook.mentions.len(), 1);
    assert_eq!(
        webhook.mentions[0].comment_id.as_deref(),
        Some("17894227972186120")
    );
}

#[test]
fn other_objects_and_broken_payloads_are_typed_errors() {
    assert_eq!(
        meta::parse(br#"{"object":"whatsapp_business_account","entry":[]}"#),
        Err(MetaParseError::UnsupportedObject(
            "whatsapp_business_account".into()
        ))
    );
    let full = fixture("meta/page_feed_comments.json");
    for cut in [0, 5, full.len() / 3, full.len() - 2] {
        assert!(matches!(
            meta::parse(&full[..cut]),
            Err(MetaParseError::Malformed(_))
        ));
    }
    assert!(matches!(
        meta::parse(br#"{"object":"page","entry":[{"id":"1","changes":[{"field":"feed","value":{"item":7}}]}]}"#),
        Err(MetaParseError::Malformed(reason)) if reason.contains("feed")
    ));
}

#[test]
fn the_handshake_echoes_the_challenge_only_for_the_right_token() {
    let ok = subscription_challenge("tok", Some("subscribe"), Some("tok"), Some("1158201444"));
    assert_eq!(ok, Ok("1158201444".into()));
    assert_eq!(
        subscription_challenge("tok", Some("subscribe"), Some("tik"), Some("1")),
        Err(HandshakeError::TokenMismatch)
    );
    assert_eq!(
        subscription_challenge("tok", Some("unsubscribe"), Some("tok"), Some("1")),
        Err(HandshakeError::NotSubscribe)
    );
    assert_eq!(
        subscription_challenge("tok", Some("subscribe"), Some("tok"), None),
        Err(HandshakeError::MissingChallenge)
    );
}

#[test]
fn the_hub_signature_is_the_hex_hmac_of_the_raw_body() {
    let body = fixture("meta/messenger_messages.json");
    let header = sign_sha256_hex(b"app-secret", &body);
    assert_eq!(meta::verify(b"app-secret", &body, Some(&header)), Ok(()));
    assert_eq!(
        meta::verify(b"app-secret", &body[..body.len() - 1], Some(&header)),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        meta::verify(b"app-secret", &body, Some(&header.to_uppercase())),
        Err(SignatureError::Malformed("expected the prefix sha256="))
    );
}

#[tokio::test]
async fn graph_calls_follow_visibility_and_target() {
    let network = FakeNetwork::start().await;
    let fb = facebook(&network);
    let ig = instagram(&network);
    let comment = "998877665544_1234567890123";
    fb.send(&outbound(
        ChannelKind::Facebook,
        PAGE,
        Visibility::Public,
        Some(comment),
    ))
    .await
    .unwrap();
    fb.send(&outbound(
        ChannelKind::Facebook,
        PAGE,
        Visibility::Private,
        Some(comment),
    ))
    .await
    .unwrap();
    let receipt = fb
        .send(&outbound(
            ChannelKind::Facebook,
            PAGE,
            Visibility::Private,
            Some("m_AbCdEf0123456789-first"),
        ))
        .await
        .unwrap();
    ig.send(&outbound(
        ChannelKind::Instagram,
        IG,
        Visibility::Public,
        Some("17865799348089039"),
    ))
    .await
    .unwrap();
    let sent = network.delivered();
    let paths: Vec<_> = sent.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/v21.0/998877665544_1234567890123/comments",
            "/v21.0/104958162837/messages",
            "/v21.0/104958162837/messages",
            "/v21.0/17865799348089039/replies",
        ]
    );
    assert_eq!(
        sent[0].body,
        json!({"message": "Ciao Marco, ti aiutiamo subito. ^GB"})
    );
    assert_eq!(
        sent[1].body["recipient"],
        json!({"comment_id": comment}),
        "private reply"
    );
    assert_eq!(sent[2].body["recipient"], json!({"id": "6543210987654321"}));
    assert_eq!(sent[2].body["messaging_type"], "RESPONSE");
    assert_eq!(sent[0].authorization.as_deref(), Some("Bearer page-token"));
    assert_eq!(receipt.external_id, "m_out0003");
    let no_target = fb
        .send(&outbound(
            ChannelKind::Facebook,
            PAGE,
            Visibility::Public,
            None,
        ))
        .await;
    assert!(matches!(
        no_target,
        Err(ChannelError::Rejected { status: 0, .. })
    ));
}

#[tokio::test]
async fn graph_errors_are_typed() {
    let network = FakeNetwork::start().await;
    let fb = facebook(&network);
    let error = |code: i64, subcode: Option<i64>| {
        let mut body = json!({"error": {"message": "m", "type": "OAuthException", "code": code, "fbtrace_id": "A1"}});
        if let Some(subcode) = subcode {
            body["error"]["error_subcode"] = subcode.into();
        }
        Scripted::new(400, body)
    };
    network.script(error(10, Some(2_018_278)));
    network.script(error(613, None));
    network.script(error(190, None));
    network.script(error(100, None));
    network.script(Scripted::new(
        500,
        json!({"error": {"code": 2, "message": "temporary"}}),
    ));
    let message = || outbound(ChannelKind::Facebook, PAGE, Visibility::Private, None);
    assert_eq!(fb.send(&message()).await, Err(ChannelError::WindowClosed));
    assert_eq!(
        fb.send(&message()).await,
        Err(ChannelError::RateLimited { retry_at: None })
    );
    assert!(matches!(
        fb.send(&message()).await,
        Err(ChannelError::Forbidden(_))
    ));
    assert!(matches!(
        fb.send(&message()).await,
        Err(ChannelError::Rejected { status: 400, .. })
    ));
    assert!(matches!(
        fb.send(&message()).await,
        Err(ChannelError::Transient(_))
    ));
    assert!(network.delivered().is_empty());
}

#[tokio::test]
async fn the_facebook_and_instagram_adapters_pass_the_channel_conformance_suite() {
    let network = FakeNetwork::start().await;
    for (n, channel) in [facebook(&network), instagram(&network)].iter().enumerate() {
        let probe = network.clone();
        conformance::run(
            conformance::Subject {
                channel,
                recipient: Identity::new(channel.channel().kind, "6543210987654321"),
                reply_to: "17865799348089039".into(),
                deliveries: &move || probe.delivered().len(),
            },
            20 + n as u64,
        )
        .await
        .unwrap();
    }
}
