//! The listener: one port for all three services plus the admin API.
//!
//! A hand-rolled accept loop (instead of `axum::serve`) gives each connection a kill switch, so
//! the "drop" fault can close a connection without sending anything, and lets shutdown abort
//! every open connection so no task outlives the `SimHandle`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tracing::{debug, warn};

use crate::admin;
use crate::api::{ApiError, Service};
use crate::ec2;
use crate::faults::FaultKind;
use crate::lifecycle::now_ms;
use crate::networkmanager;
use crate::state::Sim;
use crate::workspaces;

/// Largest request body the AWS endpoints accept; the real services reject far smaller bodies
/// for these operations, so 1 MiB only guards the emulator itself.
pub const BODY_LIMIT: usize = 1 << 20;
/// Oversized bodies are still read (and discarded) up to this size so the client sees our
/// error instead of a connection reset while it is still sending.
const DRAIN_LIMIT: usize = 64 << 20;

pub async fn serve(listener: TcpListener, sim: Arc<Sim>, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(connection(stream, sim.clone()));
                }
                Err(e) => {
                    // Usually fd exhaustion; back off instead of spinning.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
        while connections.try_join_next().is_some() {}
    }
    connections.abort_all();
}

async fn connection(stream: TcpStream, sim: Arc<Sim>) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = kill.clone();
        hyper::service::service_fn(move |req: Request<Incoming>| {
            let sim = sim.clone();
            let kill = kill.clone();
            async move { Ok::<_, Infallible>(handle(sim, kill, req).await) }
        })
    };
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = conn => {
            if let Err(e) = result {
                debug!(error = %e, "connection ended with an error");
            }
        }
        _ = kill.notified() => debug!("connection dropped by fault injection"),
    }
}

async fn handle(sim: Arc<Sim>, kill: Arc<Notify>, req: Request<Incoming>) -> Response<Body> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = req.into_parts();
    let mut response = if parts.uri.path().starts_with("/_sim") {
        admin::handle(&sim, &parts, Body::new(body)).await
    } else {
        aws(&sim, &kill, &parts, Body::new(body), &request_id).await
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-RequestId", v);
    }
    response
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The region of the SigV4 credential scope (`Credential=AKID/date/REGION/service/...`).
/// Signatures are not verified; the region only goes into the request log.
fn region_from_authorization(auth: Option<&str>) -> Option<&str> {
    let scope = auth?.split("Credential=").nth(1)?;
    scope.split('/').nth(2)
}

/// What a request was decoded into before faults and the handler see it.
enum Decoded {
    Ec2(ec2::Params),
    NetworkManager(networkmanager::Route),
    WorkSpaces(serde_json::Map<String, serde_json::Value>),
}

async fn aws(
    sim: &Sim,
    kill: &Notify,
    parts: &Parts,
    body: Body,
    request_id: &str,
) -> Response<Body> {
    let started = Instant::now();
    let path = parts.uri.path();
    let method = parts.method.as_str();
    let target = header(parts, "x-amz-target");
    let cbor = workspaces::is_rpcv2_cbor(
        path,
        header(parts, "smithy-protocol"),
        header(parts, "content-type"),
    );
    let service = if cbor || target.is_some_and(|t| t.starts_with(workspaces::TARGET_PREFIX)) {
        Service::WorkSpaces
    } else if networkmanager::claims(path) {
        Service::NetworkManager
    } else {
        Service::Ec2
    };
    let nm_route = (service == Service::NetworkManager)
        .then(|| networkmanager::route(method, path))
        .flatten();
    // Best-effort name for the call log, refined once the body is decoded.
    let mut operation = match service {
        Service::WorkSpaces => target
            .and_then(|t| t.strip_prefix(workspaces::TARGET_PREFIX))
            .unwrap_or("Unknown")
            .to_string(),
        Service::NetworkManager => nm_route
            .as_ref()
            .map_or("Unknown", |r| r.operation())
            .to_string(),
        Service::Ec2 => "Unknown".to_string(),
    };

    let bytes = axum::body::to_bytes(body, DRAIN_LIMIT).await;
    let decoded: Result<Decoded, ApiError> = match &bytes {
        Err(_) => Err(service.too_large_error(BODY_LIMIT)),
        Ok(b) if b.len() > BODY_LIMIT => Err(service.too_large_error(BODY_LIMIT)),
        Ok(b) => decode(service, parts, b, nm_route, cbor, &mut operation),
    };

    let mut fault = None;
    let result = match decoded {
        Err(e) => Err(e),
        Ok(decoded) => {
            let decision = {
                let mut guard = sim.lock();
                let inner = &mut *guard;
                inner
                    .faults
                    .decide(service.name(), &operation, &mut inner.rng)
            };
            if decision.latency_ms > 0 {
                tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
            }
            fault = decision.fault;
            match decision.fault {
                Some(FaultKind::Drop) => {
                    sim.lock()
                        .record_call(service.name(), &operation, now_ms(), 0, fault);
                    debug!(
                        service = service.name(),
                        operation, request_id, "dropping connection (fault)"
                    );
                    kill.notify_one();
                    return std::future::pending().await;
                }
                Some(FaultKind::Throttle) => Err(service.throttle_error()),
                Some(FaultKind::Error) => Err(service.internal_error()),
                Some(FaultKind::Deny) => Err(service.deny_error(&operation)),
                None => run(
                    sim,
                    decoded,
                    parts,
                    bytes.as_deref().unwrap_or_default(),
                    &operation,
                    request_id,
                ),
            }
        }
    };

    let response = match &result {
        Ok(body) => service.render_ok(body.clone()),
        Err(e) => service.render_error(e, request_id),
    };
    let status = response.status().as_u16();
    sim.lock()
        .record_call(service.name(), &operation, now_ms(), status, fault);
    debug!(
        service = service.name(),
        operation,
        method,
        path,
        status,
        error = result.as_ref().err().map(|e| e.code.as_str()),
        region = region_from_authorization(header(parts, "authorization")),
        request_id,
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "aws request"
    );
    response
}

/// Recognises the operation and decodes the protocol envelope; anything malformed becomes the
/// service's own error.
fn decode(
    service: Service,
    parts: &Parts,
    body: &[u8],
    nm_route: Option<networkmanager::Route>,
    cbor: bool,
    operation: &mut String,
) -> Result<Decoded, ApiError> {
    match service {
        Service::WorkSpaces => {
            if cbor {
                warn!("refusing an RPCv2 CBOR WorkSpaces request; the SDK switched protocols");
                return Err(workspaces::rpcv2_cbor_error());
            }
            if !workspaces::OPERATIONS.contains(&operation.as_str()) {
                return Err(ApiError::new(
                    400,
                    "UnknownOperationException",
                    format!("Unknown operation {operation}"),
                ));
            }
            workspaces::parse_input(body).map(Decoded::WorkSpaces)
        }
        Service::NetworkManager => match nm_route {
            Some(route) => Ok(Decoded::NetworkManager(route)),
            None => Err(networkmanager::validation(
                &format!("Unknown operation {} {}", parts.method, parts.uri.path()),
                "UnknownOperation",
                &[],
            )),
        },
        Service::Ec2 => {
            let params = ec2::Params::parse(parts.uri.query(), body);
            let Some(action) = params.get("Action") else {
                return Err(ApiError::new(
                    400,
                    "MissingAction",
                    "The request must contain the parameter Action",
                ));
            };
            *operation = action.to_string();
            if let Some(version) = params.get("Version")
                && version != ec2::API_VERSION
            {
                return Err(ApiError::new(
                    400,
                    "NoSuchVersion",
                    format!("An invalid or unsupported API version {version} was specified"),
                ));
            }
            if !ec2::OPERATIONS.contains(&action) {
                return Err(ApiError::new(
                    400,
                    "InvalidAction",
                    format!("The action {action} is not valid for this web service."),
                ));
            }
            Ok(Decoded::Ec2(params))
        }
    }
}

fn run(
    sim: &Sim,
    decoded: Decoded,
    parts: &Parts,
    body: &[u8],
    operation: &str,
    request_id: &str,
) -> Result<String, ApiError> {
    match decoded {
        Decoded::Ec2(params) => ec2::handle(sim, operation, &params, request_id),
        Decoded::NetworkManager(route) => {
            networkmanager::handle(sim, &route, parts.uri.query(), body)
        }
        Decoded::WorkSpaces(input) => workspaces::handle(sim, operation, &input),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_comes_from_the_credential_scope() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20261120/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=00";
        assert_eq!(region_from_authorization(Some(auth)), Some("eu-west-1"));
        assert_eq!(region_from_authorization(Some("Bearer x")), None);
    }
}
