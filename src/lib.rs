//! # caredesk
//!
//! An embeddable, deterministic engine for social customer care. Brands
//! receive posts, mentions, comments, DMs and e-mails on many channels;
//! caredesk turns them into conversations, tells questions from chatter,
//! routes each question to the right agent, keeps every clock, and records
//! everything as events so nothing is ever lost. Because the engine is
//! deterministic, the same code runs a live desk and a simulated one.
//!
//! ```
//! use caredesk::engine::{Engine, EngineConfig, Input, Reply, StatusChange};
//! use caredesk::model::*;
//!
//! let x = ChannelRef::new(ChannelKind::X, "@KLM");
//! let tenant = TenantId::from_uuid(uuid::Uuid::from_u128(1));
//! let mut engine = Engine::new(EngineConfig::new(tenant).with_channel(x.clone(), None));
//! let now: chrono::DateTime<chrono::Utc> = "2026-11-23T09:00:00Z".parse()?;
//!
//! // An agent who speaks Dutch comes online.
//! let sanne = AgentId::from_uuid(uuid::Uuid::from_u128(10));
//! let agent = Agent::new(sanne, "Sanne", [Language::DUTCH], Capacity::total(3))?
//!     .with_presence(Presence::Online);
//! engine.handle(now, Input::UpsertAgent(agent))?;
//!
//! // A customer asks a question; it is routed to Sanne at once.
//! let question = InboundMessage::new(x, "1861", Identity::new(ChannelKind::X, "@anna"),
//!     Visibility::Public, "@KLM mijn koffer is niet aangekomen", now);
//! let events = engine.handle(now, Input::Inbound {
//!     message: question,
//!     classification: Some(Classification::query(Some(Language::DUTCH))),
//! })?;
//! let conversation = events[1].payload.conversation().ok_or("no conversation")?;
//! assert_eq!(engine.conversation(conversation).map(|c| c.conversation.assignee), Some(Some(sanne)));
//!
//! // She answers (a send the runtime carries out) and resolves it.
//! let later = now + chrono::Duration::minutes(7);
//! engine.handle(later, Input::Reply(Reply {
//!     conversation, agent: sanne, visibility: Visibility::Public,
//!     text: "Wat vervelend! Stuur ons een DM. ^SV".into(), attachments: vec![],
//! }))?;
//! engine.handle(later, Input::SetStatus { conversation, change: StatusChange::Resolve })?;
//! let done = engine.conversation(conversation).ok_or("gone")?.conversation;
//! assert_eq!(done.first_response_at, Some(later));
//! assert_eq!(done.status, Status::Resolved);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Design
//!
//! ```text
//!  channels (X, Meta, WhatsApp, e-mail, memory)     stores (memory, SQLite, PostgreSQL)
//!        | inbound             ^ outbound                 ^ append / replay
//!        v                     |                          |
//!  +-----------------------------------------------------------------+
//!  | Desk (async runtime): ingest, persist, dispatch, timers;         |
//!  | the only place that does IO or reads the wall clock              |
//!  +-----------------------------------------------------------------+
//!        | Input + now                       ^ Vec<Event>
//!        v                                   |
//!  +-----------------------------------------------------------------+
//!  | Engine (sync, deterministic, no IO):                             |
//!  |   triage -> threading -> SLA clocks -> routing -> escalation    |
//!  +-----------------------------------------------------------------+
//! ```
//!
//! The [`engine::Engine`] is a plain state machine in the manner of sans-IO
//! protocol crates: `handle(now, input) -> Result<Vec<Event>, EngineError>`
//! and `next_deadline()`. It never reads a clock, sleeps, touches the network
//! or uses unseeded randomness, so a test drives it with a fake clock
//! ([`testing::TestDesk`]) and a simulation runs a week in virtual time.
//! Every change is an [`engine::Event`]; `Engine::replay` rebuilds the exact
//! state from them. IO lives behind async traits at the edges:
//! [`channel::Channel`] and [`store::EventStore`], each with an in-memory
//! implementation.
//!
//! Where to start reading: [`model`] (the vocabulary), [`engine`] (the
//! lifecycle and the events), [`testing`] (driving it in tests).
//!
//! ## Modules
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`model`] | the vocabulary: channels, messages, customers, conversations, agents |
//! | [`engine`] | the deterministic core: inputs, events, state, replay, read side; sales opportunities, offers, bookings and satisfaction surveys |
//! | [`routing`] | queues, agents' load and skills, strategies, offers, relaxation, shifts (indexed: O(log) per decision) |
//! | [`calendar`] | business calendars (time zones, weekly hours, holidays) |
//! | [`text`], [`triage`] | language, PII and sentiment detectors; inbound classification, purchase intent and its extraction |
//! | [`stats`] | response-time statistics, SLA attainment, the sales funnel and CSAT |
//! | [`sla`] | SLA policies and clocks |
//! | [`escalation`] | escalation rules, levels and the notifier trait |
//! | [`guard`], [`template`] | checks on outbound replies; canned responses |
//! | [`directory`] | the customer directory trait |
//! | [`staffing`] | Erlang C and Erlang A staffing, forecasts and plans |
//! | [`sim`] | the workload generator and the simulated desk |
//! | [`channel`], [`store`] | the IO traits, their memory implementations, the network adapters and stores behind features |
//! | `webhooks` | the webhook receiver (feature `webhooks`) |
//! | [`testing`] | a fake-clock harness for users' tests |
//! | `cluster` | a desk across several nodes on PostgreSQL (feature `postgres`) |
//! | [`design`], [`changelog`] | the design document and the change log |
//!
//! ## Cargo features
//!
//! | feature | default | what it enables |
//! | --- | --- | --- |
//! | `whatlang` | yes | language detection in triage with the `whatlang` crate |
//! | `runtime` | no | the async `Desk` runtime (tokio): ingest, persist, outbox, timers, snapshots, retention |
//! | `sqlite` | no | `SqliteEventStore` (bundled SQLite, WAL, group commit, erasure, compaction) |
//! | `postgres` | no | `PostgresEventStore` (tokio-postgres, deadpool-postgres pool, migrations, tenant-scoped and lease-fenced handles) and `cluster`: a desk across several nodes (leases, inbox with LISTEN/NOTIFY and `SKIP LOCKED`, takeover); implies `runtime` |
//! | `x` | no | X adapter: Account Activity webhooks and CRC, replies and DMs (reqwest, rustls) |
//! | `meta` | no | Facebook Page and Instagram adapter: feed, mentions, messages; Graph API replies |
//! | `whatsapp` | no | WhatsApp Cloud API adapter: messages, statuses, the 24-hour window |
//! | `email` | no | e-mail adapter: `mail-parser` in, `mail-builder` replies to your `MailTransport` |
//! | `channels` | no | all channel adapters |
//! | `webhooks` | no | webhook receiver (axum) feeding a `Desk` |
//! | `report` | yes | HTML report of a simulated week with SVG charts ([`report`]) |
//! | `arbitrary` | no | `Arbitrary` for the engine's inputs and the model ([`model::fuzz`]), used by the cargo-fuzz targets in `fuzz/` |
//! | `full` | no | everything |
//!
//! "Reserved" features are declared so dependants can name them today; they
//! enable nothing yet.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod calendar;
pub mod channel;
#[cfg(feature = "postgres")]
pub mod cluster;
#[cfg(feature = "runtime")]
pub mod desk;
pub mod directory;
pub mod engine;
pub mod escalation;
pub mod guard;
pub mod model;
#[cfg(feature = "report")]
pub mod report;
pub mod routing;
pub mod sim;
pub mod sla;
pub mod staffing;
pub mod stats;
pub mod store;
pub mod template;
pub mod testing;
pub mod text;
pub mod triage;
#[cfg(feature = "webhooks")]
pub mod webhooks;

#[doc = include_str!("../DESIGN.md")]
pub mod design {}

#[doc = include_str!("../CHANGELOG.md")]
pub mod changelog {}
