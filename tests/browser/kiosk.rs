//! A commune leader enrols a tablet as the desk's kiosk; citizens rate on it while the network
//! drops: the ratings wait in the tablet's queue, the screen says how many, and once the network
//! is back each one is stored exactly once.

use std::time::Duration;

use app::store::Backend;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use hailong_tests::browser::{browser_available, Browser, RunningApp};
use serde_json::json;

/// chromedriver's own command to emulate network conditions (DevTools' Network domain): with
/// `offline` every request of the page fails, as when the desk's Wi-Fi drops.
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/chromium/network_conditions",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({
            "network_conditions": {
                "offline": self.offline,
                "latency": 0,
                "download_throughput": -1,
                "upload_throughput": -1,
            }
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

async fn set_offline(c: &Client, offline: bool) {
    c.issue_cmd(NetworkConditions { offline })
        .await
        .expect("chromedriver emulates network conditions");
}

/// Polls a script until it returns `true`.
async fn wait_until(c: &Client, script: &str, what: &str) {
    for _ in 0..400 {
        let done = c
            .execute(script, vec![])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn pending(c: &Client) -> String {
    c.execute(
        "return document.querySelector('.kiosk-queue').getAttribute('data-pending');",
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or_default()
    .to_string()
}

async fn click(c: &Client, css: &str) {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// One citizen: a big face (once the lock-out after the previous citizen is over), one follow-up
/// answer, then "Xong"; waits for the screen to come back for the next citizen.
async fn rate(c: &Client, overall: u8) {
    wait_until(
        c,
        "return !document.querySelector('[data-step=rate]').hidden \
           && !document.querySelector('.kiosk-screen').hasAttribute('data-locked');",
        "the faces to take taps again",
    )
    .await;
    click(c, &format!("[data-step=rate] button[value='{overall}']")).await;
    click(
        c,
        ".kiosk-step:not([hidden]) button[data-kind=answer][value='4']",
    )
    .await;
    click(c, ".kiosk-step:not([hidden]) button[data-kind=done]").await;
    c.wait()
        .for_element(Locator::Css(".kiosk-thanks:not([hidden])"))
        .await
        .expect("thank-you screen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_ratings_wait_offline_and_are_sent_once_when_the_network_returns() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    let browser = Browser::start(true).await;
    let c = &browser.client;

    // The leader creates an enrolment code on the staff page...
    browser.sign_in(&app, "leader25195").await;
    browser.wait_url(|u| u.ends_with("/commune")).await;
    c.goto(&app.url("/kiosks")).await.unwrap();
    c.find(Locator::Id("kiosk-label"))
        .await
        .unwrap()
        .send_keys("Máy cửa số 1")
        .await
        .unwrap();
    click(c, "form[action='/kiosks'] button.submit").await;
    let code = c
        .wait()
        .for_element(Locator::Css(".kiosk-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // ... and types it on the tablet.
    c.goto(&app.url("/kiosk")).await.unwrap();
    c.find(Locator::Id("kiosk-code"))
        .await
        .unwrap()
        .send_keys(&code)
        .await
        .unwrap();
    click(c, "form[action='/kiosk/enrol'] button.submit").await;
    browser.wait_url(|u| u.ends_with("/kiosk")).await;
    wait_until(
        c,
        "return document.body.getAttribute('data-kiosk') === 'ready';",
        "the kiosk script to start",
    )
    .await;

    // Online: the rating is sent at once.
    rate(c, 5).await;
    wait_until(
        c,
        "return document.querySelector('.kiosk-queue').getAttribute('data-pending') === '0';",
        "the first rating to be sent",
    )
    .await;
    assert_eq!(app.state.store.count_responses().await.unwrap(), 1);

    // The network drops: the question is still read out (the tablet fetched its clip with the
    // page), and three citizens rate, their ratings waiting on the tablet.
    set_offline(c, true).await;
    wait_until(
        c,
        "return !document.querySelector('[data-step=rate]').hidden;",
        "the faces to come back",
    )
    .await;
    click(c, "form[data-step='rate'] details.speak summary").await;
    let (at, duration) = browser
        .play_audio("form[data-step='rate'] details.speak audio")
        .await;
    assert!(
        at > 0.2 && duration > 3.0,
        "played {at} s of {duration} s offline"
    );
    click(c, "form[data-step='rate'] details.speak summary").await;
    for overall in [4, 2, 5] {
        rate(c, overall).await;
    }
    wait_until(
        c,
        "return document.querySelector('.kiosk-queue').getAttribute('data-pending') === '3';",
        "three ratings queued",
    )
    .await;
    let shown = c
        .find(Locator::Css(".kiosk-queue"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shown, "3 lượt đánh giá đang chờ gửi");
    let queued = c
        .execute(
            "return JSON.parse(localStorage.getItem('hailong.kiosk.queue')).map(i => i.rating);",
            vec![],
        )
        .await
        .unwrap();
    let queued: Vec<serde_json::Value> = serde_json::from_value(queued).unwrap();
    assert_eq!(queued.len(), 3, "kept in localStorage: {queued:?}");
    let keys: Vec<String> = queued
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(app.state.store.count_responses().await.unwrap(), 1);

    // Back online: the queue empties, each rating stored once.
    set_offline(c, false).await;
    wait_until(
        c,
        "return document.querySelector('.kiosk-queue').getAttribute('data-pending') === '0';",
        "the queue to be sent",
    )
    .await;
    assert_eq!(
        c.find(Locator::Css(".kiosk-queue"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        ""
    );
    assert_eq!(app.state.store.count_responses().await.unwrap(), 4);
    for key in &keys {
        let (channel, kiosk) = app
            .state
            .store
            .response_channel(key)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("rating {key} stored"));
        assert_eq!(channel, "kiosk");
        assert!(kiosk.is_some());
    }
    // Sent at once, but tapped as people tap: no kiosk rule holds them.
    let stored: Vec<(i64, Option<String>)> =
        sqlx::query_as("select held, flags from responses order by id")
            .fetch_all(app.state.store.pool())
            .await
            .unwrap();
    for (held, flags) in &stored {
        assert_eq!(*held, 0, "{flags:?}");
        assert!(
            !flags.as_deref().unwrap_or_default().contains("kiosk_"),
            "{flags:?}"
        );
    }
    // Had an answer been lost on the way back, the tablet would send a rating again: thanked, not
    // stored twice.
    let resent = c
        .execute(
            "return fetch('/kiosk/ratings', {method: 'POST', \
               headers: {'content-type': 'application/json'}, body: JSON.stringify(arguments[0])}) \
             .then(r => r.json()).then(j => j.outcome);",
            vec![queued[0].clone()],
        )
        .await
        .unwrap();
    assert_eq!(resent, json!("duplicate"));
    assert_eq!(app.state.store.count_responses().await.unwrap(), 4);
    assert_eq!(pending(c).await, "0");

    // Revoked while its screen is open: the next rating stays queued and the tablet shows the
    // server's reason.
    let store = &app.state.store;
    let kiosk_id = store.list_kiosks(None).await.unwrap()[0].id;
    let leader = store
        .user_by_username("leader25195")
        .await
        .unwrap()
        .unwrap();
    store
        .revoke_kiosk(kiosk_id, leader.id, app::clock::now_ms())
        .await
        .unwrap();
    rate(c, 3).await;
    wait_until(
        c,
        "var n = document.querySelector('.kiosk-notice[data-status=\"403\"]'); \
         return !n.hidden && n.textContent.indexOf('thu hồi') >= 0;",
        "the refusal to show",
    )
    .await;
    assert_eq!(pending(c).await, "1");
    assert_eq!(store.count_responses().await.unwrap(), 4);
    browser.close().await;
}
