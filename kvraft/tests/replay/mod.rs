//! Exact replay: in simulation one seed is one run, event for event, history included.
//!
//! The test reruns this very test binary as a child process, once per run, on the hardest
//! graded kvraft test with `LAB_SIM=1 LAB_SEED=<seed> RUST_LOG=trace`, and compares the
//! children's full debug logs (standard error: every Raft, rsm, labrpc and tester line, each
//! stamped with virtual time, and the tester's fingerprint of the recorded history) byte for
//! byte. Two runs with one seed must match; a run with another seed must not. It runs the same
//! way in both modes: the children always simulate.
//!
//! Its seed is `LAB_SEED` if set, else a fresh one (printed), so a failure replays with
//! `LAB_SEED=<seed> cargo test -p kvraft --test kv_4b replay`.

use std::path::PathBuf;
use std::process::Command;

/// The graded test replayed: crashes, partitions, an unreliable network and snapshots at
/// once, where any leak of real timing into the schedule would show first.
const REPLAYED: &str = "snapshot_unreliable_recover_concurrent_partition_4b";

/// What one child run printed.
struct ChildRun {
    /// Standard error: the debug log.
    log: String,
    /// Standard output: libtest's summary (with real time in it, so never compared).
    summary: String,
}

/// Runs the graded test `test` in simulation with `seed` in a child process.
fn run_simulated(test: &str, seed: u64) -> ChildRun {
    let output = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env(labsim::SIM_VAR, "1")
        .env(labrpc::SEED_VAR, seed.to_string())
        .env("RUST_LOG", "trace")
        .env(labtest::results::RESULTS_VAR, results_scratch_file())
        .output()
        .unwrap_or_else(|error| panic!("cannot rerun the test binary: {error}"));
    ChildRun {
        log: String::from_utf8_lossy(&output.stderr).into_owned(),
        summary: String::from_utf8_lossy(&output.stdout).into_owned(),
    }
}

/// Where the children's result lines go: not the results file, which counts graded runs.
fn results_scratch_file() -> PathBuf {
    std::env::temp_dir().join(format!("kvraft-replay-{}.jsonl", std::process::id()))
}

/// The first line where two logs differ, for the failure message.
fn first_difference(first: &str, second: &str) -> String {
    let mut lines = first.lines().zip(second.lines()).enumerate();
    match lines.find(|(_, (a, b))| a != b) {
        Some((number, (a, b))) => format!("line {}:\n  {a}\n  {b}", number + 1),
        None => format!(
            "one log is a prefix of the other ({} and {} lines)",
            first.lines().count(),
            second.lines().count()
        ),
    }
}

#[test]
fn one_seed_replays_exactly() {
    let seed = labsim::rand::seed();
    println!("replay: seed {seed}");
    let first = run_simulated(REPLAYED, seed);
    assert!(
        first.summary.contains("1 passed") || first.summary.contains("1 failed"),
        "{REPLAYED} did not run:\n{}",
        first.summary
    );
    assert!(
        first.log.lines().count() > 500,
        "{REPLAYED}: the debug log is too short to prove anything:\n{}",
        first.log
    );
    assert!(
        first.log.contains("history: "),
        "{REPLAYED}: the log lacks the history's fingerprint"
    );
    let second = run_simulated(REPLAYED, seed);
    assert!(
        first.log == second.log,
        "{REPLAYED} with seed {seed} ran differently the second time; first difference at {}",
        first_difference(&first.log, &second.log)
    );
    println!(
        "replay: {REPLAYED}: {} log lines, identical",
        first.log.lines().count()
    );
    let other_seed = seed.wrapping_add(1);
    let other = run_simulated(REPLAYED, other_seed);
    assert!(
        first.log != other.log,
        "{REPLAYED} ran the same with seeds {seed} and {other_seed}"
    );
    let _ = std::fs::remove_file(results_scratch_file());
}
