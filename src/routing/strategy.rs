//! Routing strategies: which of the eligible agents gets a conversation.

use serde::{Deserialize, Serialize};

/// How eligible agents are ranked; the first in rank order gets the work.
///
/// Every ranking is a pair of integers computed from the agent's state, and
/// ties break on the agent id, so the choice never depends on iteration
/// order. Used as [`RoutingStrategy::base`] and as the fallback of
/// [`RoutingStrategy::Sticky`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseStrategy {
    /// Lowest occupancy first: used units × 1000 / total units (integer).
    #[default]
    LeastLoaded,
    /// The agent whose last assignment is oldest first (never-assigned agents
    /// before all others), so work goes round the eligible agents in turn.
    RoundRobin,
    /// Agents holding fewer units first, then the one idle longest (the
    /// instant their load last became zero, or they became available).
    LongestIdle,
}

/// The pluggable routing strategy of a [`Router`](super::Router).
///
/// A plain enum (deterministic, serde): pick one in
/// [`RouterConfig::strategy`](super::RouterConfig::strategy).
///
/// ```
/// use caredesk::routing::{BaseStrategy, RoutingStrategy};
/// let sticky = RoutingStrategy::Sticky {
///     window_secs: 7 * 24 * 3600,
///     wait_secs: 120,
///     fallback: BaseStrategy::LeastLoaded,
/// };
/// assert_eq!(sticky.base(), BaseStrategy::LeastLoaded);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingStrategy {
    /// See [`BaseStrategy::LeastLoaded`].
    #[default]
    LeastLoaded,
    /// See [`BaseStrategy::RoundRobin`].
    RoundRobin,
    /// See [`BaseStrategy::LongestIdle`].
    LongestIdle,
    /// The customer's last agent, when they had the customer within
    /// `window_secs` and are online and on shift: the conversation is held
    /// for them for up to `wait_secs` after arrival (taken as soon as they
    /// have room), then released to everyone, ranked by `fallback`.
    Sticky {
        /// How long after their last conversation an agent stays the
        /// customer's agent, in seconds.
        window_secs: i64,
        /// How long a conversation waits for that agent, in seconds.
        wait_secs: i64,
        /// The ranking once it stops waiting (and for customers with no
        /// recent agent).
        fallback: BaseStrategy,
    },
}

impl RoutingStrategy {
    /// The ranking used among eligible agents.
    pub fn base(&self) -> BaseStrategy {
        match self {
            RoutingStrategy::LeastLoaded => BaseStrategy::LeastLoaded,
            RoutingStrategy::RoundRobin => BaseStrategy::RoundRobin,
            RoutingStrategy::LongestIdle => BaseStrategy::LongestIdle,
            RoutingStrategy::Sticky { fallback, .. } => *fallback,
        }
    }
}
