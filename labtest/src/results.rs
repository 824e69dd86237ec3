//! The results file: one JSON line per test run, for `lab results` to set beside the MIT
//! staff figures.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The environment variable naming the results file.
pub const RESULTS_VAR: &str = "LAB_RESULTS";

/// The file name used under the target directory when `LAB_RESULTS` is unset.
pub const RESULTS_FILE_NAME: &str = "lab-results.jsonl";

/// One test run, as appended to the results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultLine {
    /// The lab crate: `"raft"`, `"kvraft"`, `"shardkv"`.
    pub lab: String,
    /// The part, as the course writes it: `"3A"`.
    pub part: String,
    /// The Rust test function: `"initial_election_3a"`.
    pub test: String,
    /// The course's title of the test: `"initial election"`.
    pub title: String,
    /// Wall-clock seconds from the banner to the result line.
    pub seconds: f64,
    /// How many servers the test ran.
    pub peers: usize,
    /// RPCs sent over the test (the network's total count delta).
    pub rpcs: u64,
    /// Bytes carried over the test (the network's total bytes delta).
    pub bytes: u64,
    /// Raft tests: the highest committed index reached since the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commits: Option<u64>,
    /// KV tests: client operations performed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ops: Option<u64>,
    /// KV tests: the linearizability checker's verdict on the history, with the reason when
    /// it gave up (`unknown: the check timed out after 1.0 s; ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linearizability: Option<String>,
    /// Whether the run was a deterministic simulation (its seconds are then virtual).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub simulated: bool,
    /// The network seed (`LAB_SEED=<seed>` replays the run's random decisions).
    pub seed: u64,
    /// Whether the test passed.
    pub passed: bool,
}

impl ResultLine {
    /// Appends this line to the results file, creating it and its directory if needed.
    ///
    /// The line goes out in a single write on a file opened for appending, so lines from
    /// parallel tests do not interleave.
    pub fn append(&self) -> std::io::Result<()> {
        self.append_to(&results_path())
    }

    /// Appends this line to `path`.
    pub fn append_to(&self, path: &Path) -> std::io::Result<()> {
        if let Some(directory) = path.parent() {
            std::fs::create_dir_all(directory)?;
        }
        let mut line = serde_json::to_string(self).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        file.write_all(line.as_bytes())
    }
}

/// Where results go: `LAB_RESULTS`, else `<target>/lab-results.jsonl`.
pub fn results_path() -> PathBuf {
    match std::env::var_os(RESULTS_VAR) {
        Some(path) => workspace_root().join(path),
        None => target_dir().join(RESULTS_FILE_NAME),
    }
}

/// `CARGO_TARGET_DIR` if set (relative to the workspace root), else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    let root = workspace_root();
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(directory) => root.join(directory),
        None => root.join("target"),
    }
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(passed: bool) -> ResultLine {
        ResultLine {
            lab: "raft".into(),
            part: "3A".into(),
            test: "initial_election_3a".into(),
            title: "initial election".into(),
            seconds: 3.1,
            peers: 3,
            rpcs: 58,
            bytes: 16840,
            commits: Some(0),
            ops: None,
            linearizability: None,
            simulated: false,
            seed: 12345,
            passed,
        }
    }

    #[test]
    fn the_mode_is_written_only_for_simulated_runs() {
        let real = serde_json::to_string(&sample(true)).unwrap();
        assert!(!real.contains("simulated"), "{real}");
        let mut line = sample(true);
        line.simulated = true;
        let simulated = serde_json::to_string(&line).unwrap();
        assert!(simulated.contains(r#""simulated":true"#), "{simulated}");
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // the process id names a scratch directory, no seed
    fn appends_one_line_per_run() {
        let directory = std::env::temp_dir().join(format!("labtest-{}", std::process::id()));
        let path = directory.join("nested").join("results.jsonl");
        sample(true).append_to(&path).unwrap();
        sample(false).append_to(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<ResultLine> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines, vec![sample(true), sample(false)]);
        assert!(!text.contains("\"ops\""), "absent ops are left out: {text}");
        std::fs::remove_dir_all(directory).unwrap();
    }

    #[test]
    fn default_path_is_under_the_workspace() {
        let path = results_path();
        if std::env::var_os(RESULTS_VAR).is_none() {
            assert!(path.ends_with(RESULTS_FILE_NAME));
        }
        assert!(workspace_root().join("Cargo.toml").exists());
    }
}
