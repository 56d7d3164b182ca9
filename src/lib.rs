//! caredesk (skeleton; the crate docs are written with the foundation issue).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod calendar;
pub mod model;
pub mod staffing;
pub mod stats;
pub mod text;
pub mod triage;
