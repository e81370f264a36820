//! The emulator's own logs never contain an STS external ID or returned secret. A test binary
//! of its own: tracing caches per-callsite interest process-wide, so a capturing subscriber
//! installed for one test while other tests log on other threads can miss events.

use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_smithy_types::retry::RetryConfig;
use awsassoc_sim::{AdminClient, SimConfig, SimHandle};
use serde_json::json;

const ROLE: &str = "arn:aws:iam::123456789012:role/awsassoc-deployer";
const EXTERNAL_ID: &str = "ext-id-4f2a9c-keep-private";

async fn sim() -> (SimHandle, AdminClient) {
    let handle = awsassoc_sim::start(SimConfig::default()).await.unwrap();
    let admin = handle.admin();
    (handle, admin)
}

fn credentials() -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new("AKIDTEST", "secret", None, None, "logging")
}

fn sts(h: &SimHandle, creds: aws_credential_types::Credentials) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(h.url())
        .region(Region::new("us-east-1"))
        .credentials_provider(creds)
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

/// Collects what the emulator logs (its own targets only, every level).
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_emulator_never_logs_external_ids_or_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("awsassoc_sim=trace"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Current-thread runtime: the server's tasks run on this thread and log here.
    let _guard = tracing::subscriber::set_default(subscriber);
    let (h, admin) = sim().await;
    let s = sts(&h, credentials());
    let out = s
        .assume_role()
        .role_arn(ROLE)
        .role_session_name("deploy")
        .external_id(EXTERNAL_ID)
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap().clone();
    let temporary = aws_credential_types::Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_string()),
        None,
        "assumed",
    );
    sts(&h, temporary)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    admin
        .set_faults(&json!({"deny": ["AssumeRole"]}))
        .await
        .unwrap();
    s.assume_role()
        .role_arn(ROLE)
        .role_session_name("deploy")
        .external_id(EXTERNAL_ID)
        .send()
        .await
        .expect_err("denied");
    admin.sts_sessions().await.unwrap();
    h.shutdown().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("aws request"), "{logs}");
    assert!(logs.contains("AssumeRole"), "{logs}");
    for secret in [
        EXTERNAL_ID,
        creds.secret_access_key(),
        creds.session_token(),
    ] {
        assert!(!logs.contains(secret), "logged a secret: {logs}");
    }
}
