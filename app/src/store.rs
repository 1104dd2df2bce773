//! All SQL lives here, as named async functions grouped by aggregate (units, desks, responses).
//!
//! One `AnyPool` serves both the embedded SQLite default and PostgreSQL, so every query is runtime
//! SQL in the common subset (`$1` placeholders, integers and text only); only the migrations differ
//! per backend. Row structs stay here; pages get wire types from `api`.

pub mod abuse;
pub mod aggregates;
pub mod alerts;
pub mod assessments;
pub mod audit;
pub mod backup;
mod desk_cache;
pub mod desks;
pub mod exports;
pub mod followups;
pub mod independent;
pub mod kept_reports;
pub mod kiosk_traffic;
pub mod kiosks;
pub mod notify;
pub mod overview;
pub mod ranked;
pub mod reports;
pub mod responses;
pub mod sign_in;
pub mod sso;
pub mod unit_history;
pub mod units;
pub mod users;

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

/// Which database a `Store` talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, or `None` for an unsupported scheme.
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL `{0}`: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    #[error("cannot create the database folder {0}: {1}")]
    Folder(String, std::io::Error),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("inconsistent data: {0}")]
    Inconsistent(String),
    /// The file system that holds the SQLite database has less room than a write of answers
    /// may need: a tiny probe write can still fit in the write-ahead log's old frames while
    /// every batch of answers fails (seen in 2 of 5 runs of a full disk).
    #[error(
        "the disk holding the database has {free} bytes free (at least {MIN_FREE_BYTES} needed)"
    )]
    NoRoom { free: u64 },
}

impl StoreError {
    /// Whether the database could not take the work for a reason of its own (a full disk, a
    /// read-only or unreadable file, a lost or refused connection, a server shutting down), as
    /// opposed to something wrong with what was asked: the same work may succeed later.
    pub fn is_unavailable(&self) -> bool {
        let e = match self {
            StoreError::Sqlx(e) => e,
            StoreError::NoRoom { .. } => return true,
            _ => return false,
        };
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::BeginFailed => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
            _ => false,
        }
    }

    /// Whether trying the same work again at once may succeed: the connection was lost (a
    /// restart of PostgreSQL), the database was busy, or a concurrent transaction won a race.
    pub fn is_transient(&self) -> bool {
        let StoreError::Sqlx(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| transient_code(&code)),
            _ => false,
        }
    }
}

/// SQLite result codes (primary code in the low byte of the extended one) and PostgreSQL
/// SQLSTATEs of a database that cannot work now.
fn unavailable_code(code: &str) -> bool {
    match code.parse::<i64>() {
        // SQLite: busy, locked, no memory, read-only, I/O error, corrupt, full, cannot open,
        // locking protocol.
        Ok(n) => matches!(n & 0xff, 5 | 6 | 7 | 8 | 10 | 11 | 13 | 14 | 15),
        // PostgreSQL: connection exceptions (08), insufficient resources such as a full disk
        // (53), operator intervention such as a shutdown (57), system errors such as I/O (58),
        // and a read-only transaction (25006).
        Err(_) => {
            transient_code(code)
                || code.starts_with("53")
                || code.starts_with("57")
                || code.starts_with("58")
                || code == "25006"
        }
    }
}

/// Codes after which the same transaction may well succeed at the next try.
fn transient_code(code: &str) -> bool {
    match code.parse::<i64>() {
        // SQLite: busy, locked.
        Ok(n) => matches!(n & 0xff, 5 | 6),
        // PostgreSQL: connection exceptions, serialization failure, deadlock, and the server
        // shutting down or starting up (57P01–57P03).
        Err(_) => {
            code.starts_with("08")
                || matches!(code, "40001" | "40P01" | "57P01" | "57P02" | "57P03")
        }
    }
}

/// Placeholders for a multi-row statement: `rows` groups of `columns`, numbered `$1, $2, …` for
/// PostgreSQL and plain `?` for SQLite. SQLite reads `$N` as a *named* parameter, and sqlx looks
/// each name up in a list as long as the statement's, so a 900-parameter insert spent most of
/// its time binding; `?` is bound by position.
pub(crate) fn value_rows(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 1..=columns {
            if column > 1 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Postgres => sql.push_str(&format!("${}", row * columns + column)),
                Backend::Sqlite => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

/// `and {column} = ${n}` for a query about one unit, nothing for a query about all of them.
/// A query for one commune names it outright: `($k = 0 or column = $n)` keeps the planners from
/// going through that commune's desks, and SQLite then reads every day of the range (a year of
/// per-day counts at 1M responses: 166 ms instead of 6 ms).
pub(crate) fn only(column: &str, n: usize, unit: Option<i64>) -> String {
    match unit {
        Some(_) => format!("and {column} = ${n}"),
        None => String::new(),
    }
}

/// One audit-log row written inside the caller's transaction, so a change is never stored
/// without its record (nor the record without the change).
pub(crate) async fn audit_in_tx(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: Option<i64>,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into audit_log (actor_user_id, actor, action, target, detail, created_at) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(detail)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// Where responses are written (`Store::insert_responses`). On SQLite, a connection of its
    /// own: a connection throws its page cache away whenever another one has committed, so
    /// commits taken from the shared pool started cold and read every index page they touched
    /// back from the file. Alone, it finds them in its cache from the previous commit.
    /// On PostgreSQL, the shared pool.
    response_pool: AnyPool,
    backend: Backend,
    desks: std::sync::Arc<desk_cache::DeskCache>,
    /// The folder of the SQLite database file, whose file system's free space decides whether
    /// answers can be written (`probe_write`); `None` on PostgreSQL, whose server decides.
    sqlite_dir: Option<std::path::PathBuf>,
}

/// Room a batch of answers may need on the SQLite database's disk: a batch of 256 answers with
/// their indexes and per-day counts writes a few hundred KB of log frames.
pub const MIN_FREE_BYTES: u64 = 1024 * 1024;

impl Store {
    /// Opens a pool on `url`. SQLite files (and their folder) are created when missing.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend =
            Backend::from_url(url).ok_or_else(|| StoreError::UnsupportedUrl(url.to_string()))?;
        // Bulk loads (demo and benchmark data) run statements of many seconds on purpose; only
        // really slow statements are worth a warning (and a warning prints the whole statement).
        let options = AnyConnectOptions::from_str(url)?
            .log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(30));
        let (pool, response_pool) = match backend {
            Backend::Sqlite => {
                if let Some(folder) = sqlite_folder(url) {
                    std::fs::create_dir_all(&folder)
                        .map_err(|e| StoreError::Folder(folder.display().to_string(), e))?;
                }
                // SQLite has one writer at a time; a few connections let readers run beside it.
                let pool = sqlite_pool(8, SHARED_CACHE_KIB)
                    .connect_with(options.clone())
                    .await?;
                let response_pool = sqlite_pool(1, RESPONSE_CACHE_KIB)
                    .connect_with(options)
                    .await?;
                (pool, response_pool)
            }
            Backend::Postgres => {
                // A short acquire timeout: while the server restarts, a citizen waiting for their
                // answer's commit is better served by an honest error after seconds than by
                // half a minute of silence.
                let pool = AnyPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                (pool.clone(), pool)
            }
        };
        let sqlite_dir = (backend == Backend::Sqlite && !url.contains(":memory:"))
            .then(|| sqlite_folder(url).unwrap_or_else(|| ".".into()));
        Ok(Store {
            pool,
            response_pool,
            backend,
            desks: Default::default(),
            sqlite_dir,
        })
    }

    /// Copies committed pages from SQLite's write-ahead log into the database file without
    /// waiting for or blocking anyone (a passive checkpoint); nothing to do on PostgreSQL.
    /// Left to SQLite, the checkpoint runs inside whichever commit crosses the log's size
    /// limit, and under load that commit, and every citizen waiting on it, stalls for tens of
    /// milliseconds; the server calls this in the background instead (`server::startup`).
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("pragma wal_checkpoint(passive)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("../migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("../migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// How many of the migrations this binary carries are not applied to the database: more
    /// than 0 means an older binary migrated it, or a migration failed part way.
    pub async fn missing_migrations(&self) -> Result<usize, StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("../migrations/postgres"),
        };
        let applied: Vec<(i64,)> =
            sqlx::query_as("select version from _sqlx_migrations where success = true")
                .fetch_all(&self.pool)
                .await?;
        Ok(migrator
            .iter()
            .filter(|m| !applied.iter().any(|(v,)| *v == m.version))
            .count())
    }

    /// Bytes free for this process on the file system of the SQLite database; `None` on
    /// PostgreSQL or where the file system cannot say.
    pub fn free_disk_bytes(&self) -> Option<u64> {
        let stat = rustix::fs::statvfs(self.sqlite_dir.as_ref()?).ok()?;
        Some(stat.f_bavail.saturating_mul(stat.f_frsize))
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database's name, for reports and benchmarks.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// The connection pool, for tests that set up or inspect rows directly.
    #[cfg(feature = "test-support")]
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.response_pool.close().await;
        self.pool.close().await;
    }
}

/// Page cache of each shared SQLite connection, in KiB (SQLite's default).
const SHARED_CACHE_KIB: u32 = 2_000;
/// Page cache of the response writer's connection, in KiB: room for the hot pages of every
/// response index, so a commit reads none of them from the file. It fills only as pages are
/// used, so an idle server stays small.
const RESPONSE_CACHE_KIB: u32 = 64 * 1024;

/// Options of an SQLite pool of `connections` connections with a page cache of `cache_kib` each.
fn sqlite_pool(connections: u32, cache_kib: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                // WAL lets readers work during a write; FULL makes a commit durable before the
                // citizen sees "thank you"; the busy timeout queues concurrent writers instead
                // of failing with "database is locked".
                conn.execute(sqlx::raw_sql(&format!(
                    "pragma journal_mode = wal; pragma synchronous = full; \
                     pragma busy_timeout = 30000; pragma foreign_keys = on; \
                     pragma cache_size = -{cache_kib};"
                )))
                .await?;
                Ok(())
            })
        })
        .after_release(|conn, _meta| {
            Box::pin(async move {
                use sqlx::Connection;
                // After a full disk SQLite rolls a transaction back by itself, so the COMMIT and
                // ROLLBACK that follow fail and the driver still counts a transaction open: such
                // a connection would turn the next transaction into a savepoint of a dead one
                // and end up holding the write lock for good. It is closed instead of reused.
                // The ping first lets a rollback queued by a dropped transaction finish.
                conn.ping().await?;
                Ok(!conn.is_in_transaction())
            })
        })
}

/// The folder of an SQLite file URL (`sqlite://data/hailong.db?mode=rwc` → `data`).
fn sqlite_folder(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
}

impl Store {
    /// SQL for the local calendar day (`YYYY-MM-DD`) of a stored time column: the one place the
    /// database is told the province's offset (`crate::clock`).
    pub(crate) fn local_day_sql(&self, column: &str) -> String {
        let offset = crate::clock::OFFSET_SECONDS;
        match self.backend {
            Backend::Postgres => format!(
                "to_char(to_timestamp({column} / 1000 + {offset}) at time zone 'UTC', 'YYYY-MM-DD')"
            ),
            Backend::Sqlite => format!("date({column} / 1000 + {offset}, 'unixepoch')"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_folder_is_the_parent_of_the_file() {
        assert_eq!(
            sqlite_folder("sqlite://data/hailong.db?mode=rwc"),
            Some("data".into())
        );
        assert_eq!(sqlite_folder("sqlite://hailong.db"), None);
        assert_eq!(sqlite_folder("sqlite::memory:"), None);
    }

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://postgres@127.0.0.1/x"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://x"), None);
    }
}
