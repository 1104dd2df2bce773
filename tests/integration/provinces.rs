//! Every province of the 2025 list loads: `HAILONG_PROVINCE=NN` on a fresh database gives one
//! desk per commune of that province, a desk's survey page, and a score run of every commune,
//! with the province's own criteria sets or, where it has issued none, the model sets, which
//! the pages name as such.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::TestApp;

/// SQLite only: 34 fresh databases; what differs between backends is covered by `map.rs`.
#[tokio::test]
async fn every_province_loads_with_a_desk_per_commune_and_scores() {
    let config = hailong_tests::test_config("sqlite::memory:", "127.0.0.1:3000".parse().unwrap());
    let map = server::startup::load_map(&config.definitions_dir).unwrap();
    let today = survey_definitions::Date::parse(&app::clock::today()).unwrap();
    let provinces: Vec<String> = map
        .provinces_on(today)
        .into_iter()
        .map(|p| p.code.clone())
        .collect();
    assert_eq!(provinces.len(), 34);
    let mut total = 0;
    for code in &provinces {
        let app = TestApp::spawn_with(Backend::Sqlite, |c| c.province = code.clone()).await;
        let expected = map.communes_of(code, today).len();
        let desks = app.store().list_current_desks(None).await.unwrap();
        assert_eq!(desks.len(), expected, "province {code}");
        assert_eq!(
            app.store().count_current_communes().await.unwrap() as usize,
            expected,
            "province {code}"
        );
        let page = app.get(&format!("/q/{}", desks[0].public_code)).await;
        assert_eq!(page.status, StatusCode::OK, "province {code}");
        let set = app.state.criteria.last().unwrap();
        let run = app::scores::runs::run_all(app.store(), set, &app.state.definitions, "test")
            .await
            .unwrap();
        assert_eq!(run.communes, expected, "province {code}");
        // Đồng Nai scores with its own sets (criteria/provinces.csv); the others with the model.
        assert_eq!(
            app.state.criteria.is_model(),
            code != "75",
            "province {code}"
        );
        if code == "01" || code == "75" {
            let ranking = app
                .get_as_admin(&format!("/ranking?criteria={}", set.id))
                .await;
            assert_eq!(ranking.status, StatusCode::OK, "province {code}");
            assert_eq!(
                ranking
                    .text()
                    .contains("Bộ tiêu chí mẫu — tỉnh chưa ban hành bộ tiêu chí riêng"),
                code == "01",
                "province {code}: the ranking says whether the set is a model"
            );
        }
        total += expected;
    }
    assert_eq!(total, 3321);
}
