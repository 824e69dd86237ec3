//! Named threads, joining, sleeping: `std::thread` in real mode, simulated threads inside a
//! simulation.
//!
//! In simulation a spawned thread is a coroutine with its own stack on the simulation's one
//! OS thread, and runs only when the scheduler hands it the run token; `sleep` advances the
//! virtual clock instead of waiting.
//! [`scope`] is `std::thread::scope` for threads that borrow from the caller.

mod scope;

use std::panic::{AssertUnwindSafe, Location};
use std::sync::Mutex;
use std::time::Duration;

pub use scope::{scope, Scope, ScopedJoinHandle};

use crate::sim::context::{self, Context};
use crate::sim::threads::{self, ResultSlot};
use crate::sim::wait::{Tid, Wait};

/// Starts a thread named `name` running `body`: a std thread in real mode, a thread of the
/// caller's simulation inside one (it belongs to that simulation and takes turns with its
/// other threads).
///
/// Panics if the OS cannot start a thread, as `std::thread::spawn` does.
pub fn spawn<F, T>(name: impl Into<String>, body: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let name = name.into();
    let inner = match context::current() {
        None => {
            let recorded_name = name.clone();
            let body = move || match std::panic::catch_unwind(AssertUnwindSafe(body)) {
                Ok(value) => value,
                Err(payload) => {
                    record_real_panic(recorded_name, &*payload);
                    std::panic::resume_unwind(payload)
                }
            };
            Inner::Real(
                std::thread::Builder::new()
                    .name(name)
                    .spawn(body)
                    .unwrap_or_else(|error| panic!("labsim: cannot start a thread: {error}")),
            )
        }
        Some(context) => {
            let (tid, result) = threads::spawn(&context, name.clone(), body);
            Inner::Simulated {
                context,
                tid,
                name,
                result,
            }
        }
    };
    JoinHandle { inner }
}

/// The panics of real-mode threads started by [`spawn`], in the order they happened.
static REAL_PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// Remembers that the real thread `name` panicked with `payload`.
fn record_real_panic(name: String, payload: &(dyn std::any::Any + Send)) {
    let message = threads::panic_message(payload);
    let mut panics = REAL_PANICS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    panics.push((name, message));
}

/// Every panic so far of a real-mode thread started by [`spawn`] in this process, as
/// (thread name, message), oldest first. The panic itself behaves as in `std` (the message
/// is printed, `join` returns the payload); this list is for a harness that must stop a
/// stuck test (a timeout ends the process, and with it the test output libtest captured)
/// and still say which thread died of what. In simulation, a panic ends the simulation
/// instead and its report names the thread.
pub fn real_panics() -> Vec<(String, String)> {
    REAL_PANICS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

/// Puts the calling thread to sleep for `duration`: real time in real mode, virtual time in
/// simulation (the clock jumps there once no other thread can run).
#[track_caller]
pub fn sleep(duration: Duration) {
    match context::current() {
        None => std::thread::sleep(duration),
        Some(context) if duration.is_zero() => context.yield_politely(),
        Some(context) => {
            let deadline = context.now().saturating_add(duration);
            context.block(&[], Some(deadline), Wait::Sleep, Location::caller());
        }
    }
}

/// Offers the processor to another thread: `std::thread::yield_now` in real mode, a
/// scheduling point in simulation (where the PCT scheduler also lowers the caller below every
/// other thread, so a loop that yields while it polls lets the others run).
pub fn yield_now() {
    match context::current() {
        None => std::thread::yield_now(),
        Some(context) => context.yield_politely(),
    }
}

/// The name of the calling thread, if it has one: the simulated thread's inside a
/// simulation (where `std::thread::current()` names the OS thread that runs all of them).
pub fn current_name() -> Option<String> {
    match crate::sim::executor::running() {
        Some(running) => Some(running.name.to_string()),
        None => std::thread::current().name().map(str::to_string),
    }
}

/// Owns a thread started by [`spawn`]; [`join`](JoinHandle::join) waits for it.
///
/// Dropping the handle detaches the thread, as with std.
pub struct JoinHandle<T> {
    inner: Inner<T>,
}

enum Inner<T> {
    Real(std::thread::JoinHandle<T>),
    Simulated {
        context: Context,
        tid: Tid,
        name: String,
        result: ResultSlot<T>,
    },
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish; `Err` carries its panic payload. (In simulation a
    /// panic ends the whole simulation, so `Err` is seen only while it unwinds.)
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        match self.inner {
            Inner::Real(handle) => handle.join(),
            Inner::Simulated {
                context,
                tid,
                result,
                ..
            } => {
                context.caller().wait_for_exit(tid, Location::caller());
                threads::take_outcome(&result)
            }
        }
    }

    /// Whether the thread has finished (in simulation: finished in the simulated schedule).
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Inner::Real(handle) => handle.is_finished(),
            Inner::Simulated { context, tid, .. } => context.is_finished(*tid),
        }
    }

    /// The thread's name.
    pub fn name(&self) -> Option<&str> {
        match &self.inner {
            Inner::Real(handle) => handle.thread().name(),
            Inner::Simulated { name, .. } => Some(name),
        }
    }
}
