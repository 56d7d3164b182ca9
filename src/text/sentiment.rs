//! Sentiment scoring: how positive or negative a customer's message reads.
//!
//! [`SentimentScorer`] is the seam: triage asks a scorer for a number in
//! [-1, 1] (between -0.05 and 0.05 reads as neutral) and users can plug in
//! their own model. [`LexiconScorer`] is the built-in one: word lists with
//! valences for the fourteen languages of the reference desk, tuned for
//! airline care (delays, cancellations, lost bags, hours on hold), with
//!
//! - negation: "not good", "isn't helpful", "no help", "never again"; a
//!   negation with nothing to flip still counts as a complaint ("I can't
//!   check in"); Japanese ない and Turkish değil flip the word before them;
//! - intensifiers and dampeners: "very", "so", "extremely", "slightly", words
//!   in ALL CAPS in a text that is not shouted throughout, and up to four `!`;
//! - contrast: after "but" (maar, mais, aber, 但是, ...) counts 1.5 times,
//!   before it half;
//! - emoji and emoticons: 😡 and `:(` negative, 😊, 🙏 and `:)` positive, ✈️ neutral;
//! - questions: in "is flight 12 on time?" or "what's the fee?" positive
//!   and mild negative words count for nothing;
//! - phrases: "thank you", "thanks for nothing", "on hold", "still waiting",
//!   "missed my connection", "2 hours";
//! - sarcasm next to a disruption: in "great, another delay" the enthusiasm
//!   counts for little.
//!
//! The sum of valences `x` is squashed to `x / sqrt(x² + 15)`.
//!
//! ```
//! use caredesk::model::Language;
//! use caredesk::text::sentiment::{LexiconScorer, SentimentScorer};
//!
//! let scorer = LexiconScorer::default();
//! assert!(scorer.score("@airline 3 hours on hold and still no answer 😡", None) < -0.5);
//! assert!(scorer.score("Thank you for the quick rebooking, great crew!", None) > 0.5);
//! assert!(scorer.score("What is the baggage allowance to Tokyo?", None).abs() < 0.05);
//! assert!(scorer.score("Vlucht geannuleerd, niemand helpt", Some(Language::DUTCH)) < -0.05);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Languages
//!
//! With `Some(language)`, words are looked up in that language's list first and
//! then in English (tweets mix in English words). With `None`, Latin-script
//! words are looked up in English, then in the other Latin-script lists merged;
//! Cyrillic words in Russian; Thai, Hangul and Chinese/Japanese text in the
//! list of their script (a run with kana is Japanese). Chinese, Japanese,
//! Korean and Thai are matched as substrings, longest entry first.

mod lexicons;

use crate::model::Language;
use lexicons::LangSpec;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock};

/// The half-width of the neutral band: a score strictly between
/// `-NEUTRAL_BAND` and `NEUTRAL_BAND` reads as neutral.
pub const NEUTRAL_BAND: f32 = 0.05;

/// Scores how positive or negative a text is.
///
/// Implementations return a number in [-1, 1]; between -0.05 and 0.05 reads
/// as neutral. They must be deterministic (triage records the score in an
/// event, and replay never asks again) and must not panic on any text.
///
/// Plug in your own model by implementing it:
///
/// ```
/// use caredesk::model::Language;
/// use caredesk::text::sentiment::SentimentScorer;
///
/// struct Grumpy;
/// impl SentimentScorer for Grumpy {
///     fn score(&self, _text: &str, _language: Option<Language>) -> f32 {
///         -0.5
///     }
/// }
/// let scorer: Box<dyn SentimentScorer> = Box::new(Grumpy);
/// assert_eq!(scorer.score("hello", None), -0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SentimentScorer: Send + Sync {
    /// The sentiment of `text` in [-1, 1], given its language when known.
    fn score(&self, text: &str, language: Option<Language>) -> f32;
}

impl<T: SentimentScorer + ?Sized> SentimentScorer for &T {
    fn score(&self, text: &str, language: Option<Language>) -> f32 {
        (**self).score(text, language)
    }
}

impl<T: SentimentScorer + ?Sized> SentimentScorer for Box<T> {
    fn score(&self, text: &str, language: Option<Language>) -> f32 {
        (**self).score(text, language)
    }
}

impl<T: SentimentScorer + ?Sized> SentimentScorer for Arc<T> {
    fn score(&self, text: &str, language: Option<Language>) -> f32 {
        (**self).score(text, language)
    }
}

/// The built-in sentiment scorer: hand-made word lists with valences, plus
/// rules for negation, intensity, contrast, emoji and sarcasm (see the
/// [module docs](self)).
///
/// It is cheap to create and clone (the word lists are built once per
/// process and shared) and scores a short post in about a microsecond. Add
/// words of your own domain with [`LexiconScorer::with_word`].
///
/// ```
/// use caredesk::text::sentiment::{LexiconScorer, SentimentScorer};
/// let scorer = LexiconScorer::default().with_word("bumpy", -1.5);
/// assert!(scorer.score("bumpy landing", None) < -0.05);
/// assert!(scorer.score("not a bumpy landing at all", None) > 0.05);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct LexiconScorer {
    tables: &'static Tables,
    custom: Arc<FastMap<Box<str>, f32>>,
}

impl Default for LexiconScorer {
    fn default() -> Self {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        LexiconScorer {
            tables: TABLES.get_or_init(Tables::build),
            custom: Arc::new(FastMap::default()),
        }
    }
}

impl LexiconScorer {
    /// The built-in scorer.
    pub fn new() -> Self {
        LexiconScorer::default()
    }

    /// Adds (or overrides) a whole word with its valence, looked up before the
    /// built-in lists in every language. `valence` is on the lists' scale:
    /// about ±1 for mild words, ±2 for clear ones, ±3 for the strongest; it
    /// is clamped to [-4, 4], and a NaN valence is ignored. The word is
    /// matched case-insensitively as one word of a spaced script (not inside
    /// Chinese, Japanese, Korean or Thai text).
    #[must_use]
    pub fn with_word(mut self, word: &str, valence: f32) -> Self {
        let word = word.trim().to_lowercase();
        if !word.is_empty() && !valence.is_nan() {
            Arc::make_mut(&mut self.custom).insert(word.into_boxed_str(), valence.clamp(-4.0, 4.0));
        }
        self
    }
}

impl SentimentScorer for LexiconScorer {
    fn score(&self, text: &str, language: Option<Language>) -> f32 {
        let mut run = Run::new(self, language);
        run.tokenize(text);
        let sum = run.sum();
        let score = sum / (sum * sum + NORMALIZE_ALPHA).sqrt();
        if score.is_nan() {
            0.0
        } else {
            score.clamp(-1.0, 1.0)
        }
    }
}

/// `x / sqrt(x² + α)`: with α = 15 a single clear word (±2) scores about ±0.46.
const NORMALIZE_ALPHA: f32 = 15.0;
/// How many preceding words a negation reaches.
const NEGATION_WINDOW: usize = 3;
/// A flipped positive word keeps this share of its valence, negative.
const NEGATED_POSITIVE: f32 = -0.75;
/// A flipped negative word ("not bad") keeps this share, positive.
const NEGATED_NEGATIVE: f32 = -0.45;
/// Weight of a word in ALL CAPS in a text that is not all capitals.
const CAPS_EMPHASIS: f32 = 1.3;
/// Added to the sum (in its direction) per `!`, up to four.
const EXCLAMATION_EMPHASIS: f32 = 0.3;
/// Weights before and after the last contrast word ("but").
const BEFORE_CONTRAST: f32 = 0.5;
const AFTER_CONTRAST: f32 = 1.5;
/// Enthusiastic words in a text whose negative words add up to this or less
/// are taken as probably sarcastic...
const SARCASM_NEGATIVE_TOTAL: f32 = -2.0;
/// ... and keep this share of their valence.
const SARCASM_SHARE: f32 = 0.3;
/// In a question, negative words milder than this count for nothing.
const QUESTION_MILD_NEGATIVE: f32 = -1.0;
/// What an unused post-negator (Japanese ない) adds on its own.
const POST_NEGATOR_RESIDUAL: f32 = -0.4;

// ---------------------------------------------------------------------------
// Lexicon tables

/// A small, fast, deterministic hasher (FxHash-style multiply-rotate) for the
/// word tables; the keys are our own words, so flooding is not a concern.
#[derive(Default, Clone, Copy)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        for byte in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*byte)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.write(&[byte]);
    }

    fn write_u32(&mut self, value: u32) {
        self.write(&value.to_le_bytes());
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// What the lists say about one word, stem, phrase or substring.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Info {
    valence: f32,
    /// Flips the next sentiment word; the value is its own valence if unused.
    negator: Option<f32>,
    post_negator: bool,
    booster: f32,
    contrast: bool,
    enthusiastic: bool,
    /// Some phrase starts with this word.
    phrase_head: bool,
    /// (Substring lists) only matches a whole run of its script.
    whole_run: bool,
}

impl Info {
    /// Whether the entry says anything beyond starting a phrase.
    fn is_meaningful(&self) -> bool {
        self.valence != 0.0
            || self.negator.is_some()
            || self.post_negator
            || self.booster != 0.0
            || self.contrast
    }
}

/// One part of a phrase: a word, or `#` for any number.
type Phrase = (Vec<Box<str>>, Info);

/// A word list for a language written with spaces.
#[derive(Debug, Default)]
struct WordLexicon {
    exact: FastMap<Box<str>, Info>,
    /// Stems keyed by their first three chars, longest first.
    stems: FastMap<Box<str>, Vec<(Box<str>, Info)>>,
    /// Phrases keyed by their first word, longest first.
    phrases: FastMap<Box<str>, Vec<Phrase>>,
}

/// The first `n` chars of `s`.
fn prefix_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((at, _)) => s.get(..at).unwrap_or(s),
        None => s,
    }
}

impl WordLexicon {
    fn from_specs(specs: &[&LangSpec], excluded: &[&str]) -> Self {
        let mut lexicon = WordLexicon::default();
        for spec in specs {
            let mut add = |entry: &str, set: &dyn Fn(&mut Info)| {
                if !excluded.contains(&entry) {
                    lexicon.add(entry, set);
                }
            };
            for (entry, valence) in spec.words {
                add(entry, &|info| info.valence = *valence);
            }
            for (entry, residual) in spec.negators {
                add(entry, &|info| info.negator = Some(*residual));
            }
            for entry in spec.post_negators {
                add(entry, &|info| info.post_negator = true);
            }
            for (entry, booster) in spec.boosters {
                add(entry, &|info| info.booster = *booster);
            }
            for entry in spec.contrast {
                add(entry, &|info| info.contrast = true);
            }
            for entry in spec.enthusiastic {
                add(entry, &|info| info.enthusiastic = true);
            }
        }
        for list in lexicon.stems.values_mut() {
            list.sort_by_key(|entry| std::cmp::Reverse(entry.0.len()));
        }
        for list in lexicon.phrases.values_mut() {
            list.sort_by_key(|entry| std::cmp::Reverse(entry.0.len()));
        }
        lexicon
    }

    /// Adds or updates an entry; the first list to define a field wins, so a
    /// merged fallback keeps the first language's meaning.
    fn add(&mut self, entry: &str, set: &dyn Fn(&mut Info)) {
        let mut words = entry.split_whitespace();
        let (Some(head), second) = (words.next(), words.next()) else {
            return;
        };
        if second.is_some() {
            let parts: Vec<Box<str>> = entry.split_whitespace().map(Box::from).collect();
            let list = self.phrases.entry(Box::from(head)).or_default();
            match list.iter_mut().find(|(p, _)| *p == parts) {
                Some((_, info)) => merge(info, set),
                None => {
                    let mut info = Info::default();
                    set(&mut info);
                    list.push((parts, info));
                }
            }
            self.exact.entry(Box::from(head)).or_default().phrase_head = true;
        } else if let Some(stem) = head.strip_suffix('*').filter(|s| s.chars().count() >= 3) {
            let list = self
                .stems
                .entry(Box::from(prefix_chars(stem, 3)))
                .or_default();
            match list.iter_mut().find(|(s, _)| &**s == stem) {
                Some((_, info)) => merge(info, set),
                None => {
                    let mut info = Info::default();
                    set(&mut info);
                    list.push((Box::from(stem), info));
                }
            }
        } else {
            merge(self.exact.entry(Box::from(head)).or_default(), set);
        }
    }

    fn lookup(&self, word: &str) -> Option<Info> {
        let exact = self.exact.get(word).copied();
        if let Some(info) = exact.filter(Info::is_meaningful) {
            return Some(info);
        }
        let stem = self.stems.get(prefix_chars(word, 3)).and_then(|list| {
            list.iter()
                .find(|(stem, _)| word.starts_with(&**stem))
                .map(|(_, info)| *info)
        });
        match (exact, stem) {
            (Some(head), Some(mut info)) => {
                info.phrase_head = head.phrase_head;
                Some(info)
            }
            (None, stem) => stem,
            (head, None) => head,
        }
    }
}

/// Applies `set` to a copy and keeps only the fields the existing entry
/// does not define yet.
fn merge(info: &mut Info, set: &dyn Fn(&mut Info)) {
    let mut new = Info::default();
    set(&mut new);
    if info.valence == 0.0 {
        info.valence = new.valence;
    }
    if info.negator.is_none() {
        info.negator = new.negator;
    }
    if info.booster == 0.0 {
        info.booster = new.booster;
    }
    info.post_negator |= new.post_negator;
    info.contrast |= new.contrast;
    info.enthusiastic |= new.enthusiastic;
}

/// A list for a script written without spaces: entries by first char,
/// longest first.
#[derive(Debug, Default)]
struct SubstringLexicon {
    by_first: FastMap<char, Vec<(Box<str>, Info)>>,
}

impl SubstringLexicon {
    fn from_specs(specs: &[&LangSpec]) -> Self {
        let mut lexicon = SubstringLexicon::default();
        for spec in specs {
            let mut add = |entry: &str, set: &dyn Fn(&mut Info)| lexicon.add(entry, set);
            for (entry, valence) in spec.words {
                add(entry, &|info| info.valence = *valence);
            }
            for (entry, residual) in spec.negators {
                add(entry, &|info| info.negator = Some(*residual));
            }
            for entry in spec.post_negators {
                add(entry, &|info| info.post_negator = true);
            }
            for (entry, booster) in spec.boosters {
                add(entry, &|info| info.booster = *booster);
            }
            for entry in spec.contrast {
                add(entry, &|info| info.contrast = true);
            }
        }
        for list in lexicon.by_first.values_mut() {
            list.sort_by_key(|entry| std::cmp::Reverse(entry.0.len()));
        }
        lexicon
    }

    fn add(&mut self, entry: &str, set: &dyn Fn(&mut Info)) {
        let (whole_run, entry) = match entry.strip_prefix('=') {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        let Some(first) = entry.chars().next() else {
            return;
        };
        let list = self.by_first.entry(first).or_default();
        match list.iter_mut().find(|(e, _)| &**e == entry) {
            Some((_, info)) => merge(info, set),
            None => {
                let mut info = Info {
                    whole_run,
                    ..Info::default()
                };
                set(&mut info);
                list.push((Box::from(entry), info));
            }
        }
    }

    /// The longest entry at the start of `rest` (a tail of `run`).
    fn longest_at(&self, rest: &str, run: &str) -> Option<(usize, Info)> {
        let first = rest.chars().next()?;
        let list = self.by_first.get(&first)?;
        list.iter()
            .find(|(entry, info)| {
                rest.starts_with(&**entry) && (!info.whole_run || **entry == *run)
            })
            .map(|(entry, info)| (entry.len(), *info))
    }
}

/// Every compiled list, built once per process.
#[derive(Debug)]
struct Tables {
    english: WordLexicon,
    /// Latin-script lists by language.
    latin: Vec<(Language, WordLexicon)>,
    /// Every Latin-script list but English merged, for unknown languages.
    fallback: WordLexicon,
    russian: WordLexicon,
    chinese: SubstringLexicon,
    japanese: SubstringLexicon,
    /// Chinese and Japanese merged, for Han text in an unknown language.
    han: SubstringLexicon,
    korean: SubstringLexicon,
    thai: SubstringLexicon,
}

impl Tables {
    fn build() -> Self {
        use lexicons::*;
        let latin_specs: [&LangSpec; 8] = [
            &DUTCH,
            &GERMAN,
            &FRENCH,
            &SPANISH,
            &PORTUGUESE,
            &ITALIAN,
            &NORWEGIAN,
            &TURKISH,
        ];
        Tables {
            english: WordLexicon::from_specs(&[&ENGLISH], &[]),
            latin: latin_specs
                .iter()
                .map(|spec| (spec.language, WordLexicon::from_specs(&[*spec], &[])))
                .collect(),
            fallback: WordLexicon::from_specs(&latin_specs, FALLBACK_EXCLUDED),
            russian: WordLexicon::from_specs(&[&RUSSIAN], &[]),
            chinese: SubstringLexicon::from_specs(&[&CHINESE]),
            japanese: SubstringLexicon::from_specs(&[&JAPANESE]),
            han: SubstringLexicon::from_specs(&[&CHINESE, &JAPANESE]),
            korean: SubstringLexicon::from_specs(&[&KOREAN]),
            thai: SubstringLexicon::from_specs(&[&THAI]),
        }
    }
}

// ---------------------------------------------------------------------------
// Scoring one text

/// One scored unit of a text: a word or phrase with what the lists say, an
/// emoji, or a clause break.
#[derive(Debug, Clone, Copy, Default)]
struct Item {
    info: Info,
    caps: bool,
    emoji: bool,
    clause_break: bool,
    /// (A clause break) a question mark.
    question: bool,
    /// A number, for phrases like "2 hours".
    number: bool,
}

/// A word waiting for phrase matching: its lowered text in `Run::buf`.
#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    caps: bool,
    cyrillic: bool,
}

struct Run<'a> {
    scorer: &'a LexiconScorer,
    language: Option<Language>,
    /// Lower-cased words, back to back.
    buf: String,
    /// Pending words of the current stretch of spaced script.
    words: Vec<Word>,
    items: Vec<Item>,
    exclamations: u32,
    caps_words: u32,
    lower_words: u32,
}

impl<'a> Run<'a> {
    fn new(scorer: &'a LexiconScorer, language: Option<Language>) -> Self {
        Run {
            scorer,
            language,
            buf: String::new(),
            words: Vec::new(),
            items: Vec::new(),
            exclamations: 0,
            caps_words: 0,
            lower_words: 0,
        }
    }

    fn tokenize(&mut self, text: &str) {
        let mut i = 0;
        let mut prev: Option<char> = None;
        while let Some(c) = text.get(i..).and_then(|t| t.chars().next()) {
            let at_word_start = !prev.is_some_and(char::is_alphanumeric);
            let rest = text.get(i..).unwrap_or_default();
            if at_word_start && (c == 'h' || c == 'H' || c == 'w' || c == 'W') && is_url(rest) {
                i += skip_while(rest, |c| !c.is_whitespace());
                prev = Some(' ');
                continue;
            }
            if c == '@' {
                let handle = rest.get(1..).unwrap_or_default();
                i += 1 + skip_while(handle, |c| c.is_alphanumeric() || c == '_');
                prev = Some(' ');
                continue;
            }
            if !prev.is_some_and(|p| p.is_ascii_digit()) {
                if let Some((len, valence)) = emoticon_at(rest) {
                    self.push_item(Item {
                        info: Info {
                            valence,
                            ..Info::default()
                        },
                        emoji: true,
                        ..Item::default()
                    });
                    i += len;
                    prev = Some(' ');
                    continue;
                }
            }
            if is_unspaced_script(c) {
                let len = skip_while(rest, is_unspaced_script);
                self.unspaced_run(rest.get(..len).unwrap_or_default());
                i += len;
            } else if c.is_alphabetic() {
                let len = word_len(rest);
                self.word(rest.get(..len).unwrap_or_default());
                i += len;
            } else if c.is_ascii_digit() {
                let len = skip_while(rest, |c| c.is_ascii_digit());
                self.push_item(Item {
                    number: true,
                    ..Item::default()
                });
                i += len;
            } else {
                match c {
                    '!' | '！' => {
                        self.exclamations += 1;
                        self.push_break();
                    }
                    '?' | '？' => self.push_item(Item {
                        clause_break: true,
                        question: true,
                        ..Item::default()
                    }),
                    '.' | ',' | ';' | ':' | '…' | '(' | ')' | '\n' | '，' | '。' | '、' | '；'
                    | '：' | '"' | '“' | '”' => self.push_break(),
                    _ => {
                        if let Some(valence) = emoji_valence(c) {
                            self.push_item(Item {
                                info: Info {
                                    valence,
                                    ..Info::default()
                                },
                                emoji: true,
                                ..Item::default()
                            });
                        }
                    }
                }
                i += c.len_utf8();
            }
            prev = text.get(..i).and_then(|t| t.chars().next_back());
        }
        self.flush_words();
    }

    fn push_break(&mut self) {
        self.push_item(Item {
            clause_break: true,
            ..Item::default()
        });
    }

    /// Pushes a non-word item, resolving the words before it first.
    fn push_item(&mut self, item: Item) {
        if item.number {
            // Numbers take part in phrases ("2 hours"): keep them in order.
            self.words.push(Word {
                start: self.buf.len(),
                end: self.buf.len(),
                caps: false,
                cyrillic: false,
            });
            self.buf.push('#');
            if let Some(last) = self.words.last_mut() {
                last.end = self.buf.len();
            }
            return;
        }
        self.flush_words();
        self.items.push(item);
    }

    fn word(&mut self, raw: &str) {
        let start = self.buf.len();
        let mut letters = 0;
        let mut upper = 0;
        for c in raw.chars() {
            if c.is_alphabetic() {
                letters += 1;
                if c.is_uppercase() {
                    upper += 1;
                }
            }
            if c == '’' || c == '\'' {
                self.buf.push('\'');
            } else if c.is_ascii() {
                self.buf.push(c.to_ascii_lowercase());
            } else {
                self.buf.extend(c.to_lowercase());
            }
        }
        let caps = letters >= 2 && upper == letters;
        if letters >= 2 {
            if caps {
                self.caps_words += 1;
            } else {
                self.lower_words += 1;
            }
        }
        let cyrillic = raw
            .chars()
            .next()
            .is_some_and(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
        self.words.push(Word {
            start,
            end: self.buf.len(),
            caps,
            cyrillic,
        });
    }

    /// Resolves pending words (with phrases) into items.
    fn flush_words(&mut self) {
        let mut k = 0;
        let words = std::mem::take(&mut self.words);
        while let Some(word) = words.get(k) {
            let text = self.buf.get(word.start..word.end).unwrap_or_default();
            if text == "#" {
                self.items.push(Item {
                    number: true,
                    ..Item::default()
                });
                // A number can start a phrase ("2 hours").
                if let Some((len, info)) = self.phrase_at(&words, k, &self.scorer.tables.english) {
                    if let Some(last) = self.items.last_mut() {
                        last.info = info;
                    }
                    k += len;
                } else {
                    k += 1;
                }
                continue;
            }
            let (len, info) = self.resolve(&words, k);
            self.items.push(Item {
                info,
                caps: word.caps,
                ..Item::default()
            });
            k += len.max(1);
        }
        let mut words = words;
        words.clear();
        self.words = words;
    }

    /// The info of the word (or phrase) at `k` and how many words it covers.
    fn resolve(&self, words: &[Word], k: usize) -> (usize, Info) {
        let Some(word) = words.get(k) else {
            return (1, Info::default());
        };
        let text = self.buf.get(word.start..word.end).unwrap_or_default();
        if let Some(valence) = self.scorer.custom.get(text) {
            return (
                1,
                Info {
                    valence: *valence,
                    ..Info::default()
                },
            );
        }
        let mut found = None;
        for lexicon in self.lexicons_for(word.cyrillic) {
            if let Some(info) = lexicon.lookup(text) {
                if info.phrase_head {
                    if let Some(phrase) = self.phrase_at(words, k, lexicon) {
                        return phrase;
                    }
                }
                if info.is_meaningful() {
                    return (1, info);
                }
                found.get_or_insert(info);
            }
        }
        if found.is_none() && has_long_repeat(text) {
            // "sooo gooood": squash repeated letters to two, then to one.
            for keep in [2, 1] {
                let squashed = squash_repeats(text, keep);
                for lexicon in self.lexicons_for(word.cyrillic) {
                    if let Some(info) = lexicon.lookup(&squashed).filter(Info::is_meaningful) {
                        return (1, info);
                    }
                }
            }
        }
        (1, found.unwrap_or_default())
    }

    fn lexicons_for(&self, cyrillic: bool) -> impl Iterator<Item = &'static WordLexicon> {
        let tables: &'static Tables = self.scorer.tables;
        let mut list: [Option<&'static WordLexicon>; 2] = [None, None];
        if cyrillic {
            list[0] = Some(&tables.russian);
        } else {
            let own = self.language.and_then(|language| {
                tables
                    .latin
                    .iter()
                    .find(|(l, _)| *l == language)
                    .map(|(_, lexicon)| lexicon)
            });
            match (self.language, own) {
                (_, Some(own)) => list = [Some(own), Some(&tables.english)],
                (Some(Language::ENGLISH), None) => list[0] = Some(&tables.english),
                (Some(language), None)
                    if is_unspaced_language(language) || language == Language::RUSSIAN =>
                {
                    list[0] = Some(&tables.english);
                }
                _ => list = [Some(&tables.english), Some(&tables.fallback)],
            }
        }
        list.into_iter().flatten()
    }

    /// The longest phrase of `lexicon` starting at word `k`.
    fn phrase_at(&self, words: &[Word], k: usize, lexicon: &WordLexicon) -> Option<(usize, Info)> {
        let head = words.get(k)?;
        let head_text = self.buf.get(head.start..head.end)?;
        let phrases = lexicon.phrases.get(head_text)?;
        phrases
            .iter()
            .find(|(parts, _)| {
                parts.iter().enumerate().all(|(offset, part)| {
                    words
                        .get(k + offset)
                        .and_then(|w| self.buf.get(w.start..w.end))
                        .is_some_and(|text| text == &**part)
                })
            })
            .map(|(parts, info)| (parts.len(), *info))
    }

    /// Matches a run of Chinese, Japanese, Korean or Thai text.
    fn unspaced_run(&mut self, run: &str) {
        self.flush_words();
        let lexicon = self.substring_lexicon(run);
        let mut at = 0;
        while let Some(rest) = run.get(at..).filter(|r| !r.is_empty()) {
            match lexicon.longest_at(rest, run) {
                Some((len, info)) => {
                    self.items.push(Item {
                        info,
                        ..Item::default()
                    });
                    at += len;
                }
                None => at += rest.chars().next().map_or(1, char::len_utf8),
            }
        }
    }

    fn substring_lexicon(&self, run: &str) -> &'static SubstringLexicon {
        let tables: &'static Tables = self.scorer.tables;
        let mut kana = false;
        for c in run.chars() {
            match c {
                '\u{0E00}'..='\u{0E7F}' => return &tables.thai,
                '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}' | '\u{AC00}'..='\u{D7AF}' => {
                    return &tables.korean
                }
                '\u{3040}'..='\u{30FF}' | '\u{FF66}'..='\u{FF9F}' => kana = true,
                _ => {}
            }
        }
        match self.language {
            _ if kana => &tables.japanese,
            Some(Language::JAPANESE) => &tables.japanese,
            Some(Language::CHINESE) => &tables.chinese,
            _ => &tables.han,
        }
    }

    /// Applies the rules to the items and returns the weighted sum.
    fn sum(&mut self) -> f32 {
        let items = &self.items;
        let n = items.len();
        let mut values: Vec<f32> = items
            .iter()
            .map(|item| {
                if item.clause_break {
                    0.0
                } else {
                    item.info.valence
                }
            })
            .collect();
        let is_target = |i: usize| {
            items
                .get(i)
                .is_some_and(|item| !item.emoji && item.info.valence != 0.0)
        };
        let all_caps = self.caps_words >= 2 && self.lower_words == 0;

        // Intensifiers and dampeners: the next sentiment word within two,
        // else the previous one (Thai and Turkish put them after).
        for (j, item) in items.iter().enumerate() {
            let booster = item.info.booster;
            if booster == 0.0 {
                continue;
            }
            let next = (j + 1..n.min(j + 3))
                .take_while(|k| !items.get(*k).is_some_and(|i| i.clause_break))
                .find(|k| is_target(*k));
            let prev = (j.saturating_sub(2)..j)
                .rev()
                .take_while(|k| !items.get(*k).is_some_and(|i| i.clause_break))
                .find(|k| is_target(*k));
            if let Some(target) = next.or(prev) {
                if let Some(value) = values.get_mut(target) {
                    let magnitude = (value.abs() + booster).max(value.abs() * 0.2);
                    *value = magnitude.copysign(*value);
                }
            }
        }

        // Negation: the nearest unused negator within the window before.
        let mut used = vec![false; n];
        let mut negated = vec![false; n];
        for (i, flag) in negated.iter_mut().enumerate() {
            if !is_target(i) {
                continue;
            }
            let negator = (i.saturating_sub(NEGATION_WINDOW)..i)
                .rev()
                .take_while(|k| !items.get(*k).is_some_and(|item| item.clause_break))
                .find(|k| {
                    items
                        .get(*k)
                        .is_some_and(|item| item.info.negator.is_some())
                        && !used.get(*k).copied().unwrap_or(true)
                });
            if let Some(k) = negator {
                if let Some(value) = values.get_mut(i) {
                    *value *= if *value > 0.0 {
                        NEGATED_POSITIVE
                    } else {
                        NEGATED_NEGATIVE
                    };
                }
                used[k] = true;
                *flag = true;
            }
        }
        // Post-negators flip the positive word just before them.
        for (p, item) in items.iter().enumerate() {
            if !item.info.post_negator {
                continue;
            }
            let target = (p.saturating_sub(2)..p)
                .rev()
                .take_while(|k| !items.get(*k).is_some_and(|i| i.clause_break))
                .find(|k| {
                    is_target(*k) && values.get(*k).is_some_and(|v| *v > 0.0) && !negated[*k]
                });
            match target {
                Some(k) => {
                    values[k] *= NEGATED_POSITIVE;
                    negated[k] = true;
                    used[p] = true;
                }
                None => {
                    if values[p] == 0.0 {
                        values[p] = POST_NEGATOR_RESIDUAL;
                    }
                    used[p] = true;
                }
            }
        }
        // A question asks about things, it does not praise them: in "is my
        // flight on time?" or "what's the fee?" positive and mild negative
        // words count for nothing (negated words, emoji and durations such
        // as "3 days" still count).
        for (q, item) in items.iter().enumerate() {
            if !item.question {
                continue;
            }
            for k in (0..q)
                .rev()
                .take_while(|k| !items.get(*k).is_some_and(|i| i.clause_break))
            {
                let value = values[k];
                let mild = value > 0.0 || (value > QUESTION_MILD_NEGATIVE && !items[k].number);
                if mild && !negated[k] && !items[k].emoji {
                    values[k] = 0.0;
                }
            }
        }
        // A negation with nothing to flip is a complaint of its own.
        for (k, item) in items.iter().enumerate() {
            if let (Some(residual), false) = (item.info.negator, used[k]) {
                if values[k] == 0.0 {
                    values[k] = residual;
                }
            }
        }
        // Emphasis by capitals.
        for (k, item) in items.iter().enumerate() {
            if item.caps && !all_caps {
                values[k] *= CAPS_EMPHASIS;
            }
        }
        // Contrast: the last contrast word with something after it.
        let contrast = (0..n)
            .rev()
            .find(|k| items[*k].info.contrast && (k + 1..n).any(|j| values[j] != 0.0));
        if let Some(c) = contrast {
            for (k, value) in values.iter_mut().enumerate() {
                if k < c {
                    *value *= BEFORE_CONTRAST;
                } else if k > c {
                    *value *= AFTER_CONTRAST;
                }
            }
        }
        // Sarcasm: enthusiasm next to enough trouble counts for little, unless
        // it comes after a "but".
        let negative_total: f32 = values.iter().filter(|v| **v < 0.0).sum();
        if negative_total <= SARCASM_NEGATIVE_TOTAL {
            for (k, item) in items.iter().enumerate() {
                let after_contrast = contrast.is_some_and(|c| k > c);
                if item.info.enthusiastic && values[k] > 0.0 && !after_contrast {
                    values[k] *= SARCASM_SHARE;
                }
            }
        }
        let mut sum: f32 = values.iter().sum();
        if sum != 0.0 {
            let emphasis = EXCLAMATION_EMPHASIS * self.exclamations.min(4) as f32;
            sum += emphasis.copysign(sum);
        }
        sum
    }
}

fn is_unspaced_language(language: Language) -> bool {
    matches!(
        language,
        Language::CHINESE | Language::JAPANESE | Language::KOREAN | Language::THAI
    )
}

/// Scripts matched by substring (see `pii` for the same ranges).
fn is_unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0E7F}'
        | '\u{1100}'..='\u{11FF}'
        | '\u{3040}'..='\u{30FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF66}'..='\u{FF9F}'
    )
}

/// Byte length of the prefix of `s` whose chars satisfy `keep`.
fn skip_while(s: &str, keep: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .find(|(_, c)| !keep(*c))
        .map_or(s.len(), |(at, _)| at)
}

/// Byte length of the word at the start of `s`: letters (not of an unspaced
/// script), with inner apostrophes ("can't", "l'heure").
fn word_len(s: &str) -> usize {
    let mut end = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let letter = c.is_alphabetic() && !is_unspaced_script(c);
        let mark = matches!(c, '\u{0300}'..='\u{036F}');
        let apostrophe = (c == '\'' || c == '’')
            && end > 0
            && chars
                .peek()
                .is_some_and(|(_, next)| next.is_alphabetic() && !is_unspaced_script(*next));
        if letter || mark || apostrophe {
            end = at + c.len_utf8();
        } else {
            break;
        }
    }
    end
}

fn is_url(s: &str) -> bool {
    let head = s.get(..8).or_else(|| s.get(..s.len())).unwrap_or_default();
    let lower = head.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.")
}

fn has_long_repeat(word: &str) -> bool {
    let mut last = None;
    let mut count = 0;
    for c in word.chars() {
        if Some(c) == last {
            count += 1;
            if count >= 3 {
                return true;
            }
        } else {
            last = Some(c);
            count = 1;
        }
    }
    false
}

fn squash_repeats(word: &str, keep: usize) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last = None;
    let mut count = 0;
    for c in word.chars() {
        if Some(c) == last {
            count += 1;
        } else {
            last = Some(c);
            count = 1;
        }
        if count <= keep {
            out.push(c);
        }
    }
    out
}

/// ASCII emoticons, longest first, with their valence.
const EMOTICONS: &[(&str, f32)] = &[
    (">:-(", -2.8),
    (">:(", -2.8),
    (":'-(", -2.4),
    (":'(", -2.4),
    (":-)", 1.8),
    (":-D", 2.2),
    (";-)", 1.2),
    (":-(", -2.0),
    (":-/", -1.2),
    (":-|", -0.8),
    ("</3", -2.2),
    (":)", 1.8),
    (":]", 1.6),
    (":D", 2.2),
    (";)", 1.2),
    ("=)", 1.6),
    ("(:", 1.6),
    (":P", 0.8),
    (":p", 0.8),
    ("<3", 2.2),
    (":(", -2.0),
    (":[", -1.8),
    ("):", -1.8),
    ("=(", -1.8),
    (":/", -1.2),
    (":\\", -1.2),
    (":|", -0.8),
    (":@", -2.4),
    (":S", -1.2),
];

/// The emoticon at the start of `s` (not followed by a letter or digit).
fn emoticon_at(s: &str) -> Option<(usize, f32)> {
    let first = s.as_bytes().first()?;
    if !matches!(first, b':' | b';' | b'=' | b'<' | b'>' | b'(' | b')') {
        return None;
    }
    EMOTICONS.iter().find_map(|(emoticon, valence)| {
        let rest = s.strip_prefix(emoticon)?;
        let next_is_word = rest.chars().next().is_some_and(char::is_alphanumeric);
        (!next_is_word).then_some((emoticon.len(), *valence))
    })
}

/// Valence of an emoji (chars with none are neutral: ✈️, 🧳, 📱, ...).
fn emoji_valence(c: char) -> Option<f32> {
    let valence = match c {
        '😍' | '🥰' | '😘' | '🤩' | '💯' | '🏆' => 2.6,
        '❤' | '💕' | '💖' | '💗' | '💙' | '💜' | '💚' | '💛' | '🧡' | '😻' => {
            2.4
        }
        '😊' | '😀' | '😃' | '😄' | '😁' | '☺' | '🥳' | '🎉' | '👏' | '🙌' => {
            2.2
        }
        '🙂' | '😎' | '👍' | '✨' | '🌟' | '⭐' | '👌' | '😇' | '🤗' | '💪' | '✅' => {
            1.8
        }
        '😆' | '😉' | '😋' | '🍾' | '🥂' => 1.4,
        '🙏' => 0.8,
        '😂' | '🤣' | '😅' => 0.4,
        '😐' | '😑' | '😶' => -0.6,
        '🤔' | '😬' | '😳' | '🥴' => -0.8,
        '😕' | '🙁' | '☹' | '😟' | '😦' | '🙄' | '😒' | '😪' | '🥱' => -1.6,
        '😞' | '😔' | '😢' | '😓' | '😥' | '😰' | '😨' | '😧' | '😴' => -1.8,
        '😩' | '😫' | '😣' | '😖' | '😭' | '😱' | '💔' | '👎' | '🤦' | '❌' | '🚫' => {
            -2.2
        }
        '😤' | '😠' | '💩' | '🤮' | '🤢' | '🖕' => -2.6,
        '😡' | '🤬' | '👿' => -3.0,
        _ => return None,
    };
    Some(valence)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(text: &str) -> f32 {
        LexiconScorer::default().score(text, None)
    }

    #[test]
    fn negation_flips_a_positive_word() {
        assert!(score("good") > 0.05);
        assert!(score("not good") < -0.05);
        assert!(score("the crew isn't helpful") < -0.05);
    }

    #[test]
    fn negated_negative_word_reads_mildly_positive() {
        let s = score("not bad");
        assert!(s > 0.05 && s < score("good"), "{s}");
    }

    #[test]
    fn disbelief_does_not_negate_what_follows() {
        assert!(score("can't believe you lost my bag") < -0.05);
        assert!(score("I cannot believe how rude the agent was") < -0.05);
        assert!(score("can't believe how kind the crew was") > 0.05);
        assert!(score("can't thank you enough for finding my laptop") > 0.05);
        // A plain "can't" still complains on its own.
        assert!(score("can't check in online") < -0.05);
    }

    #[test]
    fn ruin_and_insult_read_negative() {
        assert!(score("thanks for ruining my birthday trip") < -0.05);
        assert!(score("you should be ashamed of how you treated that family") < -0.05);
        assert!(score("that apology email is insulting") < -0.05);
    }

    #[test]
    fn intensifier_and_caps_make_a_word_stronger() {
        assert!(score("very good") > score("good"));
        assert!(score("slightly good") < score("good"));
        assert!(score("this is BAD, truly") < score("this is bad, truly"));
    }

    #[test]
    fn clause_after_but_outweighs_clause_before() {
        assert!(score("the flight was delayed but the crew was fantastic") > 0.05);
        assert!(score("the crew was nice but my bag is lost") < -0.05);
    }

    #[test]
    fn exclamation_marks_add_emphasis() {
        assert!(score("great!!!") > score("great"));
    }

    #[test]
    fn emoji_and_emoticons_carry_sentiment_and_plane_is_neutral() {
        assert!(score("😡") < -0.05);
        assert!(score("😊") > 0.05);
        assert!(score("at the gate :)") > 0.05);
        assert!(score("at the gate :(") < -0.05);
        assert_eq!(score("boarding ✈️"), 0.0);
    }

    #[test]
    fn sarcastic_praise_next_to_a_delay_reads_negative() {
        assert!(score("great, another delay. love it") < -0.05);
        assert!(score("thanks for nothing") < -0.05);
    }

    #[test]
    fn questions_about_good_things_are_neutral() {
        assert_eq!(score("is flight 2207 on time tonight?"), 0.0);
        assert_eq!(score("can I get an upgrade with miles?"), 0.0);
        assert_eq!(score("what's the fee to change my flight?"), 0.0);
        assert!(score("flight 2207 is on time tonight") > 0.05);
    }

    #[test]
    fn questions_keep_complaints_negations_and_durations() {
        assert!(score("why is my flight cancelled again?") < -0.05);
        assert!(score("why does boarding take so long?") < -0.05);
        assert!(score("why can't anyone answer the phone?") < -0.05);
        assert!(score("why does it take 3 days to get a response?") < -0.05);
        assert!(score("is it not good enough?") < -0.05);
    }

    #[test]
    fn arriving_early_is_praise_but_how_early_is_a_question() {
        assert!(score("landed 20 minutes early") > 0.05);
        assert_eq!(score("how early should I get to the airport"), 0.0);
    }

    #[test]
    fn hours_after_a_number_are_a_complaint() {
        assert!(score("on the tarmac 3 hours") < score("on the tarmac"));
    }

    #[test]
    fn stems_match_inflected_words() {
        assert!(score("Cancelled Flightled again") < -0.05);
        assert!(LexiconScorer::default().score("рейс задержали", Some(Language::RUSSIAN)) < -0.05);
    }

    #[test]
    fn urls_and_handles_are_ignored() {
        assert_eq!(score("@great_airline https://t.co/awesome"), 0.0);
    }

    #[test]
    fn scores_stay_in_range_for_long_texts() {
        let text = "terrible ".repeat(10_000);
        let s = score(&text);
        assert!((-1.0..=1.0).contains(&s) && s < -0.99);
    }

    #[test]
    fn squashed_repeats_are_found() {
        assert!(score("sooo gooood") > 0.05);
    }
}
