//! The worker: asks the coordinator for tasks and runs them until the job is done.

use std::path::Path;

use crate::apps::App;
use crate::error::Result;

/// Runs tasks from the coordinator at `socket` with `app` until the job is done, in the
/// current directory (the coordinator's).
///
/// `Ok(())` when the coordinator says the job is done, or when it cannot be reached any
/// more after it answered once (it exits when the job is done).
/// `Err(MrError::CoordinatorUnreachable)` when it never answered; a task that fails (a file
/// that cannot be read or written) is an error too. `mrworker` exits with the result.
pub fn run_worker(app: &dyn App, socket: &Path) -> Result<()> {
    let _ = (&app, &socket);
    todo!("1: run_worker")
}
