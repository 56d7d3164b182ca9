//! The intent taxonomy: labels with keywords per language, airline defaults.

use crate::model::{Intent, Language};
use crate::text::lexicon::{cues, phrases_in, Cue, CueTable};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One label of the taxonomy and the phrases that select it, per language.
///
/// Phrases use the syntax of [`crate::text::lexicon::PhraseMatcher`]: plain
/// phrases match inside words (stems such as `"bagag"`), `<` and `>` pin them
/// to word boundaries. Every language's phrases are tried on every message,
/// so an intent is found even when the language is not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentRule {
    /// The label reported in [`crate::model::Classification::intents`].
    pub label: Intent,
    /// Phrases per language.
    pub keywords: BTreeMap<Language, Vec<String>>,
}

impl IntentRule {
    /// A rule for `label` with no phrases yet.
    pub fn new(label: Intent) -> Self {
        IntentRule {
            label,
            keywords: BTreeMap::new(),
        }
    }

    /// Adds phrases for one language.
    #[must_use]
    pub fn with_keywords<S: Into<String>>(
        mut self,
        language: Language,
        phrases: impl IntoIterator<Item = S>,
    ) -> Self {
        self.keywords
            .entry(language)
            .or_default()
            .extend(phrases.into_iter().map(Into::into));
        self
    }
}

/// The tenant's intent taxonomy: an ordered list of rules (multi-label: every
/// rule that matches reports its label, in taxonomy order).
///
/// [`Taxonomy::airline`] (the default) has the eleven airline labels with
/// phrases in the fourteen reference languages; extend it with
/// [`Taxonomy::with_rule`] or by adding phrases to a rule. The labels
/// `complaint` and `compliment` are special:
/// - `compliment` is withheld when the message also complains (a complaint
///   phrase or a negative sentiment) or reports a problem, and when it asks
///   or asks for help with no more than mild praise ("thanks, but where is
///   my bag?" and "thanks for ruining my trip" are not praise; "amazing
///   crew last week! how do I add a bag?" is);
/// - praise around a reported problem, in a negative post, beside 🙃 or 🙄,
///   or beside a delay counted in hours with nothing asked is sarcasm and
///   reports `complaint` ("on hold for an hour, bravo 👏", "4 hours late and
///   not even water. Great 👏"), with a sentiment of -0.3 or below;
/// - thanks only in the closing words of a request ("… I would like my
///   money back. Thank you") is politeness, not a compliment;
/// - the airline `complaint` phrases are the complaint cues of
///   [`crate::text::lexicon::cues`] less those that only say a problem is
///   still open (a wait, a loss, nobody answering: "still waiting for my
///   refund" is a refund), plus holds, cut-off calls, chatbots and "thanks
///   for nothing".
///
/// ```
/// use caredesk::model::{Intent, Language};
/// use caredesk::triage::{IntentRule, Taxonomy};
/// let taxonomy = Taxonomy::airline().with_rule(
///     IntentRule::new(Intent::new("pets")).with_keywords(Language::ENGLISH, ["<dog", "<cat>", "pet"]),
/// );
/// assert_eq!(taxonomy.rules.len(), 12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taxonomy {
    /// The rules, in reporting order.
    pub rules: Vec<IntentRule>,
}

impl Default for Taxonomy {
    fn default() -> Self {
        Taxonomy::airline()
    }
}

impl Taxonomy {
    /// An empty taxonomy (no intents are ever reported).
    pub fn empty() -> Self {
        Taxonomy { rules: Vec::new() }
    }

    /// Adds a rule, or merges its phrases into the rule with the same label.
    #[must_use]
    pub fn with_rule(mut self, rule: IntentRule) -> Self {
        if let Some(existing) = self.rules.iter_mut().find(|r| r.label == rule.label) {
            for (language, phrases) in rule.keywords {
                existing
                    .keywords
                    .entry(language)
                    .or_default()
                    .extend(phrases);
            }
        } else {
            self.rules.push(rule);
        }
        self
    }

    /// The airline defaults: baggage, refund, rebooking, disruption,
    /// check_in, booking_change, complaint, compliment, lost_and_found,
    /// loyalty and purchase, in the fourteen reference languages.
    ///
    /// `purchase` (a price, a booking, an upgrade or extra baggage, a route
    /// or dates asked about) is withheld by triage when the message also
    /// complains, talks about money already paid, or asks for a refund or
    /// about a disruption or a lost item: "I paid 300 euros and my bag is
    /// lost" is care, not sales.
    pub fn airline() -> Self {
        let mut rules = Vec::new();
        for (label, table) in AIRLINE {
            rules.push(rule_from(label(), table));
        }
        let mut complaint = IntentRule::new(Intent::complaint());
        let mut compliment = IntentRule::new(Intent::compliment());
        for language in Language::REFERENCE_DESK {
            let open_problem = phrases_in(NOT_A_COMPLAINT, language);
            let complaint_cues = cues(Cue::Complaint, language)
                .iter()
                .copied()
                .filter(|phrase| !open_problem.contains(phrase));
            complaint = complaint
                .with_keywords(language, complaint_cues)
                .with_keywords(
                    language,
                    phrases_in(SERVICE_COMPLAINT, language).iter().copied(),
                );
            compliment =
                compliment.with_keywords(language, cues(Cue::Praise, language).iter().copied());
        }
        // Reporting order: the ten labels as the model lists them.
        rules.insert(6, complaint);
        rules.insert(7, compliment);
        Taxonomy { rules }
    }
}

fn rule_from(label: Intent, table: &[(&str, &[&str])]) -> IntentRule {
    let mut rule = IntentRule::new(label);
    for (code, phrases) in table {
        if let Ok(language) = code.parse::<Language>() {
            rule = rule.with_keywords(language, phrases.iter().copied());
        }
    }
    rule
}

type Table = CueTable;

/// Complaint cues that say a problem is still open (a loss, a wait,
/// nobody answering) rather than that the customer is displeased with the
/// service: they make a post a query, but "still waiting for my refund"
/// is a refund, not a complaint.
const NOT_A_COMPLAINT: Table = &[
    ("en", &["still waiting", "nobody", "no one", "lost my"]),
    ("nl", &["nog steeds", "niemand", "kwijt"]),
    ("de", &["immer noch", "niemand", "verloren"]),
    ("fr", &["toujours pas", "personne ne", "perdu"]),
    ("es", &["todavía", "nadie", "perdieron"]),
    ("it", &["ancora niente", "nessuno", "smarrit"]),
    ("pt", &["ainda não", "ainda nao", "ninguém", "perderam"]),
    ("tr", &["hala", "hâlâ", "kimse", "kayıp"]),
    ("no", &["fortsatt ikke", "<ingen>", "mistet"]),
    ("ru", &["до сих пор", "никто", "потеряли"]),
    ("zh", &["丢了", "丟了", "还没", "還沒"]),
    ("ja", &["まだ", "紛失", "なくなっ"]),
    ("ko", &["아직도", "분실", "잃어버"]),
    ("th", &["ยังไม่", "หาย"]),
];

/// Complaints about reaching the airline at all (long holds on the phone,
/// calls cut off, a chatbot instead of a person) and thanks that mean the
/// opposite ("thanks for nothing").
const SERVICE_COMPLAINT: Table = &[
    (
        "en",
        &[
            "thanks for nothing",
            "on hold",
            "hung up",
            "hangs up",
            "cut off",
            "chatbot",
            "<bot>",
            "real person",
            "a human",
        ],
    ),
    (
        "nl",
        &[
            "bedankt voor niks",
            "bedankt voor niets",
            "in de wacht",
            "opgehangen",
            "hangen op",
            "verbinding verbroken",
            "chatbot",
            "een mens",
        ],
    ),
    (
        "de",
        &[
            "danke für nichts",
            "warteschleife",
            "aufgelegt",
            "legen auf",
            "rausgeflogen",
            "chatbot",
            "einen menschen",
        ],
    ),
    (
        "fr",
        &[
            "merci pour rien",
            "d'attente au tel",
            "attente au téléphone",
            "raccroch",
            "chatbot",
            "un humain",
        ],
    ),
    (
        "es",
        &[
            "gracias por nada",
            "en espera para",
            "minutos en espera",
            "horas en espera",
            "me cuelg",
            "colgaron",
            "me colgó",
            "chatbot",
            "una persona",
        ],
    ),
    (
        "it",
        &[
            "grazie per niente",
            "grazie per nulla",
            "attesa infinita",
            "ore al telefono",
            "ora al telefono",
            "riattacc",
            "chatbot",
            "un operatore",
        ],
    ),
    (
        "pt",
        &[
            "obrigado por nada",
            "obrigada por nada",
            "em espera no",
            "minutos em espera",
            "horas em espera",
            "desligaram",
            "desliga na",
            "chatbot",
            "um humano",
            "um atendente",
        ],
    ),
    (
        "tr",
        &[
            "müşteri hizmetlerinde bekl",
            "çağrı merkezine ulaşılmıyor",
            "telefonu kapat",
            "yüzüme kapat",
            "chatbot",
        ],
    ),
    (
        "no",
        &[
            "takk for ingenting",
            "telefonkø",
            "legger dere på",
            "la dere på",
            "chatbot",
            "et menneske",
        ],
    ),
    (
        "ru",
        &[
            "горячей линии",
            "сброс",
            "не дозвониться",
            "чат-бот",
            "живым человеком",
        ],
    ),
    (
        "zh",
        &["打不通", "客服排队", "排了", "挂断", "挂了", "机器人客服"],
    ),
    (
        "ja",
        &[
            "電話が繋がらない",
            "電話がつながらない",
            "待ってやっと",
            "切れた",
            "チャットボット",
        ],
    ),
    (
        "ko",
        &[
            "기다리다 끊",
            "연결이 안",
            "전화 연결",
            "상담원 연결",
            "챗봇",
        ],
    ),
    ("th", &["รอสาย", "สายหลุด", "โทรไม่ติด", "แชทบอท"]),
];

const AIRLINE: [(fn() -> Intent, Table); 9] = [
    (Intent::baggage, BAGGAGE),
    (Intent::refund, REFUND),
    (Intent::rebooking, REBOOKING),
    (Intent::disruption, DISRUPTION),
    (Intent::check_in, CHECK_IN),
    (Intent::booking_change, BOOKING_CHANGE),
    (Intent::lost_and_found, LOST_AND_FOUND),
    (Intent::loyalty, LOYALTY),
    (Intent::purchase, PURCHASE),
];

/// Wheelchairs are not listed: posts that name one are nearly always about
/// assistance, not about a bag.
const BAGGAGE: Table = &[
    (
        "en",
        &[
            "baggage", "luggage", "<bag>", "<bags>", "suitcase", "carry-on", "stroller", "pram",
        ],
    ),
    (
        "nl",
        &["bagage", "koffer", "<tas>", "<tassen>", "kinderwagen"],
    ),
    ("de", &["gepäck", "koffer", "<tasche", "kinderwagen"]),
    ("fr", &["bagage", "valise", "poussette"]),
    ("es", &["equipaje", "maleta", "cochecito"]),
    ("it", &["bagagli", "valigi", "passeggino"]),
    (
        "pt",
        &["bagagem", "bagagens", "<malas>", "minha mala", "a mala"],
    ),
    ("tr", &["bagaj", "bavul", "valiz"]),
    ("no", &["bagasje", "koffert", "barnevogn"]),
    ("ru", &["багаж", "чемодан", "коляск"]),
    ("zh", &["行李", "箱子", "輪椅"]),
    ("ja", &["荷物", "スーツケース", "バゲージ", "ベビーカー"]),
    ("ko", &["수하물", "캐리어", "가방"]),
    ("th", &["กระเป๋า", "สัมภาระ", "รถเข็น"]),
];

const REFUND: Table = &[
    (
        "en",
        &[
            "voucher",
            "am i owed",
            "eu261",
            "refund",
            "money back",
            "reimburs",
            "compensation",
        ],
    ),
    (
        "nl",
        &[
            "wil ik graag terug",
            "wil ik terug",
            "terugbetal",
            "geld terug",
            "restitutie",
            "vergoeding",
            "compensatie",
        ],
    ),
    (
        "de",
        &[
            "gutschein",
            "erstattung",
            "erstatten",
            "geld zurück",
            "entschädigung",
        ],
    ),
    (
        "fr",
        &["bon d'achat", "rembours", "indemnisation", "dédommagement"],
    ),
    (
        "es",
        &[
            "<bono",
            "devuelvan el dinero",
            "devolvieran el dinero",
            "me devuelvan",
            "reembolso",
            "devolución",
            "indemnización",
            "compensación",
        ],
    ),
    ("it", &["rimbors", "risarcimento", "indennizzo"]),
    (
        "pt",
        &[
            "reembolso",
            "estorno",
            "devolução",
            "indenização",
            "compensação",
        ],
    ),
    ("tr", &["iade", "geri ödeme", "tazminat"]),
    (
        "no",
        &[
            "refusjon",
            "pengene tilbake",
            "tilbakebetal",
            "kompensasjon",
            "erstatning",
        ],
    ),
    (
        "ru",
        &[
            "ваучер",
            "возврат",
            "вернуть деньги",
            "верните деньги",
            "компенсаци",
        ],
    ),
    (
        "zh",
        &["退回来", "退回來", "退款", "退钱", "退錢", "赔偿", "賠償"],
    ),
    ("ja", &["バウチャー", "返金", "払い戻し", "払戻", "補償"]),
    ("ko", &["바우처", "환불", "보상"]),
    ("th", &["คืนเงิน", "เงินคืน", "ชดเชย"]),
];

const REBOOKING: Table = &[
    (
        "en",
        &[
            "rebook",
            "re-book",
            "cancel my",
            "new flight",
            "alternative flight",
            "another flight",
            "put me on",
            "on the next flight",
            "next available flight",
            "earlier flight",
            "later flight",
            "get me on",
        ],
    ),
    (
        "nl",
        &[
            "omboek",
            "andere vlucht",
            "nieuwe vlucht",
            "annuleren",
            "op de volgende vlucht",
            "eerdere vlucht",
            "latere vlucht",
            "zet me op",
            "omzetten",
        ],
    ),
    (
        "de",
        &[
            "umbuch",
            "anderen flug",
            "neuen flug",
            "stornier",
            "auf den nächsten flug",
            "auf den naechsten flug",
            "früheren flug",
            "späteren flug",
        ],
    ),
    (
        "fr",
        &[
            "vol plus tôt",
            "vol plus tot",
            "replacés",
            "replacé",
            "autre vol",
            "nouveau vol",
            "annuler ma",
            "annuler mon",
            "reprogramm",
            "sur le prochain vol",
            "mettre sur le",
            "me replacer",
        ],
    ),
    (
        "es",
        &[
            "vuelo antes",
            "vuelo más temprano",
            "vuelo mas temprano",
            "cambiadme",
            "cámbienme",
            "otro vuelo",
            "nuevo vuelo",
            "reubic",
            "cambiar de vuelo",
            "cancelar mi",
            "al siguiente vuelo",
            "al próximo vuelo",
            "al proximo vuelo",
            "ponerme en",
            "poner en el",
        ],
    ),
    (
        "it",
        &[
            "volo prima",
            "riproteg",
            "riprotez",
            "altro volo",
            "nuovo volo",
            "cancellare la",
            "cancellare il",
            "sul prossimo volo",
            "mettermi sul",
        ],
    ),
    (
        "pt",
        &[
            "voo mais cedo",
            "remarc",
            "outro voo",
            "novo voo",
            "reacomod",
            "cancelar minha",
            "cancelar o",
            "para o próximo voo",
            "para o proximo voo",
            "me colocar no",
            "me colocar em",
        ],
    ),
    (
        "tr",
        &[
            "daha erken",
            "uçuşuna alabilir",
            "başka bir uçuş",
            "yeni uçuş",
            "yeniden rezervasyon",
            "iptal etmek",
            "sonraki uçuşa",
            "sonraki ucusa",
            "sonraki sefere",
        ],
    ),
    (
        "no",
        &[
            "tidligere fly",
            "booke oss om",
            "ombook",
            "nytt fly",
            "annet fly",
            "avbestill",
            "på neste fly",
            "booke om",
            "booke meg om",
            "book meg om",
        ],
    ),
    (
        "ru",
        &[
            "более ранний рейс",
            "пересадят",
            "пересадите",
            "другой рейс",
            "новый рейс",
            "переоформ",
            "перебронир",
            "отменить бронь",
            "на следующий рейс",
            "на ближайший рейс",
            "пересадить",
            "посадить на",
        ],
    ),
    (
        "zh",
        &[
            "更早的航班",
            "早一点的航班",
            "改签",
            "改簽",
            "换航班",
            "換航班",
            "其他航班",
            "取消预订",
            "取消訂",
            "改到",
            "改乘",
        ],
    ),
    (
        "ja",
        &[
            "もっと早い便",
            "早い便に変更",
            "振替",
            "別の便",
            "予約の取り消し",
            "キャンセルしたい",
            "振り替え",
            "次の便に",
            "別便",
        ],
    ),
    (
        "ko",
        &[
            "더 빠른 편",
            "더 이른 편",
            "더 빠른 거",
            "더 빠른 비행기",
            "다음 비행기",
            "다른 항공편",
            "재예약",
            "대체 항공편",
            "예약 취소",
            "다음 비행기로",
            "다음 항공편으로",
            "다음 편으로",
        ],
    ),
    (
        "th",
        &[
            "ไฟลท์ที่เร็วกว่า",
            "เปลี่ยนเป็นไฟลท์",
            "เปลี่ยนไฟลท์",
            "เปลี่ยนเที่ยวบิน",
            "เที่ยวบินอื่น",
            "จองใหม่",
            "ยกเลิกการจอง",
        ],
    ),
];

const DISRUPTION: Table = &[
    (
        "en",
        &[
            "delay",
            "cancelled",
            "canceled",
            "cancellation",
            "strike",
            "weather",
            "storm",
            "<snow",
            "diverted",
            "grounded",
            "stranded",
            "stuck at",
            "outage",
            "missed connection",
            "missed my connection",
            "missed our connection",
            "hours late",
            "hrs late",
            "hour late",
            "mins late",
            "minutes late",
            "running late",
            "flight is late",
            "flight was late",
        ],
    ),
    (
        "nl",
        &[
            "vertraag",
            "vertraging",
            "geannuleerd",
            "annulering",
            "staking",
            "storm",
            "sneeuw",
            "vast op",
            "gestrand",
            "uitgevallen",
            "overstap gemist",
        ],
    ),
    (
        "de",
        &[
            "verspät",
            "annulliert",
            "gestrichen",
            "streik",
            "unwetter",
            "sturm",
            "schnee",
            "gestrandet",
            "ausgefallen",
            "anschluss verpasst",
        ],
    ),
    (
        "fr",
        &[
            "retard",
            "annulé",
            "annulation",
            "grève",
            "tempête",
            "neige",
            "bloqués",
            "correspondance",
        ],
    ),
    (
        "es",
        &[
            "retras",
            "cancelad",
            "cancelaron",
            "huelga",
            "tormenta",
            "nieve",
            "atrapad",
            "varad",
            "conexión",
        ],
    ),
    (
        "it",
        &[
            "ritard",
            "cancellat",
            "annullat",
            "sciopero",
            "tempesta",
            "neve",
            "bloccat",
            "coincidenza",
        ],
    ),
    (
        "pt",
        &[
            "atraso",
            "atrasad",
            "cancelad",
            "greve",
            "tempestade",
            "neve",
            "presos",
            "conexão",
        ],
    ),
    (
        "tr",
        &[
            "rötar",
            "gecik",
            "iptal",
            "grev",
            "fırtına",
            "mahsur",
            "aktarma",
        ],
    ),
    (
        "no",
        &[
            "forsink",
            "kansellert",
            "innstilt",
            "streik",
            "uvær",
            "storm",
            "snø",
            "sitter fast",
        ],
    ),
    (
        "ru",
        &[
            "задерж",
            "отмен",
            "забастовк",
            "шторм",
            "непогод",
            "застрял",
            "пересадк",
        ],
    ),
    (
        "zh",
        &[
            "延误", "延誤", "取消", "罢工", "罷工", "天气", "天氣", "暴风", "暴風", "被困", "晚点",
            "誤點", "转机", "轉機",
        ],
    ),
    (
        "ja",
        &[
            "遅延",
            "遅れ",
            "欠航",
            "運休",
            "ストライキ",
            "天候",
            "嵐",
            "台風",
            "足止め",
            "乗り継ぎ",
        ],
    ),
    (
        "ko",
        &[
            "지연", "결항", "취소", "파업", "날씨", "폭풍", "태풍", "환승",
        ],
    ),
    (
        "th",
        &[
            "ดีเลย์",
            "ล่าช้า",
            "ยกเลิก",
            "นัดหยุดงาน",
            "พายุ",
            "สภาพอากาศ",
            "ติดอยู่",
            "เที่ยวบินต่อ",
        ],
    ),
];

const CHECK_IN: Table = &[
    (
        "en",
        &[
            "check in",
            "check-in",
            "checkin",
            "boarding pass",
            "boarding card",
        ],
    ),
    (
        "nl",
        &["inchecken", "incheck", "instapkaart", "boardingpass"],
    ),
    ("de", &["einchecken", "bordkarte", "boardingpass"]),
    (
        "fr",
        &["enregistrement", "carte d'embarquement", "s'enregistrer"],
    ),
    (
        "es",
        &["facturar", "tarjeta de embarque", "pase de abordar"],
    ),
    ("it", &["carta d'imbarco", "carta di imbarco"]),
    ("pt", &["cartão de embarque", "bilhete de embarque"]),
    ("tr", &["biniş kartı"]),
    (
        "no",
        &[
            "innsjekk",
            "sjekke inn",
            "sjekker inn",
            "sjekket inn",
            "boardingkort",
            "ombordstigningskort",
        ],
    ),
    ("ru", &["регистрац", "зарегистрир", "посадочн"]),
    ("zh", &["值机", "值機", "登机牌", "登機證", "办理登机"]),
    ("ja", &["チェックイン", "搭乗券"]),
    ("ko", &["체크인", "탑승권"]),
    ("th", &["เช็คอิน", "บอร์ดดิ้งพาส", "บัตรขึ้นเครื่อง"]),
];

/// Seats count only with a verb of choosing or changing: a seat number in
/// a post about a forgotten phone or a broken screen is no booking change.
const BOOKING_CHANGE: Table = &[
    (
        "en",
        &[
            "special meal",
            "bassinet",
            "change my booking",
            "change my flight",
            "change my reservation",
            "change the date",
            "change the name",
            "change my return",
            "move my flight",
            "move my return",
            "name change",
            "seat selection",
            "seat change",
            "change my seat",
            "choose a seat",
            "choose my seat",
            "select a seat",
            "pick a seat",
            "reserve a seat",
            "add my",
            "add a",
            "modify",
        ],
    ),
    (
        "nl",
        &[
            "bij te boeken",
            "erbij boeken",
            "wijzig",
            "naamswijziging",
            "stoel kiezen",
            "stoel reserveren",
            "stoelkeuze",
            "stoel vastleggen",
            "andere stoel",
            "toevoegen",
            "boeking aanpassen",
            "omzetten naar",
            "verzetten",
        ],
    ),
    (
        "de",
        &[
            "babybett",
            "dazubuchen",
            "buchung ändern",
            "ändern",
            "änderung",
            "sitzplatz wählen",
            "sitzplatz reservieren",
            "sitzplatz ändern",
            "namensänderung",
            "hinzufügen",
            "vorverlegen",
            "verschieben",
        ],
    ),
    (
        "fr",
        &[
            "modifier",
            "modification",
            "changer",
            "choisir un siège",
            "choisir mon siège",
            "choix du siège",
            "réserver un siège",
            "ajouter",
            "décaler",
        ],
    ),
    (
        "es",
        &[
            "cambiar",
            "modificar",
            "elegir asiento",
            "elegir el asiento",
            "reservar asiento",
            "añadir",
            "agregar",
            "adelantar",
        ],
    ),
    (
        "it",
        &[
            "modificare",
            "cambiare",
            "scegliere il posto",
            "scelta del posto",
            "prenotare il posto",
            "aggiungere",
            "anticipare",
            "posticipare",
        ],
    ),
    (
        "pt",
        &[
            "alterar",
            "alteração",
            "mudar",
            "escolher assento",
            "escolher o assento",
            "marcar assento",
            "marcação de assento",
            "incluir",
            "adicionar",
            "antecipar",
        ],
    ),
    (
        "tr",
        &[
            "değiştir",
            "koltuk seç",
            "eklemek",
            "eklemem",
            "isim değişikliği",
            "düzelt",
        ],
    ),
    (
        "no",
        &[
            "endre",
            "endring",
            "velge sete",
            "bytte sete",
            "legge til",
            "navneendring",
        ],
    ),
    (
        "ru",
        &[
            "изменить",
            "изменени",
            "поменять",
            "выбрать место",
            "добавить",
            "исправить",
        ],
    ),
    (
        "zh",
        &[
            "特殊餐",
            "更改",
            "修改",
            "选座",
            "换座",
            "改名",
            "添加",
            "改期",
            "改日期",
            "改回程",
            "改航班",
        ],
    ),
    (
        "ja",
        &["バシネット", "変更", "座席指定", "席を指定", "追加"],
    ),
    (
        "ko",
        &["수정 가능", "변경", "좌석 지정", "좌석 선택", "추가"],
    ),
    (
        "th",
        &["เปลี่ยน", "เลือกที่นั่ง", "จองที่นั่ง", "เพิ่ม", "แก้ไข", "เลื่อนวัน"],
    ),
];

const LOST_AND_FOUND: Table = &[
    (
        "en",
        &[
            "left my",
            "left behind",
            "forgot my",
            "lost and found",
            "lost property",
            "lost my passport",
            "lost my phone",
            "lost my wallet",
            "lost my laptop",
            "lost my keys",
            "lost my glasses",
            "lost my jacket",
            "seat pocket",
        ],
    ),
    (
        "nl",
        &[
            "vergeten in",
            "laten liggen",
            "gevonden voorwerpen",
            "achtergelaten",
            "vergeten",
            "paspoort verloren",
            "telefoon verloren",
            "portemonnee verloren",
            "verloren in het vliegtuig",
        ],
    ),
    (
        "de",
        &[
            "vergessen",
            "liegen lassen",
            "liegengelassen",
            "fundbüro",
            "fundsachen",
            "pass verloren",
            "handy verloren",
            "geldbörse verloren",
            "im flugzeug verloren",
        ],
    ),
    (
        "fr",
        &[
            "oublié",
            "objets trouvés",
            "laissé",
            "perdu mon passeport",
            "perdu mon téléphone",
            "perdu mon portefeuille",
            "perdu mon telephone",
        ],
    ),
    (
        "es",
        &[
            "olvidé",
            "me dejé",
            "objetos perdidos",
            "olvidado",
            "perdí mi pasaporte",
            "perdi mi pasaporte",
            "perdí mi móvil",
            "perdí mi celular",
            "perdí mi cartera",
        ],
    ),
    (
        "it",
        &[
            "dimenticat",
            "oggetti smarriti",
            "perso il passaporto",
            "perso il telefono",
            "perso il portafoglio",
        ],
    ),
    (
        "pt",
        &[
            "esqueci",
            "achados e perdidos",
            "deixei",
            "perdi meu passaporte",
            "perdi o passaporte",
            "perdi meu celular",
            "perdi minha carteira",
        ],
    ),
    (
        "tr",
        &[
            "unuttum",
            "kayıp eşya",
            "bıraktım",
            "pasaportumu kaybettim",
            "telefonumu kaybettim",
            "cüzdanımı kaybettim",
            "cuzdanimi kaybettim",
        ],
    ),
    (
        "no",
        &[
            "glemte",
            "gjenglemt",
            "hittegods",
            "mistet passet",
            "mistet telefonen",
            "mistet lommeboka",
            "mistet lommeboken",
        ],
    ),
    (
        "ru",
        &[
            "забыл",
            "оставил",
            "бюро находок",
            "потерял паспорт",
            "потеряла паспорт",
            "потерял телефон",
            "потеряла телефон",
            "потерял кошел",
            "потеряла кошел",
        ],
    ),
    (
        "zh",
        &[
            "落在",
            "忘在",
            "遗失",
            "失物招领",
            "失物招領",
            "丢在",
            "护照丢",
            "丢了护照",
            "手机丢",
            "丢了手机",
            "钱包丢",
        ],
    ),
    (
        "ja",
        &[
            "忘れ",
            "落とし物",
            "遺失物",
            "パスポートをなく",
            "財布をなく",
            "携帯をなく",
            "スマホをなく",
        ],
    ),
    (
        "ko",
        &[
            "두고 내",
            "놓고 내",
            "분실물",
            "여권을 잃어버",
            "휴대폰을 잃어버",
            "지갑을 잃어버",
        ],
    ),
    (
        "th",
        &[
            "ลืม",
            "ของหาย",
            "ทิ้งไว้",
            "พาสปอร์ตหาย",
            "โทรศัพท์หาย",
            "กระเป๋าสตางค์หาย",
        ],
    ),
];

const LOYALTY: Table = &[
    (
        "en",
        &[
            "avios",
            "<elite",
            "<miles>",
            "<mileage",
            "frequent flyer",
            "<points>",
            "lounge",
            "flying blue",
            "membership",
            "gold status",
            "silver status",
            "platinum",
            "elite status",
        ],
    ),
    ("nl", &["<punten>", "lidmaatschap"]),
    ("de", &["<meilen>", "<punkte>", "vielflieger"]),
    ("fr", &["fidélité", "statut"]),
    (
        "es",
        &[
            "avios",
            "iberia plus",
            "número de socio",
            "numero de socio",
            "<millas>",
            "<puntos>",
            "fidelidad",
            "viajero frecuente",
        ],
    ),
    ("it", &["<miglia>", "<punti>", "fedeltà"]),
    (
        "pt",
        &[
            "no smiles",
            "do smiles",
            "programa smiles",
            "<milhas>",
            "<pontos>",
            "fidelidade",
        ],
    ),
    (
        "tr",
        &[
            "elite plus",
            "<mil>",
            "<puan",
            "sadakat",
            "statü",
            "miles&smiles",
        ],
    ),
    ("no", &["<poeng>", "bonuspoeng", "medlemskap", "eurobonus"]),
    (
        "ru",
        &[
            "золотой статус",
            "серебряный статус",
            "платинов",
            "<миль",
            "<мили>",
            "бонус",
            "программа лояльности",
        ],
    ),
    ("zh", &["里程", "裡程", "积分", "積分", "会员", "會員"]),
    ("ja", &["マイル", "ポイント", "会員", "ステータス"]),
    ("ko", &["마일리지", "마일", "포인트", "회원", "등급"]),
    ("th", &["ไมล์", "คะแนน", "สมาชิก"]),
];

/// Purchase intent. Phrases ask to buy or price something; a bare "price"
/// or "ticket" is left out on purpose (complaints mention them too).
const PURCHASE: Table = &[
    (
        "en",
        &[
            "how much is",
            "how much are",
            "how much does",
            "how much do",
            "how much would",
            "how much for",
            "what's the price",
            "what is the price",
            "price of a",
            "price for a",
            "prices for",
            "fare to",
            "fares to",
            "fares from",
            "ticket to",
            "tickets to",
            "tickets from",
            "book a flight",
            "book a ticket",
            "book flights",
            "book a trip",
            "want to book",
            "like to book",
            "buy a ticket",
            "buy tickets",
            "purchase a ticket",
            "<upgrade",
            "extra bag",
            "extra luggage",
            "additional bag",
            "add a bag",
            "add baggage",
            "add luggage",
            "flights to",
            "flights from",
            "any flights",
            "is there a flight",
            "seats available",
            "availability on",
        ],
    ),
    (
        "nl",
        &[
            "hoeveel kost",
            "wat kost",
            "wat kosten",
            "prijs van een",
            "prijs voor een",
            "ticket naar",
            "tickets naar",
            "vlucht boeken",
            "vluchten boeken",
            "ticket boeken",
            "wil boeken",
            "wil graag boeken",
            "vliegticket kopen",
            "ticket kopen",
            "tickets kopen",
            "upgraden",
            "<upgrade",
            "extra koffer",
            "extra bagage",
            "bagage bijkopen",
            "bijboeken",
            "vluchten naar",
            "vluchten van",
            "is er een vlucht",
        ],
    ),
    (
        "de",
        &[
            "wie viel kostet",
            "was kostet",
            "was kosten",
            "preis für",
            "preise für",
            "flug buchen",
            "flüge buchen",
            "möchte buchen",
            "ticket nach",
            "tickets nach",
            "ticket kaufen",
            "<upgrade",
            "zusätzliches gepäck",
            "extra gepäck",
            "gepäck dazubuchen",
            "flüge nach",
            "flüge von",
            "gibt es einen flug",
        ],
    ),
    (
        "fr",
        &[
            "combien coûte",
            "combien coute",
            "combien pour",
            "quel est le prix",
            "prix d'un billet",
            "prix du billet",
            "tarif pour",
            "réserver un vol",
            "reserver un vol",
            "réserver un billet",
            "voudrais réserver",
            "acheter un billet",
            "billet pour",
            "billets pour",
            "surclassement",
            "<upgrade",
            "bagage supplémentaire",
            "ajouter un bagage",
            "vols pour",
            "vols vers",
            "y a-t-il un vol",
        ],
    ),
    (
        "es",
        &[
            "cuánto cuesta",
            "cuanto cuesta",
            "cuánto vale",
            "cuanto vale",
            "precio de un",
            "precio del billete",
            "precio del vuelo",
            "reservar un vuelo",
            "quiero reservar",
            "comprar un billete",
            "comprar billetes",
            "comprar un boleto",
            "billete a",
            "billetes a",
            "boleto a",
            "mejora de clase",
            "<upgrade",
            "maleta extra",
            "equipaje adicional",
            "equipaje extra",
            "vuelos a",
            "vuelos desde",
            "hay vuelo",
        ],
    ),
    (
        "it",
        &[
            "quanto costa",
            "quanto costano",
            "prezzo del biglietto",
            "prezzo di un",
            "prenotare un volo",
            "vorrei prenotare",
            "acquistare un biglietto",
            "comprare un biglietto",
            "biglietto per",
            "biglietti per",
            "<upgrade",
            "bagaglio extra",
            "bagaglio aggiuntivo",
            "voli per",
            "voli da",
            "c'è un volo",
        ],
    ),
    (
        "pt",
        &[
            "quanto custa",
            "quanto custam",
            "preço da passagem",
            "preço do bilhete",
            "preço de uma",
            "reservar um voo",
            "quero reservar",
            "comprar passagem",
            "comprar uma passagem",
            "passagem para",
            "passagens para",
            "bilhete para",
            "<upgrade",
            "bagagem extra",
            "bagagem adicional",
            "mala extra",
            "voos para",
            "tem voo",
        ],
    ),
    (
        "tr",
        &[
            "ne kadar tutar",
            "kaç lira",
            "kaç euro",
            "bilet fiyat",
            "fiyatı nedir",
            "fiyatı ne kadar",
            "bilet almak",
            "bilet alabilir",
            "rezervasyon yapmak istiyorum",
            "<upgrade",
            "ekstra bagaj",
            "ek bagaj",
            "uçuş var mı",
            "için bilet",
        ],
    ),
    (
        "no",
        &[
            "hva koster",
            "hvor mye koster",
            "pris på",
            "bestille fly",
            "bestille billett",
            "vil bestille",
            "kjøpe billett",
            "billett til",
            "billetter til",
            "oppgradere",
            "oppgradering",
            "ekstra bagasje",
            "ekstra koffert",
            "flyreiser til",
            "avganger til",
        ],
    ),
    (
        "ru",
        &[
            "сколько стоит",
            "сколько стоят",
            "какая цена",
            "стоимость билет",
            "купить билет",
            "забронировать билет",
            "хочу забронировать",
            "билет в",
            "билеты в",
            "билет до",
            "билеты до",
            "повышение класса",
            "апгрейд",
            "дополнительный багаж",
            "рейсы в",
            "есть рейс",
        ],
    ),
    (
        "zh",
        &[
            "多少钱",
            "多少錢",
            "票价",
            "票價",
            "想订",
            "想訂",
            "我要订",
            "预订机票",
            "預訂機票",
            "订机票",
            "訂機票",
            "买机票",
            "買機票",
            "买票",
            "買票",
            "升舱",
            "升艙",
            "额外行李",
            "額外行李",
            "加购行李",
            "有没有航班",
            "有航班吗",
        ],
    ),
    (
        "ja",
        &[
            "いくらですか",
            "いくらでしょうか",
            "おいくら",
            "運賃",
            "値段",
            "予約したい",
            "予約できますか",
            "予約をお願い",
            "航空券を買",
            "チケットを買",
            "購入したい",
            "アップグレード",
            "追加の荷物",
            "荷物を追加",
            "便はありますか",
            "行きの便",
        ],
    ),
    (
        "ko",
        &[
            "얼마예요",
            "얼마인가요",
            "얼마에요",
            "얼마입니까",
            "가격이",
            "요금이",
            "예약하고 싶",
            "예약하려",
            "예약 가능",
            "항공권 구매",
            "항공권을 사",
            "표를 사",
            "업그레이드",
            "추가 수하물",
            "수하물 추가",
            "항공편 있나요",
            "가는 항공편",
        ],
    ),
    (
        "th",
        &[
            "ราคาตั๋ว",
            "ราคาเท่าไหร่",
            "ราคาเท่าไร",
            "กี่บาท",
            "ค่าตั๋ว",
            "อยากจอง",
            "ต้องการจอง",
            "จองตั๋ว",
            "จองเที่ยวบิน",
            "ซื้อตั๋ว",
            "อัพเกรด",
            "อัปเกรด",
            "สัมภาระเพิ่ม",
            "เที่ยวบินไป",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn airline_taxonomy_lists_the_eleven_labels_in_model_order() {
        let labels: Vec<String> = Taxonomy::airline()
            .rules
            .iter()
            .map(|r| r.label.to_string())
            .collect();
        assert_eq!(
            labels,
            [
                "baggage",
                "refund",
                "rebooking",
                "disruption",
                "check_in",
                "booking_change",
                "complaint",
                "compliment",
                "lost_and_found",
                "loyalty",
                "purchase"
            ]
        );
    }

    #[test]
    fn every_airline_label_has_phrases_in_all_fourteen_languages() {
        for rule in Taxonomy::airline().rules {
            for language in Language::REFERENCE_DESK {
                assert!(
                    rule.keywords.get(&language).is_some_and(|p| !p.is_empty()),
                    "{} has no {language} phrases",
                    rule.label
                );
            }
        }
    }

    #[test]
    fn open_problem_phrases_are_complaint_cues_left_out_of_the_complaint_label() {
        let complaint = Taxonomy::airline()
            .rules
            .into_iter()
            .find(|rule| rule.label == Intent::complaint())
            .unwrap();
        for (code, phrases) in NOT_A_COMPLAINT {
            let language: Language = code.parse().unwrap();
            let listed = &complaint.keywords[&language];
            for phrase in *phrases {
                // Each one is a cue (so it still makes a post a query) ...
                assert!(
                    cues(Cue::Complaint, language).contains(phrase),
                    "{code}: {phrase} is no complaint cue"
                );
                // ... that the complaint label does not use.
                assert!(!listed.iter().any(|p| p == phrase), "{code}: {phrase}");
            }
            assert!(listed.len() > phrases.len(), "{code}");
        }
    }

    #[test]
    fn with_rule_merges_phrases_into_an_existing_label() {
        let taxonomy = Taxonomy::airline().with_rule(
            IntentRule::new(Intent::baggage()).with_keywords(Language::ENGLISH, ["duffel"]),
        );
        assert_eq!(taxonomy.rules.len(), 11);
        assert!(taxonomy.rules[0].keywords[&Language::ENGLISH].contains(&"duffel".to_owned()));
    }
}
