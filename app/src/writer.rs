//! Group commit of citizens' responses.
//!
//! Every submission used to commit its own transaction, and a commit waits for the disk. Now
//! submissions go to a few writer tasks; each takes whatever has queued while the previous commit
//! was flushing (up to `MAX_BATCH`) and stores it in one transaction. Under load, many answers
//! share one flush; alone, a submission is written at once, as before. Each submitter is answered
//! only after the commit that holds its response, so "thank you" still means "on disk".

use std::sync::Arc;

use survey_definitions::{Answer, Lang};
use tokio::sync::{mpsc, oneshot, Mutex};

use crate::live::LiveHub;
use crate::store::responses::{Inserted, NewResponse};
use crate::store::{Backend, Store};

/// Most responses committed together; bounds a transaction's length.
const MAX_BATCH: usize = 256;

/// A response to store, owned so it can cross to the writer task.
#[derive(Debug, Clone)]
pub struct PendingResponse {
    pub key: String,
    pub desk_id: i64,
    pub survey_id: String,
    pub survey_version: u32,
    pub lang: Lang,
    pub channel: String,
    pub dossier_code: Option<String>,
    pub created_at: i64,
    pub answers: Vec<Answer>,
    pub device_hash: Option<String>,
    pub client_hash: Option<String>,
    pub flags: Option<String>,
    pub answer_digest: Option<String>,
}

impl PendingResponse {
    fn as_new(&self) -> NewResponse<'_> {
        NewResponse {
            key: &self.key,
            desk_id: self.desk_id,
            survey_id: &self.survey_id,
            survey_version: self.survey_version,
            lang: self.lang,
            channel: &self.channel,
            dossier_code: self.dossier_code.as_deref(),
            created_at: self.created_at,
            answers: &self.answers,
            device_hash: self.device_hash.as_deref(),
            client_hash: self.client_hash.as_deref(),
            flags: self.flags.as_deref(),
            answer_digest: self.answer_digest.as_deref(),
        }
    }
}

type Job = (PendingResponse, oneshot::Sender<Result<Inserted, String>>);

/// Hands responses to the writer tasks and waits for their commit.
#[derive(Clone)]
pub struct ResponseWriter {
    queue: mpsc::Sender<Job>,
}

impl ResponseWriter {
    /// Starts the writer tasks: one for SQLite (it has one writer anyway), two for PostgreSQL
    /// (one commits while the other fills its batch; four made smaller batches and were slower).
    pub fn start(store: Store, live: LiveHub) -> ResponseWriter {
        let (queue, jobs) = mpsc::channel::<Job>(4 * MAX_BATCH);
        let jobs = Arc::new(Mutex::new(jobs));
        let writers = match store.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => 2,
        };
        for _ in 0..writers {
            let store = store.clone();
            let jobs = jobs.clone();
            let live = live.clone();
            tokio::spawn(async move {
                loop {
                    let batch = {
                        let mut jobs = jobs.lock().await;
                        let Some(first) = jobs.recv().await else {
                            return;
                        };
                        let mut batch = vec![first];
                        while batch.len() < MAX_BATCH {
                            match jobs.try_recv() {
                                Ok(job) => batch.push(job),
                                Err(_) => break,
                            }
                        }
                        batch
                    };
                    let responses: Vec<NewResponse<'_>> =
                        batch.iter().map(|(r, _)| r.as_new()).collect();
                    match store.insert_responses(&responses).await {
                        Ok(results) => {
                            let desks: Vec<i64> = batch
                                .iter()
                                .zip(&results)
                                .filter(|(_, r)| matches!(r, Inserted::New(_)))
                                .map(|((r, _), _)| r.desk_id)
                                .collect();
                            for ((_, reply), result) in batch.into_iter().zip(results) {
                                let _ = reply.send(Ok(result));
                            }
                            live.announce(&store, &desks).await;
                        }
                        Err(e) => {
                            let message = e.to_string();
                            for (_, reply) in batch {
                                let _ = reply.send(Err(message.clone()));
                            }
                        }
                    }
                }
            });
        }
        ResponseWriter { queue }
    }

    /// Stores a response; returns once it is committed (or the commit failed).
    pub async fn write(&self, response: PendingResponse) -> Result<Inserted, String> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((response, reply))
            .await
            .map_err(|_| "the response writer has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the response writer has stopped".to_string())?
    }
}
