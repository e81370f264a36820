//! Destroy at scale, through the real CLI and the emulator: N associations of each kind over
//! several parents (Client VPN: N/2 endpoints with two subnets each; route servers: N, one VPC
//! each; Connect peers: N on one global network; applications: N on one WorkSpace), applied and
//! then destroyed with `-parallelism=10`, when AWS takes D to associate and to disassociate.
//! Run with `scripts/bench` (release build); this prints figures, it passes or fails nothing.
//!
//! For each D it prints:
//! - destroy wall time against the ideal, `waves × D` (waves = ⌈4N / parallelism⌉): the CLI's
//!   own fixed cost (about 0.6 s) is part of the wall time;
//! - AWS calls per association during the destroy, by operation (refresh, disassociate, polls);
//! - the overshoot of every association: when the provider noticed it gone (the first status
//!   call for its parent after the emulator reports it finished, from the call log) minus when
//!   AWS made it gone; median and p90, absolute and as a fraction of D;
//! - the refresh cost: status calls per association for a `plan` of the applied configuration.
//!
//! Knobs: `AWSASSOC_SCALE_N` (default 10), `AWSASSOC_SCALE_SECONDS` (comma-separated D values,
//! default `3,20`), `AWSASSOC_BENCH_PROVIDER` (the provider binary to measure: `scripts/bench`
//! sets it to the release build; an older build works too) and `AWSASSOC_TF_CLI` (the CLI).

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::env;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use awsassoc_sim::{AssociationRecord, CallRecord};
use serde_json::{Value, json};
use support::kinds::{self, Kind};
use support::{Cli, ProviderMirror, REQUIRED_PROVIDERS, Workdir};

/// Terraform's default, and what the figures were measured with.
const PARALLELISM: usize = 10;

fn main() -> Result<()> {
    let n: usize = env::var("AWSASSOC_SCALE_N")
        .ok()
        .map(|v| v.parse())
        .transpose()
        .context("AWSASSOC_SCALE_N must be a whole number")?
        .unwrap_or(10);
    ensure!(
        n >= 2 && n % 2 == 0,
        "AWSASSOC_SCALE_N must be even and at least 2"
    );
    let seconds: Vec<f64> = env::var("AWSASSOC_SCALE_SECONDS")
        .unwrap_or_else(|_| "3,20".to_owned())
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .context("AWSASSOC_SCALE_SECONDS must be numbers of seconds, e.g. 3,20")?;

    let provider = env::var_os("AWSASSOC_BENCH_PROVIDER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-awsassoc")));
    let cli = Cli::get();
    println!("provider: {}", provider.display());
    println!("cli:      {} ({})", cli.path().display(), cli.version()?);
    println!(
        "scale:    {n} associations of each kind ({} in all), -parallelism={PARALLELISM}",
        4 * n
    );
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("awsassoc-scale");
    std::fs::create_dir_all(&scratch)?;
    let mirror = ProviderMirror::build(&scratch.join("mirror"), &provider)?;

    for d in seconds {
        let figures = run(n, d, &mirror)?;
        figures.print(n, d);
    }
    Ok(())
}

/// What one apply-and-destroy run measured.
struct Figures {
    apply_wall: f64,
    destroy_wall: f64,
    /// Calls per operation during the destroy.
    destroy_calls: BTreeMap<String, usize>,
    /// Status calls during a `plan` of the applied configuration.
    refresh_calls: usize,
    /// Seconds from "AWS made it gone" to "the provider noticed", one per association.
    overshoot: Vec<f64>,
}

impl Figures {
    fn print(&self, n: usize, d: f64) {
        let associations = (4 * n) as f64;
        let waves = (4 * n).div_ceil(PARALLELISM) as f64;
        let ideal = waves * d;
        println!("\n== D = {d} s");
        println!("apply:   {:.1} s (ideal {ideal:.0} s)", self.apply_wall);
        println!(
            "destroy: {:.1} s, ideal {waves:.0} waves x {d} s = {ideal:.0} s, ratio {:.2}",
            self.destroy_wall,
            self.destroy_wall / ideal
        );
        let total: usize = self.destroy_calls.values().sum();
        println!(
            "AWS calls per association during the destroy: {:.2}",
            total as f64 / associations
        );
        for (operation, count) in &self.destroy_calls {
            println!(
                "  {operation:<36} {:.2} ({count})",
                *count as f64 / associations
            );
        }
        let mut overshoot = self.overshoot.clone();
        overshoot.sort_by(f64::total_cmp);
        let pick = |q: usize| overshoot[(overshoot.len() * q / 100).min(overshoot.len() - 1)];
        if !overshoot.is_empty() {
            println!(
                "overshoot (noticed - gone), {} associations: median {:.2} s ({:.0}% of D), p90 {:.2} s ({:.0}% of D)",
                overshoot.len(),
                pick(50),
                100.0 * pick(50) / d,
                pick(90),
                100.0 * pick(90) / d
            );
        }
        println!(
            "refresh (plan of the applied configuration): {:.2} status calls per association ({} in all)",
            self.refresh_calls as f64 / associations,
            self.refresh_calls
        );
    }
}

fn run(n: usize, d: f64, mirror: &ProviderMirror) -> Result<Figures> {
    let sim = support::sim::start_sim()?;
    sim.block_on(sim.admin.seed(&world(n)))?;
    let ms = (d * 1000.0).round() as u64;
    let durations: serde_json::Map<String, Value> = kinds::all()
        .map(|k| {
            (
                k.family.to_string(),
                json!({"associate_ms": ms, "disassociate_ms": ms}),
            )
        })
        .collect();
    sim.block_on(sim.admin.set_durations(&Value::Object(durations)))?;

    let mut wd = Workdir::new();
    wd.cli_config(mirror.cli_config());
    wd.timeout(std::time::Duration::from_secs(1800));
    wd.write(
        "providers.tf",
        &format!("{REQUIRED_PROVIDERS}\n{}", sim.provider_block()),
    );
    wd.write("main.tf", &configuration(n));
    wd.init();
    let parallelism = format!("-parallelism={PARALLELISM}");
    eprintln!("D = {d} s: apply ...");
    let apply = wd.run_ok(&["apply", "-auto-approve", &parallelism]);

    let calls = |sim: &support::sim::Sim| -> Result<Vec<CallRecord>> {
        Ok(sim.block_on(sim.admin.calls())?.log)
    };
    let before_plan = calls(&sim)?.len();
    eprintln!("D = {d} s: plan (refresh) ...");
    wd.run_ok(&["plan", &parallelism]);
    let status_operations: Vec<&str> = kinds::all().map(|k| k.describe_action).collect();
    let refresh_calls = calls(&sim)?[before_plan..]
        .iter()
        .filter(|c| status_operations.contains(&c.operation.as_str()))
        .count();

    let before_destroy = calls(&sim)?.len();
    eprintln!("D = {d} s: destroy ...");
    let destroy = wd.run_ok(&["destroy", "-auto-approve", &parallelism]);
    let log = calls(&sim)?;
    let destroy_log = &log[before_destroy..];
    let mut destroy_calls = BTreeMap::new();
    for call in destroy_log {
        *destroy_calls.entry(call.operation.clone()).or_insert(0) += 1;
    }
    let associations = sim.block_on(sim.admin.associations())?;
    if env::var_os("AWSASSOC_SCALE_TRACE").is_some() {
        trace(destroy_log);
    }
    let overshoot = associations
        .iter()
        .filter_map(|a| noticed_after(a, kinds::kind(a.family), destroy_log))
        .collect();
    Ok(Figures {
        apply_wall: apply.elapsed.as_secs_f64(),
        destroy_wall: destroy.elapsed.as_secs_f64(),
        destroy_calls,
        refresh_calls,
        overshoot,
    })
}

/// Prints every call of the destroy by parent, in seconds from the destroy's first call: where
/// the polls went.
fn trace(log: &[CallRecord]) {
    let start = log.first().map_or(0.0, |c| c.at_ms);
    let mut by_parent: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for call in log {
        let short: String = call
            .operation
            .chars()
            .filter(|c| c.is_uppercase())
            .collect();
        by_parent
            .entry(call.subject.as_deref().unwrap_or("-"))
            .or_default()
            .push(format!("{short}@{:.2}", (call.at_ms - start) / 1000.0));
    }
    for (parent, calls) in by_parent {
        eprintln!("{parent}: {}", calls.join(" "));
    }
}

/// Seconds from the association finishing to the first status call of its parent after that.
fn noticed_after(association: &AssociationRecord, kind: &Kind, log: &[CallRecord]) -> Option<f64> {
    let finished = association.finished_at()?;
    let noticed = log.iter().find(|c| {
        c.operation == kind.describe_action
            && c.subject.as_deref() == Some(association.parent.as_str())
            && c.at_ms >= finished
    })?;
    Some((noticed.at_ms - finished) / 1000.0)
}

/// IDs in the provider's formats: a prefix, then lower-case hex of a fixed width.
fn id(prefix: &str, number: usize, width: usize) -> String {
    format!("{prefix}{number:0width$x}")
}

/// Parents for N associations of each kind.
fn world(n: usize) -> Value {
    let endpoints = n / 2;
    let mut vpcs = Vec::new();
    let mut subnets = Vec::new();
    let mut client_vpn_endpoints = Vec::new();
    for e in 0..endpoints {
        let vpc = id("vpc-", 0x1000 + e, 17);
        vpcs.push(json!({"id": vpc, "cidr": format!("10.{e}.0.0/16")}));
        for s in 0..2 {
            subnets.push(json!({
                "id": id("subnet-", 0x1000 + e * 2 + s, 17),
                "vpc_id": vpc,
                "availability_zone": format!("us-east-1-zone{s}"),
                "cidr": format!("10.{e}.{s}.0/24"),
            }));
        }
        client_vpn_endpoints.push(json!({
            "id": id("cvpn-endpoint-", e + 1, 17),
            "vpc_id": vpc,
            "client_cidr": format!("172.{}.0.0/22", 16 + e % 16),
        }));
    }
    let route_servers: Vec<Value> = (0..n)
        .map(|r| json!({"id": id("rs-", r + 1, 17)}))
        .collect();
    for r in 0..n {
        vpcs.push(
            json!({"id": id("vpc-", 0x2000 + r, 17), "cidr": format!("10.{}.0.0/16", 100 + r)}),
        );
    }
    json!({
        "region": "us-east-1",
        "vpcs": vpcs,
        "subnets": subnets,
        "client_vpn_endpoints": client_vpn_endpoints,
        "route_servers": route_servers,
        "global_networks": [{
            "id": id("global-network-", 1, 17),
            "devices": [{"id": id("device-", 1, 17), "links": []}],
            "connect_peers": (0..n).map(|p| id("connect-peer-", p + 1, 17)).collect::<Vec<_>>(),
        }],
        "workspaces": [{"id": id("ws-", 1, 9), "state": "AVAILABLE"}],
        "applications": (0..n).map(|a| json!({"id": id("wsa-", a + 1, 9)})).collect::<Vec<_>>(),
    })
}

/// The 4N resources.
fn configuration(n: usize) -> String {
    let mut hcl = String::new();
    let mut resource = |kind: &Kind, name: String, arguments: String| {
        hcl.push_str(&format!(
            "resource \"{}\" \"{name}\" {{\n{arguments}}}\n",
            kind.resource_type
        ));
    };
    for i in 0..n {
        resource(
            &kinds::CLIENT_VPN,
            format!("cvpn{i}"),
            format!(
                "  client_vpn_endpoint_id = \"{}\"\n  subnet_id = \"{}\"\n",
                id("cvpn-endpoint-", i / 2 + 1, 17),
                id("subnet-", 0x1000 + i, 17)
            ),
        );
        resource(
            &kinds::ROUTE_SERVER,
            format!("rs{i}"),
            format!(
                "  route_server_id = \"{}\"\n  vpc_id = \"{}\"\n",
                id("rs-", i + 1, 17),
                id("vpc-", 0x2000 + i, 17)
            ),
        );
        resource(
            &kinds::CONNECT_PEER,
            format!("peer{i}"),
            format!(
                "  global_network_id = \"{}\"\n  connect_peer_id = \"{}\"\n  device_id = \"{}\"\n",
                id("global-network-", 1, 17),
                id("connect-peer-", i + 1, 17),
                id("device-", 1, 17)
            ),
        );
        resource(
            &kinds::WORKSPACES_APPLICATION,
            format!("app{i}"),
            format!(
                "  workspace_id = \"{}\"\n  application_id = \"{}\"\n",
                id("ws-", 1, 9),
                id("wsa-", i + 1, 9)
            ),
        );
    }
    hcl
}
