//! Queries behind the survey's anti-abuse rules (see `crate::abuse`).

use rand::RngCore;

use super::{now_ms, Store, StoreError};

impl Store {
    /// The salt of `day` (YYYY-MM-DD), created on first use. Salts older than yesterday are
    /// deleted at the same time: once gone, nobody can link a stored hash to an address.
    pub async fn daily_salt(&self, day: &str, yesterday: &str) -> Result<String, StoreError> {
        if let Some((salt,)) =
            sqlx::query_as::<_, (String,)>("select salt from daily_salts where day = $1")
                .bind(day)
                .fetch_optional(&self.pool)
                .await?
        {
            return Ok(salt);
        }
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let fresh = crate::abuse::hex(&bytes);
        let mut tx = self.pool.begin().await?;
        // Concurrent first requests of the day race here; the first insert wins, the others read it.
        sqlx::query("insert into daily_salts (day, salt, created_at) values ($1, $2, $3) on conflict do nothing")
            .bind(day)
            .bind(&fresh)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from daily_salts where day < $1")
            .bind(yesterday)
            .execute(&mut *tx)
            .await?;
        let (salt,): (String,) = sqlx::query_as("select salt from daily_salts where day = $1")
            .bind(day)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(salt)
    }

    /// The salt of `day` if it still exists (yesterday's, to match hashes across midnight).
    pub async fn existing_salt(&self, day: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_as::<_, (String,)>("select salt from daily_salts where day = $1")
                .bind(day)
                .fetch_optional(&self.pool)
                .await?
                .map(|(s,)| s),
        )
    }

    /// The response stored under an idempotency key, if any.
    pub async fn response_by_key(&self, key: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_as::<_, (i64,)>("select id from responses where idempotency_key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?
                .map(|(id,)| id),
        )
    }

    /// Whether one of these device hashes rated this desk since `since_ms`.
    pub async fn device_rated_desk_since(
        &self,
        desk_id: i64,
        device_hashes: &[String],
        since_ms: i64,
    ) -> Result<bool, StoreError> {
        for hash in device_hashes {
            let found: Option<(i64,)> = sqlx::query_as(
                "select id from responses where device_hash = $1 and desk_id = $2 and created_at >= $3 limit 1",
            )
            .bind(hash)
            .bind(desk_id)
            .bind(since_ms)
            .fetch_optional(&self.pool)
            .await?;
            if found.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Responses from this device (any desk) since `since_ms`.
    pub async fn count_by_device_since(
        &self,
        device_hash: &str,
        since_ms: i64,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from responses where device_hash = $1 and created_at >= $2",
        )
        .bind(device_hash)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Responses from this client address at this desk since `since_ms`, counted up to `cap`.
    pub async fn count_by_client_since(
        &self,
        desk_id: i64,
        client_hash: &str,
        since_ms: i64,
        cap: i64,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from (select 1 from responses where client_hash = $1 and desk_id = $2 \
             and created_at >= $3 limit $4) t",
        )
        .bind(client_hash)
        .bind(desk_id)
        .bind(since_ms)
        .bind(cap)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Responses at this desk with exactly these closed answers since `since_ms`, up to `cap`.
    pub async fn count_identical_since(
        &self,
        desk_id: i64,
        digest: &str,
        since_ms: i64,
        cap: i64,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from (select 1 from responses where desk_id = $1 and answer_digest = $2 \
             and created_at >= $3 limit $4) t",
        )
        .bind(desk_id)
        .bind(digest)
        .bind(since_ms)
        .bind(cap)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }
}
