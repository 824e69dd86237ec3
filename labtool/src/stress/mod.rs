//! `lab stress`: run a crate's matching tests many times in parallel, each run with a fresh
//! seed and a debug log, and report which runs failed and how to replay them.
//!
//! The steps: build once ([`build`]), find the tests ([`discover`]), plan the runs, run them on
//! `jobs` workers ([`pool`], [`run`]) under a progress bar ([`progress`]), then print the
//! summary table ([`summary`]), also after Ctrl-C.

pub mod build;
pub mod discover;
pub mod pool;
pub mod progress;
pub mod run;
pub mod summary;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::color::{ColorChoice, Palette, Style};
use crate::error::{Error, Result};
use crate::workspace::{Package, Workspace};
use discover::TestCase;
use pool::{PlannedRun, Pool, PoolEvent, RunReport};
use progress::Progress;
use run::{RunSettings, Verdict, SEED_VARIABLE, SIM_VARIABLE};
use summary::TestSummary;

/// What `lab stress` was asked to do.
#[derive(Debug, Clone)]
pub struct StressOptions {
    /// The workspace crate whose tests run.
    pub krate: String,
    /// Substring of the test names to run, as for `cargo test`.
    pub filter: String,
    /// How many times each matching test runs.
    pub runs: u32,
    /// How many runs go at once.
    pub jobs: usize,
    /// A run still going after this is killed and counted as failed.
    pub timeout: Duration,
    /// Build and run with `--release`.
    pub release: bool,
    /// Run in deterministic simulation (`LAB_SIM=1`), where a seed replays a run exactly.
    pub sim: bool,
    /// The `--color` choice.
    pub color: ColorChoice,
}

/// How a stress session ended; the exit code follows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StressOutcome {
    /// Every run passed.
    AllPassed,
    /// At least one run failed or timed out.
    SomeFailed,
    /// Ctrl-C stopped the session early.
    Interrupted,
}

/// Runs a stress session and prints its summary on stdout.
pub fn stress(options: &StressOptions) -> Result<StressOutcome> {
    let workspace = Workspace::load()?;
    let package = workspace.package(&options.krate)?.clone();
    let colored = Palette::for_stderr(options.color).is_enabled();
    let binaries = build::build_test_binaries(&package, options.release, colored)?;
    let cases = discover::matching_tests(&package, &binaries, &options.filter)?;
    let stress_dir = workspace.target_dir.join("stress");
    let log_dir = stress_dir.join(&package.name);
    std::fs::create_dir_all(&log_dir).map_err(|source| Error::Write {
        path: log_dir.clone(),
        source,
    })?;
    let settings = RunSettings {
        directory: package.directory.clone(),
        timeout: options.timeout,
        results_path: stress_dir.join("lab-results.jsonl"),
        sim: options.sim,
    };
    let stop = install_ctrl_c()?;
    let session = Session::new(options, &package, &cases);
    Ok(session.run(&settings, log_dir, &stop))
}

/// Sets up Ctrl-C to raise a flag instead of killing `lab`, so the summary still prints.
fn install_ctrl_c() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))?;
    Ok(stop)
}

/// The state of one stress session while its runs come in.
struct Session<'a> {
    /// The request.
    options: &'a StressOptions,
    /// The crate under test.
    package: &'a Package,
    /// The matching tests.
    cases: &'a [TestCase],
    /// One summary per test, same order as `cases`.
    summaries: Vec<TestSummary>,
    /// Colours for messages on stderr.
    stderr_palette: Palette,
}

impl<'a> Session<'a> {
    /// A session with nothing run yet.
    fn new(options: &'a StressOptions, package: &'a Package, cases: &'a [TestCase]) -> Self {
        Session {
            options,
            package,
            cases,
            summaries: cases
                .iter()
                .map(|case| TestSummary::new(&case.name))
                .collect(),
            stderr_palette: Palette::for_stderr(options.color),
        }
    }

    /// Runs the plan, then prints the summary; returns how it went.
    fn run(mut self, settings: &RunSettings, log_dir: PathBuf, stop: &AtomicBool) -> StressOutcome {
        let plan = plan_runs(self.cases.len(), self.options.runs);
        eprintln!(
            "stress: {} test(s) x {} runs = {} runs, {} at a time; failed runs' logs go to {}",
            self.cases.len(),
            self.options.runs,
            plan.len(),
            self.options.jobs,
            display_path(&log_dir)
        );
        let mut progress = Progress::new(plan.len() as u64);
        let pool = Pool {
            cases: self.cases,
            settings,
            log_dir: log_dir.clone(),
            stop,
        };
        pool.run_all(&plan, self.options.jobs, |event| match event {
            PoolEvent::Finished(report) => self.record(report, &mut progress),
            PoolEvent::Idle => progress.tick(),
        });
        progress.finish();
        self.print_summary(plan.len(), &log_dir, stop.load(Ordering::SeqCst))
    }

    /// Counts a finished run and reports it if it failed.
    fn record(&mut self, report: RunReport, progress: &mut Progress) {
        if report.verdict == Verdict::Interrupted {
            return;
        }
        let failed = report.verdict.is_failure();
        self.summaries[report.run.case_index].record(
            report.duration,
            failed,
            report.verdict == Verdict::TimedOut,
        );
        if failed {
            progress.println(&self.failure_message(&report));
        }
        progress.record(failed);
    }

    /// `FAIL test (seed): why after s`, the log path and the command that reruns it.
    fn failure_message(&self, report: &RunReport) -> String {
        let case = &self.cases[report.run.case_index];
        let heading = format!("FAIL {} (seed {})", case.name, report.run.seed);
        format!(
            "{}: {} after {:.1} s\n  log:   {}\n  rerun: {}",
            self.stderr_palette.paint(Some(Style::Red), &heading),
            report.verdict.describe(self.options.timeout),
            report.duration.as_secs_f64(),
            display_path(&report.log_path),
            self.rerun_command(case, report.run.seed)
        )
    }

    /// The cargo command that replays one run with its seed.
    fn rerun_command(&self, case: &TestCase, seed: u64) -> String {
        let release = if self.options.release {
            " --release"
        } else {
            ""
        };
        let sim = if self.options.sim {
            format!("{SIM_VARIABLE}=1 ")
        } else {
            String::new()
        };
        format!(
            "{sim}{SEED_VARIABLE}={seed} RUST_LOG=debug cargo test -p {}{release} {} -- --exact {} --nocapture",
            self.package.name,
            case.binary.cargo_selector(),
            case.name
        )
    }

    /// Prints the table and a closing line; returns the outcome.
    fn print_summary(&self, planned: usize, log_dir: &Path, interrupted: bool) -> StressOutcome {
        let palette = Palette::for_stdout(self.options.color);
        print!("{}", summary::render(&self.summaries, palette));
        let done: usize = self.summaries.iter().map(|s| s.durations.len()).sum();
        let failed: usize = self.summaries.iter().map(|s| s.failures).sum();
        if interrupted {
            println!("interrupted: {done} of {planned} runs finished, {failed} failed");
            return StressOutcome::Interrupted;
        }
        if failed > 0 {
            let logs = display_path(log_dir);
            println!("{failed} of {done} runs failed; their logs are in {logs}");
            return StressOutcome::SomeFailed;
        }
        println!("all {done} runs passed");
        StressOutcome::AllPassed
    }
}

/// `runs` rounds over all tests, each run with a fresh seed. Seeds stay below 2^32 so a rerun
/// command is short to type; the chance of two equal seeds in a session is negligible.
fn plan_runs(tests: usize, runs: u32) -> Vec<PlannedRun> {
    (0..runs)
        .flat_map(|_| 0..tests)
        .map(|case_index| PlannedRun {
            case_index,
            seed: u64::from(rand::random::<u32>()),
        })
        .collect()
}

/// `path` relative to the current directory when it is under it, for shorter messages.
fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|here| path.strip_prefix(here).ok().map(Path::to_path_buf));
    relative
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_interleaves_tests_round_by_round() {
        let plan = plan_runs(2, 3);
        let order: Vec<usize> = plan.iter().map(|run| run.case_index).collect();
        assert_eq!(order, [0, 1, 0, 1, 0, 1]);
        assert!(plan.iter().all(|run| run.seed <= u64::from(u32::MAX)));
    }
}
