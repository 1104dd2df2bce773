//! Alerts: an unfavourable answer reaches the leaders and officers of its commune by mail
//! through a real SMTP server (Debian's aiosmtpd, started here), and a province's webhook
//! through a real HTTP receiver; the citizen's submission never waits for either.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::process::free_port;
use hailong_tests::{as_pairs, both_backends, device, key, valid_answers, TestApp, PASSWORD};
use hmac::{Hmac, Mac};
use server::alerts::settings::{AlertSettings, SmtpSettings, WebhookSettings};

/// The mail server of a test: `tests/support/smtp_sink.py` writing each message it accepts to
/// a folder of its own; stopped and removed when dropped.
struct SmtpSink {
    child: Child,
    folder: PathBuf,
}

impl SmtpSink {
    fn start(port: u16, folder: PathBuf) -> SmtpSink {
        use std::io::BufRead;
        std::fs::create_dir_all(&folder).expect("mail folder");
        let script = hailong_tests::workspace_root().join("tests/support/smtp_sink.py");
        // Debian's interpreter, where python3-aiosmtpd is installed (scripts/setup.sh --test).
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg(port.to_string())
            .arg(&folder)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP sink (apt-get install python3-aiosmtpd)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the SMTP sink starts");
        assert_eq!(line.trim(), "ready", "the SMTP sink says it is ready");
        SmtpSink { child, folder }
    }

    /// The messages received so far, in order.
    fn mails(&self) -> Vec<serde_json::Value> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.folder)
            .expect("mail folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).expect("read mail")).expect("JSON"))
            .collect()
    }

    /// Waits until at least `n` messages arrived (or `within` passed), then a little more so a
    /// message too many would show; all the messages.
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<serde_json::Value> {
        let start = Instant::now();
        while self.mails().len() < n && start.elapsed() < within {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        self.mails()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

fn mail_folder() -> PathBuf {
    let n: u64 = rand::random();
    hailong_tests::workspace_root()
        .join("target")
        .join("test-mail")
        .join(format!("{n:016x}"))
}

/// Alert settings that look and retry every fraction of a second, so the test takes seconds.
fn fast_settings(smtp_port: Option<u16>) -> AlertSettings {
    AlertSettings {
        smtp: smtp_port.map(|port| {
            SmtpSettings::parse(
                &format!("smtp://127.0.0.1:{port}"),
                Some("none"),
                Some("Hài Lòng <hailong@test.invalid>"),
            )
            .expect("loopback SMTP settings")
        }),
        poll: Duration::from_millis(300),
        retry: Duration::from_millis(300),
        settle: Duration::from_secs(2),
        ..AlertSettings::default()
    }
}

/// Two desks of two different communes.
async fn two_communes(app: &TestApp) -> (app::store::desks::DeskRow, app::store::desks::DeskRow) {
    let desks = app.store().list_current_desks(None).await.expect("desks");
    let first = desks.first().expect("a desk").clone();
    let other = desks
        .iter()
        .find(|d| d.commune_code != first.commune_code)
        .expect("a desk of another commune")
        .clone();
    (first, other)
}

async fn add(app: &TestApp, name: &str, role: &str, unit: &str, email: &str) {
    app::accounts::users::add_user_with_email(&app.state, name, name, role, unit, PASSWORD, email)
        .await
        .expect("create user");
}

/// Submits an answer at `desk` as citizen `n` (own phone and address); how long it took.
async fn submit(app: &TestApp, desk: &str, n: u64, overall: &str, comment: &str) -> Duration {
    let mut fields = valid_answers(&key(n));
    for (name, value) in fields.iter_mut() {
        match *name {
            "overall" => *value = overall.into(),
            "comment" => *value = comment.into(),
            "dossier_code" => *value = String::new(),
            _ => {}
        }
    }
    let start = Instant::now();
    let response = app
        .post_form_as(
            &format!("/q/{desk}"),
            &as_pairs(&fields),
            &format!("10.7.{}.{}", n / 250, n % 250 + 1),
            Some(&device(n)),
        )
        .await;
    let took = start.elapsed();
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "submission {n} is acknowledged: {}",
        response.text()
    );
    took
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn unfavourable_answer_mails_each_opted_in_user_of_its_commune_once(b: Backend) {
    // Arrange: a mail server, and users of two communes.
    let port = free_port();
    let sink = SmtpSink::start(port, mail_folder());
    let app = TestApp::spawn(b).await;
    let (here, elsewhere) = two_communes(&app).await;
    add(
        &app,
        "chu-tich",
        "commune_leader",
        &here.commune_code,
        "chu.tich@xa.gov.vn",
    )
    .await;
    add(
        &app,
        "can-bo",
        "commune_officer",
        &here.commune_code,
        "can.bo@xa.gov.vn",
    )
    .await;
    add(
        &app,
        "tat-thu",
        "commune_officer",
        &here.commune_code,
        "tat.thu@xa.gov.vn",
    )
    .await;
    add(
        &app,
        "tong-hop",
        "commune_officer",
        &here.commune_code,
        "tong.hop@xa.gov.vn",
    )
    .await;
    add(&app, "khong-thu", "commune_officer", &here.commune_code, "").await;
    add(
        &app,
        "xa-khac",
        "commune_leader",
        &elsewhere.commune_code,
        "xa.khac@xa.gov.vn",
    )
    .await;
    add(&app, "tinh", "province_admin", "", "tinh@sonoivu.gov.vn").await;
    // One officer turns mail off and one chooses the daily digest, on their own page.
    for (name, mode) in [("tat-thu", "off"), ("tong-hop", "digest")] {
        let session = app.login(name).await;
        let page = app.get_as("/alerts", Some(&session.cookie)).await;
        assert!(
            page.text().contains(&name.replace('-', ".")),
            "{}",
            page.text()
        );
        let saved = app
            .post_as(
                "/alerts/settings",
                &[
                    ("_csrf", session.csrf.as_str()),
                    ("email", &format!("{}@xa.gov.vn", name.replace('-', "."))),
                    ("mode", mode),
                ],
                Some(&session.cookie),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    }
    server::alerts::spawn(app.state.clone(), fast_settings(Some(port))).expect("alerts start");

    // Act: a 1-star answer with a comment here, a favourable one here and a 1-star elsewhere
    // whose commune has nobody opted in but its leader.
    let comment = "Chờ hai tiếng mà không ai hướng dẫn.";
    submit(&app, &here.public_code, 1, "1", comment).await;
    submit(&app, &here.public_code, 2, "5", "Rất tốt.").await;
    submit(&app, &here.public_code, 3, "4", "").await;

    // Assert: exactly one mail to each opted-in user of that commune, at once.
    let mails = sink.wait_for(2, Duration::from_secs(30)).await;
    let mut to: Vec<String> = mails
        .iter()
        .map(|m| m["to"][0].as_str().unwrap().to_string())
        .collect();
    to.sort();
    assert_eq!(to, ["can.bo@xa.gov.vn", "chu.tich@xa.gov.vn"], "{mails:#?}");
    let device_hash: Option<String> =
        sqlx::query_scalar("select device_hash from responses where idempotency_key = $1")
            .bind(key(1))
            .fetch_one(app.store().pool())
            .await
            .expect("the response");
    println!(
        "{}\n\n{}",
        mails[0]["subject"],
        mails[0]["body"].as_str().unwrap()
    );
    for mail in &mails {
        let body = mail["body"].as_str().unwrap();
        let raw = mail["raw"].as_str().unwrap();
        assert!(body.contains(&here.name), "the desk: {body}");
        assert!(body.contains(comment), "the comment: {body}");
        assert!(body.contains("1/5"), "the answers: {body}");
        assert!(
            body.contains(&format!(
                "https://hailong.test/commune?commune={}",
                here.commune_code
            )),
            "the follow-up link: {body}"
        );
        let hash = device_hash.as_deref().expect("the phone's hash is stored");
        assert!(
            !raw.contains(hash) && !raw.contains(&device(1)),
            "no device: {raw}"
        );
        assert!(!raw.contains("10.7.0.2"), "no address: {raw}");
        // The HTML part says the same, its link a link, as a mail program shows it.
        let html = mail["html"].as_str().unwrap();
        assert!(html.contains(comment), "the comment: {html}");
        assert!(html.contains("<strong>1/5</strong>"), "the answers: {html}");
        assert!(
            html.contains(&format!(
                "<a href=\"https://hailong.test/commune?commune={}\">Xem và xử lý phản ánh</a>",
                here.commune_code
            )),
            "the follow-up link: {html}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw:.600}");
    }
    // The digest entry waits for its hour; the admin sees it queued, and nothing failed.
    let queue = app.get_as_admin("/alerts").await.text();
    assert!(queue.contains("Đã gửi: 2"), "{queue}");
    assert!(
        queue.contains("Đang chờ gửi: 1") && queue.contains("Thư tổng hợp"),
        "{queue}"
    );
    assert!(!queue.contains("Gửi không được"), "{queue}");

    // A 1-star answer in the other commune mails its leader only.
    submit(&app, &elsewhere.public_code, 4, "2", "").await;
    let mails = sink.wait_for(3, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 3, "{mails:#?}");
    assert_eq!(mails[2]["to"][0], "xa.khac@xa.gov.vn");
    assert!(mails[2]["body"].as_str().unwrap().contains(&elsewhere.name));
}

async fn mail_server_down_during_a_burst_delays_nothing_and_loses_nothing(b: Backend) {
    // Arrange: the mail server's port is known but nothing listens on it yet.
    let port = free_port();
    let app = TestApp::spawn(b).await;
    let (here, elsewhere) = two_communes(&app).await;
    add(
        &app,
        "chu-tich",
        "commune_leader",
        &here.commune_code,
        "chu.tich@xa.gov.vn",
    )
    .await;
    // The same number of answers before alerts run, at another desk (a desk's burst of more
    // than 15 a minute is held for review).
    let baseline: Vec<Duration> = {
        let mut times = Vec::new();
        for n in 0..10 {
            times.push(submit(&app, &elsewhere.public_code, 100 + n, "1", "").await);
        }
        times
    };
    server::alerts::spawn(app.state.clone(), {
        let mut settings = fast_settings(Some(port));
        settings.max_attempts = 50;
        settings
    })
    .expect("alerts start");

    // Act: a burst of unfavourable answers while the mail server is down.
    let mut during = Vec::new();
    for n in 0..10 {
        during.push(submit(&app, &here.public_code, 200 + n, "1", "Không hài lòng.").await);
    }
    println!(
        "{b:?}: median submission {:?} before alerts, {:?} during the burst with the mail server down",
        median(baseline),
        median(during)
    );
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Assert: they wait in the queue with the reason, for the province admin to see.
    let queue = app.get_as_admin("/alerts").await.text();
    assert!(queue.contains("Đang chờ gửi: 10"), "{queue}");
    assert!(queue.contains("Connection refused"), "the reason: {queue}");

    // The mail server comes up: every alert is delivered, once.
    let sink = SmtpSink::start(port, mail_folder());
    let mails = sink.wait_for(10, Duration::from_secs(60)).await;
    assert_eq!(mails.len(), 10, "{mails:#?}");
    let queue = app.get_as_admin("/alerts").await.text();
    assert!(
        queue.contains("Đã gửi: 10") && !queue.contains("Đang chờ gửi"),
        "{queue}"
    );
}

async fn an_alert_that_cannot_be_delivered_fails_with_its_reason(b: Backend) {
    let port = free_port();
    let app = TestApp::spawn(b).await;
    let (here, _) = two_communes(&app).await;
    add(
        &app,
        "chu-tich",
        "commune_leader",
        &here.commune_code,
        "chu.tich@xa.gov.vn",
    )
    .await;
    server::alerts::spawn(app.state.clone(), {
        let mut settings = fast_settings(Some(port));
        settings.max_attempts = 2;
        settings
    })
    .expect("alerts start");

    submit(&app, &here.public_code, 1, "1", "").await;
    let start = Instant::now();
    let mut queue = String::new();
    while start.elapsed() < Duration::from_secs(20) {
        queue = app.get_as_admin("/alerts").await.text();
        if queue.contains("Gửi không được: 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(queue.contains("Gửi không được: 1"), "{queue}");
    assert!(queue.contains("Connection refused"), "the reason: {queue}");
    assert!(
        queue.contains("chu.tich@xa.gov.vn"),
        "the recipient: {queue}"
    );
}

async fn a_digest_user_gets_one_mail_listing_the_days_answers(b: Backend) {
    let port = free_port();
    let sink = SmtpSink::start(port, mail_folder());
    let app = TestApp::spawn(b).await;
    let (here, _) = two_communes(&app).await;
    add(
        &app,
        "tong-hop",
        "commune_leader",
        &here.commune_code,
        "tong.hop@xa.gov.vn",
    )
    .await;
    let session = app.login("tong-hop").await;
    let saved = app
        .post_as(
            "/alerts/settings",
            &[
                ("_csrf", session.csrf.as_str()),
                ("email", "tong.hop@xa.gov.vn"),
                ("mode", "digest"),
            ],
            Some(&session.cookie),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    server::alerts::spawn(app.state.clone(), fast_settings(Some(port))).expect("alerts start");

    submit(
        &app,
        &here.public_code,
        1,
        "1",
        "Lần thứ nhất chưa hài lòng.",
    )
    .await;
    submit(
        &app,
        &here.public_code,
        2,
        "2",
        "Lần thứ hai chưa hài lòng.",
    )
    .await;
    // Nothing goes out before the digest's hour.
    assert!(sink.wait_for(1, Duration::from_secs(3)).await.is_empty());
    let queued: Vec<(String, i64)> =
        sqlx::query_as("select channel, next_attempt_at from alerts order by id")
            .fetch_all(app.store().pool())
            .await
            .expect("the queue");
    assert_eq!(queued.len(), 2, "{queued:?}");
    let hour = app::alerts::rule::next_digest_at(app::clock::now_ms(), 7);
    assert!(
        queued.iter().all(|(c, at)| c == "digest" && *at == hour),
        "{queued:?}"
    );

    // The hour comes (the rows are made due, as the clock would).
    sqlx::query("update alerts set next_attempt_at = 0")
        .execute(app.store().pool())
        .await
        .expect("make the digest due");
    let mails = sink.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 1, "one digest: {mails:#?}");
    let body = mails[0]["body"].as_str().unwrap();
    assert!(body.contains("Tổng hợp 2 đánh giá"), "{body}");
    assert!(
        body.contains("Lần thứ nhất") && body.contains("Lần thứ hai"),
        "{body}"
    );
    assert!(body.contains(&here.name), "{body}");
}

async fn turning_alerts_off_drops_what_still_waits(b: Backend) {
    let port = free_port();
    let sink = SmtpSink::start(port, mail_folder());
    let app = TestApp::spawn(b).await;
    let (here, _) = two_communes(&app).await;
    add(
        &app,
        "tong-hop",
        "commune_leader",
        &here.commune_code,
        "tong.hop@xa.gov.vn",
    )
    .await;
    let session = app.login("tong-hop").await;
    let choose = |mode: &'static str| {
        vec![
            ("_csrf", session.csrf.clone()),
            ("email", "tong.hop@xa.gov.vn".to_string()),
            ("mode", mode.to_string()),
        ]
    };
    let saved = app
        .post_as(
            "/alerts/settings",
            &as_pairs(&choose("digest")),
            Some(&session.cookie),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    server::alerts::spawn(app.state.clone(), fast_settings(Some(port))).expect("alerts start");
    submit(&app, &here.public_code, 1, "1", "Chờ lâu.").await;
    let waiting = || async {
        let (n,): (i64,) = sqlx::query_as("select count(*) from alerts where status = 'queued'")
            .fetch_one(app.store().pool())
            .await
            .expect("the queue");
        n
    };
    let start = Instant::now();
    while waiting().await == 0 && start.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(waiting().await, 1, "the digest entry waits for its hour");

    let saved = app
        .post_as(
            "/alerts/settings",
            &as_pairs(&choose("off")),
            Some(&session.cookie),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(waiting().await, 0, "turned off, nothing waits");
    let page = app
        .get_as("/alerts?ok=saved", Some(&session.cookie))
        .await
        .text();
    assert!(page.contains("Đã lưu."), "{page}");
    submit(&app, &here.public_code, 2, "1", "Lại chờ lâu.").await;
    assert!(sink.wait_for(1, Duration::from_secs(3)).await.is_empty());
    assert_eq!(waiting().await, 0);
}

async fn an_unresolved_complaint_is_escalated_to_the_province_reviewer(b: Backend) {
    let port = free_port();
    let sink = SmtpSink::start(port, mail_folder());
    let app = TestApp::spawn(b).await;
    let (here, elsewhere) = two_communes(&app).await;
    add(
        &app,
        "chu-tich",
        "commune_leader",
        &here.commune_code,
        "chu.tich@xa.gov.vn",
    )
    .await;
    add(
        &app,
        "tham-dinh",
        "province_reviewer",
        "",
        "tham.dinh@sonoivu.gov.vn",
    )
    .await;
    add(
        &app,
        "tham-dinh-khac",
        "province_reviewer",
        "",
        "khac@sonoivu.gov.vn",
    )
    .await;
    app::accounts::users::assign_communes(
        &app.state,
        "tham-dinh",
        std::slice::from_ref(&here.commune_code),
    )
    .await
    .expect("assign");
    app::accounts::users::assign_communes(
        &app.state,
        "tham-dinh-khac",
        std::slice::from_ref(&elsewhere.commune_code),
    )
    .await
    .expect("assign");
    let mut settings = fast_settings(Some(port));
    settings.escalate_after = Some(Duration::from_secs(8));
    settings.escalation_every = Duration::from_millis(300);
    server::alerts::spawn(app.state.clone(), settings).expect("alerts start");

    submit(
        &app,
        &here.public_code,
        1,
        "1",
        "Chưa ai trả lời phản ánh của tôi.",
    )
    .await;
    submit(
        &app,
        &here.public_code,
        2,
        "1",
        "Phản ánh này xã đã giải quyết.",
    )
    .await;
    let mails = sink.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 2, "the leader's two mails first: {mails:#?}");
    // The commune resolves the second one on its page.
    let (resolved,): (i64,) = sqlx::query_as("select id from responses where idempotency_key = $1")
        .bind(key(2))
        .fetch_one(app.store().pool())
        .await
        .expect("the response");
    let session = app.login("chu-tich").await;
    let done = app
        .post_as(
            &format!("/commune/followups/{resolved}"),
            &[
                ("_csrf", session.csrf.as_str()),
                ("state", "resolved"),
                ("note", "Đã gọi điện xin lỗi."),
            ],
            Some(&session.cookie),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());

    let mails = sink.wait_for(3, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 3, "one escalation, once: {mails:#?}");
    let escalation = &mails[2];
    assert_eq!(escalation["to"][0], "tham.dinh@sonoivu.gov.vn");
    let body = escalation["body"].as_str().unwrap();
    assert!(body.contains("Chưa ai trả lời"), "{body}");
    assert!(!body.contains("xã đã giải quyết"), "{body}");
}

async fn a_mailbox_the_server_refuses_fails_at_once_and_affects_no_one_else(b: Backend) {
    let port = free_port();
    let sink = SmtpSink::start(port, mail_folder());
    let app = TestApp::spawn(b).await;
    let (here, _) = two_communes(&app).await;
    add(
        &app,
        "chu-tich",
        "commune_leader",
        &here.commune_code,
        "chu.tich@xa.gov.vn",
    )
    .await;
    add(
        &app,
        "nghi-viec",
        "commune_officer",
        &here.commune_code,
        "refuse@xa.gov.vn",
    )
    .await;
    server::alerts::spawn(app.state.clone(), fast_settings(Some(port))).expect("alerts start");

    submit(&app, &here.public_code, 1, "1", "").await;

    let mails = sink.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(mails[0]["to"][0], "chu.tich@xa.gov.vn");
    let failed: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "select recipient, attempts, last_error from alerts where status = 'failed'",
    )
    .fetch_all(app.store().pool())
    .await
    .expect("the queue");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!((failed[0].0.as_str(), failed[0].1), ("refuse@xa.gov.vn", 1));
    let reason = failed[0].2.clone().unwrap_or_default();
    assert!(
        reason.contains("550"),
        "the server's answer is the reason: {reason}"
    );
    let queue = app.get_as_admin("/alerts").await.text();
    assert!(
        queue.contains("Gửi không được: 1") && queue.contains("Đã gửi: 1"),
        "{queue}"
    );
}

async fn queued_alerts_survive_a_killed_server_and_go_out_after_the_restart(b: Backend) {
    use hailong_tests::process::{hailong_binary, Http, Server};
    let Some(binary) = hailong_binary() else {
        return;
    };
    let db = hailong_tests::TestDb::create(b).await;
    let mail_port = free_port();
    let mail_url = format!("smtp://127.0.0.1:{mail_port}");
    let env = [
        ("HAILONG_SMTP_URL", mail_url.as_str()),
        ("HAILONG_SMTP_TLS", "none"),
        ("HAILONG_ALERT_POLL_SECONDS", "1"),
        ("HAILONG_ALERT_RETRY_SECONDS", "1"),
        ("HAILONG_ALERT_MAX_ATTEMPTS", "50"),
    ];
    let mut server = Server::start(&binary, &db.url, &env).await;
    let store = app::store::Store::connect(&db.url)
        .await
        .expect("the database");
    let desk = store.list_current_desks(None).await.expect("desks")[0].clone();
    store.close().await;

    // `hailong user add --email`, as an administrator types it: a bad address is refused.
    let user_add = |email: &str| {
        use std::io::Write;
        let mut child = Command::new(&binary)
            .args([
                "user",
                "add",
                "--username",
                "chu-tich",
                "--role",
                "commune_leader",
            ])
            .args(["--unit", &desk.commune_code, "--email", email])
            .current_dir(hailong_tests::workspace_root())
            .env("DATABASE_URL", &db.url)
            .env("HAILONG_SITE_ROOT", hailong_tests::site_root())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hailong user add");
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        child.wait_with_output().expect("hailong user add ends")
    };
    let refused = user_add("chu tich@xa");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("không hợp lệ"), "{said}");
    let added = user_add("chu.tich@xa.gov.vn");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    // An unfavourable answer while the mail server is down; then the server dies.
    let mut fields = valid_answers(&key(1));
    for (name, value) in fields.iter_mut() {
        match *name {
            "overall" => *value = "1".into(),
            "dossier_code" => *value = String::new(),
            _ => {}
        }
    }
    let reply = Http::new(None)
        .post_form(
            server.port,
            &format!("/q/{}", desk.public_code),
            &as_pairs(&fields),
            Some(&format!("hl_dev={}", device(1))),
        )
        .await
        .expect("the server answers");
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    tokio::time::sleep(Duration::from_secs(3)).await;
    // The data centre's monitoring sees the waiting alert and the failed attempts.
    let (status, metrics) = Http::new(None)
        .get(server.port, "/metrics", None)
        .await
        .expect("the metrics");
    assert_eq!(status, StatusCode::OK);
    assert!(
        metrics.contains("hailong_alerts{status=\"queued\"} 1"),
        "{metrics}"
    );
    let failures: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("hailong_alert_delivery_failures_total{channel=\"mail\"} "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    assert!(failures >= 1.0, "{metrics}");
    server.kill_9();

    // The mail server and the app come back: the alert goes out, once.
    let sink = SmtpSink::start(mail_port, mail_folder());
    let _server = Server::start(&binary, &db.url, &env).await;
    // A message taken when the server died waits out its claim (a minute) first.
    let mails = sink.wait_for(1, Duration::from_secs(90)).await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(mails[0]["to"][0], "chu.tich@xa.gov.vn");

    // A mail server URL without a host stops `hailong serve` before it starts, saying why.
    let refused = Command::new(&binary)
        .args(["serve", "--addr", &format!("127.0.0.1:{}", free_port())])
        .current_dir(hailong_tests::workspace_root())
        .env("DATABASE_URL", &db.url)
        .env("HAILONG_SMTP_URL", "smtp://")
        .output()
        .expect("hailong serve");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("HAILONG_SMTP_URL must name the mail server"),
        "{said}"
    );
}

/// What the test's webhook receiver got: the signature header, the body, the status it gave.
type Calls = Arc<Mutex<Vec<(Option<String>, Vec<u8>, u16)>>>;

/// An HTTP receiver on loopback that answers 500 to the first call and 200 to the next ones.
async fn webhook_receiver() -> (String, Calls) {
    use axum::extract::State;
    let calls: Calls = Arc::default();
    async fn hook(
        State(calls): State<Calls>,
        headers: axum::http::HeaderMap,
        body: axum::body::Bytes,
    ) -> StatusCode {
        let mut calls = calls.lock().unwrap();
        let status = if calls.is_empty() { 500 } else { 200 };
        let signature = headers
            .get("x-hailong-signature")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        calls.push((signature, body.to_vec(), status));
        StatusCode::from_u16(status).unwrap()
    }
    let router = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, calls)
}

async fn the_webhook_is_signed_retried_after_a_500_and_logged(b: Backend) {
    const SECRET: &str = "một-khoá-bí-mật-đủ-dài";
    let (url, calls) = webhook_receiver().await;
    let app = TestApp::spawn(b).await;
    let (here, _) = two_communes(&app).await;
    let mut settings = fast_settings(None);
    settings.webhook = Some(WebhookSettings::parse(&url, SECRET.into()).expect("webhook"));
    server::alerts::spawn(app.state.clone(), settings).expect("alerts start");

    let comment = "Thái độ phục vụ chưa tốt.";
    submit(&app, &here.public_code, 1, "1", comment).await;
    let start = Instant::now();
    while calls.lock().unwrap().len() < 2 && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    let calls = calls.lock().unwrap().clone();
    assert_eq!(
        calls.len(),
        2,
        "a 500, then one retry that succeeds: {calls:?}"
    );
    assert_eq!((calls[0].2, calls[1].2), (500, 200));
    assert_eq!(calls[0].1, calls[1].1, "the retry sends the same document");
    for (signature, body, _) in &calls {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(body);
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            signature.as_deref(),
            Some(format!("sha256={expected}").as_str())
        );
    }
    let event: serde_json::Value = serde_json::from_slice(&calls[1].1).expect("JSON");
    assert_eq!(event["event"], "unfavourable_feedback");
    assert_eq!(event["desk"], here.name.as_str());
    assert_eq!(event["commune_code"], here.commune_code.as_str());
    assert_eq!(event["comment"], comment);
    assert_eq!(event["overall"], 1);
    let text = String::from_utf8_lossy(&calls[1].1);
    assert!(
        !text.contains(&device(1)) && !text.contains("10.7.0.2"),
        "{text}"
    );

    // The delivery log holds both attempts.
    let (id,): (i64,) = sqlx::query_as("select id from alerts where channel = 'webhook'")
        .fetch_one(app.store().pool())
        .await
        .expect("the webhook's alert");
    let log = app.store().alert_deliveries(id).await.expect("log");
    let outcomes: Vec<(&str, bool)> = log
        .iter()
        .map(|(_, outcome, detail, _)| (outcome.as_str(), detail.contains("500")))
        .collect();
    assert_eq!(outcomes, [("retry", true), ("sent", false)], "{log:?}");
}

async fn bad_alert_input_is_refused_with_a_clear_message(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (here, _) = two_communes(&app).await;

    // `hailong user add --email` and `hailong user set-email` share these checks.
    let refused = app::accounts::users::add_user_with_email(
        &app.state,
        "chu-tich",
        "Chủ tịch",
        "commune_leader",
        &here.commune_code,
        PASSWORD,
        "chu tich@xa",
    )
    .await
    .unwrap_err();
    assert!(refused.contains("“chu tich@xa” không hợp lệ"), "{refused}");
    assert!(app
        .store()
        .user_by_username("chu-tich")
        .await
        .unwrap()
        .is_none());

    // The users page refuses it with a 422 and the same words.
    let admin = "quan-tri";
    add(&app, admin, "province_admin", "", "").await;
    let session = app.login(admin).await;
    let form = |email: &'static str| {
        vec![
            ("_csrf", session.csrf.clone()),
            ("username", "can-bo".to_string()),
            ("display_name", "Cán bộ".to_string()),
            ("role", "commune_officer".to_string()),
            ("unit", here.commune_code.clone()),
            ("password", PASSWORD.to_string()),
            ("email", email.to_string()),
        ]
    };
    let response = app
        .post_as(
            "/admin/users",
            &as_pairs(&form("khong-co-a-cong")),
            Some(&session.cookie),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response.text().contains("không hợp lệ"),
        "{}",
        response.text()
    );
    let response = app
        .post_as(
            "/admin/users",
            &as_pairs(&form("can.bo@xa.gov.vn")),
            Some(&session.cookie),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    let users = app
        .get_as("/admin/users", Some(&session.cookie))
        .await
        .text();
    assert!(
        users.contains("can.bo@xa.gov.vn"),
        "the admin sees the address"
    );
    let response = app
        .post_as(
            "/alerts/settings",
            &[
                ("_csrf", session.csrf.as_str()),
                ("email", "a@"),
                ("mode", "each"),
            ],
            Some(&session.cookie),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post_as(
            "/alerts/settings",
            &[
                ("_csrf", session.csrf.as_str()),
                ("email", ""),
                ("mode", "sometimes"),
            ],
            Some(&session.cookie),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response.text().contains("cách nhận thư"),
        "{}",
        response.text()
    );

    // A commune user may not open the users page, so never sees another's address.
    let officer = app.login("can-bo").await;
    let page = app.get_as("/admin/users", Some(&officer.cookie)).await;
    assert!(!page.text().contains("can.bo@xa.gov.vn"), "{}", page.text());

    // Settings that cannot work stop the server before it starts, saying why.
    for (name, value, says) in [
        (
            "HAILONG_SMTP_URL",
            "smtp://",
            "HAILONG_SMTP_URL must name the mail server",
        ),
        (
            "HAILONG_WEBHOOK_URL",
            "ftp://x",
            "HAILONG_WEBHOOK_URL must start with http:// or https://",
        ),
    ] {
        let err = server::config::alert_settings(|n| (n == name).then(|| value.to_string()))
            .unwrap_err()
            .to_string();
        assert!(err.contains(says), "{name}={value}: {err}");
    }
}

both_backends!(
    unfavourable_answer_mails_each_opted_in_user_of_its_commune_once,
    mail_server_down_during_a_burst_delays_nothing_and_loses_nothing,
    an_alert_that_cannot_be_delivered_fails_with_its_reason,
    the_webhook_is_signed_retried_after_a_500_and_logged,
    bad_alert_input_is_refused_with_a_clear_message,
    a_digest_user_gets_one_mail_listing_the_days_answers,
    an_unresolved_complaint_is_escalated_to_the_province_reviewer,
    a_mailbox_the_server_refuses_fails_at_once_and_affects_no_one_else,
    queued_alerts_survive_a_killed_server_and_go_out_after_the_restart,
    turning_alerts_off_drops_what_still_waits,
);
