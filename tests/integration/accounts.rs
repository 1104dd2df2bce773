//! Accounts, roles and tenant isolation, driven through HTTP as browsers do.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{
    as_pairs, both_backends, device, key, valid_answers, Session, TestApp, PASSWORD,
};

both_backends!(
    each_role_signs_in_and_lands_on_its_page,
    the_access_matrix_holds_for_every_protected_page,
    protected_posts_refuse_other_roles_and_bad_csrf_tokens,
    server_functions_give_no_data_to_other_communes,
    cross_site_posts_are_refused,
    an_expired_session_is_signed_out,
    repeated_failures_lock_the_account_for_a_while,
    sign_out_ends_the_session,
    a_province_admin_creates_users_and_resets_passwords,
    the_audit_log_records_and_exports,
    a_reviewer_excludes_a_flagged_response_of_its_district_only,
    comments_are_shown_escaped_to_the_commune,
    every_response_carries_security_headers,
    every_protected_post_and_server_function_refuses_the_wrong_user,
);

/// Users of every role: Đồng Xoài (689) has commune 25195; Phước Long (688) has 25217.
async fn staff(app: &TestApp) {
    app.add_user("admin", "province_admin", "").await;
    app.add_user("reviewer689", "district_reviewer", "689")
        .await;
    app.add_user("reviewer688", "district_reviewer", "688")
        .await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    app.add_user("officer25195", "commune_officer", "25195")
        .await;
    app.add_user("leader25217", "commune_leader", "25217").await;
}

async fn each_role_signs_in_and_lands_on_its_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;

    for (user, home) in [
        ("admin", "/admin/users"),
        ("reviewer689", "/review"),
        ("leader25195", "/commune"),
        ("officer25195", "/commune"),
    ] {
        let response = app.try_login(user, PASSWORD).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{user}");
        assert_eq!(response.location(), Some(home), "{user}");
        let cookie = response.headers["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
    }
    let wrong = app.try_login("admin", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong
        .text()
        .contains("Tên đăng nhập hoặc mật khẩu không đúng"));
    let unknown = app.try_login("nobody", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
}

async fn the_access_matrix_holds_for_every_protected_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let mut sessions = std::collections::HashMap::new();
    for user in [
        "admin",
        "reviewer689",
        "leader25195",
        "officer25195",
        "leader25217",
    ] {
        sessions.insert(user, app.login(user).await);
    }
    let as_user = |user: &str| sessions.get(user).map(|s: &Session| s.cookie.clone());

    // (path, user or None for anonymous, expected status, text that must appear when allowed)
    let cases: &[(&str, Option<&str>, u16, &str)] = &[
        ("/commune", None, 401, ""),
        ("/commune", Some("leader25195"), 200, "Phường Bình Phước"),
        ("/commune", Some("officer25195"), 200, "Phường Bình Phước"),
        ("/commune", Some("leader25217"), 200, "Phường Phước Long"),
        ("/commune?commune=25217", Some("leader25195"), 403, ""),
        ("/commune?commune=25195", Some("leader25217"), 403, ""),
        (
            "/commune?commune=25195",
            Some("reviewer689"),
            200,
            "Phường Bình Phước",
        ),
        ("/commune?commune=25217", Some("reviewer689"), 403, ""),
        (
            "/commune?commune=25217",
            Some("admin"),
            200,
            "Phường Phước Long",
        ),
        ("/commune", Some("admin"), 403, ""),
        ("/admin/users", None, 401, ""),
        ("/admin/users", Some("admin"), 200, "leader25195"),
        ("/admin/users", Some("reviewer689"), 403, ""),
        ("/admin/users", Some("leader25195"), 403, ""),
        ("/admin/audit", None, 401, ""),
        ("/admin/audit", Some("admin"), 200, "login"),
        ("/admin/audit", Some("officer25195"), 403, ""),
        ("/admin/audit.csv", None, 401, ""),
        ("/admin/audit.csv", Some("leader25195"), 403, ""),
        ("/admin/audit.csv", Some("admin"), 200, "login"),
        ("/review", None, 401, ""),
        ("/review", Some("reviewer689"), 200, "Phiếu bị đánh dấu"),
        ("/review", Some("admin"), 200, "Phiếu bị đánh dấu"),
        ("/review", Some("leader25195"), 403, ""),
        ("/review", Some("officer25195"), 403, ""),
    ];
    for (path, user, status, text) in cases {
        let cookie = user.and_then(as_user);
        let response = app.get_as(path, cookie.as_deref()).await;
        assert_eq!(response.status.as_u16(), *status, "{path} as {user:?}");
        let body = response.text();
        if *status == 200 {
            assert!(body.contains(text), "{path} as {user:?} shows {text}");
        } else {
            // Refusals carry no commune data and no user list. The navigation bar above them
            // is the signed-in user's own (their name, their unit, their pages), so it is set
            // aside after checking whose it is.
            let (page, bar) = match body.find("<nav class=\"account-bar\"") {
                Some(at) => {
                    let end = at + body[at..].find("</nav>").unwrap();
                    let bar = &body[at..end];
                    match user {
                        Some(user) => assert!(bar.contains(user), "{path}: the bar of {user}"),
                        None => assert!(bar.contains("href=\"/login\""), "{path}: {bar}"),
                    }
                    (format!("{}{}", &body[..at], &body[end..]), bar.to_string())
                }
                None => (body.clone(), String::new()),
            };
            for secret in ["Phường Bình Phước", "Phường Phước Long", "leader25195"] {
                assert!(!page.contains(secret), "{path} as {user:?} leaked {secret}");
            }
            assert!(
                ["Phường Phước Long", "leader25217"]
                    .iter()
                    .all(|other| *user == Some("leader25217") || !bar.contains(other)),
                "{path}: the bar is the user's own"
            );
        }
    }
}

async fn protected_posts_refuse_other_roles_and_bad_csrf_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let admin = app.login("admin").await;
    let leader = app.login("leader25195").await;
    let new_user = |csrf: &str| {
        vec![
            ("_csrf", csrf.to_string()),
            ("username", "newofficer".to_string()),
            ("display_name", "Cán bộ mới".to_string()),
            ("role", "commune_officer".to_string()),
            ("unit", "25195".to_string()),
            ("password", "mot-mat-khau-dai".to_string()),
        ]
    };

    let anonymous = app
        .post_as("/admin/users", &as_pairs(&new_user("x")), None)
        .await;
    let as_leader = app
        .post_as(
            "/admin/users",
            &as_pairs(&new_user(&leader.csrf)),
            Some(&leader.cookie),
        )
        .await;
    let wrong_csrf = app
        .post_as(
            "/admin/users",
            &as_pairs(&new_user(&leader.csrf)),
            Some(&admin.cookie),
        )
        .await;
    let no_csrf = app
        .post_as(
            "/admin/users",
            &as_pairs(&new_user("")),
            Some(&admin.cookie),
        )
        .await;
    let logout_without_csrf = app.post_as("/logout", &[], Some(&leader.cookie)).await;

    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(as_leader.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(logout_without_csrf.status, StatusCode::FORBIDDEN);
    assert!(app
        .store()
        .user_by_username("newofficer")
        .await
        .unwrap()
        .is_none());
    // The leader's session survived the forged sign-out.
    assert_eq!(
        app.get_as("/commune", Some(&leader.cookie)).await.status,
        StatusCode::OK
    );
    let ok = app
        .post_as(
            "/admin/users",
            &as_pairs(&new_user(&admin.csrf)),
            Some(&admin.cookie),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(app
        .store()
        .user_by_username("newofficer")
        .await
        .unwrap()
        .is_some());
}

async fn server_functions_give_no_data_to_other_communes(backend: Backend) {
    use leptos::server_fn::ServerFn;
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let leader = app.login("leader25195").await;
    let path = <app::accounts::api::GetCommuneOverview as ServerFn>::PATH;

    let other = app
        .post_as(path, &[("commune", "25217")], Some(&leader.cookie))
        .await;
    let anonymous = app.post_as(path, &[("commune", "25195")], None).await;
    let own = app
        .post_as(path, &[("commune", "25195")], Some(&leader.cookie))
        .await;
    let users = app
        .post_as(
            <app::accounts::api::GetUsersPage as ServerFn>::PATH,
            &[],
            Some(&leader.cookie),
        )
        .await;

    assert_eq!(other.text(), "\"Forbidden\"");
    assert_eq!(anonymous.text(), "\"SignInRequired\"");
    assert_eq!(users.text(), "\"Forbidden\"");
    assert!(own.text().contains("Phường Bình Phước"));
}

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let fields = valid_answers(&key(1));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(as_pairs(&fields))
        .finish();

    let response = app
        .request(
            axum::http::Request::post(format!("/q/{code}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("host", "hailong.test")
                .header("origin", "https://evil.example")
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;

    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store().count_responses().await.unwrap(), 0);

    // Behind a reverse proxy: the Host is internal, the Origin is the public URL.
    let fields = valid_answers(&key(2));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(as_pairs(&fields))
        .finish();
    let proxied = app
        .request(
            axum::http::Request::post(format!("/q/{code}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("host", "10.0.0.5:3000")
                .header("origin", hailong_tests::PUBLIC_URL)
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(proxied.status, StatusCode::SEE_OTHER);
}

async fn an_expired_session_is_signed_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let leader = app.login("leader25195").await;
    assert_eq!(
        app.get_as("/commune", Some(&leader.cookie)).await.status,
        StatusCode::OK
    );

    sqlx::query("update sessions set expires_at = 1")
        .execute(app.store().pool())
        .await
        .unwrap();

    assert_eq!(
        app.get_as("/commune", Some(&leader.cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn repeated_failures_lock_the_account_for_a_while(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;

    for _ in 0..5 {
        assert_eq!(
            app.try_login("admin", "wrong password!").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = app.try_login("admin", PASSWORD).await;

    assert_eq!(
        locked.status,
        StatusCode::UNAUTHORIZED,
        "even the right password waits"
    );
    assert!(locked.text().contains("Đăng nhập sai quá nhiều lần"));
    // Other accounts are unaffected, even from the same address (all test requests come from
    // one): the limit counts per user name and address (see signin_attacks.rs).
    assert_eq!(
        app.try_login("leader25195", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

async fn sign_out_ends_the_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let leader = app.login("leader25195").await;

    let out = app
        .post_as("/logout", &[("_csrf", &leader.csrf)], Some(&leader.cookie))
        .await;

    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), Some("/login"));
    assert_eq!(
        app.get_as("/commune", Some(&leader.cookie)).await.status,
        StatusCode::UNAUTHORIZED,
        "the old cookie no longer works"
    );
}

async fn a_province_admin_creates_users_and_resets_passwords(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let admin = app.login("admin").await;
    let leader = app.login("leader25195").await;
    let leader_id = app
        .store()
        .user_by_username("leader25195")
        .await
        .unwrap()
        .unwrap()
        .id;

    let bad_unit = app
        .post_as(
            "/admin/users",
            &[
                ("_csrf", &admin.csrf),
                ("username", "x-officer"),
                ("display_name", "X"),
                ("role", "commune_officer"),
                ("unit", "99999"),
                ("password", "mot-mat-khau-dai"),
            ],
            Some(&admin.cookie),
        )
        .await;
    let short = app
        .post_as(
            &format!("/admin/users/{leader_id}/password"),
            &[("_csrf", &admin.csrf), ("password", "short")],
            Some(&admin.cookie),
        )
        .await;
    let reset = app
        .post_as(
            &format!("/admin/users/{leader_id}/password"),
            &[("_csrf", &admin.csrf), ("password", "mat-khau-moi-123")],
            Some(&admin.cookie),
        )
        .await;

    assert_eq!(bad_unit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_unit.text().contains("Không tìm thấy xã có mã"));
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_as("/commune", Some(&leader.cookie)).await.status,
        StatusCode::UNAUTHORIZED,
        "a reset ends the user's sessions"
    );
    assert_eq!(
        app.try_login("leader25195", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.try_login("leader25195", "mat-khau-moi-123")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

async fn the_audit_log_records_and_exports(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    app.try_login("leader25195", "wrong password!").await;
    let admin = app.login("admin").await;

    let csv = app.get_as("/admin/audit.csv", Some(&admin.cookie)).await;

    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.body.starts_with("\u{feff}".as_bytes()),
        "BOM for spreadsheets"
    );
    let text = csv.text();
    for action in [
        "user_created",
        "login_failed",
        ",login,",
        "definitions_loaded",
        "desks_created",
    ] {
        assert!(text.contains(action), "{action} in\n{text}");
    }
    assert!(text.contains("leader25195"));

    // The page names each action in Vietnamese; the stored code stays only in the filter's values.
    let page = app.get_as("/admin/audit", Some(&admin.cookie)).await.text();
    for (code, name) in [
        ("desks_created", "tạo các quầy"),
        ("definitions_loaded", "nạp bộ tiêu chí"),
        ("login_failed", "đăng nhập sai"),
    ] {
        assert!(page.contains(&format!(">{name}<")), "{name} in\n{page}");
        assert!(
            !page.contains(&format!(">{code}<")),
            "raw {code} in\n{page}"
        );
    }

    // Each page has its own title.
    let leader = app.login("leader25195").await;
    let users = app.get_as("/admin/users", Some(&admin.cookie)).await.text();
    let commune = app.get_as("/commune", Some(&leader.cookie)).await.text();
    let titles: Vec<String> = [&page, &users, &commune]
        .iter()
        .map(|html| {
            let start = html.find("<title>").expect("a title") + "<title>".len();
            let end = start + html[start..].find("</title>").expect("a closed title");
            html[start..end].to_string()
        })
        .collect();
    assert_eq!(titles[0], "Nhật ký — Hài Lòng");
    assert_eq!(titles[1], "Người dùng — Hài Lòng");
    assert!(
        titles[2].starts_with("Bảng điều khiển — ") && titles[2].ends_with(" — Hài Lòng"),
        "{titles:?}"
    );
}

async fn a_reviewer_excludes_a_flagged_response_of_its_district_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = app
        .store()
        .list_current_desks(Some("689"))
        .await
        .unwrap()
        .remove(0)
        .public_code;
    let mut fields = valid_answers(&key(1));
    fields.push(("website", "bot".into()));
    app.post_form_as(
        &format!("/q/{desk}"),
        &as_pairs(&fields),
        "192.0.2.1",
        Some(&device(1)),
    )
    .await;
    let (id,): (i64,) = sqlx::query_as("select id from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    let own = app.login("reviewer689").await;
    let other = app.login("reviewer688").await;

    let listed = app.get_as("/review", Some(&own.cookie)).await;
    let not_listed = app.get_as("/review", Some(&other.cookie)).await;
    // The reviewer reads the whole response, comment included, before deciding.
    let page = listed.text();
    let row = &page[page
        .find(&format!("data-response=\"{id}\""))
        .expect("the row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    for shown in [
        "<dd>5 — Rất hài lòng</dd>",
        "<dd>Cán bộ hướng dẫn rất tận tình.</dd>",
        "name=\"confirm\"",
    ] {
        assert!(row.contains(shown), "{shown}: {row}");
    }
    // A decision without the confirmation changes nothing.
    let unconfirmed = app
        .post_as(
            &format!("/review/responses/{id}"),
            &[("_csrf", &own.csrf), ("decision", "exclude")],
            Some(&own.cookie),
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.text().contains("Chưa xác nhận"));
    let (excluded,): (i64,) = sqlx::query_as("select excluded from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert_eq!(excluded, 0, "unchanged without the confirmation");
    let by_other = app
        .post_as(
            &format!("/review/responses/{id}"),
            &[
                ("_csrf", &other.csrf),
                ("decision", "exclude"),
                ("confirm", "yes"),
            ],
            Some(&other.cookie),
        )
        .await;
    let by_own = app
        .post_as(
            &format!("/review/responses/{id}"),
            &[
                ("_csrf", &own.csrf),
                ("decision", "exclude"),
                ("confirm", "yes"),
            ],
            Some(&own.cookie),
        )
        .await;

    assert!(listed.text().contains("gửi tự động"));
    assert!(!not_listed.text().contains("gửi tự động"));
    assert_eq!(by_other.status, StatusCode::NOT_FOUND);
    assert_eq!(by_own.status, StatusCode::SEE_OTHER);
    let (excluded,): (i64,) = sqlx::query_as("select excluded from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert_eq!(excluded, 1);
    let log = app.store().list_audit(10).await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "response_excluded" && e.actor == "reviewer689"));
}

async fn comments_are_shown_escaped_to_the_commune(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = app.desk_of("25195").await.public_code;
    let mut fields = valid_answers(&key(1));
    fields.retain(|(k, _)| *k != "comment");
    fields.push(("comment", "<script>alert('x')</script> chờ lâu".into()));
    let stored = app
        .post_form_as(
            &format!("/q/{desk}"),
            &as_pairs(&fields),
            "192.0.2.1",
            Some(&device(1)),
        )
        .await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER);
    let leader = app.login("leader25195").await;

    let page = app.get_as("/commune", Some(&leader.cookie)).await;

    let html = page.text();
    assert!(html.contains("&lt;script&gt;alert("), "shown as text");
    assert!(!html.contains("<script>alert("), "never as markup");
}

async fn every_response_carries_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;

    for path in [
        "/".to_string(),
        format!("/q/{code}"),
        format!("/q/{code}/qr.svg"),
        "/nope".into(),
    ] {
        let response = app.get(&path).await;
        let csp = response.headers["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"),
            "{path}"
        );
        assert_eq!(
            response.headers["x-content-type-options"], "nosniff",
            "{path}"
        );
        assert_eq!(response.headers["referrer-policy"], "same-origin", "{path}");
    }
}

async fn every_protected_post_and_server_function_refuses_the_wrong_user(backend: Backend) {
    use app::accounts::api::{GetAuditPage, GetCommuneOverview, GetReviewPage, GetUsersPage};
    use leptos::server_fn::ServerFn;
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let leader = app.login("leader25195").await;
    let officer = app.login("officer25195").await;
    let reviewer = app.login("reviewer689").await;
    let admin_id = app
        .store()
        .user_by_username("admin")
        .await
        .unwrap()
        .unwrap()
        .id;

    // Staff forms: (path, who) must be refused whatever the fields.
    let posts = [
        ("/admin/users".to_string(), &leader),
        ("/admin/users".to_string(), &reviewer),
        (format!("/admin/users/{admin_id}/password"), &leader),
        (format!("/admin/users/{admin_id}/password"), &officer),
        (format!("/admin/users/{admin_id}/password"), &reviewer),
        ("/review/responses/1".to_string(), &leader),
        ("/review/responses/1".to_string(), &officer),
    ];
    for (path, who) in posts {
        let fields = [
            ("_csrf", who.csrf.as_str()),
            ("password", "mot-mat-khau-dai"),
            ("decision", "exclude"),
            ("username", "intruder"),
            ("display_name", "x"),
            ("role", "province_admin"),
        ];
        let response = app.post_as(&path, &fields, Some(&who.cookie)).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{path}");
        let anonymous = app.post_as(&path, &fields, None).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{path} anonymous"
        );
    }
    assert!(app
        .store()
        .user_by_username("intruder")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        app.try_login("admin", PASSWORD).await.status,
        StatusCode::SEE_OTHER,
        "password unchanged"
    );

    // Server functions called directly: a refusal and never data.
    let fns = [
        (<GetUsersPage as ServerFn>::PATH, &leader, "\"Forbidden\""),
        (<GetAuditPage as ServerFn>::PATH, &officer, "\"Forbidden\""),
        (<GetAuditPage as ServerFn>::PATH, &reviewer, "\"Forbidden\""),
        (<GetReviewPage as ServerFn>::PATH, &leader, "\"Forbidden\""),
        (
            <GetCommuneOverview as ServerFn>::PATH,
            &reviewer,
            "\"Forbidden\"",
        ),
    ];
    for (path, who, expected) in fns {
        let response = app.post_as(path, &[], Some(&who.cookie)).await;
        assert_eq!(response.text(), expected, "{path}");
        let anonymous = app.post_as(path, &[], None).await;
        assert_eq!(anonymous.text(), "\"SignInRequired\"", "{path} anonymous");
    }
}
