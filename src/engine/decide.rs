//! Decide: validate an input against the state and compute its events,
//! changing nothing. Reactions (queueing, routing, timers) are computed from
//! the state after each applied event and cannot fail.

use super::config::{ClassifyContext, ThreadingPolicy};
use super::event::{DeliveryFailure, EventPayload, TransferTarget};
use super::ids::IdGenerator;
use super::input::{DeliveryOutcome, Input, Reply, StatusChange};
use super::state::{EngineState, TimerKind};
use super::{Engine, EngineError};
use crate::model::{
    AgentId, Classification, ConversationId, CustomerId, Identity, InboundMessage, Kind, MessageId,
    OutboundId, OutboundMessage, Priority, Status, Visibility,
};
use chrono::{DateTime, Utc};

/// What the engine worked out about an inbound message before classifying it.
struct InboundPlan {
    channel: u16,
    customer: Option<CustomerId>,
}

impl Engine {
    /// Validates `input` and returns the events it causes directly.
    pub(super) fn decide(
        &mut self,
        now: DateTime<Utc>,
        input: Input,
    ) -> Result<Vec<EventPayload>, EngineError> {
        let mut ids = self.state.ids;
        match input {
            Input::Inbound {
                message,
                classification,
            } => {
                let plan = self.validate_inbound(&message)?;
                let classification = match classification {
                    Some(classification) => classification,
                    None => {
                        let context = ClassifyContext {
                            customer_language: plan
                                .customer
                                .and_then(|c| self.state.customers.get(&c))
                                .and_then(|c| c.language),
                            channel_default_language: self
                                .config
                                .channels
                                .get(usize::from(plan.channel))
                                .and_then(|settings| settings.default_language),
                        };
                        self.config.classifier.classify(&message, &context)
                    }
                };
                if !classification.sentiment.is_finite() {
                    return Err(EngineError::NonFiniteScore("sentiment"));
                }
                if !classification.language_confidence.is_finite() {
                    return Err(EngineError::NonFiniteScore("language confidence"));
                }
                Ok(self.decide_inbound(now, &mut ids, plan, message, classification))
            }
            Input::Reply(reply) => self.decide_reply(now, &mut ids, reply),
            Input::Note {
                conversation,
                agent,
                text,
            } => {
                self.record(conversation)?;
                self.known_agent(agent)?;
                self.check_text(&text, false)?;
                Ok(vec![EventPayload::NoteAdded {
                    message: MessageId(ids.mint(now)),
                    conversation,
                    agent,
                    text,
                }])
            }
            Input::Transfer {
                conversation,
                target,
            } => self.decide_transfer(conversation, target),
            Input::SetStatus {
                conversation,
                change,
            } => self.decide_status(now, conversation, change),
            Input::SetPriority {
                conversation,
                priority,
            } => {
                let from = self.record(conversation)?.priority;
                Ok(if from == priority {
                    Vec::new()
                } else {
                    vec![EventPayload::PriorityChanged {
                        conversation,
                        from,
                        to: priority,
                    }]
                })
            }
            Input::Tag { conversation, tag } => {
                let current = self.record(conversation)?;
                let tag = tag.trim().to_owned();
                if tag.is_empty() {
                    return Err(EngineError::BlankTag);
                }
                Ok(if current.tags.binary_search(&tag).is_ok() {
                    Vec::new()
                } else {
                    vec![EventPayload::TagAdded { conversation, tag }]
                })
            }
            Input::PromoteMention { conversation } => {
                let current = self.record(conversation)?;
                if current.kind != Kind::Mention {
                    return Err(EngineError::NotAMention(conversation));
                }
                if !current.status.is_active() {
                    return Err(EngineError::ConversationNotActive(conversation));
                }
                Ok(vec![EventPayload::MentionPromoted { conversation }])
            }
            Input::UpsertAgent(agent) => {
                agent.validate()?;
                Ok(match self.state.router.agent(agent.id) {
                    None => vec![EventPayload::AgentAdded {
                        agent: Box::new(agent),
                    }],
                    Some(existing) if *existing == agent => Vec::new(),
                    Some(_) => vec![EventPayload::AgentUpdated {
                        agent: Box::new(agent),
                    }],
                })
            }
            Input::SetPresence { agent, presence } => {
                let current = self.known_agent(agent)?.presence;
                Ok(if current == presence {
                    Vec::new()
                } else {
                    vec![EventPayload::PresenceChanged { agent, presence }]
                })
            }
            Input::LinkIdentities { a, b } => Ok(self.decide_link(now, &mut ids, a, b)?),
            Input::SetShift { agent, shift } => {
                self.known_agent(agent)?;
                Ok(if self.state.router.shift(agent) == Some(&shift) {
                    Vec::new()
                } else {
                    vec![EventPayload::ShiftChanged {
                        agent,
                        shift: Box::new(shift),
                    }]
                })
            }
            Input::AcceptOffer {
                conversation,
                agent,
            } => {
                self.offered_to(conversation, agent)?;
                Ok(vec![EventPayload::OfferAccepted {
                    conversation,
                    agent,
                }])
            }
            Input::DeclineOffer {
                conversation,
                agent,
            } => {
                self.offered_to(conversation, agent)?;
                Ok(vec![EventPayload::OfferDeclined {
                    conversation,
                    agent,
                }])
            }
            Input::RequestNext { agent } => {
                self.known_agent(agent)?;
                Ok(self
                    .state
                    .router
                    .decide_pull(agent, now)
                    .map(|decision| EventPayload::ConversationAssigned {
                        conversation: decision.conversation(),
                        agent: decision.agent(),
                    })
                    .into_iter()
                    .collect())
            }
            Input::DeliveryReport { outbound, outcome } => {
                if !self.state.pending_sends.contains_key(&outbound) {
                    return Err(EngineError::UnknownOutbound(outbound));
                }
                Ok(vec![match outcome {
                    DeliveryOutcome::Delivered { external_id } => EventPayload::DeliverySucceeded {
                        outbound,
                        external_id,
                    },
                    DeliveryOutcome::Failed { reason, permanent } => EventPayload::DeliveryFailed {
                        outbound,
                        failure: DeliveryFailure { reason, permanent },
                    },
                    DeliveryOutcome::Unknown { reason } => {
                        EventPayload::DeliveryUnknown { outbound, reason }
                    }
                }])
            }
            Input::DeliveryAttempt { outbound } => {
                if !self.state.pending_sends.contains_key(&outbound) {
                    return Err(EngineError::UnknownOutbound(outbound));
                }
                Ok(vec![EventPayload::DeliveryAttempted { outbound }])
            }
            Input::Undelivered {
                channel,
                external_id,
                outbound,
                reason,
            } => self.decide_undelivered(&channel, external_id, outbound, reason),
            Input::DecideDraft {
                draft,
                supervisor,
                decision,
            } => self.decide_draft(now, &mut ids, draft, supervisor, decision),
            Input::AttachProfile { identity, profile } => {
                let customer = self
                    .state
                    .customer_of(&identity)
                    .ok_or_else(|| EngineError::UnknownIdentity(identity.to_string()))?;
                Ok(self.decide_profile(now, customer, profile))
            }
            Input::ForgetCustomer { customer } => {
                if !self.state.customers.contains_key(&customer) {
                    return Err(EngineError::UnknownCustomer(customer));
                }
                Ok(vec![EventPayload::CustomerForgotten { customer }])
            }
            Input::SetCrisisMode { active } => Ok(if self.state.crisis == active {
                Vec::new()
            } else {
                vec![EventPayload::CrisisModeChanged { active }]
            }),
            input @ (Input::ReplyWithOffer { .. }
            | Input::RecordBooking { .. }
            | Input::RequestSurvey { .. }
            | Input::SurveyResponse { .. }) => self.decide_sales(now, &mut ids, input),
            Input::Tick => Ok(Vec::new()),
        }
    }

    /// A late delivery failure: the network had accepted the send (its
    /// receipt recorded, or recorded now when the status overtook it).
    fn decide_undelivered(
        &self,
        channel: &crate::model::ChannelRef,
        external_id: crate::model::SmolStr,
        outbound: Option<crate::model::OutboundId>,
        reason: String,
    ) -> Result<Vec<EventPayload>, EngineError> {
        let index = self
            .config
            .channel_index(channel)
            .ok_or_else(|| EngineError::UnknownChannel(channel.to_string()))?;
        let index = u16::try_from(index).unwrap_or(u16::MAX);
        let mut events = Vec::with_capacity(2);
        let (outbound, conversation, message) = match outbound
            .and_then(|id| self.state.pending_sends.get(&id).map(|p| (id, p)))
        {
            Some((id, pending)) if pending.channel == index => {
                // The status arrived before the network's answer was
                // recorded: record the acceptance it proves first.
                events.push(EventPayload::DeliverySucceeded {
                    outbound: id,
                    external_id: external_id.clone(),
                });
                (id, pending.conversation, pending.message)
            }
            _ => {
                let conversation = self
                    .state
                    .conversation_of_external(index, &external_id)
                    .ok_or_else(|| EngineError::UnknownSentMessage(external_id.to_string()))?;
                let record = self
                    .state
                    .conversations
                    .get(&conversation)
                    .ok_or(EngineError::UnknownConversation(conversation))?;
                let sent = record
                    .messages
                    .iter()
                    .find(|m| {
                        m.outbound.is_some() && m.external_id.as_deref() == Some(&external_id)
                    })
                    .ok_or_else(|| EngineError::UnknownSentMessage(external_id.to_string()))?;
                if sent.is_undelivered() {
                    // Reported before: nothing changes.
                    return Ok(Vec::new());
                }
                match sent.outbound {
                    Some(id) => (id, conversation, sent.id),
                    None => return Err(EngineError::UnknownSentMessage(external_id.to_string())),
                }
            }
        };
        let first_response = self
            .state
            .conversations
            .get(&conversation)
            .and_then(|record| {
                record
                    .messages
                    .iter()
                    .find(|m| m.outbound.is_some() && m.agent_reply().is_some())
            })
            .is_some_and(|first| first.id == message);
        events.push(EventPayload::DeliveryFailedLate {
            outbound,
            conversation,
            message,
            external_id,
            reason,
            first_response,
        });
        Ok(events)
    }

    fn record(&self, id: ConversationId) -> Result<&super::record::ConversationCore, EngineError> {
        self.state
            .conversations
            .get(&id)
            .map(|record| &record.conversation)
            .ok_or(EngineError::UnknownConversation(id))
    }

    fn offered_to(&self, conversation: ConversationId, agent: AgentId) -> Result<(), EngineError> {
        self.record(conversation)?;
        self.known_agent(agent)?;
        match self.state.router.offer(conversation) {
            Some(offer) if offer.agent == agent => Ok(()),
            _ => Err(EngineError::NoOffer {
                agent,
                conversation,
            }),
        }
    }

    fn known_agent(&self, id: AgentId) -> Result<&crate::model::Agent, EngineError> {
        self.state
            .router
            .agent(id)
            .ok_or(EngineError::UnknownAgent(id))
    }

    pub(super) fn check_text(&self, text: &str, has_attachments: bool) -> Result<(), EngineError> {
        if text.len() > self.config.max_text_bytes {
            return Err(EngineError::TextTooLong {
                bytes: text.len(),
                limit: self.config.max_text_bytes,
            });
        }
        if text.trim().is_empty() && !has_attachments {
            return Err(EngineError::EmptyMessage);
        }
        Ok(())
    }

    fn validate_inbound(&self, message: &InboundMessage) -> Result<InboundPlan, EngineError> {
        let channel = self
            .config
            .channel_index(&message.channel)
            .and_then(|index| u16::try_from(index).ok())
            .ok_or_else(|| EngineError::UnknownChannel(message.channel.to_string()))?;
        if message.external_id.trim().is_empty() {
            return Err(EngineError::MissingExternalId);
        }
        self.check_text(&message.text, !message.attachments.is_empty())?;
        if let Some(existing) = self
            .state
            .conversation_of_external(channel, &message.external_id)
        {
            return Err(EngineError::DuplicateMessage { existing });
        }
        Ok(InboundPlan {
            channel,
            customer: self.state.customer_of(&message.author),
        })
    }

    /// Finds the conversation a message joins: by reply chain, then (policy
    /// permitting) the customer's latest active or resolved conversation.
    fn thread(&self, plan: &InboundPlan, message: &InboundMessage) -> Option<ConversationId> {
        let customer = plan.customer?;
        let usable = |id: &ConversationId| {
            self.state.conversations.get(id).is_some_and(|record| {
                record.conversation.customer == customer
                    && !matches!(record.conversation.status, Status::Closed { .. })
            })
        };
        if let Some(parent) = &message.in_reply_to {
            if let Some(id) = self.state.conversation_of_external(plan.channel, parent) {
                if usable(&id) {
                    return Some(id);
                }
            }
        }
        if self.config.threading == ThreadingPolicy::ReplyChainOnly {
            return None;
        }
        let conversations = &self.state.customers.get(&customer)?.conversations;
        conversations.iter().rev().copied().find(|id| usable(id))
    }

    fn decide_inbound(
        &self,
        now: DateTime<Utc>,
        ids: &mut IdGenerator,
        plan: InboundPlan,
        message: InboundMessage,
        classification: Classification,
    ) -> Vec<EventPayload> {
        // Three covers the common cases (new customer and conversation, or a
        // follow-up that changes a status); it also keeps this buffer under
        // the allocator's large-request size, which is costlier to serve.
        let mut events = Vec::with_capacity(3);
        let existing = self.thread(&plan, &message);
        let customer = match plan.customer {
            Some(customer) => customer,
            None => {
                let customer = CustomerId(ids.mint(now));
                events.push(EventPayload::CustomerCreated {
                    customer,
                    identity: message.author.clone(),
                });
                customer
            }
        };
        let conversation = match existing {
            Some(id) => {
                if let Some(record) = self.state.conversations.get(&id) {
                    let current = &record.conversation;
                    if current.status == Status::Resolved {
                        events.push(EventPayload::StatusChanged {
                            conversation: id,
                            from: Status::Resolved,
                            to: Status::Open,
                        });
                    }
                    if current.kind == Kind::Mention && classification.kind == Kind::Query {
                        events.push(EventPayload::MentionPromoted { conversation: id });
                    }
                }
                id
            }
            None => {
                let id = ConversationId(ids.mint(now));
                events.push(EventPayload::ConversationOpened {
                    conversation: id,
                    customer,
                    channel: message.channel.clone(),
                    kind: classification.kind,
                    priority: Priority::Normal,
                    language: classification.language,
                });
                id
            }
        };
        events.push(EventPayload::MessageReceived {
            message: MessageId(ids.mint(now)),
            conversation,
            inbound: Box::new(message),
            classification,
        });
        if let Some(record) = existing.and_then(|id| self.state.conversations.get(&id)) {
            let current = &record.conversation;
            if matches!(current.status, Status::Pending | Status::Snoozed { .. }) {
                events.push(EventPayload::StatusChanged {
                    conversation,
                    from: current.status,
                    to: if current.assignee.is_some() {
                        Status::Assigned
                    } else {
                        Status::Open
                    },
                });
            }
        }
        events
    }

    pub(super) fn decide_reply(
        &self,
        now: DateTime<Utc>,
        ids: &mut IdGenerator,
        reply: Reply,
    ) -> Result<Vec<EventPayload>, EngineError> {
        let record = self
            .state
            .conversations
            .get(&reply.conversation)
            .ok_or(EngineError::UnknownConversation(reply.conversation))?;
        let current = &record.conversation;
        self.known_agent(reply.agent)?;
        if !current.status.is_active() {
            return Err(EngineError::ConversationNotActive(reply.conversation));
        }
        self.check_text(&reply.text, !reply.attachments.is_empty())?;
        if let Some(settings) = self.config.channel_settings(&current.channel) {
            if !settings.capabilities.allows(reply.visibility) {
                return Err(EngineError::VisibilityNotSupported(
                    match reply.visibility {
                        Visibility::Public => "public",
                        Visibility::Private => "private",
                    },
                ));
            }
        }
        let mut events = Vec::with_capacity(3);
        match current.assignee {
            Some(assignee) if assignee != reply.agent => {
                if !self.known_agent(reply.agent)?.supervisor {
                    return Err(EngineError::NotAssignee {
                        agent: reply.agent,
                        conversation: reply.conversation,
                    });
                }
                events.push(EventPayload::CollisionAllowed {
                    conversation: reply.conversation,
                    agent: reply.agent,
                    assignee,
                });
            }
            Some(_) => {}
            None => {
                let visibility = record.visibility();
                if !self
                    .state
                    .router
                    .has_room(reply.agent, current.channel.kind, visibility)
                {
                    return Err(EngineError::AgentAtCapacity(reply.agent));
                }
                if current.kind == Kind::Mention {
                    events.push(EventPayload::MentionPromoted {
                        conversation: reply.conversation,
                    });
                }
                events.push(EventPayload::ConversationAssigned {
                    conversation: reply.conversation,
                    agent: reply.agent,
                });
            }
        }
        if current.kind == Kind::Mention && events.is_empty() {
            events.push(EventPayload::MentionPromoted {
                conversation: reply.conversation,
            });
        }
        if let Some(setup) = &self.config.guard {
            let verdict = self.check_reply(setup, record, &reply, now);
            if verdict.is_blocked() {
                return Ok(vec![EventPayload::ReplyBlocked {
                    conversation: reply.conversation,
                    agent: reply.agent,
                    visibility: reply.visibility,
                    verdict: Box::new(verdict),
                }]);
            }
            let agent = self.known_agent(reply.agent)?;
            let context = crate::guard::ApprovalContext {
                visibility: reply.visibility,
                agent_tenure_days: None,
                agent_flagged_new: agent.trainee,
                author_reach: current.reach,
                crisis: self.state.crisis,
                verdict: &verdict,
            };
            if let Some(reason) = setup.approval.requires_approval(&context) {
                events.push(EventPayload::DraftCreated {
                    draft: Box::new(crate::guard::Draft {
                        id: crate::guard::DraftId::from_uuid(ids.mint(now)),
                        conversation: reply.conversation,
                        agent: reply.agent,
                        text: reply.text.to_string(),
                        visibility: reply.visibility,
                        verdict,
                        reason,
                    }),
                });
                return Ok(events);
            }
            events.push(reply_requested(
                record,
                now,
                ids,
                reply,
                Some(Box::new(verdict)),
            ));
            return Ok(events);
        }
        events.push(reply_requested(record, now, ids, reply, None));
        Ok(events)
    }

    /// The profile event, then the priority its rules give each of the
    /// customer's active conversations (raised, never lowered); the SLA
    /// policy follows the new facts through the priority-change reaction.
    fn decide_profile(
        &self,
        now: DateTime<Utc>,
        customer: CustomerId,
        profile: crate::directory::CustomerProfile,
    ) -> Vec<EventPayload> {
        let rules = &self.config.profile_priority;
        let mut wanted = rules.by_tier.get(&profile.tier).copied();
        if let Some((within, priority)) = rules.departing_within {
            if profile.departs_within(now, within) {
                wanted = wanted.max(Some(priority));
            }
        }
        let mut events = vec![EventPayload::CustomerProfileAttached {
            customer,
            profile: Box::new(profile),
        }];
        let Some(wanted) = wanted else {
            return events;
        };
        let conversations = self
            .state
            .customers
            .get(&customer)
            .map(|c| c.conversations.clone())
            .unwrap_or_default();
        for id in conversations {
            if let Some(record) = self.state.conversations.get(&id) {
                let c = &record.conversation;
                if c.status.is_active() && c.priority < wanted {
                    events.push(EventPayload::PriorityChanged {
                        conversation: id,
                        from: c.priority,
                        to: wanted,
                    });
                }
            }
        }
        events
    }

    /// Runs the outbound guard on a reply.
    fn check_reply(
        &self,
        setup: &super::GuardSetup,
        record: &super::state::ConversationRecord,
        reply: &Reply,
        now: DateTime<Utc>,
    ) -> crate::guard::GuardVerdict {
        let current = &record.conversation;
        let capabilities = self.config.channel_settings(&current.channel).map_or_else(
            || crate::model::Capabilities::for_kind(current.channel.kind),
            |settings| settings.capabilities.clone(),
        );
        let Some(agent) = self.state.router.agent(reply.agent) else {
            return crate::guard::GuardVerdict::pass();
        };
        let customer = current.customer.text();
        let mut input = crate::guard::GuardInput::new(
            &reply.text,
            reply.visibility,
            current.channel.kind,
            &capabilities,
            agent,
        )
        .with_attachments(reply.attachments.len())
        .with_conversation_language(current.language)
        .with_crisis(self.state.crisis);
        if let Some(tracker) = &self.state.reply_tracker {
            input = input.with_duplicates(tracker, customer.as_str(), now);
        }
        setup.guard.check(&input)
    }

    fn decide_draft(
        &self,
        now: DateTime<Utc>,
        ids: &mut IdGenerator,
        draft: crate::guard::DraftId,
        supervisor: AgentId,
        decision: crate::guard::ApprovalDecision,
    ) -> Result<Vec<EventPayload>, EngineError> {
        let pending = self
            .state
            .drafts
            .get(&draft)
            .ok_or(EngineError::UnknownDraft(draft))?;
        self.known_agent(supervisor)?;
        let record = self
            .state
            .conversations
            .get(&pending.conversation)
            .ok_or(EngineError::UnknownConversation(pending.conversation))?;
        match decision {
            crate::guard::ApprovalDecision::Reject { comment } => {
                Ok(vec![EventPayload::DraftRejected {
                    draft,
                    supervisor,
                    comment,
                }])
            }
            crate::guard::ApprovalDecision::Approve => {
                if !record.conversation.status.is_active() {
                    return Err(EngineError::ConversationNotActive(pending.conversation));
                }
                let reply = Reply {
                    conversation: pending.conversation,
                    agent: pending.agent,
                    visibility: pending.visibility,
                    text: pending.text.as_str().into(),
                    attachments: Vec::new(),
                };
                let verdict = Some(Box::new(pending.verdict.clone()));
                Ok(vec![
                    EventPayload::DraftApproved { draft, supervisor },
                    reply_requested(record, now, ids, reply, verdict),
                ])
            }
        }
    }

    fn decide_transfer(
        &self,
        conversation: ConversationId,
        target: TransferTarget,
    ) -> Result<Vec<EventPayload>, EngineError> {
        let current = self.record(conversation)?;
        if !current.status.is_active() {
            return Err(EngineError::ConversationNotActive(conversation));
        }
        match target {
            TransferTarget::Agent { agent } => {
                self.known_agent(agent)?;
                if current.assignee == Some(agent) {
                    return Ok(Vec::new());
                }
                let visibility = self
                    .state
                    .conversations
                    .get(&conversation)
                    .map_or(Visibility::Public, |record| record.visibility());
                if !self
                    .state
                    .router
                    .has_room(agent, current.channel.kind, visibility)
                {
                    return Err(EngineError::AgentAtCapacity(agent));
                }
            }
            TransferTarget::Team { team } => {
                if current.team == Some(team) && current.assignee.is_none() {
                    return Ok(Vec::new());
                }
            }
        }
        Ok(vec![EventPayload::ConversationTransferred {
            conversation,
            from: current.assignee,
            target,
        }])
    }

    fn decide_status(
        &self,
        now: DateTime<Utc>,
        conversation: ConversationId,
        change: StatusChange,
    ) -> Result<Vec<EventPayload>, EngineError> {
        let from = self.record(conversation)?.status;
        let invalid = |to: &'static str| EngineError::InvalidTransition { from, to };
        let to = match change {
            StatusChange::Pending => match from {
                Status::Open | Status::Assigned | Status::Snoozed { .. } => Status::Pending,
                _ => return Err(invalid("pending")),
            },
            StatusChange::Snooze { until } => {
                if until <= now {
                    return Err(EngineError::SnoozeInPast);
                }
                match from {
                    Status::Open | Status::Assigned | Status::Pending | Status::Snoozed { .. } => {
                        Status::Snoozed { until }
                    }
                    _ => return Err(invalid("snoozed")),
                }
            }
            StatusChange::Resolve => match from {
                Status::Open | Status::Assigned | Status::Pending | Status::Snoozed { .. } => {
                    Status::Resolved
                }
                _ => return Err(invalid("resolved")),
            },
            StatusChange::Reopen => match from {
                Status::Resolved => Status::Open,
                _ => return Err(invalid("open")),
            },
            StatusChange::Close { reason } => match from {
                Status::Closed { .. } => return Err(invalid("closed")),
                _ => Status::Closed { reason },
            },
        };
        Ok(vec![EventPayload::StatusChanged {
            conversation,
            from,
            to,
        }])
    }

    fn decide_link(
        &self,
        now: DateTime<Utc>,
        ids: &mut IdGenerator,
        a: Identity,
        b: Identity,
    ) -> Result<Vec<EventPayload>, EngineError> {
        if a == b {
            return Err(EngineError::SameIdentity);
        }
        let owner_a = self.state.customer_of(&a);
        let owner_b = self.state.customer_of(&b);
        Ok(match (owner_a, owner_b) {
            (None, None) => {
                let customer = CustomerId(ids.mint(now));
                vec![
                    EventPayload::CustomerCreated {
                        customer,
                        identity: a,
                    },
                    EventPayload::IdentityLinked {
                        customer,
                        identity: b,
                    },
                ]
            }
            (Some(customer), None) => vec![EventPayload::IdentityLinked {
                customer,
                identity: b,
            }],
            (None, Some(customer)) => vec![EventPayload::IdentityLinked {
                customer,
                identity: a,
            }],
            (Some(x), Some(y)) if x == y => Vec::new(),
            (Some(x), Some(y)) => vec![EventPayload::CustomersMerged {
                survivor: x.min(y),
                merged: x.max(y),
            }],
        })
    }
}

/// The send for an agent's reply: to the customer's last identity, threaded
/// under their last message.
fn reply_requested(
    record: &super::state::ConversationRecord,
    now: DateTime<Utc>,
    ids: &mut IdGenerator,
    reply: Reply,
    verdict: Option<Box<crate::guard::GuardVerdict>>,
) -> EventPayload {
    let current = &record.conversation;
    let (recipient, in_reply_to) = record.reply_address();
    let message = MessageId(ids.mint(now));
    let outbound = OutboundId(ids.mint(now));
    EventPayload::ReplyRequested {
        message,
        conversation: reply.conversation,
        agent: Some(reply.agent),
        automated: false,
        outbound: Box::new(OutboundMessage {
            id: outbound,
            channel: current.channel.to_channel_ref(),
            recipient,
            visibility: reply.visibility,
            text: reply.text,
            in_reply_to,
            attachments: reply.attachments,
        }),
        verdict,
    }
}

/// Reactions: what follows from an applied event, computed from the state;
/// pushed onto `out` in order.
pub(super) fn reactions(
    config: &super::EngineConfig,
    state: &EngineState,
    now: DateTime<Utc>,
    payload: &EventPayload,
    out: &mut Vec<EventPayload>,
) {
    super::sla_stage::reactions(config, state, now, payload, out);
    super::sales_stage::reactions(config, state, now, payload, out);
    if let (EventPayload::MessageReceived { .. }, Some(watch)) = (payload, &state.crisis_watch) {
        // The detector was fed when the message was applied; record a switch.
        if watch.detector.is_active() != state.crisis {
            out.push(EventPayload::CrisisModeChanged {
                active: watch.detector.is_active(),
            });
        }
    }
    let queue_if_waiting = |id: &ConversationId| -> Option<EventPayload> {
        match state.conversations.get(id) {
            Some(record)
                if record.conversation.kind == Kind::Query
                    && record.conversation.status == Status::Open
                    && record.conversation.assignee.is_none()
                    && state.router.state(*id).is_none() =>
            {
                Some(EventPayload::ConversationQueued { conversation: *id })
            }
            _ => None,
        }
    };
    match payload {
        EventPayload::ConversationOpened { conversation, .. }
        | EventPayload::MentionPromoted { conversation }
        | EventPayload::MessageReceived { conversation, .. }
        | EventPayload::StatusChanged { conversation, .. } => {
            out.extend(queue_if_waiting(conversation));
        }
        EventPayload::ConversationTransferred {
            conversation,
            target: TransferTarget::Team { .. },
            ..
        } => {
            out.extend(queue_if_waiting(conversation));
        }
        _ => {}
    }
}

/// The events a due timer causes.
pub(super) fn timer_events(
    state: &EngineState,
    conversation: ConversationId,
    kind: TimerKind,
    now: DateTime<Utc>,
) -> Vec<EventPayload> {
    let Some(record) = state.conversations.get(&conversation) else {
        return Vec::new();
    };
    if kind == TimerKind::Sla {
        return super::sla_stage::due_events(record, now);
    }
    let current = &record.conversation;
    let change = |to: Status| {
        vec![EventPayload::StatusChanged {
            conversation,
            from: current.status,
            to,
        }]
    };
    match (kind, current.status) {
        (TimerKind::MentionListening, Status::Open) if current.kind == Kind::Mention => {
            change(Status::Closed {
                reason: crate::model::CloseReason::NoResponseNeeded,
            })
        }
        (TimerKind::Snooze, Status::Snoozed { .. }) => change(if current.assignee.is_some() {
            Status::Assigned
        } else {
            Status::Open
        }),
        (TimerKind::ReopenWindow, Status::Resolved) => change(Status::Closed {
            reason: crate::model::CloseReason::Resolved,
        }),
        (TimerKind::Retention, Status::Closed { .. }) => {
            vec![EventPayload::ConversationArchived { conversation }]
        }
        _ => Vec::new(),
    }
}
