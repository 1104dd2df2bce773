//! Liveness and database reachability, for load balancers and the test harness.

use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

pub async fn health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("select 1").execute(state.store.pool()).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!("health check: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
