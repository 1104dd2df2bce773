//! "Chính quyền thân thiện" criteria sets: what a commune is scored on in a year, and how each
//! point is earned.
//!
//! A set lives in `criteria/<id>.toml` (format: this crate's README). It is a tree of groups,
//! criteria and optional sub-criteria; every leaf says where its points come from (the
//! commune's self-assessment, the citizen survey, another system, or a capped bonus). The
//! rules a set must follow are checked on the typed value by [`CriteriaSet::check`], so sets
//! read from files and sets built in code are held to the same standard. Scoring itself lives
//! in the `scoring` crate; this module only describes and validates.

mod file;
mod numbers;
pub mod provinces;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Definitions, QuestionKind, SipasElement, Text};

// Field checks and `Problem` are shared with survey files (crate::survey), so both formats
// report a broken field the same way.
pub(crate) use crate::survey::Problem;
use crate::survey::{check_text, is_slug};

pub use file::parse_criteria;
pub use numbers::{Points, PointsError, Share};
pub use provinces::{load_province_criteria, ProvinceCriteria, SetsOfProvince};

/// One criteria set, e.g. Đồng Nai 2025 (Quyết định 54/2025/QĐ-UBND).
///
/// `(id, version)` identifies it; a correction after scores were published is a new version,
/// so old reports can still be reproduced with the set they were computed with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriteriaSet {
    /// Stable name, lowercase `[a-z0-9-]`, e.g. `dong-nai-2025`.
    pub id: String,
    /// 1, 2, …
    pub version: u32,
    /// Full name, usually with the legal document it follows.
    pub name: Text,
    /// The period whose activity and answers are scored.
    pub period: Period,
    /// Set when the regime no longer applies to new periods (e.g. its province was merged
    /// away): the set stays to reproduce its reports but is not offered for new work. Left out
    /// of the serialized set when absent, so the hashes of earlier reports do not change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub historical: Option<Historical>,
    /// The points all non-bonus groups add up to (100 in every known regime).
    pub scale_max: Points,
    /// The least total that passes, if no knock-out fires.
    pub pass_threshold: Points,
    /// Grades from the highest `min` down; a total gets the first grade whose `min` it reaches.
    pub grades: Vec<Grade>,
    /// Conditions that fail a commune whatever its total.
    pub knockouts: Vec<Knockout>,
    /// The top level of the tree, in display order.
    pub groups: Vec<Group>,
}

/// Dates as ISO `YYYY-MM-DD` strings; `to` is exclusive, so a yearly set runs from
/// `2025-01-01` to `2026-01-01` and next year's set starts on the day this one ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// First day included.
    pub from: String,
    /// First day no longer included.
    pub to: String,
}

/// Since when, and why, a set is no longer offered for new periods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Historical {
    /// First day (ISO `YYYY-MM-DD`) the set is no longer offered for new periods.
    pub valid_until: String,
    /// Why, as shown beside the set.
    pub reason: Text,
}

impl Period {
    /// Whether `date` (ISO `YYYY-MM-DD`; ISO dates compare as text) lies in the period.
    pub fn contains(&self, date: &str) -> bool {
        self.from.as_str() <= date && date < self.to.as_str()
    }
}

/// One grade, e.g. "4 sao" from 95 points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grade {
    /// Stable name, `[a-z0-9][a-z0-9_.-]*`, e.g. `4-stars`.
    pub id: String,
    /// The least total that earns the grade.
    pub min: Points,
    /// As shown, e.g. "4 sao" / "4 stars".
    pub label: Text,
}

/// A condition that fails a commune whatever its total (điểm liệt).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Knockout {
    /// Fires when the points of a group, criterion or sub-criterion are below `min`.
    CriterionBelow {
        /// Id of any node of the tree.
        criterion: String,
        /// Points the node must reach.
        min: Points,
    },
    /// Fires when any citizen-survey leaf has fewer answers than its `min_responses`, whether
    /// or not an appraiser entered points for it.
    InsufficientSample,
}

/// A top-level criterion group, e.g. "Tuyên truyền" (15 points).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Unique in the set, `[a-z0-9][a-z0-9_.-]*`.
    pub id: String,
    /// As shown.
    pub name: Text,
    /// The sum of its criteria's maxima.
    pub max: Points,
    /// At least one, in display order.
    pub criteria: Vec<Criterion>,
}

impl Group {
    /// Whether the group holds bonus leaves (points added on top of the scale). A group holds
    /// either only bonus leaves or none.
    pub fn is_bonus(&self) -> bool {
        self.criteria.iter().any(|c| match &c.content {
            Content::Source(source) => source.is_bonus(),
            Content::SubCriteria(subs) => subs.iter().any(|s| s.source.is_bonus()),
        })
    }
}

/// A criterion inside a group: either a leaf with a source or a list of sub-criteria.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Unique in the set.
    pub id: String,
    /// As shown.
    pub name: Text,
    /// Its points at most; equals the sum of its sub-criteria's maxima if it has any.
    pub max: Points,
    /// Where its points come from.
    #[serde(flatten)]
    pub content: Content,
}

/// What a [`Criterion`] holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Content {
    /// A leaf: the criterion is scored directly.
    Source(Source),
    /// Scored through its sub-criteria (at least one).
    SubCriteria(Vec<SubCriterion>),
}

/// A sub-criterion: always a leaf.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubCriterion {
    /// Unique in the set.
    pub id: String,
    /// As shown.
    pub name: Text,
    /// Its points at most.
    pub max: Points,
    /// Where its points come from.
    pub source: Source,
}

/// Where the points of a leaf come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Entered by the commune (0 to the leaf's max), appraised later; the appraised points win.
    SelfAssessment {
        /// Whether the entry counts without a note and a link or attached file.
        evidence: Evidence,
    },
    /// Computed from the citizen survey answers of the commune in the period.
    CitizenSurvey(CitizenSurvey),
    /// Computed from a survey the province runs itself (not at the desk), given per commune
    /// and period as a sample size and a satisfied share.
    IndependentSurvey(IndependentSurvey),
    /// A score from another system on its own scale 0..=`import_max`, scaled linearly to the
    /// leaf's max: points = score / import_max × max.
    Imported {
        /// The top of the other system's scale (e.g. 100 for the provincial PAR index).
        import_max: Points,
    },
    /// Points added on top of the scale, entered and appraised like a self-assessment; at most
    /// `cap` of them count. Bonus leaves are left out of the `scale_max` sum.
    Bonus {
        /// The most this leaf adds to the total; at most the leaf's max.
        cap: Points,
        /// As for a self-assessment.
        evidence: Evidence,
    },
}

impl Source {
    /// The name used in files: `self_assessment`, `citizen_survey`, `independent_survey`,
    /// `imported`, `bonus`.
    pub fn key(&self) -> &'static str {
        match self {
            Source::SelfAssessment { .. } => "self_assessment",
            Source::CitizenSurvey(_) => "citizen_survey",
            Source::IndependentSurvey(_) => "independent_survey",
            Source::Imported { .. } => "imported",
            Source::Bonus { .. } => "bonus",
        }
    }

    /// Whether the leaf is a bonus.
    pub fn is_bonus(&self) -> bool {
        matches!(self, Source::Bonus { .. })
    }
}

/// Whether a self-assessed entry needs evidence (a note and a link or an attached file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// Without evidence the entry counts 0 until evidence is attached or an appraiser decides.
    Required,
    /// The entry counts with or without evidence.
    Optional,
}

/// A leaf scored from citizen survey answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenSurvey {
    /// Survey id, e.g. `one-stop-desk`; answers of all its versions count.
    pub survey: String,
    /// How the file chose the questions.
    pub selection: Selection,
    /// The questions whose answers count, resolved from `selection` by the loader (SIPAS
    /// elements become the questions that feed them). All are `satisfaction5` questions.
    pub questions: Vec<String>,
    /// What is measured on those answers.
    pub metric: Metric,
    /// How the measure becomes points.
    pub rule: Rule,
    /// The fewest answers (to the most-answered of `questions`) for the measure to count.
    pub min_responses: u64,
    /// What happens below `min_responses`.
    pub below_min: BelowMin,
}

/// A leaf scored from the figures of a survey the province runs itself, e.g. Sở Nội vụ's
/// satisfaction survey drawn from citizen lists: one sample size and one satisfied share per
/// commune and period, entered from the province's results rather than counted by this app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndependentSurvey {
    /// Names the figures in the scoring input, e.g. `so-noi-vu`; lowercase `a-z`, `0-9`, `-`.
    pub survey: String,
    /// How the satisfied share becomes points.
    pub rule: Rule,
    /// The smallest sample for the share to count.
    pub min_responses: u64,
    /// What happens below `min_responses`. A commune without any figure is never scored
    /// automatically, whatever this says: the figure is missing, not small.
    pub below_min: BelowMin,
}

/// How a citizen-survey leaf chose its questions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// By question id (`questions = ["overall"]`).
    Questions(Vec<String>),
    /// The questions feeding these SIPAS elements (`sipas = ["access", "results"]`).
    Sipas(Vec<SipasElement>),
    /// The questions feeding any of the five SIPAS elements (`sipas = "all"`).
    SipasAll,
}

/// What is measured on the answers of a citizen-survey leaf. Both give a value from 0 to 1, so
/// the same rules apply to either.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Answers 4 "Hài lòng" and 5 "Rất hài lòng" divided by all valid answers (1–5) of the
    /// questions, pooled: the SIPAS-style satisfaction rate.
    SatisfiedShare,
    /// The mean answer on the 1–5 scale, rescaled to 0–1 as (mean − 1) / 4.
    MeanScore,
}

/// How a metric value from 0 to 1 becomes points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// 0 points at or below `from`, the leaf's max at or above `to`, a straight line between:
    /// points = max × (value − from) / (to − from).
    Linear {
        /// Highest value that still earns 0.
        from: Share,
        /// Lowest value that earns the maximum.
        to: Share,
    },
    /// The points of the band with the highest `min` the value reaches; 0 below all bands.
    Bands {
        /// Ordered from the highest `min` down.
        bands: Vec<Band>,
    },
}

/// One band of a [`Rule::Bands`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    /// Least value in the band.
    pub min: Share,
    /// Points earned in the band.
    pub points: Points,
}

/// What a citizen-survey leaf scores when it has fewer answers than `min_responses`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BelowMin {
    /// 0 points.
    Zero,
    /// No points computed: flagged "insufficient data" and left to the appraiser, who may
    /// enter points.
    Insufficient,
}

/// Any node of the tree, found by id.
#[derive(Clone, Copy, Debug)]
pub enum Node<'a> {
    /// A top-level group.
    Group(&'a Group),
    /// A criterion.
    Criterion(&'a Criterion),
    /// A sub-criterion.
    SubCriterion(&'a SubCriterion),
}

impl<'a> Node<'a> {
    /// The node's id.
    pub fn id(self) -> &'a str {
        match self {
            Node::Group(g) => &g.id,
            Node::Criterion(c) => &c.id,
            Node::SubCriterion(s) => &s.id,
        }
    }

    /// The node's maximum points.
    pub fn max(self) -> Points {
        match self {
            Node::Group(g) => g.max,
            Node::Criterion(c) => c.max,
            Node::SubCriterion(s) => s.max,
        }
    }
}

/// A leaf of the tree (a criterion without sub-criteria, or a sub-criterion) with its place.
#[derive(Clone, Copy, Debug)]
pub struct Leaf<'a> {
    /// The leaf's id.
    pub id: &'a str,
    /// The leaf's name.
    pub name: &'a Text,
    /// The leaf's maximum points.
    pub max: Points,
    /// Where its points come from.
    pub source: &'a Source,
    /// The group it belongs to.
    pub group: &'a Group,
    /// Its criterion (the leaf itself when it has no sub-criteria).
    pub criterion: &'a Criterion,
}

impl CriteriaSet {
    /// Whether the set is historical on `date` (ISO `YYYY-MM-DD`): its `valid_until` is on or
    /// before that day. A historical set is kept to reproduce reports, not offered for new
    /// periods.
    pub fn is_historical_on(&self, date: &str) -> bool {
        self.historical
            .as_ref()
            .is_some_and(|h| h.valid_until.as_str() <= date)
    }

    /// Every leaf, in display order.
    pub fn leaves(&self) -> Vec<Leaf<'_>> {
        let mut leaves = Vec::new();
        for group in &self.groups {
            for criterion in &group.criteria {
                match &criterion.content {
                    Content::Source(source) => leaves.push(Leaf {
                        id: &criterion.id,
                        name: &criterion.name,
                        max: criterion.max,
                        source,
                        group,
                        criterion,
                    }),
                    Content::SubCriteria(subs) => leaves.extend(subs.iter().map(|sub| Leaf {
                        id: &sub.id,
                        name: &sub.name,
                        max: sub.max,
                        source: &sub.source,
                        group,
                        criterion,
                    })),
                }
            }
        }
        leaves
    }

    /// The leaf with this id.
    pub fn leaf(&self, id: &str) -> Option<Leaf<'_>> {
        self.leaves().into_iter().find(|leaf| leaf.id == id)
    }

    /// The node (group, criterion or sub-criterion) with this id.
    pub fn node(&self, id: &str) -> Option<Node<'_>> {
        self.nodes().into_iter().find(|n| n.id() == id)
    }

    /// Every node, depth first in display order.
    pub fn nodes(&self) -> Vec<Node<'_>> {
        let mut nodes = Vec::new();
        for group in &self.groups {
            nodes.push(Node::Group(group));
            for criterion in &group.criteria {
                nodes.push(Node::Criterion(criterion));
                if let Content::SubCriteria(subs) = &criterion.content {
                    nodes.extend(subs.iter().map(Node::SubCriterion));
                }
            }
        }
        nodes
    }

    /// Applies every rule of the format (see the README) to a set built in code; files get the
    /// same check from [`parse_criteria`], with lines. The error's `file` names the set.
    pub fn check(&self, definitions: &Definitions) -> Result<(), crate::DefinitionError> {
        self.problems(definitions)
            .map_err(|problem| crate::DefinitionError {
                file: format!("criteria set `{}` v{}", self.id, self.version),
                line: None,
                field: Some(problem.path),
                message: problem.message,
            })
    }

    /// The first rule this set breaks, as a field path and a message.
    pub(crate) fn problems(&self, definitions: &Definitions) -> Result<(), Problem> {
        if !is_slug(&self.id, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
        }) {
            return Err(Problem::new(
                "id",
                "criteria set id must be non-empty and use only a-z, 0-9 and -",
            ));
        }
        if self.version == 0 {
            return Err(Problem::new("version", "version must be 1 or higher"));
        }
        check_text(&self.name, "name")?;
        check_period(&self.period)?;
        if let Some(historical) = &self.historical {
            check_historical(historical, &self.period)?;
        }
        if self.scale_max == Points::ZERO {
            return Err(Problem::new("scale_max", "scale_max must be above 0"));
        }
        if self.pass_threshold > self.scale_max {
            return Err(Problem::new(
                "pass_threshold",
                format!(
                    "pass_threshold ({}) is above scale_max ({})",
                    self.pass_threshold, self.scale_max
                ),
            ));
        }
        self.check_grades()?;
        self.check_tree(definitions)?;
        self.check_knockouts()
    }

    fn check_grades(&self) -> Result<(), Problem> {
        for (i, grade) in self.grades.iter().enumerate() {
            let at = format!("grades[{i}]");
            check_id(&grade.id, &format!("{at}.id"))?;
            if let Some(first) = self.grades[..i].iter().position(|g| g.id == grade.id) {
                return Err(Problem::new(
                    format!("{at}.id"),
                    format!("grade id `{}` is already used by grades[{first}]", grade.id),
                ));
            }
            check_text(&grade.label, &format!("{at}.label"))?;
            if grade.min > self.scale_max {
                return Err(Problem::new(
                    format!("{at}.min"),
                    format!(
                        "min ({}) is above scale_max ({})",
                        grade.min, self.scale_max
                    ),
                ));
            }
            // Strictly decreasing, so each total falls in exactly one grade band.
            if i > 0 && grade.min >= self.grades[i - 1].min {
                return Err(Problem::new(
                    format!("{at}.min"),
                    format!(
                        "grades go from the highest min down: {} must be below the {} of grades[{}]",
                        grade.min,
                        self.grades[i - 1].min,
                        i - 1
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_tree(&self, definitions: &Definitions) -> Result<(), Problem> {
        if self.groups.is_empty() {
            return Err(Problem::new(
                "groups",
                "a criteria set needs at least one group",
            ));
        }
        // Ids are unique across the whole tree: knock-outs, survey feeds and stored
        // self-assessments name a node by its id alone.
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        let mut unique = |id: &str, at: &str| -> Result<(), Problem> {
            check_id(id, &format!("{at}.id"))?;
            if let Some(first) = ids.insert(id.to_owned(), at.to_owned()) {
                return Err(Problem::new(
                    format!("{at}.id"),
                    format!("id `{id}` is already used by {first}"),
                ));
            }
            Ok(())
        };
        let mut scale_sum = Points::ZERO;
        for (g, group) in self.groups.iter().enumerate() {
            let at = format!("groups[{g}]");
            unique(&group.id, &at)?;
            check_text(&group.name, &format!("{at}.name"))?;
            check_max(group.max, &at)?;
            if group.criteria.is_empty() {
                return Err(Problem::new(
                    format!("{at}.criteria"),
                    "a group needs at least one criterion",
                ));
            }
            let bonus = group.is_bonus();
            let mut sum = Points::ZERO;
            for (c, criterion) in group.criteria.iter().enumerate() {
                let at = format!("{at}.criteria[{c}]");
                unique(&criterion.id, &at)?;
                check_text(&criterion.name, &format!("{at}.name"))?;
                check_max(criterion.max, &at)?;
                sum = sum.saturating_add(criterion.max);
                match &criterion.content {
                    Content::Source(source) => {
                        check_source(source, criterion.max, bonus, &at, definitions)?;
                    }
                    Content::SubCriteria(subs) => {
                        if subs.is_empty() {
                            return Err(Problem::new(
                                format!("{at}.sub_criteria"),
                                "sub_criteria needs at least one entry; leave it out for a \
                                 criterion scored directly",
                            ));
                        }
                        let mut sub_sum = Points::ZERO;
                        for (s, sub) in subs.iter().enumerate() {
                            let at = format!("{at}.sub_criteria[{s}]");
                            unique(&sub.id, &at)?;
                            check_text(&sub.name, &format!("{at}.name"))?;
                            check_max(sub.max, &at)?;
                            sub_sum = sub_sum.saturating_add(sub.max);
                            check_source(&sub.source, sub.max, bonus, &at, definitions)?;
                        }
                        if sub_sum != criterion.max {
                            return Err(Problem::new(
                                format!("{at}.max"),
                                format!(
                                    "max is {} but its sub-criteria add up to {sub_sum}",
                                    criterion.max
                                ),
                            ));
                        }
                    }
                }
            }
            if sum != group.max {
                return Err(Problem::new(
                    format!("{at}.max"),
                    format!("max is {} but its criteria add up to {sum}", group.max),
                ));
            }
            if !bonus {
                scale_sum = scale_sum.saturating_add(group.max);
            }
        }
        if scale_sum != self.scale_max {
            return Err(Problem::new(
                "scale_max",
                format!(
                    "scale_max is {} but the groups without bonus add up to {scale_sum}",
                    self.scale_max
                ),
            ));
        }
        Ok(())
    }

    fn check_knockouts(&self) -> Result<(), Problem> {
        let mut sample_rule = None;
        for (i, knockout) in self.knockouts.iter().enumerate() {
            let at = format!("knockouts[{i}]");
            match knockout {
                Knockout::CriterionBelow { criterion, min } => {
                    let Some(node) = self.node(criterion) else {
                        return Err(Problem::new(
                            format!("{at}.criterion"),
                            format!(
                                "no group, criterion or sub-criterion has the id `{criterion}`"
                            ),
                        ));
                    };
                    if *min == Points::ZERO || *min > node.max() {
                        return Err(Problem::new(
                            format!("{at}.min"),
                            format!(
                                "min must be above 0 and at most the max of `{criterion}` ({})",
                                node.max()
                            ),
                        ));
                    }
                }
                Knockout::InsufficientSample => {
                    if let Some(first) = sample_rule.replace(i) {
                        return Err(Problem::new(
                            format!("{at}.kind"),
                            format!("insufficient_sample is already listed as knockouts[{first}]"),
                        ));
                    }
                    if !self.leaves().iter().any(|l| {
                        matches!(
                            l.source,
                            Source::CitizenSurvey(_) | Source::IndependentSurvey(_)
                        )
                    }) {
                        return Err(Problem::new(
                            format!("{at}.kind"),
                            "insufficient_sample needs at least one citizen_survey or \
                             independent_survey leaf",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn check_max(max: Points, at: &str) -> Result<(), Problem> {
    if max == Points::ZERO {
        return Err(Problem::new(format!("{at}.max"), "max must be above 0"));
    }
    Ok(())
}

fn check_source(
    source: &Source,
    max: Points,
    bonus_group: bool,
    at: &str,
    definitions: &Definitions,
) -> Result<(), Problem> {
    let at = format!("{at}.source");
    if source.is_bonus() != bonus_group {
        return Err(Problem::new(
            format!("{at}.kind"),
            "a group holds either only bonus leaves or none: bonus points are added on top of \
             the scale, the other groups make up scale_max",
        ));
    }
    match source {
        Source::SelfAssessment { .. } => Ok(()),
        Source::Imported { import_max } => {
            if *import_max == Points::ZERO {
                return Err(Problem::new(
                    format!("{at}.import_max"),
                    "import_max must be above 0",
                ));
            }
            Ok(())
        }
        Source::Bonus { cap, .. } => {
            if *cap == Points::ZERO || *cap > max {
                return Err(Problem::new(
                    format!("{at}.cap"),
                    format!("cap must be above 0 and at most the leaf's max ({max})"),
                ));
            }
            Ok(())
        }
        Source::CitizenSurvey(citizen) => check_citizen(citizen, max, &at, definitions),
        Source::IndependentSurvey(independent) => {
            if !is_slug(&independent.survey, |c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
            }) {
                return Err(Problem::new(
                    format!("{at}.survey"),
                    "survey must be non-empty and use only a-z, 0-9 and -",
                ));
            }
            if independent.min_responses == 0 {
                return Err(Problem::new(
                    format!("{at}.min_responses"),
                    "min_responses must be 1 or more: no share can be computed from 0 answers",
                ));
            }
            check_rule(&independent.rule, max, &at)
        }
    }
}

fn check_citizen(
    citizen: &CitizenSurvey,
    max: Points,
    at: &str,
    definitions: &Definitions,
) -> Result<(), Problem> {
    let versions: Vec<_> = definitions
        .surveys()
        .filter(|s| s.id == citizen.survey)
        .collect();
    if versions.is_empty() {
        let known: BTreeSet<_> = definitions.surveys().map(|s| s.id.as_str()).collect();
        return Err(Problem::new(
            format!("{at}.survey"),
            format!(
                "no survey `{}` is defined; surveys: {}",
                citizen.survey,
                known.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let selection_at = match citizen.selection {
        Selection::Questions(_) => format!("{at}.questions"),
        Selection::Sipas(_) | Selection::SipasAll => format!("{at}.sipas"),
    };
    if citizen.questions.is_empty() {
        return Err(Problem::new(
            selection_at,
            "at least one question is needed",
        ));
    }
    for (i, id) in citizen.questions.iter().enumerate() {
        let question_at = match citizen.selection {
            Selection::Questions(_) => format!("{selection_at}[{i}]"),
            _ => selection_at.clone(),
        };
        if citizen.questions[..i].contains(id) {
            return Err(Problem::new(
                question_at,
                format!("question `{id}` is listed twice"),
            ));
        }
        let Some(question) = versions.iter().find_map(|s| s.question(id)) else {
            return Err(Problem::new(
                question_at,
                format!(
                    "survey `{}` has no question `{id}`; its questions are: {}",
                    citizen.survey,
                    question_ids(&versions).join(", ")
                ),
            ));
        };
        if question.kind != QuestionKind::Satisfaction5 {
            return Err(Problem::new(
                question_at,
                format!(
                    "question `{id}` is a {} question; only satisfaction5 answers can be scored",
                    question.kind.key()
                ),
            ));
        }
    }
    if citizen.min_responses == 0 {
        return Err(Problem::new(
            format!("{at}.min_responses"),
            "min_responses must be 1 or more: no share can be computed from 0 answers",
        ));
    }
    check_rule(&citizen.rule, max, at)
}

/// The rules of a linear or banded rule on a leaf of `max` points.
fn check_rule(rule: &Rule, max: Points, at: &str) -> Result<(), Problem> {
    match rule {
        Rule::Linear { from, to } => {
            if from >= to {
                return Err(Problem::new(
                    format!("{at}.rule.to"),
                    format!(
                        "to ({}) must be above from ({})",
                        to.as_f64(),
                        from.as_f64()
                    ),
                ));
            }
        }
        Rule::Bands { bands } => {
            if bands.is_empty() {
                return Err(Problem::new(
                    format!("{at}.rule.bands"),
                    "at least one band is needed",
                ));
            }
            for (i, band) in bands.iter().enumerate() {
                let band_at = format!("{at}.rule.bands[{i}]");
                if band.points > max {
                    return Err(Problem::new(
                        format!("{band_at}.points"),
                        format!("points ({}) are above the leaf's max ({max})", band.points),
                    ));
                }
                if let Some(previous) = i.checked_sub(1).map(|p| bands[p]) {
                    if band.min >= previous.min {
                        return Err(Problem::new(
                            format!("{band_at}.min"),
                            format!(
                                "bands go from the highest min down without overlap: {} must \
                                 be below the {} of bands[{}]",
                                band.min.as_f64(),
                                previous.min.as_f64(),
                                i - 1
                            ),
                        ));
                    }
                    // A better result must never earn fewer points.
                    if band.points > previous.points {
                        return Err(Problem::new(
                            format!("{band_at}.points"),
                            format!(
                                "a lower band cannot earn more points ({}) than the band above \
                                 it ({})",
                                band.points, previous.points
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn question_ids(versions: &[&crate::Survey]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for survey in versions.iter().rev() {
        for q in &survey.questions {
            if !ids.contains(&q.id) {
                ids.push(q.id.clone());
            }
        }
    }
    ids
}

/// The questions of `survey` that feed `element`, in survey order (latest version first, then
/// questions only older versions had); the loader turns `sipas = [...]` into question ids.
pub(crate) fn sipas_questions(
    definitions: &Definitions,
    survey: &str,
    element: SipasElement,
) -> Vec<String> {
    let versions: Vec<_> = definitions.surveys().filter(|s| s.id == survey).collect();
    let mut ids = Vec::new();
    for version in versions.iter().rev() {
        for q in &version.questions {
            if q.feeds == crate::Feeds::Sipas(element) && !ids.contains(&q.id) {
                ids.push(q.id.clone());
            }
        }
    }
    ids
}

fn check_historical(historical: &Historical, period: &Period) -> Result<(), Problem> {
    if !crate::date::is_iso_date(&historical.valid_until) {
        return Err(Problem::new(
            "historical.valid_until",
            format!(
                "`{}` is not a date in the form YYYY-MM-DD",
                historical.valid_until
            ),
        ));
    }
    // A set that ended before its period began was never in force.
    if historical.valid_until <= period.from {
        return Err(Problem::new(
            "historical.valid_until",
            format!(
                "valid_until ({}) must be after period.from ({})",
                historical.valid_until, period.from
            ),
        ));
    }
    check_text(&historical.reason, "historical.reason")
}

fn check_period(period: &Period) -> Result<(), Problem> {
    for (key, date) in [("from", &period.from), ("to", &period.to)] {
        if !crate::date::is_iso_date(date) {
            return Err(Problem::new(
                format!("period.{key}"),
                format!("`{date}` is not a date in the form YYYY-MM-DD"),
            ));
        }
    }
    if period.to <= period.from {
        return Err(Problem::new(
            "period.to",
            format!(
                "to ({}) must be after from ({}); to is the first day no longer included",
                period.to, period.from
            ),
        ));
    }
    Ok(())
}

/// Node and grade ids: they appear in URLs, storage and `criterion.<id>` survey feeds, so they
/// use the same characters as those feeds and start with a letter or digit.
fn check_id(id: &str, at: &str) -> Result<(), Problem> {
    let well_formed = id
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'));
    if !well_formed {
        return Err(Problem::new(
            at,
            format!("id `{id}` must start with a-z or 0-9 and use only a-z, 0-9, _, - and ."),
        ));
    }
    Ok(())
}

/// Reads `<dir>/criteria/*.toml` (sorted by name), parses each and checks it against the
/// surveys in `definitions`.
///
/// Stops at the first broken file, like [`load_dir`](crate::load_dir). Names starting with `.`
/// are skipped; a missing or empty directory is an error, and so are two files with the same
/// `(id, version)`.
pub fn load_criteria_dir(
    dir: &Path,
    definitions: &Definitions,
) -> Result<Vec<CriteriaSet>, crate::DefinitionError> {
    use crate::DefinitionError;

    let paths = crate::definitions::toml_files(&dir.join("criteria"), "criteria")?;
    let mut sets: Vec<(CriteriaSet, String)> = Vec::with_capacity(paths.len());
    for path in paths {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| DefinitionError::whole_file(file.clone(), e.to_string()))?;
        let set = parse_criteria(&file, &text, definitions)?;
        if let Some((_, first)) = sets
            .iter()
            .find(|(s, _)| s.id == set.id && s.version == set.version)
        {
            return Err(DefinitionError {
                file,
                line: None,
                field: Some("version".to_owned()),
                message: format!(
                    "criteria set `{}` version {} is already defined by {first}; a changed set \
                     needs a higher version",
                    set.id, set.version
                ),
            });
        }
        sets.push((set, file));
    }
    Ok(sets.into_iter().map(|(set, _)| set).collect())
}

#[cfg(test)]
mod tests;
