//! Staff forms as their users fill them in Chromium: a commune leader enters the dossiers a
//! desk handled and reads the response rate it gives (and a refused count comes back in the
//! form), chooses how alerts arrive; the province admin makes and keeps a report and finds it
//! listed. Screenshots at 1280 and 360 px are left in `target/` for a person to look at.

use app::store::Backend;
use fantoccini::{Client, Locator};
use hailong_tests::browser::{browser_available, Browser, RunningApp};

const COMMUNE: &str = "25195";

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn fill(c: &Client, css: &str, value: &str) {
    let field = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(
        hailong_tests::workspace_root().join("target").join(name),
        png,
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_enters_dossiers_reads_the_response_rate_and_sets_alerts() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    app.add_user("leader-forms", "commune_leader", COMMUNE)
        .await;
    let desk = app.desk_of(COMMUNE).await;
    let browser = Browser::start(true).await;
    let c = &browser.client;

    // One citizen answers at the desk today.
    c.goto(&app.url(&format!("/q/{}", desk.public_code)))
        .await
        .unwrap();
    crate::answer_the_survey(&browser).await;
    crate::submit(&browser).await;
    browser.wait_url(|u| u.ends_with("/thanks")).await;

    browser.sign_in(&app, "leader-forms").await;
    c.set_window_size(1280, 800).await.unwrap();
    c.goto(&app.url("/commune")).await.unwrap();
    let row = format!("tr[data-desk='{}']", desk.public_code);
    assert_eq!(text(c, &format!("{row} td.rate")).await, "—");
    assert!(text(c, &format!("{row} td.note"))
        .await
        .contains("Chưa nhập số hồ sơ"));

    // A count that is not a number comes back in the form, with the problem under it.
    let today = app::clock::today();
    let choose_desk = format!("#dossier-desk option[value='{}']", desk.id);
    click(c, &choose_desk).await;
    // A date field takes its value in the browser's own format; the ISO day is set directly.
    c.execute(
        "document.getElementById('dossier-day').value = arguments[0];",
        vec![serde_json::json!(today)],
    )
    .await
    .unwrap();
    fill(c, "#dossier-handled", "nhiều").await;
    click(c, "form[action='/commune/dossiers'] button[type='submit']").await;
    let problem = c
        .wait()
        .for_element(Locator::Id("err-dossier-handled"))
        .await
        .expect("the problem under the count")
        .text()
        .await
        .unwrap();
    assert!(problem.contains("số nguyên từ 0 đến 100000"), "{problem}");
    let kept = c
        .find(Locator::Id("dossier-handled"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("nhiều"), "what was typed is kept");
    assert_eq!(
        c.find(Locator::Id("dossier-day"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(today.as_str())
    );
    assert!(
        c.find(Locator::Css(&format!("{choose_desk}:checked")))
            .await
            .is_ok(),
        "the desk stays chosen"
    );
    c.execute(
        "document.getElementById('err-dossier-handled').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    shot(c, "dossiers-refused-1280.png").await;

    // Four dossiers handled today: one answer of four, on the one day of thirty counted.
    fill(c, "#dossier-handled", "4").await;
    click(c, "form[action='/commune/dossiers'] button[type='submit']").await;
    browser.wait_url(|u| u.contains("ok=dossiers")).await;
    assert_eq!(text(c, &format!("{row} td.dossiers")).await, "4");
    assert_eq!(text(c, &format!("{row} td.rate")).await, "25,0%");
    let note = text(c, &format!("{row} td.note")).await;
    assert!(
        note.contains("Thiếu số hồ sơ 29/30 ngày"),
        "missing days said, never guessed: {note}"
    );
    c.execute(
        &format!("document.querySelector(\"{row}\").scrollIntoView();"),
        vec![],
    )
    .await
    .unwrap();
    shot(c, "dossiers-rate-1280.png").await;

    // Alerts: an address and a daily digest, saved and shown again as chosen.
    for (width, height) in [(1280, 800), (360, 740)] {
        c.set_window_size(width, height).await.unwrap();
        c.goto(&app.url("/alerts")).await.unwrap();
        fill(c, "#alert-email", "lanh.dao@xa.gov.vn").await;
        click(c, "label[for='mode-digest']").await;
        click(c, "form[action='/alerts/settings'] button[type='submit']").await;
        browser.wait_url(|u| u.contains("/alerts?ok=saved")).await;
        assert_eq!(text(c, "main p.notice").await, "Đã lưu.");
        c.goto(&app.url("/alerts")).await.unwrap();
        assert!(c.find(Locator::Css("#mode-digest:checked")).await.is_ok());
        let email = c
            .find(Locator::Id("alert-email"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(email.as_deref(), Some("lanh.dao@xa.gov.vn"));
        shot(c, &format!("alerts-{width}.png")).await;
    }
    let leader = app
        .state
        .store
        .user_by_username("leader-forms")
        .await
        .unwrap()
        .unwrap();
    let contact = app.state.store.alert_contact(leader.id).await.unwrap();
    assert_eq!(
        contact.map(|c| (c.email, c.alert_mode)),
        Some((Some("lanh.dao@xa.gov.vn".into()), "digest".into()))
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_province_admin_keeps_a_report_and_finds_it_listed() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    app.add_user("admin-kept", "province_admin", "").await;
    let browser = Browser::start(true).await;
    let c = &browser.client;
    browser.sign_in(&app, "admin-kept").await;
    c.set_window_size(1280, 800).await.unwrap();
    c.goto(&app.url("/reports")).await.unwrap();
    assert_eq!(text(c, "main h1").await, "Báo cáo đã lưu");
    assert_eq!(c.title().await.unwrap(), "Báo cáo đã lưu — Hài Lòng");
    assert!(text(c, "main")
        .await
        .contains("Chưa có báo cáo nào được lưu."));

    let period = c
        .find(Locator::Css("#kept-period option"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    click(c, "form[action='/reports/kept'] button[type='submit']").await;
    browser.wait_url(|u| u.contains("ok=kept")).await;
    assert_eq!(text(c, "main p.notice").await, "Đã lập và lưu báo cáo.");
    let row = text(c, "table.kept-table tbody tr").await;
    assert!(row.contains("Toàn tỉnh"), "{row}");
    assert!(row.contains(&period), "the chosen period {period}: {row}");
    assert!(row.contains("admin-kept"), "its maker: {row}");
    assert!(row.contains("Tải PDF") && row.contains("SHA-256"), "{row}");
    shot(c, "reports-kept-1280.png").await;

    // At 360 px the table scrolls inside the page rather than widening it.
    c.set_window_size(360, 740).await.unwrap();
    c.goto(&app.url("/reports")).await.unwrap();
    let widths = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let widths: Vec<i64> = serde_json::from_value(widths).unwrap();
    assert!(
        widths[0] <= widths[1],
        "no sideways scroll of the page at 360 px: {widths:?}"
    );
    c.execute(
        "document.querySelector('table.kept-table').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    shot(c, "reports-kept-360.png").await;
    browser.close().await;
}
