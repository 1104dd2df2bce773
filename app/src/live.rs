//! Live updates: who needs to know that responses were just stored at which desks, the figures
//! each watched commune shows, and who holds the open streams.
//!
//! Within one process a broadcast channel carries desk ids from the writer to the commune feeds.
//! With PostgreSQL several `hailong serve` processes share the database, so the writer announces
//! with `NOTIFY` instead and every process (itself included) relays what it hears on `LISTEN` to
//! its own channel: one path, whichever instance took the submission. SQLite is one process only,
//! so it publishes directly.
//!
//! A commune's figures cost several milliseconds of queries. One task per watched commune
//! computes them once per change and keeps the latest in a `watch` channel that every stream of
//! that commune reads, so the cost of an answer does not grow with the number of open
//! dashboards; the task ends when the last stream of its commune closes.
//!
//! Streams are counted per session and per user ([`StreamLimits`]), and a sign-out ends the
//! streams of its session at once ([`LiveHub::end_session`]).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, watch};

use crate::abuse::StreamLimits;
use crate::i18n::Lang;
use crate::store::notify::Listener;
use crate::store::{Backend, Store};

/// The PostgreSQL channel responses are announced on.
pub const CHANNEL: &str = "hailong_responses";

/// A feed refreshes at most this often; a burst of submissions becomes one computation.
pub const SETTLE: Duration = Duration::from_millis(200);

/// The latest figures of a commune as the streams send them; `None` until computed.
pub type Figures = Option<Arc<FigureTexts>>;

/// A commune's figures written once for each interface language (JSON), so every stream sends
/// the text its page shows, whatever its language, from one computation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FigureTexts {
    pub vi: String,
    pub en: String,
}

impl FigureTexts {
    /// The figures written for a page in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi | Lang::Supplied(_) => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// Which limit refused a new stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TooManyStreams {
    Session,
    User,
}

/// Desk ids of newly stored responses, fanned out to subscribers; cheap to clone.
#[derive(Clone, Debug)]
pub struct LiveHub {
    tx: broadcast::Sender<i64>,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    /// The feed of every commune someone is watching.
    feeds: Mutex<HashMap<i64, Feed>>,
    streams: Mutex<StreamBook>,
    /// Figures computed since start (read by tests and benchmarks).
    computations: AtomicU64,
    /// Becomes `true` when the server shuts down: every stream ends.
    closing: ClosingSignal,
}

/// A watched commune's figures and the desks whose changes make them out of date.
#[derive(Debug)]
struct Feed {
    figures: watch::Sender<Figures>,
    desks: HashSet<i64>,
}

#[derive(Debug)]
struct ClosingSignal(watch::Sender<bool>);

impl Default for ClosingSignal {
    fn default() -> Self {
        ClosingSignal(watch::channel(false).0)
    }
}

#[derive(Debug, Default)]
struct StreamBook {
    sessions: HashMap<Arc<str>, SessionStreams>,
    users: HashMap<i64, usize>,
    next_id: u64,
}

#[derive(Debug)]
struct SessionStreams {
    /// Tells this entry apart from a later one under the same key.
    id: u64,
    open: usize,
    /// Becomes `true` when the session ends (sign-out).
    ended: watch::Sender<bool>,
}

/// Poisoning only means another thread panicked mid-update of plain counters; keep going.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Default for LiveHub {
    fn default() -> Self {
        // A slow subscriber that falls this far behind just refreshes once it catches up.
        let (tx, _) = broadcast::channel(1024);
        LiveHub {
            tx,
            shared: Arc::default(),
        }
    }
}

impl LiveHub {
    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.tx.subscribe()
    }

    fn publish(&self, desks: &[i64]) {
        self.forget(desks);
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
            // `publish` forgets the kept figures itself.
            Backend::Sqlite => self.publish(desks),
            Backend::Postgres => {
                // Before the caller answers: a page it redirects to may open a stream at once,
                // and must not be sent the figures from before the change while the feed waits
                // for the notification to come back.
                self.forget(desks);
                let mut payload: Vec<String> = desks.iter().map(i64::to_string).collect();
                payload.dedup();
                let sent = store.notify(CHANNEL, &payload.join(",")).await;
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
                match Listener::connect(&database_url, CHANNEL).await {
                    Ok(mut listener) => loop {
                        match listener.recv().await {
                            Ok(payload) => {
                                let desks: Vec<i64> =
                                    payload.split(',').filter_map(|d| d.parse().ok()).collect();
                                hub.publish(&desks);
                            }
                            Err(e) => {
                                tracing::warn!("live updates interrupted: {e}");
                                break;
                            }
                        }
                    },
                    Err(e) => tracing::warn!("cannot listen for live updates on {CHANNEL}: {e}"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// Drops the kept figures of every feed watching one of `desks`: a stream opened now waits
    /// for the recomputation instead of being sent figures the change made out of date (its
    /// page, rendered after the change, is already right). Streams already open see nothing
    /// until the new figures come.
    fn forget(&self, desks: &[i64]) {
        for feed in lock(&self.shared.feeds).values() {
            if desks.iter().any(|d| feed.desks.contains(d)) {
                feed.figures.send_if_modified(|kept| kept.take().is_some());
            }
        }
    }

    /// The figures of `commune`, kept current by one task per commune: the first subscriber
    /// starts it with the commune's `desks` and how to `compute` the figures (`None` when they
    /// cannot be computed just now: the last value stays); it recomputes within [`SETTLE`] of
    /// each response at one of those desks and ends when the last receiver is dropped.
    pub fn figures<F, Fut>(
        &self,
        commune: i64,
        desks: HashSet<i64>,
        compute: F,
    ) -> watch::Receiver<Figures>
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = Option<FigureTexts>> + Send,
    {
        let mut feeds = lock(&self.shared.feeds);
        if let Some(feed) = feeds.get(&commune) {
            return feed.figures.subscribe();
        }
        let (feed, receiver) = watch::channel(None);
        feeds.insert(
            commune,
            Feed {
                figures: feed.clone(),
                desks: desks.clone(),
            },
        );
        // Subscribed before the first computation, so nothing stored in between is missed.
        let events = self.tx.subscribe();
        let hub = self.clone();
        tokio::spawn(async move {
            hub.run_feed(commune, desks, feed, events, compute).await;
        });
        receiver
    }

    async fn run_feed<F, Fut>(
        &self,
        commune: i64,
        desks: HashSet<i64>,
        feed: watch::Sender<Figures>,
        mut events: broadcast::Receiver<i64>,
        compute: F,
    ) where
        F: Fn() -> Fut,
        Fut: Future<Output = Option<FigureTexts>>,
    {
        loop {
            let figures = compute().await;
            self.shared.computations.fetch_add(1, Ordering::Relaxed);
            if let Some(figures) = figures {
                feed.send_replace(Some(Arc::new(figures)));
            }
            // Wait for a response at one of our desks (or a lag: refresh anyway), or the end.
            loop {
                tokio::select! {
                    event = events.recv() => match event {
                        Ok(desk) if desks.contains(&desk) => break,
                        Ok(_) => continue,
                        Err(RecvError::Lagged(_)) => break,
                        Err(RecvError::Closed) => {
                            self.retire(commune, &feed, true);
                            return;
                        }
                    },
                    () = feed.closed() => {
                        if self.retire(commune, &feed, false) {
                            return;
                        }
                    }
                }
            }
            tokio::time::sleep(SETTLE).await;
            while let Ok(_) | Err(TryRecvError::Lagged(_)) = events.try_recv() {}
        }
    }

    /// Removes a feed nobody reads any more; `false` when a stream subscribed meanwhile (new
    /// receivers are only made under the same lock, so the count cannot change under us).
    fn retire(&self, commune: i64, feed: &watch::Sender<Figures>, always: bool) -> bool {
        let mut feeds = lock(&self.shared.feeds);
        if !always && feed.receiver_count() > 0 {
            return false;
        }
        if feeds
            .get(&commune)
            .is_some_and(|f| f.figures.same_channel(feed))
        {
            feeds.remove(&commune);
        }
        true
    }

    /// How many times figures were computed since start, for tests and benchmarks.
    pub fn figure_computations(&self) -> u64 {
        self.shared.computations.load(Ordering::Relaxed)
    }

    /// How many communes have a feed running.
    pub fn feeds(&self) -> usize {
        lock(&self.shared.feeds).len()
    }

    /// How many streams are open, in all.
    pub fn open_streams(&self) -> usize {
        lock(&self.shared.streams).users.values().sum()
    }

    /// Admits one more stream of `session` (a key of the sign-in, never the cookie itself)
    /// for `user`, within `limits`. The ticket frees its place when dropped.
    pub fn open_stream(
        &self,
        session: &str,
        user: i64,
        limits: StreamLimits,
    ) -> Result<StreamTicket, TooManyStreams> {
        let mut book = lock(&self.shared.streams);
        let of_session = book.sessions.get(session).map_or(0, |s| s.open);
        let of_user = book.users.get(&user).copied().unwrap_or(0);
        if of_session >= limits.per_session {
            return Err(TooManyStreams::Session);
        }
        if of_user >= limits.per_user {
            return Err(TooManyStreams::User);
        }
        book.next_id += 1;
        let next_id = book.next_id;
        let key: Arc<str> = session.into();
        let entry = book
            .sessions
            .entry(key.clone())
            .or_insert_with(|| SessionStreams {
                id: next_id,
                open: 0,
                ended: watch::channel(false).0,
            });
        entry.open += 1;
        let (id, ended) = (entry.id, entry.ended.subscribe());
        *book.users.entry(user).or_insert(0) += 1;
        Ok(StreamTicket {
            shared: self.shared.clone(),
            session: key,
            session_id: id,
            user,
            ended,
        })
    }

    /// Ends every stream, now and to come: the server is shutting down.
    pub fn close_all(&self) {
        self.shared.closing.0.send_replace(true);
    }

    /// Whether [`LiveHub::close_all`] was called.
    pub fn is_closing(&self) -> bool {
        *self.shared.closing.0.borrow()
    }

    /// Completes when [`LiveHub::close_all`] is called.
    pub async fn closing(&self) {
        let mut closing = self.shared.closing.0.subscribe();
        let _ = closing.wait_for(|c| *c).await;
    }

    /// Ends every stream of `session` (its key, as given to [`LiveHub::open_stream`]).
    pub fn end_session(&self, session: &str) {
        let mut book = lock(&self.shared.streams);
        if let Some(entry) = book.sessions.remove(session) {
            entry.ended.send_replace(true);
        }
    }
}

/// An open stream's place in the count, and its session's end signal.
#[derive(Debug)]
pub struct StreamTicket {
    shared: Arc<Shared>,
    session: Arc<str>,
    session_id: u64,
    user: i64,
    ended: watch::Receiver<bool>,
}

impl StreamTicket {
    /// Completes when the stream's session has ended.
    pub async fn ended(&mut self) {
        // A dropped sender means the session's entry is gone: ended as well.
        let _ = self.ended.wait_for(|ended| *ended).await;
    }

    /// Whether the session has ended, without waiting.
    pub fn has_ended(&self) -> bool {
        *self.ended.borrow() || self.ended.has_changed().is_err()
    }
}

impl Drop for StreamTicket {
    fn drop(&mut self) {
        let mut book = lock(&self.shared.streams);
        if let Some(open) = book.users.get_mut(&self.user) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                book.users.remove(&self.user);
            }
        }
        if let Some(entry) = book.sessions.get_mut(&self.session) {
            if entry.id == self.session_id {
                entry.open = entry.open.saturating_sub(1);
                if entry.open == 0 {
                    book.sessions.remove(&self.session);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: StreamLimits = StreamLimits {
        per_session: 2,
        per_user: 3,
    };

    #[test]
    fn streams_are_counted_per_session_and_per_user_and_freed_on_drop() {
        let hub = LiveHub::default();
        let a1 = hub.open_stream("a", 1, LIMITS).unwrap();
        let _a2 = hub.open_stream("a", 1, LIMITS).unwrap();
        assert_eq!(
            hub.open_stream("a", 1, LIMITS).unwrap_err(),
            TooManyStreams::Session
        );
        let _b1 = hub.open_stream("b", 1, LIMITS).unwrap();
        assert_eq!(
            hub.open_stream("b", 1, LIMITS).unwrap_err(),
            TooManyStreams::User
        );
        let other_user = hub.open_stream("c", 2, LIMITS);
        assert!(other_user.is_ok(), "other users unaffected");
        drop(a1);
        assert_eq!(hub.open_streams(), 3);
        assert!(hub.open_stream("b", 1, LIMITS).is_ok());
    }

    #[test]
    fn ending_a_session_signals_its_streams_only() {
        let hub = LiveHub::default();
        let a = hub.open_stream("a", 1, LIMITS).unwrap();
        let b = hub.open_stream("b", 1, LIMITS).unwrap();
        hub.end_session("a");
        assert!(a.has_ended());
        assert!(!b.has_ended());
        drop(a);
        assert_eq!(hub.open_streams(), 1);
    }

    #[tokio::test]
    async fn closing_is_seen_by_every_clone() {
        let hub = LiveHub::default();
        let other = hub.clone();
        assert!(!other.is_closing());
        hub.close_all();
        assert!(other.is_closing());
        other.closing().await;
    }
}
