//! Step 1 of a stress run: build the crate's test binaries once, with
//! `cargo test -p <crate> --no-run --message-format=json`, and learn where they are.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::workspace::{cargo_program, Package};

/// One compiled test executable of the crate: its library's unit tests, or one integration test
/// file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestBinary {
    /// The executable.
    pub path: PathBuf,
    /// The cargo target it came from, e.g. `network` for `tests/network.rs`.
    pub target_name: String,
    /// The target's kind: `lib`, `test`, `bin`, `example` or `bench`.
    pub target_kind: String,
}

impl TestBinary {
    /// The cargo options that select this binary, e.g. `--test network` or `--lib`.
    pub fn cargo_selector(&self) -> String {
        match self.target_kind.as_str() {
            "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro" => "--lib".to_string(),
            kind => format!("--{kind} {}", self.target_name),
        }
    }
}

/// The fields of a cargo JSON message that are used; other messages leave them empty.
#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    profile: Option<Profile>,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    message: Option<Diagnostic>,
    #[serde(default)]
    success: Option<bool>,
}

/// The build profile of an artifact; `test` marks a test harness executable.
#[derive(Deserialize)]
struct Profile {
    test: bool,
}

/// The cargo target of an artifact.
#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

/// A compiler diagnostic; only its rendered text is shown.
#[derive(Deserialize)]
struct Diagnostic {
    rendered: Option<String>,
}

/// Builds the tests of `package` and returns its test binaries. Cargo's progress goes to
/// stderr as usual and compiler diagnostics are printed there too.
pub fn build_test_binaries(
    package: &Package,
    release: bool,
    colored: bool,
) -> Result<Vec<TestBinary>> {
    let arguments = cargo_arguments(&package.name, release, colored);
    let program = cargo_program();
    let mut child = Command::new(&program)
        .args(&arguments)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|source| Error::Spawn { program, source })?;
    let command = format!("cargo {}", arguments.join(" "));
    let stdout = child.stdout.take().ok_or_else(|| Error::CargoOutput {
        command: command.clone(),
        detail: "no stdout".to_string(),
    })?;
    let (binaries, success) = read_messages(BufReader::new(stdout));
    let status = child.wait().map_err(|source| Error::Spawn {
        program: command,
        source,
    })?;
    if !status.success() || success == Some(false) {
        return Err(Error::BuildFailed {
            krate: package.name.clone(),
        });
    }
    Ok(binaries)
}

/// `test -p <crate> [--release] --no-run --message-format=...`.
fn cargo_arguments(krate: &str, release: bool, colored: bool) -> Vec<String> {
    let format = if colored {
        "--message-format=json-diagnostic-rendered-ansi"
    } else {
        "--message-format=json"
    };
    let mut arguments = vec!["test", "-p", krate, "--no-run", format];
    if release {
        arguments.push("--release");
    }
    arguments.into_iter().map(String::from).collect()
}

/// Reads cargo's JSON messages: collects test executables, prints compiler diagnostics, and
/// returns the build's success flag when cargo reported one.
fn read_messages(reader: impl BufRead) -> (Vec<TestBinary>, Option<bool>) {
    let mut binaries = Vec::new();
    let mut success = None;
    for line in reader.lines().map_while(std::io::Result::ok) {
        let Ok(message) = serde_json::from_str::<Message>(&line) else {
            continue;
        };
        match message.reason.as_str() {
            "compiler-artifact" => binaries.extend(test_binary(message)),
            "compiler-message" => print_diagnostic(message),
            "build-finished" => success = message.success,
            _ => {}
        }
    }
    (binaries, success)
}

/// The test binary an artifact message announces, if it is one.
fn test_binary(message: Message) -> Option<TestBinary> {
    let is_test = message.profile.map(|profile| profile.test).unwrap_or(false);
    let path = message.executable.filter(|_| is_test)?;
    let target = message.target?;
    Some(TestBinary {
        path,
        target_kind: target.kind.into_iter().next().unwrap_or_default(),
        target_name: target.name,
    })
}

/// Prints a compiler message the way cargo would have.
fn print_diagnostic(message: Message) {
    if let Some(rendered) = message.message.and_then(|diagnostic| diagnostic.rendered) {
        crate::output::note(rendered.trim_end_matches('\n'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_executables_are_collected_and_others_skipped() {
        let output = r#"{"reason":"compiler-artifact","target":{"name":"labrpc","kind":["lib"]},"profile":{"test":false},"executable":null}
{"reason":"compiler-artifact","target":{"name":"labrpc","kind":["lib"]},"profile":{"test":true},"executable":"/t/deps/labrpc-1"}
{"reason":"compiler-artifact","target":{"name":"network","kind":["test"]},"profile":{"test":true},"executable":"/t/deps/network-2"}
not json
{"reason":"build-finished","success":true}
"#;
        let (binaries, success) = read_messages(output.as_bytes());
        assert_eq!(success, Some(true));
        let selectors: Vec<String> = binaries.iter().map(TestBinary::cargo_selector).collect();
        assert_eq!(selectors, ["--lib", "--test network"]);
        assert_eq!(binaries[1].path, PathBuf::from("/t/deps/network-2"));
    }

    #[test]
    fn release_is_passed_on() {
        let arguments = cargo_arguments("raft", true, false);
        assert_eq!(
            arguments.join(" "),
            "test -p raft --no-run --message-format=json --release"
        );
    }
}
