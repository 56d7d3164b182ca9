//! Personal data in free text (stub; the scanners arrive in the next commit).

pub use crate::model::{PiiFinding, PiiKind};

/// A configurable personal-data detector.
#[derive(Debug, Clone, Default)]
pub struct PiiDetector {}

impl PiiDetector {
    /// Finds personal data in `text`, sorted by start, non-overlapping.
    pub fn detect(&self, text: &str) -> Vec<PiiFinding> {
        let _ = text;
        Vec::new()
    }
}

/// Finds personal data with the default detector.
pub fn detect(text: &str) -> Vec<PiiFinding> {
    PiiDetector::default().detect(text)
}

/// Replaces each finding's span with a placeholder such as `[booking code]`.
pub fn redact(text: &str, findings: &[PiiFinding]) -> String {
    let _ = findings;
    text.to_owned()
}
