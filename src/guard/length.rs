//! Counting characters the way each network does, and fitting a text into a
//! limit by splitting it into a numbered thread or shortening it.
//!
//! Most networks count Unicode scalar values ([`LengthCounter::Chars`]). X
//! counts a *weighted* length ([`LengthCounter::XWeighted`]), following the
//! version 3 configuration of X's `twitter-text` library:
//!
//! - the limit is 280 at a scale of 100 (a budget of 28,000 units);
//! - a code point weighs 100 (one character) in `U+0000..=U+10FF` (Latin,
//!   Latin-1, Greek, Cyrillic, Hebrew, Arabic, Thai, ...), `U+2000..=U+200D`
//!   (spaces), `U+2010..=U+201F` (dashes and quotes) and `U+2032..=U+2037`
//!   (primes); every other code point weighs the default 200 (two
//!   characters): CJK, kana, Hangul, emoji, `…`;
//! - a URL counts 23 characters whatever its length;
//! - an emoji sequence (a flag, a keycap, a skin tone, a ZWJ family) counts
//!   as one emoji, 2 characters.
//!
//! What is approximated: URLs are recognised as tokens containing
//! `http://` or `https://`, starting with `www.`, or bare domains with a
//! common top-level domain (a country-code domain only with a path);
//! `twitter-text` applies its full TLD list. Text is not NFC-normalised first
//! (a decomposed `é` counts two characters here, one on X).
//!
//! ```
//! use caredesk::guard::length::LengthCounter;
//! let x = LengthCounter::XWeighted;
//! assert_eq!(x.measure("Hello"), 5);
//! assert_eq!(x.measure("你好"), 4);
//! assert_eq!(x.measure("see https://www.klm.com/travel/clearance-information"), 4 + 23);
//! assert_eq!(x.measure("🇳🇱"), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::model::ChannelKind;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// How a network counts the length of a text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum LengthCounter {
    /// One per Unicode scalar value (the default for most networks).
    #[default]
    Chars,
    /// X's weighted length (see the [module docs](self)).
    XWeighted,
}

/// Weight units per character on X's scale.
const X_SCALE: u64 = 100;
/// The weight of a code point outside the light ranges.
const X_DEFAULT_WEIGHT: u64 = 200;
/// What a URL counts, in characters.
const X_URL_LENGTH: u64 = 23;

impl LengthCounter {
    /// The counter a network uses: weighted for X, characters elsewhere.
    pub fn for_kind(kind: ChannelKind) -> LengthCounter {
        match kind {
            ChannelKind::X => LengthCounter::XWeighted,
            _ => LengthCounter::Chars,
        }
    }

    /// The length of `text` as the network counts it, in characters.
    pub fn measure(&self, text: &str) -> usize {
        match self {
            LengthCounter::Chars => text.chars().count(),
            LengthCounter::XWeighted => {
                let units = x_weighted_units(text);
                usize::try_from(units.div_ceil(X_SCALE)).unwrap_or(usize::MAX)
            }
        }
    }

    /// Whether `text` fits in `limit` characters as the network counts them.
    pub fn fits(&self, text: &str, limit: usize) -> bool {
        self.measure(text) <= limit
    }
}

/// X's weighted length of `text` in weight units (100 per light character).
///
/// ```
/// use caredesk::guard::length::x_weighted_units;
/// assert_eq!(x_weighted_units("ab"), 200);
/// assert_eq!(x_weighted_units("日本"), 400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn x_weighted_units(text: &str) -> u64 {
    let mut total = 0u64;
    let mut token_start: Option<usize> = None;
    for (at, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(start) = token_start.take() {
                total += token_units(text.get(start..at).unwrap_or(""));
            }
            total += char_units(c);
        } else if token_start.is_none() {
            token_start = Some(at);
        }
    }
    if let Some(start) = token_start {
        total += token_units(text.get(start..).unwrap_or(""));
    }
    total
}

fn char_units(c: char) -> u64 {
    let cp = u32::from(c);
    if cp <= 0x10FF
        || (0x2000..=0x200D).contains(&cp)
        || (0x2010..=0x201F).contains(&cp)
        || (0x2032..=0x2037).contains(&cp)
    {
        X_SCALE
    } else {
        X_DEFAULT_WEIGHT
    }
}

/// Units of one whitespace-free token: a URL inside it counts 23.
fn token_units(token: &str) -> u64 {
    match url_span(token) {
        Some(span) => {
            plain_units(token.get(..span.start).unwrap_or(""))
                + X_URL_LENGTH * X_SCALE
                + plain_units(token.get(span.end..).unwrap_or(""))
        }
        None => plain_units(token),
    }
}

/// Units of text without URLs, with emoji sequences counted once.
fn plain_units(text: &str) -> u64 {
    let mut total = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let emoji = if is_regional_indicator(c) {
            if chars.peek().copied().is_some_and(is_regional_indicator) {
                chars.next();
            }
            true
        } else if is_pictographic(c) {
            true
        } else if is_keycap_base(c) {
            // A keycap: digit, `#` or `*`, an optional variation selector, U+20E3.
            let mut look = chars.clone();
            if look.peek() == Some(&'\u{FE0F}') {
                look.next();
            }
            if look.peek() == Some(&'\u{20E3}') {
                look.next();
                chars = look;
                true
            } else {
                false
            }
        } else {
            matches!(c, '\u{A9}' | '\u{AE}') && chars.peek() == Some(&'\u{FE0F}')
        };
        if !emoji {
            total += char_units(c);
            continue;
        }
        // Swallow what extends the emoji: selectors, skin tones, tags, keycap
        // marks, and ZWJ-joined followers.
        while let Some(next) = chars.peek().copied() {
            if matches!(next, '\u{FE0E}' | '\u{FE0F}' | '\u{20E3}')
                || ('\u{1F3FB}'..='\u{1F3FF}').contains(&next)
                || ('\u{E0020}'..='\u{E007F}').contains(&next)
            {
                chars.next();
            } else if next == '\u{200D}' {
                chars.next();
                if chars
                    .peek()
                    .copied()
                    .is_some_and(|after| is_pictographic(after) || is_regional_indicator(after))
                {
                    chars.next();
                }
            } else {
                break;
            }
        }
        total += X_DEFAULT_WEIGHT;
    }
    total
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_keycap_base(c: char) -> bool {
    c.is_ascii_digit() || c == '#' || c == '*'
}

/// Code points that start an emoji (pictographs, dingbats, symbols).
pub(crate) fn is_pictographic(c: char) -> bool {
    matches!(u32::from(c),
        0x1F000..=0x1FAFF
        | 0x2600..=0x27BF
        | 0x2B00..=0x2BFF
        | 0x2300..=0x23FF
        | 0x2190..=0x21FF
        | 0x25A0..=0x25FF
        | 0x2934..=0x2935
        | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

/// Top-level domains that make a bare `name.tld` a URL.
const GENERIC_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "io", "co", "tv", "app", "dev", "me", "ly", "travel",
    "aero", "eu",
];
/// Country-code domains: a URL without a scheme only with a path.
const COUNTRY_TLDS: &[&str] = &[
    "nl", "de", "fr", "es", "it", "pt", "no", "ru", "tr", "uk", "jp", "kr", "cn", "th", "be", "at",
    "ch", "se", "dk", "fi", "us", "ca", "au", "br", "mx", "in", "ie", "pl", "hk", "tw", "sg",
];

/// The byte span of a URL inside a whitespace-free token, if any.
fn url_span(token: &str) -> Option<Range<usize>> {
    // Every URL form below has a dot or "://"; most words have neither.
    if !token.bytes().any(|b| b == b'.' || b == b':') {
        return None;
    }
    let lower_has = |needle: &str| {
        token
            .as_bytes()
            .windows(needle.len())
            .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    let start = lower_has("https://").or_else(|| lower_has("http://"));
    let trimmed_end = |from: usize| {
        let rest = token.get(from..).unwrap_or("");
        let kept = rest.trim_end_matches(|c: char| {
            matches!(
                c,
                '.' | ',' | '!' | '?' | ';' | ':' | ')' | ']' | '"' | '\'' | '»' | '…'
            )
        });
        from + kept.len()
    };
    if let Some(start) = start {
        let scheme = if token
            .get(start..start + 8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        {
            8
        } else {
            7
        };
        let end = trimmed_end(start);
        return (end > start + scheme).then_some(start..end);
    }
    // Bare domains: skip leading punctuation such as "(".
    let lead = token.len()
        - token
            .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
            .len();
    let end = trimmed_end(lead);
    let candidate = token.get(lead..end)?;
    if candidate.len() > 4 && candidate.get(..4)?.eq_ignore_ascii_case("www.") {
        return Some(lead..end);
    }
    let (host, has_path) = match candidate.find('/') {
        Some(slash) => (candidate.get(..slash)?, slash + 1 < candidate.len()),
        None => (candidate, false),
    };
    let mut labels = host.split('.');
    let first = labels.next()?;
    if first.is_empty() || !valid_label(first) {
        return None;
    }
    let mut last = None;
    for label in labels {
        if !valid_label(label) {
            return None;
        }
        last = Some(label);
    }
    let tld = last?.to_ascii_lowercase();
    let known =
        GENERIC_TLDS.contains(&tld.as_str()) || (has_path && COUNTRY_TLDS.contains(&tld.as_str()));
    known.then_some(lead..end)
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// One post of a thread made by [`split_thread`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ThreadPart {
    /// What to post: the trimmed body, then ` i/n` when there is more than
    /// one part.
    pub text: String,
    /// The byte range of the original text this part covers. The ranges of a
    /// thread are contiguous and cover the whole text; whitespace at a range's
    /// edges is not posted.
    pub source: Range<usize>,
}

/// A text could not be fitted into a limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// The limit leaves no room for text once the numbering (` 1/9`) or the
    /// ellipsis is reserved; use a larger limit.
    #[error("a limit of {limit} characters leaves no room for text")]
    LimitTooSmall {
        /// The limit given.
        limit: usize,
    },
    /// The text would need more than 9,999 parts; shorten it first.
    #[error("the text needs more than 9999 parts")]
    TooManyParts,
}

/// Where [`shorten`] cut the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cut {
    /// Nothing was cut: the text fits.
    None,
    /// After a whole sentence (no ellipsis: the text ends cleanly).
    Sentence,
    /// After a whole word, with an ellipsis.
    Word,
    /// Inside a word (no boundary fitted), with an ellipsis.
    Char,
}

/// What [`shorten`] did.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shortened {
    /// The text to send.
    pub text: String,
    /// How many bytes of the original were kept (`text` starts with
    /// `original[..kept]`, trailing whitespace trimmed).
    pub kept: usize,
    /// Where it was cut.
    pub cut: Cut,
}

impl Shortened {
    /// Whether anything was removed.
    pub fn was_cut(&self) -> bool {
        self.cut != Cut::None
    }
}

/// The ellipsis [`shorten`] appends after a word or character cut.
pub const ELLIPSIS: &str = "…";

fn ends_sentence(text: &str) -> bool {
    let trimmed = text.trim_end_matches(['"', '\'', ')', '»', '”', '’']);
    trimmed.ends_with(['.', '!', '?', '。', '！', '？', '…'])
}

/// Break candidates after `from`: byte offsets where a whitespace run starts
/// (the end of a word), with whether the word ends a sentence.
fn breaks(text: &str, from: usize) -> Vec<(usize, bool)> {
    let mut out = Vec::new();
    let mut in_word = false;
    let tail = text.get(from..).unwrap_or("");
    for (at, c) in tail.char_indices() {
        let at = at + from;
        if c.is_whitespace() {
            if in_word {
                out.push((at, ends_sentence(text.get(from..at).unwrap_or(""))));
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    if in_word {
        out.push((text.len(), true));
    }
    out
}

/// The end of the longest chunk starting at `from` whose trimmed text fits
/// `budget`, preferring a sentence end that keeps at least a third of it,
/// then a word end, then a character boundary; at least one character.
fn chunk_end(text: &str, from: usize, budget: usize, counter: LengthCounter) -> (usize, Cut) {
    let fits = |end: usize| counter.measure(text.get(from..end).unwrap_or("").trim()) <= budget;
    let candidates = breaks(text, from);
    // Chunks grow with the end, so their measure does too: binary search.
    let fitting = candidates.partition_point(|(end, _)| fits(*end));
    if fitting > 0 {
        let best = &candidates[..fitting];
        let longest = best[fitting - 1];
        if longest.0 == text.len() {
            return (longest.0, Cut::None);
        }
        let third = budget / 3;
        if let Some(sentence) = best.iter().rev().find(|(end, sentence)| {
            *sentence && counter.measure(text.get(from..*end).unwrap_or("").trim()) >= third
        }) {
            return (sentence.0, Cut::Sentence);
        }
        return (longest.0, Cut::Word);
    }
    // No word fits: cut inside the first word at a character boundary.
    let bounds: Vec<usize> = text
        .get(from..)
        .unwrap_or("")
        .char_indices()
        .map(|(at, c)| at + from + c.len_utf8())
        .collect();
    let fitting = bounds.partition_point(|end| fits(*end));
    let end = bounds
        .get(fitting.saturating_sub(1))
        .copied()
        .unwrap_or(text.len());
    (end, Cut::Char)
}

/// Splits `text` into numbered posts (`"... 1/3"`) that each fit `limit` as
/// `counter` counts, cutting after a sentence when that fills at least a
/// third of the part, else after a word, and inside a word only when one
/// word alone is too long. A text that fits comes back as one part without numbering.
/// Nothing is lost: the parts' [`ThreadPart::source`] ranges cover the whole
/// text, and each part's body is its range trimmed.
///
/// ```
/// use caredesk::guard::length::{split_thread, LengthCounter};
/// let text = "We are so sorry. Your bag is on its way to Oslo. It arrives tonight.";
/// let parts = split_thread(text, 40, LengthCounter::Chars)?;
/// let posts: Vec<&str> = parts.iter().map(|p| p.text.as_str()).collect();
/// assert_eq!(posts, ["We are so sorry. 1/3", "Your bag is on its way to Oslo. 2/3", "It arrives tonight. 3/3"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`FitError::LimitTooSmall`] when the limit leaves no room for text next
/// to the numbering; [`FitError::TooManyParts`] beyond 9,999 parts.
pub fn split_thread(
    text: &str,
    limit: usize,
    counter: LengthCounter,
) -> Result<Vec<ThreadPart>, FitError> {
    if counter.fits(text.trim(), limit) {
        return Ok(vec![ThreadPart {
            text: text.trim().to_owned(),
            source: 0..text.len(),
        }]);
    }
    for digits in 1..=4u32 {
        let most = 10usize.pow(digits) - 1;
        let widest = format!(" {most}/{most}");
        let budget = limit.saturating_sub(counter.measure(&widest));
        if budget == 0 {
            return Err(FitError::LimitTooSmall { limit });
        }
        let mut ranges = Vec::new();
        let mut from = 0;
        while from < text.len() && ranges.len() <= most {
            let (end, _) = chunk_end(text, from, budget, counter);
            // Whitespace after the cut belongs to this part's range.
            let rest = text.get(end..).unwrap_or("");
            let end = end + (rest.len() - rest.trim_start().len());
            ranges.push(from..end);
            from = end;
        }
        if ranges.len() > most {
            continue;
        }
        let total = ranges.len();
        return Ok(ranges
            .into_iter()
            .enumerate()
            .map(|(index, source)| ThreadPart {
                text: format!(
                    "{} {}/{}",
                    text.get(source.clone()).unwrap_or("").trim(),
                    index + 1,
                    total
                ),
                source,
            })
            .collect());
    }
    Err(FitError::TooManyParts)
}

/// Shortens `text` to fit `limit` as `counter` counts: after the last whole
/// sentence that keeps at least half the limit, else after the last whole
/// word with an ellipsis (`…`), else inside the first word with an ellipsis.
/// It never cuts silently: [`Shortened::cut`] says what was done and
/// [`Shortened::kept`] how much of the original remains.
///
/// ```
/// use caredesk::guard::length::{shorten, Cut, LengthCounter};
/// let done = shorten("Your bag arrives tonight in Oslo", 20, LengthCounter::Chars)?;
/// assert_eq!(done.text, "Your bag arrives…");
/// assert_eq!(done.cut, Cut::Word);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`FitError::LimitTooSmall`] when the limit cannot hold one character and
/// the ellipsis.
pub fn shorten(text: &str, limit: usize, counter: LengthCounter) -> Result<Shortened, FitError> {
    if counter.fits(text, limit) {
        return Ok(Shortened {
            text: text.to_owned(),
            kept: text.len(),
            cut: Cut::None,
        });
    }
    // A sentence end that fits without an ellipsis comes first.
    let candidates = breaks(text, 0);
    let fitting =
        candidates.partition_point(|(end, _)| counter.fits(text.get(..*end).unwrap_or(""), limit));
    if let Some((end, _)) = candidates[..fitting].iter().rev().find(|(end, sentence)| {
        *sentence && counter.measure(text.get(..*end).unwrap_or("")) >= limit / 2
    }) {
        let kept = text.get(..*end).unwrap_or("").trim_end();
        return Ok(Shortened {
            text: kept.to_owned(),
            kept: kept.len(),
            cut: Cut::Sentence,
        });
    }
    let budget = limit.saturating_sub(counter.measure(ELLIPSIS));
    if budget == 0 {
        return Err(FitError::LimitTooSmall { limit });
    }
    let start = text.len() - text.trim_start().len();
    let (end, cut) = chunk_end(text, start, budget, counter);
    let cut = if cut == Cut::Sentence { Cut::Word } else { cut };
    let kept = text.get(..end).unwrap_or("").trim_end();
    if kept.is_empty() {
        return Err(FitError::LimitTooSmall { limit });
    }
    Ok(Shortened {
        text: format!("{kept}{ELLIPSIS}"),
        kept: kept.len(),
        cut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: LengthCounter = LengthCounter::XWeighted;

    #[test]
    fn x_allows_280_latin_characters_and_not_281() {
        assert_eq!(X.measure(&"a".repeat(280)), 280);
        assert!(X.fits(&"a".repeat(280), 280));
        assert!(!X.fits(&"a".repeat(281), 280));
    }

    #[test]
    fn x_allows_140_cjk_characters_and_not_141() {
        assert_eq!(X.measure(&"漢".repeat(140)), 280);
        assert!(X.fits(&"漢".repeat(140), 280));
        assert!(!X.fits(&"漢".repeat(141), 280));
        assert_eq!(X.measure(&"한".repeat(141)), 282);
        // Thai lies in the light range.
        assert_eq!(X.measure(&"ก".repeat(10)), 10);
    }

    #[test]
    fn x_counts_any_url_as_23() {
        assert_eq!(X.measure("https://t.co"), 23);
        assert_eq!(
            X.measure("https://www.klm.com/information/travel-documents/very/long/path?x=1"),
            23
        );
        assert_eq!(X.measure("(www.klm.com)"), 25);
        assert_eq!(X.measure("klm.com"), 23);
        assert_eq!(X.measure("see klm.nl/rebook now"), 4 + 23 + 4);
        // A country-code domain without a path is not a link.
        assert_eq!(X.measure("klm.nl"), 6);
        assert_eq!(X.measure("e.g."), 4);
        assert_eq!(X.measure("https://"), 8);
    }

    #[test]
    fn x_counts_light_punctuation_once_and_the_ellipsis_twice() {
        assert_eq!(X.measure("“quoted” — ok"), 13);
        assert_eq!(X.measure("…"), 2);
        assert_eq!(X.measure("Привет"), 6);
    }

    #[test]
    fn x_counts_an_emoji_sequence_as_one_emoji() {
        assert_eq!(X.measure("😂"), 2);
        assert_eq!(X.measure("👍🏽"), 2);
        assert_eq!(X.measure("👨‍👩‍👧"), 2);
        assert_eq!(X.measure("🇳🇱🇳🇴"), 4);
        assert_eq!(X.measure("1️⃣"), 2);
        assert_eq!(X.measure("❤️"), 2);
        assert_eq!(X.measure("12"), 2);
    }

    #[test]
    fn chars_counts_scalar_values() {
        assert_eq!(LengthCounter::Chars.measure("漢字 https://t.co"), 15);
    }

    #[test]
    fn a_text_that_fits_is_one_part_without_numbering() {
        let parts = split_thread("  Hello there ", 280, X).unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].text, "Hello there");
        assert_eq!(parts[0].source, 0..14);
    }

    #[test]
    fn split_cuts_inside_a_word_only_when_it_alone_is_too_long() {
        let parts = split_thread("abcdefghijklmnop", 10, LengthCounter::Chars).unwrap();
        let posts: Vec<&str> = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(posts, ["abcdef 1/3", "ghijkl 2/3", "mnop 3/3"]);
    }

    #[test]
    fn split_uses_two_digit_numbering_when_parts_exceed_nine() {
        let text = "word ".repeat(60);
        let parts = split_thread(&text, 20, LengthCounter::Chars).unwrap();
        assert!(parts.len() > 9);
        assert!(parts.iter().all(|p| p.text.chars().count() <= 20));
        assert!(parts[0].text.ends_with(&format!(" 1/{}", parts.len())));
    }

    #[test]
    fn split_refuses_a_limit_with_no_room_for_text() {
        assert_eq!(
            split_thread("hello world", 4, LengthCounter::Chars),
            Err(FitError::LimitTooSmall { limit: 4 })
        );
    }

    #[test]
    fn shorten_prefers_a_whole_sentence_without_ellipsis() {
        let done = shorten(
            "We found your bag. It is on the evening flight to Oslo.",
            30,
            LengthCounter::Chars,
        )
        .unwrap();
        assert_eq!(done.text, "We found your bag.");
        assert_eq!(done.cut, Cut::Sentence);
        assert_eq!(done.kept, 18);
    }

    #[test]
    fn shorten_leaves_a_fitting_text_alone() {
        let done = shorten("short", 10, LengthCounter::Chars).unwrap();
        assert_eq!(done.text, "short");
        assert!(!done.was_cut());
    }

    #[test]
    fn shorten_counts_the_ellipsis_as_x_does() {
        let done = shorten(&"a ".repeat(200), 280, X).unwrap();
        assert!(X.measure(&done.text) <= 280);
        assert!(done.text.ends_with('…'));
        assert_eq!(done.cut, Cut::Word);
    }
}
