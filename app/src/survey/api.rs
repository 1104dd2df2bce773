//! The citizen survey's server functions: loading a desk's form, its thank-you page, and
//! submitting it from the hydrated form.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::desk::DeskLookup;
#[cfg(feature = "ssr")]
use super::model::Prefill;
use super::model::{SubmitOutcome, SurveyPageData, ThanksPageData};
use crate::error::AppError;

/// The form of the desk with public code `code`.
#[server]
pub async fn get_survey_page(
    code: String,
    dossier: Option<String>,
    lang: survey_definitions::Lang,
) -> Result<DeskLookup<SurveyPageData>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    // Set by the plain-form POST handler when it renders a rejected submission again.
    let prefill = use_context::<Prefill>();
    crate::survey::submit::give_device_cookie(&state);
    crate::survey::submit::survey_page(&state, &code, prefill, dossier.as_deref(), lang).await
}

/// The thank-you page of a desk.
#[server]
pub async fn get_thanks_page(code: String) -> Result<DeskLookup<ThanksPageData>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    crate::survey::submit::thanks_page(&state, &code).await
}

/// Stores a citizen's answers. Used by the enhanced form once the WASM has loaded; without
/// JavaScript the same form posts to `/q/{code}`, which runs the same `submission::submit`.
#[server(input = Json, endpoint = "survey/submit")]
pub async fn submit_response(
    code: String,
    fields: Vec<(String, String)>,
) -> Result<SubmitOutcome, AppError> {
    use axum::extract::ConnectInfo;
    let state = expect_context::<crate::state::AppState>();
    let peer = leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>()
        .await
        .ok()
        .map(|c| c.0);
    let headers: axum::http::HeaderMap = leptos_axum::extract()
        .await
        .map_err(|e| AppError::internal("submit_response", e))?;
    let client = state.client_info(peer, &headers);
    crate::survey::submit::submit(&state, &code, &fields, &client).await
}
