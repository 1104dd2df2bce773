//! Form posts of the signed-in pages: sign in and out, user administration, sign-in limits,
//! review decisions, and the audit log export. Each checks the session, the role and the CSRF
//! token itself — hiding a link is not authorization. Forms are limited to
//! [`MAX_FORM_BYTES`]; a bigger one is refused before it is read in full.
use app::accounts::auth::{self, LOGIN_CSRF_COOKIE};
use app::accounts::login::LoginProblem;
use app::accounts::users::{
    create_user as create_user_checked, password_problem, NewUser, NewUserRefused,
};
use app::state::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, OriginalUri, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use serde::Deserialize;

use super::problem::{internal, problem, unreadable_form};
use super::signed_in::{AnyStaff, ProvinceAdmin, Reviewers, Staff, StaffForm};
use crate::exports::{csv_bytes, Cell, ExportFormat, Record};
use crate::routes::survey_form::MAX_FORM_BYTES;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/admin/users", post(create_user))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/sign-in-limits/lift", post(lift_sign_in_limit))
        .route("/admin/audit.csv", get(audit_csv))
        .route("/review/responses/{id}", post(review_response))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
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
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return unreadable_form(rejection),
    };
    let expected = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::same_token(&form.csrf, expected) {
        return render_login(state, uri, headers, LoginProblem::Expired).await;
    }
    let client = state.client_info(Some(peer), &headers);
    let outcome = auth::login(&state, &form.username, &form.password, &client).await;
    if let Ok(Err(refused)) = &outcome {
        crate::metrics::sign_in_failed(*refused);
    }
    match outcome {
        Ok(Ok((me, cookie))) => {
            let mut response = Redirect::to(me.role.home()).into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Ok(Err(auth::LoginError::Invalid)) => {
            render_login(state, uri, headers, LoginProblem::Invalid).await
        }
        Ok(Err(auth::LoginError::Locked { retry_after_secs })) => {
            let mut response = render_login(
                state,
                uri,
                headers,
                LoginProblem::Locked { retry_after_secs },
            )
            .await;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after_secs.into());
            response
        }
        Ok(Err(auth::LoginError::Busy)) => {
            let mut response = render_login(state, uri, headers, LoginProblem::Busy).await;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, auth::HASHING_WAIT.as_secs().into());
            response
        }
        Ok(Err(auth::LoginError::TooLong)) => {
            render_login(state, uri, headers, LoginProblem::TooLong).await
        }
        Ok(Err(auth::LoginError::SsoRequired)) => {
            render_login(state, uri, headers, LoginProblem::SsoRequired).await
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

/// A form with no field but the token every staff form carries (read by `StaffForm`).
#[derive(Deserialize)]
struct TokenOnly {}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    StaffForm { me, .. }: StaffForm<TokenOnly, AnyStaff>,
) -> Response {
    // A session opened through the province's provider ends there too (RP-initiated logout).
    let provider_logout = match app::accounts::sso::provider_logout_url(&state, &headers).await {
        Ok(url) => url,
        Err(e) => return internal(e),
    };
    match auth::logout(&state, &headers, &me).await {
        Ok(cookie) => {
            let mut response = match provider_logout {
                Some(url) => super::oidc::provider_logout_page(&state, &url),
                None => Redirect::to("/login").into_response(),
            };
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct NewUserForm {
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
    #[serde(default)]
    email: String,
}

async fn create_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    StaffForm { me, form, .. }: StaffForm<NewUserForm, ProvinceAdmin>,
) -> Response {
    let new = NewUser {
        username: &form.username,
        display_name: &form.display_name,
        role: &form.role,
        unit: &form.unit,
        password: &form.password,
        email: &form.email,
    };
    let problems = match create_user_checked(&state, &new, (Some(me.id), &me.username)).await {
        Ok(Ok(_)) => return Redirect::to("/admin/users?ok=created").into_response(),
        Ok(Err(NewUserRefused::Invalid(problems))) => problems,
        Ok(Err(NewUserRefused::Taken)) => {
            [("username".to_string(), NewUserRefused::Taken.to_string())]
                .into_iter()
                .collect()
        }
        Err(e) => return internal(e),
    };
    // The page again, its form filled with what was typed (the password excepted) and each
    // problem next to its field; the page answers 422.
    let prefill = app::accounts::api::NewUserPrefill {
        values: [
            ("username", &form.username),
            ("display_name", &form.display_name),
            ("role", &form.role),
            ("unit", &form.unit),
            ("email", &form.email),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect(),
        problems,
    };
    let uri = axum::http::Uri::from_static("/admin/users");
    super::render_page_as_get(state, uri, headers, move || {
        provide_context(prefill.clone())
    })
    .await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
}

/// The users page again with one row's refused field (422), as a refused new user is shown.
pub(crate) async fn users_page_with(
    state: AppState,
    headers: HeaderMap,
    refused: app::accounts::api::UserRowProblem,
) -> Response {
    let uri = axum::http::Uri::from_static("/admin/users");
    super::render_page_as_get(state, uri, headers, move || {
        provide_context(refused.clone())
    })
    .await
}

async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    StaffForm { me, form, .. }: StaffForm<PasswordForm, ProvinceAdmin>,
) -> Response {
    if let Err(message) = password_problem(&form.password) {
        let refused = app::accounts::api::UserRowProblem {
            user_id: id,
            field: "password".into(),
            value: String::new(),
            message,
        };
        return users_page_with(state, headers, refused).await;
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
struct LiftForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    client_hash: String,
}

/// The province admin lifts a sign-in limit: the counts of one user name from one address, or
/// of one address; audited.
async fn lift_sign_in_limit(
    State(state): State<AppState>,
    _headers: HeaderMap,
    StaffForm { me, form, .. }: StaffForm<LiftForm, ProvinceAdmin>,
) -> Response {
    let lifted = match state
        .store
        .lift_sign_in_limit(&form.username, &form.client_hash)
        .await
    {
        Ok(Some(row)) => row,
        Ok(None) => {
            return problem(
                StatusCode::NOT_FOUND,
                "Không tìm thấy hạn chế này: có thể nó đã được gỡ.",
            )
        }
        Err(e) => return internal(e),
    };
    let address = &lifted.client_hash[..lifted.client_hash.len().min(auth::ADDRESS_SHOWN)];
    let target = if lifted.username.is_empty() {
        format!("địa chỉ #{address}")
    } else {
        lifted.username.clone()
    };
    let detail = format!(
        "địa chỉ #{address}: {} lần sai, {} lần bị từ chối",
        lifted.failures, lifted.refused
    );
    if let Err(e) = state
        .store
        .audit(
            Some(me.id),
            &me.username,
            "sign_in_limit_lifted",
            &target,
            &detail,
        )
        .await
    {
        return internal(e);
    }
    Redirect::to("/admin/users?ok=lifted").into_response()
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    /// The reviewer ticked "I have read the response": a decision that moves a commune's
    /// figures is never taken by a stray click.
    #[serde(default)]
    confirm: String,
}

async fn review_response(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm { me, form, .. }: StaffForm<DecisionForm, Reviewers>,
) -> Response {
    let exclude = match form.decision.as_str() {
        "exclude" => true,
        "include" => false,
        _ => return problem(StatusCode::UNPROCESSABLE_ENTITY, "Quyết định không hợp lệ."),
    };
    if form.confirm != "yes" {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Chưa xác nhận: hãy xem phiếu và đánh dấu ô \"Tôi đã xem phiếu và xác nhận\" trước khi quyết định. Phiếu chưa thay đổi.",
        );
    }
    let (commune_id, district_id) = match state.store.response_units(id).await {
        Ok(Some(units)) => units,
        Ok(None) => return problem(StatusCode::NOT_FOUND, "Không tìm thấy phiếu."),
        Err(e) => return internal(e),
    };
    let my_unit = match state.store.user_by_id(me.id).await {
        Ok(user) => user.and_then(|u| u.unit_id),
        Err(e) => return internal(e),
    };
    // Not found rather than forbidden: a reviewer learns nothing about other communes' data.
    if !auth::may_see_commune(&me, my_unit, commune_id, district_id) {
        return problem(StatusCode::NOT_FOUND, "Không tìm thấy phiếu.");
    }
    match state.store.set_excluded(id, exclude, me.id).await {
        Ok(true) => super::live::announce_response(&state, id).await,
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

/// The audit log as CSV with the audit page's filters, written as the other exports are (UTF-8
/// with BOM, text cells neutralised: user names are whatever was typed at the sign-in form), with
/// the same download headers.
async fn audit_csv(
    State(state): State<AppState>,
    _: Staff<ProvinceAdmin>,
    Query(query): Query<app::accounts::api::AuditQuery>,
) -> Response {
    let filter = match query.filter() {
        Ok(filter) => filter,
        Err(message) => return problem(StatusCode::BAD_REQUEST, message),
    };
    let entries = match state.store.list_audit_filtered(&filter, i64::MAX).await {
        Ok(entries) => entries,
        Err(e) => return internal(e),
    };
    let records: Vec<Record> = entries
        .into_iter()
        .map(|e| {
            vec![
                Cell::Int(e.id),
                Cell::Text(app::clock::display(e.created_at)),
                Cell::Text(e.actor),
                Cell::Text(e.action),
                Cell::Text(e.target),
                Cell::Text(e.detail),
                Cell::Int(e.repeats),
                e.last_at
                    .map_or(Cell::Empty, |at| Cell::Text(app::clock::display(at))),
            ]
        })
        .collect();
    // Repeated failed sign-ins are one entry: `repeats` says how many, `last_time` the latest.
    let header = [
        "id",
        "time",
        "actor",
        "action",
        "target",
        "detail",
        "repeats",
        "last_time",
    ];
    match csv_bytes(&header, &records) {
        Ok(body) => (
            super::exports::download_headers(ExportFormat::Csv, "audit-log.csv"),
            body,
        )
            .into_response(),
        Err(e) => internal(e),
    }
}
