//! Triage JSON lines from stdin to stdout (see `caredesk::triage::jsonl`).
//!
//! ```text
//! cargo run --example triage -- --brand @KLM < messages.jsonl
//! ```
//!
//! Options: `--brand HANDLE` (repeatable) names the brand's handles;
//! `--brand-name NAME` (repeatable) names the brand's names.

use caredesk::triage::{jsonl::JsonlSession, Triage, TriageSettings};
use std::io::{BufRead, BufWriter, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut settings = TriageSettings::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--brand" => {
                let handle = args
                    .next()
                    .ok_or("--brand needs a handle, e.g. --brand @KLM")?;
                settings.brand_handles.push(handle);
            }
            "--brand-name" => {
                let name = args.next().ok_or("--brand-name needs a name")?;
                settings.brand_names.push(name);
            }
            "-h" | "--help" => {
                println!("usage: triage [--brand HANDLE]... [--brand-name NAME]... < in.jsonl > out.jsonl");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    let mut session = JsonlSession::new(Triage::new(settings)?);
    let mut stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        if stdin.read_until(b'\n', &mut buffer)? == 0 {
            break;
        }
        // Invalid UTF-8 is replaced (U+FFFD) rather than failing the line.
        let line = String::from_utf8_lossy(&buffer);
        let line = line.trim_end_matches(['\n', '\r']);
        if let Some(result) = session.process_line(line) {
            writeln!(out, "{result}")?;
        }
    }
    out.flush()?;
    Ok(())
}
