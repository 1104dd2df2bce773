//! Exports of responses and score reports as CSV and XLSX: the rows match what is stored, the
//! filters select what they say, and nobody downloads another commune's or district's data.

use std::collections::BTreeMap;

use app::flags::Flag;
use app::store::responses::NewResponse;
use app::store::Backend;
use axum::http::{header, StatusCode};
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
);

const TAN_PHU: &str = "25195"; // district 689 (Đồng Xoài)
const TAN_BINH: &str = "25201"; // district 689
const THAC_MO: &str = "25216"; // district 688 (Phước Long)
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
    app.store()
        .list_current_desks(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.commune_code == commune)
        .expect("every commune has a desk")
        .id
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
            channel: s.channel,
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
            &[("_csrf", &admin.csrf), ("decision", "exclude")],
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
    assert_eq!(tricky[all.col("district_code")], "689");
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
        "/exports/responses.csv?commune=25216",
        "/exports/responses.xlsx?commune=25201",
        "/exports/responses.csv?district=688",
        "/exports/scores.csv?commune=25216",
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
    let one = csv_as(&app, &reviewer, "/exports/responses.csv?commune=25201").await;
    assert_eq!(one.per_commune(), counts(&[(TAN_BINH, 3)]));
    for path in [
        "/exports/responses.csv?commune=25216",
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
    app::score_runs::run_all(app.store(), set, &app.state.definitions, "test")
        .await
        .unwrap();
    let run = app::score_runs::run_all(app.store(), set, &app.state.definitions, "test")
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
