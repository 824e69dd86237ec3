//! `lab sweep` and `lab stress --sim` on a tiny fixture workspace (`tests/fixtures/sweep`):
//! which tests count as graded, the report of a sweep with a failing test (its seeds,
//! schedulers, reasons, logs and replay commands, exit code 1), a sweep seed that repeats a
//! sweep, part and name filters, the real-only test left out and listed, `LAB_SCHED` passed
//! to the runs, and the errors for bad input.
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
    let mut all = vec!["sweep"];
    all.extend_from_slice(arguments);
    lab_in_fixture(&all, &[])
}

/// `lab <arguments>` in the fixture with extra environment, building into the fixture's own
/// target directory.
fn lab_in_fixture(arguments: &[&str], environment: &[(&str, &str)]) -> Run {
    let target = fixture().join("target");
    let target = target.to_str().expect("a UTF-8 path");
    let mut all_environment = vec![("CARGO_TARGET_DIR", target)];
    all_environment.extend_from_slice(environment);
    lab_with_in(fixture(), arguments, &all_environment)
}

/// The failed runs a report lists: `(seed, scheduler)` from `seed 12 (scheduler pct) ...`.
fn failed_seeds(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|line| line.trim().strip_prefix("seed "))
        .map(|rest| {
            let seed = rest.split(' ').next().unwrap().to_string();
            let scheduler = rest
                .split_once("(scheduler ")
                .and_then(|(_, after)| after.split_once(')'))
                .map(|(scheduler, _)| scheduler.to_string())
                .unwrap_or_default();
            (seed, scheduler)
        })
        .collect()
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

    // Is every failing run listed with its seed, the scheduler it ran under, its reason, log
    // and replay command? The planted failure says which scheduler the run was given.
    let heading = format!("graded fails_3a: {} of {} runs failed", fails[2], fails[2]);
    assert!(run.stdout.contains(&heading), "{}", run.stdout);
    let seeds = failed_seeds(&run.stdout);
    assert_eq!(seeds.len(), runs(&fails), "{}", run.stdout);
    for (seed, scheduler) in &seeds {
        let reason = format!("planted failure with seed {seed} under scheduler {scheduler}");
        assert!(run.stdout.contains(&reason), "{reason}:\n{}", run.stdout);
        let (assignment, suffix) = match scheduler.as_str() {
            "random" => (String::new(), String::new()),
            other => (format!("LAB_SCHED={other} "), format!("-{other}")),
        };
        let replay = format!(
            "replay: LAB_SIM=1 {assignment}LAB_SEED={seed} RUST_LOG=debug cargo test -p graded \
             --test suite -- --exact fails_3a --nocapture"
        );
        assert!(run.stdout.contains(&replay), "{replay}:\n{}", run.stdout);
        let log = fixture().join(format!(
            "target/sweep/graded/fails_3a-seed-{seed}{suffix}.log"
        ));
        let text = std::fs::read_to_string(&log).expect("a failed run's log is kept");
        assert!(text.contains(&reason), "{text}");
    }
    // Did the schedulers take turns, random first?
    let schedulers: Vec<&str> = seeds
        .iter()
        .map(|(_, scheduler)| scheduler.as_str())
        .collect();
    assert!(runs(&fails) >= 2, "two rounds at least:\n{}", run.stdout);
    assert!(
        schedulers.contains(&"random") && schedulers.contains(&"pct"),
        "{schedulers:?}"
    );
    let per_scheduler = |name: &str| schedulers.iter().filter(|s| **s == name).count();
    assert!(
        per_scheduler("random").abs_diff(per_scheduler("pct")) <= 1,
        "{schedulers:?}"
    );
    assert!(
        run.stdout.contains(&format!(
            "by scheduler: random {} runs, {} failed; pct ",
            runs(&passes) + runs(&fails) + runs(&nested) - counts_of_pct(&run.stdout),
            per_scheduler("random")
        )),
        "{}",
        run.stdout
    );

    // Was the real-only test left out and listed with its reason?
    assert!(
        row(&run.stdout, "measures_the_process_3b").is_none(),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "graded measures_the_process_3b: it measures the process (a fixture); it runs in \
             real time with `cargo test -p graded --test suite`"
        ),
        "{}",
        run.stdout
    );
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

/// The pct runs of `by scheduler: random R runs, F failed; pct P runs, G failed`.
fn counts_of_pct(stdout: &str) -> usize {
    let line = stdout
        .lines()
        .find(|line| line.starts_with("by scheduler: "))
        .expect("a line of runs per scheduler");
    let (_, pct) = line.split_once("; pct ").expect("pct ran");
    pct.split(' ').next().unwrap().parse().expect("a count")
}

#[test]
fn parts_and_names_pick_the_tests() {
    let run = sweep(&["graded", "2", "3b", "--budget", "1"]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(row(&run.stdout, "passes_2").is_some(), "{}", run.stdout);
    assert!(
        row(&run.stdout, "nested::also_passes_3b").is_some(),
        "{}",
        run.stdout
    );
    assert!(row(&run.stdout, "fails_3a").is_none(), "{}", run.stdout);
    // 3B's real-only test was picked, so it is listed as left out.
    assert!(
        run.stdout.contains("left out of simulation (1 "),
        "{}",
        run.stdout
    );

    let run = sweep(&["graded", "nested", "--budget", "1"]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(row(&run.stdout, "passes_2").is_none(), "{}", run.stdout);
    assert!(!run.stdout.contains("left out"), "{}", run.stdout);
}

#[test]
fn a_part_without_tests_is_refused_with_the_parts_there() {
    let run = sweep(&["graded", "4a", "--budget", "1"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no graded test of graded is part 4A; their parts: 2, 3A, 3B"),
        "{}",
        run.stderr
    );
    let run = sweep(&["7a", "--budget", "1"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no lab crate here has part 7A; the labs are kvsrv (2), raft"),
        "{}",
        run.stderr
    );
}

#[test]
fn stress_in_simulation_leaves_out_real_only_tests_and_passes_the_scheduler_on() {
    let run = lab_in_fixture(
        &["stress", "graded", "3", "--sim", "--runs", "2"],
        &[("LAB_SCHED", "pct:2")],
    );
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        row_of_stress(&run.stdout, "fails_3a").is_some(),
        "{}",
        run.stdout
    );
    assert!(
        row_of_stress(&run.stdout, "measures_the_process_3b").is_none(),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("graded measures_the_process_3b: it measures the process"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("under scheduler pct:2") && run.stderr.contains("scheduler pct:2)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("rerun: LAB_SIM=1 LAB_SCHED=pct:2 LAB_SEED="),
        "{}",
        run.stderr
    );

    // Without --sim the real-only test runs (and passes: it is not simulated).
    let run = lab_in_fixture(&["stress", "graded", "measures", "--runs", "1"], &[]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("all 1 runs passed"), "{}", run.stdout);

    // With --sim, nothing is left to run: said, with what to do.
    let run = lab_in_fixture(&["stress", "graded", "measures", "--sim"], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("every test picked runs in real time only")
            && run.stderr.contains("run it without --sim"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_bad_scheduler_is_refused_with_the_choices() {
    let run = lab_in_fixture(
        &["stress", "graded", "2", "--sim"],
        &[("LAB_SCHED", "fair")],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "LAB_SCHED=fair is not a scheduler; give random, pct, pct:<depth> or \
             pct:<depth>:<steps>"
        ),
        "{}",
        run.stderr
    );
}

/// The stress table's row of `test` (no crate column).
fn row_of_stress<'a>(stdout: &'a str, test: &str) -> Option<Vec<&'a str>> {
    stdout
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.first() == Some(&test))
}

#[test]
fn a_sweep_seed_repeats_the_runs() {
    let first_failing_seed = |run: &Run| failed_seeds(&run.stdout).into_iter().next();
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
fn a_word_that_is_no_crate_and_names_no_test_is_refused_with_the_choices() {
    let run = sweep(&["graded", "no_such_crate"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no graded test of graded is `no_such_crate`; their parts: 2, 3A, 3B")
            && run.stderr.contains("a crate (graded, plain)"),
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
