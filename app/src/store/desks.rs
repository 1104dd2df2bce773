//! One-stop desks and their public QR codes.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use rand::Rng;
use survey_definitions::DEFAULT_SURVEY_ID;

use super::{Store, StoreError};

/// The name every commune's first desk gets.
pub const DEFAULT_DESK_NAME_VI: &str = "Bộ phận tiếp nhận và trả kết quả";
pub const DEFAULT_DESK_NAME_EN: &str = "One-stop desk";

/// Characters of public codes: lowercase letters and digits without look-alikes (0/o, 1/l/i),
/// so a code read aloud or typed from a poster is not mistaken.
const CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// 12 characters of a 31-letter alphabet: about 59 bits, unguessable by enumeration.
const CODE_LEN: usize = 12;

/// A new random public code for a desk.
pub fn new_public_code() -> String {
    let mut rng = rand::thread_rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// Whether `code` has the shape of a public code (checked before touching the database).
pub fn is_public_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// A desk row joined with its commune, district and province.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeskRow {
    pub id: i64,
    pub public_code: String,
    pub name: String,
    pub name_en: String,
    pub survey_id: String,
    pub valid_to: Option<String>,
    pub commune_code: String,
    pub commune_name: String,
    pub district_code: String,
    pub district_name: String,
    pub province_name: String,
    pub replacement_code: Option<String>,
    pub replacement_name: Option<String>,
    pub replacement_name_en: Option<String>,
    pub replacement_commune: Option<String>,
}

impl DeskRow {
    /// Whether the desk has stopped taking ratings as of today.
    pub fn is_retired(&self) -> bool {
        self.valid_to
            .as_deref()
            .is_some_and(|to| to <= crate::clock::today().as_str())
    }
}

const DESK_SELECT: &str =
    "select d.id, d.public_code, d.name, d.name_en, d.survey_id, d.valid_to, \
       c.code as commune_code, c.name as commune_name, \
       coalesce(di.code, '') as district_code, coalesce(di.name, '') as district_name, \
       coalesce(p.name, di.name, '') as province_name, \
       r.public_code as replacement_code, r.name as replacement_name, \
       r.name_en as replacement_name_en, rc.name as replacement_commune \
     from desks d \
     join admin_units c on c.id = d.commune_id \
     left join admin_units di on di.id = c.parent_id \
     left join admin_units p on p.id = di.parent_id \
     left join desks r on r.id = d.replaced_by \
     left join admin_units rc on rc.id = r.commune_id";

/// How long a looked-up desk is reused. Every survey page and submission looks up its desk, and
/// desks change a few times a year (a merger, a rename); this process forgets them at once when
/// it makes such a change (`Store::forget_desks`), another instance's change shows within this.
const DESK_CACHE_FOR: Duration = Duration::from_secs(10);
/// Beyond this many desks the cache starts again; a province has a few hundred.
const DESK_CACHE_MAX: usize = 10_000;

/// Desks recently looked up by public code. Only desks that exist are kept, so codes made up by
/// a scanner cannot fill it.
#[derive(Debug, Default)]
pub struct DeskCache {
    entries: RwLock<HashMap<String, (Instant, DeskRow)>>,
}

impl DeskCache {
    fn get(&self, code: &str) -> Option<DeskRow> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(code)
            .filter(|(at, _)| at.elapsed() < DESK_CACHE_FOR)
            .map(|(_, row)| row.clone())
    }

    fn put(&self, row: &DeskRow) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= DESK_CACHE_MAX {
            entries.clear();
        }
        entries.insert(row.public_code.clone(), (Instant::now(), row.clone()));
    }

    fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

impl Store {
    /// The desk with this public code, retired or not (see `DeskCache` for how fresh).
    pub async fn find_desk(&self, public_code: &str) -> Result<Option<DeskRow>, StoreError> {
        if !is_public_code(public_code) {
            return Ok(None);
        }
        if let Some(row) = self.desks.get(public_code) {
            return Ok(Some(row));
        }
        let sql = format!("{DESK_SELECT} where d.public_code = $1");
        let row: Option<DeskRow> = sqlx::query_as(&sql)
            .bind(public_code)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = &row {
            self.desks.put(row);
        }
        Ok(row)
    }

    /// Every desk of a commune, retired ones too (their responses stay the commune's): the
    /// commune pages read each desk's newest rows from per-desk indexes and merge them.
    pub async fn desk_ids_of_commune(&self, commune_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = sqlx::query_as("select id from desks where commune_id = $1")
            .bind(commune_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Drops the looked-up desks, after a change to desks or units, or one made behind the
    /// store's back (a script, another instance) that must show at once.
    pub fn forget_desks(&self) {
        self.desks.clear();
    }

    /// Desks in force today, of one district (official code) or of every district.
    pub async fn list_current_desks(
        &self,
        district_code: Option<&str>,
    ) -> Result<Vec<DeskRow>, StoreError> {
        let sql = format!(
            "{DESK_SELECT} where (d.valid_to is null or d.valid_to > $1) \
             and ($2 = '' or di.code = $2) \
             order by di.code, c.name, d.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(crate::clock::today())
            .bind(district_code.unwrap_or(""))
            .fetch_all(&self.pool)
            .await?)
    }

    /// Gives every commune in force that has no desk yet its default desk, in one transaction.
    /// Returns how many desks were created.
    pub async fn ensure_default_desks(&self) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        let communes: Vec<(i64,)> = sqlx::query_as(
            "select c.id from admin_units c where c.level = 'commune' \
             and (c.valid_to is null or c.valid_to > $1) \
             and not exists (select 1 from desks d where d.commune_id = c.id) order by c.id",
        )
        .bind(crate::clock::today())
        .fetch_all(&mut *tx)
        .await?;
        for (commune_id,) in &communes {
            insert_desk(
                &mut tx,
                *commune_id,
                DEFAULT_DESK_NAME_VI,
                DEFAULT_DESK_NAME_EN,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(communes.len())
    }

    /// Adds a desk to the commune with this official code; returns its public code.
    pub async fn add_desk(
        &self,
        commune_code: &str,
        name_vi: &str,
        name_en: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let commune: Option<(i64,)> = sqlx::query_as(
            "select id from admin_units where code = $1 and level = 'commune' \
             and (valid_to is null or valid_to > $2) order by valid_from desc limit 1",
        )
        .bind(commune_code)
        .bind(crate::clock::today())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((commune_id,)) = commune else {
            return Ok(None);
        };
        let code = insert_desk(&mut tx, commune_id, name_vi, name_en).await?;
        tx.commit().await?;
        Ok(Some(code))
    }
}

async fn insert_desk(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    commune_id: i64,
    name_vi: &str,
    name_en: &str,
) -> Result<String, StoreError> {
    let code = new_public_code();
    sqlx::query(
        "insert into desks (public_code, commune_id, name, name_en, survey_id, valid_from, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&code)
    .bind(commune_id)
    .bind(name_vi)
    .bind(name_en)
    .bind(DEFAULT_SURVEY_ID)
    .bind(crate::clock::today())
    .bind(crate::clock::now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_codes_have_the_public_shape_and_differ() {
        let a = new_public_code();
        let b = new_public_code();
        assert!(is_public_code(&a), "{a}");
        assert_ne!(a, b);
        assert!(!is_public_code("abc"));
        assert!(!is_public_code("ABCDEFGHJKMN"));
        assert!(!is_public_code("abcdefghjk0o"));
    }
}
