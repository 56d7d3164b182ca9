//! caredesk's integration tests: one binary, one module per area.

mod calendar;
#[cfg(feature = "email")]
mod channel_email;
mod channel_memory;
#[cfg(feature = "meta")]
mod channel_meta;
#[cfg(feature = "whatsapp")]
mod channel_whatsapp;
#[cfg(feature = "x")]
mod channel_x;
#[cfg(feature = "postgres")]
mod cluster;
#[cfg(all(feature = "sqlite", feature = "runtime"))]
mod crash;
mod delivery;
#[cfg(feature = "runtime")]
mod desk;
mod directory;
mod engine_lifecycle;
mod engine_replay;
mod escalation;
mod escalation_engine;
mod events;
#[cfg(any(
    feature = "x",
    feature = "meta",
    feature = "whatsapp",
    feature = "email"
))]
mod fake_network;
#[cfg(feature = "runtime")]
mod fault_sim;
mod guard;
mod guard_engine;
mod language;
mod malformed;
mod purchase_intent;
#[cfg(all(feature = "sqlite", feature = "runtime"))]
mod retention;
mod routing;
mod routing_engine;
mod sales;
#[cfg(all(feature = "runtime", feature = "whatsapp"))]
mod send_once;
mod sentiment;
mod sim;
mod sla;
mod staffing;
mod stats;
#[cfg(feature = "postgres")]
mod store_postgres;
#[cfg(feature = "sqlite")]
mod store_sqlite;
mod support;
mod template;
mod text_pii;
mod traits;
mod triage;
#[cfg(all(feature = "webhooks", feature = "channels"))]
mod webhooks;
