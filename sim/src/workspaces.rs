//! WorkSpaces awsJson1_1: application ↔ WorkSpace associations.
//!
//! Dispatched by `X-Amz-Target: WorkspacesService.<Op>`; errors are `{"__type", "message"}`
//! with HTTP 400 and timestamps are epoch seconds (aws-wire.md §4).

use serde_json::{Map, Value, json};

use crate::api::{ApiError, ApiResult, decode_token, ordered, paginate};
use crate::lifecycle::{Association, Family, Phase, now_ms};
use crate::state::{Inner, Sim};

pub const OPERATIONS: [&str; 4] = [
    "AssociateWorkspaceApplication",
    "DescribeApplicationAssociations",
    "DescribeWorkspaceAssociations",
    "DisassociateWorkspaceApplication",
];

pub const TARGET_PREFIX: &str = "WorkspacesService.";

/// Whether a request was encoded with RPCv2 CBOR, which this emulator deliberately refuses so a
/// silent protocol switch in a future SDK release is noticed at once (aws-wire.md §4.1).
pub fn is_rpcv2_cbor(
    path: &str,
    smithy_protocol: Option<&str>,
    content_type: Option<&str>,
) -> bool {
    smithy_protocol.is_some_and(|p| p.eq_ignore_ascii_case("rpc-v2-cbor"))
        || content_type.is_some_and(|c| c.starts_with("application/cbor"))
        || path.contains("/service/WorkspacesService/operation/")
}

pub fn rpcv2_cbor_error() -> ApiError {
    ApiError::new(
        400,
        "UnsupportedProtocolException",
        "awsassoc-sim speaks awsJson1_1 for WorkSpaces; this request used RPCv2 CBOR. \
         Pin aws-sdk-workspaces to a JSON-protocol release or force the JSON protocol in its config.",
    )
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameterValuesException", message)
}

fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::new(
        400,
        "ResourceNotFoundException",
        format!("The {what} {id} could not be found."),
    )
    .field("ResourceId", id)
}

/// Seconds since the epoch, rounded to the millisecond so the SDK's f64 parse is stable.
fn epoch_seconds(ms: f64) -> Value {
    json!((ms.round()) / 1000.0)
}

fn base_view(a: &Association) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("Created".into(), epoch_seconds(a.created_ms));
    m.insert("LastUpdatedTime".into(), epoch_seconds(a.last_updated_ms()));
    m.insert("State".into(), json!(a.state()));
    if a.state() == "ERROR" {
        m.insert(
            "StateReason".into(),
            json!({
                "ErrorCode": "DeploymentError.InternalServerError",
                "ErrorMessage": a.failure_message.clone().unwrap_or_default(),
            }),
        );
    }
    m
}

/// Seen from the WorkSpace: the associated resource is the application.
fn workspace_view(a: &Association) -> Value {
    let mut m = base_view(a);
    m.insert("AssociatedResourceId".into(), json!(a.child));
    m.insert("AssociatedResourceType".into(), json!("APPLICATION"));
    m.insert("WorkspaceId".into(), json!(a.parent));
    Value::Object(m)
}

/// Seen from the application: the associated resource is the WorkSpace.
fn application_view(a: &Association) -> Value {
    let mut m = base_view(a);
    m.insert("ApplicationId".into(), json!(a.child));
    m.insert("AssociatedResourceId".into(), json!(a.parent));
    m.insert("AssociatedResourceType".into(), json!("WORKSPACE"));
    Value::Object(m)
}

/// The decoded JSON input; a body that is not a JSON object is a SerializationException, as
/// AWS JSON services answer malformed input.
pub fn parse_input(body: &[u8]) -> ApiResult<Map<String, Value>> {
    let text = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        body
    };
    match serde_json::from_slice::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::new(
            400,
            "SerializationException",
            "Request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::new(
            400,
            "SerializationException",
            format!("Could not parse request body: {e}"),
        )),
    }
}

fn required<'a>(input: &'a Map<String, Value>, key: &str) -> ApiResult<&'a str> {
    input
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            invalid(format!(
                "1 validation error detected: Value null at '{key}' failed to satisfy constraint: Member must not be null"
            ))
        })
}

fn resource_types<'a>(input: &'a Map<String, Value>, allowed: &[&str]) -> ApiResult<Vec<&'a str>> {
    let list = input
        .get("AssociatedResourceTypes")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| invalid("AssociatedResourceTypes must be a non-empty list"))?;
    list.iter()
        .map(|v| match v.as_str() {
            Some(s) if allowed.contains(&s) => Ok(s),
            _ => Err(invalid(format!(
                "AssociatedResourceTypes contains {v}, expected one of {allowed:?}"
            ))),
        })
        .collect()
}

/// Runs one WorkSpaces operation and returns the JSON success body.
pub fn handle(sim: &Sim, operation: &str, input: &Map<String, Value>) -> ApiResult<String> {
    let now = now_ms();
    let mut inner = sim.lock();
    inner.advance_all(now);
    let out = match operation {
        "AssociateWorkspaceApplication" => associate(&mut inner, input, now)?,
        "DescribeApplicationAssociations" => describe_application(&mut inner, input)?,
        "DescribeWorkspaceAssociations" => describe_workspace(&mut inner, input)?,
        "DisassociateWorkspaceApplication" => disassociate(&mut inner, input, now)?,
        other => {
            return Err(ApiError::new(
                400,
                "UnknownOperationException",
                format!("Unknown operation {other}"),
            ));
        }
    };
    Ok(out.to_string())
}

fn check_parents(inner: &Inner, ws_id: &str, app_id: &str) -> ApiResult<()> {
    if inner.world.workspace(ws_id).is_none() {
        return Err(not_found("WorkSpace", ws_id));
    }
    if inner.world.application(app_id).is_none() {
        return Err(not_found("application", app_id));
    }
    Ok(())
}

fn associate(inner: &mut Inner, input: &Map<String, Value>, now: f64) -> ApiResult<Value> {
    let ws_id = required(input, "WorkspaceId")?;
    let app_id = required(input, "ApplicationId")?;
    let seq = create(inner, ws_id, app_id, now, false)?;
    Ok(json!({"Association": inner.by_seq(seq).map(workspace_view)}))
}

/// AssociateWorkspaceApplication's checks and effect, shared with the admin API's out-of-band
/// associate. Returns the new association's sequence number.
pub fn create(
    inner: &mut Inner,
    ws_id: &str,
    app_id: &str,
    now: f64,
    settled: bool,
) -> ApiResult<u64> {
    check_parents(inner, ws_id, app_id)?;
    let ws_state = inner
        .world
        .workspace(ws_id)
        .map(|w| w.state.clone())
        .unwrap_or_default();
    if !matches!(ws_state.as_str(), "AVAILABLE" | "STOPPED") {
        return Err(ApiError::new(
            400,
            "OperationNotSupportedException",
            format!("The WorkSpace {ws_id} is {ws_state}; applications can only be managed on AVAILABLE or STOPPED WorkSpaces."),
        )
        .field("reason", "WorkSpace state"));
    }
    let id = format!("{ws_id},{app_id}");
    if let Some(existing) = inner
        .visible_under(Family::WorkspacesApplication, ws_id)
        .find(|a| a.id == id && a.phase() != Phase::Deleted)
    {
        return Err(if existing.phase() == Phase::Deleting {
            ApiError::new(
                400,
                "ResourceInUseException",
                format!("The WorkSpace {ws_id} has an application operation in progress."),
            )
            .field("ResourceId", ws_id)
        } else {
            ApiError::new(
                400,
                "ResourceAlreadyExistsException",
                format!("The application {app_id} is already associated with WorkSpace {ws_id}."),
            )
        });
    }
    Ok(inner.create_association(
        Family::WorkspacesApplication,
        id,
        ws_id,
        app_id,
        now,
        settled,
        |_| {},
    ))
}

fn describe_application(inner: &mut Inner, input: &Map<String, Value>) -> ApiResult<Value> {
    let app_id = required(input, "ApplicationId")?;
    let types = resource_types(input, &["WORKSPACE", "BUNDLE", "IMAGE"])?;
    let max_results = match input.get("MaxResults") {
        None | Some(Value::Null) => 25,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=25).contains(&n) => n as usize,
            _ => {
                return Err(invalid(format!(
                    "MaxResults must be between 1 and 25, got {v}"
                )));
            }
        },
    };
    let scope = format!("daa:{app_id}");
    let cursor = match input.get("NextToken").and_then(Value::as_str) {
        None => None,
        Some(t) => {
            Some(decode_token(&scope, t).ok_or_else(|| invalid("The NextToken is not valid"))?)
        }
    };
    if inner.world.application(app_id).is_none() {
        return Err(not_found("application", app_id));
    }
    let order = inner.page_order();
    let matching: Vec<(u64, Value)> = if types.contains(&"WORKSPACE") {
        inner
            .associations
            .iter()
            .filter(|a| {
                a.family == Family::WorkspacesApplication && a.child == app_id && a.visible()
            })
            .map(|a| (a.seq, application_view(a)))
            .collect()
    } else {
        Vec::new()
    };
    let (page, next) = paginate(matching, cursor, Some(max_results), &scope, order);
    let mut out = json!({"Associations": page});
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    Ok(out)
}

fn describe_workspace(inner: &mut Inner, input: &Map<String, Value>) -> ApiResult<Value> {
    let ws_id = required(input, "WorkspaceId")?;
    resource_types(input, &["APPLICATION"])?;
    if inner.world.workspace(ws_id).is_none() {
        return Err(not_found("WorkSpace", ws_id));
    }
    let order = inner.page_order();
    let items: Vec<(u64, Value)> = inner
        .visible_under(Family::WorkspacesApplication, ws_id)
        .map(|a| (a.seq, workspace_view(a)))
        .collect();
    Ok(json!({"Associations": ordered(items, order)}))
}

fn disassociate(inner: &mut Inner, input: &Map<String, Value>, now: f64) -> ApiResult<Value> {
    let ws_id = required(input, "WorkspaceId")?;
    let app_id = required(input, "ApplicationId")?;
    check_parents(inner, ws_id, app_id)?;
    let d = inner.durations_for(Family::WorkspacesApplication);
    let a = inner
        .current_mut(Family::WorkspacesApplication, |a| {
            a.parent == ws_id && a.child == app_id
        })
        .ok_or_else(|| {
            ApiError::new(
                400,
                "ResourceNotFoundException",
                format!("The application {app_id} is not associated with WorkSpace {ws_id}."),
            )
            .field("ResourceId", app_id)
        })?;
    match a.phase() {
        Phase::Creating => {
            return Err(ApiError::new(
                400,
                "ResourceInUseException",
                format!("The WorkSpace {ws_id} has an application operation in progress."),
            )
            .field("ResourceId", ws_id));
        }
        Phase::Active | Phase::Failed => a.begin_disassociate(now, &d),
        _ => {}
    }
    Ok(json!({"Association": workspace_view(a)}))
}
