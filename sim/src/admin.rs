//! The admin and introspection API under `/_sim/` (a prefix no AWS operation path uses).
//!
//! It exists so tests and benchmarks can set up parents, bend time and faults, and read back
//! exactly what happened: every state transition with its timestamp and every call received.

use axum::body::Body;
use axum::http::Response;
use axum::http::request::Parts;
use serde::Deserialize;
use serde_json::{Value, json};
use tracing::debug;

use crate::admin_types::{AssociateRequest, AssociationRecord, WorkspaceStateChange};
use crate::api::{ApiError, respond};
use crate::families::{self, spec::OutOfBandError};
use crate::family::Family;
use crate::faults::FaultSettings;
use crate::state::{Inner, Sim, StateRevert};
use crate::world::{WORKSPACE_STATES, World};

const ADMIN_BODY_LIMIT: usize = 16 << 20;

fn ok(value: Value) -> Response<Body> {
    respond(200, "application/json", value.to_string())
}

/// An admin failure, rendered as `{"error": message}` with `status` (plus `"code"` when an
/// AWS check refused an out-of-band associate).
struct AdminError {
    status: u16,
    message: String,
    code: Option<String>,
}

fn fail(status: u16, message: impl Into<String>) -> AdminError {
    AdminError {
        status,
        message: message.into(),
        code: None,
    }
}

impl AdminError {
    fn into_response(self) -> Response<Body> {
        let mut body = json!({"error": self.message});
        if let Some(code) = self.code {
            body["code"] = json!(code);
        }
        respond(self.status, "application/json", body.to_string())
    }
}

impl From<OutOfBandError> for AdminError {
    fn from(e: OutOfBandError) -> AdminError {
        match e {
            OutOfBandError::BadRequest(message) => fail(400, message),
            OutOfBandError::Refused(e) => e.into(),
        }
    }
}

/// An AWS refusal of an admin request: 409 for conflicts, 404 for unknown parents, else 400.
impl From<ApiError> for AdminError {
    fn from(e: ApiError) -> AdminError {
        let status = if e.code.contains("NotFound") {
            404
        } else if e.code.contains("Already")
            || e.code.contains("Duplicate")
            || e.code.contains("Conflict")
            || e.code.contains("InUse")
        {
            409
        } else {
            400
        };
        AdminError {
            status,
            message: format!("{}: {}", e.code, e.message),
            code: Some(e.code),
        }
    }
}

/// What an admin endpoint answers: its JSON response, or the failure to render.
type Answer = Result<Response<Body>, AdminError>;

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8], what: &str) -> Result<T, AdminError> {
    serde_json::from_slice(body).map_err(|e| fail(400, format!("invalid {what} body: {e}")))
}

pub async fn handle(sim: &Sim, parts: &Parts, body: Body) -> Response<Body> {
    let method = parts.method.as_str();
    let path = parts.uri.path().trim_end_matches('/');
    let body = match axum::body::to_bytes(body, ADMIN_BODY_LIMIT).await {
        Ok(b) => b,
        Err(e) => {
            return fail(
                413,
                format!("admin request body unreadable or too large: {e}"),
            )
            .into_response();
        }
    };
    debug!(method, path, "admin request");
    let region = region_of(parts.uri.query());
    route(sim, method, path, region.as_deref(), &body).unwrap_or_else(AdminError::into_response)
}

/// The region an admin call addresses: its `region` query parameter (`?region=eu-west-1`),
/// else the default region. Parents, associations and WorkSpace states are per region; faults,
/// durations, the call log and STS are shared.
fn region_of(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name == "region")
        .map(|(_, value)| value.into_owned())
        .filter(|region| !region.is_empty())
}

fn route(sim: &Sim, method: &str, path: &str, region: Option<&str>, body: &[u8]) -> Answer {
    let response = match (method, path) {
        ("GET", "/_sim/health") => {
            ok(json!({"ok": true, "open_connections": sim.open_connections()}))
        }
        ("POST", "/_sim/seed") => {
            let world: World = parse(body, "world")?;
            let mut inner = sim.lock_in(region);
            // A reseeded WorkSpace has the state the seed gives it, not a pending revert.
            inner
                .workspace_reverts
                .retain(|r| !world.workspaces.iter().any(|w| w.id == r.workspace_id));
            inner.world.merge(world);
            ok(json!({"ok": true}))
        }
        ("POST", "/_sim/reset") => {
            sim.reset();
            ok(json!({"ok": true}))
        }
        ("GET", "/_sim/world") => ok(world_view(sim, region)),
        ("GET", "/_sim/associations") => {
            let (inner, _) = sim.lock_now_in(region);
            ok(json!(inner.association_records()))
        }
        ("GET", "/_sim/calls") => ok(json!(sim.lock().calls)),
        ("GET", "/_sim/faults") => ok(json!(sim.lock().faults)),
        ("PUT", "/_sim/faults") => {
            let faults: FaultSettings = parse(body, "faults")?;
            faults.validate().map_err(|e| fail(400, e))?;
            let mut inner = sim.lock();
            inner.set_faults(faults);
            ok(json!(inner.faults))
        }
        ("GET", "/_sim/durations") => ok(json!(sim.lock().durations)),
        ("PUT", "/_sim/durations") => {
            let patch: Value = parse(body, "durations")?;
            let mut inner = sim.lock();
            let mut durations = inner.durations;
            durations
                .merge_json(&patch)
                .map_err(|e| fail(400, e.to_string()))?;
            inner.durations = durations;
            ok(json!(durations))
        }
        ("POST", "/_sim/disassociate") => disassociate(sim, region, body)?,
        ("POST", "/_sim/associate") => associate(sim, region, body)?,
        ("POST", "/_sim/workspace_state") => workspace_state(sim, region, body)?,
        ("GET", "/_sim/sts/sessions") => ok(json!(sim.lock().sts_sessions)),
        ("GET", "/_sim/sts/issued_secrets") => ok(json!(sim.lock().sts_issued_secrets)),
        (
            _,
            "/_sim/health"
            | "/_sim/seed"
            | "/_sim/reset"
            | "/_sim/world"
            | "/_sim/associations"
            | "/_sim/calls"
            | "/_sim/faults"
            | "/_sim/durations"
            | "/_sim/disassociate"
            | "/_sim/associate"
            | "/_sim/workspace_state"
            | "/_sim/sts/sessions"
            | "/_sim/sts/issued_secrets",
        ) => return Err(fail(405, format!("{method} is not allowed on {path}"))),
        _ => return Err(fail(404, format!("no admin endpoint {path}"))),
    };
    Ok(response)
}

/// The parents, plus what each family derives from its associations (e.g. a Client VPN
/// endpoint's status).
fn world_view(sim: &Sim, region: Option<&str>) -> Value {
    let (inner, _) = sim.lock_now_in(region);
    let mut view = json!(inner.world);
    for family in Family::ALL {
        if let Some(add) = families::spec(family).world_view {
            add(&inner, &mut view);
        }
    }
    view
}

#[derive(Deserialize)]
struct DisassociateRequest {
    family: Family,
    id: String,
}

/// Removes an association out of band, as if someone deleted it in the console (drift).
fn disassociate(sim: &Sim, region: Option<&str>, body: &[u8]) -> Answer {
    let req: DisassociateRequest = parse(body, "disassociate")?;
    let (mut inner, now) = sim.lock_now_in(region);
    // The live record first: after a re-association the finished one is still listed.
    let seq = match inner.current_mut(req.family, |a| a.id == req.id) {
        Some(a) => Some(a.seq),
        None => inner.visible_mut(req.family, &req.id).map(|a| a.seq),
    }
    .ok_or_else(|| {
        fail(
            404,
            format!("no visible {} association with id {}", req.family, req.id),
        )
    })?;
    if let Some(a) = inner.by_seq_mut(seq) {
        a.remove_now(now);
    }
    Ok(ok(json!(record_of(&inner, seq))))
}

fn record_of(inner: &Inner, seq: u64) -> Option<AssociationRecord> {
    let index = inner.associations.iter().position(|a| a.seq == seq)?;
    inner.association_records().into_iter().nth(index)
}

/// Creates an association out of band through the family's own checks, as if someone made it
/// outside the provider.
fn associate(sim: &Sim, region: Option<&str>, body: &[u8]) -> Answer {
    let req: AssociateRequest = parse(body, "associate")?;
    let (mut inner, now) = sim.lock_now_in(region);
    let seq = (families::spec(req.family).out_of_band)(&mut inner, &req, now)?;
    // Made outside the provider, before anyone looked: lists see it at once.
    if let Some(a) = inner.by_seq_mut(seq) {
        a.show_now();
    }
    debug!(family = %req.family, settled = req.settled, "out-of-band association created");
    Ok(ok(json!(record_of(&inner, seq))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceStateRequest {
    workspace_id: String,
    state: String,
    /// Back to AVAILABLE after this long; absent = the state stays.
    #[serde(default)]
    for_ms: Option<u64>,
}

/// Sets a WorkSpace's state (a reboot, a stop, maintenance), optionally for a while only, so
/// tests can meet the "WorkSpace not AVAILABLE or STOPPED" refusals.
fn workspace_state(sim: &Sim, region: Option<&str>, body: &[u8]) -> Answer {
    let req: WorkspaceStateRequest = parse(body, "workspace_state")?;
    if !WORKSPACE_STATES.contains(&req.state.as_str()) {
        return Err(fail(
            400,
            format!(
                "unknown WorkSpace state {:?}; expected one of {}",
                req.state,
                WORKSPACE_STATES.join(", ")
            ),
        ));
    }
    let (mut inner, now) = sim.lock_now_in(region);
    let Some(ws) = inner.world.workspace_mut(&req.workspace_id) else {
        return Err(fail(404, format!("no WorkSpace {}", req.workspace_id)));
    };
    ws.state = req.state.clone();
    inner
        .workspace_reverts
        .retain(|r| r.workspace_id != req.workspace_id);
    let until_ms = req.for_ms.map(|ms| now + ms as f64);
    if let Some(at_ms) = until_ms {
        inner.workspace_reverts.push(StateRevert {
            workspace_id: req.workspace_id.clone(),
            at_ms,
        });
    }
    debug!(workspace = %req.workspace_id, state = %req.state, "WorkSpace state set");
    Ok(ok(json!(WorkspaceStateChange {
        workspace_id: req.workspace_id,
        state: req.state,
        until_ms,
    })))
}
