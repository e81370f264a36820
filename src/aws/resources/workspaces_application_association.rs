//! `awsassoc_workspaces_application_association`: an application associated with (installed on)
//! a WorkSpace (WorkSpaces AssociateWorkspaceApplication / DisassociateWorkspaceApplication). No
//! other provider offers this resource.

use std::time::SystemTime;

use async_trait::async_trait;
use aws_sdk_workspaces::operation::describe_workspace_associations::DescribeWorkspaceAssociationsOutput;
use aws_sdk_workspaces::types::{
    WorkSpaceAssociatedResourceType, WorkspaceResourceAssociation, WorkspaceState,
};
use tf_provider_framework::value::Value;

use crate::aws::association::{
    ApiQuirks, Association, AssociationSpec, AttributeSpec, Call, Listing, Observation, Operations,
    Records, Scope, Service, StateWords, declared, listing_of_one_page,
};
use crate::aws::clients::ServiceClients;
use crate::aws::error::{AwsContext, AwsError, required};
use crate::aws::ids;

pub struct WorkspacesApplicationAssociation;

impl WorkspacesApplicationAssociation {
    const DEPLOY: &str = declared(Self::SPEC.operations.deploy);
    const PARENT_STATE: &str = declared(Self::SPEC.operations.parent_state);
}

/// Reads a listed association: its state word, what the word means, and AWS's reason for an
/// `ERROR`.
fn observation(association: &WorkspaceResourceAssociation) -> Observation {
    let state = association.state().map_or("", |s| s.as_str()).to_owned();
    let reason = association.state_reason().map(|reason| {
        let code = reason.error_code().map(|c| c.as_str()).unwrap_or("Unknown");
        format!("{code}: {}", reason.error_message().unwrap_or("no message"))
    });
    let phase = WorkspacesApplicationAssociation::SPEC
        .states
        .phase(&state, || {
            reason.clone().unwrap_or_else(|| "no reason given".into())
        });
    let staged = matches!(
        state.as_str(),
        "PENDING_INSTALL_DEPLOYMENT" | "PENDING_UNINSTALL_DEPLOYMENT"
    );
    let deploying = matches!(
        state.as_str(),
        "PENDING_INSTALL" | "INSTALLING" | "PENDING_UNINSTALL" | "UNINSTALLING"
    );
    let attributes = vec![
        ("state", Value::string(&state)),
        ("state_reason", Value::opt_string(reason)),
    ];
    Observation {
        staged,
        deploying,
        created: association
            .created()
            .and_then(|created| SystemTime::try_from(*created).ok()),
        ..Observation::listed(phase, state, attributes)
    }
}

#[async_trait]
impl Association for WorkspacesApplicationAssociation {
    const SPEC: AssociationSpec = AssociationSpec {
        type_name: "awsassoc_workspaces_application_association",
        description: "Associates a WorkSpaces application with a WorkSpace and installs it. \
            AWS stages the change (`PENDING_INSTALL_DEPLOYMENT`) until the WorkSpace's \
            applications are deployed, so after `AssociateWorkspaceApplication` the provider \
            calls `DeployWorkspaceApplications` (one call for every change staged on that \
            WorkSpace at the same moment) and waits for `COMPLETED`. Deleting it calls \
            `DisassociateWorkspaceApplication`, deploys again, and waits until \
            `DescribeWorkspaceAssociations` reports the application `REMOVED` or no longer lists \
            it. A deployment that ends in `ERROR` fails the operation with AWS's `StateReason` \
            (for example `DeploymentError.WorkspaceUnreachable`); a failed create keeps the \
            association in state, tainted, so the next apply replaces it. Set `deploy = false` \
            when you deploy by other means: the provider then stops at the staged state.",
        // What AWS's state words mean (`PENDING_INSTALL_DEPLOYMENT`, `PENDING_INSTALL` and
        // `INSTALLING` are pending).
        states: StateWords {
            ready: &["COMPLETED"],
            failed: &["ERROR"],
            deleting: &[
                "PENDING_UNINSTALL",
                "PENDING_UNINSTALL_DEPLOYMENT",
                "UNINSTALLING",
            ],
            gone: &["REMOVED"],
        },
        attributes: &[
            AttributeSpec::required("workspace_id", ids::WORKSPACE, "The ID of the WorkSpace."),
            AttributeSpec::required(
                "application_id",
                ids::WORKSPACES_APPLICATION,
                "The ID of the application.",
            ),
            AttributeSpec::computed("state", "The association's state, e.g. `COMPLETED`."),
            AttributeSpec::computed(
                "state_reason",
                "Why the association is in an `ERROR` state, as `ErrorCode: message`.",
            ),
        ],
        key: ("workspace_id", "application_id"),
        scope: Scope::Regional,
        operations: Operations {
            deploy: Some("DeployWorkspaceApplications"),
            parent_state: Some("DescribeWorkspaces"),
            ..Operations::of(
                Service::WorkSpaces,
                "AssociateWorkspaceApplication",
                "DisassociateWorkspaceApplication",
                "DescribeWorkspaceAssociations",
            )
        },
        already_exists: &["ResourceAlreadyExistsException"],
        not_found: &["ResourceNotFoundException"],
        quirks: ApiQuirks {
            parent_state_codes: &["OperationNotSupportedException"],
            ..ApiQuirks::NONE
        },
        moved_from: None,
    };

    async fn send_associate(&self, to: Call<'_>, _config: &Value) -> Result<Observation, AwsError> {
        let request = to.aws.workspaces.associate_workspace_application();
        let request = request
            .workspace_id(to.parent())
            .application_id(to.member());
        let made = request.send().await.aws_context(to.operation)?;
        required(made.association(), to.operation, "Association").map(observation)
    }

    /// `DescribeWorkspaceAssociations` answers in one page.
    async fn observe(&self, aws: &ServiceClients, parent: &str) -> Result<Listing, AwsError> {
        let request = aws.workspaces.describe_workspace_associations();
        let request = request.workspace_id(parent);
        let answer = request
            .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
            .send();
        let items = DescribeWorkspaceAssociationsOutput::associations;
        listing_of_one_page(&Self::SPEC, parent, &RECORDS, answer, items).await
    }

    /// `DeployWorkspaceApplications` without `Force`: installs and uninstalls what is staged on
    /// the WorkSpace. A deployment that failed before is not retried behind the user's back.
    async fn deploy(&self, aws: &ServiceClients, parent: &str) -> Result<(), AwsError> {
        aws.workspaces
            .deploy_workspace_applications()
            .workspace_id(parent)
            .force(false)
            .send()
            .await
            .aws_done(Self::DEPLOY)
    }

    /// A WorkSpace that is starting, stopping, rebooting, rebuilding, restoring, updating or
    /// in maintenance refuses application changes for a while; any other state (an unsupported
    /// operating system, a terminated WorkSpace) makes the refusal final.
    async fn parent_busy(&self, aws: &ServiceClients, parent: &str) -> Result<bool, AwsError> {
        let output = aws
            .workspaces
            .describe_workspaces()
            .workspace_ids(parent)
            .send()
            .await
            .aws_context(Self::PARENT_STATE)?;
        Ok(output.workspaces().iter().any(|workspace| {
            matches!(
                workspace.state(),
                Some(
                    WorkspaceState::Pending
                        | WorkspaceState::Starting
                        | WorkspaceState::Stopping
                        | WorkspaceState::Rebooting
                        | WorkspaceState::Rebuilding
                        | WorkspaceState::Restoring
                        | WorkspaceState::Updating
                        | WorkspaceState::Maintenance
                        | WorkspaceState::AdminMaintenance
                )
            )
        }))
    }

    /// WorkSpaces has no DryRun: the preflight never asks.
    async fn send_disassociate(&self, to: Call<'_>, _dry_run: bool) -> Result<(), AwsError> {
        let request = to.aws.workspaces.disassociate_workspace_application();
        let answer = request
            .workspace_id(to.parent())
            .application_id(to.member())
            .send();
        answer.await.aws_done(to.operation)
    }
}

/// A listed association names its WorkSpace and the application.
const RECORDS: Records<WorkspaceResourceAssociation> = Records {
    parent_of: WorkspaceResourceAssociation::workspace_id,
    member_of: WorkspaceResourceAssociation::associated_resource_id,
    observe: observation,
};
