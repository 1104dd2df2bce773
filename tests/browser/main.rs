//! Browser tests in headless Chromium: a citizen scans the QR code (opens the desk's URL),
//! answers by tapping faces and sees the thank-you page, with JavaScript on and with it off.

mod assessment;
mod csp;
mod dashboard;
mod exports;
mod kiosk;
mod languages;
mod map;
mod overview;
mod sso;
mod staff_forms;
mod survey_v2;

use app::store::Backend;
use fantoccini::Locator;
use hailong_tests::browser::{browser_available, Browser, RunningApp};

/// Taps the answers a citizen would give: faces for the five scale questions, one visit, a comment.
async fn answer_the_survey(browser: &Browser) {
    let c = &browser.client;
    for (question, level) in [
        ("overall", "5"),
        ("access", "4"),
        ("procedures", "4"),
        ("civil_servants", "5"),
        // The result is asked once it was received (survey v2).
        ("result_received", "yes"),
        ("results", "4"),
    ] {
        c.find(Locator::Css(&format!("label[for='q-{question}-{level}']")))
            .await
            .expect("face label")
            .click()
            .await
            .expect("tap a face");
    }
    c.find(Locator::Css("label[for='q-visits-1']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("q-comment"))
        .await
        .unwrap()
        .send_keys("Nhanh gọn, cảm ơn cán bộ.")
        .await
        .unwrap();
}

async fn submit(browser: &Browser) {
    browser
        .client
        .find(Locator::Css("button.submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_to_thanks_with_javascript() {
    scan_to_thanks_with_javascript_on(Backend::Sqlite).await;
}

/// The same visit with the app on PostgreSQL: the island's server call and the stored response
/// go through the other database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_to_thanks_with_javascript_on_postgres() {
    if !hailong_tests::postgres_available().await {
        return;
    }
    scan_to_thanks_with_javascript_on(Backend::Postgres).await;
}

async fn scan_to_thanks_with_javascript_on(backend: Backend) {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(backend).await;
    let code = app.state.store.list_current_desks(None).await.unwrap()[0]
        .public_code
        .clone();
    let browser = Browser::start(true).await;
    let c = &browser.client;

    c.goto(&app.url(&format!("/q/{code}"))).await.unwrap();
    browser.wait_hydrated().await;
    // Marks this document: it survives only if the form is sent without a page load.
    c.execute("window.__same_document = true;", vec![])
        .await
        .unwrap();
    // A first attempt with nothing answered shows the errors in place.
    submit(&browser).await;
    c.wait()
        .for_element(Locator::Id("err-overall"))
        .await
        .expect("error next to the first question");
    let same_document = c
        .execute("return window.__same_document === true;", vec![])
        .await
        .unwrap();
    assert_eq!(
        same_document,
        serde_json::json!(true),
        "errors shown in place by the island, without a page load"
    );
    // The first question with an error takes the focus, once its message is drawn.
    let mut focused = serde_json::Value::Null;
    for _ in 0..20 {
        focused = c
            .execute(
                "return document.activeElement && document.activeElement.name;",
                vec![],
            )
            .await
            .unwrap();
        if focused == serde_json::json!("overall") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        focused,
        serde_json::json!("overall"),
        "focus on the first error"
    );
    assert_eq!(app.state.store.count_responses().await.unwrap(), 0);

    // On the narrowest phones the five faces stay on one line, in scale order.
    for width in [360, 320] {
        c.set_window_size(width, 740).await.unwrap();
        assert_faces_in_one_row(c, width, "").await;
    }

    // Large type, asked for with the link above the form, still keeps the faces on one row at
    // 360 px, and holds to the thank-you page.
    c.set_window_size(360, 740).await.unwrap();
    c.find(Locator::Css("p.text-size a"))
        .await
        .expect("the larger-text link")
        .click()
        .await
        .unwrap();
    browser.wait_hydrated().await;
    let root = c
        .execute(
            "return [document.documentElement.className, getComputedStyle(document.documentElement).fontSize];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(root, serde_json::json!(["large-type", "20px"]));
    assert_faces_in_one_row(c, 360, "large type, ").await;
    std::fs::write(
        hailong_tests::workspace_root()
            .join("target")
            .join("survey-large-type-360.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    answer_the_survey(&browser).await;
    submit(&browser).await;

    browser.wait_url(|u| u.ends_with("/thanks")).await;
    let large_thanks = c
        .execute("return document.documentElement.className;", vec![])
        .await
        .unwrap();
    assert_eq!(large_thanks, "large-type");
    let heading = c
        .wait()
        .for_element(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Cảm ơn ông/bà!");
    assert_eq!(app.state.store.count_responses().await.unwrap(), 1);
    browser.close().await;
}

/// The five faces of the overall question sit on one row, in scale order, inside a window
/// `width` px wide.
async fn assert_faces_in_one_row(c: &fantoccini::Client, width: u32, what: &str) {
    let rows = c
        .execute(
            "return [1,2,3,4,5].map(l => {\
               const r = document.querySelector(`label[for='q-overall-${l}']`).getBoundingClientRect();\
               return [Math.round(r.top), Math.round(r.left), Math.round(r.right)]; });",
            vec![],
        )
        .await
        .unwrap();
    let faces: Vec<(i64, i64, i64)> = serde_json::from_value(rows).unwrap();
    assert!(
        faces
            .windows(2)
            .all(|w| w[0].0 == w[1].0 && w[0].2 <= w[1].1),
        "{what}{width} px: one row, left to right: {faces:?}"
    );
    assert!(
        faces[4].2 <= i64::from(width),
        "{what}{width} px: inside the screen: {faces:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_to_thanks_without_javascript() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    let code = app.state.store.list_current_desks(None).await.unwrap()[0]
        .public_code
        .clone();
    let browser = Browser::start(false).await;
    let c = &browser.client;

    c.goto(&app.url(&format!("/q/{code}"))).await.unwrap();
    // Nothing answered: the server renders the form again with the errors.
    submit(&browser).await;
    let error = c
        .wait()
        .for_element(Locator::Id("err-overall"))
        .await
        .expect("error next to the first question")
        .text()
        .await
        .unwrap();
    assert!(!error.is_empty());
    answer_the_survey(&browser).await;
    submit(&browser).await;

    browser.wait_url(|u| u.ends_with("/thanks")).await;
    let heading = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "Cảm ơn ông/bà!");
    let hydrated = c
        .execute(
            "return document.body.getAttribute('data-hydrated');",
            vec![],
        )
        .await;
    // With scripts disabled even this probe fails or finds no mark: the page never hydrated.
    assert!(hydrated.map(|v| v.is_null()).unwrap_or(true));
    assert_eq!(app.state.store.count_responses().await.unwrap(), 1);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commune_leader_signs_in_and_out() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    app::accounts::users::add_user(
        &app.state,
        "leader25195",
        "Nguyễn Văn A",
        "commune_leader",
        "25195",
        hailong_tests::PASSWORD,
    )
    .await
    .unwrap();
    let browser = Browser::start(true).await;
    let c = &browser.client;

    // Staff pages are plain server-rendered forms (no islands to hydrate).
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("leader25195")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(hailong_tests::PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("button.submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    browser.wait_url(|u| u.ends_with("/commune")).await;
    let heading = c
        .wait()
        .for_element(Locator::Css("main h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(heading.contains("Phường Bình Phước"), "{heading}");
    let who = c
        .find(Locator::Css(".account-bar .who"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(who.contains("Nguyễn Văn A"), "{who}");

    c.find(Locator::Css(".account-bar button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_url(|u| u.ends_with("/login")).await;
    c.goto(&app.url("/commune")).await.unwrap();
    let refused = c
        .find(Locator::Css("main h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(refused, "Vui lòng đăng nhập", "signed out for good");
    browser.close().await;
}

/// The database runs out of room while a citizen answers: with and without JavaScript the page
/// says so in Vietnamese, keeps every answer, and the same press of "Gửi" later is thanked once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_keeps_the_answers_on_the_page_until_they_are_stored() {
    if !browser_available() {
        return;
    }
    let Some(disk) = hailong_tests::faults::SmallDisk::mount(16) else {
        return;
    };
    let app = RunningApp::start_on(hailong_tests::TestDb::sqlite_at(
        disk.path.join("hailong.db"),
    ))
    .await;
    let desks = app.state.store.list_current_desks(None).await.unwrap();
    // The disk fills up, and the write-ahead log's last room with it.
    disk.fill();
    let answers = vec![survey_definitions::Answer {
        question_id: "overall".into(),
        value: survey_definitions::AnswerValue::Scale(5),
    }];
    for n in 0.. {
        let key = format!("filler-{n:026}");
        let response =
            hailong_tests::qr_response(desks[2].id, &key, app::clock::now_ms(), &answers);
        if app.state.store.insert_response(&response).await.is_err() {
            break;
        }
    }
    let mut stored_before = app.state.store.count_responses().await.unwrap();

    for (javascript, desk) in [(true, &desks[0]), (false, &desks[1])] {
        let browser = Browser::start(javascript).await;
        let c = &browser.client;
        c.goto(&app.url(&format!("/q/{}", desk.public_code)))
            .await
            .unwrap();
        if javascript {
            browser.wait_hydrated().await;
        }
        answer_the_survey(&browser).await;
        submit(&browser).await;
        let message = c
            .wait()
            .for_element(Locator::Css("p.form-error"))
            .await
            .expect("the page says the rating was not stored")
            .text()
            .await
            .unwrap();
        assert!(message.contains("chưa lưu được đánh giá"), "{message}");
        let comment = c
            .find(Locator::Id("q-comment"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(comment.as_deref(), Some("Nhanh gọn, cảm ơn cán bộ."));
        let shot = c.screenshot().await.unwrap();
        std::fs::write(
            hailong_tests::workspace_root()
                .join("target")
                .join(format!("full-disk-js-{javascript}.png")),
            shot,
        )
        .unwrap();
        assert_eq!(
            app.state.store.count_responses().await.unwrap(),
            stored_before
        );

        disk.free();
        submit(&browser).await;
        browser.wait_url(|u| u.ends_with("/thanks")).await;
        stored_before += 1;
        assert_eq!(
            app.state.store.count_responses().await.unwrap(),
            stored_before
        );
        browser.close().await;
        if javascript {
            disk.fill();
            // Again exhaust what the log can still take before the second visit.
            for n in 0.. {
                let key = format!("filler-again-{n:020}");
                let response =
                    hailong_tests::qr_response(desks[2].id, &key, app::clock::now_ms(), &answers);
                if app.state.store.insert_response(&response).await.is_err() {
                    break;
                }
            }
        }
    }
}
