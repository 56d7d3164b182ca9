//! The `triage` module.
