//! A linearizability checker in the style of porcupine, for the labs' key/value testers and
//! for Jepsen-style logs.
//!
//! # Contract
//!
//! - A caller records a **history**: either whole [`Operation`]s (client, input, call time,
//!   output, return time) or a list of call/return [`Event`]s, and picks a [`Model`], the
//!   sequential specification ([`models::KvModel`], [`models::RegisterModel`], or its own).
//! - [`check_operations`] / [`check_events`] (or a configured [`Checker`]) answer with a
//!   [`CheckResult`] whose [`Verdict`] is `Linearizable`, `Illegal` or `Unknown`.
//!   - `Linearizable` and `Illegal` are exact: the search is exhaustive.
//!   - `Unknown` means the timeout, the step limit or the memory bound stopped the search
//!     first. A check returns within the timeout plus a few milliseconds, whatever the
//!     history.
//!   - With a step limit ([`Checker::step_limit`]) and no timeout, the check is a function
//!     of the history alone (it runs on one thread): the same history gets the same verdict,
//!     prefixes and picture on any machine under any load. A simulated tester uses that.
//! - Intervals are **closed**: operations whose intervals touch are concurrent.
//! - An operation whose outcome is unknown has `output: None` (and `ret: None` if it never
//!   returned, which places its return after everything else). Models accept any output for it.
//! - The result carries, per partition, the longest linearizable prefix found and the operation
//!   that blocked it; [`visualize::write_html`] turns that into one self-contained HTML page.
//!
//! # How a tester uses it
//!
//! ```
//! use linearizability::models::{KvInput, KvModel, KvOutput};
//! use linearizability::{check_operations, visualize, Operation, Verdict};
//! use std::time::Duration;
//!
//! // Times are nanoseconds since the test started (u64, i64 or Duration all work).
//! let history = vec![
//!     Operation::new(0, KvInput::put("k", "a"), 0u64, KvOutput::default(), 10u64),
//!     Operation::new(1, KvInput::get("k"), 20u64, KvOutput::new("b"), 30u64), // stale!
//!     Operation::unknown(2, KvInput::append("k", "c"), 25u64), // this client gave up
//! ];
//! let result = check_operations(&KvModel, &history, Some(Duration::from_secs(1)));
//! match result.verdict {
//!     Verdict::Linearizable => {}
//!     Verdict::Unknown => println!("linearizability check timed out, assuming history is ok"),
//!     Verdict::Illegal => {
//!         let path = std::env::temp_dir().join("kv-history.html");
//!         visualize::write_html(&KvModel, &history, &result, &path).unwrap();
//!         println!("history is not linearizable; see {}", path.display());
//!     }
//! }
//! assert_eq!(result.verdict, Verdict::Illegal);
//! ```
//!
//! # How the search works
//!
//! The model may split the history into independent partitions (P-compositionality, Horn &
//! Kroening); the key/value model splits by key. Each partition is cut further at quiescent
//! points, where no operation is pending, into segments that are searched in order, each from
//! the states the one before it can end in. Each segment is searched with Wing & Gong's
//! algorithm and Lowe's memoization over (set of linearized operations, state), on a doubly
//! linked list of call and return entries. A memo entry names its set by the frontier of that
//! list (the operations pending at the first remaining return), so it costs the history's
//! concurrency, not its length, and a segment's memo is freed when the segment is done: a
//! long history needs the memory of its hardest stretch. Searches run in time slices on one
//! thread per core, so every partition makes progress from the start; the first Illegal
//! partition stops the others, and the deadline and the step limit are checked inside the
//! loop.
//!
//! Models may help the search with three exact reductions: take a legal read at once
//! ([`Model::is_read_only`]), abandon a state a pending read can no longer follow
//! ([`Model::can_follow`]), and keep one state for values nothing in the history can tell
//! apart ([`Model::summarize`], [`Model::forget`]).
//!
//! Verdicts stay exact: memo entries are compared in full (frontier and state), never by a
//! hash alone, so no collision can prune a configuration that was not explored.
//!
//! # Layout
//!
//! - [`history`]: `Operation`, `Event`, timestamps.
//! - [`model`]: the `Model` trait and key-based partition helpers.
//! - [`models`]: key/value (by key, and as one map) and compare-and-swap register models.
//! - `check`: `Checker`, `check_operations`, `check_events`, `Verdict`, `CheckResult`.
//! - `view`, `entries`, `set_hash`, `memo`, `segment`, `search`, `schedule`: the search and
//!   its scheduler.
//! - [`visualize`]: the HTML picture of a failed check.
//! - [`formats`]: JSON, porcupine kv and Jepsen etcd history files (used by `lincheck`).
//! - [`generate`]: generated key/value histories for benchmarks and tests.
//! - [`error`]: the crate's error type.
#![warn(missing_docs)]

mod check;
mod entries;
pub mod error;
pub mod formats;
pub mod generate;
mod hashing;
pub mod history;
mod memo;
pub mod model;
pub mod models;
mod schedule;
mod search;
mod segment;
mod set_hash;
mod view;
pub mod visualize;

pub use check::{
    check_events, check_operations, CheckResult, Checker, Inconclusive, PartitionInfo,
    PartitionStatus, Verdict, DEFAULT_MEMORY_LIMIT,
};
pub use error::{Error, Result};
pub use history::{Event, IntoTime, Operation, Time};
pub use model::Model;
