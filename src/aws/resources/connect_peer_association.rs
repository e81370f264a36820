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

use crate::aws::association::{
    Association, AssociationKey, AttributeSpec, Disassociation, Listing, Observation, Phase,
};
use crate::aws::clients::ServiceClients;
use crate::aws::error::AwsError;
use crate::aws::ids;
use tf_provider_framework::value::Value;

pub struct ConnectPeerAssociationResource;

/// Answer meaning the Connect peer is already associated.
const ALREADY_ASSOCIATED: &[&str] = &["ConflictException"];
/// Answer meaning there is no such association (hashicorp/aws treats it the same way).
const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

/// NetworkManager reports an unknown global network only in words: a `ValidationException`
/// whose `GlobalNetworkId` field says "Global network not found" (hashicorp/aws keys on the same
/// text). Code, field and text together mean every association of that network is gone; the
/// same text under any other code means nothing.
fn global_network_missing(validation: &ValidationException) -> bool {
    validation.fields().iter().any(|field| {
        field.name() == "GlobalNetworkId" && field.message().contains("Global network not found")
    })
}

/// Whether an SDK error is the "unknown global network" answer, for any NetworkManager call.
fn is_global_network_missing<E>(
    error: &SdkError<E, HttpResponse>,
    validation: impl Fn(&E) -> Option<&ValidationException>,
) -> bool {
    error
        .as_service_error()
        .and_then(validation)
        .is_some_and(global_network_missing)
}

fn observation(association: &ConnectPeerAssociation) -> Observation {
    let state = association
        .state()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let phase = match state.as_str() {
        "AVAILABLE" => Phase::Ready,
        "DELETING" => Phase::Deleting,
        "DELETED" => Phase::Gone,
        _ => Phase::Pending,
    };
    Observation {
        phase,
        attributes: vec![
            ("device_id", Value::opt_string(association.device_id())),
            ("link_id", Value::opt_string(association.link_id())),
            ("state", Value::string(&state)),
        ],
        state,
        // The API reports no creation time; a live record still beats a `DELETED` one.
        created: None,
    }
}

#[async_trait]
impl Association for ConnectPeerAssociationResource {
    fn type_name(&self) -> &'static str {
        "awsassoc_networkmanager_connect_peer_association"
    }

    fn description(&self) -> &'static str {
        "Associates a Cloud WAN Connect peer with a device, and optionally a link, in a global network. \
         Deleting it calls `DisassociateConnectPeer` and waits until `GetConnectPeerAssociations` \
         reports it `DELETED` or no longer lists it."
    }

    fn attributes(&self) -> Vec<AttributeSpec> {
        vec![
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
        ]
    }

    fn key_attributes(&self) -> (&'static str, &'static str) {
        ("global_network_id", "connect_peer_id")
    }

    fn iam_service(&self) -> &'static str {
        "networkmanager"
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
        const OPERATION: &str = "AssociateConnectPeer";
        let global_network = config.attr_str("global_network_id").unwrap_or_default();
        let connect_peer = config.attr_str("connect_peer_id").unwrap_or_default();
        let output = aws
            .networkmanager
            .associate_connect_peer()
            .global_network_id(global_network)
            .connect_peer_id(connect_peer)
            .device_id(config.attr_str("device_id").unwrap_or_default())
            .set_link_id(config.attr_str("link_id").map(str::to_owned))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(OPERATION, e))?;
        let association = output
            .connect_peer_association()
            .ok_or_else(|| AwsError::missing(OPERATION, "ConnectPeerAssociation"))?;
        let key = AssociationKey {
            parent: global_network.to_owned(),
            member: connect_peer.to_owned(),
        };
        Ok((key, observation(association)))
    }

    async fn observe(
        &self,
        aws: &ServiceClients,
        parent: &str,
        members: &[String],
    ) -> Result<Listing, AwsError> {
        let mut listing = Listing::default();
        let mut next_token: Option<String> = None;
        loop {
            let answer = aws
                .networkmanager
                .get_connect_peer_associations()
                .global_network_id(parent)
                .set_connect_peer_ids(Some(members.to_vec()))
                .set_next_token(next_token.take())
                .send()
                .await;
            let page = match answer {
                Ok(page) => page,
                Err(error)
                    if is_global_network_missing(&error, |e| match e {
                        GetConnectPeerAssociationsError::ValidationException(v) => Some(v),
                        _ => None,
                    }) =>
                {
                    return Ok(Listing::default());
                }
                Err(error) => return Err(AwsError::from_sdk("GetConnectPeerAssociations", error)),
            };
            for association in page.connect_peer_associations() {
                if let Some(id) = association
                    .connect_peer_id()
                    .filter(|id| members.iter().any(|m| m == id))
                {
                    listing.record(id, observation(association));
                }
            }
            match page.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
                _ => return Ok(listing),
            }
        }
    }

    async fn disassociate(
        &self,
        aws: &ServiceClients,
        key: &AssociationKey,
    ) -> Result<Disassociation, AwsError> {
        let answer = aws
            .networkmanager
            .disassociate_connect_peer()
            .global_network_id(&key.parent)
            .connect_peer_id(&key.member)
            .send()
            .await;
        match answer {
            Err(error)
                if is_global_network_missing(&error, |e| match e {
                    DisassociateConnectPeerError::ValidationException(v) => Some(v),
                    _ => None,
                }) =>
            {
                Ok(Disassociation::AlreadyGone)
            }
            answer => Disassociation::from_answer(
                answer.map_err(|e| AwsError::from_sdk("DisassociateConnectPeer", e)),
                NOT_FOUND,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_networkmanager::types::ValidationExceptionField;

    use super::*;

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
