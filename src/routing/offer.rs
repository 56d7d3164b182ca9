//! Offers: push a conversation to one agent, who accepts, declines or lets
//! it time out.

use crate::model::{AgentId, ConversationId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether decisions assign directly or offer first.
///
/// Set in [`RouterConfig::offers`](super::RouterConfig::offers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum OfferMode {
    /// Decisions are [`Decision::Assign`](super::Decision::Assign).
    #[default]
    Assign,
    /// Nothing is pushed: conversations wait until an agent pulls
    /// ([`Router::decide_pull`](super::Router::decide_pull)); the engine
    /// makes no decision on arrival or when capacity frees.
    Pull,
    /// Decisions are [`Decision::Offer`](super::Decision::Offer): the agent
    /// has `timeout_secs` to accept; after `away_after_missed` timeouts in a
    /// row (0: never) the router sets them away.
    Push {
        /// Seconds an offer stays open.
        timeout_secs: i64,
        /// Missed offers in a row after which the agent is set away (0: never).
        away_after_missed: u32,
    },
}

/// An outstanding offer: `conversation` proposed to `agent` until `expires_at`.
///
/// The offered conversation leaves the queue and the agent's capacity is
/// reserved for it until the offer is accepted, declined or expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Offer {
    /// Who it is offered to.
    pub agent: AgentId,
    /// What is offered.
    pub conversation: ConversationId,
    /// When it lapses.
    pub expires_at: DateTime<Utc>,
}

/// What ending an offer without acceptance did.
///
/// Returned by [`Router::decline`](super::Router::decline) and
/// [`Router::expire_offer`](super::Router::expire_offer). When `set_away` is
/// true the engine records a presence change to away and applies it with
/// [`Router::set_presence`](super::Router::set_presence) (the router does not
/// change presence by itself, so presence stays one event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[must_use]
pub struct OfferEnded {
    /// The conversation, back in its queue.
    pub conversation: ConversationId,
    /// The agent who did not take it (skipped for it from now on).
    pub agent: AgentId,
    /// Whether the agent reached the missed-offer limit (their count starts
    /// again at zero) and should be set away.
    pub set_away: bool,
}
