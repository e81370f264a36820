//! `awsassoc_ec2_client_vpn_network_association`: a subnet associated with a Client VPN endpoint
//! (EC2 AssociateClientVpnTargetNetwork / DisassociateClientVpnTargetNetwork).
//!
//! AWS takes minutes either way. hashicorp/aws sleeps 4 minutes before its first status check;
//! here the shared waiter polls from the start and returns one poll after AWS reports the change.

use async_trait::async_trait;
use aws_sdk_ec2::types::{AssociationStatus, TargetNetwork};

use crate::aws::association::{
    Association, AssociationKey, AttributeSpec, Disassociation, Listing, Observation, Phase,
};
use crate::aws::clients::ServiceClients;
use crate::aws::error::{AwsError, dry_run_permitted};
use crate::aws::ids;
use tf_provider_framework::value::Value;

/// Answers meaning the association (or its endpoint) no longer exists.
const NOT_FOUND: &[&str] = &[
    "InvalidClientVpnAssociationIdNotFound",
    "InvalidClientVpnEndpointId.NotFound",
];

/// Answers meaning the subnet is already associated with the endpoint (AWS documents both).
const ALREADY_ASSOCIATED: &[&str] = &[
    "InvalidClientVpnDuplicateAssociationException",
    "ClientVpnEndpointAssociationExists",
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
        // Association IDs are never reused, so duplicate records cannot occur.
        created: None,
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

    fn iam_service(&self) -> &'static str {
        "ec2"
    }

    fn already_exists_codes(&self) -> &'static [&'static str] {
        ALREADY_ASSOCIATED
    }

    /// AWS assigns the association ID, so the configuration does not determine the key.
    fn planned_key(&self, _config: &Value) -> Option<AssociationKey> {
        None
    }

    /// Matches hashicorp/aws, whose `id` is the association ID.
    fn id(&self, key: &AssociationKey) -> String {
        key.member.clone()
    }

    async fn associate(
        &self,
        aws: &ServiceClients,
        config: &Value,
        token: &str,
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
            .client_token(token)
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

    /// The endpoint's live association of the configured subnet.
    async fn find(
        &self,
        aws: &ServiceClients,
        config: &Value,
    ) -> Result<Option<(AssociationKey, Observation)>, AwsError> {
        let (Some(endpoint), Some(subnet)) = (
            config.attr_str("client_vpn_endpoint_id"),
            config.attr_str("subnet_id"),
        ) else {
            return Ok(None);
        };
        let mut found = None;
        for network in list_target_networks(aws, endpoint).await? {
            let Some(id) = network.association_id() else {
                continue;
            };
            let observation = target_network(&network);
            if network.target_network_id() == Some(subnet) && observation.phase.is_live() {
                let key = AssociationKey {
                    parent: endpoint.to_owned(),
                    member: id.to_owned(),
                };
                found = Some((key, observation));
            }
        }
        Ok(found)
    }

    async fn observe(
        &self,
        aws: &ServiceClients,
        parent: &str,
        members: &[String],
    ) -> Result<Listing, AwsError> {
        let mut listing = Listing::default();
        for network in list_target_networks(aws, parent).await? {
            if let Some(id) = network.association_id()
                && members.iter().any(|m| m == id)
            {
                listing.record(id, target_network(&network));
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

/// Every target network of `endpoint`, all pages; none when the endpoint does not exist. One
/// listing answers for every association on the endpoint; naming IDs instead would make AWS
/// reject the whole call once any one of them is gone.
async fn list_target_networks(
    aws: &ServiceClients,
    endpoint: &str,
) -> Result<Vec<TargetNetwork>, AwsError> {
    const OPERATION: &str = "DescribeClientVpnTargetNetworks";
    let mut networks = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let answer = aws
            .ec2
            .describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(endpoint)
            .set_next_token(next_token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(OPERATION, e));
        let page = match answer {
            Ok(page) => page,
            Err(error) if error.has_any_code(NOT_FOUND) => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        networks.extend(
            page.client_vpn_target_networks()
                .iter()
                .filter(|n| n.client_vpn_endpoint_id().is_none_or(|e| e == endpoint))
                .cloned(),
        );
        match page.next_token() {
            Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
            _ => return Ok(networks),
        }
    }
}

/// The disassociate call, for real or (with `dry_run`) only to ask whether AWS would allow it.
async fn send_disassociate(
    aws: &ServiceClients,
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
