//! What the emulator's test binaries share: SDK clients pointed at an emulator, and the role
//! they assume through STS.

// Each test binary uses part of this module.
#![allow(dead_code)]

use aws_smithy_types::retry::RetryConfig;
use awsassoc_sim::SimHandle;

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
