//! Sign-in limits: the failure counts per (user name, address) pair and per address that slow
//! down password guessing (see `accounts::auth`).

use super::{Store, StoreError};

impl Store {
    /// Counts an attempt to sign in as `username` from `client_hash` before its password is
    /// checked. In one transaction it locks the row of the (name, address) pair and the row of
    /// the address (user name `''`, whose count restarts when its window began before
    /// `window_since`) and asks `decide` whether the password may be checked: `Some(next_at)`
    /// counts a failure on both rows now, to be taken back by [`Store::clear_sign_in`] or
    /// [`Store::refund_sign_in`], and keeps the pair waiting until `next_at`; `None` changes
    /// nothing (see [`Store::count_refused`]). Concurrent attempts on the same rows wait for
    /// the lock (a row lock on PostgreSQL, the write lock on SQLite, taken by the first
    /// statement), so each one decides on the counts of all those before it.
    pub async fn reserve_sign_in(
        &self,
        username: &str,
        client_hash: &str,
        now: i64,
        window_since: i64,
        decide: impl FnOnce(&LimitCounters, &LimitCounters) -> Option<i64>,
    ) -> Result<Reservation, StoreError> {
        let mut tx = self.pool.begin().await?;
        let pair: LimitCounters = sqlx::query_as(
            "insert into login_failures \
               (username, client_hash, failures, refused, next_at, window_start, last_at, created_at) \
             values ($1, $2, 0, 0, 0, $3, $3, $3) \
             on conflict (username, client_hash) do update set last_at = $3 \
             returning failures, next_at, window_start",
        )
        .bind(username)
        .bind(client_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let address: LimitCounters = sqlx::query_as(
            "insert into login_failures \
               (username, client_hash, failures, refused, next_at, window_start, last_at, created_at) \
             values ('', $1, 0, 0, 0, $2, $2, $2) \
             on conflict (username, client_hash) do update set \
               failures = case when login_failures.window_start <= $3 then 0 \
                          else login_failures.failures end, \
               window_start = case when login_failures.window_start <= $3 then $2 \
                              else login_failures.window_start end, \
               last_at = $2 \
             returning failures, next_at, window_start",
        )
        .bind(client_hash)
        .bind(now)
        .bind(window_since)
        .fetch_one(&mut *tx)
        .await?;
        let next_at = decide(&pair, &address);
        match next_at {
            Some(next_at) => {
                sqlx::query(
                    "update login_failures set failures = failures + 1, next_at = $3 \
                     where username = $1 and client_hash = $2",
                )
                .bind(username)
                .bind(client_hash)
                .bind(next_at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "update login_failures set failures = failures + 1 \
                     where username = '' and client_hash = $1",
                )
                .bind(client_hash)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            // Nothing is kept of an attempt that is not checked: made-up names leave no rows.
            None => tx.rollback().await?,
        }
        Ok(Reservation {
            pair,
            address,
            checked: next_at.is_some(),
        })
    }

    /// Counts an attempt refused without checking on the row of the pair (or of the address,
    /// when `username` is empty), if it exists.
    pub async fn count_refused(&self, username: &str, client_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "update login_failures set refused = refused + 1 \
             where username = $1 and client_hash = $2",
        )
        .bind(username)
        .bind(client_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// After a successful sign-in: forgets the pair's failures and takes the attempt back from
    /// the address's count.
    pub async fn clear_sign_in(&self, username: &str, client_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from login_failures where username = $1 and client_hash = $2")
            .bind(username)
            .bind(client_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "update login_failures set failures = failures - 1 \
             where username = '' and client_hash = $1 and failures > 0",
        )
        .bind(client_hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes back an attempt counted by [`Store::reserve_sign_in`] whose password was never
    /// checked (the server was too busy).
    pub async fn refund_sign_in(
        &self,
        username: &str,
        client_hash: &str,
    ) -> Result<(), StoreError> {
        // The pair's row first, then the address's, as `reserve_sign_in` locks them.
        let mut tx = self.pool.begin().await?;
        for name in [username, ""] {
            sqlx::query(
                "update login_failures set failures = failures - 1 \
                 where username = $1 and client_hash = $2 and failures > 0",
            )
            .bind(name)
            .bind(client_hash)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Rows that hold sign-ins back now: pairs with at least `pair_failures` failures, and
    /// addresses with at least `address_failures` in a window that began after `window_since`.
    pub async fn sign_in_limits(
        &self,
        pair_failures: i64,
        address_failures: i64,
        window_since: i64,
    ) -> Result<Vec<SignInLimitRow>, StoreError> {
        Ok(sqlx::query_as(
            "select username, client_hash, failures, refused, next_at, window_start, last_at \
             from login_failures \
             where (username <> '' and failures >= $1) \
                or (username = '' and failures >= $2 and window_start > $3) \
             order by last_at desc limit 500",
        )
        .bind(pair_failures)
        .bind(address_failures)
        .bind(window_since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Deletes one row of sign-in counts (a pair, or an address when `username` is empty);
    /// the row as it was, if there was one.
    pub async fn lift_sign_in_limit(
        &self,
        username: &str,
        client_hash: &str,
    ) -> Result<Option<SignInLimitRow>, StoreError> {
        Ok(sqlx::query_as(
            "delete from login_failures where username = $1 and client_hash = $2 \
             returning username, client_hash, failures, refused, next_at, window_start, last_at",
        )
        .bind(username)
        .bind(client_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Deletes sign-in counts created before `before_ms`; how many.
    pub async fn delete_sign_in_counts_before(&self, before_ms: i64) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("delete from login_failures where created_at < $1")
                .bind(before_ms)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}

/// The counters of a row of `login_failures`, as [`Store::reserve_sign_in`] found them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct LimitCounters {
    pub failures: i64,
    pub next_at: i64,
    pub window_start: i64,
}

/// What [`Store::reserve_sign_in`] found and decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// The (name, address) pair's counters before this attempt.
    pub pair: LimitCounters,
    /// The address's counters before this attempt (its window restarted if it had passed).
    pub address: LimitCounters,
    /// Whether the password may be checked.
    pub checked: bool,
}

/// A row of sign-in counts, for the administrator.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SignInLimitRow {
    /// Empty for the row of the address itself.
    pub username: String,
    pub client_hash: String,
    pub failures: i64,
    pub refused: i64,
    pub next_at: i64,
    pub window_start: i64,
    pub last_at: i64,
}
