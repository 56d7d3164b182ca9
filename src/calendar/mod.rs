//! The `calendar` module.
