//! Text detectors: personal data ([`pii`]) and sentiment ([`sentiment`]).
//!
//! This is a leaf module used by triage and the outbound guard; it never
//! imports other stages.

pub mod language;
pub mod lexicon;
pub mod pii;
pub mod sentiment;
