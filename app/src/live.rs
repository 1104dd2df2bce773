//! Live updates: who needs to know that responses were just stored at which desks.
//!
//! Within one process a broadcast channel carries desk ids from the writer to every open
//! dashboard stream. With PostgreSQL several `hailong serve` processes share the database, so the
//! writer announces with `NOTIFY` instead and every process (itself included) relays what it
//! hears on `LISTEN` to its own channel: one path, whichever instance took the submission.
//! SQLite is one process only, so it publishes directly.

use std::time::Duration;

use tokio::sync::broadcast;

use crate::store::{Backend, Store};

/// The PostgreSQL channel responses are announced on.
pub const CHANNEL: &str = "hailong_responses";

/// Desk ids of newly stored responses, fanned out to subscribers; cheap to clone.
#[derive(Clone, Debug)]
pub struct LiveHub {
    tx: broadcast::Sender<i64>,
}

impl Default for LiveHub {
    fn default() -> Self {
        // A slow subscriber that falls this far behind just refreshes once it catches up.
        let (tx, _) = broadcast::channel(1024);
        LiveHub { tx }
    }
}

impl LiveHub {
    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.tx.subscribe()
    }

    fn publish(&self, desks: &[i64]) {
        for desk in desks {
            // No subscriber is not an error: nobody is watching.
            let _ = self.tx.send(*desk);
        }
    }

    /// Tells every instance that responses were stored at `desks` (after their commit).
    pub async fn announce(&self, store: &Store, desks: &[i64]) {
        if desks.is_empty() {
            return;
        }
        match store.backend() {
            Backend::Sqlite => self.publish(desks),
            Backend::Postgres => {
                let mut payload: Vec<String> = desks.iter().map(i64::to_string).collect();
                payload.dedup();
                let sent = sqlx::query("select pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload.join(","))
                    .execute(store.pool())
                    .await;
                if let Err(e) = sent {
                    // The response is stored; only the live refresh is lost, so say so and go on.
                    tracing::warn!("live update not announced: {e}");
                    self.publish(desks);
                }
            }
        }
    }

    /// Relays PostgreSQL notifications to this process's subscribers, reconnecting after errors.
    pub fn listen_postgres(&self, database_url: String) {
        let hub = self.clone();
        tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&database_url).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(CHANNEL).await {
                            tracing::warn!("LISTEN {CHANNEL} failed: {e}");
                        } else {
                            loop {
                                match listener.recv().await {
                                    Ok(note) => {
                                        let desks: Vec<i64> = note
                                            .payload()
                                            .split(',')
                                            .filter_map(|d| d.parse().ok())
                                            .collect();
                                        hub.publish(&desks);
                                    }
                                    Err(e) => {
                                        tracing::warn!("live updates interrupted: {e}");
                                        break;
                                    }
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!("cannot listen for live updates: {e}"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}
