//! SLA policies and clocks: the promise "every question answered within one
//! hour, day and night", kept exactly.
//!
//! An [`SlaPolicy`] names targets (first response, next response,
//! resolution, periodic update), optionally per priority, the
//! [`BusinessCalendar`](crate::calendar::BusinessCalendar) they count in, a
//! [`WarningThreshold`], and which statuses pause the clock. [`SlaPolicies`]
//! picks one per conversation by ordered rules (first match wins). An
//! [`SlaClock`] is the running clock of one target: it pauses and resumes
//! with exact business time, and computes its warning and breach instants
//! ahead so the engine wakes exactly then.

mod clock;
mod policy;

pub use clock::{ClockStatus, MetDurations, SlaClock};
pub use policy::{
    PolicyFacts, PolicyMatch, PolicyRule, SlaError, SlaPolicies, SlaPolicy, SlaTarget, TargetSet,
    WarningThreshold,
};
