//! Routing decisions: the indexed `Router` against a naive router in the
//! same run.
//!
//! Desk: 150, 1,500 and 15,000 agents over 14 languages and 10 skills, each
//! with 500,000 queued conversations, from a seeded xorshift generator. A
//! decision is choosing the agent for one arriving conversation
//! (`decide_for_conversation`) or the conversation for an agent who just
//! freed capacity (`decide_for_agent`); the mix is half and half. The naive
//! router scans every agent for a conversation (least loaded wins) and walks
//! the queue in order for an agent. Both must give the same answers (checked
//! on a sample). Memory of the 500,000 queued conversations is counted with
//! a counting global allocator. Prints
//! `routing A agents, Q queued: N decisions/s, naive M/s, ratio Rx` and the
//! memory figure.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use caredesk::model::{
    Agent, AgentId, Capacity, ChannelKind, ConversationId, Language, Presence, Priority, Skill,
    TeamId, Visibility,
};
use caredesk::routing::{
    Decision, QueueOrder, RouteRequirements, Router, RouterConfig, Shift, Weights,
};
use chrono::{DateTime, Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use uuid::Uuid;

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// xorshift64*, seeded: the same desk on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const QUEUED: usize = 500_000;
const SKILLS: usize = 10;

fn skill(n: u64) -> Skill {
    Skill::new(format!("skill-{n}"))
}

fn team(n: u64) -> TeamId {
    TeamId::from_uuid(Uuid::from_u128(0x7000 + u128::from(n)))
}

fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap_or_default()
}

fn make_agent(n: usize, rng: &mut XorShift) -> Agent {
    let languages = Language::REFERENCE_DESK;
    let native = languages[rng.below(14) as usize];
    let id = AgentId::from_uuid(Uuid::from_u128(0xA000_0000 + n as u128));
    let capacity = Capacity::total(4 + rng.below(5) as u32);
    let mut agent = Agent::new(id, format!("agent {n}"), [native], capacity)
        .unwrap_or_else(|_| unreachable!("valid bench agent"))
        .with_presence(Presence::Online);
    if rng.chance(50) {
        let second = languages[rng.below(14) as usize];
        if second != native {
            agent = agent.with_language(second, 3 + rng.below(2) as u8);
        }
    }
    for _ in 0..2 + rng.below(2) {
        agent = agent.with_skill(skill(rng.below(SKILLS as u64)), 1 + rng.below(5) as u8);
    }
    if rng.chance(30) {
        let all = ChannelKind::ALL;
        agent = agent.with_channels((0..3).map(|_| all[rng.below(7) as usize]));
    }
    if rng.chance(30) {
        agent = agent.with_team(team(rng.below(4)));
    }
    agent
}

fn make_needs(rng: &mut XorShift) -> RouteRequirements {
    let language = Language::REFERENCE_DESK[rng.below(14) as usize];
    let channel = ChannelKind::ALL[rng.below(7) as usize];
    let mut needs = RouteRequirements::new(Some(language), channel);
    if rng.chance(50) {
        needs = needs.with_visibility(Visibility::Private);
    }
    if rng.chance(30) {
        needs = needs.with_required_skill(skill(rng.below(SKILLS as u64)), 1 + rng.below(3) as u8);
    }
    if rng.chance(20) {
        needs = needs.with_preferred_skill(skill(rng.below(SKILLS as u64)));
    }
    if rng.chance(5) {
        needs = needs.with_team(team(rng.below(4)));
    }
    needs
}

fn weights() -> Weights {
    Weights {
        public: 1,
        private: 2,
        overrides: vec![],
    }
}

/// The baseline: a plain list of agents and one ordered queue.
struct Naive {
    agents: Vec<(Agent, u32)>,
    queue: std::collections::BTreeMap<QueueOrder, RouteRequirements>,
    by_id: std::collections::HashMap<ConversationId, QueueOrder>,
    weights: Weights,
}

impl Naive {
    fn eligible(&self, agent: &Agent, load: u32, needs: &RouteRequirements) -> bool {
        let weight = self.weights.units(needs.channel, needs.visibility);
        needs.language.is_none_or(|l| {
            agent
                .languages
                .get(&l)
                .is_some_and(|v| *v >= needs.language_level)
        }) && agent.works(needs.channel)
            && load + weight <= agent.capacity.limit_for(needs.channel)
            && needs
                .required_skills
                .iter()
                .all(|(s, l)| agent.skills.get(s).is_some_and(|v| v >= l))
            && needs
                .preferred_skills
                .iter()
                .all(|s| agent.skills.contains_key(s))
            && needs.team.is_none_or(|t| agent.team == Some(t))
            && agent.presence == Presence::Online
    }

    fn decide_for_conversation(&self, conversation: ConversationId) -> Option<AgentId> {
        let order = self.by_id.get(&conversation)?;
        let needs = self.queue.get(order)?;
        self.agents
            .iter()
            .filter(|(agent, load)| self.eligible(agent, *load, needs))
            .min_by_key(|(agent, load)| {
                (
                    u64::from(*load) * 1000 / u64::from(agent.capacity.total),
                    agent.id,
                )
            })
            .map(|(agent, _)| agent.id)
    }

    fn decide_for_agent(&self, index: usize) -> Option<ConversationId> {
        let (agent, load) = self.agents.get(index)?;
        if *load >= agent.capacity.total {
            return None;
        }
        self.queue
            .iter()
            .find(|(_, needs)| self.eligible(agent, *load, needs))
            .map(|(order, _)| order.conversation)
    }
}

struct Desk {
    router: Router,
    naive: Naive,
    conversations: Vec<ConversationId>,
    agents: Vec<AgentId>,
    queue_bytes: usize,
}

fn desk(agent_count: usize) -> Desk {
    let mut rng = XorShift(0x5EED_0000 + agent_count as u64);
    let config = RouterConfig {
        weights: weights(),
        ..RouterConfig::default()
    };
    let mut router = Router::new(config).unwrap_or_else(|_| unreachable!("valid config"));
    let mut naive_agents = Vec::new();
    let mut agents = Vec::new();
    let mut next_id: u128 = 0;
    for n in 0..agent_count {
        let agent = make_agent(n, &mut rng);
        agents.push(agent.id);
        let _ = router.upsert_agent(agent.clone(), Shift::Always, now());
        // Some load already: conversations in their own language on X.
        let native = agent.languages.keys().next().copied();
        let busy = rng.below(u64::from(agent.capacity.total) / 2 + 1);
        let mut load = 0;
        if agent.works(ChannelKind::X) {
            for _ in 0..busy {
                next_id += 1;
                let c = ConversationId::from_uuid(Uuid::from_u128(next_id));
                let needs = RouteRequirements::new(native, ChannelKind::X).with_language_level(1);
                let _ = router.enqueue(c, needs, Priority::Normal, None, now());
                let decision = Decision::Assign {
                    conversation: c,
                    agent: agent.id,
                };
                if router.apply(decision, now()).is_ok() {
                    load += 1;
                }
            }
        }
        naive_agents.push((agent, load));
    }
    let mut conversations = Vec::with_capacity(QUEUED);
    let mut queue = std::collections::BTreeMap::new();
    let mut by_id = std::collections::HashMap::new();
    let mut entries = Vec::with_capacity(QUEUED);
    for i in 0..QUEUED {
        next_id += 1;
        let c = ConversationId::from_uuid(Uuid::from_u128(next_id));
        let needs = make_needs(&mut rng);
        let priority = [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ][rng.below(4) as usize];
        let arrival = now() - Duration::seconds((QUEUED - i) as i64);
        let deadline = rng
            .chance(70)
            .then(|| arrival + Duration::minutes(60 + rng.below(60) as i64));
        entries.push((c, needs, priority, deadline, arrival));
    }
    let start = LIVE.load(Ordering::Relaxed);
    for (c, needs, priority, deadline, arrival) in &entries {
        let _ = router.enqueue(*c, needs.clone(), *priority, *deadline, *arrival);
    }
    let queue_bytes = LIVE.load(Ordering::Relaxed).saturating_sub(start);
    for (c, needs, priority, deadline, arrival) in entries {
        let order = QueueOrder::new(c, priority, deadline, arrival);
        queue.insert(order, needs);
        by_id.insert(c, order);
        conversations.push(c);
    }
    Desk {
        router,
        naive: Naive {
            agents: naive_agents,
            queue,
            by_id,
            weights: weights(),
        },
        conversations,
        agents,
        queue_bytes,
    }
}

/// The sample: (conversation, agent index) pairs, the same for both routers.
fn sample(d: &Desk, n: usize, seed: u64) -> Vec<(ConversationId, usize)> {
    let mut rng = XorShift(seed);
    (0..n)
        .map(|_| {
            (
                d.conversations[rng.below(d.conversations.len() as u64) as usize],
                rng.below(d.agents.len() as u64) as usize,
            )
        })
        .collect()
}

fn indexed_round(d: &Desk, cases: &[(ConversationId, usize)]) -> usize {
    let mut found = 0;
    for (c, a) in cases {
        found += usize::from(d.router.decide_for_conversation(*c, now()).is_some());
        found += usize::from(d.router.decide_for_agent(d.agents[*a], now()).is_some());
    }
    found
}

fn naive_round(d: &Desk, cases: &[(ConversationId, usize)]) -> usize {
    let mut found = 0;
    for (c, a) in cases {
        found += usize::from(d.naive.decide_for_conversation(*c).is_some());
        found += usize::from(d.naive.decide_for_agent(*a).is_some());
    }
    found
}

/// Both routers must agree: same agent, same conversation.
fn check_agreement(d: &Desk, cases: &[(ConversationId, usize)]) {
    for (c, a) in cases {
        let indexed = d
            .router
            .decide_for_conversation(*c, now())
            .map(|x| x.agent());
        assert_eq!(
            indexed,
            d.naive.decide_for_conversation(*c),
            "agent for {c}"
        );
        let indexed = d
            .router
            .decide_for_agent(d.agents[*a], now())
            .map(|x| x.conversation());
        assert_eq!(
            indexed,
            d.naive.decide_for_agent(*a),
            "conversation for agent {a}"
        );
    }
}

fn rate(decisions: usize, run: impl Fn() -> usize) -> f64 {
    let start = Instant::now();
    let mut rounds = 0usize;
    while start.elapsed().as_secs_f64() < 1.0 || rounds == 0 {
        black_box(run());
        rounds += 1;
    }
    (decisions * rounds) as f64 / start.elapsed().as_secs_f64()
}

fn bench(c: &mut Criterion) {
    let mut summary = Vec::new();
    for agent_count in [150, 1_500, 15_000] {
        let d = desk(agent_count);
        let cases = sample(&d, 2_000, 0xDEC1DE + agent_count as u64);
        check_agreement(&d, &cases[..500]);
        let naive_cases = &cases[..if agent_count > 1_500 { 100 } else { 500 }];
        let mut group = c.benchmark_group(format!("routing_{agent_count}_agents"));
        group.sample_size(10);
        group.throughput(Throughput::Elements(2 * cases.len() as u64));
        group.bench_function("indexed", |b| b.iter(|| indexed_round(&d, &cases)));
        group.throughput(Throughput::Elements(2 * naive_cases.len() as u64));
        group.bench_function("naive", |b| b.iter(|| naive_round(&d, naive_cases)));
        group.finish();
        let fast = rate(2 * cases.len(), || indexed_round(&d, &cases));
        let slow = rate(2 * naive_cases.len(), || naive_round(&d, naive_cases));
        // Conversation-only and agent-only rates, for the record.
        let per_conversation = rate(cases.len(), || {
            cases
                .iter()
                .filter(|(x, _)| d.router.decide_for_conversation(*x, now()).is_some())
                .count()
        });
        let per_agent = rate(cases.len(), || {
            cases
                .iter()
                .filter(|(_, a)| d.router.decide_for_agent(d.agents[*a], now()).is_some())
                .count()
        });
        summary.push(format!(
            "routing {agent_count} agents, {QUEUED} queued: {fast:.0} decisions/s \
             (for a conversation {per_conversation:.0}/s, for an agent {per_agent:.0}/s), \
             naive {slow:.0}/s, ratio {:.1}x; queue memory {:.1} MB ({} bytes per queued conversation)",
            fast / slow,
            d.queue_bytes as f64 / 1e6,
            d.queue_bytes / QUEUED,
        ));
        // Decide, apply and release: the full cycle of one assignment.
        let cycle = {
            let mut router = d.router.clone();
            let start = Instant::now();
            let mut done = 0usize;
            for (x, _) in cases.iter().cycle().take(20_000) {
                if let Some(decision) = router.decide_for_conversation(*x, now()) {
                    if router.apply(decision, now()).is_ok() {
                        let _ = router.release(*x, now());
                        done += 1;
                    }
                }
            }
            done as f64 / start.elapsed().as_secs_f64()
        };
        summary.push(format!(
            "routing {agent_count} agents: decide + apply + release {cycle:.0} cycles/s"
        ));
    }
    for line in summary {
        println!("{line}");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
