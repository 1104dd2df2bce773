//! The `hailong` commands that write CSV or seed data, run on the test database.

use app::store::Backend;
use hailong_tests::{as_pairs, both_backends, valid_answers, TestApp, PUBLIC_URL};

both_backends!(
    desks_csv_lists_every_desk_with_its_public_url,
    export_has_one_row_per_stored_response_with_its_answers,
    demo_seeds_responses_once_per_seed,
    demo_accounts_cover_every_role_and_sign_in,
);

async fn desks_csv_lists_every_desk_with_its_public_url(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut out = Vec::new();

    server::cli::desks::write_desks_csv(app.store(), PUBLIC_URL, &mut out)
        .await
        .unwrap();

    let csv = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "commune_code,commune,desk,survey_url");
    assert_eq!(lines.len(), 96, "header + 95 desks");
    let code = app.any_desk_code().await;
    assert!(lines
        .iter()
        .any(|l| l.ends_with(&format!(",{PUBLIC_URL}/q/{code}"))));
}

async fn export_has_one_row_per_stored_response_with_its_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    for comment in ["Tốt, nhanh", "Chờ \"hơi\" lâu"] {
        let key = app.form_key(&code).await;
        let mut fields = valid_answers(&key);
        fields.retain(|(k, _)| *k != "comment" && *k != "dossier_code");
        fields.push(("comment", comment.to_string()));
        let response = app
            .post_form(&format!("/q/{code}"), &as_pairs(&fields))
            .await;
        assert_eq!(response.status.as_u16(), 303);
    }
    let mut out = Vec::new();

    server::cli::export::write_responses_csv(app.store(), &app.state.definitions, &mut out)
        .await
        .unwrap();

    let csv = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "header + one row per response:\n{csv}");
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let first: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(first[col("desk_code")], code);
    assert_eq!(first[col("overall")], "5");
    assert_eq!(first[col("visits")], "1");
    assert_eq!(first[col("feedback")], "", "unanswered stays empty");
    assert_eq!(first[col("dossier_code")], "");
    // The comment column is v1's; the columns of questions only v2 asks follow it.
    assert!(lines[1].contains(",\"Tốt, nhanh\","), "{}", lines[1]);
    assert!(
        lines[2].contains(",\"Chờ \"\"hơi\"\" lâu\","),
        "{}",
        lines[2]
    );
}

async fn demo_seeds_responses_once_per_seed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let options = server::cli::demo::DemoOptions {
        days: 7,
        per_day: 1.0,
        seed: 7,
    };

    let first = server::cli::demo::seed(app.store(), &options)
        .await
        .unwrap();
    let again = server::cli::demo::seed(app.store(), &options)
        .await
        .unwrap();

    assert!(
        first > 200,
        "about one response per desk and working day: {first}"
    );
    assert_eq!(again, 0, "the same seed adds nothing twice");
    assert_eq!(app.store().count_responses().await.unwrap() as usize, first);
    let (channels,): (i64,) =
        sqlx::query_as("select count(*) from responses where channel <> 'demo'")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert_eq!(channels, 0, "simulated answers are marked as such");
    // The last 7 days are after 1/10/2026, when the demo's desks serve survey version 2.
    let (v2,): (i64,) = sqlx::query_as("select count(*) from responses where survey_version = 2")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert_eq!(v2 as usize, first, "recent demo answers are to version 2");
    let mut out = Vec::new();
    server::cli::export::write_responses_csv(app.store(), &app.state.definitions, &mut out)
        .await
        .unwrap();
    let rows = String::from_utf8(out)
        .unwrap()
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .count();
    assert_eq!(rows - 1, first, "every seeded response exports as one row");
}

async fn demo_accounts_cover_every_role_and_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let accounts = server::cli::demo::demo_users(&app.state).await.unwrap();
    let again = server::cli::demo::demo_users(&app.state).await.unwrap();

    assert_eq!(accounts.len(), 4);
    assert!(again.is_empty(), "existing accounts are kept");
    for account in &accounts {
        let response = app.try_login(account.username, &account.password).await;
        assert_eq!(
            response.status.as_u16(),
            303,
            "{} signs in",
            account.username
        );
    }
}

#[test]
fn score_explains_a_what_if_file_and_is_reproducible() {
    let config = hailong_tests::test_config("sqlite::memory:", "127.0.0.1:3000".parse().unwrap());
    let inputs = hailong_tests::workspace_root().join("scoring/examples/dong-nai-commune.json");

    let first = server::cli::score::score_file(&config, "dong-nai-2025", &inputs).unwrap();
    let again = server::cli::score::score_file(&config, "dong-nai-2025", &inputs).unwrap();
    let text = server::cli::score::report_text(&first, survey_definitions::Lang::Vi);

    assert_eq!(first.input_hash, again.input_hash);
    assert_eq!(first.output_hash, again.output_hash);
    assert_eq!(first.groups.len(), 5, "four criteria and the bonus");
    assert!(
        text.contains("Khoảng tin cậy 95% (Wilson"),
        "citizen leaves explain their sample"
    );
    assert!(text.contains("Xếp loại:"));
    let unknown = server::cli::score::score_file(&config, "no-such-set", &inputs).unwrap_err();
    assert!(
        format!("{unknown:#}").contains("dong-nai-2025"),
        "lists the known sets"
    );
}
