//! WhatsApp Business (Cloud API): webhooks in, text messages out (feature
//! `whatsapp`).
//!
//! Meta POSTs `{"object": "whatsapp_business_account", "entry": [...]}`
//! signed like every Meta webhook (`X-Hub-Signature-256`). Each
//! `entry[].changes[]` with `field: "messages"` has a `value` naming the
//! business number (`metadata.phone_number_id`, the channel's account) and
//! carrying `messages` (from customers) and/or `statuses` (of what the
//! business sent). [`parse`] reads:
//!
//! - `messages[]`: private, external id the `wamid`, author the sender's
//!   `wa_id` (`from`), answering `context.id`; text from `text.body`, a
//!   button's or list item's title, a location, or a media caption; media
//!   (`image`, `video`, `audio`, `document`, `sticker`) become attachments
//!   with the URL `whatsapp-media:<media id>` (download through the Graph
//!   media endpoint). Reactions, system and unsupported messages are skipped;
//! - `statuses[]`: `sent`, `delivered`, `read` and `failed` (with its error
//!   codes) as [`WhatsappStatus`].
//!
//! Outbound, [`WhatsappChannel`] sends text with
//! `POST /{version}/{phone_number_id}/messages`. Free-form messages are
//! allowed only within 24 hours of the customer's last message (the
//! customer-service window). The adapter tracks that from the messages it
//! observes ([`WhatsappChannel::observe`], which the webhook receiver calls)
//! or is told ([`WhatsappChannel::record_inbound`]); outside the window a
//! send fails with [`ChannelError::WindowClosed`] without calling the
//! network, and only [`WhatsappChannel::send_template`] can reach the
//! customer. An adapter restarted without history treats every window as
//! closed until the customer writes again or it is told otherwise: a loud
//! failure rather than a message the network would refuse.

use super::http::{graph_error, Http};
use super::sent::{preflight, SentLog};
use super::signature::{self, SignatureError};
use super::{Channel, ChannelError, DeliveryReceipt, HttpConfig, SentCheck};
use crate::model::{
    Attachment, Capabilities, ChannelKind, ChannelRef, Identity, InboundMessage, OutboundId,
    OutboundMessage, Visibility,
};
use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// WhatsApp's webhook signature header (the same as Meta's).
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// The Graph API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";

/// The Graph API version used unless configured otherwise.
pub const DEFAULT_GRAPH_VERSION: &str = "v21.0";

/// How long after a customer's message the business may write freely.
pub const SERVICE_WINDOW_HOURS: i64 = 24;

/// Why a WhatsApp webhook payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WhatsappParseError {
    /// The body is not JSON of the documented shape (the reason says where):
    /// answer 400.
    #[error("malformed WhatsApp webhook payload: {0}")]
    Malformed(String),
    /// `object` is not `whatsapp_business_account`.
    #[error("unsupported webhook object {0:?}")]
    UnsupportedObject(String),
}

/// What became of a message the business sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum MessageStatus {
    /// WhatsApp's servers accepted it.
    Sent,
    /// It reached the customer's phone.
    Delivered,
    /// The customer opened it.
    Read,
    /// It could not be delivered (see [`WhatsappStatus::errors`]).
    Failed,
}

/// One error attached to a failed status.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusError {
    /// The Cloud API error code (e.g. 131047: outside the service window).
    pub code: i64,
    /// Its title.
    pub title: String,
}

/// A status update for a message the business sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WhatsappStatus {
    /// The business number.
    pub channel: ChannelRef,
    /// The sent message's `wamid` (the receipt's external id).
    pub message_id: String,
    /// The customer's `wa_id`.
    pub recipient: String,
    /// What happened.
    pub status: MessageStatus,
    /// When.
    pub at: DateTime<Utc>,
    /// Why it failed (empty unless failed).
    pub errors: Vec<StatusError>,
}

impl WhatsappStatus {
    /// For a `failed` status: the network's errors, readable (titles and
    /// codes, or a plain sentence when the payload gave none).
    pub fn failure_reason(&self) -> Option<String> {
        (self.status == MessageStatus::Failed).then(|| {
            let errors: Vec<String> = self
                .errors
                .iter()
                .map(|e| format!("{} ({})", e.title, e.code))
                .collect();
            if errors.is_empty() {
                "WhatsApp reported the message as failed".to_owned()
            } else {
                errors.join("; ")
            }
        })
    }
}

/// What one WhatsApp webhook request carried.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WhatsappWebhook {
    /// Messages from customers, in payload order.
    pub messages: Vec<InboundMessage>,
    /// Status updates, in payload order.
    pub statuses: Vec<WhatsappStatus>,
    /// Items skipped (reactions, system and unsupported messages, unknown
    /// statuses, other fields).
    pub skipped: usize,
}

#[derive(Deserialize)]
struct Envelope {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    field: String,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct ChangeValue {
    metadata: Metadata,
    #[serde(default)]
    messages: Vec<WaMessage>,
    #[serde(default)]
    statuses: Vec<WaStatus>,
}

#[derive(Deserialize)]
struct Metadata {
    phone_number_id: String,
}

#[derive(Deserialize)]
struct WaMessage {
    from: String,
    id: String,
    timestamp: String,
    #[serde(rename = "type")]
    kind: String,
    text: Option<TextBody>,
    context: Option<Context>,
    image: Option<Media>,
    video: Option<Media>,
    audio: Option<Media>,
    document: Option<Media>,
    sticker: Option<Media>,
    button: Option<Button>,
    interactive: Option<Interactive>,
    location: Option<Location>,
}

#[derive(Deserialize)]
struct TextBody {
    body: String,
}

#[derive(Deserialize)]
struct Context {
    id: Option<String>,
}

#[derive(Deserialize)]
struct Media {
    id: String,
    mime_type: Option<String>,
    caption: Option<String>,
    filename: Option<String>,
}

#[derive(Deserialize)]
struct Button {
    text: String,
}

#[derive(Deserialize)]
struct Interactive {
    button_reply: Option<Choice>,
    list_reply: Option<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    title: String,
    description: Option<String>,
}

#[derive(Deserialize)]
struct Location {
    latitude: f64,
    longitude: f64,
    name: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize)]
struct WaStatus {
    id: String,
    status: String,
    timestamp: String,
    recipient_id: String,
    #[serde(default)]
    errors: Vec<WaError>,
}

#[derive(Deserialize)]
struct WaError {
    code: i64,
    #[serde(default)]
    title: String,
}

fn seconds(id: &str, value: &str) -> Result<DateTime<Utc>, WhatsappParseError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| Utc.timestamp_opt(s, 0).single())
        .ok_or_else(|| {
            WhatsappParseError::Malformed(format!("unreadable timestamp {value:?} on {id}"))
        })
}

/// The text and attachments of a message; `None` for kinds that are skipped.
fn content(message: &WaMessage) -> Option<(String, Vec<Attachment>)> {
    let media = match message.kind.as_str() {
        "text" => return message.text.as_ref().map(|t| (t.body.clone(), Vec::new())),
        "button" => {
            return message
                .button
                .as_ref()
                .map(|b| (b.text.clone(), Vec::new()))
        }
        "interactive" => {
            let interactive = message.interactive.as_ref()?;
            let choice = interactive
                .button_reply
                .as_ref()
                .or(interactive.list_reply.as_ref())?;
            let text = match &choice.description {
                Some(d) if !d.is_empty() => format!("{} ({d})", choice.title),
                _ => choice.title.clone(),
            };
            return Some((text, Vec::new()));
        }
        "location" => {
            let l = message.location.as_ref()?;
            let label: Vec<&str> = [l.name.as_deref(), l.address.as_deref()]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect();
            let text = format!("{} ({}, {})", label.join(", "), l.latitude, l.longitude);
            return Some((text.trim().to_owned(), Vec::new()));
        }
        "image" => message.image.as_ref(),
        "video" => message.video.as_ref(),
        "audio" => message.audio.as_ref(),
        "document" => message.document.as_ref(),
        "sticker" => message.sticker.as_ref(),
        _ => None, // reaction, system, unsupported, order, ...
    }?;
    let text = media
        .caption
        .clone()
        .filter(|c| !c.is_empty())
        .or_else(|| media.filename.clone())
        .unwrap_or_default();
    let attachment = Attachment {
        media_type: media
            .mime_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into()),
        url: format!("whatsapp-media:{}", media.id),
    };
    Some((text, vec![attachment]))
}

/// Reads a WhatsApp Cloud API webhook body.
///
/// ```
/// let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages",
///   "value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"31201234567","phone_number_id":"1065"},
///   "messages":[{"from":"4791234567","id":"wamid.A1","timestamp":"1795947400","type":"text","text":{"body":"Hei!"}}]}}]}]}"#;
/// let webhook = caredesk::channel::whatsapp::parse(body)?;
/// assert_eq!(webhook.messages[0].channel.to_string(), "whatsapp:1065");
/// assert_eq!(webhook.messages[0].author.handle, "4791234567");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`WhatsappParseError`] for a body that is not a documented payload.
pub fn parse(raw: &[u8]) -> Result<WhatsappWebhook, WhatsappParseError> {
    let envelope: Envelope =
        serde_json::from_slice(raw).map_err(|e| WhatsappParseError::Malformed(e.to_string()))?;
    if envelope.object != "whatsapp_business_account" {
        return Err(WhatsappParseError::UnsupportedObject(envelope.object));
    }
    let mut out = WhatsappWebhook::default();
    for change in envelope.entry.into_iter().flat_map(|e| e.changes) {
        if change.field != "messages" {
            out.skipped += 1;
            continue;
        }
        let value: ChangeValue = serde_json::from_value(change.value)
            .map_err(|e| WhatsappParseError::Malformed(format!("changes[].value: {e}")))?;
        let channel = ChannelRef::new(ChannelKind::Whatsapp, value.metadata.phone_number_id);
        for message in value.messages {
            let at = seconds(&message.id, &message.timestamp)?;
            let Some((text, attachments)) = content(&message) else {
                out.skipped += 1;
                continue;
            };
            if text.trim().is_empty() && attachments.is_empty() {
                out.skipped += 1;
                continue;
            }
            let mut inbound = InboundMessage::new(
                channel.clone(),
                message.id,
                Identity::new(ChannelKind::Whatsapp, message.from),
                Visibility::Private,
                text,
                at,
            );
            inbound.attachments = attachments;
            inbound.in_reply_to = message
                .context
                .and_then(|c| c.id)
                .map(crate::model::SmolStr::from);
            out.messages.push(inbound);
        }
        for status in value.statuses {
            let kind = match status.status.as_str() {
                "sent" => MessageStatus::Sent,
                "delivered" => MessageStatus::Delivered,
                "read" => MessageStatus::Read,
                "failed" => MessageStatus::Failed,
                _ => {
                    out.skipped += 1;
                    continue;
                }
            };
            out.statuses.push(WhatsappStatus {
                channel: channel.clone(),
                at: seconds(&status.id, &status.timestamp)?,
                message_id: status.id,
                recipient: status.recipient_id,
                status: kind,
                errors: status
                    .errors
                    .into_iter()
                    .map(|e| StatusError {
                        code: e.code,
                        title: e.title,
                    })
                    .collect(),
            });
        }
    }
    Ok(out)
}

/// Checks `X-Hub-Signature-256` against the raw body.
///
/// # Errors
/// [`SignatureError`] when it is missing, malformed or does not match.
pub fn verify(app_secret: &[u8], raw: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    signature::verify_sha256_hex(app_secret, raw, header)
}

/// Settings of a [`WhatsappChannel`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsappConfig {
    /// The business number's id (`metadata.phone_number_id`, the channel's
    /// account).
    pub phone_number_id: String,
    /// A system-user or business access token with `whatsapp_business_messaging`.
    pub access_token: String,
    /// The Graph API version path segment, e.g. `v21.0`.
    pub graph_version: String,
    /// The API's address and timeouts.
    pub http: HttpConfig,
}

impl WhatsappConfig {
    /// A configuration against the real Graph API.
    pub fn new(phone_number_id: impl Into<String>, access_token: impl Into<String>) -> Self {
        WhatsappConfig {
            phone_number_id: phone_number_id.into(),
            access_token: access_token.into(),
            graph_version: DEFAULT_GRAPH_VERSION.into(),
            http: HttpConfig::new(DEFAULT_BASE_URL),
        }
    }

    /// Points the adapter at another API address (a test server, a proxy).
    #[must_use]
    pub fn with_http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }
}

/// A status that concerns a send of this adapter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryUpdate {
    /// The engine's send.
    pub outbound: OutboundId,
    /// What happened.
    pub status: MessageStatus,
    /// For a failure: the error titles and codes, readable.
    pub reason: Option<String>,
}

type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A WhatsApp business number: tracks each customer's service window,
/// sends text inside it and templates outside it.
pub struct WhatsappChannel {
    channel: ChannelRef,
    capabilities: Capabilities,
    version: String,
    http: Http,
    sent: SentLog,
    now: Now,
    state: Mutex<WindowState>,
}

#[derive(Default)]
struct WindowState {
    last_inbound: HashMap<String, DateTime<Utc>>,
    /// Size of `last_inbound` after its last pruning: it is pruned again
    /// when it has doubled, so memory follows the customers whose window is
    /// open, at amortised constant cost.
    pruned_size: usize,
    /// Network message id → send, with the same bound as the receipts.
    sent_ids: super::sent::Remembered<String, OutboundId>,
}

impl WindowState {
    fn prune_closed_windows(&mut self, now: DateTime<Utc>) {
        if self.last_inbound.len() < (2 * self.pruned_size).max(1024) {
            return;
        }
        let open_since = now - Duration::hours(SERVICE_WINDOW_HOURS);
        self.last_inbound.retain(|_, last| *last > open_since);
        self.pruned_size = self.last_inbound.len();
    }
}

impl std::fmt::Debug for WhatsappChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsappChannel")
            .field("channel", &self.channel)
            .field("capabilities", &self.capabilities)
            .finish_non_exhaustive()
    }
}

/// Why a WhatsApp adapter could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the HTTP client could not be built: {0}")]
pub struct WhatsappBuildError(String);

impl WhatsappChannel {
    /// An adapter for the number in `config`: private text up to 4,096
    /// characters, no public replies, no outbound attachments; the window
    /// is judged by the wall clock (see [`WhatsappChannel::with_clock`]).
    ///
    /// # Errors
    /// [`WhatsappBuildError`] when the HTTP client cannot be set up.
    pub fn new(config: WhatsappConfig) -> Result<Self, WhatsappBuildError> {
        let http = Http::new(&config.http, &config.access_token).map_err(WhatsappBuildError)?;
        let mut capabilities = Capabilities::for_kind(ChannelKind::Whatsapp);
        capabilities.attachments = false;
        Ok(WhatsappChannel {
            channel: ChannelRef::new(ChannelKind::Whatsapp, config.phone_number_id),
            capabilities,
            version: config.graph_version,
            http,
            sent: SentLog::default(),
            now: Arc::new(Utc::now),
            state: Mutex::new(WindowState::default()),
        })
    }

    /// Judges the service window by another clock (a test's, the desk's).
    #[must_use]
    pub fn with_clock(mut self, now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.now = Arc::new(now);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, WindowState> {
        // Updates are single inserts: a poisoned lock still holds consistent data.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records that the customer `wa_id` wrote at `at` (keeps the latest).
    pub fn record_inbound(&self, wa_id: &str, at: DateTime<Utc>) {
        let mut state = self.lock();
        let last = state.last_inbound.entry(wa_id.to_owned()).or_insert(at);
        if *last < at {
            *last = at;
        }
        state.prune_closed_windows(at);
    }

    /// Records the customer messages of a parsed webhook for this number
    /// (their service windows open) and returns the status updates that
    /// concern sends of this adapter.
    pub fn observe(&self, webhook: &WhatsappWebhook) -> Vec<DeliveryUpdate> {
        for message in webhook
            .messages
            .iter()
            .filter(|m| m.channel == self.channel)
        {
            self.record_inbound(&message.author.handle, message.received_at);
        }
        let state = self.lock();
        webhook
            .statuses
            .iter()
            .filter(|s| s.channel == self.channel)
            .filter_map(|s| {
                let outbound = *state.sent_ids.get(&s.message_id)?;
                Some(DeliveryUpdate {
                    outbound,
                    status: s.status,
                    reason: s.failure_reason(),
                })
            })
            .collect()
    }

    /// The send this adapter made under the `wamid`, while it remembers it
    /// (in memory: not after a restart).
    pub fn sent_outbound(&self, wamid: &str) -> Option<OutboundId> {
        self.lock().sent_ids.get(wamid).copied()
    }

    /// Whether the customer `wa_id` may be sent free-form messages now.
    pub fn window_open(&self, wa_id: &str) -> bool {
        let now = (self.now)();
        self.lock()
            .last_inbound
            .get(wa_id)
            .is_some_and(|last| now < *last + Duration::hours(SERVICE_WINDOW_HOURS))
    }

    fn classify(length: usize) -> impl Fn(u16, &Value) -> Option<ChannelError> + Sync {
        move |status, body| {
            let code = body.pointer("/error/code").and_then(Value::as_i64);
            let text = body.to_string().to_ascii_lowercase();
            if code == Some(100) && text.contains("too long") {
                return Some(ChannelError::TooLong {
                    length,
                    limit: 4_096,
                });
            }
            graph_error(status, body)
        }
    }

    async fn post(&self, body: Value, length: usize) -> Result<String, ChannelError> {
        let path = format!("/{}/{}/messages", self.version, self.channel.account);
        let answer = self
            .http
            .post_json(&path, &body, &Self::classify(length))
            .await?;
        answer
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                ChannelError::Unconfirmed("WhatsApp accepted the request but returned no id".into())
            })
    }

    /// Sends an approved template (the only kind of message allowed outside
    /// the service window) and returns its `wamid`.
    ///
    /// # Errors
    /// A [`ChannelError`] mapped from the Graph API's answer.
    pub async fn send_template(
        &self,
        wa_id: &str,
        template: &str,
        language_code: &str,
    ) -> Result<String, ChannelError> {
        let body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": wa_id,
            "type": "template",
            "template": { "name": template, "language": { "code": language_code } },
        });
        self.post(body, 0).await
    }
}

#[async_trait]
impl Channel for WhatsappChannel {
    fn channel(&self) -> &ChannelRef {
        &self.channel
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// A receipt this adapter still remembers, else unknown: the WhatsApp Cloud API has no idempotency key and no lookup of a message by the sender's reference.
    async fn check_sent(&self, message: &OutboundMessage) -> SentCheck {
        self.sent.check(
            &message.id,
            "the WhatsApp Cloud API has no idempotency key and no lookup of a message by the sender's reference: the earlier attempt may have been delivered",
        )
    }

    async fn send(&self, message: &OutboundMessage) -> Result<DeliveryReceipt, ChannelError> {
        if let Some(receipt) = self.sent.get(&message.id) {
            return Ok(receipt);
        }
        preflight(&self.capabilities, message)?;
        if !self.window_open(&message.recipient.handle) {
            return Err(ChannelError::WindowClosed);
        }
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.recipient.handle,
            "type": "text",
            "text": { "preview_url": false, "body": message.text },
        });
        if let Some(parent) = message
            .in_reply_to
            .as_deref()
            .filter(|id| id.starts_with("wamid."))
        {
            body["context"] = json!({ "message_id": parent });
        }
        let external_id = self.post(body, message.text.chars().count()).await?;
        let receipt = DeliveryReceipt {
            outbound: message.id,
            external_id,
        };
        self.lock()
            .sent_ids
            .insert(receipt.external_id.clone(), message.id);
        self.sent.record(&receipt);
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_ids_are_bounded_oldest_first() {
        let mut state = WindowState::default();
        let total = super::super::sent::REMEMBERED_RECEIPTS + 10;
        for n in 0..total {
            state.sent_ids.insert(
                format!("wamid.{n}"),
                OutboundId(uuid::Uuid::from_u128(n as u128)),
            );
        }
        assert_eq!(
            state.sent_ids.len(),
            super::super::sent::REMEMBERED_RECEIPTS
        );
        assert!(state.sent_ids.get("wamid.9").is_none());
        assert!(state.sent_ids.get("wamid.10").is_some());
        assert_eq!(
            state.sent_ids.get(&format!("wamid.{}", total - 1)),
            Some(&OutboundId(uuid::Uuid::from_u128((total - 1) as u128)))
        );
    }

    #[test]
    fn closed_service_windows_are_pruned_and_open_ones_kept() {
        let mut state = WindowState::default();
        let start: DateTime<Utc> = "2026-11-23T00:00:00Z".parse().unwrap();
        for n in 0..1023 {
            state.last_inbound.insert(format!("old{n}"), start);
        }
        let later = start + Duration::hours(SERVICE_WINDOW_HOURS) + Duration::minutes(1);
        state
            .last_inbound
            .insert("recent".into(), later - Duration::hours(1));
        state.prune_closed_windows(later);
        assert_eq!(state.last_inbound.len(), 1);
        assert!(state.last_inbound.contains_key("recent"));
        assert_eq!(state.pruned_size, 1);
    }
}
