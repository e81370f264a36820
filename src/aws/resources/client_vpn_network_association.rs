//! `awsassoc_ec2_client_vpn_network_association`: a subnet associated with a Client VPN endpoint
//! (EC2 AssociateClientVpnTargetNetwork / DisassociateClientVpnTargetNetwork).
//!
//! AWS takes minutes either way. hashicorp/aws sleeps 4 minutes before its first status check;
//! here the shared waiter polls from the start and returns one poll after AWS reports the change.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_ec2::types::{AssociationStatus, TargetNetwork};

use crate::aws::association::{
    Association, AssociationKey, AttributeSpec, Disassociation, Observation, Phase,
};
use crate::aws::clients::AwsClients;
use crate::aws::error::{AwsError, dry_run_permitted};
use crate::aws::ids;
use tf_provider_framework::value::Value;

/// Answers meaning the association (or its endpoint) no longer exists.
const NOT_FOUND: &[&str] = &[
    "InvalidClientVpnAssociationIdNotFound",
    "InvalidClientVpnEndpointId.NotFound",
];

pub struct ClientVpnNetworkAssociation;

fn observation(
    status: Option<&AssociationStatus>,
    attributes: Vec<(&'static str, Value)>,
) -> Observation {
    let state = status
        .and_then(|s| s.code())
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let message = status
        .and_then(|s| s.message())
        .unwrap_or("no reason given")
        .to_owned();
    let phase = match state.as_str() {
        "associated" => Phase::Ready,
        "association-failed" => Phase::Failed(message),
        "disassociating" => Phase::Deleting,
        "disassociated" => Phase::Gone,
        _ => Phase::Pending,
    };
    let mut attributes = attributes;
    attributes.push(("status", Value::string(&state)));
    Observation {
        phase,
        state,
        attributes,
    }
}

fn target_network(network: &TargetNetwork) -> Observation {
    observation(
        network.status(),
        vec![
            ("subnet_id", Value::opt_string(network.target_network_id())),
            ("vpc_id", Value::opt_string(network.vpc_id())),
        ],
    )
}

#[async_trait]
impl Association for ClientVpnNetworkAssociation {
    fn type_name(&self) -> &'static str {
        "awsassoc_ec2_client_vpn_network_association"
    }

    fn description(&self) -> &'static str {
        "Associates a subnet (target network) with an AWS Client VPN endpoint. Deleting it calls \
         `DisassociateClientVpnTargetNetwork` and waits until `DescribeClientVpnTargetNetworks` no longer \
         reports the association, polling from the start instead of sleeping a fixed four minutes."
    }

    fn attributes(&self) -> Vec<AttributeSpec> {
        vec![
            AttributeSpec::required(
                "client_vpn_endpoint_id",
                ids::CLIENT_VPN_ENDPOINT,
                "The ID of the Client VPN endpoint.",
            ),
            AttributeSpec::required(
                "subnet_id",
                ids::SUBNET,
                "The ID of the subnet to associate with the endpoint.",
            ),
            AttributeSpec::computed_id(
                "association_id",
                ids::CLIENT_VPN_ASSOCIATION,
                "The ID of the target network association.",
            ),
            AttributeSpec::computed_id(
                "vpc_id",
                ids::VPC,
                "The ID of the VPC the subnet belongs to.",
            ),
            AttributeSpec::computed(
                "status",
                "The association's status code, e.g. `associated`.",
            ),
        ]
    }

    fn key_attributes(&self) -> (&'static str, &'static str) {
        ("client_vpn_endpoint_id", "association_id")
    }

    /// Matches hashicorp/aws, whose `id` is the association ID.
    fn id(&self, key: &AssociationKey) -> String {
        key.member.clone()
    }

    async fn associate(
        &self,
        aws: &AwsClients,
        config: &Value,
    ) -> Result<(AssociationKey, Observation), AwsError> {
        const OPERATION: &str = "AssociateClientVpnTargetNetwork";
        let endpoint = config
            .attr_str("client_vpn_endpoint_id")
            .unwrap_or_default();
        let output = aws
            .ec2
            .associate_client_vpn_target_network()
            .client_vpn_endpoint_id(endpoint)
            .subnet_id(config.attr_str("subnet_id").unwrap_or_default())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(OPERATION, e))?;
        let association_id = output
            .association_id()
            .ok_or_else(|| AwsError::missing(OPERATION, "associationId"))?;
        let key = AssociationKey {
            parent: endpoint.to_owned(),
            member: association_id.to_owned(),
        };
        Ok((key, observation(output.status(), Vec::new())))
    }

    async fn observe(
        &self,
        aws: &AwsClients,
        parent: &str,
        members: &[String],
    ) -> Result<HashMap<String, Observation>, AwsError> {
        const OPERATION: &str = "DescribeClientVpnTargetNetworks";
        // One listing of the endpoint answers for every association on it; naming IDs instead
        // would make AWS reject the whole call once any one of them is gone.
        let mut found = HashMap::new();
        let mut next_token: Option<String> = None;
        loop {
            let answer = aws
                .ec2
                .describe_client_vpn_target_networks()
                .client_vpn_endpoint_id(parent)
                .set_next_token(next_token.take())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(OPERATION, e));
            let page = match answer {
                Ok(page) => page,
                Err(error) if error.has_any_code(NOT_FOUND) => return Ok(HashMap::new()),
                Err(error) => return Err(error),
            };
            for network in page.client_vpn_target_networks() {
                let Some(id) = network.association_id() else {
                    continue;
                };
                let on_endpoint = network.client_vpn_endpoint_id().is_none_or(|e| e == parent);
                if on_endpoint && members.iter().any(|m| m == id) {
                    found.insert(id.to_owned(), target_network(network));
                }
            }
            match page.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
                _ => return Ok(found),
            }
        }
    }

    async fn disassociate(
        &self,
        aws: &AwsClients,
        key: &AssociationKey,
    ) -> Result<Disassociation, AwsError> {
        Disassociation::from_answer(send_disassociate(aws, key, false).await, NOT_FOUND)
    }

    async fn preflight_disassociate(
        &self,
        aws: &AwsClients,
        key: &AssociationKey,
    ) -> Option<Result<(), AwsError>> {
        Some(dry_run_permitted(send_disassociate(aws, key, true).await))
    }
}

/// The disassociate call, for real or (with `dry_run`) only to ask whether AWS would allow it.
async fn send_disassociate(
    aws: &AwsClients,
    key: &AssociationKey,
    dry_run: bool,
) -> Result<(), AwsError> {
    aws.ec2
        .disassociate_client_vpn_target_network()
        .client_vpn_endpoint_id(&key.parent)
        .association_id(&key.member)
        .dry_run(dry_run)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::from_sdk("DisassociateClientVpnTargetNetwork", e))
}
