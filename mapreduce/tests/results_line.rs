//! The results lines a MapReduce test appends: one for a pass and one, with `"passed": false`,
//! for a test that ends without passing. A binary of its own, since it points `LAB_RESULTS`
//! at a file of its own and the graded suite's lines must not land there.

#[path = "harness/graded.rs"]
mod graded;

use graded::{corpus_seed, GradedTest, LAB, PART};
use labtest::results::{ResultLine, RESULTS_VAR};

/// The lines in the results file at `path`.
fn read_lines(path: &std::path::Path) -> Vec<ResultLine> {
    std::fs::read_to_string(path)
        .expect("read the results file")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a results line"))
        .collect()
}

/// The line a MapReduce test with no counts appends; the seconds are taken from `written`.
fn expected(
    written: &ResultLine,
    test: &str,
    workers: usize,
    seed: u64,
    passed: bool,
) -> ResultLine {
    ResultLine {
        lab: LAB.into(),
        part: PART.into(),
        test: test.into(),
        title: test.replace('_', " "),
        seconds: written.seconds,
        peers: workers,
        rpcs: 0,
        bytes: 0,
        commits: None,
        ops: None,
        linearizability: None,
        simulated: false,
        seed,
        passed,
    }
}

#[test]
fn a_pass_and_a_failure_each_append_a_mapreduce_line() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("results.jsonl");
    std::env::set_var(RESULTS_VAR, &path);
    // A test that passes.
    GradedTest {
        test: "wc_test",
        title: "wc test",
        workers: 3,
    }
    .begin()
    .pass();
    // A test that ends without passing, as a panic would end it.
    let failed = GradedTest {
        test: "crash_test",
        title: "crash test",
        workers: 4,
    }
    .begin_with_seed(42);
    drop(failed);
    let lines = read_lines(&path);
    assert_eq!(lines.len(), 2, "one line per test: {lines:?}");
    assert_eq!(
        lines[0],
        expected(&lines[0], "wc_test", 3, corpus_seed(), true)
    );
    assert_eq!(lines[1], expected(&lines[1], "crash_test", 4, 42, false));
}
