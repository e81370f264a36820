//! `awsassoc-sim` command line: serve the emulator until SIGINT/SIGTERM.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use awsassoc_sim::{Profile, SimConfig, World};

const USAGE: &str = "usage: awsassoc-sim [--listen 127.0.0.1:4566] [--seed FILE] \
[--profile fast|demo|realistic] [--durations JSON|FILE] [--log-level info]";

struct Args {
    listen: SocketAddr,
    seed: Option<PathBuf>,
    profile: Profile,
    durations: Option<String>,
    log_level: String,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 4566)),
        seed: None,
        profile: Profile::Demo,
        durations: None,
        log_level: "info".to_string(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag.clone(), None),
        };
        if name == "-h" || name == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))?,
        };
        match name.as_str() {
            "--listen" => {
                args.listen = value
                    .parse()
                    .with_context(|| format!("--listen {value:?} is not an IP:PORT address"))?
            }
            "--seed" => args.seed = Some(PathBuf::from(value)),
            "--profile" => args.profile = value.parse()?,
            "--durations" => args.durations = Some(value),
            "--log-level" => args.log_level = value,
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    Ok(args)
}

/// `--durations` takes inline JSON or the path of a JSON file.
fn durations_patch(text: &str) -> anyhow::Result<serde_json::Value> {
    let json = if text.trim_start().starts_with('{') {
        text.to_string()
    } else {
        std::fs::read_to_string(text)
            .with_context(|| format!("cannot read durations file {text}"))?
    };
    serde_json::from_str(&json).context("--durations is not valid JSON")
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

async fn run() -> anyhow::Result<()> {
    let args = parse_args()?;
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log_level)
        .with_context(|| format!("--log-level {:?} is not a valid filter", args.log_level))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let world = match &args.seed {
        Some(path) => World::from_file(path)?,
        None => World::default(),
    };
    let durations = args.durations.as_deref().map(durations_patch).transpose()?;
    let handle = awsassoc_sim::start(SimConfig {
        listen: args.listen,
        profile: args.profile,
        world,
        durations,
        ..SimConfig::default()
    })
    .await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "awsassoc-sim listening on {}", handle.url())?;
        out.flush()?;
    }
    tracing::info!(profile = %args.profile, url = handle.url(), "serving");
    wait_for_signal().await;
    tracing::info!("shutting down");
    handle.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("awsassoc-sim: {e:#}");
        std::process::exit(2);
    }
}
