//! Response bodies: bytes in memory, or a batch response read back from its spill file.

use std::fs::File;
use std::future::Future;
use std::io::{self, Read};
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::task::JoinHandle;

/// Bytes read from a spill file per frame.
const FILE_CHUNK: usize = 64 << 10;

/// What a response sends. The length is always known, so hyper sends `Content-Length`.
pub enum ResBody {
    Bytes(Option<Bytes>),
    /// A file, read `FILE_CHUNK` bytes at a time on the blocking pool (never on the
    /// runtime's threads, and no thread waits for a slow client).
    File {
        file: Option<File>,
        reading: Option<JoinHandle<(File, io::Result<Vec<u8>>)>>,
        remaining: u64,
    },
}

impl ResBody {
    pub fn bytes(body: Vec<u8>) -> Self {
        ResBody::Bytes((!body.is_empty()).then(|| Bytes::from(body)))
    }

    /// `len` bytes of `file`, from its current position.
    pub fn file(file: File, len: u64) -> Self {
        ResBody::File {
            file: Some(file),
            reading: None,
            remaining: len,
        }
    }
}

impl Body for ResBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            ResBody::Bytes(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            ResBody::File {
                file,
                reading,
                remaining,
            } => loop {
                if let Some(handle) = reading {
                    let (f, read) = match Pin::new(handle).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Ok(done)) => done,
                        Poll::Ready(Err(e)) => {
                            *reading = None;
                            return Poll::Ready(Some(Err(io::Error::other(e))));
                        }
                    };
                    *reading = None;
                    *file = Some(f);
                    return Poll::Ready(Some(match read {
                        Ok(buf) if buf.is_empty() => Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the spill file ended early",
                        )),
                        Ok(buf) => {
                            *remaining = remaining.saturating_sub(buf.len() as u64);
                            Ok(Frame::data(Bytes::from(buf)))
                        }
                        Err(e) => Err(e),
                    }));
                }
                if *remaining == 0 {
                    *file = None;
                    return Poll::Ready(None);
                }
                let Some(mut f) = file.take() else {
                    return Poll::Ready(None);
                };
                let want = (*remaining).min(FILE_CHUNK as u64) as usize;
                *reading = Some(tokio::task::spawn_blocking(move || {
                    let mut buf = vec![0u8; want];
                    let read = f.read(&mut buf).map(|n| {
                        buf.truncate(n);
                        buf
                    });
                    (f, read)
                }));
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResBody::Bytes(b) => b.is_none(),
            ResBody::File { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResBody::Bytes(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            ResBody::File { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}
