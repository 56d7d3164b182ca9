//! The memory channel against the same conformance suite as the adapters.

use caredesk::channel::{conformance, MemoryChannel};
use caredesk::model::*;

#[tokio::test]
async fn the_memory_channel_passes_the_channel_conformance_suite() {
    for kind in [ChannelKind::X, ChannelKind::Whatsapp, ChannelKind::Email] {
        let channel = MemoryChannel::new(ChannelRef::new(kind, "brand"));
        conformance::run(
            conformance::Subject {
                channel: &channel,
                recipient: Identity::new(kind, "customer"),
                reply_to: "1".into(),
                deliveries: &|| channel.sent().len(),
            },
            50,
        )
        .await
        .unwrap();
    }
}
