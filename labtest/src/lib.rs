//! labtest: what the lab testers share (dev-only; no lab's `src/` depends on it).
//!
//! # Contract
//!
//! - [`Run::begin`] prints the MIT-style banner (`Test (3A): initial election ... seed 12345`)
//!   and starts a watchdog for the course's per-test limit, [`TEST_TIME_LIMIT`] (120 s): a test
//!   still running then is failed with "test took longer than 120 seconds" and the process
//!   exits, so a hung test cannot hang the suite. [`Run::begin_with_limit`] sets another limit
//!   for a suite whose course bound is not per test (MapReduce's is per process).
//! - **Simulation.** Clock, watchdog and logging are labsim's. Begun inside a labsim
//!   simulation, a run's banner says `simulated, seed <seed>` with the simulation's seed
//!   (the one that replays it); the limit, the elapsed seconds and the watchdog are virtual
//!   time, and a watchdog that fires panics, which ends the simulation with its replay
//!   command, instead of exiting the process.
//! - [`Run::pass`] checks the limit, prints the MIT result line
//!   (`  ... Passed --   3.1  3    58  16840    0`: seconds, peers, RPCs, bytes, commits or ops)
//!   and appends one JSON line to the results file. A run that ends without `pass` (the test
//!   panicked) appends its line with `"passed": false` when it is dropped.
//! - The results file is `LAB_RESULTS` if set, else `<target>/lab-results.jsonl`, where
//!   `<target>` is `CARGO_TARGET_DIR` if set, else `<workspace>/target`; relative paths are
//!   taken from the workspace root. Directories are created; each line is appended in one
//!   write on a file opened for appending, so parallel tests never interleave their lines.
//! - [`init_logging`] installs `env_logger` once per process, silent unless `RUST_LOG` is set,
//!   with lines `<ms since start, 6 digits> <LEVEL> <target> <message>`, for example
//!   `001234 DEBUG raft S2 T7 election: won with 2 votes`. The `lab logs` viewer parses this.
//!   A line logged inside a simulation carries the simulation's virtual milliseconds, so a
//!   replay logs the same bytes.
//! - [`thread_count`] is the process's thread count from `/proc/self/status` (Linux).
//! - **Real-only tests.** `real_only.json` (this crate's root) lists the graded tests that
//!   cannot run in simulation, each with its reason. Such a test starts with
//!   `if labtest::left_out_of_simulation("<name>") { return; }`: under `LAB_SIM=1` it returns
//!   at once, saying on the terminal that it was left out and how to run it; `lab sweep` and
//!   `lab stress --sim` read the same list and leave it out.
//!
//! # Layout
//!
//! - [`run`] — `Run`, `TestInfo`, `Counts`: banner, result line, time limit.
//! - [`results`] — the JSON results line and the results file.
//! - [`logging`] — `init_logging` and the line format.
//! - [`threads`] — `thread_count`.
//! - [`real_only`] — the tests that run in real time only, and `left_out_of_simulation`.
//! - [`cluster`] — `Cluster`: a lab's servers on the labrpc network; links, partitions,
//!   crash and restart, clerks' ends.
//! - [`stages`] — `Stages`: a test's graded (sub-)tests, their banners and result lines.
//! - [`history`] — `History`: the clients' operations and their linearizability check.
//! - [`sizes`] — the course's checks on persisted sizes.
//! - [`replay`] — the exact-replay test every lab on labsim runs.

#![warn(missing_docs)]

pub mod cluster;
pub mod history;
pub mod logging;
pub mod real_only;
pub mod replay;
pub mod results;
pub mod run;
pub mod sizes;
pub mod stages;
pub mod threads;

pub use cluster::{Cluster, EndSet, Incarnation};
pub use history::{History, LINEARIZABILITY_TIMEOUT};
pub use logging::init_logging;
pub use real_only::{left_out_of_simulation, real_only_tests, RealOnlyTest};
pub use results::{results_path, ResultLine};
pub use run::{Counts, Run, TestInfo, TEST_TIME_LIMIT};
pub use sizes::Persisted;
pub use stages::Stages;
pub use threads::thread_count;
