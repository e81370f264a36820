//! AWS SDK clients built from [`ProviderSettings`].
//!
//! Everything here is resolved without network traffic: the region comes from the provider
//! block, the environment or the shared config files — never from the EC2 instance metadata
//! service, because a provider that silently asks 169.254.169.254 for its region hangs for
//! seconds off EC2 and can pick the wrong region on it. Credential providers are lazy; STS (for
//! `assume_role`) and IMDS (only as the last link of the default credential chain, when the user
//! configured no credentials at all) are contacted on the first AWS call, never at configure time.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{AppName, BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_types::os_shim_internal::{Env, Fs};
use aws_types::sdk_config::SharedHttpClient;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use tracing::level_filters::LevelFilter;

use super::config::arguments::{self, Argument};
use super::config::redact::Redactor;
use super::config::{Endpoints, ProviderSettings, RetryMode, may_hold_userinfo, without_userinfo};
use super::error::AwsError;
use tf_provider_framework::diag::{AttributePath, Diagnostic, Diagnostics};

// aws-config re-exports the profile-file types only through deprecated aliases (their new home,
// aws-runtime, is not a direct dependency); local aliases keep the allowance in one place.
#[allow(deprecated)]
type ProfileFiles = aws_config::profile::profile_file::ProfileFiles;
#[allow(deprecated)]
type ProfileFileKind = aws_config::profile::profile_file::ProfileFileKind;

/// SDK log targets and the most verbose level each may log at, whatever `TF_LOG` asks for. At
/// trace level the SDK prints whole requests and responses: the STS AssumeRole body with the
/// external ID and the temporary keys it returns, the SSO bearer token, the session token
/// header. Every SDK crate stops at debug; signing and the HTTP layer at info.
///
/// aws-config's credential providers say nothing at all. A shared-config role chain logs its
/// chain (info), each assume-role step (a debug span) and a failed step (warn) with the
/// providers' `Debug`, external ID included; provider chains and the STS-based providers log the
/// errors they return (a `credential_process` command's error output, an STS message repeating a
/// request value) at warn. Every one of those errors reaches the user anyway, once and redacted,
/// in the diagnostic of the operation that needed credentials (see [`SafeCredentials`]).
pub const SDK_LOG_CAPS: &[(&str, LevelFilter)] = &[
    ("aws_*", LevelFilter::DEBUG),
    ("aws_sigv4", LevelFilter::INFO),
    ("aws_smithy_runtime::client::http", LevelFilter::INFO),
    ("aws_smithy_http_client", LevelFilter::INFO),
    ("aws_config::profile::credentials", LevelFilter::OFF),
    ("aws_config::meta::credentials", LevelFilter::OFF),
    ("aws_config::sts", LevelFilter::OFF),
    ("aws_config::web_identity_token", LevelFilter::OFF),
];

/// Shown as the credentials' provider name in SDK debug logs, so users can tell block-supplied
/// keys from environment or profile ones.
const STATIC_CREDENTIALS_SOURCE: &str = "terraform-provider-awsassoc";
/// Added to the User-Agent so AWS-side request logs can attribute calls to this provider.
const APP_NAME: &str = "terraform-provider-awsassoc";

/// One client per service, configured one way.
#[derive(Clone)]
pub struct ServiceClients {
    pub ec2: aws_sdk_ec2::Client,
    pub networkmanager: aws_sdk_networkmanager::Client,
    pub workspaces: aws_sdk_workspaces::Client,
}

impl ServiceClients {
    fn build(config: &SdkConfig, endpoints: &Endpoints) -> Self {
        let mut ec2 = aws_sdk_ec2::config::Builder::from(config);
        if let Some(url) = &endpoints.ec2 {
            ec2 = ec2.endpoint_url(url);
        }
        let mut networkmanager = aws_sdk_networkmanager::config::Builder::from(config);
        if let Some(url) = &endpoints.networkmanager {
            networkmanager = networkmanager.endpoint_url(url);
        }
        let mut workspaces = aws_sdk_workspaces::config::Builder::from(config);
        if let Some(url) = &endpoints.workspaces {
            workspaces = workspaces.endpoint_url(url);
        }
        ServiceClients {
            ec2: aws_sdk_ec2::Client::from_conf(ec2.build()),
            networkmanager: aws_sdk_networkmanager::Client::from_conf(networkmanager.build()),
            workspaces: aws_sdk_workspaces::Client::from_conf(workspaces.build()),
        }
    }
}

/// The clients of one region: both bundles, built once and shared by every operation there.
#[derive(Clone)]
pub struct RegionClients {
    /// For refreshes, imports and DryRun checks: the SDK retries throttling and transient
    /// failures itself, each attempt bounded by `api_call_attempt_timeout` and the whole call by
    /// `api_call_timeout`.
    pub reads: ServiceClients,
    /// For status polls and mutations: exactly one attempt per call, bounded by
    /// `api_call_attempt_timeout`. The waiter engine decides what happens next, so a mutation
    /// whose answer was lost is looked up instead of being sent again by the SDK.
    pub single_attempt: ServiceClients,
}

impl RegionClients {
    fn build(reads: &SdkConfig, single_attempt: &SdkConfig, endpoints: &Endpoints) -> Self {
        RegionClients {
            reads: ServiceClients::build(reads, endpoints),
            single_attempt: ServiceClients::build(single_attempt, endpoints),
        }
    }
}

/// The clients every resource uses, configured once per ConfigureProvider: those of the
/// provider's region at once, those of any other region (a resource's own `region`) on first
/// use. Every region's clients come from the same resolved settings and share one credential
/// provider and cache, so an assumed role is assumed once whatever the region.
#[derive(Clone)]
pub struct AwsClients {
    /// The region resolved for the provider (block, environment or profile).
    region: Arc<str>,
    /// The SDK configurations of the two bundles, for the clients of further regions.
    reads_config: SdkConfig,
    single_attempt_config: SdkConfig,
    /// Every region's clients made so far, the provider's own included.
    by_region: Arc<std::sync::Mutex<std::collections::HashMap<String, Arc<RegionClients>>>>,
    pub settings: Arc<ProviderSettings>,
    /// The account the credentials belong to, asked of STS on first need (see
    /// [`AwsClients::account_id`]).
    account: Arc<AccountId>,
    /// Where the credentials come from, in words, for messages about credential failures.
    pub credential_source: Arc<str>,
    /// Every secret this configuration knows of (growing as temporary keys arrive), for text
    /// from outside the provider that is about to be shown or logged.
    pub redactor: Redactor,
}

impl fmt::Debug for AwsClients {
    // The SDK clients' own Debug output is long and adds nothing; the settings say what matters
    // (and redact their secrets).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsClients")
            .field("region", &self.region)
            .field("settings", &self.settings)
            .field("credential_source", &self.credential_source)
            .finish_non_exhaustive()
    }
}

impl AwsClients {
    /// Builds the shared SDK configuration and the clients. Fails, with the diagnostic on the
    /// attribute to fix, when no region can be found, a shared file is missing or the named
    /// profile does not exist.
    pub async fn from_settings(settings: ProviderSettings) -> Result<Self, Diagnostics> {
        Self::from_settings_in(settings, &Env::real(), &Fs::real()).await
    }

    /// [`Self::from_settings`] with the environment and file system used for region and
    /// profile resolution injected, so tests neither depend on nor mutate the process's.
    pub(crate) async fn from_settings_in(
        settings: ProviderSettings,
        env: &Env,
        fs: &Fs,
    ) -> Result<Self, Diagnostics> {
        let redactor = Redactor::new();
        let base = sdk_config(&settings, env, fs, &redactor).await?;
        let timeouts = |operation: Duration| {
            TimeoutConfig::builder()
                .connect_timeout(settings.attempt_timeout())
                .operation_attempt_timeout(settings.attempt_timeout())
                .operation_timeout(operation)
                .build()
        };
        let reads_config = base
            .to_builder()
            .retry_config(retry_config(&settings))
            .timeout_config(timeouts(settings.call_timeout()))
            .build();
        let single_attempt_config = base
            .to_builder()
            .retry_config(RetryConfig::disabled())
            .timeout_config(timeouts(settings.attempt_timeout()))
            .build();
        let region: Arc<str> = base.region().map_or("", |r| r.as_ref()).into();
        let home = RegionClients::build(&reads_config, &single_attempt_config, &settings.endpoints);
        let by_region = [(region.to_string(), Arc::new(home))].into_iter().collect();
        let mut sts = aws_sdk_sts::config::Builder::from(&reads_config);
        if let Some(url) = &settings.endpoints.sts {
            sts = sts.endpoint_url(url);
        }
        Ok(AwsClients {
            account: Arc::new(AccountId {
                sts: aws_sdk_sts::Client::from_conf(sts.build()),
                known: tokio::sync::OnceCell::new(),
            }),
            region,
            reads_config,
            single_attempt_config,
            by_region: Arc::new(std::sync::Mutex::new(by_region)),
            credential_source: credential_source(&settings, env).into(),
            settings: Arc::new(settings),
            redactor,
        })
    }

    /// The provider's region: where an object without a `region` of its own lives.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The clients of the provider's region.
    pub fn home(&self) -> Arc<RegionClients> {
        self.in_region(&self.region)
    }

    /// The clients of `region`, made on first use and shared from then on. Making them is
    /// local work (no network call): the region only changes where requests go and how they
    /// are signed.
    pub fn in_region(&self, region: &str) -> Arc<RegionClients> {
        let mut by_region = self
            .by_region
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        by_region
            .entry(region.to_owned())
            .or_insert_with(|| {
                tracing::debug!(region, "making the AWS clients of another region");
                let in_region = |config: &SdkConfig| {
                    config
                        .to_builder()
                        .region(Region::new(region.to_owned()))
                        .build()
                };
                Arc::new(RegionClients::build(
                    &in_region(&self.reads_config),
                    &in_region(&self.single_attempt_config),
                    &self.settings.endpoints,
                ))
            })
            .clone()
    }
}

impl AwsClients {
    /// The ID of the AWS account the credentials belong to, as STS `GetCallerIdentity` answers
    /// it: asked once per provider process, when an operation first needs it (a resource
    /// identity), and shared by the operations that need it at the same time. The call is
    /// bounded like every read (`api_call_timeout`); a failure is not remembered, so the next
    /// operation asks again.
    pub async fn account_id(&self) -> Result<String, AwsError> {
        const OPERATION: &str = "GetCallerIdentity";
        let limit = self.settings.call_timeout() + ACCOUNT_CALL_MARGIN;
        let account = self.account.known.get_or_try_init(|| async {
            let call = self.account.sts.get_caller_identity().send();
            let answer = tokio::time::timeout(limit, call)
                .await
                .map_err(|_| AwsError::no_answer(OPERATION, limit))?
                .map_err(|error| AwsError::from_sdk(OPERATION, error))?;
            answer
                .account()
                .filter(|account| !account.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| AwsError::missing(OPERATION, "Account"))
        });
        account.await.cloned()
    }
}

/// How long the account lookup may take beyond the SDK's own `api_call_timeout`, so the SDK's
/// limit is the one that normally applies.
const ACCOUNT_CALL_MARGIN: Duration = Duration::from_secs(1);

/// The STS client that answers who the credentials belong to, and its answer once known.
struct AccountId {
    sts: aws_sdk_sts::Client,
    known: tokio::sync::OnceCell<String>,
}

/// Checks the credential sources the environment names, the way the provider block's own are
/// checked: a shared file that exists but cannot be read, or an `AWS_PROFILE` that no file
/// defines, fails configure with its cause instead of surfacing on the first AWS call as "no
/// credentials found".
async fn check_environment_sources(
    settings: &ProviderSettings,
    profile_files: Option<&ProfileFiles>,
    env: &Env,
    fs: &Fs,
) -> Result<(), Diagnostics> {
    let from_env = |argument: &Argument| argument.from_env(&|name| env.get(name).ok());
    let mut diags = Diagnostics::new();
    let file_arguments = [
        (
            &arguments::SHARED_CONFIG_FILES,
            &settings.shared_config_files,
        ),
        (
            &arguments::SHARED_CREDENTIALS_FILES,
            &settings.shared_credentials_files,
        ),
    ];
    for (argument, from_block) in file_arguments {
        let Some((variable, raw)) = from_env(argument).filter(|_| from_block.is_empty()) else {
            continue;
        };
        let path = expand_home(&raw, env);
        // A missing file is normal (the SDK reads it as empty); an unreadable one is a mistake.
        if let Err(err) = fs.read_to_end(&path).await
            && err.kind() != std::io::ErrorKind::NotFound
        {
            diags.push(Diagnostic::error(
                "Cannot read shared AWS file",
                format!(
                    "Reading {} failed: {err}. The file is named by the {variable} environment \
                     variable; point it at a readable file or unset it.",
                    path.display()
                ),
            ));
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }

    let profile_from_env = !settings.has_static_credentials()
        && settings.profile.is_none()
        && from_env(&arguments::ACCESS_KEY).is_none();
    let Some((_, profile)) = from_env(&arguments::PROFILE).filter(|_| profile_from_env) else {
        return Ok(());
    };
    let default_files = ProfileFiles::default();
    let files = profile_files.unwrap_or(&default_files);
    let profiles = aws_config::profile::load(fs, env, files, None)
        .await
        .map_err(|err| {
            Diagnostics::from(Diagnostic::error(
                "Cannot load shared AWS config files",
                format!(
                    "{err}. The profile {profile:?} named by the AWS_PROFILE environment \
                     variable is read from them; fix the file's syntax."
                ),
            ))
        })?;
    if profiles.get_profile(&profile).is_none() {
        return Err(Diagnostic::error(
            "Profile not found",
            format!(
                "The profile {profile:?} named by the AWS_PROFILE environment variable is not \
                 defined in the shared config or credentials files ({}). Set AWS_PROFILE to an \
                 existing profile, unset it, or name one with `profile` in the provider block.",
                known_profiles(&profiles)
            ),
        )
        .into());
    }
    Ok(())
}

/// The profiles a set of shared files defines, for messages.
fn known_profiles(profiles: &aws_config::profile::ProfileSet) -> String {
    let mut known: Vec<&str> = profiles.profiles().collect();
    known.sort_unstable();
    if known.is_empty() {
        "none were found".to_owned()
    } else {
        format!("found: {}", known.join(", "))
    }
}

/// Names where credentials come from, the way a user would go and fix them.
fn credential_source(settings: &ProviderSettings, env: &Env) -> String {
    let from_env = |argument: &Argument| argument.from_env(&|name| env.get(name).ok());
    let base = if settings.has_static_credentials() {
        "the `access_key` and `secret_key` of the provider block".to_owned()
    } else if let Some(profile) = &settings.profile {
        format!("the profile {profile:?} named by `profile` in the provider block")
    } else if let Some((variable, _)) = from_env(&arguments::ACCESS_KEY) {
        format!("the {variable} environment variable and its secret key")
    } else if let Some((variable, profile)) = from_env(&arguments::PROFILE) {
        format!("the profile {profile:?} named by the {variable} environment variable")
    } else {
        "the default credential chain (the `default` profile of the shared files, web \
         identity, container or instance credentials)"
            .to_owned()
    };
    match &settings.assume_role {
        Some(role) => format!("{base}, assuming the role {}", role.role_arn),
        None => base,
    }
}

/// The configuration every client is built from: region, retries, profile files and the
/// credential provider (possibly wrapped in an assume-role provider), which is wrapped once more
/// so that no error it returns shows a secret. `redactor` learns every secret found on the way.
async fn sdk_config(
    settings: &ProviderSettings,
    env: &Env,
    fs: &Fs,
    redactor: &Redactor,
) -> Result<SdkConfig, Diagnostics> {
    let profile_files = custom_profile_files(settings, env, fs).await?;
    check_environment_sources(settings, profile_files.as_ref(), env, fs).await?;
    let region = resolve_region(settings, profile_files.as_ref(), env, fs).await?;
    let region = Region::new(region);
    let profiles = selected_profiles(settings, profile_files.as_ref(), env, fs).await;
    learn_secrets(redactor, settings, profiles.as_ref(), env);
    // Before the SDK reads them: it logs a URL it cannot parse, password and all.
    check_outside_endpoints(settings, profiles.as_ref(), env)?;

    let http_client = https_client();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client.clone())
        .region(region.clone())
        .retry_config(retry_config(settings));
    if let Ok(app_name) = AppName::new(APP_NAME) {
        loader = loader.app_name(app_name);
    }
    if let Some(files) = &profile_files {
        loader = loader.profile_files(files.clone());
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(credentials) =
        explicit_credentials(settings, profile_files.as_ref(), &region, env, &http_client)
    {
        loader = loader.credentials_provider(credentials);
    }
    // Otherwise aws-config's default chain applies: AWS_ACCESS_KEY_ID & co, then AWS_PROFILE /
    // the default profile, web identity, ECS, and only last the instance metadata service.
    let base = loader.load().await;
    check_service_endpoints(settings, base.service_config(), profiles.as_ref())?;

    let withhold_process_output = profiles
        .as_ref()
        .is_some_and(|profiles| any_profile_has(profiles, "credential_process"));
    let safe = |provider: SharedCredentialsProvider| {
        SharedCredentialsProvider::new(SafeCredentials {
            inner: provider,
            redactor: redactor.clone(),
            withhold_process_output,
        })
    };
    let Some(assume_role) = &settings.assume_role else {
        return Ok(match base.credentials_provider() {
            Some(provider) => base
                .into_builder()
                .credentials_provider(safe(provider))
                .build(),
            None => base,
        });
    };
    // STS gets its own endpoint (`endpoints.sts`), never the one meant for another service.
    let sts_config = match &settings.endpoints.sts {
        Some(url) => base.to_builder().endpoint_url(url).build(),
        None => base.clone(),
    };
    let mut builder = AssumeRoleProvider::builder(&assume_role.role_arn)
        .region(region)
        .configure(&sts_config);
    if let Some(name) = &assume_role.session_name {
        builder = builder.session_name(name);
    }
    if let Some(id) = &assume_role.external_id {
        builder = builder.external_id(id.expose());
    }
    if let Some(duration) = assume_role.duration {
        builder = builder.session_length(duration);
    }
    // `build` only prepares the STS request; AssumeRole is sent when a client first signs a call.
    let provider = builder.build().await;
    Ok(base
        .into_builder()
        .credentials_provider(safe(SharedCredentialsProvider::new(provider)))
        .build())
}

/// The shared files as the SDK will read them, with the profile it will select (the block's
/// `profile`, else `AWS_PROFILE`, else `default`). `None` when they cannot be parsed: that is
/// reported where the region and profile are resolved.
async fn selected_profiles(
    settings: &ProviderSettings,
    profile_files: Option<&ProfileFiles>,
    env: &Env,
    fs: &Fs,
) -> Option<aws_config::profile::ProfileSet> {
    let default_files = ProfileFiles::default();
    let files = profile_files.unwrap_or(&default_files);
    let selected = settings.profile.clone().map(Cow::Owned);
    aws_config::profile::load(fs, env, files, selected)
        .await
        .ok()
}

/// Keys of the shared files whose values are secrets.
const SECRET_PROFILE_KEYS: &[&str] = &["aws_secret_access_key", "aws_session_token", "external_id"];

/// Whether any profile of the shared files sets `key`.
fn any_profile_has(profiles: &aws_config::profile::ProfileSet, key: &str) -> bool {
    profiles
        .profiles()
        .filter_map(|name| profiles.get_profile(name))
        .any(|profile| profile.get(key).is_some())
}

/// Teaches `redactor` every secret the configuration holds: the block's, the environment's and
/// those of every profile in the shared files (a role chain may pass through any of them).
fn learn_secrets(
    redactor: &Redactor,
    settings: &ProviderSettings,
    profiles: Option<&aws_config::profile::ProfileSet>,
    env: &Env,
) {
    let block = [
        settings.secret_key.as_ref(),
        settings.token.as_ref(),
        settings
            .assume_role
            .as_ref()
            .and_then(|role| role.external_id.as_ref()),
    ];
    for secret in block.into_iter().flatten() {
        redactor.add(secret.expose());
    }
    for argument in [&arguments::SECRET_KEY, &arguments::TOKEN] {
        for variable in argument.env {
            if let Ok(value) = env.get(variable) {
                redactor.add(&value);
            }
        }
    }
    let Some(profiles) = profiles else { return };
    for profile in profiles
        .profiles()
        .filter_map(|name| profiles.get_profile(name))
    {
        for key in SECRET_PROFILE_KEYS {
            if let Some(value) = profile.get(key) {
                redactor.add(value);
            }
        }
        if let Some(command) = profile.get("credential_process") {
            redactor.add_command_arguments(command);
        }
    }
}

/// The services whose endpoint the SDK may take from the environment or the shared config: the
/// ones the provider calls, and the ones its credential providers call. `(service ID as the SDK
/// names it, the provider block's endpoint for it)`.
fn endpoint_services(settings: &ProviderSettings) -> [(&'static str, Option<&String>); 6] {
    let endpoints = &settings.endpoints;
    [
        ("EC2", endpoints.ec2.as_ref()),
        ("NetworkManager", endpoints.networkmanager.as_ref()),
        ("WorkSpaces", endpoints.workspaces.as_ref()),
        // A shared-config role chain calls STS at the endpoint the environment or the profile
        // name, whatever `endpoints.sts` says; so do the SSO credential providers.
        ("STS", None),
        ("SSO", None),
        ("SSO OIDC", None),
    ]
}

/// The SDK's environment variable for a service's endpoint (`AWS_ENDPOINT_URL_SSO_OIDC`).
fn endpoint_variable(service_id: &str) -> String {
    format!(
        "AWS_ENDPOINT_URL_{}",
        service_id.to_ascii_uppercase().replace(' ', "_")
    )
}

/// The refusal of an endpoint URL from outside the provider block that may carry a user name or
/// password. Not stripped like the block's own: the SDK reads these itself, for clients the
/// provider does not build, so the only way to keep the password out of its logs is to stop here.
fn endpoint_userinfo_refused(source: &str, url: &str) -> Diagnostics {
    Diagnostic::error(
        "Endpoint URL with user information",
        format!(
            "{source} is {:?}, which carries a user name or password (or an '@' after a '/', \
             '?' or '#'). AWS authenticates requests with signatures, and the AWS SDK would \
             keep the URL, password included, in its logs. Remove the user information, for \
             example \"http://127.0.0.1:4566\", or set the endpoint in the provider's \
             `endpoints` block instead.",
            without_userinfo(url)
        ),
    )
    .into()
}

/// Refuses endpoint URLs with user information in `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`
/// and the selected profile's `endpoint_url`, before the SDK reads any of them.
fn check_outside_endpoints(
    settings: &ProviderSettings,
    profiles: Option<&aws_config::profile::ProfileSet>,
    env: &Env,
) -> Result<(), Diagnostics> {
    let mut variables = vec!["AWS_ENDPOINT_URL".to_owned()];
    variables.extend(
        endpoint_services(settings)
            .into_iter()
            .filter(|(_, in_block)| in_block.is_none())
            .map(|(service, _)| endpoint_variable(service)),
    );
    for variable in variables {
        if let Ok(url) = env.get(&variable)
            && may_hold_userinfo(&url)
        {
            return Err(endpoint_userinfo_refused(
                &format!("The environment variable {variable}"),
                &url,
            ));
        }
    }
    if let Some(profiles) = profiles
        && let Some(url) = profiles.get("endpoint_url")
        && may_hold_userinfo(url)
    {
        return Err(endpoint_userinfo_refused(
            &format!(
                "The `endpoint_url` of the profile {:?} in the shared config",
                profiles.selected_profile()
            ),
            url,
        ));
    }
    Ok(())
}

/// Refuses, as [`check_outside_endpoints`] does, the endpoints the SDK resolves per service, with
/// its own precedence: the selected profile's `services` section included.
fn check_service_endpoints(
    settings: &ProviderSettings,
    service_config: Option<&dyn LoadServiceConfig>,
    profiles: Option<&aws_config::profile::ProfileSet>,
) -> Result<(), Diagnostics> {
    let Some(service_config) = service_config else {
        return Ok(());
    };
    for (service, in_block) in endpoint_services(settings) {
        if in_block.is_some() {
            continue;
        }
        let Ok(key) = ServiceConfigKey::builder()
            .service_id(service)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
        else {
            continue;
        };
        if let Some(url) = service_config.load_config(key)
            && may_hold_userinfo(&url)
        {
            let profile = profiles.map_or("default", |p| p.selected_profile());
            return Err(endpoint_userinfo_refused(
                &format!(
                    "The {service} endpoint that the `services` section of the profile \
                     {profile:?} names"
                ),
                &url,
            ));
        }
    }
    Ok(())
}

/// A credential provider whose errors show no secret. aws-config's providers put outside text
/// into their errors: a `credential_process` command's error output, STS's message (which may
/// repeat a request value), file contents; that text reaches the user's diagnostic and the SDK's
/// debug logs. Each error is rebuilt as the same kind of [`CredentialsError`] (the classes the
/// provider acts on are kept) around its text with every known secret redacted. The temporary
/// keys the inner provider hands out become known secrets too.
struct SafeCredentials {
    inner: SharedCredentialsProvider,
    redactor: Redactor,
    /// Whether a `credential_process` command may be behind `inner`: its error output is then
    /// withheld, since nobody knows what it prints.
    withhold_process_output: bool,
}

impl fmt::Debug for SafeCredentials {
    // The inner provider's Debug may show an external ID (aws-config's AssumeRoleProvider does).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SafeCredentials").finish_non_exhaustive()
    }
}

/// The redacted text of an error's causes, standing in for them.
#[derive(Debug)]
struct RedactedCause(String);

impl fmt::Display for RedactedCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RedactedCause {}

/// What aws-config puts before a `credential_process` command's error output in its message.
const PROCESS_OUTPUT_MARKER: &str = "Stderr:";

impl SafeCredentials {
    async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        match self.inner.provide_credentials().await {
            Ok(credentials) => {
                self.redactor.add(credentials.secret_access_key());
                if let Some(token) = credentials.session_token() {
                    self.redactor.add(token);
                }
                Ok(credentials)
            }
            Err(error) => Err(self.sanitize(error)),
        }
    }

    /// The same kind of error, with the text of its causes redacted.
    fn sanitize(&self, error: CredentialsError) -> CredentialsError {
        let cause = || RedactedCause(self.cause_text(&error));
        match &error {
            CredentialsError::CredentialsNotLoaded(_) => CredentialsError::not_loaded(cause()),
            CredentialsError::ProviderTimedOut(details) => {
                CredentialsError::provider_timed_out(details.timeout_duration())
            }
            CredentialsError::InvalidConfiguration(_) => {
                CredentialsError::invalid_configuration(cause())
            }
            CredentialsError::ProviderError(_) => CredentialsError::provider_error(cause()),
            _ => CredentialsError::unhandled(cause()),
        }
    }

    /// The error's causes, one after the other (a cause whose text the error or an earlier
    /// cause already says is left out), redacted; a command's error output is withheld.
    fn cause_text(&self, error: &CredentialsError) -> String {
        let own = error.to_string();
        let mut text = String::new();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let mut cause_text = cause.to_string();
            if self.withhold_process_output
                && let Some(at) = cause_text.find(PROCESS_OUTPUT_MARKER)
            {
                cause_text.truncate(at);
                cause_text.push_str(
                    "(the command's error output is not shown, as it may hold secrets: run the \
                     profile's credential_process command yourself to see it)",
                );
            }
            if !text.contains(&cause_text) && !own.contains(&cause_text) {
                if !text.is_empty() {
                    text.push_str(": ");
                }
                text.push_str(&cause_text);
            }
            source = cause.source();
        }
        self.redactor.redact(&text)
    }
}

impl ProvideCredentials for SafeCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.credentials())
    }
}

/// The HTTPS client of every SDK client and credential provider: rustls on ring, the crypto the
/// plugin host links anyway, so the binary carries one crypto library (the SDKs' default client
/// would add aws-lc), with the system's trusted roots.
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

fn retry_config(settings: &ProviderSettings) -> RetryConfig {
    let base = match settings.retry_mode {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    };
    base.with_max_attempts(settings.max_attempts())
}

/// Credentials the block pins down; `None` leaves the choice to aws-config's default chain.
fn explicit_credentials(
    settings: &ProviderSettings,
    profile_files: Option<&ProfileFiles>,
    region: &Region,
    env: &Env,
    http_client: &SharedHttpClient,
) -> Option<SharedCredentialsProvider> {
    if let (Some(access_key), Some(secret_key)) = (&settings.access_key, &settings.secret_key) {
        let credentials = Credentials::new(
            access_key,
            secret_key.expose(),
            settings.token.as_ref().map(|t| t.expose().to_owned()),
            None,
            STATIC_CREDENTIALS_SOURCE,
        );
        return Some(SharedCredentialsProvider::new(credentials));
    }
    let profile = settings.profile.as_ref()?;
    // As in hashicorp/aws, a profile named in the block beats keys in the environment: the user
    // asked for that identity explicitly, and the default chain would silently prefer the env.
    if let Some((variable, _)) = arguments::ACCESS_KEY.from_env(&|name| env.get(name).ok()) {
        tracing::warn!(
            profile = %profile,
            variable,
            "both `profile` and an access key variable are set; using the profile and ignoring \
             the environment credentials"
        );
    }
    let provider_config = ProviderConfig::without_region()
        .with_region(Some(region.clone()))
        .with_http_client(http_client.clone());
    let mut builder = ProfileFileCredentialsProvider::builder()
        .configure(&provider_config)
        .profile_name(profile);
    if let Some(files) = profile_files {
        builder = builder.profile_files(files.clone());
    }
    Some(SharedCredentialsProvider::new(builder.build()))
}

/// The profile files named in the block, replacing (per kind) the defaults. `None` when neither
/// list is set, so aws-config keeps honouring AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.
async fn custom_profile_files(
    settings: &ProviderSettings,
    env: &Env,
    fs: &Fs,
) -> Result<Option<ProfileFiles>, Diagnostics> {
    if settings.shared_config_files.is_empty() && settings.shared_credentials_files.is_empty() {
        return Ok(None);
    }
    let mut diags = Diagnostics::new();
    let mut builder = ProfileFiles::builder()
        .include_default_config_file(settings.shared_config_files.is_empty())
        .include_default_credentials_file(settings.shared_credentials_files.is_empty());
    let lists = [
        (
            arguments::SHARED_CONFIG_FILES.name,
            &settings.shared_config_files,
            ProfileFileKind::Config,
        ),
        (
            arguments::SHARED_CREDENTIALS_FILES.name,
            &settings.shared_credentials_files,
            ProfileFileKind::Credentials,
        ),
    ];
    for (attribute, paths, kind) in lists {
        for (index, raw) in paths.iter().enumerate() {
            // aws-config expands `~` only in its default paths, not in custom ones.
            let path = expand_home(raw, env);
            if let Err(err) = fs.read_to_end(&path).await {
                diags.push(
                    Diagnostic::error(
                        "Cannot read shared AWS file",
                        format!(
                            "Reading {} failed: {err}. List only existing files, for example \
                             \"~/.aws/config\" in `shared_config_files` or \
                             \"~/.aws/credentials\" in `shared_credentials_files`, or remove \
                             the argument to use the defaults.",
                            path.display()
                        ),
                    )
                    .at(AttributePath::root(attribute).index(index as i64)),
                );
            }
            builder = builder.with_file(kind, path);
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(Some(builder.build()))
    }
}

fn expand_home(path: &str, env: &Env) -> PathBuf {
    let rest = match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with(['/', '\\']) => rest,
        _ => return PathBuf::from(path),
    };
    let home = env
        .get("HOME")
        .or_else(|_| env.get("USERPROFILE"))
        .ok()
        .filter(|h| !h.is_empty());
    match home {
        Some(home) => {
            let mut expanded = PathBuf::from(home);
            let relative = rest.trim_start_matches(['/', '\\']);
            if !relative.is_empty() {
                expanded.push(relative);
            }
            expanded
        }
        None => PathBuf::from(path),
    }
}

/// Region from the block, then AWS_REGION / AWS_DEFAULT_REGION, then the selected profile —
/// deliberately not IMDS (see the module docs). Also checks that a profile named in the block
/// exists, since the profiles are loaded here anyway and a typo would otherwise only surface as
/// a credentials error on the first AWS call.
async fn resolve_region(
    settings: &ProviderSettings,
    profile_files: Option<&ProfileFiles>,
    env: &Env,
    fs: &Fs,
) -> Result<String, Diagnostics> {
    let region_path = AttributePath::root(arguments::REGION.name);
    let from_env = arguments::REGION.from_env(&|name| env.get(name).ok());

    let mut found = settings
        .region
        .clone()
        .map(|r| (Cow::Borrowed("the provider block"), r));
    if found.is_none() {
        found =
            from_env.map(|(name, v)| (Cow::Owned(format!("the environment variable {name}")), v));
    }

    if found.is_none() || settings.profile.is_some() {
        let default_files = ProfileFiles::default();
        let files = profile_files.unwrap_or(&default_files);
        let override_name = settings.profile.clone().map(Cow::Owned);
        let profiles = aws_config::profile::load(fs, env, files, override_name)
            .await
            .map_err(|err| {
                let mut d = Diagnostic::error(
                    "Cannot load shared AWS config files",
                    format!(
                        "{err}. Fix the file's syntax, or point `shared_config_files` / \
                         `shared_credentials_files` at valid files, for example \
                         [\"~/.aws/config\"]."
                    ),
                );
                if profile_files.is_some() {
                    d = d.at(AttributePath::root(arguments::SHARED_CONFIG_FILES.name));
                }
                Diagnostics::from(d)
            })?;
        let missing_profile = settings
            .profile
            .as_ref()
            .filter(|profile| profiles.get_profile(profile).is_none());
        if let Some(profile) = missing_profile {
            let known = known_profiles(&profiles);
            return Err(Diagnostic::error(
                "Profile not found",
                format!(
                    "The profile {profile:?} is not defined in the shared config or credentials \
                     files ({known}). Name an existing profile, for example \
                     `profile = \"default\"`, or point `shared_config_files` at the file that \
                     defines it."
                ),
            )
            .at(AttributePath::root(arguments::PROFILE.name))
            .into());
        }
        if found.is_none() {
            found = profiles.get("region").filter(|r| !r.is_empty()).map(|r| {
                let source = format!(
                    "the profile {:?} in the shared config",
                    profiles.selected_profile()
                );
                (Cow::Owned(source), r.to_owned())
            });
        }
    }

    let Some((source, region)) = found else {
        return Err(Diagnostic::error(
            "region is required",
            "No AWS region is configured. Set `region` in the provider block (for example \
             `region = \"us-east-1\"`), or the AWS_REGION environment variable, or `region` in \
             the selected profile of the shared config file. The provider does not ask the EC2.name \
             instance metadata service for a region.",
        )
        .at(region_path)
        .into());
    };
    // The block's value was already checked by `validate`; the other sources were not.
    if let Err(detail) = super::config::check_region(&region) {
        return Err(Diagnostic::error(
            "Invalid AWS region",
            format!("{detail} The value comes from {source}."),
        )
        .at(region_path)
        .into());
    }
    Ok(region)
}

#[cfg(test)]
mod tests {

    use aws_credential_types::provider::ProvideCredentials;
    use aws_smithy_types::retry::RetryMode as SdkRetryMode;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::aws::config::{AssumeRole, Endpoints};

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "FQoGZXIvYXdzEXAMPLETOKEN";

    /// Explicit region and static keys: the configuration the emulator tests use, which must
    /// never need IMDS, STS or any file.
    fn static_settings() -> ProviderSettings {
        ProviderSettings {
            region: Some("eu-central-2".into()),
            access_key: Some("AKIDEXAMPLE".into()),
            secret_key: Some(SECRET.into()),
            token: Some(TOKEN.into()),
            ..ProviderSettings::default()
        }
    }

    fn no_env() -> Env {
        Env::from_slice(&[])
    }

    fn no_files() -> Fs {
        Fs::from_slice(&[])
    }

    /// What the clients will sign with (the SDK clients do not expose their provider).
    async fn credentials_of(settings: &ProviderSettings, env: &Env, fs: &Fs) -> Credentials {
        let conf = sdk_config(settings, env, fs, &Redactor::new())
            .await
            .expect("sdk config");
        conf.credentials_provider()
            .expect("credentials provider")
            .provide_credentials()
            .await
            .expect("credentials resolve locally")
    }

    fn error_at(diags: &Diagnostics, path: AttributePath) -> &Diagnostic {
        assert!(diags.has_errors(), "{diags:#?}");
        diags
            .iter()
            .find(|d| d.attribute.as_ref() == Some(&path))
            .unwrap_or_else(|| panic!("no diagnostic at {path}: {diags:#?}"))
    }

    /// Accepts one HTTP request on loopback, answers it with `body`, and returns the request
    /// head, so a test can see exactly what the SDK sent and where.
    async fn one_shot_server(body: &'static str) -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let handle = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = socket.read(&mut buf).await.expect("read request");
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let length = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0usize);
                    if request.len() >= head_end + 4 + length || n == 0 {
                        break;
                    }
                } else if n == 0 {
                    break;
                }
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml;charset=UTF-8\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            socket
                .write_all(response.as_bytes())
                .await
                .expect("write response");
            String::from_utf8_lossy(&request).to_string()
        });
        (url, handle)
    }

    /// The account is asked of STS once: operations that need it at the same time share the
    /// one call, and later ones get the remembered answer (the loopback server answers exactly
    /// one request, and a second would find nobody listening).
    #[tokio::test]
    async fn the_account_is_asked_of_sts_once_and_shared() {
        let (url, server) = one_shot_server(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult><UserId>AIDA</UserId><Account>210987654321</Account>\
             <Arn>arn:aws:iam::210987654321:user/u</Arn></GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\
             </GetCallerIdentityResponse>",
        )
        .await;
        let settings = ProviderSettings {
            endpoints: Endpoints {
                sts: Some(url),
                ..Endpoints::default()
            },
            max_retries: Some(0),
            ..static_settings()
        };
        let clients = AwsClients::from_settings_in(settings, &no_env(), &no_files())
            .await
            .expect("clients build without network");
        let mut asked = tokio::task::JoinSet::new();
        for _ in 0..5 {
            let clients = clients.clone();
            asked.spawn(async move { clients.account_id().await });
        }
        let answers = tokio::time::timeout(Duration::from_secs(20), asked.join_all())
            .await
            .expect("the lookups complete");
        for answer in answers {
            assert_eq!(answer.ok().as_deref(), Some("210987654321"));
        }
        let request = server.await.expect("the server saw the request");
        assert!(request.contains("Action=GetCallerIdentity"), "{request}");
        assert_eq!(
            clients.account_id().await.ok().as_deref(),
            Some("210987654321")
        );
    }

    #[tokio::test]
    async fn static_keys_and_endpoint_override_reach_only_loopback() {
        let (url, server) = one_shot_server(
            "<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
             <requestId>r-1</requestId><regionInfo/></DescribeRegionsResponse>",
        )
        .await;
        let settings = ProviderSettings {
            endpoints: Endpoints {
                ec2: Some(url.clone()),
                networkmanager: Some("http://127.0.0.1:1".into()),
                sts: None,
                workspaces: Some("http://127.0.0.1:1".into()),
            },
            max_retries: Some(0),
            ..static_settings()
        };
        let clients = AwsClients::from_settings_in(settings, &no_env(), &no_files())
            .await
            .expect("clients build without network");

        let call = clients.home().reads.ec2.describe_regions().send();
        let output = tokio::time::timeout(Duration::from_secs(20), call)
            .await
            .expect("the call completes quickly")
            .expect("the loopback server answers");
        assert!(output.regions().is_empty());

        let request = server.await.expect("server task");
        assert!(request.starts_with("POST / HTTP/1.1"), "{request}");
        assert!(request.contains("Action=DescribeRegions"), "{request}");
        let lower = request.to_ascii_lowercase();
        assert!(
            lower.contains("/eu-central-2/ec2/aws4_request"),
            "signed for the region: {request}"
        );
        assert!(
            request.contains("Credential=AKIDEXAMPLE/"),
            "signed with the static key: {request}"
        );
        assert!(request.contains(TOKEN), "session token sent: {request}");
        assert!(!request.contains(SECRET), "the secret itself never travels");
    }

    /// The SDKs' HTTPS client runs rustls on ring (the release binary links no other crypto).
    /// Against a loopback TLS server whose certificate no root vouches for, the client must get
    /// through the key exchange to certificate verification and refuse the certificate there,
    /// with the alert that says so: TLS works, and trust is checked.
    #[tokio::test]
    async fn https_endpoints_are_spoken_to_over_tls_with_certificates_checked() {
        use rustls::AlertDescription;
        use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

        let key = rcgen::KeyPair::generate().expect("server key");
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .expect("certificate parameters")
            .self_signed(&key)
            .expect("self-signed certificate");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.expect("accept");
            acceptor.accept(socket).await.map(|_| ())
        });

        let settings = ProviderSettings {
            endpoints: Endpoints {
                ec2: Some(format!("https://127.0.0.1:{port}")),
                ..Endpoints::default()
            },
            ..static_settings()
        };
        let clients = AwsClients::from_settings_in(settings, &no_env(), &no_files())
            .await
            .expect("clients");
        let call = clients.home().single_attempt.ec2.describe_regions().send();
        let answer = tokio::time::timeout(Duration::from_secs(20), call)
            .await
            .expect("the call ends quickly");
        assert!(answer.is_err(), "an untrusted certificate was accepted");

        let refused = server
            .await
            .expect("server task")
            .expect_err("the client refuses the handshake");
        let alert = refused
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>())
            .cloned();
        assert_eq!(
            alert,
            Some(rustls::Error::AlertReceived(AlertDescription::UnknownCA)),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn clients_share_region_retries_and_static_credentials() {
        let settings = ProviderSettings {
            retry_mode: RetryMode::Adaptive,
            max_retries: Some(4),
            ..static_settings()
        };
        let clients = AwsClients::from_settings_in(settings, &no_env(), &no_files())
            .await
            .expect("clients");
        let home = clients.home();
        let conf = home.reads.workspaces.config();
        assert_eq!(conf.region().map(|r| r.as_ref()), Some("eu-central-2"));
        let retry = conf.retry_config().expect("retry config");
        assert_eq!(
            (retry.mode(), retry.max_attempts()),
            (SdkRetryMode::Adaptive, 5)
        );
        assert_eq!(
            clients
                .home()
                .reads
                .networkmanager
                .config()
                .retry_config()
                .map(|r| r.max_attempts()),
            Some(5)
        );
        let credentials = credentials_of(&static_settings(), &no_env(), &no_files()).await;
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.session_token(), Some(TOKEN));
        assert_eq!(clients.settings.region.as_deref(), Some("eu-central-2"));
    }

    #[tokio::test]
    async fn another_regions_clients_are_made_once_from_the_same_settings() {
        let clients = AwsClients::from_settings_in(static_settings(), &no_env(), &no_files())
            .await
            .expect("clients");
        assert_eq!(clients.region(), "eu-central-2");
        let west = clients.in_region("eu-west-1");
        assert!(
            Arc::ptr_eq(&west, &clients.in_region("eu-west-1")),
            "one client set per region, shared"
        );
        let region = |config: &aws_sdk_ec2::Config| config.region().map(|r| r.as_ref().to_owned());
        assert_eq!(
            region(west.reads.ec2.config()).as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            region(west.single_attempt.ec2.config()).as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            region(clients.home().reads.ec2.config()).as_deref(),
            Some("eu-central-2")
        );
        let attempts =
            |config: &aws_sdk_ec2::Config| config.retry_config().map(|r| r.max_attempts());
        assert_eq!(
            attempts(west.reads.ec2.config()),
            attempts(clients.home().reads.ec2.config())
        );
        assert_eq!(attempts(west.single_attempt.ec2.config()), Some(1));
    }

    #[tokio::test]
    async fn default_retries_are_twenty_five() {
        let clients = AwsClients::from_settings_in(static_settings(), &no_env(), &no_files())
            .await
            .expect("clients");
        let home = clients.home();
        let retry = home
            .reads
            .ec2
            .config()
            .retry_config()
            .cloned()
            .expect("retry config");
        assert_eq!(
            (retry.mode(), retry.max_attempts()),
            (SdkRetryMode::Standard, 26)
        );
    }

    #[tokio::test]
    async fn region_is_required_without_any_source() {
        let settings = ProviderSettings {
            region: None,
            ..static_settings()
        };
        let err = AwsClients::from_settings_in(settings, &no_env(), &no_files())
            .await
            .expect_err("no region anywhere");
        let d = error_at(&err, AttributePath::root("region"));
        assert_eq!(d.summary, "region is required");
        assert!(d.detail.contains("us-east-1"));
    }

    #[tokio::test]
    async fn region_falls_back_to_env_then_profile() {
        let settings = || ProviderSettings {
            region: None,
            ..static_settings()
        };
        let region_of = |clients: &AwsClients| {
            clients
                .home()
                .reads
                .ec2
                .config()
                .region()
                .map(|r| r.as_ref().to_owned())
        };

        let env = Env::from_slice(&[("AWS_DEFAULT_REGION", "ap-south-2")]);
        let clients = AwsClients::from_settings_in(settings(), &env, &no_files())
            .await
            .expect("ok");
        assert_eq!(region_of(&clients).as_deref(), Some("ap-south-2"));

        let env = Env::from_slice(&[
            ("AWS_DEFAULT_REGION", "ap-south-2"),
            ("AWS_REGION", "us-west-2"),
        ]);
        let clients = AwsClients::from_settings_in(settings(), &env, &no_files())
            .await
            .expect("ok");
        assert_eq!(region_of(&clients).as_deref(), Some("us-west-2"));

        // The block wins over the environment.
        let clients = AwsClients::from_settings_in(static_settings(), &env, &no_files())
            .await
            .expect("ok");
        assert_eq!(region_of(&clients).as_deref(), Some("eu-central-2"));

        let files = Fs::from_slice(&[(
            "/cfg/aws",
            "[default]\nregion = sa-east-1\n[profile ci]\nregion = ca-west-1\n",
        )]);
        let from_files = ProviderSettings {
            shared_config_files: vec!["/cfg/aws".into()],
            ..settings()
        };
        let clients = AwsClients::from_settings_in(from_files.clone(), &no_env(), &files)
            .await
            .expect("ok");
        assert_eq!(region_of(&clients).as_deref(), Some("sa-east-1"));

        let with_profile = ProviderSettings {
            profile: Some("ci".into()),
            access_key: None,
            secret_key: None,
            token: None,
            ..from_files
        };
        let clients = AwsClients::from_settings_in(with_profile, &no_env(), &files)
            .await
            .expect("ok");
        assert_eq!(region_of(&clients).as_deref(), Some("ca-west-1"));
    }

    #[tokio::test]
    async fn regions_from_outside_the_block_are_validated() {
        let settings = ProviderSettings {
            region: None,
            ..static_settings()
        };
        let env = Env::from_slice(&[("AWS_REGION", "US-EAST-1")]);
        let err = AwsClients::from_settings_in(settings, &env, &no_files())
            .await
            .expect_err("bad env region");
        let d = error_at(&err, AttributePath::root("region"));
        assert!(d.detail.contains("AWS_REGION"), "{}", d.detail);
    }

    #[tokio::test]
    async fn unknown_profile_and_missing_files_are_reported() {
        let files = Fs::from_slice(&[("/cfg/aws", "[profile other]\nregion = us-east-1\n")]);
        let settings = ProviderSettings {
            profile: Some("typo".into()),
            access_key: None,
            secret_key: None,
            token: None,
            shared_config_files: vec!["/cfg/aws".into()],
            ..static_settings()
        };
        let err = AwsClients::from_settings_in(settings.clone(), &no_env(), &files)
            .await
            .expect_err("unknown profile");
        let d = error_at(&err, AttributePath::root("profile"));
        assert!(
            d.detail.contains("\"typo\"") && d.detail.contains("other"),
            "{}",
            d.detail
        );

        let missing = ProviderSettings {
            shared_credentials_files: vec!["/cfg/nope".into()],
            ..settings
        };
        let err = AwsClients::from_settings_in(missing, &no_env(), &files)
            .await
            .expect_err("missing file");
        let d = error_at(
            &err,
            AttributePath::root("shared_credentials_files").index(0),
        );
        assert!(d.detail.contains("/cfg/nope"), "{}", d.detail);
    }

    #[tokio::test]
    async fn profile_credentials_come_from_the_named_profile() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("credentials");
        std::fs::write(
            &path,
            "[ci]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n",
        )
        .expect("write credentials file");
        let config_path = dir.path().join("config");
        std::fs::write(&config_path, "[profile ci]\nregion = eu-west-3\n").expect("write config");
        let settings = ProviderSettings {
            region: None,
            profile: Some("ci".into()),
            access_key: None,
            secret_key: None,
            token: None,
            shared_config_files: vec![config_path.display().to_string()],
            shared_credentials_files: vec![path.display().to_string()],
            ..static_settings()
        };
        let clients = AwsClients::from_settings_in(settings, &no_env(), &Fs::real())
            .await
            .expect("clients");
        assert_eq!(
            clients
                .home()
                .reads
                .ec2
                .config()
                .region()
                .map(|r| r.as_ref()),
            Some("eu-west-3")
        );
        let credentials = credentials_of(&clients.settings, &no_env(), &Fs::real()).await;
        assert_eq!(credentials.access_key_id(), "AKIDPROFILE");
    }

    #[tokio::test]
    async fn assume_role_is_prepared_without_calling_sts() {
        let settings = ProviderSettings {
            assume_role: Some(AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/deploy".into(),
                session_name: Some("terraform".into()),
                external_id: Some("EXTERNAL-SECRET-42".into()),
                duration: Some(Duration::from_secs(3600)),
            }),
            ..static_settings()
        };
        // No STS endpoint exists here; a call would hang or fail, so success proves laziness.
        let clients = tokio::time::timeout(
            Duration::from_secs(10),
            AwsClients::from_settings_in(settings, &no_env(), &no_files()),
        )
        .await
        .expect("configure does not wait on the network")
        .expect("clients");
        let conf = sdk_config(&clients.settings, &no_env(), &no_files(), &Redactor::new())
            .await
            .expect("config");
        let provider = conf.credentials_provider().expect("credentials provider");
        // The SDK's own Debug of the prepared STS request shows the external ID; the provider
        // the clients sign with does not.
        let provider_debug = format!("{provider:?}");
        assert!(
            provider_debug.contains("SafeCredentials"),
            "{provider_debug}"
        );
        assert!(
            !provider_debug.contains("EXTERNAL-SECRET-42"),
            "{provider_debug}"
        );
        assert!(clients.redactor.reveals("EXTERNAL-SECRET-42"));
        let debug = format!("{clients:?}");
        for secret in [SECRET, TOKEN, "EXTERNAL-SECRET-42"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("arn:aws:iam::123456789012:role/deploy"));
    }

    /// A credential provider that fails with `error` (built anew on each call) or succeeds with
    /// fixed temporary keys.
    #[derive(Debug)]
    struct Scripted(fn() -> Result<Credentials, CredentialsError>);

    impl ProvideCredentials for Scripted {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            future::ProvideCredentials::ready((self.0)())
        }
    }

    fn safe(
        script: fn() -> Result<Credentials, CredentialsError>,
        redactor: &Redactor,
        withhold_process_output: bool,
    ) -> SafeCredentials {
        SafeCredentials {
            inner: SharedCredentialsProvider::new(Scripted(script)),
            redactor: redactor.clone(),
            withhold_process_output,
        }
    }

    /// The full text error.rs shows for a credentials error: the error and all its causes.
    fn chain_text(error: &CredentialsError) -> String {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    #[tokio::test]
    async fn credential_errors_keep_their_kind_and_lose_their_secrets() {
        let redactor = Redactor::new();
        redactor.add("EXTERNAL-SECRET-42");
        let provider = safe(
            || {
                Err(CredentialsError::provider_error(
                    CredentialsError::provider_error(
                        "AccessDenied: value 'EXTERNAL-SECRET-42' at 'externalId' is not allowed",
                    ),
                ))
            },
            &redactor,
            false,
        );
        let error = provider.provide_credentials().await.expect_err("fails");
        assert!(
            matches!(error, CredentialsError::ProviderError(_)),
            "{error:?}"
        );
        let text = chain_text(&error);
        assert!(!text.contains("EXTERNAL-SECRET-42"), "{text}");
        assert!(
            text.contains("AccessDenied: value '***' at 'externalId'"),
            "{text}"
        );
        assert_eq!(
            text.matches("an error occurred while loading credentials")
                .count(),
            1,
            "said once: {text}"
        );
        assert!(!format!("{error:?}").contains("EXTERNAL-SECRET-42"));

        let not_loaded = safe(
            || {
                Err(CredentialsError::not_loaded(
                    "no profile EXTERNAL-SECRET-42",
                ))
            },
            &redactor,
            false,
        );
        let error = not_loaded.provide_credentials().await.expect_err("fails");
        assert!(matches!(error, CredentialsError::CredentialsNotLoaded(_)));
        assert!(!chain_text(&error).contains("EXTERNAL-SECRET-42"));

        let invalid = safe(
            || Err(CredentialsError::invalid_configuration("bad")),
            &redactor,
            false,
        );
        let error = invalid.provide_credentials().await.expect_err("fails");
        assert!(matches!(error, CredentialsError::InvalidConfiguration(_)));

        let timed_out = safe(
            || Err(CredentialsError::provider_timed_out(Duration::from_secs(5))),
            &redactor,
            false,
        );
        let error = timed_out.provide_credentials().await.expect_err("fails");
        assert!(matches!(error, CredentialsError::ProviderTimedOut(_)));
    }

    /// Nobody knows what a credential_process command prints when it fails: its error output
    /// is withheld, while the rest of the message (the exit code) stays.
    #[tokio::test]
    async fn a_credential_process_commands_error_output_is_withheld() {
        let provider = safe(
            || {
                Err(CredentialsError::provider_error(
                    "Error retrieving credentials: external process exited with code \
                     exit status: 1. Stderr: session token UNKNOWN-TOKEN-7 expired",
                ))
            },
            &Redactor::new(),
            true,
        );
        let text = chain_text(&provider.provide_credentials().await.expect_err("fails"));
        assert!(!text.contains("UNKNOWN-TOKEN-7"), "{text}");
        assert!(text.contains("exit status: 1"), "{text}");
        assert!(
            text.contains("credential_process command yourself"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn temporary_keys_handed_out_become_known_secrets() {
        let redactor = Redactor::new();
        let provider = safe(
            || {
                Ok(Credentials::new(
                    "ASIATEMPORARY",
                    "temporary-secret-key",
                    Some("temporary-session-token".to_owned()),
                    None,
                    "test",
                ))
            },
            &redactor,
            false,
        );
        let credentials = provider.provide_credentials().await.expect("credentials");
        assert_eq!(credentials.access_key_id(), "ASIATEMPORARY");
        assert!(redactor.reveals("temporary-secret-key"));
        assert!(redactor.reveals("temporary-session-token"));
    }

    #[tokio::test]
    async fn the_shared_files_secrets_are_learned() {
        let files = Fs::from_slice(&[
            (
                "/cfg/config",
                "[profile chain]\nrole_arn = arn:aws:iam::123456789012:role/x\n\
                 external_id = profile-external-id\nsource_profile = base\n\
                 [profile proc]\ncredential_process = /bin/helper --token=cp-token-9\n",
            ),
            (
                "/cfg/credentials",
                "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n\
                 aws_session_token = base-token\n",
            ),
        ]);
        let settings = ProviderSettings {
            shared_config_files: vec!["/cfg/config".into()],
            shared_credentials_files: vec!["/cfg/credentials".into()],
            ..static_settings()
        };
        let env = Env::from_slice(&[("AWS_SECRET_ACCESS_KEY", "env-secret-key")]);
        let redactor = Redactor::new();
        let profile_files = custom_profile_files(&settings, &env, &files)
            .await
            .expect("files");
        let profiles = selected_profiles(&settings, profile_files.as_ref(), &env, &files).await;
        assert!(profiles.is_some());
        learn_secrets(&redactor, &settings, profiles.as_ref(), &env);
        for secret in [
            SECRET,
            TOKEN,
            "env-secret-key",
            "profile-external-id",
            "cp-token-9",
            "base-secret",
            "base-token",
        ] {
            assert!(redactor.reveals(secret), "{secret}");
        }
        assert!(!redactor.reveals("AKIDBASE"), "key IDs are not secrets");
        assert!(profiles.is_some_and(|p| any_profile_has(&p, "credential_process")));
    }

    #[test]
    fn endpoints_with_user_information_from_the_environment_are_refused_unshown() {
        const URL: &str = "http://admin:Kq7Z#Vw3P?Jd8X/Hn2@127.0.0.1:4566";
        let refused = |env: &Env, settings: &ProviderSettings| {
            check_outside_endpoints(settings, None, env)
                .expect_err("refused")
                .iter()
                .map(|d| format!("{} {}", d.summary, d.detail))
                .collect::<String>()
        };
        for variable in [
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL_SSO_OIDC",
        ] {
            let env = Env::from_slice(&[(variable, URL)]);
            let text = refused(&env, &static_settings());
            assert!(text.contains(variable), "{text}");
            for piece in ["admin", "Kq7Z", "Vw3P", "Jd8X", "Hn2"] {
                assert!(!text.contains(piece), "{text}");
            }
            assert!(text.contains("***@127.0.0.1:4566"), "{text}");
        }
        // A service whose endpoint the block sets never reads its variable.
        let env = Env::from_slice(&[("AWS_ENDPOINT_URL_EC2", URL)]);
        let with_ec2 = ProviderSettings {
            endpoints: Endpoints {
                ec2: Some("http://127.0.0.1:1".into()),
                ..Endpoints::default()
            },
            ..static_settings()
        };
        assert!(check_outside_endpoints(&with_ec2, None, &env).is_ok());
        assert!(refused(&env, &static_settings()).contains("AWS_ENDPOINT_URL_EC2"));
        let plain = Env::from_slice(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")]);
        assert!(check_outside_endpoints(&static_settings(), None, &plain).is_ok());
    }

    #[tokio::test]
    async fn endpoints_with_user_information_from_the_shared_config_are_refused_unshown() {
        let files = Fs::from_slice(&[(
            "/cfg/config",
            "[profile ci]\nendpoint_url = http://admin:Kq7Z#Vw3P@127.0.0.1:4566\n",
        )]);
        let settings = ProviderSettings {
            profile: Some("ci".into()),
            access_key: None,
            secret_key: None,
            token: None,
            shared_config_files: vec!["/cfg/config".into()],
            ..static_settings()
        };
        let profile_files = custom_profile_files(&settings, &no_env(), &files)
            .await
            .expect("files");
        let profiles =
            selected_profiles(&settings, profile_files.as_ref(), &no_env(), &files).await;
        let error =
            check_outside_endpoints(&settings, profiles.as_ref(), &no_env()).expect_err("refused");
        let d = error.iter().next().expect("a diagnostic");
        assert!(d.detail.contains("\"ci\""), "{}", d.detail);
        assert!(
            !d.detail.contains("Kq7Z") && !d.detail.contains("admin"),
            "{}",
            d.detail
        );

        /// What the SDK resolves per service from a profile's `services` section.
        #[derive(Debug)]
        struct Services;
        impl LoadServiceConfig for Services {
            fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
                (key.service_id() == "STS").then(|| "https://user:Kq7Z/Vw3P@sts.example".to_owned())
            }
        }
        let error = check_service_endpoints(&settings, Some(&Services), profiles.as_ref())
            .expect_err("refused");
        let d = error.iter().next().expect("a diagnostic");
        assert!(
            d.detail.contains("STS") && d.detail.contains("services"),
            "{}",
            d.detail
        );
        assert!(
            !d.detail.contains("Kq7Z") && !d.detail.contains("Vw3P"),
            "{}",
            d.detail
        );
    }

    /// Through the SDK's real profile chain: a credential_process command that fails prints a
    /// token on its error output and has a secret argument; neither reaches the error.
    #[tokio::test]
    async fn a_failing_credential_process_shows_neither_its_arguments_nor_its_output() {
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("helper.sh");
        std::fs::write(
            &script,
            "echo \"login failed for token SECRET-OUTPUT-55 with $1\" >&2\nexit 3\n",
        )
        .expect("script");
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            format!(
                "[profile proc]\ncredential_process = /bin/sh {} SECRET-ARGUMENT-77\n",
                script.display()
            ),
        )
        .expect("config");
        let settings = ProviderSettings {
            profile: Some("proc".into()),
            access_key: None,
            secret_key: None,
            token: None,
            shared_config_files: vec![config.display().to_string()],
            shared_credentials_files: vec![config.display().to_string()],
            ..static_settings()
        };
        let conf = sdk_config(&settings, &no_env(), &Fs::real(), &Redactor::new())
            .await
            .expect("config");
        let error = conf
            .credentials_provider()
            .expect("credentials provider")
            .provide_credentials()
            .await
            .expect_err("the command fails");
        let text = chain_text(&error);
        assert!(text.contains("exit status: 3"), "the command ran: {text}");
        assert!(!text.contains("SECRET-OUTPUT-55"), "{text}");
        assert!(!text.contains("SECRET-ARGUMENT-77"), "{text}");
    }

    #[test]
    fn home_expansion() {
        let env = Env::from_slice(&[("HOME", "/home/tf")]);
        assert_eq!(
            expand_home("~/.aws/config", &env),
            PathBuf::from("/home/tf/.aws/config")
        );
        assert_eq!(expand_home("~", &env), PathBuf::from("/home/tf"));
        assert_eq!(expand_home("~other/x", &env), PathBuf::from("~other/x"));
        assert_eq!(expand_home("/abs/x", &env), PathBuf::from("/abs/x"));
        assert_eq!(expand_home("~/x", &no_env()), PathBuf::from("~/x"));
    }
}
