//! Browser tests' harness: the real server on a loopback port, and headless Chromium driven
//! through chromedriver (WebDriver), both from Debian's packages.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use app::state::AppState;
use app::store::Backend;
use fantoccini::{Client, ClientBuilder};
use serde_json::json;

use crate::{site_root, test_config, TestDb};
use server::config::Config;

/// The server listening on 127.0.0.1 with a fresh database.
pub struct RunningApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub db: TestDb,
    task: tokio::task::JoinHandle<()>,
}

impl RunningApp {
    /// A staff user with the tests' password, created as `hailong user add` does.
    pub async fn add_user(&self, username: &str, role: &str, unit: &str) {
        app::accounts::users::add_user(
            &self.state,
            username,
            username,
            role,
            unit,
            crate::PASSWORD,
        )
        .await
        .expect("create user");
    }

    pub async fn start(backend: Backend) -> RunningApp {
        Self::start_on(TestDb::create(backend).await).await
    }

    /// The server with a changed configuration (another definitions folder, say).
    pub async fn start_with(backend: Backend, change: impl FnOnce(&mut Config)) -> RunningApp {
        Self::start_configured(TestDb::create(backend).await, change).await
    }

    /// The server on a given database (a file on a small disk, say).
    pub async fn start_on(db: TestDb) -> RunningApp {
        Self::start_configured(db, |_| {}).await
    }

    async fn start_configured(db: TestDb, change: impl FnOnce(&mut Config)) -> RunningApp {
        let manifest = site_root().join(app::assets::MANIFEST);
        assert!(
            manifest.exists(),
            "{} is missing: build the site first (scripts/test.sh does)",
            manifest.display()
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local addr");
        let mut config = test_config(&db.url, addr);
        change(&mut config);
        let state = server::startup::build_state(&config)
            .await
            .expect("application starts");
        let router = server::startup::build_router(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("server runs");
        });
        RunningApp {
            addr,
            state,
            db,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The first current desk of `commune` (its official code).
    pub async fn desk_of(&self, commune: &str) -> app::store::desks::DeskRow {
        crate::desk_of(&self.state.store, commune).await
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether Chromium and chromedriver are installed; outside CI their absence skips loudly.
pub fn browser_available() -> bool {
    let found = which("chromium") && which("chromedriver");
    if !found {
        assert!(
            !in_ci(),
            "chromium and chromedriver are required in CI (scripts/setup.sh --test installs them)"
        );
        eprintln!(
            "\n!!!!! SKIPPING BROWSER TESTS: chromium/chromedriver not installed. \
             Run scripts/test.sh, which installs them. !!!!!\n"
        );
    }
    found
}

fn which(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// One headless Chromium session with its own chromedriver and a fresh profile, closed on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    /// Signs `username` in through the sign-in form, as staff do, and waits for their home page.
    pub async fn sign_in(&self, app: &RunningApp, username: &str) {
        use fantoccini::Locator;
        let c = &self.client;
        c.goto(&app.url("/login"))
            .await
            .expect("open the sign-in page");
        for (id, value) in [("username", username), ("password", crate::PASSWORD)] {
            c.find(Locator::Id(id))
                .await
                .expect("sign-in field")
                .send_keys(value)
                .await
                .expect("type");
        }
        c.find(Locator::Css("button.submit"))
            .await
            .expect("sign-in button")
            .click()
            .await
            .expect("sign in");
        self.wait_url(|u| !u.contains("/login")).await;
    }

    /// Starts Chromium as a phone-sized window; `javascript: false` disables scripts entirely,
    /// as on a phone where the WASM never loads.
    pub async fn start(javascript: bool) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile =
            std::env::temp_dir().join(format!("hailong-chromium-{}-{port}", std::process::id()));
        let mut prefs = serde_json::Map::new();
        if !javascript {
            prefs.insert(
                "profile.managed_default_content_settings.javascript".into(),
                json!(2),
            );
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                    "--disable-dev-shm-usage", "--window-size=390,844",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": prefs,
            }
        });
        let caps = caps.as_object().expect("object").clone();
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        // chromedriver needs a moment to listen.
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        driver,
                        profile,
                    }
                }
                Err(e) => {
                    last_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        panic!("cannot start a Chromium session: {last_error:?}");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }

    /// Plays the audio element `css` names, muted, and gives how far it got after 0.7 s and its
    /// length, in seconds; panics with the browser's refusal if it does not play.
    pub async fn play_audio(&self, css: &str) -> (f64, f64) {
        let played = self
            .client
            .execute_async(
                "const [css, done] = arguments; const a = document.querySelector(css); \
                 a.muted = true; a.play().then(() => setTimeout(() => done([a.currentTime, a.duration]), 700), \
                 e => done(String(e)));",
                vec![serde_json::json!(css)],
            )
            .await
            .expect("the script runs");
        serde_json::from_value(played.clone()).unwrap_or_else(|_| panic!("{css} plays: {played}"))
    }

    /// Waits until the page reports that hydration finished (the WASM loaded and ran).
    pub async fn wait_hydrated(&self) {
        for _ in 0..150 {
            let hydrated = self
                .client
                .execute(
                    "return document.body.getAttribute('data-hydrated') === 'true';",
                    vec![],
                )
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if hydrated {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never hydrated (is the WASM built and served?)");
    }

    /// Clicks (taps) the element `css` selects.
    pub async fn click(&self, css: &str) {
        self.client
            .find(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// The text of the element `css` selects, once it is on the page.
    pub async fn text_of(&self, css: &str) -> String {
        self.client
            .wait()
            .for_element(fantoccini::Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// Saves what the window shows as `target/{name}`, to be looked at.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(crate::workspace_root().join("target").join(name), png)
            .expect("write the screenshot");
    }

    /// Waits until the current URL satisfies `pred`.
    pub async fn wait_url(&self, pred: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(url) = self.client.current_url().await {
                last = url.to_string();
                if pred(&last) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("URL never matched; last was {last}");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
