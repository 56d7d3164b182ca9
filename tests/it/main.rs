//! caredesk's integration tests: one binary, one module per area.

mod calendar;
mod directory;
mod engine_lifecycle;
mod engine_replay;
mod escalation;
mod escalation_engine;
mod events;
mod guard;
mod language;
mod routing;
mod sentiment;
mod sim;
mod sla;
mod staffing;
mod stats;
mod support;
mod template;
mod text_pii;
mod traits;
mod triage;
