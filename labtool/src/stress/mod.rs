//! `lab stress`: run a crate's matching tests many times in parallel, each run with a fresh
//! seed and a debug log, and report which runs failed and how to replay them.
//!
//! The steps: build once ([`build`]), find the tests ([`discover`]), plan the runs, run them on
//! `jobs` workers ([`pool`], [`run`]) under a progress bar ([`progress`]), count them as they
//! end ([`tally`]), then print the summary table ([`summary`]), also after Ctrl-C. `lab sweep`
//! (`crate::sweep`) is the same machinery with another plan and another report.

pub mod build;
pub mod discover;
pub mod pool;
pub mod progress;
pub mod run;
pub mod summary;
pub mod tally;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::color::{ColorChoice, Palette};
use crate::error::{Error, Result};
use crate::workspace::Workspace;
use discover::TestCase;
use pool::{PlannedRun, Pool};
use progress::{Goal, Progress};
use run::RunSettings;
use summary::Layout;
use tally::{display_path, RunMode, Tally};

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

/// How a stress session or a sweep ended; the exit code follows from it.
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
    let log_dir = workspace.target_dir.join("stress");
    create_log_dirs(&log_dir, &cases)?;
    let settings = RunSettings {
        timeout: options.timeout,
        results_path: log_dir.join("lab-results.jsonl"),
        sim: options.sim,
    };
    let stop = install_ctrl_c()?;
    let session = Session {
        options,
        cases: &cases,
    };
    Ok(session.run(&settings, log_dir, &stop))
}

/// Sets up Ctrl-C to raise a flag instead of killing `lab`, so the summary still prints.
pub fn install_ctrl_c() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))?;
    Ok(stop)
}

/// Creates `<log_dir>/<crate>` for every crate of `cases`, where their failed runs' logs go.
pub fn create_log_dirs(log_dir: &Path, cases: &[TestCase]) -> Result<()> {
    for case in cases {
        let directory = log_dir.join(&case.package.name);
        std::fs::create_dir_all(&directory).map_err(|source| Error::Write {
            path: directory.clone(),
            source,
        })?;
    }
    Ok(())
}

/// One stress session: its request and its tests.
struct Session<'a> {
    /// The request.
    options: &'a StressOptions,
    /// The matching tests.
    cases: &'a [TestCase],
}

impl Session<'_> {
    /// Runs the plan, then prints the summary; returns how it went.
    fn run(self, settings: &RunSettings, log_dir: PathBuf, stop: &AtomicBool) -> StressOutcome {
        let plan = plan_runs(self.cases.len(), self.options.runs);
        let crate_log_dir = log_dir.join(&self.options.krate);
        eprintln!(
            "stress: {} test(s) x {} runs = {} runs, {} at a time; failed runs' logs go to {}",
            self.cases.len(),
            self.options.runs,
            plan.len(),
            self.options.jobs,
            display_path(&crate_log_dir)
        );
        let mode = RunMode {
            release: self.options.release,
            sim: self.options.sim,
            timeout: self.options.timeout,
        };
        let mut tally = Tally::new(self.cases, mode, self.options.color);
        let mut progress = Progress::new(Goal::Runs(plan.len() as u64), "stress");
        let pool = Pool {
            cases: self.cases,
            settings,
            log_dir,
            stop,
        };
        let next = AtomicUsize::new(0);
        let next_run = || plan.get(next.fetch_add(1, Ordering::SeqCst)).copied();
        pool.run_all(next_run, self.options.jobs, |event| {
            tally.take(event, &mut progress)
        });
        progress.finish();
        self.print_summary(
            &tally,
            plan.len(),
            &crate_log_dir,
            stop.load(Ordering::SeqCst),
        )
    }

    /// Prints the table and a closing line; returns the outcome.
    fn print_summary(
        &self,
        tally: &Tally,
        planned: usize,
        log_dir: &Path,
        interrupted: bool,
    ) -> StressOutcome {
        let palette = Palette::for_stdout(self.options.color);
        print!(
            "{}",
            summary::render(&tally.summaries, Layout::Tests, palette)
        );
        let (done, failed) = (tally.runs(), tally.failures());
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
