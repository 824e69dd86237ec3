//! `Mutex` and `MutexGuard`, shaped like parking_lot's.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;

use crate::sim::context::{self, Context};
use std::sync::atomic::AtomicU32;

use crate::sim::executor;
use crate::sim::wait::{Key, ObjectId, Wait, Wake};

/// A mutual-exclusion lock shaped like `parking_lot::Mutex`: `lock()` returns a guard, no
/// poisoning.
#[derive(Default)]
pub struct Mutex<T: ?Sized> {
    /// The deadlock report's number for this mutex, given when a simulation first locks
    /// it (0 until then).
    object: AtomicU32,
    inner: parking_lot::Mutex<T>,
}

/// Proof that the lock is held; unlocks on drop. Derefs to the data.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    /// Taken out only by waits that release the lock, and always put back before they return
    /// (or unwind: see [`Relock`]).
    pub(crate) inner: ManuallyDrop<parking_lot::MutexGuard<'a, T>>,
    /// The mutex's number when taken by a simulated thread (unlocking must then tell the
    /// scheduler), or [`REAL`]. Kept here so that a real-mode unlock needs no thread-local
    /// lookup.
    object: ObjectId,
}

/// The `object` of a guard taken outside any simulation.
const REAL: ObjectId = 0;

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    #[inline]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            object: AtomicU32::new(0),
            inner: parking_lot::Mutex::new(value),
        }
    }

    /// Consumes the mutex and returns its data.
    #[inline]
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks, blocking until the lock is free. In simulation this is a scheduling point,
    /// and a blocked caller shows up in a deadlock report with the holder's name.
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        if !context::in_sim() {
            return MutexGuard::from_inner(self.inner.lock(), REAL);
        }
        self.lock_simulated(Location::caller())
    }

    #[inline(never)]
    fn lock_simulated(&self, location: &'static Location<'static>) -> MutexGuard<'_, T> {
        let context = context::current().expect("in a simulation");
        let object = context.object_id(&self.object);
        MutexGuard::from_inner(acquire(&self.inner, object, &context, location), object)
    }

    /// Locks if the lock is free, without blocking.
    #[inline]
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let Some(context) = context::current() else {
            return self
                .inner
                .try_lock()
                .map(|inner| MutexGuard::from_inner(inner, REAL));
        };
        context.yield_now();
        let guard = self.inner.try_lock()?;
        context.note_locked(key_of(&self.inner), Location::caller());
        Some(MutexGuard::from_inner(
            guard,
            context.object_id(&self.object),
        ))
    }

    /// Whether the lock is held right now (a hint: it may change at once in real mode).
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// The data, through exclusive access to the mutex (no locking needed).
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    #[inline]
    fn from_inner(inner: parking_lot::MutexGuard<'a, T>, object: ObjectId) -> MutexGuard<'a, T> {
        MutexGuard {
            inner: ManuallyDrop::new(inner),
            object,
        }
    }

    /// Unlocks, runs `f`, and locks again before returning (also if `f` panics), as
    /// `parking_lot::MutexGuard::unlocked`. Use it for calls that must not hold the lock.
    #[track_caller]
    pub fn unlocked<F, U>(this: &mut MutexGuard<'a, T>, f: F) -> U
    where
        F: FnOnce() -> U,
    {
        if this.object == REAL {
            return parking_lot::MutexGuard::unlocked(&mut this.inner, f);
        }
        let context = context::current().expect("a simulated guard outside its simulation");
        let relock = Relock::release(this, context, Location::caller(), true);
        let value = f();
        drop(relock);
        value
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if self.object == REAL {
            // SAFETY: `inner` is live (waits put it back before returning) and never used again.
            unsafe { ManuallyDrop::drop(&mut self.inner) };
            return;
        }
        self.unlock_simulated();
    }
}

impl<T: ?Sized> MutexGuard<'_, T> {
    #[inline(never)]
    fn unlock_simulated(&mut self) {
        let key = key_of(parking_lot::MutexGuard::mutex(&self.inner));
        // SAFETY: `inner` is live (waits put it back before returning) and never used again.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        if let Some(context) = context::current() {
            context.note_unlocked(key, true);
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// The wait-queue key of a mutex: the address of its parking_lot lock.
pub(crate) fn key_of<T: ?Sized>(mutex: &parking_lot::Mutex<T>) -> Key {
    mutex as *const parking_lot::Mutex<T> as *const u8 as Key
}

/// Takes `mutex` in simulation: a scheduling point, then try-lock, blocking in the
/// scheduler while another thread holds it.
pub(crate) fn acquire<'a, T: ?Sized>(
    mutex: &'a parking_lot::Mutex<T>,
    object: ObjectId,
    context: &Context,
    location: &'static Location<'static>,
) -> parking_lot::MutexGuard<'a, T> {
    let key = key_of(mutex);
    context.yield_now();
    loop {
        if let Some(guard) = mutex.try_lock() {
            context.note_locked(key, location);
            return guard;
        }
        let wait = Wait::Lock { key, mutex: object };
        if context.block(&[key], None, wait, location) == Wake::Aborted {
            // The simulation ended and this thread is unwinding. The holder is suspended
            // (one thread runs at a time): unwinding it to its end lets go of the lock.
            if let Some(holder) = context.holder_of(key) {
                executor::run_to_end(holder);
            }
            // Still held only if the holder is this thread or one that is running it
            // further up this stack; nothing will let go then, and the supervisor gives up
            // on the simulation's OS thread after a grace period.
            return mutex.try_lock().unwrap_or_else(|| mutex.lock());
        }
    }
}

/// A simulated guard's lock, released for a while (a condvar wait, `unlocked`) and taken
/// back when this is dropped, even by unwinding, so the guard never unlocks twice.
pub(crate) struct Relock<'g, 'a, T: ?Sized> {
    guard: &'g mut MutexGuard<'a, T>,
    mutex: &'a parking_lot::Mutex<T>,
    context: Context,
    location: &'static Location<'static>,
}

impl<'g, 'a, T: ?Sized> Relock<'g, 'a, T> {
    /// Unlocks `guard`'s mutex (waking a waiter; yielding afterwards if `yield_after`).
    pub(crate) fn release(
        guard: &'g mut MutexGuard<'a, T>,
        context: Context,
        location: &'static Location<'static>,
        yield_after: bool,
    ) -> Relock<'g, 'a, T> {
        let mutex = parking_lot::MutexGuard::mutex(&guard.inner);
        // SAFETY: `inner` is live; `Relock::drop` writes a fresh guard back before anyone
        // can use `guard` again.
        unsafe { ManuallyDrop::drop(&mut guard.inner) };
        context.note_unlocked(key_of(mutex), yield_after);
        Relock {
            guard,
            mutex,
            context,
            location,
        }
    }

    /// The context of the releasing thread.
    pub(crate) fn context(&self) -> &Context {
        &self.context
    }
}

impl<T: ?Sized> Drop for Relock<'_, '_, T> {
    fn drop(&mut self) {
        let inner = acquire(self.mutex, self.guard.object, &self.context, self.location);
        // SAFETY: the old guard was dropped in `release`; this restores a live one.
        unsafe { std::ptr::write(&mut self.guard.inner, ManuallyDrop::new(inner)) };
    }
}
