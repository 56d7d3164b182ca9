//! The `stats` module.
