//! Folds events into the sales funnel and CSAT figures of [`crate::stats`].

use super::event::{Event, EventPayload};
use crate::model::{AgentId, ConversationId, OpportunityId, SurveyId};
use crate::sla::SlaTarget;
use crate::stats::{CsatTally, OpportunityOutcome, SalesFunnel, SurveyOutcome};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
struct OpportunityTrack {
    opened_at: DateTime<Utc>,
    first_offer_agent: Option<AgentId>,
    first_reply: Option<(DateTime<Utc>, AgentId)>,
    breached: bool,
    met: bool,
    outcome: OpportunityOutcome,
}

/// Reads a desk's events (live, from a store, or from a simulation) and
/// builds its [`SalesFunnel`] and [`CsatTally`].
///
/// An opportunity is credited to the agent who made its first offer, else
/// the agent who answered its conversation first. Its first-response band
/// comes from the conversation's first agent reply; the promise counts as
/// kept when the first-response clock was met without breaching (or, with
/// [`SalesLedger::with_promise_secs`], when the first reply came within that
/// many seconds) and late when it breached. Surveys carry their own
/// first-response facts. Agents are named by [`AgentId`] unless
/// [`SalesLedger::with_agent_names`] gives names.
///
/// ```
/// use caredesk::engine::SalesLedger;
/// use caredesk::stats::Dimension;
/// let ledger = SalesLedger::new();
/// let (funnel, csat) = ledger.finish();
/// assert!(funnel.report().row(Dimension::All, "all").is_none());
/// assert!(csat.report().rows.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SalesLedger {
    promise_secs: Option<u64>,
    names: BTreeMap<AgentId, String>,
    opportunities: BTreeMap<OpportunityId, OpportunityTrack>,
    by_conversation: HashMap<ConversationId, OpportunityId>,
    surveys: BTreeMap<SurveyId, SurveyOutcome>,
    skipped: BTreeMap<String, u64>,
}

impl SalesLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        SalesLedger::default()
    }

    /// Judges the first-response promise of opportunities by this many
    /// seconds (for desks without SLA clocks, or simulations).
    #[must_use]
    pub fn with_promise_secs(mut self, secs: u64) -> Self {
        self.promise_secs = Some(secs);
        self
    }

    /// Names agents in the figures (agents without a name appear by id).
    #[must_use]
    pub fn with_agent_names(mut self, names: BTreeMap<AgentId, String>) -> Self {
        self.names = names;
        self
    }

    fn name(&self, agent: AgentId) -> String {
        self.names
            .get(&agent)
            .cloned()
            .unwrap_or_else(|| agent.to_string())
    }

    /// Surveys skipped so far, by reason (`window_closed`, ...).
    pub fn skipped(&self) -> &BTreeMap<String, u64> {
        &self.skipped
    }

    /// Reads one event.
    pub fn observe(&mut self, event: &Event) {
        self.observe_payload(event.at, &event.payload);
    }

    /// Reads one payload that happened at `at`.
    pub fn observe_payload(&mut self, at: DateTime<Utc>, payload: &EventPayload) {
        match payload {
            EventPayload::OpportunityOpened {
                opportunity,
                conversation,
                channel,
                language,
                conversation_opened_at,
                ..
            } => {
                self.by_conversation.insert(*conversation, *opportunity);
                self.opportunities.insert(
                    *opportunity,
                    OpportunityTrack {
                        opened_at: *conversation_opened_at,
                        first_offer_agent: None,
                        first_reply: None,
                        breached: false,
                        met: false,
                        outcome: OpportunityOutcome {
                            channel: channel.as_str().to_owned(),
                            language: language
                                .map_or_else(|| "unknown".to_owned(), |l| l.as_str().to_owned()),
                            ..OpportunityOutcome::default()
                        },
                    },
                );
            }
            EventPayload::ReplyRequested {
                conversation,
                agent: Some(agent),
                automated: false,
                ..
            } => {
                if let Some(track) = self
                    .by_conversation
                    .get(conversation)
                    .and_then(|id| self.opportunities.get_mut(id))
                {
                    track.first_reply.get_or_insert((at, *agent));
                }
            }
            EventPayload::SlaBreached {
                conversation,
                target: SlaTarget::FirstResponse,
                ..
            }
            | EventPayload::SlaMet {
                conversation,
                target: SlaTarget::FirstResponse,
                ..
            } => {
                let breached = matches!(payload, EventPayload::SlaBreached { .. });
                if let Some(track) = self
                    .by_conversation
                    .get(conversation)
                    .and_then(|id| self.opportunities.get_mut(id))
                {
                    if breached {
                        track.breached = true;
                    } else {
                        track.met = true;
                    }
                }
            }
            EventPayload::SalesOfferMade {
                opportunity, agent, ..
            } => {
                if let Some(track) = self.opportunities.get_mut(opportunity) {
                    track.outcome.offers += 1;
                    track.first_offer_agent.get_or_insert(*agent);
                }
            }
            EventPayload::ConversionRecorded {
                opportunity,
                booking,
                ..
            } => {
                if let Some(track) = self.opportunities.get_mut(opportunity) {
                    track.outcome.bookings += 1;
                    *track
                        .outcome
                        .revenue_minor
                        .entry(booking.currency.as_str().to_owned())
                        .or_default() += booking.amount_minor;
                }
            }
            EventPayload::SurveyRequested {
                survey,
                channel,
                language,
                agent,
                first_response_secs,
                promise_kept,
                ..
            } => {
                let agent = agent.map(|a| self.name(a));
                self.surveys.insert(
                    *survey,
                    SurveyOutcome {
                        channel: channel.as_str().to_owned(),
                        language: language.as_str().to_owned(),
                        agent,
                        first_response_secs: *first_response_secs,
                        promise_kept: promise_kept.or_else(|| {
                            let promise = self.promise_secs?;
                            first_response_secs.map(|s| s <= promise)
                        }),
                        score: None,
                    },
                );
            }
            EventPayload::SurveyAnswered { survey, score, .. } => {
                if let Some(outcome) = self.surveys.get_mut(survey) {
                    outcome.score = Some(score.get());
                }
            }
            EventPayload::SurveySkipped { reason, .. } => {
                let name = match reason {
                    super::SurveySkipReason::NoPrivateMessages => "no_private_messages",
                    super::SurveySkipReason::WindowClosed { .. } => "window_closed",
                    super::SurveySkipReason::NoTemplate => "no_template",
                };
                *self.skipped.entry(name.to_owned()).or_default() += 1;
            }
            _ => {}
        }
    }

    /// The figures for everything read.
    pub fn finish(&self) -> (SalesFunnel, CsatTally) {
        let mut funnel = SalesFunnel::new();
        for track in self.opportunities.values() {
            let mut outcome = track.outcome.clone();
            outcome.first_response_secs = track
                .first_reply
                .map(|(at, _)| u64::try_from((at - track.opened_at).num_seconds()).unwrap_or(0));
            outcome.promise_kept = if track.breached {
                Some(false)
            } else if let Some(promise) = self.promise_secs {
                outcome.first_response_secs.map(|s| s <= promise)
            } else if track.met {
                Some(true)
            } else {
                None
            };
            outcome.agent = track
                .first_offer_agent
                .or(track.first_reply.map(|(_, agent)| agent))
                .map(|agent| self.name(agent));
            funnel.record(&outcome);
        }
        let mut csat = CsatTally::new();
        for outcome in self.surveys.values() {
            csat.record(outcome);
        }
        (funnel, csat)
    }
}
