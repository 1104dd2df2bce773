//! The score export: one row per commune of the latest score run, read as the ranking page
//! reads it (`app::store::ranked`).

use std::collections::HashMap;

use app::store::exports::RunUnit;
use app::store::ranked as read;
use app::store::Store;
use serde::Deserialize;
use survey_definitions::criteria::CriteriaSet;

use super::filter::{parse_code, present};
use super::record::{Cell, ExportError, Record};
use super::scope::{Scope, UnitFilter};

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
/// in ranking order, with its header, as `app::store::ranked` reads the run: `rank` is the place
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
