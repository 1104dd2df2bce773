//! One-stop desks and their public QR codes.

use rand::Rng;
use survey_definitions::DEFAULT_SURVEY_ID;

pub use super::desk_cache::DeskRow;
use super::{Store, StoreError};

/// The name of a desk made without its commune's name at hand (a unit import's new commune
/// gets its own centre's name through `units::plan::service_centre_name`).
pub const DEFAULT_DESK_NAME_VI: &str = "Trung tâm Phục vụ hành chính công";
pub const DEFAULT_DESK_NAME_EN: &str = "Public Administration Service Centre";

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

/// How long a desk lookup waits for the database before a cached copy, if any, is used: a
/// citizen who scanned a code is told within seconds when the database is away.
const DESK_LOOKUP_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

const DESK_SELECT: &str =
    "select d.id, d.public_code, d.name, d.name_en, d.survey_id, d.valid_to, \
       c.code as commune_code, c.name as commune_name, \
       coalesce(di.code, '') as district_code, coalesce(di.name, '') as district_name, \
       coalesce(rd.code, '') as review_district_code, coalesce(p.name, '') as province_name, \
       r.public_code as replacement_code, r.name as replacement_name, \
       r.name_en as replacement_name_en, rc.name as replacement_commune, \
       coalesce(c.answers_to, c.id) as answers_to \
     from desks d \
     join admin_units c on c.id = d.commune_id \
     left join admin_units di on di.id = c.parent_id and di.level = 'district' \
     left join admin_units p on p.id = coalesce(di.parent_id, c.parent_id) \
     left join admin_units rd on rd.id = c.review_district_id \
     left join desks r on r.id = d.replaced_by \
     left join admin_units rc on rc.id = r.commune_id";

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
        let looked_up = tokio::time::timeout(
            DESK_LOOKUP_WAIT,
            sqlx::query_as::<_, DeskRow>(&sql)
                .bind(public_code)
                .fetch_optional(&self.pool),
        )
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut));
        let row = match looked_up {
            Ok(row) => row,
            // A desk changes a few times a year; while the database is away, the copy this
            // process read last is right, and lets a citizen be told so at the right desk.
            Err(e) => {
                let e = StoreError::from(e);
                return match self.desks.get_stale(public_code) {
                    Some(row) if e.is_unavailable() => Ok(Some(row)),
                    _ => Err(e),
                };
            }
        };
        if let Some(row) = &row {
            self.desks.put(row);
        }
        Ok(row)
    }

    /// The desk as this process last read it, without asking the database: for pages drawn
    /// while it cannot answer.
    pub fn cached_desk(&self, public_code: &str) -> Option<DeskRow> {
        self.desks.get_stale(public_code)
    }

    /// Every desk whose answers count for a commune: its own, retired ones too, and those of the
    /// predecessors that pass their answers to it. The commune pages read each desk's newest rows
    /// from per-desk indexes and merge them.
    pub async fn desk_ids_of_commune(&self, commune_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "select d.id from desks d join admin_units c on c.id = d.commune_id \
             where c.answers_to = $1",
        )
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

    /// Desks in force today, of the communes one pre-reform district reviews (official code) or
    /// of every commune.
    pub async fn list_current_desks(
        &self,
        district_code: Option<&str>,
    ) -> Result<Vec<DeskRow>, StoreError> {
        let sql = format!(
            "{DESK_SELECT} where (d.valid_to is null or d.valid_to > $1) \
             and ($2 = '' or rd.code = $2) \
             order by coalesce(di.code, ''), c.name, d.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(crate::clock::today())
            .bind(district_code.unwrap_or(""))
            .fetch_all(&self.pool)
            .await?)
    }

    /// Gives every commune in force that has no desk yet its service centre's desk, named as
    /// Decree 118/2025/NĐ-CP names it, in one transaction. Returns how many desks were created.
    pub async fn ensure_default_desks(&self) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        let today = crate::clock::today();
        let communes: Vec<(i64, String)> = sqlx::query_as(
            "select c.id, c.name from admin_units c where c.level = 'commune' \
             and c.valid_from <= $1 and (c.valid_to is null or c.valid_to > $1) \
             and not exists (select 1 from desks d where d.commune_id = c.id) order by c.id",
        )
        .bind(&today)
        .fetch_all(&mut *tx)
        .await?;
        for (commune_id, name) in &communes {
            let (vi, en) = crate::units::plan::service_centre_name(name);
            insert_desk(&mut tx, *commune_id, &vi, &en).await?;
        }
        tx.commit().await?;
        Ok(communes.len())
    }

    /// Desks still open at a commune version that ended: after a rename (same code, one
    /// successor) the desk and its poster go on at the renamed unit, with the new centre's name
    /// if it had the old one; otherwise the desk closes on the day its commune ended and points
    /// to the desk of the unit its answers now count for. Returns the desks moved and closed.
    pub async fn settle_desks_of_ended_units(&self) -> Result<(usize, usize), StoreError> {
        let mut tx = self.pool.begin().await?;
        let today = crate::clock::today();
        let open: Vec<(i64, String, i64, String, String, String)> = sqlx::query_as(
            "select d.id, d.name, c.id, c.code, c.name, c.valid_to from desks d \
             join admin_units c on c.id = d.commune_id \
             where d.valid_to is null and c.valid_to is not null and c.valid_to <= $1 \
             order by d.id",
        )
        .bind(&today)
        .fetch_all(&mut *tx)
        .await?;
        let (mut moved, mut closed) = (0, 0);
        for (desk_id, desk_name, commune_id, code, commune_name, ended) in open {
            let renamed: Option<(i64, String)> = sqlx::query_as(
                "select s.id, s.name from unit_history h join admin_units s on s.id = h.successor_id \
                 where h.predecessor_id = $1 and h.kind = 'rename' and s.code = $2",
            )
            .bind(commune_id)
            .bind(&code)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((successor, new_name)) = renamed {
                let (old_vi, _) = crate::units::plan::service_centre_name(&commune_name);
                let (vi, en) = crate::units::plan::service_centre_name(&new_name);
                let rename = desk_name == old_vi;
                sqlx::query(
                    "update desks set commune_id = $1, \
                     name = case when $2 = 1 then $3 else name end, \
                     name_en = case when $2 = 1 then $4 else name_en end where id = $5",
                )
                .bind(successor)
                .bind(i64::from(rename))
                .bind(&vi)
                .bind(&en)
                .bind(desk_id)
                .execute(&mut *tx)
                .await?;
                moved += 1;
                continue;
            }
            let heir: Option<(i64,)> = sqlx::query_as(
                "select n.id from admin_units c join desks n on n.commune_id = c.answers_to \
                 where c.id = $1 and c.answers_to <> c.id and n.valid_to is null \
                 order by n.id limit 1",
            )
            .bind(commune_id)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query("update desks set valid_to = $1, replaced_by = $2 where id = $3")
                .bind(&ended)
                .bind(heir.map(|(id,)| id))
                .bind(desk_id)
                .execute(&mut *tx)
                .await?;
            closed += 1;
        }
        tx.commit().await?;
        if moved + closed > 0 {
            self.forget_desks();
        }
        Ok((moved, closed))
    }

    /// Desks that closed on or before `until` (the desks of communes that ended then), for the
    /// demo's history.
    pub async fn list_desks_closed_by(&self, until: &str) -> Result<Vec<DeskRow>, StoreError> {
        let sql = format!(
            "{DESK_SELECT} where d.valid_to is not null and d.valid_to <= $1 \
             order by c.code, d.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(until)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Gives every commune that ended on or before `until` and never had a desk the desk it
    /// would have had from `from`: "Bộ phận tiếp nhận và trả kết quả", as the one-stop desk was
    /// called before Decree 118/2025. The desk closes with its commune and points to the desk of
    /// the unit its answers count for. Used by the demo to show history before a reform.
    pub async fn ensure_history_desks(&self, from: &str, until: &str) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        let communes: Vec<(i64, String)> = sqlx::query_as(
            "select c.id, c.valid_to from admin_units c where c.level = 'commune' \
             and c.valid_to is not null and c.valid_to > $1 and c.valid_to <= $2 \
             and not exists (select 1 from desks d where d.commune_id = c.id) order by c.id",
        )
        .bind(from)
        .bind(until)
        .fetch_all(&mut *tx)
        .await?;
        for (commune_id, ended) in &communes {
            let heir: Option<(i64,)> = sqlx::query_as(
                "select n.id from admin_units c join desks n on n.commune_id = c.answers_to \
                 where c.id = $1 and c.answers_to <> c.id order by n.id limit 1",
            )
            .bind(commune_id)
            .fetch_optional(&mut *tx)
            .await?;
            let code = new_public_code();
            sqlx::query(
                "insert into desks (public_code, commune_id, name, name_en, survey_id, valid_from, \
                 valid_to, replaced_by, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&code)
            .bind(commune_id)
            .bind("Bộ phận tiếp nhận và trả kết quả")
            .bind("One-stop desk")
            .bind(DEFAULT_SURVEY_ID)
            .bind(from)
            .bind(ended)
            .bind(heir.map(|(id,)| id))
            .bind(crate::clock::now_ms())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.forget_desks();
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

    /// Gives desk `desk_id` new Vietnamese and English names, audited with the old and new
    /// Vietnamese name; every survey page, poster, kiosk and report shows them from now on.
    pub async fn rename_desk(
        &self,
        desk_id: i64,
        name_vi: &str,
        name_en: &str,
        user_id: Option<i64>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let (public_code, old_name): (String, String) =
            sqlx::query_as("select public_code, name from desks where id = $1")
                .bind(desk_id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("update desks set name = $1, name_en = $2 where id = $3")
            .bind(name_vi)
            .bind(name_en)
            .bind(desk_id)
            .execute(&mut *tx)
            .await?;
        super::audit_in_tx(
            &mut tx,
            user_id,
            actor,
            "desk_renamed",
            &format!("desk {public_code}"),
            &format!("{old_name} → {name_vi}"),
            crate::clock::now_ms(),
        )
        .await?;
        tx.commit().await?;
        self.forget_desks();
        Ok(())
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
