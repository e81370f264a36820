//! `awsassoc_vpc_route_server_vpc_association`: a VPC associated with a VPC Route Server (EC2
//! AssociateRouteServer / DisassociateRouteServer).
//!
//! A route server serves one VPC. There is no "disassociated" state: the association is gone
//! when GetRouteServerAssociations stops listing it.

use async_trait::async_trait;
use aws_sdk_ec2::types::{RouteServer, RouteServerAssociation};
use tf_provider_framework::value::Value;

use crate::aws::association::{
    ApiQuirks, Association, AssociationSpec, AttributeSpec, Call, Listing, Observation, Operations,
    Phase, Records, Scope, Service, declared, listing_of_parent,
};
use crate::aws::clients::ServiceClients;
use crate::aws::error::{AwsContext, AwsError, required};
use crate::aws::ids;
use crate::aws::pages::{every_id, page, sdk_pages};

pub struct RouteServerVpcAssociation;

/// Reads a listed association: its state word and what the word means.
fn observation(association: &RouteServerAssociation) -> Observation {
    let state = association
        .state()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let phase = match state.as_str() {
        "associated" => Phase::Ready,
        "disassociating" => Phase::Deleting,
        "disassociated" => Phase::Gone,
        _ => Phase::Pending,
    };
    Observation {
        phase,
        attributes: vec![("state", Value::string(&state))],
        state,
        // The API reports no creation time; a finished record is never listed (it vanishes).
        created: None,
        staged: false,
        deploying: false,
        parent_changing: false,
    }
}

#[async_trait]
impl Association for RouteServerVpcAssociation {
    const SPEC: AssociationSpec = AssociationSpec {
        type_name: "awsassoc_vpc_route_server_vpc_association",
        description: "Associates a VPC with a VPC Route Server (one VPC per route server). \
            Deleting it calls `DisassociateRouteServer` and waits until \
            `GetRouteServerAssociations` no longer lists the VPC.",
        attributes: &[
            AttributeSpec::required(
                "route_server_id",
                ids::ROUTE_SERVER,
                "The ID of the route server.",
            ),
            AttributeSpec::required(
                "vpc_id",
                ids::VPC,
                "The ID of the VPC to associate with the route server.",
            ),
            AttributeSpec::computed("state", "The association's state, e.g. `associated`."),
        ],
        key: ("route_server_id", "vpc_id"),
        scope: Scope::Regional,
        operations: Operations {
            service: Service::Ec2,
            associate: "AssociateRouteServer",
            disassociate: "DisassociateRouteServer",
            status: "GetRouteServerAssociations",
            parents: Some("DescribeRouteServers"),
            deploy: None,
            parent_state: None,
        },
        // One VPC per route server.
        already_exists: &["Resource.AlreadyAssociated"],
        // hashicorp/aws treats the same codes as gone.
        not_found: &[
            "InvalidRouteServerId.NotAssociated",
            "InvalidRouteServerId.NotFound",
            "InvalidVpcID.NotFound",
        ],
        quirks: ApiQuirks {
            dry_run: true,
            ..ApiQuirks::NONE
        },
        moved_from: Some("aws_vpc_route_server_vpc_association"),
    };

    async fn send_associate(&self, to: Call<'_>, _config: &Value) -> Result<Observation, AwsError> {
        let operation = Self::SPEC.operations.associate;
        let request = to.aws.ec2.associate_route_server().vpc_id(to.member());
        let output = request.route_server_id(to.parent()).send().await;
        let made = output.aws_context(operation)?;
        required(
            made.route_server_association(),
            operation,
            "RouteServerAssociation",
        )
        .map(observation)
    }

    /// Every route server of the region, every page.
    async fn parents(&self, aws: &ServiceClients) -> Result<Vec<String>, AwsError> {
        const OPERATION: &str = declared(RouteServerVpcAssociation::SPEC.operations.parents);
        let fetch = sdk_pages!(aws.ec2.describe_route_servers(), route_servers, |error| {
            AwsError::from_sdk(OPERATION, error)
        });
        every_id(OPERATION, fetch, RouteServer::route_server_id).await
    }

    /// `GetRouteServerAssociations` answers in one page.
    async fn observe(&self, aws: &ServiceClients, parent: &str) -> Result<Listing, AwsError> {
        let operation = Self::SPEC.operations.status;
        let fetch = |_token| async move {
            aws.ec2
                .get_route_server_associations()
                .route_server_id(parent)
                .send()
                .await
                .map(|answer| page(answer.route_server_associations(), None))
                .aws_context(operation)
        };
        listing_of_parent(&Self::SPEC, parent, &RECORDS, fetch).await
    }

    async fn send_disassociate(&self, to: Call<'_>, dry_run: bool) -> Result<(), AwsError> {
        let request = to.aws.ec2.disassociate_route_server().dry_run(dry_run);
        let request = request.route_server_id(to.parent()).vpc_id(to.member());
        request
            .send()
            .await
            .aws_done(Self::SPEC.operations.disassociate)
    }
}

/// A listed association names its route server and its VPC.
const RECORDS: Records<RouteServerAssociation> = Records {
    parent_of: RouteServerAssociation::route_server_id,
    member_of: RouteServerAssociation::vpc_id,
    observe: observation,
};
