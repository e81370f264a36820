//! Where the plugin listens: a unix socket like go-plugin's own servers, and loopback TCP only as
//! a fallback.
//!
//! A unix socket needs no Nagle workaround, no port search and cannot be reached from another
//! machine. The TCP fallback exists for socket directories we cannot use (read-only, or a path
//! longer than `sun_path`); there, every accepted socket gets TCP_NODELAY, because gRPC's small
//! request/response frames otherwise stall ~40 ms each on Nagle plus delayed ACKs.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tokio_util::either::Either;

use super::PluginIdentity;

/// The variable that, set to `tcp`, skips the unix socket (for hosts that cannot reach one, and
/// for tests): `TF_PROVIDER_<TYPE>_PLUGIN_NETWORK`.
pub fn network_override_env(identity: &PluginIdentity) -> String {
    identity.env_name("TF_PROVIDER_", "_PLUGIN_NETWORK")
}

/// Listener settings, normally read from go-plugin's environment variables.
#[derive(Debug, Clone, Default)]
pub struct ListenConfig {
    /// `PLUGIN_UNIX_SOCKET_DIR`, else the temp directory.
    pub socket_dir: Option<PathBuf>,
    /// `PLUGIN_UNIX_SOCKET_GROUP`: a group name or numeric gid that may use the socket.
    pub socket_group: Option<String>,
    /// `PLUGIN_MIN_PORT` / `PLUGIN_MAX_PORT` for the TCP fallback.
    pub port_range: Option<(u16, u16)>,
    /// Go straight to TCP.
    pub force_tcp: bool,
}

impl ListenConfig {
    pub fn from_env(identity: &PluginIdentity) -> Self {
        let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let port = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u16>().ok())
        };
        Self {
            socket_dir: non_empty("PLUGIN_UNIX_SOCKET_DIR").map(PathBuf::from),
            socket_group: non_empty("PLUGIN_UNIX_SOCKET_GROUP")
                .map(|v| v.to_string_lossy().into_owned()),
            port_range: port("PLUGIN_MIN_PORT").zip(port("PLUGIN_MAX_PORT")),
            force_tcp: std::env::var(network_override_env(identity))
                .is_ok_and(|v| v.trim().eq_ignore_ascii_case("tcp")),
        }
    }
}

/// The address as the handshake line and reattach JSON spell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

impl Address {
    pub fn network(&self) -> &'static str {
        match self {
            Address::Unix(_) => "unix",
            Address::Tcp(_) => "tcp",
        }
    }

    pub fn to_addr_string(&self) -> String {
        match self {
            Address::Unix(path) => path.to_string_lossy().into_owned(),
            Address::Tcp(addr) => addr.to_string(),
        }
    }
}

/// Removes the socket file when the server goes away, so a finished run leaves nothing behind.
#[derive(Debug)]
pub struct SocketFileGuard(PathBuf);

impl Drop for SocketFileGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A bound, listening socket that is not yet attached to a runtime (binding happens before the
/// runtime exists, so the handshake line can be printed as early as possible).
#[derive(Debug)]
pub struct BoundListener {
    socket: StdListener,
    pub address: Address,
    pub socket_file: Option<SocketFileGuard>,
}

#[derive(Debug)]
enum StdListener {
    Unix(std::os::unix::net::UnixListener),
    Tcp(std::net::TcpListener),
}

/// Binds according to `config`: the unix socket unless told otherwise or impossible, then TCP.
pub fn bind(config: &ListenConfig) -> anyhow::Result<BoundListener> {
    if !config.force_tcp {
        match bind_unix(config) {
            Ok(bound) => return Ok(bound),
            Err(error) => tracing::warn!(
                error = format!("{error:#}"),
                "cannot listen on a unix socket; falling back to TCP on 127.0.0.1"
            ),
        }
    }
    bind_tcp(config.port_range)
}

fn bind_unix(config: &ListenConfig) -> anyhow::Result<BoundListener> {
    let dir = config.socket_dir.clone().unwrap_or_else(std::env::temp_dir);
    let mut attempts = 0;
    let (listener, path) = loop {
        let path = dir.join(format!("plugin{:016x}", rand::random::<u64>()));
        match std::os::unix::net::UnixListener::bind(&path) {
            Ok(listener) => break (listener, path),
            // A name clash is the only error worth another try.
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && attempts < 8 => attempts += 1,
            Err(e) => {
                return Err(e).with_context(|| format!("binding unix socket {}", path.display()));
            }
        }
    };
    let guard = SocketFileGuard(path.clone());
    if let Some(group) = &config.socket_group {
        share_with_group(&path, group)?;
    }
    listener
        .set_nonblocking(true)
        .context("making the unix socket non-blocking")?;
    Ok(BoundListener {
        socket: StdListener::Unix(listener),
        address: Address::Unix(path),
        socket_file: Some(guard),
    })
}

/// Gives `group` ownership and write access to the socket, which connecting requires.
fn share_with_group(path: &Path, group: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let gid = match group.parse::<libc::gid_t>() {
        Ok(gid) => gid,
        Err(_) => lookup_group(group)?,
    };
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .context("socket path contains a NUL byte")?;
    // SAFETY: c_path is a valid NUL-terminated string; uid -1 (as uid_t) means "unchanged".
    let rc = unsafe { libc::chown(c_path.as_ptr(), libc::uid_t::MAX, gid) };
    if rc != 0 {
        return Err(io::Error::last_os_error())
            .with_context(|| format!("giving group {group} the socket {}", path.display()));
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
        .with_context(|| format!("making socket {} group-writable", path.display()))
}

fn lookup_group(name: &str) -> anyhow::Result<libc::gid_t> {
    let c_name = std::ffi::CString::new(name).context("group name contains a NUL byte")?;
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: group is plain data that getgrnam_r fills; all pointers outlive the call.
    let mut group: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: buffer and lengths match; result is only read after a successful return.
    let rc = unsafe {
        libc::getgrnam_r(
            c_name.as_ptr(),
            &mut group,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() {
        anyhow::bail!("PLUGIN_UNIX_SOCKET_GROUP names unknown group {name:?}");
    }
    Ok(group.gr_gid)
}

fn bind_tcp(port_range: Option<(u16, u16)>) -> anyhow::Result<BoundListener> {
    // go-plugin scans PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT; without a usable range the OS picks.
    let ports: Vec<u16> = match port_range {
        Some((min, max)) if min <= max && min > 0 => (min..=max).collect(),
        _ => vec![0],
    };
    let mut last_error = None;
    for port in ports {
        match std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            Ok(listener) => {
                let address = listener
                    .local_addr()
                    .context("reading the TCP listen address")?;
                listener
                    .set_nonblocking(true)
                    .context("making the TCP listener non-blocking")?;
                return Ok(BoundListener {
                    socket: StdListener::Tcp(listener),
                    address: Address::Tcp(address),
                    socket_file: None,
                });
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("empty port range")))
        .context("no free TCP port on 127.0.0.1 in PLUGIN_MIN_PORT..PLUGIN_MAX_PORT")
}

impl BoundListener {
    /// Moves the socket into the current tokio runtime. Must run inside that runtime.
    pub fn into_tokio(self) -> io::Result<(Listener, Option<SocketFileGuard>)> {
        let listener = match self.socket {
            StdListener::Unix(l) => Listener::Unix(tokio::net::UnixListener::from_std(l)?),
            StdListener::Tcp(l) => Listener::Tcp(tokio::net::TcpListener::from_std(l)?),
        };
        Ok((listener, self.socket_file))
    }
}

/// The listening socket inside the runtime.
#[derive(Debug)]
pub enum Listener {
    Unix(tokio::net::UnixListener),
    Tcp(tokio::net::TcpListener),
}

impl Listener {
    /// Accepts one connection, with TCP_NODELAY already set when it is TCP.
    pub async fn accept(&self) -> io::Result<IoStream> {
        match self {
            Listener::Unix(l) => l.accept().await.map(|(s, _)| Either::Left(s)),
            Listener::Tcp(l) => {
                let (stream, _) = l.accept().await?;
                stream.set_nodelay(true)?;
                Ok(Either::Right(stream))
            }
        }
    }
}

/// An accepted connection before any TLS: a unix socket or (the fallback) TCP.
pub type IoStream = Either<tokio::net::UnixStream, tokio::net::TcpStream>;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tcp_fallback_sets_nodelay_on_accepted_sockets() {
        let config = ListenConfig {
            force_tcp: true,
            ..ListenConfig::default()
        };
        let bound = bind(&config).expect("bind loopback");
        let Address::Tcp(addr) = bound.address.clone() else {
            panic!("expected TCP")
        };
        assert!(addr.ip().is_loopback());
        let (listener, guard) = bound.into_tokio().expect("into tokio");
        assert!(guard.is_none());
        let client = tokio::net::TcpStream::connect(addr);
        let (accepted, _client) = tokio::join!(listener.accept(), client);
        let Either::Right(stream) = accepted.expect("accept") else {
            panic!("expected TCP")
        };
        assert!(stream.nodelay().expect("read TCP_NODELAY"));
    }

    #[tokio::test]
    async fn unusable_socket_dir_falls_back_to_tcp() {
        let config = ListenConfig {
            socket_dir: Some(PathBuf::from("/nonexistent/awsassoc-plugin-dir")),
            ..ListenConfig::default()
        };
        let bound = bind(&config).expect("fallback bind");
        assert_eq!(bound.address.network(), "tcp");
    }

    #[test]
    fn port_range_is_honoured() {
        let probe = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("probe");
        let busy = probe.local_addr().expect("addr").port();
        // The first port is taken, so the scan has to move on (or fail if the next is taken too).
        if let Ok(bound) = bind_tcp(Some((busy, busy.saturating_add(20)))) {
            let Address::Tcp(addr) = bound.address else {
                panic!("expected TCP")
            };
            assert!(addr.port() > busy && addr.port() <= busy + 20);
        }
    }

    #[test]
    fn unix_socket_is_removed_when_the_guard_drops() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = ListenConfig {
            socket_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let bound = bind(&config).expect("bind unix");
        let Address::Unix(path) = bound.address.clone() else {
            panic!("expected unix")
        };
        assert!(path.exists());
        drop(bound);
        assert!(!path.exists());
    }
}
