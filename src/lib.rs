//! caredesk (skeleton; the crate docs are written with the foundation issue).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod calendar;
pub mod channel;
pub mod engine;
pub mod model;
pub mod routing;
pub mod staffing;
pub mod stats;
pub mod store;
pub mod testing;
pub mod text;
pub mod triage;
