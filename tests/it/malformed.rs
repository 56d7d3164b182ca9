//! Malformed input across the public surface: one table of bad inputs, each
//! with the exact typed error it gets. Every case runs against the same
//! engine (an agent, a conversation, a pending send), and the engine's
//! serialised state must be byte for byte the same afterwards: a refused
//! input, or a refusal anywhere else, changes nothing.

use crate::support::*;
use caredesk::calendar::json::DeadlineRequest;
use caredesk::calendar::{BusinessCalendar, CalendarError};
use caredesk::directory::CustomerProfile;
use caredesk::engine::*;
use caredesk::guard::{ApprovalDecision, DraftId};
use caredesk::model::*;
use caredesk::sla::{SlaError, SlaPolicies, SlaPolicy, SlaTarget, TargetSet, WarningThreshold};
use caredesk::staffing::{StaffingError, StaffingRequest};
use caredesk::store::{AppendBatch, EventStore, IdempotencyKey, MemoryEventStore, StoreError};
use caredesk::triage::{jsonl, Triage, TriageSettings};
use chrono::{DateTime, Duration, Utc};
use serde_json::error::Category;
use uuid::Uuid;

/// What a bad input got.
#[derive(Debug, Clone, PartialEq)]
enum Got {
    Engine(EngineError),
    Calendar(CalendarError),
    Sla(SlaError),
    Staffing(StaffingError),
    Store(StoreError),
    /// A serde_json error: its category and its message.
    Json(Category, String),
    /// An event that could not be decoded: the error's message.
    Decode(String),
    /// An answer line of a JSON-lines front end.
    Line(String),
    /// The bad input was accepted.
    Accepted,
}

fn json_error(error: serde_json::Error) -> Got {
    Got::Json(error.classify(), error.to_string())
}

fn engine_result<T>(result: Result<T, EngineError>) -> Got {
    match result {
        Ok(_) => Got::Accepted,
        Err(error) => Got::Engine(error),
    }
}

/// The engine every case runs against, and what it holds.
struct World {
    engine: Engine,
    now: DateTime<Utc>,
    conversation: ConversationId,
}

fn world() -> World {
    let now = at("2026-11-23T10:00:00Z");
    let mut engine = Engine::new(config_with_sla());
    engine
        .handle(
            now,
            Input::UpsertAgent(agent(1, &[Language::ENGLISH, Language::DUTCH], 3)),
        )
        .unwrap();
    let events = engine
        .handle(
            now,
            inbound(
                tweet("100", "@anna", "Where is my bag?", now),
                Some(Language::ENGLISH),
            ),
        )
        .unwrap();
    let conversation = events
        .iter()
        .find_map(|e| e.payload.conversation())
        .unwrap();
    // A reply whose send is still owed.
    engine
        .handle(
            now,
            Input::Reply(Reply {
                conversation,
                agent: agent_id(1),
                visibility: Visibility::Private,
                text: "Let me look. ^AG".into(),
                attachments: vec![],
            }),
        )
        .unwrap();
    World {
        engine,
        now,
        conversation,
    }
}

fn snapshot(engine: &Engine) -> (String, u64, Option<DateTime<Utc>>) {
    (
        serde_json::to_string(engine.state()).unwrap(),
        engine.last_seq(),
        engine.now(),
    )
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn deadline(line: &str) -> Got {
    match DeadlineRequest::from_json(line).and_then(|request| request.deadline()) {
        Ok(_) => Got::Accepted,
        Err(error) => Got::Calendar(error),
    }
}

fn triage_line(line: &str) -> Got {
    let mut triage = Triage::new(TriageSettings::default()).unwrap();
    Got::Line(jsonl::process_line(&mut triage, line, 0).unwrap_or_default())
}

fn every_day(open: &str, close: &str) -> String {
    format!(r#"{{"mon":[["{open}","{close}"]]}}"#)
}

const START: &str = "2026-06-01T06:00:00Z";

type Case = (&'static str, Box<dyn Fn(&mut World) -> Got>, Got);

fn case(name: &'static str, run: impl Fn(&mut World) -> Got + 'static, expected: Got) -> Case {
    (name, Box::new(run), expected)
}

fn stranger() -> ConversationId {
    ConversationId::from_uuid(Uuid::from_u128(0xDEAD))
}

fn cases() -> Vec<Case> {
    let late = at("2026-11-23T10:00:00Z");
    let unknown_agent = agent_id(99);
    vec![
        // --- engine inputs ---
        case(
            "clock going backwards",
            |w| engine_result(w.engine.handle(w.now - Duration::seconds(1), Input::Tick)),
            Got::Engine(EngineError::ClockWentBackwards {
                now: late - Duration::seconds(1),
                last: late,
            }),
        ),
        case(
            "reply by an unknown agent",
            |w| {
                let conversation = w.conversation;
                engine_result(w.engine.handle(
                    w.now,
                    Input::Reply(Reply {
                        conversation,
                        agent: agent_id(99),
                        visibility: Visibility::Public,
                        text: "hi".into(),
                        attachments: vec![],
                    }),
                ))
            },
            Got::Engine(EngineError::UnknownAgent(unknown_agent)),
        ),
        case(
            "presence of an unknown agent",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    Input::SetPresence {
                        agent: agent_id(99),
                        presence: Presence::Online,
                    },
                ))
            },
            Got::Engine(EngineError::UnknownAgent(unknown_agent)),
        ),
        case(
            "transfer to an unknown agent",
            |w| {
                let conversation = w.conversation;
                engine_result(w.engine.handle(
                    w.now,
                    Input::Transfer {
                        conversation,
                        target: TransferTarget::Agent {
                            agent: agent_id(99),
                        },
                    },
                ))
            },
            Got::Engine(EngineError::UnknownAgent(unknown_agent)),
        ),
        case(
            "status of an unknown conversation",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    Input::SetStatus {
                        conversation: stranger(),
                        change: StatusChange::Resolve,
                    },
                ))
            },
            Got::Engine(EngineError::UnknownConversation(stranger())),
        ),
        case(
            "reply to an unknown conversation",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    Input::Reply(Reply {
                        conversation: stranger(),
                        agent: agent_id(1),
                        visibility: Visibility::Public,
                        text: "hi".into(),
                        attachments: vec![],
                    }),
                ))
            },
            Got::Engine(EngineError::UnknownConversation(stranger())),
        ),
        case(
            "tag on an unknown conversation",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    Input::Tag {
                        conversation: stranger(),
                        tag: "vip".into(),
                    },
                ))
            },
            Got::Engine(EngineError::UnknownConversation(stranger())),
        ),
        case(
            "delivery report for an unknown send",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    Input::DeliveryReport {
                        outbound: OutboundId::from_uuid(Uuid::from_u128(0xBEEF)),
                        outcome: DeliveryOutcome::Delivered {
                            external_id: "1".into(),
                        },
                    },
                ))
            },
            Got::Engine(EngineError::UnknownOutbound(OutboundId::from_uuid(
                Uuid::from_u128(0xBEEF),
            ))),
        ),
        case(
            "decision on an unknown draft",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    Input::DecideDraft {
                        draft: DraftId::from_uuid(Uuid::from_u128(0xD0)),
                        supervisor: agent_id(1),
                        decision: ApprovalDecision::Approve,
                    },
                ))
            },
            Got::Engine(EngineError::UnknownDraft(DraftId::from_uuid(
                Uuid::from_u128(0xD0),
            ))),
        ),
        case(
            "forgetting an unknown customer",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    Input::ForgetCustomer {
                        customer: CustomerId::from_uuid(Uuid::from_u128(0xC0)),
                    },
                ))
            },
            Got::Engine(EngineError::UnknownCustomer(CustomerId::from_uuid(
                Uuid::from_u128(0xC0),
            ))),
        ),
        case(
            "profile for an unknown identity",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    Input::AttachProfile {
                        identity: Identity::new(ChannelKind::X, "@nobody"),
                        profile: CustomerProfile::new().with_name("Nobody"),
                    },
                ))
            },
            Got::Engine(EngineError::UnknownIdentity("x:@nobody".into())),
        ),
        case(
            "message on an unknown channel",
            |w| {
                let mut message = tweet("200", "@bob", "hello?", w.now);
                message.channel = ChannelRef::new(ChannelKind::X, "@Other");
                engine_result(w.engine.handle(w.now, inbound(message, None)))
            },
            Got::Engine(EngineError::UnknownChannel("x:@Other".into())),
        ),
        case(
            "empty message",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    inbound(tweet("201", "@bob", "", w.now), None),
                ))
            },
            Got::Engine(EngineError::EmptyMessage),
        ),
        case(
            "classification with a NaN sentiment (found by the engine fuzz target)",
            |w| {
                let mut classification = Classification::query(Some(Language::ENGLISH));
                classification.sentiment = f32::NAN;
                engine_result(w.engine.handle(
                    w.now,
                    Input::Inbound {
                        message: tweet("202", "@bob", "hello?", w.now),
                        classification: Some(classification),
                    },
                ))
            },
            Got::Engine(EngineError::NonFiniteScore("sentiment")),
        ),
        case(
            "classification with an infinite language confidence",
            |w| {
                let mut classification = Classification::query(Some(Language::ENGLISH));
                classification.language_confidence = f32::NEG_INFINITY;
                engine_result(w.engine.handle(
                    w.now,
                    Input::Inbound {
                        message: tweet("203", "@bob", "hello?", w.now),
                        classification: Some(classification),
                    },
                ))
            },
            Got::Engine(EngineError::NonFiniteScore("language confidence")),
        ),
        case(
            "message without an external id",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    inbound(tweet("", "@bob", "hello?", w.now), None),
                ))
            },
            Got::Engine(EngineError::MissingExternalId),
        ),
        case(
            "huge body",
            |w| {
                let text = "ä".repeat(40_000);
                engine_result(w.engine.handle(
                    w.now,
                    inbound(tweet("202", "@bob", &text, w.now), None),
                ))
            },
            Got::Engine(EngineError::TextTooLong {
                bytes: 80_000,
                limit: 64 * 1024,
            }),
        ),
        case(
            "redelivered message",
            |w| {
                engine_result(w.engine.handle(
                    w.now,
                    inbound(tweet("100", "@anna", "Where is my bag?", w.now), None),
                ))
            },
            // Compared below against the world's conversation.
            Got::Engine(EngineError::DuplicateMessage {
                existing: ConversationId::from_uuid(Uuid::nil()),
            }),
        ),
        case(
            "agent with zero capacity",
            |w| {
                let mut broken = agent(2, &[Language::ENGLISH], 1);
                broken.capacity.total = 0;
                engine_result(w.engine.handle(w.now, Input::UpsertAgent(broken)))
            },
            Got::Engine(EngineError::InvalidAgent(ModelError::ZeroCapacity)),
        ),
        case(
            "agent with a blank name",
            |w| {
                let mut broken = agent(2, &[Language::ENGLISH], 1);
                broken.name = "  ".into();
                engine_result(w.engine.handle(w.now, Input::UpsertAgent(broken)))
            },
            Got::Engine(EngineError::InvalidAgent(ModelError::EmptyName)),
        ),
        case(
            "agent with a language level of 9",
            |w| {
                let mut broken = agent(2, &[Language::ENGLISH], 1);
                broken.languages.insert(Language::ENGLISH, 9);
                engine_result(w.engine.handle(w.now, Input::UpsertAgent(broken)))
            },
            Got::Engine(EngineError::InvalidAgent(ModelError::LevelOutOfRange(9))),
        ),
        case(
            "blank tag",
            |w| {
                let conversation = w.conversation;
                engine_result(w.engine.handle(
                    w.now,
                    Input::Tag {
                        conversation,
                        tag: " \t".into(),
                    },
                ))
            },
            Got::Engine(EngineError::BlankTag),
        ),
        case(
            "snooze into the past",
            |w| {
                let conversation = w.conversation;
                let until = w.now - Duration::hours(1);
                engine_result(w.engine.handle(
                    w.now,
                    Input::SetStatus {
                        conversation,
                        change: StatusChange::Snooze { until },
                    },
                ))
            },
            Got::Engine(EngineError::SnoozeInPast),
        ),
        case(
            "linking an identity to itself",
            |w| {
                let anna = Identity::new(ChannelKind::X, "@anna");
                engine_result(w.engine.handle(
                    w.now,
                    Input::LinkIdentities {
                        a: anna.clone(),
                        b: anna,
                    },
                ))
            },
            Got::Engine(EngineError::SameIdentity),
        ),
        case(
            "replayed event out of sequence",
            |w| {
                let mut event = replayable(w);
                event.seq += 5;
                engine_result(w.engine.apply_all([event]))
            },
            Got::Engine(EngineError::Replay {
                seq: 0,
                reason: String::new(),
            }),
        ),
        case(
            "replayed event of another tenant",
            |w| {
                let mut event = replayable(w);
                event.tenant = TenantId::from_uuid(Uuid::from_u128(0xBAD));
                engine_result(w.engine.apply_all([event]))
            },
            Got::Engine(EngineError::WrongTenant {
                seq: 0,
                found: TenantId::from_uuid(Uuid::from_u128(0xBAD)),
                expected: TENANT,
            }),
        ),
        // --- inputs and events as JSON ---
        case(
            "input: invalid JSON",
            |_| json_error(serde_json::from_str::<Input>("{\"input\":").unwrap_err()),
            Got::Json(Category::Eof, "EOF while parsing a value at line 1 column 9".into()),
        ),
        case(
            "input: wrong type",
            |_| {
                json_error(
                    serde_json::from_str::<Input>(r#"{"input":"tag","conversation":7,"tag":"x"}"#)
                        .unwrap_err(),
                )
            },
            Got::Json(
                Category::Data,
                "invalid type: integer `7`, expected a formatted UUID string".into(),
            ),
        ),
        case(
            "input: unknown kind",
            |_| json_error(serde_json::from_str::<Input>(r#"{"input":"launch"}"#).unwrap_err()),
            Got::Json(Category::Data, "unknown variant `launch`, expected one of `inbound`, `reply`, `note`, `transfer`, `set_status`, `set_priority`, `tag`, `promote_mention`, `upsert_agent`, `set_presence`, `set_shift`, `accept_offer`, `decline_offer`, `request_next`, `link_identities`, `delivery_report`, `delivery_attempt`, `undelivered`, `decide_draft`, `attach_profile`, `forget_customer`, `set_crisis_mode`, `reply_with_offer`, `record_booking`, `request_survey`, `survey_response`, `tick` at line 1 column 17".into()),
        ),
        case(
            "input: invalid UTF-8",
            |_| {
                json_error(
                    serde_json::from_slice::<Input>(b"{\"input\":\"tag\",\"tag\":\"\xff\xfe\"}")
                        .unwrap_err(),
                )
            },
            Got::Json(
                Category::Syntax,
                "invalid unicode code point at line 1 column 23".into(),
            ),
        ),
        case(
            "input: deeply nested JSON",
            |_| {
                let text = format!(r#"{{"input":"tag","tag":{}}}"#, nested(100_000));
                json_error(serde_json::from_str::<Input>(&text).unwrap_err())
            },
            Got::Json(
                Category::Syntax,
                "recursion limit exceeded at line 1 column 148".into(),
            ),
        ),
        case(
            "input: unknown language code",
            |_| {
                json_error(serde_json::from_str::<Language>(r#""english""#).unwrap_err())
            },
            Got::Json(
                Category::Data,
                "not an ISO 639-1 language code: \"english\" (expected two ASCII letters such as \"en\")"
                    .into(),
            ),
        ),
        case(
            "event: not JSON",
            |_| Got::Decode(Event::from_json("seq=1").unwrap_err().to_string()),
            Got::Decode(
                "event is not valid JSON for schema 0: expected value at line 1 column 1".into(),
            ),
        ),
        case(
            "event: deeply nested JSON",
            |_| Got::Decode(Event::from_json(&nested(1_000_000)).unwrap_err().to_string()),
            Got::Decode(
                "event is not valid JSON for schema 0: recursion limit exceeded at line 1 column 128"
                    .into(),
            ),
        ),
        case(
            "event: no schema",
            |_| Got::Decode(Event::from_json(r#"{"seq":1}"#).unwrap_err().to_string()),
            Got::Decode("event envelope has no numeric \"schema\" field".into()),
        ),
        case(
            "event: schema from the future",
            |_| {
                Got::Decode(
                    Event::from_json(r#"{"seq":1,"schema":999}"#)
                        .unwrap_err()
                        .to_string(),
                )
            },
            Got::Decode(format!(
                "event schema 999 is newer than this crate's schema {CURRENT_SCHEMA}"
            )),
        ),
        // --- calendars and deadlines (the sla_deadline front end) ---
        case(
            "deadline: invalid JSON",
            |_| deadline("{\"tz\":"),
            Got::Calendar(CalendarError::InvalidRequest {
                message: "EOF while parsing a value at line 1 column 6".into(),
            }),
        ),
        case(
            "deadline: minutes as a string",
            |_| {
                deadline(&format!(
                    r#"{{"tz":"UTC","weekly":{},"start":"{START}","minutes":"5"}}"#,
                    every_day("08:00", "12:00")
                ))
            },
            Got::Calendar(CalendarError::InvalidRequest {
                message: "invalid type: string \"5\", expected a JSON number at line 1 column 93"
                    .into(),
            }),
        ),
        case(
            "deadline: unknown time zone",
            |_| {
                deadline(&format!(
                    r#"{{"tz":"Mars/Olympus_Mons","weekly":{},"start":"{START}","minutes":5}}"#,
                    every_day("08:00", "12:00")
                ))
            },
            Got::Calendar(CalendarError::UnknownTimeZone {
                name: "Mars/Olympus_Mons".into(),
            }),
        ),
        case(
            "deadline: overlapping intervals",
            |_| {
                deadline(&format!(
                    r#"{{"tz":"UTC","weekly":{{"mon":[["08:00","12:00"],["11:00","13:00"]]}},"start":"{START}","minutes":5}}"#
                ))
            },
            Got::Calendar(CalendarError::Overlap {
                first: "mon 08:00-12:00".into(),
                second: "mon 11:00-13:00".into(),
            }),
        ),
        case(
            "deadline: a time of day past 24:00",
            |_| {
                deadline(&format!(
                    r#"{{"tz":"UTC","weekly":{},"start":"{START}","minutes":5}}"#,
                    every_day("08:00", "25:00")
                ))
            },
            Got::Calendar(CalendarError::InvalidRequest {
                message: "invalid time of day \"25:00\" (expected HH:MM or HH:MM:SS, 00:00 to 24:00) at line 1 column 47".into(),
            }),
        ),
        case(
            "deadline: negative minutes",
            |_| {
                deadline(&format!(
                    r#"{{"tz":"UTC","weekly":{},"start":"{START}","minutes":-1}}"#,
                    every_day("08:00", "12:00")
                ))
            },
            Got::Calendar(CalendarError::NegativeDuration),
        ),
        case(
            "deadline: minutes beyond any date",
            |_| {
                deadline(&format!(
                    r#"{{"tz":"UTC","weekly":{},"start":"{START}","minutes":1e300}}"#,
                    every_day("08:00", "12:00")
                ))
            },
            Got::Calendar(CalendarError::OutOfRange),
        ),
        case(
            "deadline: a calendar never open",
            |_| deadline(&format!(r#"{{"tz":"UTC","weekly":{{}},"start":"{START}","minutes":5}}"#)),
            Got::Calendar(CalendarError::NoOpenTime),
        ),
        case(
            "calendar: unknown time zone",
            |_| match BusinessCalendar::new("Europe/Atlantis", Default::default(), Vec::new()) {
                Ok(_) => Got::Accepted,
                Err(error) => Got::Calendar(error),
            },
            Got::Calendar(CalendarError::UnknownTimeZone {
                name: "Europe/Atlantis".into(),
            }),
        ),
        // --- SLA policies ---
        case(
            "sla: default names no policy",
            |_| sla(vec![hour()], "day"),
            Got::Sla(SlaError::UnknownPolicy("day".into())),
        ),
        case(
            "sla: a policy defined twice",
            |_| sla(vec![hour(), hour()], "hour"),
            Got::Sla(SlaError::DuplicatePolicy("hour".into())),
        ),
        case(
            "sla: warning at 1200 per mille",
            |_| sla(vec![hour().with_warning(WarningThreshold::Fraction { permille: 1200 })], "hour"),
            Got::Sla(SlaError::BadWarning(1200)),
        ),
        case(
            "sla: JSON naming no policy",
            |_| {
                json_error(
                    serde_json::from_str::<SlaPolicies>(r#"{"policies":[],"default":"hour"}"#)
                        .unwrap_err(),
                )
            },
            Got::Json(
                Category::Data,
                "unknown SLA policy \"hour\"".into(),
            ),
        ),
        // --- the triage front end ---
        case(
            "triage: invalid JSON",
            |_| triage_line("{\"text\":"),
            Got::Line(
                r#"{"error":"invalid JSON: EOF while parsing a value at line 1 column 8"}"#.into(),
            ),
        ),
        case(
            "triage: text of the wrong type",
            |_| triage_line(r#"{"id":"7","text":42}"#),
            Got::Line(
                r#"{"id":"7","error":"invalid message: invalid type: integer `42`, expected a string"}"#
                    .into(),
            ),
        ),
        case(
            "triage: id of the wrong type",
            |_| triage_line(r#"{"id":[1],"text":"hi"}"#),
            Got::Line(r#"{"error":"id must be a string or a number"}"#.into()),
        ),
        case(
            "triage: not an object",
            |_| triage_line("[1,2,3]"),
            Got::Line(r#"{"error":"each line must be a JSON object"}"#.into()),
        ),
        case(
            "triage: unknown channel",
            |_| triage_line(r#"{"id":1,"text":"hi","channel":"myspace"}"#),
            Got::Line(r#"{"id":1,"error":"unknown channel \"myspace\""}"#.into()),
        ),
        case(
            "triage: deeply nested JSON",
            |_| triage_line(&format!(r#"{{"id":1,"text":{}}}"#, nested(10_000))),
            Got::Line(
                r#"{"error":"invalid JSON: recursion limit exceeded at line 1 column 142"}"#.into(),
            ),
        ),
        case(
            "triage: unknown language code",
            |_| triage_line(r#"{"id":1,"text":"hi","customer_language":"klingon"}"#),
            Got::Line(r#"{"id":1,"error":"invalid message: not an ISO 639-1 language code: \"klingon\" (expected two ASCII letters such as \"en\")"}"#.into()),
        ),
        // --- the staffing front end ---
        case(
            "staffing: service level above one",
            |_| staffing(r#"{"transactions":100,"interval_minutes":30,"aht_seconds":180,"target_seconds":20,"service_level":1.2}"#),
            Got::Staffing(StaffingError::InvalidInput {
                field: "service_level",
                value: 1.2,
                expected: "in (0, 1)",
            }),
        ),
        case(
            "staffing: a number as a string",
            |_| staffing(r#"{"transactions":"100","interval_minutes":30,"aht_seconds":180,"target_seconds":20,"service_level":0.8}"#),
            Got::Json(
                Category::Data,
                "invalid type: string \"100\", expected f64 at line 1 column 21".into(),
            ),
        ),
        // --- the event store ---
        case(
            "store: append out of sequence",
            |w| store_append(w, 1, 3),
            Got::Store(StoreError::Conflict {
                expected: 1,
                actual: 0,
            }),
        ),
        case(
            "store: batch with a gap",
            |w| store_append(w, 0, 3),
            Got::Store(StoreError::InvalidBatch(
                "event has seq 3, expected 2".into(),
            )),
        ),
    ]
}

/// An event that would fit the world's log next.
fn replayable(w: &World) -> Event {
    Event {
        seq: w.engine.last_seq() + 1,
        at: w.now,
        tenant: TENANT,
        schema: CURRENT_SCHEMA,
        payload: EventPayload::CrisisModeChanged { active: true },
    }
}

fn hour() -> SlaPolicy {
    SlaPolicy::around_the_clock(
        "hour",
        TargetSet::default().with_minutes(SlaTarget::FirstResponse, 60),
    )
}

fn sla(policies: Vec<SlaPolicy>, default: &str) -> Got {
    match SlaPolicies::new(policies, Vec::new(), default) {
        Ok(_) => Got::Accepted,
        Err(error) => Got::Sla(error),
    }
}

fn staffing(line: &str) -> Got {
    match serde_json::from_str::<StaffingRequest>(line) {
        Err(error) => json_error(error),
        Ok(request) => match request.solve() {
            Ok(_) => Got::Accepted,
            Err(error) => Got::Staffing(error),
        },
    }
}

/// Appends two events to an empty memory store, claiming the stream is at
/// `expected`: the first numbered `expected + 1`, the second `second_seq`.
fn store_append(w: &World, expected: u64, second_seq: u64) -> Got {
    let store = MemoryEventStore::new();
    let mut first = replayable(w);
    first.seq = expected + 1;
    let mut second = replayable(w);
    second.seq = second_seq;
    let batch = AppendBatch {
        idempotency_key: IdempotencyKey::new("k"),
        events: vec![first, second],
    };
    match futures::executor::block_on(store.append(TENANT, expected, batch)) {
        Ok(_) => Got::Accepted,
        Err(error) => Got::Store(error),
    }
}

/// Some errors carry what only the world knows (the conversation a duplicate
/// belongs to, the sequence numbers): fill those in.
fn settle(expected: Got, w: &World) -> Got {
    match expected {
        Got::Engine(EngineError::DuplicateMessage { .. }) => {
            Got::Engine(EngineError::DuplicateMessage {
                existing: w.conversation,
            })
        }
        Got::Engine(EngineError::Replay { .. }) => Got::Engine(EngineError::Replay {
            seq: w.engine.last_seq() + 6,
            reason: format!("expected sequence number {}", w.engine.last_seq() + 1),
        }),
        Got::Engine(EngineError::WrongTenant {
            found, expected, ..
        }) => Got::Engine(EngineError::WrongTenant {
            seq: w.engine.last_seq() + 1,
            found,
            expected,
        }),
        other => other,
    }
}

#[test]
fn every_bad_input_gets_its_typed_error_and_changes_nothing() {
    let mut w = world();
    let before = snapshot(&w.engine);
    let mut failures = Vec::new();
    for (name, run, expected) in cases() {
        let got = run(&mut w);
        let expected = settle(expected, &w);
        if got != expected {
            failures.push(format!(
                "{name}:\n  got      {got:?}\n  expected {expected:?}"
            ));
        }
        if snapshot(&w.engine) != before {
            failures.push(format!("{name}: changed the engine state"));
            w = world();
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
