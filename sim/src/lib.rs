//! awsassoc-sim: a local emulator of the AWS APIs behind the awsassoc association
//! resources (EC2 Client VPN target networks and Route Server associations, NetworkManager
//! Connect peer associations, WorkSpaces application associations), plus the STS calls a
//! provider makes to assume a role.
//!
//! It is the provider's default target for the demo and the tests: associations take time to
//! settle, faults can be injected, and every state transition and call is recorded so a
//! benchmark can tell how quickly a waiter noticed that an association was gone. See
//! `docs/emulator.md` for the wire behaviour, the admin API and the code layout.
//!
//! The modules form layers, each importing only from those below it:
//! 1. vocabulary: `family` (names, per-family tables), `phase` (phases, paths, a family's
//!    `Lifecycle`), `profile`, `faults`, `world`, `admin_types` (the admin API's wire types),
//!    `api` and `xml` (errors, pagination, rendering);
//! 2. the lifecycle engine (`lifecycle`) and the store (`state`), handed a family's facts;
//! 3. the protocol codecs (`ec2`, `networkmanager`, `workspaces`), which only decode and
//!    encode, and STS (`sts`);
//! 4. the families (`families/`), their specs and handlers;
//! 5. the routing table (`server`), the admin API (`admin`, `admin_client`) and this crate root.

pub mod admin_client;
pub mod admin_types;
pub mod families;
pub mod family;
pub mod faults;
pub mod lifecycle;
pub mod phase;
pub mod profile;
pub mod state;
pub mod world;

mod admin;
mod api;
mod ec2;
mod networkmanager;
mod server;
mod sts;
mod workspaces;
mod xml;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use admin_client::{AdminClient, RawResponse};
pub use admin_types::{
    AssociateRequest, AssociationRecord, CallRecord, CallsReport, IssuedSecret, StsSession,
    WorkspaceStateChange,
};
pub use family::{Family, PerFamily};
pub use faults::{FailureRates, FaultKind, FaultRule, FaultSettings, ListOrder, VisibilityDelays};
pub use phase::{Phase, Transition};
pub use profile::{Durations, FamilyDurations, Profile};
pub use server::{ServedOperation, served_operations};
pub use world::World;

/// How to start an emulator. `Default` = a free loopback port, the `fast` profile, an empty
/// world and no faults.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Must be a loopback address; port 0 picks a free port.
    pub listen: SocketAddr,
    pub profile: Profile,
    pub world: World,
    /// Partial durations merged over the profile's (same shape as `PUT /_sim/durations`).
    pub durations: Option<serde_json::Value>,
    pub faults: FaultSettings,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            profile: Profile::Fast,
            world: World::default(),
            durations: None,
            faults: FaultSettings::default(),
        }
    }
}

/// Binds the listener and serves in a background task of the current tokio runtime.
pub async fn start(config: SimConfig) -> anyhow::Result<SimHandle> {
    if !config.listen.ip().is_loopback() {
        anyhow::bail!(
            "refusing to listen on {}: awsassoc-sim only binds loopback addresses (e.g. 127.0.0.1:4566)",
            config.listen
        );
    }
    let mut durations = Durations::for_profile(config.profile);
    if let Some(patch) = &config.durations {
        durations
            .merge_json(patch)
            .context("invalid duration overrides")?;
    }
    config
        .faults
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid fault settings: {e}"))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let sim = Arc::new(state::Sim::new(config.world, durations, config.faults));
    let (shutdown, shutdown_rx) = watch::channel(false);
    let task = tokio::spawn(server::serve(listener, sim, shutdown_rx));
    Ok(SimHandle {
        url: format!("http://{addr}"),
        addr,
        shutdown,
        task: Some(task),
    })
}

/// A running emulator. Dropping it stops the server and closes every open connection, so a
/// panicking test leaves nothing behind.
#[derive(Debug)]
pub struct SimHandle {
    url: String,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`, suitable as an SDK `endpoint_url`.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn admin(&self) -> AdminClient {
        AdminClient::new(&self.url)
    }

    /// Stops accepting, closes open connections and waits for the server task to finish.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
