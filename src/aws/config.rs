//! The provider configuration block: its schema, its plan-time validation and its parsing into
//! [`ProviderSettings`].
//!
//! Argument names and meanings follow hashicorp/aws so existing provider blocks can be copied
//! over. Validation and parsing share one reader ([`read`]): `validate` runs it leniently (unknown
//! values are skipped because Terraform checks the provider again at configure time), and
//! `ProviderSettings::from_value` runs it strictly. Nothing here touches the network or builds an
//! SDK object; that is [`super::clients`]' job.

mod formats;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use tf_provider_framework::diag::{AttributePath, Diagnostic, Diagnostics};
use tf_provider_framework::schema::{Attribute, Block, NestedBlock, Nesting};
use tf_provider_framework::value::{Number, Type, Value};

pub(crate) use formats::check_region;
pub use formats::{MAX_ASSUME_ROLE_DURATION, MIN_ASSUME_ROLE_DURATION};

/// Same default as hashicorp/aws, so throttling behaves the way its users expect.
pub const DEFAULT_MAX_RETRIES: u32 = 25;
/// Upper bound for `max_retries`; beyond it a throttled apply would look hung for hours.
pub const MAX_MAX_RETRIES: u32 = 100;
/// The longest one attempt of an AWS call may take. These APIs answer in well under a second;
/// half a minute covers a congested network and still notices a hung connection.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a refresh call may take with the SDK's retries of throttling included.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Attribute and block names, shared by the schema, the reader and the tests so a rename cannot
/// leave one of them behind.
pub mod names {
    pub const REGION: &str = "region";
    pub const PROFILE: &str = "profile";
    pub const ACCESS_KEY: &str = "access_key";
    pub const SECRET_KEY: &str = "secret_key";
    pub const TOKEN: &str = "token";
    pub const SHARED_CONFIG_FILES: &str = "shared_config_files";
    pub const SHARED_CREDENTIALS_FILES: &str = "shared_credentials_files";
    pub const MAX_RETRIES: &str = "max_retries";
    pub const RETRY_MODE: &str = "retry_mode";
    pub const PREFLIGHT_DRY_RUN: &str = "preflight_dry_run";
    pub const API_CALL_ATTEMPT_TIMEOUT: &str = "api_call_attempt_timeout";
    pub const API_CALL_TIMEOUT: &str = "api_call_timeout";
    pub const ASSUME_ROLE: &str = "assume_role";
    pub const ROLE_ARN: &str = "role_arn";
    pub const SESSION_NAME: &str = "session_name";
    pub const EXTERNAL_ID: &str = "external_id";
    pub const DURATION: &str = "duration";
    pub const ENDPOINTS: &str = "endpoints";
    pub const EC2: &str = "ec2";
    pub const NETWORKMANAGER: &str = "networkmanager";
    pub const WORKSPACES: &str = "workspaces";
    pub const STS: &str = "sts";
}

use names::*;

/// The provider block's schema (attributes + nested blocks), with markdown descriptions good
/// enough for the registry docs.
pub fn provider_block() -> Block {
    let string_list = || Type::List(Box::new(Type::String));
    Block {
        description: "The `awsassoc` provider manages AWS association resources whose destroy \
            waits until AWS reports the association gone. Credentials and region are resolved \
            like hashicorp/aws: arguments in this block first, then the standard `AWS_*` \
            environment variables, then the shared configuration and credentials files."
            .to_owned(),
        attributes: vec![
            Attribute::optional(
                REGION,
                Type::String,
                "AWS region to manage associations in, e.g. `us-east-1`. Falls back to the \
                 `AWS_REGION` or `AWS_DEFAULT_REGION` environment variable, then to the `region` \
                 of the selected profile in the shared config files. Required from one of these \
                 sources; the provider never asks the EC2 instance metadata service for it.",
            ),
            Attribute::optional(
                PROFILE,
                Type::String,
                "Name of the profile in the shared config and credentials files to take \
                 credentials (and, if `region` is unset, the region) from. Falls back to \
                 `AWS_PROFILE`. When set here, it wins over credentials in the \
                 `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` environment variables. Conflicts \
                 with `access_key` and `secret_key`.",
            ),
            Attribute::optional(
                ACCESS_KEY,
                Type::String,
                "AWS access key ID for static credentials; requires `secret_key`. Falls back to \
                 `AWS_ACCESS_KEY_ID`. Prefer a profile or environment variables over keys in \
                 configuration files.",
            ),
            Attribute::optional(
                SECRET_KEY,
                Type::String,
                "AWS secret access key belonging to `access_key`. Falls back to \
                 `AWS_SECRET_ACCESS_KEY`.",
            )
            .sensitive(),
            Attribute::optional(
                TOKEN,
                Type::String,
                "Session token for temporary static credentials; only valid together with \
                 `access_key` and `secret_key`. Falls back to `AWS_SESSION_TOKEN`.",
            )
            .sensitive(),
            Attribute::optional(
                SHARED_CONFIG_FILES,
                string_list(),
                "Paths of shared config files to read instead of the default `~/.aws/config` \
                 (or `AWS_CONFIG_FILE`). A leading `~/` is expanded to the home directory; each \
                 file must exist.",
            ),
            Attribute::optional(
                SHARED_CREDENTIALS_FILES,
                string_list(),
                "Paths of shared credentials files to read instead of the default \
                 `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`). A leading `~/` is \
                 expanded to the home directory; each file must exist.",
            ),
            Attribute::optional(
                MAX_RETRIES,
                Type::Number,
                "Maximum number of times an AWS API call is retried when AWS throttles it or \
                 fails transiently, from `0` (no retries) to `100`. Defaults to `25`, or to \
                 `AWS_MAX_ATTEMPTS` minus one when that environment variable is set.",
            ),
            Attribute::optional(
                RETRY_MODE,
                Type::String,
                "How throttled calls are retried: `standard` (exponential backoff with jitter) \
                 or `adaptive` (additionally rate-limits the client after throttling). Defaults \
                 to `AWS_RETRY_MODE`, else `standard`.",
            ),
            Attribute::optional(
                API_CALL_ATTEMPT_TIMEOUT,
                Type::String,
                "The longest one attempt of an AWS API call may take before it is abandoned, as a \
                 duration such as `30s` or `2m`. An abandoned status poll is simply made again; an \
                 abandoned associate or disassociate call is looked up in AWS before anything is \
                 sent again. Defaults to `30s`.",
            ),
            Attribute::optional(
                API_CALL_TIMEOUT,
                Type::String,
                "The longest an AWS API call may take with all its retries of throttling and \
                 transient failures (refreshes and imports; creates and deletes are bounded by \
                 their `timeouts` instead), as a duration such as `5m`. At least \
                 `api_call_attempt_timeout`. Defaults to `5m`.",
            ),
            Attribute::optional(
                PREFLIGHT_DRY_RUN,
                Type::Bool,
                "When `true`, planning the destroy of an EC2 association sends the disassociate \
                 call with `DryRun` and reports a refusal (missing permission, association in \
                 use) at plan time instead of halfway through the apply. Defaults to `false`.",
            ),
        ],
        blocks: vec![
            NestedBlock {
                type_name: ASSUME_ROLE.to_owned(),
                nesting: Nesting::Single,
                min_items: 0,
                max_items: 1,
                block: Block {
                    description: "Assume an IAM role with the credentials resolved from the \
                        arguments above; every AWS call is then made as that role. STS is \
                        contacted on the first AWS call, not while configuring the provider."
                        .to_owned(),
                    attributes: vec![
                        Attribute::required(
                            ROLE_ARN,
                            Type::String,
                            "ARN of the role to assume, e.g. \
                             `arn:aws:iam::123456789012:role/deploy`.",
                        ),
                        Attribute::optional(
                            SESSION_NAME,
                            Type::String,
                            "Session name recorded in CloudTrail (2–64 characters of letters, \
                             digits and `+=,.@_-`). Defaults to a generated name.",
                        ),
                        Attribute::optional(
                            EXTERNAL_ID,
                            Type::String,
                            "External ID the role's trust policy requires, if any.",
                        )
                        .sensitive(),
                        Attribute::optional(
                            DURATION,
                            Type::String,
                            "Lifetime of the role session as a duration string such as `1h` or \
                             `45m`, from `15m` to `12h` (and at most the role's maximum session \
                             duration). Defaults to STS's default of one hour.",
                        ),
                    ],
                    ..Block::default()
                },
            },
            NestedBlock {
                type_name: ENDPOINTS.to_owned(),
                nesting: Nesting::Single,
                min_items: 0,
                max_items: 1,
                block: Block {
                    description: "Custom endpoint URLs, e.g. a local emulator such as \
                        `http://127.0.0.1:4566`. An unset service uses the standard AWS \
                        endpoint for the region (or `AWS_ENDPOINT_URL_<SERVICE>` / \
                        `AWS_ENDPOINT_URL` when set)."
                        .to_owned(),
                    attributes: [
                        (EC2, "Amazon EC2"),
                        (NETWORKMANAGER, "AWS Network Manager"),
                        (WORKSPACES, "Amazon WorkSpaces"),
                        (STS, "AWS STS (used by `assume_role`)"),
                    ]
                    .into_iter()
                    .map(|(name, service)| {
                        Attribute::optional(
                            name,
                            Type::String,
                            &format!(
                                "Endpoint URL for {service}: an absolute `http://` or \
                                 `https://` URL, e.g. `http://127.0.0.1:4566`."
                            ),
                        )
                    })
                    .collect(),
                    ..Block::default()
                },
            },
        ],
        ..Block::default()
    }
}

/// Plan-time validation of a provider configuration value (an object of provider_block's
/// implied type). Unknown values are skipped (they are checked again at configure time).
pub fn validate(config: &Value) -> Diagnostics {
    read(config, Phase::Plan, &|_| None).1
}

/// How throttled and transient failures are retried; mirrors the SDK's modes so users can reuse
/// what they know from `AWS_RETRY_MODE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RetryMode {
    #[default]
    Standard,
    Adaptive,
}

impl RetryMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RetryMode::Standard => "standard",
            RetryMode::Adaptive => "adaptive",
        }
    }

    fn parse(text: &str) -> Option<Self> {
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

/// The `assume_role` block.
#[derive(Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    /// Treated as a secret: a leaked external ID weakens the confused-deputy protection it is for.
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
}

impl fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("external_id", &redacted(&self.external_id))
            .field("duration", &self.duration)
            .finish()
    }
}

/// The parsed, validated settings (no SDK objects yet). Errors point at the attribute.
///
/// Empty strings count as unset, as in hashicorp/aws, so `profile = var.profile` with a `""`
/// default falls back to the environment instead of failing.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    /// Empty: the default `~/.aws/config` (or `AWS_CONFIG_FILE`).
    pub shared_config_files: Vec<String>,
    /// Empty: the default `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`).
    pub shared_credentials_files: Vec<String>,
    pub assume_role: Option<AssumeRole>,
    pub endpoints: Endpoints,
    /// Retries after the first attempt, from `max_retries` or else `AWS_MAX_ATTEMPTS` − 1;
    /// `None` means [`DEFAULT_MAX_RETRIES`]. Use [`ProviderSettings::max_attempts`].
    pub max_retries: Option<u32>,
    /// From `retry_mode`, else `AWS_RETRY_MODE`, else standard.
    pub retry_mode: RetryMode,
    pub preflight_dry_run: bool,
    /// From `api_call_attempt_timeout`, else [`DEFAULT_ATTEMPT_TIMEOUT`].
    pub attempt_timeout: Duration,
    /// From `api_call_timeout`, else [`DEFAULT_CALL_TIMEOUT`].
    pub call_timeout: Duration,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        ProviderSettings {
            region: None,
            profile: None,
            access_key: None,
            secret_key: None,
            token: None,
            shared_config_files: Vec::new(),
            shared_credentials_files: Vec::new(),
            assume_role: None,
            endpoints: Endpoints::default(),
            max_retries: None,
            retry_mode: RetryMode::default(),
            preflight_dry_run: false,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            call_timeout: DEFAULT_CALL_TIMEOUT,
        }
    }
}

impl ProviderSettings {
    /// Parses and validates a configuration at configure time. Unlike [`validate`], unknown values
    /// are errors: the SDK clients cannot be built from values that do not exist yet.
    /// `AWS_MAX_ATTEMPTS` and `AWS_RETRY_MODE` are read here (the other environment fallbacks
    /// belong to the aws-config chains used when building clients).
    pub fn from_value(config: &Value) -> Result<Self, Diagnostics> {
        Self::from_value_with_env(config, &|name| std::env::var(name).ok())
    }

    /// [`Self::from_value`] with an injected environment, so tests do not depend on (or mutate)
    /// the process environment.
    pub fn from_value_with_env(
        config: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, Diagnostics> {
        let (settings, diags) = read(config, Phase::Configure, env);
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(settings)
        }
    }

    /// Total attempts per AWS call (the first one plus the retries), as the SDK counts them.
    pub fn max_attempts(&self) -> u32 {
        self.max_retries
            .unwrap_or(DEFAULT_MAX_RETRIES)
            .saturating_add(1)
    }

    /// Whether the block itself carries static keys (as opposed to env or profile credentials).
    pub fn has_static_credentials(&self) -> bool {
        self.access_key.is_some() && self.secret_key.is_some()
    }
}

impl fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("region", &self.region)
            .field("profile", &self.profile)
            // The key ID identifies, but does not authorize; AWS's own Credentials Debug shows it.
            .field("access_key", &self.access_key)
            .field("secret_key", &redacted(&self.secret_key))
            .field("token", &redacted(&self.token))
            .field("shared_config_files", &self.shared_config_files)
            .field("shared_credentials_files", &self.shared_credentials_files)
            .field("assume_role", &self.assume_role)
            .field("endpoints", &self.endpoints)
            .field("max_retries", &self.max_retries)
            .field("retry_mode", &self.retry_mode)
            .field("preflight_dry_run", &self.preflight_dry_run)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("call_timeout", &self.call_timeout)
            .finish()
    }
}

/// Shows whether a secret is present without showing it.
fn redacted(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "** redacted **")
}

/// Which RPC the reader serves: plan-time validation tolerates unknowns, configure does not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Plan,
    Configure,
}

/// One attribute as read from the configuration.
enum Field<T> {
    Unset,
    Unknown,
    Set(T),
}

impl<T> Field<T> {
    fn is_set(&self) -> bool {
        matches!(self, Field::Set(_))
    }

    fn into_option(self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v),
            Field::Unset | Field::Unknown => None,
        }
    }
}

/// Walks a configuration value once, collecting diagnostics and the settings it can extract.
struct Reader {
    phase: Phase,
    diags: Diagnostics,
}

impl Reader {
    fn error(&mut self, path: AttributePath, summary: &str, detail: impl Into<String>) {
        self.diags.push(Diagnostic::error(summary, detail).at(path));
    }

    /// Classifies a raw value; at configure time an unknown value is reported right here so each
    /// attribute's check does not have to.
    fn classify<'v>(&mut self, value: Option<&'v Value>, path: &AttributePath) -> Field<&'v Value> {
        match value {
            None | Some(Value::Null) => Field::Unset,
            Some(Value::Unknown) => {
                if self.phase == Phase::Configure {
                    self.error(
                        path.clone(),
                        "Provider argument not known",
                        format!(
                            "`{path}` depends on a value that is only known after apply, but \
                             the provider must be configured before planning. Set it from a \
                             variable, a local value or a data source instead of a managed \
                             resource's attribute."
                        ),
                    );
                }
                Field::Unknown
            }
            Some(Value::Dynamic(_, inner)) => self.classify(Some(inner.as_ref()), path),
            Some(other) => Field::Set(other),
        }
    }

    fn wrong_type(&mut self, path: AttributePath, expected: &str) {
        self.error(
            path.clone(),
            "Invalid provider argument type",
            format!("`{path}` must be {expected}."),
        );
    }

    /// A string attribute; `""` counts as unset (see [`ProviderSettings`]).
    fn string(
        &mut self,
        object: &Object,
        name: &str,
        base: Option<&AttributePath>,
    ) -> Field<String> {
        let path = child(base, name);
        match self.classify(object.get(name), &path) {
            Field::Set(Value::String(s)) if s.is_empty() => Field::Unset,
            Field::Set(Value::String(s)) => Field::Set(s.clone()),
            Field::Set(_) => {
                self.wrong_type(path, "a string");
                Field::Unset
            }
            Field::Unset => Field::Unset,
            Field::Unknown => Field::Unknown,
        }
    }

    /// A string attribute checked with `check`; an invalid value is reported and dropped.
    fn checked_string<T>(
        &mut self,
        object: &Object,
        name: &str,
        base: Option<&AttributePath>,
        summary: &str,
        check: impl FnOnce(&str) -> Result<T, String>,
    ) -> Field<(String, T)> {
        match self.string(object, name, base) {
            Field::Set(s) => match check(&s) {
                Ok(parsed) => Field::Set((s, parsed)),
                Err(detail) => {
                    self.error(child(base, name), summary, detail);
                    Field::Unset
                }
            },
            Field::Unset => Field::Unset,
            Field::Unknown => Field::Unknown,
        }
    }

    fn string_list(&mut self, object: &Object, name: &str) -> Field<Vec<String>> {
        let path = AttributePath::root(name);
        let items = match self.classify(object.get(name), &path) {
            Field::Set(Value::List(items) | Value::Set(items) | Value::Tuple(items)) => items,
            Field::Set(_) => {
                self.wrong_type(path, "a list of strings");
                return Field::Unset;
            }
            Field::Unset => return Field::Unset,
            Field::Unknown => return Field::Unknown,
        };
        let mut out = Vec::with_capacity(items.len());
        let mut any_unknown = false;
        for (index, item) in items.iter().enumerate() {
            let item_path = path.clone().index(index as i64);
            match self.classify(Some(item), &item_path) {
                Field::Set(Value::String(s)) if !s.trim().is_empty() => out.push(s.clone()),
                Field::Set(Value::String(_)) | Field::Unset => self.error(
                    item_path,
                    "Empty file path",
                    format!(
                        "Each entry of `{name}` must be a file path, for example \
                         \"~/.aws/config\" or \"/etc/aws/credentials\"."
                    ),
                ),
                Field::Set(_) => self.wrong_type(item_path, "a string"),
                Field::Unknown => any_unknown = true,
            }
        }
        if any_unknown {
            Field::Unknown
        } else {
            Field::Set(out)
        }
    }

    fn max_retries(&mut self, object: &Object) -> Field<u32> {
        let path = AttributePath::root(MAX_RETRIES);
        let whole = match self.classify(object.get(MAX_RETRIES), &path) {
            Field::Set(Value::Number(Number::Int(i))) => Some(*i as f64),
            Field::Set(Value::Number(Number::Float(f))) if f.fract() == 0.0 => Some(*f),
            Field::Set(Value::Number(Number::Float(_))) => None,
            Field::Set(_) => {
                self.wrong_type(path, "a number");
                return Field::Unset;
            }
            Field::Unset => return Field::Unset,
            Field::Unknown => return Field::Unknown,
        };
        match whole {
            Some(n) if (0.0..=f64::from(MAX_MAX_RETRIES)).contains(&n) => Field::Set(n as u32),
            _ => {
                self.error(
                    path,
                    "Invalid max_retries",
                    format!(
                        "`max_retries` must be a whole number from 0 (no retries) to \
                         {MAX_MAX_RETRIES}, for example `max_retries = {DEFAULT_MAX_RETRIES}`."
                    ),
                );
                Field::Unset
            }
        }
    }

    fn bool(&mut self, object: &Object, name: &str) -> Field<bool> {
        let path = AttributePath::root(name);
        match self.classify(object.get(name), &path) {
            Field::Set(Value::Bool(b)) => Field::Set(*b),
            Field::Set(_) => {
                self.wrong_type(path, "true or false");
                Field::Unset
            }
            Field::Unset => Field::Unset,
            Field::Unknown => Field::Unknown,
        }
    }

    /// A `Nesting::Single` block: `Some(fields)` when present, `None` when absent or unknown.
    fn single_block<'v>(&mut self, object: &'v Object, name: &str) -> Option<&'v Object> {
        let path = AttributePath::root(name);
        match self.classify(object.get(name), &path) {
            Field::Set(Value::Object(fields)) => Some(fields),
            Field::Set(_) => {
                self.wrong_type(path, "a block");
                None
            }
            Field::Unset | Field::Unknown => None,
        }
    }
}

type Object = BTreeMap<String, Value>;

fn child(base: Option<&AttributePath>, name: &str) -> AttributePath {
    match base {
        Some(base) => base.clone().attribute(name),
        None => AttributePath::root(name),
    }
}

static EMPTY: Object = BTreeMap::new();

/// Reads and checks the whole configuration. The settings are meaningful only when the
/// diagnostics hold no error and the phase is [`Phase::Configure`].
fn read(
    config: &Value,
    phase: Phase,
    env: &dyn Fn(&str) -> Option<String>,
) -> (ProviderSettings, Diagnostics) {
    let mut r = Reader {
        phase,
        diags: Diagnostics::new(),
    };
    let object: &Object = match config {
        Value::Object(fields) => fields,
        Value::Null => &EMPTY,
        Value::Unknown if phase == Phase::Plan => &EMPTY,
        Value::Unknown => {
            r.diags.push(Diagnostic::error(
                "Provider configuration not known",
                "The whole provider configuration depends on values only known after apply; \
                 configure the provider from variables, locals or data sources instead.",
            ));
            &EMPTY
        }
        _ => {
            r.diags.push(Diagnostic::error(
                "Invalid provider configuration",
                "The provider configuration must be an object of the provider block's type; \
                 this is a bug in Terraform or in the provider.",
            ));
            &EMPTY
        }
    };

    let region = r.checked_string(
        object,
        REGION,
        None,
        "Invalid AWS region",
        formats::check_region,
    );
    let profile = r.string(object, PROFILE, None);
    let access_key = r.string(object, ACCESS_KEY, None);
    let secret_key = r.string(object, SECRET_KEY, None);
    let token = r.string(object, TOKEN, None);
    check_credential_combination(&mut r, &profile, &access_key, &secret_key, &token);

    let shared_config_files = r.string_list(object, SHARED_CONFIG_FILES);
    let shared_credentials_files = r.string_list(object, SHARED_CREDENTIALS_FILES);

    let max_retries = match r.max_retries(object) {
        Field::Unset if phase == Phase::Configure => max_retries_from_env(&mut r, env),
        other => other.into_option(),
    };
    let retry_mode = match r.checked_string(object, RETRY_MODE, None, "Invalid retry mode", |s| {
        RetryMode::parse(s).ok_or_else(|| {
            format!(
                "{s:?} is not a retry mode; use \"standard\" or \"adaptive\", for example \
                 `retry_mode = \"standard\"`."
            )
        })
    }) {
        Field::Set((_, mode)) => mode,
        Field::Unset if phase == Phase::Configure => retry_mode_from_env(&mut r, env),
        Field::Unset | Field::Unknown => RetryMode::default(),
    };
    let preflight_dry_run = r
        .bool(object, PREFLIGHT_DRY_RUN)
        .into_option()
        .unwrap_or(false);

    let duration = |r: &mut Reader, name: &str, default: Duration| {
        r.checked_string(
            object,
            name,
            None,
            "Invalid API call timeout",
            formats::check_call_timeout,
        )
        .into_option()
        .map_or(default, |(_, d)| d)
    };
    let attempt_timeout = duration(&mut r, API_CALL_ATTEMPT_TIMEOUT, DEFAULT_ATTEMPT_TIMEOUT);
    let call_timeout = duration(&mut r, API_CALL_TIMEOUT, DEFAULT_CALL_TIMEOUT);
    if attempt_timeout > call_timeout {
        r.error(
            AttributePath::root(API_CALL_TIMEOUT),
            "Invalid API call timeout",
            format!(
                "`{API_CALL_TIMEOUT}` must be at least `{API_CALL_ATTEMPT_TIMEOUT}`: a call \
                 includes its attempts. For example `{API_CALL_ATTEMPT_TIMEOUT} = \"30s\"` \
                 with `{API_CALL_TIMEOUT} = \"5m\"`."
            ),
        );
    }

    let assume_role = r
        .single_block(object, ASSUME_ROLE)
        .and_then(|block| read_assume_role(&mut r, block));
    let endpoints = match r.single_block(object, ENDPOINTS) {
        Some(block) => read_endpoints(&mut r, block),
        None => Endpoints::default(),
    };

    let settings = ProviderSettings {
        region: region.into_option().map(|(s, ())| s),
        profile: profile.into_option(),
        access_key: access_key.into_option(),
        secret_key: secret_key.into_option(),
        token: token.into_option(),
        shared_config_files: shared_config_files.into_option().unwrap_or_default(),
        shared_credentials_files: shared_credentials_files.into_option().unwrap_or_default(),
        assume_role,
        endpoints,
        max_retries,
        retry_mode,
        preflight_dry_run,
        attempt_timeout,
        call_timeout,
    };
    (settings, r.diags)
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
        for (field, name) in [(access_key, ACCESS_KEY), (secret_key, SECRET_KEY)] {
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
        (access_key, secret_key, ACCESS_KEY, SECRET_KEY),
        (secret_key, access_key, SECRET_KEY, ACCESS_KEY),
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
            AttributePath::root(TOKEN),
            "Session token without keys",
            "`token` is the session token of temporary static credentials and needs \
             `access_key` and `secret_key` from the same session, for example \
             `access_key = var.key_id`, `secret_key = var.secret`, `token = var.session_token`.",
        );
    }
}

fn read_assume_role(r: &mut Reader, block: &Object) -> Option<AssumeRole> {
    let base = AttributePath::root(ASSUME_ROLE);
    let role_arn = match r.string(block, ROLE_ARN, Some(&base)) {
        Field::Set(arn) => match formats::check_role_arn(&arn) {
            Ok(()) => Some(arn),
            Err(detail) => {
                r.error(base.clone().attribute(ROLE_ARN), "Invalid role ARN", detail);
                None
            }
        },
        Field::Unset => {
            r.error(
                base.clone().attribute(ROLE_ARN),
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
        SESSION_NAME,
        Some(&base),
        "Invalid session name",
        formats::check_session_name,
    );
    let external_id = r.checked_string(
        block,
        EXTERNAL_ID,
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
        DURATION,
        Some(&base),
        "Invalid session duration",
        formats::check_assume_role_duration,
    );
    Some(AssumeRole {
        role_arn: role_arn?,
        session_name: session_name.into_option().map(|(s, ())| s),
        external_id: external_id.into_option().map(|(s, ())| s),
        duration: duration.into_option().map(|(_, d)| d),
    })
}

fn read_endpoints(r: &mut Reader, block: &Object) -> Endpoints {
    let base = AttributePath::root(ENDPOINTS);
    let mut url = |name: &str| {
        let (raw, endpoint) = r
            .checked_string(
                block,
                name,
                Some(&base),
                "Invalid endpoint URL",
                formats::check_endpoint_url,
            )
            .into_option()?;
        if endpoint.had_userinfo && r.phase == Phase::Plan {
            // Not on the attribute: the CLI would print the source line, password and all.
            r.diags.push(Diagnostic::warning(
                "Endpoint user information ignored",
                format!(
                    "`{ENDPOINTS}.{name}` ({}) carries a user name or password. AWS \
                     authenticates requests with signatures, so the provider drops it and uses \
                     {}; remove it from the configuration.",
                    formats::without_userinfo(&raw),
                    endpoint.url
                ),
            ));
        }
        Some(endpoint.url)
    };
    Endpoints {
        ec2: url(EC2),
        networkmanager: url(NETWORKMANAGER),
        workspaces: url(WORKSPACES),
        sts: url(STS),
    }
}

/// `AWS_MAX_ATTEMPTS` counts attempts, `max_retries` counts retries: hence the minus one.
fn max_retries_from_env(r: &mut Reader, env: &dyn Fn(&str) -> Option<String>) -> Option<u32> {
    let raw = env("AWS_MAX_ATTEMPTS").filter(|s| !s.trim().is_empty())?;
    match raw.trim().parse::<u32>() {
        Ok(attempts) if (1..=MAX_MAX_RETRIES + 1).contains(&attempts) => Some(attempts - 1),
        _ => {
            r.error(
                AttributePath::root(MAX_RETRIES),
                "Invalid AWS_MAX_ATTEMPTS",
                format!(
                    "The environment variable AWS_MAX_ATTEMPTS is {raw:?}, but it must be a \
                     whole number of attempts from 1 to {}, for example AWS_MAX_ATTEMPTS=3. Fix \
                     or unset it, or set `max_retries` in the provider block.",
                    MAX_MAX_RETRIES + 1
                ),
            );
            None
        }
    }
}

fn retry_mode_from_env(r: &mut Reader, env: &dyn Fn(&str) -> Option<String>) -> RetryMode {
    let Some(raw) = env("AWS_RETRY_MODE").filter(|s| !s.trim().is_empty()) else {
        return RetryMode::default();
    };
    match RetryMode::parse(raw.trim()) {
        Some(mode) => mode,
        None => {
            r.error(
                AttributePath::root(RETRY_MODE),
                "Invalid AWS_RETRY_MODE",
                format!(
                    "The environment variable AWS_RETRY_MODE is {raw:?}, but this provider \
                     supports only \"standard\" and \"adaptive\", for example \
                     AWS_RETRY_MODE=standard. Fix or unset it, or set `retry_mode` in the \
                     provider block."
                ),
            );
            RetryMode::default()
        }
    }
}

#[cfg(test)]
mod tests;
