//! `awsassoc_ec2_client_vpn_network_association`: a target network associated with a Client VPN
//! endpoint (EC2 AssociateClientVpnTargetNetwork / DisassociateClientVpnTargetNetwork): a subnet
//! for an endpoint attached to a VPC, an Availability Zone (by name or by ID) for an endpoint
//! that uses a Transit Gateway.
//!
//! AWS takes minutes either way. hashicorp/aws sleeps 4 minutes before its first status check;
//! here the shared waiter polls from the start and returns one poll after AWS reports the change.

use async_trait::async_trait;
use aws_sdk_ec2::types::ClientVpnEndpoint;
use aws_sdk_ec2::types::{AssociationStatus, TargetNetwork};
use tf_provider_framework::diag::Diagnostic;
use tf_provider_framework::value::Value;

use crate::aws::association::messages;
use crate::aws::association::{
    ApiQuirks, Association, AssociationKey, AssociationSpec, AttributeSpec, Call, Listing,
    Observation, Operations, Phase, PlannedRemovals, Records, Scope, Service, StateWords, declared,
    records_of_parent,
};
use crate::aws::clients::ServiceClients;
use crate::aws::error::{AwsContext, AwsError, required};
use crate::aws::ids;
use crate::aws::pages::{every_id, sdk_pages};

pub struct ClientVpnNetworkAssociation;

/// Reads an association's status: its code and what the code means, with AWS's message for a
/// failure.
fn observation(
    status: Option<&AssociationStatus>,
    attributes: Vec<(&'static str, Value)>,
) -> Observation {
    let state = status.and_then(|s| s.code()).map_or("", |c| c.as_str());
    let message = status
        .and_then(|s| s.message())
        .unwrap_or("no reason given");
    let phase = ClientVpnNetworkAssociation::SPEC
        .states
        .phase(state, || message.to_owned());
    let state = state.to_owned();
    let mut attributes = attributes;
    attributes.push(("status", Value::string(&state)));
    // Association IDs are never reused, so duplicate records cannot occur: no creation time.
    Observation::listed(phase, state, attributes)
}

/// The parent (the endpoint) and the member (the association AWS assigns).
const ENDPOINT_ID: &str = "client_vpn_endpoint_id";
const ASSOCIATION_ID: &str = "association_id";

/// The arguments naming the target network, one of which the configuration sets.
const SUBNET_ID: &str = "subnet_id";
const AVAILABILITY_ZONE: &str = "availability_zone";
const AVAILABILITY_ZONE_ID: &str = "availability_zone_id";

/// The target network a configuration asks for, in the form it names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target<'a> {
    Subnet(&'a str),
    Zone(&'a str),
    ZoneId(&'a str),
}

impl<'a> Target<'a> {
    /// The configured target; `None` while it is not known (validation requires exactly one).
    fn configured(config: &'a Value) -> Option<Target<'a>> {
        config
            .attr_str(SUBNET_ID)
            .map(Target::Subnet)
            .or_else(|| config.attr_str(AVAILABILITY_ZONE).map(Target::Zone))
            .or_else(|| config.attr_str(AVAILABILITY_ZONE_ID).map(Target::ZoneId))
    }

    /// Whether AWS's record is of this target. A zone association lists its zone both by
    /// name and by ID, whichever the request gave.
    fn is(&self, network: &TargetNetwork) -> bool {
        match *self {
            Target::Subnet(subnet) => network.target_network_id() == Some(subnet),
            Target::Zone(zone) => network.availability_zones().iter().any(|z| z == zone),
            Target::ZoneId(zone_id) => network.availability_zone_ids().iter().any(|z| z == zone_id),
        }
    }

    /// The value that names it, for grouping AWS's records of one target.
    fn name(&self) -> &'a str {
        match *self {
            Target::Subnet(name) | Target::Zone(name) | Target::ZoneId(name) => name,
        }
    }
}

/// What AWS lists for a target network. A zone association of a Transit Gateway endpoint has
/// no subnet and no VPC: those stay null, and the zone fills the other two.
fn target_network(network: &TargetNetwork) -> Observation {
    observation(
        network.status(),
        vec![
            (SUBNET_ID, Value::opt_string(network.target_network_id())),
            ("vpc_id", Value::opt_string(network.vpc_id())),
            (
                AVAILABILITY_ZONE,
                Value::opt_string(network.availability_zones().first().map(String::as_str)),
            ),
            (
                AVAILABILITY_ZONE_ID,
                Value::opt_string(network.availability_zone_ids().first().map(String::as_str)),
            ),
        ],
    )
}

/// A listed target network names its endpoint and its association.
const RECORDS: Records<TargetNetwork> = Records {
    parent_of: TargetNetwork::client_vpn_endpoint_id,
    member_of: TargetNetwork::association_id,
    observe: target_network,
};

/// Every target network of `endpoint`; none when the endpoint does not exist. One listing
/// answers for every association on the endpoint; naming IDs instead would make AWS reject the
/// whole call once any one of them is gone.
async fn target_networks(
    aws: &ServiceClients,
    endpoint: &str,
) -> Result<Vec<TargetNetwork>, AwsError> {
    let spec = &ClientVpnNetworkAssociation::SPEC;
    let operation = spec.operations.status;
    let fetch = sdk_pages!(
        aws.ec2
            .describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(endpoint),
        client_vpn_target_networks,
        |error| AwsError::from_sdk(operation, error)
    );
    records_of_parent(spec, endpoint, &RECORDS, fetch).await
}

#[async_trait]
impl Association for ClientVpnNetworkAssociation {
    const SPEC: AssociationSpec = AssociationSpec {
        type_name: "awsassoc_ec2_client_vpn_network_association",
        description: "Associates a target network with an AWS Client VPN endpoint: a subnet \
            (`subnet_id`) for an endpoint attached to a VPC, or an Availability Zone \
            (`availability_zone` or `availability_zone_id`) for an endpoint that uses a Transit \
            Gateway. Exactly one of the three is set; AWS allows one association per zone. \
            Deleting it calls `DisassociateClientVpnTargetNetwork` and waits until \
            `DescribeClientVpnTargetNetworks` no longer reports the association, polling from \
            the start instead of sleeping a fixed four minutes.",
        // What AWS's status codes mean (`associating` is pending).
        states: StateWords {
            ready: &["associated"],
            failed: &["association-failed"],
            deleting: &["disassociating"],
            gone: &["disassociated"],
        },
        attributes: &[
            AttributeSpec::required(
                ENDPOINT_ID,
                ids::CLIENT_VPN_ENDPOINT,
                "The ID of the Client VPN endpoint.",
            ),
            AttributeSpec::alternative(
                SUBNET_ID,
                Some(ids::SUBNET),
                "The ID of the subnet to associate with an endpoint attached to a VPC. Exactly \
                 one of `subnet_id`, `availability_zone` and `availability_zone_id` is set.",
            ),
            AttributeSpec::alternative(
                AVAILABILITY_ZONE,
                None,
                "The name of the Availability Zone (e.g. `us-east-1a`) to associate with an \
                 endpoint that uses a Transit Gateway. AWS reports it for such an association \
                 also when it was given by `availability_zone_id`.",
            ),
            AttributeSpec::alternative(
                AVAILABILITY_ZONE_ID,
                None,
                "The ID of the Availability Zone (e.g. `use1-az1`) to associate with an endpoint \
                 that uses a Transit Gateway. AWS reports it for such an association also when \
                 it was given by `availability_zone`.",
            ),
            AttributeSpec::computed_id(
                ASSOCIATION_ID,
                ids::CLIENT_VPN_ASSOCIATION,
                "The ID of the target network association.",
            ),
            AttributeSpec::computed_id(
                "vpc_id",
                ids::VPC,
                "The ID of the VPC the subnet belongs to; null for an Availability Zone \
                 association.",
            ),
            AttributeSpec::computed(
                "status",
                "The association's status code, e.g. `associated`.",
            ),
        ],
        key: (ENDPOINT_ID, ASSOCIATION_ID),
        scope: Scope::Regional,
        operations: Operations {
            parents: Some("DescribeClientVpnEndpoints"),
            ..Operations::of(
                Service::Ec2,
                "AssociateClientVpnTargetNetwork",
                "DisassociateClientVpnTargetNetwork",
                "DescribeClientVpnTargetNetworks",
            )
        },
        // AWS documents both for a target network already associated with the endpoint (a
        // zone, for an endpoint that uses a Transit Gateway).
        already_exists: &[
            "InvalidClientVpnDuplicateAssociationException",
            "ClientVpnEndpointAssociationExists",
        ],
        not_found: &[
            "InvalidClientVpnAssociationIdNotFound",
            "InvalidClientVpnEndpointId.NotFound",
        ],
        quirks: ApiQuirks {
            dry_run: true,
            idempotency_token: true,
            ..ApiQuirks::NONE
        },
        moved_from: Some("aws_ec2_client_vpn_network_association"),
    };

    /// Matches hashicorp/aws, whose `id` is the association ID.
    fn id(&self, key: &AssociationKey) -> String {
        key.member.clone()
    }

    /// AWS assigns the association ID, so the configuration does not determine the key.
    fn planned_key(&self, _config: &Value) -> Option<AssociationKey> {
        None
    }

    async fn associate(
        &self,
        aws: &ServiceClients,
        config: &Value,
        token: &str,
    ) -> Result<(AssociationKey, Observation), AwsError> {
        let operation = Self::SPEC.operations.associate;
        let endpoint = config.attr_str(ENDPOINT_ID).unwrap_or_default();
        // The request names the target the way the configuration does, and only that way.
        let (subnet, zone, zone_id) = match Target::configured(config) {
            Some(Target::Subnet(subnet)) => (Some(subnet), None, None),
            Some(Target::Zone(zone)) => (None, Some(zone), None),
            Some(Target::ZoneId(zone_id)) => (None, None, Some(zone_id)),
            None => (None, None, None),
        };
        let output = aws
            .ec2
            .associate_client_vpn_target_network()
            .client_vpn_endpoint_id(endpoint)
            .set_subnet_id(subnet.map(str::to_owned))
            .set_availability_zone(zone.map(str::to_owned))
            .set_availability_zone_id(zone_id.map(str::to_owned))
            .client_token(token)
            .send()
            .await
            .aws_context(operation)?;
        let association_id = required(output.association_id(), operation, "associationId")?;
        let key = AssociationKey {
            parent: endpoint.to_owned(),
            member: association_id.to_owned(),
        };
        Ok((key, observation(output.status(), Vec::new())))
    }

    /// The endpoint's association of the configured target network (subnet or zone), as the
    /// duplicate-record rule picks it among every record AWS lists for that target (a target
    /// has at most one occupying association per endpoint, but failed and finished records
    /// keep being listed beside it).
    async fn find(
        &self,
        aws: &ServiceClients,
        config: &Value,
    ) -> Result<Option<(AssociationKey, Observation)>, AwsError> {
        let (Some(endpoint), Some(target)) =
            (config.attr_str(ENDPOINT_ID), Target::configured(config))
        else {
            return Ok(None);
        };
        let mut by_target = Listing::default();
        for network in target_networks(aws, endpoint).await? {
            if !target.is(&network) {
                continue;
            }
            let Some(association_id) = network.association_id() else {
                continue;
            };
            let mut observation = target_network(&network);
            observation
                .attributes
                .push((ASSOCIATION_ID, Value::string(association_id)));
            by_target.record(target.name(), observation);
        }
        Ok(by_target.take(target.name()).and_then(|found| {
            let member = found.attribute(ASSOCIATION_ID)?.to_owned();
            let key = AssociationKey {
                parent: endpoint.to_owned(),
                member,
            };
            Some((key, found))
        }))
    }

    /// Every Client VPN endpoint of the region, every page.
    async fn parents(&self, aws: &ServiceClients) -> Result<Vec<String>, AwsError> {
        const OPERATION: &str = declared(ClientVpnNetworkAssociation::SPEC.operations.parents);
        let fetch = sdk_pages!(
            aws.ec2.describe_client_vpn_endpoints(),
            client_vpn_endpoints,
            |error| AwsError::from_sdk(OPERATION, error)
        );
        every_id(OPERATION, fetch, ClientVpnEndpoint::client_vpn_endpoint_id).await
    }

    async fn observe(&self, aws: &ServiceClients, parent: &str) -> Result<Listing, AwsError> {
        Ok(RECORDS.listing(target_networks(aws, parent).await?))
    }

    /// AWS documents that disassociating the last target network of an endpoint deletes the
    /// route added for its VPC, terminates every client connection and stops new ones, and
    /// puts the endpoint in `pending-associate`. The plan says so when it leaves the endpoint
    /// without an associated target network.
    async fn removal_warnings(
        &self,
        aws: &ServiceClients,
        key: &AssociationKey,
        removed: &PlannedRemovals,
    ) -> Result<Vec<Diagnostic>, AwsError> {
        let associated: Vec<String> = target_networks(aws, &key.parent)
            .await?
            .iter()
            .filter(|n| target_network(n).phase == Phase::Ready)
            .filter_map(|n| n.association_id().map(str::to_owned))
            .collect();
        let removed = removed.snapshot();
        let this_one_carries_traffic = associated.contains(&key.member);
        let others_remain = associated.iter().any(|id| {
            !removed.contains(&AssociationKey {
                parent: key.parent.clone(),
                member: id.clone(),
            })
        });
        if !this_one_carries_traffic || others_remain {
            return Ok(Vec::new());
        }
        Ok(vec![messages::last_client_vpn_target(
            &key.parent,
            &key.member,
        )])
    }

    async fn send_disassociate(&self, to: Call<'_>, dry_run: bool) -> Result<(), AwsError> {
        let request = to.aws.ec2.disassociate_client_vpn_target_network();
        let request = request
            .client_vpn_endpoint_id(to.parent())
            .association_id(to.member());
        let answer = request.dry_run(dry_run).send().await;
        answer.aws_done(to.operation)
    }
}
