//! What the emulator's test binaries share: SDK clients pointed at an emulator, the role they
//! assume through STS, waiting for time-driven states and checking error answers.

// Each test binary uses part of this module.
#![allow(dead_code, unused_macros)]

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use awsassoc_sim::admin_client::AdminClient;
use awsassoc_sim::{SimConfig, SimHandle, World};

/// The quickstart world (`examples/quickstart/world.json`) with `extra` parents merged in.
pub fn quickstart_world_with(extra: serde_json::Value) -> World {
    let mut world: World =
        serde_json::from_str(include_str!("../../../examples/quickstart/world.json")).unwrap();
    world.merge(serde_json::from_value(extra).unwrap());
    world
}

/// An emulator on a loopback port holding `world`, and its admin client.
pub async fn start_with(world: World) -> (SimHandle, AdminClient) {
    let handle = awsassoc_sim::start(SimConfig {
        world,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let admin = handle.admin();
    (handle, admin)
}

/// Polls `probe` until it yields a value; states advance on wall-clock time, so fixed sleeps
/// would be either flaky or slow.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Error code and HTTP status of a failed SDK call (status 0 when there was no response). The
/// error type is the same for every SDK crate.
pub fn code_and_status<E: ProvideErrorMetadata>(
    err: &aws_sdk_ec2::error::SdkError<E, aws_sdk_ec2::config::http::HttpResponse>,
) -> (String, u16) {
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    (err.code().unwrap_or("<none>").to_string(), status)
}

/// Awaits a call that must fail with this AWS error code and HTTP status; yields the error.
macro_rules! expect_err {
    ($call:expr, $code:expr, $status:expr) => {{
        let err = $call.await.expect_err(concat!("expected ", $code));
        let (code, status) = $crate::support::code_and_status(&err);
        assert_eq!((code.as_str(), status), ($code, $status), "{err:?}");
        err
    }};
}

pub const ROLE: &str = "arn:aws:iam::123456789012:role/awsassoc-deployer";
/// Must never appear in anything the emulator stores, answers or logs.
pub const EXTERNAL_ID: &str = "ext-id-4f2a9c-keep-private";

/// The long-term key the tests sign with (`AKIDTEST`).
pub fn credentials() -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new("AKIDTEST", "secret", None, None, "sim-tests")
}

/// An SDK client for the emulator: endpoint override, region us-east-1, the given credentials
/// and one attempt, so injected faults are visible.
macro_rules! client {
    ($sdk:ident, $h:expr, $credentials:expr) => {{
        let conf = $sdk::Config::builder()
            .behavior_version($sdk::config::BehaviorVersion::latest())
            .endpoint_url($h.url())
            .region($sdk::config::Region::new("us-east-1"))
            .credentials_provider($credentials)
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build();
        $sdk::Client::from_conf(conf)
    }};
}

pub fn ec2(h: &SimHandle) -> aws_sdk_ec2::Client {
    client!(aws_sdk_ec2, h, credentials())
}

pub fn nm(h: &SimHandle) -> aws_sdk_networkmanager::Client {
    client!(aws_sdk_networkmanager, h, credentials())
}

pub fn ws(h: &SimHandle) -> aws_sdk_workspaces::Client {
    client!(aws_sdk_workspaces, h, credentials())
}

pub fn sts(h: &SimHandle, credentials: aws_credential_types::Credentials) -> aws_sdk_sts::Client {
    client!(aws_sdk_sts, h, credentials)
}

/// AssumeRole of [`ROLE`] with [`EXTERNAL_ID`], session `deploy`.
pub fn assume_role(
    s: &aws_sdk_sts::Client,
) -> aws_sdk_sts::operation::assume_role::builders::AssumeRoleFluentBuilder {
    s.assume_role()
        .role_arn(ROLE)
        .role_session_name("deploy")
        .external_id(EXTERNAL_ID)
}

/// The temporary credentials an AssumeRole answer carries, for signing further calls.
pub fn temporary(creds: &aws_sdk_sts::types::Credentials) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_string()),
        None,
        "assumed",
    )
}
