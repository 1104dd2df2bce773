//! The province's own survey beside the desk's: `hailong independent import`, the comparison
//! and the steering flag on the commune page and the province view, and a criteria set scoring
//! on the province's figure.

use app::store::responses::NewResponse;
use app::store::Backend;
use hailong_tests::{both_backends, qr_response, TestApp};
use survey_definitions::{Answer, AnswerValue};

both_backends!(
    a_desk_far_above_the_province_survey_is_flagged,
    a_criteria_set_scores_on_the_province_survey,
);

const DAY_MS: i64 = 86_400_000;
const HEADER: &str = "ma_xa,tu_ngay,den_ngay,yeu_to,so_phieu,ty_le_hai_long,nguon\n";

async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |config| {
        config.criteria = vec![
            "dong-nai-2026".to_string(),
            "dong-nai-2025-independent".to_string(),
        ];
    })
    .await
}

/// Runs `hailong independent import` on the app's database; its output or its error.
async fn import(app: &TestApp, body: &str, dry_run: bool) -> Result<String, String> {
    let n: u64 = rand::random();
    let file = std::env::temp_dir().join(format!("hailong-independent-{n:016x}.csv"));
    std::fs::write(&file, format!("{HEADER}{body}")).unwrap();
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    let action = server::cli::independent::IndependentAction::Import {
        survey: "so-noi-vu".into(),
        dry_run,
        file: file.clone(),
    };
    let mut out = Vec::new();
    let result = server::cli::independent::run_to(&config, action, &mut out).await;
    let _ = std::fs::remove_file(&file);
    result
        .map(|()| String::from_utf8(out).unwrap())
        .map_err(|e| e.to_string())
}

async fn stored(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("select count(*) from independent_figures")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    n
}

/// `satisfied` answers of 5 and `unsatisfied` of 1 at the commune's first desk, over the last
/// days (all in the current year).
async fn desk_answers(app: &TestApp, commune: &str, satisfied: usize, unsatisfied: usize) {
    let desk = app.desk_of(commune).await.id;
    let now = app::clock::now_ms();
    let answers: Vec<Vec<Answer>> = (0..satisfied + unsatisfied)
        .map(|i| {
            vec![Answer {
                question_id: "overall".into(),
                value: AnswerValue::Scale(if i < satisfied { 5 } else { 1 }),
            }]
        })
        .collect();
    let keys: Vec<String> = (0..answers.len())
        .map(|i| format!("ind-{commune}-{i}"))
        .collect();
    let batch: Vec<NewResponse<'_>> = answers
        .iter()
        .zip(&keys)
        .enumerate()
        .map(|(i, (answers, key))| {
            qr_response(desk, key, now - (i as i64 % 20) * DAY_MS - 60_000, answers)
        })
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
}

async fn a_desk_far_above_the_province_survey_is_flagged(backend: Backend) {
    let app = spawn(backend).await;
    app.add_user("leader25195", "commune_leader", "25195").await;
    app.add_user("leader25217", "commune_leader", "25217").await;
    app.add_user("admin", "province_admin", "").await;
    // The desk: 98% of 200 satisfied. The province's survey: 70% of 30.
    desk_answers(&app, "25195", 196, 4).await;
    desk_answers(&app, "25217", 25, 5).await;
    let year = &app::clock::today()[..4];
    let file = format!(
        "25195,{year}-01-01,{year}-12-31,overall,30,70,Sở Nội vụ: KQ khảo sát {year}\n\
         25217,{year}-01-01,{year}-12-31,overall,30,\"85,5\",Sở Nội vụ: KQ khảo sát {year}\n"
    );

    // A wrong line stops the whole file; a dry run stores nothing.
    let refused = import(
        &app,
        &format!("{file}99999,{year}-01-01,{year}-12-31,overall,30,70,x\n"),
        false,
    )
    .await
    .unwrap_err();
    assert!(
        refused.contains("line 4: no commune in force with code 99999"),
        "{refused}"
    );
    let dry = import(&app, &file, true).await.unwrap();
    assert!(dry.contains("2 figures would be imported"), "{dry}");
    assert_eq!(stored(&app).await, 0);
    let done = import(&app, &file, false).await.unwrap();
    assert!(done.contains("2 figures read, 2 new or changed"), "{done}");
    let again = import(&app, &file, false).await.unwrap();
    assert!(
        again.contains("0 new or changed"),
        "a second import changes nothing: {again}"
    );
    assert_eq!(stored(&app).await, 2);

    // The commune page sets both side by side and raises the flag on the first screen.
    let leader = app.login("leader25195").await;
    let page = app.get_as("/commune", Some(&leader.cookie)).await.text();
    assert!(page.contains("Khảo sát độc lập của tỉnh"), "{page:.2000}");
    let section = &page[page.find("id=\"khao-sat-doc-lap\"").unwrap()..];
    assert!(
        section.contains("98,0%") && section.contains("70,0%"),
        "{section:.2000}"
    );
    assert!(section.contains("94,9–99,3%"), "the desk's interval");
    assert!(section.contains("52,1–83,4%"), "the province's interval");
    let alert_at = page.find("class=\"steering\"").expect("the flag is raised");
    assert!(
        alert_at < page.find("class=\"chairman\"").unwrap(),
        "above the summary"
    );
    // 83% of 30 at the desk against 85,5%: no flag.
    let other = app.login("leader25217").await;
    let page = app.get_as("/commune", Some(&other.cookie)).await.text();
    assert!(page.contains("Khảo sát độc lập của tỉnh"));
    assert!(!page.contains("class=\"steering\""));

    // The province view flags the commune after a score run.
    let set = app
        .state
        .criteria
        .iter()
        .find(|s| s.id == "dong-nai-2026")
        .unwrap();
    app::scores::runs::run_all(app.store(), set, &app.state.definitions, "test")
        .await
        .unwrap();
    let admin = app.login("admin").await;
    let ranking = app
        .get_as("/ranking?criteria=dong-nai-2026", Some(&admin.cookie))
        .await
        .text();
    assert_eq!(
        ranking.matches("Chênh lệch với khảo sát độc lập").count(),
        1
    );
    let flag = &ranking[ranking.find("Chênh lệch với khảo sát độc lập").unwrap()..];
    assert!(
        flag.contains("Tại quầy 98,0% (n = 200), khảo sát của tỉnh 70,0% (n = 30)"),
        "{flag:.300}"
    );
    // So does the commune's score report.
    let report = app
        .get_as("/report?criteria=dong-nai-2026", Some(&leader.cookie))
        .await
        .text();
    let alert = &report[report
        .find("class=\"steering\"")
        .expect("the report flags it")..];
    assert!(
        alert.contains("khảo sát của tỉnh 70,0% (n = 30)"),
        "{alert:.300}"
    );
}

async fn a_criteria_set_scores_on_the_province_survey(backend: Backend) {
    let app = spawn(backend).await;
    let set = app
        .state
        .criteria
        .iter()
        .find(|s| s.id == "dong-nai-2025-independent")
        .unwrap();
    let commune = app.store().commune_by_code("25195").await.unwrap().unwrap();
    let leaf_points = |report: &scoring::Report| {
        fn walk(node: &scoring::NodeResult) -> Option<scoring::Points> {
            match &node.leaf {
                Some(l) if l.source == scoring::SourceKind::IndependentSurvey => Some(node.points),
                _ => node.children.iter().find_map(walk),
            }
        }
        report.groups.iter().find_map(walk)
    };
    let before = app::scores::runs::score_commune(app.store(), set, commune.id, "25195")
        .await
        .unwrap();
    assert_eq!(
        leaf_points(&before),
        Some(scoring::Points::ZERO),
        "no figure yet"
    );
    assert!(!before.insufficient_data.is_empty(), "and it says so");

    // 75% of 30 in the second half of 2025: 60% → 0 and 90% → 12 points, so 6 points.
    import(
        &app,
        "25195,2025-07-01,2025-12-31,overall,30,75,Sở Nội vụ: KQ 2025\n",
        false,
    )
    .await
    .unwrap();
    let input = app::scores::runs::commune_input(app.store(), set, commune.id, "25195")
        .await
        .unwrap();
    let figure = &input.independent["so-noi-vu"];
    assert_eq!(
        (figure.sample, figure.satisfied_share.ten_thousandths()),
        (30, 7500)
    );
    let after = app::scores::runs::score_commune(app.store(), set, commune.id, "25195")
        .await
        .unwrap();
    assert_eq!(leaf_points(&after), scoring::Points::from_hundredths(600));
    assert!(
        after.insufficient_data.is_empty(),
        "{:?}",
        after.insufficient_data
    );
}
