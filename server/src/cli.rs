//! The `hailong` commands. `serve` is the default.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::{csv, demo, startup};

#[derive(Parser, Debug)]
#[command(
    name = "hailong",
    version,
    about = "Hài Lòng: citizen satisfaction at the one-stop desk"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default command).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:3000 (default: HAILONG_ADDR or 127.0.0.1:3000).
        #[arg(long)]
        addr: Option<SocketAddr>,
    },
    /// Validate the survey definitions and unit lists; exit 1 naming the file, field and line.
    Check,
    /// List every current desk with its survey URL, or add a desk to a commune.
    Desks {
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        #[command(subcommand)]
        action: Option<DesksAction>,
    },
    /// Manage user accounts (the first province admin comes from here).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Score communes. With `--inputs`: one commune from a JSON file, without a database
    /// (what-if simulations; see scoring/README.md). With `--period` or `--criteria` alone: every
    /// commune from the database, stored as a score run. With `--verify RUN`: re-score a stored
    /// run from its saved inputs and check every hash.
    Score {
        /// Criteria set id, e.g. dong-nai-2025 (its highest version is used).
        #[arg(long)]
        criteria: Option<String>,
        /// The period to score from the database: a year (`2025`) naming one of the sets in
        /// HAILONG_CRITERIA.
        #[arg(long)]
        period: Option<String>,
        /// The inputs: citizen tally, self-assessed and appraised points, imported scores.
        #[arg(long)]
        inputs: Option<std::path::PathBuf>,
        /// A stored run to reproduce and check.
        #[arg(long)]
        verify: Option<i64>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Language of the text report.
        #[arg(long, default_value = "vi")]
        lang: String,
    },
    /// Load scores from other systems (e.g. the provincial PAR index) from CSV with the header
    /// `ma_xa,tieu_chi,diem,nguon`; the whole file is checked before anything is stored.
    Imported {
        /// Criteria set id (one of HAILONG_CRITERIA).
        #[arg(long)]
        criteria: String,
        file: std::path::PathBuf,
    },
    /// Measurements for BENCHMARKS.md (see scripts/bench.sh).
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
    /// Administrative units: import the mergers, splits and renames of a reform.
    Units {
        #[command(subcommand)]
        action: crate::mergers::UnitsAction,
    },
    /// Export stored data.
    Export {
        #[command(subcommand)]
        what: crate::exports::ExportWhat,
    },
    /// A consistent copy of the SQLite database, taken while the server runs (for PostgreSQL
    /// use pg_dump; see README "Backups and restore"). Applies no migration.
    Backup {
        /// The new file; an existing file is never overwritten.
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Put a backup made by `hailong backup` in place of the SQLite database of DATABASE_URL.
    /// Refused while any process has the database open; an existing database is replaced only
    /// with --force, and is then kept beside it under a new name.
    Restore {
        file: std::path::PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Seed simulated responses for every desk over the last days, so dashboards have data.
    Demo {
        /// Days back from today to fill (default 90, or 365 with --responses).
        #[arg(long)]
        days: Option<u32>,
        /// Average responses per desk and day.
        #[arg(long, default_value_t = 2.0)]
        per_day: f64,
        /// About this many responses in all (for benchmarks: 1000000, 10000000); sets the
        /// responses per desk and day from the number of desks and days.
        #[arg(long)]
        responses: Option<u64>,
        /// Random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        /// Do nothing when responses are already stored (used by scripts/run.sh).
        #[arg(long)]
        if_empty: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DesksAction {
    /// Add a desk to a commune (by its official code); prints the new desk's survey URL.
    Add {
        #[arg(long)]
        commune: String,
        /// Vietnamese name, e.g. "Quầy tiếp nhận số 2".
        #[arg(long)]
        name: String,
        /// English name (defaults to the Vietnamese one).
        #[arg(long)]
        name_en: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Create a user. The password is read from the first line of standard input
    /// (e.g. `printf '%s\n' "$PASSWORD" | hailong user add …`), so it stays out of the shell history.
    Add {
        #[arg(long)]
        username: String,
        /// province_admin, district_reviewer, commune_leader or commune_officer.
        #[arg(long)]
        role: String,
        /// Official code of the commune (commune roles) or district (district reviewer).
        #[arg(long, default_value = "")]
        unit: String,
        /// Full name shown in the interface (defaults to the user name).
        #[arg(long)]
        name: Option<String>,
    },
}

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

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Csv,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReportFormat {
    /// Readable, with the explanation of every leaf.
    Text,
    /// The full report as JSON (with its input and output hashes).
    Json,
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,leptos_axum=warn".into());
    // Logs go to stderr so that commands writing CSV to stdout stay clean.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Parses the command line and runs the command; errors are printed with their causes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve { addr: None }) {
        Command::Serve { addr } => startup::serve(Config::from_env(addr)?).await,
        Command::Check => check(&Config::from_env(None)?),
        Command::Desks { format, action } => {
            let config = Config::from_env(None)?;
            match action {
                None => list_desks(&config, format).await,
                Some(DesksAction::Add {
                    commune,
                    name,
                    name_en,
                }) => add_desk(&config, &commune, &name, name_en.as_deref()).await,
            }
        }
        Command::Units { action } => crate::mergers::run(&Config::from_env(None)?, action).await,
        Command::Export { what } => crate::exports::run(&Config::from_env(None)?, what).await,
        Command::Score {
            criteria,
            period,
            inputs,
            verify,
            format,
            lang,
        } => {
            let config = Config::from_env(None)?;
            let lang = survey_definitions::Lang::parse(&lang).context("--lang is vi or en")?;
            if let Some(run) = verify {
                return crate::scores::verify_run(&config, run).await;
            }
            let Some(inputs) = inputs else {
                return crate::scores::run(&config, criteria.as_deref(), period.as_deref(), format)
                    .await;
            };
            let criteria = criteria.context("--inputs needs --criteria ID")?;
            let report = score_file(&config, &criteria, &inputs)?;
            match format {
                ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                ReportFormat::Text => print!("{}", report_text(&report, lang)),
            }
            Ok(())
        }
        Command::Backup { output } => {
            let config = Config::from_env(None)?;
            let contents = crate::backup::backup(&config.database_url, &output).await?;
            println!("backup written to {}: {contents}", output.display());
            Ok(())
        }
        Command::Restore { file, force } => {
            let config = Config::from_env(None)?;
            let restored = crate::backup::restore(&config.database_url, &file, force).await?;
            println!(
                "restored {} into {}: {}",
                file.display(),
                restored.database.display(),
                restored.contents
            );
            if let Some(kept) = restored.kept {
                println!("the database it replaced is kept as {}", kept.display());
            }
            Ok(())
        }
        Command::Imported { criteria, file } => {
            crate::scores::import_scores(&Config::from_env(None)?, &criteria, &file).await
        }
        Command::Bench {
            what:
                BenchWhat::Pages {
                    commune,
                    iterations,
                },
        } => crate::bench::pages(&Config::from_env(None)?, &commune, iterations).await,
        Command::Bench {
            what: BenchWhat::Scoring { runs },
        } => crate::bench::scoring(&Config::from_env(None)?, runs).await,
        Command::Bench {
            what: BenchWhat::Engine { iterations },
        } => crate::bench::engine(&Config::from_env(None)?, iterations),
        Command::Bench {
            what:
                BenchWhat::Live {
                    commune,
                    streams,
                    submissions,
                    every_ms,
                },
        } => {
            crate::bench::live(
                &Config::from_env(None)?,
                &commune,
                streams,
                submissions,
                std::time::Duration::from_millis(every_ms),
            )
            .await
        }
        Command::Bench { what } => {
            let config = Config::from_env(None)?;
            let store = startup::open_store(&config).await?;
            match what {
                BenchWhat::Count => println!("{}", store.count_responses().await?),
                BenchWhat::Inserts { count, concurrency } => {
                    let (elapsed, stored) = bench_inserts(&store, count, concurrency).await?;
                    println!(
                        "baseline: {stored} responses in {:.2} s = {:.0} responses/s ({concurrency} tasks)",
                        elapsed.as_secs_f64(),
                        stored as f64 / elapsed.as_secs_f64()
                    );
                }
                BenchWhat::Pages { .. }
                | BenchWhat::Scoring { .. }
                | BenchWhat::Engine { .. }
                | BenchWhat::Live { .. } => {
                    unreachable!("handled above")
                }
            }
            Ok(())
        }
        Command::User {
            action:
                UserAction::Add {
                    username,
                    role,
                    unit,
                    name,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let config = Config::from_env(None)?;
            let state = startup::build_state(&config).await?;
            let name = name.unwrap_or_else(|| username.clone());
            app::accounts::users::add_user(&state, &username, &name, &role, &unit, password)
                .await
                .map_err(anyhow::Error::msg)?;
            println!("created user {username} ({role})");
            Ok(())
        }
        Command::Demo {
            days,
            per_day,
            responses,
            seed,
            if_empty,
        } => {
            let days = days.unwrap_or(if responses.is_some() { 365 } else { 90 });
            let config = Config::from_env(None)?;
            let state = startup::build_state(&config).await?;
            let store = &state.store;
            if if_empty && store.count_responses().await? > 0 {
                eprintln!("demo: responses already stored, nothing added");
                return Ok(());
            }
            let accounts = demo::demo_users(&state).await?;
            if !accounts.is_empty() {
                print_demo_accounts(&config, &accounts)?;
            }
            let started = std::time::Instant::now();
            let stored = match responses {
                // Millions of rows: generated inside the database (see generate_responses).
                Some(n) => {
                    let total = store.generate_responses(n, days).await?;
                    eprintln!(
                        "demo: generated {n} synthetic responses in {:.1} s ({total} stored in all)",
                        started.elapsed().as_secs_f64()
                    );
                    n as usize
                }
                None => {
                    demo::seed(
                        store,
                        &demo::DemoOptions {
                            days,
                            per_day,
                            seed,
                        },
                    )
                    .await?
                }
            };
            eprintln!("demo: stored {stored} simulated responses over {days} days");
            let scoring = demo::seed_scoring(&state, seed).await?;
            let dossiers: Vec<String> = scoring
                .dossiers
                .iter()
                .map(|(state, n)| format!("{n} {state}"))
                .collect();
            eprintln!(
                "demo: {}: self-assessments {}; {} imported scores",
                scoring.criteria,
                dossiers.join(", "),
                scoring.imported
            );
            if let Some(run) = scoring.run {
                eprintln!(
                    "demo: score run {}: {} communes, {} passed, {} below the minimum sample",
                    run.run_id, run.communes, run.passed, run.insufficient
                );
            }
            Ok(())
        }
    }
}

/// Stores `count` responses like a submission would (same answers, one transaction each).
async fn bench_inserts(
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
                        channel: "bench",
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

/// Prints the demo accounts once and keeps a copy in data/demo-accounts.txt (the folder is not
/// committed), so a newcomer can sign in as every role.
fn print_demo_accounts(config: &Config, accounts: &[demo::DemoAccount]) -> anyhow::Result<()> {
    let mut text = format!("Demo accounts (sign in at {}/login):\n", config.public_url);
    for a in accounts {
        text.push_str(&format!(
            "  {:<18} {:<22} password: {}   ({})\n",
            a.username, a.role, a.password, a.what
        ));
    }
    eprintln!("\n{text}");
    if std::fs::create_dir_all("data").is_ok() {
        let _ = std::fs::write("data/demo-accounts.txt", &text);
        eprintln!("(also written to data/demo-accounts.txt)\n");
    }
    Ok(())
}

/// Scores the inputs in `path` against the highest version of criteria set `criteria_id`.
pub fn score_file(
    config: &Config,
    criteria_id: &str,
    path: &std::path::Path,
) -> anyhow::Result<scoring::Report> {
    let definitions = startup::load_definitions(config)?;
    let sets = survey_definitions::load_criteria_dir(&config.definitions_dir, &definitions)
        .map_err(|e| anyhow::anyhow!("invalid criteria set: {e}"))?;
    let set = sets
        .iter()
        .filter(|s| s.id == criteria_id)
        .max_by_key(|s| s.version)
        .with_context(|| {
            let ids: Vec<&str> = sets.iter().map(|s| s.id.as_str()).collect();
            format!(
                "no criteria set `{criteria_id}` (known: {})",
                ids.join(", ")
            )
        })?;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let input: scoring::ScoringInput = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid scoring input", path.display()))?;
    scoring::score(set, &input).map_err(|e| anyhow::anyhow!("cannot score {}: {e}", path.display()))
}

/// The report as text: every node with its points, each leaf's explanation, then the outcome.
pub fn report_text(report: &scoring::Report, lang: survey_definitions::Lang) -> String {
    use survey_definitions::Lang;
    fn node(out: &mut String, n: &scoring::NodeResult, depth: usize, lang: Lang) {
        let indent = "  ".repeat(depth);
        let bonus = if n.bonus { " (+)" } else { "" };
        out.push_str(&format!(
            "{indent}{} {}: {} / {}{bonus}\n",
            n.id,
            n.name.get(lang),
            n.points,
            n.max
        ));
        if let Some(leaf) = &n.leaf {
            out.push_str(&format!("{indent}    {}\n", leaf.explanation.get(lang)));
        }
        for child in &n.children {
            node(out, child, depth + 1, lang);
        }
    }
    let mut out = format!(
        "{} v{} — {}\n\n",
        report.criteria_id, report.criteria_version, report.unit
    );
    for group in &report.groups {
        node(&mut out, group, 0, lang);
    }
    let (total, bonus, pass, grade, yes, no) = match lang {
        Lang::Vi => (
            "Tổng điểm",
            "điểm cộng",
            "Đạt chuẩn",
            "Xếp loại",
            "có",
            "không",
        ),
        Lang::En => ("Total", "bonus", "Passed", "Grade", "yes", "no"),
    };
    out.push_str(&format!(
        "\n{total}: {} ({} / {} + {} {bonus})\n{pass}: {}\n{grade}: {}\n",
        report.total,
        report.base_points,
        report.scale_max,
        report.bonus_points,
        if report.passed { yes } else { no },
        report
            .grade
            .as_ref()
            .map(|g| g.label.get(lang).to_string())
            .unwrap_or_else(|| "—".into())
    ));
    for k in &report.knockouts {
        out.push_str(&format!("! {}\n", k.explanation.get(lang)));
    }
    out.push_str(&format!(
        "\n{}\ninput {}\noutput {}\n",
        report.summary.get(lang),
        report.input_hash,
        report.output_hash
    ));
    out
}

fn check(config: &Config) -> anyhow::Result<()> {
    let definitions = startup::load_definitions(config)?;
    for survey in definitions.surveys() {
        println!(
            "ok  survey {} v{} ({} questions)",
            survey.id,
            survey.version,
            survey.questions.len()
        );
    }
    let sets = survey_definitions::load_criteria_dir(&config.definitions_dir, &definitions)
        .map_err(|e| anyhow::anyhow!("invalid criteria set: {e}"))?;
    for set in &sets {
        println!("ok  criteria {} v{}", set.id, set.version);
    }
    let lists = survey_definitions::load_units_dir(&config.definitions_dir)
        .map_err(|e| anyhow::anyhow!("invalid unit list: {e}"))?;
    for list in lists {
        println!(
            "ok  units {} from {}: {} districts, {} communes",
            list.province.name,
            list.valid_from,
            list.districts.len(),
            list.communes.len()
        );
    }
    Ok(())
}

async fn list_desks(config: &Config, _format: Format) -> anyhow::Result<()> {
    let store = startup::open_store(config).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_desks_csv(&store, &config.public_url, &mut out).await?;
    out.flush()?;
    Ok(())
}

/// Every current desk as CSV: commune code, commune, desk, survey URL.
pub async fn write_desks_csv(
    store: &app::store::Store,
    public_url: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let desks = store.list_current_desks(None).await?;
    csv::write_record(out, &["commune_code", "commune", "desk", "survey_url"])?;
    for desk in desks {
        let url = format!("{public_url}/q/{}", desk.public_code);
        csv::write_record(out, &[desk.commune_code, desk.commune_name, desk.name, url])?;
    }
    Ok(())
}

async fn add_desk(
    config: &Config,
    commune: &str,
    name: &str,
    name_en: Option<&str>,
) -> anyhow::Result<()> {
    anyhow::ensure!(!name.trim().is_empty(), "the desk name must not be empty");
    let store = startup::open_store(config).await?;
    let code = store
        .add_desk(commune, name.trim(), name_en.unwrap_or(name).trim())
        .await?
        .with_context(|| format!("no commune in force with code {commune}"))?;
    store
        .audit(
            None,
            "command line",
            "desk_added",
            &format!("commune {commune}"),
            &format!("{name} ({code})"),
        )
        .await?;
    println!("{}/q/{code}", config.public_url);
    Ok(())
}

/// Every response as CSV with a BOM, one row per response (`hailong export responses`
/// without filters).
pub async fn write_responses_csv(
    store: &app::store::Store,
    definitions: &survey_definitions::Definitions,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    crate::exports::write_responses_csv(
        store,
        definitions,
        &crate::exports::ResponseFilter::default(),
        &crate::exports::Scope::province(),
        out,
    )
    .await?;
    Ok(())
}
