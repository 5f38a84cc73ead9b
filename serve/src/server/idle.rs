//! Closing connections that stall before a request: slow headers (slowloris) and idle
//! keep-alive connections.
//!
//! hyper can do this itself (`header_read_timeout`), but it arms a timer for every request
//! head: a clock read, a boxed `Sleep` and an entry in the runtime's timer wheel, added and
//! removed again, ~0.15 µs of a one-row request's ~4.5 µs in user space
//! (`serve/benches/request.rs`; docs/decisions.md 45). Here each connection has one
//! [`watch`] that wakes every half timeout and looks at counters the connection bumps as it
//! goes, with plain loads and stores (one writer each).
//!
//! A connection is closed once, for a whole timeout, it has had no request in its handler,
//! started no new request and written no byte: between 1 and 1.5 timeouts after its last
//! sign of life. A client dribbling a request head byte by byte starts no request, so it is
//! closed as hyper's timer would close it. Not covered, as before: a request whose body
//! arrives slowly (its handler is running) and a client reading a long answer slowly but
//! steadily.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What [`watch`] reads of one connection. Each counter has one writer, the connection's
/// task, so it is bumped with a load and a store rather than a locked add.
#[derive(Debug, Default)]
pub struct Activity {
    /// Requests whose head was read (the handler was called).
    started: AtomicU64,
    /// Requests whose handler has returned or was dropped.
    finished: AtomicU64,
    /// Bytes written to the client.
    written: AtomicU64,
    /// Told by the connection's task when it ends, so that the watch ends at once: the
    /// watch holds the task's abort handle, which keeps the ended task's memory (~5 KB)
    /// until dropped, and a watch waking only every half timeout held it for that long
    /// (15 s a connection at the default timeout: 75 MB at 1,000 new connections a second).
    ended: tokio::sync::Notify,
}

/// Marks a request in its handler from creation until dropped.
pub struct InHandler<'a>(&'a Activity);

impl Activity {
    /// Counts a request as started; it counts as finished when the guard is dropped.
    pub fn begin(&self) -> InHandler<'_> {
        bump(&self.started, 1);
        InHandler(self)
    }

    /// Tells the watch that the connection has ended.
    pub fn end(&self) {
        self.ended.notify_one();
    }

    fn snapshot(&self) -> (u64, u64, u64) {
        (
            self.started.load(Relaxed),
            self.finished.load(Relaxed),
            self.written.load(Relaxed),
        )
    }
}

impl Drop for InHandler<'_> {
    fn drop(&mut self) {
        bump(&self.0.finished, 1);
    }
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(by), Relaxed);
}

/// Returns `true` once the connection has shown no sign of life for `timeout` (see the
/// module doc; the caller then closes it), or `false` as soon as the connection has ended
/// by itself ([`Activity::end`]).
pub async fn watch(activity: &Activity, timeout: Duration) -> bool {
    let tick = (timeout / 2).max(Duration::from_millis(1));
    let mut last = activity.snapshot();
    let mut quiet = Duration::ZERO;
    loop {
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            () = activity.ended.notified() => return false,
        }
        let now = activity.snapshot();
        let (started, finished, _) = now;
        if now != last || started != finished {
            last = now;
            quiet = Duration::ZERO;
            continue;
        }
        quiet += tick;
        if quiet >= timeout {
            return true;
        }
    }
}

/// A byte stream that counts what is written to it into an [`Activity`].
pub struct Counted<IO> {
    pub io: IO,
    pub activity: Arc<Activity>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Counted<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Counted<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            bump(&self.activity.written, n as u64);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::pin;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn a_quiet_connection_is_closed_between_one_and_one_and_a_half_timeouts() {
        runtime().block_on(async {
            let activity = Activity::default();
            let start = tokio::time::Instant::now();
            assert!(watch(&activity, Duration::from_secs(10)).await);
            let took = start.elapsed();
            assert!(took >= Duration::from_secs(10), "{took:?}");
            assert!(took <= Duration::from_secs(15), "{took:?}");
        });
    }

    #[test]
    fn requests_writes_and_a_running_handler_keep_it_open() {
        runtime().block_on(async {
            let activity = Activity::default();
            let timeout = Duration::from_secs(10);
            let start = tokio::time::Instant::now();
            let client = async {
                // A request every 8 s for 40 s, then one handler that runs for 30 s, then
                // an answer written slowly for 30 s, a few bytes every 4 s.
                for _ in 0..5 {
                    drop(activity.begin());
                    tokio::time::sleep(Duration::from_secs(8)).await;
                }
                let running = activity.begin();
                tokio::time::sleep(Duration::from_secs(30)).await;
                drop(running);
                let mut last_write = tokio::time::Instant::now();
                for _ in 0..8 {
                    bump(&activity.written, 3);
                    last_write = tokio::time::Instant::now();
                    tokio::time::sleep(Duration::from_secs(4)).await;
                }
                last_write
            };
            let mut watcher = pin!(watch(&activity, timeout));
            let last_write = tokio::select! {
                _ = &mut watcher => panic!("closed after {:?}", start.elapsed()),
                last_write = client => last_write,
            };
            // Then quiet: closed between one and one and a half timeouts after the last write.
            assert!(watcher.await);
            let quiet = last_write.elapsed();
            assert!(quiet >= timeout && quiet <= timeout * 3 / 2, "{quiet:?}");
        });
    }

    #[test]
    fn the_watch_ends_with_its_connection_at_once() {
        runtime().block_on(async {
            let activity = Activity::default();
            let start = tokio::time::Instant::now();
            let connection = async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                activity.end();
            };
            let (closed, ()) = tokio::join!(watch(&activity, Duration::from_secs(10)), connection);
            assert!(!closed);
            assert_eq!(start.elapsed(), Duration::from_secs(3));
            // Ended before the watch started waiting: the watch ends at its first look.
            let activity = Activity::default();
            activity.end();
            assert!(!watch(&activity, Duration::from_secs(10)).await);
            assert_eq!(start.elapsed(), Duration::from_secs(3));
        });
    }

    #[test]
    fn counted_streams_count_written_bytes() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (a, mut b) = tokio::io::duplex(1024);
            let activity = std::sync::Arc::new(Activity::default());
            let mut counted = Counted {
                io: a,
                activity: activity.clone(),
            };
            counted.write_all(b"hello, world").await.unwrap();
            let mut got = [0; 12];
            b.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"hello, world");
            assert_eq!(activity.snapshot().2, 12);
        });
    }
}
