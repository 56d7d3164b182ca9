//! Triage on arbitrary UTF-8: no panic; every PII span lies inside the text
//! on char boundaries; scores are finite and in range.
#![no_main]

use caredesk::model::{ChannelKind, ChannelRef, Identity, InboundMessage, Visibility};
use caredesk::triage::{Triage, TriageContext, TriageSettings};
use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};

fn triage() -> &'static Mutex<Triage> {
    static TRIAGE: OnceLock<Mutex<Triage>> = OnceLock::new();
    TRIAGE.get_or_init(|| {
        Mutex::new(
            Triage::new(
                TriageSettings::default()
                    .with_brand_handle("@KLM")
                    .with_brand_name("KLM"),
            )
            .expect("default triage settings are valid"),
        )
    })
}

fuzz_target!(|input: (bool, &str)| {
    let (private, text) = input;
    for finding in caredesk::text::pii::detect(text) {
        assert!(finding.start < finding.end && finding.end <= text.len());
        assert!(text.is_char_boundary(finding.start) && text.is_char_boundary(finding.end));
    }
    let message = InboundMessage::new(
        ChannelRef::new(ChannelKind::X, "@KLM"),
        "1",
        Identity::new(ChannelKind::X, "@fuzz"),
        if private {
            Visibility::Private
        } else {
            Visibility::Public
        },
        text,
        caredesk_fuzz::start(),
    );
    let mut triage = triage().lock().unwrap_or_else(|p| p.into_inner());
    let verdict = triage.classify(&message, &TriageContext::default());
    for finding in &verdict.pii {
        assert!(
            finding.start < finding.end && finding.end <= text.len(),
            "{finding:?}"
        );
        assert!(
            text.is_char_boundary(finding.start) && text.is_char_boundary(finding.end),
            "{finding:?} splits a char"
        );
    }
    assert!(verdict.sentiment.is_finite() && (-1.0..=1.0).contains(&verdict.sentiment));
    assert!(
        verdict.language_confidence.is_finite()
            && (0.0..=1.0).contains(&verdict.language_confidence)
    );
    let redacted = caredesk::text::pii::redact(text, &verdict.pii);
    let _ = redacted.len();
});
