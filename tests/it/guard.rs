//! The outbound guard as a desk meets it: crisis mode, booking codes in
//! public, a new agent answering a big account; and the thread and shorten
//! helpers never losing text.

use caredesk::guard::length::{shorten, split_thread, Cut, LengthCounter};
use caredesk::guard::*;
use caredesk::model::*;
use proptest::prelude::*;

fn agent(name: &str) -> Agent {
    Agent::new(
        AgentId::from_uuid(uuid::Uuid::from_u128(42)),
        name,
        [Language::ENGLISH],
        Capacity::total(3),
    )
    .unwrap()
}

const JOKE: &str = "Haha, at least the volcano gives you a free holiday 🎉 ^SV";

#[test]
fn a_joke_with_a_party_emoji_is_blocked_in_crisis_mode() {
    let guard = Guard::new(GuardSettings::default()).unwrap();
    let sanne = agent("Sanne Visser");
    let x = Capabilities::for_kind(ChannelKind::X);
    let input =
        GuardInput::new(JOKE, Visibility::Public, ChannelKind::X, &x, &sanne).with_crisis(true);
    let verdict = guard.check(&input);
    assert_eq!(verdict.outcome, Outcome::Block);
    let tone: Vec<(Severity, Option<Suggestion>)> = verdict
        .of(CheckKind::Tone)
        .map(|f| (f.severity, f.suggestion.clone()))
        .collect();
    assert_eq!(
        tone,
        [
            (
                Severity::Block,
                Some(Suggestion::Remove {
                    phrase: "haha".into()
                })
            ),
            (
                Severity::Block,
                Some(Suggestion::Remove {
                    phrase: "🎉".into()
                })
            ),
        ]
    );
    assert_eq!(verdict.findings.len(), 2);
}

#[test]
fn the_same_joke_outside_crisis_mode_only_warns() {
    let guard = Guard::new(GuardSettings::default()).unwrap();
    let sanne = agent("Sanne Visser");
    let x = Capabilities::for_kind(ChannelKind::X);
    let input = GuardInput::new(JOKE, Visibility::Public, ChannelKind::X, &x, &sanne);
    let verdict = guard.check(&input);
    assert_eq!(verdict.outcome, Outcome::Warn);
    assert!(verdict
        .findings
        .iter()
        .all(|f| f.check == CheckKind::Tone && f.severity == Severity::Warn));
    assert_eq!(verdict.findings.len(), 2);
}

#[test]
fn a_booking_code_in_public_is_blocked_with_the_suggestion_to_move_to_dm() {
    let guard = Guard::new(GuardSettings::default()).unwrap();
    let sanne = agent("Sanne Visser");
    let x = Capabilities::for_kind(ChannelKind::X);
    let text = "Booking X7KQ2P is rebooked on KL1143 tomorrow. ^SV";
    let public = guard.check(&GuardInput::new(
        text,
        Visibility::Public,
        ChannelKind::X,
        &x,
        &sanne,
    ));
    assert_eq!(public.outcome, Outcome::Block);
    let privacy: Vec<&GuardFinding> = public.of(CheckKind::Privacy).collect();
    assert_eq!(privacy.len(), 1);
    assert_eq!(privacy[0].suggestion, Some(Suggestion::MoveToPrivate));
    assert_eq!(privacy[0].reason, "a public reply contains a booking code");
    assert!(!privacy[0].reason.contains("X7KQ2P"));
    // The same text in a DM is fine.
    let private = guard.check(&GuardInput::new(
        text,
        Visibility::Private,
        ChannelKind::X,
        &x,
        &sanne,
    ));
    assert_eq!(private.outcome, Outcome::Pass);
}

#[test]
fn a_new_agents_reply_to_an_account_with_a_million_followers_requires_approval() {
    let guard = Guard::new(GuardSettings::default()).unwrap();
    let sanne = agent("Sanne Visser");
    let x = Capabilities::for_kind(ChannelKind::X);
    let verdict = guard.check(&GuardInput::new(
        "So sorry to hear this, we are on it. ^SV",
        Visibility::Public,
        ChannelKind::X,
        &x,
        &sanne,
    ));
    assert_eq!(verdict.outcome, Outcome::Pass);
    let policy = ApprovalPolicy::default();
    let context = ApprovalContext {
        visibility: Visibility::Public,
        agent_tenure_days: Some(5),
        agent_flagged_new: false,
        author_reach: 1_000_000,
        crisis: false,
        verdict: &verdict,
    };
    assert_eq!(
        policy.requires_approval(&context),
        Some(ApprovalReason::NewAgent {
            tenure_days: Some(5)
        })
    );
    // A seasoned agent still needs approval for that account, for its reach.
    let seasoned = ApprovalContext {
        agent_tenure_days: Some(900),
        ..context
    };
    assert_eq!(
        policy.requires_approval(&seasoned),
        Some(ApprovalReason::HighReach { reach: 1_000_000 })
    );
}

#[test]
fn a_draft_round_trips_through_json_for_the_event_log() {
    let verdict = GuardVerdict::pass();
    let draft = Draft {
        id: DraftId::from_uuid(uuid::Uuid::from_u128(1)),
        conversation: ConversationId::from_uuid(uuid::Uuid::from_u128(2)),
        agent: AgentId::from_uuid(uuid::Uuid::from_u128(3)),
        text: "Hello ^SV".into(),
        visibility: Visibility::Public,
        verdict,
        reason: ApprovalReason::Crisis,
    };
    let json = serde_json::to_string(&draft).unwrap();
    assert!(json.contains(r#""reason":{"reason":"crisis"}"#));
    assert_eq!(serde_json::from_str::<Draft>(&json).unwrap(), draft);
}

#[test]
fn a_crisis_detector_switches_the_guard_into_blocking() {
    let guard = Guard::new(GuardSettings::default()).unwrap();
    let sanne = agent("Sanne Visser");
    let x = Capabilities::for_kind(ChannelKind::X);
    let mut detector = CrisisDetector::new(CrisisSettings::default());
    let promo = "Book now: 20% off to Oslo! ^SV";
    let mut outcomes = Vec::new();
    for count in [100, 1_000, 1_200, 1_100] {
        detector.observe(count, 100.0);
        let input = GuardInput::new(promo, Visibility::Public, ChannelKind::X, &x, &sanne)
            .with_crisis(detector.is_active());
        outcomes.push(guard.check(&input).outcome);
    }
    assert_eq!(
        outcomes,
        [Outcome::Warn, Outcome::Warn, Outcome::Block, Outcome::Block]
    );
}

fn body_of(part: &str, total: usize) -> &str {
    if total == 1 {
        return part;
    }
    let cut = part.rfind(' ').unwrap();
    &part[..cut]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn split_parts_minus_numbering_give_back_the_text(
        text in "([a-zA-Z]{1,12}[.!?]? ?|漢字 |😂 |https://t.co/x |\n){0,60}",
        limit in 12usize..300,
        x in any::<bool>(),
    ) {
        let counter = if x { LengthCounter::XWeighted } else { LengthCounter::Chars };
        let parts = split_thread(&text, limit, counter).unwrap();
        // The sources cover the text, in order, without gaps.
        let mut at = 0;
        for part in &parts {
            prop_assert_eq!(part.source.start, at);
            at = part.source.end;
        }
        prop_assert_eq!(at, text.len());
        let total = parts.len();
        let mut joined = String::new();
        for (index, part) in parts.iter().enumerate() {
            prop_assert!(counter.measure(&part.text) <= limit, "{:?}", part.text);
            if total > 1 {
                let suffix = format!(" {}/{}", index + 1, total);
                prop_assert!(part.text.ends_with(&suffix));
            }
            let body = body_of(&part.text, total);
            prop_assert_eq!(body, text[part.source.clone()].trim());
            joined.push_str(&text[part.source.clone()]);
        }
        prop_assert_eq!(joined, text.clone());
    }

    #[test]
    fn shorten_keeps_a_prefix_and_says_what_it_cut(
        text in "([a-zA-Z]{1,12}[.!?]? ?|漢字 |😂 ){0,60}",
        limit in 4usize..200,
    ) {
        let counter = LengthCounter::XWeighted;
        let done = shorten(&text, limit, counter).unwrap();
        prop_assert!(counter.measure(&done.text) <= limit);
        prop_assert!(done.text.starts_with(&text[..done.kept]));
        match done.cut {
            Cut::None => prop_assert_eq!(&done.text, &text),
            Cut::Sentence => prop_assert_eq!(&done.text, &text[..done.kept]),
            Cut::Word | Cut::Char => {
                prop_assert_eq!(done.text.clone(), format!("{}…", &text[..done.kept]));
            }
        }
    }
}
