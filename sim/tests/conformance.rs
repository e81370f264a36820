//! Conformance of awsassoc-sim with the wire contracts in aws-wire.md, checked through the same
//! official SDK crates the provider uses. Every test starts its own emulator on a free loopback
//! port with the `fast` profile, so tests run in parallel and leave nothing behind.

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
mod support;
use support::*;

const ENDPOINT: &str = "cvpn-endpoint-0a1b2c3d4e5f60718";
const VPC: &str = "vpc-0a1b2c3d4e5f60718";
const OTHER_VPC: &str = "vpc-0b2c3d4e5f6071829";
const SUBNET_A: &str = "subnet-0a1b2c3d4e5f60718";
const SUBNET_B: &str = "subnet-0b2c3d4e5f6071829";
const ROUTE_SERVER: &str = "rs-0a1b2c3d4e5f60718";
const GLOBAL_NETWORK: &str = "global-network-0a1b2c3d4e5f60718";
const DEVICE: &str = "device-0a1b2c3d4e5f60718";
const LINK: &str = "link-0a1b2c3d4e5f60718";
const PEER: &str = "connect-peer-0a1b2c3d4e5f60718";
const WORKSPACE: &str = "ws-0a1b2c3d4";
const APPLICATION: &str = "wsa-0a1b2c3d4";

/// The quickstart world plus extra parents the rule checks need.
fn test_world() -> World {
    let mut world: World =
        serde_json::from_str(include_str!("../../examples/quickstart/world.json")).unwrap();
    let extra = json!({
        "subnets": (0..8).map(|i| json!({
            "id": format!("subnet-az{i}"), "vpc_id": VPC,
            "availability_zone": format!("test-az-{i}"), "cidr": format!("10.0.{}.0/24", 10 + i)
        })).chain([
            json!({"id": "subnet-same-az-as-a", "vpc_id": VPC, "availability_zone": "us-east-1a", "cidr": "10.0.50.0/24"}),
            json!({"id": "subnet-other-vpc", "vpc_id": OTHER_VPC, "availability_zone": "us-east-1c", "cidr": "10.1.1.0/24"}),
        ]).collect::<Vec<_>>(),
        "client_vpn_endpoints": (2..=7).map(|i| json!({
            "id": format!("cvpn-endpoint-000000000000000{i}"), "vpc_id": VPC,
            "client_cidr": "172.16.0.0/22", "security_groups": []
        })).collect::<Vec<_>>(),
        "route_servers": [{"id": "rs-0000000000000002"}],
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
    });
    world.merge(serde_json::from_value(extra).unwrap());
    world
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

#[tokio::test]
async fn client_vpn_association_settles_then_lingers_as_disassociated_then_vanishes() {
    let (h, admin) = sim().await;
    let c = ec2(&h);
    let out = associate_subnet(&c, SUBNET_A).send().await.unwrap();
    assert!(out.request_id().is_some());
    let id = out.association_id().unwrap().to_string();
    assert!(id.starts_with("cvpn-assoc-") && id[11..].chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        out.status().unwrap().code().unwrap().as_str(),
        "associating"
    );
    assert_eq!(
        admin.world().await.unwrap()["client_vpn_endpoints"][0]["status"],
        "pending-associate"
    );

    eventually("associated", || async {
        (cvpn_state(&c, &id).await.ok()? == "associated").then_some(())
    })
    .await;
    let listed = c
        .describe_client_vpn_target_networks()
        .client_vpn_endpoint_id(ENDPOINT)
        .send()
        .await
        .unwrap();
    let item = &listed.client_vpn_target_networks()[0];
    assert_eq!(item.target_network_id(), Some(SUBNET_A));
    assert_eq!(item.vpc_id(), Some(VPC));
    assert_eq!(item.security_groups(), ["sg-0a1b2c3d4e5f60718"]);
    assert_eq!(listed.next_token(), None);
    assert_eq!(
        admin.world().await.unwrap()["client_vpn_endpoints"][0]["status"],
        "available"
    );

    let out = disassociate_subnet(&c, &id).send().await.unwrap();
    assert_eq!(
        out.status().unwrap().code().unwrap().as_str(),
        "disassociating"
    );
    // The last disassociation puts the endpoint back to pending-associate.
    assert_eq!(
        admin.world().await.unwrap()["client_vpn_endpoints"][0]["status"],
        "pending-associate"
    );
    eventually("disassociated", || async {
        (cvpn_state(&c, &id).await.ok()? == "disassociated").then_some(())
    })
    .await;
    eventually("gone", || async {
        (cvpn_state(&c, &id).await.err()? == "InvalidClientVpnAssociationIdNotFound").then_some(())
    })
    .await;
    expect_err!(
        disassociate_subnet(&c, &id).send(),
        "InvalidClientVpnAssociationIdNotFound",
        400
    );
    assert_eq!(
        history(&admin, Family::ClientVpn, &id).await,
        [
            "associating",
            "associated",
            "disassociating",
            "disassociated",
            "gone"
        ]
    );
    let record = admin.associations().await.unwrap().pop().unwrap();
    assert_eq!(
        (record.parent.as_str(), record.child.as_str()),
        (ENDPOINT, SUBNET_A)
    );
    let times: Vec<f64> = record.history.iter().map(|t| t.at_ms).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    h.shutdown().await;
}

#[tokio::test]
async fn client_vpn_rules_reject_conflicts_and_unknown_parents() {
    let (h, _admin) = sim().await;
    let c = ec2(&h);
    let associate = |subnet: &str| associate_subnet(&c, subnet).send();
    let first = associate(SUBNET_A).await.unwrap();
    let id = first.association_id().unwrap();
    expect_err!(
        associate(SUBNET_A),
        "InvalidClientVpnDuplicateAssociationException",
        400
    );
    expect_err!(
        associate("subnet-same-az-as-a"),
        "InvalidClientVpnSubnetId.DuplicateAz",
        400
    );
    expect_err!(
        associate("subnet-other-vpc"),
        "InvalidClientVpnSubnetId.NotFound",
        400
    );
    expect_err!(associate("subnet-missing"), "InvalidSubnetID.NotFound", 400);
    // Ten AZs on one endpoint are fine in parallel, each in its own associating state.
    for i in 0..8 {
        associate(&format!("subnet-az{i}")).await.unwrap();
    }
    expect_err!(
        c.associate_client_vpn_target_network()
            .client_vpn_endpoint_id("cvpn-endpoint-missing")
            .subnet_id(SUBNET_B)
            .send(),
        "InvalidClientVpnEndpointId.NotFound",
        400
    );
    expect_err!(
        c.describe_client_vpn_target_networks()
            .client_vpn_endpoint_id("cvpn-endpoint-missing")
            .send(),
        "InvalidClientVpnEndpointId.NotFound",
        400
    );
    expect_err!(
        c.disassociate_client_vpn_target_network()
            .client_vpn_endpoint_id("cvpn-endpoint-missing")
            .association_id(id)
            .send(),
        "InvalidClientVpnEndpointId.NotFound",
        400
    );
    expect_err!(
        c.describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(ENDPOINT)
            .association_ids("cvpn-assoc-00000000000000000")
            .send(),
        "InvalidClientVpnAssociationIdNotFound",
        400
    );
    let disassociate = || disassociate_subnet(&c, id).send();
    expect_err!(disassociate(), "IncorrectState", 400);
    eventually("associated", || async {
        (cvpn_state(&c, id).await.ok()? == "associated").then_some(())
    })
    .await;
    let again = [disassociate().await.unwrap(), disassociate().await.unwrap()];
    for out in again {
        assert_eq!(
            out.status().unwrap().code().unwrap().as_str(),
            "disassociating"
        );
    }
    h.shutdown().await;
}

#[tokio::test]
async fn dry_run_deny_and_missing_parameters_come_before_any_side_effect() {
    let (h, admin) = sim().await;
    let c = ec2(&h);
    expect_err!(
        associate_subnet(&c, SUBNET_A).dry_run(true).send(),
        "DryRunOperation",
        412
    );
    expect_err!(
        c.describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(ENDPOINT)
            .dry_run(true)
            .send(),
        "DryRunOperation",
        412
    );
    expect_err!(
        disassociate_subnet(&c, "cvpn-assoc-1").dry_run(true).send(),
        "DryRunOperation",
        412
    );
    expect_err!(
        associate_vpc(&c, VPC).dry_run(true).send(),
        "DryRunOperation",
        412
    );
    expect_err!(
        route_server_associations(&c).dry_run(true).send(),
        "DryRunOperation",
        412
    );
    expect_err!(
        disassociate_vpc(&c, VPC).dry_run(true).send(),
        "DryRunOperation",
        412
    );
    assert!(admin.associations().await.unwrap().is_empty());

    let err = expect_err!(
        c.associate_client_vpn_target_network()
            .subnet_id(SUBNET_A)
            .send(),
        "MissingParameter",
        400
    );
    assert!(err.message().unwrap().contains("ClientVpnEndpointId"));
    expect_err!(
        c.describe_client_vpn_target_networks().send(),
        "MissingParameter",
        400
    );
    expect_err!(
        c.disassociate_client_vpn_target_network()
            .client_vpn_endpoint_id(ENDPOINT)
            .send(),
        "MissingParameter",
        400
    );
    expect_err!(
        c.associate_route_server()
            .route_server_id(ROUTE_SERVER)
            .send(),
        "MissingParameter",
        400
    );
    expect_err!(
        c.get_route_server_associations().send(),
        "MissingParameter",
        400
    );
    expect_err!(
        c.disassociate_route_server().vpc_id(VPC).send(),
        "MissingParameter",
        400
    );

    admin
        .set_faults(&json!({"deny": ["AssociateClientVpnTargetNetwork"]}))
        .await
        .unwrap();
    for dry_run in [true, false] {
        expect_err!(
            associate_subnet(&c, SUBNET_A).dry_run(dry_run).send(),
            "UnauthorizedOperation",
            403
        );
    }
    assert!(admin.associations().await.unwrap().is_empty());
    h.shutdown().await;
}

#[tokio::test]
async fn client_token_makes_associate_idempotent() {
    let (h, admin) = sim().await;
    let c = ec2(&h);
    let associate = |subnet: &str| associate_subnet(&c, subnet).client_token("token-1").send();
    let first = associate(SUBNET_A).await.unwrap();
    let second = associate(SUBNET_A).await.unwrap();
    assert_eq!(first.association_id(), second.association_id());
    expect_err!(associate(SUBNET_B), "IdempotentParameterMismatch", 400);
    assert_eq!(admin.associations().await.unwrap().len(), 1);
    h.shutdown().await;
}

#[tokio::test]
async fn describe_client_vpn_target_networks_paginates_and_filters() {
    let (h, _admin) = sim().await;
    let c = ec2(&h);
    for i in 0..7 {
        associate_subnet(&c, format!("subnet-az{i}"))
            .send()
            .await
            .unwrap();
    }
    let describe = || {
        c.describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(ENDPOINT)
    };
    let everything = describe().send().await.unwrap();
    assert_eq!(everything.client_vpn_target_networks().len(), 7);
    assert_eq!(everything.next_token(), None);

    let page1 = describe().max_results(5).send().await.unwrap();
    assert_eq!(page1.client_vpn_target_networks().len(), 5);
    let token = page1.next_token().unwrap();
    let page2 = describe()
        .max_results(5)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(page2.client_vpn_target_networks().len(), 2);
    assert_eq!(page2.next_token(), None);

    let pages: Vec<_> = describe()
        .max_results(5)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    let total: usize = pages
        .iter()
        .map(|p| p.client_vpn_target_networks().len())
        .sum();
    assert_eq!((pages.len(), total), (2, 7));

    let filter = |name: &str, value: &str| {
        aws_sdk_ec2::types::Filter::builder()
            .name(name)
            .values(value)
            .build()
    };
    let by_subnet = describe()
        .filters(filter("target-network-id", "subnet-az3"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_subnet.client_vpn_target_networks().len(), 1);
    let by_vpc = describe()
        .filters(filter("vpc-id", OTHER_VPC))
        .send()
        .await
        .unwrap();
    assert!(by_vpc.client_vpn_target_networks().is_empty());
    let by_id = describe()
        .filters(filter(
            "association-id",
            everything.client_vpn_target_networks()[6]
                .association_id()
                .unwrap(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_id.client_vpn_target_networks()[0].target_network_id(),
        Some("subnet-az6")
    );

    expect_err!(
        describe().max_results(3).send(),
        "InvalidParameterValue",
        400
    );
    expect_err!(
        describe().next_token("not-a-token").send(),
        "InvalidNextToken",
        400
    );
    expect_err!(
        describe().filters(filter("owner-id", "1")).send(),
        "InvalidParameterValue",
        400
    );
    h.shutdown().await;
}

#[tokio::test]
async fn route_server_association_vanishes_when_disassociation_completes() {
    let (h, admin) = sim().await;
    let c = ec2(&h);
    let list = || async {
        route_server_associations(&c)
            .send()
            .await
            .unwrap()
            .route_server_associations()
            .iter()
            .map(|a| {
                (
                    a.vpc_id().unwrap_or_default().to_string(),
                    a.state().unwrap().as_str().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let out = associate_vpc(&c, VPC).send().await.unwrap();
    let assoc = out.route_server_association().unwrap();
    assert_eq!(
        (
            assoc.route_server_id(),
            assoc.vpc_id(),
            assoc.state().unwrap().as_str()
        ),
        (Some(ROUTE_SERVER), Some(VPC), "associating")
    );
    assert_eq!(list().await, [(VPC.to_string(), "associating".to_string())]);
    expect_err!(
        associate_vpc(&c, OTHER_VPC).send(),
        "Resource.AlreadyAssociated",
        400
    );
    let disassociate = || disassociate_vpc(&c, VPC).send();
    expect_err!(disassociate(), "IncorrectState", 400);
    eventually("associated", || async {
        (list().await.first()?.1 == "associated").then_some(())
    })
    .await;
    let out = disassociate().await.unwrap();
    assert_eq!(
        out.route_server_association()
            .unwrap()
            .state()
            .unwrap()
            .as_str(),
        "disassociating"
    );
    eventually("gone", || async { list().await.is_empty().then_some(()) }).await;
    assert_eq!(
        history(
            &admin,
            Family::RouteServer,
            &format!("{ROUTE_SERVER},{VPC}")
        )
        .await,
        ["associating", "associated", "disassociating", "gone"]
    );

    expect_err!(disassociate(), "InvalidRouteServerId.NotAssociated", 400);
    expect_err!(
        c.associate_route_server()
            .route_server_id("rs-missing")
            .vpc_id(VPC)
            .send(),
        "InvalidRouteServerId.NotFound",
        400
    );
    expect_err!(
        c.get_route_server_associations()
            .route_server_id("rs-missing")
            .send(),
        "InvalidRouteServerId.NotFound",
        400
    );
    expect_err!(
        c.disassociate_route_server()
            .route_server_id("rs-missing")
            .vpc_id(VPC)
            .send(),
        "InvalidRouteServerId.NotFound",
        400
    );
    expect_err!(
        associate_vpc(&c, "vpc-missing").send(),
        "InvalidVpcID.NotFound",
        400
    );
    h.shutdown().await;
}

#[tokio::test]
async fn connect_peer_association_lifecycle_and_errors() {
    use aws_sdk_networkmanager::types::ValidationExceptionReason;
    let (h, admin) = sim().await;
    let c = nm(&h);
    let associate = |peer: &str, device: &str, link: Option<&str>| {
        c.associate_connect_peer()
            .global_network_id(GLOBAL_NETWORK)
            .connect_peer_id(peer)
            .device_id(device)
            .set_link_id(link.map(str::to_string))
            .send()
    };
    let state = || async {
        let out = c
            .get_connect_peer_associations()
            .global_network_id(GLOBAL_NETWORK)
            .connect_peer_ids(PEER)
            .send()
            .await
            .unwrap();
        out.connect_peer_associations()
            .first()
            .and_then(|a| a.state())
            .map(|s| s.as_str().to_string())
    };
    let out = associate(PEER, DEVICE, Some(LINK)).await.unwrap();
    let a = out.connect_peer_association().unwrap();
    assert_eq!(
        (
            a.connect_peer_id(),
            a.global_network_id(),
            a.device_id(),
            a.link_id(),
            a.state().unwrap().as_str()
        ),
        (
            Some(PEER),
            Some(GLOBAL_NETWORK),
            Some(DEVICE),
            Some(LINK),
            "PENDING"
        )
    );
    let err = expect_err!(associate(PEER, DEVICE, None), "ConflictException", 409);
    assert!(err.into_service_error().is_conflict_exception());
    let disassociate = |gn: &str, peer: &str| {
        c.disassociate_connect_peer()
            .global_network_id(gn)
            .connect_peer_id(peer)
            .send()
    };
    expect_err!(disassociate(GLOBAL_NETWORK, PEER), "ConflictException", 409);
    eventually("AVAILABLE", || async {
        (state().await? == "AVAILABLE").then_some(())
    })
    .await;
    let out = disassociate(GLOBAL_NETWORK, PEER).await.unwrap();
    assert_eq!(
        out.connect_peer_association()
            .unwrap()
            .state()
            .unwrap()
            .as_str(),
        "DELETING"
    );
    eventually("DELETED", || async {
        (state().await? == "DELETED").then_some(())
    })
    .await;
    eventually("gone", || async { state().await.is_none().then_some(()) }).await;
    let err = expect_err!(
        disassociate(GLOBAL_NETWORK, PEER),
        "ResourceNotFoundException",
        404
    );
    assert!(err.into_service_error().is_resource_not_found_exception());
    assert_eq!(
        history(&admin, Family::ConnectPeer, PEER).await,
        ["PENDING", "AVAILABLE", "DELETING", "DELETED", "gone"]
    );

    // Unknown global network: the ValidationException the provider keys on, for all three.
    let err = expect_err!(
        c.associate_connect_peer()
            .global_network_id("global-network-missing")
            .connect_peer_id(PEER)
            .device_id(DEVICE)
            .send(),
        "ValidationException",
        400
    );
    match err.into_service_error() {
        aws_sdk_networkmanager::operation::associate_connect_peer::AssociateConnectPeerError::ValidationException(v) => {
            assert_eq!(v.reason(), Some(&ValidationExceptionReason::FieldValidationFailed));
            assert_eq!(v.fields()[0].name(), "GlobalNetworkId");
            assert!(v.fields()[0].message().contains("Global network not found"));
        }
        other => panic!("expected ValidationException, got {other:?}"),
    }
    expect_err!(
        c.get_connect_peer_associations()
            .global_network_id("global-network-missing")
            .send(),
        "ValidationException",
        400
    );
    expect_err!(
        disassociate("global-network-missing", PEER),
        "ValidationException",
        400
    );

    expect_err!(
        associate("connect-peer-99999999", DEVICE, None),
        "ResourceNotFoundException",
        404
    );
    expect_err!(
        associate(PEER, "device-missing", None),
        "ResourceNotFoundException",
        404
    );
    expect_err!(
        associate(PEER, DEVICE, Some("link-missing")),
        "ResourceNotFoundException",
        404
    );
    // The link exists but belongs to another device.
    expect_err!(
        associate(PEER, DEVICE, Some("link-0000000000000002")),
        "ValidationException",
        400
    );
    h.shutdown().await;
}

#[tokio::test]
async fn connect_peer_listing_filters_and_paginates() {
    let (h, _admin) = sim().await;
    let c = nm(&h);
    for peer in [PEER, "connect-peer-00000002", "connect-peer-00000003"] {
        associate_peer(&c, peer).send().await.unwrap();
    }
    let get = || {
        c.get_connect_peer_associations()
            .global_network_id(GLOBAL_NETWORK)
    };
    let page1 = get().max_results(2).send().await.unwrap();
    assert_eq!(page1.connect_peer_associations().len(), 2);
    let page2 = get()
        .max_results(2)
        .next_token(page1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page2.connect_peer_associations().len(), 1);
    assert_eq!(page2.next_token(), None);
    let pages: Vec<_> = get()
        .max_results(1)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let filtered = get()
        .connect_peer_ids("connect-peer-00000002")
        .connect_peer_ids("connect-peer-00000003")
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = filtered
        .connect_peer_associations()
        .iter()
        .filter_map(|a| a.connect_peer_id())
        .collect();
    assert_eq!(ids, ["connect-peer-00000002", "connect-peer-00000003"]);
    expect_err!(get().max_results(501).send(), "ValidationException", 400);
    expect_err!(get().next_token("bogus").send(), "ValidationException", 400);
    h.shutdown().await;
}

#[tokio::test]
async fn workspaces_application_lifecycle_and_errors() {
    use aws_sdk_workspaces::types::{
        ApplicationAssociatedResourceType, WorkSpaceAssociatedResourceType,
    };
    let (h, admin) = sim().await;
    let c = ws(&h);
    let associate = |w: &str, a: &str| associate_app(&c, w, a).send();
    let disassociate = |w: &str, a: &str| disassociate_app(&c, w, a).send();
    let state = || async {
        let out = c
            .describe_workspace_associations()
            .workspace_id(WORKSPACE)
            .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
            .send()
            .await
            .unwrap();
        out.associations()
            .first()
            .and_then(|a| a.state())
            .map(|s| s.as_str().to_string())
    };
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let out = associate(WORKSPACE, APPLICATION).await.unwrap();
    let a = out.association().unwrap();
    assert_eq!(a.state().unwrap().as_str(), "PENDING_INSTALL_DEPLOYMENT");
    assert_eq!(
        (a.workspace_id(), a.associated_resource_id()),
        (Some(WORKSPACE), Some(APPLICATION))
    );
    let created = a.created().unwrap().as_secs_f64();
    assert!(
        (created - started).abs() < 5.0,
        "created {created} vs {started}"
    );

    expect_err!(
        associate(WORKSPACE, APPLICATION),
        "ResourceAlreadyExistsException",
        400
    );
    let err = expect_err!(
        disassociate(WORKSPACE, APPLICATION),
        "ResourceInUseException",
        400
    );
    assert!(err.into_service_error().is_resource_in_use_exception());
    deploy_apps(&c, WORKSPACE).await;
    eventually("COMPLETED", || async {
        (state().await? == "COMPLETED").then_some(())
    })
    .await;

    let by_app = c
        .describe_application_associations()
        .application_id(APPLICATION)
        .associated_resource_types(ApplicationAssociatedResourceType::Workspace)
        .send()
        .await
        .unwrap();
    let item = &by_app.associations()[0];
    assert_eq!(
        (
            item.application_id(),
            item.associated_resource_id(),
            item.associated_resource_type().unwrap().as_str()
        ),
        (Some(APPLICATION), Some(WORKSPACE), "WORKSPACE")
    );

    let out = disassociate(WORKSPACE, APPLICATION).await.unwrap();
    assert_eq!(
        out.association().unwrap().state().unwrap().as_str(),
        "PENDING_UNINSTALL_DEPLOYMENT"
    );
    deploy_apps(&c, WORKSPACE).await;
    eventually("REMOVED", || async {
        (state().await? == "REMOVED").then_some(())
    })
    .await;
    eventually("gone", || async { state().await.is_none().then_some(()) }).await;
    expect_err!(
        disassociate(WORKSPACE, APPLICATION),
        "ResourceNotFoundException",
        400
    );
    assert_eq!(
        history(
            &admin,
            Family::WorkspacesApplication,
            &format!("{WORKSPACE},{APPLICATION}")
        )
        .await,
        [
            "PENDING_INSTALL_DEPLOYMENT",
            "PENDING_INSTALL",
            "INSTALLING",
            "COMPLETED",
            "PENDING_UNINSTALL_DEPLOYMENT",
            "PENDING_UNINSTALL",
            "UNINSTALLING",
            "REMOVED",
            "gone"
        ]
    );

    let err = expect_err!(
        associate("ws-missing99", APPLICATION),
        "ResourceNotFoundException",
        400
    );
    match err.into_service_error() {
        aws_sdk_workspaces::operation::associate_workspace_application::AssociateWorkspaceApplicationError::ResourceNotFoundException(e) => {
            assert_eq!(e.resource_id(), Some("ws-missing99"));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    expect_err!(
        associate(WORKSPACE, "wsa-missing99"),
        "ResourceNotFoundException",
        400
    );
    expect_err!(
        associate("ws-building1", APPLICATION),
        "OperationNotSupportedException",
        400
    );
    expect_err!(
        c.describe_application_associations()
            .application_id("wsa-missing99")
            .associated_resource_types(ApplicationAssociatedResourceType::Workspace)
            .send(),
        "ResourceNotFoundException",
        400
    );
    expect_err!(
        c.describe_workspace_associations()
            .workspace_id("ws-missing99")
            .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
            .send(),
        "ResourceNotFoundException",
        400
    );
    expect_err!(
        c.associate_workspace_application()
            .workspace_id(WORKSPACE)
            .send(),
        "InvalidParameterValuesException",
        400
    );
    h.shutdown().await;
}

#[tokio::test]
async fn describe_application_associations_paginates() {
    use aws_sdk_workspaces::types::ApplicationAssociatedResourceType;
    let (h, _admin) = sim().await;
    let c = ws(&h);
    for w in [WORKSPACE, "ws-00000002", "ws-00000003"] {
        associate_app(&c, w, APPLICATION).send().await.unwrap();
    }
    let describe = || {
        c.describe_application_associations()
            .application_id(APPLICATION)
            .associated_resource_types(ApplicationAssociatedResourceType::Workspace)
    };
    let page1 = describe().max_results(2).send().await.unwrap();
    assert_eq!(page1.associations().len(), 2);
    let page2 = describe()
        .max_results(2)
        .next_token(page1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!((page2.associations().len(), page2.next_token()), (1, None));
    let pages: Vec<_> = describe()
        .max_results(1)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    expect_err!(
        describe().max_results(26).send(),
        "InvalidParameterValuesException",
        400
    );
    h.shutdown().await;
}

#[tokio::test]
async fn injected_faults_use_each_services_own_error_format() {
    let (h, admin) = sim().await;
    let (e, n, w) = (ec2(&h), nm(&h), ws(&h));
    let get_rs = || route_server_associations(&e).send();
    let get_cp = || {
        n.get_connect_peer_associations()
            .global_network_id(GLOBAL_NETWORK)
            .send()
    };
    let describe_ws = || {
        w.describe_workspace_associations()
            .workspace_id(WORKSPACE)
            .associated_resource_types(
                aws_sdk_workspaces::types::WorkSpaceAssociatedResourceType::Application,
            )
            .send()
    };

    admin
        .set_faults(&json!({"rules": [{"throttle_rate": 1.0}]}))
        .await
        .unwrap();
    expect_err!(get_rs(), "RequestLimitExceeded", 503);
    let err = expect_err!(get_cp(), "ThrottlingException", 429);
    match err.into_service_error() {
        aws_sdk_networkmanager::operation::get_connect_peer_associations::GetConnectPeerAssociationsError::ThrottlingException(t) => {
            assert_eq!(t.retry_after_seconds(), Some(1));
        }
        other => panic!("expected ThrottlingException, got {other:?}"),
    }
    expect_err!(describe_ws(), "ThrottlingException", 400);

    admin
        .set_faults(&json!({"rules": [{"error_rate": 1.0}]}))
        .await
        .unwrap();
    expect_err!(get_rs(), "InternalError", 500);
    expect_err!(get_cp(), "InternalServerException", 500);
    expect_err!(describe_ws(), "InternalFailure", 500);

    admin
        .set_faults(
            &json!({"deny": ["GetConnectPeerAssociations", "DescribeWorkspaceAssociations"]}),
        )
        .await
        .unwrap();
    expect_err!(get_cp(), "AccessDeniedException", 403);
    expect_err!(describe_ws(), "AccessDeniedException", 400);
    get_rs().await.unwrap();

    // Only the named operation is dropped; latency applies to the matching rule.
    admin
        .set_faults(&json!({"rules": [
            {"service": "ec2", "operation": "GetRouteServerAssociations", "drop_rate": 1.0},
            {"service": "workspaces", "latency_ms": 150}
        ], "seed": 7}))
        .await
        .unwrap();
    let err = get_rs().await.expect_err("dropped connection");
    assert!(
        matches!(
            err,
            aws_sdk_ec2::error::SdkError::DispatchFailure(_)
                | aws_sdk_ec2::error::SdkError::ResponseError(_)
        ),
        "{err:?}"
    );
    let t = Instant::now();
    describe_ws().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));
    get_cp().await.unwrap();

    let calls = admin.calls().await.unwrap();
    assert_eq!(calls.counts["GetRouteServerAssociations"], 4);
    let faults: Vec<_> = calls
        .log
        .iter()
        .filter(|c| c.operation == "GetRouteServerAssociations")
        .map(|c| (c.fault.map(|f| format!("{f:?}")), c.status))
        .collect();
    assert_eq!(
        faults,
        [
            (Some("Throttle".into()), 503),
            (Some("Error".into()), 500),
            (None, 200),
            (Some("Drop".into()), 0)
        ]
    );
    assert_eq!(admin.faults().await.unwrap().seed, Some(7));
    let bad = admin
        .set_faults(&json!({"rules": [{"error_rate": 2.0}]}))
        .await;
    assert!(bad.unwrap_err().to_string().contains("between 0 and 1"));
    h.shutdown().await;
}

#[tokio::test]
async fn failure_rate_ends_associations_in_their_failure_states() {
    let (h, admin) = sim().await;
    admin
        .set_faults(&json!({"failure_rate": {"client_vpn": 1.0, "workspaces_application": 1.0}}))
        .await
        .unwrap();
    let c = ec2(&h);
    let id = associate_subnet(&c, SUBNET_A)
        .send()
        .await
        .unwrap()
        .association_id()
        .unwrap()
        .to_string();
    let item = eventually("association-failed", || async {
        let out = c
            .describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(ENDPOINT)
            .send()
            .await
            .unwrap();
        let item = out.client_vpn_target_networks()[0].clone();
        (item.status()?.code()?.as_str() == "association-failed").then_some(item)
    })
    .await;
    assert!(item.status().unwrap().message().is_some());
    // A failed association can still be disassociated.
    disassociate_subnet(&c, &id).send().await.unwrap();

    let w = ws(&h);
    associate_app(&w, WORKSPACE, APPLICATION)
        .send()
        .await
        .unwrap();
    deploy_apps(&w, WORKSPACE).await;
    let reason = eventually("ERROR", || async {
        let out = w
            .describe_workspace_associations()
            .workspace_id(WORKSPACE)
            .associated_resource_types(
                aws_sdk_workspaces::types::WorkSpaceAssociatedResourceType::Application,
            )
            .send()
            .await
            .unwrap();
        let a = out.associations().first()?.clone();
        (a.state()?.as_str() == "ERROR").then_some(a.state_reason()?.clone())
    })
    .await;
    assert!(reason.error_code().is_some() && reason.error_message().is_some());
    h.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_get_the_services_own_errors_and_never_a_crash() {
    let (h, admin) = sim().await;
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    let json11 = ("Content-Type", "application/x-amz-json-1.1");

    let r = admin
        .raw(
            "POST",
            "/",
            &[form],
            b"Action=RebootEverything&Version=2016-11-15",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(
        r.text().contains("<Code>InvalidAction</Code>"),
        "{}",
        r.text()
    );
    let request_id = r.header("x-amzn-requestid").unwrap().to_string();
    assert!(
        r.text()
            .contains(&format!("<RequestID>{request_id}</RequestID>"))
    );

    let r = admin
        .raw("POST", "/", &[form], b"Version=2016-11-15")
        .await
        .unwrap();
    assert!(r.status == 400 && r.text().contains("MissingAction"));
    let r = admin
        .raw(
            "POST",
            "/",
            &[form],
            b"Action=GetRouteServerAssociations&Version=2011-01-01&RouteServerId=rs-1",
        )
        .await
        .unwrap();
    assert!(r.status == 400 && r.text().contains("NoSuchVersion"));

    let huge = vec![b'a'; 2 << 20];
    let r = admin.raw("POST", "/", &[form], &huge).await.unwrap();
    assert!(r.status == 413 && r.text().contains("<Code>RequestEntityTooLarge</Code>"));
    let r = admin
        .raw(
            "POST",
            "/",
            &[
                json11,
                (
                    "X-Amz-Target",
                    "WorkspacesService.AssociateWorkspaceApplication",
                ),
            ],
            &huge,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 413);
    assert_eq!(
        r.json().unwrap()["__type"],
        "InvalidParameterValuesException"
    );

    let r = admin
        .raw(
            "POST",
            "/",
            &[
                json11,
                (
                    "X-Amz-Target",
                    "WorkspacesService.AssociateWorkspaceApplication",
                ),
            ],
            b"{not json",
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json().unwrap()["__type"].as_str()),
        (400, Some("SerializationException"))
    );
    let r = admin
        .raw(
            "POST",
            "/",
            &[
                json11,
                ("X-Amz-Target", "WorkspacesService.TerminateEverything"),
            ],
            b"{}",
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json().unwrap()["__type"].as_str()),
        (400, Some("UnknownOperationException"))
    );

    let r = admin
        .raw(
            "POST",
            "/service/WorkspacesService/operation/AssociateWorkspaceApplication",
            &[
                ("Content-Type", "application/cbor"),
                ("smithy-protocol", "rpc-v2-cbor"),
            ],
            &[0xa0],
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("UnsupportedProtocolException")
    );
    assert!(r.text().contains("RPCv2 CBOR"));

    let path = format!("/global-networks/{GLOBAL_NETWORK}/connect-peer-associations");
    let r = admin
        .raw(
            "POST",
            &path,
            &[("Content-Type", "application/json")],
            b"[1,",
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.header("x-amzn-errortype")),
        (400, Some("ValidationException"))
    );
    assert_eq!(r.json().unwrap()["Reason"], "CannotParse");
    let r = admin
        .raw(
            "POST",
            &path,
            &[("Content-Type", "application/json")],
            b"{}",
        )
        .await
        .unwrap();
    assert_eq!(r.json().unwrap()["Fields"][0]["Name"], "ConnectPeerId");
    let r = admin
        .raw("PATCH", "/global-networks/x/devices", &[], b"")
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json().unwrap()["Reason"].as_str()),
        (400, Some("UnknownOperation"))
    );

    // Still serving, and every answer above was counted.
    admin.health().await.unwrap();
    let calls = admin.calls().await.unwrap();
    assert_eq!(calls.log.len(), 11);
    assert!(calls.log.iter().all(|c| c.status >= 400));
    h.shutdown().await;
}

#[tokio::test]
async fn admin_api_reports_histories_counters_drift_and_resets() {
    let (h, admin) = sim().await;
    let c = ec2(&h);
    let id = associate_subnet(&c, SUBNET_A)
        .send()
        .await
        .unwrap()
        .association_id()
        .unwrap()
        .to_string();
    for _ in 0..3 {
        c.describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(ENDPOINT)
            .send()
            .await
            .unwrap();
    }
    let calls = admin.calls().await.unwrap();
    assert_eq!(calls.counts["DescribeClientVpnTargetNetworks"], 3);
    assert_eq!(calls.counts["AssociateClientVpnTargetNetwork"], 1);
    assert!(
        calls
            .log
            .iter()
            .all(|c| c.service == "ec2" && c.status == 200 && c.fault.is_none())
    );

    // Drift: the association disappears out of band and AWS answers not-found at once.
    let record = admin.disassociate(Family::ClientVpn, &id).await.unwrap();
    assert_eq!(record.state, "gone");
    expect_err!(
        c.describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(ENDPOINT)
            .association_ids(&id)
            .send(),
        "InvalidClientVpnAssociationIdNotFound",
        400
    );
    assert!(
        admin
            .disassociate(Family::ClientVpn, &id)
            .await
            .unwrap_err()
            .to_string()
            .contains("404")
    );
    let gone_at = admin.associations().await.unwrap()[0]
        .reached("gone")
        .unwrap();
    assert!(gone_at > 1.7e12);

    let d = admin
        .set_durations(&json!({"client_vpn": {"associate_ms": 5000}}))
        .await
        .unwrap();
    assert_eq!(
        (
            d[Family::ClientVpn].associate_ms,
            d[Family::ClientVpn].disassociate_ms
        ),
        (5000, 250)
    );
    assert_eq!(admin.durations().await.unwrap(), d);
    assert!(
        admin
            .set_durations(&json!({"client_vpn": {"nope": 1}}))
            .await
            .is_err()
    );

    admin
        .seed(&json!({"route_servers": [{"id": "rs-seeded"}]}))
        .await
        .unwrap();
    let world = admin.world().await.unwrap();
    assert!(
        world["route_servers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "rs-seeded")
    );
    assert_eq!(world["vpcs"].as_array().unwrap().len(), 2);

    admin.reset().await.unwrap();
    assert!(admin.associations().await.unwrap().is_empty());
    assert!(admin.calls().await.unwrap().log.is_empty());
    assert_eq!(
        admin.durations().await.unwrap()[Family::ClientVpn].associate_ms,
        300
    );
    assert!(
        admin.world().await.unwrap()["vpcs"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    expect_err!(
        c.describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(ENDPOINT)
            .send(),
        "InvalidClientVpnEndpointId.NotFound",
        400
    );
    let r = admin.raw("GET", "/_sim/nothing", &[], b"").await.unwrap();
    assert_eq!(r.status, 404);
    h.shutdown().await;
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let (h, admin) = sim().await;
    admin.health().await.unwrap();
    drop(h);
    eventually("listener closed", || async {
        admin.health().await.is_err().then_some(())
    })
    .await;
    let refused = awsassoc_sim::start(SimConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..SimConfig::default()
    })
    .await;
    assert!(refused.unwrap_err().to_string().contains("loopback"));
}

#[tokio::test]
async fn the_binary_starts_fast_and_prints_its_url_first() {
    use tokio::io::AsyncBufReadExt;
    let world = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/quickstart/world.json"
    );
    let started = Instant::now();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_awsassoc-sim"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--seed",
            world,
            "--profile",
            "fast",
            "--log-level",
            "warn",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(5), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let url = first.strip_prefix("awsassoc-sim listening on ").unwrap();
    assert!(url.starts_with("http://127.0.0.1:"));
    let world = AdminClient::new(url).world().await.unwrap();
    assert_eq!(world["workspaces"][0]["id"], WORKSPACE);
    child.kill().await.unwrap();

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_awsassoc-sim"))
        .args(["--listen", "0.0.0.0:4566"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

// ---------------------------------------------------------------------------------------------
// Lost responses, hung requests, list order, live-record lookups, out-of-band associations,
// DescribeClientVpnEndpoints and STS.

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

#[tokio::test]
async fn lost_response_performs_the_call_but_the_client_never_hears_back() {
    let (h, admin) = sim().await;
    let c = ec2(&h);
    admin
        .set_faults(
            &json!({"rules": [{"service": "ec2", "operation": "AssociateRouteServer",
                                        "lost_response_rate": 1.0}]}),
        )
        .await
        .unwrap();
    let associate = || associate_vpc(&c, VPC).send();
    let err = associate().await.expect_err("no answer");
    assert!(
        matches!(
            err,
            aws_sdk_ec2::error::SdkError::DispatchFailure(_)
                | aws_sdk_ec2::error::SdkError::ResponseError(_)
        ),
        "{err:?}"
    );
    // The association was made although the caller never heard so; a retry meets it.
    let records = admin.associations().await.unwrap();
    assert_eq!(
        (records.len(), records[0].family, records[0].state.as_str()),
        (1, Family::RouteServer, "associating")
    );
    admin.set_faults(&json!({})).await.unwrap();
    expect_err!(associate(), "Resource.AlreadyAssociated", 400);

    let calls = admin.calls().await.unwrap();
    assert_eq!(
        (calls.log[0].fault, calls.log[0].status),
        (Some(FaultKind::LostResponse), 0)
    );
    let raw = admin.raw("GET", "/_sim/calls", &[], b"").await.unwrap();
    assert!(
        raw.text().contains(r#""fault":"lost_response""#),
        "{}",
        raw.text()
    );
    let bad = admin
        .set_faults(&json!({"rules": [{"lost_response_rate": 1.5}]}))
        .await;
    assert!(bad.unwrap_err().to_string().contains("lost_response_rate"));
    // The closed connection is gone on the emulator's side too (the client's pooled
    // keep-alive connection goes with the client).
    drop(c);
    wait_until_no_other_connection(&admin).await;
    h.shutdown().await;
}

#[tokio::test]
async fn a_hung_request_is_neither_answered_nor_performed_and_leaks_nothing() {
    use tokio::io::AsyncReadExt;
    let (h, admin) = sim().await;
    admin
        .set_faults(&json!({"rules": [{"operation": "AssociateRouteServer", "hang_rate": 1.0}]}))
        .await
        .unwrap();
    assert_eq!(admin.open_connections().await.unwrap(), 1);

    // An SDK client with an operation timeout gives up and closes its connection.
    let conf = ec2(&h)
        .config()
        .to_builder()
        .timeout_config(
            aws_smithy_types::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_millis(300))
                .build(),
        )
        .build();
    let c = aws_sdk_ec2::Client::from_conf(conf);
    let started = Instant::now();
    let err = associate_vpc(&c, VPC).send().await.expect_err("hung");
    assert!(
        matches!(err, aws_sdk_ec2::error::SdkError::TimeoutError(_)),
        "{err:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(admin.associations().await.unwrap().is_empty());
    let calls = admin.calls().await.unwrap();
    let hung = &calls.log[0];
    assert_eq!(
        (hung.operation.as_str(), hung.fault, hung.status),
        ("AssociateRouteServer", Some(FaultKind::Hang), 0)
    );
    assert_eq!(hung.access_key_id.as_deref(), Some("AKIDTEST"));
    wait_until_no_other_connection(&admin).await;

    // A hand-made client closing its socket ends the hung request as well.
    let body = format!(
        "Action=AssociateRouteServer&Version=2016-11-15&RouteServerId={ROUTE_SERVER}&VpcId={VPC}"
    );
    let stream = raw_request(&h, &body).await;
    wait_for_calls(&admin, 2).await;
    assert_eq!(admin.open_connections().await.unwrap(), 2);
    drop(stream);
    wait_until_no_other_connection(&admin).await;

    // Shutdown ends a request that is still hanging, and its client sees the close.
    let mut stream = raw_request(&h, &body).await;
    wait_for_calls(&admin, 3).await;
    tokio::time::timeout(Duration::from_secs(5), h.shutdown())
        .await
        .expect("shutdown with a hung request finishes");
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
        .await
        .expect("the hung connection is closed at shutdown");
    assert!(read.is_err() || received.is_empty(), "{received:?}");
    assert!(admin.health().await.is_err());
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

#[tokio::test]
async fn a_pair_can_be_reassociated_while_its_finished_record_is_listed_and_newest_first_lists_it_last()
 {
    let (h, admin) = sim().await;
    long_grace(&admin).await;
    // The new associations stay in their first state for the whole test.
    admin
        .set_durations(&json!({
            "connect_peer": {"associate_ms": 60000},
            "workspaces_application": {"associate_ms": 60000}
        }))
        .await
        .unwrap();
    let n = nm(&h);
    let w = ws(&h);

    finished_connect_peer(&admin, &n).await;
    associate_peer(&n, PEER)
        .send()
        .await
        .expect("a finished record does not occupy the peer");
    assert_eq!(peer_states(&n, None).await, ["DELETED", "PENDING"]);

    removed_workspace_application(&admin, &w).await;
    associate_app(&w, WORKSPACE, APPLICATION)
        .send()
        .await
        .expect("a REMOVED record does not occupy the pair");
    assert_eq!(
        workspace_states(&w).await,
        ["REMOVED", "PENDING_INSTALL_DEPLOYMENT"]
    );
    assert_eq!(
        application_states(&w).await,
        ["REMOVED", "PENDING_INSTALL_DEPLOYMENT"]
    );

    // AWS may list the finished record after the live one; newest_first always does.
    admin
        .set_faults(&json!({"list_order": "newest_first"}))
        .await
        .unwrap();
    assert_eq!(peer_states(&n, None).await, ["PENDING", "DELETED"]);
    assert_eq!(peer_states(&n, Some(1)).await, ["PENDING", "DELETED"]);
    assert_eq!(
        workspace_states(&w).await,
        ["PENDING_INSTALL_DEPLOYMENT", "REMOVED"]
    );
    assert_eq!(
        application_states(&w).await,
        ["PENDING_INSTALL_DEPLOYMENT", "REMOVED"]
    );
    assert_eq!(
        admin.faults().await.unwrap().list_order,
        awsassoc_sim::ListOrder::NewestFirst
    );
    h.shutdown().await;
}

#[tokio::test]
async fn disassociate_acts_on_the_live_record_of_a_reassociated_pair() {
    use aws_sdk_workspaces::types::AssociationState;
    let (h, admin) = sim().await;
    long_grace(&admin).await;
    let w = ws(&h);
    let disassociate_ws = || disassociate_app(&w, WORKSPACE, APPLICATION).send();

    removed_workspace_application(&admin, &w).await;
    associate_app(&w, WORKSPACE, APPLICATION)
        .send()
        .await
        .unwrap();
    // The live record is still installing: "in use", not "not found" (the REMOVED record is
    // listed first and used to be picked).
    expect_err!(disassociate_ws(), "ResourceInUseException", 400);
    deploy_apps(&w, WORKSPACE).await;
    eventually("COMPLETED", || async {
        workspace_states(&w)
            .await
            .contains(&"COMPLETED".to_string())
            .then_some(())
    })
    .await;
    let out = disassociate_ws().await.unwrap();
    assert_eq!(
        out.association().unwrap().state(),
        Some(&AssociationState::PendingUninstallDeployment)
    );

    let n = nm(&h);
    finished_connect_peer(&admin, &n).await;
    associate_peer(&n, PEER).send().await.unwrap();
    let disassociate_peer = || disassociate_peer(&n, PEER).send();
    expect_err!(disassociate_peer(), "ConflictException", 409);
    eventually("AVAILABLE", || async {
        peer_states(&n, None)
            .await
            .contains(&"AVAILABLE".to_string())
            .then_some(())
    })
    .await;
    let out = disassociate_peer().await.unwrap();
    assert_eq!(
        out.connect_peer_association()
            .unwrap()
            .state()
            .unwrap()
            .as_str(),
        "DELETING"
    );

    // Drift injection hits the live record too, not the finished one listed before it.
    let pair = format!("{WORKSPACE},{APPLICATION}");
    deploy_apps(&w, WORKSPACE).await;
    eventually("REMOVED again", || async {
        (workspace_states(&w).await == ["REMOVED", "REMOVED"]).then_some(())
    })
    .await;
    associate_app(&w, WORKSPACE, APPLICATION)
        .send()
        .await
        .unwrap();
    let removed = admin
        .disassociate(Family::WorkspacesApplication, &pair)
        .await
        .unwrap();
    assert_eq!(
        removed.history.first().map(|t| t.state.as_str()),
        Some("PENDING_INSTALL_DEPLOYMENT")
    );
    assert_eq!(removed.state, "gone");
    assert_eq!(workspace_states(&w).await, ["REMOVED", "REMOVED"]);
    // With nothing live left, drift removes a visible finished record, as before.
    let finished = admin
        .disassociate(Family::WorkspacesApplication, &pair)
        .await
        .unwrap();
    assert!(finished.reached("REMOVED").is_some());
    h.shutdown().await;
}

#[tokio::test]
async fn every_list_order_keeps_pagination_whole() {
    let (h, admin) = sim().await;
    let c = ec2(&h);
    for i in 0..7 {
        associate_subnet(&c, format!("subnet-az{i}"))
            .send()
            .await
            .unwrap();
    }
    let pages = || async {
        let pages: Vec<_> = c
            .describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(ENDPOINT)
            .max_results(5)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .unwrap();
        pages
            .iter()
            .map(|p| {
                p.client_vpn_target_networks()
                    .iter()
                    .map(|t| t.target_network_id().unwrap().to_string())
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let creation: Vec<String> = (0..7).map(|i| format!("subnet-az{i}")).collect();
    assert_eq!(pages().await.concat(), creation);

    admin
        .set_faults(&json!({"list_order": "newest_first"}))
        .await
        .unwrap();
    let newest = pages().await;
    assert_eq!(newest.len(), 2);
    let mut reversed = creation.clone();
    reversed.reverse();
    assert_eq!(newest.concat(), reversed);

    admin
        .set_faults(&json!({"list_order": "shuffled", "seed": 3}))
        .await
        .unwrap();
    let shuffled = pages().await;
    // Each page holds what it holds in creation order, in some order.
    let mut first = shuffled[0].clone();
    first.sort();
    let mut second = shuffled[1].clone();
    second.sort();
    assert_eq!(
        (first.as_slice(), second.as_slice()),
        (&creation[..5], &creation[5..])
    );
    h.shutdown().await;
}

#[tokio::test]
async fn out_of_band_associations_go_through_the_aws_checks() {
    let (h, admin) = sim().await;
    let c = ec2(&h);
    let record = admin
        .associate(&AssociateRequest::new(Family::RouteServer, ROUTE_SERVER, VPC).settled())
        .await
        .unwrap();
    assert_eq!(
        (record.id.as_str(), record.state.as_str()),
        (format!("{ROUTE_SERVER},{VPC}").as_str(), "associated")
    );
    let listed = route_server_associations(&c).send().await.unwrap();
    assert_eq!(
        listed.route_server_associations()[0]
            .state()
            .unwrap()
            .as_str(),
        "associated"
    );
    let again = admin
        .associate(&AssociateRequest::new(
            Family::RouteServer,
            ROUTE_SERVER,
            OTHER_VPC,
        ))
        .await;
    assert!(
        again
            .unwrap_err()
            .to_string()
            .contains("Resource.AlreadyAssociated")
    );
    expect_err!(
        associate_vpc(&c, OTHER_VPC).send(),
        "Resource.AlreadyAssociated",
        400
    );

    let cvpn = admin
        .associate(&AssociateRequest::new(Family::ClientVpn, ENDPOINT, SUBNET_A).settled())
        .await
        .unwrap();
    assert!(cvpn.id.starts_with("cvpn-assoc-"));
    assert_eq!(cvpn_state(&c, &cvpn.id).await.unwrap(), "associated");

    let pending = admin
        .associate(&AssociateRequest::new(
            Family::WorkspacesApplication,
            WORKSPACE,
            APPLICATION,
        ))
        .await
        .unwrap();
    assert_eq!(pending.state, "PENDING_INSTALL_DEPLOYMENT");
    let peer = admin
        .associate(
            &AssociateRequest::new(Family::ConnectPeer, GLOBAL_NETWORK, PEER)
                .device(DEVICE)
                .link(LINK),
        )
        .await
        .unwrap();
    assert_eq!(peer.state, "PENDING");

    let json11 = [("Content-Type", "application/json")];
    let r = admin
        .raw(
            "POST",
            "/_sim/associate",
            &json11,
            json!({"family": "client_vpn", "parent": ENDPOINT, "child": "subnet-missing"})
                .to_string()
                .as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.json().unwrap()["code"].as_str()),
        (404, Some("InvalidSubnetID.NotFound"))
    );
    for bad in [
        json!({"family": "connect_peer", "parent": GLOBAL_NETWORK, "child": "connect-peer-00000002"}),
        json!({"family": "route_server", "parent": "rs-0000000000000002", "child": VPC, "device_id": DEVICE}),
        json!({"family": "route_server", "parent": "rs-0000000000000002", "child": VPC, "nope": 1}),
    ] {
        let r = admin
            .raw(
                "POST",
                "/_sim/associate",
                &json11,
                bad.to_string().as_bytes(),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
    }
    let r = admin.raw("GET", "/_sim/associate", &[], b"").await.unwrap();
    assert_eq!(r.status, 405);
    // Admin calls are not AWS calls.
    assert_eq!(
        admin
            .calls()
            .await
            .unwrap()
            .counts
            .get("AssociateRouteServer"),
        Some(&1)
    );
    h.shutdown().await;
}

#[tokio::test]
async fn describe_client_vpn_endpoints_reports_status_from_its_associations() {
    use aws_sdk_ec2::types::ClientVpnEndpointStatusCode;
    let (h, _admin) = sim().await;
    let c = ec2(&h);
    let status = || async {
        let out = c
            .describe_client_vpn_endpoints()
            .client_vpn_endpoint_ids(ENDPOINT)
            .send()
            .await
            .unwrap();
        out.client_vpn_endpoints()[0].status().unwrap().clone()
    };
    let out = c.describe_client_vpn_endpoints().send().await.unwrap();
    assert_eq!(out.client_vpn_endpoints().len(), 7);
    assert_eq!(out.next_token(), None);
    let e = &out.client_vpn_endpoints()[0];
    assert_eq!(
        (
            e.client_vpn_endpoint_id(),
            e.vpc_id(),
            e.client_cidr_block(),
            e.security_group_ids()
        ),
        (
            Some(ENDPOINT),
            Some(VPC),
            Some("172.16.0.0/22"),
            &["sg-0a1b2c3d4e5f60718".to_string()][..]
        )
    );
    let s = status().await;
    assert_eq!(
        s.code(),
        Some(&ClientVpnEndpointStatusCode::PendingAssociate)
    );
    assert!(s.message().is_some());

    let id = associate_subnet(&c, SUBNET_A)
        .send()
        .await
        .unwrap()
        .association_id()
        .unwrap()
        .to_string();
    assert_eq!(
        status().await.code(),
        Some(&ClientVpnEndpointStatusCode::PendingAssociate)
    );
    eventually("available", || async {
        (status().await.code()? == &ClientVpnEndpointStatusCode::Available).then_some(())
    })
    .await;
    disassociate_subnet(&c, &id).send().await.unwrap();
    assert_eq!(
        status().await.code(),
        Some(&ClientVpnEndpointStatusCode::PendingAssociate)
    );

    let pages: Vec<_> = c
        .describe_client_vpn_endpoints()
        .max_results(5)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = pages
        .iter()
        .flat_map(|p| p.client_vpn_endpoints())
        .filter_map(|e| e.client_vpn_endpoint_id())
        .collect();
    assert_eq!((pages.len(), ids.len()), (2, 7));
    let by_filter = c
        .describe_client_vpn_endpoints()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("endpoint-id")
                .values("cvpn-endpoint-0000000000000003")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(by_filter.client_vpn_endpoints().len(), 1);
    expect_err!(
        c.describe_client_vpn_endpoints()
            .client_vpn_endpoint_ids("cvpn-endpoint-missing")
            .send(),
        "InvalidClientVpnEndpointId.NotFound",
        400
    );
    expect_err!(
        c.describe_client_vpn_endpoints().max_results(4).send(),
        "InvalidParameterValue",
        400
    );
    expect_err!(
        c.describe_client_vpn_endpoints().next_token("nope").send(),
        "InvalidNextToken",
        400
    );
    expect_err!(
        c.describe_client_vpn_endpoints()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("owner")
                    .values("x")
                    .build()
            )
            .send(),
        "InvalidParameterValue",
        400
    );
    expect_err!(
        c.describe_client_vpn_endpoints().dry_run(true).send(),
        "DryRunOperation",
        412
    );
    h.shutdown().await;
}

#[tokio::test]
async fn sts_assume_role_and_caller_identity_through_the_sdk() {
    let (h, admin) = sim().await;
    let s = sts(&h, credentials());
    let out = assume_role(&s).duration_seconds(900).send().await.unwrap();
    let creds = out.credentials().unwrap();
    let akid = creds.access_key_id().to_string();
    assert!(akid.starts_with("ASIA") && akid.len() == 20, "{akid}");
    assert_eq!(creds.secret_access_key().len(), 40);
    assert!(!creds.session_token().is_empty());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let expires = creds.expiration().secs();
    assert!((expires - (now + 900)).abs() < 60, "{expires} vs {now}");
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::123456789012:assumed-role/awsassoc-deployer/deploy"
    );
    assert!(user.assumed_role_id().starts_with("AROA"));
    assert!(user.assumed_role_id().ends_with(":deploy"));

    let me = s.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account(), Some("123456789012"));
    assert_eq!(
        me.arn(),
        Some("arn:aws:iam::123456789012:user/awsassoc-sim")
    );
    let assumed = sts(&h, temporary(creds))
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(assumed.arn(), Some(user.arn()));
    assert_eq!(assumed.user_id(), Some(user.assumed_role_id()));

    let sessions = admin.sts_sessions().await.unwrap();
    assert_eq!(sessions.len(), 1);
    let session = &sessions[0];
    assert_eq!(
        (
            session.access_key_id.as_str(),
            session.role_arn.as_str(),
            session.role_session_name.as_str(),
            session.external_id_given,
            session.duration_seconds,
            session.source_access_key_id.as_deref()
        ),
        (akid.as_str(), ROLE, "deploy", true, 900, Some("AKIDTEST"))
    );
    let calls = admin.calls().await.unwrap();
    let signers: Vec<_> = calls
        .log
        .iter()
        .map(|c| {
            (
                c.service.as_str(),
                c.operation.as_str(),
                c.access_key_id.clone(),
            )
        })
        .collect();
    assert_eq!(
        signers,
        [
            ("sts", "AssumeRole", Some("AKIDTEST".to_string())),
            ("sts", "GetCallerIdentity", Some("AKIDTEST".to_string())),
            ("sts", "GetCallerIdentity", Some(akid.clone())),
        ]
    );
    // Neither the external ID nor any secret is kept anywhere the admin API can show.
    for path in ["/_sim/sts/sessions", "/_sim/calls"] {
        let text = admin.raw("GET", path, &[], b"").await.unwrap().text();
        assert!(!text.contains(EXTERNAL_ID), "{path}: {text}");
        assert!(!text.contains(creds.secret_access_key()), "{path}");
        assert!(!text.contains(creds.session_token()), "{path}");
    }
    admin.reset().await.unwrap();
    assert!(admin.sts_sessions().await.unwrap().is_empty());
    h.shutdown().await;
}

#[tokio::test]
async fn assume_role_provider_signs_ec2_calls_with_the_temporary_key() {
    let (h, admin) = sim().await;
    let base = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(h.url())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(credentials())
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .load()
        .await;
    let provider = aws_config::sts::AssumeRoleProvider::builder(ROLE)
        .session_name("terraform")
        .external_id(EXTERNAL_ID)
        .configure(&base)
        .build()
        .await;
    let conf = aws_sdk_ec2::config::Builder::from(&base)
        .credentials_provider(provider)
        .build();
    let c = aws_sdk_ec2::Client::from_conf(conf);
    c.describe_client_vpn_endpoints().send().await.unwrap();
    route_server_associations(&c).send().await.unwrap();

    let sessions = admin.sts_sessions().await.unwrap();
    assert_eq!(sessions.len(), 1, "the provider caches its credentials");
    assert_eq!(
        (
            sessions[0].role_session_name.as_str(),
            sessions[0].external_id_given
        ),
        ("terraform", true)
    );
    let calls = admin.calls().await.unwrap();
    let signers: Vec<_> = calls
        .log
        .iter()
        .map(|c| (c.operation.as_str(), c.access_key_id.as_deref()))
        .collect();
    let temporary = Some(sessions[0].access_key_id.as_str());
    assert_eq!(
        signers,
        [
            ("AssumeRole", Some("AKIDTEST")),
            ("DescribeClientVpnEndpoints", temporary),
            ("GetRouteServerAssociations", temporary),
        ]
    );
    h.shutdown().await;
}

#[tokio::test]
async fn sts_errors_and_faults_use_the_query_error_format() {
    let (h, admin) = sim().await;
    let s = sts(&h, credentials());
    let assume = |duration: i32, arn: &str, name: &str| {
        s.assume_role()
            .role_arn(arn)
            .role_session_name(name)
            .duration_seconds(duration)
            .send()
    };
    let err = expect_err!(assume(899, ROLE, "deploy"), "ValidationError", 400);
    assert!(err.message().unwrap().contains("durationSeconds"));
    expect_err!(assume(43201, ROLE, "deploy"), "ValidationError", 400);
    assume(43200, ROLE, "deploy").await.unwrap();
    let err = expect_err!(
        assume(900, "arn:aws:iam::123456789012:user/bob", "deploy"),
        "ValidationError",
        400
    );
    assert!(err.message().unwrap().contains("ARN"));
    expect_err!(
        assume(900, "arn:aws:iam::1", "deploy"),
        "ValidationError",
        400
    );
    expect_err!(assume(900, ROLE, "x"), "ValidationError", 400);
    expect_err!(assume(900, ROLE, "has space"), "ValidationError", 400);
    let err = expect_err!(
        s.assume_role()
            .role_arn(ROLE)
            .role_session_name("deploy")
            .policy("{not json")
            .send(),
        "MalformedPolicyDocument",
        400
    );
    assert!(
        err.into_service_error()
            .is_malformed_policy_document_exception()
    );
    let secretish = "bad external id value!";
    let err = expect_err!(
        s.assume_role()
            .role_arn(ROLE)
            .role_session_name("deploy")
            .external_id(secretish)
            .send(),
        "ValidationError",
        400
    );
    assert!(!err.message().unwrap().contains(secretish));

    admin
        .set_faults(&json!({"deny": ["AssumeRole"]}))
        .await
        .unwrap();
    let err = expect_err!(assume(900, ROLE, "deploy"), "AccessDenied", 403);
    assert!(
        err.message().unwrap().contains(&format!(
            "is not authorized to perform: sts:AssumeRole on resource: {ROLE}"
        )),
        "{err:?}"
    );

    admin
        .set_faults(&json!({"rules": [{"service": "sts", "throttle_rate": 1.0}]}))
        .await
        .unwrap();
    expect_err!(assume(900, ROLE, "deploy"), "Throttling", 400);
    expect_err!(s.get_caller_identity().send(), "Throttling", 400);
    // The rule names STS only.
    ec2(&h)
        .describe_client_vpn_endpoints()
        .send()
        .await
        .unwrap();
    admin
        .set_faults(&json!({"rules": [{"service": "sts", "error_rate": 1.0}]}))
        .await
        .unwrap();
    expect_err!(s.get_caller_identity().send(), "InternalFailure", 500);
    admin.set_faults(&json!({})).await.unwrap();
    assert_eq!(admin.sts_sessions().await.unwrap().len(), 1);

    let form = ("Content-Type", "application/x-www-form-urlencoded");
    let r = admin
        .raw(
            "POST",
            "/",
            &[form],
            b"Action=AssumeRole&Version=2011-06-15",
        )
        .await
        .unwrap();
    let text = r.text();
    let request_id = r.header("x-amzn-requestid").unwrap();
    assert_eq!(r.status, 400);
    assert!(text.contains("<ErrorResponse"), "{text}");
    assert!(
        text.contains("<Error><Type>Sender</Type><Code>ValidationError</Code>"),
        "{text}"
    );
    assert!(text.contains("2 validation errors detected"), "{text}");
    assert!(text.contains(&format!("<RequestId>{request_id}</RequestId>")));
    let r = admin
        .raw(
            "POST",
            "/",
            &[form],
            b"Action=GetSessionToken&Version=2011-06-15",
        )
        .await
        .unwrap();
    assert!(r.status == 400 && r.text().contains("<Code>InvalidAction</Code>"));
    let r = admin
        .raw("POST", "/", &[form], b"Action=GetCallerIdentity")
        .await
        .unwrap();
    assert!(r.status == 200 && r.text().contains("<GetCallerIdentityResult>"));
    let calls = admin.calls().await.unwrap();
    assert!(
        calls
            .log
            .iter()
            .rev()
            .take(3)
            .all(|c| c.service == "sts" && c.access_key_id.is_none())
    );
    h.shutdown().await;
}
