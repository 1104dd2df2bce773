//! Tablets enrolled to a desk (kiosk mode): enrolment codes, the tablets' tokens, the province's
//! approval, revocation, which kiosk each kiosk rating came from, and a province admin's decision
//! on all of a kiosk's ratings at once. Codes and tokens arrive here already hashed.

use super::aggregates::{Changes, Place, Standing};
use super::{value_rows, Backend, Store, StoreError};

/// A kiosk with its desk and commune, as the staff page lists it and authorization needs it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KioskRow {
    pub id: i64,
    pub label: String,
    pub desk_id: i64,
    pub desk_code: String,
    pub desk_name: String,
    pub commune_id: i64,
    pub commune_name: String,
    pub district_id: Option<i64>,
    pub enrol_expires_at: Option<i64>,
    pub enrolled_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub created_at: i64,
    /// Who created its enrolment code: name and user name.
    pub enrolled_by: String,
    pub approved_at: Option<i64>,
    pub approved_by: String,
    /// Kiosk ratings stored from this tablet.
    pub ratings: i64,
    /// Of those, waiting for a reviewer before they count.
    pub held: i64,
    /// Of those, left out of the figures by a reviewer or by the province admin.
    pub excluded: i64,
}

/// The kiosk a tablet's token belongs to, revoked or not.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenKiosk {
    pub id: i64,
    pub label: String,
    pub desk_code: String,
    pub enrolled_at: Option<i64>,
    pub approved_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A desk staff may enrol a kiosk for.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KioskDeskRow {
    pub id: i64,
    pub public_code: String,
    pub name: String,
    pub commune_id: i64,
    pub commune_name: String,
    pub district_id: Option<i64>,
}

/// A kiosk to create: its desk and name, the hash of its enrolment code, who creates it, and the
/// rules it is created under.
#[derive(Clone, Debug)]
pub struct NewKiosk<'a> {
    pub desk_id: i64,
    pub label: &'a str,
    pub code_hash: &'a str,
    /// When the enrolment code stops working (ms).
    pub expires_at: i64,
    pub user_id: i64,
    pub now: i64,
    /// Kiosks the desk may have in use or waiting for their code; `None` for no limit.
    pub limit: Option<u32>,
    /// Approved by its creator (a province admin) as it is created.
    pub approved: bool,
}

/// An entry of the audit log written in the same transaction as the change it records.
#[derive(Clone, Copy, Debug)]
pub struct AuditBy<'a> {
    pub user_id: i64,
    pub actor: &'a str,
    pub target: &'a str,
}

/// A response whose standing a decision on a whole kiosk changed.
#[derive(sqlx::FromRow)]
struct Restated {
    id: i64,
    desk_id: i64,
    created_at: i64,
    survey_id: String,
    flagged: i64,
    /// Waiting for a reviewer: before it was left out, or once counted again.
    held: i64,
}

const KIOSK_SELECT: &str =
    "select k.id, k.label, k.desk_id, d.public_code as desk_code, d.name as desk_name, \
       c.id as commune_id, c.name as commune_name, c.review_district_id as district_id, \
       k.enrol_expires_at, k.enrolled_at, k.revoked_at, k.last_seen_at, k.created_at, \
       coalesce(u.display_name || ' (' || u.username || ')', '') as enrolled_by, \
       k.approved_at, coalesce(a.display_name || ' (' || a.username || ')', '') as approved_by, \
       (select count(*) from responses r where r.kiosk_id = k.id) as ratings, \
       (select count(*) from responses r where r.kiosk_id = k.id and r.held = 1) as held, \
       (select count(*) from responses r where r.kiosk_id = k.id and r.excluded = 1) as excluded \
     from kiosks k \
     join desks d on d.id = k.desk_id \
     join admin_units c on c.id = d.commune_id \
     left join users u on u.id = k.enrolled_by \
     left join users a on a.id = k.approved_by";

const DESK_SELECT: &str =
    "select d.id, d.public_code, d.name, c.id as commune_id, c.name as commune_name, \
       c.review_district_id as district_id \
     from desks d join admin_units c on c.id = d.commune_id";

impl Store {
    /// Kiosks of one commune (`Some(id)`) or of the whole province, newest first.
    pub async fn list_kiosks(&self, commune_id: Option<i64>) -> Result<Vec<KioskRow>, StoreError> {
        // 0 stands for "every commune": PostgreSQL cannot type a bare NULL parameter in `$1 is null`.
        let sql = format!("{KIOSK_SELECT} where ($1 = 0 or c.id = $1) order by k.id desc");
        Ok(sqlx::query_as(&sql)
            .bind(commune_id.unwrap_or(0))
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn kiosk_by_id(&self, id: i64) -> Result<Option<KioskRow>, StoreError> {
        let sql = format!("{KIOSK_SELECT} where k.id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Desks in force today of one commune (`Some(id)`) or of the province, for the enrolment form.
    pub async fn kiosk_desks(
        &self,
        commune_id: Option<i64>,
    ) -> Result<Vec<KioskDeskRow>, StoreError> {
        let sql = format!(
            "{DESK_SELECT} where (d.valid_to is null or d.valid_to > $1) \
             and ($2 = 0 or c.id = $2) order by c.name, d.id"
        );
        Ok(sqlx::query_as(&sql)
            .bind(crate::clock::today())
            .bind(commune_id.unwrap_or(0))
            .fetch_all(&self.pool)
            .await?)
    }

    /// The desk in force today with this public code.
    pub async fn kiosk_desk(&self, public_code: &str) -> Result<Option<KioskDeskRow>, StoreError> {
        let sql = format!(
            "{DESK_SELECT} where d.public_code = $1 and (d.valid_to is null or d.valid_to > $2)"
        );
        Ok(sqlx::query_as(&sql)
            .bind(public_code)
            .bind(crate::clock::today())
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A kiosk waiting for its tablet: the hash of its one-time code and when the code expires.
    /// `None` when its desk already has `limit` kiosks in use or waiting for their code (the
    /// count and the insert are one decision, so two staff members creating codes at the same
    /// moment cannot pass the limit together). `approved` records the creator as its approver.
    pub async fn create_kiosk(&self, new: &NewKiosk<'_>) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // Concurrent creations for one desk queue here; SQLite's single writer does the same.
            sqlx::query("select id from desks where id = $1 for update")
                .bind(new.desk_id)
                .fetch_optional(&mut *tx)
                .await?;
        }
        let id: Option<(i64,)> = sqlx::query_as(
            "insert into kiosks (desk_id, label, enrol_code_hash, enrol_expires_at, enrolled_by, \
               created_at, approved_at, approved_by) \
             select $1, $2, $3, $4, $5, $6, \
               case when $7 = 1 then $6 else null end, case when $7 = 1 then $5 else null end \
             where (select count(*) from kiosks where desk_id = $1 and revoked_at is null \
                    and (token_hash is not null or enrol_expires_at > $6)) < $8 \
             returning id",
        )
        .bind(new.desk_id)
        .bind(new.label)
        .bind(new.code_hash)
        .bind(new.expires_at)
        .bind(new.user_id)
        .bind(new.now)
        .bind(i64::from(new.approved))
        .bind(new.limit.map_or(i64::MAX, i64::from))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id.map(|(id,)| id))
    }

    /// Uses an enrolment code: the kiosk waiting for it (unexpired, not revoked) gets the
    /// tablet's token. One statement, so two tablets typing the same code cannot both succeed.
    pub async fn enrol_kiosk(
        &self,
        code_hash: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<TokenKiosk>, StoreError> {
        let enrolled: Option<(i64,)> = sqlx::query_as(
            "update kiosks set token_hash = $1, enrolled_at = $2, last_seen_at = $2, \
               enrol_code_hash = null, enrol_expires_at = null \
             where enrol_code_hash = $3 and enrol_expires_at > $2 and revoked_at is null \
               and token_hash is null \
             returning id",
        )
        .bind(token_hash)
        .bind(now)
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await?;
        match enrolled {
            Some(_) => self.kiosk_by_token(token_hash).await,
            None => Ok(None),
        }
    }

    pub async fn kiosk_by_token(&self, token_hash: &str) -> Result<Option<TokenKiosk>, StoreError> {
        Ok(sqlx::query_as(
            "select k.id, k.label, d.public_code as desk_code, k.enrolled_at, k.approved_at, \
               k.revoked_at \
             from kiosks k join desks d on d.id = k.desk_id where k.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Revokes a kiosk (its tablet and any unused code); false when it already was.
    pub async fn revoke_kiosk(&self, id: i64, user_id: i64, now: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "update kiosks set revoked_at = $1, revoked_by = $2, enrol_code_hash = null \
             where id = $3 and revoked_at is null",
        )
        .bind(now)
        .bind(user_id)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Notes when a kiosk last delivered a rating (the rating carries its kiosk itself).
    pub async fn mark_kiosk_seen(&self, kiosk_id: i64, now: i64) -> Result<(), StoreError> {
        sqlx::query("update kiosks set last_seen_at = $1 where id = $2")
            .bind(now)
            .bind(kiosk_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A province admin approves a kiosk commune staff enrolled, audited in the same transaction;
    /// false when it is revoked or approved already.
    pub async fn approve_kiosk(
        &self,
        id: i64,
        by: AuditBy<'_>,
        detail: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let approved = sqlx::query(
            "update kiosks set approved_at = $1, approved_by = $2 \
             where id = $3 and approved_at is null and revoked_at is null",
        )
        .bind(now)
        .bind(by.user_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if approved {
            audit_in(&mut tx, by, "kiosk_approved", detail, now).await?;
        }
        tx.commit().await?;
        Ok(approved)
    }

    /// Dates a kiosk's enrolment (and creation) back to `at`: for the demo's tablets, which
    /// have stood on their desks since the reform.
    pub async fn set_kiosk_enrolled_at(&self, kiosk_id: i64, at: i64) -> Result<(), StoreError> {
        sqlx::query("update kiosks set created_at = $2, enrolled_at = $2 where id = $1")
            .bind(kiosk_id)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// When the latest rating this kiosk delivered counts (ms), if it delivered any.
    pub async fn kiosk_latest_rating(&self, kiosk_id: i64) -> Result<Option<i64>, StoreError> {
        let (latest,): (Option<i64>,) =
            sqlx::query_as("select max(created_at) from responses where kiosk_id = $1")
                .bind(kiosk_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(latest)
    }

    /// Kiosk ratings at a desk (from any of its kiosks) counted strictly between two times (ms).
    pub async fn kiosk_ratings_between(
        &self,
        desk_id: i64,
        after: i64,
        before: i64,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from responses where desk_id = $1 and kiosk_id is not null \
             and created_at > $2 and created_at < $3",
        )
        .bind(desk_id)
        .bind(after)
        .bind(before)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// A province admin's decision on every rating of one kiosk counted from `from_ms` (included)
    /// to `to_ms` (excluded): `excluded` leaves those in the figures or waiting for a reviewer
    /// out of every figure; otherwise the ratings this decision left out come back to where they
    /// stood (counted, or waiting for a reviewer), while those a reviewer excluded one by one stay
    /// out. One transaction with the per-day counts and the audit entry (with the number of
    /// ratings). Returns how many ratings changed.
    pub async fn set_kiosk_ratings_excluded(
        &self,
        kiosk_id: i64,
        excluded: bool,
        (from_ms, to_ms): (i64, i64),
        by: AuditBy<'_>,
        detail: &str,
        now: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        // The write comes first so SQLite takes its write lock before anything is read.
        let sql = if excluded {
            "update responses set \
               kiosk_exclusion = case when held = 1 then 'held' else 'counted' end, \
               excluded = 1, held = 0 \
             where kiosk_id = $1 and excluded = 0 and created_at >= $2 and created_at < $3 \
             returning id, desk_id, created_at, survey_id, \
               cast(case when flags is null then 0 else 1 end as bigint) as flagged, \
               cast(case when kiosk_exclusion = 'held' then 1 else 0 end as bigint) as held"
        } else {
            "update responses set \
               held = case when kiosk_exclusion = 'held' then 1 else 0 end, \
               excluded = 0, kiosk_exclusion = null \
             where kiosk_id = $1 and excluded = 1 and kiosk_exclusion is not null \
               and created_at >= $2 and created_at < $3 \
             returning id, desk_id, created_at, survey_id, \
               cast(case when flags is null then 0 else 1 end as bigint) as flagged, held"
        };
        let restated: Vec<Restated> = sqlx::query_as(sql)
            .bind(kiosk_id)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(&mut *tx)
            .await?;
        let mut answers: std::collections::HashMap<i64, Vec<(String, Option<i64>)>> =
            std::collections::HashMap::new();
        for part in restated.chunks(1000) {
            let sql = format!(
                "select response_id, question_id, value_int from answers where response_id in {}",
                value_rows(self.backend, 1, part.len())
            );
            let mut query = sqlx::query_as::<_, (i64, String, Option<i64>)>(&sql);
            for r in part {
                query = query.bind(r.id);
            }
            for (response, question, value) in query.fetch_all(&mut *tx).await? {
                answers.entry(response).or_default().push((question, value));
            }
        }
        let mut changes = Changes::default();
        for r in &restated {
            let (flagged, held) = (r.flagged != 0, r.held != 0);
            let (before, after) = if excluded {
                (
                    Standing::of(false, held, flagged),
                    Standing::of(true, false, flagged),
                )
            } else {
                (
                    Standing::of(true, false, flagged),
                    Standing::of(false, held, flagged),
                )
            };
            let day = crate::clock::day_of(r.created_at);
            changes.restate(
                Place {
                    desk_id: r.desk_id,
                    day: &day,
                    survey_id: &r.survey_id,
                },
                answers.remove(&r.id).unwrap_or_default(),
                Some(before),
                after,
            );
        }
        changes.apply(&mut tx, self.backend).await?;
        let n = restated.len() as u64;
        let action = if excluded {
            "kiosk_ratings_excluded"
        } else {
            "kiosk_ratings_included"
        };
        audit_in(&mut tx, by, action, &format!("ratings={n} {detail}"), now).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The channel a stored response arrived by and the kiosk it came from, if any.
    pub async fn response_channel(
        &self,
        key: &str,
    ) -> Result<Option<(String, Option<i64>)>, StoreError> {
        Ok(
            sqlx::query_as("select channel, kiosk_id from responses where idempotency_key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

/// Appends to the audit log inside the caller's transaction (see `Store::audit`).
async fn audit_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    by: AuditBy<'_>,
    action: &str,
    detail: &str,
    now: i64,
) -> Result<(), StoreError> {
    super::audit_in_tx(
        tx,
        Some(by.user_id),
        by.actor,
        action,
        by.target,
        detail,
        now,
    )
    .await
}
