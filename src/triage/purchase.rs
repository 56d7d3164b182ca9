//! What a purchase question names: airports and cities (as IATA codes, with
//! origin or destination), travel dates and the number of travellers, each
//! with its byte span in the original text.
//!
//! Extraction runs only on messages that carry the `purchase` intent (see
//! [`Taxonomy::airline`](super::Taxonomy::airline)); it is deterministic
//! given the text and the day the message arrived.
//!
//! - **Places.** A three-letter upper-case token that is a known IATA code
//!   (`AMS`, `NRT`, `LON`), or a city name in any of the fourteen reference
//!   languages and scripts (`Londen`, `Tokio`, `東京`, `서울`, `Лондон`),
//!   mapped to the airport or metropolitan code. The role comes from the
//!   word before or the particle after: `from/van/von/de/desde/da/fra/из/从`
//!   and `から/에서/'dan` make an origin; `to/naar/nach/à/para/til/в/到/去`
//!   and `まで/へ/행/으로/'a` a destination; `AMS-NRT` or `Amsterdam →
//!   Tokyo` is origin then destination. Without a marker, the first of two
//!   places is the origin and a single place is the destination.
//! - **Dates.** ISO (`2026-12-24`), day first with slashes or dots
//!   (`24/12`, `24.12.2026`, European order), a day and a month name in the
//!   Latin-script languages and Russian (`24 december`, `December 24th`,
//!   `24. Dezember`, `24 de diciembre`, `24 декабря`), `12月24日`
//!   (Chinese, Japanese), `12월 24일` (Korean), and "tomorrow" in each
//!   language. A date without a year is the next such day on or after the
//!   day the message arrived.
//! - **Travellers.** A number (digits, or a small number word) before a word
//!   for people (`2 adults`, `met 4 personen`, `two passengers`, `3 kişi`,
//!   `2人`, `大人2名`, `두 명`, `2 คน`); the first one found.

use crate::model::{DateMention, PlaceMention, PlaceRole, PurchaseDetails, TravellerMention};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Extracts places, dates and travellers from a message that arrived at
/// `received_at`. Every span is a pair of byte offsets on char boundaries of
/// `text`.
///
/// ```
/// use caredesk::model::PlaceRole;
/// use caredesk::triage::extract_purchase;
/// let text = "How much is a ticket from Amsterdam to Tokyo on 24 December for 2 adults?";
/// let details = extract_purchase(text, "2026-11-23T10:00:00Z".parse()?);
/// assert_eq!(details.origin(), Some("AMS"));
/// assert_eq!(details.destination(), Some("TYO"));
/// assert_eq!(details.dates[0].date.to_string(), "2026-12-24");
/// let travellers = details.travellers.unwrap();
/// assert_eq!((travellers.count, &text[travellers.start..travellers.end]), (2, "2 adults"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn extract_purchase(text: &str, received_at: DateTime<Utc>) -> PurchaseDetails {
    PurchaseDetails {
        places: places(text),
        dates: dates(text, received_at.date_naive()),
        travellers: travellers(text),
    }
}

/// City names per code: the code is the airport, or the metropolitan area
/// where a city has several airports. Names are lower case; those in scripts
/// written without spaces are matched anywhere, the rest as whole words.
const CITIES: &[(&str, &[&str])] = &[
    (
        "AMS",
        &[
            "amsterdam",
            "amsterdã",
            "ámsterdam",
            "schiphol",
            "амстердам",
            "阿姆斯特丹",
            "アムステルダム",
            "암스테르담",
            "อัมสเตอร์ดัม",
        ],
    ),
    (
        "LON",
        &[
            "london",
            "londen",
            "londres",
            "londra",
            "лондон",
            "伦敦",
            "倫敦",
            "ロンドン",
            "런던",
            "ลอนดอน",
        ],
    ),
    (
        "PAR",
        &[
            "paris",
            "parijs",
            "parigi",
            "париж",
            "巴黎",
            "パリ",
            "파리",
            "ปารีส",
        ],
    ),
    (
        "NYC",
        &[
            "new york",
            "nova iorque",
            "nueva york",
            "нью-йорк",
            "纽约",
            "紐約",
            "ニューヨーク",
            "뉴욕",
            "นิวยอร์ก",
        ],
    ),
    (
        "TYO",
        &[
            "tokyo",
            "tokio",
            "tóquio",
            "токио",
            "东京",
            "東京",
            "도쿄",
            "โตเกียว",
        ],
    ),
    ("OSA", &["osaka", "осака", "大阪", "오사카", "โอซาก้า"]),
    (
        "SEL",
        &[
            "seoul",
            "seúl",
            "seul",
            "сеул",
            "首尔",
            "首爾",
            "ソウル",
            "서울",
            "โซล",
        ],
    ),
    (
        "BJS",
        &[
            "beijing",
            "peking",
            "pékin",
            "pequim",
            "pekín",
            "pechino",
            "пекин",
            "北京",
            "ペキン",
            "베이징",
            "ปักกิ่ง",
        ],
    ),
    (
        "SHA",
        &["shanghai", "xangai", "шанхай", "上海", "상하이", "เซี่ยงไฮ้"],
    ),
    (
        "HKG",
        &["hong kong", "hongkong", "гонконг", "香港", "홍콩", "ฮ่องกง"],
    ),
    (
        "BKK",
        &[
            "bangkok",
            "banguecoque",
            "бангкок",
            "曼谷",
            "バンコク",
            "방콕",
            "กรุงเทพ",
        ],
    ),
    (
        "SIN",
        &[
            "singapore",
            "singapur",
            "singapour",
            "cingapura",
            "сингапур",
            "新加坡",
            "シンガポール",
            "싱가포르",
            "สิงคโปร์",
        ],
    ),
    ("TPE", &["taipei", "台北", "臺北", "타이베이"]),
    (
        "OSL",
        &["oslo", "осло", "奥斯陆", "オスロ", "오슬로", "ออสโล"],
    ),
    ("BGO", &["bergen"]),
    ("TRD", &["trondheim"]),
    (
        "STO",
        &[
            "stockholm",
            "estocolmo",
            "stoccolma",
            "стокгольм",
            "斯德哥尔摩",
            "ストックホルム",
        ],
    ),
    (
        "CPH",
        &[
            "copenhagen",
            "kopenhagen",
            "copenhague",
            "copenaghen",
            "københavn",
            "копенгаген",
            "哥本哈根",
            "コペンハーゲン",
            "코펜하겐",
        ],
    ),
    (
        "BCN",
        &[
            "barcelona",
            "barcelone",
            "barcellona",
            "барселона",
            "巴塞罗那",
            "バルセロナ",
            "바르셀로나",
        ],
    ),
    (
        "MAD",
        &["madrid", "мадрид", "马德里", "マドリード", "마드리드"],
    ),
    (
        "LIS",
        &[
            "lisbon",
            "lissabon",
            "lisbonne",
            "lisboa",
            "lisbona",
            "лиссабон",
            "里斯本",
            "リスボン",
            "리스본",
        ],
    ),
    ("OPO", &["porto", "oporto"]),
    (
        "ROM",
        &[
            "rome",
            "rom",
            "roma",
            "рим",
            "罗马",
            "羅馬",
            "ローマ",
            "로마",
        ],
    ),
    (
        "MIL",
        &[
            "milan",
            "milaan",
            "mailand",
            "milano",
            "milán",
            "milão",
            "милан",
            "米兰",
            "ミラノ",
            "밀라노",
        ],
    ),
    (
        "BER",
        &[
            "berlin",
            "berlijn",
            "berlino",
            "berlim",
            "берлин",
            "柏林",
            "ベルリン",
            "베를린",
        ],
    ),
    (
        "FRA",
        &[
            "frankfurt",
            "francfort",
            "francoforte",
            "франкфурт",
            "法兰克福",
            "フランクフルト",
            "프랑크푸르트",
        ],
    ),
    (
        "MUC",
        &[
            "munich",
            "münchen",
            "múnich",
            "munique",
            "мюнхен",
            "慕尼黑",
            "ミュンヘン",
            "뮌헨",
        ],
    ),
    (
        "ZRH",
        &[
            "zurich",
            "zürich",
            "zurigo",
            "цюрих",
            "苏黎世",
            "チューリッヒ",
        ],
    ),
    (
        "VIE",
        &[
            "vienna",
            "wenen",
            "wien",
            "vienne",
            "viena",
            "вена",
            "维也纳",
            "ウィーン",
        ],
    ),
    (
        "IST",
        &[
            "istanbul",
            "İstanbul",
            "istanboel",
            "estambul",
            "istambul",
            "стамбул",
            "伊斯坦布尔",
            "イスタンブール",
            "이스탄불",
            "อิสตันบูล",
        ],
    ),
    (
        "MOW",
        &[
            "moscow",
            "moskou",
            "moskau",
            "moscou",
            "moscú",
            "mosca",
            "moscovo",
            "москва",
            "москву",
            "莫斯科",
            "モスクワ",
            "모스크바",
        ],
    ),
    (
        "DXB",
        &["dubai", "dubaï", "дубай", "迪拜", "ドバイ", "두바이"],
    ),
    ("JNB", &["johannesburg"]),
    ("CPT", &["cape town", "kaapstad"]),
    ("NBO", &["nairobi"]),
    ("SAO", &["são paulo", "sao paulo"]),
    ("RIO", &["rio de janeiro"]),
    ("MEX", &["mexico city", "ciudad de méxico"]),
    (
        "LAX",
        &["los angeles", "洛杉矶", "ロサンゼルス", "로스앤젤레스"],
    ),
    ("SFO", &["san francisco", "旧金山"]),
    ("CHI", &["chicago"]),
    ("YTO", &["toronto"]),
    ("CUR", &["curaçao", "curacao"]),
    ("AUA", &["aruba"]),
    ("PBM", &["paramaribo"]),
    ("BOG", &["bogotá", "bogota"]),
    ("LIM", &["lima"]),
    (
        "ATH",
        &[
            "athens",
            "athene",
            "athen",
            "athènes",
            "atenas",
            "atene",
            "афины",
        ],
    ),
    ("DUB", &["dublin"]),
    ("EDI", &["edinburgh"]),
    (
        "BRU",
        &["brussels", "brussel", "bruxelles", "bruselas", "bruxelas"],
    ),
    ("NCE", &["nice"]),
    ("PRG", &["prague", "praag", "prag", "praga"]),
    (
        "WAW",
        &["warsaw", "warschau", "varsovie", "varsavia", "varsóvia"],
    ),
    ("BOM", &["mumbai"]),
    ("KUL", &["kuala lumpur"]),
    ("MNL", &["manila"]),
    ("DPS", &["bali", "denpasar"]),
    ("CGK", &["jakarta"]),
];

/// IATA codes recognised as upper-case tokens (`AMS`): the codes above and
/// the main airports of the multi-airport cities. Codes that are also
/// common shouted words are left out.
const AIRPORT_CODES: &[&str] = &[
    "LHR", "LGW", "CDG", "ORY", "JFK", "EWR", "NRT", "HND", "KIX", "ICN", "GMP", "PEK", "PKX",
    "PVG", "ARN", "FCO", "MXP", "LIN", "SAW", "SVO", "DME", "VKO", "GRU", "GIG", "ORD", "YYZ",
];

/// Scripts written without spaces between words: names in them match
/// anywhere, not only as whole words.
fn unspaced(c: char) -> bool {
    matches!(u32::from(c),
        0x0E00..=0x0E7F   // Thai
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
    )
}

struct PlaceTables {
    spaced: Option<Regex>,
    unspaced: Option<Regex>,
    token: Option<Regex>,
    by_name: BTreeMap<String, &'static str>,
    codes: Vec<&'static str>,
}

fn alternation<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut names: Vec<&str> = names.collect();
    // Longest first, so "new york" wins over a shorter name inside it.
    names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    names
        .iter()
        .map(|n| regex::escape(n))
        .collect::<Vec<_>>()
        .join("|")
}

static PLACES: LazyLock<PlaceTables> = LazyLock::new(|| {
    let mut by_name = BTreeMap::new();
    let mut spaced = Vec::new();
    let mut unspaced_names = Vec::new();
    let mut codes: Vec<&'static str> = AIRPORT_CODES.to_vec();
    for (code, names) in CITIES {
        codes.push(code);
        for name in *names {
            by_name.insert(normalise(name), *code);
            if name.chars().any(unspaced) {
                unspaced_names.push(*name);
            } else {
                spaced.push(*name);
            }
        }
    }
    codes.sort_unstable();
    PlaceTables {
        spaced: build(&format!(r"(?i)\b(?:{})\b", alternation(spaced.into_iter()))),
        unspaced: build(&format!("(?:{})", alternation(unspaced_names.into_iter()))),
        token: build(r"\b[A-Z]{3}\b"),
        by_name,
        codes,
    }
});

/// Compiles one of the library's own patterns; `None` (nothing matches)
/// cannot happen for them, which a unit test checks.
fn build(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn find_all<'r, 't>(
    re: &'r Option<Regex>,
    text: &'t str,
) -> impl Iterator<Item = regex::Match<'t>> + use<'r, 't> {
    re.iter().flat_map(move |re| re.find_iter(text))
}

fn captures_all<'r, 't>(
    re: &'r Option<Regex>,
    text: &'t str,
) -> impl Iterator<Item = regex::Captures<'t>> + use<'r, 't> {
    re.iter().flat_map(move |re| re.captures_iter(text))
}

/// Lower case, with the combining dot of a lower-cased Turkish `İ` dropped.
fn normalise(name: &str) -> String {
    name.to_lowercase().replace('\u{307}', "")
}

fn places(text: &str) -> Vec<PlaceMention> {
    let tables = &*PLACES;
    let mut found: Vec<(usize, usize, &'static str)> = Vec::new();
    for m in find_all(&tables.spaced, text).chain(find_all(&tables.unspaced, text)) {
        if let Some(code) = tables.by_name.get(&normalise(m.as_str())) {
            found.push((m.start(), m.end(), code));
        }
    }
    for m in find_all(&tables.token, text) {
        if let Ok(index) = tables.codes.binary_search(&m.as_str()) {
            if let Some(code) = tables.codes.get(index) {
                found.push((m.start(), m.end(), code));
            }
        }
    }
    found.sort_unstable();
    // Drop a match inside an earlier one ("york" inside "new york").
    let mut kept: Vec<(usize, usize, &'static str)> = Vec::new();
    for item in found {
        if kept.last().is_none_or(|last| item.0 >= last.1) {
            kept.push(item);
        }
    }
    let mut roles: Vec<Option<PlaceRole>> = kept
        .iter()
        .map(|(start, end, _)| role_near(text, *start, *end))
        .collect();
    // "AMS-NRT", "Amsterdam → Tokyo": origin then destination.
    for i in 1..kept.len() {
        let (Some(prev), Some(this)) = (kept.get(i - 1), kept.get(i)) else {
            continue;
        };
        let between = text.get(prev.1..this.0).unwrap_or("x");
        let joined = !between.is_empty()
            && between
                .chars()
                .all(|c| c.is_whitespace() || "-–—→>/~～⇒".contains(c));
        if joined {
            if let Some(slot) = roles.get_mut(i - 1) {
                slot.get_or_insert(PlaceRole::Origin);
            }
            if let Some(slot) = roles.get_mut(i) {
                slot.get_or_insert(PlaceRole::Destination);
            }
        }
    }
    let has_origin = roles.contains(&Some(PlaceRole::Origin));
    let has_destination = roles.contains(&Some(PlaceRole::Destination));
    let unknown = roles.iter().filter(|r| r.is_none()).count();
    let mut seen_unknown = 0;
    kept.into_iter()
        .zip(roles)
        .map(|((start, end, code), role)| {
            let role = role.unwrap_or_else(|| {
                seen_unknown += 1;
                if has_destination && !has_origin {
                    PlaceRole::Origin
                } else if has_origin {
                    PlaceRole::Destination
                } else if unknown >= 2 && seen_unknown == 1 {
                    PlaceRole::Origin
                } else {
                    PlaceRole::Destination
                }
            });
            PlaceMention {
                code: code.to_owned(),
                role,
                start,
                end,
            }
        })
        .collect()
}

const ORIGIN_WORDS: &[&str] = &[
    "from", "van", "vanuit", "von", "ab", "de", "depuis", "desde", "da", "fra", "из", "от",
];
const DESTINATION_WORDS: &[&str] = &[
    "to", "naar", "nach", "à", "a", "pour", "vers", "para", "per", "til", "в", "во", "до", "into",
];
const ORIGIN_BEFORE: &[&str] = &["从", "從", "由", "จาก"];
const DESTINATION_BEFORE: &[&str] = &["到", "去", "飞往", "飛往", "往", "至", "ไป"];
const ORIGIN_AFTER: &[&str] = &["から", "発", "出发", "出發", "에서", "발"];
const DESTINATION_AFTER: &[&str] = &["まで", "へ", "行き", "行", "으로", "로", "에 가"];

/// The role the words around a place give it, if any.
fn role_near(text: &str, start: usize, end: usize) -> Option<PlaceRole> {
    let before = text.get(..start).unwrap_or("").trim_end();
    let after = text.get(end..).unwrap_or("");
    if ORIGIN_AFTER.iter().any(|p| after.starts_with(p)) {
        return Some(PlaceRole::Origin);
    }
    if DESTINATION_AFTER.iter().any(|p| after.starts_with(p)) {
        return Some(PlaceRole::Destination);
    }
    // Turkish case suffixes after an apostrophe: İstanbul'dan, Amsterdam'a.
    if let Some(suffix) = after
        .strip_prefix('\'')
        .or_else(|| after.strip_prefix('\u{2019}'))
    {
        let word: String = suffix
            .chars()
            .take_while(|c| c.is_alphabetic())
            .collect::<String>()
            .to_lowercase();
        if ["dan", "den", "tan", "ten"].contains(&word.as_str()) {
            return Some(PlaceRole::Origin);
        }
        if ["a", "e", "ya", "ye"].contains(&word.as_str()) {
            return Some(PlaceRole::Destination);
        }
    }
    if ORIGIN_BEFORE.iter().any(|p| before.ends_with(p)) {
        return Some(PlaceRole::Origin);
    }
    if DESTINATION_BEFORE.iter().any(|p| before.ends_with(p)) {
        return Some(PlaceRole::Destination);
    }
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == ',')
        .next()
        .unwrap_or("")
        .to_lowercase();
    if ORIGIN_WORDS.contains(&word.as_str()) {
        return Some(PlaceRole::Origin);
    }
    if DESTINATION_WORDS.contains(&word.as_str()) {
        return Some(PlaceRole::Destination);
    }
    None
}

/// Month names (lower case) and their numbers.
const MONTHS: &[(u32, &[&str])] = &[
    (
        1,
        &[
            "january",
            "jan",
            "januari",
            "januar",
            "jänner",
            "janvier",
            "janv",
            "enero",
            "gennaio",
            "janeiro",
            "ocak",
            "января",
            "январь",
        ],
    ),
    (
        2,
        &[
            "february",
            "feb",
            "februari",
            "februar",
            "février",
            "fevrier",
            "févr",
            "febrero",
            "febbraio",
            "fevereiro",
            "şubat",
            "февраля",
            "февраль",
        ],
    ),
    (
        3,
        &[
            "march",
            "maart",
            "märz",
            "maerz",
            "mars",
            "marzo",
            "março",
            "mart",
            "марта",
            "март",
        ],
    ),
    (
        4,
        &[
            "april",
            "apr",
            "avril",
            "abril",
            "aprile",
            "nisan",
            "апреля",
            "апрель",
        ],
    ),
    (
        5,
        &[
            "may", "mei", "mai", "mayo", "maggio", "maio", "mayıs", "мая", "май",
        ],
    ),
    (
        6,
        &[
            "june", "jun", "juni", "juin", "junio", "giugno", "junho", "haziran", "июня", "июнь",
        ],
    ),
    (
        7,
        &[
            "july", "jul", "juli", "juillet", "julio", "luglio", "julho", "temmuz", "июля", "июль",
        ],
    ),
    (
        8,
        &[
            "august",
            "aug",
            "augustus",
            "août",
            "aout",
            "agosto",
            "ağustos",
            "августа",
            "август",
        ],
    ),
    (
        9,
        &[
            "september",
            "sep",
            "sept",
            "septembre",
            "septiembre",
            "settembre",
            "setembro",
            "eylül",
            "сентября",
            "сентябрь",
        ],
    ),
    (
        10,
        &[
            "october",
            "oct",
            "okt",
            "oktober",
            "octobre",
            "octubre",
            "ottobre",
            "outubro",
            "ekim",
            "октября",
            "октябрь",
        ],
    ),
    (
        11,
        &[
            "november",
            "nov",
            "novembre",
            "noviembre",
            "novembro",
            "kasım",
            "ноября",
            "ноябрь",
        ],
    ),
    (
        12,
        &[
            "december",
            "dec",
            "dezember",
            "desember",
            "décembre",
            "decembre",
            "déc",
            "diciembre",
            "dicembre",
            "dezembro",
            "aralık",
            "декабря",
            "декабрь",
        ],
    ),
];

/// "Tomorrow" in the reference languages.
const TOMORROW: &[&str] = &[
    "tomorrow",
    "morgen",
    "demain",
    "mañana",
    "domani",
    "amanhã",
    "yarın",
    "завтра",
    "明天",
    "明日",
    "내일",
    "พรุ่งนี้",
];

struct DateTables {
    iso: Option<Regex>,
    numeric: Option<Regex>,
    day_month: Option<Regex>,
    month_day: Option<Regex>,
    cjk: Option<Regex>,
    korean: Option<Regex>,
    tomorrow_spaced: Option<Regex>,
    tomorrow_unspaced: Option<Regex>,
    months: BTreeMap<String, u32>,
}

static DATES: LazyLock<DateTables> = LazyLock::new(|| {
    let mut months = BTreeMap::new();
    for (number, names) in MONTHS {
        for name in *names {
            months.insert((*name).to_owned(), *number);
        }
    }
    let names = alternation(MONTHS.iter().flat_map(|(_, names)| names.iter().copied()));
    let (spaced, unspaced_words): (Vec<&str>, Vec<&str>) =
        TOMORROW.iter().partition(|w| !w.chars().any(unspaced));
    DateTables {
        iso: build(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),
        numeric: build(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?\b"),
        day_month: build(&format!(
            r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th|er|e|\.|º)?\s*(?:de\s+|of\s+)?({names})\b\.?(?:,?\s*(\d{{4}}))?"
        )),
        month_day: build(&format!(
            r"(?i)\b({names})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(\d{{4}}))?"
        )),
        cjk: build(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号號]"),
        korean: build(r"(?:(\d{4})년\s*)?(\d{1,2})월\s*(\d{1,2})일"),
        tomorrow_spaced: build(&format!(r"(?i)\b(?:{})\b", alternation(spaced.into_iter()))),
        tomorrow_unspaced: build(&format!("(?:{})", alternation(unspaced_words.into_iter()))),
        months,
    }
});

/// The date for a day and month without a year: the next one on or after `today`.
fn resolve(year: Option<i32>, month: u32, day: u32, today: NaiveDate) -> Option<NaiveDate> {
    match year {
        Some(year) => NaiveDate::from_ymd_opt(year, month, day),
        None => {
            let this_year = NaiveDate::from_ymd_opt(today.year(), month, day);
            match this_year {
                Some(date) if date >= today => Some(date),
                _ => NaiveDate::from_ymd_opt(today.year() + 1, month, day),
            }
        }
    }
}

fn year_of(text: Option<regex::Match<'_>>) -> Option<i32> {
    let value: i32 = text?.as_str().parse().ok()?;
    Some(if value < 100 { 2000 + value } else { value })
}

fn number(m: Option<regex::Match<'_>>) -> Option<u32> {
    m?.as_str().parse().ok()
}

fn dates(text: &str, today: NaiveDate) -> Vec<DateMention> {
    let tables = &*DATES;
    let mut found: Vec<DateMention> = Vec::new();
    let mut push = |start: usize, end: usize, date: Option<NaiveDate>| {
        if let Some(date) = date {
            found.push(DateMention { date, start, end });
        }
    };
    for c in captures_all(&tables.iso, text) {
        if let (Some(all), Some(y), Some(m), Some(d)) = (
            c.get(0),
            year_of(c.get(1)),
            number(c.get(2)),
            number(c.get(3)),
        ) {
            push(all.start(), all.end(), NaiveDate::from_ymd_opt(y, m, d));
        }
    }
    for c in captures_all(&tables.numeric, text) {
        if let (Some(all), Some(d), Some(m)) = (c.get(0), number(c.get(1)), number(c.get(2))) {
            push(
                all.start(),
                all.end(),
                resolve(year_of(c.get(3)), m, d, today),
            );
        }
    }
    let month_of = |m: Option<regex::Match<'_>>| {
        m.and_then(|m| tables.months.get(&m.as_str().to_lowercase()).copied())
    };
    for c in captures_all(&tables.day_month, text) {
        if let (Some(all), Some(d), Some(m)) = (c.get(0), number(c.get(1)), month_of(c.get(2))) {
            push(
                all.start(),
                all.end(),
                resolve(year_of(c.get(3)), m, d, today),
            );
        }
    }
    for c in captures_all(&tables.month_day, text) {
        if let (Some(all), Some(m), Some(d)) = (c.get(0), month_of(c.get(1)), number(c.get(2))) {
            push(
                all.start(),
                all.end(),
                resolve(year_of(c.get(3)), m, d, today),
            );
        }
    }
    for table in [&tables.cjk, &tables.korean] {
        for c in captures_all(table, text) {
            if let (Some(all), Some(m), Some(d)) = (c.get(0), number(c.get(2)), number(c.get(3))) {
                push(
                    all.start(),
                    all.end(),
                    resolve(year_of(c.get(1)), m, d, today),
                );
            }
        }
    }
    for table in [&tables.tomorrow_spaced, &tables.tomorrow_unspaced] {
        for m in find_all(table, text) {
            push(m.start(), m.end(), today.checked_add_days(Days::new(1)));
        }
    }
    found.sort_by_key(|d| (d.start, std::cmp::Reverse(d.end)));
    let mut kept: Vec<DateMention> = Vec::new();
    for date in found {
        if kept.last().is_none_or(|last| date.start >= last.end) {
            kept.push(date);
        }
    }
    kept
}

/// Small number words and their values.
const NUMBER_WORDS: &[(&str, u8)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("een", 1),
    ("twee", 2),
    ("drie", 3),
    ("vier", 4),
    ("vijf", 5),
    ("zes", 6),
    ("zwei", 2),
    ("drei", 3),
    ("fünf", 5),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("due", 2),
    ("tre", 3),
    ("quattro", 4),
    ("cinque", 5),
    ("dois", 2),
    ("duas", 2),
    ("três", 3),
    ("quatro", 4),
    ("iki", 2),
    ("üç", 3),
    ("dört", 4),
    ("beş", 5),
    ("to", 2),
    ("fire", 4),
    ("fem", 5),
    ("два", 2),
    ("двух", 2),
    ("трое", 3),
    ("три", 3),
    ("четыре", 4),
];

const PEOPLE_WORDS: &[&str] = &[
    "adults",
    "adult",
    "people",
    "persons",
    "person",
    "passengers",
    "passenger",
    "pax",
    "travellers",
    "travelers",
    "volwassenen",
    "personen",
    "passagiers",
    "reizigers",
    "erwachsene",
    "reisende",
    "personnes",
    "adultes",
    "passagers",
    "personas",
    "adultos",
    "pasajeros",
    "persone",
    "adulti",
    "passeggeri",
    "pessoas",
    "passageiros",
    "kişi",
    "yolcu",
    "yetişkin",
    "personer",
    "voksne",
    "passasjerer",
    "человека",
    "человек",
    "пассажира",
    "пассажиров",
    "взрослых",
];

const CJK_NUMERALS: &[(&str, u8)] = &[
    ("一", 1),
    ("二", 2),
    ("两", 2),
    ("兩", 2),
    ("三", 3),
    ("四", 4),
    ("五", 5),
    ("六", 6),
    ("한", 1),
    ("두", 2),
    ("세", 3),
    ("네", 4),
    ("다섯", 5),
];

struct TravellerTables {
    spaced: Option<Regex>,
    digits_unspaced: Option<Regex>,
    adults_first: Option<Regex>,
    numerals: Option<Regex>,
    words: BTreeMap<&'static str, u8>,
}

static TRAVELLERS: LazyLock<TravellerTables> = LazyLock::new(|| {
    let words = alternation(NUMBER_WORDS.iter().map(|(w, _)| *w));
    let people = alternation(PEOPLE_WORDS.iter().copied());
    let numerals = alternation(CJK_NUMERALS.iter().map(|(w, _)| *w));
    TravellerTables {
        spaced: build(&format!(r"(?i)\b(\d{{1,2}}|{words})\s+(?:{people})\b")),
        digits_unspaced: build(r"(\d{1,2})\s*(?:人|名|位|명|คน)"),
        adults_first: build(r"大人\s*(\d{1,2})"),
        numerals: build(&format!(r"({numerals})\s*(?:个人|個人|人|位|명)")),
        words: NUMBER_WORDS
            .iter()
            .chain(CJK_NUMERALS)
            .map(|(w, n)| (*w, *n))
            .collect(),
    }
});

fn travellers(text: &str) -> Option<TravellerMention> {
    let tables = &*TRAVELLERS;
    let mut best: Option<TravellerMention> = None;
    let mut consider = |all: regex::Match<'_>, count: Option<u8>| {
        if let Some(count) = count.filter(|c| (1..=99).contains(c)) {
            if best.is_none_or(|b| all.start() < b.start) {
                best = Some(TravellerMention {
                    count,
                    start: all.start(),
                    end: all.end(),
                });
            }
        }
    };
    let value = |m: Option<regex::Match<'_>>| -> Option<u8> {
        let raw = m?.as_str();
        raw.parse()
            .ok()
            .or_else(|| tables.words.get(raw.to_lowercase().as_str()).copied())
    };
    for table in [
        &tables.spaced,
        &tables.digits_unspaced,
        &tables.adults_first,
        &tables.numerals,
    ] {
        if let Some(c) = captures_all(table, text).next() {
            if let Some(all) = c.get(0) {
                consider(all, value(c.get(1)));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_library_patterns_compile() {
        let p = &*PLACES;
        let d = &*DATES;
        let t = &*TRAVELLERS;
        for re in [
            &p.spaced,
            &p.unspaced,
            &p.token,
            &d.iso,
            &d.numeric,
            &d.day_month,
            &d.month_day,
            &d.cjk,
            &d.korean,
            &d.tomorrow_spaced,
            &d.tomorrow_unspaced,
            &t.spaced,
            &t.digits_unspaced,
            &t.adults_first,
            &t.numerals,
        ] {
            assert!(re.is_some());
        }
    }

    #[test]
    fn codes_and_arrows_give_origin_then_destination() {
        let d = extract_purchase("Price AMS-NRT in business?", at());
        assert_eq!(d.origin(), Some("AMS"));
        assert_eq!(d.destination(), Some("NRT"));
    }

    #[test]
    fn a_year_less_date_in_the_past_means_next_year() {
        let d = extract_purchase("flights to Oslo on 3 March", at());
        assert_eq!(
            d.dates[0].date,
            NaiveDate::from_ymd_opt(2027, 3, 3).unwrap()
        );
        let d = extract_purchase("flights to Oslo on 30/11", at());
        assert_eq!(
            d.dates[0].date,
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
    }

    #[test]
    fn turkish_case_suffixes_give_roles() {
        let d = extract_purchase("İstanbul'dan Amsterdam'a bilet fiyatı nedir?", at());
        assert_eq!(d.origin(), Some("IST"));
        assert_eq!(d.destination(), Some("AMS"));
        let first = &d.places[0];
        assert_eq!(
            &"İstanbul'dan Amsterdam'a bilet fiyatı nedir?"[first.start..first.end],
            "İstanbul"
        );
    }

    #[test]
    fn impossible_dates_and_shouted_words_are_not_extracted() {
        let d = extract_purchase("HOW much is it on 31/02 THE flight", at());
        assert!(d.dates.is_empty());
        assert!(d.places.is_empty());
    }
}
