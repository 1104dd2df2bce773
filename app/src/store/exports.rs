//! Queries behind the CSV and XLSX exports: responses with their answers, filtered and limited to
//! what the person exporting may see, streamed so that a million responses never sit in memory.

use futures::{Stream, StreamExt};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Store, StoreError};

/// Which responses an export holds. Every condition applies together; the unit conditions of the
/// exporter's scope (`commune_id`, `district_id`) are always part of the query, so a filter can
/// only narrow what the exporter may see, never widen it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseExportFilter {
    /// Submitted at or after (ms since the epoch).
    pub from_ms: i64,
    /// Submitted before (ms since the epoch).
    pub to_ms: i64,
    /// Official code of the commune (any of its historical rows).
    pub commune_code: Option<String>,
    /// Official code of the district the commune belongs to.
    pub district_code: Option<String>,
    /// `qr`, `kiosk`, `demo`…
    pub channel: Option<String>,
    /// Also responses a reviewer excluded from the scores.
    pub include_excluded: bool,
    /// Scope: only this commune (admin unit id).
    pub commune_id: Option<i64>,
    /// Scope: only the communes of this district (admin unit id).
    pub district_id: Option<i64>,
}

/// One response of the export, its answers in the order of the query's questions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportResponseRow {
    pub response_id: i64,
    pub created_at: i64,
    pub district_code: String,
    pub district_name: String,
    pub commune_code: String,
    pub commune_name: String,
    pub desk_code: String,
    pub desk_name: String,
    pub survey_id: String,
    pub survey_version: i64,
    pub lang: String,
    pub channel: String,
    /// The kiosk tablet's label, empty for other channels.
    pub kiosk: String,
    pub dossier_code: Option<String>,
    pub excluded: i64,
    pub flags: String,
    /// Per question of the query: the stored integer and text (both `None`: not answered).
    pub answers: Vec<(Option<i64>, Option<String>)>,
}

/// The export statement for a list of question ids: one row per response, one pair of
/// columns (integer, text) per question. Built once per export; the stream borrows it.
#[derive(Clone, Debug)]
pub struct ResponseExportQuery {
    sql: String,
    questions: Vec<String>,
}

/// Columns before the answers.
const FIXED_COLUMNS: usize = 16;

impl ResponseExportQuery {
    pub fn new(questions: &[String]) -> ResponseExportQuery {
        // One row per response rather than one per answer: the SQLite driver hands every row
        // from its worker thread to the async side, and that handoff dominated the time (a
        // million responses: 54 s with a row per answer). `group by r.id` alone keeps both
        // databases streaming in id order (SQLite walks the rowids, PostgreSQL aggregates the
        // merge join as it goes), hence `max()` around columns that depend on the response.
        let mut answers = String::new();
        for i in 0..questions.len() {
            let p = 9 + i;
            answers.push_str(&format!(
                ", max(case when a.question_id = ${p} then a.value_int end) \
                 , max(case when a.question_id = ${p} then a.value_text end)"
            ));
        }
        let sql = format!(
            "select r.id, max(r.created_at), max(coalesce(di.code, '')), max(coalesce(di.name, '')), \
               max(c.code), max(c.name), max(d.public_code), max(d.name), \
               max(r.survey_id), max(r.survey_version), max(r.lang), max(r.channel), \
               max(coalesce(k.label, '')), max(r.dossier_code), max(r.excluded), \
               max(coalesce(r.flags, '')){answers} \
             from responses r \
             join desks d on d.id = r.desk_id \
             join admin_units c on c.id = d.commune_id \
             left join admin_units di on di.id = c.parent_id \
             left join kiosks k on k.id = r.kiosk_id \
             left join answers a on a.response_id = r.id \
             where r.created_at >= $1 and r.created_at < $2 \
               and ($3 = '' or c.code = $3) \
               and ($4 = '' or di.code = $4) \
               and ($5 = '' or r.channel = $5) \
               and ($6 = 1 or r.excluded = 0) \
               and ($7 = 0 or c.id = $7) \
               and ($8 = 0 or c.parent_id = $8) \
             group by r.id order by r.id"
        );
        ResponseExportQuery {
            sql,
            questions: questions.to_vec(),
        }
    }
}

fn export_row(row: &AnyRow, questions: usize) -> Result<ExportResponseRow, sqlx::Error> {
    let mut answers = Vec::with_capacity(questions);
    for i in 0..questions {
        let at = FIXED_COLUMNS + 2 * i;
        answers.push((row.try_get(at)?, row.try_get(at + 1)?));
    }
    Ok(ExportResponseRow {
        response_id: row.try_get(0)?,
        created_at: row.try_get(1)?,
        district_code: row.try_get(2)?,
        district_name: row.try_get(3)?,
        commune_code: row.try_get(4)?,
        commune_name: row.try_get(5)?,
        desk_code: row.try_get(6)?,
        desk_name: row.try_get(7)?,
        survey_id: row.try_get(8)?,
        survey_version: row.try_get(9)?,
        lang: row.try_get(10)?,
        channel: row.try_get(11)?,
        kiosk: row.try_get(12)?,
        dossier_code: row.try_get(13)?,
        excluded: row.try_get(14)?,
        flags: row.try_get(15)?,
        answers,
    })
}

/// An administrative unit as an export filter names it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitRef {
    pub id: i64,
    pub parent_id: Option<i64>,
}

impl Store {
    /// The responses `filter` selects with their answers to `query`'s questions, ordered by
    /// response id, streamed.
    pub fn export_responses<'a>(
        &'a self,
        query: &'a ResponseExportQuery,
        filter: &ResponseExportFilter,
    ) -> impl Stream<Item = Result<ExportResponseRow, sqlx::Error>> + Send + 'a {
        // `$n = ''` / `$n = 0` switch a condition off, so one statement serves every filter and
        // both databases.
        let mut statement = sqlx::query(&query.sql)
            .bind(filter.from_ms)
            .bind(filter.to_ms)
            .bind(filter.commune_code.clone().unwrap_or_default())
            .bind(filter.district_code.clone().unwrap_or_default())
            .bind(filter.channel.clone().unwrap_or_default())
            .bind(i64::from(filter.include_excluded))
            .bind(filter.commune_id.unwrap_or(0))
            .bind(filter.district_id.unwrap_or(0));
        for question in &query.questions {
            statement = statement.bind(question.as_str());
        }
        let questions = query.questions.len();
        statement
            .fetch(&self.pool)
            .map(move |row| row.and_then(|row| export_row(&row, questions)))
    }

    /// Every unit with this official code at this level (`commune`, `district`), past and
    /// present: a filter by code covers the unit's whole history.
    pub async fn units_with_code(
        &self,
        code: &str,
        level: &str,
    ) -> Result<Vec<UnitRef>, StoreError> {
        Ok(sqlx::query_as(
            "select id, parent_id from admin_units where code = $1 and level = $2 order by id",
        )
        .bind(code)
        .bind(level)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The unit's parent (a commune's district), if any.
    pub async fn unit_parent(&self, id: i64) -> Result<Option<i64>, StoreError> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("select parent_id from admin_units where id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(parent,)| parent))
    }
}
