//! The self-assessment workflow, appraisal, score runs, report and ranking, driven through HTTP
//! as the commune's officer and leader, the district reviewer and the province admin do.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{as_pairs, both_backends, device, key, valid_answers, Session, TestApp};
use survey_definitions::criteria::Source;
use survey_definitions::Lang;

both_backends!(
    an_officer_saves_a_draft_and_the_leader_submits_it,
    points_above_the_maximum_and_missing_evidence_are_refused_with_the_input_kept,
    a_reviewer_appraises_returns_and_approves_and_the_province_finalises,
    other_communes_districts_and_strangers_cannot_touch_a_dossier,
    a_score_run_scores_every_commune_explains_and_ranks_them,
    the_command_line_imports_scores_then_scores_and_verifies_a_period,
    the_demo_gives_every_stage_of_the_workflow_and_a_consistent_score_run,
    the_province_view_filters_sorts_and_compares_with_the_previous_period,
);

/// The set the pages default to today (its period holds today's date).
const SET: &str = "dong-nai-2026";
const COMMUNE: &str = "25195";

async fn staff(app: &TestApp) {
    app.add_user("admin", "province_admin", "").await;
    app.add_user("reviewer689", "district_reviewer", "689")
        .await;
    app.add_user("reviewer688", "district_reviewer", "688")
        .await;
    app.add_user("leader25195", "commune_leader", COMMUNE).await;
    app.add_user("officer25195", "commune_officer", COMMUNE)
        .await;
    app.add_user("leader25217", "commune_leader", "25217").await;
}

fn dossier_path() -> String {
    format!("/assessment/{COMMUNE}/{SET}")
}

fn page_path() -> String {
    format!("/assessment?commune={COMMUNE}&criteria={SET}")
}

/// Every leaf the commune enters, at full points with evidence (the bonus at 2).
fn full_entries(app: &TestApp) -> Vec<(String, String)> {
    let set = app
        .state
        .criteria
        .iter()
        .find(|s| s.id == SET)
        .expect("the set is in force");
    let mut fields = Vec::new();
    for leaf in app::assessment::input::commune_leaves(set) {
        let points = if leaf.source.is_bonus() {
            "2".to_string()
        } else {
            leaf.max.format(survey_definitions::Lang::Vi)
        };
        fields.push((format!("points.{}", leaf.id), points));
        fields.push((
            format!("note.{}", leaf.id),
            format!("Kế hoạch số 12/KH-UBND cho {}", leaf.id),
        ));
        fields.push((
            format!("link.{}", leaf.id),
            format!("https://vanban.example.vn/{}", leaf.id),
        ));
    }
    fields
}

async fn post_step(
    app: &TestApp,
    session: &Session,
    step: &str,
    extra: &[(String, String)],
) -> hailong_tests::TestResponse {
    let mut fields: Vec<(&str, &str)> = vec![("_csrf", &session.csrf), ("step", step)];
    fields.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    app.post_as(&dossier_path(), &fields, Some(&session.cookie))
        .await
}

async fn state_on_page(app: &TestApp, session: &Session) -> String {
    let page = app.get_as(&page_path(), Some(&session.cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    let at = html
        .find("data-state=\"")
        .expect("the page shows the state")
        + 12;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

async fn submitted_dossier(app: &TestApp) -> (Session, Session) {
    let officer = app.login("officer25195").await;
    let leader = app.login("leader25195").await;
    let saved = post_step(app, &officer, "save", &full_entries(app)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let submitted = post_step(app, &leader, "submit", &full_entries(app)).await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.text()
    );
    (officer, leader)
}

async fn an_officer_saves_a_draft_and_the_leader_submits_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let officer = app.login("officer25195").await;

    let page = app.get_as("/assessment", Some(&officer.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Hồ sơ tự đánh giá"), "{html}");
    assert!(html.contains("Đang nhập"));
    assert!(html.contains("name=\"points.c1.plan\""));
    assert!(html.contains("Tính tự động từ phiếu khảo sát của người dân"));
    // Each computed leaf says what the engine gives it today, which an appraisal would replace.
    let set = app::assessment::api::pick_criteria(&app.state, None).unwrap();
    let commune = app.store().commune_by_code("25195").await.unwrap().unwrap();
    let report = app::scores::runs::score_commune(app.store(), set, commune.id, "25195")
        .await
        .unwrap();
    fn citizen_leaves(node: &scoring::NodeResult, out: &mut Vec<scoring::NodeResult>) {
        if node.leaf.as_ref().is_some_and(|l| l.citizen.is_some()) {
            out.push(node.clone());
        }
        for child in &node.children {
            citizen_leaves(child, out);
        }
    }
    let mut leaves = Vec::new();
    for group in &report.groups {
        citizen_leaves(group, &mut leaves);
    }
    assert!(!leaves.is_empty(), "the set has a citizen leaf");
    for node in &leaves {
        let leaf = node.leaf.as_ref().unwrap();
        let points = match leaf.computed {
            Some(p) => format!(
                "{} / {} điểm",
                p.format(Lang::Vi),
                node.max.format(Lang::Vi)
            ),
            None => "chưa tính được".into(),
        };
        let citizen = leaf.citizen.as_ref().unwrap();
        let expected = format!("Điểm tính được hôm nay: {points} (n = {}", citizen.sample);
        assert!(html.contains(&expected), "{expected}");
    }
    assert!(
        !html.contains("value=\"submit\""),
        "an officer has no submit button"
    );

    let saved = post_step(&app, &officer, "save", &full_entries(&app)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(
        saved.location(),
        Some(format!("{}&ok=saved", page_path()).as_str())
    );
    let page = app
        .get_as(saved.location().unwrap(), Some(&officer.cookie))
        .await
        .text();
    assert!(page.contains("Đã lưu."));
    assert!(page.contains("https://vanban.example.vn/c1.plan"));
    assert!(page.contains("Kế hoạch số 12/KH-UBND cho c1.plan"));

    // Only the leader signs for the commune.
    let refused = post_step(&app, &officer, "submit", &full_entries(&app)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(state_on_page(&app, &officer).await, "draft");

    let leader = app.login("leader25195").await;
    let leader_page = app.get_as(&page_path(), Some(&leader.cookie)).await.text();
    assert!(leader_page.contains("value=\"submit\""));
    let submitted = post_step(&app, &leader, "submit", &full_entries(&app)).await;
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.text()
    );
    assert_eq!(state_on_page(&app, &officer).await, "submitted");
    let page = app.get_as(&page_path(), Some(&officer.cookie)).await.text();
    assert!(page.contains("Đã gửi, chờ thẩm định"));
    assert!(
        !page.contains("name=\"points.c1.plan\""),
        "a submitted dossier is read-only"
    );

    // A stale form cannot change a submitted dossier.
    let late = post_step(&app, &officer, "save", &full_entries(&app)).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.text().contains("Đã gửi, chờ thẩm định"));

    let audit = app.store().list_audit(500).await.unwrap();
    let entry = audit
        .iter()
        .find(|a| a.action == "self_assessment_entry" && a.detail.starts_with("c1.plan:"))
        .expect("each entry is audited");
    assert!(entry.detail.contains("điểm — → 3"), "{}", entry.detail);
    assert_eq!(entry.actor, "officer25195");
    assert!(audit
        .iter()
        .any(|a| a.action == "assessment_state" && a.detail == "draft → submitted"));
}

async fn points_above_the_maximum_and_missing_evidence_are_refused_with_the_input_kept(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let leader = app.login("leader25195").await;

    let mut fields = full_entries(&app);
    for (k, v) in fields.iter_mut() {
        if k == "points.c1.plan" {
            *v = "99".into();
        }
        if k == "points.c1.portal" {
            *v = "ba điểm".into();
        }
    }
    let refused = post_step(&app, &leader, "save", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        html.contains("Điểm tối đa của tiêu chí này là 3."),
        "{html}"
    );
    assert!(html.contains("Điểm phải là một số"));
    assert!(html.contains("value=\"99\""), "what was typed is kept");
    assert!(html.contains("value=\"ba điểm\""));
    let dossier = app
        .store()
        .assessment(
            app.store()
                .commune_by_code(COMMUNE)
                .await
                .unwrap()
                .unwrap()
                .id,
            SET,
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.store().entries(dossier.id).await.unwrap().is_empty(),
        "nothing of a refused form is stored"
    );

    // Points with no evidence are saved as a draft but cannot be submitted.
    let mut fields = full_entries(&app);
    fields.retain(|(k, _)| k != "link.c1.plan");
    let refused = post_step(&app, &leader, "submit", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("Đã lưu nháp nhưng chưa gửi được"), "{html}");
    assert!(html.contains("Cần ghi minh chứng và đường dẫn văn bản trước khi gửi."));
    assert_eq!(state_on_page(&app, &leader).await, "draft");
    let stored = app.store().entries(dossier.id).await.unwrap();
    assert_eq!(
        stored
            .iter()
            .find(|e| e.leaf_id == "c1.plan")
            .unwrap()
            .self_points,
        Some(300)
    );

    // A leaf left empty blocks submission too.
    let mut fields = full_entries(&app);
    fields.retain(|(k, _)| k != "points.c2.rules");
    let refused = post_step(&app, &leader, "submit", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("Cần nhập điểm"));

    // A link that is not a web address is refused, not stored.
    let mut fields = full_entries(&app);
    for (k, v) in fields.iter_mut() {
        if k == "link.c1.plan" {
            *v = "javascript:alert(1)".into();
        }
    }
    let refused = post_step(&app, &leader, "save", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("phải bắt đầu bằng https://"));
}

async fn a_reviewer_appraises_returns_and_approves_and_the_province_finalises(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let (officer, leader) = submitted_dossier(&app).await;
    let reviewer = app.login("reviewer689").await;

    let list = app.get_as("/assessments", Some(&reviewer.cookie)).await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.text();
    assert!(list.contains("1 hồ sơ chờ thẩm định."), "{list}");
    assert!(list.contains(&page_path().replace('&', "&amp;")));

    // A changed score needs a reason; accepting the commune's own needs none.
    let change = |reason: &str| {
        vec![
            ("appraised.c1.plan".to_string(), "2".to_string()),
            ("reason.c1.plan".to_string(), reason.to_string()),
            ("appraised.c1.portal".to_string(), "4".to_string()),
        ]
    };
    let refused = post_step(&app, &reviewer, "appraise", &change("")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .text()
        .contains("Cần nêu lý do khi cho điểm khác điểm xã tự chấm."));
    let saved = post_step(
        &app,
        &reviewer,
        "appraise",
        &change("Kế hoạch ban hành muộn (tháng 3)"),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());

    // Returning needs a reason, which the commune then reads.
    let refused = post_step(&app, &reviewer, "return", &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("Cần ghi lý do trả lại"));
    let returned = post_step(
        &app,
        &reviewer,
        "return",
        &[(
            "return_reason".into(),
            "Bổ sung văn bản minh chứng tiêu chí 2".into(),
        )],
    )
    .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);
    let page = app.get_as(&page_path(), Some(&officer.cookie)).await.text();
    assert!(page.contains("Bị trả lại để chỉnh sửa"));
    assert!(page.contains("Lý do trả lại: Bổ sung văn bản minh chứng tiêu chí 2"));
    assert!(
        page.contains("name=\"points.c1.plan\""),
        "a returned dossier is editable"
    );

    let again = post_step(&app, &leader, "submit", &full_entries(&app)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text());
    let approved = post_step(
        &app,
        &reviewer,
        "approve",
        &change("Kế hoạch ban hành muộn (tháng 3)"),
    )
    .await;
    assert_eq!(
        approved.status,
        StatusCode::SEE_OTHER,
        "{}",
        approved.text()
    );
    assert_eq!(state_on_page(&app, &reviewer).await, "appraised");

    // The reviewer cannot finalise nor take back its approval; the province can finalise.
    assert_eq!(
        post_step(&app, &reviewer, "finalise", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_step(
            &app,
            &reviewer,
            "return",
            &[("return_reason".into(), "x".into())]
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let admin = app.login("admin").await;
    let finalised = post_step(&app, &admin, "finalise", &[]).await;
    assert_eq!(finalised.status, StatusCode::SEE_OTHER);
    assert_eq!(state_on_page(&app, &admin).await, "finalised");
    for (who, step) in [
        (&officer, "save"),
        (&leader, "submit"),
        (&reviewer, "appraise"),
    ] {
        assert_eq!(
            post_step(&app, who, step, &full_entries(&app)).await.status,
            StatusCode::CONFLICT,
            "{step} on a finalised dossier"
        );
    }

    // The commune's report shows the appraised points, its own, and the reason.
    let report = app
        .get_as(
            &format!("/report?commune={COMMUNE}&criteria={SET}"),
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK);
    let report = report.text();
    assert!(
        report.contains("Kết quả tạm tính"),
        "no run yet: provisional"
    );
    assert!(
        report.contains("Kế hoạch ban hành muộn (tháng 3)"),
        "{report}"
    );
    let audit = app.store().list_audit(500).await.unwrap();
    assert!(audit.iter().any(
        |a| a.action == "appraisal_entry" && a.detail.contains("c1.plan: điểm thẩm định — → 2")
    ));
    assert!(audit
        .iter()
        .any(|a| a.action == "assessment_state" && a.detail == "appraised → finalised"));
}

async fn other_communes_districts_and_strangers_cannot_touch_a_dossier(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let (_, leader) = submitted_dossier(&app).await;

    let other_leader = app.login("leader25217").await;
    assert_eq!(
        app.get_as(&page_path(), Some(&other_leader.cookie))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_as(
            &format!("/report?commune={COMMUNE}"),
            Some(&other_leader.cookie)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_step(&app, &other_leader, "save", &full_entries(&app))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let other_reviewer = app.login("reviewer688").await;
    let appraisal = [
        ("appraised.c1.plan".to_string(), "0".to_string()),
        ("reason.c1.plan".to_string(), "x".to_string()),
    ];
    assert_eq!(
        post_step(&app, &other_reviewer, "appraise", &appraisal)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let list = app
        .get_as("/assessments", Some(&other_reviewer.cookie))
        .await
        .text();
    assert!(
        !list.contains(&format!("commune={COMMUNE}")),
        "not in its district"
    );
    assert!(list.contains("commune=25217"));

    // Anonymous, a foreign CSRF token, an unknown step, an unknown set.
    let anonymous = app
        .post_as(&dossier_path(), &[("step", "save")], None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let forged = app
        .post_as(
            &dossier_path(),
            &[("_csrf", "forged"), ("step", "approve")],
            Some(&other_reviewer.cookie),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let admin = app.login("admin").await;
    assert_eq!(
        post_step(&app, &admin, "delete", &[]).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.post_as(
            &format!("/assessment/{COMMUNE}/no-such-set"),
            &[("_csrf", &admin.csrf), ("step", "finalise")],
            Some(&admin.cookie)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // The commune's own leader cannot appraise its own dossier.
    assert_eq!(
        post_step(&app, &leader, "appraise", &appraisal)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_as("/ranking", Some(&leader.cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_as(
            "/scores/run",
            &[("_csrf", &leader.csrf), ("criteria", SET)],
            Some(&leader.cookie)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        state_on_page(&app, &leader).await,
        "submitted",
        "nothing moved"
    );
}

async fn a_score_run_scores_every_commune_explains_and_ranks_them(backend: Backend) {
    // The 40 answers below arrive within seconds, as no desk serves them: the desk-rate rule
    // would hold them back, and it is not what this test is about.
    let app = TestApp::spawn_with(backend, |config| config.abuse.desk_per_minute_flag = 1000).await;
    staff(&app).await;
    submitted_dossier(&app).await;
    let admin = app.login("admin").await;

    // 40 citizens at the commune's desk: 34 satisfied overall (85%).
    let desk = app.desk_of(COMMUNE).await.public_code;
    for n in 0..40u64 {
        let mut fields = valid_answers(&key(n));
        for (k, v) in fields.iter_mut() {
            match *k {
                "dossier_code" => *v = String::new(),
                "overall" if n >= 34 => *v = "2".into(),
                _ => {}
            }
        }
        let response = app
            .post_form_as(
                &format!("/q/{desk}"),
                &as_pairs(&fields),
                &format!("10.1.{}.{}", n / 200, n % 200 + 1),
                Some(&device(n + 1)),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "{}",
            response.text()
        );
    }

    // The province enters the PAR index, then scores every commune.
    let imported = post_step(
        &app,
        &admin,
        "import",
        &[
            ("imported.c4.par_index".into(), "88,4".into()),
            (
                "source.c4.par_index".into(),
                "QĐ công bố Chỉ số CCHC 2026".into(),
            ),
        ],
    )
    .await;
    assert_eq!(
        imported.status,
        StatusCode::SEE_OTHER,
        "{}",
        imported.text()
    );
    let run = app
        .post_as(
            "/scores/run",
            &[("_csrf", &admin.csrf), ("criteria", SET)],
            Some(&admin.cookie),
        )
        .await;
    assert_eq!(run.status, StatusCode::SEE_OTHER, "{}", run.text());
    let ranking_path = run.location().unwrap().to_string();
    assert!(ranking_path.starts_with(&format!("/ranking?criteria={SET}&ok=")));

    let communes = app.store().count_current_communes().await.unwrap() as usize;
    let stored_run = app.store().latest_score_run(SET).await.unwrap().unwrap();
    assert_eq!(stored_run.communes as usize, communes);
    assert_eq!(stored_run.survey_versions, "one-stop-desk v1+v2");
    let results = app
        .store()
        .score_results(stored_run.id, None)
        .await
        .unwrap();
    assert_eq!(results.len(), communes);

    // Only the commune with enough answers is ranked; the others are marked, not ranked.
    let ranking = app.get_as(&ranking_path, Some(&admin.cookie)).await;
    assert_eq!(ranking.status, StatusCode::OK);
    let html = ranking.text();
    assert!(
        html.contains(&format!("{communes} xã, 1 được xếp hạng")),
        "{html}"
    );
    let row_at = html
        .find(&format!("data-commune=\"{COMMUNE}\""))
        .expect("the commune is listed");
    let row = &html[row_at..row_at + html[row_at..].find("</tr>").unwrap()];
    assert!(row.contains(">1</td>"), "ranked first: {row}");
    assert!(row.contains("85%"), "satisfied share shown: {row}");
    assert!(row.contains("n = 40"), "{row}");
    assert_eq!(
        html.matches("chưa xếp hạng: chưa đủ mẫu").count(),
        communes - 1
    );

    // The report explains each point: 35 self-assessed + citizen points + 44,2 imported + 2 bonus.
    let ours = results.iter().find(|r| r.unit_code == COMMUNE).unwrap();
    let report: scoring::Report = serde_json::from_str(&ours.report_json).unwrap();
    let set = app.state.criteria.iter().find(|s| s.id == SET).unwrap();
    let self_max: u64 = app::assessment::input::commune_leaves(set)
        .iter()
        .filter(|l| !matches!(l.source, Source::Bonus { .. }))
        .map(|l| l.max.hundredths())
        .sum();
    let citizen: u64 = report
        .groups
        .iter()
        .flat_map(|g| {
            g.children
                .iter()
                .chain(g.children.iter().flat_map(|c| c.children.iter()))
        })
        .filter(|n| {
            n.leaf
                .as_ref()
                .is_some_and(|l| l.source == scoring::SourceKind::CitizenSurvey)
        })
        .map(|n| n.points.hundredths())
        .sum();
    assert!(citizen > 0, "85% satisfied earns citizen points");
    assert_eq!(report.total.hundredths(), self_max + citizen + 4420 + 200);
    let page = app
        .get_as(
            &format!("/report?commune={COMMUNE}&criteria={SET}"),
            Some(&admin.cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    assert!(page.contains(&format!("Kết quả lần chấm điểm số {}", stored_run.id)));
    assert!(page.contains(&report.output_hash));
    assert!(
        page.contains("QĐ công bố Chỉ số CCHC 2026"),
        "imported source explained"
    );
    let leaf_explanation = &report.groups[2].children[0].children[0]
        .leaf
        .as_ref()
        .unwrap()
        .explanation
        .vi;
    assert!(
        page.contains(leaf_explanation.as_str()),
        "the citizen leaf is explained on the page: {leaf_explanation}"
    );

    // The stored run reproduces from its saved inputs.
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    server::cli::score::verify_run(&config, stored_run.id)
        .await
        .expect("a stored run reproduces");
}

async fn the_command_line_imports_scores_then_scores_and_verifies_a_period(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    let dir = hailong_tests::workspace_root()
        .join("target")
        .join("test-files");
    std::fs::create_dir_all(&dir).unwrap();
    // Both backends' variants run at once in this process: each needs its own file.
    let file = dir.join(format!(
        "par-{}-{backend:?}.csv",
        key(u64::from(std::process::id()))
    ));

    // A bad line refuses the whole file, naming the line.
    std::fs::write(
        &file,
        "ma_xa,tieu_chi,diem,nguon\n25195,c4.par_index,91.5,QĐ 123/QĐ-UBND\n25217,c4.par_index,120,QĐ 123/QĐ-UBND\n",
    )
    .unwrap();
    let error = server::cli::score::import_scores(&config, SET, &file)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains(":3: 120"), "{error}");
    assert!(app
        .store()
        .imported_scores(SET, None)
        .await
        .unwrap()
        .is_empty());

    std::fs::write(
        &file,
        "\u{feff}ma_xa,tieu_chi,diem,nguon\n25195,c4.par_index,91.5,QĐ 123/QĐ-UBND\n25217,c4.par_index,80,\"QĐ 123/QĐ-UBND, 2026\"\n",
    )
    .unwrap();
    server::cli::score::import_scores(&config, SET, &file)
        .await
        .unwrap();
    std::fs::remove_file(&file).ok();
    let imported = app.store().imported_scores(SET, None).await.unwrap();
    assert_eq!(imported.len(), 2);
    assert_eq!(imported.iter().map(|i| i.score).sum::<i64>(), 9150 + 8000);
    assert!(imported.iter().any(|i| i.source == "QĐ 123/QĐ-UBND, 2026"));

    // An ambiguous or unknown period is refused; a year picks the set.
    assert!(server::cli::score::run(
        &config,
        None,
        Some("2019"),
        server::cli::score::ReportFormat::Json
    )
    .await
    .is_err());
    server::cli::score::run(
        &config,
        None,
        Some("2026"),
        server::cli::score::ReportFormat::Json,
    )
    .await
    .unwrap();
    let run = app.store().latest_score_run(SET).await.unwrap().unwrap();
    let results = app.store().score_results(run.id, None).await.unwrap();
    let par = |code: &str| -> scoring::Report {
        serde_json::from_str(
            &results
                .iter()
                .find(|r| r.unit_code == code)
                .unwrap()
                .report_json,
        )
        .unwrap()
    };
    // 91.5 of 100 on the index is 45.75 of the criterion's 50 points.
    assert_eq!(par("25195").total.hundredths(), 4575);
    assert_eq!(par("25217").total.hundredths(), 4000);
    server::cli::score::verify_run(&config, run.id)
        .await
        .unwrap();

    // A run whose stored input was altered no longer verifies.
    sqlx::query("update score_results set input_json = replace(input_json, '91.5', '91.6') where run_id = $1")
        .bind(run.id)
        .execute(app.store().pool())
        .await
        .unwrap();
    assert!(server::cli::score::verify_run(&config, run.id)
        .await
        .is_err());
}

async fn the_demo_gives_every_stage_of_the_workflow_and_a_consistent_score_run(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let options = server::cli::demo::DemoOptions {
        days: 60,
        per_day: 2.0,
        seed: 11,
    };
    server::cli::demo::seed(app.store(), &options)
        .await
        .unwrap();
    let accounts = server::cli::demo::demo_users(&app.state).await.unwrap();

    let scoring = server::cli::demo::seed_scoring(&app.state, 11)
        .await
        .unwrap();

    assert_eq!(scoring.criteria, SET);
    let states: Vec<&str> = scoring.dossiers.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        states,
        ["appraised", "draft", "finalised", "returned", "submitted"],
        "every stage has a dossier to look at"
    );
    let communes = app.store().count_current_communes().await.unwrap() as usize;
    assert_eq!(scoring.imported, communes, "one PAR score per commune");
    let run = scoring.run.expect("a first score run");
    assert_eq!(run.communes, communes);

    // The stored run agrees with a fresh computation from the same database, commune by commune.
    let set = app.state.criteria.iter().find(|s| s.id == SET).unwrap();
    for result in app.store().score_results(run.run_id, None).await.unwrap() {
        let now =
            app::scores::runs::score_commune(app.store(), set, result.unit_id, &result.unit_code)
                .await
                .unwrap();
        assert_eq!(now.output_hash, result.output_hash, "{}", result.unit_code);
        assert_eq!(now.total.hundredths() as i64, result.total);
    }
    // Its citizen figures are the stored responses: the demo commune's sample is its responses.
    let tan_phu = app.store().commune_by_code(COMMUNE).await.unwrap().unwrap();
    let (responses,): (i64,) = sqlx::query_as(
        "select count(*) from responses r join desks d on d.id = r.desk_id where d.commune_id = $1",
    )
    .bind(tan_phu.id)
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    let report: scoring::Report = serde_json::from_str(
        &app.store()
            .score_results(run.run_id, Some(tan_phu.id))
            .await
            .unwrap()[0]
            .report_json,
    )
    .unwrap();
    let overall = report.groups[2].children[0].children[0]
        .leaf
        .as_ref()
        .unwrap()
        .citizen
        .as_ref()
        .unwrap();
    assert_eq!(overall.responses as i64, responses);

    // The demo commune's officer finds a draft in progress to continue.
    assert!(accounts.iter().any(|a| a.username == "canbo.binhphuoc"));
    let dossier = app
        .store()
        .assessment(tan_phu.id, SET)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dossier.state, "draft");
    let leaves = app::assessment::input::commune_leaves(set).len();
    let entered = app.store().entries(dossier.id).await.unwrap().len();
    assert!(entered > 0 && entered < leaves, "{entered} of {leaves}");

    // Running it again adds nothing: no second run, no dossier changed.
    let again = server::cli::demo::seed_scoring(&app.state, 11)
        .await
        .unwrap();
    assert!(again.run.is_none());
    assert!(again.dossiers.is_empty());
    assert_eq!(again.imported, 0);
}

async fn the_province_view_filters_sorts_and_compares_with_the_previous_period(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    let store = app.store();
    let a = store.commune_by_code(COMMUNE).await.unwrap().unwrap().id;
    let b = store.commune_by_code("25217").await.unwrap().unwrap().id;
    let actor = app::store::assessments::Actor {
        user_id: None,
        name: "test",
    };
    // 2025: both communes 60 on the index (30 points); 2026: 25195 rises to 80, 25217 falls to 50.
    for (set, scores) in [
        ("dong-nai-2025", [(a, 6000), (b, 6000)]),
        (SET, [(a, 8000), (b, 5000)]),
    ] {
        let rows: Vec<_> = scores
            .iter()
            .map(|(unit_id, score)| app::store::assessments::ImportedRow {
                unit_id: *unit_id,
                leaf_id: "c4.par_index".into(),
                score: *score,
                source: "test".into(),
            })
            .collect();
        store.set_imported_scores(set, &rows, actor).await.unwrap();
    }
    for period in ["2025", "2026"] {
        server::cli::score::run(
            &config,
            None,
            Some(period),
            server::cli::score::ReportFormat::Json,
        )
        .await
        .unwrap();
    }
    let admin = app.login("admin").await;
    let page = |path: String, session: Session| {
        let app = &app;
        async move {
            let response = app.get_as(&path, Some(&session.cookie)).await;
            assert_eq!(response.status, StatusCode::OK, "{path}");
            response.text()
        }
    };
    let row = |html: &str, code: &str| -> String {
        let at = html
            .find(&format!("data-commune=\"{code}\""))
            .unwrap_or_else(|| panic!("{code} listed"));
        html[at..at + html[at..].find("</tr>").unwrap()].to_string()
    };

    let html = page(format!("/ranking?criteria={SET}"), admin.clone()).await;
    assert!(
        html.contains("so sánh với kỳ trước: 2025-01-01 – 2026-01-01"),
        "{html:.3000}"
    );
    let ours = row(&html, COMMUNE);
    assert!(ours.contains("<td class=\"num total\">40</td>"), "{ours}");
    assert!(
        ours.contains("<td class=\"num\">30</td>"),
        "previous total: {ours}"
    );
    assert!(ours.contains("+10"), "{ours}");
    let theirs = row(&html, "25217");
    assert!(theirs.contains("−5"), "{theirs}");
    let communes = app.store().count_current_communes().await.unwrap();
    assert!(html.contains(&format!("Hiển thị {communes} xã")));

    // Sorted by change, the riser comes first and the faller last of the two.
    let html = page(
        format!("/ranking?criteria={SET}&sort=change"),
        admin.clone(),
    )
    .await;
    let first = html.find("data-commune=").unwrap();
    assert!(html[first..].starts_with(&format!("data-commune=\"{COMMUNE}\"")));

    // Filters: one district; the sufficient sample (none here).
    let html = page(
        format!("/ranking?criteria={SET}&district=689"),
        admin.clone(),
    )
    .await;
    let in_689 = html.matches("data-commune=").count();
    assert!(in_689 > 0 && (in_689 as i64) < communes);
    assert!(html.contains(&format!("data-commune=\"{COMMUNE}\"")));
    assert!(!html.contains("data-commune=\"25217\""));
    let html = page(
        format!("/ranking?criteria={SET}&sample=sufficient"),
        admin.clone(),
    )
    .await;
    assert!(html.contains("Hiển thị 0 xã"));

    // A district reviewer sees its own district only, whatever it asks for.
    let reviewer = app.login("reviewer688").await;
    let html = page(
        format!("/ranking?criteria={SET}&district=689"),
        reviewer.clone(),
    )
    .await;
    assert!(html.contains("Hiển thị 0 xã"));
    let html = page(format!("/ranking?criteria={SET}"), reviewer).await;
    assert!(html.contains("data-commune=\"25217\""));
    assert!(!html.contains(&format!("data-commune=\"{COMMUNE}\"")));
}
