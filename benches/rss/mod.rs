//! Peak RSS of provider processes, as the CLI starts them: the mirror holds the bench executable
//! instead of the provider; started with [`WRAP_ENV`] set, it runs the real provider as its child,
//! waits for it with `wait4(2)` and appends the child's `ru_maxrss` (the kernel's exact
//! high-water mark, no sampling) to the file named by [`RSS_LOG_ENV`]. Shared by
//! `benches/provider.rs` (a plan) and `benches/scale.rs` (a configured destroy calling AWS).

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

/// Set (to the real provider's path) when the bench executable runs as the RSS-measuring wrapper.
pub const WRAP_ENV: &str = "AWSASSOC_BENCH_WRAP";
/// File the wrapper appends `pid max_rss_kib exit_code` lines to.
pub const RSS_LOG_ENV: &str = "AWSASSOC_BENCH_RSS_LOG";

/// Call first thing in `main`: in wrapper mode this never returns.
pub fn wrap_if_asked() {
    if let Some(real) = env::var_os(WRAP_ENV) {
        wrap(real);
    }
}

/// Wrapper mode: run the real provider with our stdio and environment, wait for it with `wait4` to
/// get its exact peak RSS, log it, and exit with its status.
fn wrap(real: OsString) -> ! {
    let mut cmd = Command::new(&real);
    cmd.env_remove(WRAP_ENV);
    // SAFETY: prctl is async-signal-safe. If go-plugin SIGKILLs this wrapper, the provider dies too
    // instead of lingering.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!(
                "bench wrapper: cannot start {}: {e}",
                PathBuf::from(&real).display()
            );
            std::process::exit(1);
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let code = if waited == pid && libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        1
    };
    if let Some(log) = env::var_os(RSS_LOG_ENV) {
        if let Ok(mut file) = fs::OpenOptions::new().create(true).append(true).open(log) {
            let _ = writeln!(file, "{pid} {} {code}", usage.ru_maxrss);
        }
    }
    std::process::exit(code);
}

/// The peak RSS (KiB) of every provider process the wrapper logged to `log`.
pub fn read_log(log: &Path) -> Result<Vec<u64>> {
    let text = fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .map(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kib| kib.parse().ok())
                .with_context(|| format!("bad RSS log line {l:?}"))
        })
        .collect()
}

/// KiB (Linux `ru_maxrss`) to MB.
pub fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}
