//! What a data centre's monitoring sees of a real `hailong serve`: Prometheus metrics that move by
//! exactly what citizens did, readable from loopback or with the token only; one log line per
//! request naming the route pattern, never the URL; the settings logged once with secrets
//! hidden; and settings that are wrong refused before anything starts, in one line naming them.

use std::collections::HashMap;
use std::process::{Command, Stdio};

use app::domain::channel::Channel;
use app::store::{Backend, Store};
use axum::body::Bytes;
use axum::http::{header, Request, StatusCode};
use hailong_tests::process::{get, hailong_binary, Http, Reply, Server};
use hailong_tests::{
    as_pairs, both_backends, device, hidden_value, key, valid_answers, workspace_root, TestDb,
    PASSWORD,
};
use http_body_util::Full;

both_backends!(
    metrics_move_by_exactly_what_citizens_did,
    request_logs_name_routes_and_the_start_hides_secrets,
);

const TOKEN: &str = "metrics-token-0123456789";

/// The value of one sample (`name{labels}`) of a Prometheus text, 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            (name == series).then(|| value.parse().ok())?
        })
        .unwrap_or(0.0)
}

async fn scrape(http: &Http, port: u16) -> String {
    let (status, text) = http.get(port, "/metrics", None).await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    text
}

fn metrics_request(
    port: u16,
    forwarded: Option<&str>,
    token: Option<&str>,
) -> Request<Full<Bytes>> {
    let mut request = Request::get(format!("http://127.0.0.1:{port}/metrics"));
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Full::default()).unwrap()
}

fn cookie_value(reply: &Reply, name: &str) -> String {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(str::to_string))
        .unwrap_or_else(|| panic!("cookie {name}"))
}

async fn metrics_move_by_exactly_what_citizens_did(backend: Backend) {
    let Some(binary) = hailong_binary() else {
        return;
    };
    // Arrange: nginx-like trust of one proxy, so a forwarded address is the client's.
    let db = TestDb::create(backend).await;
    let server = Server::start(
        &binary,
        &db.url,
        &[
            ("HAILONG_TRUST_PROXY", "1"),
            ("HAILONG_METRICS_TOKEN", TOKEN),
        ],
    )
    .await;
    let port = server.port;
    let store = Store::connect(&db.url).await.unwrap();
    let code = store.list_current_desks(None).await.unwrap()[0]
        .public_code
        .clone();
    let http = Http::new(None);
    let before = scrape(&http, port).await;

    // Act: 12 answers from phones, 4 without the survey page's cookie (flagged), 3 with a
    // tampered form, 2 incomplete; one wrong password.
    let mut statuses = Vec::new();
    for n in 0..16u64 {
        let mut fields = valid_answers(&key(n));
        fields.retain(|(k, _)| *k != "dossier_code");
        let cookie = (n < 12).then(|| format!("hl_dev={}", device(n)));
        let reply = http
            .post_form(
                port,
                &format!("/q/{code}"),
                &as_pairs(&fields),
                cookie.as_deref(),
            )
            .await
            .unwrap();
        statuses.push(reply.status);
    }
    for n in 100..105u64 {
        let mut fields = valid_answers(&key(n));
        if n < 103 {
            fields[0].1 = "tampered".into();
        } else {
            fields.retain(|(k, _)| *k != "overall");
        }
        let cookie = format!("hl_dev={}", device(n));
        http.post_form(
            port,
            &format!("/q/{code}"),
            &as_pairs(&fields),
            Some(&cookie),
        )
        .await
        .unwrap();
    }
    let page = http.send(get(port, "/login", None)).await.unwrap();
    let csrf = hidden_value(&page.body, "_csrf").unwrap();
    let wrong = http
        .post_form(
            port,
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "nobody"),
                ("password", PASSWORD),
            ],
            Some(&format!(
                "hl_login_csrf={}",
                cookie_value(&page, "hl_login_csrf")
            )),
        )
        .await
        .unwrap();
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let after = scrape(&http, port).await;

    // Assert: every counter moved by exactly what was done.
    assert!(
        statuses.iter().all(|s| *s == StatusCode::SEE_OTHER),
        "{statuses:?}"
    );
    let moved = |series: &str| sample(&after, series) - sample(&before, series);
    let accepted = format!(
        "hailong_answers_accepted_total{{channel=\"{}\"}}",
        Channel::Qr.key()
    );
    assert_eq!(moved(&accepted), 16.0, "{after}");
    assert_eq!(
        moved("hailong_answers_refused_total{reason=\"form_expired\"}"),
        3.0
    );
    assert_eq!(
        moved("hailong_answers_refused_total{reason=\"invalid\"}"),
        2.0
    );
    assert_eq!(
        moved("hailong_sign_in_failures_total{reason=\"invalid\"}"),
        1.0
    );
    // Flags as stored (outside opening hours depends on the hour the test runs).
    let mut flags: HashMap<String, f64> = HashMap::new();
    let stored: Vec<(Option<String>,)> = sqlx::query_as("select flags from responses")
        .fetch_all(store.pool())
        .await
        .unwrap();
    for flag in stored
        .iter()
        .filter_map(|(f,)| f.as_deref())
        .flat_map(|f| f.split(','))
    {
        *flags.entry(flag.to_owned()).or_default() += 1.0;
    }
    assert_eq!(flags.get("no_device_cookie"), Some(&4.0), "{flags:?}");
    for (flag, count) in &flags {
        let series = format!("hailong_answers_flagged_total{{reason=\"{flag}\"}}");
        assert_eq!(moved(&series), *count, "{series}");
    }
    assert!(
        sample(&after, "hailong_writer_commit_seconds_count") >= 1.0,
        "{after}"
    );
    assert!(after.contains("hailong_writer_queue_depth 0"), "{after}");
    assert!(after.contains("hailong_live_streams_open 0"), "{after}");

    // From another address (as nginx forwards it), no token: 404; a wrong token: 403.
    let far = http
        .send(metrics_request(port, Some("203.0.113.9"), None))
        .await
        .unwrap();
    assert_eq!(far.status, StatusCode::NOT_FOUND);
    assert!(!far.body.contains("hailong_"));
    let wrong_token = http
        .send(metrics_request(
            port,
            Some("203.0.113.9"),
            Some("not-the-token-at-all"),
        ))
        .await
        .unwrap();
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    let with_token = http
        .send(metrics_request(port, Some("203.0.113.9"), Some(TOKEN)))
        .await
        .unwrap();
    assert_eq!(with_token.status, StatusCode::OK);
    assert!(with_token.body.contains(&accepted));
    store.close().await;
}

async fn request_logs_name_routes_and_the_start_hides_secrets(backend: Backend) {
    let Some(binary) = hailong_binary() else {
        return;
    };
    let db = TestDb::create(backend).await;
    // PostgreSQL here trusts loopback, so a password in the URL is accepted and ignored.
    let url = db.url.replacen(
        "postgres://postgres@",
        "postgres://postgres:pg-secret-pw@",
        1,
    );
    let log =
        std::env::temp_dir().join(format!("hailong-log-{:016x}.jsonl", rand::random::<u64>()));
    let mut server = Server::start_logging_to(
        &binary,
        &url,
        &[
            ("HAILONG_LOG_FORMAT", "json"),
            ("RUST_LOG", "info"),
            ("HAILONG_METRICS_TOKEN", TOKEN),
        ],
        &log,
    )
    .await;
    let store = Store::connect(&db.url).await.unwrap();
    let code = store.list_current_desks(None).await.unwrap()[0]
        .public_code
        .clone();
    store.close().await;
    let http = Http::new(None);
    let (status, _) = http
        .get(
            server.port,
            &format!("/q/{code}?dossier=H70.SECRET-0042"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    let (status, _) = http.get(server.port, "/no/such/page", None).await.unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.terminate();
    let exited = server
        .exited_within(std::time::Duration::from_secs(20))
        .await
        .expect("the server stops on SIGTERM");
    assert!(exited.success());

    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let requests: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["target"] == "hailong::request")
        .collect();
    let survey = requests
        .iter()
        .find(|l| l["route"] == "/q/{code}")
        .unwrap_or_else(|| panic!("a line for the survey page: {text}"));
    assert_eq!(survey["method"], "GET");
    assert_eq!(survey["status"], 200);
    assert!(survey["latency_ms"].as_f64().is_some(), "{survey}");
    assert!(
        requests
            .iter()
            .any(|l| l["status"] == 404 && l["route"] != "/no/such/page"),
        "an unknown URL is logged without it: {text}"
    );
    assert!(!text.contains(&code), "no desk code in the logs");
    assert!(!text.contains("SECRET"), "no query in the logs");
    let start = lines
        .iter()
        .find(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.contains("starting"))
        })
        .unwrap_or_else(|| panic!("the settings at start: {text}"));
    let start = start["message"].as_str().unwrap();
    assert!(start.contains("HAILONG_METRICS_TOKEN=(set)"), "{start}");
    assert!(!text.contains(TOKEN), "the token is never logged");
    assert!(
        !text.contains("pg-secret-pw"),
        "the password is never logged"
    );
}

/// `hailong` run with `args` and `env` from the workspace: exit success and the stderr lines.
fn run(args: &[&str], env: &[(&str, &str)]) -> (bool, Vec<String>, String) {
    let binary = hailong_binary().expect("the binary");
    let output = Command::new(binary)
        .args(args)
        .current_dir(workspace_root())
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run hailong");
    let stderr = String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::to_owned)
        .collect();
    (
        output.status.success(),
        stderr,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn wrong_settings_stop_serve_with_one_line_naming_them() {
    if hailong_binary().is_none() {
        return;
    }
    // Under a file, so not even root can create the folder.
    let unopenable = "sqlite:///dev/null/sub/hailong.db?mode=rwc";
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("HAILONG_CLIENT_BURST", "lots")], "HAILONG_CLIENT_BURST"),
        (
            &[("HAILONG_PUBLIC_URL", "hailong.example.vn")],
            "HAILONG_PUBLIC_URL",
        ),
        (&[("HAILONG_LOG_FORMAT", "xml")], "HAILONG_LOG_FORMAT"),
        (&[("HAILONG_CLIENT_BRUST", "5")], "HAILONG_CLIENT_BRUST"),
        (&[("DATABASE_URL", unopenable)], "DATABASE_URL"),
        (
            &[("DATABASE_URL", "postgres://nobody@127.0.0.1:1/hailong")],
            "DATABASE_URL",
        ),
    ];
    for (env, setting) in cases {
        let (ok, stderr, _) = run(&["serve", "--addr", "127.0.0.1:0"], env);
        assert!(!ok, "{env:?} must stop serve");
        let errors: Vec<&String> = stderr.iter().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{env:?}: one line: {stderr:?}");
        assert!(errors[0].contains(setting), "{env:?}: {}", errors[0]);
    }
}

#[test]
fn check_config_validates_the_settings_without_starting() {
    if hailong_binary().is_none() {
        return;
    }
    let (ok, _, stdout) = run(
        &["check", "--config"],
        &[
            ("HAILONG_CLIENT_BURST", "20"),
            ("HAILONG_METRICS_TOKEN", TOKEN),
            ("DATABASE_URL", "postgres://u:db-secret@db.invalid/hailong"),
        ],
    );
    assert!(ok);
    assert!(stdout.contains("HAILONG_CLIENT_BURST=20"), "{stdout}");
    assert!(
        stdout.contains("postgres://u:***@db.invalid/hailong"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(TOKEN) && !stdout.contains("db-secret"),
        "{stdout}"
    );
    let (ok, stderr, _) = run(&["check", "--config"], &[("HAILONG_CLIENT_BURST", "lots")]);
    assert!(!ok);
    assert!(
        stderr
            .iter()
            .any(|l| l.starts_with("error:") && l.contains("HAILONG_CLIENT_BURST")),
        "{stderr:?}"
    );
}

#[test]
fn check_names_the_sets_the_province_scores_with_and_refuses_a_bad_table_row() {
    if hailong_binary().is_none() {
        return;
    }
    let (ok, _, own) = run(&["check"], &[("HAILONG_PROVINCE", "75")]);
    assert!(ok);
    assert!(
        own.contains("ok  scores with dong-nai-2026 v2 (2026-01-01 – 2027-01-01)\n"),
        "{own}"
    );
    let (ok, _, model) = run(&["check"], &[("HAILONG_PROVINCE", "01")]);
    assert!(ok);
    assert!(
        model.contains("ok  scores with dong-nai-2026 v2 (2026-01-01 – 2027-01-01) — a model set"),
        "Hà Nội has no set of its own: {model}"
    );

    // A copy of the definitions whose table names a province the map does not have.
    let dir = workspace_root()
        .join("target")
        .join("test-dbs")
        .join(format!("criteria-table-{:016x}", rand::random::<u64>()));
    let status = Command::new("cp")
        .arg("-r")
        .arg(workspace_root().join("survey-definitions"))
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(
        dir.join("criteria/provinces.csv"),
        "province,criteria\n75,dong-nai-2025\n99,dong-nai-2026\n",
    )
    .unwrap();
    let (ok, stderr, _) = run(
        &["check"],
        &[("HAILONG_DEFINITIONS", dir.to_str().unwrap())],
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!ok);
    assert!(
        stderr.iter().any(|l| l.starts_with("error:")
            && l.contains("criteria/provinces.csv:3:")
            && l.contains("`99` is not a province code")),
        "{stderr:?}"
    );
}
