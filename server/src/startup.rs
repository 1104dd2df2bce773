//! Start-up: load and validate definitions (refusing to start on a broken file), open the database,
//! migrate, load the administrative units, and build the router that production and tests share.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use app::abuse::Limiters;
use app::assets::Assets;
use app::criteria::CriteriaInForce;
use app::state::{AppState, Settings};
use app::store::Store;
use app::units::plan::{plan_province, ProvincePlan};
use app::{shell, App};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use survey_definitions::{load_dir, Definitions, Map};
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::CompressionLayer;

use crate::config::Config;
use crate::routes;
use crate::shutdown::Shutdown;

/// The stem of the wasm-bindgen output and the main stylesheet in `pkg/` (`scripts/build-site.sh`).
const OUTPUT_NAME: &str = "hailong";

/// Offers the languages the definitions folder supplies (`translations/<code>.toml`). A text a
/// translation lacks is shown in Vietnamese; the log names each one, so the province knows what
/// to send its translator (`hailong translation-template <code>` writes them out).
fn install_translations(config: &Config, definitions: &Definitions) -> anyhow::Result<()> {
    let translations = survey_definitions::load_translations(&config.definitions_dir)
        .map_err(|e| anyhow::anyhow!("invalid translation: {e}"))?;
    let needed = app::i18n::citizen_texts(definitions);
    for translation in translations {
        let missing = translation.missing(needed.iter().map(|(vi, _)| *vi));
        if !missing.is_empty() {
            tracing::warn!(
                lang = translation.lang.code(),
                missing = missing.len(),
                first = missing[0],
                "the translation lacks texts; they are shown in Vietnamese"
            );
        }
        survey_definitions::translation::install(translation);
    }
    Ok(())
}

/// Definitions read from disk and validated; any error names the file, field and line.
pub fn load_definitions(config: &Config) -> anyhow::Result<Definitions> {
    load_definitions_and_criteria(config).map(|(definitions, _)| definitions)
}

/// Definitions and the criteria sets this deployment scores with: those `HAILONG_CRITERIA`
/// names, or else those `criteria/provinces.csv` gives `HAILONG_PROVINCE` (its own, or the
/// model sets when it has issued none).
pub fn load_definitions_and_criteria(
    config: &Config,
) -> anyhow::Result<(Definitions, CriteriaInForce)> {
    let definitions = load_dir(&config.definitions_dir)
        .map_err(|e| anyhow::anyhow!("invalid survey definition: {e}"))?;
    install_translations(config, &definitions)?;
    // Criteria sets are checked at start-up too (they name survey questions), so a broken one
    // stops the server before anything is scored with it.
    let all = survey_definitions::load_criteria_dir(&config.definitions_dir, &definitions)
        .map_err(|e| anyhow::anyhow!("invalid criteria set: {e}"))?;
    // The provinces' table is checked whether or not it is used, so `hailong check` finds a
    // broken row before a deployment relies on it.
    let map = load_map(&config.definitions_dir)?;
    let reform_eve = survey_definitions::Date::parse("2025-06-30").map_err(anyhow::Error::msg)?;
    let today =
        survey_definitions::Date::parse(&app::clock::today()).map_err(anyhow::Error::msg)?;
    let provinces: BTreeSet<String> = [reform_eve, today]
        .iter()
        .flat_map(|day| map.provinces_on(*day))
        .map(|p| p.code.clone())
        .collect();
    let table = survey_definitions::criteria::load_province_criteria(
        &config.definitions_dir,
        &all,
        &provinces,
    )
    .map_err(|e| anyhow::anyhow!("invalid criteria table: {e}"))?;
    let (ids, model): (Vec<String>, bool) = if config.criteria.is_empty() {
        let of = table.for_province(&config.province);
        anyhow::ensure!(
            !of.ids.is_empty(),
            "criteria/{}: no criteria set for province {} and no model sets (`*`); add a row, \
             or name the sets with HAILONG_CRITERIA",
            survey_definitions::criteria::provinces::PROVINCES_FILE,
            config.province
        );
        if of.model {
            tracing::warn!(
                province = %config.province,
                sets = ?of.ids,
                "the province has issued no criteria set of its own here: scoring with the model \
                 sets, which pages and reports call a model (add its own to criteria/)"
            );
        }
        (of.ids.iter().map(|id| id.to_string()).collect(), of.model)
    } else {
        (config.criteria.clone(), false)
    };
    let mut in_force = Vec::new();
    for id in &ids {
        // The highest version of each set: older ones stay on disk to reproduce old reports.
        let set = all
            .iter()
            .filter(|s| &s.id == id)
            .max_by_key(|s| s.version)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "HAILONG_CRITERIA names `{id}`, which is not a criteria set (known: {})",
                    all.iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        in_force.push(set.clone());
    }
    let in_force = if model {
        CriteriaInForce::model(in_force)
    } else {
        CriteriaInForce::own(in_force)
    };
    Ok((definitions, in_force))
}

/// The national map under the definitions folder, read and checked once per process (every
/// command and test opens the store; the map is the same for all of them).
pub fn load_map(definitions_dir: &Path) -> anyhow::Result<Arc<Map>> {
    let dir = definitions_dir.join(survey_definitions::MAP_DIR);
    let mut maps = maps().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(map) = maps.get(&dir) {
        return Ok(map.clone());
    }
    let map = Arc::new(
        survey_definitions::load_map(&dir).map_err(|e| anyhow::anyhow!("invalid unit map: {e}"))?,
    );
    maps.insert(dir, map.clone());
    Ok(map)
}

fn maps() -> &'static Mutex<HashMap<PathBuf, Arc<Map>>> {
    static MAPS: OnceLock<Mutex<HashMap<PathBuf, Arc<Map>>>> = OnceLock::new();
    MAPS.get_or_init(Default::default)
}

/// Drops the maps read so far: a server needs the map only while it starts.
pub fn forget_maps() {
    maps().lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// The plan of the configured province as it is today; an unknown code names the valid ones.
pub fn province_plan(config: &Config) -> anyhow::Result<ProvincePlan> {
    let map = load_map(&config.definitions_dir)?;
    let today =
        survey_definitions::Date::parse(&app::clock::today()).map_err(anyhow::Error::msg)?;
    plan_province(&map, &config.province, today)
        .map_err(|e| anyhow::anyhow!("HAILONG_PROVINCE: {e}"))
}

/// Opens and migrates the database, writes the configured province's units and their history
/// from the map, and gives every commune in force its desk.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let plan = province_plan(config)?;
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| {
            format!(
                "DATABASE_URL: cannot open the database {}",
                crate::config::redact_url(&config.database_url)
            )
        })?;
    store.migrate().await.context("database migration failed")?;
    let synced = store.sync_province(&plan).await.context("loading units")?;
    if !synced.is_empty() {
        tracing::info!(?synced, province = %plan.province_name, "units written from the map");
        store
            .audit(
                None,
                "start-up",
                "units_synced",
                &plan.province_name,
                &format!("{synced:?}"),
            )
            .await?;
    }
    let (moved, closed) = store
        .settle_desks_of_ended_units()
        .await
        .context("settling desks of ended units")?;
    if moved + closed > 0 {
        store
            .audit(
                None,
                "start-up",
                "desks_settled",
                "desks of ended units",
                &format!("{moved} moved to the renamed unit, {closed} closed"),
            )
            .await?;
    }
    move_users_of_ended_units(&store, "start-up").await?;
    let created = store
        .ensure_default_desks()
        .await
        .context("creating desks")?;
    if created > 0 {
        tracing::info!("created {created} default desks");
        store
            .audit(
                None,
                "start-up",
                "desks_created",
                "default desks",
                &format!("{created} desks"),
            )
            .await?;
    }
    Ok(store)
}

/// Everything a request needs, built from the configuration.
pub async fn build_state(config: &Config) -> anyhow::Result<AppState> {
    let (definitions, criteria) = load_definitions_and_criteria(config)?;
    let assets = Assets::load(&config.site_root, OUTPUT_NAME)?;
    let store = open_store(config).await?;
    audit_definition_versions(&store, &definitions).await?;
    Ok(state_with(config, store, definitions, criteria, assets))
}

/// Moves the accounts of communes that ended to the commune their answers count for (audited
/// by the store); one whose commune has no heir stays and is logged as a warning.
pub async fn move_users_of_ended_units(store: &Store, actor: &str) -> anyhow::Result<()> {
    let moves = store
        .move_users_of_ended_units(actor)
        .await
        .context("moving users of ended units")?;
    for m in moves {
        match &m.to {
            Some(to) => {
                tracing::info!(user = %m.username, from = %m.from, %to, "user moved to the successor unit")
            }
            None => {
                tracing::warn!(user = %m.username, unit = %m.from, "user's unit ended and has no successor in force")
            }
        }
    }
    Ok(())
}

/// Records in the audit log when the set of survey versions in force changes.
async fn audit_definition_versions(store: &Store, definitions: &Definitions) -> anyhow::Result<()> {
    let mut versions: Vec<String> = definitions
        .surveys()
        .map(|s| format!("{} v{}", s.id, s.version))
        .collect();
    versions.sort();
    let versions = versions.join(", ");
    let last = store.last_audit_detail("definitions_loaded").await?;
    if last.as_deref() != Some(versions.as_str()) {
        store
            .audit(
                None,
                "start-up",
                "definitions_loaded",
                "survey definitions",
                &versions,
            )
            .await?;
    }
    Ok(())
}

/// The state for an already opened store (tests open their own).
pub fn state_with(
    config: &Config,
    store: Store,
    definitions: Definitions,
    criteria: CriteriaInForce,
    assets: Assets,
) -> AppState {
    // With a manifest, Leptos's `HydrationScripts` links the hashed JS and WASM it lists. Leptos
    // reads the file again for every page; `assets` keeps what it read at start-up, so rebuilding
    // the site under a running server needs a restart either way.
    let leptos_options = LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .hash_files(assets.manifest().is_some())
        .hash_file(
            assets
                .manifest()
                .map_or(app::assets::MANIFEST.into(), |m| m.display().to_string())
                .into(),
        )
        .build();
    let live = app::live::LiveHub::default();
    if store.backend() == app::store::Backend::Postgres {
        live.listen_postgres(config.database_url.clone());
    }
    AppState {
        leptos_options,
        store: store.clone(),
        definitions: Arc::new(definitions),
        criteria: Arc::new(criteria),
        settings: Arc::new(Settings {
            public_url: config.public_url.clone(),
            trusted_proxies: config.trusted_proxies,
            comment_retention_days: config.comment_retention_days,
            session_hours: config.session_hours,
            abuse: config.abuse.clone(),
            kiosk: config.kiosk.clone(),
            dossier_pattern: config.dossier_pattern.clone(),
            kept_reports_per_day: config.kept_reports_per_day,
            oidc: config.oidc.clone(),
        }),
        limiters: Limiters::new(&config.abuse),
        recent: Default::default(),
        salts: Default::default(),
        kiosk_limits: Arc::new(app::abuse::kiosk::KioskLimits::new(&config.kiosk)),
        writer: app::writer::ResponseWriter::start(store.clone(), live.clone()),
        live,
        assets: Arc::new(assets),
        ranked_runs: Default::default(),
    }
}

/// The whole application router.
pub fn build_router(state: AppState) -> Router {
    // Listing the routes runs the app with resource loading switched off for the whole process
    // (leptos_server's process-global `SuppressResourceLoad`): a page rendering at that moment
    // in the same process waits forever (leptos-rs/leptos#4773). Listing them once per process
    // means no router is ever built while another serves, as happened between tests.
    static PAGE_ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    let page_routes = PAGE_ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let site_root = std::path::Path::new(&*state.leptos_options.site_root);
    let pkg = routes::assets::router(site_root, state.assets.clone());
    let options = state.leptos_options.clone();
    Router::new()
        .route("/health", get(routes::health::health))
        .route("/ready", get(routes::health::ready))
        .route("/q/{code}/qr.svg", get(routes::qr::qr_svg))
        .route("/q/{code}/qr.png", get(routes::qr::qr_png))
        .route("/q/{code}/qr-large.svg", get(routes::qr::large_type_qr_svg))
        .merge(routes::survey_form::router())
        .merge(routes::qr::router())
        .merge(routes::account::router())
        .merge(routes::kiosk::router())
        .merge(routes::assessment::router())
        .merge(routes::exports::router())
        .merge(routes::reports::router())
        .merge(routes::live::router())
        .merge(crate::alerts::routes::router())
        .merge(routes::oidc::router(&state))
        .leptos_routes_with_context(&state, page_routes, || (), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .nest("/pkg", pkg)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            routes::problem::problem_pages,
        ))
        // Pages are compressed on the fly (a survey page shrinks about 5×); precompressed assets
        // already carry a Content-Encoding and pass through untouched, and the spoken clips
        // (MP3, compressed already) are sent as they are.
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("audio/"))),
        )
        .layer(axum::middleware::from_fn(
            routes::security::server_fn_bodies,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            routes::security::same_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            routes::security::headers,
        ))
        .with_state(state)
}

/// Periodic chores: forget idle rate-limit keys and answers older than the flag window; delete
/// sign-in counts with their salt; apply the comment retention setting.
fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        let mut minutes = 0u64;
        loop {
            tick.tick().await;
            state.limiters.forget_idle();
            let window = state.settings.abuse.flag_window.as_millis() as i64;
            state.recent.forget_before(app::clock::now_ms() - window);
            if minutes.is_multiple_of(60) {
                if let Err(e) = app::accounts::auth::forget_old_sign_in_failures(&state.store).await
                {
                    tracing::error!("sign-in counts: {e}");
                }
                if let Some(days) = state.settings.comment_retention_days {
                    let comments: Vec<&str> = state
                        .definitions
                        .surveys()
                        .flat_map(|s| &s.questions)
                        .filter(|q| {
                            matches!(q.kind, survey_definitions::QuestionKind::Comment { .. })
                        })
                        .map(|q| q.id.as_str())
                        .collect();
                    match state
                        .store
                        .delete_comments_older_than(days, &comments)
                        .await
                    {
                        Ok(0) => {}
                        Ok(n) => {
                            tracing::info!("retention: deleted {n} comments older than {days} days")
                        }
                        Err(e) => tracing::error!("retention: {e}"),
                    }
                }
            }
            minutes += 1;
        }
    });
}

/// Keeps SQLite's write-ahead log short from outside the commit path (see `Store::checkpoint`):
/// with it, p99 at 200 submitting clients fell from 134 ms to 78 ms (BENCHMARKS.md).
fn spawn_checkpoints(store: app::store::Store) {
    if store.backend() != app::store::Backend::Sqlite {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = store.checkpoint().await {
                tracing::warn!("checkpoint: {e}");
            }
        }
    });
}

/// Runs the server until SIGTERM or Ctrl-C, then shuts down gracefully (see `crate::shutdown`):
/// every answer acknowledged or queued is committed before it returns.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    tracing::info!(
        "hailong {} ({}) starting: {}",
        env!("CARGO_PKG_VERSION"),
        env!("HAILONG_COMMIT"),
        config.summary()
    );
    let metrics = crate::metrics::install()?;
    let alerts = crate::config::alert_settings_from_env()?;
    let state = build_state(&config).await?;
    forget_maps();
    spawn_housekeeping(state.clone());
    spawn_checkpoints(state.store.clone());
    crate::alerts::spawn(state.clone(), alerts)?;
    if config.monthly_report {
        crate::reports::kept::spawn_monthly(state.clone());
    }
    let shutdown = Shutdown::default();
    let router = build_router(state.clone())
        .merge(crate::metrics::router(
            state.clone(),
            metrics,
            config.metrics_token.clone(),
        ))
        .layer(axum::middleware::from_fn(crate::logging::log_requests))
        .layer(axum::middleware::from_fn_with_state(
            shutdown.clone(),
            crate::shutdown::close_connections_while_draining,
        ))
        .layer(axum::Extension(shutdown.clone()));
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("HAILONG_ADDR: cannot listen on {}", config.addr))?;
    tracing::info!(
        "Hài Lòng listening on http://{} (QR codes point to {})",
        listener.local_addr()?,
        config.public_url
    );
    tokio::spawn(crate::shutdown::on_signal(shutdown.clone(), {
        let live = state.live.clone();
        move || live.close_all()
    }));
    crate::shutdown::serve(listener, router, shutdown).await;
    let queued = state.writer.queued();
    state.writer.finish().await;
    state.store.close().await;
    tracing::info!("stopped; {queued} answers were still queued and are committed");
    Ok(())
}
