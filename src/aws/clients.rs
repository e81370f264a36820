//! AWS SDK clients built from [`ResolvedSettings`]: nothing is decided here (the region, the
//! retry policy and the credentials were resolved once by [`super::settings`]); this module only
//! turns those values into SDK configurations and clients, without network traffic.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{AppName, BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_types::sdk_config::SharedHttpClient;
use tracing::level_filters::LevelFilter;

use super::config::redact::Redactor;
use super::config::{Endpoints, ProviderSettings, RetryMode};
use super::error::AwsError;
use super::settings::ResolvedSettings;
use super::settings::credentials;
use super::settings::endpoints::check_service_endpoints;
use super::settings::retries::Retries;
use tf_provider_framework::diag::Diagnostics;

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
/// in the diagnostic of the operation that needed credentials (see
/// `SafeCredentials` in [`super::settings::credentials`]).
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
        let ec2 = with_endpoint(
            aws_sdk_ec2::config::Builder::from(config),
            &endpoints.ec2,
            |builder, url| builder.endpoint_url(url),
        );
        let networkmanager = with_endpoint(
            aws_sdk_networkmanager::config::Builder::from(config),
            &endpoints.networkmanager,
            |builder, url| builder.endpoint_url(url),
        );
        let workspaces = with_endpoint(
            aws_sdk_workspaces::config::Builder::from(config),
            &endpoints.workspaces,
            |builder, url| builder.endpoint_url(url),
        );
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
    /// Builds the shared SDK configuration and the clients from settings resolved once. Fails
    /// only when the SDK's own per-service endpoint resolution finds a URL it would log with a
    /// password in it.
    pub async fn from_resolved(resolved: ResolvedSettings) -> Result<Self, Diagnostics> {
        let base = sdk_config(&resolved).await?;
        let credential_source: Arc<str> = resolved.credential_source().into();
        let ResolvedSettings {
            block: settings,
            retries,
            redactor,
            ..
        } = resolved;
        let timeouts = |operation: Duration| {
            TimeoutConfig::builder()
                .connect_timeout(settings.attempt_timeout())
                .operation_attempt_timeout(settings.attempt_timeout())
                .operation_timeout(operation)
                .build()
        };
        let reads_config = base
            .to_builder()
            .retry_config(retry_config(&retries))
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
        let sts = with_endpoint(
            aws_sdk_sts::config::Builder::from(&reads_config),
            &settings.endpoints.sts,
            |builder, url| builder.endpoint_url(url),
        );
        Ok(AwsClients {
            account: Arc::new(AccountId {
                sts: aws_sdk_sts::Client::from_conf(sts.build()),
                known: tokio::sync::OnceCell::new(),
            }),
            region,
            reads_config,
            single_attempt_config,
            by_region: Arc::new(std::sync::Mutex::new(by_region)),
            credential_source,
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

/// A service's configuration builder with the block's endpoint for it, when there is one.
fn with_endpoint<B>(builder: B, endpoint: &Option<String>, set: impl FnOnce(B, &str) -> B) -> B {
    match endpoint {
        Some(url) => set(builder, url),
        None => builder,
    }
}

/// The configuration every client is built from: region, retries, profile files and the
/// credential provider (possibly wrapped in an assume-role provider), which is wrapped once more
/// so that no error it returns shows a secret.
async fn sdk_config(resolved: &ResolvedSettings) -> Result<SdkConfig, Diagnostics> {
    let settings = &resolved.block;
    let region = Region::new(resolved.region.value.clone());
    let http_client = https_client();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client.clone())
        .region(region.clone())
        .retry_config(retry_config(&resolved.retries));
    if let Ok(app_name) = AppName::new(APP_NAME) {
        loader = loader.app_name(app_name);
    }
    if let Some(files) = &resolved.profile_files {
        loader = loader.profile_files(files.clone());
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(provider) = credentials::explicit_provider(
        &resolved.credentials,
        settings,
        resolved.profile_files.as_ref(),
        &region,
        &http_client,
    ) {
        loader = loader.credentials_provider(provider);
    }
    // Otherwise aws-config's default chain applies: AWS_ACCESS_KEY_ID & co, then AWS_PROFILE /
    // the default profile, web identity, ECS, and only last the instance metadata service.
    let base = loader.load().await;
    check_service_endpoints(
        &settings.endpoints,
        base.service_config(),
        resolved.profiles.as_ref(),
    )?;

    let safe =
        |provider| credentials::safe(provider, &resolved.redactor, resolved.profiles.as_ref());
    let provider = match &settings.assume_role {
        Some(role) => Some(
            credentials::assume_role(role, region, &base, settings.endpoints.sts.as_ref()).await,
        ),
        None => base.credentials_provider(),
    };
    Ok(match provider {
        Some(provider) => base
            .into_builder()
            .credentials_provider(safe(provider))
            .build(),
        None => base,
    })
}

/// The HTTPS client of every SDK client and credential provider: rustls on ring, the crypto the
/// plugin host links anyway, so the binary carries one crypto library (the SDKs' default client
/// would add aws-lc), with the system's trusted roots.
fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

fn retry_config(retries: &Retries) -> RetryConfig {
    let base = match retries.mode.value {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    };
    base.with_max_attempts(retries.max_attempts())
}

#[cfg(test)]
mod tests {

    use aws_credential_types::provider::ProvideCredentials;
    use aws_smithy_types::retry::RetryMode as SdkRetryMode;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use aws_credential_types::Credentials;
    use aws_types::os_shim_internal::{Env, Fs};

    use super::*;
    use crate::aws::config::AssumeRole;
    use crate::aws::settings::credentials::tests::chain_text;
    use crate::aws::settings::environment::Environment;
    use crate::aws::settings::resolve_block;
    use tf_provider_framework::diag::{AttributePath, Diagnostic};

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

    /// The static settings' region, with credentials from `profile` of these files instead of
    /// keys in the block.
    fn from_profile(
        profile: &str,
        config_files: &[&str],
        credentials_files: &[&str],
    ) -> ProviderSettings {
        let paths = |files: &[&str]| files.iter().map(|f| (*f).to_owned()).collect();
        ProviderSettings {
            profile: Some(profile.into()),
            access_key: None,
            secret_key: None,
            token: None,
            shared_config_files: paths(config_files),
            shared_credentials_files: paths(credentials_files),
            ..static_settings()
        }
    }

    /// No environment variables and no files.
    fn nothing() -> Environment {
        vars(&[])
    }

    /// These variables and no files.
    fn vars(vars: &[(&str, &str)]) -> Environment {
        Environment::new(Env::from_slice(vars), Fs::from_slice(&[]))
    }

    /// These files and no variables.
    fn files(files: &[(&str, &str)]) -> Environment {
        Environment::new(Env::from_slice(&[]), Fs::from_slice(files))
    }

    /// The real file system and no variables.
    fn real_files() -> Environment {
        Environment::new(Env::from_slice(&[]), Fs::real())
    }

    /// Configure as the provider does: resolve the block against `env`, then build.
    async fn build(
        settings: ProviderSettings,
        env: &Environment,
    ) -> Result<AwsClients, Diagnostics> {
        AwsClients::from_resolved(resolve_block(settings, env).await?).await
    }

    /// The SDK configuration the clients are built from.
    async fn sdk_config_of(settings: &ProviderSettings, env: &Environment) -> SdkConfig {
        let resolved = resolve_block(settings.clone(), env)
            .await
            .expect("resolved");
        sdk_config(&resolved).await.expect("sdk config")
    }

    /// What the clients will sign with (the SDK clients do not expose their provider).
    async fn credentials_of(settings: &ProviderSettings, env: &Environment) -> Credentials {
        let conf = sdk_config_of(settings, env).await;
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
        let clients = build(settings, &nothing())
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
        let clients = build(settings, &nothing())
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
        let clients = build(settings, &nothing()).await.expect("clients");
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
            retry_mode: Some(RetryMode::Adaptive),
            max_retries: Some(4),
            ..static_settings()
        };
        let clients = build(settings, &nothing()).await.expect("clients");
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
        let credentials = credentials_of(&static_settings(), &nothing()).await;
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.session_token(), Some(TOKEN));
        assert_eq!(clients.settings.region.as_deref(), Some("eu-central-2"));
    }

    #[tokio::test]
    async fn another_regions_clients_are_made_once_from_the_same_settings() {
        let clients = build(static_settings(), &nothing()).await.expect("clients");
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
        let clients = build(static_settings(), &nothing()).await.expect("clients");
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
        let err = build(settings, &nothing())
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

        let env = vars(&[("AWS_DEFAULT_REGION", "ap-south-2")]);
        let clients = build(settings(), &env).await.expect("ok");
        assert_eq!(region_of(&clients).as_deref(), Some("ap-south-2"));

        let env = vars(&[
            ("AWS_DEFAULT_REGION", "ap-south-2"),
            ("AWS_REGION", "us-west-2"),
        ]);
        let clients = build(settings(), &env).await.expect("ok");
        assert_eq!(region_of(&clients).as_deref(), Some("us-west-2"));

        // The block wins over the environment.
        let clients = build(static_settings(), &env).await.expect("ok");
        assert_eq!(region_of(&clients).as_deref(), Some("eu-central-2"));

        let files = files(&[(
            "/cfg/aws",
            "[default]\nregion = sa-east-1\n[profile ci]\nregion = ca-west-1\n",
        )]);
        let from_files = ProviderSettings {
            shared_config_files: vec!["/cfg/aws".into()],
            ..settings()
        };
        let clients = build(from_files, &files).await.expect("ok");
        assert_eq!(region_of(&clients).as_deref(), Some("sa-east-1"));

        let with_profile = ProviderSettings {
            region: None,
            ..from_profile("ci", &["/cfg/aws"], &[])
        };
        let clients = build(with_profile, &files).await.expect("ok");
        assert_eq!(region_of(&clients).as_deref(), Some("ca-west-1"));
    }

    #[tokio::test]
    async fn regions_from_outside_the_block_are_validated() {
        let settings = ProviderSettings {
            region: None,
            ..static_settings()
        };
        let env = vars(&[("AWS_REGION", "US-EAST-1")]);
        let err = build(settings, &env).await.expect_err("bad env region");
        let d = error_at(&err, AttributePath::root("region"));
        assert!(d.detail.contains("AWS_REGION"), "{}", d.detail);
    }

    #[tokio::test]
    async fn unknown_profile_and_missing_files_are_reported() {
        let files = files(&[("/cfg/aws", "[profile other]\nregion = us-east-1\n")]);
        let settings = from_profile("typo", &["/cfg/aws"], &[]);
        let err = build(settings.clone(), &files)
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
        let err = build(missing, &files).await.expect_err("missing file");
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
            ..from_profile(
                "ci",
                &[&config_path.display().to_string()],
                &[&path.display().to_string()],
            )
        };
        let clients = build(settings, &real_files()).await.expect("clients");
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
        let credentials = credentials_of(&clients.settings, &real_files()).await;
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
        let clients = tokio::time::timeout(Duration::from_secs(10), build(settings, &nothing()))
            .await
            .expect("configure does not wait on the network")
            .expect("clients");
        let conf = sdk_config_of(&clients.settings, &nothing()).await;
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
        let config = config.display().to_string();
        let settings = from_profile("proc", &[&config], &[&config]);
        let conf = sdk_config_of(&settings, &real_files()).await;
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
}
