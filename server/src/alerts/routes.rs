//! Form posts about alerts: a signed-in user's own address and choice (`/alerts/settings`),
//! and the province admin setting a user's address on the users page
//! (`/admin/users/{id}/email`). Each checks the session, the role and the CSRF token.

use app::accounts::users::parse_email;
use app::alerts::rule::AlertMode;
use app::domain::roles::Role;
use app::state::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use crate::routes::problem::{internal, problem, unreadable_form};
use crate::routes::refuse_form;
use crate::routes::signed_in::authorize;
use crate::routes::survey_form::MAX_FORM_BYTES;
use app::forms::RefusedForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/alerts/settings", post(save_settings))
        .route("/admin/users/{id}/email", post(set_user_email))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    mode: String,
}

/// The signed-in user's own address and alert choice.
async fn save_settings(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<SettingsForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return unreadable_form(rejection),
    };
    let me = match authorize(&state, &headers, &Role::ALL, Some(&form.csrf)).await {
        Ok(me) => me,
        Err(refusal) => return refusal,
    };
    let email = parse_email(&form.email);
    let mode = AlertMode::parse(form.mode.trim());
    let (Ok(email), Some(mode)) = (email.clone(), mode) else {
        // Both problems at once, each under its field, with what was typed kept.
        let mut refused = RefusedForm::new("/alerts/settings")
            .keep("email", &form.email)
            .keep("mode", form.mode.trim());
        if let Err(message) = email {
            refused = refused.problem("email", message);
        }
        if mode.is_none() {
            refused = refused.problem("mode", "Vui lòng chọn một cách nhận thư báo.");
        }
        return refuse_form(state, "/alerts", headers, refused).await;
    };
    let store = &state.store;
    let saved = async {
        store.set_user_email(me.id, email.as_deref()).await?;
        store.set_alert_mode(me.id, mode.key()).await?;
        store
            .audit(
                Some(me.id),
                &me.username,
                "alert_settings_set",
                &me.username,
                &format!(
                    "mode={} email={}",
                    mode.key(),
                    if email.is_some() { "set" } else { "none" }
                ),
            )
            .await
    };
    match saved.await {
        Ok(()) => Redirect::to("/alerts?ok=saved").into_response(),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// The province admin sets (or clears) a user's address.
async fn set_user_email(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    form: Result<Form<EmailForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return unreadable_form(rejection),
    };
    let me = match authorize(&state, &headers, &[Role::ProvinceAdmin], Some(&form.csrf)).await {
        Ok(me) => me,
        Err(refusal) => return refusal,
    };
    let user = match state.store.user_by_id(id).await {
        Ok(Some(user)) => user,
        Ok(None) => return problem(StatusCode::NOT_FOUND, "Không tìm thấy người dùng."),
        Err(e) => return internal(e),
    };
    match app::accounts::users::set_email(
        &state,
        (Some(me.id), &me.username),
        &user.username,
        &form.email,
    )
    .await
    {
        Ok(_) => Redirect::to("/admin/users?ok=email").into_response(),
        Err(message) => {
            let refused = app::accounts::api::UserRowProblem {
                user_id: id,
                field: "email".into(),
                value: form.email.clone(),
                message,
            };
            crate::routes::account::users_page_with(state, headers, refused).await
        }
    }
}
