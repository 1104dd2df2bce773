//! Backups taken while a real `hailong serve` process takes answers, and restored: every answer
//! acknowledged before the backup started is in it, and the score runs it holds reproduce.
//! SQLite with `hailong backup` and `hailong restore`; PostgreSQL with the pg_dump and
//! pg_restore commands the README gives (after `hailong backup` has pointed to them).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::store::Backend;
use axum::body::Bytes;
use axum::http::{header, Request, StatusCode};
use hailong_tests::{both_backends, device, key, workspace_root, TestDb, PUBLIC_URL};
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

both_backends!(
    a_backup_under_load_holds_every_acknowledged_answer_and_reproduces_score_runs,
    restore_takes_only_a_hailong_backup,
);

/// Citizens answering at once while the backup is taken, and for how long.
const SUBMITTERS: u64 = 20;
const LOAD: Duration = Duration::from_secs(3);
const BACKUP_AFTER: Duration = Duration::from_millis(1500);

/// The `hailong` binary that `scripts/test.sh` builds before the tests.
fn binary() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| {
            if d.is_absolute() {
                d
            } else {
                workspace_root().join(d)
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("debug").join("hailong");
    path.exists().then_some(path)
}

/// A folder under target/ for one test's files, removed afterwards.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Folder {
        let path = workspace_root()
            .join("target")
            .join("test-dbs")
            .join(format!("backup-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&path).unwrap();
        Folder(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

type Http = Client<HttpConnector, Full<Bytes>>;

/// `hailong serve` on a free port, with limits loose enough for one address's load.
async fn serve(binary: &Path, database_url: &str, http: &Http) -> (Server, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .current_dir(workspace_root())
        .env("DATABASE_URL", database_url)
        .env("HAILONG_PUBLIC_URL", PUBLIC_URL)
        .env("HAILONG_CLIENT_PER_MINUTE", "1000000")
        .env("HAILONG_CLIENT_BURST", "1000000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start hailong serve");
    let server = Server(child);
    for _ in 0..300 {
        let health = Request::get(format!("http://127.0.0.1:{port}/health"))
            .body(Full::default())
            .unwrap();
        if let Ok(response) = http.request(health).await {
            if response.status() == StatusCode::OK {
                return (server, port);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("hailong serve on port {port} never answered /health");
}

/// Runs `hailong ARGS` on `database_url` off the async threads.
async fn hailong(binary: &Path, database_url: &str, args: &[&str]) -> Output {
    let mut command = Command::new(binary);
    command
        .args(args)
        .current_dir(workspace_root())
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn");
    tokio::task::spawn_blocking(move || command.output().expect("run hailong"))
        .await
        .unwrap()
}

async fn tool(program: &str, args: Vec<String>) -> Output {
    let program = program.to_string();
    tokio::task::spawn_blocking(move || {
        Command::new(&program)
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"))
    })
    .await
    .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Posts one citizen's answer; `true` when the server acknowledged it (303 to the thank-you).
async fn answer(http: &Http, port: u16, desk: &str, n: u64) -> bool {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("_key", key(n).as_str()),
            ("lang", "vi"),
            ("overall", ["5", "4", "3", "2"][(n % 4) as usize]),
            ("access", "4"),
            ("procedures", "4"),
            ("civil_servants", "5"),
            ("results", "4"),
            ("visits", "1"),
        ])
        .finish();
    let request = Request::post(format!("http://127.0.0.1:{port}/q/{desk}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("hl_dev={}", device(n)))
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    matches!(http.request(request).await, Ok(r) if r.status() == StatusCode::SEE_OTHER)
}

/// The idempotency keys stored in a database, read without migrating it.
async fn stored_keys(database_url: &str) -> HashSet<String> {
    let store = app::store::Store::connect(database_url).await.unwrap();
    let keys: Vec<(String,)> = sqlx::query_as("select idempotency_key from responses")
        .fetch_all(store.pool())
        .await
        .unwrap();
    store.close().await;
    keys.into_iter().map(|(k,)| k).collect()
}

async fn a_backup_under_load_holds_every_acknowledged_answer_and_reproduces_score_runs(
    backend: Backend,
) {
    let Some(binary) = binary() else {
        assert!(
            std::env::var("CI").is_err(),
            "target/debug/hailong is missing: scripts/test.sh builds it before the tests"
        );
        eprintln!("\n!!!!! SKIPPING the backup test: build target/debug/hailong first !!!!!\n");
        return;
    };
    let db = TestDb::create(backend).await;
    let folder = Folder::new();
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let (server, port) = serve(&binary, &db.url, &http).await;
    // Answers and a stored score run before the load.
    let desks: Vec<String> = {
        let store = app::store::Store::connect(&db.url).await.unwrap();
        let desks = store.list_current_desks(None).await.unwrap();
        store.close().await;
        desks.into_iter().take(8).map(|d| d.public_code).collect()
    };
    for n in 0..40 {
        assert!(answer(&http, port, &desks[(n % 8) as usize], n).await);
    }
    let scored = hailong(
        &binary,
        &db.url,
        &["score", "--period", "2026", "--format", "json"],
    )
    .await;
    assert!(scored.status.success(), "{}", text(&scored));
    let scored: serde_json::Value = serde_json::from_slice(&scored.stdout).unwrap();
    let run = scored["run"].as_i64().expect("the run's id").to_string();

    // Twenty citizens answer for three seconds; the backup starts halfway.
    let acknowledged: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let next = Arc::new(AtomicU64::new(1000));
    let end = Instant::now() + LOAD;
    let mut submitters = Vec::new();
    for _ in 0..SUBMITTERS {
        let (http, desks) = (http.clone(), desks.clone());
        let (acknowledged, next) = (acknowledged.clone(), next.clone());
        submitters.push(tokio::spawn(async move {
            while Instant::now() < end {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if answer(&http, port, &desks[(n % 8) as usize], n).await {
                    acknowledged.lock().unwrap().push((key(n), Instant::now()));
                }
            }
        }));
    }
    tokio::time::sleep(BACKUP_AFTER).await;
    let backup_started = Instant::now();
    let (backup, restored_url, _restored_db) = match backend {
        Backend::Sqlite => {
            let file = folder.path().join("hailong-backup.db");
            let made = hailong(
                &binary,
                &db.url,
                &["backup", "--output", file.to_str().unwrap()],
            )
            .await;
            assert!(made.status.success(), "{}", text(&made));
            let restored = folder.path().join("restored").join("hailong.db");
            (
                file,
                format!("sqlite://{}?mode=rwc", restored.display()),
                None,
            )
        }
        Backend::Postgres => {
            let refused = hailong(&binary, &db.url, &["backup", "--output", "x.db"]).await;
            assert!(!refused.status.success());
            assert!(
                String::from_utf8_lossy(&refused.stderr).contains("pg_dump --format=custom"),
                "{}",
                text(&refused)
            );
            let file = folder.path().join("hailong.dump");
            let dumped = tool(
                "pg_dump",
                vec![
                    "--format=custom".into(),
                    format!("--file={}", file.display()),
                    db.url.clone(),
                ],
            )
            .await;
            assert!(dumped.status.success(), "{}", text(&dumped));
            let target = TestDb::create(Backend::Postgres).await;
            (file, target.url.clone(), Some(target))
        }
    };
    for submitter in submitters {
        submitter.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let before: Vec<&String> = acknowledged
        .iter()
        .filter(|(_, at)| *at < backup_started)
        .map(|(k, _)| k)
        .collect();
    assert!(
        before.len() >= 20 && acknowledged.len() > before.len(),
        "load before and during the backup: {} of {} acknowledged before it",
        before.len(),
        acknowledged.len()
    );

    // Restore it beside the live database, as a province would onto a spare machine.
    match backend {
        Backend::Sqlite => {
            let backup = backup.to_str().unwrap();
            let put_back = hailong(&binary, &restored_url, &["restore", backup]).await;
            assert!(put_back.status.success(), "{}", text(&put_back));
            // Over a database: only with --force, never under a running server.
            let refused = hailong(&binary, &restored_url, &["restore", backup]).await;
            assert!(!refused.status.success());
            assert!(
                String::from_utf8_lossy(&refused.stderr).contains("add --force"),
                "{}",
                text(&refused)
            );
            let refused = hailong(&binary, &db.url, &["restore", "--force", backup]).await;
            assert!(!refused.status.success());
            assert!(
                String::from_utf8_lossy(&refused.stderr).contains("in use by another process"),
                "{}",
                text(&refused)
            );
            let health = Request::get(format!("http://127.0.0.1:{port}/health"))
                .body(Full::default())
                .unwrap();
            assert_eq!(
                http.request(health).await.unwrap().status(),
                StatusCode::OK,
                "the live database is untouched"
            );
            let forced = hailong(&binary, &restored_url, &["restore", "--force", backup]).await;
            assert!(forced.status.success(), "{}", text(&forced));
            let kept = std::fs::read_dir(folder.path().join("restored"))
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().contains(".replaced-"))
                .count();
            assert_eq!(kept, 1, "the replaced database is kept beside");
        }
        Backend::Postgres => {
            let put_back = tool(
                "pg_restore",
                vec![
                    "--no-owner".into(),
                    format!("--dbname={restored_url}"),
                    backup.display().to_string(),
                ],
            )
            .await;
            assert!(put_back.status.success(), "{}", text(&put_back));
        }
    }
    drop(server);

    let restored = stored_keys(&restored_url).await;
    let missing: Vec<&&String> = before.iter().filter(|k| !restored.contains(**k)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged answers missing from the backup, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    let everything = stored_keys(&db.url).await;
    assert!(restored.is_subset(&everything), "nothing invented");
    eprintln!(
        "backup under load ({backend:?}): {} answers acknowledged before it started, {} in it, \
         {} acknowledged in all",
        before.len() + 40,
        restored.len(),
        acknowledged.len() + 40
    );
    let verified = hailong(&binary, &restored_url, &["score", "--verify", &run]).await;
    assert!(verified.status.success(), "{}", text(&verified));
}

async fn restore_takes_only_a_hailong_backup(backend: Backend) {
    let folder = Folder::new();
    let target = folder.path().join("hailong.db");
    let target_url = format!("sqlite://{}?mode=rwc", target.display());
    if backend == Backend::Postgres {
        let db = TestDb::create(backend).await;
        let refused = server::cli::backup::restore(&db.url, &folder.path().join("x.db"), true)
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("pg_restore"), "{refused}");
        return;
    }
    let text_file = folder.path().join("notes.db");
    std::fs::write(&text_file, "not a database").unwrap();
    let other = folder.path().join("other.db");
    {
        let store = app::store::Store::connect(&format!("sqlite://{}?mode=rwc", other.display()))
            .await
            .unwrap();
        sqlx::query("create table notes (body text)")
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
    }

    for (file, expected) in [
        (&text_file, "not an SQLite database"),
        (&other, "is not a Hài Lòng database"),
        (&folder.path().join("missing.db"), "is not a file"),
    ] {
        let refused = server::cli::backup::restore(&target_url, file, true)
            .await
            .unwrap_err();
        assert!(
            format!("{refused:#}").contains(expected),
            "{}: {refused:#}",
            file.display()
        );
        assert!(!target.exists(), "nothing restored from {}", file.display());
    }
}
