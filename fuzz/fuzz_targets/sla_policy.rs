//! SLA policy sets from foreign JSON: nothing may panic; a set that parses
//! selects a policy for any facts, and survives a JSON round trip.
#![no_main]

use caredesk::model::{ChannelKind, Kind, Priority, Tier};
use caredesk::sla::{PolicyFacts, SlaPolicies, SlaPolicy, SlaTarget};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(policy) = serde_json::from_slice::<SlaPolicy>(data) {
        for target in SlaTarget::ALL {
            let _ = policy.budget(target, Priority::Urgent);
        }
        let _ = caredesk::sla::SlaPolicies::single(policy);
    }
    let Ok(set) = serde_json::from_slice::<SlaPolicies>(data) else {
        return;
    };
    let tags = vec!["vip".to_string()];
    for channel in ChannelKind::ALL {
        let facts = PolicyFacts {
            channel,
            kind: Kind::Query,
            language: None,
            tier: Tier::Gold,
            priority: Priority::High,
            tags: &tags,
        };
        let chosen = set.select(&facts);
        assert!(set.get(&chosen.name).is_some());
        for target in SlaTarget::ALL {
            if let Some(budget) = chosen.budget(target, facts.priority) {
                let start = caredesk_fuzz::start();
                let _ = chosen.calendar.add_business_time(
                    start,
                    chrono::Duration::seconds(i64::try_from(budget.min(1 << 40)).unwrap_or(0)),
                );
                let _ = chosen.warning.warn_after(budget);
            }
        }
    }
    let json = serde_json::to_string(&set).expect("a policy set serialises");
    let back: SlaPolicies = serde_json::from_str(&json).expect("a serialised set reads back");
    assert_eq!(back, set);
});
