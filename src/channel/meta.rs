//! Facebook Pages and Instagram: Graph API webhooks in, Graph API replies
//! out (feature `meta`).
//!
//! Meta POSTs `{"object": "page" | "instagram", "entry": [...]}`; each entry
//! is one Page or Instagram account (`entry[].id`, the channel's account)
//! and carries `changes` (feed activity) and/or `messaging` (Messenger or
//! Instagram Direct). [`parse`] reads:
//!
//! - `feed` changes with `item: "comment"` and `verb: "add"`: a public
//!   comment, external id `comment_id`, answering `parent_id` (the post, or
//!   the comment it replies to); `verb: "remove"` is reported in
//!   [`MetaWebhook::removals`]; visitor posts (`item: "post"`/`"status"`/
//!   `"photo"`/`"video"`) become messages keyed by `post_id`;
//! - `mention` changes (the Page tagged in a post or comment) with their
//!   `message`;
//! - Instagram `comments` / `live_comments` changes: external id `id`,
//!   answering `parent_id` or else the media id;
//! - Instagram `mentions` changes carry only ids (the caption or comment
//!   must be fetched): they are listed in [`MetaWebhook::mentions`];
//! - `messaging[]` items with a `message`: private, external id `mid`,
//!   answering `reply_to.mid`, attachments from `attachments[].payload.url`.
//!
//! The account's own comments and message echoes (`is_echo`), reactions,
//! read and delivery receipts, and items with neither text nor attachment
//! are skipped. Times come from `created_time` (seconds) or `timestamp`
//! (milliseconds), else from the entry's `time`.
//!
//! Meta signs each request with `X-Hub-Signature-256: sha256=<hex>` (HMAC of
//! the raw body under the app secret) and verifies the endpoint with a GET
//! handshake ([`subscription_challenge`](super::signature::subscription_challenge)).
//!
//! Outbound, [`MetaChannel`] chooses the Graph call from the message:
//!
//! | visibility | `in_reply_to` | call |
//! | --- | --- | --- |
//! | public | a comment or post id | Facebook `POST /{id}/comments`, Instagram `POST /{id}/replies` |
//! | private | a comment or post id | private reply: `POST /{account}/messages` with `recipient.comment_id` |
//! | private | a message id or none | `POST /{account}/messages` with `recipient.id` (the customer's scoped id) |
//!
//! Graph object ids (comments, posts) are digits and underscores; message
//! ids (`m_...`, Instagram's base64 ids) are not, which is how the two are
//! told apart.

use super::http::{graph_error, Http};
use super::sent::{preflight, SentLog};
use super::signature::{self, SignatureError};
use super::{Channel, ChannelError, DeliveryReceipt, HttpConfig, SentCheck};
use crate::model::{
    Attachment, Capabilities, ChannelKind, ChannelRef, Identity, InboundMessage, OutboundMessage,
    Visibility,
};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

/// The signature header Meta (and WhatsApp) send.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// The Graph API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";

/// The Graph API version used unless configured otherwise.
pub const DEFAULT_GRAPH_VERSION: &str = "v21.0";

/// Why a Meta webhook payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetaParseError {
    /// The body is not JSON of the documented shape (the reason says where):
    /// answer 400.
    #[error("malformed Meta webhook payload: {0}")]
    Malformed(String),
    /// `object` is neither `page` nor `instagram` (e.g. a WhatsApp payload
    /// sent to the Meta route).
    #[error("unsupported webhook object {0:?}")]
    UnsupportedObject(String),
}

/// A comment or post its author removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetaRemoval {
    /// The Page or account it was on.
    pub channel: ChannelRef,
    /// The removed comment's or post's id.
    pub external_id: String,
}

/// A mention whose text must be fetched from the Graph API (Instagram
/// `mentions` changes carry only ids).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnresolvedMention {
    /// The account mentioned.
    pub channel: ChannelRef,
    /// The media the mention is in (or under).
    pub media_id: Option<String>,
    /// The comment the mention is in, when it is in a comment.
    pub comment_id: Option<String>,
}

/// What one Meta webhook request carried.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetaWebhook {
    /// Comments, posts, mentions and messages from customers, in payload order.
    pub messages: Vec<InboundMessage>,
    /// Comments and posts removed.
    pub removals: Vec<MetaRemoval>,
    /// Mentions to fetch.
    pub mentions: Vec<UnresolvedMention>,
    /// Items skipped (own comments, echoes, reactions, receipts, empty items).
    pub skipped: usize,
}

/// A Graph id, sent as a string or (in some payloads) a number.
fn graph_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Text(text) => text,
        Id::Number(n) => n.to_string(),
    })
}

fn opt_graph_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "graph_id")] String);
    Ok(Option::<Wrap>::deserialize(deserializer)?.map(|w| w.0))
}

#[derive(Deserialize)]
struct Envelope {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(deserialize_with = "graph_id")]
    id: String,
    time: Option<i64>,
    #[serde(default)]
    changes: Vec<Change>,
    #[serde(default)]
    messaging: Vec<Messaging>,
}

#[derive(Deserialize)]
struct Change {
    field: String,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct From {
    #[serde(deserialize_with = "graph_id")]
    id: String,
}

#[derive(Deserialize)]
struct FeedValue {
    from: Option<From>,
    item: Option<String>,
    verb: Option<String>,
    message: Option<String>,
    #[serde(default, deserialize_with = "opt_graph_id")]
    post_id: Option<String>,
    #[serde(default, deserialize_with = "opt_graph_id")]
    comment_id: Option<String>,
    #[serde(default, deserialize_with = "opt_graph_id")]
    parent_id: Option<String>,
    created_time: Option<i64>,
    photo: Option<String>,
    #[serde(default, deserialize_with = "opt_graph_id")]
    sender_id: Option<String>,
}

#[derive(Deserialize)]
struct IgMedia {
    #[serde(deserialize_with = "graph_id")]
    id: String,
}

#[derive(Deserialize)]
struct IgCommentValue {
    from: From,
    media: Option<IgMedia>,
    #[serde(deserialize_with = "graph_id")]
    id: String,
    #[serde(default, deserialize_with = "opt_graph_id")]
    parent_id: Option<String>,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct IgMentionValue {
    #[serde(default, deserialize_with = "opt_graph_id")]
    media_id: Option<String>,
    #[serde(default, deserialize_with = "opt_graph_id")]
    comment_id: Option<String>,
}

#[derive(Deserialize)]
struct Messaging {
    sender: From,
    timestamp: Option<i64>,
    message: Option<MessengerMessage>,
}

#[derive(Deserialize)]
struct MessengerMessage {
    mid: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    is_echo: bool,
    reply_to: Option<ReplyTo>,
    #[serde(default)]
    attachments: Vec<MessengerAttachment>,
}

#[derive(Deserialize)]
struct ReplyTo {
    mid: Option<String>,
}

#[derive(Deserialize)]
struct MessengerAttachment {
    #[serde(rename = "type")]
    kind: Option<String>,
    payload: Option<AttachmentPayload>,
}

#[derive(Deserialize)]
struct AttachmentPayload {
    url: Option<String>,
}

/// Reads a Unix time Meta gives in seconds or milliseconds.
pub(crate) fn unix_time(value: i64) -> Option<DateTime<Utc>> {
    if value.unsigned_abs() >= 100_000_000_000 {
        Utc.timestamp_millis_opt(value).single()
    } else {
        Utc.timestamp_opt(value, 0).single()
    }
}

fn attachment_type(kind: Option<&str>) -> &'static str {
    match kind {
        Some("image") => "image/*",
        Some("video") | Some("ig_reel") | Some("reel") => "video/*",
        Some("audio") => "audio/*",
        _ => "application/octet-stream",
    }
}

struct Reader {
    channel: ChannelRef,
    entry_time: Option<DateTime<Utc>>,
}

impl Reader {
    fn time(&self, value: Option<i64>, id: &str) -> Result<DateTime<Utc>, MetaParseError> {
        value
            .and_then(unix_time)
            .or(self.entry_time)
            .ok_or_else(|| MetaParseError::Malformed(format!("no readable time for item {id}")))
    }

    fn message(
        &self,
        id: String,
        author: String,
        visibility: Visibility,
        text: String,
        at: DateTime<Utc>,
    ) -> InboundMessage {
        InboundMessage::new(
            self.channel.clone(),
            id,
            Identity::new(self.channel.kind, author),
            visibility,
            text,
            at,
        )
    }
}

fn value_of<T: for<'de> Deserialize<'de>>(field: &str, value: Value) -> Result<T, MetaParseError> {
    serde_json::from_value(value)
        .map_err(|e| MetaParseError::Malformed(format!("changes[].value of field {field}: {e}")))
}

fn keep(out: &mut MetaWebhook, message: InboundMessage) {
    if message.text.trim().is_empty() && message.attachments.is_empty() {
        out.skipped += 1;
    } else {
        out.messages.push(message);
    }
}

fn feed_change(
    reader: &Reader,
    value: FeedValue,
    out: &mut MetaWebhook,
) -> Result<(), MetaParseError> {
    let author = value.from.map(|f| f.id).or(value.sender_id);
    let own = author.as_deref() == Some(reader.channel.account.as_str());
    let item = value.item.as_deref().unwrap_or("");
    let verb = value.verb.as_deref().unwrap_or("");
    let id = match item {
        "comment" => value.comment_id,
        "post" | "status" | "photo" | "video" | "share" => value.post_id.clone(),
        _ => None,
    };
    let (Some(id), Some(author)) = (id, author) else {
        out.skipped += 1;
        return Ok(());
    };
    match verb {
        "remove" | "hide" => out.removals.push(MetaRemoval {
            channel: reader.channel.clone(),
            external_id: id,
        }),
        "add" if !own => {
            let at = reader.time(value.created_time, &id)?;
            let mut message = reader.message(
                id,
                author,
                Visibility::Public,
                value.message.unwrap_or_default(),
                at,
            );
            if item == "comment" {
                message.in_reply_to = value
                    .parent_id
                    .or(value.post_id)
                    .map(crate::model::SmolStr::from);
            }
            if let Some(photo) = value.photo {
                message.attachments.push(Attachment {
                    media_type: "image/*".into(),
                    url: photo,
                });
            }
            keep(out, message);
        }
        _ => out.skipped += 1,
    }
    Ok(())
}

fn change(reader: &Reader, change: Change, out: &mut MetaWebhook) -> Result<(), MetaParseError> {
    let field = change.field.as_str();
    match (reader.channel.kind, field) {
        (ChannelKind::Facebook, "feed" | "mention") => {
            let value: FeedValue = value_of(field, change.value)?;
            if field == "mention" && value.message.is_none() {
                out.mentions.push(UnresolvedMention {
                    channel: reader.channel.clone(),
                    media_id: value.post_id,
                    comment_id: value.comment_id,
                });
                return Ok(());
            }
            feed_change(reader, value, out)
        }
        (ChannelKind::Instagram, "comments" | "live_comments") => {
            let value: IgCommentValue = value_of(field, change.value)?;
            if value.from.id == reader.channel.account {
                out.skipped += 1;
                return Ok(());
            }
            let at = reader.time(None, &value.id)?;
            let mut message =
                reader.message(value.id, value.from.id, Visibility::Public, value.text, at);
            message.in_reply_to = value
                .parent_id
                .or(value.media.map(|m| m.id))
                .map(crate::model::SmolStr::from);
            keep(out, message);
            Ok(())
        }
        (ChannelKind::Instagram, "mentions") => {
            let value: IgMentionValue = value_of(field, change.value)?;
            out.mentions.push(UnresolvedMention {
                channel: reader.channel.clone(),
                media_id: value.media_id,
                comment_id: value.comment_id,
            });
            Ok(())
        }
        _ => {
            out.skipped += 1;
            Ok(())
        }
    }
}

fn messaging(
    reader: &Reader,
    item: Messaging,
    out: &mut MetaWebhook,
) -> Result<(), MetaParseError> {
    let Some(message) = item.message else {
        out.skipped += 1; // read, delivery, reaction, postback, ...
        return Ok(());
    };
    if message.is_echo || item.sender.id == reader.channel.account {
        out.skipped += 1;
        return Ok(());
    }
    let at = reader.time(item.timestamp, &message.mid)?;
    let mut inbound = reader.message(
        message.mid,
        item.sender.id,
        Visibility::Private,
        message.text,
        at,
    );
    inbound.in_reply_to = message
        .reply_to
        .and_then(|r| r.mid)
        .map(crate::model::SmolStr::from);
    inbound.attachments = message
        .attachments
        .into_iter()
        .filter_map(|a| {
            let url = a.payload?.url?;
            Some(Attachment {
                media_type: attachment_type(a.kind.as_deref()).into(),
                url,
            })
        })
        .collect();
    keep(out, inbound);
    Ok(())
}

/// Reads a Page or Instagram webhook body.
///
/// ```
/// let body = br#"{"object":"page","entry":[{"id":"104958162837","time":1795946900,
///   "changes":[{"field":"feed","value":{"from":{"id":"7001","name":"Marco"},
///   "item":"comment","verb":"add","comment_id":"998_123","post_id":"104958162837_998",
///   "parent_id":"104958162837_998","message":"Is my flight on time?","created_time":1795946900}}]}]}"#;
/// let webhook = caredesk::channel::meta::parse(body)?;
/// let comment = &webhook.messages[0];
/// assert_eq!(comment.channel.to_string(), "facebook:104958162837");
/// assert_eq!(comment.in_reply_to.as_deref(), Some("104958162837_998"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`MetaParseError`] for a body that is not a documented payload.
pub fn parse(raw: &[u8]) -> Result<MetaWebhook, MetaParseError> {
    let envelope: Envelope =
        serde_json::from_slice(raw).map_err(|e| MetaParseError::Malformed(e.to_string()))?;
    let kind = match envelope.object.as_str() {
        "page" => ChannelKind::Facebook,
        "instagram" => ChannelKind::Instagram,
        other => return Err(MetaParseError::UnsupportedObject(other.to_owned())),
    };
    let mut out = MetaWebhook::default();
    for entry in envelope.entry {
        let reader = Reader {
            channel: ChannelRef::new(kind, entry.id),
            entry_time: entry.time.and_then(unix_time),
        };
        for item in entry.changes {
            change(&reader, item, &mut out)?;
        }
        for item in entry.messaging {
            messaging(&reader, item, &mut out)?;
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

/// Settings of a [`MetaChannel`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaConfig {
    /// Facebook or Instagram.
    pub kind: ChannelKind,
    /// The Page id or Instagram professional account id (the webhook's
    /// `entry[].id`, and the channel's account).
    pub account_id: String,
    /// A Page access token with messaging and comment permissions.
    pub access_token: String,
    /// The Graph API version path segment, e.g. `v21.0`.
    pub graph_version: String,
    /// The API's address and timeouts.
    pub http: HttpConfig,
}

impl MetaConfig {
    /// A Facebook Page against the real Graph API.
    pub fn facebook(page_id: impl Into<String>, access_token: impl Into<String>) -> Self {
        MetaConfig {
            kind: ChannelKind::Facebook,
            account_id: page_id.into(),
            access_token: access_token.into(),
            graph_version: DEFAULT_GRAPH_VERSION.into(),
            http: HttpConfig::new(DEFAULT_BASE_URL),
        }
    }

    /// An Instagram professional account against the real Graph API.
    pub fn instagram(account_id: impl Into<String>, access_token: impl Into<String>) -> Self {
        MetaConfig {
            kind: ChannelKind::Instagram,
            ..MetaConfig::facebook(account_id, access_token)
        }
    }

    /// Points the adapter at another API address (a test server, a proxy).
    #[must_use]
    pub fn with_http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }
}

/// Why a Meta adapter could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetaBuildError {
    /// The kind is neither Facebook nor Instagram.
    #[error("a Meta channel is Facebook or Instagram, not {0}")]
    WrongKind(ChannelKind),
    /// The HTTP client (TLS) could not be set up.
    #[error("the HTTP client could not be built: {0}")]
    Http(String),
}

/// A Facebook Page or Instagram account: sends comment replies, private
/// replies and messages through the Graph API.
#[derive(Debug)]
pub struct MetaChannel {
    channel: ChannelRef,
    capabilities: Capabilities,
    version: String,
    http: Http,
    sent: SentLog,
}

/// Whether an id is a Graph object id (comment, post, media): digits and
/// underscores only. Message ids (`m_...`, base64) are not.
pub fn is_object_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id.bytes().any(|b| b.is_ascii_digit())
        && id.bytes().all(|b| b.is_ascii_digit() || b == b'_')
}

fn is_safe_path_segment(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 256
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

impl MetaChannel {
    /// An adapter for the account in `config`, with the network's documented
    /// capabilities and no outbound attachments.
    ///
    /// # Errors
    /// [`MetaBuildError`] for a kind other than Facebook or Instagram, or
    /// when the HTTP client cannot be set up.
    pub fn new(config: MetaConfig) -> Result<Self, MetaBuildError> {
        if !matches!(config.kind, ChannelKind::Facebook | ChannelKind::Instagram) {
            return Err(MetaBuildError::WrongKind(config.kind));
        }
        let http = Http::new(&config.http, &config.access_token).map_err(MetaBuildError::Http)?;
        let mut capabilities = Capabilities::for_kind(config.kind);
        capabilities.attachments = false;
        Ok(MetaChannel {
            channel: ChannelRef::new(config.kind, config.account_id),
            capabilities,
            version: config.graph_version,
            http,
            sent: SentLog::default(),
        })
    }

    async fn call(
        &self,
        path: String,
        body: Value,
        length: usize,
        limit: usize,
    ) -> Result<String, ChannelError> {
        let classify = move |status: u16, body: &Value| {
            // Code 100 with "length" in the message: the text is too long.
            let code = body.pointer("/error/code").and_then(Value::as_i64);
            let text = body
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("");
            if code == Some(100) && text.to_ascii_lowercase().contains("length") {
                return Some(ChannelError::TooLong { length, limit });
            }
            graph_error(status, body)
        };
        let answer = self.http.post_json(&path, &body, &classify).await?;
        answer
            .get("message_id")
            .or_else(|| answer.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                ChannelError::Unconfirmed("Meta accepted the request but returned no id".into())
            })
    }
}

#[async_trait]
impl Channel for MetaChannel {
    fn channel(&self) -> &ChannelRef {
        &self.channel
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// A receipt this adapter still remembers, else unknown: the Graph API has no idempotency key and no lookup of a comment or message by the sender's reference.
    async fn check_sent(&self, message: &OutboundMessage) -> SentCheck {
        self.sent.check(
            &message.id,
            "the Graph API has no idempotency key and no lookup of a comment or message by the sender's reference: the earlier attempt may have been delivered",
        )
    }

    async fn send(&self, message: &OutboundMessage) -> Result<DeliveryReceipt, ChannelError> {
        if let Some(receipt) = self.sent.get(&message.id) {
            return Ok(receipt);
        }
        preflight(&self.capabilities, message)?;
        let length = message.text.chars().count();
        let v = &self.version;
        let account = &self.channel.account;
        let target = message.in_reply_to.as_deref().filter(|id| is_object_id(id));
        let external_id = match (message.visibility, target) {
            (Visibility::Public, Some(object)) => {
                let limit = self.capabilities.max_public_length.unwrap_or(u32::MAX) as usize;
                let edge = if self.channel.kind == ChannelKind::Instagram {
                    "replies"
                } else {
                    "comments"
                };
                self.call(
                    format!("/{v}/{object}/{edge}"),
                    json!({ "message": message.text }),
                    length,
                    limit,
                )
                .await?
            }
            (Visibility::Public, None) => {
                return Err(ChannelError::Rejected {
                    status: 0,
                    reason: "a public reply on Meta needs the comment or post it answers".into(),
                })
            }
            (Visibility::Private, target) => {
                let limit = self.capabilities.max_private_length.unwrap_or(u32::MAX) as usize;
                let recipient = match target {
                    Some(comment) => json!({ "comment_id": comment }),
                    None => json!({ "id": message.recipient.handle }),
                };
                if !is_safe_path_segment(account) {
                    return Err(ChannelError::Rejected {
                        status: 0,
                        reason: format!("unusable account id {account:?}"),
                    });
                }
                self.call(
                    format!("/{v}/{account}/messages"),
                    json!({
                        "recipient": recipient,
                        "messaging_type": "RESPONSE",
                        "message": { "text": message.text },
                    }),
                    length,
                    limit,
                )
                .await?
            }
        };
        let receipt = DeliveryReceipt {
            outbound: message.id,
            external_id,
        };
        self.sent.record(&receipt);
        Ok(receipt)
    }
}
