//! `hailong bench pages|scoring|engine`: timings for BENCHMARKS.md on the current database (fill
//! it first with `hailong demo --responses N`). Pages go through the real router in-process, as
//! a signed-in browser would ask for them, so rendering, authorization and every query count;
//! only the network is left out.

use std::time::{Duration, Instant};

use anyhow::Context;
use app::domain::channel::Channel;
use app::state::AppState;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

use clap::Subcommand;

use crate::config::Config;
use crate::startup;

#[derive(Subcommand, Debug)]
pub enum BenchWhat {
    /// Print the number of stored responses.
    Count,
    /// The baseline of the submission benchmark: store COUNT responses of the default survey
    /// straight through the storage layer (one transaction each, as a submission does), no HTTP,
    /// from CONCURRENCY tasks; prints responses per second.
    Inserts {
        #[arg(long, default_value_t = 2000)]
        count: usize,
        #[arg(long, default_value_t = 50)]
        concurrency: usize,
    },
    /// p50/p95 of the commune dashboard (as the leader of COMMUNE) and the province view, on
    /// the current database (fill it with `hailong demo --responses N`).
    Pages {
        #[arg(long, default_value = "25195")]
        commune: String,
        #[arg(long, default_value_t = 50)]
        iterations: usize,
    },
    /// A full score run of every commune, RUNS times.
    Scoring {
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// The pure scoring engine alone, one commune, ITERATIONS times.
    Engine {
        #[arg(long, default_value_t = 10000)]
        iterations: u32,
    },
    /// Submission latency and CPU per answer at COMMUNE with no live stream open, then with
    /// STREAMS dashboards of that commune open (in-process, no network).
    Live {
        #[arg(long, default_value = "25195")]
        commune: String,
        #[arg(long, default_value_t = 500)]
        streams: usize,
        #[arg(long, default_value_t = 100)]
        submissions: usize,
        /// Milliseconds between answers (more than the 200 ms the figures settle for).
        #[arg(long, default_value_t = 300)]
        every_ms: u64,
    },
}

/// Runs `hailong bench …`.
pub async fn run(config: &Config, what: BenchWhat) -> anyhow::Result<()> {
    match what {
        BenchWhat::Pages {
            commune,
            iterations,
        } => pages(config, &commune, iterations).await,
        BenchWhat::Scoring { runs } => scoring(config, runs).await,
        BenchWhat::Engine { iterations } => engine(config, iterations),
        BenchWhat::Live {
            commune,
            streams,
            submissions,
            every_ms,
        } => {
            live(
                config,
                &commune,
                streams,
                submissions,
                Duration::from_millis(every_ms),
            )
            .await
        }
        BenchWhat::Count => {
            let store = startup::open_store(config).await?;
            println!("{}", store.count_responses().await?);
            Ok(())
        }
        BenchWhat::Inserts { count, concurrency } => {
            let store = startup::open_store(config).await?;
            let (elapsed, stored) = inserts(&store, count, concurrency).await?;
            println!(
                "baseline: {stored} responses in {:.2} s = {:.0} responses/s ({concurrency} tasks)",
                elapsed.as_secs_f64(),
                stored as f64 / elapsed.as_secs_f64()
            );
            Ok(())
        }
    }
}

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
    let password = app::accounts::auth::new_token();
    match state.store.user_by_username(username).await? {
        Some(user) => {
            let hash = app::accounts::auth::hash_password(password.clone()).await?;
            state.store.set_password(user.id, &hash).await?;
        }
        None => app::accounts::users::add_user(state, username, username, role, unit, &password)
            .await
            .map_err(anyhow::Error::msg)?,
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
    let set = app::assessment::api::pick_criteria(&state, None).context("no criteria set")?;
    if state.store.latest_score_run(&set.id).await?.is_none() {
        app::scores::runs::run_all(&state.store, set, &state.definitions, "bench").await?;
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
    println!(
        "province overview /overview (every commune, live figures): {}",
        time_page(&router, "/overview?sort=share", &admin, iterations).await?
    );
    Ok(())
}

/// A full score run of every commune (database reads, scoring, storing), `runs` times.
pub async fn scoring(config: &Config, runs: usize) -> anyhow::Result<()> {
    let state = startup::build_state(config).await?;
    let set = app::assessment::api::pick_criteria(&state, None).context("no criteria set")?;
    let responses = state.store.count_responses().await?;
    let mut times = Vec::new();
    let mut communes = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let summary =
            app::scores::runs::run_all(&state.store, set, &state.definitions, "bench").await?;
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

/// CPU time this process has used (user + system), from /proc (Linux); `None` elsewhere.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Linux reports these in USER_HZ, 100 per second on every architecture it runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// Citizens' answers at one commune through the survey's server function (the path the
/// enhanced form takes), `submissions` of them `every` apart, with `streams` dashboards of that
/// commune open and reading: each answer's latency, the process's CPU time per answer and the
/// figure computations per answer. Runs twice, with no stream open and then with `streams`.
pub async fn live(
    config: &Config,
    commune: &str,
    streams: usize,
    submissions: usize,
    every: Duration,
) -> anyhow::Result<()> {
    let mut config = config.clone();
    // Measuring what open streams cost, not the caps that keep them few.
    config.abuse.live_streams_per_session = streams.max(1);
    config.abuse.live_streams_per_user = streams.max(1);
    config.abuse.client_per_minute = u32::MAX;
    config.abuse.client_burst = u32::MAX;
    let state = startup::build_state(&config).await?;
    let router = startup::build_router(state.clone()).layer(MockConnectInfo(
        std::net::SocketAddr::from(([127, 0, 0, 1], 9)),
    ));
    let desk = state
        .store
        .list_current_desks(None)
        .await?
        .into_iter()
        .find(|d| d.commune_code == commune)
        .with_context(|| format!("no current desk at commune {commune}"))?
        .public_code;
    let leader = session(&state, &router, "bench.leader", "commune_leader", commune).await?;
    println!(
        "database: {} responses ({}); commune {commune}, one answer every {} ms",
        state.store.count_responses().await?,
        state.store.backend_name(),
        every.as_millis()
    );
    let run = std::process::id();
    for open in [0, streams] {
        let mut readers = Vec::new();
        for _ in 0..open {
            let response = router
                .clone()
                .oneshot(
                    Request::get("/commune/live")
                        .header(header::COOKIE, &leader)
                        .body(Body::empty())?,
                )
                .await?;
            anyhow::ensure!(
                response.status() == StatusCode::OK,
                "stream refused: {}",
                response.status()
            );
            // Each stream is read as a browser would, event by event, until it is dropped.
            let mut body = response.into_body();
            readers.push(tokio::spawn(async move {
                let mut events = 0u64;
                while let Some(Ok(frame)) = body.frame().await {
                    if frame.is_data() {
                        events += 1;
                    }
                }
                events
            }));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let computations = state.live.figure_computations();
        let cpu = process_cpu();
        let mut times = Vec::with_capacity(submissions);
        for i in 0..submissions {
            let answer = serde_json::json!({
                "code": desk,
                "fields": [
                    ["_key", format!("{run:08x}{open:08x}{i:016x}")], ["lang", "vi"],
                    ["overall", "5"], ["access", "4"], ["procedures", "4"],
                    ["civil_servants", "5"], ["results", "4"], ["visits", "1"],
                ],
            });
            let request = Request::post(
                <app::survey::api::SubmitResponse as leptos::server_fn::ServerFn>::PATH,
            )
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(
                header::COOKIE,
                format!("hl_dev={run:08x}{open:08x}{i:016x}"),
            )
            .body(Body::from(serde_json::to_vec(&answer)?))?;
            let started = Instant::now();
            let (status, _, body) = send(&router, request).await?;
            times.push(started.elapsed());
            anyhow::ensure!(
                status == StatusCode::OK && body.contains("Stored"),
                "submission: {status}: {body:.300}"
            );
            tokio::time::sleep(every).await;
        }
        // The last answer's refresh, before the counters are read.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let per_answer = |total: Duration| total.as_secs_f64() * 1000.0 / submissions as f64;
        let cpu = match (cpu, process_cpu()) {
            (Some(before), Some(after)) => format!("{:.1} ms", per_answer(after - before)),
            _ => "unknown".into(),
        };
        println!(
            "{open} open streams: submission {}; CPU per answer {cpu} (whole process, pauses included); \
             figure computations per answer {:.2}",
            summary(times),
            (state.live.figure_computations() - computations) as f64 / submissions as f64
        );
        for reader in readers {
            reader.abort();
        }
    }
    Ok(())
}

/// Stores `count` responses like a submission would (same answers, one transaction each).
async fn inserts(
    store: &app::store::Store,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<(std::time::Duration, usize)> {
    use survey_definitions::{Answer, AnswerValue};
    let desks = store.list_current_desks(None).await?;
    anyhow::ensure!(!desks.is_empty(), "no desks");
    let run = std::process::id();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency.max(1) {
        let store = store.clone();
        let desks = desks.clone();
        tasks.push(tokio::spawn(async move {
            let mut stored = 0usize;
            for i in (t..count).step_by(concurrency.max(1)) {
                let answers: Vec<Answer> = [
                    "overall",
                    "access",
                    "procedures",
                    "civil_servants",
                    "results",
                ]
                .iter()
                .map(|q| Answer {
                    question_id: q.to_string(),
                    value: AnswerValue::Scale(4),
                })
                .chain(std::iter::once(Answer {
                    question_id: "visits".into(),
                    value: AnswerValue::Choice("1".into()),
                }))
                .collect();
                let key = format!("bench-{run}-{i}");
                let inserted = store
                    .insert_response(&app::store::responses::NewResponse {
                        key: &key,
                        desk_id: desks[i % desks.len()].id,
                        survey_id: survey_definitions::DEFAULT_SURVEY_ID,
                        survey_version: 1,
                        lang: survey_definitions::Lang::Vi,
                        channel: Channel::Bench,
                        dossier_code: None,
                        created_at: app::clock::now_ms(),
                        answers: &answers,
                        device_hash: None,
                        client_hash: None,
                        flags: Default::default(),
                        answer_digest: None,
                        kiosk_id: None,
                        count_flagged: Default::default(),
                        device_rule: None,
                        dossier_since_ms: None,
                    })
                    .await?;
                if matches!(inserted, app::store::responses::Inserted::New(_)) {
                    stored += 1;
                }
            }
            Ok::<_, app::store::StoreError>(stored)
        }));
    }
    let mut stored = 0;
    for task in tasks {
        stored += task.await??;
    }
    Ok((started.elapsed(), stored))
}
