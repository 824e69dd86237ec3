//! Shows a test's banner, result line and results-file line.
//!
//! Run with `cargo run -p labtest --example banner`; the line goes to
//! `target/lab-results.jsonl` unless `LAB_RESULTS` names another file.

use labtest::{Counts, Run, TestInfo};

fn main() {
    let mut run = Run::begin(TestInfo {
        lab: "demo",
        part: "0A",
        test: "banner_0a",
        title: "banner and result line".into(),
        peers: 3,
        seed: 12345,
    });
    log::info!(target: "tester", "the test would run here");
    run.pass(Counts {
        rpcs: 58,
        bytes: 16840,
        commits: Some(0),
        ops: None,
    });
    println!("appended to {}", labtest::results_path().display());
}
