//! Citizens' responses: one `responses` row per submission, one `answers` row per answer.
//!
//! Storing a batch is one transaction that decides everything that depends on what is already
//! stored, so that concurrent submissions (and several instances on PostgreSQL) cannot slip past
//! a rule between a check and the insert: a retried idempotency key is the earlier response; a
//! device that rated the desk within the window is refused; a dossier code rated at the desk
//! recently flags both ratings for review; flagged responses that wait for a reviewer stay out of
//! the per-day counts. On SQLite the transaction takes the write lock first (`begin immediate`);
//! on PostgreSQL advisory locks on the device and dossier keys serialise the decisions.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};
use survey_definitions::{Answer, Lang};

use super::aggregates::{self, Changes, Place, Standing};
use super::{value_rows, Backend, Store, StoreError};
use crate::domain::channel::Channel;
use crate::domain::flags::{CountFlagged, Flag, Flags};

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
    pub async fn probe_write(&self) -> Result<(), StoreError> {
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
async fn begin_write(
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

/// The ids of the stored responses with these idempotency keys.
async fn keys_stored<'k>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    keys: impl Iterator<Item = &'k str>,
) -> Result<HashMap<String, i64>, StoreError> {
    let keys: Vec<&str> = keys.collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "select id, idempotency_key from responses where idempotency_key in {}",
        value_rows(backend, 1, keys.len())
    );
    let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
    for key in keys {
        query = query.bind(key);
    }
    Ok(query
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|(id, key)| (key, id))
        .collect())
}

/// Takes PostgreSQL advisory locks, for this transaction, on every (device, desk) and
/// (desk, dossier code) the chunk's rules look at, in ascending order so two writers never wait
/// for each other in a circle: a second transaction deciding about the same device or dossier
/// waits for the first one's commit and then sees its rows.
async fn lock_rule_keys(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    chunk: &[NewResponse<'_>],
) -> Result<(), StoreError> {
    let mut keys: Vec<i64> = Vec::new();
    for new in chunk {
        if let (Some(device), Some(_)) = (new.device_hash, new.device_rule) {
            keys.push(lock_key(&["device", device, &new.desk_id.to_string()]));
        }
        if let (Some(code), Some(_)) = (new.dossier_code, new.dossier_since_ms) {
            keys.push(lock_key(&["dossier", &new.desk_id.to_string(), code]));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    for part in keys.chunks(1000) {
        let sql = format!(
            "select count(pg_advisory_xact_lock(k)) from (values {}) v(k)",
            value_rows(backend, part.len(), 1)
        );
        let mut query = sqlx::query_as::<_, (i64,)>(&sql);
        for key in part {
            query = query.bind(*key);
        }
        query.fetch_one(&mut **tx).await?;
    }
    Ok(())
}

/// A 64-bit advisory lock key for the parts.
fn lock_key(parts: &[&str]) -> i64 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    i64::from_be_bytes(
        digest[..8]
            .try_into()
            .expect("a SHA-256 digest has 8 bytes"),
    )
}

/// Marks `DeviceAlreadyRated` the entries whose device rated their desk within its window,
/// stored earlier or earlier in this chunk.
async fn refuse_devices_that_rated(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    entries: &mut [Entry<'_, '_>],
) -> Result<(), StoreError> {
    let ruled: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            entries[i].decision == Decision::Insert
                && entries[i].new.device_hash.is_some()
                && entries[i].new.device_rule.is_some()
        })
        .collect();
    if ruled.is_empty() {
        return Ok(());
    }
    let mut hashes: Vec<&str> = Vec::new();
    let mut since = i64::MAX;
    for &i in &ruled {
        let new = entries[i].new;
        let rule = new.device_rule.expect("filtered above");
        hashes.extend(new.device_hash);
        hashes.extend(rule.previous_hash);
        since = since.min(rule.since_ms);
    }
    hashes.sort_unstable();
    hashes.dedup();
    let sql = format!(
        "select device_hash, desk_id, created_at from responses \
         where device_hash in {} and created_at >= ${}",
        in_list(hashes.len(), 1),
        hashes.len() + 1
    );
    let sql = sqlite_positional(backend, &sql);
    let mut query = sqlx::query_as::<_, (String, i64, i64)>(&sql);
    for hash in &hashes {
        query = query.bind(*hash);
    }
    let mut rated: HashMap<(String, i64), i64> = HashMap::new();
    for (hash, desk, at) in query.bind(since).fetch_all(&mut **tx).await? {
        let latest = rated.entry((hash, desk)).or_insert(at);
        *latest = (*latest).max(at);
    }
    for i in ruled {
        let new = entries[i].new;
        let rule = new.device_rule.expect("filtered above");
        let seen = [new.device_hash, rule.previous_hash]
            .into_iter()
            .flatten()
            .any(|hash| {
                rated
                    .get(&(hash.to_string(), new.desk_id))
                    .is_some_and(|&at| at >= rule.since_ms)
            });
        if seen {
            entries[i].decision = Decision::Done(Inserted::DeviceAlreadyRated);
        } else if let Some(hash) = new.device_hash {
            // Later entries of the same device at the same desk in this chunk are refused.
            rated.insert(
                (hash.to_string(), new.desk_id),
                new.created_at.max(rule.since_ms),
            );
        }
    }
    Ok(())
}

/// Flags `DossierRepeat` on the entries whose dossier code was rated at their desk within the
/// window (earlier, or earlier in this chunk), and returns the earlier stored responses that
/// the flag reaches too: neither rating of a repeated dossier counts before review.
async fn flag_repeated_dossiers(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    entries: &mut [Entry<'_, '_>],
) -> Result<Vec<EarlierDossier>, StoreError> {
    let ruled: Vec<usize> = (0..entries.len())
        .filter(|&i| {
            entries[i].decision == Decision::Insert
                && entries[i].new.dossier_code.is_some()
                && entries[i].new.dossier_since_ms.is_some()
        })
        .collect();
    if ruled.is_empty() {
        return Ok(Vec::new());
    }
    let mut pairs: Vec<(i64, &str)> = ruled
        .iter()
        .map(|&i| {
            (
                entries[i].new.desk_id,
                entries[i].new.dossier_code.expect("filtered"),
            )
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let since = ruled
        .iter()
        .filter_map(|&i| entries[i].new.dossier_since_ms)
        .min()
        .expect("at least one");
    let sql = format!(
        "select id, desk_id, dossier_code, created_at, survey_id, flags, held, excluded \
         from responses where (desk_id, dossier_code) in (values {}) and created_at >= ${}",
        value_rows(Backend::Postgres, pairs.len(), 2),
        pairs.len() * 2 + 1
    );
    let sql = sqlite_positional(backend, &sql);
    let mut query = sqlx::query_as::<_, EarlierDossier>(&sql);
    for (desk, code) in &pairs {
        query = query.bind(*desk).bind(*code);
    }
    let earlier: Vec<EarlierDossier> = query.bind(since).fetch_all(&mut **tx).await?;
    let mut reached: HashSet<i64> = HashSet::new();
    let mut seen_in_chunk: HashMap<(i64, &str), usize> = HashMap::new();
    for i in ruled {
        let new = entries[i].new;
        let code = new.dossier_code.expect("filtered above");
        let since = new.dossier_since_ms.expect("filtered above");
        let mut repeat = false;
        for e in &earlier {
            if e.desk_id == new.desk_id && e.dossier_code == code && e.created_at >= since {
                reached.insert(e.id);
                repeat = true;
            }
        }
        if let Some(&first) = seen_in_chunk.get(&(new.desk_id, code)) {
            entries[first].flags.add(Flag::DossierRepeat);
            repeat = true;
        } else {
            seen_in_chunk.insert((new.desk_id, code), i);
        }
        if repeat {
            entries[i].flags.add(Flag::DossierRepeat);
        }
    }
    Ok(earlier
        .into_iter()
        .filter(|e| reached.contains(&e.id))
        .collect())
}

/// Gives the earlier ratings of a repeated dossier their flag, and holds them back from the
/// figures as a new rating with that flag would be.
async fn restate_repeated(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    repeated: &[EarlierDossier],
    chunk: &[NewResponse<'_>],
    changes: &mut Changes,
) -> Result<(), StoreError> {
    let Some(policy) = chunk.first().map(|n| n.count_flagged) else {
        return Ok(());
    };
    for earlier in repeated {
        let mut flags = Flags::parse_stored(earlier.flags.as_deref())
            .map_err(|e| StoreError::Inconsistent(format!("response {}: {e}", earlier.id)))?;
        if flags.contains(Flag::DossierRepeat) {
            continue;
        }
        let before = Standing::of(earlier.excluded != 0, earlier.held != 0, !flags.is_empty());
        flags.add(Flag::DossierRepeat);
        let held = earlier.held != 0 || (earlier.excluded == 0 && policy.holds(&flags));
        sqlx::query("update responses set flags = $1, held = $2 where id = $3")
            .bind(flags.stored())
            .bind(i64::from(held))
            .bind(earlier.id)
            .execute(&mut **tx)
            .await?;
        let answers: Vec<(String, Option<i64>)> =
            sqlx::query_as("select question_id, value_int from answers where response_id = $1")
                .bind(earlier.id)
                .fetch_all(&mut **tx)
                .await?;
        let day = crate::clock::day_of(earlier.created_at);
        changes.restate(
            Place {
                desk_id: earlier.desk_id,
                day: &day,
                survey_id: &earlier.survey_id,
            },
            answers,
            Some(before),
            Standing::of(earlier.excluded != 0, held, true),
        );
    }
    Ok(())
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

impl Store {
    /// Generates `total` synthetic responses inside the database (about 80% satisfied, spread
    /// over the current desks and the last `days` days, five rated answers each and a comment
    /// in one of twenty), then rebuilds the per-day counts. For load and benchmark data only:
    /// millions of rows in minutes, where the realistic simulation of `hailong demo` takes hours.
    /// Rows are marked channel `demo`. Returns how many responses exist afterwards.
    pub async fn generate_responses(&self, total: u64, days: u32) -> Result<i64, StoreError> {
        let run = crate::clock::now_ms();
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
        let day = self.local_day_sql("r.created_at");
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
        // Millions of rows at once leave the planner's statistics behind until autovacuum
        // catches up: on PostgreSQL at 1M the province overview took 340 ms (p50) before an
        // `analyze` and 134 ms after (BENCHMARKS.md). Both databases take the plain statement.
        sqlx::query("analyze").execute(&self.pool).await?;
        self.count_responses().await
    }
}
