//! The province overview: every commune in the reader's scope with the figures of its dashboard's
//! first screen, sortable and searchable, and the way from there to a commune's dashboard and
//! back; driven through HTTP as province staff's browsers do.

use app::store::responses::NewResponse;
use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{
    as_pairs, both_backends, device, key, qr_response, valid_answers, Session, TestApp,
};
use survey_definitions::{Answer, AnswerValue};

both_backends!(
    each_row_reads_what_the_commune_dashboard_reads,
    the_overview_sorts_searches_and_filters,
    each_reader_sees_the_communes_of_its_scope_only,
);

const COMMUNE: &str = "25195";
const OTHER: &str = "25217";
const DAY_MS: i64 = 86_400_000;

async fn desk_of(app: &TestApp, commune: &str) -> (i64, String) {
    let desk = app.desk_of(commune).await;
    (desk.id, desk.public_code)
}

/// Stores answers to the overall question at chosen ages in days.
async fn store_overall(app: &TestApp, commune: &str, ratings: &[(u8, i64)]) {
    let (desk, _) = desk_of(app, commune).await;
    let now = app::clock::now_ms();
    let answers: Vec<Vec<Answer>> = ratings
        .iter()
        .map(|(overall, _)| {
            vec![Answer {
                question_id: "overall".into(),
                value: AnswerValue::Scale(*overall),
            }]
        })
        .collect();
    let keys: Vec<String> = (0..ratings.len())
        .map(|i| format!("overview-{commune}-{i}"))
        .collect();
    let batch: Vec<NewResponse<'_>> = ratings
        .iter()
        .zip(&answers)
        .zip(&keys)
        .map(|(((_, age), answers), key)| qr_response(desk, key, now - age * DAY_MS, answers))
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
}

/// The text of the first element after `marker` (up to its first tag).
fn cell_text(html: &str, marker: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} shown"));
    let start = at + html[at..].find('>').unwrap() + 1;
    html[start..start + html[start..].find('<').unwrap()].to_string()
}

/// A commune's row of the overview table.
fn row<'a>(html: &'a str, code: &str) -> &'a str {
    let at = html
        .find(&format!("data-commune=\"{code}\""))
        .unwrap_or_else(|| panic!("commune {code} has a row"));
    &html[at..at + html[at..].find("</tr>").unwrap()]
}

/// The communes of the table, in its order.
fn codes(html: &str) -> Vec<String> {
    html.match_indices("data-commune=\"")
        .map(|(at, marker)| {
            let start = at + marker.len();
            html[start..start + html[start..].find('"').unwrap()].to_string()
        })
        .collect()
}

async fn page(app: &TestApp, session: &Session, path: &str) -> String {
    let page = app.get_as(path, Some(&session.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.text());
    page.text()
}

async fn admin(app: &TestApp) -> Session {
    app.add_user("admin-overview", "province_admin", "").await;
    app.login("admin-overview").await
}

/// (share, change, open) as the dashboard's first screen writes them.
fn dashboard_figures(html: &str) -> (String, String, String) {
    let panel = &html[html.find("class=\"chairman\"").expect("the panel")..];
    (
        cell_text(panel, "class=\"big-figure\""),
        cell_text(html, "data-live-key=\"change_30\""),
        cell_text(panel, "class=\"big-figure open-items\""),
    )
}

/// (share, change, open) as the overview's row writes them.
fn overview_figures(row: &str) -> (String, String, String) {
    (
        cell_text(row, "class=\"figure\""),
        cell_text(row, "class=\"num change"),
        cell_text(row, "class=\"num open"),
    )
}

async fn each_row_reads_what_the_commune_dashboard_reads(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Two days ago 5, 5, 4, 2 (75,0%); 35 days ago 5 and 45 days ago 1 (50,0%): a change of
    // +25,0 points and two complaints open, one of them older than the 30 days.
    store_overall(
        &app,
        COMMUNE,
        &[(5, 2), (5, 2), (4, 2), (2, 2), (5, 35), (1, 45)],
    )
    .await;
    let admin = admin(&app).await;
    let overview = page(&app, &admin, "/overview").await;
    assert!(overview.contains("<title>Tổng quan các xã, phường — Hài Lòng</title>"));
    let mine = row(&overview, COMMUNE);
    assert_eq!(
        overview_figures(mine),
        ("75,0%".into(), "▲ +25,0 điểm %".into(), "2".into())
    );
    assert_eq!(cell_text(mine, "class=\"num responses\""), "4");
    assert!(
        mine.contains("(30,0–95,5%)"),
        "the interval, checked with the Wilson formula in Python: {mine}"
    );

    // The name opens the commune's dashboard, which reads the same and links back.
    let link = format!("href=\"/commune?commune={COMMUNE}\"");
    assert!(mine.contains(&link));
    let dashboard = page(&app, &admin, &format!("/commune?commune={COMMUNE}")).await;
    assert_eq!(dashboard_figures(&dashboard), overview_figures(mine));
    assert!(dashboard.contains("href=\"/overview\""), "a way back");

    // A citizen answers (overall 1) through the survey form: both move the same way.
    let (_, public) = desk_of(&app, COMMUNE).await;
    let mut fields = valid_answers(&key(1));
    fields.retain(|(k, _)| *k != "dossier_code");
    for (k, v) in fields.iter_mut() {
        if *k == "overall" {
            *v = "1".into();
        }
    }
    let sent = app
        .post_form_as(
            &format!("/q/{public}"),
            &as_pairs(&fields),
            "10.0.0.1",
            Some(&device(1)),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let overview = page(&app, &admin, "/overview").await;
    let dashboard = page(&app, &admin, &format!("/commune?commune={COMMUNE}")).await;
    let mine = row(&overview, COMMUNE);
    assert_eq!(
        overview_figures(mine),
        ("60,0%".into(), "▲ +10,0 điểm %".into(), "3".into())
    );
    assert_eq!(dashboard_figures(&dashboard), overview_figures(mine));

    // The report buttons lead to the PDF reports of the periods they name.
    for (html, report) in [
        (&dashboard, "/reports/commune.pdf?commune=25195&amp;period="),
        (&overview, "/reports/province.pdf?period="),
    ] {
        let at = html
            .find(report)
            .unwrap_or_else(|| panic!("{report} offered"));
        let href = &html[at..at + html[at..].find('"').unwrap()];
        let pdf = app
            .get_as(&href.replace("&amp;", "&"), Some(&admin.cookie))
            .await;
        assert_eq!(pdf.status, StatusCode::OK, "{href}");
        assert!(pdf.body.starts_with(b"%PDF"), "{href} is a PDF");
        // Each is offered as an editable Word document too.
        let word = href.replacen(".pdf?", ".docx?", 1);
        assert!(html.contains(&word), "{word} offered");
        let docx = app
            .get_as(&word.replace("&amp;", "&"), Some(&admin.cookie))
            .await;
        assert_eq!(docx.status, StatusCode::OK, "{word}");
        assert_eq!(
            docx.headers["content-type"],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert!(docx.body.starts_with(b"PK"), "{word} is a Word package");
    }

    // A commune without answers says so instead of 0%.
    let quiet = row(&overview, OTHER);
    assert_eq!(cell_text(quiet, "class=\"figure\""), "—");
    assert_eq!(cell_text(quiet, "class=\"num change"), "—");
    assert!(quiet.contains("Chưa lập hồ sơ"), "{quiet}");
}

async fn the_overview_sorts_searches_and_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    store_overall(&app, COMMUNE, &[(5, 1), (2, 1)]).await; // 50,0%, one complaint
    store_overall(&app, OTHER, &[(5, 1), (5, 1), (4, 1)]).await; // 100,0%
    let admin = admin(&app).await;
    let all = codes(&page(&app, &admin, "/overview").await);
    let communes = app.store().count_current_communes().await.unwrap();
    assert_eq!(all.len() as i64, communes, "every commune in force");
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "by code at first");

    // Lowest share first, communes without answers last.
    let by_share = codes(&page(&app, &admin, "/overview?sort=share").await);
    assert_eq!(&by_share[..2], [COMMUNE, OTHER]);
    let by_answers = codes(&page(&app, &admin, "/overview?sort=answers").await);
    assert_eq!(&by_answers[..2], [OTHER, COMMUNE]);
    let by_backlog = codes(&page(&app, &admin, "/overview?sort=open").await);
    assert_eq!(by_backlog[0], COMMUNE);

    // Search by code, and by name typed without accents.
    let by_code = codes(&page(&app, &admin, &format!("/overview?q={COMMUNE}")).await);
    assert_eq!(by_code, [COMMUNE]);
    let name = app
        .store()
        .commune_by_code(OTHER)
        .await
        .unwrap()
        .unwrap()
        .name;
    let plain = app::overview::fold_for_search(&name);
    assert!(plain.is_ascii(), "{plain}");
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &plain)
        .finish();
    let by_name = codes(&page(&app, &admin, &format!("/overview?{query}")).await);
    assert!(
        by_name.contains(&OTHER.to_string()),
        "{name} found as {plain}"
    );

    // Only communes with complaints still open; the sort links keep the filter.
    let html = page(&app, &admin, "/overview?backlog=open").await;
    assert_eq!(codes(&html), [COMMUNE]);
    assert!(html.contains("href=\"/overview?backlog=open&amp;sort=share\""));
    let none = page(&app, &admin, "/overview?state=submitted").await;
    assert!(codes(&none).is_empty());
    assert!(none.contains("Không có xã, phường nào khớp với bộ lọc."));
}

async fn each_reader_sees_the_communes_of_its_scope_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("leader-overview", "commune_leader", COMMUNE)
        .await;
    app.add_user("reviewer-overview", "province_reviewer", "")
        .await;
    app::accounts::users::assign_communes(&app.state, "reviewer-overview", &[OTHER.to_string()])
        .await
        .expect("assign");

    let anonymous = app.get_as("/overview", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let leader = app.login("leader-overview").await;
    let refused = app.get_as("/overview", Some(&leader.cookie)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.text().contains("data-commune="));

    let reviewer = app.login("reviewer-overview").await;
    let html = page(&app, &reviewer, "/overview").await;
    assert_eq!(codes(&html), [OTHER], "only the assigned commune");
    let searched = page(&app, &reviewer, &format!("/overview?q={COMMUNE}")).await;
    assert!(
        codes(&searched).is_empty(),
        "a search does not widen the scope"
    );
}
