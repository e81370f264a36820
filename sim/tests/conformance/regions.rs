//! Regions: every request is served from the state of its SigV4 signing region, so two regions
//! hold the same IDs without meeting; the admin API addresses a region with `?region=`.

use super::*;

/// An EC2 client like [`ec2`], signing for `region`.
fn ec2_in(h: &SimHandle, region: &str) -> aws_sdk_ec2::Client {
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .endpoint_url(h.url())
        .region(aws_sdk_ec2::config::Region::new(region.to_owned()))
        .credentials_provider(credentials())
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

#[tokio::test]
async fn each_signing_region_has_its_own_parents_and_associations() {
    let (h, admin) = sim().await;
    let east = ec2(&h);
    let west = ec2_in(&h, "eu-west-1");

    // A region nobody seeded has no parents: AWS's not-found answer, not the other region's.
    expect_err!(
        associate_vpc(&west, VPC).send(),
        "InvalidRouteServerId.NotFound",
        400
    );

    admin
        .in_region("eu-west-1")
        .seed(&test_world())
        .await
        .unwrap();
    associate_vpc(&east, VPC).send().await.unwrap();
    // The same route server and VPC in the other region: no "already associated".
    associate_vpc(&west, VPC).send().await.unwrap();

    let listed = |c: aws_sdk_ec2::Client| async move {
        route_server_associations(&c)
            .send()
            .await
            .unwrap()
            .route_server_associations()
            .len()
    };
    assert_eq!(listed(east.clone()).await, 1);
    assert_eq!(listed(west.clone()).await, 1);

    // The admin API sees each region apart; without `?region=` it sees the default one.
    let in_east = admin.associations().await.unwrap();
    let in_west = admin.in_region("eu-west-1").associations().await.unwrap();
    assert_eq!(in_east.len(), 1, "{in_east:?}");
    assert_eq!(in_west.len(), 1, "{in_west:?}");
    assert_eq!(
        (&in_east[0].parent, &in_east[0].child),
        (&in_west[0].parent, &in_west[0].child)
    );

    // Removing one leaves the other (once it is associated: AWS refuses to remove an
    // association still being made).
    eventually("the west association is associated", || async {
        let answer = route_server_associations(&west).send().await.unwrap();
        answer
            .route_server_associations()
            .iter()
            .any(|a| a.state().is_some_and(|s| s.as_str() == "associated"))
            .then_some(())
    })
    .await;
    disassociate_vpc(&west, VPC).send().await.unwrap();
    eventually("the west association is gone", || async {
        (listed(west.clone()).await == 0).then_some(())
    })
    .await;
    assert_eq!(listed(east.clone()).await, 1);

    // The call log says which region served each call.
    let calls = admin.calls().await.unwrap().log;
    let regions: Vec<_> = calls
        .iter()
        .filter(|c| c.operation == "AssociateRouteServer")
        .map(|c| c.region.as_deref())
        .collect();
    assert_eq!(
        regions,
        [Some("eu-west-1"), Some("us-east-1"), Some("eu-west-1")]
    );
}
