//! The rules decided inside a batch's transaction: a retried key is the earlier response, a
//! device that rated the desk within the window is refused, a dossier rated twice is flagged.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::{in_list, sqlite_positional, Decision, EarlierDossier, Entry, Inserted, NewResponse};
use crate::domain::flags::{Flag, Flags};
use crate::store::aggregates::{Changes, Place, Standing};
use crate::store::{value_rows, Backend, StoreError};

/// The ids of the stored responses with these idempotency keys.
pub(super) async fn keys_stored<'k>(
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
pub(super) async fn lock_rule_keys(
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
pub(super) fn lock_key(parts: &[&str]) -> i64 {
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
pub(super) async fn refuse_devices_that_rated(
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
pub(super) async fn flag_repeated_dossiers(
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
pub(super) async fn restate_repeated(
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
