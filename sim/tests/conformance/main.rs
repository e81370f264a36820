//! Conformance of awsassoc-sim with the AWS wire contracts (`docs/emulator.md`, "Wire
//! formats" and "Wire behaviour"), checked through the same official SDK crates the provider
//! uses. Every test starts its own emulator on a free loopback
//! port with the `fast` profile, so tests run in parallel and leave nothing behind.
//!
//! One binary (the SDKs are linked once), one module per family; this file holds the shared
//! world, parents and request helpers.

use std::time::{Duration, Instant};

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::operation as ec2_op;
use aws_sdk_ec2::operation::RequestId;
use aws_sdk_networkmanager::operation as nm_op;
use aws_sdk_workspaces::operation as ws_op;
use aws_smithy_types::retry::RetryConfig;
use awsassoc_sim::{AdminClient, AssociateRequest, Family, FaultKind, SimConfig, SimHandle, World};
use serde_json::json;

#[macro_use]
#[path = "../support/mod.rs"]
mod support;
use support::*;

mod client_vpn;
mod connect_peer;
mod cross_family;
mod regions;
mod route_server;
mod sts;
mod workspaces_application;

/// Each family's wire contract is tested in a module of its own name, declared above.
#[test]
fn every_family_has_its_conformance_module() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let main = std::fs::read_to_string(here.join("main.rs")).expect("conformance/main.rs");
    for family in Family::ALL {
        assert!(
            main.contains(&format!("\nmod {};", family.name())),
            "conformance/main.rs does not declare `mod {};`",
            family.name()
        );
        let module = here.join(format!("{}.rs", family.name()));
        assert!(
            module.is_file(),
            "{} has no conformance module ({})",
            family.name(),
            module.display()
        );
    }
}

const ENDPOINT: &str = "cvpn-endpoint-0a1b2c3d4e5f60718";
const VPC: &str = "vpc-0a1b2c3d4e5f60718";
const OTHER_VPC: &str = "vpc-0b2c3d4e5f6071829";
const SUBNET_A: &str = "subnet-0a1b2c3d4e5f60718";
const SUBNET_B: &str = "subnet-0b2c3d4e5f6071829";
/// A Client VPN endpoint that uses a Transit Gateway: associated with zones, not subnets.
const TGW_ENDPOINT: &str = "cvpn-endpoint-0c3d4e5f607182930";
const ROUTE_SERVER: &str = "rs-0a1b2c3d4e5f60718";
const GLOBAL_NETWORK: &str = "global-network-0a1b2c3d4e5f60718";
const DEVICE: &str = "device-0a1b2c3d4e5f60718";
const LINK: &str = "link-0a1b2c3d4e5f60718";
const PEER: &str = "connect-peer-0a1b2c3d4e5f60718";
const WORKSPACE: &str = "ws-0a1b2c3d4";
const APPLICATION: &str = "wsa-0a1b2c3d4";

/// The quickstart world plus extra parents the rule checks need.
fn test_world() -> World {
    support::quickstart_world_with(json!({
        "subnets": (0..8).map(|i| json!({
            "id": format!("subnet-az{i}"), "vpc_id": VPC,
            "availability_zone": format!("test-az-{i}"), "cidr": format!("10.0.{}.0/24", 10 + i)
        })).chain([
            json!({"id": "subnet-same-az-as-a", "vpc_id": VPC, "availability_zone": "us-east-1a", "cidr": "10.0.50.0/24"}),
            json!({"id": "subnet-other-vpc", "vpc_id": OTHER_VPC, "availability_zone": "us-east-1c", "cidr": "10.1.1.0/24"}),
        ]).collect::<Vec<_>>(),
        "availability_zones": [
            {"id": "use1-az1", "name": "us-east-1a"},
            {"id": "use1-az2", "name": "us-east-1b"},
            {"id": "use1-az4", "name": "us-east-1c"}
        ],
        "client_vpn_endpoints": (2..=7).map(|i| json!({
            "id": format!("cvpn-endpoint-000000000000000{i}"), "vpc_id": VPC,
            "client_cidr": "172.16.0.0/22", "security_groups": []
        })).chain([json!({
            "id": TGW_ENDPOINT, "client_cidr": "172.20.0.0/22",
            "transit_gateway_id": "tgw-0c3d4e5f607182930"
        })]).collect::<Vec<_>>(),
        "route_servers": (2..=7).map(|i| json!({"id": format!("rs-000000000000000{i}")})).collect::<Vec<_>>(),
        "global_networks": [{
            "id": GLOBAL_NETWORK,
            "devices": [
                {"id": DEVICE, "links": [LINK]},
                {"id": "device-0000000000000002", "links": ["link-0000000000000002"]}
            ],
            "connect_peers": [PEER, "connect-peer-00000002", "connect-peer-00000003"]
        }],
        "workspaces": [
            {"id": "ws-00000002"}, {"id": "ws-00000003"},
            {"id": "ws-building1", "state": "PENDING"}
        ]
    }))
}

async fn sim() -> (SimHandle, AdminClient) {
    let handle = awsassoc_sim::start(SimConfig {
        world: test_world(),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let admin = handle.admin();
    (handle, admin)
}

/// The associate and disassociate calls on the default parents, for the tests whose point is
/// not the parameters.
fn associate_subnet(
    c: &aws_sdk_ec2::Client,
    subnet: impl Into<String>,
) -> ec2_op::associate_client_vpn_target_network::builders::AssociateClientVpnTargetNetworkFluentBuilder
{
    c.associate_client_vpn_target_network()
        .client_vpn_endpoint_id(ENDPOINT)
        .subnet_id(subnet)
}

fn disassociate_subnet(
    c: &aws_sdk_ec2::Client,
    association_id: impl Into<String>,
) -> ec2_op::disassociate_client_vpn_target_network::builders::DisassociateClientVpnTargetNetworkFluentBuilder
{
    c.disassociate_client_vpn_target_network()
        .client_vpn_endpoint_id(ENDPOINT)
        .association_id(association_id)
}

fn associate_vpc(
    c: &aws_sdk_ec2::Client,
    vpc: impl Into<String>,
) -> ec2_op::associate_route_server::builders::AssociateRouteServerFluentBuilder {
    c.associate_route_server()
        .route_server_id(ROUTE_SERVER)
        .vpc_id(vpc)
}

fn disassociate_vpc(
    c: &aws_sdk_ec2::Client,
    vpc: impl Into<String>,
) -> ec2_op::disassociate_route_server::builders::DisassociateRouteServerFluentBuilder {
    c.disassociate_route_server()
        .route_server_id(ROUTE_SERVER)
        .vpc_id(vpc)
}

fn route_server_associations(
    c: &aws_sdk_ec2::Client,
) -> ec2_op::get_route_server_associations::builders::GetRouteServerAssociationsFluentBuilder {
    c.get_route_server_associations()
        .route_server_id(ROUTE_SERVER)
}

fn associate_peer(
    c: &aws_sdk_networkmanager::Client,
    peer: impl Into<String>,
) -> nm_op::associate_connect_peer::builders::AssociateConnectPeerFluentBuilder {
    c.associate_connect_peer()
        .global_network_id(GLOBAL_NETWORK)
        .connect_peer_id(peer)
        .device_id(DEVICE)
}

fn disassociate_peer(
    c: &aws_sdk_networkmanager::Client,
    peer: impl Into<String>,
) -> nm_op::disassociate_connect_peer::builders::DisassociateConnectPeerFluentBuilder {
    c.disassociate_connect_peer()
        .global_network_id(GLOBAL_NETWORK)
        .connect_peer_id(peer)
}

fn associate_app(
    c: &aws_sdk_workspaces::Client,
    workspace: impl Into<String>,
    application: impl Into<String>,
) -> ws_op::associate_workspace_application::builders::AssociateWorkspaceApplicationFluentBuilder {
    c.associate_workspace_application()
        .workspace_id(workspace)
        .application_id(application)
}

fn disassociate_app(
    c: &aws_sdk_workspaces::Client,
    workspace: impl Into<String>,
    application: impl Into<String>,
) -> ws_op::disassociate_workspace_application::builders::DisassociateWorkspaceApplicationFluentBuilder
{
    c.disassociate_workspace_application()
        .workspace_id(workspace)
        .application_id(application)
}

/// DeployWorkspaceApplications for the WorkSpace: what moves its pending associations on.
async fn deploy_apps(c: &aws_sdk_workspaces::Client, workspace: &str) {
    c.deploy_workspace_applications()
        .workspace_id(workspace)
        .send()
        .await
        .unwrap();
}

async fn history(admin: &AdminClient, family: Family, id: &str) -> Vec<String> {
    admin
        .associations()
        .await
        .unwrap()
        .into_iter()
        .rfind(|r| r.family == family && r.id == id)
        .map(|r| r.history.into_iter().map(|t| t.state).collect())
        .unwrap_or_default()
}

async fn cvpn_state(c: &aws_sdk_ec2::Client, id: &str) -> Result<String, String> {
    match c
        .describe_client_vpn_target_networks()
        .client_vpn_endpoint_id(ENDPOINT)
        .association_ids(id)
        .send()
        .await
    {
        Ok(out) => Ok(out.client_vpn_target_networks()[0]
            .status()
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_string())
            .unwrap_or_default()),
        Err(e) => Err(e.code().unwrap_or_default().to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers of the lost-response, hung-request and list-order tests.

/// A request written by hand on a connection the test controls.
async fn raw_request(h: &SimHandle, body: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(h.addr()).await.unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        h.addr(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

async fn wait_for_calls(admin: &AdminClient, n: usize) {
    eventually("the call to be logged", || async {
        (admin.calls().await.ok()?.log.len() >= n).then_some(())
    })
    .await;
}

/// Only the admin call asking is left open.
async fn wait_until_no_other_connection(admin: &AdminClient) {
    eventually("every other connection to close", || async {
        (admin.open_connections().await.ok()? == 1).then_some(())
    })
    .await;
}

/// The states `GetConnectPeerAssociations` lists for `PEER`, in answer order.
async fn peer_states(c: &aws_sdk_networkmanager::Client, page_size: Option<i32>) -> Vec<String> {
    let pages: Vec<_> = c
        .get_connect_peer_associations()
        .global_network_id(GLOBAL_NETWORK)
        .connect_peer_ids(PEER)
        .set_max_results(page_size)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    pages
        .iter()
        .flat_map(|p| p.connect_peer_associations())
        .map(|a| a.state().unwrap().as_str().to_string())
        .collect()
}

async fn workspace_states(c: &aws_sdk_workspaces::Client) -> Vec<String> {
    c.describe_workspace_associations()
        .workspace_id(WORKSPACE)
        .associated_resource_types(
            aws_sdk_workspaces::types::WorkSpaceAssociatedResourceType::Application,
        )
        .send()
        .await
        .unwrap()
        .associations()
        .iter()
        .map(|a| a.state().unwrap().as_str().to_string())
        .collect()
}

async fn application_states(c: &aws_sdk_workspaces::Client) -> Vec<String> {
    c.describe_application_associations()
        .application_id(APPLICATION)
        .associated_resource_types(
            aws_sdk_workspaces::types::ApplicationAssociatedResourceType::Workspace,
        )
        .send()
        .await
        .unwrap()
        .associations()
        .iter()
        .map(|a| a.state().unwrap().as_str().to_string())
        .collect()
}

/// Associates the pair out of band (settled), disassociates it through the SDK and waits for
/// the finished record, which stays listed for the (long) grace period.
async fn finished_connect_peer(admin: &AdminClient, c: &aws_sdk_networkmanager::Client) {
    admin
        .associate(
            &AssociateRequest::new(Family::ConnectPeer, GLOBAL_NETWORK, PEER)
                .device(DEVICE)
                .settled(),
        )
        .await
        .unwrap();
    disassociate_peer(c, PEER).send().await.unwrap();
    eventually("DELETED", || async {
        (peer_states(c, None).await == ["DELETED"]).then_some(())
    })
    .await;
}

async fn removed_workspace_application(admin: &AdminClient, c: &aws_sdk_workspaces::Client) {
    admin
        .associate(
            &AssociateRequest::new(Family::WorkspacesApplication, WORKSPACE, APPLICATION).settled(),
        )
        .await
        .unwrap();
    disassociate_app(c, WORKSPACE, APPLICATION)
        .send()
        .await
        .unwrap();
    deploy_apps(c, WORKSPACE).await;
    eventually("REMOVED", || async {
        (workspace_states(c).await == ["REMOVED"]).then_some(())
    })
    .await;
}

async fn long_grace(admin: &AdminClient) {
    admin
        .set_durations(&json!({
            "connect_peer": {"grace_ms": 60000},
            "workspaces_application": {"grace_ms": 60000}
        }))
        .await
        .unwrap();
}
