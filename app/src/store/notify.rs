//! PostgreSQL's NOTIFY/LISTEN, through which several server processes tell each other that
//! responses were stored (see `crate::live`).

use super::{Store, StoreError};

impl Store {
    /// Sends `payload` on `channel` to every listening process (PostgreSQL only).
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), StoreError> {
        sqlx::query("select pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A connection listening on one channel.
pub struct Listener(sqlx::postgres::PgListener);

impl Listener {
    /// Connects to the PostgreSQL database at `database_url` and listens on `channel`.
    pub async fn connect(database_url: &str, channel: &str) -> Result<Listener, StoreError> {
        let mut listener = sqlx::postgres::PgListener::connect(database_url).await?;
        listener.listen(channel).await?;
        Ok(Listener(listener))
    }

    /// The payload of the next notification.
    pub async fn recv(&mut self) -> Result<String, StoreError> {
        Ok(self.0.recv().await?.payload().to_string())
    }
}
