//! The e-mail parser wrapper on foreign bytes: `parse` never panics; a
//! message it reads has a lower-case sender address, an id, and text
//! without quoted lines; the mailbox turns it into an inbound e-mail
//! message that survives the event store's JSON round trip, and the reply
//! it builds to that message is itself a message the parser reads back
//! with the reply's id, the mailbox as sender and the threading intact.
#![no_main]

use caredesk::channel::email::{self, EmailChannel, EmailConfig, MailTransport, OutgoingMail};
use caredesk::channel::ChannelError;
use caredesk::model::{ChannelKind, OutboundId, OutboundMessage};
use caredesk_fuzz::channels::check_inbound;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

/// Replies are only built here, never sent.
struct NoTransport;

#[async_trait::async_trait]
impl MailTransport for NoTransport {
    async fn send(&self, _: &OutgoingMail) -> Result<(), ChannelError> {
        Err(ChannelError::Transient(
            "the fuzz target sends nothing".into(),
        ))
    }
}

const MAILBOX: &str = "care@klm.example";

fn mailbox() -> &'static EmailChannel {
    static CHANNEL: OnceLock<EmailChannel> = OnceLock::new();
    CHANNEL.get_or_init(|| {
        EmailChannel::new(EmailConfig::new(MAILBOX), Arc::new(NoTransport))
            .with_clock(caredesk_fuzz::start)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(mail) = email::parse(data) else {
        return;
    };
    assert!(mail.from.contains('@'));
    assert_eq!(mail.from, mail.from.to_lowercase());
    assert!(!mail.message_id.is_empty());
    assert!(
        mail.text.lines().all(|l| !l.trim_start().starts_with('>')),
        "a quoted line was kept"
    );
    let inbound = mailbox().inbound(&mail, caredesk_fuzz::start());
    check_inbound(&inbound, &[ChannelKind::Email]);
    assert_eq!(inbound.external_id, mail.message_id);
    let reply = OutboundMessage {
        id: OutboundId::from_uuid(uuid::Uuid::from_u128(0xE3A1)),
        channel: inbound.channel.clone(),
        recipient: inbound.author.clone(),
        visibility: inbound.visibility,
        text: "Your bag is on its way.".into(),
        in_reply_to: Some(inbound.external_id.clone()),
        attachments: Vec::new(),
    };
    let Ok(built) = mailbox().build_reply(&reply) else {
        return;
    };
    let back = email::parse(&built.raw).expect("a built reply parses");
    assert_eq!(back.message_id, built.message_id);
    assert_eq!(back.from, MAILBOX);
    assert_eq!(back.text, "Your bag is on its way.");
    // An id that is a plain msg-id (printable ASCII, no brackets or
    // spaces) threads: the reply names it in In-Reply-To.
    let plain = |id: &str| {
        id.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
    };
    if plain(&inbound.external_id) {
        assert_eq!(back.in_reply_to, vec![inbound.external_id.clone()]);
    }
});
