//! WhatsApp Cloud API webhooks on foreign bytes: the payload parser never
//! panics, messages are WhatsApp messages with content that survive the
//! event store's JSON round trip, failed statuses are the only ones with
//! errors worth reporting, the adapter's `observe` (service windows,
//! delivery updates) takes any parsed payload, and the
//! `X-Hub-Signature-256` check accepts the signed body and nothing else.
#![no_main]

use caredesk::channel::signature::sign_sha256_hex;
use caredesk::channel::whatsapp::{self, WhatsappChannel, WhatsappConfig};
use caredesk::model::ChannelKind;
use caredesk_fuzz::channels::{check_inbound, check_signature};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn channel() -> &'static WhatsappChannel {
    static CHANNEL: OnceLock<WhatsappChannel> = OnceLock::new();
    CHANNEL.get_or_init(|| {
        WhatsappChannel::new(WhatsappConfig::new("1065", "fuzz-token"))
            .expect("a fixed, valid WhatsApp configuration")
            .with_clock(caredesk_fuzz::start)
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(webhook) = whatsapp::parse(data) {
        for message in &webhook.messages {
            check_inbound(message, &[ChannelKind::Whatsapp]);
            assert!(
                !(message.text.trim().is_empty() && message.attachments.is_empty()),
                "an empty message was kept"
            );
        }
        for status in &webhook.statuses {
            assert_eq!(status.channel.kind, ChannelKind::Whatsapp);
        }
        // Nothing was sent, so no status concerns a send of this adapter.
        assert!(channel().observe(&webhook).is_empty());
        for message in webhook
            .messages
            .iter()
            .filter(|m| m.channel.account == "1065")
        {
            let _ = channel().window_open(&message.author.handle);
        }
    }
    check_signature(
        data,
        sign_sha256_hex,
        whatsapp::verify,
        str::to_ascii_lowercase,
    );
});
