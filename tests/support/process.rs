//! Real `hailong serve` processes and an HTTP client that talks to them over loopback, from any
//! 127.0.0.x source address: for the tests that need what only a process shows (two instances on
//! one database, a kill -9 in the middle of a load, several client addresses on real sockets).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::{workspace_root, PUBLIC_URL};

/// The `hailong` binary that `scripts/test.sh` builds before the tests. Missing, the caller's test
/// is skipped loudly, except in CI, where it fails.
pub fn hailong_binary() -> Option<PathBuf> {
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
    if path.exists() {
        return Some(path);
    }
    assert!(
        !crate::in_ci(),
        "{} is missing: scripts/test.sh builds it before the tests",
        path.display()
    );
    eprintln!(
        "\n!!!!! SKIPPING a test that runs `hailong serve`: build {} first !!!!!\n",
        path.display()
    );
    None
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("a local address")
        .port()
}

/// A running `hailong serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// Starts `hailong serve` on a free port with the database `database_url` and `env`, and
    /// waits until `/health` answers 200.
    pub async fn start(binary: &PathBuf, database_url: &str, env: &[(&str, &str)]) -> Server {
        let server = Server::spawn(binary, database_url, env);
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&self) {
        let http = Http::new(None);
        for _ in 0..200 {
            if let Ok((status, _)) = http.get(self.port, "/health", None).await {
                if status == StatusCode::OK {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("hailong serve on port {} never answered /health", self.port);
    }

    /// Starts `hailong serve` like [`Server::start`] without waiting for it.
    pub fn spawn(binary: &PathBuf, database_url: &str, env: &[(&str, &str)]) -> Server {
        Server::spawn_with_log(binary, database_url, env, None)
    }

    /// Starts `hailong serve` like [`Server::start`], its log (stderr) written to `log`.
    pub async fn start_logging_to(
        binary: &PathBuf,
        database_url: &str,
        env: &[(&str, &str)],
        log: &std::path::Path,
    ) -> Server {
        let server = Server::spawn_with_log(binary, database_url, env, Some(log));
        server.wait_healthy().await;
        server
    }

    fn spawn_with_log(
        binary: &PathBuf,
        database_url: &str,
        env: &[(&str, &str)],
        log: Option<&std::path::Path>,
    ) -> Server {
        let port = free_port();
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("create the log file")),
            None => Stdio::inherit(),
        };
        let child = Command::new(binary)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .current_dir(workspace_root())
            .env("DATABASE_URL", database_url)
            .env("HAILONG_PUBLIC_URL", PUBLIC_URL)
            .env("HAILONG_SITE_ROOT", crate::site_root())
            // A report made at start-up would compete with what a test measures; the one test
            // of the schedule turns it on.
            .env("HAILONG_MONTHLY_REPORT", "off")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start hailong serve");
        Server { child, port }
    }

    /// Sends SIGTERM, as systemd's stop or restart does.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM {}", self.child.id());
    }

    /// Waits up to `limit` for the process to exit; `None` if it is still running.
    pub async fn exited_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("the process's status") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    /// Kills the process at once (SIGKILL), as a power cut or the OOM killer would.
    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// An HTTP/1.1 client on loopback, optionally from one source address (127.0.0.x).
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

/// A response's status, headers and body.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Http {
    pub fn new(source: Option<IpAddr>) -> Http {
        let mut connector = HttpConnector::new();
        connector.set_local_address(source);
        Http {
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    pub async fn send(&self, request: Request<Full<Bytes>>) -> Result<Reply, String> {
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| error_chain(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    pub async fn get(
        &self,
        port: u16,
        path: &str,
        cookie: Option<&str>,
    ) -> Result<(StatusCode, String), String> {
        let reply = self.send(get(port, path, cookie)).await?;
        Ok((reply.status, reply.body))
    }

    /// Posts a form as a browser without JavaScript does.
    pub async fn post_form(
        &self,
        port: u16,
        path: &str,
        fields: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Result<Reply, String> {
        self.send(post(port, path, fields, cookie)).await
    }
}

/// An error with its causes (`client error (Connect): tcp connect error: Connection refused`):
/// tests tell a refused connection from one cut in the middle of a request.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub fn get(port: u16, path: &str, cookie: Option<&str>) -> Request<Full<Bytes>> {
    let mut request = Request::get(format!("http://127.0.0.1:{port}{path}"));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Full::default()).expect("a GET request")
}

pub fn post(
    port: u16,
    path: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
) -> Request<Full<Bytes>> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut request = Request::post(format!("http://127.0.0.1:{port}{path}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request
        .body(Full::new(Bytes::from(body)))
        .expect("a POST request")
}

/// The router of `app` served on a real loopback socket in this process, so clients can come
/// from several source addresses; stops when dropped.
pub struct Listening {
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Listening {
    pub async fn serve(router: axum::Router) -> Listening {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        Listening { port, task }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
    }
}
