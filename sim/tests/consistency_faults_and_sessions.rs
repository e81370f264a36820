//! Eventual consistency of lists (`visibility_delay_ms`), fault rules that answer a chosen AWS
//! error code (`error_code`), STS sessions that expire (`sts_session_seconds`) and the record
//! of issued secrets, and per-association spread of durations (`jitter`), all through the real
//! SDK clients. Each test starts its own emulator (fast profile).

use std::time::{Duration, Instant};

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_workspaces::types::WorkSpaceAssociatedResourceType;
use awsassoc_sim::{AdminClient, Family, FaultKind, SimHandle};
use serde_json::json;

#[macro_use]
mod support;
use support::*;

const ENDPOINT: &str = "cvpn-endpoint-0a1b2c3d4e5f60718";
const VPC: &str = "vpc-0a1b2c3d4e5f60718";
const SUBNET_A: &str = "subnet-0a1b2c3d4e5f60718";
const ROUTE_SERVER: &str = "rs-0a1b2c3d4e5f60718";
const GLOBAL_NETWORK: &str = "global-network-0a1b2c3d4e5f60718";
const WORKSPACE: &str = "ws-0a1b2c3d4";
const APPLICATION: &str = "wsa-0a1b2c3d4";
/// Subnets of the endpoint's VPC, each in its own AZ.
const SPREAD_SUBNETS: usize = 8;
/// WorkSpaces that each get one application, for the spread of deployments.
const SPREAD_WORKSPACES: usize = 6;

async fn sim() -> (SimHandle, AdminClient) {
    support::start_with(support::quickstart_world_with(json!({
        "subnets": (0..SPREAD_SUBNETS).map(|i| json!({
            "id": format!("subnet-az{i}"), "vpc_id": VPC,
            "availability_zone": format!("test-az-{i}"), "cidr": format!("10.0.{}.0/24", 10 + i)
        })).collect::<Vec<_>>(),
        "workspaces": (0..SPREAD_WORKSPACES)
            .map(|i| json!({"id": format!("ws-spread00{i}")}))
            .collect::<Vec<_>>()
    })))
    .await
}

/// `(association id, status code)` of the endpoint's target networks, as listed.
async fn target_networks(c: &aws_sdk_ec2::Client) -> Vec<(String, String)> {
    c.describe_client_vpn_target_networks()
        .client_vpn_endpoint_id(ENDPOINT)
        .send()
        .await
        .unwrap()
        .client_vpn_target_networks()
        .iter()
        .map(|t| {
            (
                t.association_id().unwrap().to_string(),
                t.status().unwrap().code().unwrap().as_str().to_string(),
            )
        })
        .collect()
}

async fn workspace_states(c: &aws_sdk_workspaces::Client) -> Vec<String> {
    c.describe_workspace_associations()
        .workspace_id(WORKSPACE)
        .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
        .send()
        .await
        .unwrap()
        .associations()
        .iter()
        .map(|a| a.state().unwrap().as_str().to_string())
        .collect()
}

async fn true_state(admin: &AdminClient, id: &str) -> String {
    admin
        .associations()
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|r| r.id == id)
        .map(|r| r.state)
        .unwrap_or_default()
}

#[tokio::test]
async fn lists_lag_behind_mutations_by_the_visibility_delay_while_mutations_see_the_truth() {
    const DELAY_MS: u64 = 700;
    let (h, admin) = sim().await;
    let settings = admin
        .set_faults(&json!({"visibility_delay_ms": {
            "client_vpn": DELAY_MS, "workspaces_application": DELAY_MS
        }}))
        .await
        .unwrap();
    assert_eq!(settings.visibility_delay_ms[Family::ClientVpn], DELAY_MS);
    assert_eq!(settings.visibility_delay_ms[Family::RouteServer], 0);
    let c = ec2(&h);

    let started = Instant::now();
    let id = c
        .associate_client_vpn_target_network()
        .client_vpn_endpoint_id(ENDPOINT)
        .subnet_id(SUBNET_A)
        .send()
        .await
        .unwrap()
        .association_id()
        .unwrap()
        .to_string();
    assert!(target_networks(&c).await.is_empty(), "not listed yet");
    expect_err!(
        c.describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(ENDPOINT)
            .association_ids(&id)
            .send(),
        "InvalidClientVpnAssociationIdNotFound",
        400
    );
    // Mutations see the truth at once.
    expect_err!(
        c.associate_client_vpn_target_network()
            .client_vpn_endpoint_id(ENDPOINT)
            .subnet_id(SUBNET_A)
            .send(),
        "InvalidClientVpnDuplicateAssociationException",
        400
    );
    assert_eq!(admin.associations().await.unwrap().len(), 1, "truth");
    eventually("listed", || async {
        (!target_networks(&c).await.is_empty()).then_some(())
    })
    .await;
    assert!(started.elapsed() >= Duration::from_millis(DELAY_MS));
    eventually("associated", || async {
        (target_networks(&c).await == [(id.clone(), "associated".to_string())]).then_some(())
    })
    .await;

    let changed = Instant::now();
    c.disassociate_client_vpn_target_network()
        .client_vpn_endpoint_id(ENDPOINT)
        .association_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(true_state(&admin, &id).await, "disassociating");
    assert_eq!(
        target_networks(&c).await,
        [(id.clone(), "associated".to_string())],
        "listed as before the change"
    );
    eventually("the change listed", || async {
        (target_networks(&c).await != [(id.clone(), "associated".to_string())]).then_some(())
    })
    .await;
    assert!(changed.elapsed() >= Duration::from_millis(DELAY_MS));

    // A deploy is a mutation too: lists keep the pending state for the delay.
    let w = ws(&h);
    w.associate_workspace_application()
        .workspace_id(WORKSPACE)
        .application_id(APPLICATION)
        .send()
        .await
        .unwrap();
    assert!(workspace_states(&w).await.is_empty());
    eventually("listed", || async {
        (workspace_states(&w).await == ["PENDING_INSTALL_DEPLOYMENT"]).then_some(())
    })
    .await;
    let deployed = Instant::now();
    let out = w
        .deploy_workspace_applications()
        .workspace_id(WORKSPACE)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.deployment().unwrap().associations()[0]
            .state()
            .unwrap()
            .as_str(),
        "PENDING_INSTALL",
        "the mutation's own answer is the truth"
    );
    let pair = format!("{WORKSPACE},{APPLICATION}");
    eventually("installed (truth)", || async {
        (true_state(&admin, &pair).await == "COMPLETED").then_some(())
    })
    .await;
    if deployed.elapsed() < Duration::from_millis(DELAY_MS) {
        assert_eq!(workspace_states(&w).await, ["PENDING_INSTALL_DEPLOYMENT"]);
    }
    eventually("COMPLETED listed", || async {
        (workspace_states(&w).await == ["COMPLETED"]).then_some(())
    })
    .await;
    assert!(deployed.elapsed() >= Duration::from_millis(DELAY_MS));

    // Families left at 0 list at once; unknown families are refused.
    c.associate_route_server()
        .route_server_id(ROUTE_SERVER)
        .vpc_id(VPC)
        .send()
        .await
        .unwrap();
    let listed = c
        .get_route_server_associations()
        .route_server_id(ROUTE_SERVER)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.route_server_associations().len(), 1);
    let bad = admin
        .set_faults(&json!({"visibility_delay_ms": {"client_vpm": 10}}))
        .await;
    assert!(bad.unwrap_err().to_string().contains("400"));
    h.shutdown().await;
}

#[tokio::test]
async fn an_error_code_on_a_fault_rule_is_answered_in_each_protocols_format() {
    let (h, admin) = sim().await;
    admin
        .set_faults(&json!({"rules": [
            {"operation": "GetConnectPeerAssociations", "error_rate": 1.0, "error_code": "ConflictException"},
            {"operation": "GetRouteServerAssociations", "error_rate": 1.0, "error_code": "Unavailable"},
            {"operation": "DescribeWorkspaceAssociations", "error_rate": 1.0, "error_code": "ResourceInUseException"},
            {"operation": "DescribeApplicationAssociations", "error_rate": 1.0, "error_code": "MadeUpException"},
            {"operation": "DescribeClientVpnEndpoints", "error_rate": 1.0, "error_code": "RequestLimitExceeded"},
            {"operation": "DisassociateConnectPeer", "error_rate": 1.0, "error_code": "ThrottlingException"},
            {"operation": "DescribeClientVpnTargetNetworks", "error_rate": 1.0}
        ]}))
        .await
        .unwrap();
    let (e, n, w) = (ec2(&h), nm(&h), ws(&h));

    let err = expect_err!(
        n.get_connect_peer_associations()
            .global_network_id(GLOBAL_NETWORK)
            .send(),
        "ConflictException",
        409
    );
    assert!(err.into_service_error().is_conflict_exception());
    let err = expect_err!(
        n.disassociate_connect_peer()
            .global_network_id(GLOBAL_NETWORK)
            .connect_peer_id("connect-peer-0a1b2c3d4e5f60718")
            .send(),
        "ThrottlingException",
        429
    );
    match err.into_service_error() {
        aws_sdk_networkmanager::operation::disassociate_connect_peer::DisassociateConnectPeerError::ThrottlingException(t) => {
            assert_eq!(t.retry_after_seconds(), Some(1));
        }
        other => panic!("expected ThrottlingException, got {other:?}"),
    }
    expect_err!(
        e.get_route_server_associations()
            .route_server_id(ROUTE_SERVER)
            .send(),
        "Unavailable",
        503
    );
    expect_err!(
        e.describe_client_vpn_endpoints().send(),
        "RequestLimitExceeded",
        503
    );
    // Without error_code, error_rate answers the generic internal error.
    expect_err!(
        e.describe_client_vpn_target_networks()
            .client_vpn_endpoint_id(ENDPOINT)
            .send(),
        "InternalError",
        500
    );
    // Not modeled on this operation: the SDK reports it by its code.
    expect_err!(
        w.describe_workspace_associations()
            .workspace_id(WORKSPACE)
            .associated_resource_types(WorkSpaceAssociatedResourceType::Application)
            .send(),
        "ResourceInUseException",
        400
    );
    let err = expect_err!(
        w.describe_application_associations()
            .application_id(APPLICATION)
            .associated_resource_types(
                aws_sdk_workspaces::types::ApplicationAssociatedResourceType::Workspace
            )
            .send(),
        "MadeUpException",
        400
    );
    assert!(err.message().is_some_and(|m| m.contains("injected")));

    // The bodies, as each protocol writes errors.
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    let r = admin
        .raw(
            "POST",
            "/",
            &[form],
            format!(
                "Action=GetRouteServerAssociations&Version=2016-11-15&RouteServerId={ROUTE_SERVER}"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 503);
    assert!(
        r.text()
            .contains("<Response><Errors><Error><Code>Unavailable</Code><Message>"),
        "{}",
        r.text()
    );
    let r = admin
        .raw(
            "GET",
            &format!("/global-networks/{GLOBAL_NETWORK}/connect-peer-associations"),
            &[],
            b"",
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.header("x-amzn-ErrorType")),
        (409, Some("ConflictException"))
    );
    assert!(r.json().unwrap()["Message"].is_string(), "{}", r.text());
    let r = admin
        .raw(
            "POST",
            "/",
            &[
                (
                    "X-Amz-Target",
                    "WorkspacesService.DescribeWorkspaceAssociations",
                ),
                ("Content-Type", "application/x-amz-json-1.1"),
            ],
            json!({"WorkspaceId": WORKSPACE, "AssociatedResourceTypes": ["APPLICATION"]})
                .to_string()
                .as_bytes(),
        )
        .await
        .unwrap();
    let body = r.json().unwrap();
    assert_eq!(
        (r.status, body["__type"].as_str()),
        (400, Some("ResourceInUseException"))
    );
    assert!(body["message"].is_string());

    // The call log records the fault and the code answered.
    let calls = admin.calls().await.unwrap();
    let conflict = calls
        .log
        .iter()
        .find(|c| c.operation == "GetConnectPeerAssociations")
        .unwrap();
    assert_eq!(
        (
            conflict.fault,
            conflict.error_code.as_deref(),
            conflict.status
        ),
        (Some(FaultKind::Error), Some("ConflictException"), 409)
    );
    let generic = calls
        .log
        .iter()
        .find(|c| c.operation == "DescribeClientVpnTargetNetworks")
        .unwrap();
    assert_eq!(generic.error_code.as_deref(), Some("InternalError"));

    let bad = admin
        .set_faults(&json!({"rules": [{"error_rate": 1.0, "error_code": "Not A Code"}]}))
        .await;
    assert!(bad.unwrap_err().to_string().contains("error_code"));
    h.shutdown().await;
}

#[tokio::test]
async fn requests_signed_with_an_expired_session_key_are_refused_by_every_service() {
    let (h, admin) = sim().await;
    admin
        .set_faults(&json!({"sts_session_seconds": 1}))
        .await
        .unwrap();
    let s = sts(&h, credentials());
    let issued_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let out = assume_role(&s).duration_seconds(900).send().await.unwrap();
    let creds = out.credentials().unwrap().clone();
    let expires = creds.expiration().secs();
    assert!(
        (issued_at..=issued_at + 3).contains(&expires),
        "the cap shortens the session: {expires} vs {issued_at}"
    );
    let session = admin.sts_sessions().await.unwrap().remove(0);
    assert_eq!(session.duration_seconds, 900, "as asked");
    assert_eq!(session.expires_at_ms, expires as f64 * 1000.0);

    let temporary = temporary(&creds);
    let role_sts = sts(&h, temporary.clone());
    let role_ec2 = {
        let conf = aws_sdk_ec2::Config::builder()
            .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
            .endpoint_url(h.url())
            .region(aws_sdk_ec2::config::Region::new("us-east-1"))
            .credentials_provider(temporary.clone())
            .retry_config(aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        aws_sdk_ec2::Client::from_conf(conf)
    };
    let role_nm = {
        let conf = aws_sdk_networkmanager::Config::builder()
            .behavior_version(aws_sdk_networkmanager::config::BehaviorVersion::latest())
            .endpoint_url(h.url())
            .region(aws_sdk_networkmanager::config::Region::new("us-east-1"))
            .credentials_provider(temporary.clone())
            .retry_config(aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        aws_sdk_networkmanager::Client::from_conf(conf)
    };
    let role_ws = {
        let conf = aws_sdk_workspaces::Config::builder()
            .behavior_version(aws_sdk_workspaces::config::BehaviorVersion::latest())
            .endpoint_url(h.url())
            .region(aws_sdk_workspaces::config::Region::new("us-east-1"))
            .credentials_provider(temporary.clone())
            .retry_config(aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        aws_sdk_workspaces::Client::from_conf(conf)
    };
    if std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
        < session.expires_at_ms - 100.0
    {
        role_sts.get_caller_identity().send().await.unwrap();
    }
    eventually("the session expired", || async {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            * 1000.0;
        (now_ms > session.expires_at_ms).then_some(())
    })
    .await;

    let err = expect_err!(role_sts.get_caller_identity().send(), "ExpiredToken", 403);
    assert!(err.message().unwrap().contains("expired"));
    let err = expect_err!(assume_role(&role_sts).send(), "ExpiredToken", 403);
    assert!(err.into_service_error().meta().code() == Some("ExpiredToken"));
    expect_err!(
        role_ec2.describe_client_vpn_endpoints().send(),
        "RequestExpired",
        400
    );
    expect_err!(
        role_nm
            .get_connect_peer_associations()
            .global_network_id(GLOBAL_NETWORK)
            .send(),
        "ExpiredTokenException",
        403
    );
    expect_err!(
        role_ws
            .deploy_workspace_applications()
            .workspace_id(WORKSPACE)
            .send(),
        "ExpiredTokenException",
        403
    );
    // The long-term key is not affected, and an expired key performs nothing.
    ec2(&h)
        .describe_client_vpn_endpoints()
        .send()
        .await
        .unwrap();
    assert_eq!(admin.sts_sessions().await.unwrap().len(), 1);
    let calls = admin.calls().await.unwrap();
    let refused: Vec<_> = calls
        .log
        .iter()
        .filter(|c| c.access_key_id.as_deref() == Some(session.access_key_id.as_str()))
        .filter(|c| c.status >= 400)
        .map(|c| (c.service.as_str(), c.error_code.as_deref(), c.fault))
        .collect();
    assert_eq!(
        refused,
        [
            ("sts", Some("ExpiredToken"), None),
            ("sts", Some("ExpiredToken"), None),
            ("ec2", Some("RequestExpired"), None),
            ("networkmanager", Some("ExpiredTokenException"), None),
            ("workspaces", Some("ExpiredTokenException"), None),
        ]
    );

    // The awsQuery error document of STS.
    let r = admin
        .raw(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                (
                    "Authorization",
                    &format!(
                        "AWS4-HMAC-SHA256 Credential={}/20261120/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00",
                        session.access_key_id
                    ),
                ),
            ],
            b"Action=GetCallerIdentity&Version=2011-06-15",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 403);
    assert!(
        r.text()
            .contains("<Error><Type>Sender</Type><Code>ExpiredToken</Code>"),
        "{}",
        r.text()
    );

    // The issued secrets are on the test-only endpoint and nowhere else.
    let secrets = admin.sts_issued_secrets().await.unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(
        (
            secrets[0].access_key_id.as_str(),
            secrets[0].secret_access_key.as_str(),
            secrets[0].session_token.as_str(),
            secrets[0].expires_at_ms
        ),
        (
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token(),
            session.expires_at_ms
        )
    );
    assert!(!format!("{:?}", secrets[0]).contains(creds.secret_access_key()));
    for path in ["/_sim/sts/sessions", "/_sim/calls", "/_sim/faults"] {
        let text = admin.raw("GET", path, &[], b"").await.unwrap().text();
        assert!(!text.contains(creds.secret_access_key()), "{path}");
        assert!(!text.contains(creds.session_token()), "{path}");
    }
    admin.reset().await.unwrap();
    assert!(admin.sts_issued_secrets().await.unwrap().is_empty());
    let bad = admin.set_faults(&json!({"sts_session_seconds": 0})).await;
    assert!(bad.unwrap_err().to_string().contains("sts_session_seconds"));
    h.shutdown().await;
}

/// `(spread duration of the first walk, of the second)` of every association: from its first
/// state to `end_state`.
fn walk_ms(admin_records: &[awsassoc_sim::AssociationRecord], from: &str, to: &str) -> Vec<f64> {
    admin_records
        .iter()
        .filter_map(|r| Some(r.reached(to)? - r.reached(from)?))
        .collect()
}

fn assert_spread(what: &str, durations: &[f64], base_ms: f64, jitter: f64) {
    let (low, high) = (
        base_ms * (1.0 - jitter) - 1.0,
        base_ms * (1.0 + jitter) + 1.0,
    );
    assert!(
        durations.iter().all(|d| (low..=high).contains(d)),
        "{what}: {durations:?} outside {low}..{high}"
    );
    let min = durations.iter().copied().fold(f64::INFINITY, f64::min);
    let max = durations.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(
        max - min > base_ms * jitter / 4.0,
        "{what}: no spread in {durations:?}"
    );
}

#[tokio::test]
async fn jitter_spreads_each_path_per_association_within_its_bounds() {
    const BASE_MS: f64 = 400.0;
    const JITTER: f64 = 0.5;
    let (h, admin) = sim().await;
    admin.set_faults(&json!({"seed": 5})).await.unwrap();
    let d = admin
        .set_durations(&json!({
            "client_vpn": {"associate_ms": 400, "disassociate_ms": 400, "jitter": JITTER},
            "workspaces_application": {"associate_ms": 400, "jitter": JITTER}
        }))
        .await
        .unwrap();
    assert_eq!(d[Family::ClientVpn].jitter, JITTER);
    assert_eq!(d[Family::RouteServer].jitter, 0.0);
    let c = ec2(&h);
    let mut ids = Vec::new();
    for i in 0..SPREAD_SUBNETS {
        let out = c
            .associate_client_vpn_target_network()
            .client_vpn_endpoint_id(ENDPOINT)
            .subnet_id(format!("subnet-az{i}"))
            .send()
            .await
            .unwrap();
        ids.push(out.association_id().unwrap().to_string());
    }
    eventually("all associated", || async {
        target_networks(&c)
            .await
            .iter()
            .all(|(_, s)| s == "associated")
            .then_some(())
    })
    .await;
    for id in &ids {
        c.disassociate_client_vpn_target_network()
            .client_vpn_endpoint_id(ENDPOINT)
            .association_id(id)
            .send()
            .await
            .unwrap();
    }
    let w = ws(&h);
    for i in 0..SPREAD_WORKSPACES {
        let workspace = format!("ws-spread00{i}");
        w.associate_workspace_application()
            .workspace_id(&workspace)
            .application_id(APPLICATION)
            .send()
            .await
            .unwrap();
        w.deploy_workspace_applications()
            .workspace_id(&workspace)
            .send()
            .await
            .unwrap();
    }
    let records = eventually("every walk finished", || async {
        let records = admin.associations().await.unwrap();
        records
            .iter()
            .all(|r| r.reached("disassociated").is_some() || r.reached("COMPLETED").is_some())
            .then_some(records)
    })
    .await;
    let (vpn, apps): (Vec<_>, Vec<_>) = records
        .into_iter()
        .partition(|r| r.family == Family::ClientVpn);
    assert_eq!((vpn.len(), apps.len()), (SPREAD_SUBNETS, SPREAD_WORKSPACES));
    let creates = walk_ms(&vpn, "associating", "associated");
    let deletes = walk_ms(&vpn, "disassociating", "disassociated");
    let installs = walk_ms(&apps, "PENDING_INSTALL", "COMPLETED");
    assert_spread("creates", &creates, BASE_MS, JITTER);
    assert_spread("deletes", &deletes, BASE_MS, JITTER);
    assert_spread("deployments", &installs, BASE_MS, JITTER);
    assert_ne!(creates, deletes, "each path draws its own factor");

    for bad in [json!(1.5), json!(-0.1), json!("0.2")] {
        let r = admin
            .set_durations(&json!({"client_vpn": {"jitter": bad}}))
            .await;
        assert!(r.unwrap_err().to_string().contains("jitter"), "{bad}");
    }
    h.shutdown().await;
}
