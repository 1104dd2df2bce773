//! Attacks on signing in with the province's accounts (issue 35): a forged, replayed or stolen
//! `state`, an answer of another provider, a provider's refusal, and ID tokens that are signed by
//! another key, unsigned, expired, for another application or issuer, or carry a wrong nonce
//! (from `forge.mjs`, which is otherwise a correct provider), and an unverified e-mail address.
//! Each is refused with nothing created, and audited. The person would be admitted otherwise: a
//! mapping gives their claims a role, and the same provider without a defect signs them in.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::oidc::{providers_available, Forger, ProviderBrowser};
use hailong_tests::{both_backends, set_cookie, TestApp, TestResponse, PUBLIC_URL};
use serde_json::json;

use crate::sso::{app_with_provider, begin, come_back};

fn person() -> serde_json::Value {
    json!({
        "sub": "tinh-0042",
        "email": "binh.lt@binhphuoc.gov.vn",
        "email_verified": true,
        "preferred_username": "binh.lt",
        "groups": ["xa-25195-can-bo"],
    })
}

async fn map_officer(app: &TestApp) {
    let mapping = app::accounts::sso::NewMapping {
        claim: "groups",
        value: "xa-25195-can-bo",
        role: "commune_officer",
        unit: "25195",
        unit_claim: "",
    };
    app::accounts::sso::add_mapping(&app.state, (None, "command line"), &mapping)
        .await
        .unwrap()
        .expect("the mapping is valid");
}

async fn accounts(app: &TestApp) -> usize {
    app.store().list_users().await.unwrap().len()
}

async fn failures(app: &TestApp) -> Vec<String> {
    app.store()
        .list_audit(500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "sso_failed")
        .map(|e| e.detail)
        .collect()
}

fn assert_refused(response: &TestResponse, status: StatusCode, case: &str) {
    assert_eq!(response.status, status, "{case}: {}", response.text());
    assert!(
        set_cookie(response, "hl_session").is_none(),
        "{case}: no session"
    );
    assert!(
        response.text().contains("id=\"password\""),
        "{case}: the sign-in page, with the local form"
    );
}

async fn forged_id_tokens_are_refused(backend: Backend) {
    if !providers_available() {
        return;
    }
    let forger = Forger::start(PUBLIC_URL, "none", &person());
    let settings = hailong_tests::oidc::settings(&forger.issuer);
    let app = TestApp::spawn_with(backend, |c| c.oidc = Some(settings)).await;
    map_officer(&app).await;
    let before = accounts(&app).await;

    let mut outcomes = Vec::new();
    for (defect, says) in [
        ("other_key", "chữ ký của mã định danh không hợp lệ"),
        ("no_kid_match", "chữ ký của mã định danh không hợp lệ"),
        ("alg_none", "mã định danh không có chữ ký"),
        ("expired", "đã hết hạn"),
        ("wrong_audience", "ứng dụng khác (aud)"),
        ("wrong_issuer", "nơi khác phát hành (iss)"),
        ("wrong_nonce", "nonce không khớp"),
    ] {
        forger.set_defect(defect).await;
        let begun = begin(&app, "/login/oidc").await;
        let mut browser = ProviderBrowser::default();
        let back = browser
            .follow(&begun.authorize_url, &forger.issuer)
            .await
            .unwrap_or_else(|page| panic!("{defect}: {}", page.body));
        let response = come_back(&app, &back, Some(&begun.sso_cookie)).await;
        let logged = failures(&app).await;
        outcomes.push((defect, says, response, logged, accounts(&app).await));
    }
    // The same provider without a defect signs the person in: the refusals were the defects'.
    forger.set_defect("none").await;
    let begun = begin(&app, "/login/oidc").await;
    let back = ProviderBrowser::default()
        .follow(&begun.authorize_url, &forger.issuer)
        .await
        .unwrap_or_else(|page| panic!("{}", page.body));
    let accepted = come_back(&app, &back, Some(&begun.sso_cookie)).await;

    for (defect, says, response, logged, count) in &outcomes {
        assert_refused(response, StatusCode::BAD_REQUEST, defect);
        assert!(response.text().contains("không hợp lệ"), "{defect}");
        assert_eq!(*count, before, "{defect}: nothing created");
        assert!(
            logged.iter().any(|d| d.contains(says)),
            "{defect}: audited as “{says}”: {logged:?}"
        );
    }
    assert_eq!(
        accepted.status,
        StatusCode::SEE_OTHER,
        "{}",
        accepted.text()
    );
    assert_eq!(accepted.location(), Some("/commune"));
    assert_eq!(accounts(&app).await, before + 1);
}

async fn a_forged_replayed_or_stolen_state_is_refused(backend: Backend) {
    if !providers_available() {
        return;
    }
    let (app, provider) = app_with_provider(backend, json!({ "binh": person() })).await;
    map_officer(&app).await;
    let before = accounts(&app).await;
    let mut browser = ProviderBrowser::default();

    // A state nobody began, with a code.
    let forged = app
        .get_as(
            "/login/oidc/callback?code=abc&state=made-up-state",
            Some("hl_sso=made-up"),
        )
        .await;
    let no_state = app.get("/login/oidc/callback?code=abc").await;
    // The victim's sign-in answered in the attacker's browser (no cookie, or its own).
    let begun = begin(&app, "/login/oidc").await;
    let back = browser
        .sign_in(&begun.authorize_url, &provider.issuer, "binh")
        .await;
    let attacker = begin(&app, "/login/oidc").await;
    let stolen = come_back(&app, &back, Some(&attacker.sso_cookie)).await;
    let stolen_bare = come_back(&app, &back, None).await;
    // After a refused try the state is gone: even its own browser cannot use it now.
    let after_theft = come_back(&app, &back, Some(&begun.sso_cookie)).await;
    // A good sign-in, then the same answer again.
    let begun = begin(&app, "/login/oidc").await;
    let back = browser
        .sign_in(&begun.authorize_url, &provider.issuer, "binh")
        .await;
    let good = come_back(&app, &back, Some(&begun.sso_cookie)).await;
    let replayed = come_back(&app, &back, Some(&begun.sso_cookie)).await;
    // An answer naming another provider as its issuer (a mix-up).
    let begun = begin(&app, "/login/oidc").await;
    let back = browser
        .sign_in(&begun.authorize_url, &provider.issuer, "binh")
        .await;
    let mixed = back.replace(
        &url::form_urlencoded::byte_serialize(provider.issuer.as_bytes()).collect::<String>(),
        "https%3A%2F%2Fevil.example",
    );
    let mix_up = come_back(&app, &mixed, Some(&begun.sso_cookie)).await;
    // The provider says no (the person cancelled at its page).
    let begun = begin(&app, "/login/oidc").await;
    let state = url::Url::parse(&begun.authorize_url)
        .unwrap()
        .query_pairs()
        .find(|(n, _)| n == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let cancelled = come_back(
        &app,
        &format!("{PUBLIC_URL}/login/oidc/callback?error=access_denied&state={state}"),
        Some(&begun.sso_cookie),
    )
    .await;

    for (case, response) in [
        ("forged state", &forged),
        ("no state", &no_state),
        ("state of another browser", &stolen),
        ("state without its browser", &stolen_bare),
        ("state used by a refused try", &after_theft),
        ("replayed state", &replayed),
        ("answer of another issuer", &mix_up),
    ] {
        assert_refused(response, StatusCode::BAD_REQUEST, case);
        assert!(
            response.text().contains("không hợp lệ, đã được dùng"),
            "{case}"
        );
    }
    assert_refused(&cancelled, StatusCode::UNAUTHORIZED, "cancelled");
    assert!(mixed != back, "the test changed the answer's issuer");
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.text());
    assert_eq!(
        accounts(&app).await,
        before + 1,
        "only the good sign-in made an account"
    );
    let logged = failures(&app).await;
    for says in [
        "state không do Hài Lòng cấp, đã được dùng hoặc bị giả mạo",
        "thiếu state",
        "state của một trình duyệt khác",
        "phản hồi của nơi phát hành khác",
        "hệ thống xác thực trả lỗi: access_denied",
    ] {
        assert!(
            logged.iter().any(|d| d.contains(says)),
            "audited: {says}: {logged:?}"
        );
    }
}

async fn an_unverified_email_links_no_account(backend: Backend) {
    if !providers_available() {
        return;
    }
    let mut claims = person();
    claims["email_verified"] = json!(false);
    claims["groups"] = json!([]);
    let (app, provider) = app_with_provider(backend, json!({ "binh": claims })).await;
    app.add_user("chu-tich-xa", "commune_leader", "25195").await;
    app::accounts::sso::set_email_link(
        &app.state,
        (None, "command line"),
        "chu-tich-xa",
        "binh.lt@binhphuoc.gov.vn",
    )
    .await
    .unwrap()
    .expect("a valid link");
    let before = accounts(&app).await;

    let begun = begin(&app, "/login/oidc").await;
    let back = ProviderBrowser::default()
        .sign_in(&begun.authorize_url, &provider.issuer, "binh")
        .await;
    let refused = come_back(&app, &back, Some(&begun.sso_cookie)).await;

    assert_refused(&refused, StatusCode::FORBIDDEN, "unverified e-mail");
    assert!(refused
        .text()
        .contains("chưa được hệ thống xác thực của tỉnh xác minh"));
    assert_eq!(accounts(&app).await, before);
    let chu_tich = app
        .store()
        .user_by_username("chu-tich-xa")
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.store()
            .sso_identity_user(&provider.issuer, "tinh-0042")
            .await
            .unwrap()
            .is_none(),
        "no identity was linked"
    );
    assert_eq!(
        app.store().sso_email_links().await.unwrap()[0].user_id,
        chu_tich.id,
        "the link still waits for its owner"
    );
    let refusals: Vec<_> = app
        .store()
        .list_audit(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "sso_refused")
        .collect();
    assert_eq!(refusals.len(), 1);
    assert!(refusals[0]
        .detail
        .contains("thư điện tử chưa được xác minh"));
}

async fn beginning_sign_ins_is_limited_per_address(backend: Backend) {
    if !providers_available() {
        return;
    }
    let (app, _provider) = app_with_provider(backend, json!({})).await;

    let mut statuses = Vec::new();
    for _ in 0..31 {
        statuses.push(app.get("/login/oidc").await.status);
    }

    assert!(
        statuses[..30].iter().all(|s| *s == StatusCode::SEE_OTHER),
        "{statuses:?}"
    );
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
}

both_backends!(
    forged_id_tokens_are_refused,
    a_forged_replayed_or_stolen_state_is_refused,
    an_unverified_email_links_no_account,
    beginning_sign_ins_is_limited_per_address,
);
