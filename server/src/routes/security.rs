//! Security headers on every response, refusal of cross-site form posts, and the checks on
//! server-function request bodies that the framework would otherwise answer with 500.

use app::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// One year, subdomains included. No `preload`: leaving browsers' preload lists takes months,
/// a decision for whoever owns the province's domain.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Pages rendered by Leptos carry a policy with their own nonce (`app::shell`); every other
/// response gets the same policy without one, so no inline script runs anywhere.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = app::content_security_policy(None);
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&policy).expect("the policy is ASCII"),
        );
    }
    // Behind HTTPS, browsers must never try plain HTTP again: on a shared network an attacker
    // could answer that first plain request with a page of their own (a fake sign-in form).
    // Browsers ignore the header over plain HTTP, so it is only sent behind HTTPS.
    if state.settings.public_url.starts_with("https://") {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
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

/// The largest server-function request body read (axum's default body limit, which the server
/// functions hit as an internal error).
pub const MAX_SERVER_FN_BYTES: usize = 2 * 1024 * 1024;

/// Server functions (`POST /api/…`, registered by leptos_axum) answer every failure to read
/// their arguments with 500. Their bodies are read here first: over [`MAX_SERVER_FN_BYTES`]
/// is 413, a JSON body that does not parse is 400, each with a short message; anything else
/// goes on to the framework with the bytes already read.
pub async fn server_fn_bodies(request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let too_large = || {
        refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Yêu cầu quá lớn (tối đa 2 MB). Request too large (2 MB at most).",
        )
    };
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_SERVER_FN_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let bytes = match Limited::new(body, MAX_SERVER_FN_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => return too_large(),
        Err(_) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                "Không đọc được yêu cầu. The request could not be read.",
            )
        }
    };
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if json && serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err() {
        return refusal(
            StatusCode::BAD_REQUEST,
            "Dữ liệu gửi lên không phải JSON hợp lệ. The body is not valid JSON.",
        );
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    bad_arguments_are_400(response).await
}

/// server_fn answers every error with 500, the caller's unreadable arguments too (`null`, a
/// missing or mistyped field): those come back as `AppError::BadRequest` and leave here as 400,
/// with the same body, which names the field.
async fn bad_arguments_are_400(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // An error's body is a few hundred bytes; anything larger is not one of ours to rewrite.
    let Ok(collected) = Limited::new(body, 64 * 1024).collect().await else {
        return refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Lỗi máy chủ. Server error.",
        );
    };
    let bytes = collected.to_bytes();
    if let Ok(app::error::AppError::BadRequest(_)) = serde_json::from_slice(&bytes) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn refusal(status: StatusCode, message: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// Refuses state-changing requests that a browser marks as coming from another site. Together
/// with SameSite=Lax cookies and the per-form CSRF tokens this closes cross-site request forgery
/// for server functions too. The origin may match the request's Host or the configured public URL
/// (behind a reverse proxy the Host the server sees is often an internal name).
pub async fn same_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
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
