//! The traits at the edges: the memory store passes the conformance suite,
//! the memory channel delivers once per outbound id.

use caredesk::channel::{Channel, ChannelError, MemoryChannel};
use caredesk::model::*;
use caredesk::store::{conformance, MemoryEventStore};
use futures::executor::block_on;

#[test]
fn memory_event_store_passes_the_conformance_suite() {
    let store = MemoryEventStore::new();
    block_on(conformance::run(&store, 1)).unwrap();
}

fn outbound(n: u128, text: &str, visibility: Visibility) -> OutboundMessage {
    OutboundMessage {
        id: OutboundId::from_uuid(uuid::Uuid::from_u128(n)),
        channel: ChannelRef::new(ChannelKind::X, "@KLM"),
        recipient: Identity::new(ChannelKind::X, "@anna"),
        visibility,
        text: text.into(),
        in_reply_to: None,
        attachments: Vec::new(),
    }
}

#[test]
fn memory_channel_delivers_each_outbound_id_once() {
    let channel = MemoryChannel::new(ChannelRef::new(ChannelKind::X, "@KLM"));
    let first = block_on(channel.send(&outbound(1, "hello", Visibility::Public))).unwrap();
    let again = block_on(channel.send(&outbound(1, "hello", Visibility::Public))).unwrap();
    assert_eq!(first, again);
    assert_eq!(channel.sent().len(), 1);
    assert_eq!(channel.duplicate_sends(), 1);
}

#[test]
fn memory_channel_refuses_a_public_post_over_280_characters_permanently() {
    let channel = MemoryChannel::new(ChannelRef::new(ChannelKind::X, "@KLM"));
    let error =
        block_on(channel.send(&outbound(2, &"a".repeat(281), Visibility::Public))).unwrap_err();
    assert_eq!(
        error,
        ChannelError::TooLong {
            length: 281,
            limit: 280
        }
    );
    assert!(error.is_permanent());
    channel.fail_next([ChannelError::Transient("503".into())]);
    let error = block_on(channel.send(&outbound(3, "hi", Visibility::Private))).unwrap_err();
    assert!(!error.is_permanent());
    assert!(block_on(channel.send(&outbound(3, "hi", Visibility::Private))).is_ok());
}
