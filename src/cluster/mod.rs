//! Running one desk across several nodes on PostgreSQL (feature `postgres`).
//!
//! When a brand outgrows one machine, or cannot accept that one machine's
//! death stops its care desk, several nodes share a PostgreSQL database as
//! the system of record ([`PostgresEventStore`](crate::store::postgres::PostgresEventStore)) and share the work:
//!
//! ```text
//!   webhook ──> any node ──> inbox table ──NOTIFY──> owning node's pump
//!                                                        │ claim (FOR UPDATE SKIP LOCKED)
//!                                                        v
//!                     lease row (owner, epoch, expiry) ─ Desk (engine + outbox)
//!                                                        │ append, fenced by epoch
//!                                                        v
//!                                                  caredesk_events
//! ```
//!
//! - Ownership ([`lease`]): each tenant's engine is owned by exactly one
//!   node at a time, recorded in a lease row with an expiry that the owner
//!   renews. The decision ([`lease::decide`]) is a pure function of the row
//!   and the time from an injected clock. Every change of owner increases the
//!   lease's epoch; the owner writes through a store handle carrying its
//!   epoch, and the store refuses writes from an older epoch
//!   ([`StoreError::Fenced`]), on top of
//!   the expected-sequence check of every append. A node that cannot renew
//!   in time, or sees another owner, stops its desk at once.
//! - Work ([`inbox`]): an inbound message can arrive at any node; it is
//!   stored once in the inbox table and the owner is woken with
//!   LISTEN/NOTIFY. The owner claims rows with `FOR UPDATE SKIP LOCKED`,
//!   ingests them, and marks them done in the same transaction.
//! - Takeover ([`node`]): when an owner dies its lease lapses after at most
//!   its ttl; another node takes it at the next epoch, starts the desk from
//!   the latest snapshot plus the tail, claims the inbox rows the dead node
//!   left, and retries the sends still owed. Each send carries its outbound
//!   id as idempotency key, so a reply the dead node had already handed to
//!   the network is not delivered twice.
//!
//! Clocks: leases compare times from the nodes' clocks, so nodes' clocks
//! should agree to well within [`LeaseTiming::margin`]. Safety does not rest
//! on clocks: a stale owner is fenced off by the store whatever its clock says.

pub mod inbox;
pub mod lease;
pub mod node;

pub use inbox::{Drained, Inbox, InboxReceipt};
pub use lease::{decide, Held, LeaseDecision, LeaseRecord, LeaseStatus, LeaseTable, LeaseTiming};
pub use node::{Node, NodeConfig, TenantSetup};

use crate::desk::DeskError;
use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The name of a node, unique among the nodes sharing a database (a host
/// name, a pod name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(String);

impl NodeId {
    /// A node called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        NodeId(name.into())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a cluster operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The database failed (or refused a fenced write); usually worth a retry.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The tenant's desk could not record the work (it stopped, or its
    /// store refused the append): the inbox rows stay for the next attempt.
    #[error("desk: {0}")]
    Desk(#[from] DeskError),
    /// A message could not be serialised for the inbox: a caller bug.
    #[error("cannot encode the message: {0}")]
    Encode(String),
}
