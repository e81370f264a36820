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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientVpnEndpoint {
    pub id: String,
    pub vpc_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_cidr: Option<String>,
    pub security_groups: Vec<String>,
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

fn available() -> String {
    "AVAILABLE".to_string()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Application {
    pub id: String,
}

/// Anything with an id, so seeding can replace by id generically.
trait Identified {
    fn id(&self) -> &str;
}

macro_rules! identified {
    ($($t:ty),*) => { $(impl Identified for $t { fn id(&self) -> &str { &self.id } })* };
}
identified!(
    Vpc,
    Subnet,
    ClientVpnEndpoint,
    RouteServer,
    GlobalNetwork,
    Workspace,
    Application
);

fn upsert<T: Identified>(into: &mut Vec<T>, from: Vec<T>) {
    for item in from {
        match into.iter_mut().find(|existing| existing.id() == item.id()) {
            Some(slot) => *slot = item,
            None => into.push(item),
        }
    }
}

impl World {
    /// Reads a seed file, naming the file in every error so a typo in a demo is obvious.
    pub fn from_file(path: &std::path::Path) -> anyhow::Result<World> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read seed file {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("seed file {} is not a valid world: {e}", path.display()))
    }

    /// Adds `other`'s parents; objects whose id already exists are replaced.
    pub fn merge(&mut self, other: World) {
        if other.region.is_some() {
            self.region = other.region;
        }
        if other.account_id.is_some() {
            self.account_id = other.account_id;
        }
        upsert(&mut self.vpcs, other.vpcs);
        upsert(&mut self.subnets, other.subnets);
        upsert(&mut self.client_vpn_endpoints, other.client_vpn_endpoints);
        upsert(&mut self.route_servers, other.route_servers);
        upsert(&mut self.global_networks, other.global_networks);
        upsert(&mut self.workspaces, other.workspaces);
        upsert(&mut self.applications, other.applications);
    }

    pub fn vpc(&self, id: &str) -> Option<&Vpc> {
        self.vpcs.iter().find(|v| v.id == id)
    }

    pub fn subnet(&self, id: &str) -> Option<&Subnet> {
        self.subnets.iter().find(|v| v.id == id)
    }

    pub fn client_vpn_endpoint(&self, id: &str) -> Option<&ClientVpnEndpoint> {
        self.client_vpn_endpoints.iter().find(|v| v.id == id)
    }

    pub fn route_server(&self, id: &str) -> Option<&RouteServer> {
        self.route_servers.iter().find(|v| v.id == id)
    }

    pub fn global_network(&self, id: &str) -> Option<&GlobalNetwork> {
        self.global_networks.iter().find(|v| v.id == id)
    }

    pub fn workspace(&self, id: &str) -> Option<&Workspace> {
        self.workspaces.iter().find(|v| v.id == id)
    }

    pub fn application(&self, id: &str) -> Option<&Application> {
        self.applications.iter().find(|v| v.id == id)
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
