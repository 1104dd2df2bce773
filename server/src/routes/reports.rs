//! Periodic reports for signed-in staff, as the filed PDF or an editable `.docx`:
//! `/reports/commune.pdf?commune=CODE&period=P` (a commune's own staff, and reviewers and admins
//! for the communes they may see) and `/reports/province.pdf?period=P` (the province admin and
//! the province reviewer), each also at `.docx`; and the
//! reports kept as made (`/reports` lists them): `POST /reports/kept` makes and keeps the
//! province's report of a period, `GET /reports/kept/{id}.pdf` serves a kept one unchanged to
//! whoever may read it (the province's readers, a commune's staff their commune's).

use app::reports::kept::KeptAccess;
use app::reports::ReportPeriod;
use app::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::problem::{internal, problem};
use super::signed_in::{AnyStaff, ProvinceReaders, Staff, StaffForm};
use crate::reports::{report_file, today_frame, Format, Scope};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/commune.pdf", get(commune_pdf))
        .route("/reports/commune.docx", get(commune_docx))
        .route("/reports/province.pdf", get(province_pdf))
        .route("/reports/province.docx", get(province_docx))
        .route("/reports/kept", post(keep))
        .route("/reports/kept/{file}", get(kept_pdf))
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    commune: String,
    #[serde(default)]
    period: String,
}

/// The refusal of a period that does not parse.
fn bad_period(q: &ReportQuery) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        &format!(
            "Kỳ báo cáo «{}» không hợp lệ: dùng tháng (2026-11), quý (2026-Q4), 6 tháng \
             (2026-H2) hoặc năm (2026).",
            q.period
        ),
    )
}

async fn render(state: &AppState, scope: Scope, period: ReportPeriod, format: Format) -> Response {
    let extension = format.extension();
    let name = match &scope {
        Scope::Commune(code) => format!("bao-cao-{code}-{period}.{extension}"),
        Scope::Province => format!("bao-cao-tinh-{period}.{extension}"),
    };
    let (survey, issuer) = match today_frame(&state.store, &state.definitions).await {
        Ok(frame) => frame,
        Err(e) => return internal(format!("{e:#}")),
    };
    match report_file(
        &state.store,
        survey,
        &state.criteria,
        &issuer,
        scope,
        period,
        format,
    )
    .await
    {
        Ok(file) => (
            [
                (header::CONTENT_TYPE, format.content_type().to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            file,
        )
            .into_response(),
        Err(e) => internal(format!("{e:#}")),
    }
}

async fn commune_pdf(
    State(state): State<AppState>,
    staff: Staff<AnyStaff>,
    Query(q): Query<ReportQuery>,
) -> Response {
    commune_report(&state, &staff, &q, Format::Pdf).await
}

async fn commune_docx(
    State(state): State<AppState>,
    staff: Staff<AnyStaff>,
    Query(q): Query<ReportQuery>,
) -> Response {
    commune_report(&state, &staff, &q, Format::Docx).await
}

async fn commune_report(
    state: &AppState,
    staff: &Staff<AnyStaff>,
    q: &ReportQuery,
    format: Format,
) -> Response {
    let Ok(period) = q.period.parse::<ReportPeriod>() else {
        return bad_period(q);
    };
    let code = Some(q.commune.as_str()).filter(|c| !c.is_empty());
    match app::accounts::api::visible_commune(state, &staff.me, code).await {
        Ok(Some(row)) => render(state, Scope::Commune(row.code), period, format).await,
        Ok(None) => problem(
            StatusCode::FORBIDDEN,
            "Không có xã, phường này, hoặc tài khoản không được xem xã, phường này.",
        ),
        Err(e) => internal(e),
    }
}

async fn province_pdf(
    State(state): State<AppState>,
    _staff: Staff<ProvinceReaders>,
    Query(q): Query<ReportQuery>,
) -> Response {
    province_report(&state, &q, Format::Pdf).await
}

async fn province_docx(
    State(state): State<AppState>,
    _staff: Staff<ProvinceReaders>,
    Query(q): Query<ReportQuery>,
) -> Response {
    province_report(&state, &q, Format::Docx).await
}

async fn province_report(state: &AppState, q: &ReportQuery, format: Format) -> Response {
    match q.period.parse::<ReportPeriod>() {
        Ok(period) => render(state, Scope::Province, period, format).await,
        Err(_) => bad_period(q),
    }
}

#[derive(Deserialize)]
struct KeepForm {
    #[serde(default)]
    period: String,
}

/// Makes the province's report of a period and keeps it, as the user who asked.
async fn keep(
    State(state): State<AppState>,
    StaffForm { me, form, .. }: StaffForm<KeepForm, ProvinceReaders>,
) -> Response {
    let Ok(period) = form.period.parse::<ReportPeriod>() else {
        return bad_period(&ReportQuery {
            commune: String::new(),
            period: form.period,
        });
    };
    // Each report costs seconds of CPU and stays stored: a user's requests are counted in the
    // database, so the limit holds across instances and restarts.
    let limit = state.settings.kept_reports_per_day;
    let day_ago = app::clock::now_ms() - 24 * 3_600_000;
    match state.store.kept_by_user_since(me.id, day_ago).await {
        Ok(n) if n >= i64::from(limit) => {
            return problem(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Mỗi người được lập và lưu tối đa {limit} báo cáo trong 24 giờ. \
                     Các báo cáo đã lưu vẫn tải được trong danh sách."
                ),
            )
        }
        Ok(_) => {}
        Err(e) => return internal(e),
    }
    match crate::reports::kept::keep(&state, Scope::Province, period, Some(me.id)).await {
        Ok(Some(id)) => Redirect::to(&format!("/reports?ok=kept#bao-cao-{id}")).into_response(),
        Ok(None) => internal("a report made on request was not kept"),
        Err(e) => internal(format!("{e:#}")),
    }
}

/// A kept report's file, exactly as it was made, for those who may read it (`KeptAccess`);
/// another commune's report is unknown to a commune's staff.
async fn kept_pdf(
    State(state): State<AppState>,
    Staff { me, .. }: Staff<AnyStaff>,
    Path(file): Path<String>,
) -> Response {
    let access = match KeptAccess::of(&state.store, &me).await {
        Ok(access) => access,
        Err(e) => return internal(e),
    };
    if access == KeptAccess::None {
        return problem(
            StatusCode::FORBIDDEN,
            "Tài khoản của ông/bà không được xem báo cáo đã lưu.",
        );
    }
    let not_found = || problem(StatusCode::NOT_FOUND, "Không có báo cáo đã lưu này.");
    let Some(id) = file
        .strip_suffix(".pdf")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return not_found();
    };
    match state.store.kept_report_file(id).await {
        Ok(Some((scope, period, pdf))) if access.may_read(&scope) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"bao-cao-{scope}-{period}-luu-{id}.pdf\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            pdf,
        )
            .into_response(),
        Ok(_) => not_found(),
        Err(e) => internal(e),
    }
}
