//! Exports of responses and score reports as CSV and XLSX, shared by the HTTP routes
//! (`routes::exports`) and `hailong export`.
//!
//! Responses are streamed: a task reads the database row by row and sends one record per
//! response through a bounded channel, and the consumer writes CSV chunks to the HTTP body (or a
//! file), or writes the workbook row by row into temporary files. Memory stays flat whatever the
//! number of responses; a slow client slows the query down instead of filling memory.
//!
//! CSV is UTF-8 with a byte order mark, CRLF line ends and RFC 4180 quoting, with text cells
//! neutralised against formula injection (`crate::csv`). Numbers use a decimal point (`84.75`),
//! whatever the reader's locale, so the files stay machine-readable; the XLSX cells hold real
//! numbers, and text cells are always text, never formulas.

pub mod xlsx;

use std::borrow::Cow;
use std::io::Write;

use app::domain::channel::Channel;
use app::domain::roles::Role;
use app::scores::read;
use std::collections::HashMap;

use app::store::exports::{ExportResponseRow, ResponseExportFilter, ResponseExportQuery, RunUnit};
use app::store::{Store, StoreError};
use axum::body::Bytes;
use chrono::{Duration, NaiveDate};
use futures::{Stream, StreamExt, TryStreamExt};
use serde::Deserialize;
use survey_definitions::criteria::CriteriaSet;
use survey_definitions::Definitions;
use tokio::sync::mpsc;

use crate::csv;

/// One cell of an exported row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// `value / 10^decimals`, written without trailing zeros (`8475, 2` → `84.75`).
    Decimal {
        value: i64,
        decimals: u32,
    },
    Empty,
}

impl Cell {
    /// The cell's value as text, numbers with a decimal point (a CSV field neutralises text
    /// further: see `crate::csv::neutralise`).
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Decimal { value, decimals } => Cow::Owned(decimal(*value, *decimals)),
            Cell::Empty => Cow::Borrowed(""),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

/// One row of an export.
pub type Record = Vec<Cell>;

fn decimal(value: i64, decimals: u32) -> String {
    let scale = 10i64.pow(decimals);
    let sign = if value < 0 { "-" } else { "" };
    let (whole, frac) = (value.abs() / scale, value.abs() % scale);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let frac = format!("{frac:0width$}", width = decimals as usize);
    format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
}

/// The file formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// Why an export was refused or failed; the routes map these to 400, 403, 404 and 500.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A filter the user can correct (a malformed date, an unknown code).
    #[error("{0}")]
    BadRequest(String),
    /// Data outside the user's commune or district.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing to export yet (no score run).
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

// ---------------------------------------------------------------------------------------------
// Filters

/// The response filters as typed in a query string or on the command line, not yet checked.
/// Empty values count as absent (an HTML form sends empty fields).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ResponseQuery {
    /// First day, `YYYY-MM-DD` in Vietnam time (UTC+7), included.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` in Vietnam time, included: `to=2026-11-25` ends at midnight
    /// after the 25th.
    pub to: Option<String>,
    /// The last N days up to today, today included (instead of `from`).
    pub days: Option<String>,
    /// District code.
    pub district: Option<String>,
    /// Commune code.
    pub commune: Option<String>,
    /// `qr`, `kiosk`, `demo`…
    pub channel: Option<String>,
    /// `1`: also the responses a reviewer excluded from the scores (default `0`).
    pub excluded: Option<String>,
}

/// Checked response filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseFilter {
    pub from: Option<NaiveDate>,
    /// Last day included.
    pub to: Option<NaiveDate>,
    pub district: Option<String>,
    pub commune: Option<String>,
    pub channel: Option<String>,
    pub include_excluded: bool,
}

/// Days a `days` filter may span (ten years).
const MAX_DAYS: i64 = 3660;

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn parse_date(field: &str, value: &str) -> Result<NaiveDate, ExportError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            ExportError::BadRequest(format!(
                "Ngày «{value}» ở tham số {field} không hợp lệ: dùng dạng năm-tháng-ngày, \
                 ví dụ 2026-11-25."
            ))
        })
}

/// A unit code: digits and letters (official codes are digits), at most 20.
fn parse_code(field: &str, what: &str, value: &str) -> Result<String, ExportError> {
    if value.len() <= 20 && value.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(value.to_string())
    } else {
        Err(ExportError::BadRequest(format!(
            "Mã {what} «{value}» ở tham số {field} không hợp lệ: chỉ gồm chữ số, ví dụ 25195."
        )))
    }
}

impl ResponseFilter {
    /// Checks the raw filters; `today` is today's date in Vietnam (for `days`).
    pub fn parse(query: &ResponseQuery, today: NaiveDate) -> Result<ResponseFilter, ExportError> {
        let mut from = present(&query.from)
            .map(|v| parse_date("from", v))
            .transpose()?;
        let to = present(&query.to)
            .map(|v| parse_date("to", v))
            .transpose()?;
        if let Some(days) = present(&query.days) {
            if from.is_some() {
                return Err(ExportError::BadRequest(
                    "Chỉ dùng một trong hai tham số: days (số ngày gần nhất) hoặc from (từ ngày)."
                        .into(),
                ));
            }
            let days: i64 = days
                .parse()
                .ok()
                .filter(|d| (1..=MAX_DAYS).contains(d))
                .ok_or_else(|| {
                    ExportError::BadRequest(format!(
                        "Số ngày (days) «{days}» không hợp lệ: dùng một số từ 1 đến {MAX_DAYS}."
                    ))
                })?;
            from = Some(today - Duration::days(days - 1));
        }
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(ExportError::BadRequest(format!(
                    "Ngày bắt đầu (from = {f}) sau ngày kết thúc (to = {t})."
                )));
            }
        }
        let include_excluded = match present(&query.excluded) {
            None | Some("0" | "false" | "no") => false,
            Some("1" | "true" | "yes") => true,
            Some(other) => {
                return Err(ExportError::BadRequest(format!(
                    "Giá trị excluded «{other}» không hợp lệ: dùng 1 (gồm cả phiếu đã loại) \
                     hoặc 0."
                )))
            }
        };
        let channel = present(&query.channel)
            .map(|c| {
                Channel::parse(c)
                    .map(|c| c.key().to_string())
                    .ok_or_else(|| {
                        ExportError::BadRequest(format!(
                            "Kênh (channel) «{c}» không hợp lệ: qr, kiosk, demo hoặc bench."
                        ))
                    })
            })
            .transpose()?;
        Ok(ResponseFilter {
            from,
            to,
            district: present(&query.district)
                .map(|v| parse_code("district", "huyện", v))
                .transpose()?,
            commune: present(&query.commune)
                .map(|v| parse_code("commune", "xã", v))
                .transpose()?,
            channel,
            include_excluded,
        })
    }

    /// `[from, to)` in ms since the epoch: midnight in Vietnam of `from`, and of the day after
    /// `to`.
    pub fn time_range(&self) -> (i64, i64) {
        let from = self.from.map(app::clock::midnight_of).unwrap_or(i64::MIN);
        let to = self
            .to
            .and_then(|d| d.succ_opt())
            .map(app::clock::midnight_of)
            .unwrap_or(i64::MAX);
        (from, to)
    }
}

// ---------------------------------------------------------------------------------------------
// Scope

/// Who exports, and so which communes they may see (the rule of `app::accounts::auth::can_see_commune`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    role: Role,
    unit: Option<i64>,
}

impl Scope {
    /// Everything: the province admin and the command line.
    pub fn province() -> Scope {
        Scope {
            role: Role::ProvinceAdmin,
            unit: None,
        }
    }

    /// The scope of a signed-in user; `None` for a commune or district role without its unit,
    /// which may see nothing.
    pub fn of(role: Role, unit: Option<i64>) -> Option<Scope> {
        match (role, unit) {
            (Role::ProvinceAdmin, _) => Some(Scope::province()),
            (_, None) => None,
            (role, unit) => Some(Scope { role, unit }),
        }
    }

    fn commune_id(&self) -> Option<i64> {
        matches!(self.role, Role::CommuneLeader | Role::CommuneOfficer)
            .then_some(self.unit)
            .flatten()
    }

    fn district_id(&self) -> Option<i64> {
        (self.role == Role::DistrictReviewer)
            .then_some(self.unit)
            .flatten()
    }

    /// Whether this scope covers the commune `commune_id` of district `district_id`.
    pub fn allows(&self, commune_id: i64, district_id: Option<i64>) -> bool {
        app::accounts::auth::can_see_commune(self.role, self.unit, commune_id, district_id)
    }
}

const NOT_YOUR_COMMUNE: &str = "Tài khoản của ông/bà chỉ được tải dữ liệu của xã mình.";
const NOT_YOUR_DISTRICT: &str =
    "Tài khoản của ông/bà chỉ được tải dữ liệu của các xã trong huyện mình.";

/// The unit ids the commune and district filters name (all their historical rows), after
/// checking the scope may see them: asking for another commune or district is refused, never
/// silently answered with other data.
#[derive(Clone, Debug, Default)]
pub struct UnitFilter {
    pub communes: Option<Vec<i64>>,
    pub districts: Option<Vec<i64>>,
}

impl UnitFilter {
    pub async fn resolve(
        store: &Store,
        scope: &Scope,
        commune: Option<&str>,
        district: Option<&str>,
    ) -> Result<UnitFilter, ExportError> {
        let mut filter = UnitFilter::default();
        if let Some(code) = commune {
            let units = store.units_with_code(code, "commune").await?;
            if units.is_empty() {
                return Err(ExportError::BadRequest(format!(
                    "Không có xã, phường nào mã {code}."
                )));
            }
            if !units.iter().any(|u| scope.allows(u.id, u.parent_id)) {
                return Err(ExportError::Forbidden(
                    if scope.role == Role::DistrictReviewer {
                        NOT_YOUR_DISTRICT
                    } else {
                        NOT_YOUR_COMMUNE
                    }
                    .into(),
                ));
            }
            filter.communes = Some(units.iter().map(|u| u.id).collect());
        }
        if let Some(code) = district {
            let units = store.units_with_code(code, "district").await?;
            if units.is_empty() {
                return Err(ExportError::BadRequest(format!(
                    "Không có huyện nào mã {code}."
                )));
            }
            let allowed = match (scope.district_id(), scope.commune_id()) {
                (Some(own), _) => units.iter().any(|u| u.id == own),
                (None, Some(commune)) => {
                    let parent = store.unit_parent(commune).await?;
                    units.iter().any(|u| Some(u.id) == parent)
                }
                (None, None) => true,
            };
            if !allowed {
                return Err(ExportError::Forbidden(
                    if scope.commune_id().is_some() {
                        NOT_YOUR_COMMUNE
                    } else {
                        NOT_YOUR_DISTRICT
                    }
                    .into(),
                ));
            }
            filter.districts = Some(units.iter().map(|u| u.id).collect());
        }
        Ok(filter)
    }

    fn allows(&self, commune_id: i64, district_id: Option<i64>) -> bool {
        self.communes
            .as_ref()
            .is_none_or(|ids| ids.contains(&commune_id))
            && self
                .districts
                .as_ref()
                .is_none_or(|ids| district_id.is_some_and(|d| ids.contains(&d)))
    }
}

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
    };
    let districts = store.export_has_districts(&filter).await?;
    Ok(ResponseExport { filter, districts })
}

// ---------------------------------------------------------------------------------------------
// Responses

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

// ---------------------------------------------------------------------------------------------
// Scores

/// The score export's options.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ScoreQuery {
    /// Criteria set id (default: the one in force today).
    pub criteria: Option<String>,
    pub district: Option<String>,
    pub commune: Option<String>,
    /// A grade id of the criteria set, as on the ranking page.
    pub grade: Option<String>,
    /// `sufficient` or `insufficient` citizen sample, as on the ranking page.
    pub sample: Option<String>,
}

/// Columns of the score export, each with whether it is a district column (left out when no
/// exported commune has a reviewing district). The unit is the commune version scored, with its
/// province and validity.
const SCORE_COLUMNS: [(&str, bool); 25] = [
    ("province_code", false),
    ("commune_code", false),
    ("commune", false),
    ("commune_valid_from", false),
    ("commune_valid_to", false),
    ("district", true),
    ("total", false),
    ("base_points", false),
    ("bonus_points", false),
    ("scale_max", false),
    ("passed", false),
    ("grade", false),
    ("sufficient_sample", false),
    ("rank", false),
    ("rank_in_district", true),
    ("satisfied_percent", false),
    ("ci95_low_percent", false),
    ("ci95_high_percent", false),
    ("sample", false),
    ("input_hash", false),
    ("output_hash", false),
    ("run_id", false),
    ("run_at", false),
    ("criteria_id", false),
    ("criteria_version", false),
];

/// A score export: its header (district columns only where a commune has a district) and one
/// record per commune.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreExport {
    pub run_id: i64,
    pub header: Vec<String>,
    pub records: Vec<Record>,
}

/// What the rank column says of a commune left out of the ranking.
pub const NOT_RANKED: &str = "chưa xếp hạng: chưa đủ mẫu";

/// One row per commune of the latest run of `set` that `scope` may see and the filters select,
/// in ranking order, with its header, as `app::scores::read` reads the run: `rank` is the place
/// in the whole province (all communes of the run), `rank_in_district` among the communes of the
/// same district, and the satisfaction columns are the headline citizen leaf. A stored report that
/// does not read fails the export.
pub async fn score_records(
    store: &Store,
    set: &CriteriaSet,
    query: &ScoreQuery,
    scope: &Scope,
) -> Result<ScoreExport, ExportError> {
    let district = present(&query.district)
        .map(|v| parse_code("district", "huyện", v))
        .transpose()?;
    let commune = present(&query.commune)
        .map(|v| parse_code("commune", "xã", v))
        .transpose()?;
    let grade = present(&query.grade)
        .map(|g| {
            if g.len() <= 40
                && g.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
            {
                Ok(g.to_string())
            } else {
                Err(ExportError::BadRequest(format!(
                    "Xếp loại (grade) «{g}» không hợp lệ."
                )))
            }
        })
        .transpose()?;
    let sufficient = match present(&query.sample) {
        None => None,
        Some("sufficient") => Some(true),
        Some("insufficient") => Some(false),
        Some(other) => {
            return Err(ExportError::BadRequest(format!(
                "Giá trị sample «{other}» không hợp lệ: dùng sufficient (đủ mẫu) hoặc \
                 insufficient (chưa đủ mẫu)."
            )))
        }
    };
    let unit_filter =
        UnitFilter::resolve(store, scope, commune.as_deref(), district.as_deref()).await?;
    let ranked = read::latest_ranked_run(store, &set.id)
        .await?
        .ok_or_else(|| {
            ExportError::NotFound(format!(
                "Chưa có lần chấm điểm nào theo bộ tiêu chí {}.",
                set.id
            ))
        })?;
    let run = &ranked.run;
    let run_at = app::clock::display(run.created_at);
    let units: HashMap<i64, RunUnit> = store
        .score_run_units(run.id)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let selected: Vec<_> = ranked
        .rows
        .iter()
        .filter(|row| {
            scope.allows(row.unit_id, row.district_id)
                && unit_filter.allows(row.unit_id, row.district_id)
                && grade
                    .as_ref()
                    .is_none_or(|g| row.grade.as_ref().map(|rg| &rg.id) == Some(g))
                && sufficient.is_none_or(|s| s == row.sufficient)
        })
        .collect();
    let districts = selected
        .iter()
        .any(|row| row.district_name.as_deref().is_some_and(|d| !d.is_empty()));
    let header = SCORE_COLUMNS
        .iter()
        .filter(|(_, district)| districts || !district)
        .map(|(name, _)| name.to_string())
        .collect();
    let mut records = Vec::with_capacity(selected.len());
    for row in selected {
        let report = &row.report;
        let rank_cell = |rank: Option<u32>| match rank {
            Some(n) => Cell::Int(i64::from(n)),
            None => Cell::from(NOT_RANKED),
        };
        let citizen = row.headline.as_ref();
        let share = |s: Option<scoring::Share>| match s {
            Some(s) => Cell::Decimal {
                value: i64::from(s.ten_thousandths()),
                decimals: 2,
            },
            None => Cell::Empty,
        };
        let points = |p: scoring::Points| Cell::Decimal {
            value: i64::try_from(p.hundredths()).unwrap_or(i64::MAX),
            decimals: 2,
        };
        let yes_no = |b: bool| Cell::from(if b { "có" } else { "không" });
        let unit = units.get(&row.unit_id);
        let mut record = vec![
            Cell::Text(unit.map(|u| u.province_code.clone()).unwrap_or_default()),
            Cell::Text(row.code.clone()),
            Cell::Text(row.name.clone()),
            Cell::Text(unit.map(|u| u.valid_from.clone()).unwrap_or_default()),
            Cell::Text(unit.and_then(|u| u.valid_to.clone()).unwrap_or_default()),
        ];
        if districts {
            record.push(Cell::Text(row.district_name.clone().unwrap_or_default()));
        }
        record.extend([
            points(row.total),
            points(report.base_points),
            points(report.bonus_points),
            points(report.scale_max),
            yes_no(row.passed),
            Cell::Text(
                row.grade
                    .as_ref()
                    .map(|g| g.label.vi.clone())
                    .unwrap_or_default(),
            ),
            yes_no(row.sufficient),
            rank_cell(row.rank),
        ]);
        if districts {
            record.push(rank_cell(row.rank_in_district));
        }
        record.extend([
            share(citizen.and_then(|c| c.satisfied_share)),
            share(citizen.and_then(|c| c.wilson_95).map(|ci| ci.low)),
            share(citizen.and_then(|c| c.wilson_95).map(|ci| ci.high)),
            citizen.map_or(Cell::Empty, |c| {
                Cell::Int(i64::try_from(c.sample).unwrap_or(i64::MAX))
            }),
            Cell::Text(report.input_hash.clone()),
            Cell::Text(report.output_hash.clone()),
            Cell::Int(run.id),
            Cell::Text(run_at.clone()),
            Cell::Text(run.criteria_id.clone()),
            Cell::Int(run.criteria_version),
        ]);
        records.push(record);
    }
    Ok(ScoreExport {
        run_id: run.id,
        header,
        records,
    })
}

// ---------------------------------------------------------------------------------------------
// Writers

use crate::csv::BOM;

/// Writes one exported row: text neutralised against formulas, numbers as they are.
fn write_csv_record<W: Write>(out: &mut ::csv::Writer<W>, record: &[Cell]) -> ::csv::Result<()> {
    for cell in record {
        match cell {
            Cell::Text(text) => out.write_field(csv::neutralise(text).as_bytes())?,
            other => out.write_field(other.text().as_bytes())?,
        }
    }
    out.write_record(None::<&[u8]>)
}

/// A whole small export (a few hundred rows, such as the audit log) as CSV bytes, BOM first.
pub fn csv_bytes(header: &[&str], records: &[Record]) -> std::io::Result<Vec<u8>> {
    let mut out = csv::writer(BOM.as_bytes().to_vec());
    csv::write_text_record(&mut out, header)?;
    for record in records {
        write_csv_record(&mut out, record)?;
    }
    out.into_inner().map_err(|e| e.into_error())
}

/// Records per CSV chunk of the HTTP body, when that many are waiting.
const CHUNK_RECORDS: usize = 256;

/// Where the CSV body stands.
enum Body {
    /// BOM, header and the first record, not sent yet.
    Head(Vec<u8>),
    Rows,
    /// After an error: nothing more is sent.
    Broken,
}

/// The records of `batch` as one chunk of CSV.
fn csv_chunk(batch: Vec<anyhow::Result<Record>>) -> Result<Bytes, std::io::Error> {
    let mut out = csv::writer(Vec::with_capacity(batch.len() * 160));
    for record in batch {
        // The status is already sent: breaking the body is how the client learns the file is
        // incomplete.
        let record = record.map_err(|e| std::io::Error::other(format!("{e:#}")))?;
        write_csv_record(&mut out, &record)?;
    }
    Ok(Bytes::from(out.into_inner().map_err(|e| e.into_error())?))
}

/// The CSV body: BOM and header first, then the records as they arrive, a few hundred per chunk.
/// `first` is a record already taken from the channel (the route waits for it, so a database
/// that fails at once still gets a proper error page). The stream is fused: the compression
/// layer polls the body once more after its end (for trailers), which an unfused stream may not
/// survive.
pub fn csv_stream(
    header: Vec<String>,
    first: Option<Record>,
    rx: mpsc::Receiver<anyhow::Result<Record>>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let head = (|| -> Result<Vec<u8>, std::io::Error> {
        let mut out = csv::writer(BOM.as_bytes().to_vec());
        csv::write_text_record(&mut out, &header)?;
        if let Some(first) = &first {
            write_csv_record(&mut out, first)?;
        }
        out.into_inner().map_err(|e| e.into_error())
    })();
    let state = match head {
        Ok(head) => Body::Head(head),
        Err(_) => Body::Broken,
    };
    futures::stream::unfold((state, rx), |(state, mut rx)| async move {
        match state {
            Body::Head(head) => Some((Ok(Bytes::from(head)), (Body::Rows, rx))),
            Body::Rows => {
                let mut batch = Vec::with_capacity(CHUNK_RECORDS);
                if rx.recv_many(&mut batch, CHUNK_RECORDS).await == 0 {
                    return None;
                }
                match csv_chunk(batch) {
                    Ok(chunk) => Some((Ok(chunk), (Body::Rows, rx))),
                    Err(e) => Some((Err(e), (Body::Broken, rx))),
                }
            }
            Body::Broken => None,
        }
    })
    .fuse()
}

/// Writes BOM, header and every record from `rx` as CSV; returns the number of records.
pub async fn write_csv(
    out: &mut impl Write,
    header: &[String],
    rx: &mut mpsc::Receiver<anyhow::Result<Record>>,
) -> anyhow::Result<u64> {
    out.write_all(BOM.as_bytes())?;
    let mut out = csv::writer(out);
    csv::write_text_record(&mut out, header)?;
    let mut rows = 0;
    while let Some(record) = rx.recv().await {
        write_csv_record(&mut out, &record?)?;
        rows += 1;
    }
    out.flush()?;
    Ok(rows)
}

/// Writes a workbook of one sheet (more beyond Excel's row limit) from records pulled with
/// `next` until it returns `None`, then saves it to `out`; blocking, so run it off the async
/// threads. Returns the writer and the number of records.
pub fn write_xlsx<W: Write + Send>(
    out: W,
    sheet: &str,
    header: &[String],
    mut next: impl FnMut() -> Option<anyhow::Result<Record>>,
) -> anyhow::Result<(W, u64)> {
    let mut book = xlsx::Workbook::new(sheet, header)?;
    let mut rows = 0;
    while let Some(record) = next() {
        book.write_row(&record?)?;
        rows += 1;
    }
    Ok((book.finish(out)?, rows))
}

/// `hailong-{what}[-{code}]-{today}.{ext}`: what the file holds and when it was made.
pub fn file_name(what: &str, codes: &[Option<&str>], format: ExportFormat) -> String {
    let mut name = format!("hailong-{what}");
    for code in codes.iter().flatten() {
        name.push('-');
        name.push_str(code);
    }
    format!(
        "{name}-{}.{}",
        app::clock::today_date().format("%Y-%m-%d"),
        format.extension()
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn decimals_drop_trailing_zeros() {
        assert_eq!(decimal(8475, 2), "84.75");
        assert_eq!(decimal(8500, 2), "85");
        assert_eq!(decimal(8450, 2), "84.5");
        assert_eq!(decimal(5, 2), "0.05");
        assert_eq!(decimal(0, 2), "0");
    }

    #[test]
    fn the_last_day_is_included_in_vietnam_time() {
        let filter = ResponseFilter::parse(
            &ResponseQuery {
                from: Some("2026-11-01".into()),
                to: Some("2026-11-25".into()),
                ..Default::default()
            },
            day("2026-12-01"),
        )
        .unwrap();
        let (from, to) = filter.time_range();
        // 2026-11-01 00:00 UTC+7 is 2026-10-31 17:00 UTC.
        assert_eq!(from, 1_793_466_000_000);
        assert_eq!(to - from, 25 * 86_400_000);
    }

    #[test]
    fn days_count_back_from_today_included() {
        let filter = ResponseFilter::parse(
            &ResponseQuery {
                days: Some("30".into()),
                ..Default::default()
            },
            day("2026-11-30"),
        )
        .unwrap();
        assert_eq!(filter.from, Some(day("2026-11-01")));
        assert_eq!(filter.to, None);
    }

    #[test]
    fn bad_filters_are_refused_with_a_reason() {
        let cases = [
            (
                "from",
                ResponseQuery {
                    from: Some("25/11/2026".into()),
                    ..Default::default()
                },
            ),
            (
                "to",
                ResponseQuery {
                    to: Some("2026-02-30".into()),
                    ..Default::default()
                },
            ),
            (
                "from > to",
                ResponseQuery {
                    from: Some("2026-11-02".into()),
                    to: Some("2026-11-01".into()),
                    ..Default::default()
                },
            ),
            (
                "days",
                ResponseQuery {
                    days: Some("0".into()),
                    ..Default::default()
                },
            ),
            (
                "days and from",
                ResponseQuery {
                    days: Some("3".into()),
                    from: Some("2026-11-01".into()),
                    ..Default::default()
                },
            ),
            (
                "excluded",
                ResponseQuery {
                    excluded: Some("maybe".into()),
                    ..Default::default()
                },
            ),
            (
                "commune",
                ResponseQuery {
                    commune: Some("25195' or 1=1".into()),
                    ..Default::default()
                },
            ),
            (
                "channel",
                ResponseQuery {
                    channel: Some("QR!".into()),
                    ..Default::default()
                },
            ),
        ];
        for (case, query) in cases {
            match ResponseFilter::parse(&query, day("2026-11-30")) {
                Err(ExportError::BadRequest(message)) => assert!(!message.is_empty(), "{case}"),
                other => panic!("{case}: {other:?}"),
            }
        }
    }

    #[test]
    fn empty_fields_mean_no_filter() {
        let filter = ResponseFilter::parse(
            &ResponseQuery {
                from: Some(String::new()),
                commune: Some(" ".into()),
                excluded: Some("1".into()),
                ..Default::default()
            },
            day("2026-11-30"),
        )
        .unwrap();
        assert_eq!(
            filter,
            ResponseFilter {
                include_excluded: true,
                ..Default::default()
            }
        );
        assert_eq!(filter.time_range(), (i64::MIN, i64::MAX));
    }
}
