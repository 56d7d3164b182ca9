//! Leases: which node owns a tenant's engine, until when, at which epoch.
//!
//! The decision is pure: [`decide`] takes the lease row as read, the node
//! asking, and the time, and says what to write. [`LeaseTable`] is the thin
//! PostgreSQL part: it reads the row, asks [`decide`], and writes the answer
//! with a compare-and-set on the epoch, so two nodes deciding at once cannot
//! both win. Time always comes from the caller (the node's injected
//! [`Clock`](crate::desk::Clock)).

use super::{ClusterError, NodeId};
use crate::model::TenantId;
use crate::store::postgres::{map_pg, PostgresEventStore};
use chrono::{DateTime, Duration, Utc};

/// A lease row: the tenant's owner, its epoch and when it lapses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeaseRecord {
    /// The node that owns the tenant.
    pub owner: NodeId,
    /// Increases by one at every change of owner; the store refuses writes
    /// from older epochs (the fencing token).
    pub epoch: u64,
    /// When the lease lapses unless renewed.
    pub expires_at: DateTime<Utc>,
}

/// How long leases last and how early their holder stops trusting one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeaseTiming {
    /// How long a lease lasts from its last renewal; a dead owner's tenant is
    /// taken over at most this long after its last renewal.
    pub ttl: Duration,
    /// How often the owner renews (well under `ttl`, e.g. a third).
    pub renew_every: Duration,
    /// The owner stops writing this long before its lease lapses when it
    /// could not renew, to allow for clock drift between nodes.
    pub margin: Duration,
}

impl Default for LeaseTiming {
    /// Ten-second leases renewed every three seconds, a one-second margin.
    fn default() -> Self {
        LeaseTiming {
            ttl: Duration::seconds(10),
            renew_every: Duration::seconds(3),
            margin: Duration::seconds(1),
        }
    }
}

impl LeaseTiming {
    /// Leases of `ttl`, renewed every third of it, with a tenth as margin.
    pub fn with_ttl(ttl: Duration) -> Self {
        LeaseTiming {
            ttl,
            renew_every: ttl / 3,
            margin: ttl / 10,
        }
    }
}

/// What a node should do about a tenant's lease.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[must_use]
pub enum LeaseDecision {
    /// Take the lease at a new epoch: there is none, or it lapsed (whoever
    /// held it). `replaces` is the epoch seen, for the compare-and-set.
    Acquire {
        /// The epoch read (`None`: no row yet).
        replaces: Option<u64>,
        /// The new epoch.
        epoch: u64,
        /// Until when.
        expires_at: DateTime<Utc>,
    },
    /// Extend this node's own live lease, keeping the epoch.
    Renew {
        /// The epoch held.
        epoch: u64,
        /// The new expiry.
        expires_at: DateTime<Utc>,
    },
    /// Another node holds a live lease: wait until it lapses.
    Wait {
        /// The owner.
        owner: NodeId,
        /// When its lease lapses (check again then).
        until: DateTime<Utc>,
    },
}

/// Decides what `me` does about a tenant whose lease row is `current`, at
/// `now`. A lapsed lease is taken at the next epoch even by its own former
/// holder: that node stopped writing when it lapsed, so it must reload the
/// stream like any newcomer.
pub fn decide(
    current: Option<&LeaseRecord>,
    me: &NodeId,
    now: DateTime<Utc>,
    timing: &LeaseTiming,
) -> LeaseDecision {
    let expires_at = now + timing.ttl;
    match current {
        None => LeaseDecision::Acquire {
            replaces: None,
            epoch: 1,
            expires_at,
        },
        Some(lease) if lease.expires_at <= now => LeaseDecision::Acquire {
            replaces: Some(lease.epoch),
            epoch: lease.epoch + 1,
            expires_at,
        },
        Some(lease) if &lease.owner == me => LeaseDecision::Renew {
            epoch: lease.epoch,
            expires_at: expires_at.max(lease.expires_at),
        },
        Some(lease) => LeaseDecision::Wait {
            owner: lease.owner.clone(),
            until: lease.expires_at,
        },
    }
}

/// What a node knows of its own hold on a tenant: the epoch and how long
/// it may still write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Held {
    /// The epoch held.
    pub epoch: u64,
    /// When the lease lapses unless renewed.
    pub expires_at: DateTime<Utc>,
}

impl Held {
    /// Whether the holder may still write at `now`: until `margin` before
    /// the lease lapses. Past that, a node that could not renew stops, so it
    /// is quiet before any other node may take over.
    pub fn may_write(&self, now: DateTime<Utc>, timing: &LeaseTiming) -> bool {
        now < self.expires_at - timing.margin
    }
}

/// The result of one [`LeaseTable::acquire_or_renew`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LeaseStatus {
    /// This node holds the lease (newly or renewed).
    Held(Held),
    /// Another node holds it until `until`, or won the race just now.
    Elsewhere {
        /// The owner, if known.
        owner: Option<NodeId>,
        /// When to look again.
        until: DateTime<Utc>,
    },
}

/// The lease rows in PostgreSQL (`caredesk_leases`).
#[derive(Debug, Clone)]
pub struct LeaseTable {
    store: PostgresEventStore,
}

impl LeaseTable {
    /// The lease table of the database behind `store`.
    pub fn new(store: &PostgresEventStore) -> Self {
        LeaseTable {
            store: store.clone(),
        }
    }

    /// Reads a tenant's lease row.
    ///
    /// # Errors
    /// [`ClusterError::Store`] on database failure.
    pub async fn read(&self, tenant: TenantId) -> Result<Option<LeaseRecord>, ClusterError> {
        let client = self.store.client().await?;
        let row = client
            .query_opt(
                "SELECT owner, epoch, expires_at FROM caredesk_leases WHERE tenant = $1",
                &[&tenant.0],
            )
            .await
            .map_err(map_pg)?;
        Ok(row.map(|row| LeaseRecord {
            owner: NodeId::new(row.get::<_, String>(0)),
            epoch: u64::try_from(row.get::<_, i64>(1)).unwrap_or(0),
            expires_at: row.get(2),
        }))
    }

    /// Takes or renews `tenant`'s lease for `me` at `now`, as [`decide`]
    /// says, with a compare-and-set so concurrent nodes cannot both win.
    ///
    /// # Errors
    /// [`ClusterError::Store`] on database failure.
    pub async fn acquire_or_renew(
        &self,
        tenant: TenantId,
        me: &NodeId,
        now: DateTime<Utc>,
        timing: &LeaseTiming,
    ) -> Result<LeaseStatus, ClusterError> {
        let current = self.read(tenant).await?;
        let decision = decide(current.as_ref(), me, now, timing);
        let client = self.store.client().await?;
        let lost = || LeaseStatus::Elsewhere {
            owner: None,
            until: now + timing.renew_every,
        };
        let id = tenant.0;
        let owner = me.as_str();
        match decision {
            LeaseDecision::Acquire {
                replaces: None,
                epoch,
                expires_at,
            } => {
                let written = client
                    .execute(
                        "INSERT INTO caredesk_leases (tenant, owner, epoch, expires_at)
                         VALUES ($1, $2, $3, $4) ON CONFLICT (tenant) DO NOTHING",
                        &[&id, &owner, &to_i64(epoch), &expires_at],
                    )
                    .await
                    .map_err(map_pg)?;
                Ok(if written == 1 {
                    LeaseStatus::Held(Held { epoch, expires_at })
                } else {
                    lost()
                })
            }
            LeaseDecision::Acquire {
                replaces: Some(old),
                epoch,
                expires_at,
            } => {
                let written = client
                    .execute(
                        "UPDATE caredesk_leases SET owner = $2, epoch = $3, expires_at = $4
                         WHERE tenant = $1 AND epoch = $5",
                        &[&id, &owner, &to_i64(epoch), &expires_at, &to_i64(old)],
                    )
                    .await
                    .map_err(map_pg)?;
                Ok(if written == 1 {
                    LeaseStatus::Held(Held { epoch, expires_at })
                } else {
                    lost()
                })
            }
            LeaseDecision::Renew { epoch, expires_at } => {
                let written = client
                    .execute(
                        "UPDATE caredesk_leases SET expires_at = $4
                         WHERE tenant = $1 AND owner = $2 AND epoch = $3",
                        &[&id, &owner, &to_i64(epoch), &expires_at],
                    )
                    .await
                    .map_err(map_pg)?;
                Ok(if written == 1 {
                    LeaseStatus::Held(Held { epoch, expires_at })
                } else {
                    lost()
                })
            }
            LeaseDecision::Wait { owner, until } => Ok(LeaseStatus::Elsewhere {
                owner: Some(owner),
                until,
            }),
        }
    }

    /// Gives a held lease up (graceful shutdown): it lapses at once, so
    /// another node takes the tenant over without waiting out the ttl.
    ///
    /// # Errors
    /// [`ClusterError::Store`] on database failure.
    pub async fn release(
        &self,
        tenant: TenantId,
        me: &NodeId,
        epoch: u64,
    ) -> Result<(), ClusterError> {
        let client = self.store.client().await?;
        client
            .execute(
                "UPDATE caredesk_leases SET expires_at = 'epoch'
                 WHERE tenant = $1 AND owner = $2 AND epoch = $3",
                &[&tenant.0, &me.as_str(), &to_i64(epoch)],
            )
            .await
            .map_err(map_pg)?;
        Ok(())
    }
}

fn to_i64(value: u64) -> i64 {
    // Epochs grow by one per takeover; they never come near i64::MAX.
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000) + Duration::seconds(seconds)
    }

    fn timing() -> LeaseTiming {
        LeaseTiming {
            ttl: Duration::seconds(10),
            renew_every: Duration::seconds(3),
            margin: Duration::seconds(1),
        }
    }

    fn lease(owner: &str, epoch: u64, expires: i64) -> LeaseRecord {
        LeaseRecord {
            owner: NodeId::new(owner),
            epoch,
            expires_at: t(expires),
        }
    }

    #[test]
    fn the_first_node_takes_a_tenant_without_a_lease_at_epoch_one() {
        assert_eq!(
            decide(None, &NodeId::new("a"), t(0), &timing()),
            LeaseDecision::Acquire {
                replaces: None,
                epoch: 1,
                expires_at: t(10)
            }
        );
    }

    #[test]
    fn the_owner_renews_its_live_lease_at_the_same_epoch() {
        let current = lease("a", 4, 10);
        assert_eq!(
            decide(Some(&current), &NodeId::new("a"), t(3), &timing()),
            LeaseDecision::Renew {
                epoch: 4,
                expires_at: t(13)
            }
        );
    }

    #[test]
    fn another_node_waits_while_the_lease_is_live() {
        let current = lease("a", 4, 10);
        for now in [0, 5, 9] {
            assert_eq!(
                decide(Some(&current), &NodeId::new("b"), t(now), &timing()),
                LeaseDecision::Wait {
                    owner: NodeId::new("a"),
                    until: t(10)
                }
            );
        }
    }

    #[test]
    fn a_lapsed_lease_is_taken_over_at_the_next_epoch() {
        let current = lease("a", 4, 10);
        assert_eq!(
            decide(Some(&current), &NodeId::new("b"), t(10), &timing()),
            LeaseDecision::Acquire {
                replaces: Some(4),
                epoch: 5,
                expires_at: t(20)
            }
        );
    }

    #[test]
    fn a_node_whose_own_lease_lapsed_takes_it_again_at_a_new_epoch() {
        let current = lease("a", 4, 10);
        assert_eq!(
            decide(Some(&current), &NodeId::new("a"), t(12), &timing()),
            LeaseDecision::Acquire {
                replaces: Some(4),
                epoch: 5,
                expires_at: t(22)
            }
        );
    }

    #[test]
    fn renewing_never_shortens_a_lease() {
        // A clock that stepped back must not pull the expiry in.
        let current = lease("a", 2, 30);
        assert_eq!(
            decide(Some(&current), &NodeId::new("a"), t(5), &timing()),
            LeaseDecision::Renew {
                epoch: 2,
                expires_at: t(30)
            }
        );
    }

    #[test]
    fn a_holder_stops_writing_a_margin_before_its_lease_lapses() {
        let held = Held {
            epoch: 1,
            expires_at: t(10),
        };
        assert!(held.may_write(t(0), &timing()));
        assert!(held.may_write(t(8), &timing()));
        assert!(!held.may_write(t(9), &timing()));
        assert!(!held.may_write(t(10), &timing()));
    }

    #[test]
    fn ownership_passes_along_a_fake_clock_without_overlap() {
        // Node a holds and renews, then dies; b waits and takes over only
        // once a's lease lapsed; a's last moment to write is before that.
        let timing = timing();
        let (a, b) = (NodeId::new("a"), NodeId::new("b"));
        let mut row: Option<LeaseRecord> = None;
        let mut apply = |node: &NodeId, now: i64| -> LeaseDecision {
            let decision = decide(row.as_ref(), node, t(now), &timing);
            match &decision {
                LeaseDecision::Acquire {
                    epoch, expires_at, ..
                }
                | LeaseDecision::Renew { epoch, expires_at } => {
                    row = Some(LeaseRecord {
                        owner: node.clone(),
                        epoch: *epoch,
                        expires_at: *expires_at,
                    });
                }
                LeaseDecision::Wait { .. } => {}
            }
            decision
        };
        assert!(matches!(
            apply(&a, 0),
            LeaseDecision::Acquire { epoch: 1, .. }
        ));
        assert!(matches!(apply(&b, 1), LeaseDecision::Wait { .. }));
        assert!(matches!(
            apply(&a, 3),
            LeaseDecision::Renew { epoch: 1, .. }
        ));
        assert!(matches!(
            apply(&a, 6),
            LeaseDecision::Renew { epoch: 1, .. }
        ));
        // a dies after renewing at 6: its lease runs to 16.
        assert_eq!(
            apply(&b, 15),
            LeaseDecision::Wait {
                owner: a.clone(),
                until: t(16)
            }
        );
        let a_last = Held {
            epoch: 1,
            expires_at: t(16),
        };
        assert!(!a_last.may_write(t(15), &timing));
        assert!(matches!(
            apply(&b, 16),
            LeaseDecision::Acquire {
                replaces: Some(1),
                epoch: 2,
                ..
            }
        ));
        assert!(matches!(apply(&a, 17), LeaseDecision::Wait { .. }));
    }
}
