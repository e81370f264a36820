//! Which identity the provider acts as, decided once from the block and the environment; the
//! credential provider the clients sign with; and the secrets the configuration holds, so that
//! no text from outside the provider shows one.
//!
//! Credential providers are lazy: STS (for `assume_role`) and the instance metadata service
//! (only as the last link of the default chain, when the user configured no credentials at all)
//! are contacted on the first AWS call, never at configure time.

use std::fmt;

use aws_config::profile::{ProfileFileCredentialsProvider, ProfileSet};
use aws_config::provider_config::ProviderConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_types::sdk_config::SharedHttpClient;
use tf_provider_framework::diag::{Diagnostic, Diagnostics};

use super::environment::Environment;
use super::shared_files::{self, ProfileFiles};
use crate::aws::config::arguments::{ACCESS_KEY, PROFILE, SECRET_KEY, TOKEN};
use crate::aws::config::redact::Redactor;
use crate::aws::config::{AssumeRole, ProviderSettings};

/// Shown as the credentials' provider name in SDK debug logs, so users can tell block-supplied
/// keys from environment or profile ones.
const STATIC_CREDENTIALS_SOURCE: &str = "terraform-provider-awsassoc";

/// Where the credentials come from, in the one precedence of hashicorp/aws: the block's keys,
/// the block's profile, the environment's keys, the environment's profile, else aws-config's
/// default chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// `access_key` and `secret_key` in the block.
    BlockKeys,
    /// `profile` in the block.
    BlockProfile(String),
    /// An access key variable (with its secret key) in the environment.
    EnvironmentKeys { variable: &'static str },
    /// A profile named by an environment variable.
    EnvironmentProfile {
        variable: &'static str,
        profile: String,
    },
    /// aws-config's default chain: the `default` profile, web identity, container or instance
    /// credentials.
    DefaultChain,
}

impl CredentialSource {
    /// The source the block and the environment select.
    pub fn select(settings: &ProviderSettings, env: &Environment) -> Self {
        if settings.has_static_credentials() {
            CredentialSource::BlockKeys
        } else if let Some(profile) = &settings.profile {
            // As in hashicorp/aws, a profile named in the block beats keys in the environment:
            // the user asked for that identity explicitly, and the default chain would silently
            // prefer the env (see `warn_of_ignored_environment_keys`).
            CredentialSource::BlockProfile(profile.clone())
        } else if let Some((variable, _)) = env.argument(&ACCESS_KEY) {
            CredentialSource::EnvironmentKeys { variable }
        } else if let Some((variable, profile)) = env.argument(&PROFILE) {
            CredentialSource::EnvironmentProfile { variable, profile }
        } else {
            CredentialSource::DefaultChain
        }
    }
}

impl fmt::Display for CredentialSource {
    /// Names where credentials come from, the way a user would go and fix them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::BlockKeys => {
                f.write_str("the `access_key` and `secret_key` of the provider block")
            }
            CredentialSource::BlockProfile(profile) => write!(
                f,
                "the profile {profile:?} named by `profile` in the provider block"
            ),
            CredentialSource::EnvironmentKeys { variable } => {
                write!(f, "the {variable} environment variable and its secret key")
            }
            CredentialSource::EnvironmentProfile { variable, profile } => write!(
                f,
                "the profile {profile:?} named by the {variable} environment variable"
            ),
            CredentialSource::DefaultChain => f.write_str(
                "the default credential chain (the `default` profile of the shared files, web \
                 identity, container or instance credentials)",
            ),
        }
    }
}

/// Logs that the environment's keys are ignored because the block names a profile, so a user who
/// expected them sees why they are not used.
pub fn warn_of_ignored_environment_keys(source: &CredentialSource, env: &Environment) {
    if let CredentialSource::BlockProfile(profile) = source
        && let Some((variable, _)) = env.argument(&ACCESS_KEY)
    {
        tracing::warn!(
            profile = %profile,
            variable,
            "both `profile` and an access key variable are set; using the profile and ignoring \
             the environment credentials"
        );
    }
}

/// Where credentials come from, the role assumed with them included, for messages about
/// credential failures.
pub fn describe(source: &CredentialSource, assume_role: Option<&AssumeRole>) -> String {
    match assume_role {
        Some(role) => format!("{source}, assuming the role {}", role.role_arn),
        None => source.to_string(),
    }
}

/// Checks that a profile the environment names exists, the way the block's own is checked: an
/// `AWS_PROFILE` that no file defines fails configure with its cause instead of surfacing on
/// the first AWS call as "no credentials found".
pub async fn check_environment_profile(
    source: &CredentialSource,
    profile_files: Option<&ProfileFiles>,
    env: &Environment,
) -> Result<(), Diagnostics> {
    let CredentialSource::EnvironmentProfile { profile, .. } = source else {
        return Ok(());
    };
    let profiles = shared_files::load(profile_files, None, env)
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
    if profiles.get_profile(profile).is_none() {
        return Err(Diagnostic::error(
            "Profile not found",
            format!(
                "The profile {profile:?} named by the AWS_PROFILE environment variable is not \
                 defined in the shared config or credentials files ({}). Set AWS_PROFILE to an \
                 existing profile, unset it, or name one with `profile` in the provider block.",
                shared_files::known_profiles(&profiles)
            ),
        )
        .into());
    }
    Ok(())
}

/// The credentials the source pins down; `None` leaves the choice to aws-config's default
/// chain (which reads the environment's keys and profile itself).
pub fn explicit_provider(
    source: &CredentialSource,
    settings: &ProviderSettings,
    profile_files: Option<&ProfileFiles>,
    region: &Region,
    http_client: &SharedHttpClient,
) -> Option<SharedCredentialsProvider> {
    match source {
        CredentialSource::BlockKeys => {
            let (access_key, secret_key) =
                (settings.access_key.as_ref()?, settings.secret_key.as_ref()?);
            let credentials = Credentials::new(
                access_key,
                secret_key.expose(),
                settings.token.as_ref().map(|t| t.expose().to_owned()),
                None,
                STATIC_CREDENTIALS_SOURCE,
            );
            Some(SharedCredentialsProvider::new(credentials))
        }
        CredentialSource::BlockProfile(profile) => {
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
        CredentialSource::EnvironmentKeys { .. }
        | CredentialSource::EnvironmentProfile { .. }
        | CredentialSource::DefaultChain => None,
    }
}

/// The provider that assumes `role` with the credentials of `base` (the configuration before
/// the role). STS gets its own endpoint (`endpoints.sts`), never the one meant for another
/// service. Building only prepares the STS request; AssumeRole is sent when a client first
/// signs a call.
pub async fn assume_role(
    role: &AssumeRole,
    region: Region,
    base: &SdkConfig,
    sts_endpoint: Option<&String>,
) -> SharedCredentialsProvider {
    let sts_config = match sts_endpoint {
        Some(url) => base.to_builder().endpoint_url(url).build(),
        None => base.clone(),
    };
    let mut builder = AssumeRoleProvider::builder(&role.role_arn)
        .region(region)
        .configure(&sts_config);
    if let Some(name) = &role.session_name {
        builder = builder.session_name(name);
    }
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id.expose());
    }
    if let Some(duration) = role.duration {
        builder = builder.session_length(duration);
    }
    SharedCredentialsProvider::new(builder.build().await)
}

/// Wraps `provider` so that no error it returns shows a secret `redactor` knows; a
/// `credential_process` command's error output is withheld when any profile of `profiles`
/// runs one.
pub fn safe(
    provider: SharedCredentialsProvider,
    redactor: &Redactor,
    profiles: Option<&ProfileSet>,
) -> SharedCredentialsProvider {
    let withhold_process_output = profiles
        .is_some_and(|profiles| shared_files::any_profile_has(profiles, CREDENTIAL_PROCESS));
    SharedCredentialsProvider::new(SafeCredentials {
        inner: provider,
        redactor: redactor.clone(),
        withhold_process_output,
    })
}

/// The shared-config key of a command that prints credentials.
const CREDENTIAL_PROCESS: &str = "credential_process";

/// Keys of the shared files whose values are secrets.
const SECRET_PROFILE_KEYS: &[&str] = &["aws_secret_access_key", "aws_session_token", "external_id"];

/// Teaches `redactor` every secret the configuration holds: the block's, the environment's and
/// those of every profile in the shared files (a role chain may pass through any of them).
pub fn learn_secrets(
    redactor: &Redactor,
    settings: &ProviderSettings,
    profiles: Option<&ProfileSet>,
    env: &Environment,
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
    for argument in [&SECRET_KEY, &TOKEN] {
        for variable in argument.env {
            if let Some(value) = env.var(variable) {
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
        if let Some(command) = profile.get(CREDENTIAL_PROCESS) {
            redactor.add_command_arguments(command);
        }
    }
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

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Duration;

    use aws_types::os_shim_internal::{Env, Fs};

    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "FQoGZXIvYXdzEXAMPLETOKEN";

    #[test]
    fn each_source_is_named_the_way_a_user_would_fix_it() {
        let env =
            |vars: &[(&str, &str)]| Environment::new(Env::from_slice(vars), Fs::from_slice(&[]));
        let keys = ProviderSettings {
            access_key: Some("AKIDEXAMPLE".into()),
            secret_key: Some(SECRET.into()),
            ..ProviderSettings::default()
        };
        let profile = ProviderSettings {
            profile: Some("ci".into()),
            ..ProviderSettings::default()
        };
        let both = [("AWS_ACCESS_KEY_ID", "AKIDENV"), ("AWS_PROFILE", "envp")];
        let cases = [
            (
                &keys,
                &both[..],
                "the `access_key` and `secret_key` of the provider block",
            ),
            (
                &profile,
                &both[..],
                "the profile \"ci\" named by `profile` in the provider block",
            ),
            (
                &ProviderSettings::default(),
                &both[..],
                "the AWS_ACCESS_KEY_ID environment variable and its secret key",
            ),
            (
                &ProviderSettings::default(),
                &both[1..],
                "the profile \"envp\" named by the AWS_PROFILE environment variable",
            ),
            (
                &ProviderSettings::default(),
                &[][..],
                "the default credential chain (the `default` profile of the shared files, web \
                 identity, container or instance credentials)",
            ),
        ];
        for (settings, vars, expected) in cases {
            let source = CredentialSource::select(settings, &env(vars));
            assert_eq!(describe(&source, None), expected);
        }
        let role = AssumeRole {
            role_arn: "arn:aws:iam::123456789012:role/deploy".into(),
            session_name: None,
            external_id: None,
            duration: None,
        };
        assert_eq!(
            describe(&CredentialSource::BlockKeys, Some(&role)),
            "the `access_key` and `secret_key` of the provider block, assuming the role \
             arn:aws:iam::123456789012:role/deploy"
        );
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
    pub(crate) fn chain_text(error: &CredentialsError) -> String {
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
        let files = [
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
        ];
        let settings = ProviderSettings {
            shared_config_files: vec!["/cfg/config".into()],
            shared_credentials_files: vec!["/cfg/credentials".into()],
            access_key: Some("AKIDEXAMPLE".into()),
            secret_key: Some(SECRET.into()),
            token: Some(TOKEN.into()),
            ..ProviderSettings::default()
        };
        let env = Environment::new(
            Env::from_slice(&[("AWS_SECRET_ACCESS_KEY", "env-secret-key")]),
            Fs::from_slice(&files),
        );
        let redactor = Redactor::new();
        let profile_files = shared_files::custom_profile_files(&settings, &env)
            .await
            .expect("files");
        let profiles = shared_files::load(profile_files.as_ref(), None, &env)
            .await
            .ok();
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
        assert!(profiles.is_some_and(|p| shared_files::any_profile_has(&p, CREDENTIAL_PROCESS)));
    }
}
