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
