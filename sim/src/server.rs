//! The listener: one port for all three services plus the admin API.
//!
//! A hand-rolled accept loop (instead of `axum::serve`) gives each connection a kill switch, so
//! the "drop" and "lost_response" faults can close a connection without sending anything, and
//! lets shutdown abort every open connection so no task outlives the `SimHandle`.
//!
//! A "hang" leaves its request future pending forever. It still cannot leak: hyper keeps
//! reading the socket while a request is in flight (half-close is off), so when the client
//! closes the connection, hyper ends it with an "incomplete message" error and the
//! connection task, with the pending request inside, finishes; shutdown aborts whatever is
//! left. (A client that pipelines more bytes behind a hung request is only cut off when it
//! closes the socket for good or at shutdown.)

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, LazyLock};
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
use crate::admin_types::CallRecord;
use crate::api::{ApiError, Service};
use crate::ec2;
use crate::families;
use crate::families::spec::{Handler, Subject};
use crate::family::Family;
use crate::faults::FaultKind;
use crate::lifecycle::now_ms;
use crate::networkmanager;
use crate::state::Sim;
use crate::sts;
use crate::workspaces;

/// Largest request body the AWS endpoints accept; the real services reject far smaller bodies
/// for these operations, so 1 MiB only guards the emulator itself.
pub const BODY_LIMIT: usize = 1 << 20;
/// Oversized bodies are still read (and discarded) up to this size so the client sees our
/// error instead of a connection reset while it is still sending.
const DRAIN_LIMIT: usize = 64 << 20;

/// Every AWS operation the emulator serves, by the way its service addresses it: built once
/// from the families' specs, so each protocol only decodes and this table alone finds handlers.
struct Routes {
    /// EC2 query operations, by `Action`.
    ec2: HashMap<&'static str, Route<ec2::Handler>>,
    /// WorkSpaces operations, by the `X-Amz-Target` suffix.
    workspaces: HashMap<&'static str, Route<workspaces::Handler>>,
    /// NetworkManager operations, tried in order against the method and path.
    networkmanager: Vec<RestRoute>,
    /// Everything above plus STS, for [`served_operations`].
    served: Vec<ServedOperation>,
}

/// One operation's handler and the request member naming its parent.
struct Route<H> {
    subject: Subject,
    run: H,
}

/// A NetworkManager operation: its method and path template, then the route.
struct RestRoute {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    route: Route<networkmanager::Handler>,
}

static ROUTES: LazyLock<Routes> = LazyLock::new(Routes::new);

impl Routes {
    fn new() -> Routes {
        let mut routes = Routes {
            ec2: HashMap::new(),
            workspaces: HashMap::new(),
            networkmanager: Vec::new(),
            served: Vec::new(),
        };
        for (family, op) in families::operations() {
            let subject = op.subject;
            match op.handler {
                Handler::Ec2(run) => {
                    routes.ec2.insert(op.name, Route { subject, run });
                }
                Handler::WorkSpaces(run) => {
                    routes.workspaces.insert(op.name, Route { subject, run });
                }
                Handler::NetworkManager { method, path, run } => {
                    routes.networkmanager.push(RestRoute {
                        name: op.name,
                        method,
                        path,
                        route: Route { subject, run },
                    });
                }
            }
            routes.served.push(ServedOperation {
                service: op.service().name(),
                name: op.name,
                family: Some(family),
            });
        }
        routes
            .served
            .extend(sts::OPERATIONS.map(|name| ServedOperation {
                service: Service::Sts.name(),
                name,
                family: None,
            }));
        routes
    }

    /// The NetworkManager operation a method and path address, with its path labels; `None`
    /// means the path is NetworkManager's but not one of ours.
    fn network_manager(
        &self,
        method: &str,
        path: &str,
    ) -> Option<(&RestRoute, networkmanager::Labels)> {
        let segments = networkmanager::segments(path)?;
        self.networkmanager
            .iter()
            .filter(|rest| rest.method == method)
            .find_map(|rest| Some((rest, networkmanager::match_template(rest.path, &segments)?)))
    }
}

/// One AWS operation the emulator answers: its service as in the call log and fault rules
/// (`ec2`, `networkmanager`, `workspaces`, `sts`), its name, and the family it belongs to
/// (`None` for STS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServedOperation {
    pub service: &'static str,
    pub name: &'static str,
    pub family: Option<Family>,
}

/// Every operation the emulator serves, from the same table that routes requests, so a test can
/// match them against the operations a client calls.
pub fn served_operations() -> Vec<ServedOperation> {
    ROUTES.served.clone()
}

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
    let _guard = sim.track_connection();
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
        _ = kill.notified() => debug!("connection closed by fault injection"),
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

/// The SigV4 credential (`AKID/date/region/service/aws4_request`) of the `Authorization`
/// header, or of a presigned URL's `X-Amz-Credential`. Signatures are not verified.
fn credential(auth: Option<&str>, query: Option<&str>) -> Option<String> {
    if let Some(c) = auth.and_then(|a| a.split("Credential=").nth(1)) {
        return Some(c.split([',', ' ']).next().unwrap_or(c).to_string());
    }
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "X-Amz-Credential")
        .map(|(_, v)| v.into_owned())
}

/// Part `n` of the credential scope: 0 = access key ID, 2 = region, 3 = service.
fn scope_part(credential: Option<&str>, n: usize) -> Option<&str> {
    credential?.split('/').nth(n).filter(|s| !s.is_empty())
}

/// Which query service a form request is for: its `Version` decides (`2011-06-15` is STS,
/// `2016-11-15` EC2); without one, the credential scope's service, then the action name
/// (EC2 has no AssumeRole or GetCallerIdentity).
fn query_service(params: &ec2::Params, scope_service: Option<&str>) -> Service {
    match params.get("Version") {
        Some(sts::API_VERSION) => Service::Sts,
        Some(ec2::API_VERSION) => Service::Ec2,
        _ if scope_service == Some("sts") => Service::Sts,
        Some(_) => Service::Ec2,
        None if params
            .get("Action")
            .is_some_and(|a| sts::OPERATIONS.contains(&a)) =>
        {
            Service::Sts
        }
        None => Service::Ec2,
    }
}

/// What a request was decoded into before faults and the handler see it: the operation's
/// handler and its input, and the parent it names (for the call log).
struct Decoded {
    request: Operation,
    subject: Option<String>,
}

enum Operation {
    Sts(ec2::Params),
    Ec2(ec2::Handler, ec2::Params),
    NetworkManager(networkmanager::Handler, networkmanager::Labels),
    WorkSpaces(workspaces::Handler, workspaces::Input),
}

impl Operation {
    /// The value of the member an operation declares as its subject, read the way the
    /// request's protocol carries members.
    fn member(&self, subject: Subject) -> Option<String> {
        let value = match (self, subject) {
            (Operation::Ec2(_, params), Subject::Member(name)) => params.get(name),
            (Operation::Ec2(_, params), Subject::FirstOf(name)) => {
                return params.list(name).into_iter().next();
            }
            (Operation::NetworkManager(_, labels), Subject::Member(name)) => labels.get(name),
            // A path label holds one value.
            (Operation::NetworkManager(..), Subject::FirstOf(_)) => None,
            (Operation::WorkSpaces(_, input), Subject::Member(name)) => input.text(name),
            (Operation::WorkSpaces(_, input), Subject::FirstOf(name)) => input.first_text(name),
            (Operation::Sts(_), _) => None,
        };
        value.map(str::to_owned)
    }

    /// The decoded request with the parent `subject` names.
    fn about(self, subject: Subject) -> Decoded {
        Decoded {
            subject: self.member(subject),
            request: self,
        }
    }
}

/// The parts of a request the handlers read besides the decoded input.
struct Call<'a> {
    parts: &'a Parts,
    body: &'a [u8],
    operation: &'a str,
    request_id: &'a str,
    access_key_id: Option<&'a str>,
    /// The region of the SigV4 credential scope: whose state the call is served from (`None`:
    /// the default region).
    region: Option<&'a str>,
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
    let credential = credential(header(parts, "authorization"), parts.uri.query());
    let access_key_id = scope_part(credential.as_deref(), 0);
    let scope_service = scope_part(credential.as_deref(), 3);
    let region = scope_part(credential.as_deref(), 2);
    let cbor = workspaces::is_rpcv2_cbor(
        path,
        header(parts, "smithy-protocol"),
        header(parts, "content-type"),
    );
    // A first guess from the headers; query requests are refined once the body is read.
    let mut service = if cbor || target.is_some_and(|t| t.starts_with(workspaces::TARGET_PREFIX)) {
        Service::WorkSpaces
    } else if networkmanager::claims(path) {
        Service::NetworkManager
    } else if scope_service == Some("sts") {
        Service::Sts
    } else {
        Service::Ec2
    };
    let nm_route = (service == Service::NetworkManager)
        .then(|| ROUTES.network_manager(method, path))
        .flatten();
    // Best-effort name for the call log, refined once the body is decoded.
    let mut operation = match service {
        Service::WorkSpaces => target
            .and_then(|t| t.strip_prefix(workspaces::TARGET_PREFIX))
            .unwrap_or("Unknown")
            .to_string(),
        Service::NetworkManager => nm_route
            .as_ref()
            .map_or("Unknown", |(rest, _)| rest.name)
            .to_string(),
        Service::Ec2 | Service::Sts => "Unknown".to_string(),
    };

    let bytes = axum::body::to_bytes(body, DRAIN_LIMIT).await;
    let decoded: Result<Decoded, ApiError> = match &bytes {
        Err(_) => Err(service.too_large_error(BODY_LIMIT)),
        Ok(b) if b.len() > BODY_LIMIT => Err(service.too_large_error(BODY_LIMIT)),
        Ok(b) => decode(
            &mut service,
            scope_service,
            parts,
            b,
            nm_route,
            cbor,
            &mut operation,
        ),
    };

    let subject = decoded
        .as_ref()
        .ok()
        .and_then(|decoded| decoded.subject.clone());
    let record = |status: u16, fault: Option<FaultKind>, error_code: Option<&str>| {
        sim.lock().record_call(CallRecord {
            service: service.name().to_owned(),
            operation: operation.clone(),
            at_ms: now_ms(),
            status,
            fault,
            access_key_id: access_key_id.map(str::to_owned),
            subject: subject.clone(),
            error_code: error_code.map(str::to_owned),
            region: region.map(str::to_owned),
        });
    };
    // Authentication comes first, as on AWS: a key of an expired session is refused before
    // anything else is decided (no fault is drawn for it).
    let expired = access_key_id.is_some_and(|key| session_expired(sim, key));
    let mut fault = None;
    let result = match decoded {
        _ if expired => Err(service.expired_token_error()),
        Err(e) => Err(e),
        Ok(decoded) => {
            let decision = {
                let mut guard = sim.lock();
                let inner = &mut *guard;
                inner
                    .faults
                    .decide(service.name(), &operation, &mut inner.rng)
            };
            fault = decision.fault;
            if fault == Some(FaultKind::Hang) {
                // Logged at arrival; the future stays pending until the connection goes away.
                record(0, fault, None);
                debug!(
                    service = service.name(),
                    operation, request_id, "holding the request open without an answer (fault)"
                );
                return std::future::pending().await;
            }
            if decision.latency_ms > 0 {
                tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
            }
            let call = Call {
                parts,
                body: bytes.as_deref().unwrap_or_default(),
                operation: &operation,
                request_id,
                access_key_id,
                region,
            };
            match decision.fault {
                Some(FaultKind::Drop) => {
                    record(0, fault, None);
                    debug!(
                        service = service.name(),
                        operation, request_id, "dropping connection (fault)"
                    );
                    kill.notify_one();
                    return std::future::pending().await;
                }
                Some(FaultKind::LostResponse) => {
                    let outcome = run(sim, decoded, &call);
                    record(0, fault, None);
                    debug!(
                        service = service.name(),
                        operation,
                        request_id,
                        error = outcome.as_ref().err().map(|e| e.code.as_str()),
                        "performed, closing without an answer (fault)"
                    );
                    kill.notify_one();
                    return std::future::pending().await;
                }
                Some(FaultKind::Throttle) => Err(service.throttle_error()),
                Some(FaultKind::Error) => Err(match &decision.error_code {
                    Some(code) => service.injected_error(code),
                    None => service.internal_error(),
                }),
                Some(FaultKind::Deny) => Err(deny(sim, service, &decoded, &call)),
                // A hang has returned above.
                Some(FaultKind::Hang) | None => run(sim, decoded, &call),
            }
        }
    };

    let response = match &result {
        Ok(body) => service.render_ok(body.clone()),
        Err(e) => service.render_error(e, request_id),
    };
    let status = response.status().as_u16();
    let error_code = result.as_ref().err().map(|e| e.code.as_str());
    record(status, fault, error_code);
    debug!(
        service = service.name(),
        operation,
        method,
        path,
        status,
        error = result.as_ref().err().map(|e| e.code.as_str()),
        region,
        request_id,
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "aws request"
    );
    response
}

/// Whether `access_key_id` is the temporary key of an STS session that has expired.
fn session_expired(sim: &Sim, access_key_id: &str) -> bool {
    let now = now_ms();
    sim.lock()
        .sts_session(access_key_id)
        .is_some_and(|session| now >= session.expires_at_ms)
}

fn deny(sim: &Sim, service: Service, decoded: &Decoded, call: &Call<'_>) -> ApiError {
    match &decoded.request {
        Operation::Sts(params) => {
            sts::access_denied(sim, call.operation, params, call.access_key_id)
        }
        _ => service.deny_error(call.operation),
    }
}

/// Recognises the operation and decodes the protocol envelope; anything malformed becomes the
/// service's own error. Settles which query service (EC2 or STS) a form request is for.
fn decode(
    service: &mut Service,
    scope_service: Option<&str>,
    parts: &Parts,
    body: &[u8],
    nm_route: Option<(&RestRoute, networkmanager::Labels)>,
    cbor: bool,
    operation: &mut String,
) -> Result<Decoded, ApiError> {
    match *service {
        Service::WorkSpaces => {
            if cbor {
                warn!("refusing an RPCv2 CBOR WorkSpaces request; the SDK switched protocols");
                return Err(workspaces::rpcv2_cbor_error());
            }
            let route = ROUTES
                .workspaces
                .get(operation.as_str())
                .ok_or_else(|| workspaces::unknown_operation(operation))?;
            let input = workspaces::Input::parse(body)?;
            Ok(Operation::WorkSpaces(route.run, input).about(route.subject))
        }
        Service::NetworkManager => match nm_route {
            Some((rest, labels)) => {
                Ok(Operation::NetworkManager(rest.route.run, labels).about(rest.route.subject))
            }
            None => Err(networkmanager::validation(
                &format!("Unknown operation {} {}", parts.method, parts.uri.path()),
                "UnknownOperation",
                &[],
            )),
        },
        Service::Ec2 | Service::Sts => {
            let params = ec2::Params::parse(parts.uri.query(), body);
            *service = query_service(&params, scope_service);
            let version = match *service {
                Service::Sts => sts::API_VERSION,
                _ => ec2::API_VERSION,
            };
            let Some(action) = params.get("Action") else {
                return Err(ApiError::new(
                    400,
                    "MissingAction",
                    "The request must contain the parameter Action",
                ));
            };
            *operation = action.to_string();
            if let Some(v) = params.get("Version")
                && v != version
            {
                return Err(ApiError::new(
                    400,
                    "NoSuchVersion",
                    format!("An invalid or unsupported API version {v} was specified"),
                ));
            }
            match *service {
                Service::Sts if sts::OPERATIONS.contains(&action) => Ok(Decoded {
                    request: Operation::Sts(params),
                    subject: None,
                }),
                Service::Sts => Err(sts::unknown_action(action)),
                _ => match ROUTES.ec2.get(action) {
                    Some(route) => Ok(Operation::Ec2(route.run, params).about(route.subject)),
                    None => Err(ec2::invalid_action(action)),
                },
            }
        }
    }
}

/// Runs the decoded operation (a family's on the state of the call's region) and encodes the
/// answer.
fn run(sim: &Sim, decoded: Decoded, call: &Call<'_>) -> Result<String, ApiError> {
    let region = || sim.lock_now_in(call.region);
    match decoded.request {
        Operation::Sts(params) => sts::handle(
            sim,
            call.operation,
            &params,
            call.request_id,
            call.access_key_id,
        ),
        Operation::Ec2(run, params) => {
            let (mut inner, now) = region();
            let members = run(&mut inner, &params, now)?;
            Ok(ec2::encode(call.operation, call.request_id, members))
        }
        Operation::NetworkManager(run, labels) => {
            let (mut inner, now) = region();
            let request = networkmanager::Request {
                labels: &labels,
                query: call.parts.uri.query(),
                body: call.body,
            };
            Ok(run(&mut inner, &request, now)?.to_string())
        }
        Operation::WorkSpaces(run, input) => {
            let (mut inner, now) = region();
            Ok(run(&mut inner, &input, now)?.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Durations, Profile};

    #[test]
    fn key_region_and_service_come_from_the_credential_scope() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20261120/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=00";
        let c = credential(Some(auth), None);
        assert_eq!(scope_part(c.as_deref(), 0), Some("AKID"));
        assert_eq!(scope_part(c.as_deref(), 2), Some("eu-west-1"));
        assert_eq!(scope_part(c.as_deref(), 3), Some("ec2"));
        assert_eq!(credential(Some("Bearer x"), None), None);
        let presigned = "Action=GetCallerIdentity&X-Amz-Credential=ASIAX%2F20261120%2Fus-east-1%2Fsts%2Faws4_request";
        let c = credential(None, Some(presigned));
        assert_eq!(scope_part(c.as_deref(), 0), Some("ASIAX"));
        assert_eq!(scope_part(c.as_deref(), 3), Some("sts"));
    }

    #[test]
    fn every_family_operation_is_routed_once_by_its_service() {
        let routed = ROUTES.ec2.len() + ROUTES.workspaces.len() + ROUTES.networkmanager.len();
        assert_eq!(routed, families::operations().count());
        for action in [
            "AssociateClientVpnTargetNetwork",
            "DescribeClientVpnEndpoints",
            "DescribeClientVpnTargetNetworks",
            "DisassociateClientVpnTargetNetwork",
            "AssociateRouteServer",
            "GetRouteServerAssociations",
            "DisassociateRouteServer",
        ] {
            assert!(ROUTES.ec2.contains_key(action), "{action}");
        }
        assert!(!ROUTES.ec2.contains_key("AssociateConnectPeer"));
        let served = served_operations();
        assert_eq!(served.len(), routed + sts::OPERATIONS.len());
        assert!(served.contains(&ServedOperation {
            service: "sts",
            name: "AssumeRole",
            family: None,
        }));
        assert!(served.contains(&ServedOperation {
            service: "networkmanager",
            name: "GetConnectPeerAssociations",
            family: Some(Family::ConnectPeer),
        }));
    }

    /// `docs/emulator.md` describes every family: its row in the table of families naming each
    /// of its operations, its row in the lifecycle table, and its durations per profile.
    #[test]
    fn the_emulator_page_describes_every_family_and_operation() {
        let page = include_str!("../../docs/emulator.md");
        let row = |start: &str| {
            page.lines()
                .find(|line| line.starts_with(start))
                .unwrap_or_else(|| panic!("docs/emulator.md has no row starting {start:?}"))
        };
        for op in served_operations() {
            let family = op.family.map_or("—".to_owned(), |f| format!("`{f}`"));
            let listed = row(&format!("| {family} |"));
            assert!(listed.contains(op.name), "{family}'s row lacks {}", op.name);
        }
        for family in Family::ALL {
            row(&format!("| {family} |"));
        }
        let header: Vec<&str> = row("| Profile |").split('|').map(str::trim).collect();
        for profile in [Profile::Fast, Profile::Demo, Profile::Realistic] {
            let durations = Durations::for_profile(profile);
            let cells: Vec<&str> = row(&format!("| `{profile}`")).split('|').collect();
            for (i, family) in Family::ALL.into_iter().enumerate() {
                assert!(header[i + 2].starts_with(family.name()), "{header:?}");
                let d = durations[family];
                let numbers = format!(
                    "{} / {} / {}",
                    d.associate_ms, d.disassociate_ms, d.grace_ms
                );
                assert_eq!(cells[i + 2].trim(), numbers, "{profile} {family}");
            }
        }
    }

    #[test]
    fn network_manager_routes_resolve_by_method_and_path() {
        let resolved = |method: &str, path: &str| {
            ROUTES
                .network_manager(method, path)
                .map(|(rest, labels)| (rest.name, labels.get("connectPeerId").map(str::to_owned)))
        };
        assert_eq!(
            resolved(
                "DELETE",
                "/prefix/global-networks/gn%2D1/connect-peer-associations/cp-1"
            ),
            Some(("DisassociateConnectPeer", Some("cp-1".to_owned())))
        );
        assert_eq!(
            resolved("GET", "/global-networks/gn-1/connect-peer-associations/"),
            Some(("GetConnectPeerAssociations", None))
        );
        assert_eq!(
            resolved("PUT", "/global-networks/gn-1/connect-peer-associations"),
            None
        );
    }

    #[test]
    fn each_operation_is_attributed_to_the_member_it_declares() {
        let query = |body: &str| ec2::Params::parse(None, body.as_bytes());
        let run: ec2::Handler = |_, _, _| Ok(crate::xml::Xml::default());
        let ec2 = Operation::Ec2(
            run,
            query("ClientVpnEndpointId=cvpn-1&RouteServerId.1=rs-1"),
        );
        assert_eq!(
            ec2.member(Subject::Member("ClientVpnEndpointId"))
                .as_deref(),
            Some("cvpn-1")
        );
        assert_eq!(ec2.member(Subject::Member("RouteServerId")), None);
        assert_eq!(
            ec2.member(Subject::FirstOf("RouteServerId")).as_deref(),
            Some("rs-1")
        );
        let run: workspaces::Handler = |_, _, _| Ok(serde_json::Value::Null);
        let input = workspaces::Input::parse(
            br#"{"WorkspaceIds": ["ws-2", "ws-3"], "ApplicationId": "wsa-1"}"#,
        )
        .unwrap();
        let json = Operation::WorkSpaces(run, input);
        assert_eq!(
            json.member(Subject::FirstOf("WorkspaceIds")).as_deref(),
            Some("ws-2")
        );
        assert_eq!(
            json.member(Subject::Member("ApplicationId")).as_deref(),
            Some("wsa-1")
        );
        assert_eq!(json.member(Subject::Member("WorkspaceId")), None);
    }

    #[test]
    fn query_requests_go_to_sts_by_version_then_scope_then_action() {
        let p = |body: &str| ec2::Params::parse(None, body.as_bytes());
        let sts = Service::Sts;
        let ec2 = Service::Ec2;
        assert_eq!(
            query_service(&p("Action=AssumeRole&Version=2011-06-15"), None),
            sts
        );
        assert_eq!(
            query_service(&p("Action=X&Version=2016-11-15"), Some("sts")),
            ec2
        );
        assert_eq!(
            query_service(&p("Action=X&Version=2099-01-01"), Some("sts")),
            sts
        );
        assert_eq!(
            query_service(&p("Action=X&Version=2099-01-01"), Some("ec2")),
            ec2
        );
        assert_eq!(query_service(&p("Action=GetCallerIdentity"), None), sts);
        assert_eq!(
            query_service(&p("Action=DescribeClientVpnEndpoints"), None),
            ec2
        );
    }
}
