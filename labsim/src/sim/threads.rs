//! Simulated threads: starting one as a coroutine of its simulation, and ending it.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use parking_lot::Mutex;

use super::context::Context;
use super::executor;
use super::shared::{Aborted, Shared};
use super::wait::{join_key, Tid};
use crate::error::SimError;

/// What a simulated thread's body gave: its value or its panic payload.
pub(crate) type Outcome<T> = std::thread::Result<T>;

/// Where a simulated thread leaves its outcome for its joiner.
pub(crate) type ResultSlot<T> = Arc<Mutex<Option<Outcome<T>>>>;

/// How a thread's body ended, as `finish` needs to know it.
enum Ending {
    Returned,
    /// Unwound because the simulation ended.
    Aborted,
    Panicked(String),
}

impl Ending {
    fn of<T>(outcome: &Outcome<T>) -> Ending {
        match outcome {
            Ok(_) => Ending::Returned,
            Err(payload) if payload.is::<Aborted>() => Ending::Aborted,
            Err(payload) => Ending::Panicked(panic_message(payload.as_ref())),
        }
    }
}

/// Starts `body` as a new thread of the caller's simulation; it runs when the scheduler
/// first picks it. Returns its id and where its outcome will be.
pub(crate) fn spawn<F, T>(context: &Context, name: String, body: F) -> (Tid, ResultSlot<T>)
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let tid = register(context, &name);
    let slot = start(&context.shared, tid, body);
    context.yield_now();
    (tid, slot)
}

/// Adds a thread named `name` to the caller's simulation (runnable, not started yet).
pub(crate) fn register(context: &Context, name: &str) -> Tid {
    let mut guard = context.shared.lock();
    if guard.aborted {
        context.shared.bail(&mut guard, context.tid);
    }
    guard.add_thread(name)
}

/// Makes `body` the coroutine of registered thread `tid`, and returns where its outcome
/// will be. `body` may borrow: the caller keeps what it borrows alive until `tid` finishes
/// (see `executor::add`).
pub(crate) fn start<'a, F, T>(shared: &Arc<Shared>, tid: Tid, body: F) -> ResultSlot<T>
where
    F: FnOnce() -> T + 'a,
    T: 'a,
{
    let (life, slot) = life_of(shared, tid, body);
    executor::add(shared, tid, Box::new(life));
    slot
}

/// The body of thread `main` (id 0, registered by the scheduler), for the simulation's OS
/// thread to start, and where its outcome will be.
pub(crate) fn main_thread<F, T>(
    shared: &Arc<Shared>,
    main: F,
) -> (Box<dyn FnOnce() + Send>, ResultSlot<T>)
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (life, slot) = life_of(shared, 0, main);
    (Box::new(life), slot)
}

/// Thread `tid`'s whole life around `body` ([`run_thread`]), and the slot it leaves its
/// outcome in.
fn life_of<'a, F, T>(shared: &Arc<Shared>, tid: Tid, body: F) -> (impl FnOnce() + 'a, ResultSlot<T>)
where
    F: FnOnce() -> T + 'a,
    T: 'a,
{
    let slot = ResultSlot::default();
    let (thread_shared, thread_slot) = (Arc::clone(shared), Arc::clone(&slot));
    let life = move || run_thread(&thread_shared, tid, body, &thread_slot);
    (life, slot)
}

/// The life of a simulated thread: check that the simulation still runs, run, leave the
/// outcome in `slot`, finish.
fn run_thread<F, T>(shared: &Shared, tid: Tid, body: F, slot: &Mutex<Option<Outcome<T>>>)
where
    F: FnOnce() -> T,
{
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        shared.wait_turn(&mut shared.lock(), tid);
        body()
    }));
    let ending = Ending::of(&outcome);
    *slot.lock() = Some(outcome);
    finish(shared, tid, ending);
}

/// Takes a finished thread's outcome out of its slot.
pub(crate) fn take_outcome<T>(slot: &Mutex<Option<Outcome<T>>>) -> Outcome<T> {
    slot.lock().take().unwrap_or_else(|| {
        Err(Box::new(
            "labsim: the thread's outcome is gone (joined twice?)",
        ))
    })
}

/// Ends the simulation because the caller is unwinding from `payload` (a panic that a
/// scope caught so that it could join its threads: they can only finish once the
/// simulation ends).
pub(crate) fn fail_with_panic(context: &Context, payload: &(dyn Any + Send)) {
    let shared = &context.shared;
    let mut guard = shared.lock();
    if payload.is::<Aborted>() || guard.aborted {
        return;
    }
    let error = SimError::Panicked {
        seed: shared.seed,
        at: guard.now,
        thread: guard.name(context.tid).to_string(),
        message: panic_message(payload),
    };
    shared.fail(&mut guard, error);
}

/// Marks `tid` finished, fails the simulation if it panicked, ends it if `tid` is main, and
/// otherwise wakes its joiners and hands the token on.
fn finish(shared: &Shared, tid: Tid, ending: Ending) {
    let mut guard = shared.lock();
    guard.slots[tid].status = super::scheduler::Status::Finished;
    guard.live_threads -= 1;
    if let Ending::Panicked(message) = ending {
        let error = SimError::Panicked {
            seed: shared.seed,
            at: guard.now,
            thread: guard.name(tid).to_string(),
            message,
        };
        shared.fail(&mut guard, error);
    }
    if guard.aborted {
        return;
    }
    if tid == 0 {
        guard.main_finished = true;
        guard.stats.virtual_time = guard.now;
        shared.end(&mut guard);
        return;
    }
    guard.wake_all(join_key(tid));
    match shared.pick_next(&mut guard) {
        Some(next) => shared.hand_over(&mut guard, next),
        None => {
            let error = SimError::Deadlock {
                seed: shared.seed,
                at: guard.now,
                report: super::report::deadlock(&guard),
            };
            shared.fail(&mut guard, error);
        }
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic payload that is not a string)".to_string()
    }
}
