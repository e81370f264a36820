//! What one provider process remembers between RPCs: the configured client, the stop signal of
//! the operations in flight, the update plans a replacement may still refer to, and whether the
//! host stores identities.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

use crate::diag::{Diagnostic, Diagnostics};
use crate::private::{PendingUpdates, Private};
use crate::resource::Context;

pub(crate) struct Session<C> {
    client: RwLock<Option<Arc<C>>>,
    /// The current stop generation. Each operation takes the token current when its RPC
    /// starts; StopProvider cancels that token and puts a fresh one in its place. A stop thus
    /// ends what runs at that moment and nothing started later: a provider reattached with
    /// `TF_REATTACH_PROVIDERS` serves one CLI run after another, and one Ctrl-C must not break
    /// every later run.
    stop: Mutex<CancellationToken>,
    pub updates: PendingUpdates,
    /// Whether the host stores identities (Terraform and OpenTofu 1.12 and later, as the
    /// version ConfigureProvider names says; true until then and for a version that cannot be
    /// read). Older hosts ignore the identity fields, so the provider spares them the work,
    /// and the calls, an identity takes.
    host_reads_identity: AtomicBool,
}

impl<C> Default for Session<C> {
    fn default() -> Self {
        Session {
            client: RwLock::new(None),
            stop: Mutex::new(CancellationToken::new()),
            updates: PendingUpdates::default(),
            host_reads_identity: AtomicBool::new(true),
        }
    }
}

impl<C> Session<C> {
    /// An operation starting now: it is stopped by the stop generation current at this moment.
    pub fn operation(&self) -> Operation<'_, C> {
        // A poisoned lock only means a panic elsewhere while holding it; the token is intact.
        let stop = self
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Operation {
            session: self,
            stop,
        }
    }

    /// Stops every operation started so far, and none started from now on.
    pub fn stop_current_generation(&self) {
        let stopped = {
            let mut current = self.stop.lock().unwrap_or_else(PoisonError::into_inner);
            std::mem::replace(&mut *current, CancellationToken::new())
        };
        stopped.cancel();
    }

    /// Keeps the client ConfigureProvider produced for every later operation.
    pub async fn configure(&self, client: C) {
        *self.client.write().await = Some(Arc::new(client));
    }

    /// Records the host's version, as ConfigureProvider names it.
    pub fn set_host_version(&self, host_version: &str) {
        self.host_reads_identity
            .store(reads_identity(host_version), Ordering::Relaxed);
    }

    pub fn host_reads_identity(&self) -> bool {
        self.host_reads_identity.load(Ordering::Relaxed)
    }

    /// The configured client; `None` before ConfigureProvider.
    pub async fn client(&self) -> Option<Arc<C>> {
        self.client.read().await.clone()
    }
}

/// One RPC's view of the session: the session and the stop signal current when it started.
pub(crate) struct Operation<'s, C> {
    pub session: &'s Session<C>,
    pub stop: CancellationToken,
}

impl<C> Operation<'_, C> {
    /// The context of this operation on an object whose resource private text is `private`.
    pub async fn context(&self, private: &Private) -> Result<Context<C>, Diagnostics> {
        let client = self.session.client().await.ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Provider not configured",
                "The provider was asked to manage a resource before ConfigureProvider. \
                 This is a bug in the Terraform host or in the provider.",
            ))
        })?;
        Ok(Context {
            client,
            stop: self.stop.clone(),
            private: private.resource.clone(),
        })
    }
}

/// Whether a host of this version stores resource identities: Terraform and OpenTofu both
/// added them in 1.12. A version that cannot be read counts as new, so a new host is never
/// denied an identity.
pub(crate) fn reads_identity(host_version: &str) -> bool {
    let mut parts = host_version.trim_start_matches('v').split(['.', '-']);
    let mut number = || parts.next().and_then(|p| p.parse::<u64>().ok());
    match (number(), number()) {
        (Some(major), Some(minor)) => (major, minor) >= (1, 12),
        _ => true,
    }
}
