//! WorkSpaces application deployments, through aws-sdk-workspaces: an association only records
//! the intent (`PENDING_INSTALL_DEPLOYMENT` / `PENDING_UNINSTALL_DEPLOYMENT`) and waits there
//! until `DeployWorkspaceApplications`, which walks it on, timed from the deploy; the WorkSpace
//! must be AVAILABLE or STOPPED and idle. Each test starts its own emulator (fast profile).

use std::time::Duration;

use aws_sdk_workspaces::types::{AssociationState, WorkSpaceAssociatedResourceType};
use awsassoc_sim::{AdminClient, AssociateRequest, Family, SimHandle};
use serde_json::json;

#[macro_use]
mod support;
use support::*;

const WORKSPACE: &str = "ws-0a1b2c3d4";
const APPLICATION: &str = "wsa-0a1b2c3d4";
const OTHER_APPLICATION: &str = "wsa-00000002";
/// The fast profile's install and uninstall duration, counted from the deploy.
const DEPLOY_MS: f64 = 300.0;

async fn sim() -> (SimHandle, AdminClient) {
    support::start_with(support::quickstart_world_with(json!({
        "applications": [{"id": OTHER_APPLICATION}],
        "workspaces": [{"id": "ws-00000002"}]
    })))
    .await
}

fn associate(
    c: &aws_sdk_workspaces::Client,
    application: &str,
) -> aws_sdk_workspaces::operation::associate_workspace_application::builders::AssociateWorkspaceApplicationFluentBuilder
{
    c.associate_workspace_application()
        .workspace_id(WORKSPACE)
        .application_id(application)
}

fn disassociate(
    c: &aws_sdk_workspaces::Client,
    application: &str,
) -> aws_sdk_workspaces::operation::disassociate_workspace_application::builders::DisassociateWorkspaceApplicationFluentBuilder
{
    c.disassociate_workspace_application()
        .workspace_id(WORKSPACE)
        .application_id(application)
}

fn deploy(
    c: &aws_sdk_workspaces::Client,
) -> aws_sdk_workspaces::operation::deploy_workspace_applications::builders::DeployWorkspaceApplicationsFluentBuilder
{
    c.deploy_workspace_applications().workspace_id(WORKSPACE)
}

/// The deploy answer's states, in answer order.
fn deployed_states(
    out: &aws_sdk_workspaces::operation::deploy_workspace_applications::DeployWorkspaceApplicationsOutput,
) -> Vec<String> {
    out.deployment()
        .expect("the answer has a Deployment")
        .associations()
        .iter()
        .map(|a| a.state().unwrap().as_str().to_string())
        .collect()
}

/// `(application, state)` of every association DescribeWorkspaceAssociations lists.
async fn listed(c: &aws_sdk_workspaces::Client) -> Vec<(String, String)> {
    c.describe_workspace_associations()
        .workspace_id(WORKSPACE)
        .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
        .send()
        .await
        .unwrap()
        .associations()
        .iter()
        .map(|a| {
            (
                a.associated_resource_id().unwrap().to_string(),
                a.state().unwrap().as_str().to_string(),
            )
        })
        .collect()
}

async fn state_of(c: &aws_sdk_workspaces::Client, application: &str) -> Option<String> {
    listed(c)
        .await
        .into_iter()
        .rev()
        .find(|(app, _)| app == application)
        .map(|(_, state)| state)
}

async fn wait_for(c: &aws_sdk_workspaces::Client, application: &str, state: &str) {
    eventually(state, || async {
        (state_of(c, application).await.as_deref() == Some(state)).then_some(())
    })
    .await;
}

/// The newest record's history of the pair, as `(state, at_ms)`.
async fn history(admin: &AdminClient, application: &str) -> Vec<(String, f64)> {
    let id = format!("{WORKSPACE},{application}");
    admin
        .associations()
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|r| r.id == id)
        .map(|r| r.history.into_iter().map(|t| (t.state, t.at_ms)).collect())
        .unwrap_or_default()
}

fn states(history: &[(String, f64)]) -> Vec<&str> {
    history.iter().map(|(s, _)| s.as_str()).collect()
}

/// Transition times are epoch milliseconds as floats: differences are exact to well under a
/// microsecond, not to the last bit.
fn assert_ms(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 0.01,
        "{actual} ms, expected {expected} ms"
    );
}

fn at(history: &[(String, f64)], state: &str) -> f64 {
    history
        .iter()
        .rev()
        .find(|(s, _)| s == state)
        .map(|(_, at)| *at)
        .unwrap_or_else(|| panic!("{state} not reached: {history:?}"))
}

#[tokio::test]
async fn associations_wait_for_a_deploy_and_then_walk_on_timed_from_it() {
    let (h, admin) = sim().await;
    let c = ws(&h);
    let out = associate(&c, APPLICATION).send().await.unwrap();
    assert_eq!(
        out.association().unwrap().state(),
        Some(&AssociationState::PendingInstallDeployment)
    );
    // Twice the install duration later, nothing has moved on its own.
    tokio::time::sleep(Duration::from_millis(2 * DEPLOY_MS as u64)).await;
    assert_eq!(
        listed(&c).await,
        [(APPLICATION.to_string(), "PENDING_INSTALL_DEPLOYMENT".into())]
    );
    assert_eq!(
        states(&history(&admin, APPLICATION).await),
        ["PENDING_INSTALL_DEPLOYMENT"]
    );

    let out = deploy(&c).send().await.unwrap();
    assert_eq!(deployed_states(&out), ["PENDING_INSTALL"]);
    let deployed = &out.deployment().unwrap().associations()[0];
    assert_eq!(
        (deployed.workspace_id(), deployed.associated_resource_id()),
        (Some(WORKSPACE), Some(APPLICATION))
    );
    wait_for(&c, APPLICATION, "COMPLETED").await;
    let installed = history(&admin, APPLICATION).await;
    assert_eq!(
        states(&installed),
        [
            "PENDING_INSTALL_DEPLOYMENT",
            "PENDING_INSTALL",
            "INSTALLING",
            "COMPLETED"
        ]
    );
    let deployed_at = at(&installed, "PENDING_INSTALL");
    assert!(deployed_at - at(&installed, "PENDING_INSTALL_DEPLOYMENT") >= 2.0 * DEPLOY_MS);
    assert_ms(at(&installed, "COMPLETED") - deployed_at, DEPLOY_MS);
    assert_ms(at(&installed, "INSTALLING") - deployed_at, DEPLOY_MS / 3.0);

    let out = disassociate(&c, APPLICATION).send().await.unwrap();
    assert_eq!(
        out.association().unwrap().state(),
        Some(&AssociationState::PendingUninstallDeployment)
    );
    tokio::time::sleep(Duration::from_millis(2 * DEPLOY_MS as u64)).await;
    assert_eq!(
        state_of(&c, APPLICATION).await.as_deref(),
        Some("PENDING_UNINSTALL_DEPLOYMENT")
    );
    let out = deploy(&c).send().await.unwrap();
    assert_eq!(deployed_states(&out), ["PENDING_UNINSTALL"]);
    wait_for(&c, APPLICATION, "REMOVED").await;
    eventually("gone", || async {
        state_of(&c, APPLICATION).await.is_none().then_some(())
    })
    .await;
    let removed = history(&admin, APPLICATION).await;
    assert_eq!(
        &states(&removed)[4..],
        [
            "PENDING_UNINSTALL_DEPLOYMENT",
            "PENDING_UNINSTALL",
            "UNINSTALLING",
            "REMOVED",
            "gone"
        ]
    );
    assert_ms(
        at(&removed, "REMOVED") - at(&removed, "PENDING_UNINSTALL"),
        DEPLOY_MS,
    );
    h.shutdown().await;
}

#[tokio::test]
async fn a_failed_deployment_ends_in_error_and_only_a_forced_deploy_retries_it() {
    let (h, admin) = sim().await;
    let c = ws(&h);
    admin
        .set_faults(&json!({"failure_rate": {"workspaces_application": 1.0}}))
        .await
        .unwrap();
    associate(&c, APPLICATION).send().await.unwrap();
    deploy(&c).send().await.unwrap();
    let reason = eventually("ERROR", || async {
        let out = c
            .describe_workspace_associations()
            .workspace_id(WORKSPACE)
            .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
            .send()
            .await
            .unwrap();
        let a = out.associations().first()?.clone();
        (a.state()? == &AssociationState::Error).then(|| a.state_reason().cloned())?
    })
    .await;
    assert_eq!(
        reason.error_code().map(|c| c.as_str()),
        Some("DeploymentError.InternalServerError")
    );
    assert!(reason.error_message().is_some_and(|m| !m.is_empty()));

    // Without Force a failed deployment stays failed.
    let failed = history(&admin, APPLICATION).await;
    let out = deploy(&c).send().await.unwrap();
    assert_eq!(deployed_states(&out), ["ERROR"]);
    tokio::time::sleep(Duration::from_millis(DEPLOY_MS as u64)).await;
    assert_eq!(history(&admin, APPLICATION).await, failed);

    admin.set_faults(&json!({})).await.unwrap();
    let out = deploy(&c).force(true).send().await.unwrap();
    assert_eq!(deployed_states(&out), ["PENDING_INSTALL"]);
    wait_for(&c, APPLICATION, "COMPLETED").await;
    let retried = history(&admin, APPLICATION).await;
    assert_eq!(
        &states(&retried)[3..],
        ["ERROR", "PENDING_INSTALL", "INSTALLING", "COMPLETED"]
    );
    let out = c
        .describe_workspace_associations()
        .workspace_id(WORKSPACE)
        .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
        .send()
        .await
        .unwrap();
    assert!(
        out.associations()[0].state_reason().is_none(),
        "a successful retry has no StateReason"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn application_changes_need_an_idle_workspace_that_is_available_or_stopped() {
    let (h, admin) = sim().await;
    let c = ws(&h);
    admin
        .associate(
            &AssociateRequest::new(Family::WorkspacesApplication, WORKSPACE, OTHER_APPLICATION)
                .settled(),
        )
        .await
        .unwrap();
    associate(&c, APPLICATION).send().await.unwrap();
    // Waiting for a deployment is not an operation in progress.
    disassociate(&c, OTHER_APPLICATION).send().await.unwrap();
    deploy(&c).send().await.unwrap();
    // Installing and uninstalling now: the WorkSpace is busy.
    expect_err!(deploy(&c).send(), "ResourceInUseException", 400);
    let err = expect_err!(
        disassociate(&c, APPLICATION).send(),
        "ResourceInUseException",
        400
    );
    assert!(err.into_service_error().is_resource_in_use_exception());
    wait_for(&c, APPLICATION, "COMPLETED").await;
    wait_for(&c, OTHER_APPLICATION, "REMOVED").await;

    // Nothing pending: the deploy succeeds and changes nothing.
    let before = admin.associations().await.unwrap();
    let out = deploy(&c).send().await.unwrap();
    assert_eq!(deployed_states(&out), ["REMOVED", "COMPLETED"]);
    assert_eq!(admin.associations().await.unwrap(), before);

    // A reboot refuses every application change until it is over.
    let change = admin
        .set_workspace_state(WORKSPACE, "REBOOTING", Some(400))
        .await
        .unwrap();
    assert_eq!(
        (change.workspace_id.as_str(), change.state.as_str()),
        (WORKSPACE, "REBOOTING")
    );
    assert!(change.until_ms.is_some());
    let err = expect_err!(deploy(&c).send(), "OperationNotSupportedException", 400);
    assert!(
        err.into_service_error()
            .is_operation_not_supported_exception()
    );
    expect_err!(
        disassociate(&c, APPLICATION).send(),
        "OperationNotSupportedException",
        400
    );
    expect_err!(
        associate(&c, OTHER_APPLICATION).send(),
        "OperationNotSupportedException",
        400
    );
    let world = admin.world().await.unwrap();
    assert_eq!(world["workspaces"][0]["state"], "REBOOTING");
    eventually("AVAILABLE again", || async { deploy(&c).send().await.ok() }).await;
    assert_eq!(
        admin.world().await.unwrap()["workspaces"][0]["state"],
        "AVAILABLE"
    );

    // A stopped WorkSpace can be managed; without for_ms a state stays.
    let stopped = admin
        .set_workspace_state(WORKSPACE, "STOPPED", None)
        .await
        .unwrap();
    assert_eq!(stopped.until_ms, None);
    disassociate(&c, APPLICATION).send().await.unwrap();
    deploy(&c).send().await.unwrap();
    admin
        .set_workspace_state(WORKSPACE, "IMPAIRED", None)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    expect_err!(deploy(&c).send(), "OperationNotSupportedException", 400);

    let bad = admin.set_workspace_state(WORKSPACE, "ASLEEP", None).await;
    assert!(bad.unwrap_err().to_string().contains("400"));
    let missing = admin
        .set_workspace_state("ws-missing99", "REBOOTING", None)
        .await;
    assert!(missing.unwrap_err().to_string().contains("404"));
    h.shutdown().await;
}

#[tokio::test]
async fn deploy_validates_its_input_and_names_unknown_workspaces() {
    let (h, admin) = sim().await;
    let c = ws(&h);
    let err = expect_err!(
        c.deploy_workspace_applications()
            .workspace_id("ws-missing99")
            .send(),
        "ResourceNotFoundException",
        400
    );
    match err.into_service_error() {
        aws_sdk_workspaces::operation::deploy_workspace_applications::DeployWorkspaceApplicationsError::ResourceNotFoundException(e) => {
            assert_eq!(e.resource_id(), Some("ws-missing99"));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    expect_err!(
        c.deploy_workspace_applications().send(),
        "InvalidParameterValuesException",
        400
    );
    let target = (
        "X-Amz-Target",
        "WorkspacesService.DeployWorkspaceApplications",
    );
    let json11 = ("Content-Type", "application/x-amz-json-1.1");
    let r = admin
        .raw(
            "POST",
            "/",
            &[target, json11],
            json!({"WorkspaceId": WORKSPACE, "Force": "yes"})
                .to_string()
                .as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(r.json().unwrap()["__type"], "SerializationException");
    let r = admin
        .raw(
            "POST",
            "/",
            &[target, json11],
            json!({"WorkspaceId": WORKSPACE}).to_string().as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json().unwrap()),
        (200, json!({"Deployment": {"Associations": []}}))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn settled_associations_are_deployed_already_and_deploys_are_attributed_to_their_workspace() {
    let (h, admin) = sim().await;
    let c = ws(&h);
    let record = admin
        .associate(
            &AssociateRequest::new(Family::WorkspacesApplication, WORKSPACE, APPLICATION).settled(),
        )
        .await
        .unwrap();
    assert_eq!(record.state, "COMPLETED");
    let first = record.history[0].at_ms;
    assert!(record.history.iter().all(|t| t.at_ms == first));
    assert!(record.reached("PENDING_INSTALL").is_some());
    assert_eq!(
        state_of(&c, APPLICATION).await.as_deref(),
        Some("COMPLETED")
    );

    // A pending association (not settled) can still drift away out of band.
    let pending = admin
        .associate(&AssociateRequest::new(
            Family::WorkspacesApplication,
            WORKSPACE,
            OTHER_APPLICATION,
        ))
        .await
        .unwrap();
    assert_eq!(pending.state, "PENDING_INSTALL_DEPLOYMENT");
    let gone = admin
        .disassociate(
            Family::WorkspacesApplication,
            &format!("{WORKSPACE},{OTHER_APPLICATION}"),
        )
        .await
        .unwrap();
    assert_eq!(gone.state, "gone");

    deploy(&c).send().await.unwrap();
    let calls = admin.calls().await.unwrap();
    let call = calls
        .log
        .iter()
        .find(|c| c.operation == "DeployWorkspaceApplications")
        .unwrap();
    assert_eq!(
        (call.service.as_str(), call.subject.as_deref(), call.status),
        ("workspaces", Some(WORKSPACE), 200)
    );
    assert_eq!(calls.counts["DeployWorkspaceApplications"], 1);
    h.shutdown().await;
}
