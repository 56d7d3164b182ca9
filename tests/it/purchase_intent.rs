//! Purchase intent in triage: recognised in the fourteen languages, with
//! places, dates and travellers extracted with their spans, and not fooled
//! by complaints that mention money.

use caredesk::model::{
    ChannelKind, ChannelRef, Identity, InboundMessage, Intent, PlaceRole, PurchaseDetails,
    Visibility,
};
use caredesk::triage::{Triage, TriageContext, TriageSettings};
use chrono::{DateTime, NaiveDate, Utc};

fn start() -> DateTime<Utc> {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn classify(text: &str) -> caredesk::model::Classification {
    let mut triage = Triage::new(TriageSettings::default().with_brand_handle("@KLM")).unwrap();
    let message = InboundMessage::new(
        ChannelRef::new(ChannelKind::X, "@KLM"),
        "1",
        Identity::new(ChannelKind::X, "@someone"),
        Visibility::Public,
        text,
        start(),
    );
    triage.classify(&message, &TriageContext::default())
}

fn purchase(text: &str) -> Option<PurchaseDetails> {
    let verdict = classify(text);
    let has = verdict.intents.contains(&Intent::purchase());
    assert_eq!(has, verdict.purchase.is_some(), "{text}");
    verdict.purchase.map(|details| *details)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Every span is on char boundaries and cuts out the expected text.
fn span_of(text: &str, start: usize, end: usize) -> &str {
    assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    &text[start..end]
}

#[test]
fn english_price_question_gives_route_date_and_travellers_with_spans() {
    let text = "@KLM how much is a ticket from Amsterdam to Tokyo on 24 December for 2 adults?";
    let d = purchase(text).expect("purchase intent");
    assert_eq!(d.origin(), Some("AMS"));
    assert_eq!(d.destination(), Some("TYO"));
    assert_eq!(
        span_of(text, d.places[0].start, d.places[0].end),
        "Amsterdam"
    );
    assert_eq!(span_of(text, d.places[1].start, d.places[1].end), "Tokyo");
    assert_eq!(d.dates.len(), 1);
    assert_eq!(d.dates[0].date, date(2026, 12, 24));
    assert_eq!(
        span_of(text, d.dates[0].start, d.dates[0].end),
        "24 December"
    );
    let t = d.travellers.unwrap();
    assert_eq!((t.count, span_of(text, t.start, t.end)), (2, "2 adults"));
}

#[test]
fn english_upgrade_and_extra_bag_requests_are_purchase_intent() {
    assert!(purchase("Can I upgrade to business on KL861 tomorrow?").is_some());
    let d = purchase("I'd like to add a bag to my flight AMS-JFK on 2026-12-03").unwrap();
    assert_eq!((d.origin(), d.destination()), (Some("AMS"), Some("JFK")));
    assert_eq!(d.dates[0].date, date(2026, 12, 3));
    let tomorrow = purchase("Can I upgrade to business tomorrow?").unwrap();
    assert_eq!(tomorrow.dates[0].date, date(2026, 11, 24));
}

#[test]
fn english_complaints_that_mention_prices_are_not_purchase_intent() {
    for text in [
        "I paid 300 euros and my bag is lost",
        "I paid for an upgrade and never got it, unacceptable",
        "We were charged twice for tickets to London, I want a refund",
        "My flight to Paris was cancelled, how much compensation do I get?",
        "The price of this airline is a joke, worst service ever",
    ] {
        assert!(purchase(text).is_none(), "{text}");
    }
}

#[test]
fn dutch_booking_question_gives_route_date_and_travellers() {
    let text = "Hoeveel kost een ticket van Amsterdam naar Oslo op 14 februari met 3 personen?";
    let d = purchase(text).expect("purchase intent");
    assert_eq!(d.origin(), Some("AMS"));
    assert_eq!(d.destination(), Some("OSL"));
    assert_eq!(d.dates[0].date, date(2027, 2, 14));
    assert_eq!(
        span_of(text, d.dates[0].start, d.dates[0].end),
        "14 februari"
    );
    let t = d.travellers.unwrap();
    assert_eq!((t.count, span_of(text, t.start, t.end)), (3, "3 personen"));
    let d = purchase("Ik wil graag extra bagage bijkopen voor mijn vlucht naar Londen").unwrap();
    assert_eq!(d.destination(), Some("LON"));
}

#[test]
fn dutch_complaints_that_mention_prices_are_not_purchase_intent() {
    for text in [
        "Ik heb 300 euro betaald en mijn koffer is kwijt",
        "Schandalig, twee keer afgeschreven voor mijn ticket naar Parijs",
        "Mijn vlucht naar Oslo is geannuleerd, wat kost dat mij wel niet",
    ] {
        assert!(purchase(text).is_none(), "{text}");
    }
}

#[test]
fn japanese_booking_question_gives_route_date_and_travellers() {
    let text = "東京からアムステルダムまで12月20日に大人2名で予約したいです。料金はいくらですか？";
    let d = purchase(text).expect("purchase intent");
    assert_eq!(d.origin(), Some("TYO"));
    assert_eq!(d.destination(), Some("AMS"));
    assert_eq!(span_of(text, d.places[0].start, d.places[0].end), "東京");
    assert_eq!(d.dates[0].date, date(2026, 12, 20));
    assert_eq!(span_of(text, d.dates[0].start, d.dates[0].end), "12月20日");
    let t = d.travellers.unwrap();
    assert_eq!((t.count, span_of(text, t.start, t.end)), (2, "大人2"));
}

#[test]
fn japanese_complaints_that_mention_payment_are_not_purchase_intent() {
    for text in [
        "3万円も払ったのに荷物が届きません。最悪です",
        "アップグレード料金を支払ったのに席がエコノミーでした",
    ] {
        assert!(purchase(text).is_none(), "{text}");
    }
}

#[test]
fn purchase_intent_is_recognised_in_all_fourteen_languages() {
    let cases = [
        ("en", "How much is a flight to Bangkok in March?", "BKK"),
        ("nl", "Wat kost een ticket naar Barcelona?", "BCN"),
        ("de", "Was kostet ein Flug nach Berlin am 3. März?", "BER"),
        (
            "fr",
            "Combien coûte un billet pour Paris le 12 janvier ?",
            "PAR",
        ),
        (
            "es",
            "¿Cuánto cuesta un billete a Madrid para 2 personas?",
            "MAD",
        ),
        (
            "it",
            "Quanto costa un biglietto per Roma il 5 aprile?",
            "ROM",
        ),
        ("pt", "Quanto custa uma passagem para Lisboa?", "LIS"),
        ("tr", "İstanbul'dan Amsterdam'a bilet fiyatı nedir?", "AMS"),
        ("no", "Hva koster en billett til Bergen i morgen?", "BGO"),
        (
            "ru",
            "Сколько стоит билет в Амстердам на 2 человека?",
            "AMS",
        ),
        ("zh", "从上海到阿姆斯特丹的机票多少钱？", "AMS"),
        ("ja", "大阪からパリまでの運賃を教えてください", "PAR"),
        (
            "ko",
            "서울에서 암스테르담 가는 항공편 있나요? 가격이 궁금해요",
            "AMS",
        ),
        ("th", "อยากจองตั๋วจากกรุงเทพไปอัมสเตอร์ดัม ราคาเท่าไหร่", "AMS"),
    ];
    for (language, text, destination) in cases {
        let d = purchase(text).unwrap_or_else(|| panic!("{language}: {text}"));
        assert_eq!(d.destination(), Some(destination), "{language}: {text}");
        for place in &d.places {
            span_of(text, place.start, place.end);
        }
    }
}

#[test]
fn origins_come_from_particles_and_prepositions() {
    let d = purchase("从上海到阿姆斯特丹的机票多少钱？").unwrap();
    assert_eq!(d.origin(), Some("SHA"));
    let d = purchase("서울에서 암스테르담 가는 항공편 있나요?").unwrap();
    assert_eq!(d.origin(), Some("SEL"));
    assert!(d
        .places
        .iter()
        .any(|p| p.code == "AMS" && p.role == PlaceRole::Destination));
}

#[test]
fn care_questions_without_buying_are_not_purchase_intent() {
    for text in [
        "Where is my suitcase? It did not arrive in Oslo",
        "Mijn koffer is niet aangekomen in Oslo, wat nu?",
        "荷物が届きません",
        "How long do I have to wait for my refund?",
    ] {
        assert!(purchase(text).is_none(), "{text}");
    }
}
