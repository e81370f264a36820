//! Client VPN target networks (EC2 query protocol): the lifecycle, the rules AWS checks, DryRun, ClientToken, pagination and filters, and endpoint status.

use super::*;

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
    // The quickstart endpoint, six VPC endpoints and the Transit Gateway one.
    assert_eq!(out.client_vpn_endpoints().len(), 8);
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
    assert_eq!((pages.len(), ids.len()), (2, 8));
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

/// The target networks AWS lists for the Transit Gateway endpoint.
async fn tgw_target_networks(c: &aws_sdk_ec2::Client) -> Vec<aws_sdk_ec2::types::TargetNetwork> {
    c.describe_client_vpn_target_networks()
        .client_vpn_endpoint_id(TGW_ENDPOINT)
        .send()
        .await
        .unwrap()
        .client_vpn_target_networks()
        .to_vec()
}

#[tokio::test]
async fn a_transit_gateway_endpoint_is_associated_with_zones_by_name_or_id_one_association_per_zone()
 {
    let (h, admin) = sim().await;
    let c = ec2(&h);
    let by_name = c
        .associate_client_vpn_target_network()
        .client_vpn_endpoint_id(TGW_ENDPOINT)
        .availability_zone("us-east-1a")
        .send()
        .await
        .unwrap();
    let by_name = by_name.association_id().unwrap().to_owned();
    let by_id = c
        .associate_client_vpn_target_network()
        .client_vpn_endpoint_id(TGW_ENDPOINT)
        .availability_zone_id("use1-az2")
        .send()
        .await
        .unwrap();
    let by_id = by_id.association_id().unwrap().to_owned();

    // Either form names the zone: the zone of the first association is taken under its ID too,
    // and the second's under its name.
    for taken in [
        c.associate_client_vpn_target_network()
            .client_vpn_endpoint_id(TGW_ENDPOINT)
            .availability_zone_id("use1-az1"),
        c.associate_client_vpn_target_network()
            .client_vpn_endpoint_id(TGW_ENDPOINT)
            .availability_zone("us-east-1b"),
    ] {
        expect_err!(
            taken.send(),
            "InvalidClientVpnDuplicateAssociationException",
            400
        );
    }

    // The listing names each zone both ways, and neither a subnet nor a VPC.
    let listed = tgw_target_networks(&c).await;
    /// What a listed association says of its target: association, zone names, zone IDs,
    /// subnet, VPC.
    type Target<'a> = (
        Option<&'a str>,
        &'a [String],
        &'a [String],
        Option<&'a str>,
        Option<&'a str>,
    );
    let zones: Vec<Target> = listed
        .iter()
        .map(|n| {
            (
                n.association_id(),
                n.availability_zones(),
                n.availability_zone_ids(),
                n.target_network_id(),
                n.vpc_id(),
            )
        })
        .collect();
    assert_eq!(
        zones,
        [
            (
                Some(by_name.as_str()),
                &["us-east-1a".to_owned()][..],
                &["use1-az1".to_owned()][..],
                None,
                None
            ),
            (
                Some(by_id.as_str()),
                &["us-east-1b".to_owned()][..],
                &["use1-az2".to_owned()][..],
                None,
                None
            ),
        ]
    );
    // A subnet filter never matches a zone association.
    let filtered = c
        .describe_client_vpn_target_networks()
        .client_vpn_endpoint_id(TGW_ENDPOINT)
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("target-network-id")
                .values("use1-az1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(filtered.client_vpn_target_networks().is_empty());

    // The endpoint describes its Transit Gateway instead of a VPC.
    let endpoint = c
        .describe_client_vpn_endpoints()
        .client_vpn_endpoint_ids(TGW_ENDPOINT)
        .send()
        .await
        .unwrap();
    let endpoint = &endpoint.client_vpn_endpoints()[0];
    assert_eq!(endpoint.vpc_id(), None);
    let tgw = endpoint.transit_gateway_configuration().unwrap();
    assert_eq!(tgw.transit_gateway_id(), Some("tgw-0c3d4e5f607182930"));
    assert_eq!(tgw.availability_zone_ids(), ["use1-az1", "use1-az2"]);

    // Once disassociated, the zone is free again.
    eventually("associated", || async {
        let listed = tgw_target_networks(&c).await;
        let record = listed
            .iter()
            .find(|n| n.association_id() == Some(by_name.as_str()))?;
        (record.status()?.code()?.as_str() == "associated").then_some(())
    })
    .await;
    let out = c
        .disassociate_client_vpn_target_network()
        .client_vpn_endpoint_id(TGW_ENDPOINT)
        .association_id(&by_name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.status().unwrap().code().unwrap().as_str(),
        "disassociating"
    );
    eventually("disassociated", || async {
        let listed = tgw_target_networks(&c).await;
        let record = listed
            .iter()
            .find(|n| n.association_id() == Some(by_name.as_str()))?;
        (record.status()?.code()?.as_str() == "disassociated").then_some(())
    })
    .await;
    c.associate_client_vpn_target_network()
        .client_vpn_endpoint_id(TGW_ENDPOINT)
        .availability_zone_id("use1-az1")
        .send()
        .await
        .unwrap();
    let records = admin.associations().await.unwrap();
    let children: Vec<&str> = records.iter().map(|r| r.child.as_str()).collect();
    assert_eq!(children, ["use1-az1", "use1-az2", "use1-az1"]);
    h.shutdown().await;
}

#[tokio::test]
async fn zones_and_subnets_each_go_only_to_their_kind_of_endpoint() {
    let (h, admin) = sim().await;
    let c = ec2(&h);
    let tgw = || {
        c.associate_client_vpn_target_network()
            .client_vpn_endpoint_id(TGW_ENDPOINT)
    };
    let refused = [
        (
            tgw().subnet_id(SUBNET_A),
            "InvalidParameterCombination",
            "a subnet on a Transit Gateway endpoint",
        ),
        (
            associate_subnet(&c, SUBNET_A).availability_zone("us-east-1a"),
            "InvalidParameterCombination",
            "a subnet and a zone",
        ),
        (
            tgw()
                .availability_zone("us-east-1a")
                .availability_zone_id("use1-az1"),
            "InvalidParameterCombination",
            "a zone name and a zone ID",
        ),
        (
            c.associate_client_vpn_target_network()
                .client_vpn_endpoint_id(ENDPOINT)
                .availability_zone("us-east-1a"),
            "InvalidParameterCombination",
            "a zone on a VPC endpoint",
        ),
        (
            c.associate_client_vpn_target_network()
                .client_vpn_endpoint_id(ENDPOINT)
                .availability_zone_id("use1-az1"),
            "InvalidParameterCombination",
            "a zone ID on a VPC endpoint",
        ),
        (
            tgw().availability_zone("us-east-1z"),
            "InvalidZone.NotFound",
            "an unknown zone name",
        ),
        (
            tgw().availability_zone_id("use1-az9"),
            "InvalidZone.NotFound",
            "an unknown zone ID",
        ),
        (tgw(), "MissingParameter", "no target at all"),
    ];
    for (request, code, what) in refused {
        let err = request.send().await.expect_err(what);
        assert_eq!(
            support::code_and_status(&err),
            (code.to_owned(), 400),
            "{what}: {err:?}"
        );
    }
    assert!(admin.associations().await.unwrap().is_empty());

    // The idempotency token covers the zone as sent.
    let once = || {
        tgw()
            .availability_zone("us-east-1c")
            .client_token("zone-token")
    };
    let first = once().send().await.unwrap();
    let again = once().send().await.unwrap();
    assert_eq!(first.association_id(), again.association_id());
    expect_err!(
        tgw()
            .availability_zone_id("use1-az4")
            .client_token("zone-token")
            .send(),
        "IdempotentParameterMismatch",
        400
    );

    // The admin associates out of band by zone name or zone ID.
    admin
        .associate(&AssociateRequest::new(Family::ClientVpn, TGW_ENDPOINT, "us-east-1a").settled())
        .await
        .unwrap();
    let listed = tgw_target_networks(&c).await;
    assert!(
        listed
            .iter()
            .any(|n| n.availability_zone_ids() == ["use1-az1"]),
        "{listed:?}"
    );
    h.shutdown().await;
}
