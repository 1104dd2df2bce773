//! Staff sign in with the province's own accounts (issue 35), against a real OpenID Connect
//! provider on loopback (`oidc-provider`, through its login form): accounts made or matched,
//! claim mappings to roles and units, audit entries, the session's rules, sign-out at both ends,
//! "require single sign-on" with break-glass accounts, and the provider down before or during a
//! sign-in. The attacks on the flow and the ID token are in `sso_attacks.rs`.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::oidc::{path_of, providers_available, Provider, ProviderBrowser};
use hailong_tests::{
    both_backends, hidden_value, set_cookie, Session, TestApp, TestResponse, PUBLIC_URL,
};
use serde_json::{json, Value};

/// A person at the province with the claims the tests map.
fn lan(groups: &[&str]) -> Value {
    json!({
        "sub": "tinh-0001",
        "email": "lan.nt@binhphuoc.gov.vn",
        "email_verified": true,
        "name": "Nguyễn Thị Lan",
        "preferred_username": "lan.nt",
        "groups": groups,
    })
}

/// Starts a provider with `accounts` and the app connected to it.
pub(crate) async fn app_with_provider(backend: Backend, accounts: Value) -> (TestApp, Provider) {
    let provider = Provider::start(PUBLIC_URL, &accounts);
    let settings = provider.settings();
    let app = TestApp::spawn_with(backend, |c| c.oidc = Some(settings)).await;
    (app, provider)
}

/// A sign-in begun at `/login/oidc…`: the provider's URL the app sent the browser to, and the
/// cookie that ties the sign-in to this browser.
pub(crate) struct Begun {
    pub authorize_url: String,
    pub sso_cookie: String,
}

pub(crate) async fn begin(app: &TestApp, path: &str) -> Begun {
    let response = app.get(path).await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    Begun {
        authorize_url: response.location().expect("a redirect").to_string(),
        sso_cookie: set_cookie(&response, "hl_sso").expect("the sign-in's cookie"),
    }
}

/// The provider's redirect back, as the browser that began the sign-in delivers it.
pub(crate) async fn come_back(app: &TestApp, back: &str, sso_cookie: Option<&str>) -> TestResponse {
    let cookie = sso_cookie.map(|c| format!("hl_sso={c}"));
    app.get_as(&path_of(back), cookie.as_deref()).await
}

/// Signs `login` in through the provider's login form, from `path` (`/login/oidc…`); the
/// response of the app's callback.
async fn sign_in_from(app: &TestApp, provider: &Provider, login: &str, path: &str) -> TestResponse {
    let begun = begin(app, path).await;
    let mut browser = ProviderBrowser::default();
    let back = browser
        .sign_in(&begun.authorize_url, &provider.issuer, login)
        .await;
    assert!(back.starts_with(PUBLIC_URL), "{back}");
    come_back(app, &back, Some(&begun.sso_cookie)).await
}

async fn sign_in(app: &TestApp, provider: &Provider, login: &str) -> TestResponse {
    sign_in_from(app, provider, login, "/login/oidc").await
}

/// The session a successful callback opened.
fn session_of(response: &TestResponse) -> String {
    format!(
        "hl_session={}",
        set_cookie(response, "hl_session").expect("a session cookie")
    )
}

async fn admin(app: &TestApp) -> Session {
    app.add_user("so-noi-vu", "province_admin", "").await;
    app.login("so-noi-vu").await
}

/// Adds a mapping through the admin's form, as the province admin does.
async fn map(app: &TestApp, admin: &Session, fields: &[(&str, &str)]) -> TestResponse {
    let mut all = vec![("_csrf", admin.csrf.as_str())];
    all.extend_from_slice(fields);
    app.post_as("/admin/sso/mappings", &all, Some(&admin.cookie))
        .await
}

async fn users(app: &TestApp) -> Vec<app::store::users::UserRow> {
    app.store().list_users().await.expect("users")
}

async fn audit(app: &TestApp, action: &str) -> Vec<app::store::audit::AuditRow> {
    app.store()
        .list_audit(500)
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

async fn a_mapped_person_gets_an_account_and_lands_on_their_commune(backend: Backend) {
    if !providers_available() {
        return;
    }
    let (app, provider) =
        app_with_provider(backend, json!({ "lan": lan(&["xa-25195-lanh-dao"]) })).await;
    let admin = admin(&app).await;
    let mapped = map(
        &app,
        &admin,
        &[
            ("claim", "groups"),
            ("value", "xa-25195-lanh-dao"),
            ("role", "commune_leader"),
            ("unit", "25195"),
        ],
    )
    .await;
    assert_eq!(
        mapped.location(),
        Some("/admin/sso?ok=mapping"),
        "{}",
        mapped.text()
    );
    let before = users(&app).await.len();

    let login_page = app.get("/login").await;
    let back = sign_in(&app, &provider, "lan").await;

    assert!(
        login_page
            .text()
            .contains("Đăng nhập bằng tài khoản của tỉnh")
            && login_page.text().contains("href=\"/login/oidc\""),
        "the sign-in page offers the province's accounts"
    );
    let english = app.get("/login?lang=en").await.text();
    assert!(
        english.contains("Sign in with your province account")
            && english.contains("href=\"/login/oidc?lang=en\""),
        "in English too"
    );
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.text());
    assert_eq!(back.location(), Some("/commune"));
    let cookie = session_of(&back);
    let page = app.get_as("/commune", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Phường Bình Phước"), "the commune's own page");
    assert!(html.contains("Nguyễn Thị Lan"), "the account bar names her");
    assert!(
        hidden_value(&html, "_csrf").is_some(),
        "forms carry the session's CSRF token"
    );
    let all = users(&app).await;
    assert_eq!(all.len(), before + 1);
    let made = all
        .iter()
        .find(|u| u.username == "lan.nt")
        .expect("her account");
    assert_eq!(made.role, "commune_leader");
    assert_eq!(made.unit_code.as_deref(), Some("25195"));
    assert_eq!(
        made.password_hash, "",
        "no password: she signs in at the province"
    );
    let created = audit(&app, "sso_user_created").await;
    assert_eq!(created.len(), 1);
    assert!(
        created[0].detail.contains("Lãnh đạo xã 25195"),
        "{}",
        created[0].detail
    );
    assert!(audit(&app, "login")
        .await
        .iter()
        .any(|e| e.actor == "lan.nt" && e.detail == "bằng tài khoản của tỉnh"));

    // The next sign-in finds the same account by her subject at the province.
    let again = sign_in(&app, &provider, "lan").await;
    assert_eq!(again.location(), Some("/commune"));
    assert_eq!(users(&app).await.len(), before + 1, "no second account");
    assert_eq!(audit(&app, "sso_user_created").await.len(), 1);
    // A password sign-in for the account made by the province finds no password to match.
    let with_password = app.try_login("lan.nt", "").await;
    assert_eq!(with_password.status, StatusCode::UNAUTHORIZED);
}

async fn claims_choose_the_role_and_unit_and_each_change_is_audited(backend: Backend) {
    if !providers_available() {
        return;
    }
    let officer = |unit: Value| {
        json!({ "sub": "tinh-0002", "preferred_username": "an.vv", "name": "Võ Văn An",
                "chuc_vu": "can-bo", "ma_don_vi": unit })
    };
    let (app, provider) =
        app_with_provider(backend, json!({ "an": officer(json!("25195")) })).await;
    let admin = admin(&app).await;
    map(
        &app,
        &admin,
        &[
            ("claim", "chuc_vu"),
            ("value", "can-bo"),
            ("role", "commune_officer"),
            ("unit_claim", "ma_don_vi"),
        ],
    )
    .await;
    map(
        &app,
        &admin,
        &[
            ("claim", "chuc_vu"),
            ("value", "chu-tich"),
            ("role", "commune_leader"),
            ("unit_claim", "ma_don_vi"),
        ],
    )
    .await;
    let account = |app: &TestApp| {
        let store = app.store().clone();
        async move {
            store
                .user_by_username("an.vv")
                .await
                .unwrap()
                .expect("his account")
        }
    };

    let first = sign_in(&app, &provider, "an").await;
    let in_25195 = account(&app).await;
    // He moves to another commune at the province; Hài Lòng follows, audited.
    provider.set_accounts(&json!({ "an": officer(json!("25217")) }));
    let moved = sign_in(&app, &provider, "an").await;
    let in_25217 = account(&app).await;
    // He becomes chairman there.
    let mut chairman = officer(json!("25217"));
    chairman["chuc_vu"] = json!("chu-tich");
    provider.set_accounts(&json!({ "an": chairman }));
    sign_in(&app, &provider, "an").await;
    let leader = account(&app).await;
    // A claim still naming a commune that merged in 2025 lands on the commune formed from it.
    provider.set_accounts(&json!({ "an": officer(json!(25198)) }));
    let former = sign_in(&app, &provider, "an").await;
    let heir = account(&app).await;
    // His claims no longer map: an account made from claims is refused, not left as it was.
    let mut unmapped = officer(json!("25217"));
    unmapped["chuc_vu"] = json!("nghi-huu");
    provider.set_accounts(&json!({ "an": unmapped }));
    let retired = sign_in(&app, &provider, "an").await;

    assert_eq!(first.location(), Some("/commune"));
    assert_eq!(
        (in_25195.role.as_str(), in_25195.unit_code.as_deref()),
        ("commune_officer", Some("25195"))
    );
    assert_eq!(moved.location(), Some("/commune"));
    assert_eq!(in_25217.unit_code.as_deref(), Some("25217"));
    assert_eq!(in_25217.id, in_25195.id, "the same account moves");
    assert_eq!(
        (leader.role.as_str(), leader.unit_code.as_deref()),
        ("commune_leader", Some("25217"))
    );
    assert_eq!(former.location(), Some("/commune"));
    assert_eq!(
        heir.unit_code.as_deref(),
        Some("25195"),
        "Tân Đồng went into Bình Phước"
    );
    assert_eq!(retired.status, StatusCode::FORBIDDEN);
    assert!(
        retired.text().contains("không còn được cấp vai trò"),
        "{}",
        retired.text()
    );
    assert!(set_cookie(&retired, "hl_session").is_none());
    let changes: Vec<String> = audit(&app, "sso_role_changed")
        .await
        .into_iter()
        .rev()
        .map(|e| e.detail)
        .collect();
    assert_eq!(
        changes,
        [
            "theo thuộc tính của tài khoản tỉnh: Cán bộ xã 25195 → Cán bộ xã 25217",
            "theo thuộc tính của tài khoản tỉnh: Cán bộ xã 25217 → Lãnh đạo xã 25217",
            "theo thuộc tính của tài khoản tỉnh: Lãnh đạo xã 25217 → Cán bộ xã 25195 \
             (thuộc tính ghi mã 25198, đã sáp nhập)",
        ]
    );
    assert!(audit(&app, "sso_refused")
        .await
        .iter()
        .any(|e| e.detail.contains("không còn ánh xạ")));
}

async fn a_person_nothing_maps_is_refused_and_nothing_is_created(backend: Backend) {
    if !providers_available() {
        return;
    }
    let (app, provider) =
        app_with_provider(backend, json!({ "lan": lan(&["khong-lien-quan"]) })).await;
    let admin = admin(&app).await;
    map(
        &app,
        &admin,
        &[
            ("claim", "groups"),
            ("value", "xa-25195-lanh-dao"),
            ("role", "commune_leader"),
            ("unit", "25195"),
        ],
    )
    .await;
    let before = users(&app).await.len();

    let refused = sign_in(&app, &provider, "lan").await;

    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let html = refused.text();
    assert!(
        html.contains("chưa được cấp quyền trong Hài Lòng"),
        "{html}"
    );
    assert!(
        html.contains("id=\"username\""),
        "the local form is still there"
    );
    assert!(set_cookie(&refused, "hl_session").is_none());
    assert_eq!(users(&app).await.len(), before);
    let entries = audit(&app, "sso_refused").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].target, "lan.nt");
    assert!(
        entries[0].detail.contains("không có ánh xạ"),
        "{}",
        entries[0].detail
    );
}

async fn an_existing_account_is_linked_once_by_a_verified_email(backend: Backend) {
    if !providers_available() {
        return;
    }
    let (app, provider) = app_with_provider(backend, json!({ "lan": lan(&[]) })).await;
    app.add_user("chu-tich-binh-phuoc", "commune_leader", "25195")
        .await;
    let admin = admin(&app).await;
    let linked = app
        .post_as(
            "/admin/sso/email-links",
            &[
                ("_csrf", &admin.csrf),
                ("username", "chu-tich-binh-phuoc"),
                ("email", "lan.nt@binhphuoc.gov.vn"),
            ],
            Some(&admin.cookie),
        )
        .await;
    let page = app.get_as("/admin/sso", Some(&admin.cookie)).await;
    let before = users(&app).await.len();

    let first = sign_in(&app, &provider, "lan").await;
    // Someone else at the province with the same address comes later: the link was used.
    provider.set_accounts(&json!({
        "lan": lan(&[]),
        "mao-danh": { "sub": "tinh-9999", "email": "lan.nt@binhphuoc.gov.vn", "email_verified": true },
    }));
    let impostor = sign_in(&app, &provider, "mao-danh").await;
    // Her address changes at the province; her subject still finds the account.
    let mut moved = lan(&[]);
    moved["email"] = json!("lan@dongnai.gov.vn");
    provider.set_accounts(&json!({ "lan": moved }));
    let again = sign_in(&app, &provider, "lan").await;

    assert_eq!(
        linked.location(),
        Some("/admin/sso?ok=link"),
        "{}",
        linked.text()
    );
    assert!(
        page.text().contains("chờ liên kết qua"),
        "the page shows the waiting link"
    );
    assert_eq!(first.location(), Some("/commune"), "{}", first.text());
    let me = app.get_as("/commune", Some(&session_of(&first))).await;
    assert!(
        me.text().contains("chu-tich-binh-phuoc"),
        "signed in to the existing account"
    );
    assert_eq!(impostor.status, StatusCode::FORBIDDEN);
    assert_eq!(again.location(), Some("/commune"));
    let me = app.get_as("/commune", Some(&session_of(&again))).await;
    assert!(me.text().contains("chu-tich-binh-phuoc"));
    assert_eq!(users(&app).await.len(), before, "no account was made");
    assert!(app.store().sso_email_links().await.unwrap().is_empty());
    assert_eq!(audit(&app, "sso_linked").await.len(), 1);
    let set = audit(&app, "sso_email_link_set").await;
    assert_eq!(set.len(), 1);
    assert!(
        !set[0].detail.contains('@'),
        "the address stays out of the log"
    );
}

async fn requiring_single_sign_on_keeps_only_break_glass_passwords(backend: Backend) {
    let settings = hailong_tests::oidc::settings("https://id.tinh.invalid");
    let app = TestApp::spawn_with(backend, |c| c.oidc = Some(settings)).await;
    app.add_user("can-bo-xa", "commune_officer", "25195").await;
    let admin = admin(&app).await;

    let before = app.try_login("can-bo-xa", hailong_tests::PASSWORD).await;
    let on = app
        .post_as(
            "/admin/sso/require",
            &[("_csrf", &admin.csrf), ("set", "on")],
            Some(&admin.cookie),
        )
        .await;
    let refused = app.try_login("can-bo-xa", hailong_tests::PASSWORD).await;
    let wrong = app.try_login("can-bo-xa", "not the password").await;
    let break_glass = app.try_login("so-noi-vu", hailong_tests::PASSWORD).await;
    let officer = app
        .store()
        .user_by_username("can-bo-xa")
        .await
        .unwrap()
        .unwrap();
    let admin_id = app
        .store()
        .user_by_username("so-noi-vu")
        .await
        .unwrap()
        .unwrap()
        .id;
    let last = app
        .post_as(
            &format!("/admin/sso/break-glass/{admin_id}"),
            &[("_csrf", &admin.csrf), ("set", "off")],
            Some(&admin.cookie),
        )
        .await;
    let made = app
        .post_as(
            &format!("/admin/sso/break-glass/{}", officer.id),
            &[("_csrf", &admin.csrf), ("set", "on")],
            Some(&admin.cookie),
        )
        .await;
    let kept = app.try_login("can-bo-xa", hailong_tests::PASSWORD).await;

    assert_eq!(before.status, StatusCode::SEE_OTHER);
    assert_eq!(
        on.location(),
        Some("/admin/sso?ok=required"),
        "{}",
        on.text()
    );
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused
        .text()
        .contains("Tỉnh yêu cầu cán bộ đăng nhập bằng tài khoản của tỉnh"));
    assert!(set_cookie(&refused, "hl_session").is_none());
    assert_eq!(
        wrong.status,
        StatusCode::UNAUTHORIZED,
        "a wrong password says no more"
    );
    assert_eq!(
        break_glass.status,
        StatusCode::SEE_OTHER,
        "the admin made on the command line"
    );
    assert_eq!(
        last.status,
        StatusCode::CONFLICT,
        "the last break-glass admin stays"
    );
    assert!(last.text().contains("dự phòng cuối cùng"));
    assert_eq!(made.location(), Some("/admin/sso?ok=break-glass"));
    assert_eq!(kept.status, StatusCode::SEE_OTHER);
    assert_eq!(audit(&app, "sso_required_set").await.len(), 1);
    assert_eq!(audit(&app, "login_sso_required").await.len(), 1);
    assert_eq!(audit(&app, "break_glass_set").await.len(), 1);
}

async fn single_sign_on_cannot_be_required_without_a_provider(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("can-bo-xa", "commune_officer", "25195").await;
    let admin = admin(&app).await;

    let on = app
        .post_as(
            "/admin/sso/require",
            &[("_csrf", &admin.csrf), ("set", "on")],
            Some(&admin.cookie),
        )
        .await;
    let page = app.get("/login").await;
    let begun = app.get("/login/oidc").await;
    let officer = app.try_login("can-bo-xa", hailong_tests::PASSWORD).await;

    assert_eq!(on.status, StatusCode::CONFLICT);
    assert!(on
        .text()
        .contains("Chưa kết nối hệ thống xác thực của tỉnh"));
    assert!(
        !page.text().contains("/login/oidc"),
        "no province link without a provider"
    );
    assert_eq!(begun.status, StatusCode::NOT_FOUND);
    assert!(begun
        .text()
        .contains("chưa được kết nối với hệ thống xác thực của tỉnh"));
    assert_eq!(officer.status, StatusCode::SEE_OTHER);
}

async fn signing_out_ends_the_session_here_and_at_the_province(backend: Backend) {
    if !providers_available() {
        return;
    }
    let (app, provider) =
        app_with_provider(backend, json!({ "lan": lan(&["xa-25195-lanh-dao"]) })).await;
    let admin = admin(&app).await;
    map(
        &app,
        &admin,
        &[
            ("claim", "groups"),
            ("value", "xa-25195-lanh-dao"),
            ("role", "commune_leader"),
            ("unit", "25195"),
        ],
    )
    .await;
    let begun = begin(&app, "/login/oidc").await;
    let mut browser = ProviderBrowser::default();
    let back = browser
        .sign_in(&begun.authorize_url, &provider.issuer, "lan")
        .await;
    let signed_in = come_back(&app, &back, Some(&begun.sso_cookie)).await;
    let cookie = session_of(&signed_in);
    let page = app.get_as("/commune", Some(&cookie)).await;
    let csrf = hidden_value(&page.text(), "_csrf").unwrap();

    let without_token = app.post_as("/logout", &[], Some(&cookie)).await;
    let out = app
        .post_as("/logout", &[("_csrf", &csrf)], Some(&cookie))
        .await;
    let after = app.get_as("/commune", Some(&cookie)).await;
    let html = out.text();
    let end_session = html
        .split("id=\"provider-logout\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the provider's sign-out")
        .replace("&amp;", "&");
    // At the province: its sign-out page, confirmed as a person does, back to Hài Lòng.
    let confirm = browser.send("GET", &end_session, &[]).await.unwrap();
    let xsrf = hidden_value(&confirm.body, "xsrf").expect("the provider's sign-out form");
    let action = confirm
        .body
        .split("action=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let done = browser
        .send(
            "POST",
            &hailong_tests::oidc::absolute(&provider.issuer, &action),
            &[("xsrf", &xsrf), ("logout", "yes")],
        )
        .await
        .unwrap();
    let landed = browser
        .follow(
            done.headers.get("location").unwrap().to_str().unwrap(),
            &provider.issuer,
        )
        .await;
    // A new sign-in asks for the password again: the province's session ended too.
    let next = begin(&app, "/login/oidc").await;
    let asked = browser.follow(&next.authorize_url, &provider.issuer).await;

    assert_eq!(
        without_token.status,
        StatusCode::FORBIDDEN,
        "sign-out is a CSRF-checked form"
    );
    assert_eq!(out.status, StatusCode::OK);
    assert!(html.contains("Đã đăng xuất khỏi Hài Lòng"));
    assert!(html.contains("http-equiv=\"refresh\""));
    assert!(
        end_session.starts_with(&format!("{}/session/end?", provider.issuer)),
        "{end_session}"
    );
    let url = url::Url::parse(&end_session).unwrap();
    let param = |name: &str| {
        url.query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    };
    assert!(param("id_token_hint").is_some_and(|t| t.split('.').count() == 3));
    assert_eq!(
        param("post_logout_redirect_uri").as_deref(),
        Some("https://hailong.test/login")
    );
    assert_eq!(
        param("client_id").as_deref(),
        Some(hailong_tests::oidc::CLIENT_ID)
    );
    assert_eq!(set_cookie(&out, "hl_session").as_deref(), Some(""));
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "the session is over"
    );
    assert_eq!(landed.ok().as_deref(), Some("https://hailong.test/login"));
    let form = asked.expect_err("the provider shows its login form");
    assert!(form.body.contains("name=\"password\""));
}

async fn the_session_follows_todays_rules(backend: Backend) {
    if !providers_available() {
        return;
    }
    let provider = Provider::start(PUBLIC_URL, &json!({ "lan": lan(&["xa-25195-lanh-dao"]) }));
    let settings = provider.settings();
    let app = TestApp::spawn_with(backend, |c| {
        c.oidc = Some(settings);
        c.session_hours = 2;
    })
    .await;
    let admin = admin(&app).await;
    map(
        &app,
        &admin,
        &[
            ("claim", "groups"),
            ("value", "xa-25195-lanh-dao"),
            ("role", "commune_leader"),
            ("unit", "25195"),
        ],
    )
    .await;
    // A session token an attacker planted in the browser before the sign-in.
    let planted = "a".repeat(64);
    let begun = begin(&app, "/login/oidc").await;
    let mut browser = ProviderBrowser::default();
    let back = browser
        .sign_in(&begun.authorize_url, &provider.issuer, "lan")
        .await;
    let signed_in = app
        .get_as(
            &path_of(&back),
            Some(&format!(
                "hl_sso={}; hl_session={planted}",
                begun.sso_cookie
            )),
        )
        .await;

    let header = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hl_session="))
        .expect("a session cookie")
        .to_string();
    let token = set_cookie(&signed_in, "hl_session").unwrap();
    assert_ne!(token, planted, "a new token at every sign-in");
    assert_eq!(token.len(), 64);
    assert!(header.contains("Max-Age=7200"), "{header}");
    assert!(
        header.contains("HttpOnly") && header.contains("SameSite=Lax") && header.contains("Secure")
    );
    let planted_page = app
        .get_as("/commune", Some(&format!("hl_session={planted}")))
        .await;
    assert_eq!(planted_page.status, StatusCode::UNAUTHORIZED);
    let flow_cookie = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hl_sso="))
        .expect("the sign-in's cookie is cleared");
    assert!(flow_cookie.starts_with("hl_sso=;") && flow_cookie.contains("Max-Age=0"));
}

async fn after_signing_in_only_a_path_of_this_site_is_followed(backend: Backend) {
    if !providers_available() {
        return;
    }
    let (app, provider) =
        app_with_provider(backend, json!({ "lan": lan(&["xa-25195-lanh-dao"]) })).await;
    let admin = admin(&app).await;
    map(
        &app,
        &admin,
        &[
            ("claim", "groups"),
            ("value", "xa-25195-lanh-dao"),
            ("role", "commune_leader"),
            ("unit", "25195"),
        ],
    )
    .await;

    let local = sign_in_from(&app, &provider, "lan", "/login/oidc?next=/desks").await;
    let mut elsewhere = Vec::new();
    for next in [
        "https://evil.example/commune",
        "//evil.example/commune",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "javascript:alert(1)",
    ] {
        let path = format!(
            "/login/oidc?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        let back = sign_in_from(&app, &provider, "lan", &path).await;
        elsewhere.push((next, back.location().map(str::to_string)));
    }

    assert_eq!(local.location(), Some("/desks"));
    for (next, landed) in elsewhere {
        assert_eq!(landed.as_deref(), Some("/commune"), "next={next}");
    }
}

async fn a_provider_down_gives_a_clear_message_and_passwords_still_work(backend: Backend) {
    if !providers_available() {
        return;
    }
    let (app, mut provider) =
        app_with_provider(backend, json!({ "lan": lan(&["xa-25195-lanh-dao"]) })).await;
    let admin = admin(&app).await;
    map(
        &app,
        &admin,
        &[
            ("claim", "groups"),
            ("value", "xa-25195-lanh-dao"),
            ("role", "commune_leader"),
            ("unit", "25195"),
        ],
    )
    .await;
    let before = users(&app).await.len();
    // Stopped in the middle: the person signed in at the province, which then stops before
    // Hài Lòng exchanges the code.
    let begun = begin(&app, "/login/oidc").await;
    let mut browser = ProviderBrowser::default();
    let back = browser
        .sign_in(&begun.authorize_url, &provider.issuer, "lan")
        .await;
    provider.stop();

    let mid_flow = come_back(&app, &back, Some(&begun.sso_cookie)).await;
    let at_start = app.get("/login/oidc").await;
    let local = app.try_login("so-noi-vu", hailong_tests::PASSWORD).await;

    for refused in [&mid_flow, &at_start] {
        assert_eq!(
            refused.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            refused.text()
        );
        assert!(refused
            .text()
            .contains("Hiện không kết nối được hệ thống xác thực của tỉnh"));
        assert!(
            refused.text().contains("id=\"password\""),
            "the local form is offered"
        );
        assert!(set_cookie(refused, "hl_session").is_none());
    }
    assert_eq!(
        local.status,
        StatusCode::SEE_OTHER,
        "Hài Lòng's own accounts still work"
    );
    assert_eq!(users(&app).await.len(), before, "nothing was created");
    let down = audit(&app, "sso_provider_unreachable").await;
    assert!(!down.is_empty());
    assert!(down.iter().all(|e| e.detail.contains("không kết nối được")));
}

async fn the_admin_page_shows_what_to_register_and_refuses_bad_mappings(backend: Backend) {
    let settings = hailong_tests::oidc::settings("https://id.tinh.invalid");
    let app = TestApp::spawn_with(backend, |c| c.oidc = Some(settings)).await;
    app.add_user("can-bo-xa", "commune_officer", "25195").await;
    let admin = admin(&app).await;
    let officer = app.login("can-bo-xa").await;

    let page = app.get_as("/admin/sso", Some(&admin.cookie)).await;
    let forbidden = app.get_as("/admin/sso", Some(&officer.cookie)).await;
    let by_officer = app
        .post_as(
            "/admin/sso/mappings",
            &[
                ("_csrf", &officer.csrf),
                ("claim", "groups"),
                ("value", "x"),
                ("role", "province_admin"),
            ],
            Some(&officer.cookie),
        )
        .await;
    let without_csrf = app
        .post_as(
            "/admin/sso/mappings",
            &[
                ("claim", "groups"),
                ("value", "x"),
                ("role", "province_admin"),
            ],
            Some(&admin.cookie),
        )
        .await;
    let bad = map(
        &app,
        &admin,
        &[
            ("claim", "có khoảng trắng"),
            ("value", ""),
            ("role", "commune_leader"),
            ("unit", "99999"),
        ],
    )
    .await;
    let no_unit = map(
        &app,
        &admin,
        &[
            ("claim", "groups"),
            ("value", "a"),
            ("role", "commune_officer"),
        ],
    )
    .await;
    let both = map(
        &app,
        &admin,
        &[
            ("claim", "groups"),
            ("value", "a"),
            ("role", "commune_officer"),
            ("unit", "25195"),
            ("unit_claim", "ma"),
        ],
    )
    .await;
    let good = map(
        &app,
        &admin,
        &[
            ("claim", "groups"),
            ("value", "a"),
            ("role", "province_reviewer"),
        ],
    )
    .await;
    let twice = map(
        &app,
        &admin,
        &[
            ("claim", "groups"),
            ("value", "a"),
            ("role", "province_admin"),
        ],
    )
    .await;
    let listed = app.get_as("/admin/sso", Some(&admin.cookie)).await;
    let id = app.store().sso_mappings().await.unwrap()[0].id;
    let removed = app
        .post_as(
            &format!("/admin/sso/mappings/{id}/remove"),
            &[("_csrf", &admin.csrf)],
            Some(&admin.cookie),
        )
        .await;
    let removed_again = app
        .post_as(
            &format!("/admin/sso/mappings/{id}/remove"),
            &[("_csrf", &admin.csrf)],
            Some(&admin.cookie),
        )
        .await;
    let bad_link = app
        .post_as(
            "/admin/sso/email-links",
            &[
                ("_csrf", &admin.csrf),
                ("username", "khong-co"),
                ("email", "khong phai thu"),
            ],
            Some(&admin.cookie),
        )
        .await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .text()
        .contains("https://hailong.test/login/oidc/callback"));
    assert!(page.text().contains("https://id.tinh.invalid"));
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(by_officer.status, StatusCode::FORBIDDEN);
    assert_eq!(without_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    assert!(html.contains("không có khoảng trắng") && html.contains("Nhập giá trị"));
    assert!(
        html.contains("Không tìm thấy xã đang hoạt động có mã “99999”"),
        "{html}"
    );
    assert!(
        html.contains("value=\"có khoảng trắng\""),
        "the form comes back filled in"
    );
    assert_eq!(no_unit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(good.location(), Some("/admin/sso?ok=mapping"));
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.text().contains("đã được ánh xạ"));
    assert!(listed.text().contains("Thẩm định cấp tỉnh"));
    assert_eq!(removed.location(), Some("/admin/sso?ok=removed"));
    assert_eq!(removed_again.status, StatusCode::NOT_FOUND);
    assert_eq!(bad_link.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_link
        .text()
        .contains("Không có tài khoản đang hoạt động"));
    assert_eq!(audit(&app, "sso_mapping_added").await.len(), 1);
    assert_eq!(audit(&app, "sso_mapping_removed").await.len(), 1);
}

/// Runs `hailong sso …` as typed, on the app's database and with its provider settings.
async fn sso_command(
    app: &TestApp,
    oidc: Option<app::accounts::sso::ProviderSettings>,
    args: &[&str],
) -> Result<String, String> {
    let action = server::cli::parse_sso_command(args).map_err(|e| format!("{e:#}"))?;
    let mut config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    config.oidc = oidc;
    let mut out = Vec::new();
    server::cli::sso::run_to(&config, action, &mut out)
        .await
        .map(|()| String::from_utf8(out).unwrap())
        .map_err(|e| format!("{e:#}"))
}

async fn the_command_line_manages_single_sign_on_as_the_page_does(backend: Backend) {
    if !providers_available() {
        return;
    }
    let (app, provider) =
        app_with_provider(backend, json!({ "lan": lan(&["xa-25195-lanh-dao"]) })).await;
    app.add_user("can-bo-xa", "commune_officer", "25195").await;
    app.add_user("so-noi-vu", "province_admin", "").await;
    let oidc = Some(provider.settings());

    let mapped = sso_command(
        &app,
        None,
        &[
            "hailong",
            "sso",
            "map",
            "--claim",
            "groups",
            "--value",
            "xa-25195-lanh-dao",
            "--role",
            "commune_leader",
            "--unit",
            "25195",
        ],
    )
    .await;
    let refused = sso_command(
        &app,
        None,
        &[
            "hailong", "sso", "map", "--claim", "groups", "--value", "x", "--role", "thu-ky",
        ],
    )
    .await;
    let listed = sso_command(&app, None, &["hailong", "sso", "mappings"]).await;
    let signed_in = sign_in(&app, &provider, "lan").await;
    let without_provider = sso_command(&app, None, &["hailong", "sso", "require", "on"]).await;
    let required = sso_command(&app, oidc.clone(), &["hailong", "sso", "require", "on"]).await;
    let officer_refused = app.try_login("can-bo-xa", hailong_tests::PASSWORD).await;
    let glass = sso_command(
        &app,
        oidc,
        &[
            "hailong",
            "sso",
            "break-glass",
            "--username",
            "can-bo-xa",
            "on",
        ],
    )
    .await;
    let officer_in = app.try_login("can-bo-xa", hailong_tests::PASSWORD).await;
    let typo = sso_command(&app, None, &["hailong", "sso", "require", "yes"]).await;

    assert!(
        mapped
            .as_ref()
            .is_ok_and(|out| out.contains("groups = xa-25195-lanh-dao")),
        "{mapped:?}"
    );
    let refused = refused.unwrap_err();
    assert!(refused.contains("role: Vai trò không hợp lệ."), "{refused}");
    assert!(listed.unwrap().contains("Lãnh đạo xã, đơn vị 25195"));
    assert_eq!(signed_in.location(), Some("/commune"));
    assert!(without_provider.unwrap_err().contains("Chưa kết nối"));
    assert!(required.is_ok(), "{required:?}");
    assert_eq!(officer_refused.status, StatusCode::FORBIDDEN);
    assert!(glass.is_ok(), "{glass:?}");
    assert_eq!(officer_in.status, StatusCode::SEE_OTHER);
    assert!(typo.is_err());
    let by_command_line = app
        .store()
        .list_audit(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.actor == "command line"
                && (e.action.starts_with("sso_") || e.action == "break_glass_set")
        })
        .count();
    assert_eq!(
        by_command_line, 3,
        "mapping, requirement and break-glass audited"
    );
}

both_backends!(
    the_command_line_manages_single_sign_on_as_the_page_does,
    a_mapped_person_gets_an_account_and_lands_on_their_commune,
    claims_choose_the_role_and_unit_and_each_change_is_audited,
    a_person_nothing_maps_is_refused_and_nothing_is_created,
    an_existing_account_is_linked_once_by_a_verified_email,
    requiring_single_sign_on_keeps_only_break_glass_passwords,
    single_sign_on_cannot_be_required_without_a_provider,
    signing_out_ends_the_session_here_and_at_the_province,
    the_session_follows_todays_rules,
    after_signing_in_only_a_path_of_this_site_is_followed,
    a_provider_down_gives_a_clear_message_and_passwords_still_work,
    the_admin_page_shows_what_to_register_and_refuses_bad_mappings,
);
