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
    // The test-only record of the secrets is answered, never logged.
    let issued = admin.sts_issued_secrets().await.unwrap();
    assert_eq!(issued[0].session_token, creds.session_token());
    // Refusing a request signed with the key of an expired session logs no secret either.
    {
        let mut faults = admin.faults().await.unwrap();
        faults.deny.clear();
        faults.sts_session_seconds = Some(1);
        admin.set_faults(&faults).await.unwrap();
    }
    let short = assume_role(&s).send().await.unwrap();
    let short = short.credentials().unwrap().clone();
    let expires_ms = short.expiration().secs() as f64 * 1000.0;
    while awsassoc_sim::lifecycle::now_ms() <= expires_ms {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    sts(&h, temporary(&short))
        .get_caller_identity()
        .send()
        .await
        .expect_err("expired");
    h.shutdown().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("aws request"), "{logs}");
    assert!(logs.contains("AssumeRole"), "{logs}");
    assert!(logs.contains("ExpiredToken"), "{logs}");
    for secret in [
        EXTERNAL_ID,
        creds.secret_access_key(),
        creds.session_token(),
        short.secret_access_key(),
        short.session_token(),
    ] {
        assert!(!logs.contains(secret), "logged a secret: {logs}");
    }
}
