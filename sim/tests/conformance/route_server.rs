//! Route server VPC associations (EC2 query protocol): the lifecycle, vanishing without a finished record.

use super::*;

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

/// DescribeRouteServers lists every route server of the region, page by page (`MaxResults`
/// 5–1000, a token only from the same list), as a list without a parent walks them.
#[tokio::test]
async fn describe_route_servers_pages_through_every_route_server() {
    let (h, _admin) = sim().await;
    let c = ec2(&h);
    let everything = c.describe_route_servers().send().await.unwrap();
    assert_eq!(everything.route_servers().len(), 7);
    assert_eq!(everything.next_token(), None);
    assert_eq!(
        everything.route_servers()[0].route_server_id(),
        Some(ROUTE_SERVER)
    );

    let first = c
        .describe_route_servers()
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(first.route_servers().len(), 5);
    let token = first.next_token().unwrap().to_owned();
    let second = c
        .describe_route_servers()
        .max_results(5)
        .next_token(&token)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = first
        .route_servers()
        .iter()
        .chain(second.route_servers())
        .filter_map(|rs| rs.route_server_id())
        .collect();
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len(), second.next_token()), (7, 7, None));

    expect_err!(
        c.describe_route_servers().max_results(4).send(),
        "InvalidParameterValue",
        400
    );
    let other_list = c
        .describe_client_vpn_endpoints()
        .max_results(5)
        .send()
        .await
        .unwrap()
        .next_token()
        .unwrap()
        .to_owned();
    expect_err!(
        c.describe_route_servers().next_token(other_list).send(),
        "InvalidNextToken",
        400
    );
    expect_err!(
        c.describe_route_servers()
            .route_server_ids("rs-0ffffffffffffffff")
            .send(),
        "InvalidRouteServerId.NotFound",
        400
    );
}
