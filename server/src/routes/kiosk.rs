//! Kiosk mode's posts (see `app::kiosk`): staff enrol and revoke tablets, the province admin
//! approves them and decides on all of one tablet's ratings at once; a tablet enrols itself with
//! a code and sends ratings, as JSON from its offline queue or as a plain form without
//! JavaScript. Staff forms check session, role and CSRF token like every staff form; the tablet is
//! recognised by its HttpOnly cookie alone.

use app::accounts::auth;
use app::forms::RefusedForm;
use app::i18n::{with_lang, Lang};
use app::kiosk::model::{EnrolProblem, KioskRating, KioskRefusal, KiosksNotice, ENROL_CSRF_COOKIE};
use app::kiosk::service::{self as kiosk, KioskOutcome};
use app::state::AppState;
use app::store::kiosks::{AuditBy, KioskRow};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, OriginalUri, Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Json, Router};
use leptos::prelude::provide_context;
use serde::Deserialize;
use serde_json::json;

use super::problem::{internal, problem};
use super::refuse_form;
use super::signed_in::{KioskManagers, ProvinceAdmin, StaffForm};
use super::survey_form::MAX_FORM_BYTES;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/kiosks", post(create_enrolment))
        .route("/kiosks/{id}/revoke", post(revoke))
        .route("/kiosks/{id}/approve", post(approve))
        .route("/kiosks/{id}/ratings", post(decide_ratings))
        .route("/kiosk/enrol", post(enrol))
        .route("/kiosk/ratings", post(post_rating_json))
        .route("/kiosk/rate", post(post_rating_form))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
}

#[derive(Deserialize)]
struct EnrolmentForm {
    #[serde(default)]
    desk: String,
    #[serde(default)]
    label: String,
}

/// Creates a one-time enrolment code and shows it on the staff page (rendered as the POST's
/// answer, never put in a URL where history and logs would keep it).
async fn create_enrolment(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    StaffForm { me, form, .. }: StaffForm<EnrolmentForm, KioskManagers>,
) -> Response {
    let refused = || {
        RefusedForm::new("/kiosks")
            .keep("desk", form.desk.trim())
            .keep("label", &form.label)
    };
    let label = kiosk::parse_label(&form.label);
    let desk = match state.store.kiosk_desk(form.desk.trim()).await {
        Ok(desk) => desk,
        Err(e) => return internal(e),
    };
    let (Ok(label), Some(desk)) = (label.clone(), desk.as_ref()) else {
        let mut refused = refused();
        if let Err(message) = label {
            refused = refused.problem("label", message);
        }
        if desk.is_none() {
            refused = refused.problem("desk", "Không tìm thấy quầy tiếp nhận này.");
        }
        return refuse_form(state, "/kiosks", headers, refused).await;
    };
    let commune = match kiosk::managed_commune(&state, &me).await {
        Ok(commune) => commune,
        Err(e) => return internal(e),
    };
    let allowed = match commune {
        Ok(None) => true,
        Ok(Some(mine)) => mine == desk.commune_id,
        Err(()) => false,
    };
    if !allowed {
        return problem(
            StatusCode::FORBIDDEN,
            "Ông/bà chỉ được đăng ký máy đánh giá cho quầy của xã mình.",
        );
    }
    let desk_label = format!("{} · {}", desk.commune_name, desk.name);
    let enrolment = match kiosk::create_enrolment(&state, &me, desk.id, &desk_label, &label).await {
        Ok(Some(enrolment)) => enrolment,
        Ok(None) => {
            let full = refused()
                .problem(
                    "desk",
                    kiosk::limit_message(state.settings.kiosk.max_per_desk),
                )
                .with_status(409);
            return refuse_form(state, "/kiosks", headers, full).await;
        }
        Err(e) => return internal(e),
    };
    super::render_page_as_get(state, uri, headers, move || {
        provide_context(enrolment.clone())
    })
    .await
}

/// A form with no field but the token every staff form carries (read by `StaffForm`).
#[derive(Deserialize)]
struct TokenOnly {}

async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    _headers: HeaderMap,
    StaffForm { me, .. }: StaffForm<TokenOnly, KioskManagers>,
) -> Response {
    let row = match find_kiosk(&state, &id).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let id = row.id;
    let allowed = match kiosk::managed_commune(&state, &me).await {
        Ok(Ok(None)) => true,
        Ok(Ok(Some(mine))) => mine == row.commune_id,
        Ok(Err(())) => false,
        Err(e) => return internal(e),
    };
    // Not found rather than forbidden: other communes' kiosks are none of this user's business.
    if !allowed {
        return problem(StatusCode::NOT_FOUND, "Không tìm thấy máy đánh giá.");
    }
    match state
        .store
        .revoke_kiosk(id, me.id, app::clock::now_ms())
        .await
    {
        Ok(true) => {}
        Ok(false) => return Redirect::to("/kiosks").into_response(),
        Err(e) => return internal(e),
    }
    if let Err(e) = state
        .store
        .audit(
            Some(me.id),
            &me.username,
            "kiosk_revoked",
            &format!("kiosk {id}"),
            &describe(&row),
        )
        .await
    {
        return internal(e);
    }
    Redirect::to("/kiosks").into_response()
}

/// The kiosk `id` names, if it exists (a malformed id is an unknown kiosk).
async fn find_kiosk(state: &AppState, id: &str) -> Result<KioskRow, Response> {
    let not_found = || problem(StatusCode::NOT_FOUND, "Không tìm thấy máy đánh giá.");
    let Ok(id) = id.parse::<i64>() else {
        return Err(not_found());
    };
    match state.store.kiosk_by_id(id).await {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(not_found()),
        Err(e) => Err(internal(e)),
    }
}

fn describe(row: &KioskRow) -> String {
    format!(
        "desk={} · {} label={}",
        row.commune_name, row.desk_name, row.label
    )
}

/// The province admin approves a kiosk commune staff enrolled (`HAILONG_KIOSK_APPROVAL`).
async fn approve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    _headers: HeaderMap,
    StaffForm { me, .. }: StaffForm<TokenOnly, ProvinceAdmin>,
) -> Response {
    let row = match find_kiosk(&state, &id).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let target = format!("kiosk {}", row.id);
    let by = AuditBy {
        user_id: me.id,
        actor: &me.username,
        target: &target,
    };
    let detail = format!("{} enrolled_by={}", describe(&row), row.enrolled_by);
    match state
        .store
        .approve_kiosk(row.id, by, &detail, app::clock::now_ms())
        .await
    {
        Ok(_) => Redirect::to("/kiosks").into_response(),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct RatingsDecisionForm {
    #[serde(default)]
    decision: String,
    /// Days (`YYYY-MM-DD`, Vietnam time, both included); empty for every rating.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The province admin leaves every rating of one kiosk (of some days, or all) out of the figures
/// in one step, or counts again those this left out; the page says how many changed.
async fn decide_ratings(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    StaffForm { me, form, .. }: StaffForm<RatingsDecisionForm, ProvinceAdmin>,
) -> Response {
    let row = match find_kiosk(&state, &id).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let excluded = match form.decision.as_str() {
        "exclude" => true,
        "include" => false,
        _ => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Vui lòng chọn loại hoặc tính lại các phiếu.",
            )
        }
    };
    let range = match kiosk::day_range(&form.from, &form.to) {
        Ok(range) => range,
        Err(message) => {
            let refused = RefusedForm::new(format!("/kiosks/{}/ratings", row.id))
                .keep("from", form.from.trim())
                .keep("to", form.to.trim())
                .problem("days", message);
            return refuse_form(state, "/kiosks", headers, refused).await;
        }
    };
    let target = format!("kiosk {}", row.id);
    let by = AuditBy {
        user_id: me.id,
        actor: &me.username,
        target: &target,
    };
    let days = match (form.from.trim(), form.to.trim()) {
        ("", "") => "all".to_string(),
        (from, to) => format!("{from}..{to}"),
    };
    let detail = format!("days={days} {}", describe(&row));
    let changed = match state
        .store
        .set_kiosk_ratings_excluded(row.id, excluded, range, by, &detail, app::clock::now_ms())
        .await
    {
        Ok(n) => n,
        Err(e) => return internal(e),
    };
    state.live.announce(&state.store, &[row.desk_id]).await;
    let notice = KiosksNotice(if excluded {
        format!(
            "Đã loại {changed} phiếu của máy “{}” ({} · {}) khỏi kết quả.",
            row.label, row.commune_name, row.desk_name
        )
    } else {
        format!(
            "Đã tính lại {changed} phiếu của máy “{}” ({} · {}); phiếu bị đánh dấu vẫn chờ duyệt.",
            row.label, row.commune_name, row.desk_name
        )
    });
    let page: Uri = "/kiosks".parse().expect("a static path is a valid URI");
    super::render_page_as_get(state, page, headers, move || {
        provide_context(notice.clone())
    })
    .await
}

#[derive(Deserialize)]
struct EnrolForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// The tablet types its code: on success it gets its cookie and its rating screen.
async fn enrol(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<EnrolForm>,
) -> Response {
    let lang = page_lang(&uri);
    let page = page_uri(lang);
    let expected = auth::cookie(&headers, ENROL_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::same_token(&form.csrf, expected) {
        return render_enrol(state, page, headers, EnrolProblem::Expired).await;
    }
    match kiosk::enrol(&state, &form.code).await {
        Ok(Some((_, cookie))) => {
            let mut response = Redirect::to(&with_lang("/kiosk", lang)).into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Ok(None) => render_enrol(state, page, headers, EnrolProblem::InvalidCode).await,
        Err(e) => internal(e),
    }
}

/// Renders `/kiosk` again with the enrolment problem (the page sets the status).
async fn render_enrol(
    state: AppState,
    page: Uri,
    headers: HeaderMap,
    enrol_problem: EnrolProblem,
) -> Response {
    super::render_page_as_get(state, page, headers, move || provide_context(enrol_problem)).await
}

fn page_lang(uri: &Uri) -> Lang {
    uri.query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter_map(|pair| pair.strip_prefix("lang="))
        .find_map(Lang::parse)
        .unwrap_or_default()
}

fn page_uri(lang: Lang) -> Uri {
    with_lang("/kiosk", lang)
        .parse()
        .expect("a static path is a valid URI")
}

/// A rating from the kiosk's queue. Answers JSON `{"outcome": "stored" | "duplicate"}` with 200,
/// or `{"error": …, "message": …}` with a 4xx the tablet acts on (see `KioskRefusal`).
async fn post_rating_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rating: KioskRating = match serde_json::from_slice(&body) {
        Ok(rating) => rating,
        Err(_) => {
            return refusal_json(
                &KioskRefusal::Invalid("dữ liệu gửi lên không đúng định dạng".into()),
                Lang::Vi,
            )
        }
    };
    let kiosk = match kiosk::current_kiosk(&state, &headers).await {
        Ok(kiosk) => kiosk,
        Err(_) => return server_failure_json(),
    };
    match kiosk::submit_rating(&state, kiosk, &rating).await {
        Ok(KioskOutcome::Stored { duplicate }) => (
            StatusCode::OK,
            Json(json!({ "outcome": if duplicate { "duplicate" } else { "stored" } })),
        )
            .into_response(),
        Ok(KioskOutcome::Refused(refusal)) => refusal_json(&refusal, rating.lang),
        Err(_) => server_failure_json(),
    }
}

fn refusal_json(refusal: &KioskRefusal, lang: Lang) -> Response {
    let status = StatusCode::from_u16(refusal.status()).expect("refusal statuses are valid");
    let body = Json(json!({
        "error": format!("{refusal:?}"),
        "message": refusal.message(lang),
    }));
    let mut response = (status, body).into_response();
    if let KioskRefusal::RateLimited { retry_after_secs } = refusal {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(*retry_after_secs),
        );
    }
    response
}

fn server_failure_json() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "error": "Internal", "message": "Máy chủ đang gặp lỗi; đánh giá sẽ được gửi lại sau." })),
    )
        .into_response()
}

#[derive(Deserialize)]
struct RatingForm {
    #[serde(rename = "_key", default)]
    key: String,
    #[serde(default)]
    desk: String,
    #[serde(default)]
    lang: String,
    /// The overall question's id and the level of the face button pressed.
    #[serde(default)]
    question: String,
    #[serde(default)]
    level: String,
}

/// The rating screen without JavaScript: one face button posts the overall rating; the answer is
/// 303 → the screen again, thanking the citizen, so reloading it does not post twice.
async fn post_rating_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<RatingForm>,
) -> Response {
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    let Ok(level) = form.level.trim().parse::<u8>() else {
        return rating_problem(
            &KioskRefusal::Invalid("vui lòng chọn một mặt cười".into()),
            lang,
        );
    };
    let rating = KioskRating {
        key: form.key,
        desk: form.desk,
        rated_at: app::clock::now_ms(),
        lang,
        answers: vec![(form.question, level)],
    };
    let kiosk = match kiosk::current_kiosk(&state, &headers).await {
        Ok(kiosk) => kiosk,
        Err(e) => return internal(e),
    };
    match kiosk::submit_rating(&state, kiosk, &rating).await {
        Ok(KioskOutcome::Stored { .. }) => {
            let url = with_lang("/kiosk", lang);
            let sep = if url.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{url}{sep}done=1")).into_response()
        }
        Ok(KioskOutcome::Refused(refusal)) => rating_problem(&refusal, lang),
        Err(e) => internal(e),
    }
}

fn rating_problem(refusal: &KioskRefusal, lang: Lang) -> Response {
    let status = StatusCode::from_u16(refusal.status()).expect("refusal statuses are valid");
    let mut response = problem(status, &refusal.message(lang));
    if let KioskRefusal::RateLimited { retry_after_secs } = refusal {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(*retry_after_secs),
        );
    }
    response
}
