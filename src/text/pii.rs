//! Personal data in free text: booking codes, ticket numbers, e-mail
//! addresses, phone numbers, payment cards and passport numbers.
//!
//! [`detect`] scans a text once, by hand, over its bytes (no regular
//! expressions) and returns [`PiiFinding`]s: a [`PiiKind`] and a byte span that
//! always lies on `char` boundaries, sorted by start and never overlapping.
//! [`redact`] replaces each span with a placeholder such as `[booking code]`,
//! so a reply or a log line can quote a customer without repeating their data.
//!
//! ```
//! use caredesk::model::PiiKind;
//! use caredesk::text::pii;
//!
//! let text = "My booking code is X7KQ2P, call me on +31 20 123 4567 ✈️";
//! let found = pii::detect(text);
//! let kinds: Vec<PiiKind> = found.iter().map(|f| f.kind).collect();
//! assert_eq!(kinds, [PiiKind::BookingCode, PiiKind::Phone]);
//! assert_eq!(&text[found[0].start..found[0].end], "X7KQ2P");
//! assert_eq!(
//!     pii::redact(text, &found),
//!     "My booking code is [booking code], call me on [phone] ✈️"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is recognised
//!
//! | kind | shape | needs a context word nearby? |
//! | --- | --- | --- |
//! | [`PiiKind::BookingCode`] | six ASCII letters and digits | no when upper case and mixing letters and digits at least twice (`X7KQ2P`); yes for a locator in lower case (`x7kq2p`); six capitals (`ABCDEF`) need the booking word right before them, with nothing between but punctuation and linking words ("my booking code is ABCDEF") |
//! | [`PiiKind::TicketNumber`] | 13 digits, optional spaces or dashes (`074-1234567890`) | no (a nearer phone or card word makes it a phone or card, and so does the grouping of a call abroad, `0031 6 12345678`, with no ticket word near) |
//! | [`PiiKind::Email`] | `local@domain.tld` | no |
//! | [`PiiKind::Phone`] | `+` and 8 to 15 digits; `00` and 11 to 15 digits; North-American `800-555-0199` | no; other national numbers of 7 to 15 digits need a phone word |
//! | [`PiiKind::PaymentCard`] | 14 to 19 digits starting with 1 to 6, in groups of four (or Amex 4-6-5), Luhn-valid; 13 digits only with a card word | no |
//! | [`PiiKind::Passport`] | 7 to 10 letters and digits with at least three digits, or 6 to 10 digits | yes |
//!
//! "Nearby" means within 64 bytes before or 40 bytes after the candidate,
//! a word after it only in the same sentence.
//! Context words are known in the fourteen languages of the reference desk
//! (`booking`, `PNR`, `boekingscode`, `réservation`, `Buchungscode`, `予約番号`,
//! `예약`, `การจอง`, `passport`, `Reisepass`, `паспорт`, `护照`, ...); when a
//! candidate has context words of two kinds nearby, the nearer one wins. Add
//! your own words with [`PiiDetector::with_context_words`].
//!
//! Left alone on purpose: flight numbers (`KL1234`, `U21234`), dates
//! (`2026-11-23`), times, prices (`€1,234.56`), plain years and counts,
//! `@handles`, `#hashtags`, anything inside a URL, and numbers right after
//! a word naming them as a postal code or a barcode (`CEP`, `〒`, `EAN`).
//! Digits must be ASCII (full-width digits are not recognised).

use crate::model::Language;
pub use crate::model::{PiiFinding, PiiKind};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// How far before a candidate (in bytes) a context word counts as near.
const CONTEXT_BEFORE: usize = 64;
/// How far after a candidate (in bytes) a context word counts as near.
const CONTEXT_AFTER: usize = 40;
/// How far before a number (in bytes) a word naming it as not personal
/// counts.
const NOT_PERSONAL_BEFORE: usize = 40;
/// Words that name the number after them as not personal data: postal codes
/// and product barcodes (context words like the others: `=` marks a whole
/// word, so "ean" is not found in "clean").
const NOT_PERSONAL_WORDS: &[&str] = &[
    "=postcode",
    "=post code",
    "=postal code",
    "=zip",
    "=postleitzahl",
    "=plz",
    "=code postal",
    "=código postal",
    "=codigo postal",
    "=cep",
    "=codice postale",
    "=postnummer",
    "=posta kodu",
    "индекс",
    "〒",
    "郵便番号",
    "邮编",
    "邮政编码",
    "우편번호",
    "รหัสไปรษณีย์",
    "=barcode",
    "=bar code",
    "=ean",
    "=gtin",
];
/// How far (in bytes) a booking word may end before a code of letters alone.
const LINK_BEFORE_LETTER_CODE: usize = 24;
/// Words that may stand between a booking word and a code of letters alone
/// ("booking code is", "mijn boekingsnummer is", "n° de réservation :").
const LINKING_WORDS: &[&str] = &[
    "is",
    "was",
    "are",
    "code",
    "number",
    "nr",
    "no",
    "ref",
    "my",
    "our",
    "the",
    "ist",
    "lautet",
    "nummer",
    "mein",
    "meine",
    "unser",
    "mijn",
    "onze",
    "het",
    "de",
    "est",
    "mon",
    "ma",
    "notre",
    "n",
    "numéro",
    "numero",
    "número",
    "es",
    "mi",
    "nuestra",
    "nuestro",
    "è",
    "il",
    "la",
    "mio",
    "é",
    "o",
    "a",
    "minha",
    "meu",
    "er",
    "min",
    "mitt",
    "kodu",
    "код",
    "номер",
    "мой",
    "моя",
];

/// Finds personal data in `text` with the default [`PiiDetector`] (every kind
/// enabled, the built-in context words).
///
/// Findings are sorted by start, do not overlap, and their byte spans lie on
/// `char` boundaries, so `&text[f.start..f.end]` never panics.
///
/// ```
/// use caredesk::model::PiiKind;
/// let found = caredesk::text::pii::detect("PLEASE HELP, LONDON FLIGHT CANCELLED");
/// assert!(found.is_empty());
/// let found = caredesk::text::pii::detect("Booking reference ABCDEF please");
/// assert_eq!(found[0].kind, PiiKind::BookingCode);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn detect(text: &str) -> Vec<PiiFinding> {
    static DEFAULT: OnceLock<PiiDetector> = OnceLock::new();
    DEFAULT.get_or_init(PiiDetector::default).detect(text)
}

/// The placeholder [`redact`] writes for a kind: `[booking code]`,
/// `[ticket number]`, `[e-mail]`, `[phone]`, `[card number]` or
/// `[passport number]`.
pub fn placeholder(kind: PiiKind) -> &'static str {
    match kind {
        PiiKind::BookingCode => "[booking code]",
        PiiKind::TicketNumber => "[ticket number]",
        PiiKind::Email => "[e-mail]",
        PiiKind::Phone => "[phone]",
        PiiKind::PaymentCard => "[card number]",
        PiiKind::Passport => "[passport number]",
    }
}

/// Returns `text` with each finding's span replaced by its [`placeholder`]
/// (`"[booking code]"`, `"[phone]"`, ...).
///
/// The findings need not come from [`detect`]: they are taken in order of
/// start, and a finding that overlaps an earlier one, runs past the end of the
/// text or does not lie on `char` boundaries is skipped, so this never panics.
///
/// ```
/// use caredesk::model::{PiiFinding, PiiKind};
/// let text = "ticket 0741234567890 ok";
/// let found = [PiiFinding { kind: PiiKind::TicketNumber, start: 7, end: 20 }];
/// assert_eq!(caredesk::text::pii::redact(text, &found), "ticket [ticket number] ok");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn redact(text: &str, findings: &[PiiFinding]) -> String {
    let mut sorted: Vec<&PiiFinding> = findings.iter().collect();
    sorted.sort_by_key(|f| (f.start, f.end));
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for finding in sorted {
        let valid = finding.start >= copied
            && finding.start < finding.end
            && finding.end <= text.len()
            && text.is_char_boundary(finding.start)
            && text.is_char_boundary(finding.end);
        if !valid {
            continue;
        }
        out.push_str(text.get(copied..finding.start).unwrap_or_default());
        out.push_str(placeholder(finding.kind));
        copied = finding.end;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// A configurable personal-data scanner: which kinds it reports and which
/// extra context words it knows.
///
/// Build one at start-up and share it (it is `Send + Sync` and cheap to call);
/// [`detect`] uses `PiiDetector::default()`, which reports every kind.
///
/// ```
/// use caredesk::model::{Language, PiiKind};
/// use caredesk::text::pii::PiiDetector;
///
/// let detector = PiiDetector::default()
///     .without(PiiKind::Email)
///     .with_context_words(PiiKind::BookingCode, Language::DUTCH, ["dossiercode"]);
/// let found = detector.detect("dossiercode QWERTY, mail a@b.nl");
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].kind, PiiKind::BookingCode);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct PiiDetector {
    enabled: [bool; 6],
    extra: BTreeMap<PiiKind, BTreeMap<Language, Vec<String>>>,
    matcher: ContextMatcher,
}

impl Default for PiiDetector {
    fn default() -> Self {
        PiiDetector {
            enabled: [true; 6],
            extra: BTreeMap::new(),
            matcher: ContextMatcher::new(&BTreeMap::new()),
        }
    }
}

impl PiiDetector {
    /// A detector with every kind enabled and the built-in context words.
    pub fn new() -> Self {
        PiiDetector::default()
    }

    /// A detector that reports only the given kinds.
    #[must_use]
    pub fn only(kinds: &[PiiKind]) -> Self {
        let mut detector = PiiDetector {
            enabled: [false; 6],
            ..PiiDetector::default()
        };
        for kind in kinds {
            detector.enabled[kind_index(*kind)] = true;
        }
        detector
    }

    /// Stops reporting `kind`.
    #[must_use]
    pub fn without(mut self, kind: PiiKind) -> Self {
        self.enabled[kind_index(kind)] = false;
        self
    }

    /// Reports `kind` again.
    #[must_use]
    pub fn with(mut self, kind: PiiKind) -> Self {
        self.enabled[kind_index(kind)] = true;
        self
    }

    /// Whether `kind` is reported.
    pub fn is_enabled(&self, kind: PiiKind) -> bool {
        self.enabled[kind_index(kind)]
    }

    /// Adds context words for `kind` in `language` (e.g. a tenant's own name
    /// for its booking reference). Words are matched case-insensitively at the
    /// start of a word (or anywhere for Chinese, Japanese, Korean and Thai);
    /// they apply whatever language a text is in, the language only groups
    /// them for [`PiiDetector::context_words`]. Empty words are ignored.
    ///
    /// Context words matter for booking codes, passports, phones and (to tell
    /// a 13-digit card from a ticket number) payment cards and ticket numbers;
    /// e-mail addresses need none.
    #[must_use]
    pub fn with_context_words<I, S>(mut self, kind: PiiKind, language: Language, words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list = self
            .extra
            .entry(kind)
            .or_default()
            .entry(language)
            .or_default();
        for word in words {
            let word: String = word.into();
            let word = word.trim().to_lowercase();
            if !word.is_empty() && !list.contains(&word) {
                list.push(word);
            }
        }
        self.matcher = ContextMatcher::new(&self.extra);
        self
    }

    /// The extra context words added for `kind` in `language`, lower-cased.
    pub fn context_words(&self, kind: PiiKind, language: Language) -> &[String] {
        self.extra
            .get(&kind)
            .and_then(|by_language| by_language.get(&language))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Finds personal data in `text`: sorted by start, non-overlapping, byte
    /// spans on `char` boundaries. Never panics.
    pub fn detect(&self, text: &str) -> Vec<PiiFinding> {
        let mut scan = Scan {
            detector: self,
            text,
            bytes: text.as_bytes(),
            hits: None,
            out: Vec::new(),
        };
        scan.run();
        scan.out
    }
}

fn kind_index(kind: PiiKind) -> usize {
    match kind {
        PiiKind::BookingCode => 0,
        PiiKind::TicketNumber => 1,
        PiiKind::Email => 2,
        PiiKind::Phone => 3,
        PiiKind::PaymentCard => 4,
        PiiKind::Passport => 5,
    }
}

// ---------------------------------------------------------------------------
// Context words

/// Built-in context words, lower case. A leading `=` means "whole word only";
/// otherwise a word matches at the start of a word (`booking` in `bookings`).
/// Words in scripts written without spaces match anywhere.
const BOOKING_WORDS: &[&str] = &[
    // en
    "booking",
    "=ref",
    "reference",
    "=pnr",
    "confirmation",
    "=conf",
    "reservation",
    "locator",
    "code",
    // nl
    "boeking",
    "reservering",
    "referentie",
    "dossier",
    // fr
    "réservation",
    "référence",
    "=résa",
    // de
    "buchung",
    "reservierung",
    "referenz",
    "vorgangsnummer",
    // it
    "prenotazion",
    "=codice",
    "riferimento",
    // es, pt
    "reserva",
    "localizador",
    "=código",
    "=codigo",
    "referencia",
    "referência",
    // no
    "bestilling",
    "referanse",
    "bookingnummer",
    "=kode",
    // ru
    "брон",
    "=код",
    // tr
    "rezervasyon",
    "=kod",
    "=kodu",
    // zh
    "预订",
    "預訂",
    "订单",
    "訂單",
    "订座",
    "訂位",
    "预定",
    "預定",
    // ja
    "予約",
    "確認番号",
    // ko
    "예약",
    // th
    "จอง",
    "รหัส",
];

const TICKET_WORDS: &[&str] = &[
    "ticket",
    "e-ticket",
    "eticket",
    "billet",
    "biglietto",
    "billete",
    "bilhete",
    "billett",
    "=bilet",
    "bileti",
    "билет",
    "flugschein",
    "机票",
    "機票",
    "票号",
    "航空券",
    "항공권",
    "ตั๋ว",
];

const PHONE_WORDS: &[&str] = &[
    // en
    "phone",
    "=tel",
    "telephone",
    "=call",
    "calling",
    "=ring",
    "mobile",
    "=cell",
    "cellphone",
    "whatsapp",
    "=text me",
    "=sms",
    "=my number",
    "=contact me on",
    "=contact me at",
    "=reach me",
    // nl
    "telefoon",
    "=bel",
    "bellen",
    "=mobiel",
    "=mijn nummer",
    // fr
    "téléphone",
    "=tél",
    "portable",
    "appel",
    "=mon numéro",
    "=rappeler",
    "=appelez",
    "=rappelez",
    // de
    "telefon",
    "=handy",
    "handynummer",
    "erreichbar",
    "anruf",
    "=ruf",
    "rufnummer",
    "=meine nummer",
    // it
    "telefono",
    "cellulare",
    "chiamar",
    "=il mio numero",
    // es
    "teléfono",
    "móvil",
    "=movil",
    "celular",
    "llamar",
    "llám",
    "=mi número",
    "=mi numero",
    // pt
    "telefone",
    "=ligar",
    "=ligue",
    "=meu número",
    "=meu numero",
    // no
    "=mobil",
    "mobilnummer",
    "ringe",
    "=nummeret mitt",
    // ru
    "телефон",
    "=тел",
    "звон",
    "=мой номер",
    // tr
    "=cep",
    "=ara",
    "arayın",
    "=numaram",
    // zh
    "电话",
    "電話",
    "手机",
    "手機",
    "致电",
    "拨打",
    "撥打",
    // ja
    "携帯",
    "ケータイ",
    // ko
    "전화",
    "연락",
    "핸드폰",
    "휴대폰",
    // th
    "โทร",
    "เบอร์",
];

const CARD_WORDS: &[&str] = &[
    "card",
    "creditcard",
    "=visa",
    "mastercard",
    "=amex",
    "=kaart",
    "carte",
    "karte",
    "kreditkarte",
    "carta",
    "tarjeta",
    "cartão",
    "cartao",
    "=kort",
    "kortnummer",
    "карт",
    "=kart",
    "kartı",
    "kredi",
    "信用卡",
    "银行卡",
    "銀行卡",
    "卡号",
    "卡號",
    "カード",
    "카드",
    "บัตร",
];

const PASSPORT_WORDS: &[&str] = &[
    "passport",
    "paspoort",
    "reisepass",
    "passeport",
    "pasaporte",
    "passaporto",
    "passaporte",
    "passnummer",
    "=passet",
    "паспорт",
    "загранпаспорт",
    "pasaport",
    "여권",
    "パスポート",
    "旅券",
    "护照",
    "護照",
    "หนังสือเดินทาง",
];

/// What a context word says about a number or token near it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContextKind {
    /// It is this kind of personal data ("booking", "phone").
    Pii(PiiKind),
    /// It is not personal data (a postal code, a barcode).
    NotPersonal,
}

/// One compiled context word.
#[derive(Debug, Clone)]
struct Needle {
    bytes: Vec<u8>,
    kind: ContextKind,
    whole_word: bool,
    /// Whether the word must start (and, if whole, end) at a word boundary;
    /// false for words in scripts written without spaces.
    bounded: bool,
}

/// Context words indexed by their first byte, for one pass over a text.
#[derive(Debug, Clone)]
struct ContextMatcher {
    needles: Vec<Needle>,
    by_first_byte: Vec<Vec<u16>>,
}

impl ContextMatcher {
    fn new(extra: &BTreeMap<PiiKind, BTreeMap<Language, Vec<String>>>) -> Self {
        let mut needles = Vec::new();
        let builtin: [(PiiKind, &[&str]); 5] = [
            (PiiKind::BookingCode, BOOKING_WORDS),
            (PiiKind::TicketNumber, TICKET_WORDS),
            (PiiKind::Phone, PHONE_WORDS),
            (PiiKind::PaymentCard, CARD_WORDS),
            (PiiKind::Passport, PASSPORT_WORDS),
        ];
        for (kind, words) in builtin {
            for word in words {
                push_needle(&mut needles, ContextKind::Pii(kind), word);
            }
        }
        for word in NOT_PERSONAL_WORDS {
            push_needle(&mut needles, ContextKind::NotPersonal, word);
        }
        for (kind, by_language) in extra {
            for words in by_language.values() {
                for word in words {
                    push_needle(&mut needles, ContextKind::Pii(*kind), word);
                }
            }
        }
        let mut by_first_byte = vec![Vec::new(); 256];
        for (index, needle) in needles.iter().enumerate() {
            if let (Some(first), Ok(index)) = (needle.bytes.first(), u16::try_from(index)) {
                by_first_byte[usize::from(*first)].push(index);
            }
        }
        ContextMatcher {
            needles,
            by_first_byte,
        }
    }
}

fn push_needle(needles: &mut Vec<Needle>, kind: ContextKind, word: &str) {
    let (whole_word, word) = match word.strip_prefix('=') {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    let lower = lower_same_length(word);
    let bounded = !word.chars().next().is_some_and(is_unspaced_script);
    if !lower.is_empty() {
        needles.push(Needle {
            bytes: lower,
            kind,
            whole_word,
            bounded,
        });
    }
}

/// A context word found in a text.
#[derive(Debug, Clone, Copy)]
struct Hit {
    kind: ContextKind,
    start: usize,
    end: usize,
}

/// Lower-cases `text` char by char, keeping each char's byte length (a char
/// whose lower case is longer or several chars stays as it is), so byte
/// offsets in the result match the input.
fn lower_same_length(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let mut lower = c.to_lowercase();
        let one = match (lower.next(), lower.next()) {
            (Some(l), None) if l.len_utf8() == c.len_utf8() => l,
            _ => c,
        };
        out.extend_from_slice(one.encode_utf8(&mut buf).as_bytes());
    }
    out
}

/// Scripts written without spaces between words (and Hangul, whose particles
/// attach to words): no word boundary is required around a match.
fn is_unspaced_script(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0E7F}'      // Thai
        | '\u{1100}'..='\u{11FF}'    // Hangul Jamo
        | '\u{3040}'..='\u{30FF}'    // Hiragana, Katakana
        | '\u{3100}'..='\u{318F}'    // Bopomofo, Hangul compatibility Jamo
        | '\u{3400}'..='\u{4DBF}'    // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'    // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}'    // Hangul syllables
        | '\u{F900}'..='\u{FAFF}'    // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}'    // half-width Katakana
    )
}

/// Whether `c` continues a word written with spaces (so a candidate next to
/// it is part of a longer word).
fn joins_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || (c.is_alphanumeric() && !is_unspaced_script(c))
}

// ---------------------------------------------------------------------------
// The scan

struct Scan<'a> {
    detector: &'a PiiDetector,
    text: &'a str,
    bytes: &'a [u8],
    /// Context words in the text, found on first need.
    hits: Option<Vec<Hit>>,
    out: Vec<PiiFinding>,
}

/// Separator bytes allowed between digit groups of one number.
fn is_number_separator(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.' | b'(' | b')')
}

/// Byte length of the UTF-8 char starting with `b` (1 for a stray byte).
fn char_width(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Which separators a number used.
#[derive(Debug, Clone, Copy, Default)]
struct Separators {
    space: bool,
    dash: bool,
    dot: bool,
    paren: bool,
}

/// Up to this many digit groups are kept per number.
const MAX_GROUPS: usize = 8;

/// A run of digit groups such as `+31 (0)20 123-4567`.
#[derive(Debug, Clone, Copy)]
struct Number {
    start: usize,
    end: usize,
    plus: bool,
    groups: [u8; MAX_GROUPS],
    group_count: usize,
    digits: usize,
    seps: Separators,
}

impl Number {
    fn groups(&self) -> &[u8] {
        self.groups.get(..self.group_count).unwrap_or_default()
    }
}

impl Scan<'_> {
    fn run(&mut self) {
        let emails = if self.detector.is_enabled(PiiKind::Email) {
            find_emails(self.bytes)
        } else {
            Vec::new()
        };
        let mut next_email = 0;
        let len = self.bytes.len();
        let mut i = 0;
        while i < len {
            if let Some(email) = emails.get(next_email) {
                if email.start == i {
                    self.out.push(*email);
                    next_email += 1;
                    i = email.end;
                    continue;
                }
            }
            let b = self.bytes[i];
            let prev = self.prev_char(i);
            let at_word_start = !prev.is_some_and(joins_word);
            if at_word_start && self.url_at(i) {
                i = self.skip_to_space(i);
                continue;
            }
            match b {
                b'@' | b'#' => {
                    // A handle or hashtag: never personal data of this kind.
                    i = self.skip_word_bytes(i + 1);
                }
                b'+' | b'(' if at_word_start && self.digit_at(i + 1) => {
                    i = self.number(i);
                }
                b'0'..=b'9' if at_word_start => {
                    let run_end = self.alnum_run_end(i);
                    if self.bytes[i..run_end].iter().all(u8::is_ascii_digit) {
                        i = self.number(i);
                    } else {
                        self.alnum_token(i, run_end);
                        i = run_end;
                    }
                }
                b'A'..=b'Z' | b'a'..=b'z' if at_word_start => {
                    let run_end = self.alnum_run_end(i);
                    self.alnum_token(i, run_end);
                    i = run_end;
                }
                _ => {
                    // Move to the next char; inside a word, to the word's end.
                    if b.is_ascii_alphanumeric() || b == b'_' {
                        i = self.skip_word_bytes(i);
                    } else {
                        i += char_width(b);
                    }
                }
            }
        }
    }

    fn prev_char(&self, i: usize) -> Option<char> {
        self.text.get(..i).and_then(|head| head.chars().next_back())
    }

    fn next_char(&self, i: usize) -> Option<char> {
        self.text.get(i..).and_then(|tail| tail.chars().next())
    }

    fn digit_at(&self, i: usize) -> bool {
        self.bytes.get(i).is_some_and(u8::is_ascii_digit)
    }

    fn byte_at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    fn alnum_run_end(&self, mut i: usize) -> usize {
        while self.bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            i += 1;
        }
        i
    }

    fn skip_word_bytes(&self, mut i: usize) -> usize {
        while self
            .bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            i += 1;
        }
        i
    }

    fn skip_to_space(&self, mut i: usize) -> usize {
        while let Some(b) = self.bytes.get(i) {
            if b.is_ascii_whitespace() {
                break;
            }
            i += char_width(*b);
        }
        i.min(self.bytes.len())
    }

    fn url_at(&self, i: usize) -> bool {
        let rest = self.bytes.get(i..).unwrap_or_default();
        let starts = |prefix: &[u8]| {
            rest.len() >= prefix.len()
                && rest
                    .iter()
                    .zip(prefix)
                    .all(|(a, b)| a.to_ascii_lowercase() == *b)
        };
        starts(b"http://") || starts(b"https://") || starts(b"www.")
    }

    fn push(&mut self, kind: PiiKind, start: usize, end: usize) {
        if self.detector.is_enabled(kind) {
            self.out.push(PiiFinding { kind, start, end });
        }
    }

    /// Distance in bytes from the span to the nearest context word of
    /// `kind`, if one is near.
    fn context(&mut self, kind: PiiKind, start: usize, end: usize) -> Option<usize> {
        let text = self.text;
        let hits = self.hits();
        let mut best: Option<usize> = None;
        for hit in hits {
            if hit.kind != ContextKind::Pii(kind) {
                continue;
            }
            let distance = if hit.end <= start && start - hit.end <= CONTEXT_BEFORE {
                start - hit.end
            } else if hit.start >= end
                && hit.start - end <= CONTEXT_AFTER
                // A word after the candidate speaks of it only in the same
                // sentence: in "billet n° 057 2345679179. Mon numéro ..."
                // the phone word belongs to what follows.
                && !text
                    .get(end..hit.start)
                    .is_some_and(|gap| gap.contains(['.', '!', '?', '\n', '。', '！', '？']))
            {
                hit.start - end
            } else {
                continue;
            };
            best = Some(best.map_or(distance, |b| b.min(distance)));
        }
        best
    }

    /// Whether a booking word comes right before `start`, with nothing
    /// between but punctuation, digits and linking words ("booking: ABCDEF",
    /// "my booking code is ABCDEF"). A code of letters alone looks like any
    /// shouted word, so it needs its context word this close: in "BOOKING
    /// XZ7KPM, FEE WAS WAIVED" or "a reservation for BERLIN" the words
    /// WAIVED and BERLIN are not codes.
    fn booking_word_right_before(&mut self, start: usize) -> bool {
        let text = self.text;
        self.hits().iter().any(|hit| {
            if hit.kind != ContextKind::Pii(PiiKind::BookingCode) || hit.end > start {
                return false;
            }
            // The rest of the context word's own word ("boekings|code").
            let Some(after) = text.get(hit.end..start) else {
                return false;
            };
            let rest = after
                .find(|c: char| !c.is_alphabetic() || is_unspaced_script(c))
                .unwrap_or(after.len());
            let between = &after[rest..];
            between.len() <= LINK_BEFORE_LETTER_CODE
                && between
                    .split(|c: char| !c.is_alphabetic() || is_unspaced_script(c))
                    .filter(|word| !word.is_empty())
                    .all(|word| LINKING_WORDS.contains(&word.to_lowercase().as_str()))
        })
    }

    /// Whether the span itself starts with a context word (of any kind):
    /// `CODIGO` in "CODIGO DE RESERVA" is not a booking code.
    fn is_context_word(&mut self, start: usize, end: usize) -> bool {
        self.hits().iter().any(|hit| {
            matches!(hit.kind, ContextKind::Pii(_)) && hit.start == start && hit.end <= end
        })
    }

    fn hits(&mut self) -> &[Hit] {
        if self.hits.is_none() {
            self.hits = Some(self.find_hits());
        }
        self.hits.as_deref().unwrap_or_default()
    }

    fn find_hits(&self) -> Vec<Hit> {
        let lower = lower_same_length(self.text);
        let matcher = &self.detector.matcher;
        let mut hits = Vec::new();
        for (pos, first) in lower.iter().enumerate() {
            let candidates = &matcher.by_first_byte[usize::from(*first)];
            if candidates.is_empty() || !self.text.is_char_boundary(pos) {
                continue;
            }
            let tail = lower.get(pos..).unwrap_or_default();
            for index in candidates {
                let Some(needle) = matcher.needles.get(usize::from(*index)) else {
                    continue;
                };
                if !tail.starts_with(&needle.bytes) {
                    continue;
                }
                let end = pos + needle.bytes.len();
                if needle.bounded {
                    if self.prev_char(pos).is_some_and(joins_word) {
                        continue;
                    }
                    if needle.whole_word && self.next_char(end).is_some_and(joins_word) {
                        continue;
                    }
                }
                hits.push(Hit {
                    kind: needle.kind,
                    start: pos,
                    end,
                });
            }
        }
        hits
    }

    /// Classifies an ASCII run of letters and digits with at least one letter.
    fn alnum_token(&mut self, start: usize, end: usize) {
        // Part of a longer word, a path, a domain or an identifier?
        if self.next_char(end).is_some_and(joins_word) {
            return;
        }
        if matches!(self.prev_char(start), Some('/' | '@' | '#' | '.' | '\\')) {
            return;
        }
        match self.byte_at(end) {
            Some(b'/' | b'@' | b'\\') => return,
            Some(b'.')
                if self
                    .bytes
                    .get(end + 1)
                    .is_some_and(u8::is_ascii_alphanumeric) =>
            {
                return
            }
            _ => {}
        }
        let token = &self.bytes[start..end];
        let len = token.len();
        let digits = token.iter().filter(|b| b.is_ascii_digit()).count();
        let letters = len - digits;
        let upper = token.iter().filter(|b| b.is_ascii_uppercase()).count();
        let lower = letters - upper;

        if (7..=10).contains(&len) && digits >= 3 && (upper == 0 || lower == 0) {
            if self.context(PiiKind::Passport, start, end).is_some() {
                self.push(PiiKind::Passport, start, end);
            }
            return;
        }
        if len != 6 || looks_like_flight_number(token) {
            return;
        }
        if digits > 0 {
            let shape_alone = lower == 0 && class_changes(token) >= 2;
            if shape_alone || self.context(PiiKind::BookingCode, start, end).is_some() {
                self.push(PiiKind::BookingCode, start, end);
            }
        } else if lower == 0
            && !is_common_caps_word(token)
            && !self.is_context_word(start, end)
            && self.booking_word_right_before(start)
        {
            self.push(PiiKind::BookingCode, start, end);
        }
    }

    /// Reads a number starting at `start` (a digit, `+` or `(`), classifies it
    /// and returns where scanning continues.
    fn number(&mut self, start: usize) -> usize {
        let number = self.read_number(start);
        let resume = number.end.max(start + 1);
        if self.is_embedded_number(&number)
            || self.is_price(&number)
            || self.named_as_not_personal(number.start)
        {
            return resume;
        }
        if let Some(kind) = self.classify_number(&number) {
            self.push(kind, number.start, number.end);
        }
        resume
    }

    /// Whether the words right before a number name it as something that is
    /// not personal data: a postal code (`CEP 01310-100`, `〒100-0005`) or a
    /// product barcode (`EAN 8712345678906`).
    fn named_as_not_personal(&mut self, start: usize) -> bool {
        let from = start.saturating_sub(NOT_PERSONAL_BEFORE);
        self.hits().iter().any(|hit| {
            hit.kind == ContextKind::NotPersonal && hit.start >= from && hit.end <= start
        })
    }

    fn read_number(&self, start: usize) -> Number {
        let mut number = Number {
            start,
            end: start,
            plus: false,
            groups: [0; MAX_GROUPS],
            group_count: 0,
            digits: 0,
            seps: Separators::default(),
        };
        let mut i = start;
        match self.byte_at(i) {
            Some(b'+') => {
                number.plus = true;
                i += 1;
            }
            Some(b'(') => {
                number.seps.paren = true;
                i += 1;
            }
            _ => {}
        }
        loop {
            let group_start = i;
            while self.digit_at(i) {
                i += 1;
            }
            let group_len = i - group_start;
            if group_len == 0 || number.group_count == MAX_GROUPS {
                break;
            }
            number.groups[number.group_count] = u8::try_from(group_len).unwrap_or(u8::MAX);
            number.group_count += 1;
            number.digits += group_len;
            number.end = i;
            if number.digits > 19 {
                break;
            }
            // Up to three separator bytes (e.g. ") " or " - ") before the next group.
            let mut j = i;
            let mut seps = Separators::default();
            while j - i < 3 && self.byte_at(j).is_some_and(is_number_separator) {
                match self.byte_at(j) {
                    Some(b' ') => seps.space = true,
                    Some(b'-') => seps.dash = true,
                    Some(b'.') => seps.dot = true,
                    _ => seps.paren = true,
                }
                j += 1;
            }
            if j == i || !self.digit_at(j) {
                // A closing parenthesis right after the digits belongs to the number.
                if self.byte_at(i) == Some(b')') && number.seps.paren {
                    number.end = i + 1;
                }
                break;
            }
            number.seps.space |= seps.space;
            number.seps.dash |= seps.dash;
            number.seps.dot |= seps.dot;
            number.seps.paren |= seps.paren;
            i = j;
        }
        number
    }

    /// Whether the number is part of something else: a word (`KL1234`), a
    /// decimal or thousands figure (`1,234.56`), a time (`10:30`), a
    /// percentage, or more digits than any kind allows.
    fn is_embedded_number(&self, number: &Number) -> bool {
        if number.digits > 19 || number.group_count == MAX_GROUPS {
            return true;
        }
        if self.next_char(number.end).is_some_and(joins_word) {
            return true;
        }
        let digit_after = |at: usize, b: &[u8]| {
            self.byte_at(at).is_some_and(|x| b.contains(&x)) && self.digit_at(at + 1)
        };
        if digit_after(number.end, b",.:") {
            return true;
        }
        if matches!(self.byte_at(number.end), Some(b'%' | b'/')) {
            return true;
        }
        if number.start > 0 {
            let before = number.start - 1;
            if matches!(self.byte_at(before), Some(b',' | b'.' | b':' | b'/'))
                && before > 0
                && self.digit_at(before - 1)
            {
                return true;
            }
            if matches!(self.byte_at(before), Some(b'/' | b'-' | b'.'))
                && number.start == before + 1
            {
                // e.g. "/1234567890" inside a path, or "-" of a range.
                return self.byte_at(before) == Some(b'/');
            }
        }
        false
    }

    /// Whether a currency sign or code sits right before or after the number.
    fn is_price(&self, number: &Number) -> bool {
        let head = self.text.get(..number.start).unwrap_or_default().trim_end();
        let tail = self.text.get(number.end..).unwrap_or_default().trim_start();
        let currency_sign = |c: char| {
            matches!(
                c,
                '$' | '€' | '£' | '¥' | '₩' | '₽' | '₺' | '฿' | '元' | '円'
            )
        };
        if head.chars().next_back().is_some_and(currency_sign)
            || tail.chars().next().is_some_and(currency_sign)
        {
            return true;
        }
        const CODES: [&str; 12] = [
            "eur", "usd", "gbp", "jpy", "cny", "krw", "nok", "rub", "try", "thb", "chf", "euro",
        ];
        let last_word: String = head
            .rsplit(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let first_word: String = tail
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        CODES.contains(&last_word.as_str())
            || CODES.iter().any(|code| first_word.starts_with(code))
            || first_word == "dollars"
    }

    fn classify_number(&mut self, number: &Number) -> Option<PiiKind> {
        let digits = number.digits;
        let (start, end) = (number.start, number.end);
        if number.plus {
            return (8..=15).contains(&digits).then_some(PiiKind::Phone);
        }
        let groups = number.groups();
        // Card numbers start with 1 (UATP) to 6 (Discover, UnionPay); never 0.
        let card_prefix = matches!(self.byte_at(start), Some(b'1'..=b'6'));
        let card_separators = !number.seps.dot && !number.seps.paren && card_prefix;
        if digits == 13 {
            let card_context = self.context(PiiKind::PaymentCard, start, end);
            let ticket_context = self.context(PiiKind::TicketNumber, start, end);
            let card_nearer = match (card_context, ticket_context) {
                (Some(card), Some(ticket)) => card < ticket,
                (Some(_), None) => true,
                _ => false,
            };
            if card_nearer && card_separators && self.luhn(number) {
                return Some(PiiKind::PaymentCard);
            }
            // "0031 20 123 4567" is 13 digits too: a phone word nearer than
            // any ticket word makes it a phone, and so does the shape of an
            // international call (00 and a country code, then groups) when
            // no ticket word is near. A ticket groups as 3 + 10 ("001
            // 2345678901", American Airlines' code is 001).
            let phone_context = self.context(PiiKind::Phone, start, end);
            let phone_nearer = match (phone_context, ticket_context) {
                (Some(phone), Some(ticket)) => phone < ticket,
                (Some(_), None) => true,
                _ => false,
            };
            let dialled_abroad = self.bytes.get(start..start + 2) == Some(b"00")
                && number.group_count >= 2
                && groups.first() != Some(&3);
            if phone_nearer || (dialled_abroad && ticket_context.is_none()) {
                return Some(PiiKind::Phone);
            }
            return Some(PiiKind::TicketNumber);
        }
        if (14..=19).contains(&digits)
            && card_separators
            && card_grouping(groups)
            && self.luhn(number)
        {
            return Some(PiiKind::PaymentCard);
        }
        if is_date_shape(groups) {
            return None;
        }
        if groups.first().is_some_and(|g| *g >= 2)
            && self.bytes.get(start..start + 2) == Some(b"00")
            && (11..=15).contains(&digits)
        {
            return Some(PiiKind::Phone);
        }
        if is_north_american(groups, number, self.bytes) {
            return Some(PiiKind::Phone);
        }
        let passport = if (6..=10).contains(&digits) && number.group_count <= 3 {
            self.context(PiiKind::Passport, start, end)
        } else {
            None
        };
        let phone = if (7..=15).contains(&digits) {
            self.context(PiiKind::Phone, start, end)
        } else {
            None
        };
        match (passport, phone) {
            (Some(p), Some(t)) if p < t => Some(PiiKind::Passport),
            (Some(_), None) => Some(PiiKind::Passport),
            (_, Some(_)) => Some(PiiKind::Phone),
            (None, None) => None,
        }
    }

    fn luhn(&self, number: &Number) -> bool {
        let span = self.bytes.get(number.start..number.end).unwrap_or_default();
        luhn_valid(
            span.iter()
                .rev()
                .filter(|b| b.is_ascii_digit())
                .map(|b| b - b'0'),
        )
    }
}

/// The Luhn checksum over digits given from the last to the first.
fn luhn_valid(reversed_digits: impl Iterator<Item = u8>) -> bool {
    let mut sum = 0u32;
    let mut count = 0;
    for (position, digit) in reversed_digits.enumerate() {
        let mut value = u32::from(digit);
        if position % 2 == 1 {
            value *= 2;
            if value > 9 {
                value -= 9;
            }
        }
        sum += value;
        count += 1;
    }
    count > 0 && sum % 10 == 0
}

/// Card numbers are written in one block, in fours (the last group may be
/// shorter), or as 4-6-5 / 4-6-4 (American Express, Diners).
fn card_grouping(groups: &[u8]) -> bool {
    match groups {
        [_] => true,
        [4, 6, 5] | [4, 6, 4] => true,
        [init @ .., last] => init.iter().all(|g| *g == 4) && (1..=4).contains(last),
        [] => false,
    }
}

/// Year-month-day and day-month-year shapes.
fn is_date_shape(groups: &[u8]) -> bool {
    matches!(
        groups,
        [4, 1 | 2, 1 | 2] | [1 | 2, 1 | 2, 4] | [2, 2, 2] | [4, 1 | 2] | [1 | 2, 4]
    )
}

/// `800-555-0199`, `1-800-555-0199`, `(800) 555-0199`, `800.555.0199`.
fn is_north_american(groups: &[u8], number: &Number, bytes: &[u8]) -> bool {
    let punctuated = number.seps.dash || number.seps.dot || number.seps.paren;
    let shape = match groups {
        [3, 3, 4] => true,
        [1, 3, 3, 4] => bytes.get(number.start) == Some(&b'1'),
        _ => false,
    };
    shape && punctuated
}

/// `KL1234`, `U21234`, `4U1234`: a two-character airline code and four digits.
fn looks_like_flight_number(token: &[u8]) -> bool {
    match token {
        [a, b, rest @ ..] => {
            rest.len() == 4
                && rest.iter().all(u8::is_ascii_digit)
                && (a.is_ascii_alphabetic() || b.is_ascii_alphabetic())
        }
        _ => false,
    }
}

/// How often a token switches between letters and digits (`X7KQ2P`: 4).
fn class_changes(token: &[u8]) -> usize {
    token
        .windows(2)
        .filter(|pair| pair[0].is_ascii_digit() != pair[1].is_ascii_digit())
        .count()
}

/// Six-letter words often shouted in capitals near a booking word, which are
/// never taken for a booking code (sorted, upper case).
const COMMON_CAPS_WORDS: &[&str] = &[
    "ACCESS", "ACTUAL", "ADVICE", "AGENCY", "AGENTS", "AIRBUS", "ALWAYS", "AMOUNT", "ANSWER",
    "ANYONE", "AROUND", "ARRIVE", "ASKING", "ATTEND", "BAGAGE", "BEFORE", "BEHIND", "BETTER",
    "BEYOND", "BILLET", "BOARDS", "BOEING", "BOOKED", "BROKEN", "BRUTAL", "BUDGET", "CABINS",
    "CALLED", "CANCEL", "CANNOT", "CHANGE", "CHARGE", "CHECKS", "CHOICE", "CLAIMS", "CLIENT",
    "CLOSED", "CODIGO", "COMING", "COMPLY", "COUPLE", "CREDIT", "DAMAGE", "DECENT", "DELAYS",
    "DEPART", "DIRECT", "DOLLAR", "DOUBLE", "DOUBTS", "DUBLIN", "DURING", "EASILY", "EITHER",
    "ELDERS", "ENOUGH", "ENTIRE", "ESPERE", "EUROPE", "EVENTS", "EXPECT", "FAMILY", "FILLED",
    "FLIGHT", "FLYING", "FOLLOW", "FORGET", "FOUGHT", "FRANCE", "FRIDAY", "FRIEND", "GERMAN",
    "GLOBAL", "GOTTEN", "GROUND", "HAPPEN", "HAVING", "HELPED", "HONEST", "HOPING", "HOTELS",
    "HOURLY", "INSIDE", "ISSUES", "ITSELF", "JOKING", "LAWYER", "LEAVES", "LETTER", "LIVING",
    "LONDON", "LOSERS", "LOSING", "LOUNGE", "MADRID", "MANAGE", "MATTER", "MEDIUM", "MEMBER",
    "MIDDLE", "MILANO", "MINUTE", "MOBILE", "MOMENT", "MONDAY", "MOSCOW", "MOTHER", "MOVING",
    "MUNICH", "MYSELF", "NEARLY", "NEEDED", "NOBODY", "NORMAL", "NOTICE", "NUMBER", "OFFICE",
    "ONLINE", "OPTION", "ORDERS", "OTHERS", "PARENT", "PEOPLE", "PERSON", "PHONES", "PILOTS",
    "PLACES", "PLANES", "PLEASE", "POLICY", "PRETTY", "PRICES", "PROMPT", "PUBLIC", "QUEUED",
    "RAISED", "RATHER", "REALLY", "REASON", "RECORD", "REFUND", "REMAIN", "REPAIR", "REPEAT",
    "REPORT", "RESCUE", "RETURN", "REVIEW", "RUINED", "RULING", "SAFETY", "SAYING", "SEATED",
    "SECOND", "SECURE", "SEEMED", "SERVED", "SHOULD", "SILENT", "SIMPLE", "SINGLE", "SISTER",
    "SOLVED", "SORTED", "SPEAKS", "SPIRIT", "SPRING", "STAFFS", "STATUS", "STAYED", "STOLEN",
    "STRAND", "STRESS", "STUPID", "SUMMER", "SUNDAY", "SUPERB", "SYDNEY", "SYSTEM", "THANKS",
    "THANKU", "THINGS", "THINKS", "TICKET", "TRAVEL", "TRYING", "TWEETS", "UNABLE", "UNITED",
    "UNLESS", "UPDATE", "URGENT", "USEFUL", "VIENNA", "WAITED", "WANTED", "WEEKLY", "WHERES",
    "WHILST", "WINDOW", "WINTER", "WITHIN", "WONDER", "WORKED", "WORTHY", "YELLOW", "ZURICH",
];

fn is_common_caps_word(token: &[u8]) -> bool {
    COMMON_CAPS_WORDS
        .binary_search_by(|word| word.as_bytes().cmp(token))
        .is_ok()
}

/// Finds e-mail addresses: a local part of letters, digits and `._%+-`, an
/// `@`, and a dotted domain whose last label is at least two letters.
fn find_emails(bytes: &[u8]) -> Vec<PiiFinding> {
    let is_local =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    let is_domain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
    let mut out: Vec<PiiFinding> = Vec::new();
    for (at, b) in bytes.iter().enumerate() {
        if *b != b'@' || out.last().is_some_and(|last| last.end > at) {
            continue;
        }
        let mut start = at;
        while start > 0 && bytes.get(start - 1).is_some_and(|b| is_local(*b)) {
            start -= 1;
        }
        while start < at && bytes.get(start).is_some_and(|b| !b.is_ascii_alphanumeric()) {
            start += 1;
        }
        if start == at {
            continue;
        }
        let mut end = at + 1;
        while bytes.get(end).is_some_and(|b| is_domain(*b)) {
            end += 1;
        }
        while end > at + 1
            && bytes
                .get(end - 1)
                .is_some_and(|b| !b.is_ascii_alphanumeric())
        {
            end -= 1;
        }
        let domain = bytes.get(at + 1..end).unwrap_or_default();
        let mut labels = domain.split(|b| *b == b'.');
        let labels_ok = domain.split(|b| *b == b'.').all(|label| !label.is_empty());
        let tld = labels.next_back().unwrap_or_default();
        let dotted = domain.contains(&b'.');
        if dotted && labels_ok && tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic) {
            out.push(PiiFinding {
                kind: PiiKind::Email,
                start,
                end,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(PiiKind, &str)> {
        detect(text)
            .into_iter()
            .map(|f| (f.kind, &text[f.start..f.end]))
            .collect()
    }

    #[test]
    fn common_caps_words_are_sorted_upper_case() {
        let mut sorted = COMMON_CAPS_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, COMMON_CAPS_WORDS);
        assert!(COMMON_CAPS_WORDS
            .iter()
            .all(|w| w.bytes().all(|b| b.is_ascii_uppercase())));
    }

    #[test]
    fn luhn_accepts_test_card_and_rejects_changed_digit() {
        let digits = |s: &str| s.bytes().rev().map(|b| b - b'0').collect::<Vec<_>>();
        assert!(luhn_valid(digits("4111111111111111").into_iter()));
        assert!(!luhn_valid(digits("4111111111111112").into_iter()));
    }

    #[test]
    fn mixed_locator_is_found_without_context() {
        assert_eq!(found("hi X7KQ2P thx"), [(PiiKind::BookingCode, "X7KQ2P")]);
    }

    #[test]
    fn shouted_six_letter_words_are_not_booking_codes() {
        assert_eq!(found("PLEASE HELP THANKS LONDON ABCDEF"), []);
        assert_eq!(found("I WANT TO CANCEL MY BOOKING PLEASE"), []);
    }

    #[test]
    fn capital_locator_with_context_is_found() {
        assert_eq!(
            found("booking ref: ABCDEF"),
            [(PiiKind::BookingCode, "ABCDEF")]
        );
    }

    #[test]
    fn flight_numbers_are_not_booking_codes() {
        assert_eq!(found("my booking on KL1234 and U21234 was moved"), []);
    }

    #[test]
    fn thirteen_digits_are_a_ticket_number() {
        assert_eq!(
            found("e-ticket 074-1234567890."),
            [(PiiKind::TicketNumber, "074-1234567890")]
        );
    }

    #[test]
    fn dates_are_not_phone_numbers_even_with_context() {
        assert_eq!(found("call me on 2026-11-23 please"), []);
    }
}
