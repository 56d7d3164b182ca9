//! Properties of business calendars, and the JSON lines of `sla_deadline`.

use caredesk::calendar::json::answer_line;
use caredesk::calendar::BusinessCalendar;
use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday::*};
use proptest::prelude::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// A few calendars with clock changes, split shifts, night shifts and holidays.
fn calendars() -> Vec<BusinessCalendar> {
    let weekdays = [Mon, Tue, Wed, Thu, Fri];
    vec![
        BusinessCalendar::builder("Europe/Amsterdam")
            .open_on(&weekdays, "08:00", "12:00")
            .open_on(&weekdays, "13:00", "17:00")
            .holiday(date("2026-04-06"))
            .holiday(date("2026-12-25"))
            .partial_holiday(date("2026-12-24"), &[("08:00", "12:00")])
            .build()
            .unwrap(),
        BusinessCalendar::builder("Australia/Sydney")
            .open_on(&weekdays, "09:00", "17:00")
            .overnight(Fri, "22:00", "06:00")
            .overnight(Sat, "22:00", "00:30")
            .open(Sun, "01:00", "04:00")
            .holiday(date("2026-10-05"))
            .build()
            .unwrap(),
        BusinessCalendar::builder("America/New_York")
            .open_on(&[Mon, Wed, Fri], "00:00", "24:00")
            .open(Sun, "02:00", "03:00")
            .open(Sun, "03:00", "05:30")
            .build()
            .unwrap(),
    ]
}

fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

// 2025-01-01 to 2028-01-01: several years of clock changes.
const FROM: i64 = 1_735_689_600;
const TO: i64 = 1_830_297_600;

proptest! {
    #[test]
    fn business_time_from_start_to_deadline_is_the_duration(
        which in 0usize..3,
        start in FROM..TO,
        seconds in 0i64..30 * 86_400,
    ) {
        let calendar = &calendars()[which];
        let (start, duration) = (instant(start), Duration::seconds(seconds));
        let deadline = calendar.add_business_time(start, duration).unwrap();
        prop_assert_eq!(calendar.business_time_between(start, deadline), duration);
        // The deadline is never before the counting start, and the counting
        // start is `start` exactly when the calendar is open then.
        let counting_start = calendar.add_business_time(start, Duration::zero()).unwrap();
        prop_assert!(deadline >= counting_start);
        prop_assert_eq!(counting_start == start, calendar.is_open(start));
        prop_assert_eq!(Some(counting_start), calendar.next_open(start));
    }

    #[test]
    fn deadline_never_moves_earlier_when_the_duration_grows(
        which in 0usize..3,
        start in FROM..TO,
        shorter in 0i64..15 * 86_400,
        extra in 0i64..15 * 86_400,
    ) {
        let calendar = &calendars()[which];
        let start = instant(start);
        let near = calendar.add_business_time(start, Duration::seconds(shorter)).unwrap();
        let far = calendar.add_business_time(start, Duration::seconds(shorter + extra)).unwrap();
        prop_assert!(near <= far);
        // And the extra time is exactly the business time between them.
        prop_assert_eq!(calendar.business_time_between(near, far), Duration::seconds(extra));
    }

    #[test]
    fn a_deadline_is_inside_or_at_the_end_of_open_time(
        which in 0usize..3,
        start in FROM..TO,
        seconds in 1i64..20 * 86_400,
    ) {
        let calendar = &calendars()[which];
        let deadline = calendar.add_business_time(instant(start), Duration::seconds(seconds)).unwrap();
        // The second before a positive deadline is always open time.
        prop_assert!(calendar.is_open(deadline - Duration::seconds(1)));
    }
}

#[test]
fn sample_line_from_the_issue() {
    let line = r#"{"tz":"Europe/Amsterdam","weekly":{"mon":[["08:00","12:00"],["13:00","17:00"]],"tue":[["08:00","12:00"],["13:00","17:00"]],"wed":[["08:00","12:00"],["13:00","17:00"]],"thu":[["08:00","12:00"],["13:00","17:00"]],"fri":[["08:00","12:00"],["13:00","17:00"]]},"holidays":["2026-12-25"],"start":"2026-03-27T16:30:00Z","minutes":600}"#;
    // Friday 17:30 CET is closed; Monday 30 March 08:00 CEST plus 10 hours
    // of business time is Tuesday 10:00 CEST.
    assert_eq!(answer_line(line), r#"{"deadline":"2026-03-31T08:00:00Z"}"#);
}

#[test]
fn worked_example_from_the_issue() {
    let line = r#"{"tz":"Europe/Amsterdam","weekly":{"mon":[["08:00","12:00"],["13:00","17:00"]],"tue":[["08:00","12:00"],["13:00","17:00"]]},"start":"2026-06-01T06:00:00Z","minutes":480}"#;
    assert_eq!(answer_line(line), r#"{"deadline":"2026-06-01T15:00:00Z"}"#);
}

#[test]
fn bad_case_gives_an_error_line() {
    let line = r#"{"tz":"Europe/Amsterdam","weekly":{"mon":[["08:00","12:00"],["11:00","17:00"]]},"start":"2026-06-01T06:00:00Z","minutes":480}"#;
    assert_eq!(
        answer_line(line),
        r#"{"error":"intervals overlap: mon 08:00-12:00 and mon 11:00-17:00"}"#
    );
}
