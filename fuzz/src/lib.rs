//! Shared code of caredesk's fuzz targets: the engine script runner and the
//! configurations it runs under.
//!
//! A [`Script`] is a configuration choice and a list of [`Step`]s; each step
//! moves the clock forward (never back) and hands the engine an arbitrary
//! [`Input`]. Arbitrary ids would almost never name a conversation, a send or
//! a draft the engine minted, so a step may carry a `pick`: the input's
//! references are then pointed at things that exist (the `pick`-th known
//! conversation, pending send, draft, customer, identity or external id).
//! After the script, [`check`] asserts no invariant of
//! [`caredesk::testing::check_invariants`] broke.

use arbitrary::Arbitrary;
use caredesk::engine::{Engine, EngineConfig, EngineError, Event, EventPayload, Input};
use caredesk::escalation::{
    Acknowledgement, Action, Condition, EscalationRule, EscalationRules, SlaStage,
    SlaTarget as EscalationTarget,
};
use caredesk::guard::{ApprovalPolicy, DraftId, Guard, GuardSettings};
use caredesk::model::*;
use caredesk::sla::{PolicyMatch, PolicyRule, SlaPolicies, SlaPolicy, SlaTarget, TargetSet};
use chrono::{DateTime, Duration, Utc};

/// One step: wait `advance` × 7 seconds (up to about 5 days), then handle `input`.
#[derive(Debug, Clone, Arbitrary)]
pub struct Step {
    /// Seconds / 7 to move the clock forward first.
    pub advance: u16,
    /// Point the input's references at the `pick`-th known thing.
    pub pick: Option<u8>,
    /// The input.
    pub input: Input,
}

/// A configuration choice and the steps to run.
#[derive(Debug, Clone, Arbitrary)]
pub struct Script {
    /// Bit 0: SLA policies; bit 1: escalation rules; bit 2: outbound guard
    /// with approval; bit 3: short windows (reopen, listen, retention).
    pub setup: u8,
    /// The steps.
    pub steps: Vec<Step>,
}

/// The tenant of every fuzzed engine.
pub const TENANT: TenantId = TenantId(uuid::Uuid::from_u128(0xF022));

/// The brand's X account.
pub fn x() -> ChannelRef {
    ChannelRef::new(ChannelKind::X, "@KLM")
}

/// The brand's WhatsApp number.
pub fn whatsapp() -> ChannelRef {
    ChannelRef::new(ChannelKind::Whatsapp, "+31201234567")
}

fn policies() -> SlaPolicies {
    let hour = SlaPolicy::around_the_clock(
        "hour",
        TargetSet::default()
            .with_minutes(SlaTarget::FirstResponse, 60)
            .with_minutes(SlaTarget::NextResponse, 60)
            .with_minutes(SlaTarget::Resolution, 24 * 60)
            .with_minutes(SlaTarget::PeriodicUpdate, 180),
    )
    .with_priority_targets(
        Priority::Urgent,
        TargetSet::default().with_minutes(SlaTarget::FirstResponse, 15),
    );
    let office = caredesk::calendar::BusinessCalendar::builder("Europe/Amsterdam")
        .open_on(
            &[
                chrono::Weekday::Mon,
                chrono::Weekday::Tue,
                chrono::Weekday::Wed,
                chrono::Weekday::Thu,
                chrono::Weekday::Fri,
            ],
            "09:00",
            "17:00",
        )
        .build()
        .expect("a fixed, valid calendar");
    let office = SlaPolicy::around_the_clock(
        "office",
        TargetSet::default().with_minutes(SlaTarget::FirstResponse, 120),
    )
    .with_calendar(office);
    SlaPolicies::new(
        vec![hour, office],
        vec![PolicyRule {
            when: PolicyMatch {
                channel: Some(ChannelKind::Whatsapp),
                ..PolicyMatch::default()
            },
            policy: "office".into(),
        }],
        "hour",
    )
    .expect("fixed, valid policies")
}

fn rules() -> EscalationRules {
    EscalationRules::new(vec![
        EscalationRule::new(
            "acknowledge",
            Condition::all([
                Condition::KindIs(Kind::Query),
                Condition::UnansweredAtLeast(1),
            ]),
        )
        .then(Action::Acknowledge(Acknowledgement::new(
            Visibility::Private,
            "Hi, an agent will answer within the hour.",
        ))),
        EscalationRule::new(
            "at-risk",
            Condition::sla(EscalationTarget::FirstResponse, SlaStage::Warning),
        )
        .then(Action::RaisePriorityTo(Priority::High)),
        EscalationRule::new(
            "three-unanswered",
            Condition::repeat_contacts(3, Duration::minutes(60)),
        )
        .then(Action::Notify {
            message: "three posts without an answer".into(),
        })
        .level_after(
            Duration::minutes(30),
            vec![Action::RaisePriorityTo(Priority::Urgent)],
        ),
    ])
    .expect("fixed, valid rules")
}

/// The parts of a configuration that are costly to build, built once.
struct Parts {
    policies: SlaPolicies,
    rules: EscalationRules,
    guard: Guard,
}

fn parts() -> &'static Parts {
    static PARTS: std::sync::OnceLock<Parts> = std::sync::OnceLock::new();
    PARTS.get_or_init(|| Parts {
        policies: policies(),
        rules: rules(),
        guard: Guard::new(GuardSettings::default()).expect("default guard settings are valid"),
    })
}

/// The engine configuration for a script's `setup` bits.
pub fn config(setup: u8) -> EngineConfig {
    let parts = parts();
    let mut config = EngineConfig::new(TENANT)
        .with_channel(x(), Some(Language::ENGLISH))
        .with_channel(whatsapp(), None);
    if setup & 1 != 0 {
        config = config.with_sla(parts.policies.clone());
    }
    if setup & 2 != 0 {
        config = config.with_escalation(parts.rules.clone());
    }
    if setup & 4 != 0 {
        config = config.with_guard(parts.guard.clone(), ApprovalPolicy::default());
    }
    if setup & 8 != 0 {
        config = config
            .with_reopen_window(Duration::hours(2))
            .with_mention_listen_window(Duration::hours(1))
            .with_retention(Duration::hours(3));
    }
    config
}

/// What the script has seen so far, for pointing references at it.
#[derive(Debug, Default)]
pub struct Known {
    conversations: Vec<ConversationId>,
    pending: Vec<OutboundId>,
    drafts: Vec<DraftId>,
    customers: Vec<CustomerId>,
    identities: Vec<Identity>,
    externals: Vec<caredesk::model::SmolStr>,
}

fn nth<T: Clone>(list: &[T], n: u8) -> Option<T> {
    if list.is_empty() {
        None
    } else {
        Some(list[usize::from(n) % list.len()].clone())
    }
}

impl Known {
    /// Learns from events the engine emitted.
    pub fn observe(&mut self, events: &[Event]) {
        for event in events {
            match &event.payload {
                EventPayload::ConversationOpened { conversation, .. } => {
                    self.conversations.push(*conversation)
                }
                EventPayload::CustomerCreated { customer, identity } => {
                    self.customers.push(*customer);
                    self.identities.push(identity.clone());
                }
                EventPayload::MessageReceived { inbound, .. } => {
                    self.externals.push(inbound.external_id.clone())
                }
                EventPayload::ReplyRequested { outbound, .. } => self.pending.push(outbound.id),
                EventPayload::DeliverySucceeded {
                    outbound,
                    external_id,
                } => {
                    self.pending.retain(|p| p != outbound);
                    self.externals.push(external_id.clone());
                }
                EventPayload::DraftCreated { draft } => self.drafts.push(draft.id),
                _ => {}
            }
        }
    }

    /// Points the references of `input` at the `n`-th known things.
    pub fn retarget(&self, input: &mut Input, n: u8) {
        let conversation = nth(&self.conversations, n);
        match input {
            Input::Inbound { message, .. } => {
                let channel = if n % 2 == 0 { x() } else { whatsapp() };
                message.author.network = channel.kind;
                message.channel = channel;
                if n % 3 == 0 {
                    if let Some(identity) = nth(&self.identities, n / 3) {
                        message.author = identity;
                    }
                }
                if message.in_reply_to.is_some() {
                    message.in_reply_to = nth(&self.externals, n);
                }
            }
            Input::Reply(reply) => {
                if let Some(c) = conversation {
                    reply.conversation = c;
                }
            }
            Input::Note {
                conversation: c, ..
            }
            | Input::Transfer {
                conversation: c, ..
            }
            | Input::SetStatus {
                conversation: c, ..
            }
            | Input::SetPriority {
                conversation: c, ..
            }
            | Input::Tag {
                conversation: c, ..
            }
            | Input::PromoteMention { conversation: c } => {
                if let Some(known) = conversation {
                    *c = known;
                }
            }
            Input::DeliveryReport { outbound, .. } | Input::DeliveryAttempt { outbound } => {
                if let Some(known) = nth(&self.pending, n) {
                    *outbound = known;
                }
            }
            Input::DecideDraft { draft, .. } => {
                if let Some(known) = nth(&self.drafts, n) {
                    *draft = known;
                }
            }
            Input::ForgetCustomer { customer } => {
                if let Some(known) = nth(&self.customers, n) {
                    *customer = known;
                }
            }
            Input::AttachProfile { identity, .. } => {
                if let Some(known) = nth(&self.identities, n) {
                    *identity = known;
                }
            }
            Input::LinkIdentities { a, b } => {
                if let Some(known) = nth(&self.identities, n) {
                    *a = known;
                }
                if let Some(known) = nth(&self.identities, n / 2) {
                    if n % 2 == 0 {
                        *b = known;
                    }
                }
            }
            _ => {}
        }
    }
}

/// What a run produced.
#[derive(Debug)]
pub struct Run {
    /// The engine after the script.
    pub engine: Engine,
    /// Every event, in order.
    pub log: Vec<Event>,
    /// Inputs refused, by error.
    pub refused: Vec<EngineError>,
}

/// The time a script starts at.
pub fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_420_800, 0).expect("2026-11-23T08:00:00Z is in range")
}

/// Runs a script. Panics if the engine panics or a refused input changed
/// its state.
pub fn run(script: &Script) -> Run {
    let mut engine = Engine::new(config(script.setup));
    let mut now = start();
    let mut log = Vec::new();
    let mut known = Known::default();
    let mut refused = Vec::new();
    for step in &script.steps {
        now += Duration::seconds(i64::from(step.advance) * 7);
        let mut input = step.input.clone();
        if let Some(n) = step.pick {
            known.retarget(&mut input, n);
        }
        let before = engine.state().clone();
        match engine.handle(now, input) {
            Ok(events) => {
                known.observe(&events);
                log.extend(events);
            }
            Err(error) => {
                assert!(
                    engine.state() == &before,
                    "refused input ({error}) changed the engine state"
                );
                refused.push(error);
            }
        }
    }
    Run {
        engine,
        log,
        refused,
    }
}

/// Runs a script and panics (a fuzz finding) if an invariant broke.
pub fn check(script: &Script) {
    let run = run(script);
    let setup = script.setup;
    if let Err(violation) =
        caredesk::testing::check_invariants(&|| config(setup), &run.engine, &run.log)
    {
        panic!("invariant broken: {violation}");
    }
}

/// Checks shared by the webhook and e-mail targets: what every parsed
/// message and every signature check must satisfy, whatever the bytes.
pub mod channels {
    use caredesk::channel::signature::SignatureError;
    use caredesk::model::{ChannelKind, InboundMessage};

    /// The secret the fuzzed requests are signed with.
    pub const SECRET: &[u8] = b"fuzz-app-secret";

    /// A parsed inbound message is on a channel of `kinds`, written by an
    /// identity of the same network, has an external id, and survives the
    /// JSON round trip the event store puts it through.
    pub fn check_inbound(message: &InboundMessage, kinds: &[ChannelKind]) {
        assert!(
            kinds.contains(&message.channel.kind),
            "message on channel {} of another network",
            message.channel
        );
        assert_eq!(
            message.author.network, message.channel.kind,
            "author of another network"
        );
        assert!(!message.external_id.is_empty(), "message without an id");
        let json = serde_json::to_string(message).expect("an inbound message serialises");
        let back: InboundMessage =
            serde_json::from_str(&json).expect("a serialised inbound message reads back");
        assert_eq!(
            &back, message,
            "inbound message changed in a JSON round trip"
        );
    }

    /// Drives one network's signature check over `body`:
    ///
    /// - the header `sign` writes is accepted, for the exact body only (a
    ///   body with one byte flipped or one byte more is a mismatch);
    /// - a missing or blank header is [`SignatureError::Missing`];
    /// - a foreign header (the body's first line, the fuzzer's choice) is
    ///   refused unless it is, up to `canonical`, the signed header itself;
    /// - nothing panics.
    pub fn check_signature(
        body: &[u8],
        sign: fn(&[u8], &[u8]) -> String,
        verify: fn(&[u8], &[u8], Option<&str>) -> Result<(), SignatureError>,
        canonical: fn(&str) -> String,
    ) {
        let header = sign(SECRET, body);
        assert_eq!(verify(SECRET, body, Some(&header)), Ok(()));
        assert_eq!(
            verify(b"another-secret", body, Some(&header)),
            Err(SignatureError::Mismatch)
        );
        let mut longer = body.to_vec();
        longer.push(b' ');
        assert_eq!(
            verify(SECRET, &longer, Some(&header)),
            Err(SignatureError::Mismatch)
        );
        if let Some(first) = body.first() {
            let mut flipped = body.to_vec();
            flipped[0] = first ^ 1;
            assert_eq!(
                verify(SECRET, &flipped, Some(&header)),
                Err(SignatureError::Mismatch)
            );
        }
        assert_eq!(verify(SECRET, body, None), Err(SignatureError::Missing));
        assert_eq!(
            verify(SECRET, body, Some(" ")),
            Err(SignatureError::Missing)
        );
        let line = body.split(|b| *b == b'\n').next().unwrap_or_default();
        let foreign = String::from_utf8_lossy(line);
        for candidate in [
            foreign.as_ref(),
            foreign.trim(),
            &format!("sha256={foreign}"),
        ] {
            if verify(SECRET, body, Some(candidate)).is_ok() {
                assert_eq!(
                    canonical(candidate.trim()),
                    header,
                    "a header other than the signature was accepted"
                );
            }
        }
    }
}
