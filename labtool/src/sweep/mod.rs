//! `lab sweep`: run the graded tests of the lab crates in deterministic simulation, over as
//! many fresh seeds as a time budget allows, and report per test the runs, the failures, and
//! for every failed run its seed, its scheduler, why it failed, its log and the command that
//! replays it.
//!
//! What it sweeps: the command line's words are crates (`raft`), parts (`3a`) and pieces of
//! test names (`figure8`), read as [`crate::select`] says; with no crate named, the crates of
//! the parts given, or every lab crate. The tests that run in real time only
//! ([`crate::real_only`]) are left out and listed.
//!
//! A sweep is `lab stress` with another plan and another report: the same build, discovery,
//! pool of runs, progress and tally ([`crate::stress`]); the plan ([`plan`]) hands the tests
//! out in turns until the budget is spent, every test at least once, and alternates the
//! schedulers across each test's seeds ([`crate::scheduler::SWEEP_ROTATION`]); the report
//! ([`report`]) names each test's crate and lists the failed runs under their test.

pub mod plan;
pub mod report;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::color::{ColorChoice, Palette};
use crate::error::{Error, Result};
use crate::output;
use crate::real_only::{self, LeftOut};
use crate::select::{labs_and_parts, Part, TestFilter, LABS};
use crate::stress::discover::TestCase;
use crate::stress::pool::Pool;
use crate::stress::progress::{Goal, Progress};
use crate::stress::run::RunSettings;
use crate::stress::tally::{display_path, RunMode, Tally};
use crate::stress::{build, create_log_dirs, discover, install_ctrl_c, StressOutcome};
use crate::workspace::{Package, Workspace};
use plan::Planner;
use report::SweepReport;

/// What `lab sweep` was asked to do.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The command line's crates, parts and pieces of test names, in any order; empty means
    /// every graded test of the lab crates the workspace has.
    pub selection: Vec<String>,
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

/// The crates to build and the filter their graded tests go through.
#[derive(Debug)]
struct Selection {
    /// The crates, each built once.
    packages: Vec<Package>,
    /// Whether they were named on the command line (else they are lab crates by default,
    /// and one without graded tests is skipped with a note).
    named: bool,
    /// The parts and name pieces.
    filter: TestFilter,
    /// Every crate of the workspace, sorted, for the message when nothing matches.
    workspace_crates: Vec<String>,
}

/// Runs a sweep and prints its report on stdout.
pub fn sweep(options: &SweepOptions) -> Result<StressOutcome> {
    if options.budget.is_zero() {
        return Err(Error::ZeroBudget);
    }
    let workspace = Workspace::load()?;
    let selection = select(&workspace, &options.selection)?;
    let cases = graded_tests_of(&selection, options)?;
    let (cases, left_out) = real_only::leave_out(&workspace.root, cases)?;
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
    let sweep = Sweep {
        options,
        cases: &cases,
        left_out: &left_out,
        log_dir,
        sweep_seed,
    };
    sweep.run(&settings, &stop)
}

/// Sorts the command line's words into crates (members of the workspace) and filters, and
/// chooses the crates to build: those named, else those of the parts given, else every lab
/// crate the workspace has.
fn select(workspace: &Workspace, words: &[String]) -> Result<Selection> {
    let (crate_words, filter_words): (Vec<&String>, Vec<&String>) = words
        .iter()
        .partition(|word| workspace.package(word).is_ok());
    let filter = TestFilter::new(&filter_words.into_iter().cloned().collect::<Vec<_>>());
    if !crate_words.is_empty() {
        let mut packages: Vec<Package> = Vec::new();
        for name in crate_words {
            let package = workspace.package(name)?;
            if !packages.contains(package) {
                packages.push(package.clone());
            }
        }
        return Ok(Selection {
            packages,
            named: true,
            filter,
            workspace_crates: workspace.package_names(),
        });
    }
    let labs: Vec<&str> = if filter.parts.is_empty() {
        LABS.iter().map(|lab| lab.name).collect()
    } else {
        crates_of_parts(&filter.parts)?
    };
    let packages: Vec<Package> = labs
        .iter()
        .filter_map(|name| workspace.package(name).ok().cloned())
        .collect();
    if packages.is_empty() {
        return Err(Error::NothingToSweep {
            labs: labs.iter().map(|name| name.to_string()).collect(),
        });
    }
    Ok(Selection {
        packages,
        named: false,
        filter,
        workspace_crates: workspace.package_names(),
    })
}

/// The lab crates the parts belong to, in the order of the labs; an error for a part of no
/// lab.
fn crates_of_parts(parts: &[Part]) -> Result<Vec<&'static str>> {
    for part in parts {
        if !LABS.iter().any(|lab| lab.lab == part.lab) {
            return Err(Error::UnknownPart {
                part: part.to_string(),
                labs: labs_and_parts(),
            });
        }
    }
    Ok(LABS
        .iter()
        .filter(|lab| parts.iter().any(|part| part.lab == lab.lab))
        .map(|lab| lab.name)
        .collect())
}

/// Builds each crate's tests once and finds the graded tests the filter picks. A crate named
/// on the command line must have graded tests; a default crate without any is skipped with a
/// note. An error when the filter picks none.
fn graded_tests_of(selection: &Selection, options: &SweepOptions) -> Result<Vec<TestCase>> {
    let colored = Palette::for_stderr(options.color).is_enabled();
    let mut graded = Vec::new();
    for package in &selection.packages {
        let binaries = build::build_test_binaries(package, options.release, colored)?;
        match discover::graded_tests(package, &binaries) {
            Ok(tests) => graded.extend(tests),
            Err(error @ Error::NoGradedTests { .. }) if !selection.named => {
                output::note(&format!("sweep: skipped: {error}"));
            }
            Err(error) => return Err(error),
        }
    }
    if graded.is_empty() {
        return Err(Error::NothingToSweep {
            labs: LABS.iter().map(|lab| lab.name.to_string()).collect(),
        });
    }
    let parts_there = parts_of(&graded);
    let picked: Vec<TestCase> = graded
        .into_iter()
        .filter(|case| selection.filter.matches(&case.name))
        .collect();
    if picked.is_empty() {
        return Err(Error::NothingMatches {
            filter: selection.filter.to_string(),
            crates: selection
                .packages
                .iter()
                .map(|package| package.name.clone())
                .collect(),
            parts: parts_there,
            workspace: selection.workspace_crates.clone(),
        });
    }
    Ok(picked)
}

/// The parts the graded tests belong to, sorted, for messages.
fn parts_of(cases: &[TestCase]) -> Vec<String> {
    let mut parts: Vec<Part> = cases
        .iter()
        .filter_map(|case| Part::of_test(&case.name))
        .collect();
    parts.sort();
    parts.dedup();
    parts.iter().map(Part::to_string).collect()
}

/// One sweep, its tests chosen.
struct Sweep<'a> {
    /// The request.
    options: &'a SweepOptions,
    /// The tests to run.
    cases: &'a [TestCase],
    /// The tests picked but left out as real-only.
    left_out: &'a [LeftOut],
    /// Where failed runs' logs go.
    log_dir: PathBuf,
    /// The seed the runs' seeds are drawn from.
    sweep_seed: u64,
}

impl Sweep<'_> {
    /// Runs the planned runs until the budget is spent (or Ctrl-C), then prints the report.
    fn run(self, settings: &RunSettings, stop: &AtomicBool) -> Result<StressOutcome> {
        self.announce();
        let options = self.options;
        let mode = RunMode {
            release: options.release,
            sim: true,
            timeout: options.timeout,
        };
        let mut tally = Tally::new(self.cases, mode, options.color);
        let mut progress = Progress::new(Goal::Budget(options.budget), "sweep");
        let planner = Mutex::new(Planner::new(
            self.cases.len(),
            options.budget,
            self.sweep_seed,
        ));
        let pool = Pool {
            cases: self.cases,
            settings,
            log_dir: self.log_dir.clone(),
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
            left_out: self.left_out,
            budget: options.budget,
            elapsed: started.elapsed(),
            sweep_seed: self.sweep_seed,
            overran: planner.overran(),
            interrupted: stop.load(Ordering::SeqCst),
            log_dir: &self.log_dir,
        };
        output::print_report(&report.render(Palette::for_stdout(options.color)))?;
        Ok(report.outcome())
    }

    /// `sweep: 27 graded tests in kvsrv, raft; ...`: what is about to happen and how to repeat
    /// it.
    fn announce(&self) {
        let mut crates: Vec<&str> = self
            .cases
            .iter()
            .map(|case| case.package.name.as_str())
            .collect();
        crates.dedup();
        let left_out = match self.left_out.len() {
            0 => String::new(),
            count => format!(" ({count} real-time-only test(s) left out, listed at the end)"),
        };
        output::note(&format!(
            "sweep: {} graded tests in {}{left_out}, in simulation, schedulers random and pct \
             in turns, for {} s, {} at a time; sweep seed {seed} (repeat with --seed {seed}); \
             failed runs' logs go to {}",
            self.cases.len(),
            crates.join(", "),
            self.options.budget.as_secs(),
            self.options.jobs,
            display_path(&self.log_dir),
            seed = self.sweep_seed,
        ));
    }
}
