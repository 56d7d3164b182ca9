//! The routing stage: how the engine drives the indexed [`Router`].
//!
//! The router is part of the engine state. *Apply* calls its mutators for
//! the events that change routing (queued, assigned, offered, accepted,
//! declined, expired, relaxed, hold ended, released, resolved, presence and
//! shift changes) and notes what needs a fresh decision as [`RouteWork`].
//! Right after each event's reactions, the engine drains that work: it asks
//! the router for one decision at a time against the current state, records
//! it as an event (`conversation_assigned` or `offer_made`) and applies it,
//! which may note more work (an agent with room left is asked again). So
//! after every input no eligible agent with room stays idle while a
//! conversation they may take waits, and replay rebuilds the same
//! assignments from the events alone.
//!
//! The router's timers (offer expiries, sticky holds, relaxation steps,
//! shift boundaries) join the engine's deadline; when due, each becomes an
//! event (`offer_expired`, `hold_ended`, `requirements_relaxed`,
//! `shift_boundary`).

use super::event::EventPayload;
use super::state::{ConversationRecord, EngineState};
use crate::model::{AgentId, ConversationId, Intent, Presence, Skill};
use crate::routing::{
    Decision, OfflinePolicy, RouteRequirements, Router, RouterConfig, RouterError, RouterTimer,
    RoutingStrategy,
};
use crate::sla::{ClockStatus, SlaTarget};
use chrono::{DateTime, Utc};

/// How the engine routes: the router's configuration plus the skills that
/// conversations need because of their intents.
///
/// Built with [`RoutingSetup::new`], which checks the configuration, so an
/// engine never holds an invalid router.
///
/// ```
/// use caredesk::engine::RoutingSetup;
/// use caredesk::model::Skill;
/// use caredesk::routing::{RouterConfig, RoutingStrategy};
/// let routing = RoutingSetup::new(RouterConfig { strategy: RoutingStrategy::RoundRobin, ..RouterConfig::default() })?
///     .with_required_skill("baggage", Skill::new("baggage"), 2)
///     .with_preferred_skill("refund", Skill::new("refunds"));
/// assert_eq!(routing.config().strategy, RoutingStrategy::RoundRobin);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct RoutingSetup {
    config: RouterConfig,
    /// An empty router built from `config` (with the offline policy left to
    /// the engine), cloned into each new engine state.
    prototype: Router,
    intent_skills: Vec<IntentSkill>,
}

/// A skill a conversation needs because one of its intents is present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentSkill {
    /// The intent label (as triage or the caller classified it).
    pub intent: Intent,
    /// The skill.
    pub skill: Skill,
    /// `Some(level)`: required at that level or better; `None`: preferred
    /// (until the queue's [`DropPreferredSkills`](crate::routing::Relax::DropPreferredSkills) step).
    pub required_level: Option<u8>,
}

fn prototype(config: &RouterConfig) -> Result<Router, RouterError> {
    // The engine carries out the offline policy itself, as events, so the
    // router keeps assignments when an agent leaves.
    Router::new(RouterConfig {
        offline: OfflinePolicy::Keep,
        ..config.clone()
    })
}

impl RoutingSetup {
    /// A setup with this router configuration and no intent skills.
    ///
    /// # Errors
    /// [`RouterError::InvalidConfig`] when a queue id is 0 or repeated, or a
    /// relaxation level is outside 1..=5.
    pub fn new(config: RouterConfig) -> Result<Self, RouterError> {
        let prototype = prototype(&config)?;
        Ok(RoutingSetup {
            config,
            prototype,
            intent_skills: Vec::new(),
        })
    }

    /// Conversations with `intent` require `skill` at `level` or better
    /// (clamped to 1..=5).
    #[must_use]
    pub fn with_required_skill(mut self, intent: &str, skill: Skill, level: u8) -> Self {
        self.intent_skills.push(IntentSkill {
            intent: Intent::new(intent),
            skill,
            required_level: Some(level.clamp(1, 5)),
        });
        self
    }

    /// Conversations with `intent` prefer agents with `skill`.
    #[must_use]
    pub fn with_preferred_skill(mut self, intent: &str, skill: Skill) -> Self {
        self.intent_skills.push(IntentSkill {
            intent: Intent::new(intent),
            skill,
            required_level: None,
        });
        self
    }

    /// The router configuration.
    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    /// The intent skills, in the order given.
    pub fn intent_skills(&self) -> &[IntentSkill] {
        &self.intent_skills
    }

    pub(crate) fn new_router(&self) -> Router {
        self.prototype.clone()
    }

    pub(crate) fn offline_policy(&self) -> OfflinePolicy {
        self.config.offline
    }

    fn sticky(&self) -> bool {
        matches!(self.config.strategy, RoutingStrategy::Sticky { .. })
    }
}

/// Something that needs a fresh routing decision after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteWork {
    /// A conversation became routable (queued, back from an offer, relaxed,
    /// hold ended): find it an agent.
    Conversation(ConversationId),
    /// An agent may have room: find them work, until none fits.
    Agent(AgentId),
    /// An agent missed too many offers: set them away.
    SetAway(AgentId),
    /// An agent left (offline, or their shift ended) under the requeue
    /// policy: release their conversations.
    ReleaseAll(AgentId),
}

/// What a conversation needs from an agent, from its facts (plus skills
/// another stage requires, such as a sales opportunity's).
pub(crate) fn requirements(
    setup: &RoutingSetup,
    record: &ConversationRecord,
    extra_skills: &[(Skill, u8)],
) -> RouteRequirements {
    let c = &record.conversation;
    let mut needs =
        RouteRequirements::new(c.language, c.channel.kind).with_visibility(record.visibility());
    needs.team = c.team;
    for rule in &setup.intent_skills {
        if c.intents.binary_search(&rule.intent).is_ok() {
            match rule.required_level {
                Some(level) => {
                    if !needs.required_skills.iter().any(|(s, _)| *s == rule.skill) {
                        needs.required_skills.push((rule.skill.clone(), level));
                    }
                }
                None => {
                    if !needs.preferred_skills.contains(&rule.skill) {
                        needs.preferred_skills.push(rule.skill.clone());
                    }
                }
            }
        }
    }
    for (skill, level) in extra_skills {
        if !needs.required_skills.iter().any(|(s, _)| s == skill) {
            needs.required_skills.push((skill.clone(), *level));
        }
    }
    if setup.sticky() {
        needs.customer = Some(c.customer);
    }
    needs
}

/// The response deadline a waiting conversation is ordered by: the
/// earliest deadline of its running or paused response clocks.
pub(crate) fn deadline(record: &ConversationRecord) -> Option<DateTime<Utc>> {
    record.sla().and_then(|sla| {
        sla.clocks
            .iter()
            .filter(|clock| {
                matches!(
                    clock.target,
                    SlaTarget::FirstResponse | SlaTarget::NextResponse
                ) && matches!(clock.status, ClockStatus::Running | ClockStatus::Paused)
            })
            .filter_map(|clock| clock.deadline)
            .min()
    })
}

/// The event that records a routing decision.
fn decision_event(decision: Decision) -> EventPayload {
    match decision {
        Decision::Assign {
            conversation,
            agent,
        } => EventPayload::ConversationAssigned {
            conversation,
            agent,
        },
        Decision::Offer(offer) => EventPayload::OfferMade {
            conversation: offer.conversation,
            agent: offer.agent,
            expires_at: offer.expires_at,
        },
    }
}

/// The events one piece of routing work causes now (at most one decision,
/// so the next is decided against the state it leaves).
pub(crate) fn work_events(
    state: &EngineState,
    now: DateTime<Utc>,
    work: RouteWork,
    out: &mut Vec<EventPayload>,
) {
    let router = &state.router;
    let pull_only = router.config().offers == crate::routing::OfferMode::Pull;
    match work {
        RouteWork::Conversation(_) | RouteWork::Agent(_) if pull_only => {}
        RouteWork::Conversation(conversation) => {
            if let Some(decision) = router.decide_for_conversation(conversation, now) {
                out.push(decision_event(decision));
            }
        }
        RouteWork::Agent(agent) => {
            if let Some(decision) = router.decide_for_agent(agent, now) {
                out.push(decision_event(decision));
            }
        }
        RouteWork::SetAway(agent) => {
            if router
                .agent(agent)
                .is_some_and(|a| a.presence == Presence::Online)
            {
                out.push(EventPayload::PresenceChanged {
                    agent,
                    presence: Presence::Away,
                });
            }
        }
        RouteWork::ReleaseAll(agent) => {
            for conversation in router.conversations_of(agent) {
                out.push(EventPayload::ConversationReleased {
                    conversation,
                    agent,
                });
            }
        }
    }
}

/// The events a due router timer causes.
pub(crate) fn timer_events(
    state: &EngineState,
    now: DateTime<Utc>,
    timer: RouterTimer,
) -> Vec<EventPayload> {
    let router = &state.router;
    match timer {
        RouterTimer::OfferExpires { conversation } => match router.offer(conversation) {
            Some(offer) => vec![EventPayload::OfferExpired {
                conversation,
                agent: offer.agent,
            }],
            None => Vec::new(),
        },
        RouterTimer::HoldEnds { conversation } => {
            vec![EventPayload::HoldEnded { conversation }]
        }
        RouterTimer::Relax { conversation, step } => {
            vec![EventPayload::RequirementsRelaxed { conversation, step }]
        }
        RouterTimer::Shift { agent } => {
            let on_shift = router.shift(agent).is_some_and(|shift| shift.is_on(now));
            vec![EventPayload::ShiftBoundary { agent, on_shift }]
        }
    }
}
