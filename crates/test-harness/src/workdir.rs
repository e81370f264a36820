//! A throw-away Terraform working directory and the CLI commands run in it.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;
use tempfile::TempDir;

use super::cli::Cli;
use super::mirror::ProviderMirror;
use super::process::{self, CmdOutput};
use super::repo_root;

/// Commands whose second word is itself a subcommand (`providers schema`, `state list`, ...);
/// `-no-color` goes after that second word.
const TWO_WORD_COMMANDS: [&str; 3] = ["providers", "state", "workspace"];

/// How long one CLI command may take before the test fails and the command is killed. Generous
/// because the machine is shared; a hang is what it guards against, not slowness.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);

/// A temporary configuration directory, removed (with its state and `.terraform`) on drop.
///
/// Every command runs with the located [`Cli`], the provider installed from the [`ProviderMirror`],
/// `TF_IN_AUTOMATION=1`, `TF_INPUT=0`, `CHECKPOINT_DISABLE=1`, `-no-color`, and only the extra
/// environment the test adds with [`Workdir::env`] (no inherited `TF_LOG` and friends).
pub struct Workdir {
    dir: TempDir,
    env: Vec<(OsString, OsString)>,
    timeout: Duration,
    /// `None`: the test process's shared [`ProviderMirror`].
    cli_config: Option<PathBuf>,
}

impl Workdir {
    /// An empty working directory under cargo's per-target temp dir.
    pub fn new() -> Workdir {
        let base = &crate::target_tmpdir();
        fs::create_dir_all(base).expect("creating CARGO_TARGET_TMPDIR");
        let dir = tempfile::Builder::new()
            .prefix("e2e-")
            .tempdir_in(base)
            .expect("creating a temporary working directory");
        Workdir {
            dir,
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            cli_config: None,
        }
    }

    /// A working directory holding a copy of the top-level files of `examples/<name>` (for
    /// instance `"provider"` or `"quickstart"`), so tests run the examples users read.
    pub fn from_example(name: &str) -> Workdir {
        let wd = Workdir::new();
        let src = repo_root().join("examples").join(name);
        let entries =
            fs::read_dir(&src).unwrap_or_else(|e| panic!("reading {}: {e}", src.display()));
        for entry in entries {
            let entry = entry.expect("listing example files");
            if entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
                fs::copy(entry.path(), wd.path().join(entry.file_name()))
                    .unwrap_or_else(|e| panic!("copying {}: {e}", entry.path().display()));
            }
        }
        wd
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes (or replaces) `file` in the working directory.
    pub fn write(&self, file: &str, contents: &str) -> &Self {
        let path = self.path().join(file);
        fs::write(&path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        self
    }

    /// Reads a file from the working directory.
    pub fn read(&self, file: &str) -> String {
        let path = self.path().join(file);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    }

    /// Adds an environment variable to every later command (e.g. `TF_LOG=debug`).
    pub fn env(&mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> &mut Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Installs the provider through another CLI configuration (another mirror) than the shared
    /// one; the benchmark uses this to install its release build and an RSS-measuring wrapper.
    pub fn cli_config(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.cli_config = Some(path.into());
        self
    }

    /// Changes how long each later command may run before it is killed and the test fails (the
    /// scale benchmark's long destroys; the tests keep the default).
    pub fn timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Runs `<cli> <args…>` here and returns its output whatever the exit status.
    ///
    /// Panics only if the command cannot be started or exceeds the timeout.
    pub fn run(&self, args: &[&str]) -> CmdOutput {
        self.try_run(args).unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Runs a command and interrupts it (SIGINT, as Ctrl-C does) once `interrupt_when` is true.
    pub fn run_interrupted(
        &self,
        args: &[&str],
        interrupt_when: impl Fn() -> bool + Send + 'static,
    ) -> CmdOutput {
        let mut cmd = self.command(args);
        process::run_interrupting(&mut cmd, self.timeout, interrupt_when)
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// [`Workdir::run`], returning start-up failures and timeouts as errors.
    pub fn try_run(&self, args: &[&str]) -> Result<CmdOutput> {
        process::run(&mut self.command(args), self.timeout).with_context(|| {
            format!(
                "running {} ({:?}) in {}",
                Cli::get().path().display(),
                Cli::get().origin(),
                self.path().display()
            )
        })
    }

    /// The CLI command for `args` here, with this directory's environment.
    fn command(&self, args: &[&str]) -> std::process::Command {
        let cli_config = match &self.cli_config {
            Some(path) => path.as_path(),
            None => ProviderMirror::get().cli_config(),
        };
        let mut cmd = Cli::get().command();
        cmd.current_dir(self.path())
            .args(with_no_color(args))
            .env("TF_CLI_CONFIG_FILE", cli_config);
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }

    /// Runs a command and panics with its output unless it succeeds.
    #[track_caller]
    pub fn run_ok(&self, args: &[&str]) -> CmdOutput {
        self.run(args).assert_success()
    }

    /// Runs a command and panics with its output unless it fails.
    #[track_caller]
    pub fn run_err(&self, args: &[&str]) -> CmdOutput {
        self.run(args).assert_failure()
    }

    #[track_caller]
    pub fn init(&self) -> CmdOutput {
        self.run_ok(&["init"])
    }

    #[track_caller]
    pub fn validate(&self) -> CmdOutput {
        self.run_ok(&["validate"])
    }

    #[track_caller]
    pub fn plan(&self) -> CmdOutput {
        self.run_ok(&["plan"])
    }

    #[track_caller]
    pub fn apply(&self) -> CmdOutput {
        self.run_ok(&["apply", "-auto-approve"])
    }

    #[track_caller]
    pub fn destroy(&self) -> CmdOutput {
        self.run_ok(&["destroy", "-auto-approve"])
    }

    /// `plan -detailed-exitcode`, asserting that it succeeds and proposes no changes (exit 0;
    /// exit 2 would mean "changes present").
    #[track_caller]
    pub fn plan_no_changes(&self) -> CmdOutput {
        let out = self.run(&["plan", "-detailed-exitcode"]);
        assert_eq!(
            out.code(),
            Some(0),
            "expected a plan with no changes, got {out}"
        );
        out
    }

    /// The saved plan as JSON: `plan -out=<file>` then `show -json <file>`.
    #[track_caller]
    pub fn plan_json(&self) -> Value {
        self.run_ok(&["plan", "-out=e2e.tfplan"]);
        let out = self.run_ok(&["show", "-json", "e2e.tfplan"]);
        parse_json(&out)
    }

    /// The current state as JSON (`show -json`).
    #[track_caller]
    pub fn state_json(&self) -> Value {
        let out = self.run_ok(&["show", "-json"]);
        parse_json(&out)
    }

    /// `providers schema -json` (needs `init` first).
    #[track_caller]
    pub fn providers_schema_json(&self) -> Value {
        let out = self.run_ok(&["providers", "schema", "-json"]);
        parse_json(&out)
    }
}

impl Default for Workdir {
    fn default() -> Self {
        Workdir::new()
    }
}

#[track_caller]
fn parse_json(out: &CmdOutput) -> Value {
    serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {out}"))
}

/// Inserts `-no-color` right after the (sub)command words, where every command accepts flags.
fn with_no_color<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut args = args.to_vec();
    if args.is_empty() || args.contains(&"-no-color") {
        return args;
    }
    let at = if TWO_WORD_COMMANDS.contains(&args[0]) && args.len() > 1 && !args[1].starts_with('-')
    {
        2
    } else {
        1
    };
    args.insert(at, "-no-color");
    args
}
