//! A webhook server on loopback: X, Facebook/Instagram, WhatsApp and e-mail
//! routes in front of a desk that persists to SQLite.
//!
//! ```text
//! cargo run --example webhook_server --features full            # serve on 127.0.0.1:8787
//! cargo run --example webhook_server --features full -- --demo  # post one signed webhook to itself, print, exit
//! ```
//!
//! Secrets come from the environment (`X_CONSUMER_SECRET`, `META_APP_SECRET`,
//! `META_VERIFY_TOKEN`, `MAIL_WEBHOOK_SECRET`, and the access tokens); the
//! demo values below are for trying it locally. Put a TLS-terminating proxy
//! in front before registering the URLs with the networks.

use async_trait::async_trait;
use caredesk::channel::email::{EmailChannel, EmailConfig, MailTransport, OutgoingMail};
use caredesk::channel::meta::{MetaChannel, MetaConfig};
use caredesk::channel::signature::sign_sha256_hex;
use caredesk::channel::whatsapp::{WhatsappChannel, WhatsappConfig};
use caredesk::channel::x::{XChannel, XConfig};
use caredesk::channel::{Channel, ChannelError};
use caredesk::desk::{Desk, DeskConfig, SystemClock};
use caredesk::engine::{EngineConfig, EventPayload};
use caredesk::model::{ChannelKind, ChannelRef, TenantId};
use caredesk::store::sqlite::SqliteEventStore;
use caredesk::store::{read_all, EventStore};
use caredesk::webhooks::WebhookReceiver;
use std::sync::Arc;

fn env(name: &str, demo: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| demo.to_owned())
}

/// Prints outgoing e-mails instead of sending them (plug SMTP in here).
struct PrintTransport;

#[async_trait]
impl MailTransport for PrintTransport {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), ChannelError> {
        println!("mail to {:?}: {} bytes", mail.to, mail.raw.len());
        Ok(())
    }
}

const DEMO_WEBHOOK: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"31201234567","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Ingrid"},"wa_id":"4791234567"}],"messages":[{"from":"4791234567","id":"wamid.DEMO1","timestamp":"1795947400","type":"text","text":{"body":"Hei! Bagasjen min kom ikke fram til Bergen"}}]}}]}]}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let demo = std::env::args().any(|a| a == "--demo");
    let x_user = env("X_USER_ID", "56377143");
    let page = env("META_PAGE_ID", "104958162837");
    let number = env("WHATSAPP_PHONE_NUMBER_ID", "106540352242922");
    let mailbox = env("CARE_MAILBOX", "care@klm.example");
    let meta_secret = env("META_APP_SECRET", "demo-app-secret");
    let verify_token = env("META_VERIFY_TOKEN", "demo-verify-token");

    let x = Arc::new(XChannel::new(XConfig::new(
        x_user.clone(),
        env("X_CONSUMER_SECRET", "demo-consumer-secret"),
        env("X_USER_TOKEN", "demo-token"),
    ))?);
    let facebook = Arc::new(MetaChannel::new(MetaConfig::facebook(
        page.clone(),
        env("META_PAGE_TOKEN", "demo-token"),
    ))?);
    let whatsapp = Arc::new(WhatsappChannel::new(WhatsappConfig::new(
        number.clone(),
        env("WHATSAPP_TOKEN", "demo-token"),
    ))?);
    let email = Arc::new(EmailChannel::new(
        EmailConfig::new(mailbox.clone()),
        Arc::new(PrintTransport),
    ));

    let tenant = TenantId::from_uuid(uuid::Uuid::from_u128(1));
    let refs = [
        ChannelRef::new(ChannelKind::X, x_user),
        ChannelRef::new(ChannelKind::Facebook, page),
        ChannelRef::new(ChannelKind::Whatsapp, number),
        ChannelRef::new(ChannelKind::Email, mailbox),
    ];
    let make_config = move || {
        refs.iter()
            .cloned()
            .fold(EngineConfig::new(tenant), |c, r| c.with_channel(r, None))
    };
    let path = std::env::var("CAREDESK_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("caredesk_webhook_server.db"));
    let store: Arc<dyn EventStore> = Arc::new(SqliteEventStore::open(&path)?);
    let channels: Vec<Arc<dyn Channel>> =
        vec![x.clone(), facebook, whatsapp.clone(), email.clone()];
    let (desk, _task) = Desk::start(
        make_config,
        store.clone(),
        channels,
        Arc::new(SystemClock),
        DeskConfig::default(),
    )
    .await?;

    let receiver = WebhookReceiver::new(desk.clone())
        .with_x(env("X_CONSUMER_SECRET", "demo-consumer-secret"))
        .with_meta(meta_secret.clone(), verify_token.clone())
        .with_whatsapp(meta_secret.clone(), verify_token, whatsapp)
        .with_email(env("MAIL_WEBHOOK_SECRET", "demo-mail-secret"), email)
        .with_notices(|notice| println!("notice: {notice:?}"));
    let app = axum::Router::new().nest("/webhooks", receiver.router());
    let addr = if demo {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:8787"
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!(
        "webhooks on http://{local}/webhooks/{{x,meta,whatsapp,email}}, store {}",
        path.display()
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    if !demo {
        server.await??;
        return Ok(());
    }
    let signature = sign_sha256_hex(meta_secret.as_bytes(), DEMO_WEBHOOK.as_bytes());
    let response = reqwest::Client::new()
        .post(format!("http://{local}/webhooks/whatsapp"))
        .header("X-Hub-Signature-256", signature)
        .body(DEMO_WEBHOOK)
        .send()
        .await?;
    println!(
        "POST /webhooks/whatsapp -> {} {}",
        response.status(),
        response.text().await?
    );
    let stored = read_all(&*store, tenant, 1).await?;
    let received = stored
        .iter()
        .filter(|e| matches!(e.payload, EventPayload::MessageReceived { .. }))
        .count();
    println!(
        "{} events in the store, {received} customer message(s)",
        stored.len()
    );
    desk.shutdown().await?;
    Ok(())
}
