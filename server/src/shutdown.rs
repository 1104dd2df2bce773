//! Graceful shutdown of `hailong serve` on SIGTERM (systemd's stop and restart) or Ctrl-C.
//!
//! It runs in three steps, so a restart loses no answer and cuts off no request it has taken:
//! 1. **drain** ([`DRAIN`]): `/ready` answers 503 so a load balancer stops sending citizens
//!    here, every response carries `Connection: close` so kept-alive clients leave after their
//!    current request instead of being cut off while idle, and the live streams end with a
//!    `retry:` hint (they would otherwise hold the shutdown open for ever);
//! 2. **stop accepting**: the listener closes and the requests in flight run to their end (at
//!    most [`IN_FLIGHT_LIMIT`]);
//! 3. **commit**: the response writer commits every answer still queued, and the process exits 0.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

/// How long the app keeps serving, with `Connection: close`, after the signal: long enough for
/// every busy keep-alive connection to finish a request and leave.
pub const DRAIN: Duration = Duration::from_millis(500);

/// How long requests in flight may still run once the listener is closed; systemd's default
/// stop timeout (90 s) is well above it.
pub const IN_FLIGHT_LIMIT: Duration = Duration::from_secs(30);

/// The stage of the shutdown, shared by the signal task, the router and `/ready`.
#[derive(Clone, Debug)]
pub struct Shutdown {
    stage: watch::Sender<Stage>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Serving,
    Draining,
    Stopping,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown {
            stage: watch::channel(Stage::Serving).0,
        }
    }
}

impl Shutdown {
    /// Whether the shutdown has begun (the drain or later).
    pub fn is_draining(&self) -> bool {
        *self.stage.borrow() >= Stage::Draining
    }

    /// Begins the drain (step 1).
    pub fn drain(&self) {
        self.stage.send_if_modified(|stage| {
            let begins = *stage == Stage::Serving;
            if begins {
                *stage = Stage::Draining;
            }
            begins
        });
    }

    /// Ends the drain: the listener is to close (step 2).
    pub fn stop(&self) {
        self.stage.send_replace(Stage::Stopping);
    }

    /// Completes when the listener is to close.
    pub async fn stopping(&self) {
        let mut stage = self.stage.subscribe();
        let _ = stage.wait_for(|s| *s == Stage::Stopping).await;
    }

    /// Completes when the drain begins.
    pub async fn draining(&self) {
        let mut stage = self.stage.subscribe();
        let _ = stage.wait_for(|s| *s >= Stage::Draining).await;
    }
}

/// Waits for SIGTERM or Ctrl-C, then drains for [`DRAIN`] and stops. `on_drain` runs as the
/// drain begins (ending the live streams).
pub async fn on_signal(shutdown: Shutdown, on_drain: impl FnOnce()) {
    let signal = wait_for_signal().await;
    tracing::info!("{signal}: draining for {} ms", DRAIN.as_millis());
    shutdown.drain();
    on_drain();
    tokio::time::sleep(DRAIN).await;
    tracing::info!("no longer accepting connections; finishing the requests in flight");
    shutdown.stop();
}

/// The name of the signal that arrived.
async fn wait_for_signal() -> &'static str {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                () = ctrl_c => "Ctrl-C",
            },
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                ctrl_c.await;
                "Ctrl-C"
            }
        }
    }
    #[cfg(not(unix))]
    {
        ctrl_c.await;
        "Ctrl-C"
    }
}

/// During the drain every response asks the client to close its connection, so that none is
/// left idle for the listener's close to cut while a request is on its way.
pub async fn close_connections_while_draining(
    State(shutdown): State<Shutdown>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if shutdown.is_draining() {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// How long a connection that is idle when the listener closes may still take to send a
/// request (its response then closes it): a client that connected just before the close, or
/// whose request is on its way, is answered rather than cut off.
pub const LAST_REQUEST_GRACE: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` (HTTP/1.1, each request with the client's address as
/// `ConnectInfo`) until `shutdown` stops it, then waits for the connections to finish, at most
/// [`IN_FLIGHT_LIMIT`].
///
/// axum's own `serve` closes every idle connection the moment it stops, including one accepted
/// an instant earlier whose request is already in the socket: its client sees a reset for a
/// request it sent. Here each connection gets [`LAST_REQUEST_GRACE`] instead, and connections
/// the kernel has completed but the loop has not yet taken are taken before the listener
/// closes.
pub async fn serve(listener: TcpListener, router: Router, shutdown: Shutdown) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.stopping() => break,
        };
        match accepted {
            Ok((stream, peer)) => {
                connections.spawn(connection(stream, peer, router.clone(), shutdown.clone()));
            }
            // Out of file descriptors, say: the connection waits in the backlog meanwhile.
            Err(e) => {
                tracing::warn!("cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        while connections.try_join_next().is_some() {}
    }
    for (stream, peer) in completed_connections(listener) {
        connections.spawn(connection(stream, peer, router.clone(), shutdown.clone()));
    }
    let all_closed = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(IN_FLIGHT_LIMIT, all_closed)
        .await
        .is_err()
    {
        tracing::warn!(
            "{} connections still busy {} s after the listener closed: stopping without them",
            connections.len(),
            IN_FLIGHT_LIMIT.as_secs()
        );
        connections.abort_all();
    }
}

/// Takes, and then closes, the listener: every connection the kernel has completed is returned.
///
/// It asks the socket itself, in a loop until it would block: one poll of tokio's `accept`
/// answers from the readiness the reactor last saw, which can lag the kernel's queue by a
/// moment, and every connection left in the queue is reset when the listener closes.
fn completed_connections(listener: TcpListener) -> Vec<(TcpStream, SocketAddr)> {
    let listener = match listener.into_std() {
        Ok(listener) => listener,
        Err(e) => {
            tracing::warn!("cannot take the queued connections: {e}");
            return Vec::new();
        }
    };
    let mut taken = Vec::new();
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                let stream = stream
                    .set_nonblocking(true)
                    .and_then(|()| TcpStream::from_std(stream));
                match stream {
                    Ok(stream) => taken.push((stream, peer)),
                    Err(e) => tracing::warn!("cannot serve a queued connection from {peer}: {e}"),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                if e.kind() != std::io::ErrorKind::WouldBlock {
                    tracing::warn!("cannot take a queued connection: {e}");
                }
                return taken;
            }
        }
    }
}

async fn connection(stream: TcpStream, peer: SocketAddr, router: Router, shutdown: Shutdown) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        served = connection.as_mut() => {
            if let Err(e) = served {
                tracing::debug!("connection from {peer}: {e}");
            }
            return;
        }
        () = shutdown.stopping() => {}
    }
    // Busy, the connection finishes its request (the response closes it); idle, it has a moment
    // to send the one it may have on its way.
    if tokio::time::timeout(LAST_REQUEST_GRACE, connection.as_mut())
        .await
        .is_err()
    {
        connection.as_mut().graceful_shutdown();
        let _ = connection.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_stages_follow_each_other() {
        let shutdown = Shutdown::default();
        assert!(!shutdown.is_draining());
        shutdown.drain();
        assert!(shutdown.is_draining());
        shutdown.draining().await;
        shutdown.stop();
        shutdown.drain();
        assert!(shutdown.is_draining(), "a second signal changes nothing");
        shutdown.stopping().await;
    }
}
