//! `lab skeleton OUT_DIR [--from WORKSPACE]`: the student version of the workspace.
//!
//! Every file git tracks (or would track: untracked files that no `.gitignore` excludes) is
//! copied to `OUT_DIR`, so `target/` and ignored junk stay behind and `Cargo.lock` comes along
//! for `--offline --locked` builds. In the lab crates ([`LAB_CRATES`]) the functions marked
//! `// lab:solution <PART>` lose their bodies to stubs that panic with the part and the
//! function's name ([`stub`] has the rules); every other file is copied byte for byte.
//!
//! All markers are checked before anything is written: a malformed marker, an unknown part or
//! a marker above something that is not a function with a body stops the command with every
//! such problem listed as `path:line: why`, and `OUT_DIR` is left alone.

pub mod lexer;
pub mod stub;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::workspace::find_root;
use stub::{may_have_markers, stub_markers, Stub, PARTS};

/// The crates whose marked functions are stubbed, by their directory under the workspace root.
/// Everything else (testers, labrpc, labcodec, linearizability, the tools) is copied unchanged.
pub const LAB_CRATES: [&str; 5] = ["kvsrv", "raft", "kvraft", "shardkv", "mapreduce"];

/// What `lab skeleton` was asked to do.
#[derive(Debug, Clone)]
pub struct SkeletonOptions {
    /// Where the skeleton goes: a new directory (whose parent exists) or an empty one.
    pub out_dir: PathBuf,
    /// A directory inside the workspace to copy; the current directory when `None`.
    pub from: Option<PathBuf>,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct SkeletonReport {
    /// The workspace copied.
    pub root: PathBuf,
    /// Where the skeleton is.
    pub out_dir: PathBuf,
    /// How many files were written.
    pub files: usize,
    /// Every stubbed function with its file (relative to the root).
    pub stubs: Vec<(PathBuf, Stub)>,
}

impl SkeletonReport {
    /// The lines `lab skeleton` prints when done.
    pub fn summary(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "wrote {} files of {} to {}",
            self.files,
            self.root.display(),
            self.out_dir.display()
        )];
        if self.stubs.is_empty() {
            lines.push("stubbed 0 functions: no `// lab:solution` marker in the lab crates".into());
        } else {
            let per_part = counts(PARTS, |part| {
                self.stubs.iter().filter(|(_, s)| s.part == part).count()
            });
            let per_crate = counts(LAB_CRATES, |krate| {
                let in_crate = |path: &PathBuf| lab_crate_of(path) == Some(krate);
                self.stubs.iter().filter(|(path, _)| in_crate(path)).count()
            });
            let noun = if self.stubs.len() == 1 {
                "function"
            } else {
                "functions"
            };
            lines.push(format!(
                "stubbed {} {noun}: {per_part} ({per_crate})",
                self.stubs.len()
            ));
        }
        lines.push(format!(
            "build it with: cd {} && cargo build --offline --locked --tests",
            self.out_dir.display()
        ));
        lines
    }
}

/// `"a 2, b 1"`: each label with its nonzero count.
fn counts<const N: usize>(labels: [&str; N], count: impl Fn(&str) -> usize) -> String {
    let nonzero: Vec<String> = labels
        .iter()
        .filter_map(|label| {
            Some(count(label))
                .filter(|&n| n > 0)
                .map(|n| format!("{label} {n}"))
        })
        .collect();
    nonzero.join(", ")
}

/// Writes the skeleton of the workspace around `options.from` into `options.out_dir`.
pub fn skeleton(options: &SkeletonOptions) -> Result<SkeletonReport> {
    let start = match &options.from {
        Some(directory) => directory.clone(),
        None => std::env::current_dir().map_err(|source| Error::Read {
            path: PathBuf::from("."),
            source,
        })?,
    };
    let start = fs::canonicalize(&start).map_err(|source| Error::Read {
        path: start.clone(),
        source,
    })?;
    let root = find_root(&start)?;
    let out_exists = check_out_dir(&options.out_dir)?;
    let files = list_files(&root)?;

    // Apply every marker in memory first, so that a bad one writes nothing.
    let mut stubbed: BTreeMap<&Path, String> = BTreeMap::new();
    let mut stubs = Vec::new();
    let mut problems = Vec::new();
    for relative in &files {
        if lab_crate_of(relative).is_none() || relative.extension() != Some("rs".as_ref()) {
            continue;
        }
        let path = root.join(relative);
        let source = fs::read_to_string(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        if !may_have_markers(&source) {
            continue;
        }
        match stub_markers(&source) {
            Ok(result) if result.stubs.is_empty() => {}
            Ok(result) => {
                stubs.extend(result.stubs.into_iter().map(|s| (relative.clone(), s)));
                stubbed.insert(relative, result.text);
            }
            Err(found) => problems.extend(found.into_iter().map(|problem| {
                format!(
                    "{}:{}: {}",
                    relative.display(),
                    problem.line,
                    problem.detail
                )
            })),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Markers { problems });
    }

    if !out_exists {
        fs::create_dir(&options.out_dir).map_err(|source| Error::Write {
            path: options.out_dir.clone(),
            source,
        })?;
    }
    for relative in &files {
        let to = options.out_dir.join(relative);
        match stubbed.get(relative.as_path()) {
            Some(text) => write_file(&to, text)?,
            None => copy_entry(&root.join(relative), &to)?,
        }
    }
    Ok(SkeletonReport {
        root,
        out_dir: options.out_dir.clone(),
        files: files.len(),
        stubs,
    })
}

/// The lab crate a workspace-relative path belongs to, if any.
pub fn lab_crate_of(relative: &Path) -> Option<&'static str> {
    match relative.components().next() {
        Some(Component::Normal(first)) => LAB_CRATES.iter().copied().find(|k| first == *k),
        _ => None,
    }
}

/// Checks that `out_dir` can take the skeleton; returns whether it exists already (empty).
fn check_out_dir(out_dir: &Path) -> Result<bool> {
    match fs::read_dir(out_dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::OutDirNotEmpty {
                    path: out_dir.to_path_buf(),
                });
            }
            Ok(true)
        }
        Err(_) if out_dir.exists() => Err(Error::OutDirNotEmpty {
            path: out_dir.to_path_buf(),
        }),
        Err(_) => {
            let parent = match out_dir.parent() {
                Some(parent) if parent.as_os_str().is_empty() => Path::new("."),
                Some(parent) => parent,
                None => out_dir,
            };
            if parent.is_dir() {
                Ok(false)
            } else {
                Err(Error::OutDirParentMissing {
                    path: out_dir.to_path_buf(),
                    parent: parent.to_path_buf(),
                })
            }
        }
    }
}

/// The files to copy, relative to `root`: tracked ones and untracked ones no `.gitignore`
/// excludes, that exist on disk (deleted files and submodule directories are skipped).
fn list_files(root: &Path) -> Result<Vec<PathBuf>> {
    let arguments = [
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
    ];
    let output = Command::new("git")
        .args(arguments)
        .current_dir(root)
        .output()
        .map_err(|source| Error::Spawn {
            program: "git".to_string(),
            source,
        })?;
    if !output.status.success() {
        return Err(Error::Git {
            root: root.to_path_buf(),
            detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    let names: BTreeSet<PathBuf> = output
        .stdout
        .split(|&byte| byte == 0)
        .filter(|name| !name.is_empty())
        .map(|name| PathBuf::from(String::from_utf8_lossy(name).into_owned()))
        .collect();
    Ok(names
        .into_iter()
        .filter(|name| {
            fs::symlink_metadata(root.join(name)).is_ok_and(|metadata| !metadata.is_dir())
        })
        .collect())
}

/// Creates the parent directories of `path`.
fn make_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(parent) => fs::create_dir_all(parent).map_err(|source| Error::Write {
            path: parent.to_path_buf(),
            source,
        }),
        None => Ok(()),
    }
}

/// Writes a stubbed file.
fn write_file(to: &Path, text: &str) -> Result<()> {
    make_parent(to)?;
    fs::write(to, text).map_err(|source| Error::Write {
        path: to.to_path_buf(),
        source,
    })
}

/// Copies a file (with its permissions) or recreates a symbolic link.
fn copy_entry(from: &Path, to: &Path) -> Result<()> {
    make_parent(to)?;
    let write_error = |source| Error::Write {
        path: to.to_path_buf(),
        source,
    };
    #[cfg(unix)]
    if fs::symlink_metadata(from).is_ok_and(|metadata| metadata.is_symlink()) {
        let target = fs::read_link(from).map_err(|source| Error::Read {
            path: from.to_path_buf(),
            source,
        })?;
        return std::os::unix::fs::symlink(target, to).map_err(write_error);
    }
    fs::copy(from, to).map(drop).map_err(write_error)
}
