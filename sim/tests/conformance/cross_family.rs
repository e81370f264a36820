//! What every family shares: injected faults in each service's format, failure rates, malformed requests, the admin API, start and stop, lost and hung requests, list order, out-of-band associations.

use super::*;

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
    // Awaited with a generous bound: the listen line must come first, however slow the start.
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the listen line within 60 s")
        .unwrap()
        .unwrap();
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
