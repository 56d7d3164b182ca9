//! The reference desk's agents: languages in proportion to volume, shifts
//! that cover every hour of the week where each language's customers write.

use super::rng::SimRng;
use super::workload::{ReferenceWorkload, LANGUAGES};
use crate::model::Language;

/// One agent's place in the roster.
#[derive(Debug, Clone)]
pub(crate) struct RosterEntry {
    /// Languages spoken (English first).
    pub(crate) languages: Vec<Language>,
    /// Shift start hour (UTC); shifts last `shift_hours`.
    pub(crate) shift_start_hour: u32,
    /// Days of the week off (Monday = 0).
    pub(crate) days_off: [u32; 2],
}

/// Three eight-hour shifts a day, starting at these UTC hours.
pub(crate) const SHIFT_STARTS: [u32; 3] = [0, 8, 16];

/// Builds `agents` roster entries: every (language, shift) with demand gets
/// at least two speakers (so someone is on every day despite days off) when
/// there are enough agents, and the rest are shared out by demand
/// (highest average per seat first, the D'Hondt rule).
pub(crate) fn build(
    workload: &ReferenceWorkload,
    agents: u32,
    rng: &mut SimRng,
) -> Vec<RosterEntry> {
    let rates = workload.hourly_rates();
    // Demand per (language, shift) over the week.
    let mut demand = vec![[0.0f64; 3]; LANGUAGES.len()];
    for (how, row) in rates.iter().enumerate() {
        let hour = (how % 24) as u32;
        let shift = SHIFT_STARTS
            .iter()
            .rposition(|start| hour >= *start)
            .unwrap_or(0);
        for (language, rate) in row.iter().enumerate() {
            demand[language][shift] += rate;
        }
    }
    let slots: Vec<(usize, usize, f64)> = demand
        .iter()
        .enumerate()
        .flat_map(|(l, row)| row.iter().enumerate().map(move |(s, d)| (l, s, *d)))
        .filter(|(_, _, d)| *d > 0.0)
        .collect();
    let n = slots.len() as u32;
    let minimum = if agents >= 2 * n {
        2
    } else if agents >= n {
        1
    } else {
        0
    };
    let mut seats: Vec<u32> = vec![minimum; slots.len()];
    let mut left = agents - minimum * n;
    if minimum == 0 {
        // Too few agents to cover everything: give seats by demand alone.
        left = agents;
    }
    // D'Hondt: a max-heap would be faster, but the loop is O(agents × slots)
    // only once per run.
    while left > 0 {
        let mut best = 0;
        let mut best_score = f64::MIN;
        for (index, (_, _, d)) in slots.iter().enumerate() {
            let score = d / f64::from(seats[index] + 1);
            if score > best_score {
                best_score = score;
                best = index;
            }
        }
        seats[best] += 1;
        left -= 1;
    }
    let mut roster = Vec::with_capacity(agents as usize);
    for (index, (language, shift, _)) in slots.iter().enumerate() {
        let native = LANGUAGES[*language].language;
        for j in 0..seats[index] {
            let mut languages = vec![Language::ENGLISH];
            if native != Language::ENGLISH {
                languages.push(native);
            }
            // Second languages the way a European desk has them.
            let extra = match native {
                Language::DUTCH if rng.chance(0.5) => Some(Language::GERMAN),
                Language::DUTCH if rng.chance(0.3) => Some(Language::FRENCH),
                Language::ENGLISH if rng.chance(0.15) => Some(Language::SPANISH),
                Language::NORWEGIAN if rng.chance(0.3) => Some(Language::GERMAN),
                Language::SPANISH if rng.chance(0.3) => Some(Language::PORTUGUESE),
                _ => None,
            };
            if let Some(extra) = extra {
                if !languages.contains(&extra) {
                    languages.push(extra);
                }
            }
            let first_off = (j * 2 + index as u32) % 7;
            roster.push(RosterEntry {
                languages,
                shift_start_hour: SHIFT_STARTS[*shift],
                days_off: [first_off, (first_off + 1) % 7],
            });
        }
    }
    roster
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::ReferenceDesk;

    #[test]
    fn every_language_has_a_speaker_on_every_shift_every_day_with_150_agents() {
        let desk = ReferenceDesk::default();
        let workload = ReferenceWorkload::new(&desk, "2026-11-23T00:00:00Z".parse().unwrap());
        let roster = build(&workload, 150, &mut SimRng::new(1));
        assert_eq!(roster.len(), 150);
        for profile in &LANGUAGES {
            for start in SHIFT_STARTS {
                for day in 0..7 {
                    let on = roster.iter().filter(|e| {
                        e.shift_start_hour == start
                            && !e.days_off.contains(&day)
                            && e.languages.contains(&profile.language)
                    });
                    assert!(
                        on.count() >= 1,
                        "{} shift {start} day {day}",
                        profile.language
                    );
                }
            }
        }
    }
}
