//! Province staff move from the overview to a commune's dashboard and back; a citizen answers
//! meanwhile, and the overview, the dashboard's headline and its live table show the same figure
//! for the same commune and days, before and after.

use app::store::Backend;
use fantoccini::Locator;
use hailong_tests::browser::{browser_available, Browser, RunningApp};

const COMMUNE: &str = "25195";

async fn text(browser: &Browser, css: &str) -> String {
    browser
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The commune's satisfied share on the overview, opened afresh.
async fn overview_share(browser: &Browser, app: &RunningApp) -> String {
    browser.client.goto(&app.url("/overview")).await.unwrap();
    text(
        browser,
        &format!("tr[data-commune='{COMMUNE}'] td.share .figure"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_and_the_dashboard_agree_before_and_after_an_answer() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    app.add_user("admin-overview", "province_admin", "").await;
    let desk = app.desk_of(COMMUNE).await.public_code;
    let browser = Browser::start(true).await;
    let c = &browser.client;
    browser.sign_in(&app, "admin-overview").await;

    // Before any answer: no share anywhere, written the same way.
    assert_eq!(overview_share(&browser, &app).await, "—");
    c.find(Locator::Css(&format!(
        "tr[data-commune='{COMMUNE}'] td.name a"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    browser
        .wait_url(|u| u.ends_with(&format!("/commune?commune={COMMUNE}")))
        .await;
    c.wait()
        .for_element(Locator::Css("table.live[data-live='true']"))
        .await
        .expect("the live figures connect");
    assert_eq!(text(&browser, ".chairman .big-figure").await, "—");
    let dashboard = c.window().await.unwrap();

    // A citizen answers in a second window.
    let citizen = c.new_window(true).await.unwrap();
    c.switch_to_window(citizen.handle).await.unwrap();
    c.goto(&app.url(&format!("/q/{desk}"))).await.unwrap();
    crate::answer_the_survey(&browser).await;
    crate::submit(&browser).await;
    browser.wait_url(|u| u.ends_with("/thanks")).await;

    // The dashboard, never reloaded, moves its headline and its table together.
    c.switch_to_window(dashboard).await.unwrap();
    let mut headline = String::new();
    for _ in 0..30 {
        headline = text(&browser, ".chairman .big-figure").await;
        if headline != "—" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        headline, "100,0%",
        "the live update arrived within 3 seconds"
    );
    assert_eq!(
        headline,
        text(&browser, "tr[data-window='2'] .live-share").await
    );

    // Back to the overview by its link: the same figure for the commune.
    c.find(Locator::Css("p.back a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_url(|u| u.ends_with("/overview")).await;
    assert_eq!(
        text(
            &browser,
            &format!("tr[data-commune='{COMMUNE}'] td.share .figure")
        )
        .await,
        headline
    );

    // It prints on A4 landscape: the browser applies the named page to the overview.
    let page = c
        .execute(
            "const rules = [...document.styleSheets].flatMap(s => [...s.cssRules]);\
             const rule = rules.find(r => r instanceof CSSPageRule && r.selectorText === 'overview');\
             return [rule ? rule.style.size : null,\
                     getComputedStyle(document.querySelector('main.overview')).page];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(page, serde_json::json!(["a4 landscape", "overview"]));

    // Screenshots for a person to look at.
    for (width, height) in [(1280, 800), (360, 740)] {
        c.set_window_size(width, height).await.unwrap();
        c.goto(&app.url("/overview?sort=share")).await.unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(
            hailong_tests::workspace_root()
                .join("target")
                .join(format!("overview-{width}.png")),
            png,
        )
        .unwrap();
    }
    c.goto(&app.url("/no-such-page")).await.unwrap();
    std::fs::write(
        hailong_tests::workspace_root()
            .join("target")
            .join("not-found-signed-in.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    browser.close().await;
}
