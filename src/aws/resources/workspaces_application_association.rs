//! `awsassoc_workspaces_application_association`: an application associated with (installed on)
//! a WorkSpace (WorkSpaces AssociateWorkspaceApplication / DisassociateWorkspaceApplication). No
//! other provider offers this resource.

use std::time::SystemTime;

use async_trait::async_trait;
use aws_sdk_workspaces::types::{WorkSpaceAssociatedResourceType, WorkspaceResourceAssociation};

use crate::aws::association::{
    Association, AssociationKey, AttributeSpec, Disassociation, Listing, Observation, Phase,
};
use crate::aws::clients::ServiceClients;
use crate::aws::error::AwsError;
use crate::aws::ids;
use tf_provider_framework::value::Value;

const NOT_FOUND: &str = "ResourceNotFoundException";
/// Answer meaning the application is already associated with the WorkSpace.
const ALREADY_ASSOCIATED: &[&str] = &["ResourceAlreadyExistsException"];

pub struct WorkspacesApplicationAssociation;

fn observation(association: &WorkspaceResourceAssociation) -> Observation {
    let state = association
        .state()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let reason = association.state_reason().map(|reason| {
        let code = reason.error_code().map(|c| c.as_str()).unwrap_or("Unknown");
        format!("{code}: {}", reason.error_message().unwrap_or("no message"))
    });
    let phase = match state.as_str() {
        "COMPLETED" => Phase::Ready,
        "ERROR" => Phase::Failed(reason.clone().unwrap_or_else(|| "no reason given".into())),
        "PENDING_UNINSTALL" | "PENDING_UNINSTALL_DEPLOYMENT" | "UNINSTALLING" => Phase::Deleting,
        "REMOVED" => Phase::Gone,
        _ => Phase::Pending,
    };
    Observation {
        phase,
        attributes: vec![
            ("state", Value::string(&state)),
            ("state_reason", Value::opt_string(reason)),
        ],
        state,
        created: association
            .created()
            .and_then(|created| SystemTime::try_from(*created).ok()),
    }
}

#[async_trait]
impl Association for WorkspacesApplicationAssociation {
    fn type_name(&self) -> &'static str {
        "awsassoc_workspaces_application_association"
    }

    fn description(&self) -> &'static str {
        "Associates a WorkSpaces application with a WorkSpace, which installs it. Deleting it calls \
         `DisassociateWorkspaceApplication` and waits until `DescribeWorkspaceAssociations` reports the \
         application `REMOVED` or no longer lists it."
    }

    fn attributes(&self) -> Vec<AttributeSpec> {
        vec![
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
        ]
    }

    fn key_attributes(&self) -> (&'static str, &'static str) {
        ("workspace_id", "application_id")
    }

    fn iam_service(&self) -> &'static str {
        "workspaces"
    }

    fn already_exists_codes(&self) -> &'static [&'static str] {
        ALREADY_ASSOCIATED
    }

    async fn associate(
        &self,
        aws: &ServiceClients,
        config: &Value,
        _token: &str,
    ) -> Result<(AssociationKey, Observation), AwsError> {
        const OPERATION: &str = "AssociateWorkspaceApplication";
        let workspace = config.attr_str("workspace_id").unwrap_or_default();
        let application = config.attr_str("application_id").unwrap_or_default();
        let output = aws
            .workspaces
            .associate_workspace_application()
            .workspace_id(workspace)
            .application_id(application)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(OPERATION, e))?;
        let association = output
            .association()
            .ok_or_else(|| AwsError::missing(OPERATION, "Association"))?;
        let key = AssociationKey {
            parent: workspace.to_owned(),
            member: application.to_owned(),
        };
        Ok((key, observation(association)))
    }

    async fn observe(
        &self,
        aws: &ServiceClients,
        parent: &str,
        members: &[String],
    ) -> Result<Listing, AwsError> {
        let answer = aws
            .workspaces
            .describe_workspace_associations()
            .workspace_id(parent)
            .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeWorkspaceAssociations", e));
        let output = match answer {
            Ok(output) => output,
            Err(error) if error.has_code(NOT_FOUND) => return Ok(Listing::default()),
            Err(error) => return Err(error),
        };
        let mut listing = Listing::default();
        for association in output.associations() {
            let on_workspace = association.workspace_id().is_none_or(|id| id == parent);
            if let Some(application) = association.associated_resource_id()
                && on_workspace
                && members.iter().any(|m| m == application)
            {
                listing.record(application, observation(association));
            }
        }
        Ok(listing)
    }

    async fn disassociate(
        &self,
        aws: &ServiceClients,
        key: &AssociationKey,
    ) -> Result<Disassociation, AwsError> {
        let answer = aws
            .workspaces
            .disassociate_workspace_application()
            .workspace_id(&key.parent)
            .application_id(&key.member)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DisassociateWorkspaceApplication", e));
        Disassociation::from_answer(answer, &[NOT_FOUND])
    }
}
