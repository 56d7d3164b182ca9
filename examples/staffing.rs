//! Erlang C staffing from JSON lines: one interval's question per input line,
//! one answer per output line.
//!
//! ```text
//! cargo run --example staffing < intervals.jsonl
//! ```
//!
//! Input line (`shrinkage` defaults to 0 and `max_occupancy` to 1 when
//! missing or `null`; the other fields are required; unknown fields are
//! ignored; numbers may be written as integers or decimals):
//!
//! ```text
//! {"transactions":100,"interval_minutes":30,"aht_seconds":180,"target_seconds":20,"service_level":0.8,"shrinkage":0.0,"max_occupancy":1.0}
//! ```
//!
//! Output line:
//!
//! ```text
//! {"raw_positions":14,"positions":14,"service_level":0.8883500191794669,"probability_of_waiting":0.17413193359504983,"occupancy":0.7142857142857143,"asa_seconds":7.835937011777243}
//! ```
//!
//! - `raw_positions`: the smallest number of agents whose service level
//!   reaches `service_level` with an occupancy of at most `max_occupancy`
//!   (an occupancy above the cap by less than one part in 1e12, a rounding
//!   error, counts as meeting it: 8 erlangs at a 0.8 cap is 10 agents);
//! - `positions`: `ceil(raw_positions / (1 − shrinkage))` (a quotient within
//!   1e-12 of a whole number counts as that number, so 14 / 0.7 is 20);
//! - the other figures are those of `raw_positions` agents, with the load
//!   `A = transactions · aht_seconds / (interval_minutes · 60)`:
//!   `probability_of_waiting` is Erlang C, `service_level` is
//!   `1 − Pw·e^{−(N−A)·target/aht}`, `occupancy` is `A/N`, `asa_seconds` is
//!   `Pw·aht/(N−A)`.
//! - No transactions: `{"raw_positions":0,"positions":0,"service_level":1.0,
//!   "probability_of_waiting":0.0,"occupancy":0.0,"asa_seconds":0.0}`.
//!
//! Figures are printed at full `f64` precision (the shortest decimal that
//! reads back as the same number), not rounded: a comparison with another
//! implementation can then pick its own tolerance, and nothing is lost.
//!
//! A line that is not a JSON object, misses a required field, or holds a
//! value out of range (negative, a service level outside (0, 1), a
//! shrinkage outside [0, 1), a maximum occupancy outside (0, 1]) prints
//! `{"error":"..."}` and the next line is read; so does a question too big
//! to count (a load above 1e9 erlangs, or a shrinkage or occupancy cap so
//! close to its limit that the number of agents overflows). Blank lines
//! print an error too, so output line `k` always answers input line `k`.

use caredesk::staffing::StaffingRequest;
use std::io::{self, BufRead, BufWriter, Write};

/// The output line for one input line.
pub fn answer(line: &str) -> String {
    let line = line.trim();
    if line.is_empty() {
        return error_line("empty line");
    }
    if !line.starts_with('{') {
        // serde would also read the seven values as a positional array; the
        // format is an object, and anything else is refused.
        return error_line("invalid request: expected a JSON object");
    }
    let request: StaffingRequest = match serde_json::from_str(line) {
        Ok(request) => request,
        Err(error) => return error_line(&format!("invalid request: {error}")),
    };
    match request.solve() {
        Ok(requirement) => match serde_json::to_string(&requirement) {
            Ok(json) => json,
            Err(error) => error_line(&error.to_string()),
        },
        Err(error) => error_line(&error.to_string()),
    }
}

fn error_line(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout().lock());
    for bytes in stdin.lock().split(b'\n') {
        let bytes = bytes?;
        let reply = match std::str::from_utf8(&bytes) {
            Ok(line) => answer(line),
            Err(_) => error_line("line is not valid UTF-8"),
        };
        writeln!(out, "{reply}")?;
    }
    out.flush()
}
