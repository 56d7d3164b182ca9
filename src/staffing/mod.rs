//! The `staffing` module.
