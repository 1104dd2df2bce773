//! The Content-Security-Policy in a real browser: the survey island hydrates and submits, the
//! dashboard's live figures connect, and Chromium reports no violation on any page, while an
//! inline script that the page did not mark with its nonce is refused.

use app::store::Backend;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use hailong_tests::browser::{browser_available, Browser, RunningApp};
use serde_json::json;

/// chromedriver's passage to the DevTools protocol: here, a script run at the start of every
/// document, before the page's own, outside the page's policy.
#[derive(Debug)]
struct OnEveryDocument(&'static str);

impl WebDriverCompatibleCommand for OnEveryDocument {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({
            "cmd": "Page.addScriptToEvaluateOnNewDocument",
            "params": { "source": self.0 },
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Records every violation the browser reports, in this tab's session storage so that it
/// survives the navigations between pages.
const RECORD_VIOLATIONS: &str = "document.addEventListener('securitypolicyviolation', (e) => {
    const seen = JSON.parse(sessionStorage.getItem('csp') || '[]');
    seen.push(location.pathname + ': ' + e.effectiveDirective + ' ' + (e.blockedURI || 'inline'));
    sessionStorage.setItem('csp', JSON.stringify(seen));
});";

async fn violations(c: &Client) -> Vec<String> {
    let seen = c
        .execute("return sessionStorage.getItem('csp') || '[]';", vec![])
        .await
        .unwrap();
    serde_json::from_str(seen.as_str().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_run_their_scripts_without_a_policy_violation() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    let desk = app.desk_of("25195").await.public_code;
    let browser = Browser::start(true).await;
    let c = &browser.client;
    c.issue_cmd(OnEveryDocument(RECORD_VIOLATIONS))
        .await
        .expect("chromedriver runs DevTools commands");

    // A citizen: the island hydrates and sends the answers itself.
    c.goto(&app.url(&format!("/q/{desk}"))).await.unwrap();
    browser.wait_hydrated().await;
    crate::answer_the_survey(&browser).await;
    crate::submit(&browser).await;
    browser.wait_url(|u| u.ends_with("/thanks")).await;
    assert_eq!(app.state.store.count_responses().await.unwrap(), 1);

    // Staff: the dashboard's script connects its live figures; a plain error page; the kiosk.
    browser.sign_in(&app, "leader25195").await;
    browser.wait_url(|u| u.ends_with("/commune")).await;
    c.wait()
        .for_element(Locator::Css("table.live[data-live='true']"))
        .await
        .expect("the live figures connect");
    c.goto(&app.url("/admin/audit.csv")).await.unwrap();
    c.goto(&app.url("/kiosk")).await.unwrap();
    c.goto(&app.url("/")).await.unwrap();
    assert_eq!(violations(c).await, Vec::<String>::new());

    // The recorder works: an inline script the page did not mark is refused and reported.
    c.execute(
        "const s = document.createElement('script'); \
         s.textContent = 'window.__ran = true;'; document.body.appendChild(s);",
        vec![],
    )
    .await
    .unwrap();
    let ran = c
        .execute("return window.__ran === true;", vec![])
        .await
        .unwrap();
    assert_eq!(ran, json!(false), "an unmarked inline script does not run");
    let mut seen = violations(c).await;
    for _ in 0..20 {
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        seen = violations(c).await;
    }
    assert!(
        seen.iter().any(|v| v.contains("script-src")),
        "the refusal is reported: {seen:?}"
    );
    browser.close().await;
}
