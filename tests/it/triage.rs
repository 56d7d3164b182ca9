//! Triage scenarios: query or mention in the fourteen languages, intents,
//! near-duplicates, context fallback and the JSON-lines interface.

use caredesk::model::{
    Attachment, ChannelKind, ChannelRef, Classification, Identity, InboundMessage, Intent, Kind,
    Language, Visibility,
};
use caredesk::triage::{jsonl, IntentRule, Triage, TriageContext, TriageSettings};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

fn start() -> DateTime<Utc> {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn post(author: &str, text: &str, at: DateTime<Utc>) -> InboundMessage {
    InboundMessage::new(
        ChannelRef::new(ChannelKind::X, "@KLM"),
        format!("{author}-{}", at.timestamp()),
        Identity::new(ChannelKind::X, author),
        Visibility::Public,
        text,
        at,
    )
}

fn triage() -> Triage {
    Triage::new(TriageSettings::default().with_brand_handle("@KLM")).unwrap()
}

/// Classifies `text` as a public post and asserts it is a query carrying
/// `intent`; returns the classification for further checks.
fn query_with_intent(triage: &mut Triage, text: &str, intent: &Intent) -> Classification {
    let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
    assert_eq!(verdict.kind, Kind::Query, "{text} {verdict:?}");
    assert!(verdict.intents.contains(intent), "{text} {verdict:?}");
    verdict
}

/// Classifies `text` as a public post and asserts that its intents include
/// every label of `has` and none of `lacks`; returns the classification.
fn labelled(triage: &mut Triage, text: &str, has: &[Intent], lacks: &[Intent]) -> Classification {
    let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
    for label in has {
        assert!(
            verdict.intents.contains(label),
            "{label} in {text} {verdict:?}"
        );
    }
    for label in lacks {
        assert!(
            !verdict.intents.contains(label),
            "no {label} in {text} {verdict:?}"
        );
    }
    verdict
}

/// One post of a labelled fixture (`language<TAB>kind<TAB>intents<TAB>text`)
/// with the verdict triage gave it.
struct FixturePost<'a> {
    language: &'a str,
    kind: Kind,
    intents: &'a str,
    verdict: Classification,
}

/// Classifies every post of a labelled fixture in order, one minute apart,
/// each from its own author; `#` lines are comments.
fn classify_fixture<'a>(triage: &mut Triage, text: &'a str) -> Vec<FixturePost<'a>> {
    let lines = text.lines().filter(|l| !l.starts_with('#'));
    lines
        .enumerate()
        .map(|(n, line)| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [language, kind, intents, body] = fields[..] else {
                panic!("line {n}: {line}");
            };
            let at = start() + Duration::minutes(n as i64);
            let verdict = triage.classify(
                &post(&format!("@c{n}"), body, at),
                &TriageContext::default(),
            );
            let kind = if kind == "query" {
                Kind::Query
            } else {
                Kind::Mention
            };
            FixturePost {
                language,
                kind,
                intents,
                verdict,
            }
        })
        .collect()
}

fn kind_of(triage: &mut Triage, text: &str) -> Kind {
    triage
        .classify(&post("@someone", text, start()), &TriageContext::default())
        .kind
}

#[test]
fn public_questions_and_requests_are_queries_in_all_fourteen_languages() {
    let queries = [
        ("en", "Where is my suitcase? It did not arrive"),
        ("nl", "Hoe kan ik mijn boeking wijzigen"),
        ("de", "Können Sie mir bitte mit meinem Gepäck helfen"),
        ("fr", "Pouvez-vous m'aider à changer mon vol"),
        ("es", "Necesito ayuda con mi equipaje por favor"),
        ("it", "Potete aiutarmi con il rimborso per favore"),
        ("pt", "Preciso de ajuda com a minha bagagem por favor"),
        ("tr", "Bagajım nerede, yardım edin lütfen"),
        ("no", "Kan dere hjelpe meg med bagasjen"),
        ("ru", "Помогите, пожалуйста, найти мой багаж"),
        ("zh", "我的行李什么时候能到"),
        ("ja", "荷物はいつ届きますか"),
        ("ko", "제 수하물은 언제 도착하나요"),
        ("th", "กระเป๋าของฉันจะมาถึงเมื่อไหร่"),
    ];
    let mut triage = triage();
    for (language, text) in queries {
        let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
        assert_eq!(verdict.kind, Kind::Query, "{language}: {text} {verdict:?}");
        assert_eq!(
            verdict.language.map(|l| l.to_string()).as_deref(),
            Some(language),
            "{text}"
        );
    }
}

#[test]
fn public_praise_is_a_mention_in_all_fourteen_languages() {
    let praise = [
        "What a lovely flight, amazing crew",
        "Wat een geweldige vlucht, top bemanning",
        "Toller Flug, super freundliche Crew",
        "Vol magnifique, équipage génial",
        "Vuelo excelente, tripulación genial",
        "Volo fantastico, equipaggio gentilissimo",
        "Voo excelente, tripulação maravilhosa",
        "Harika bir uçuştu, ekip mükemmel",
        "Fantastisk flytur, flott mannskap",
        "Отличный полёт, прекрасный экипаж",
        "今天的航班太棒了",
        "最高のフライトでした",
        "최고의 비행이었어요",
        "เที่ยวบินวันนี้ยอดเยี่ยม",
    ];
    let mut triage = triage();
    for text in praise {
        let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
        assert_eq!(verdict.kind, Kind::Mention, "{text} {verdict:?}");
        assert!(
            verdict.reasons.contains(&"praise_only".to_owned()),
            "{text} {verdict:?}"
        );
    }
}

#[test]
fn private_messages_are_queries_whatever_they_say() {
    let mut triage = triage();
    let mut dm = post("@a", "Thanks!", start());
    dm.visibility = Visibility::Private;
    let verdict = triage.classify(&dm, &TriageContext::default());
    assert_eq!(verdict.kind, Kind::Query);
    assert_eq!(verdict.reasons[0], "private_message");
    let whatsapp = InboundMessage::new(
        ChannelRef::new(ChannelKind::Whatsapp, "+31200000000"),
        "wamid.1",
        Identity::new(ChannelKind::Whatsapp, "+31611111111"),
        Visibility::Public,
        "ok",
        start(),
    );
    assert_eq!(
        triage.classify(&whatsapp, &TriageContext::default()).kind,
        Kind::Query
    );
}

#[test]
fn retweets_and_photo_shares_are_mentions() {
    let mut triage = triage();
    assert_eq!(
        kind_of(&mut triage, "RT @KLM: Where will you fly this summer?"),
        Kind::Mention
    );
    let photo =
        post("@a", "@KLM view from above the clouds", start()).with_attachment(Attachment {
            media_type: "image/jpeg".to_owned(),
            url: "https://example.com/p.jpg".to_owned(),
        });
    let verdict = triage.classify(&photo, &TriageContext::default());
    assert_eq!(verdict.kind, Kind::Mention, "{verdict:?}");
    assert!(verdict.reasons.contains(&"media_share".to_owned()));
}

#[test]
fn complaint_with_flight_number_addressed_to_the_brand_is_a_query() {
    let mut triage = triage();
    let verdict = triage.classify(
        &post("@a", "@KLM KL1234 vertraagd alweer, schandalig", start()),
        &TriageContext::default(),
    );
    assert_eq!(verdict.kind, Kind::Query);
    assert_eq!(
        verdict.reasons,
        [
            "complaint",
            "care_topic",
            "flight_reference",
            "addresses_brand"
        ]
    );
}

#[test]
fn brand_handle_must_match_whole_handle() {
    let mut triage = triage();
    let verdict = triage.classify(
        &post("@a", "@KLMfan I love this picture", start()),
        &TriageContext::default(),
    );
    assert!(!verdict.reasons.contains(&"addresses_brand".to_owned()));
}

#[test]
fn intents_are_multi_label_in_several_languages() {
    let cases: [(&str, &[&str]); 6] = [
        (
            "My flight was cancelled and my bag is lost, I want a refund",
            &["baggage", "refund", "disruption"],
        ),
        (
            "Mijn vlucht is vertraagd en ik wil mijn geld terug",
            &["refund", "disruption"],
        ),
        (
            "Mein Gepäck ist weg und ich habe meine Jacke im Flugzeug vergessen",
            &["baggage", "lost_and_found"],
        ),
        ("航班延误了，我要退款", &["refund", "disruption"]),
        (
            "手荷物が届かないし、払い戻しもまだです",
            &["baggage", "refund"],
        ),
        (
            "Uçuşum iptal oldu, bagajım da kayıp",
            &["baggage", "disruption"],
        ),
    ];
    let mut triage = triage();
    for (text, expected) in cases {
        let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
        let labels: Vec<&str> = verdict
            .intents
            .iter()
            .map(Intent::as_str)
            .filter(|l| *l != "complaint")
            .collect();
        assert_eq!(labels, expected, "{text}");
    }
}

#[test]
fn baggage_stems_hit_in_every_language() {
    let mut triage = triage();
    for text in [
        "bagage",
        "Gepäck",
        "bagaglio",
        "equipaje",
        "багаж",
        "手荷物",
        "行李",
        "수하물",
        "กระเป๋า",
        "bagaj",
        "bagasje",
        "bagagem",
        "luggage",
    ] {
        let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
        assert_eq!(verdict.intents.first(), Some(&Intent::baggage()), "{text}");
    }
}

#[test]
fn users_can_add_their_own_intent() {
    let settings = TriageSettings {
        taxonomy: TriageSettings::default().taxonomy.with_rule(
            IntentRule::new(Intent::new("pets"))
                .with_keywords(Language::ENGLISH, ["<dog", "<cat>"])
                .with_keywords(Language::DUTCH, ["<hond"]),
        ),
        ..TriageSettings::default()
    };
    let mut triage = Triage::new(settings).unwrap();
    let verdict = triage.classify(
        &post("@a", "Mag mijn hond mee in de cabine?", start()),
        &TriageContext::default(),
    );
    assert_eq!(verdict.intents, [Intent::new("pets")]);
}

#[test]
fn compliment_is_withheld_when_the_message_also_asks() {
    let mut triage = triage();
    let verdict = triage.classify(
        &post(
            "@a",
            "Thanks for the lovely crew, but where is my bag?",
            start(),
        ),
        &TriageContext::default(),
    );
    assert!(!verdict.intents.contains(&Intent::compliment()));
    assert_eq!(verdict.kind, Kind::Query);
}

#[test]
fn strong_praise_beside_a_question_stays_a_compliment() {
    let mut triage = triage();
    let verdict = triage.classify(
        &post(
            "@a",
            "Thank you @KLM for the amazing crew last week, absolutely wonderful! Quick question: how do I add a bag to my return?",
            start(),
        ),
        &TriageContext::default(),
    );
    assert!(
        verdict.intents.contains(&Intent::compliment()),
        "{verdict:?}"
    );
    assert!(verdict.intents.contains(&Intent::baggage()), "{verdict:?}");
    assert_eq!(verdict.kind, Kind::Query);
}

#[test]
fn an_open_problem_is_no_complaint_but_holds_and_thanks_for_nothing_are() {
    let mut triage = triage();
    // Waiting, nobody answering and a loss make a query, not a complaint.
    for (text, topic) in [
        (
            "@KLM still waiting on my refund, booking QX7T2M, nobody answers",
            Intent::refund(),
        ),
        (
            "@KLM wacht nog steeds op mijn terugbetaling, niemand reageert",
            Intent::refund(),
        ),
        (
            "@Iberia todavía espero el reembolso, nadie responde",
            Intent::refund(),
        ),
        (
            "@KLM j'ai perdu mon passeport dans l'avion",
            Intent::lost_and_found(),
        ),
    ] {
        query_with_intent(&mut triage, text, &topic);
        labelled(&mut triage, text, &[], &[Intent::complaint()]);
    }
    // Hold times, calls cut off and thanks that mean the opposite are.
    for text in [
        "2 hours on hold with @KLM and then they hung up",
        "1h45 d'attente au tel pour se faire raccrocher au nez. bravo @airfrance 👏",
        "50 min i telefonkø og så bare legger dere på",
        "客服电话一直打不通",
        "Gate change 10 minutes before boarding, we missed the flight. Thanks for nothing",
    ] {
        labelled(
            &mut triage,
            text,
            &[Intent::complaint()],
            &[Intent::compliment()],
        );
    }
}

#[test]
fn praise_beside_a_delay_counted_in_hours_is_a_sarcastic_complaint() {
    let mut triage = triage();
    for text in [
        "4 hours late and not even a glass of water. Great job 👏",
        "Parabéns, 5 horas de atraso e nem uma água. Excelente serviço 👏👏",
        "3時間遅延して何の説明もなし。さすがですね👏",
    ] {
        let verdict = labelled(
            &mut triage,
            text,
            &[Intent::disruption(), Intent::complaint()],
            &[Intent::compliment()],
        );
        assert_eq!(verdict.kind, Kind::Query, "{text} {verdict:?}");
        // Its praise words read positive; the post does not.
        assert!(verdict.sentiment <= -0.3, "{text} {verdict:?}");
    }
    // Thanks for help with a cancelled flight counts no wait: praise.
    let text =
        "Thanks to the crew who rebooked us so quickly when the flight was cancelled, brilliant";
    labelled(
        &mut triage,
        text,
        &[Intent::compliment()],
        &[Intent::complaint()],
    );
}

#[test]
fn thanks_closing_a_request_is_politeness_not_a_compliment() {
    let mut triage = triage();
    for text in [
        "Boa tarde, gostaria de receber o reembolso do voo cancelado TP1350, reserva PZ4K8N. Obrigada",
        "buongiorno vorrei il rimborso del volo cancellato di ieri, prenotazione QW8E4R, grazie",
        "je souhaiterais être remboursée de mon billet suite à l'annulation du vol. Merci d'avance",
    ] {
        let verdict = query_with_intent(&mut triage, text, &Intent::refund());
        assert!(!verdict.intents.contains(&Intent::compliment()), "{text} {verdict:?}");
        assert!(!verdict.reasons.contains(&"praise".to_owned()), "{text} {verdict:?}");
    }
    // Praise in the body stays praise, and thanks alone is thanks.
    for text in [
        "The crew on KL1234 were wonderful with my kids, thank you",
        "Thank you so much!",
    ] {
        labelled(&mut triage, text, &[Intent::compliment()], &[]);
    }
    // An upside-down or rolling face turns praise into sarcasm.
    labelled(
        &mut triage,
        "45 euro for a bag that fit the sizer fine at home. love that for me 🙃",
        &[Intent::complaint()],
        &[Intent::compliment()],
    );
}

#[test]
fn indirect_questions_are_queries_in_several_languages() {
    let mut triage = triage();
    for text in [
        "Wondering if you serve vegan meals on the London to Singapore route",
        "je voulais savoir si mon chien peut voyager en cabine",
        "vorrei sapere se posso portare il passeggino fino all'aereo",
        "Ik vraag me af of mijn dochter van 14 alleen mag vliegen",
        "quisiera saber si puedo llevar la bici en el avión",
        "lurer på om jeg kan ta med sykkel på flyet",
    ] {
        let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
        assert_eq!(verdict.kind, Kind::Query, "{text} {verdict:?}");
        assert!(
            verdict.reasons.contains(&"question".to_owned()),
            "{text} {verdict:?}"
        );
    }
}

#[test]
fn vouchers_and_compensation_are_refunds_and_status_is_loyalty() {
    let mut triage = triage();
    for text in [
        "where is the voucher you promised for last week's delay?",
        "Wo bleibt der Gutschein für den ausgefallenen Flug?",
        "Die 15 euro voor de wifi wil ik graag terug",
        "quiero que me devuelvan el dinero del vuelo cancelado",
    ] {
        query_with_intent(&mut triage, text, &Intent::refund());
    }
    for text in [
        "Ya soy Oro en Iberia Plus 🥳",
        "Получил золотой статус, ура",
        "Elite Plus oldum sonunda 🎉",
    ] {
        labelled(&mut triage, text, &[Intent::loyalty()], &[]);
    }
}

#[test]
fn a_seat_number_is_no_booking_change_but_choosing_a_seat_is() {
    let mut triage = triage();
    for text in [
        "@KLM left my headphones in seat 14A on KL1002 last night, anyone found them?",
        "座席のモニター壊れてて12時間何もできなかった",
        "j'ai oublié mon casque dans la poche du siège 32F",
    ] {
        labelled(&mut triage, text, &[], &[Intent::booking_change()]);
    }
    for text in [
        "how do I choose a seat on my flight to Oslo?",
        "좌석 지정은 어떻게 하나요?",
        "Wie kann ich meinen Rückflug vorverlegen? Buchung 7PLX2A",
        "能不能改回程日期？订单 5HTR8M",
    ] {
        query_with_intent(&mut triage, text, &Intent::booking_change());
    }
}

const CAMPAIGN: &str = "Bring back the direct flight from Oslo to Bali! #SaveOurRoute";

#[test]
fn same_text_from_three_accounts_within_the_window_is_flagged() {
    let mut triage = triage();
    let context = TriageContext::default();
    let a = triage.classify(&post("@a", CAMPAIGN, start()), &context);
    let b = triage.classify(
        &post(
            "@b",
            &format!("@KLM {CAMPAIGN}"),
            start() + Duration::minutes(3),
        ),
        &context,
    );
    let c = triage.classify(
        &post(
            "@c",
            &CAMPAIGN.to_uppercase(),
            start() + Duration::minutes(9),
        ),
        &context,
    );
    assert_eq!(
        (a.near_duplicate, b.near_duplicate, c.near_duplicate),
        (false, false, true)
    );
    assert!(c.reasons.contains(&"near_duplicate".to_owned()));
}

#[test]
fn same_text_spread_beyond_the_window_is_not_flagged() {
    let mut triage = triage();
    let context = TriageContext::default();
    for (author, minutes) in [("@a", 0), ("@b", 6), ("@c", 17)] {
        let verdict = triage.classify(
            &post(author, CAMPAIGN, start() + Duration::minutes(minutes)),
            &context,
        );
        assert!(!verdict.near_duplicate, "{author}");
    }
}

#[test]
fn same_author_three_times_is_not_flagged() {
    let mut triage = triage();
    let context = TriageContext::default();
    for minutes in [0, 1, 2] {
        let verdict = triage.classify(
            &post("@a", CAMPAIGN, start() + Duration::minutes(minutes)),
            &context,
        );
        assert!(!verdict.near_duplicate);
    }
}

#[test]
fn very_short_text_takes_the_customer_language() {
    let mut triage = triage();
    let context = TriageContext {
        customer_language: Some(Language::NORWEGIAN),
        channel_default_language: Some(Language::ENGLISH),
    };
    let verdict = triage.classify(&post("@a", "ok", start()), &context);
    assert_eq!(verdict.language, Some(Language::NORWEGIAN));
    assert!(verdict.language_confidence > 0.0 && verdict.language_confidence < 0.9);
    let verdict = triage.classify(&post("@a", "ok", start()), &TriageContext::default());
    assert_eq!(verdict.language, None);
    assert_eq!(verdict.language_confidence, 0.0);
}

#[test]
fn very_short_text_falls_back_to_the_channel_default() {
    let mut triage = triage();
    let context = TriageContext {
        customer_language: None,
        channel_default_language: Some(Language::KOREAN),
    };
    let verdict = triage.classify(&post("@a", "👍", start()), &context);
    assert_eq!(verdict.language, Some(Language::KOREAN));
}

#[test]
fn without_brand_handles_a_post_opening_with_a_handle_addresses_the_brand() {
    let mut unconfigured = Triage::new(TriageSettings::default()).unwrap();
    let mut klm = triage();
    let kind = |triage: &mut Triage, text: &str| {
        let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
        (verdict.kind, verdict.reasons)
    };
    // A care topic (0.6) and the address (0.4) reach the threshold.
    let to_united = "@united bag still hasn't arrived. 4 days.";
    let (verdict, reasons) = kind(&mut unconfigured, to_united);
    assert_eq!(verdict, Kind::Query, "{reasons:?}");
    assert!(
        reasons.contains(&"addresses_brand".to_owned()),
        "{reasons:?}"
    );
    assert_eq!(
        kind(&mut unconfigured, "  @_united bag still missing").0,
        Kind::Query
    );
    // Configured handles are the only address: @united is not @KLM.
    assert_eq!(kind(&mut klm, to_united).0, Kind::Mention);
    assert_eq!(
        kind(&mut klm, "@KLM bag still hasn't arrived. 4 days.").0,
        Kind::Query
    );
    // Without a handle at the start, or with a bare @, no address.
    for text in [
        "bag still hasn't arrived. 4 days. @united",
        "@ bag still hasn't arrived. 4 days.",
        "RT @united: bag still hasn't arrived",
    ] {
        let (verdict, reasons) = kind(&mut unconfigured, text);
        assert_eq!(verdict, Kind::Mention, "{text}");
        assert!(
            !reasons.contains(&"addresses_brand".to_owned()),
            "{text} {reasons:?}"
        );
    }
    // Praise to a handle stays chatter.
    assert_eq!(
        kind(&mut unconfigured, "@united love the crew, best flight ever").0,
        Kind::Mention
    );
}

#[test]
fn classify_is_deterministic() {
    let text = "@KLM Où est ma valise ? Réservation ABC123, vol KL1234";
    let first = triage().classify(&post("@a", text, start()), &TriageContext::default());
    let second = triage().classify(&post("@a", text, start()), &TriageContext::default());
    assert_eq!(first, second);
}

#[test]
fn jsonl_echoes_ids_as_given_and_reports_bad_lines() {
    let mut session = jsonl::JsonlSession::new(triage());
    let out = session
        .process_line(r#"{"id":42,"text":"Where is my bag?","channel":"x","followers":120}"#)
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["id"], 42);
    assert_eq!(value["language"], "en");
    assert_eq!(value["kind"], "query");
    assert_eq!(value["intents"][0], "baggage");
    assert_eq!(session.process_line(""), None);
    let bad = session
        .process_line(r#"{"id":"x1","text":"hi","channel":"fax"}"#)
        .unwrap();
    assert_eq!(bad, r#"{"id":"x1","error":"unknown channel \"fax\""}"#);
    let broken = session.process_line("{not json").unwrap();
    assert!(broken.starts_with(r#"{"error":"invalid JSON"#), "{broken}");
    let unknown = session
        .process_line(r#"{"id":"2","text":"ok","channel":"x"}"#)
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&unknown).unwrap();
    assert_eq!(value["language"], "unknown");
    assert_eq!(value["confidence"], 0.0);
}

#[test]
fn jsonl_reads_channel_names_flags_and_counts_as_exports_write_them() {
    let mut session = jsonl::JsonlSession::new(triage());
    let mut field = |line: &str, name: &str| -> serde_json::Value {
        let out = session.process_line(line).unwrap();
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(value.get("error").is_none(), "{line} -> {out}");
        value[name].clone()
    };
    // "Thanks" on a public post is chatter; as a private message a query.
    let thanks = |channel: &str, extra: &str| {
        format!(r#"{{"id":"t","text":"Thanks","channel":"{channel}"{extra}}}"#)
    };
    assert_eq!(field(&thanks("Twitter", ""), "kind"), "mention");
    assert_eq!(
        field(&thanks(" X ", r#","private":"TRUE""#), "kind"),
        "query"
    );
    assert_eq!(
        field(&thanks("twitter", r#","private":1"#), "kind"),
        "query"
    );
    assert_eq!(
        field(&thanks("fb", r#","private":"false""#), "kind"),
        "mention"
    );
    assert_eq!(field(&thanks("Messenger", ""), "kind"), "query");
    assert_eq!(
        field(&thanks("messenger", r#","private":false"#), "kind"),
        "mention"
    );
    assert_eq!(field(&thanks("E-mail", ""), "kind"), "query");
    assert_eq!(field(&thanks("live chat", ""), "kind"), "query");
    assert_eq!(field(&thanks("", r#","private":null"#), "kind"), "mention");
    for followers in ["120", "120.0", r#""120""#, r#"" 120 ""#, r#""""#, "null"] {
        let line = format!(r#"{{"id":"f","text":"Thanks","channel":"x","followers":{followers}}}"#);
        assert_eq!(field(&line, "id"), "f");
    }
    for (line, error) in [
        (
            r#"{"id":"a","text":"hi","followers":-3}"#,
            "followers must be a whole number of at least 0, got -3",
        ),
        (
            r#"{"id":"a","text":"hi","followers":"many"}"#,
            r#"followers must be a whole number of at least 0, got \"many\""#,
        ),
        (
            r#"{"id":"a","text":"hi","followers":1.5}"#,
            "followers must be a whole number of at least 0, got 1.5",
        ),
        (
            r#"{"id":"a","text":"hi","private":"yes"}"#,
            r#"private must be true or false, got \"yes\""#,
        ),
        (
            r#"{"id":"a","text":"hi","private":2}"#,
            "private must be true or false, got 2",
        ),
    ] {
        let out = session.process_line(line).unwrap();
        assert_eq!(out, format!(r#"{{"id":"a","error":"{error}"}}"#));
    }
}

#[test]
fn every_channel_json_name_is_a_common_name_of_itself() {
    for kind in ChannelKind::ALL {
        assert_eq!(ChannelKind::from_common_name(kind.as_str()), Some(kind));
        let upper = kind.as_str().to_uppercase();
        assert_eq!(ChannelKind::from_common_name(&upper), Some(kind));
    }
    for unknown in ["", "sms", "fax", "myspace", "x-ray", "mailbox"] {
        assert_eq!(ChannelKind::from_common_name(unknown), None, "{unknown}");
    }
}

#[test]
fn jsonl_danish_is_unknown_not_norwegian() {
    let mut triage = triage();
    let out = jsonl::process_line(
        &mut triage,
        r#"{"id":"1","text":"Hvornår får jeg mine penge tilbage? Jeg har ventet i to uger","channel":"facebook"}"#,
        0,
    )
    .unwrap();
    assert!(out.contains(r#""language":"unknown""#), "{out}");
}

#[test]
fn jsonl_near_duplicates_carry_across_lines() {
    let mut session = jsonl::JsonlSession::new(triage());
    let line = format!(r#"{{"id":"1","text":"{CAMPAIGN}","channel":"x"}}"#);
    for _ in 0..2 {
        session.process_line(&line).unwrap();
    }
    // Lines without `created_at` are one second apart from 2026-01-01, and
    // lines without `author` count as distinct authors: two have posted.
    let third = post("@third", CAMPAIGN, "2026-01-01T00:00:03Z".parse().unwrap());
    let verdict = session
        .triage_mut()
        .classify(&third, &TriageContext::default());
    assert!(verdict.near_duplicate, "the two JSON lines fed the window");
}

#[test]
fn a_flight_number_and_the_handle_alone_are_a_mention_but_with_a_topic_a_query() {
    let mut triage = triage();
    for text in [
        "Boarding KL1234 to Amsterdam with @KLM",
        "Aan boord van KL1234 naar Amsterdam met @KLM",
    ] {
        let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
        assert_eq!(verdict.kind, Kind::Mention, "{text} {verdict:?}");
    }
    for text in [
        "@KLM KL1234 my bag did not arrive",
        "@KLM KL1234 is cancelled, what now",
    ] {
        let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
        assert_eq!(verdict.kind, Kind::Query, "{text} {verdict:?}");
    }
}

#[test]
fn an_angry_post_to_the_brand_is_a_query_however_it_is_worded() {
    let mut triage = triage();
    // No complaint phrase, but a clearly negative sentiment.
    let verdict = triage.classify(
        &post("@a", "@KLM waardeloze service vandaag", start()),
        &TriageContext::default(),
    );
    assert_eq!(verdict.kind, Kind::Query, "{verdict:?}");
    assert!(verdict.reasons.contains(&"negative_sentiment".to_owned()));
    assert!(verdict.sentiment <= caredesk::triage::NEGATIVE_SENTIMENT);
    // The same words without the brand's handle stay a mention, and a mild
    // sigh to the brand is not a complaint.
    assert_eq!(
        kind_of(&mut triage, "waardeloze service vandaag"),
        Kind::Mention
    );
    assert_eq!(kind_of(&mut triage, "@KLM ugh mondays"), Kind::Mention);
    // Thanks in an angry post is not praise.
    let verdict = triage.classify(
        &post("@a", "@KLM thanks for ruining my birthday trip", start()),
        &TriageContext::default(),
    );
    assert!(
        !verdict.intents.contains(&Intent::compliment()),
        "{verdict:?}"
    );
}

#[test]
fn a_report_that_something_does_not_work_is_a_query_in_several_languages() {
    let mut triage = triage();
    for text in [
        "online check-in not working since this morning",
        "online inchecken werkt niet, steeds een foutmelding",
        "Online-Check-in funktioniert nicht, Boarding in einer Stunde",
        "el check-in online no funciona desde ayer",
        "il check-in online non funziona, dice errore",
        "o check-in online nao funciona, sempre da erro",
        "online check-in çalışmıyor, sürekli hata veriyor",
        "innsjekkingen på nett fungerer ikke",
        "онлайн-регистрация не работает, выдаёт ошибку",
        "网上值机一直失败",
        "オンラインチェックインができない",
        "모바일 체크인이 안 돼요",
    ] {
        let verdict = query_with_intent(&mut triage, text, &Intent::check_in());
        assert!(
            verdict.reasons.contains(&"problem_report".to_owned()),
            "{text} {verdict:?}"
        );
        // A malfunction is a care request, not a complaint about service.
        assert!(
            !verdict.intents.contains(&Intent::complaint()),
            "{text} {verdict:?}"
        );
    }
}

#[test]
fn cant_wait_is_not_a_question_and_next_flight_chatter_is_no_rebooking() {
    let mut triage = triage();
    let verdict = triage.classify(
        &post(
            "@a",
            "Can't wait for my next flight with @KLM, best crew ever",
            start(),
        ),
        &TriageContext::default(),
    );
    assert_eq!(verdict.kind, Kind::Mention, "{verdict:?}");
    assert!(
        !verdict.intents.contains(&Intent::rebooking()),
        "{verdict:?}"
    );
}

#[test]
fn requests_to_move_to_another_flight_are_rebooking_in_several_languages() {
    let mut triage = triage();
    for text in [
        "@KLM my flight is cancelled, can you put me on the next flight to Oslo?",
        "@KLM vlucht geannuleerd, kunnen jullie me op de volgende vlucht zetten?",
        "@KLM Flug gestrichen, könnt ihr mich auf den nächsten Flug setzen?",
        "@KLM vol annulé, vous pouvez me mettre sur le prochain vol ?",
        "@KLM vuelo cancelado, me pueden pasar al siguiente vuelo?",
        "@KLM volo cancellato, potete mettermi sul prossimo volo?",
        "@KLM voo cancelado, podem me colocar no próximo voo?",
        "@KLM flyet er kansellert, kan dere booke meg om til i morgen?",
        "@KLM рейс отменили, можете пересадить меня на завтра?",
        "@KLM 航班取消了，可以改到明天吗？",
        "@KLM 欠航になりました。次の便に振り替えできますか？",
        "@KLM 항공편이 취소됐어요. 다음 항공편으로 바꿔 주세요",
    ] {
        query_with_intent(&mut triage, text, &Intent::rebooking());
    }
}

#[test]
fn an_item_lost_on_board_is_lost_and_found_in_several_languages() {
    let mut triage = triage();
    for text in [
        "@KLM I lost my passport on the plane from Oslo",
        "@KLM paspoort verloren in het vliegtuig naar Bergen",
        "@KLM j'ai perdu mon passeport dans l'avion",
        "@KLM perdí mi pasaporte en el avión",
        "@KLM ho perso il passaporto sull'aereo",
        "@KLM perdi meu passaporte no avião",
        "@KLM uçakta pasaportumu kaybettim",
        "@KLM потерял паспорт в самолёте",
        "@KLM 機内でパスポートをなくしました",
        "@KLM 기내에서 여권을 잃어버렸어요",
    ] {
        query_with_intent(&mut triage, text, &Intent::lost_and_found());
    }
}

/// Language, kind and intents on `tests/fixtures/triage_posts.tsv`: 730
/// public posts to fourteen airlines, 630 in the desk's languages and 100
/// in languages outside it (see the file's header for how it was written).
#[test]
fn posts_written_apart_from_the_word_lists_are_triaged_as_labelled() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/triage_posts.tsv"
    ))
    .unwrap();
    let mut settings = TriageSettings::default();
    for handle in [
        "@KLM",
        "@airfrance",
        "@lufthansa",
        "@SAS",
        "@Norwegian",
        "@TurkishAirlines",
        "@Iberia",
        "@ITAAirways",
        "@TAPAirPortugal",
        "@Aeroflot",
        "@ThaiAirways",
        "@KoreanAir",
        "@JAL_Official_jp",
        "@airchina",
    ] {
        settings = settings.with_brand_handle(handle);
    }
    let mut triage = Triage::new(settings).unwrap();
    let desk: Vec<String> = Language::REFERENCE_DESK
        .iter()
        .map(ToString::to_string)
        .collect();
    let (mut desk_total, mut desk_right) = (0u32, 0u32);
    let (mut outside_total, mut outside_unknown) = (0u32, 0u32);
    let (mut kind_total, mut kind_right) = (0u32, 0u32);
    let (mut labelled, mut labels_found) = (0u32, 0u32);
    for FixturePost {
        language,
        kind: expected_kind,
        intents,
        verdict,
    } in classify_fixture(&mut triage, &text)
    {
        let got = verdict.language.map(|l| l.to_string());
        if desk.iter().any(|d| d == language) {
            desk_total += 1;
            desk_right += u32::from(got.as_deref() == Some(language));
        } else {
            outside_total += 1;
            outside_unknown += u32::from(got.is_none());
        }
        kind_total += 1;
        kind_right += u32::from(verdict.kind == expected_kind);
        if intents != "-" && intents != "none" {
            for label in intents.split(',') {
                labelled += 1;
                labels_found += u32::from(verdict.intents.contains(&Intent::new(label)));
            }
        }
    }
    let share = |right: u32, total: u32| f64::from(right) / f64::from(total);
    let figures = format!(
        "language {desk_right}/{desk_total}, outside unknown {outside_unknown}/{outside_total}, \
         kind {kind_right}/{kind_total}, intent labels found {labels_found}/{labelled}"
    );
    println!("{figures}");
    assert_eq!((desk_total, outside_total), (630, 100));
    // Measured when the set was added: 598/630, 95/100, 641/730, 347/637
    // (the first, blind run through examples/triage: 571/630, 95/100, 607/730);
    // since the triage work of session 18: kind 662/730, intent labels 397/637.
    assert!(share(desk_right, desk_total) >= 0.94, "{figures}");
    assert!(share(outside_unknown, outside_total) >= 0.94, "{figures}");
    assert!(share(kind_right, kind_total) >= 0.89, "{figures}");
    assert!(share(labels_found, labelled) >= 0.61, "{figures}");
}

/// Intents as whole label sets on `tests/fixtures/intent_posts.tsv`: 1,400
/// posts in the desk's languages from four writers (see its header for
/// which runs were blind). Scored like the `triage` tool with no brand
/// handles; `purchase`, which the set does not label, is left out.
#[test]
fn intent_label_sets_match_posts_written_apart_from_the_phrase_lists() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/intent_posts.tsv"
    ))
    .unwrap();
    let mut triage = Triage::new(TriageSettings::default()).unwrap();
    let (mut posts, mut language_right, mut kind_right, mut sets_right) = (0u32, 0, 0, 0);
    let (mut labels_right, mut labels_given, mut labels_expected) = (0u32, 0u32, 0u32);
    for FixturePost {
        language,
        kind: expected_kind,
        intents,
        verdict,
    } in classify_fixture(&mut triage, &text)
    {
        posts += 1;
        language_right +=
            u32::from(verdict.language.map(|l| l.to_string()).as_deref() == Some(language));
        kind_right += u32::from(verdict.kind == expected_kind);
        let expected: BTreeSet<Intent> = intents
            .split(',')
            .filter(|label| *label != "none")
            .map(Intent::new)
            .collect();
        let given: BTreeSet<Intent> = verdict
            .intents
            .iter()
            .filter(|label| **label != Intent::purchase())
            .cloned()
            .collect();
        sets_right += u32::from(given == expected);
        labels_right += given.intersection(&expected).count() as u32;
        labels_given += given.len() as u32;
        labels_expected += expected.len() as u32;
    }
    let share = |right: u32, total: u32| f64::from(right) / f64::from(total);
    let figures = format!(
        "language {language_right}/{posts}, kind {kind_right}/{posts}, intent sets \
         {sets_right}/{posts}, labels right {labels_right} of {labels_given} given and \
         {labels_expected} expected"
    );
    println!("{figures}");
    assert_eq!(posts, 1400);
    // Measured when the set was complete: language 1,366, kind 1,296 and
    // label sets 1,077 of 1,400; labels 958 right of 1,124 given and 1,185
    // expected (precision 0.852, recall 0.808). The code before session
    // 18's triage work: kind 1,253, label sets 927, precision 0.775,
    // recall 0.704. On set F alone, run only with both: label sets 229 →
    // 254 of 350, kind 314 → 323.
    assert!(share(language_right, posts) >= 0.96, "{figures}");
    assert!(share(kind_right, posts) >= 0.91, "{figures}");
    assert!(share(sets_right, posts) >= 0.76, "{figures}");
    assert!(share(labels_right, labels_given) >= 0.84, "{figures}");
    assert!(share(labels_right, labels_expected) >= 0.80, "{figures}");
}

#[test]
fn a_question_in_a_language_outside_the_desk_is_still_a_query() {
    let mut triage = triage();
    // Arabic writes its own question mark; the language is unknown, the
    // question is not.
    let verdict = triage.classify(
        &post("@a", "@KLM أين حقيبتي؟", start()),
        &TriageContext::default(),
    );
    assert_eq!(verdict.language, None);
    assert_eq!(verdict.kind, Kind::Query, "{verdict:?}");
    assert!(verdict.reasons.contains(&"question".to_owned()));
}

#[test]
fn weights_that_add_up_to_the_threshold_reach_it_despite_rounding() {
    // 0.7 + 0.6 - 0.3 is just under 1.0 in binary floating point.
    let mut settings = TriageSettings::default().with_brand_handle("@KLM");
    settings.kind.addresses_brand = 0.7;
    let mut triage = Triage::new(settings).unwrap();
    let verdict = triage.classify(
        &post("@a", "@KLM my baggage arrived, thank you", start()),
        &TriageContext::default(),
    );
    for reason in ["care_topic", "addresses_brand", "praise"] {
        assert!(verdict.reasons.contains(&reason.to_owned()), "{verdict:?}");
    }
    assert_eq!(verdict.kind, Kind::Query, "{verdict:?}");
}

#[test]
fn praise_in_a_post_that_reads_negative_is_sarcasm_not_thanks() {
    let mut triage = triage();
    for text in [
        "Vol annulé, bagage perdu, aucune réponse. Bravo",
        "Vlucht weer vertraagd en mijn koffer is kwijt. Geweldig hoor",
        "lost my bag again and nobody answers. great",
    ] {
        let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
        assert!(verdict.sentiment < 0.0, "{text} {verdict:?}");
        assert!(
            !verdict.reasons.contains(&"praise".to_owned()),
            "{text} {verdict:?}"
        );
        assert!(
            !verdict.intents.contains(&Intent::compliment()),
            "{text} {verdict:?}"
        );
        assert_eq!(verdict.kind, Kind::Query, "{text} {verdict:?}");
    }
}

#[test]
fn rudeness_of_staff_is_a_complaint_in_several_languages() {
    let mut triage = triage();
    for text in [
        "@KLM the gate agent was so unfriendly to my mother",
        "@KLM onvriendelijke stewardess op mijn vlucht",
        "@KLM der Flugbegleiter war total unhöflich",
        "@KLM personnel désagréable à l'embarquement",
        "@KLM la azafata fue muy grosera",
        "@KLM personale scortese al gate",
        "@KLM comissária muito grosseira",
        "@KLM kabin memuru çok kabaydı",
        "@KLM kabinpersonalet var uhøflig",
        "@KLM стюардесса ответила грубо",
        "@KLM 地勤态度差",
        "@KLM 係員の態度が悪かった",
        "@KLM 승무원이 너무 불친절했어요",
    ] {
        query_with_intent(&mut triage, text, &Intent::complaint());
    }
}

#[test]
fn praise_words_inside_longer_words_are_not_praise() {
    let mut triage = triage();
    for text in [
        "@KLM very unhappy with the service today",
        "@KLM the crew was unfriendly",
    ] {
        let verdict = triage.classify(&post("@a", text, start()), &TriageContext::default());
        assert!(
            !verdict.reasons.contains(&"praise".to_owned()),
            "{text} {verdict:?}"
        );
        assert!(
            !verdict.intents.contains(&Intent::compliment()),
            "{text} {verdict:?}"
        );
    }
}
