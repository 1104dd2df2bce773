//! A desk's name, as the commune leader or the province sets it: the form on the desks page and
//! `hailong desks rename`, shown at once on the survey page and the poster, and audited.

use app::store::Backend;
use axum::http::{header, StatusCode};
use hailong_tests::{both_backends, TestApp};

both_backends!(
    a_leader_renames_the_commune_desk_and_citizens_see_the_new_name,
    the_command_line_renames_a_desk,
);

const COMMUNE: &str = "25195";
const NEW_NAME: &str = "Trung tâm Phục vụ hành chính công phường Bình Phước — Quầy 1";

async fn desk_code(app: &TestApp, commune: &str) -> String {
    app.desk_of(commune).await.public_code
}

async fn a_leader_renames_the_commune_desk_and_citizens_see_the_new_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("leader25195", "commune_leader", COMMUNE).await;
    app.add_user("officer25195", "commune_officer", COMMUNE)
        .await;
    app.add_user("leader25217", "commune_leader", "25217").await;
    let code = desk_code(&app, COMMUNE).await;
    let path = format!("/desks/{code}/name");
    let leader = app.login("leader25195").await;
    let cookie = Some(leader.cookie.as_str());

    let desks = app.get_as("/desks", cookie).await.text();
    assert!(desks.contains(&format!("href=\"{path}\"")), "a rename link");
    let form = app.get_as(&path, cookie).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("name=\"name\""));

    // An empty name is shown again with its error, the English name kept.
    let empty = app
        .post_as(
            &path,
            &[
                ("_csrf", &leader.csrf),
                ("name", "   "),
                ("name_en", "Desk one"),
            ],
            cookie,
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = empty.text();
    assert!(text.contains("Tên quầy không được để trống."), "{text}");
    assert!(text.contains("value=\"Desk one\""), "the input is kept");

    let saved = app
        .post_as(
            &path,
            &[("_csrf", &leader.csrf), ("name", NEW_NAME), ("name_en", "")],
            cookie,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        saved.headers.get(header::LOCATION).unwrap(),
        "/desks?ok=renamed"
    );
    let survey = app.get(&format!("/q/{code}")).await.text();
    assert!(survey.contains(NEW_NAME), "the survey names the desk anew");
    let poster = app.get(&format!("/q/{code}/poster")).await.text();
    assert!(poster.contains(NEW_NAME), "so does the poster");
    let log = app.store().list_audit(20).await.unwrap();
    let entry = log
        .iter()
        .find(|e| e.action == "desk_renamed")
        .expect("audited");
    assert_eq!(entry.actor, "leader25195");
    assert!(
        entry.detail.ends_with(&format!("→ {NEW_NAME}")),
        "{}",
        entry.detail
    );

    // Its officer, another commune's leader and a forged token change nothing.
    let officer = app.login("officer25195").await;
    let other = app.login("leader25217").await;
    for (who, csrf, expected) in [
        (&officer, officer.csrf.as_str(), StatusCode::FORBIDDEN),
        (&other, other.csrf.as_str(), StatusCode::FORBIDDEN),
        (&leader, "forged", StatusCode::FORBIDDEN),
    ] {
        let refused = app
            .post_as(
                &path,
                &[("_csrf", csrf), ("name", "Quầy giả mạo"), ("name_en", "")],
                Some(&who.cookie),
            )
            .await;
        assert_eq!(refused.status, expected);
    }
    let anonymous = app
        .post_as(&path, &[("_csrf", ""), ("name", "Quầy giả mạo")], None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let desk = app.store().find_desk(&code).await.unwrap().unwrap();
    assert_eq!(desk.name, NEW_NAME);
}

async fn the_command_line_renames_a_desk(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = desk_code(&app, COMMUNE).await;
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    let rename = |name: &str| server::cli::desks::DesksAction::Rename {
        desk: code.clone(),
        name: name.to_string(),
        name_en: None,
    };
    let too_long = "Q".repeat(121);
    let refused = server::cli::desks::run(
        &config,
        server::cli::desks::Format::Csv,
        Some(rename(&too_long)),
    )
    .await;
    assert!(refused.unwrap_err().to_string().contains("120"), "too long");
    server::cli::desks::run(
        &config,
        server::cli::desks::Format::Csv,
        Some(rename(NEW_NAME)),
    )
    .await
    .unwrap();
    let store = app::store::Store::connect(&app.db.url).await.unwrap();
    let desk = store.find_desk(&code).await.unwrap().unwrap();
    assert_eq!(
        (desk.name.as_str(), desk.name_en.as_str()),
        (NEW_NAME, NEW_NAME)
    );
    let log = store.list_audit(5).await.unwrap();
    assert!(log
        .iter()
        .any(|e| e.action == "desk_renamed" && e.actor == "command line"));
    store.close().await;
}
