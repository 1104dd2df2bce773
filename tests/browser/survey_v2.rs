//! Survey version 2 on a 360 px phone, opened from a slip's QR (the dossier code filled in and
//! locked): with JavaScript the result question appears once the result is received; without
//! it both show and the form still posts. Screenshots go to `target/survey-v2-*.png`.

use app::store::Backend;
use fantoccini::Locator;
use hailong_tests::browser::{browser_available, Browser, RunningApp};

const CODE: &str = "000.00.14.H20-200703-0002";
const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 740.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survey_v2_at_360_px_with_javascript() {
    rate_a_dossier_at_360_px(Backend::Sqlite, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survey_v2_at_360_px_with_javascript_on_postgres() {
    if !hailong_tests::postgres_available().await {
        return;
    }
    rate_a_dossier_at_360_px(Backend::Postgres, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survey_v2_at_360_px_without_javascript() {
    rate_a_dossier_at_360_px(Backend::Sqlite, false).await;
}

async fn tap(browser: &Browser, input_id: &str) {
    browser.click(&format!("label[for='{input_id}']")).await;
}

async fn rate_a_dossier_at_360_px(backend: Backend, javascript: bool) {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(backend).await;
    let desk = app.state.store.list_current_desks(None).await.unwrap()[0]
        .public_code
        .clone();
    let browser = Browser::start(javascript).await;
    let c = &browser.client;
    c.set_window_size(WIDTH as u32, HEIGHT as u32)
        .await
        .unwrap();

    c.goto(&app.url(&format!("/q/{desk}?hs={CODE}")))
        .await
        .unwrap();
    if javascript {
        browser.wait_hydrated().await;
    }
    browser
        .screenshot(&format!("survey-v2-top-js-{javascript}.png"))
        .await;

    // One phone screen per question group, and nothing wider than the phone.
    let (_, _, page_width, _) = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .rectangle()
        .await
        .unwrap();
    assert!(page_width <= WIDTH, "the page is {page_width} px wide");
    for group in c.find_all(Locator::Css("form .q")).await.unwrap() {
        let (_, _, width, height) = group.rectangle().await.unwrap();
        assert!(
            width <= WIDTH && height <= HEIGHT,
            "a group of {width}×{height} px"
        );
    }
    // The overall question read out on tap: the disclosure opens the phone's own player, which
    // plays the clip (with JavaScript off, the same native player is there to tap).
    c.find(Locator::Css("fieldset.q details.speak summary"))
        .await
        .expect("a listen control on the first question")
        .click()
        .await
        .unwrap();
    let player = c
        .find(Locator::Css("fieldset.q details.speak[open] audio"))
        .await
        .expect("the player opens");
    assert!(player.is_displayed().await.unwrap());
    if javascript {
        let (at, duration) = browser.play_audio("details.speak[open] audio").await;
        assert!(at > 0.2 && duration > 3.0, "played {at} s of {duration} s");
    }
    browser
        .screenshot(&format!("survey-v2-listen-js-{javascript}.png"))
        .await;

    let dossier = c.find(Locator::Id("q-dossier_code")).await.unwrap();
    assert_eq!(dossier.prop("value").await.unwrap().as_deref(), Some(CODE));
    assert!(dossier.attr("readonly").await.unwrap().is_some(), "locked");

    tap(&browser, "q-overall-5").await;
    tap(&browser, "q-field-ho_tich").await;
    tap(&browser, "q-civil_servants-4").await;
    tap(&browser, "q-harassment-no").await;
    let result = c
        .find(Locator::Css("label[for='q-results-4']"))
        .await
        .unwrap();
    // Without JavaScript both questions show (the server ignores a result not received);
    // with it, the result question waits for "received".
    assert_eq!(result.is_displayed().await.unwrap(), !javascript);
    tap(&browser, "q-result_received-yes").await;
    assert!(result.is_displayed().await.unwrap());
    tap(&browser, "q-results-4").await;
    tap(&browser, "q-feedback-na").await;
    tap(&browser, "q-respondent-person").await;
    browser
        .screenshot(&format!("survey-v2-answered-js-{javascript}.png"))
        .await;
    c.find(Locator::Css("button.submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    browser.wait_url(|u| u.contains("/thanks")).await;
    let (id, version, dossier): (i64, i64, Option<String>) =
        sqlx::query_as("select id, survey_version, dossier_code from responses")
            .fetch_one(app.state.store.pool())
            .await
            .unwrap();
    assert_eq!((version, dossier.as_deref()), (2, Some(CODE)));
    let answers = app.state.store.answers_of(id).await.unwrap();
    let get = |q: &str| {
        answers
            .iter()
            .find(|a| a.question_id == q)
            .cloned()
            .unwrap()
    };
    assert_eq!(get("results").value_int, Some(4));
    assert_eq!(
        (
            get("feedback").value_int,
            get("feedback").value_text.as_deref()
        ),
        (None, Some("na"))
    );
    browser.close().await;
}
