//! E-mail: RFC 5322 messages in (parsed with `mail-parser`), replies out
//! (built with `mail-builder`) through a [`MailTransport`] you supply
//! (feature `email`).
//!
//! [`parse`] reads one raw message: its `Message-ID` (the external id; a
//! message without one gets a stable id derived from its bytes, so a
//! redelivery is still recognised), `In-Reply-To` and `References`, the
//! sender, subject, date, `Content-Language`, the plain text (converted from
//! HTML when there is no text part, quoted `>` lines removed) and the
//! attachments.
//!
//! [`EmailChannel`] is the mailbox. [`EmailChannel::inbound`] turns a parsed
//! message into an [`InboundMessage`] and chooses which message it answers,
//! the *nearest known parent*: the `In-Reply-To` ids first, then
//! `References` from the last (the nearest ancestor) to the first; the first
//! of them this mailbox has seen (received or sent) wins. When none is
//! known (after a restart, or a thread that began elsewhere) the
//! `In-Reply-To` id is kept, else the last reference: the engine threads by
//! whatever it recognises and otherwise by the customer.
//!
//! Sending, the channel builds a proper reply: `From` the mailbox, `To` the
//! customer's address, `Subject: Re: <the thread's subject>` (one `Re:`),
//! `In-Reply-To` the answered message and `References` its references plus
//! its id, a `Message-ID` of `<outbound id>@<mailbox domain>` (so the
//! receipt's external id is known before sending and a retried send carries
//! the same id), and hands the bytes to the [`MailTransport`]. SMTP, an
//! HTTP mail API or a queue are the transport's business.

use super::sent::{preflight, SentLog};
use super::{Channel, ChannelError, DeliveryReceipt, SentCheck};
use crate::model::{
    Attachment, Capabilities, ChannelKind, ChannelRef, Identity, InboundMessage, Language,
    OutboundMessage, Visibility,
};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// How many message ids (and their threads) a mailbox remembers.
const REMEMBERED_THREADS: usize = 65_536;

/// Most `References` ids carried on a reply (the oldest beyond are dropped,
/// keeping the thread's first message).
const MAX_REFERENCES: usize = 20;

/// Why a raw message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmailParseError {
    /// The bytes are not an RFC 5322 message (no header block).
    #[error("not an RFC 5322 message")]
    NotAMessage,
    /// The message has no usable `From` address: nobody to answer.
    #[error("the message has no From address")]
    MissingFrom,
}

/// An attachment of a received message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAttachment {
    /// Its media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// Its file name, when given.
    pub filename: Option<String>,
    /// Its decoded size in bytes.
    pub size: usize,
}

/// One received e-mail, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEmail {
    /// The `Message-ID`, without angle brackets.
    pub message_id: String,
    /// Whether the message had no `Message-ID` and `message_id` was derived
    /// from its bytes.
    pub message_id_derived: bool,
    /// The `In-Reply-To` ids, in header order.
    pub in_reply_to: Vec<String>,
    /// The `References` ids, oldest first.
    pub references: Vec<String>,
    /// The sender's address, lower-cased.
    pub from: String,
    /// The sender's display name.
    pub from_name: Option<String>,
    /// The `Subject`, decoded.
    pub subject: Option<String>,
    /// The `Date`.
    pub date: Option<DateTime<Utc>>,
    /// The `Content-Language`, when it is a two-letter code.
    pub language: Option<Language>,
    /// The plain text, without quoted (`>`) lines.
    pub text: String,
    /// The attachments.
    pub attachments: Vec<EmailAttachment>,
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    value
        .as_text_list()
        .map(|list| {
            list.iter()
                .map(|id| {
                    id.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_owned()
                })
                .filter(|id| !id.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn strip_quotes(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('>'))
        .collect();
    kept.join("\n").trim().to_owned()
}

/// Reads one raw RFC 5322 message.
///
/// ```
/// let raw = b"From: Anna <anna@example.org>\r\nTo: care@klm.example\r\n\
/// Subject: Lost bag\r\nMessage-ID: <abc@example.org>\r\n\
/// Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nMy bag did not arrive.\r\n";
/// let mail = caredesk::channel::email::parse(raw)?;
/// assert_eq!(mail.message_id, "abc@example.org");
/// assert_eq!(mail.from, "anna@example.org");
/// assert_eq!(mail.text, "My bag did not arrive.");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`EmailParseError`] when the bytes are not a message or name no sender.
pub fn parse(raw: &[u8]) -> Result<ParsedEmail, EmailParseError> {
    let message = MessageParser::default()
        .parse(raw)
        .filter(|m| !m.headers().is_empty())
        .ok_or(EmailParseError::NotAMessage)?;
    let sender = message.from().and_then(|from| from.first());
    let from = sender
        .and_then(|addr| addr.address())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@'))
        .ok_or(EmailParseError::MissingFrom)?;
    let from_name = sender
        .and_then(|addr| addr.name())
        .map(str::to_owned)
        .filter(|n| !n.trim().is_empty());
    let (message_id, derived) = match message
        .message_id()
        .map(str::trim)
        .filter(|id| !id.is_empty())
    {
        Some(id) => (id.to_owned(), false),
        None => (
            format!("derived-{:016x}@caredesk.invalid", fnv1a(raw)),
            true,
        ),
    };
    let language = message
        .header("Content-Language")
        .and_then(|v| v.as_text())
        .and_then(|v| v.split([',', '-']).next())
        .and_then(|code| Language::new(code.trim()).ok());
    let attachments = message
        .attachments()
        .map(|part| EmailAttachment {
            media_type: part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".into())
                .to_ascii_lowercase(),
            filename: part.attachment_name().map(str::to_owned),
            size: part.contents().len(),
        })
        .collect();
    Ok(ParsedEmail {
        message_id,
        message_id_derived: derived,
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        from,
        from_name,
        subject: message.subject().map(str::to_owned),
        date: message
            .date()
            .and_then(|d| Utc.timestamp_opt(d.to_timestamp(), 0).single()),
        language,
        text: message
            .body_text(0)
            .map(|t| strip_quotes(&t))
            .unwrap_or_default(),
        attachments,
    })
}

/// A finished reply, ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Its `Message-ID`, without angle brackets.
    pub message_id: String,
    /// The envelope sender (the mailbox).
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The complete RFC 5322 message.
    pub raw: Vec<u8>,
}

/// Delivers finished e-mails (SMTP, an HTTP mail API, a queue): yours to
/// implement.
#[async_trait]
pub trait MailTransport: Send + Sync {
    /// Delivers one message.
    ///
    /// # Errors
    /// A [`ChannelError`] the desk understands: `Transient` for a server
    /// that may recover and did not take the message (SMTP 4xx, a refused
    /// connection), `Unconfirmed` when the connection timed out or broke
    /// after the message data went out (the server may have queued it),
    /// `Rejected` or `Forbidden` for a refusal (SMTP 5xx), `RateLimited`
    /// when throttled.
    async fn send(&self, mail: &OutgoingMail) -> Result<(), ChannelError>;
}

fn _assert_transport_object_safe(_: &dyn MailTransport) {}

/// Settings of an [`EmailChannel`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailConfig {
    /// The mailbox address (the channel's account), e.g. `care@klm.example`.
    pub mailbox: String,
    /// The name shown in `From`, e.g. `KLM Customer Care`.
    pub display_name: Option<String>,
    /// The subject of a reply to a message the mailbox does not know.
    pub fallback_subject: String,
}

impl EmailConfig {
    /// A mailbox with no display name and the fallback subject
    /// `Re: your message`.
    pub fn new(mailbox: impl Into<String>) -> Self {
        EmailConfig {
            mailbox: mailbox.into(),
            display_name: None,
            fallback_subject: "Re: your message".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Thread {
    subject: Option<String>,
    references: Vec<String>,
}

#[derive(Default)]
struct Threads {
    by_id: HashMap<String, Thread>,
    order: VecDeque<String>,
}

impl Threads {
    fn remember(&mut self, id: String, thread: Thread) {
        if self.by_id.insert(id.clone(), thread).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > REMEMBERED_THREADS {
            if let Some(old) = self.order.pop_front() {
                self.by_id.remove(&old);
            }
        }
    }
}

type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A care mailbox: threads what it receives, sends replies through a
/// [`MailTransport`].
pub struct EmailChannel {
    channel: ChannelRef,
    capabilities: Capabilities,
    config: EmailConfig,
    domain: String,
    transport: Arc<dyn MailTransport>,
    threads: Mutex<Threads>,
    sent: SentLog,
    now: Now,
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailChannel")
            .field("channel", &self.channel)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The `Re: ` subject of a reply: existing `Re:`/`RE:`/`Aw:` prefixes are
/// folded into one `Re: `.
pub fn reply_subject(subject: &str) -> String {
    let mut rest = subject.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        let stripped = ["re:", "aw:", "sv:", "antw:"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| rest[p.len()..].trim_start());
        match stripped {
            Some(next) => rest = next,
            None => break,
        }
    }
    format!("Re: {rest}")
}

impl EmailChannel {
    /// A mailbox sending through `transport`: private messages without a
    /// length limit, no outbound attachments. Message dates come from the
    /// wall clock (see [`EmailChannel::with_clock`]).
    pub fn new(config: EmailConfig, transport: Arc<dyn MailTransport>) -> Self {
        let domain = config
            .mailbox
            .rsplit_once('@')
            .map(|(_, d)| d.to_owned())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "caredesk.invalid".into());
        let mut capabilities = Capabilities::for_kind(ChannelKind::Email);
        capabilities.attachments = false;
        EmailChannel {
            channel: ChannelRef::new(ChannelKind::Email, config.mailbox.clone()),
            capabilities,
            config,
            domain,
            transport,
            threads: Mutex::new(Threads::default()),
            sent: SentLog::default(),
            now: Arc::new(Utc::now),
        }
    }

    /// Dates outgoing messages by another clock.
    #[must_use]
    pub fn with_clock(mut self, now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.now = Arc::new(now);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Threads> {
        // Updates are single inserts: a poisoned lock still holds consistent data.
        self.threads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The message a parsed e-mail answers: the nearest parent this mailbox
    /// knows, else its first `In-Reply-To`, else its last reference.
    pub fn parent_of(&self, mail: &ParsedEmail) -> Option<String> {
        let threads = self.lock();
        let mut candidates = mail
            .in_reply_to
            .iter()
            .chain(mail.references.iter().rev())
            .filter(|id| **id != mail.message_id);
        let first = candidates.clone().next().cloned();
        candidates
            .find(|id| threads.by_id.contains_key(*id))
            .cloned()
            .or(first)
    }

    /// Turns a parsed e-mail into an inbound message on this mailbox and
    /// remembers its thread. `fallback_time` dates a message without a
    /// readable `Date`.
    pub fn inbound(&self, mail: &ParsedEmail, fallback_time: DateTime<Utc>) -> InboundMessage {
        let parent = self.parent_of(mail);
        let mut references = mail.references.clone();
        if let Some(last) = mail.in_reply_to.first() {
            if !references.contains(last) {
                references.push(last.clone());
            }
        }
        self.lock().remember(
            mail.message_id.clone(),
            Thread {
                subject: mail.subject.clone(),
                references,
            },
        );
        let mut message = InboundMessage::new(
            self.channel.clone(),
            mail.message_id.clone(),
            Identity::new(ChannelKind::Email, mail.from.clone()),
            Visibility::Private,
            mail.text.clone(),
            mail.date.unwrap_or(fallback_time),
        );
        message.in_reply_to = parent.map(crate::model::SmolStr::from);
        message.language_hint = mail.language;
        message.attachments = mail
            .attachments
            .iter()
            .enumerate()
            .map(|(n, a)| Attachment {
                media_type: a.media_type.clone(),
                url: format!(
                    "email-attachment:{}/{}/{}",
                    mail.message_id,
                    n,
                    a.filename.as_deref().unwrap_or("attachment")
                ),
            })
            .collect();
        message
    }

    /// Parses a raw message and turns it into an inbound message.
    ///
    /// # Errors
    /// [`EmailParseError`] as [`parse`].
    pub fn receive(
        &self,
        raw: &[u8],
        fallback_time: DateTime<Utc>,
    ) -> Result<InboundMessage, EmailParseError> {
        Ok(self.inbound(&parse(raw)?, fallback_time))
    }

    /// Builds the reply for `message` without sending it.
    ///
    /// # Errors
    /// [`ChannelError::Rejected`] when the recipient is not an address or
    /// the message cannot be assembled.
    pub fn build_reply(&self, message: &OutboundMessage) -> Result<OutgoingMail, ChannelError> {
        let to = message.recipient.handle.trim().to_owned();
        let reject = |reason: String| ChannelError::Rejected { status: 0, reason };
        if !to.contains('@') || to.contains(['\r', '\n', '<', '>', ',']) {
            return Err(reject(format!("not an e-mail address: {to:?}")));
        }
        let message_id = format!("{}@{}", message.id.as_uuid(), self.domain);
        let parent = message.in_reply_to.clone();
        let known = parent
            .as_ref()
            .and_then(|id| self.lock().by_id.get(id.as_str()).cloned());
        let mut references = known
            .as_ref()
            .map(|t| t.references.clone())
            .unwrap_or_default();
        if let Some(parent) = &parent {
            references.retain(|id| id != parent);
            references.push(parent.to_string());
        }
        if references.len() > MAX_REFERENCES {
            let first = references[0].clone();
            let tail = references.split_off(references.len() - (MAX_REFERENCES - 1));
            references = std::iter::once(first).chain(tail).collect();
        }
        let subject = match known.and_then(|t| t.subject) {
            Some(subject) => reply_subject(&subject),
            None => self.config.fallback_subject.clone(),
        };
        let from = match &self.config.display_name {
            Some(name) => mail_builder::headers::address::Address::new_address(
                Some(name.clone()),
                self.config.mailbox.clone(),
            ),
            None => mail_builder::headers::address::Address::new_address(
                None::<String>,
                self.config.mailbox.clone(),
            ),
        };
        let mut builder = mail_builder::MessageBuilder::new()
            .from(from)
            .to(to.clone())
            .subject(subject.clone())
            .message_id(message_id.clone())
            .date((self.now)().timestamp())
            .text_body(message.text.to_string());
        if let Some(parent) = &parent {
            builder = builder
                .in_reply_to(parent.to_string())
                .references(references.clone());
        }
        let raw = builder
            .write_to_vec()
            .map_err(|e| reject(format!("the reply could not be built: {e}")))?;
        self.lock().remember(
            message_id.clone(),
            Thread {
                subject: Some(subject),
                references,
            },
        );
        Ok(OutgoingMail {
            message_id,
            from: self.config.mailbox.clone(),
            to: vec![to],
            raw,
        })
    }
}

#[async_trait]
impl Channel for EmailChannel {
    fn channel(&self) -> &ChannelRef {
        &self.channel
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// A receipt this adapter still remembers, else unknown: the mail transport cannot tell whether it handed the earlier attempt on.
    async fn check_sent(&self, message: &OutboundMessage) -> SentCheck {
        self.sent.check(
            &message.id,
            "the mail transport cannot tell whether it handed the earlier attempt on",
        )
    }

    async fn send(&self, message: &OutboundMessage) -> Result<DeliveryReceipt, ChannelError> {
        if let Some(receipt) = self.sent.get(&message.id) {
            return Ok(receipt);
        }
        preflight(&self.capabilities, message)?;
        let mail = self.build_reply(message)?;
        self.transport.send(&mail).await?;
        let receipt = DeliveryReceipt {
            outbound: message.id,
            external_id: mail.message_id,
        };
        self.sent.record(&receipt);
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_subject_keeps_one_re_prefix() {
        assert_eq!(reply_subject("Lost bag"), "Re: Lost bag");
        assert_eq!(reply_subject("Re: RE: aw: Lost bag"), "Re: Lost bag");
        assert_eq!(reply_subject(""), "Re: ");
    }

    #[test]
    fn quoted_lines_are_removed() {
        assert_eq!(strip_quotes("Thanks!\n> old text\n>> older"), "Thanks!");
    }
}
