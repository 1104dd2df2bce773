//! Queries behind the survey's anti-abuse rules (see `crate::abuse`).

use rand::RngCore;

use super::{Store, StoreError};

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
        let fresh = bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let mut tx = self.pool.begin().await?;
        // Concurrent first requests of the day race here; the first insert wins, the others read it.
        sqlx::query("insert into daily_salts (day, salt, created_at) values ($1, $2, $3) on conflict do nothing")
            .bind(day)
            .bind(&fresh)
            .bind(crate::clock::now_ms())
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

    /// What the anti-abuse rules need to know of a device's recent responses, in one round
    /// trip: whether it rated this desk within the window, and how many it sent anywhere within
    /// the flag window (stopping at the flag threshold: past it the exact number does not
    /// matter). `None` hashes match nothing. Counts per address and per answers at a desk are
    /// kept in memory (`crate::abuse::RecentAtDesk`).
    pub async fn recent_activity(&self, q: &RecentQuery<'_>) -> Result<RecentActivity, StoreError> {
        let (rated, device): (i64, i64) = sqlx::query_as(
            "select (select count(*) from (select 1 from responses where device_hash = $2 \
                  and desk_id = $1 and created_at >= $4 limit 1) a) \
               + (select count(*) from (select 1 from responses where device_hash = $3 \
                  and desk_id = $1 and created_at >= $4 limit 1) y), \
               (select count(*) from (select 1 from responses where device_hash = $2 \
                  and created_at >= $5 limit $6) b)",
        )
        .bind(q.desk_id)
        .bind(q.device_hash)
        .bind(q.previous_device_hash)
        .bind(q.window_since_ms)
        .bind(q.flag_since_ms)
        .bind(q.device_cap)
        .fetch_one(&self.pool)
        .await?;
        Ok(RecentActivity {
            device_rated_desk: rated > 0,
            from_device: device,
        })
    }
}

impl Store {
    /// When the device (its hash under today's or yesterday's salt) last rated `desk_id` since
    /// `since_ms`, if it did: what the survey page tells a citizen before they answer again.
    pub async fn last_rating_of_device(
        &self,
        desk_id: i64,
        device_hash: &str,
        previous_device_hash: Option<&str>,
        since_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let (last,): (Option<i64>,) = sqlx::query_as(
            "select max(created_at) from responses where desk_id = $1 \
             and (device_hash = $2 or device_hash = $3) and created_at >= $4",
        )
        .bind(desk_id)
        .bind(device_hash)
        .bind(previous_device_hash)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(last)
    }
}

/// The question `Store::recent_activity` answers.
#[derive(Debug)]
pub struct RecentQuery<'a> {
    pub desk_id: i64,
    pub device_hash: Option<&'a str>,
    /// The device's hash under yesterday's salt, so the window holds across midnight.
    pub previous_device_hash: Option<&'a str>,
    pub window_since_ms: i64,
    pub flag_since_ms: i64,
    pub device_cap: i64,
}

/// What `Store::recent_activity` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentActivity {
    pub device_rated_desk: bool,
    pub from_device: i64,
}
