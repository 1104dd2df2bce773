//! Anti-abuse on the public survey: honest citizens behind one address all get through; floods
//! are slowed and refused without slowing others; suspicious answers are flagged, not dropped;
//! nothing identifying is stored.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{as_pairs, both_backends, device, key, valid_answers, TestApp};

both_backends!(
    five_hundred_phones_behind_one_ipv4_address_all_get_through,
    a_flooding_device_gets_429_while_others_are_served,
    ipv6_clients_are_limited_by_their_64,
    one_rating_per_device_and_desk_within_the_window,
    a_second_rating_of_a_dossier_at_a_desk_waits_for_review,
    a_filled_honeypot_is_stored_flagged,
    many_identical_answers_at_a_desk_are_stored_flagged,
    no_raw_address_or_user_agent_is_stored,
    a_comment_with_markup_is_shown_escaped,
    retention_deletes_old_comments_but_keeps_ratings,
    a_retry_is_thanked_again_after_rating_and_when_limited,
);

fn answers_without_dossier(key: &str) -> Vec<(&'static str, String)> {
    let mut fields = valid_answers(key);
    fields.retain(|(k, _)| *k != "dossier_code");
    fields
}

async fn five_hundred_phones_behind_one_ipv4_address_all_get_through(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;

    let mut statuses = Vec::new();
    for n in 0..500 {
        let fields = answers_without_dossier(&key(n));
        let response = app
            .post_form_as(
                &format!("/q/{code}"),
                &as_pairs(&fields),
                "100.64.0.1",
                Some(&device(n)),
            )
            .await;
        statuses.push(response.status);
    }

    assert!(
        statuses.iter().all(|s| *s == StatusCode::SEE_OTHER),
        "refused: {}",
        statuses
            .iter()
            .filter(|s| **s != StatusCode::SEE_OTHER)
            .count()
    );
    assert_eq!(app.store().count_responses().await.unwrap(), 500);
    // So many answers from one address at one desk are worth a look: flagged, still counted.
    let (flagged,): (i64,) = sqlx::query_as(
        "select count(*) from responses where flags like '%client_burst%' and excluded = 0",
    )
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    assert!(flagged > 400, "{flagged}");
}

async fn a_flooding_device_gets_429_while_others_are_served(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desks = app.store().list_current_desks(None).await.unwrap();
    let flooder = device(1);

    let mut refused = None;
    for n in 0..20u64 {
        // A different desk each time, so only the rate limit can stop it.
        let code = &desks[n as usize].public_code;
        let fields = answers_without_dossier(&key(n));
        let response = app
            .post_form_as(
                &format!("/q/{code}"),
                &as_pairs(&fields),
                "203.0.113.9",
                Some(&flooder),
            )
            .await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(response);
            break;
        }
        assert_eq!(response.status, StatusCode::SEE_OTHER);
    }
    let honest_same_network = app
        .post_form_as(
            &format!("/q/{}", desks[50].public_code),
            &as_pairs(&answers_without_dossier(&key(100))),
            "203.0.113.9",
            Some(&device(2)),
        )
        .await;
    let honest_elsewhere = app
        .post_form_as(
            &format!("/q/{}", desks[51].public_code),
            &as_pairs(&answers_without_dossier(&key(101))),
            "198.51.100.4",
            Some(&device(3)),
        )
        .await;

    let refused = refused.expect("the flood is refused");
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert!(refused.text().contains("Vui lòng thử lại sau"));
    assert_eq!(honest_same_network.status, StatusCode::SEE_OTHER);
    assert_eq!(honest_elsewhere.status, StatusCode::SEE_OTHER);
    // The flood's first few got through (burst), flagged as a device burst.
    let (bursts,): (i64,) =
        sqlx::query_as("select count(*) from responses where flags like '%device_burst%'")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert!(bursts >= 1);
}

async fn ipv6_clients_are_limited_by_their_64(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.abuse.client_burst = 3;
        c.abuse.client_per_minute = 1;
    })
    .await;
    let desks = app.store().list_current_desks(None).await.unwrap();
    let post = |n: u64, ip: &'static str| {
        let code = desks[n as usize].public_code.clone();
        let app = &app;
        async move {
            app.post_form_as(
                &format!("/q/{code}"),
                &as_pairs(&answers_without_dossier(&key(n))),
                ip,
                Some(&device(n)),
            )
            .await
            .status
        }
    };

    let same_64 = [
        post(0, "2001:db8:aa:1::1").await,
        post(1, "2001:db8:aa:1::2").await,
        post(2, "2001:db8:aa:1:ffff::3").await,
        post(3, "2001:db8:aa:1::4").await,
    ];
    let other_64 = post(4, "2001:db8:aa:2::1").await;

    assert_eq!(&same_64[..3], &[StatusCode::SEE_OTHER; 3]);
    assert_eq!(
        same_64[3],
        StatusCode::TOO_MANY_REQUESTS,
        "a new address in the same /64 is the same client"
    );
    assert_eq!(other_64, StatusCode::SEE_OTHER);
}

async fn one_rating_per_device_and_desk_within_the_window(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desks = app.store().list_current_desks(None).await.unwrap();
    let phone = device(7);
    let at = |i: usize| format!("/q/{}", desks[i].public_code);

    let first = app
        .post_form_as(
            &at(0),
            &as_pairs(&answers_without_dossier(&key(1))),
            "192.0.2.1",
            Some(&phone),
        )
        .await;
    let again = app
        .post_form_as(
            &at(0),
            &as_pairs(&answers_without_dossier(&key(2))),
            "192.0.2.1",
            Some(&phone),
        )
        .await;
    let other_desk = app
        .post_form_as(
            &at(1),
            &as_pairs(&answers_without_dossier(&key(3))),
            "192.0.2.1",
            Some(&phone),
        )
        .await;

    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "a friendly page, not an error"
    );
    let friendly = again.location().unwrap().to_string();
    assert!(friendly.ends_with("/thanks?already=1"), "{friendly}");
    let page = app.get(&friendly).await;
    assert!(page.text().contains("vừa đánh giá quầy này"));
    assert_eq!(other_desk.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store().count_responses().await.unwrap(), 2);
}

async fn a_second_rating_of_a_dossier_at_a_desk_waits_for_review(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desks = app.store().list_current_desks(None).await.unwrap();
    let at = |i: usize| format!("/q/{}", desks[i].public_code);

    let first = app
        .post_form_as(
            &at(0),
            &as_pairs(&valid_answers(&key(1))),
            "192.0.2.1",
            Some(&device(1)),
        )
        .await;
    let same_dossier = app
        .post_form_as(
            &at(0),
            &as_pairs(&valid_answers(&key(2))),
            "192.0.2.2",
            Some(&device(2)),
        )
        .await;
    let other_desk = app
        .post_form_as(
            &at(1),
            &as_pairs(&valid_answers(&key(3))),
            "192.0.2.3",
            Some(&device(3)),
        )
        .await;

    assert_eq!(first.status, StatusCode::SEE_OTHER);
    // The second rating is not refused (the first may be a squatter's): both wait for review.
    assert_eq!(same_dossier.status, StatusCode::SEE_OTHER);
    assert_eq!(other_desk.status, StatusCode::SEE_OTHER);
    let rows: Vec<(String, i64, Option<String>)> =
        sqlx::query_as("select idempotency_key, held, flags from responses order by id")
            .fetch_all(app.store().pool())
            .await
            .unwrap();
    let repeat = |i: usize| {
        rows[i].1 == 1
            && rows[i]
                .2
                .as_deref()
                .unwrap_or("")
                .contains("dossier_repeat")
    };
    assert!(repeat(0) && repeat(1), "{rows:?}");
    assert!(
        !repeat(2),
        "another desk's dossier of the same code is not a repeat"
    );
}

async fn a_filled_honeypot_is_stored_flagged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let mut fields = answers_without_dossier(&key(1));
    fields.push(("website", "http://spam.example".into()));

    let response = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&fields),
            "192.0.2.1",
            Some(&device(1)),
        )
        .await;

    assert_eq!(response.status, StatusCode::SEE_OTHER);
    let (flags, excluded): (Option<String>, i64) =
        sqlx::query_as("select flags, excluded from responses")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert!(flags.unwrap().contains("honeypot"));
    assert_eq!(excluded, 0, "only a reviewer excludes");
}

async fn many_identical_answers_at_a_desk_are_stored_flagged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let post = |n: u64, overall: &'static str| {
        let mut fields = answers_without_dossier(&key(n));
        fields.retain(|(k, _)| *k != "overall");
        fields.push(("overall", overall.into()));
        let app = &app;
        let code = &code;
        async move {
            app.post_form_as(
                &format!("/q/{code}"),
                &as_pairs(&fields),
                &format!("192.0.2.{n}"),
                Some(&device(n)),
            )
            .await
            .status
        }
    };
    // Six citizens on six phones and addresses give the very same answers; a seventh differs.
    for n in 1..=6 {
        assert_eq!(post(n, "5").await, StatusCode::SEE_OTHER, "citizen {n}");
    }
    assert_eq!(post(7, "3").await, StatusCode::SEE_OTHER);

    let rows: Vec<(Option<String>, i64)> =
        sqlx::query_as("select flags, excluded from responses order by id")
            .fetch_all(app.store().pool())
            .await
            .unwrap();
    let identical: Vec<bool> = rows
        .iter()
        .map(|(flags, _)| {
            flags
                .as_deref()
                .is_some_and(|f| f.contains("identical_answers"))
        })
        .collect();
    // The default threshold is five identical answers within ten minutes: from the fifth on.
    assert_eq!(
        identical,
        [false, false, false, false, true, true, false],
        "{rows:?}"
    );
    assert!(
        rows.iter().all(|(_, excluded)| *excluded == 0),
        "all counted"
    );
}

async fn no_raw_address_or_user_agent_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let phone = device(42);

    app.post_form_as(
        &format!("/q/{code}"),
        &as_pairs(&answers_without_dossier(&key(1))),
        "203.0.113.77",
        Some(&phone),
    )
    .await;

    let row: (Option<String>, Option<String>, String, String) =
        sqlx::query_as("select device_hash, client_hash, idempotency_key, lang from responses")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    let stored = format!("{row:?}");
    assert!(!stored.contains("203.0.113.77"), "{stored}");
    assert!(!stored.contains(&phone), "{stored}");
    assert!(!stored.contains("Android"), "{stored}");
    assert_eq!(row.0.unwrap().len(), 64, "a salted SHA-256");
    assert_eq!(row.1.unwrap().len(), 64);
}

async fn a_comment_with_markup_is_shown_escaped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let mut fields = answers_without_dossier(&key(1));
    fields.retain(|(k, _)| *k != "overall" && *k != "comment");
    fields.push(("comment", "</textarea><script>alert('x')</script>".into()));

    let page = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&fields),
            "192.0.2.1",
            Some(&device(1)),
        )
        .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text();
    assert!(!html.contains("<script>alert"), "raw markup rendered");
    assert!(
        !html.contains("</textarea><script>"),
        "the comment broke out of its field"
    );
    assert!(
        html.contains("&lt;/textarea&gt;&lt;script&gt;alert("),
        "escaped text kept"
    );
}

async fn retention_deletes_old_comments_but_keeps_ratings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    server::cli::demo::seed(
        app.store(),
        &server::cli::demo::DemoOptions {
            days: 60,
            per_day: 1.0,
            seed: 3,
        },
    )
    .await
    .unwrap();
    let pool = app.store().pool().clone();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
            n
        }
    };
    let old_comments = "select count(*) from answers a join responses r on r.id = a.response_id \
        where a.question_id = 'comment' and r.created_at < (select max(created_at) from responses) - cast(2595600000 as bigint)";
    let responses = count("select count(*) from responses").await;
    let overall = count("select count(*) from answers where question_id = 'overall'").await;
    assert!(count(old_comments).await > 0, "the demo has old comments");
    assert_eq!(crate::dashboard::feedback_marks_disagreeing(&pool).await, 0);

    let deleted = app
        .store()
        .delete_comments_older_than(30, &["comment"])
        .await
        .unwrap();

    assert!(deleted > 0);
    assert_eq!(count(old_comments).await, 0);
    assert_eq!(
        crate::dashboard::feedback_marks_disagreeing(&pool).await,
        0,
        "responses whose comment was deleted are no longer marked as commented"
    );
    assert_eq!(count("select count(*) from responses").await, responses);
    assert_eq!(
        count("select count(*) from answers where question_id = 'overall'").await,
        overall
    );
}

/// A phone that lost the "thank you" and sends again must be thanked, not told it already rated
/// the desk nor to wait, and nothing is stored twice.
async fn a_retry_is_thanked_again_after_rating_and_when_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desks = app.store().list_current_desks(None).await.unwrap();
    let phone = device(7);
    let post = |n: usize, key: String| {
        let app = &app;
        let code = desks[n].public_code.clone();
        let phone = phone.clone();
        async move {
            app.post_form_as(
                &format!("/q/{code}"),
                &as_pairs(&answers_without_dossier(&key)),
                "198.51.100.7",
                Some(&phone),
            )
            .await
        }
    };
    let thanked = |response: &hailong_tests::TestResponse| {
        response.status == StatusCode::SEE_OTHER
            && !response.headers["location"]
                .to_str()
                .unwrap()
                .contains("already")
    };

    let first = post(0, key(70)).await;
    let retry = post(0, key(70)).await;
    assert!(thanked(&first));
    assert!(
        thanked(&retry),
        "the retry is thanked, not refused as a repeat"
    );
    // The same phone rates other desks until its limit refuses it.
    let mut limited = false;
    for n in 1..30 {
        if post(n, key(70 + n as u64)).await.status == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "the phone reached its limit");
    let late_retry = post(0, key(70)).await;
    assert!(thanked(&late_retry), "a limited retry is still thanked");

    let (stored,): (i64,) =
        sqlx::query_as("select count(*) from responses where idempotency_key = $1")
            .bind(key(70))
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert_eq!(stored, 1);
}
