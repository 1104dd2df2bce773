//! `hailong bench pages|scoring|engine`: timings for BENCHMARKS.md on the current database (fill
//! it first with `hailong demo --responses N`). Pages go through the real router in-process, as
//! a signed-in browser would ask for them, so rendering, authorization and every query count;
//! only the network is left out.

use std::time::{Duration, Instant};

use anyhow::Context;
use app::state::AppState;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::config::Config;
use crate::startup;

/// Percentiles of a set of durations, in milliseconds.
fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
        times[i].as_secs_f64() * 1000.0
    };
    format!(
        "n={} p50={:.1} ms p95={:.1} ms max={:.1} ms",
        times.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    )
}

async fn send(
    router: &Router,
    request: Request<Body>,
) -> anyhow::Result<(StatusCode, HeaderSet, String)> {
    let response = router.clone().oneshot(request).await?;
    let status = response.status();
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_string)
        .collect();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, cookies, String::from_utf8_lossy(&body).into_owned()))
}

type HeaderSet = Vec<String>;

/// Creates (or resets) a bench user and signs it in through the login form; returns its cookie.
async fn session(
    state: &AppState,
    router: &Router,
    username: &str,
    role: &str,
    unit: &str,
) -> anyhow::Result<String> {
    let password = app::auth::new_token();
    match state.store.user_by_username(username).await? {
        Some(user) => {
            let hash = app::auth::hash_password(password.clone()).await?;
            state.store.set_password(user.id, &hash).await?;
        }
        None => crate::cli::add_user(state, username, username, role, unit, &password).await?,
    }
    let (_, cookies, page) = send(router, Request::get("/login").body(Body::empty())?).await?;
    let marker = "name=\"_csrf\" value=\"";
    let csrf = page
        .split(marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the sign-in form has no CSRF token")?
        .to_string();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", &password),
        ])
        .finish();
    let (status, cookies2, _) = send(
        router,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookies.join("; "))
            .body(Body::from(body))?,
    )
    .await?;
    anyhow::ensure!(
        status == StatusCode::SEE_OTHER,
        "bench sign-in failed: {status}"
    );
    cookies2
        .into_iter()
        .find(|c| c.starts_with("hl_session="))
        .context("no session cookie")
}

async fn time_page(
    router: &Router,
    path: &str,
    cookie: &str,
    iterations: usize,
) -> anyhow::Result<String> {
    let request = || {
        Request::get(path)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
    };
    for _ in 0..3 {
        let (status, _, body) = send(router, request()?).await?;
        anyhow::ensure!(status == StatusCode::OK, "{path}: {status}: {body:.300}");
    }
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        let (status, _, _) = send(router, request()?).await?;
        times.push(started.elapsed());
        anyhow::ensure!(status == StatusCode::OK, "{path}: {status}");
    }
    Ok(summary(times))
}

/// The commune dashboard (as its leader) and the province view (as the admin).
pub async fn pages(config: &Config, commune: &str, iterations: usize) -> anyhow::Result<()> {
    let state = startup::build_state(config).await?;
    let router = startup::build_router(state.clone()).layer(MockConnectInfo(
        std::net::SocketAddr::from(([127, 0, 0, 1], 9)),
    ));
    let responses = state.store.count_responses().await?;
    let set = app::api::assessment::pick_criteria(&state, None).context("no criteria set")?;
    if state.store.latest_score_run(&set.id).await?.is_none() {
        app::score_runs::run_all(&state.store, set, &state.definitions, "bench").await?;
    }
    let leader = session(&state, &router, "bench.leader", "commune_leader", commune).await?;
    let admin = session(&state, &router, "bench.admin", "province_admin", "").await?;
    println!(
        "database: {responses} responses ({})",
        state.store.backend_name()
    );
    println!(
        "commune dashboard /commune ({commune}): {}",
        time_page(&router, "/commune", &leader, iterations).await?
    );
    println!(
        "province view /ranking: {}",
        time_page(&router, "/ranking", &admin, iterations).await?
    );
    println!(
        "province view filtered and sorted: {}",
        time_page(
            &router,
            "/ranking?district=689&sort=satisfaction",
            &admin,
            iterations
        )
        .await?
    );
    Ok(())
}

/// A full score run of every commune (database reads, scoring, storing), `runs` times.
pub async fn scoring(config: &Config, runs: usize) -> anyhow::Result<()> {
    let state = startup::build_state(config).await?;
    let set = app::api::assessment::pick_criteria(&state, None).context("no criteria set")?;
    let responses = state.store.count_responses().await?;
    let mut times = Vec::new();
    let mut communes = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let summary =
            app::score_runs::run_all(&state.store, set, &state.definitions, "bench").await?;
        times.push(started.elapsed());
        communes = summary.communes;
    }
    println!(
        "score run, {communes} communes, {responses} responses ({}): {}",
        state.store.backend_name(),
        summary(times)
    );
    Ok(())
}

/// The pure engine alone: one commune's report from a prepared input, many times.
pub fn engine(config: &Config, iterations: u32) -> anyhow::Result<()> {
    let (_, sets) = startup::load_definitions_and_criteria(config)?;
    let set = sets.last().context("no criteria set")?;
    let input: scoring::ScoringInput = serde_json::from_str(&std::fs::read_to_string(
        config
            .definitions_dir
            .join("../scoring/examples/dong-nai-commune.json"),
    )?)?;
    let mut input = input;
    input.imported.clear();
    input.self_assessed.retain(|id, _| set.leaf(id).is_some());
    input.appraised.retain(|id, _| set.leaf(id).is_some());
    let started = Instant::now();
    let mut total = 0u64;
    for _ in 0..iterations.max(1) {
        let report = scoring::score(set, std::hint::black_box(&input))?;
        total = total.wrapping_add(report.total.hundredths());
    }
    let per = started.elapsed() / iterations.max(1);
    println!(
        "scoring engine, one commune of {} ({} leaves), report with hashes: {:.1} µs per report ({iterations} runs, checksum {total})",
        set.id,
        set.leaves().len(),
        per.as_secs_f64() * 1e6
    );
    Ok(())
}
