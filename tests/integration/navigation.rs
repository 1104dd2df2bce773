//! Pages that are not a role's own (refusals, "not found", refused forms) keep the navigation
//! bar and a plain way back; signed-in users are never offered to sign in.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{both_backends, TestApp};

both_backends!(every_error_page_has_the_bar_and_a_way_back,);

const COMMUNE: &str = "25195";

/// The navigation bar of a page.
fn bar(html: &str) -> &str {
    let at = html
        .find("<nav class=\"account-bar\"")
        .unwrap_or_else(|| panic!("a navigation bar: {html}"));
    &html[at..at + html[at..].find("</nav>").unwrap()]
}

/// Checks a page refused with `status` as a signed-in commune leader sees it.
fn signed_in_page(html: &str, what: &str) {
    let nav = bar(html);
    assert!(
        nav.contains("href=\"/commune\""),
        "{what}: the leader's pages: {nav}"
    );
    assert!(nav.contains("Đăng xuất"), "{what}: signing out");
    assert!(
        !html.contains("href=\"/login\""),
        "{what}: no sign-in offered"
    );
    assert!(html.contains("href=\"/\""), "{what}: a way back");
    assert!(
        !html.contains("javascript:"),
        "{what}: links work without JavaScript"
    );
}

async fn every_error_page_has_the_bar_and_a_way_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("leader-nav", "commune_leader", COMMUNE).await;

    // Anonymous: sign in, or go home.
    let anonymous = app.get_as("/admin/users", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let html = anonymous.text();
    assert!(bar(&html).contains("href=\"/login\""));
    assert!(html.contains("href=\"/\""));
    let missing = app.get_as("/no-such-page", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(bar(&missing.text()).contains("href=\"/login\""));

    let leader = app.login("leader-nav").await;
    let cookie = Some(leader.cookie.as_str());
    let forbidden = app.get_as("/admin/users", cookie).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    signed_in_page(&forbidden.text(), "403 page");
    let missing = app.get_as("/no-such-page", cookie).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    signed_in_page(&missing.text(), "404 page");

    // A staff form refused by the server (a forged token) is written by the problem pages.
    let desk = app
        .store()
        .list_current_desks(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.commune_code == COMMUNE)
        .unwrap()
        .public_code;
    let refused = app
        .post_as(
            &format!("/desks/{desk}/name"),
            &[("_csrf", "forged"), ("name", "Quầy giả mạo")],
            cookie,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let html = refused.text();
    signed_in_page(&html, "refused form");
    assert!(html.contains("Quay lại"));

    // The home page sends a signed-in user to their pages instead of the sign-in form.
    let home = app.get_as("/", cookie).await.text();
    assert!(home.contains("Trang của tôi") && !home.contains("href=\"/login\""));
    let home = app.get_as("/", None).await.text();
    assert!(home.contains("href=\"/login\""));
}
