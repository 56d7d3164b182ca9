//! Test support: drive an engine with a fake clock and collect every event.
//!
//! [`TestDesk`] is to caredesk what a `Pair` harness is to a sans-IO protocol
//! crate: it advances virtual time step by step, sends the ticks the engine
//! asks for, keeps the whole event log, and checks that replaying the log
//! rebuilds the same state. No test sleeps.

use crate::engine::{Engine, EngineConfig, EngineError, Event, Input};
use chrono::{DateTime, Duration, Utc};

/// An engine, a fake clock and the full event log.
///
/// ```
/// use caredesk::engine::{EngineConfig, Input};
/// use caredesk::model::*;
/// use caredesk::testing::TestDesk;
/// let x = ChannelRef::new(ChannelKind::X, "@KLM");
/// let config = {
///     let x = x.clone();
///     move || EngineConfig::new(TenantId::from_uuid(uuid::Uuid::from_u128(7))).with_channel(x.clone(), None)
/// };
/// let mut desk = TestDesk::new(config, "2026-11-23T08:00:00Z".parse()?);
/// let message = InboundMessage::new(x, "1", Identity::new(ChannelKind::X, "@anna"),
///     Visibility::Public, "Hello?", desk.now());
/// desk.handle(Input::Inbound { message, classification: None })?;
/// desk.advance(chrono::Duration::hours(1));
/// desk.check_replay()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TestDesk {
    engine: Engine,
    make_config: Box<dyn Fn() -> EngineConfig>,
    now: DateTime<Utc>,
    log: Vec<Event>,
}

impl std::fmt::Debug for TestDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDesk")
            .field("now", &self.now)
            .field("events", &self.log.len())
            .finish_non_exhaustive()
    }
}

/// The replayed engine's state differs from the live one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayMismatch {
    /// Replay refused the log.
    #[error("replay failed: {0}")]
    Refused(#[from] EngineError),
    /// Replay accepted the log but built a different state.
    #[error("replayed state differs from the live state")]
    Differs,
}

impl TestDesk {
    /// A desk whose engine is built by `make_config` (called again for each
    /// replay check), with the clock at `start`.
    pub fn new(make_config: impl Fn() -> EngineConfig + 'static, start: DateTime<Utc>) -> Self {
        TestDesk {
            engine: Engine::new(make_config()),
            make_config: Box::new(make_config),
            now: start,
            log: Vec::new(),
        }
    }

    /// The fake clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Every event so far.
    pub fn events(&self) -> &[Event] {
        &self.log
    }

    /// Handles an input at the current fake time.
    ///
    /// # Errors
    /// What the engine returns.
    pub fn handle(&mut self, input: Input) -> Result<Vec<Event>, EngineError> {
        let events = self.engine.handle(self.now, input)?;
        self.log.extend(events.iter().cloned());
        Ok(events)
    }

    /// Moves the clock forward by `by`, ticking at every deadline the engine
    /// names on the way (at the exact instant), and returns the events.
    pub fn advance(&mut self, by: Duration) -> Vec<Event> {
        let target = self.now + by;
        let mut events = Vec::new();
        while let Some(deadline) = self.engine.next_deadline() {
            if deadline > target {
                break;
            }
            self.now = self.now.max(deadline);
            match self.engine.handle(self.now, Input::Tick) {
                Ok(step) => events.extend(step),
                Err(_) => break,
            }
        }
        self.now = target;
        self.log.extend(events.iter().cloned());
        events
    }

    /// Rebuilds an engine from the log.
    ///
    /// # Errors
    /// What replay returns.
    pub fn replayed(&self) -> Result<Engine, EngineError> {
        Engine::replay((self.make_config)(), self.log.iter().cloned())
    }

    /// Checks that replaying the log rebuilds exactly the live state.
    ///
    /// # Errors
    /// [`ReplayMismatch`] when it does not.
    pub fn check_replay(&self) -> Result<(), ReplayMismatch> {
        let replayed = self.replayed()?;
        if replayed.state() == self.engine.state() {
            Ok(())
        } else {
            Err(ReplayMismatch::Differs)
        }
    }
}
