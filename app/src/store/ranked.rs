//! The one way a stored score run is read: every commune of the run in ranking order with its
//! ranks and headline citizen figure, and one commune's report. The ranking page, the report
//! page, the scores export and `hailong score` all read through here, so they cannot disagree.
//!
//! A stored report that does not read back is an error, never a commune left out: a ranking
//! that is silently one commune shorter would publish wrong places for everyone below it.

use std::collections::{BTreeMap, HashMap};

use scoring::{CitizenResult, GradeResult, NodeResult, Points, Report};

use crate::store::assessments::{ScoreResultRow, ScoreRunRow};
use crate::store::{Store, StoreError};

/// A stored run read in full: its header and every commune in ranking order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankedRun {
    pub run: ScoreRunRow,
    /// Ranked communes by place (then code), then the communes left out of the ranking.
    pub rows: Vec<RankedCommune>,
}

/// One commune of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankedCommune {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub district_id: Option<i64>,
    pub district_code: Option<String>,
    pub district_name: Option<String>,
    /// Place among every commune of the run, by `scoring::rank`: equal totals share a place and
    /// the next place is skipped (1, 2, 2, 4). `None`: left out, its citizen sample is below the
    /// minimum.
    pub rank: Option<u32>,
    /// Place among the communes of the same district, by the same rule.
    pub rank_in_district: Option<u32>,
    pub total: Points,
    pub passed: bool,
    /// The grade (the stars of a star regime); `None` below every grade or after a knock-out.
    pub grade: Option<GradeResult>,
    /// Whether every citizen leaf reached its minimum sample (only these are ranked).
    pub sufficient: bool,
    /// The headline citizen figure, by [`headline`].
    pub headline: Option<CitizenResult>,
    /// The full explained report, for the figures a reader needs beyond these.
    pub report: Report,
}

/// The headline satisfaction figure of a report: the first citizen leaf (depth first, in the
/// criteria set's order) whose questions include `overall`, else the first citizen leaf. The
/// overall question is what a citizen answers about the desk as a whole, so it speaks for the
/// commune even when a set lists its SIPAS leaf first.
pub fn headline(report: &Report) -> Option<&CitizenResult> {
    fn walk<'a>(node: &'a NodeResult, out: &mut Vec<&'a CitizenResult>) {
        if let Some(c) = node.leaf.as_ref().and_then(|l| l.citizen.as_ref()) {
            out.push(c);
        }
        for child in &node.children {
            walk(child, out);
        }
    }
    let mut leaves = Vec::new();
    for group in &report.groups {
        walk(group, &mut leaves);
    }
    leaves
        .iter()
        .find(|c| c.questions.iter().any(|q| q == "overall"))
        .or(leaves.first())
        .copied()
}

/// The stored report of one result; unreadable is `StoreError::Inconsistent` naming the commune
/// and the run.
fn read_report(run_id: i64, result: &ScoreResultRow) -> Result<Report, StoreError> {
    serde_json::from_str(&result.report_json).map_err(|e| {
        StoreError::Inconsistent(format!(
            "score run {run_id}, commune {}: the stored report does not read: {e}",
            result.unit_code
        ))
    })
}

/// Ranks the results of `run`: province places over every result, district places within each
/// district.
pub fn rank_results(
    run: ScoreRunRow,
    results: Vec<ScoreResultRow>,
) -> Result<RankedRun, StoreError> {
    let reports = results
        .iter()
        .map(|r| read_report(run.id, r))
        .collect::<Result<Vec<_>, _>>()?;
    let mut by_district: BTreeMap<Option<i64>, Vec<Report>> = BTreeMap::new();
    for (r, report) in results.iter().zip(&reports) {
        by_district
            .entry(r.district_id)
            .or_default()
            .push(report.clone());
    }
    let in_district: HashMap<String, Option<u32>> = by_district
        .values()
        .flat_map(|reports| scoring::rank(reports))
        .map(|e| (e.unit, e.rank))
        .collect();
    let mut pairs: HashMap<String, (ScoreResultRow, Report)> = results
        .into_iter()
        .zip(reports.iter().cloned())
        .map(|(r, report)| (r.unit_code.clone(), (r, report)))
        .collect();
    let mut rows = Vec::with_capacity(pairs.len());
    for entry in scoring::rank(&reports) {
        let Some((r, report)) = pairs.remove(&entry.unit) else {
            return Err(StoreError::Inconsistent(format!(
                "score run {}: commune {} appears twice or under another code in its report",
                run.id, entry.unit
            )));
        };
        rows.push(RankedCommune {
            unit_id: r.unit_id,
            code: r.unit_code,
            name: r.unit_name,
            district_id: r.district_id,
            district_code: r.district_code,
            district_name: r.district_name,
            rank: entry.rank,
            rank_in_district: in_district.get(&entry.unit).copied().flatten(),
            total: report.total,
            passed: report.passed,
            grade: report.grade.clone(),
            sufficient: report.citizen_sample_sufficient(),
            headline: headline(&report).cloned(),
            report,
        });
    }
    Ok(RankedRun { run, rows })
}

/// Every commune of run `run_id`, ranked; `None` when there is no such run.
pub async fn ranked_run(store: &Store, run_id: i64) -> Result<Option<RankedRun>, StoreError> {
    let Some(run) = store.score_run(run_id).await? else {
        return Ok(None);
    };
    let results = store.score_results(run.id, None).await?;
    rank_results(run, results).map(Some)
}

/// The newest run of each criteria set, ranked, kept after its first read for the pages that
/// show one commune's place on every load (the dashboard). A stored run never changes (its
/// results are inserted with it and never updated), so a kept run is stale only once a newer
/// run exists, which the one-row query for the newest run's header tells.
#[derive(Debug, Default)]
pub struct RankedRuns(std::sync::Mutex<HashMap<String, std::sync::Arc<RankedRun>>>);

impl RankedRuns {
    /// [`latest_ranked_run`], read from the database only when the newest run is not the one
    /// kept.
    pub async fn latest(
        &self,
        store: &Store,
        criteria_id: &str,
    ) -> Result<Option<std::sync::Arc<RankedRun>>, StoreError> {
        let Some(run) = store.latest_score_run(criteria_id).await? else {
            return Ok(None);
        };
        let kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(criteria_id)
            .filter(|kept| kept.run == run)
            .cloned();
        if let Some(kept) = kept {
            return Ok(Some(kept));
        }
        let results = store.score_results(run.id, None).await?;
        let ranked = std::sync::Arc::new(rank_results(run, results)?);
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(criteria_id.to_string(), ranked.clone());
        Ok(Some(ranked))
    }
}

/// Every commune of the newest run under `criteria_id`, ranked; `None` before the first run.
pub async fn latest_ranked_run(
    store: &Store,
    criteria_id: &str,
) -> Result<Option<RankedRun>, StoreError> {
    let Some(run) = store.latest_score_run(criteria_id).await? else {
        return Ok(None);
    };
    let results = store.score_results(run.id, None).await?;
    rank_results(run, results).map(Some)
}

/// The commune's report in the newest run under `criteria_id`, with that run; `None` before the
/// first run or when the run did not score the commune (it was not in force then).
pub async fn latest_commune_report(
    store: &Store,
    criteria_id: &str,
    unit_id: i64,
) -> Result<Option<(ScoreRunRow, Report)>, StoreError> {
    let Some(run) = store.latest_score_run(criteria_id).await? else {
        return Ok(None);
    };
    let Some(result) = store
        .score_results(run.id, Some(unit_id))
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let report = read_report(run.id, &result)?;
    Ok(Some((run, report)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> ScoreRunRow {
        ScoreRunRow {
            id: 7,
            criteria_id: "set".into(),
            criteria_version: 1,
            survey_versions: String::new(),
            period_from: "2026-01-01".into(),
            period_to: "2027-01-01".into(),
            communes: 1,
            run_hash: String::new(),
            created_by: "test".into(),
            created_at: 0,
        }
    }

    fn result(code: &str, report_json: &str) -> ScoreResultRow {
        ScoreResultRow {
            unit_id: 1,
            unit_code: code.into(),
            unit_name: "Xã".into(),
            district_id: None,
            district_code: None,
            district_name: None,
            total: 0,
            passed: 0,
            grade: None,
            sufficient: 0,
            input_hash: String::new(),
            output_hash: String::new(),
            input_json: String::new(),
            report_json: report_json.into(),
        }
    }

    #[test]
    fn an_unreadable_report_is_an_error_naming_the_commune_and_the_run() {
        let error = rank_results(run(), vec![result("25195", "{not json")]).unwrap_err();

        let StoreError::Inconsistent(message) = error else {
            panic!("an inconsistency: {error:?}");
        };
        assert!(message.contains("score run 7"), "{message}");
        assert!(message.contains("commune 25195"), "{message}");
    }

    #[test]
    fn a_run_without_results_ranks_nothing() {
        let ranked = rank_results(run(), Vec::new()).unwrap();

        assert!(ranked.rows.is_empty());
    }
}
