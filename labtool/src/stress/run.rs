//! Step 3 of a stress run or a sweep, for one run: start the test alone with its own seed and a full debug
//! log, wait for it with a deadline, and keep the log only if it failed.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::discover::TestCase;
use crate::scheduler::{Scheduler, SCHED_VARIABLE};

/// How often a running test is checked for exit, deadline and Ctrl-C. Short enough that
/// Ctrl-C feels immediate, long enough to cost nothing next to a test.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The environment variable the testers read their network seed from.
pub const SEED_VARIABLE: &str = "LAB_SEED";

/// The environment variable that runs a test in deterministic simulation (labsim's `LAB_SIM`).
pub const SIM_VARIABLE: &str = "LAB_SIM";

/// What one run needs besides its test.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// A run still going after this is killed and counts as failed.
    pub timeout: Duration,
    /// Where the runs' graded tests append their result lines (`LAB_RESULTS`), so stress and
    /// sweep runs stay out of the results file `make grade` shows.
    pub results_path: PathBuf,
    /// Run in simulation (`LAB_SIM=1`); otherwise the runs get `LAB_SIM` unset, so a shell's
    /// setting cannot change the mode behind the rerun command's back.
    pub sim: bool,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The test passed.
    Passed,
    /// The test failed; the exit status as text.
    Failed(String),
    /// The test was still running at the deadline and was killed.
    TimedOut,
    /// Ctrl-C stopped the run before it ended; it counts neither way.
    Interrupted,
    /// The run could not be started (log not writable, binary gone).
    NotStarted(String),
}

impl Verdict {
    /// Whether the run counts as a failure.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Verdict::Failed(_) | Verdict::TimedOut | Verdict::NotStarted(_)
        )
    }

    /// Why the run failed, for messages.
    pub fn describe(&self, timeout: Duration) -> String {
        match self {
            Verdict::Passed => "passed".to_string(),
            Verdict::Failed(status) => format!("failed ({status})"),
            Verdict::TimedOut => format!("timed out after {} s", timeout.as_secs()),
            Verdict::Interrupted => "interrupted".to_string(),
            Verdict::NotStarted(reason) => format!("could not start: {reason}"),
        }
    }
}

/// What one run is: its test, its seed and (in simulation) its scheduler.
#[derive(Debug, Clone, Copy)]
pub struct RunSpec<'a> {
    /// The test.
    pub case: &'a TestCase,
    /// Its `LAB_SEED`.
    pub seed: u64,
    /// Its `LAB_SCHED`, in simulation.
    pub scheduler: Scheduler,
}

/// Runs the test once, writing stdout and stderr to `log_path`; the log is deleted unless the
/// run failed. While the run goes, its log is there, growing. `stop` is Ctrl-C: when it is
/// set the test is killed.
pub fn run_once(
    spec: RunSpec<'_>,
    log_path: &Path,
    settings: &RunSettings,
    stop: &AtomicBool,
) -> (Verdict, Duration) {
    let started = Instant::now();
    let seed = spec.seed;
    let verdict = match start(spec, log_path, settings) {
        Ok(mut child) => wait(&mut child, settings.timeout, stop),
        Err(reason) => Verdict::NotStarted(reason),
    };
    let duration = started.elapsed();
    finish_log(log_path, &verdict, seed, duration, settings.timeout);
    (verdict, duration)
}

/// Starts the test binary on this one test, in its own process group so that a kill reaches
/// any processes it started and the terminal's Ctrl-C reaches only `lab`.
fn start(spec: RunSpec<'_>, log_path: &Path, settings: &RunSettings) -> Result<Child, String> {
    let RunSpec {
        case,
        seed,
        scheduler,
    } = spec;
    let log = File::create(log_path).map_err(|error| format!("{}: {error}", log_path.display()))?;
    let log_for_stderr = log.try_clone().map_err(|error| error.to_string())?;
    let mut command = Command::new(&case.binary.path);
    command
        .args(["--exact", &case.name, "--nocapture", "--test-threads=1"])
        .current_dir(&case.package.directory)
        .env(SEED_VARIABLE, seed.to_string())
        .env("RUST_LOG", "debug")
        .env("LAB_RESULTS", &settings.results_path)
        .env("CARGO_MANIFEST_DIR", &case.package.directory)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_for_stderr);
    // The run's environment is what its replay command says, whatever the shell exported.
    match scheduler.env_value() {
        Some(value) if settings.sim => command.env(SCHED_VARIABLE, value),
        _ => command.env_remove(SCHED_VARIABLE),
    };
    if settings.sim {
        command.env(SIM_VARIABLE, "1");
    } else {
        command.env_remove(SIM_VARIABLE);
    }
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command
        .spawn()
        .map_err(|error| format!("{}: {error}", case.binary.path.display()))
}

/// Waits for the child, killing it at the deadline or on Ctrl-C.
fn wait(child: &mut Child, timeout: Duration, stop: &AtomicBool) -> Verdict {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return verdict_of(status),
            Ok(None) => {}
            Err(error) => return Verdict::Failed(format!("lost the test process: {error}")),
        }
        if stop.load(Ordering::SeqCst) {
            kill(child);
            return Verdict::Interrupted;
        }
        if started.elapsed() >= timeout {
            kill(child);
            return Verdict::TimedOut;
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// Passed on exit code 0, else failed with the status.
fn verdict_of(status: ExitStatus) -> Verdict {
    if status.success() {
        Verdict::Passed
    } else {
        Verdict::Failed(status.to_string())
    }
}

/// Kills the child and its process group, then reaps it.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    {
        // `kill -KILL -- -PGID` reaches the test's own children too (mapreduce starts workers).
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Appends the verdict to a failed run's log, or deletes the log of a run that did not fail.
fn finish_log(
    log_path: &Path,
    verdict: &Verdict,
    seed: u64,
    duration: Duration,
    timeout: Duration,
) {
    if !verdict.is_failure() {
        let _ = std::fs::remove_file(log_path);
        return;
    }
    if let Ok(mut log) = std::fs::OpenOptions::new().append(true).open(log_path) {
        let _ = writeln!(
            log,
            "lab: {} after {:.1} s with {SEED_VARIABLE}={seed}",
            verdict.describe(timeout),
            duration.as_secs_f64()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_start_errors_are_failures_but_interrupts_are_not() {
        assert!(Verdict::TimedOut.is_failure());
        assert!(Verdict::NotStarted("gone".into()).is_failure());
        assert!(Verdict::Failed("exit status: 101".into()).is_failure());
        assert!(!Verdict::Interrupted.is_failure());
        assert!(!Verdict::Passed.is_failure());
    }

    #[test]
    fn descriptions_name_the_cause() {
        let timeout = Duration::from_secs(30);
        assert_eq!(Verdict::TimedOut.describe(timeout), "timed out after 30 s");
        assert_eq!(
            Verdict::Failed("exit status: 101".into()).describe(timeout),
            "failed (exit status: 101)"
        );
    }
}
