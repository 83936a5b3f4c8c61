//! A unix-socket connector whose connections stop reading after a byte budget, so a peer that
//! streams without end cannot exhaust memory within the probe timeout. Docker's answers for a
//! node are kilobytes to a few megabytes.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::UnixStream;

/// Bytes one connection may read.
pub(crate) const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// Connects every request to one unix socket, whatever the URI says.
#[derive(Clone)]
pub(crate) struct UnixConnector {
    pub(crate) path: PathBuf,
    pub(crate) budget: u64,
}

impl tower::Service<http::Uri> for UnixConnector {
    type Response = TokioIo<Capped>;
    type Error = io::Error;
    type Future = Pin<Box<dyn std::future::Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let (path, budget) = (self.path.clone(), self.budget);
        Box::pin(async move {
            let stream = UnixStream::connect(path).await?;
            Ok(TokioIo::new(Capped {
                inner: stream,
                left: budget,
            }))
        })
    }
}

/// A stream that fails reads once its budget is spent.
pub(crate) struct Capped {
    inner: UnixStream,
    left: u64,
}

impl Connection for Capped {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl AsyncRead for Capped {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.left == 0 {
            return Poll::Ready(Err(io::Error::other(format!(
                "the answer is larger than {} MiB; reading stopped",
                MAX_RESPONSE_BYTES / (1024 * 1024)
            ))));
        }
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        self.left = self.left.saturating_sub(read);
        poll
    }
}

impl AsyncWrite for Capped {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
