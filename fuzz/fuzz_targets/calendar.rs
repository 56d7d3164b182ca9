//! Business calendars from foreign JSON: the deadline request lines of
//! `examples/sla_deadline.rs` and the calendar's own JSON form. Nothing may
//! panic; a calendar that parses answers deadlines that are never before
//! the start, and survives a JSON round trip.
#![no_main]

use caredesk::calendar::json::{answer_line, DeadlineRequest};
use caredesk::calendar::BusinessCalendar;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let answer = answer_line(text);
    let value: serde_json::Value =
        serde_json::from_str(&answer).expect("answer_line always writes JSON");
    assert!(value.get("deadline").is_some() != value.get("error").is_some());
    if let Ok(request) = DeadlineRequest::from_json(text) {
        if let Ok(deadline) = request.deadline() {
            assert!(deadline >= request.start, "deadline before the start");
        }
    }
    if let Ok(calendar) = serde_json::from_str::<BusinessCalendar>(text) {
        let json = serde_json::to_string(&calendar).expect("a calendar serialises");
        let back: BusinessCalendar =
            serde_json::from_str(&json).expect("a serialised calendar reads back");
        assert_eq!(back, calendar);
        let start = caredesk_fuzz::start();
        let _ = calendar.next_open(start);
        let _ = calendar.add_business_time(start, chrono::Duration::hours(30));
    }
});
