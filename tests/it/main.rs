//! caredesk's integration tests: one binary, one module per area.

mod calendar;
mod engine_lifecycle;
mod engine_replay;
mod events;
mod language;
mod routing;
mod sentiment;
mod staffing;
mod stats;
mod support;
mod text_pii;
mod traits;
mod triage;
