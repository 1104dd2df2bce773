//! Form posts of the self-assessment dossier and the score runs. Each post checks the session,
//! the CSRF token, the commune (a user acts only on communes they oversee), the role and the
//! dossier's state; the state check is repeated inside the store's transaction, so a stale form
//! cannot move a dossier someone else already moved.

use std::collections::BTreeMap;

use app::assessment::api::{open_dossier, DossierForm};
use app::assessment::input::evidence_required;
use app::domain::dossier::{parse_points, State, Step};
use app::domain::roles::Role;
use app::state::AppState;
use app::store::assessments::{
    Actor, AppraisalEntry, AssessmentRow, ImportedRow, SelfEntry, StepRefused,
};
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use leptos::prelude::provide_context;
use serde::Deserialize;
use survey_definitions::criteria::{CriteriaSet, Source};

use super::problem::{internal, problem};
use super::signed_in::{AnyStaff, ProvinceAdmin, StaffForm};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assessment/{commune}/{criteria}", post(dossier_post))
        .route("/scores/run", post(run_scores))
}

/// Longest evidence note and link kept; longer text is refused rather than cut.
const MAX_NOTE: usize = 2000;
const MAX_LINK: usize = 500;
const MAX_REASON: usize = 1000;

fn field<'a>(fields: &'a BTreeMap<String, String>, key: &str) -> &'a str {
    fields.get(key).map(|s| s.trim()).unwrap_or("")
}

fn valid_link(link: &str) -> bool {
    link.is_empty()
        || ((link.starts_with("https://") || link.starts_with("http://"))
            && link.len() > "https://".len()
            && !link.chars().any(char::is_whitespace))
}

/// The commune's entries from the form, or the problems by leaf.
fn self_entries(
    set: &CriteriaSet,
    fields: &BTreeMap<String, String>,
) -> Result<Vec<SelfEntry>, BTreeMap<String, String>> {
    let mut entries = Vec::new();
    let mut problems = BTreeMap::new();
    for leaf in app::assessment::input::commune_leaves(set) {
        let id = leaf.id;
        let note = field(fields, &format!("note.{id}")).to_string();
        let link = field(fields, &format!("link.{id}")).to_string();
        match parse_points(
            field(fields, &format!("points.{id}")),
            leaf.max.hundredths(),
        ) {
            Err(p) => {
                problems.insert(id.to_string(), p);
            }
            Ok(_) if note.chars().count() > MAX_NOTE => {
                problems.insert(
                    id.to_string(),
                    format!("Minh chứng dài quá {MAX_NOTE} ký tự."),
                );
            }
            Ok(_) if link.len() > MAX_LINK || !valid_link(&link) => {
                problems.insert(
                    id.to_string(),
                    "Đường dẫn minh chứng phải bắt đầu bằng https:// hoặc http:// và không có khoảng trắng.".into(),
                );
            }
            Ok(points) => entries.push(SelfEntry {
                leaf_id: id.to_string(),
                points,
                note,
                link,
            }),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

/// What keeps a dossier from being submitted: leaves without points, or without the evidence
/// the set requires.
fn incomplete(set: &CriteriaSet, entries: &[SelfEntry]) -> BTreeMap<String, String> {
    let mut problems = BTreeMap::new();
    for leaf in app::assessment::input::commune_leaves(set) {
        let entry = entries.iter().find(|e| e.leaf_id == leaf.id);
        match entry {
            Some(e) if e.points.is_some() => {
                // Zero points claim nothing, so they need no evidence.
                let claims = e.points.unwrap_or(0) > 0;
                if claims
                    && evidence_required(leaf.source)
                    && (e.note.is_empty() || e.link.is_empty())
                {
                    problems.insert(
                        leaf.id.to_string(),
                        "Cần ghi minh chứng và đường dẫn văn bản trước khi gửi.".into(),
                    );
                }
            }
            _ if leaf.source.is_bonus() => {}
            _ => {
                problems.insert(
                    leaf.id.to_string(),
                    "Cần nhập điểm (nhập 0 nếu không đạt) trước khi gửi.".into(),
                );
            }
        }
    }
    problems
}

/// The appraiser's decisions from the form, or the problems by leaf. Points equal to the
/// commune's own count as accepted and need no reason; a change does.
fn appraisals(
    set: &CriteriaSet,
    fields: &BTreeMap<String, String>,
    own: &BTreeMap<String, Option<i64>>,
) -> Result<Vec<AppraisalEntry>, BTreeMap<String, String>> {
    let mut entries = Vec::new();
    let mut problems = BTreeMap::new();
    for leaf in set.leaves() {
        let id = leaf.id;
        let reason = field(fields, &format!("reason.{id}")).to_string();
        match parse_points(
            field(fields, &format!("appraised.{id}")),
            leaf.max.hundredths(),
        ) {
            Err(p) => {
                problems.insert(id.to_string(), p);
            }
            Ok(_) if reason.chars().count() > MAX_REASON => {
                problems.insert(id.to_string(), format!("Lý do dài quá {MAX_REASON} ký tự."));
            }
            Ok(Some(points)) if reason.is_empty() => {
                if own.get(id).copied().flatten() == Some(points) {
                    entries.push(AppraisalEntry {
                        leaf_id: id.to_string(),
                        points: Some(points),
                        reason: "Đồng ý với điểm xã tự chấm.".into(),
                    });
                } else {
                    problems.insert(
                        id.to_string(),
                        "Cần nêu lý do khi cho điểm khác điểm xã tự chấm.".into(),
                    );
                }
            }
            Ok(points) => entries.push(AppraisalEntry {
                leaf_id: id.to_string(),
                points,
                reason,
            }),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

fn imported_scores(
    set: &CriteriaSet,
    unit_id: i64,
    fields: &BTreeMap<String, String>,
) -> Result<Vec<ImportedRow>, BTreeMap<String, String>> {
    let mut rows = Vec::new();
    let mut problems = BTreeMap::new();
    for leaf in set.leaves() {
        let Source::Imported { import_max } = leaf.source else {
            continue;
        };
        let id = leaf.id;
        let source = field(fields, &format!("source.{id}")).to_string();
        match parse_points(
            field(fields, &format!("imported.{id}")),
            import_max.hundredths(),
        ) {
            Err(p) => {
                problems.insert(id.to_string(), p);
            }
            Ok(None) => {}
            Ok(Some(_)) if source.is_empty() || source.chars().count() > MAX_REASON => {
                problems.insert(
                    id.to_string(),
                    "Cần ghi nguồn của điểm (văn bản, ngày công bố).".into(),
                );
            }
            Ok(Some(score)) => rows.push(ImportedRow {
                unit_id,
                leaf_id: id.to_string(),
                score,
                source,
            }),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

fn page_uri(commune: &str, criteria: &str, ok: Option<&str>) -> String {
    let mut uri = format!("/assessment?commune={commune}&criteria={criteria}");
    if let Some(ok) = ok {
        uri.push_str(&format!("&ok={ok}"));
    }
    uri
}

fn wrong_state(state: State) -> Response {
    problem(
        StatusCode::CONFLICT,
        &format!(
            "Hồ sơ đang ở trạng thái «{}», không làm được việc này. Vui lòng tải lại trang.",
            state.label(survey_definitions::Lang::Vi)
        ),
    )
}

/// Renders the dossier page again with the posted values and the problems (the page sets 422).
async fn refuse_form(
    state: AppState,
    headers: HeaderMap,
    assessment: &AssessmentRow,
    commune: &str,
    fields: BTreeMap<String, String>,
    problems: BTreeMap<String, String>,
) -> Response {
    let uri: Uri = match page_uri(commune, &assessment.criteria_id, None).parse() {
        Ok(uri) => uri,
        Err(e) => return internal(e),
    };
    let form = DossierForm {
        values: fields,
        problems,
    };
    super::render_page_as_get(state, uri, headers, move || provide_context(form.clone())).await
}

async fn dossier_post(
    AxumState(state): AxumState<AppState>,
    Path((commune, criteria)): Path<(String, String)>,
    headers: HeaderMap,
    StaffForm {
        me, form: fields, ..
    }: StaffForm<Vec<(String, String)>, AnyStaff>,
) -> Response {
    let fields: BTreeMap<String, String> = fields.into_iter().collect();
    let step = match field(&fields, "step") {
        "save" => Some(Step::SaveEntries),
        "submit" => Some(Step::Submit),
        "appraise" => Some(Step::Appraise),
        "approve" => Some(Step::Approve),
        "return" => Some(Step::Return),
        "finalise" => Some(Step::Finalise),
        "import" => None,
        _ => return problem(StatusCode::BAD_REQUEST, "Thao tác không hợp lệ."),
    };
    let dossier = match open_dossier(&state, &me, Some(&commune), Some(&criteria)).await {
        Ok(Ok(d)) => d,
        Ok(Err(_)) => {
            return problem(
                StatusCode::FORBIDDEN,
                "Tài khoản của ông/bà không được làm việc với hồ sơ này.",
            )
        }
        Err(e) => return internal(e),
    };
    let set = dossier.set;
    let assessment = dossier.assessment;
    let current = match assessment.state() {
        Ok(current) => current,
        Err(e) => return internal(e),
    };
    let allowed = match step {
        Some(step) => step.allowed_for(me.role),
        None => me.role == Role::ProvinceAdmin,
    };
    if !allowed {
        return problem(
            StatusCode::FORBIDDEN,
            "Tài khoản của ông/bà không được làm việc này.",
        );
    }
    let possible = match step {
        Some(step) => step.possible(me.role, current),
        None => current != State::Finalised,
    };
    if !possible {
        return wrong_state(current);
    }
    let actor = Actor {
        user_id: Some(me.id),
        name: &me.username,
    };
    let store = &state.store;
    let done = |ok: &str| Redirect::to(&page_uri(&commune, &set.id, Some(ok))).into_response();
    match step {
        Some(Step::SaveEntries | Step::Submit) => {
            let entries = match self_entries(set, &fields) {
                Ok(entries) => entries,
                Err(problems) => {
                    return refuse_form(
                        state.clone(),
                        headers,
                        &assessment,
                        &commune,
                        fields,
                        problems,
                    )
                    .await
                }
            };
            match store.save_self_entries(&assessment, &entries, actor).await {
                Ok(Ok(_)) => {}
                Ok(Err(StepRefused::WrongState(s))) => return wrong_state(s),
                Err(e) => return internal(e),
            }
            if step == Some(Step::SaveEntries) {
                return done("saved");
            }
            let mut problems = incomplete(set, &entries);
            if !problems.is_empty() {
                problems.insert(
                    String::new(),
                    "Đã lưu nháp nhưng chưa gửi được: còn tiêu chí thiếu điểm hoặc minh chứng (xem bên dưới).".into(),
                );
                return refuse_form(
                    state.clone(),
                    headers,
                    &assessment,
                    &commune,
                    fields,
                    problems,
                )
                .await;
            }
            transition(&state, &assessment, Step::Submit, None, actor, || {
                done("submitted")
            })
            .await
        }
        Some(Step::Appraise | Step::Approve) => {
            let own: BTreeMap<String, Option<i64>> = match store.entries(assessment.id).await {
                Ok(entries) => entries
                    .into_iter()
                    .map(|e| (e.leaf_id, e.self_points))
                    .collect(),
                Err(e) => return internal(e),
            };
            let entries = match appraisals(set, &fields, &own) {
                Ok(entries) => entries,
                Err(problems) => {
                    return refuse_form(
                        state.clone(),
                        headers,
                        &assessment,
                        &commune,
                        fields,
                        problems,
                    )
                    .await
                }
            };
            match store.save_appraisals(&assessment, &entries, actor).await {
                Ok(Ok(_)) => {}
                Ok(Err(StepRefused::WrongState(s))) => return wrong_state(s),
                Err(e) => return internal(e),
            }
            if step == Some(Step::Appraise) {
                return done("appraised");
            }
            transition(&state, &assessment, Step::Approve, None, actor, || {
                done("approved")
            })
            .await
        }
        Some(Step::Return) => {
            let reason = field(&fields, "return_reason").to_string();
            if reason.is_empty() || reason.chars().count() > MAX_REASON {
                let mut problems = BTreeMap::new();
                problems.insert(
                    String::new(),
                    "Cần ghi lý do trả lại hồ sơ (tối đa 1000 ký tự).".into(),
                );
                return refuse_form(
                    state.clone(),
                    headers,
                    &assessment,
                    &commune,
                    fields,
                    problems,
                )
                .await;
            }
            transition(
                &state,
                &assessment,
                Step::Return,
                Some(&reason),
                actor,
                || done("returned"),
            )
            .await
        }
        Some(Step::Finalise) => {
            transition(&state, &assessment, Step::Finalise, None, actor, || {
                done("finalised")
            })
            .await
        }
        None => {
            let rows = match imported_scores(set, assessment.unit_id, &fields) {
                Ok(rows) => rows,
                Err(problems) => {
                    return refuse_form(
                        state.clone(),
                        headers,
                        &assessment,
                        &commune,
                        fields,
                        problems,
                    )
                    .await
                }
            };
            match store.set_imported_scores(&set.id, &rows, actor).await {
                Ok(_) => done("imported"),
                Err(e) => internal(e),
            }
        }
    }
}

async fn transition(
    state: &AppState,
    assessment: &AssessmentRow,
    step: Step,
    reason: Option<&str>,
    actor: Actor<'_>,
    done: impl FnOnce() -> Response,
) -> Response {
    let from = step.from_states();
    let current = match assessment.state() {
        Ok(current) => current,
        Err(e) => return internal(e),
    };
    match state
        .store
        .transition(assessment, from, step.to_state(current), reason, actor)
        .await
    {
        Ok(Ok(())) => done(),
        Ok(Err(StepRefused::WrongState(s))) => wrong_state(s),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct RunForm {
    #[serde(default)]
    criteria: String,
}

/// The province admin's "score every commune" button.
async fn run_scores(
    AxumState(state): AxumState<AppState>,
    _headers: HeaderMap,
    StaffForm { me, form, .. }: StaffForm<RunForm, ProvinceAdmin>,
) -> Response {
    let Some(set) = state.criteria.iter().find(|s| s.id == form.criteria) else {
        return problem(StatusCode::BAD_REQUEST, "Không có bộ tiêu chí này.");
    };
    match app::scores::runs::run_all(&state.store, set, &state.definitions, &me.username).await {
        Ok(summary) => Redirect::to(&format!(
            "/ranking?criteria={}&ok={}",
            set.id, summary.run_id
        ))
        .into_response(),
        Err(e) => internal(e),
    }
}
