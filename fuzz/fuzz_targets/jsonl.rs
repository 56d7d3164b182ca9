//! The JSON-lines front ends on foreign lines: triage
//! (`examples/triage.rs`), SLA deadlines (`examples/sla_deadline.rs`) and
//! staffing (`examples/staffing.rs`). No panic; every answer is one line of
//! JSON; triage spans are on char boundaries of the line's text.
#![no_main]

use caredesk::staffing::StaffingRequest;
use caredesk::triage::jsonl::JsonlSession;
use caredesk::triage::{Triage, TriageSettings};
use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};

fn session() -> &'static Mutex<JsonlSession> {
    static SESSION: OnceLock<Mutex<JsonlSession>> = OnceLock::new();
    SESSION.get_or_init(|| {
        Mutex::new(JsonlSession::new(
            Triage::new(TriageSettings::default()).expect("default triage settings are valid"),
        ))
    })
}

fn one_json_line(text: &str) -> serde_json::Value {
    assert!(!text.contains('\n'), "answer spans lines: {text}");
    serde_json::from_str(text).expect("answers are JSON")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut session = session().lock().unwrap_or_else(|p| p.into_inner());
    for line in text.lines() {
        if let Some(out) = session.process_line(line) {
            let value = one_json_line(&out);
            if let (Some(pii), Ok(input)) = (
                value.get("pii").and_then(|p| p.as_array()),
                serde_json::from_str::<serde_json::Value>(line),
            ) {
                let body = input.get("text").and_then(|t| t.as_str()).unwrap_or("");
                for span in pii {
                    let start = span["start"].as_u64().unwrap_or(0) as usize;
                    let end = span["end"].as_u64().unwrap_or(0) as usize;
                    assert!(start < end && end <= body.len());
                    assert!(body.is_char_boundary(start) && body.is_char_boundary(end));
                }
            }
        }
        one_json_line(&caredesk::calendar::json::answer_line(line));
        if let Ok(request) = serde_json::from_str::<StaffingRequest>(line) {
            if let Ok(requirement) = request.solve() {
                let json = serde_json::to_string(&requirement).expect("a requirement serialises");
                one_json_line(&json);
            }
        }
    }
});
