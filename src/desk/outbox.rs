//! The outbox: sends the engine requested and the runtime still owes,
//! with retry backoff and per-channel rate limits.

use crate::engine::{Event, EventPayload};
use crate::model::{OutboundId, OutboundMessage};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// How failed sends are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay before the first retry (before jitter).
    pub initial: Duration,
    /// Longest delay between two attempts.
    pub max: Duration,
    /// Seed of the jitter (the runtime uses no unseeded randomness).
    pub seed: u64,
}

impl Default for RetryPolicy {
    /// One second, doubling up to five minutes.
    fn default() -> Self {
        RetryPolicy {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(300),
            seed: 0x5EED,
        }
    }
}

/// Exponential backoff with "equal jitter": the `attempt`-th delay is drawn
/// from `[d/2, d]` with `d = min(max, initial * 2^(attempt-1))`.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: RetryPolicy,
    state: u64,
}

impl Backoff {
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        Backoff {
            policy,
            state: policy.seed,
        }
    }

    fn next_random(&mut self) -> u64 {
        // splitmix64
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn delay(&mut self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let full = self
            .policy
            .initial
            .saturating_mul(1u32 << exponent)
            .min(self.policy.max);
        let half = full / 2;
        let span = u64::try_from((full - half).as_nanos()).unwrap_or(u64::MAX);
        let jitter = if span == 0 {
            0
        } else {
            self.next_random() % span
        };
        half + Duration::from_nanos(jitter)
    }
}

/// A token bucket: `per_minute` sends a minute, bursts up to that many.
#[derive(Debug, Clone)]
pub(crate) struct TokenBucket {
    capacity: f64,
    tokens: f64,
    per_second: f64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn per_minute(per_minute: u32, now: Instant) -> Self {
        let capacity = f64::from(per_minute.max(1));
        TokenBucket {
            capacity,
            tokens: capacity,
            per_second: capacity / 60.0,
            last: now,
        }
    }

    /// Takes a token, or says when one will be there.
    pub(crate) fn take(&mut self, now: Instant) -> Result<(), Instant> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / self.per_second;
            Err(now + Duration::from_secs_f64(wait))
        }
    }
}

/// One owed send.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) message: OutboundMessage,
    pub(crate) attempts: u32,
    pub(crate) not_before: Option<Instant>,
    pub(crate) in_flight: bool,
    /// Why the network may hold it already (handed over by an earlier run
    /// with no outcome recorded, or a send whose answer was lost): checked
    /// with the channel before anything is sent again.
    pub(crate) in_doubt: Option<String>,
}

/// The sends owed, by id (ids are v7 uuids: oldest first).
#[derive(Debug, Clone, Default)]
pub(crate) struct Outbox {
    pub(crate) entries: BTreeMap<OutboundId, Entry>,
}

impl Outbox {
    pub(crate) fn from_messages(messages: impl IntoIterator<Item = OutboundMessage>) -> Self {
        let mut outbox = Outbox::default();
        for message in messages {
            outbox.insert(message);
        }
        outbox
    }

    fn insert(&mut self, message: OutboundMessage) {
        self.entries.entry(message.id).or_insert(Entry {
            message,
            attempts: 0,
            not_before: None,
            in_flight: false,
            in_doubt: None,
        });
    }

    /// Follows the events: a requested reply (or satisfaction survey) is
    /// owed until it is delivered, fails for good, or its outcome is
    /// recorded as unknown.
    pub(crate) fn observe(&mut self, events: &[Event]) {
        for event in events {
            match &event.payload {
                EventPayload::ReplyRequested { outbound, .. }
                | EventPayload::SurveyRequested { outbound, .. } => {
                    self.insert((**outbound).clone());
                }
                EventPayload::DeliverySucceeded { outbound, .. }
                | EventPayload::DeliveryUnknown { outbound, .. } => {
                    self.entries.remove(outbound);
                }
                EventPayload::DeliveryFailed { outbound, failure } if failure.permanent => {
                    self.entries.remove(outbound);
                }
                _ => {}
            }
        }
    }

    pub(crate) fn messages(&self) -> Vec<OutboundMessage> {
        self.entries.values().map(|e| e.message.clone()).collect()
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.entries.values().filter(|e| e.in_flight).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let mut backoff = Backoff::new(RetryPolicy::default());
        for (attempt, full) in [(1, 1u64), (2, 2), (3, 4), (4, 8), (10, 300), (40, 300)] {
            let delay = backoff.delay(attempt);
            let full = Duration::from_secs(full);
            assert!(delay >= full / 2 && delay <= full, "{attempt}: {delay:?}");
        }
    }

    #[test]
    fn backoff_is_the_same_for_the_same_seed() {
        let mut a = Backoff::new(RetryPolicy::default());
        let mut b = Backoff::new(RetryPolicy::default());
        let xs: Vec<_> = (1..8).map(|n| a.delay(n)).collect();
        let ys: Vec<_> = (1..8).map(|n| b.delay(n)).collect();
        assert_eq!(xs, ys);
    }

    #[test]
    fn token_bucket_allows_a_burst_then_one_send_per_refill() {
        let start = Instant::now();
        let mut bucket = TokenBucket::per_minute(60, start);
        for _ in 0..60 {
            assert_eq!(bucket.take(start), Ok(()));
        }
        let next = bucket.take(start).unwrap_err();
        assert_eq!(next.duration_since(start), Duration::from_secs(1));
        assert_eq!(bucket.take(start + Duration::from_secs(1)), Ok(()));
    }
}
