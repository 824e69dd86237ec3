//! `Condvar`, shaped like parking_lot's.

use std::fmt;
use std::panic::Location;
use std::time::Duration;

use super::mutex::{MutexGuard, Relock};
use crate::sim::context::{self, Context};
use std::sync::atomic::AtomicU32;

use crate::sim::wait::{Key, Wait, Wake};
use crate::time::Instant;

/// A condition variable shaped like `parking_lot::Condvar`: waits take `&mut MutexGuard`.
///
/// In simulation a wait releases the lock and blocks in the scheduler; `notify_one` wakes a
/// waiter chosen by the seeded RNG. There are no spurious wake-ups in simulation, but code
/// must still loop on its condition, as in real mode.
#[derive(Default)]
pub struct Condvar {
    /// The deadlock report's number for this condvar, given when a simulated thread first
    /// waits on it (0 until then).
    object: AtomicU32,
    inner: parking_lot::Condvar,
}

/// Whether a timed wait returned because its time ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True if the wait ended by timeout rather than by a notification.
    #[inline]
    pub fn timed_out(self) -> bool {
        self.0
    }
}

impl Condvar {
    /// A new condition variable.
    #[inline]
    pub const fn new() -> Condvar {
        Condvar {
            object: AtomicU32::new(0),
            inner: parking_lot::Condvar::new(),
        }
    }

    /// Releases the guard's lock, waits for a notification, and locks again.
    #[inline]
    #[track_caller]
    pub fn wait<T: ?Sized>(&self, guard: &mut MutexGuard<'_, T>) {
        match context::current() {
            None => self.inner.wait(&mut guard.inner),
            Some(context) => {
                self.wait_simulated(guard, context, None, Location::caller());
            }
        }
    }

    /// [`wait`](Condvar::wait), giving up after `timeout`.
    #[inline]
    #[track_caller]
    pub fn wait_for<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        timeout: Duration,
    ) -> WaitTimeoutResult {
        match context::current() {
            None => WaitTimeoutResult(self.inner.wait_for(&mut guard.inner, timeout).timed_out()),
            Some(context) => {
                let deadline = context.now().saturating_add(timeout);
                self.wait_simulated(guard, context, Some(deadline), Location::caller())
            }
        }
    }

    /// [`wait`](Condvar::wait), giving up at `deadline`.
    #[inline]
    #[track_caller]
    pub fn wait_until<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Instant,
    ) -> WaitTimeoutResult {
        match context::current() {
            None => {
                let result = self.inner.wait_until(&mut guard.inner, deadline.into_std());
                WaitTimeoutResult(result.timed_out())
            }
            Some(context) => {
                let at = deadline
                    .into_std()
                    .saturating_duration_since(context.shared.base);
                self.wait_simulated(guard, context, Some(at), Location::caller())
            }
        }
    }

    /// Waits while `condition` holds, re-checking it after every wake-up.
    #[track_caller]
    pub fn wait_while<T: ?Sized, F>(&self, guard: &mut MutexGuard<'_, T>, mut condition: F)
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut **guard) {
            self.wait(guard);
        }
    }

    /// Wakes one waiting thread; returns whether there was one.
    #[inline]
    pub fn notify_one(&self) -> bool {
        match context::current() {
            None => self.inner.notify_one(),
            Some(context) => context.wake_one(self.key()),
        }
    }

    /// Wakes every waiting thread; returns how many.
    #[inline]
    pub fn notify_all(&self) -> usize {
        match context::current() {
            None => self.inner.notify_all(),
            Some(context) => context.wake_all(self.key()),
        }
    }

    fn key(&self) -> Key {
        self as *const Condvar as Key
    }

    /// The simulated wait: release the lock and block on this condvar, atomically (no other
    /// thread runs in between), then take the lock back.
    fn wait_simulated<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        context: Context,
        deadline: Option<Duration>,
        location: &'static Location<'static>,
    ) -> WaitTimeoutResult {
        let key = self.key();
        let wait = Wait::Condvar(context.object_id(&self.object));
        let relock = Relock::release(guard, context, location, false);
        let woke = relock.context().block(&[key], deadline, wait, location);
        drop(relock);
        // `Aborted`: the simulation ended while this thread unwinds (a `Drop` that waits), and
        // nobody will ever notify. Saying "timed out" ends the usual wait-until-deadline
        // loops instead of spinning in them.
        WaitTimeoutResult(woke != Wake::Notified)
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Condvar { .. }")
    }
}
