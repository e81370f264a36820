//! The emulator, started in-process for a test.
//!
//! The emulator gets its own multi-threaded tokio runtime so that tests can stay synchronous:
//! `Workdir::run` blocks while OpenTofu runs, and the provider it starts must still get answers
//! from the emulator during that time. Use [`Sim::block_on`] for admin calls.

use std::future::Future;

use anyhow::{Context, Result};
use awsassoc_sim::admin_client::AdminClient;
use awsassoc_sim::{Profile, SimConfig, SimHandle};

/// A running emulator; dropping it shuts the server down and stops its runtime.
pub struct Sim {
    handle: Option<SimHandle>,
    url: String,
    /// Seeds the world, injects faults, reads call counts and transition timestamps.
    pub admin: AdminClient,
    // Declared last so it is dropped after the handle and the client that use it.
    runtime: tokio::runtime::Runtime,
}

/// Starts the emulator on an ephemeral 127.0.0.1 port with the `Fast` timing profile and an empty
/// world (seed it through [`Sim::admin`]).
pub fn start_sim() -> Result<Sim> {
    start_sim_with(SimConfig {
        listen: "127.0.0.1:0".parse()?,
        profile: Profile::Fast,
        ..Default::default()
    })
}

/// Starts the emulator with a caller-built configuration (a seeded `world`, another profile).
pub fn start_sim_with(config: SimConfig) -> Result<Sim> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("building the emulator's runtime")?;
    let handle = runtime
        .block_on(awsassoc_sim::start(config))
        .context("starting awsassoc-sim")?;
    let url = handle.url().to_string();
    let admin = AdminClient::new(url.as_str());
    Ok(Sim {
        handle: Some(handle),
        url,
        admin,
        runtime,
    })
}

impl Sim {
    /// `http://127.0.0.1:PORT`, the value for the provider's `endpoints`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs an async admin call (or any future) on the emulator's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A provider block pointing every service at this emulator.
    pub fn provider_block(&self) -> String {
        super::provider_block(&self.url)
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

/// Parents for every association kind, shared by the end-to-end tests and the benchmark. The
/// Client VPN endpoint's VPC has ten subnets in ten zones, so ten associations can share the
/// endpoint; a second Client VPN endpoint uses a Transit Gateway and is associated with the
/// region's zones ([`TGW_CLIENT_VPN_ENDPOINT`], [`AVAILABILITY_ZONES`]); the global network has two devices and three Connect peers, and there are ten
/// applications for the one WorkSpace, so every parent but the route server (one VPC each) can
/// hold several associations.
/// The Client VPN endpoint of [`test_world`] that uses a Transit Gateway.
pub const TGW_CLIENT_VPN_ENDPOINT: &str = "cvpn-endpoint-0a1b2c3d4e5f60002";

/// The region's Availability Zones in [`test_world`]: (name, zone ID).
pub const AVAILABILITY_ZONES: [(&str, &str); 3] = [
    ("us-east-1a", "use1-az1"),
    ("us-east-1b", "use1-az2"),
    ("us-east-1c", "use1-az4"),
];

pub fn test_world() -> serde_json::Value {
    let subnets: Vec<serde_json::Value> = (0..10)
        .map(|i| {
            serde_json::json!({
                "id": format!("subnet-0a1b2c3d4e5f6000{i}"),
                "vpc_id": "vpc-0a1b2c3d4e5f60001",
                "availability_zone": format!("us-east-1-zone{i}"),
                "cidr": format!("10.0.{i}.0/24"),
            })
        })
        .collect();
    let applications: Vec<serde_json::Value> = (0..10)
        .map(|i| serde_json::json!({"id": format!("wsa-0a1b2c3d{i}")}))
        .collect();
    serde_json::json!({
        "region": "us-east-1",
        "vpcs": [
            {"id": "vpc-0a1b2c3d4e5f60001", "cidr": "10.0.0.0/16"},
            {"id": "vpc-0a1b2c3d4e5f60002", "cidr": "10.1.0.0/16"}
        ],
        "subnets": subnets,
        "availability_zones": AVAILABILITY_ZONES
            .iter()
            .map(|(name, id)| serde_json::json!({"id": id, "name": name}))
            .collect::<Vec<_>>(),
        "client_vpn_endpoints": [
            {"id": "cvpn-endpoint-0a1b2c3d4e5f60001", "vpc_id": "vpc-0a1b2c3d4e5f60001", "client_cidr": "172.16.0.0/22"},
            {"id": TGW_CLIENT_VPN_ENDPOINT, "client_cidr": "172.20.0.0/22", "transit_gateway_id": "tgw-0a1b2c3d4e5f60001"}
        ],
        "route_servers": [{"id": "rs-0a1b2c3d4e5f60001"}],
        "global_networks": [{
            "id": "global-network-0a1b2c3d4e5f60001",
            "devices": [
                {"id": "device-0a1b2c3d4e5f60001", "links": ["link-0a1b2c3d4e5f60001"]},
                {"id": "device-0a1b2c3d4e5f60002", "links": ["link-0a1b2c3d4e5f60002"]}
            ],
            "connect_peers": [
                "connect-peer-0a1b2c3d4e5f60001",
                "connect-peer-0a1b2c3d4e5f60002",
                "connect-peer-0a1b2c3d4e5f60003"
            ]
        }],
        "workspaces": [{"id": "ws-0a1b2c3d4", "state": "AVAILABLE"}],
        "applications": applications
    })
}
