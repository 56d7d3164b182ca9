//! Canned responses with variables, stored per language with a fallback.
//!
//! # Syntax
//!
//! A template is plain text with variables in braces:
//!
//! | write | you get |
//! | --- | --- |
//! | `{customer.name}` | the value of the variable `customer.name` |
//! | `{ customer.name }` | the same (spaces inside the braces are ignored) |
//! | `{{` | a literal `{` |
//! | `}}` | a literal `}` |
//!
//! A variable name is one or more parts of ASCII letters, digits, `_` or `-`,
//! joined by dots. A variable the caller did not give is an error
//! ([`TemplateError::MissingVariable`]), never an empty string, so a reply
//! never goes out as "Hi , your flight ...". Syntax errors carry the byte
//! position where they were found.
//!
//! The usual names have constants on [`TemplateVars`] (`customer.name`,
//! `agent.name`, `agent.signature`, `booking.code`, `flight.number`,
//! `flight.origin`, `flight.destination`, `flight.departure`, `language`);
//! any other name works too.
//!
//! ```
//! use caredesk::model::Language;
//! use caredesk::template::{TemplateLibrary, TemplateVars};
//! let mut library = TemplateLibrary::new(vec![Language::ENGLISH]);
//! library.insert("delay", Language::ENGLISH,
//!     "Hi {customer.name}, {flight.number} leaves later today. {agent.signature}")?;
//! library.insert("delay", Language::DUTCH,
//!     "Hoi {customer.name}, {flight.number} vertrekt later vandaag. {agent.signature}")?;
//! let vars = TemplateVars::new()
//!     .with(TemplateVars::CUSTOMER_NAME, "Anna")
//!     .with(TemplateVars::FLIGHT_NUMBER, "KL1234")
//!     .with(TemplateVars::AGENT_SIGNATURE, "^SV");
//! let dutch = library.render("delay", Language::DUTCH, &vars)?;
//! assert_eq!(dutch.text, "Hoi Anna, KL1234 vertrekt later vandaag. ^SV");
//! // No Turkish text: the fallback language is used, and says so.
//! let turkish = library.render("delay", Language::TURKISH, &vars)?;
//! assert_eq!(turkish.language_used, Language::ENGLISH);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::model::Language;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A template could not be stored or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A `{` opens a variable that is never closed; close it with `}` or
    /// write `{{` for a literal brace.
    #[error("unclosed variable starting at byte {position}")]
    UnclosedVariable {
        /// Byte offset of the `{`.
        position: usize,
    },
    /// A `}` closes nothing; write `}}` for a literal brace.
    #[error("unexpected '}}' at byte {position}")]
    UnexpectedClosingBrace {
        /// Byte offset of the `}`.
        position: usize,
    },
    /// The text between braces is not a variable name (empty, or characters
    /// other than ASCII letters, digits, `_`, `-` and dots between parts).
    #[error("invalid variable name {name:?} at byte {position}")]
    InvalidVariableName {
        /// Byte offset of the `{`.
        position: usize,
        /// The text found between the braces.
        name: String,
    },
    /// The template uses a variable the caller did not give; give it (an
    /// empty string is a value, if that is really meant).
    #[error("variable {name:?} has no value")]
    MissingVariable {
        /// The variable's name.
        name: String,
    },
    /// No template has this name; check the name or add it.
    #[error("no template named {name:?}")]
    UnknownTemplate {
        /// The name asked for.
        name: String,
    },
    /// The template exists, but neither in the language asked for nor in any
    /// fallback language; add a text in one of them.
    #[error("template {name:?} has no text in {language} or a fallback language")]
    NoLanguage {
        /// The template's name.
        name: String,
        /// The language asked for.
        language: Language,
    },
    /// A template name is blank; name it.
    #[error("a template name is blank")]
    BlankName,
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment<'a> {
    Text(&'a str),
    Brace(char),
    Variable(&'a str),
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

fn parse(source: &str) -> Result<Vec<Segment<'_>>, TemplateError> {
    let mut segments = Vec::new();
    let bytes = source.as_bytes();
    let mut text_start = 0;
    let mut i = 0;
    // Indexing is safe: `i < bytes.len()` is the loop condition, and `at`
    // below is a position `find` returned inside `source`.
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'}' if bytes.get(i + 1) == Some(&bytes[i]) => {
                if text_start < i {
                    segments.push(Segment::Text(source.get(text_start..i).unwrap_or("")));
                }
                segments.push(Segment::Brace(char::from(bytes[i])));
                i += 2;
                text_start = i;
            }
            b'}' => return Err(TemplateError::UnexpectedClosingBrace { position: i }),
            b'{' => {
                if text_start < i {
                    segments.push(Segment::Text(source.get(text_start..i).unwrap_or("")));
                }
                let close = source
                    .get(i + 1..)
                    .and_then(|rest| rest.find(['}', '{']))
                    .map(|offset| i + 1 + offset)
                    .filter(|at| bytes[*at] == b'}')
                    .ok_or(TemplateError::UnclosedVariable { position: i })?;
                let raw = source.get(i + 1..close).unwrap_or("");
                let name = raw.trim();
                if !valid_name(name) {
                    return Err(TemplateError::InvalidVariableName {
                        position: i,
                        name: raw.to_owned(),
                    });
                }
                segments.push(Segment::Variable(name));
                i = close + 1;
                text_start = i;
            }
            _ => i += 1,
        }
    }
    if text_start < bytes.len() {
        segments.push(Segment::Text(source.get(text_start..).unwrap_or("")));
    }
    Ok(segments)
}

/// Checks a template's syntax.
///
/// # Errors
/// The first syntax error, with its byte position.
pub fn validate(source: &str) -> Result<(), TemplateError> {
    parse(source).map(|_| ())
}

/// The variables a template uses, in order of first use, without repeats.
///
/// # Errors
/// The first syntax error, with its byte position.
pub fn variables(source: &str) -> Result<Vec<String>, TemplateError> {
    let mut names: Vec<String> = Vec::new();
    for segment in parse(source)? {
        if let Segment::Variable(name) = segment {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
    }
    Ok(names)
}

/// Renders one template text with `vars`.
///
/// ```
/// use caredesk::template::{render_text, TemplateError, TemplateVars};
/// let vars = TemplateVars::new().with("customer.name", "Anna");
/// assert_eq!(render_text("{{Hi}} {customer.name}", &vars)?, "{Hi} Anna");
/// assert_eq!(render_text("Hi {agent.name}", &vars),
///     Err(TemplateError::MissingVariable { name: "agent.name".into() }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A syntax error with its position, or [`TemplateError::MissingVariable`].
pub fn render_text(source: &str, vars: &TemplateVars) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(source.len() + 32);
    for segment in parse(source)? {
        match segment {
            Segment::Text(text) => out.push_str(text),
            Segment::Brace(c) => out.push(c),
            Segment::Variable(name) => {
                out.push_str(
                    vars.get(name)
                        .ok_or_else(|| TemplateError::MissingVariable {
                            name: name.to_owned(),
                        })?,
                )
            }
        }
    }
    Ok(out)
}

/// The values to fill a template with, by variable name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TemplateVars(BTreeMap<String, String>);

impl TemplateVars {
    /// The customer's name.
    pub const CUSTOMER_NAME: &'static str = "customer.name";
    /// The agent's name.
    pub const AGENT_NAME: &'static str = "agent.name";
    /// The agent's sign-off.
    pub const AGENT_SIGNATURE: &'static str = "agent.signature";
    /// The booking's record locator.
    pub const BOOKING_CODE: &'static str = "booking.code";
    /// The flight number.
    pub const FLIGHT_NUMBER: &'static str = "flight.number";
    /// The flight's origin airport.
    pub const FLIGHT_ORIGIN: &'static str = "flight.origin";
    /// The flight's destination airport.
    pub const FLIGHT_DESTINATION: &'static str = "flight.destination";
    /// The flight's departure time, as the caller formats it.
    pub const FLIGHT_DEPARTURE: &'static str = "flight.departure";
    /// The reply's language code.
    pub const LANGUAGE: &'static str = "language";

    /// No values.
    pub fn new() -> Self {
        TemplateVars::default()
    }

    /// Sets a value.
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Sets a value in place.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    /// A value, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// A rendered template and the language it came out in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rendered {
    /// The text.
    pub text: String,
    /// The language of the text used (the one asked for, or a fallback).
    pub language_used: Language,
}

/// A tenant's canned responses, keyed by name and language, with fallback
/// languages for when a text is missing in the one asked for.
///
/// Texts are checked when inserted; a library read from JSON should be
/// checked with [`TemplateLibrary::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateLibrary {
    /// Languages to try, in order, after the one asked for.
    pub fallback: Vec<Language>,
    /// Texts by template name, then language.
    pub templates: BTreeMap<String, BTreeMap<Language, String>>,
}

impl TemplateLibrary {
    /// An empty library with these fallback languages.
    pub fn new(fallback: Vec<Language>) -> Self {
        TemplateLibrary {
            fallback,
            templates: BTreeMap::new(),
        }
    }

    /// Adds or replaces the text of template `name` in `language`.
    ///
    /// # Errors
    /// [`TemplateError::BlankName`], or the text's first syntax error.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        language: Language,
        source: impl Into<String>,
    ) -> Result<(), TemplateError> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(TemplateError::BlankName);
        }
        let source = source.into();
        validate(&source)?;
        self.templates
            .entry(name)
            .or_default()
            .insert(language, source);
        Ok(())
    }

    /// Checks every text (for a library read from JSON).
    ///
    /// # Errors
    /// The first blank name or syntax error found, in name and language order.
    pub fn validate(&self) -> Result<(), TemplateError> {
        for (name, texts) in &self.templates {
            if name.trim().is_empty() {
                return Err(TemplateError::BlankName);
            }
            for source in texts.values() {
                validate(source)?;
            }
        }
        Ok(())
    }

    /// The languages template `name` has a text in, sorted.
    pub fn languages(&self, name: &str) -> Vec<Language> {
        self.templates
            .get(name)
            .map(|texts| texts.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Renders template `name` in `language`, or in the first fallback
    /// language that has a text.
    ///
    /// # Errors
    /// [`TemplateError::UnknownTemplate`], [`TemplateError::NoLanguage`],
    /// [`TemplateError::MissingVariable`] (in the language chosen; it does not
    /// fall back further), or a syntax error.
    pub fn render(
        &self,
        name: &str,
        language: Language,
        vars: &TemplateVars,
    ) -> Result<Rendered, TemplateError> {
        let texts = self
            .templates
            .get(name)
            .ok_or_else(|| TemplateError::UnknownTemplate {
                name: name.to_owned(),
            })?;
        let (language_used, source) = std::iter::once(language)
            .chain(self.fallback.iter().copied())
            .find_map(|lang| texts.get(&lang).map(|source| (lang, source)))
            .ok_or_else(|| TemplateError::NoLanguage {
                name: name.to_owned(),
                language,
            })?;
        Ok(Rendered {
            text: render_text(source, vars)?,
            language_used,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> TemplateVars {
        TemplateVars::new()
            .with(TemplateVars::CUSTOMER_NAME, "Anna")
            .with(TemplateVars::BOOKING_CODE, "X7KQ2P")
    }

    #[test]
    fn variables_are_replaced_and_double_braces_are_literal() {
        assert_eq!(
            render_text("{{x}} {customer.name} {{{booking.code}}}", &vars()).unwrap(),
            "{x} Anna {X7KQ2P}"
        );
        assert_eq!(render_text("{ customer.name }!", &vars()).unwrap(), "Anna!");
        assert_eq!(render_text("", &vars()).unwrap(), "");
    }

    #[test]
    fn a_missing_variable_is_an_error_not_an_empty_string() {
        assert_eq!(
            render_text("Hi {customer.name}, {flight.number}", &vars()),
            Err(TemplateError::MissingVariable {
                name: "flight.number".into()
            })
        );
        let empty = vars().with("flight.number", "");
        assert_eq!(render_text("[{flight.number}]", &empty).unwrap(), "[]");
    }

    #[test]
    fn syntax_errors_carry_their_byte_position() {
        assert_eq!(
            validate("Hi {customer.name"),
            Err(TemplateError::UnclosedVariable { position: 3 })
        );
        assert_eq!(
            validate("Hi {a {b}"),
            Err(TemplateError::UnclosedVariable { position: 3 })
        );
        assert_eq!(
            validate("Hé } there"),
            Err(TemplateError::UnexpectedClosingBrace { position: 4 })
        );
        assert_eq!(
            validate("x {}"),
            Err(TemplateError::InvalidVariableName {
                position: 2,
                name: String::new()
            })
        );
        assert_eq!(
            validate("{customer..name}"),
            Err(TemplateError::InvalidVariableName {
                position: 0,
                name: "customer..name".into()
            })
        );
        assert_eq!(
            validate("{naïve}"),
            Err(TemplateError::InvalidVariableName {
                position: 0,
                name: "naïve".into()
            })
        );
    }

    #[test]
    fn variables_are_listed_once_in_order() {
        assert_eq!(
            variables("{b} {a} {b} {{c}}").unwrap(),
            ["b".to_owned(), "a".to_owned()]
        );
    }

    #[test]
    fn the_fallback_chain_is_tried_in_order() {
        let mut library = TemplateLibrary::new(vec![Language::GERMAN, Language::ENGLISH]);
        library
            .insert("dm", Language::ENGLISH, "Please DM us, {customer.name}")
            .unwrap();
        let rendered = library.render("dm", Language::FRENCH, &vars()).unwrap();
        assert_eq!(rendered.language_used, Language::ENGLISH);
        library
            .insert("dm", Language::GERMAN, "Bitte DM, {customer.name}")
            .unwrap();
        let rendered = library.render("dm", Language::FRENCH, &vars()).unwrap();
        assert_eq!(
            rendered,
            Rendered {
                text: "Bitte DM, Anna".into(),
                language_used: Language::GERMAN
            }
        );
    }

    #[test]
    fn unknown_names_and_languages_are_errors() {
        let mut library = TemplateLibrary::new(vec![]);
        library.insert("dm", Language::DUTCH, "DM ons").unwrap();
        assert_eq!(
            library.render("nope", Language::DUTCH, &vars()),
            Err(TemplateError::UnknownTemplate {
                name: "nope".into()
            })
        );
        assert_eq!(
            library.render("dm", Language::ENGLISH, &vars()),
            Err(TemplateError::NoLanguage {
                name: "dm".into(),
                language: Language::ENGLISH
            })
        );
        assert_eq!(
            library.insert(" ", Language::DUTCH, "x"),
            Err(TemplateError::BlankName)
        );
        assert!(library.insert("bad", Language::DUTCH, "{").is_err());
        assert_eq!(library.languages("dm"), [Language::DUTCH]);
    }

    #[test]
    fn a_library_round_trips_through_json_and_validates() {
        let mut library = TemplateLibrary::new(vec![Language::ENGLISH]);
        library
            .insert("dm", Language::ENGLISH, "Please DM us, {customer.name}")
            .unwrap();
        let json = serde_json::to_string(&library).unwrap();
        assert_eq!(
            json,
            r#"{"fallback":["en"],"templates":{"dm":{"en":"Please DM us, {customer.name}"}}}"#
        );
        let back: TemplateLibrary = serde_json::from_str(&json).unwrap();
        assert_eq!(back, library);
        let broken: TemplateLibrary =
            serde_json::from_str(r#"{"templates":{"dm":{"en":"Hi }"}}}"#).unwrap();
        assert_eq!(
            broken.validate(),
            Err(TemplateError::UnexpectedClosingBrace { position: 3 })
        );
    }
}
