//! `hailong backup --output FILE` and `hailong restore FILE [--force]` for the embedded SQLite
//! database. PostgreSQL has its own tools, which the commands point to (README, "Backups and
//! restore").
//!
//! A backup is `VACUUM INTO` a new file: one read transaction, so the copy is the database as
//! it was at one instant, taken while the server goes on writing (WAL lets writers continue
//! beside a reader). It is written under a temporary name, checked, flushed to disk and only
//! then given its name, so a file named FILE is always a complete backup.
//!
//! A restore replaces the database file. It is refused while any process has the database open
//! ("live": `hailong serve` always does, it checkpoints every 250 ms), detected by asking SQLite
//! for an exclusive lock, which fails while another connection exists; an existing database
//! is replaced only with `--force`, and even then it is kept beside under a new name. Neither
//! command applies migrations: a backup is an exact copy, and a restored older database is
//! migrated by the next `hailong serve`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use app::store::backup::{self, Contents};
use app::store::Backend;
use sqlx::sqlite::SqliteConnectOptions;

/// What PostgreSQL users are told to run instead (the README gives the same commands).
const POSTGRES_BACKUP: &str = "hailong backup copies SQLite databases only. For PostgreSQL use \
    its own tool, which takes a consistent snapshot while the server runs:\n  \
    pg_dump --format=custom --file=hailong-$(date +%F).dump \"$DATABASE_URL\"";
const POSTGRES_RESTORE: &str = "hailong restore puts back SQLite backups only. For PostgreSQL, \
    restore a pg_dump file into a new, empty database and point DATABASE_URL at it:\n  \
    createdb --host=HOST --username=USER hailong_restored\n  \
    pg_restore --no-owner --dbname=postgres://USER@HOST/hailong_restored FILE.dump";

/// The file of an SQLite `DATABASE_URL`, or the reason there is none.
fn sqlite_file(database_url: &str, postgres_hint: &str) -> anyhow::Result<PathBuf> {
    match Backend::from_url(database_url) {
        Some(Backend::Sqlite) => {}
        Some(Backend::Postgres) => anyhow::bail!("{postgres_hint}"),
        None => anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://"),
    }
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("DATABASE_URL is not an SQLite URL: {database_url}"))?;
    let path = options.get_filename().to_path_buf();
    anyhow::ensure!(
        !path.as_os_str().is_empty() && path.as_os_str() != ":memory:",
        "DATABASE_URL names no database file"
    );
    Ok(path)
}

/// `path` with `suffix` appended to its file name (`data/hailong.db` → `data/hailong.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Flushes a file and the folder that names it, so a rename survives a power cut.
fn sync_file_and_folder(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {}", path.display()))?;
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        // Not every filesystem lets a folder be flushed; the file itself is on disk already.
        let _ = std::fs::File::open(folder).and_then(|f| f.sync_all());
    }
    Ok(())
}

/// Copies the database of `database_url` into `output`, consistently, while others write.
pub async fn backup(database_url: &str, output: &Path) -> anyhow::Result<Contents> {
    let source = sqlite_file(database_url, POSTGRES_BACKUP)?;
    anyhow::ensure!(
        source.exists(),
        "there is no database at {}",
        source.display()
    );
    anyhow::ensure!(
        !output.exists(),
        "{} already exists: choose a new name (backups are never overwritten)",
        output.display()
    );
    let partial = with_suffix(output, ".partial");
    // Left over from an interrupted backup: never a finished one, which has the final name.
    let _ = std::fs::remove_file(&partial);
    if let Err(e) = backup::copy_into(&source, &partial).await {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    let contents = match check_backup(&partial).await {
        Ok(contents) => contents,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    sync_file_and_folder(&partial)?;
    std::fs::rename(&partial, output)
        .with_context(|| format!("cannot name the backup {}", output.display()))?;
    sync_file_and_folder(output)?;
    Ok(contents)
}

/// Checks that `file` is a sound Hài Lòng database this program can run (see
/// [`backup::inspect`]).
pub async fn check_backup(file: &Path) -> anyhow::Result<Contents> {
    backup::inspect(file).await
}

/// What a restore did.
#[derive(Clone, Debug)]
pub struct Restored {
    pub contents: Contents,
    pub database: PathBuf,
    /// Where the database that was replaced now is.
    pub kept: Option<PathBuf>,
}

/// Puts the backup `file` in place of the database of `database_url`.
pub async fn restore(database_url: &str, file: &Path, force: bool) -> anyhow::Result<Restored> {
    let target = sqlite_file(database_url, POSTGRES_RESTORE)?;
    let contents = check_backup(file).await?;
    let kept = if target.exists() {
        anyhow::ensure!(
            force,
            "there is already a database at {}: add --force to replace it (it is kept beside, \
             renamed), after stopping hailong serve",
            target.display()
        );
        let aside = with_suffix(
            &target,
            &format!(".replaced-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S")),
        );
        backup::set_aside(&target, &aside).await?;
        Some(aside)
    } else {
        None
    };
    // Journal files without their database belong to no database; beside the restored file
    // SQLite would take them for its own.
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(with_suffix(&target, suffix));
    }
    if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
    }
    let partial = with_suffix(&target, ".restoring");
    std::fs::copy(file, &partial)
        .with_context(|| format!("cannot copy {} to {}", file.display(), partial.display()))?;
    sync_file_and_folder(&partial)?;
    std::fs::rename(&partial, &target)
        .with_context(|| format!("cannot name the restored file {}", target.display()))?;
    sync_file_and_folder(&target)?;
    Ok(Restored {
        contents,
        database: target,
        kept,
    })
}

/// Runs `hailong backup --output FILE`.
pub async fn backup_command(config: &crate::config::Config, output: &Path) -> anyhow::Result<()> {
    let contents = backup(&config.database_url, output).await?;
    println!("backup written to {}: {contents}", output.display());
    Ok(())
}

/// Runs `hailong restore FILE [--force]`.
pub async fn restore_command(
    config: &crate::config::Config,
    file: &Path,
    force: bool,
) -> anyhow::Result<()> {
    let restored = restore(&config.database_url, file, force).await?;
    println!(
        "restored {} into {}: {}",
        file.display(),
        restored.database.display(),
        restored.contents
    );
    if let Some(kept) = restored.kept {
        println!("the database it replaced is kept as {}", kept.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_get_the_pg_dump_commands() {
        let e = sqlite_file("postgres://u@127.0.0.1/hailong", POSTGRES_BACKUP).unwrap_err();
        assert!(e.to_string().contains("pg_dump --format=custom"), "{e}");
        let e = sqlite_file("postgres://u@127.0.0.1/hailong", POSTGRES_RESTORE).unwrap_err();
        assert!(e.to_string().contains("pg_restore"), "{e}");
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://data/hailong.db?mode=rwc", "").unwrap(),
            PathBuf::from("data/hailong.db")
        );
        assert_eq!(
            with_suffix(Path::new("data/hailong.db"), "-wal"),
            PathBuf::from("data/hailong.db-wal")
        );
    }
}
