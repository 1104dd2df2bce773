//! Graceful shutdown of a real `hailong serve`: SIGTERM in the middle of citizens' answers, with
//! a commune leader's live stream open. Every acknowledged answer is stored, no request the
//! server took goes unanswered, the stream ends with a retry hint instead of holding the
//! shutdown open, the process exits 0, and a new one on the same database is ready at once.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::store::{Backend, Store};
use axum::http::{header, StatusCode};
use hailong_tests::process::{get, hailong_binary, Http, Reply, Server};
use hailong_tests::{as_pairs, both_backends, device, hidden_value, key, valid_answers, TestDb};

both_backends!(sigterm_mid_load_stores_every_acknowledged_answer_and_cuts_no_request);

const CLIENTS: u64 = 8;
const ANSWERS_PER_CLIENT: u64 = 60;

/// An answer's key, what the server said (or why the connection failed), and when it ended.
type Sent = (String, Result<StatusCode, String>, Instant);

fn cookie_value(reply: &Reply, name: &str) -> String {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(str::to_string))
        .unwrap_or_else(|| panic!("cookie {name}"))
}

/// A commune leader of 25195 signed in on `port`: the session cookie.
async fn signed_in_leader(db: &TestDb, port: u16) -> String {
    let config = hailong_tests::test_config(&db.url, "127.0.0.1:0".parse().unwrap());
    let state = server::startup::build_state(&config).await.unwrap();
    app::accounts::users::add_user(
        &state,
        "leader25195",
        "Lãnh đạo",
        "commune_leader",
        "25195",
        hailong_tests::PASSWORD,
    )
    .await
    .unwrap();
    state.store.close().await;
    let http = Http::new(None);
    let page = http.send(get(port, "/login", None)).await.unwrap();
    let login_cookie = cookie_value(&page, "hl_login_csrf");
    let csrf = hidden_value(&page.body, "_csrf").unwrap();
    let signed_in = http
        .post_form(
            port,
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "leader25195"),
                ("password", hailong_tests::PASSWORD),
            ],
            Some(&format!("hl_login_csrf={login_cookie}")),
        )
        .await
        .unwrap();
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    format!("hl_session={}", cookie_value(&signed_in, "hl_session"))
}

async fn stored_keys(store: &Store) -> HashSet<String> {
    sqlx::query_as::<_, (String,)>("select idempotency_key from responses")
        .fetch_all(store.pool())
        .await
        .expect("read the stored keys")
        .into_iter()
        .map(|(k,)| k)
        .collect()
}

fn refused(error: &str) -> bool {
    error.contains("Connection refused")
}

/// A connection the kernel completed in the instant between the server's last look at its
/// queue and the listener's close is reset: the server never saw it, so for its client it is
/// the same as a refused one (the assertions below check that nothing it carried was stored).
fn reset_unseen(error: &str) -> bool {
    error.contains("SendRequest") && error.contains("Connection reset by peer")
}

async fn sigterm_mid_load_stores_every_acknowledged_answer_and_cuts_no_request(backend: Backend) {
    let Some(binary) = hailong_binary() else {
        return;
    };
    // Arrange: a server, a leader watching the live figures, and citizens answering.
    let db = TestDb::create(backend).await;
    let mut server = Server::start(&binary, &db.url, &[]).await;
    let port = server.port;
    let session = signed_in_leader(&db, port).await;
    let stream = tokio::spawn(async move {
        let reply = Http::new(None)
            .send(get(port, "/commune/live", Some(&session)))
            .await;
        (reply, Instant::now())
    });
    let store = Store::connect(&db.url).await.unwrap();
    let desks = store.list_current_desks(None).await.unwrap();
    store.close().await;

    let outcomes: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let mut citizens = Vec::new();
    for c in 0..CLIENTS {
        let (outcomes, code) = (outcomes.clone(), desks[c as usize].public_code.clone());
        citizens.push(tokio::spawn(async move {
            let http = Http::new(None);
            for n in c * 1_000..c * 1_000 + ANSWERS_PER_CLIENT {
                let mut fields = valid_answers(&key(n));
                fields.retain(|(k, _)| *k != "dossier_code");
                let cookie = format!("hl_dev={}", device(n));
                let reply = http
                    .post_form(
                        port,
                        &format!("/q/{code}"),
                        &as_pairs(&fields),
                        Some(&cookie),
                    )
                    .await;
                let failed = reply.is_err();
                outcomes
                    .lock()
                    .unwrap()
                    .push((key(n), reply.map(|r| r.status), Instant::now()));
                // A citizen whose phone could not reach the server tries later, not now.
                if failed {
                    break;
                }
            }
        }));
    }

    // Act: SIGTERM once the load is well under way.
    let total = (CLIENTS * ANSWERS_PER_CLIENT) as usize;
    let started = Instant::now();
    while outcomes.lock().unwrap().len() < total / 4 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the load never got going"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let term_at = Instant::now();
    server.terminate();
    let status = server
        .exited_within(Duration::from_secs(40))
        .await
        .expect("the server exits after SIGTERM");
    let exit_ms = term_at.elapsed().as_millis();
    for citizen in citizens {
        tokio::time::timeout(Duration::from_secs(30), citizen)
            .await
            .expect("the clients finish")
            .unwrap();
    }
    let (stream_reply, stream_ended) = tokio::time::timeout(Duration::from_secs(5), stream)
        .await
        .expect("the live stream ended")
        .unwrap();

    // A new process on the same database.
    let restart_at = Instant::now();
    let restarted = Server::spawn(&binary, &db.url, &[]);
    let http = Http::new(None);
    let ready_ms = loop {
        if let Ok((StatusCode::OK, _)) = http.get(restarted.port, "/ready", None).await {
            break restart_at.elapsed().as_millis();
        }
        assert!(
            restart_at.elapsed() < Duration::from_secs(20),
            "the new process never became ready"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    drop(restarted);

    // Assert.
    let store = Store::connect(&db.url).await.unwrap();
    let stored = stored_keys(&store).await;
    store.close().await;
    let outcomes = outcomes.lock().unwrap().clone();
    let acknowledged: HashSet<&String> = outcomes
        .iter()
        .filter(|(_, s, _)| matches!(s, Ok(StatusCode::SEE_OTHER)))
        .map(|(k, _, _)| k)
        .collect();
    let after_term = outcomes
        .iter()
        .filter(|(_, s, at)| matches!(s, Ok(StatusCode::SEE_OTHER)) && *at > term_at)
        .count();
    let errors: Vec<&String> = outcomes
        .iter()
        .filter_map(|(_, s, _)| s.as_ref().err())
        .collect();
    let other_replies: Vec<StatusCode> = outcomes
        .iter()
        .filter_map(|(_, s, _)| s.as_ref().ok().copied())
        .filter(|s| *s != StatusCode::SEE_OTHER)
        .collect();
    let stored_of_load: HashSet<&String> = outcomes
        .iter()
        .map(|(k, _, _)| k)
        .filter(|k| stored.contains(*k))
        .collect();
    eprintln!(
        "shutdown ({backend:?}): {} sent, {} acknowledged ({after_term} after SIGTERM), {} stored, \
         {} connection errors ({} refused, {} reset in the queue), SIGTERM to exit {exit_ms} ms, new process ready \
         {ready_ms} ms after start",
        outcomes.len(),
        acknowledged.len(),
        stored_of_load.len(),
        errors.len(),
        errors.iter().filter(|e| refused(e)).count(),
        errors.iter().filter(|e| reset_unseen(e)).count(),
    );

    assert!(status.success(), "exit status {status:?}");
    assert!(
        acknowledged.len() >= total / 4,
        "the load ran: {}",
        acknowledged.len()
    );
    assert!(after_term > 0, "requests are still served while draining");
    assert!(
        other_replies.is_empty(),
        "every reply thanks: {other_replies:?}"
    );
    let lost: Vec<_> = acknowledged.difference(&stored_of_load).collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    // A request the server took and did not answer would be stored yet unacknowledged.
    let unanswered: Vec<_> = stored_of_load.difference(&acknowledged).collect();
    assert!(
        unanswered.is_empty(),
        "stored without the client hearing so: {unanswered:?} (errors: {errors:?})"
    );
    assert!(
        errors.iter().all(|e| refused(e) || reset_unseen(e)),
        "only connections the server never took fail: {errors:?}"
    );
    let stream_reply = stream_reply.expect("the live stream's response");
    assert_eq!(stream_reply.status, StatusCode::OK);
    assert!(
        stream_reply.body.contains("retry: 3000"),
        "the stream ends with a retry hint: {}",
        stream_reply.body
    );
    assert!(stream_ended < term_at + Duration::from_millis(exit_ms as u64));
    assert!(
        ready_ms < 10_000,
        "a new process serves soon after start: {ready_ms} ms"
    );
}
