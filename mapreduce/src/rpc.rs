//! The worker-coordinator service: workers ask for tasks and report them finished.

use serde::{Deserialize, Serialize};

/// A worker asking for work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRequest {
    /// The worker's process id, for the coordinator's log.
    pub worker: u32,
}

/// What the coordinator tells a worker to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    /// Run map task `id` over `input`, writing `mr-<id>-<y>` for y in 0..n_reduce.
    Map {
        /// The map task number (the X of `mr-X-Y`).
        id: usize,
        /// The input file, as given to the coordinator.
        input: String,
        /// How many reduce tasks (intermediate files) there are.
        n_reduce: usize,
    },
    /// Run reduce task `id` over `mr-<x>-<id>` for x in 0..n_map, writing `mr-out-<id>`.
    Reduce {
        /// The reduce task number (the Y of `mr-X-Y`).
        id: usize,
        /// How many map tasks there were.
        n_map: usize,
    },
    /// Nothing to do now (the other tasks of this phase are running); ask again soon.
    Wait,
    /// The job is done; exit.
    Exit,
}

/// Which phase a finished task belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskKind {
    /// A map task.
    Map,
    /// A reduce task.
    Reduce,
}

/// A worker reporting that a task's output files are in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFinished {
    /// The phase.
    pub kind: TaskKind,
    /// The task number.
    pub id: usize,
}

/// The coordinator's answer to a report; carries nothing but makes the call synchronous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack;

labrpc::service! {
    /// The coordinator, as workers see it.
    service Coordinator {
        handler CoordinatorHandler;
        client CoordinatorClient;
        /// Hands out the next task, `Wait` or `Exit`.
        fn request_task(TaskRequest) -> Task;
        /// Records that a task's output is in place.
        fn finish_task(TaskFinished) -> Ack;
    }
}
