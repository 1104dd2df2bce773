//! Form posts of the self-assessment dossier and the score runs: the session, the CSRF token and
//! the body are checked by the extractor; `app::assessment::post` decides and stores, and this
//! module writes its outcome as a redirect, the form shown again, or a problem page.

use std::collections::BTreeMap;

use app::assessment::api::DossierForm;
use app::assessment::post::{act, Outcome};
use app::domain::dossier::State;
use app::state::AppState;
use app::store::assessments::AssessmentRow;
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use leptos::prelude::provide_context;
use serde::Deserialize;

use super::problem::{internal, problem};
use super::signed_in::{AnyStaff, ProvinceAdmin, StaffForm};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assessment/{commune}/{criteria}", post(dossier_post))
        .route("/scores/run", post(run_scores))
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
    match act(&state, &me, &commune, &criteria, &fields).await {
        Ok(Outcome::Done(ok)) => {
            Redirect::to(&page_uri(&commune, &criteria, Some(ok))).into_response()
        }
        Ok(Outcome::Invalid {
            assessment,
            problems,
        }) => refuse_form(state, headers, &assessment, &commune, fields, problems).await,
        Ok(Outcome::WrongState(current)) => wrong_state(current),
        Ok(Outcome::NotTheirs) => problem(
            StatusCode::FORBIDDEN,
            "Tài khoản của ông/bà không được làm việc với hồ sơ này.",
        ),
        Ok(Outcome::NotTheirStep) => problem(
            StatusCode::FORBIDDEN,
            "Tài khoản của ông/bà không được làm việc này.",
        ),
        Ok(Outcome::UnknownStep) => problem(StatusCode::BAD_REQUEST, "Thao tác không hợp lệ."),
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
