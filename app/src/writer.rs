//! Group commit of citizens' responses, and what happens when the database cannot take them.
//!
//! Submissions go to a few writer tasks; each takes whatever has queued while the previous commit
//! was flushing (up to `MAX_BATCH`) and stores it in one transaction, so under load many answers
//! share one disk flush. Each submitter is answered only after the commit that holds its
//! response: "thank you" means "on disk".
//!
//! When a commit fails nothing of the batch is acknowledged:
//! - a lost connection or a busy database (a PostgreSQL restart, a dropped link) is retried with
//!   the same idempotency keys for a few seconds, so a commit that reached the server before the
//!   link broke is found, not stored twice;
//! - a database that cannot write (a full disk, a read-only file, a server that stays away)
//!   answers every submitter `WriteError::Unavailable` at once; the writer is marked failing
//!   (`WriterHealth`, read by `/health`) and probes in the background until a write succeeds
//!   again, and the next batch simply tries again on a fresh connection;
//! - anything else is a problem with some response's data: the batch is split in halves until
//!   the response that fails is alone, so one bad answer never fails the others.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use survey_definitions::{Answer, Lang};
use tokio::sync::{mpsc, oneshot, watch, Mutex as AsyncMutex};
use tokio::task::JoinHandle;

use crate::domain::channel::Channel;
use crate::domain::flags::{CountFlagged, Flags};
use crate::live::LiveHub;
use crate::store::responses::{DeviceRule, Inserted, NewResponse};
use crate::store::{Backend, Store, StoreError};

/// Most responses committed together; bounds a transaction's length.
const MAX_BATCH: usize = 256;
/// How long a batch is retried after transient failures before its submitters are told.
const RETRY_FOR: Duration = Duration::from_secs(8);
/// How often a failing writer checks whether the database takes writes again.
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// A response to store, owned so it can cross to the writer task.
#[derive(Debug, Clone)]
pub struct PendingResponse {
    pub key: String,
    pub desk_id: i64,
    pub survey_id: String,
    pub survey_version: u32,
    pub lang: Lang,
    pub channel: Channel,
    pub dossier_code: Option<String>,
    pub created_at: i64,
    pub answers: Vec<Answer>,
    pub device_hash: Option<String>,
    pub client_hash: Option<String>,
    pub flags: Flags,
    pub answer_digest: Option<String>,
    pub kiosk_id: Option<i64>,
    pub count_flagged: CountFlagged,
    /// The one-rating-per-device rule: responses since then (ms), and yesterday's hash.
    pub device_rule: Option<(i64, Option<String>)>,
    pub dossier_since_ms: Option<i64>,
}

impl PendingResponse {
    fn as_new(&self) -> NewResponse<'_> {
        NewResponse {
            key: &self.key,
            desk_id: self.desk_id,
            survey_id: &self.survey_id,
            survey_version: self.survey_version,
            lang: self.lang,
            channel: self.channel,
            dossier_code: self.dossier_code.as_deref(),
            created_at: self.created_at,
            answers: &self.answers,
            device_hash: self.device_hash.as_deref(),
            client_hash: self.client_hash.as_deref(),
            flags: self.flags.clone(),
            answer_digest: self.answer_digest.as_deref(),
            kiosk_id: self.kiosk_id,
            count_flagged: self.count_flagged,
            device_rule: self
                .device_rule
                .as_ref()
                .map(|(since_ms, previous)| DeviceRule {
                    since_ms: *since_ms,
                    previous_hash: previous.as_deref(),
                }),
            dossier_since_ms: self.dossier_since_ms,
        }
    }
}

/// Why a response was not stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The database cannot take writes now (full disk, read-only, unreachable): nothing was
    /// stored, and the same submission may be sent again later.
    #[error("the database cannot store answers now: {0}")]
    Unavailable(String),
    /// The database refused this response's data.
    #[error("the database refused the response: {0}")]
    Refused(String),
}

/// Since when, and why, the writer has been unable to store responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub since_ms: i64,
    pub reason: String,
}

/// Whether the writer can store responses now; `/health` reports it.
#[derive(Debug, Default)]
pub struct WriterHealth {
    failing: Mutex<Option<Failure>>,
}

impl WriterHealth {
    /// The current failure, if the last commit (or probe) failed.
    pub fn failure(&self) -> Option<Failure> {
        self.failing.lock().expect("writer health").clone()
    }

    fn fail(&self, reason: &StoreError) {
        let mut failing = self.failing.lock().expect("writer health");
        if failing.is_none() {
            tracing::error!("answers cannot be stored: {reason}");
            *failing = Some(Failure {
                since_ms: crate::clock::now_ms(),
                reason: reason.to_string(),
            });
        }
    }

    fn recover(&self) {
        if let Some(failure) = self.failing.lock().expect("writer health").take() {
            tracing::info!(
                "answers are stored again (failing since {} ms ago)",
                crate::clock::now_ms() - failure.since_ms
            );
        }
    }
}

type Reply = oneshot::Sender<Result<Inserted, WriteError>>;
type Job = (PendingResponse, Reply);

/// Hands responses to the writer tasks and waits for their commit.
#[derive(Clone)]
pub struct ResponseWriter {
    queue: mpsc::Sender<Job>,
    health: Arc<WriterHealth>,
    /// Set by [`ResponseWriter::finish`]: the tasks commit what is queued and end.
    finishing: Arc<watch::Sender<bool>>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl ResponseWriter {
    /// Starts the writer tasks: one for SQLite (it has one writer anyway), two for PostgreSQL
    /// (one commits while the other fills its batch; four made smaller batches and were slower).
    pub fn start(store: Store, live: LiveHub) -> ResponseWriter {
        let (queue, jobs) = mpsc::channel::<Job>(4 * MAX_BATCH);
        let jobs = Arc::new(AsyncMutex::new(jobs));
        let health = Arc::new(WriterHealth::default());
        let writers = match store.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => 2,
        };
        let finishing = Arc::new(watch::channel(false).0);
        let mut tasks = Vec::new();
        for _ in 0..writers {
            let (store, jobs, live, health) =
                (store.clone(), jobs.clone(), live.clone(), health.clone());
            let mut finish = finishing.subscribe();
            tasks.push(tokio::spawn(async move {
                loop {
                    let batch = {
                        let mut jobs = jobs.lock().await;
                        let received = tokio::select! {
                            biased;
                            job = jobs.recv() => Some(job),
                            () = async {
                                let _ = finish.wait_for(|f| *f).await;
                            } => None,
                        };
                        let first = match received {
                            Some(job) => job,
                            None => {
                                // Closed, the queue still hands out what it holds, then `None`.
                                jobs.close();
                                jobs.recv().await
                            }
                        };
                        let Some(first) = first else {
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
                    let (responses, replies): (Vec<PendingResponse>, Vec<Reply>) =
                        batch.into_iter().unzip();
                    let results = commit(&store, &health, &responses).await;
                    count_stored(&responses, &results);
                    let desks: Vec<i64> = responses
                        .iter()
                        .zip(&results)
                        .filter(|(_, r)| matches!(r, Ok(Inserted::New(_))))
                        .map(|(r, _)| r.desk_id)
                        .collect();
                    for (reply, result) in replies.into_iter().zip(results) {
                        let _ = reply.send(result);
                    }
                    live.announce(&store, &desks).await;
                }
            }));
        }
        spawn_probe(store, health.clone(), queue.downgrade());
        ResponseWriter {
            queue,
            health,
            finishing,
            tasks: Arc::new(Mutex::new(tasks)),
        }
    }

    /// Commits every response already queued and stops the writer tasks (a graceful shutdown);
    /// a response handed over afterwards is answered `WriteError::Unavailable`.
    pub async fn finish(&self) {
        self.finishing.send_replace(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().expect("writer tasks"));
        for task in tasks {
            if let Err(e) = task.await {
                tracing::error!("a response writer ended abnormally: {e}");
            }
        }
    }

    /// How many responses wait for a writer task (not counting the batches being committed).
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Stores a response; returns once it is committed, or with the reason it was not.
    pub async fn write(&self, response: PendingResponse) -> Result<Inserted, WriteError> {
        let stopped = || WriteError::Unavailable("the response writer has stopped".into());
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((response, reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Whether the writer can store responses now.
    pub fn health(&self) -> &WriterHealth {
        &self.health
    }
}

/// Commits `responses`, retrying transient failures and isolating bad data; one result each.
async fn commit(
    store: &Store,
    health: &WriterHealth,
    responses: &[PendingResponse],
) -> Vec<Result<Inserted, WriteError>> {
    let news: Vec<NewResponse<'_>> = responses.iter().map(PendingResponse::as_new).collect();
    let started = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        let attempt = Instant::now();
        let inserted = store.insert_responses(&news).await;
        metrics::histogram!(COMMIT_SECONDS).record(attempt.elapsed().as_secs_f64());
        if let Err(e) = &inserted {
            let kind = if e.is_transient() {
                "transient"
            } else if e.is_unavailable() {
                "unavailable"
            } else {
                "refused"
            };
            metrics::counter!(DATABASE_ERRORS, "source" => "writer", "kind" => kind).increment(1);
        }
        match inserted {
            Ok(results) => {
                health.recover();
                return results.into_iter().map(Ok).collect();
            }
            Err(e) if e.is_transient() && started.elapsed() < RETRY_FOR => {
                tracing::warn!("storing {} responses failed, retrying: {e}", news.len());
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
            Err(e) if e.is_unavailable() => {
                health.fail(&e);
                let reason = e.to_string();
                return responses
                    .iter()
                    .map(|_| Err(WriteError::Unavailable(reason.clone())))
                    .collect();
            }
            Err(e) if responses.len() == 1 => {
                tracing::warn!("response {} refused: {e}", responses[0].key);
                return vec![Err(WriteError::Refused(e.to_string()))];
            }
            Err(e) => {
                tracing::warn!("a batch of {} failed, isolating: {e}", responses.len());
                let (left, right) = responses.split_at(responses.len() / 2);
                let mut results = Box::pin(commit(store, health, left)).await;
                results.extend(Box::pin(commit(store, health, right)).await);
                return results;
            }
        }
    }
}

/// Seconds each commit of a batch took (failed attempts included).
pub const COMMIT_SECONDS: &str = "hailong_writer_commit_seconds";
/// Responses newly stored, by channel.
pub const ANSWERS_ACCEPTED: &str = "hailong_answers_accepted_total";
/// Responses stored with a flag, by flag (a response with two flags counts under both).
pub const ANSWERS_FLAGGED: &str = "hailong_answers_flagged_total";
/// Database operations that failed, by where and how.
pub const DATABASE_ERRORS: &str = "hailong_database_errors_total";

/// Counts the responses a batch newly stored, and their flags.
fn count_stored(responses: &[PendingResponse], results: &[Result<Inserted, WriteError>]) {
    for (response, result) in responses.iter().zip(results) {
        if !matches!(result, Ok(Inserted::New(_))) {
            continue;
        }
        metrics::counter!(ANSWERS_ACCEPTED, "channel" => response.channel.key()).increment(1);
        for flag in response.flags.iter() {
            metrics::counter!(ANSWERS_FLAGGED, "reason" => flag.key()).increment(1);
        }
    }
}

/// While the writer is failing, checks now and then whether the database takes writes again,
/// so `/health` recovers without waiting for a citizen's answer. Ends with the writer.
fn spawn_probe(store: Store, health: Arc<WriterHealth>, writer: mpsc::WeakSender<Job>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PROBE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if writer.upgrade().is_none() {
                return;
            }
            if health.failure().is_some() && store.probe_write().await.is_ok() {
                health.recover();
            }
        }
    });
}
