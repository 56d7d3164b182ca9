//! Forgetting a customer (GDPR article 17): what to scrub from the stored
//! events, keeping ids, times and SLA facts.
//!
//! [`Input::ForgetCustomer`](super::Input::ForgetCustomer) scrubs the hot
//! state and records `customer_forgotten`. The stored log is scrubbed with an
//! [`ErasurePlan`]: built from the whole log (so conversations opened under a
//! customer merged into this one are found too), then applied to each event,
//! e.g. through `SqliteEventStore::erase`. Texts become [`ERASED`], handles
//! become [`ERASED`], profiles keep only the tier (it chose the SLA policy);
//! everything else — ids, times, classifications without PII spans, SLA and
//! escalation events — stays, so statistics are unchanged.
//!
//! After retention compacted the log (`EventStore::compact`), the events
//! that opened the customer's older conversations are gone and their state
//! lives in the snapshot the compaction kept. Build the plan with
//! [`ErasurePlan::from_state_and_log`] from that snapshot's state and the
//! retained events, scrub the events with [`ErasurePlan::scrub`] and every
//! stored snapshot's state with [`ErasurePlan::scrub_state`] (instead of
//! deleting the snapshots, which would leave nothing to rebuild the
//! compacted history from). A plan also matches the customer's identities
//! (handles), so a message whose conversation the plan cannot place is
//! still scrubbed when the customer wrote it or it was addressed to them.

use super::{EngineState, Event, EventPayload};
use crate::model::{ConversationId, CustomerId, Identity};
use std::collections::BTreeSet;

/// What replaces erased texts and handles.
pub const ERASED: &str = "[erased]";

/// The customers and conversations whose personal data an erasure removes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErasurePlan {
    customers: BTreeSet<CustomerId>,
    conversations: BTreeSet<ConversationId>,
    identities: BTreeSet<Identity>,
}

impl ErasurePlan {
    /// The plan for `customer`, from the tenant's whole log in order.
    pub fn from_log<'a>(
        customer: CustomerId,
        events: impl IntoIterator<Item = &'a Event> + Clone,
    ) -> Self {
        Self::build(customer, None, events)
    }

    /// The plan for `customer` in a compacted log: `state` is the engine
    /// state of a snapshot at or after the compacted point and taken before
    /// the customer was forgotten (it knows the customer's identities and
    /// hot conversations), `events` the retained log in order.
    pub fn from_state_and_log<'a>(
        customer: CustomerId,
        state: &EngineState,
        events: impl IntoIterator<Item = &'a Event> + Clone,
    ) -> Self {
        Self::build(customer, Some(state), events)
    }

    fn build<'a>(
        customer: CustomerId,
        state: Option<&EngineState>,
        events: impl IntoIterator<Item = &'a Event> + Clone,
    ) -> Self {
        let mut customers = BTreeSet::from([customer]);
        // Merges can name the customer in either role; follow them until
        // nothing new is found.
        loop {
            let before = customers.len();
            for event in events.clone() {
                if let EventPayload::CustomersMerged { survivor, merged } = &event.payload {
                    if customers.contains(survivor) || customers.contains(merged) {
                        customers.insert(*survivor);
                        customers.insert(*merged);
                    }
                }
            }
            if customers.len() == before {
                break;
            }
        }
        let mut conversations = BTreeSet::new();
        let mut identities = BTreeSet::new();
        if let Some(state) = state {
            for id in &customers {
                if let Some(known) = state.customers.get(id) {
                    identities.extend(known.identities.iter().cloned());
                    conversations.extend(known.conversations.iter().copied());
                }
            }
            conversations.extend(
                state
                    .conversations
                    .values()
                    .filter(|record| customers.contains(&record.conversation.customer))
                    .map(|record| record.conversation.id),
            );
        }
        for event in events.clone() {
            match &event.payload {
                EventPayload::ConversationOpened {
                    conversation,
                    customer,
                    ..
                } if customers.contains(customer) => {
                    conversations.insert(*conversation);
                }
                EventPayload::CustomerCreated { customer, identity }
                | EventPayload::IdentityLinked { customer, identity }
                    if customers.contains(customer) =>
                {
                    identities.insert(identity.clone());
                }
                _ => {}
            }
        }
        // Conversations the customer wrote in under a known identity (their
        // opening event may have been compacted away).
        for event in events {
            if let EventPayload::MessageReceived {
                conversation,
                inbound,
                ..
            } = &event.payload
            {
                if identities.contains(&inbound.author) {
                    conversations.insert(*conversation);
                }
            }
        }
        ErasurePlan {
            customers,
            conversations,
            identities,
        }
    }

    /// Scrubs the plan's customers and conversations from an engine state
    /// (a stored snapshot's), as forgetting the customer does to the live
    /// state: handles and texts become [`ERASED`], drafts' texts too.
    pub fn scrub_state(&self, state: &mut EngineState) {
        for customer in &self.customers {
            state.forget(*customer);
        }
        for id in &self.conversations {
            if let Some(record) = state.conversations.get_mut(id) {
                for message in &mut record.messages {
                    message.text = ERASED.into();
                    message.replace_customer_handle(ERASED);
                }
            }
        }
        for draft in state.drafts.values_mut() {
            if self.covers(draft.conversation) {
                draft.text = ERASED.into();
            }
        }
    }

    /// Whether the plan scrubs what reaches or comes from `identity`.
    pub fn matches_identity(&self, identity: &Identity) -> bool {
        self.identities.contains(identity)
    }

    /// Whether the plan touches a conversation.
    pub fn covers(&self, conversation: ConversationId) -> bool {
        self.conversations.contains(&conversation)
    }

    /// The scrubbed event, or `None` when it holds nothing of the customer.
    pub fn scrub(&self, event: &Event) -> Option<Event> {
        let mut event = event.clone();
        let changed = match &mut event.payload {
            EventPayload::CustomerCreated { customer, identity }
            | EventPayload::IdentityLinked { customer, identity }
                if self.customers.contains(customer) =>
            {
                identity.handle = ERASED.into();
                true
            }
            EventPayload::CustomerProfileAttached { customer, profile }
                if self.customers.contains(customer) =>
            {
                let tier = profile.tier;
                **profile = crate::directory::CustomerProfile::new();
                profile.tier = tier;
                true
            }
            EventPayload::MessageReceived {
                conversation,
                inbound,
                classification,
                ..
            } if self.covers(*conversation) || self.matches_identity(&inbound.author) => {
                inbound.text = ERASED.into();
                inbound.author.handle = ERASED.into();
                inbound.attachments.clear();
                classification.pii.clear();
                classification.reasons.clear();
                classification.purchase = None;
                true
            }
            EventPayload::OpportunityOpened {
                conversation,
                details,
                ..
            } if self.covers(*conversation) => {
                *details = None;
                true
            }
            EventPayload::SurveyRequested {
                conversation,
                outbound,
                ..
            } if self.covers(*conversation) => {
                outbound.recipient.handle = ERASED.into();
                true
            }
            EventPayload::SurveyAnswered {
                conversation,
                comment,
                ..
            } if self.covers(*conversation) => {
                if comment.is_some() {
                    *comment = Some(ERASED.into());
                }
                true
            }
            EventPayload::ConversionRecorded {
                conversation,
                booking,
                ..
            } if self.covers(*conversation) => {
                if let Some(identity) = &mut booking.identity {
                    identity.handle = ERASED.into();
                }
                true
            }
            EventPayload::ReplyRequested {
                conversation,
                outbound,
                ..
            } if self.covers(*conversation) || self.matches_identity(&outbound.recipient) => {
                outbound.text = ERASED.into();
                outbound.recipient.handle = ERASED.into();
                outbound.attachments.clear();
                true
            }
            EventPayload::NoteAdded {
                conversation, text, ..
            } if self.covers(*conversation) => {
                *text = ERASED.into();
                true
            }
            EventPayload::DraftCreated { draft } if self.covers(draft.conversation) => {
                draft.text = ERASED.into();
                true
            }
            EventPayload::NotificationRequested { notification }
                if self.covers(notification.conversation) =>
            {
                notification.message = ERASED.into();
                true
            }
            _ => false,
        };
        changed.then_some(event)
    }
}
