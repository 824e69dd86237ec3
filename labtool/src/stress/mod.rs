//! `lab stress`: run a crate's matching tests many times in parallel, each run with a fresh
//! seed and a debug log, and report which runs failed and how to replay them. The tests are
//! picked by parts and pieces of names ([`crate::select`]); with `--sim` every run is a
//! simulation under the scheduler `LAB_SCHED` names ([`crate::scheduler`]), and the tests
//! that run in real time only ([`crate::real_only`]) are left out and listed.
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
use crate::output;
use crate::real_only::{self, LeftOut};
use crate::scheduler::{Scheduler, SCHED_VARIABLE};
use crate::select::TestFilter;
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
    /// What to run: parts (`3a`) and pieces of test names, as [`crate::select`] reads them.
    pub filters: Vec<String>,
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
    let scheduler = scheduler_for(options.sim)?;
    let filter = TestFilter::new(&options.filters);
    let colored = Palette::for_stderr(options.color).is_enabled();
    let binaries = build::build_test_binaries(&package, options.release, colored)?;
    let cases = discover::matching_tests(&package, &binaries, &filter)?;
    let (cases, left_out) = if options.sim {
        real_only::leave_out(&workspace.root, cases)?
    } else {
        (cases, Vec::new())
    };
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
        left_out: &left_out,
        scheduler,
    };
    session.run(&settings, log_dir, &stop)
}

/// The scheduler of a simulated stress run: the one `LAB_SCHED` names (random when unset).
/// Real runs have none; a `LAB_SCHED` set for them is pointed out, since it does nothing.
fn scheduler_for(sim: bool) -> Result<Scheduler> {
    let scheduler = Scheduler::from_env()?;
    if !sim && scheduler != Scheduler::Random {
        output::note(&format!(
            "stress: {SCHED_VARIABLE}={scheduler} is for simulated runs; add --sim to use it"
        ));
        return Ok(Scheduler::Random);
    }
    Ok(scheduler)
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
    /// The matching tests a simulation leaves out.
    left_out: &'a [LeftOut],
    /// The scheduler of every run (in simulation).
    scheduler: Scheduler,
}

impl Session<'_> {
    /// Runs the plan, then prints the summary; returns how it went.
    fn run(
        self,
        settings: &RunSettings,
        log_dir: PathBuf,
        stop: &AtomicBool,
    ) -> Result<StressOutcome> {
        let plan = plan_runs(self.cases.len(), self.options.runs, self.scheduler);
        let crate_log_dir = log_dir.join(&self.options.krate);
        let mode = if self.options.sim {
            format!(", in simulation under the {} scheduler", self.scheduler)
        } else {
            String::new()
        };
        output::note(&format!(
            "stress: {} test(s) x {} runs = {} runs, {} at a time{mode}; failed runs' logs go to {}",
            self.cases.len(),
            self.options.runs,
            plan.len(),
            self.options.jobs,
            display_path(&crate_log_dir)
        ));
        if !self.left_out.is_empty() {
            output::note(&format!(
                "stress: {} real-time-only test(s) left out (listed at the end)",
                self.left_out.len()
            ));
        }
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

    /// Prints the table, what was left out and a closing line; returns the outcome.
    fn print_summary(
        &self,
        tally: &Tally,
        planned: usize,
        log_dir: &Path,
        interrupted: bool,
    ) -> Result<StressOutcome> {
        let palette = Palette::for_stdout(self.options.color);
        let mut text = summary::render(&tally.summaries, Layout::Tests, palette);
        text.push_str(&real_only::left_out_lines(self.left_out));
        let (done, failed) = (tally.runs(), tally.failures());
        let (closing, outcome) = if interrupted {
            (
                format!("interrupted: {done} of {planned} runs finished, {failed} failed"),
                StressOutcome::Interrupted,
            )
        } else if failed > 0 {
            let logs = display_path(log_dir);
            (
                format!("{failed} of {done} runs failed; their logs are in {logs}"),
                StressOutcome::SomeFailed,
            )
        } else {
            (format!("all {done} runs passed"), StressOutcome::AllPassed)
        };
        text.push_str(&closing);
        text.push('\n');
        output::print_report(&text)?;
        Ok(outcome)
    }
}

/// `runs` rounds over all tests, each run with a fresh seed, all under `scheduler`. Seeds stay
/// below 2^32 so a rerun command is short to type; the chance of two equal seeds in a session
/// is negligible.
fn plan_runs(tests: usize, runs: u32, scheduler: Scheduler) -> Vec<PlannedRun> {
    (0..runs)
        .flat_map(|_| 0..tests)
        .map(|case_index| PlannedRun {
            case_index,
            seed: u64::from(rand::random::<u32>()),
            scheduler,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_interleaves_tests_round_by_round() {
        let plan = plan_runs(2, 3, Scheduler::Random);
        let order: Vec<usize> = plan.iter().map(|run| run.case_index).collect();
        assert_eq!(order, [0, 1, 0, 1, 0, 1]);
        assert!(plan.iter().all(|run| run.seed <= u64::from(u32::MAX)));
    }
}
