//! Two agents, three customers on two channels: messages in, routing, a
//! reply, resolve. Prints every event as a JSON line.
//!
//! Run: `cargo run --example quickstart`

use caredesk::engine::{
    DeliveryOutcome, Engine, EngineConfig, EventPayload, Input, Reply, StatusChange,
};
use caredesk::model::*;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (x, whatsapp) = (
        ChannelRef::new(ChannelKind::X, "@KLM"),
        ChannelRef::new(ChannelKind::Whatsapp, "+31206490787"),
    );
    let config = EngineConfig::new(TenantId::from_uuid(Uuid::from_u128(1)))
        .with_channel(x.clone(), Some(Language::ENGLISH))
        .with_channel(whatsapp.clone(), None);
    let mut engine = Engine::new(config);
    let mut now: DateTime<Utc> = "2026-11-23T09:00:00Z".parse()?;
    let mut log = Vec::new();

    let (sanne, tom) = (
        AgentId::from_uuid(Uuid::from_u128(10)),
        AgentId::from_uuid(Uuid::from_u128(11)),
    );
    for agent in [
        Agent::new(
            sanne,
            "Sanne",
            [Language::DUTCH, Language::ENGLISH],
            Capacity::total(3),
        )?
        .with_signature("^SV"),
        Agent::new(tom, "Tom", [Language::ENGLISH], Capacity::total(3))?.with_signature("^TB"),
    ] {
        log.extend(engine.handle(
            now,
            Input::UpsertAgent(agent.with_presence(Presence::Online)),
        )?);
    }

    let inbound = [
        (
            x.clone(),
            "1861",
            "@anna",
            Visibility::Public,
            "@KLM my bag did not arrive in Oslo",
            Language::ENGLISH,
        ),
        (
            whatsapp.clone(),
            "wamid.77",
            "+31612345678",
            Visibility::Private,
            "Mijn vlucht is geannuleerd, wat nu?",
            Language::DUTCH,
        ),
        (
            x.clone(),
            "1862",
            "@bram",
            Visibility::Public,
            "@KLM can I bring skis?",
            Language::ENGLISH,
        ),
    ];
    for (channel, id, handle, visibility, text, language) in inbound {
        let author = Identity::new(channel.kind, handle);
        let message = InboundMessage::new(channel, id, author, visibility, text, now);
        let classification = Some(Classification::query(Some(language)));
        log.extend(engine.handle(
            now,
            Input::Inbound {
                message,
                classification,
            },
        )?);
        now += Duration::minutes(2);
    }

    let anna = engine
        .conversations()
        .next()
        .ok_or("no conversation")?
        .clone();
    let agent = anna.assignee.ok_or("not routed")?;
    let text = format!(
        "So sorry, Anna! Please DM us your file reference. {}",
        engine.agent(agent).ok_or("agent")?.signature
    );
    let reply = Reply {
        conversation: anna.id,
        agent,
        visibility: Visibility::Public,
        text: text.into(),
        attachments: vec![],
    };
    let events = engine.handle(now, Input::Reply(reply))?;
    let outbound = events.iter().find_map(|e| match &e.payload {
        EventPayload::ReplyRequested { outbound, .. } => Some(outbound.id),
        _ => None,
    });
    log.extend(events);
    let delivered = DeliveryOutcome::Delivered {
        external_id: "1863".into(),
    };
    log.extend(engine.handle(
        now,
        Input::DeliveryReport {
            outbound: outbound.ok_or("no send")?,
            outcome: delivered,
        },
    )?);
    log.extend(engine.handle(
        now + Duration::minutes(30),
        Input::SetStatus {
            conversation: anna.id,
            change: StatusChange::Resolve,
        },
    )?);

    for event in &log {
        println!("{}", event.to_json()?);
    }
    eprintln!(
        "{} events; {} conversations; queue length {}",
        log.len(),
        engine.conversation_count(),
        engine.queue().count()
    );
    Ok(())
}
