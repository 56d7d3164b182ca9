//! SLA deadlines from JSON lines: one case per line on stdin, one answer per
//! line on stdout.
//!
//! ```text
//! $ echo '{"tz":"Europe/Amsterdam","weekly":{"mon":[["08:00","12:00"],["13:00","17:00"]]},"start":"2026-06-01T06:00:00Z","minutes":480}' \
//!     | cargo run --example sla_deadline
//! {"deadline":"2026-06-01T15:00:00Z"}
//! ```
//!
//! A bad case gives `{"error":"..."}` and the tool carries on. The format is
//! described in `caredesk::calendar::json`.

use std::io::{self, BufRead, Write};

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut output = io::BufWriter::new(stdout.lock());
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        writeln!(output, "{}", caredesk::calendar::json::answer_line(text))?;
        // Answer each line as it comes, for callers that wait for it.
        output.flush()?;
    }
    output.flush()
}
