//! Form posts of the signed-in pages: sign in and out, user administration, review decisions,
//! and the audit log export. Each checks the session, the role and the CSRF token itself —
//! hiding a link is not authorization.

use app::api::account::local_time;
use app::assets::Assets;
use app::auth::{self, LOGIN_CSRF_COOKIE};
use app::pages::login::LoginProblem;
use app::roles::{Me, Role};
use app::state::AppState;
use app::store::StoreError;
use axum::body::Body;
use axum::extract::{ConnectInfo, Form, OriginalUri, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use serde::Deserialize;

use crate::csv;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/admin/users", post(create_user))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/audit.csv", get(audit_csv))
        .route("/review/responses/{id}", post(review_response))
}

/// A refused staff form, waiting for [`problem_pages`] to render it: the page links the hashed
/// stylesheet, whose name lives in the state that the many callers of [`problem`] do not have.
#[derive(Clone, Debug)]
struct Problem(String);

/// A plain error page for staff forms (their pages are in Vietnamese).
pub(crate) fn problem(status: StatusCode, message: &str) -> Response {
    let mut response =
        (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")]).into_response();
    response
        .extensions_mut()
        .insert(Problem(message.to_string()));
    response
}

/// Writes the page of every [`problem`] response passing through.
pub async fn problem_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let back = back_link(request.headers());
    let mut response = next.run(request).await;
    if let Some(Problem(message)) = response.extensions_mut().remove::<Problem>() {
        *response.body_mut() = Body::from(problem_html(&state.assets, &message, &back));
    }
    response
}

/// Where "Quay lại" leads: the page the form was on (browsers send the Referer to this site
/// only, per our Referrer-Policy), else the home page. A plain link, since the policy lets no
/// inline script run (a `javascript:` link included).
fn back_link(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok())
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        })
        .unwrap_or_else(|| "/".into())
}

fn problem_html(assets: &Assets, message: &str, back: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Hài Lòng</title><link rel=\"stylesheet\" href=\"{}\"></head>\
         <body><main class=\"page narrow\"><p class=\"form-error\" role=\"alert\">{}</p>\
         <p><a href=\"{}\">Quay lại</a> · <a href=\"/login\">Đăng nhập</a></p>\
         </main></body></html>",
        assets.url("hailong.css"),
        escape(message),
        escape(back)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("account route: {e}");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Đã có lỗi. Vui lòng thử lại.",
    )
}

/// The signed-in user if their role is one of `roles` and the form's CSRF token is theirs.
pub(crate) async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    roles: &[Role],
    csrf: Option<&str>,
) -> Result<Me, Response> {
    let me = auth::current_user(state, headers)
        .await
        .map_err(internal)?
        .ok_or_else(|| problem(StatusCode::UNAUTHORIZED, "Vui lòng đăng nhập."))?;
    if !roles.contains(&me.role) {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "Tài khoản của ông/bà không được làm việc này.",
        ));
    }
    if let Some(csrf) = csrf {
        if !auth::same_token(csrf, &me.csrf) {
            return Err(problem(
                StatusCode::FORBIDDEN,
                "Biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại.",
            ));
        }
    }
    Ok(me)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::same_token(&form.csrf, expected) {
        return render_login(state, uri, headers, LoginProblem::Expired).await;
    }
    let client = state.client_info(Some(peer), &headers);
    match auth::login(&state, &form.username, &form.password, &client).await {
        Ok(Ok((me, cookie))) => {
            let mut response = Redirect::to(me.role.home()).into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Ok(Err(auth::LoginError::Invalid)) => {
            render_login(state, uri, headers, LoginProblem::Invalid).await
        }
        Ok(Err(auth::LoginError::Locked)) => {
            render_login(state, uri, headers, LoginProblem::Locked).await
        }
        Err(e) => internal(e),
    }
}

/// Renders the sign-in page again with the problem (the page sets 401).
async fn render_login(
    state: AppState,
    uri: axum::http::Uri,
    headers: HeaderMap,
    login_problem: LoginProblem,
) -> Response {
    super::render_page_as_get(state, uri, headers, move || provide_context(login_problem)).await
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let me = match authorize(&state, &headers, &Role::ALL, Some(&form.csrf)).await {
        Ok(me) => me,
        Err(refusal) => return refusal,
    };
    match auth::logout(&state, &headers, &me).await {
        Ok(cookie) => {
            let mut response = Redirect::to("/login").into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct NewUserForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    password: String,
}

/// What makes a new user valid, checked the same way by the web form and `hailong user add`.
pub async fn validate_new_user(
    state: &AppState,
    username: &str,
    display_name: &str,
    role: &str,
    unit: &str,
    password: &str,
) -> Result<(Role, Option<i64>), String> {
    let username = username.trim();
    if !(3..=40).contains(&username.len())
        || !username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err("Tên đăng nhập gồm 3–40 chữ thường không dấu, chữ số hoặc . _ -".into());
    }
    if display_name.trim().is_empty() || display_name.chars().count() > 100 {
        return Err("Vui lòng nhập họ tên (tối đa 100 ký tự).".into());
    }
    let role = Role::parse(role).ok_or("Vai trò không hợp lệ.")?;
    if password.chars().count() < 10 {
        return Err("Mật khẩu phải có ít nhất 10 ký tự.".into());
    }
    let unit_id = match role.unit_level() {
        None if unit.trim().is_empty() => None,
        None => return Err("Quản trị cấp tỉnh không gắn với đơn vị: để trống mã đơn vị.".into()),
        Some(level) => {
            let id = state
                .store
                .unit_id(unit.trim(), level)
                .await
                .map_err(|e: StoreError| e.to_string())?;
            Some(id.ok_or_else(|| {
                format!(
                    "Không tìm thấy {} có mã “{}”.",
                    if level == "district" {
                        "huyện"
                    } else {
                        "xã"
                    },
                    unit.trim()
                )
            })?)
        }
    };
    Ok((role, unit_id))
}

async fn create_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<NewUserForm>,
) -> Response {
    let me = match authorize(&state, &headers, &[Role::ProvinceAdmin], Some(&form.csrf)).await {
        Ok(me) => me,
        Err(refusal) => return refusal,
    };
    let (role, unit_id) = match validate_new_user(
        &state,
        &form.username,
        &form.display_name,
        &form.role,
        &form.unit,
        &form.password,
    )
    .await
    {
        Ok(valid) => valid,
        Err(message) => return problem(StatusCode::UNPROCESSABLE_ENTITY, &message),
    };
    let hash = match auth::hash_password(form.password.clone()).await {
        Ok(hash) => hash,
        Err(e) => return internal(e),
    };
    let username = form.username.trim();
    match state
        .store
        .create_user(username, form.display_name.trim(), &hash, role, unit_id)
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => return problem(StatusCode::CONFLICT, "Tên đăng nhập này đã có người dùng."),
        Err(e) => return internal(e),
    }
    let detail = format!("role={} unit={}", role.key(), form.unit.trim());
    if let Err(e) = state
        .store
        .audit(Some(me.id), &me.username, "user_created", username, &detail)
        .await
    {
        return internal(e);
    }
    Redirect::to("/admin/users?ok=created").into_response()
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let me = match authorize(&state, &headers, &[Role::ProvinceAdmin], Some(&form.csrf)).await {
        Ok(me) => me,
        Err(refusal) => return refusal,
    };
    if form.password.chars().count() < 10 {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Mật khẩu phải có ít nhất 10 ký tự.",
        );
    }
    let user = match state.store.user_by_id(id).await {
        Ok(Some(user)) => user,
        Ok(None) => return problem(StatusCode::NOT_FOUND, "Không tìm thấy người dùng."),
        Err(e) => return internal(e),
    };
    let hash = match auth::hash_password(form.password).await {
        Ok(hash) => hash,
        Err(e) => return internal(e),
    };
    if let Err(e) = state.store.set_password(id, &hash).await {
        return internal(e);
    }
    if let Err(e) = state
        .store
        .audit(
            Some(me.id),
            &me.username,
            "password_reset",
            &user.username,
            "",
        )
        .await
    {
        return internal(e);
    }
    Redirect::to("/admin/users?ok=password").into_response()
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    decision: String,
}

async fn review_response(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Response {
    let me = match authorize(
        &state,
        &headers,
        &[Role::ProvinceAdmin, Role::DistrictReviewer],
        Some(&form.csrf),
    )
    .await
    {
        Ok(me) => me,
        Err(refusal) => return refusal,
    };
    let exclude = match form.decision.as_str() {
        "exclude" => true,
        "include" => false,
        _ => return problem(StatusCode::UNPROCESSABLE_ENTITY, "Quyết định không hợp lệ."),
    };
    let (commune_id, district_id) = match state.store.response_units(id).await {
        Ok(Some(units)) => units,
        Ok(None) => return problem(StatusCode::NOT_FOUND, "Không tìm thấy phiếu."),
        Err(e) => return internal(e),
    };
    let my_unit = match state.store.user_by_id(me.id).await {
        Ok(user) => user.and_then(|u| u.unit_id),
        Err(e) => return internal(e),
    };
    // Not found rather than forbidden: a reviewer learns nothing about other districts' data.
    if !auth::can_see_commune(me.role, my_unit, commune_id, district_id) {
        return problem(StatusCode::NOT_FOUND, "Không tìm thấy phiếu.");
    }
    match state.store.set_excluded(id, exclude, me.id).await {
        Ok(true) => {}
        Ok(false) => return problem(StatusCode::NOT_FOUND, "Phiếu này không bị đánh dấu."),
        Err(e) => return internal(e),
    }
    let action = if exclude {
        "response_excluded"
    } else {
        "response_included"
    };
    if let Err(e) = state
        .store
        .audit(
            Some(me.id),
            &me.username,
            action,
            &format!("response {id}"),
            "",
        )
        .await
    {
        return internal(e);
    }
    Redirect::to("/review").into_response()
}

/// The whole audit log as CSV (UTF-8 with BOM, so spreadsheet programs show Vietnamese).
async fn audit_csv(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refusal) = authorize(&state, &headers, &[Role::ProvinceAdmin], None).await {
        return refusal;
    }
    let entries = match state.store.list_audit(i64::MAX).await {
        Ok(entries) => entries,
        Err(e) => return internal(e),
    };
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut write = || -> std::io::Result<()> {
        csv::write_record(
            &mut out,
            &["id", "time", "actor", "action", "target", "detail"],
        )?;
        for e in &entries {
            csv::write_record(
                &mut out,
                &[
                    e.id.to_string(),
                    local_time(e.created_at),
                    e.actor.clone(),
                    e.action.clone(),
                    e.target.clone(),
                    e.detail.clone(),
                ],
            )?;
        }
        Ok(())
    };
    if let Err(e) = write() {
        return internal(e);
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}
