use super::zone::map_exact;
use super::*;
use chrono::Weekday::*;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn hours(h: i64) -> Duration {
    Duration::hours(h)
}

const WEEKDAYS_ONLY: [Weekday; 5] = [Mon, Tue, Wed, Thu, Fri];
const EVERY_DAY: [Weekday; 7] = [Mon, Tue, Wed, Thu, Fri, Sat, Sun];

/// Mon–Fri 08:00–12:00 and 13:00–17:00.
fn office(tz: &str) -> BusinessCalendar {
    BusinessCalendar::builder(tz)
        .open_on(&WEEKDAYS_ONLY, "08:00", "12:00")
        .open_on(&WEEKDAYS_ONLY, "13:00", "17:00")
        .build()
        .unwrap()
}

fn daily(tz: &str, open: &str, close: &str) -> BusinessCalendar {
    BusinessCalendar::builder(tz)
        .open_on(&EVERY_DAY, open, close)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------- deadlines

#[test]
fn split_shift_skips_the_lunch_break() {
    let calendar = office("Europe/Amsterdam");
    // Monday 08:00 CEST.
    let deadline = calendar.add_business_time(at("2026-06-01T06:00:00Z"), Duration::minutes(480));
    assert_eq!(deadline, Ok(at("2026-06-01T15:00:00Z")));
}

#[test]
fn deadline_may_be_exactly_a_closing_time() {
    let calendar = office("Europe/Amsterdam");
    let deadline = calendar.add_business_time(at("2026-06-01T06:00:00Z"), hours(4));
    assert_eq!(deadline, Ok(at("2026-06-01T10:00:00Z")));
}

#[test]
fn counting_starts_at_next_opening_when_closed() {
    // The issue's sample: Friday 17:30 CET is closed; Monday 30 March is
    // already summer time. 600 minutes = Monday's 8 hours + Tuesday 08–10.
    let calendar = office("Europe/Amsterdam");
    let deadline = calendar.add_business_time(at("2026-03-27T16:30:00Z"), Duration::minutes(600));
    assert_eq!(deadline, Ok(at("2026-03-31T08:00:00Z")));
}

#[test]
fn zero_duration_gives_the_counting_start() {
    let calendar = office("Europe/Amsterdam");
    // Open at Monday 09:00: the start itself.
    assert_eq!(
        calendar.add_business_time(at("2026-06-01T07:00:00Z"), Duration::zero()),
        Ok(at("2026-06-01T07:00:00Z"))
    );
    // Lunch: the afternoon opening.
    assert_eq!(
        calendar.add_business_time(at("2026-06-01T10:30:00Z"), Duration::zero()),
        Ok(at("2026-06-01T11:00:00Z"))
    );
}

#[test]
fn subsecond_start_and_duration_are_kept() {
    let calendar = office("UTC");
    let start = at("2026-06-01T08:00:00.250Z");
    let deadline = calendar.add_business_time(start, Duration::milliseconds(1500));
    assert_eq!(deadline, Ok(at("2026-06-01T08:00:01.750Z")));
}

#[test]
fn long_durations_skip_weeks_and_still_land_exactly() {
    let calendar = office("UTC");
    // 52 weeks of 40 hours from Monday 08:00 ends at the Friday 17:00 before
    // Monday 2027-05-31.
    let start = at("2026-06-01T08:00:00Z");
    let deadline = calendar.add_business_time(start, hours(52 * 40)).unwrap();
    assert_eq!(deadline, at("2027-05-28T17:00:00Z"));
    assert_eq!(
        calendar.business_time_between(start, deadline),
        hours(52 * 40)
    );
    // One more second opens the next Monday.
    let later = calendar.add_business_time(start, hours(52 * 40) + Duration::seconds(1));
    assert_eq!(later, Ok(at("2027-05-31T08:00:01Z")));
}

#[test]
fn long_durations_across_clock_changes_match_the_day_by_day_count() {
    let calendar = office("Europe/Amsterdam");
    let start = at("2026-01-05T07:00:00Z");
    // Two years of 40-hour weeks, crossing four clock changes.
    let deadline = calendar.add_business_time(start, hours(104 * 40)).unwrap();
    // Monday 2026-01-05 + 104 weeks = Monday 2028-01-03; the last hour
    // ends on the Friday before, 17:00 CET.
    assert_eq!(deadline, at("2027-12-31T16:00:00Z"));
}

// ------------------------------------------------------------ clock changes

fn local_midnight(tz: &str, day: &str) -> DateTime<Utc> {
    let tz: Tz = tz.parse().unwrap();
    let l = date(day)
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    DateTime::from_timestamp(map_exact(tz, l).unwrap(), 0).unwrap()
}

fn open_time_on(calendar: &BusinessCalendar, tz: &str, day: &str) -> Duration {
    let next = date(day).succ_opt().unwrap().to_string();
    calendar.business_time_between(local_midnight(tz, day), local_midnight(tz, &next))
}

#[test]
fn nine_to_five_is_eight_hours_on_clock_change_days() {
    for (tz, days) in [
        ("Europe/Amsterdam", ["2026-03-29", "2026-10-25"]),
        ("America/New_York", ["2026-03-08", "2026-11-01"]),
        // Southern hemisphere: summer time starts in October, ends in April.
        ("Australia/Sydney", ["2026-10-04", "2026-04-05"]),
    ] {
        let calendar = daily(tz, "09:00", "17:00");
        for day in days {
            assert_eq!(open_time_on(&calendar, tz, day), hours(8), "{tz} {day}");
        }
    }
}

#[test]
fn whole_day_is_23_or_25_hours_on_clock_change_days() {
    let calendar = daily("Europe/Amsterdam", "00:00", "24:00");
    assert_eq!(
        open_time_on(&calendar, "Europe/Amsterdam", "2026-03-29"),
        hours(23)
    );
    assert_eq!(
        open_time_on(&calendar, "Europe/Amsterdam", "2026-10-25"),
        hours(25)
    );
}

#[test]
fn spring_forward_shortens_intervals_over_the_gap() {
    // Amsterdam, Sunday 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC).
    let tz = "Europe/Amsterdam";
    assert_eq!(
        open_time_on(&daily(tz, "01:00", "04:00"), tz, "2026-03-29"),
        hours(2)
    );
    assert_eq!(
        open_time_on(&daily(tz, "02:00", "03:00"), tz, "2026-03-29"),
        Duration::zero()
    );
    assert_eq!(
        open_time_on(&daily(tz, "02:30", "04:00"), tz, "2026-03-29"),
        hours(1)
    );
    // The interval inside the gap is simply closed that day.
    let calendar = daily(tz, "02:00", "03:00");
    assert_eq!(
        calendar.next_open(at("2026-03-29T00:30:00Z")),
        Some(at("2026-03-30T00:00:00Z"))
    );
    // A time in the gap opens at the first instant after it.
    assert_eq!(
        daily(tz, "02:30", "04:00").next_open(at("2026-03-28T23:00:00Z")),
        Some(at("2026-03-29T01:00:00Z"))
    );
}

#[test]
fn fall_back_lengthens_intervals_over_the_repeated_hour() {
    // Amsterdam, Sunday 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00 UTC).
    let tz = "Europe/Amsterdam";
    assert_eq!(
        open_time_on(&daily(tz, "01:00", "04:00"), tz, "2026-10-25"),
        hours(4)
    );
    // Inside the repeated hour, only the first occurrence is open.
    let calendar = daily(tz, "02:00", "02:30");
    assert!(calendar.is_open(at("2026-10-25T00:15:00Z")));
    assert!(!calendar.is_open(at("2026-10-25T01:15:00Z")));
    assert_eq!(
        open_time_on(&calendar, tz, "2026-10-25"),
        Duration::minutes(30)
    );
}

#[test]
fn office_week_across_spring_forward_is_forty_hours() {
    let calendar = office("Europe/Amsterdam");
    // Friday 2026-03-27 08:00 CET to the following Friday 08:00 CEST.
    let (start, end) = (at("2026-03-27T07:00:00Z"), at("2026-04-03T06:00:00Z"));
    assert_eq!(calendar.business_time_between(start, end), hours(40));
    assert_eq!(
        calendar.add_business_time(start, hours(40)),
        Ok(at("2026-04-02T15:00:00Z"))
    );
}

#[test]
fn sydney_summer_time_starts_in_october() {
    let calendar = office("Australia/Sydney");
    // Friday 2026-10-02 16:00 AEST (+10) plus 2 hours: Monday 09:00 AEDT (+11).
    let deadline = calendar.add_business_time(at("2026-10-02T06:00:00Z"), hours(2));
    assert_eq!(deadline, Ok(at("2026-10-04T22:00:00Z")));
    // And ends in April: Friday 2026-04-03 16:00 AEDT plus 2 hours is
    // Monday 09:00 AEST.
    let deadline = calendar.add_business_time(at("2026-04-03T05:00:00Z"), hours(2));
    assert_eq!(deadline, Ok(at("2026-04-05T23:00:00Z")));
}

#[test]
fn new_york_deadline_across_spring_forward() {
    let calendar = office("America/New_York");
    // Friday 2026-03-06 16:00 EST plus 2 hours: Monday 09:00 EDT.
    let deadline = calendar.add_business_time(at("2026-03-06T21:00:00Z"), hours(2));
    assert_eq!(deadline, Ok(at("2026-03-09T13:00:00Z")));
    // Fall back: Friday 2026-10-30 16:00 EDT plus 2 hours: Monday 09:00 EST.
    let deadline = calendar.add_business_time(at("2026-10-30T20:00:00Z"), hours(2));
    assert_eq!(deadline, Ok(at("2026-11-02T14:00:00Z")));
}

#[test]
fn closing_at_24_is_the_next_local_midnight_on_clock_change_days() {
    // Santiago changes clocks at midnight. 2026-04-05 00:00 (-03) goes back
    // to 2026-04-04 23:00 (-04): Saturday 20:00-24:00 lasts 5 real hours.
    let tz = "America/Santiago";
    let calendar = BusinessCalendar::builder(tz)
        .open(Sat, "20:00", "24:00")
        .build()
        .unwrap();
    assert_eq!(open_time_on(&calendar, tz, "2026-04-04"), hours(5));
    // 2026-09-06 00:00 (-04) jumps to 01:00 (-03): midnight does not exist
    // and 24:00 is the first instant after the gap; still 4 real hours.
    let saturday_8pm = at("2026-09-06T00:00:00Z");
    assert_eq!(
        calendar.next_close(saturday_8pm),
        Some(at("2026-09-06T04:00:00Z"))
    );
}

// ---------------------------------------------------------------- intervals

#[test]
fn interval_crossing_midnight_closes_next_morning() {
    let calendar = BusinessCalendar::builder("UTC")
        .overnight(Mon, "22:00", "06:00")
        .build()
        .unwrap();
    let (monday_8pm, tuesday_noon) = (at("2026-06-01T20:00:00Z"), at("2026-06-02T12:00:00Z"));
    assert_eq!(
        calendar.business_time_between(monday_8pm, tuesday_noon),
        hours(8)
    );
    assert!(calendar.is_open(at("2026-06-02T05:59:59Z")));
    assert!(!calendar.is_open(at("2026-06-02T06:00:00Z")));
    assert_eq!(
        calendar.next_close(at("2026-06-01T23:00:00Z")),
        Some(at("2026-06-02T06:00:00Z"))
    );
    assert_eq!(
        calendar.add_business_time(monday_8pm, hours(3)),
        Ok(at("2026-06-02T01:00:00Z"))
    );
}

#[test]
fn sunday_night_shift_runs_into_monday() {
    let calendar = BusinessCalendar::builder("Europe/Amsterdam")
        .overnight(Sun, "22:00", "06:00")
        .build()
        .unwrap();
    // Monday 2026-06-01 05:00 CEST is inside Sunday's shift.
    assert!(calendar.is_open(at("2026-06-01T03:00:00Z")));
    assert_eq!(
        calendar.next_close(at("2026-06-01T03:00:00Z")),
        Some(at("2026-06-01T04:00:00Z"))
    );
}

#[test]
fn holiday_on_the_next_date_does_not_cut_a_night_shift() {
    let calendar = BusinessCalendar::builder("UTC")
        .overnight(Fri, "22:00", "06:00")
        .holiday(date("2026-06-06"))
        .build()
        .unwrap();
    assert!(calendar.is_open(at("2026-06-06T05:00:00Z")));
    // But a holiday on the Friday itself removes the shift.
    let calendar = BusinessCalendar::builder("UTC")
        .overnight(Fri, "22:00", "06:00")
        .holiday(date("2026-06-05"))
        .build()
        .unwrap();
    assert!(!calendar.is_open(at("2026-06-06T05:00:00Z")));
}

#[test]
fn touching_intervals_make_one_open_stretch() {
    let calendar = BusinessCalendar::builder("UTC")
        .open(Mon, "20:00", "24:00")
        .open(Tue, "00:00", "04:00")
        .build()
        .unwrap();
    assert!(calendar.is_open(at("2026-06-02T00:00:00Z")));
    assert_eq!(
        calendar.next_close(at("2026-06-01T21:00:00Z")),
        Some(at("2026-06-02T04:00:00Z"))
    );
    assert_eq!(
        calendar.add_business_time(at("2026-06-01T20:00:00Z"), hours(6)),
        Ok(at("2026-06-02T02:00:00Z"))
    );
}

#[test]
fn closed_days_are_skipped() {
    let calendar = office("UTC");
    // Friday 16:00 plus 2 hours: Monday 09:00.
    let deadline = calendar.add_business_time(at("2026-06-05T16:00:00Z"), hours(2));
    assert_eq!(deadline, Ok(at("2026-06-08T09:00:00Z")));
}

#[test]
fn is_open_includes_the_opening_instant_but_not_the_closing_one() {
    let calendar = office("UTC");
    assert!(calendar.is_open(at("2026-06-01T08:00:00Z")));
    assert!(!calendar.is_open(at("2026-06-01T07:59:59Z")));
    assert!(!calendar.is_open(at("2026-06-01T12:00:00Z")));
    assert!(calendar.is_open(at("2026-06-01T11:59:59.999Z")));
}

#[test]
fn next_open_and_next_close_are_at_itself_in_the_matching_state() {
    let calendar = office("UTC");
    let open = at("2026-06-01T09:00:00Z");
    let closed = at("2026-06-01T12:30:00Z");
    assert_eq!(calendar.next_open(open), Some(open));
    assert_eq!(calendar.next_close(open), Some(at("2026-06-01T12:00:00Z")));
    assert_eq!(calendar.next_open(closed), Some(at("2026-06-01T13:00:00Z")));
    assert_eq!(calendar.next_close(closed), Some(closed));
}

#[test]
fn business_time_between_is_negative_when_reversed() {
    let calendar = office("UTC");
    let (a, b) = (at("2026-06-01T11:00:00Z"), at("2026-06-02T09:00:00Z"));
    assert_eq!(calendar.business_time_between(a, b), hours(6));
    assert_eq!(calendar.business_time_between(b, a), hours(-6));
    assert_eq!(calendar.business_time_between(a, a), Duration::zero());
}

// ----------------------------------------------------------------- holidays

#[test]
fn whole_day_holiday_closes_the_local_date() {
    let calendar = BusinessCalendar::builder("Europe/Amsterdam")
        .open_on(&WEEKDAYS_ONLY, "08:00", "12:00")
        .open_on(&WEEKDAYS_ONLY, "13:00", "17:00")
        .holiday(date("2026-12-25"))
        .build()
        .unwrap();
    // Thursday 2026-12-24 16:00 CET plus 2 hours skips Christmas Friday.
    let deadline = calendar.add_business_time(at("2026-12-24T15:00:00Z"), hours(2));
    assert_eq!(deadline, Ok(at("2026-12-28T08:00:00Z")));
    assert!(!calendar.is_open(at("2026-12-25T09:00:00Z")));
}

#[test]
fn partial_holiday_opens_only_in_its_own_hours() {
    let calendar = BusinessCalendar::builder("UTC")
        .open_on(&WEEKDAYS_ONLY, "08:00", "17:00")
        .partial_holiday(date("2026-12-24"), &[("09:00", "12:00")])
        .build()
        .unwrap();
    assert!(!calendar.is_open(at("2026-12-24T08:30:00Z")));
    assert!(calendar.is_open(at("2026-12-24T11:00:00Z")));
    assert!(!calendar.is_open(at("2026-12-24T13:00:00Z")));
    let day =
        calendar.business_time_between(at("2026-12-24T00:00:00Z"), at("2026-12-25T00:00:00Z"));
    assert_eq!(day, hours(3));
}

#[test]
fn partial_holiday_may_open_on_a_closed_weekday() {
    let calendar = BusinessCalendar::builder("UTC")
        .partial_holiday(date("2026-06-06"), &[("10:00", "12:00")])
        .build()
        .unwrap();
    assert_eq!(
        calendar.add_business_time(at("2026-06-01T00:00:00Z"), hours(1)),
        Ok(at("2026-06-06T11:00:00Z"))
    );
    // After its only open day, nothing is left.
    assert_eq!(
        calendar.add_business_time(at("2026-06-01T00:00:00Z"), hours(3)),
        Err(CalendarError::NoOpenTime)
    );
    assert_eq!(calendar.next_open(at("2026-06-07T00:00:00Z")), None);
}

#[test]
fn holidays_in_a_long_run_are_all_honoured() {
    let calendar = BusinessCalendar::builder("UTC")
        .open_on(&WEEKDAYS_ONLY, "09:00", "17:00")
        .holiday(date("2026-06-15"))
        .holiday(date("2026-09-07"))
        .build()
        .unwrap();
    let start = at("2026-06-01T09:00:00Z");
    // 30 weeks of 40 hours, minus two holidays: two more days at the end.
    let deadline = calendar.add_business_time(start, hours(30 * 40)).unwrap();
    assert_eq!(deadline, at("2026-12-29T17:00:00Z"));
    assert_eq!(
        calendar.business_time_between(start, deadline),
        hours(30 * 40)
    );
}

// ------------------------------------------------------------- always open

#[test]
fn always_open_counts_real_time() {
    let calendar = BusinessCalendar::always_open();
    let start = at("2026-03-29T00:30:00Z");
    assert_eq!(
        calendar.add_business_time(start, hours(100)),
        Ok(start + hours(100))
    );
    assert_eq!(
        calendar.business_time_between(start, start + hours(7)),
        hours(7)
    );
    assert!(calendar.is_open(start));
    assert_eq!(calendar.next_open(start), Some(start));
    assert_eq!(calendar.next_close(start), None);
}

#[test]
fn full_weekly_hours_in_a_dst_zone_count_real_time() {
    let calendar = daily("Europe/Amsterdam", "00:00", "24:00");
    let start = at("2026-03-27T12:00:00Z");
    assert_eq!(
        calendar.add_business_time(start, hours(72)),
        Ok(start + hours(72))
    );
    assert_eq!(calendar.next_close(start), None);
}

#[test]
fn full_week_with_a_holiday_closes_on_it() {
    let calendar = BusinessCalendar::builder("UTC")
        .open_on(&EVERY_DAY, "00:00", "24:00")
        .holiday(date("2026-06-10"))
        .build()
        .unwrap();
    assert_eq!(
        calendar.next_close(at("2026-06-01T00:00:00Z")),
        Some(at("2026-06-10T00:00:00Z"))
    );
    assert_eq!(calendar.next_close(at("2026-06-11T00:00:00Z")), None);
}

// ------------------------------------------------------------------- errors

#[test]
fn calendar_with_no_open_time_cannot_count() {
    let calendar = BusinessCalendar::builder("UTC").build().unwrap();
    let start = at("2026-06-01T00:00:00Z");
    assert_eq!(
        calendar.add_business_time(start, hours(1)),
        Err(CalendarError::NoOpenTime)
    );
    assert_eq!(
        calendar.add_business_time(start, Duration::zero()),
        Err(CalendarError::NoOpenTime)
    );
    assert!(!calendar.is_open(start));
    assert_eq!(calendar.next_open(start), None);
    assert_eq!(calendar.next_close(start), Some(start));
    assert_eq!(
        calendar.business_time_between(start, start + hours(1000)),
        Duration::zero()
    );
}

#[test]
fn overlapping_intervals_are_an_error() {
    let result = BusinessCalendar::builder("UTC")
        .open(Mon, "08:00", "12:00")
        .open(Mon, "11:00", "13:00")
        .build();
    assert_eq!(
        result,
        Err(CalendarError::Overlap {
            first: "mon 08:00-12:00".into(),
            second: "mon 11:00-13:00".into()
        })
    );
}

#[test]
fn night_shift_running_into_next_days_first_interval_is_an_overlap() {
    let result = BusinessCalendar::builder("UTC")
        .overnight(Mon, "22:00", "06:00")
        .open(Tue, "05:00", "09:00")
        .build();
    assert_eq!(
        result,
        Err(CalendarError::Overlap {
            first: "mon 22:00-06:00".into(),
            second: "tue 05:00-09:00".into()
        })
    );
    // Sunday's shift wraps into Monday.
    let result = BusinessCalendar::builder("UTC")
        .overnight(Sun, "22:00", "06:00")
        .open(Mon, "05:00", "09:00")
        .build();
    assert_eq!(
        result,
        Err(CalendarError::Overlap {
            first: "sun 22:00-06:00".into(),
            second: "mon 05:00-09:00".into()
        })
    );
    // Touching is fine.
    let result = BusinessCalendar::builder("UTC")
        .overnight(Sun, "22:00", "06:00")
        .open(Mon, "06:00", "09:00")
        .build();
    assert!(result.is_ok());
}

#[test]
fn partial_holiday_overlapping_a_night_shift_is_an_error() {
    let result = BusinessCalendar::builder("UTC")
        .overnight(Mon, "22:00", "06:00")
        .partial_holiday(date("2026-06-02"), &[("05:00", "07:00")])
        .build();
    assert_eq!(
        result,
        Err(CalendarError::Overlap {
            first: "2026-06-01 22:00-06:00".into(),
            second: "2026-06-02 05:00-07:00".into()
        })
    );
}

#[test]
fn end_before_start_is_an_error_unless_declared_overnight() {
    let result = BusinessCalendar::builder("UTC")
        .open(Mon, "17:00", "09:00")
        .build();
    assert_eq!(
        result,
        Err(CalendarError::EndBeforeStart {
            open: "17:00".into(),
            close: "09:00".into()
        })
    );
    let result = BusinessCalendar::builder("UTC")
        .overnight(Mon, "09:00", "17:00")
        .build();
    assert!(matches!(result, Err(CalendarError::NotOvernight { .. })));
}

#[test]
fn unknown_zone_is_an_error() {
    assert_eq!(
        BusinessCalendar::builder("Europe/Atlantis").build(),
        Err(CalendarError::UnknownTimeZone {
            name: "Europe/Atlantis".into()
        })
    );
}

#[test]
fn malformed_time_in_builder_is_an_error() {
    let result = BusinessCalendar::builder("UTC")
        .open(Mon, "8am", "12:00")
        .build();
    assert_eq!(
        result,
        Err(CalendarError::InvalidTimeOfDay { text: "8am".into() })
    );
}

#[test]
fn duplicate_holiday_is_an_error() {
    let result = BusinessCalendar::builder("UTC")
        .holiday(date("2026-12-25"))
        .partial_holiday(date("2026-12-25"), &[("09:00", "12:00")])
        .build();
    assert_eq!(
        result,
        Err(CalendarError::DuplicateHoliday {
            date: date("2026-12-25")
        })
    );
}

#[test]
fn negative_duration_is_an_error() {
    let calendar = office("UTC");
    assert_eq!(
        calendar.add_business_time(at("2026-06-01T08:00:00Z"), hours(-1)),
        Err(CalendarError::NegativeDuration)
    );
}

#[test]
fn results_past_the_end_of_time_are_out_of_range() {
    let calendar = office("UTC");
    let late = DateTime::<Utc>::MAX_UTC - Duration::days(3);
    assert_eq!(
        calendar.add_business_time(late, hours(100)),
        Err(CalendarError::OutOfRange)
    );
    assert_eq!(
        BusinessCalendar::always_open().add_business_time(late, Duration::days(4)),
        Err(CalendarError::OutOfRange)
    );
    assert_eq!(
        calendar.add_business_time(at("2026-06-01T08:00:00Z"), Duration::MAX),
        Err(CalendarError::OutOfRange)
    );
}

#[test]
fn extreme_instants_do_not_panic() {
    let calendar = office("Europe/Amsterdam");
    for instant in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        let _ = calendar.is_open(instant);
        let _ = calendar.next_open(instant);
        let _ = calendar.next_close(instant);
        let _ = calendar.add_business_time(instant, hours(1));
        let near = instant
            .checked_sub_signed(Duration::days(10))
            .or(instant.checked_add_signed(Duration::days(10)));
        let _ = calendar.business_time_between(instant, near.unwrap());
        let _ = calendar.business_time_between(near.unwrap(), instant);
    }
}

// -------------------------------------------------------------------- serde

#[test]
fn json_form_round_trips_and_reads_well() {
    let calendar = BusinessCalendar::builder("Europe/Amsterdam")
        .open(Mon, "13:00", "17:00")
        .open(Mon, "08:00", "12:00")
        .overnight(Sat, "22:00", "06:00")
        .holiday(date("2026-12-25"))
        .partial_holiday(date("2026-12-24"), &[("08:00", "12:00")])
        .build()
        .unwrap();
    let json = serde_json::to_string(&calendar).unwrap();
    assert_eq!(
        json,
        r#"{"tz":"Europe/Amsterdam","weekly":{"mon":[["08:00","12:00"],["13:00","17:00"]],"sat":[["22:00","06:00"]]},"holidays":[{"date":"2026-12-24","hours":[["08:00","12:00"]]},"2026-12-25"]}"#
    );
    let back: BusinessCalendar = serde_json::from_str(&json).unwrap();
    assert_eq!(back, calendar);
}

#[test]
fn json_form_is_validated() {
    let overlapping = r#"{"tz":"UTC","weekly":{"mon":[["08:00","12:00"],["11:00","13:00"]]}}"#;
    let error = serde_json::from_str::<BusinessCalendar>(overlapping).unwrap_err();
    assert!(error.to_string().contains("intervals overlap"), "{error}");
    let unknown = r#"{"tz":"Nowhere/City","weekly":{}}"#;
    assert!(serde_json::from_str::<BusinessCalendar>(unknown).is_err());
}

// ------------------------------------------------- differential (reference)

/// A stateless reference: every open interval, date by date, straight from
/// chrono-tz, for local dates in `[first, first + days)`.
fn reference_intervals(
    calendar: &BusinessCalendar,
    first: NaiveDate,
    days: i64,
) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for shift in 0..days {
        let day = first + Duration::days(shift);
        let hours = match calendar.holidays().iter().find(|h| h.date == day) {
            Some(holiday) => &holiday.hours[..],
            None => calendar.weekly_hours().day(day.weekday()),
        };
        let midnight = day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        for interval in hours {
            let a = map_exact(
                calendar.time_zone(),
                midnight + i64::from(interval.open().seconds()),
            )
            .unwrap();
            let b = map_exact(
                calendar.time_zone(),
                midnight + i64::from(interval.close_offset()),
            )
            .unwrap();
            if b > a {
                out.push((a, b));
            }
        }
    }
    out.sort_unstable();
    out
}

fn reference_add(intervals: &[(i64, i64)], start: i64, mut remaining: i64) -> Option<i64> {
    for &(a, b) in intervals {
        if b <= start {
            continue;
        }
        let a = a.max(start);
        if b - a >= remaining {
            return Some(a + remaining);
        }
        remaining -= b - a;
    }
    None
}

fn reference_between(intervals: &[(i64, i64)], from: i64, to: i64) -> i64 {
    intervals
        .iter()
        .map(|&(a, b)| (b.min(to) - a.max(from)).max(0))
        .sum()
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_calendar(rng: &mut XorShift, tz: &str) -> Option<BusinessCalendar> {
    let mut weekly = WeeklyHours::default();
    for day in EVERY_DAY {
        // Boundaries on a 30-minute grid, with some at 02:00-03:00 to meet
        // the clock changes, and sometimes a last interval crossing midnight.
        let count = rng.below(4) as usize;
        let mut points: Vec<u32> = (0..count * 2)
            .map(|_| rng.below(49) as u32 * 1800)
            .collect();
        points.sort_unstable();
        points.dedup();
        for pair in points.chunks_exact(2) {
            let open = TimeOfDay::hms(pair[0] / 3600, pair[0] / 60 % 60, 0).ok()?;
            let close = TimeOfDay::hms(pair[1] / 3600, pair[1] / 60 % 60, 0).ok()?;
            weekly
                .day_mut(day)
                .push(OpenInterval::new(open, close).ok()?);
        }
        if rng.below(5) == 0 {
            let open = TimeOfDay::hms(20 + rng.below(4) as u32, 0, 0).ok()?;
            let close = TimeOfDay::hms(rng.below(5) as u32, 30, 0).ok()?;
            weekly
                .day_mut(day)
                .push(OpenInterval::overnight(open, close).ok()?);
        }
    }
    let mut holidays = Vec::new();
    for _ in 0..rng.below(6) {
        let day = date("2026-01-01") + Duration::days(rng.below(730) as i64);
        if rng.below(3) == 0 {
            let open = TimeOfDay::hms(rng.below(12) as u32, 0, 0).ok()?;
            let close = TimeOfDay::hms(12 + rng.below(12) as u32, 0, 0).ok()?;
            holidays.push(Holiday::partial(
                day,
                vec![OpenInterval::new(open, close).ok()?],
            ));
        } else {
            holidays.push(Holiday::closed(day));
        }
    }
    BusinessCalendar::new(tz, weekly, holidays).ok()
}

#[test]
fn walk_agrees_with_a_day_by_day_reference_on_random_calendars() {
    let zones = [
        "Europe/Amsterdam",
        "America/New_York",
        "Australia/Sydney",
        "America/Santiago",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "UTC",
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0;
    while checked < 400 {
        let tz = zones[rng.below(zones.len() as u64) as usize];
        let Some(calendar) = random_calendar(&mut rng, tz) else {
            continue;
        };
        checked += 1;
        let first = date("2025-12-20");
        let intervals = reference_intervals(&calendar, first, 900);
        for _ in 0..20 {
            let start = at("2026-01-01T00:00:00Z").timestamp() + rng.below(600 * 86_400) as i64;
            let seconds = match rng.below(3) {
                0 => rng.below(86_400) as i64,
                1 => rng.below(20 * 86_400) as i64,
                _ => rng.below(120 * 3600) as i64 / 60 * 60,
            };
            let start_at = DateTime::from_timestamp(start, 0).unwrap();
            let expected = reference_add(&intervals, start, seconds);
            let got = calendar.add_business_time(start_at, Duration::seconds(seconds));
            match expected {
                // Past the reference horizon: only check that it is later.
                None => assert!(
                    got.is_err()
                        || got.unwrap().timestamp() > intervals.last().map_or(0, |i| i.1) - 1
                ),
                Some(expected) => {
                    assert_eq!(
                        got.as_ref().map(|t| t.timestamp()),
                        Ok(expected),
                        "{tz} {calendar:?} start {start_at} +{seconds}s"
                    );
                    let between = calendar.business_time_between(start_at, got.unwrap());
                    assert_eq!(between, Duration::seconds(seconds));
                }
            }
            let to = start + rng.below(40 * 86_400) as i64;
            let to_at = DateTime::from_timestamp(to, 0).unwrap();
            assert_eq!(
                calendar.business_time_between(start_at, to_at),
                Duration::seconds(reference_between(&intervals, start, to)),
                "{tz} {calendar:?} between {start_at} and {to_at}"
            );
            let open = intervals.iter().any(|&(a, b)| a <= start && start < b);
            assert_eq!(
                calendar.is_open(start_at),
                open,
                "{tz} {calendar:?} at {start_at}"
            );
            let next_open = intervals
                .iter()
                .find(|i| i.1 > start)
                .map(|i| i.0.max(start));
            if let Some(next_open) = next_open {
                assert_eq!(
                    calendar.next_open(start_at).map(|t| t.timestamp()),
                    Some(next_open)
                );
            }
            if !open {
                assert_eq!(calendar.next_close(start_at), Some(start_at));
            }
        }
    }
}
