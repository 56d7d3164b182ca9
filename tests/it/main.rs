//! Integration tests: one binary, one module per area.

mod sentiment;
mod text_pii;
