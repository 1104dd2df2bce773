//! OpenID Connect providers on loopback for the single sign-on tests, run by node from
//! `tests/support/oidc/` (`scripts/setup.sh --test` installs their packages with `npm ci`):
//!
//! - [`Provider`]: `provider.mjs`, the real `oidc-provider` package with the province's login
//!   form, its accounts and their claims in a file the test rewrites;
//! - [`Forger`]: `forge.mjs`, which answers like a provider but hands out one defective ID token
//!   (another key, expired, another audience or issuer, a wrong nonce, no signature).
//!
//! [`ProviderBrowser`] is the person's browser at the provider: it keeps the provider's cookies,
//! follows its redirects and fills in its login form, and stops at the redirect back to
//! Hài Lòng.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, Request, StatusCode};
use http_body_util::Full;
use serde_json::{json, Value};

use crate::process::{Http, Reply};
use crate::workspace_root;

/// The client id Hài Lòng is registered under at the test providers.
pub const CLIENT_ID: &str = "hai-long";
/// Its secret at the test providers.
pub const CLIENT_SECRET: &str = "bi-mat-cua-ung-dung-hai-long-2026";
/// Every account's password at the test provider.
pub const PROVIDER_PASSWORD: &str = "mat-khau-tai-tinh";

fn scripts() -> PathBuf {
    workspace_root().join("tests").join("support").join("oidc")
}

/// Whether node and the providers' packages are there; outside CI their absence skips loudly.
pub fn providers_available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let packages = scripts()
        .join("node_modules")
        .join("oidc-provider")
        .exists();
    if !(node && packages) {
        assert!(
            !crate::in_ci(),
            "node and tests/support/oidc/node_modules are required in CI (scripts/setup.sh --test runs npm ci)"
        );
        eprintln!(
            "\n!!!!! SKIPPING SINGLE SIGN-ON TESTS: node or tests/support/oidc/node_modules missing. \
             Run scripts/setup.sh --test. !!!!!\n"
        );
    }
    node && packages
}

/// A node process that printed `listening URL`, killed when dropped.
struct NodeProcess {
    child: Child,
    dir: PathBuf,
}

impl NodeProcess {
    /// Starts `script` with `config` written beside it in a fresh folder; returns the process
    /// and the URL it listens on.
    fn start(script: &str, config: &Value, dir: PathBuf) -> (NodeProcess, String) {
        std::fs::create_dir_all(&dir).expect("create the provider's folder");
        let config_path = dir.join("config.json");
        std::fs::write(&config_path, config.to_string()).expect("write the provider's config");
        let mut child = Command::new("node")
            .arg(scripts().join(script))
            .arg(&config_path)
            .current_dir(scripts())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node");
        let stdout = child.stdout.take().expect("node's stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening ") {
                    let _ = tx.send(url.to_string());
                }
            }
        });
        let process = NodeProcess { child, dir };
        let url = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("{script} did not start within 20 s"));
        (process, url)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn fresh_dir(name: &str) -> PathBuf {
    workspace_root()
        .join("target")
        .join("test-oidc")
        .join(format!("{name}-{:016x}", rand::random::<u64>()))
}

/// `oidc-provider` on a loopback port, Hài Lòng registered as a confidential client.
pub struct Provider {
    process: NodeProcess,
    pub issuer: String,
    accounts: PathBuf,
}

impl Provider {
    /// Starts the provider with `accounts` (login name → claims, `sub` among them), for Hài
    /// Lòng at `public_url`.
    pub fn start(public_url: &str, accounts: &Value) -> Provider {
        Provider::start_on(None, public_url, accounts)
    }

    /// [`Provider::start`] on a given port (for a server configured before it starts).
    pub fn start_on(port: Option<u16>, public_url: &str, accounts: &Value) -> Provider {
        let dir = fresh_dir("provider");
        let accounts_path = dir.join("accounts.json");
        std::fs::create_dir_all(&dir).expect("create the provider's folder");
        write_accounts(&accounts_path, accounts);
        let config = json!({
            "port": port.unwrap_or(0),
            "accounts_file": accounts_path,
            "client": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [format!("{public_url}/login/oidc/callback")],
                "post_logout_redirect_uris": [format!("{public_url}/login")],
            },
        });
        let (process, issuer) = NodeProcess::start("provider.mjs", &config, dir);
        Provider {
            process,
            issuer,
            accounts: accounts_path,
        }
    }

    /// Replaces the accounts and their claims; the provider reads them at the next sign-in.
    pub fn set_accounts(&self, accounts: &Value) {
        write_accounts(&self.accounts, accounts);
    }

    /// Stops the provider, as a crash or a maintenance window would.
    pub fn stop(&mut self) {
        self.process.stop();
    }

    /// The settings that point Hài Lòng at this provider.
    pub fn settings(&self) -> app::accounts::sso::ProviderSettings {
        settings(&self.issuer)
    }
}

/// The settings of a provider at `issuer` with the tests' client.
pub fn settings(issuer: &str) -> app::accounts::sso::ProviderSettings {
    app::accounts::sso::ProviderSettings {
        issuer: issuer.to_string(),
        client_id: CLIENT_ID.to_string(),
        client_secret: CLIENT_SECRET.to_string(),
    }
}

/// Each account as the provider reads it: `{ login: { password, claims } }`.
fn write_accounts(path: &std::path::Path, accounts: &Value) {
    let file: serde_json::Map<String, Value> = accounts
        .as_object()
        .expect("accounts are an object: login → claims")
        .iter()
        .map(|(login, claims)| {
            (
                login.clone(),
                json!({ "password": PROVIDER_PASSWORD, "claims": claims }),
            )
        })
        .collect();
    std::fs::write(path, Value::Object(file).to_string()).expect("write the accounts");
}

/// A provider handing out one defective ID token (see `forge.mjs`).
pub struct Forger {
    _process: NodeProcess,
    pub issuer: String,
}

impl Forger {
    /// Makes the next ID tokens carry `defect` instead.
    pub async fn set_defect(&self, defect: &str) {
        let mut browser = ProviderBrowser::default();
        let reply = browser
            .send(
                "POST",
                &format!("{}/defect", self.issuer),
                &[("defect", defect)],
            )
            .await
            .expect("the forger answers");
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
}

impl Forger {
    /// `defect`: none, other_key, no_kid_match, expired, wrong_audience, wrong_issuer,
    /// wrong_nonce, alg_none. The person's `claims` carry `sub`.
    pub fn start(public_url: &str, defect: &str, claims: &Value) -> Forger {
        let config = json!({
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": format!("{public_url}/login/oidc/callback"),
            "claims": claims,
            "defect": defect,
        });
        let (process, issuer) = NodeProcess::start("forge.mjs", &config, fresh_dir("forge"));
        Forger {
            _process: process,
            issuer,
        }
    }
}

/// The person's browser at the provider: its cookies there, and the provider's pages.
#[derive(Default)]
pub struct ProviderBrowser {
    http: Option<Http>,
    cookies: Vec<(String, String)>,
}

impl ProviderBrowser {
    fn http(&mut self) -> Http {
        self.http.get_or_insert_with(|| Http::new(None)).clone()
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, reply: &Reply) {
        for value in reply.headers.get_all(header::SET_COOKIE) {
            let Some((name, value)) = value
                .to_str()
                .ok()
                .and_then(|v| v.split(';').next())
                .and_then(|v| v.split_once('='))
            else {
                continue;
            };
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
    }

    /// Sends a request to the provider with its cookies; `Err` when it cannot be reached.
    pub async fn send(
        &mut self,
        method: &str,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<Reply, String> {
        let mut request = Request::builder().method(method).uri(url);
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            request = request.header(header::COOKIE, cookies);
        }
        let body = if method == "POST" {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish()
        } else {
            String::new()
        };
        let request = request
            .body(Full::new(Bytes::from(body)))
            .expect("a request to the provider");
        let reply = self.http().send(request).await?;
        self.keep_cookies(&reply);
        Ok(reply)
    }

    /// Follows the provider's redirects from `url` until one leaves it (returned: the URL of
    /// Hài Lòng it sends the browser to) or a page answers (returned as `Err` with the page).
    pub async fn follow(&mut self, url: &str, issuer: &str) -> Result<String, Reply> {
        let mut url = url.to_string();
        for _ in 0..10 {
            if !url.starts_with(issuer) {
                return Ok(url);
            }
            let reply = self.send("GET", &url, &[]).await.map_err(|e| Reply {
                status: StatusCode::BAD_GATEWAY,
                headers: Default::default(),
                body: e,
            })?;
            match location(&reply) {
                Some(next) if reply.status.is_redirection() => url = absolute(issuer, &next),
                _ => return Err(reply),
            }
        }
        panic!("the provider redirected more than 10 times");
    }

    /// Goes from Hài Lòng's redirect (`authorize_url`) through the provider's login form as
    /// `login` to the URL of Hài Lòng the provider sends the browser back to.
    pub async fn sign_in(&mut self, authorize_url: &str, issuer: &str, login: &str) -> String {
        self.sign_in_with(authorize_url, issuer, login, PROVIDER_PASSWORD)
            .await
            .unwrap_or_else(|page| panic!("the provider did not sign {login} in: {}", page.body))
    }

    /// [`ProviderBrowser::sign_in`] with a password; `Err` with the page the provider showed.
    pub async fn sign_in_with(
        &mut self,
        authorize_url: &str,
        issuer: &str,
        login: &str,
        password: &str,
    ) -> Result<String, Reply> {
        let form_page = match self.follow(authorize_url, issuer).await {
            Ok(back) => return Ok(back),
            Err(page) => page,
        };
        let action = form_action(&form_page.body).ok_or(form_page)?;
        let reply = self
            .send(
                "POST",
                &absolute(issuer, &action),
                &[("login", login), ("password", password)],
            )
            .await
            .map_err(|e| Reply {
                status: StatusCode::BAD_GATEWAY,
                headers: Default::default(),
                body: e,
            })?;
        match location(&reply) {
            Some(next) if reply.status.is_redirection() => {
                self.follow(&absolute(issuer, &next), issuer).await
            }
            _ => Err(reply),
        }
    }
}

fn location(reply: &Reply) -> Option<String> {
    reply
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `url` as the browser reads it on a page of `issuer`: a path there, or as written.
pub fn absolute(issuer: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{issuer}{url}")
    } else {
        url.to_string()
    }
}

/// The `action` of the login form on a provider page.
fn form_action(html: &str) -> Option<String> {
    let at = html.find("<form")?;
    let rest = &html[at..];
    let start = rest.find("action=\"")? + "action=\"".len();
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].replace("&amp;", "&"))
}

/// The path and query of a URL of Hài Lòng (`https://hailong.test/login/oidc/callback?…` →
/// `/login/oidc/callback?…`), to send to the router.
pub fn path_of(url: &str) -> String {
    let parsed = url::Url::parse(url).expect("an absolute URL");
    match parsed.query() {
        Some(query) => format!("{}?{query}", parsed.path()),
        None => parsed.path().to_string(),
    }
}
