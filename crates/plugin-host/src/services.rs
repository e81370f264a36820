//! The go-plugin side services that sit next to tfplugin6 on the one gRPC server.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio_stream::Stream;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tonic::codegen::BoxStream;
use tonic::service::Routes;
use tonic::{Request, Response, Status};

use super::proto::grpc_controller_server::{GrpcController, GrpcControllerServer};
use super::proto::grpc_stdio_server::{GrpcStdio, GrpcStdioServer};
use super::proto::{Empty, StdioData};

/// Health service name go-plugin's client asks about in `Ping`.
pub const HEALTH_SERVICE_NAME: &str = "plugin";

/// Requests for these services are empty; anything large is a bug or an attack, so decode limits
/// stay tiny instead of inheriting tfplugin6's 256 MiB.
const SMALL_MESSAGE_LIMIT: usize = 64 * 1024;

/// Adds GRPCController, GRPCStdio and grpc.health.v1 to `routes`.
pub async fn add_plugin_services(routes: Routes, shutdown: CancellationToken) -> Routes {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status(HEALTH_SERVICE_NAME, tonic_health::ServingStatus::Serving)
        .await;
    routes
        .add_service(
            GrpcControllerServer::new(Controller {
                shutdown: shutdown.clone(),
            })
            .max_decoding_message_size(SMALL_MESSAGE_LIMIT),
        )
        .add_service(
            GrpcStdioServer::new(Stdio { shutdown }).max_decoding_message_size(SMALL_MESSAGE_LIMIT),
        )
        .add_service(health.max_decoding_message_size(SMALL_MESSAGE_LIMIT))
}

/// go-plugin calls `Shutdown` when the host is done with the process (Terraform: at the end of
/// every phase). Without it the host waits 2 s and then kills us, so this triggers the process
/// shutdown at once; the server still finishes writing this very response before it stops.
#[derive(Debug)]
struct Controller {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("host requested plugin shutdown");
        self.shutdown.cancel();
        Ok(Response::new(Empty {}))
    }
}

/// The host subscribes to stdio mirroring once per connection. We never write to stdout/stderr
/// through it (logs go to the real stderr, which the host already reads), so the stream stays
/// silent and ends only when the process shuts down, which lets graceful shutdown complete.
#[derive(Debug)]
struct Stdio {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<BoxStream<StdioData>>, Status> {
        let stream = SilentUntilCancelled {
            cancelled: Box::pin(self.shutdown.clone().cancelled_owned()),
        };
        Ok(Response::new(Box::pin(stream)))
    }
}

/// A stream that yields nothing and finishes when its token is cancelled.
struct SilentUntilCancelled {
    cancelled: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl Stream for SilentUntilCancelled {
    type Item = Result<StdioData, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.cancelled.as_mut().poll(cx).map(|()| None)
    }
}
