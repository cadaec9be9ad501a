//! Connections: a cap on open connections, an accept loop that backs off when the process
//! runs out of file descriptors (instead of spinning), the soft `RLIMIT_NOFILE` raised to the
//! hard limit at start, a header-read timeout and an idle timeout (slowloris sockets and
//! forgotten keep-alive connections are closed).

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use kinesin_state::backoff;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// File descriptors kept for the store, the TLS listener, deliveries and logs.
const FD_RESERVE: u64 = 64;

/// Raises the soft open-file limit to the hard one where allowed; returns the soft limit now.
pub fn raise_fd_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            tracing::debug!(error = %e, "the open-file limit could not be raised");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft).unwrap_or(1024)
        }
    }
}

/// Limits shared by the listeners.
#[derive(Clone)]
pub struct Limits {
    permits: Arc<Semaphore>,
    idle: Duration,
}

impl Limits {
    /// At most `max_connections` open connections (and fewer than the open-file limit allows),
    /// each closed after `idle` without a request, or when its headers take longer.
    pub fn new(max_connections: usize, fd_limit: u64, idle: Duration) -> Self {
        let by_fds = fd_limit.saturating_sub(FD_RESERVE).max(8) as usize;
        let cap = max_connections.clamp(1, by_fds);
        tracing::debug!(cap, fd_limit, "connection cap");
        Self { permits: Arc::new(Semaphore::new(cap)), idle }
    }

    /// The idle and header-read timeout.
    pub fn idle(&self) -> Duration {
        self.idle
    }

    /// The next connection, once fewer than the cap are open (meanwhile new connections wait
    /// in the listen backlog). Out of descriptors or memory, it waits and tries again.
    pub async fn accept(&self, listener: &TcpListener) -> (TcpStream, OwnedSemaphorePermit) {
        let permit = self.permits.clone().acquire_owned().await.expect("the connection semaphore is never closed");
        let mut failures = 0u32;
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    return (stream, permit);
                }
                Err(e) if is_resource_error(&e) => {
                    failures = failures.saturating_add(1);
                    let wait_ms = backoff::doubling(10, failures, 1000);
                    tracing::warn!(error = %e, wait_ms, "accept failed; backing off");
                    tokio::time::sleep(Duration::from_millis(wait_ms as u64)).await;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }
    }
}

/// EMFILE, ENFILE, ENOBUFS, ENOMEM: accepting again at once would fail the same way.
fn is_resource_error(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(23 | 24 | 105 | 12))
}

/// When a connection last moved bytes, and how many of its requests are unanswered.
#[derive(Debug)]
pub struct Activity {
    start: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Self { start: Instant::now(), last_ms: AtomicU64::new(0), in_flight: AtomicUsize::new(0) })
    }

    fn touch(&self) {
        self.last_ms.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let now = self.start.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_ms.load(Ordering::Relaxed)))
    }

    /// Marks a request in flight until the returned guard is dropped (with its response body).
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }
}

/// A request in flight; see [`Activity::begin`].
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// A stream that records its activity.
struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Serves one connection (HTTP/1.1, or HTTP/2 by prior knowledge or ALPN) until the client
/// closes it, its headers take longer than the idle timeout, or it stays idle (no request in
/// flight, no bytes either way) that long. `make_service` gets the connection's [`Activity`].
pub async fn serve<S, F, Svc>(stream: S, idle: Duration, make_service: F)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    F: FnOnce(Arc<Activity>) -> Svc,
    Svc: hyper::service::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = crate::http::Resp,
            Error = std::convert::Infallible,
        > + Send
        + 'static,
    Svc::Future: Send + 'static,
{
    let activity = Activity::new();
    let io = TokioIo::new(Watched { inner: stream, activity: activity.clone() });
    let svc = make_service(activity.clone());
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(idle);
    builder.http2().timer(TokioTimer::new());
    let conn = builder.serve_connection_with_upgrades(io, svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = idle_expired(&activity, idle) => tracing::debug!("closing an idle connection"),
    }
}

/// Resolves once the connection has had nothing in flight and moved no bytes for `idle`.
async fn idle_expired(activity: &Activity, idle: Duration) {
    let tick = (idle / 4).max(Duration::from_millis(50));
    loop {
        tokio::time::sleep(tick).await;
        if activity.in_flight.load(Ordering::Relaxed) == 0 && activity.idle_for() >= idle {
            return;
        }
    }
}
