//! Pages that are not a role's own (refusals, "not found", refused forms) keep the navigation
//! bar and a plain way back; signed-in users are never offered to sign in.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{both_backends, TestApp};

both_backends!(
    every_error_page_has_the_bar_and_a_way_back,
    a_refused_new_user_form_comes_back_filled_with_every_problem,
    a_commune_leaders_refused_forms_come_back_filled_with_their_problems,
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

/// The text of the problem written under the field whose error has `id`.
fn problem_at<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("a problem with id {id}: {html:.4000}"));
    let rest = &html[at..];
    &rest[..rest.find("</p>").expect("the problem's paragraph ends")]
}

async fn a_commune_leaders_refused_forms_come_back_filled_with_their_problems(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("leader-forms", "commune_leader", COMMUNE)
        .await;
    let leader = app.login("leader-forms").await;
    let cookie = Some(leader.cookie.as_str());

    // Alerts: a wrong address and no choice at all, both told at once, the address kept.
    let alerts = app
        .post_as(
            "/alerts/settings",
            &[
                ("_csrf", &leader.csrf),
                ("email", "khong-phai-thu"),
                ("mode", ""),
            ],
            cookie,
        )
        .await;
    assert_eq!(alerts.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = alerts.text();
    assert!(
        problem_at(&html, "err-alert-email").contains("thư điện tử"),
        "{html:.3000}"
    );
    assert!(problem_at(&html, "err-alert-mode").contains("Vui lòng chọn một cách nhận thư báo."));
    assert!(
        html.contains("value=\"khong-phai-thu\""),
        "the address is kept"
    );
    assert!(
        html.contains("<h1>Thư báo phản ánh</h1>"),
        "the alerts page itself"
    );
    assert!(
        bar(&html).contains("Đăng xuất"),
        "refused alerts form: the page keeps its bar"
    );
    // What comes back is written as text: a value made to break out of its attribute does not.
    let hostile = "\"><script>alert(1)</script>";
    let echoed = app
        .post_as(
            "/alerts/settings",
            &[
                ("_csrf", &leader.csrf),
                ("email", hostile),
                ("mode", "each"),
            ],
            cookie,
        )
        .await;
    assert_eq!(echoed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !echoed.text().contains("<script>alert(1)"),
        "{:.3000}",
        echoed.text()
    );
    let contact = app.store().alert_contact(
        app.store()
            .user_by_username("leader-forms")
            .await
            .unwrap()
            .unwrap()
            .id,
    );
    assert_eq!(
        contact.await.unwrap().and_then(|c| c.email),
        None,
        "nothing was saved"
    );

    // Kiosk enrolment: a name over 60 characters and a desk that is not there; then a name
    // too long at a real desk, which stays chosen.
    let long_name = "Máy ".repeat(20);
    let unknown_desk = app
        .post_as(
            "/kiosks",
            &[
                ("_csrf", &leader.csrf),
                ("desk", "KHONG-CO"),
                ("label", &long_name),
            ],
            cookie,
        )
        .await;
    assert_eq!(unknown_desk.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = unknown_desk.text();
    assert!(problem_at(&html, "err-kiosk-label").contains("Tên máy tối đa 60 ký tự."));
    assert!(problem_at(&html, "err-kiosk-desk").contains("Không tìm thấy quầy tiếp nhận này."));
    assert!(
        bar(&html).contains("Đăng xuất"),
        "refused kiosk form: the page keeps its bar"
    );
    let desk = app.desk_of(COMMUNE).await.public_code;
    let long = app
        .post_as(
            "/kiosks",
            &[
                ("_csrf", &leader.csrf),
                ("desk", &desk),
                ("label", &long_name),
            ],
            cookie,
        )
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = long.text();
    assert!(
        html.contains(&format!("value=\"{long_name}\"")),
        "the name is kept"
    );
    assert!(
        html.contains(&format!("<option value=\"{desk}\" selected")),
        "the desk stays chosen: {html:.4000}"
    );
    assert!(!html.contains("id=\"err-kiosk-desk\""), "the desk was fine");
    assert!(
        app.store().list_kiosks(None).await.unwrap().is_empty(),
        "no code was made"
    );
}
