//! First-response figures per company from a CSV of public customer-care
//! tweets, in the format of the "Customer Support on Twitter" data set.
//!
//! ```text
//! replay_csv [--json] FILE        (FILE `-` reads standard input)
//! cargo run --release --example replay_csv -- --json twcs.csv
//! ```
//!
//! Input: a CSV with a header naming at least the columns `tweet_id`,
//! `author_id`, `inbound`, `created_at`, `text` and `in_response_to_tweet_id`
//! (any order; `response_tweet_id` and other columns are ignored). Ids may
//! be written as floats (`3.0`); an empty `in_response_to_tweet_id`, or one
//! holding `NaN`, `NA`, `null` or `None`, replies to nothing; `inbound` is
//! `True`/`False` in any case, or `1`/`0`; `created_at` looks like
//! `Tue Oct 31 22:10:47 +0000 2017`.
//!
//! Figures (see `caredesk::stats::threads` for the full rules): a thread
//! starts at each inbound tweet that replies to nothing; its first response
//! is the earliest company (non-inbound) tweet replying directly to it, whose
//! author owns the thread; an unanswered thread belongs to the first company
//! it @-mentions (case-insensitively), else only to the overall figures. A
//! reply stamped before its thread counts as 0 minutes. Percentiles are over
//! answered threads (linear interpolation at position (n - 1) * p);
//! `within_60_min` is threads answered in at most 60 minutes over all threads.
//!
//! Output with `--json`: one line,
//! `{"companies":[{"company":"AmericanAir","threads":10,"answered":8,"p50_minutes":12.5,"p90_minutes":95.0,"within_60_min":0.6}],"overall":{"threads":..,...}}`,
//! companies sorted by name (byte order), only companies owning at least one
//! thread; `p50_minutes`/`p90_minutes` are `null` when no thread was answered
//! (and `within_60_min` when there is no thread at all); `overall` has no
//! `company` key. Without `--json`: an aligned table with an overall row.
//!
//! Rows that cannot be read (more or fewer fields than the header, bad id,
//! flag or date) are
//! skipped and counted on standard error; a missing file or header column is
//! an error (exit status 1, with `{"error":"..."}` on standard output under
//! `--json`). Memory holds only thread starts, replied-to ids and company
//! names, so the 2.8-million-row data set streams through in seconds.

use caredesk::stats::threads::{
    is_missing_field, parse_inbound, parse_post_id, parse_twitter_time, Post, ReplyGraph,
    ThreadFigures, ThreadReport,
};
use std::fmt::Write as _;
use std::io::{self, BufReader, Read, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: replay_csv [--json] FILE   (FILE - reads standard input)";

/// How many malformed rows are described one by one on standard error.
const DESCRIBED_ROWS: usize = 5;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = io::stdout();
    let stderr = io::stderr();
    let code = run(&args, &mut stdout.lock(), &mut stderr.lock());
    ExitCode::from(code)
}

/// Runs the tool with command-line `args`; returns the exit status.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let mut json = false;
    let mut file = None;
    for arg in args {
        match arg.as_str() {
            "--json" => json = true,
            "-h" | "--help" => {
                let _ = writeln!(out, "{USAGE}");
                return 0;
            }
            "-" => file = Some(arg.clone()),
            option if option.starts_with('-') => {
                let _ = writeln!(err, "replay_csv: unknown option {option}\n{USAGE}");
                return 2;
            }
            path if file.is_none() => file = Some(path.to_owned()),
            _ => {
                let _ = writeln!(err, "replay_csv: more than one FILE\n{USAGE}");
                return 2;
            }
        }
    }
    let Some(file) = file else {
        let _ = writeln!(err, "{USAGE}");
        return 2;
    };
    let outcome = if file == "-" {
        replay(io::stdin().lock(), json, out, err)
    } else {
        match std::fs::File::open(&file) {
            Ok(opened) => replay(opened, json, out, err),
            Err(error) => Err(format!("cannot open {file}: {error}")),
        }
    };
    match outcome {
        Ok(()) => 0,
        Err(message) => {
            if json {
                let _ = writeln!(out, "{}", serde_json::json!({ "error": message }));
            }
            let _ = writeln!(err, "replay_csv: {message}");
            1
        }
    }
}

/// Column positions of the fields read.
struct Columns {
    tweet_id: usize,
    author_id: usize,
    inbound: usize,
    created_at: usize,
    text: usize,
    in_response_to: usize,
    /// Fields in the header: every row must have as many.
    count: usize,
}

impl Columns {
    fn find(header: &csv::ByteRecord) -> Result<Columns, String> {
        let names: Vec<String> = header
            .iter()
            .map(|name| {
                String::from_utf8_lossy(name)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        let find = |wanted: &str| {
            names
                .iter()
                .position(|name| name == wanted)
                .ok_or_else(|| format!("the header has no {wanted} column"))
        };
        Ok(Columns {
            tweet_id: find("tweet_id")?,
            author_id: find("author_id")?,
            inbound: find("inbound")?,
            created_at: find("created_at")?,
            text: find("text")?,
            in_response_to: find("in_response_to_tweet_id")?,
            count: names.len(),
        })
    }
}

/// Reads the CSV from `input`, prints the figures to `out` and notes to `err`.
///
/// # Errors
/// A message when the input cannot be read or its header lacks a column.
pub fn replay(
    input: impl Read,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, input));
    let header = reader
        .byte_headers()
        .map_err(|error| format!("cannot read the header: {error}"))?
        .clone();
    let mut graph = ReplyGraph::new();
    let mut rows = 0u64;
    let mut skipped = 0u64;
    let mut described = Vec::new();
    // An empty input has no header and no rows: an empty report.
    if !header.is_empty() {
        let columns = Columns::find(&header)?;
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(error) if error.is_io_error() => {
                    return Err(format!("cannot read the input: {error}"));
                }
                Err(error) => {
                    skipped += 1;
                    if described.len() < DESCRIBED_ROWS {
                        described.push(error.to_string());
                    }
                    continue;
                }
            }
            rows += 1;
            if let Err(reason) = add_row(&mut graph, &columns, &record) {
                skipped += 1;
                if described.len() < DESCRIBED_ROWS {
                    let line = record.position().map_or(0, |p| p.line());
                    described.push(format!("line {line}: {reason}"));
                }
            }
        }
    }
    let report = graph.report();
    let written = if json {
        serde_json::to_string(&report)
            .map_err(|error| error.to_string())
            .and_then(|line| writeln!(out, "{line}").map_err(|error| error.to_string()))
    } else {
        write!(out, "{}", table(&report)).map_err(|error| error.to_string())
    };
    written.map_err(|error| format!("cannot write the output: {error}"))?;
    notes(err, rows, skipped, &described, &report);
    Ok(())
}

/// Adds one CSV row to the graph, or says why it cannot be read.
fn add_row(
    graph: &mut ReplyGraph,
    columns: &Columns,
    record: &csv::ByteRecord,
) -> Result<(), String> {
    if record.len() != columns.count {
        return Err(format!(
            "expected {} fields, found {}",
            columns.count,
            record.len()
        ));
    }
    let field = |index: usize, name: &str| {
        let bytes = record
            .get(index)
            .ok_or_else(|| format!("no {name} column"))?;
        std::str::from_utf8(bytes).map_err(|_| format!("{name} is not UTF-8"))
    };
    let id_text = field(columns.tweet_id, "tweet_id")?;
    let id = parse_post_id(id_text).ok_or_else(|| format!("bad tweet_id {id_text:?}"))?;
    let author = field(columns.author_id, "author_id")?.trim();
    if author.is_empty() {
        return Err("empty author_id".to_owned());
    }
    let inbound_text = field(columns.inbound, "inbound")?;
    let inbound =
        parse_inbound(inbound_text).ok_or_else(|| format!("bad inbound {inbound_text:?}"))?;
    let created_text = field(columns.created_at, "created_at")?;
    let created_at = parse_twitter_time(created_text)
        .ok_or_else(|| format!("bad created_at {created_text:?}"))?;
    let reply_text = field(columns.in_response_to, "in_response_to_tweet_id")?;
    let in_reply_to = if is_missing_field(reply_text) {
        None
    } else {
        Some(
            parse_post_id(reply_text)
                .ok_or_else(|| format!("bad in_response_to_tweet_id {reply_text:?}"))?,
        )
    };
    let text_bytes = record
        .get(columns.text)
        .ok_or_else(|| "no text column".to_owned())?;
    let text = String::from_utf8_lossy(text_bytes);
    graph.add(&Post {
        id,
        author,
        inbound,
        created_at,
        in_reply_to,
        text: &text,
    });
    Ok(())
}

/// The readable table: one row per company, then the overall row.
fn table(report: &ThreadReport) -> String {
    let width = report
        .companies
        .iter()
        .map(|c| c.company.chars().count())
        .chain([7])
        .max()
        .unwrap_or(7);
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{:<width$}  {:>8}  {:>8}  {:>9}  {:>9}  {:>13}",
        "company", "threads", "answered", "p50 (min)", "p90 (min)", "within 60 min"
    );
    let mut row = |name: &str, figures: &ThreadFigures| {
        let minutes =
            |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |m| format!("{m:.1}"));
        let share = figures
            .within_60_min
            .map_or_else(|| "-".to_owned(), |s| format!("{:.1}%", s * 100.0));
        let _ = writeln!(
            text,
            "{:<width$}  {:>8}  {:>8}  {:>9}  {:>9}  {:>13}",
            name,
            figures.threads,
            figures.answered,
            minutes(figures.p50_minutes),
            minutes(figures.p90_minutes),
            share
        );
    };
    for company in &report.companies {
        row(&company.company, &company.figures);
    }
    row("overall", &report.overall);
    text
}

/// Diagnostics on standard error: skipped rows and absorbed oddities.
fn notes(
    err: &mut dyn Write,
    rows: u64,
    skipped: u64,
    described: &[String],
    report: &ThreadReport,
) {
    if skipped > 0 {
        let _ = writeln!(
            err,
            "replay_csv: skipped {skipped} malformed row(s) of {rows}"
        );
        for reason in described {
            let _ = writeln!(err, "replay_csv:   {reason}");
        }
    }
    let anomalies = report.anomalies;
    if anomalies.responses_before_start > 0 {
        let _ = writeln!(
            err,
            "replay_csv: {} first response(s) stamped before their thread start were counted as 0 minutes",
            anomalies.responses_before_start
        );
    }
    if anomalies.duplicate_starts > 0 {
        let _ = writeln!(
            err,
            "replay_csv: {} duplicate thread start(s) ignored",
            anomalies.duplicate_starts
        );
    }
}
