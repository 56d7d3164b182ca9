//! The customer directory behind a trait object, as the runtime holds it.

use caredesk::directory::{Booking, CustomerDirectory, CustomerProfile, Flight, MemoryDirectory};
use caredesk::model::{ChannelKind, Identity, Language, Tier};
use chrono::{DateTime, Duration, Utc};
use futures::executor::block_on;

#[test]
fn a_gold_customer_flying_within_the_hour_is_found_through_a_trait_object() {
    let now: DateTime<Utc> = "2026-11-23T09:00:00Z".parse().unwrap();
    let memory = MemoryDirectory::new();
    let anna = Identity::new(ChannelKind::X, "@anna");
    let anna_wa = Identity::new(ChannelKind::Whatsapp, "+31612345678");
    let profile = CustomerProfile::new()
        .with_name("Anna")
        .with_tier(Tier::Gold)
        .with_language(Language::NORWEGIAN)
        .with_booking(Booking::new("X7KQ2P").with_flight(Flight::new(
            "KL1143",
            "AMS",
            "OSL",
            now + Duration::minutes(50),
        )));
    memory.insert(anna.clone(), profile.clone());
    memory.insert(anna_wa.clone(), profile);
    let directory: Box<dyn CustomerDirectory> = Box::new(memory);
    for identity in [&anna, &anna_wa] {
        let found = block_on(directory.profile(identity)).unwrap().unwrap();
        assert_eq!(found.tier, Tier::Gold);
        assert_eq!(found.preferred_language, Some(Language::NORWEGIAN));
        assert!(found.departs_within(now, Duration::hours(1)));
    }
    let bookings = block_on(directory.recent_bookings(&anna)).unwrap();
    assert_eq!(bookings[0].record_locator, "X7KQ2P");
}
