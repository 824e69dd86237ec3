//! `lab sweep`: run every graded test of the lab crates in deterministic simulation, over as
//! many fresh seeds as a time budget allows, and report per test the runs, the failures, and
//! for every failed run its seed, why it failed, its log and the command that replays it.
//!
//! A sweep is `lab stress` with another plan and another report: the same build, discovery,
//! pool of runs, progress and tally ([`crate::stress`]); the plan ([`plan`]) hands the tests
//! out in turns until the budget is spent, every test at least once; the report ([`report`])
//! names each test's crate and lists the failed runs under their test.

pub mod plan;
pub mod report;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::color::{ColorChoice, Palette};
use crate::error::{Error, Result};
use crate::stress::discover::TestCase;
use crate::stress::pool::Pool;
use crate::stress::progress::{Goal, Progress};
use crate::stress::run::RunSettings;
use crate::stress::tally::{display_path, RunMode, Tally};
use crate::stress::{build, create_log_dirs, discover, install_ctrl_c, StressOutcome};
use crate::workspace::{Package, Workspace};
use plan::Planner;
use report::SweepReport;

/// The crates a sweep covers when none is named, in the order of the labs.
pub const LAB_CRATES: [&str; 4] = ["kvsrv", "raft", "kvraft", "shardkv"];

/// What `lab sweep` was asked to do.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The crates to sweep; empty means those of [`LAB_CRATES`] in the workspace.
    pub crates: Vec<String>,
    /// No run starts after this much time of running (the build is not counted), except that
    /// every test runs once.
    pub budget: Duration,
    /// How many runs go at once.
    pub jobs: usize,
    /// A run still going after this is killed and counted as failed.
    pub timeout: Duration,
    /// The seed every run's seed is drawn from; `None` draws a fresh one.
    pub seed: Option<u64>,
    /// Build and run with `--release`.
    pub release: bool,
    /// The `--color` choice.
    pub color: ColorChoice,
}

/// Runs a sweep and prints its report on stdout.
pub fn sweep(options: &SweepOptions) -> Result<StressOutcome> {
    if options.budget.is_zero() {
        return Err(Error::ZeroBudget);
    }
    let workspace = Workspace::load()?;
    let packages = chosen_packages(&workspace, &options.crates)?;
    let cases = graded_tests_of(&packages, options)?;
    let log_dir = workspace.target_dir.join("sweep");
    create_log_dirs(&log_dir, &cases)?;
    let settings = RunSettings {
        timeout: options.timeout,
        results_path: log_dir.join("lab-results.jsonl"),
        sim: true,
    };
    let stop = install_ctrl_c()?;
    let sweep_seed = options
        .seed
        .unwrap_or_else(|| u64::from(rand::random::<u32>()));
    Ok(run_sweep(
        options, &cases, &settings, log_dir, sweep_seed, &stop,
    ))
}

/// The packages named, each checked to be in the workspace, or when none is named, the lab
/// crates the workspace has.
fn chosen_packages(workspace: &Workspace, names: &[String]) -> Result<Vec<Package>> {
    if names.is_empty() {
        let present: Vec<Package> = LAB_CRATES
            .iter()
            .filter_map(|name| workspace.package(name).ok().cloned())
            .collect();
        if present.is_empty() {
            return Err(Error::NothingToSweep {
                labs: LAB_CRATES.iter().map(|name| name.to_string()).collect(),
            });
        }
        return Ok(present);
    }
    let mut packages: Vec<Package> = Vec::new();
    for name in names {
        let package = workspace.package(name)?;
        if !packages.contains(package) {
            packages.push(package.clone());
        }
    }
    Ok(packages)
}

/// Builds each crate's tests once and finds its graded tests. A crate named on the command
/// line must have some; a default crate without any is skipped with a note.
fn graded_tests_of(packages: &[Package], options: &SweepOptions) -> Result<Vec<TestCase>> {
    let colored = Palette::for_stderr(options.color).is_enabled();
    let mut cases = Vec::new();
    for package in packages {
        let binaries = build::build_test_binaries(package, options.release, colored)?;
        match discover::graded_tests(package, &binaries) {
            Ok(graded) => cases.extend(graded),
            Err(error @ Error::NoGradedTests { .. }) if options.crates.is_empty() => {
                eprintln!("sweep: skipped: {error}");
            }
            Err(error) => return Err(error),
        }
    }
    if cases.is_empty() {
        return Err(Error::NothingToSweep {
            labs: LAB_CRATES.iter().map(|name| name.to_string()).collect(),
        });
    }
    Ok(cases)
}

/// Runs the planned runs until the budget is spent (or Ctrl-C), then prints the report.
fn run_sweep(
    options: &SweepOptions,
    cases: &[TestCase],
    settings: &RunSettings,
    log_dir: PathBuf,
    sweep_seed: u64,
    stop: &AtomicBool,
) -> StressOutcome {
    announce(options, cases, &log_dir, sweep_seed);
    let mode = RunMode {
        release: options.release,
        sim: true,
        timeout: options.timeout,
    };
    let mut tally = Tally::new(cases, mode, options.color);
    let mut progress = Progress::new(Goal::Budget(options.budget), "sweep");
    let planner = Mutex::new(Planner::new(cases.len(), options.budget, sweep_seed));
    let pool = Pool {
        cases,
        settings,
        log_dir: log_dir.clone(),
        stop,
    };
    let started = Instant::now();
    let next_run = || {
        let mut planner = planner.lock().unwrap_or_else(PoisonError::into_inner);
        planner.next(started.elapsed())
    };
    pool.run_all(next_run, options.jobs, |event| {
        tally.take(event, &mut progress)
    });
    progress.finish();
    let planner = planner.into_inner().unwrap_or_else(PoisonError::into_inner);
    let report = SweepReport {
        tally: &tally,
        budget: options.budget,
        elapsed: started.elapsed(),
        sweep_seed,
        overran: planner.overran(),
        interrupted: stop.load(Ordering::SeqCst),
        log_dir: &log_dir,
    };
    print!("{}", report.render(Palette::for_stdout(options.color)));
    report.outcome()
}

/// `sweep: 27 graded tests in kvsrv, raft; ...`: what is about to happen and how to repeat it.
fn announce(options: &SweepOptions, cases: &[TestCase], log_dir: &std::path::Path, seed: u64) {
    let mut crates: Vec<&str> = cases
        .iter()
        .map(|case| case.package.name.as_str())
        .collect();
    crates.dedup();
    eprintln!(
        "sweep: {} graded tests in {}, in simulation, for {} s, {} at a time; sweep seed {seed} \
         (repeat with --seed {seed}); failed runs' logs go to {}",
        cases.len(),
        crates.join(", "),
        options.budget.as_secs(),
        options.jobs,
        display_path(log_dir)
    );
}
