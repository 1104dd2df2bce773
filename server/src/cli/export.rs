//! `hailong export …`: the exports of the web pages, written to a file or standard output by
//! the same record builders and writers (`crate::exports`).

use std::io::Write;

use tokio::sync::mpsc;

use crate::config::Config;
use crate::exports::{
    self, question_columns, response_export_filter, response_header, score_records,
    spawn_responses, write_csv, write_xlsx, ExportFormat, ResponseFilter, ResponseQuery, Scope,
    ScoreQuery,
};
use crate::startup;

/// `hailong export …`
#[derive(clap::Subcommand, Debug)]
pub enum ExportWhat {
    /// Responses, one row per response, with the filters of `/exports/responses.csv`. CSV goes
    /// to standard output unless `--output` names a file; XLSX needs `--output`.
    Responses {
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// First day, YYYY-MM-DD (Vietnam time), included.
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD (Vietnam time), included.
        #[arg(long)]
        to: Option<String>,
        /// The last N days, today included (instead of --from).
        #[arg(long)]
        days: Option<String>,
        /// District code, e.g. 689.
        #[arg(long)]
        district: Option<String>,
        /// Commune code, e.g. 25195.
        #[arg(long)]
        commune: Option<String>,
        /// qr, kiosk, demo…
        #[arg(long)]
        channel: Option<String>,
        /// Also the responses a reviewer excluded from the scores.
        #[arg(long)]
        include_excluded: bool,
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// One row per commune of the latest score run of a criteria set (with `--period` or
    /// `--criteria`, as `hailong score`).
    Scores {
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        #[arg(long)]
        criteria: Option<String>,
        #[arg(long)]
        period: Option<String>,
        #[arg(long)]
        district: Option<String>,
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

/// Runs `hailong export …`; prints the number of rows to standard error.
pub async fn run(config: &Config, what: ExportWhat) -> anyhow::Result<()> {
    let (definitions, sets) = startup::load_definitions_and_criteria(config)?;
    let store = startup::open_store(config).await?;
    let scope = Scope::province();
    let (format, output, sheet, header, mut rx) = match what {
        ExportWhat::Responses {
            format,
            from,
            to,
            days,
            district,
            commune,
            channel,
            include_excluded,
            output,
        } => {
            let query = ResponseQuery {
                from,
                to,
                days,
                district,
                commune,
                channel,
                excluded: Some(if include_excluded { "1" } else { "0" }.into()),
            };
            let filter = ResponseFilter::parse(&query, app::clock::today_date())?;
            let export = response_export_filter(&store, &filter, &scope).await?;
            let questions = question_columns(&definitions);
            let header = response_header(&questions, &export);
            let rx = spawn_responses(store.clone(), questions, export);
            (format, output, "Phiếu khảo sát", header, rx)
        }
        ExportWhat::Scores {
            format,
            criteria,
            period,
            district,
            output,
        } => {
            let set = super::score::pick(&sets, criteria.as_deref(), period.as_deref())?;
            let query = ScoreQuery {
                criteria: Some(set.id.clone()),
                district,
                ..Default::default()
            };
            let export = score_records(&store, set, &query, &scope).await?;
            let (tx, rx) = mpsc::channel(export.records.len().max(1));
            for record in export.records {
                let _ = tx.try_send(Ok(record));
            }
            (format, output, "Kết quả chấm điểm", export.header, rx)
        }
    };
    let rows = match (format, output) {
        (ExportFormat::Csv, None) => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let rows = write_csv(&mut out, &header, &mut rx).await?;
            out.flush()?;
            rows
        }
        (ExportFormat::Csv, Some(path)) => {
            let file = std::fs::File::create(&path)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let rows = write_csv(&mut out, &header, &mut rx).await?;
            out.flush()?;
            rows
        }
        (ExportFormat::Xlsx, None) => {
            anyhow::bail!("--format xlsx writes a file: add --output FILE.xlsx")
        }
        (ExportFormat::Xlsx, Some(path)) => {
            let file = std::fs::File::create(&path)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
            let (out, rows) = tokio::task::spawn_blocking(move || {
                write_xlsx(std::io::BufWriter::new(file), sheet, &header, || {
                    rx.blocking_recv()
                })
            })
            .await??;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            rows
        }
    };
    eprintln!("export: {rows} rows");
    Ok(())
}

/// Every response as CSV with a BOM, one row per response (`hailong export responses`
/// without filters).
pub async fn write_responses_csv(
    store: &app::store::Store,
    definitions: &survey_definitions::Definitions,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    exports::write_responses_csv(
        store,
        definitions,
        &ResponseFilter::default(),
        &Scope::province(),
        out,
    )
    .await?;
    Ok(())
}
