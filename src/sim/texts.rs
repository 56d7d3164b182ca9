//! Message templates per language: what the generated customers write.
//!
//! Each language has six query templates (baggage, refund, rebooking,
//! disruption, check-in, a general booking question), two mention templates
//! (praise, chatter) and a nudge ("still waiting?") for repeat contacts.
//! `{flight}` is replaced by a flight number such as `KL1234`.

use crate::model::Language;
use std::fmt::Write as _;

/// The templates of one language.
pub(crate) struct LanguageTexts {
    pub(crate) language: Language,
    /// baggage, refund, rebooking, disruption, check_in, general question.
    pub(crate) queries: [&'static str; 6],
    /// praise, chatter.
    pub(crate) mentions: [&'static str; 2],
    /// A repeat contact from someone still waiting.
    pub(crate) nudge: &'static str,
}

/// Which query template an intent uses.
pub(crate) fn query_template_index(intent: &str) -> usize {
    match intent {
        "baggage" | "lost_and_found" => 0,
        "refund" => 1,
        "rebooking" | "booking_change" => 2,
        "disruption" => 3,
        "check_in" => 4,
        _ => 5,
    }
}

pub(crate) const TEXTS: [LanguageTexts; 14] = [
    LanguageTexts {
        language: Language::ENGLISH,
        queries: [
            "@KLM my bag did not arrive on {flight}, can you help?",
            "@KLM when will I get my refund for {flight}?",
            "@KLM can you rebook me on a later flight than {flight}?",
            "@KLM {flight} is cancelled, what are my options?",
            "@KLM I can't check in online for {flight}, please help",
            "@KLM I have a question about my booking, can you help?",
        ],
        mentions: [
            "Lovely crew on {flight} today, thank you @KLM!",
            "Boarding {flight} to Amsterdam with @KLM",
        ],
        nudge: "@KLM any update? Still waiting for an answer",
    },
    LanguageTexts {
        language: Language::DUTCH,
        queries: [
            "@KLM mijn koffer is niet aangekomen met {flight}, kunnen jullie helpen?",
            "@KLM wanneer krijg ik mijn geld terug voor {flight}?",
            "@KLM kunnen jullie mij omboeken naar een latere vlucht dan {flight}?",
            "@KLM {flight} is geannuleerd, wat zijn mijn opties?",
            "@KLM ik kan niet online inchecken voor {flight}, help alsjeblieft",
            "@KLM ik heb een vraag over mijn boeking, kunnen jullie helpen?",
        ],
        mentions: [
            "Top bemanning op {flight} vandaag, bedankt @KLM!",
            "Aan boord van {flight} naar Amsterdam met @KLM",
        ],
        nudge: "@KLM nog steeds geen antwoord? Ik wacht al lang",
    },
    LanguageTexts {
        language: Language::SPANISH,
        queries: [
            "@KLM mi maleta no llegó en el vuelo {flight}, ¿pueden ayudarme?",
            "@KLM ¿cuándo recibiré el reembolso de {flight}?",
            "@KLM ¿pueden cambiarme a un vuelo posterior a {flight}?",
            "@KLM el vuelo {flight} está cancelado, ¿qué opciones tengo?",
            "@KLM no puedo hacer el check-in en línea para {flight}, ayúdenme por favor",
            "@KLM tengo una pregunta sobre mi reserva, ¿pueden ayudarme?",
        ],
        mentions: [
            "¡Tripulación estupenda en el vuelo {flight} hoy, gracias @KLM!",
            "Embarcando en el vuelo {flight} a Ámsterdam con @KLM",
        ],
        nudge: "@KLM ¿todavía sin respuesta? Sigo esperando",
    },
    LanguageTexts {
        language: Language::FRENCH,
        queries: [
            "@KLM ma valise n'est pas arrivée avec le vol {flight}, pouvez-vous m'aider ?",
            "@KLM quand vais-je recevoir mon remboursement pour {flight} ?",
            "@KLM pouvez-vous me mettre sur un vol plus tard que {flight} ?",
            "@KLM le vol {flight} est annulé, quelles sont mes options ?",
            "@KLM je n'arrive pas à m'enregistrer en ligne pour {flight}, aidez-moi s'il vous plaît",
            "@KLM j'ai une question sur ma réservation, pouvez-vous m'aider ?",
        ],
        mentions: [
            "Équipage formidable sur le vol {flight} aujourd'hui, merci @KLM !",
            "Embarquement du vol {flight} pour Amsterdam avec @KLM",
        ],
        nudge: "@KLM toujours pas de réponse ? J'attends encore",
    },
    LanguageTexts {
        language: Language::GERMAN,
        queries: [
            "@KLM mein Koffer ist mit {flight} nicht angekommen, können Sie helfen?",
            "@KLM wann bekomme ich meine Erstattung für {flight}?",
            "@KLM können Sie mich auf einen späteren Flug als {flight} umbuchen?",
            "@KLM {flight} wurde gestrichen, welche Möglichkeiten habe ich?",
            "@KLM ich kann für {flight} nicht online einchecken, bitte helfen Sie mir",
            "@KLM ich habe eine Frage zu meiner Buchung, können Sie helfen?",
        ],
        mentions: [
            "Tolle Crew auf {flight} heute, danke @KLM!",
            "Boarding für {flight} nach Amsterdam mit @KLM",
        ],
        nudge: "@KLM immer noch keine Antwort? Ich warte noch",
    },
    LanguageTexts {
        language: Language::ITALIAN,
        queries: [
            "@KLM la mia valigia non è arrivata con il volo {flight}, potete aiutarmi?",
            "@KLM quando riceverò il rimborso per {flight}?",
            "@KLM potete spostarmi su un volo successivo a {flight}?",
            "@KLM il volo {flight} è cancellato, quali sono le mie opzioni?",
            "@KLM non riesco a fare il check-in online per {flight}, aiutatemi per favore",
            "@KLM ho una domanda sulla mia prenotazione, potete aiutarmi?",
        ],
        mentions: [
            "Equipaggio fantastico sul volo {flight} oggi, grazie @KLM!",
            "Imbarco sul volo {flight} per Amsterdam con @KLM",
        ],
        nudge: "@KLM ancora nessuna risposta? Sto ancora aspettando",
    },
    LanguageTexts {
        language: Language::PORTUGUESE,
        queries: [
            "@KLM a minha mala não chegou no voo {flight}, podem ajudar?",
            "@KLM quando vou receber o reembolso do voo {flight}?",
            "@KLM podem remarcar-me para um voo mais tarde que o {flight}?",
            "@KLM o voo {flight} foi cancelado, quais são as minhas opções?",
            "@KLM não consigo fazer o check-in online para o voo {flight}, ajudem por favor",
            "@KLM tenho uma dúvida sobre a minha reserva, podem ajudar?",
        ],
        mentions: [
            "Tripulação excelente no voo {flight} hoje, obrigado @KLM!",
            "Embarcando no voo {flight} para Amesterdão com a @KLM",
        ],
        nudge: "@KLM ainda sem resposta? Continuo à espera",
    },
    LanguageTexts {
        language: Language::NORWEGIAN,
        queries: [
            "@KLM kofferten min kom ikke frem med {flight}, kan dere hjelpe?",
            "@KLM når får jeg refusjonen for {flight}?",
            "@KLM kan dere booke meg om til et senere fly enn {flight}?",
            "@KLM {flight} er kansellert, hva er mulighetene mine?",
            "@KLM jeg får ikke sjekket inn på nett for {flight}, kan dere hjelpe meg?",
            "@KLM jeg har et spørsmål om bestillingen min, kan dere hjelpe?",
        ],
        mentions: [
            "Flott besetning på {flight} i dag, takk @KLM!",
            "Går om bord på {flight} til Amsterdam med @KLM",
        ],
        nudge: "@KLM fortsatt ikke noe svar? Jeg venter fortsatt",
    },
    LanguageTexts {
        language: Language::RUSSIAN,
        queries: [
            "@KLM мой чемодан не прилетел рейсом {flight}, можете помочь?",
            "@KLM когда я получу возврат денег за {flight}?",
            "@KLM можете пересадить меня на более поздний рейс, чем {flight}?",
            "@KLM рейс {flight} отменён, какие у меня варианты?",
            "@KLM не могу зарегистрироваться онлайн на {flight}, помогите пожалуйста",
            "@KLM у меня вопрос по бронированию, можете помочь?",
        ],
        mentions: [
            "Прекрасный экипаж на рейсе {flight} сегодня, спасибо @KLM!",
            "Посадка на рейс {flight} в Амстердам с @KLM",
        ],
        nudge: "@KLM до сих пор нет ответа? Я всё ещё жду",
    },
    LanguageTexts {
        language: Language::TURKISH,
        queries: [
            "@KLM bavulum {flight} uçuşuyla gelmedi, yardımcı olabilir misiniz?",
            "@KLM {flight} için iademi ne zaman alacağım?",
            "@KLM beni {flight} yerine daha geç bir uçuşa aktarabilir misiniz?",
            "@KLM {flight} uçuşu iptal edildi, seçeneklerim neler?",
            "@KLM {flight} için online check-in yapamıyorum, lütfen yardım edin",
            "@KLM rezervasyonumla ilgili bir sorum var, yardımcı olabilir misiniz?",
        ],
        mentions: [
            "Bugün {flight} uçuşunda harika bir ekip vardı, teşekkürler @KLM!",
            "@KLM ile Amsterdam'a giden {flight} uçuşuna biniyorum",
        ],
        nudge: "@KLM hâlâ cevap yok mu? Hâlâ bekliyorum",
    },
    LanguageTexts {
        language: Language::JAPANESE,
        queries: [
            "@KLM {flight}で預けたスーツケースが届きません。助けていただけますか？",
            "@KLM {flight}の払い戻しはいつになりますか？",
            "@KLM {flight}より後の便に変更できますか？",
            "@KLM {flight}が欠航になりました。どうすればいいですか？",
            "@KLM {flight}のオンラインチェックインができません。助けてください",
            "@KLM 予約について質問があります。教えていただけますか？",
        ],
        mentions: [
            "今日の{flight}の乗務員は最高でした。ありがとう@KLM！",
            "@KLM の{flight}でアムステルダムへ向かっています",
        ],
        nudge: "@KLM まだ返事がありません。待っています",
    },
    LanguageTexts {
        language: Language::KOREAN,
        queries: [
            "@KLM {flight} 편으로 부친 가방이 도착하지 않았어요. 도와주세요",
            "@KLM {flight} 환불은 언제 받을 수 있나요?",
            "@KLM {flight}보다 늦은 비행기로 변경할 수 있나요?",
            "@KLM {flight} 편이 결항되었어요. 어떻게 해야 하나요?",
            "@KLM {flight} 온라인 체크인이 안 돼요. 도와주세요",
            "@KLM 예약에 대해 질문이 있어요. 도와주실 수 있나요?",
        ],
        mentions: [
            "오늘 {flight} 승무원분들 최고였어요. 감사합니다 @KLM!",
            "@KLM {flight} 타고 암스테르담으로 갑니다",
        ],
        nudge: "@KLM 아직 답변이 없네요? 계속 기다리고 있어요",
    },
    LanguageTexts {
        language: Language::CHINESE,
        queries: [
            "@KLM 我的行李没有随{flight}到达，能帮忙吗？",
            "@KLM {flight}的退款什么时候能到？",
            "@KLM 能帮我改签到比{flight}更晚的航班吗？",
            "@KLM {flight}被取消了，我该怎么办？",
            "@KLM {flight}无法在线值机，请帮帮我",
            "@KLM 我对我的预订有疑问，能帮忙吗？",
        ],
        mentions: [
            "今天{flight}的机组人员太棒了，谢谢@KLM！",
            "正在登上@KLM 飞往阿姆斯特丹的{flight}",
        ],
        nudge: "@KLM 还是没有回复吗？我还在等",
    },
    LanguageTexts {
        language: Language::THAI,
        queries: [
            "@KLM กระเป๋าของฉันไม่มากับเที่ยวบิน {flight} ช่วยได้ไหมคะ",
            "@KLM จะได้รับเงินคืนสำหรับ {flight} เมื่อไหร่คะ",
            "@KLM เปลี่ยนเป็นเที่ยวบินหลัง {flight} ได้ไหมคะ",
            "@KLM เที่ยวบิน {flight} ถูกยกเลิก ฉันควรทำอย่างไรคะ",
            "@KLM เช็คอินออนไลน์สำหรับ {flight} ไม่ได้ ช่วยด้วยค่ะ",
            "@KLM มีคำถามเกี่ยวกับการจองค่ะ ช่วยได้ไหมคะ",
        ],
        mentions: [
            "ลูกเรือบนเที่ยวบิน {flight} วันนี้ดีมาก ขอบคุณ @KLM",
            "กำลังขึ้นเครื่อง {flight} ไปอัมสเตอร์ดัมกับ @KLM",
        ],
        nudge: "@KLM ยังไม่มีคำตอบเลยค่ะ ยังรออยู่",
    },
];

/// Where a template takes the flight number.
const FLIGHT_SLOT: &str = "{flight}";

/// A template with `{flight}` replaced by `KL` and a four-digit number.
pub(crate) fn fill(template: &str, flight: u32) -> String {
    // A byte search for the brace, not a substring search: this runs for
    // every generated message.
    let slot = template
        .match_indices('{')
        .map(|(at, _)| at)
        .find(|&at| template[at..].starts_with(FLIGHT_SLOT));
    match slot {
        Some(at) => {
            let mut text = String::with_capacity(template.len() + 4);
            text.push_str(&template[..at]);
            let _ = write!(text, "KL{:04}", flight % 10_000);
            text.push_str(&template[at + FLIGHT_SLOT.len()..]);
            text
        }
        None => template.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_language_has_templates_with_a_flight_slot() {
        for language in Language::REFERENCE_DESK {
            let texts = TEXTS.iter().find(|t| t.language == language);
            let texts = texts.unwrap_or_else(|| panic!("no templates for {language}"));
            for template in texts.queries.iter().take(5) {
                assert!(template.contains("{flight}"), "{language}: {template}");
            }
        }
    }

    /// Runs the real triage (configured as `klm_week --triage` does) over
    /// every template; returns the templates it takes for the other kind.
    fn misread_templates() -> Vec<String> {
        use crate::model::{ChannelKind, ChannelRef, Identity, InboundMessage, Kind, Visibility};
        use crate::triage::{Triage, TriageContext, TriageSettings};
        let settings = TriageSettings::default()
            .with_brand_handle("@KLM")
            .with_brand_name("KLM");
        let mut triage = Triage::new(settings).unwrap();
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
        let mut misread = Vec::new();
        let mut n = 0;
        for texts in &TEXTS {
            let expected = texts
                .queries
                .iter()
                .map(|t| (Kind::Query, *t))
                .chain(texts.mentions.iter().map(|t| (Kind::Mention, *t)));
            for (kind, template) in expected {
                n += 1;
                let message = InboundMessage::new(
                    ChannelRef::new(ChannelKind::X, "@KLM"),
                    format!("{n}"),
                    Identity::new(ChannelKind::X, format!("@c{n}")),
                    Visibility::Public,
                    fill(template, 1234),
                    at + chrono::Duration::hours(n),
                );
                let verdict = triage.classify(&message, &TriageContext::default());
                if verdict.kind != kind {
                    misread.push(format!(
                        "{}: {template:?} read as {:?} ({})",
                        texts.language,
                        verdict.kind,
                        verdict.reasons.join(", ")
                    ));
                }
            }
        }
        misread
    }

    #[test]
    fn the_real_triage_reads_every_public_template_as_its_kind() {
        let misread = misread_templates();
        assert!(misread.is_empty(), "{}", misread.join("\n"));
    }

    #[test]
    fn fill_puts_a_four_digit_flight_number_in_place() {
        assert_eq!(fill("{flight} is late", 601), "KL0601 is late");
        assert_eq!(fill("no slot", 1), "no slot");
    }
}
