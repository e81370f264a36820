//! The go-plugin host layer, tested from outside: each test starts the real provider binary the way
//! Terraform/OpenTofu do (environment, stdout handshake, gRPC over the advertised socket).

use std::time::{Duration, Instant};

use serde_json::Value;
use tf_plugin_host::proto::Empty;
use tf_plugin_host::proto::grpc_controller_client::GrpcControllerClient;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use awsassoc_test_harness::go_plugin_client::ClientIdentity;
use harness::{Handshake, Plugin, Tls};

const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

/// Starting, talking to and stopping plugin processes. Every `Plugin` kills its child on drop, so
/// a failing assertion never leaves a process behind.
mod harness {
    use std::io::{BufRead as _, BufReader, Read as _};
    use std::path::PathBuf;
    use std::process::{Child, Command, ExitStatus, Stdio};
    use std::sync::mpsc::{Receiver, channel};
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    use hyper_util::rt::TokioIo;
    use rustls::pki_types::{CertificateDer, ServerName};
    use tonic::transport::{Channel, Endpoint, Uri};

    use awsassoc_test_harness::go_plugin_client::ClientIdentity;

    const TLS12_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];

    pub const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-awsassoc");
    const START_TIMEOUT: Duration = Duration::from_secs(30);

    /// A running plugin process and what it has said so far.
    pub struct Plugin {
        pub child: Child,
        pub socket_dir: tempfile::TempDir,
        stdout_lines: Receiver<String>,
        stderr: Arc<Mutex<String>>,
        stderr_reader: Option<JoinHandle<()>>,
    }

    impl Drop for Plugin {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// The command as Terraform would build it, minus anything inherited from the developer's
    /// shell that would change the plugin's behaviour.
    pub fn command(args: &[&str], env: &[(&str, &str)], socket_dir: &std::path::Path) -> Command {
        let mut command = Command::new(BIN);
        command.args(args);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("TF_") || key.starts_with("PLUGIN_") {
                command.env_remove(&key);
            }
        }
        command.env("PLUGIN_UNIX_SOCKET_DIR", socket_dir);
        command.envs(env.iter().copied());
        command
    }

    impl Plugin {
        pub fn start(args: &[&str], env: &[(&str, &str)]) -> Plugin {
            let socket_dir = tempfile::tempdir().expect("socket tempdir");
            let mut child = command(args, env, socket_dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn the provider binary");
            let stdout = child.stdout.take().expect("piped stdout");
            let (tx, stdout_lines) = channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            let mut stderr_pipe = child.stderr.take().expect("piped stderr");
            let stderr = Arc::new(Mutex::new(String::new()));
            let sink = stderr.clone();
            let stderr_reader = std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = stderr_pipe.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut text) = sink.lock() {
                        text.push_str(&String::from_utf8_lossy(&chunk[..n]));
                    }
                }
            });
            Plugin {
                child,
                socket_dir,
                stdout_lines,
                stderr,
                stderr_reader: Some(stderr_reader),
            }
        }

        /// The next stdout line, failing the test (with stderr shown) if none comes in time.
        pub fn next_stdout_line(&mut self) -> String {
            match self.stdout_lines.recv_timeout(START_TIMEOUT) {
                Ok(line) => line,
                Err(_) => panic!(
                    "no stdout line from the plugin; stderr:\n{}",
                    self.stderr_text()
                ),
            }
        }

        pub fn handshake(&mut self) -> Handshake {
            Handshake::parse(&self.next_stdout_line())
        }

        pub fn stderr_text(&self) -> String {
            self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
        }

        /// Waits for the process to exit, then for its stderr to be fully read.
        pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
            let status = wait_with_timeout(&mut self.child, timeout, Duration::from_millis(5))?;
            if let Some(reader) = self.stderr_reader.take() {
                let _ = reader.join();
            }
            Some(status)
        }

        pub fn signal(&self, signal: i32) {
            let pid = i32::try_from(self.child.id()).expect("pid fits i32");
            // SAFETY: sending a signal to our own child process.
            let rc = unsafe { libc::kill(pid, signal) };
            assert_eq!(rc, 0, "kill({pid}, {signal})");
        }
    }

    pub fn wait_with_timeout(
        child: &mut Child,
        timeout: Duration,
        poll: Duration,
    ) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(poll);
        }
    }

    /// The six fields of a go-plugin handshake line.
    #[derive(Debug, Clone)]
    pub struct Handshake {
        pub core: String,
        pub app: String,
        pub network: String,
        pub address: String,
        pub protocol: String,
        pub cert: String,
    }

    impl Handshake {
        pub fn parse(line: &str) -> Handshake {
            let fields: Vec<&str> = line.split('|').collect();
            assert_eq!(
                fields.len(),
                6,
                "handshake line {line:?} must have exactly six fields"
            );
            Handshake {
                core: fields[0].into(),
                app: fields[1].into(),
                network: fields[2].into(),
                address: fields[3].into(),
                protocol: fields[4].into(),
                cert: fields[5].into(),
            }
        }

        pub fn cert_der(&self) -> Vec<u8> {
            use base64::Engine as _;
            assert!(
                !self.cert.contains('='),
                "certificate must be base64 without padding"
            );
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(&self.cert)
                .expect("certificate field is RawStd base64")
        }
    }

    /// A gRPC channel over the advertised address, with TLS when `tls` is given:
    /// (server certificate from the handshake, optional client identity).
    pub async fn connect(
        handshake: &Handshake,
        tls: Option<Tls<'_>>,
    ) -> Result<Channel, tonic::transport::Error> {
        let network = handshake.network.clone();
        let address = handshake.address.clone();
        let tls_config = tls.map(
            |Tls {
                 server_der,
                 client,
                 tls12_only,
             }| {
                let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
                let mut roots = rustls::RootCertStore::empty();
                roots
                    .add(CertificateDer::from(server_der))
                    .expect("trust the handshake certificate");
                let builder = rustls::ClientConfig::builder_with_provider(provider)
                    .with_protocol_versions(if tls12_only {
                        TLS12_ONLY
                    } else {
                        rustls::DEFAULT_VERSIONS
                    })
                    .expect("TLS versions")
                    .with_root_certificates(roots);
                let mut config = match client {
                    Some(identity) => builder
                        .with_client_auth_cert(vec![identity.der.clone()], identity.key())
                        .expect("client certificate"),
                    None => builder.with_no_client_auth(),
                };
                config.alpn_protocols = vec![b"h2".to_vec()];
                tokio_rustls::TlsConnector::from(Arc::new(config))
            },
        );
        Endpoint::from_static("http://localhost")
            .connect_with_connector(tower::service_fn(move |_: Uri| {
                let network = network.clone();
                let address = address.clone();
                let tls = tls_config.clone();
                async move {
                    let raw: Box<dyn Io> = match network.as_str() {
                        "unix" => Box::new(
                            tokio::net::UnixStream::connect(PathBuf::from(&address)).await?,
                        ),
                        "tcp" => Box::new(tokio::net::TcpStream::connect(&address).await?),
                        other => return Err(std::io::Error::other(format!("network {other}"))),
                    };
                    let stream: Box<dyn Io> = match tls {
                        Some(connector) => {
                            let name =
                                ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                            Box::new(connector.connect(name, raw).await?)
                        }
                        None => raw,
                    };
                    Ok::<_, std::io::Error>(TokioIo::new(stream))
                }
            }))
            .await
    }

    /// Client-side TLS settings: trust the handshake certificate, optionally present an identity.
    pub struct Tls<'a> {
        pub server_der: Vec<u8>,
        pub client: Option<&'a ClientIdentity>,
        pub tls12_only: bool,
    }

    impl<'a> Tls<'a> {
        pub fn new(server_der: Vec<u8>, client: Option<&'a ClientIdentity>) -> Self {
            Tls {
                server_der,
                client,
                tls12_only: false,
            }
        }
    }

    pub trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
    impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}
}

async fn health(channel: tonic::transport::Channel) -> Result<i32, tonic::Status> {
    let reply = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await?;
    Ok(reply.into_inner().status)
}

fn managed_env<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        COOKIE,
        ("PLUGIN_MIN_PORT", "10000"),
        ("PLUGIN_MAX_PORT", "25000"),
    ];
    env.extend_from_slice(extra);
    env
}

#[test]
fn refuses_to_run_without_the_magic_cookie() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = harness::command(&[], &[], dir.path())
        .output()
        .expect("run the binary");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing may reach stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not meant to be executed directly"),
        "{stderr}"
    );
    assert!(stderr.contains("--debug"), "{stderr}");
    assert!(stderr.contains("Terraform/OpenTofu"), "{stderr}");

    let wrong = harness::command(&[], &[(COOKIE.0, "nope")], dir.path())
        .output()
        .expect("run");
    assert_eq!(wrong.status.code(), Some(1));
    assert!(wrong.stdout.is_empty());
}

#[test]
fn negotiates_protocol_6_and_prints_a_six_field_line() {
    for offered in [Some("5,6"), Some("6,5"), Some("6"), Some("5"), None] {
        let mut env = managed_env(&[]);
        if let Some(versions) = offered {
            env.push(("PLUGIN_PROTOCOL_VERSIONS", versions));
        }
        let mut plugin = Plugin::start(&[], &env);
        let handshake = plugin.handshake();
        assert_eq!(handshake.core, "1");
        assert_eq!(handshake.app, "6", "offered {offered:?}");
        assert_eq!(handshake.network, "unix");
        assert_eq!(handshake.protocol, "grpc");
        assert_eq!(handshake.cert, "", "no TLS without PLUGIN_CLIENT_CERT");
        let socket = std::path::Path::new(&handshake.address);
        assert!(
            socket.starts_with(plugin.socket_dir.path()),
            "socket in PLUGIN_UNIX_SOCKET_DIR"
        );
        assert!(socket.exists());
    }
}

#[test]
fn handshake_carries_the_server_certificate_unpadded() {
    let client = ClientIdentity::generate().expect("client certificate");
    let mut plugin = Plugin::start(&[], &managed_env(&[("PLUGIN_CLIENT_CERT", &client.pem)]));
    let handshake = plugin.handshake();
    assert!(
        handshake.cert.len() > 50,
        "go-plugin ignores certificate fields of 50 bytes or less"
    );
    let der = handshake.cert_der();
    assert_eq!(der[0], 0x30, "a DER SEQUENCE");
    // SubjectAltName dNSName [2] "localhost", as Go verifies the server name against SANs only.
    let san = [&[0x82u8, 9][..], b"localhost"].concat();
    assert!(
        der.windows(san.len()).any(|w| w == san.as_slice()),
        "SAN localhost"
    );
}

#[tokio::test]
async fn mtls_accepts_only_the_pinned_client_certificate() {
    let client = ClientIdentity::generate().expect("client certificate");
    let stranger = ClientIdentity::generate().expect("client certificate");
    let mut plugin = Plugin::start(&[], &managed_env(&[("PLUGIN_CLIENT_CERT", &client.pem)]));
    let handshake = plugin.handshake();
    let server_der = handshake.cert_der();

    let channel = harness::connect(
        &handshake,
        Some(Tls::new(server_der.clone(), Some(&client))),
    )
    .await
    .expect("TLS connection with the pinned certificate");
    assert_eq!(
        health(channel).await.expect("health check"),
        ServingStatus::Serving as i32
    );

    // TLS 1.2 takes the other signature-verification path (a P-521 CertificateVerify as well).
    let tls12 = Tls {
        tls12_only: true,
        ..Tls::new(server_der.clone(), Some(&client))
    };
    let channel = harness::connect(&handshake, Some(tls12))
        .await
        .expect("TLS 1.2 connection");
    assert_eq!(
        health(channel).await.expect("health over TLS 1.2"),
        ServingStatus::Serving as i32
    );

    // Under TLS 1.3 the client may finish its side before the server's rejection arrives, so the
    // refusal can surface at connect time or at the first call; either way no RPC succeeds.
    for (who, identity) in [
        ("a different certificate", Some(&stranger)),
        ("no certificate", None),
    ] {
        let outcome = match harness::connect(
            &handshake,
            Some(Tls::new(server_der.clone(), identity)),
        )
        .await
        {
            Ok(channel) => health(channel).await.map(|_| ()).map_err(|e| e.to_string()),
            Err(error) => Err(error.to_string()),
        };
        assert!(
            outcome.is_err(),
            "a client presenting {who} must be refused"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while plugin
        .stderr_text()
        .matches("refused a connection at the TLS layer")
        .count()
        < 2
    {
        assert!(
            Instant::now() < deadline,
            "no refusal logged: {}",
            plugin.stderr_text()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Plaintext h2c to a TLS server gets nowhere either.
    let plaintext = harness::connect(&handshake, None).await;
    if let Ok(channel) = plaintext {
        assert!(health(channel).await.is_err());
    }
}

#[tokio::test]
async fn shutdown_rpc_exits_promptly_and_removes_the_socket() {
    let client = ClientIdentity::generate().expect("client certificate");
    let mut plugin = Plugin::start(&[], &managed_env(&[("PLUGIN_CLIENT_CERT", &client.pem)]));
    let handshake = plugin.handshake();
    let channel = harness::connect(
        &handshake,
        Some(Tls::new(handshake.cert_der(), Some(&client))),
    )
    .await
    .expect("connect");
    // Like go-plugin's client: a stdio subscription is open while Shutdown is called.
    let mut stdio = tf_plugin_host::proto::grpc_stdio_client::GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .expect("stdio stream")
        .into_inner();
    assert_eq!(
        health(channel.clone()).await.expect("health"),
        ServingStatus::Serving as i32
    );

    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("Shutdown RPC");
    // Awaited with a generous bound: a plugin that waited for the open stdio stream to end
    // would never exit, which is what this guards against, not slowness.
    let status = harness::wait_with_timeout(
        &mut plugin.child,
        Duration::from_secs(30),
        Duration::from_millis(10),
    )
    .expect("the plugin must exit after Shutdown, with the stdio stream still open");
    assert!(status.success(), "{status:?}");
    assert!(
        !std::path::Path::new(&handshake.address).exists(),
        "socket file removed"
    );
    // The stdio stream ended cleanly or with the connection; it never produced data.
    if let Ok(Some(chunk)) = stdio.message().await {
        panic!("unexpected stdio data {chunk:?}");
    }
}

#[tokio::test]
async fn sigint_does_not_stop_a_managed_server() {
    let mut plugin = Plugin::start(&[], &managed_env(&[]));
    let handshake = plugin.handshake();
    plugin.signal(libc::SIGINT);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        plugin.child.try_wait().expect("try_wait").is_none(),
        "SIGINT must be ignored"
    );
    let channel = harness::connect(&handshake, None)
        .await
        .expect("plaintext connect");
    assert_eq!(
        health(channel).await.expect("health"),
        ServingStatus::Serving as i32
    );

    plugin.signal(libc::SIGTERM);
    let status = plugin
        .wait_for_exit(Duration::from_secs(5))
        .expect("SIGTERM stops the server");
    assert!(status.success());
    assert!(
        !std::path::Path::new(&handshake.address).exists(),
        "socket file removed"
    );
}

/// Starts a server with `env`, stops it with SIGTERM and returns its stderr lines as JSON.
fn log_lines(extra_env: &[(&str, &str)]) -> Vec<Value> {
    let mut plugin = Plugin::start(&[], &managed_env(extra_env));
    let _ = plugin.handshake();
    plugin.signal(libc::SIGTERM);
    plugin
        .wait_for_exit(Duration::from_secs(5))
        .expect("exit after SIGTERM");
    plugin
        .stderr_text()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: not JSON: {line}")))
        .collect()
}

fn assert_hclog_timestamp(value: &Value) {
    let text = value.as_str().expect("@timestamp is a string");
    let bytes = text.as_bytes();
    assert_eq!(bytes.len(), 27, "{text}");
    for (i, b) in bytes.iter().enumerate() {
        let expected = match i {
            4 | 7 => Some(b'-'),
            10 => Some(b'T'),
            13 | 16 => Some(b':'),
            19 => Some(b'.'),
            26 => Some(b'Z'),
            _ => None,
        };
        match expected {
            Some(c) => assert_eq!(*b, c, "{text}"),
            None => assert!(b.is_ascii_digit(), "{text}"),
        }
    }
}

#[test]
fn logs_are_hclog_json_at_the_requested_level() {
    let lines = log_lines(&[("TF_LOG", "debug")]);
    let levels = ["trace", "debug", "info", "warn", "error"];
    for line in &lines {
        assert!(
            levels.contains(&line["@level"].as_str().unwrap_or("")),
            "{line}"
        );
        assert!(line["@message"].is_string(), "{line}");
        assert_hclog_timestamp(&line["@timestamp"]);
    }
    let debug = lines
        .iter()
        .find(|l| l["@level"] == "debug" && l["@message"] == "starting the plugin server")
        .unwrap_or_else(|| panic!("no startup debug line in {lines:?}"));
    assert_eq!(debug["@module"], "awsassoc");
    assert!(debug["pid"].is_number(), "numbers stay numbers: {debug}");
    let info = lines
        .iter()
        .find(|l| l["@level"] == "info" && l["@message"] == "plugin server listening")
        .unwrap_or_else(|| panic!("no listening info line in {lines:?}"));
    assert_eq!(info["protocol_version"], 6);
    assert_eq!(info["tls"], false);

    let quiet = log_lines(&[("TF_LOG", "warn")]);
    assert!(
        quiet
            .iter()
            .all(|l| l["@level"] == "warn" || l["@level"] == "error"),
        "{quiet:?}"
    );

    // The provider-specific variable wins over TF_LOG.
    let specific = log_lines(&[("TF_LOG", "debug"), ("TF_LOG_PROVIDER_AWSASSOC", "error")]);
    assert!(
        specific.iter().all(|l| l["@level"] == "error"),
        "{specific:?}"
    );
}

#[tokio::test]
async fn debug_mode_prints_reattach_text_and_serves_plaintext() {
    let mut plugin = Plugin::start(&["--debug"], &[]);
    assert_eq!(
        plugin.next_stdout_line(),
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:"
    );
    assert_eq!(plugin.next_stdout_line(), "");
    let line = plugin.next_stdout_line();
    let json = line
        .strip_prefix("\tTF_REATTACH_PROVIDERS='")
        .and_then(|rest| rest.strip_suffix('\''))
        .unwrap_or_else(|| panic!("unexpected reattach line {line:?}"));
    let reattach: Value = serde_json::from_str(json).expect("reattach JSON");
    let pid = plugin.child.id();
    for name in [
        "registry.terraform.io/awsassoc/awsassoc",
        "registry.opentofu.org/awsassoc/awsassoc",
    ] {
        let entry = &reattach[name];
        assert_eq!(entry["Protocol"], "grpc");
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Pid"], pid);
        assert_eq!(entry["Test"], true);
        assert_eq!(entry["Addr"]["Network"], "unix");
    }
    let address = reattach["registry.terraform.io/awsassoc/awsassoc"]["Addr"]["String"]
        .as_str()
        .expect("address string")
        .to_owned();
    let handshake = Handshake::parse(&format!("1|6|unix|{address}|grpc|"));
    let channel = harness::connect(&handshake, None)
        .await
        .expect("plaintext connect");
    assert_eq!(
        health(channel).await.expect("health"),
        ServingStatus::Serving as i32
    );

    plugin.signal(libc::SIGINT);
    let status = plugin
        .wait_for_exit(Duration::from_secs(5))
        .expect("SIGINT stops debug mode");
    assert!(status.success());
    assert!(
        !std::path::Path::new(&address).exists(),
        "socket file removed"
    );
}

#[tokio::test]
async fn tcp_fallback_serves_on_loopback() {
    let mut plugin = Plugin::start(
        &[],
        &managed_env(&[("TF_PROVIDER_AWSASSOC_PLUGIN_NETWORK", "tcp")]),
    );
    let handshake = plugin.handshake();
    assert_eq!(handshake.network, "tcp");
    let addr: std::net::SocketAddr = handshake.address.parse().expect("host:port");
    assert!(addr.ip().is_loopback());
    assert!(
        (10000..=25000).contains(&addr.port()),
        "port from PLUGIN_MIN_PORT..PLUGIN_MAX_PORT"
    );
    let channel = harness::connect(&handshake, None)
        .await
        .expect("TCP connect");
    assert_eq!(
        health(channel).await.expect("health"),
        ServingStatus::Serving as i32
    );
}

#[test]
fn unusable_socket_dir_falls_back_to_tcp() {
    let mut plugin = Plugin::start(
        &[],
        &managed_env(&[("PLUGIN_UNIX_SOCKET_DIR", "/nonexistent/awsassoc-socket-dir")]),
    );
    assert_eq!(plugin.handshake().network, "tcp");
}

#[test]
fn version_and_help_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    let version = harness::command(&["--version"], &[], dir.path())
        .output()
        .expect("run");
    assert!(version.status.success());
    let text = String::from_utf8_lossy(&version.stdout);
    assert!(text.starts_with("terraform-provider-awsassoc "), "{text}");
    let help = harness::command(&["--help"], &[], dir.path())
        .output()
        .expect("run");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--debug"));
    let bad = harness::command(&["--bogus"], &[], dir.path())
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
}

/// Handshake latency is someone else's benchmark; this only guards against gross regressions
/// (e.g. something expensive creeping in before the handshake) with a generous bound.
#[test]
fn handshake_is_printed_quickly() {
    let client = ClientIdentity::generate().expect("client certificate");
    let env = managed_env(&[("PLUGIN_CLIENT_CERT", &client.pem)]);
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let mut plugin = Plugin::start(&[], &env);
        let _ = plugin.handshake();
        best = best.min(started.elapsed());
    }
    assert!(
        best < Duration::from_millis(500),
        "best exec-to-handshake {best:?}"
    );
}
