//! Engine ingest throughput and memory per open conversation.
//!
//! For 10k, 100k and 1M open conversations: build an engine holding that many
//! open queries (each a new customer, waiting in the queue), then time the
//! ingest of further new conversations (threading, customer creation, event
//! emission; the classification is supplied, so no triage runs) and of
//! follow-up messages that thread into an existing conversation by reply
//! chain. Memory is counted by a global allocator wrapper: heap bytes held by
//! the engine per open conversation, message bodies excluded, and the heap
//! each follow-up message adds (bodies excluded). Only a body's own heap
//! block is excluded: this bench's body is short enough to sit inline in
//! its message, so it counts with the message. The bytes per conversation
//! are split three ways: the router's entry (the budget for the
//! conversation itself leaves routing out), the conversation without it,
//! and spare vector capacity. The first two are measured on copies (of the
//! router, and of the whole engine state), which keep every hash table's
//! size but give each vector exactly its length; what the engine holds
//! beyond its copy is spare capacity, almost all in the router's vectors.
//! The counter is a plain add, not a locked one: the figures are taken on
//! one thread, and a locked add on every allocation would be timed with the
//! engine.
//!
//! Run: `cargo bench --bench engine` (add `-- --quick` for a short run).

use caredesk::engine::{Engine, EngineConfig, Input};
use caredesk::model::*;
use chrono::{DateTime, Duration, Utc};
use criterion::{BatchSize, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

struct Counting;
static ALLOCATED: AtomicIsize = AtomicIsize::new(0);

/// Adds to the counter with a plain load and store (see the module docs).
fn count(bytes: isize) {
    ALLOCATED.store(ALLOCATED.load(Ordering::Relaxed) + bytes, Ordering::Relaxed);
}

// SAFETY: forwards to the system allocator unchanged and only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BODY: &str = "@KLM where is my bag?";

/// The heap bytes one message body takes: none when it fits inline in its
/// `SmolStr` (23 bytes), else the text behind a two-counter header.
fn body_heap_bytes() -> f64 {
    if BODY.len() <= 23 {
        0.0
    } else {
        (BODY.len() + 2 * std::mem::size_of::<usize>()) as f64
    }
}

fn x() -> ChannelRef {
    ChannelRef::new(ChannelKind::X, "@KLM")
}

fn config() -> EngineConfig {
    EngineConfig::new(TenantId::from_uuid(uuid::Uuid::from_u128(1)))
        .with_channel(x(), Some(Language::ENGLISH))
}

fn message(n: u64, now: DateTime<Utc>) -> Input {
    Input::Inbound {
        message: InboundMessage::new(
            x(),
            n.to_string(),
            Identity::new(ChannelKind::X, format!("@customer{n}")),
            Visibility::Public,
            BODY,
            now,
        )
        .with_reach(150),
        classification: Some(
            Classification::query(Some(Language::ENGLISH)).with_intent(Intent::baggage()),
        ),
    }
}

fn follow_up(n: u64, parent: u64, now: DateTime<Utc>) -> Input {
    Input::Inbound {
        message: InboundMessage::new(
            x(),
            format!("f{n}"),
            Identity::new(ChannelKind::X, format!("@customer{parent}")),
            Visibility::Public,
            BODY,
            now,
        )
        .in_reply_to(parent.to_string()),
        classification: Some(Classification::query(Some(Language::ENGLISH))),
    }
}

fn start() -> DateTime<Utc> {
    "2026-11-23T00:00:00Z".parse().expect("fixed time")
}

/// Builds an engine with `open` open conversations; returns it and the heap
/// bytes it holds, message bodies excluded.
fn build(open: u64) -> (Engine, f64) {
    let before = ALLOCATED.load(Ordering::Relaxed);
    let mut engine = Engine::new(config());
    let now = start();
    for n in 0..open {
        let at = now + Duration::milliseconds(n as i64);
        black_box(engine.handle(at, message(n, at)).expect("accepted"));
    }
    let held =
        (ALLOCATED.load(Ordering::Relaxed) - before) as f64 - (open as f64 * body_heap_bytes());
    (engine, held / open as f64)
}

/// The heap bytes per open conversation a copy of `value` takes.
fn copy_bytes<T: Clone>(value: &T, open: u64) -> f64 {
    let before = ALLOCATED.load(Ordering::Relaxed);
    let copy = black_box(value.clone());
    let bytes = (ALLOCATED.load(Ordering::Relaxed) - before) as f64;
    drop(copy);
    bytes / open as f64
}

/// The bytes per open conversation split three ways (see the module
/// docs): the router's entry, the conversation without it (its record,
/// message, customer and the engine's tables), and spare vector capacity.
fn split(engine: &Engine, open: u64, total: f64) -> (f64, f64, f64) {
    let router = copy_bytes(engine.router(), open);
    // A copy shares a long text's heap block rather than copying it, so no
    // body is counted here; this bench's handles and ids sit inline.
    let state = copy_bytes(engine.state(), open);
    (router, state - router, total - state)
}

fn figures() {
    for open in [10_000u64, 100_000, 1_000_000] {
        let (mut engine, bytes_per_conversation) = build(open);
        let (routing_bytes, conversation_bytes, spare_bytes) =
            split(&engine, open, bytes_per_conversation);
        let batch = (open / 10).min(100_000);
        let base = start() + Duration::hours(2);
        let inputs: Vec<Input> = (0..batch).map(|i| message(open + i, base)).collect();
        let began = Instant::now();
        for input in inputs {
            black_box(engine.handle(base, input).expect("accepted"));
        }
        let new_rate = batch as f64 / began.elapsed().as_secs_f64();
        let before_inputs = ALLOCATED.load(Ordering::Relaxed);
        let inputs: Vec<Input> = (0..batch)
            .map(|i| follow_up(i, (i * 7919) % open, base))
            .collect();
        let held_before = ALLOCATED.load(Ordering::Relaxed);
        // The inputs are consumed (freed) by the loop; count only what stays.
        let input_bytes = held_before - before_inputs;
        let began = Instant::now();
        for input in inputs {
            black_box(engine.handle(base, input).expect("accepted"));
        }
        let follow_rate = batch as f64 / began.elapsed().as_secs_f64();
        let follow_bytes = ((ALLOCATED.load(Ordering::Relaxed) - held_before + input_bytes) as f64
            - batch as f64 * body_heap_bytes())
            / batch as f64;
        eprintln!(
            "engine: {open:>9} open conversations: new conversation ingest {new_rate:>10.0}/s, \
             reply-chain follow-up {follow_rate:>10.0}/s, {bytes_per_conversation:.0} bytes per open conversation (bodies excluded), \
             {follow_bytes:.0} bytes per follow-up; of the bytes per conversation, the conversation without \
             routing {conversation_bytes:.0}, the router's entry {routing_bytes:.0}, spare vector capacity {spare_bytes:.0}"
        );
    }
}

fn criterion_benches(c: &mut Criterion) {
    let (engine, _) = build(100_000);
    let mut engine = engine;
    let mut n = 10_000_000u64;
    let now = start() + Duration::hours(3);
    c.bench_function("ingest new conversation (100k open)", |b| {
        b.iter_batched(
            || {
                n += 1;
                message(n, now)
            },
            |input| engine.handle(now, input).expect("accepted"),
            BatchSize::SmallInput,
        )
    });
}

fn main() {
    figures();
    let mut criterion = Criterion::default()
        .configure_from_args()
        .measurement_time(std::time::Duration::from_secs(3));
    criterion_benches(&mut criterion);
    criterion.final_summary();
}
