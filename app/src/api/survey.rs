//! The citizen survey: loading a desk's form and submitting it.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use survey_definitions::{FieldErrors, Survey, Text};

use super::desks::{DeskInfo, DeskLookup};
use crate::error::AppError;

/// Form field carrying the idempotency key.
pub const KEY_FIELD: &str = "_key";
/// Form field carrying the language the citizen answered in.
pub const LANG_FIELD: &str = "lang";

/// Everything the survey page needs to render a desk's form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveyPageData {
    pub desk: DeskInfo,
    pub survey: Survey,
    /// Idempotency key carried by the form, so a retried submission is stored once.
    pub key: String,
    /// Answers and errors of a rejected submission (set when the form was posted without
    /// JavaScript and the server renders the page again).
    pub prefill: Option<Prefill>,
}

/// A rejected submission, shown again with its answers kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefill {
    pub values: Vec<(String, String)>,
    pub errors: FieldErrors,
    pub expired: bool,
    /// Nothing was stored because the database could not write: the page says so (503).
    pub unavailable: bool,
}

impl Prefill {
    /// The value previously entered for a field, if any.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What happened to a submission. Only the server's own failures are errors; everything the
/// citizen can act on is an outcome the page explains.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubmitOutcome {
    /// Durably stored (or already stored under the same idempotency key).
    Stored {
        duplicate: bool,
    },
    /// Some answers were rejected; nothing was stored.
    Invalid {
        errors: FieldErrors,
    },
    /// The form's idempotency key is missing or malformed (a tampered or truncated form).
    FormExpired,
    DeskNotFound,
    DeskRetired,
    /// This device rated this desk moments ago; nothing was stored.
    AlreadyRated,
    /// Too many submissions from this client or device; try again after this many seconds.
    RateLimited {
        retry_after_secs: u64,
    },
    /// The database cannot store answers now: nothing was stored, and the form keeps the
    /// answers to send again.
    Unavailable,
}

/// The form of the desk with public code `code`.
#[server]
pub async fn get_survey_page(code: String) -> Result<DeskLookup<SurveyPageData>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    // Set by the plain-form POST handler when it renders a rejected submission again.
    let prefill = use_context::<Prefill>();
    crate::submission::give_device_cookie(&state);
    crate::submission::survey_page(&state, &code, prefill).await
}

/// What the thank-you page shows after a submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThanksPageData {
    pub desk: DeskInfo,
    pub thanks: Text,
}

/// The thank-you page of a desk.
#[server]
pub async fn get_thanks_page(code: String) -> Result<DeskLookup<ThanksPageData>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    crate::submission::thanks_page(&state, &code).await
}

/// Stores a citizen's answers. Used by the enhanced form once the WASM has loaded; without
/// JavaScript the same form posts to `/q/{code}`, which runs the same `submission::submit`.
#[server(input = Json)]
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
    crate::submission::submit(&state, &code, &fields, &client).await
}
