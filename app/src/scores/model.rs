//! Wire types of the ranking and report pages: what crosses to the browser.

use serde::{Deserialize, Serialize};

use crate::assessment::api::CriteriaChoice;
use crate::domain::dossier::State;
use crate::domain::roles::Me;

/// A commune's explained score: from the latest stored run, or computed now when there is none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub me: Me,
    pub commune_name: String,
    pub district_name: String,
    pub criteria: CriteriaChoice,
    pub choices: Vec<CriteriaChoice>,
    /// The run the report comes from (`None`: computed now, provisional).
    pub run: Option<RunView>,
    pub report: scoring::Report,
    pub state: Option<State>,
    /// The desk's share far above the province's own survey, as the flag says it.
    #[serde(default)]
    pub steering: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    pub id: i64,
    pub when: String,
    pub by: String,
    pub survey_versions: String,
    pub criteria_version: i64,
    pub run_hash: String,
    pub communes: i64,
}

/// One commune in the ranking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingRow {
    /// Place among every commune of the run (the same place the export and `hailong score`
    /// give), `None` when the citizen sample is below the minimum.
    pub rank: Option<u32>,
    pub commune_code: String,
    pub commune_name: String,
    pub district_code: String,
    pub district_name: String,
    pub total: String,
    /// For sorting: total in hundredths, satisfied share in ten-thousandths.
    pub total_hundredths: u64,
    /// Sum of the commune's own points, and of the appraised points (leaves appraised so far);
    /// `—` when no leaf has any, so an appraisal not started does not read as 0 points.
    pub self_assessed: String,
    pub appraised: String,
    pub grade_id: Option<String>,
    pub grade: Option<String>,
    pub passed: bool,
    pub sufficient: bool,
    /// The headline satisfied share (`store::ranked::headline`) and its 95% interval, e.g.
    /// `86,2% (81,0–90,1%)`, and n.
    pub satisfaction: String,
    pub share: Option<u32>,
    pub sample: u64,
    /// The previous period's total and the change, e.g. (`78,5`, `+4,2`).
    pub previous: Option<(String, String, i64)>,
    /// The desk's share far above the province's own survey, as the flag says it.
    #[serde(default)]
    pub steering: Option<String>,
    /// The self-assessment dossier's state now (`Đã gửi, chờ thẩm định`), or that there is none.
    #[serde(default)]
    pub dossier: String,
}

/// The province view's filters and sort, as in the page's query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingFilter {
    pub district: Option<String>,
    pub grade: Option<String>,
    /// `sufficient` or `insufficient`.
    pub sample: Option<String>,
    /// `rank` (default), `total`, `satisfaction`, `name`, `change`.
    pub sort: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankingView {
    pub me: Me,
    pub criteria: CriteriaChoice,
    pub choices: Vec<CriteriaChoice>,
    pub run: Option<RunView>,
    /// The previous period compared with, if it has a run.
    pub previous: Option<CriteriaChoice>,
    pub rows: Vec<RankingRow>,
    /// Communes in the run visible to the user before filtering, and how many are ranked.
    pub total_rows: usize,
    pub ranked: usize,
    pub districts: Vec<(String, String)>,
    pub grades: Vec<(String, String)>,
    pub filter: RankingFilter,
    pub can_run: bool,
}
