//! The scored result: the criteria tree with points and explanations, totals, pass/fail, grade.
//!
//! Shaped to be shown as is: every leaf carries a bilingual explanation a commune leader can
//! check by hand, and every value that went into it (self-assessed, appraised, sample size).

use serde::{Deserialize, Serialize};
use survey_definitions::criteria::{BelowMin, Knockout, Metric, Period, Points, Rule, Share};
use survey_definitions::Text;

use crate::input::{Appraised, ImportedScore, IndependentFigure, SelfAssessed};

/// The score of one commune for one period under one criteria set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The criteria set's id.
    pub criteria_id: String,
    /// The criteria set's version.
    pub criteria_version: u32,
    /// The period the set applies to.
    pub period: Period,
    /// The commune's code, from the input.
    pub unit: String,
    /// Points of the scale (the sum of the non-bonus groups' maxima).
    pub scale_max: Points,
    /// The tree: groups, their criteria, their sub-criteria.
    pub groups: Vec<NodeResult>,
    /// Sum of the non-bonus groups, at most `scale_max`.
    pub base_points: Points,
    /// Sum of the bonus groups, each bonus leaf limited to its cap.
    pub bonus_points: Points,
    /// `base_points + bonus_points`. Not limited to `scale_max`: a bonus may lift a commune
    /// over a grade line, which is what a bonus is for.
    pub total: Points,
    /// The least total that passes.
    pub pass_threshold: Points,
    /// `total ≥ pass_threshold` and no knock-out fired.
    pub passed: bool,
    /// The highest grade whose `min` the total reaches; `None` when a knock-out fired or the
    /// total is below every grade.
    pub grade: Option<GradeResult>,
    /// The knock-outs that fired, in the set's order.
    pub knockouts: Vec<KnockoutResult>,
    /// Citizen-survey leaves with fewer answers than their minimum.
    pub insufficient_data: Vec<InsufficientData>,
    /// Leaves with no entry at all (no self-assessment, no imported score, no appraisal).
    pub not_entered: Vec<String>,
    /// Leaves whose self-assessment lacks required evidence and has no appraisal.
    pub missing_evidence: Vec<String>,
    /// A few sentences on the outcome, in Vietnamese and English.
    pub summary: Text,
    /// SHA-256 (hex) of the canonical JSON of `{"criteria": <set>, "input": <input>}`.
    pub input_hash: String,
    /// SHA-256 (hex) of the canonical JSON of this report with `output_hash` set to `""`.
    pub output_hash: String,
}

impl Report {
    /// Whether every citizen-survey leaf reached its minimum number of answers; rankings leave
    /// the others out.
    pub fn citizen_sample_sufficient(&self) -> bool {
        self.insufficient_data.is_empty()
    }
}

/// A group, criterion or sub-criterion with its points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeResult {
    /// The node's id in the criteria set.
    pub id: String,
    /// The node's name.
    pub name: Text,
    /// Its maximum points.
    pub max: Points,
    /// Points earned: the sum of its children, or a leaf's points (bonus leaves after cap).
    pub points: Points,
    /// Whether it counts as bonus (outside `scale_max`).
    pub bonus: bool,
    /// Criteria of a group, sub-criteria of a criterion; empty for a leaf.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<NodeResult>,
    /// How a leaf was scored; `None` for inner nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf: Option<LeafResult>,
}

/// How one leaf got its points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafResult {
    /// Where its points come from in the criteria set.
    pub source: SourceKind,
    /// Which value the points are.
    pub basis: Basis,
    /// The commune's entry, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_assessed: Option<SelfAssessed>,
    /// The appraiser's entry, if any; it wins over everything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appraised: Option<Appraised>,
    /// Points computed from the survey or the imported score, before any appraisal; `None`
    /// when nothing could be computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computed: Option<Points>,
    /// The imported score, for imported leaves that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<ImportedScore>,
    /// The bonus cap, for bonus leaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus_cap: Option<Points>,
    /// Sample and measure, for citizen-survey leaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen: Option<CitizenResult>,
    /// The province's figure, for independent-survey leaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub independent: Option<IndependentResult>,
    /// What happened, in words and arithmetic, in Vietnamese and English.
    pub explanation: Text,
}

/// A leaf's source kind, as in the criteria file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Entered by the commune.
    SelfAssessment,
    /// Computed from citizen answers.
    CitizenSurvey,
    /// Computed from the figure of a survey the province runs itself.
    IndependentSurvey,
    /// Scaled from another system's score.
    Imported,
    /// Entered by the commune, added on top of the scale up to a cap.
    Bonus,
}

/// Which value a leaf's points are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The appraiser's points.
    Appraised,
    /// The commune's points, not yet appraised.
    SelfAssessed,
    /// 0: the commune's entry lacks required evidence.
    MissingEvidence,
    /// 0: nothing was entered or imported.
    NotEntered,
    /// Computed from citizen answers (at the desk or in the province's own survey) by the
    /// leaf's rule.
    CitizenSurvey,
    /// 0: fewer answers than the minimum and the set says `below_min = "zero"`.
    BelowMinimum,
    /// 0 for now: fewer answers than the minimum and the set says
    /// `below_min = "insufficient"`; the appraiser decides.
    InsufficientData,
    /// Scaled from the imported score.
    Imported,
}

/// The citizen answers behind a leaf and what was measured on them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenResult {
    /// Survey id.
    pub survey: String,
    /// Questions whose answers count.
    pub questions: Vec<String>,
    /// What was measured.
    pub metric: Metric,
    /// Responses to the survey (submissions).
    pub responses: u64,
    /// Answers 1–5 to the questions, all questions together.
    pub valid_answers: u64,
    /// Of those, answers 4 "Hài lòng" or 5 "Rất hài lòng".
    pub satisfied_answers: u64,
    /// n: the answers to the most-answered of the questions. Several answers of one person
    /// are not independent, so n counts people, not answers; it is compared with
    /// `min_responses` and used for the interval.
    pub sample: u64,
    /// The leaf's minimum n.
    pub min_responses: u64,
    /// What happens below the minimum.
    pub below_min: BelowMin,
    /// `satisfied_answers / valid_answers`, rounded to 0.01 percentage point for display (rules
    /// use the exact fraction); `None` without answers.
    pub satisfied_share: Option<Share>,
    /// The 95% Wilson score interval of the satisfied share for n = `sample`.
    pub wilson_95: Option<Interval>,
    /// The value the rule was applied to (the satisfied share, or (mean − 1) / 4 for
    /// `mean_score`), rounded for display; `None` without answers.
    pub metric_value: Option<Share>,
    /// The rule, as in the criteria set.
    pub rule: Rule,
}

/// The province's survey figure behind an independent-survey leaf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndependentResult {
    /// The survey name in the criteria set.
    pub survey: String,
    /// The figure, if the input has one for this commune and period.
    pub figure: Option<IndependentFigure>,
    /// The leaf's minimum n.
    pub min_responses: u64,
    /// What happens below the minimum.
    pub below_min: BelowMin,
    /// The 95% Wilson score interval of the share for the figure's n.
    pub wilson_95: Option<Interval>,
    /// The rule, as in the criteria set.
    pub rule: Rule,
}

/// A confidence interval of a share; `low` rounded down and `high` rounded up to 0.01
/// percentage point, so the printed interval always contains the computed one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub low: Share,
    /// Upper bound.
    pub high: Share,
}

/// The grade a total earned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeResult {
    /// The grade's id.
    pub id: String,
    /// The grade's label.
    pub label: Text,
    /// The least total for it.
    pub min: Points,
}

/// A knock-out that fired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnockoutResult {
    /// The condition, as in the criteria set.
    pub knockout: Knockout,
    /// Why it fired.
    pub explanation: Text,
}

/// A citizen- or independent-survey leaf with fewer answers than its minimum, or an
/// independent-survey leaf without a figure (n = 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsufficientData {
    /// The leaf's id.
    pub leaf: String,
    /// Its n.
    pub sample: u64,
    /// Its minimum.
    pub min_responses: u64,
    /// What the set says happens below the minimum.
    pub below_min: BelowMin,
    /// Whether an appraiser entered points for it.
    pub appraised: bool,
}
