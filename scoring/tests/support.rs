//! Fixtures: the shipped surveys and criteria sets, a small criteria set shaped for edge cases,
//! and builders for inputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use scoring::{
    Appraised, CriteriaSet, ImportedScore, Points, ScoringInput, SelfAssessed, SurveyTally,
};
use survey_definitions::{load_criteria_dir, load_dir, parse_criteria, Definitions};

/// A set with one leaf of every kind:
/// `self` (30): `self.plan` 10 (evidence required), `self.desk` 5 (optional), `self.par` 15
/// imported from 0–100; `citizens` (70): `citizens.overall` 40, linear 70%→95% on `overall`,
/// min 30, insufficient below; `citizens.sipas` 30, bands on the five SIPAS elements, min 30,
/// zero below; `bonus` (5): `bonus.initiatives` 5, cap 3. Grades a ≥ 95, b ≥ 80, c ≥ 0; pass
/// at 80; no knock-outs (tests add them).
pub const FIXTURE: &str = r#"id = "fixture"
version = 1
name = { vi = "Bộ tiêu chí thử", en = "Test criteria" }
period = { from = "2025-01-01", to = "2026-01-01" }
scale_max = 100
pass_threshold = 80
grades = [
  { id = "a", min = 95, label = { vi = "Loại A", en = "Grade A" } },
  { id = "b", min = 80, label = { vi = "Loại B", en = "Grade B" } },
  { id = "c", min = 0, label = { vi = "Loại C", en = "Grade C" } },
]
knockouts = []

[[groups]]
id = "self"
name = { vi = "Tự đánh giá", en = "Self-assessed" }
max = 30

[[groups.criteria]]
id = "self.plan"
name = { vi = "Kế hoạch", en = "Plan" }
max = 10
source = { kind = "self_assessment", evidence = "required" }

[[groups.criteria]]
id = "self.desk"
name = { vi = "Bộ phận một cửa", en = "Desk" }
max = 5
source = { kind = "self_assessment", evidence = "optional" }

[[groups.criteria]]
id = "self.par"
name = { vi = "Chỉ số CCHC", en = "PAR index" }
max = 15
source = { kind = "imported", import_max = 100 }

[[groups]]
id = "citizens"
name = { vi = "Người dân hài lòng", en = "Citizens satisfied" }
max = 70

[[groups.criteria]]
id = "citizens.overall"
name = { vi = "Hài lòng chung", en = "Overall" }
max = 40
source.kind = "citizen_survey"
source.survey = "one-stop-desk"
source.questions = ["overall"]
source.metric = "satisfied_share"
source.rule = { kind = "linear", from = 0.70, to = 0.95 }
source.min_responses = 30
source.below_min = "insufficient"

[[groups.criteria]]
id = "citizens.sipas"
name = { vi = "Năm yếu tố SIPAS", en = "Five SIPAS elements" }
max = 30
source.kind = "citizen_survey"
source.survey = "one-stop-desk"
source.sipas = "all"
source.metric = "satisfied_share"
source.rule.kind = "bands"
source.rule.bands = [
  { min = 0.95, points = 30 },
  { min = 0.90, points = 25 },
  { min = 0.80, points = 15 },
]
source.min_responses = 30
source.below_min = "zero"

[[groups]]
id = "bonus"
name = { vi = "Điểm cộng", en = "Bonus" }
max = 5

[[groups.criteria]]
id = "bonus.initiatives"
name = { vi = "Sáng kiến", en = "Initiatives" }
max = 5
source = { kind = "bonus", cap = 3, evidence = "optional" }
"#;

/// The directory holding `surveys/` and `criteria/`.
pub fn definitions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../survey-definitions")
}

/// The shipped surveys.
pub fn definitions() -> &'static Definitions {
    static DEFINITIONS: OnceLock<Definitions> = OnceLock::new();
    DEFINITIONS.get_or_init(|| load_dir(&definitions_dir()).expect("the shipped surveys load"))
}

/// The edge-case fixture set.
pub fn fixture() -> CriteriaSet {
    parse_criteria("fixture.toml", FIXTURE, definitions()).expect("the fixture is valid")
}

/// A shipped criteria set, by id.
pub fn shipped(id: &str) -> CriteriaSet {
    static SETS: OnceLock<Vec<CriteriaSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        load_criteria_dir(&definitions_dir(), definitions())
            .expect("the shipped criteria sets load")
    })
    .iter()
    .find(|set| set.id == id)
    .cloned()
    .unwrap_or_else(|| panic!("no shipped criteria set `{id}`"))
}

/// A shipped what-if example from `scoring/examples/`.
pub fn example(file: &str) -> ScoringInput {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("example file");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn points(value: f64) -> Points {
    Points::from_decimal(value).expect("a valid number of points")
}

/// Answers to the default survey: `responses` submissions, counts per question.
pub fn desk(responses: u64, answers: &[(&str, [u64; 5])]) -> BTreeMap<String, SurveyTally> {
    let tally = SurveyTally {
        responses,
        answers: answers
            .iter()
            .map(|(q, counts)| ((*q).to_owned(), *counts))
            .collect(),
    };
    [("one-stop-desk".to_owned(), tally)].into()
}

/// `n` answers to every satisfaction question of the default survey, `satisfied` of them 5 and
/// the rest 2.
pub fn all_questions(n: u64, satisfied: u64) -> BTreeMap<String, SurveyTally> {
    let counts = [0, n - satisfied, 0, 0, satisfied];
    desk(
        n,
        &[
            ("overall", counts),
            ("access", counts),
            ("procedures", counts),
            ("civil_servants", counts),
            ("results", counts),
            ("feedback", counts),
        ],
    )
}

pub fn unit() -> ScoringInput {
    ScoringInput {
        unit: "25216".to_owned(),
        ..ScoringInput::default()
    }
}

pub fn own(points_value: f64, evidence: bool) -> SelfAssessed {
    SelfAssessed {
        points: points(points_value),
        evidence,
        note: None,
    }
}

pub fn appraisal(points_value: f64, reason: &str) -> Appraised {
    Appraised {
        points: points(points_value),
        reason: reason.to_owned(),
    }
}

pub fn imported(score: f64) -> ImportedScore {
    ImportedScore {
        score: points(score),
        from: None,
    }
}

/// The node with this id anywhere in the report.
pub fn node<'a>(report: &'a scoring::Report, id: &str) -> &'a scoring::NodeResult {
    fn find<'a>(nodes: &'a [scoring::NodeResult], id: &str) -> Option<&'a scoring::NodeResult> {
        nodes.iter().find_map(|n| {
            if n.id == id {
                Some(n)
            } else {
                find(&n.children, id)
            }
        })
    }
    find(&report.groups, id).unwrap_or_else(|| panic!("no node `{id}`"))
}

/// The leaf details of the node with this id.
pub fn leaf<'a>(report: &'a scoring::Report, id: &str) -> &'a scoring::LeafResult {
    node(report, id).leaf.as_ref().expect("a leaf")
}
