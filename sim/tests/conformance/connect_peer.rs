//! Connect peer associations (Network Manager, REST-JSON): the lifecycle, errors, filters and pagination.

use super::*;

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
