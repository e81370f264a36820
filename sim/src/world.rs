//! The parent objects associations hang off, in the shape of the seed JSON.
//!
//! Parents are never created through the emulated AWS APIs (the provider only manages the
//! associations), so the seed file and the admin API are their only source.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct World {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Account STS reports for callers that did not assume a role (default `123456789012`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The region's Availability Zones: each zone's name and its ID, so that a request may
    /// name a zone either way (AWS's `AvailabilityZone` and `AvailabilityZoneId`).
    pub availability_zones: Vec<AvailabilityZone>,
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub client_vpn_endpoints: Vec<ClientVpnEndpoint>,
    pub route_servers: Vec<RouteServer>,
    pub global_networks: Vec<GlobalNetwork>,
    pub workspaces: Vec<Workspace>,
    pub applications: Vec<Application>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Vpc {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
}

/// One Availability Zone of the region: `id` is AWS's zone ID (`use1-az1`), the same in every
/// account, and `name` the account's name for it (`us-east-1a`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AvailabilityZone {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientVpnEndpoint {
    pub id: String,
    /// The VPC of a VPC-based endpoint; empty for one that uses a Transit Gateway.
    pub vpc_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_cidr: Option<String>,
    pub security_groups: Vec<String>,
    /// The Transit Gateway of an endpoint created with a `TransitGatewayConfiguration`: such an
    /// endpoint is associated with Availability Zones, not subnets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transit_gateway_id: Option<String>,
}

impl ClientVpnEndpoint {
    /// Whether the endpoint uses a Transit Gateway rather than a VPC.
    pub fn uses_transit_gateway(&self) -> bool {
        self.transit_gateway_id.is_some()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RouteServer {
    pub id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GlobalNetwork {
    pub id: String,
    pub devices: Vec<Device>,
    pub connect_peers: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Device {
    pub id: String,
    pub links: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Workspace {
    pub id: String,
    /// WorkSpace state; application management is only allowed in AVAILABLE or STOPPED.
    #[serde(default = "available")]
    pub state: String,
}

/// The state a WorkSpace is seeded in by default and returns to after a timed state change.
pub const WORKSPACE_AVAILABLE: &str = "AVAILABLE";

/// Every `WorkspaceState` value of the WorkSpaces API, for checking admin state changes.
pub const WORKSPACE_STATES: [&str; 17] = [
    "PENDING",
    "AVAILABLE",
    "IMPAIRED",
    "UNHEALTHY",
    "REBOOTING",
    "STARTING",
    "REBUILDING",
    "RESTORING",
    "MAINTENANCE",
    "ADMIN_MAINTENANCE",
    "TERMINATING",
    "TERMINATED",
    "SUSPENDED",
    "UPDATING",
    "STOPPING",
    "STOPPED",
    "ERROR",
];

fn available() -> String {
    WORKSPACE_AVAILABLE.to_string()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Application {
    pub id: String,
}

/// Declares each kind of parent: the `World` list it is seeded into and its lookup by id.
macro_rules! parents {
    ($($lookup:ident: $ty:ident in $list:ident,)+) => {
        impl World {
            $(
                #[doc = concat!("The ", stringify!($ty), " with this id.")]
                pub fn $lookup(&self, id: &str) -> Option<&$ty> {
                    self.$list.iter().find(|p| p.id == id)
                }
            )+

            /// Adds `other`'s parents; objects whose id already exists are replaced.
            fn merge_parents(&mut self, other: World) {
                $(upsert(&mut self.$list, other.$list, |p| &p.id);)+
            }
        }
    };
}

parents! {
    availability_zone: AvailabilityZone in availability_zones,
    vpc: Vpc in vpcs,
    subnet: Subnet in subnets,
    client_vpn_endpoint: ClientVpnEndpoint in client_vpn_endpoints,
    route_server: RouteServer in route_servers,
    global_network: GlobalNetwork in global_networks,
    workspace: Workspace in workspaces,
    application: Application in applications,
}

fn upsert<T>(into: &mut Vec<T>, from: Vec<T>, id: impl Fn(&T) -> &String) {
    for item in from {
        match into.iter_mut().find(|existing| id(existing) == id(&item)) {
            Some(slot) => *slot = item,
            None => into.push(item),
        }
    }
}

impl World {
    /// The Availability Zone with this name (`us-east-1a`).
    pub fn availability_zone_named(&self, name: &str) -> Option<&AvailabilityZone> {
        self.availability_zones.iter().find(|z| z.name == name)
    }

    /// The WorkSpace with this id, to change its state.
    pub fn workspace_mut(&mut self, id: &str) -> Option<&mut Workspace> {
        self.workspaces.iter_mut().find(|w| w.id == id)
    }

    /// Reads a seed file, naming the file in every error so a typo in a demo is obvious.
    pub fn from_file(path: &std::path::Path) -> anyhow::Result<World> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read seed file {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("seed file {} is not a valid world: {e}", path.display()))
    }

    /// Adds `other`'s parents; objects whose id already exists are replaced.
    pub fn merge(&mut self, mut other: World) {
        if let Some(region) = other.region.take() {
            self.region = Some(region);
        }
        if let Some(account_id) = other.account_id.take() {
            self.account_id = Some(account_id);
        }
        self.merge_parents(other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_is_additive_and_replaces_by_id() {
        let mut w: World = serde_json::from_str(
            r#"{"vpcs":[{"id":"vpc-1","cidr":"10.0.0.0/16"}],"workspaces":[{"id":"ws-1"}]}"#,
        )
        .unwrap();
        assert_eq!(w.workspaces[0].state, "AVAILABLE");
        w.merge(
            serde_json::from_str(
                r#"{"vpcs":[{"id":"vpc-1","cidr":"10.9.0.0/16"},{"id":"vpc-2"}]}"#,
            )
            .unwrap(),
        );
        assert_eq!(w.vpcs.len(), 2);
        assert_eq!(w.vpc("vpc-1").unwrap().cidr.as_deref(), Some("10.9.0.0/16"));
        assert_eq!(w.workspaces.len(), 1);
    }
}
