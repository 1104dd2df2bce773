//! The dashboard's live streams as a resource: how many one sign-in and one user may hold, that
//! signing out ends them, and that many streams of one commune share one computation of its
//! figures per change.

use std::time::Duration;

use app::store::Backend;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use hailong_tests::{as_pairs, both_backends, device, key, valid_answers, Session, TestApp};
use http_body_util::BodyExt;
use tower::ServiceExt;

both_backends!(
    streams_beyond_the_cap_of_a_session_or_a_user_are_refused,
    signing_out_ends_the_streams_of_that_session,
    many_streams_of_one_commune_share_one_computation_per_change,
    dossiers_entered_reach_an_open_stream_and_the_next_page,
);

const COMMUNE: &str = "25195";

/// Opens `/commune/live` as `session`; the status and, when 200, the streaming body.
async fn open_stream(app: &TestApp, session: &Session) -> (StatusCode, Body) {
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get("/commune/live")
                .header(header::COOKIE, &session.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    (response.status(), response.into_body())
}

/// What a stream yields next within `wait`: `Data` for an event's data, `End` when the server
/// closed the stream, `Nothing` when only keep-alives (or nothing) came.
#[derive(Debug, PartialEq)]
enum Next {
    Data(String),
    End,
    Nothing,
}

async fn next_event(body: &mut Body, wait: Duration) -> Next {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Next::Nothing,
            Ok(None) => return Next::End,
            Ok(Some(frame)) => frame.expect("the stream reads"),
        };
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
            while let Some(end) = text.find("\n\n") {
                let event = text[..end].to_string();
                text = text[end + 2..].to_string();
                if let Some(line) = event.lines().find(|l| l.starts_with("data:")) {
                    return Next::Data(line["data:".len()..].trim().to_string());
                }
            }
        }
    }
}

async fn desk_code(app: &TestApp) -> String {
    app.desk_of(COMMUNE).await.public_code
}

async fn answer(app: &TestApp, code: &str, n: u64) {
    let mut fields = valid_answers(&key(n));
    fields.retain(|(k, _)| *k != "dossier_code");
    let sent = app
        .post_form_as(
            &format!("/q/{code}"),
            &as_pairs(&fields),
            "10.0.0.9",
            Some(&device(n)),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
}

async fn streams_beyond_the_cap_of_a_session_or_a_user_are_refused(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.abuse.live_streams_per_session = 2;
        c.abuse.live_streams_per_user = 3;
    })
    .await;
    app.add_user("leader25195", "commune_leader", COMMUNE).await;
    app.add_user("officer25195", "commune_officer", COMMUNE)
        .await;
    let phone = app.login("leader25195").await;
    let laptop = app.login("leader25195").await;
    let officer = app.login("officer25195").await;

    let (first, mut first_body) = open_stream(&app, &phone).await;
    let (second, _second_body) = open_stream(&app, &phone).await;
    let (third, third_body) = open_stream(&app, &phone).await;
    assert_eq!((first, second), (StatusCode::OK, StatusCode::OK));
    assert_eq!(
        third,
        StatusCode::TOO_MANY_REQUESTS,
        "a third of one session"
    );
    let page = String::from_utf8(third_body.collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(page.contains("quá nhiều bảng số liệu trực tiếp"), "{page}");

    let (other_session, _other_body) = open_stream(&app, &laptop).await;
    assert_eq!(other_session, StatusCode::OK, "the user's third stream");
    let (fourth_of_user, _) = open_stream(&app, &laptop).await;
    assert_eq!(
        fourth_of_user,
        StatusCode::TOO_MANY_REQUESTS,
        "a fourth of one user, from a session under its own cap"
    );
    let (someone_else, _officer_body) = open_stream(&app, &officer).await;
    assert_eq!(someone_else, StatusCode::OK, "other users are not affected");

    // The refused ones took no place, and a closed stream gives its place back.
    assert!(matches!(
        next_event(&mut first_body, Duration::from_secs(5)).await,
        Next::Data(_)
    ));
    assert_eq!(app.state.live.open_streams(), 4);
    drop(first_body);
    assert_eq!(app.state.live.open_streams(), 3);
    let (again, mut again_body) = open_stream(&app, &phone).await;
    assert_eq!(again, StatusCode::OK);
    assert!(matches!(
        next_event(&mut again_body, Duration::from_secs(5)).await,
        Next::Data(_)
    ));
}

async fn signing_out_ends_the_streams_of_that_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("leader25195", "commune_leader", COMMUNE).await;
    let leaving = app.login("leader25195").await;
    let staying = app.login("leader25195").await;
    let (status, mut ended) = open_stream(&app, &leaving).await;
    assert_eq!(status, StatusCode::OK);
    let (status, mut going_on) = open_stream(&app, &staying).await;
    assert_eq!(status, StatusCode::OK);
    for body in [&mut ended, &mut going_on] {
        assert!(matches!(
            next_event(body, Duration::from_secs(5)).await,
            Next::Data(_)
        ));
    }

    let out = app
        .post_as(
            "/logout",
            &[("_csrf", &leaving.csrf)],
            Some(&leaving.cookie),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);

    // Generous: the stream must end by itself, long before its 15-second keep-alive.
    assert_eq!(
        next_event(&mut ended, Duration::from_secs(10)).await,
        Next::End,
        "the signed-out session's stream ends"
    );
    let code = desk_code(&app).await;
    answer(&app, &code, 1).await;
    let update = next_event(&mut going_on, Duration::from_secs(5)).await;
    assert!(
        matches!(&update, Next::Data(d) if d.contains("\"responses\":\"1\"")),
        "the other session's stream goes on: {update:?}"
    );
    // Its place is free again, and the signed-out cookie opens nothing.
    assert_eq!(app.state.live.open_streams(), 1);
    let (refused, _) = open_stream(&app, &leaving).await;
    assert_eq!(refused, StatusCode::UNAUTHORIZED);
}

async fn many_streams_of_one_commune_share_one_computation_per_change(backend: Backend) {
    const STREAMS: usize = 12;
    let app = TestApp::spawn_with(backend, |c| {
        c.abuse.live_streams_per_session = STREAMS;
        c.abuse.live_streams_per_user = STREAMS;
    })
    .await;
    app.add_user("leader25195", "commune_leader", COMMUNE).await;
    let leader = app.login("leader25195").await;
    let mut bodies = Vec::new();
    for _ in 0..STREAMS {
        let (status, body) = open_stream(&app, &leader).await;
        assert_eq!(status, StatusCode::OK);
        bodies.push(body);
    }
    for body in &mut bodies {
        let first = next_event(body, Duration::from_secs(5)).await;
        assert!(
            matches!(&first, Next::Data(d) if d.contains("\"responses\":\"0\"")),
            "{first:?}"
        );
    }
    let before = app.state.live.figure_computations();

    let code = desk_code(&app).await;
    answer(&app, &code, 1).await;
    for body in &mut bodies {
        let update = next_event(body, Duration::from_secs(5)).await;
        assert!(
            matches!(&update, Next::Data(d) if d.contains("\"responses\":\"1\"")),
            "every stream gets the new figures: {update:?}"
        );
    }

    assert_eq!(
        app.state.live.figure_computations() - before,
        1,
        "{STREAMS} streams of one commune, one answer: one computation"
    );
    // The commune's feed stops once nobody watches it.
    drop(bodies);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.state.live.feeds() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.state.live.feeds(),
        0,
        "the feed ends with its last stream"
    );
}

/// Entering a desk's dossiers changes its response rate: an open dashboard's stream sends the
/// new figures at once, so no dashboard, open or opened next, shows the rate from before.
async fn dossiers_entered_reach_an_open_stream_and_the_next_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("leader25195", "commune_leader", COMMUNE).await;
    let leader = app.login("leader25195").await;
    let desk = app.desk_of(COMMUNE).await;
    answer(&app, &desk.public_code, 1).await;
    let (status, mut body) = open_stream(&app, &leader).await;
    assert_eq!(status, StatusCode::OK);
    let first = next_event(&mut body, Duration::from_secs(5)).await;
    assert!(
        matches!(&first, Next::Data(d) if d.contains("\"dossiers\":\"—\"")),
        "{first:?}"
    );

    let posted = app
        .post_as(
            "/commune/dossiers",
            &[
                ("_csrf", &leader.csrf),
                ("desk", &desk.id.to_string()),
                ("day", &app::clock::today()),
                ("handled", "4"),
            ],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
    let update = next_event(&mut body, Duration::from_secs(5)).await;
    assert!(
        matches!(&update, Next::Data(d) if d.contains("\"dossiers\":\"4\"") && d.contains("\"rate\":\"25,0%\"")),
        "the stream sends the new rate: {update:?}"
    );
}
