//! Where a commune stands against the criteria set in force, as its dashboard says it: the
//! points the citizen leaves give on today's answers, the total the engine gives on what is
//! stored now, the next grade's threshold, and the commune's place in the province's newest
//! score run. The points come from the scoring engine itself (`runs::score_commune`) and the
//! place from the one read model of stored runs (`read`), so the dashboard cannot disagree with
//! the report or the ranking.

use serde::{Deserialize, Serialize};

/// The commune's standing, written for the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// The criteria set's name.
    pub criteria: String,
    /// `18,40 / 25,00`: what the citizen leaves give today, of their maximum.
    pub citizen_points: String,
    /// `72,40 / 100,00`: the total on what is stored now (self-assessment, appraisal, answers).
    pub total: String,
    /// The grade that total reaches (`3 sao`), or that it reaches none.
    pub grade: String,
    /// The points missing to the next grade, or that it is the highest.
    pub next: String,
    /// The place in the province's newest score run, with that run's date and check code.
    pub rank: String,
}

#[cfg(feature = "ssr")]
pub use ssr::commune_standing;

#[cfg(feature = "ssr")]
mod ssr {
    use scoring::{NodeResult, Points, SourceKind};

    use super::Standing;
    use crate::error::AppError;
    use crate::i18n::Lang;
    use crate::state::AppState;

    /// The points and maxima of the leaves computed from citizens' answers at the desks.
    fn citizen_points(nodes: &[NodeResult]) -> (Points, Points) {
        let mut points = Points::ZERO;
        let mut max = Points::ZERO;
        for node in nodes {
            match &node.leaf {
                Some(leaf) if leaf.source == SourceKind::CitizenSurvey => {
                    points = points.saturating_add(node.points);
                    max = max.saturating_add(node.max);
                }
                _ => {
                    let (p, m) = citizen_points(&node.children);
                    points = points.saturating_add(p);
                    max = max.saturating_add(m);
                }
            }
        }
        (points, max)
    }

    /// The standing of commune `unit_id` under the set in force today; `None` without one.
    pub async fn commune_standing(
        state: &AppState,
        unit_id: i64,
        unit_code: &str,
        lang: Lang,
    ) -> Result<Option<Standing>, AppError> {
        let internal = |e: String| AppError::internal("standing", e);
        let Some(set) = crate::assessment::api::pick_criteria(state, None) else {
            return Ok(None);
        };
        let report = crate::scores::runs::score_commune(&state.store, set, unit_id, unit_code)
            .await
            .map_err(|e| internal(e.to_string()))?;
        let points = |p: Points| crate::format::points(p, lang);
        let (citizen, citizen_max) = citizen_points(&report.groups);
        let vi = lang == Lang::Vi;
        let grade = match &report.grade {
            Some(g) => g.label.get(lang).to_string(),
            None if vi => "chưa đạt mức xếp hạng nào".into(),
            None => "below every grade".into(),
        };
        let next = set
            .grades
            .iter()
            .filter(|g| g.min > report.total)
            .min_by_key(|g| g.min);
        let next = match next {
            Some(g) => {
                let gap = Points::from_hundredths(g.min.hundredths() - report.total.hundredths())
                    .unwrap_or(Points::ZERO);
                if vi {
                    format!(
                        "cần thêm {} điểm để đạt {} (từ {} điểm)",
                        points(gap),
                        g.label.get(lang),
                        points(g.min)
                    )
                } else {
                    format!(
                        "{} points short of {} (from {} points)",
                        points(gap),
                        g.label.get(lang),
                        points(g.min)
                    )
                }
            }
            None if vi => "đã ở mức cao nhất".into(),
            None => "the highest grade".into(),
        };
        let run = state
            .ranked_runs
            .latest(&state.store, &set.id)
            .await
            .map_err(|e| internal(e.to_string()))?;
        let rank = match run {
            None if vi => "Tỉnh chưa chấm điểm lần nào theo bộ tiêu chí này".into(),
            None => "The province has not scored this criteria set yet".into(),
            Some(run) => {
                let day = crate::format::date(&crate::clock::day_of(run.run.created_at), lang);
                let ranked = run.rows.iter().filter(|r| r.rank.is_some()).count();
                let code = run.run.run_hash.get(..12).unwrap_or(&run.run.run_hash);
                let place = run.rows.iter().find(|r| r.unit_id == unit_id);
                match (place.and_then(|r| r.rank), vi) {
                    (Some(place), true) => format!(
                        "Hạng {place}/{ranked} của tỉnh trong lần chấm điểm ngày {day} (mã kiểm tra {code}…)"
                    ),
                    (Some(place), false) => format!(
                        "Place {place} of {ranked} in the province's score run of {day} (check code {code}…)"
                    ),
                    (None, true) => format!(
                        "Chưa được xếp hạng trong lần chấm điểm ngày {day} (mã kiểm tra {code}…): chưa đủ số phiếu tối thiểu hoặc chưa được chấm"
                    ),
                    (None, false) => format!(
                        "Not ranked in the score run of {day} (check code {code}…): too few answers, or not scored"
                    ),
                }
            }
        };
        // Below a leaf's minimum sample its points are not yet earned: say why they are low.
        let short = report
            .insufficient_data
            .iter()
            .filter(|i| !i.appraised)
            .map(|i| match lang {
                Lang::Vi | Lang::Supplied(_) => format!(
                    " (chưa đủ số phiếu tối thiểu: {}/{})",
                    i.sample, i.min_responses
                ),
                Lang::En => format!(
                    " (below the minimum sample: {} of {})",
                    i.sample, i.min_responses
                ),
            })
            .next()
            .unwrap_or_default();
        Ok(Some(Standing {
            criteria: state.criteria.name(set, lang),
            citizen_points: format!("{} / {}{short}", points(citizen), points(citizen_max)),
            total: format!("{} / {}", points(report.total), points(report.scale_max)),
            grade,
            next,
            rank,
        }))
    }
}
