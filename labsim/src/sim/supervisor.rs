//! The thread that called `Sim::run`: waits for the simulation to end, and is its watchdog.

use std::time::{Duration, Instant};

use super::report;
use super::scheduler::Status;
use super::shared::{Guard, Shared};
use crate::error::SimError;

/// How long, at most, the supervisor sleeps between two looks at the simulation.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How long the threads of an ended simulation get to unwind before the supervisor stops
/// waiting for them (a thread stuck in a busy loop never finishes).
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// A counter the watchdog expects to move, and since when it has not.
struct Watch {
    value: u64,
    since: Instant,
}

impl Watch {
    fn new(value: u64) -> Watch {
        Watch {
            value,
            since: Instant::now(),
        }
    }

    /// How long `value` has stood still, restarting the count when it moved.
    fn still_for(&mut self, value: u64) -> Duration {
        if value != self.value {
            *self = Watch::new(value);
        }
        self.since.elapsed()
    }
}

/// Waits until main returns or the simulation fails; fails it when, for `stall_limit` of
/// real time, no primitive is reached (stall), no thread blocks (livelock), or virtual time
/// does not move (threads that wake each other at one instant forever); then waits (bounded)
/// for the simulation's OS thread to unwind every thread, and joins it.
pub(crate) fn supervise(
    shared: &Shared,
    stall_limit: Duration,
    executor: std::thread::JoinHandle<()>,
) {
    let mut guard = shared.scheduler.lock();
    let mut progress = Watch::new(guard.progress);
    let mut blocks = Watch::new(guard.blocks);
    let mut clock = Watch::new(guard.now.as_nanos() as u64);
    while !guard.aborted {
        shared
            .done
            .wait_for(&mut guard, POLL_INTERVAL.min(stall_limit / 4));
        if guard.aborted {
            break;
        }
        let stalled = progress.still_for(guard.progress);
        let spinning = blocks.still_for(guard.blocks);
        let frozen = clock.still_for(guard.now.as_nanos() as u64);
        if stalled >= stall_limit {
            let error = SimError::Stalled {
                seed: shared.seed,
                at: guard.now,
                thread: running_name(&guard),
                real: stalled,
            };
            shared.fail(&mut guard, error);
        } else if spinning >= stall_limit && stalled < stall_limit / 2 {
            // Primitives are still being reached (else this is a stall, reported above).
            let error = SimError::Livelock {
                seed: shared.seed,
                at: guard.now,
                thread: running_name(&guard),
                real: spinning,
            };
            shared.fail(&mut guard, error);
        } else if frozen >= stall_limit && stalled < stall_limit / 2 && spinning < stall_limit / 2 {
            // Threads block and wake each other, all at one virtual instant.
            let error = SimError::TimeStoodStill {
                seed: shared.seed,
                at: guard.now,
                real: frozen,
                report: report::threads(&guard, None),
            };
            shared.fail(&mut guard, error);
        }
    }
    let deadline = Instant::now() + EXIT_GRACE;
    while !guard.executor_done {
        if shared.done.wait_until(&mut guard, deadline).timed_out() {
            log::warn!(
                target: "labsim",
                "simulation (seed {}): {} thread(s) did not finish ({}); leaving its OS thread",
                shared.seed,
                guard.live_threads,
                unfinished_names(&guard)
            );
            return;
        }
    }
    drop(guard);
    let _ = executor.join();
}

/// The names of the threads that have not finished, for the warning about them.
fn unfinished_names(guard: &Guard<'_>) -> String {
    let names: Vec<&str> = (0..guard.slots.len())
        .filter(|tid| !matches!(guard.slots[*tid].status, Status::Finished))
        .map(|tid| guard.name(tid))
        .collect();
    names.join(", ")
}

fn running_name(guard: &Guard<'_>) -> String {
    match guard.running {
        Some(tid) => guard.name(tid).to_string(),
        None => "(none)".to_string(),
    }
}
