//! Step 2 of a stress run: list every test binary's tests (`--list --format terse`) and keep
//! those whose name contains the filter, as `cargo test <filter>` would.

use std::path::Path;
use std::process::Command;

use super::build::TestBinary;
use crate::error::{Error, Result};
use crate::workspace::Package;

/// One test to stress: a name inside a binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// The binary holding the test.
    pub binary: TestBinary,
    /// The test's full name, e.g. `killed` or `tests::parse_header`.
    pub name: String,
}

/// Every test of `binaries` whose name contains `filter`, in binary then list order; an error
/// when there is none.
pub fn matching_tests(
    package: &Package,
    binaries: &[TestBinary],
    filter: &str,
) -> Result<Vec<TestCase>> {
    let mut matching = Vec::new();
    let mut listed = 0;
    for binary in binaries {
        let names = list_tests(&binary.path, &package.directory)?;
        listed += names.len();
        matching.extend(
            names
                .into_iter()
                .filter(|name| name.contains(filter))
                .map(|name| TestCase {
                    binary: binary.clone(),
                    name,
                }),
        );
    }
    if matching.is_empty() {
        return Err(Error::NoMatchingTests {
            krate: package.name.clone(),
            filter: filter.to_string(),
            listed,
            binaries: binaries.len(),
        });
    }
    Ok(matching)
}

/// The test names a binary lists.
fn list_tests(binary: &Path, directory: &Path) -> Result<Vec<String>> {
    let output = Command::new(binary)
        .args(["--list", "--format", "terse"])
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
}
