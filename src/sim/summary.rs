//! What a simulation reports: figures per language, channel, day and week,
//! hourly series for charts, waits, the published estimate's accuracy.

use crate::model::Language;
use crate::stats::ResponseTimeHistogram;
use serde::{Deserialize, Serialize};

/// The reference languages in table order (by volume).
pub const LANGUAGE_ORDER: [Language; 14] = [
    Language::ENGLISH,
    Language::DUTCH,
    Language::SPANISH,
    Language::FRENCH,
    Language::GERMAN,
    Language::ITALIAN,
    Language::PORTUGUESE,
    Language::NORWEGIAN,
    Language::RUSSIAN,
    Language::TURKISH,
    Language::JAPANESE,
    Language::KOREAN,
    Language::CHINESE,
    Language::THAI,
];

/// One row of a figures table (a language, a channel, a day, a week, or all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// What the row counts ("en", "whatsapp", "day 3", "all").
    pub label: String,
    /// Inbound messages (mentions, queries and repeat posts).
    pub inbound: u64,
    /// Conversations that needed an answer (queries, and promoted mentions).
    pub queries: u64,
    /// Queries that got their first response.
    pub answered: u64,
    /// Median first response, minutes.
    pub first_response_p50_minutes: Option<f64>,
    /// 90th percentile first response, minutes.
    pub first_response_p90_minutes: Option<f64>,
    /// Queries answered within the promise.
    pub within_promise: u64,
    /// `within_promise / queries` (queries still young at the end excluded).
    pub within_promise_share: Option<f64>,
    /// Queries answered after the promise, or not at all though older than it.
    pub breaches: u64,
    /// Events whose name starts with "escalat" (0 until the escalation stage exists).
    pub escalations: u64,
}

/// Running tallies behind a [`Row`].
#[derive(Debug, Clone, Default)]
pub(crate) struct RowAcc {
    pub(crate) inbound: u64,
    pub(crate) queries: u64,
    pub(crate) answered: u64,
    pub(crate) histogram: ResponseTimeHistogram,
    pub(crate) within: u64,
    pub(crate) breaches: u64,
    pub(crate) young: u64,
    pub(crate) escalations: u64,
}

impl RowAcc {
    pub(crate) fn row(&self, label: impl Into<String>) -> Row {
        let minutes = |p: f64| {
            self.histogram
                .percentile(p)
                .map(|s| (s / 6.0).round() / 10.0)
        };
        let decided = self.queries.saturating_sub(self.young);
        Row {
            label: label.into(),
            inbound: self.inbound,
            queries: self.queries,
            answered: self.answered,
            first_response_p50_minutes: minutes(0.5),
            first_response_p90_minutes: minutes(0.9),
            within_promise: self.within,
            within_promise_share: (decided > 0).then(|| self.within as f64 / decided as f64),
            breaches: self.breaches,
            escalations: self.escalations,
        }
    }
}

/// One simulated hour, for charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourRow {
    /// Hours since the start.
    pub hour: u32,
    /// Inbound messages that arrived in the hour.
    pub inbound: u64,
    /// Queries that arrived in the hour.
    pub queries: u64,
    /// Agents online, averaged over the hour.
    pub agents_online: f64,
    /// The longest the waiting queue was in the hour.
    pub queue_max: u64,
    /// The published estimate at the end of the hour, minutes.
    pub published_minutes: Option<u32>,
    /// 90th percentile first response of the queries that arrived in the
    /// hour, minutes (answered ones).
    pub first_response_p90_minutes: Option<f64>,
    /// Conversations in the engine's hot state at the end of the hour.
    pub hot_conversations: u64,
}

/// How well the published "we answer within N minutes" held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EtaAccuracy {
    /// Refreshes (every five minutes).
    pub refreshes: u64,
    /// Queries that arrived while a figure was published and were answered,
    /// or waited longer than the figure.
    pub customers: u64,
    /// Of those, answered within the figure.
    pub kept: u64,
    /// `kept / customers`.
    pub kept_share: Option<f64>,
    /// Mean |first response − figure| in minutes (unanswered ones count
    /// with the wait so far).
    pub mean_absolute_error_minutes: Option<f64>,
    /// Mean (first response − figure) in minutes: positive when customers
    /// waited longer than promised on average, negative when the figure was
    /// cautious.
    #[serde(default)]
    pub mean_error_minutes: Option<f64>,
}

/// Waits from arrival to assignment (the queueing-theory view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct WaitFigures {
    /// Customers counted (after the warm-up) that were assigned.
    pub offered: u64,
    /// Of those, assigned later than they arrived.
    pub waited: u64,
    /// Of those, assigned within the target answer time.
    pub within_target: u64,
    /// The target answer time, seconds.
    pub target_seconds: f64,
    /// Sum of waits, seconds.
    pub total_wait_seconds: f64,
}

impl WaitFigures {
    /// Share of customers who waited at all.
    pub fn probability_of_waiting(&self) -> f64 {
        ratio(self.waited, self.offered)
    }

    /// Share answered within the target.
    pub fn service_level(&self) -> f64 {
        ratio(self.within_target, self.offered)
    }

    /// Average speed of answer, seconds.
    pub fn asa_seconds(&self) -> f64 {
        if self.offered == 0 {
            0.0
        } else {
            self.total_wait_seconds / self.offered as f64
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// How often the engine's classifier agreed with what the generator meant
/// (only with a classifier configured).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TriageAgreement {
    /// First messages classified.
    pub messages: u64,
    /// Same language as generated.
    pub language_agrees: u64,
    /// Same kind (query or mention) as generated.
    pub kind_agrees: u64,
    /// Generated queries the engine took for mentions and closed unanswered.
    pub queries_missed: u64,
}

/// Everything a run reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimReport {
    /// The seed.
    pub seed: u64,
    /// Simulated hours.
    pub hours: f64,
    /// Agents on the roster.
    pub agents: u32,
    /// Everything together.
    pub total: Row,
    /// Per language (generated language), by volume.
    pub languages: Vec<Row>,
    /// Per channel.
    pub channels: Vec<Row>,
    /// Per day (by arrival).
    pub days: Vec<Row>,
    /// Per week (by arrival).
    pub weeks: Vec<Row>,
    /// Agents' load over their online capacity, time-weighted.
    pub occupancy: f64,
    /// Agent-hours online.
    pub agent_hours_online: f64,
    /// The longest waiting queue.
    pub peak_queue: u64,
    /// Hours since start when the queue peaked.
    pub peak_queue_hour: f64,
    /// The most conversations in the engine's hot state (sampled hourly).
    pub peak_hot_conversations: u64,
    /// The published estimate's accuracy.
    pub eta: EtaAccuracy,
    /// Arrival-to-assignment waits.
    pub waits: WaitFigures,
    /// Hourly series.
    pub hourly: Vec<HourRow>,
    /// First responses in five-minute bins (bin `i` is `[5i, 5i+5)` minutes;
    /// the last bin holds everything at or beyond it).
    pub first_response_bins: Vec<u64>,
    /// Inputs handled by the engine.
    pub inputs: u64,
    /// Inputs the engine refused (e.g. a reply to a conversation that was
    /// closed meanwhile); not an error of the run.
    pub refused_inputs: u64,
    /// Events the engine emitted.
    pub events: u64,
    /// Classifier agreement, when a classifier ran.
    pub triage: Option<TriageAgreement>,
    /// Query arrivals per UTC hour of the week and language (table order),
    /// as generated, averaged over the weeks: the input of a staffing plan.
    pub hourly_query_volume: Vec<[f64; 14]>,
    /// Mean agent time per conversation (think + handle), seconds.
    pub mean_agent_seconds: f64,
    /// Sales funnel and CSAT (reference desk only; see the model in
    /// `sim::sales`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales: Option<super::sales::SalesSummary>,
}
