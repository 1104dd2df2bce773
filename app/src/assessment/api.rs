//! Server functions of the self-assessment and appraisal pages, and the choice of criteria set
//! and commune the report and ranking pages share. Each checks on the server who asks and which
//! commune they may see; the form posts that change a dossier are axum routes
//! (server/src/routes/assessment.rs) that check it all again.

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::dossier::{State, Step};
use crate::domain::roles::{Access, Me};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::accounts::api::request_user;
#[cfg(feature = "ssr")]
use crate::domain::roles::Role;
#[cfg(feature = "ssr")]
use crate::state::AppState;
#[cfg(feature = "ssr")]
use survey_definitions::Lang;

/// A criteria set the deployment scores with, for the period switcher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriteriaChoice {
    pub id: String,
    pub name: String,
    /// `2025-01-01 – 2026-01-01`.
    pub period: String,
}

/// How a leaf gets its points, as the form needs to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeafKind {
    SelfAssessment,
    Bonus,
    CitizenSurvey,
    Imported,
}

/// One leaf of the dossier with what was entered; values are the text of the inputs, so a
/// refused form shows what the user typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafView {
    pub id: String,
    pub group: String,
    pub criterion: String,
    pub name: String,
    pub max: String,
    pub kind: LeafKind,
    pub evidence_required: bool,
    pub points: String,
    pub note: String,
    pub link: String,
    pub appraised: String,
    pub reason: String,
    pub imported: String,
    pub imported_source: String,
    /// For imported leaves: the top of the other system's scale.
    pub import_max: String,
    /// For computed leaves (citizens' answers, the province's survey, imported scores): the
    /// points the engine gives today on what is stored, which an appraisal would replace, with
    /// the sample behind them (`18,40 / 25,00 điểm (n = 120, hài lòng 86,2%)`).
    #[serde(default)]
    pub computed: String,
}

/// A commune's dossier as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierView {
    pub me: Me,
    pub commune_code: String,
    pub commune_name: String,
    pub district_name: String,
    pub criteria: CriteriaChoice,
    pub choices: Vec<CriteriaChoice>,
    pub state: State,
    pub return_reason: Option<String>,
    pub leaves: Vec<LeafView>,
    /// The steps this user can take now.
    pub steps: Vec<Step>,
    /// Whether this user may enter imported scores (the province admin, until finalised).
    pub can_import: bool,
    /// Problems of a refused post, by leaf id (`""` for the whole form).
    pub problems: BTreeMap<String, String>,
}

/// What a refused dossier post hands back to the page it renders again: the posted fields and
/// the problems found, by leaf id (`""` for the form as a whole).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DossierForm {
    pub values: BTreeMap<String, String>,
    pub problems: BTreeMap<String, String>,
}

/// A dossier in a reviewer's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierRow {
    pub commune_code: String,
    pub commune_name: String,
    pub district_name: String,
    pub state: Option<State>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierListView {
    pub me: Me,
    pub criteria: CriteriaChoice,
    pub choices: Vec<CriteriaChoice>,
    pub rows: Vec<DossierRow>,
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use survey_definitions::criteria::{CriteriaSet, Source};

    use super::*;
    use crate::store::assessments::AssessmentRow;
    use crate::store::overview::CommuneRow;

    pub(super) fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::internal("assessment", e)
    }

    pub fn choice(state: &AppState, set: &CriteriaSet) -> CriteriaChoice {
        CriteriaChoice {
            id: set.id.clone(),
            name: state.criteria.name(set, crate::i18n::Lang::Vi),
            period: format!("{} – {}", set.period.from, set.period.to),
        }
    }

    /// The set named by `id` among those in force, or by default the one whose period holds
    /// today (else the latest).
    pub fn pick_criteria<'a>(state: &'a AppState, id: Option<&str>) -> Option<&'a CriteriaSet> {
        match id.filter(|id| !id.is_empty()) {
            Some(id) => state.criteria.iter().find(|s| s.id == id),
            None => {
                let today = crate::clock::today();
                state
                    .criteria
                    .iter()
                    .find(|s| s.period.contains(&today))
                    .or_else(|| {
                        // A historical set (its province merged away) is never the default
                        // for new work; it stays reachable by id for its old reports.
                        state
                            .criteria
                            .iter()
                            .filter(|s| !s.is_historical_on(&today))
                            .max_by(|a, b| a.period.from.cmp(&b.period.from))
                    })
            }
        }
    }

    /// The signed-in user's unit id (`None` for the province admin).
    pub async fn my_unit(state: &AppState, me: &Me) -> Result<Option<i64>, AppError> {
        Ok(state
            .store
            .user_by_id(me.id)
            .await
            .map_err(internal)?
            .and_then(|u| u.unit_id))
    }

    /// A commune's dossier as `me` may see it, or why not.
    pub struct Dossier<'a> {
        pub commune: CommuneRow,
        pub set: &'a CriteriaSet,
        pub assessment: AssessmentRow,
    }

    /// Opens the dossier of `commune` (default: the user's own) under `criteria`, starting a
    /// draft if none exists; `Forbidden` for an unknown commune or set, or one not theirs.
    pub async fn open_dossier<'a>(
        state: &'a AppState,
        me: &Me,
        commune: Option<&str>,
        criteria: Option<&str>,
    ) -> Result<Result<Dossier<'a>, Access<()>>, AppError> {
        let Some(set) = pick_criteria(state, criteria) else {
            return Ok(Err(Access::Forbidden));
        };
        let Some(row) = crate::accounts::api::visible_commune(state, me, commune).await? else {
            return Ok(Err(Access::Forbidden));
        };
        let assessment = state
            .store
            .ensure_assessment(row.id, &set.id, set.version)
            .await
            .map_err(internal)?;
        Ok(Ok(Dossier {
            commune: row,
            set,
            assessment,
        }))
    }

    pub fn refuse<T>(refusal: Access<()>) -> Access<T> {
        match refusal {
            Access::SignInRequired => Access::SignInRequired,
            _ => Access::Forbidden,
        }
    }

    fn hundredths_text(value: Option<i64>) -> String {
        value
            .and_then(|v| u64::try_from(v).ok())
            .and_then(scoring::Points::from_hundredths)
            .map(|p| p.format(Lang::Vi))
            .unwrap_or_default()
    }

    pub(super) async fn dossier_view(
        state: &AppState,
        me: Me,
        dossier: Dossier<'_>,
        form: Option<DossierForm>,
    ) -> Result<DossierView, AppError> {
        let Dossier {
            commune,
            set,
            assessment,
        } = dossier;
        let entries = state.store.entries(assessment.id).await.map_err(internal)?;
        let imported = state
            .store
            .imported_scores(&set.id, Some(commune.id))
            .await
            .map_err(internal)?;
        // What the engine computes today for each leaf, so an appraiser sees what a decision
        // would replace.
        let report =
            crate::assessment::input::score_commune(&state.store, set, commune.id, &commune.code)
                .await
                .map_err(internal)?;
        let mut computed = std::collections::HashMap::new();
        fn walk<'a>(
            node: &'a scoring::NodeResult,
            out: &mut std::collections::HashMap<&'a str, &'a scoring::NodeResult>,
        ) {
            out.insert(node.id.as_str(), node);
            for child in &node.children {
                walk(child, out);
            }
        }
        for group in &report.groups {
            walk(group, &mut computed);
        }
        let computed_text = |id: &str| -> String {
            let Some(node) = computed.get(id) else {
                return String::new();
            };
            let Some(leaf) = &node.leaf else {
                return String::new();
            };
            let points = match leaf.computed {
                Some(points) => format!(
                    "{} / {} điểm",
                    points.format(Lang::Vi),
                    node.max.format(Lang::Vi)
                ),
                None => "chưa tính được".to_string(),
            };
            match &leaf.citizen {
                Some(c) => {
                    let share = c
                        .satisfied_share
                        .map(|s| format!(", hài lòng {}", s.percent(Lang::Vi)))
                        .unwrap_or_default();
                    format!(
                        "{points} (n = {}{share}; tối thiểu {})",
                        c.sample, c.min_responses
                    )
                }
                None => points,
            }
        };
        let form = form.unwrap_or_default();
        let value = |key: String, stored: String| form.values.get(&key).cloned().unwrap_or(stored);
        let leaves = set
            .leaves()
            .into_iter()
            .map(|leaf| {
                let entry = entries.iter().find(|e| e.leaf_id == leaf.id);
                let import = imported.iter().find(|i| i.leaf_id == leaf.id);
                let (kind, import_max) = match leaf.source {
                    Source::SelfAssessment { .. } => (LeafKind::SelfAssessment, String::new()),
                    Source::Bonus { .. } => (LeafKind::Bonus, String::new()),
                    // Both are computed, never entered on the form.
                    Source::CitizenSurvey(_) | Source::IndependentSurvey(_) => {
                        (LeafKind::CitizenSurvey, String::new())
                    }
                    Source::Imported { import_max } => {
                        (LeafKind::Imported, import_max.format(Lang::Vi))
                    }
                };
                let id = leaf.id.to_string();
                let criterion = if leaf.criterion.id == leaf.id {
                    String::new()
                } else {
                    leaf.criterion.name.vi.clone()
                };
                LeafView {
                    computed: match kind {
                        LeafKind::CitizenSurvey | LeafKind::Imported => computed_text(leaf.id),
                        _ => String::new(),
                    },
                    points: value(
                        format!("points.{id}"),
                        hundredths_text(entry.and_then(|e| e.self_points)),
                    ),
                    note: value(
                        format!("note.{id}"),
                        entry.map(|e| e.evidence_note.clone()).unwrap_or_default(),
                    ),
                    link: value(
                        format!("link.{id}"),
                        entry.map(|e| e.evidence_link.clone()).unwrap_or_default(),
                    ),
                    appraised: value(
                        format!("appraised.{id}"),
                        hundredths_text(entry.and_then(|e| e.appraised_points)),
                    ),
                    reason: value(
                        format!("reason.{id}"),
                        entry
                            .and_then(|e| e.appraisal_reason.clone())
                            .unwrap_or_default(),
                    ),
                    imported: value(
                        format!("imported.{id}"),
                        hundredths_text(import.map(|i| i.score)),
                    ),
                    imported_source: value(
                        format!("source.{id}"),
                        import.map(|i| i.source.clone()).unwrap_or_default(),
                    ),
                    group: leaf.group.name.vi.clone(),
                    criterion,
                    name: leaf.name.vi.clone(),
                    max: leaf.max.format(Lang::Vi),
                    kind,
                    evidence_required: crate::assessment::input::evidence_required(leaf.source),
                    import_max,
                    id,
                }
            })
            .collect();
        let current = assessment.state().map_err(internal)?;
        let steps = Step::ALL
            .into_iter()
            .filter(|s| s.possible(me.role, current))
            .collect();
        Ok(DossierView {
            can_import: me.role == Role::ProvinceAdmin && current != State::Finalised,
            me,
            commune_code: commune.code,
            commune_name: commune.name,
            district_name: commune.district_name.unwrap_or_default(),
            criteria: choice(state, set),
            choices: state.criteria.iter().map(|s| choice(state, s)).collect(),
            state: current,
            return_reason: assessment.return_reason,
            leaves,
            steps,
            problems: form.problems,
        })
    }
}

/// The self-assessment (or appraisal) page of one commune.
#[server]
pub async fn get_dossier_page(
    commune: Option<String>,
    criteria: Option<String>,
) -> Result<Access<DossierView>, AppError> {
    let state = expect_context::<AppState>();
    let Some(me) = request_user(&state).await? else {
        return Ok(Access::SignInRequired);
    };
    let dossier = match open_dossier(&state, &me, commune.as_deref(), criteria.as_deref()).await? {
        Ok(d) => d,
        Err(refusal) => return Ok(refuse(refusal)),
    };
    let form = use_context::<DossierForm>();
    Ok(Access::Granted(
        dossier_view(&state, me, dossier, form).await?,
    ))
}

/// The reviewer's list of dossiers: its district's communes, or all for the province.
#[server]
pub async fn get_dossier_list(
    criteria: Option<String>,
) -> Result<Access<DossierListView>, AppError> {
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
    let Some(set) = pick_criteria(&state, criteria.as_deref()) else {
        return Ok(Access::Forbidden);
    };
    let unit = my_unit(&state, &me).await?;
    let states: BTreeMap<i64, State> = state
        .store
        .assessments_of(&set.id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|a| Ok((a.unit_id, a.state()?)))
        .collect::<Result<_, crate::store::StoreError>>()
        .map_err(internal)?;
    let date = crate::assessment::input::roster_date(set);
    let mut rows = Vec::new();
    for (id, code) in state.store.communes_on(&date).await.map_err(internal)? {
        let Some(row) = state.store.commune_by_code(&code).await.map_err(internal)? else {
            continue;
        };
        if !crate::accounts::auth::may_see_commune(&me, unit, id, row.district_id) {
            continue;
        }
        rows.push(DossierRow {
            commune_code: code,
            commune_name: row.name,
            district_name: row.district_name.unwrap_or_default(),
            state: states.get(&id).copied(),
        });
    }
    // Dossiers waiting for this reviewer first.
    rows.sort_by_key(|r| (r.state != Some(State::Submitted), r.commune_code.clone()));
    Ok(Access::Granted(DossierListView {
        me,
        criteria: choice(&state, set),
        choices: state.criteria.iter().map(|s| choice(&state, s)).collect(),
        rows,
    }))
}
