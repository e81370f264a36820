//! Shared harness for the end-to-end tests: they drive the real Terraform-compatible CLI against
//! the provider binary cargo built for the test run.
//!
//! - [`Cli`] finds the CLI (`$AWSASSOC_TF_CLI`, else `tofu` on `PATH`, else the npm-pinned
//!   OpenTofu, installed on first use).
//! - [`ProviderMirror`] installs the provider the way users do, from a filesystem mirror.
//! - [`Workdir`] is a temporary configuration directory with `init`/`plan`/`apply`/... helpers
//!   that assert success and put the CLI's stdout and stderr in every failure message.
//! - `sim::start_sim` runs the emulator in-process (see the note on `mod sim` below).
//!
//! A crate of its own, a dev-dependency of the provider's package: the end-to-end binary
//! (`tests/e2e/main.rs`), the host tests and the benchmarks share one compiled copy. Cargo's
//! per-target values (`CARGO_TARGET_TMPDIR`, `CARGO_BIN_EXE_*`) do not reach a library, so
//! [`target_tmpdir`] and [`provider_binary`] derive them from the running test executable.

pub mod cli;
pub mod go_plugin_client;
pub mod kinds;
pub mod mirror;
pub mod process;
pub mod release;
pub mod scenario;
pub mod sim;
pub mod skip;
pub mod workdir;

use std::path::{Path, PathBuf};

/// Re-exported for [`scenarios!`], which names the emulator's families.
pub use awsassoc_sim;
pub use cli::Cli;
pub use mirror::ProviderMirror;
pub use process::CmdOutput;
pub use workdir::Workdir;

/// The repository root (the root package's manifest directory; this crate is two below it).
pub fn repo_root() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .canonicalize()
        .expect("the repository root exists")
}

/// The profile directory of the running test or benchmark (`<target>/debug` or
/// `<target>/release`): the executable is `<profile>/deps/<name>-<hash>`.
pub(crate) fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("{} is not under <target>/<profile>/deps", exe.display()))
}

/// Cargo's `CARGO_TARGET_TMPDIR` for integration tests: `<target>/tmp`, created on first use.
pub fn target_tmpdir() -> PathBuf {
    let dir = profile_dir()
        .parent()
        .map(|target| target.join("tmp"))
        .expect("the target directory");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

/// The provider binary cargo built beside the running test or benchmark (what
/// `CARGO_BIN_EXE_terraform-provider-awsassoc` names in an integration test).
pub fn provider_binary() -> PathBuf {
    profile_dir().join("terraform-provider-awsassoc")
}

/// The `terraform` block every test configuration needs: awsassoc from its usual source address.
pub const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    awsassoc = {
      source = "awsassoc/awsassoc"
    }
  }
}
"#;

/// A provider block with static test credentials and every service endpoint at `url` (an
/// emulator). Configuring it makes no network calls.
pub fn provider_block(url: &str) -> String {
    format!(
        r#"provider "awsassoc" {{
  region            = "us-east-1"
  access_key        = "test"
  secret_key        = "test"
  preflight_dry_run = false

  endpoints {{
    ec2            = "{url}"
    networkmanager = "{url}"
    workspaces     = "{url}"
    sts            = "{url}"
  }}
}}
"#
    )
}
