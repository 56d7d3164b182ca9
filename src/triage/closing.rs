//! The polite closing of a post: its last clause when that is a word or
//! three after a request ("… booking PZ4K8N. Obrigada", "… merci
//! d'avance"). Thanks there is politeness, not praise.

/// Marks that end a clause, in the scripts of the desk.
const CLAUSE_ENDS: [char; 10] = ['.', '!', '?', ',', ';', '\n', '。', '！', '？', '，'];

/// At most this many words make a closing.
const CLOSING_WORDS: usize = 3;

/// At least this many words must come before a closing.
const BODY_WORDS: usize = 3;

/// Words of thanks, lowercase, in the desk's languages: a closing is polite
/// only when it thanks ("great job" closing a complaint is no politeness).
const THANKS: [&str; 18] = [
    "thank",
    "thx",
    "bedankt",
    "dank",
    "merci",
    "gracias",
    "grazie",
    "obrigad",
    "teşekkür",
    "sağ ol",
    "takk",
    "спасибо",
    "谢谢",
    "謝謝",
    "ありがとう",
    "감사",
    "고맙",
    "ขอบคุณ",
];

/// Whether `closing` (lowercase) thanks.
pub(super) fn thanks(closing: &str) -> bool {
    THANKS.iter().any(|word| closing.contains(word))
}

/// Splits `text` into its body and its closing clause, when the last clause
/// (trailing marks, spaces and emoji set aside) is at most three words long
/// and follows at least three words. `None` when the post has no such
/// closing.
pub(super) fn split_closing(text: &str) -> Option<(&str, &str)> {
    // Marks, spaces and emoji after the last word.
    let trimmed = text.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '\''));
    let cut = trimmed.rfind(CLAUSE_ENDS)?;
    let (body, rest) = trimmed.split_at(cut);
    let closing = rest.get(rest.chars().next()?.len_utf8()..)?.trim();
    let words = |s: &str| s.split_whitespace().count();
    (!closing.is_empty() && words(closing) <= CLOSING_WORDS && words(body) >= BODY_WORDS)
        .then_some((body, closing))
}

#[cfg(test)]
mod tests {
    use super::split_closing;

    #[test]
    fn a_short_last_clause_after_a_request_is_a_closing() {
        assert_eq!(
            split_closing("gostaria de receber o reembolso, reserva PZ4K8N. Obrigada"),
            Some((
                "gostaria de receber o reembolso, reserva PZ4K8N",
                "Obrigada"
            ))
        );
        assert_eq!(
            split_closing("je souhaiterais être remboursée de mon billet. Merci d'avance !"),
            Some((
                "je souhaiterais être remboursée de mon billet",
                "Merci d'avance"
            ))
        );
        assert_eq!(
            split_closing("vorrei il rimborso del volo di ieri, grazie 🙏"),
            Some(("vorrei il rimborso del volo di ieri", "grazie"))
        );
    }

    #[test]
    fn closings_that_thank_in_several_languages() {
        for closing in [
            "thank you",
            "merci d'avance",
            "obrigada",
            "спасибо",
            "감사합니다",
        ] {
            assert!(super::thanks(closing), "{closing}");
        }
        for closing in ["great job", "bravo", "see you"] {
            assert!(!super::thanks(closing), "{closing}");
        }
    }

    #[test]
    fn a_post_without_a_short_last_clause_has_none() {
        assert_eq!(split_closing("Thanks"), None);
        assert_eq!(split_closing("Great crew today!"), None);
        assert_eq!(
            split_closing("Thanks. The crew on KL1234 were the kindest I have met"),
            None
        );
        assert_eq!(split_closing(""), None);
        assert_eq!(split_closing("🙏🙏"), None);
    }
}
