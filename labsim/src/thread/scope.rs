//! Scoped threads, shaped like `std::thread::scope`: threads that may borrow from the
//! caller's stack, all joined before `scope` returns.

use std::panic::{self, AssertUnwindSafe, Location};

use crate::sim::context::{self, Context};
use crate::sim::executor;
use crate::sim::threads::{self, ResultSlot};
use crate::sim::wait::Tid;

/// Runs `body` with a [`Scope`] to spawn borrowing threads on, and returns once every one of
/// them has finished, as `std::thread::scope` does (in simulation it joins them through the
/// scheduler).
///
/// A panic in `body` inside a simulation ends the simulation (its threads could not
/// otherwise be joined) and then propagates.
#[track_caller]
pub fn scope<'env, F, T>(body: F) -> T
where
    F: for<'scope> FnOnce(&Scope<'scope, 'env>) -> T,
{
    let location = Location::caller();
    let context = context::current();
    std::thread::scope(|std_scope| {
        let scope = Scope {
            std_scope,
            context: context.clone(),
            spawned: parking_lot::Mutex::new(Vec::new()),
        };
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| body(&scope)));
        if let Some(context) = &context {
            if let Err(payload) = &outcome {
                threads::fail_with_panic(context, payload.as_ref());
            }
            let spawned = std::mem::take(&mut *scope.spawned.lock());
            let joined = panic::catch_unwind(AssertUnwindSafe(|| {
                for tid in &spawned {
                    context.wait_for_exit(*tid, location);
                }
            }));
            // The scoped threads borrow from this stack: if the simulation ended before they
            // finished, unwind them now, before this thread unwinds past what they borrow.
            for tid in spawned {
                executor::run_to_end(tid);
            }
            if let Err(payload) = joined {
                panic::resume_unwind(payload);
            }
        }
        outcome.unwrap_or_else(|payload| panic::resume_unwind(payload))
    })
}

/// A scope to spawn borrowing threads on; see [`scope`]. Unlike std's, a scoped thread
/// cannot itself spawn on the scope (the reference handed to the body is short-lived).
pub struct Scope<'scope, 'env: 'scope> {
    std_scope: &'scope std::thread::Scope<'scope, 'env>,
    /// The simulation the scope was opened in, if any.
    context: Option<Context>,
    /// Simulated threads spawned here, to join before the scope ends.
    spawned: parking_lot::Mutex<Vec<Tid>>,
}

/// Owns a thread started by [`Scope::spawn`].
pub struct ScopedJoinHandle<'scope, T> {
    inner: Inner<'scope, T>,
}

enum Inner<'scope, T> {
    Real(std::thread::ScopedJoinHandle<'scope, T>),
    Simulated {
        context: Context,
        tid: Tid,
        result: ResultSlot<T>,
    },
}

impl<'scope> Scope<'scope, '_> {
    /// Starts a thread named `name` running `body`, which may borrow from outside the scope.
    pub fn spawn<F, T>(&self, name: impl Into<String>, body: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let name = name.into();
        let inner = match &self.context {
            None => Inner::Real(
                std::thread::Builder::new()
                    .name(name)
                    .spawn_scoped(self.std_scope, body)
                    .unwrap_or_else(|error| panic!("labsim: cannot start a thread: {error}")),
            ),
            Some(context) => {
                let tid = threads::register(context, &name);
                self.spawned.lock().push(tid);
                // What `body` borrows outlives the thread: `scope` returns only once `tid`
                // has finished.
                let result = threads::start(&context.shared, tid, body);
                context.yield_now();
                Inner::Simulated {
                    context: context.clone(),
                    tid,
                    result,
                }
            }
        };
        ScopedJoinHandle { inner }
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the thread to finish; `Err` carries its panic payload.
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        match self.inner {
            Inner::Real(handle) => handle.join(),
            Inner::Simulated {
                context,
                tid,
                result,
            } => {
                context.caller().wait_for_exit(tid, Location::caller());
                threads::take_outcome(&result)
            }
        }
    }

    /// Whether the thread has finished (in simulation: in the simulated schedule).
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Inner::Real(handle) => handle.is_finished(),
            Inner::Simulated { context, tid, .. } => context.is_finished(*tid),
        }
    }
}
