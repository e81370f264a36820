//! The emulator's own logs never contain an STS external ID or returned secret. A test binary
//! of its own: tracing caches per-callsite interest process-wide, so a capturing subscriber
//! installed for one test while other tests log on other threads can miss events.

use awsassoc_sim::{AdminClient, SimConfig, SimHandle};
use serde_json::json;

mod support;
use support::{EXTERNAL_ID, assume_role, credentials, sts, temporary};

async fn sim() -> (SimHandle, AdminClient) {
    let handle = awsassoc_sim::start(SimConfig::default()).await.unwrap();
    let admin = handle.admin();
    (handle, admin)
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
    let out = assume_role(&s).send().await.unwrap();
    let creds = out.credentials().unwrap().clone();
    sts(&h, temporary(&creds))
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    admin
        .set_faults(&json!({"deny": ["AssumeRole"]}))
        .await
        .unwrap();
    assume_role(&s).send().await.expect_err("denied");
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
