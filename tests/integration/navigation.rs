//! Pages that are not a role's own (refusals, "not found", refused forms) keep the navigation
//! bar and a plain way back; signed-in users are never offered to sign in.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{both_backends, TestApp};

both_backends!(
    every_error_page_has_the_bar_and_a_way_back,
    a_refused_new_user_form_comes_back_filled_with_every_problem,
);

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
    let desk = app.desk_of(COMMUNE).await.public_code;
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

async fn a_refused_new_user_form_comes_back_filled_with_every_problem(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("admin-nav", "province_admin", "").await;
    let admin = app.login("admin-nav").await;
    let cookie = Some(admin.cookie.as_str());
    let refused = app
        .post_as(
            "/admin/users",
            &[
                ("_csrf", &admin.csrf),
                ("username", "Ten Sai"),
                ("display_name", ""),
                ("role", "commune_officer"),
                ("unit", "99999"),
                ("email", "khong-phai-thu"),
                ("password", "ngan"),
            ],
            cookie,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    for field in ["username", "display_name", "unit", "email", "password"] {
        assert!(
            html.contains(&format!("id=\"err-new-{field}\"")),
            "{field}'s problem is shown under it"
        );
    }
    assert!(
        html.contains("Không tìm thấy xã có mã “99999”."),
        "{html:.3000}"
    );
    // What was typed is kept, the password excepted; the page keeps its bar.
    assert!(html.contains("value=\"Ten Sai\"") && html.contains("value=\"99999\""));
    assert!(html.contains("value=\"khong-phai-thu\""));
    assert!(
        !html.contains("value=\"ngan\""),
        "the password is not sent back"
    );
    assert!(bar(&html).contains("Đăng xuất"));
    assert!(app
        .store()
        .user_by_username("Ten Sai")
        .await
        .unwrap()
        .is_none());

    // A name already taken is told next to the name.
    let taken = app
        .post_as(
            "/admin/users",
            &[
                ("_csrf", &admin.csrf),
                ("username", "admin-nav"),
                ("display_name", "Người thứ hai"),
                ("role", "province_admin"),
                ("unit", ""),
                ("email", ""),
                ("password", "mot-mat-khau-dai"),
            ],
            cookie,
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = taken.text();
    let at = html
        .find("id=\"err-new-username\"")
        .expect("the name's problem");
    assert!(html[at..].contains("Tên đăng nhập này đã có người dùng."));

    // A user's row: a short new password and a wrong address are told under their fields.
    let id = app
        .store()
        .user_by_username("admin-nav")
        .await
        .unwrap()
        .unwrap()
        .id;
    let short = app
        .post_as(
            &format!("/admin/users/{id}/password"),
            &[("_csrf", &admin.csrf), ("password", "ngan")],
            cookie,
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = short.text();
    let at = html
        .find(&format!("id=\"err-pw-{id}\""))
        .expect("under the password");
    assert!(html[at..].contains("ít nhất 10 ký tự"));
    let wrong = app
        .post_as(
            &format!("/admin/users/{id}/email"),
            &[("_csrf", &admin.csrf), ("email", "khong-phai-thu")],
            cookie,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = wrong.text();
    assert!(html.contains(&format!("id=\"err-email-{id}\"")));
    assert!(
        html.contains("value=\"khong-phai-thu\""),
        "the address is kept"
    );
    assert!(bar(&html).contains("Đăng xuất"));
}
