//! Statistics: histogram accuracy against exact percentiles on seeded random
//! data, attainment, and the `replay_csv` example on a hand-written fixture.

use caredesk::model::{ChannelKind, Language};
use caredesk::stats::{
    percentile, percentile_of_sorted, Attainment, AttainmentKey, ResponseTimeHistogram,
};
use serde_json::{json, Value};
use std::time::Duration;

/// The example, compiled into the tests so its `replay` and `run` can be called.
#[allow(dead_code)]
#[path = "../../examples/replay_csv.rs"]
mod replay_csv;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/twcs_small.csv");

/// splitmix64: a tiny seeded generator, so the tests need no `rand`.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Response times spread like real ones: log-uniform from a second to a
/// week, with a tenth of the samples at exactly zero.
fn response_times(seed: u64, n: usize) -> Vec<f64> {
    let mut rng = SplitMix64(seed);
    (0..n)
        .map(|_| {
            if rng.next_u64() % 10 == 0 {
                0.0
            } else {
                (rng.next_f64() * (7.0 * 86_400f64).ln()).exp()
            }
        })
        .collect()
}

fn replay_json(input: &[u8]) -> (Value, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    replay_csv::replay(input, true, &mut out, &mut err).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.lines().count(), 1, "one JSON line: {out}");
    (
        serde_json::from_str(&out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// Linear interpolation at position (n - 1) * p between sorted samples, written out.
fn by_hand(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let low = h.floor();
    sorted[low as usize] + (h - low) * (sorted[low as usize + 1] - sorted[low as usize])
}

#[test]
fn histogram_percentiles_stay_within_one_128th_of_exact_on_random_data() {
    for seed in [1, 2, 3] {
        let samples = response_times(seed, 100_000);
        let mut histogram = ResponseTimeHistogram::new();
        for &s in &samples {
            histogram.record_seconds(s).unwrap();
        }
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let mut worst = 0.0f64;
        for i in 0..=1000 {
            let p = f64::from(i) / 1000.0;
            let exact = percentile_of_sorted(&sorted, p).unwrap();
            let estimate = histogram.percentile(p).unwrap();
            let allowed = exact * ResponseTimeHistogram::RELATIVE_ERROR + 0.5e-6;
            assert!(
                (estimate - exact).abs() <= allowed,
                "seed {seed} p {p}: estimate {estimate} exact {exact}"
            );
            if exact > 0.0 {
                worst = worst.max((estimate - exact).abs() / exact);
            }
        }
        assert!(worst < 0.0079, "worst relative error {worst}");
        assert_eq!(histogram.count(), 100_000);
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        assert!((histogram.mean().unwrap() - mean).abs() <= mean * 1e-12);
    }
}

#[test]
fn histogram_merged_from_shards_equals_histogram_of_all_samples() {
    let samples = response_times(7, 30_000);
    let mut whole = ResponseTimeHistogram::new();
    let mut shards = vec![ResponseTimeHistogram::new(); 4];
    for (i, &s) in samples.iter().enumerate() {
        whole.record_seconds(s).unwrap();
        shards[i % 4].record_seconds(s).unwrap();
    }
    let mut merged = ResponseTimeHistogram::new();
    for shard in &shards {
        merged.merge(shard);
    }
    for p in [0.0, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0] {
        assert_eq!(merged.percentile(p), whole.percentile(p), "p {p}");
    }
    assert_eq!(merged.count(), whole.count());
    assert_eq!(merged.min(), whole.min());
    assert_eq!(merged.max(), whole.max());
}

#[test]
fn attainment_percentiles_track_exact_percentiles_per_key() {
    let mut rng = SplitMix64(11);
    let keys = [
        AttainmentKey::new("standard", ChannelKind::X, Some(Language::ENGLISH)),
        AttainmentKey::new("standard", ChannelKind::Whatsapp, Some(Language::JAPANESE)),
    ];
    let mut attainment = Attainment::new();
    let mut calendar: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut met = [0u64; 2];
    for _ in 0..20_000 {
        let k = (rng.next_u64() % 2) as usize;
        let seconds = (rng.next_u64() % 7_200) as f64;
        let in_time = seconds <= 3_600.0;
        met[k] += u64::from(in_time);
        calendar[k].push(seconds);
        let business = Duration::from_secs_f64(seconds / 2.0);
        attainment.record(
            &keys[k],
            business,
            Duration::from_secs_f64(seconds),
            in_time,
        );
    }
    let report = attainment.report();
    for (k, row) in report.rows.iter().enumerate() {
        assert_eq!(row.key, keys[k]);
        assert_eq!(row.figures.count, calendar[k].len() as u64);
        assert_eq!(row.figures.met, met[k]);
        for (p, estimate) in [
            (0.5, row.figures.first_response_calendar.p50_seconds),
            (0.9, row.figures.first_response_calendar.p90_seconds),
            (0.99, row.figures.first_response_calendar.p99_seconds),
        ] {
            let exact = percentile(&calendar[k], p).unwrap();
            let estimate = estimate.unwrap();
            assert!(
                (estimate - exact).abs() <= exact / 128.0 + 1e-6,
                "p {p}: {estimate} vs {exact}"
            );
        }
    }
    assert_eq!(report.overall.count, 20_000);
    assert_eq!(report.overall.met, met[0] + met[1]);
}

#[test]
fn replay_of_small_fixture_gives_hand_computed_figures() {
    let input = std::fs::read(FIXTURE).unwrap();
    let (output, _) = replay_json(&input);

    // AcmeAir: threads 1 (answered at 30 min), 5 (replies at 90 and 45 min:
    // the earliest counts), 12 (120 min, the quoted text with a comma and a
    // newline), 17 (only the customer replied to it) and 22 (mentions a
    // customer first, then @AcmeAir). Thread 21 has a bad date: skipped.
    let acme = [30.0, 45.0, 120.0];
    // BoltMobile: threads 8 (15 min), 10 (unanswered, "@boltmobile"),
    // 14 (written "14.0", 1.5 min) and 19 (reply stamped a minute early: 0).
    let bolt = [0.0, 1.5, 15.0];
    // Overall adds thread 11, which mentions nobody.
    let all = [0.0, 1.5, 15.0, 30.0, 45.0, 120.0];

    let expected = json!({
        "companies": [
            {
                "company": "AcmeAir",
                "threads": 5,
                "answered": 3,
                "p50_minutes": 45.0,
                "p90_minutes": by_hand(&acme, 0.9), // 45 + 0.8 * 75 = 105
                "within_60_min": 2.0 / 5.0,
            },
            {
                "company": "BoltMobile",
                "threads": 4,
                "answered": 3,
                "p50_minutes": 1.5,
                "p90_minutes": by_hand(&bolt, 0.9), // 1.5 + 0.8 * 13.5 = 12.3
                "within_60_min": 3.0 / 4.0,
            },
        ],
        "overall": {
            "threads": 10,
            "answered": 6,
            "p50_minutes": 22.5, // halfway between 15 and 30
            "p90_minutes": by_hand(&all, 0.9), // position 4.5: 45 + 0.5 * 75 = 82.5
            "within_60_min": 5.0 / 10.0,
        },
    });
    assert_eq!(output, expected);
    assert_eq!(by_hand(&all, 0.9), 82.5);
    assert!((by_hand(&acme, 0.9) - 105.0).abs() < 1e-9);
    assert!((by_hand(&bolt, 0.9) - 12.3).abs() < 1e-9);
}

#[test]
fn replay_reports_skipped_rows_and_clock_skew_on_stderr() {
    let input = std::fs::read(FIXTURE).unwrap();
    let (_, notes) = replay_json(&input);
    assert_eq!(
        notes,
        "replay_csv: skipped 1 malformed row(s) of 23\n\
         replay_csv:   line 24: bad created_at \"yesterday at noon\"\n\
         replay_csv: 1 first response(s) stamped before their thread start were counted as 0 minutes\n"
    );
}

#[test]
fn replay_result_does_not_depend_on_row_order() {
    let input = std::fs::read_to_string(FIXTURE).unwrap();
    let (expected, _) = replay_json(input.as_bytes());
    let mut rows = csv::Reader::from_reader(input.as_bytes());
    let header = rows.byte_headers().unwrap().clone();
    let mut records: Vec<csv::ByteRecord> = rows.byte_records().map(Result::unwrap).collect();
    let mut rng = SplitMix64(5);
    for _ in 0..5 {
        for i in (1..records.len()).rev() {
            records.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_byte_record(&header).unwrap();
        for record in &records {
            writer.write_byte_record(record).unwrap();
        }
        let shuffled = writer.into_inner().unwrap();
        assert_eq!(replay_json(&shuffled).0, expected);
    }
}

#[test]
fn replay_table_lists_companies_then_overall() {
    let input = std::fs::read(FIXTURE).unwrap();
    let mut out = Vec::new();
    let mut err = Vec::new();
    replay_csv::replay(&input[..], false, &mut out, &mut err).unwrap();
    let table = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines,
        [
            "company      threads  answered  p50 (min)  p90 (min)  within 60 min",
            "AcmeAir            5         3       45.0      105.0          40.0%",
            "BoltMobile         4         3        1.5       12.3          75.0%",
            "overall           10         6       22.5       82.5          50.0%",
        ]
    );
}

#[test]
fn replay_without_any_answer_prints_null_percentiles() {
    let input =
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n\
                 1,501,True,Tue Oct 31 22:10:47 +0000 2017,@AcmeAir hi,,\n\
                 2,AcmeAir,False,Tue Oct 31 22:11:47 +0000 2017,@502 hello,,77\n";
    let (output, notes) = replay_json(input.as_bytes());
    let expected = json!({
        "companies": [{"company": "AcmeAir", "threads": 1, "answered": 0,
                       "p50_minutes": null, "p90_minutes": null, "within_60_min": 0.0}],
        "overall": {"threads": 1, "answered": 0, "p50_minutes": null, "p90_minutes": null,
                    "within_60_min": 0.0},
    });
    assert_eq!(output, expected);
    assert_eq!(notes, "");
}

#[test]
fn replay_reads_missing_value_markers_as_replying_to_nothing() {
    // A pandas export writes ids as floats and may write a missing reply id
    // as NaN; those rows still start threads.
    let input =
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n\
                 1.0,501,True,Tue Oct 31 22:10:47 +0000 2017,@AcmeAir hi,2.0,NaN\n\
                 2.0,AcmeAir,False,Tue Oct 31 22:40:47 +0000 2017,@501 hello,nan,1.0\n\
                 3.0,502,True,Tue Oct 31 23:00:00 +0000 2017,@acmeair anyone?,NA,null\n";
    let (output, notes) = replay_json(input.as_bytes());
    let expected = json!({
        "companies": [{"company": "AcmeAir", "threads": 2, "answered": 1,
                       "p50_minutes": 30.0, "p90_minutes": 30.0, "within_60_min": 0.5}],
        "overall": {"threads": 2, "answered": 1, "p50_minutes": 30.0, "p90_minutes": 30.0,
                    "within_60_min": 0.5},
    });
    assert_eq!(output, expected);
    assert_eq!(notes, "");
}

#[test]
fn replay_of_empty_input_is_an_empty_report() {
    let (output, _) = replay_json(b"");
    let expected = json!({
        "companies": [],
        "overall": {"threads": 0, "answered": 0, "p50_minutes": null, "p90_minutes": null,
                    "within_60_min": null},
    });
    assert_eq!(output, expected);
}

#[test]
fn replay_skips_rows_with_missing_columns_or_bad_fields() {
    let input =
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n\
                 1,501,True\n\
                 x,501,True,Tue Oct 31 22:10:47 +0000 2017,hi,,\n\
                 3,501,maybe,Tue Oct 31 22:10:47 +0000 2017,hi,,\n\
                 4,,True,Tue Oct 31 22:10:47 +0000 2017,hi,,\n\
                 5,501,True,Tue Oct 31 22:10:47 +0000 2017,hi,,4.5\n\
                 6,501,True,Tue Oct 31 22:10:47 +0000 2017,hi,,\n";
    let (output, notes) = replay_json(input.as_bytes());
    assert_eq!(output["overall"]["threads"], 1);
    assert!(
        notes.starts_with("replay_csv: skipped 5 malformed row(s) of 6\n"),
        "{notes}"
    );
    assert!(
        notes.contains("line 2: expected 7 fields, found 3"),
        "{notes}"
    );
    assert!(
        notes.contains("line 6: bad in_response_to_tweet_id \"4.5\""),
        "{notes}"
    );
}

#[test]
fn replay_header_without_a_required_column_is_an_error() {
    let input = b"tweet_id,author_id,inbound,created_at,text\n1,501,True,x,hi\n";
    let mut out = Vec::new();
    let mut err = Vec::new();
    let outcome = replay_csv::replay(&input[..], true, &mut out, &mut err);
    assert_eq!(
        outcome,
        Err("the header has no in_response_to_tweet_id column".to_owned())
    );
}

#[test]
fn replay_missing_file_prints_json_error_and_fails() {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let args = ["--json".to_owned(), "/nonexistent/twcs.csv".to_owned()];
    let code = replay_csv::run(&args, &mut out, &mut err);
    assert_eq!(code, 1);
    let line: Value = serde_json::from_slice(&out).unwrap();
    assert!(line["error"]
        .as_str()
        .unwrap()
        .starts_with("cannot open /nonexistent/twcs.csv"));
}

#[test]
fn replay_without_file_argument_prints_usage() {
    let mut out = Vec::new();
    let mut err = Vec::new();
    assert_eq!(
        replay_csv::run(&["--json".to_owned()], &mut out, &mut err),
        2
    );
    assert!(String::from_utf8(err)
        .unwrap()
        .starts_with("usage: replay_csv"));
}
