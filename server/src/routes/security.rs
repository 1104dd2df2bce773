//! Security headers on every response, and refusal of cross-site form posts.

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Leptos's hydration bootstrap and its serialised resources are inline scripts, hence
/// 'unsafe-inline' for scripts; WASM needs 'wasm-unsafe-eval'. Everything else comes from
/// this origin only, and no other site may frame the pages.
const CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    response
}

/// Refuses state-changing requests that a browser marks as coming from another site. Together
/// with SameSite=Lax cookies and the per-form CSRF tokens this closes cross-site request forgery
/// for server functions too. The origin may match the request's Host or the configured public URL
/// (behind a reverse proxy the Host the server sees is often an internal name).
pub async fn same_origin(
    axum::extract::State(state): axum::extract::State<app::state::AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let headers = request.headers();
        let cross_site = headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"cross-site");
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let foreign_origin = match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            None => false,
            Some("null") => true,
            Some(origin) => {
                let same_host = host.is_some() && origin.split_once("://").map(|(_, h)| h) == host;
                !same_host && origin != state.settings.public_url
            }
        };
        if cross_site || foreign_origin {
            return (StatusCode::FORBIDDEN, "Cross-site request refused").into_response();
        }
    }
    next.run(request).await
}
