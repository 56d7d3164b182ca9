//! Shared builders for the integration tests.

use caredesk::engine::{EngineConfig, Input};
use caredesk::model::*;
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub const TENANT: TenantId = TenantId(Uuid::from_u128(0xC0FFEE));

pub fn x() -> ChannelRef {
    ChannelRef::new(ChannelKind::X, "@KLM")
}

pub fn whatsapp() -> ChannelRef {
    ChannelRef::new(ChannelKind::Whatsapp, "+31201234567")
}

pub fn config() -> EngineConfig {
    EngineConfig::new(TENANT)
        .with_channel(x(), Some(Language::ENGLISH))
        .with_channel(whatsapp(), None)
}

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("test timestamp")
}

pub fn agent_id(n: u128) -> AgentId {
    AgentId::from_uuid(Uuid::from_u128(0xA000 + n))
}

pub fn agent(n: u128, languages: &[Language], capacity: u32) -> Agent {
    Agent::new(
        agent_id(n),
        format!("Agent {n}"),
        languages.iter().copied(),
        Capacity::total(capacity),
    )
    .expect("valid agent")
    .with_presence(Presence::Online)
}

pub fn tweet(id: &str, handle: &str, text: &str, now: DateTime<Utc>) -> InboundMessage {
    InboundMessage::new(
        x(),
        id,
        Identity::new(ChannelKind::X, handle),
        Visibility::Public,
        text,
        now,
    )
}

pub fn inbound(message: InboundMessage, language: Option<Language>) -> Input {
    Input::Inbound {
        message,
        classification: Some(Classification::query(language)),
    }
}

/// The reference desk's promise: first and next response within an hour,
/// resolution within a day, 24/7, warning at 75 %; plus an office-hours
/// policy for e-mail.
pub fn hour_promise() -> caredesk::sla::SlaPolicies {
    use caredesk::sla::*;
    let hour = SlaPolicy::around_the_clock(
        "hour",
        TargetSet::default()
            .with_minutes(SlaTarget::FirstResponse, 60)
            .with_minutes(SlaTarget::NextResponse, 60)
            .with_minutes(SlaTarget::Resolution, 24 * 60),
    )
    .with_priority_targets(
        Priority::Urgent,
        TargetSet::default()
            .with_minutes(SlaTarget::FirstResponse, 15)
            .with_minutes(SlaTarget::NextResponse, 15)
            .with_minutes(SlaTarget::Resolution, 4 * 60),
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
        .expect("valid calendar");
    let whatsapp = SlaPolicy::around_the_clock(
        "whatsapp office hours",
        TargetSet::default().with_minutes(SlaTarget::FirstResponse, 120),
    )
    .with_calendar(office);
    SlaPolicies::new(
        vec![hour, whatsapp],
        vec![PolicyRule {
            when: PolicyMatch {
                channel: Some(ChannelKind::Whatsapp),
                ..PolicyMatch::default()
            },
            policy: "whatsapp office hours".into(),
        }],
        "hour",
    )
    .expect("valid policies")
}

pub fn config_with_sla() -> EngineConfig {
    config().with_sla(hour_promise())
}
