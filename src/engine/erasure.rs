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

use super::{Event, EventPayload};
use crate::model::{ConversationId, CustomerId};
use std::collections::BTreeSet;

/// What replaces erased texts and handles.
pub const ERASED: &str = "[erased]";

/// The customers and conversations whose personal data an erasure removes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErasurePlan {
    customers: BTreeSet<CustomerId>,
    conversations: BTreeSet<ConversationId>,
}

impl ErasurePlan {
    /// The plan for `customer`, from the tenant's whole log in order.
    pub fn from_log<'a>(
        customer: CustomerId,
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
        let conversations = events
            .into_iter()
            .filter_map(|event| match &event.payload {
                EventPayload::ConversationOpened {
                    conversation,
                    customer,
                    ..
                } if customers.contains(customer) => Some(*conversation),
                _ => None,
            })
            .collect();
        ErasurePlan {
            customers,
            conversations,
        }
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
            } if self.covers(*conversation) => {
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
            } if self.covers(*conversation) => {
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
