//! Engine configuration: tenant, channels and settings, kept apart from state.

use crate::escalation::EscalationRules;
use crate::guard::{ApprovalPolicy, DuplicateReplySettings, Guard};
use crate::model::{Capabilities, ChannelRef, Classification, InboundMessage, Language, TenantId};
use crate::sla::SlaPolicies;
use chrono::Duration;

/// How an inbound message finds its conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ThreadingPolicy {
    /// By reply chain (in-reply-to), else the customer's open conversation on
    /// any linked identity, else a new one (the default).
    #[default]
    ReplyChainThenCustomer,
    /// By reply chain only: a message that replies to nothing known starts a
    /// new conversation (how public support threads are usually counted).
    ReplyChainOnly,
}

/// A brand account the desk works, with what it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSettings {
    /// The account.
    pub channel: ChannelRef,
    /// What it allows.
    pub capabilities: Capabilities,
    /// The language to assume when a message's own is unknown.
    pub default_language: Option<Language>,
}

/// What the engine knows when it classifies a message itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassifyContext {
    /// The language the customer wrote in before, if known.
    pub customer_language: Option<Language>,
    /// The channel account's default language.
    pub channel_default_language: Option<Language>,
}

/// Classifies inbound messages that arrive without a classification.
///
/// The engine records the result in the event, so a classifier may keep
/// state of its own (near-duplicate windows) without breaking replay.
pub trait Classifier: Send {
    /// Classifies one message.
    fn classify(&mut self, message: &InboundMessage, context: &ClassifyContext) -> Classification;
}

/// The classifier used when none is configured: every message is a query
/// (nobody is left unanswered because of a guess), in the language the
/// network hinted, else the customer's, else the channel's default.
#[derive(Debug, Clone, Copy, Default)]
pub struct PassThroughClassifier;

impl Classifier for PassThroughClassifier {
    fn classify(&mut self, message: &InboundMessage, context: &ClassifyContext) -> Classification {
        let language = message
            .language_hint
            .or(context.customer_language)
            .or(context.channel_default_language);
        let mut classification = Classification::query(language);
        classification.reasons.push("unclassified".into());
        classification
    }
}

/// Configuration of one engine: the tenant, its channels and its settings.
///
/// It is kept apart from the state so that an engine can be rebuilt from
/// its events with [`Engine::replay`](super::Engine::replay).
///
/// ```
/// use caredesk::engine::EngineConfig;
/// use caredesk::model::{ChannelKind, ChannelRef, Language, TenantId};
/// let config = EngineConfig::new(TenantId::from_uuid(uuid::Uuid::from_u128(1)))
///     .with_channel(ChannelRef::new(ChannelKind::X, "@KLM"), Some(Language::ENGLISH))
///     .with_reopen_window(chrono::Duration::hours(48));
/// assert_eq!(config.channels.len(), 1);
/// ```
pub struct EngineConfig {
    /// The tenant whose desk this engine runs.
    pub tenant: TenantId,
    /// Mixed with the tenant into the id generator's seed.
    pub id_seed: u64,
    /// The brand accounts; messages on other accounts are rejected.
    pub channels: Vec<ChannelSettings>,
    /// How messages find their conversation.
    pub threading: ThreadingPolicy,
    /// A customer message this soon after resolution reopens the
    /// conversation; later ones start a new one. Resolved conversations are
    /// closed (reason `Resolved`) when it ends.
    pub reopen_window: Duration,
    /// Mentions nobody answered or promoted are closed (reason
    /// `NoResponseNeeded`) this long after their last message.
    pub mention_listen_window: Duration,
    /// Closed conversations leave the hot state this long after closing.
    pub retention: Duration,
    /// Longest accepted text, in bytes.
    pub max_text_bytes: usize,
    /// Classifies messages that arrive without a classification.
    pub classifier: Box<dyn Classifier>,
    /// SLA policies; without them no clocks run.
    pub sla: Option<SlaPolicies>,
    /// Escalation rules (compiled); without them nothing escalates.
    pub escalation: Option<EscalationRules>,
    /// The outbound guard and approval rules; without them every reply is sent.
    pub guard: Option<GuardSetup>,
    /// How a customer's profile sets their conversations' priority.
    pub profile_priority: ProfilePriority,
    /// How conversations reach agents: strategy, offers, queues,
    /// relaxation, offline policy, skills from intents.
    pub routing: super::RoutingSetup,
    /// Sales: purchase intent opens opportunities, offers and bookings are
    /// recorded (`None`: off; see [`SalesSettings`](super::SalesSettings)).
    pub sales: Option<super::SalesSettings>,
    /// Satisfaction surveys after resolution (`None`: off; see
    /// [`CsatSettings`](super::CsatSettings)).
    pub csat: Option<super::CsatSettings>,
}

/// How an attached customer profile raises the priority of the customer's
/// active conversations (never lowers it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfilePriority {
    /// The least priority for each loyalty tier.
    pub by_tier: std::collections::BTreeMap<crate::model::Tier, crate::model::Priority>,
    /// A flight departing within this time (from the profile's bookings)
    /// raises the priority to the given one.
    pub departing_within: Option<(Duration, crate::model::Priority)>,
}

/// The outbound guard as the engine uses it: the checks, the approval
/// rules, and the window for "same text to many customers".
#[derive(Debug, Clone)]
pub struct GuardSetup {
    /// The compiled checks.
    pub guard: Guard,
    /// When a reply needs a second person.
    pub approval: ApprovalPolicy,
    /// The duplicate-reply window.
    pub duplicates: DuplicateReplySettings,
    /// Switch crisis mode automatically from inbound volume (`None`: only
    /// by [`Input::SetCrisisMode`](super::Input::SetCrisisMode)).
    pub auto_crisis: Option<AutoCrisis>,
}

/// Automatic crisis mode: inbound messages are counted in fixed buckets and
/// a [`CrisisDetector`](crate::guard::CrisisDetector) compares each finished
/// bucket with the normal volume, with hysteresis. A bucket finishes when
/// the first message of a later bucket arrives (empty buckets in between
/// count as zero, up to a day of them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoCrisis {
    /// The bucket length in seconds (e.g. 900 for 15 minutes).
    pub bucket_secs: u32,
    /// The inbound messages expected in a normal bucket.
    pub normal_per_bucket: f64,
    /// When to switch on and off.
    pub settings: crate::guard::CrisisSettings,
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("tenant", &self.tenant)
            .field("id_seed", &self.id_seed)
            .field("channels", &self.channels)
            .field("threading", &self.threading)
            .field("reopen_window", &self.reopen_window)
            .field("mention_listen_window", &self.mention_listen_window)
            .field("retention", &self.retention)
            .field("max_text_bytes", &self.max_text_bytes)
            .field("sla", &self.sla)
            .field("routing", &self.routing)
            .field("sales", &self.sales)
            .field("csat", &self.csat.is_some())
            .field(
                "escalation",
                &self.escalation.as_ref().map(EscalationRules::len),
            )
            .finish_non_exhaustive()
    }
}

impl EngineConfig {
    /// Defaults: reopen window 72 hours, mentions listened to for 24 hours,
    /// closed conversations kept hot for 24 hours, texts up to 64 KiB, every
    /// unclassified message a query.
    pub fn new(tenant: TenantId) -> Self {
        EngineConfig {
            tenant,
            id_seed: 0,
            channels: Vec::new(),
            threading: ThreadingPolicy::default(),
            reopen_window: Duration::hours(72),
            mention_listen_window: Duration::hours(24),
            retention: Duration::hours(24),
            max_text_bytes: 64 * 1024,
            classifier: Box::new(PassThroughClassifier),
            sla: None,
            escalation: None,
            guard: None,
            profile_priority: ProfilePriority::default(),
            routing: super::RoutingSetup::default(),
            sales: None,
            csat: None,
        }
    }

    /// Sets how conversations are routed (the default: least loaded,
    /// direct assignment, one queue, no relaxation, assignments kept when
    /// an agent leaves).
    #[must_use]
    pub fn with_routing(mut self, routing: super::RoutingSetup) -> Self {
        self.routing = routing;
        self
    }

    /// Turns sales on: purchase intent opens opportunities (see
    /// [`SalesSettings`](super::SalesSettings)).
    #[must_use]
    pub fn with_sales(mut self, settings: super::SalesSettings) -> Self {
        self.sales = Some(settings);
        self
    }

    /// Turns satisfaction surveys on (see [`CsatSettings`](super::CsatSettings)).
    #[must_use]
    pub fn with_csat(mut self, settings: super::CsatSettings) -> Self {
        self.csat = Some(settings);
        self
    }

    /// Sets how customer profiles raise priority.
    #[must_use]
    pub fn with_profile_priority(mut self, rules: ProfilePriority) -> Self {
        self.profile_priority = rules;
        self
    }

    /// Puts every agent reply through the outbound guard: blocked replies are
    /// recorded and not sent, and replies the approval policy names wait as
    /// drafts for a supervisor.
    #[must_use]
    pub fn with_guard(mut self, guard: Guard, approval: ApprovalPolicy) -> Self {
        self.guard = Some(GuardSetup {
            guard,
            approval,
            duplicates: DuplicateReplySettings::default(),
            auto_crisis: None,
        });
        self
    }

    /// Switches crisis mode automatically from inbound volume (needs a
    /// guard: call after [`EngineConfig::with_guard`]).
    #[must_use]
    pub fn with_auto_crisis(mut self, auto: AutoCrisis) -> Self {
        if let Some(setup) = self.guard.as_mut() {
            setup.auto_crisis = Some(auto);
        }
        self
    }

    /// Sets the escalation rules, evaluated in their order after every input
    /// that touches a conversation and at the times they name.
    #[must_use]
    pub fn with_escalation(mut self, rules: EscalationRules) -> Self {
        self.escalation = Some(rules);
        self
    }

    /// Sets the SLA policies: every query gets clocks from the policy its
    /// facts select.
    #[must_use]
    pub fn with_sla(mut self, policies: SlaPolicies) -> Self {
        self.sla = Some(policies);
        self
    }

    /// Adds a brand account with the documented capabilities of its network.
    #[must_use]
    pub fn with_channel(mut self, channel: ChannelRef, default_language: Option<Language>) -> Self {
        let capabilities = Capabilities::for_kind(channel.kind);
        self.channels.push(ChannelSettings {
            channel,
            capabilities,
            default_language,
        });
        self
    }

    /// Adds a brand account with explicit capabilities.
    #[must_use]
    pub fn with_channel_settings(mut self, settings: ChannelSettings) -> Self {
        self.channels.push(settings);
        self
    }

    /// Sets the id seed (mixed with the tenant).
    #[must_use]
    pub fn with_id_seed(mut self, seed: u64) -> Self {
        self.id_seed = seed;
        self
    }

    /// Sets the threading policy.
    #[must_use]
    pub fn with_threading(mut self, threading: ThreadingPolicy) -> Self {
        self.threading = threading;
        self
    }

    /// Sets the reopen window.
    #[must_use]
    pub fn with_reopen_window(mut self, window: Duration) -> Self {
        self.reopen_window = window;
        self
    }

    /// Sets how long unanswered mentions are listened to.
    #[must_use]
    pub fn with_mention_listen_window(mut self, window: Duration) -> Self {
        self.mention_listen_window = window;
        self
    }

    /// Sets how long closed conversations stay in the hot state.
    #[must_use]
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Sets the classifier for messages that arrive unclassified.
    #[must_use]
    pub fn with_classifier(mut self, classifier: Box<dyn Classifier>) -> Self {
        self.classifier = classifier;
        self
    }

    /// The id generator's seed: the configured seed mixed with the tenant.
    pub(crate) fn effective_seed(&self) -> u64 {
        let tenant = self.tenant.as_uuid().as_u128();
        super::ids::splitmix64(
            self.id_seed ^ (tenant as u64) ^ ((tenant >> 64) as u64).rotate_left(17),
        )
    }

    /// The settings of a brand account, if the engine works it.
    pub fn channel_settings(&self, channel: &ChannelRef) -> Option<&ChannelSettings> {
        self.channels
            .iter()
            .find(|settings| &settings.channel == channel)
    }

    pub(crate) fn channel_index(&self, channel: &ChannelRef) -> Option<usize> {
        self.channels
            .iter()
            .position(|settings| &settings.channel == channel)
    }
}

/// Triage is the engine's classifier of choice: configure it with
/// [`EngineConfig::with_classifier`] and the engine runs it on every inbound
/// message that arrives without a classification, recording the result.
impl Classifier for crate::triage::Triage {
    fn classify(&mut self, message: &InboundMessage, context: &ClassifyContext) -> Classification {
        let context = crate::triage::TriageContext {
            customer_language: context.customer_language,
            channel_default_language: context.channel_default_language,
        };
        crate::triage::Triage::classify(self, message, &context)
    }
}
