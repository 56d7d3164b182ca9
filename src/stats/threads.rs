//! First-response figures per company from a reply graph of public posts.
//!
//! This is the computation behind the `replay_csv` example, kept in the
//! library so it is tested and reusable: feed a [`ReplyGraph`] one [`Post`]
//! at a time (in any order), then ask for its [`ThreadReport`].
//!
//! # Definitions
//!
//! - A **thread** starts at each inbound (customer) post that replies to
//!   nothing.
//! - It is **answered** when an outbound (company) post replies directly to
//!   that starting post; the **first response** is the earliest such reply by
//!   time (ties broken by the smaller post id), and its author **owns** the
//!   thread. Replies further down a chain (a customer answering the company,
//!   the company answering again) neither start threads nor answer them.
//! - An **unanswered** thread belongs to the first company it @-mentions, in
//!   text order, among handles that match, ASCII case-insensitively, the
//!   author of some outbound post anywhere in the input (`@acmeair` counts for
//!   the company `AcmeAir`, spelled as its posts spell it). Mentions of
//!   anyone else are skipped. With no such mention it counts only in the
//!   overall figures.
//! - A reply stamped before the post it answers (clock skew in the source)
//!   still answers it, with a first response of **zero**; the report counts
//!   such threads in [`ThreadAnomalies::responses_before_start`].
//! - A reply whose starting post is missing from the input starts nothing.
//! - A post id seen twice as a thread start is counted once (the first
//!   occurrence wins); a reply seen twice cannot change the earliest reply.
//!
//! Percentiles are exact ([`percentile_of_sorted`]) over answered threads, in
//! minutes; `within_60_min` is the share of *all* threads answered within 60
//! minutes (inclusive).
//!
//! ```
//! use caredesk::stats::threads::{parse_twitter_time, Post, ReplyGraph};
//!
//! let at = |text| parse_twitter_time(text).ok_or("bad time");
//! let mut graph = ReplyGraph::new();
//! graph.add(&Post {
//!     id: 1,
//!     author: "4711",
//!     inbound: true,
//!     created_at: at("Mon Jan 08 10:00:00 +0000 2018")?,
//!     in_reply_to: None,
//!     text: "@AcmeAir where is my bag?",
//! });
//! graph.add(&Post {
//!     id: 2,
//!     author: "AcmeAir",
//!     inbound: false,
//!     created_at: at("Mon Jan 08 10:12:30 +0000 2018")?,
//!     in_reply_to: Some(1),
//!     text: "@4711 Sorry to hear that! Please DM us your file reference.",
//! });
//!
//! let report = graph.report();
//! assert_eq!(report.companies[0].company, "AcmeAir");
//! assert_eq!(report.companies[0].figures.p50_minutes, Some(12.5));
//! assert_eq!(report.overall.within_60_min, Some(1.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::percentile::percentile_of_sorted;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// The answer target of [`ThreadFigures::within_60_min`], in milliseconds.
const WITHIN_MS: i64 = 60 * 60 * 1000;

/// One public post, as the reply graph needs it.
///
/// `author` and `text` are borrowed: the graph copies only what it keeps
/// (company names and the @-handles of thread starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Post<'a> {
    /// The post's id.
    pub id: u64,
    /// Who wrote it: a customer's id or a company's handle.
    pub author: &'a str,
    /// `true` for a customer's post, `false` for a company's.
    pub inbound: bool,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
    /// The post it replies to, if any.
    pub in_reply_to: Option<u64>,
    /// Its text; only the @-handles of thread starts are read.
    pub text: &'a str,
}

/// A builder of first-response figures: takes posts in any order, keeps
/// only what the figures need, and reports per company.
///
/// Memory is a few dozen bytes per thread start and per replied-to post
/// (hash-table entries of 24 to 32 bytes plus slack), plus each company name
/// and each distinct handle mentioned by a thread start once; customer posts
/// in reply chains cost nothing. A million-row CSV replays in about 45 MB.
/// See the [module documentation](self) for the definitions.
#[derive(Debug, Clone, Default)]
pub struct ReplyGraph {
    /// Authors of outbound posts, as spelled.
    companies: Interner,
    /// Handles mentioned by thread starts, ASCII lower-cased.
    handles: Interner,
    /// Thread starts by post id.
    starts: IdMap<Start>,
    /// Handle ids mentioned by thread starts, in text order (sliced by `Start`).
    mentions: Vec<u32>,
    /// The earliest company reply to each replied-to post id.
    replies: IdMap<Reply>,
    /// Thread starts seen again with the same id.
    duplicate_starts: u64,
    /// Scratch space for lower-casing a handle.
    scratch: String,
}

#[derive(Debug, Clone, Copy)]
struct Start {
    at_ms: i64,
    /// `mentions[first_mention .. first_mention + mention_count]`.
    first_mention: u32,
    mention_count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Reply {
    at_ms: i64,
    id: u64,
    company: u32,
}

impl ReplyGraph {
    /// An empty graph.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one post. Posts may come in any order; the report does not
    /// depend on it (except which copy of a duplicated thread start counts).
    pub fn add(&mut self, post: &Post<'_>) {
        let at_ms = post.created_at.timestamp_millis();
        match (post.inbound, post.in_reply_to) {
            (true, None) => self.add_start(post.id, at_ms, post.text),
            (true, Some(_)) => {}
            (false, reply_to) => {
                let company = self.companies.intern(post.author);
                if let Some(reply_to) = reply_to {
                    let reply = Reply {
                        at_ms,
                        id: post.id,
                        company,
                    };
                    self.replies
                        .entry(reply_to)
                        .and_modify(|best| *best = (*best).min(reply))
                        .or_insert(reply);
                }
            }
        }
    }

    fn add_start(&mut self, id: u64, at_ms: i64, text: &str) {
        if self.starts.contains_key(&id) {
            self.duplicate_starts += 1;
            return;
        }
        let first_mention = u32::try_from(self.mentions.len()).unwrap_or(u32::MAX);
        for handle in mentions(text) {
            self.scratch.clear();
            self.scratch.push_str(handle);
            self.scratch.make_ascii_lowercase();
            let handle_id = self.handles.intern(&self.scratch);
            self.mentions.push(handle_id);
        }
        let mention_count = u32::try_from(self.mentions.len())
            .unwrap_or(u32::MAX)
            .saturating_sub(first_mention);
        self.starts.insert(
            id,
            Start {
                at_ms,
                first_mention,
                mention_count,
            },
        );
    }

    /// Number of thread starts added so far.
    #[must_use]
    pub fn thread_count(&self) -> usize {
        self.starts.len()
    }

    /// The figures per company and overall.
    #[must_use]
    pub fn report(&self) -> ThreadReport {
        // Each mentioned handle resolved to a company, when one matches.
        let company_of_handle = self.resolve_handles();

        let mut per_company: Vec<Tally> = vec![Tally::default(); self.companies.len()];
        let mut overall = Tally::default();
        let mut anomalies = ThreadAnomalies {
            duplicate_starts: self.duplicate_starts,
            ..ThreadAnomalies::default()
        };
        for (id, start) in &self.starts {
            let (owner, response_ms) = match self.replies.get(id) {
                Some(reply) => {
                    let elapsed = reply.at_ms.saturating_sub(start.at_ms);
                    if elapsed < 0 {
                        anomalies.responses_before_start += 1;
                    }
                    (Some(reply.company), Some(elapsed.max(0)))
                }
                None => (self.mentioned_company(start, &company_of_handle), None),
            };
            overall.add(response_ms);
            match owner.and_then(|c| per_company.get_mut(c as usize)) {
                Some(tally) => tally.add(response_ms),
                None => anomalies.unowned_threads += 1,
            }
        }

        let mut companies: Vec<CompanyThreads> = per_company
            .into_iter()
            .enumerate()
            .filter(|(_, tally)| tally.threads > 0)
            .map(|(index, tally)| CompanyThreads {
                company: self.companies.name(index).to_owned(),
                figures: tally.figures(),
            })
            .collect();
        companies.sort_by(|a, b| a.company.cmp(&b.company));
        ThreadReport {
            companies,
            overall: overall.figures(),
            anomalies,
        }
    }

    /// For each handle id, the company it names, if any. When several
    /// company spellings match one handle, the smallest spelling (byte
    /// order) wins, so the outcome does not depend on input order.
    fn resolve_handles(&self) -> Vec<Option<u32>> {
        let mut by_lower: HashMap<String, u32> = HashMap::new();
        for (index, name) in self.companies.names.iter().enumerate() {
            let Ok(index) = u32::try_from(index) else {
                break;
            };
            let lower = name.to_ascii_lowercase();
            by_lower
                .entry(lower)
                .and_modify(|best| {
                    if self.companies.name(*best as usize) > name.as_ref() {
                        *best = index;
                    }
                })
                .or_insert(index);
        }
        self.handles
            .names
            .iter()
            .map(|handle| by_lower.get(handle.as_ref()).copied())
            .collect()
    }

    fn mentioned_company(&self, start: &Start, company_of_handle: &[Option<u32>]) -> Option<u32> {
        let from = start.first_mention as usize;
        let to = from + start.mention_count as usize;
        self.mentions
            .get(from..to)?
            .iter()
            .find_map(|&handle| company_of_handle.get(handle as usize).copied().flatten())
    }
}

/// Response times of one company's (or all) threads, in milliseconds.
#[derive(Debug, Clone, Default)]
struct Tally {
    threads: u64,
    responses_ms: Vec<i64>,
}

impl Tally {
    fn add(&mut self, response_ms: Option<i64>) {
        self.threads += 1;
        if let Some(ms) = response_ms {
            self.responses_ms.push(ms);
        }
    }

    fn figures(mut self) -> ThreadFigures {
        self.responses_ms.sort_unstable();
        let within = self
            .responses_ms
            .iter()
            .take_while(|&&ms| ms <= WITHIN_MS)
            .count();
        let minutes: Vec<f64> = self
            .responses_ms
            .iter()
            .map(|&ms| ms as f64 / 60_000.0)
            .collect();
        ThreadFigures {
            threads: self.threads,
            answered: minutes.len() as u64,
            p50_minutes: percentile_of_sorted(&minutes, 0.5),
            p90_minutes: percentile_of_sorted(&minutes, 0.9),
            within_60_min: (self.threads > 0).then(|| within as f64 / self.threads as f64),
        }
    }
}

/// First-response figures of a set of threads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThreadFigures {
    /// Threads started.
    pub threads: u64,
    /// Threads with a first response.
    pub answered: u64,
    /// Median first response of answered threads, in minutes; `None` when none was answered.
    pub p50_minutes: Option<f64>,
    /// 90th percentile first response of answered threads, in minutes; `None` when none was answered.
    pub p90_minutes: Option<f64>,
    /// Threads answered within 60 minutes (inclusive) divided by all threads;
    /// `None` when there is no thread.
    pub within_60_min: Option<f64>,
}

/// The figures of one company's threads (flattened into one JSON object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyThreads {
    /// The company, spelled as the author of its posts.
    pub company: String,
    /// Its figures.
    #[serde(flatten)]
    pub figures: ThreadFigures,
}

/// What [`ReplyGraph::report`] returns.
///
/// Serialized, it is `{"companies":[{"company":..,"threads":..,...}],"overall":{...}}`,
/// the `replay_csv --json` output; the anomalies are not serialized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadReport {
    /// Companies owning at least one thread, sorted by name (byte order).
    pub companies: Vec<CompanyThreads>,
    /// All threads, owned or not.
    pub overall: ThreadFigures,
    /// Oddities of the input met while computing (not serialized).
    #[serde(skip)]
    pub anomalies: ThreadAnomalies,
}

/// Oddities of the input that the report absorbed, for a diagnostic line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreadAnomalies {
    /// Answered threads whose first response is stamped before the thread
    /// start; their first response was counted as zero.
    pub responses_before_start: u64,
    /// Thread starts whose id was seen before; they were ignored.
    pub duplicate_starts: u64,
    /// Threads neither answered nor mentioning a company: only in the overall figures.
    pub unowned_threads: u64,
}

/// The @-handles in `text`, in order: an `@` not preceded by a letter, digit
/// or `_` (so e-mail addresses are not mentions; letters in any script), followed by one or more
/// ASCII letters, digits or `_`.
///
/// ```
/// use caredesk::stats::threads::mentions;
/// let found: Vec<&str> = mentions("@AcmeAir cc @bob_2, mail me@example.com").collect();
/// assert_eq!(found, ["AcmeAir", "bob_2"]);
/// ```
pub fn mentions(text: &str) -> impl Iterator<Item = &str> + '_ {
    let bytes = text.as_bytes();
    let is_handle_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut position = 0;
    std::iter::from_fn(move || {
        while position < bytes.len() {
            let at = position;
            position += 1;
            if bytes.get(at) != Some(&b'@') {
                continue;
            }
            let before = text.get(..at).and_then(|head| head.chars().next_back());
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let start = at + 1;
            let mut end = start;
            while bytes.get(end).copied().is_some_and(is_handle_byte) {
                end += 1;
            }
            position = end;
            if end > start {
                // ASCII bytes only between `start` and `end`: char boundaries.
                return text.get(start..end);
            }
        }
        None
    })
}

/// Parses a post id written as an integer, or as a float with a zero
/// fraction (`"3.0"`, `"1.2e3"`, as spreadsheet and pandas exports write
/// ids); surrounding blanks are ignored. `None` for anything else, including
/// an empty field and floats above 2^53 (which cannot hold an exact id).
///
/// ```
/// use caredesk::stats::threads::parse_post_id;
/// assert_eq!(parse_post_id("119237"), Some(119237));
/// assert_eq!(parse_post_id("119237.0"), Some(119237));
/// assert_eq!(parse_post_id("3.5"), None);
/// ```
#[must_use]
pub fn parse_post_id(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(id) = text.parse::<u64>() {
        return Some(id);
    }
    if let Some((whole, fraction)) = text.split_once('.') {
        if !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.bytes().all(|b| b == b'0')
        {
            return whole.parse().ok();
        }
    }
    let float: f64 = text.parse().ok()?;
    const EXACT_LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
    (float.is_finite() && float >= 0.0 && float.fract() == 0.0 && float <= EXACT_LIMIT)
        .then_some(float as u64)
}

/// Whether an optional field holds no value: it is blank, or holds one of
/// the markers data tools write for a missing value (`NaN`, `NA`, `N/A`,
/// `null`, `None`, in any case), as a pandas or R export of the data set
/// may.
///
/// ```
/// use caredesk::stats::threads::is_missing_field;
/// assert!(is_missing_field(" "));
/// assert!(is_missing_field("NaN"));
/// assert!(!is_missing_field("119237.0"));
/// ```
#[must_use]
pub fn is_missing_field(text: &str) -> bool {
    let text = text.trim();
    text.is_empty()
        || ["nan", "na", "n/a", "null", "none"]
            .iter()
            .any(|marker| text.eq_ignore_ascii_case(marker))
}

/// Parses an inbound flag: `True`/`False` in any case, or `1`/`0`
/// (surrounding blanks ignored); `None` for anything else.
///
/// ```
/// use caredesk::stats::threads::parse_inbound;
/// assert_eq!(parse_inbound("True"), Some(true));
/// assert_eq!(parse_inbound("0"), Some(false));
/// assert_eq!(parse_inbound("yes"), None);
/// ```
#[must_use]
pub fn parse_inbound(text: &str) -> Option<bool> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("true") || text == "1" {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") || text == "0" {
        Some(false)
    } else {
        None
    }
}

/// Parses a timestamp in X's (Twitter's) classic format,
/// `Tue Oct 31 22:10:47 +0000 2017`: weekday, month, day, time, UTC offset
/// (`+0000` or `+00:00`), year. Names are matched case-insensitively; the
/// weekday must be a weekday name but is not checked against the date (as
/// Python's `strptime` does not). `None` for anything else.
///
/// ```
/// use caredesk::stats::threads::parse_twitter_time;
/// let at = parse_twitter_time("Tue Oct 31 22:10:47 +0000 2017").ok_or("bad time")?;
/// assert_eq!(at.to_rfc3339(), "2017-10-31T22:10:47+00:00");
/// let shifted = parse_twitter_time("Tue Oct 31 23:10:47 +0100 2017").ok_or("bad time")?;
/// assert_eq!(shifted, at);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn parse_twitter_time(text: &str) -> Option<DateTime<Utc>> {
    const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let mut parts = text.split_ascii_whitespace();
    let weekday = parts.next()?;
    let month = parts.next()?;
    let day = parts.next()?;
    let time = parts.next()?;
    let offset = parts.next()?;
    let year = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    if !WEEKDAYS.iter().any(|w| weekday.eq_ignore_ascii_case(w)) {
        return None;
    }
    let month = MONTHS.iter().position(|m| month.eq_ignore_ascii_case(m))? as u32 + 1;
    let day = small_number(day, 1..=2)?;
    let year = i32::try_from(small_number(year, 4..=4)?).ok()?;
    let mut clock = time.split(':');
    let hour = small_number(clock.next()?, 2..=2)?;
    let minute = small_number(clock.next()?, 2..=2)?;
    let second = small_number(clock.next()?, 2..=2)?;
    if clock.next().is_some() {
        return None;
    }
    let offset = parse_offset(offset)?;
    let local = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
    let at = offset.from_local_datetime(&local).single()?;
    Some(at.with_timezone(&Utc))
}

/// `+HHMM`, `-HHMM`, `+HH:MM` or `-HH:MM`.
fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, text.get(1..)?),
        b'-' => (-1, text.get(1..)?),
        _ => return None,
    };
    let (hours, minutes) = match rest.len() {
        4 => (rest.get(..2)?, rest.get(2..)?),
        5 if rest.as_bytes().get(2) == Some(&b':') => (rest.get(..2)?, rest.get(3..)?),
        _ => return None,
    };
    let hours = small_number(hours, 2..=2)?;
    let minutes = small_number(minutes, 2..=2)?;
    if minutes >= 60 {
        return None;
    }
    let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    FixedOffset::east_opt(sign * seconds)
}

/// A number of ASCII digits whose count lies in `digits`.
fn small_number(text: &str, digits: std::ops::RangeInclusive<usize>) -> Option<u32> {
    if !digits.contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Names interned to dense ids.
#[derive(Debug, Clone, Default)]
struct Interner {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        // More than 2^32 distinct names would need more memory than the
        // graph can hold; they share the last id rather than panic.
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    fn name(&self, id: usize) -> &str {
        self.names.get(id).map_or("", |name| name.as_ref())
    }

    fn len(&self) -> usize {
        self.names.len()
    }
}

/// A hash map keyed by post id, with a fixed (deterministic) hash.
type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// The splitmix64 finaliser over a `u64` key: fast, and spreads sequential ids.
#[derive(Debug, Clone, Copy, Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Companies in name order, for callers that want a map.
impl ThreadReport {
    /// The figures of each company, by name.
    #[must_use]
    pub fn by_company(&self) -> BTreeMap<&str, &ThreadFigures> {
        self.companies
            .iter()
            .map(|c| (c.company.as_str(), &c.figures))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(hh_mm_ss: &str) -> DateTime<Utc> {
        parse_twitter_time(&format!("Mon Jan 08 {hh_mm_ss} +0000 2018")).unwrap()
    }

    fn customer(
        id: u64,
        author: &'static str,
        at: &str,
        in_reply_to: Option<u64>,
        text: &'static str,
    ) -> Post<'static> {
        Post {
            id,
            author,
            inbound: true,
            created_at: time(at),
            in_reply_to,
            text,
        }
    }

    fn company(id: u64, author: &'static str, at: &str, in_reply_to: Option<u64>) -> Post<'static> {
        Post {
            id,
            author,
            inbound: false,
            created_at: time(at),
            in_reply_to,
            text: "",
        }
    }

    fn graph_of(posts: &[Post<'_>]) -> ReplyGraph {
        let mut graph = ReplyGraph::new();
        for post in posts {
            graph.add(post);
        }
        graph
    }

    #[test]
    fn earliest_company_reply_is_the_first_response_whatever_the_input_order() {
        let graph = graph_of(&[
            company(3, "AcmeAir", "11:30:00", Some(1)),
            customer(1, "501", "10:00:00", None, "@AcmeAir hi"),
            company(2, "AcmeAir", "10:45:00", Some(1)),
        ]);
        let report = graph.report();
        assert_eq!(report.companies.len(), 1);
        assert_eq!(report.companies[0].figures.p50_minutes, Some(45.0));
        assert_eq!(report.companies[0].figures.answered, 1);
    }

    #[test]
    fn earliest_replier_owns_the_thread_even_when_another_company_is_mentioned() {
        let graph = graph_of(&[
            customer(1, "501", "10:00:00", None, "@AcmeAir hi"),
            company(2, "AcmeAir", "10:30:00", Some(1)),
            company(3, "BoltMobile", "10:20:00", Some(1)),
        ]);
        let report = graph.report();
        let names: Vec<&str> = report
            .companies
            .iter()
            .map(|c| c.company.as_str())
            .collect();
        assert_eq!(names, ["BoltMobile"]);
    }

    #[test]
    fn customer_reply_in_a_chain_is_not_a_new_thread_and_late_company_replies_do_not_answer() {
        let graph = graph_of(&[
            customer(1, "501", "10:00:00", None, "@AcmeAir hi"),
            company(2, "AcmeAir", "10:10:00", Some(1)),
            customer(3, "501", "10:20:00", Some(2), "@AcmeAir thanks"),
            company(4, "AcmeAir", "10:25:00", Some(3)),
        ]);
        let report = graph.report();
        assert_eq!(report.overall.threads, 1);
        assert_eq!(report.overall.answered, 1);
        assert_eq!(report.overall.p90_minutes, Some(10.0));
    }

    #[test]
    fn reply_by_another_customer_does_not_answer_a_thread() {
        let graph = graph_of(&[
            customer(1, "501", "10:00:00", None, "@AcmeAir hi"),
            customer(2, "501", "10:01:00", Some(1), "anyone?"),
            company(3, "AcmeAir", "09:00:00", None),
        ]);
        let report = graph.report();
        assert_eq!(report.overall.answered, 0);
        assert_eq!(report.companies[0].company, "AcmeAir");
        assert_eq!(report.companies[0].figures.threads, 1);
        assert_eq!(report.companies[0].figures.p50_minutes, None);
        assert_eq!(report.companies[0].figures.within_60_min, Some(0.0));
    }

    #[test]
    fn unanswered_thread_goes_to_first_mentioned_company_case_insensitively() {
        let graph = graph_of(&[
            customer(
                1,
                "501",
                "10:00:00",
                None,
                "@friend @boltmobile @AcmeAir help",
            ),
            company(2, "AcmeAir", "10:30:00", None),
            company(3, "BoltMobile", "10:30:00", None),
        ]);
        let report = graph.report();
        assert_eq!(report.companies.len(), 1);
        assert_eq!(report.companies[0].company, "BoltMobile");
        assert_eq!(report.anomalies.unowned_threads, 0);
    }

    #[test]
    fn unanswered_thread_mentioning_no_company_counts_only_overall() {
        let graph = graph_of(&[
            customer(1, "501", "10:00:00", None, "@friend is the app down?"),
            company(2, "AcmeAir", "10:30:00", None),
        ]);
        let report = graph.report();
        assert!(report.companies.is_empty());
        assert_eq!(report.overall.threads, 1);
        assert_eq!(report.overall.within_60_min, Some(0.0));
        assert_eq!(report.anomalies.unowned_threads, 1);
    }

    #[test]
    fn reply_stamped_before_its_thread_counts_as_zero_minutes() {
        let graph = graph_of(&[
            customer(1, "501", "10:00:00", None, "@AcmeAir hi"),
            company(2, "AcmeAir", "09:58:00", Some(1)),
        ]);
        let report = graph.report();
        assert_eq!(report.overall.p50_minutes, Some(0.0));
        assert_eq!(report.overall.within_60_min, Some(1.0));
        assert_eq!(report.anomalies.responses_before_start, 1);
    }

    #[test]
    fn reply_to_a_missing_start_makes_no_thread() {
        let graph = graph_of(&[company(2, "AcmeAir", "10:00:00", Some(999))]);
        let report = graph.report();
        assert_eq!(report.overall.threads, 0);
        assert_eq!(report.overall.within_60_min, None);
        assert_eq!(report.overall.p50_minutes, None);
        assert!(report.companies.is_empty());
    }

    #[test]
    fn duplicate_thread_start_counts_once() {
        let graph = graph_of(&[
            customer(1, "501", "10:00:00", None, "@AcmeAir hi"),
            customer(1, "501", "10:00:00", None, "@AcmeAir hi"),
            company(2, "AcmeAir", "10:30:00", Some(1)),
            company(2, "AcmeAir", "10:30:00", Some(1)),
        ]);
        let report = graph.report();
        assert_eq!(report.overall.threads, 1);
        assert_eq!(report.overall.answered, 1);
        assert_eq!(report.anomalies.duplicate_starts, 1);
    }

    #[test]
    fn sixty_minutes_exactly_counts_as_within_sixty() {
        let graph = graph_of(&[
            customer(1, "501", "10:00:00", None, ""),
            company(2, "AcmeAir", "11:00:00", Some(1)),
            customer(3, "502", "10:00:00", None, ""),
            company(4, "AcmeAir", "11:00:01", Some(3)),
        ]);
        let figures = graph.report().overall;
        assert_eq!(figures.within_60_min, Some(0.5));
    }

    #[test]
    fn percentiles_interpolate_between_answered_threads() {
        let mut posts = Vec::new();
        for (i, minute) in [5u64, 10, 20, 40].into_iter().enumerate() {
            let start = 10 * i as u64 + 1;
            posts.push(customer(start, "501", "10:00:00", None, ""));
            posts.push(company(
                start + 1,
                "AcmeAir",
                &format!("10:{minute:02}:00"),
                Some(start),
            ));
        }
        let figures = graph_of(&posts).report().companies[0].figures;
        assert_eq!(figures.p50_minutes, Some(15.0)); // halfway between 10 and 20
        assert_eq!(figures.p90_minutes, Some(20.0 + (3.0 * 0.9 - 2.0) * 20.0));
    }

    #[test]
    fn mentions_skip_email_addresses_and_bare_at_signs() {
        let found: Vec<&str> = mentions("a@b @ @x_1! (@Yz) é@no @").collect();
        assert_eq!(found, ["x_1", "Yz"]);
    }

    #[test]
    fn post_ids_accept_pandas_floats_and_reject_fractions() {
        assert_eq!(parse_post_id(" 42 "), Some(42));
        assert_eq!(parse_post_id("42.000"), Some(42));
        assert_eq!(parse_post_id("4.2e1"), Some(42));
        assert_eq!(parse_post_id("42.5"), None);
        assert_eq!(parse_post_id("-1"), None);
        assert_eq!(parse_post_id(""), None);
        assert_eq!(parse_post_id("abc"), None);
        assert_eq!(parse_post_id("1e300"), None);
    }

    #[test]
    fn missing_value_markers_read_as_no_value_and_ids_do_not() {
        for missing in ["", "  ", "NaN", "nan", "NA", "n/a", "null", "None"] {
            assert!(is_missing_field(missing), "{missing:?}");
        }
        for value in ["0", "3.0", "119237", "nano", "nat"] {
            assert!(!is_missing_field(value), "{value:?}");
        }
    }

    #[test]
    fn twitter_time_rejects_malformed_dates() {
        for bad in [
            "",
            "Tue Oct 31 22:10:47 +0000",
            "Tue Oct 32 22:10:47 +0000 2017",
            "Tue Foo 31 22:10:47 +0000 2017",
            "Tue Oct 31 25:10:47 +0000 2017",
            "Tue Oct 31 22:10 +0000 2017",
            "Tue Oct 31 22:10:47 0000 2017",
            "Tue Oct 31 22:10:47 +0000 2017 extra",
            "2017-10-31T22:10:47Z",
        ] {
            assert_eq!(parse_twitter_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn twitter_time_matches_chrono_strptime() {
        let text = "Sat Feb 03 07:05:09 -0530 2018";
        let expected = DateTime::parse_from_str(text, "%a %b %d %H:%M:%S %z %Y").unwrap();
        assert_eq!(parse_twitter_time(text), Some(expected.with_timezone(&Utc)));
        assert_eq!(
            parse_twitter_time("sat FEB 3 07:05:09 -05:30 2018"),
            Some(expected.with_timezone(&Utc))
        );
    }
}
