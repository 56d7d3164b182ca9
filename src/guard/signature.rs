//! The agent's sign-off on public replies, in the brand's style.

use crate::model::Agent;
use serde::{Deserialize, Serialize};

/// How a brand's agents sign public replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SignatureStyle {
    /// The agent's name as customers see it (`Sanne`).
    Name,
    /// Their initials (`SV` for "Sanne Visser"; lower-case particles such as
    /// "de" or "van" are skipped).
    Initials,
    /// A caret and the initials (`^SV`), as many airlines sign on X.
    #[default]
    Caret,
    /// The agent's own [`Agent::signature`], whatever it is.
    Custom,
}

/// The initials of a name: the first letter of each word that starts with a
/// capital (all words when none does), upper-cased.
///
/// ```
/// use caredesk::guard::initials;
/// assert_eq!(initials("Sanne de Vries"), "SV");
/// assert_eq!(initials("jan"), "J");
/// ```
pub fn initials(name: &str) -> String {
    let capitalised: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .filter(|c| c.is_uppercase())
        .collect();
    if !capitalised.is_empty() {
        return capitalised;
    }
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

impl SignatureStyle {
    /// The sign-off `agent` should use in this style.
    pub fn signature_for(&self, agent: &Agent) -> String {
        match self {
            SignatureStyle::Name => agent.name.trim().to_owned(),
            SignatureStyle::Initials => initials(&agent.name),
            SignatureStyle::Caret => format!("^{}", initials(&agent.name)),
            SignatureStyle::Custom => agent.signature.trim().to_owned(),
        }
    }
}

/// Whether `text` ends with the sign-off `signature` (as a whole word,
/// ignoring trailing whitespace and final `.`/`!`; case-insensitive).
///
/// ```
/// use caredesk::guard::has_signature;
/// assert!(has_signature("Your bag is in Oslo. ^SV", "^SV"));
/// assert!(has_signature("Your bag is in Oslo. -Sanne!", "Sanne"));
/// assert!(!has_signature("Your bag is in Oslo. ^SVX", "^SV"));
/// ```
pub fn has_signature(text: &str, signature: &str) -> bool {
    let signature = signature.trim();
    if signature.is_empty() {
        return true;
    }
    let body = text.trim_end().trim_end_matches(['.', '!']).trim_end();
    if body.len() < signature.len() {
        return false;
    }
    let split = body.len() - signature.len();
    let (Some(before), Some(tail)) = (body.get(..split), body.get(split..)) else {
        return false;
    };
    if !tail.eq_ignore_ascii_case(signature) && tail.to_lowercase() != signature.to_lowercase() {
        return false;
    }
    let first_is_word = signature.chars().next().is_some_and(char::is_alphanumeric);
    !(first_is_word
        && before
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentId, Capacity, Language};

    fn agent() -> Agent {
        Agent::new(
            AgentId::from_uuid(uuid::Uuid::from_u128(1)),
            "Sanne Visser",
            [Language::DUTCH],
            Capacity::total(3),
        )
        .unwrap()
        .with_signature("~Sanne")
    }

    #[test]
    fn each_style_gives_its_own_sign_off() {
        let agent = agent();
        assert_eq!(SignatureStyle::Name.signature_for(&agent), "Sanne Visser");
        assert_eq!(SignatureStyle::Initials.signature_for(&agent), "SV");
        assert_eq!(SignatureStyle::Caret.signature_for(&agent), "^SV");
        assert_eq!(SignatureStyle::Custom.signature_for(&agent), "~Sanne");
    }

    #[test]
    fn a_sign_off_must_end_the_text_as_a_whole_word() {
        assert!(has_signature("Thanks! ^SV  ", "^SV"));
        assert!(has_signature("Thanks! SV.", "SV"));
        assert!(!has_signature("Thanks! ^SV and more", "^SV"));
        assert!(!has_signature("Thanks, TSV", "SV"));
        assert!(!has_signature("SV", "^SV"));
        assert!(has_signature(
            "Bedankt! Groet, sanne visser",
            "Sanne Visser"
        ));
    }
}
