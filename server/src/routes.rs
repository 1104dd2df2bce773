//! Routes outside Leptos pages.

pub mod account;
pub mod assessment;
pub mod assets;
pub mod exports;
pub mod health;
pub mod kiosk;
pub mod live;
pub mod oidc;
pub mod problem;
pub mod qr;
pub mod reports;
pub mod security;
pub mod signed_in;
pub mod survey_form;

use app::shell;
use app::state::AppState;
use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, Uri};
use axum::response::Response;
use leptos::prelude::provide_context;

/// Shows the staff page `page` again with the refused form filled in and each problem under
/// its field, with the refusal's status (`app::forms`).
pub(crate) async fn refuse_form(
    state: AppState,
    page: &'static str,
    headers: HeaderMap,
    refused: app::forms::RefusedForm,
) -> Response {
    render_page_as_get(state, Uri::from_static(page), headers, move || {
        provide_context(refused.clone())
    })
    .await
}

/// Renders the Leptos page at `uri` as a GET would, with `context` added: how a rejected form
/// post shows its page again (with errors and the status the page sets). The pages concerned are
/// `SsrMode::Async` routes, so they are rendered the same way: complete HTML, then the status.
pub(crate) async fn render_page_as_get(
    state: AppState,
    uri: Uri,
    headers: HeaderMap,
    context: impl Fn() + Clone + Send + Sync + 'static,
) -> Response {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .body(Body::empty())
        .expect("a request from a valid URI");
    *request.headers_mut() = headers;
    request.headers_mut().remove(header::CONTENT_LENGTH);
    request.headers_mut().remove(header::CONTENT_TYPE);
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(state.clone());
            context();
        },
        move || shell(options.clone()),
    );
    handler(request).await
}
