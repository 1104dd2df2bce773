//! `hailong slips --desk CODE --codes FILE --output FILE.html`: the same printable slips as the
//! staff page, for a batch from the one-stop system's export.

use std::path::Path;

use anyhow::Context;

use crate::config::Config;
use crate::routes::qr::{slips_html, SlipStyle};
use crate::startup;

pub async fn command(
    config: &Config,
    desk: &str,
    codes: &Path,
    output: &Path,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        output
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm")),
        "--output must be an .html file (open it in a browser and print it on A6)"
    );
    let text = std::fs::read_to_string(codes)
        .with_context(|| format!("cannot read {}", codes.display()))?;
    let list = app::survey::slips::parse_codes(&text, &config.dossier_pattern)
        .map_err(|e| anyhow::anyhow!("{}: {e}", codes.display()))?;
    let store = startup::open_store(config).await?;
    let row = store
        .find_desk(desk)
        .await?
        .filter(|d| !d.is_retired())
        .with_context(|| format!("no open desk with code `{desk}` (see `hailong desks`)"))?;
    let survey_url = format!("{}/q/{}", config.public_url, row.public_code);
    let html = slips_html(
        &row.name,
        &row.commune_name,
        &survey_url,
        &list,
        SlipStyle::Inline,
    )
    .map_err(|e| anyhow::anyhow!("cannot draw a QR code: {e}"))?;
    std::fs::write(output, html).with_context(|| format!("cannot write {}", output.display()))?;
    println!("{} slips written to {}", list.len(), output.display());
    Ok(())
}
