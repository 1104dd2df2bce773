//! A supplied language in the browser: the survey's island installs the page's words before it
//! draws, so what it shows after hydration (the errors of a send, the thank-you page it goes to)
//! stays in that language, and it draws the same language switch as the server.
//! Screenshots: `target/survey-supplied-language-{top-,}360.png`, `target/survey-language-switch-1280.png`.

use app::store::Backend;
use fantoccini::Locator;
use hailong_tests::browser::{browser_available, Browser, RunningApp};
use hailong_tests::{definitions_copy, filled_template, PSEUDO_MARK};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supplied_language_stays_after_hydration() {
    if !browser_available() {
        return;
    }
    let dir = definitions_copy("browser-languages-xb");
    std::fs::create_dir_all(dir.join("translations")).unwrap();
    std::fs::write(
        dir.join("translations/xb.toml"),
        filled_template(&dir, "xb", "Xb-ngữ", &[]),
    )
    .unwrap();
    let app = RunningApp::start_with(Backend::Sqlite, |c| c.definitions_dir = dir.clone()).await;
    let code = app.state.store.list_current_desks(None).await.unwrap()[0]
        .public_code
        .clone();
    let browser = Browser::start(true).await;
    let c = &browser.client;
    // On a wide screen the Vietnamese page's switch holds both other languages.
    c.set_window_size(1280, 800).await.unwrap();
    c.goto(&app.url(&format!("/q/{code}"))).await.unwrap();
    browser.wait_hydrated().await;
    browser.screenshot("survey-language-switch-1280.png").await;
    c.set_window_size(360, 740).await.unwrap();

    // The citizen opens the Vietnamese page and picks the language by its own name. The island,
    // which draws the switch, takes over that page too: the browser draws the links the server
    // drew.
    c.goto(&app.url(&format!("/q/{code}"))).await.unwrap();
    browser.wait_hydrated().await;
    c.find(Locator::LinkText("Xb-ngữ"))
        .await
        .expect("the language switch offers Xb-ngữ")
        .click()
        .await
        .unwrap();
    browser.wait_hydrated().await;
    assert!(c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with("?lang=xb"));
    browser
        .screenshot("survey-supplied-language-top-360.png")
        .await;
    assert_eq!(
        browser.text_of("button.submit").await,
        format!("{PSEUDO_MARK}Gửi đánh giá")
    );

    // Sent with nothing answered: the island draws the errors, in the language.
    browser.click("button.submit").await;
    assert_eq!(
        browser.text_of("#err-overall").await,
        format!("{PSEUDO_MARK}Vui lòng trả lời câu hỏi này.")
    );
    let message = browser.text_of("form .form-error").await;
    assert!(message.starts_with(PSEUDO_MARK), "{message}");
    browser.screenshot("survey-supplied-language-360.png").await;

    // Answered and sent: the thanks, in the language; the answer stored with its code.
    browser.click("label[for='q-overall-4']").await;
    browser.click("button.submit").await;
    browser.wait_url(|u| u.ends_with("/thanks?lang=xb")).await;
    assert_eq!(
        browser.text_of("h1").await,
        format!("{PSEUDO_MARK}Cảm ơn ông/bà!")
    );
    let (lang,): (String,) = sqlx::query_as("select lang from responses")
        .fetch_one(app.state.store.pool())
        .await
        .unwrap();
    assert_eq!(lang, "xb");
    browser.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
