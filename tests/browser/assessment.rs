//! A commune officer enters the self-assessment in Chromium and the commune leader submits it,
//! through the signed-in pages' plain forms, as they would at the commune office.

use app::store::Backend;
use fantoccini::Locator;
use hailong_tests::browser::{browser_available, Browser, RunningApp};

async fn click_button(browser: &Browser, value: &str) {
    browser
        .client
        .find(Locator::Css(&format!(
            "button[name='step'][value='{value}']"
        )))
        .await
        .unwrap_or_else(|_| panic!("a {value} button"))
        .click()
        .await
        .unwrap();
}

async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css} shown"))
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_enters_the_self_assessment_and_the_leader_submits_it() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    for (user, role) in [
        ("officer25195", "commune_officer"),
        ("leader25195", "commune_leader"),
    ] {
        app::accounts::users::add_user(
            &app.state,
            user,
            user,
            role,
            "25195",
            hailong_tests::PASSWORD,
        )
        .await
        .unwrap();
    }
    let set = app
        .state
        .criteria
        .iter()
        .find(|s| s.period.contains(&app::clock::today()))
        .expect("a set in force today")
        .clone();
    let browser = Browser::start(true).await;
    let c = &browser.client;

    // The officer opens the dossier from the menu and fills every criterion the commune enters.
    browser.sign_in(&app, "officer25195").await;
    c.find(Locator::LinkText("Tự đánh giá"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_url(|u| u.contains("/assessment")).await;
    assert_eq!(text_of(&browser, "[data-state]").await, "Đang nhập");
    for leaf in app::assessment::input::commune_leaves(&set) {
        let points = if leaf.source.is_bonus() {
            "1,5".to_string()
        } else {
            leaf.max.format(survey_definitions::Lang::Vi)
        };
        for (field, value) in [
            ("points", points),
            ("note", format!("Văn bản số 7/UBND về {}", leaf.id)),
            ("link", format!("https://vanban.example.vn/{}", leaf.id)),
        ] {
            c.find(Locator::Css(&format!("[id='{field}.{}']", leaf.id)))
                .await
                .unwrap()
                .send_keys(&value)
                .await
                .unwrap();
        }
    }
    click_button(&browser, "save").await;
    browser.wait_url(|u| u.contains("ok=saved")).await;
    assert_eq!(text_of(&browser, ".notice").await, "Đã lưu.");
    let kept = c
        .find(Locator::Css("[id='note.c1.plan']"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Văn bản số 7/UBND về c1.plan"));
    assert!(
        c.find(Locator::Css("button[value='submit']"))
            .await
            .is_err(),
        "an officer cannot submit"
    );

    // Sign out; the leader signs in, reviews and submits.
    c.find(Locator::Css(".account-bar button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_url(|u| u.ends_with("/login")).await;
    browser.sign_in(&app, "leader25195").await;
    c.goto(&app.url("/assessment")).await.unwrap();
    let points = c
        .find(Locator::Css("[id='points.c5.initiatives']"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        points.as_deref(),
        Some("1,5"),
        "the leader sees the officer's entries"
    );
    click_button(&browser, "submit").await;
    browser.wait_url(|u| u.contains("ok=submitted")).await;
    assert_eq!(
        text_of(&browser, ".notice").await,
        "Đã gửi hồ sơ tự đánh giá để thẩm định."
    );
    assert_eq!(
        text_of(&browser, "[data-state]").await,
        "Đã gửi, chờ thẩm định"
    );
    let commune = app
        .state
        .store
        .commune_by_code("25195")
        .await
        .unwrap()
        .unwrap();
    let dossier = app
        .state
        .store
        .assessment(commune.id, &set.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dossier.state, "submitted");
    let entries = app.state.store.entries(dossier.id).await.unwrap();
    assert_eq!(
        entries.len(),
        app::assessment::input::commune_leaves(&set).len()
    );
    assert!(entries
        .iter()
        .any(|e| e.leaf_id == "c5.initiatives" && e.self_points == Some(150)));
    browser.close().await;
}
