//! `hailong report --unit CODE|--province --period P --format pdf|docx --output FILE`: a
//! periodic report in the official format (the filed PDF, or an editable Word document), from
//! the figures the dashboard shows for the same days.

use std::path::Path;

use anyhow::Context;
use app::reports::ReportPeriod;

use crate::config::Config;
use crate::reports::{report_file, Format, Issuer, Scope};
use crate::startup;

/// Writes the report to `output` (refused when it exists, so a filed report is never
/// overwritten by mistake).
pub async fn command(
    config: &Config,
    scope: Scope,
    period: &str,
    format: Format,
    output: &Path,
) -> anyhow::Result<()> {
    let period: ReportPeriod = period.parse()?;
    anyhow::ensure!(
        !output.exists(),
        "{} exists; choose another file name",
        output.display()
    );
    let file = render(config, scope, period, format).await?;
    std::fs::write(output, file).with_context(|| format!("cannot write {}", output.display()))?;
    Ok(())
}

/// The report's file.
pub async fn render(
    config: &Config,
    scope: Scope,
    period: ReportPeriod,
    format: Format,
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
    report_file(&store, survey, &criteria, &issuer, scope, period, format).await
}
