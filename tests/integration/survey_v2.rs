//! Survey version 2: posted without JavaScript, counted with version-1 answers on the same five
//! SIPAS elements ("not applicable" and a result not yet received never count), the dossier
//! link of a slip, and the refusals of mixed-up or malformed answers.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{as_pairs, both_backends, device, key, valid_answers, TestApp};

both_backends!(
    a_v2_form_posted_without_javascript_is_stored_as_version_2,
    v1_and_v2_answers_in_one_period_count_on_the_same_elements,
    a_slip_link_fills_in_the_dossier_code_and_locks_it,
    a_second_rating_of_the_same_dossier_is_flagged_not_refused,
    mixed_up_or_malformed_answers_are_refused_and_nothing_is_stored,
);

const CODE: &str = "000.00.14.H20-200703-0002";

/// Form fields as posted.
type Fields = Vec<(&'static str, String)>;

/// A v2 answer as its form posts it (version field included), with `extra` answers.
fn v2_answers(key: &str, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("_key", key.to_string()),
        ("lang", "vi".to_string()),
        ("_version", "2".to_string()),
        ("overall", "5".to_string()),
    ];
    fields.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    fields
}

async fn post(app: &TestApp, path: &str, fields: &[(&str, String)], n: u64) -> StatusCode {
    let response = app
        .post_form_as(
            path,
            &as_pairs(fields),
            &format!("198.51.100.{}", n + 1),
            Some(&device(n)),
        )
        .await;
    response.status
}

async fn a_v2_form_posted_without_javascript_is_stored_as_version_2(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let page = app.get(&format!("/q/{code}")).await.text();
    let form_key = hailong_tests::hidden_value(&page, "_key").unwrap();

    let fields = v2_answers(
        &form_key,
        &[
            ("field", "ho_tich"),
            ("access", "4"),
            ("harassment", "no"),
            ("unofficial_payment", "no"),
            ("waiting", "lt15"),
            ("visits", "1"),
            ("result_received", "no"),
            ("results", "1"),
            ("feedback", "na"),
            ("respondent", "organisation"),
            ("staff_helped", "yes"),
            ("dossier_code", "000.00.14.h20-200703-0002"),
        ],
    );
    let response = app
        .post_form(&format!("/q/{code}"), &as_pairs(&fields))
        .await;

    // The page is the v2 form in official wording, and the post goes to the thank-you page.
    assert_eq!(
        hailong_tests::hidden_value(&page, "_version").as_deref(),
        Some("2")
    );
    for wording in [
        "Ông/Bà đã nhận kết quả chưa?",
        "xử lý ý kiến góp ý, phản ánh, kiến nghị",
        "đi lại bao nhiêu lần",
        "Không áp dụng",
        "Cán bộ đã giúp tôi điền phiếu này",
        "Nghị định 118/2025/NĐ-CP",
    ] {
        assert!(page.contains(wording), "{wording}");
    }
    assert_eq!(
        response.status,
        StatusCode::SEE_OTHER,
        "{}",
        response.text()
    );
    let (id, version, dossier): (i64, i64, Option<String>) =
        sqlx::query_as("select id, survey_version, dossier_code from responses")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert_eq!(version, 2);
    assert_eq!(dossier.as_deref(), Some(CODE), "stored in upper case");
    let answers = app.store().answers_of(id).await.unwrap();
    let get = |q: &str| answers.iter().find(|a| a.question_id == q).cloned();
    assert!(
        get("results").is_none(),
        "a result not yet received is ignored"
    );
    let feedback = get("feedback").unwrap();
    assert_eq!(
        (feedback.value_int, feedback.value_text.as_deref()),
        (None, Some("na"))
    );
    assert_eq!(
        get("respondent").unwrap().value_text.as_deref(),
        Some("organisation")
    );
    assert_eq!(get("staff_helped").unwrap().value_int, Some(1));
    assert_eq!(get("harassment").unwrap().value_int, Some(0));
}

async fn v1_and_v2_answers_in_one_period_count_on_the_same_elements(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let path = format!("/q/{code}");
    // Three v1 forms (no version field): every element answered 4, feedback 4.
    for n in 0..3 {
        let mut fields = valid_answers(&key(n));
        fields.retain(|(k, _)| *k != "dossier_code" && *k != "feedback");
        fields.push(("feedback", "4".into()));
        assert_eq!(post(&app, &path, &fields, n).await, StatusCode::SEE_OTHER);
    }
    // Three v2 forms: feedback 5, 2 and "not applicable"; the result rated once received (5),
    // ignored when not received (1), not asked in the third.
    let v2 = [
        v2_answers(
            &key(3),
            &[
                ("feedback", "5"),
                ("result_received", "yes"),
                ("results", "5"),
            ],
        ),
        v2_answers(
            &key(4),
            &[
                ("feedback", "2"),
                ("result_received", "no"),
                ("results", "1"),
            ],
        ),
        v2_answers(&key(5), &[("feedback", "na"), ("access", "1")]),
    ];
    for (n, fields) in v2.iter().enumerate() {
        assert_eq!(
            post(&app, &path, fields, 3 + n as u64).await,
            StatusCode::SEE_OTHER
        );
    }

    let survey = app
        .state
        .definitions
        .latest(survey_definitions::DEFAULT_SURVEY_ID)
        .unwrap();
    let desk = app.store().find_desk(&code).await.unwrap().unwrap();
    let commune = app
        .store()
        .commune_by_code(&desk.commune_code)
        .await
        .unwrap()
        .unwrap();
    let today = app::clock::today();
    let (figures, _) = app::figures::commune_figures(app.store(), survey, commune.id, None, &today)
        .await
        .unwrap();

    // By hand: overall 3×5 (v1: valid_answers gives 5) + 3×5 → n 6, all satisfied.
    // access: 3×4 (v1) + 1 (v2) → n 4, 3 satisfied. results: 3×4 (v1) + 5 (received) → n 4,
    // the "not received" 1 is not counted. feedback: 3×4 + 5 + 2 → n 5, 4 satisfied; the
    // "not applicable" is no answer to the element.
    let element = |vi: &str| {
        figures
            .elements
            .iter()
            .find(|(name, _)| name.vi == vi)
            .map(|(_, s)| (s.rated(), s.satisfied()))
            .unwrap_or_else(|| panic!("no element {vi}"))
    };
    assert_eq!(element("Hài lòng chung"), (6, 6));
    assert_eq!(element("Tiếp cận dịch vụ"), (4, 3));
    assert_eq!(element("Kết quả giải quyết công việc"), (4, 4));
    assert_eq!(
        element("Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị"),
        (5, 4)
    );
    let versions: Vec<(i64,)> = sqlx::query_as("select survey_version from responses order by id")
        .fetch_all(app.store().pool())
        .await
        .unwrap();
    assert_eq!(versions, [(1,), (1,), (1,), (2,), (2,), (2,)]);
}

async fn a_slip_link_fills_in_the_dossier_code_and_locks_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;

    let page = app.get(&format!("/q/{code}?hs={CODE}")).await;

    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let field = html
        .split("<input")
        .find(|tag| tag.contains("name=\"dossier_code\""))
        .expect("the dossier field");
    assert!(field.contains(&format!("value=\"{CODE}\"")), "{field}");
    assert!(field.contains("readonly"), "{field}");
    // The form posts back to the slip's link, so a page shown again keeps the code.
    assert!(html.contains(&format!("action=\"/q/{code}?hs={CODE}\"")));
}

async fn a_second_rating_of_the_same_dossier_is_flagged_not_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let path = format!("/q/{code}?hs={CODE}");

    let first = post(
        &app,
        &path,
        &v2_answers(&key(1), &[("dossier_code", CODE)]),
        1,
    )
    .await;
    let second = post(
        &app,
        &path,
        &v2_answers(&key(2), &[("dossier_code", CODE)]),
        2,
    )
    .await;

    assert_eq!(
        (first, second),
        (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER)
    );
    let rows: Vec<(Option<String>, i64)> =
        sqlx::query_as("select flags, held from responses order by id")
            .fetch_all(app.store().pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), 2, "both ratings are stored");
    assert!(
        rows.iter().all(
            |(flags, held)| flags.as_deref().unwrap_or("").contains("dossier_repeat") && *held == 1
        ),
        "{rows:?}"
    );
}

async fn mixed_up_or_malformed_answers_are_refused_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let path = format!("/q/{code}");
    let v1_with = |n: u64, name: &'static str, value: &str| {
        let mut fields = valid_answers(&key(n));
        fields.retain(|(k, _)| *k != "dossier_code" && *k != name);
        fields.push(("_version", "1".into()));
        fields.push((name, value.into()));
        fields
    };
    let cases: Vec<(&str, Fields, StatusCode, &str)> = vec![
        (
            "a v2 question posted to a v1 form",
            v1_with(1, "harassment", "yes"),
            StatusCode::CONFLICT,
            "Phiếu đánh giá đã được cập nhật",
        ),
        (
            "not applicable posted to v1, which does not offer it",
            v1_with(2, "feedback", "na"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Vui lòng chọn một trong các câu trả lời có sẵn.",
        ),
        (
            "not applicable on the overall question",
            v2_answers(&key(3), &[])
                .into_iter()
                .map(|(k, v)| {
                    if k == "overall" {
                        (k, "na".to_string())
                    } else {
                        (k, v)
                    }
                })
                .collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "không có lựa chọn «Không áp dụng»",
        ),
        (
            "a version the survey does not have",
            {
                let mut fields = v2_answers(&key(4), &[]);
                fields.retain(|(k, _)| *k != "_version");
                fields.push(("_version", "7".into()));
                fields
            },
            StatusCode::CONFLICT,
            "Phiếu đánh giá đã được cập nhật",
        ),
        (
            "a dossier code not in the province's format",
            v2_answers(&key(5), &[("dossier_code", "HS-12")]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Mã hồ sơ không đúng định dạng",
        ),
    ];

    for (n, (case, fields, status, message)) in cases.iter().enumerate() {
        let response = app
            .post_form_as(
                &path,
                &as_pairs(fields),
                &format!("203.0.113.{n}"),
                Some(&device(n as u64)),
            )
            .await;
        assert_eq!(response.status, *status, "{case}: {}", response.text());
        assert!(response.text().contains(message), "{case}");
    }
    let bad_link = app.get(&format!("/q/{code}?hs=khong-phai-ma")).await;

    assert_eq!(bad_link.status, StatusCode::BAD_REQUEST);
    assert!(bad_link
        .text()
        .contains("Mã hồ sơ trong đường dẫn không đúng định dạng"));
    assert_eq!(app.store().count_responses().await.unwrap(), 0);
}
