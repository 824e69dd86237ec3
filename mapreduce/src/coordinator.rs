//! The coordinator: the [`Schedule`] behind a lock, served to workers on a Unix socket.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use labrpc::socket::SocketServer;
use labrpc::Server;
use parking_lot::{Condvar, Mutex};

use crate::error::{MrError, Result};
use crate::files::check_readable_file;
use crate::rpc::{Ack, CoordinatorHandler, Task, TaskFinished, TaskRequest};
use crate::schedule::{Schedule, TASK_TIMEOUT};

/// How long the coordinator lingers after the job is done before it removes its socket.
///
/// The course's mrcoordinator sleeps one second here too: workers polling for work get one
/// more chance to hear `Exit` rather than find the socket gone.
pub const EXIT_GRACE: Duration = Duration::from_secs(1);

/// How often `run_coordinator` wakes to check `done()` (the course's once-per-second poll);
/// completion itself wakes it at once.
const DONE_POLL: Duration = Duration::from_secs(1);

/// The coordinator of one job.
pub struct Coordinator {
    /// Every task's state.
    schedule: Mutex<Schedule>,
    /// Notified when the last task finishes.
    finished: Condvar,
}

impl Coordinator {
    /// A coordinator with one map task per input and `n_reduce` reduce tasks.
    pub fn new(inputs: Vec<String>, n_reduce: usize) -> Coordinator {
        Coordinator {
            schedule: Mutex::new(Schedule::new(inputs, n_reduce, TASK_TIMEOUT)),
            finished: Condvar::new(),
        }
    }

    /// Whether the whole job is finished.
    pub fn done(&self) -> bool {
        self.schedule.lock().is_done()
    }

    /// Waits up to `timeout` for the job to finish; returns `done()`.
    pub fn wait_done(&self, timeout: Duration) -> bool {
        let mut schedule = self.schedule.lock();
        if !schedule.is_done() {
            self.finished.wait_for(&mut schedule, timeout);
        }
        schedule.is_done()
    }
}

impl CoordinatorHandler for Coordinator {
    fn request_task(&self, args: TaskRequest) -> Task {
        let task = self.schedule.lock().next_task(Instant::now());
        if !matches!(task, Task::Wait) {
            log::debug!("worker {} gets {task:?}", args.worker);
        }
        task
    }

    fn finish_task(&self, args: TaskFinished) -> Ack {
        let mut schedule = self.schedule.lock();
        if schedule.finish(args.kind, args.id) {
            log::debug!("{:?} task {} finished", args.kind, args.id);
        }
        if schedule.is_done() {
            self.finished.notify_all();
        }
        Ack
    }
}

/// Runs a whole job: checks the inputs, serves workers at `socket` until every task is done,
/// lingers [`EXIT_GRACE`], then removes the socket.
pub fn run_coordinator(inputs: Vec<String>, n_reduce: usize, socket: &Path) -> Result<()> {
    check_inputs(&inputs)?;
    let coordinator = Arc::new(Coordinator::new(inputs, n_reduce));
    let server = Server::new().with_service(Arc::clone(&coordinator).into_service());
    let mut socket_server =
        SocketServer::serve(Arc::new(server), socket).map_err(|source| MrError::Serve {
            path: socket.to_path_buf(),
            source,
        })?;
    log::info!("coordinator serving on {}", socket.display());
    while !coordinator.wait_done(DONE_POLL) {}
    std::thread::sleep(EXIT_GRACE);
    socket_server.shutdown();
    Ok(())
}

/// Fails unless there is at least one input and every input is a readable file, so that a
/// typo is reported at once rather than by a worker later.
fn check_inputs(inputs: &[String]) -> Result<()> {
    if inputs.is_empty() {
        return Err(MrError::NoInputs);
    }
    inputs
        .iter()
        .try_for_each(|input| check_readable_file(input))
}
