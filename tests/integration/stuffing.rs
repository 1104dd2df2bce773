//! The attack suite on the citizens' survey: what a script, a rival or a commune's own staff can
//! do to a commune's figures, and what is stored, counted and shown when they try. Answers that
//! a stuffing rule flags are stored with their reasons and wait for a reviewer before they count
//! (`app::domain::flags`); honest citizens are never refused for them.

use std::net::IpAddr;

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::process::{Http, Listening};
use hailong_tests::{as_pairs, both_backends, device, key, valid_answers, TestApp};

both_backends!(
    cookieless_stuffing_from_several_addresses_does_not_move_a_rivals_figures,
    a_desk_answered_faster_than_it_can_serve_is_held_for_review,
    a_spoofed_forwarded_for_escapes_no_limit_behind_a_trusted_proxy,
    one_device_posting_five_times_at_once_is_stored_once,
    a_squatted_dossier_code_does_not_lock_out_its_holder,
    the_home_page_lists_no_survey_link,
);

fn answers(key: &str, overall: &str) -> Vec<(&'static str, String)> {
    let mut fields = valid_answers(key);
    fields.retain(|(k, _)| *k != "dossier_code");
    for (k, v) in &mut fields {
        if *k == "overall" {
            *v = overall.to_string();
        }
    }
    fields
}

/// The commune of a desk and its responses and satisfied answers so far (the figures every
/// page reads: per-day counts of counted responses).
async fn figures(app: &TestApp, commune_code: &str) -> (i64, i64) {
    let commune = app
        .store()
        .commune_by_code(commune_code)
        .await
        .unwrap()
        .expect("the commune exists");
    app.store()
        .commune_satisfaction(commune.id, 0)
        .await
        .unwrap()
}

async fn held_and_flags(app: &TestApp) -> Vec<(i64, Option<String>)> {
    sqlx::query_as("select held, flags from responses order by id")
        .fetch_all(app.store().pool())
        .await
        .unwrap()
}

async fn cookieless_stuffing_from_several_addresses_does_not_move_a_rivals_figures(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let desk = app.any_desk().await;
    // Twelve honest citizens, ten of them satisfied, with the cookie the survey page gives.
    for n in 0..12u64 {
        let overall = if n < 10 { "5" } else { "2" };
        let response = app
            .post_form_as(
                &format!("/q/{}", desk.public_code),
                &as_pairs(&answers(&key(n), overall)),
                &format!("10.4.0.{}", n + 1),
                Some(&device(n)),
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
    }
    let before = figures(&app, &desk.commune_code).await;
    assert_eq!(before, (12, 10));

    // A rival: 290 one-star posts without the page's cookie, from ten loopback addresses on real
    // sockets, all at once.
    let server = Listening::serve(app.router.clone()).await;
    let mut attacks = Vec::new();
    for source in 2..12u8 {
        let http = Http::new(Some(IpAddr::from([127, 0, 0, source])));
        let (port, code) = (server.port, desk.public_code.clone());
        attacks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..29u64 {
                let fields = answers(&key(1000 + u64::from(source) * 100 + i), "1");
                let reply = http
                    .post_form(port, &format!("/q/{code}"), &as_pairs(&fields), None)
                    .await
                    .expect("the server answers");
                statuses.push(reply.status);
            }
            statuses
        }));
    }
    let mut statuses = Vec::new();
    for attack in attacks {
        statuses.extend(attack.await.unwrap());
    }

    // Stored, so a reviewer can see them, but not counted: the rival's figures do not move.
    assert_eq!(statuses.len(), 290);
    assert!(statuses.iter().all(|s| *s == StatusCode::SEE_OTHER));
    assert_eq!(app.store().count_responses().await.unwrap(), 302);
    let stuffed: Vec<_> = held_and_flags(&app).await.into_iter().skip(12).collect();
    assert!(stuffed
        .iter()
        .all(|(held, flags)| *held == 1 && flags.as_deref().unwrap().contains("no_device_cookie")));
    assert_eq!(figures(&app, &desk.commune_code).await, before);

    // The reviewer sees them with their reasons, waiting; the dashboard says how many wait.
    app.add_user("admin", "province_admin", "").await;
    let admin = app.login("admin").await;
    let review = app.get_as("/review", Some(&admin.cookie)).await.text();
    assert!(review.contains("gửi không qua trang khảo sát (thiếu mã thiết bị)"));
    assert!(review.contains("Chờ duyệt (chưa tính)"));
    let leader = format!("leader{}", desk.commune_code);
    app.add_user(&leader, "commune_leader", &desk.commune_code)
        .await;
    let leader = app.login(&leader).await;
    let dashboard = app.get_as("/commune", Some(&leader.cookie)).await.text();
    assert!(
        dashboard.contains("290 phiếu có dấu hiệu gian lận đang chờ thẩm định"),
        "{dashboard}"
    );

    // A score run says how many flagged answers it left out.
    let set = app
        .state
        .criteria
        .iter()
        .find(|s| s.id == "dong-nai-2026")
        .expect("the 2026 set is in force")
        .clone();
    app::scores::runs::run_all(app.store(), &set, &app.state.definitions, "test")
        .await
        .unwrap();
    let (counted, held): (i64, i64) = sqlx::query_as(
        "select s.flagged_counted, s.flagged_held from score_results s \
         join admin_units u on u.id = s.unit_id where u.code = $1",
    )
    .bind(&desk.commune_code)
    .fetch_one(app.store().pool())
    .await
    .unwrap();
    // Honest answers may carry a crowd flag (outside opening hours, at the hour tests run):
    // those are in the figures and counted as such.
    let (honest_flagged,): (i64,) =
        sqlx::query_as("select count(*) from responses where held = 0 and flags is not null")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert_eq!((counted, held), (honest_flagged, 290));
}

async fn a_desk_answered_faster_than_it_can_serve_is_held_for_review(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desk = app.any_desk().await;
    // Forty posts in moments, each with a fresh cookie (as a script that opens the page each
    // time gets) and from its own address: only the desk's rate gives them away.
    for n in 0..40u64 {
        let response = app
            .post_form_as(
                &format!("/q/{}", desk.public_code),
                &as_pairs(&answers(&key(n), "5")),
                &format!("10.5.0.{}", n + 1),
                Some(&device(n)),
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
    }
    let rows = held_and_flags(&app).await;
    let limit = app.state.settings.abuse.desk_per_minute_flag as usize;
    assert!(rows[..limit].iter().all(|(held, _)| *held == 0));
    assert!(rows[limit..]
        .iter()
        .all(|(held, flags)| *held == 1 && flags.as_deref().unwrap().contains("desk_rate")));
    assert_eq!(
        figures(&app, &desk.commune_code).await,
        (limit as i64, limit as i64)
    );
}

async fn a_spoofed_forwarded_for_escapes_no_limit_behind_a_trusted_proxy(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.trusted_proxies = 1;
        config.abuse.client_per_minute = 10;
        config.abuse.client_burst = 10;
    })
    .await;
    let desks = app.store().list_current_desks(None).await.unwrap();
    let mut statuses = Vec::new();
    for n in 0..30u64 {
        // What the client wrote stands left of what the proxy added: a new "address" each time.
        let forwarded = format!("6.6.{}.{}, 203.0.113.50", n / 250, n % 250);
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(as_pairs(&answers(&key(n), "5")))
            .finish();
        let request = axum::http::Request::post(format!("/q/{}", desks[n as usize].public_code))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", forwarded)
            .header("cookie", format!("hl_dev={}", device(n)))
            .body(axum::body::Body::from(body))
            .unwrap();
        statuses.push(app.request(request).await.status);
    }
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(limited, 20, "{statuses:?}");
    let (clients,): (i64,) = sqlx::query_as("select count(distinct client_hash) from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert_eq!(
        clients, 1,
        "every post came from the proxy's one client address"
    );
}

async fn one_device_posting_five_times_at_once_is_stored_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desks = app.store().list_current_desks(None).await.unwrap();
    for trial in 0..5u64 {
        let phone = device(900 + trial);
        let code = desks[trial as usize].public_code.clone();
        let posts = (0..5u64).map(|i| {
            let fields = answers(&key(trial * 10 + i), "5");
            let (app, code, phone) = (&app, code.clone(), phone.clone());
            async move {
                app.post_form_as(
                    &format!("/q/{code}"),
                    &as_pairs(&fields),
                    "10.6.0.1",
                    Some(&phone),
                )
                .await
                .status
            }
        });
        let statuses = futures::future::join_all(posts).await;
        assert!(statuses.iter().all(|s| *s == StatusCode::SEE_OTHER));
        let (stored,): (i64,) = sqlx::query_as(
            "select count(*) from responses r join desks d on d.id = r.desk_id \
             where d.public_code = $1",
        )
        .bind(&code)
        .fetch_one(app.store().pool())
        .await
        .unwrap();
        assert_eq!(stored, 1, "trial {trial}: one rating per device and desk");
    }
}

async fn a_squatted_dossier_code_does_not_lock_out_its_holder(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desk = app.any_desk().await;
    let with_code = |n: u64, code: &str, overall: &str| {
        let mut fields = answers(&key(n), overall);
        fields.push(("dossier_code", code.to_string()));
        fields
    };
    // Someone rates the next codes the desk will hand out, each from a "new" phone.
    for n in 1..=5u64 {
        let response = app
            .post_form_as(
                &format!("/q/{}", desk.public_code),
                &as_pairs(&with_code(n, &format!("H70.25-261202-000{n}"), "1")),
                &format!("10.7.0.{n}"),
                Some(&device(n)),
            )
            .await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
    }
    // The citizen who holds dossier 0003 rates it: thanked, not refused.
    let response = app
        .post_form_as(
            &format!("/q/{}", desk.public_code),
            &as_pairs(&with_code(100, "H70.25-261202-0003", "5")),
            "10.7.1.1",
            Some(&device(100)),
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);

    // Both ratings of 0003 wait for a reviewer; the other codes count.
    let rows: Vec<(String, i64, Option<String>)> =
        sqlx::query_as("select dossier_code, held, flags from responses order by id")
            .fetch_all(app.store().pool())
            .await
            .unwrap();
    for (code, held, flags) in &rows {
        let repeated = code.ends_with("0003");
        assert_eq!(*held == 1, repeated, "{code}");
        assert_eq!(
            flags.as_deref().unwrap_or("").contains("dossier_repeat"),
            repeated,
            "{code}"
        );
    }
    assert_eq!(rows.len(), 6);
    assert_eq!(figures(&app, &desk.commune_code).await, (4, 0));

    // The reviewer accepts the holder's rating: it counts from then on.
    app.add_user("admin", "province_admin", "").await;
    let admin = app.login("admin").await;
    let (holder,): (i64,) = sqlx::query_as("select id from responses where idempotency_key = $1")
        .bind(key(100))
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    let decided = app
        .post_as(
            &format!("/review/responses/{holder}"),
            &[
                ("_csrf", &admin.csrf),
                ("decision", "include"),
                ("confirm", "yes"),
            ],
            Some(&admin.cookie),
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER);
    assert_eq!(figures(&app, &desk.commune_code).await, (5, 1));
}

async fn the_home_page_lists_no_survey_link(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        !home.text().contains("/q/"),
        "no survey link on the public home page"
    );
    assert!(home.text().contains("quét mã QR"));
    assert_eq!(app.get("/desks").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/posters").await.status, StatusCode::UNAUTHORIZED);

    app.add_user("admin", "province_admin", "").await;
    let admin = app.login("admin").await;
    let desks = app.get_as("/desks", Some(&admin.cookie)).await;
    assert_eq!(desks.status, StatusCode::OK);
    assert!(desks.text().contains(&format!("/q/{code}")));
}
