//! A week's staffing plan: required agents per language and hour of the week.

use super::erlang_c::{Requirement, StaffingRequest};
use super::forecast::{Forecast, HOURS_PER_WEEK};
use super::StaffingError;
use crate::model::Language;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The service goal and working assumptions of one language's queue: what a
/// [`StaffingPlan`] staffs each hour for.
///
/// The fields mean what they mean in [`StaffingRequest`]; the volume comes
/// from the forecast and the interval is one hour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ServiceGoal {
    /// Average handling time in seconds; `> 0`.
    pub aht_seconds: f64,
    /// The answer time of the goal, in seconds; `>= 0`.
    pub target_seconds: f64,
    /// Share of customers to answer within `target_seconds`; in `(0, 1)`.
    pub service_level: f64,
    /// Share of paid time agents are not answering; in `[0, 1)`.
    #[serde(default)]
    pub shrinkage: f64,
    /// Highest acceptable occupancy; in `(0, 1]`.
    #[serde(default = "one")]
    pub max_occupancy: f64,
}

fn one() -> f64 {
    1.0
}

impl ServiceGoal {
    /// A goal without shrinkage and without an occupancy cap.
    pub fn new(aht_seconds: f64, target_seconds: f64, service_level: f64) -> Self {
        ServiceGoal {
            aht_seconds,
            target_seconds,
            service_level,
            shrinkage: 0.0,
            max_occupancy: 1.0,
        }
    }

    /// The staffing question for `transactions` arriving in one hour.
    pub fn for_hour(&self, transactions: f64) -> StaffingRequest {
        StaffingRequest {
            transactions,
            interval_minutes: 60.0,
            aht_seconds: self.aht_seconds,
            target_seconds: self.target_seconds,
            service_level: self.service_level,
            shrinkage: self.shrinkage,
            max_occupancy: self.max_occupancy,
        }
    }
}

/// One language's hour in a [`StaffingPlan`]: the forecast volume and what
/// it needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlanCell {
    /// Forecast arrivals in the hour.
    pub volume: f64,
    /// Agents needed and the service they give.
    pub requirement: Requirement,
}

/// Required agents for each language and hour of the week, computed with
/// Erlang C from a [`Forecast`].
///
/// Build it with [`StaffingPlan::from_forecast`] (one goal for every
/// language) or [`StaffingPlan::from_forecast_with`] (a goal per language),
/// then read it back with [`StaffingPlan::required`] (agents to schedule,
/// shrinkage included) or [`StaffingPlan::on_floor`] (agents answering). It
/// serializes with serde, so a plan can be saved and handed to a simulation.
///
/// ```
/// use caredesk::model::Language;
/// use caredesk::staffing::{Forecast, ServiceGoal, StaffingPlan};
///
/// let mut forecast = Forecast::new();
/// forecast.set_volume(Language::ENGLISH, 9, 200.0)?; // Monday 09:00
/// let mut goal = ServiceGoal::new(180.0, 20.0, 0.8);
/// goal.shrinkage = 0.3;
/// let plan = StaffingPlan::from_forecast(&forecast, &goal)?;
/// assert_eq!(plan.on_floor(Language::ENGLISH, 9), 14); // 10 erlangs
/// assert_eq!(plan.required(Language::ENGLISH, 9), 20); // 14 / 0.7
/// assert_eq!(plan.required(Language::ENGLISH, 10), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StaffingPlan {
    /// For each language, 168 cells indexed by hour of the week.
    cells: BTreeMap<Language, Vec<PlanCell>>,
}

impl StaffingPlan {
    /// Staffs every language of `forecast` for `goal`, hour by hour.
    ///
    /// # Errors
    /// The first error of [`StaffingRequest::solve`] on any hour, for example
    /// [`StaffingError::InvalidInput`] when `goal` has a value out of range.
    pub fn from_forecast(forecast: &Forecast, goal: &ServiceGoal) -> Result<Self, StaffingError> {
        StaffingPlan::from_forecast_with(forecast, |_| *goal)
    }

    /// Staffs every language of `forecast` for the goal `goal_of` gives that
    /// language (languages differ in handling time, and sometimes in promise).
    ///
    /// # Errors
    /// The first error of [`StaffingRequest::solve`] on any hour.
    pub fn from_forecast_with<F>(forecast: &Forecast, mut goal_of: F) -> Result<Self, StaffingError>
    where
        F: FnMut(Language) -> ServiceGoal,
    {
        let mut cells = BTreeMap::new();
        for language in forecast.languages() {
            let goal = goal_of(language);
            let week = (0..HOURS_PER_WEEK)
                .map(|hour| {
                    let volume = forecast.volume(language, hour);
                    goal.for_hour(volume).solve().map(|requirement| PlanCell {
                        volume,
                        requirement,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            cells.insert(language, week);
        }
        Ok(StaffingPlan { cells })
    }

    /// Agents to schedule for `language` in `hour_of_week` (shrinkage
    /// included): the plan's `positions`. 0 for a language the plan does not
    /// know. Hours from 168 on wrap around the week, so a simulation may
    /// count hours from its start.
    pub fn required(&self, language: Language, hour_of_week: u32) -> u32 {
        self.cell(language, hour_of_week)
            .map(|cell| cell.requirement.positions)
            .unwrap_or(0)
    }

    /// Agents who must be answering for `language` in `hour_of_week` (no
    /// shrinkage): the plan's `raw_positions`. Same conventions as
    /// [`StaffingPlan::required`].
    pub fn on_floor(&self, language: Language, hour_of_week: u32) -> u32 {
        self.cell(language, hour_of_week)
            .map(|cell| cell.requirement.raw_positions)
            .unwrap_or(0)
    }

    /// The full figures of one language and hour (hours wrap as in
    /// [`StaffingPlan::required`]); `None` for a language the plan does not
    /// know.
    pub fn cell(&self, language: Language, hour_of_week: u32) -> Option<&PlanCell> {
        let hour = (hour_of_week % HOURS_PER_WEEK) as usize;
        self.cells.get(&language).and_then(|week| week.get(hour))
    }

    /// Agents to schedule over all languages in `hour_of_week`.
    pub fn total_required(&self, hour_of_week: u32) -> u32 {
        self.languages()
            .map(|language| self.required(language, hour_of_week))
            .fold(0u32, u32::saturating_add)
    }

    /// The languages in the plan, in code order.
    pub fn languages(&self) -> impl Iterator<Item = Language> + '_ {
        self.cells.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staffing::HourlyCounts;

    #[test]
    fn plan_reads_back_each_language_and_hour() {
        let mut forecast = Forecast::new();
        forecast.set_volume(Language::ENGLISH, 9, 200.0).unwrap();
        forecast.set_volume(Language::JAPANESE, 9, 20.0).unwrap();
        forecast.set_volume(Language::JAPANESE, 167, 200.0).unwrap();
        let goal = ServiceGoal::new(180.0, 20.0, 0.8);
        let plan = StaffingPlan::from_forecast(&forecast, &goal).unwrap();
        assert_eq!(plan.required(Language::ENGLISH, 9), 14);
        assert_eq!(plan.required(Language::ENGLISH, 8), 0);
        assert_eq!(plan.required(Language::JAPANESE, 167), 14);
        assert_eq!(plan.required(Language::JAPANESE, 167 + 168), 14);
        // 20 an hour at 3 minutes is 1 erlang.
        let japanese_nine = plan.required(Language::JAPANESE, 9);
        assert_eq!(
            japanese_nine,
            goal.for_hour(20.0).solve().unwrap().raw_positions
        );
        assert_eq!(plan.total_required(9), 14 + japanese_nine);
        assert_eq!(plan.required(Language::KOREAN, 9), 0);
        assert_eq!(
            plan.languages().collect::<Vec<_>>(),
            [Language::ENGLISH, Language::JAPANESE]
        );
        let cell = plan.cell(Language::ENGLISH, 9).unwrap();
        assert_eq!(cell.volume, 200.0);
        assert!(cell.requirement.service_level >= 0.8);
    }

    #[test]
    fn per_language_goals_and_shrinkage_apply() {
        let mut forecast = Forecast::new();
        forecast.set_volume(Language::ENGLISH, 0, 200.0).unwrap();
        forecast.set_volume(Language::GERMAN, 0, 200.0).unwrap();
        let plan = StaffingPlan::from_forecast_with(&forecast, |language| {
            let mut goal = ServiceGoal::new(180.0, 20.0, 0.8);
            if language == Language::GERMAN {
                goal.shrinkage = 0.3;
            }
            goal
        })
        .unwrap();
        assert_eq!(plan.required(Language::ENGLISH, 0), 14);
        assert_eq!(plan.on_floor(Language::GERMAN, 0), 14);
        assert_eq!(plan.required(Language::GERMAN, 0), 20);
    }

    #[test]
    fn plan_survives_a_serde_round_trip() {
        let counts: Vec<u32> = (0..336).map(|i| 20 + (i % 24) * 5).collect();
        let forecast = Forecast::from_history(&[HourlyCounts {
            language: Language::DUTCH,
            start_hour_of_week: 0,
            counts,
        }])
        .unwrap();
        let plan =
            StaffingPlan::from_forecast(&forecast, &ServiceGoal::new(240.0, 60.0, 0.9)).unwrap();
        let json = serde_json::to_string(&plan).unwrap();
        let back: StaffingPlan = serde_json::from_str(&json).unwrap();
        for hour in 0..HOURS_PER_WEEK {
            let (before, after) = (
                plan.cell(Language::DUTCH, hour).unwrap(),
                back.cell(Language::DUTCH, hour).unwrap(),
            );
            assert_eq!(after.volume, before.volume);
            assert_eq!(after.requirement.positions, before.requirement.positions);
            assert_eq!(
                after.requirement.raw_positions,
                before.requirement.raw_positions
            );
            // serde_json parses floats to within one unit in the last place.
            let drift = (after.requirement.service_level - before.requirement.service_level).abs();
            assert!(drift <= 1e-15);
        }
        // Busier hours of the day need more agents.
        assert!(plan.required(Language::DUTCH, 23) > plan.required(Language::DUTCH, 0));
    }

    #[test]
    fn bad_goal_is_an_error() {
        let mut forecast = Forecast::new();
        forecast.set_volume(Language::ENGLISH, 0, 10.0).unwrap();
        let goal = ServiceGoal::new(180.0, 20.0, 1.5);
        assert!(matches!(
            StaffingPlan::from_forecast(&forecast, &goal),
            Err(StaffingError::InvalidInput {
                field: "service_level",
                ..
            })
        ));
    }
}
