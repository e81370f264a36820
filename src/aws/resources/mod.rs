//! The association resources, one file each. Adding one is a new file implementing
//! [`Association`](super::association::Association) and one line in [`all`].

mod client_vpn_network_association;
mod connect_peer_association;
mod route_server_vpc_association;
mod workspaces_application_association;

use std::sync::Arc;

use super::association::AssociationResource;
use super::clients::AwsClients;
use tf_provider_framework::resource::Resource;

/// Every resource the provider serves.
pub fn all() -> Vec<Arc<dyn Resource<AwsClients>>> {
    vec![
        Arc::new(AssociationResource::new(
            client_vpn_network_association::ClientVpnNetworkAssociation,
        )),
        Arc::new(AssociationResource::new(
            route_server_vpc_association::RouteServerVpcAssociation,
        )),
        Arc::new(AssociationResource::new(
            connect_peer_association::ConnectPeerAssociationResource,
        )),
        Arc::new(AssociationResource::new(
            workspaces_application_association::WorkspacesApplicationAssociation,
        )),
    ]
}
