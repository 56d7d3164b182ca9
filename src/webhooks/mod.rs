//! The webhook receiver (feature `webhooks`): an axum router that
//! applications mount, one route per enabled adapter, feeding a running
//! [`Desk`](crate::desk::Desk).
//!
//! ```text
//!  POST /x         x-twitter-webhooks-signature   -> channel::x::parse
//!  GET  /x?crc_token=...                          -> CRC answer
//!  POST /meta      X-Hub-Signature-256            -> channel::meta::parse
//!  GET  /meta?hub.mode=subscribe&...              -> handshake
//!  POST /whatsapp  X-Hub-Signature-256            -> channel::whatsapp::parse
//!  GET  /whatsapp?hub.mode=subscribe&...          -> handshake
//!  POST /email     x-caredesk-signature (raw RFC 5322 body) -> channel::email::parse
//! ```
//!
//! Every POST is handled the same way:
//!
//! 1. the body is read up to the size limit (**413** beyond it);
//! 2. its signature is checked over the raw bytes, in constant time, before
//!    anything is parsed (**401** when missing, malformed or wrong);
//! 3. it is parsed (**400** with the reason when it is not the documented
//!    payload);
//! 4. each customer message is handed to the desk with
//!    [`DeskHandle::ingest`], which returns once the message is persisted;
//!    a message the desk already holds (a redelivered webhook, a replayed
//!    request) is acknowledged without being recorded twice;
//! 5. the answer is **200** with `{"accepted", "duplicates", "skipped"}`
//!    only when every message was handed over; **503** when the desk could
//!    not persist or has stopped (the network will redeliver, and the
//!    messages already accepted are then recognised); **422** with the
//!    engine's reasons when it refused a message (e.g. a channel the desk is
//!    not configured for), so a misconfiguration is loud instead of silent.
//!
//! What the desk has no input for (X deletions, Meta removals and mentions
//! to fetch, WhatsApp statuses) is passed to the optional
//! [`WebhookReceiver::with_notices`] hook. A WhatsApp `failed` status for a
//! send the desk still considers pending is recorded as a permanent
//! delivery failure.
//!
//! ```no_run
//! # async fn demo(desk: caredesk::desk::DeskHandle) -> Result<(), Box<dyn std::error::Error>> {
//! use caredesk::webhooks::WebhookReceiver;
//! let receiver = WebhookReceiver::new(desk)
//!     .with_x("consumer-secret")
//!     .with_meta("app-secret", "verify-token");
//! let app = axum::Router::new().nest("/webhooks", receiver.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8787").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

#![cfg_attr(
    not(all(
        feature = "x",
        feature = "meta",
        feature = "whatsapp",
        feature = "email"
    )),
    allow(unused_imports, dead_code)
)]

use crate::desk::{Clock, DeskError, DeskHandle, SystemClock};
#[cfg(feature = "whatsapp")]
use crate::engine::Input;
use crate::model::InboundMessage;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
#[cfg(feature = "email")]
use axum::routing::post;
use axum::Router;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

#[cfg(feature = "email")]
use crate::channel::email::EmailChannel;
#[cfg(feature = "whatsapp")]
use crate::channel::whatsapp::{WhatsappChannel, WhatsappStatus};

/// The signature header of the e-mail route: `sha256=<hex HMAC-SHA256 of
/// the raw message under the shared secret>`, set by whatever forwards
/// mail to the desk (an inbound-mail service, a `procmail` hook).
pub const EMAIL_SIGNATURE_HEADER: &str = "x-caredesk-signature";

/// The default body limit: 1 MiB (webhook batches are a few kilobytes;
/// e-mails with attachments need a larger limit, see
/// [`WebhookReceiver::with_body_limit`]).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Something a webhook carried that the desk has no input for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// An X post was deleted by its author.
    #[cfg(feature = "x")]
    XDeletion(crate::channel::x::XDeletion),
    /// A Facebook comment or post was removed.
    #[cfg(feature = "meta")]
    MetaRemoval(crate::channel::meta::MetaRemoval),
    /// A Page or Instagram account was mentioned; the text must be fetched.
    #[cfg(feature = "meta")]
    MetaMention(crate::channel::meta::UnresolvedMention),
    /// A status of a WhatsApp message the business sent.
    #[cfg(feature = "whatsapp")]
    WhatsappStatus(WhatsappStatus),
}

type NoticeHook = Arc<dyn Fn(Notice) + Send + Sync>;

#[derive(Clone)]
struct Shared {
    desk: DeskHandle,
    clock: Arc<dyn Clock>,
    notices: Option<NoticeHook>,
    #[cfg(feature = "x")]
    x: Option<Arc<str>>,
    #[cfg(feature = "meta")]
    meta: Option<(Arc<str>, Arc<str>)>,
    #[cfg(feature = "whatsapp")]
    whatsapp: Option<(Arc<str>, Arc<str>, Arc<WhatsappChannel>)>,
    #[cfg(feature = "email")]
    email: Option<(Arc<str>, Arc<EmailChannel>)>,
}

impl Shared {
    #[allow(dead_code)] // unused when no adapter with notices is enabled
    fn notify(&self, notice: Notice) {
        if let Some(hook) = &self.notices {
            hook(notice);
        }
    }
}

/// Builds the webhook router for a desk.
#[must_use = "call router() and mount it"]
pub struct WebhookReceiver {
    shared: Shared,
    body_limit: usize,
}

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl WebhookReceiver {
    /// A receiver feeding `desk`, with no routes yet, the
    /// [`DEFAULT_BODY_LIMIT`] and the system clock (used only to date an
    /// e-mail without a `Date` header).
    pub fn new(desk: DeskHandle) -> Self {
        WebhookReceiver {
            shared: Shared {
                desk,
                clock: Arc::new(SystemClock),
                notices: None,
                #[cfg(feature = "x")]
                x: None,
                #[cfg(feature = "meta")]
                meta: None,
                #[cfg(feature = "whatsapp")]
                whatsapp: None,
                #[cfg(feature = "email")]
                email: None,
            },
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// Refuses bodies larger than `bytes` with 413.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Uses another clock (the desk's, in tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.shared.clock = clock;
        self
    }

    /// Calls `hook` with what the desk has no input for (deletions,
    /// removals, mentions to fetch, WhatsApp statuses).
    pub fn with_notices(mut self, hook: impl Fn(Notice) + Send + Sync + 'static) -> Self {
        self.shared.notices = Some(Arc::new(hook));
        self
    }

    /// Adds `GET /x` (CRC challenge) and `POST /x` (Account Activity events),
    /// checked with the app's consumer secret.
    #[cfg(feature = "x")]
    pub fn with_x(mut self, consumer_secret: impl Into<String>) -> Self {
        self.shared.x = Some(Arc::from(consumer_secret.into()));
        self
    }

    /// Adds `GET /meta` (handshake) and `POST /meta` (Page and Instagram
    /// events), checked with the app secret and the verify token.
    #[cfg(feature = "meta")]
    pub fn with_meta(
        mut self,
        app_secret: impl Into<String>,
        verify_token: impl Into<String>,
    ) -> Self {
        self.shared.meta = Some((Arc::from(app_secret.into()), Arc::from(verify_token.into())));
        self
    }

    /// Adds `GET /whatsapp` (handshake) and `POST /whatsapp` (Cloud API
    /// events). `channel` is the adapter the desk sends with: it learns each
    /// customer's service window from the messages received here.
    #[cfg(feature = "whatsapp")]
    pub fn with_whatsapp(
        mut self,
        app_secret: impl Into<String>,
        verify_token: impl Into<String>,
        channel: Arc<WhatsappChannel>,
    ) -> Self {
        self.shared.whatsapp = Some((
            Arc::from(app_secret.into()),
            Arc::from(verify_token.into()),
            channel,
        ));
        self
    }

    /// Adds `POST /email` (one raw RFC 5322 message per request, signed with
    /// [`EMAIL_SIGNATURE_HEADER`]). `channel` is the mailbox the desk sends
    /// with: it learns the threads from the messages received here.
    #[cfg(feature = "email")]
    pub fn with_email(mut self, secret: impl Into<String>, channel: Arc<EmailChannel>) -> Self {
        self.shared.email = Some((Arc::from(secret.into()), channel));
        self
    }

    /// The router, to mount (e.g. with `Router::nest("/webhooks", ...)`).
    pub fn router(self) -> Router {
        let mut router = Router::new();
        #[cfg(feature = "x")]
        if self.shared.x.is_some() {
            router = router.route("/x", get(x_crc).post(x_events));
        }
        #[cfg(feature = "meta")]
        if self.shared.meta.is_some() {
            router = router.route("/meta", get(meta_handshake).post(meta_events));
        }
        #[cfg(feature = "whatsapp")]
        if self.shared.whatsapp.is_some() {
            router = router.route("/whatsapp", get(whatsapp_handshake).post(whatsapp_events));
        }
        #[cfg(feature = "email")]
        if self.shared.email.is_some() {
            router = router.route("/email", post(email_message));
        }
        router
            .layer(DefaultBodyLimit::max(self.body_limit))
            .with_state(self.shared)
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn reply(status: StatusCode, reason: impl std::fmt::Display) -> Response {
    (status, reason.to_string()).into_response()
}

fn unauthorized(error: impl std::fmt::Display) -> Response {
    reply(
        StatusCode::UNAUTHORIZED,
        format!("signature refused: {error}"),
    )
}

fn bad_request(error: impl std::fmt::Display) -> Response {
    reply(StatusCode::BAD_REQUEST, error)
}

/// Hands messages to the desk; the response says what happened.
async fn hand_over(shared: &Shared, messages: Vec<InboundMessage>, skipped: usize) -> Response {
    let mut accepted = 0usize;
    let mut duplicates = 0usize;
    let mut refused = Vec::new();
    let mut unavailable = None;
    for message in messages {
        let id = message.external_id.clone();
        match shared.desk.ingest(message).await {
            Ok(receipt) if receipt.duplicate => duplicates += 1,
            Ok(_) => accepted += 1,
            Err(DeskError::Refused(error)) => refused.push(format!("{id}: {error}")),
            Err(error) => {
                unavailable = Some(error);
                break;
            }
        }
    }
    if let Some(error) = unavailable {
        return reply(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the desk could not record the messages, retry later: {error}"),
        );
    }
    if !refused.is_empty() {
        return reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the desk refused: {}", refused.join("; ")),
        );
    }
    (
        StatusCode::OK,
        axum::Json(json!({ "accepted": accepted, "duplicates": duplicates, "skipped": skipped })),
    )
        .into_response()
}

#[cfg(feature = "x")]
async fn x_crc(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(secret) = &shared.x else {
        return reply(StatusCode::NOT_FOUND, "X is not configured");
    };
    match query.get("crc_token") {
        Some(token) => (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            crate::channel::x::crc_response(secret.as_bytes(), token),
        )
            .into_response(),
        None => bad_request("crc_token is missing"),
    }
}

#[cfg(feature = "x")]
async fn x_events(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use crate::channel::x;
    let Some(secret) = &shared.x else {
        return reply(StatusCode::NOT_FOUND, "X is not configured");
    };
    if let Err(error) = x::verify(
        secret.as_bytes(),
        &body,
        header(&headers, x::SIGNATURE_HEADER),
    ) {
        return unauthorized(error);
    }
    let webhook = match x::parse(&body) {
        Ok(webhook) => webhook,
        Err(error) => return bad_request(error),
    };
    for deletion in webhook.deletions {
        shared.notify(Notice::XDeletion(deletion));
    }
    hand_over(&shared, webhook.messages, webhook.skipped).await
}

#[cfg(any(feature = "meta", feature = "whatsapp"))]
fn handshake(verify_token: &str, query: &HashMap<String, String>) -> Response {
    use crate::channel::signature::{subscription_challenge, HandshakeError};
    let get = |name: &str| query.get(name).map(String::as_str);
    match subscription_challenge(
        verify_token,
        get("hub.mode"),
        get("hub.verify_token"),
        get("hub.challenge"),
    ) {
        Ok(challenge) => (StatusCode::OK, challenge).into_response(),
        Err(error @ HandshakeError::TokenMismatch) => reply(StatusCode::FORBIDDEN, error),
        Err(error) => bad_request(error),
    }
}

#[cfg(feature = "meta")]
async fn meta_handshake(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match &shared.meta {
        Some((_, token)) => handshake(token, &query),
        None => reply(StatusCode::NOT_FOUND, "Meta is not configured"),
    }
}

#[cfg(feature = "meta")]
async fn meta_events(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use crate::channel::meta;
    let Some((secret, _)) = &shared.meta else {
        return reply(StatusCode::NOT_FOUND, "Meta is not configured");
    };
    if let Err(error) = meta::verify(
        secret.as_bytes(),
        &body,
        header(&headers, meta::SIGNATURE_HEADER),
    ) {
        return unauthorized(error);
    }
    let webhook = match meta::parse(&body) {
        Ok(webhook) => webhook,
        Err(error) => return bad_request(error),
    };
    for removal in webhook.removals {
        shared.notify(Notice::MetaRemoval(removal));
    }
    for mention in webhook.mentions {
        shared.notify(Notice::MetaMention(mention));
    }
    hand_over(&shared, webhook.messages, webhook.skipped).await
}

#[cfg(feature = "whatsapp")]
async fn whatsapp_handshake(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match &shared.whatsapp {
        Some((_, token, _)) => handshake(token, &query),
        None => reply(StatusCode::NOT_FOUND, "WhatsApp is not configured"),
    }
}

/// Records each `failed` status of this number as a late delivery failure
/// (`Input::Undelivered`): a status carries the `wamid` the API returned, so
/// the network had accepted the send, whether or not the desk has recorded
/// its receipt yet. The engine finds the reply by its `wamid` (after a
/// restart too); the adapter's memory of the send covers a status that
/// overtakes the API's answer. A status for a message the engine does not
/// hold (not sent by this desk, or archived) is refused there and only
/// noticed here; a repeated status changes nothing.
#[cfg(feature = "whatsapp")]
async fn report_failures(
    shared: &Shared,
    channel: &WhatsappChannel,
    statuses: &[WhatsappStatus],
) -> Result<(), Response> {
    for status in statuses {
        let Some(reason) = status.failure_reason() else {
            continue;
        };
        if &status.channel != crate::channel::Channel::channel(channel) {
            continue;
        }
        let input = Input::Undelivered {
            channel: status.channel.clone(),
            external_id: status.message_id.as_str().into(),
            outbound: channel.sent_outbound(&status.message_id),
            reason,
        };
        match shared.desk.submit(input).await {
            Ok(_) | Err(DeskError::Refused(_)) => {}
            Err(error) => {
                return Err(reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("the desk could not record a status, retry later: {error}"),
                ))
            }
        }
    }
    Ok(())
}

#[cfg(feature = "whatsapp")]
async fn whatsapp_events(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use crate::channel::whatsapp;
    let Some((secret, _, channel)) = &shared.whatsapp else {
        return reply(StatusCode::NOT_FOUND, "WhatsApp is not configured");
    };
    if let Err(error) = whatsapp::verify(
        secret.as_bytes(),
        &body,
        header(&headers, whatsapp::SIGNATURE_HEADER),
    ) {
        return unauthorized(error);
    }
    let webhook = match whatsapp::parse(&body) {
        Ok(webhook) => webhook,
        Err(error) => return bad_request(error),
    };
    // Opens the customers' service windows; failures are reported below by
    // `wamid`, which also works for sends made before a restart.
    let _ = channel.observe(&webhook);
    for status in &webhook.statuses {
        shared.notify(Notice::WhatsappStatus(status.clone()));
    }
    if let Err(response) = report_failures(&shared, channel, &webhook.statuses).await {
        return response;
    }
    hand_over(&shared, webhook.messages, webhook.skipped).await
}

#[cfg(feature = "email")]
async fn email_message(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use crate::channel::{email, signature};
    let Some((secret, channel)) = &shared.email else {
        return reply(StatusCode::NOT_FOUND, "e-mail is not configured");
    };
    if let Err(error) = signature::verify_sha256_hex(
        secret.as_bytes(),
        &body,
        header(&headers, EMAIL_SIGNATURE_HEADER),
    ) {
        return unauthorized(error);
    }
    let mail = match email::parse(&body) {
        Ok(mail) => mail,
        Err(error) => return bad_request(error),
    };
    let message = channel.inbound(&mail, shared.clock.now());
    if message.text.trim().is_empty() && message.attachments.is_empty() {
        return hand_over(&shared, Vec::new(), 1).await;
    }
    hand_over(&shared, vec![message], 0).await
}
