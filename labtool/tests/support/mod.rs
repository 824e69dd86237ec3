//! Running the built `lab` binary from the workspace root and reading what it printed.

// Each test file uses its own subset of these helpers.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// What a `lab` invocation printed and how it exited.
pub struct Run {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// The workspace root (labtool's parent).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("labtool sits inside the workspace")
        .to_path_buf()
}

/// `lab --color never <arguments>` run from the workspace root.
pub fn lab(arguments: &[&str]) -> Run {
    lab_with(arguments, &[], None)
}

/// `lab --color never <arguments>` (unless the arguments choose a colour) with extra
/// environment and optional standard input.
pub fn lab_with(arguments: &[&str], environment: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lab"));
    if !arguments.contains(&"--color") {
        command.args(["--color", "never"]);
    }
    command
        .args(arguments)
        .current_dir(workspace_root())
        .envs(environment.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the lab binary starts");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(text.as_bytes())
            .expect("stdin takes the input");
    }
    finish(child.wait_with_output().expect("lab runs to the end"))
}

/// The run's output as text.
fn finish(output: Output) -> Run {
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Writes `text` to a new file named `name` in a fresh temporary directory.
pub fn write_temp(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join(name);
    std::fs::write(&path, text).expect("the sample file is written");
    (directory, path)
}

/// `lab --color never <arguments>` run from `directory`.
pub fn lab_in(directory: &Path, arguments: &[&str]) -> Run {
    lab_with_in(directory, arguments, &[])
}

/// `lab --color never <arguments>` run from `directory` with extra environment.
pub fn lab_with_in(directory: &Path, arguments: &[&str], environment: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["--color", "never"])
        .args(arguments)
        .current_dir(directory)
        .envs(environment.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("the lab binary runs");
    finish(output)
}
