//! A commune leader signs in with the province's account in Chromium (issue 35): the sign-in
//! page's *Đăng nhập bằng tài khoản của tỉnh*, the province's own login form (the real
//! `oidc-provider` on loopback), back to her commune's page; then *Đăng xuất* ends her session
//! here and, through the province's sign-out page, there. The province admin's `/admin/sso` page
//! is drawn too. Screenshots at 360 and 1280 px are left in `target/` to be looked at.

use app::store::Backend;
use fantoccini::Locator;
use hailong_tests::browser::{browser_available, Browser, RunningApp};
use hailong_tests::oidc::{providers_available, settings, Provider, PROVIDER_PASSWORD};
use hailong_tests::process::free_port;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_signs_in_with_the_province_account_and_out_again() {
    signs_in_with_the_province_account(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_signs_in_with_the_province_account_on_postgres() {
    if !hailong_tests::postgres_available().await {
        return;
    }
    signs_in_with_the_province_account(Backend::Postgres).await;
}

async fn signs_in_with_the_province_account(backend: Backend) {
    if !browser_available() || !providers_available() {
        return;
    }
    // The provider's port is chosen first: the server is configured with it, and the provider,
    // asked only when someone signs in, starts once the server's address is known.
    let provider_port = free_port();
    let issuer = format!("http://127.0.0.1:{provider_port}");
    let app = RunningApp::start_with(backend, |c| {
        c.public_url = format!("http://{}", c.addr);
        c.oidc = Some(settings(&issuer));
    })
    .await;
    let provider = Provider::start_on(
        Some(provider_port),
        &app.url(""),
        &json!({
            "lan": {
                "sub": "tinh-0001",
                "name": "Nguyễn Thị Lan",
                "preferred_username": "lan.nt",
                "email": "lan.nt@binhphuoc.gov.vn",
                "email_verified": true,
                "groups": ["xa-25195-lanh-dao"],
            }
        }),
    );
    assert_eq!(provider.issuer, issuer);
    let mapping = app::accounts::sso::NewMapping {
        claim: "groups",
        value: "xa-25195-lanh-dao",
        role: "commune_leader",
        unit: "25195",
        unit_claim: "",
    };
    app::accounts::sso::add_mapping(&app.state, (None, "command line"), &mapping)
        .await
        .unwrap()
        .expect("a valid mapping");
    app.add_user("so-noi-vu", "province_admin", "").await;
    let browser = Browser::start(true).await;
    let c = &browser.client;

    c.set_window_size(360, 740).await.unwrap();
    c.goto(&app.url("/login")).await.unwrap();
    browser.screenshot("sso-login-360.png").await;
    c.set_window_size(1280, 800).await.unwrap();
    browser.screenshot("sso-login-1280.png").await;
    browser.click("#sso-sign-in").await;
    browser.wait_url(|u| u.starts_with(&issuer)).await;
    let at_province = browser.text_of("h1").await;
    for (id, value) in [("login", "lan"), ("password", PROVIDER_PASSWORD)] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    browser.click("#sign-in").await;
    let landed = browser
        .wait_url(|u| u.starts_with(&app.url("/")) && !u.contains("/login"))
        .await;
    let bar = browser.text_of("nav.account-bar .who").await;
    let heading = browser.text_of("main h1").await;
    browser.screenshot("sso-commune-1280.png").await;
    c.set_window_size(360, 740).await.unwrap();
    browser.screenshot("sso-commune-360.png").await;

    // Signing out: this session ends, then the province's sign-out page, confirmed.
    browser.click("nav.account-bar button.link-button").await;
    browser
        .wait_url(|u| u.starts_with(&format!("{issuer}/session/end")))
        .await;
    browser.click("#logout-yes").await;
    let after = browser
        .wait_url(|u| u.starts_with(&app.url("/login")))
        .await;
    c.goto(&app.url("/commune")).await.unwrap();
    let refused = browser.text_of("main h1").await;

    // The province admin's page of single sign-on.
    browser.sign_in(&app, "so-noi-vu").await;
    c.goto(&app.url("/admin/sso")).await.unwrap();
    let redirect = browser.text_of("#redirect-uri").await;
    browser.screenshot("sso-admin-360.png").await;
    c.execute(
        "document.querySelectorAll('.sso-table')[1].scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    browser.screenshot("sso-admin-accounts-360.png").await;
    c.set_window_size(1280, 800).await.unwrap();
    browser.screenshot("sso-admin-1280.png").await;
    browser.close().await;

    assert!(
        at_province.contains("Hệ thống xác thực tập trung"),
        "{at_province}"
    );
    assert_eq!(landed, app.url("/commune"));
    assert!(
        bar.contains("Nguyễn Thị Lan") && bar.contains("Lãnh đạo xã"),
        "{bar}"
    );
    assert!(heading.contains("Phường Bình Phước"), "{heading}");
    assert_eq!(after, app.url("/login"));
    assert_eq!(refused, "Vui lòng đăng nhập", "the session ended");
    assert_eq!(redirect, app.url("/login/oidc/callback"));
}
