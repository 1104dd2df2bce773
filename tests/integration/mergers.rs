//! Mergers, splits and renames of today's communes (`hailong units import`), a reform after the
//! 2025 one that the map already brings: history stays with the old units, old QR codes send
//! citizens to the new desk, the new commune's figures include what was said at the old desks,
//! and the new commune says what it was.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{as_pairs, both_backends, device, key, valid_answers, TestApp};

both_backends!(
    a_merger_retires_the_old_desks_and_sends_their_citizens_to_the_new_desk,
    old_responses_stay_at_their_desks_and_count_for_the_new_commune,
    a_split_sends_the_old_desks_to_the_marked_successor,
    a_rename_may_keep_the_code,
    an_invalid_file_is_refused_by_line_and_changes_nothing,
    importing_the_same_file_twice_changes_nothing_and_restarts_keep_it,
    the_merged_commune_page_says_what_it_was_formed_from,
    the_units_import_command_checks_then_applies_the_example_file,
);

const HEADER: &str =
    "ma_xa_cu,ten_xa_cu,ma_xa_moi,ten_xa_moi,cap_moi,ma_huyen_moi,ngay_hieu_luc,nhan_quay\n";

/// Today's Xã Phú Riềng and Xã Bình Tân (Thành phố Đồng Nai, no district) become one new
/// Xã Phú Riềng on 1 July 2026: a made-up reform, as no real one follows the 2025 reform yet.
const MERGER: &str = "25252,Xã Phú Riềng,90001,Xã Phú Riềng,Xã,,2026-07-01,\n\
                      25246,Xã Bình Tân,90001,Xã Phú Riềng,Xã,,2026-07-01,\n";

/// 2026-06-15 03:00 UTC (10:00 in Vietnam), before the merger took effect.
const BEFORE_MERGER_MS: i64 = 1_781_492_400_000;

/// Runs `hailong units import FILE [--dry-run]` on the app's database, as the command line does
/// (migrations and unit lists first); `Err` carries what the command prints on failure.
async fn import(app: &TestApp, body: &str, dry_run: bool) -> Result<String, String> {
    let file = write_file(body);
    let mut args = vec!["hailong", "units", "import", file.to_str().unwrap()];
    if dry_run {
        args.push("--dry-run");
    }
    let result = run_cli(app, &args).await;
    let _ = std::fs::remove_file(&file);
    result
}

/// Parses `args` as the binary does and runs the `units` command against the app's database.
async fn run_cli(app: &TestApp, args: &[&str]) -> Result<String, String> {
    let action = server::cli::parse_units_command(args).unwrap();
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    let mut out = Vec::new();
    server::cli::units::run_to(&config, action, &mut out)
        .await
        .map(|()| String::from_utf8(out).unwrap())
        .map_err(|e| format!("{e:#}"))
}

fn write_file(body: &str) -> std::path::PathBuf {
    let n: u64 = rand::random();
    let path = std::env::temp_dir().join(format!("hailong-mergers-{n:016x}.csv"));
    std::fs::write(&path, format!("{HEADER}{body}")).unwrap();
    path
}

/// The public code of the (first) current desk of a commune, as the home page lists it.
async fn desk_of(app: &TestApp, commune: &str) -> Option<String> {
    app.store()
        .list_current_desks(None)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.commune_code == commune)
        .map(|d| d.public_code)
}

/// The survey links a page shows (`/q/{code}`), in order.
fn desk_links(html: &str) -> Vec<String> {
    html.split("href=\"/q/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// A citizen's rating at a desk, stored through the survey form.
async fn rate(app: &TestApp, desk: &str, n: u64, comment: &str) {
    let mut fields = valid_answers(&key(n));
    fields.retain(|(k, _)| *k != "comment" && *k != "dossier_code");
    fields.push(("comment", comment.to_string()));
    let response = app
        .post_form_as(
            &format!("/q/{desk}"),
            &as_pairs(&fields),
            "192.0.2.1",
            Some(&device(n)),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
}

async fn a_merger_retires_the_old_desks_and_sends_their_citizens_to_the_new_desk(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let phu_rieng = desk_of(&app, "25252").await.unwrap();
    let binh_tan = desk_of(&app, "25246").await.unwrap();

    let report = import(&app, MERGER, false).await.unwrap();

    assert!(report.contains("imported"), "{report}");
    let new = desk_of(&app, "90001")
        .await
        .expect("the new commune gets a desk");
    for old in [&phu_rieng, &binh_tan] {
        let page = app.get(&format!("/q/{old}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let html = page.text();
        assert!(html.contains("không còn nhận đánh giá"), "{html:.2000}");
        assert!(html.contains("Quầy mới thay thế"), "{html:.2000}");
        assert!(html.contains(&format!("href=\"/q/{new}\"")), "{html:.2000}");
        assert!(html.contains("Xã Phú Riềng"));
        let en = app.get(&format!("/q/{old}?lang=en")).await.text();
        assert!(en.contains("It was replaced by"), "{en:.2000}");
        assert!(en.contains(&format!("href=\"/q/{new}?lang=en\"")));
    }
    assert_eq!(app.get(&format!("/q/{new}")).await.status, StatusCode::OK);
    let home = app.get_as_admin("/desks").await.text();
    assert!(
        home.contains(&format!("/q/{new}")),
        "the new desk is listed"
    );
    assert!(
        !home.contains(&format!("/q/{phu_rieng}")),
        "the old desks are not"
    );
    assert!(!home.contains(&format!("/q/{binh_tan}")));
    app.add_user("admin", "province_admin", "").await;
    let admin = app.login("admin").await;
    let audit = app.get_as("/admin/audit", Some(&admin.cookie)).await.text();
    for action in [
        "units_imported",
        "unit_created",
        "unit_retired",
        "unit_linked",
        "desk_created",
        "desk_retired",
        "answers_moved",
    ] {
        assert!(audit.contains(action), "audit log shows {action}");
    }
}

async fn old_responses_stay_at_their_desks_and_count_for_the_new_commune(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let phu_rieng = desk_of(&app, "25252").await.unwrap();
    let binh_tan = desk_of(&app, "25246").await.unwrap();
    rate(&app, &phu_rieng, 1, "Trước sáp nhập: phục vụ tốt").await;
    rate(&app, &binh_tan, 2, "Trước sáp nhập: nhanh gọn").await;
    // The ratings were given in June 2026, before the merger took effect on 1 July.
    sqlx::query("update responses set created_at = $1")
        .bind(BEFORE_MERGER_MS)
        .execute(app.store().pool())
        .await
        .unwrap();
    sqlx::query("update daily_answers set day = '2026-06-15'")
        .execute(app.store().pool())
        .await
        .unwrap();

    import(&app, MERGER, false).await.unwrap();

    app.add_user("admin", "province_admin", "").await;
    let admin = app.login("admin").await;
    let old = app
        .get_as("/commune?commune=25252", Some(&admin.cookie))
        .await;
    assert_eq!(old.status, StatusCode::OK);
    let html = old.text();
    assert!(html.contains("Xã Phú Riềng"), "{html:.3000}");
    assert!(
        !html.contains("Trước sáp nhập: phục vụ tốt"),
        "its answers count for the new commune"
    );
    let mut csv = Vec::new();
    server::cli::export::write_responses_csv(app.store(), &app.state.definitions, &mut csv)
        .await
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let rows: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 3, "nothing deleted:\n{csv}");
    assert!(
        rows.iter().any(|r| r.contains("2026-06-15T03:00:00Z,")
            && r.contains(&format!(
                ",25252,Xã Phú Riềng,2025-07-01,2026-07-01,90001,Xã Phú Riềng,{phu_rieng}"
            ))),
        "{csv}"
    );
    assert!(
        rows.iter().any(|r| r.contains(&format!(
            ",25246,Xã Bình Tân,2025-07-01,2026-07-01,90001,Xã Phú Riềng,{binh_tan}"
        ))),
        "{csv}"
    );

    // The new commune's figures include both answers, once each; the old communes have none of
    // their own left.
    let (new_id,): (i64,) =
        sqlx::query_as("select id from admin_units where code = '90001' and level = 'commune'")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    let survey: String =
        sqlx::query_as::<_, (String,)>("select survey_id from desks where public_code = $1")
            .bind(&phu_rieng)
            .fetch_one(app.store().pool())
            .await
            .unwrap()
            .0;
    let responses: Vec<(i64, i64)> = app
        .store()
        .counts_by_commune(&survey, "2026-01-01", "2026-12-31")
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.question_id.is_empty() && r.level == 0)
        .map(|r| (r.unit_id, r.answers))
        .collect();
    assert_eq!(responses, vec![(new_id, 2)]);
    let new = app
        .get_as("/commune?commune=90001", Some(&admin.cookie))
        .await
        .text();
    assert!(new.contains("class=\"num n-all\">2</td>"), "{new:.3000}");
    assert!(new.contains("Trước sáp nhập: phục vụ tốt"), "{new:.3000}");
    assert!(new.contains("Trước sáp nhập: nhanh gọn"), "{new:.3000}");
    assert!(new.contains("15/06/2026 10:00"), "the original date");
}

async fn a_split_sends_the_old_desks_to_the_marked_successor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let long_ha_before = desk_of(&app, "25255").await.unwrap();

    let report = import(
        &app,
        "25255,Xã Long Hà,90002,Xã Long Hà,Xã,,2026-07-01,x\n\
         25255,Xã Long Hà,90003,Xã Phú Trung,Xã,,2026-07-01,\n\
         25261,Xã Phú Trung,90003,Xã Phú Trung,Xã,,2026-07-01,\n",
        false,
    )
    .await
    .unwrap();

    assert!(report.contains("split into 90002"), "{report}");
    assert!(report.contains("split into 90003"), "{report}");
    let long_ha = desk_of(&app, "90002").await.unwrap();
    let phu_trung = desk_of(&app, "90003").await.unwrap();
    let html = app.get(&format!("/q/{long_ha_before}")).await.text();
    assert!(
        html.contains(&format!("href=\"/q/{long_ha}\"")),
        "{html:.2000}"
    );
    assert!(!html.contains(&format!("/q/{phu_trung}")));
    let takes: Vec<(String, i64)> = sqlx::query_as(
        "select s.code, h.takes_answers from unit_history h \
         join admin_units p on p.id = h.predecessor_id join admin_units s on s.id = h.successor_id \
         where p.code = '25255' and h.effective_date = '2026-07-01' order by s.code",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap();
    assert_eq!(
        takes,
        vec![("90002".to_owned(), 1), ("90003".to_owned(), 0)],
        "the successor that takes the desks takes the answers"
    );
    app.add_user("leader90003", "commune_leader", "90003").await;
    let leader = app.login("leader90003").await;
    let page = app.get_as("/commune", Some(&leader.cookie)).await.text();
    assert!(
        page.contains("(trước đây là một phần Xã Long Hà và Xã Phú Trung)"),
        "{page:.3000}"
    );
}

async fn a_rename_may_keep_the_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let old = desk_of(&app, "25246").await.unwrap();

    import(
        &app,
        "25246,Xã Bình Tân,25246,Phường Bình Tân,Phường,,2026-07-01,\n",
        false,
    )
    .await
    .unwrap();

    let new = desk_of(&app, "25246").await.unwrap();
    assert_ne!(new, old, "the ward has its own desk");
    let html = app.get(&format!("/q/{old}")).await.text();
    assert!(html.contains(&format!("href=\"/q/{new}\"")), "{html:.2000}");
    assert!(html.contains("Phường Bình Tân"));
    app.add_user("leader25246", "commune_leader", "25246").await;
    let leader = app.login("leader25246").await;
    let page = app.get_as("/commune", Some(&leader.cookie)).await.text();
    assert!(page.contains("<h1>Phường Bình Tân"), "{page:.3000}");
    assert!(page.contains("(trước đây là Xã Bình Tân)"), "{page:.3000}");
}

async fn an_invalid_file_is_refused_by_line_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let phu_rieng = desk_of(&app, "25252").await.unwrap();
    let home_before = desk_links(&app.get_as_admin("/desks").await.text());
    assert!(home_before.contains(&phu_rieng));
    let counts = || async {
        let counts: (i64, i64, i64) = sqlx::query_as(
            "select (select count(*) from unit_history), (select count(*) from admin_units), \
                    (select count(*) from audit_log where action in ('units_imported', \
                       'unit_created', 'unit_retired', 'unit_linked', 'desk_created', \
                       'desk_retired', 'answers_moved'))",
        )
        .fetch_one(app.store().pool())
        .await
        .unwrap();
        counts
    };
    let before = counts().await;
    let cases: [(&str, &[&str]); 5] = [
        (
            // The first two lines are fine: they must not be applied either.
            "25252,Xã Phú Riềng,90001,Xã Phú Riềng,Xã,,2026-07-01,\n\
             25246,Xã Bình Tân,90001,Xã Phú Riềng,Xã,,2026-07-01,\n\
             99999,Xã Không Có,90002,Xã Mới,Xã,,2026-07-01,\n\
             25255,Xã Long Tân,90002,Xã Mới,Xã,,2026-07-01,\n\
             25261,Xã Phú Trung,90003,Xã Khác,Xã,698,2026-07-01,\n",
            &[
                ":4: unknown commune code 99999",
                ":5: commune 25255 is `Xã Long Hà` in the database, not `Xã Long Tân`",
                // District 698 (Huyện Phú Riềng) ended with the 2025 reform.
                ":6: new commune 90003 needs a parent district: no district 698 is in force on \
                 2026-07-01",
            ],
        ),
        (
            "25252,Xã Phú Riềng,90001,Xã Phú Riềng,Xã,,2026-07-01,\n\
             25246,Xã Bình Tân,90001,Xã Phú Riềng Mới,Xã,,2026-07-01,\n",
            &[":3: new commune 90001 is `Xã Phú Riềng` (Xã, no district, from 2026-07-01) on line 2"],
        ),
        (
            "25252,Xã Phú Riềng,90001,Xã Phú Riềng,Xã,,2026-13-01,\n\
             25246,,90001,Xã Phú Riềng,Xã,,2026-07-01,\n",
            &[
                ":2: `ngay_hieu_luc`: `2026-13-01` is not a date in the form YYYY-MM-DD",
                ":3: `ten_xa_cu` must not be empty",
            ],
        ),
        (
            "25252,Xã Phú Riềng,25195,Xã Bình Phước,Xã,,2026-07-01,\n",
            &[":2: code 25195 is still in force on 2026-07-01 as `Phường Bình Phước`"],
        ),
        (
            // A pre-reform commune: the map ended it on 1 July 2025.
            "25264,Xã Phú Riềng,90001,Xã Phú Riềng,Xã,,2026-07-01,\n",
            &[":2: commune 25264 Xã Phú Riềng was already retired on 2025-07-01, before 2026-07-01"],
        ),
    ];

    for (body, expected) in cases {
        let error = import(&app, body, false).await.unwrap_err();

        assert!(error.contains("nothing was changed"), "{error}");
        for want in expected {
            assert!(error.contains(want), "missing `{want}` in:\n{error}");
        }
    }
    assert_eq!(
        app.get(&format!("/q/{phu_rieng}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        desk_links(&app.get_as_admin("/desks").await.text()),
        home_before,
        "no desk changed"
    );
    assert_eq!(counts().await, before, "no unit, link or audit entry added");
}

async fn importing_the_same_file_twice_changes_nothing_and_restarts_keep_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let phu_rieng = desk_of(&app, "25252").await.unwrap();
    let first = import(&app, MERGER, false).await.unwrap();
    let home = desk_links(&app.get_as_admin("/desks").await.text());
    let audit_count = || async {
        let (n,): (i64,) = sqlx::query_as("select count(*) from audit_log")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
        n
    };
    let answers_to = || async {
        let rows: Vec<(i64, Option<i64>)> =
            sqlx::query_as("select id, answers_to from admin_units order by id")
                .fetch_all(app.store().pool())
                .await
                .unwrap();
        rows
    };
    let audit_before = audit_count().await;
    let answers_before = answers_to().await;

    let again = import(&app, MERGER, false).await.unwrap();
    let contradiction = import(
        &app,
        "25252,Xã Phú Riềng,90005,Xã Phú Riềng Mới,Xã,,2026-07-01,\n",
        false,
    )
    .await
    .unwrap_err();
    // A restart writes the map again, which still has Xã Phú Riềng without an end date.
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    server::startup::open_store(&config).await.unwrap();

    assert!(first.contains("imported 9 changes"), "{first}");
    assert!(
        again.contains("already imported: nothing to change"),
        "{again}"
    );
    assert!(
        contradiction.contains(
            ":2: an earlier import recorded commune 25252 Xã Phú Riềng as a merge into 90001 \
             Xã Phú Riềng from 2026-07-01, which this file does not repeat"
        ),
        "{contradiction}"
    );
    assert_eq!(audit_count().await, audit_before, "nothing more audited");
    assert_eq!(
        answers_to().await,
        answers_before,
        "answers count where they did"
    );
    assert_eq!(
        desk_links(&app.get_as_admin("/desks").await.text()),
        home,
        "the same desks"
    );
    let html = app.get(&format!("/q/{phu_rieng}")).await.text();
    assert!(
        html.contains("Quầy mới thay thế"),
        "still retired: {html:.2000}"
    );
    assert_eq!(desk_of(&app, "25252").await, None, "no new desk for it");
    app.add_user("admin", "province_admin", "").await;
    let admin = app.login("admin").await;
    let officer_of = |unit: &str| {
        vec![
            ("_csrf", admin.csrf.clone()),
            ("username", format!("officer{unit}")),
            ("display_name", "Cán bộ".to_string()),
            ("role", "commune_officer".to_string()),
            ("unit", unit.to_string()),
            ("password", "mot-mat-khau-dai".to_string()),
        ]
    };
    let retired = app
        .post_as(
            "/admin/users",
            &as_pairs(&officer_of("25252")),
            Some(&admin.cookie),
        )
        .await;
    let merged = app
        .post_as(
            "/admin/users",
            &as_pairs(&officer_of("90001")),
            Some(&admin.cookie),
        )
        .await;
    assert_eq!(
        retired.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old commune stays closed"
    );
    assert!(
        retired.text().contains("Không tìm thấy xã có mã “25252”"),
        "{}",
        retired.text()
    );
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.text());
}

async fn the_merged_commune_page_says_what_it_was_formed_from(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    import(&app, MERGER, false).await.unwrap();
    app.add_user("leader90001", "commune_leader", "90001").await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    let leader = app.login("leader90001").await;

    let vi = app.get_as("/commune", Some(&leader.cookie)).await;
    let en = app.get_as("/commune?lang=en", Some(&leader.cookie)).await;

    assert_eq!(vi.status, StatusCode::OK);
    let vi = vi.text();
    assert!(vi.contains("<h1>Xã Phú Riềng"), "{vi:.3000}");
    assert!(
        vi.contains("(trước đây là Xã Phú Riềng và Xã Bình Tân)"),
        "{vi:.3000}"
    );
    assert!(
        en.text()
            .contains("(formerly Xã Phú Riềng and Xã Bình Tân)"),
        "{:.3000}",
        en.text()
    );
    let other = app.login("leader25195").await;
    let unchanged = app.get_as("/commune", Some(&other.cookie)).await.text();
    assert!(!unchanged.contains("Xã Bình Tân"), "{unchanged:.3000}");
}

async fn the_units_import_command_checks_then_applies_the_example_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let example = hailong_tests::workspace_root()
        .join("survey-definitions/units/mergers-example.csv")
        .display()
        .to_string();
    let long_ha_before = desk_of(&app, "25255").await.unwrap();
    let args = ["hailong", "units", "import", example.as_str()];

    let dry = run_cli(&app, &[&args[..], &["--dry-run"]].concat())
        .await
        .unwrap();
    let dry_page = app.get(&format!("/q/{long_ha_before}")).await.status;
    let applied = run_cli(&app, &args).await.unwrap();
    let again = run_cli(&app, &args).await.unwrap();
    let missing = run_cli(&app, &["hailong", "units", "import", "/no/such/file.csv"]).await;

    assert!(
        dry.contains("dry run: 25 changes would be made; nothing was changed"),
        "{dry}"
    );
    assert_eq!(dry_page, StatusCode::OK, "a dry run changes nothing");
    assert!(applied.contains("imported 25 changes"), "{applied}");
    assert!(
        applied.contains("unit_created   commune 90004 Phường Phú Nghĩa: without a district"),
        "{applied}"
    );
    assert!(again.contains("already imported"), "{again}");
    assert!(missing
        .unwrap_err()
        .contains("cannot read /no/such/file.csv"));
    // The command is another process with its own store: a running server sees the new desks
    // once its desk lookups expire (seconds); the test does not wait for that.
    app.store().forget_desks();
    let html = app.get(&format!("/q/{long_ha_before}")).await.text();
    let long_ha = desk_of(&app, "90002").await.unwrap();
    assert!(
        html.contains(&format!("href=\"/q/{long_ha}\"")),
        "{html:.2000}"
    );
}
