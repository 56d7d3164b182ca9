//! Language detection for short customer messages, restricted to a tenant's
//! allowlist, with a confidence, and "unknown" rather than a wild guess.
//!
//! Short social posts defeat statistical detectors, so [`LanguageDetector`]
//! works in layers, cheapest first:
//!
//! 1. **Script.** Hangul is Korean, kana is Japanese, Thai script is Thai,
//!    Han without kana is Chinese. Cyrillic is Russian unless the letters or
//!    words say Ukrainian or Bulgarian (then the text is outside the reference
//!    list and comes out unknown).
//! 2. **Words.** Latin and Cyrillic texts are scored against lists of common
//!    words per language ([`crate::text::lexicon::language_words`] for
//!    function words and travel, [`crate::text::lexicon::everyday_words`] for
//!    everyday life), a word shared by several lists counting less, plus
//!    letter cues (`ñ` Spanish, `ß` German, `ı ş ğ` Turkish, `æ ø`
//!    Norwegian or Danish, `ä ö` Swedish).
//!    Danish and Swedish have their own lists, so they are told apart from
//!    Norwegian instead of being forced into it.
//! 3. **Statistics.** With the default feature `whatlang`, when the words do
//!    not settle it, the `whatlang` trigram detector votes, restricted to the
//!    allowlist plus the neighbours that must be told apart (Danish, Swedish,
//!    Ukrainian, Bulgarian, ...). A vote for Ukrainian on a
//!    Cyrillic text of 20 letters or more with none of і ї є ґ is not
//!    taken. Without the feature the first two layers decide alone.
//! 4. **Context.** What the engine knows ([`LanguageHints`]: the customer's
//!    language, the language the network reports, the channel's default)
//!    breaks near-ties and is the answer when the text carries no evidence
//!    ("ok", "👍").
//!
//! @mentions, URLs and hashtags are ignored: they are names, not language.
//!
//! ```
//! use caredesk::model::Language;
//! use caredesk::text::language::{LanguageDetector, LanguageHints};
//! let detector = LanguageDetector::new(Language::REFERENCE_DESK);
//! let guess = detector.detect("Mijn koffer is niet aangekomen in Oslo");
//! assert_eq!(guess.language, Some(Language::DUTCH));
//! // Danish is not in the list, and is not taken for Norwegian.
//! assert_eq!(detector.detect("Hvad sker der med min kuffert? Jeg har ikke fået den").language, None);
//! // Nothing to go on: the customer's known language is used.
//! let hints = LanguageHints { customer: Some(Language::TURKISH), ..LanguageHints::default() };
//! assert_eq!(detector.detect_with_hints("ok", &hints).language, Some(Language::TURKISH));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::model::Language;
use crate::text::lexicon::{everyday_words, language_words, FoldBuild, WORD_LIST_LANGUAGES};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Number of languages with word lists.
const N: usize = WORD_LIST_LANGUAGES.len();

/// The writing system that dominates a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Script {
    /// Latin letters.
    Latin,
    /// Cyrillic letters.
    Cyrillic,
    /// Chinese characters, possibly with Japanese kana.
    Han,
    /// Japanese hiragana or katakana (with or without kanji).
    Kana,
    /// Korean Hangul.
    Hangul,
    /// Thai.
    Thai,
    /// Greek.
    Greek,
    /// Arabic.
    Arabic,
    /// Hebrew.
    Hebrew,
    /// Devanagari.
    Devanagari,
    /// Any other letters.
    Other,
}

/// What the engine knows about a message's language apart from its text.
///
/// Each hint is used only when it is in the detector's allowlist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageHints {
    /// The language the customer wrote in before.
    #[serde(default)]
    pub customer: Option<Language>,
    /// The language the network or the customer's settings report for this message.
    #[serde(default)]
    pub message: Option<Language>,
    /// The default language of the brand account the message arrived on.
    #[serde(default)]
    pub channel_default: Option<Language>,
}

/// What a detection was based on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Basis {
    /// The writing system alone (Hangul, kana, Thai, Han).
    Script,
    /// Common words and letter cues.
    Words,
    /// Common words with the statistical detector's vote.
    Statistics,
    /// The text was inconclusive; a hint was used.
    Context,
    /// Nothing to go on: unknown.
    Nothing,
}

/// A detector's answer: the language (or `None` for unknown) and how sure it is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LanguageGuess {
    /// The language, or `None` when unsure or outside the allowlist.
    pub language: Option<Language>,
    /// Confidence, 0.0 to 1.0; 0.0 when the language is unknown.
    pub confidence: f32,
    /// What the answer was based on.
    pub basis: Basis,
    /// A language told with confidence that is not in the allowlist (e.g.
    /// Danish on a desk that answers Norwegian); `language` is then `None`.
    pub outside_allowlist: Option<Language>,
}

impl LanguageGuess {
    fn unknown() -> Self {
        LanguageGuess {
            language: None,
            confidence: 0.0,
            basis: Basis::Nothing,
            outside_allowlist: None,
        }
    }
}

/// Detects the language of short messages among an allowlist of languages.
///
/// Build one per tenant with [`LanguageDetector::new`] (it indexes the word
/// lists, so keep it), then call [`LanguageDetector::detect_with_hints`] per
/// message. Detection is deterministic and allocation-light.
#[derive(Debug, Clone)]
pub struct LanguageDetector {
    allowlist: Vec<Language>,
    list_languages: [Language; N],
    words: HashMap<&'static str, Vec<(u8, f32)>, FoldBuild>,
    min_confidence: f32,
    #[cfg(feature = "whatlang")]
    latin: Option<whatlang::Detector>,
    #[cfg(feature = "whatlang")]
    cyrillic: Option<whatlang::Detector>,
}

/// Scores at least this high, twice the runner-up, settle a Latin text
/// without the statistical detector.
const DECISIVE_SCORE: f32 = 2.0;
/// What the statistical detector's vote weighs per unit of its own
/// confidence, when the words already point somewhere: an unsure vote (short
/// posts often get a few hundredths) must not undo what the words say.
const VOTE_WEIGHT: f32 = 2.0;
/// What its vote weighs on top when no listed word was found at all, so
/// that a text it alone can read still clears the minimum confidence.
const VOTE_ALONE: f32 = 0.6;
/// Prior added to a hinted language's score (customer, message, channel).
const PRIOR: [f32; 3] = [0.6, 0.5, 0.3];
/// Confidence given to a hint used as the answer (customer, message, channel).
const FALLBACK_CONFIDENCE: [f32; 3] = [0.5, 0.45, 0.35];

impl LanguageDetector {
    /// A detector that answers only with languages of `allowlist` (others come
    /// out unknown), with the default minimum confidence of 0.25.
    pub fn new(allowlist: impl IntoIterator<Item = Language>) -> Self {
        let mut allowlist: Vec<Language> = allowlist.into_iter().collect();
        allowlist.sort();
        allowlist.dedup();
        let list_languages =
            WORD_LIST_LANGUAGES.map(|code| code.parse().unwrap_or(Language::ENGLISH));
        let mut words: HashMap<&'static str, Vec<(u8, f32)>, FoldBuild> = HashMap::default();
        for (index, language) in list_languages.iter().enumerate() {
            let listed = language_words(*language).iter().copied();
            for word in listed.chain(everyday_words(*language)) {
                let entry = words.entry(word).or_default();
                let index = u8::try_from(index).unwrap_or(u8::MAX);
                if !entry.iter().any(|(i, _)| *i == index) {
                    entry.push((index, 0.0));
                }
            }
        }
        for entry in words.values_mut() {
            let weight = 1.0 / entry.len() as f32;
            for (_, w) in entry.iter_mut() {
                *w = weight;
            }
        }
        LanguageDetector {
            #[cfg(feature = "whatlang")]
            latin: statistical::detector_for(&allowlist, statistical::Family::Latin),
            #[cfg(feature = "whatlang")]
            cyrillic: statistical::detector_for(&allowlist, statistical::Family::Cyrillic),
            allowlist,
            list_languages,
            words,
            min_confidence: 0.25,
        }
    }

    /// Sets the confidence below which the text's own answer is not trusted
    /// (the hints are used, or the answer is unknown); clamped to 0..=1.
    #[must_use]
    pub fn with_min_confidence(mut self, min_confidence: f32) -> Self {
        self.min_confidence = if min_confidence.is_nan() {
            0.25
        } else {
            min_confidence.clamp(0.0, 1.0)
        };
        self
    }

    /// The allowlist, sorted.
    pub fn allowlist(&self) -> &[Language] {
        &self.allowlist
    }

    /// Whether `language` is in the allowlist.
    pub fn allows(&self, language: Language) -> bool {
        self.allowlist.binary_search(&language).is_ok()
    }

    /// Detects the language of `text` with no hints.
    pub fn detect(&self, text: &str) -> LanguageGuess {
        self.detect_with_hints(text, &LanguageHints::default())
    }

    /// Detects the language of `text`, using `hints` to break near-ties and
    /// when the text is inconclusive.
    pub fn detect_with_hints(&self, text: &str, hints: &LanguageHints) -> LanguageGuess {
        let hint_list = [hints.customer, hints.message, hints.channel_default]
            .map(|hint| hint.filter(|language| self.allows(*language)));
        let scan = Scan::of(text, &self.words);
        let guess = match scan.dominant() {
            None => LanguageGuess::unknown(),
            Some(Script::Latin) => self.by_words(&scan, &hint_list, false),
            Some(Script::Cyrillic) => self.by_words(&scan, &hint_list, true),
            Some(script) => self.by_script(script, &scan, &hint_list),
        };
        if guess.language.is_some() && guess.confidence >= self.min_confidence {
            return guess;
        }
        if guess.outside_allowlist.is_some() {
            return guess;
        }
        for (rank, hint) in hint_list.iter().enumerate() {
            if let Some(language) = hint {
                return LanguageGuess {
                    language: Some(*language),
                    confidence: FALLBACK_CONFIDENCE.get(rank).copied().unwrap_or(0.3),
                    basis: Basis::Context,
                    outside_allowlist: None,
                };
            }
        }
        LanguageGuess::unknown()
    }

    /// Which script-decided language, if allowed.
    fn by_script(
        &self,
        script: Script,
        scan: &Scan,
        hints: &[Option<Language>; 3],
    ) -> LanguageGuess {
        let count = scan.count(script);
        let language = match script {
            Script::Hangul => Some(Language::KOREAN),
            Script::Thai => Some(Language::THAI),
            Script::Kana => Some(Language::JAPANESE),
            Script::Han => {
                // Han alone is Chinese, unless the context says Japanese (a
                // Japanese customer writing only kanji, e.g. "手荷物").
                if hints.iter().flatten().next() == Some(&Language::JAPANESE) {
                    Some(Language::JAPANESE)
                } else {
                    Some(Language::CHINESE)
                }
            }
            _ => self.other_script(script, scan),
        };
        let Some(language) = language else {
            return LanguageGuess::unknown();
        };
        let share = scan.share(script);
        let confidence = ((0.5 + 0.1 * count as f32).min(0.99) * share).clamp(0.0, 1.0);
        self.allowed(language, confidence, Basis::Script)
    }

    #[cfg(feature = "whatlang")]
    fn other_script(&self, _script: Script, scan: &Scan) -> Option<Language> {
        whatlang::detect(&scan.cleaned).and_then(|info| statistical::to_language(info.lang()))
    }

    #[cfg(not(feature = "whatlang"))]
    fn other_script(&self, script: Script, _scan: &Scan) -> Option<Language> {
        let code = match script {
            Script::Greek => "el",
            Script::Hebrew => "he",
            Script::Arabic => "ar",
            Script::Devanagari => "hi",
            _ => return None,
        };
        code.parse().ok()
    }

    fn allowed(&self, language: Language, confidence: f32, basis: Basis) -> LanguageGuess {
        if self.allows(language) {
            LanguageGuess {
                language: Some(language),
                confidence,
                basis,
                outside_allowlist: None,
            }
        } else {
            LanguageGuess {
                language: None,
                confidence: 0.0,
                basis,
                outside_allowlist: (confidence >= self.min_confidence).then_some(language),
            }
        }
    }

    fn by_words(
        &self,
        scan: &Scan,
        hints: &[Option<Language>; 3],
        cyrillic: bool,
    ) -> LanguageGuess {
        let mut scores = scan.scores;
        let evidence = scores.iter().copied().fold(0.0_f32, f32::max);
        if evidence <= 0.0 && scan.letters < 3 {
            return LanguageGuess::unknown();
        }
        if evidence > 0.0 {
            for (rank, hint) in hints.iter().enumerate() {
                if let Some(index) = hint.and_then(|h| self.list_index(h)) {
                    if let Some(score) = scores.get_mut(index) {
                        *score += PRIOR.get(rank).copied().unwrap_or(0.0);
                    }
                }
            }
        }
        let (best, second) = top_two(&scores);
        let decisive = best.1 >= DECISIVE_SCORE && best.1 >= 2.0 * second.1;
        let mut basis = Basis::Words;
        let mut foreign: Option<(Language, f32)> = None;
        if !decisive {
            let vote = self.statistical_vote(scan, cyrillic).filter(|(voted, _)| {
                !(*voted == Language::UKRAINIAN && scan.lacks_ukrainian_letters())
            });
            if let Some((voted, certainty)) = vote {
                basis = Basis::Statistics;
                let weight = if evidence > 0.0 {
                    VOTE_WEIGHT * certainty
                } else {
                    VOTE_ALONE + VOTE_WEIGHT * certainty
                };
                let vote = (voted, weight);
                match self.list_index(vote.0) {
                    Some(index) => {
                        if let Some(score) = scores.get_mut(index) {
                            *score += vote.1;
                        }
                    }
                    None => foreign = Some(vote),
                }
            }
        }
        let (best, second) = top_two(&scores);
        if let Some((language, weight)) = foreign {
            if weight > best.1 {
                let confidence = confidence_of(weight, best.1);
                return self.allowed(language, confidence, basis);
            }
        }
        if best.1 <= 0.0 {
            return LanguageGuess::unknown();
        }
        let confidence = confidence_of(best.1, second.1);
        let language = self
            .list_languages
            .get(best.0)
            .copied()
            .unwrap_or(Language::ENGLISH);
        self.allowed(language, confidence, basis)
    }

    fn list_index(&self, language: Language) -> Option<usize> {
        self.list_languages.iter().position(|l| *l == language)
    }

    #[cfg(feature = "whatlang")]
    fn statistical_vote(&self, scan: &Scan, cyrillic: bool) -> Option<(Language, f32)> {
        let detector = if cyrillic {
            &self.cyrillic
        } else {
            &self.latin
        };
        let info = detector.as_ref()?.detect(&scan.cleaned)?;
        let language = statistical::to_language(info.lang())?;
        Some((language, info.confidence() as f32))
    }

    #[cfg(not(feature = "whatlang"))]
    fn statistical_vote(&self, _scan: &Scan, _cyrillic: bool) -> Option<(Language, f32)> {
        None
    }
}

/// Confidence from the best and the runner-up score: the margin as a share of
/// the best, times how much evidence there is at all.
fn confidence_of(best: f32, second: f32) -> f32 {
    if best <= 0.0 {
        return 0.0;
    }
    // The lead as a share of the best score, or the lead itself (one
    // distinctive word, weight 1, gives 0.63), whichever says more: close
    // languages share most of their words, so their shares stay small.
    let lead = best - second.max(0.0);
    let margin = (lead / best).max(1.0 - (-lead).exp()).clamp(0.0, 1.0);
    let evidence = 1.0 - (-best / 1.2).exp();
    (margin * evidence).clamp(0.0, 1.0)
}

fn top_two(scores: &[f32; N]) -> ((usize, f32), (usize, f32)) {
    let mut best = (0, f32::MIN);
    let mut second = (0, f32::MIN);
    for (index, score) in scores.iter().enumerate() {
        if *score > best.1 {
            second = best;
            best = (index, *score);
        } else if *score > second.1 {
            second = (index, *score);
        }
    }
    (best, (second.0, second.1.max(0.0)))
}

/// What one pass over a text found: letters per script, word scores per
/// language, and the text with names and links removed.
struct Scan {
    scores: [f32; N],
    counts: [u32; 11],
    letters: u32,
    cleaned: String,
}

fn script_index(script: Script) -> usize {
    match script {
        Script::Latin => 0,
        Script::Cyrillic => 1,
        Script::Han => 2,
        Script::Kana => 3,
        Script::Hangul => 4,
        Script::Thai => 5,
        Script::Greek => 6,
        Script::Arabic => 7,
        Script::Hebrew => 8,
        Script::Devanagari => 9,
        Script::Other => 10,
    }
}

const SCRIPTS: [Script; 11] = [
    Script::Latin,
    Script::Cyrillic,
    Script::Han,
    Script::Kana,
    Script::Hangul,
    Script::Thai,
    Script::Greek,
    Script::Arabic,
    Script::Hebrew,
    Script::Devanagari,
    Script::Other,
];

/// The script of a letter; `None` for digits, punctuation, symbols, emoji.
pub fn script_of(c: char) -> Option<Script> {
    let code = u32::from(c);
    let script = match code {
        0x41..=0x5A | 0x61..=0x7A => Script::Latin,
        0xC0..=0x24F if c != '×' && c != '÷' => Script::Latin,
        0x1E00..=0x1EFF => Script::Latin,
        0x370..=0x3FF => Script::Greek,
        0x400..=0x52F => Script::Cyrillic,
        0x590..=0x5FF => Script::Hebrew,
        0x600..=0x6FF | 0x750..=0x77F => Script::Arabic,
        0x900..=0x97F => Script::Devanagari,
        0xE00..=0xE7F => Script::Thai,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF => Script::Han,
        _ if c.is_alphabetic() => Script::Other,
        _ => return None,
    };
    Some(script)
}

/// Cyrillic letters within which a Ukrainian text shows one of its own
/// letters, so that a statistical vote for Ukrainian without any is not
/// taken (a text of that length with none of them is another language).
const UKRAINIAN_LETTERS_WITHIN: u32 = 20;

/// Letter cues: a distinctive letter adds to some languages' scores, once per
/// text however often it occurs.
fn letter_cues(c: char) -> &'static [(usize, f32)] {
    // Indexes into WORD_LIST_LANGUAGES:
    // en 0, nl 1, de 2, fr 3, es 4, it 5, pt 6, tr 7, no 8, da 9, sv 10, ru 11, uk 12, bg 13.
    match c {
        'ñ' | '¿' | '¡' => &[(4, 1.5)],
        'ã' | 'õ' => &[(6, 1.5)],
        'ç' => &[(3, 0.5), (6, 0.5), (7, 0.5)],
        'ß' => &[(2, 1.5)],
        'ü' => &[(2, 0.6), (7, 0.6)],
        'ö' => &[(2, 0.4), (7, 0.4), (10, 0.6)],
        'ä' => &[(2, 0.6), (10, 0.8)],
        'ı' | 'ş' | 'ğ' | 'İ' => &[(7, 1.5)],
        'æ' | 'ø' => &[(8, 0.8), (9, 0.8)],
        'å' => &[(8, 0.5), (9, 0.5), (10, 0.5)],
        'é' => &[(3, 0.4), (4, 0.2), (6, 0.2), (5, 0.1)],
        'è' => &[(3, 0.4), (5, 0.4)],
        'ê' => &[(3, 0.4), (6, 0.4)],
        'à' => &[(3, 0.3), (5, 0.3), (6, 0.3)],
        'â' | 'ô' => &[(3, 0.3), (6, 0.3)],
        'ò' | 'ì' => &[(5, 0.8)],
        'ù' => &[(5, 0.4), (3, 0.4)],
        'á' | 'í' | 'ó' | 'ú' => &[(4, 0.4), (6, 0.4)],
        'ë' | 'ï' => &[(1, 0.3), (3, 0.3)],
        'œ' => &[(3, 1.0)],
        'і' | 'ї' | 'є' | 'ґ' => &[(12, 2.0)],
        'ы' | 'э' | 'ё' => &[(11, 1.0)],
        'ъ' => &[(13, 0.8)],
        _ => &[],
    }
}

/// Spelling cues for words not in any list: (pattern, at the end only,
/// language index, weight). Indexes as in [`letter_cues`].
const SPELLING_CUES: &[(&str, bool, usize, f32)] = &[
    ("ción", true, 4, 0.8),
    ("ciones", true, 4, 0.8),
    ("ue", false, 4, 0.2),
    ("ção", true, 6, 0.8),
    ("ções", true, 6, 0.8),
    ("nh", false, 6, 0.3),
    ("lh", false, 6, 0.3),
    ("zione", true, 5, 0.8),
    ("gli", false, 5, 0.4),
    ("zz", false, 5, 0.3),
    ("ij", false, 1, 0.6),
    ("oe", false, 1, 0.2),
    ("aa", false, 1, 0.2),
    ("tje", true, 1, 0.5),
    ("sch", false, 2, 0.3),
    ("ung", true, 2, 0.5),
    ("eit", true, 2, 0.4),
    ("tz", false, 2, 0.3),
    ("eux", true, 3, 0.5),
    ("ais", true, 3, 0.2),
    ("ée", true, 3, 0.5),
    ("ment", true, 3, 0.2),
    ("sjon", true, 8, 0.8),
    ("sj", false, 8, 0.5),
    ("øy", false, 8, 0.8),
    ("kj", false, 8, 0.4),
    ("gj", false, 8, 0.4),
    ("tt", true, 8, 0.2),
    ("tj", false, 9, 0.3),
    ("øj", false, 9, 0.8),
    ("ej", false, 9, 0.4),
    ("ighed", true, 9, 0.6),
    ("het", true, 10, 0.3),
    ("ning", true, 10, 0.1),
    ("ing", true, 0, 0.3),
    ("tion", true, 0, 0.2),
    ("ly", true, 0, 0.3),
    ("ться", true, 11, 0.4),
    ("ого", true, 11, 0.3),
];

impl Scan {
    fn of(text: &str, words: &HashMap<&'static str, Vec<(u8, f32)>, FoldBuild>) -> Scan {
        let mut scan = Scan {
            scores: [0.0; N],
            counts: [0; 11],
            letters: 0,
            cleaned: String::with_capacity(text.len()),
        };
        let mut cue_seen: Vec<char> = Vec::new();
        let mut word = String::new();
        for token in text.split_whitespace() {
            if token.starts_with('@')
                || token.starts_with('#')
                || token.starts_with("http://")
                || token.starts_with("https://")
                || token.starts_with("www.")
            {
                continue;
            }
            if !scan.cleaned.is_empty() {
                scan.cleaned.push(' ');
            }
            for c in token.chars() {
                let script = script_of(c);
                if let Some(script) = script {
                    if let Some(count) = scan.counts.get_mut(script_index(script)) {
                        *count += 1;
                    }
                    scan.letters += 1;
                }
                let c = if c == '’' { '\'' } else { c };
                for lower in c.to_lowercase() {
                    scan.cleaned.push(lower);
                    if !cue_seen.contains(&lower) && !letter_cues(lower).is_empty() {
                        cue_seen.push(lower);
                        for (index, weight) in letter_cues(lower) {
                            if let Some(score) = scan.scores.get_mut(*index) {
                                *score += weight;
                            }
                        }
                    }
                    if matches!(script, Some(Script::Latin | Script::Cyrillic))
                        || (lower == '\'' && !word.is_empty())
                    {
                        word.push(lower);
                    } else {
                        scan.score_word(&mut word, words);
                    }
                }
            }
            scan.score_word(&mut word, words);
        }
        scan
    }

    fn score_word(
        &mut self,
        word: &mut String,
        words: &HashMap<&'static str, Vec<(u8, f32)>, FoldBuild>,
    ) {
        if word.is_empty() {
            return;
        }
        let trimmed = word.trim_end_matches('\'');
        let entry = words.get(trimmed).or_else(|| {
            // "l'avion", "j'ai", "istanbul'da": try the part before the apostrophe.
            trimmed
                .find('\'')
                .and_then(|at| trimmed.get(..=at))
                .and_then(|head| words.get(head))
        });
        if let Some(entry) = entry {
            for (index, weight) in entry {
                if let Some(score) = self.scores.get_mut(usize::from(*index)) {
                    *score += weight;
                }
            }
        } else if trimmed.len() >= 4 {
            // An unlisted word still tells by its spelling ("-ción", "-sjon", "ij").
            for (pattern, at_end, index, weight) in SPELLING_CUES {
                let hit = if *at_end {
                    trimmed.ends_with(pattern)
                } else {
                    trimmed.contains(pattern)
                };
                if hit {
                    if let Some(score) = self.scores.get_mut(*index) {
                        *score += weight;
                    }
                }
            }
        }
        word.clear();
    }

    /// Whether a Cyrillic text is long enough that Ukrainian would have
    /// shown one of its own letters (і ї є ґ, together about one letter in
    /// fourteen; 20 letters without any happens to about one Ukrainian text
    /// in five) and shows none.
    fn lacks_ukrainian_letters(&self) -> bool {
        self.count(Script::Cyrillic) >= UKRAINIAN_LETTERS_WITHIN
            && !self.cleaned.contains(['і', 'ї', 'є', 'ґ'])
    }

    fn count(&self, script: Script) -> u32 {
        self.counts.get(script_index(script)).copied().unwrap_or(0)
    }

    /// Weight of a script in the text: Chinese, Japanese and Korean characters
    /// carry about a syllable each, so they count double against letters.
    fn weight(&self, script: Script) -> f32 {
        let count = self.count(script) as f32;
        match script {
            Script::Han | Script::Kana | Script::Hangul => 2.0 * count,
            _ => count,
        }
    }

    fn share(&self, script: Script) -> f32 {
        let total: f32 = SCRIPTS.iter().map(|s| self.weight(*s)).sum();
        let own = match script {
            Script::Han | Script::Kana => self.weight(Script::Han) + self.weight(Script::Kana),
            _ => self.weight(script),
        };
        if total > 0.0 {
            own / total
        } else {
            0.0
        }
    }

    /// The dominant script; Han with enough kana is Japanese (`Kana`).
    fn dominant(&self) -> Option<Script> {
        let cjk = self.weight(Script::Han) + self.weight(Script::Kana);
        let mut best: Option<(Script, f32)> = None;
        for script in SCRIPTS {
            let weight = match script {
                Script::Han => cjk,
                Script::Kana => continue,
                _ => self.weight(script),
            };
            if weight > 0.0 && best.is_none_or(|(_, w)| weight > w) {
                best = Some((script, weight));
            }
        }
        let (script, _) = best?;
        if script == Script::Han {
            let kana = self.count(Script::Kana);
            let han = self.count(Script::Han);
            if kana >= 2 || (kana >= 1 && kana * 5 >= han) {
                return Some(Script::Kana);
            }
        }
        Some(script)
    }
}

#[cfg(feature = "whatlang")]
mod statistical {
    //! The bridge to `whatlang`: candidate lists and code mapping.

    use crate::model::Language;
    use whatlang::{Detector, Lang};

    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(super) enum Family {
        Latin,
        Cyrillic,
    }

    /// Neighbours always among the candidates, so they can be told apart
    /// rather than forced into an allowed language.
    const LATIN_NEIGHBOURS: [Lang; 9] = [
        Lang::Dan,
        Lang::Swe,
        Lang::Fin,
        Lang::Pol,
        Lang::Ces,
        Lang::Hun,
        Lang::Ron,
        Lang::Ind,
        Lang::Vie,
    ];
    const CYRILLIC: [Lang; 6] = [
        Lang::Rus,
        Lang::Ukr,
        Lang::Bul,
        Lang::Bel,
        Lang::Srp,
        Lang::Mkd,
    ];

    pub(super) fn detector_for(allowlist: &[Language], family: Family) -> Option<Detector> {
        let mut candidates: Vec<Lang> = match family {
            Family::Latin => allowlist
                .iter()
                .filter_map(|l| from_language(*l))
                .filter(|lang| !CYRILLIC.contains(lang) && is_latin(*lang))
                .chain(LATIN_NEIGHBOURS)
                .collect(),
            Family::Cyrillic => {
                if !allowlist
                    .iter()
                    .filter_map(|l| from_language(*l))
                    .any(|l| CYRILLIC.contains(&l))
                {
                    return None;
                }
                CYRILLIC.to_vec()
            }
        };
        candidates.sort_by_key(|lang| lang.code());
        candidates.dedup();
        Some(Detector::with_allowlist(candidates))
    }

    fn is_latin(lang: Lang) -> bool {
        !matches!(
            lang,
            Lang::Cmn
                | Lang::Jpn
                | Lang::Kor
                | Lang::Tha
                | Lang::Ara
                | Lang::Heb
                | Lang::Yid
                | Lang::Hin
                | Lang::Ell
                | Lang::Kat
                | Lang::Hye
        )
    }

    fn from_language(language: Language) -> Option<Lang> {
        Lang::all()
            .iter()
            .copied()
            .find(|lang| to_language(*lang) == Some(language))
    }

    /// The ISO 639-1 code of a `whatlang` language, where it has one.
    pub(super) fn to_language(lang: Lang) -> Option<Language> {
        let code = match lang.code() {
            "epo" => "eo",
            "eng" => "en",
            "rus" => "ru",
            "cmn" => "zh",
            "spa" => "es",
            "por" => "pt",
            "ita" => "it",
            "ben" => "bn",
            "fra" => "fr",
            "deu" => "de",
            "ukr" => "uk",
            "kat" => "ka",
            "ara" => "ar",
            "hin" => "hi",
            "jpn" => "ja",
            "heb" => "he",
            "yid" => "yi",
            "pol" => "pl",
            "amh" => "am",
            "jav" => "jv",
            "kor" => "ko",
            "nob" => "no",
            "dan" => "da",
            "swe" => "sv",
            "fin" => "fi",
            "tur" => "tr",
            "nld" => "nl",
            "hun" => "hu",
            "ces" => "cs",
            "ell" => "el",
            "bul" => "bg",
            "bel" => "be",
            "mar" => "mr",
            "kan" => "kn",
            "ron" => "ro",
            "slv" => "sl",
            "hrv" => "hr",
            "srp" => "sr",
            "mkd" => "mk",
            "lit" => "lt",
            "lav" => "lv",
            "est" => "et",
            "tam" => "ta",
            "vie" => "vi",
            "urd" => "ur",
            "tha" => "th",
            "guj" => "gu",
            "uzb" => "uz",
            "pan" => "pa",
            "aze" => "az",
            "ind" => "id",
            "tel" => "te",
            "pes" => "fa",
            "mal" => "ml",
            "ori" => "or",
            "mya" => "my",
            "nep" => "ne",
            "sin" => "si",
            "khm" => "km",
            "tuk" => "tk",
            "aka" => "ak",
            "zul" => "zu",
            "sna" => "sn",
            "afr" => "af",
            "lat" => "la",
            "slk" => "sk",
            "cat" => "ca",
            "tgl" => "tl",
            "hye" => "hy",
            "cym" => "cy",
            _ => return None,
        };
        code.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> LanguageDetector {
        LanguageDetector::new(Language::REFERENCE_DESK)
    }

    fn lang(text: &str) -> Option<String> {
        reference().detect(text).language.map(|l| l.to_string())
    }

    #[test]
    fn scripts_decide_korean_japanese_thai_chinese() {
        assert_eq!(lang("수하물이 도착하지 않았어요").as_deref(), Some("ko"));
        assert_eq!(lang("荷物が届いていません").as_deref(), Some("ja"));
        assert_eq!(lang("กระเป๋าของฉันหาย").as_deref(), Some("th"));
        assert_eq!(lang("我的行李还没到").as_deref(), Some("zh"));
    }

    #[test]
    fn han_only_text_is_japanese_when_the_customer_writes_japanese() {
        let hints = LanguageHints {
            customer: Some(Language::JAPANESE),
            ..LanguageHints::default()
        };
        assert_eq!(
            reference().detect_with_hints("手荷物", &hints).language,
            Some(Language::JAPANESE)
        );
    }

    #[test]
    fn ukrainian_is_told_apart_from_russian_and_is_unknown() {
        let guess = reference().detect("Де моя валіза? Я чекаю вже три дні");
        assert_eq!(guess.language, None);
        assert_eq!(guess.outside_allowlist, Some("uk".parse().unwrap()));
        assert_eq!(
            lang("Где мой чемодан? Я жду уже три дня").as_deref(),
            Some("ru")
        );
    }

    #[test]
    fn a_long_cyrillic_text_without_ukrainian_letters_is_not_voted_ukrainian() {
        let words = &reference().words;
        // 20 Cyrillic letters or more and none of і ї є ґ.
        assert!(Scan::of("Дедушка сам чинит старую машину", words).lacks_ukrainian_letters());
        assert!(!Scan::of("Дідусь сам лагодить стару машину", words).lacks_ukrainian_letters());
        // Too short to tell.
        assert!(!Scan::of("Я не знаю, где он", words).lacks_ukrainian_letters());
        // The statistical detector reads this one as Ukrainian (0.56); its
        // vote would bring the Russian reading's confidence down to 0.26.
        let guess = reference().detect("Мой дедушка до сих пор сам чинит свою старую машину.");
        assert_eq!(guess.language, Some(Language::RUSSIAN));
        assert!(guess.confidence > 0.45, "{guess:?}");
    }

    #[test]
    fn danish_and_swedish_are_not_norwegian() {
        assert_eq!(
            lang("Hvad er der sket med min kuffert? Jeg har ventet i tre dage"),
            None
        );
        assert_eq!(lang("Var är min väska? Jag har väntat i tre dagar"), None);
        assert_eq!(
            lang("Hvor er kofferten min? Jeg har ventet i tre dager").as_deref(),
            Some("no")
        );
    }

    #[test]
    fn an_unsure_statistical_vote_does_not_undo_what_the_words_say() {
        // The words point to Norwegian ("veldig", "flyplassen") without
        // settling it; the statistical detector leans Danish with a
        // confidence of a few hundredths, which must not tip the answer.
        assert_eq!(
            lang("veldig god service på flyplassen i dag").as_deref(),
            Some("no")
        );
    }

    #[test]
    fn a_lead_of_one_distinctive_word_counts_between_close_languages() {
        // Most words are shared with Danish; one Norwegian word leads.
        let guess = reference().detect("Takk til alle på flyet, veldig hyggelig");
        assert_eq!(guess.language, Some(Language::NORWEGIAN));
        assert!(guess.confidence >= 0.7, "{guess:?}");
        assert!(confidence_of(3.0, 2.0) > confidence_of(3.0, 2.9));
        assert!(confidence_of(0.5, 0.0) < confidence_of(3.0, 0.0));
    }

    #[test]
    fn danish_comes_out_danish_when_allowed() {
        let detector = LanguageDetector::new([Language::NORWEGIAN, Language::DANISH]);
        assert_eq!(
            detector
                .detect("Tak for hjælpen, jeg fik min bagage igen")
                .language,
            Some(Language::DANISH)
        );
    }

    #[test]
    fn mentions_and_links_are_not_language() {
        let guess = reference().detect("@KLM https://t.co/abc #travel");
        assert_eq!(guess.language, None);
        assert_eq!(guess.confidence, 0.0);
    }

    #[test]
    fn empty_text_is_unknown_without_hints_and_the_channel_default_with_them() {
        assert_eq!(reference().detect("👍👍").language, None);
        let hints = LanguageHints {
            channel_default: Some(Language::GERMAN),
            ..LanguageHints::default()
        };
        let guess = reference().detect_with_hints("👍👍", &hints);
        assert_eq!(guess.language, Some(Language::GERMAN));
        assert_eq!(guess.basis, Basis::Context);
    }

    #[test]
    fn hints_outside_the_allowlist_are_ignored() {
        let hints = LanguageHints {
            customer: Some(Language::DANISH),
            ..LanguageHints::default()
        };
        assert_eq!(reference().detect_with_hints("ok", &hints).language, None);
    }

    #[test]
    fn customer_language_breaks_a_near_tie() {
        // "obrigado" would be Portuguese anyway; "a reserva" is shared by Spanish and Portuguese.
        let hints = LanguageHints {
            customer: Some(Language::PORTUGUESE),
            ..LanguageHints::default()
        };
        assert_eq!(
            reference().detect_with_hints("reserva", &hints).language,
            Some(Language::PORTUGUESE)
        );
    }
}
