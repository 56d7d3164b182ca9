//! The engine's hot records: conversations, their messages and customers as
//! the state keeps them, and the public model values built from them for a
//! read.
//!
//! A record holds each fact once. The public [`Conversation`] lists its
//! message ids and each public [`Message`] names its conversation; the
//! records leave both out (the ids are the messages' own, the conversation
//! is the record's) and keep the short lists (intents, a customer's
//! identities and conversations) inline while they hold one entry. Their
//! JSON in a snapshot is the public shape without those two repeated
//! fields, so a snapshot written before this layout still loads.

use super::compact_time::CompactTime;
use super::shared::{Shared, SharedChannel, SharedSet};
use super::sla_stage::SlaState;
use super::state::TimerKind;
pub(crate) use super::stored_message::{MessageFields, StoredMessage};
use crate::escalation::EscalationMemory;
use crate::model::{
    AgentId, Conversation, ConversationId, Customer, CustomerId, Identity, Intent, Kind, Language,
    Message, Priority, SmolStr, Status, TeamId, Tier, Visibility,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// A list that keeps its first entry inline and moves to the heap from the
/// second. Serialises as a plain sequence.
pub(crate) type InlineList<T> = SmallVec<[T; 1]>;

/// Appends to a list that usually stays short, growing it by half its
/// length at a time rather than doubling.
pub(crate) fn push_short<T>(list: &mut InlineList<T>, item: T) {
    if list.len() == list.capacity() {
        list.reserve_exact((list.len() / 2).max(1));
    }
    list.push(item);
}

/// `items` with `item` at `position`, at exact length: the sorted sets
/// below change rarely, so they are rebuilt rather than kept with room.
fn inserted<T: Clone>(items: &[T], position: usize, item: T) -> Box<[T]> {
    let mut all = Vec::with_capacity(items.len() + 1);
    all.extend_from_slice(&items[..position]);
    all.push(item);
    all.extend_from_slice(&items[position..]);
    all.into_boxed_slice()
}

/// A customer's identities, in the order they were linked: the first
/// inline, in the 32 bytes one [`Identity`] takes (a list of more shares
/// that room). Serialises as a plain sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Identities {
    /// The usual case: one.
    One(Identity),
    /// None (only while a customer's identities are being replaced), or
    /// two or more.
    Many(Vec<Identity>),
}

impl Identities {
    /// Adds `identity` at the end, unless it is there already.
    pub(crate) fn insert(&mut self, identity: Identity) {
        if self.contains(&identity) {
            return;
        }
        *self = match std::mem::take(self) {
            Identities::Many(all) if all.is_empty() => Identities::One(identity),
            Identities::Many(mut all) => {
                all.reserve_exact(1);
                all.push(identity);
                Identities::Many(all)
            }
            Identities::One(first) => Identities::Many(vec![first, identity]),
        };
    }
}

impl Default for Identities {
    fn default() -> Self {
        Identities::Many(Vec::new())
    }
}

impl From<Vec<Identity>> for Identities {
    fn from(mut all: Vec<Identity>) -> Self {
        match all.len() {
            1 => Identities::One(all.remove(0)),
            _ => {
                all.shrink_to_fit();
                Identities::Many(all)
            }
        }
    }
}

impl FromIterator<Identity> for Identities {
    fn from_iter<I: IntoIterator<Item = Identity>>(iter: I) -> Self {
        Identities::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl std::ops::Deref for Identities {
    type Target = [Identity];

    fn deref(&self) -> &[Identity] {
        match self {
            Identities::One(identity) => std::slice::from_ref(identity),
            Identities::Many(all) => all,
        }
    }
}

impl Serialize for Identities {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Identities {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Identity>::deserialize(deserializer).map(Identities::from)
    }
}

/// A conversation's tags, sorted and without repeats: most conversations
/// have none, so an empty set is one null pointer (8 bytes; the slice's
/// length sits behind it, with the tags). Serialises as a plain sequence.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tags(Option<Box<Box<[String]>>>);

impl Tags {
    /// Adds `tag` in order, unless it is there already.
    pub(crate) fn insert(&mut self, tag: &str) {
        if let Err(position) = self.binary_search_by(|t| t.as_str().cmp(tag)) {
            self.0 = Some(Box::new(inserted(self, position, tag.to_owned())));
        }
    }
}

impl std::ops::Deref for Tags {
    type Target = [String];

    fn deref(&self) -> &[String] {
        self.0.as_deref().map_or(&[], |tags| &**tags)
    }
}

impl Serialize for Tags {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tags = Vec::<String>::deserialize(deserializer)?;
        Ok(Tags(
            (!tags.is_empty()).then(|| Box::new(tags.into_boxed_slice())),
        ))
    }
}

/// A set of intents, sorted and without repeats: what conversations with
/// the same intents share (see [`Intents`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct IntentSet(Box<[Intent]>);

/// A conversation's intents, sorted and without repeats, as one pointer
/// (8 bytes) to the copy of the set that every hot conversation with the
/// same intents shares, or none. Serialises as a plain sequence.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Intents(Option<Shared<IntentSet>>);

impl Intents {
    /// Adds `intent` in order, unless it is there already, taking the
    /// grown set's shared copy from `sets` and letting the old one go.
    pub(crate) fn insert(&mut self, intent: &Intent, sets: &mut SharedSet<IntentSet>) {
        let Err(position) = self.binary_search(intent) else {
            return;
        };
        let grown = IntentSet(inserted(self, position, intent.clone()));
        self.release(sets);
        self.0 = Some(sets.share_value(grown));
    }

    /// Points a set read from a snapshot at the shared copy.
    pub(crate) fn adopt(&mut self, sets: &mut SharedSet<IntentSet>) {
        if let Some(set) = &mut self.0 {
            sets.adopt(set);
        }
    }

    /// Lets the set go (its conversation leaves the hot state, or its set
    /// grows); the intents read as none afterwards.
    pub(crate) fn release(&mut self, sets: &mut SharedSet<IntentSet>) {
        if let Some(set) = self.0.take() {
            sets.release(&set);
        }
    }
}

impl std::ops::Deref for Intents {
    type Target = [Intent];

    fn deref(&self) -> &[Intent] {
        self.0.as_deref().map_or(&[], |set| &set.0)
    }
}

impl Serialize for Intents {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Intents {
    /// Read with a copy of its own, until the state adopts it.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut all = Vec::<Intent>::deserialize(deserializer)?;
        all.sort();
        all.dedup();
        Ok(Intents(
            (!all.is_empty()).then(|| Shared::own(IntentSet(all.into_boxed_slice()))),
        ))
    }
}

/// A conversation's own facts, as the hot state keeps them: the public
/// [`Conversation`] without its message ids, its times to the microsecond
/// in 8 bytes each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ConversationCore {
    pub(crate) id: ConversationId,
    pub(crate) customer: CustomerId,
    pub(crate) channel: SharedChannel,
    pub(crate) kind: Kind,
    pub(crate) status: Status,
    pub(crate) priority: Priority,
    pub(crate) language: Option<Language>,
    pub(crate) assignee: Option<AgentId>,
    pub(crate) team: Option<TeamId>,
    pub(crate) tags: Tags,
    pub(crate) intents: Intents,
    pub(crate) sentiment: f32,
    pub(crate) reach: u64,
    pub(crate) suggest_private: bool,
    pub(crate) opened_at: CompactTime,
    pub(crate) last_customer_message_at: CompactTime,
    pub(crate) first_response_at: Option<CompactTime>,
    pub(crate) last_agent_reply_at: Option<CompactTime>,
    pub(crate) unanswered: u32,
    pub(crate) resolved_at: Option<CompactTime>,
    pub(crate) closed_at: Option<CompactTime>,
}

impl ConversationCore {
    /// A conversation just opened: open, unassigned, with nothing said yet.
    pub(crate) fn opened(
        id: ConversationId,
        customer: CustomerId,
        channel: SharedChannel,
        kind: Kind,
        priority: Priority,
        language: Option<Language>,
        at: DateTime<Utc>,
    ) -> Self {
        ConversationCore {
            id,
            customer,
            channel,
            kind,
            status: Status::Open,
            priority,
            language,
            assignee: None,
            team: None,
            tags: Tags::default(),
            intents: Intents::default(),
            sentiment: 0.0,
            reach: 0,
            suggest_private: false,
            opened_at: at.into(),
            last_customer_message_at: at.into(),
            first_response_at: None,
            last_agent_reply_at: None,
            unanswered: 0,
            resolved_at: None,
            closed_at: None,
        }
    }
}

/// A conversation in the hot state, with its messages, clocks and timers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ConversationRecord {
    pub(crate) conversation: ConversationCore,
    pub(crate) messages: Vec<StoredMessage>,
    pub(crate) timer: Option<(DateTime<Utc>, TimerKind)>,
    /// Its SLA clocks and escalation memory, when it has any; their fields
    /// sit at the record's top level in JSON.
    #[serde(flatten)]
    watch: WatchSlot,
}

/// What only SLA policies and escalation rules fill in, boxed together so
/// a conversation without them pays one pointer for all four.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Watch {
    /// Its SLA policy and clocks (none without SLA policies, and for
    /// mentions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sla: Option<SlaState>,
    /// When its SLA timer is due, as entered in the timer set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sla_timer: Option<DateTime<Utc>>,
    /// What escalation rules fired on it (changed only by escalation
    /// events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    escalation: Option<EscalationMemory>,
    /// When escalation should look at it again, as entered in the timer
    /// set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    escalation_timer: Option<DateTime<Utc>>,
}

impl Watch {
    fn is_empty(&self) -> bool {
        self.sla.is_none()
            && self.sla_timer.is_none()
            && self.escalation.is_none()
            && self.escalation_timer.is_none()
    }
}

/// A record's [`Watch`]: absent while empty, so that a record equals its
/// snapshot whichever way it got there.
#[derive(Debug, Clone, Default, PartialEq)]
struct WatchSlot(Option<Box<Watch>>);

impl WatchSlot {
    fn get(&self) -> Option<&Watch> {
        self.0.as_deref()
    }

    fn get_or_default(&mut self) -> &mut Watch {
        self.0.get_or_insert_with(Box::default)
    }

    /// Drops the box once nothing is left in it.
    fn tidy(&mut self) {
        if self.0.as_deref().is_some_and(Watch::is_empty) {
            self.0 = None;
        }
    }
}

impl Serialize for WatchSlot {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.get() {
            Some(watch) => watch.serialize(serializer),
            None => Watch::default().serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for WatchSlot {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut slot = WatchSlot(Some(Box::new(Watch::deserialize(deserializer)?)));
        slot.tidy();
        Ok(slot)
    }
}

impl ConversationRecord {
    /// A record for a conversation just opened, with no messages yet.
    pub(crate) fn new(conversation: ConversationCore) -> Self {
        ConversationRecord {
            conversation,
            messages: Vec::with_capacity(1),
            timer: None,
            watch: WatchSlot::default(),
        }
    }

    /// Its SLA policy and clocks, if it has any.
    pub(crate) fn sla(&self) -> Option<&SlaState> {
        self.watch.get().and_then(|w| w.sla.as_ref())
    }

    /// Its SLA policy and clocks to change, if it has any.
    pub(crate) fn sla_mut(&mut self) -> Option<&mut SlaState> {
        self.watch.0.as_deref_mut().and_then(|w| w.sla.as_mut())
    }

    /// Its SLA policy and clocks, started with `start` if it had none.
    pub(crate) fn sla_or_insert_with(&mut self, start: impl FnOnce() -> SlaState) -> &mut SlaState {
        self.watch.get_or_default().sla.get_or_insert_with(start)
    }

    /// When its SLA timer is due, as entered in the timer set.
    pub(crate) fn sla_timer(&self) -> Option<DateTime<Utc>> {
        self.watch.get().and_then(|w| w.sla_timer)
    }

    /// Notes when its SLA timer is due (the caller keeps the timer set).
    pub(crate) fn set_sla_timer(&mut self, due: Option<DateTime<Utc>>) {
        if due.is_some() || self.sla_timer().is_some() {
            self.watch.get_or_default().sla_timer = due;
            self.watch.tidy();
        }
    }

    /// What escalation rules fired on it, if any did.
    pub(crate) fn escalation(&self) -> Option<&EscalationMemory> {
        self.watch.get().and_then(|w| w.escalation.as_ref())
    }

    /// Its escalation memory to change, started empty if it had none.
    pub(crate) fn escalation_or_default(&mut self) -> &mut EscalationMemory {
        self.watch
            .get_or_default()
            .escalation
            .get_or_insert_with(EscalationMemory::default)
    }

    /// When escalation should look at it again, as entered in the timer set.
    pub(crate) fn escalation_timer(&self) -> Option<DateTime<Utc>> {
        self.watch.get().and_then(|w| w.escalation_timer)
    }

    /// Notes when escalation should look again (the caller keeps the timer
    /// set).
    pub(crate) fn set_escalation_timer(&mut self, due: Option<DateTime<Utc>>) {
        if due.is_some() || self.escalation_timer().is_some() {
            self.watch.get_or_default().escalation_timer = due;
            self.watch.tidy();
        }
    }

    /// The public conversation, built for a read.
    pub(crate) fn to_conversation(&self) -> Conversation {
        let c = &self.conversation;
        Conversation {
            id: c.id,
            customer: c.customer,
            channel: c.channel.to_channel_ref(),
            kind: c.kind,
            status: c.status,
            priority: c.priority,
            language: c.language,
            assignee: c.assignee,
            team: c.team,
            tags: c.tags.to_vec(),
            intents: c.intents.to_vec(),
            sentiment: c.sentiment,
            reach: c.reach,
            suggest_private: c.suggest_private,
            messages: self.messages.iter().map(|m| m.id).collect(),
            opened_at: c.opened_at.get(),
            last_customer_message_at: c.last_customer_message_at.get(),
            first_response_at: c.first_response_at.map(CompactTime::get),
            last_agent_reply_at: c.last_agent_reply_at.map(CompactTime::get),
            unanswered: c.unanswered,
            resolved_at: c.resolved_at.map(CompactTime::get),
            closed_at: c.closed_at.map(CompactTime::get),
        }
    }

    /// The conversation's messages in order, built for a read.
    pub(crate) fn to_messages(&self) -> Vec<Message> {
        let id = self.conversation.id;
        self.messages.iter().map(|m| m.to_message(id)).collect()
    }

    /// Public or private: how the customer first wrote (public when
    /// nothing is known), which sets its weight in agents' capacity.
    pub(crate) fn visibility(&self) -> Visibility {
        self.messages
            .iter()
            .find(|m| m.is_from_customer())
            .map_or(Visibility::Public, StoredMessage::visibility)
    }

    /// Where a reply goes: the identity of the customer's last message and
    /// that message's external id (to thread under it).
    pub(crate) fn reply_address(&self) -> (Identity, Option<SmolStr>) {
        self.messages
            .iter()
            .rev()
            .find_map(|m| Some((m.customer_identity()?, m.external_id.clone())))
            .unwrap_or_else(|| {
                (
                    Identity::new(self.conversation.channel.kind, String::new()),
                    None,
                )
            })
    }
}

impl super::table::Keyed for ConversationRecord {
    type Key = ConversationId;
    fn key(&self) -> &ConversationId {
        &self.conversation.id
    }
}

impl super::table::Keyed for CustomerRecord {
    type Key = CustomerId;
    fn key(&self) -> &CustomerId {
        &self.id
    }
}

/// A customer as the hot state keeps them: the public [`Customer`] with its
/// two lists inline while they hold one entry, and its name (which most
/// customers lack) behind a thin pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CustomerRecord {
    pub(crate) id: CustomerId,
    pub(crate) identities: Identities,
    /// Boxed twice so that no name costs 8 bytes, not 16 (JSON as a string).
    name: Option<Box<Box<str>>>,
    pub(crate) language: Option<Language>,
    pub(crate) tier: Tier,
    pub(crate) conversations: InlineList<ConversationId>,
}

impl CustomerRecord {
    /// A customer known by one identity, with no conversations yet.
    pub(crate) fn new(id: CustomerId, identity: Identity) -> Self {
        CustomerRecord {
            id,
            identities: Identities::One(identity),
            name: None,
            language: None,
            tier: Tier::Standard,
            conversations: InlineList::new(),
        }
    }

    /// The customer's name, when known.
    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref().map(|name| &**name)
    }

    /// Sets or clears the customer's name.
    pub(crate) fn set_name(&mut self, name: Option<&str>) {
        self.name = name.map(|name| Box::new(Box::from(name)));
    }

    /// The public customer, built for a read.
    pub(crate) fn to_customer(&self) -> Customer {
        Customer {
            id: self.id,
            identities: self.identities.to_vec(),
            name: self.name().map(String::from),
            language: self.language,
            tier: self.tier,
            conversations: self.conversations.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::shared::ChannelRefs;
    use crate::model::{Author, ChannelKind, ChannelRef, MessageId};

    fn at(minute: u32) -> DateTime<Utc> {
        format!("2026-11-23T10:{minute:02}:00Z")
            .parse()
            .expect("fixed time")
    }

    fn record() -> ConversationRecord {
        let id = ConversationId::from_uuid(uuid::Uuid::from_u128(7));
        let mut record = ConversationRecord::new(ConversationCore::opened(
            id,
            CustomerId::from_uuid(uuid::Uuid::from_u128(8)),
            ChannelRefs::default().share(&ChannelRef::new(ChannelKind::X, "@KLM")),
            Kind::Query,
            Priority::Normal,
            Some(Language::ENGLISH),
            at(0),
        ));
        let mut sets = SharedSet::default();
        for intent in [Intent::refund(), Intent::baggage(), Intent::refund()] {
            record.conversation.intents.insert(&intent, &mut sets);
        }
        for (n, author) in [
            Author::Customer {
                identity: Identity::new(ChannelKind::X, "@anna"),
            },
            Author::Automation,
        ]
        .into_iter()
        .enumerate()
        {
            record.messages.push(
                MessageFields {
                    id: MessageId::from_uuid(uuid::Uuid::from_u128(100 + n as u128)),
                    author,
                    visibility: Visibility::Public,
                    note: false,
                    text: SmolStr::new(format!("message {n}")),
                    external_id: Some(SmolStr::new(format!("x{n}"))),
                    outbound: None,
                    undelivered: false,
                    at: at(n as u32),
                }
                .into(),
            );
        }
        record
    }

    #[test]
    fn reads_build_the_public_shape_with_ids_and_owner_filled_in() {
        let record = record();
        let conversation = record.to_conversation();
        let messages = record.to_messages();
        assert_eq!(
            conversation.messages,
            messages.iter().map(|m| m.id).collect::<Vec<_>>()
        );
        assert_eq!(conversation.messages.len(), 2);
        assert!(messages.iter().all(|m| m.conversation == conversation.id));
        assert_eq!(
            conversation.intents,
            vec![Intent::baggage(), Intent::refund()]
        );
        assert_eq!(messages[1].text, "message 1");
        assert_eq!(record.visibility(), Visibility::Public);
        assert_eq!(
            record.reply_address(),
            (
                Identity::new(ChannelKind::X, "@anna"),
                Some(SmolStr::new("x0"))
            )
        );
    }

    #[test]
    fn a_record_reads_back_from_the_public_json_it_replaced() {
        // Before this layout a record held the public types: the
        // conversation listed its message ids and each message named its
        // conversation. That JSON (in older snapshots) still loads.
        let record = record();
        let mut json = serde_json::to_value(&record).expect("serialises");
        let conversation = serde_json::to_value(record.to_conversation()).expect("serialises");
        let messages = serde_json::to_value(record.to_messages()).expect("serialises");
        assert!(json["conversation"].get("messages").is_none());
        json["conversation"] = conversation;
        json["messages"] = messages;
        let back: ConversationRecord = serde_json::from_value(json).expect("old shape loads");
        assert_eq!(back, record);
        let again: ConversationRecord =
            serde_json::from_value(serde_json::to_value(&record).expect("serialises"))
                .expect("new shape loads");
        assert_eq!(again, record);
    }

    #[test]
    fn a_customer_reads_back_from_the_public_json_and_keeps_one_entry_inline() {
        let mut customer = CustomerRecord::new(
            CustomerId::from_uuid(uuid::Uuid::from_u128(8)),
            Identity::new(ChannelKind::X, "@anna"),
        );
        push_short(
            &mut customer.conversations,
            ConversationId::from_uuid(uuid::Uuid::from_u128(7)),
        );
        assert!(
            matches!(customer.identities, Identities::One(_)) && !customer.conversations.spilled()
        );
        let public = serde_json::to_value(customer.to_customer()).expect("serialises");
        let back: CustomerRecord = serde_json::from_value(public).expect("public shape loads");
        assert_eq!(back, customer);
        customer
            .identities
            .insert(Identity::new(ChannelKind::Whatsapp, "+316"));
        customer
            .identities
            .insert(Identity::new(ChannelKind::X, "@anna"));
        assert_eq!(customer.to_customer().identities.len(), 2, "no repeats");
        let public = serde_json::to_value(customer.to_customer()).expect("serialises");
        let back: CustomerRecord = serde_json::from_value(public).expect("public shape loads");
        assert_eq!(back, customer);
        assert_eq!(
            std::mem::take(&mut customer.identities)
                .iter()
                .cloned()
                .collect::<Identities>(),
            back.identities
        );
        assert!(customer.identities.is_empty());
    }

    #[test]
    fn sla_and_escalation_parts_sit_at_the_top_level_and_leave_no_empty_box() {
        let mut record = record();
        assert!(record.watch.0.is_none());
        record.set_sla_timer(None);
        record.set_escalation_timer(None);
        assert!(
            record.watch.0.is_none(),
            "clearing nothing allocates nothing"
        );
        let plain = serde_json::to_value(&record).expect("serialises");
        for key in ["sla", "sla_timer", "escalation", "escalation_timer"] {
            assert!(plain.get(key).is_none(), "{key} is left out while empty");
        }

        record.sla_or_insert_with(|| SlaState {
            policy: "hour".into(),
            clocks: Vec::new(),
        });
        record.set_sla_timer(Some(at(30)));
        record.set_escalation_timer(Some(at(45)));
        let json = serde_json::to_value(&record).expect("serialises");
        assert_eq!(json["sla"]["policy"], "hour");
        assert_eq!(json["sla_timer"], serde_json::json!(at(30)));
        assert_eq!(json["escalation_timer"], serde_json::json!(at(45)));
        let back: ConversationRecord = serde_json::from_value(json).expect("loads");
        assert_eq!(back, record);
        assert_eq!(back.sla().map(|s| s.policy.as_str()), Some("hour"));

        record.set_escalation_timer(None);
        assert_eq!(record.escalation_timer(), None);
        assert!(record.watch.0.is_some(), "the SLA state is still there");
        let mut cleared = record.clone();
        cleared.watch.get_or_default().sla = None;
        cleared.set_sla_timer(None);
        assert!(cleared.watch.0.is_none(), "an emptied box is dropped");
        let back: ConversationRecord =
            serde_json::from_value(serde_json::to_value(&cleared).expect("serialises"))
                .expect("loads");
        assert_eq!(back, cleared);
    }

    /// The bytes per open conversation follow these sizes; a field added
    /// without care shows up here first.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn hot_records_keep_their_sizes() {
        use std::mem::size_of;
        assert_eq!(size_of::<ConversationCore>(), 176);
        assert_eq!(size_of::<ConversationRecord>(), 224);
        assert_eq!(size_of::<StoredMessage>(), 120);
        assert_eq!(size_of::<CustomerRecord>(), 88);
        assert_eq!(size_of::<Identities>(), 32, "as one identity");
        assert_eq!(size_of::<Tags>(), 8, "no tags is one null pointer");
    }

    #[test]
    fn intents_stay_sorted_without_repeats_and_conversations_share_each_set() {
        assert_eq!(std::mem::size_of::<Intents>(), 8, "one pointer");
        let mut sets = SharedSet::default();
        let mut intents = Intents::default();
        intents.insert(&Intent::refund(), &mut sets);
        intents.insert(&Intent::refund(), &mut sets);
        assert_eq!(&*intents, [Intent::refund()]);
        intents.insert(&Intent::baggage(), &mut sets);
        intents.insert(&Intent::new("zz-custom"), &mut sets);
        intents.insert(&Intent::baggage(), &mut sets);
        assert_eq!(
            &*intents,
            [
                Intent::baggage(),
                Intent::refund(),
                Intent::new("zz-custom")
            ]
        );
        assert_eq!(sets.len(), 1, "the sets it grew through were let go");
        let mut other = Intents::default();
        for intent in [
            Intent::new("zz-custom"),
            Intent::refund(),
            Intent::baggage(),
        ] {
            other.insert(&intent, &mut sets);
        }
        let (Some(a), Some(b)) = (&intents.0, &other.0) else {
            panic!("both hold a set");
        };
        assert!(std::ptr::eq(&**a, &**b), "one shared copy");
        assert_eq!(sets.len(), 1);

        let json = serde_json::to_value(&intents).expect("serialises");
        assert_eq!(json, serde_json::json!(["baggage", "refund", "zz-custom"]));
        let mut loaded = serde_json::from_value::<Intents>(json).expect("loads");
        assert_eq!(loaded, intents);
        loaded.adopt(&mut sets);
        assert!(std::ptr::eq(&**loaded.0.as_ref().expect("a set"), &**a));
        let unsorted: Intents =
            serde_json::from_value(serde_json::json!(["refund", "baggage", "refund"]))
                .expect("loads");
        assert_eq!(&*unsorted, [Intent::baggage(), Intent::refund()]);
        let none: Intents = serde_json::from_value(serde_json::json!([])).expect("loads");
        assert_eq!(none, Intents::default());

        for mut held in [intents, other, loaded] {
            held.release(&mut sets);
            assert!(held.is_empty());
        }
        assert_eq!(
            sets.len(),
            0,
            "let go with the last conversation holding it"
        );
    }

    #[test]
    fn tags_stay_sorted_without_repeats_and_read_as_a_plain_list() {
        let mut tags = Tags::default();
        assert!(tags.is_empty() && tags.0.is_none());
        for tag in ["vip", "bag", "vip", "delay"] {
            tags.insert(tag);
        }
        assert_eq!(&*tags, ["bag", "delay", "vip"]);
        let json = serde_json::to_value(&tags).expect("serialises");
        assert_eq!(json, serde_json::json!(["bag", "delay", "vip"]));
        assert_eq!(serde_json::from_value::<Tags>(json).expect("loads"), tags);
        let empty: Tags = serde_json::from_value(serde_json::json!([])).expect("loads");
        assert_eq!(empty, Tags::default());
    }
}
