//! From care to sales and the customer's verdict, inside the engine:
//! opportunity → offer → conversion, survey → answer → escalation, the
//! figures they give, and exact replay.

use crate::support::*;
use caredesk::engine::*;
use caredesk::escalation::{Action, Condition, EscalationRule, EscalationRules};
use caredesk::model::*;
use caredesk::stats::Dimension;
use caredesk::testing::TestDesk;
use chrono::Duration;

fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.payload.name()).collect()
}

fn make() -> EngineConfig {
    config_with_sla()
        .with_sales(SalesSettings::default())
        .with_csat(CsatSettings::default())
        .with_escalation(
            EscalationRules::new(vec![EscalationRule::new(
                "unhappy-customer",
                Condition::CsatAtOrBelow {
                    score: 2,
                    with_comment: true,
                },
            )
            .then(Action::Notify {
                message: "a customer scored us low and said why".into(),
            })])
            .unwrap(),
        )
}

fn purchase_question(id: &str, handle: &str, desk: &TestDesk) -> Input {
    let details = PurchaseDetails {
        places: vec![PlaceMention {
            code: "NRT".into(),
            role: PlaceRole::Destination,
            start: 10,
            end: 13,
        }],
        ..PurchaseDetails::default()
    };
    Input::Inbound {
        message: tweet(id, handle, "Price AMS-NRT in December?", desk.now()),
        classification: Some(
            Classification::query(Some(Language::ENGLISH))
                .with_intent(Intent::purchase())
                .with_purchase(details),
        ),
    }
}

fn opened(events: &[Event]) -> ConversationId {
    events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::ConversationOpened { conversation, .. } => Some(*conversation),
            _ => None,
        })
        .unwrap()
}

fn offer(reference: &str, price: i64, desk: &TestDesk) -> SalesOffer {
    SalesOffer::new(
        reference,
        price,
        Currency::eur(),
        desk.now() + Duration::days(2),
    )
    .unwrap()
}

fn reply(conversation: ConversationId, text: &str) -> Reply {
    Reply {
        conversation,
        agent: agent_id(1),
        visibility: Visibility::Public,
        text: text.into(),
        attachments: Vec::new(),
    }
}

fn booking(
    code: &str,
    reference: Option<&str>,
    handle: &str,
    amount: i64,
    desk: &TestDesk,
) -> Booking {
    Booking {
        booking_code: code.into(),
        offer_reference: reference.map(Into::into),
        identity: Some(Identity::new(ChannelKind::X, handle)),
        amount_minor: amount,
        currency: Currency::eur(),
        booked_at: desk.now(),
    }
}

fn sales_agent() -> Input {
    Input::UpsertAgent(
        agent(1, &[Language::ENGLISH, Language::DUTCH], 5).with_skill(Skill::new("sales"), 3),
    )
}

#[test]
fn purchase_message_opens_an_opportunity_that_requires_the_sales_skill() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    let events = desk.handle(purchase_question("1", "@anna", &desk)).unwrap();
    assert!(names(&events).contains(&"opportunity_opened"));
    let conversation = opened(&events);
    let opportunity = desk.engine().opportunity_of(conversation).unwrap();
    assert_eq!(
        opportunity.details.as_ref().unwrap().destination(),
        Some("NRT")
    );
    assert_eq!(
        desk.engine().required_skills(conversation),
        vec![(Skill::new("sales"), 1)]
    );
    // A second purchase message joins the same opportunity.
    desk.advance(Duration::minutes(1));
    let again = tweet("2", "@anna", "and for 2 adults?", desk.now()).in_reply_to("1");
    let events = desk
        .handle(Input::Inbound {
            message: again,
            classification: Some(
                Classification::query(Some(Language::ENGLISH)).with_intent(Intent::purchase()),
            ),
        })
        .unwrap();
    assert!(!names(&events).contains(&"opportunity_opened"));
    // Without sales configured, nothing opens.
    let mut plain = TestDesk::new(config_with_sla, at("2026-11-23T10:00:00Z"));
    let events = plain
        .handle(purchase_question("1", "@anna", &plain))
        .unwrap();
    assert!(!names(&events).contains(&"opportunity_opened"));
    desk.check_replay().unwrap();
}

#[test]
fn offer_then_booking_by_reference_records_a_conversion_credited_to_the_agent() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    desk.handle(sales_agent()).unwrap();
    let conversation = opened(&desk.handle(purchase_question("1", "@anna", &desk)).unwrap());
    desk.advance(Duration::minutes(5));
    let events = desk
        .handle(Input::ReplyWithOffer {
            reply: reply(conversation, "Hi Anna, EUR 899 return in economy. ^SV"),
            offer: offer("Q-1", 89_900, &desk),
        })
        .unwrap();
    assert_eq!(
        names(&events)[..2],
        ["reply_requested", "sales_offer_made"],
        "{:?}",
        names(&events)
    );
    let made = events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::SalesOfferMade { agent, offer, .. } => {
                Some((*agent, offer.reference.clone()))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(made, (agent_id(1), "Q-1".to_owned()));
    // The same reference cannot be offered twice, nor an offer already expired.
    assert_eq!(
        desk.handle(Input::ReplyWithOffer {
            reply: reply(conversation, "again"),
            offer: offer("Q-1", 1, &desk),
        })
        .unwrap_err(),
        EngineError::DuplicateOffer("Q-1".into())
    );
    let mut stale = offer("Q-2", 1, &desk);
    stale.expires_at = desk.now();
    assert_eq!(
        desk.handle(Input::ReplyWithOffer {
            reply: reply(conversation, "stale"),
            offer: stale,
        })
        .unwrap_err(),
        EngineError::OfferExpired
    );

    desk.advance(Duration::hours(3));
    let events = desk
        .handle(Input::RecordBooking {
            booking: booking("ABC123", Some("Q-1"), "@somebody-else", 89_900, &desk),
        })
        .unwrap();
    match &events[0].payload {
        EventPayload::ConversionRecorded {
            agent,
            linked_by,
            conversation: linked,
            ..
        } => {
            assert_eq!(*agent, Some(agent_id(1)));
            assert_eq!(*linked_by, ConversionLink::OfferReference);
            assert_eq!(*linked, conversation);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        desk.handle(Input::RecordBooking {
            booking: booking("ABC123", Some("Q-1"), "@anna", 89_900, &desk),
        })
        .unwrap_err(),
        EngineError::DuplicateBooking("ABC123".into())
    );
    assert_eq!(
        desk.handle(Input::RecordBooking {
            booking: booking("XYZ999", Some("Q-404"), "@anna", 1, &desk),
        })
        .unwrap_err(),
        EngineError::UnknownOffer("Q-404".into())
    );
    desk.check_replay().unwrap();
}

#[test]
fn booking_without_reference_links_to_the_customers_latest_opportunity_within_the_window() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    let conversation = opened(&desk.handle(purchase_question("1", "@anna", &desk)).unwrap());
    desk.advance(Duration::days(2));
    let events = desk
        .handle(Input::RecordBooking {
            booking: booking("B1", None, "@anna", 12_000, &desk),
        })
        .unwrap();
    assert!(matches!(
        &events[0].payload,
        EventPayload::ConversionRecorded { linked_by: ConversionLink::CustomerWindow, conversation: c, agent: None, .. } if *c == conversation
    ));
    // Another customer, or the same one after the 7-day window: no link.
    assert_eq!(
        desk.handle(Input::RecordBooking {
            booking: booking("B2", None, "@bob", 1, &desk),
        })
        .unwrap_err(),
        EngineError::UnmatchedBooking
    );
    desk.advance(Duration::days(6));
    assert_eq!(
        desk.handle(Input::RecordBooking {
            booking: booking("B3", None, "@anna", 1, &desk),
        })
        .unwrap_err(),
        EngineError::UnmatchedBooking
    );
    desk.check_replay().unwrap();
}

#[test]
fn an_offer_in_a_care_conversation_opens_an_agent_initiated_opportunity_first() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    desk.handle(sales_agent()).unwrap();
    let conversation = opened(
        &desk
            .handle(inbound(
                tweet("1", "@anna", "my seat is broken", desk.now()),
                Some(Language::ENGLISH),
            ))
            .unwrap(),
    );
    let events = desk
        .handle(Input::ReplyWithOffer {
            reply: reply(conversation, "Sorry! An upgrade for EUR 50? ^SV"),
            offer: offer("UPG-1", 5_000, &desk),
        })
        .unwrap();
    assert_eq!(
        names(&events)[..3],
        ["reply_requested", "opportunity_opened", "sales_offer_made"]
    );
    assert!(desk
        .engine()
        .opportunity_of(conversation)
        .unwrap()
        .details
        .is_none());
    let mut off = TestDesk::new(config_with_sla, at("2026-11-23T10:00:00Z"));
    assert_eq!(
        off.handle(Input::ReplyWithOffer {
            reply: reply(conversation, "x"),
            offer: offer("UPG-1", 5_000, &desk),
        })
        .unwrap_err(),
        EngineError::SalesNotConfigured
    );
}

#[test]
fn resolving_a_query_requests_a_survey_in_the_customers_language_as_a_private_message() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    desk.handle(sales_agent()).unwrap();
    let conversation = opened(
        &desk
            .handle(inbound(
                tweet("1", "@anna", "Waar is mijn koffer?", desk.now()),
                Some(Language::DUTCH),
            ))
            .unwrap(),
    );
    desk.advance(Duration::minutes(20));
    desk.handle(Input::Reply(reply(conversation, "We zoeken het uit. ^SV")))
        .unwrap();
    desk.advance(Duration::minutes(10));
    let events = desk
        .handle(Input::SetStatus {
            conversation,
            change: StatusChange::Resolve,
        })
        .unwrap();
    let (outbound, language, agent, first, kept) = events
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::SurveyRequested {
                outbound,
                language,
                agent,
                first_response_secs,
                promise_kept,
                ..
            } => Some((
                outbound.clone(),
                *language,
                *agent,
                *first_response_secs,
                *promise_kept,
            )),
            _ => None,
        })
        .expect("a survey");
    assert_eq!(language, Language::DUTCH);
    assert_eq!(outbound.visibility, Visibility::Private);
    assert!(outbound.text.starts_with("Hoe hebben we het gedaan?"));
    assert_eq!(outbound.recipient, Identity::new(ChannelKind::X, "@anna"));
    assert_eq!(
        (agent, first, kept),
        (Some(agent_id(1)), Some(1200), Some(true))
    );
    // The runtime reports on it like any send.
    desk.handle(Input::DeliveryReport {
        outbound: outbound.id,
        outcome: DeliveryOutcome::Delivered {
            external_id: "dm-1".into(),
        },
    })
    .unwrap();
    // One survey per conversation.
    assert_eq!(
        desk.handle(Input::RequestSurvey { conversation })
            .unwrap_err(),
        EngineError::AlreadySurveyed(conversation)
    );
    desk.check_replay().unwrap();
}

#[test]
fn no_survey_is_sent_once_the_whatsapp_window_has_closed_and_the_event_says_why() {
    let make_manual = || {
        make().with_csat(CsatSettings {
            auto_request: false,
            ..CsatSettings::default()
        })
    };
    let mut desk = TestDesk::new(make_manual, at("2026-11-23T10:00:00Z"));
    let message = InboundMessage::new(
        whatsapp(),
        "w1",
        Identity::new(ChannelKind::Whatsapp, "+31611111111"),
        Visibility::Private,
        "Hoi, mijn koffer?",
        desk.now(),
    );
    let conversation = opened(
        &desk
            .handle(inbound(message, Some(Language::DUTCH)))
            .unwrap(),
    );
    let resolved = desk
        .handle(Input::SetStatus {
            conversation,
            change: StatusChange::Resolve,
        })
        .unwrap();
    assert!(!names(&resolved).iter().any(|n| n.starts_with("survey")));
    assert_eq!(
        desk.handle(Input::RequestSurvey {
            conversation: ConversationId::from_uuid(uuid::Uuid::from_u128(9))
        })
        .unwrap_err(),
        EngineError::UnknownConversation(ConversationId::from_uuid(uuid::Uuid::from_u128(9)))
    );
    desk.advance(Duration::hours(25));
    let events = desk.handle(Input::RequestSurvey { conversation }).unwrap();
    assert_eq!(
        events[0].payload,
        EventPayload::SurveySkipped {
            conversation,
            reason: SurveySkipReason::WindowClosed {
                last_customer_message_at: at("2026-11-23T10:00:00Z"),
                window_secs: 24 * 3600,
            },
        }
    );
    desk.check_replay().unwrap();
}

#[test]
fn a_low_score_with_a_comment_escalates_but_reopens_nothing() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    desk.handle(sales_agent()).unwrap();
    let mut surveys = Vec::new();
    for (n, handle) in ["@anna", "@bob"].iter().enumerate() {
        let conversation = opened(
            &desk
                .handle(inbound(
                    tweet(&format!("m{n}"), handle, "where is my bag?", desk.now()),
                    Some(Language::ENGLISH),
                ))
                .unwrap(),
        );
        desk.handle(Input::Reply(reply(conversation, "On its way. ^SV")))
            .unwrap();
        let events = desk
            .handle(Input::SetStatus {
                conversation,
                change: StatusChange::Resolve,
            })
            .unwrap();
        let survey = events
            .iter()
            .find_map(|e| match &e.payload {
                EventPayload::SurveyRequested { survey, .. } => Some(*survey),
                _ => None,
            })
            .unwrap();
        surveys.push((conversation, survey));
    }
    desk.advance(Duration::minutes(30));
    // A low score without a comment: recorded, nothing fires.
    let quiet = desk
        .handle(Input::SurveyResponse {
            survey: surveys[1].1,
            score: 2,
            comment: Some("   ".into()),
        })
        .unwrap();
    assert_eq!(names(&quiet), ["survey_answered"]);
    // A low score with a comment: the rule fires on the resolved conversation.
    let loud = desk
        .handle(Input::SurveyResponse {
            survey: surveys[0].1,
            score: 1,
            comment: Some("Nobody told me anything".into()),
        })
        .unwrap();
    assert_eq!(
        names(&loud),
        [
            "survey_answered",
            "escalation_fired",
            "notification_requested"
        ]
    );
    let status = desk
        .engine()
        .conversation(surveys[0].0)
        .unwrap()
        .conversation
        .status;
    assert_eq!(status, Status::Resolved);
    assert_eq!(
        desk.handle(Input::SurveyResponse {
            survey: surveys[0].1,
            score: 5,
            comment: None,
        })
        .unwrap_err(),
        EngineError::SurveyAnswered(surveys[0].1)
    );
    assert!(matches!(
        desk.handle(Input::SurveyResponse {
            survey: surveys[1].1,
            score: 6,
            comment: None,
        })
        .unwrap_err(),
        EngineError::InvalidSalesData(ModelError::ScoreOutOfRange(6))
            | EngineError::SurveyAnswered(_)
    ));
    desk.check_replay().unwrap();
}

#[test]
fn new_events_round_trip_through_json_and_replay() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    desk.handle(sales_agent()).unwrap();
    let conversation = opened(&desk.handle(purchase_question("1", "@anna", &desk)).unwrap());
    desk.handle(Input::ReplyWithOffer {
        reply: reply(conversation, "EUR 899. ^SV"),
        offer: offer("Q-1", 89_900, &desk),
    })
    .unwrap();
    desk.handle(Input::RecordBooking {
        booking: booking("ABC123", Some("Q-1"), "@anna", 89_900, &desk),
    })
    .unwrap();
    let resolved = desk
        .handle(Input::SetStatus {
            conversation,
            change: StatusChange::Resolve,
        })
        .unwrap();
    let survey = resolved
        .iter()
        .find_map(|e| match &e.payload {
            EventPayload::SurveyRequested { survey, .. } => Some(*survey),
            _ => None,
        })
        .unwrap();
    desk.handle(Input::SurveyResponse {
        survey,
        score: 5,
        comment: Some("Great deal".into()),
    })
    .unwrap();
    let mut seen = Vec::new();
    for event in desk.events() {
        let json = event.to_json().unwrap();
        assert_eq!(&Event::from_json(&json).unwrap(), event, "{json}");
        seen.push(event.payload.name());
    }
    for name in [
        "opportunity_opened",
        "sales_offer_made",
        "conversion_recorded",
        "survey_requested",
        "survey_answered",
    ] {
        assert!(seen.contains(&name), "{name}");
    }
    let replayed = desk.replayed().unwrap();
    assert_eq!(replayed.state(), desk.engine().state());
    assert_eq!(
        replayed.survey(survey).unwrap().score,
        Some(CsatScore::new(5).unwrap())
    );
}

#[test]
fn the_ledger_gives_exact_funnel_and_csat_figures_by_agent_and_promise() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    desk.handle(sales_agent()).unwrap();
    // Anna asks, is answered in 10 minutes with an offer, books it.
    let anna = opened(&desk.handle(purchase_question("1", "@anna", &desk)).unwrap());
    // Bob asks, is answered after 90 minutes (the promise is an hour), no booking.
    let bob = opened(&desk.handle(purchase_question("2", "@bob", &desk)).unwrap());
    desk.advance(Duration::minutes(10));
    desk.handle(Input::ReplyWithOffer {
        reply: reply(anna, "EUR 899. ^SV"),
        offer: offer("Q-A", 89_900, &desk),
    })
    .unwrap();
    desk.advance(Duration::minutes(80));
    desk.handle(Input::ReplyWithOffer {
        reply: reply(bob, "EUR 950. ^SV"),
        offer: offer("Q-B", 95_000, &desk),
    })
    .unwrap();
    desk.handle(Input::RecordBooking {
        booking: booking("PNR1", Some("Q-A"), "@anna", 89_900, &desk),
    })
    .unwrap();
    desk.handle(Input::RecordBooking {
        booking: booking("PNR2", None, "@anna", 4_500, &desk),
    })
    .unwrap();
    let mut surveys = Vec::new();
    for conversation in [anna, bob] {
        let events = desk
            .handle(Input::SetStatus {
                conversation,
                change: StatusChange::Resolve,
            })
            .unwrap();
        surveys.extend(events.iter().filter_map(|e| match &e.payload {
            EventPayload::SurveyRequested { survey, .. } => Some(*survey),
            _ => None,
        }));
    }
    desk.handle(Input::SurveyResponse {
        survey: surveys[0],
        score: 5,
        comment: None,
    })
    .unwrap();
    desk.handle(Input::SurveyResponse {
        survey: surveys[1],
        score: 3,
        comment: None,
    })
    .unwrap();

    let mut ledger = SalesLedger::new()
        .with_agent_names([(agent_id(1), "Sam".to_owned())].into_iter().collect());
    for event in desk.events() {
        ledger.observe(event);
    }
    let (funnel, csat) = ledger.finish();
    let funnel = funnel.report();
    let all = &funnel.row(Dimension::All, "all").unwrap().figures;
    assert_eq!(
        (
            all.opportunities,
            all.offered,
            all.offers,
            all.conversions,
            all.bookings
        ),
        (2, 2, 2, 1, 2)
    );
    assert_eq!(all.conversion_rate, Some(0.5));
    assert_eq!(all.revenue_minor["EUR"], 94_400);
    let within = &funnel.row(Dimension::Promise, "within").unwrap().figures;
    assert_eq!((within.opportunities, within.conversions), (1, 1));
    let late = &funnel.row(Dimension::Promise, "late").unwrap().figures;
    assert_eq!((late.opportunities, late.conversions), (1, 0));
    assert_eq!(
        funnel
            .row(Dimension::Wait, "1-4 h")
            .unwrap()
            .figures
            .opportunities,
        1
    );
    assert_eq!(
        funnel
            .row(Dimension::Agent, "Sam")
            .unwrap()
            .figures
            .opportunities,
        2
    );
    assert_eq!(
        funnel
            .row(Dimension::Channel, "x")
            .unwrap()
            .figures
            .revenue_minor["EUR"],
        94_400
    );

    let csat = csat.report();
    let all = &csat.row(Dimension::All, "all").unwrap().figures;
    assert_eq!((all.surveys, all.responses, all.satisfied), (2, 2, 1));
    assert_eq!((all.csat, all.response_rate), (Some(0.5), Some(1.0)));
    assert_eq!(all.mean_score, Some(4.0));
    assert_eq!(
        csat.row(Dimension::Promise, "within").unwrap().figures.csat,
        Some(1.0)
    );
    assert_eq!(
        csat.row(Dimension::Promise, "late").unwrap().figures.csat,
        Some(0.0)
    );
    assert_eq!(
        csat.row(Dimension::Language, "en")
            .unwrap()
            .figures
            .responses,
        2
    );
}

// ---------------------------------------------------------------------------
// Routing of opportunities: the sales skill an opportunity requires decides
// who may take the conversation, with real agents in the router.

fn carer() -> Agent {
    // Listed first and idle: the default strategy's pick when skills do not matter.
    agent(2, &[Language::ENGLISH], 4)
}

fn seller(capacity: u32) -> Agent {
    agent(3, &[Language::ENGLISH], capacity).with_skill(Skill::new("sales"), 2)
}

fn assigned(events: &[Event]) -> Vec<(ConversationId, AgentId)> {
    events
        .iter()
        .filter_map(|e| match &e.payload {
            EventPayload::ConversationAssigned {
                conversation,
                agent,
            } => Some((*conversation, *agent)),
            _ => None,
        })
        .collect()
}

fn close(desk: &mut TestDesk, conversation: ConversationId, agent: AgentId) -> Vec<Event> {
    let mut events = desk
        .handle(Input::Reply(Reply {
            agent,
            ..reply(conversation, "Glad to help. ^SV")
        }))
        .unwrap();
    events.extend(
        desk.handle(Input::SetStatus {
            conversation,
            change: StatusChange::Resolve,
        })
        .unwrap(),
    );
    events.extend(
        desk.handle(Input::SetStatus {
            conversation,
            change: StatusChange::Close {
                reason: CloseReason::Resolved,
            },
        })
        .unwrap(),
    );
    events
}

fn care_question(id: &str, handle: &str, desk: &TestDesk) -> Input {
    inbound(
        tweet(id, handle, "my seat is broken", desk.now()),
        Some(Language::ENGLISH),
    )
}

#[test]
fn a_purchase_question_goes_to_the_agent_with_the_sales_skill_and_a_care_question_does_not_need_one(
) {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    desk.handle(Input::UpsertAgent(carer())).unwrap();
    desk.handle(Input::UpsertAgent(seller(4))).unwrap();
    // Control: without a skill requirement the idle carer is the pick.
    let care = opened(&desk.handle(care_question("1", "@bob", &desk)).unwrap());
    assert_eq!(desk.engine().router().assignee(care), Some(agent_id(2)));
    // The purchase question needs the sales skill: only the seller may take it,
    // although the carer is free too.
    let events = desk.handle(purchase_question("2", "@anna", &desk)).unwrap();
    let purchase = opened(&events);
    assert!(names(&events).contains(&"opportunity_opened"));
    assert_eq!(assigned(&events), vec![(purchase, agent_id(3))]);
    assert_eq!(
        desk.engine()
            .router()
            .requirements(purchase)
            .unwrap()
            .required_skills,
        vec![(Skill::new("sales"), 1)]
    );
    desk.check_replay().unwrap();
}

#[test]
fn a_purchase_question_waits_for_the_busy_sales_agent_rather_than_going_to_a_free_carer() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    desk.handle(Input::UpsertAgent(carer())).unwrap();
    desk.handle(Input::UpsertAgent(seller(1))).unwrap();
    let first = opened(&desk.handle(purchase_question("1", "@anna", &desk)).unwrap());
    assert_eq!(desk.engine().router().assignee(first), Some(agent_id(3)));
    desk.advance(Duration::minutes(1));
    let events = desk.handle(purchase_question("2", "@bob", &desk)).unwrap();
    let second = opened(&events);
    assert!(assigned(&events).is_empty(), "{:?}", names(&events));
    assert_eq!(
        desk.engine().router().state(second),
        Some(caredesk::routing::RouteState::Waiting)
    );
    // Time passes; the free carer never gets it.
    let events = desk.advance(Duration::minutes(20));
    assert!(assigned(&events).is_empty(), "{:?}", names(&events));
    // The seller finishes the first: the second goes to them at once.
    let events = close(&mut desk, first, agent_id(3));
    assert_eq!(assigned(&events), vec![(second, agent_id(3))]);
    desk.check_replay().unwrap();
}

#[test]
fn without_any_sales_agent_a_purchase_question_stays_queued_through_every_relaxation_step() {
    use caredesk::routing::{RelaxationStep, RouteState, RouterConfig};
    let routing = RoutingSetup::new(RouterConfig {
        default_relaxation: RelaxationStep::airline_default(),
        ..RouterConfig::default()
    })
    .unwrap();
    let mut desk = TestDesk::new(
        move || make().with_routing(routing.clone()),
        at("2026-11-23T10:00:00Z"),
    );
    desk.handle(Input::UpsertAgent(carer())).unwrap();
    let events = desk.handle(purchase_question("1", "@anna", &desk)).unwrap();
    let conversation = opened(&events);
    assert!(assigned(&events).is_empty());
    // The relaxation steps loosen preferred skills, language and team, never
    // a required skill: after all of them it still waits.
    let events = desk.advance(Duration::hours(2));
    let relaxed = names(&events)
        .iter()
        .filter(|n| **n == "requirements_relaxed")
        .count();
    assert_eq!(relaxed, 3, "{:?}", names(&events));
    assert!(assigned(&events).is_empty(), "{:?}", names(&events));
    assert_eq!(
        desk.engine().router().state(conversation),
        Some(RouteState::Waiting)
    );
    // A sales agent signs in and gets it straight away.
    let events = desk.handle(Input::UpsertAgent(seller(2))).unwrap();
    assert_eq!(assigned(&events), vec![(conversation, agent_id(3))]);
    desk.check_replay().unwrap();
}

#[test]
fn a_waiting_care_question_that_turns_into_a_purchase_is_routed_again_with_the_sales_skill() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    let conversation = opened(&desk.handle(care_question("1", "@anna", &desk)).unwrap());
    desk.advance(Duration::minutes(2));
    let events = desk
        .handle(Input::Inbound {
            message: tweet("2", "@anna", "and what does an upgrade cost?", desk.now())
                .in_reply_to("1"),
            classification: Some(
                Classification::query(Some(Language::ENGLISH)).with_intent(Intent::purchase()),
            ),
        })
        .unwrap();
    assert!(names(&events).contains(&"opportunity_opened"));
    assert_eq!(
        desk.engine()
            .router()
            .requirements(conversation)
            .unwrap()
            .required_skills,
        vec![(Skill::new("sales"), 1)]
    );
    // A carer without the skill signs in: not for them.
    let events = desk.handle(Input::UpsertAgent(carer())).unwrap();
    assert!(assigned(&events).is_empty(), "{:?}", names(&events));
    // The seller does; the conversation keeps its place (arrival) in the queue.
    let events = desk.handle(Input::UpsertAgent(seller(2))).unwrap();
    assert_eq!(assigned(&events), vec![(conversation, agent_id(3))]);
    desk.check_replay().unwrap();
}

#[test]
fn a_conversation_already_with_a_carer_stays_with_them_when_it_becomes_an_opportunity() {
    let mut desk = TestDesk::new(make, at("2026-11-23T10:00:00Z"));
    desk.handle(Input::UpsertAgent(carer())).unwrap();
    let conversation = opened(&desk.handle(care_question("1", "@anna", &desk)).unwrap());
    assert_eq!(
        desk.engine().router().assignee(conversation),
        Some(agent_id(2))
    );
    desk.handle(Input::UpsertAgent(seller(2))).unwrap();
    let events = desk
        .handle(Input::Inbound {
            message: tweet("2", "@anna", "can I book an extra bag?", desk.now()).in_reply_to("1"),
            classification: Some(
                Classification::query(Some(Language::ENGLISH)).with_intent(Intent::purchase()),
            ),
        })
        .unwrap();
    assert!(names(&events).contains(&"opportunity_opened"));
    // The agent already talking to the customer keeps it (no silent transfer);
    // moving it to sales is a transfer the agent or a supervisor decides.
    assert!(assigned(&events).is_empty(), "{:?}", names(&events));
    assert_eq!(
        desk.engine().router().assignee(conversation),
        Some(agent_id(2))
    );
    desk.check_replay().unwrap();
}
