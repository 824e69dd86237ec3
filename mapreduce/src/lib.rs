//! mapreduce: the MIT 6.5840 MapReduce lab, as a coordinator and worker processes.
//!
//! # Contract
//!
//! - `mrcoordinator <inputs...>` hands out one map task per input file and then
//!   [`DEFAULT_N_REDUCE`] reduce tasks (`--n-reduce` to change), serving workers over a
//!   Unix socket at [`socket_path`]: `LAB_MR_SOCKET` when set, else `/var/tmp/5840-mr-<uid>`.
//!   A task not reported finished within [`TASK_TIMEOUT`] (10 s) is handed to another
//!   worker, since a crashed worker and a slow one look the same. Reduce tasks start only
//!   when every map task is done. When every task is done, [`Coordinator::done`] is true;
//!   the process waits [`EXIT_GRACE`] so workers hear "exit", removes its socket and exits.
//! - `mrworker <app>` asks for tasks until it is told to exit or, after its first contact,
//!   the coordinator is gone; either means the job is done. It exits with an error if the
//!   coordinator was never reachable or a task could not be done.
//! - Map task X writes `mr-X-Y` for every reduce task Y (the keys whose [`ihash`] modulo
//!   n-reduce is Y); reduce task Y reads every `mr-X-Y` and writes `mr-out-Y`, one
//!   `"key value"` line per key in key order. Every file is written to a temporary file in the
//!   same directory and renamed into place, so nobody ever sees a partial file, and a task
//!   run twice writes the same bytes. Workers run in the coordinator's directory and open the
//!   input paths as the coordinator was given them.
//! - `mrsequential <app> <inputs...>` computes the same output in one process into `mr-out-0`;
//!   the tests compare every job against it.
//! - The apps ([`apps`]) are compiled in and chosen by name; an unknown name is an error that
//!   lists the valid ones. Input is any text files; [`corpus`] generates seeded ones.
//!
//! # Layout
//!
//! - [`rpc`] holds the worker-coordinator service and its messages.
//! - [`socket`] holds the coordinator's socket path.
//! - [`schedule`] holds the task table: which task to hand out next, timeouts, completion.
//! - [`coordinator`] holds the coordinator: the schedule behind a lock, served on a socket.
//! - [`worker`] holds the worker loop and the map and reduce task bodies.
//! - [`sequential`] holds the one-process run behind `mrsequential`, and the reduce
//!   phase's output writer that reduce tasks share with it.
//! - [`pairs`] holds the key/value arena, its sorting and grouping, and the intermediate
//!   file format.
//! - [`files`] holds file names, reading inputs and atomic writes.
//! - [`apps`] holds the apps: wc, indexer, mtiming, rtiming, jobcount, early_exit, crash,
//!   nocrash.
//! - [`corpus`] holds the seeded text generator.
//! - [`cli`] holds what the binaries share.
//! - [`error`] holds `MrError`.

#![warn(missing_docs)]

pub mod apps;
pub mod cli;
pub mod coordinator;
pub mod corpus;
pub mod error;
pub mod files;
pub mod pairs;
pub mod rpc;
pub mod schedule;
pub mod sequential;
pub mod socket;
pub mod worker;

pub use apps::{app_by_name, App, APP_NAMES};
pub use coordinator::{run_coordinator, Coordinator, EXIT_GRACE};
pub use error::{MrError, Result};
pub use pairs::ihash;
pub use schedule::{DEFAULT_N_REDUCE, TASK_TIMEOUT};
pub use sequential::run_sequential;
pub use socket::{socket_path, SOCKET_VAR};
pub use worker::run_worker;
