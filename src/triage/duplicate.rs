//! Near-duplicate detection: the same text from many accounts in a short window.
//!
//! # Why a hash of the normalised text, not MinHash
//!
//! Campaigns and spam bursts are copy-paste: a pre-filled share link or a
//! template posted by many accounts. What varies between copies is case, the
//! @mentions, links, hashtags' `#`, punctuation, emoji and spacing, and
//! [`normalise`] removes exactly that. A hash of what remains costs one pass
//! and one map lookup per message, is deterministic, and never matches two
//! different texts by chance (64 bits). MinHash over shingles would also catch
//! light edits, but needs a hundred or so hashes per message plus banded
//! indexes, and on posts of ten to twenty words its similarity estimates are
//! noisy enough to join unrelated short complaints. Texts shorter than
//! [`DuplicateSettings::min_chars`] after normalisation ("thank you", "ok")
//! are never flagged: many people write them independently.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

/// When a text counts as a near-duplicate (a [`super::TriageSettings`] part).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DuplicateSettings {
    /// Distinct authors posting the same normalised text within the window
    /// that flag it (the message that reaches this count and later ones are
    /// flagged). At least 2; default 3.
    pub min_authors: u32,
    /// The window, in seconds; default 600 (ten minutes). At least 1.
    pub window_seconds: u32,
    /// Shortest normalised text (letters and digits, spaces excluded) that can
    /// be flagged; default 16.
    pub min_chars: u32,
    /// Most messages remembered at once; the oldest are forgotten first when
    /// a burst exceeds it. Default 100,000. At least 1.
    pub max_tracked: u32,
}

impl Default for DuplicateSettings {
    fn default() -> Self {
        DuplicateSettings {
            min_authors: 3,
            window_seconds: 600,
            min_chars: 16,
            max_tracked: 100_000,
        }
    }
}

/// The normal form of a text for duplicate detection: lower case, without
/// @mentions, links and the `#` of hashtags, punctuation, symbols and emoji
/// removed, whitespace runs collapsed to one space.
///
/// ```
/// use caredesk::triage::normalise;
/// assert_eq!(
///     normalise("@KLM Free  tickets!!! 🎉 https://spam.example #Win"),
///     "free tickets win"
/// );
/// ```
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for token in text.split_whitespace() {
        if token.starts_with('@')
            || token.starts_with("http://")
            || token.starts_with("https://")
            || token.starts_with("www.")
        {
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

/// FNV-1a, 64 bits: stable across runs and platforms.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    at: i64,
    text: u64,
    author: u64,
}

/// Windowed memory of recent texts, fed in message order; bounded by time
/// and by [`DuplicateSettings::max_tracked`].
#[derive(Debug, Clone, Default)]
pub(crate) struct DuplicateWindow {
    settings: DuplicateSettings,
    seen: VecDeque<Seen>,
    /// Per text hash: authors and how many of their messages are in the window.
    groups: HashMap<u64, HashMap<u64, u32>>,
    clock: i64,
}

impl DuplicateWindow {
    pub(crate) fn new(settings: DuplicateSettings) -> Self {
        DuplicateWindow {
            settings,
            ..DuplicateWindow::default()
        }
    }

    /// Records one message and says whether its text is now a near-duplicate.
    /// A message older than one already seen is treated as arriving at the
    /// latest time seen (the window only moves forward).
    pub(crate) fn observe(&mut self, at: DateTime<Utc>, text: &str, author: &str) -> bool {
        let normal = normalise(text);
        let chars = normal.chars().filter(|c| !c.is_whitespace()).count();
        if chars < self.settings.min_chars as usize {
            return false;
        }
        self.clock = self.clock.max(at.timestamp());
        let horizon = self.clock - i64::from(self.settings.window_seconds);
        while self.seen.front().is_some_and(|s| s.at < horizon) {
            self.forget_oldest();
        }
        while self.seen.len() >= self.settings.max_tracked.max(1) as usize {
            self.forget_oldest();
        }
        let entry = Seen {
            at: self.clock,
            text: fnv1a(normal.as_bytes()),
            author: fnv1a(author.as_bytes()),
        };
        self.seen.push_back(entry);
        let authors = self.groups.entry(entry.text).or_default();
        *authors.entry(entry.author).or_default() += 1;
        authors.len() >= self.settings.min_authors as usize
    }

    fn forget_oldest(&mut self) {
        let Some(old) = self.seen.pop_front() else {
            return;
        };
        if let Some(authors) = self.groups.get_mut(&old.text) {
            if let Some(count) = authors.get_mut(&old.author) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    authors.remove(&old.author);
                }
            }
            if authors.is_empty() {
                self.groups.remove(&old.text);
            }
        }
    }

    /// Messages remembered now.
    #[cfg(test)]
    pub(crate) fn tracked(&self) -> usize {
        self.seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    const SPAM: &str = "Win free flights now, click the link to claim your prize";

    #[test]
    fn third_author_within_the_window_is_flagged() {
        let mut window = DuplicateWindow::new(DuplicateSettings::default());
        assert!(!window.observe(at(0), SPAM, "a"));
        assert!(!window.observe(at(60), &format!("@KLM {SPAM}!!"), "b"));
        assert!(window.observe(at(120), &SPAM.to_uppercase(), "c"));
    }

    #[test]
    fn messages_outside_the_window_do_not_count() {
        let mut window = DuplicateWindow::new(DuplicateSettings::default());
        assert!(!window.observe(at(0), SPAM, "a"));
        assert!(!window.observe(at(300), SPAM, "b"));
        // At 700 s the first copy (0 s) is more than 600 s old: only b and c count.
        assert!(!window.observe(at(700), SPAM, "c"));
        assert_eq!(window.tracked(), 2);
    }

    #[test]
    fn same_author_three_times_is_not_a_campaign() {
        let mut window = DuplicateWindow::new(DuplicateSettings::default());
        for second in [0, 10, 20] {
            assert!(!window.observe(at(second), SPAM, "a"));
        }
    }

    #[test]
    fn short_texts_are_never_flagged() {
        let mut window = DuplicateWindow::new(DuplicateSettings::default());
        for (second, author) in [(0, "a"), (1, "b"), (2, "c"), (3, "d")] {
            assert!(!window.observe(at(second), "Thank you!", author));
        }
    }

    #[test]
    fn memory_is_bounded_by_max_tracked() {
        let settings = DuplicateSettings {
            max_tracked: 10,
            ..DuplicateSettings::default()
        };
        let mut window = DuplicateWindow::new(settings);
        for i in 0..100 {
            window.observe(at(i), &format!("{SPAM} number {i}"), "a");
        }
        assert_eq!(window.tracked(), 10);
        assert!(window.groups.len() <= 10);
    }
}
