//! Citizens' responses: one `responses` row per submission, one `answers` row per answer.

use std::collections::{HashMap, HashSet};

use futures::Stream;
use survey_definitions::{Answer, Lang};

use super::{aggregates, value_rows, Backend, Store, StoreError};

/// A validated submission ready to be stored.
#[derive(Debug)]
pub struct NewResponse<'a> {
    /// The form's idempotency key: a retried submission carries the same one.
    pub key: &'a str,
    pub desk_id: i64,
    pub survey_id: &'a str,
    pub survey_version: u32,
    pub lang: Lang,
    /// How the answer arrived: `qr` (a phone), later `kiosk`; `demo` for simulated data.
    pub channel: &'a str,
    pub dossier_code: Option<&'a str>,
    pub created_at: i64,
    pub answers: &'a [Answer],
    /// Salted hashes (see `crate::abuse`); `None` for data that did not come from a phone.
    pub device_hash: Option<&'a str>,
    pub client_hash: Option<&'a str>,
    /// Why the response looks suspicious (comma-separated), if it does. Flagged responses count
    /// until a reviewer excludes them.
    pub flags: Option<&'a str>,
    pub answer_digest: Option<&'a str>,
}

/// Result of storing a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    New(i64),
    /// The idempotency key was already stored: nothing new was written.
    Duplicate(i64),
    /// The dossier code was already rated at this desk: nothing was written.
    DossierTaken,
}

/// One line of the export query: a response with one of its answers (or none).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub response_id: i64,
    pub created_at: i64,
    pub commune_code: String,
    pub commune_name: String,
    pub district_name: String,
    pub desk_code: String,
    pub desk_name: String,
    pub survey_id: String,
    pub survey_version: i64,
    pub lang: String,
    pub channel: String,
    pub dossier_code: Option<String>,
    pub question_id: Option<String>,
    pub value_int: Option<i64>,
    pub value_text: Option<String>,
}

/// One stored answer, as read back.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredAnswer {
    pub question_id: String,
    pub value_int: Option<i64>,
    pub value_text: Option<String>,
}

impl Store {
    /// Stores a response and its answers in one transaction, committed (and so durable, see
    /// `Store::connect`) before this returns. A key seen before stores nothing and returns the
    /// earlier response's id.
    pub async fn insert_response(&self, new: &NewResponse<'_>) -> Result<Inserted, StoreError> {
        let mut results = self.insert_responses(std::slice::from_ref(new)).await?;
        results
            .pop()
            .ok_or_else(|| StoreError::Inconsistent("no result for one response".into()))
    }

    /// Stores many responses in one transaction: one commit, so one disk flush, for all of them
    /// (bulk loads such as demo data, and the group commit of `crate::writer`), written with
    /// multi-row statements, so a batch costs a few round trips rather than two per response.
    /// Returns what happened to each, in order.
    pub async fn insert_responses(
        &self,
        batch: &[NewResponse<'_>],
    ) -> Result<Vec<Inserted>, StoreError> {
        let mut tx = self.response_pool.begin().await?;
        let mut results = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(BULK_RESPONSES) {
            results.extend(insert_chunk(&mut tx, self.backend, chunk).await?);
        }
        let mut increments = aggregates::Increments::new();
        for (response, inserted) in batch.iter().zip(&results) {
            if let Inserted::New(_) = inserted {
                aggregates::count_response(
                    &mut increments,
                    response.desk_id,
                    &aggregates::vn_day(response.created_at),
                    response.survey_id,
                    aggregates::answer_values(response.answers),
                    1,
                );
            }
        }
        // The day's counts change in the same transaction as the responses: a dashboard never
        // shows a response that is not stored, nor misses one that is.
        aggregates::apply(&mut tx, self.backend, &increments).await?;
        tx.commit().await?;
        Ok(results)
    }

    /// Number of stored responses (all desks).
    pub async fn count_responses(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("select count(*) from responses")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// The answers of one response, by question id.
    pub async fn answers_of(&self, response_id: i64) -> Result<Vec<StoredAnswer>, StoreError> {
        Ok(sqlx::query_as(
            "select question_id, value_int, value_text from answers \
             where response_id = $1 order by question_id",
        )
        .bind(response_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every response with its answers, ordered by response id, streamed so an export of millions
    /// of rows does not hold them in memory. Consecutive rows share a response id.
    pub fn export_rows(&self) -> impl Stream<Item = Result<ExportRow, sqlx::Error>> + '_ {
        sqlx::query_as(
            "select r.id as response_id, r.created_at, c.code as commune_code, c.name as commune_name, \
               coalesce(di.name, '') as district_name, d.public_code as desk_code, d.name as desk_name, \
               r.survey_id, r.survey_version, r.lang, r.channel, r.dossier_code, \
               a.question_id, a.value_int, a.value_text \
             from responses r \
             join desks d on d.id = r.desk_id \
             join admin_units c on c.id = d.commune_id \
             left join admin_units di on di.id = c.parent_id \
             left join answers a on a.response_id = r.id \
             order by r.id, a.question_id",
        )
        .fetch(&self.pool)
    }
}

/// Responses per multi-row statement: 14 placeholders each stays far below SQLite's 32,766 and
/// PostgreSQL's 65,535.
const BULK_RESPONSES: usize = 1000;
/// Answers per multi-row statement (4 placeholders each).
const BULK_ANSWERS: usize = 4000;

/// Inserts up to `BULK_RESPONSES` responses and their answers inside `tx`, and says what
/// happened to each, in order.
async fn insert_chunk(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    chunk: &[NewResponse<'_>],
) -> Result<Vec<Inserted>, StoreError> {
    // The insert comes first so SQLite takes its write lock at once (a read first could
    // deadlock two upgrading transactions). Either unique key (idempotency key; desk and
    // dossier code) makes a row insert nothing. The key maps each new id back to its response:
    // a multi-row RETURNING need not come back in insertion order.
    let sql = format!(
        "insert into responses (idempotency_key, desk_id, survey_id, survey_version, lang, \
         channel, dossier_code, created_at, device_hash, client_hash, flags, answer_digest, \
         overall, commented) values {} on conflict do nothing returning id, idempotency_key",
        value_rows(backend, chunk.len(), 14)
    );
    let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
    for new in chunk {
        query = query
            .bind(new.key)
            .bind(new.desk_id)
            .bind(new.survey_id)
            .bind(i64::from(new.survey_version))
            .bind(new.lang.code())
            .bind(new.channel)
            .bind(new.dossier_code)
            .bind(new.created_at)
            .bind(new.device_hash)
            .bind(new.client_hash)
            .bind(new.flags)
            .bind(new.answer_digest)
            .bind(overall_of(new.answers))
            .bind(commented(new.answers));
    }
    let ids: HashMap<String, i64> = query
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|(id, key)| (key, id))
        .collect();

    // A key twice in one chunk (a retry queued behind its first attempt) is stored once.
    let mut stored = HashSet::new();
    let mut answers: Vec<(i64, &Answer)> = Vec::new();
    let mut not_stored = Vec::new();
    let outcomes: Vec<Option<Inserted>> = chunk
        .iter()
        .map(|new| match ids.get(new.key) {
            Some(&id) if stored.insert(new.key) => {
                answers.extend(new.answers.iter().map(|a| (id, a)));
                Some(Inserted::New(id))
            }
            Some(&id) => Some(Inserted::Duplicate(id)),
            None => {
                not_stored.push(new.key);
                None
            }
        })
        .collect();
    insert_answers(tx, backend, &answers).await?;

    // What was not stored collided with an earlier response's key (a retry) or with a dossier
    // code already rated at the desk.
    let earlier: HashMap<String, i64> = if not_stored.is_empty() {
        HashMap::new()
    } else {
        let sql = format!(
            "select id, idempotency_key from responses where idempotency_key in {}",
            value_rows(backend, 1, not_stored.len())
        );
        let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
        for key in &not_stored {
            query = query.bind(*key);
        }
        query
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|(id, key)| (key, id))
            .collect()
    };
    Ok(chunk
        .iter()
        .zip(outcomes)
        .map(|(new, outcome)| {
            outcome.unwrap_or_else(|| match earlier.get(new.key) {
                Some(&id) => Inserted::Duplicate(id),
                None => Inserted::DossierTaken,
            })
        })
        .collect())
}

async fn insert_answers(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    rows: &[(i64, &Answer)],
) -> Result<(), StoreError> {
    for part in rows.chunks(BULK_ANSWERS) {
        let sql = format!(
            "insert into answers (response_id, question_id, value_int, value_text) values {}",
            value_rows(backend, part.len(), 4)
        );
        let mut query = sqlx::query(&sql);
        for (id, answer) in part {
            query = query
                .bind(*id)
                .bind(answer.question_id.as_str())
                .bind(answer.value.value_int())
                .bind(answer.value.value_text().map(str::to_owned));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The question whose rating the follow-up list reads from `responses.overall` (migration 0007),
/// as the surveys and the storage layer's other queries name it.
pub const OVERALL_QUESTION: &str = "overall";
/// The free-text question marked by `responses.commented`.
pub const COMMENT_QUESTION: &str = "comment";

fn overall_of(answers: &[Answer]) -> Option<i64> {
    answers
        .iter()
        .find(|a| a.question_id == OVERALL_QUESTION)
        .and_then(|a| a.value.value_int())
}

fn commented(answers: &[Answer]) -> i64 {
    i64::from(
        answers
            .iter()
            .any(|a| a.question_id == COMMENT_QUESTION && a.value.value_text().is_some()),
    )
}

impl Store {
    /// Deletes the answers to the comment questions `question_ids` older than `days` days; the
    /// ratings stay. Returns how many were deleted. Dossier codes are kept: they are references,
    /// not opinions.
    pub async fn delete_comments_older_than(
        &self,
        days: u32,
        question_ids: &[&str],
    ) -> Result<u64, StoreError> {
        let cutoff = super::now_ms() - i64::from(days) * 86_400_000;
        let mut tx = self.pool.begin().await?;
        let mut deleted = 0;
        for question in question_ids {
            deleted += sqlx::query(
                "delete from answers where question_id = $1 and response_id in \
                 (select id from responses where created_at < $2)",
            )
            .bind(*question)
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        // The follow-up list must not keep offering a comment that is gone.
        if question_ids.contains(&COMMENT_QUESTION) {
            sqlx::query(
                "update responses set commented = 0 where commented = 1 and created_at < $1",
            )
            .bind(cutoff)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }
}

impl Store {
    /// Stores a large batch of generated responses (demo and benchmark data) in one transaction.
    /// Responses whose key (or desk and dossier code) exists are skipped. Returns how many were
    /// stored.
    pub async fn bulk_insert_responses(
        &self,
        batch: &[NewResponse<'_>],
    ) -> Result<usize, StoreError> {
        Ok(self
            .insert_responses(batch)
            .await?
            .iter()
            .filter(|r| matches!(r, Inserted::New(_)))
            .count())
    }
}

impl Store {
    /// Generates `total` synthetic responses inside the database (about 80% satisfied, spread
    /// over the current desks and the last `days` days, five rated answers each and a comment
    /// in one of twenty), then rebuilds the per-day counts. For load and benchmark data only:
    /// millions of rows in minutes, where the realistic simulation of `hailong demo` takes hours.
    /// Rows are marked channel `demo`. Returns how many responses exist afterwards.
    pub async fn generate_responses(&self, total: u64, days: u32) -> Result<i64, StoreError> {
        let run = super::now_ms();
        let span = i64::from(days.max(1)) * 86_400_000;
        let mut tx = self.pool.begin().await?;
        // The overall rating and the comment mark are drawn with the response and the answers
        // copy them, so `responses.overall` and `commented` agree with `answers` as they do for
        // real submissions.
        let statements: [&str; 3] = match self.backend {
            Backend::Postgres => [
                "insert into responses (idempotency_key, desk_id, survey_id, survey_version, lang, channel, created_at, \
                   overall, commented) \
                 select 'gen-' || $1 || '-' || g, ids[1 + (g % cardinality(ids))::int], 'one-stop-desk', 1, 'vi', 'demo', \
                   $1 - (floor(random() * $2))::bigint, \
                   case when random() < 0.8 then 4 + floor(random() * 2)::bigint else 1 + floor(random() * 3)::bigint end, \
                   case when random() < 0.05 then 1 else 0 end \
                 from generate_series(1, $3) g, \
                   (select array_agg(id order by id) as ids from desks where valid_to is null) d",
                "insert into answers (response_id, question_id, value_int, value_text) \
                 select r.id, q.q, case when q.q = 'overall' then r.overall \
                   when random() < 0.8 then 4 + floor(random() * 2)::bigint \
                   else 1 + floor(random() * 3)::bigint end, null \
                 from responses r cross join (values ('overall'), ('access'), ('procedures'), \
                   ('civil_servants'), ('results')) q(q) \
                 where r.idempotency_key like 'gen-' || $1 || '-%'",
                "insert into answers (response_id, question_id, value_int, value_text) \
                 select r.id, 'comment', null, 'Ý kiến thử nghiệm số ' || (r.id % 7) \
                 from responses r where r.idempotency_key like 'gen-' || $1 || '-%' and r.commented = 1",
            ],
            Backend::Sqlite => [
                "with recursive g(i) as (select 1 union all select i + 1 from g where i < $3), \
                   d as (select id, row_number() over (order by id) - 1 as k, count(*) over () as n \
                         from desks where valid_to is null) \
                 insert into responses (idempotency_key, desk_id, survey_id, survey_version, lang, channel, created_at, \
                   overall, commented) \
                 select 'gen-' || $1 || '-' || g.i, d.id, 'one-stop-desk', 1, 'vi', 'demo', \
                   $1 - abs(random() % $2), \
                   case when abs(random() % 100) < 80 then 4 + abs(random() % 2) else 1 + abs(random() % 3) end, \
                   case when abs(random() % 100) < 5 then 1 else 0 end \
                 from g join d on d.k = g.i % d.n",
                "insert into answers (response_id, question_id, value_int, value_text) \
                 select r.id, q.column1, case when q.column1 = 'overall' then r.overall \
                   when abs(random() % 100) < 80 then 4 + abs(random() % 2) \
                   else 1 + abs(random() % 3) end, null \
                 from responses r cross join (values ('overall'), ('access'), ('procedures'), \
                   ('civil_servants'), ('results')) q \
                 where r.idempotency_key like 'gen-' || $1 || '-%'",
                "insert into answers (response_id, question_id, value_int, value_text) \
                 select r.id, 'comment', null, 'Ý kiến thử nghiệm số ' || (r.id % 7) \
                 from responses r where r.idempotency_key like 'gen-' || $1 || '-%' and r.commented = 1",
            ],
        };
        for (i, sql) in statements.iter().enumerate() {
            let mut query = sqlx::query(sql).bind(run.to_string());
            if i == 0 {
                query = sqlx::query(sql)
                    .bind(run)
                    .bind(span)
                    .bind(i64::try_from(total).unwrap_or(i64::MAX));
            }
            query.execute(&mut *tx).await?;
        }
        // The counts are rebuilt from scratch, as the migration that introduced them does.
        sqlx::query("delete from daily_answers")
            .execute(&mut *tx)
            .await?;
        let day = match self.backend {
            Backend::Postgres => {
                "to_char(to_timestamp(r.created_at / 1000 + 25200) at time zone 'UTC', 'YYYY-MM-DD')"
            }
            Backend::Sqlite => "date(r.created_at / 1000 + 25200, 'unixepoch')",
        };
        sqlx::query(&format!(
            "insert into daily_answers (desk_id, day, survey_id, question_id, level, answers) \
             select r.desk_id, {day}, r.survey_id, '', 0, count(*) from responses r \
             where r.excluded = 0 group by r.desk_id, {day}, r.survey_id"
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "insert into daily_answers (desk_id, day, survey_id, question_id, level, answers) \
             select r.desk_id, {day}, r.survey_id, a.question_id, a.value_int, count(*) \
             from answers a join responses r on r.id = a.response_id \
             where r.excluded = 0 and a.value_int between 1 and 5 \
             group by r.desk_id, {day}, r.survey_id, a.question_id, a.value_int"
        ))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.count_responses().await
    }
}
