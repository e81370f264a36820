//! Release artifacts (`scripts/release`) as a platform team receives them, and the ways they
//! reach a CLI: a packed filesystem mirror, a network mirror and a provider registry (both served
//! here over HTTPS on loopback), and `gpg --verify` for the signature.
//!
//! Hashes come from coreutils' `sha256sum`; the zip is read by a small parser of its central
//! directory here, independent of the Node.js writer in `tools/release/zip.mjs`.

use std::collections::BTreeMap;
use std::env;
use std::ffi::OsStr;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use base64::Engine as _;
use serde_json::{Value, json};
use tempfile::TempDir;

use super::mirror::{HOSTS, PROVIDER_VERSION, cli_config_text};
use super::process::{self, CmdOutput};
use super::repo_root;

/// The package (and executable) name.
pub const PACKAGE: &str = "terraform-provider-awsassoc";

/// How long one `scripts/release --binary` run may take: it zips a debug binary of about 70 MB.
pub const RELEASE_TIMEOUT: Duration = Duration::from_secs(300);

/// The provider binary cargo built for this test run.
pub fn test_binary() -> PathBuf {
    crate::provider_binary()
}

/// The test binary pinned for one test: a hard link (a copy across file systems) in a directory
/// of its own, so a concurrent `cargo build` replacing `target/debug/…` mid-test cannot make the
/// package and the bytes it is checked against differ. Removed on drop.
pub struct PinnedBinary {
    _dir: TempDir,
    pub path: PathBuf,
}

impl PinnedBinary {
    pub fn new() -> PinnedBinary {
        let base = &crate::target_tmpdir();
        fs::create_dir_all(base).expect("creating CARGO_TARGET_TMPDIR");
        let dir = tempfile::Builder::new()
            .prefix("release-bin-")
            .tempdir_in(base)
            .expect("creating a temporary directory");
        let path = dir.path().join(PACKAGE);
        if fs::hard_link(test_binary(), &path).is_err() {
            fs::copy(test_binary(), &path).expect("copying the test binary");
        }
        PinnedBinary { _dir: dir, path }
    }
}

impl Default for PinnedBinary {
    fn default() -> Self {
        PinnedBinary::new()
    }
}

/// `terraform-provider-awsassoc_<version>`, the prefix of every release file.
pub fn base() -> String {
    format!("{PACKAGE}_{PROVIDER_VERSION}")
}

pub fn zip_name(platform: &str) -> String {
    format!("{}_{platform}.zip", base())
}

pub fn sums_name() -> String {
    format!("{}_SHA256SUMS", base())
}

pub fn signature_name() -> String {
    format!("{}_SHA256SUMS.sig", base())
}

pub fn manifest_name() -> String {
    format!("{}_manifest.json", base())
}

/// The executable inside the zip for `platform`.
pub fn exe_name(platform: &str) -> String {
    let exe = format!("{PACKAGE}_v{PROVIDER_VERSION}");
    if platform.starts_with("windows_") {
        format!("{exe}.exe")
    } else {
        exe
    }
}

/// `scripts/release --binary <binary> --out <out> <extra…>` (without `--binary` when `extra` has
/// `--sums-only`), with no signing key or timestamp from the developer's environment
/// (`GPG_FINGERPRINT`, `GPG_PASSPHRASE`, `GNUPGHOME` and `SOURCE_DATE_EPOCH` are removed; pass
/// them in `env`). Returns the output whatever the exit status.
pub fn run_release(binary: &Path, out: &Path, extra: &[&str], env: &[(&str, &OsStr)]) -> CmdOutput {
    let mut cmd = Command::new(repo_root().join("scripts/release"));
    if !extra.contains(&"--sums-only") {
        cmd.arg("--binary").arg(binary);
    }
    cmd.arg("--out")
        .arg(out)
        .args(extra)
        .current_dir(repo_root())
        .env_remove("GPG_FINGERPRINT")
        .env_remove("GPG_PASSPHRASE")
        .env_remove("GNUPGHOME")
        .env_remove("SOURCE_DATE_EPOCH");
    for (key, value) in env {
        cmd.env(key, value);
    }
    process::run(&mut cmd, RELEASE_TIMEOUT).unwrap_or_else(|e| panic!("{e:#}"))
}

/// The lines of a SHA256SUMS file: file name → lowercase hex SHA-256, checking sha256sum's
/// format (`<64 hex>  <name>`) on the way.
pub fn parse_sums(text: &str) -> Result<BTreeMap<String, String>> {
    let mut sums = BTreeMap::new();
    for line in text.lines() {
        let (hash, name) = line
            .split_once("  ")
            .with_context(|| format!("not `<hash>  <name>`: {line:?}"))?;
        ensure!(
            hash.len() == 64
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "not a lowercase hex SHA-256: {line:?}"
        );
        ensure!(
            !name.is_empty() && !name.contains('/') && !name.starts_with(['*', ' ']),
            "not a bare file name in text mode: {line:?}"
        );
        ensure!(
            sums.insert(name.to_owned(), hash.to_owned()).is_none(),
            "{name} is listed twice"
        );
    }
    Ok(sums)
}

/// `sha256sum` of `data`, as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running sha256sum (coreutils)");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let data = data.to_vec();
    let writer = thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().expect("waiting for sha256sum");
    writer
        .join()
        .expect("writer thread")
        .expect("feeding sha256sum");
    assert!(out.status.success(), "sha256sum failed: {out:?}");
    let text = String::from_utf8(out.stdout).expect("sha256sum prints ASCII");
    text.split_whitespace()
        .next()
        .expect("sha256sum printed a hash")
        .to_owned()
}

pub fn sha256_file(path: &Path) -> String {
    sha256_hex(&fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display())))
}

/// The `h1:` hash the CLIs record for a package holding exactly one file `name` whose SHA-256 is
/// `file_sha256`: Go's dirhash "Hash1", the base64 SHA-256 of the summary line
/// `<hex sha256>  <name>\n` (one line per file, sorted; here one).
pub fn h1_of_single_file(name: &str, file_sha256: &str) -> String {
    let summary = format!("{file_sha256}  {name}\n");
    let digest = hex_decode(&sha256_hex(summary.as_bytes()));
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The `hashes` of every provider block in a `.terraform.lock.hcl`.
pub fn lock_hashes(lock: &str) -> Vec<String> {
    lock.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"h1:") || l.starts_with("\"zh:"))
        .map(|l| l.trim_end_matches(',').trim_matches('"').to_owned())
        .collect()
}

/// One entry of a zip's central directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    pub name: String,
    /// The "version made by" host: 3 is Unix, the only host whose external attributes carry a
    /// file mode that Go's archive/zip and unzip restore.
    pub made_by_host: u8,
    /// 0 stored, 8 deflate.
    pub method: u16,
    pub crc32: u32,
    pub size: u64,
    /// The Unix mode from the high 16 bits of the external attributes (e.g. 0o100755).
    pub unix_mode: u32,
}

/// Lists a zip's central directory (no ZIP64, no multi-disk: neither is in a provider package),
/// checking that each entry's local header carries the same name.
pub fn zip_entries(data: &[u8]) -> Result<Vec<ZipEntry>> {
    let u16_at = |at: usize| -> Result<u16> {
        let b = data.get(at..at + 2).context("zip truncated")?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| -> Result<u32> {
        let b = data.get(at..at + 4).context("zip truncated")?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    ensure!(data.len() >= 22, "too short for a zip");
    let lowest = data.len().saturating_sub(22 + 0xffff);
    let eocd = (lowest..=data.len() - 22)
        .rev()
        .find(|&i| data[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .context("no end-of-central-directory record")?;
    let count = u16_at(eocd + 10)? as usize;
    let mut at = u32_at(eocd + 16)? as usize;
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        ensure!(
            u32_at(at)? == 0x0201_4b50,
            "bad central directory header at {at}"
        );
        let name_len = u16_at(at + 28)? as usize;
        let extra_len = u16_at(at + 30)? as usize;
        let comment_len = u16_at(at + 32)? as usize;
        let name_bytes = data
            .get(at + 46..at + 46 + name_len)
            .context("zip truncated")?;
        let name = String::from_utf8(name_bytes.to_vec()).context("entry name is not UTF-8")?;
        let local = u32_at(at + 42)? as usize;
        ensure!(u32_at(local)? == 0x0403_4b50, "bad local header for {name}");
        let local_name_len = u16_at(local + 26)? as usize;
        ensure!(
            data.get(local + 30..local + 30 + local_name_len) == Some(name_bytes),
            "local header of {name} names another file"
        );
        entries.push(ZipEntry {
            made_by_host: (u16_at(at + 4)? >> 8) as u8,
            method: u16_at(at + 10)?,
            crc32: u32_at(at + 16)?,
            size: u64::from(u32_at(at + 24)?),
            unix_mode: u32_at(at + 38)? >> 16,
            name,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(entries)
}

/// CRC-32 (IEEE, as in zip), to match an entry against the file it should hold.
pub fn crc32(data: &[u8]) -> u32 {
    static TABLE: OnceLock<[u32; 256]> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [0u32; 256];
        for (n, slot) in table.iter_mut().enumerate() {
            let mut c = n as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        table
    });
    !data.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

/// A filesystem mirror in the *packed* layout, built from release zips:
/// `<root>/<host>/awsassoc/awsassoc/terraform-provider-awsassoc_<version>_<os>_<arch>.zip` for both
/// default registry hosts, and a CLI configuration that installs awsassoc only from it.
pub struct PackedMirror {
    pub root: PathBuf,
    pub cli_config: PathBuf,
}

impl PackedMirror {
    /// Lays out `<dir>/mirror` with every zip of this version found in `dist`.
    pub fn build(dir: &Path, dist: &Path) -> Result<PackedMirror> {
        let root = dir.join("mirror");
        let mut zips = 0;
        for entry in fs::read_dir(dist).with_context(|| format!("listing {}", dist.display()))? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if !(name.starts_with(&format!("{}_", base())) && name.ends_with(".zip")) {
                continue;
            }
            for host in HOSTS {
                let package_dir = root.join(host).join("awsassoc/awsassoc");
                fs::create_dir_all(&package_dir)?;
                fs::copy(dist.join(&name), package_dir.join(&name))
                    .with_context(|| format!("copying {name}"))?;
            }
            zips += 1;
        }
        ensure!(zips > 0, "no {}_*.zip in {}", base(), dist.display());
        let cli_config = dir.join("packed-mirror.tfrc");
        fs::write(&cli_config, cli_config_text(&root))?;
        Ok(PackedMirror { root, cli_config })
    }
}

/// `gpg` on `PATH`, or the reason there is none. Tests never install it: `scripts/test` finds
/// or installs it (its "Tools the tests need" step) before any test runs.
pub fn gpg() -> Result<PathBuf, String> {
    which("gpg").ok_or_else(|| {
        "gpg is not on PATH: run the suite through scripts/test, which installs gnupg \
         (apt-get, as root), or install gnupg yourself"
            .to_owned()
    })
}

fn which(name: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| {
            fs::metadata(p)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// A throw-away GnuPG home with signing keys made on the spot (RSA 3072, no passphrase: the key
/// type the public and HCP Terraform registries accept). The agent it starts is stopped on drop.
pub struct GpgHome {
    gpg: PathBuf,
    home: TempDir,
}

impl GpgHome {
    pub fn new(gpg: PathBuf) -> Result<GpgHome> {
        // Under /tmp rather than the target directory: gpg-agent's socket path must stay short.
        let home = tempfile::Builder::new()
            .prefix("awsassoc-gnupg-")
            .tempdir()
            .context("creating a GNUPGHOME")?;
        fs::set_permissions(home.path(), fs::Permissions::from_mode(0o700))?;
        Ok(GpgHome { gpg, home })
    }

    pub fn path(&self) -> &Path {
        self.home.path()
    }

    /// `gpg --homedir <home> --batch <args>`, asserting nothing.
    pub fn run(&self, args: &[&str]) -> CmdOutput {
        let mut cmd = Command::new(&self.gpg);
        cmd.arg("--homedir")
            .arg(self.path())
            .arg("--batch")
            .args(args)
            .env("GNUPGHOME", self.path());
        process::run(&mut cmd, Duration::from_secs(120)).unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Generates a signing key for `name` and returns its fingerprint.
    pub fn generate_key(&self, name: &str) -> Result<String> {
        let params = self.path().join(format!("{name}.params"));
        fs::write(
            &params,
            format!(
                "%no-protection\nKey-Type: RSA\nKey-Length: 3072\nKey-Usage: sign\n\
                 Name-Real: {name}\nName-Email: {name}@example.invalid\nExpire-Date: 1d\n%commit\n"
            ),
        )?;
        let out = self.run(&["--quiet", "--gen-key", &params.to_string_lossy()]);
        ensure!(out.success(), "gpg --gen-key failed: {out}");
        let out = self.run(&[
            "--with-colons",
            "--list-secret-keys",
            &format!("<{name}@example.invalid>"),
        ]);
        ensure!(out.success(), "gpg --list-secret-keys failed: {out}");
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .and_then(|rest| rest.split(':').find(|f| f.len() == 40))
            .map(str::to_owned)
            .with_context(|| format!("no fingerprint in {out}"))
    }

    /// The ASCII-armored public key, as a registry's `signing_keys` carries it.
    pub fn armored_public_key(&self, fingerprint: &str) -> Result<String> {
        let out = self.run(&["--armor", "--export", fingerprint]);
        ensure!(
            out.success() && out.stdout.contains("BEGIN PGP PUBLIC KEY BLOCK"),
            "gpg --export failed: {out}"
        );
        Ok(out.stdout)
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        // The agent gpg started for this home would otherwise outlive the test.
        let gpgconf = self.gpg.with_file_name("gpgconf");
        let _ = Command::new(if gpgconf.exists() {
            gpgconf.as_path()
        } else {
            Path::new("gpgconf")
        })
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", self.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    }
}

/// The signing key a [`ReleaseServer`] advertises for the release.
pub struct SigningKey {
    /// The long (16 hex digit) key ID.
    pub key_id: String,
    pub ascii_armor: String,
}

/// The release files of one `dist` directory published over HTTPS on 127.0.0.1 both ways a
/// platform team can publish them over the network (docs/releasing.md):
/// - a provider registry (the provider registry protocol: service discovery, versions, download
///   with `shasums_url`, `shasums_signature_url` and `signing_keys`), where the provider is
///   `localhost:<port>/awsassoc/awsassoc`; only when given a [`SigningKey`];
/// - a network mirror (the provider network mirror protocol: the `index.json` and
///   `<version>.json` that `providers mirror` writes) at [`ReleaseServer::network_mirror_url`],
///   for both default registry hosts, with each zip's `zh:` hash from SHA256SUMS.
///
/// The certificate is made on the spot for `localhost`; the CLI trusts it through
/// `SSL_CERT_FILE` (Go reads it on Linux), so pass [`ReleaseServer::ca_file`] in the CLI's
/// environment. One request per connection (`Connection: close`), each on its own thread.
pub struct ReleaseServer {
    addr: SocketAddr,
    ca_file: PathBuf,
    _dir: TempDir,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
    acceptor: Option<JoinHandle<()>>,
}

impl ReleaseServer {
    pub fn start(dist: &Path, key: Option<SigningKey>) -> Result<ReleaseServer> {
        let dir = tempfile::Builder::new()
            .prefix("release-server-")
            .tempdir_in(crate::target_tmpdir())?;
        let key_pair = rcgen::KeyPair::generate().context("TLS key")?;
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .context("certificate parameters")?;
        let cert = params
            .self_signed(&key_pair)
            .context("self-signed certificate")?;
        let ca_file = dir.path().join("registry-ca.pem");
        fs::write(&ca_file, cert.pem())?;

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS versions")?
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key_pair.serialize_der().into()),
            )
            .context("TLS server configuration")?;
        let tls = Arc::new(tls);

        let listener = TcpListener::bind("127.0.0.1:0").context("binding the release server")?;
        let addr = listener.local_addr()?;
        let site = Arc::new(Site::load(dist, addr, key)?);
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let acceptor = {
            let stop = stop.clone();
            let requests = requests.clone();
            thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let tls = tls.clone();
                    let site = site.clone();
                    let requests = requests.clone();
                    thread::spawn(move || {
                        if let Err(e) = serve(conn, tls, &site, &requests) {
                            eprintln!("release server: {e:#}");
                        }
                    });
                }
            })
        };
        Ok(ReleaseServer {
            addr,
            ca_file,
            _dir: dir,
            stop,
            requests,
            acceptor: Some(acceptor),
        })
    }

    /// The registry's host name, `localhost:<port>`.
    pub fn registry_host(&self) -> String {
        format!("localhost:{}", self.addr.port())
    }

    /// The provider's source address at the registry.
    pub fn registry_source(&self) -> String {
        format!("{}/awsassoc/awsassoc", self.registry_host())
    }

    /// The `url` of a `network_mirror` block.
    pub fn network_mirror_url(&self) -> String {
        format!("https://localhost:{}/mirror/", self.addr.port())
    }

    /// The PEM file to give the CLI as `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// Every request path served so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("request log").clone()
    }
}

impl Drop for ReleaseServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// What the server answers, computed once from the release files.
struct Site {
    dist: PathBuf,
    base_url: String,
    /// (os, arch) of every zip.
    platforms: Vec<(String, String)>,
    protocols: Vec<String>,
    sums: BTreeMap<String, String>,
    key: Option<SigningKey>,
}

impl Site {
    fn load(dist: &Path, addr: SocketAddr, key: Option<SigningKey>) -> Result<Site> {
        let sums = parse_sums(&fs::read_to_string(dist.join(sums_name()))?)?;
        let prefix = format!("{}_", base());
        let platforms = sums
            .keys()
            .filter_map(|name| name.strip_prefix(&prefix)?.strip_suffix(".zip"))
            .filter_map(|platform| platform.split_once('_'))
            .map(|(os, arch)| (os.to_owned(), arch.to_owned()))
            .collect();
        // The registry takes the protocol versions from the release's manifest.
        let manifest: Value =
            serde_json::from_str(&fs::read_to_string(dist.join(manifest_name()))?)?;
        let protocols = manifest["metadata"]["protocol_versions"]
            .as_array()
            .context("manifest has no metadata.protocol_versions")?
            .iter()
            .map(|v| v.as_str().map(str::to_owned).context("protocol version"))
            .collect::<Result<Vec<_>>>()?;
        Ok(Site {
            dist: dist.to_path_buf(),
            base_url: format!("https://localhost:{}", addr.port()),
            platforms,
            protocols,
            sums,
            key,
        })
    }

    /// (content type, body) for a GET of `path`, or `None` for 404.
    fn get(&self, path: &str) -> Option<(&'static str, Vec<u8>)> {
        const JSON: &str = "application/json";
        let prefix = "/v1/providers/awsassoc/awsassoc/";
        if path == "/.well-known/terraform.json" {
            return Some((
                JSON,
                json!({"providers.v1": "/v1/providers/"}).to_string().into(),
            ));
        }
        if let Some(name) = path.strip_prefix("/files/") {
            // Only the release's own files, by bare name.
            if name.contains('/')
                || !(self.sums.contains_key(name)
                    || name == sums_name()
                    || name == signature_name())
            {
                return None;
            }
            return Some((
                "application/octet-stream",
                fs::read(self.dist.join(name)).ok()?,
            ));
        }
        if let Some(rest) = path.strip_prefix("/mirror/") {
            return self.mirror(rest);
        }
        let key = self.key.as_ref()?;
        let rest = path.strip_prefix(prefix)?;
        if rest == "versions" {
            let platforms: Vec<Value> = self
                .platforms
                .iter()
                .map(|(os, arch)| json!({"os": os, "arch": arch}))
                .collect();
            let body = json!({"versions": [{
                "version": PROVIDER_VERSION,
                "protocols": self.protocols,
                "platforms": platforms,
            }]});
            return Some((JSON, body.to_string().into()));
        }
        let parts: Vec<&str> = rest.split('/').collect();
        let [version, "download", os, arch] = parts.as_slice() else {
            return None;
        };
        if *version != PROVIDER_VERSION {
            return None;
        }
        let filename = zip_name(&format!("{os}_{arch}"));
        let shasum = self.sums.get(&filename)?;
        let file = |name: String| format!("{}/files/{name}", self.base_url);
        let body = json!({
            "protocols": self.protocols,
            "os": os,
            "arch": arch,
            "filename": filename,
            "download_url": file(filename.clone()),
            "shasums_url": file(sums_name()),
            "shasums_signature_url": file(signature_name()),
            "shasum": shasum,
            "signing_keys": {"gpg_public_keys": [{
                "key_id": key.key_id,
                "ascii_armor": key.ascii_armor,
            }]},
        });
        Some((JSON, body.to_string().into()))
    }
}

impl Site {
    /// The network mirror: `<host>/awsassoc/awsassoc/{index.json, <version>.json, <zip>}` for
    /// either default registry host.
    fn mirror(&self, rest: &str) -> Option<(&'static str, Vec<u8>)> {
        let (host, file) = rest.split_once("/awsassoc/awsassoc/")?;
        if !HOSTS.contains(&host) {
            return None;
        }
        if file == "index.json" {
            let body = json!({"versions": {PROVIDER_VERSION: {}}});
            return Some(("application/json", body.to_string().into()));
        }
        if file == format!("{PROVIDER_VERSION}.json") {
            let archives: serde_json::Map<String, Value> = self
                .platforms
                .iter()
                .map(|(os, arch)| {
                    let platform = format!("{os}_{arch}");
                    let zip = zip_name(&platform);
                    // A relative URL, resolved against this document's: the zip lies beside it.
                    let hash = format!("zh:{}", self.sums[&zip]);
                    (platform, json!({"url": zip, "hashes": [hash]}))
                })
                .collect();
            let body = json!({"archives": archives});
            return Some(("application/json", body.to_string().into()));
        }
        if file.ends_with(".zip") && self.sums.contains_key(file) {
            return Some(("application/zip", fs::read(self.dist.join(file)).ok()?));
        }
        None
    }
}

/// Answers one HTTP/1.1 request on a TLS connection, then closes it.
fn serve(
    conn: TcpStream,
    tls: Arc<rustls::ServerConfig>,
    site: &Site,
    requests: &Mutex<Vec<String>>,
) -> Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    conn.set_write_timeout(Some(Duration::from_secs(30)))?;
    let session = rustls::ServerConnection::new(tls)?;
    let mut stream = rustls::StreamOwned::new(session, conn);
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            // A probe (or the shutdown wake-up) that never sent a request.
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > 64 * 1024 {
            bail!("request head too large");
        }
    }
    let head = String::from_utf8_lossy(&head);
    let request_line = head.lines().next().unwrap_or_default();
    let mut words = request_line.split(' ');
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    requests.lock().expect("request log").push(path.to_owned());
    let (status, content_type, body) = match (method, site.get(path)) {
        ("GET", Some((content_type, body))) => ("200 OK", content_type, body),
        ("GET", None) => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            b"GET only\n".to_vec(),
        ),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    stream.conn.send_close_notify();
    stream.flush()?;
    Ok(())
}
