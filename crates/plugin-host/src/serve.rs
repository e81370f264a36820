//! The runtime and the gRPC server, from a bound listener to process exit.

use std::time::Duration;

use anyhow::Context as _;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;

use super::listener::BoundListener;
use super::{services, signals, transport};

/// How long in-flight responses (above all the reply to `Shutdown` itself) may take to drain once
/// shutdown starts. go-plugin's host waits 2 s before killing; we aim to be gone well within
/// 100 ms of the Shutdown reply even on a loaded machine, so anything still open after this
/// (such as the stdio stream every host keeps open) is abandoned.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(20);

/// HTTP/2 receive windows. Plans and states can be megabytes; larger windows than hyper's 1 MiB
/// default avoid flow-control round trips on big requests at negligible memory cost.
const STREAM_WINDOW: u32 = 4 * 1024 * 1024;
const CONNECTION_WINDOW: u32 = 8 * 1024 * 1024;

/// Worker threads. Terraform issues up to ten RPCs at once and the provider's AWS calls spend CPU
/// on TLS and response parsing, so one thread would serialise them; two workers cover the
/// machines providers usually run on without paying start-up time and memory for more.
const WORKER_THREADS: usize = 2;

/// Everything `run` needs, prepared before the runtime exists.
pub struct ServeParams<F> {
    pub managed: bool,
    /// Names the runtime's worker threads, so a debugger or `top -H` shows whose they are.
    pub thread_name: String,
    pub listener: BoundListener,
    pub tls: Option<TlsAcceptor>,
    pub build_routes: F,
    pub shutdown: CancellationToken,
}

/// Builds the runtime, serves until shutdown, and tears everything down without waiting for
/// stray tasks (the process is about to exit).
pub fn run<F>(params: ServeParams<F>) -> anyhow::Result<()>
where
    F: FnOnce() -> Routes,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name(params.thread_name.clone())
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let result = runtime.block_on(serve(params));
    runtime.shutdown_background();
    result
}

async fn serve<F>(params: ServeParams<F>) -> anyhow::Result<()>
where
    F: FnOnce() -> Routes,
{
    let ServeParams {
        managed,
        thread_name: _,
        listener,
        tls,
        build_routes,
        shutdown,
    } = params;
    signals::watch(managed, shutdown.clone()).context("installing signal handlers")?;

    let routes = services::add_plugin_services(build_routes(), shutdown.clone()).await;
    let (listener, socket_file) = listener.into_tokio().context("attaching the listener")?;
    let incoming = transport::incoming(listener, tls, shutdown.clone());

    let mut builder = tonic::transport::Server::builder()
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        // The peer is a local process; keepalive pings would only add wake-ups.
        .http2_keepalive_interval(None);
    let server = builder
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());
    tokio::pin!(server);

    tokio::select! {
        result = &mut server => result.context("the gRPC server failed")?,
        () = shutdown.cancelled() => {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await.is_err() {
                tracing::debug!("connections still busy after the shutdown grace period; exiting");
            }
        }
    }
    tracing::debug!("plugin server stopped");
    drop(socket_file);
    Ok(())
}
