//! The calling thread's simulation, if any: the thread-local handle every primitive checks
//! to choose between its real and its simulated behaviour, and the operations primitives
//! use in simulation.

use std::cell::RefCell;
use std::panic::{self, Location};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use super::scheduler::{Scheduler, Status};
use super::shared::Shared;
use super::wait::{join_key, Blocked, Key, ObjectId, Tid, Wait, Wake};
use super::{cycle, executor, report};
use crate::error::SimError;

/// How far virtual time moves when a thread starts a timed wait whose deadline has already
/// passed.
pub(crate) const EXPIRED_WAIT_TICK: Duration = Duration::from_micros(1);

/// How long (real time) a wait started after the simulation ended pauses before it returns.
const ENDED_WAIT_PAUSE: Duration = Duration::from_millis(1);

/// Timed waits longer than this are waits without a deadline.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

thread_local! {
    /// The message of the last panic on this OS thread, kept by labsim's panic hook: a
    /// thread that must wait while it unwinds ends the simulation with it.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Simulations alive in this process. While it is zero (a program that never simulates)
/// the real-mode path costs one relaxed load of a global instead of a thread-local lookup.
static SIMULATIONS: AtomicUsize = AtomicUsize::new(0);

/// Whether the calling thread belongs to a simulation.
#[inline]
pub(crate) fn in_sim() -> bool {
    SIMULATIONS.load(Ordering::Relaxed) != 0 && executor::running().is_some()
}

/// Counts a simulation as alive until the returned token is dropped. Created before the
/// simulation's first thread starts (thread start orders the increment before that thread's
/// loads).
pub(crate) fn simulation_alive() -> AliveToken {
    SIMULATIONS.fetch_add(1, Ordering::Relaxed);
    AliveToken(())
}

/// See [`simulation_alive`].
pub(crate) struct AliveToken(());

impl Drop for AliveToken {
    fn drop(&mut self) {
        SIMULATIONS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The calling thread's simulation handle, if it belongs to one.
#[inline]
pub(crate) fn current() -> Option<Context> {
    if !in_sim() {
        return None;
    }
    let running = executor::running()?;
    Some(Context {
        shared: Arc::clone(&running.shared),
        tid: running.tid,
    })
}

/// Puts labsim's panic hook in front of the one installed (once per process). For a panic in
/// a simulated thread it keeps the message (see `LAST_PANIC`) and says which simulated thread
/// panicked, since std's message that follows names the OS thread, which runs every thread of
/// the simulation; any other panic goes to the previous hook alone.
pub(crate) fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    if std::thread::panicking() {
        return; // std refuses to change hooks while unwinding; a later run installs it
    }
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if let Some(context) = current() {
                let message = super::threads::panic_message(info.payload());
                LAST_PANIC.with(|last| *last.borrow_mut() = Some(message));
                // `try_lock`: a panic inside labsim's own bookkeeping must not deadlock here.
                if let Some(guard) = context.shared.scheduler.try_lock() {
                    eprintln!(
                        "labsim: simulated thread '{}' (#{}) panicked at virtual time {:?} \
                         (simulation seed {}):",
                        guard.name(context.tid),
                        context.tid,
                        guard.now,
                        context.shared.seed
                    );
                }
            }
            previous(info);
        }));
    });
}

/// The message of the last panic on this OS thread, if the hook saw it.
fn last_panic() -> String {
    LAST_PANIC
        .with(|last| last.borrow().clone())
        .unwrap_or_else(|| {
            "(the message was not kept: another panic hook replaced labsim's)".into()
        })
}

/// A simulated thread's handle on its simulation.
#[derive(Clone)]
pub(crate) struct Context {
    pub(crate) shared: Arc<Shared>,
    pub(crate) tid: Tid,
}

impl Context {
    /// A scheduling point: the seeded RNG picks who runs next, perhaps this thread again.
    pub(crate) fn yield_now(&self) {
        self.yield_with(Scheduler::choose_at_yield);
    }

    /// A scheduling point where this thread offers to let others run (`thread::yield_now`, a
    /// timed wait already due): the same as [`yield_now`](Context::yield_now) for the random
    /// scheduler; PCT puts the thread below every other first.
    pub(crate) fn yield_politely(&self) {
        self.yield_with(Scheduler::choose_at_polite_yield);
    }

    fn yield_with(&self, choose: fn(&mut Scheduler, Tid) -> Option<Tid>) {
        if std::thread::panicking() {
            return; // an unwinding thread finishes its unwinding before anyone else runs
        }
        let mut guard = self.shared.lock();
        if guard.aborted {
            self.shared.bail(&mut guard, self.tid);
            return;
        }
        if let Some(next) = choose(&mut guard, self.tid) {
            self.shared.hand_over(&mut guard, next);
            self.shared.wait_turn(&mut guard, self.tid);
        }
    }

    /// Blocks until another thread wakes one of `keys`, or until virtual time `deadline`.
    /// A deadline already reached returns `Timeout` at once.
    pub(crate) fn block(
        &self,
        keys: &[Key],
        deadline: Option<Duration>,
        wait: Wait,
        location: &'static Location<'static>,
    ) -> Wake {
        let mut guard = self.shared.lock();
        if std::thread::panicking() && !guard.aborted {
            // This thread unwinds from a panic and must wait (a `Drop` that locks or joins).
            // No other thread may run while a stack unwinds (std counts panics per OS
            // thread, and they all share one), and the panic ends the simulation anyway:
            // end it now.
            let error = SimError::Panicked {
                seed: self.shared.seed,
                at: guard.now,
                thread: guard.name(self.tid).to_string(),
                message: last_panic(),
            };
            self.shared.fail(&mut guard, error);
            guard.slots[self.tid].unwinding = true;
        }
        if guard.aborted {
            let wake = self.shared.bail(&mut guard, self.tid);
            drop(guard);
            // The simulation has ended and this thread is unwinding (a `Drop` that waits):
            // nothing will wake it. A short real pause keeps a wait loop from spinning hot
            // (the supervisor gives up on a simulation whose threads do not finish).
            std::thread::sleep(ENDED_WAIT_PAUSE);
            return wake;
        }
        // A deadline beyond the horizon is no deadline (and keeps `Instant` from overflowing).
        let deadline = deadline.filter(|at| *at < guard.now.saturating_add(FOREVER));
        if deadline.is_some_and(|at| at <= guard.now) {
            // Already due: no wait, but time moves on a little and others may run, as they
            // would in real time; a loop of such waits then ends (`now > deadline` turns
            // true) instead of spinning at one instant.
            guard.advance(EXPIRED_WAIT_TICK);
            self.shared.publish_now(&guard);
            drop(guard);
            self.yield_politely();
            return Wake::Timeout;
        }
        let blocked = Blocked {
            wait,
            location,
            keys: keys.to_vec(),
        };
        guard.block(self.tid, blocked, deadline);
        if let Some(stuck) = cycle::stuck_with(&guard, self.tid) {
            let error = SimError::Deadlock {
                seed: self.shared.seed,
                at: guard.now,
                report: report::cycle(&guard, &stuck),
            };
            self.shared.fail(&mut guard, error);
            return self.shared.bail(&mut guard, self.tid);
        }
        self.shared.run_next_and_wait(&mut guard, self.tid)
    }

    /// Wakes one thread waiting on `key` (chosen by the seeded RNG) and then lets the
    /// scheduler choose who runs. Returns whether anyone was waiting.
    pub(crate) fn wake_one(&self, key: Key) -> bool {
        let woke = {
            let mut guard = self.shared.lock();
            !guard.aborted && guard.wake_one(key)
        };
        if woke {
            self.yield_now();
        }
        woke
    }

    /// Wakes every thread waiting on `key`, then lets the scheduler choose who runs.
    pub(crate) fn wake_all(&self, key: Key) -> usize {
        let woke = {
            let mut guard = self.shared.lock();
            if guard.aborted {
                0
            } else {
                guard.wake_all(key)
            }
        };
        if woke > 0 {
            self.yield_now();
        }
        woke
    }

    /// Wakes every thread waiting on any of `keys` without yielding (a caller about to block).
    pub(crate) fn wake_all_quietly(&self, keys: &[Key]) {
        let mut guard = self.shared.lock();
        if !guard.aborted {
            for key in keys {
                guard.wake_all(*key);
            }
        }
    }

    /// A number in `0..count` from the scheduler's seeded stream (`count > 0`), for choices
    /// such as which of several ready select operations completes.
    pub(crate) fn choose(&self, count: usize) -> usize {
        if count == 1 {
            return 0;
        }
        self.shared.lock().choose(count)
    }

    /// Records that this thread now holds the mutex `key`, locked at `location`.
    pub(crate) fn note_locked(&self, key: Key, location: &'static Location<'static>) {
        self.shared.lock().holders.insert(key, (self.tid, location));
    }

    /// Records the release of mutex `key` and wakes one of its waiters; with `yield_after`,
    /// then lets the scheduler choose who runs (a caller about to block passes false).
    pub(crate) fn note_unlocked(&self, key: Key, yield_after: bool) {
        let woke = {
            let mut guard = self.shared.lock();
            guard.holders.remove(&key);
            !guard.aborted && guard.wake_one(key)
        };
        if woke && yield_after {
            self.yield_now();
        }
    }

    /// The thread that holds mutex `key`, if any.
    pub(crate) fn holder_of(&self, key: Key) -> Option<Tid> {
        self.shared
            .lock()
            .holders
            .get(&key)
            .map(|(holder, _)| *holder)
    }

    /// Whether thread `tid` of this simulation has finished.
    pub(crate) fn is_finished(&self, tid: Tid) -> bool {
        let guard = self.shared.lock();
        matches!(guard.slots[tid].status, Status::Finished)
    }

    /// The calling thread's handle on this simulation, for a wait on an object this handle
    /// was taken for (a `JoinHandle` keeps its spawner's handle, but whoever joins it is the
    /// one that blocks). Panics when the caller is not a thread of this simulation.
    #[track_caller]
    pub(crate) fn caller(&self) -> Context {
        match current() {
            Some(caller) if Arc::ptr_eq(&caller.shared, &self.shared) => caller,
            _ => panic!("labsim: only a thread of its own simulation can join a simulated thread"),
        }
    }

    /// Blocks the calling thread (this handle's thread) until thread `tid` finishes.
    pub(crate) fn wait_for_exit(&self, tid: Tid, location: &'static Location<'static>) {
        while !self.is_finished(tid) {
            if self.block(&[join_key(tid)], None, Wait::Join(tid), location) == Wake::Aborted {
                return;
            }
        }
    }

    /// Virtual time since the start of the simulation.
    pub(crate) fn now(&self) -> Duration {
        self.shared.now()
    }

    /// A fresh number for a lock, condvar or channel.
    pub(crate) fn new_object(&self) -> ObjectId {
        self.shared.lock().new_object()
    }

    /// The number of an object that keeps it in `slot` (0: none yet), giving it one now if
    /// needed.
    pub(crate) fn object_id(&self, slot: &AtomicU32) -> ObjectId {
        match slot.load(Ordering::Relaxed) {
            0 => {
                let id = self.new_object();
                slot.store(id, Ordering::Relaxed);
                id
            }
            id => id,
        }
    }

    /// A fresh seed for a user RNG, deterministic in the simulation's seed and schedule.
    pub(crate) fn user_seed(&self) -> u64 {
        self.shared.lock().user_seed()
    }

    /// The simulation's seed.
    pub(crate) fn seed(&self) -> u64 {
        self.shared.seed
    }
}
