//! The leader of a commune formed on 1/7/2025 signs in and sees, on the dashboard, which units
//! before the reorganisation gave answers that its figures include, and how many each gave.

use app::store::Backend;
use fantoccini::Locator;
use hailong_tests::browser::{browser_available, Browser, RunningApp};
use hailong_tests::qr_response;
use survey_definitions::{Answer, AnswerValue};

/// Phường Bình Phước (25195) was formed from these six communes of the former Thành phố Đồng
/// Xoài; each gets answers at its desk before the reform, one more for each further unit.
const PREDECESSORS: [&str; 6] = [
    "Phường Tân Phú",
    "Phường Tân Bình",
    "Phường Tân Đồng",
    "Phường Tân Thiện",
    "Phường Tân Xuân",
    "Xã Tiến Hưng",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binh_phuocs_leader_sees_what_each_predecessor_contributed() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    let store = &app.state.store;
    store
        .ensure_history_desks("2025-01-01", "2025-07-01")
        .await
        .unwrap();
    let old_desks = store.list_desks_closed_by("2025-07-01").await.unwrap();
    let answers = vec![Answer {
        question_id: "overall".into(),
        value: AnswerValue::Scale(5),
    }];
    let mut responses = Vec::new();
    let mut keys = Vec::new();
    for (i, name) in PREDECESSORS.iter().enumerate() {
        let desk = old_desks
            .iter()
            .find(|d| d.commune_name == *name && d.replacement_commune.is_some())
            .unwrap_or_else(|| panic!("{name}'s desk before the reform"));
        // In March to June 2025, a few days apart, all before 1/7/2025.
        for n in 0..=i {
            let day = format!("2025-{:02}-{:02}", 3 + i % 4, 1 + 2 * n);
            keys.push((desk.id, format!("before-{i}-{n}"), day));
        }
    }
    for (desk, key, day) in &keys {
        let at = app::clock::midnight_ms(day).unwrap() + 9 * 3_600_000;
        responses.push(qr_response(*desk, key, at, &answers));
    }
    store.insert_responses(&responses).await.unwrap();
    app.add_user("leader25195", "commune_leader", "25195").await;
    let browser = Browser::start(true).await;
    let c = &browser.client;

    browser.sign_in(&app, "leader25195").await;
    browser.wait_url(|u| u.ends_with("/commune")).await;

    let section = c
        .find(Locator::Css("section.answer-sources"))
        .await
        .expect("the section on the units before the reorganisation");
    section
        .find(Locator::Css("h2"))
        .await
        .unwrap()
        .text()
        .await
        .map(|h| assert_eq!(h, "Đơn vị trước sắp xếp"))
        .unwrap();
    let mut seen = Vec::new();
    for row in section.find_all(Locator::Css("tbody tr")).await.unwrap() {
        let cells = row.find_all(Locator::Css("th, td")).await.unwrap();
        let mut text = Vec::new();
        for cell in cells {
            text.push(cell.text().await.unwrap());
        }
        seen.push(text);
    }
    for (i, name) in PREDECESSORS.iter().enumerate() {
        let row = seen
            .iter()
            .find(|r| r[0] == *name)
            .unwrap_or_else(|| panic!("{name} in {seen:?}"));
        assert_eq!(row[1], "đến 30/06/2025", "{name}");
        assert_eq!(row[2], (i + 1).to_string(), "{name}'s answers");
    }
    // Bình Phước's own desk has no answer yet.
    assert_eq!(
        seen.last().unwrap(),
        &["Phường Bình Phước (đơn vị hiện nay)", "từ 01/07/2025", "0"]
    );
    assert_eq!(seen.len(), 7, "{seen:?}");

    c.execute(
        "arguments[0].scrollIntoView();",
        vec![serde_json::to_value(&section).unwrap()],
    )
    .await
    .unwrap();
    let shot = c.screenshot().await.unwrap();
    std::fs::write(
        hailong_tests::workspace_root()
            .join("target")
            .join("binh-phuoc-answer-sources.png"),
        shot,
    )
    .unwrap();
    browser.close().await;
}
