//! The worker: asks the coordinator for tasks and runs them until the job is done.
//!
//! Each loop iteration is: (1) ask for a task; (2) run it, writing every output file under a
//! temporary name and renaming it into place; (3) report it finished. A worker that cannot
//! reach the coordinator after having reached it once takes the job to be over, as the
//! course's workers do; one that never reached it reports an error.

use std::path::Path;
use std::time::Duration;

use crate::apps::App;
use crate::error::Result;
// lab:hide 1
use crate::error::MrError;
// lab:hide 1
use crate::files::{intermediate_name, output_name, read_input, AtomicFile};
// lab:hide 1
use crate::pairs::{ihash, write_record, Pairs};
// lab:hide 1
use crate::sequential::write_reduced;
// lab:hide 1
use crate::rpc::{CoordinatorClient, Task, TaskFinished, TaskKind, TaskRequest};
// lab:hide 1
use labrpc::socket::SocketClient;

/// How long a worker waits before asking again after `Wait` (every task of the phase is
/// running elsewhere). Short, so an idle worker picks up reduces or reassigned tasks
/// promptly; a request costs the coordinator microseconds.
// lab:given 1
const WAIT_POLL: Duration = Duration::from_millis(50);

/// Runs tasks from the coordinator at `socket` with `app` until the job is done; `mrworker`
/// runs it and exits with its result.
///
/// Connect with `CoordinatorClient::new(SocketClient::new(socket))`, then loop:
///
/// 1. Ask for a task (`request_task`, with this process's id).
/// 2. `Map` runs [`run_map`], `Reduce` runs [`run_reduce`]; `Wait` sleeps `WAIT_POLL` and
///    asks again; `Exit` returns `Ok(())`.
/// 3. Report the finished task (`finish_task`), only after its files are in place.
///
/// Return `Ok(())` also when a call fails after the coordinator answered once: it exits
/// when the job is done, so a worker that lost it has nothing left to do. A call that fails
/// before any answer is `Err(MrError::CoordinatorUnreachable)`; a task that fails (a file
/// that cannot be read or written) is its error.
// lab:solution 1
pub fn run_worker(app: &dyn App, socket: &Path) -> Result<()> {
    let coordinator = CoordinatorClient::new(SocketClient::new(socket));
    let request = TaskRequest {
        worker: std::process::id(),
    };
    let mut reached_coordinator = false;
    loop {
        let task = match coordinator.request_task(&request) {
            Ok(task) => task,
            Err(error) if reached_coordinator => {
                log::info!("coordinator gone ({error}); the job is done");
                return Ok(());
            }
            Err(source) => {
                return Err(MrError::CoordinatorUnreachable {
                    path: socket.to_path_buf(),
                    source,
                })
            }
        };
        reached_coordinator = true;
        let report = match task {
            Task::Map {
                id,
                input,
                n_reduce,
            } => {
                run_map(app, id, &input, n_reduce)?;
                TaskFinished {
                    kind: TaskKind::Map,
                    id,
                }
            }
            Task::Reduce { id, n_map } => {
                run_reduce(app, id, n_map)?;
                TaskFinished {
                    kind: TaskKind::Reduce,
                    id,
                }
            }
            Task::Wait => {
                std::thread::sleep(WAIT_POLL);
                continue;
            }
            Task::Exit => return Ok(()),
        };
        if let Err(error) = coordinator.finish_task(&report) {
            log::info!("could not report {report:?} ({error}); the job is done");
            return Ok(());
        }
    }
}

/// Map task `map_id`: maps `input` and writes `mr-<map_id>-<y>` for every reduce task y.
///
/// Read the input with [`crate::files::read_input`] (as `mrsequential` does),
/// give it to `app.map`, and write each pair `(key, value)` it emits with
/// [`crate::pairs::write_record`] to the file of reduce task
/// `ihash(key) % n_reduce`, named `intermediate_name(map_id, y)`. Write all `n_reduce`
/// files, empty ones too (every reduce reads one file from every map), each through an
/// [`crate::files::AtomicFile`], so a worker killed halfway leaves no partial
/// file and a task run twice writes the same bytes.
// lab:solution 1
pub fn run_map(app: &dyn App, map_id: usize, input: &str, n_reduce: usize) -> Result<()> {
    let contents = read_input(input)?;
    let mut buckets = (0..n_reduce)
        .map(|reduce_id| AtomicFile::create(intermediate_name(map_id, reduce_id)))
        .collect::<Result<Vec<_>>>()?;
    let mut first_error = None;
    app.map(input, &contents, &mut |key, value| {
        if first_error.is_none() {
            let bucket = &mut buckets[ihash(key) as usize % n_reduce];
            if let Err(error) = write_record(bucket.writer(), key, value) {
                first_error = Some(MrError::file(bucket.path())(error));
            }
        }
    });
    if let Some(error) = first_error {
        return Err(error);
    }
    buckets.into_iter().try_for_each(AtomicFile::commit)
}

/// Reduce task `reduce_id`: reads `mr-<x>-<reduce_id>` for every map task x and writes
/// `mr-out-<reduce_id>`.
///
/// Read every map task's file with
/// [`Pairs::read_intermediate`](crate::pairs::Pairs::read_intermediate), then write the
/// output, `output_name(reduce_id)`, with
/// [`crate::sequential::write_reduced`], which sorts, reduces each key and
/// writes atomically: the same lines `mrsequential` writes for these keys.
// lab:solution 1
pub fn run_reduce(app: &dyn App, reduce_id: usize, n_map: usize) -> Result<()> {
    let mut pairs = Pairs::new();
    for map_id in 0..n_map {
        pairs.read_intermediate(&intermediate_name(map_id, reduce_id))?;
    }
    write_reduced(app, &mut pairs, output_name(reduce_id))
}
