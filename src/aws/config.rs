//! The provider configuration block: its schema, its plan-time validation and its parsing into
//! [`ProviderSettings`].
//!
//! Argument names and meanings follow hashicorp/aws so existing provider blocks can be copied
//! over. Validation and parsing share one reader ([`read`]): `validate` runs it leniently (unknown
//! values are skipped because Terraform checks the provider again at configure time), and
//! `ProviderSettings::from_value` runs it strictly. Nothing here touches the network or builds an
//! SDK object; that is [`super::clients`]' job.

pub mod arguments;
mod formats;
pub mod redact;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use tf_provider_framework::diag::{AttributePath, Diagnostic, Diagnostics};
use tf_provider_framework::timeouts::parse_duration;
use tf_provider_framework::value::{Number, Value};

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
fn max_max_retries() -> u32 {
    match MAX_RETRIES.ty {
        ArgumentType::WholeNumber { max, .. } => max,
        _ => 0,
    }
}

/// Plan-time validation of a provider configuration value (an object of provider_block's
/// implied type). Unknown values are skipped (they are checked again at configure time).
pub fn validate(config: &Value) -> Diagnostics {
    read(config, Phase::Plan, &|_| None).1
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
    /// Retries after the first attempt, from `max_retries` or else `AWS_MAX_ATTEMPTS` − 1;
    /// `None` means [`default_max_retries()`]. Use [`ProviderSettings::max_attempts`].
    pub max_retries: Option<u32>,
    /// From `retry_mode`, else `AWS_RETRY_MODE`, else standard.
    pub retry_mode: RetryMode,
    pub preflight_dry_run: bool,
    /// From `api_call_attempt_timeout`; use [`ProviderSettings::attempt_timeout`].
    pub api_call_attempt_timeout: Option<Duration>,
    /// From `api_call_timeout`; use [`ProviderSettings::call_timeout`].
    pub api_call_timeout: Option<Duration>,
    /// From `eventual_consistency_timeout`; use [`ProviderSettings::consistency_timeout`].
    pub eventual_consistency_timeout: Option<Duration>,
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
            .unwrap_or(default_max_retries())
            .saturating_add(1)
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
        let path = AttributePath::root(MAX_RETRIES.name);
        let whole = match self.classify(object.get(MAX_RETRIES.name), &path) {
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
            Some(n) if (0.0..=f64::from(max_max_retries())).contains(&n) => Field::Set(n as u32),
            _ => {
                self.error(
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

    let shared_config_files = r.string_list(object, SHARED_CONFIG_FILES.name);
    let shared_credentials_files = r.string_list(object, SHARED_CREDENTIALS_FILES.name);

    let max_retries = match r.max_retries(object) {
        Field::Unset if phase == Phase::Configure => max_retries_from_env(&mut r, env),
        other => other.into_option(),
    };
    let retry_mode =
        match r.checked_string(object, RETRY_MODE.name, None, "Invalid retry mode", |s| {
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
                r.diags.push(Diagnostic::error(
                    "Invalid endpoint URL",
                    format!("`{}.{name}`: {detail}", ENDPOINTS.name),
                ));
                return None;
            }
        };
        if endpoint.had_userinfo && r.phase == Phase::Plan {
            r.diags.push(Diagnostic::warning(
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

/// `AWS_MAX_ATTEMPTS` counts attempts, `max_retries` counts retries: hence the minus one.
fn max_retries_from_env(r: &mut Reader, env: &dyn Fn(&str) -> Option<String>) -> Option<u32> {
    let (variable, raw) = MAX_RETRIES.from_env(env)?;
    match raw.trim().parse::<u32>() {
        Ok(attempts) if (1..=max_max_retries() + 1).contains(&attempts) => Some(attempts - 1),
        _ => {
            r.error(
                AttributePath::root(MAX_RETRIES.name),
                &format!("Invalid {variable}"),
                format!(
                    "The environment variable {variable} is {raw:?}, but it must be a whole \
                     number of attempts from 1 to {}, for example {variable}=3. Fix or unset it, \
                     or set `{}` in the provider block.",
                    max_max_retries() + 1,
                    MAX_RETRIES.name
                ),
            );
            None
        }
    }
}

fn retry_mode_from_env(r: &mut Reader, env: &dyn Fn(&str) -> Option<String>) -> RetryMode {
    let Some((variable, raw)) = RETRY_MODE.from_env(env) else {
        return RetryMode::default();
    };
    match RetryMode::parse(raw.trim()) {
        Some(mode) => mode,
        None => {
            r.error(
                AttributePath::root(RETRY_MODE.name),
                &format!("Invalid {variable}"),
                format!(
                    "The environment variable {variable} is {raw:?}, but this provider \
                     supports only \"standard\" and \"adaptive\", for example \
                     {variable}=standard. Fix or unset it, or set `{}` in the provider block.",
                    RETRY_MODE.name
                ),
            );
            RetryMode::default()
        }
    }
}

#[cfg(test)]
mod tests;
