//! Installing the provider under test the way a user would: from a filesystem mirror.
//!
//! Using the real installer (rather than `dev_overrides`) means `init` runs, a lock file with
//! checksums is written, and the provider is started from `.terraform/providers`, exactly as in
//! production. The mirror uses the "unpacked" layout
//! `<mirror>/<host>/awsassoc/awsassoc/<version>/<os>_<arch>/terraform-provider-awsassoc_v<version>`
//! for both default registry hosts, so the same source address `awsassoc/awsassoc` resolves under
//! OpenTofu (`registry.opentofu.org`) and Terraform (`registry.terraform.io`).
//!
//! Beside it, when built, the test-only stand-in for `hashicorp/aws` ([`HASHICORP_AWS_STANDIN`])
//! as version [`HASHICORP_AWS_STANDIN_VERSION`], for the tests of `moved` blocks from it.
//!
//! The executable in the mirror is a symlink to the binary cargo built for this test run; OpenTofu
//! and Terraform follow it (checked with OpenTofu 1.6.2 and Terraform 1.11.4 and 1.15.5), so no
//! copy is made and the mirror never goes stale.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result};

/// The provider's version as cargo knows it; the mirror directory and the executable name carry it.
pub const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The version the stand-in for hashicorp/aws claims: its schemas are 6.x's.
pub const HASHICORP_AWS_STANDIN_VERSION: &str = "6.0.0";

/// The stand-in's binary, a `[[bin]]` of this crate that `cargo test --workspace` builds beside
/// the provider.
pub const HASHICORP_AWS_STANDIN: &str = "hashicorp-aws-standin";

/// Registry hosts the short source address `awsassoc/awsassoc` may resolve to.
pub const HOSTS: [&str; 2] = ["registry.opentofu.org", "registry.terraform.io"];

/// A filesystem mirror holding the provider, plus the CLI configuration that points at it.
#[derive(Debug)]
pub struct ProviderMirror {
    cli_config: PathBuf,
}

impl ProviderMirror {
    /// The mirror for this test process, containing the provider binary cargo built for the
    /// tests. Built once; later calls are free.
    pub fn get() -> &'static ProviderMirror {
        static MIRROR: OnceLock<Result<ProviderMirror, String>> = OnceLock::new();
        let built = MIRROR.get_or_init(|| {
            let dir = crate::target_tmpdir().join("awsassoc-e2e");
            let binary = &crate::provider_binary();
            let mirror = ProviderMirror::build(&dir, binary).map_err(|e| format!("{e:#}"))?;
            let standin = crate::profile_dir().join(HASHICORP_AWS_STANDIN);
            if standin.exists() {
                install(
                    &dir.join("mirror"),
                    "hashicorp/aws",
                    HASHICORP_AWS_STANDIN_VERSION,
                    &standin,
                )
                .map_err(|e| format!("{e:#}"))?;
            }
            Ok(mirror)
        });
        match built {
            Ok(mirror) => mirror,
            Err(e) => panic!("could not build the provider mirror: {e}"),
        }
    }

    /// Lays out `<dir>/mirror` with `binary` under both hosts and writes `<dir>/cli.tfrc`.
    ///
    /// Safe to run from several processes at once on the same `dir`: every file is written under a
    /// temporary name and renamed into place, and all writers produce identical content.
    pub fn build(dir: &Path, binary: &Path) -> Result<ProviderMirror> {
        let binary = binary
            .canonicalize()
            .with_context(|| format!("provider binary {} is missing", binary.display()))?;
        let root = dir.join("mirror");
        install(&root, "awsassoc/awsassoc", PROVIDER_VERSION, &binary)?;
        let cli_config = dir.join("cli.tfrc");
        let tmp = dir.join(format!(".cli.tfrc-{}", std::process::id()));
        fs::write(&tmp, cli_config_text(&root))
            .with_context(|| format!("writing {}", tmp.display()))?;
        fs::rename(&tmp, &cli_config)
            .with_context(|| format!("placing {}", cli_config.display()))?;
        Ok(ProviderMirror { cli_config })
    }

    /// The CLI configuration file to pass as `TF_CLI_CONFIG_FILE`.
    pub fn cli_config(&self) -> &Path {
        &self.cli_config
    }
}

/// Links `binary` into the mirror at `root` as provider `source` (`namespace/type`) `version`,
/// under both hosts.
fn install(root: &Path, source: &str, version: &str, binary: &Path) -> Result<()> {
    let provider_type = source.rsplit('/').next().unwrap_or(source);
    for host in HOSTS {
        let package = root.join(host).join(source).join(version).join(platform());
        fs::create_dir_all(&package).with_context(|| format!("creating {}", package.display()))?;
        let exe = package.join(format!("terraform-provider-{provider_type}_v{version}"));
        let tmp = package.join(format!(".link-{}", std::process::id()));
        let _ = fs::remove_file(&tmp);
        symlink(binary, &tmp).with_context(|| format!("linking {}", tmp.display()))?;
        fs::rename(&tmp, &exe).with_context(|| format!("placing {}", exe.display()))?;
    }
    Ok(())
}

/// Whether the stand-in for hashicorp/aws is in the mirror; panics, saying how to build it, when
/// it is not.
pub fn require_hashicorp_aws_standin() {
    let standin = crate::profile_dir().join(HASHICORP_AWS_STANDIN);
    assert!(
        standin.exists(),
        "{} is missing: `cargo test --workspace` builds it, or `cargo build -p \
         awsassoc-test-harness --bin {HASHICORP_AWS_STANDIN}`",
        standin.display()
    );
}

/// `provider_installation` taking awsassoc (and the stand-in hashicorp/aws) only from the mirror and everything else from its
/// registry. Hostname wildcards are not allowed with a fixed namespace/type, hence both hosts
/// spelled out.
pub fn cli_config_text(mirror: &Path) -> String {
    let sources = HOSTS
        .iter()
        .flat_map(|h| ["awsassoc/awsassoc", "hashicorp/aws"].map(|p| format!("\"{h}/{p}\"")))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [{sources}]\n  }}\n  direct {{\n    exclude = [{sources}]\n  }}\n}}\n",
        mirror.display()
    )
}

/// `<os>_<arch>` in the registry's spelling, for this machine.
pub fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}
