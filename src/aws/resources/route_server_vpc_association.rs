//! `awsassoc_vpc_route_server_vpc_association`: a VPC associated with a VPC Route Server (EC2
//! AssociateRouteServer / DisassociateRouteServer).
//!
//! A route server serves one VPC. There is no "disassociated" state: the association is gone
//! when GetRouteServerAssociations stops listing it.

use async_trait::async_trait;
use aws_sdk_ec2::types::RouteServerAssociation;

use crate::aws::association::{
    Association, AssociationKey, AttributeSpec, Disassociation, Listing, Observation, Phase,
};
use crate::aws::clients::ServiceClients;
use crate::aws::error::{AwsError, dry_run_permitted};
use crate::aws::ids;
use tf_provider_framework::value::Value;

/// Answers meaning there is no such association (hashicorp/aws treats the same codes as gone).
const NOT_FOUND: &[&str] = &[
    "InvalidRouteServerId.NotAssociated",
    "InvalidRouteServerId.NotFound",
    "InvalidVpcID.NotFound",
];

/// Answer meaning the route server already has a VPC association (one per route server).
const ALREADY_ASSOCIATED: &[&str] = &["Resource.AlreadyAssociated"];

pub struct RouteServerVpcAssociation;

fn observation(association: Option<&RouteServerAssociation>) -> Observation {
    let state = association
        .and_then(|a| a.state())
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
    }
}

#[async_trait]
impl Association for RouteServerVpcAssociation {
    fn type_name(&self) -> &'static str {
        "awsassoc_vpc_route_server_vpc_association"
    }

    fn description(&self) -> &'static str {
        "Associates a VPC with a VPC Route Server (one VPC per route server). Deleting it calls \
         `DisassociateRouteServer` and waits until `GetRouteServerAssociations` no longer lists the VPC."
    }

    fn attributes(&self) -> Vec<AttributeSpec> {
        vec![
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
        ]
    }

    fn key_attributes(&self) -> (&'static str, &'static str) {
        ("route_server_id", "vpc_id")
    }

    fn iam_service(&self) -> &'static str {
        "ec2"
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
        let route_server = config.attr_str("route_server_id").unwrap_or_default();
        let vpc = config.attr_str("vpc_id").unwrap_or_default();
        let output = aws
            .ec2
            .associate_route_server()
            .route_server_id(route_server)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("AssociateRouteServer", e))?;
        let key = AssociationKey {
            parent: route_server.to_owned(),
            member: vpc.to_owned(),
        };
        Ok((key, observation(output.route_server_association())))
    }

    async fn observe(
        &self,
        aws: &ServiceClients,
        parent: &str,
        members: &[String],
    ) -> Result<Listing, AwsError> {
        let answer = aws
            .ec2
            .get_route_server_associations()
            .route_server_id(parent)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetRouteServerAssociations", e));
        let output = match answer {
            Ok(output) => output,
            Err(error) if error.has_any_code(NOT_FOUND) => return Ok(Listing::default()),
            Err(error) => return Err(error),
        };
        let mut listing = Listing::default();
        for association in output.route_server_associations() {
            let on_server = association.route_server_id().is_none_or(|id| id == parent);
            if let Some(vpc) = association.vpc_id()
                && on_server
                && members.iter().any(|m| m == vpc)
            {
                listing.record(vpc, observation(Some(association)));
            }
        }
        Ok(listing)
    }

    async fn disassociate(
        &self,
        aws: &ServiceClients,
        key: &AssociationKey,
    ) -> Result<Disassociation, AwsError> {
        Disassociation::from_answer(send_disassociate(aws, key, false).await, NOT_FOUND)
    }

    async fn preflight_disassociate(
        &self,
        aws: &ServiceClients,
        key: &AssociationKey,
    ) -> Option<Result<(), AwsError>> {
        Some(dry_run_permitted(send_disassociate(aws, key, true).await))
    }
}

/// The disassociate call, for real or (with `dry_run`) only to ask whether AWS would allow it.
async fn send_disassociate(
    aws: &ServiceClients,
    key: &AssociationKey,
    dry_run: bool,
) -> Result<(), AwsError> {
    aws.ec2
        .disassociate_route_server()
        .route_server_id(&key.parent)
        .vpc_id(&key.member)
        .dry_run(dry_run)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::from_sdk("DisassociateRouteServer", e))
}
