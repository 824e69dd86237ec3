//! The one error type of the `lab` command: every way a subcommand can fail on bad input or a
//! broken environment, each carrying what the user needs to fix it.

use std::path::PathBuf;

/// Everything that can stop a `lab` subcommand. Each message names the input at fault and,
/// where there is a short list of valid choices, lists them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A program (cargo or a test binary) could not be started at all.
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        /// The program as typed, e.g. `cargo`.
        program: String,
        /// Why the operating system refused.
        source: std::io::Error,
    },

    /// A cargo command ran but failed; its own message is kept.
    #[error("`{command}` failed:\n{stderr}")]
    CargoFailed {
        /// The command line, for the user to rerun.
        command: String,
        /// What cargo printed on stderr.
        stderr: String,
    },

    /// A cargo command printed something this tool could not understand.
    #[error("unexpected output from `{command}`: {detail}")]
    CargoOutput {
        /// The command line.
        command: String,
        /// What was wrong with it.
        detail: String,
    },

    /// The crate named on the command line is not a member of the workspace.
    #[error("unknown crate `{name}`; the workspace has: {}", valid.join(", "))]
    UnknownCrate {
        /// The name given.
        name: String,
        /// The workspace's member crates.
        valid: Vec<String>,
    },

    /// Compiling the crate's tests failed; cargo's diagnostics were printed above.
    #[error("building the tests of `{krate}` failed (compiler messages above)")]
    BuildFailed {
        /// The crate whose tests did not build.
        krate: String,
    },

    /// A test binary's `--list` did not work.
    #[error("cannot list the tests of {binary}: {detail}")]
    ListTests {
        /// The test binary.
        binary: PathBuf,
        /// What went wrong.
        detail: String,
    },

    /// No test of the crate is picked by the filters.
    #[error(
        "no test of `{krate}` matches {filter} ({listed} tests in {binaries} test binaries); \
         a filter is a part (2, 3a ... 5b) or a piece of a test's name, as for cargo test"
    )]
    NoMatchingTests {
        /// The crate searched.
        krate: String,
        /// The filters given, as text (`part 4A and `partition``).
        filter: String,
        /// How many tests the crate has, so a typo is easy to tell from an empty crate.
        listed: usize,
        /// How many test binaries were listed.
        binaries: usize,
    },

    /// `lab sweep` was pointed at a crate that has no graded test.
    #[error(
        "`{krate}` has no graded tests to sweep ({listed} tests in {binaries} integration-test \
         binaries, none named with a part such as `_2` or `_3a`); sweep a lab crate instead: \
         kvsrv, raft, kvraft or shardkv"
    )]
    NoGradedTests {
        /// The crate searched.
        krate: String,
        /// How many tests its integration-test binaries list.
        listed: usize,
        /// How many integration-test binaries it has.
        binaries: usize,
    },

    /// `lab sweep` was given no crate and none of the lab crates is in the workspace.
    #[error("no lab crate to sweep: the workspace has none of {}; name the crates to sweep", labs.join(", "))]
    NothingToSweep {
        /// The crates a sweep looks for by default.
        labs: Vec<String>,
    },

    /// `lab sweep`'s filters pick no graded test of the crates swept.
    #[error(
        "no graded test of {} is {filter}; their parts: {}. What to sweep is given as a crate \
         ({}), a part (lab sweep raft 3a) or a piece of a test's name (lab sweep raft figure8)",
        crates.join(", "),
        parts.join(", "),
        workspace.join(", ")
    )]
    NothingMatches {
        /// The filters, as text.
        filter: String,
        /// The crates swept.
        crates: Vec<String>,
        /// The parts their graded tests have.
        parts: Vec<String>,
        /// The workspace's crates, in case a filter was meant as one.
        workspace: Vec<String>,
    },

    /// A part was given whose lab is not in the workspace.
    #[error("no lab crate here has part {part}; the labs are {labs}")]
    UnknownPart {
        /// The part given.
        part: String,
        /// The labs and their parts, `kvsrv (2), raft (3A-3D), ...`.
        labs: String,
    },

    /// Every test picked runs in real time only, and the run was to be simulated.
    #[error(
        "every test picked runs in real time only, so a simulation leaves it out:\n  {}\n\
         run it without --sim (lab stress), or with cargo test as shown",
        tests.join("\n  ")
    )]
    OnlyRealOnly {
        /// One line per test: crate, name, reason and command.
        tests: Vec<String>,
    },

    /// The list of real-only tests is not the JSON it should be.
    #[error("{path}: cannot read the list of real-only tests: {detail} (see labtest/src/real_only.rs for its shape)")]
    RealOnlyList {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },

    /// `LAB_SCHED` holds something that is not a scheduler.
    #[error(
        "LAB_SCHED={value} is not a scheduler; give random, pct, pct:<depth> or pct:<depth>:<steps> (e.g. pct:2), \
         or unset it for the random one"
    )]
    BadScheduler {
        /// The value found.
        value: String,
    },

    /// Standard output was closed by its reader (`lab results | head`): not a failure, `lab`
    /// stops writing and ends quietly.
    #[error("standard output was closed")]
    OutputClosed,

    /// Writing to standard output failed for another reason.
    #[error("cannot write to standard output: {0}")]
    Stdout(std::io::Error),

    /// `lab sweep --budget 0`.
    #[error(
        "a sweep needs a budget of at least 1 second (it was given 0); \
         try --budget 600, the default, or --budget 60 for a quick look"
    )]
    ZeroBudget,

    /// A file (or standard input) could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file, `-` for standard input.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// A file or directory could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// No line of a log input is in the labs' log format.
    #[error(
        "{path}: none of its {lines} lines is a lab log line \
         (`<ms> <LEVEL> <target> <message>`, e.g. `001234 DEBUG raft S2 T7 election: won`)"
    )]
    NoLogLines {
        /// The file, `-` for standard input.
        path: PathBuf,
        /// How many lines it had.
        lines: usize,
    },

    /// A `--just` or `--ignore` filter names a topic that does not exist.
    #[error("unknown topic `{name}`; topics are: {}", valid.join(", "))]
    UnknownTopic {
        /// The name given.
        name: String,
        /// The known topics.
        valid: Vec<String>,
    },

    /// The results file has no readable line at all.
    #[error("{path}: no readable result line ({malformed} malformed, see above)")]
    NoResults {
        /// The results file.
        path: PathBuf,
        /// How many lines were malformed.
        malformed: usize,
    },

    /// No `Cargo.toml` with a `[workspace]` section above the current directory.
    #[error("no cargo workspace found at or above {from}")]
    NoWorkspace {
        /// Where the search started.
        from: PathBuf,
    },

    /// `lab skeleton`'s output directory exists and is not an empty directory.
    #[error("{path} already exists and is not an empty directory; give a new or empty directory")]
    OutDirNotEmpty {
        /// The directory given.
        path: PathBuf,
    },

    /// `lab skeleton`'s output directory cannot be created because its parent is missing.
    #[error("cannot create {path}: its parent {parent} does not exist")]
    OutDirParentMissing {
        /// The directory given.
        path: PathBuf,
        /// Its missing parent.
        parent: PathBuf,
    },

    /// `git ls-files` failed, e.g. outside a git checkout.
    #[error(
        "cannot list the files of {root} with `git ls-files` (the skeleton copies the files \
         git tracks or would track): {detail}"
    )]
    Git {
        /// The workspace root.
        root: PathBuf,
        /// What git said.
        detail: String,
    },

    /// Solution markers that cannot be applied; nothing was written.
    #[error(
        "{} solution marker(s) cannot be applied, nothing was written:\n  {}",
        problems.len(),
        problems.join("\n  ")
    )]
    Markers {
        /// One `path:line: why` per problem.
        problems: Vec<String>,
    },

    /// The open tier's templates cannot be applied; nothing was written.
    #[error(
        "the open tier cannot be written ({} problem(s)), nothing was written:\n  {}",
        problems.len(),
        problems.join("\n  ")
    )]
    OpenTier {
        /// One problem per line, with its file.
        problems: Vec<String>,
    },

    /// The Ctrl-C handler could not be installed.
    #[error("cannot handle Ctrl-C: {0}")]
    CtrlC(#[from] ctrlc::Error),
}

/// The result of every fallible `lab` operation.
pub type Result<T> = std::result::Result<T, Error>;
