//! Test support: a fresh database per test (SQLite file or PostgreSQL database), the real router
//! built by `server::startup`, and helpers that speak HTTP to it like a browser would.
//!
//! PostgreSQL comes from `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`,
//! used only to create and drop the per-test databases). When it is unreachable the PostgreSQL
//! variant of a test is skipped with a loud message, except under CI (`CI` set), where it fails.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Once;

use app::state::AppState;
use app::store::{Backend, Store};
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use rand::Rng;
use server::config::Config;
use tower::ServiceExt;

pub mod browser;
pub mod faults;
pub mod oidc;
pub mod process;

/// A response as a phone's QR visit stores it, on `desk_id` at `created_at`, in Vietnamese, with
/// no dossier code, hashes or flags: tests that fill the database directly change what they need
/// with `NewResponse { field, ..qr_response(…) }`.
pub fn qr_response<'a>(
    desk_id: i64,
    key: &'a str,
    created_at: i64,
    answers: &'a [survey_definitions::Answer],
) -> app::store::responses::NewResponse<'a> {
    app::store::responses::NewResponse {
        key,
        desk_id,
        survey_id: survey_definitions::DEFAULT_SURVEY_ID,
        survey_version: 1,
        lang: survey_definitions::Lang::Vi,
        channel: app::domain::channel::Channel::Qr,
        dossier_code: None,
        created_at,
        answers,
        device_hash: None,
        client_hash: None,
        flags: Default::default(),
        answer_digest: None,
        kiosk_id: None,
        count_flagged: Default::default(),
        device_rule: None,
        dossier_since_ms: None,
    }
}

/// The desk a pre-reform commune (named as it was, e.g. "Phường Tân Phú") had until 1/7/2025,
/// made as the demo makes the desks of its history.
/// The first current desk of `commune` (its official code).
pub async fn desk_of(store: &Store, commune: &str) -> app::store::desks::DeskRow {
    store
        .list_current_desks(None)
        .await
        .expect("list the desks")
        .into_iter()
        .find(|d| d.commune_code == commune)
        .unwrap_or_else(|| panic!("commune {commune} has a current desk"))
}

pub async fn pre_reform_desk(store: &Store, commune_name: &str) -> app::store::desks::DeskRow {
    store
        .ensure_history_desks("2025-01-01", "2025-07-01")
        .await
        .expect("history desks");
    store
        .list_desks_closed_by("2025-07-01")
        .await
        .expect("desks closed by the reform")
        .into_iter()
        .find(|d| d.commune_name == commune_name)
        .unwrap_or_else(|| panic!("{commune_name}'s desk before the reform"))
}

/// The public URL tests configure, to check that QR codes carry it rather than the listen address.
pub const PUBLIC_URL: &str = "https://hailong.test";

/// Runs an async test body once per backend: `both_backends!(name)` expects `async fn name(b: Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(::app::store::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::postgres_available().await {
                    super::$name(::app::store::Backend::Postgres).await
                }
            }
        }
    )+};
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// Where `scripts/build-site.sh` put the site: `$CARGO_TARGET_DIR/site`, else `target/site`, so
/// engineers building with their own target directory test their own WASM.
pub fn site_root() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("site")
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether PostgreSQL tests can run; outside CI an unreachable server skips them loudly.
pub async fn postgres_available() -> bool {
    sqlx::any::install_default_drivers();
    let reachable = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        connect_admin().await
    })
    .await;
    match reachable {
        Ok(Ok(_)) => true,
        Ok(Err(e)) if in_ci() => panic!("PostgreSQL is required in CI: {e}"),
        Err(_) if in_ci() => panic!("PostgreSQL is required in CI: connection timed out"),
        other => {
            static WARN: Once = Once::new();
            WARN.call_once(|| {
                eprintln!(
                    "\n!!!!! SKIPPING POSTGRESQL TESTS: {} unreachable ({:?}). \
                     Start it (see README) or set TEST_DATABASE_URL. !!!!!\n",
                    admin_url(),
                    other
                        .err()
                        .map(|_| "timeout".to_string())
                        .or_else(|| Some("error".into()))
                );
            });
            false
        }
    }
}

async fn connect_admin() -> Result<sqlx::AnyConnection, sqlx::Error> {
    use sqlx::Connection;
    sqlx::AnyConnection::connect(&admin_url()).await
}

fn random_name() -> String {
    let n: u64 = rand::thread_rng().gen();
    format!("hailong_test_{n:016x}")
}

/// A database that exists for one test and is removed when dropped.
pub struct TestDb {
    pub url: String,
    backend: Backend,
    pg_name: Option<String>,
    sqlite_path: Option<PathBuf>,
}

impl TestDb {
    pub async fn create(backend: Backend) -> TestDb {
        sqlx::any::install_default_drivers();
        match backend {
            Backend::Sqlite => {
                let dir = workspace_root().join("target").join("test-dbs");
                std::fs::create_dir_all(&dir).expect("create target/test-dbs");
                let path = dir.join(format!("{}.db", random_name()));
                TestDb {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    backend,
                    pg_name: None,
                    sqlite_path: Some(path),
                }
            }
            Backend::Postgres => {
                use sqlx::Executor;
                let name = random_name();
                let mut admin = connect_admin().await.expect("connect to PostgreSQL");
                admin
                    .execute(format!("create database {name}").as_str())
                    .await
                    .expect("create test database");
                let base = admin_url();
                let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(&base);
                TestDb {
                    url: format!("{base}/{name}"),
                    backend,
                    pg_name: Some(name),
                    sqlite_path: None,
                }
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// An SQLite database in a file of the caller's choosing (a small file system the test
    /// mounted, say), removed when dropped.
    pub fn sqlite_at(path: PathBuf) -> TestDb {
        sqlx::any::install_default_drivers();
        TestDb {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            backend: Backend::Sqlite,
            pg_name: None,
            sqlite_path: Some(path),
        }
    }

    /// A PostgreSQL database at `url` on a server the test runs itself; nothing to drop.
    pub fn postgres_at(url: String) -> TestDb {
        sqlx::any::install_default_drivers();
        TestDb {
            url,
            backend: Backend::Postgres,
            pg_name: None,
            sqlite_path: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(path) = &self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside async; a helper thread with its own runtime removes the database.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    use sqlx::Executor;
                    if let Ok(mut admin) = connect_admin().await {
                        let _ = admin
                            .execute(
                                format!("drop database if exists {name} with (force)").as_str(),
                            )
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// The configuration tests run with (a fresh database, the repository's definitions and site).
pub fn test_config(database_url: &str, addr: SocketAddr) -> Config {
    Config {
        database_url: database_url.to_string(),
        addr,
        public_url: PUBLIC_URL.to_string(),
        site_root: site_root(),
        definitions_dir: workspace_root().join("survey-definitions"),
        province: server::config::DEFAULT_PROVINCE.to_string(),
        trusted_proxies: 0,
        comment_retention_days: None,
        session_hours: 8,
        criteria: server::config::criteria_ids(None).expect("the default criteria ids parse"),
        abuse: app::abuse::AbuseSettings::default(),
        kiosk: app::abuse::kiosk::KioskSettings::default(),
        log_format: Default::default(),
        monthly_report: false,
        metrics_token: None,
        dossier_pattern: Default::default(),
        kept_reports_per_day: 20,
        oidc: None,
    }
}

/// The application on a fresh database, driven in-process through the real router.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub db: TestDb,
}

/// A response read in full.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like `spawn`, with configuration changes (e.g. tighter limits).
    pub async fn spawn_with(backend: Backend, change: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_on(TestDb::create(backend).await, change).await
    }

    /// The application on a given database.
    pub async fn spawn_on(db: TestDb, change: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = test_config(&db.url, "127.0.0.1:3000".parse().expect("addr"));
        change(&mut config);
        let state = server::startup::build_state(&config)
            .await
            .expect("application starts on a fresh database");
        let router = server::startup::build_router(state.clone())
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        TestApp { router, state, db }
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("read body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(
            Request::get(path)
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    /// Posts a form as a given client (address and device cookie) would.
    pub async fn post_form_as(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        ip: &str,
        device: Option<&str>,
    ) -> TestResponse {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(
                header::USER_AGENT,
                "Mozilla/5.0 (Linux; Android 9; TestPhone)",
            );
        if let Some(device) = device {
            request = request.header(header::COOKIE, format!("hl_dev={device}"));
        }
        let mut request = request.body(Body::from(body)).expect("request");
        let addr: std::net::IpAddr = ip.parse().expect("an IP address");
        // A real ConnectInfo wins over the router's MockConnectInfo.
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(SocketAddr::new(addr, 40000)));
        self.request(request).await
    }

    /// Posts fields as an HTML form without JavaScript does.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.request(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    /// The public code of the first current desk (every commune has one after start-up).
    /// The first current desk of `commune` (by code); every commune in force has one.
    pub async fn desk_of(&self, commune: &str) -> app::store::desks::DeskRow {
        desk_of(self.store(), commune).await
    }

    pub async fn any_desk_code(&self) -> String {
        self.any_desk().await.public_code
    }

    /// The first current desk, as the store lists it.
    pub async fn any_desk(&self) -> app::store::desks::DeskRow {
        self.store()
            .list_current_desks(None)
            .await
            .expect("list desks")
            .into_iter()
            .next()
            .expect("start-up creates desks")
    }

    /// Opens a desk's survey page and returns the idempotency key its form carries.
    pub async fn form_key(&self, code: &str) -> String {
        let page = self.get(&format!("/q/{code}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        hidden_value(&page.text(), "_key").expect("the form carries an idempotency key")
    }
}

/// A signed-in browser: its session cookie and the CSRF token its pages carry.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub const PASSWORD: &str = "mật-khẩu-đủ-dài-2025";

impl TestApp {
    /// Creates a user through the same path as `hailong user add`.
    pub async fn add_user(&self, username: &str, role: &str, unit: &str) {
        app::accounts::users::add_user(&self.state, username, username, role, unit, PASSWORD)
            .await
            .expect("create user");
    }

    /// Signs in through the login form, as a browser does (with the form's CSRF cookie).
    pub async fn try_login(&self, username: &str, password: &str) -> TestResponse {
        let page = self.get("/login").await;
        let csrf = hidden_value(&page.text(), "_csrf").expect("login form has a CSRF token");
        let cookie = set_cookie(&page, "hl_login_csrf").expect("login CSRF cookie");
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("_csrf", csrf.as_str()),
                ("username", username),
                ("password", password),
            ])
            .finish();
        self.request(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("hl_login_csrf={cookie}"))
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }

    pub async fn login(&self, username: &str) -> Session {
        let response = self.try_login(username, PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "{}",
            response.text()
        );
        let cookie = format!(
            "hl_session={}",
            set_cookie(&response, "hl_session").expect("session cookie")
        );
        let home = response.location().expect("redirect home").to_string();
        let page = self.get_as(&home, Some(&cookie)).await;
        let csrf = hidden_value(&page.text(), "_csrf").expect("signed-in pages carry a CSRF token");
        Session { cookie, csrf }
    }

    /// GETs `path` as a province admin sees it (the account is made on first use).
    pub async fn get_as_admin(&self, path: &str) -> TestResponse {
        const NAME: &str = "province-admin-of-tests";
        let exists = self
            .store()
            .user_by_username(NAME)
            .await
            .expect("look the admin up")
            .is_some();
        if !exists {
            self.add_user(NAME, "province_admin", "").await;
        }
        let session = self.login(NAME).await;
        self.get_as(path, Some(&session.cookie)).await
    }

    pub async fn get_as(&self, path: &str, cookie: Option<&str>) -> TestResponse {
        let mut request = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.request(request.body(Body::empty()).expect("request"))
            .await
    }

    /// Posts a form with a session cookie (the fields must include `_csrf` when needed).
    pub async fn post_as(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> TestResponse {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.request(request.body(Body::from(body)).expect("request"))
            .await
    }
}

/// The value a response sets for cookie `name`.
pub fn set_cookie(response: &TestResponse, name: &str) -> Option<String> {
    response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|v| v.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

/// The value of a hidden input in server-rendered HTML.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let value_at = tag.find("value=\"")? + "value=\"".len();
    let value_end = value_at + tag[value_at..].find('"')?;
    Some(tag[value_at..value_end].to_string())
}

/// A complete, valid set of answers to the default survey.
pub fn valid_answers(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("_key", key.to_string()),
        ("lang", "vi".into()),
        ("overall", "5".into()),
        ("access", "4".into()),
        ("procedures", "4".into()),
        ("civil_servants", "5".into()),
        ("results", "4".into()),
        ("feedback", "".into()),
        ("visits", "1".into()),
        ("dossier_code", "H70.25195-251120-0042".into()),
        ("comment", "Cán bộ hướng dẫn rất tận tình.".into()),
    ]
}

/// A device id as the cookie carries it, derived from a number.
pub fn device(n: u64) -> String {
    format!("{n:032x}")
}

/// A fresh, valid idempotency key (tests need not fetch a form for each submission).
pub fn key(n: u64) -> String {
    format!("{:032x}", n + 0xabc0_0000_0000)
}

/// Borrowed view of owned fields, for `post_form`.
pub fn as_pairs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The text of a PDF as `pdftotext -layout` reads it: reports are checked as their readers see
/// them, not through the code that wrote them.
pub fn pdf_text(path: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext runs (scripts/setup.sh --test installs poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Converts `input` with LibreOffice, as a person opening the file in it and saving it as
/// `to` would (`infilter`: how to read it, for a CSV), and returns the converted file's path
/// beside it; `None` when LibreOffice is not installed, which only outside CI is a loud skip.
pub fn soffice_convert(
    input: &std::path::Path,
    to: &str,
    infilter: Option<&str>,
) -> Option<PathBuf> {
    let installed = std::process::Command::new("sh")
        .args(["-c", "command -v soffice"])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(
            !ci,
            "LibreOffice (soffice) is required in CI: scripts/setup.sh --test installs it"
        );
        eprintln!(
            "\n!!!!! SKIPPING THE LIBREOFFICE CHECK: soffice not installed. \
             Run scripts/setup.sh --test. !!!!!\n"
        );
        return None;
    }
    let dir = input.parent().expect("the input is in a folder");
    let profile = std::env::temp_dir().join(format!(
        "hailong-soffice-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let mut command = std::process::Command::new("soffice");
    command
        .arg("--headless")
        // A profile of its own: two conversions at once would otherwise share one instance.
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ));
    if let Some(filter) = infilter {
        command.arg(format!("--infilter={filter}"));
    }
    let mut soffice = command
        .args(["--convert-to", to, "--outdir"])
        .arg(dir)
        .arg(input)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start soffice");
    let started = std::time::Instant::now();
    while soffice.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(180) {
            let _ = soffice.kill();
            panic!("soffice did not convert the file within 3 minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = std::fs::remove_dir_all(&profile);
    let extension = to.split(':').next().unwrap_or(to);
    let output = input.with_extension(extension);
    assert!(output.exists(), "soffice wrote {}", output.display());
    Some(output)
}

/// A fresh path under `target/test-reports` for a PDF a test writes or downloads.
pub fn scratch(name: &str) -> PathBuf {
    let dir = workspace_root().join("target").join("test-reports");
    std::fs::create_dir_all(&dir).unwrap();
    let n: u64 = rand::random();
    dir.join(format!("{name}-{n:016x}.pdf"))
}

/// The text of a downloaded PDF.
pub fn downloaded_text(body: &[u8]) -> String {
    assert!(body.starts_with(b"%PDF-"));
    let path = scratch("download");
    std::fs::write(&path, body).unwrap();
    let text = pdf_text(&path);
    std::fs::remove_file(&path).unwrap();
    text
}

/// What a pseudo-translation puts before each Vietnamese text (see `filled_template`).
pub const PSEUDO_MARK: &str = "¤ ";

/// The survey definitions copied into a fresh folder, to which a test adds its translation.
pub fn definitions_copy(name: &str) -> PathBuf {
    let dir = scratch(name);
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&workspace_root().join("survey-definitions"), &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if entry.file_type().unwrap().is_dir() {
            if name != "src" {
                copy_dir(&entry.path(), &to.join(name));
            }
        } else {
            std::fs::copy(entry.path(), to.join(name)).unwrap();
        }
    }
}

/// The template `hailong translation-template --lang CODE` writes for `dir`, filled in as a
/// translator would: the name, and every text but those in `skip`. The translation is a
/// pseudo-translation ([`PSEUDO_MARK`] before each Vietnamese text, placeholders kept), the
/// translators' standard check that every text a page shows goes through the translation.
pub fn filled_template(dir: &Path, code: &str, name: &str, skip: &[&str]) -> String {
    let mut config = test_config("sqlite::memory:", "127.0.0.1:3000".parse().unwrap());
    config.definitions_dir = dir.to_path_buf();
    let mut out = Vec::new();
    server::cli::translation::run_to(&config, code, &mut out).unwrap();
    let template = String::from_utf8(out).unwrap();
    assert!(
        template.contains(&format!("code = \"{code}\"")),
        "{template}"
    );
    template
        .lines()
        .map(|line| {
            if line == "name = \"\"" {
                return format!("name = \"{name}\"");
            }
            // `# "Vietnamese" = ""` → `"Vietnamese" = "¤ Vietnamese"`
            match line
                .strip_prefix("# \"")
                .and_then(|rest| rest.strip_suffix("\" = \"\""))
            {
                Some(vi) if !skip.iter().any(|s| vi.contains(s)) => {
                    format!("\"{vi}\" = \"{PSEUDO_MARK}{vi}\"")
                }
                _ => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
