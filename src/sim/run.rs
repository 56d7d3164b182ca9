//! The discrete-event loop: simulation actions in (time, sequence) order,
//! interleaved with the engine's deadlines.

use super::rng::SimRng;
use super::roster;
use super::summary::{
    EtaAccuracy, HourRow, RowAcc, SimReport, TriageAgreement, WaitFigures, LANGUAGE_ORDER,
};
use super::workload::{self, ReferenceWorkload, CHANNELS, HOUR, LANGUAGES};
use super::{PlainQueue, ReferenceDesk, SimConfig, SimError, Workload};
use crate::engine::{
    DeliveryOutcome, Engine, EngineConfig, Event, EventPayload, Input, Reply, StatusChange,
};
use crate::model::{
    Agent, AgentId, Capacity, ChannelKind, ChannelRef, Classification, ConversationId, Identity,
    InboundMessage, Kind, Language, OutboundId, Presence, Status, TenantId, Visibility,
};
use crate::routing::slab::SlabMap;
use crate::routing::FastMap;
use crate::stats::{EtaEstimator, EtaInput, ResponseTimeHistogram};
use chrono::{DateTime, Datelike, Duration, Utc};
use smol_str::format_smolstr;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

const ETA_REFRESH: i64 = 5 * 60_000;
const BINS: usize = 49;

/// Runs a simulation to the end and returns its report.
///
/// # Errors
/// [`SimError`] when the configuration is out of range.
pub fn run(config: SimConfig) -> Result<SimReport, SimError> {
    let mut simulation = Simulation::new(config)?;
    simulation.advance_to_end();
    Ok(simulation.finish())
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Arrival,
    Repeat(ConversationId),
    Reply(ConversationId, AgentId),
    Resolve(ConversationId),
    Deliver(OutboundId),
    ShiftStart(u32),
    BreakStart(u32),
    BreakEnd(u32),
    ShiftEnd(u32),
    PublishEta,
    HourMark,
    /// A customer books from an offer (key into the sales side's table).
    Book(u64),
    /// A customer answers a survey (key into the sales side's table).
    Answer(u64),
}

struct Scheduled {
    at: i64,
    seq: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    // Reversed: BinaryHeap is a max-heap, the earliest must come first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// What the simulator knows about one open conversation.
struct Track {
    language: u8,
    channel: u8,
    arrival: i64,
    query: bool,
    generated_query: bool,
    first_response: Option<i64>,
    assigned: bool,
    holder: bool,
    customer: u64,
    first_external: u64,
    public: bool,
    patience_until: i64,
    eta_minutes: Option<u32>,
    measured: bool,
    /// A purchase question whose first reply carries an offer.
    purchase: bool,
    offered: bool,
}

struct SimAgent {
    id: AgentId,
    on_shift: bool,
    on_break: bool,
    online: bool,
}

/// What the arrival being handled is, for the `conversation_opened` it causes.
struct ArrivalContext {
    language: u8,
    channel: u8,
    generated_query: bool,
    customer: u64,
    external: u64,
    public: bool,
    patience_until: i64,
    measured: bool,
    generated_language: Language,
    purchase: bool,
}

enum Mode {
    Reference {
        desk: ReferenceDesk,
        workload: Box<ReferenceWorkload>,
    },
    Plain(PlainQueue),
}

/// A running simulation: build it, [`advance`](Simulation::advance) it in
/// steps (to show progress), then [`finish`](Simulation::finish) it.
pub struct Simulation {
    engine: Engine,
    start: DateTime<Utc>,
    end: Option<i64>,
    now: i64,
    heap: BinaryHeap<Scheduled>,
    seq: u64,
    mode: Mode,
    promise_ms: i64,
    rng_arrivals: SimRng,
    rng_customers: SimRng,
    rng_agents: SimRng,
    channels: Vec<ChannelRef>,
    // Keyed by engine-minted ids, placed by their short form like the
    // router's records (recent conversations share cache lines).
    tracks: SlabMap<ConversationId, Track>,
    agents: Vec<SimAgent>,
    agent_index: FastMap<AgentId, u32>,
    capacity: u32,
    waiting: SlabMap<ConversationId, ()>,
    next_customer: u64,
    next_external: u64,
    arrivals: u64,
    // Aggregates.
    total: RowAcc,
    languages: Vec<RowAcc>,
    channel_rows: Vec<RowAcc>,
    days: Vec<RowAcc>,
    weeks: Vec<RowAcc>,
    hours: Vec<HourAcc>,
    bins: Vec<u64>,
    waits: WaitFigures,
    eta: EtaEstimator,
    eta_accuracy: EtaAccuracy,
    eta_error_sum: f64,
    eta_signed_error_sum: f64,
    triage: Option<TriageAgreement>,
    busy_units: u64,
    online_agents: u64,
    busy_integral: f64,
    capacity_integral: f64,
    online_integral: f64,
    last_integrated: i64,
    peak_queue: u64,
    peak_queue_at: i64,
    peak_hot: u64,
    inputs: u64,
    refused: u64,
    events: u64,
    agent_seconds: f64,
    agent_conversations: u64,
    query_volume: Vec<[f64; 14]>,
    pending: Option<ArrivalContext>,
    seed: u64,
    sales: Option<super::sales::SalesSim>,
}

#[derive(Default)]
struct HourAcc {
    inbound: u64,
    queries: u64,
    online_integral: f64,
    queue_max: u64,
    published: Option<u32>,
    histogram: ResponseTimeHistogram,
    hot: u64,
}

fn tenant() -> TenantId {
    TenantId::from_uuid(uuid::Uuid::from_u128(
        0x5117_0000_0000_0000_0000_0000_0000_0001,
    ))
}

fn agent_id(n: u32) -> AgentId {
    AgentId::from_uuid(uuid::Uuid::from_u128(
        0xA6E7_0000_0000_0000_0000_0000_0000_0000 | u128::from(n),
    ))
}

impl Simulation {
    /// Sets up the engine, the agents and the first actions.
    ///
    /// # Errors
    /// [`SimError::InvalidConfig`] for settings out of range (no agents, a
    /// volume or rate that is negative or not finite, zero capacity).
    pub fn new(config: SimConfig) -> Result<Self, SimError> {
        let SimConfig {
            seed,
            start,
            workload,
            promise,
            eta,
            classifier,
        } = config;
        let root = SimRng::new(seed);
        let channels: Vec<ChannelRef> = CHANNELS
            .iter()
            .map(|kind| ChannelRef::new(*kind, "@KLM"))
            .collect();
        // Simulated customers never write to a conversation once it is
        // answered or closed, so closed conversations leave the hot state at
        // once (memory follows open work, and no input is spent on a
        // retention timer). The one-minute reopen window leaves room for the
        // survey sent on resolution to be reported delivered before its
        // conversation goes.
        let mut engine_config = EngineConfig::new(tenant())
            .with_id_seed(seed)
            .with_reopen_window(Duration::minutes(1))
            .with_retention(Duration::zero())
            .with_mention_listen_window(Duration::hours(1));
        for channel in &channels {
            engine_config = engine_config.with_channel(channel.clone(), None);
        }
        let with_classifier = classifier.is_some();
        if let Some(classifier) = classifier {
            engine_config = engine_config.with_classifier(classifier);
        }
        let (mode, capacity, agent_count, end) = match workload {
            Workload::Reference(desk) => {
                if desk.agents == 0 {
                    return Err(SimError::InvalidConfig("agents must be at least 1"));
                }
                if desk.capacity == 0 {
                    return Err(SimError::InvalidConfig("capacity must be at least 1"));
                }
                if ![desk.volume, desk.weekly_mentions, desk.weekly_queries]
                    .iter()
                    .all(|v| positive(*v, true))
                {
                    return Err(SimError::InvalidConfig(
                        "volumes must be finite and not negative",
                    ));
                }
                if desk.weeks == 0 {
                    return Err(SimError::InvalidConfig("weeks must be at least 1"));
                }
                let end = i64::from(desk.weeks) * 168 * HOUR;
                if let Some(policies) = reference_sla(promise) {
                    engine_config = engine_config.with_sla(policies);
                }
                engine_config = engine_config
                    .with_escalation(reference_escalation())
                    // Every simulated agent may sell: no sales skill is required.
                    .with_sales(crate::engine::SalesSettings {
                        skill: None,
                        ..crate::engine::SalesSettings::default()
                    })
                    .with_csat(crate::engine::CsatSettings::default());
                let workload = Box::new(ReferenceWorkload::new(&desk, start));
                let (agents, capacity) = (desk.agents, desk.capacity);
                (
                    Mode::Reference { desk, workload },
                    capacity,
                    agents,
                    Some(end),
                )
            }
            Workload::Plain(plain) => {
                if plain.agents == 0 {
                    return Err(SimError::InvalidConfig("agents must be at least 1"));
                }
                if !positive(plain.arrivals_per_hour, false)
                    || !positive(plain.mean_handle_seconds, false)
                {
                    return Err(SimError::InvalidConfig(
                        "arrival rate and handling time must be positive",
                    ));
                }
                (Mode::Plain(plain), 1, plain.agents, None)
            }
        };
        let mut simulation = Simulation {
            engine: Engine::new(engine_config),
            start,
            end,
            now: 0,
            heap: BinaryHeap::new(),
            seq: 0,
            promise_ms: promise.num_milliseconds(),
            rng_arrivals: root.fork(1),
            rng_customers: root.fork(2),
            rng_agents: root.fork(3),
            channels,
            tracks: SlabMap::default(),
            agents: Vec::with_capacity(agent_count as usize),
            agent_index: FastMap::with_capacity_and_hasher(
                agent_count as usize,
                Default::default(),
            ),
            capacity,
            waiting: SlabMap::default(),
            next_customer: 0,
            next_external: 0,
            arrivals: 0,
            total: RowAcc::default(),
            languages: (0..14).map(|_| RowAcc::default()).collect(),
            channel_rows: (0..CHANNELS.len()).map(|_| RowAcc::default()).collect(),
            days: Vec::new(),
            weeks: Vec::new(),
            hours: Vec::new(),
            bins: vec![0; BINS],
            waits: WaitFigures::default(),
            eta: EtaEstimator::new(eta)?,
            eta_accuracy: EtaAccuracy::default(),
            eta_error_sum: 0.0,
            eta_signed_error_sum: 0.0,
            triage: with_classifier.then(TriageAgreement::default),
            busy_units: 0,
            online_agents: 0,
            busy_integral: 0.0,
            capacity_integral: 0.0,
            online_integral: 0.0,
            last_integrated: 0,
            peak_queue: 0,
            peak_queue_at: 0,
            peak_hot: 0,
            inputs: 0,
            refused: 0,
            events: 0,
            agent_seconds: 0.0,
            agent_conversations: 0,
            query_volume: vec![[0.0; 14]; 168],
            pending: None,
            seed,
            sales: None,
            mode,
        };
        if matches!(simulation.mode, Mode::Reference { .. }) {
            let names = (0..agent_count)
                .map(|n| (agent_id(n), format!("Agent {n}")))
                .collect();
            let promise = u64::try_from(simulation.promise_ms / 1000).unwrap_or(0);
            simulation.sales = Some(super::sales::SalesSim::new(root.fork(4), promise, names));
        }
        simulation.set_up(agent_count)?;
        Ok(simulation)
    }

    fn at(&self, ms: i64) -> DateTime<Utc> {
        self.start + Duration::milliseconds(ms)
    }

    fn schedule(&mut self, at: i64, action: Action) {
        self.seq += 1;
        self.heap.push(Scheduled {
            at,
            seq: self.seq,
            action,
        });
    }

    fn set_up(&mut self, agent_count: u32) -> Result<(), SimError> {
        let roster = match &self.mode {
            Mode::Reference { workload, .. } => {
                roster::build(workload, agent_count, &mut self.rng_agents.fork(99))
            }
            Mode::Plain(_) => Vec::new(),
        };
        for n in 0..agent_count {
            let id = agent_id(n);
            let languages = roster
                .get(n as usize)
                .map_or_else(|| vec![Language::ENGLISH], |entry| entry.languages.clone());
            let plain = matches!(self.mode, Mode::Plain(_));
            let mut agent = Agent::new(
                id,
                format!("Agent {n}"),
                languages,
                Capacity::total(self.capacity),
            )
            .map_err(|_| SimError::InvalidConfig("agent profile"))?;
            if plain {
                agent = agent.with_presence(Presence::Online);
            }
            let events = self.engine.handle(self.at(0), Input::UpsertAgent(agent))?;
            self.events += events.len() as u64;
            self.inputs += 1;
            self.agent_index.insert(id, n);
            self.agents.push(SimAgent {
                id,
                on_shift: plain,
                on_break: false,
                online: plain,
            });
            if plain {
                self.online_agents += 1;
            }
        }
        if let (Mode::Reference { desk, .. }, Some(end)) = (&self.mode, self.end) {
            let break_ms = i64::from(desk.break_minutes) * 60_000;
            let days = end / (24 * HOUR);
            let mut plan = Vec::new();
            for (n, entry) in roster.iter().enumerate() {
                for day in 0..days {
                    let weekday = self.at(day * 24 * HOUR).weekday().num_days_from_monday();
                    if entry.days_off.contains(&weekday) {
                        continue;
                    }
                    let shift_start = day * 24 * HOUR + i64::from(entry.shift_start_hour) * HOUR;
                    plan.push((shift_start, n as u32, shift_start + 8 * HOUR));
                }
            }
            for (shift_start, n, shift_end) in plan {
                self.schedule(shift_start, Action::ShiftStart(n));
                if break_ms > 0 {
                    let offset = 3 * HOUR + (self.rng_agents.uniform() * 2.0 * HOUR as f64) as i64;
                    self.schedule(shift_start + offset, Action::BreakStart(n));
                    self.schedule(shift_start + offset + break_ms, Action::BreakEnd(n));
                }
                self.schedule(shift_end, Action::ShiftEnd(n));
            }
            self.schedule(0, Action::PublishEta);
            self.schedule(HOUR, Action::HourMark);
        }
        self.schedule_next_arrival(0);
        Ok(())
    }

    fn schedule_next_arrival(&mut self, from: i64) {
        let next = match &self.mode {
            Mode::Reference { workload, .. } => {
                let end = self.end.unwrap_or(i64::MAX);
                workload.next_arrival(&mut self.rng_arrivals, from, end)
            }
            Mode::Plain(plain) => (self.arrivals < plain.arrivals).then(|| {
                let gap = self
                    .rng_arrivals
                    .exponential(HOUR as f64 / plain.arrivals_per_hour);
                from + gap.round() as i64
            }),
        };
        if let Some(at) = next {
            self.schedule(at, Action::Arrival);
        }
    }

    /// Whether nothing is left to do.
    pub fn is_done(&self) -> bool {
        match self.heap.peek() {
            None => true,
            Some(next) => self.end.is_some_and(|end| next.at > end),
        }
    }

    /// Simulated hours so far.
    pub fn hours_done(&self) -> f64 {
        self.now as f64 / HOUR as f64
    }

    /// Simulated hours in all (`None` for a run that ends when its
    /// customers are served).
    pub fn hours_total(&self) -> Option<f64> {
        self.end.map(|end| end as f64 / HOUR as f64)
    }

    /// Runs until simulated time `hours` (since the start) or the end.
    pub fn advance(&mut self, hours: f64) {
        let until = (hours * HOUR as f64) as i64;
        self.run_until(until);
    }

    /// Runs to the end.
    pub fn advance_to_end(&mut self) {
        self.run_until(i64::MAX);
    }

    fn run_until(&mut self, until: i64) {
        loop {
            let next_action = self.heap.peek().map(|s| s.at);
            let next_tick = self
                .engine
                .next_deadline()
                .map(|d| (d - self.start).num_milliseconds());
            let (at, tick) = match (next_action, next_tick) {
                (None, _) => return,
                (Some(a), Some(t)) if t <= a => (t, true),
                (Some(a), _) => (a, false),
            };
            if self.end.is_some_and(|end| at > end) || at > until {
                return;
            }
            let at = at.max(self.now);
            self.integrate(at);
            self.now = at;
            if tick {
                self.input(Input::Tick);
            } else if let Some(scheduled) = self.heap.pop() {
                self.act(scheduled.action);
            }
        }
    }

    fn integrate(&mut self, to: i64) {
        let dt = (to - self.last_integrated) as f64 / 1000.0;
        if dt > 0.0 {
            self.busy_integral += self.busy_units as f64 * dt;
            let capacity = self.online_agents * u64::from(self.capacity);
            self.capacity_integral += capacity as f64 * dt;
            self.online_integral += self.online_agents as f64 * dt;
            // Hourly online agents: split the interval over hour boundaries.
            if self.end.is_some() {
                let agents = self.online_agents as f64;
                let mut from = self.last_integrated;
                while from < to {
                    let hour = from / HOUR;
                    let next = ((hour + 1) * HOUR).min(to);
                    let acc = self.hour(hour as usize);
                    acc.online_integral += agents * (next - from) as f64 / 1000.0;
                    from = next;
                }
            }
            self.last_integrated = to;
        }
    }

    fn hour(&mut self, index: usize) -> &mut HourAcc {
        if self.hours.len() <= index {
            self.hours.resize_with(index + 1, HourAcc::default);
        }
        &mut self.hours[index]
    }

    fn input(&mut self, input: Input) -> Option<Vec<Event>> {
        self.inputs += 1;
        match self.engine.handle(self.at(self.now), input) {
            Ok(events) => {
                self.events += events.len() as u64;
                self.absorb(&events);
                Some(events)
            }
            Err(_) => {
                self.refused += 1;
                None
            }
        }
    }

    fn set_presence(&mut self, n: u32, presence: Presence) {
        let Some(agent) = self.agents.get(n as usize) else {
            return;
        };
        let id = agent.id;
        let was = agent.online;
        let online = presence == Presence::Online;
        if was != online {
            if online {
                self.online_agents += 1;
            } else {
                self.online_agents -= 1;
            }
        }
        if let Some(agent) = self.agents.get_mut(n as usize) {
            agent.online = online;
        }
        self.input(Input::SetPresence {
            agent: id,
            presence,
        });
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Arrival => self.arrive(),
            Action::Repeat(conversation) => self.repeat(conversation),
            Action::Reply(conversation, agent) => self.reply(conversation, agent),
            Action::Resolve(conversation) => {
                self.input(Input::SetStatus {
                    conversation,
                    change: StatusChange::Resolve,
                });
            }
            Action::Deliver(outbound) => {
                self.next_external += 1;
                let external_id = smol_str::format_smolstr!("r{}", self.next_external);
                self.input(Input::DeliveryReport {
                    outbound,
                    outcome: DeliveryOutcome::Delivered { external_id },
                });
            }
            Action::ShiftStart(n) => {
                let no_show = match &self.mode {
                    Mode::Reference { desk, .. } => desk.no_show,
                    Mode::Plain(_) => 0.0,
                };
                if self.rng_agents.chance(no_show) {
                    return;
                }
                if let Some(agent) = self.agents.get_mut(n as usize) {
                    agent.on_shift = true;
                    agent.on_break = false;
                }
                self.set_presence(n, Presence::Online);
            }
            Action::BreakStart(n) => {
                if self.agents.get(n as usize).is_some_and(|a| a.on_shift) {
                    if let Some(agent) = self.agents.get_mut(n as usize) {
                        agent.on_break = true;
                    }
                    self.set_presence(n, Presence::Away);
                }
            }
            Action::BreakEnd(n) => {
                if self
                    .agents
                    .get(n as usize)
                    .is_some_and(|a| a.on_shift && a.on_break)
                {
                    if let Some(agent) = self.agents.get_mut(n as usize) {
                        agent.on_break = false;
                    }
                    self.set_presence(n, Presence::Online);
                }
            }
            Action::ShiftEnd(n) => {
                if self.agents.get(n as usize).is_some_and(|a| a.on_shift) {
                    if let Some(agent) = self.agents.get_mut(n as usize) {
                        agent.on_shift = false;
                        agent.on_break = false;
                    }
                    self.set_presence(n, Presence::Offline);
                }
            }
            Action::PublishEta => {
                let input = EtaInput {
                    queue_length: self.waiting.len() as u64,
                    agents_on_shift: u32::try_from(self.online_agents).unwrap_or(u32::MAX),
                };
                let now = self.at(self.now);
                self.eta.refresh(now, input);
                self.eta_accuracy.refreshes += 1;
                self.schedule(self.now + ETA_REFRESH, Action::PublishEta);
            }
            Action::Book(key) => self.book(key),
            Action::Answer(key) => self.answer(key),
            Action::HourMark => {
                let index = (self.now / HOUR - 1).max(0) as usize;
                let published = self.eta.published();
                let hot = self.engine.conversation_count() as u64;
                self.peak_hot = self.peak_hot.max(hot);
                let acc = self.hour(index);
                acc.published = published;
                acc.hot = hot;
                self.schedule(self.now + HOUR, Action::HourMark);
            }
        }
    }

    fn arrive(&mut self) {
        self.arrivals += 1;
        let now = self.now;
        self.next_customer += 1;
        self.next_external += 1;
        let customer = self.next_customer;
        let external = self.next_external;
        let (arrival, plain) = match &self.mode {
            Mode::Reference { workload, desk } => {
                let arrival = workload.draw(&mut self.rng_customers, now);
                let patience = self
                    .rng_customers
                    .log_normal(desk.patience_median_seconds, 0.8);
                (Some((arrival, (patience * 1000.0) as i64)), None)
            }
            Mode::Plain(plain) => (None, Some(*plain)),
        };
        let (message, classification, context) = if let Some((arrival, patience)) = arrival {
            let kind = CHANNELS[arrival.channel];
            let language = LANGUAGES[arrival.language].language;
            let visibility = if arrival.public {
                Visibility::Public
            } else {
                Visibility::Private
            };
            let mut message = InboundMessage::new(
                self.channels[arrival.channel].clone(),
                format_smolstr!("m{external}"),
                Identity::new(kind, format_smolstr!("c{customer}")),
                visibility,
                arrival.text,
                self.at(now),
            );
            if let Some(followers) = arrival.followers {
                message = message.with_reach(followers);
            }
            let mut classification = if arrival.query {
                Classification::query(Some(language))
            } else {
                Classification::mention(Some(language))
            };
            let purchase = arrival.query && self.sales.as_mut().is_some_and(|s| s.is_purchase());
            if purchase {
                message.text = super::sales::purchase_text(language.as_str()).into();
                classification = classification.with_intent(crate::model::Intent::purchase());
            } else if let Some(intent) = arrival.intent {
                classification = classification.with_intent(workload::intent(intent));
            }
            let context = ArrivalContext {
                language: arrival.language as u8,
                channel: arrival.channel as u8,
                generated_query: arrival.query,
                customer,
                external,
                public: arrival.public,
                patience_until: now + patience,
                measured: true,
                generated_language: language,
                purchase,
            };
            (message, classification, context)
        } else {
            let plain = plain.unwrap_or(PlainQueue {
                agents: 1,
                arrivals_per_hour: 1.0,
                mean_handle_seconds: 1.0,
                arrivals: 0,
                warmup: 0,
                target_seconds: 0.0,
            });
            self.waits.target_seconds = plain.target_seconds;
            let channel = CHANNELS
                .iter()
                .position(|k| *k == ChannelKind::Webchat)
                .unwrap_or(0);
            let message = InboundMessage::new(
                self.channels[channel].clone(),
                format_smolstr!("m{external}"),
                Identity::new(ChannelKind::Webchat, format_smolstr!("c{customer}")),
                Visibility::Private,
                "I have a question about my booking",
                self.at(now),
            );
            let context = ArrivalContext {
                language: 0,
                channel: channel as u8,
                generated_query: true,
                customer,
                external,
                public: false,
                patience_until: now,
                measured: self.arrivals > plain.warmup,
                generated_language: Language::ENGLISH,
                purchase: false,
            };
            (
                message,
                Classification::query(Some(Language::ENGLISH)),
                context,
            )
        };
        let language = context.language as usize;
        let channel = context.channel as usize;
        let generated_query = context.generated_query;
        self.count_inbound(language, channel, generated_query, now);
        let classification = self.triage.is_none().then_some(classification);
        self.pending = Some(context);
        let events = self.input(Input::Inbound {
            message,
            classification,
        });
        self.pending = None;
        // A customer who asked something posts again while unanswered.
        if let (Some(events), Mode::Reference { desk, .. }) = (events, &self.mode) {
            if generated_query {
                let gap = self
                    .rng_customers
                    .log_normal(desk.repeat_median_seconds, 0.6);
                let opened = events.iter().find_map(|e| match &e.payload {
                    EventPayload::ConversationOpened { conversation, .. } => Some(*conversation),
                    _ => None,
                });
                if let Some(conversation) = opened {
                    self.schedule(now + (gap * 1000.0) as i64, Action::Repeat(conversation));
                }
            }
        }
        self.schedule_next_arrival(now);
    }

    fn count_inbound(&mut self, language: usize, channel: usize, query: bool, now: i64) {
        let day = (now / (24 * HOUR)) as usize;
        let week = day / 7;
        let hour = (now / HOUR) as usize;
        for acc in [
            &mut self.total,
            &mut self.languages[language],
            &mut self.channel_rows[channel],
        ] {
            acc.inbound += 1;
        }
        grow(&mut self.days, day).inbound += 1;
        grow(&mut self.weeks, week).inbound += 1;
        self.hour(hour).inbound += 1;
        if query && matches!(self.mode, Mode::Reference { .. }) {
            let at = self.at(now);
            let how = crate::staffing::hour_of_week(&at) as usize;
            let slot = LANGUAGE_ORDER
                .iter()
                .position(|l| *l == LANGUAGES[language].language)
                .unwrap_or(0);
            self.query_volume[how][slot] += 1.0;
        }
    }

    fn repeat(&mut self, conversation: ConversationId) {
        let now = self.now;
        let Some(track) = self.tracks.get(&conversation) else {
            return;
        };
        if track.first_response.is_some() || now >= track.patience_until {
            return;
        }
        let Mode::Reference { workload, desk } = &self.mode else {
            return;
        };
        let (language, channel, customer, first, public) = (
            track.language as usize,
            track.channel as usize,
            track.customer,
            track.first_external,
            track.public,
        );
        let text = workload.nudge(language);
        let gap = self
            .rng_customers
            .log_normal(desk.repeat_median_seconds, 0.6);
        self.next_external += 1;
        let kind = CHANNELS[channel];
        let message = InboundMessage::new(
            self.channels[channel].clone(),
            format_smolstr!("m{}", self.next_external),
            Identity::new(kind, format_smolstr!("c{customer}")),
            if public {
                Visibility::Public
            } else {
                Visibility::Private
            },
            text,
            self.at(now),
        )
        .in_reply_to(format_smolstr!("m{first}"));
        let classification = self
            .triage
            .is_none()
            .then(|| Classification::query(Some(LANGUAGES[language].language)));
        self.count_inbound(language, channel, false, now);
        self.input(Input::Inbound {
            message,
            classification,
        });
        self.schedule(now + (gap * 1000.0) as i64, Action::Repeat(conversation));
    }

    fn reply(&mut self, conversation: ConversationId, agent: AgentId) {
        let Some(track) = self.tracks.get(&conversation) else {
            return;
        };
        let channel = CHANNELS[track.channel as usize];
        let visibility = if track.public && !channel.is_private_by_nature() {
            Visibility::Public
        } else {
            Visibility::Private
        };
        let handle = match &self.mode {
            Mode::Reference { desk, .. } => self
                .rng_agents
                .log_normal(desk.handle_median_seconds, desk.handle_sigma),
            Mode::Plain(plain) => self.rng_agents.exponential(plain.mean_handle_seconds),
        };
        let reply = Reply {
            conversation,
            agent,
            visibility,
            text: "Thank you for your message, we are looking into it for you. ^KLM".into(),
            attachments: Vec::new(),
        };
        let wait_minutes = (self.now - track.arrival) as f64 / 60_000.0;
        let offer = (track.purchase && !track.offered)
            .then(|| {
                let now = self.at(self.now);
                self.sales.as_mut().map(|s| s.offer(now, wait_minutes))
            })
            .flatten();
        let replied = match offer {
            Some((offer, booking)) => {
                let replied = self.input(Input::ReplyWithOffer { reply, offer });
                if replied.is_some() {
                    if let Some(track) = self.tracks.get_mut(&conversation) {
                        track.offered = true;
                    }
                    if let Some((delay, key)) = booking {
                        self.schedule(self.now + delay, Action::Book(key));
                    }
                }
                replied
            }
            None => self.input(Input::Reply(reply)),
        };
        if replied.is_some() {
            self.agent_seconds += handle;
            let ms = (handle * 1000.0).round() as i64;
            self.schedule(self.now + ms, Action::Resolve(conversation));
        }
    }

    fn book(&mut self, key: u64) {
        let Some(pending) = self.sales.as_mut().and_then(|s| s.bookings.remove(&key)) else {
            return;
        };
        let booking = crate::model::Booking {
            booking_code: format!("PNR{key}"),
            offer_reference: Some(pending.reference),
            identity: None,
            amount_minor: pending.amount_minor,
            currency: crate::model::Currency::eur(),
            booked_at: self.at(self.now),
        };
        self.input(Input::RecordBooking { booking });
    }

    fn answer(&mut self, key: u64) {
        let Some(pending) = self.sales.as_mut().and_then(|s| s.answers.remove(&key)) else {
            return;
        };
        self.input(Input::SurveyResponse {
            survey: pending.survey,
            score: pending.score,
            comment: pending.comment.map(str::to_owned),
        });
    }

    fn think_ms(&mut self) -> i64 {
        match &self.mode {
            Mode::Reference { desk, .. } => {
                let seconds = self
                    .rng_agents
                    .log_normal(desk.think_median_seconds, desk.think_sigma);
                self.agent_seconds += seconds;
                (seconds * 1000.0).round() as i64
            }
            Mode::Plain(_) => 0,
        }
    }

    fn absorb(&mut self, events: &[Event]) {
        for event in events {
            if let Some(sales) = &mut self.sales {
                sales.observe(event.at, &event.payload);
            }
            match &event.payload {
                EventPayload::SurveyRequested {
                    survey,
                    outbound,
                    first_response_secs,
                    ..
                } => {
                    self.schedule(self.now, Action::Deliver(outbound.id));
                    let answer = self
                        .sales
                        .as_mut()
                        .and_then(|s| s.answer(*survey, *first_response_secs));
                    if let Some((delay, key)) = answer {
                        self.schedule(self.now + delay, Action::Answer(key));
                    }
                }
                EventPayload::ConversationOpened {
                    conversation, kind, ..
                } => {
                    if let Some(context) = self.pending.take() {
                        let query = *kind == Kind::Query;
                        let track = Track {
                            language: context.language,
                            channel: context.channel,
                            arrival: self.now,
                            query,
                            generated_query: context.generated_query,
                            first_response: None,
                            assigned: false,
                            holder: false,
                            customer: context.customer,
                            first_external: context.external,
                            public: context.public,
                            patience_until: context.patience_until,
                            eta_minutes: None,
                            measured: context.measured,
                            purchase: context.purchase,
                            offered: false,
                        };
                        if let Some(triage) = &mut self.triage {
                            triage.messages += 1;
                            if context.generated_query == query {
                                triage.kind_agrees += 1;
                            }
                        }
                        self.tracks.insert(*conversation, track);
                        if query {
                            self.count_query(*conversation);
                        }
                        self.pending = Some(context);
                    }
                }
                EventPayload::MessageReceived { classification, .. } => {
                    if let (Some(triage), Some(context)) = (&mut self.triage, &self.pending) {
                        if classification.language == Some(context.generated_language) {
                            triage.language_agrees += 1;
                        }
                    }
                }
                EventPayload::MentionPromoted { conversation } => {
                    let promote = self.tracks.get_mut(conversation).is_some_and(|t| {
                        let was = t.query;
                        t.query = true;
                        !was
                    });
                    if promote {
                        self.count_query(*conversation);
                    }
                }
                EventPayload::ConversationQueued { conversation } => {
                    self.waiting.insert(*conversation, ());
                    let length = self.waiting.len() as u64;
                    if length > self.peak_queue {
                        self.peak_queue = length;
                        self.peak_queue_at = self.now;
                    }
                    let hour = (self.now / HOUR) as usize;
                    if self.end.is_some() {
                        let acc = self.hour(hour);
                        acc.queue_max = acc.queue_max.max(length);
                    }
                }
                EventPayload::ConversationAssigned {
                    conversation,
                    agent,
                } => {
                    self.waiting.remove(conversation);
                    let now = self.now;
                    let Some(track) = self.tracks.get_mut(conversation) else {
                        continue;
                    };
                    if !track.holder {
                        track.holder = true;
                        self.busy_units += 1;
                    }
                    if !track.assigned {
                        track.assigned = true;
                        if track.measured {
                            let wait = now - track.arrival;
                            self.waits.offered += 1;
                            if wait > 0 {
                                self.waits.waited += 1;
                            }
                            if wait as f64 <= self.waits.target_seconds * 1000.0 {
                                self.waits.within_target += 1;
                            }
                            self.waits.total_wait_seconds += wait as f64 / 1000.0;
                        }
                    }
                    self.agent_conversations += 1;
                    let think = self.think_ms();
                    self.schedule(now + think, Action::Reply(*conversation, *agent));
                }
                EventPayload::ReplyRequested {
                    conversation,
                    automated,
                    outbound,
                    ..
                } => {
                    self.schedule(self.now, Action::Deliver(outbound.id));
                    if !automated {
                        self.first_response(*conversation);
                    }
                }
                EventPayload::StatusChanged {
                    conversation, to, ..
                } => {
                    if matches!(to, Status::Resolved | Status::Closed { .. }) {
                        self.waiting.remove(conversation);
                        if let Some(track) = self.tracks.remove(conversation) {
                            if track.holder {
                                self.busy_units = self.busy_units.saturating_sub(1);
                            }
                            if track.query && track.first_response.is_none() {
                                // Closed unanswered: count it as never answered.
                                self.settle_unanswered(&track, self.now);
                            }
                            if let Some(triage) = &mut self.triage {
                                if track.generated_query && !track.query {
                                    triage.queries_missed += 1;
                                }
                            }
                        }
                    }
                }
                other => {
                    if matches!(other, EventPayload::EscalationFired { .. }) {
                        if let Some(track) = other.conversation().and_then(|c| self.tracks.get(&c))
                        {
                            let (language, channel, arrival) = (
                                track.language as usize,
                                track.channel as usize,
                                track.arrival,
                            );
                            for acc in self.rows_for(language, channel, arrival) {
                                acc.escalations += 1;
                            }
                        } else {
                            self.total.escalations += 1;
                        }
                    }
                }
            }
        }
    }

    fn rows_for(&mut self, language: usize, channel: usize, arrival: i64) -> [&mut RowAcc; 5] {
        let day = (arrival / (24 * HOUR)) as usize;
        let week = day / 7;
        grow(&mut self.days, day);
        grow(&mut self.weeks, week);
        [
            &mut self.total,
            &mut self.languages[language],
            &mut self.channel_rows[channel],
            &mut self.days[day],
            &mut self.weeks[week],
        ]
    }

    fn count_query(&mut self, conversation: ConversationId) {
        let published = self.eta.published();
        let reference = self.end.is_some();
        let Some(track) = self.tracks.get_mut(&conversation) else {
            return;
        };
        track.eta_minutes = published;
        let (language, channel, arrival) = (
            track.language as usize,
            track.channel as usize,
            track.arrival,
        );
        for acc in self.rows_for(language, channel, arrival) {
            acc.queries += 1;
        }
        if reference {
            self.hour((arrival / HOUR) as usize).queries += 1;
        }
    }

    fn first_response(&mut self, conversation: ConversationId) {
        let now = self.now;
        let promise = self.promise_ms;
        let Some(track) = self.tracks.get_mut(&conversation) else {
            return;
        };
        if track.first_response.is_some() {
            return;
        }
        track.first_response = Some(now);
        if !track.query {
            return;
        }
        let (language, channel, arrival, eta) = (
            track.language as usize,
            track.channel as usize,
            track.arrival,
            track.eta_minutes,
        );
        let waited = now - arrival;
        let seconds = waited as f64 / 1000.0;
        for acc in self.rows_for(language, channel, arrival) {
            acc.answered += 1;
            acc.histogram.record_valid_seconds(seconds);
            if waited <= promise {
                acc.within += 1;
            } else {
                acc.breaches += 1;
            }
        }
        let bin = ((seconds / 300.0) as usize).min(BINS - 1);
        self.bins[bin] += 1;
        if self.end.is_some() {
            self.hour((arrival / HOUR) as usize)
                .histogram
                .record_valid_seconds(seconds);
        }
        self.eta.record_first_response(self.at(now), seconds);
        if let Some(minutes) = eta {
            self.eta_accuracy.customers += 1;
            if seconds <= f64::from(minutes) * 60.0 {
                self.eta_accuracy.kept += 1;
            }
            self.eta_error_sum += (seconds / 60.0 - f64::from(minutes)).abs();
            self.eta_signed_error_sum += seconds / 60.0 - f64::from(minutes);
        }
    }

    /// A query with no first response at `now`: a breach once older than
    /// the promise, else "too young to tell".
    fn settle_unanswered(&mut self, track: &Track, now: i64) {
        let waited = now - track.arrival;
        let promise = self.promise_ms;
        let (language, channel) = (track.language as usize, track.channel as usize);
        for acc in self.rows_for(language, channel, track.arrival) {
            if waited > promise {
                acc.breaches += 1;
            } else {
                acc.young += 1;
            }
        }
        if let Some(minutes) = track.eta_minutes {
            let seconds = waited as f64 / 1000.0;
            if seconds > f64::from(minutes) * 60.0 {
                self.eta_accuracy.customers += 1;
                self.eta_error_sum += seconds / 60.0 - f64::from(minutes);
                self.eta_signed_error_sum += seconds / 60.0 - f64::from(minutes);
            }
        }
    }

    /// Ends the run: queries still unanswered are settled, and the report built.
    pub fn finish(mut self) -> SimReport {
        let end = self.end.unwrap_or(self.now);
        self.integrate(end.max(self.now));
        let mut open: Vec<(ConversationId, Track)> = self.tracks.drain().collect();
        open.sort_by_key(|(id, _)| *id);
        for (_, track) in &open {
            if track.query && track.first_response.is_none() {
                self.settle_unanswered(track, end);
            }
        }
        let weeks = self.weeks.len().max(1) as f64;
        let hourly = self
            .hours
            .iter()
            .enumerate()
            .map(|(hour, acc)| HourRow {
                hour: hour as u32,
                inbound: acc.inbound,
                queries: acc.queries,
                agents_online: acc.online_integral / 3600.0,
                queue_max: acc.queue_max,
                published_minutes: acc.published,
                first_response_p90_minutes: acc
                    .histogram
                    .percentile(0.9)
                    .map(|s| (s / 6.0).round() / 10.0),
                hot_conversations: acc.hot,
            })
            .collect();
        let accuracy = EtaAccuracy {
            kept_share: (self.eta_accuracy.customers > 0)
                .then(|| self.eta_accuracy.kept as f64 / self.eta_accuracy.customers as f64),
            mean_absolute_error_minutes: (self.eta_accuracy.customers > 0)
                .then(|| self.eta_error_sum / self.eta_accuracy.customers as f64),
            mean_error_minutes: (self.eta_accuracy.customers > 0)
                .then(|| self.eta_signed_error_sum / self.eta_accuracy.customers as f64),
            ..self.eta_accuracy.clone()
        };
        let languages = LANGUAGE_ORDER
            .iter()
            .filter_map(|language| {
                let index = LANGUAGES.iter().position(|p| p.language == *language)?;
                Some(self.languages[index].row(language.as_str()))
            })
            .collect();
        SimReport {
            seed: self.seed,
            hours: end as f64 / HOUR as f64,
            agents: self.agents.len() as u32,
            total: self.total.row("all"),
            languages,
            channels: CHANNELS
                .iter()
                .zip(&self.channel_rows)
                .map(|(kind, acc)| acc.row(kind.as_str()))
                .collect(),
            days: self
                .days
                .iter()
                .enumerate()
                .map(|(d, acc)| acc.row(format!("day {}", d + 1)))
                .collect(),
            weeks: self
                .weeks
                .iter()
                .enumerate()
                .map(|(w, acc)| acc.row(format!("week {}", w + 1)))
                .collect(),
            occupancy: if self.capacity_integral > 0.0 {
                self.busy_integral / self.capacity_integral
            } else {
                0.0
            },
            agent_hours_online: self.online_integral / 3600.0,
            peak_queue: self.peak_queue,
            peak_queue_hour: self.peak_queue_at as f64 / HOUR as f64,
            peak_hot_conversations: self.peak_hot,
            eta: accuracy,
            waits: self.waits.clone(),
            hourly,
            first_response_bins: self.bins.clone(),
            inputs: self.inputs,
            refused_inputs: self.refused,
            events: self.events,
            triage: self.triage.clone(),
            hourly_query_volume: self
                .query_volume
                .iter()
                .map(|row| row.map(|v| v / weeks))
                .collect(),
            sales: self
                .sales
                .as_ref()
                .map(super::sales::SalesSummary::from_sim),
            mean_agent_seconds: if self.agent_conversations > 0 {
                self.agent_seconds / self.agent_conversations as f64
            } else {
                0.0
            },
        }
    }
}

/// Whether `value` is finite and positive (or, with `zero_ok`, zero).
fn positive(value: f64, zero_ok: bool) -> bool {
    value.is_finite() && (value > 0.0 || (zero_ok && value == 0.0))
}

fn grow(rows: &mut Vec<RowAcc>, index: usize) -> &mut RowAcc {
    if rows.len() <= index {
        rows.resize_with(index + 1, RowAcc::default);
    }
    &mut rows[index]
}

trait RecordValid {
    fn record_valid_seconds(&mut self, seconds: f64);
}

impl RecordValid for ResponseTimeHistogram {
    fn record_valid_seconds(&mut self, seconds: f64) {
        // Waits are differences of increasing simulated times: never
        // negative or non-finite, so nothing is dropped here.
        let _ = self.record_seconds(seconds.max(0.0));
    }
}

/// The reference desk's promise as an SLA policy: first and next response
/// within the promise, day and night.
fn reference_sla(promise: Duration) -> Option<crate::sla::SlaPolicies> {
    use crate::sla::{SlaPolicy, SlaTarget, TargetSet};
    let minutes = u64::try_from(promise.num_minutes()).unwrap_or(60).max(1);
    let policy = SlaPolicy::around_the_clock(
        "promise",
        TargetSet::default()
            .with_minutes(SlaTarget::FirstResponse, minutes)
            .with_minutes(SlaTarget::NextResponse, minutes),
    );
    // A single always-open policy is always valid.
    crate::sla::SlaPolicies::single(policy).ok()
}

/// The reference desk's escalation rules: a customer who writes three times
/// within an hour without an answer jumps the queue and a supervisor hears of
/// it; a first response about to break the promise raises the priority.
fn reference_escalation() -> crate::escalation::EscalationRules {
    use crate::escalation::{
        Action, Condition, EscalationRule, EscalationRules, SlaStage, SlaTarget,
    };
    use crate::model::Priority;
    let rules = vec![
        EscalationRule::new(
            "promise-at-risk",
            Condition::sla(SlaTarget::FirstResponse, SlaStage::Warning),
        )
        .then(Action::RaisePriorityTo(Priority::High)),
        EscalationRule::new(
            "three-unanswered",
            Condition::repeat_contacts(3, Duration::minutes(60)),
        )
        .then(Action::RaisePriorityTo(Priority::Urgent))
        .then(Action::Notify {
            message: "customer wrote three times within an hour without an answer".into(),
        }),
    ];
    EscalationRules::new(rules).unwrap_or_default()
}
