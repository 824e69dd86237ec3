//! The `lab` command: tools for working on the labs.
//!
//! - `lab stress <crate> <filter> [--runs N] [--jobs J] [--timeout SECS] [--release]` builds the
//!   crate's tests once and runs every matching test N times, J at a time, each run alone in
//!   its own process with a fresh `LAB_SEED` and `RUST_LOG=debug`. A run that fails or outlives
//!   its timeout counts as failed; its log is kept as `<target>/stress/<crate>/<test>-seed-<seed>.log`
//!   and the command that replays it is printed. Ctrl-C kills the running tests and still
//!   prints the summary (runs, failures, mean and spread of duration per test). Graded tests
//!   run by stress append their result lines to `<target>/stress/lab-results.jsonl`, not to
//!   the results file `make grade` shows.
//! - `lab logs [FILE|-]` lays out the labs' log lines (`<ms> <LEVEL> <target> <message>`) one
//!   column per server, coloured by topic, with tester events across all columns. Lines in no
//!   known shape are kept and marked `?`; an input with no log line at all is an error.
//! - `lab results [FILE]` shows the results file per lab and part, each test's latest run
//!   beside the MIT staff figures (compiled in) with ratios and totals. Malformed lines are
//!   reported by number and skipped; a file with no readable line is an error.
//!
//! Every failure is an [`Error`] with a message naming the bad input; the binary prints it and
//! exits with status 2. Bad input never panics.
//!
//! # Layout
//!
//! - [`cli`]: the clap command line.
//! - [`error`]: the error enum.
//! - [`color`]: `--color` and ANSI styles.
//! - [`table`]: aligned text tables.
//! - [`workspace`]: the workspace's crates, root and target directory.
//! - [`stress`]: build, discover, plan, run in a pool, progress, summary.
//! - [`logs`]: parse log lines, filter by topic, lay out in columns.
//! - [`results`]: read the results file, the staff figures, the table.

#![warn(missing_docs)]

pub mod cli;
pub mod color;
pub mod error;
pub mod logs;
pub mod results;
pub mod stress;
pub mod table;
pub mod workspace;

pub use error::{Error, Result};
