//! Staffing end to end: the example's JSON line format, and a plan built
//! from a forecast of constructed history.

use caredesk::model::Language;
use caredesk::staffing::{
    ErlangC, Forecast, HourlyCounts, Requirement, ServiceGoal, StaffingError, StaffingPlan,
    StaffingRequest, HOURS_PER_WEEK,
};

/// The example, compiled into the tests so its `answer` can be called.
#[allow(dead_code)]
#[path = "../../examples/staffing.rs"]
mod staffing_example;

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

#[test]
fn sample_line_reproduces_the_issue_figures() {
    let line = r#"{"transactions":100,"interval_minutes":30,"aht_seconds":180,"target_seconds":20,"service_level":0.8,"shrinkage":0.0,"max_occupancy":1.0}"#;
    let request: StaffingRequest = serde_json::from_str(line).unwrap();
    let answer = request.solve().unwrap();
    assert_eq!(answer.raw_positions, 14);
    assert_eq!(answer.positions, 14);
    assert_eq!(round(answer.service_level, 3), 0.888);
    assert_eq!(round(answer.probability_of_waiting, 3), 0.174);
    assert_eq!(round(answer.occupancy, 3), 0.714);
    assert_eq!(round(answer.asa_seconds, 1), 7.8);
    // The output line has the issue's keys, in the issue's order.
    let json = serde_json::to_string(&answer).unwrap();
    let keys = [
        "raw_positions",
        "positions",
        "service_level",
        "probability_of_waiting",
        "occupancy",
        "asa_seconds",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|key| json.find(&format!("\"{key}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
    assert!(json.starts_with(r#"{"raw_positions":14,"positions":14,"#));
}

#[test]
fn optional_fields_default_when_missing_or_null() {
    let missing = r#"{"transactions":100,"interval_minutes":30,"aht_seconds":180,"target_seconds":20,"service_level":0.8}"#;
    let null = r#"{"transactions":100,"interval_minutes":30,"aht_seconds":180,"target_seconds":20,"service_level":0.8,"shrinkage":null,"max_occupancy":null}"#;
    for line in [missing, null] {
        let request: StaffingRequest = serde_json::from_str(line).unwrap();
        assert_eq!(request.shrinkage, 0.0);
        assert_eq!(request.max_occupancy, 1.0);
    }
    let no_volume =
        r#"{"interval_minutes":30,"aht_seconds":180,"target_seconds":20,"service_level":0.8}"#;
    assert!(serde_json::from_str::<StaffingRequest>(no_volume).is_err());
}

#[test]
fn shrinkage_and_occupancy_cap_combine() {
    // 10 erlangs: the goal needs 14, a 0.65 cap needs ceil(10/0.65) = 16,
    // and 25% shrinkage schedules ceil(16 / 0.75) = 22 (21.33 rounded up).
    let line = r#"{"transactions":100,"interval_minutes":30,"aht_seconds":180,"target_seconds":20,"service_level":0.8,"shrinkage":0.25,"max_occupancy":0.65}"#;
    let answer = serde_json::from_str::<StaffingRequest>(line)
        .unwrap()
        .solve()
        .unwrap();
    let expected = ErlangC::from_volume(100.0, 30.0, 180.0)
        .unwrap()
        .performance(16, 20.0)
        .unwrap();
    assert_eq!(
        answer,
        Requirement {
            raw_positions: 16,
            positions: 22,
            service_level: expected.service_level,
            probability_of_waiting: expected.probability_of_waiting,
            occupancy: expected.occupancy,
            asa_seconds: expected.asa_seconds,
        }
    );
}

#[test]
fn example_answers_each_line_and_refuses_what_is_not_an_object() {
    let good = r#"{"transactions":100,"interval_minutes":30,"aht_seconds":180,"target_seconds":20,"service_level":0.8}"#;
    let answer: serde_json::Value = serde_json::from_str(&staffing_example::answer(good)).unwrap();
    assert_eq!(answer["raw_positions"], 14);
    assert_eq!(answer["positions"], 14);
    for bad in [
        "[100,30,180,20,0.8,0,1]",
        "",
        "not json",
        r#"{"transactions":100}"#,
        r#"{"transactions":1e12,"interval_minutes":1,"aht_seconds":3600,"target_seconds":20,"service_level":0.8}"#,
    ] {
        let answer: serde_json::Value =
            serde_json::from_str(&staffing_example::answer(bad)).unwrap();
        assert!(answer["error"].is_string(), "{bad}: {answer}");
    }
}

#[test]
fn error_messages_name_the_field() {
    let request = StaffingRequest::new(100.0, 30.0, 180.0, 20.0, 1.5);
    let error = request.solve().unwrap_err();
    assert!(matches!(error, StaffingError::InvalidInput { .. }));
    assert_eq!(
        error.to_string(),
        "service_level must be in (0, 1), got 1.5"
    );
}

#[test]
fn four_weeks_of_growing_history_become_a_plan() {
    // English: each Monday..Sunday has a daily shape (busy 08:00-20:00), and
    // volume grows by 10 per busy hour every week. Dutch: flat 30 an hour.
    let english: Vec<u32> = (0..4 * HOURS_PER_WEEK)
        .map(|i| {
            let week = i / HOURS_PER_WEEK;
            let hour_of_day = i % 24;
            if (8..20).contains(&hour_of_day) {
                100 + 10 * week
            } else {
                20
            }
        })
        .collect();
    let dutch = vec![30; 2 * HOURS_PER_WEEK as usize];
    let forecast = Forecast::from_history(&[
        HourlyCounts {
            language: Language::ENGLISH,
            start_hour_of_week: 0,
            counts: english,
        },
        HourlyCounts {
            language: Language::DUTCH,
            start_hour_of_week: 0,
            counts: dutch,
        },
    ])
    .unwrap();
    // Week 4 continues the trend: 100 + 40 = 140 in busy hours.
    assert!((forecast.volume(Language::ENGLISH, 9) - 140.0).abs() < 1e-9);
    assert!((forecast.volume(Language::ENGLISH, 3) - 20.0).abs() < 1e-9);
    assert!((forecast.volume(Language::DUTCH, 100) - 30.0).abs() < 1e-9);

    let mut goal = ServiceGoal::new(300.0, 60.0, 0.8);
    goal.shrinkage = 0.3;
    let plan = StaffingPlan::from_forecast(&forecast, &goal).unwrap();
    let busy = goal.for_hour(140.0).solve().unwrap();
    let quiet = goal.for_hour(20.0).solve().unwrap();
    let dutch_hour = goal.for_hour(30.0).solve().unwrap();
    for hour in 0..HOURS_PER_WEEK {
        let expected = if (8..20).contains(&(hour % 24)) {
            busy.positions
        } else {
            quiet.positions
        };
        assert_eq!(
            plan.required(Language::ENGLISH, hour),
            expected,
            "hour {hour}"
        );
        assert_eq!(plan.required(Language::DUTCH, hour), dutch_hour.positions);
    }
    // 140 an hour at 5 minutes is 11.67 erlangs.
    assert!(plan.on_floor(Language::ENGLISH, 9) >= 12);
    assert!(plan.required(Language::ENGLISH, 9) > plan.on_floor(Language::ENGLISH, 9));
    assert_eq!(plan.required(Language::FRENCH, 9), 0);
}

mod properties {
    use caredesk::staffing::ErlangC;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The count found meets the goal and the cap, and one agent fewer
        /// does not (it misses the goal, breaks the cap, or cannot keep up).
        #[test]
        fn found_count_is_minimal(
            traffic in 0.01f64..3000.0,
            aht in 10.0f64..900.0,
            target in 0.0f64..300.0,
            goal in 0.05f64..0.99,
            cap in 0.5f64..=1.0,
        ) {
            let queue = ErlangC::new(traffic, aht).unwrap();
            let found = queue.agents_for(target, goal, cap).unwrap();
            prop_assert!(found.service_level >= goal);
            prop_assert!(found.occupancy <= cap * (1.0 + 1e-12));
            prop_assert!(found.service_level.is_finite() && found.asa_seconds.is_finite());
            let fewer = found.agents - 1;
            if f64::from(fewer) > traffic {
                let p = queue.performance(fewer, target).unwrap();
                prop_assert!(p.service_level < goal || p.occupancy > cap);
            }
        }
    }
}
