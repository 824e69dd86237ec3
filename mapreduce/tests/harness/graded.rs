//! Each graded test's banner, result line and results-file line, through labtest as in the
//! other labs: `Test (1): wc test ... seed 5840`, then `  ... Passed --  12.3  3     0      0    0`.
//!
//! What a MapReduce line holds:
//!
//! - lab `mapreduce`, part `1`, the test function's name and test-mr.sh's title (`wc test`);
//! - peers: the workers the test runs side by side, as test-mr.sh starts them (the crash test:
//!   its first worker and three restart loops of one worker each);
//! - seed: `LAB_SEED` or the default corpus seed. It replays the inputs (and the worker kill
//!   test's kill draws), not the processes' timing;
//! - RPCs, bytes and the last count are 0. The RPCs pass between the coordinator and worker
//!   processes, out of the tester's sight, and test-mr.sh reports no figures, only PASS or
//!   FAIL. `lab results` shows no such columns for MapReduce.
//!
//! A test that panics records `"passed": false` when its [`GradedRun`] drops.
//!
//! This file stands alone (no `super`), so that `tests/results_line.rs` can include it.

use std::time::Duration;

use labtest::{Counts, Run, TestInfo};

/// The lab name in results lines.
pub const LAB: &str = "mapreduce";

/// MapReduce is the course's lab 1, with no lettered parts.
pub const PART: &str = "1";

/// The seed for the generated inputs when `LAB_SEED` is unset.
const DEFAULT_CORPUS_SEED: u64 = 5840;

/// The watchdog's limit on one test. test-mr.sh bounds each process (45 s, or 120 s in the
/// crash test), not each test, and a test is a chain of them: `mrsequential`, the
/// coordinator, then the workers it waits for. The crash test's chain, the longest the course
/// would still pass, stays under 45 + 120 + 120 s; this is a backstop above it against a hang
/// in the tester itself, not a bound of the course.
pub const TEST_LIMIT: Duration = Duration::from_secs(600);

/// The seed for the inputs: `LAB_SEED` when set, so a failing run can be repeated.
pub fn corpus_seed() -> u64 {
    std::env::var("LAB_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(DEFAULT_CORPUS_SEED)
}

/// What a graded test is, for its banner and its results line.
#[derive(Debug, Clone)]
pub struct GradedTest {
    /// The Rust test function: `"wc_test"`.
    pub test: &'static str,
    /// test-mr.sh's name for it: `"wc test"`.
    pub title: &'static str,
    /// Workers run side by side.
    pub workers: usize,
}

impl GradedTest {
    /// Prints the banner with the corpus seed and starts the clock.
    pub fn begin(self) -> GradedRun {
        self.begin_with_seed(corpus_seed())
    }

    /// Prints the banner with `seed` and starts the clock.
    pub fn begin_with_seed(self, seed: u64) -> GradedRun {
        let info = TestInfo {
            lab: LAB,
            part: PART,
            test: self.test,
            title: self.title.to_string(),
            peers: self.workers,
            seed,
        };
        GradedRun(Run::begin_with_limit(info, TEST_LIMIT))
    }
}

/// A graded test in progress. Dropped without [`pass`](GradedRun::pass), it records a failure.
pub struct GradedRun(Run);

impl GradedRun {
    /// Prints the result line and records a pass, with no RPC, byte or operation counts.
    pub fn pass(mut self) {
        self.0.pass(Counts::default());
    }
}
