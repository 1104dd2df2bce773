//! A commune leader keeps the dashboard open; a citizen answers at the commune's desk in a second
//! window; the leader's figures change without a reload.

use app::store::Backend;
use fantoccini::Locator;
use hailong_tests::browser::{browser_available, Browser, RunningApp};

async fn live_count(browser: &Browser) -> String {
    browser
        .client
        .find(Locator::Css("tr[data-window='0'] .live-n"))
        .await
        .expect("today's figures")
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_counter_moves_when_a_citizen_answers_in_another_window() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    let desk_row = app.desk_of("25195").await;
    let desk = desk_row.public_code.clone();
    // A complaint of 45 days ago, never resolved: it stays in the backlog the leader sees.
    let old = app::clock::now_ms() - 45 * 86_400_000;
    let complaint = vec![survey_definitions::Answer {
        question_id: "overall".into(),
        value: survey_definitions::AnswerValue::Scale(1),
    }];
    app.state
        .store
        .insert_response(&hailong_tests::qr_response(
            desk_row.id,
            "old-complaint-of-45-days",
            old,
            &complaint,
        ))
        .await
        .unwrap();
    let browser = Browser::start(true).await;
    let c = &browser.client;

    browser.sign_in(&app, "leader25195").await;
    browser.wait_url(|u| u.ends_with("/commune")).await;
    // The island is connected to the stream once it marks the table.
    c.wait()
        .for_element(Locator::Css("table.live[data-live='true']"))
        .await
        .expect("the live figures connect");
    assert_eq!(live_count(&browser).await, "0");
    let backlog = c
        .find(Locator::Css("ul.feedback"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let when = app::clock::display(old);
    assert!(
        backlog.contains(&when[..10]),
        "the complaint of {when} is in the backlog: {backlog}"
    );
    let dashboard = c.window().await.unwrap();

    // A citizen answers in a second window.
    let citizen = c.new_window(true).await.unwrap();
    c.switch_to_window(citizen.handle).await.unwrap();
    c.goto(&app.url(&format!("/q/{desk}"))).await.unwrap();
    crate::answer_the_survey(&browser).await;
    crate::submit(&browser).await;
    browser.wait_url(|u| u.ends_with("/thanks")).await;

    // Back on the dashboard, never reloaded: the counter shows the answer.
    c.switch_to_window(dashboard.clone()).await.unwrap();
    let mut count = String::new();
    for _ in 0..30 {
        count = live_count(&browser).await;
        if count == "1" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(count, "1", "the live figures moved within 3 seconds");
    let share = c
        .find(Locator::Css("tr[data-window='0'] .live-share"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(share, "100,0%");

    // The chairman's headline is the table's 30-day figure, moved by the same update, and the
    // overall question's bar has grown to its new share.
    let text = |css: &'static str| async move {
        c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    };
    assert_eq!(text(".chairman .big-figure").await, "100,0%");
    assert_eq!(
        text(".chairman .big-figure").await,
        text("tr[data-window='2'] .live-share").await
    );
    let bar = c
        .execute(
            "return document.querySelector(\"tr[data-element='0'] meter\").value",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(bar.as_f64(), Some(100.0), "the bar moved with the figure");

    // A second citizen (another phone) complains: the open count moves, and the complaint's
    // own item appears in the follow-up list, marked new, without a reload.
    let notice_hidden = || async {
        c.execute(
            "return document.querySelector('.new-items').hidden;",
            vec![],
        )
        .await
        .unwrap()
    };
    assert_eq!(notice_hidden().await, serde_json::json!(true));
    let open_before = text(".chairman .open-items").await;
    // A reload would drop this mark.
    c.execute("window.neverReloaded = true;", vec![])
        .await
        .unwrap();
    let items_before = c
        .execute(
            "return document.querySelectorAll('ul.feedback li').length;",
            vec![],
        )
        .await
        .unwrap();
    let second = c.new_window(true).await.unwrap();
    c.switch_to_window(second.handle).await.unwrap();
    c.goto(&app.url(&format!("/q/{desk}"))).await.unwrap();
    c.delete_cookie("hl_dev").await.unwrap();
    c.goto(&app.url(&format!("/q/{desk}"))).await.unwrap();
    crate::answer_the_survey(&browser).await;
    c.find(Locator::Css("label[for='q-overall-1']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::submit(&browser).await;
    browser.wait_url(|u| u.ends_with("/thanks")).await;
    c.switch_to_window(dashboard).await.unwrap();
    let mut open_after = open_before.clone();
    for _ in 0..30 {
        open_after = text(".chairman .open-items").await;
        if open_after != open_before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        open_after.parse::<i64>().unwrap(),
        open_before.parse::<i64>().unwrap() + 1,
        "the complaint is counted live"
    );
    let mut new_item = serde_json::Value::Null;
    for _ in 0..30 {
        new_item = c
            .execute(
                "var li = document.querySelector('ul.feedback li.new'); \
                 return li && [li.getAttribute('data-followup'), li.textContent, \
                   !!li.querySelector(\"form[action^='/commune/followups/']\"), \
                   document.querySelectorAll('ul.feedback li').length, \
                   document.getElementById('theo-doi').textContent];",
                vec![],
            )
            .await
            .unwrap();
        if !new_item.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        new_item[0], "open",
        "the new complaint is listed: {new_item}"
    );
    assert!(
        new_item[1]
            .as_str()
            .unwrap()
            .contains("hài lòng chung: 1/5"),
        "{new_item}"
    );
    assert_eq!(new_item[2], true, "with its follow-up buttons");
    // The first citizen's answer, given after the page was loaded, comes in with it.
    assert!(
        new_item[3].as_i64().unwrap() > items_before.as_i64().unwrap(),
        "{new_item} after {items_before}"
    );
    assert!(
        new_item[4]
            .as_str()
            .unwrap()
            .contains(&format!("{open_after} chưa giải quyết")),
        "the list's heading counts it too: {new_item}"
    );
    assert_eq!(notice_hidden().await, serde_json::json!(true));
    assert_eq!(
        c.execute("return window.neverReloaded === true;", vec![])
            .await
            .unwrap(),
        serde_json::json!(true),
        "no reload"
    );
    // The new item in view, for a person to look at.
    c.execute(
        "document.querySelector('ul.feedback li.new').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    std::fs::write(
        hailong_tests::workspace_root()
            .join("target")
            .join("dashboard-new-complaint.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // A page the leader may not open keeps the leader's bar and a way back.
    c.goto(&app.url("/overview")).await.unwrap();
    let bar = c
        .find(Locator::Css("nav.account-bar"))
        .await
        .expect("the bar on the refusal")
        .text()
        .await
        .unwrap();
    assert!(
        bar.contains("Xã của tôi") && bar.contains("Đăng xuất"),
        "{bar}"
    );
    c.find(Locator::Css("main a[href='/']"))
        .await
        .expect("a way back");
    std::fs::write(
        hailong_tests::workspace_root()
            .join("target")
            .join("refused-leader-360.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // Screenshots of the first screen, for a person to look at.
    for (width, height) in [(1280, 800), (360, 740)] {
        c.set_window_size(width, height).await.unwrap();
        c.goto(&app.url("/commune")).await.unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(
            hailong_tests::workspace_root()
                .join("target")
                .join(format!("dashboard-{width}.png")),
            png,
        )
        .unwrap();
    }
    browser.close().await;
}
