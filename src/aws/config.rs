//! The provider configuration block: its schema, its plan-time validation and its parsing into
//! [`ProviderSettings`].
//!
//! Argument names and meanings follow hashicorp/aws so existing provider blocks can be copied
//! over. Validation and parsing share one reader ([`read`], on the framework's
//! [`config_reader`](tf_provider_framework::config_reader)): `validate` runs it leniently
//! (unknown values are skipped because Terraform checks the provider again at configure time),
//! and `ProviderSettings::from_value` runs it strictly. This module reads the block alone:
//! the environment and the shared files are consulted afterwards, once, by
//! [`super::settings`]. Nothing here touches the network or builds an SDK object.

pub mod arguments;
mod formats;
pub mod redact;

use std::fmt;
use std::time::Duration;

use tf_provider_framework::config_reader::{Field, Object, Reader, Strictness};
use tf_provider_framework::diag::{AttributePath, Diagnostic, Diagnostics};
use tf_provider_framework::timeouts::parse_duration;
use tf_provider_framework::value::Value;

pub use arguments::provider_block;
use arguments::*;

pub use formats::{MAX_ASSUME_ROLE_DURATION, MIN_ASSUME_ROLE_DURATION};
pub(crate) use formats::{check_region, may_hold_userinfo, without_userinfo};

/// The default of an argument, read from the table like a configured value would be. The
/// table's defaults are checked by a unit test, so reading them cannot fail at run time.
fn default_text(argument: &Argument) -> &'static str {
    argument.default.unwrap_or_default()
}

/// `max_retries` when nothing sets it: 25, as in hashicorp/aws, so throttling behaves the way
/// its users expect.
pub fn default_max_retries() -> u32 {
    default_text(&MAX_RETRIES).parse().unwrap_or(0)
}

/// The longest one attempt of an AWS call may take when nothing sets it. These APIs answer in
/// well under a second; half a minute covers a congested network and still notices a hung
/// connection.
pub fn default_attempt_timeout() -> Duration {
    parse_duration(default_text(&API_CALL_ATTEMPT_TIMEOUT)).unwrap_or_default()
}

/// The longest a refresh call may take with the SDK's retries of throttling included.
pub fn default_call_timeout() -> Duration {
    parse_duration(default_text(&API_CALL_TIMEOUT)).unwrap_or_default()
}

/// How long lists may lag behind mutations when nothing sets it.
pub fn default_consistency_timeout() -> Duration {
    parse_duration(default_text(&EVENTUAL_CONSISTENCY_TIMEOUT)).unwrap_or_default()
}

/// The upper bound of `max_retries`; beyond it a throttled apply would look hung for hours.
pub(crate) fn max_max_retries() -> u32 {
    match MAX_RETRIES.ty {
        ArgumentType::WholeNumber { max, .. } => max,
        _ => 0,
    }
}

/// Plan-time validation of a provider configuration value (an object of provider_block's
/// implied type). Unknown values are skipped (they are checked again at configure time).
pub fn validate(config: &Value) -> Diagnostics {
    read(config, Strictness::Lenient).1
}

/// How throttled and transient failures are retried; mirrors the SDK's modes so users can reuse
/// what they know from `AWS_RETRY_MODE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryMode {
    Standard,
    Adaptive,
}

impl Default for RetryMode {
    /// The table's default for `retry_mode`.
    fn default() -> Self {
        RetryMode::parse(default_text(&RETRY_MODE)).unwrap_or(RetryMode::Standard)
    }
}

impl RetryMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RetryMode::Standard => "standard",
            RetryMode::Adaptive => "adaptive",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "standard" => Some(RetryMode::Standard),
            "adaptive" => Some(RetryMode::Adaptive),
            _ => None,
        }
    }
}

impl fmt::Display for RetryMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Custom endpoint URLs, one per service client; `None` keeps the SDK's own resolution.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub ec2: Option<String>,
    pub networkmanager: Option<String>,
    pub workspaces: Option<String>,
    pub sts: Option<String>,
}

/// A value that must never be shown: `Debug` prints that one is there, not what it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value itself, for the one place that hands it to the SDK.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

/// The `assume_role` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    /// A secret: a leaked external ID weakens the confused-deputy protection it is for.
    pub external_id: Option<Secret>,
    pub duration: Option<Duration>,
}

/// The parsed, validated settings (no SDK objects yet). Errors point at the attribute.
///
/// Empty strings count as unset, as in hashicorp/aws, so `profile = var.profile` with a `""`
/// default falls back to the environment instead of failing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// The key ID identifies, but does not authorize; AWS's own Credentials Debug shows it.
    pub access_key: Option<String>,
    pub secret_key: Option<Secret>,
    pub token: Option<Secret>,
    /// Empty: the default `~/.aws/config` (or `AWS_CONFIG_FILE`).
    pub shared_config_files: Vec<String>,
    /// Empty: the default `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`).
    pub shared_credentials_files: Vec<String>,
    pub assume_role: Option<AssumeRole>,
    pub endpoints: Endpoints,
    /// Retries after the first attempt, from `max_retries`; `None` leaves it to the
    /// environment or the default (see [`super::settings::retries`]).
    pub max_retries: Option<u32>,
    /// From `retry_mode`; `None` leaves it to the environment or the default.
    pub retry_mode: Option<RetryMode>,
    pub preflight_dry_run: bool,
    /// From `api_call_attempt_timeout`; use [`ProviderSettings::attempt_timeout`].
    pub api_call_attempt_timeout: Option<Duration>,
    /// From `api_call_timeout`; use [`ProviderSettings::call_timeout`].
    pub api_call_timeout: Option<Duration>,
    /// From `eventual_consistency_timeout`; use [`ProviderSettings::consistency_timeout`].
    pub eventual_consistency_timeout: Option<Duration>,
}

impl ProviderSettings {
    /// Parses and validates the block at configure time. Unlike [`validate`], unknown values
    /// are errors: the SDK clients cannot be built from values that do not exist yet.
    pub fn from_value(config: &Value) -> Result<Self, Diagnostics> {
        let (settings, diags) = read_configured(config);
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(settings)
        }
    }

    /// The longest one attempt of an AWS call may take.
    pub fn attempt_timeout(&self) -> Duration {
        self.api_call_attempt_timeout
            .unwrap_or_else(default_attempt_timeout)
    }

    /// The longest a refresh call may take, retries included.
    pub fn call_timeout(&self) -> Duration {
        self.api_call_timeout.unwrap_or_else(default_call_timeout)
    }

    /// How long AWS's lists may lag behind its mutations.
    pub fn consistency_timeout(&self) -> Duration {
        self.eventual_consistency_timeout
            .unwrap_or_else(default_consistency_timeout)
    }

    /// Whether the block itself carries static keys (as opposed to env or profile credentials).
    pub fn has_static_credentials(&self) -> bool {
        self.access_key.is_some() && self.secret_key.is_some()
    }
}

/// Reads the block at configure time: the settings it holds and every diagnostic about it.
/// The settings are meaningful only when the diagnostics hold no error.
pub fn read_configured(config: &Value) -> (ProviderSettings, Diagnostics) {
    read(config, Strictness::Strict)
}

/// Reads and checks the whole block. The settings are meaningful only when the diagnostics hold
/// no error and the reader is [`Strictness::Strict`].
fn read(config: &Value, strictness: Strictness) -> (ProviderSettings, Diagnostics) {
    let mut r = Reader::new(strictness);
    let object = r.provider_config(config);

    let region = r.checked_string(
        object,
        REGION.name,
        None,
        "Invalid AWS region",
        formats::check_region,
    );
    let profile = r.string(object, PROFILE.name, None);
    let access_key = r.string(object, ACCESS_KEY.name, None);
    let secret_key = r.string(object, SECRET_KEY.name, None);
    let token = r.string(object, TOKEN.name, None);
    check_credential_combination(&mut r, &profile, &access_key, &secret_key, &token);

    let shared_config_files = file_list(&mut r, object, &SHARED_CONFIG_FILES);
    let shared_credentials_files = file_list(&mut r, object, &SHARED_CREDENTIALS_FILES);

    let max_retries = read_max_retries(&mut r, object).into_option();
    let retry_mode = r
        .checked_string(object, RETRY_MODE.name, None, "Invalid retry mode", |s| {
            RetryMode::parse(s).ok_or_else(|| {
                format!(
                    "{s:?} is not a retry mode; use \"standard\" or \"adaptive\", for example \
                 `retry_mode = \"standard\"`."
                )
            })
        })
        .into_option()
        .map(|(_, mode)| mode);
    let preflight_dry_run = r
        .bool(object, PREFLIGHT_DRY_RUN.name)
        .into_option()
        .unwrap_or(default_text(&PREFLIGHT_DRY_RUN) == "true");

    let duration = |r: &mut Reader, name: &str| {
        r.checked_string(
            object,
            name,
            None,
            "Invalid API call timeout",
            formats::check_call_timeout,
        )
        .into_option()
        .map(|(_, d)| d)
    };
    let attempt_timeout = duration(&mut r, API_CALL_ATTEMPT_TIMEOUT.name);
    let call_timeout = duration(&mut r, API_CALL_TIMEOUT.name);
    let consistency_timeout = r
        .checked_string(
            object,
            EVENTUAL_CONSISTENCY_TIMEOUT.name,
            None,
            "Invalid eventual consistency timeout",
            formats::check_call_timeout,
        )
        .into_option()
        .map(|(_, d)| d);
    if attempt_timeout.unwrap_or_else(default_attempt_timeout)
        > call_timeout.unwrap_or_else(default_call_timeout)
    {
        r.error(
            AttributePath::root(API_CALL_TIMEOUT.name),
            "Invalid API call timeout",
            format!(
                "`{call}` must be at least `{attempt}`: a call includes its attempts. For \
                 example `{attempt} = \"30s\"` with `{call} = \"5m\"`.",
                call = API_CALL_TIMEOUT.name,
                attempt = API_CALL_ATTEMPT_TIMEOUT.name,
            ),
        );
    }

    let assume_role = r
        .single_block(object, ASSUME_ROLE.name)
        .and_then(|block| read_assume_role(&mut r, block));
    let endpoints = match r.single_block(object, ENDPOINTS.name) {
        Some(block) => read_endpoints(&mut r, block),
        None => Endpoints::default(),
    };

    let settings = ProviderSettings {
        region: region.into_option().map(|(s, ())| s),
        profile: profile.into_option(),
        access_key: access_key.into_option(),
        secret_key: secret_key.into_option().map(Secret::from),
        token: token.into_option().map(Secret::from),
        shared_config_files: shared_config_files.into_option().unwrap_or_default(),
        shared_credentials_files: shared_credentials_files.into_option().unwrap_or_default(),
        assume_role,
        endpoints,
        max_retries,
        retry_mode,
        preflight_dry_run,
        api_call_attempt_timeout: attempt_timeout,
        api_call_timeout: call_timeout,
        eventual_consistency_timeout: consistency_timeout,
    };
    (settings, r.into_diagnostics())
}

/// A list of shared file paths; a blank entry names no file.
fn file_list(r: &mut Reader, object: &Object, argument: &Argument) -> Field<Vec<String>> {
    let name = argument.name;
    let detail = format!(
        "Each entry of `{name}` must be a file path, for example \
         \"~/.aws/config\" or \"/etc/aws/credentials\"."
    );
    r.string_list(object, name, ("Empty file path", &detail))
}

/// `max_retries`: a whole number within the table's range.
fn read_max_retries(r: &mut Reader, object: &Object) -> Field<u32> {
    let path = AttributePath::root(MAX_RETRIES.name);
    match r.number(object, MAX_RETRIES.name) {
        Field::Set(n) if n.fract() == 0.0 && (0.0..=f64::from(max_max_retries())).contains(&n) => {
            Field::Set(n as u32)
        }
        Field::Set(_) => {
            r.error(
                path,
                "Invalid max_retries",
                format!(
                    "`max_retries` must be a whole number from 0 (no retries) to \
                     {}, for example `max_retries = {}`.",
                    max_max_retries(),
                    default_max_retries()
                ),
            );
            Field::Unset
        }
        Field::Unset => Field::Unset,
        Field::Unknown => Field::Unknown,
    }
}

/// The credential arguments form one of three sources (static keys, a profile, or neither); a
/// mix would leave it ambiguous which identity Terraform acts as.
fn check_credential_combination(
    r: &mut Reader,
    profile: &Field<String>,
    access_key: &Field<String>,
    secret_key: &Field<String>,
    token: &Field<String>,
) {
    if profile.is_set() {
        for (field, name) in [(access_key, ACCESS_KEY.name), (secret_key, SECRET_KEY.name)] {
            if field.is_set() {
                r.error(
                    AttributePath::root(name),
                    "Conflicting credentials",
                    format!(
                        "`{name}` cannot be combined with `profile`: choose static keys \
                         (`access_key = \"AKIA...\"` with `secret_key`) or a named profile \
                         (`profile = \"deploy\"`), not both."
                    ),
                );
            }
        }
    }
    let pairs = [
        (access_key, secret_key, ACCESS_KEY.name, SECRET_KEY.name),
        (secret_key, access_key, SECRET_KEY.name, ACCESS_KEY.name),
    ];
    for (present, other, name, missing) in pairs {
        if present.is_set() && matches!(other, Field::Unset) {
            r.error(
                AttributePath::root(name),
                "Incomplete static credentials",
                format!(
                    "`{name}` is set but `{missing}` is not; static credentials need both, for \
                     example `access_key = var.aws_access_key` and \
                     `secret_key = var.aws_secret_key`."
                ),
            );
        }
    }
    if token.is_set() && matches!(access_key, Field::Unset) && matches!(secret_key, Field::Unset) {
        r.error(
            AttributePath::root(TOKEN.name),
            "Session token without keys",
            "`token` is the session token of temporary static credentials and needs \
             `access_key` and `secret_key` from the same session, for example \
             `access_key = var.key_id`, `secret_key = var.secret`, `token = var.session_token`.",
        );
    }
}

fn read_assume_role(r: &mut Reader, block: &Object) -> Option<AssumeRole> {
    let base = AttributePath::root(ASSUME_ROLE.name);
    let role_arn = match r.string(block, ROLE_ARN.name, Some(&base)) {
        Field::Set(arn) => match formats::check_role_arn(&arn) {
            Ok(()) => Some(arn),
            Err(detail) => {
                r.error(
                    base.clone().attribute(ROLE_ARN.name),
                    "Invalid role ARN",
                    detail,
                );
                None
            }
        },
        Field::Unset => {
            r.error(
                base.clone().attribute(ROLE_ARN.name),
                "Missing role ARN",
                "The `assume_role` block needs the ARN of the role to assume, for example \
                 `role_arn = \"arn:aws:iam::123456789012:role/deploy\"`.",
            );
            None
        }
        Field::Unknown => None,
    };
    let session_name = r.checked_string(
        block,
        SESSION_NAME.name,
        Some(&base),
        "Invalid session name",
        formats::check_session_name,
    );
    let external_id = r.checked_string(
        block,
        EXTERNAL_ID.name,
        Some(&base),
        "Invalid external ID",
        |id| {
            // STS limit; the value itself is never echoed because it is sensitive.
            if (2..=1224).contains(&id.len()) {
                Ok(())
            } else {
                Err(
                    "The external ID must be 2 to 1224 characters long, for example \
                 \"a1b2c3d4-example\"."
                        .to_owned(),
                )
            }
        },
    );
    let duration = r.checked_string(
        block,
        DURATION.name,
        Some(&base),
        "Invalid session duration",
        formats::check_assume_role_duration,
    );
    Some(AssumeRole {
        role_arn: role_arn?,
        session_name: session_name.into_option().map(|(s, ())| s),
        external_id: external_id.into_option().map(|(s, ())| Secret::from(s)),
        duration: duration.into_option().map(|(_, d)| d),
    })
}

fn read_endpoints(r: &mut Reader, block: &Object) -> Endpoints {
    let base = AttributePath::root(ENDPOINTS.name);
    let mut url = |name: &str| {
        let raw = r.string(block, name, Some(&base)).into_option()?;
        // A diagnostic on the attribute makes the CLI print the configuration line, password
        // and all: one about a URL that may carry user information names the attribute in
        // words instead.
        let at_attribute = !formats::may_hold_userinfo(&raw);
        let endpoint = match formats::check_endpoint_url(&raw) {
            Ok(endpoint) => endpoint,
            Err(detail) if at_attribute => {
                r.error(base.clone().attribute(name), "Invalid endpoint URL", detail);
                return None;
            }
            Err(detail) => {
                r.push(Diagnostic::error(
                    "Invalid endpoint URL",
                    format!("`{}.{name}`: {detail}", ENDPOINTS.name),
                ));
                return None;
            }
        };
        if endpoint.had_userinfo && r.strictness() == Strictness::Lenient {
            r.push(Diagnostic::warning(
                "Endpoint user information ignored",
                format!(
                    "`{}.{name}` ({}) carries a user name or password. AWS \
                     authenticates requests with signatures, so the provider drops it and uses \
                     {}; remove it from the configuration.",
                    ENDPOINTS.name,
                    formats::without_userinfo(&raw),
                    endpoint.url
                ),
            ));
        }
        Some(endpoint.url)
    };
    Endpoints {
        ec2: url(EC2.name),
        networkmanager: url(NETWORKMANAGER.name),
        workspaces: url(WORKSPACES.name),
        sts: url(STS.name),
    }
}

#[cfg(test)]
mod tests;
