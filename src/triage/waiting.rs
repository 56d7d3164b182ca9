//! Whether a post counts out a wait ("3 hours", "45 min", "四个小时",
//! "3時間", "2 saat"): a counted wait beside praise, with nothing asked, is
//! how a sarcastic post reads ("4 hours late and not even water. Great 👏").

/// Numerals that may stand before a unit: ASCII digits and the Chinese and
/// Japanese ones (一 to 十, 两, 半 for "and a half").
fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || "一二两三四五六七八九十半".contains(c)
}

/// Units of waiting time, lowercase. `true` marks a unit that must end at a
/// word boundary ("h", "min"); the others may run on into an inflection
/// ("stunden", "часов", "minutos").
const UNITS: [(&str, bool); 29] = [
    ("h", true),
    ("hr", true),
    ("hrs", true),
    ("hour", false),
    ("uur", true),
    ("std", true),
    ("stunde", false),
    ("heure", false),
    ("hora", false),
    ("ora", true),
    ("ore", true),
    ("saat", false),
    ("timer", true),
    ("tim", true),
    ("timm", false),
    ("час", false),
    ("个小时", false),
    ("個小時", false),
    ("小时", false),
    ("時間", false),
    ("시간", false),
    ("ชั่วโมง", false),
    ("min", true),
    ("minut", false),
    ("dk", true),
    ("dakika", false),
    ("минут", false),
    ("分钟", false),
    ("นาที", false),
];

/// Whether `lowered` (the post in lowercase) has a numeral followed, after
/// at most one space, by a unit of waiting time.
pub(super) fn counts_a_wait(lowered: &str) -> bool {
    let mut chars = lowered.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if !is_numeral(c) {
            continue;
        }
        // The end of this run of numerals (and of a decimal part: "1,5 uur").
        let mut end = at + c.len_utf8();
        while let Some(&(next_at, next)) = chars.peek() {
            if is_numeral(next) || next == ',' || next == '.' {
                end = next_at + next.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let rest = lowered.get(end..).unwrap_or_default();
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        if UNITS.iter().any(|(unit, whole)| {
            rest.strip_prefix(unit).is_some_and(|after| {
                !whole || after.chars().next().is_none_or(|c| !c.is_alphabetic())
            })
        }) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::counts_a_wait;

    #[test]
    fn counted_waits_in_several_languages() {
        for text in [
            "4 hours late",
            "2h on the tarmac",
            "1,5 uur in de wacht",
            "3 stunden verspätung",
            "5 horas de atraso",
            "2 saat rötar",
            "45 min at the belt",
            "задержка 3 часа",
            "延误四个小时了",
            "一个半小时",
            "3時間遅延",
            "3시간 지연",
            "ดีเลย์ 3 ชั่วโมง",
            "40 minutter i kø",
            "2 timmar i telefonkö",
        ] {
            assert!(counts_a_wait(text), "{text}");
        }
    }

    #[test]
    fn numbers_that_are_no_wait() {
        for text in [
            "flight kl1234 to oslo",
            "seat 14a",
            "2 bags",
            "3 hotels",
            "gate d7",
            "€70 for a bag",
            "my 2 minions",
            "told them 2 times",
            "",
        ] {
            assert!(!counts_a_wait(text), "{text}");
        }
    }
}
