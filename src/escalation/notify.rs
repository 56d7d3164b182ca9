//! Telling people: the async [`Notifier`] trait and [`MemoryNotifier`].

use crate::model::ConversationId;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// A message to a supervisor or a back-office team about one conversation,
/// at an escalation level (1 to 4; who hears at which level is the
/// notifier's to decide, as in a help desk's escalation hierarchy).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Notification {
    /// The conversation.
    pub conversation: ConversationId,
    /// The escalation level, 1 to 4.
    pub level: u8,
    /// The id of the rule that fired.
    pub rule: String,
    /// The rendered message.
    pub message: String,
}

/// Why a notification could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The service is unreachable or overloaded; the runtime retries later.
    #[error("notifier unavailable: {0}")]
    Unavailable(String),
    /// The service refused it (unknown recipient, bad credentials); retrying
    /// cannot help, fix the notifier's configuration.
    #[error("notification rejected: {0}")]
    Rejected(String),
}

impl NotifyError {
    /// Whether retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, NotifyError::Rejected(_))
    }
}

/// Something that tells people about escalations: a chat webhook, a pager,
/// e-mail. The runtime calls it for each notification the engine requested.
///
/// Implementations should treat a repeated notification (same conversation,
/// rule and level) as one where they can: a runtime may retry after a crash.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Delivers one notification.
    ///
    /// # Errors
    /// A [`NotifyError`]; [`NotifyError::is_permanent`] tells whether to retry.
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError>;
}

fn _assert_notifier_object_safe(_: &dyn Notifier) {}

/// A notifier that keeps what it is told in memory: for tests and examples.
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    sent: Mutex<Vec<Notification>>,
}

impl MemoryNotifier {
    /// A notifier that has been told nothing.
    pub fn new() -> Self {
        MemoryNotifier::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Notification>> {
        // A poisoned lock only means a panicking test thread held it; the
        // list is still consistent (every update is one push).
        self.sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every notification received, in order.
    pub fn notifications(&self) -> Vec<Notification> {
        self.lock().clone()
    }
}

#[async_trait]
impl Notifier for MemoryNotifier {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        self.lock().push(notification.clone());
        Ok(())
    }
}
