//! Liveness, database reachability and whether answers can be stored, for load balancers,
//! monitoring and the test harness. Both answer within `CHECK_WAIT` whatever the database does,
//! and say why when they refuse.

use std::future::Future;
use std::time::Duration;

use app::state::AppState;
use app::store::StoreError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Extension;

use crate::shutdown::Shutdown;

/// How long a check waits for the database: a load balancer asks every few seconds and must get
/// its answer before its own timeout, not after the pool's (10 s on PostgreSQL).
const CHECK_WAIT: Duration = Duration::from_secs(2);

/// Runs a database check, bounded by `CHECK_WAIT`; the refusal names what failed.
async fn within_wait<T>(
    what: &str,
    check: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, String> {
    match tokio::time::timeout(CHECK_WAIT, check).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => {
            tracing::error!("{what}: {e}");
            Err(format!("{what}: {}", reason(&e)))
        }
        Err(_) => {
            tracing::error!("{what}: no answer within {} s", CHECK_WAIT.as_secs());
            Err(format!(
                "{what}: the database did not answer within {} s",
                CHECK_WAIT.as_secs()
            ))
        }
    }
}

/// Why the database failed, in words an operator acts on, without the connection's details.
fn reason(e: &StoreError) -> String {
    match e {
        StoreError::NoRoom { .. } => e.to_string(),
        StoreError::Sqlx(sqlx::Error::PoolTimedOut) => {
            "no database connection could be opened in time (is the server running?)".into()
        }
        StoreError::Sqlx(sqlx::Error::Io(io)) => format!("cannot reach the database ({io})"),
        StoreError::Sqlx(sqlx::Error::Database(db)) => format!(
            "the database refused (code {})",
            db.code().unwrap_or_default()
        ),
        e if e.is_unavailable() => "the database cannot work now".into(),
        _ => "the database failed".into(),
    }
}

/// Readiness, for a load balancer or an orchestrator deciding whether to send citizens here:
/// 200 `ready` only when an answer could be stored now: the database takes a write (through
/// the writer's own connection, and on SQLite with room on its disk for a batch of answers) and
/// every migration this binary carries is applied; 503 with the reason otherwise; 503
/// `shutting down` from the moment `hailong serve` is told to stop. A writer failure from
/// before does not keep it unready: the probe's write shows whether the cause is gone, and no
/// citizen is sent here while it is not.
pub async fn ready(
    State(state): State<AppState>,
    shutdown: Option<Extension<Shutdown>>,
) -> (StatusCode, String) {
    if shutdown.is_some_and(|Extension(s)| s.is_draining()) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down".into());
    }
    if let Err(why) = within_wait("answers cannot be stored", state.store.probe_write()).await {
        return (StatusCode::SERVICE_UNAVAILABLE, why);
    }
    match within_wait("migrations", state.store.missing_migrations()).await {
        Ok(0) => (StatusCode::OK, "ready".into()),
        Ok(n) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{n} database migrations are not applied"),
        ),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, why),
    }
}

/// 200 `ok` when the database answers and takes writes; 503 with the reason otherwise. While
/// the response writer is failing (a full disk, say), or the SQLite disk has no room for a
/// batch of answers, the check tries a write itself, so it turns healthy as soon as the
/// database takes writes again.
pub async fn health(State(state): State<AppState>) -> (StatusCode, String) {
    let failure = state.writer.health().failure();
    let short_of_room = state
        .store
        .free_disk_bytes()
        .is_some_and(|free| free < app::store::MIN_FREE_BYTES);
    if failure.is_some() || short_of_room {
        if let Err(why) = within_wait("answers cannot be stored", state.store.probe_write()).await {
            let since = failure
                .map(|f| {
                    format!(
                        " (failing since {}: {})",
                        app::clock::display(f.since_ms),
                        f.reason
                    )
                })
                .unwrap_or_default();
            return (StatusCode::SERVICE_UNAVAILABLE, format!("{why}{since}"));
        }
    }
    match within_wait("database unavailable", state.store.ping()).await {
        Ok(()) => (StatusCode::OK, "ok".into()),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, why),
    }
}
