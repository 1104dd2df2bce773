//! The commune dashboard, its live stream and the follow-up of unfavourable feedback, driven
//! through HTTP as a commune leader's browser does.

use std::time::Duration;

use app::store::responses::NewResponse;
use app::store::Backend;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hailong_tests::{
    as_pairs, both_backends, device, downloaded_text, key, qr_response, valid_answers, Session,
    TestApp,
};
use http_body_util::BodyExt;
use survey_definitions::{Answer, AnswerValue, Lang};
use tower::ServiceExt;

both_backends!(
    the_dashboard_figures_match_the_stored_responses,
    the_live_stream_sends_new_figures_after_a_submission,
    other_communes_cannot_read_the_dashboard_or_its_stream,
    a_leader_follows_up_unfavourable_feedback_until_resolved,
    dossiers_handled_give_each_desk_a_response_rate,
    dossier_days_are_real_days_from_2000_to_today,
    an_excluded_response_leaves_the_figures,
    demo_data_and_dashboard_agree,
    the_headline_and_the_table_count_the_same_local_days,
    the_live_update_carries_every_figure_the_page_shows,
    english_pages_write_figures_with_a_decimal_point,
    generated_data_keeps_the_feedback_marks_and_fills_the_follow_up_list,
    the_first_screen_answers_the_chairman,
    a_comment_marked_as_a_complaint_is_followed_up_like_an_unfavourable_rating,
);

const COMMUNE: &str = "25195";
const DAY_MS: i64 = 86_400_000;

async fn staff(app: &TestApp) {
    app.add_user("leader25195", "commune_leader", COMMUNE).await;
    app.add_user("leader25217", "commune_leader", "25217").await;
    app.add_user("reviewer689", "district_reviewer", "689")
        .await;
}

async fn desk_of(app: &TestApp, commune: &str) -> (i64, String) {
    let desk = app.desk_of(commune).await;
    (desk.id, desk.public_code)
}

fn scale(id: &str, level: u8) -> Answer {
    Answer {
        question_id: id.into(),
        value: AnswerValue::Scale(level),
    }
}

/// Stores responses with chosen overall ratings at chosen ages (days before now).
async fn store_responses(app: &TestApp, desk_id: i64, ratings: &[(u8, i64)]) {
    let now = app::clock::now_ms();
    let answers: Vec<Vec<Answer>> = ratings
        .iter()
        .map(|(overall, _)| vec![scale("overall", *overall), scale("access", 5)])
        .collect();
    let keys: Vec<String> = (0..ratings.len())
        .map(|i| format!("seed-{desk_id}-{i}-{now}"))
        .collect();
    let batch: Vec<NewResponse<'_>> = ratings
        .iter()
        .zip(&answers)
        .zip(&keys)
        .map(|(((_, age), answers), key)| qr_response(desk_id, key, now - age * DAY_MS, answers))
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
}

/// The figures row of a window on the page: (responses, satisfied share).
fn window(html: &str, index: usize) -> (String, String) {
    let at = html
        .find(&format!("data-window=\"{index}\""))
        .unwrap_or_else(|| panic!("window {index} shown"));
    let row = &html[at..at + html[at..].find("</tr>").unwrap()];
    (
        cell_text(row, "class=\"num live-n\""),
        cell_text(row, "class=\"num live-share\""),
    )
}

/// The text of the first element after `marker` (an attribute in its start tag).
fn cell_text(html: &str, marker: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} shown"));
    let start = at + html[at..].find('>').unwrap() + 1;
    html[start..start + html[start..].find('<').unwrap()].to_string()
}

/// Every figure the page marks as kept current: (its path in the live JSON, its text).
fn live_cells(html: &str) -> Vec<(String, String)> {
    html.match_indices("data-live-key=\"")
        .map(|(at, marker)| {
            let key_start = at + marker.len();
            let key = &html[key_start..key_start + html[key_start..].find('"').unwrap()];
            // An empty figure renders as a blank text node.
            let text = cell_text(&html[at..], "data-live-key").trim().to_string();
            (key.to_string(), text)
        })
        .collect()
}

/// The value at a dotted path (`windows.2.figure.satisfied`) of the live JSON.
fn at_path<'a>(json: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    path.split('.')
        .fold(json, |value, part| match part.parse::<usize>() {
            Ok(i) => &value[i],
            Err(_) => &value[part],
        })
}

/// Every figure the page shows is in the live JSON with the same text.
fn assert_page_matches_stream(html: &str, json: &serde_json::Value) {
    let cells = live_cells(html);
    assert!(
        cells.len() > 20,
        "the page marks its figures: {}",
        cells.len()
    );
    for (key, text) in cells {
        assert_eq!(
            at_path(json, &key).as_str(),
            Some(text.as_str()),
            "{key} on the page and in the stream"
        );
    }
}

async fn dashboard(app: &TestApp, session: &Session) -> String {
    let page = app.get_as("/commune", Some(&session.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    page.text()
}

async fn the_dashboard_figures_match_the_stored_responses(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let (desk, _) = desk_of(&app, COMMUNE).await;
    // Today 3 (2 satisfied), 3 days ago 2 (1), 20 days ago 4 (4), 90 days ago 5 (0).
    store_responses(
        &app,
        desk,
        &[
            (5, 0),
            (4, 0),
            (1, 0),
            (5, 3),
            (2, 3),
            (4, 20),
            (4, 20),
            (5, 20),
            (5, 20),
            (1, 90),
            (1, 90),
            (2, 90),
            (2, 90),
            (3, 90),
        ],
    )
    .await;
    let (other_desk, _) = desk_of(&app, "25217").await;
    store_responses(&app, other_desk, &[(1, 0), (1, 0)]).await;
    let leader = app.login("leader25195").await;

    let html = dashboard(&app, &leader).await;

    assert_eq!(window(&html, 0), ("3".into(), "66,7%".into()), "today");
    assert_eq!(window(&html, 1), ("5".into(), "60,0%".into()), "7 days");
    assert_eq!(window(&html, 2), ("9".into(), "77,8%".into()), "30 days");
    // The period (the criteria set of today's year) holds every response of this year.
    let this_year_ago = |age: i64| {
        app::clock::day_of(app::clock::now_ms() - age * DAY_MS)
            >= format!("{}-01-01", &app::clock::today()[..4])
    };
    let in_period: Vec<i64> = [0, 3, 20, 90]
        .into_iter()
        .filter(|a| this_year_ago(*a))
        .collect();
    let expected = [(0, 3), (3, 2), (20, 4), (90, 5)]
        .iter()
        .filter(|(a, _)| in_period.contains(a))
        .map(|(_, n)| n)
        .sum::<i64>();
    assert_eq!(window(&html, 3).0, expected.to_string(), "period");
    // SIPAS: 9 answers to "access" in 30 days, all satisfied.
    assert!(html.contains("Tiếp cận dịch vụ"), "{html:.2000}");
    assert!(html.contains(">100,0%</td>"));
    // The trend chart is SVG in the page, one bar per day.
    assert_eq!(html.matches("<rect").count(), 30);
    assert!(html.contains("class=\"share-line\""));
    // Ratings that are not satisfied (1–3, `domain::followup`) not yet resolved, however old:
    // one today, one 3 days ago and the five of 90 days ago.
    assert!(html.contains("7 chưa giải quyết"), "{html:.3000}");
}

/// Reads the next server-sent event's data from a streaming body, waiting at most `wait`.
async fn next_event(body: &mut Body, wait: Duration) -> Option<String> {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .ok()??;
        if let Ok(data) = frame.ok()?.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
            if let Some(end) = text.find("\n\n") {
                let event = &text[..end];
                if let Some(line) = event.lines().find(|l| l.starts_with("data:")) {
                    return Some(line["data:".len()..].trim().to_string());
                }
                text = text[end + 2..].to_string();
            }
        }
    }
}

async fn the_live_stream_sends_new_figures_after_a_submission(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let (_, code) = desk_of(&app, COMMUNE).await;
    let leader = app.login("leader25195").await;
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get("/commune/live")
                .header(header::COOKIE, &leader.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut body = response.into_body();
    let first = next_event(&mut body, Duration::from_secs(5))
        .await
        .expect("the figures now");
    let figures: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(figures["windows"][0]["figure"]["responses"], "0");

    // A citizen answers at the commune's desk; a response elsewhere sends nothing.
    let (_, elsewhere) = desk_of(&app, "25217").await;
    let mut fields = valid_answers(&key(1));
    fields.retain(|(k, _)| *k != "dossier_code");
    let sent = app
        .post_form_as(
            &format!("/q/{elsewhere}"),
            &as_pairs(&fields),
            "10.0.0.1",
            Some(&device(1)),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert!(
        next_event(&mut body, Duration::from_millis(800))
            .await
            .is_none(),
        "another commune's response is not announced here"
    );
    let mut fields = valid_answers(&key(2));
    fields.retain(|(k, _)| *k != "dossier_code");
    let sent = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&fields),
            "10.0.0.2",
            Some(&device(2)),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let update = next_event(&mut body, Duration::from_secs(2))
        .await
        .expect("new figures within 2 seconds");
    let figures: serde_json::Value = serde_json::from_str(&update).unwrap();
    assert_eq!(
        figures["windows"][0]["figure"]["responses"], "1",
        "{update}"
    );
    assert_eq!(figures["windows"][0]["figure"]["satisfied"], "100,0%");
    assert_eq!(
        figures["all_time"]["figure"]["responses"], "1",
        "the headline moves with the table"
    );
}

async fn other_communes_cannot_read_the_dashboard_or_its_stream(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let other = app.login("leader25217").await;
    let page = app
        .get_as(&format!("/commune?commune={COMMUNE}"), Some(&other.cookie))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.text().contains("data-window"));
    let stream = app
        .get_as(
            &format!("/commune/live?commune={COMMUNE}"),
            Some(&other.cookie),
        )
        .await;
    assert_eq!(stream.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get_as("/commune/live", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The district's reviewer may watch the commune.
    let reviewer = app.login("reviewer689").await;
    let page = app
        .get_as(
            &format!("/commune?commune={COMMUNE}"),
            Some(&reviewer.cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("data-window=\"0\""));
    assert!(
        !page.text().contains("/commune/followups/"),
        "only the commune follows up its feedback"
    );
}

async fn a_leader_follows_up_unfavourable_feedback_until_resolved(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let (_, code) = desk_of(&app, COMMUNE).await;
    let mut fields = valid_answers(&key(7));
    for (k, v) in fields.iter_mut() {
        match *k {
            "overall" => *v = "1".into(),
            "comment" => *v = "Chờ quá lâu, không ai hướng dẫn.".into(),
            "dossier_code" => *v = String::new(),
            _ => {}
        }
    }
    let sent = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&fields),
            "10.0.0.3",
            Some(&device(3)),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let response_id: (i64,) = sqlx::query_as("select max(id) from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    let leader = app.login("leader25195").await;
    let html = dashboard(&app, &leader).await;
    assert!(html.contains("1 chưa giải quyết"));
    assert!(html.contains("data-followup=\"open\""));
    assert!(html.contains("Chờ quá lâu, không ai hướng dẫn."));

    let path = format!("/commune/followups/{}", response_id.0);
    let handling = app
        .post_as(
            &path,
            &[
                ("_csrf", &leader.csrf),
                ("state", "handling"),
                (
                    "note",
                    "Đã gọi điện xin lỗi, bố trí thêm cán bộ giờ cao điểm",
                ),
            ],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(handling.status, StatusCode::SEE_OTHER);
    let anchor = format!("y-kien-{}", response_id.0);
    assert_eq!(
        handling.headers.get(header::LOCATION).unwrap(),
        &format!("/commune?ok=followup#{anchor}"),
        "back where the leader was"
    );
    let html = dashboard(&app, &leader).await;
    assert!(html.contains(&format!("id=\"{anchor}\"")));
    assert!(html.contains("data-followup=\"handling\""));
    assert!(html.contains("Ghi chú xử lý: Đã gọi điện xin lỗi"));
    assert!(html.contains("1 chưa giải quyết"), "handling is still open");

    // A note over 1000 characters comes back in the dashboard, under its item, as typed;
    // nothing changes.
    let too_long = "Đã xử lý. ".repeat(101);
    let refused = app
        .post_as(
            &path,
            &[
                ("_csrf", &leader.csrf),
                ("state", "resolved"),
                ("note", &too_long),
            ],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    let error = format!("id=\"err-note-{}\"", response_id.0);
    let at = html.find(&error).expect("the problem under the note");
    assert!(
        html[at..].contains("Ghi chú dài quá 1000 ký tự (đang có 1009)."),
        "{}",
        &html[at..at + 300]
    );
    assert!(
        html.contains(&format!("value=\"{too_long}\"")),
        "the note is kept"
    );
    assert!(html.contains("account-bar"), "the dashboard with its bar");
    assert!(
        html.contains("data-followup=\"handling\""),
        "nothing changed"
    );

    let resolved = app
        .post_as(
            &path,
            &[
                ("_csrf", &leader.csrf),
                ("state", "resolved"),
                ("note", "Đã bố trí thêm quầy"),
            ],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER);
    assert!(dashboard(&app, &leader).await.contains("0 chưa giải quyết"));

    // Praise is listed with its comment but offers nothing to handle.
    let mut praise = valid_answers(&key(8));
    for (k, v) in praise.iter_mut() {
        match *k {
            "overall" => *v = "5".into(),
            "comment" => *v = "Cán bộ rất nhiệt tình.".into(),
            "dossier_code" => *v = String::new(),
            _ => {}
        }
    }
    let sent = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&praise),
            "10.0.0.4",
            Some(&device(4)),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let (praise_id,): (i64,) = sqlx::query_as("select max(id) from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    let html = dashboard(&app, &leader).await;
    let item = &html[html.find(&format!("id=\"y-kien-{praise_id}\"")).unwrap()..];
    let item = &item[..item.find("</li>").unwrap()];
    assert!(item.contains("Cán bộ rất nhiệt tình."));
    assert!(
        !item.contains("/commune/followups/"),
        "no buttons for praise: {item}"
    );

    // Another commune's leader, a bad state, a forged token.
    let other = app.login("leader25217").await;
    let refused = app
        .post_as(
            &path,
            &[("_csrf", &other.csrf), ("state", "handling"), ("note", "x")],
            Some(&other.cookie),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let bad = app
        .post_as(
            &path,
            &[("_csrf", &leader.csrf), ("state", "deleted"), ("note", "")],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let forged = app
        .post_as(
            &path,
            &[("_csrf", "x"), ("state", "handling"), ("note", "")],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let audit = app.store().list_audit(50).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "followup"
        && a.detail.starts_with("handling «Đã gọi điện xin lỗi")
        && a.detail.contains("→ resolved «Đã bố trí thêm quầy»")));
}

async fn dossiers_handled_give_each_desk_a_response_rate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let (desk, code) = desk_of(&app, COMMUNE).await;
    // Two responses today and one five days ago; dossiers are entered for today only.
    store_responses(&app, desk, &[(5, 0), (4, 0), (4, 5)]).await;
    let leader = app.login("leader25195").await;
    let today = app::clock::today();
    let posted = app
        .post_as(
            "/commune/dossiers",
            &[
                ("_csrf", &leader.csrf),
                ("desk", &desk.to_string()),
                ("day", &today),
                ("handled", "8"),
            ],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
    let html = dashboard(&app, &leader).await;
    let at = html.find(&format!("data-desk=\"{code}\"")).unwrap();
    let row = &html[at..at + html[at..].find("</tr>").unwrap()];
    assert_eq!(
        cell_text(row, "class=\"num rate\""),
        "25,0%",
        "today's 2 responses over today's 8 dossiers, not 3 over 8: {row}"
    );
    assert_eq!(cell_text(row, "class=\"num dossiers\""), "8");
    assert!(
        cell_text(row, "class=\"note\"").contains("Thiếu số hồ sơ 29/30 ngày"),
        "the days without a count are said to be missing: {row}"
    );
    assert!(!row.contains("data-problem"));

    // One dossier for two responses: shown as it is, above 100%, as a data problem.
    let posted = app
        .post_as(
            "/commune/dossiers",
            &[
                ("_csrf", &leader.csrf),
                ("desk", &desk.to_string()),
                ("day", &today),
                ("handled", "1"),
            ],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    let html = dashboard(&app, &leader).await;
    let at = html.find(&format!("data-desk=\"{code}\"")).unwrap();
    let start = html[..at].rfind("<tr").unwrap();
    let row = &html[start..at + html[at..].find("</tr>").unwrap()];
    assert_eq!(cell_text(row, "class=\"num rate\""), "200,0%", "{row}");
    assert!(row.contains("data-problem"), "{row}");
    assert!(cell_text(row, "class=\"note\"").contains("cần kiểm tra số liệu"));

    for (day, handled) in [
        ("2026-13-01", "5"),
        (today.as_str(), "nhiều"),
        ("2999-01-01", "1"),
    ] {
        let refused = app
            .post_as(
                "/commune/dossiers",
                &[
                    ("_csrf", &leader.csrf),
                    ("desk", &desk.to_string()),
                    ("day", day),
                    ("handled", handled),
                ],
                Some(&leader.cookie),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{day} {handled}"
        );
        // The dashboard again, the form filled as typed and the problem under its field.
        let html = refused.text();
        let field = if handled == "nhiều" {
            "handled"
        } else {
            "day"
        };
        assert!(
            html.contains(&format!("id=\"err-dossier-{field}\"")),
            "{day} {handled}"
        );
        assert!(html.contains(&format!("value=\"{handled}\"")));
        assert!(html.contains(&format!("<option value=\"{desk}\" selected")));
    }
    let (other_desk, _) = desk_of(&app, "25217").await;
    let refused = app
        .post_as(
            "/commune/dossiers",
            &[
                ("_csrf", &leader.csrf),
                ("desk", &other_desk.to_string()),
                ("day", &today),
                ("handled", "3"),
            ],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::NOT_FOUND,
        "not a desk of its commune"
    );
}

async fn dossier_days_are_real_days_from_2000_to_today(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let (desk, _) = desk_of(&app, COMMUNE).await;
    let leader = app.login("leader25195").await;
    let post = |day: String| {
        let (app, leader) = (&app, &leader);
        async move {
            app.post_as(
                "/commune/dossiers",
                &[
                    ("_csrf", &leader.csrf),
                    ("desk", &desk.to_string()),
                    ("day", &day),
                    ("handled", "4"),
                ],
                Some(&leader.cookie),
            )
            .await
        }
    };

    for day in [
        "0000-01-01",
        "-2026-12-01",
        "+2026-12-01",
        "1999-12-31",
        "2025-02-29",
        "2026-1-5",
    ] {
        let refused = post(day.to_string()).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{day}: {}",
            refused.text()
        );
        assert!(
            refused
                .text()
                .contains("Ngày phải có dạng năm-tháng-ngày và không ở tương lai."),
            "{day}"
        );
    }
    let (stored,): (i64,) = sqlx::query_as("select count(*) from desk_dossiers")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing stored for a refused day");
    for day in ["2000-01-01".to_string(), app::clock::today()] {
        let accepted = post(day.clone()).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{day}");
    }
}

async fn an_excluded_response_leaves_the_figures(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    app.add_user("admin", "province_admin", "").await;
    let (_, code) = desk_of(&app, COMMUNE).await;
    // A filled honeypot flags the response under a stuffing rule: it waits for a reviewer.
    let mut fields = valid_answers(&key(9));
    fields.retain(|(k, _)| *k != "dossier_code");
    fields.push(("website", "http://spam.example".into()));
    let sent = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&fields),
            "10.0.0.9",
            Some(&device(9)),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let leader = app.login("leader25195").await;
    let html = dashboard(&app, &leader).await;
    assert_eq!(window(&html, 0).0, "0", "held back until reviewed");
    assert!(
        html.contains("chờ duyệt, chưa tính"),
        "and listed as waiting"
    );
    let (id,): (i64,) = sqlx::query_as("select max(id) from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    let reviewer = app.login("reviewer689").await;
    let decide = |decision: &'static str| {
        let (app, reviewer) = (&app, &reviewer);
        async move {
            let response = app
                .post_as(
                    &format!("/review/responses/{id}"),
                    &[
                        ("_csrf", &reviewer.csrf),
                        ("decision", decision),
                        ("confirm", "yes"),
                    ],
                    Some(&reviewer.cookie),
                )
                .await;
            assert_eq!(
                response.status,
                StatusCode::SEE_OTHER,
                "{}",
                response.text()
            );
        }
    };
    decide("include").await;
    assert_eq!(
        window(&dashboard(&app, &leader).await, 0).0,
        "1",
        "accepted"
    );
    decide("exclude").await;
    let html = dashboard(&app, &leader).await;
    assert_eq!(
        window(&html, 0).0,
        "0",
        "excluded responses leave the figures"
    );
    assert!(
        html.contains("đã loại khỏi kết quả"),
        "and are listed as excluded"
    );
    decide("include").await;
    assert_eq!(window(&dashboard(&app, &leader).await, 0).0, "1");
}

async fn demo_data_and_dashboard_agree(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    server::cli::demo::seed(
        app.store(),
        &server::cli::demo::DemoOptions {
            days: 40,
            per_day: 3.0,
            seed: 5,
        },
    )
    .await
    .unwrap();
    let commune = app.store().commune_by_code(COMMUNE).await.unwrap().unwrap();
    let from = app::clock::day_minus(&app::clock::today(), 29);
    let from_ms = app::clock::midnight_ms(&from).unwrap();
    let (responses, satisfied): (i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(case when o.value_int >= 4 then 1 else 0 end), 0) \
         from responses r join desks d on d.id = r.desk_id \
         left join answers o on o.response_id = r.id and o.question_id = 'overall' \
         where d.commune_id = $1 and r.created_at >= $2",
    )
    .bind(commune.id)
    .bind(from_ms)
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert!(responses > 20);
    let leader = app.login("leader25195").await;
    let (n, share) = window(&dashboard(&app, &leader).await, 2);
    assert_eq!(n, responses.to_string());
    let expected =
        app::format::ratio_percent(satisfied as u64, responses as u64, Lang::Vi).unwrap();
    assert_eq!(share, expected);
}

/// Responses whose `overall`/`commented` columns (migration 0007) disagree with their answers.
pub async fn feedback_marks_disagreeing(pool: &sqlx::AnyPool) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "select count(*) from responses r \
         left join answers o on o.response_id = r.id and o.question_id = 'overall' \
         where coalesce(r.overall, -1) <> coalesce(o.value_int, -1) \
           or r.commented <> case when exists (select 1 from answers c where c.response_id = r.id \
             and c.question_id = 'comment' and c.value_text is not null) then 1 else 0 end",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    n
}

async fn generated_data_keeps_the_feedback_marks_and_fills_the_follow_up_list(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    // Submitted through the form as well as generated, so both ways of storing are checked.
    let (_, code) = desk_of(&app, COMMUNE).await;
    let mut fields = valid_answers(&key(11));
    for (k, v) in fields.iter_mut() {
        match *k {
            "overall" => *v = "2".into(),
            "dossier_code" => *v = String::new(),
            _ => {}
        }
    }
    let posted = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&fields),
            "10.0.0.11",
            Some(&device(11)),
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    let total = app.store().generate_responses(40_000, 30).await.unwrap();
    assert_eq!(total, 40_001);
    assert_eq!(feedback_marks_disagreeing(app.store().pool()).await, 0);

    let commune = app.store().commune_by_code(COMMUNE).await.unwrap().unwrap();
    let (open,): (i64,) = sqlx::query_as(&format!(
        "select count(*) from responses r join desks d on d.id = r.desk_id \
         join answers o on o.response_id = r.id and o.question_id = 'overall' \
         where d.commune_id = $1 and o.value_int <= {}",
        app::domain::followup::FOLLOW_UP_AT_MOST
    ))
    .bind(commune.id)
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert!(open > 10, "the generated data has unfavourable ratings");
    let leader = app.login("leader25195").await;
    let html = dashboard(&app, &leader).await;
    assert!(
        html.contains(&format!("— {open} chưa giải quyết (kể cả cũ hơn 30 ngày)")),
        "the open count comes from the marks and agrees with the answers"
    );
    assert!(
        html.contains("Ý kiến thử nghiệm số"),
        "generated comments are listed"
    );

    // The list, read desk by desk and merged, is the one a single query over the commune gives.
    let since = app::clock::midnight_ms(&app::clock::day_minus(&app::clock::today(), 29)).unwrap();
    let expected: Vec<(i64, Option<String>)> = sqlx::query_as(&format!(
        "select r.id, c.value_text from responses r join desks d on d.id = r.desk_id \
         left join answers o on o.response_id = r.id and o.question_id = 'overall' \
         left join answers c on c.response_id = r.id and c.question_id = 'comment' \
         left join followups f on f.response_id = r.id \
         where d.commune_id = $1 and r.excluded = 0 \
           and (o.value_int <= {at_most} or c.value_text is not null) \
           and (r.created_at >= $2 \
             or (o.value_int <= {at_most} and (f.state is null or f.state <> 'resolved'))) \
         order by case when o.value_int <= {at_most} and (f.state is null or f.state <> 'resolved') \
           then 0 else 1 end, r.created_at desc, r.id desc limit 30",
        at_most = app::domain::followup::FOLLOW_UP_AT_MOST
    ))
    .bind(commune.id)
    .bind(since)
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    let listed: Vec<(i64, Option<String>)> = app
        .store()
        .feedback_items(commune.id, since, 30)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.response_id, f.comment))
        .collect();
    assert_eq!(
        expected.len(),
        30,
        "enough items (about 65 expected) to fill the page"
    );
    assert_eq!(listed, expected);
}

/// Stores responses with chosen overall ratings at chosen times (milliseconds).
async fn store_responses_at(app: &TestApp, desk_id: i64, ratings: &[(u8, i64)]) {
    let answers: Vec<Vec<Answer>> = ratings
        .iter()
        .map(|(overall, _)| vec![scale("overall", *overall), scale("access", 5)])
        .collect();
    let keys: Vec<String> = ratings
        .iter()
        .enumerate()
        .map(|(i, (_, at))| format!("at-{desk_id}-{i}-{at}"))
        .collect();
    let batch: Vec<NewResponse<'_>> = ratings
        .iter()
        .zip(&answers)
        .zip(&keys)
        .map(|(((_, at), answers), key)| qr_response(desk_id, key, *at, answers))
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
}

/// Responses on both sides of local midnights (UTC+7): last night at 23:30 belongs to
/// yesterday, not today; the first of the 30 days starts at its local midnight.
async fn responses_around_local_midnights(app: &TestApp) {
    let (desk, _) = desk_of(app, COMMUNE).await;
    let today = app::clock::today();
    let midnight = app::clock::midnight_ms(&today).unwrap();
    let first_of_30 = app::clock::midnight_ms(&app::clock::day_minus(&today, 29)).unwrap();
    let minute = 60_000;
    store_responses_at(
        app,
        desk,
        &[
            (5, midnight + 30 * minute),    // today 00:30
            (2, midnight - 30 * minute),    // yesterday 23:30
            (4, first_of_30 + 10 * minute), // the first of the 30 days, 00:10
            (1, first_of_30 - 10 * minute), // the day before it, 23:50: outside
        ],
    )
    .await;
}

async fn the_headline_and_the_table_count_the_same_local_days(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    responses_around_local_midnights(&app).await;
    let leader = app.login("leader25195").await;

    let html = dashboard(&app, &leader).await;

    assert_eq!(window(&html, 0), ("1".into(), "100,0%".into()), "today");
    assert_eq!(
        window(&html, 2),
        ("3".into(), "66,7%".into()),
        "30 calendar days: 2 of 3 satisfied, with a decimal comma"
    );
    let headline_n = cell_text(&html, "class=\"num n-30\"");
    let headline_share = cell_text(&html, "data-live-key=\"windows.2.figure.satisfied\"");
    assert_eq!(
        (headline_n.as_str(), headline_share.as_str()),
        ("3", "66,7%")
    );
    assert_eq!(
        html.matches("data-live-key=\"windows.2.figure.satisfied\"")
            .count(),
        3,
        "the chairman's figure, the headline and the table show the one 30-day figure"
    );
    let today = app::clock::today();
    let label = format!(
        "{}–{}",
        app::format::date(&app::clock::day_minus(&today, 29), Lang::Vi),
        app::format::date(&today, Lang::Vi)
    );
    assert_eq!(
        cell_text(&html, "data-live-key=\"windows.2.figure.period\""),
        label,
        "the period is labelled with its first and last day"
    );
    assert_eq!(
        cell_text(&html, "class=\"num n-all\""),
        "4",
        "since the beginning"
    );
    let interval = cell_text(&html, "data-live-key=\"windows.2.figure.interval\"");
    assert!(
        interval.contains(',') && !interval.contains('.'),
        "{interval}"
    );
}

async fn open_stream(app: &TestApp, session: &Session, query: &str) -> Body {
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get(format!("/commune/live{query}"))
                .header(header::COOKIE, &session.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.into_body()
}

async fn the_live_update_carries_every_figure_the_page_shows(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    responses_around_local_midnights(&app).await;
    let (desk, code) = desk_of(&app, COMMUNE).await;
    let leader = app.login("leader25195").await;
    let today = app::clock::today();
    let posted = app
        .post_as(
            "/commune/dossiers",
            &[
                ("_csrf", &leader.csrf),
                ("desk", &desk.to_string()),
                ("day", &today),
                ("handled", "4"),
            ],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    let mut body = open_stream(&app, &leader, "").await;
    let first = next_event(&mut body, Duration::from_secs(5))
        .await
        .expect("the figures now");
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_page_matches_stream(&dashboard(&app, &leader).await, &first);

    let mut fields = valid_answers(&key(3));
    fields.retain(|(k, _)| *k != "dossier_code");
    let sent = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&fields),
            "10.0.0.3",
            Some(&device(3)),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let update = next_event(&mut body, Duration::from_secs(2))
        .await
        .expect("new figures within 2 seconds");
    let update: serde_json::Value = serde_json::from_str(&update).unwrap();

    // The update holds what a reload shows, the headline and the desks included.
    let html = dashboard(&app, &leader).await;
    assert_page_matches_stream(&html, &update);
    assert_eq!(update["windows"][0]["figure"]["responses"], "2");
    assert_eq!(update["windows"][2]["figure"]["responses"], "4");
    assert_eq!(update["all_time"]["figure"]["responses"], "5");
    assert_ne!(first["desks"], update["desks"], "the desk's figures moved");
    assert_eq!(window(&html, 2).0, "4");
    assert_eq!(cell_text(&html, "class=\"num n-30\""), "4");

    // A complaint moves the open count in the next update, as a reload shows it.
    let before: i64 = update["open_items"].as_str().unwrap().parse().unwrap();
    let mut fields = valid_answers(&key(4));
    fields.retain(|(k, _)| *k != "dossier_code");
    for (k, v) in fields.iter_mut() {
        if *k == "overall" {
            *v = "1".into();
        }
    }
    let sent = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&fields),
            "10.0.0.4",
            Some(&device(4)),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let complaint = next_event(&mut body, Duration::from_secs(2))
        .await
        .expect("new figures within 2 seconds");
    let complaint: serde_json::Value = serde_json::from_str(&complaint).unwrap();
    assert_eq!(complaint["open_items"], (before + 1).to_string());
    assert_page_matches_stream(&dashboard(&app, &leader).await, &complaint);
}

async fn english_pages_write_figures_with_a_decimal_point(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    responses_around_local_midnights(&app).await;
    let leader = app.login("leader25195").await;

    let page = app.get_as("/commune?lang=en", Some(&leader.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert_eq!(window(&html, 2), ("3".into(), "66.7%".into()));
    assert!(html.contains("/commune/live?commune=25195&amp;lang=en"));
    // The first screen's headings follow the page's language too.
    for heading in [
        "Satisfied, last 30 days",
        "Points and rank",
        "Answers not satisfied (1–3) still open",
    ] {
        assert!(html.contains(heading), "{heading}");
    }
    assert!(!html.contains("Tỷ lệ hài lòng 30 ngày qua"));

    let mut body = open_stream(&app, &leader, "?lang=en").await;
    let first = next_event(&mut body, Duration::from_secs(5))
        .await
        .expect("the figures now");
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["windows"][2]["figure"]["satisfied"], "66.7%");
    assert_page_matches_stream(&html, &first);
    // The Vietnamese stream of the same commune (the same feed) keeps its comma.
    let mut vi = open_stream(&app, &leader, "").await;
    let vi: serde_json::Value =
        serde_json::from_str(&next_event(&mut vi, Duration::from_secs(5)).await.unwrap()).unwrap();
    assert_eq!(vi["windows"][2]["figure"]["satisfied"], "66,7%");
}

/// The text between `marker`'s element start and the next tag, as [`cell_text`], for a marker
/// that must be there exactly once.
fn only_cell(html: &str, marker: &str) -> String {
    assert_eq!(html.matches(marker).count(), 1, "{marker} once");
    cell_text(html, marker)
}

async fn the_first_screen_answers_the_chairman(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let (desk, _) = desk_of(&app, COMMUNE).await;
    let now = app::clock::now_ms();
    // Two days ago: overall 5, 5, 4, 2 (75,0%), the SIPAS "access" element 2 each time (0,0%).
    // The 30 days before: overall 5 (35 days ago) and a complaint, 1, 45 days ago (50,0%).
    let two_days_ago = now - 2 * DAY_MS;
    let rated = |overall: u8, access: u8| vec![scale("overall", overall), scale("access", access)];
    let answers = [
        (rated(5, 2), two_days_ago),
        (rated(5, 2), two_days_ago),
        (rated(4, 2), two_days_ago),
        (rated(2, 2), two_days_ago),
        (rated(5, 5), now - 35 * DAY_MS),
        (rated(1, 5), now - 45 * DAY_MS),
    ];
    let keys: Vec<String> = (0..answers.len()).map(|i| format!("chair-{i}")).collect();
    let batch: Vec<NewResponse<'_>> = answers
        .iter()
        .zip(&keys)
        .map(|((answers, at), key)| qr_response(desk, key, *at, answers))
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
    let leader = app.login("leader25195").await;
    let html = dashboard(&app, &leader).await;

    // The first section of the page is the chairman's, before the tables.
    let panel_at = html.find("class=\"chairman\"").expect("the panel is shown");
    assert!(panel_at < html.find("class=\"figures live\"").unwrap());
    assert!(panel_at < html.find("class=\"downloads\"").unwrap());
    let panel = &html[panel_at..];
    assert_eq!(cell_text(panel, "class=\"big-figure\""), "75,0%");
    assert_eq!(window(&html, 2).1, "75,0%", "the same figure as the table");
    assert_eq!(
        only_cell(&html, "data-live-key=\"change_30\""),
        "▲ +25,0 điểm %"
    );
    assert_eq!(
        only_cell(&html, "data-live-key=\"previous_30.figure.satisfied\""),
        "50,0%"
    );
    // Both complaints are open, the one of 45 days ago too, and it is listed.
    assert_eq!(cell_text(panel, "class=\"big-figure open-items\""), "2");
    assert!(html.contains("href=\"#theo-doi\""));
    let backlog = &html[html.find("id=\"theo-doi\"").unwrap()..];
    let old_complaint = app::clock::display(now - 45 * DAY_MS);
    assert!(
        backlog.contains(&old_complaint),
        "the complaint of {old_complaint} is still in the backlog"
    );

    // The elements, least satisfied first: "access" (0,0%) above the overall question (75,0%).
    let elements = &html[html.find("class=\"elements\"").unwrap()..];
    let access = elements.find("Tiếp cận dịch vụ").unwrap();
    let overall = elements.find("Hài lòng chung").unwrap();
    assert!(access < overall, "worst first");
    assert!(
        elements.contains("value=\"0.0\""),
        "{}",
        &elements[..3000.min(elements.len())]
    );
    assert!(elements.contains("value=\"75.0\""));

    // The heat map puts the four answers of two days ago in their local weekday and hour.
    let (weekday, minute) = app::clock::weekday_minute(two_days_ago);
    let heat = &html[html.find("class=\"heatmap\"").unwrap()..];
    let row_name = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"][weekday as usize];
    let row = &heat[heat.find(&format!(">{row_name}</th>")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("title=\"4 phiếu, hài lòng 75,0%\""),
        "hour {}: {row}",
        minute / 60
    );
    assert_eq!(
        row.matches("title=\"0 phiếu").count(),
        row.matches("<td").count() - 1
    );

    // The standing comes from the engine and the newest stored run.
    assert!(panel.contains("Điểm từ ý kiến người dân"));
    assert!(panel.contains("chưa chấm điểm lần nào"), "no run yet");
    let set = app::assessment::api::pick_criteria(&app.state, None).unwrap();
    let commune = app.store().commune_by_code(COMMUNE).await.unwrap().unwrap();
    let report = app::scores::runs::score_commune(app.store(), set, commune.id, COMMUNE)
        .await
        .unwrap();
    let total = format!(
        "{} / {}",
        app::format::points(report.total, Lang::Vi),
        app::format::points(report.scale_max, Lang::Vi)
    );
    assert!(
        cell_text(panel, "class=\"total-points\"").starts_with(&total),
        "{total}"
    );
    app::scores::runs::run_all(app.store(), set, &app.state.definitions, "test")
        .await
        .unwrap();
    let html = dashboard(&app, &leader).await;
    let rank = cell_text(&html, "class=\"rank\"");
    let today = app::format::date(&app::clock::today(), Lang::Vi);
    assert!(
        rank.contains(&format!("lần chấm điểm ngày {today}")),
        "the newest run is named: {rank}"
    );

    // The page keeps the ranked run it read; a newer run (here after one more answer) replaces it.
    let first = app
        .store()
        .latest_score_run(&set.id)
        .await
        .unwrap()
        .unwrap();
    assert!(rank.contains(&first.run_hash[..12]), "{rank}");
    let key = "chair-later".to_string();
    let later = vec![scale("overall", 5)];
    app.store()
        .insert_responses(&[qr_response(desk, &key, now, &later)])
        .await
        .unwrap();
    app::scores::runs::run_all(app.store(), set, &app.state.definitions, "test")
        .await
        .unwrap();
    let second = app
        .store()
        .latest_score_run(&set.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(first.run_hash, second.run_hash);
    let rank = cell_text(&dashboard(&app, &leader).await, "class=\"rank\"");
    assert!(
        rank.contains(&second.run_hash[..12]),
        "the newer run: {rank}"
    );
}

/// A citizen's answer posted through the survey form, with `overall` and `comment` (empty for
/// none); returns its response id.
async fn answer_with(app: &TestApp, code: &str, n: u64, overall: &str, comment: &str) -> i64 {
    let mut fields = valid_answers(&key(n));
    fields.retain(|(k, _)| *k != "dossier_code");
    for (k, v) in fields.iter_mut() {
        match *k {
            "overall" => *v = overall.into(),
            "comment" => *v = comment.into(),
            _ => {}
        }
    }
    let sent = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&fields),
            &format!("10.0.1.{n}"),
            Some(&device(n)),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let (id,): (i64,) = sqlx::query_as("select max(id) from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    id
}

/// The dashboard's list item of a response.
fn item_of(html: &str, response: i64) -> String {
    let item = &html[html
        .find(&format!("id=\"y-kien-{response}\""))
        .unwrap_or_else(|| panic!("item {response} listed"))..];
    item[..item.find("</li>").unwrap()].to_string()
}

async fn a_comment_marked_as_a_complaint_is_followed_up_like_an_unfavourable_rating(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let (_, code) = desk_of(&app, COMMUNE).await;
    // A top rating whose comment is a complaint, an unfavourable rating, and a bare rating.
    let praise = answer_with(
        &app,
        &code,
        21,
        "5",
        "Cán bộ vui vẻ nhưng phải đi lại ba lần.",
    )
    .await;
    let low = answer_with(&app, &code, 22, "2", "Chờ lâu.").await;
    let bare = answer_with(&app, &code, 23, "4", "").await;
    let leader = app.login("leader25195").await;
    let html = dashboard(&app, &leader).await;
    assert!(
        html.contains("1 chưa giải quyết"),
        "only the low rating is open"
    );
    let item = item_of(&html, praise);
    assert!(
        item.contains(&format!("action=\"/commune/complaints/{praise}\"")),
        "{item}"
    );
    assert!(
        !item.contains("/commune/followups/"),
        "not yet to handle: {item}"
    );
    assert!(
        !item_of(&html, low).contains("/commune/complaints/"),
        "a low rating is on the list already"
    );

    let mut stream = open_stream(&app, &leader, "").await;
    let first: serde_json::Value = serde_json::from_str(
        &next_event(&mut stream, Duration::from_secs(5))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["open_items"], "1");

    // A rival commune's leader and a forged token cannot mark it.
    let path = format!("/commune/complaints/{praise}");
    let rival = app.login("leader25217").await;
    let refused = app
        .post_as(&path, &[("_csrf", &rival.csrf)], Some(&rival.cookie))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let forged = app
        .post_as(&path, &[("_csrf", "x")], Some(&leader.cookie))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let marked = app
        .post_as(&path, &[("_csrf", &leader.csrf)], Some(&leader.cookie))
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.text());
    assert_eq!(
        marked.location(),
        Some(format!("/commune?ok=complaint#y-kien-{praise}").as_str()),
        "back where the leader was"
    );
    // Every open dashboard of the commune hears of it, as of a new answer.
    let update: serde_json::Value = serde_json::from_str(
        &next_event(&mut stream, Duration::from_secs(2))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(update["open_items"], "2");
    let html = dashboard(&app, &leader).await;
    assert_page_matches_stream(&html, &update);
    assert!(html.contains("2 chưa giải quyết"));
    let item = item_of(&html, praise);
    assert!(item.contains("Phản ánh (cán bộ đánh dấu)"), "{item}");
    assert!(item.contains("Chưa xử lý"), "{item}");
    assert!(
        item.contains(&format!("action=\"/commune/followups/{praise}\"")),
        "{item}"
    );
    assert!(
        !item.contains("/commune/complaints/"),
        "marked once: {item}"
    );

    // Nothing else can be marked: twice, a low rating, an answer without a comment.
    for (response, status) in [
        (praise, StatusCode::CONFLICT),
        (low, StatusCode::CONFLICT),
        (bare, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let again = app
            .post_as(
                &format!("/commune/complaints/{response}"),
                &[("_csrf", &leader.csrf)],
                Some(&leader.cookie),
            )
            .await;
        assert_eq!(
            again.status,
            status,
            "response {response}: {}",
            again.text()
        );
        assert!(again.text().contains("Hài Lòng"), "a page with the bar");
    }

    // The month's report counts it beside the unfavourable ratings, as the page does.
    let month = &app::clock::today()[..7];
    let report = app
        .get_as(
            &format!("/reports/commune.pdf?commune={COMMUNE}&period={month}"),
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK);
    let text = downloaded_text(&report.body)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("1 phiếu đánh giá chưa hài lòng (mức 1–3) và 1 ý kiến được cán bộ đánh dấu là phản ánh; đã xử lý xong 0, còn 2 chưa xử lý xong"),
        "{text}"
    );

    // Resolving it takes it off the count, as for a low rating.
    let resolved = app
        .post_as(
            &format!("/commune/followups/{praise}"),
            &[
                ("_csrf", &leader.csrf),
                ("state", "resolved"),
                ("note", "Đã hướng dẫn nộp trực tuyến"),
            ],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER);
    let update: serde_json::Value = serde_json::from_str(
        &next_event(&mut stream, Duration::from_secs(2))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(update["open_items"], "1");
    assert!(dashboard(&app, &leader).await.contains("1 chưa giải quyết"));
    let audit = app.store().list_audit(50).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "complaint_marked" && a.target == format!("response {praise}"))
            .count(),
        1,
        "one audited mark"
    );
}
