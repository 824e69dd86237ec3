//! One simulation's shared core: the scheduler under its lock, and handing the run token
//! from one simulated thread to another.

use std::panic;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex, MutexGuard};

use super::executor;
use super::policy::Policy;
use super::report;
use super::scheduler::Scheduler;
use super::wait::{Tid, Wake};
use crate::error::SimError;

/// The payload a simulated thread unwinds with when its simulation ends under it. The thread
/// wrappers catch it and finish quietly.
pub(crate) struct Aborted;

/// The state of one simulation, shared by its threads and its supervisor.
pub(crate) struct Shared {
    pub(crate) scheduler: Mutex<Scheduler>,
    /// The supervisor sleeps on this; signalled at failure, main's return and when the
    /// simulation's OS thread is done.
    pub(crate) done: Condvar,
    /// Virtual time in nanoseconds, readable without the lock (`Instant::now`).
    now_nanos: AtomicU64,
    /// The real instant that virtual time zero maps to, so `Instant` stays a plain std value.
    pub(crate) base: std::time::Instant,
    pub(crate) seed: u64,
    /// The scheduler it runs under.
    pub(crate) policy: Policy,
}

/// The locked scheduler, as passed around by the token hand-over code.
pub(crate) type Guard<'a> = MutexGuard<'a, Scheduler>;

impl Shared {
    pub(crate) fn new(seed: u64, policy: Policy) -> Arc<Shared> {
        Arc::new(Shared {
            scheduler: Mutex::new(Scheduler::new(seed, policy)),
            done: Condvar::new(),
            now_nanos: AtomicU64::new(0),
            base: std::time::Instant::now(),
            seed,
            policy,
        })
    }

    /// Locks the scheduler and counts one step of progress for the watchdog.
    pub(crate) fn lock(&self) -> Guard<'_> {
        let mut guard = self.scheduler.lock();
        guard.progress += 1;
        guard
    }

    /// Virtual time since the start of the simulation.
    pub(crate) fn now(&self) -> Duration {
        Duration::from_nanos(self.now_nanos.load(Ordering::Relaxed))
    }

    /// Publishes the scheduler's clock for lock-free readers.
    pub(crate) fn publish_now(&self, guard: &Guard<'_>) {
        self.now_nanos
            .store(guard.now.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Runs the scheduler's pick and publishes the (possibly advanced) clock.
    pub(crate) fn pick_next(&self, guard: &mut Guard<'_>) -> Option<Tid> {
        let next = guard.pick_next();
        self.now_nanos
            .store(guard.now.as_nanos() as u64, Ordering::Relaxed);
        next
    }

    /// `me` stops running (it blocked): hands the token to the next thread, or fails the
    /// simulation with a deadlock report when nobody can run, then waits for its turn.
    pub(crate) fn run_next_and_wait(&self, guard: &mut Guard<'_>, me: Tid) -> Wake {
        match self.pick_next(guard) {
            Some(next) if next == me => return guard.slots[me].woke,
            Some(next) => self.hand_over(guard, next),
            None => {
                let error = SimError::Deadlock {
                    seed: self.seed,
                    at: guard.now,
                    report: report::deadlock(guard),
                };
                self.fail(guard, error);
            }
        }
        self.wait_turn(guard, me)
    }

    /// Gives the token to `next` (which must not be the caller); the simulation's loop
    /// resumes `next` once the caller suspends.
    pub(crate) fn hand_over(&self, guard: &mut Guard<'_>, next: Tid) {
        guard.running = Some(next);
        guard.note_switch(next);
    }

    /// Suspends `me` (the caller) until the token comes back to it; returns why `me` was
    /// woken. When the simulation ends meanwhile, unwinds (or returns `Aborted` if already
    /// unwinding).
    pub(crate) fn wait_turn(&self, guard: &mut Guard<'_>, me: Tid) -> Wake {
        while guard.running != Some(me) && !guard.aborted {
            MutexGuard::unlocked(guard, executor::suspend);
        }
        if guard.aborted {
            return self.bail(guard, me);
        }
        guard.slots[me].woke
    }

    /// The simulation has ended: thread `me` (the caller), unless it is unwinding already,
    /// starts to (with [`Aborted`]); one already unwinding gets `Wake::Aborted` and must
    /// carry on without blocking.
    pub(crate) fn bail(&self, guard: &mut Guard<'_>, me: Tid) -> Wake {
        if guard.slots[me].unwinding {
            return Wake::Aborted;
        }
        guard.slots[me].unwinding = true;
        MutexGuard::unlocked(guard, || panic::resume_unwind(Box::new(Aborted)))
    }

    /// Records the first failure and ends the simulation.
    pub(crate) fn fail(&self, guard: &mut Guard<'_>, error: SimError) {
        if guard.failure.is_none() {
            guard.failure = Some(error);
        }
        self.end(guard);
    }

    /// Ends the simulation: the loop stops handing out the token and unwinds every thread
    /// left, one at a time.
    pub(crate) fn end(&self, guard: &mut Guard<'_>) {
        guard.aborted = true;
        self.done.notify_all();
    }
}
