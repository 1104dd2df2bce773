//! The survey form posted without JavaScript: `POST /q/{code}`.
//!
//! Success answers 303 → the thank-you page (so reloading it does not post again). A rejected
//! form renders the survey page again with status 422, each error beside its question and every
//! answer kept; it goes through the same Leptos page as a GET, so both look the same.

use app::api::survey::{Prefill, SubmitOutcome, LANG_FIELD};
use app::i18n::{with_lang, Lang};
use app::state::AppState;
use app::{shell, submission};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Form, OriginalUri, Path, State};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use leptos::prelude::provide_context;

/// A survey of ten questions with a 1000-character comment is far below this; anything bigger is
/// not a citizen's answer.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/q/{code}",
        post(post_survey).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
    )
}

async fn post_survey(
    State(state): State<AppState>,
    Path(code): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = fields
        .iter()
        .find(|(name, _)| name == LANG_FIELD)
        .and_then(|(_, v)| Lang::parse(v))
        .unwrap_or_default();
    let prefill = match submission::submit(&state, &code, &fields).await {
        Ok(SubmitOutcome::Stored { .. }) => {
            return Redirect::to(&with_lang(&format!("/q/{code}/thanks"), lang)).into_response()
        }
        Ok(SubmitOutcome::Invalid { errors }) => Prefill {
            values: fields,
            errors,
            expired: false,
        },
        Ok(SubmitOutcome::FormExpired) => Prefill {
            values: fields,
            errors: Default::default(),
            expired: true,
        },
        // The page itself explains an unknown or retired desk, with the right status.
        Ok(SubmitOutcome::DeskNotFound | SubmitOutcome::DeskRetired) => Prefill::default(),
        Err(_) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Chưa gửi được đánh giá. Vui lòng thử lại. / Your rating could not be sent.",
            )
                .into_response()
        }
    };
    render_page(state, uri, headers, prefill).await
}

/// Renders the page at `uri` as a GET would, with the rejected submission in context.
async fn render_page(
    state: AppState,
    uri: axum::http::Uri,
    headers: HeaderMap,
    prefill: Prefill,
) -> Response {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .body(Body::empty())
        .expect("a request from a valid URI");
    *request.headers_mut() = headers;
    request
        .headers_mut()
        .remove(axum::http::header::CONTENT_LENGTH);
    request
        .headers_mut()
        .remove(axum::http::header::CONTENT_TYPE);
    let options = state.leptos_options.clone();
    // The survey page is an `SsrMode::Async` route, so render it the same way: complete HTML
    // with the status the page sets (422).
    let handler = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(state.clone());
            provide_context(prefill.clone());
        },
        move || shell(options.clone()),
    );
    handler(request).await
}
