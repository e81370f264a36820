//! WorkSpaces application ↔ WorkSpace associations: `AssociateWorkspaceApplication`,
//! `DescribeApplicationAssociations`, `DescribeWorkspaceAssociations`,
//! `DisassociateWorkspaceApplication` and `DeployWorkspaceApplications`.
//!
//! As on AWS, associating or disassociating only records the intent
//! (`PENDING_INSTALL_DEPLOYMENT`, `PENDING_UNINSTALL_DEPLOYMENT`): nothing happens until
//! `DeployWorkspaceApplications` is called for the WorkSpace, which walks each pending
//! association through `PENDING_INSTALL → INSTALLING → COMPLETED | ERROR` or
//! `PENDING_UNINSTALL → UNINSTALLING → REMOVED`, timed from the deploy (the `At::Held` step of
//! the paths below).

use serde_json::{Map, Value, json};

use super::spec::{FamilySpec, Operation, OutOfBandError, Subject};
use crate::admin_types::AssociateRequest;
use crate::api::{ApiError, ApiResult, decode_token, ordered, paginate};
use crate::family::Family;
use crate::lifecycle::Association;
use crate::phase::{At, GONE, Lifecycle, Phase, States};
use crate::profile::{FamilyDurations, Timings};
use crate::state::Inner;
use crate::workspaces::{Input, invalid};

const PENDING_INSTALL_DEPLOYMENT: &str = "PENDING_INSTALL_DEPLOYMENT";
const PENDING_INSTALL: &str = "PENDING_INSTALL";
const INSTALLING: &str = "INSTALLING";
const COMPLETED: &str = "COMPLETED";
const ERROR: &str = "ERROR";
const PENDING_UNINSTALL_DEPLOYMENT: &str = "PENDING_UNINSTALL_DEPLOYMENT";
const PENDING_UNINSTALL: &str = "PENDING_UNINSTALL";
const UNINSTALLING: &str = "UNINSTALLING";
const REMOVED: &str = "REMOVED";

/// `StateReason.ErrorCode` of a failed deployment (one of the API's `AssociationErrorCode`s).
const FAILURE_CODE: &str = "DeploymentError.InternalServerError";

/// WorkSpace states in which applications can be managed (associated, disassociated,
/// deployed), as the WorkSpaces admin guide documents.
const MANAGEABLE_STATES: [&str; 2] = ["AVAILABLE", "STOPPED"];

/// What the family's operations are about: the WorkSpace.
const SUBJECT: Subject = Subject::Member("WorkspaceId");

pub(crate) const LIFECYCLE: Lifecycle = Lifecycle {
    family: Family::WorkspacesApplication,
    states: States {
        creating: &[PENDING_INSTALL_DEPLOYMENT, PENDING_INSTALL, INSTALLING],
        active: &[COMPLETED],
        failed: &[ERROR],
        deleting: &[
            PENDING_UNINSTALL_DEPLOYMENT,
            PENDING_UNINSTALL,
            UNINSTALLING,
        ],
        deleted: &[REMOVED],
    },
    // Each path holds at its `*_DEPLOYMENT` state until DeployWorkspaceApplications; the rest
    // is timed from the deploy, and the failure roll is taken then.
    associate: &[
        (PENDING_INSTALL_DEPLOYMENT, At::Start),
        (PENDING_INSTALL, At::Held),
        (INSTALLING, At::Third),
        (COMPLETED, At::End),
    ],
    associate_failed: &[
        (PENDING_INSTALL_DEPLOYMENT, At::Start),
        (PENDING_INSTALL, At::Held),
        (INSTALLING, At::Third),
        (ERROR, At::End),
    ],
    disassociate: &[
        (PENDING_UNINSTALL_DEPLOYMENT, At::Start),
        (PENDING_UNINSTALL, At::Held),
        (UNINSTALLING, At::Third),
        (REMOVED, At::End),
        (GONE, At::AfterGrace),
    ],
    failure_message: "The application could not be installed (simulated)",
};

pub(crate) const SPEC: FamilySpec = FamilySpec {
    lifecycle: &LIFECYCLE,
    // How long a deployment's install or uninstall takes, from the deploy. Realistic:
    // AWS publishes no figure; about 2 min is an assumption (docs/emulator.md, "Durations").
    durations: Timings {
        fast: FamilyDurations::new(300, 300, 500),
        demo: FamilyDurations::new(6_000, 6_000, 3_000),
        realistic: FamilyDurations::new(130_000, 130_000, 60_000),
    },
    operations: &[
        Operation::workspaces("AssociateWorkspaceApplication", SUBJECT, associate),
        Operation::workspaces(
            "DescribeApplicationAssociations",
            Subject::Member("ApplicationId"),
            describe_application,
        ),
        Operation::workspaces("DescribeWorkspaceAssociations", SUBJECT, describe_workspace),
        Operation::workspaces("DisassociateWorkspaceApplication", SUBJECT, disassociate),
        Operation::workspaces("DeployWorkspaceApplications", SUBJECT, deploy),
        Operation::workspaces(
            "DescribeWorkspaces",
            Subject::FirstOf("WorkspaceIds"),
            describe_workspaces,
        ),
    ],
    out_of_band,
    world_view: None,
};

fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::new(
        400,
        "ResourceNotFoundException",
        format!("The {what} {id} could not be found."),
    )
    .field("ResourceId", id)
}

fn in_use(ws_id: &str) -> ApiError {
    ApiError::new(
        400,
        "ResourceInUseException",
        format!("The WorkSpace {ws_id} has an application operation in progress."),
    )
    .field("ResourceId", ws_id)
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
    if a.state() == ERROR {
        m.insert(
            "StateReason".into(),
            json!({
                "ErrorCode": FAILURE_CODE,
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

fn resource_types<'a>(input: &'a Input, allowed: &[&str]) -> ApiResult<Vec<&'a str>> {
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

/// `WorkspaceId` and `ApplicationId`, which both mutating calls take; both must exist.
fn pair<'a>(inner: &Inner, input: &'a Input) -> ApiResult<(&'a str, &'a str)> {
    let ws_id = input.required("WorkspaceId")?;
    let app_id = input.required("ApplicationId")?;
    check_parents(inner, ws_id, app_id)?;
    Ok((ws_id, app_id))
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

fn associate(inner: &mut Inner, input: &Input, now: f64) -> ApiResult<Value> {
    let (ws_id, app_id) = pair(inner, input)?;
    let seq = create(inner, ws_id, app_id, now, false)?;
    Ok(json!({"Association": inner.by_seq(seq).map(workspace_view)}))
}

fn out_of_band(inner: &mut Inner, req: &AssociateRequest, now: f64) -> Result<u64, OutOfBandError> {
    let (ws_id, app_id) = req.parent_and_child()?;
    check_parents(inner, ws_id, app_id)?;
    Ok(create(inner, ws_id, app_id, now, req.settled)?)
}

/// Applications can only be managed on a WorkSpace that is AVAILABLE or STOPPED.
fn check_manageable(inner: &Inner, ws_id: &str) -> ApiResult<()> {
    let ws_state = inner
        .world
        .workspace(ws_id)
        .map(|w| w.state.as_str())
        .unwrap_or_default();
    if MANAGEABLE_STATES.contains(&ws_state) {
        return Ok(());
    }
    Err(ApiError::new(
        400,
        "OperationNotSupportedException",
        format!("The WorkSpace {ws_id} is {ws_state}; applications can only be managed on AVAILABLE or STOPPED WorkSpaces."),
    )
    .field("reason", "WorkSpace state"))
}

/// Whether an application operation is under way on the WorkSpace: an association installing
/// or uninstalling after a deploy (`PENDING_INSTALL`, `INSTALLING`, `PENDING_UNINSTALL`,
/// `UNINSTALLING`), as opposed to one still waiting for its deployment.
fn operation_in_progress(inner: &Inner, ws_id: &str) -> bool {
    inner
        .visible_under(Family::WorkspacesApplication, ws_id)
        .any(|a| matches!(a.phase(), Phase::Creating | Phase::Deleting) && a.held().is_none())
}

/// AssociateWorkspaceApplication's checks and effect once both parents are known to exist.
/// Returns the new association's sequence number.
fn create(inner: &mut Inner, ws_id: &str, app_id: &str, now: f64, settled: bool) -> ApiResult<u64> {
    check_manageable(inner, ws_id)?;
    let id = format!("{ws_id},{app_id}");
    if let Some(existing) = inner
        .visible_under(Family::WorkspacesApplication, ws_id)
        .find(|a| a.id == id && a.phase() != Phase::Deleted)
    {
        return Err(if existing.phase() == Phase::Deleting {
            in_use(ws_id)
        } else {
            ApiError::new(
                400,
                "ResourceAlreadyExistsException",
                format!("The application {app_id} is already associated with WorkSpace {ws_id}."),
            )
        });
    }
    Ok(inner.create_association(&LIFECYCLE, id, ws_id, app_id, now, settled, |_| {}))
}

fn describe_application(inner: &mut Inner, input: &Input, now: f64) -> ApiResult<Value> {
    let app_id = input.required("ApplicationId")?;
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
    let page_size = inner.page_size(Some(max_results));
    let matching: Vec<(u64, Value)> = if types.contains(&"WORKSPACE") {
        inner
            .listed(Family::WorkspacesApplication, now)
            .filter(|a| a.child == app_id)
            .map(|a| (a.seq, application_view(a)))
            .collect()
    } else {
        Vec::new()
    };
    let (page, next) = paginate(matching, cursor, page_size, &scope, order);
    let mut out = json!({"Associations": page});
    if let Some(t) = next {
        out["NextToken"] = json!(t);
    }
    Ok(out)
}

fn describe_workspace(inner: &mut Inner, input: &Input, now: f64) -> ApiResult<Value> {
    let ws_id = input.required("WorkspaceId")?;
    resource_types(input, &["APPLICATION"])?;
    if inner.world.workspace(ws_id).is_none() {
        return Err(not_found("WorkSpace", ws_id));
    }
    let order = inner.page_order();
    let items: Vec<(u64, Value)> = inner
        .listed_under(Family::WorkspacesApplication, ws_id, now)
        .map(|a| (a.seq, workspace_view(a)))
        .collect();
    Ok(json!({"Associations": ordered(items, order)}))
}

/// DisassociateWorkspaceApplication: records the intent (`PENDING_UNINSTALL_DEPLOYMENT`); the
/// uninstall itself waits for the next deploy.
fn disassociate(inner: &mut Inner, input: &Input, now: f64) -> ApiResult<Value> {
    let (ws_id, app_id) = pair(inner, input)?;
    check_manageable(inner, ws_id)?;
    if operation_in_progress(inner, ws_id) {
        return Err(in_use(ws_id));
    }
    let a = inner.disassociate(
        Family::WorkspacesApplication,
        now,
        |a| a.parent == ws_id && a.child == app_id,
        || {
            ApiError::new(
                400,
                "ResourceNotFoundException",
                format!("The application {app_id} is not associated with WorkSpace {ws_id}."),
            )
            .field("ResourceId", app_id)
        },
        || in_use(ws_id),
    )?;
    Ok(json!({"Association": workspace_view(a)}))
}

/// DeployWorkspaceApplications: starts the deployment of every association waiting for one on
/// the WorkSpace (installs and uninstalls), and with `Force` also retries the failed ones.
/// Answers the WorkSpace's associations as they are once the deployment has started.
/// `DescribeWorkspaces` by `WorkspaceIds` (1 to 25), the one form the provider uses: to tell
/// a WorkSpace that refuses application changes for a moment (rebooting, starting…) from one
/// that refuses them for good. Unknown IDs are left out of the answer, as AWS does.
fn describe_workspaces(inner: &mut Inner, input: &Input, _now: f64) -> ApiResult<Value> {
    let ids = input
        .get("WorkspaceIds")
        .and_then(Value::as_array)
        .filter(|ids| (1..=25).contains(&ids.len()))
        .ok_or_else(|| invalid("WorkspaceIds must be a list of 1 to 25 WorkSpace IDs"))?;
    let workspaces: Vec<Value> = ids
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|id| inner.world.workspace(id))
        .map(|workspace| json!({"WorkspaceId": workspace.id, "State": workspace.state}))
        .collect();
    Ok(json!({"Workspaces": workspaces}))
}

fn deploy(inner: &mut Inner, input: &Input, now: f64) -> ApiResult<Value> {
    let ws_id = input.required("WorkspaceId")?;
    let force = match input.get("Force") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(force)) => *force,
        Some(other) => {
            return Err(ApiError::new(
                400,
                "SerializationException",
                format!("Force must be a boolean, got {other}"),
            ));
        }
    };
    if inner.world.workspace(ws_id).is_none() {
        return Err(not_found("WorkSpace", ws_id));
    }
    check_manageable(inner, ws_id)?;
    if operation_in_progress(inner, ws_id) {
        return Err(in_use(ws_id));
    }
    let (waiting, failed): (Vec<u64>, Vec<u64>) = {
        let under: Vec<_> = inner
            .visible_under(Family::WorkspacesApplication, ws_id)
            .collect();
        (
            under
                .iter()
                .filter(|a| a.held().is_some())
                .map(|a| a.seq)
                .collect(),
            under
                .iter()
                .filter(|a| force && a.phase() == Phase::Failed)
                .map(|a| a.seq)
                .collect(),
        )
    };
    for seq in waiting {
        inner.release(seq, now);
    }
    for seq in failed {
        inner.retry_create(seq, now);
    }
    let associations: Vec<Value> = inner
        .visible_under(Family::WorkspacesApplication, ws_id)
        .map(workspace_view)
        .collect();
    Ok(json!({"Deployment": {"Associations": associations}}))
}
