//! Relaxation: requirements that loosen the longer a conversation waits.

use crate::model::TeamId;
use serde::{Deserialize, Serialize};

/// One way a conversation's requirements loosen.
///
/// Used in a [`RelaxationStep`]; the steps of a queue apply in order, each
/// on top of the ones before.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Relax {
    /// Preferred skills stop counting: until this step they are targeted
    /// like required skills (at level 1 or more).
    DropPreferredSkills,
    /// Agents who speak the language at `min_level` or better qualify
    /// (before: the requirements' own level, native 5 by default).
    SecondLanguage {
        /// The lowest proficiency accepted, 1 to 5.
        min_level: u8,
    },
    /// Agents of these teams qualify as well as the conversation's own team;
    /// an empty list lifts the team restriction altogether.
    OverflowTeams {
        /// The teams that may take the overflow.
        teams: Vec<TeamId>,
    },
}

/// A relaxation that applies once a conversation has waited `after_secs`
/// since it arrived (like a TaskRouter workflow step with a timeout).
///
/// ```
/// use caredesk::routing::{Relax, RelaxationStep};
/// let steps = RelaxationStep::airline_default();
/// assert_eq!(steps[0], RelaxationStep { after_secs: 300, relax: Relax::DropPreferredSkills });
/// assert_eq!(steps.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RelaxationStep {
    /// Seconds of waiting after arrival before the step applies.
    pub after_secs: i64,
    /// What loosens.
    pub relax: Relax,
}

impl RelaxationStep {
    /// The reference desk's steps: after 5 minutes drop preferred skills,
    /// after 15 allow a second language (level 3 or more), after 30 overflow
    /// to any team.
    pub fn airline_default() -> Vec<RelaxationStep> {
        vec![
            RelaxationStep {
                after_secs: 5 * 60,
                relax: Relax::DropPreferredSkills,
            },
            RelaxationStep {
                after_secs: 15 * 60,
                relax: Relax::SecondLanguage { min_level: 3 },
            },
            RelaxationStep {
                after_secs: 30 * 60,
                relax: Relax::OverflowTeams { teams: Vec::new() },
            },
        ]
    }
}
