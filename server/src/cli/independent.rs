//! `hailong independent import`: the province's own survey figures per commune, period and
//! element, from CSV (see `app::independent`).

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;

use crate::config::Config;
use crate::startup;

#[derive(Subcommand, Debug)]
pub enum IndependentAction {
    /// Load figures from CSV with the header
    /// `ma_xa,tu_ngay,den_ngay,yeu_to,so_phieu,ty_le_hai_long,nguon` (commune code, first and
    /// last day, `overall` or a SIPAS element, people who answered, satisfied percentage, where
    /// it was published). The whole file is checked first; nothing is stored if a line is wrong.
    Import {
        /// The survey's name, as criteria sets' `independent_survey` leaves name it, e.g.
        /// `so-noi-vu`.
        #[arg(long)]
        survey: String,
        /// Check the file and say what it holds; store nothing.
        #[arg(long)]
        dry_run: bool,
        file: std::path::PathBuf,
    },
}

/// Runs the command, writing what it did to `out`.
pub async fn run_to(
    config: &Config,
    action: IndependentAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let IndependentAction::Import {
        survey,
        dry_run,
        file,
    } = action;
    anyhow::ensure!(
        app::independent::valid_survey_name(&survey),
        "--survey `{survey}`: use lowercase letters, digits and `-` (at most 40), as the criteria \
         set names it"
    );
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let lines = app::independent::parse_lines(&text).map_err(|problems| {
        anyhow::anyhow!(
            "nothing imported:\n{}",
            problems
                .iter()
                .map(|p| format!("{}: {p}", file.display()))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let store = startup::open_store(config).await?;
    if dry_run {
        let mut unknown = Vec::new();
        for line in &lines {
            if store.commune_by_code(&line.code).await?.is_none() {
                unknown.push(format!(
                    "{}: line {}: no commune in force with code {}",
                    file.display(),
                    line.line,
                    line.code
                ));
            }
        }
        anyhow::ensure!(
            unknown.is_empty(),
            "nothing imported:\n{}",
            unknown.join("\n")
        );
        writeln!(
            out,
            "{}: {} figures would be imported under {survey} (dry run: nothing stored)",
            file.display(),
            lines.len()
        )?;
        return Ok(());
    }
    let changed = app::independent::import(&store, &survey, &lines, "hailong independent import")
        .await?
        .map_err(|problems| {
            anyhow::anyhow!(
                "nothing imported:\n{}",
                problems
                    .iter()
                    .map(|p| format!("{}: {p}", file.display()))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })?;
    writeln!(
        out,
        "{}: {} figures read, {changed} new or changed, under {survey}",
        file.display(),
        lines.len()
    )?;
    Ok(())
}
