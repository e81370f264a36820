//! Scenarios a CLI cannot run. A skipped test passes, so every gated scenario writes down what
//! happened to it, ran or skipped, where `scripts/test` checks it after each CLI's pass:
//! `target/tmp/e2e-gates.txt`, one `<CLI version line>\t<ran|skipped>\t<scenario>` a line. The
//! script compares the skips with `tests/expected-skips.txt` and fails when they differ or when a
//! scenario ran under no CLI.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::PathBuf;

use super::cli::{Cli, Feature};

/// The file `scripts/test` reads; it clears it before each pass.
pub fn gate_log() -> PathBuf {
    crate::target_tmpdir().join("e2e-gates.txt")
}

/// Whether the CLI under test has `feature`; records the outcome for `scenario` either way, and
/// says so on stderr when it is a skip. Panics when the CLI's version cannot be read.
pub fn cli_supports(feature: Feature, scenario: &str) -> bool {
    let cli = Cli::get();
    let supported = cli.supports(feature);
    let version = cli.version_line();
    let outcome = if supported { "ran" } else { "skipped" };
    let line = format!("{version}\t{outcome}\t{scenario}\n");
    if !supported {
        eprintln!("{scenario}: skipped under {version}, which lacks {feature:?}");
    }
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(gate_log())
        .unwrap_or_else(|e| panic!("opening {}: {e}", gate_log().display()));
    log.write_all(line.as_bytes())
        .unwrap_or_else(|e| panic!("writing {}: {e}", gate_log().display()));
    supported
}
