//! `awsassoc_vpc_route_server_vpc_association`: a VPC associated with a VPC Route Server (EC2
//! AssociateRouteServer / DisassociateRouteServer).
//!
//! A route server serves one VPC. There is no "disassociated" state: the association is gone
//! when GetRouteServerAssociations stops listing it.

use async_trait::async_trait;
use aws_sdk_ec2::operation::get_route_server_associations::GetRouteServerAssociationsOutput;
use aws_sdk_ec2::types::{RouteServer, RouteServerAssociation};
use tf_provider_framework::value::Value;

use crate::aws::association::{
    ApiQuirks, Association, AssociationSpec, AttributeSpec, Call, Listing, Observation, Operations,
    Records, Scope, Service, StateWords, declared, listing_of_one_page,
};
use crate::aws::clients::ServiceClients;
use crate::aws::error::{AwsContext, AwsError, required};
use crate::aws::ids;
use crate::aws::pages::{every_id, sdk_pages};

pub struct RouteServerVpcAssociation;

/// Reads a listed association: its state word and what the word means.
fn observation(association: &RouteServerAssociation) -> Observation {
    let state = association.state().map_or("", |s| s.as_str()).to_owned();
    let phase = RouteServerVpcAssociation::SPEC
        .states
        .phase(&state, String::new);
    // The API reports no creation time; a finished record is never listed (it vanishes).
    let attributes = vec![("state", Value::string(&state))];
    Observation::listed(phase, state, attributes)
}

#[async_trait]
impl Association for RouteServerVpcAssociation {
    const SPEC: AssociationSpec = AssociationSpec {
        type_name: "awsassoc_vpc_route_server_vpc_association",
        description: "Associates a VPC with a VPC Route Server (one VPC per route server). \
            Deleting it calls `DisassociateRouteServer` and waits until \
            `GetRouteServerAssociations` no longer lists the VPC.",
        // What AWS's state words mean (`associating` is pending). There is no failed state.
        states: StateWords {
            ready: &["associated"],
            failed: &[],
            deleting: &["disassociating"],
            gone: &["disassociated"],
        },
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
            parents: Some("DescribeRouteServers"),
            ..Operations::of(
                Service::Ec2,
                "AssociateRouteServer",
                "DisassociateRouteServer",
                "GetRouteServerAssociations",
            )
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
        let request = to.aws.ec2.associate_route_server().vpc_id(to.member());
        let output = request.route_server_id(to.parent()).send().await;
        let made = output.aws_context(to.operation)?;
        required(
            made.route_server_association(),
            to.operation,
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
        let answer = aws
            .ec2
            .get_route_server_associations()
            .route_server_id(parent)
            .send();
        let items = GetRouteServerAssociationsOutput::route_server_associations;
        listing_of_one_page(&Self::SPEC, parent, &RECORDS, answer, items).await
    }

    async fn send_disassociate(&self, to: Call<'_>, dry_run: bool) -> Result<(), AwsError> {
        let request = to.aws.ec2.disassociate_route_server().dry_run(dry_run);
        let request = request.route_server_id(to.parent()).vpc_id(to.member());
        request.send().await.aws_done(to.operation)
    }
}

/// A listed association names its route server and its VPC.
const RECORDS: Records<RouteServerAssociation> = Records {
    parent_of: RouteServerAssociation::route_server_id,
    member_of: RouteServerAssociation::vpc_id,
    observe: observation,
};
