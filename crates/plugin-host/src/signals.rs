//! Signal policy.
//!
//! A managed provider shares Terraform's process group, so a Ctrl-C in the terminal reaches it
//! too. go-plugin servers swallow SIGINT and let Terraform cancel work through StopProvider and
//! then Shutdown; dying on SIGINT would abort an apply mid-flight and lose state. In debug mode the
//! user owns the process, so SIGINT stops it. SIGTERM always means "stop cleanly" (socket removed).

use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// Ignores SIGINT from the very first instruction of a managed start, before the runtime (and
/// its signal handling) exists. [`watch`] later replaces this with a real handler, so child
/// processes (e.g. an AWS `credential_process`) get the default disposition back on exec.
pub fn ignore_interrupts_early() {
    // SAFETY: setting a standard signal's disposition to SIG_IGN has no memory-safety conditions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}

/// Installs the runtime signal handlers. `managed` selects whether SIGINT is swallowed (managed by
/// Terraform) or stops the server (debug mode). Must run inside the tokio runtime.
pub fn watch(managed: bool, shutdown: CancellationToken) -> std::io::Result<()> {
    let mut interrupts = signal(SignalKind::interrupt())?;
    let mut terminations = signal(SignalKind::terminate())?;
    let on_interrupt = shutdown.clone();
    tokio::spawn(async move {
        while interrupts.recv().await.is_some() {
            if managed {
                tracing::debug!("ignoring SIGINT; Terraform stops providers through StopProvider");
            } else {
                tracing::info!("SIGINT received; stopping the debug server");
                on_interrupt.cancel();
            }
        }
    });
    tokio::spawn(async move {
        if terminations.recv().await.is_some() {
            tracing::info!("SIGTERM received; shutting down");
            shutdown.cancel();
        }
    });
    Ok(())
}
