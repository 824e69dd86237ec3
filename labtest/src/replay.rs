//! Exact replay, checked: rerun a graded test in simulation as a child process, twice with one
//! seed and once with another, and compare what the runs left behind.
//!
//! A lab's replay test is one call:
//! `labtest::replay::assert_replays_exactly(&["lab_test_name"])`. Each child is this very
//! test binary, run with `LAB_SIM=1 LAB_SEED=<seed> RUST_LOG=trace`; what is compared is its
//! debug log (standard error: every line stamped with virtual time) and the history its
//! tester recorded ([`HISTORY_VAR`], written by [`History::check`](crate::History::check)),
//! byte for byte. Two runs with one seed must match; a run with another seed must not. The
//! children always simulate, so the test runs the same way in both modes.
//!
//! The seed is `LAB_SEED` if set, else a fresh one (printed), so a failure replays with
//! `LAB_SEED=<seed> cargo test ... replay`.
//!
//! The same machinery, wider and cheaper: [`assert_deterministic_across_seeds`] runs short
//! graded tests under [`SEEDS`] seeds, twice each, and compares the schedule's fingerprint
//! ([`labsim::SimStats`]: every scheduling decision hashed, switches, virtual time) or, for a
//! run that failed, its failure report. The runs happen in one child process (so the graded
//! tests' result lines go to a scratch file), in-process simulations inside it.

use std::path::{Path, PathBuf};
use std::process::Command;

use labsim::{Sim, SimStats};

/// Where a tester writes the history it checks, when set: every operation, one per line,
/// appended at each check. The replay test sets it for its children.
pub const HISTORY_VAR: &str = "LAB_HISTORY";

/// A log shorter than this cannot show that a run replays.
const MIN_LOG_LINES: usize = 500;

/// What one child run left behind.
pub struct ChildRun {
    /// Standard error: the debug log.
    pub log: String,
    /// Standard output: libtest's summary (with real time in it, so never compared).
    pub summary: String,
    /// The operations the tester recorded, one per line (empty for a lab without a history).
    pub history: String,
}

/// Runs the graded test `test` of this test binary in simulation with `seed`, in a child
/// process.
///
/// # Panics
///
/// If the test binary cannot be run again.
pub fn run_simulated(test: &str, seed: u64) -> ChildRun {
    let history_file = scratch_file(&format!("{test}-{seed}-history.txt"));
    let _ = std::fs::remove_file(&history_file);
    let output = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env(labsim::SIM_VAR, "1")
        .env(labrpc::SEED_VAR, seed.to_string())
        .env("RUST_LOG", "trace")
        .env(crate::results::RESULTS_VAR, scratch_file("results.jsonl"))
        .env(HISTORY_VAR, &history_file)
        .output()
        .unwrap_or_else(|error| panic!("cannot rerun the test binary: {error}"));
    ChildRun {
        log: String::from_utf8_lossy(&output.stderr).into_owned(),
        summary: String::from_utf8_lossy(&output.stdout).into_owned(),
        history: read_and_remove(&history_file),
    }
}

/// Where the children's results lines and histories go: not the results file, which counts
/// graded runs.
// The process id only keeps two replay tests apart in the temporary directory; no run
// depends on it (the children get their seed from LAB_SEED).
#[allow(clippy::disallowed_methods)]
fn scratch_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("lab-replay-{}-{name}", std::process::id()))
}

fn read_and_remove(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let _ = std::fs::remove_file(path);
    text
}

/// The first line where two texts differ, for a failure message.
pub fn first_difference(first: &str, second: &str) -> String {
    let mut lines = first.lines().zip(second.lines()).enumerate();
    match lines.find(|(_, (a, b))| a != b) {
        Some((number, (a, b))) => format!("line {}:\n  {a}\n  {b}", number + 1),
        None => format!(
            "one is a prefix of the other ({} and {} lines)",
            first.lines().count(),
            second.lines().count()
        ),
    }
}

/// Runs each of `tests` twice with one seed and checks that the logs and histories are the
/// same byte for byte; then runs the first with another seed and checks that its log differs.
///
/// # Panics
///
/// If a test did not run, its log is too short to prove anything, or a replay differs (the
/// message shows the first differing line of both runs).
pub fn assert_replays_exactly(tests: &[&str]) {
    if once_outside_simulation("one_seed_replays_exactly") {
        return;
    }
    let seed = labsim::rand::seed();
    println!("replay: seed {seed}");
    let mut first_logs = Vec::new();
    for &test in tests {
        let first = run_simulated(test, seed);
        assert!(
            first.summary.contains("1 passed") || first.summary.contains("1 failed"),
            "{test} did not run:\n{}",
            first.summary
        );
        assert!(
            first.log.lines().count() > MIN_LOG_LINES,
            "{test}: the debug log is too short to prove anything:\n{}",
            first.log
        );
        let second = run_simulated(test, seed);
        assert!(
            first.log == second.log,
            "{test} with seed {seed} ran differently the second time; first difference at {}",
            first_difference(&first.log, &second.log)
        );
        assert!(
            first.history == second.history,
            "{test} with seed {seed} recorded another history the second time; first \
             difference at {}",
            first_difference(&first.history, &second.history)
        );
        println!(
            "replay: {test}: {} log lines, {} operations, identical",
            first.log.lines().count(),
            first.history.lines().count()
        );
        first_logs.push(first.log);
    }
    let other_seed = seed.wrapping_add(1);
    let other = run_simulated(tests[0], other_seed);
    assert!(
        first_logs[0] != other.log,
        "{} ran the same with seeds {seed} and {other_seed}",
        tests[0]
    );
    let _ = std::fs::remove_file(scratch_file("results.jsonl"));
}

/// How many seeds [`assert_deterministic_across_seeds`] tries.
pub const SEEDS: u64 = 20;

/// Set in the child of [`assert_deterministic_across_seeds`]: the first of its seeds.
const FIRST_SEED_VAR: &str = "LAB_DETERMINISM_FIRST_SEED";

/// A graded test as the determinism check calls it: its name, and its function (whose body
/// is `labsim::run(...)`, which simulates when called inside a simulation).
pub type GradedTest = (&'static str, fn());

/// What one simulated run came to: its schedule's counters, or the report it failed with.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The test passed; the counters fingerprint its schedule.
    Passed(SimStats),
    /// The test failed (its report names the seed, the virtual time and the panic).
    Failed(String),
}

/// Runs `test` as a simulation with `seed`, in this process.
pub fn run_in_simulation(test: fn(), seed: u64) -> Outcome {
    match Sim::new(seed).run_with_stats(test) {
        Ok(((), stats)) => Outcome::Passed(stats),
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

/// Checks that each of `tests` runs the same schedule twice under each of [`SEEDS`] seeds,
/// and that the seeds give different schedules. `this_test` is the name of the calling test
/// (`replay::twenty_seeds_are_deterministic`): it is rerun as a child process that does the
/// runs. The first seed is `LAB_SEED` if set, else a fresh one (printed); the others follow
/// it.
///
/// # Panics
///
/// If a seed ran differently the second time (the message gives the command that replays
/// it), if two seeds gave the same schedule, or if the child cannot be run.
pub fn assert_deterministic_across_seeds(this_test: &str, tests: &[GradedTest]) {
    match std::env::var(FIRST_SEED_VAR) {
        Ok(first) => {
            let first = first.parse().expect("the parent passes a number");
            check_seeds(tests, first);
        }
        Err(_) if once_outside_simulation(this_test) => {}
        Err(_) => run_child(this_test),
    }
}

/// Whether this process is itself a simulated run (`LAB_SIM=1`), in which case a replay check
/// returns at once, saying so: it launches its own simulations in child processes whatever
/// the mode, so under `LAB_SIM=1` it would only repeat what plain `cargo test` (and CI's
/// `make test`) already checks, at a cost of seconds. The line goes past the harness's
/// capture, beside the test's `ok`.
fn once_outside_simulation(test: &str) -> bool {
    if labsim::Mode::from_env() == labsim::Mode::Real {
        return false;
    }
    let line = format!(
        "{test}: not repeated under {}=1: it runs its own simulations in child processes, \
         and plain `cargo test` runs it\n",
        labsim::SIM_VAR
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    true
}

/// The parent: reruns `this_test` in a child that simulates, with a scratch results file,
/// without `LAB_SIM` (the child's simulations are its own) and without logging.
fn run_child(this_test: &str) {
    let first = labsim::rand::seed();
    println!(
        "determinism: seeds {first} to {}",
        first.wrapping_add(SEEDS - 1)
    );
    let results = scratch_file("determinism-results.jsonl");
    let output = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([this_test, "--exact", "--test-threads=1", "--nocapture"])
        .env(FIRST_SEED_VAR, first.to_string())
        .env(crate::results::RESULTS_VAR, &results)
        .env_remove(labsim::SIM_VAR)
        .env_remove("RUST_LOG")
        .output()
        .unwrap_or_else(|error| panic!("cannot rerun the test binary: {error}"));
    let _ = std::fs::remove_file(&results);
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in stdout
        .lines()
        .filter(|line| line.starts_with("determinism:"))
    {
        println!("{line}");
    }
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the determinism check failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The command that runs the graded test `name` as a simulation with `seed`.
fn simulation_command(name: &str, seed: u64) -> String {
    // Cargo tells the test binary which package it belongs to.
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_else(|_| "<crate>".into());
    format!("LAB_SIM=1 LAB_SEED={seed} cargo test -p {package} {name} -- --exact --nocapture")
}

/// The child: every test under every seed, twice.
fn check_seeds(tests: &[GradedTest], first: u64) {
    for &(name, test) in tests {
        let mut schedules = std::collections::BTreeMap::new();
        let mut failures = 0;
        for seed in (0..SEEDS).map(|offset| first.wrapping_add(offset)) {
            let outcome = run_in_simulation(test, seed);
            let again = run_in_simulation(test, seed);
            assert!(
                outcome == again,
                "{name} with seed {seed} ran differently the second time:\n  {outcome:?}\n  \
                 {again:?}\nrun it again with {}",
                simulation_command(name, seed)
            );
            match outcome {
                Outcome::Passed(stats) => {
                    if let Some(other) = schedules.insert(stats.schedule_hash, seed) {
                        panic!("{name}: seeds {other} and {seed} ran the same schedule");
                    }
                }
                Outcome::Failed(report) => {
                    failures += 1;
                    println!(
                        "determinism: {name} failed with seed {seed}, the same way twice: {report}"
                    );
                }
            }
        }
        println!(
            "determinism: {name}: {SEEDS} seeds, each the same twice ({} distinct schedules, \
             {failures} failed runs)",
            schedules.len()
        );
    }
}
