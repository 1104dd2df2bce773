//! Tablets enrolled to a desk (kiosk mode): enrolment codes, the tablets' tokens, revocation, and
//! which kiosk each kiosk rating came from. Codes and tokens arrive here already hashed.

use super::{today_vn, Store, StoreError};

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
    pub enrolled_by: String,
    /// Kiosk ratings stored from this tablet.
    pub ratings: i64,
}

/// The kiosk a tablet's token belongs to, revoked or not.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenKiosk {
    pub id: i64,
    pub label: String,
    pub desk_code: String,
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

const KIOSK_SELECT: &str =
    "select k.id, k.label, k.desk_id, d.public_code as desk_code, d.name as desk_name, \
       c.id as commune_id, c.name as commune_name, c.parent_id as district_id, \
       k.enrol_expires_at, k.enrolled_at, k.revoked_at, k.last_seen_at, k.created_at, \
       coalesce(u.display_name, '') as enrolled_by, \
       (select count(*) from responses r where r.kiosk_id = k.id) as ratings \
     from kiosks k \
     join desks d on d.id = k.desk_id \
     join admin_units c on c.id = d.commune_id \
     left join users u on u.id = k.enrolled_by";

const DESK_SELECT: &str =
    "select d.id, d.public_code, d.name, c.id as commune_id, c.name as commune_name, \
       c.parent_id as district_id \
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
            .bind(today_vn())
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
            .bind(today_vn())
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A kiosk waiting for its tablet: the hash of its one-time code and when the code expires.
    pub async fn create_kiosk(
        &self,
        desk_id: i64,
        label: &str,
        code_hash: &str,
        expires_at: i64,
        user_id: i64,
        now: i64,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = sqlx::query_as(
            "insert into kiosks (desk_id, label, enrol_code_hash, enrol_expires_at, enrolled_by, created_at) \
             values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(desk_id)
        .bind(label)
        .bind(code_hash)
        .bind(expires_at)
        .bind(user_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
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
            "select k.id, k.label, d.public_code as desk_code, k.revoked_at \
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
