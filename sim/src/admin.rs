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

use crate::api::respond;
use crate::ec2;
use crate::faults::FaultSettings;
use crate::lifecycle::{Family, now_ms};
use crate::state::Sim;
use crate::world::World;

const ADMIN_BODY_LIMIT: usize = 16 << 20;

fn ok(value: Value) -> Response<Body> {
    respond(200, "application/json", value.to_string())
}

/// An admin failure, rendered as `{"error": message}` with `status`.
struct AdminError {
    status: u16,
    message: String,
}

fn fail(status: u16, message: impl Into<String>) -> AdminError {
    AdminError {
        status,
        message: message.into(),
    }
}

impl AdminError {
    fn into_response(self) -> Response<Body> {
        respond(
            self.status,
            "application/json",
            json!({"error": self.message}).to_string(),
        )
    }
}

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
    route(sim, method, path, &body).unwrap_or_else(AdminError::into_response)
}

fn route(sim: &Sim, method: &str, path: &str, body: &[u8]) -> Result<Response<Body>, AdminError> {
    let response = match (method, path) {
        ("GET", "/_sim/health") => ok(json!({"ok": true})),
        ("POST", "/_sim/seed") => {
            let world: World = parse(body, "world")?;
            sim.lock().world.merge(world);
            ok(json!({"ok": true}))
        }
        ("POST", "/_sim/reset") => {
            sim.reset();
            ok(json!({"ok": true}))
        }
        ("GET", "/_sim/world") => ok(world_view(sim)),
        ("GET", "/_sim/associations") => {
            let mut inner = sim.lock();
            inner.advance_all(now_ms());
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
        ("POST", "/_sim/disassociate") => disassociate(sim, body)?,
        (
            _,
            "/_sim/health" | "/_sim/seed" | "/_sim/reset" | "/_sim/world" | "/_sim/associations"
            | "/_sim/calls" | "/_sim/faults" | "/_sim/durations" | "/_sim/disassociate",
        ) => return Err(fail(405, format!("{method} is not allowed on {path}"))),
        _ => return Err(fail(404, format!("no admin endpoint {path}"))),
    };
    Ok(response)
}

/// The parents, plus each Client VPN endpoint's status, which depends on its associations.
fn world_view(sim: &Sim) -> Value {
    let mut inner = sim.lock();
    inner.advance_all(now_ms());
    let mut view = json!(inner.world);
    if let Some(endpoints) = view
        .get_mut("client_vpn_endpoints")
        .and_then(Value::as_array_mut)
    {
        for endpoint in endpoints {
            let status = endpoint
                .get("id")
                .and_then(Value::as_str)
                .map(|id| ec2::endpoint_status(&inner, id));
            if let (Some(obj), Some(status)) = (endpoint.as_object_mut(), status) {
                obj.insert("status".into(), json!(status));
            }
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
fn disassociate(sim: &Sim, body: &[u8]) -> Result<Response<Body>, AdminError> {
    let req: DisassociateRequest = parse(body, "disassociate")?;
    let now = now_ms();
    let mut inner = sim.lock();
    inner.advance_all(now);
    let a = inner.visible_mut(req.family, &req.id).ok_or_else(|| {
        fail(
            404,
            format!("no visible {} association with id {}", req.family, req.id),
        )
    })?;
    a.remove_now(now);
    let (id, family) = (a.id.clone(), a.family);
    let record = inner
        .association_records()
        .into_iter()
        .rev()
        .find(|r| r.id == id && r.family == family);
    Ok(ok(json!(record)))
}
