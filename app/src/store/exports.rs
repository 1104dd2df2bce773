//! Queries behind the CSV and XLSX exports: responses with their answers, filtered and limited to
//! what the person exporting may see, streamed so that a million responses never sit in memory.

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Backend, Store, StoreError};

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
    /// Scope: only these communes (admin unit ids of communes in force: a province reviewer's
    /// assigned communes, whose figures include their predecessors' answers).
    pub commune_ids: Option<Vec<i64>>,
}

/// One response of the export, its answers in the order of the query's questions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportResponseRow {
    pub response_id: i64,
    pub created_at: i64,
    /// The district of the desk's commune version: empty after the 2025 reform.
    pub district_code: String,
    pub district_name: String,
    /// The province of the desk's commune version at the time (its parent, or its district's).
    pub province_code: String,
    /// Code, name and validity of the desk's commune version: the unit the answer was given to.
    pub commune_code: String,
    pub commune_name: String,
    pub commune_valid_from: String,
    /// `None` while the version is in force.
    pub commune_valid_to: Option<String>,
    /// The unit in force whose figures include the answer (the commune's `answers_to`).
    pub today_code: String,
    pub today_name: String,
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
    /// SQLite: one page of `sql` after a response id, packed into a single row (see
    /// `Store::export_responses`).
    page_sql: String,
    questions: Vec<String>,
}

/// Responses per page of the SQLite export.
const EXPORT_PAGE: i64 = 1000;

/// The conditions of a `ResponseExportFilter` on `r` (responses), `c` (the desk's commune) and
/// `rd` (its reviewing district), as `bind_filter` binds them: `$n = ''` / `$n = 0` switch a
/// condition off, so one statement serves every filter and both databases.
const FILTER_CONDITIONS: &str = "r.created_at >= $1 and r.created_at < $2 \
     and ($3 = '' or c.code = $3) \
     and ($4 = '' or rd.code = $4) \
     and ($5 = '' or r.channel = $5) \
     and ($6 = 1 or r.excluded = 0) \
     and ($7 = 0 or c.answers_to = $7) \
     and ($8 = 0 or c.review_district_id = $8) \
     and ($9 = '' or $9 like '%,' || c.answers_to || ',%')";

/// Parameters `FILTER_CONDITIONS` takes.
const FILTER_PARAMS: usize = 9;

/// Columns before the answers.
const FIXED_COLUMNS: usize = 21;

impl ResponseExportQuery {
    pub fn new(questions: &[String]) -> ResponseExportQuery {
        // One row per response rather than one per answer: the SQLite driver hands every row
        // from its worker thread to the async side, and that handoff dominated the time (a
        // million responses: 54 s with a row per answer). `group by r.id` alone keeps both
        // databases streaming in id order (SQLite walks the rowids, PostgreSQL aggregates the
        // merge join as it goes), hence `max()` around columns that depend on the response.
        let mut answers = String::new();
        for i in 0..questions.len() {
            let p = FILTER_PARAMS + 1 + i;
            answers.push_str(&format!(
                ", max(case when a.question_id = ${p} then a.value_int end) as c{} \
                 , max(case when a.question_id = ${p} then a.value_text end) as c{}",
                FIXED_COLUMNS + 2 * i,
                FIXED_COLUMNS + 2 * i + 1,
            ));
        }
        let select = format!(
            "select r.id as c0, max(r.created_at) as c1, max(coalesce(di.code, '')) as c2, \
               max(coalesce(di.name, '')) as c3, max(coalesce(pv.code, '')) as c4, \
               max(c.code) as c5, max(c.name) as c6, max(c.valid_from) as c7, \
               max(c.valid_to) as c8, max(coalesce(t.code, c.code)) as c9, \
               max(coalesce(t.name, c.name)) as c10, max(d.public_code) as c11, \
               max(d.name) as c12, max(r.survey_id) as c13, max(r.survey_version) as c14, \
               max(r.lang) as c15, max(r.channel) as c16, max(coalesce(k.label, '')) as c17, \
               max(r.dossier_code) as c18, max(r.excluded) as c19, \
               max(coalesce(r.flags, '')) as c20{answers} \
             from responses r \
             join desks d on d.id = r.desk_id \
             join admin_units c on c.id = d.commune_id \
             left join admin_units di on di.id = c.parent_id and di.level = 'district' \
             left join admin_units pv on pv.id = coalesce(di.parent_id, c.parent_id) \
               and pv.level = 'province' \
             left join admin_units t on t.id = c.answers_to \
             left join admin_units rd on rd.id = c.review_district_id \
             left join kiosks k on k.id = r.kiosk_id \
             left join answers a on a.response_id = r.id \
             where {FILTER_CONDITIONS}"
        );
        let sql = format!("{select} group by r.id order by r.id");
        let after = FILTER_PARAMS + 1 + questions.len();
        let columns: Vec<String> = (0..FIXED_COLUMNS + 2 * questions.len())
            .map(|i| format!("c{i}"))
            .collect();
        let page_sql = format!(
            "select json_group_array(json_array({}) order by c0), max(c0) from \
             ({select} and r.id > ${after} group by r.id order by r.id limit ${})",
            columns.join(", "),
            after + 1
        );
        ResponseExportQuery {
            sql,
            page_sql,
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
        province_code: row.try_get(4)?,
        commune_code: row.try_get(5)?,
        commune_name: row.try_get(6)?,
        commune_valid_from: row.try_get(7)?,
        commune_valid_to: row.try_get(8)?,
        today_code: row.try_get(9)?,
        today_name: row.try_get(10)?,
        desk_code: row.try_get(11)?,
        desk_name: row.try_get(12)?,
        survey_id: row.try_get(13)?,
        survey_version: row.try_get(14)?,
        lang: row.try_get(15)?,
        channel: row.try_get(16)?,
        kiosk: row.try_get(17)?,
        dossier_code: row.try_get(18)?,
        excluded: row.try_get(19)?,
        flags: row.try_get(20)?,
        answers,
    })
}

/// Binds the filter's parameters of `FILTER_CONDITIONS`, `$1` to `$9`.
fn bind_conditions<'q>(
    statement: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    filter: &ResponseExportFilter,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    statement
        .bind(filter.from_ms)
        .bind(filter.to_ms)
        .bind(filter.commune_code.clone().unwrap_or_default())
        .bind(filter.district_code.clone().unwrap_or_default())
        .bind(filter.channel.clone().unwrap_or_default())
        .bind(i64::from(filter.include_excluded))
        .bind(filter.commune_id.unwrap_or(0))
        .bind(filter.district_id.unwrap_or(0))
        .bind(match &filter.commune_ids {
            // `,12,34,`: the condition looks for `,{answers_to},` in it.
            Some(ids) => format!(
                ",{},",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            ),
            None => String::new(),
        })
}

/// Binds the filter, then the question ids.
fn bind_filter<'q>(
    statement: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    filter: &ResponseExportFilter,
    query: &'q ResponseExportQuery,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut statement = bind_conditions(statement, filter);
    for question in &query.questions {
        statement = statement.bind(question.as_str());
    }
    statement
}

/// The rows of one page of the SQLite export: a JSON array of arrays, in the columns' order.
fn parse_page(page: &str, questions: usize) -> Result<Vec<ExportResponseRow>, sqlx::Error> {
    use serde_json::Value;
    let decode = |e: String| sqlx::Error::Decode(e.into());
    let rows: Vec<Vec<Value>> = serde_json::from_str(page).map_err(|e| decode(e.to_string()))?;
    rows.into_iter()
        .map(|row| {
            if row.len() != FIXED_COLUMNS + 2 * questions {
                return Err(decode(format!("export page row of {} columns", row.len())));
            }
            let mut values = row.into_iter();
            let mut next = || values.next().unwrap_or(Value::Null);
            let int = |v: Value| v.as_i64();
            let text = |v: Value| match v {
                Value::String(s) => Some(s),
                Value::Null => None,
                other => Some(other.to_string()),
            };
            let required_int = |v: Value, what: &str| {
                v.as_i64()
                    .ok_or_else(|| decode(format!("export page: {what} is not an integer")))
            };
            Ok(ExportResponseRow {
                response_id: required_int(next(), "id")?,
                created_at: required_int(next(), "created_at")?,
                district_code: text(next()).unwrap_or_default(),
                district_name: text(next()).unwrap_or_default(),
                province_code: text(next()).unwrap_or_default(),
                commune_code: text(next()).unwrap_or_default(),
                commune_name: text(next()).unwrap_or_default(),
                commune_valid_from: text(next()).unwrap_or_default(),
                commune_valid_to: text(next()),
                today_code: text(next()).unwrap_or_default(),
                today_name: text(next()).unwrap_or_default(),
                desk_code: text(next()).unwrap_or_default(),
                desk_name: text(next()).unwrap_or_default(),
                survey_id: text(next()).unwrap_or_default(),
                survey_version: required_int(next(), "survey_version")?,
                lang: text(next()).unwrap_or_default(),
                channel: text(next()).unwrap_or_default(),
                kiosk: text(next()).unwrap_or_default(),
                dossier_code: text(next()),
                excluded: required_int(next(), "excluded")?,
                flags: text(next()).unwrap_or_default(),
                answers: (0..questions)
                    .map(|_| (int(next()), text(next())))
                    .collect(),
            })
        })
        .collect()
}

/// An administrative unit as an export filter names it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitRef {
    pub id: i64,
    pub parent_id: Option<i64>,
}

/// A commune version of a score run as the score export names it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct RunUnit {
    pub id: i64,
    /// Its province (its parent, or its district's).
    pub province_code: String,
    pub valid_from: String,
    /// `None` while the version is in force.
    pub valid_to: Option<String>,
}

impl Store {
    /// The province and validity of every commune version scored in run `run_id`.
    pub async fn score_run_units(&self, run_id: i64) -> Result<Vec<RunUnit>, StoreError> {
        Ok(sqlx::query_as(
            "select c.id, coalesce(pv.code, '') as province_code, c.valid_from, c.valid_to \
             from score_results s join admin_units c on c.id = s.unit_id \
             left join admin_units di on di.id = c.parent_id and di.level = 'district' \
             left join admin_units pv on pv.id = coalesce(di.parent_id, c.parent_id) \
               and pv.level = 'province' \
             where s.run_id = $1 order by c.id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The responses `filter` selects with their answers to `query`'s questions, ordered by
    /// response id, streamed.
    pub fn export_responses<'a>(
        &'a self,
        query: &'a ResponseExportQuery,
        filter: &ResponseExportFilter,
    ) -> BoxStream<'a, Result<ExportResponseRow, sqlx::Error>> {
        if self.backend == Backend::Sqlite {
            return self.export_response_pages(query, filter.clone());
        }
        let questions = query.questions.len();
        bind_filter(sqlx::query(&query.sql), filter, query)
            .fetch(&self.pool)
            .map(move |row| row.and_then(|row| export_row(&row, questions)))
            .boxed()
    }

    /// The SQLite export, a page of responses per statement, each page one row of JSON. The
    /// SQLite driver hands every row from its worker thread to the async side, and that
    /// handoff, not SQLite, took most of the time: a million rows took 30 s, over the export's
    /// 20 s budget. A thousand responses per row make the handoffs a thousand times fewer.
    fn export_response_pages<'a>(
        &'a self,
        query: &'a ResponseExportQuery,
        filter: ResponseExportFilter,
    ) -> BoxStream<'a, Result<ExportResponseRow, sqlx::Error>> {
        let questions = query.questions.len();
        futures::stream::try_unfold(Some(0i64), move |after| {
            let filter = filter.clone();
            async move {
                let Some(after) = after else {
                    return Ok::<_, sqlx::Error>(None);
                };
                let row = bind_filter(sqlx::query(&query.page_sql), &filter, query)
                    .bind(after)
                    .bind(EXPORT_PAGE)
                    .fetch_one(&self.pool)
                    .await?;
                let (page, last): (Option<String>, Option<i64>) =
                    (row.try_get(0)?, row.try_get(1)?);
                let (Some(page), Some(last)) = (page, last) else {
                    return Ok(None);
                };
                let rows = parse_page(&page, questions)?;
                let next = (rows.len() as i64 == EXPORT_PAGE).then_some(last);
                Ok(Some((
                    futures::stream::iter(rows.into_iter().map(Ok)),
                    next,
                )))
            }
        })
        .try_flatten()
        .boxed()
    }

    /// Whether any response `filter` selects was given at a desk of a commune with a district
    /// (before the 2025 reform): the export then has district columns, else none. Read from
    /// the few communes with a district and their desks' responses in the period, so an export
    /// of today's communes alone reads no response here.
    pub async fn export_has_districts(
        &self,
        filter: &ResponseExportFilter,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "select c.id from admin_units c \
             join admin_units di on di.id = c.parent_id and di.level = 'district' \
             join desks d on d.commune_id = c.id \
             left join admin_units rd on rd.id = c.review_district_id \
             where exists (select 1 from responses r where r.desk_id = d.id \
               and {FILTER_CONDITIONS}) \
             limit 1"
        );
        let found = bind_conditions(sqlx::query(&sql), filter)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// Every unit with this official code at this level (`commune`, `district`), past and
    /// present: a filter by code covers the unit's whole history.
    pub async fn units_with_code(
        &self,
        code: &str,
        level: &str,
    ) -> Result<Vec<UnitRef>, StoreError> {
        Ok(sqlx::query_as(
            "select id, coalesce(review_district_id, parent_id) as parent_id from admin_units \
             where code = $1 and level = $2 order by id",
        )
        .bind(code)
        .bind(level)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The district that reviews a commune (its own before the reform), else its parent.
    pub async fn unit_parent(&self, id: i64) -> Result<Option<i64>, StoreError> {
        let row: Option<(Option<i64>,)> = sqlx::query_as(
            "select coalesce(review_district_id, parent_id) from admin_units where id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(parent,)| parent))
    }
}
