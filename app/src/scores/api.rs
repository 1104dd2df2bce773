//! Server functions of the report and ranking pages: who asks and what they may see, then the
//! stored run read through `store::ranked`.

use leptos::prelude::*;

use crate::domain::roles::Access;
use crate::error::AppError;
use crate::scores::model::{RankingFilter, RankingView, ReportView};

#[cfg(feature = "ssr")]
use crate::accounts::api::request_user;
#[cfg(feature = "ssr")]
use crate::state::AppState;

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use std::collections::BTreeMap;

    use survey_definitions::criteria::CriteriaSet;
    use survey_definitions::Lang;

    use crate::assessment::api::{choice, my_unit, open_dossier, refuse};
    use crate::domain::roles::{Access, Me, Role};
    use crate::error::AppError;
    use crate::scores::model::{RankingFilter, RankingRow, RankingView, ReportView, RunView};
    use crate::state::AppState;
    use crate::store::assessments::ScoreRunRow;
    use crate::store::ranked::{self, RankedCommune};

    pub(super) fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::internal("scores", e)
    }

    pub fn run_view(run: &ScoreRunRow) -> RunView {
        RunView {
            id: run.id,
            when: crate::clock::display(run.created_at),
            by: run.created_by.clone(),
            survey_versions: run.survey_versions.clone(),
            criteria_version: run.criteria_version,
            run_hash: run.run_hash.clone(),
            communes: run.communes,
        }
    }

    /// Formats a share as a percentage with a decimal comma: `86,2%`.
    pub fn percent(share: scoring::Share) -> String {
        share.percent(Lang::Vi)
    }

    /// The report page of `commune` (default: the user's own) under `criteria`: the stored report
    /// of the latest run, or one computed now (provisional) when no run scored the commune.
    pub async fn report_view(
        state: &AppState,
        me: Me,
        commune: Option<&str>,
        criteria: Option<&str>,
    ) -> Result<Access<ReportView>, AppError> {
        let dossier = match open_dossier(state, &me, commune, criteria).await? {
            Ok(d) => d,
            Err(refusal) => return Ok(refuse(refusal)),
        };
        let set = dossier.set;
        let stored = ranked::latest_commune_report(&state.store, &set.id, dossier.commune.id)
            .await
            .map_err(internal)?;
        let (run, report) = match stored {
            Some((run, report)) => (Some(run_view(&run)), report),
            None => {
                let report = crate::scores::runs::score_commune(
                    &state.store,
                    set,
                    dossier.commune.id,
                    &dossier.commune.code,
                )
                .await
                .map_err(internal)?;
                (None, report)
            }
        };
        let steering = match state
            .definitions
            .latest(survey_definitions::DEFAULT_SURVEY_ID)
        {
            Some(survey) => {
                crate::independent::comparisons(&state.store, survey, dossier.commune.id)
                    .await
                    .map_err(internal)?
                    .iter()
                    .find(|c| c.steering())
                    .map(|c| {
                        let t = c.text(Lang::Vi);
                        format!(
                            "{} Tại quầy {} (n = {}), khảo sát của tỉnh {} (n = {}), {}.",
                            t.note, t.desk_share, t.desk_rated, t.share, t.sample, t.period
                        )
                    })
            }
            None => None,
        };
        Ok(Access::Granted(ReportView {
            steering,
            me,
            commune_name: dossier.commune.name,
            district_name: dossier.commune.district_name.unwrap_or_default(),
            criteria: choice(state, set),
            choices: state.criteria.iter().map(|s| choice(state, s)).collect(),
            run,
            report,
            state: Some(dossier.assessment.state().map_err(internal)?),
        }))
    }

    /// The latest totals of the period before `set`'s (the set in force just before it), by
    /// commune code, with that period; empty when it has no run.
    async fn previous_totals<'a>(
        state: &'a AppState,
        set: &CriteriaSet,
    ) -> Result<(BTreeMap<String, u64>, Option<&'a CriteriaSet>), AppError> {
        let Some(prev) = state
            .criteria
            .iter()
            .filter(|s| s.period.from < set.period.from)
            .max_by(|a, b| a.period.from.cmp(&b.period.from))
        else {
            return Ok((BTreeMap::new(), None));
        };
        let Some(run) = state
            .store
            .latest_score_run(&prev.id)
            .await
            .map_err(internal)?
        else {
            return Ok((BTreeMap::new(), None));
        };
        let totals = state
            .store
            .score_results(run.id, None)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|r| (r.unit_code, u64::try_from(r.total).unwrap_or(0)))
            .collect();
        Ok((totals, Some(prev)))
    }

    /// One commune of the read model as the page shows it.
    /// The communes whose desk share is far above the province's own survey, with the first
    /// such comparison written for the province view.
    async fn steering_flags(
        state: &AppState,
    ) -> Result<std::collections::HashMap<i64, String>, AppError> {
        let Some(survey) = state
            .definitions
            .latest(survey_definitions::DEFAULT_SURVEY_ID)
        else {
            return Ok(Default::default());
        };
        let units: std::collections::BTreeSet<i64> = state
            .store
            .independent_figures(None)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|r| r.unit_id)
            .collect();
        let mut flags = std::collections::HashMap::new();
        for unit in units {
            let comparisons = crate::independent::comparisons(&state.store, survey, unit)
                .await
                .map_err(internal)?;
            if let Some(c) = comparisons.iter().find(|c| c.steering()) {
                let t = c.text(Lang::Vi);
                flags.insert(
                    unit,
                    format!(
                        "Tại quầy {} (n = {}), khảo sát của tỉnh {} (n = {}), {}",
                        t.desk_share, t.desk_rated, t.share, t.sample, t.period
                    ),
                );
            }
        }
        Ok(flags)
    }

    fn ranking_row(row: &RankedCommune, before: Option<u64>) -> RankingRow {
        let nodes = nodes(&row.report);
        let sum = |pick: &dyn Fn(&scoring::LeafResult) -> Option<scoring::Points>| {
            let points: Vec<scoring::Points> = nodes
                .iter()
                .filter_map(|n| n.leaf.as_ref().and_then(pick))
                .collect();
            if points.is_empty() {
                "—".to_string()
            } else {
                points.into_iter().sum::<scoring::Points>().format(Lang::Vi)
            }
        };
        let (satisfaction, share, sample) = match &row.headline {
            Some(c) => (
                match (c.satisfied_share, c.wilson_95) {
                    (Some(share), Some(ci)) => format!(
                        "{} ({}–{})",
                        percent(share),
                        percent(ci.low),
                        percent(ci.high)
                    ),
                    _ => "—".into(),
                },
                c.satisfied_share.map(|s| s.ten_thousandths()),
                c.sample,
            ),
            None => ("—".into(), None, 0),
        };
        let total = row.total.hundredths();
        let previous = before.map(|before| {
            let change = total as i64 - before as i64;
            let magnitude = scoring::Points::from_hundredths(change.unsigned_abs())
                .unwrap_or_default()
                .format(Lang::Vi);
            let sign = match change.signum() {
                1 => "+",
                -1 => "−",
                _ => "±",
            };
            (
                scoring::Points::from_hundredths(before)
                    .unwrap_or_default()
                    .format(Lang::Vi),
                format!("{sign}{magnitude}"),
                change,
            )
        });
        RankingRow {
            rank: row.rank,
            commune_code: row.code.clone(),
            commune_name: row.name.clone(),
            district_code: row.district_code.clone().unwrap_or_default(),
            district_name: row.district_name.clone().unwrap_or_default(),
            total: row.total.format(Lang::Vi),
            total_hundredths: total,
            self_assessed: sum(&|l| l.self_assessed.as_ref().map(|s| s.points)),
            appraised: sum(&|l| l.appraised.as_ref().map(|a| a.points)),
            grade_id: row.grade.as_ref().map(|g| g.id.clone()),
            grade: row.grade.as_ref().map(|g| g.label.vi.clone()),
            steering: None,
            dossier: String::new(),
            passed: row.passed,
            sufficient: row.sufficient,
            satisfaction,
            share,
            sample,
            previous,
        }
    }

    /// The province view for `me` (a province admin or district reviewer): every commune of the
    /// latest run it may see, with its place in the whole run, filtered and sorted as asked.
    pub async fn ranking_view(
        state: &AppState,
        me: Me,
        set: &CriteriaSet,
        filter: RankingFilter,
    ) -> Result<RankingView, AppError> {
        let unit = my_unit(state, &me).await?;
        let ranked = ranked::latest_ranked_run(&state.store, &set.id)
            .await
            .map_err(internal)?;
        let (previous_totals, previous_set) = previous_totals(state, set).await?;
        let mut steering = steering_flags(state).await?;
        let mut dossiers = std::collections::HashMap::new();
        for dossier in state
            .store
            .assessments_of(&set.id)
            .await
            .map_err(internal)?
        {
            dossiers.insert(dossier.unit_id, dossier.state().map_err(internal)?);
        }
        let mut rows = Vec::new();
        let mut districts = BTreeMap::new();
        for row in ranked.iter().flat_map(|r| &r.rows) {
            if !crate::accounts::auth::may_see_commune(&me, unit, row.unit_id, row.district_id) {
                continue;
            }
            districts.insert(
                row.district_code.clone().unwrap_or_default(),
                row.district_name.clone().unwrap_or_default(),
            );
            let mut ranking = ranking_row(row, previous_totals.get(&row.code).copied());
            ranking.steering = steering.remove(&row.unit_id);
            ranking.dossier = dossiers
                .get(&row.unit_id)
                .map_or("Chưa lập hồ sơ", |s| s.label(Lang::Vi))
                .to_string();
            rows.push(ranking);
        }
        let total_rows = rows.len();
        let ranked_rows = rows.iter().filter(|r| r.rank.is_some()).count();
        let wanted = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        if let Some(district) = wanted(&filter.district) {
            rows.retain(|r| r.district_code == district);
        }
        if let Some(grade) = wanted(&filter.grade) {
            rows.retain(|r| r.grade_id.as_deref() == Some(grade.as_str()));
        }
        match wanted(&filter.sample).as_deref() {
            Some("sufficient") => rows.retain(|r| r.sufficient),
            Some("insufficient") => rows.retain(|r| !r.sufficient),
            _ => {}
        }
        match wanted(&filter.sort).as_deref() {
            Some("total") => rows.sort_by_key(|r| std::cmp::Reverse(r.total_hundredths)),
            Some("satisfaction") => rows.sort_by_key(|r| std::cmp::Reverse(r.share)),
            Some("name") => rows.sort_by(|a, b| a.commune_name.cmp(&b.commune_name)),
            Some("change") => {
                rows.sort_by_key(|r| std::cmp::Reverse(r.previous.as_ref().map(|p| p.2)))
            }
            _ => {}
        }
        Ok(RankingView {
            can_run: me.role == Role::ProvinceAdmin,
            me,
            criteria: choice(state, set),
            choices: state.criteria.iter().map(|s| choice(state, s)).collect(),
            run: ranked.as_ref().map(|r| run_view(&r.run)),
            previous: previous_set.map(|s| choice(state, s)),
            rows,
            total_rows,
            ranked: ranked_rows,
            districts: districts.into_iter().collect(),
            grades: set
                .grades
                .iter()
                .map(|g| (g.id.clone(), g.label.vi.clone()))
                .collect(),
            filter,
        })
    }

    /// Every node of the report, depth first.
    fn nodes(report: &scoring::Report) -> Vec<&scoring::NodeResult> {
        fn walk<'a>(node: &'a scoring::NodeResult, out: &mut Vec<&'a scoring::NodeResult>) {
            out.push(node);
            for child in &node.children {
                walk(child, out);
            }
        }
        let mut out = Vec::new();
        for group in &report.groups {
            walk(group, &mut out);
        }
        out
    }
}

/// A commune's explained score.
#[server]
pub async fn get_report_page(
    commune: Option<String>,
    criteria: Option<String>,
) -> Result<Access<ReportView>, AppError> {
    let state = expect_context::<AppState>();
    let Some(me) = request_user(&state).await? else {
        return Ok(Access::SignInRequired);
    };
    report_view(&state, me, commune.as_deref(), criteria.as_deref()).await
}

/// The province view: every commune of the latest run with its points, satisfaction, grade and
/// change since the previous period; filtered and sorted as asked. A district reviewer sees its
/// district only.
#[server]
pub async fn get_ranking_page(
    criteria: Option<String>,
    filter: RankingFilter,
) -> Result<Access<RankingView>, AppError> {
    use crate::domain::roles::Role;
    let state = expect_context::<AppState>();
    let Some(me) = request_user(&state).await? else {
        return Ok(Access::SignInRequired);
    };
    if !matches!(
        me.role,
        Role::ProvinceAdmin | Role::DistrictReviewer | Role::ProvinceReviewer
    ) {
        return Ok(Access::Forbidden);
    }
    let Some(set) = crate::assessment::api::pick_criteria(&state, criteria.as_deref()) else {
        return Ok(Access::Forbidden);
    };
    Ok(Access::Granted(
        ranking_view(&state, me, set, filter).await?,
    ))
}
