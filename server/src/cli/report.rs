//! `hailong report --unit CODE|--province --period P --output FILE`: a periodic report as PDF
//! in the official format, from the figures the dashboard shows for the same days.

use std::path::Path;

use anyhow::Context;
use app::reports::ReportPeriod;

use crate::config::Config;
use crate::reports::{report_pdf, Issuer, Scope};
use crate::startup;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    Pdf,
}

/// Writes the report to `output` (refused when it exists, so a filed report is never
/// overwritten by mistake).
pub async fn command(
    config: &Config,
    scope: Scope,
    period: &str,
    _format: Format,
    output: &Path,
) -> anyhow::Result<()> {
    let period: ReportPeriod = period.parse()?;
    anyhow::ensure!(
        !output.exists(),
        "{} exists; choose another file name",
        output.display()
    );
    let pdf = render(config, scope, period).await?;
    std::fs::write(output, pdf).with_context(|| format!("cannot write {}", output.display()))?;
    Ok(())
}

/// The report's PDF.
pub async fn render(
    config: &Config,
    scope: Scope,
    period: ReportPeriod,
) -> anyhow::Result<Vec<u8>> {
    let (definitions, criteria) = startup::load_definitions_and_criteria(config)?;
    let survey = definitions
        .latest(survey_definitions::DEFAULT_SURVEY_ID)
        .context("the default survey is missing from the definitions")?;
    let plan = startup::province_plan(config)?;
    let store = startup::open_store(config).await?;
    let issuer = Issuer {
        province_name: plan.province_name.clone(),
        date: app::clock::today(),
    };
    report_pdf(&store, survey, &criteria, &issuer, scope, period).await
}
