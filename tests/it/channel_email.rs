//! The e-mail adapter: RFC 5322 parsing and threading from the fixtures,
//! and replies built with proper threading headers for a transport.

use crate::fake_network::fixture;
use async_trait::async_trait;
use caredesk::channel::email::{
    self, EmailChannel, EmailConfig, EmailParseError, MailTransport, OutgoingMail,
};
use caredesk::channel::{conformance, Channel, ChannelError};
use caredesk::model::*;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

const MAILBOX: &str = "care@klm.example";

#[derive(Default)]
struct RecordingTransport {
    sent: Mutex<Vec<OutgoingMail>>,
    fail_next: Mutex<VecDeque<ChannelError>>,
}

#[async_trait]
impl MailTransport for RecordingTransport {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), ChannelError> {
        if let Some(error) = self.fail_next.lock().unwrap().pop_front() {
            return Err(error);
        }
        self.sent.lock().unwrap().push(mail.clone());
        Ok(())
    }
}

fn mailbox(transport: &Arc<RecordingTransport>) -> EmailChannel {
    let mut config = EmailConfig::new(MAILBOX);
    config.display_name = Some("KLM Customer Care".into());
    EmailChannel::new(config, transport.clone())
        .with_clock(|| "2026-11-23T13:00:00Z".parse().unwrap())
}

fn fallback() -> chrono::DateTime<chrono::Utc> {
    "2026-11-23T16:00:00Z".parse().unwrap()
}

fn answer(n: u128, to: &str, in_reply_to: &str) -> OutboundMessage {
    OutboundMessage {
        id: OutboundId::from_uuid(Uuid::from_u128(n)),
        channel: ChannelRef::new(ChannelKind::Email, MAILBOX),
        recipient: Identity::new(ChannelKind::Email, to),
        visibility: Visibility::Private,
        text: "Bonjour Marie, pouvez-vous nous envoyer une photo ? ^CL".into(),
        in_reply_to: Some(in_reply_to.into()),
        attachments: vec![],
    }
}

#[test]
fn a_first_message_is_decoded_with_its_id_sender_subject_and_language() {
    let mail = email::parse(&fixture("email/first.eml")).unwrap();
    assert_eq!(mail.message_id, "CAF1234.first@mail.example.fr");
    assert!(!mail.message_id_derived);
    assert_eq!(mail.from, "marie.dubois@example.fr", "lower-cased");
    assert_eq!(mail.from_name.as_deref(), Some("Marie Dubois"));
    assert_eq!(mail.subject.as_deref(), Some("Bagage perdu – vol KL1234"));
    assert_eq!(mail.date, Some("2026-11-23T10:15:00Z".parse().unwrap()));
    assert_eq!(mail.language, Some(Language::FRENCH));
    assert!(
        mail.text.contains("Ma valise n’est pas arrivée à Paris"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("CDG54321. 🧳"));
    assert!(mail.in_reply_to.is_empty() && mail.references.is_empty());
}

#[test]
fn a_reply_keeps_its_references_attachment_and_drops_quoted_lines() {
    let mail = email::parse(&fixture("email/reply_with_attachment.eml")).unwrap();
    assert_eq!(mail.in_reply_to, ["care-reply-0001@klm.example"]);
    assert_eq!(
        mail.references,
        [
            "CAF1234.first@mail.example.fr",
            "care-reply-0001@klm.example"
        ]
    );
    assert_eq!(mail.text, "Merci ! Voici la photo de l etiquette.");
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].media_type, "image/jpeg");
    assert_eq!(
        mail.attachments[0].filename.as_deref(),
        Some("etiquette.jpg")
    );
}

#[test]
fn a_message_without_message_id_gets_a_stable_derived_id_and_html_is_converted() {
    let raw = fixture("email/no_message_id.eml");
    let a = email::parse(&raw).unwrap();
    let b = email::parse(&raw).unwrap();
    assert!(a.message_id_derived);
    assert_eq!(a.message_id, b.message_id, "a redelivery is recognised");
    assert!(a.text.contains("refund"));
    assert!(!a.text.contains("<b>"));
}

#[test]
fn garbage_and_senderless_messages_are_typed_errors() {
    assert_eq!(email::parse(b""), Err(EmailParseError::NotAMessage));
    assert_eq!(
        email::parse(b"To: care@klm.example\r\nSubject: hi\r\n\r\nbody"),
        Err(EmailParseError::MissingFrom)
    );
}

#[test]
fn threading_picks_the_nearest_known_parent() {
    let transport = Arc::new(RecordingTransport::default());
    let desk_mailbox = mailbox(&transport);
    let reply = email::parse(&fixture("email/reply_with_attachment.eml")).unwrap();
    // Nothing known yet: the In-Reply-To id is kept.
    assert_eq!(
        desk_mailbox.parent_of(&reply).as_deref(),
        Some("care-reply-0001@klm.example")
    );
    // Only the first message is known: the nearest known ancestor wins.
    let first = desk_mailbox
        .receive(&fixture("email/first.eml"), fallback())
        .unwrap();
    assert_eq!(first.in_reply_to, None);
    assert_eq!(first.channel, ChannelRef::new(ChannelKind::Email, MAILBOX));
    assert_eq!(
        desk_mailbox.parent_of(&reply).as_deref(),
        Some("CAF1234.first@mail.example.fr")
    );
    let inbound = desk_mailbox.inbound(&reply, fallback());
    assert_eq!(inbound.external_id, "CAF1234.third@mail.example.fr");
    assert_eq!(
        inbound.author,
        Identity::new(ChannelKind::Email, "marie.dubois@example.fr")
    );
    assert_eq!(inbound.attachments.len(), 1);
    let undated = desk_mailbox
        .receive(
            &fixture("email/no_message_id.eml").replace_date(),
            fallback(),
        )
        .unwrap();
    assert_eq!(undated.received_at, fallback());
}

trait WithoutDate {
    fn replace_date(self) -> Vec<u8>;
}

impl WithoutDate for Vec<u8> {
    fn replace_date(self) -> Vec<u8> {
        String::from_utf8(self)
            .unwrap()
            .replace("Date: Mon, 23 Nov 2026 15:00:00 +0000\r\n", "")
            .into_bytes()
    }
}

#[tokio::test]
async fn a_reply_has_re_subject_in_reply_to_references_and_its_own_message_id() {
    let transport = Arc::new(RecordingTransport::default());
    let desk_mailbox = mailbox(&transport);
    let first = desk_mailbox
        .receive(&fixture("email/first.eml"), fallback())
        .unwrap();
    let message = answer(0xABC, "marie.dubois@example.fr", &first.external_id);
    let receipt = desk_mailbox.send(&message).await.unwrap();
    let sent = transport.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    let mail = &sent[0];
    assert_eq!(mail.to, ["marie.dubois@example.fr"]);
    assert_eq!(mail.from, MAILBOX);
    assert_eq!(receipt.external_id, mail.message_id);
    assert_eq!(
        mail.message_id,
        format!("{}@klm.example", Uuid::from_u128(0xABC))
    );
    // Read the built message back with the parser.
    let built = email::parse(&mail.raw).unwrap();
    assert_eq!(built.message_id, mail.message_id);
    assert_eq!(
        built.subject.as_deref(),
        Some("Re: Bagage perdu – vol KL1234")
    );
    assert_eq!(built.in_reply_to, ["CAF1234.first@mail.example.fr"]);
    assert_eq!(built.references, ["CAF1234.first@mail.example.fr"]);
    assert_eq!(built.from, MAILBOX);
    assert_eq!(built.date, Some("2026-11-23T13:00:00Z".parse().unwrap()));
    assert_eq!(built.text, message.text);
    // The customer answers our reply: it threads to our message.
    let raw = format!(
        "From: marie.dubois@example.fr\r\nTo: {MAILBOX}\r\nSubject: Re: Re: Bagage perdu\r\n\
         Message-ID: <CAF1234.second@mail.example.fr>\r\nIn-Reply-To: <{id}>\r\n\
         References: <CAF1234.first@mail.example.fr> <{id}>\r\n\
         Date: Mon, 23 Nov 2026 13:30:00 +0000\r\n\r\nVoici.\r\n",
        id = mail.message_id
    );
    let answer_back = desk_mailbox.receive(raw.as_bytes(), fallback()).unwrap();
    assert_eq!(
        answer_back.in_reply_to.as_deref(),
        Some(mail.message_id.as_str())
    );
    // And our next reply carries the whole chain.
    desk_mailbox
        .send(&answer(
            0xABD,
            "marie.dubois@example.fr",
            &answer_back.external_id,
        ))
        .await
        .unwrap();
    let second = email::parse(&transport.sent.lock().unwrap()[1].raw).unwrap();
    assert_eq!(
        second.references,
        [
            "CAF1234.first@mail.example.fr".to_owned(),
            mail.message_id.clone(),
            "CAF1234.second@mail.example.fr".to_owned()
        ]
    );
    assert_eq!(second.subject.as_deref(), Some("Re: Bagage perdu"));
}

#[tokio::test]
async fn transport_errors_pass_through_and_bad_addresses_are_rejected() {
    let transport = Arc::new(RecordingTransport::default());
    let desk_mailbox = mailbox(&transport);
    transport
        .fail_next
        .lock()
        .unwrap()
        .push_back(ChannelError::Transient("421 try again later".into()));
    let message = answer(1, "marie.dubois@example.fr", "unknown@example.fr");
    assert!(matches!(
        desk_mailbox.send(&message).await,
        Err(ChannelError::Transient(_))
    ));
    let receipt = desk_mailbox.send(&message).await.unwrap();
    assert_eq!(desk_mailbox.send(&message).await, Ok(receipt), "sent once");
    assert_eq!(transport.sent.lock().unwrap().len(), 1);
    let built = email::parse(&transport.sent.lock().unwrap()[0].raw).unwrap();
    assert_eq!(
        built.subject.as_deref(),
        Some("Re: your message"),
        "unknown thread"
    );
    let injected = answer(2, "victim@example.org\r\nBcc: all@example.org", "x@y");
    assert!(matches!(
        desk_mailbox.send(&injected).await,
        Err(ChannelError::Rejected { .. })
    ));
}

#[tokio::test]
async fn the_email_adapter_passes_the_channel_conformance_suite() {
    let transport = Arc::new(RecordingTransport::default());
    let desk_mailbox = mailbox(&transport);
    let probe = transport.clone();
    conformance::run(
        conformance::Subject {
            channel: &desk_mailbox,
            recipient: Identity::new(ChannelKind::Email, "marie.dubois@example.fr"),
            reply_to: "CAF1234.first@mail.example.fr".into(),
            deliveries: &move || probe.sent.lock().unwrap().len(),
        },
        40,
    )
    .await
    .unwrap();
}
