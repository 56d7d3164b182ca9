//! caredesk's integration tests: one binary, one module per area.

mod calendar;
#[cfg(all(feature = "sqlite", feature = "runtime"))]
mod crash;
#[cfg(feature = "runtime")]
mod desk;
mod engine_lifecycle;
mod engine_replay;
mod events;
mod language;
mod sentiment;
mod staffing;
mod stats;
#[cfg(feature = "sqlite")]
mod store_sqlite;
mod support;
mod text_pii;
mod traits;
mod triage;
