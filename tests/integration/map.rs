//! Today's map: the configured province with its communes as they are today and the pre-reform
//! communes they were formed from; answers given before the reform count for today's unit, once.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{both_backends, qr_response, TestApp};
use survey_definitions::{Answer, AnswerValue};

both_backends!(
    dong_nai_loads_with_its_history_and_a_second_load_changes_nothing,
    an_answer_at_tan_phu_in_march_2025_counts_for_binh_phuoc_once,
    a_poster_printed_before_the_reform_names_todays_unit,
    a_former_district_reviewer_sees_the_successor_communes,
    binh_phuocs_dashboard_names_tan_phu_and_its_answers_before_the_reform,
    ha_noi_gives_126_communes,
);

/// Phường Bình Phước (25195 from 1/7/2025) was formed from these six communes of the former
/// Thành phố Đồng Xoài.
const BINH_PHUOC_PREDECESSORS: [&str; 6] = [
    "Phường Tân Phú",
    "Phường Tân Bình",
    "Phường Tân Đồng",
    "Phường Tân Thiện",
    "Phường Tân Xuân",
    "Xã Tiến Hưng",
];

async fn dong_nai_loads_with_its_history_and_a_second_load_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = app.store();

    assert_eq!(store.count_current_communes().await.unwrap(), 95);
    let plan = server::startup::province_plan(&hailong_tests::test_config(
        &app.db.url,
        "127.0.0.1:3000".parse().unwrap(),
    ))
    .unwrap();
    let pre_reform = plan
        .units
        .iter()
        .filter(|u| u.level == "commune" && u.valid_to.as_deref() == Some("2025-07-01"))
        .count();
    assert_eq!(pre_reform, 270);
    // Written once at start-up: the same plan again changes nothing.
    let again = store.sync_province(&plan).await.unwrap();
    assert!(again.is_empty(), "{again:?}");

    let ward = store.commune_by_code("25195").await.unwrap().unwrap();
    assert_eq!(ward.name, "Phường Bình Phước");
    let sources = store
        .commune_answers_by_unit(
            ward.id,
            survey_definitions::DEFAULT_SURVEY_ID,
            "2025-01-01",
            "2025-12-31",
        )
        .await
        .unwrap();
    let names: Vec<&str> = sources
        .iter()
        .filter(|u| u.unit_id != ward.id)
        .map(|u| u.name.as_str())
        .collect();
    for name in BINH_PHUOC_PREDECESSORS {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert_eq!(names.len(), 6, "{names:?}");
}

fn overall(level: u8) -> Vec<Answer> {
    vec![Answer {
        question_id: "overall".into(),
        value: AnswerValue::Scale(level),
    }]
}

/// Milliseconds of `day` at 09:00 in Vietnam.
fn morning(day: &str) -> i64 {
    app::clock::midnight_ms(day).unwrap() + 9 * 3_600_000
}

async fn an_answer_at_tan_phu_in_march_2025_counts_for_binh_phuoc_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = app.store();
    let tan_phu = hailong_tests::pre_reform_desk(store, "Phường Tân Phú").await;
    let today_desk = store
        .list_current_desks(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.commune_code == "25195")
        .unwrap();
    let (a, b) = (overall(5), overall(2));
    store
        .insert_responses(&[
            qr_response(tan_phu.id, "map-march-2025", morning("2025-03-10"), &a),
            qr_response(today_desk.id, "map-august-2025", morning("2025-08-10"), &b),
        ])
        .await
        .unwrap();

    let ward = store.commune_by_code("25195").await.unwrap().unwrap();
    let year = (
        app::clock::midnight_ms("2025-01-01").unwrap(),
        app::clock::midnight_ms("2026-01-01").unwrap(),
    );
    let (responses, tallies) = store.tallies(year.0, year.1, None).await.unwrap();
    let of_ward: i64 = responses
        .iter()
        .filter(|r| r.unit_id == ward.id)
        .map(|r| r.responses)
        .sum();
    assert_eq!(of_ward, 2, "both answers count for Phường Bình Phước");
    let everywhere: i64 = responses.iter().map(|r| r.responses).sum();
    assert_eq!(everywhere, 2, "and nowhere else: {responses:?}");
    let satisfied: i64 = tallies
        .iter()
        .filter(|t| t.unit_id == ward.id && t.question_id == "overall" && t.level == 5)
        .map(|t| t.answers)
        .sum();
    assert_eq!(satisfied, 1);
    // The same figure for the commune alone.
    let (own, _) = store.tallies(year.0, year.1, Some(ward.id)).await.unwrap();
    assert_eq!(own.iter().map(|r| r.responses).sum::<i64>(), 2);
}

/// The dashboard's section on the units before the reorganisation, or `None` when it has none.
fn answer_sources_section(html: &str) -> Option<&str> {
    let start = html.find(r#"<section class="answer-sources""#)?;
    let end = html[start..].find("</section>")? + start;
    Some(&html[start..end])
}

/// The text of the section's row for `name`, tags removed and cells separated by `|`.
fn unit_row(section: &str, name: &str) -> String {
    let row = section
        .split("<tr")
        .find(|row| row.contains(name))
        .unwrap_or_else(|| panic!("a row for {name} in {section}"));
    // What follows `<tr`: the rest of its tag, then the cells.
    let cells = row.split_once('>').map_or("", |(_, cells)| cells);
    let mut text = String::new();
    let mut in_tag = false;
    for c in cells.split("</tr>").next().unwrap_or_default().chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push('|');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split('|')
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect::<Vec<_>>()
        .join("|")
}

async fn binh_phuocs_dashboard_names_tan_phu_and_its_answers_before_the_reform(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = app.store();
    let tan_phu = hailong_tests::pre_reform_desk(store, "Phường Tân Phú").await;
    let today_desk = store
        .list_current_desks(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.commune_code == "25195")
        .unwrap();
    app.add_user("leader25195", "commune_leader", "25195").await;
    let leader = app.login("leader25195").await;
    let before = app.get_as("/commune", Some(&leader.cookie)).await.text();
    assert!(
        answer_sources_section(&before).is_none(),
        "no section before any answer at a predecessor's desk"
    );
    let (a, b, c) = (overall(5), overall(4), overall(2));
    store
        .insert_responses(&[
            qr_response(tan_phu.id, "sources-march-1", morning("2025-03-10"), &a),
            qr_response(tan_phu.id, "sources-march-2", morning("2025-03-11"), &b),
            qr_response(today_desk.id, "sources-august", morning("2025-08-10"), &c),
        ])
        .await
        .unwrap();

    let page = app.get_as("/commune", Some(&leader.cookie)).await;
    let english = app.get_as("/commune?lang=en", Some(&leader.cookie)).await;

    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let section = answer_sources_section(&html).expect("the section on the units before");
    assert!(section.contains("Đơn vị trước sắp xếp"), "{section}");
    assert!(
        section.contains("10/03/2025"),
        "the period since the first answer: {section}"
    );
    assert_eq!(
        unit_row(section, "Phường Tân Phú"),
        "Phường Tân Phú|đến 30/06/2025|2"
    );
    assert_eq!(
        unit_row(section, "Phường Bình Phước"),
        "Phường Bình Phước (đơn vị hiện nay)|từ 01/07/2025|1"
    );
    for name in BINH_PHUOC_PREDECESSORS.iter().skip(1) {
        assert_eq!(
            unit_row(section, name),
            format!("{name}|đến 30/06/2025|0"),
            "listed without answers"
        );
    }
    let english = english.text();
    let section = answer_sources_section(&english).expect("the section in English");
    assert!(
        section.contains("Units before the reorganisation"),
        "{section}"
    );
    assert_eq!(
        unit_row(section, "Phường Tân Phú"),
        "Phường Tân Phú|until 30/06/2025|2"
    );
}

async fn a_poster_printed_before_the_reform_names_todays_unit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let store = app.store();
    let tan_phu = hailong_tests::pre_reform_desk(store, "Phường Tân Phú").await;

    let page = app.get(&format!("/q/{}", tan_phu.public_code)).await;

    let html = page.text();
    assert_ne!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        html.contains("Trung tâm Phục vụ hành chính công phường Bình Phước")
            || html.contains("Phường Bình Phước"),
        "the old poster leads to today's unit: {html}"
    );
}

async fn a_former_district_reviewer_sees_the_successor_communes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("reviewer689", "district_reviewer", "689")
        .await;
    let reviewer = app.login("reviewer689").await;

    let page = app.get_as("/desks", Some(&reviewer.cookie)).await;

    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Phường Bình Phước"), "{html}");
    assert!(html.contains("Phường Đồng Xoài"));
    assert!(
        !html.contains("Phường Phước Long"),
        "not another district's"
    );
}

async fn ha_noi_gives_126_communes(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.province = "01".into()).await;

    assert_eq!(app.store().count_current_communes().await.unwrap(), 126);
    let desks = app.store().list_current_desks(None).await.unwrap();
    assert_eq!(desks.len(), 126);
    assert!(desks.iter().all(|d| d.province_name == "Thành phố Hà Nội"));

    // An unknown province refuses to start and lists the valid codes.
    let mut config =
        hailong_tests::test_config("sqlite::memory:", "127.0.0.1:3000".parse().unwrap());
    config.province = "70".into();
    let error = match server::startup::build_state(&config).await {
        Ok(_) => panic!("province 70 no longer exists"),
        Err(e) => format!("{e:#}"),
    };
    assert!(error.contains("HAILONG_PROVINCE"), "{error}");
    assert!(error.contains("75"), "lists the valid codes: {error}");
}
