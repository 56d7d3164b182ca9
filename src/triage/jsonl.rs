//! The JSON-lines interface of `examples/triage.rs`: one message per input
//! line, one verdict per output line.
//!
//! Input, one object per line (`private`, `followers`, `created_at`,
//! `author`, `customer_language` and `channel_language` optional):
//!
//! ```text
//! {"id":"1","text":"...","channel":"x","private":false,"followers":120}
//! ```
//!
//! - `id` is echoed as given (a string or a number).
//! - `channel` is one of `x`, `facebook`, `instagram`, `whatsapp`, `email`,
//!   `webchat`, `other` (missing or empty: `other`), in any case, or a name the
//!   network also goes by ([`ChannelKind::from_common_name`]: `twitter`,
//!   `messenger`, `e-mail`, ...). `messenger` lines are private unless
//!   `private` says otherwise.
//! - `private` is a boolean (`"true"`/`"false"` and `1`/`0` are read too);
//!   `followers` a whole number (`120`, `120.0` or `"120"`).
//! - `created_at` (RFC 3339) is the message time for near-duplicate
//!   detection; without it, line *n* (counting from 0, blank lines included)
//!   is at 2026-01-01T00:00:00Z plus *n* seconds.
//! - `author` names the account for near-duplicate detection; without it
//!   every line counts as a different author.
//! - `customer_language` and `channel_language` (ISO 639-1) are the
//!   [`TriageContext`].
//!
//! Output, in this field order:
//!
//! ```text
//! {"id":"1","language":"nl","confidence":0.93,"kind":"query","intents":["baggage"],"sentiment":-0.6,"pii":[{"kind":"booking_code","start":10,"end":16}]}
//! ```
//!
//! `language` is an ISO 639-1 code or `"unknown"` (confidence 0);
//! `confidence` and `sentiment` are rounded to three decimals; PII spans are
//! byte offsets into the UTF-8 text. A line that cannot be read gives
//! `{"id":...,"error":"..."}` (the id when it could be read) and processing
//! carries on. Blank lines give no output.

use super::{Triage, TriageContext};
use crate::model::{
    ChannelKind, ChannelRef, Classification, Identity, InboundMessage, Kind, Language, PiiKind,
    Visibility,
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A triage run over a stream of lines: the [`Triage`] and the line counter
/// that gives lines without `created_at` their synthetic time.
#[derive(Debug)]
pub struct JsonlSession {
    triage: Triage,
    line: u64,
}

impl JsonlSession {
    /// A session starting at line 0.
    pub fn new(triage: Triage) -> Self {
        JsonlSession { triage, line: 0 }
    }

    /// The triage inside, whose near-duplicate window the lines so far have fed.
    pub fn triage_mut(&mut self) -> &mut Triage {
        &mut self.triage
    }

    /// Processes the next line; `None` for a blank line.
    pub fn process_line(&mut self, line: &str) -> Option<String> {
        let out = process_line(&mut self.triage, line, self.line);
        self.line += 1;
        out
    }
}

#[derive(Deserialize)]
struct Input {
    text: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    private: Value,
    #[serde(default)]
    followers: Value,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    customer_language: Option<Language>,
    #[serde(default)]
    channel_language: Option<Language>,
}

#[derive(Serialize)]
struct PiiOut {
    kind: PiiKind,
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct Output {
    #[serde(skip_serializing_if = "Value::is_null")]
    id: Value,
    language: String,
    confidence: f64,
    kind: Kind,
    intents: Vec<String>,
    sentiment: f64,
    pii: Vec<PiiOut>,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    #[serde(skip_serializing_if = "Value::is_null")]
    id: Value,
    error: &'a str,
}

fn round3(value: f32) -> f64 {
    (f64::from(value) * 1000.0).round() / 1000.0
}

fn error_line(id: Value, message: &str) -> String {
    serde_json::to_string(&ErrorOut { id, error: message })
        .unwrap_or_else(|_| r#"{"error":"unprintable error"}"#.to_owned())
}

/// Classifies one JSON line with `triage`, as line number `line_number` of
/// the stream (for the synthetic time), and returns the output line; `None`
/// for a blank line.
///
/// ```
/// use caredesk::triage::{jsonl, Triage, TriageSettings};
/// let mut triage = Triage::new(TriageSettings::default())?;
/// let out = jsonl::process_line(&mut triage, r#"{"id":7,"text":"Waar is mijn koffer?","channel":"x"}"#, 0).unwrap();
/// assert!(out.starts_with(r#"{"id":7,"language":"nl","#));
/// assert!(out.contains(r#""kind":"query""#));
/// assert_eq!(jsonl::process_line(&mut triage, "   ", 1), None);
/// assert_eq!(jsonl::process_line(&mut triage, "{", 2).unwrap().contains("error"), true);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn process_line(triage: &mut Triage, line: &str, line_number: u64) -> Option<String> {
    if line.trim().is_empty() {
        return None;
    }
    let value: Value = match serde_json::from_str(line) {
        Ok(value) => value,
        Err(err) => return Some(error_line(Value::Null, &format!("invalid JSON: {err}"))),
    };
    let id = match value.get("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
        Some(Value::Null) | None => Value::Null,
        Some(_) => return Some(error_line(Value::Null, "id must be a string or a number")),
    };
    if !value.is_object() {
        return Some(error_line(id, "each line must be a JSON object"));
    }
    let input: Input = match serde_json::from_value(value) {
        Ok(input) => input,
        Err(err) => return Some(error_line(id, &format!("invalid message: {err}"))),
    };
    let kind = match input.channel.as_deref() {
        None => ChannelKind::Other,
        Some(name) if name.trim().is_empty() => ChannelKind::Other,
        Some(name) => match ChannelKind::from_common_name(name) {
            Some(kind) => kind,
            None => return Some(error_line(id, &format!("unknown channel {name:?}"))),
        },
    };
    let private = match read_flag(&input.private) {
        Ok(flag) => flag.unwrap_or_else(|| input.channel.as_deref().is_some_and(names_messenger)),
        Err(message) => return Some(error_line(id, &format!("private {message}"))),
    };
    let followers = match read_count(&input.followers) {
        Ok(count) => count,
        Err(message) => return Some(error_line(id, &format!("followers {message}"))),
    };
    let received_at = input
        .created_at
        .unwrap_or_else(|| synthetic_time(line_number));
    let author = input
        .author
        .clone()
        .unwrap_or_else(|| format!("line-{line_number}"));
    let visibility = if private {
        Visibility::Private
    } else {
        Visibility::Public
    };
    let external_id = match &id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut message = InboundMessage::new(
        ChannelRef::new(kind, "brand"),
        external_id,
        Identity::new(kind, author),
        visibility,
        input.text,
        received_at,
    );
    if let Some(followers) = followers {
        message = message.with_reach(followers);
    }
    let context = TriageContext {
        customer_language: input.customer_language,
        channel_default_language: input.channel_language,
    };
    let verdict = triage.classify(&message, &context);
    Some(render(id, &verdict))
}

/// Whether a channel name is Facebook's private-message service, whose
/// messages are private when the line does not say.
fn names_messenger(name: &str) -> bool {
    name.to_ascii_lowercase().contains("messenger")
}

/// Reads `private`: a boolean, `"true"`/`"false"` (any case, as CSV
/// conversions write it), `1`/`0`, or absent/null.
fn read_flag(value: &Value) -> Result<Option<bool>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(flag) => Ok(Some(*flag)),
        Value::Number(n) if n.as_f64() == Some(1.0) => Ok(Some(true)),
        Value::Number(n) if n.as_f64() == Some(0.0) => Ok(Some(false)),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        other => Err(format!("must be true or false, got {other}")),
    }
}

/// Reads `followers`: a whole number of at least zero, written as an
/// integer, as a float with no fraction (`120.0`, as pandas exports write
/// counts next to missing values) or as a string of digits; absent, null or
/// an empty string is no count.
fn read_count(value: &Value) -> Result<Option<u64>, String> {
    let whole = |x: f64| (x >= 0.0 && x.fract() == 0.0 && x < 1.8e19).then_some(x as u64);
    let count = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().and_then(whole)),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<u64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(whole))
        }
        _ => None,
    };
    count
        .map(Some)
        .ok_or_else(|| format!("must be a whole number of at least 0, got {value}"))
}

fn synthetic_time(line_number: u64) -> DateTime<Utc> {
    let base = DateTime::from_timestamp(1_767_225_600, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let seconds = i64::try_from(line_number).unwrap_or(i64::MAX / 2);
    base.checked_add_signed(Duration::seconds(seconds.min(1 << 40)))
        .unwrap_or(base)
}

fn render(id: Value, verdict: &Classification) -> String {
    let output = Output {
        id,
        language: verdict
            .language
            .map_or_else(|| "unknown".to_owned(), |l| l.to_string()),
        confidence: if verdict.language.is_some() {
            round3(verdict.language_confidence)
        } else {
            0.0
        },
        kind: verdict.kind,
        intents: verdict.intents.iter().map(ToString::to_string).collect(),
        sentiment: round3(verdict.sentiment),
        pii: verdict
            .pii
            .iter()
            .map(|f| PiiOut {
                kind: f.kind,
                start: f.start,
                end: f.end,
            })
            .collect(),
    };
    serde_json::to_string(&output).unwrap_or_else(|err| error_line(Value::Null, &err.to_string()))
}
