//! Sentiment scoring (stub; the lexicon arrives in the next commit).

use crate::model::Language;

/// Scores how positive or negative a text is, in [-1, 1].
pub trait SentimentScorer: Send + Sync {
    /// The score of `text` in [-1, 1]; between -0.05 and 0.05 reads as neutral.
    fn score(&self, text: &str, language: Option<Language>) -> f32;
}

/// The built-in lexicon scorer.
#[derive(Debug, Clone, Default)]
pub struct LexiconScorer {}

impl SentimentScorer for LexiconScorer {
    fn score(&self, text: &str, language: Option<Language>) -> f32 {
        let _ = (text, language);
        0.0
    }
}
