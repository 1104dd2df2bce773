//! Attacks on the sign-in form and on the audit log, driven through the real router: bursts of
//! wrong passwords, lock-out of other people, oversized input, traceable addresses.

use std::net::SocketAddr;
use std::sync::Arc;

use app::store::Backend;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use hailong_tests::{both_backends, hidden_value, set_cookie, TestApp, TestResponse, PASSWORD};

both_backends!(
    a_burst_of_wrong_passwords_from_one_address_checks_at_most_five,
    a_burst_of_made_up_names_from_one_address_checks_at_most_the_address_limit,
    the_owner_signs_in_from_elsewhere_while_an_attacker_is_throttled,
    another_user_behind_the_attackers_address_still_signs_in,
    an_address_failing_on_many_names_still_gets_one_try_per_new_name,
    an_oversized_sign_in_is_refused_and_nothing_is_stored,
    oversized_admin_forms_are_refused,
    sign_in_failures_keep_only_a_daily_salted_address_hash,
    sign_in_failures_older_than_their_salt_are_deleted,
    failed_sign_ins_are_audited_one_row_per_name_address_and_hour,
    a_province_admin_sees_and_lifts_sign_in_limits,
    the_audit_page_is_paginated_newest_first,
    the_audit_page_and_export_filter_by_actor_action_commune_and_dates,
);

const ATTACKER: &str = "203.0.113.9";
const OWNER: &str = "198.51.100.7";
const WRONG_PAGE: &str = "Tên đăng nhập hoặc mật khẩu không đúng";
const LOCKED_PAGE: &str = "Đăng nhập sai quá nhiều lần";

/// The sign-in form's double-submit pair (hidden token, cookie), valid for many posts.
async fn login_form(app: &TestApp) -> (String, String) {
    let page = app.get("/login").await;
    (
        hidden_value(&page.text(), "_csrf").expect("the form carries a token"),
        set_cookie(&page, "hl_login_csrf").expect("and sets its cookie"),
    )
}

/// Posts the sign-in form from client address `ip`.
async fn sign_in_from(
    app: &TestApp,
    form: &(String, String),
    ip: &str,
    username: &str,
    password: &str,
) -> TestResponse {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("_csrf", form.0.as_str()),
            ("username", username),
            ("password", password),
        ])
        .finish();
    let mut request = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("hl_login_csrf={}", form.1))
        .body(Body::from(body))
        .expect("request");
    let addr: std::net::IpAddr = ip.parse().expect("an IP address");
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(addr, 40000)));
    app.request(request).await
}

/// What a sign-in attempt came to, as the person at the keyboard sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    SignedIn,
    /// The password was checked and found wrong.
    Wrong,
    /// Refused without checking: too many failures.
    Locked,
    /// Refused without checking: the server is busy checking other passwords.
    Busy,
}

fn outcome(response: &TestResponse) -> Outcome {
    let text = response.text();
    match response.status {
        StatusCode::SEE_OTHER => Outcome::SignedIn,
        StatusCode::TOO_MANY_REQUESTS => Outcome::Busy,
        StatusCode::UNAUTHORIZED if text.contains(WRONG_PAGE) => Outcome::Wrong,
        StatusCode::UNAUTHORIZED if text.contains(LOCKED_PAGE) => Outcome::Locked,
        other => panic!("unexpected sign-in answer {other}: {text}"),
    }
}

async fn fail_times(app: &TestApp, form: &(String, String), ip: &str, user: &str, times: usize) {
    for _ in 0..times {
        sign_in_from(app, form, ip, user, "not the password").await;
    }
}

/// Sum of the sizes of what the audit log stores about actors and targets, and its row count.
async fn audit_size(app: &TestApp) -> (i64, i64) {
    sqlx::query_as(
        "select count(*), cast(coalesce(sum(length(actor) + length(target) + length(detail)), 0) as bigint) \
         from audit_log",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    n
}

async fn a_burst_of_wrong_passwords_from_one_address_checks_at_most_five(backend: Backend) {
    let app = Arc::new(TestApp::spawn(backend).await);
    app.add_user("admin", "province_admin", "").await;
    let form = login_form(&app).await;

    let mut burst = tokio::task::JoinSet::new();
    for i in 0..150 {
        let (app, form) = (app.clone(), form.clone());
        burst.spawn(async move {
            outcome(&sign_in_from(&app, &form, ATTACKER, "admin", &format!("guess {i}")).await)
        });
    }
    let outcomes = burst.join_all().await;

    let checked = outcomes.iter().filter(|o| **o == Outcome::Wrong).count();
    let locked = outcomes.iter().filter(|o| **o == Outcome::Locked).count();
    let busy = outcomes.iter().filter(|o| **o == Outcome::Busy).count();
    assert!(
        (1..=5).contains(&checked),
        "{checked} passwords checked (limit 5); {locked} locked, {busy} busy"
    );
    assert_eq!(checked + locked + busy, 150, "nobody signed in");
    assert_eq!(
        count(
            &app,
            "select cast(coalesce(sum(repeats), 0) as bigint) from audit_log where action = 'login_failed'"
        )
        .await,
        checked as i64,
        "every checked password is audited, and only those"
    );
}

async fn a_burst_of_made_up_names_from_one_address_checks_at_most_the_address_limit(
    backend: Backend,
) {
    let app = Arc::new(TestApp::spawn(backend).await);
    app.add_user("leader25195", "commune_leader", "25195").await;
    let form = login_form(&app).await;
    let before = audit_size(&app).await;

    let mut burst = tokio::task::JoinSet::new();
    for i in 0..150 {
        let (app, form) = (app.clone(), form.clone());
        burst.spawn(async move {
            outcome(&sign_in_from(&app, &form, ATTACKER, &format!("made-up-{i}"), "guess").await)
        });
    }
    let outcomes = burst.join_all().await;
    let colleague = sign_in_from(&app, &form, ATTACKER, "leader25195", PASSWORD).await;

    assert!(
        outcomes.iter().all(|o| *o == Outcome::Wrong),
        "every made-up name reads as a wrong password: {outcomes:?}"
    );
    let checked = count(
        &app,
        "select cast(coalesce(sum(repeats), 0) as bigint) from audit_log where action = 'login_failed'",
    )
    .await;
    assert!(
        checked <= app::accounts::auth::ADDRESS_FAILURES,
        "{checked} passwords checked"
    );
    assert!(
        count(
            &app,
            "select count(*) from login_failures where username <> ''"
        )
        .await
            <= app::accounts::auth::ADDRESS_FAILURES,
        "names beyond the address's limit leave no rows"
    );
    let (rows, _) = audit_size(&app).await;
    assert!(
        rows - before.0 <= app::accounts::auth::ADDRESS_FAILURES + 2,
        "{} audit rows for 150 made-up names",
        rows - before.0
    );
    assert_eq!(
        outcome(&colleague),
        Outcome::SignedIn,
        "an existing name is still checked: {}",
        colleague.text()
    );
}

async fn the_owner_signs_in_from_elsewhere_while_an_attacker_is_throttled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("admin", "province_admin", "").await;
    let form = login_form(&app).await;
    fail_times(&app, &form, ATTACKER, "admin", 8).await;
    let attacker = sign_in_from(&app, &form, ATTACKER, "admin", PASSWORD).await;

    let owner = sign_in_from(&app, &form, OWNER, "admin", PASSWORD).await;

    assert_eq!(outcome(&owner), Outcome::SignedIn, "{}", owner.text());
    assert_eq!(
        outcome(&attacker),
        Outcome::Locked,
        "even the right password waits at the attacker's address"
    );
    assert!(attacker.headers.contains_key(header::RETRY_AFTER));
}

async fn another_user_behind_the_attackers_address_still_signs_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("admin", "province_admin", "").await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    let form = login_form(&app).await;
    fail_times(&app, &form, ATTACKER, "admin", 8).await;

    let colleague = sign_in_from(&app, &form, ATTACKER, "leader25195", PASSWORD).await;

    assert_eq!(
        outcome(&colleague),
        Outcome::SignedIn,
        "{}",
        colleague.text()
    );
    assert_eq!(
        outcome(&sign_in_from(&app, &form, ATTACKER, "admin", PASSWORD).await),
        Outcome::Locked,
        "while the attacked account stays throttled there"
    );
}

async fn an_address_failing_on_many_names_still_gets_one_try_per_new_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    app.add_user("officer25195", "commune_officer", "25195")
        .await;
    let form = login_form(&app).await;
    // The officer mistypes once, then someone at the same address sprays 30 made-up names.
    fail_times(&app, &form, ATTACKER, "officer25195", 1).await;
    for n in 0..app::accounts::auth::ADDRESS_FAILURES {
        fail_times(&app, &form, ATTACKER, &format!("guess{n}"), 1).await;
    }

    let sprayed_again = sign_in_from(&app, &form, ATTACKER, "guess0", "another guess").await;
    let made_up = sign_in_from(&app, &form, ATTACKER, "guess-new", "a guess").await;
    let officer_again = sign_in_from(&app, &form, ATTACKER, "officer25195", PASSWORD).await;
    let new_name = sign_in_from(&app, &form, ATTACKER, "leader25195", PASSWORD).await;
    let elsewhere = sign_in_from(&app, &form, OWNER, "officer25195", PASSWORD).await;

    assert_eq!(outcome(&sprayed_again), Outcome::Locked);
    assert_eq!(
        outcome(&made_up),
        Outcome::Wrong,
        "a made-up name reads as a wrong password, so existing names are not told apart"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from login_failures where username = 'guess-new'"
        )
        .await,
        0,
        "and leaves nothing"
    );
    assert_eq!(
        outcome(&officer_again),
        Outcome::Locked,
        "a name that failed from the address waits for the window"
    );
    assert_eq!(
        outcome(&new_name),
        Outcome::SignedIn,
        "a name that has not failed from the address is still checked: {}",
        new_name.text()
    );
    assert_eq!(outcome(&elsewhere), Outcome::SignedIn);
}

async fn an_oversized_sign_in_is_refused_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("admin", "province_admin", "").await;
    let form = login_form(&app).await;
    let before = audit_size(&app).await;
    let failures_before = count(&app, "select count(*) from login_failures").await;

    let megabyte = sign_in_from(&app, &form, ATTACKER, &"a".repeat(1 << 20), "x").await;
    let long_name = sign_in_from(&app, &form, ATTACKER, &"b".repeat(41), "x").await;
    let long_password = sign_in_from(&app, &form, ATTACKER, "admin", &"p".repeat(1001)).await;

    for (what, response) in [
        ("1 MB user name", &megabyte),
        ("41-character user name", &long_name),
        ("1001-byte password", &long_password),
    ] {
        assert!(
            response.status.is_client_error() && response.status != StatusCode::UNAUTHORIZED,
            "{what}: {}",
            response.status
        );
        assert!(
            response.text().contains("quá"),
            "{what}: {}",
            response.text()
        );
    }
    assert_eq!(megabyte.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(megabyte.text().contains("Biểu mẫu quá lớn"));
    assert_eq!(audit_size(&app).await, before, "the audit log did not grow");
    assert_eq!(
        count(&app, "select count(*) from login_failures").await,
        failures_before
    );
    assert_eq!(
        outcome(&sign_in_from(&app, &form, ATTACKER, "admin", PASSWORD).await),
        Outcome::SignedIn,
        "refused forms count as no attempt"
    );
}

async fn oversized_admin_forms_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("admin", "province_admin", "").await;
    let admin = app.login("admin").await;
    let admin_id = app
        .store()
        .user_by_username("admin")
        .await
        .unwrap()
        .unwrap()
        .id;
    let before = audit_size(&app).await;
    let huge = "x".repeat(20 * 1024);
    let long_password = "p".repeat(1001);

    let huge_name = app
        .post_as(
            "/admin/users",
            &[
                ("_csrf", &admin.csrf),
                ("username", "newofficer"),
                ("display_name", &huge),
                ("role", "commune_officer"),
                ("unit", "25195"),
                ("password", "mot-mat-khau-dai"),
            ],
            Some(&admin.cookie),
        )
        .await;
    let new_long_password = app
        .post_as(
            "/admin/users",
            &[
                ("_csrf", &admin.csrf),
                ("username", "newofficer"),
                ("display_name", "Cán bộ mới"),
                ("role", "commune_officer"),
                ("unit", "25195"),
                ("password", &long_password),
            ],
            Some(&admin.cookie),
        )
        .await;
    let reset_long_password = app
        .post_as(
            &format!("/admin/users/{admin_id}/password"),
            &[("_csrf", &admin.csrf), ("password", &long_password)],
            Some(&admin.cookie),
        )
        .await;

    assert_eq!(huge_name.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(huge_name.text().contains("Biểu mẫu quá lớn"));
    assert_eq!(new_long_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(new_long_password.text().contains("Mật khẩu quá dài"));
    assert_eq!(reset_long_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reset_long_password.text().contains("Mật khẩu quá dài"));
    assert!(app
        .store()
        .user_by_username("newofficer")
        .await
        .unwrap()
        .is_none());
    assert_eq!(audit_size(&app).await, before);
}

async fn sign_in_failures_keep_only_a_daily_salted_address_hash(backend: Backend) {
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn(backend).await;
    let form = login_form(&app).await;

    sign_in_from(&app, &form, "127.0.0.1", "nobody", "x").await;

    let hashes: Vec<(String,)> = sqlx::query_as("select distinct client_hash from login_failures")
        .fetch_all(app.store().pool())
        .await
        .unwrap();
    let unsalted = {
        let mut hasher = Sha256::new();
        hasher.update(b"login");
        hasher.update([0]);
        hasher.update(b"127.0.0.1");
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let (salt,): (String,) = sqlx::query_as("select salt from daily_salts where day = $1")
        .bind(app::clock::today())
        .fetch_one(app.store().pool())
        .await
        .expect("the day's salt exists once an address was hashed");
    assert!(!hashes.is_empty());
    for (hash,) in &hashes {
        assert_ne!(
            hash, &unsalted,
            "the address is not recoverable by trying them all"
        );
        assert_eq!(hash, &app::accounts::auth::address_hash(&salt, "127.0.0.1"));
    }
}

async fn sign_in_failures_older_than_their_salt_are_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let form = login_form(&app).await;
    fail_times(&app, &form, ATTACKER, "nobody", 1).await;
    fail_times(&app, &form, ATTACKER, "someone", 1).await;
    let three_days = 3 * 86_400_000;
    sqlx::query(
        "update login_failures set created_at = created_at - $1, last_at = last_at - $1 \
         where username = 'nobody'",
    )
    .bind(three_days)
    .execute(app.store().pool())
    .await
    .unwrap();

    app::accounts::auth::forget_old_sign_in_failures(app.store())
        .await
        .unwrap();

    let left: Vec<(String,)> = sqlx::query_as(
        "select username from login_failures where username <> '' order by username",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    assert_eq!(left, vec![("someone".to_string(),)]);
}

async fn failed_sign_ins_are_audited_one_row_per_name_address_and_hour(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("admin", "province_admin", "").await;
    let form = login_form(&app).await;
    let before = audit_size(&app).await;

    fail_times(&app, &form, ATTACKER, "nobody", 3).await;
    fail_times(&app, &form, ATTACKER, "admin", 8).await;
    fail_times(&app, &form, OWNER, "admin", 2).await;

    // Grouped by (action, name, address); an hour boundary during the test may split a group.
    let groups: Vec<(String, String, i64)> = sqlx::query_as(
        "select action, target, cast(sum(repeats) as bigint) from audit_log \
         where action like 'login_%' group by action, target, detail order by 1, 2, 3",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    assert_eq!(
        groups,
        vec![
            ("login_failed".to_string(), "admin".to_string(), 2),
            ("login_failed".to_string(), "admin".to_string(), 5),
            ("login_failed".to_string(), "nobody".to_string(), 3),
            ("login_throttled".to_string(), "admin".to_string(), 3),
        ]
    );
    let (rows_after, _) = audit_size(&app).await;
    assert!(
        (4..=5).contains(&(rows_after - before.0)),
        "13 attempts, {} audit rows",
        rows_after - before.0
    );
    let admin = app.login("admin").await;
    let page = app.get_as("/admin/audit", Some(&admin.cookie)).await;
    assert!(page.text().contains("×5"), "repeats are shown");
}

async fn a_province_admin_sees_and_lifts_sign_in_limits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("admin", "province_admin", "").await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    app.add_user("officer25195", "commune_officer", "25195")
        .await;
    let form = login_form(&app).await;
    fail_times(&app, &form, ATTACKER, "leader25195", 6).await;
    assert_eq!(
        outcome(&sign_in_from(&app, &form, ATTACKER, "leader25195", PASSWORD).await),
        Outcome::Locked
    );
    let admin = app.login("admin").await;
    let officer = app.login("officer25195").await;

    let page = app.get_as("/admin/users", Some(&admin.cookie)).await;
    let html = page.text();
    let limits = &html[html
        .find("Đăng nhập đang bị hạn chế")
        .expect("the limits are listed")..];
    assert!(limits.contains("leader25195"), "{limits}");
    let client_hash = hidden_value(limits, "client_hash").expect("each limit has a lift form");
    let lift = |csrf: &str, cookie: Option<&str>| {
        let fields = [
            ("_csrf", csrf.to_string()),
            ("username", "leader25195".to_string()),
            ("client_hash", client_hash.clone()),
        ];
        let (app, cookie) = (&app, cookie.map(str::to_string));
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_as("/admin/sign-in-limits/lift", &fields, cookie.as_deref())
                .await
        }
    };

    let anonymous = lift("x", None).await;
    let by_officer = lift(&officer.csrf, Some(&officer.cookie)).await;
    let without_csrf = lift("", Some(&admin.cookie)).await;
    let still_locked = sign_in_from(&app, &form, ATTACKER, "leader25195", PASSWORD).await;
    let lifted = lift(&admin.csrf, Some(&admin.cookie)).await;
    let after = sign_in_from(&app, &form, ATTACKER, "leader25195", PASSWORD).await;

    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(by_officer.status, StatusCode::FORBIDDEN);
    assert_eq!(without_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(outcome(&still_locked), Outcome::Locked);
    assert_eq!(lifted.status, StatusCode::SEE_OTHER);
    assert_eq!(outcome(&after), Outcome::SignedIn, "{}", after.text());
    let log = app.store().list_audit(20).await.unwrap();
    assert!(
        log.iter().any(|e| e.action == "sign_in_limit_lifted"
            && e.actor == "admin"
            && e.target == "leader25195"),
        "{log:?}"
    );
    let page = app.get_as("/admin/users", Some(&admin.cookie)).await;
    assert!(
        !page.text().contains("Đăng nhập đang bị hạn chế"),
        "nothing left to lift"
    );
}

/// The `href` of the link marked `rel="…"` in a page, unescaped.
fn link(html: &str, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\"");
    let at = html.find(&marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let href = tag.find("href=\"")? + "href=\"".len();
    let end = href + tag[href..].find('"')?;
    Some(tag[href..end].replace("&amp;", "&"))
}

/// Entry numbers `n` of the details `entry-n` shown on a page, in page order.
fn entries(html: &str) -> Vec<u32> {
    html.match_indices("entry-")
        .filter_map(|(at, m)| {
            let digits: String = html[at + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

async fn the_audit_page_is_paginated_newest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("admin", "province_admin", "").await;
    let admin = app.login("admin").await;
    for n in 1..=250 {
        app.store()
            .audit(None, "tester", "test_entry", "x", &format!("entry-{n}"))
            .await
            .unwrap();
    }

    let first = app.get_as("/admin/audit", Some(&admin.cookie)).await;
    let first_html = first.text();
    let older = link(&first_html, "next").expect("a link to older entries");
    let second = app.get_as(&older, Some(&admin.cookie)).await.text();
    let third_url = link(&second, "next").expect("still older entries");
    let third = app.get_as(&third_url, Some(&admin.cookie)).await.text();
    let back = link(&second, "prev").expect("a link back to newer entries");
    let back_page = app.get_as(&back, Some(&admin.cookie)).await.text();

    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(entries(&first_html), (151..=250).rev().collect::<Vec<_>>());
    assert!(
        link(&first_html, "prev").is_none(),
        "the newest page has no newer link"
    );
    assert_eq!(entries(&second), (51..=150).rev().collect::<Vec<_>>());
    assert_eq!(entries(&third), (1..=50).rev().collect::<Vec<_>>());
    assert!(
        link(&third, "next").is_none(),
        "the oldest page has no older link"
    );
    assert_eq!(entries(&back_page), entries(&first_html));
}

async fn the_audit_page_and_export_filter_by_actor_action_commune_and_dates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("admin", "province_admin", "").await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    let store = app.store();
    let unit = store.unit_id("25195", "commune").await.unwrap().unwrap();
    let other_unit = store.unit_id("25217", "commune").await.unwrap().unwrap();
    let desk = store
        .list_current_desks(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.commune_code == "25195")
        .unwrap();
    let (desk_id,): (i64,) = sqlx::query_as("select id from desks where public_code = $1")
        .bind(&desk.public_code)
        .fetch_one(store.pool())
        .await
        .unwrap();
    // (actor, action, target, entry number)
    let rows = [
        ("an", "test_a", format!("dong-nai-2025:{unit}"), 1),
        ("binh", "test_b", format!("desk {desk_id}"), 2),
        ("an", "test_b", "commune 25195".to_string(), 3),
        ("binh", "test_a", format!("dong-nai-2025:{other_unit}"), 4),
        ("an", "test_a", "commune 25217".to_string(), 5),
        ("binh", "test_a", "leader25195".to_string(), 6),
        ("an", "test_a", format!("dong-nai-2025:1{unit}"), 7),
    ];
    for (actor, action, target, n) in &rows {
        store
            .audit(None, actor, action, target, &format!("entry-{n}"))
            .await
            .unwrap();
    }
    // Entry 3 happened on 15 January 2026 (Vietnam time).
    sqlx::query("update audit_log set created_at = $1 where detail = 'entry-3'")
        .bind(1_768_410_000_000_i64)
        .execute(store.pool())
        .await
        .unwrap();
    let admin = app.login("admin").await;
    let page = |query: &str| {
        let app = &app;
        let cookie = admin.cookie.clone();
        let url = format!("/admin/audit?{query}");
        async move {
            let response = app.get_as(&url, Some(&cookie)).await;
            assert_eq!(response.status, StatusCode::OK, "{url}");
            let mut shown = entries(&response.text());
            shown.sort();
            shown
        }
    };

    assert_eq!(page("actor=an").await, vec![1, 3, 5, 7]);
    assert_eq!(page("action=test_b").await, vec![2, 3]);
    assert_eq!(page("actor=binh&action=test_a").await, vec![4, 6]);
    assert_eq!(page("commune=25195&actor=&action=").await, vec![1, 2, 3, 6]);
    assert_eq!(page("from=2026-01-15&to=2026-01-15").await, vec![3]);
    assert_eq!(page("to=2026-01-14").await, Vec::<u32>::new());
    let today = app::clock::today();
    assert_eq!(
        page(&format!("from={today}&action=test_a")).await,
        vec![1, 4, 5, 6, 7]
    );
    let bad = app
        .get_as("/admin/audit?from=15/01/2026", Some(&admin.cookie))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("Ngày không hợp lệ"));
    let filtered = app
        .get_as("/admin/audit?actor=an&commune=25195", Some(&admin.cookie))
        .await
        .text();
    assert!(
        filtered.contains("href=\"/admin/audit.csv?actor=an&amp;commune=25195\""),
        "the export link keeps the filters"
    );
    let csv = app
        .get_as(
            "/admin/audit.csv?actor=an&commune=25195",
            Some(&admin.cookie),
        )
        .await
        .text();
    let mut exported = entries(&csv);
    exported.sort();
    assert_eq!(exported, vec![1, 3]);
}
