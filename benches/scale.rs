//! Destroy at scale, through the real CLI and the emulator: N associations of each kind over
//! several parents (Client VPN: N/2 endpoints with two subnets each; route servers: N, one VPC
//! each; Connect peers: N on one global network; applications: N on one WorkSpace), applied and
//! then destroyed with `-parallelism=10`. Creates take 300 ms, removals D, each spread by the
//! emulator's `jitter` (0.3: every transition takes its duration × a uniform factor in
//! [0.7, 1.3]), so the create time a resource saw is a first guess of its removal, not the
//! answer. Run with `scripts/bench` (release build); this prints figures, it passes or fails
//! nothing.
//!
//! For each D, over several runs (median, and the spread from the least to the most):
//! - destroy wall time against the CLI's wave ideal, `waves × D` (waves = ⌈4N / parallelism⌉,
//!   the CLI's own schedule with every removal taking exactly D; the CLI's fixed cost, about
//!   0.6 s, is part of the wall time);
//! - AWS calls per association during the destroy, by operation, and status calls per parent
//!   (what the shared poll costs; the layout has 17 parents for 40 associations);
//! - the overshoot of every association: when the provider noticed it gone (the first status
//!   call for its parent after the emulator reports it finished, from the call log) minus when
//!   AWS made it gone;
//! - the refresh cost: status calls per association for a `plan` of the applied configuration;
//! - peak RSS of every provider process of the destroy (configured, calling AWS), measured by the
//!   `wait4` wrapper of `benches/rss`;
//! - hashicorp/aws's schedules on the same removals (modelled from each association's own
//!   removal time in this run: Client VPN first looks after 4 minutes, then every 10 s; route
//!   server at once, then 200 ms doubling to 10 s; each association polls on its own).
//!
//! Knobs: `AWSASSOC_SCALE_N` (default 10), `AWSASSOC_SCALE_SECONDS` (comma-separated D values,
//! default `3,20`; `scripts/bench --long` adds 120), `AWSASSOC_SCALE_RUNS` (default 3),
//! `AWSASSOC_SCALE_CREATE_MS` (default 300), `AWSASSOC_SCALE_JITTER` (default 0.3),
//! `AWSASSOC_BENCH_PROVIDER` (the provider binary to measure: `scripts/bench` sets it to the
//! release build; an older build works too) and `AWSASSOC_TF_CLI` (the CLI).

#[path = "rss/mod.rs"]
mod rss;
use awsassoc_test_harness as support;

use std::collections::BTreeMap;
use std::env;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use awsassoc_sim::{AssociationRecord, CallRecord, Family};
use serde_json::{Value, json};
use support::kinds::{self, Kind};
use support::{Cli, ProviderMirror, REQUIRED_PROVIDERS, Workdir};

/// Terraform's default, and what the figures were measured with.
const PARALLELISM: usize = 10;

fn knob<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .with_context(|| format!("{name}={v:?} is not valid")),
        Err(_) => Ok(default),
    }
}

fn main() -> Result<()> {
    rss::wrap_if_asked();
    let n: usize = knob("AWSASSOC_SCALE_N", 10)?;
    ensure!(
        n >= 2 && n % 2 == 0,
        "AWSASSOC_SCALE_N must be even and at least 2"
    );
    let runs: usize = knob("AWSASSOC_SCALE_RUNS", 3)?;
    let create_ms: u64 = knob("AWSASSOC_SCALE_CREATE_MS", 300)?;
    let jitter: f64 = knob("AWSASSOC_SCALE_JITTER", 0.3)?;
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
        "scale:    {n} associations of each kind ({} in all), -parallelism={PARALLELISM}, creates {create_ms} ms, jitter {jitter}, {runs} runs per D",
        Family::COUNT * n
    );
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("awsassoc-scale");
    std::fs::create_dir_all(&scratch)?;
    // The mirror holds this executable, which runs the provider under the RSS wrapper.
    let me = env::current_exe().context("locating the bench executable")?;
    let mirror = ProviderMirror::build(&scratch.join("mirror"), &me)?;
    let provider = std::fs::canonicalize(&provider)?;

    for d in seconds {
        let mut figures = Vec::new();
        for run_number in 0..runs {
            eprintln!("D = {d} s, run {} of {runs}", run_number + 1);
            let log = scratch.join(format!("rss-{d}-{run_number}.log"));
            figures.push(run(n, d, create_ms, jitter, &mirror, &provider, &log)?);
        }
        print(&figures, n, d);
    }
    Ok(())
}

/// What one apply-and-destroy run measured.
struct Figures {
    destroy_wall: f64,
    /// Calls per operation during the destroy.
    destroy_calls: BTreeMap<String, usize>,
    /// Status calls during the destroy.
    status_calls: usize,
    parents: usize,
    /// Status calls during a `plan` of the applied configuration.
    refresh_calls: usize,
    /// Seconds from "AWS made it gone" to "the provider noticed", one per association.
    overshoot: Vec<f64>,
    /// The same, per family.
    overshoot_by_family: BTreeMap<String, Vec<f64>>,
    /// Each association's removal time (seconds from its removal starting to AWS finishing it).
    removals: Vec<(Family, f64)>,
    /// Peak RSS (KiB) of each provider process of the destroy.
    destroy_rss: Vec<u64>,
    /// The WorkSpace's removals, grouped by the deployment that carried them out: how many
    /// deployments, and the sum of each one's longest removal.
    deployment_chain: (usize, f64),
}

/// Median and spread of one figure over the runs.
fn spread(values: impl IntoIterator<Item = f64>) -> String {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return "-".into();
    }
    let median = values[values.len() / 2];
    format!(
        "{median:.2} [{:.2}-{:.2}]",
        values[0],
        values[values.len() - 1]
    )
}

fn pick(values: &[f64], q: usize) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[(sorted.len() * q / 100).min(sorted.len() - 1)]
}

/// hashicorp/aws's waiter for one removal taking `removal` seconds: when it notices, and its
/// status calls.
fn upstream(family: Family, removal: f64) -> Option<(f64, usize)> {
    let (delay, interval) = match family {
        Family::ClientVpn => (240.0, Some(10.0)),
        Family::RouteServer => (0.0, None),
        _ => return None,
    };
    let (mut at, mut wait, mut calls) = (delay, 0.1f64, 0);
    loop {
        calls += 1;
        if at >= removal {
            return Some((at, calls));
        }
        wait = match interval {
            Some(interval) => interval,
            None => (wait * 2.0).min(10.0),
        };
        at += wait;
    }
}

fn print(runs: &[Figures], n: usize, d: f64) {
    let associations = (Family::COUNT * n) as f64;
    let waves = (Family::COUNT * n).div_ceil(PARALLELISM) as f64;
    let ideal = waves * d;
    println!("\n== D = {d} s ({} runs; median [least-most])", runs.len());
    println!("| metric | ours | hashicorp/aws schedules (modelled on the same removals) |");
    println!("|---|---|---|");
    println!(
        "| destroy wall / CLI wave ideal ({waves:.0} waves x {d} s = {ideal:.0} s) | {} ({} s) | - |",
        spread(runs.iter().map(|r| r.destroy_wall / ideal)),
        spread(runs.iter().map(|r| r.destroy_wall)),
    );
    let total = |r: &Figures| r.destroy_calls.values().sum::<usize>() as f64;
    println!(
        "| AWS calls per association during the destroy | {} | - |",
        spread(runs.iter().map(|r| total(r) / associations)),
    );
    println!(
        "| status calls per parent ({} parents) | {} | - |",
        runs.first().map_or(0, |r| r.parents),
        spread(
            runs.iter()
                .map(|r| r.status_calls as f64 / r.parents.max(1) as f64)
        ),
    );
    println!(
        "| status calls per association | {} | - |",
        spread(runs.iter().map(|r| r.status_calls as f64 / associations)),
    );
    println!(
        "| overshoot p50 / p90, all associations | {} / {} s | - |",
        spread(runs.iter().map(|r| pick(&r.overshoot, 50))),
        spread(runs.iter().map(|r| pick(&r.overshoot, 90))),
    );
    for family in [Family::ClientVpn, Family::RouteServer] {
        let ours = |r: &Figures, q| {
            pick(
                r.overshoot_by_family
                    .get(&family.to_string())
                    .map_or(&[][..], |v| v),
                q,
            )
        };
        let theirs: Vec<(f64, f64)> = runs
            .iter()
            .map(|r| {
                let modelled: Vec<(f64, f64)> = r
                    .removals
                    .iter()
                    .filter(|(f, _)| *f == family)
                    .filter_map(|(f, removal)| {
                        upstream(*f, *removal).map(|(at, calls)| (at - removal, calls as f64))
                    })
                    .collect();
                let overshoot: Vec<f64> = modelled.iter().map(|m| m.0).collect();
                let calls =
                    modelled.iter().map(|m| m.1).sum::<f64>() / modelled.len().max(1) as f64;
                (pick(&overshoot, 90), calls)
            })
            .collect();
        println!(
            "| {family}: overshoot p90 | {} s | {} s |",
            spread(runs.iter().map(|r| ours(r, 90))),
            spread(theirs.iter().map(|t| t.0)),
        );
        println!(
            "| {family}: status calls per association (hashicorp/aws: its own poll each, plus refresh and disassociate: +2) | {} | {} |",
            spread(runs.iter().map(|r| {
                let operation = kinds::kind(family).describe_action;
                *r.destroy_calls.get(operation).unwrap_or(&0) as f64 / n as f64
            })),
            spread(theirs.iter().map(|t| t.1)),
        );
    }
    println!(
        "| WorkSpaces: deployments one after another (AWS refuses one while another runs), and the sum of each one's longest removal: a floor for the wall, given when the CLI handed the applications over | {} deployments, {} s (wall / that: {}) | no such resource |",
        spread(runs.iter().map(|r| r.deployment_chain.0 as f64)),
        spread(runs.iter().map(|r| r.deployment_chain.1)),
        spread(
            runs.iter()
                .filter(|r| r.deployment_chain.1 > 0.0)
                .map(|r| r.destroy_wall / r.deployment_chain.1)
        ),
    );
    println!(
        "| refresh (plan): status calls per association | {} | 1.00 (one read each) |",
        spread(runs.iter().map(|r| r.refresh_calls as f64 / associations)),
    );
    println!(
        "| peak RSS per provider process during the destroy (MB, the largest of each run) | {} | 100-218 (published) |",
        spread(
            runs.iter()
                .map(|r| rss::mb(r.destroy_rss.iter().copied().max().unwrap_or(0)))
        ),
    );
    if let Some(last) = runs.last() {
        println!("calls by operation, last run (per association):");
        for (operation, count) in &last.destroy_calls {
            println!(
                "  {operation:<36} {:.2} ({count})",
                *count as f64 / associations
            );
        }
    }
}

fn run(
    n: usize,
    d: f64,
    create_ms: u64,
    jitter: f64,
    mirror: &ProviderMirror,
    provider: &Path,
    rss_log: &Path,
) -> Result<Figures> {
    let sim = support::sim::start_sim()?;
    sim.block_on(sim.admin.seed(&world(n)))?;
    let ms = (d * 1000.0).round() as u64;
    let durations: serde_json::Map<String, Value> = kinds::all()
        .map(|k| {
            (
                k.family.to_string(),
                json!({"associate_ms": create_ms, "disassociate_ms": ms, "jitter": jitter}),
            )
        })
        .collect();
    sim.block_on(sim.admin.set_durations(&Value::Object(durations)))?;

    let mut wd = Workdir::new();
    wd.cli_config(mirror.cli_config());
    wd.timeout(std::time::Duration::from_secs(1800));
    wd.env(rss::WRAP_ENV, provider)
        .env(rss::RSS_LOG_ENV, rss_log);
    wd.write(
        "providers.tf",
        &format!("{REQUIRED_PROVIDERS}\n{}", sim.provider_block()),
    );
    wd.write("main.tf", &configuration(n));
    wd.init();
    let parallelism = format!("-parallelism={PARALLELISM}");
    eprintln!("D = {d} s: apply ...");
    wd.run_ok(&["apply", "-auto-approve", &parallelism]);

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
    let _ = std::fs::remove_file(rss_log);
    eprintln!("D = {d} s: destroy ...");
    let destroy = wd.run_ok(&["destroy", "-auto-approve", &parallelism]);
    let destroy_rss = rss::read_log(rss_log)?;
    let log = calls(&sim)?;
    let destroy_log = &log[before_destroy..];
    let mut destroy_calls = BTreeMap::new();
    for call in destroy_log {
        *destroy_calls.entry(call.operation.clone()).or_insert(0) += 1;
    }
    let status_calls = destroy_log
        .iter()
        .filter(|c| status_operations.contains(&c.operation.as_str()))
        .count();
    let associations = sim.block_on(sim.admin.associations())?;
    let parents = {
        let mut parents: Vec<&str> = associations.iter().map(|a| a.parent.as_str()).collect();
        parents.sort_unstable();
        parents.dedup();
        parents.len()
    };
    if env::var_os("AWSASSOC_SCALE_TRACE").is_some() {
        trace(destroy_log);
    }
    let mut overshoot = Vec::new();
    let mut overshoot_by_family: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut removals = Vec::new();
    for a in &associations {
        if let Some(late) = noticed_after(a, kinds::kind(a.family), destroy_log) {
            overshoot.push(late);
            overshoot_by_family
                .entry(a.family.to_string())
                .or_default()
                .push(late);
        }
        // Client VPN and route server walk `…associated → disassociating → disassociated`:
        // the removal began at the transition before the finished one.
        let finished = a
            .history
            .iter()
            .position(|t| Some(t.at_ms) == a.finished_at());
        let removing = finished
            .and_then(|i| i.checked_sub(1))
            .map(|i| a.history[i].at_ms);
        if let (Some(from), Some(to)) = (removing, a.finished_at()) {
            removals.push((a.family, (to - from) / 1000.0));
        }
    }
    Ok(Figures {
        deployment_chain: deployment_chain(&associations),
        destroy_wall: destroy.elapsed.as_secs_f64(),
        destroy_calls,
        status_calls,
        parents,
        refresh_calls,
        overshoot,
        overshoot_by_family,
        removals,
        destroy_rss,
    })
}

/// The WorkSpaces applications' removals grouped by the deployment that started them (the same
/// instant), as (deployments, sum over them of the longest removal in seconds).
fn deployment_chain(associations: &[AssociationRecord]) -> (usize, f64) {
    let mut removals: Vec<(f64, f64)> = associations
        .iter()
        .filter(|a| a.family == Family::WorkspacesApplication)
        .filter_map(|a| Some((a.reached("PENDING_UNINSTALL")?, a.reached("REMOVED")?)))
        .collect();
    removals.sort_by(|x, y| x.0.total_cmp(&y.0));
    // One deployment starts all its removals within a few milliseconds.
    let mut groups: Vec<(f64, f64)> = Vec::new();
    for (start, end) in removals {
        let took = (end - start) / 1000.0;
        match groups.last_mut() {
            Some((first, longest)) if start - *first < 50.0 => *longest = longest.max(took),
            _ => groups.push((start, took)),
        }
    }
    (groups.len(), groups.iter().map(|g| g.1).sum())
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

/// Parents for N associations of each kind: each family's parents, merged into one world.
fn world(n: usize) -> Value {
    let mut world = json!({"region": "us-east-1"});
    for family in Family::ALL {
        for (key, items) in parents_at_scale(family, n) {
            let list = world[key]
                .as_array_mut()
                .map(std::mem::take)
                .unwrap_or_default();
            world[key] = Value::Array(list.into_iter().chain(items).collect());
        }
    }
    world
}

/// The parents (world keys and their items) N associations of one family need. Matching on
/// every family, so a new kind does not compile until the benchmark can seed it.
fn parents_at_scale(family: Family, n: usize) -> Vec<(&'static str, Vec<Value>)> {
    match family {
        Family::ClientVpn => {
            let (mut vpcs, mut subnets, mut endpoints) = (Vec::new(), Vec::new(), Vec::new());
            for e in 0..n / 2 {
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
                endpoints.push(json!({
                    "id": id("cvpn-endpoint-", e + 1, 17),
                    "vpc_id": vpc,
                    "client_cidr": format!("172.{}.0.0/22", 16 + e % 16),
                }));
            }
            vec![
                ("vpcs", vpcs),
                ("subnets", subnets),
                ("client_vpn_endpoints", endpoints),
            ]
        }
        Family::RouteServer => vec![
            (
                "route_servers",
                (0..n).map(|r| json!({"id": id("rs-", r + 1, 17)})).collect(),
            ),
            (
                "vpcs",
                (0..n)
                    .map(|r| {
                        json!({"id": id("vpc-", 0x2000 + r, 17), "cidr": format!("10.{}.0.0/16", 100 + r)})
                    })
                    .collect(),
            ),
        ],
        Family::ConnectPeer => vec![(
            "global_networks",
            vec![json!({
                "id": id("global-network-", 1, 17),
                "devices": [{"id": id("device-", 1, 17), "links": []}],
                "connect_peers": (0..n).map(|p| id("connect-peer-", p + 1, 17)).collect::<Vec<_>>(),
            })],
        )],
        Family::WorkspacesApplication => vec![
            (
                "workspaces",
                vec![json!({"id": id("ws-", 1, 9), "state": "AVAILABLE"})],
            ),
            (
                "applications",
                (0..n).map(|a| json!({"id": id("wsa-", a + 1, 9)})).collect(),
            ),
        ],
    }
}

/// The arguments of the `i`th association of one family, on the parents [`parents_at_scale`]
/// seeds. Matching on every family, like it.
fn arguments_at_scale(family: Family, i: usize) -> String {
    match family {
        Family::ClientVpn => format!(
            "  client_vpn_endpoint_id = \"{}\"\n  subnet_id = \"{}\"\n",
            id("cvpn-endpoint-", i / 2 + 1, 17),
            id("subnet-", 0x1000 + i, 17)
        ),
        Family::RouteServer => format!(
            "  route_server_id = \"{}\"\n  vpc_id = \"{}\"\n",
            id("rs-", i + 1, 17),
            id("vpc-", 0x2000 + i, 17)
        ),
        Family::ConnectPeer => format!(
            "  global_network_id = \"{}\"\n  connect_peer_id = \"{}\"\n  device_id = \"{}\"\n",
            id("global-network-", 1, 17),
            id("connect-peer-", i + 1, 17),
            id("device-", 1, 17)
        ),
        Family::WorkspacesApplication => format!(
            "  workspace_id = \"{}\"\n  application_id = \"{}\"\n",
            id("ws-", 1, 9),
            id("wsa-", i + 1, 9)
        ),
    }
}

/// N resources of every kind.
fn configuration(n: usize) -> String {
    let mut hcl = String::new();
    for i in 0..n {
        for kind in kinds::all() {
            hcl.push_str(&format!(
                "resource \"{}\" \"{}{i}\" {{\n{}}}\n",
                kind.resource_type,
                kind.family,
                arguments_at_scale(kind.family, i)
            ));
        }
    }
    hcl
}
