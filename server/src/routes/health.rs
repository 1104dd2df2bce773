//! Liveness, database reachability and whether answers can be stored, for load balancers,
//! monitoring and the test harness.

use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Extension;

use crate::shutdown::Shutdown;

/// Readiness, for a load balancer or an orchestrator deciding whether to send citizens here:
/// 200 `ready` only when an answer could be stored now: the database takes a write (through
/// the writer's own connection) and every migration this binary carries is applied; 503 with
/// the reason otherwise; 503 `shutting down` from the moment `hailong serve` is told to stop.
/// A writer failure from before does not keep it unready: the probe's
/// write shows whether the cause is gone, and no citizen is sent here while it is not.
pub async fn ready(
    State(state): State<AppState>,
    shutdown: Option<Extension<Shutdown>>,
) -> (StatusCode, String) {
    if shutdown.is_some_and(|Extension(s)| s.is_draining()) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down".into());
    }
    if let Err(e) = state.store.probe_write().await {
        tracing::error!("readiness: {e}");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the database does not take writes".into(),
        );
    }
    match state.store.missing_migrations().await {
        Ok(0) => {}
        Ok(n) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("{n} database migrations are not applied"),
            )
        }
        Err(e) => {
            tracing::error!("readiness: {e}");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the migrations cannot be read".into(),
            );
        }
    }
    (StatusCode::OK, "ready".into())
}

/// 200 `ok` when the database answers and takes writes; 503 with the reason otherwise. While
/// the response writer is failing (a full disk, say), the check tries a write itself, so it
/// turns healthy as soon as the database takes writes again.
pub async fn health(State(state): State<AppState>) -> (StatusCode, String) {
    if let Some(failure) = state.writer.health().failure() {
        if let Err(e) = state.store.probe_write().await {
            tracing::error!("health check: {e}");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "answers cannot be stored (since {}): {}",
                    app::clock::display(failure.since_ms),
                    failure.reason
                ),
            );
        }
    }
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok".into()),
        Err(e) => {
            tracing::error!("health check: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable".into(),
            )
        }
    }
}
