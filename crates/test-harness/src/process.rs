//! Running external commands (the CLI, npm) with a deadline, captured output, and a guarantee that
//! nothing they started outlives the call.
//!
//! Every child runs in its own process group. OpenTofu starts provider processes as its own
//! children; if OpenTofu hangs or the test panics we kill the whole group, so no provider (and no
//! plugin socket) is left behind on a shared machine.

use std::fmt;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// What a finished command printed, and how it exited.
#[derive(Debug, Clone)]
pub struct CmdOutput {
    /// The command line, for messages.
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
}

impl CmdOutput {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The exit code, or `None` when a signal ended the process.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// stdout followed by stderr: OpenTofu splits diagnostics between the two depending on the
    /// command, and most assertions do not care which stream carried a message.
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panics with the full output unless the command succeeded.
    #[track_caller]
    pub fn assert_success(self) -> Self {
        assert!(self.success(), "expected success, got {self}");
        self
    }

    /// Panics with the full output unless the command failed.
    #[track_caller]
    pub fn assert_failure(self) -> Self {
        assert!(!self.success(), "expected failure, got {self}");
        self
    }
}

impl fmt::Display for CmdOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "`{}` exited with {} after {:?}",
            self.command, self.status, self.elapsed
        )?;
        writeln!(f, "----- stdout -----\n{}", self.stdout)?;
        write!(f, "----- stderr -----\n{}", self.stderr)
    }
}

/// Kills a process group when dropped, so a panic or timeout in the caller cannot leak OpenTofu or
/// the providers it started.
struct GroupGuard {
    /// The child was spawned with `process_group(0)`, so its pid is its process group id.
    pgid: libc::pid_t,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        // SAFETY: kill(2) with a negative pid signals a process group; it touches no memory.
        // ESRCH (group already empty) is expected and ignored.
        unsafe {
            libc::kill(-self.pgid, libc::SIGKILL);
        }
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

/// Runs `cmd` to completion with stdin closed, capturing stdout and stderr.
///
/// Fails (with whatever was printed so far) if the command cannot be started or runs longer than
/// `timeout`; a non-zero exit is *not* an error here, callers decide what they expected. After the
/// command exits, any process it left in its group is killed. `elapsed` is measured from just
/// before the spawn to the moment `wait` returns, so benchmarks can use it.
pub fn run(cmd: &mut Command, timeout: Duration) -> Result<CmdOutput> {
    run_interrupting(cmd, timeout, || false)
}

/// [`run`], sending SIGINT to the command's process group (as Ctrl-C in a terminal does) once
/// `interrupt_when` returns true; it is asked every 50 ms while the command runs.
pub fn run_interrupting(
    cmd: &mut Command,
    timeout: Duration,
    interrupt_when: impl Fn() -> bool + Send + 'static,
) -> Result<CmdOutput> {
    let command = describe(cmd);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("could not start `{command}`"))?;
    let guard = GroupGuard {
        pgid: child.id() as libc::pid_t,
    };
    let stdout = drain(child.stdout.take().context("stdout was not piped")?);
    let stderr = drain(child.stderr.take().context("stderr was not piped")?);
    let (tx, rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let status = child.wait();
        let _ = tx.send((status, started.elapsed()));
    });

    let pgid = guard.pgid;
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let interrupter = thread::spawn(move || {
        while let Err(mpsc::RecvTimeoutError::Timeout) =
            done_rx.recv_timeout(Duration::from_millis(50))
        {
            if interrupt_when() {
                // SAFETY: kill(2) on the command's own process group; it touches no memory.
                unsafe {
                    libc::kill(-pgid, libc::SIGINT);
                }
                return;
            }
        }
    });

    let finished = rx.recv_timeout(timeout);
    drop(done_tx);
    let _ = interrupter.join();
    // Kill stragglers (or, on timeout, everything) before joining the readers: a provider that
    // inherited the pipes would otherwise keep them open forever. The waiter then reaps the child.
    drop(guard);
    let _ = waiter.join();
    let stdout = String::from_utf8_lossy(&stdout.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
    match finished {
        Ok((status, elapsed)) => {
            let status = status.with_context(|| format!("waiting for `{command}`"))?;
            Ok(CmdOutput {
                command,
                status,
                stdout,
                stderr,
                elapsed,
            })
        }
        Err(_) => anyhow::bail!(
            "`{command}` did not finish within {timeout:?}; killed it\n----- stdout -----\n{stdout}\n----- stderr -----\n{stderr}"
        ),
    }
}

/// `program arg arg` for messages (environment left out: it is long and mostly inherited).
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}
