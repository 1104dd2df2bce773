//! Liveness, database reachability and whether answers can be stored, for load balancers,
//! monitoring and the test harness.

use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

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
