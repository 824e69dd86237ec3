//! Where the workspace is: its member crates (from `cargo metadata`), its root and its target
//! directory (from the file system alone, for commands that must work while a crate is broken).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The workspace as cargo sees it.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The directory holding the workspace's `Cargo.toml`.
    pub root: PathBuf,
    /// Where cargo builds: `CARGO_TARGET_DIR`, the config's `build.target-dir`, or `root/target`.
    pub target_dir: PathBuf,
    /// The member crates, in cargo's order.
    pub packages: Vec<Package>,
}

/// One member crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The crate name, as given to `cargo test -p`.
    pub name: String,
    /// The directory of its `Cargo.toml`; cargo runs its tests from here.
    pub directory: PathBuf,
}

/// The part of `cargo metadata --no-deps --format-version 1` that is used.
#[derive(Deserialize)]
struct Metadata {
    workspace_root: PathBuf,
    target_directory: PathBuf,
    packages: Vec<MetadataPackage>,
}

/// One package entry of `cargo metadata`.
#[derive(Deserialize)]
struct MetadataPackage {
    name: String,
    manifest_path: PathBuf,
}

impl Workspace {
    /// Asks cargo for the workspace around the current directory.
    pub fn load() -> Result<Workspace> {
        let arguments = ["metadata", "--no-deps", "--format-version", "1"];
        let stdout = run_cargo(&arguments)?;
        let command = format!("cargo {}", arguments.join(" "));
        let metadata: Metadata =
            serde_json::from_slice(&stdout).map_err(|error| Error::CargoOutput {
                command,
                detail: error.to_string(),
            })?;
        Ok(Workspace::from_metadata(metadata))
    }

    /// The workspace described by parsed metadata.
    fn from_metadata(metadata: Metadata) -> Workspace {
        let packages = metadata
            .packages
            .into_iter()
            .map(|package| Package {
                name: package.name,
                directory: parent_of(&package.manifest_path),
            })
            .collect();
        Workspace {
            root: metadata.workspace_root,
            target_dir: metadata.target_directory,
            packages,
        }
    }

    /// The member called `name`, or an error listing the members.
    pub fn package(&self, name: &str) -> Result<&Package> {
        self.packages
            .iter()
            .find(|package| package.name == name)
            .ok_or_else(|| Error::UnknownCrate {
                name: name.to_string(),
                valid: self.package_names(),
            })
    }

    /// The members' names, sorted.
    pub fn package_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.packages.iter().map(|p| p.name.clone()).collect();
        names.sort();
        names
    }
}

/// The directory of a manifest path.
fn parent_of(manifest_path: &Path) -> PathBuf {
    manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The cargo to run: `$CARGO` when started by cargo (so `cargo run` uses the same toolchain),
/// else `cargo` from `PATH`.
pub fn cargo_program() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Runs `cargo <arguments>` and returns its stdout, or its stderr as the error.
pub fn run_cargo(arguments: &[&str]) -> Result<Vec<u8>> {
    let program = cargo_program();
    let output = Command::new(&program)
        .args(arguments)
        .output()
        .map_err(|source| Error::Spawn {
            program: program.clone(),
            source,
        })?;
    if !output.status.success() {
        return Err(Error::CargoFailed {
            command: format!("cargo {}", arguments.join(" ")),
            stderr: String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_string(),
        });
    }
    Ok(output.stdout)
}

/// The nearest directory at or above `from` whose `Cargo.toml` has a `[workspace]` section.
pub fn find_root(from: &Path) -> Result<PathBuf> {
    from.ancestors()
        .find(|directory| declares_workspace(&directory.join("Cargo.toml")))
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::NoWorkspace {
            from: from.to_path_buf(),
        })
}

/// Whether the manifest exists and has a `[workspace]` table.
fn declares_workspace(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest)
        .map(|text| text.lines().any(|line| line.trim() == "[workspace]"))
        .unwrap_or(false)
}

/// The target directory without asking cargo: `CARGO_TARGET_DIR` if set (relative to the current
/// directory, as cargo reads it), else `root/target`.
pub fn target_dir_of(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(directory) if !directory.is_empty() => PathBuf::from(directory),
        _ => root.join("target"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Workspace {
        let json = r#"{"workspace_root":"/w","target_directory":"/w/target","packages":[
            {"name":"labrpc","manifest_path":"/w/labrpc/Cargo.toml","other":1},
            {"name":"labcodec","manifest_path":"/w/labcodec/Cargo.toml"}]}"#;
        Workspace::from_metadata(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn packages_come_from_metadata() {
        let workspace = sample();
        let labrpc = workspace.package("labrpc").unwrap();
        assert_eq!(labrpc.directory, PathBuf::from("/w/labrpc"));
        assert_eq!(workspace.target_dir, PathBuf::from("/w/target"));
    }

    #[test]
    fn unknown_crate_lists_members_sorted() {
        let message = sample().package("raf").unwrap_err().to_string();
        assert_eq!(
            message,
            "unknown crate `raf`; the workspace has: labcodec, labrpc"
        );
    }

    #[test]
    fn root_is_found_from_a_subdirectory() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = find_root(&here.join("src")).unwrap();
        assert!(root.join("Cargo.toml").exists());
        assert_ne!(root, here, "labtool itself is not the workspace");
    }
}
