//! Languages as ISO 639-1 codes, stored in two bytes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A language, as its two-letter ISO 639-1 code in lower case (`"nl"`,
/// `"ja"`, `"no"` for Norwegian).
///
/// It is `Copy` and two bytes wide, so conversations and routing indexes can
/// carry it freely.
///
/// ```
/// use caredesk::model::Language;
/// let dutch: Language = "nl".parse()?;
/// assert_eq!(dutch, Language::DUTCH);
/// assert_eq!(dutch.to_string(), "nl");
/// assert!("dutch".parse::<Language>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Language([u8; 2]);

/// The text given is not a two-letter ISO 639-1 code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an ISO 639-1 language code: {0:?} (expected two ASCII letters such as \"en\")")]
pub struct LanguageParseError(pub String);

impl Language {
    /// Chinese.
    pub const CHINESE: Language = Language(*b"zh");
    /// Dutch.
    pub const DUTCH: Language = Language(*b"nl");
    /// English.
    pub const ENGLISH: Language = Language(*b"en");
    /// French.
    pub const FRENCH: Language = Language(*b"fr");
    /// German.
    pub const GERMAN: Language = Language(*b"de");
    /// Italian.
    pub const ITALIAN: Language = Language(*b"it");
    /// Korean.
    pub const KOREAN: Language = Language(*b"ko");
    /// Japanese.
    pub const JAPANESE: Language = Language(*b"ja");
    /// Norwegian.
    pub const NORWEGIAN: Language = Language(*b"no");
    /// Portuguese.
    pub const PORTUGUESE: Language = Language(*b"pt");
    /// Russian.
    pub const RUSSIAN: Language = Language(*b"ru");
    /// Spanish.
    pub const SPANISH: Language = Language(*b"es");
    /// Thai.
    pub const THAI: Language = Language(*b"th");
    /// Turkish.
    pub const TURKISH: Language = Language(*b"tr");
    /// Danish (outside the reference desk's list, but told apart from Norwegian).
    pub const DANISH: Language = Language(*b"da");
    /// Swedish (outside the reference desk's list, but told apart from Norwegian).
    pub const SWEDISH: Language = Language(*b"sv");
    /// Ukrainian (outside the reference desk's list, but told apart from Russian).
    pub const UKRAINIAN: Language = Language(*b"uk");
    /// Bulgarian (outside the reference desk's list, but told apart from Russian).
    pub const BULGARIAN: Language = Language(*b"bg");

    /// The fourteen languages of the reference desk, in code order.
    pub const REFERENCE_DESK: [Language; 14] = [
        Language::GERMAN,
        Language::ENGLISH,
        Language::SPANISH,
        Language::FRENCH,
        Language::ITALIAN,
        Language::JAPANESE,
        Language::KOREAN,
        Language::DUTCH,
        Language::NORWEGIAN,
        Language::PORTUGUESE,
        Language::RUSSIAN,
        Language::THAI,
        Language::TURKISH,
        Language::CHINESE,
    ];

    /// Builds a language from a two-letter code, case-insensitively.
    ///
    /// # Errors
    /// [`LanguageParseError`] when `code` is not exactly two ASCII letters.
    pub fn new(code: &str) -> Result<Self, LanguageParseError> {
        code.parse()
    }

    /// The code as a string slice, e.g. `"en"`.
    pub fn as_str(&self) -> &str {
        // The two bytes are ASCII lower-case letters: checked on construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl FromStr for Language {
    type Err = LanguageParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() == 2 && bytes.iter().all(u8::is_ascii_alphabetic) {
            Ok(Language([
                bytes[0].to_ascii_lowercase(),
                bytes[1].to_ascii_lowercase(),
            ]))
        } else {
            Err(LanguageParseError(s.to_owned()))
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Language({})", self.as_str())
    }
}

impl Serialize for Language {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
