//! The association resources, one file each. Adding one is a new file implementing
//! [`Association`](super::association::Association) and one line in [`served`]; the resource,
//! its list resource and its entries in [`operations`] all follow from that line.

mod client_vpn_network_association;
mod connect_peer_association;
mod route_server_vpc_association;
mod workspaces_application_association;

use std::sync::Arc;

use super::association::{
    Association, AssociationList, AssociationResource, AttributeSpec, Operations,
};
use super::clients::AwsClients;
use super::ids::IdFormat;
use tf_provider_framework::list::ListResource;
use tf_provider_framework::resource::Resource;

#[cfg(test)]
pub(crate) use client_vpn_network_association::ClientVpnNetworkAssociation;
#[cfg(test)]
pub(crate) use route_server_vpc_association::RouteServerVpcAssociation;

/// One association kind as the provider serves it: the managed resource and its list resource,
/// with the AWS operations its spec declares.
struct Served {
    resource: Arc<dyn Resource<AwsClients>>,
    list: Arc<dyn ListResource<AwsClients>>,
    type_name: &'static str,
    operations: Operations,
    attributes: &'static [AttributeSpec],
}

fn serve<A: Association>(association: A) -> Served {
    let resource = Arc::new(AssociationResource::new(association));
    Served {
        list: Arc::new(AssociationList::new(resource.clone())),
        resource,
        type_name: A::SPEC.type_name,
        operations: A::SPEC.operations,
        attributes: A::SPEC.attributes,
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

/// Every AWS operation any served kind calls, as `(resource type name, service, operation)`:
/// the service is the API's IAM prefix (`ec2`, `networkmanager`, `workspaces`) and the
/// operation its API name (`AssociateClientVpnTargetNetwork`). It lists each kind's associate,
/// disassociate and status (listing of one parent) calls, and where the kind has them the
/// listing of every parent, the deployment and the read of the parent's state: exactly the
/// names its calls use, since a resource file takes them from its spec's
/// [`Operations`]. Tests hold it against the operations the emulator serves.
pub fn operations() -> Vec<(&'static str, &'static str, &'static str)> {
    served()
        .into_iter()
        .flat_map(|kind| {
            let service = kind.operations.service.prefix();
            kind.operations
                .all()
                .into_iter()
                .map(move |operation| (kind.type_name, service, operation))
        })
        .collect()
}

/// Every ID format an attribute of a served kind checks, each once (the fuzz target feeds them
/// arbitrary text).
pub fn id_formats() -> Vec<IdFormat> {
    let mut formats: Vec<IdFormat> = Vec::new();
    for attribute in served().iter().flat_map(|kind| kind.attributes) {
        if let Some(format) = attribute.format
            && !formats.contains(&format)
        {
            formats.push(format);
        }
    }
    formats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_declares_distinct_operations_of_one_service() {
        let listed = operations();
        for kind in served() {
            let own: Vec<_> = listed
                .iter()
                .filter(|(type_name, _, _)| *type_name == kind.type_name)
                .collect();
            assert!(own.len() >= 3, "{}: {own:?}", kind.type_name);
            let mut names: Vec<_> = own.iter().map(|(_, _, operation)| *operation).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), own.len(), "{}: {own:?}", kind.type_name);
        }
    }

    /// Every operation a description names in backticks is one the kind declares, so the
    /// docs cannot promise a call the resource does not make.
    #[test]
    fn descriptions_name_only_declared_operations() {
        let listed = operations();
        for kind in served() {
            let description = kind.resource.schema().block.description;
            for quoted in description.split('`').skip(1).step_by(2) {
                // AWS operation names are a verb and a noun in one word (`GetX`, `DescribeX`).
                let verbs = [
                    "Associate",
                    "Disassociate",
                    "Describe",
                    "Get",
                    "List",
                    "Deploy",
                ];
                let looks_like_operation = verbs.iter().any(|verb| quoted.starts_with(verb))
                    && quoted.chars().all(char::is_alphanumeric);
                if looks_like_operation {
                    assert!(
                        listed
                            .iter()
                            .any(|(t, _, op)| *t == kind.type_name && *op == quoted),
                        "{} names {quoted} but does not declare it",
                        kind.type_name
                    );
                }
            }
        }
    }
}
