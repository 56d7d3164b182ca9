//! caredesk's integration tests: one binary, one module per area.

mod calendar;
#[cfg(all(feature = "sqlite", feature = "runtime"))]
mod crash;
#[cfg(feature = "runtime")]
mod desk;
mod directory;
mod engine_lifecycle;
mod engine_replay;
mod escalation;
mod escalation_engine;
mod events;
#[cfg(feature = "runtime")]
mod fault_sim;
mod guard;
mod guard_engine;
mod language;
mod malformed;
mod routing;
mod sentiment;
mod sim;
mod sla;
mod staffing;
mod stats;
#[cfg(feature = "sqlite")]
mod store_sqlite;
mod support;
mod template;
mod text_pii;
mod traits;
mod triage;
