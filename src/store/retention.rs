//! Retention: how far a stream may be compacted, by the age of its events.
//!
//! A care desk's log is full of personal data, so a brand keeps it only as
//! long as it needs to (say 90 days). A [`RetentionPolicy`] names that age;
//! [`RetentionPolicy::plan`] finds the last event older than it that a stored
//! snapshot covers, and [`RetentionPolicy::apply`] compacts the stream
//! through that event with [`EventStore::compact`]. The state those events
//! built lives on in the snapshot, so a restart (latest snapshot + tail) and
//! the statistics folded from the retained events are unchanged; only the
//! removed events themselves are gone. Take a snapshot first (the `Desk`
//! does) so that everything older than the cutoff can go.
//!
//! Events are assumed to be stored in time order (the engine's clock never
//! runs backwards, so a store written by the engine always is); the plan
//! finds the cutoff with a binary search of `O(log n)` one-event reads.

use super::{CompactReport, EventStore, StoreError};
use crate::model::TenantId;
use chrono::{DateTime, TimeDelta, Utc};

/// Keep events for `max_age`; older ones may be compacted into a snapshot.
///
/// ```
/// use caredesk::store::retention::RetentionPolicy;
/// let policy = RetentionPolicy::new(chrono::TimeDelta::days(90));
/// let now: chrono::DateTime<chrono::Utc> = "2026-11-23T10:00:00Z".parse()?;
/// assert_eq!(policy.cutoff(now), "2026-08-25T10:00:00Z".parse::<chrono::DateTime<chrono::Utc>>()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetentionPolicy {
    /// How long events stay in the log (negative ages count as zero).
    pub max_age: TimeDelta,
    /// Compact only once at least this many events can go (default 1): a
    /// store may rewrite its file on each compaction (SQLite vacuums), so a
    /// desk that applies the policy often should let removals add up.
    pub min_events: u64,
}

/// Where a stream stands against a [`RetentionPolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetentionPlan {
    /// Events older than this may go.
    pub cutoff: DateTime<Utc>,
    /// The last event older than the cutoff (`None`: none is).
    pub last_expired: Option<u64>,
    /// The latest stored snapshot's sequence number.
    pub latest_snapshot: Option<u64>,
    /// The stream's current compacted point.
    pub compacted_through: u64,
    /// Where compaction can go now: the last expired event, but no further
    /// than the latest snapshot (`None`: nothing new to remove, or fewer
    /// than [`RetentionPolicy::min_events`]).
    pub through_seq: Option<u64>,
}

impl RetentionPolicy {
    /// Keep events for `max_age`.
    pub fn new(max_age: TimeDelta) -> Self {
        RetentionPolicy {
            max_age,
            min_events: 1,
        }
    }

    /// Compacts only once at least `events` can go.
    #[must_use]
    pub fn with_min_events(mut self, events: u64) -> Self {
        self.min_events = events.max(1);
        self
    }

    /// Events strictly before this instant have expired at `now`.
    pub fn cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.checked_sub_signed(self.max_age.max(TimeDelta::zero()))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// How far `tenant`'s stream can be compacted at `now`.
    ///
    /// # Errors
    /// The first error the store returns.
    pub async fn plan(
        &self,
        store: &dyn EventStore,
        tenant: TenantId,
        now: DateTime<Utc>,
    ) -> Result<RetentionPlan, StoreError> {
        let cutoff = self.cutoff(now);
        let compacted_through = store.compacted_through(tenant).await?;
        let last = store.last_seq(tenant).await?;
        let latest_snapshot = store.load_latest_snapshot(tenant).await?.map(|s| s.seq);
        let last_expired = last_before(store, tenant, compacted_through + 1, last, cutoff).await?;
        let through_seq = match (last_expired, latest_snapshot) {
            (Some(expired), Some(snapshot)) => Some(expired.min(snapshot))
                .filter(|&t| t >= compacted_through + self.min_events.max(1)),
            _ => None,
        };
        Ok(RetentionPlan {
            cutoff,
            last_expired,
            latest_snapshot,
            compacted_through,
            through_seq,
        })
    }

    /// Compacts `tenant`'s stream as far as [`RetentionPolicy::plan`] allows
    /// (a report with nothing removed when it allows nothing).
    ///
    /// # Errors
    /// The first error the store returns ([`StoreError::Unsupported`] from a
    /// store without compaction).
    pub async fn apply(
        &self,
        store: &dyn EventStore,
        tenant: TenantId,
        now: DateTime<Utc>,
    ) -> Result<CompactReport, StoreError> {
        let plan = self.plan(store, tenant, now).await?;
        match plan.through_seq {
            Some(through) => store.compact(tenant, through).await,
            None => Ok(CompactReport {
                compacted_through: plan.compacted_through,
                ..CompactReport::default()
            }),
        }
    }
}

/// The last sequence number in `first..=last` whose event is before
/// `cutoff`, by binary search (events are in time order).
async fn last_before(
    store: &dyn EventStore,
    tenant: TenantId,
    first: u64,
    last: u64,
    cutoff: DateTime<Utc>,
) -> Result<Option<u64>, StoreError> {
    let before = |seq: u64| async move {
        let page = store.read_from(tenant, seq, 1).await?;
        match page.first() {
            Some(event) if event.seq == seq => Ok(event.at < cutoff),
            _ => Err(StoreError::Corrupt {
                seq,
                reason: "event missing from a stream that should hold it".into(),
            }),
        }
    };
    if first > last || !before(first).await? {
        return Ok(None);
    }
    // Invariant: `lo` is before the cutoff; everything after `hi` is not.
    let (mut lo, mut hi) = (first, last);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if before(mid).await? {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(Some(lo))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Event, EventPayload, CURRENT_SCHEMA};
    use crate::model::{AgentId, Presence};
    use crate::store::{AppendBatch, IdempotencyKey, MemoryEventStore, Snapshot};
    use futures::executor::block_on;
    use uuid::Uuid;

    fn t0() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(20_000)
    }

    /// A stream of `n` events one hour apart (event `s` at `t0 + s h`), with
    /// snapshots at the given points.
    fn stream(n: u64, snapshots: &[u64]) -> (MemoryEventStore, TenantId) {
        let tenant = TenantId::from_uuid(Uuid::from_u128(7));
        let store = MemoryEventStore::new();
        let events = (1..=n)
            .map(|seq| Event {
                seq,
                at: t0() + TimeDelta::hours(seq as i64),
                tenant,
                schema: CURRENT_SCHEMA,
                payload: EventPayload::PresenceChanged {
                    agent: AgentId::from_uuid(Uuid::from_u128(1)),
                    presence: Presence::Online,
                },
            })
            .collect();
        block_on(store.append(
            tenant,
            0,
            AppendBatch {
                idempotency_key: IdempotencyKey::new("all"),
                events,
            },
        ))
        .unwrap();
        for &seq in snapshots {
            block_on(store.save_snapshot(Snapshot {
                tenant,
                seq,
                schema: CURRENT_SCHEMA,
                taken_at: t0() + TimeDelta::hours(seq as i64),
                state: b"{}".to_vec(),
            }))
            .unwrap();
        }
        (store, tenant)
    }

    #[test]
    fn plan_finds_the_last_event_strictly_older_than_the_cutoff() {
        let (store, tenant) = stream(100, &[100]);
        let policy = RetentionPolicy::new(TimeDelta::hours(10));
        // now = t0 + 100h: cutoff t0 + 90h; event 90 is not older, 89 is.
        let plan = block_on(policy.plan(&store, tenant, t0() + TimeDelta::hours(100))).unwrap();
        assert_eq!(plan.last_expired, Some(89));
        assert_eq!(plan.through_seq, Some(89));
        for n in 1..=12 {
            let (store, tenant) = stream(n, &[n]);
            for hours in 0..=n as i64 + 1 {
                let plan =
                    block_on(policy.plan(&store, tenant, t0() + TimeDelta::hours(hours + 10)))
                        .unwrap();
                let expected = (1..=n).filter(|&s| (s as i64) < hours).max();
                assert_eq!(plan.last_expired, expected, "n {n}, cutoff at hour {hours}");
            }
        }
    }

    #[test]
    fn plan_goes_no_further_than_the_latest_snapshot() {
        let (store, tenant) = stream(100, &[40]);
        let policy = RetentionPolicy::new(TimeDelta::hours(10));
        let plan = block_on(policy.plan(&store, tenant, t0() + TimeDelta::hours(100))).unwrap();
        assert_eq!((plan.last_expired, plan.through_seq), (Some(89), Some(40)));
        let (store, tenant) = stream(100, &[]);
        let plan = block_on(policy.plan(&store, tenant, t0() + TimeDelta::hours(100))).unwrap();
        assert_eq!(plan.through_seq, None, "nothing may go without a snapshot");
    }

    #[test]
    fn apply_compacts_once_and_then_has_nothing_to_remove() {
        let (store, tenant) = stream(100, &[95]);
        let policy = RetentionPolicy::new(TimeDelta::hours(10));
        let now = t0() + TimeDelta::hours(100);
        let report = block_on(policy.apply(&store, tenant, now)).unwrap();
        assert_eq!((report.compacted_through, report.events_removed), (89, 89));
        let again = block_on(policy.apply(&store, tenant, now)).unwrap();
        assert_eq!((again.compacted_through, again.events_removed), (89, 0));
        let later = block_on(policy.apply(&store, tenant, now + TimeDelta::hours(3))).unwrap();
        assert_eq!((later.compacted_through, later.events_removed), (92, 3));
        block_on(store.save_snapshot(Snapshot {
            tenant,
            seq: 100,
            schema: CURRENT_SCHEMA,
            taken_at: t0() + TimeDelta::hours(100),
            state: b"{}".to_vec(),
        }))
        .unwrap();
        let patient = policy.with_min_events(5);
        let held = block_on(patient.apply(&store, tenant, now + TimeDelta::hours(7))).unwrap();
        assert_eq!(
            (held.compacted_through, held.events_removed),
            (92, 0),
            "4 expired events are fewer than 5"
        );
        let due = block_on(patient.apply(&store, tenant, now + TimeDelta::hours(8))).unwrap();
        assert_eq!((due.compacted_through, due.events_removed), (97, 5));
        assert_eq!(block_on(store.last_seq(tenant)).unwrap(), 100);
    }
}
