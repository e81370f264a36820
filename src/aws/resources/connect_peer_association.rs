//! `awsassoc_networkmanager_connect_peer_association`: a Cloud WAN Connect peer associated with a
//! device (and optionally a link) in a global network (NetworkManager AssociateConnectPeer /
//! DisassociateConnectPeer). No other provider offers this resource.

use async_trait::async_trait;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::SdkError;
use aws_sdk_networkmanager::operation::disassociate_connect_peer::DisassociateConnectPeerError;
use aws_sdk_networkmanager::operation::get_connect_peer_associations::GetConnectPeerAssociationsError;
use aws_sdk_networkmanager::types::ConnectPeerAssociation;
use aws_sdk_networkmanager::types::error::ValidationException;
use tf_provider_framework::value::Value;

use crate::aws::association::{
    ApiQuirks, Association, AssociationSpec, AttributeSpec, Call, Listing, Observation, Operations,
    Records, Scope, Service, StateWords, listing_of_parent,
};
use crate::aws::clients::ServiceClients;
use crate::aws::error::{AwsContext, AwsError, required};
use crate::aws::ids;
use crate::aws::pages::sdk_pages;

pub struct ConnectPeerAssociationResource;

/// NetworkManager reports an unknown global network only in words: a `ValidationException`
/// whose `GlobalNetworkId` field says "Global network not found" (hashicorp/aws keys on the same
/// text). Code, field and text together mean every association of that network is gone; the
/// same text under any other code means nothing.
fn global_network_missing(validation: &ValidationException) -> bool {
    validation.fields().iter().any(|field| {
        field.name() == "GlobalNetworkId" && field.message().contains("Global network not found")
    })
}

/// Converts a NetworkManager error, marking the "unknown global network" answer as not found.
fn network_error<E>(
    operation: &'static str,
    error: SdkError<E, HttpResponse>,
    validation: impl Fn(&E) -> Option<&ValidationException>,
) -> AwsError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
{
    let missing = error
        .as_service_error()
        .and_then(validation)
        .is_some_and(global_network_missing);
    AwsError::from_sdk(operation, error).not_found_if(missing)
}

/// Reads a listed association: its state word and what the word means.
fn observation(association: &ConnectPeerAssociation) -> Observation {
    let state = association.state().map_or("", |s| s.as_str()).to_owned();
    let phase = ConnectPeerAssociationResource::SPEC
        .states
        .phase(&state, String::new);
    let attributes = vec![
        ("device_id", Value::opt_string(association.device_id())),
        ("link_id", Value::opt_string(association.link_id())),
        ("state", Value::string(&state)),
    ];
    // The API reports no creation time; a live record still beats a `DELETED` one.
    Observation::listed(phase, state, attributes)
}

#[async_trait]
impl Association for ConnectPeerAssociationResource {
    const SPEC: AssociationSpec = AssociationSpec {
        type_name: "awsassoc_networkmanager_connect_peer_association",
        description: "Associates a Cloud WAN Connect peer with a device, and optionally a link, \
            in a global network. Deleting it calls `DisassociateConnectPeer` and waits until \
            `GetConnectPeerAssociations` reports it `DELETED` or no longer lists it.",
        // What AWS's state words mean (`PENDING` is pending). There is no failed state.
        states: StateWords {
            ready: &["AVAILABLE"],
            failed: &[],
            deleting: &["DELETING"],
            gone: &["DELETED"],
        },
        attributes: &[
            AttributeSpec::required(
                "global_network_id",
                ids::GLOBAL_NETWORK,
                "The ID of the global network.",
            ),
            AttributeSpec::required(
                "connect_peer_id",
                ids::CONNECT_PEER,
                "The ID of the Connect peer.",
            ),
            AttributeSpec::required(
                "device_id",
                ids::DEVICE,
                "The ID of the device to associate the Connect peer with.",
            ),
            AttributeSpec::optional("link_id", ids::LINK, "The ID of a link of that device."),
            AttributeSpec::computed("state", "The association's state, e.g. `AVAILABLE`."),
        ],
        key: ("global_network_id", "connect_peer_id"),
        // NetworkManager is a global service: one global network for every region.
        scope: Scope::Global,
        operations: Operations::of(
            Service::NetworkManager,
            "AssociateConnectPeer",
            "DisassociateConnectPeer",
            "GetConnectPeerAssociations",
        ),
        already_exists: &["ConflictException"],
        // hashicorp/aws treats the same code as gone.
        not_found: &["ResourceNotFoundException"],
        quirks: ApiQuirks {
            transient_read_codes: &["ConflictException"],
            ..ApiQuirks::NONE
        },
        // NetworkManager is a global service: like hashicorp/aws's networkmanager resources,
        // no per-resource `region`.
        moved_from: None,
    };

    /// The device, and the link where one is set, come from the configuration.
    async fn send_associate(&self, to: Call<'_>, config: &Value) -> Result<Observation, AwsError> {
        let device = config.attr_str("device_id").unwrap_or_default();
        let link = config.attr_str("link_id").map(str::to_owned);
        let request = to.aws.networkmanager.associate_connect_peer();
        let request = request
            .global_network_id(to.parent())
            .connect_peer_id(to.member());
        let made = request.device_id(device).set_link_id(link).send().await;
        let made = made.aws_context(to.operation)?;
        required(
            made.connect_peer_association(),
            to.operation,
            "ConnectPeerAssociation",
        )
        .map(observation)
    }

    /// A peer associated with another device, or through another link, is not the association
    /// the configuration describes, whoever made it.
    fn matches(&self, config: &Value, found: &Observation) -> bool {
        ["device_id", "link_id"]
            .iter()
            .all(|name| found.attribute(name) == config.attr_str(name))
    }

    async fn observe(&self, aws: &ServiceClients, parent: &str) -> Result<Listing, AwsError> {
        let operation = Self::SPEC.operations.status;
        let fetch = sdk_pages!(
            aws.networkmanager
                .get_connect_peer_associations()
                .global_network_id(parent),
            connect_peer_associations,
            |e| {
                network_error(operation, e, |e| match e {
                    GetConnectPeerAssociationsError::ValidationException(v) => Some(v),
                    _ => None,
                })
            }
        );
        listing_of_parent(&Self::SPEC, parent, &RECORDS, fetch).await
    }

    /// NetworkManager has no DryRun: the preflight never asks.
    async fn send_disassociate(&self, to: Call<'_>, _dry_run: bool) -> Result<(), AwsError> {
        let request = to.aws.networkmanager.disassociate_connect_peer();
        let request = request
            .global_network_id(to.parent())
            .connect_peer_id(to.member());
        request.send().await.map(|_| ()).map_err(|e| {
            network_error(to.operation, e, |e| match e {
                DisassociateConnectPeerError::ValidationException(v) => Some(v),
                _ => None,
            })
        })
    }
}

/// A listed association names its global network and its Connect peer.
const RECORDS: Records<ConnectPeerAssociation> = Records {
    parent_of: ConnectPeerAssociation::global_network_id,
    member_of: ConnectPeerAssociation::connect_peer_id,
    observe: observation,
};

#[cfg(test)]
mod tests {
    use aws_sdk_networkmanager::types::{ConnectPeerAssociationState, ValidationExceptionField};

    use super::*;

    fn listed(global_network: &str, peer: &str) -> ConnectPeerAssociation {
        ConnectPeerAssociation::builder()
            .global_network_id(global_network)
            .connect_peer_id(peer)
            .device_id("device-0a1b2c3d4e5f60001")
            .state(ConnectPeerAssociationState::Available)
            .build()
    }

    /// The listing of one global network that carries a record of another one (a peer with
    /// the same ID there, and a peer only there) takes neither for an association of ours,
    /// as every other kind leaves out the records of another parent.
    #[tokio::test]
    async fn a_record_of_another_global_network_is_not_ours() {
        let ours = "global-network-0a1b2c3d4e5f60001";
        let other = "global-network-0a1b2c3d4e5f60002";
        let records = vec![
            listed(ours, "connect-peer-0a1b2c3d4e5f60001"),
            listed(other, "connect-peer-0a1b2c3d4e5f60001"),
            listed(other, "connect-peer-0a1b2c3d4e5f60002"),
        ];
        let fetch = |_token| {
            let records = records.clone();
            async move { Ok((records, None)) }
        };
        let spec = &ConnectPeerAssociationResource::SPEC;
        let listing = listing_of_parent(spec, ours, &RECORDS, fetch)
            .await
            .expect("a listing");
        let members = listing.into_map();
        assert_eq!(
            members.keys().collect::<Vec<_>>(),
            ["connect-peer-0a1b2c3d4e5f60001"],
            "{members:?}"
        );
        // The record of another network with our peer's ID must not stand in for ours.
        let mut records = records;
        records.remove(0);
        let fetch = |_token| {
            let records = records.clone();
            async move { Ok((records, None)) }
        };
        let listing = listing_of_parent(spec, ours, &RECORDS, fetch)
            .await
            .expect("a listing");
        assert!(listing.take("connect-peer-0a1b2c3d4e5f60001").is_none());
    }

    fn validation(name: &str, message: &str) -> ValidationException {
        ValidationException::builder()
            .message("Request validation failed")
            .fields(
                ValidationExceptionField::builder()
                    .name(name)
                    .message(message)
                    .build()
                    .expect("field"),
            )
            .build()
            .expect("exception")
    }

    #[test]
    fn only_the_global_network_field_saying_not_found_means_gone() {
        assert!(global_network_missing(&validation(
            "GlobalNetworkId",
            "Global network not found"
        )));
        assert!(!global_network_missing(&validation(
            "ConnectPeerId",
            "Global network not found"
        )));
        assert!(!global_network_missing(&validation(
            "GlobalNetworkId",
            "Invalid format"
        )));
    }
}
