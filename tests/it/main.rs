//! Integration tests: one binary, one module per area.

mod language;
mod sentiment;
mod text_pii;
mod triage;
