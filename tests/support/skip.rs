//! Scenarios a CLI cannot run. A skipped test passes, so the skip is written down where
//! `scripts/test` reports it after each CLI's run: `target/tmp/e2e-skipped.txt`.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::cli::{Cli, Feature};

/// The file `scripts/test` reads; it clears it before each run.
pub fn skip_log() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-skipped.txt")
}

/// Whether the CLI under test has `feature`; when not, records the skip of `scenario` and says so
/// on stderr.
pub fn cli_supports(feature: Feature, scenario: &str) -> bool {
    let cli = Cli::get();
    if cli.supports(feature) {
        return true;
    }
    let version = cli.version().unwrap_or_default();
    let line = format!("{scenario}: skipped under {version}, which lacks {feature:?}\n");
    eprint!("{line}");
    if let Ok(mut log) = OpenOptions::new()
        .create(true)
        .append(true)
        .open(skip_log())
    {
        let _ = log.write_all(line.as_bytes());
    }
    false
}
