//! The tests that cannot run in simulation, from the one list that says so:
//! `labtest/real_only.json` in the workspace (labtest's `real_only` module reads the same file,
//! so under `LAB_SIM=1` those tests return at once). `lab sweep` and `lab stress --sim` leave
//! them out of their runs and list them with their reasons.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::stress::discover::TestCase;

/// Where the list is, from the workspace root.
pub const LIST_PATH: &str = "labtest/real_only.json";

/// One test that runs in real time only.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RealOnlyTest {
    /// Its crate.
    #[serde(rename = "crate")]
    pub krate: String,
    /// Its test binary (`cargo test --test <target>`).
    pub target: String,
    /// Its function's name (the last segment of its full name).
    pub test: String,
    /// Why a simulation cannot run it.
    pub reason: String,
}

/// The file's shape (its `about` note is for readers).
#[derive(Deserialize)]
struct RealOnlyFile {
    /// The tests.
    tests: Vec<RealOnlyTest>,
}

/// A test left out of a simulated run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The test.
    pub case: TestCase,
    /// Its entry in the list.
    pub entry: RealOnlyTest,
}

impl LeftOut {
    /// `raft crashes_leave_no_threads_3c: <reason>; run it with `cargo test ...``.
    pub fn describe(&self) -> String {
        format!(
            "{} {}: {}; it runs in real time with `cargo test -p {} --test {}`",
            self.case.package.name,
            self.case.name,
            self.entry.reason,
            self.entry.krate,
            self.entry.target
        )
    }
}

/// The list of the workspace at `root`; empty when the workspace has no such file (one
/// without labtest), an error naming the file when it is not the expected JSON.
pub fn load(root: &Path) -> Result<Vec<RealOnlyTest>> {
    let path = root.join(LIST_PATH);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(Error::Read { path, source }),
    };
    parse(&text, path)
}

/// The list in `text`, read from `path`.
fn parse(text: &str, path: PathBuf) -> Result<Vec<RealOnlyTest>> {
    serde_json::from_str::<RealOnlyFile>(text)
        .map(|file| file.tests)
        .map_err(|error| Error::RealOnlyList {
            path,
            detail: error.to_string(),
        })
}

/// Splits `cases` into those a simulation can run and those it must leave out.
pub fn split(cases: Vec<TestCase>, list: &[RealOnlyTest]) -> (Vec<TestCase>, Vec<LeftOut>) {
    let mut kept = Vec::new();
    let mut left_out = Vec::new();
    for case in cases {
        match entry_of(&case, list) {
            Some(entry) => left_out.push(LeftOut {
                case,
                entry: entry.clone(),
            }),
            None => kept.push(case),
        }
    }
    (kept, left_out)
}

/// The list's entry for `case`: same crate, same binary, same function name.
fn entry_of<'a>(case: &TestCase, list: &'a [RealOnlyTest]) -> Option<&'a RealOnlyTest> {
    let function = case.name.rsplit("::").next().unwrap_or(&case.name);
    list.iter().find(|entry| {
        entry.krate == case.package.name
            && entry.target == case.binary.target_name
            && entry.test == function
    })
}

/// For a simulated run of `cases` in the workspace at `root`: the cases to run and those left
/// out as real-only; an error when every case is real-only.
pub fn leave_out(root: &Path, cases: Vec<TestCase>) -> Result<(Vec<TestCase>, Vec<LeftOut>)> {
    let list = load(root)?;
    let (kept, left_out) = split(cases, &list);
    if kept.is_empty() && !left_out.is_empty() {
        return Err(Error::OnlyRealOnly {
            tests: left_out.iter().map(LeftOut::describe).collect(),
        });
    }
    Ok((kept, left_out))
}

/// The lines that list what was left out, one per test, after a heading; empty when nothing
/// was.
pub fn left_out_lines(left_out: &[LeftOut]) -> String {
    if left_out.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "left out of simulation ({} real-time-only test(s), listed in {LIST_PATH}; \
         `make grade` runs them):\n",
        left_out.len()
    );
    for test in left_out {
        text.push_str(&format!("  {}\n", test.describe()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stress::build::TestBinary;
    use crate::workspace::Package;

    fn case(krate: &str, target: &str, name: &str) -> TestCase {
        TestCase {
            package: Package {
                name: krate.to_string(),
                directory: PathBuf::from(format!("/w/{krate}")),
            },
            binary: TestBinary {
                path: PathBuf::from(format!("/w/target/debug/deps/{target}-1")),
                target_name: target.to_string(),
                target_kind: "test".to_string(),
            },
            name: name.to_string(),
        }
    }

    const LIST: &str = r#"{"about": "x", "tests": [
        {"crate": "raft", "target": "threads_3c", "test": "crashes_leave_no_threads_3c",
         "reason": "it counts OS threads"}]}"#;

    #[test]
    fn listed_tests_are_left_out_with_their_reason() {
        let list = parse(LIST, PathBuf::from("l.json")).unwrap();
        let cases = vec![
            case("raft", "lab3", "election_3a::initial_election_3a"),
            case("raft", "threads_3c", "crashes_leave_no_threads_3c"),
            // Same name in another crate: not the listed test.
            case("kvraft", "threads_3c", "crashes_leave_no_threads_3c"),
        ];
        let (kept, left_out) = split(cases, &list);
        assert_eq!(kept.len(), 2);
        assert_eq!(left_out.len(), 1);
        assert_eq!(
            left_out[0].describe(),
            "raft crashes_leave_no_threads_3c: it counts OS threads; it runs in real time with \
             `cargo test -p raft --test threads_3c`"
        );
        assert!(left_out_lines(&left_out).starts_with("left out of simulation (1 "));
        assert_eq!(left_out_lines(&[]), "");
    }

    #[test]
    fn a_malformed_list_names_its_file() {
        let message = parse("{\"tests\": 3}", PathBuf::from("/w/labtest/real_only.json"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("/w/labtest/real_only.json"), "{message}");
    }

    #[test]
    fn a_workspace_without_the_list_has_none() {
        assert_eq!(load(Path::new("/no/such/workspace")).unwrap(), Vec::new());
    }

    #[test]
    fn the_workspace_list_is_readable() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let list = load(root).unwrap();
        assert!(list
            .iter()
            .any(|entry| entry.test == "crashes_leave_no_threads_3c"));
    }
}
