//! `lab sweep` on a tiny fixture workspace (`tests/fixtures/sweep`): which tests count as
//! graded, the report of a sweep with a failing test (its seeds, reasons, logs and replay
//! commands, exit code 1), a sweep seed that repeats a sweep, and the errors for bad input.
//! The fixture is copied out of the source tree once and built in its own target directory;
//! its tests take milliseconds, so a budget of a second or two makes several rounds.

mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use support::{lab_with_in, Run};

/// The fixture copied to labtool's test scratch directory (once per test process).
fn fixture() -> &'static Path {
    static FIXTURE: OnceLock<PathBuf> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sweep");
        let copy = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sweep-fixture");
        copy_tree(&source, &copy);
        copy
    })
}

/// Copies the files below `from` into `to`, overwriting.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("the fixture copy's directory is made");
    for entry in std::fs::read_dir(from).expect("the fixture is readable") {
        let entry = entry.expect("a fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a fixture file is copied");
        }
    }
}

/// `lab sweep <arguments>` in the fixture, building into the fixture's own target directory.
fn sweep(arguments: &[&str]) -> Run {
    let target = fixture().join("target");
    let target = target.to_str().expect("a UTF-8 path");
    let mut all = vec!["sweep"];
    all.extend_from_slice(arguments);
    lab_with_in(fixture(), &all, &[("CARGO_TARGET_DIR", target)])
}

/// The table row of `test`: its cells split on whitespace.
fn row<'a>(stdout: &'a str, test: &str) -> Option<Vec<&'a str>> {
    stdout
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.get(1) == Some(&test))
}

/// The runs column of a table row.
fn runs(cells: &[&str]) -> usize {
    cells[2].parse().expect("runs is a number")
}

#[test]
fn the_report_names_every_failing_seed_with_its_replay_command() {
    let run = sweep(&["graded", "--budget", "2", "--jobs", "2"]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);

    // Which tests are graded: a part at the end of the last name segment, integration tests
    // only, not ignored.
    let passes = row(&run.stdout, "passes_2").expect("passes_2 is swept");
    let fails = row(&run.stdout, "fails_3a").expect("fails_3a is swept");
    let nested = row(&run.stdout, "nested::also_passes_3b").expect("a nested test is swept");
    for absent in [
        "helper_without_a_part",
        "ignored_3c",
        "unit_test_named_like_a_part_2",
    ] {
        assert!(!run.stdout.contains(absent), "{absent}:\n{}", run.stdout);
    }

    // Did every test run, in turns (so their counts differ by one at most), and only the
    // planted one fail?
    let counts = [runs(&passes), runs(&fails), runs(&nested)];
    let (least, most) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
    assert!(
        *least >= 1 && most - least <= 1,
        "{counts:?}\n{}",
        run.stdout
    );
    assert_eq!((passes[3], nested[3]), ("0", "0"), "{}", run.stdout);
    assert_eq!(
        fails[3], fails[2],
        "every run of fails_3a fails:\n{}",
        run.stdout
    );

    // Is every failing run listed with its seed, reason, log and replay command?
    let heading = format!("graded fails_3a: {} of {} runs failed", fails[2], fails[2]);
    assert!(run.stdout.contains(&heading), "{}", run.stdout);
    let seeds: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|line| line.trim().strip_prefix("seed "))
        .map(|rest| rest.split(' ').next().unwrap())
        .collect();
    assert_eq!(seeds.len(), runs(&fails), "{}", run.stdout);
    for seed in &seeds {
        let reason = format!("planted failure with seed {seed}");
        assert!(run.stdout.contains(&reason), "{reason}:\n{}", run.stdout);
        let replay = format!(
            "replay: LAB_SIM=1 LAB_SEED={seed} RUST_LOG=debug cargo test -p graded --test suite \
             -- --exact fails_3a --nocapture"
        );
        assert!(run.stdout.contains(&replay), "{replay}:\n{}", run.stdout);
        let log = fixture().join(format!("target/sweep/graded/fails_3a-seed-{seed}.log"));
        let text = std::fs::read_to_string(&log).expect("a failed run's log is kept");
        assert!(text.contains(&reason), "{text}");
    }
    let closing = run.stdout.lines().last().unwrap_or_default();
    let expected = format!("{} runs of 3 tests in ", counts.iter().sum::<usize>());
    assert!(closing.starts_with(&expected), "{closing}");
    assert!(
        closing.contains(&format!(", {} failures (sweep seed ", seeds.len())),
        "{closing}"
    );
    assert!(
        run.stderr.contains("(repeat with --seed "),
        "{}",
        run.stderr
    );
}

#[test]
fn a_sweep_seed_repeats_the_runs() {
    let first_failing_seed = |run: &Run| {
        run.stdout
            .lines()
            .find_map(|line| line.trim().strip_prefix("seed "))
            .map(|rest| rest.split(' ').next().unwrap().to_string())
    };
    let once = sweep(&["graded", "--budget", "1", "--jobs", "1", "--seed", "5"]);
    let again = sweep(&["graded", "--budget", "1", "--jobs", "1", "--seed", "5"]);
    assert_eq!(once.code, Some(1), "{}", once.stderr);
    assert!(first_failing_seed(&once).is_some(), "{}", once.stdout);
    assert_eq!(first_failing_seed(&once), first_failing_seed(&again));
    assert!(once.stdout.contains("(sweep seed 5)"), "{}", once.stdout);
}

#[test]
fn a_zero_budget_is_refused_with_advice() {
    let run = sweep(&["graded", "--budget", "0"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("a sweep needs a budget of at least 1 second")
            && run.stderr.contains("try --budget 600"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_crate_is_refused_with_the_choices() {
    let run = sweep(&["graded", "no_such_crate"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("unknown crate `no_such_crate`; the workspace has: graded, plain"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_crate_without_graded_tests_is_refused() {
    let run = sweep(&["plain", "--budget", "1"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`plain` has no graded tests to sweep (1 tests in 1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("sweep a lab crate instead"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn a_workspace_without_lab_crates_needs_crates_named() {
    let run = sweep(&["--budget", "1"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("no lab crate to sweep") && run.stderr.contains("name the crates"),
        "{}",
        run.stderr
    );
}
