//! `lab stress` on labrpc's tests: a small passing run, a run killed by its timeout, and the
//! errors for an unknown crate or filter. Kept small: the machine has two cores.

mod support;

use support::lab;

#[test]
fn unknown_crate_lists_the_workspace() {
    let run = lab(&["stress", "no_such_crate", "x"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("unknown crate `no_such_crate`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("labrpc"), "{}", run.stderr);
}

#[test]
fn filter_matching_nothing_is_an_error() {
    let run = lab(&["stress", "labrpc", "no_test_is_called_this"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("no test of `labrpc` matches `no_test_is_called_this`"),
        "{}",
        run.stderr
    );
}

#[test]
fn passing_runs_are_summarised() {
    let run = lab(&[
        "stress",
        "labrpc",
        "duplicate_end_names",
        "--runs",
        "4",
        "--jobs",
        "2",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("duplicate_end_names_are_an_error     4       0"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("all 4 runs passed"), "{}", run.stdout);
    // Not a terminal: are there plain progress lines?
    assert!(
        run.stderr.contains("stress: 4/4 runs, 0 failed"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_run_over_its_timeout_is_killed_and_kept() {
    // `killed` waits more than a second, so a 1 s timeout always cuts it.
    let run = lab(&[
        "stress",
        "labrpc",
        "killed",
        "--runs",
        "1",
        "--timeout",
        "1",
    ]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("FAIL killed (seed "), "{}", run.stderr);
    assert!(run.stderr.contains("timed out after 1 s"), "{}", run.stderr);
    let rerun = run
        .stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix("rerun: "))
        .expect("a rerun command is printed");
    assert!(rerun.starts_with("LAB_SEED="), "{rerun}");
    assert!(
        rerun.ends_with("cargo test -p labrpc --test network -- --exact killed --nocapture"),
        "{rerun}"
    );
    let log = run
        .stderr
        .lines()
        .find_map(|line| line.trim().strip_prefix("log:"))
        .map(str::trim)
        .expect("the log path is printed");
    let seed = rerun
        .trim_start_matches("LAB_SEED=")
        .split(' ')
        .next()
        .unwrap();
    assert!(log.ends_with(&format!("killed-seed-{seed}.log")), "{log}");
    let log_path = support::workspace_root().join(log);
    let text = std::fs::read_to_string(&log_path).expect("the failed run's log is kept");
    assert!(text.contains("timed out after 1 s after"), "{text}");
    std::fs::remove_file(log_path).expect("the log is removed");
    assert!(
        run.stdout.contains("killed     1       1         1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 of 1 runs failed"), "{}", run.stdout);
}
