//! Logs: human-readable lines by default, JSON lines (`HAILONG_LOG_FORMAT=json`) for log
//! shippers; one line per request naming its route pattern, never its URL.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

/// How log lines are written (`HAILONG_LOG_FORMAT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    /// `text` or `json`.
    pub fn parse(value: &str) -> Option<LogFormat> {
        match value.trim() {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

/// Sets the process's logger up: `RUST_LOG` filters (default `info`), lines go to stderr so
/// that commands writing CSV to stdout stay clean. The format is read here, before the
/// configuration, so that configuration errors are logged in it; a malformed value falls back
/// to text and the configuration then refuses it.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,leptos_axum=warn".into());
    let format = std::env::var("HAILONG_LOG_FORMAT")
        .ok()
        .and_then(|v| LogFormat::parse(&v))
        .unwrap_or_default();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
}

/// One line per request: method, the route pattern that matched (`/q/{code}`: the URL itself
/// carries desk codes and dossier numbers, and its query anything a client adds), status and
/// latency until the response headers.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        target: "hailong::request",
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        latency_ms = (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0,
        "request"
    );
    response
}
