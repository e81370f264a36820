//! Benchmark of the provider as OpenTofu uses it. Run with `scripts/bench` (release build); this is
//! a measurement that prints a table, not a test that passes or fails on timing.
//!
//! What it measures, and how:
//! - **Handshake latency**: exec of the provider to its go-plugin handshake line on stdout, with the
//!   environment the CLI sets (magic cookie, `PLUGIN_PROTOCOL_VERSIONS=5,6`, and a
//!   `PLUGIN_CLIENT_CERT` shaped like go-plugin's AutoMTLS certificate: ECDSA P-521, self-signed,
//!   CA:TRUE). The process is killed right after the line. Also once without TLS, for reference.
//! - **Peak RSS** of every provider process OpenTofu starts during `tofu plan` of
//!   `examples/provider`: the mirror holds this bench executable instead of the provider; started
//!   with [`WRAP_ENV`] set, it runs the real provider as its child, waits for it with `wait4(2)` and
//!   appends the child's `ru_maxrss` (the kernel's exact high-water mark, no sampling) to a log.
//! - **Plan wall time** on `examples/provider` with the real provider in the mirror (one warm-up
//!   run, then the median of several), and its ratio to a plan of a configuration with no
//!   provider, measured in interleaved pairs: the provider's whole cost to a CLI command.
//! - **Destroy waiter** ([`destroy_waiter`]): with the emulator taking 5 s to disassociate, how
//!   long after AWS reported each association gone the provider noticed, and the status calls it
//!   spent (one association of each kind, and ten on one Client VPN endpoint).
//!
//! Knobs: `AWSASSOC_BENCH_HANDSHAKES` (default 200), `AWSASSOC_BENCH_PLANS` (default 11), and
//! `AWSASSOC_BENCH_PROVIDER`, the provider binary to measure (`scripts/bench` sets it to the
//! release build; a peer or an older build works too). Without it, the binary cargo built beside
//! this harness.

#[path = "rss/mod.rs"]
mod rss;
use awsassoc_test_harness as support;

use std::env;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use support::go_plugin_client::ClientIdentity;
use support::{Cli, ProviderMirror, Workdir};

use rss::{RSS_LOG_ENV, WRAP_ENV, mb};
/// go-plugin's magic cookie for Terraform and OpenTofu providers.
const MAGIC_COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The release provider cargo built for this bench.
const BUILT_PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-awsassoc");

/// The provider binary under measurement: `$AWSASSOC_BENCH_PROVIDER`, else the one cargo built
/// beside this harness.
fn provider() -> PathBuf {
    env::var_os("AWSASSOC_BENCH_PROVIDER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(BUILT_PROVIDER))
}

fn main() -> Result<()> {
    rss::wrap_if_asked();
    let handshakes = knob("AWSASSOC_BENCH_HANDSHAKES", 200)?;
    let plans = knob("AWSASSOC_BENCH_PLANS", 11)?;
    ensure!(handshakes >= 1 && plans >= 1, "run counts must be positive");

    let provider = provider();
    let cli = Cli::get();
    println!(
        "provider: {} ({:.1} MB)",
        provider.display(),
        fs::metadata(&provider)?.len() as f64 / 1e6
    );
    println!("cli:      {} ({})", cli.path().display(), cli.version()?);
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("awsassoc-bench");
    fs::create_dir_all(&scratch)?;

    let mut rows = Vec::new();
    let pem = ClientIdentity::generate()?.pem;
    eprintln!("measuring {handshakes} handshakes with AutoMTLS ...");
    let tls = handshake_latencies(&provider, handshakes, Some(&pem), &scratch)?;
    rows.push(Row::new(
        format!("handshake, exec to line, AutoMTLS (n={handshakes})"),
        format!(
            "median {}, p90 {}",
            ms(percentile(&tls, 50)),
            ms(percentile(&tls, 90))
        ),
        "median <= 3 ms",
        Some(percentile(&tls, 50) <= Duration::from_millis(3)),
    ));
    let plain_runs = handshakes.div_ceil(4);
    eprintln!("measuring {plain_runs} handshakes without TLS ...");
    let plain = handshake_latencies(&provider, plain_runs, None, &scratch)?;
    rows.push(Row::new(
        format!("handshake, exec to line, no TLS (n={plain_runs})"),
        format!(
            "median {}, p90 {}",
            ms(percentile(&plain, 50)),
            ms(percentile(&plain, 90))
        ),
        "(reference)",
        None,
    ));

    eprintln!("measuring peak RSS during a plan ...");
    let rss = plan_peak_rss(&provider, &scratch)?;
    let max_rss = rss.iter().copied().max().unwrap_or(0);
    rows.push(Row::new(
        format!(
            "peak RSS per provider process, plan ({} processes)",
            rss.len()
        ),
        format!(
            "max {:.1} MB, min {:.1} MB",
            mb(max_rss),
            mb(rss.iter().copied().min().unwrap_or(0))
        ),
        "<= 12 MB",
        Some(!rss.is_empty() && mb(max_rss) <= 12.0),
    ));

    eprintln!("measuring {plans} pairs of plans, with and without the provider ...");
    let (with, without) = plan_wall_times(&provider, plans, &scratch)?;
    let (with_median, without_median) = (percentile(&with, 50), percentile(&without, 50));
    rows.push(Row::new(
        format!("plan examples/provider, wall (n={plans})"),
        format!(
            "median {}, p90 {}",
            ms(with_median),
            ms(percentile(&with, 90))
        ),
        // Most of this is the CLI: it hashes the provider binary against the lock file on every
        // run (proportional to binary size) and makes its own P-521 client certificate.
        "peer 84-373 ms (4.7 MB binary)",
        None,
    ));
    rows.push(Row::new(
        format!("plan with provider / plan without one (n={plans} pairs)"),
        format!(
            "{:.2}x ({} / {})",
            with_median.as_secs_f64() / without_median.as_secs_f64().max(f64::EPSILON),
            ms(with_median),
            ms(without_median)
        ),
        "(the provider's whole cost to a plan)",
        None,
    ));

    eprintln!("measuring the destroy waiter against the emulator ...");
    rows.extend(destroy_waiter(&provider, &scratch)?);
    print_table(&rows);
    Ok(())
}

/// How long after AWS reported each association gone the provider noticed, and how many status
/// calls the wait spent. The emulator takes `DISASSOCIATE_MS` to disassociate; the provider's
/// noticing time is its last status call (the one that saw the association finished), read from
/// the emulator's call log, against the transition timestamp in the association's history.
/// One association of each kind, and ten Client VPN associations on one endpoint.
fn destroy_waiter(provider: &Path, scratch: &Path) -> Result<Vec<Row>> {
    const DISASSOCIATE_MS: u64 = 5000;
    let mirror = ProviderMirror::build(&scratch.join("destroy"), provider)?;
    let mut rows = Vec::new();
    let cases = support::kinds::all()
        .map(|kind| (kind, 1))
        .chain([(&support::kinds::CLIENT_VPN, 10)]);
    for (kind, count) in cases {
        let sim = support::sim::start_sim()?;
        sim.block_on(sim.admin.seed(&support::sim::test_world()))?;
        let mut wd = Workdir::new();
        wd.cli_config(mirror.cli_config());
        wd.write(
            "providers.tf",
            &format!("{}\n{}", support::REQUIRED_PROVIDERS, sim.provider_block()),
        );
        let config: String = (0..count)
            .map(|i| {
                format!(
                    "resource \"{}\" \"n{i}\" {{\n  {}\n}}\n",
                    kind.resource_type,
                    kind.arguments.replace(
                        "subnet-0a1b2c3d4e5f60000",
                        &format!("subnet-0a1b2c3d4e5f6000{i}")
                    )
                )
            })
            .collect();
        wd.write("main.tf", &config);
        wd.init();
        wd.apply();
        sim.block_on(sim.admin.set_durations(
            &serde_json::json!({ kind.family.to_string(): {"disassociate_ms": DISASSOCIATE_MS} }),
        ))?;
        let destroy = wd.run_ok(&["destroy", "-auto-approve", "-refresh=false"]);
        let calls = sim.block_on(sim.admin.calls())?;
        let associations = sim.block_on(sim.admin.associations())?;
        let started = calls
            .log
            .iter()
            .find(|c| c.operation == kind.disassociate_action)
            .map(|c| c.at_ms)
            .context("no disassociate call")?;
        let polls: Vec<f64> = calls
            .log
            .iter()
            .filter(|c| c.operation == kind.describe_action && c.at_ms >= started)
            .map(|c| c.at_ms)
            .collect();
        let gone_at = associations
            .iter()
            .filter_map(|a| a.finished_at())
            .fold(f64::MIN, f64::max);
        let noticed_at = polls.last().copied().unwrap_or(started);
        rows.push(Row::new(
            format!(
                "destroy waiter, {} x{count}: AWS gone -> noticed",
                kind.family
            ),
            format!(
                "{:.0} ms after gone; {} status calls in {:.1} s; destroy {}",
                noticed_at - gone_at,
                polls.len(),
                (noticed_at - started) / 1000.0,
                ms(destroy.elapsed)
            ),
            "one poll interval (<= 5 s cap)",
            None,
        ));
    }
    Ok(rows)
}

/// Exec-to-handshake-line latencies of `runs` provider processes (after a few unmeasured warm-ups,
/// so page-cache misses on the first exec do not count).
fn handshake_latencies(
    provider: &Path,
    runs: usize,
    client_cert: Option<&str>,
    scratch: &Path,
) -> Result<Vec<Duration>> {
    // Sockets of killed providers are never cleaned up by them; keep them in a directory we remove.
    let sockets = tempfile::Builder::new()
        .prefix("sockets-")
        .tempdir_in(scratch)?;
    let mut latencies = Vec::with_capacity(runs);
    for i in 0..runs + 3 {
        let mut cmd = Command::new(provider);
        scrub_env(&mut cmd);
        cmd.env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .env("TMPDIR", sockets.path())
            .env("PLUGIN_UNIX_SOCKET_DIR", sockets.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(pem) = client_cert {
            cmd.env("PLUGIN_CLIENT_CERT", pem);
        }
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {}", provider.display()))?;
        let mut line = String::new();
        let read =
            BufReader::new(child.stdout.take().context("stdout piped")?).read_line(&mut line);
        let elapsed = started.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        read.context("reading the handshake line")?;
        check_handshake(&line, client_cert.is_some())?;
        if i >= 3 {
            latencies.push(elapsed);
        }
    }
    Ok(latencies)
}

/// `CORE|APP|NETWORK|ADDR|PROTOCOL|SERVERCERT`, with a certificate exactly when TLS was asked for.
fn check_handshake(line: &str, tls: bool) -> Result<()> {
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    ensure!(
        fields.len() == 6,
        "handshake line has {} fields: {line:?}",
        fields.len()
    );
    ensure!(
        fields[0] == "1" && fields[4] == "grpc",
        "unexpected handshake line: {line:?}"
    );
    ensure!(
        (fields[5].len() > 50) == tls,
        "server certificate present = {}, expected {tls}: {line:?}",
        !tls
    );
    Ok(())
}

/// Runs `tofu plan` on `examples/provider` with the wrapper in the mirror and returns the peak RSS
/// (KiB) of every provider process it started.
fn plan_peak_rss(provider: &Path, scratch: &Path) -> Result<Vec<u64>> {
    let me = env::current_exe().context("locating the bench executable")?;
    let mirror = ProviderMirror::build(&scratch.join("rss"), &me)?;
    let log = scratch.join("rss.log");
    let _ = fs::remove_file(&log);

    let mut wd = Workdir::from_example("provider");
    wd.cli_config(mirror.cli_config());
    wd.init();
    wd.env(WRAP_ENV, fs::canonicalize(provider)?)
        .env(RSS_LOG_ENV, &log);
    wd.plan();

    rss::read_log(&log)
}

/// Wall times of `runs` plans of `examples/provider` and, interleaved with them so both see the
/// same machine load, of a configuration that needs no provider at all, each after one warm-up.
fn plan_wall_times(
    provider: &Path,
    runs: usize,
    scratch: &Path,
) -> Result<(Vec<Duration>, Vec<Duration>)> {
    let mirror = ProviderMirror::build(&scratch.join("plan"), provider)?;
    let mut with = Workdir::from_example("provider");
    with.cli_config(mirror.cli_config());
    with.init();
    let mut without = Workdir::new();
    without.cli_config(mirror.cli_config());
    without.write("main.tf", "output \"answer\" {\n  value = 42\n}\n");
    without.init();
    with.plan();
    without.plan();
    Ok((0..runs)
        .map(|_| (with.plan().elapsed, without.plan().elapsed))
        .unzip())
}

/// Removes inherited Terraform and plugin variables, so the provider sees what the CLI would give it.
fn scrub_env(cmd: &mut Command) {
    for (key, _) in env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("TF_") || k.starts_with("PLUGIN_") {
            cmd.env_remove(&key);
        }
    }
}

fn knob(name: &str, default: usize) -> Result<usize> {
    match env::var(name) {
        Ok(v) => v
            .parse()
            .with_context(|| format!("{name}={v:?} is not a count")),
        Err(env::VarError::NotPresent) => Ok(default),
        Err(e) => bail!("{name}: {e}"),
    }
}

/// Nearest-rank percentile of unsorted samples.
fn percentile(samples: &[Duration], pct: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = (pct * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

struct Row {
    metric: String,
    result: String,
    target: &'static str,
    met: Option<bool>,
}

impl Row {
    fn new(metric: String, result: String, target: &'static str, met: Option<bool>) -> Row {
        Row {
            metric,
            result,
            target,
            met,
        }
    }
}

fn print_table(rows: &[Row]) {
    let w0 = rows.iter().map(|r| r.metric.len()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.result.len()).max().unwrap_or(0);
    let w2 = rows.iter().map(|r| r.target.len()).max().unwrap_or(0);
    println!();
    println!("{:w0$}  {:w1$}  {:w2$}  met", "metric", "result", "target");
    println!("{}", "-".repeat(w0 + w1 + w2 + 11));
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        println!(
            "{:w0$}  {:w1$}  {:w2$}  {met}",
            r.metric, r.result, r.target
        );
    }
}
