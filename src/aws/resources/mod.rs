//! The association resources, one file each. Adding one is a new file implementing
//! [`Association`](super::association::Association) and one line in [`served`].

mod client_vpn_network_association;
mod connect_peer_association;
mod route_server_vpc_association;
mod workspaces_application_association;

use std::sync::Arc;

use super::association::{Association, AssociationList, AssociationResource};
use super::clients::AwsClients;
use tf_provider_framework::list::ListResource;
use tf_provider_framework::resource::Resource;

/// One association kind as the provider serves it: the managed resource and its list resource.
struct Served {
    resource: Arc<dyn Resource<AwsClients>>,
    list: Arc<dyn ListResource<AwsClients>>,
}

fn serve<A: Association>(association: A) -> Served {
    let resource = Arc::new(AssociationResource::new(association));
    Served {
        list: Arc::new(AssociationList::new(resource.clone())),
        resource,
    }
}

/// Every kind the provider serves.
fn served() -> Vec<Served> {
    vec![
        serve(client_vpn_network_association::ClientVpnNetworkAssociation),
        serve(route_server_vpc_association::RouteServerVpcAssociation),
        serve(connect_peer_association::ConnectPeerAssociationResource),
        serve(workspaces_application_association::WorkspacesApplicationAssociation),
    ]
}

/// Every resource the provider serves.
pub fn all() -> Vec<Arc<dyn Resource<AwsClients>>> {
    served().into_iter().map(|kind| kind.resource).collect()
}

/// Every list resource the provider serves, one per resource, under the same type names.
pub fn lists() -> Vec<Arc<dyn ListResource<AwsClients>>> {
    served().into_iter().map(|kind| kind.list).collect()
}
