//! The responses export: its columns, the store query a filter and scope select, and the task
//! that streams one record per response.

use std::io::Write;

use app::store::exports::{ExportResponseRow, ResponseExportFilter, ResponseExportQuery};
use app::store::Store;
use futures::TryStreamExt;
use survey_definitions::Definitions;
use tokio::sync::mpsc;

use super::filter::ResponseFilter;
use super::record::{Cell, ExportError, Record};
use super::scope::{Scope, UnitFilter};
use super::writers::write_csv;

/// A responses export ready to run: what it selects, and whether it has district columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseExport {
    pub filter: ResponseExportFilter,
    /// Whether a selected response was given at a commune with a district (before the 2025
    /// reform): without one, the export has no district columns rather than empty ones.
    pub districts: bool,
}

/// The store query for `filter` as `scope` may see it. The scope's own unit is always part of
/// the query, whatever the filters say.
pub async fn response_export_filter(
    store: &Store,
    filter: &ResponseFilter,
    scope: &Scope,
) -> Result<ResponseExport, ExportError> {
    // Checked for the refusal and the unknown-code message; the query itself filters by code.
    UnitFilter::resolve(
        store,
        scope,
        filter.commune.as_deref(),
        filter.district.as_deref(),
    )
    .await?;
    let (from_ms, to_ms) = filter.time_range();
    let filter = ResponseExportFilter {
        from_ms,
        to_ms,
        commune_code: filter.commune.clone(),
        district_code: filter.district.clone(),
        channel: filter.channel.clone(),
        include_excluded: filter.include_excluded,
        commune_id: scope.commune_id(),
        district_id: scope.district_id(),
        commune_ids: scope.assigned_communes(),
    };
    let districts = store.export_has_districts(&filter).await?;
    Ok(ResponseExport { filter, districts })
}

/// Fixed columns of the responses export, each with whether it is a district column (left out
/// when no exported response has a district); one column per question follows.
/// `submitted_at_utc` to `desk_code` keep the order of the first export, which scripts read;
/// the unit columns name the desk's commune version at the time (code, name, validity, province)
/// and the unit in force whose figures include the answer (`commune_today_code`,
/// `commune_today`).
const RESPONSE_COLUMNS: [(&str, bool); 22] = [
    ("response_id", false),
    ("submitted_at_vn", false),
    ("submitted_at_utc", false),
    ("district", true),
    ("province_code", false),
    ("commune_code", false),
    ("commune_at_time", false),
    ("commune_valid_from", false),
    ("commune_valid_to", false),
    ("commune_today_code", false),
    ("commune_today", false),
    ("desk_code", false),
    ("desk", false),
    ("survey_id", false),
    ("survey_version", false),
    ("lang", false),
    ("channel", false),
    ("kiosk", false),
    ("dossier_code", false),
    ("excluded", false),
    ("flags", false),
    ("district_code", true),
];

/// Every question id known to the definitions, first survey version first, in definition
/// order: the answer columns.
pub fn question_columns(definitions: &Definitions) -> Vec<String> {
    let mut questions: Vec<String> = Vec::new();
    for survey in definitions.surveys() {
        for q in &survey.questions {
            if !questions.contains(&q.id) {
                questions.push(q.id.clone());
            }
        }
    }
    questions
}

/// The header of `export` for these question columns.
pub fn response_header(questions: &[String], export: &ResponseExport) -> Vec<String> {
    RESPONSE_COLUMNS
        .iter()
        .filter(|(_, district)| export.districts || !district)
        .map(|(name, _)| name.to_string())
        .chain(questions.iter().cloned())
        .collect()
}

/// Records waiting in the channel between the query and the writer: enough to keep both busy,
/// few enough to keep memory flat.
const CHANNEL_RECORDS: usize = 1024;

/// Starts reading the responses `filter` selects; one record per response arrives on the
/// receiver, then the channel closes. A database error arrives as the last item. Dropping the
/// receiver (a client that went away) stops the query.
pub fn spawn_responses(
    store: Store,
    questions: Vec<String>,
    export: ResponseExport,
) -> mpsc::Receiver<anyhow::Result<Record>> {
    let (tx, rx) = mpsc::channel(CHANNEL_RECORDS);
    tokio::spawn(async move {
        if let Err(e) = produce_responses(&store, &questions, &export, &tx).await {
            tracing::error!("response export failed: {e:#}");
            let _ = tx.send(Err(e)).await;
        }
    });
    rx
}

async fn produce_responses(
    store: &Store,
    questions: &[String],
    export: &ResponseExport,
    tx: &mpsc::Sender<anyhow::Result<Record>>,
) -> anyhow::Result<()> {
    let query = ResponseExportQuery::new(questions);
    let mut rows = store.export_responses(&query, &export.filter);
    while let Some(row) = rows.try_next().await? {
        if tx
            .send(Ok(response_record(row, export.districts)))
            .await
            .is_err()
        {
            break;
        }
    }
    Ok(())
}

/// One response in the columns of `RESPONSE_COLUMNS`, the district ones only if `districts`.
fn response_record(row: ExportResponseRow, districts: bool) -> Record {
    let mut record = Vec::with_capacity(RESPONSE_COLUMNS.len() + row.answers.len());
    record.extend([
        Cell::Int(row.response_id),
        Cell::Text(app::clock::display(row.created_at)),
        Cell::Text(format_utc(row.created_at)),
    ]);
    if districts {
        record.push(Cell::Text(row.district_name));
    }
    record.extend([
        Cell::Text(row.province_code),
        Cell::Text(row.commune_code),
        Cell::Text(row.commune_name),
        Cell::Text(row.commune_valid_from),
        Cell::Text(row.commune_valid_to.unwrap_or_default()),
        Cell::Text(row.today_code),
        Cell::Text(row.today_name),
        Cell::Text(row.desk_code),
        Cell::Text(row.desk_name),
        Cell::Text(row.survey_id),
        Cell::Int(row.survey_version),
        Cell::Text(row.lang),
        Cell::Text(row.channel),
        Cell::Text(row.kiosk),
        Cell::Text(row.dossier_code.unwrap_or_default()),
        Cell::Int(row.excluded),
        // Stored comma-separated; spaces keep the column free of the CSV separator.
        Cell::Text(row.flags.replace(',', " ")),
    ]);
    if districts {
        record.push(Cell::Text(row.district_code));
    }
    record.extend(row.answers.into_iter().map(|answer| match answer {
        (_, Some(text)) => Cell::Text(text),
        (Some(n), None) => Cell::Int(n),
        (None, None) => Cell::Empty,
    }));
    record
}

fn format_utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Writes every response `filter` selects as CSV (see `hailong export responses`).
pub async fn write_responses_csv(
    store: &Store,
    definitions: &Definitions,
    filter: &ResponseFilter,
    scope: &Scope,
    out: &mut impl Write,
) -> anyhow::Result<u64> {
    let questions = question_columns(definitions);
    let export = response_export_filter(store, filter, scope).await?;
    let header = response_header(&questions, &export);
    let mut rx = spawn_responses(store.clone(), questions, export);
    write_csv(out, &header, &mut rx).await
}
