//! Escalation over a sequence of fact snapshots, driven as the engine will:
//! evaluate, turn what fired into "events", fold the events into memory.

use caredesk::escalation::*;
use caredesk::model::*;
use chrono::{DateTime, Duration, Utc};
use futures::executor::block_on;

fn t(minute: i64) -> DateTime<Utc> {
    "2026-11-23T10:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::minutes(minute)
}

/// The escalation facts of one conversation, and the events escalation
/// produced for it, as a stand-in for the engine.
#[derive(Debug)]
enum Recorded {
    Fired {
        rule: String,
        level: u8,
        at: DateTime<Utc>,
    },
    Cleared {
        rule: String,
    },
}

struct Desk {
    rules: EscalationRules,
    memory: EscalationMemory,
    log: Vec<Recorded>,
    priority: Priority,
    unanswered_at: Vec<DateTime<Utc>>,
    tags: Vec<String>,
    acknowledgements: Vec<String>,
    notifier: MemoryNotifier,
}

impl Desk {
    fn new(rules: Vec<EscalationRule>) -> Desk {
        Desk {
            rules: EscalationRules::new(rules).unwrap(),
            memory: EscalationMemory::new(),
            log: Vec::new(),
            priority: Priority::Normal,
            unanswered_at: Vec::new(),
            tags: Vec::new(),
            acknowledgements: Vec::new(),
            notifier: MemoryNotifier::new(),
        }
    }

    fn customer_posts(&mut self, now: DateTime<Utc>) -> Evaluation {
        self.unanswered_at.push(now);
        self.evaluate(now)
    }

    fn agent_replies(&mut self, now: DateTime<Utc>) -> Evaluation {
        self.unanswered_at.clear();
        self.evaluate(now)
    }

    fn evaluate(&mut self, now: DateTime<Utc>) -> Evaluation {
        let facts = ConversationFacts {
            priority: self.priority,
            language: Some(Language::ENGLISH),
            channel: ChannelKind::X,
            customer_name: Some("Anna"),
            unanswered: u32::try_from(self.unanswered_at.len()).unwrap(),
            unanswered_at: &self.unanswered_at,
            tags: &self.tags,
            ..ConversationFacts::new(ConversationId::from_uuid(uuid::Uuid::from_u128(1)), now)
        };
        let evaluation = self.rules.evaluate(&facts, &self.memory);
        // Decide: one event per firing and per cleared rule, plus the actions'.
        for fired in &evaluation.fired {
            self.log.push(Recorded::Fired {
                rule: fired.rule.clone(),
                level: fired.level,
                at: now,
            });
            for action in &fired.actions {
                match action {
                    FiredAction::SetPriority { to, .. } => self.priority = *to,
                    FiredAction::AddTag { tag } => self.tags.push(tag.clone()),
                    FiredAction::Acknowledge { text, .. } => {
                        self.acknowledgements.push(text.clone())
                    }
                    FiredAction::Notify { notification } => {
                        block_on(self.notifier.notify(notification)).unwrap()
                    }
                    other => panic!("unexpected action {other:?}"),
                }
            }
        }
        for rule in &evaluation.cleared {
            self.log.push(Recorded::Cleared { rule: rule.clone() });
        }
        // Apply: memory changes only from the recorded events.
        self.memory = replay(&self.log);
        evaluation
    }
}

fn replay(log: &[Recorded]) -> EscalationMemory {
    let mut memory = EscalationMemory::new();
    for event in log {
        match event {
            Recorded::Fired { rule, level, at } => memory.record(rule, *level, *at),
            Recorded::Cleared { rule } => memory.observe(rule, false),
        }
    }
    memory
}

fn fired(evaluation: &Evaluation) -> Vec<(&str, u8)> {
    evaluation
        .fired
        .iter()
        .map(|fired| (fired.rule.as_str(), fired.level))
        .collect()
}

fn reference_rules() -> Vec<EscalationRule> {
    vec![
        EscalationRule::new(
            "acknowledge",
            Condition::all([
                Condition::KindIs(Kind::Query),
                Condition::UnansweredAtLeast(1),
            ]),
        )
        .then(Action::Acknowledge(
            Acknowledgement::new(
                Visibility::Public,
                "Hi {name}, thanks for your patience: an agent will answer within the hour.",
            )
            .with_text(
                Language::DUTCH,
                "Hoi {name}, binnen het uur antwoordt een collega.",
            ),
        )),
        EscalationRule::new(
            "two-unanswered",
            Condition::repeat_contacts(2, Duration::minutes(60)),
        )
        .then(Action::RaisePriorityTo(Priority::High)),
        EscalationRule::new(
            "three-unanswered",
            Condition::repeat_contacts(3, Duration::minutes(60)),
        )
        .then(Action::Notify {
            message: "{name} wrote three times without an answer ({conversation})".into(),
        }),
    ]
}

#[test]
fn four_unanswered_posts_raise_priority_on_the_second_and_notify_a_supervisor_on_the_third() {
    let mut desk = Desk::new(reference_rules());

    let first = desk.customer_posts(t(0));
    assert_eq!(fired(&first), vec![("acknowledge", 1)]);
    assert_eq!(desk.priority, Priority::Normal);

    let second = desk.customer_posts(t(12));
    assert_eq!(fired(&second), vec![("two-unanswered", 1)]);
    assert_eq!(
        second.fired[0].actions,
        vec![FiredAction::SetPriority {
            from: Priority::Normal,
            to: Priority::High
        }]
    );
    assert_eq!(desk.priority, Priority::High);
    assert!(desk.notifier.notifications().is_empty());

    let third = desk.customer_posts(t(25));
    assert_eq!(fired(&third), vec![("three-unanswered", 1)]);
    assert_eq!(
        desk.notifier.notifications(),
        vec![Notification {
            conversation: ConversationId::from_uuid(uuid::Uuid::from_u128(1)),
            level: 1,
            rule: "three-unanswered".into(),
            message: "Anna wrote three times without an answer \
                      (conv_00000000000000000000000000000001)"
                .into(),
        }]
    );

    let fourth = desk.customer_posts(t(40));
    assert!(fourth.is_empty());
    // Every rule fired and none repeats: nothing for time to change.
    assert_eq!(fourth.next_check, None);

    assert_eq!(
        desk.acknowledgements,
        vec!["Hi Anna, thanks for your patience: an agent will answer within the hour."]
    );
    assert_eq!(desk.notifier.notifications().len(), 1);
    assert_eq!(desk.priority, Priority::High);
}

#[test]
fn an_agent_reply_clears_the_triggers_and_non_repeating_rules_stay_quiet_after() {
    let mut desk = Desk::new(reference_rules());
    for minute in [0, 12, 25] {
        let _ = desk.customer_posts(t(minute));
    }
    let reply = desk.agent_replies(t(30));
    assert!(reply.fired.is_empty());
    assert_eq!(
        reply.cleared,
        vec!["acknowledge", "two-unanswered", "three-unanswered"]
    );
    for minute in [50, 55, 58] {
        assert!(desk.customer_posts(t(minute)).fired.is_empty());
    }
    assert_eq!(desk.acknowledgements.len(), 1);
    assert_eq!(desk.notifier.notifications().len(), 1);
}

#[test]
fn a_repeating_acknowledgement_is_sent_again_only_after_an_agent_answered() {
    let mut rules = reference_rules();
    rules[0] = rules[0].clone().repeating();
    let mut desk = Desk::new(rules);
    for minute in [0, 5, 9] {
        let _ = desk.customer_posts(t(minute));
    }
    assert_eq!(desk.acknowledgements.len(), 1);
    let _ = desk.agent_replies(t(20));
    let again = desk.customer_posts(t(90));
    assert_eq!(fired(&again), vec![("acknowledge", 1)]);
    assert_eq!(desk.acknowledgements.len(), 2);
    assert_eq!(desk.memory.rule("acknowledge").map(|r| r.triggers), Some(2));
}

#[test]
fn a_supervisor_is_paged_at_level_two_when_the_trigger_still_holds_thirty_minutes_later() {
    let mut desk = Desk::new(vec![EscalationRule::new(
        "stuck",
        Condition::repeat_contacts(2, Duration::minutes(120)),
    )
    .then(Action::AddTag("stuck".into()))
    .level_after(
        Duration::minutes(30),
        [Action::Notify {
            message: "level {level}: {name} is still waiting".into(),
        }],
    )]);
    let _ = desk.customer_posts(t(0));
    let trigger = desk.customer_posts(t(10));
    assert_eq!(fired(&trigger), vec![("stuck", 1)]);
    assert_eq!(trigger.next_check, Some(t(40)));
    // A third post in between changes nothing and keeps the level-2 instant.
    let between = desk.customer_posts(t(20));
    assert!(between.is_empty());
    assert_eq!(between.next_check, Some(t(40)));
    // The engine wakes at next_check (a tick).
    let tick = desk.evaluate(t(40));
    assert_eq!(fired(&tick), vec![("stuck", 2)]);
    assert_eq!(
        desk.notifier.notifications()[0].message,
        "level 2: Anna is still waiting"
    );
    assert_eq!(desk.tags, vec!["stuck"]);
}

#[test]
fn memory_rebuilt_from_the_recorded_events_equals_the_live_memory() {
    let mut desk = Desk::new(reference_rules());
    let mut live = EscalationMemory::new();
    for (minute, reply) in [
        (0, false),
        (12, false),
        (25, false),
        (30, true),
        (70, false),
    ] {
        let evaluation = if reply {
            desk.agent_replies(t(minute))
        } else {
            desk.customer_posts(t(minute))
        };
        for f in &evaluation.fired {
            live.record(&f.rule, f.level, t(minute));
        }
        for rule in &evaluation.cleared {
            live.observe(rule, false);
        }
    }
    assert_eq!(replay(&desk.log), live);
    let json = serde_json::to_string(&live).unwrap();
    assert_eq!(
        serde_json::from_str::<EscalationMemory>(&json).unwrap(),
        live
    );
}

#[test]
fn notifier_is_object_safe_and_records_in_order() {
    let notifier: Box<dyn Notifier> = Box::new(MemoryNotifier::new());
    let note = |level| Notification {
        conversation: ConversationId::from_uuid(uuid::Uuid::from_u128(9)),
        level,
        rule: "r".into(),
        message: format!("level {level}"),
    };
    block_on(notifier.notify(&note(1))).unwrap();
    block_on(notifier.notify(&note(2))).unwrap();
    let memory = MemoryNotifier::new();
    block_on(memory.notify(&note(3))).unwrap();
    assert_eq!(memory.notifications(), vec![note(3)]);
    assert!(NotifyError::Rejected("no such channel".into()).is_permanent());
    assert!(!NotifyError::Unavailable("503".into()).is_permanent());
}
