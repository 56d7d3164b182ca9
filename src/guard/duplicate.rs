//! The same public reply sent to many customers in a short time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// What a [`DuplicateReplyTracker`] remembers (when the guard warns is set
/// per channel in [`DuplicateCheckSettings`](super::DuplicateCheckSettings)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct DuplicateReplySettings {
    /// How far back sends are remembered, in seconds.
    pub window_seconds: u32,
    /// Texts shorter than this (in characters, normalised) are ignored:
    /// "Thank you!" may be said to everyone.
    pub min_chars: u32,
    /// At most this many sends are remembered (the oldest go first).
    pub max_tracked: u32,
}

impl Default for DuplicateReplySettings {
    /// 30 minutes; texts of 20 characters or more; 50,000 sends.
    fn default() -> Self {
        DuplicateReplySettings {
            window_seconds: 1_800,
            min_chars: 20,
            max_tracked: 50_000,
        }
    }
}

/// The normal form of a reply for duplicate detection: lower case, @mentions
/// and links removed, letters and digits only, words separated by one space,
/// the sign-off kept (the same text from the same agent is still the same).
///
/// ```
/// use caredesk::guard::normalise_reply;
/// assert_eq!(normalise_reply("@anna So sorry!! Please DM us https://x.co/a"), "so sorry please dm us");
/// ```
pub fn normalise_reply(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for token in text.split_whitespace() {
        if token.starts_with('@') || token.starts_with("http://") || token.starts_with("https://") {
            continue;
        }
        let mut started = false;
        for c in token.chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() {
                if !started && !out.is_empty() {
                    out.push(' ');
                }
                started = true;
                out.push(c);
            }
        }
    }
    out
}

/// FNV-1a over the bytes of [`normalise_reply`]`(text)`, computed without
/// building the string, and the normal form's length in characters.
fn normal_hash(text: &str) -> (u64, usize) {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut chars = 0usize;
    let mut feed = |c: char| {
        let mut buffer = [0u8; 4];
        for byte in c.encode_utf8(&mut buffer).as_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        chars += 1;
    };
    let mut any = false;
    for token in text.split_whitespace() {
        if token.starts_with('@') || token.starts_with("http://") || token.starts_with("https://") {
            continue;
        }
        let mut started = false;
        for c in token.chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() {
                if !started && any {
                    feed(' ');
                }
                started = true;
                any = true;
                feed(c);
            }
        }
    }
    (hash, chars)
}

/// FNV-1a, 64 bits: stable across runs and platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Sent {
    at: i64,
    text: u64,
    customer: u64,
}

/// Remembers recent public replies to tell when the same text goes to many
/// customers: a windowed state fed in order with (time, customer, text).
///
/// The guard only reads it ([`DuplicateReplyTracker::customers_with`]); the
/// engine [`record`](DuplicateReplyTracker::record)s each public reply when
/// it is requested, in event order, so replay rebuilds it exactly. Time moves
/// with the sends' own timestamps, never a clock.
///
/// ```
/// use caredesk::guard::{DuplicateReplySettings, DuplicateReplyTracker};
/// let mut tracker = DuplicateReplyTracker::new(DuplicateReplySettings::default());
/// let at: chrono::DateTime<chrono::Utc> = "2026-11-23T10:00:00Z".parse()?;
/// let text = "We are so sorry, please send us a DM with your booking code";
/// tracker.record(at, "@anna", text);
/// tracker.record(at, "@bram", text);
/// assert_eq!(tracker.customers_with(at, "@carla", text), 2);
/// assert_eq!(tracker.customers_with(at, "@anna", text), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateReplyTracker {
    settings: DuplicateReplySettings,
    sent: VecDeque<Sent>,
    /// Per text hash: customers, how many of their sends are remembered, and
    /// the time of their latest.
    groups: BTreeMap<u64, BTreeMap<u64, (u32, i64)>>,
}

impl DuplicateReplyTracker {
    /// An empty tracker.
    pub fn new(settings: DuplicateReplySettings) -> Self {
        DuplicateReplyTracker {
            settings,
            sent: VecDeque::new(),
            groups: BTreeMap::new(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &DuplicateReplySettings {
        &self.settings
    }

    /// The key of a text, or `None` when it is too short to count.
    fn key(&self, text: &str) -> Option<u64> {
        let (hash, chars) = normal_hash(text);
        (chars >= self.settings.min_chars as usize).then_some(hash)
    }

    /// How many customers other than `customer` got the same text within the
    /// window before `at` (0 for a text too short to count).
    pub fn customers_with(&self, at: DateTime<Utc>, customer: &str, text: &str) -> usize {
        if self.groups.is_empty() {
            return 0;
        }
        let Some(key) = self.key(text) else {
            return 0;
        };
        let Some(group) = self.groups.get(&key) else {
            return 0;
        };
        let horizon = at.timestamp() - i64::from(self.settings.window_seconds);
        let me = fnv1a(customer.as_bytes());
        group
            .iter()
            .filter(|(who, (_, last))| **who != me && *last > horizon)
            .count()
    }

    /// Remembers that `text` went publicly to `customer` at `at`. Sends must
    /// come in time order; an earlier time is taken as the latest seen.
    pub fn record(&mut self, at: DateTime<Utc>, customer: &str, text: &str) {
        let now = self
            .sent
            .back()
            .map_or(at.timestamp(), |last| last.at.max(at.timestamp()));
        self.expire(now);
        let Some(key) = self.key(text) else {
            return;
        };
        let sent = Sent {
            at: now,
            text: key,
            customer: fnv1a(customer.as_bytes()),
        };
        let entry = self
            .groups
            .entry(key)
            .or_default()
            .entry(sent.customer)
            .or_insert((0, now));
        entry.0 += 1;
        entry.1 = now;
        self.sent.push_back(sent);
        while self.sent.len() > self.settings.max_tracked.max(1) as usize {
            self.pop_oldest();
        }
    }

    /// Sends remembered now.
    pub fn len(&self) -> usize {
        self.sent.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }

    fn expire(&mut self, now: i64) {
        let horizon = now - i64::from(self.settings.window_seconds);
        while self.sent.front().is_some_and(|s| s.at <= horizon) {
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) {
        let Some(old) = self.sent.pop_front() else {
            return;
        };
        if let Some(group) = self.groups.get_mut(&old.text) {
            if let Some((count, _)) = group.get_mut(&old.customer) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    group.remove(&old.customer);
                }
            }
            if group.is_empty() {
                self.groups.remove(&old.text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    const TEXT: &str = "So sorry for the wait, please send us a DM with your booking code";

    fn at(minutes: i64) -> DateTime<Utc> {
        "2026-11-23T10:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn sends_leave_the_window_after_its_length() {
        let mut tracker = DuplicateReplyTracker::new(DuplicateReplySettings::default());
        tracker.record(at(0), "a", TEXT);
        tracker.record(at(10), "b", TEXT);
        assert_eq!(tracker.customers_with(at(20), "c", TEXT), 2);
        assert_eq!(tracker.customers_with(at(35), "c", TEXT), 1);
        tracker.record(at(45), "c", "something else entirely, long enough to count");
        assert_eq!(tracker.customers_with(at(45), "d", TEXT), 0);
        assert_eq!(tracker.len(), 1);
    }

    #[test]
    fn mentions_links_case_and_punctuation_do_not_make_a_text_different() {
        let mut tracker = DuplicateReplyTracker::new(DuplicateReplySettings::default());
        tracker.record(at(0), "a", &format!("@anna {TEXT}!!"));
        assert_eq!(tracker.customers_with(at(1), "b", &TEXT.to_uppercase()), 1);
    }

    #[test]
    fn the_streamed_hash_is_the_hash_of_the_normal_form() {
        for text in [TEXT, "@a  Héllo,   WORLD!! https://x.y z", "", "漢字 😂 ok"] {
            let normal = normalise_reply(text);
            assert_eq!(
                normal_hash(text),
                (fnv1a(normal.as_bytes()), normal.chars().count())
            );
        }
    }

    #[test]
    fn short_texts_are_never_duplicates() {
        let mut tracker = DuplicateReplyTracker::new(DuplicateReplySettings::default());
        tracker.record(at(0), "a", "Thank you!");
        assert_eq!(tracker.customers_with(at(0), "b", "Thank you!"), 0);
        assert!(tracker.is_empty());
    }

    #[test]
    fn the_oldest_sends_go_when_capacity_is_reached() {
        let mut tracker = DuplicateReplyTracker::new(DuplicateReplySettings {
            max_tracked: 2,
            ..DuplicateReplySettings::default()
        });
        for customer in ["a", "b", "c"] {
            tracker.record(at(0), customer, TEXT);
        }
        assert_eq!(tracker.len(), 2);
        assert_eq!(tracker.customers_with(at(0), "z", TEXT), 2);
    }
}
