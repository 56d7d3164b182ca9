//! X (Twitter): the Account Activity API webhook and the v2 API for replies
//! and direct messages (feature `x`).
//!
//! Inbound, X POSTs one JSON document per batch of activity for a
//! subscribed account (`for_user_id`): `tweet_create_events` (mentions,
//! replies, quotes, and the account's own posts), `direct_message_events`,
//! `tweet_delete_events` and more. [`parse`] turns the ones a care desk
//! answers into [`InboundMessage`]s on the channel `x:<for_user_id>`:
//!
//! - a post keeps its id (`id_str`) as external id, `in_reply_to_status_id_str`
//!   as the message it answers, the author's `followers_count` as reach and
//!   `lang` as language hint; the text is `extended_tweet.full_text` for
//!   posts over 140 characters, with the `t.co` links of attached media
//!   removed (the media become [`Attachment`]s);
//! - a direct message keeps its event id, is private, and takes the
//!   sender's reach from the payload's `users` map;
//! - the account's own posts and messages (echoes) and retweets are skipped;
//!   deletions are reported apart in [`XWebhook::deletions`].
//!
//! X authenticates its requests with `x-twitter-webhooks-signature`
//! (`sha256=` and the base64 HMAC-SHA256 of the raw body under the app's
//! consumer secret) and checks the endpoint with a CRC challenge: a GET with
//! `crc_token` must be answered with [`crc_response`].
//!
//! Outbound, [`XChannel`] posts public replies with `POST /2/tweets`
//! (`reply.in_reply_to_tweet_id`) and direct messages with
//! `POST /2/dm_conversations/with/{participant_id}/messages`, using an
//! OAuth 2.0 user-context bearer token.

use super::http::Http;
use super::sent::{preflight, SentLog};
use super::signature::{self, SignatureError};
use super::{Channel, ChannelError, DeliveryReceipt, HttpConfig, SentCheck};
use crate::model::{
    Attachment, Capabilities, ChannelKind, ChannelRef, Identity, InboundMessage, Language,
    OutboundMessage, Visibility,
};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The signature header X sends with every webhook request.
pub const SIGNATURE_HEADER: &str = "x-twitter-webhooks-signature";

/// X's API base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.x.com";

/// Why an X webhook payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XParseError {
    /// The body is not JSON of the documented shape (the reason says where):
    /// answer 400; X will not redeliver a malformed body.
    #[error("malformed Account Activity payload: {0}")]
    Malformed(String),
    /// The payload does not say which subscribed account it is for.
    #[error("the payload has no for_user_id")]
    MissingUser,
    /// A timestamp could not be read (`timestamp_ms`, `created_at` or
    /// `created_timestamp`).
    #[error("unreadable timestamp {value:?} on event {id}")]
    BadTimestamp {
        /// The event's id.
        id: String,
        /// The value found.
        value: String,
    },
}

/// A deleted post, from `tweet_delete_events`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct XDeletion {
    /// The deleted post's id (the external id it was ingested under).
    pub tweet_id: String,
    /// Its author's user id.
    pub user_id: String,
    /// When it was deleted, if X says.
    pub at: Option<DateTime<Utc>>,
}

/// What one Account Activity request carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XWebhook {
    /// The subscribed account the activity is for (the channel's account).
    pub for_user_id: String,
    /// Posts and direct messages from customers, in payload order.
    pub messages: Vec<InboundMessage>,
    /// Posts deleted by their authors.
    pub deletions: Vec<XDeletion>,
    /// Events skipped: the account's own posts and messages, retweets,
    /// other direct-message event types.
    pub skipped: usize,
}

#[derive(Deserialize)]
struct Payload {
    for_user_id: Option<String>,
    #[serde(default)]
    tweet_create_events: Vec<Tweet>,
    #[serde(default)]
    direct_message_events: Vec<DmEvent>,
    #[serde(default)]
    tweet_delete_events: Vec<TweetDelete>,
    #[serde(default)]
    users: BTreeMap<String, User>,
}

#[derive(Deserialize)]
struct Tweet {
    id_str: String,
    text: Option<String>,
    full_text: Option<String>,
    extended_tweet: Option<ExtendedTweet>,
    user: User,
    in_reply_to_status_id_str: Option<String>,
    created_at: Option<String>,
    timestamp_ms: Option<String>,
    lang: Option<String>,
    entities: Option<Entities>,
    extended_entities: Option<Entities>,
    retweeted_status: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct ExtendedTweet {
    full_text: String,
    entities: Option<Entities>,
    extended_entities: Option<Entities>,
}

#[derive(Deserialize, Default)]
struct Entities {
    #[serde(default)]
    media: Vec<Media>,
}

#[derive(Deserialize)]
struct Media {
    url: Option<String>,
    media_url_https: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// A user: tweets carry `id` (a number) and `id_str`; the DM `users` map
/// carries `id` as a string.
#[derive(Deserialize)]
struct User {
    id_str: Option<String>,
    id: Option<NumberOrText>,
    followers_count: Option<u64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Text(String),
    Number(u64),
}

impl User {
    fn id(&self) -> Option<String> {
        self.id_str.clone().or_else(|| {
            self.id.as_ref().map(|id| match id {
                NumberOrText::Text(text) => text.clone(),
                NumberOrText::Number(n) => n.to_string(),
            })
        })
    }
}

#[derive(Deserialize)]
struct DmEvent {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    created_timestamp: Option<String>,
    message_create: Option<MessageCreate>,
}

#[derive(Deserialize)]
struct MessageCreate {
    sender_id: String,
    message_data: MessageData,
}

#[derive(Deserialize)]
struct MessageData {
    #[serde(default)]
    text: String,
    entities: Option<Entities>,
    attachment: Option<DmAttachment>,
}

#[derive(Deserialize)]
struct DmAttachment {
    media: Media,
}

#[derive(Deserialize)]
struct TweetDelete {
    status: DeletedStatus,
    timestamp_ms: Option<String>,
}

#[derive(Deserialize)]
struct DeletedStatus {
    id: String,
    user_id: String,
}

fn millis(id: &str, value: &str) -> Result<DateTime<Utc>, XParseError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
        .ok_or_else(|| XParseError::BadTimestamp {
            id: id.to_owned(),
            value: value.to_owned(),
        })
}

fn tweet_time(tweet: &Tweet) -> Result<DateTime<Utc>, XParseError> {
    if let Some(ms) = &tweet.timestamp_ms {
        return millis(&tweet.id_str, ms);
    }
    let created = tweet.created_at.as_deref().unwrap_or("");
    // v1.1 format: "Wed Oct 10 20:19:24 +0000 2018".
    DateTime::parse_from_str(created, "%a %b %d %H:%M:%S %z %Y")
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| XParseError::BadTimestamp {
            id: tweet.id_str.clone(),
            value: created.to_owned(),
        })
}

fn media_type(kind: Option<&str>) -> &'static str {
    match kind {
        // X re-encodes GIFs as MP4 video.
        Some("video") | Some("animated_gif") => "video/mp4",
        _ => "image/jpeg",
    }
}

/// Removes the `t.co` links X appends for attached media and returns the
/// attachments.
fn strip_media(text: &str, media: &[Media]) -> (String, Vec<Attachment>) {
    let mut text = text.to_owned();
    let mut attachments = Vec::new();
    for item in media {
        if let Some(link) = item.url.as_deref().filter(|l| !l.is_empty()) {
            text = text.replace(link, "");
        }
        if let Some(url) = &item.media_url_https {
            let attachment = Attachment {
                media_type: media_type(item.kind.as_deref()).to_owned(),
                url: url.clone(),
            };
            // A photo appears once per entity list; keep each URL once.
            if !attachments.contains(&attachment) {
                attachments.push(attachment);
            }
        }
    }
    (text.trim().to_owned(), attachments)
}

fn tweet_message(
    channel: &ChannelRef,
    tweet: Tweet,
    author: String,
) -> Result<InboundMessage, XParseError> {
    let received_at = tweet_time(&tweet)?;
    let (full, entities, extended) = match tweet.extended_tweet {
        Some(ext) => (ext.full_text, ext.entities, ext.extended_entities),
        None => (
            tweet.full_text.or(tweet.text).unwrap_or_default(),
            tweet.entities,
            tweet.extended_entities,
        ),
    };
    // `extended_entities` lists every photo; `entities` only the first.
    let media = extended.or(entities).unwrap_or_default().media;
    let (text, attachments) = strip_media(&full, &media);
    let mut message = InboundMessage::new(
        channel.clone(),
        tweet.id_str,
        Identity::new(ChannelKind::X, author),
        Visibility::Public,
        text,
        received_at,
    );
    message.attachments = attachments;
    message.in_reply_to = tweet
        .in_reply_to_status_id_str
        .filter(|id| !id.is_empty())
        .map(crate::model::SmolStr::from);
    message.author_reach = tweet.user.followers_count;
    message.language_hint = tweet.lang.as_deref().and_then(|l| Language::new(l).ok());
    Ok(message)
}

fn dm_message(
    channel: &ChannelRef,
    id: String,
    created: Option<&str>,
    create: MessageCreate,
    users: &BTreeMap<String, User>,
) -> Result<InboundMessage, XParseError> {
    let received_at = millis(&id, created.unwrap_or(""))?;
    let mut media: Vec<Media> = create
        .message_data
        .entities
        .map(|e| e.media)
        .unwrap_or_default();
    if let Some(attachment) = create.message_data.attachment {
        media.push(attachment.media);
    }
    let (text, attachments) = strip_media(&create.message_data.text, &media);
    let reach = users
        .get(&create.sender_id)
        .and_then(|user| user.followers_count);
    let mut message = InboundMessage::new(
        channel.clone(),
        id,
        Identity::new(ChannelKind::X, create.sender_id),
        Visibility::Private,
        text,
        received_at,
    );
    message.attachments = attachments;
    message.author_reach = reach;
    Ok(message)
}

/// Reads an Account Activity webhook body.
///
/// ```
/// let body = br#"{"for_user_id":"2244994945","tweet_create_events":[{
///   "id_str":"1861000000000000001","text":"@KLM where is my bag? \ud83e\uddf3",
///   "timestamp_ms":"1795946400000","lang":"en",
///   "in_reply_to_status_id_str":null,
///   "user":{"id_str":"6253282","followers_count":420}}]}"#;
/// let webhook = caredesk::channel::x::parse(body)?;
/// let message = &webhook.messages[0];
/// assert_eq!(message.channel.to_string(), "x:2244994945");
/// assert_eq!(message.external_id, "1861000000000000001");
/// assert_eq!(message.author_reach, Some(420));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`XParseError`] for a body that is not a documented payload.
pub fn parse(raw: &[u8]) -> Result<XWebhook, XParseError> {
    let payload: Payload =
        serde_json::from_slice(raw).map_err(|e| XParseError::Malformed(e.to_string()))?;
    let for_user_id = payload
        .for_user_id
        .filter(|id| !id.is_empty())
        .ok_or(XParseError::MissingUser)?;
    let channel = ChannelRef::new(ChannelKind::X, for_user_id.clone());
    let mut webhook = XWebhook {
        for_user_id: for_user_id.clone(),
        messages: Vec::new(),
        deletions: Vec::new(),
        skipped: 0,
    };
    for tweet in payload.tweet_create_events {
        let author = tweet.user.id().ok_or_else(|| {
            XParseError::Malformed(format!("post {} has no user id", tweet.id_str))
        })?;
        if author == for_user_id || tweet.retweeted_status.is_some() {
            webhook.skipped += 1;
            continue;
        }
        let message = tweet_message(&channel, tweet, author)?;
        if message.text.is_empty() && message.attachments.is_empty() {
            webhook.skipped += 1;
            continue;
        }
        webhook.messages.push(message);
    }
    for event in payload.direct_message_events {
        match event.message_create {
            Some(create) if event.kind == "message_create" && create.sender_id != for_user_id => {
                let message = dm_message(
                    &channel,
                    event.id,
                    event.created_timestamp.as_deref(),
                    create,
                    &payload.users,
                )?;
                if message.text.is_empty() && message.attachments.is_empty() {
                    webhook.skipped += 1;
                } else {
                    webhook.messages.push(message);
                }
            }
            _ => webhook.skipped += 1,
        }
    }
    for deletion in payload.tweet_delete_events {
        let at = match deletion.timestamp_ms {
            Some(ms) => Some(millis(&deletion.status.id, &ms)?),
            None => None,
        };
        webhook.deletions.push(XDeletion {
            tweet_id: deletion.status.id,
            user_id: deletion.status.user_id,
            at,
        });
    }
    Ok(webhook)
}

/// The JSON answer to X's CRC challenge:
/// `{"response_token":"sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>"}`.
///
/// ```
/// let answer = caredesk::channel::x::crc_response(b"consumer-secret", "challenge");
/// assert!(answer.starts_with(r#"{"response_token":"sha256="#));
/// ```
pub fn crc_response(consumer_secret: &[u8], crc_token: &str) -> String {
    json!({
        "response_token": signature::sign_sha256_base64(consumer_secret, crc_token.as_bytes())
    })
    .to_string()
}

/// Checks `x-twitter-webhooks-signature` against the raw body.
///
/// # Errors
/// [`SignatureError`] when it is missing, malformed or does not match.
pub fn verify(
    consumer_secret: &[u8],
    raw: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    signature::verify_sha256_base64(consumer_secret, raw, header)
}

/// Settings of an [`XChannel`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XConfig {
    /// The brand account's numeric user id (the webhook's `for_user_id`,
    /// and the channel's account).
    pub user_id: String,
    /// The app's consumer secret (signs webhooks and CRC answers).
    pub consumer_secret: String,
    /// An OAuth 2.0 user-context access token of the brand account
    /// (scopes `tweet.write`, `dm.write`).
    pub bearer_token: String,
    /// The API's address and timeouts.
    pub http: HttpConfig,
}

impl XConfig {
    /// A configuration against the real API.
    pub fn new(
        user_id: impl Into<String>,
        consumer_secret: impl Into<String>,
        bearer_token: impl Into<String>,
    ) -> Self {
        XConfig {
            user_id: user_id.into(),
            consumer_secret: consumer_secret.into(),
            bearer_token: bearer_token.into(),
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

/// An X brand account: verifies and reads its webhooks, sends its replies.
#[derive(Debug)]
pub struct XChannel {
    channel: ChannelRef,
    capabilities: Capabilities,
    consumer_secret: String,
    http: Http,
    sent: SentLog,
}

/// Why an adapter could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the HTTP client could not be built: {0}")]
pub struct XBuildError(String);

impl XChannel {
    /// An adapter for the account in `config`, with X's documented
    /// capabilities (280 characters public, 10,000 per DM) and no outbound
    /// attachments (media upload is not implemented).
    ///
    /// # Errors
    /// [`XBuildError`] when the HTTP client (TLS) cannot be set up.
    pub fn new(config: XConfig) -> Result<Self, XBuildError> {
        let http = Http::new(&config.http, &config.bearer_token).map_err(XBuildError)?;
        let mut capabilities = Capabilities::for_kind(ChannelKind::X);
        capabilities.attachments = false;
        Ok(XChannel {
            channel: ChannelRef::new(ChannelKind::X, config.user_id),
            capabilities,
            consumer_secret: config.consumer_secret,
            http,
            sent: SentLog::default(),
        })
    }

    /// The answer to a CRC challenge for this app.
    pub fn crc_response(&self, crc_token: &str) -> String {
        crc_response(self.consumer_secret.as_bytes(), crc_token)
    }

    /// Checks a webhook request's signature.
    ///
    /// # Errors
    /// [`SignatureError`] when it is missing, malformed or does not match.
    pub fn verify(&self, raw: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
        verify(self.consumer_secret.as_bytes(), raw, header)
    }

    fn classify(
        length: usize,
        limit: usize,
    ) -> impl Fn(u16, &Value) -> Option<ChannelError> + Sync {
        move |_status, body| {
            let text = body.to_string().to_ascii_lowercase();
            // v2 answers "Your Tweet text is too long"; v1.1 used code 186.
            let too_long = text.contains("too long")
                || body
                    .get("errors")
                    .and_then(Value::as_array)
                    .is_some_and(|errors| {
                        errors
                            .iter()
                            .any(|e| e.get("code").and_then(Value::as_i64) == Some(186))
                    });
            too_long.then_some(ChannelError::TooLong { length, limit })
        }
    }
}

fn is_numeric_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit())
}

#[async_trait]
impl Channel for XChannel {
    fn channel(&self) -> &ChannelRef {
        &self.channel
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// A receipt this adapter still remembers, else unknown: the X API has no idempotency key and no lookup of a post or DM by the sender's reference.
    async fn check_sent(&self, message: &OutboundMessage) -> SentCheck {
        self.sent.check(
            &message.id,
            "the X API has no idempotency key and no lookup of a post or DM by the sender's reference: the earlier attempt may have been posted",
        )
    }

    async fn send(&self, message: &OutboundMessage) -> Result<DeliveryReceipt, ChannelError> {
        if let Some(receipt) = self.sent.get(&message.id) {
            return Ok(receipt);
        }
        preflight(&self.capabilities, message)?;
        let length = message.text.chars().count();
        let external_id = match message.visibility {
            Visibility::Public => {
                let limit = self.capabilities.max_public_length.unwrap_or(280) as usize;
                let mut body = json!({ "text": message.text });
                if let Some(parent) = &message.in_reply_to {
                    body["reply"] = json!({ "in_reply_to_tweet_id": parent });
                }
                let answer = self
                    .http
                    .post_json("/2/tweets", &body, &Self::classify(length, limit))
                    .await?;
                answer
                    .pointer("/data/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }
            Visibility::Private => {
                let limit = self.capabilities.max_private_length.unwrap_or(10_000) as usize;
                let participant = &message.recipient.handle;
                if !is_numeric_id(participant) {
                    return Err(ChannelError::Rejected {
                        status: 0,
                        reason: format!(
                            "X direct messages need a numeric user id, not {participant:?}"
                        ),
                    });
                }
                let path = format!("/2/dm_conversations/with/{participant}/messages");
                let answer = self
                    .http
                    .post_json(
                        &path,
                        &json!({ "text": message.text }),
                        &Self::classify(length, limit),
                    )
                    .await?;
                answer
                    .get("dm_event_id")
                    .or_else(|| answer.pointer("/data/dm_event_id"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }
        };
        let external_id = external_id.ok_or_else(|| {
            ChannelError::Unconfirmed("X accepted the request but returned no id".into())
        })?;
        let receipt = DeliveryReceipt {
            outbound: message.id,
            external_id,
        };
        self.sent.record(&receipt);
        Ok(receipt)
    }
}
