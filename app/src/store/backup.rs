//! The SQL of `hailong backup` and `hailong restore` on an embedded SQLite file, each with its
//! own connection to the file (never the server's pool): a consistent copy, the check that a
//! file is a sound Hài Lòng database, and setting a database aside when no process has it open.
//! Names, temporary files and flushing to disk stay with the command (`server::cli::backup`).

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection, SqliteConnection};

/// What a backup or a checked backup file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contents {
    pub responses: i64,
    pub score_runs: i64,
    /// The newest migration applied, e.g. `11 live streams`.
    pub migration: String,
    pub bytes: u64,
}

impl std::fmt::Display for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} responses, {} score runs, schema at migration {}, {:.1} MB",
            self.responses,
            self.score_runs,
            self.migration,
            self.bytes as f64 / 1e6
        )
    }
}

/// `VACUUM INTO` `copy`: one read transaction, so the copy is `source` as it was at one
/// instant, taken while a server goes on writing (WAL lets writers continue beside a reader).
pub async fn copy_into(source: &Path, copy: &Path) -> anyhow::Result<()> {
    let mut connection = SqliteConnectOptions::new()
        .filename(source)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(30))
        .connect()
        .await
        .with_context(|| format!("cannot open {}", source.display()))?;
    let path = copy
        .to_str()
        .context("the backup file name must be valid UTF-8")?;
    let copied = sqlx::query("vacuum into ?1")
        .bind(path)
        .execute(&mut connection)
        .await;
    connection.close().await.ok();
    copied
        .map(|_| ())
        .with_context(|| format!("cannot write {}", copy.display()))
}

/// Opens `file` without changing it (no journal files beside it) and checks that it is a sound
/// Hài Lòng database this version of the program can run: SQLite's integrity check, and every
/// migration it records known to this binary with the same checksum.
pub async fn inspect(file: &Path) -> anyhow::Result<Contents> {
    anyhow::ensure!(file.is_file(), "{} is not a file", file.display());
    let mut connection = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true)
        .connect()
        .await
        .with_context(|| format!("{} is not an SQLite database", file.display()))?;
    let contents = contents_of(&mut connection, file).await;
    connection.close().await.ok();
    contents
}

async fn contents_of(connection: &mut SqliteConnection, file: &Path) -> anyhow::Result<Contents> {
    let not_ours = || format!("{} is not a Hài Lòng database", file.display());
    let integrity: Vec<(String,)> = sqlx::query_as("pragma integrity_check")
        .fetch_all(&mut *connection)
        .await
        .with_context(|| format!("{} is not an SQLite database", file.display()))?;
    anyhow::ensure!(
        integrity.len() == 1 && integrity[0].0 == "ok",
        "{} is damaged (SQLite integrity check: {})",
        file.display(),
        integrity
            .iter()
            .take(5)
            .map(|(line,)| line.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    let applied: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(
        "select version, description, checksum from _sqlx_migrations \
         where success order by version",
    )
    .fetch_all(&mut *connection)
    .await
    .with_context(not_ours)?;
    let known = sqlx::migrate!("../migrations/sqlite");
    for (version, description, checksum) in &applied {
        let ours = known.iter().find(|m| m.version == *version);
        match ours {
            Some(m) if m.checksum.as_ref() == checksum.as_slice() => {}
            Some(_) => anyhow::bail!(
                "{}: migration {version} ({description}) differs from this program's: \
                 it was not made by Hài Lòng",
                file.display()
            ),
            None => anyhow::bail!(
                "{}: migration {version} ({description}) is newer than this program: \
                 restore it with the version of hailong that made it",
                file.display()
            ),
        }
    }
    let (version, description) = applied
        .last()
        .map(|(v, d, _)| (*v, d.clone()))
        .with_context(not_ours)?;
    let (responses,): (i64,) = sqlx::query_as("select count(*) from responses")
        .fetch_one(&mut *connection)
        .await
        .with_context(not_ours)?;
    let (score_runs,): (i64,) = sqlx::query_as("select count(*) from score_runs")
        .fetch_one(&mut *connection)
        .await
        .with_context(not_ours)?;
    Ok(Contents {
        responses,
        score_runs,
        migration: format!("{version} {description}"),
        bytes: std::fs::metadata(file)?.len(),
    })
}

/// Moves a database that no process has open to `aside`, as one self-contained file. Holding
/// SQLite's exclusive lock is what proves nobody else has it open: every connection of a
/// running server keeps a shared lock, so the request fails at once.
pub async fn set_aside(database: &Path, aside: &Path) -> anyhow::Result<()> {
    let mut connection = SqliteConnectOptions::new()
        .filename(database)
        .create_if_missing(false)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::ZERO)
        .connect()
        .await
        .with_context(|| format!("cannot open {}", database.display()))?;
    let live = || {
        format!(
            "{} is in use by another process (is hailong serve running?): stop it, then restore",
            database.display()
        )
    };
    sqlx::raw_sql("begin exclusive; commit")
        .execute(&mut connection)
        .await
        .with_context(live)?;
    // Fold the write-ahead log in and leave WAL mode, so the file set aside is complete alone.
    sqlx::raw_sql("pragma wal_checkpoint(truncate); pragma journal_mode = delete")
        .execute(&mut connection)
        .await
        .with_context(live)?;
    connection.close().await.ok();
    std::fs::rename(database, aside)
        .with_context(|| format!("cannot move {} to {}", database.display(), aside.display()))?;
    Ok(())
}
