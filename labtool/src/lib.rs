//! The `lab` command: tools for working on the labs.
//!
//! - `lab stress <crate> <filter>... [--runs N] [--jobs J] [--timeout SECS] [--release] [--sim]`
//!   builds the crate's tests once and runs every test the filters pick N times, J at a time,
//!   each run alone in its own process with a fresh `LAB_SEED` and `RUST_LOG=debug`. A filter
//!   is a part (`3a`; `3` is every part of lab 3), which picks that part's graded tests, or a
//!   piece of a test's name, as for `cargo test`; parts and pieces together pick the tests in
//!   one of the parts whose names contain one of the pieces ([`select`]). A run that fails or
//!   outlives its timeout counts as failed; its log is kept as
//!   `<target>/stress/<crate>/<module>.<test>-seed-<seed>.log` (written while the run goes,
//!   deleted if it passes) and the command that replays it is printed. Ctrl-C kills the
//!   running tests and still prints the summary (runs, failures, mean and spread of duration
//!   per test). Graded tests run by stress append their result lines to
//!   `<target>/stress/lab-results.jsonl`, not to the results file `make grade` shows. With
//!   `--sim` every run is a deterministic simulation (`LAB_SIM=1`) under the scheduler
//!   `LAB_SCHED` names ([`scheduler`]), so the printed command replays a failure exactly,
//!   schedule and log; the tests that run in real time only ([`real_only`]) are left out and
//!   listed.
//! - `lab sweep [CRATE|PART|TEST]... [--budget SECS] [--jobs J] [--timeout SECS] [--seed S]
//!   [--release]` builds the crates' tests once (the crates named; else those of the parts
//!   named; else kvsrv, raft, kvraft, shardkv, those present) and runs the graded tests the
//!   filters pick (integration tests whose names end in a part: `_2`, `_3a`, `_5b`) in
//!   simulation (`LAB_SIM=1`), leaving out the real-time-only ones, in turns across all tests
//!   of all crates, each run with a fresh `LAB_SEED` drawn from one printed sweep seed
//!   (`--seed` repeats a sweep), each test's runs alternating the random and the PCT scheduler
//!   (`LAB_SCHED`). Every test runs at least once; after that no run starts once the budget
//!   (600 s by default, building not counted) is spent. The report is a table per test (crate,
//!   runs, failures, wall seconds), every failed run under its test (seed, scheduler, one-line
//!   reason, log kept under `<target>/sweep`, and the command that replays it exactly), the
//!   runs per scheduler, the tests left out, then `N runs of M tests in S s, F failures`.
//!   Exit status 1 on any failure; Ctrl-C prints the report so far.
//! - `lab logs [FILE|-]` lays out the labs' log lines (`<ms> <LEVEL> <target> <message>`) one
//!   column per server, coloured by topic, with tester events across all columns. Lines in no
//!   known shape are kept and marked `?`; an input with no log line at all is an error.
//! - `lab results [FILE]` shows the results file per lab and part, each test's latest run
//!   beside the MIT staff figures (compiled in) with ratios and totals. Malformed lines are
//!   reported by number and skipped; a file with no readable line is an error.
//! - `lab skeleton OUT_DIR [--from WORKSPACE]` writes the student version of the workspace
//!   (the one around the current directory by default) into a new or empty `OUT_DIR`: the
//!   files git tracks or would track are copied (so `target/` stays behind and `Cargo.lock`
//!   comes along), and in the lab crates (raft, kvraft, shardkv, mapreduce) every function
//!   marked as a solution keeps its signature but gets a stub body that panics with the part
//!   and the function's name, `not yet implemented: 3A: tick`. The marker is a line comment
//!   alone on the line directly above the function (doc comments and attributes may sit
//!   between): `// lab:solution <PART>`, PART one of 1 (MapReduce), 3A-3D, 4A, 4B, 5A, 5B.
//!   The marker line itself is dropped. A marker that is malformed, names an unknown part,
//!   shares its line with code, or is not above a function with a body (a `const fn` or one
//!   returning `impl Trait` cannot be stubbed either) is an error naming `path:line`, and then
//!   nothing is written.
//!
//! Every failure is an [`Error`] with a message naming the bad input; the binary prints it and
//! exits with status 2. Bad input never panics, and neither does a closed pipe ([`output`]).
//!
//! # Layout
//!
//! - [`cli`]: the clap command line.
//! - [`error`]: the error enum.
//! - [`color`]: `--color` and ANSI styles.
//! - [`table`]: aligned text tables.
//! - [`workspace`]: the workspace's crates, root and target directory.
//! - [`output`]: stdout and stderr without a panic on a closed pipe.
//! - [`select`]: the filters of stress and sweep: parts and pieces of test names.
//! - [`scheduler`]: `LAB_SCHED`, the simulation's scheduler.
//! - [`real_only`]: the tests a simulation leaves out (`labtest/real_only.json`).
//! - [`stress`]: build, discover, plan, run in a pool, progress, tally, summary.
//! - [`sweep`]: the graded sweep on stress's machinery: plan under a budget, grade report.
//! - [`logs`]: parse log lines, filter by topic, lay out in columns.
//! - [`results`]: read the results file, the staff figures, the table.
//! - [`skeleton`]: list the files, lex Rust, apply the solution markers, copy.

#![warn(missing_docs)]

pub mod cli;
pub mod color;
pub mod error;
pub mod logs;
pub mod output;
pub mod real_only;
pub mod results;
pub mod scheduler;
pub mod select;
pub mod skeleton;
pub mod stress;
pub mod sweep;
pub mod table;
pub mod workspace;

pub use error::{Error, Result};
