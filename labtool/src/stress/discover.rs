//! Step 2 of a stress run or a sweep: list every test binary's tests (`--list --format terse`)
//! and keep the ones asked for: for `lab stress`, those its filters pick (a part, or a piece
//! of the name as for `cargo test <filter>`: [`crate::select`]); for `lab sweep`, the graded
//! ones.

use std::path::Path;
use std::process::Command;

use super::build::TestBinary;
use crate::error::{Error, Result};
use crate::select::{Part, TestFilter};
use crate::workspace::Package;

/// One test to run: a name inside a binary of a crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// The crate the test belongs to; its directory is where the test runs.
    pub package: Package,
    /// The binary holding the test.
    pub binary: TestBinary,
    /// The test's full name, e.g. `killed` or `election_3a::initial_election_3a`.
    pub name: String,
}

/// Every test of `binaries` that `filter` picks (see [`crate::select`]), in binary then list
/// order; an error when there is none.
pub fn matching_tests(
    package: &Package,
    binaries: &[TestBinary],
    filter: &TestFilter,
) -> Result<Vec<TestCase>> {
    let listing = list_all(package, binaries)?;
    let matching: Vec<TestCase> = listing
        .cases
        .into_iter()
        .filter(|case| filter.matches(&case.name))
        .collect();
    if matching.is_empty() {
        return Err(Error::NoMatchingTests {
            krate: package.name.clone(),
            filter: filter.to_string(),
            listed: listing.listed,
            binaries: binaries.len(),
        });
    }
    Ok(matching)
}

/// The graded tests of `binaries`: the tests of integration-test binaries (not unit tests)
/// whose last name segment ends in a part (see [`is_graded_name`]) and that are not
/// `#[ignore]`d, in binary then list order; an error when there is none.
pub fn graded_tests(package: &Package, binaries: &[TestBinary]) -> Result<Vec<TestCase>> {
    let integration: Vec<TestBinary> = binaries
        .iter()
        .filter(|binary| binary.target_kind == "test")
        .cloned()
        .collect();
    let listing = list_all(package, &integration)?;
    let graded: Vec<TestCase> = listing
        .cases
        .into_iter()
        .filter(|case| is_graded_name(&case.name))
        .collect();
    if graded.is_empty() {
        return Err(Error::NoGradedTests {
            krate: package.name.clone(),
            listed: listing.listed,
            binaries: integration.len(),
        });
    }
    Ok(graded)
}

/// Whether a test name is a graded test's: its last `::` segment ends in `_<lab>` or
/// `_<lab><part>`, one digit and at most one lowercase letter, as in `initial_election_3a`,
/// `reliable_put_2` or `election_3a::re_election_3a` ([`Part::of_test`]). Helpers such as
/// `replay::one_seed_replays_exactly` do not count.
pub fn is_graded_name(name: &str) -> bool {
    Part::of_test(name).is_some()
}

/// The tests that a set of binaries lists, and how many there were in all.
struct Listing {
    /// Every runnable (not ignored) test, in binary then list order.
    cases: Vec<TestCase>,
    /// How many tests were listed, ignored ones included.
    listed: usize,
}

/// Lists every binary's tests, leaving out the ignored ones (`--exact` would not run them).
fn list_all(package: &Package, binaries: &[TestBinary]) -> Result<Listing> {
    let mut listing = Listing {
        cases: Vec::new(),
        listed: 0,
    };
    for binary in binaries {
        let names = list_tests(&binary.path, &package.directory, false)?;
        let ignored = list_tests(&binary.path, &package.directory, true)?;
        listing.listed += names.len();
        listing.cases.extend(
            names
                .into_iter()
                .filter(|name| !ignored.contains(name))
                .map(|name| TestCase {
                    package: package.clone(),
                    binary: binary.clone(),
                    name,
                }),
        );
    }
    Ok(listing)
}

/// The test names a binary lists; with `ignored`, only the `#[ignore]`d ones.
fn list_tests(binary: &Path, directory: &Path, ignored: bool) -> Result<Vec<String>> {
    let mut command = Command::new(binary);
    command.args(["--list", "--format", "terse"]);
    if ignored {
        command.arg("--ignored");
    }
    let output = command
        .current_dir(directory)
        .output()
        .map_err(|source| Error::Spawn {
            program: binary.display().to_string(),
            source,
        })?;
    if !output.status.success() {
        return Err(Error::ListTests {
            binary: binary.to_path_buf(),
            detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(parse_list(&String::from_utf8_lossy(&output.stdout)))
}

/// The names in terse list output (`name: test` lines; benchmarks are skipped).
fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terse_list_keeps_tests_only() {
        let text = "killed: test\nmod::other: test\nthroughput: bench\n\n";
        assert_eq!(parse_list(text), ["killed", "mod::other"]);
    }

    #[test]
    fn graded_names_end_in_a_part() {
        for name in [
            "initial_election_3a",
            "election_3a::initial_election_3a",
            "reliable_put_2",
            "kvsrv_2::reliable_put_2",
            "static_shards_5a",
            "snapshot_install_crash_3d",
            "speed_4b",
        ] {
            assert!(is_graded_name(name), "{name} is graded");
        }
    }

    #[test]
    fn helpers_and_near_misses_are_not_graded() {
        for name in [
            "replay::one_seed_replays_exactly",
            "election_3a::helper",
            "tests::parse_header",
            "3a",
            "_3a",
            "count_10",
            "count_3ab",
            "count_3A",
            "count_a",
            "count_",
            "killed",
        ] {
            assert!(!is_graded_name(name), "{name} is not graded");
        }
    }
}
