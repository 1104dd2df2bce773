//! Kiosk mode: staff enrol a tablet for one desk, the tablet sends ratings (stored once each,
//! with channel `kiosk`), and a revoked tablet is refused.

use app::store::Backend;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hailong_tests::{hidden_value, set_cookie, Session, TestApp, TestResponse};
use serde_json::{json, Value};

hailong_tests::both_backends!(
    a_commune_leader_enrols_a_kiosk_for_their_own_communes_desks_only,
    a_kiosk_rating_is_stored_once_with_channel_kiosk_and_exported_as_such,
    a_busy_kiosk_is_not_held_to_the_citizens_limits_but_to_its_own,
    a_revoked_kiosk_is_refused_with_a_vietnamese_message,
    a_queued_rating_keeps_the_time_it_was_given_and_reviewers_see_it_came_from_the_kiosk,
    bad_kiosk_input_gets_a_client_error_never_a_server_error,
    the_kiosk_screen_rates_without_javascript,
);

/// Commune 25195 (Đồng Xoài) and commune 25217 (Phước Long) have one desk each.
pub(crate) async fn staff(app: &TestApp) {
    app.add_user("admin", "province_admin", "").await;
    app.add_user("reviewer689", "district_reviewer", "689")
        .await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    app.add_user("officer25217", "commune_officer", "25217")
        .await;
}

pub(crate) async fn desk_of(app: &TestApp, commune: &str) -> String {
    app.desk_of(commune).await.public_code
}

/// Creates an enrolment code as `session`; the response shows the code once.
pub(crate) async fn create_code(app: &TestApp, session: &Session, desk: &str) -> TestResponse {
    app.post_as(
        "/kiosks",
        &[
            ("_csrf", session.csrf.as_str()),
            ("desk", desk),
            ("label", "Máy cửa số 1"),
        ],
        Some(&session.cookie),
    )
    .await
}

pub(crate) fn shown_code(page: &TestResponse) -> String {
    let html = page.text();
    let start = html
        .find("class=\"kiosk-code\">")
        .unwrap_or_else(|| panic!("the page shows the code:\n{html}"))
        + "class=\"kiosk-code\">".len();
    let end = start + html[start..].find('<').unwrap();
    html[start..end].to_string()
}

/// A tablet opens `/kiosk` and types `code`: the raw response of the enrolment post.
pub(crate) async fn type_code(app: &TestApp, code: &str) -> TestResponse {
    let page = app.get("/kiosk").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let csrf = hidden_value(&page.text(), "_csrf").expect("the enrolment form has a CSRF token");
    let cookie = set_cookie(&page, "hl_kiosk_csrf").expect("enrolment CSRF cookie");
    app.post_as(
        "/kiosk/enrol",
        &[("_csrf", csrf.as_str()), ("code", code)],
        Some(&format!("hl_kiosk_csrf={cookie}")),
    )
    .await
}

/// Enrols a tablet for `desk` (as the commune's leader) and returns its cookie.
pub(crate) async fn enrolled_tablet(app: &TestApp, leader: &Session, desk: &str) -> String {
    let created = create_code(app, leader, desk).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    let enrolled = type_code(app, &shown_code(&created)).await;
    assert_eq!(
        enrolled.status,
        StatusCode::SEE_OTHER,
        "{}",
        enrolled.text()
    );
    format!(
        "hl_kiosk={}",
        set_cookie(&enrolled, "hl_kiosk").expect("the tablet gets its cookie")
    )
}

pub(crate) async fn post_json(
    app: &TestApp,
    cookie: Option<&str>,
    body: impl Into<Body>,
) -> TestResponse {
    let mut request =
        Request::post("/kiosk/ratings").header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    app.request(request.body(body.into()).unwrap()).await
}

fn rating(key: &str, desk: &str, answers: Value) -> String {
    json!({
        "key": key,
        "desk": desk,
        "rated_at": chrono_now_ms(),
        "lang": "vi",
        "answers": answers,
    })
    .to_string()
}

pub(crate) fn chrono_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub(crate) fn kiosk_key(n: u64) -> String {
    format!("{:032x}", n + 0x4b10_5c00_0000)
}

pub(crate) fn body_json(response: &TestResponse) -> Value {
    serde_json::from_slice(&response.body)
        .unwrap_or_else(|_| panic!("JSON body, got: {}", response.text()))
}

async fn a_commune_leader_enrols_a_kiosk_for_their_own_communes_desks_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let own = desk_of(&app, "25195").await;
    let other = desk_of(&app, "25217").await;
    let leader = app.login("leader25195").await;

    let page = app.get_as("/kiosks", Some(&leader.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains(&own), "own desk offered");
    assert!(
        !page.text().contains(&other),
        "other communes' desks are not offered"
    );

    let created = create_code(&app, &leader, &own).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    let code = shown_code(&created);
    assert_eq!(code.len(), 11, "ABCDE-FGHJK: {code}");

    let refused = create_code(&app, &leader, &other).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.text().contains("quầy của xã mình"),
        "{}",
        refused.text()
    );

    let anonymous = app
        .post_as("/kiosks", &[("_csrf", "x"), ("desk", own.as_str())], None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/kiosks").await.status,
        StatusCode::UNAUTHORIZED,
        "the staff page needs a sign-in"
    );
    let reviewer = app.login("reviewer689").await;
    assert_eq!(
        app.get_as("/kiosks", Some(&reviewer.cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        create_code(&app, &reviewer, &own).await.status,
        StatusCode::FORBIDDEN
    );
    let forged = app
        .post_as(
            "/kiosks",
            &[("_csrf", "not-the-token"), ("desk", own.as_str())],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "CSRF token checked");

    // The tablet types the code (in lower case, with spaces: people do).
    let typed = code.to_lowercase().replace('-', " ");
    let enrolled = type_code(&app, &typed).await;
    assert_eq!(
        enrolled.status,
        StatusCode::SEE_OTHER,
        "{}",
        enrolled.text()
    );
    assert_eq!(enrolled.location(), Some("/kiosk"));
    let set = enrolled.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        set.starts_with("hl_kiosk=") && set.contains("HttpOnly") && set.contains("Max-Age="),
        "{set}"
    );
    let cookie = format!("hl_kiosk={}", set_cookie(&enrolled, "hl_kiosk").unwrap());
    let screen = app.get_as("/kiosk", Some(&cookie)).await;
    assert_eq!(screen.status, StatusCode::OK);
    let html = screen.text();
    assert!(html.contains("kiosk-face") && html.contains(&own), "{html}");
    for asset in ["kiosk.css", "kiosk.js"] {
        let url = app.state.assets.url(asset);
        assert!(html.contains(&url), "the screen links {url}");
    }
    assert!(
        html.contains("Nhìn chung, Ông/Bà hài lòng"),
        "the survey's overall question"
    );

    let again = type_code(&app, &code).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code works once"
    );
    assert!(
        again.text().contains("Mã đăng ký không đúng"),
        "{}",
        again.text()
    );

    let listed = app.get_as("/kiosks", Some(&leader.cookie)).await.text();
    assert!(listed.contains("Máy cửa số 1") && listed.contains("Đang hoạt động"));
    let audit = app.store().list_audit(50).await.unwrap();
    for action in ["kiosk_created", "kiosk_enrolled"] {
        assert!(audit.iter().any(|e| e.action == action), "{action} audited");
    }
}

async fn a_kiosk_rating_is_stored_once_with_channel_kiosk_and_exported_as_such(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let leader = app.login("leader25195").await;
    let tablet = enrolled_tablet(&app, &leader, &desk).await;
    let key = kiosk_key(1);
    let body = rating(&key, &desk, json!([["overall", 5], ["access", 4]]));

    let first = post_json(&app, Some(&tablet), body.clone()).await;
    let resent = post_json(&app, Some(&tablet), body).await;

    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(body_json(&first)["outcome"], "stored");
    assert_eq!(resent.status, StatusCode::OK);
    assert_eq!(body_json(&resent)["outcome"], "duplicate");
    assert_eq!(app.store().count_responses().await.unwrap(), 1);
    let (channel, kiosk) = app.store().response_channel(&key).await.unwrap().unwrap();
    assert_eq!(channel, "kiosk");
    assert!(kiosk.is_some(), "the rating names its tablet");
    let id = app.store().response_by_key(&key).await.unwrap().unwrap();
    let answers: Vec<_> = app
        .store()
        .answers_of(id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.question_id, a.value_int))
        .collect();
    assert_eq!(
        answers,
        [
            ("access".to_string(), Some(4)),
            ("overall".to_string(), Some(5))
        ]
    );

    let mut out = Vec::new();
    server::cli::export::write_responses_csv(app.store(), &app.state.definitions, &mut out)
        .await
        .unwrap();
    let csv = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let row: Vec<&str> = lines[1].split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(row[col("channel")], "kiosk", "{csv}");
    assert_eq!(row[col("overall")], "5");

    let listed = app.get_as("/kiosks", Some(&leader.cookie)).await.text();
    assert!(
        listed.contains("<td>1</td>"),
        "the staff page counts the tablet's ratings"
    );
}

async fn a_busy_kiosk_is_not_held_to_the_citizens_limits_but_to_its_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let leader = app.login("leader25195").await;
    let tablet = enrolled_tablet(&app, &leader, &desk).await;

    // A citizen's device may rate a desk once per 10 minutes and 5 times in a burst; a kiosk
    // serves a queue of citizens from one address and one browser.
    for n in 0..12 {
        let response = post_json(
            &app,
            Some(&tablet),
            rating(&kiosk_key(n), &desk, json!([["overall", 5]])),
        )
        .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "rating {n}: {}",
            response.text()
        );
    }
    assert_eq!(app.store().count_responses().await.unwrap(), 12);

    // The desk's limit: invalid ratings use it up too (they cost no write).
    let mut limited = None;
    for n in 0..400 {
        let response = post_json(
            &app,
            Some(&tablet),
            rating(&kiosk_key(1000 + n), &desk, json!([])),
        )
        .await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let limited = limited.expect("the kiosk's own limit applies");
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
    assert!(body_json(&limited)["message"]
        .as_str()
        .unwrap()
        .contains("gửi lại sau"));
    // A resend of a stored rating is still acknowledged, so the tablet can empty its queue.
    let resent = post_json(
        &app,
        Some(&tablet),
        rating(&kiosk_key(0), &desk, json!([["overall", 5]])),
    )
    .await;
    assert_eq!(resent.status, StatusCode::OK);
    assert_eq!(body_json(&resent)["outcome"], "duplicate");
}

async fn a_revoked_kiosk_is_refused_with_a_vietnamese_message(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let leader = app.login("leader25195").await;
    let tablet = enrolled_tablet(&app, &leader, &desk).await;
    let kiosk_id = app.store().list_kiosks(None).await.unwrap()[0].id;
    let revoke_path = format!("/kiosks/{kiosk_id}/revoke");

    let stranger = app.login("officer25217").await;
    let not_theirs = app
        .post_as(
            &revoke_path,
            &[("_csrf", stranger.csrf.as_str())],
            Some(&stranger.cookie),
        )
        .await;
    assert_eq!(
        not_theirs.status,
        StatusCode::NOT_FOUND,
        "another commune's kiosk"
    );
    let revoked = app
        .post_as(
            &revoke_path,
            &[("_csrf", leader.csrf.as_str())],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.text());

    let refused = post_json(
        &app,
        Some(&tablet),
        rating(&kiosk_key(1), &desk, json!([["overall", 4]])),
    )
    .await;

    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let message = body_json(&refused)["message"].as_str().unwrap().to_string();
    assert!(message.contains("đã bị thu hồi"), "{message}");
    assert_eq!(app.store().count_responses().await.unwrap(), 0);
    let form = app
        .post_as(
            "/kiosk/rate",
            &[
                ("_key", kiosk_key(2).as_str()),
                ("desk", desk.as_str()),
                ("question", "overall"),
                ("level", "4"),
            ],
            Some(&tablet),
        )
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert!(form.text().contains("đã bị thu hồi"));
    let screen = app.get_as("/kiosk", Some(&tablet)).await;
    assert!(
        screen.text().contains("đã bị thu hồi") && screen.text().contains("name=\"code\""),
        "the tablet is offered a new enrolment"
    );
    let listed = app.get_as("/kiosks", Some(&leader.cookie)).await.text();
    assert!(listed.contains("Đã thu hồi"));
    let audit = app.store().list_audit(50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "kiosk_revoked"));
}

/// 05:00 in Vietnam (before the desks open), the most recent at least an hour ago: a rating an
/// offline tablet may still hold.
fn before_opening_ms() -> i64 {
    const DAY: i64 = 86_400_000;
    const VN: i64 = 7 * 3_600_000;
    let now = chrono_now_ms();
    let mut at = (now + VN) / DAY * DAY + 5 * 3_600_000 - VN;
    while at > now - 3_600_000 {
        at -= DAY;
    }
    at
}

async fn stored_time_and_flags(app: &TestApp, key: &str) -> (i64, Option<String>) {
    sqlx::query_as("select created_at, flags from responses where idempotency_key = $1")
        .bind(key)
        .fetch_one(app.store().pool())
        .await
        .unwrap()
}

async fn a_queued_rating_keeps_the_time_it_was_given_and_reviewers_see_it_came_from_the_kiosk(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let leader = app.login("leader25195").await;
    let tablet = enrolled_tablet(&app, &leader, &desk).await;
    // The tablet has stood on the desk for three days.
    sqlx::query("update kiosks set enrolled_at = $1")
        .bind(chrono_now_ms() - 3 * 86_400_000)
        .execute(app.store().pool())
        .await
        .unwrap();
    let early = before_opening_ms();
    let with_time = |key: &str, rated_at: i64| {
        json!({"key": key, "desk": desk, "rated_at": rated_at, "answers": [["overall", 1]]})
            .to_string()
    };

    let queued = post_json(&app, Some(&tablet), with_time(&kiosk_key(1), early)).await;
    let reset_clock = post_json(
        &app,
        Some(&tablet),
        with_time(&kiosk_key(2), 946_684_800_000),
    )
    .await;

    assert_eq!(queued.status, StatusCode::OK, "{}", queued.text());
    assert_eq!(reset_clock.status, StatusCode::OK, "{}", reset_clock.text());
    let (at, flags) = stored_time_and_flags(&app, &kiosk_key(1)).await;
    assert_eq!(at, early, "counted for the time the citizen rated");
    // A tablet rated while the desk was closed: held for the province's review (issue #30),
    // where a citizen's phone answering after hours is only marked.
    assert_eq!(flags.as_deref(), Some("kiosk_off_hours"));
    let (at, flags) = stored_time_and_flags(&app, &kiosk_key(2)).await;
    assert!(
        at > chrono_now_ms() - 60_000,
        "a year-2000 clock is not believed"
    );
    let flags = flags.unwrap();
    assert!(flags.contains("kiosk_clock"), "{flags}");
    assert!(
        flags.contains("kiosk_backdated"),
        "a clock claiming the past waits for a reviewer: {flags}"
    );
    let admin = app.login("admin").await;
    let review = app.get_as("/review", Some(&admin.cookie)).await.text();
    assert!(review.contains("máy đánh giá tại quầy"), "{review}");
    assert!(review.contains("đồng hồ máy đánh giá sai"));
}

/// A plain form post: path, fields and cookie.
type FormCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, Option<&'a str>);

async fn bad_kiosk_input_gets_a_client_error_never_a_server_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let other = desk_of(&app, "25217").await;
    let leader = app.login("leader25195").await;
    let tablet = enrolled_tablet(&app, &leader, &desk).await;
    let good_key = kiosk_key(1);

    let cases: Vec<(&str, Option<&str>, String)> = vec![
        ("not JSON", Some(&tablet), "overall=5".into()),
        ("empty body", Some(&tablet), String::new()),
        ("JSON array", Some(&tablet), "[]".into()),
        (
            "missing fields",
            Some(&tablet),
            json!({"key": good_key}).to_string(),
        ),
        (
            "wrong types",
            Some(&tablet),
            json!({"key": 5, "desk": [], "rated_at": "now", "answers": {}}).to_string(),
        ),
        (
            "level 0",
            Some(&tablet),
            rating(&good_key, &desk, json!([["overall", 0]])),
        ),
        (
            "level 9",
            Some(&tablet),
            rating(&good_key, &desk, json!([["overall", 9]])),
        ),
        (
            "level 300",
            Some(&tablet),
            rating(&good_key, &desk, json!([["overall", 300]])),
        ),
        (
            "no overall",
            Some(&tablet),
            rating(&good_key, &desk, json!([["access", 3]])),
        ),
        (
            "not a kiosk question",
            Some(&tablet),
            rating(&good_key, &desk, json!([["overall", 3], ["comment", 1]])),
        ),
        (
            "bad key",
            Some(&tablet),
            rating("<script>", &desk, json!([["overall", 3]])),
        ),
        (
            "another desk",
            Some(&tablet),
            rating(&good_key, &other, json!([["overall", 3]])),
        ),
        (
            "unknown desk",
            Some(&tablet),
            rating(&good_key, "nope", json!([["overall", 3]])),
        ),
        (
            "no cookie",
            None,
            rating(&good_key, &desk, json!([["overall", 3]])),
        ),
        (
            "forged cookie",
            Some("hl_kiosk=0000000000000000000000000000000000000000000000000000000000000000"),
            rating(&good_key, &desk, json!([["overall", 3]])),
        ),
        (
            "garbage cookie",
            Some("hl_kiosk=%%%"),
            rating(&good_key, &desk, json!([["overall", 3]])),
        ),
        ("too big", Some(&tablet), "x".repeat(64 * 1024)),
    ];
    for (case, cookie, body) in cases {
        let response = post_json(&app, cookie, body).await;
        assert!(
            response.status.is_client_error(),
            "{case}: {} {}",
            response.status,
            response.text()
        );
    }
    assert_eq!(app.store().count_responses().await.unwrap(), 0);

    let long_label = "x".repeat(61);
    let forms: Vec<FormCase> = vec![
        ("/kiosk/rate", vec![("level", "abc")], Some(&tablet)),
        (
            "/kiosk/rate",
            vec![("level", "5"), ("question", "overall")],
            Some(&tablet),
        ),
        ("/kiosk/rate", vec![], None),
        ("/kiosk/enrol", vec![("code", "AAAAA-AAAAA")], None),
        (
            "/kiosks",
            vec![("_csrf", leader.csrf.as_str()), ("desk", "nope")],
            Some(&leader.cookie),
        ),
        (
            "/kiosks",
            vec![
                ("_csrf", leader.csrf.as_str()),
                ("desk", desk.as_str()),
                ("label", long_label.as_str()),
            ],
            Some(&leader.cookie),
        ),
        (
            "/kiosks/abc/revoke",
            vec![("_csrf", leader.csrf.as_str())],
            Some(&leader.cookie),
        ),
        (
            "/kiosks/999999/revoke",
            vec![("_csrf", leader.csrf.as_str())],
            Some(&leader.cookie),
        ),
    ];
    for (path, fields, cookie) in forms {
        let response = app.post_as(path, &fields, cookie).await;
        assert!(
            response.status.is_client_error(),
            "{path} {fields:?}: {} {}",
            response.status,
            response.text()
        );
    }
    // A code that looks right but is unknown: the form again, with the reason.
    let unknown = type_code(&app, "ABCDE-FGHJK").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.store().count_responses().await.unwrap(), 0);
}

async fn the_kiosk_screen_rates_without_javascript(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let leader = app.login("leader25195").await;
    let tablet = enrolled_tablet(&app, &leader, &desk).await;
    let screen = app.get_as("/kiosk", Some(&tablet)).await.text();
    let key = hidden_value(&screen, "_key").expect("the plain form carries a key");
    let question = hidden_value(&screen, "question").expect("the overall question's id");
    let fields = [
        ("_key", key.as_str()),
        ("desk", desk.as_str()),
        ("lang", "vi"),
        ("question", question.as_str()),
        ("level", "4"),
    ];

    let first = app.post_as("/kiosk/rate", &fields, Some(&tablet)).await;
    let again = app.post_as("/kiosk/rate", &fields, Some(&tablet)).await;

    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
    assert_eq!(first.location(), Some("/kiosk?done=1"));
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "a resent form is thanked again"
    );
    assert_eq!(app.store().count_responses().await.unwrap(), 1);
    assert_eq!(
        app.store().response_channel(&key).await.unwrap().unwrap().0,
        "kiosk"
    );
    let thanked = app.get_as("/kiosk?done=1", Some(&tablet)).await.text();
    assert!(thanked.contains("Đánh giá của ông/bà đã được ghi nhận"));
}
