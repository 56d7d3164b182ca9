//! Meta (Facebook Page and Instagram) webhooks on foreign bytes: the
//! payload parser never panics, every message, removal and mention it
//! yields is on a Facebook or Instagram channel and messages survive the
//! event store's JSON round trip; the `X-Hub-Signature-256` check
//! (HMAC-SHA256, hex) accepts the signed body and nothing else.
#![no_main]

use caredesk::channel::meta;
use caredesk::channel::signature::sign_sha256_hex;
use caredesk::model::ChannelKind;
use caredesk_fuzz::channels::{check_inbound, check_signature};
use libfuzzer_sys::fuzz_target;

const KINDS: [ChannelKind; 2] = [ChannelKind::Facebook, ChannelKind::Instagram];

fuzz_target!(|data: &[u8]| {
    if let Ok(webhook) = meta::parse(data) {
        for message in &webhook.messages {
            check_inbound(message, &KINDS);
        }
        for removal in &webhook.removals {
            assert!(KINDS.contains(&removal.channel.kind));
        }
        for mention in &webhook.mentions {
            assert!(KINDS.contains(&mention.channel.kind));
        }
    }
    // Hex digits may come in either case.
    check_signature(data, sign_sha256_hex, meta::verify, str::to_ascii_lowercase);
});
