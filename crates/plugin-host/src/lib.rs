//! The go-plugin host contract: everything Terraform and OpenTofu need to start a provider
//! process, trust it and talk gRPC to it, and nothing about what is said. The provider hands in
//! who it is ([`PluginIdentity`]) and its tfplugin6 routes; this crate knows no Terraform types
//! and no cloud.
//!
//! Start-up order matters for latency, since Terraform starts several provider processes per
//! command and waits for each handshake line: check the cookie, read the environment, generate
//! the TLS identity, bind, print the handshake line, and only then build the runtime and the
//! routes. The host's first connection simply waits in the listen backlog meanwhile.
//!
//! Modules:
//! - [`handshake`]: magic cookie, version negotiation, the handshake line;
//! - [`listener`]: unix socket (TCP fallback) and accepted streams;
//! - [`tls`]: AutoMTLS with a pinned client certificate;
//! - [`transport`]: accept loop, TLS termination, the connection type tonic serves;
//! - [`services`]: GRPCController, GRPCStdio, health;
//! - [`serve`]: runtime, server and shutdown;
//! - [`signals`], [`debug`] (reattach mode), [`logging`] (hclog JSON), [`cli`].
//!
//! Environment read: `TF_PLUGIN_MAGIC_COOKIE`, `PLUGIN_PROTOCOL_VERSIONS`, `PLUGIN_CLIENT_CERT`,
//! `PLUGIN_UNIX_SOCKET_DIR` (else `TMPDIR`), `PLUGIN_UNIX_SOCKET_GROUP`, `PLUGIN_MIN_PORT` /
//! `PLUGIN_MAX_PORT` (TCP fallback only), `TF_PROVIDER_<TYPE>_PLUGIN_NETWORK=tcp` (force TCP),
//! and `TF_LOG_PROVIDER_<TYPE>` / `TF_LOG_PROVIDER` / `TF_LOG` for the log level, where `<TYPE>`
//! is the provider type name in upper case.
//! `PLUGIN_MULTIPLEX_GRPC` is ignored: no Terraform or OpenTofu release sets it, and without it the
//! handshake line must have exactly six fields.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

pub mod cli;
pub mod debug;
pub mod handshake;
pub mod listener;
pub mod logging;
pub mod proto;
pub mod serve;
pub mod services;
pub mod signals;
pub mod tls;
pub mod transport;

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::OnceLock;

use tokio_util::sync::CancellationToken;

/// Who the plugin is: everything provider-specific the host needs, handed in by the provider.
#[derive(Debug, Clone, Copy)]
pub struct PluginIdentity {
    /// The provider type name, e.g. `random` in `hashicorp/random`.
    pub provider_type: &'static str,
    /// The registry namespace, e.g. `hashicorp`, for the reattach configuration of debug mode.
    pub namespace: &'static str,
    /// The provider's version, printed by `--version`.
    pub version: &'static str,
    /// Which log lines are the provider's own and which targets must be kept quiet.
    pub logging: logging::LogPolicy,
}

impl PluginIdentity {
    /// The conventional binary name, used in messages to people.
    pub fn program_name(&self) -> String {
        format!("terraform-provider-{}", self.provider_type)
    }

    /// An environment variable scoped to this provider: `TF_<infix>_<TYPE>` style names such as
    /// `TF_LOG_PROVIDER_RANDOM` are built from the upper-cased type name.
    pub fn env_name(&self, before: &str, after: &str) -> String {
        format!("{before}{}{after}", self.provider_type.to_ascii_uppercase())
    }
}

fn process_shutdown() -> &'static CancellationToken {
    static SHUTDOWN: OnceLock<CancellationToken> = OnceLock::new();
    SHUTDOWN.get_or_init(CancellationToken::new)
}

/// A token cancelled when the process starts shutting down: the host called
/// `GRPCController.Shutdown`, or SIGTERM (or SIGINT in debug mode) arrived.
///
/// Long-running work (AWS waiters, polling loops) can select on `cancelled()` to stop promptly;
/// the process exits about 20 ms after cancellation whether or not work has finished. This is not
/// Terraform's StopProvider, which the framework handles itself. The token is a child of the
/// process-wide one, so cancelling it affects only the caller.
pub fn shutdown_token() -> CancellationToken {
    process_shutdown().child_token()
}

/// Runs the plugin: parses flags, then serves go-plugin until shutdown. `build_routes` supplies
/// the tfplugin6 service and is called once, inside the tokio runtime, after the handshake line.
pub fn main(
    identity: PluginIdentity,
    build_routes: impl FnOnce() -> tonic::service::Routes,
) -> ExitCode {
    logging::install_panic_hook();
    let program = identity.program_name();
    match cli::parse(std::env::args_os().skip(1)) {
        Ok(cli::Command::Serve) => serve_managed(identity, build_routes),
        Ok(cli::Command::Debug) => serve_debug(identity, build_routes),
        Ok(cli::Command::Version) => {
            println!("{program} {}", identity.version);
            ExitCode::SUCCESS
        }
        Ok(cli::Command::Help) => {
            print!("{}", cli::usage(&identity));
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprint!("{program}: {problem}\n\n{}", cli::usage(&identity));
            ExitCode::from(2)
        }
    }
}

/// Managed mode: started by Terraform/OpenTofu through go-plugin.
fn serve_managed(
    identity: PluginIdentity,
    build_routes: impl FnOnce() -> tonic::service::Routes,
) -> ExitCode {
    let cookie = std::env::var(handshake::MAGIC_COOKIE_KEY).ok();
    if !handshake::cookie_matches(cookie.as_deref()) {
        eprint!("{}", handshake::refusal_message(&identity.program_name()));
        return ExitCode::FAILURE;
    }
    signals::ignore_interrupts_early();
    logging::init_from_env(&identity);
    tracing::debug!(pid = std::process::id(), "starting the plugin server");

    let offered = std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok();
    let protocol_version = handshake::negotiate(offered.as_deref());
    let tls = match std::env::var("PLUGIN_CLIENT_CERT")
        .ok()
        .filter(|pem| !pem.trim().is_empty())
    {
        Some(pem) => match tls::ServerTls::from_client_cert_pem(&pem, &identity.program_name()) {
            Ok(tls) => Some(tls),
            Err(error) => return fail("cannot set up AutoMTLS", &error),
        },
        None => None,
    };
    let listener = match listener::bind(&listener::ListenConfig::from_env(&identity)) {
        Ok(listener) => listener,
        Err(error) => return fail("cannot listen for the host", &error),
    };

    let address = listener.address.to_addr_string();
    let line = handshake::HandshakeLine {
        protocol_version,
        network: listener.address.network(),
        address: &address,
        server_cert_der: tls.as_ref().map(|t| t.cert_der.as_ref()),
    };
    // Logged before the handshake line: once the host has that line it may stop the process at
    // any moment, and this line should reach its log either way.
    tracing::info!(
        network = listener.address.network(),
        address = %address,
        protocol_version,
        tls = tls.is_some(),
        "plugin server listening"
    );
    if let Err(error) = print_handshake_and_seal_stdout(&line.to_string()) {
        return fail("cannot write the handshake line", &error.into());
    }

    finish(serve::run(serve::ServeParams {
        managed: true,
        thread_name: format!("{}-worker", identity.provider_type),
        listener,
        tls: tls.map(|t| t.acceptor),
        build_routes,
        shutdown: process_shutdown().clone(),
    }))
}

/// Debug mode: no cookie, no TLS, instructions for `TF_REATTACH_PROVIDERS` on stdout.
fn serve_debug(
    identity: PluginIdentity,
    build_routes: impl FnOnce() -> tonic::service::Routes,
) -> ExitCode {
    logging::init_from_env(&identity);
    let listener = match listener::bind(&listener::ListenConfig::from_env(&identity)) {
        Ok(listener) => listener,
        Err(error) => return fail("cannot listen for the host", &error),
    };
    let protocol_version = handshake::SERVED_PROTOCOL_VERSIONS
        .iter()
        .copied()
        .max()
        .unwrap_or(6);
    let json = debug::reattach_json(
        &identity,
        protocol_version,
        std::process::id(),
        &listener.address,
    );
    let mut stdout = std::io::stdout().lock();
    let printed = stdout
        .write_all(debug::reattach_instructions(&json).as_bytes())
        .and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = printed {
        return fail("cannot print the reattach instructions", &error.into());
    }
    finish(serve::run(serve::ServeParams {
        managed: false,
        thread_name: format!("{}-worker", identity.provider_type),
        listener,
        tls: None,
        build_routes,
        shutdown: process_shutdown().clone(),
    }))
}

/// Writes the handshake line, then points fd 1 at stderr so nothing else in the process can ever
/// write to the host's stdout pipe again (stray prints show up in the host's log instead). The
/// original pipe is kept open, as go-plugin's own servers keep theirs, so the host sees no EOF.
fn print_handshake_and_seal_stdout(line: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(line.as_bytes())?;
    stdout.write_all(b"\n")?;
    stdout.flush()?;
    // SAFETY: plain fd duplication on the process's own standard descriptors. The duplicate of the
    // pipe is deliberately leaked (close-on-exec) to keep the pipe open until exit.
    unsafe {
        libc::fcntl(libc::STDOUT_FILENO, libc::F_DUPFD_CLOEXEC, 3);
        libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO);
    }
    Ok(())
}

fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail("the plugin server stopped with an error", &error),
    }
}

fn fail(what: &str, error: &anyhow::Error) -> ExitCode {
    if tracing::enabled!(tracing::Level::ERROR) {
        tracing::error!(error = format!("{error:#}"), "{what}");
    } else {
        // Logging is off: still say why, since the host shows a failed plugin's stderr.
        eprintln!("{what}: {error:#}");
    }
    ExitCode::FAILURE
}
