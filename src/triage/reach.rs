//! Reach: how many people see what an author posts, as a priority signal.

use serde::{Deserialize, Serialize};

/// A band of author reach (followers), for escalation and priority rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReachBand {
    /// Fewer than 1,000 followers (and unknown reach).
    Small,
    /// 1,000 to 9,999.
    Medium,
    /// 10,000 to 99,999.
    Large,
    /// 100,000 or more: a public figure or media account.
    Influencer,
}

/// The band for a follower count.
///
/// ```
/// use caredesk::triage::{reach_signal, ReachBand};
/// assert_eq!(reach_signal(120), ReachBand::Small);
/// assert_eq!(reach_signal(250_000), ReachBand::Influencer);
/// ```
pub fn reach_signal(followers: u64) -> ReachBand {
    match followers {
        0..=999 => ReachBand::Small,
        1_000..=9_999 => ReachBand::Medium,
        10_000..=99_999 => ReachBand::Large,
        _ => ReachBand::Influencer,
    }
}

/// Reach as a score from 0.0 to 1.0 on a log scale: 0 followers is 0.0,
/// 1,000 is about 0.43, 10 million or more is 1.0.
///
/// ```
/// use caredesk::triage::reach_score;
/// assert_eq!(reach_score(0), 0.0);
/// assert_eq!(reach_score(50_000_000), 1.0);
/// assert!(reach_score(1_000) > reach_score(999));
/// ```
pub fn reach_score(followers: u64) -> f32 {
    let score = ((followers as f64) + 1.0).log10() / 7.0;
    score.clamp(0.0, 1.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_change_at_powers_of_ten() {
        assert_eq!(reach_signal(999), ReachBand::Small);
        assert_eq!(reach_signal(1_000), ReachBand::Medium);
        assert_eq!(reach_signal(10_000), ReachBand::Large);
        assert_eq!(reach_signal(100_000), ReachBand::Influencer);
    }

    #[test]
    fn score_grows_with_followers_and_stays_in_range() {
        let mut last = -1.0;
        for followers in [0, 1, 10, 100, 1_000, 1_000_000, u64::MAX] {
            let score = reach_score(followers);
            assert!((0.0..=1.0).contains(&score));
            assert!(score > last || score == 1.0);
            last = score;
        }
    }
}
