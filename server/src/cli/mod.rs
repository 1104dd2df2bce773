//! The `hailong` commands: each is a thin adapter over the app's features, in a module of its
//! own. `serve` is the default.

pub mod backup;
pub mod bench;
pub mod demo;
pub mod demo_kiosks;
pub mod desks;
pub mod export;
pub mod independent;
pub mod kiosks;
pub mod report;
pub mod score;
pub mod slips;
pub mod sso;
pub mod translation;
pub mod units;

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::startup;

#[derive(Parser, Debug)]
#[command(
    name = "hailong",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("HAILONG_COMMIT"), ")"),
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
    Check {
        /// Validate the settings (environment variables) only, print them with secrets
        /// hidden, and exit 1 naming the first setting that is wrong.
        #[arg(long)]
        config: bool,
    },
    /// List every current desk with its survey URL, or add a desk to a commune.
    Desks {
        #[arg(long, value_enum, default_value_t = desks::Format::Csv)]
        format: desks::Format,
        #[command(subcommand)]
        action: Option<desks::DesksAction>,
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
        #[arg(long, value_enum, default_value_t = score::ReportFormat::Text)]
        format: score::ReportFormat,
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
        what: bench::BenchWhat,
    },
    /// The province's own satisfaction survey, per commune: import its figures.
    Independent {
        #[command(subcommand)]
        action: independent::IndependentAction,
    },
    /// Desk tablets: what the kiosk traffic rules make of the stored ratings.
    Kiosks {
        #[command(subcommand)]
        action: kiosks::KiosksAction,
    },
    /// Single sign-on with the province's accounts: claim mappings, e-mail links, break-glass
    /// accounts and "require single sign-on" (as on the admin's page `/admin/sso`).
    Sso {
        #[command(subcommand)]
        action: sso::SsoAction,
    },
    /// Administrative units: import the mergers, splits and renames of a reform.
    Units {
        #[command(subcommand)]
        action: units::UnitsAction,
    },
    /// Export stored data.
    Export {
        #[command(subcommand)]
        what: export::ExportWhat,
    },
    /// A periodic report as PDF in the official document format (Nghị định 30/2020/NĐ-CP):
    /// one commune (`--unit CODE`) or every commune of the province (`--province`).
    Report {
        /// Official code of the commune.
        #[arg(
            long,
            required_unless_present = "province",
            conflicts_with = "province"
        )]
        unit: Option<String>,
        /// Every commune of the province in force in the period, one row each.
        #[arg(long)]
        province: bool,
        /// A month (2026-11), quarter (2026-Q4), half-year (2026-H2) or year (2026).
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value_t = crate::reports::Format::Pdf)]
        format: crate::reports::Format,
        /// The file to write; an existing file is never overwritten.
        #[arg(long)]
        output: std::path::PathBuf,
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
    /// Print slips (phiếu hẹn trả kết quả) with a QR per dossier: an A6 page per code of a
    /// CSV or text file (first column), each opening the desk's survey with the code filled in.
    Slips {
        /// Public code of the desk.
        #[arg(long)]
        desk: String,
        /// File of dossier codes, one per line (a CSV's first column; a header is skipped).
        #[arg(long)]
        codes: std::path::PathBuf,
        /// The printable page to write (`.html`).
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Write the file a translator fills in to offer the citizen's pages in another language
    /// (`translations/CODE.toml`): every text, with what the folder's file already translates.
    TranslationTemplate {
        /// The language's code: 2 or 3 lowercase letters (ISO 639-1, or ISO 639-3).
        #[arg(long)]
        lang: String,
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
pub enum UserAction {
    /// Create a user. The password is read from the first line of standard input
    /// (e.g. `printf '%s\n' "$PASSWORD" | hailong user add …`), so it stays out of the shell history.
    Add {
        #[arg(long)]
        username: String,
        /// province_admin, district_reviewer, province_reviewer, commune_leader or commune_officer.
        #[arg(long)]
        role: String,
        /// Official code of the commune (commune roles) or district (district reviewer); empty
        /// for the province roles.
        #[arg(long, default_value = "")]
        unit: String,
        /// Full name shown in the interface (defaults to the user name).
        #[arg(long)]
        name: Option<String>,
        /// E-mail address for alerts about unfavourable answers (commune leaders and officers).
        #[arg(long, default_value = "")]
        email: String,
    },
    /// Set a user's e-mail address (an empty address removes it).
    SetEmail {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
    },
    /// Assign communes to a province reviewer, who sees only the communes assigned to it.
    Assign {
        #[arg(long)]
        username: String,
        /// Official codes of communes in force, separated by commas (e.g. 25195,25217).
        #[arg(long, value_delimiter = ',')]
        communes: Vec<String>,
    },
}

/// Parses the command line and runs the command; errors are printed with their causes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::logging::init();
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
    let config = || Config::from_env(None);
    match cli.command.unwrap_or(Command::Serve { addr: None }) {
        Command::Serve { addr } => startup::serve(Config::from_env(addr)?).await,
        Command::Check { config: true } => {
            println!("ok  settings: {}", config()?.summary());
            Ok(())
        }
        Command::Check { config: false } => check(&config()?),
        Command::Desks { format, action } => desks::run(&config()?, format, action).await,
        Command::Units { action } => units::run(&config()?, action).await,
        Command::Kiosks { action } => kiosks::command(&config()?, action).await,
        Command::Sso { action } => {
            sso::run_to(&config()?, action, &mut std::io::stdout().lock()).await
        }
        Command::Independent { action } => {
            let mut out = std::io::stdout().lock();
            independent::run_to(&config()?, action, &mut out).await
        }
        Command::Export { what } => export::run(&config()?, what).await,
        Command::TranslationTemplate { lang } => {
            translation::run_to(&config()?, &lang, &mut std::io::stdout().lock())
        }
        Command::Score {
            criteria,
            period,
            inputs,
            verify,
            format,
            lang,
        } => score::command(&config()?, criteria, period, inputs, verify, format, lang).await,
        Command::Slips {
            desk,
            codes,
            output,
        } => slips::command(&config()?, &desk, &codes, &output).await,
        Command::Report {
            unit,
            province,
            period,
            format,
            output,
        } => {
            let scope = match unit {
                Some(code) if !province => crate::reports::Scope::Commune(code),
                _ => crate::reports::Scope::Province,
            };
            report::command(&config()?, scope, &period, format, &output).await
        }
        Command::Backup { output } => backup::backup_command(&config()?, &output).await,
        Command::Restore { file, force } => backup::restore_command(&config()?, &file, force).await,
        Command::Imported { criteria, file } => {
            score::import_scores(&config()?, &criteria, &file).await
        }
        Command::Bench { what } => bench::run(&config()?, what).await,
        Command::User {
            action:
                UserAction::Add {
                    username,
                    role,
                    unit,
                    name,
                    email,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let state = startup::build_state(&config()?).await?;
            let name = name.unwrap_or_else(|| username.clone());
            app::accounts::users::add_user_with_email(
                &state, &username, &name, &role, &unit, password, &email,
            )
            .await
            .map_err(anyhow::Error::msg)?;
            println!("created user {username} ({role})");
            Ok(())
        }
        Command::User {
            action: UserAction::SetEmail { username, email },
        } => {
            let state = startup::build_state(&config()?).await?;
            let set =
                app::accounts::users::set_email(&state, (None, "command line"), &username, &email)
                    .await
                    .map_err(anyhow::Error::msg)?;
            match set {
                Some(email) => println!("{username}'s e-mail address is now {email}"),
                None => println!("{username} has no e-mail address now"),
            }
            Ok(())
        }
        Command::User {
            action: UserAction::Assign { username, communes },
        } => {
            let state = startup::build_state(&config()?).await?;
            let added = app::accounts::users::assign_communes(&state, &username, &communes)
                .await
                .map_err(anyhow::Error::msg)?;
            println!(
                "assigned {} new communes to {username}: {}",
                added.len(),
                added.join(", ")
            );
            Ok(())
        }
        Command::Demo {
            days,
            per_day,
            responses,
            seed,
            if_empty,
        } => demo::command(&config()?, days, per_day, responses, seed, if_empty).await,
    }
}

/// The `sso` action of a whole command line (`hailong sso map …`), parsed as the binary parses
/// it.
pub fn parse_sso_command(args: &[&str]) -> anyhow::Result<sso::SsoAction> {
    match Cli::try_parse_from(args)?.command {
        Some(Command::Sso { action }) => Ok(action),
        _ => anyhow::bail!("`{}` is not an sso command", args.join(" ")),
    }
}

/// The `units` action of a whole command line (`hailong units import …`), parsed as the binary
/// parses it; lets tests run the command exactly as typed.
pub fn parse_units_command(args: &[&str]) -> anyhow::Result<units::UnitsAction> {
    match Cli::try_parse_from(args)?.command {
        Some(Command::Units { action }) => Ok(action),
        _ => anyhow::bail!("`{}` is not a units command", args.join(" ")),
    }
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
    // Loading the definitions installed the folder's translations.
    let needed = app::i18n::citizen_texts(&definitions);
    for translation in survey_definitions::translation::supplied() {
        let missing = translation.missing(needed.iter().map(|(vi, _)| *vi)).len();
        println!(
            "ok  language {} {}: {} of {} texts translated{}",
            translation.lang.code(),
            translation.name,
            needed.len() - missing,
            needed.len(),
            if missing > 0 {
                " (the others are shown in Vietnamese; `hailong translation-template` lists them)"
            } else {
                ""
            }
        );
    }
    let sets = survey_definitions::load_criteria_dir(&config.definitions_dir, &definitions)
        .map_err(|e| anyhow::anyhow!("invalid criteria set: {e}"))?;
    for set in &sets {
        println!("ok  criteria {} v{}", set.id, set.version);
    }
    let map = startup::load_map(&config.definitions_dir)?;
    println!(
        "ok  map: {} provinces, {} commune versions, {} links",
        map.provinces().len(),
        map.communes().len(),
        map.links().len()
    );
    let plan = startup::province_plan(config)?;
    println!(
        "ok  province {} {}: {} communes today, {} unit versions with their history",
        plan.province_code,
        plan.province_name,
        plan.communes_today,
        plan.units.len()
    );
    let (_, in_force) = startup::load_definitions_and_criteria(config)?;
    for set in in_force.iter() {
        println!(
            "ok  scores with {} v{} ({} – {}){}",
            set.id,
            set.version,
            set.period.from,
            set.period.to,
            if in_force.is_model() {
                " — a model set: the province has issued none of its own (criteria/provinces.csv)"
            } else {
                ""
            }
        );
    }
    Ok(())
}
