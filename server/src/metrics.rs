//! Prometheus metrics at `/metrics`, recorded through the `metrics` facade (the app's counters
//! and histograms are named beside the code that moves them: `app::writer`, `app::survey::submit`,
//! sign-in in `routes::account`) and written by `metrics-exporter-prometheus`.
//!
//! Reachable from loopback (a monitoring agent on the machine) or with
//! `Authorization: Bearer $HAILONG_METRICS_TOKEN`. Behind a proxy the client address is the one
//! the proxy saw (`HAILONG_TRUST_PROXY`), so a request from the internet relayed by nginx on
//! loopback is not taken for a local one. Others get 404, or 403 for a wrong token.

use std::time::Duration;

use app::state::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Sign-in attempts refused, by reason (`invalid`, `locked`, `busy`, `too_long`).
pub const SIGN_IN_FAILURES: &str = "hailong_sign_in_failures_total";
/// Responses waiting for a writer task, at the time of the scrape.
pub const WRITER_QUEUE_DEPTH: &str = "hailong_writer_queue_depth";
/// Live dashboard streams open, at the time of the scrape.
pub const LIVE_STREAMS_OPEN: &str = "hailong_live_streams_open";

/// Commit times from a fraction of a millisecond (an idle SQLite) to the writer's retry limit.
const COMMIT_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histograms are folded into their buckets between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the process-wide recorder (once per process: `hailong serve` only) and keeps its
/// histograms folded; the handle writes the text.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(app::writer::COMMIT_SECONDS.into()),
            COMMIT_BUCKETS,
        )?
        .install_recorder()?;
    describe();
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP_EVERY);
        loop {
            tick.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        app::writer::ANSWERS_ACCEPTED,
        "Citizens' responses newly stored, by channel"
    );
    describe_counter!(
        "hailong_answers_refused_total",
        "Submissions not stored, by reason"
    );
    describe_counter!(
        app::writer::ANSWERS_FLAGGED,
        "Responses stored with a flag, by flag"
    );
    describe_counter!(
        app::writer::DATABASE_ERRORS,
        "Failed database operations, by source and kind"
    );
    describe_counter!(SIGN_IN_FAILURES, "Refused sign-ins, by reason");
    describe_histogram!(
        app::writer::COMMIT_SECONDS,
        Unit::Seconds,
        "Time of each commit of a batch of responses"
    );
    describe_gauge!(WRITER_QUEUE_DEPTH, "Responses waiting for a writer task");
    describe_gauge!(LIVE_STREAMS_OPEN, "Open live dashboard streams");
    describe_gauge!(ALERTS, "Alerts by status (queued, sent, failed)");
    describe_counter!(
        ALERT_DELIVERY_FAILURES,
        "Failed alert delivery attempts, by channel"
    );
}

/// Alerts in the queue by status, read from the database at each scrape (every process sees
/// the same queue).
pub const ALERTS: &str = "hailong_alerts";
/// Failed delivery attempts (a retry that succeeds later still counts once here).
pub const ALERT_DELIVERY_FAILURES: &str = "hailong_alert_delivery_failures_total";

/// Counts a refused sign-in.
pub fn sign_in_failed(error: app::accounts::auth::LoginError) {
    use app::accounts::auth::LoginError;
    let reason = match error {
        LoginError::Invalid => "invalid",
        LoginError::Locked { .. } => "locked",
        LoginError::Busy => "busy",
        LoginError::TooLong => "too_long",
        LoginError::SsoRequired => "sso_required",
    };
    metrics::counter!(SIGN_IN_FAILURES, "reason" => reason).increment(1);
}

#[derive(Clone)]
struct Scrape {
    state: AppState,
    handle: PrometheusHandle,
    token: Option<String>,
}

/// `GET /metrics`, for `hailong serve`'s router.
pub fn router(state: AppState, handle: PrometheusHandle, token: Option<String>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape {
            state,
            handle,
            token,
        })
}

async fn scrape(
    State(scrape): State<Scrape>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Err(status) = allowed(&scrape, peer, &headers) {
        return (status, "").into_response();
    }
    metrics::gauge!(WRITER_QUEUE_DEPTH).set(scrape.state.writer.queued() as f64);
    metrics::gauge!(LIVE_STREAMS_OPEN).set(scrape.state.live.open_streams() as f64);
    match scrape.state.store.alert_queue(0).await {
        Ok((_, counts)) => {
            for (status, count) in counts {
                metrics::gauge!(ALERTS, "status" => status).set(count as f64);
            }
        }
        Err(e) => tracing::warn!("metrics: the alert queue could not be read: {e}"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        scrape.handle.render(),
    )
        .into_response()
}

/// Loopback clients and holders of the token; a wrong token is 403, no token from afar 404
/// (the route is not advertised).
fn allowed(
    scrape: &Scrape,
    peer: std::net::SocketAddr,
    headers: &HeaderMap,
) -> Result<(), StatusCode> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match (bearer, scrape.token.as_deref()) {
        (Some(given), Some(token)) if app::accounts::auth::same_token(given, token) => Ok(()),
        (Some(_), _) => Err(StatusCode::FORBIDDEN),
        (None, _)
            if scrape
                .state
                .client_info(Some(peer), headers)
                .ip
                .is_loopback() =>
        {
            Ok(())
        }
        (None, _) => Err(StatusCode::NOT_FOUND),
    }
}
