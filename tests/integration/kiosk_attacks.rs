//! The attack suite on kiosk mode: what a commune's own staff can do to their commune's figures
//! with desk tablets (enrol many, burst ratings, invent the times citizens tapped), what an
//! honest tablet's offline queue looks like next to it, and what the province sees and undoes.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{qr_response, TestApp};
use serde_json::json;
use survey_definitions::{Answer, AnswerValue};

use super::kiosk::{
    body_json, chrono_now_ms, create_code, desk_of, kiosk_key, post_json, shown_code, staff,
    type_code,
};

hailong_tests::both_backends!(
    an_officers_kiosks_bursting_backdated_ratings_do_not_move_the_communes_figures,
    four_kiosks_bursting_backdated_ratings_do_not_move_the_figures_either,
    a_desks_kiosks_share_one_quota,
    commune_staff_keep_at_most_two_kiosks_per_desk_and_the_province_sees_every_one,
    with_province_approval_a_commune_kiosk_takes_no_rating_until_approved,
    an_honest_offline_queue_sent_at_once_counts_unflagged,
    invented_tap_times_are_held_for_review,
    the_province_excludes_a_kiosks_ratings_in_one_step_and_includes_them_again,
    a_leaders_tablet_at_a_steady_five_seconds_is_held_live_and_replayed,
    a_days_ratings_beyond_the_desks_dossiers_are_held,
    an_honest_tablet_day_of_the_demo_counts_unflagged,
);

/// Minutes from the first of a row of citizens to the `n`th (n < 48), at the uneven times a
/// desk serves them: gaps of 1 to 14 minutes, about 5 on average, with no rhythm.
fn uneven_minutes(n: i64) -> i64 {
    const GAPS: [i64; 8] = [3, 7, 2, 11, 4, 1, 9, 5];
    (0..n)
        .map(|i| GAPS[((i * 5 + i / 8) % 8) as usize] + i % 3)
        .sum()
}

/// The app with the desks open around the clock: the tests of the traffic rules then pass at
/// whatever hour CI runs them (`kiosk_off_hours` has its own test).
async fn open_all_day(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |config| {
        config.abuse.open_days = (0..7).collect();
        config.abuse.open_minute = 0;
        config.abuse.close_minute = 24 * 60;
    })
    .await
}

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Responses and satisfied answers of a commune over the last 30 days: what its dashboard and
/// score read (per-day counts of counted responses).
async fn thirty_days(app: &TestApp, commune_code: &str) -> (i64, i64) {
    let commune = app
        .store()
        .commune_by_code(commune_code)
        .await
        .unwrap()
        .expect("the commune exists");
    app.store()
        .commune_satisfaction(commune.id, chrono_now_ms() - 30 * DAY)
        .await
        .unwrap()
}

fn share(figures: (i64, i64)) -> String {
    format!(
        "{} responses, {:.1}% satisfied",
        figures.0,
        100.0 * figures.1 as f64 / figures.0.max(1) as f64
    )
}

/// `total` citizens' phone answers at the commune's desk over the last 20 days, `satisfied` of
/// them rating 5 and the others 2.
async fn citizens_answered(app: &TestApp, commune: &str, total: usize, satisfied: usize) {
    let desk = app.desk_of(commune).await;
    let keys: Vec<String> = (0..total).map(|n| format!("citizen-{n:08}")).collect();
    let answers: Vec<Vec<Answer>> = (0..total)
        .map(|n| {
            vec![Answer {
                question_id: "overall".into(),
                value: AnswerValue::Scale(if n < satisfied { 5 } else { 2 }),
            }]
        })
        .collect();
    let now = chrono_now_ms();
    let batch: Vec<_> = (0..total)
        .map(|n| {
            let at = now - DAY - (n as i64) * (19 * DAY / total as i64);
            qr_response(desk.id, &keys[n], at, &answers[n])
        })
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
}

/// Enrols a tablet with a code `session` creates; `None` when the code is refused.
async fn try_enrol(
    app: &TestApp,
    session: &hailong_tests::Session,
    desk: &str,
) -> Result<String, hailong_tests::TestResponse> {
    let created = create_code(app, session, desk).await;
    if created.status != StatusCode::OK {
        return Err(created);
    }
    let enrolled = type_code(app, &shown_code(&created)).await;
    assert_eq!(
        enrolled.status,
        StatusCode::SEE_OTHER,
        "{}",
        enrolled.text()
    );
    Ok(format!(
        "hl_kiosk={}",
        hailong_tests::set_cookie(&enrolled, "hl_kiosk").unwrap()
    ))
}

fn rated(key: &str, desk: &str, rated_at: i64, overall: u8) -> String {
    json!({
        "key": key,
        "desk": desk,
        "rated_at": rated_at,
        "lang": "vi",
        "answers": [["overall", overall]],
    })
    .to_string()
}

/// Kiosk ratings as stored: (held, excluded, flags), oldest key first.
async fn kiosk_ratings(app: &TestApp) -> Vec<(i64, i64, Option<String>)> {
    sqlx::query_as(
        "select held, excluded, flags from responses where channel = 'kiosk' \
         order by idempotency_key",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap()
}

/// Sets a kiosk's enrolment back in time, as if its tablet had stood on the desk since then.
async fn enrolled_since(app: &TestApp, at: i64) {
    sqlx::query("update kiosks set created_at = $1, enrolled_at = $1, last_seen_at = $1")
        .bind(at)
        .execute(app.store().pool())
        .await
        .unwrap();
}

/// The per-day counts equal what the responses say: every counted response once, every held
/// one in `held`, every counted flagged one in `counted`.
async fn assert_daily_counts_agree(app: &TestApp) {
    let pool = app.store().pool();
    let (counted,): (i64,) =
        sqlx::query_as("select count(*) from responses where excluded = 0 and held = 0")
            .fetch_one(pool)
            .await
            .unwrap();
    let (in_days,): (i64,) = sqlx::query_as(
        "select cast(coalesce(sum(answers), 0) as bigint) from daily_answers \
         where question_id = '' and level = 0",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        in_days, counted,
        "daily_answers counts the counted responses"
    );
    let (satisfied,): (i64,) = sqlx::query_as(
        "select count(*) from responses where excluded = 0 and held = 0 and overall >= 4",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let (satisfied_in_days,): (i64,) = sqlx::query_as(
        "select cast(coalesce(sum(answers), 0) as bigint) from daily_answers \
         where question_id = 'overall' and level >= 4",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(satisfied_in_days, satisfied);
    for (kind, condition) in [
        ("held", "held = 1"),
        ("counted", "held = 0 and excluded = 0 and flags is not null"),
    ] {
        let (responses,): (i64,) =
            sqlx::query_as(&format!("select count(*) from responses where {condition}"))
                .fetch_one(pool)
                .await
                .unwrap();
        let (flags,): (i64,) = sqlx::query_as(
            "select cast(coalesce(sum(responses), 0) as bigint) from daily_flags where kind = $1",
        )
        .bind(kind)
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(flags, responses, "daily_flags `{kind}`");
    }
}

/// The attack: an officer enrols four tablets at the commune's desk and each sends 300 five-star
/// ratings at once, dated over the past 30 days (150 spread out, 150 packed into five minutes of
/// yesterday), to fill the commune's 30-day window.
async fn an_officers_kiosks_bursting_backdated_ratings_do_not_move_the_communes_figures(
    backend: Backend,
) {
    burst_attack(TestApp::spawn(backend).await, 2).await;
}

/// The same with a province that lets commune staff keep four tablets per desk: the desk's quota
/// and the tap-time rules hold without the enrolment limit.
async fn four_kiosks_bursting_backdated_ratings_do_not_move_the_figures_either(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.kiosk.max_per_desk = 4).await;
    burst_attack(app, 4).await;
}

async fn burst_attack(app: TestApp, kiosks_per_desk: usize) {
    staff(&app).await;
    app.add_user("officer25195", "commune_officer", "25195")
        .await;
    let desk = desk_of(&app, "25195").await;
    citizens_answered(&app, "25195", 73, 55).await;
    let before = thirty_days(&app, "25195").await;
    assert_eq!(before, (73, 55), "{}", share(before));
    let officer = app.login("officer25195").await;

    let mut tablets = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..4 {
        match try_enrol(&app, &officer, &desk).await {
            Ok(tablet) => tablets.push(tablet),
            Err(response) => refused.push(response),
        }
    }
    let now = chrono_now_ms();
    let started = std::time::Instant::now();
    let bursts = tablets.iter().enumerate().map(|(t, tablet)| {
        let (app, desk) = (&app, &desk);
        async move {
            let mut statuses = Vec::new();
            for i in 0..300i64 {
                let rated_at = if i < 150 {
                    now - HOUR - i * (29 * DAY / 150)
                } else {
                    now - DAY + (i - 150) * 2_000 + t as i64 * 1_000
                };
                let key = kiosk_key(t as u64 * 1000 + i as u64);
                let response = post_json(app, Some(tablet), rated(&key, desk, rated_at, 5)).await;
                statuses.push(response.status);
            }
            statuses
        }
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(bursts)
        .await
        .into_iter()
        .flatten()
        .collect();

    let after = thirty_days(&app, "25195").await;
    let stored = kiosk_ratings(&app).await;
    eprintln!(
        "kiosk attack: {} tablets enrolled, {} ratings stored ({} not held); figures {} -> {}",
        tablets.len(),
        stored.len(),
        stored.iter().filter(|(held, _, _)| *held == 0).count(),
        share(before),
        share(after)
    );
    assert_eq!(
        after,
        before,
        "figures moved: {} -> {}",
        share(before),
        share(after)
    );
    assert_eq!(
        tablets.len(),
        kiosks_per_desk,
        "active kiosks per desk for commune staff"
    );
    for response in &refused {
        assert_eq!(response.status, StatusCode::CONFLICT);
        assert!(
            response.text().contains("tối đa 2 máy"),
            "{}",
            response.text()
        );
    }
    // 400 at once, then one every 3 seconds for as long as the bursts took.
    let refilled = started.elapsed().as_secs() as usize / 3 + 1;
    assert!(
        stored.len() <= 400 + refilled,
        "the desk's quota holds all its tablets: {} stored",
        stored.len()
    );
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS));
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::OK || *s == StatusCode::TOO_MANY_REQUESTS));
    for (held, _, flags) in &stored {
        let flags = flags.as_deref().unwrap_or_default();
        assert_eq!(*held, 1, "{flags}");
        assert!(
            flags.contains("kiosk_backdated") || flags.contains("kiosk_rapid"),
            "{flags}"
        );
    }
    assert_daily_counts_agree(&app).await;
    let admin = app.login("admin").await;
    let review = app.get_as("/review", Some(&admin.cookie)).await.text();
    assert!(review.contains("phiếu của máy đánh giá ghi ngày quá xa"));
    assert!(review.contains("Chờ duyệt (chưa tính)"));
    let kiosks = app.get_as("/kiosks", Some(&admin.cookie)).await.text();
    assert!(kiosks.contains("officer25195"), "who enrolled the tablets");
}

/// Two tablets of one desk draw on one quota: past it, either one waits.
async fn a_desks_kiosks_share_one_quota(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let leader = app.login("leader25195").await;
    let first = try_enrol(&app, &leader, &desk).await.unwrap();
    let second = try_enrol(&app, &leader, &desk).await.unwrap();
    // Malformed ratings use the quota up without writing anything.
    let empty = |n: u64| rated(&kiosk_key(n), &desk, chrono_now_ms(), 0);

    let mut first_statuses = Vec::new();
    for n in 0..400 {
        first_statuses.push(post_json(&app, Some(&first), empty(n)).await.status);
    }
    let mut second_statuses = Vec::new();
    for n in 0..10 {
        second_statuses.push(post_json(&app, Some(&second), empty(1000 + n)).await.status);
    }

    let taken = first_statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!(taken, 400, "a day's queue at one tablet goes through");
    assert!(
        second_statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "the second tablet draws on the same quota: {second_statuses:?}"
    );
    let limited = post_json(&app, Some(&second), empty(2000)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body_json(&limited)["message"]
        .as_str()
        .unwrap()
        .contains("gửi lại sau"));
}

/// Commune staff may keep two tablets per desk (codes waiting to be typed count), a revoked one
/// frees its place, and the province admin's page lists every commune's tablets with who
/// enrolled them, when, and how their ratings stand.
async fn commune_staff_keep_at_most_two_kiosks_per_desk_and_the_province_sees_every_one(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let other = desk_of(&app, "25217").await;
    let leader = app.login("leader25195").await;
    let officer = app.login("officer25217").await;

    let first = try_enrol(&app, &leader, &desk).await.unwrap();
    let waiting = create_code(&app, &leader, &desk).await;
    let third = create_code(&app, &leader, &desk).await;

    assert_eq!(waiting.status, StatusCode::OK, "a code waiting to be typed");
    assert_eq!(third.status, StatusCode::CONFLICT, "{}", third.text());
    assert!(third.text().contains("tối đa 2 máy"), "{}", third.text());
    try_enrol(&app, &officer, &other)
        .await
        .expect("another desk has its own two places");
    // Listed newest first: the leader's first tablet is the last.
    let first_id: i64 = app
        .store()
        .list_kiosks(None)
        .await
        .unwrap()
        .last()
        .unwrap()
        .id;
    let revoked = app
        .post_as(
            &format!("/kiosks/{first_id}/revoke"),
            &[("_csrf", leader.csrf.as_str())],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        create_code(&app, &leader, &desk).await.status,
        StatusCode::OK,
        "a revoked tablet frees its place"
    );
    let refused = post_json(
        &app,
        Some(&first),
        rated(&kiosk_key(1), &desk, chrono_now_ms(), 4),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let admin = app.login("admin").await;
    let page = app.get_as("/kiosks", Some(&admin.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    for seen in ["leader25195", "officer25217", "Đã thu hồi", "Chờ nhập mã"] {
        assert!(html.contains(seen), "the province sees {seen}:\n{html}");
    }
    assert!(
        html.contains("Đăng ký lúc"),
        "when each tablet was enrolled"
    );
    assert!(html.contains("Chờ duyệt"), "held ratings are counted apart");
    let own = app.get_as("/kiosks", Some(&officer.cookie)).await.text();
    assert!(
        !own.contains("leader25195"),
        "a commune sees its own tablets only"
    );
}

/// 40 citizens rate over three hours while the desk's network is down; the tablet sends its
/// queue at once, oldest first, when the network returns. Citizens finish at uneven times: a
/// queue that ticks like a clock is what `kiosk_cadence` holds.
async fn an_honest_offline_queue_sent_at_once_counts_unflagged(backend: Backend) {
    let app = open_all_day(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let leader = app.login("leader25195").await;
    let tablet = try_enrol(&app, &leader, &desk).await.unwrap();
    let now = chrono_now_ms();
    enrolled_since(&app, now - 2 * DAY).await;
    let before = thirty_days(&app, "25195").await;

    let first_tap = now - 3 * HOUR - 10 * MINUTE;
    let mut statuses = Vec::new();
    for n in 0..40i64 {
        let rated_at = first_tap + uneven_minutes(n) * MINUTE * 3 / 4 + (n % 3) * 7_000;
        let overall = if n % 4 == 0 { 3 } else { 5 };
        let body = rated(&kiosk_key(n as u64), &desk, rated_at, overall);
        statuses.push(post_json(&app, Some(&tablet), body).await.status);
    }

    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let stored = kiosk_ratings(&app).await;
    assert_eq!(stored.len(), 40);
    for (held, excluded, flags) in &stored {
        assert_eq!((*held, *excluded), (0, 0), "{flags:?}");
        assert!(
            !flags.as_deref().unwrap_or_default().contains("kiosk"),
            "{flags:?}"
        );
    }
    assert_eq!(
        thirty_days(&app, "25195").await,
        (before.0 + 40, before.1 + 30)
    );
    assert_daily_counts_agree(&app).await;
}

/// A script that invents tap times: packed closer than citizens can tap (across both tablets
/// of the desk), older than an offline queue holds, or older than the tablet itself.
async fn invented_tap_times_are_held_for_review(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let leader = app.login("leader25195").await;
    let first = try_enrol(&app, &leader, &desk).await.unwrap();
    let second = try_enrol(&app, &leader, &desk).await.unwrap();
    let now = chrono_now_ms();
    enrolled_since(&app, now - 10 * DAY).await;
    let start = now - 2 * HOUR;

    // 60 ratings one second apart, alternating between the desk's two tablets, in order.
    let mut statuses = Vec::new();
    for n in 0..60u64 {
        let tablet = if n % 2 == 0 { &first } else { &second };
        let body = rated(&kiosk_key(n), &desk, start + n as i64 * 1_000, 5);
        statuses.push(post_json(&app, Some(tablet), body).await.status);
    }
    // Three days old: a tablet offline longer than a weekend is not believed.
    let old = post_json(
        &app,
        Some(&first),
        rated(&kiosk_key(100), &desk, now - 3 * DAY, 5),
    )
    .await;
    // Forty days old: not believed either, and the clock rule gives it the arrival time.
    let ancient = post_json(
        &app,
        Some(&first),
        rated(&kiosk_key(101), &desk, now - 40 * DAY, 5),
    )
    .await;

    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(ancient.status, StatusCode::OK);
    let stored = kiosk_ratings(&app).await;
    let flags = |i: usize| stored[i].2.clone().unwrap_or_default();
    assert!(!flags(0).contains("kiosk_rapid"), "the first tap is a tap");
    for (i, (held, _, flags)) in stored.iter().enumerate().take(60).skip(1) {
        let flags = flags.as_deref().unwrap_or_default();
        assert!(flags.contains("kiosk_rapid"), "{i}: {flags}");
        assert_eq!(*held, 1, "{i} held");
    }
    let (at, _): (i64, i64) =
        sqlx::query_as("select created_at, held from responses where idempotency_key = $1")
            .bind(kiosk_key(100))
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert_eq!(at, now - 3 * DAY, "a backdated rating keeps its time");
    assert!(flags(60).contains("kiosk_backdated"), "{}", flags(60));
    assert_eq!(stored[60].0, 1);
    assert!(flags(61).contains("kiosk_backdated"), "{}", flags(61));
    assert!(flags(61).contains("kiosk_clock"), "{}", flags(61));
    assert_eq!(stored[61].0, 1);
    assert_daily_counts_agree(&app).await;
    let admin = app.login("admin").await;
    let review = app.get_as("/review", Some(&admin.cookie)).await.text();
    assert!(review.contains("máy đánh giá nhận phiếu nhanh hơn người bấm được"));
}

/// The province admin leaves every rating of one tablet out of the figures in one step (or
/// those of some days), audited with the count, and can count them again.
async fn the_province_excludes_a_kiosks_ratings_in_one_step_and_includes_them_again(
    backend: Backend,
) {
    let app = open_all_day(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    citizens_answered(&app, "25195", 20, 10).await;
    let leader = app.login("leader25195").await;
    let tablet = try_enrol(&app, &leader, &desk).await.unwrap();
    let now = chrono_now_ms();
    enrolled_since(&app, now - 5 * DAY).await;
    let citizens_only = thirty_days(&app, "25195").await;
    // 12 ratings over the last 30 hours, as citizens come, then 3 packed into one second
    // (held for review).
    for n in 0..15i64 {
        let rated_at = if n < 12 {
            now - 30 * HOUR + uneven_minutes(n) * 20 * MINUTE
        } else {
            now - MINUTE + n * 300
        };
        let overall = if n % 5 == 0 { 4 } else { 5 };
        let response = post_json(
            &app,
            Some(&tablet),
            rated(&kiosk_key(n as u64), &desk, rated_at, overall),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    }
    let with_kiosk = thirty_days(&app, "25195").await;
    assert_eq!(with_kiosk, (citizens_only.0 + 13, citizens_only.1 + 13));
    let kiosk_id = app.store().list_kiosks(None).await.unwrap()[0].id;
    let path = format!("/kiosks/{kiosk_id}/ratings");
    let admin = app.login("admin").await;
    let post = |session: &hailong_tests::Session, fields: Vec<(&'static str, String)>| {
        let mut all = vec![("_csrf", session.csrf.clone())];
        all.extend(fields);
        let cookie = session.cookie.clone();
        let (app, path) = (&app, path.clone());
        async move {
            let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_as(&path, &pairs, Some(&cookie)).await
        }
    };

    let not_theirs = post(&leader, vec![("decision", "exclude".into())]).await;
    let bad_day = post(
        &admin,
        vec![("decision", "exclude".into()), ("from", "hôm qua".into())],
    )
    .await;
    let excluded = post(&admin, vec![("decision", "exclude".into())]).await;

    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
    assert_eq!(bad_day.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad_day.text();
    let at = html
        .find(&format!("id=\"err-days-{kiosk_id}\""))
        .expect("the problem under the kiosk's days");
    assert!(html[at..].contains("</p>") && html.contains("value=\"hôm qua\""));
    assert!(
        html.contains("<h1>Máy đánh giá tại quầy</h1>"),
        "the kiosks page"
    );
    assert_eq!(excluded.status, StatusCode::OK, "{}", excluded.text());
    assert!(
        excluded.text().contains("Đã loại 15 phiếu"),
        "{}",
        excluded.text()
    );
    assert_eq!(thirty_days(&app, "25195").await, citizens_only);
    assert!(kiosk_ratings(&app)
        .await
        .iter()
        .all(|(held, excluded, _)| (*held, *excluded) == (0, 1)));
    assert_daily_counts_agree(&app).await;
    let audit = app.store().list_audit(20).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "kiosk_ratings_excluded")
        .expect("audited");
    assert!(entry.detail.contains("15"), "{}", entry.detail);

    // Counted again: those that waited for a reviewer wait again.
    let included = post(&admin, vec![("decision", "include".into())]).await;
    assert_eq!(included.status, StatusCode::OK, "{}", included.text());
    assert_eq!(thirty_days(&app, "25195").await, with_kiosk);
    let held = kiosk_ratings(&app)
        .await
        .iter()
        .filter(|(held, _, _)| *held == 1)
        .count();
    assert_eq!(held, 2);
    assert_daily_counts_agree(&app).await;
    assert!(app
        .store()
        .list_audit(20)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "kiosk_ratings_included"));

    // Only some days: yesterday's ratings (Vietnam time) leave, today's stay.
    let yesterday = app::clock::day_of(now - DAY);
    let some_days = post(
        &admin,
        vec![
            ("decision", "exclude".into()),
            ("from", yesterday.clone()),
            ("to", yesterday.clone()),
        ],
    )
    .await;
    assert_eq!(some_days.status, StatusCode::OK, "{}", some_days.text());
    let (left,): (i64,) =
        sqlx::query_as("select count(*) from responses where channel = 'kiosk' and excluded = 1")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    let from_yesterday = (0..12i64)
        .filter(|n| {
            app::clock::day_of(now - 30 * HOUR + uneven_minutes(*n) * 20 * MINUTE) == yesterday
        })
        .count() as i64;
    assert_eq!(left, from_yesterday);
    assert_daily_counts_agree(&app).await;
}

/// With `HAILONG_KIOSK_APPROVAL=province`, a tablet a commune enrolled shows why it takes no
/// rating and refuses any posted anyway, until a province admin approves it; the province's own
/// tablets take ratings at once.
async fn with_province_approval_a_commune_kiosk_takes_no_rating_until_approved(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        config.kiosk.approval = app::abuse::kiosk::KioskApproval::Province;
    })
    .await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    let other = desk_of(&app, "25217").await;
    let leader = app.login("leader25195").await;
    let admin = app.login("admin").await;
    let tablet = try_enrol(&app, &leader, &desk).await.unwrap();
    let kiosk_id = app.store().list_kiosks(None).await.unwrap()[0].id;
    let approve_path = format!("/kiosks/{kiosk_id}/approve");

    let refused = post_json(
        &app,
        Some(&tablet),
        rated(&kiosk_key(1), &desk, chrono_now_ms(), 5),
    )
    .await;
    let form = app
        .post_as(
            "/kiosk/rate",
            &[
                ("_key", kiosk_key(2).as_str()),
                ("desk", desk.as_str()),
                ("question", "overall"),
                ("level", "5"),
            ],
            Some(&tablet),
        )
        .await;
    let screen = app.get_as("/kiosk", Some(&tablet)).await;
    let by_leader = app
        .post_as(
            &approve_path,
            &[("_csrf", leader.csrf.as_str())],
            Some(&leader.cookie),
        )
        .await;
    let listed = app.get_as("/kiosks", Some(&admin.cookie)).await.text();

    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let message = body_json(&refused)["message"].as_str().unwrap().to_string();
    assert!(message.contains("chưa được tỉnh phê duyệt"), "{message}");
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert!(form.text().contains("chưa được tỉnh phê duyệt"));
    assert_eq!(screen.status, StatusCode::OK);
    assert!(
        screen.text().contains("chưa được tỉnh phê duyệt"),
        "{}",
        screen.text()
    );
    assert!(
        !screen.text().contains("kiosk-face"),
        "no faces to tap into nothing"
    );
    assert!(
        screen.text().contains(r#"http-equiv="refresh""#),
        "the tablet looks again by itself"
    );
    assert_eq!(
        by_leader.status,
        StatusCode::FORBIDDEN,
        "only the province approves"
    );
    assert!(
        listed.contains("Chờ tỉnh duyệt") && listed.contains(&approve_path),
        "{listed}"
    );
    assert_eq!(app.store().count_responses().await.unwrap(), 0);

    let approved = app
        .post_as(
            &approve_path,
            &[("_csrf", admin.csrf.as_str())],
            Some(&admin.cookie),
        )
        .await;
    assert_eq!(
        approved.status,
        StatusCode::SEE_OTHER,
        "{}",
        approved.text()
    );
    let accepted = post_json(
        &app,
        Some(&tablet),
        rated(&kiosk_key(1), &desk, chrono_now_ms(), 5),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
    assert!(app
        .get_as("/kiosk", Some(&tablet))
        .await
        .text()
        .contains("kiosk-face"));
    let audit = app.store().list_audit(50).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "kiosk_approved")
        .expect("approval audited");
    assert_eq!(entry.actor, "admin");
    assert!(entry.detail.contains("leader25195"), "{}", entry.detail);
    assert!(app
        .get_as("/kiosks", Some(&admin.cookie))
        .await
        .text()
        .contains("Tỉnh duyệt"));

    // A tablet the province admin enrols is approved by them.
    let own = try_enrol(&app, &admin, &other).await.unwrap();
    let taken = post_json(
        &app,
        Some(&own),
        rated(&kiosk_key(3), &other, chrono_now_ms(), 4),
    )
    .await;
    assert_eq!(taken.status, StatusCode::OK, "{}", taken.text());
}

/// Ratings stored from kiosks: (key, held, flags), by key.
async fn kiosk_flags(app: &TestApp) -> Vec<(String, i64, Option<String>)> {
    sqlx::query_as(
        "select idempotency_key, held, flags from responses where kiosk_id is not null \
         order by idempotency_key",
    )
    .fetch_all(app.store().pool())
    .await
    .unwrap()
}

/// The attack of issue #30 as a commune leader would make it: a tablet enrolled for their own
/// desk, rated "very satisfied" every 5 seconds, first live (12 taps in real time, a minute),
/// then as an offline queue of 73 taps replayed at once. Before the traffic rules the commune's
/// figure went 65,0% → 73,1% → 88,8%; now every one of those ratings waits for the province,
/// the figure does not move, and the province sees why and how much of the commune it is.
async fn a_leaders_tablet_at_a_steady_five_seconds_is_held_live_and_replayed(backend: Backend) {
    let app = open_all_day(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    citizens_answered(&app, "25195", 100, 65).await;
    let leader = app.login("leader25195").await;
    let live = try_enrol(&app, &leader, &desk).await.unwrap();
    let replay = try_enrol(&app, &leader, &desk).await.unwrap();
    enrolled_since(&app, chrono_now_ms() - DAY).await;
    let before = thirty_days(&app, "25195").await;
    assert_eq!(share(before), "100 responses, 65.0% satisfied");

    for n in 0..12u64 {
        if n > 0 {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
        let body = rated(&kiosk_key(n), &desk, chrono_now_ms(), 5);
        let response = post_json(&app, Some(&live), body).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    }
    let after_live = thirty_days(&app, "25195").await;
    let start = chrono_now_ms() - 2 * HOUR;
    for n in 0..73u64 {
        let body = rated(&kiosk_key(100 + n), &desk, start + n as i64 * 5_000, 5);
        let response = post_json(&app, Some(&replay), body).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    }

    assert_eq!(
        share(after_live),
        share(before),
        "live taps every 5 s moved the figure"
    );
    assert_eq!(
        share(thirty_days(&app, "25195").await),
        share(before),
        "a replayed queue at a steady 5 s moved the figure"
    );
    let stored = kiosk_flags(&app).await;
    assert_eq!(stored.len(), 85);
    for (key, held, flags) in &stored {
        assert_eq!(*held, 1, "{key} counted: {flags:?}");
        assert!(
            flags
                .as_deref()
                .unwrap_or_default()
                .contains("kiosk_cadence"),
            "{key}: {flags:?}"
        );
    }
    assert_daily_counts_agree(&app).await;

    // The province sees, per tablet, its part in the commune's figure and what waits, and why.
    let admin = app.login("admin").await;
    let page = app.get_as("/kiosks", Some(&admin.cookie)).await.text();
    assert!(
        page.contains("0 phiếu được tính trong 30 ngày = 0,0% số phiếu của xã"),
        "{page}"
    );
    assert!(
        page.contains("máy đánh giá nhận phiếu đều đặn như máy bấm: 73")
            && page.contains("máy đánh giá nhận phiếu đều đặn như máy bấm: 12"),
        "{page}"
    );
    let review = app.get_as("/review", Some(&admin.cookie)).await.text();
    assert!(
        review.contains("đều đặn như máy bấm"),
        "held for the review"
    );
}

/// A desk handled 8 dossiers yesterday; its tablet sends 12 ratings tapped yesterday at a
/// citizen's pace: the 4 beyond the dossiers wait for review. Lowering the count to 6 later
/// holds 2 more: a tablet cannot rate more citizens than the desk served.
async fn a_days_ratings_beyond_the_desks_dossiers_are_held(backend: Backend) {
    let app = open_all_day(backend).await;
    staff(&app).await;
    let desk = app.desk_of("25195").await;
    let leader = app.login("leader25195").await;
    let tablet = try_enrol(&app, &leader, &desk.public_code).await.unwrap();
    let now = chrono_now_ms();
    enrolled_since(&app, now - 3 * DAY).await;
    let yesterday = app::clock::day_of(now - DAY);
    let enter = |handled: &'static str| {
        let (app, leader, yesterday) = (&app, &leader, yesterday.clone());
        async move {
            app.post_as(
                "/commune/dossiers",
                &[
                    ("_csrf", leader.csrf.as_str()),
                    ("desk", &desk.id.to_string()),
                    ("day", &yesterday),
                    ("handled", handled),
                ],
                Some(&leader.cookie),
            )
            .await
        }
    };
    let entered = enter("8").await;
    assert!(entered.status.is_redirection(), "{}", entered.text());
    let before = thirty_days(&app, "25195").await;

    let nine = app::clock::midnight_ms(&yesterday).unwrap() + 9 * HOUR;
    let answers = [4, 5, 3, 5, 2, 4, 5, 4, 5, 3, 4, 5];
    for (n, overall) in answers.iter().enumerate() {
        let at = nine + uneven_minutes(n as i64) * MINUTE;
        let body = rated(&kiosk_key(n as u64), &desk.public_code, at, *overall);
        let response = post_json(&app, Some(&tablet), body).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    }

    let stored = kiosk_flags(&app).await;
    let held: Vec<usize> = (0..12).filter(|n| stored[*n].1 == 1).collect();
    assert_eq!(held, vec![8, 9, 10, 11], "{stored:?}");
    assert!(stored[8..]
        .iter()
        .all(|(_, _, f)| f.as_deref() == Some("kiosk_over_dossiers")));
    assert!(
        stored[..8].iter().all(|(_, _, f)| f.is_none()),
        "{stored:?}"
    );
    let after = thirty_days(&app, "25195").await;
    assert_eq!(after.0, before.0 + 8);

    let lowered = enter("6").await;
    assert!(lowered.status.is_redirection(), "{}", lowered.text());
    let stored = kiosk_flags(&app).await;
    let held: Vec<usize> = (0..12).filter(|n| stored[*n].1 == 1).collect();
    assert_eq!(held, vec![6, 7, 8, 9, 10, 11]);
    assert_eq!(thirty_days(&app, "25195").await.0, before.0 + 6);
    assert_daily_counts_agree(&app).await;
}

/// The demo's honest tablet (`hailong demo`: citizens leave at times of their own, a third of
/// them rate, answering as the desk's phones do) sends its busiest day of a month as a queue:
/// none of the traffic rules holds any of it.
async fn an_honest_tablet_day_of_the_demo_counts_unflagged(backend: Backend) {
    use rand::SeedableRng;
    let app = open_all_day(backend).await;
    staff(&app).await;
    let desk = desk_of(&app, "25195").await;
    citizens_answered(&app, "25195", 100, 75).await;
    let leader = app.login("leader25195").await;
    let tablet = try_enrol(&app, &leader, &desk).await.unwrap();
    let now = chrono_now_ms();
    enrolled_since(&app, now - 2 * DAY).await;
    let before = thirty_days(&app, "25195").await;

    let mut rng = rand::rngs::StdRng::seed_from_u64(2024);
    let monday = app::clock::midnight_ms("2026-11-02").unwrap();
    let (served, taps) = (0..30)
        .map(|d| {
            let date = app::clock::parse_day(&app::clock::day_of(monday + d * DAY)).unwrap();
            server::cli::demo_kiosks::honest_day(&mut rng, date, 0.75)
        })
        .max_by_key(|(_, taps)| taps.len())
        .unwrap();
    assert!(
        taps.len() >= 8 && served >= taps.len() as i64,
        "{served} {taps:?}"
    );
    // The day as if it ended ten minutes ago.
    let shift = now - 10 * MINUTE - taps.last().unwrap().0;
    for (n, (at, overall)) in taps.iter().enumerate() {
        let body = rated(&kiosk_key(n as u64), &desk, at + shift, *overall);
        let response = post_json(&app, Some(&tablet), body).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    }

    let stored = kiosk_flags(&app).await;
    assert_eq!(stored.len(), taps.len());
    assert!(
        stored
            .iter()
            .all(|(_, held, flags)| *held == 0 && flags.is_none()),
        "{stored:?}"
    );
    let satisfied = taps.iter().filter(|(_, o)| *o >= 4).count() as i64;
    assert_eq!(
        thirty_days(&app, "25195").await,
        (before.0 + taps.len() as i64, before.1 + satisfied)
    );
}
