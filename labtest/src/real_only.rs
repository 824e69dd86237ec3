//! The graded tests that cannot run in simulation, listed in one place: `real_only.json` at
//! this crate's root, each test with its reason. `lab sweep` and `lab stress --sim` read the
//! same file and leave these tests out of their simulated runs; under `LAB_SIM=1 cargo test`
//! each of them calls [`left_out_of_simulation`] first and returns at once.
//!
//! A test lands here when what it measures belongs to the process rather than to the
//! simulation: OS threads, heap bytes. It still runs, in real time, under plain `cargo test`
//! and in `make grade`.

use std::io::Write;

use serde::Deserialize;

/// The list, compiled in.
const LIST: &str = include_str!("../real_only.json");

/// One test that runs in real time only.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RealOnlyTest {
    /// Its crate, as given to `cargo test -p`.
    #[serde(rename = "crate")]
    pub krate: String,
    /// Its test binary, as given to `cargo test --test`.
    pub target: String,
    /// Its function's name.
    pub test: String,
    /// Why a simulation cannot run it.
    pub reason: String,
}

impl RealOnlyTest {
    /// `cargo test -p raft --test threads_3c`: where the test runs.
    pub fn real_time_command(&self) -> String {
        format!("cargo test -p {} --test {}", self.krate, self.target)
    }
}

/// The file's shape: the tests (beside an `about` note for whoever opens it, not read here).
#[derive(Deserialize)]
struct RealOnlyFile {
    /// The tests.
    tests: Vec<RealOnlyTest>,
}

/// Every real-only test, in the file's order.
///
/// # Panics
///
/// If `real_only.json` is not the shape above: it is compiled in, so this is a bug in the
/// file that every test run would hit at once.
pub fn real_only_tests() -> Vec<RealOnlyTest> {
    let file: RealOnlyFile = serde_json::from_str(LIST)
        .unwrap_or_else(|error| panic!("labtest/real_only.json is malformed: {error}"));
    file.tests
}

/// The entry of `test`, if it is listed.
pub fn real_only(test: &str) -> Option<RealOnlyTest> {
    real_only_tests()
        .into_iter()
        .find(|entry| entry.test == test)
}

/// Whether `test` should return at once because this run is a simulation (`LAB_SIM=1`); if
/// so, says on the terminal that it was left out, why, and where it runs. Call it first
/// thing in a real-only test: `if left_out_of_simulation("name") { return; }`.
///
/// The line goes to the process's stderr directly, past the test harness's capture, so that
/// `cargo test` shows it beside the test's `ok` instead of hiding it.
///
/// # Panics
///
/// If `test` is not in `real_only.json`: the list is the one place that says which tests are
/// real-only, and `lab sweep` would not know to leave out one that is missing from it.
pub fn left_out_of_simulation(test: &str) -> bool {
    let entry = real_only(test).unwrap_or_else(|| {
        panic!("{test} calls left_out_of_simulation but is not in labtest/real_only.json: add it there with its reason")
    });
    if labsim::Mode::from_env() == labsim::Mode::Real {
        return false;
    }
    let line = format!(
        "{test}: left out under {}=1, it runs in real time only ({}); run it with `{}`\n",
        labsim::SIM_VAR,
        entry.reason,
        entry.real_time_command()
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_parses_and_names_each_test_once() {
        let tests = real_only_tests();
        assert!(!tests.is_empty());
        for entry in &tests {
            assert!(!entry.reason.is_empty(), "{entry:?} has a reason");
            let copies = tests
                .iter()
                .filter(|other| other.test == entry.test)
                .count();
            assert_eq!(copies, 1, "{} is listed once", entry.test);
        }
    }

    #[test]
    fn the_command_names_crate_and_binary() {
        let entry = real_only("crashes_leave_no_threads_3c").expect("the thread test is listed");
        assert_eq!(
            entry.real_time_command(),
            "cargo test -p raft --test threads_3c"
        );
    }
}
