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
//! Each test file includes this with `mod support;` and uses a different subset of it, hence the
//! module-wide `dead_code` and `unused_imports` allowances.
#![allow(dead_code, unused_imports)]

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

pub use cli::Cli;
pub use mirror::ProviderMirror;
pub use process::CmdOutput;
pub use workdir::Workdir;

/// The repository root (the root package's manifest directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
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
  }}
}}
"#
    )
}
