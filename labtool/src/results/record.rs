//! The results file: one JSON object per graded test run, appended by the testers. Reading
//! keeps every well-formed line and reports each malformed one by line number.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::workspace::{find_root, target_dir_of};

/// The variable that overrides where the results file is.
pub const RESULTS_VARIABLE: &str = "LAB_RESULTS";

/// The results file's name inside the target directory.
pub const RESULTS_FILE_NAME: &str = "lab-results.jsonl";

/// One graded test run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Record {
    /// The lab crate (`mapreduce`, `kvsrv`, `raft`, `kvraft`, `shardkv`).
    pub lab: String,
    /// The part (`3A`).
    pub part: String,
    /// The test function's name (`initial_election_3a`).
    pub test: String,
    /// The MIT title (`initial election`), used to find the staff figures.
    pub title: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Number of servers.
    #[serde(default)]
    pub peers: Option<u64>,
    /// RPCs sent.
    #[serde(default)]
    pub rpcs: Option<u64>,
    /// Bytes in RPC messages (absent for kv labs).
    #[serde(default)]
    pub bytes: Option<u64>,
    /// Highest committed index (Raft).
    #[serde(default)]
    pub commits: Option<u64>,
    /// Clerk operations (kv labs).
    #[serde(default)]
    pub ops: Option<u64>,
    /// Whether the run was a deterministic simulation (its seconds are virtual).
    #[serde(default)]
    pub simulated: bool,
    /// The network seed the run used.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Whether the test passed.
    pub passed: bool,
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub detail: String,
}

/// What a results file held.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Loaded {
    /// The readable lines, in file order.
    pub records: Vec<Record>,
    /// The malformed lines.
    pub problems: Vec<Problem>,
}

/// Parses results text; blank lines are skipped.
pub fn parse_results(text: &str) -> Loaded {
    let mut loaded = Loaded::default();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(record) => loaded.records.push(record),
            Err(error) => loaded.problems.push(Problem {
                line: index + 1,
                detail: error.to_string(),
            }),
        }
    }
    loaded
}

/// Reads a results file; an error when it is missing or has no readable line.
pub fn read_results(path: &Path) -> Result<Loaded> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let loaded = parse_results(&String::from_utf8_lossy(&bytes));
    for problem in &loaded.problems {
        crate::output::note(&format!(
            "{}:{}: skipped malformed result line: {}",
            path.display(),
            problem.line,
            problem.detail
        ));
    }
    if loaded.records.is_empty() {
        return Err(Error::NoResults {
            path: path.to_path_buf(),
            malformed: loaded.problems.len(),
        });
    }
    Ok(loaded)
}

/// `LAB_RESULTS` if set, else `lab-results.jsonl` in the workspace's target directory.
pub fn default_results_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(RESULTS_VARIABLE).filter(|path| !path.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let here = std::env::current_dir().map_err(|source| Error::Read {
        path: PathBuf::from("."),
        source,
    })?;
    let root = find_root(&here)?;
    Ok(target_dir_of(&root).join(RESULTS_FILE_NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_minimal_lines_parse() {
        let text = r#"{"lab":"raft","part":"3A","test":"initial_election_3a","title":"initial election","seconds":3.1,"peers":3,"rpcs":58,"bytes":16840,"commits":0,"ops":null,"seed":12345,"passed":true}

{"lab":"kvraft","part":"4A","test":"basic_4a","title":"one client","seconds":15.0,"peers":5,"rpcs":4000,"ops":900,"passed":false}"#;
        let loaded = parse_results(text);
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        assert_eq!(loaded.records.len(), 2);
        assert_eq!(loaded.records[0].bytes, Some(16840));
        assert_eq!(loaded.records[0].ops, None);
        assert_eq!(loaded.records[1].bytes, None);
        assert_eq!(loaded.records[1].ops, Some(900));
    }

    #[test]
    fn malformed_lines_are_reported_by_number() {
        let text = "not json\n{\"lab\":\"raft\"}\n";
        let loaded = parse_results(text);
        assert!(loaded.records.is_empty());
        let lines: Vec<usize> = loaded.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 2]);
        assert!(loaded.problems[1].detail.contains("missing field"));
    }
}
