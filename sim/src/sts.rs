//! STS, awsQuery protocol (version 2011-06-15): AssumeRole and GetCallerIdentity.
//!
//! Requests are form-encoded like EC2's; answers are `<OpResponse><OpResult>…</OpResult>
//! <ResponseMetadata>` documents and errors `<ErrorResponse><Error><Type>…`. Credentials are
//! made up (signatures are never verified), but each session is remembered by its temporary
//! access key ID so later calls signed with it can be attributed to the role, and refused once
//! the session has expired (`server.rs`). The secret access key and session token are kept
//! apart from the sessions, only for `GET /_sim/sts/issued_secrets` (so tests can look for
//! them in the provider's logs); they and the external ID are never logged or answered
//! anywhere else, and the external ID is never stored.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::admin_types::{IssuedSecret, StsSession};
use crate::api::{ApiError, ApiResult};
use crate::ec2::Params;
use crate::lifecycle::now_ms;
use crate::state::{Inner, Sim};
use crate::xml::{STS_NS, XmlResponse};

pub const API_VERSION: &str = "2011-06-15";

pub const OPERATIONS: [&str; 2] = ["AssumeRole", "GetCallerIdentity"];

/// Account of callers that did not sign with an assumed-role key, unless the world sets one.
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// IAM user the emulator pretends long-term keys belong to.
const DEFAULT_USER: &str = "awsassoc-sim";

const DEFAULT_DURATION_SECONDS: u32 = 3600;

/// Runs one STS action and returns the XML success body.
pub fn handle(
    sim: &Sim,
    operation: &str,
    params: &Params,
    request_id: &str,
    access_key_id: Option<&str>,
) -> ApiResult<String> {
    let mut inner = sim.lock();
    let mut out = XmlResponse::query(operation, STS_NS, request_id);
    match operation {
        "AssumeRole" => assume_role(&mut inner, params, access_key_id, &mut out)?,
        "GetCallerIdentity" => caller_identity(&inner, access_key_id, &mut out),
        other => return Err(unknown_action(other)),
    }
    Ok(out.finish())
}

pub fn unknown_action(action: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidAction",
        format!("Could not find operation {action} for version {API_VERSION}"),
    )
}

/// The `AccessDenied` STS answers when a policy forbids the call, naming the caller and, for
/// AssumeRole, the role.
pub fn access_denied(
    sim: &Sim,
    operation: &str,
    params: &Params,
    access_key_id: Option<&str>,
) -> ApiError {
    let caller = caller(&sim.lock(), access_key_id).arn;
    let resource = match (operation, params.get("RoleArn")) {
        ("AssumeRole", Some(role)) => format!(" on resource: {role}"),
        _ => String::new(),
    };
    ApiError::new(
        403,
        "AccessDenied",
        format!("User: {caller} is not authorized to perform: sts:{operation}{resource}"),
    )
}

struct Caller {
    account: String,
    arn: String,
    user_id: String,
}

/// Who signed a request: the assumed role for a session key, else the emulator's IAM user.
fn caller(inner: &Inner, access_key_id: Option<&str>) -> Caller {
    if let Some(session) = access_key_id.and_then(|k| inner.sts_session(k)) {
        let account = parse_role_arn(&session.role_arn)
            .map(|r| r.account.to_string())
            .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string());
        return Caller {
            account,
            arn: session.arn.clone(),
            user_id: session.assumed_role_id.clone(),
        };
    }
    let account = inner
        .account_id()
        .unwrap_or_else(|| DEFAULT_ACCOUNT.to_string());
    Caller {
        arn: format!("arn:aws:iam::{account}:user/{DEFAULT_USER}"),
        account,
        user_id: format!("AIDA{}", unique_chars("user", 17)),
    }
}

fn caller_identity(inner: &Inner, access_key_id: Option<&str>, out: &mut XmlResponse) {
    let c = caller(inner, access_key_id);
    out.leaf("UserId", &c.user_id)
        .leaf("Account", &c.account)
        .leaf("Arn", &c.arn);
}

/// A role ARN split into the parts STS uses: `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
struct RoleArn<'a> {
    partition: &'a str,
    account: &'a str,
    name: &'a str,
}

fn parse_role_arn(arn: &str) -> Option<RoleArn<'_>> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let valid = prefix == "arn"
        && matches!(
            partition,
            "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b"
        )
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit());
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    (valid && name_ok).then_some(RoleArn {
        partition,
        account,
        name,
    })
}

/// `[\w+=,.@-]*` (session names) and, with `extra`, `[\w+=,.@:/-]*` (external IDs).
fn matches_name_pattern(value: &str, extra: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) || extra.contains(c))
}

/// Model constraint violations, reported together like AWS does.
fn validation_error(problems: &[String]) -> ApiError {
    let n = problems.len();
    let plural = if n == 1 { "" } else { "s" };
    ApiError::new(
        400,
        "ValidationError",
        format!(
            "{n} validation error{plural} detected: {}",
            problems.join("; ")
        ),
    )
}

fn assume_role(
    inner: &mut Inner,
    params: &Params,
    signer: Option<&str>,
    out: &mut XmlResponse,
) -> ApiResult<()> {
    let role_arn = params.get("RoleArn");
    let session_name = params.get("RoleSessionName");
    let external_id = params.get("ExternalId");
    let mut problems = Vec::new();
    match role_arn {
        None => problems
            .push("Value null at 'roleArn' failed to satisfy constraint: Member must not be null".into()),
        Some(v) if v.len() < 20 => problems.push(format!(
            "Value '{v}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"
        )),
        Some(v) if v.len() > 2048 => problems.push(
            "Value at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 2048".into(),
        ),
        Some(_) => {}
    }
    match session_name {
        None => problems.push(
            "Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"
                .into(),
        ),
        Some(v) if !(2..=64).contains(&v.len()) => problems.push(format!(
            "Value '{v}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64"
        )),
        Some(v) if !matches_name_pattern(v, "") => problems.push(format!(
            "Value '{v}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )),
        Some(_) => {}
    }
    // The external ID is a shared secret: its value is never echoed.
    if let Some(v) = external_id
        && (!(2..=1224).contains(&v.len()) || !matches_name_pattern(v, ":/"))
    {
        problems.push(
            "The value at 'externalId' failed to satisfy constraint: Member must have length between 2 and 1224 and satisfy regular expression pattern: [\\w+=,.@:/-]*"
                .into(),
        );
    }
    let duration = match params.get("DurationSeconds") {
        None => Some(DEFAULT_DURATION_SECONDS),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n < 900 => {
                problems.push(format!(
                    "Value '{n}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
                ));
                None
            }
            Ok(n) if n > 43200 => {
                problems.push(format!(
                    "Value '{n}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"
                ));
                None
            }
            Ok(n) => Some(n as u32),
            Err(_) => {
                problems.push(format!(
                    "Value '{v}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer"
                ));
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(validation_error(&problems));
    }
    let (Some(role_arn), Some(session_name), Some(duration)) = (role_arn, session_name, duration)
    else {
        return Err(validation_error(&["Invalid request".to_string()]));
    };
    if let Some(policy) = params.get("Policy")
        && !serde_json::from_str::<serde_json::Value>(policy).is_ok_and(|v| v.is_object())
    {
        return Err(ApiError::new(
            400,
            "MalformedPolicyDocument",
            "Syntax errors in policy.",
        ));
    }
    let role = parse_role_arn(role_arn)
        .ok_or_else(|| ApiError::new(400, "ValidationError", "Request ARN is invalid"))?;

    let now = now_ms();
    let lifetime = inner
        .faults
        .sts_session_seconds
        .map_or(duration, |cap| duration.min(cap));
    // `Expiration` has whole seconds; the session ends at the second it names (rounded up,
    // so it never lasts less than asked).
    let expires = ((now + f64::from(lifetime) * 1000.0) / 1000.0).ceil() * 1000.0;
    let access_key_id = format!("ASIA{}", random_chars(16));
    let secret = random_base64(30);
    let token = random_base64(120);
    let role_id = format!("AROA{}", unique_chars(role_arn, 17));
    let session = StsSession {
        access_key_id: access_key_id.clone(),
        role_arn: role_arn.to_string(),
        role_session_name: session_name.to_string(),
        arn: format!(
            "arn:{}:sts::{}:assumed-role/{}/{session_name}",
            role.partition, role.account, role.name
        ),
        assumed_role_id: format!("{role_id}:{session_name}"),
        external_id_given: external_id.is_some(),
        duration_seconds: duration,
        issued_at_ms: now,
        expires_at_ms: expires,
        source_access_key_id: signer.map(str::to_string),
    };
    out.open("AssumedRoleUser")
        .leaf("AssumedRoleId", &session.assumed_role_id)
        .leaf("Arn", &session.arn)
        .close("AssumedRoleUser")
        .open("Credentials")
        .leaf("AccessKeyId", &access_key_id)
        .leaf("SecretAccessKey", &secret)
        .leaf("SessionToken", &token)
        .leaf("Expiration", &iso8601(expires))
        .close("Credentials");
    inner.sts_issued_secrets.push(IssuedSecret {
        access_key_id: access_key_id.clone(),
        secret_access_key: secret,
        session_token: token,
        expires_at_ms: expires,
    });
    inner.sts_sessions.push(session);
    Ok(())
}

/// Upper-case letters and digits 2–7 (the alphabet of AWS key IDs), from fresh randomness.
/// Credentials are not taken from the fault RNG so assuming a role never shifts a seeded
/// fault sequence.
fn random_chars(n: usize) -> String {
    let mut bytes = Vec::with_capacity(n);
    while bytes.len() < n {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    to_key_alphabet(&bytes[..n])
}

fn random_base64(n_bytes: usize) -> String {
    let mut bytes = Vec::with_capacity(n_bytes);
    while bytes.len() < n_bytes {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    STANDARD.encode(&bytes[..n_bytes])
}

/// Stable pseudo-unique characters for an input (a role's unique ID is the same on every
/// assume), from a 64-bit FNV-1a hash stretched over `n` characters.
fn unique_chars(input: &str, n: usize) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut bytes = Vec::with_capacity(n);
    for i in 0..n {
        for b in input.bytes().chain([i as u8]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        bytes.push((hash >> 32) as u8);
    }
    to_key_alphabet(&bytes)
}

fn to_key_alphabet(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SSZ` for milliseconds since the epoch (UTC, whole seconds).
pub fn iso8601(ms: f64) -> String {
    let secs = (ms / 1000.0).floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_formats_utc_dates() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400_000.0), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_795_132_799_999.0), "2026-11-19T23:59:59Z");
    }

    #[test]
    fn role_arns_must_name_an_iam_role_in_a_twelve_digit_account() {
        let r = parse_role_arn("arn:aws:iam::123456789012:role/path/to/Deployer").unwrap();
        assert_eq!(
            (r.partition, r.account, r.name),
            ("aws", "123456789012", "Deployer")
        );
        for bad in [
            "arn:aws:iam::123456789012:user/bob",
            "arn:aws:iam::12345:role/x",
            "arn:aws:s3:::bucket/role/x",
            "arn:aws:iam:us-east-1:123456789012:role/x",
            "arn:aws:iam::123456789012:role/",
            "not-an-arn-but-long-enough",
        ] {
            assert!(parse_role_arn(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn key_material_has_the_aws_shapes() {
        let id = random_chars(16);
        assert_eq!(id.len(), 16);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
        assert_eq!(random_base64(30).len(), 40);
        assert_eq!(unique_chars("a", 17), unique_chars("a", 17));
        assert_ne!(unique_chars("a", 17), unique_chars("b", 17));
    }
}
