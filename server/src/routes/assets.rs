//! The built site's `pkg/`: the WASM, JS and CSS, sent precompressed (`.br`, `.gz`) as the
//! browser's `Accept-Encoding` allows, and kept by browsers for a year when their names carry a
//! content hash (see `app::assets`).

use std::path::Path;
use std::sync::Arc;

use app::assets::Assets;
use app::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use tower_http::services::ServeDir;

/// A hashed name is never reused for other content, so the browser need not even revalidate it.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A plain name (no manifest, or a file outside it) may hold new content after the next deploy:
/// the browser keeps the file but asks first (a cheap 304), rather than run stale code for a day.
const REVALIDATE: &str = "no-cache";

/// Serves `site_root/pkg`, to be nested at `/pkg`.
pub fn router(site_root: &Path, assets: Arc<Assets>) -> Router<AppState> {
    Router::new()
        .fallback_service(
            ServeDir::new(site_root.join("pkg"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(axum::middleware::from_fn_with_state(assets, cache_headers))
}

async fn cache_headers(
    State(assets): State<Arc<Assets>>,
    request: Request,
    next: Next,
) -> Response {
    // Nested at `/pkg`, the path is the file's own name: `/hailong.0123456789abcdef.css`.
    let hashed = request
        .uri()
        .path()
        .strip_prefix('/')
        .is_some_and(|name| assets.is_hashed(name));
    let mut response = next.run(request).await;
    let found = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let cache = if hashed && found {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // ServeDir picks the `.br` or `.gz` copy by Accept-Encoding without saying so, and the
    // compression layer leaves already encoded responses alone: caches between the server and
    // the phone must not hand a brotli body to a browser that asked for gzip.
    let varies = headers
        .get_all(header::VARY)
        .iter()
        .any(|v| v.as_bytes().eq_ignore_ascii_case(b"accept-encoding"));
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}
