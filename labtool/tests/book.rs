//! The lab book (`book/`) against the code, so the two cannot drift apart.
//!
//! The book is read as Markdown: fenced code blocks (shell blocks line by line, text blocks
//! for the testers' banners) and inline code spans in the prose. What it shows must exist:
//!
//! - **commands** (`make ...`, `cargo run/test/doc/build/install ...`, `lab ...`, with any
//!   `VAR=value` prefix; in shell blocks, inline spans, and `$ ` lines of text blocks): every make target is a rule of the Makefile; every `lab`
//!   subcommand and flag is in `lab <sub> --help`; every crate is a workspace member; every
//!   test filter (`cargo test -p C FILTER`, `lab stress C FILTER...`, `lab sweep [C] FILTER...`,
//!   `make stress CRATE= TEST=`) matches at least one `#[test]` function of that crate, and a
//!   part given to `lab stress` or `lab sweep` is one of the crate's; every `--test`, `--bin` and
//!   `--example` target exists, and the flags given to a bin or example appear in its source;
//! - **test names**: an inline span that is a test's name (an identifier ending in a part,
//!   `_3a`, `_2`, ..., or in `_test`) names a `#[test]` function;
//! - **banners**: each `Test (PART): title ...` line shows a title the part's tests print;
//! - **flags** mentioned alone (`` `--runs` ``) belong to some `lab` subcommand, workspace
//!   binary or example, or to cargo or libtest;
//! - **what you write**: each `<!-- book-check: skeleton PART -->` table lists exactly the
//!   functions marked `// lab:solution PART` in the lab crates, every part has one table, and
//!   the `lab skeleton` summary line the book shows is the one the markers give;
//! - **links**: every link between chapters leads to a chapter of the book and, with a
//!   fragment, to one of its headings; every `{{#include}}` names a file and anchor that exist;
//!   every chapter is in `SUMMARY.md`;
//! - **Rust**: a `rust` block is a fragment marked `ignore`, or only includes a file of
//!   `book/examples/`; with `LAB_BOOK_EXAMPLES=1` (`make book-check`) each of those examples is
//!   compiled against the workspace's crates with rustc and run, and must exit 0.
//!
//! `make book` runs `links`; `make book-check` runs everything.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use labtool::select::Part;
use labtool::skeleton::stub::{stub_markers, template_stubs, Stub, Stubbed, PARTS};
use labtool::skeleton::{SkeletonReport, Tier, LAB_CRATES, TEMPLATES};
use support::{lab, workspace_root};

// ---- reading the book ----------------------------------------------------------------------

/// One chapter: its path under `book/src` and its text.
struct Chapter {
    path: PathBuf,
    text: String,
}

/// Every Markdown file under `book/src`, sorted.
fn chapters() -> Vec<Chapter> {
    let source = workspace_root().join("book/src");
    let mut paths = Vec::new();
    collect_files(&source, "md", &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| Chapter {
            text: fs::read_to_string(&path).unwrap(),
            path: path.strip_prefix(&source).unwrap().to_path_buf(),
        })
        .collect()
}

fn collect_files(directory: &Path, extension: &str, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(directory) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "target") {
                collect_files(&path, extension, found);
            }
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
}

/// A piece of code the book shows, and where.
#[derive(Debug, Clone)]
struct Code {
    /// `chapter:line`.
    place: String,
    /// The fence's info string (`sh`, `text`, `rust,ignore`), or `inline`.
    kind: String,
    /// The code: one line of a block, or a whole inline span.
    text: String,
}

/// The fenced blocks (line by line) and inline spans of `chapter`; and the prose outside
/// code, with inline spans removed, for the link check.
fn code_of(chapter: &Chapter) -> Vec<Code> {
    let name = chapter.path.display().to_string();
    let mut found = Vec::new();
    let mut fence: Option<String> = None;
    let mut paragraph: Vec<(usize, &str)> = Vec::new();
    for (number, line) in chapter.text.lines().enumerate() {
        let number = number + 1;
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            match fence {
                None => {
                    inline_spans(&name, &paragraph, &mut found);
                    paragraph.clear();
                    fence = Some(info.trim().to_string());
                }
                Some(_) => fence = None,
            }
            continue;
        }
        match &fence {
            Some(kind) => found.push(Code {
                place: format!("{name}:{number}"),
                kind: kind.clone(),
                text: line.to_string(),
            }),
            None if line.trim().is_empty() => {
                inline_spans(&name, &paragraph, &mut found);
                paragraph.clear();
            }
            None => paragraph.push((number, line)),
        }
    }
    inline_spans(&name, &paragraph, &mut found);
    found
}

/// The inline code spans of one paragraph (spans may cross line breaks).
fn inline_spans(name: &str, paragraph: &[(usize, &str)], found: &mut Vec<Code>) {
    let Some(&(first_line, _)) = paragraph.first() else {
        return;
    };
    let text: String = paragraph
        .iter()
        .map(|(_, line)| *line)
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
        let opening = &text[i..i + run];
        let start = i + run;
        let Some(length) = find_closing(&text[start..], opening) else {
            i = start;
            continue;
        };
        let span = text[start..start + length].replace('\n', " ");
        let line = first_line + text[..i].matches('\n').count();
        found.push(Code {
            place: format!("{name}:{line}"),
            kind: "inline".into(),
            text: span.trim().to_string(),
        });
        i = start + length + run;
    }
}

/// Where a run of exactly `opening` backticks closes the span, if it does.
fn find_closing(rest: &str, opening: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(offset) = rest[from..].find(opening) {
        let at = from + offset;
        let end = at + opening.len();
        let longer = rest[end..].starts_with('`') || (at > 0 && rest[..at].ends_with('`'));
        if !longer {
            return Some(at);
        }
        from = end + rest[end..].chars().take_while(|&c| c == '`').count();
    }
    None
}

/// Every piece of code in the book.
fn all_code() -> Vec<Code> {
    chapters().iter().flat_map(code_of).collect()
}

// ---- what exists ---------------------------------------------------------------------------

/// The workspace's crates, by name (each a directory of the root).
fn members() -> BTreeSet<String> {
    let manifest = fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|line| line.trim_start().starts_with("members"))
        .expect("the workspace lists its members");
    line.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The Makefile's rules.
fn make_targets() -> BTreeSet<String> {
    let makefile = fs::read_to_string(workspace_root().join("Makefile")).unwrap();
    makefile
        .lines()
        .filter_map(|line| {
            let (head, _) = line.split_once(':')?;
            let valid = !head.is_empty()
                && !head.starts_with('.')
                && head
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            (valid && !line[head.len()..].starts_with(":=")).then(|| head.to_string())
        })
        .collect()
}

/// One `#[test]` function: its name and its path as a test filter sees it.
struct TestFn {
    name: String,
    path: String,
}

/// The `#[test]` functions of a crate, from its sources (no build needed).
fn tests_of(krate: &str) -> Vec<TestFn> {
    let root = workspace_root().join(krate);
    let mut files = Vec::new();
    collect_files(&root.join("src"), "rs", &mut files);
    collect_files(&root.join("tests"), "rs", &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let module = module_path(&root, &file);
        let lines: Vec<&str> = text.lines().collect();
        for (index, line) in lines.iter().enumerate() {
            if line.trim() != "#[test]" {
                continue;
            }
            let function = lines[index + 1..]
                .iter()
                .map(|line| line.trim())
                .find(|line| !line.starts_with("#[") && !line.starts_with("//"));
            if let Some(name) = function.and_then(function_name) {
                found.push(TestFn {
                    path: format!("{module}::{name}"),
                    name,
                });
            }
        }
    }
    found
}

/// The module path of a source file as libtest prints it (roughly: good for filters).
fn module_path(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap().with_extension("");
    relative
        .components()
        .skip(1)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|part| part != "main" && part != "lib" && part != "mod")
        .collect::<Vec<_>>()
        .join("::")
}

/// `name` from a line `... fn name(...`.
fn function_name(line: &str) -> Option<String> {
    let after = line.split("fn ").nth(1)?;
    let name: String = after
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Every test function of every crate.
fn all_tests() -> BTreeMap<String, Vec<TestFn>> {
    members()
        .into_iter()
        .map(|krate| {
            let tests = tests_of(&krate);
            (krate, tests)
        })
        .collect()
}

/// The text of every `.rs` file under a crate's `tests/`.
fn test_sources(krate: &str) -> String {
    let mut files = Vec::new();
    collect_files(
        &workspace_root().join(krate).join("tests"),
        "rs",
        &mut files,
    );
    files
        .iter()
        .map(|file| fs::read_to_string(file).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The flags clap lists in a `--help` text.
fn flags_in_help(help: &str) -> BTreeSet<String> {
    help.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']' || c == '=')
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(|word| word.trim_end_matches(['.', ':']).to_string())
        .collect()
}

/// What `lab` offers: each subcommand with its flags (global flags included).
fn lab_commands() -> BTreeMap<String, BTreeSet<String>> {
    let top = lab(&["--help"]);
    assert_eq!(top.code, Some(0), "lab --help: {}", top.stderr);
    let global = flags_in_help(&top.stdout);
    let mut commands = BTreeMap::new();
    let listed = top
        .stdout
        .split("Commands:")
        .nth(1)
        .and_then(|rest| rest.split("Options:").next())
        .expect("lab --help lists its commands");
    for line in listed.lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        if name == "help" {
            continue;
        }
        let help = lab(&[name, "--help"]);
        assert_eq!(help.code, Some(0), "lab {name} --help: {}", help.stderr);
        let mut flags = flags_in_help(&help.stdout);
        flags.extend(global.iter().cloned());
        commands.insert(name.to_string(), flags);
    }
    assert!(commands.contains_key("stress"), "{}", top.stdout);
    commands
}

/// The source of a crate's binary or example, if it has one of that name.
fn target_source(krate: &str, kind: &str, name: &str) -> Option<String> {
    let root = workspace_root().join(krate);
    let candidates = match kind {
        "bin" => vec![
            root.join(format!("src/bin/{name}.rs")),
            root.join(format!("src/bin/{name}/main.rs")),
        ],
        "example" => vec![root.join(format!("examples/{name}.rs"))],
        _ => vec![
            root.join(format!("tests/{name}.rs")),
            root.join(format!("tests/{name}/main.rs")),
        ],
    };
    if let Some(text) = candidates
        .iter()
        .find_map(|path| fs::read_to_string(path).ok())
    {
        return Some(text);
    }
    // A [[bin]] whose name is not its file's.
    let manifest = fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let declared = manifest
        .split("[[bin]]")
        .skip(1)
        .find(|section| section.contains(&format!("name = \"{name}\"")))?;
    let path = declared.split("path = \"").nth(1)?.split('"').next()?;
    if kind != "bin" {
        return None;
    }
    fs::read_to_string(root.join(path)).ok()
}

/// Whether a program whose source is `source` takes `--flag` (clap derives `--flag-name`
/// from a field `flag_name`).
fn source_takes_flag(source: &str, flag: &str) -> bool {
    let long = flag.trim_start_matches('-');
    source.contains(&format!("\"{long}\"")) || source.contains(&long.replace('-', "_"))
}

// ---- commands ------------------------------------------------------------------------------

/// Splits a shell line into words, honouring quotes; `&&`, `||`, `|` and `;` become words.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') if word.is_empty() => break,
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (None, ';') => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                words.push(";".into());
            }
            (None, c) => word.push(c),
        }
        let _ = chars.peek();
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The simple commands of a shell line: split at `&&`, `||`, `|`, `;`, without redirections.
fn simple_commands(line: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut skip_next = false;
    for word in shell_words(line) {
        if skip_next {
            skip_next = false;
            continue;
        }
        match word.as_str() {
            "&&" | "||" | "|" | ";" | "&" => commands.push(Vec::new()),
            ">" | "2>" | "<" | ">>" => skip_next = true,
            redirect if redirect.starts_with("2>") || redirect.starts_with('>') => {}
            _ => commands.last_mut().unwrap().push(word),
        }
    }
    commands.retain(|command| !command.is_empty());
    commands
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    })
}

/// A word standing for something the reader fills in: `<seed>`, `CRATE`, `OUT_DIR`, `...`.
fn is_placeholder(word: &str) -> bool {
    word.starts_with('<')
        || word.contains("...")
        || (word.len() > 1
            && word
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c == '|'))
}

/// What the checks know about the workspace.
struct World {
    members: BTreeSet<String>,
    targets: BTreeSet<String>,
    tests: BTreeMap<String, Vec<TestFn>>,
    lab: BTreeMap<String, BTreeSet<String>>,
}

impl World {
    fn load() -> World {
        World {
            members: members(),
            targets: make_targets(),
            tests: all_tests(),
            lab: lab_commands(),
        }
    }

    /// Every flag some command of the workspace takes.
    fn known_flags(&self) -> BTreeSet<String> {
        self.lab.values().flatten().cloned().collect()
    }

    fn check_crate(&self, krate: &str, problems: &mut Vec<String>) -> bool {
        if is_placeholder(krate) {
            return false;
        }
        if !self.members.contains(krate) {
            problems.push(format!("no crate `{krate}` in the workspace"));
            return false;
        }
        true
    }

    fn check_filter(&self, krate: &str, filter: &str, problems: &mut Vec<String>) {
        if is_placeholder(filter) || !self.check_crate(krate, problems) {
            return;
        }
        let tests = &self.tests[krate];
        if !tests.iter().any(|test| test.path.contains(filter)) {
            problems.push(format!("no test of `{krate}` matches `{filter}`"));
        }
    }

    /// Checks one simple command; returns its problems.
    fn check_command(&self, words: &[String]) -> Vec<String> {
        let mut problems = Vec::new();
        let words: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .skip_while(|word| is_assignment(word))
            .collect();
        match words.first() {
            Some(&"make") => self.check_make(&words[1..], &mut problems),
            Some(&"cargo") => self.check_cargo(&words[1..], &mut problems),
            Some(&"lab") => self.check_lab(&words[1..], &mut problems),
            _ => {}
        }
        problems
    }

    fn check_make(&self, arguments: &[&str], problems: &mut Vec<String>) {
        let mut variables = BTreeMap::new();
        let mut targets = Vec::new();
        for word in arguments {
            match word.split_once('=') {
                Some((name, value)) if is_assignment(word) => {
                    variables.insert(name, value);
                }
                _ if word.starts_with('-') => {}
                _ => targets.push(*word),
            }
        }
        for target in &targets {
            if !is_placeholder(target) && !self.targets.contains(*target) {
                problems.push(format!("no make target `{target}`"));
            }
        }
        if targets.contains(&"stress") {
            if let (Some(krate), Some(filters)) = (variables.get("CRATE"), variables.get("TEST")) {
                for filter in filters.trim_matches('"').split_whitespace() {
                    self.check_part_or_filter(&[krate], filter, problems);
                }
            }
        }
        if targets.contains(&"demo") {
            if let Some(arguments) = variables.get("ARGS") {
                let source = target_source("kvraft", "example", "demo").unwrap_or_default();
                for flag in arguments.split_whitespace().filter(|w| w.starts_with("--")) {
                    let flag = flag.split('=').next().unwrap();
                    if !source_takes_flag(&source, flag) {
                        problems.push(format!("the demo takes no `{flag}`"));
                    }
                }
            }
        }
    }

    fn check_cargo(&self, arguments: &[&str], problems: &mut Vec<String>) {
        let Some((&subcommand, rest)) = arguments.split_first() else {
            return;
        };
        let (options, program) = match rest.iter().position(|word| *word == "--") {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, &[][..]),
        };
        let mut package = None;
        let mut target = None;
        let mut positional = Vec::new();
        let mut i = 0;
        while i < options.len() {
            let word = options[i];
            let value = options.get(i + 1).copied();
            match word {
                "-p" | "--package" => {
                    package = value;
                    i += 1;
                }
                "--bin" | "--example" | "--test" | "--bench" => {
                    target = value.map(|name| (word.trim_start_matches('-'), name));
                    i += 1;
                }
                "--path" => {
                    if let Some(path) = value {
                        if !workspace_root().join(path).join("Cargo.toml").exists() {
                            problems.push(format!("no crate at `{path}`"));
                        }
                    }
                    i += 1;
                }
                "--version" | "--features" | "--root" | "--message-format" | "-j" => i += 1,
                flag if flag.starts_with('-') => {}
                _ => positional.push(word),
            }
            i += 1;
        }
        if subcommand == "install" {
            return;
        }
        if let Some(package) = package {
            if !self.check_crate(package, problems) {
                return;
            }
        }
        if let (Some(package), Some((kind, name))) = (package, target) {
            match target_source(package, kind, name) {
                None => problems.push(format!("`{package}` has no {kind} `{name}`")),
                Some(source) if subcommand == "run" => {
                    for flag in program.iter().filter(|word| word.starts_with("--")) {
                        let flag = flag.split('=').next().unwrap();
                        if !source_takes_flag(&source, flag) {
                            problems.push(format!("{kind} `{name}` takes no `{flag}`"));
                        }
                    }
                }
                Some(_) => {}
            }
        }
        match subcommand {
            "run" if package == Some("labtool") && target.is_none() => {
                self.check_lab(program, problems)
            }
            "test" => {
                if let (Some(package), Some(filter)) = (package, positional.first()) {
                    self.check_filter(package, filter, problems);
                }
            }
            _ => {}
        }
    }

    fn check_lab(&self, arguments: &[&str], problems: &mut Vec<String>) {
        let mut words = arguments.iter().copied().peekable();
        // Global options before the subcommand.
        while let Some(word) = words.peek() {
            if *word == "--color" {
                words.next();
                words.next();
            } else if word.starts_with("--") && *word != "--help" {
                words.next();
            } else {
                break;
            }
        }
        let Some(subcommand) = words.next() else {
            return;
        };
        if subcommand == "--help" || subcommand == "help" || is_placeholder(subcommand) {
            return;
        }
        let Some(flags) = self.lab.get(subcommand) else {
            problems.push(format!("no `lab {subcommand}`"));
            return;
        };
        let rest: Vec<&str> = words.collect();
        for word in rest.iter().filter(|word| word.starts_with("--")) {
            let flag = word.split('=').next().unwrap();
            if !flags.contains(flag) {
                problems.push(format!("`lab {subcommand}` takes no `{flag}`"));
            }
        }
        let positional = positional_words(&rest);
        match (subcommand, positional.as_slice()) {
            ("stress", [krate, filters @ ..]) => {
                for filter in filters {
                    self.check_part_or_filter(&[krate], filter, problems);
                }
            }
            ("sweep", words) => {
                let (crates, filters): (Vec<&str>, Vec<&str>) =
                    words.iter().partition(|word| self.members.contains(**word));
                let crates = if crates.is_empty() {
                    vec!["kvsrv", "raft", "kvraft", "shardkv"]
                } else {
                    crates
                };
                for filter in filters {
                    self.check_part_or_filter(&crates, filter, problems);
                }
            }
            _ => {}
        }
    }

    /// A filter of `lab stress` or `lab sweep` over `crates`: a part must be one of theirs
    /// (`raft 4a` picks nothing), any other word must match a test of one of them.
    fn check_part_or_filter(&self, crates: &[&str], filter: &str, problems: &mut Vec<String>) {
        if is_placeholder(filter) {
            return;
        }
        if Part::parse(filter).is_some() {
            let owner = crate_of_part(filter);
            if !owner.is_some_and(|owner| crates.contains(&owner)) {
                problems.push(format!(
                    "part `{filter}` belongs to none of {}",
                    crates.join(", ")
                ));
            }
            return;
        }
        let matched = crates.iter().any(|krate| {
            self.tests
                .get(*krate)
                .is_some_and(|tests| tests.iter().any(|test| test.path.contains(filter)))
        });
        if !matched {
            for krate in crates {
                self.check_crate(krate, problems);
            }
            problems.push(format!(
                "no test of {} matches `{filter}`",
                crates.join(", ")
            ));
        }
    }
}

/// The positional words of a `lab` subcommand's arguments: flags and the values of the flags
/// that take one are left out.
fn positional_words<'a>(arguments: &[&'a str]) -> Vec<&'a str> {
    const TAKE_A_VALUE: [&str; 6] = [
        "--runs",
        "--jobs",
        "--timeout",
        "--budget",
        "--seed",
        "--color",
    ];
    let mut positional = Vec::new();
    let mut words = arguments.iter().copied();
    while let Some(word) = words.next() {
        if TAKE_A_VALUE.contains(&word) {
            words.next();
        } else if !word.starts_with('-') {
            positional.push(word);
        }
    }
    positional
}

/// Whether an inline span is a command the checks should read.
fn looks_like_command(text: &str) -> bool {
    let first = text
        .split_whitespace()
        .find(|word| !is_assignment(word))
        .unwrap_or("");
    matches!(first, "make" | "cargo" | "lab") && text.split_whitespace().count() > 1
}

fn is_shell(kind: &str) -> bool {
    matches!(kind, "sh" | "bash" | "shell" | "console")
}

/// Every command the book shows, with where.
fn commands(code: &[Code]) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut continued = String::new();
    for piece in code {
        let text = if is_shell(&piece.kind) {
            let line = piece.text.trim();
            if let Some(start) = line.strip_suffix('\\') {
                continued.push_str(start);
                continued.push(' ');
                continue;
            }
            let whole = format!("{continued}{line}");
            continued.clear();
            whole
        } else if piece.kind == "inline" && looks_like_command(&piece.text) {
            piece.text.clone()
        } else if let Some(command) = piece.text.strip_prefix("$ ") {
            // A command shown with its output in a text block.
            command.to_string()
        } else {
            continue;
        };
        let text = text.trim_start_matches("$ ").to_string();
        for command in simple_commands(&text) {
            found.push((piece.place.clone(), command));
        }
    }
    found
}

fn fail_with(problems: Vec<String>, what: &str) {
    assert!(
        problems.is_empty(),
        "the book and the code disagree ({what}):\n  {}",
        problems.join("\n  ")
    );
}

// ---- the checks ----------------------------------------------------------------------------

/// Every make target, cargo command and `lab` command in the book exists, with its flags,
/// crates, targets and test filters.
#[test]
fn commands_exist() {
    let world = World::load();
    let code = all_code();
    let found = commands(&code);
    assert!(
        found.len() > 50,
        "only {} commands found in the book: is the parser broken?",
        found.len()
    );
    let mut problems = Vec::new();
    for (place, command) in &found {
        for problem in world.check_command(command) {
            problems.push(format!("{place}: {problem} (in `{}`)", command.join(" ")));
        }
    }
    fail_with(problems, "commands");
}

/// A part suffix of the labs' test names.
fn has_test_suffix(name: &str) -> bool {
    [
        "_1", "_2", "_3a", "_3b", "_3c", "_3d", "_4a", "_4b", "_5a", "_5b", "_test",
    ]
    .iter()
    .any(|suffix| name.ends_with(suffix))
}

/// Every test name the book mentions is a `#[test]` function.
#[test]
fn test_names_exist() {
    let tests = all_tests();
    let names: BTreeSet<&str> = tests.values().flatten().map(|t| t.name.as_str()).collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for code in all_code() {
        let span = code.text.as_str();
        let identifier = !span.is_empty()
            && span
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && span.contains('_');
        if code.kind == "inline" && identifier && has_test_suffix(span) {
            checked += 1;
            if !names.contains(span) {
                problems.push(format!("{}: no test `{span}`", code.place));
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} test names found: is the parser broken?"
    );
    fail_with(problems, "test names");
}

/// The crate whose tests print banners for `part`.
fn crate_of_part(part: &str) -> Option<&'static str> {
    match part.chars().next()? {
        '1' => Some("mapreduce"),
        '2' => Some("kvsrv"),
        '3' => Some("raft"),
        '4' => Some("kvraft"),
        '5' => Some("shardkv"),
        _ => None,
    }
}

/// Every `Test (PART): title ...` banner the book shows is one a test of that part prints
/// (titles built from pieces, as kvraft's are, must have every piece in the tests).
#[test]
fn banners_exist() {
    let mut problems = Vec::new();
    let mut sources = BTreeMap::new();
    for code in all_code().iter().filter(|code| code.kind == "text") {
        let Some(rest) = code.text.trim().strip_prefix("Test (") else {
            continue;
        };
        let Some((part, rest)) = rest.split_once("): ") else {
            continue;
        };
        let Some((title, _)) = rest.split_once(" ...") else {
            continue;
        };
        let Some(krate) = crate_of_part(part) else {
            problems.push(format!("{}: no part {part}", code.place));
            continue;
        };
        let source = sources.entry(krate).or_insert_with(|| test_sources(krate));
        let title = title.strip_suffix(&format!(" ({part})")).unwrap_or(title);
        let printed = source.contains(&format!("\"{title}\""))
            || title.split(", ").all(|piece| source.contains(piece));
        if !printed {
            problems.push(format!("{}: no {part} test prints `{title}`", code.place));
        }
    }
    fail_with(problems, "test banners");
}

/// A flag mentioned on its own belongs to something: a `lab` subcommand, a binary or
/// example of the workspace, or cargo and libtest.
#[test]
fn lone_flags_exist() {
    const CARGO_AND_LIBTEST: [&str; 14] = [
        "--release",
        "--locked",
        "--offline",
        "--nocapture",
        "--test-threads",
        "--exact",
        "--list",
        "--no-run",
        "--test",
        "--bin",
        "--example",
        "--package",
        "--help",
        "--version",
    ];
    let mut known = World::load().known_flags();
    known.extend(CARGO_AND_LIBTEST.iter().map(|flag| flag.to_string()));
    let mut programs = Vec::new();
    for krate in members() {
        let root = workspace_root().join(&krate);
        collect_files(&root.join("src/bin"), "rs", &mut programs);
        collect_files(&root.join("examples"), "rs", &mut programs);
    }
    let sources: Vec<String> = programs
        .iter()
        .map(|path| fs::read_to_string(path).unwrap())
        .collect();
    let mut problems = Vec::new();
    for code in all_code().iter().filter(|code| code.kind == "inline") {
        let Some(flag) = code.text.split_whitespace().next() else {
            continue;
        };
        if !flag.starts_with("--") || looks_like_command(&code.text) {
            continue;
        }
        let flag = flag.split('=').next().unwrap();
        let exists = known.contains(flag) || sources.iter().any(|s| source_takes_flag(s, flag));
        if !exists {
            problems.push(format!("{}: no command takes `{flag}`", code.place));
        }
    }
    fail_with(problems, "flags");
}

/// The lab crates' Rust files with their markers applied, by workspace-relative path.
fn marked_files() -> Vec<(String, Stubbed)> {
    let root = workspace_root();
    let mut marked = Vec::new();
    for krate in LAB_CRATES {
        let mut files = Vec::new();
        collect_files(&root.join(krate), "rs", &mut files);
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            let relative = file.strip_prefix(&root).unwrap().display().to_string();
            let stubbed = stub_markers(&text)
                .unwrap_or_else(|problems| panic!("{relative}: bad markers: {problems:?}"));
            marked.push((relative, stubbed));
        }
    }
    marked
}

/// `(file, stub)` pairs as (file, name) pairs per part, with every part present.
fn by_part(
    stubs: impl IntoIterator<Item = (String, Stub)>,
) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let mut by_part: BTreeMap<String, BTreeSet<(String, String)>> = PARTS
        .iter()
        .map(|part| (part.to_string(), BTreeSet::new()))
        .collect();
    for (file, stub) in stubs {
        by_part
            .get_mut(&stub.part)
            .expect("a known part")
            .insert((file, stub.name));
    }
    by_part
}

/// The (file, function) pairs marked `// lab:solution <part>`, per part.
fn markers() -> BTreeMap<String, BTreeSet<(String, String)>> {
    by_part(marked_files().into_iter().flat_map(|(file, stubbed)| {
        stubbed
            .stubs
            .into_iter()
            .map(move |stub| (file.clone(), stub))
    }))
}

/// The (file, stub name) pairs of the open tier's templates, per part: each
/// `todo!("PART: name")` under `skeleton/open/<crate>/src/`, with the file named where the
/// student finds it, `<crate>/src/...`.
fn template_stubs_by_part() -> BTreeMap<String, BTreeSet<(String, String)>> {
    let root = workspace_root();
    let open = root.join(TEMPLATES).join("open");
    let mut files = Vec::new();
    collect_files(&open, "rs", &mut files);
    by_part(files.into_iter().flat_map(|file| {
        let text = fs::read_to_string(&file).unwrap();
        let relative = file.strip_prefix(&open).unwrap().display().to_string();
        let stubs = template_stubs(&text)
            .unwrap_or_else(|problems| panic!("{relative}: bad stubs: {problems:?}"));
        stubs.into_iter().map(move |stub| (relative.clone(), stub))
    }))
}

/// The summary lines `lab skeleton` prints about stubs for the current markers and templates
/// (the lines that do not name directories): the guided tier's stubs and left-out items, and
/// the open tier's stubs.
fn skeleton_summary_lines() -> Vec<String> {
    let root = workspace_root();
    let mut guided = SkeletonReport {
        root: root.clone(),
        out_dir: root.clone(),
        tier: Tier::Guided,
        files: 0,
        stubs: Vec::new(),
        hidden: 0,
        given: 0,
    };
    for (file, stubbed) in marked_files() {
        guided.hidden += stubbed.hidden.len();
        guided.given += stubbed.given.len();
        let file = PathBuf::from(file);
        guided
            .stubs
            .extend(stubbed.stubs.into_iter().map(|stub| (file.clone(), stub)));
    }
    let mut open = SkeletonReport {
        tier: Tier::Open,
        stubs: Vec::new(),
        hidden: 0,
        given: 0,
        ..guided.clone()
    };
    for (part, stubs) in template_stubs_by_part() {
        for (file, name) in stubs {
            let stub = Stub {
                line: 0,
                part: part.clone(),
                name,
            };
            open.stubs.push((PathBuf::from(file), stub));
        }
    }
    let guided_lines = guided.summary();
    vec![
        guided_lines[1].clone(),
        guided_lines[2].clone(),
        open.summary()[1].clone(),
    ]
}

/// The (file, function) pairs a `What you write` table lists.
fn table_entries(region: &str) -> BTreeSet<(String, String)> {
    let mut entries = BTreeSet::new();
    for row in region.lines().filter(|line| line.starts_with('|')) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (Some(file), Some(functions)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let file = file.trim_matches('`');
        if !file.ends_with(".rs") {
            continue;
        }
        for function in functions.split(',') {
            entries.insert((
                file.to_string(),
                function.trim().trim_matches('`').to_string(),
            ));
        }
    }
    entries
}

/// Compares each region of the chapters opened by `start` with `expected`, the (file,
/// function) pairs per part, and says what differs; `what` names the source of truth.
fn check_tables(
    start: &str,
    expected: &BTreeMap<String, BTreeSet<(String, String)>>,
    what: &str,
    problems: &mut Vec<String>,
) {
    const END: &str = "<!-- book-check: end -->";
    let mut seen = BTreeSet::new();
    for chapter in chapters() {
        let mut rest = chapter.text.as_str();
        while let Some(at) = rest.find(start) {
            let after = &rest[at + start.len()..];
            let (part, body) = after.split_once(" -->").expect("a closed marker comment");
            let (region, next) = body.split_once(END).expect("a region with an end");
            let listed = table_entries(region);
            let marked = expected.get(part).cloned().unwrap_or_else(|| {
                problems.push(format!("{}: no part `{part}`", chapter.path.display()));
                BTreeSet::new()
            });
            for (file, function) in listed.difference(&marked) {
                problems.push(format!(
                    "{}: lists {file} `{function}` for {part}, which is not {what} {part}",
                    chapter.path.display()
                ));
            }
            for (file, function) in marked.difference(&listed) {
                problems.push(format!(
                    "{}: does not list {file} `{function}`, {what} {part}",
                    chapter.path.display()
                ));
            }
            seen.insert(part.to_string());
            rest = next;
        }
    }
    for part in PARTS {
        if !seen.contains(part) {
            problems.push(format!("no chapter has a `{start}{part} -->` table"));
        }
    }
}

/// Each part's `What you write` tables list exactly its marked functions (guided tier) and its
/// templates' stubs (open tier), and the skeleton summary the book shows is the current one.
#[test]
fn what_you_write_matches_the_markers() {
    let mut problems = Vec::new();
    check_tables(
        "<!-- book-check: skeleton ",
        &markers(),
        "marked `// lab:solution`",
        &mut problems,
    );
    check_tables(
        "<!-- book-check: skeleton-open ",
        &template_stubs_by_part(),
        "a stub in the open templates for",
        &mut problems,
    );
    for summary in skeleton_summary_lines() {
        let shown = chapters()
            .iter()
            .any(|chapter| chapter.text.contains(&format!("lab skeleton: {summary}")));
        if !shown {
            problems.push(format!(
                "getting-started.md: a skeleton summary line is now `lab skeleton: {summary}`"
            ));
        }
    }
    fail_with(problems, "skeleton tables");
}

/// The id mdBook gives a heading.
fn heading_id(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// The heading ids of a chapter.
fn heading_ids(text: &str) -> BTreeSet<String> {
    let mut fence = false;
    let mut ids = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        } else if !fence && line.starts_with('#') {
            let heading = line.trim_start_matches('#').trim().replace('`', "");
            ids.insert(heading_id(&heading));
        }
    }
    ids
}

/// The prose of a chapter, without code blocks or inline code (a span may cross a line
/// break, not a paragraph).
fn prose(text: &str) -> String {
    let mut fence = false;
    let mut inside = false;
    let mut kept = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if line.trim().is_empty() {
            inside = false;
        }
        if !fence {
            for c in line.chars() {
                if c == '`' {
                    inside = !inside;
                } else if !inside {
                    kept.push(c);
                }
            }
        }
        kept.push('\n');
    }
    kept
}

/// Every link between chapters leads somewhere, every include exists, every chapter is in
/// the summary, and no placeholder is left.
#[test]
fn links() {
    let source = workspace_root().join("book/src");
    let chapters = chapters();
    let ids: BTreeMap<PathBuf, BTreeSet<String>> = chapters
        .iter()
        .map(|chapter| (chapter.path.clone(), heading_ids(&chapter.text)))
        .collect();
    let mut problems = Vec::new();
    for chapter in &chapters {
        let name = chapter.path.display();
        if chapter.text.contains("TODO") {
            problems.push(format!("{name}: a TODO is left"));
        }
        let directory = chapter.path.parent().unwrap_or(Path::new(""));
        for piece in prose(&chapter.text).split("](").skip(1) {
            let Some(target) = piece.split(')').next() else {
                continue;
            };
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, fragment) = match target.split_once('#') {
                Some((file, fragment)) => (file, Some(fragment)),
                None => (target, None),
            };
            let path = if file.is_empty() {
                chapter.path.clone()
            } else {
                normalize(&directory.join(file))
            };
            let Some(headings) = ids.get(&path) else {
                problems.push(format!("{name}: link to `{target}`: no such chapter"));
                continue;
            };
            if let Some(fragment) = fragment {
                if !headings.contains(fragment) {
                    problems.push(format!(
                        "{name}: link to `{target}`: no heading `{fragment}` there"
                    ));
                }
            }
        }
        for include in chapter.text.split("{{#include ").skip(1) {
            let spec = include.split("}}").next().unwrap().trim();
            let (file, anchor) = match spec.split_once(':') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (spec, None),
            };
            let path = source.join(directory).join(file);
            match fs::read_to_string(&path) {
                Err(_) => problems.push(format!("{name}: includes `{file}`, which is missing")),
                Ok(text) => {
                    let named =
                        anchor.filter(|a| !a.chars().all(|c| c.is_ascii_digit() || c == ':'));
                    if let Some(anchor) = named {
                        if !text.contains(&format!("ANCHOR: {anchor}")) {
                            problems.push(format!("{name}: `{file}` has no anchor `{anchor}`"));
                        }
                    }
                }
            }
        }
    }
    let summary = fs::read_to_string(source.join("SUMMARY.md")).unwrap();
    for chapter in &chapters {
        let name = chapter.path.display().to_string();
        if name != "SUMMARY.md" && !summary.contains(&format!("]({name})")) {
            problems.push(format!("{name} is not in SUMMARY.md"));
        }
    }
    fail_with(problems, "links");
}

/// `a/../b` to `b`.
fn normalize(path: &Path) -> PathBuf {
    let mut parts: Vec<_> = Vec::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::CurDir => {}
            other => parts.push(other.as_os_str().to_owned()),
        }
    }
    parts.iter().collect()
}

/// Rust blocks are fragments marked `ignore`, or include a complete example.
#[test]
fn rust_blocks_are_fragments_or_examples() {
    let mut problems = Vec::new();
    for code in all_code() {
        let rust = code.kind.split(',').next() == Some("rust");
        if !rust || code.kind.contains("ignore") {
            continue;
        }
        let line = code.text.trim();
        if !line.is_empty() && !line.starts_with("{{#include ../examples/") {
            problems.push(format!(
                "{}: a `rust` block must be `rust,ignore` or include a file of book/examples",
                code.place
            ));
        }
    }
    fail_with(problems, "Rust blocks");
}

/// With `LAB_BOOK_EXAMPLES=1`: each `book/examples/*.rs` compiles against the workspace's
/// crates (rustc, with cargo's build of the crates it uses) and runs to exit 0.
#[test]
fn examples_compile_and_run() {
    if std::env::var("LAB_BOOK_EXAMPLES").as_deref() != Ok("1") {
        eprintln!("LAB_BOOK_EXAMPLES is not 1: the book's examples were not compiled");
        return;
    }
    let root = workspace_root();
    let mut examples = Vec::new();
    collect_files(&root.join("book/examples"), "rs", &mut examples);
    assert!(!examples.is_empty(), "no examples under book/examples");
    let members = members();
    let target = labtool::workspace::target_dir_of(&root);
    let scratch = tempfile::tempdir().unwrap();
    for example in examples {
        let text = fs::read_to_string(&example).unwrap();
        let used: BTreeSet<String> = text
            .lines()
            .filter_map(|line| line.trim().strip_prefix("use "))
            .filter_map(|path| path.split("::").next())
            .map(|name| name.trim_matches(|c| c == '{' || c == ';').to_string())
            .filter(|name| members.contains(name))
            .collect();
        let mut build = Command::new(labtool::workspace::cargo_program());
        build.current_dir(&root).args(["build", "--locked", "-q"]);
        for name in &used {
            build.args(["-p", name]);
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "cargo build of {used:?} failed");
        let binary = scratch.path().join(example.file_stem().unwrap());
        let mut rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
        rustc
            .arg("--edition=2021")
            .arg(&example)
            .arg("-o")
            .arg(&binary)
            .arg("-L")
            .arg(format!(
                "dependency={}",
                target.join("debug/deps").display()
            ));
        for name in &used {
            let rlib = target.join(format!("debug/lib{name}.rlib"));
            rustc
                .arg("--extern")
                .arg(format!("{name}={}", rlib.display()));
        }
        let output = rustc.output().expect("rustc runs");
        assert!(
            output.status.success(),
            "{} does not compile:\n{}",
            example.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let run = Command::new(&binary).output().expect("the example runs");
        assert!(
            run.status.success(),
            "{} failed:\n{}{}",
            example.display(),
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

/// The cells of a Markdown table row: `|`s outside code spans and not escaped, less the two at
/// the ends.
fn cells_of(row: &str) -> usize {
    let mut pipes: usize = 0;
    let mut in_code = false;
    let mut escaped = false;
    for c in row.trim().chars() {
        match c {
            '\\' if !escaped => {
                escaped = true;
                continue;
            }
            '`' if !escaped => in_code = !in_code,
            '|' if !escaped && !in_code => pipes += 1,
            _ => {}
        }
        escaped = false;
    }
    pipes.saturating_sub(1)
}

/// Every row of every table has as many cells as its header: mdBook drops the extra cells
/// and shifts nothing back, so a row with more reads under the wrong headings.
#[test]
fn tables_rows_match_their_headers() {
    assert_eq!(cells_of("| a | `b | c` | d \\| e |"), 3);
    let mut problems = Vec::new();
    for chapter in chapters() {
        let mut header: Option<usize> = None;
        let mut in_fence = false;
        for (at, line) in chapter.text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
            }
            if in_fence || !line.trim_start().starts_with('|') {
                header = None;
                continue;
            }
            let cells = cells_of(line);
            match header {
                None => header = Some(cells),
                Some(expected) if cells != expected => problems.push(format!(
                    "{}:{}: {cells} cells under a header of {expected}",
                    chapter.path.display(),
                    at + 1
                )),
                Some(_) => {}
            }
        }
    }
    fail_with(problems, "table rows");
}
