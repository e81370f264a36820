//! Turns the listener into the stream of ready connections tonic serves.
//!
//! TLS is terminated here rather than by tonic because tonic's TLS configuration cannot take the
//! pinned-certificate client verifier. Each TLS handshake runs in its own task so one slow or
//! hostile peer cannot hold up the accept loop; only connections that completed the handshake
//! (and thus presented the pinned client certificate) ever reach the gRPC server.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::either::Either;
use tokio_util::sync::CancellationToken;

use super::listener::{IoStream, Listener};

/// Long enough for a loaded machine, short enough that a stuck peer does not pin a task forever.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection ready for HTTP/2: plaintext (debug mode, `TF_DISABLE_PLUGIN_TLS`) or TLS. A
/// newtype only because tonic's `Connected` must be implemented on a type of this crate; reads
/// and writes go straight to the inner stream.
#[derive(Debug)]
pub struct Conn(Either<IoStream, Box<TlsStream<IoStream>>>);

impl tonic::transport::server::Connected for Conn {
    // The peer is always the local host process; there is nothing useful to expose.
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

/// Spawns the accept loop and returns the stream of established connections. The loop stops
/// accepting when `stop` is cancelled.
pub fn incoming(
    listener: Listener,
    tls: Option<TlsAcceptor>,
    stop: CancellationToken,
) -> ReceiverStream<io::Result<Conn>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(accept_loop(listener, tls, tx, stop));
    ReceiverStream::new(rx)
}

async fn accept_loop(
    listener: Listener,
    tls: Option<TlsAcceptor>,
    tx: mpsc::Sender<io::Result<Conn>>,
    stop: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok(stream) => stream,
            Err(error) => {
                // Typically EMFILE; back off briefly instead of spinning.
                tracing::warn!(error = %error, "accepting a plugin connection failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        tracing::trace!("accepted a plugin connection");
        match &tls {
            None => {
                if tx.send(Ok(Conn(Either::Left(stream)))).await.is_err() {
                    return;
                }
            }
            Some(acceptor) => {
                tokio::spawn(handshake(acceptor.clone(), stream, tx.clone()));
            }
        }
    }
}

async fn handshake(acceptor: TlsAcceptor, stream: IoStream, tx: mpsc::Sender<io::Result<Conn>>) {
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => {
            let _ = tx.send(Ok(Conn(Either::Right(Box::new(tls))))).await;
        }
        Ok(Err(error)) => tracing::warn!(
            error = %error,
            "refused a connection at the TLS layer (it did not present the client certificate from PLUGIN_CLIENT_CERT)"
        ),
        Err(_) => tracing::warn!("refused a connection whose TLS handshake did not finish in time"),
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
