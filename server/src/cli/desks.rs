//! `hailong desks`: list the desks with their survey URLs, or add one.

use std::io::Write;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};

use crate::config::Config;
use crate::{csv, startup};

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
    /// Rename a desk (by its public code, as in its survey URL); audited.
    Rename {
        #[arg(long)]
        desk: String,
        /// New Vietnamese name, e.g. "Trung tâm Phục vụ hành chính công phường Bình Phước".
        #[arg(long)]
        name: String,
        /// New English name (defaults to the Vietnamese one).
        #[arg(long)]
        name_en: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Csv,
}

/// Runs `hailong desks [add …]`.
pub async fn run(
    config: &Config,
    format: Format,
    action: Option<DesksAction>,
) -> anyhow::Result<()> {
    match action {
        None => list_desks(config, format).await,
        Some(DesksAction::Add {
            commune,
            name,
            name_en,
        }) => add_desk(config, &commune, &name, name_en.as_deref()).await,
        Some(DesksAction::Rename {
            desk,
            name,
            name_en,
        }) => rename_desk(config, &desk, &name, name_en.as_deref()).await,
    }
}

async fn rename_desk(
    config: &Config,
    desk: &str,
    name: &str,
    name_en: Option<&str>,
) -> anyhow::Result<()> {
    let vi = app::survey::desk::desk_name(name).map_err(anyhow::Error::msg)?;
    let en = match name_en {
        Some(en) => app::survey::desk::desk_name(en).map_err(anyhow::Error::msg)?,
        None => vi.clone(),
    };
    let store = startup::open_store(config).await?;
    let row = store
        .find_desk(desk)
        .await?
        .filter(|d| !d.is_retired())
        .with_context(|| format!("no desk in service with code {desk}"))?;
    store
        .rename_desk(row.id, &vi, &en, None, "command line")
        .await?;
    println!("{desk}: {} → {vi}", row.name);
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
