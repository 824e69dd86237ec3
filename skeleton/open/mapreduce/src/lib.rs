//! mapreduce: a MapReduce job as separate processes (lab 1). You write the coordinator, the
//! worker and what they say to each other.
//!
//! # What to build
//!
//! `mrcoordinator` calls [`run_coordinator`] and `mrworker` calls [`run_worker`]; both are
//! yours. One coordinator process hands out tasks; any number of worker processes, started
//! in the same directory, ask it for tasks over a Unix socket, run the app's map or reduce
//! on them, and report back. Workers die and stall; the job still ends with exactly the
//! output `mrsequential` writes.
//!
//! # What the tests rely on
//!
//! They start the real binaries as processes, each test in its own directory with its own
//! socket, kill some workers, and compare `sort mr-out* | grep .` with `mrsequential`'s.
//!
//! - `mrcoordinator <inputs...>` makes one map task per input file and `--n-reduce`
//!   ([`DEFAULT_N_REDUCE`], 10) reduce tasks, and serves workers at [`socket_path`]
//!   (`LAB_MR_SOCKET`, else `/var/tmp/5840-mr-<uid>`). The tests wait for the socket to
//!   accept connections before they start workers.
//! - Map task X reads its input with [`files::read_input`], runs the app's map, and writes
//!   `mr-X-Y` for every reduce task Y, holding the pairs whose key goes to Y:
//!   [`ihash`]`(key) % n_reduce`. Reduce task Y reads every `mr-X-Y` and writes `mr-out-Y`,
//!   one `key value` line per key, keys in order ([`sequential::write_reduced`] writes
//!   exactly that from the pairs, as `mrsequential` does).
//! - No reduce task starts before every map task is done.
//! - Workers run tasks in parallel: two workers must both get map tasks, and reduce tasks
//!   must overlap.
//! - A task not reported done within [`TASK_TIMEOUT`] (10 s) is handed to another worker: a
//!   crashed worker and a slow one look the same. Never earlier: a test counts how often
//!   each map task ran and expects once per input when no worker dies.
//! - Nobody ever sees a partly written file: write each file under a temporary name in the
//!   same directory and rename it into place ([`files::AtomicFile`] does). The temporary
//!   name must not start with `mr-out`: the tests read every `mr-out*` file, and
//!   `worker_kill_test` kills workers in the middle of writing and checks each `mr-out*`
//!   file it sees right then against the same file at the end.
//! - When every task is done, the coordinator removes its socket and exits (the course's
//!   coordinator waits a second first, so that workers asking for work hear that they may
//!   exit). A worker exits when told
//!   the job is done, or when the coordinator it reached before is gone; no process exits
//!   before the output is complete (a test compares the output when the first process exits
//!   with the final one). Every process is killed after 45 s (120 s in the crash tests).
//!
//! # What is given
//!
//! The binaries' mains (`src/bin`), the apps ([`apps`]: wc, indexer, mtiming, rtiming,
//! jobcount, early_exit, crash, nocrash, chosen by name), the sequential run
//! ([`sequential`]), reading inputs and atomic files ([`files`]), the intermediate file
//! format and pair sorting ([`pairs`]), the socket path ([`socket`]), the error type
//! ([`MrError`]) and a seeded text generator ([`corpus`]).
//!
//! RPC: declare your service with [`labrpc::service!`] in [`rpc`]; serve it with
//! `labrpc::socket::SocketServer::serve(server, socket)` and call it through
//! `labrpc::socket::SocketClient::new(socket)`, as the other labs do on the simulated
//! network. What the messages hold, how the coordinator tracks tasks and times them out,
//! and how workers loop are yours to design.
//!
//! Unlike the other labs, this one is not simulated: real processes, real time, real
//! threads, so std's threads, clocks and locks (and parking_lot's) are fine here
//! (`mapreduce/Cargo.toml` exempts the crate from the workspace's labsim-only lints).

#![warn(missing_docs)]

pub mod apps;
pub mod cli;
pub mod coordinator;
pub mod corpus;
pub mod error;
pub mod files;
pub mod pairs;
pub mod rpc;
pub mod sequential;
pub mod socket;
pub mod worker;

pub use apps::{app_by_name, App, APP_NAMES};
pub use coordinator::{run_coordinator, DEFAULT_N_REDUCE, TASK_TIMEOUT};
pub use error::{MrError, Result};
pub use pairs::ihash;
pub use sequential::run_sequential;
pub use socket::{socket_path, SOCKET_VAR};
pub use worker::run_worker;
