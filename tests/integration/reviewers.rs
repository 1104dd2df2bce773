//! Province reviewers, who see only the communes assigned to them, and accounts of communes
//! that a later reform merges away, which follow the commune their answers count for.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{as_pairs, both_backends, device, key, valid_answers, TestApp};

both_backends!(
    a_province_reviewer_sees_only_its_assigned_communes,
    assigning_communes_is_checked_and_audited,
    an_account_of_a_merged_commune_follows_its_successor,
    a_province_reviewer_exports_only_its_assigned_communes,
    a_province_reviewer_works_on_its_assigned_communes_only,
    no_role_reads_a_report_of_a_commune_outside_its_reach,
);

/// Creates `reviewer` as a province reviewer assigned `communes`, as `hailong user assign` does.
async fn reviewer_of(app: &TestApp, reviewer: &str, communes: &[&str]) -> Vec<String> {
    app.add_user(reviewer, "province_reviewer", "").await;
    let codes: Vec<String> = communes.iter().map(|c| c.to_string()).collect();
    app::accounts::users::assign_communes(&app.state, reviewer, &codes)
        .await
        .expect("assign communes")
}

/// Sends `fields` at the first current desk of `commune`, from a client and device of its own.
async fn post_at(app: &TestApp, commune: &str, n: u64, fields: &[(&str, String)]) -> StatusCode {
    let desk = app.desk_of(commune).await.public_code;
    app.post_form_as(
        &format!("/q/{desk}"),
        &as_pairs(fields),
        &format!("192.0.2.{n}"),
        Some(&device(n)),
    )
    .await
    .status
}

/// Sends a response the honeypot flags at the first current desk of `commune`.
async fn flagged_response_at(app: &TestApp, commune: &str, n: u64) {
    let mut fields = valid_answers(&key(n));
    fields.push(("website", "bot".into()));
    let status = post_at(app, commune, n, &fields).await;
    assert!(status.is_redirection() || status.is_success(), "{status}");
}

async fn a_province_reviewer_sees_only_its_assigned_communes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    reviewer_of(&app, "tinh.thamdinh", &["25195"]).await;
    flagged_response_at(&app, "25195", 1).await;
    flagged_response_at(&app, "25217", 2).await;
    let session = app.login("tinh.thamdinh").await;
    let cookie = Some(session.cookie.as_str());

    let home = app
        .try_login("tinh.thamdinh", hailong_tests::PASSWORD)
        .await;
    let review = app.get_as("/review", cookie).await;
    let own = app.get_as("/commune?commune=25195", cookie).await;
    let other = app.get_as("/commune?commune=25217", cookie).await;
    let own_dossier = app
        .get_as("/assessment?commune=25195&criteria=dong-nai-2026", cookie)
        .await;
    let other_dossier = app
        .get_as("/assessment?commune=25217&criteria=dong-nai-2026", cookie)
        .await;
    let no_commune = app.get_as("/commune", cookie).await;

    assert_eq!(home.location(), Some("/review"));
    assert_eq!(review.status, StatusCode::OK);
    let review = review.text();
    assert!(review.contains("Phường Bình Phước"), "{review}");
    assert!(
        !review.contains("Phường Phước Long"),
        "only the assigned commune"
    );
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.text().contains("Phường Bình Phước"));
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(!other.text().contains("Phường Phước Long"));
    assert_eq!(own_dossier.status, StatusCode::OK);
    assert_eq!(other_dossier.status, StatusCode::FORBIDDEN);
    assert_eq!(no_commune.status, StatusCode::FORBIDDEN);
}

async fn assigning_communes_is_checked_and_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    let first = reviewer_of(&app, "tinh.thamdinh", &["25195", "25217"]).await;
    let again =
        app::accounts::users::assign_communes(&app.state, "tinh.thamdinh", &["25195".to_string()])
            .await
            .unwrap();
    let unknown =
        app::accounts::users::assign_communes(&app.state, "tinh.thamdinh", &["99999".to_string()])
            .await;
    let not_reviewer =
        app::accounts::users::assign_communes(&app.state, "leader25195", &["25217".to_string()])
            .await;
    let with_unit = app::accounts::users::add_user(
        &app.state,
        "tinh.khac",
        "Khác",
        "province_reviewer",
        "25195",
        hailong_tests::PASSWORD,
    )
    .await;

    assert_eq!(first, ["25195", "25217"]);
    assert!(again.is_empty(), "assigned already: nothing new");
    assert!(unknown.unwrap_err().contains("99999"));
    assert!(not_reviewer.is_err());
    assert!(with_unit.is_err(), "a province reviewer has no unit");
    let log = app.store().list_audit(50).await.unwrap();
    let assigned: Vec<&str> = log
        .iter()
        .filter(|e| e.action == "reviewer_commune_assigned" && e.target == "tinh.thamdinh")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(assigned.len(), 2, "{assigned:?}");
    assert!(assigned.iter().any(|d| d.contains("25195")));
    assert!(assigned.iter().any(|d| d.contains("25217")));
}

const HEADER: &str =
    "ma_xa_cu,ten_xa_cu,ma_xa_moi,ten_xa_moi,cap_moi,ma_huyen_moi,ngay_hieu_luc,nhan_quay\n";

/// Today's Xã Phú Riềng and Xã Bình Tân become one new Xã Phú Riềng on 1 July 2026 (a made-up
/// reform, as in the merger tests).
const MERGER: &str = "25252,Xã Phú Riềng,90001,Xã Phú Riềng,Xã,,2026-07-01,\n\
                      25246,Xã Bình Tân,90001,Xã Phú Riềng,Xã,,2026-07-01,\n";

/// Runs `hailong units import FILE` on the app's database, as the command line does.
async fn import(app: &TestApp, body: &str) -> String {
    let n: u64 = rand::random();
    let file = std::env::temp_dir().join(format!("hailong-reviewers-{n:016x}.csv"));
    std::fs::write(&file, format!("{HEADER}{body}")).unwrap();
    let action =
        server::cli::parse_units_command(&["hailong", "units", "import", file.to_str().unwrap()])
            .unwrap();
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    let mut out = Vec::new();
    server::cli::units::run_to(&config, action, &mut out)
        .await
        .unwrap();
    let _ = std::fs::remove_file(&file);
    String::from_utf8(out).unwrap()
}

async fn an_account_of_a_merged_commune_follows_its_successor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("leader25246", "commune_leader", "25246").await;
    app.add_user("officer25252", "commune_officer", "25252")
        .await;
    reviewer_of(&app, "tinh.thamdinh", &["25246", "25252"]).await;

    let out = import(&app, MERGER).await;
    let leader = app
        .store()
        .user_by_username("leader25246")
        .await
        .unwrap()
        .unwrap();
    let officer = app
        .store()
        .user_by_username("officer25252")
        .await
        .unwrap()
        .unwrap();
    let reviewer = app
        .store()
        .user_by_username("tinh.thamdinh")
        .await
        .unwrap()
        .unwrap();
    let assigned = app.store().assigned_communes(reviewer.id).await.unwrap();
    let successor = app.store().unit_id("90001", "commune").await.unwrap();
    let session = app.login("leader25246").await;
    let commune = app.get_as("/commune", Some(&session.cookie)).await;
    // A restart finds nothing more to move.
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    server::startup::open_store(&config).await.unwrap();

    assert!(out.contains("imported"), "{out}");
    assert_eq!(leader.unit_code.as_deref(), Some("90001"));
    assert_eq!(officer.unit_code.as_deref(), Some("90001"));
    assert_eq!(
        assigned,
        vec![successor.unwrap()],
        "the assignment follows too"
    );
    assert_eq!(commune.status, StatusCode::OK);
    assert!(commune.text().contains("Xã Phú Riềng"));
    let log = app.store().list_audit(100).await.unwrap();
    let moved: Vec<&str> = log
        .iter()
        .filter(|e| e.action == "user_unit_moved")
        .map(|e| e.target.as_str())
        .collect();
    assert_eq!(moved.len(), 2, "{moved:?}");
    assert!(moved.contains(&"leader25246") && moved.contains(&"officer25252"));
    let detail = &log
        .iter()
        .find(|e| e.action == "user_unit_moved" && e.target == "leader25246")
        .unwrap()
        .detail;
    assert_eq!(detail, "25246 Xã Bình Tân → 90001 Xã Phú Riềng");

    // The new commune keeps a reviewing district: its lowest-coded predecessor's (neither has
    // its code), so that district's reviewers keep working on it.
    let (inherited, expected): (Option<i64>, Option<i64>) = sqlx::query_as(
        "select (select review_district_id from admin_units where code = '90001'), \
                (select review_district_id from admin_units where code = '25246' \
                 and valid_to = '2026-07-01')",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert!(
        expected.is_some(),
        "the shipped data gives 25246 a district"
    );
    assert_eq!(inherited, expected);
}

/// Sends a plain, valid response at the first current desk of `commune`.
async fn response_at(app: &TestApp, commune: &str, n: u64) {
    let status = post_at(app, commune, n, &valid_answers(&key(n))).await;
    assert!(status.is_redirection(), "{status}");
}

async fn a_province_reviewer_exports_only_its_assigned_communes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    reviewer_of(&app, "tinh.thamdinh", &["25195"]).await;
    response_at(&app, "25195", 1).await;
    response_at(&app, "25195", 2).await;
    response_at(&app, "25217", 3).await;
    let session = app.login("tinh.thamdinh").await;
    let cookie = Some(session.cookie.as_str());

    let all = app.get_as("/exports/responses.csv", cookie).await;
    let own = app
        .get_as("/exports/responses.csv?commune=25195", cookie)
        .await;
    let other = app
        .get_as("/exports/responses.csv?commune=25217", cookie)
        .await;

    assert_eq!(all.status, StatusCode::OK);
    let all = all.text();
    let rows: Vec<&str> = all.lines().skip(1).filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 2, "only the assigned commune's answers: {all}");
    assert!(
        rows.iter().all(|r| r.contains("Phường Bình Phước")),
        "{all}"
    );
    assert!(!all.contains("Phường Phước Long"), "{all}");
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(
        own.text().lines().skip(1).filter(|l| !l.is_empty()).count(),
        2
    );
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(
        other.text().contains("các xã được giao"),
        "{}",
        other.text()
    );
}

/// The flagged response of `commune` (the newest), by id.
async fn flagged_id(app: &TestApp, commune: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as(
        "select r.id from responses r join desks d on d.id = r.desk_id \
         join admin_units c on c.id = d.commune_id \
         where c.code = $1 and c.valid_to is null order by r.id desc limit 1",
    )
    .bind(commune)
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    id
}

async fn a_province_reviewer_works_on_its_assigned_communes_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    reviewer_of(&app, "tinh.thamdinh", &["25195"]).await;
    flagged_response_at(&app, "25195", 1).await;
    flagged_response_at(&app, "25217", 2).await;
    let own_response = flagged_id(&app, "25195").await;
    let other_response = flagged_id(&app, "25217").await;
    let me = app.login("tinh.thamdinh").await;
    let cookie = Some(me.cookie.as_str());
    let decide = |id: i64| {
        let path = format!("/review/responses/{id}");
        let csrf = me.csrf.clone();
        let app = &app;
        async move {
            app.post_as(
                &path,
                &[
                    ("_csrf", &csrf),
                    ("decision", "exclude"),
                    ("confirm", "yes"),
                ],
                cookie,
            )
            .await
            .status
        }
    };

    // Flagged answers: its commune's decided and audited, another's not found.
    assert_eq!(decide(own_response).await, StatusCode::SEE_OTHER);
    assert_eq!(decide(other_response).await, StatusCode::NOT_FOUND);
    let (own_excluded, other_excluded): (i64, i64) = sqlx::query_as(
        "select (select excluded from responses where id = $1), \
                (select excluded from responses where id = $2)",
    )
    .bind(own_response)
    .bind(other_response)
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert_eq!((own_excluded, other_excluded), (1, 0));
    assert!(app
        .store()
        .list_audit(10)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "response_excluded" && e.actor == "tinh.thamdinh"));

    // The dossier list, the ranking and the posters list name its commune only.
    let set = &app.state.criteria[0];
    app::scores::runs::run_all(app.store(), set, &app.state.definitions, "test")
        .await
        .unwrap();
    for path in [
        "/assessments".to_string(),
        format!("/ranking?criteria={}", set.id),
        "/desks".to_string(),
        "/posters".to_string(),
    ] {
        let page = app.get_as(&path, cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let text = page.text();
        assert!(text.contains("Phường Bình Phước"), "{path}: {text:.3000}");
        assert!(
            !text.contains("Phường Phước Long"),
            "{path}: only its commune"
        );
    }

    // Its commune's desk prints dossier slips; another commune's is refused.
    let desks = app.store().list_current_desks(None).await.unwrap();
    let desk_of = |code: &str| {
        desks
            .iter()
            .find(|d| d.commune_code == code)
            .unwrap()
            .public_code
            .clone()
    };
    let own_slips = app
        .get_as(&format!("/desks/{}/slips", desk_of("25195")), cookie)
        .await;
    let other_slips = app
        .get_as(&format!("/desks/{}/slips", desk_of("25217")), cookie)
        .await;
    assert_eq!(own_slips.status, StatusCode::OK);
    assert_eq!(other_slips.status, StatusCode::FORBIDDEN);
}

/// Every report route and server function, as each role that may not see commune 25195 (a
/// province reviewer assigned 25217 only, the reviewer of district 688, the leader and officer
/// of 25217): refused, or shown without a byte of 25195's reports; the same user reads what its
/// assignments do cover.
async fn no_role_reads_a_report_of_a_commune_outside_its_reach(backend: Backend) {
    use app::reports::kept::GetKeptReports;
    use app::scores::api::GetReportPage;
    use leptos::server_fn::ServerFn;
    use server::reports::Scope;
    let app = TestApp::spawn(backend).await;
    let period: app::reports::ReportPeriod =
        app::clock::day_of(app::clock::now_ms() - 40 * 86_400_000)[..7]
            .parse()
            .expect("a month");
    let keep = |scope: Scope| {
        let app = &app;
        async move {
            server::reports::kept::keep(&app.state, scope, period, None)
                .await
                .expect("kept")
                .expect("a new report")
        }
    };
    let outside = keep(Scope::Commune("25195".into())).await;
    let inside = keep(Scope::Commune("25217".into())).await;
    keep(Scope::Province).await;

    reviewer_of(&app, "tinh.thamdinh", &["25217"]).await;
    app.add_user("reviewer688", "district_reviewer", "688")
        .await;
    app.add_user("leader25217", "commune_leader", "25217").await;
    app.add_user("officer25217", "commune_officer", "25217")
        .await;
    for who in [
        "tinh.thamdinh",
        "reviewer688",
        "leader25217",
        "officer25217",
    ] {
        let user = app.login(who).await;
        let cookie = Some(user.cookie.as_str());
        let refused =
            |status: StatusCode| status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND;
        for path in [
            format!("/reports/kept/{outside}.pdf"),
            format!("/reports/commune.pdf?commune=25195&period={period}"),
            format!("/reports/commune.docx?commune=25195&period={period}"),
            "/report?commune=25195".to_string(),
        ] {
            let response = app.get_as(&path, cookie).await;
            assert!(
                refused(response.status),
                "{who} {path}: {}",
                response.status
            );
        }
        let list = app.get_as("/reports?scope=25195", cookie).await;
        assert!(
            refused(list.status) || !list.text().contains(&format!("bao-cao-{outside}\"")),
            "{who} lists 25195's kept report: {}",
            list.status
        );
        let listed = app
            .post_as(
                <GetKeptReports as ServerFn>::PATH,
                &[("scope", "25195")],
                cookie,
            )
            .await
            .text();
        assert!(
            !listed.contains(&format!("\"id\":{outside},")),
            "{who}'s server function gives 25195's kept report: {listed}"
        );
        let report = app
            .post_as(
                <GetReportPage as ServerFn>::PATH,
                &[("commune", "25195")],
                cookie,
            )
            .await
            .text();
        assert!(
            report.contains("Forbidden") && !report.contains("Bình Phước"),
            "{who}'s report function: {report}"
        );
        // What the role does reach: the commune it is assigned or belongs to.
        let own = app
            .get_as(&format!("/reports/kept/{inside}.pdf"), cookie)
            .await;
        let expected = if who == "reviewer688" {
            // The district reviewer reads no kept report at all (688 covered Phước Long, but
            // kept reports are the province's and the communes' own).
            StatusCode::FORBIDDEN
        } else {
            StatusCode::OK
        };
        assert_eq!(own.status, expected, "{who} reads 25217's kept report");
    }
}
