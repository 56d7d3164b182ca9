//! The sales and satisfaction stage: opportunities from purchase intent,
//! offers, bookings linked back to them, and surveys after resolution.
//!
//! # Sales
//!
//! With [`EngineConfig::with_sales`](super::EngineConfig::with_sales), a
//! customer message whose classification carries the `purchase` intent
//! opens an opportunity on its conversation (`opportunity_opened`, one per
//! conversation; later purchase messages join it). The event records what
//! triage extracted and the skill routing must now require
//! ([`SalesSettings::skill`], default `sales` at level 1):
//! [`Engine::required_skills`] returns it for the conversation, which is
//! what the router reads when it builds the conversation's requirements
//! (the foundation's `SimpleRouter` has no skills and ignores it; the indexed
//! router takes it as `RouteRequirements::required_skills`). Because a new
//! conversation is queued and routed as soon as it opens, before the
//! opportunity (a reaction to the message) is recorded, routing requires
//! the same skill from a conversation that carries the `purchase` intent
//! and has no opportunity yet: a purchase question waits for a sales agent
//! rather than going to any free one. A conversation already assigned when
//! it becomes an opportunity stays with its agent (moving it is a
//! transfer); one still waiting is routed again under the new requirement,
//! keeping its arrival. No relaxation step lifts a required skill: with no
//! sales agent signed in, the conversation waits in its queue.
//!
//! An agent attaches an offer to a reply with [`Input::ReplyWithOffer`]
//! (`sales_offer_made`, after the reply's `reply_requested`). A booking reported
//! with [`Input::RecordBooking`] is linked, in this order:
//! 1. by its offer reference, to the opportunity of that offer;
//! 2. else by its customer identity, to that customer's latest opportunity
//!    opened no more than [`SalesSettings::attribution_window_secs`]
//!    (default 7 days) before the booking and not after it.
//!
//! A booking that links to nothing is refused ([`EngineError::UnmatchedBooking`])
//! and a booking code is recorded once. An opportunity is kept (for linking)
//! until the attribution window has passed since it opened and since its
//! last offer expired; then it is forgotten when a later opportunity opens.
//!
//! # Satisfaction (CSAT)
//!
//! With [`EngineConfig::with_csat`](super::EngineConfig::with_csat), a query
//! that is resolved gets a survey (with [`CsatSettings::auto_request`],
//! default on; else the application asks with [`Input::RequestSurvey`]). The
//! survey is a private message in the conversation's language, rendered
//! from the template [`CsatSettings::TEMPLATE`] of
//! [`CsatSettings::templates`] (texts in the fourteen reference languages by
//! default, English as fallback). It is not sent, and `survey_skipped` says
//! why, when the channel has no private messages or its messaging window
//! ([`CsatSettings::message_windows_secs`]: 24 hours after the customer's
//! last message on WhatsApp, Messenger and Instagram by default) has
//! closed. One survey per conversation.
//!
//! [`Input::SurveyResponse`] records the score (1 to 5) and comment
//! (`survey_answered`) within [`CsatSettings::response_window_secs`]
//! (default 7 days). It reopens nothing; escalation then evaluates the
//! conversation (even resolved) with the answer as a fact, and only rules
//! that look at it ([`Condition::CsatAtOrBelow`](crate::escalation::Condition::CsatAtOrBelow))
//! may fire on a finished conversation — a low score with a comment can
//! notify a supervisor. Unanswered surveys are forgotten after the response
//! window.

use super::config::EngineConfig;
use super::event::{ConversionLink, EventPayload, SurveySkipReason};
use super::ids::IdGenerator;
use super::input::Input;
use super::state::{ConversationRecord, EngineState};
use super::{Engine, EngineError};
use crate::model::{
    AgentId, ChannelKind, ConversationId, CsatScore, CustomerId, Intent, Language, MessageId,
    OpportunityId, OutboundId, OutboundMessage, PurchaseDetails, SalesOffer, Skill, Status,
    SurveyId, Visibility,
};
use crate::routing::FastMap;
use crate::sla::{ClockStatus, SlaTarget};
use crate::template::{TemplateLibrary, TemplateVars};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a desk sells: the skill purchase conversations need, and how long a
/// booking without an offer reference may come after an opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SalesSettings {
    /// The skill (and minimum level, 1 to 5) an opportunity's conversation
    /// requires from agents; `None` leaves routing as it was.
    pub skill: Option<(Skill, u8)>,
    /// How long after an opportunity opens a booking of the same customer
    /// without an offer reference is credited to it (seconds; default 7 days).
    pub attribution_window_secs: u64,
}

impl Default for SalesSettings {
    fn default() -> Self {
        SalesSettings {
            skill: Some((Skill::new("sales"), 1)),
            attribution_window_secs: 7 * 24 * 3600,
        }
    }
}

/// How a desk asks for satisfaction: when, in which words, through which
/// windows, and for how long answers count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CsatSettings {
    /// Request a survey when a query is resolved (default true).
    pub auto_request: bool,
    /// The survey texts: template [`CsatSettings::TEMPLATE`], per language.
    /// Variables available: `customer.name` (empty when unknown) and
    /// `language`.
    pub templates: TemplateLibrary,
    /// Per network, how long after the customer's last message the brand may
    /// still write freely (seconds); networks not listed have no window.
    pub message_windows_secs: BTreeMap<ChannelKind, u64>,
    /// How long a survey accepts an answer (seconds; default 7 days).
    pub response_window_secs: u64,
}

impl CsatSettings {
    /// The template name of the survey text.
    pub const TEMPLATE: &'static str = "csat_survey";
}

/// The default survey texts, one per reference language.
const SURVEY_TEXTS: &[(Language, &str)] = &[
    (Language::ENGLISH, "How did we do? Reply with a score from 1 (poor) to 5 (excellent), and tell us why if you like."),
    (Language::DUTCH, "Hoe hebben we het gedaan? Antwoord met een cijfer van 1 (slecht) tot 5 (uitstekend), en vertel ons gerust waarom."),
    (Language::GERMAN, "Wie zufrieden waren Sie? Antworten Sie mit einer Zahl von 1 (schlecht) bis 5 (ausgezeichnet) und sagen Sie uns gern, warum."),
    (Language::FRENCH, "Comment nous sommes-nous débrouillés ? Répondez par une note de 1 (mauvais) à 5 (excellent), et dites-nous pourquoi si vous le souhaitez."),
    (Language::SPANISH, "¿Qué tal lo hicimos? Responda con una nota del 1 (mal) al 5 (excelente) y cuéntenos por qué si lo desea."),
    (Language::ITALIAN, "Come ci siamo comportati? Rispondi con un voto da 1 (scarso) a 5 (eccellente) e, se vuoi, dicci perché."),
    (Language::PORTUGUESE, "Como nos saímos? Responda com uma nota de 1 (ruim) a 5 (excelente) e, se quiser, diga-nos porquê."),
    (Language::TURKISH, "Nasıl yardımcı olduk? 1 (kötü) ile 5 (mükemmel) arasında bir puanla yanıtlayın, dilerseniz nedenini de yazın."),
    (Language::NORWEGIAN, "Hvordan gjorde vi det? Svar med en karakter fra 1 (dårlig) til 5 (utmerket), og fortell oss gjerne hvorfor."),
    (Language::RUSSIAN, "Как мы справились? Ответьте оценкой от 1 (плохо) до 5 (отлично) и, если хотите, расскажите почему."),
    (Language::CHINESE, "您对我们的服务满意吗？请回复 1（差）到 5（非常好）的分数，也欢迎告诉我们原因。"),
    (Language::JAPANESE, "対応はいかがでしたか？1（不満）から5（大変満足）の数字でご返信ください。理由もお聞かせいただけると幸いです。"),
    (Language::KOREAN, "저희 응대는 어떠셨나요? 1(나쁨)부터 5(매우 좋음)까지 점수로 답해 주시고, 원하시면 이유도 알려 주세요."),
    (Language::THAI, "บริการของเราเป็นอย่างไรบ้าง? โปรดตอบกลับด้วยคะแนน 1 (แย่) ถึง 5 (ยอดเยี่ยม) และบอกเหตุผลได้หากต้องการ"),
];

/// How long a survey waits for its answer unless configured: a week.
const DEFAULT_SURVEY_RESPONSE_WINDOW_SECS: u64 = 7 * 24 * 3600;

impl Default for CsatSettings {
    fn default() -> Self {
        let mut templates = TemplateLibrary::new(vec![Language::ENGLISH]);
        for (language, text) in SURVEY_TEXTS {
            // The library's own texts have no variables: inserting cannot fail
            // (a unit test renders every one).
            let _ = templates.insert(CsatSettings::TEMPLATE, *language, *text);
        }
        let day = 24 * 3600;
        CsatSettings {
            auto_request: true,
            templates,
            message_windows_secs: [
                (ChannelKind::Whatsapp, day),
                (ChannelKind::Facebook, day),
                (ChannelKind::Instagram, day),
            ]
            .into_iter()
            .collect(),
            response_window_secs: DEFAULT_SURVEY_RESPONSE_WINDOW_SECS,
        }
    }
}

/// A sales opportunity as the engine keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opportunity {
    /// Its id.
    pub id: OpportunityId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The customer.
    pub customer: CustomerId,
    /// The network.
    pub channel: ChannelKind,
    /// The language, when known.
    pub language: Option<Language>,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// What triage extracted.
    pub details: Option<Box<PurchaseDetails>>,
    /// The skill routing requires for it.
    pub required_skill: Option<(Skill, u8)>,
    /// Offers made, oldest first, with the agent who made each.
    pub offers: Vec<(AgentId, SalesOffer)>,
    /// Booking codes linked to it.
    pub bookings: Vec<String>,
}

impl Opportunity {
    /// Until when it is kept for linking bookings.
    fn keep_until(&self, window: Duration) -> DateTime<Utc> {
        let last_expiry = self
            .offers
            .iter()
            .map(|(_, offer)| offer.expires_at)
            .max()
            .unwrap_or(self.opened_at);
        self.opened_at.max(last_expiry) + window
    }
}

/// A survey as the engine keeps it until it is answered or forgotten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    /// Its id.
    pub id: SurveyId,
    /// The conversation.
    pub conversation: ConversationId,
    /// When it was requested.
    pub requested_at: DateTime<Utc>,
    /// The answer, once given.
    pub score: Option<CsatScore>,
    /// Whether the answer came with a comment.
    pub with_comment: bool,
}

/// The stage's slice of the engine state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SalesState {
    /// Opportunities by id (ids are time-ordered, so oldest first).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    opportunities: BTreeMap<OpportunityId, Opportunity>,
    /// The opportunity of each conversation.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    by_conversation: BTreeMap<ConversationId, OpportunityId>,
    /// Offer reference → opportunity.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    offers: BTreeMap<String, OpportunityId>,
    /// Booking codes recorded (while their opportunity is kept).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    bookings: BTreeMap<String, OpportunityId>,
    /// Surveys by id (time-ordered).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    surveys: BTreeMap<SurveyId, Survey>,
    /// The survey of each conversation (a hash map: escalation looks here
    /// on every change to a conversation).
    #[serde(
        default,
        skip_serializing_if = "FastMap::is_empty",
        with = "crate::routing::sorted_map"
    )]
    surveyed: FastMap<ConversationId, SurveyId>,
}

impl SalesState {
    /// The survey answer of a conversation, as escalation sees it.
    pub(crate) fn csat_fact(
        &self,
        conversation: ConversationId,
    ) -> Option<crate::escalation::CsatFact> {
        let survey = self.surveys.get(self.surveyed.get(&conversation)?)?;
        survey.score.map(|score| crate::escalation::CsatFact {
            score: score.get(),
            with_comment: survey.with_comment,
        })
    }

    /// The skills a conversation requires because it is an opportunity.
    pub(crate) fn required_skills(&self, conversation: ConversationId) -> Vec<(Skill, u8)> {
        self.by_conversation
            .get(&conversation)
            .and_then(|id| self.opportunities.get(id))
            .and_then(|o| o.required_skill.clone())
            .into_iter()
            .collect()
    }
}

/// The skills routing requires for a conversation because of sales: its
/// opportunity's (as the `opportunity_opened` event recorded it), or, while
/// it has none, the configured sales skill when the conversation carries
/// the `purchase` intent. The second case matters because the opportunity
/// is a reaction to the customer's message, and a new conversation is
/// queued and routed as soon as it opens: without it, a purchase question
/// would be given to any free agent before its opportunity required the
/// sales skill.
pub(crate) fn routing_skills(
    config: &EngineConfig,
    sales: &SalesState,
    record: &ConversationRecord,
) -> Vec<(Skill, u8)> {
    let id = record.conversation.id;
    if sales.by_conversation.contains_key(&id) {
        return sales.required_skills(id);
    }
    match config.sales.as_ref().and_then(|s| s.skill.clone()) {
        Some(skill)
            if record
                .conversation
                .intents
                .binary_search(&Intent::purchase())
                .is_ok() =>
        {
            vec![skill]
        }
        _ => Vec::new(),
    }
}

fn secs(value: u64) -> Duration {
    Duration::seconds(
        i64::try_from(value)
            .unwrap_or(i64::MAX / 1000)
            .min(100 * 366 * 86_400),
    )
}

impl Engine {
    /// The opportunity with this id, while it is kept.
    pub fn opportunity(&self, id: OpportunityId) -> Option<&Opportunity> {
        self.state.sales.opportunities.get(&id)
    }

    /// The opportunity of a conversation, if it has one.
    pub fn opportunity_of(&self, conversation: ConversationId) -> Option<&Opportunity> {
        let id = self.state.sales.by_conversation.get(&conversation)?;
        self.state.sales.opportunities.get(id)
    }

    /// The survey with this id, while it is kept.
    pub fn survey(&self, id: SurveyId) -> Option<&Survey> {
        self.state.sales.surveys.get(&id)
    }

    /// The skills (with minimum levels) routing must require for a
    /// conversation because it is a sales opportunity, or carries the
    /// `purchase` intent while sales are configured (empty otherwise).
    pub fn required_skills(&self, conversation: ConversationId) -> Vec<(Skill, u8)> {
        match self.state.conversations.get(&conversation) {
            Some(record) => routing_skills(&self.config, &self.state.sales, record),
            None => self.state.sales.required_skills(conversation),
        }
    }

    /// Decides the sales and survey inputs.
    pub(super) fn decide_sales(
        &self,
        now: DateTime<Utc>,
        ids: &mut IdGenerator,
        input: Input,
    ) -> Result<Vec<EventPayload>, EngineError> {
        match input {
            Input::ReplyWithOffer { reply, offer } => {
                let settings = self
                    .config
                    .sales
                    .as_ref()
                    .ok_or(EngineError::SalesNotConfigured)?;
                offer.validate().map_err(EngineError::InvalidSalesData)?;
                if offer.expires_at <= now {
                    return Err(EngineError::OfferExpired);
                }
                if self.state.sales.offers.contains_key(&offer.reference) {
                    return Err(EngineError::DuplicateOffer(offer.reference));
                }
                let (conversation, agent) = (reply.conversation, reply.agent);
                let mut events = self.decide_reply(now, ids, reply)?;
                let Some(message) = events.iter().find_map(|e| match e {
                    EventPayload::ReplyRequested { message, .. } => Some(*message),
                    _ => None,
                }) else {
                    // Blocked or held for approval: nothing reached the customer.
                    return Ok(events);
                };
                let opportunity = match self.state.sales.by_conversation.get(&conversation) {
                    Some(id) => *id,
                    None => {
                        let record = self
                            .state
                            .conversations
                            .get(&conversation)
                            .ok_or(EngineError::UnknownConversation(conversation))?;
                        let opened = open_opportunity(settings, record, ids, now, None);
                        let id = match &opened {
                            EventPayload::OpportunityOpened { opportunity, .. } => *opportunity,
                            _ => return Err(EngineError::UnknownConversation(conversation)),
                        };
                        events.push(opened);
                        id
                    }
                };
                events.push(EventPayload::SalesOfferMade {
                    opportunity,
                    conversation,
                    agent,
                    message,
                    offer,
                });
                Ok(events)
            }
            Input::RecordBooking { booking } => {
                let settings = self
                    .config
                    .sales
                    .as_ref()
                    .ok_or(EngineError::SalesNotConfigured)?;
                booking.validate().map_err(EngineError::InvalidSalesData)?;
                let sales = &self.state.sales;
                if sales.bookings.contains_key(&booking.booking_code) {
                    return Err(EngineError::DuplicateBooking(booking.booking_code));
                }
                let (opportunity, linked_by) = match &booking.offer_reference {
                    Some(reference) => (
                        *sales
                            .offers
                            .get(reference)
                            .ok_or_else(|| EngineError::UnknownOffer(reference.clone()))?,
                        ConversionLink::OfferReference,
                    ),
                    None => {
                        let customer = booking
                            .identity
                            .as_ref()
                            .and_then(|identity| self.state.customer_of(identity))
                            .ok_or(EngineError::UnmatchedBooking)?;
                        let window = secs(settings.attribution_window_secs);
                        let found = sales
                            .opportunities
                            .values()
                            .rev()
                            .find(|o| {
                                o.customer == customer
                                    && o.opened_at <= booking.booked_at
                                    && booking.booked_at - o.opened_at <= window
                            })
                            .ok_or(EngineError::UnmatchedBooking)?;
                        (found.id, ConversionLink::CustomerWindow)
                    }
                };
                let record = sales
                    .opportunities
                    .get(&opportunity)
                    .ok_or(EngineError::UnmatchedBooking)?;
                let agent = booking
                    .offer_reference
                    .as_ref()
                    .and_then(|r| record.offers.iter().find(|(_, o)| &o.reference == r))
                    .or(record.offers.last())
                    .map(|(agent, _)| *agent);
                Ok(vec![EventPayload::ConversionRecorded {
                    opportunity,
                    conversation: record.conversation,
                    agent,
                    linked_by,
                    booking: Box::new(booking),
                }])
            }
            Input::RequestSurvey { conversation } => {
                let settings = self
                    .config
                    .csat
                    .as_ref()
                    .ok_or(EngineError::CsatNotConfigured)?;
                let record = self
                    .state
                    .conversations
                    .get(&conversation)
                    .ok_or(EngineError::UnknownConversation(conversation))?;
                if !matches!(
                    record.conversation.status,
                    Status::Resolved | Status::Closed { .. }
                ) {
                    return Err(EngineError::NotResolved(conversation));
                }
                if self.state.sales.surveyed.contains_key(&conversation) {
                    return Err(EngineError::AlreadySurveyed(conversation));
                }
                Ok(vec![survey_for(
                    &self.config,
                    &self.state,
                    settings,
                    record,
                    ids,
                    now,
                )])
            }
            Input::SurveyResponse {
                survey,
                score,
                comment,
            } => {
                let settings = self
                    .config
                    .csat
                    .as_ref()
                    .ok_or(EngineError::CsatNotConfigured)?;
                let score = CsatScore::new(score).map_err(EngineError::InvalidSalesData)?;
                let known = self
                    .state
                    .sales
                    .surveys
                    .get(&survey)
                    .ok_or(EngineError::UnknownSurvey(survey))?;
                if known.score.is_some() {
                    return Err(EngineError::SurveyAnswered(survey));
                }
                if now > known.requested_at + secs(settings.response_window_secs) {
                    return Err(EngineError::SurveyExpired(survey));
                }
                let comment = comment
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty());
                if let Some(text) = &comment {
                    self.check_text(text, false)?;
                }
                Ok(vec![EventPayload::SurveyAnswered {
                    survey,
                    conversation: known.conversation,
                    score,
                    comment,
                }])
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// The `opportunity_opened` event for a conversation.
fn open_opportunity(
    settings: &SalesSettings,
    record: &ConversationRecord,
    ids: &mut IdGenerator,
    now: DateTime<Utc>,
    details: Option<Box<PurchaseDetails>>,
) -> EventPayload {
    let c = &record.conversation;
    EventPayload::OpportunityOpened {
        opportunity: OpportunityId(ids.mint(now)),
        conversation: c.id,
        customer: c.customer,
        channel: c.channel.kind,
        language: c.language,
        conversation_opened_at: c.opened_at.get(),
        details,
        required_skill: settings.skill.clone(),
    }
}

/// The survey for a finished conversation: requested, or skipped with why.
fn survey_for(
    config: &EngineConfig,
    state: &EngineState,
    settings: &CsatSettings,
    record: &ConversationRecord,
    ids: &mut IdGenerator,
    now: DateTime<Utc>,
) -> EventPayload {
    let c = &record.conversation;
    let skip = |reason| EventPayload::SurveySkipped {
        conversation: c.id,
        reason,
    };
    let allows_private = config
        .channel_settings(&c.channel)
        .map_or_else(
            || crate::model::Capabilities::for_kind(c.channel.kind),
            |s| s.capabilities.clone(),
        )
        .allows(Visibility::Private);
    if !allows_private {
        return skip(SurveySkipReason::NoPrivateMessages);
    }
    if let Some(window) = settings.message_windows_secs.get(&c.channel.kind) {
        if now - c.last_customer_message_at.get() > secs(*window) {
            return skip(SurveySkipReason::WindowClosed {
                last_customer_message_at: c.last_customer_message_at.get(),
                window_secs: *window,
            });
        }
    }
    let customer = state.customers.get(&c.customer);
    let language = c
        .language
        .or_else(|| customer.and_then(|c| c.language))
        .unwrap_or(Language::ENGLISH);
    let vars = TemplateVars::new()
        .with(
            TemplateVars::CUSTOMER_NAME,
            customer.and_then(|c| c.name()).unwrap_or_default(),
        )
        .with("language", language.as_str());
    let Ok(rendered) = settings
        .templates
        .render(CsatSettings::TEMPLATE, language, &vars)
    else {
        return skip(SurveySkipReason::NoTemplate);
    };
    let promise_kept = record.sla().and_then(|sla| {
        sla.clocks
            .iter()
            .find(|clock| clock.target == SlaTarget::FirstResponse)
            .and_then(|clock| match (clock.breached_at, clock.status) {
                (Some(_), _) => Some(false),
                (None, ClockStatus::Met) => Some(true),
                _ => None,
            })
    });
    let (recipient, _) = record.reply_address();
    let survey = SurveyId(ids.mint(now));
    let message = MessageId(ids.mint(now));
    let outbound = OutboundId(ids.mint(now));
    EventPayload::SurveyRequested {
        survey,
        conversation: c.id,
        message,
        channel: c.channel.kind,
        language: rendered.language_used,
        agent: c.assignee.or_else(|| {
            record
                .messages
                .iter()
                .rev()
                .find_map(super::record::StoredMessage::agent_reply)
        }),
        first_response_secs: c
            .first_response_at
            .map(|at| u64::try_from((at.get() - c.opened_at.get()).num_seconds()).unwrap_or(0)),
        promise_kept,
        outbound: Box::new(OutboundMessage {
            id: outbound,
            channel: c.channel.to_channel_ref(),
            recipient,
            visibility: Visibility::Private,
            text: rendered.text.into(),
            in_reply_to: None,
            attachments: Vec::new(),
        }),
    }
}

/// Reactions: an opportunity when a purchase message arrives; a survey when
/// a query is resolved.
pub(super) fn reactions(
    config: &EngineConfig,
    state: &EngineState,
    now: DateTime<Utc>,
    payload: &EventPayload,
    out: &mut Vec<EventPayload>,
) {
    match payload {
        EventPayload::MessageReceived {
            conversation,
            classification,
            ..
        } => {
            let Some(settings) = &config.sales else {
                return;
            };
            let purchase = Intent::purchase();
            if !classification.intents.contains(&purchase)
                || state.sales.by_conversation.contains_key(conversation)
            {
                return;
            }
            if let Some(record) = state.conversations.get(conversation) {
                let mut ids = state.ids;
                out.push(open_opportunity(
                    settings,
                    record,
                    &mut ids,
                    now,
                    classification.purchase.clone(),
                ));
            }
        }
        EventPayload::StatusChanged {
            conversation,
            to: Status::Resolved,
            ..
        } => {
            let Some(settings) = config.csat.as_ref().filter(|s| s.auto_request) else {
                return;
            };
            let Some(record) = state.conversations.get(conversation) else {
                return;
            };
            if record.conversation.kind != crate::model::Kind::Query
                || state.sales.surveyed.contains_key(conversation)
            {
                return;
            }
            let mut ids = state.ids;
            out.push(survey_for(config, state, settings, record, &mut ids, now));
        }
        _ => {}
    }
}

/// Folds the stage's events into its slice of the state.
pub(super) fn apply(
    state: &mut EngineState,
    config: &EngineConfig,
    at: DateTime<Utc>,
    payload: &EventPayload,
) {
    match payload {
        EventPayload::OpportunityOpened {
            opportunity,
            conversation,
            customer,
            channel,
            language,
            details,
            required_skill,
            ..
        } => {
            state.ids.observe(opportunity.as_uuid());
            let window = secs(
                config
                    .sales
                    .as_ref()
                    .map_or(SalesSettings::default().attribution_window_secs, |s| {
                        s.attribution_window_secs
                    }),
            );
            forget_old_opportunities(&mut state.sales, at, window);
            let sales = &mut state.sales;
            sales.opportunities.insert(
                *opportunity,
                Opportunity {
                    id: *opportunity,
                    conversation: *conversation,
                    customer: *customer,
                    channel: *channel,
                    language: *language,
                    opened_at: at,
                    details: details.clone(),
                    required_skill: required_skill.clone(),
                    offers: Vec::new(),
                    bookings: Vec::new(),
                },
            );
            sales.by_conversation.insert(*conversation, *opportunity);
        }
        EventPayload::SalesOfferMade {
            opportunity,
            agent,
            offer,
            ..
        } => {
            let sales = &mut state.sales;
            if let Some(o) = sales.opportunities.get_mut(opportunity) {
                o.offers.push((*agent, offer.clone()));
            }
            sales.offers.insert(offer.reference.clone(), *opportunity);
        }
        EventPayload::ConversionRecorded {
            opportunity,
            booking,
            ..
        } => {
            let sales = &mut state.sales;
            if let Some(o) = sales.opportunities.get_mut(opportunity) {
                o.bookings.push(booking.booking_code.clone());
            }
            sales
                .bookings
                .insert(booking.booking_code.clone(), *opportunity);
        }
        EventPayload::SurveyRequested {
            survey,
            conversation,
            message,
            outbound,
            ..
        } => {
            state.ids.observe(survey.as_uuid());
            state.ids.observe(message.as_uuid());
            state.ids.observe(outbound.id.as_uuid());
            let window = secs(
                config
                    .csat
                    .as_ref()
                    .map_or(DEFAULT_SURVEY_RESPONSE_WINDOW_SECS, |s| {
                        s.response_window_secs
                    }),
            );
            forget_old_surveys(&mut state.sales, at, window);
            let channel = config
                .channel_index(&outbound.channel)
                .and_then(|i| u16::try_from(i).ok())
                .unwrap_or(u16::MAX);
            state.pending_sends.insert(
                outbound.id,
                super::state::PendingSend {
                    conversation: *conversation,
                    message: *message,
                    channel,
                    attempted: false,
                },
            );
            state.sales.surveys.insert(
                *survey,
                Survey {
                    id: *survey,
                    conversation: *conversation,
                    requested_at: at,
                    score: None,
                    with_comment: false,
                },
            );
            state.sales.surveyed.insert(*conversation, *survey);
        }
        EventPayload::SurveyAnswered {
            survey,
            score,
            comment,
            ..
        } => {
            if let Some(s) = state.sales.surveys.get_mut(survey) {
                s.score = Some(*score);
                s.with_comment = comment.is_some();
            }
        }
        EventPayload::ConversationArchived { conversation } => {
            // The conversation leaves the hot state; its opportunity stays
            // (for linking) until forgotten, but no longer routes anything.
            let sales = &mut state.sales;
            if let Some(id) = sales.by_conversation.remove(conversation) {
                if let Some(o) = sales.opportunities.get_mut(&id) {
                    o.required_skill = None;
                }
            }
            if let Some(id) = sales.surveyed.get(conversation).copied() {
                if sales.surveys.get(&id).is_some_and(|s| s.score.is_some()) {
                    sales.surveyed.remove(conversation);
                    sales.surveys.remove(&id);
                }
            }
        }
        EventPayload::CustomersMerged { survivor, merged } => {
            for o in state.sales.opportunities.values_mut() {
                if o.customer == *merged {
                    o.customer = *survivor;
                }
            }
        }
        _ => {}
    }
}

/// Forgets opportunities (oldest first) whose linking time has passed.
fn forget_old_opportunities(sales: &mut SalesState, at: DateTime<Utc>, window: Duration) {
    while let Some((id, o)) = sales.opportunities.first_key_value() {
        if o.keep_until(window) >= at {
            break;
        }
        let id = *id;
        if let Some(o) = sales.opportunities.remove(&id) {
            for (_, offer) in &o.offers {
                sales.offers.remove(&offer.reference);
            }
            for code in &o.bookings {
                sales.bookings.remove(code);
            }
            if sales.by_conversation.get(&o.conversation) == Some(&id) {
                sales.by_conversation.remove(&o.conversation);
            }
        }
    }
}

/// Forgets surveys (oldest first) past their response window.
fn forget_old_surveys(sales: &mut SalesState, at: DateTime<Utc>, window: Duration) {
    while let Some((id, survey)) = sales.surveys.first_key_value() {
        if survey.requested_at + window >= at {
            break;
        }
        let (id, conversation) = (*id, survey.conversation);
        sales.surveys.remove(&id);
        if sales.surveyed.get(&conversation) == Some(&id) {
            sales.surveyed.remove(&conversation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_language_has_a_survey_text() {
        let settings = CsatSettings::default();
        for language in Language::REFERENCE_DESK {
            let rendered = settings
                .templates
                .render(CsatSettings::TEMPLATE, language, &TemplateVars::new())
                .unwrap();
            assert_eq!(rendered.language_used, language);
            assert!(rendered.text.contains('5'));
        }
    }

    #[test]
    fn settings_round_trip_through_json() {
        let csat = CsatSettings::default();
        let back: CsatSettings =
            serde_json::from_str(&serde_json::to_string(&csat).unwrap()).unwrap();
        assert_eq!(back, csat);
        let sales: SalesSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(sales, SalesSettings::default());
    }
}
