//! X Account Activity webhooks on foreign bytes: the payload parser never
//! panics, every message it yields is an X message that survives the event
//! store's JSON round trip, and the `x-twitter-webhooks-signature` check
//! (HMAC-SHA256, base64) accepts the signed body and nothing else. The CRC
//! answer is JSON for any token.
#![no_main]

use caredesk::channel::signature::sign_sha256_base64;
use caredesk::channel::x;
use caredesk::model::ChannelKind;
use caredesk_fuzz::channels::{check_inbound, check_signature, SECRET};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(webhook) = x::parse(data) {
        assert!(!webhook.for_user_id.is_empty());
        for message in &webhook.messages {
            check_inbound(message, &[ChannelKind::X]);
            assert_eq!(message.channel.account, webhook.for_user_id);
            assert!(
                !(message.text.is_empty() && message.attachments.is_empty()),
                "an empty message was kept"
            );
        }
    }
    // Base64 digests are compared as decoded bytes: the canonical form of
    // an accepted header is the header itself.
    check_signature(data, sign_sha256_base64, x::verify, str::to_owned);
    let token = String::from_utf8_lossy(data);
    let answer: serde_json::Value =
        serde_json::from_str(&x::crc_response(SECRET, &token)).expect("the CRC answer is JSON");
    assert_eq!(
        answer["response_token"].as_str(),
        Some(sign_sha256_base64(SECRET, token.as_bytes()).as_str())
    );
});
