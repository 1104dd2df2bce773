//! What is scored besides the criteria set: one commune's tally and entries for one period.
//!
//! This is also the JSON format of what-if files (documented with an example in the README), so
//! unknown keys are refused: a misspelt `self_assesed` must not silently score 0.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use survey_definitions::criteria::{Points, Share};

/// Everything [`score`](crate::score) needs besides the criteria set.
///
/// Leaf ids are the ids of the set's leaves (`c1.plan`); every map is a `BTreeMap`, so the
/// order entries are given in never changes the report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringInput {
    /// The commune, by its code (GSO `ma_xa`, e.g. `"25216"`); reports and rankings name it.
    pub unit: String,
    /// Citizen answers by survey id. A survey missing here counts as no answers.
    #[serde(default)]
    pub surveys: BTreeMap<String, SurveyTally>,
    /// The commune's own points, by leaf id (self-assessment and bonus leaves only).
    #[serde(default)]
    pub self_assessed: BTreeMap<String, SelfAssessed>,
    /// The appraiser's points, by leaf id (any leaf). They replace every other value.
    #[serde(default)]
    pub appraised: BTreeMap<String, Appraised>,
    /// Scores from other systems, by leaf id (imported leaves only).
    #[serde(default)]
    pub imported: BTreeMap<String, ImportedScore>,
    /// Figures of surveys the province runs itself, by the `survey` name of the
    /// independent-survey leaves that read them. A survey missing here leaves those leaves
    /// unscored. Left out of the hashed form when empty, so inputs without it hash as before.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub independent: BTreeMap<String, IndependentFigure>,
}

/// One commune's result in a survey the province runs itself, for the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndependentFigure {
    /// n: the people of the commune who answered.
    pub sample: u64,
    /// Share of them satisfied or very satisfied, 0 to 1 with at most 4 decimals.
    pub satisfied_share: Share,
    /// Where the figure was published (document, date), shown in the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// The answers of one survey for the commune and period, flagged responses already removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyTally {
    /// Submissions counted (each answers some or all questions).
    pub responses: u64,
    /// By question id: how many answers of level 1, 2, 3, 4 and 5 (1 "Rất không hài lòng" …
    /// 5 "Rất hài lòng"). Questions not listed had no answers.
    #[serde(default)]
    pub answers: BTreeMap<String, [u64; 5]>,
}

/// Points the commune entered for a leaf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfAssessed {
    /// 0 to the leaf's max, at most 2 decimals.
    pub points: Points,
    /// Whether evidence (a note and a link or an attached file) is present.
    #[serde(default)]
    pub evidence: bool,
    /// The commune's note, shown in the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Points an appraiser (thẩm định) decided for a leaf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Appraised {
    /// 0 to the leaf's max, at most 2 decimals.
    pub points: Points,
    /// Why: shown to the commune next to its own entry. Must not be empty.
    pub reason: String,
}

/// A score taken from another system (e.g. the provincial PAR index).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportedScore {
    /// On the other system's scale, 0 to the leaf's `import_max`, at most 2 decimals.
    pub score: Points,
    /// Where it was taken from (document, date), shown in the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}
