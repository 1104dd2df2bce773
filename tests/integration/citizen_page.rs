//! Details of the citizen's pages: a second rating from the same device is told when the page
//! opens, before anything is typed; the thank-you page draws the survey's own faces; and only
//! the page with an island (the survey form) loads the WASM.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{as_pairs, both_backends, device, key, valid_answers, TestApp};

both_backends!(
    a_second_rating_is_told_when_the_page_opens,
    only_the_survey_page_loads_the_wasm,
);

const NOTICE: &str = "Thiết bị này đã gửi một phiếu đánh giá cho quầy này lúc";

async fn a_second_rating_is_told_when_the_page_opens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let path = format!("/q/{code}");
    let mine = format!("hl_dev={}", device(7));
    let before = app.get_as(&path, Some(&mine)).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(!before.text().contains(NOTICE), "nothing rated yet");

    let mut fields = valid_answers(&key(7));
    fields.retain(|(k, _)| *k != "dossier_code");
    let sent = app
        .post_form_as(&path, &as_pairs(&fields), "10.0.0.7", Some(&device(7)))
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);

    // The same phone opens the survey again: told at once, with the time the window ends
    // (10 minutes by default), and the form is still there to read.
    let again = app.get_as(&path, Some(&mine)).await.text();
    let at = again.find(NOTICE).expect("the notice");
    let notice = &again[at..at + again[at..].find("</p>").unwrap()];
    let stored: (i64,) = sqlx::query_as("select max(created_at) from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    let until = app::clock::display_time(stored.0 + 10 * 60 * 1000);
    assert!(
        notice.contains(&app::clock::display_time(stored.0)) && notice.contains(&until),
        "{notice}"
    );
    assert!(
        again.contains("name=\"overall\""),
        "the form is still shown"
    );
    // Another phone is not told anything.
    let other = app
        .get_as(&path, Some(&format!("hl_dev={}", device(8))))
        .await
        .text();
    assert!(!other.contains(NOTICE));

    // What it says holds: a second answer now is not counted.
    let mut fields = valid_answers(&key(8));
    fields.retain(|(k, _)| *k != "dossier_code");
    let second = app
        .post_form_as(&path, &as_pairs(&fields), "10.0.0.7", Some(&device(7)))
        .await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store().count_responses().await.unwrap(), 1);
}

async fn only_the_survey_page_loads_the_wasm(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let survey = app.get(&format!("/q/{code}")).await.text();
    assert!(survey.contains(".wasm"), "the survey form is an island");
    app.add_user("leader-wasm", "commune_leader", "25195").await;
    let leader = app.login("leader-wasm").await;
    for (path, cookie) in [
        (format!("/q/{code}/thanks"), None),
        (format!("/q/{code}/poster"), None),
        ("/".to_string(), None),
        ("/no-such-page".to_string(), None),
        ("/commune".to_string(), Some(leader.cookie.as_str())),
    ] {
        let html = app.get_as(&path, cookie).await.text();
        assert!(!html.contains(".wasm"), "{path} preloads no WASM");
        assert!(!html.contains("hydrate"), "{path} hydrates nothing");
    }
    // The thank-you page draws the survey's face, not an emoji a cheap phone may lack.
    let thanks = app.get(&format!("/q/{code}/thanks")).await.text();
    assert!(thanks.contains("<use href=\"#face-5\""), "{thanks:.2000}");
    assert!(!thanks.contains('😊'));
}
