//! The coordinator: hands out map and reduce tasks to workers until the job is done.

use std::path::Path;
use std::time::Duration;

use crate::error::Result;

/// How many reduce tasks a job has unless `--n-reduce` says otherwise (the course's
/// `nReduce`).
pub const DEFAULT_N_REDUCE: usize = 10;

/// How long a task may run before it is handed to another worker: the coordinator cannot
/// tell a crashed worker from a slow one.
pub const TASK_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs one job's coordinator: one map task per input in `inputs` (paths as given, which
/// workers open from the same directory) and `n_reduce` reduce tasks, serving workers at
/// `socket` until every task is done; then removes the socket and returns.
///
/// Fail at once (`MrError::NoInputs`, `MrError::File`) when there are no inputs or one is
/// not a readable file ([`files::check_readable_file`](crate::files::check_readable_file)),
/// and with `MrError::Serve` when the socket cannot be served.
pub fn run_coordinator(inputs: Vec<String>, n_reduce: usize, socket: &Path) -> Result<()> {
    let _ = (&inputs, &n_reduce, &socket);
    todo!("1: run_coordinator")
}
