//! Deadline computation on an office calendar, against naive minute stepping.
//!
//! Calendar: Europe/Amsterdam, Mon–Fri 08:00–12:00 and 13:00–17:00, 20
//! holidays. Cases: starts spread over 2026 (both clock changes included),
//! targets uniform from 1 minute to 10 business days (4,800 minutes), from a
//! seeded xorshift generator. Prints
//! `calendar: N deadlines/s, naive M/s, ratio Rx`.

use std::hint::black_box;
use std::time::Instant;

use caredesk::calendar::BusinessCalendar;
use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday::*};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// xorshift64*, seeded: the same cases on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const HOLIDAYS: [&str; 20] = [
    "2026-01-01",
    "2026-02-16",
    "2026-04-03",
    "2026-04-06",
    "2026-04-27",
    "2026-05-05",
    "2026-05-14",
    "2026-05-15",
    "2026-05-25",
    "2026-07-20",
    "2026-08-14",
    "2026-09-11",
    "2026-10-26",
    "2026-11-11",
    "2026-12-07",
    "2026-12-24",
    "2026-12-25",
    "2026-12-31",
    "2027-01-01",
    "2027-01-04",
];

fn office() -> BusinessCalendar {
    let weekdays = [Mon, Tue, Wed, Thu, Fri];
    let mut builder = BusinessCalendar::builder("Europe/Amsterdam")
        .open_on(&weekdays, "08:00", "12:00")
        .open_on(&weekdays, "13:00", "17:00");
    for day in HOLIDAYS {
        let date: NaiveDate = day.parse().expect("holiday dates are valid");
        builder = builder.holiday(date);
    }
    builder.build().expect("the bench calendar is valid")
}

/// (start, minutes): starts on whole minutes over 2026, 1 to 4,800 minutes.
fn cases(count: usize) -> Vec<(DateTime<Utc>, i64)> {
    let mut rng = XorShift(0x5EED_CA1E_DA75_0001);
    let year_start = 1_767_225_600; // 2026-01-01T00:00:00Z
    (0..count)
        .map(|_| {
            let minute = rng.below(365 * 24 * 60) as i64;
            let start = DateTime::from_timestamp(year_start + minute * 60, 0).expect("in range");
            (start, 1 + rng.below(4_800) as i64)
        })
        .collect()
}

/// The baseline: step one minute at a time, asking whether it is open.
fn naive_deadline(
    calendar: &BusinessCalendar,
    start: DateTime<Utc>,
    minutes: i64,
) -> DateTime<Utc> {
    let step = Duration::minutes(1);
    let mut at = start;
    while !calendar.is_open(at) {
        at += step;
    }
    let mut left = minutes;
    while left > 0 {
        if calendar.is_open(at) {
            left -= 1;
        }
        at += step;
    }
    at
}

fn per_second(count: usize, run: impl Fn()) -> f64 {
    let began = Instant::now();
    run();
    count as f64 / began.elapsed().as_secs_f64()
}

fn bench(c: &mut Criterion) {
    let calendar = office();
    let all = cases(10_000);
    let few = &all[..40];

    // The two agree, so the comparison is fair.
    for &(start, minutes) in few {
        let fast = calendar.add_business_time(start, Duration::minutes(minutes));
        assert_eq!(
            fast,
            Ok(naive_deadline(&calendar, start, minutes)),
            "{start} + {minutes} min"
        );
    }

    let mut group = c.benchmark_group("calendar");
    group.throughput(Throughput::Elements(all.len() as u64));
    group.bench_function("deadline_10k", |b| {
        b.iter(|| {
            for &(start, minutes) in &all {
                let _ = black_box(
                    calendar.add_business_time(black_box(start), Duration::minutes(minutes)),
                );
            }
        })
    });
    group.finish();

    let fast = per_second(all.len() * 20, || {
        for _ in 0..20 {
            for &(start, minutes) in &all {
                let _ = black_box(
                    calendar.add_business_time(black_box(start), Duration::minutes(minutes)),
                );
            }
        }
    });
    let naive = per_second(few.len(), || {
        for &(start, minutes) in few {
            black_box(naive_deadline(&calendar, black_box(start), minutes));
        }
    });
    eprintln!(
        "calendar: {fast:.0} deadlines/s, naive {naive:.0}/s, ratio {:.0}x",
        fast / naive
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
