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

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::workspace::find_root;
use stub::{may_have_markers, stub_markers, template_stubs, Stub, PARTS};

/// The crates whose marked functions are stubbed, by their directory under the workspace root.
/// Everything else (testers, labrpc, labcodec, linearizability, the tools) is copied unchanged.
pub const LAB_CRATES: [&str; 5] = ["kvsrv", "raft", "kvraft", "shardkv", "mapreduce"];

/// Where the open tier's templates are, under the workspace root; never copied into a skeleton.
pub const TEMPLATES: &str = "skeleton";

/// The file of a template directory listing the reference files the open tier keeps.
const KEEP: &str = "keep";

/// The file of a template directory listing the crate's paths the open tier leaves out.
const OMIT: &str = "omit";

/// Which skeleton to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Tier {
    /// The reference's design with the solutions stubbed: the marked functions lose their
    /// bodies, solution-only items are left out.
    #[default]
    Guided,
    /// The course's way: each lab crate keeps only the API its tester calls, from the
    /// templates under `skeleton/open/`; the student designs the rest.
    Open,
}

impl Tier {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Guided => "guided",
            Tier::Open => "open",
        }
    }
}

/// What `lab skeleton` was asked to do.
#[derive(Debug, Clone)]
pub struct SkeletonOptions {
    /// Which tier.
    pub tier: Tier,
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
    /// Which tier it is.
    pub tier: Tier,
    /// How many files were written.
    pub files: usize,
    /// Every stubbed function with its file (relative to the root): the marked functions in
    /// the guided tier, the templates' stubs in the open tier.
    pub stubs: Vec<(PathBuf, Stub)>,
    /// How many items the guided tier leaves out (`lab:hide`).
    pub hidden: usize,
    /// How many items the guided tier marks given (`lab:given`).
    pub given: usize,
}

impl SkeletonReport {
    /// The lines `lab skeleton` prints when done.
    pub fn summary(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "wrote the {} tier: {} files of {} to {}",
            self.tier.name(),
            self.files,
            self.root.display(),
            self.out_dir.display()
        )];
        if self.stubs.is_empty() {
            lines.push(match self.tier {
                Tier::Guided => {
                    "stubbed 0 functions: no `// lab:solution` marker in the lab crates".into()
                }
                Tier::Open => "stubbed 0 functions: no stub in the templates".into(),
            });
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
        if self.tier == Tier::Guided && self.hidden + self.given > 0 {
            lines.push(format!(
                "left out {} solution-only items; {} given items expect your code to use them",
                self.hidden, self.given
            ));
        }
        lines.push(format!(
            "build its tests with: cd {} && cargo test --offline --locked --no-run",
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
    let all_files = list_files(&root)?;

    // Plan every file in memory first, so that a bad marker or template writes nothing.
    let guided = guided_plan(&root, &all_files)?;
    let (plan, stubs) = match options.tier {
        Tier::Guided => (guided.files, guided.stubs),
        Tier::Open => open_plan(&root, &all_files, guided.files)?,
    };

    if !out_exists {
        fs::create_dir(&options.out_dir).map_err(|source| Error::Write {
            path: options.out_dir.clone(),
            source,
        })?;
    }
    for (relative, content) in &plan {
        let to = options.out_dir.join(relative);
        match content {
            Content::Text(text) => write_file(&to, text)?,
            Content::Copy(from) => copy_entry(from, &to)?,
        }
    }
    Ok(SkeletonReport {
        root,
        out_dir: options.out_dir.clone(),
        tier: options.tier,
        files: plan.len(),
        stubs,
        hidden: guided.hidden,
        given: guided.given,
    })
}

/// The files to write, each with its path relative to the skeleton's root.
type Plan = Vec<(PathBuf, Content)>;

/// What a planned file holds.
enum Content {
    /// A file of the workspace, copied as it is.
    Copy(PathBuf),
    /// New text: a file with its markers applied, or a template.
    Text(String),
}

/// The guided tier: every file but the templates, with the markers applied.
struct Guided {
    files: Plan,
    stubs: Vec<(PathBuf, Stub)>,
    hidden: usize,
    given: usize,
}

/// Plans the guided tier. All marker problems are reported together.
fn guided_plan(root: &Path, all_files: &[PathBuf]) -> Result<Guided> {
    let mut guided = Guided {
        files: Vec::new(),
        stubs: Vec::new(),
        hidden: 0,
        given: 0,
    };
    let mut problems = Vec::new();
    for relative in all_files {
        if relative.starts_with(TEMPLATES) {
            continue;
        }
        let path = root.join(relative);
        if lab_crate_of(relative).is_none() || relative.extension() != Some("rs".as_ref()) {
            guided.files.push((relative.clone(), Content::Copy(path)));
            continue;
        }
        let source = fs::read_to_string(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        if !may_have_markers(&source) {
            guided.files.push((relative.clone(), Content::Copy(path)));
            continue;
        }
        match stub_markers(&source) {
            Ok(result) => {
                let marked = result.stubs.len() + result.hidden.len() + result.given.len();
                guided.hidden += result.hidden.len();
                guided.given += result.given.len();
                guided
                    .stubs
                    .extend(result.stubs.into_iter().map(|s| (relative.clone(), s)));
                let content = if marked == 0 {
                    Content::Copy(path)
                } else {
                    Content::Text(result.text)
                };
                guided.files.push((relative.clone(), content));
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
    Ok(guided)
}

/// Plans the open tier from the guided one: each lab crate's `src/` gives way to its template
/// under `skeleton/open/<crate>/`, but for the files its `keep` lists, and the paths its `omit`
/// lists are left out. Returns the files and the templates' stubs.
fn open_plan(
    root: &Path,
    all_files: &[PathBuf],
    guided: Plan,
) -> Result<(Plan, Vec<(PathBuf, Stub)>)> {
    let mut problems = Vec::new();
    let mut keep: BTreeSet<PathBuf> = BTreeSet::new();
    let mut omit: Vec<PathBuf> = Vec::new();
    let mut templates: Vec<(PathBuf, PathBuf)> = Vec::new();
    // Only the lab crates this workspace has need a template.
    let present = LAB_CRATES
        .into_iter()
        .filter(|krate| guided.iter().any(|(path, _)| path.starts_with(krate)));
    for krate in present {
        let base = Path::new(TEMPLATES).join("open").join(krate);
        let mut has_source = false;
        for relative in all_files.iter().filter(|path| path.starts_with(&base)) {
            let inside = relative.strip_prefix(&base).unwrap_or(relative);
            if inside == Path::new(KEEP) || inside == Path::new(OMIT) {
                let listed = read_list(&root.join(relative))?;
                for (line, entry) in listed {
                    let path = Path::new(krate).join(&entry);
                    let exists = guided.iter().any(|(p, _)| p.starts_with(&path));
                    if !exists {
                        problems.push(format!(
                            "{}:{line}: `{entry}` is not a file of {krate}; fix or remove the line",
                            relative.display()
                        ));
                    } else if inside == Path::new(KEEP) {
                        keep.insert(path);
                    } else {
                        omit.push(path);
                    }
                }
                continue;
            }
            has_source |= inside.starts_with("src");
            templates.push((Path::new(krate).join(inside), root.join(relative)));
        }
        if !has_source {
            problems.push(format!(
                "no open tier for {krate}: write its template under {}/src/",
                base.display()
            ));
        }
    }

    let mut plan = Vec::new();
    for (relative, content) in guided {
        let in_src = lab_crate_of(&relative)
            .is_some_and(|krate| relative.starts_with(Path::new(krate).join("src")));
        if omit.iter().any(|path| relative.starts_with(path)) {
            continue;
        }
        if keep.contains(&relative) {
            if matches!(content, Content::Text(_)) {
                problems.push(format!(
                    "{}: kept in the open tier but has skeleton markers; keep only given files",
                    relative.display()
                ));
            }
        } else if in_src {
            continue;
        }
        plan.push((relative, content));
    }
    let mut stubs = Vec::new();
    for (relative, from) in templates {
        let text = fs::read_to_string(&from).map_err(|source| Error::Read {
            path: from.clone(),
            source,
        })?;
        if relative.extension() == Some("rs".as_ref()) {
            match template_stubs(&text) {
                Ok(found) => stubs.extend(found.into_iter().map(|s| (relative.clone(), s))),
                Err(found) => problems.extend(found.into_iter().map(|problem| {
                    format!("{}:{}: {}", from.display(), problem.line, problem.detail)
                })),
            }
        }
        plan.retain(|(path, _)| *path != relative);
        plan.push((relative, Content::Text(text)));
    }
    if !problems.is_empty() {
        return Err(Error::OpenTier { problems });
    }
    plan.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((plan, stubs))
}

/// The entries of a `keep` or `omit` list with their lines: one crate-relative path per line;
/// blank lines and `#` comments are skipped.
fn read_list(path: &Path) -> Result<Vec<(usize, String)>> {
    let text = fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(at, line)| (at + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(at, line)| (at, line.trim_end_matches('/').to_string()))
        .collect())
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
