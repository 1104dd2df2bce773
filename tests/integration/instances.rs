//! Two real `hailong serve` processes on one PostgreSQL database: a citizen answers on one, and
//! a commune leader watching the other sees the figures change (LISTEN/NOTIFY between them).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use app::store::Backend;
use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use hailong_tests::{
    hidden_value, postgres_available, workspace_root, TestDb, PASSWORD, PUBLIC_URL,
};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

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

struct Instance {
    child: Child,
    port: u16,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

type Http = Client<HttpConnector, Full<Bytes>>;

async fn start(binary: &PathBuf, database_url: &str, http: &Http) -> Instance {
    let port = free_port();
    let child = Command::new(binary)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .current_dir(workspace_root())
        .env("DATABASE_URL", database_url)
        .env("HAILONG_PUBLIC_URL", PUBLIC_URL)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start hailong serve");
    let instance = Instance { child, port };
    for _ in 0..100 {
        if let Ok(response) = http.request(get(port, "/health", None)).await {
            if response.status() == StatusCode::OK {
                return instance;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("hailong serve on port {port} never answered /health");
}

fn get(port: u16, path: &str, cookie: Option<&str>) -> Request<Full<Bytes>> {
    let mut request = Request::get(format!("http://127.0.0.1:{port}{path}"));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Full::default()).unwrap()
}

fn post(
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
    request.body(Full::new(Bytes::from(body))).unwrap()
}

async fn text(response: hyper::Response<hyper::body::Incoming>) -> String {
    String::from_utf8_lossy(&response.into_body().collect().await.unwrap().to_bytes()).into_owned()
}

fn cookie_value(response: &hyper::Response<hyper::body::Incoming>, name: &str) -> String {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(str::to_string))
        .unwrap_or_else(|| panic!("cookie {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_on_one_instance_updates_the_dashboard_of_the_other() {
    if !postgres_available().await {
        return;
    }
    let Some(binary) = binary() else {
        assert!(
            std::env::var("CI").is_err(),
            "target/debug/hailong is missing: scripts/test.sh builds it before the tests"
        );
        eprintln!(
            "\n!!!!! SKIPPING the two-instance test: build target/debug/hailong first !!!!!\n"
        );
        return;
    };
    let db = TestDb::create(Backend::Postgres).await;
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let one = start(&binary, &db.url, &http).await;
    let two = start(&binary, &db.url, &http).await;

    // A commune leader, created as `hailong user add` does.
    let config = hailong_tests::test_config(&db.url, "127.0.0.1:0".parse().unwrap());
    let state = server::startup::build_state(&config).await.unwrap();
    app::accounts::users::add_user(
        &state,
        "leader25195",
        "Lãnh đạo",
        "commune_leader",
        "25195",
        PASSWORD,
    )
    .await
    .unwrap();
    let desk = state
        .store
        .list_current_desks(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.commune_code == "25195")
        .unwrap()
        .public_code;

    // The leader signs in on instance two and opens the live stream there.
    let login_page = http.request(get(two.port, "/login", None)).await.unwrap();
    let login_cookie = cookie_value(&login_page, "hl_login_csrf");
    let csrf = hidden_value(&text(login_page).await, "_csrf").unwrap();
    let signed_in = http
        .request(post(
            two.port,
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "leader25195"),
                ("password", PASSWORD),
            ],
            Some(&format!("hl_login_csrf={login_cookie}")),
        ))
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let session = format!("hl_session={}", cookie_value(&signed_in, "hl_session"));
    let stream = http
        .request(get(two.port, "/commune/live", Some(&session)))
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let mut body = Body::new(stream.into_body());
    let first = next_data(&mut body, Duration::from_secs(5))
        .await
        .expect("figures now");
    assert!(first.contains("\"responses\":\"0\""), "{first}");

    // A citizen answers at the commune's desk through instance one, with the phone's cookie
    // that the survey page gives.
    let form = http
        .request(get(one.port, &format!("/q/{desk}"), None))
        .await
        .unwrap();
    let phone = format!("hl_dev={}", cookie_value(&form, "hl_dev"));
    let form = text(form).await;
    let key = hidden_value(&form, "_key").unwrap();
    let sent = http
        .request(post(
            one.port,
            &format!("/q/{desk}"),
            &[
                ("_key", &key),
                ("lang", "vi"),
                ("overall", "5"),
                ("access", "4"),
                ("procedures", "4"),
                ("civil_servants", "5"),
                ("results", "4"),
                ("visits", "1"),
            ],
            Some(&phone),
        ))
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::SEE_OTHER, "{}", text(sent).await);

    let update = next_data(&mut body, Duration::from_secs(2))
        .await
        .expect("instance two announces it within 2 seconds");
    assert!(update.contains("\"responses\":\"1\""), "{update}");
}

/// The next server-sent event's data, or `None` after `wait`.
async fn next_data(body: &mut Body, wait: Duration) -> Option<String> {
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .ok()??;
        if let Ok(data) = frame.ok()?.into_data() {
            buffer.push_str(&String::from_utf8_lossy(&data));
            while let Some(end) = buffer.find("\n\n") {
                let event = buffer[..end].to_string();
                buffer = buffer[end + 2..].to_string();
                if let Some(line) = event.lines().find(|l| l.starts_with("data:")) {
                    return Some(line["data:".len()..].trim().to_string());
                }
            }
        }
    }
}
