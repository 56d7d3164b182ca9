//! PII detection: each kind, the look-alikes that must be left alone, and
//! span validity on arbitrary UTF-8.

use caredesk::model::{Language, PiiFinding, PiiKind};
use caredesk::text::pii::{self, PiiDetector};
use proptest::prelude::*;

fn found(text: &str) -> Vec<(PiiKind, &str)> {
    pii::detect(text)
        .into_iter()
        .map(|f| (f.kind, &text[f.start..f.end]))
        .collect()
}

use PiiKind::{BookingCode, Email, Passport, PaymentCard, Phone, TicketNumber};

#[test]
fn booking_code_mixing_letters_and_digits_needs_no_context() {
    assert_eq!(found("X7KQ2P"), [(BookingCode, "X7KQ2P")]);
    assert_eq!(found("can you check 4ZT9KB?"), [(BookingCode, "4ZT9KB")]);
}

#[test]
fn booking_code_of_six_capitals_needs_a_context_word_in_any_language() {
    assert_eq!(found("ABCDEF"), []);
    assert_eq!(found("PNR ABCDEF"), [(BookingCode, "ABCDEF")]);
    assert_eq!(
        found("mijn boekingscode is QWERTY"),
        [(BookingCode, "QWERTY")]
    );
    assert_eq!(found("ma réservation : QWERTY"), [(BookingCode, "QWERTY")]);
    assert_eq!(
        found("Buchungscode QWERTY bitte prüfen"),
        [(BookingCode, "QWERTY")]
    );
    assert_eq!(found("予約番号はQWERTYです"), [(BookingCode, "QWERTY")]);
    assert_eq!(found("예약번호 QWERTY 입니다"), [(BookingCode, "QWERTY")]);
    assert_eq!(found("номер брони QWERTY"), [(BookingCode, "QWERTY")]);
}

#[test]
fn lower_case_locator_counts_only_with_context_and_digits() {
    assert_eq!(found("my booking ref is x7kq2p"), [(BookingCode, "x7kq2p")]);
    assert_eq!(found("x7kq2p"), []);
    assert_eq!(found("booking reference please"), []);
}

#[test]
fn shouted_words_cities_and_context_words_are_not_booking_codes() {
    assert_eq!(found("PLEASE HELP ME THANKS"), []);
    assert_eq!(found("FLIGHT TO LONDON CANCELLED, BOOKING CODE PLEASE"), []);
    assert_eq!(found("CODIGO DE RESERVA"), []);
    assert_eq!(found("@ABC123 #X7KQ2P"), []);
}

#[test]
fn flight_numbers_and_counts_with_units_are_not_booking_codes() {
    assert_eq!(found("KL1234 U21234 4U1234 2HOURS 100EUR ABC123"), []);
}

#[test]
fn ticket_number_with_or_without_separators() {
    assert_eq!(found("0741234567890"), [(TicketNumber, "0741234567890")]);
    assert_eq!(
        found("ticket 074-1234567890"),
        [(TicketNumber, "074-1234567890")]
    );
    assert_eq!(found("074 1234567890."), [(TicketNumber, "074 1234567890")]);
}

#[test]
fn email_addresses_with_plus_and_subdomains() {
    assert_eq!(
        found("mail jan.de-vries+kl@mail.example.co.uk."),
        [(Email, "jan.de-vries+kl@mail.example.co.uk")]
    );
    assert_eq!(found("ping @airline or a@b"), []);
}

#[test]
fn international_phone_numbers_need_no_context() {
    assert_eq!(found("+31 20 123 4567"), [(Phone, "+31 20 123 4567")]);
    assert_eq!(found("+31 (0)20-1234567!"), [(Phone, "+31 (0)20-1234567")]);
    assert_eq!(found("0032123456789"), [(TicketNumber, "0032123456789")]);
    assert_eq!(found("call 0031201234567"), [(Phone, "0031201234567")]);
    assert_eq!(found("00447911123456"), [(Phone, "00447911123456")]);
    assert_eq!(found("1-800-555-0199"), [(Phone, "1-800-555-0199")]);
}

#[test]
fn national_phone_numbers_need_a_context_word() {
    assert_eq!(found("0612345678"), []);
    assert_eq!(found("bel me op 06 12345678"), [(Phone, "06 12345678")]);
    assert_eq!(found("我的电话13812345678"), [(Phone, "13812345678")]);
    assert_eq!(found("Telefon: 030 1234567"), [(Phone, "030 1234567")]);
}

#[test]
fn dates_times_prices_years_and_big_numbers_are_not_phones() {
    let texts = [
        "call me on 2026-11-23 at 10:30",
        "call me about the €1,234.56 charge",
        "phone bill 1234567 EUR",
        "phone: $1234567",
        "call 23.11.2026",
        "since 2019 I have 1000000 miles",
        "phone 12:30:45",
    ];
    for text in texts {
        assert_eq!(found(text), [], "{text}");
    }
}

#[test]
fn payment_cards_are_luhn_checked() {
    assert_eq!(
        found("4111 1111 1111 1111"),
        [(PaymentCard, "4111 1111 1111 1111")]
    );
    assert_eq!(
        found("5500-0000-0000-0004"),
        [(PaymentCard, "5500-0000-0000-0004")]
    );
    assert_eq!(
        found("3782 822463 10005"),
        [(PaymentCard, "3782 822463 10005")]
    );
    assert_eq!(found("4111 1111 1111 1112"), []);
}

#[test]
fn thirteen_luhn_digits_are_a_card_only_next_to_a_card_word() {
    assert_eq!(
        found("visa 4222222222222"),
        [(PaymentCard, "4222222222222")]
    );
    assert_eq!(found("4222222222222"), [(TicketNumber, "4222222222222")]);
}

#[test]
fn passport_numbers_need_a_passport_word_in_any_language() {
    assert_eq!(found("passport NW92BD3L1"), [(Passport, "NW92BD3L1")]);
    assert_eq!(
        found("mijn paspoort is NW92BD3L1"),
        [(Passport, "NW92BD3L1")]
    );
    assert_eq!(found("паспорт 4512345678"), [(Passport, "4512345678")]);
    assert_eq!(found("护照号码E12345678"), [(Passport, "E12345678")]);
    assert_eq!(found("NW92BD3L1"), []);
}

#[test]
fn nearer_context_decides_between_passport_and_phone() {
    assert_eq!(
        found("passport 123456789, phone 0612345678"),
        [(Passport, "123456789"), (Phone, "0612345678")]
    );
}

#[test]
fn urls_are_never_scanned() {
    assert_eq!(
        found("https://x.com/a/status/4111111111111111 and www.X7KQ2P.com/x"),
        []
    );
}

#[test]
fn findings_around_emoji_and_cjk_have_char_boundary_spans() {
    let text = "😡予約X7KQ2P😡 ✈️+31 20 123 4567🙏 メール: a@b.jp";
    assert_eq!(
        found(text),
        [
            (BookingCode, "X7KQ2P"),
            (Phone, "+31 20 123 4567"),
            (Email, "a@b.jp")
        ]
    );
}

#[test]
fn redact_replaces_each_span_with_its_placeholder() {
    let text = "PNR X7KQ2P, mail a@b.nl, card 4111111111111111";
    let findings = pii::detect(text);
    assert_eq!(
        pii::redact(text, &findings),
        "PNR [booking code], mail [e-mail], card [card number]"
    );
}

#[test]
fn redact_skips_overlapping_and_invalid_findings() {
    let text = "ab😀cd";
    let findings = [
        PiiFinding {
            kind: Email,
            start: 0,
            end: 2,
        },
        PiiFinding {
            kind: Phone,
            start: 1,
            end: 3,
        },
        PiiFinding {
            kind: Phone,
            start: 3,
            end: 4,
        },
        PiiFinding {
            kind: Phone,
            start: 7,
            end: 99,
        },
    ];
    assert_eq!(pii::redact(text, &findings), "[e-mail]😀cd");
}

#[test]
fn detector_reports_only_enabled_kinds() {
    let detector = PiiDetector::only(&[Email]);
    let text = "X7KQ2P a@b.nl +31 20 123 4567";
    let kinds: Vec<PiiKind> = detector.detect(text).iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [Email]);
    assert!(!detector.is_enabled(Phone));
}

#[test]
fn detector_accepts_extra_context_words() {
    let detector =
        PiiDetector::new().with_context_words(BookingCode, Language::ENGLISH, ["Trip ID"]);
    assert_eq!(
        detector.context_words(BookingCode, Language::ENGLISH),
        ["trip id"]
    );
    let text = "trip id QWERTY";
    assert_eq!(
        detector.detect(text),
        [PiiFinding {
            kind: BookingCode,
            start: 8,
            end: 14
        }]
    );
    assert_eq!(pii::detect(text), []);
}

proptest! {
    #[test]
    fn detect_never_panics_and_spans_are_sorted_disjoint_char_boundaries(text in "\\PC{0,120}") {
        check_spans(&text)?;
    }

    #[test]
    fn detect_on_pii_like_text_keeps_span_invariants(
        text in "([A-Z0-9]{6}|[0-9 +()-]{3,20}|[a-z.]{1,5}@[a-z.]{1,6}|😀|予約|passport|phone|card| |,)*"
    ) {
        check_spans(&text)?;
    }
}

fn check_spans(text: &str) -> Result<(), TestCaseError> {
    let findings = pii::detect(text);
    let mut last_end = 0;
    for f in &findings {
        prop_assert!(f.start < f.end && f.end <= text.len());
        prop_assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        prop_assert!(f.start >= last_end, "overlap or unsorted: {findings:?}");
        last_end = f.end;
    }
    let redacted = pii::redact(text, &findings);
    prop_assert!(findings.is_empty() || redacted != text);
    Ok(())
}

#[test]
fn a_code_of_letters_alone_needs_its_booking_word_right_before_it() {
    assert_eq!(
        found("BOOKING XZ7KPM - CHANGE FEE WAS WAIVED BUT CHARGED ANYWAY"),
        [(BookingCode, "XZ7KPM")]
    );
    assert_eq!(found("I have a reservation for BERLIN next week"), []);
    assert_eq!(found("booking confirmed, see you in LISBON"), []);
    assert_eq!(
        found("my booking code is QWERTY"),
        [(BookingCode, "QWERTY")]
    );
    assert_eq!(found("Buchungscode: QWERTY"), [(BookingCode, "QWERTY")]);
    // Letters and digits together are distinctive enough further away.
    assert_eq!(
        found("booking for my mother and me, it is X7KQ2P"),
        [(BookingCode, "X7KQ2P")]
    );
}

#[test]
fn an_international_call_prefix_makes_thirteen_digits_a_phone() {
    assert_eq!(
        found("Contact: 0031 6 12345678"),
        [(Phone, "0031 6 12345678")]
    );
    // American Airlines' tickets start 001 and group as 3 + 10.
    assert_eq!(found("001 2345678901"), [(TicketNumber, "001 2345678901")]);
    assert_eq!(
        found("ticket 0031 6 12345678"),
        [(TicketNumber, "0031 6 12345678")]
    );
}

#[test]
fn more_phone_and_passport_words() {
    assert_eq!(
        found("Handynummer: 0171 2345678"),
        [(Phone, "0171 2345678")]
    );
    assert_eq!(
        found("Mobilnummeret mitt er 412 34 567"),
        [(Phone, "412 34 567")]
    );
    assert_eq!(
        found("Загранпаспорт 75 1234567"),
        [(Passport, "75 1234567")]
    );
}

#[test]
fn a_context_word_in_the_next_sentence_does_not_name_a_number() {
    assert_eq!(
        found("billet n° 057 2345679179. Mon numéro de passeport est 12AB34567."),
        [(TicketNumber, "057 2345679179"), (Passport, "12AB34567")]
    );
    // In the same sentence a word after the number still counts.
    assert_eq!(found("06 12345678 (mobile)"), [(Phone, "06 12345678")]);
}

#[test]
fn korean_contact_word_names_a_phone() {
    assert_eq!(
        found("02-1234-5678로 연락 주세요"),
        [(Phone, "02-1234-5678")]
    );
}

#[test]
fn postal_codes_and_barcodes_are_not_personal_numbers() {
    assert_eq!(
        found("O meu telefone é 912 345 678. Código postal 1100-148 Lisboa."),
        [(Phone, "912 345 678")]
    );
    assert_eq!(
        found("お電話は03-1234-5678までお願いします。〒100-0005 東京都"),
        [(Phone, "03-1234-5678")]
    );
    assert_eq!(found("The barcode on the receipt reads 8712345678906"), []);
    assert_eq!(
        found("ticket 0742345678901"),
        [(TicketNumber, "0742345678901")]
    );
}

#[test]
fn a_word_that_only_contains_a_postal_word_does_not_hide_a_phone() {
    // "clean" holds "ean", "zipper" holds "zip".
    assert_eq!(
        found("the cabin was clean, phone 06 12345678"),
        [(Phone, "06 12345678")]
    );
    assert_eq!(
        found("my zipper broke, call 06 12345678"),
        [(Phone, "06 12345678")]
    );
}
