//! The association kinds, described once for every end-to-end test and the benchmark.
//!
//! [`kind`] matches exhaustively on the emulator's [`Family`], so a fifth family that the tests do
//! not describe is a compile error, and [`scenarios!`](crate::scenarios) makes the same check for
//! every test module it generates.

use awsassoc_sim::admin_client::AssociateRequest;
use awsassoc_sim::{AssociationRecord, Family};

/// One association kind under test: its resource, the emulator family, and a configuration that
/// works against [`test_world`](super::sim::test_world).
pub struct Kind {
    pub resource_type: &'static str,
    pub family: Family,
    /// The service name fault rules use (`ec2`, `networkmanager`, `workspaces`).
    pub service: &'static str,
    /// The resource's arguments, as HCL lines.
    pub arguments: &'static str,
    /// Arguments of a second association on the same parent, where the parent can hold more
    /// than one (a route server holds one VPC).
    pub sibling_arguments: Option<&'static str>,
    /// The parent and member the arguments name, as the emulator's admin API takes them.
    pub parent: &'static str,
    pub child: &'static str,
    /// The attributes that make the import ID (`parent,member`).
    pub key_attributes: (&'static str, &'static str),
    /// An argument and a malformed value for it, to check plan-time validation.
    pub bad_argument: (&'static str, &'static str),
    /// Whether the service has DryRun (EC2 only), for the destroy preflight.
    pub has_dry_run: bool,
    /// Whether the associate call takes an idempotency token (EC2's `ClientToken`), so a
    /// repeat after a lost answer is the same request rather than a new one.
    pub idempotent_associate: bool,
    pub associate_action: &'static str,
    pub disassociate_action: &'static str,
    pub describe_action: &'static str,
}

impl Kind {
    /// The import ID of an association the emulator reports.
    pub fn import_id(&self, record: &AssociationRecord) -> String {
        match self.family {
            // The member is the association ID AWS assigned.
            Family::ClientVpn => format!("{},{}", record.parent, record.id),
            _ => format!("{},{}", record.parent, record.child),
        }
    }

    /// An association that occupies what the arguments ask for, made behind Terraform's back
    /// but not quite what they describe where the kind allows that: a Connect peer associated
    /// with another device. For the other kinds, the association the arguments describe.
    pub fn out_of_band_elsewhere(&self) -> AssociateRequest {
        match self.family {
            Family::ConnectPeer => AssociateRequest::new(self.family, self.parent, self.child)
                .settled()
                .device("device-0a1b2c3d4e5f60002")
                .link("link-0a1b2c3d4e5f60002"),
            _ => self.out_of_band(),
        }
    }

    /// The association the arguments describe, made behind Terraform's back.
    pub fn out_of_band(&self) -> AssociateRequest {
        let request = AssociateRequest::new(self.family, self.parent, self.child).settled();
        match self.family {
            Family::ConnectPeer => request
                .device("device-0a1b2c3d4e5f60001")
                .link("link-0a1b2c3d4e5f60001"),
            _ => request,
        }
    }
}

pub const CLIENT_VPN: Kind = Kind {
    resource_type: "awsassoc_ec2_client_vpn_network_association",
    family: Family::ClientVpn,
    service: "ec2",
    arguments: r#"client_vpn_endpoint_id = "cvpn-endpoint-0a1b2c3d4e5f60001"
  subnet_id              = "subnet-0a1b2c3d4e5f60000""#,
    sibling_arguments: Some(
        r#"client_vpn_endpoint_id = "cvpn-endpoint-0a1b2c3d4e5f60001"
  subnet_id              = "subnet-0a1b2c3d4e5f60001""#,
    ),
    parent: "cvpn-endpoint-0a1b2c3d4e5f60001",
    child: "subnet-0a1b2c3d4e5f60000",
    key_attributes: ("client_vpn_endpoint_id", "association_id"),
    bad_argument: ("subnet_id", "subnet_0A1B"),
    has_dry_run: true,
    idempotent_associate: true,
    associate_action: "AssociateClientVpnTargetNetwork",
    disassociate_action: "DisassociateClientVpnTargetNetwork",
    describe_action: "DescribeClientVpnTargetNetworks",
};

pub const ROUTE_SERVER: Kind = Kind {
    resource_type: "awsassoc_vpc_route_server_vpc_association",
    family: Family::RouteServer,
    service: "ec2",
    arguments: r#"route_server_id = "rs-0a1b2c3d4e5f60001"
  vpc_id          = "vpc-0a1b2c3d4e5f60002""#,
    sibling_arguments: None,
    parent: "rs-0a1b2c3d4e5f60001",
    child: "vpc-0a1b2c3d4e5f60002",
    key_attributes: ("route_server_id", "vpc_id"),
    bad_argument: ("vpc_id", "subnet-0a1b2c3d4e5f60000"),
    has_dry_run: true,
    idempotent_associate: false,
    associate_action: "AssociateRouteServer",
    disassociate_action: "DisassociateRouteServer",
    describe_action: "GetRouteServerAssociations",
};

pub const CONNECT_PEER: Kind = Kind {
    resource_type: "awsassoc_networkmanager_connect_peer_association",
    family: Family::ConnectPeer,
    service: "networkmanager",
    arguments: r#"global_network_id = "global-network-0a1b2c3d4e5f60001"
  connect_peer_id   = "connect-peer-0a1b2c3d4e5f60001"
  device_id         = "device-0a1b2c3d4e5f60001"
  link_id           = "link-0a1b2c3d4e5f60001""#,
    sibling_arguments: Some(
        r#"global_network_id = "global-network-0a1b2c3d4e5f60001"
  connect_peer_id   = "connect-peer-0a1b2c3d4e5f60002"
  device_id         = "device-0a1b2c3d4e5f60001""#,
    ),
    parent: "global-network-0a1b2c3d4e5f60001",
    child: "connect-peer-0a1b2c3d4e5f60001",
    key_attributes: ("global_network_id", "connect_peer_id"),
    bad_argument: ("connect_peer_id", "connect-peer-XYZ"),
    has_dry_run: false,
    idempotent_associate: false,
    associate_action: "AssociateConnectPeer",
    disassociate_action: "DisassociateConnectPeer",
    describe_action: "GetConnectPeerAssociations",
};

pub const WORKSPACES_APPLICATION: Kind = Kind {
    resource_type: "awsassoc_workspaces_application_association",
    family: Family::WorkspacesApplication,
    service: "workspaces",
    arguments: r#"workspace_id   = "ws-0a1b2c3d4"
  application_id = "wsa-0a1b2c3d4""#,
    sibling_arguments: Some(
        r#"workspace_id   = "ws-0a1b2c3d4"
  application_id = "wsa-0a1b2c3d5""#,
    ),
    parent: "ws-0a1b2c3d4",
    child: "wsa-0a1b2c3d4",
    key_attributes: ("workspace_id", "application_id"),
    bad_argument: ("application_id", "ws-0a1b2c3d4"),
    has_dry_run: false,
    idempotent_associate: false,
    associate_action: "AssociateWorkspaceApplication",
    disassociate_action: "DisassociateWorkspaceApplication",
    describe_action: "DescribeWorkspaceAssociations",
};

/// The kind of each emulator family: the one table. Adding a family to the emulator without
/// describing it here does not compile.
pub fn kind(family: Family) -> &'static Kind {
    match family {
        Family::ClientVpn => &CLIENT_VPN,
        Family::RouteServer => &ROUTE_SERVER,
        Family::ConnectPeer => &CONNECT_PEER,
        Family::WorkspacesApplication => &WORKSPACES_APPLICATION,
    }
}

/// Every kind, in a fixed order.
pub fn all() -> impl Iterator<Item = &'static Kind> {
    Family::ALL.into_iter().map(kind)
}

/// Generates one test module per kind, each with one `#[test]` per listed scenario function
/// (`fn(&'static Kind)`): a test file lists its scenarios and nothing else.
///
/// The kinds are listed here, once; the `match` below fails to compile when the emulator gains a
/// family this list leaves out.
#[macro_export]
macro_rules! scenarios {
    ($($test:ident),* $(,)?) => {
        $crate::scenarios!(@kinds [$($test),*]
            client_vpn => ClientVpn,
            route_server => RouteServer,
            connect_peer => ConnectPeer,
            workspaces_application => WorkspacesApplication,
        );
    };
    (@kinds $tests:tt $($kind_mod:ident => $family:ident),* $(,)?) => {
        const _: fn($crate::awsassoc_sim::Family) = |family| match family {
            $($crate::awsassoc_sim::Family::$family => {}),*
        };
        $( $crate::scenarios!(@module $kind_mod $family $tests); )*
    };
    (@module $kind_mod:ident $family:ident [$($test:ident),*]) => {
        mod $kind_mod {
            $(
                #[test]
                fn $test() {
                    super::$test($crate::kinds::kind($crate::awsassoc_sim::Family::$family))
                }
            )*
        }
    };
}
