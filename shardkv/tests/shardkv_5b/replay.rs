//! Exact replay: in simulation one seed is one run, event for event, history included.
//!
//! The test reruns this very test binary as a child process, once per run, on two of the
//! hardest graded tests with `LAB_SIM=1 LAB_SEED=<seed> RUST_LOG=trace`, and compares the
//! children's full debug logs (standard error: every shardkv, Raft, labrpc and tester line,
//! each stamped with virtual time) byte for byte, and the histories they recorded. Two runs
//! with one seed must match; a run with another seed must not. It runs the same way in both
//! modes: the children always simulate.
//!
//! Its seed is `LAB_SEED` if set, else a fresh one (printed), so a failure replays with
//! `LAB_SEED=<seed> cargo test -p shardkv --test shardkv_5b replay`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tester::groups::HISTORY_VAR;

/// The graded tests replayed: concurrent clients over an unreliable network while groups
/// join and leave, and concurrent appends while whole groups crash and restart; where any
/// leak of real timing into the schedule would show first.
const REPLAYED: [&str; 2] = ["unreliable3_5b", "concurrent2_5b"];

/// What one child run left behind.
struct ChildRun {
    /// Standard error: the debug log.
    log: String,
    /// Standard output: libtest's summary (with real time in it, so never compared).
    summary: String,
    /// The client operations the tester recorded, one per line.
    history: String,
}

/// Runs the graded test `test` in simulation with `seed` in a child process.
fn run_simulated(test: &str, seed: u64) -> ChildRun {
    let history_file = scratch_file(&format!("{test}-{seed}-history.txt"));
    let output = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env(labsim::SIM_VAR, "1")
        .env(labrpc::SEED_VAR, seed.to_string())
        .env("RUST_LOG", "trace")
        .env(labtest::results::RESULTS_VAR, scratch_file("results.jsonl"))
        .env(HISTORY_VAR, &history_file)
        .output()
        .unwrap_or_else(|error| panic!("cannot rerun the test binary: {error}"));
    let history = read_and_remove(&history_file);
    ChildRun {
        log: String::from_utf8_lossy(&output.stderr).into_owned(),
        summary: String::from_utf8_lossy(&output.stdout).into_owned(),
        history,
    }
}

/// Where the children's results lines and histories go: not the results file, which counts
/// graded runs.
fn scratch_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("shardkv-replay-{}-{name}", std::process::id()))
}

fn read_and_remove(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let _ = std::fs::remove_file(path);
    text
}

/// The first line where two texts differ, for the failure message.
fn first_difference(first: &str, second: &str) -> String {
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

#[test]
fn one_seed_replays_exactly() {
    let seed = labsim::rand::seed();
    println!("replay: seed {seed}");
    let mut first_runs = Vec::new();
    for test in REPLAYED {
        let first = run_simulated(test, seed);
        assert!(
            first.summary.contains("1 passed") || first.summary.contains("1 failed"),
            "{test} did not run:\n{}",
            first.summary
        );
        assert!(
            first.log.lines().count() > 500,
            "{test}: the debug log is too short to prove anything:\n{}",
            first.log
        );
        assert!(
            first.history.lines().count() > 100,
            "{test}: the history is too short to prove anything:\n{}",
            first.history
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
        first_runs.push(first);
    }
    let other_seed = seed.wrapping_add(1);
    let other = run_simulated(REPLAYED[0], other_seed);
    assert!(
        first_runs[0].log != other.log && first_runs[0].history != other.history,
        "{} ran the same with seeds {seed} and {other_seed}",
        REPLAYED[0]
    );
    let _ = std::fs::remove_file(scratch_file("results.jsonl"));
}
