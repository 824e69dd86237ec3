//! The task table: plain state, no threads and no clock of its own.
//!
//! Every decision takes `now` as an argument, so the tests below drive timeouts without
//! sleeping. Maps first: no reduce task is handed out until every map task is done, because a
//! reduce needs every map's intermediate file.

use std::time::{Duration, Instant};

use crate::rpc::{Task, TaskKind};

/// How many reduce tasks a job has unless told otherwise (the course's `nReduce`).
pub const DEFAULT_N_REDUCE: usize = 10;

/// How long a task may run before it is handed to another worker.
///
/// The lab's rule: the coordinator cannot tell a crashed worker from a slow one, so after
/// 10 s it assumes the worker died. Longer than any honest task in the tests (jobcount sleeps
/// at most 5 s) so that no task runs twice without need, which the job-count test checks.
pub const TASK_TIMEOUT: Duration = Duration::from_secs(10);

/// Where one task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Not handed out, or handed out and given up on.
    Idle,
    /// Handed out at `since`.
    // lab:given 1
    Running {
        /// When the current attempt started.
        since: Instant,
    },
    /// Its output files are in place.
    // lab:given 1
    Done,
}

/// Every task of one job.
#[derive(Debug)]
pub struct Schedule {
    /// Input files, one per map task.
    // lab:given 1
    inputs: Vec<String>,
    /// Map task slots, indexed by map id.
    // lab:given 1
    maps: Vec<Slot>,
    /// Reduce task slots, indexed by reduce id.
    // lab:given 1
    reduces: Vec<Slot>,
    /// How long an attempt may run before the task is handed out again.
    // lab:given 1
    task_timeout: Duration,
}

impl Schedule {
    /// A schedule with one map task per input and `n_reduce` reduce tasks.
    pub fn new(inputs: Vec<String>, n_reduce: usize, task_timeout: Duration) -> Schedule {
        Schedule {
            maps: vec![Slot::Idle; inputs.len()],
            reduces: vec![Slot::Idle; n_reduce],
            inputs,
            task_timeout,
        }
    }

    /// The next task to run: an idle or timed-out map, else (once all maps are done) an idle
    /// or timed-out reduce, else `Wait` while tasks run, else `Exit`.
    ///
    /// The coordinator calls it for every worker's request, under its lock, with the time
    /// of the request, so it must not block. A task handed out is `Running` since `now`; it
    /// is handed out again only once `now` is at least `task_timeout` past that (the
    /// worker is taken for dead), never earlier: `job_count_test` counts map runs. `Map`
    /// carries the task's input and the number of reduce tasks, `Reduce` the number of map
    /// tasks. No reduce before every map is `Done`: a reduce reads every map's output. Within
    /// a phase, hand out the lowest-numbered task that is due (the unit tests below expect
    /// map 0 before map 1).
    // lab:solution 1
    pub fn next_task(&mut self, now: Instant) -> Task {
        if !all_done(&self.maps) {
            return match claim(&mut self.maps, now, self.task_timeout) {
                Some(id) => Task::Map {
                    id,
                    input: self.inputs[id].clone(),
                    n_reduce: self.reduces.len(),
                },
                None => Task::Wait,
            };
        }
        if !all_done(&self.reduces) {
            return match claim(&mut self.reduces, now, self.task_timeout) {
                Some(id) => Task::Reduce {
                    id,
                    n_map: self.maps.len(),
                },
                None => Task::Wait,
            };
        }
        Task::Exit
    }

    /// Marks a task done; returns whether this report was the first for it. A late report
    /// from a worker thought dead is harmless: its files were renamed into place atomically
    /// and hold the same bytes.
    ///
    /// The coordinator calls it for every report, under its lock; a report of a task that
    /// does not exist (an id out of range) is ignored and returns `false`.
    // lab:solution 1
    pub fn finish(&mut self, kind: TaskKind, id: usize) -> bool {
        let slots = match kind {
            TaskKind::Map => &mut self.maps,
            TaskKind::Reduce => &mut self.reduces,
        };
        match slots.get_mut(id) {
            Some(slot) if *slot != Slot::Done => {
                *slot = Slot::Done;
                true
            }
            _ => false,
        }
    }

    /// Whether every map and reduce task is done.
    ///
    /// `Coordinator::done` and `wait_done` call it under the coordinator's lock, after every
    /// report and whenever `mrcoordinator` checks whether to exit: true exactly when every
    /// slot is `Done`, and cheap.
    // lab:solution 1
    pub fn is_done(&self) -> bool {
        all_done(&self.maps) && all_done(&self.reduces)
    }
}

/// Whether every slot is done.
// lab:hide 1
fn all_done(slots: &[Slot]) -> bool {
    slots.iter().all(|slot| *slot == Slot::Done)
}

/// Marks the first idle or timed-out slot running and returns its id.
// lab:hide 1
fn claim(slots: &mut [Slot], now: Instant, task_timeout: Duration) -> Option<usize> {
    let id = slots.iter().position(|slot| match slot {
        Slot::Idle => true,
        Slot::Running { since } => now.saturating_duration_since(*since) >= task_timeout,
        Slot::Done => false,
    })?;
    slots[id] = Slot::Running { since: now };
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(maps: usize, reduces: usize) -> Schedule {
        let inputs = (0..maps).map(|i| format!("in-{i}")).collect();
        Schedule::new(inputs, reduces, TASK_TIMEOUT)
    }

    #[test]
    fn maps_come_first_then_wait_until_all_maps_finish() {
        let mut schedule = schedule(2, 1);
        let now = Instant::now();
        assert!(matches!(schedule.next_task(now), Task::Map { id: 0, .. }));
        assert!(matches!(schedule.next_task(now), Task::Map { id: 1, .. }));
        assert_eq!(schedule.next_task(now), Task::Wait);
        schedule.finish(TaskKind::Map, 0);
        assert_eq!(
            schedule.next_task(now),
            Task::Wait,
            "no reduce before every map is done"
        );
        schedule.finish(TaskKind::Map, 1);
        assert_eq!(schedule.next_task(now), Task::Reduce { id: 0, n_map: 2 });
    }

    #[test]
    fn a_task_is_reassigned_only_after_the_timeout() {
        let mut schedule = schedule(1, 1);
        let start = Instant::now();
        assert!(matches!(schedule.next_task(start), Task::Map { id: 0, .. }));
        let almost = start + TASK_TIMEOUT - Duration::from_millis(1);
        assert_eq!(schedule.next_task(almost), Task::Wait);
        let late = start + TASK_TIMEOUT;
        assert!(matches!(schedule.next_task(late), Task::Map { id: 0, .. }));
    }

    #[test]
    fn the_job_is_done_when_every_task_is() {
        let mut schedule = schedule(1, 2);
        let now = Instant::now();
        schedule.next_task(now);
        assert!(schedule.finish(TaskKind::Map, 0));
        assert!(
            !schedule.finish(TaskKind::Map, 0),
            "a second report changes nothing"
        );
        schedule.finish(TaskKind::Reduce, 0);
        assert!(!schedule.is_done());
        schedule.finish(TaskKind::Reduce, 1);
        assert!(schedule.is_done());
        assert_eq!(schedule.next_task(now), Task::Exit);
    }

    #[test]
    fn reports_of_unknown_tasks_are_ignored() {
        let mut schedule = schedule(1, 1);
        assert!(!schedule.finish(TaskKind::Reduce, 7));
    }
}
