//! Citizens' responses: one `responses` row per submission, one `answers` row per answer.
//!
//! Storing a batch is one transaction that decides everything that depends on what is already
//! stored, so that concurrent submissions (and several instances on PostgreSQL) cannot slip past
//! a rule between a check and the insert: a retried idempotency key is the earlier response; a
//! device that rated the desk within the window is refused; a dossier code rated at the desk
//! recently flags both ratings for review; flagged responses that wait for a reviewer stay out of
//! the per-day counts. On SQLite the transaction takes the write lock first (`begin immediate`);
//! on PostgreSQL advisory locks on the device and dossier keys serialise the decisions.

mod generated;
mod rules;

use std::collections::HashMap;

use survey_definitions::{Answer, Lang};

use super::aggregates::{self, Changes, Place, Standing};
use super::{value_rows, Backend, Store, StoreError};
use crate::domain::channel::Channel;
use crate::domain::flags::{CountFlagged, Flags};
use rules::{
    flag_repeated_dossiers, keys_stored, lock_rule_keys, refuse_devices_that_rated,
    restate_repeated,
};

/// A validated submission ready to be stored.
#[derive(Debug, Clone)]
pub struct NewResponse<'a> {
    /// The form's idempotency key: a retried submission carries the same one.
    pub key: &'a str,
    pub desk_id: i64,
    pub survey_id: &'a str,
    pub survey_version: u32,
    pub lang: Lang,
    pub channel: Channel,
    pub dossier_code: Option<&'a str>,
    pub created_at: i64,
    pub answers: &'a [Answer],
    /// Salted hashes (see `crate::abuse`); `None` for data that did not come from a phone.
    pub device_hash: Option<&'a str>,
    pub client_hash: Option<&'a str>,
    /// Why the response looks suspicious. Storing may add `Flag::DossierRepeat`.
    pub flags: Flags,
    pub answer_digest: Option<&'a str>,
    /// The tablet a kiosk rating came from.
    pub kiosk_id: Option<i64>,
    /// Whether answers flagged by a stuffing rule count before review (the province's setting).
    pub count_flagged: CountFlagged,
    /// One rating per device and desk: refused when the device rated the desk since then.
    pub device_rule: Option<DeviceRule<'a>>,
    /// A dossier code rated at the same desk since this time (milliseconds) is a repeat.
    pub dossier_since_ms: Option<i64>,
}

/// The window of the one-rating-per-device rule for one submission.
#[derive(Debug, Clone, Copy)]
pub struct DeviceRule<'a> {
    /// Responses of the device at the desk since this time (milliseconds) refuse this one.
    pub since_ms: i64,
    /// The device's hash under yesterday's salt, so the window holds across midnight.
    pub previous_hash: Option<&'a str>,
}

/// Result of storing a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    New(i64),
    /// The idempotency key was already stored: nothing new was written.
    Duplicate(i64),
    /// The device rated this desk within the window: nothing was written.
    DeviceAlreadyRated,
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
    /// Returns what happened to each, in order; `Ok` only once the commit succeeded.
    ///
    /// A failed attempt discards its connection: after an error inside a transaction (a full
    /// disk, a dropped link) a connection's idea of its transaction state cannot be trusted, and
    /// one that kept an open transaction would hold SQLite's write lock for good.
    pub async fn insert_responses(
        &self,
        batch: &[NewResponse<'_>],
    ) -> Result<Vec<Inserted>, StoreError> {
        let mut conn = self.response_pool.acquire().await?;
        let result = insert_batch(&mut conn, self.backend, batch).await;
        if result.is_err() {
            conn.close_on_drop();
        }
        result
    }

    /// Writes a row and commits it on the responses' own connection: whether the database can
    /// take a write now (a full disk or a read-only file fails here), without touching any data.
    /// On SQLite the disk must also have room for a batch of answers (`MIN_FREE_BYTES`).
    pub async fn probe_write(&self) -> Result<(), StoreError> {
        if let Some(free) = self.free_disk_bytes() {
            if free < super::MIN_FREE_BYTES {
                return Err(StoreError::NoRoom { free });
            }
        }
        let mut conn = self.response_pool.acquire().await?;
        let result = async {
            let mut tx = begin_write(&mut conn, self.backend).await?;
            sqlx::query(
                "insert into write_probes (id, checked_at, created_at) values (1, $1, $1) \
                 on conflict (id) do update set checked_at = excluded.checked_at",
            )
            .bind(crate::clock::now_ms())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        if result.is_err() {
            conn.close_on_drop();
        }
        result
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
}

/// Starts a transaction that writes: on SQLite it takes the write lock at once, so what the
/// transaction reads before writing cannot change under it (and it cannot fail later with
/// "database is locked" while upgrading a read lock).
pub(super) async fn begin_write(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<sqlx::Transaction<'_, sqlx::Any>, sqlx::Error> {
    use sqlx::Connection;
    match backend {
        Backend::Sqlite => conn.begin_with("begin immediate").await,
        Backend::Postgres => conn.begin().await,
    }
}

async fn insert_batch(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    batch: &[NewResponse<'_>],
) -> Result<Vec<Inserted>, StoreError> {
    let mut tx = begin_write(conn, backend).await?;
    let mut results = Vec::with_capacity(batch.len());
    let mut changes = Changes::default();
    for chunk in batch.chunks(BULK_RESPONSES) {
        results.extend(insert_chunk(&mut tx, backend, chunk, &mut changes).await?);
    }
    // The day's counts change in the same transaction as the responses: a dashboard never
    // shows a response that is not stored, nor misses one that is.
    changes.apply(&mut tx, backend).await?;
    tx.commit().await?;
    Ok(results)
}

/// Responses per multi-row statement: 17 placeholders each stays far below SQLite's 32,766 and
/// PostgreSQL's 65,535.
const BULK_RESPONSES: usize = 1000;
/// Answers per multi-row statement (4 placeholders each).
const BULK_ANSWERS: usize = 4000;

/// A response of the chunk on its way in, with its flags as the rules leave them.
struct Entry<'r, 'a> {
    new: &'r NewResponse<'a>,
    flags: Flags,
    decision: Decision,
}

/// What becomes of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    Insert,
    /// Decided without inserting (a stored key, a device that rated the desk).
    Done(Inserted),
    /// A repeat of an earlier entry's key in this chunk: the same response.
    SameAs(usize),
}

/// An earlier response whose dossier code a new one repeats.
#[derive(sqlx::FromRow)]
struct EarlierDossier {
    id: i64,
    desk_id: i64,
    dossier_code: String,
    created_at: i64,
    survey_id: String,
    flags: Option<String>,
    held: i64,
    excluded: i64,
}

/// Stores up to `BULK_RESPONSES` responses and their answers inside `tx`, adds their per-day
/// counts to `changes`, and says what happened to each, in order.
async fn insert_chunk(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    chunk: &[NewResponse<'_>],
    changes: &mut Changes,
) -> Result<Vec<Inserted>, StoreError> {
    if backend == Backend::Postgres {
        lock_rule_keys(tx, backend, chunk).await?;
    }
    // A retried submission is the response stored earlier, or earlier in this chunk.
    let stored_keys = keys_stored(tx, backend, chunk.iter().map(|n| n.key)).await?;
    let mut first_of_key: HashMap<&str, usize> = HashMap::new();
    let mut entries: Vec<Entry> = Vec::with_capacity(chunk.len());
    for (i, new) in chunk.iter().enumerate() {
        let decision = if let Some(&id) = stored_keys.get(new.key) {
            Decision::Done(Inserted::Duplicate(id))
        } else if let Some(&first) = first_of_key.get(new.key) {
            Decision::SameAs(first)
        } else {
            first_of_key.insert(new.key, i);
            Decision::Insert
        };
        entries.push(Entry {
            new,
            flags: new.flags.clone(),
            decision,
        });
    }
    refuse_devices_that_rated(tx, backend, &mut entries).await?;
    let repeated = flag_repeated_dossiers(tx, backend, &mut entries).await?;

    let inserting: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].decision == Decision::Insert)
        .collect();
    let mut ids: HashMap<String, i64> = HashMap::new();
    if !inserting.is_empty() {
        let sql = format!(
            "insert into responses (idempotency_key, desk_id, survey_id, survey_version, lang, \
             channel, dossier_code, created_at, device_hash, client_hash, flags, answer_digest, \
             overall, commented, kiosk_id, held, excluded) values {} \
             on conflict do nothing returning id, idempotency_key",
            value_rows(backend, inserting.len(), 17)
        );
        let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
        for &i in &inserting {
            let (new, flags) = (entries[i].new, &entries[i].flags);
            query = query
                .bind(new.key)
                .bind(new.desk_id)
                .bind(new.survey_id)
                .bind(i64::from(new.survey_version))
                .bind(new.lang.code())
                .bind(new.channel.key())
                .bind(new.dossier_code)
                .bind(new.created_at)
                .bind(new.device_hash)
                .bind(new.client_hash)
                .bind(flags.stored())
                .bind(new.answer_digest)
                .bind(overall_of(new.answers))
                .bind(commented(new.answers))
                .bind(new.kiosk_id)
                .bind(i64::from(new.count_flagged.holds(flags)))
                .bind(0_i64);
        }
        ids = query
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|(id, key)| (key, id))
            .collect();
    }

    let mut answers: Vec<(i64, &Answer)> = Vec::new();
    let mut raced: Vec<&str> = Vec::new();
    for &i in &inserting {
        let (new, flags) = (entries[i].new, &entries[i].flags);
        let Some(&id) = ids.get(new.key) else {
            // Another transaction stored the key between the look-up and the insert (the same
            // phone's retry reaching another instance): that one is the response.
            raced.push(new.key);
            continue;
        };
        answers.extend(new.answers.iter().map(|a| (id, a)));
        let day = crate::clock::day_of(new.created_at);
        changes.restate(
            Place {
                desk_id: new.desk_id,
                day: &day,
                survey_id: new.survey_id,
            },
            aggregates::answer_values(new.answers),
            None,
            Standing::of(false, new.count_flagged.holds(flags), !flags.is_empty()),
        );
        entries[i].decision = Decision::Done(Inserted::New(id));
    }
    insert_answers(tx, backend, &answers).await?;
    let earlier = keys_stored(tx, backend, raced.into_iter()).await?;
    restate_repeated(tx, &repeated, chunk, changes).await?;

    let mut outcomes: Vec<Inserted> = Vec::with_capacity(entries.len());
    for entry in &entries {
        let outcome = match entry.decision {
            Decision::Done(outcome) => outcome,
            Decision::Insert => earlier
                .get(entry.new.key)
                .map(|&id| Inserted::Duplicate(id))
                .ok_or_else(|| {
                    StoreError::Inconsistent(format!(
                        "response `{}` was neither stored nor found",
                        entry.new.key
                    ))
                })?,
            Decision::SameAs(first) => match outcomes[first] {
                Inserted::New(id) | Inserted::Duplicate(id) => Inserted::Duplicate(id),
                Inserted::DeviceAlreadyRated => Inserted::DeviceAlreadyRated,
            },
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// `($1, $2, …)` with `n` placeholders starting at `$first`.
fn in_list(n: usize, first: usize) -> String {
    let list: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    format!("({})", list.join(", "))
}

/// `$N` placeholders as plain `?` for SQLite, which binds those by position (see `value_rows`);
/// the statement must use each placeholder once, in order.
fn sqlite_positional(backend: Backend, sql: &str) -> String {
    match backend {
        Backend::Postgres => sql.to_string(),
        Backend::Sqlite => {
            let mut out = String::with_capacity(sql.len());
            let mut chars = sql.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                    while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                        chars.next();
                    }
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
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
        let cutoff = crate::clock::now_ms() - i64::from(days) * 86_400_000;
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
