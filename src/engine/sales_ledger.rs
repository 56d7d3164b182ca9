//! Folds events into the sales funnel and CSAT figures of [`crate::stats`].

use super::event::{Event, EventPayload};
use crate::model::{AgentId, ChannelKind, ConversationId, Language, OpportunityId, SurveyId};
use crate::routing::FastMap;
use crate::sla::SlaTarget;
use crate::stats::{CsatTally, OpportunityOutcome, SalesFunnel, SurveyOutcome};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
struct OpportunityTrack {
    opened_at: DateTime<Utc>,
    first_offer_agent: Option<AgentId>,
    first_reply: Option<(DateTime<Utc>, AgentId)>,
    breached: bool,
    met: bool,
    outcome: OpportunityOutcome,
}

/// What a survey is counted under besides its timing and answer. Many
/// surveys share one (a few networks, languages and agents), so each is
/// kept once and surveys refer to it by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct SurveyGroup {
    channel: ChannelKind,
    language: Language,
    agent: Option<AgentId>,
    promise_kept: Option<bool>,
}

/// One survey sent, in a few bytes: a desk sends one per resolved query
/// and the ledger keeps them all until [`SalesLedger::finish`].
#[derive(Debug, Clone, Copy)]
struct SurveyTrack {
    group: u32,
    first_response_secs: Option<u64>,
    score: Option<u8>,
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
    // Keyed by engine-minted ids: the engine's fixed hasher, not SipHash.
    by_conversation: FastMap<ConversationId, OpportunityId>,
    surveys: FastMap<SurveyId, SurveyTrack>,
    survey_groups: Vec<SurveyGroup>,
    survey_group_numbers: FastMap<SurveyGroup, u32>,
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
                let group = SurveyGroup {
                    channel: *channel,
                    language: *language,
                    agent: *agent,
                    promise_kept: promise_kept.or_else(|| {
                        let promise = self.promise_secs?;
                        first_response_secs.map(|s| s <= promise)
                    }),
                };
                let group = match self.survey_group_numbers.get(&group) {
                    Some(number) => *number,
                    None => {
                        let number = u32::try_from(self.survey_groups.len()).unwrap_or(u32::MAX);
                        self.survey_groups.push(group);
                        self.survey_group_numbers.insert(group, number);
                        number
                    }
                };
                self.surveys.insert(
                    *survey,
                    SurveyTrack {
                        group,
                        first_response_secs: *first_response_secs,
                        score: None,
                    },
                );
            }
            EventPayload::SurveyAnswered { survey, score, .. } => {
                if let Some(track) = self.surveys.get_mut(survey) {
                    track.score = Some(score.get());
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
        // Agents are named once per group, not once per survey; each
        // survey is counted through its group's outcome, with its own
        // timing and answer filled in.
        let mut groups: Vec<SurveyOutcome> = self
            .survey_groups
            .iter()
            .map(|group| SurveyOutcome {
                channel: group.channel.as_str().to_owned(),
                language: group.language.as_str().to_owned(),
                agent: group.agent.map(|a| self.name(a)),
                promise_kept: group.promise_kept,
                ..SurveyOutcome::default()
            })
            .collect();
        let mut csat = CsatTally::new();
        for track in self.surveys.values() {
            let Some(outcome) = usize::try_from(track.group)
                .ok()
                .and_then(|g| groups.get_mut(g))
            else {
                continue;
            };
            outcome.first_response_secs = track.first_response_secs;
            outcome.score = track.score;
            csat.record(outcome);
        }
        (funnel, csat)
    }
}
