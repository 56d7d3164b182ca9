//! The outbound guard: every reply passes it before it is sent, and comes
//! out as pass, warn (with reasons) or block (with reasons).
//!
//! [`Guard`] is built once per tenant from serde [`GuardSettings`] (defaults
//! plus per-[`ChannelKind`] overrides) and then asked, per reply, with a
//! [`GuardInput`]: `guard.check(&input) -> GuardVerdict`. It is a pure
//! function of the input and the settings; the only state it reads is a
//! [`DuplicateReplyTracker`] handed in by the caller, which the caller
//! updates when a public reply is actually requested.
//!
//! | check | what it looks at | outcome |
//! | --- | --- | --- |
//! | [`CheckKind::Format`] | empty text; visibility and attachments the channel cannot send | block |
//! | [`CheckKind::Length`] | length as the network counts it ([`length`]) against [`Capabilities`] | block, suggesting a thread or a shorter text |
//! | [`CheckKind::Signature`] | the agent's sign-off ([`SignatureStyle`]) ends a public reply | block by default (configurable) |
//! | [`CheckKind::Privacy`] | personal data ([`crate::text::pii`]) in a public reply | block, suggesting a private message |
//! | [`CheckKind::Tone`] | humour, party emoji, promotional phrases, the tenant's blocklist | block on public posts in crisis mode, warn otherwise |
//! | [`CheckKind::Language`] | the reply's language against the conversation's | warn; unknown never warns |
//! | [`CheckKind::Duplicate`] | the same text to many customers in a short time | warn |
//!
//! Findings never quote personal data: a reason names the kind found
//! ("booking code"), not the value, so verdicts are safe to log.
//!
//! ```
//! use caredesk::guard::{CheckKind, Guard, GuardInput, GuardSettings, Outcome, Suggestion};
//! use caredesk::model::*;
//! let guard = Guard::new(GuardSettings::default())?;
//! let agent = Agent::new(AgentId::from_uuid(uuid::Uuid::from_u128(1)), "Sanne Visser",
//!     [Language::ENGLISH], Capacity::total(3))?;
//! let x = Capabilities::for_kind(ChannelKind::X);
//!
//! let ok = GuardInput::new("So sorry about your bag! We will find it. ^SV",
//!     Visibility::Public, ChannelKind::X, &x, &agent);
//! assert_eq!(guard.check(&ok).outcome, Outcome::Pass);
//!
//! let leak = GuardInput::new("Your booking X7KQ2P is rebooked. ^SV",
//!     Visibility::Public, ChannelKind::X, &x, &agent);
//! let verdict = guard.check(&leak);
//! assert_eq!(verdict.outcome, Outcome::Block);
//! assert_eq!(verdict.findings[0].check, CheckKind::Privacy);
//! assert_eq!(verdict.findings[0].suggestion, Some(Suggestion::MoveToPrivate));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # In the reply flow
//!
//! For an agent's reply: build the [`GuardInput`] (crisis flag, conversation
//! language, the tracker), `check` it; a [`Outcome::Block`] refuses the
//! reply (the verdict goes in the rejection); otherwise
//! [`ApprovalPolicy::requires_approval`] says whether it becomes a [`Draft`]
//! awaiting an [`ApprovalDecision`] or is sent now. When a public reply is
//! sent, [`DuplicateReplyTracker::record`] remembers it.

mod approval;
mod duplicate;
pub mod length;
mod signature;
mod tone;

pub use approval::{
    ApprovalContext, ApprovalDecision, ApprovalPolicy, ApprovalReason, Draft, DraftId,
};
pub use duplicate::{normalise_reply, DuplicateReplySettings, DuplicateReplyTracker};
pub use length::{shorten, split_thread, Cut, FitError, LengthCounter, Shortened, ThreadPart};
pub use signature::{has_signature, initials, SignatureStyle};
pub use tone::{
    CrisisChange, CrisisDetector, CrisisSettings, ToneCategory, ToneHit, HUMOUR, PARTY, PROMOTIONAL,
};

use crate::model::{Agent, Capabilities, ChannelKind, Language, PiiKind, Visibility};
use crate::text::language::LanguageDetector;
use crate::text::pii::PiiDetector;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tone::ToneMatcher;

/// Guard settings could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError {
    /// The language check's minimum confidence is not a number in 0..=1
    /// (in the defaults or the named channel's override); fix it.
    #[error("language min_confidence must be a number in 0..=1 (channel {0:?})")]
    InvalidConfidence(Option<ChannelKind>),
    /// The duplicate check's `min_customers` is below 2, which would warn on
    /// every reply; use 2 or more.
    #[error("duplicate min_customers must be at least 2 (channel {0:?})")]
    InvalidMinCustomers(Option<ChannelKind>),
    /// A tone blocklist entry is blank; remove it.
    #[error("a tone blocklist entry is blank (channel {0:?})")]
    BlankBlocklistEntry(Option<ChannelKind>),
    /// The language check is on but the language allowlist is empty; list the
    /// languages the desk answers in.
    #[error("the language check needs at least one language")]
    EmptyLanguages,
}

/// One of the guard's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckKind {
    /// Empty text, or a visibility or attachment the channel cannot send.
    Format,
    /// Longer than the channel allows.
    Length,
    /// The agent's sign-off is missing.
    Signature,
    /// Personal data in public.
    Privacy,
    /// Humour, party emoji, promotion or blocklisted phrases.
    Tone,
    /// Not in the conversation's language.
    Language,
    /// The same text to many customers.
    Duplicate,
}

/// How serious one finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// May be sent (possibly after approval); an agent should look again.
    Warn,
    /// Must not be sent as it is.
    Block,
}

/// The overall result: the most serious finding decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Nothing found.
    Pass,
    /// Only warnings.
    Warn,
    /// At least one finding blocks.
    Block,
}

/// What the agent could do about a finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "suggestion")]
#[non_exhaustive]
pub enum Suggestion {
    /// Continue in a private message (DM) instead.
    MoveToPrivate,
    /// Post it as a numbered thread of this many parts
    /// ([`length::split_thread`]).
    SplitThread {
        /// The number of parts.
        parts: u32,
    },
    /// Shorten it to this many characters ([`length::shorten`]).
    Shorten {
        /// The limit, as the network counts.
        limit: u32,
    },
    /// End it with this sign-off.
    AddSignature {
        /// The sign-off.
        signature: String,
    },
    /// Remove this phrase or emoji.
    Remove {
        /// What to remove, lower-cased as listed.
        phrase: String,
    },
    /// Write it in this language.
    ReplyInLanguage {
        /// The conversation's language.
        language: Language,
    },
    /// Write a personal reply instead of the same text again.
    Personalise,
}

/// One thing the guard found.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GuardFinding {
    /// The check that found it.
    pub check: CheckKind,
    /// Warn or block.
    pub severity: Severity,
    /// A readable reason, without personal data.
    pub reason: String,
    /// What to do about it, when there is a clear fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<Suggestion>,
}

/// The guard's verdict on one reply; the engine records it in an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GuardVerdict {
    /// Pass, warn or block.
    pub outcome: Outcome,
    /// What was found, in check order.
    pub findings: Vec<GuardFinding>,
}

impl GuardVerdict {
    /// A verdict with nothing found.
    pub fn pass() -> Self {
        GuardVerdict {
            outcome: Outcome::Pass,
            findings: Vec::new(),
        }
    }

    /// The verdict for these findings: the most serious decides.
    pub fn from_findings(findings: Vec<GuardFinding>) -> Self {
        let outcome = match findings.iter().map(|f| f.severity).max() {
            None => Outcome::Pass,
            Some(Severity::Warn) => Outcome::Warn,
            Some(Severity::Block) => Outcome::Block,
        };
        GuardVerdict { outcome, findings }
    }

    /// Whether the reply must not be sent.
    pub fn is_blocked(&self) -> bool {
        self.outcome == Outcome::Block
    }

    /// The findings of one check.
    pub fn of(&self, check: CheckKind) -> impl Iterator<Item = &GuardFinding> {
        self.findings.iter().filter(move |f| f.check == check)
    }
}

/// The format check (empty text, unsupported visibility or attachments).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct FormatSettings {
    /// Whether the check runs (default on).
    pub enabled: bool,
}

impl Default for FormatSettings {
    fn default() -> Self {
        FormatSettings { enabled: true }
    }
}

/// The length check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct LengthSettings {
    /// Whether the check runs (default on).
    pub enabled: bool,
    /// How to count; `None` (the default) uses the network's own way
    /// ([`LengthCounter::for_kind`]).
    pub counter: Option<LengthCounter>,
}

impl Default for LengthSettings {
    fn default() -> Self {
        LengthSettings {
            enabled: true,
            counter: None,
        }
    }
}

/// The signature check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct SignatureSettings {
    /// Whether the check runs (default on).
    pub enabled: bool,
    /// The brand's style (default `^AB`).
    pub style: SignatureStyle,
    /// What a missing sign-off is (default block).
    pub severity: Severity,
    /// Whether private messages need one too (default no).
    pub private_too: bool,
}

impl Default for SignatureSettings {
    fn default() -> Self {
        SignatureSettings {
            enabled: true,
            style: SignatureStyle::Caret,
            severity: Severity::Block,
            private_too: false,
        }
    }
}

/// The privacy check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct PrivacySettings {
    /// Whether the check runs (default on).
    pub enabled: bool,
    /// The kinds of personal data that must not appear in public (default all).
    pub kinds: Vec<PiiKind>,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        PrivacySettings {
            enabled: true,
            kinds: vec![
                PiiKind::BookingCode,
                PiiKind::TicketNumber,
                PiiKind::Email,
                PiiKind::Phone,
                PiiKind::PaymentCard,
                PiiKind::Passport,
            ],
        }
    }
}

/// The tone check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct ToneSettings {
    /// Whether the check runs (default on).
    pub enabled: bool,
    /// Laughter and jokes ([`HUMOUR`]).
    pub humour: bool,
    /// Celebration emoji ([`PARTY`]).
    pub party_emoji: bool,
    /// Sales language ([`PROMOTIONAL`]).
    pub promotional: bool,
    /// The tenant's own words and phrases, matched as whole words,
    /// case-insensitively.
    pub blocklist: Vec<String>,
}

impl Default for ToneSettings {
    fn default() -> Self {
        ToneSettings {
            enabled: true,
            humour: true,
            party_emoji: true,
            promotional: true,
            blocklist: Vec::new(),
        }
    }
}

/// The language check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LanguageCheckSettings {
    /// Whether the check runs (default on).
    pub enabled: bool,
    /// The detector's confidence needed to warn (default 0.5).
    pub min_confidence: f32,
}

impl Default for LanguageCheckSettings {
    fn default() -> Self {
        LanguageCheckSettings {
            enabled: true,
            min_confidence: 0.5,
        }
    }
}

/// The duplicate check (the window itself is the tracker's:
/// [`DuplicateReplySettings`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct DuplicateCheckSettings {
    /// Whether the check runs (default on).
    pub enabled: bool,
    /// Warn when the reply would make this many distinct customers who got
    /// the same public text within the window (default 3).
    pub min_customers: u32,
}

impl Default for DuplicateCheckSettings {
    fn default() -> Self {
        DuplicateCheckSettings {
            enabled: true,
            min_customers: 3,
        }
    }
}

/// Every check's settings, as they apply on one channel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckSettings {
    /// Format.
    pub format: FormatSettings,
    /// Length.
    pub length: LengthSettings,
    /// Signature.
    pub signature: SignatureSettings,
    /// Privacy.
    pub privacy: PrivacySettings,
    /// Tone.
    pub tone: ToneSettings,
    /// Language.
    pub language: LanguageCheckSettings,
    /// Duplicates.
    pub duplicates: DuplicateCheckSettings,
}

/// Per-channel overrides: each check given here replaces the default
/// settings of that check as a whole on that channel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelOverride {
    /// Format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FormatSettings>,
    /// Length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<LengthSettings>,
    /// Signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureSettings>,
    /// Privacy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<PrivacySettings>,
    /// Tone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tone: Option<ToneSettings>,
    /// Language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<LanguageCheckSettings>,
    /// Duplicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicates: Option<DuplicateCheckSettings>,
}

/// A tenant's guard configuration: defaults for every channel, overrides
/// per channel kind, and the languages the desk answers in.
///
/// ```
/// use caredesk::guard::{GuardSettings, SignatureStyle};
/// use caredesk::model::ChannelKind;
/// let settings: GuardSettings = serde_json::from_str(r#"{
///   "defaults": {"signature": {"style": "name"}, "tone": {"blocklist": ["free upgrade"]}},
///   "per_channel": {"whatsapp": {"signature": {"enabled": false}}}
/// }"#)?;
/// assert_eq!(settings.resolve(ChannelKind::X).signature.style, SignatureStyle::Name);
/// assert!(!settings.resolve(ChannelKind::Whatsapp).signature.enabled);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GuardSettings {
    /// The settings on every channel without an override.
    pub defaults: CheckSettings,
    /// Overrides per channel kind.
    pub per_channel: BTreeMap<ChannelKind, ChannelOverride>,
    /// The languages the language check can tell (default: the fourteen of
    /// the reference desk).
    pub languages: Vec<Language>,
}

impl Default for GuardSettings {
    fn default() -> Self {
        GuardSettings {
            defaults: CheckSettings::default(),
            per_channel: BTreeMap::new(),
            languages: Language::REFERENCE_DESK.to_vec(),
        }
    }
}

impl GuardSettings {
    /// The settings that apply on channels of `kind`.
    pub fn resolve(&self, kind: ChannelKind) -> CheckSettings {
        let mut checks = self.defaults.clone();
        if let Some(o) = self.per_channel.get(&kind) {
            if let Some(s) = &o.format {
                checks.format = s.clone();
            }
            if let Some(s) = &o.length {
                checks.length = s.clone();
            }
            if let Some(s) = &o.signature {
                checks.signature = s.clone();
            }
            if let Some(s) = &o.privacy {
                checks.privacy = s.clone();
            }
            if let Some(s) = &o.tone {
                checks.tone = s.clone();
            }
            if let Some(s) = &o.language {
                checks.language = s.clone();
            }
            if let Some(s) = &o.duplicates {
                checks.duplicates = s.clone();
            }
        }
        checks
    }

    /// Replaces the settings of one channel kind's checks.
    #[must_use]
    pub fn with_override(mut self, kind: ChannelKind, checks: ChannelOverride) -> Self {
        self.per_channel.insert(kind, checks);
        self
    }

    /// Adds a phrase to the default tone blocklist.
    #[must_use]
    pub fn with_blocked_phrase(mut self, phrase: impl Into<String>) -> Self {
        self.defaults.tone.blocklist.push(phrase.into());
        self
    }
}

/// One reply as the guard sees it, with what the engine knows around it.
///
/// Build it with [`GuardInput::new`] and the `with_*` methods; it borrows
/// everything, so building one per reply costs nothing.
#[derive(Debug, Clone, Copy)]
pub struct GuardInput<'a> {
    /// The text as it will be sent (signature included).
    pub text: &'a str,
    /// Public reply or private message.
    pub visibility: Visibility,
    /// The network it goes out on.
    pub channel: ChannelKind,
    /// What the brand account allows.
    pub capabilities: &'a Capabilities,
    /// The agent who wrote it.
    pub agent: &'a Agent,
    /// How many attachments it carries.
    pub attachments: usize,
    /// The conversation's language, when known.
    pub conversation_language: Option<Language>,
    /// Whether crisis mode is on.
    pub crisis: bool,
    /// Recent public replies, with the recipient and the time of this one.
    pub duplicates: Option<(&'a DuplicateReplyTracker, &'a str, DateTime<Utc>)>,
}

impl<'a> GuardInput<'a> {
    /// A reply with no attachments, no known language, crisis mode off and
    /// no duplicate tracking.
    pub fn new(
        text: &'a str,
        visibility: Visibility,
        channel: ChannelKind,
        capabilities: &'a Capabilities,
        agent: &'a Agent,
    ) -> Self {
        GuardInput {
            text,
            visibility,
            channel,
            capabilities,
            agent,
            attachments: 0,
            conversation_language: None,
            crisis: false,
            duplicates: None,
        }
    }

    /// Sets the number of attachments.
    #[must_use]
    pub fn with_attachments(mut self, attachments: usize) -> Self {
        self.attachments = attachments;
        self
    }

    /// Sets the conversation's language.
    #[must_use]
    pub fn with_conversation_language(mut self, language: Option<Language>) -> Self {
        self.conversation_language = language;
        self
    }

    /// Sets crisis mode.
    #[must_use]
    pub fn with_crisis(mut self, crisis: bool) -> Self {
        self.crisis = crisis;
        self
    }

    /// Checks duplicates against `tracker`, for a reply to `recipient` (a
    /// stable customer key, e.g. the customer id as text) at `at`.
    #[must_use]
    pub fn with_duplicates(
        mut self,
        tracker: &'a DuplicateReplyTracker,
        recipient: &'a str,
        at: DateTime<Utc>,
    ) -> Self {
        self.duplicates = Some((tracker, recipient, at));
        self
    }
}

/// The settings of one channel kind, compiled.
#[derive(Debug, Clone)]
struct Compiled {
    checks: CheckSettings,
    tone: ToneMatcher,
    pii: PiiDetector,
    counter: LengthCounter,
}

/// The outbound guard: compiled settings, asked once per reply.
///
/// Build it once per tenant ([`Guard::new`]); [`Guard::check`] is pure and
/// deterministic. See the [module docs](self) for the checks and an example.
#[derive(Debug, Clone)]
pub struct Guard {
    settings: GuardSettings,
    compiled: Vec<Compiled>,
    languages: Option<LanguageDetector>,
}

fn kind_index(kind: ChannelKind) -> usize {
    ChannelKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(0)
}

impl Guard {
    /// Compiles `settings`.
    ///
    /// # Errors
    /// [`GuardError`] for a confidence outside 0..=1, `min_customers` below
    /// 2, a blank blocklist entry, or the language check on with no language.
    pub fn new(settings: GuardSettings) -> Result<Guard, GuardError> {
        let mut compiled = Vec::with_capacity(ChannelKind::ALL.len());
        let mut any_language = false;
        for kind in ChannelKind::ALL {
            let checks = settings.resolve(kind);
            let channel = settings.per_channel.contains_key(&kind).then_some(kind);
            let confidence = checks.language.min_confidence;
            if !(0.0..=1.0).contains(&confidence) {
                return Err(GuardError::InvalidConfidence(channel));
            }
            if checks.duplicates.min_customers < 2 {
                return Err(GuardError::InvalidMinCustomers(channel));
            }
            if checks.tone.blocklist.iter().any(|p| p.trim().is_empty()) {
                return Err(GuardError::BlankBlocklistEntry(channel));
            }
            any_language |= checks.language.enabled;
            let tone = ToneMatcher::new(
                checks.tone.humour,
                checks.tone.party_emoji,
                checks.tone.promotional,
                &checks.tone.blocklist,
            );
            let pii = PiiDetector::only(&checks.privacy.kinds);
            let counter = checks
                .length
                .counter
                .unwrap_or_else(|| LengthCounter::for_kind(kind));
            compiled.push(Compiled {
                checks,
                tone,
                pii,
                counter,
            });
        }
        if any_language && settings.languages.is_empty() {
            return Err(GuardError::EmptyLanguages);
        }
        let languages = any_language.then(|| LanguageDetector::new(settings.languages.clone()));
        Ok(Guard {
            settings,
            compiled,
            languages,
        })
    }

    /// The settings it was built from.
    pub fn settings(&self) -> &GuardSettings {
        &self.settings
    }

    /// Checks one reply. Findings come in check order (format, length,
    /// signature, privacy, tone, language, duplicate).
    #[must_use]
    pub fn check(&self, input: &GuardInput<'_>) -> GuardVerdict {
        let Some(compiled) = self.compiled.get(kind_index(input.channel)) else {
            return GuardVerdict::pass();
        };
        let checks = &compiled.checks;
        let public = input.visibility == Visibility::Public;
        let mut findings = Vec::new();
        if checks.format.enabled {
            check_format(input, &mut findings);
        }
        if checks.length.enabled {
            check_length(input, compiled.counter, &mut findings);
        }
        if checks.signature.enabled && (public || checks.signature.private_too) {
            let signature = checks.signature.style.signature_for(input.agent);
            if !has_signature(input.text, &signature) {
                findings.push(GuardFinding {
                    check: CheckKind::Signature,
                    severity: checks.signature.severity,
                    reason: format!("the reply does not end with the sign-off {signature:?}"),
                    suggestion: Some(Suggestion::AddSignature { signature }),
                });
            }
        }
        if checks.privacy.enabled && public {
            let mut kinds: Vec<PiiKind> = compiled
                .pii
                .detect(input.text)
                .iter()
                .map(|f| f.kind)
                .collect();
            kinds.dedup();
            kinds.sort();
            kinds.dedup();
            if !kinds.is_empty() {
                let names: Vec<&str> = kinds.iter().map(|k| pii_name(*k)).collect();
                findings.push(GuardFinding {
                    check: CheckKind::Privacy,
                    severity: Severity::Block,
                    reason: format!("a public reply contains {}", names.join(", ")),
                    suggestion: Some(Suggestion::MoveToPrivate),
                });
            }
        }
        if checks.tone.enabled {
            let lowered = input.text.to_lowercase();
            let severity = if input.crisis && public {
                Severity::Block
            } else {
                Severity::Warn
            };
            for hit in compiled.tone.find(&lowered) {
                let mode = if input.crisis { " in crisis mode" } else { "" };
                findings.push(GuardFinding {
                    check: CheckKind::Tone,
                    severity,
                    reason: format!("{} {:?}{mode}", hit.category.label(), hit.phrase),
                    suggestion: Some(Suggestion::Remove { phrase: hit.phrase }),
                });
            }
        }
        if let (true, Some(detector), Some(expected)) = (
            checks.language.enabled,
            &self.languages,
            input.conversation_language,
        ) {
            let guess = detector.detect(input.text);
            if let Some(found) = guess.language {
                if found != expected && guess.confidence >= checks.language.min_confidence {
                    findings.push(GuardFinding {
                        check: CheckKind::Language,
                        severity: Severity::Warn,
                        reason: format!(
                            "the reply reads as {found}, the conversation is in {expected}"
                        ),
                        suggestion: Some(Suggestion::ReplyInLanguage { language: expected }),
                    });
                }
            }
        }
        if let (true, true, Some((tracker, recipient, at))) =
            (checks.duplicates.enabled, public, input.duplicates)
        {
            let others = tracker.customers_with(at, recipient, input.text);
            if others + 1 >= checks.duplicates.min_customers as usize {
                findings.push(GuardFinding {
                    check: CheckKind::Duplicate,
                    severity: Severity::Warn,
                    reason: format!(
                        "the same public text went to {others} other customers in the last {} minutes",
                        tracker.settings().window_seconds / 60
                    ),
                    suggestion: Some(Suggestion::Personalise),
                });
            }
        }
        GuardVerdict::from_findings(findings)
    }
}

fn pii_name(kind: PiiKind) -> &'static str {
    match kind {
        PiiKind::BookingCode => "a booking code",
        PiiKind::TicketNumber => "a ticket number",
        PiiKind::Email => "an e-mail address",
        PiiKind::Phone => "a phone number",
        PiiKind::PaymentCard => "a card number",
        PiiKind::Passport => "a passport number",
    }
}

fn check_format(input: &GuardInput<'_>, findings: &mut Vec<GuardFinding>) {
    let caps = input.capabilities;
    let block = |reason: String, suggestion| GuardFinding {
        check: CheckKind::Format,
        severity: Severity::Block,
        reason,
        suggestion,
    };
    if input.text.trim().is_empty() && input.attachments == 0 {
        findings.push(block("the reply is empty".into(), None));
    }
    match input.visibility {
        Visibility::Public if !caps.public_replies => findings.push(block(
            format!("{} does not allow public replies", input.channel),
            caps.private_messages.then_some(Suggestion::MoveToPrivate),
        )),
        Visibility::Private if !caps.private_messages => findings.push(block(
            format!("{} does not allow private messages", input.channel),
            None,
        )),
        _ => {}
    }
    if input.attachments > 0 && !caps.attachments {
        findings.push(block(
            format!("{} does not allow attachments", input.channel),
            None,
        ));
    }
}

fn check_length(input: &GuardInput<'_>, counter: LengthCounter, findings: &mut Vec<GuardFinding>) {
    let caps = input.capabilities;
    let limit = match input.visibility {
        Visibility::Public => caps.max_public_length,
        Visibility::Private => caps.max_private_length,
    };
    let Some(limit) = limit else {
        return;
    };
    let limit_chars = limit as usize;
    let length = counter.measure(input.text);
    if length <= limit_chars {
        return;
    }
    let parts = if caps.threading {
        split_thread(input.text, limit_chars, counter)
            .ok()
            .and_then(|parts| u32::try_from(parts.len()).ok())
    } else {
        None
    };
    let suggestion = match parts {
        Some(parts) => Suggestion::SplitThread { parts },
        None => Suggestion::Shorten { limit },
    };
    findings.push(GuardFinding {
        check: CheckKind::Length,
        severity: Severity::Block,
        reason: format!(
            "the reply is {length} characters as {} counts them; the limit is {limit}",
            input.channel
        ),
        suggestion: Some(suggestion),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentId, Capacity};

    fn agent() -> Agent {
        Agent::new(
            AgentId::from_uuid(uuid::Uuid::from_u128(7)),
            "Sanne Visser",
            [Language::ENGLISH],
            Capacity::total(3),
        )
        .unwrap()
    }

    fn checks(verdict: &GuardVerdict) -> Vec<(CheckKind, Severity)> {
        verdict
            .findings
            .iter()
            .map(|f| (f.check, f.severity))
            .collect()
    }

    #[test]
    fn an_empty_reply_and_a_public_whatsapp_reply_are_blocked_as_format() {
        let guard = Guard::new(GuardSettings::default()).unwrap();
        let agent = agent();
        let wa = Capabilities::for_kind(ChannelKind::Whatsapp);
        let verdict = guard.check(&GuardInput::new(
            "  ",
            Visibility::Private,
            ChannelKind::Whatsapp,
            &wa,
            &agent,
        ));
        assert_eq!(checks(&verdict), [(CheckKind::Format, Severity::Block)]);
        let public = guard.check(&GuardInput::new(
            "Hello ^SV",
            Visibility::Public,
            ChannelKind::Whatsapp,
            &wa,
            &agent,
        ));
        assert_eq!(
            public.findings[0].suggestion,
            Some(Suggestion::MoveToPrivate)
        );
    }

    #[test]
    fn an_overlong_public_reply_is_blocked_with_a_thread_suggestion() {
        let guard = Guard::new(GuardSettings::default()).unwrap();
        let agent = agent();
        let x = Capabilities::for_kind(ChannelKind::X);
        let text = format!("{} ^SV", "We are looking into it. ".repeat(15));
        let verdict = guard.check(&GuardInput::new(
            &text,
            Visibility::Public,
            ChannelKind::X,
            &x,
            &agent,
        ));
        assert_eq!(checks(&verdict), [(CheckKind::Length, Severity::Block)]);
        assert_eq!(
            verdict.findings[0].suggestion,
            Some(Suggestion::SplitThread { parts: 2 })
        );
    }

    #[test]
    fn a_missing_sign_off_is_found_on_public_replies_only() {
        let guard = Guard::new(GuardSettings::default()).unwrap();
        let agent = agent();
        let x = Capabilities::for_kind(ChannelKind::X);
        let public = guard.check(&GuardInput::new(
            "We are on it.",
            Visibility::Public,
            ChannelKind::X,
            &x,
            &agent,
        ));
        assert_eq!(
            public.findings[0].suggestion,
            Some(Suggestion::AddSignature {
                signature: "^SV".into()
            })
        );
        let private = guard.check(&GuardInput::new(
            "We are on it.",
            Visibility::Private,
            ChannelKind::X,
            &x,
            &agent,
        ));
        assert_eq!(private.outcome, Outcome::Pass);
    }

    #[test]
    fn a_channel_override_replaces_one_check() {
        let settings = GuardSettings::default().with_override(
            ChannelKind::Facebook,
            ChannelOverride {
                signature: Some(SignatureSettings {
                    style: SignatureStyle::Name,
                    severity: Severity::Warn,
                    ..SignatureSettings::default()
                }),
                ..ChannelOverride::default()
            },
        );
        let guard = Guard::new(settings).unwrap();
        let agent = agent();
        let fb = Capabilities::for_kind(ChannelKind::Facebook);
        let verdict = guard.check(&GuardInput::new(
            "We are on it. ^SV",
            Visibility::Public,
            ChannelKind::Facebook,
            &fb,
            &agent,
        ));
        assert_eq!(checks(&verdict), [(CheckKind::Signature, Severity::Warn)]);
        assert_eq!(verdict.outcome, Outcome::Warn);
    }

    #[test]
    fn a_reply_in_another_language_warns_and_an_unknown_one_does_not() {
        let guard = Guard::new(GuardSettings::default()).unwrap();
        let agent = agent();
        let x = Capabilities::for_kind(ChannelKind::X);
        let input = GuardInput::new(
            "Het spijt ons heel erg, uw koffer is onderweg naar Oslo. ^SV",
            Visibility::Public,
            ChannelKind::X,
            &x,
            &agent,
        )
        .with_conversation_language(Some(Language::GERMAN));
        let verdict = guard.check(&input);
        assert_eq!(checks(&verdict), [(CheckKind::Language, Severity::Warn)]);
        assert_eq!(
            verdict.findings[0].suggestion,
            Some(Suggestion::ReplyInLanguage {
                language: Language::GERMAN
            })
        );
        let unknown = GuardInput {
            text: "👍 ^SV",
            ..input
        };
        assert_eq!(guard.check(&unknown).outcome, Outcome::Pass);
    }

    #[test]
    fn the_third_customer_to_get_the_same_public_text_gets_a_warning() {
        let guard = Guard::new(GuardSettings::default()).unwrap();
        let agent = agent();
        let x = Capabilities::for_kind(ChannelKind::X);
        let text = "So sorry for the wait, please send us a DM. ^SV";
        let at: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        let mut tracker = DuplicateReplyTracker::new(DuplicateReplySettings::default());
        let mut outcomes = Vec::new();
        for customer in ["a", "b", "c"] {
            let input = GuardInput::new(text, Visibility::Public, ChannelKind::X, &x, &agent)
                .with_duplicates(&tracker, customer, at);
            outcomes.push(guard.check(&input).outcome);
            tracker.record(at, customer, text);
        }
        assert_eq!(outcomes, [Outcome::Pass, Outcome::Pass, Outcome::Warn]);
    }

    #[test]
    fn invalid_settings_are_refused() {
        let mut settings = GuardSettings::default();
        settings.defaults.duplicates.min_customers = 1;
        assert_eq!(
            Guard::new(settings).unwrap_err(),
            GuardError::InvalidMinCustomers(None)
        );
        let settings = GuardSettings::default().with_blocked_phrase(" ");
        assert_eq!(
            Guard::new(settings).unwrap_err(),
            GuardError::BlankBlocklistEntry(None)
        );
        let mut settings = GuardSettings::default();
        settings.defaults.language.min_confidence = f32::NAN;
        assert_eq!(
            Guard::new(settings).unwrap_err(),
            GuardError::InvalidConfidence(None)
        );
    }

    #[test]
    fn verdicts_round_trip_through_json() {
        let verdict = GuardVerdict::from_findings(vec![GuardFinding {
            check: CheckKind::Privacy,
            severity: Severity::Block,
            reason: "a public reply contains a booking code".into(),
            suggestion: Some(Suggestion::MoveToPrivate),
        }]);
        let json = serde_json::to_string(&verdict).unwrap();
        assert_eq!(
            json,
            r#"{"outcome":"block","findings":[{"check":"privacy","severity":"block","reason":"a public reply contains a booking code","suggestion":{"suggestion":"move_to_private"}}]}"#
        );
        assert_eq!(
            serde_json::from_str::<GuardVerdict>(&json).unwrap(),
            verdict
        );
    }
}
