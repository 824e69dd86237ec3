//! The one OS thread a simulation runs on: every simulated thread is a coroutine with its own
//! stack, and a switch from one to another is a jump in user space (a few nanoseconds), not a
//! trip through the kernel.
//!
//! The scheduler's decisions are unchanged: a thread that hands the run token on (it blocks,
//! or the scheduler preempts it) sets `running` and suspends back to this loop, which resumes
//! whoever `running` names. When the simulation ends, the loop unwinds the threads still
//! alive one at a time, each to its end, so their destructors run (a test's result line is
//! recorded, locks are released) and no two stacks are ever unwinding at once: a panic
//! count, which std keeps per OS thread, then belongs to the one coroutine running.
//!
//! Per-thread state that primitives need (which simulated thread is running, and how to
//! suspend it) is a record on the coroutine's own stack; a thread-local points at the record
//! of the one running, and every coroutine puts its own record back when it resumes.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

use corosensei::stack::{DefaultStack, Stack};
use corosensei::{Coroutine, CoroutineResult, Yielder};

use super::overflow;
use super::shared::Shared;
use super::threads::panic_message;
use super::wait::Tid;
use crate::error::SimError;

/// A simulated thread: a coroutine that takes nothing, yields nothing and returns nothing
/// (its outcome goes to its result slot).
type Thread = Coroutine<(), (), (), DefaultStack>;

/// Finished threads' stacks kept for the next ones, at most this many (a stack is an mmap
/// and a guard page: reusing one saves two system calls per spawn).
const SPARE_STACKS: usize = 32;

/// What primitives need to know about the running simulated thread. It lives at the bottom
/// of the thread's own stack for the thread's whole life.
pub(crate) struct Running {
    pub(crate) tid: Tid,
    yielder: *const Yielder<(), ()>,
    /// Its simulation.
    pub(crate) shared: Arc<Shared>,
    /// The thread's name (`thread::current_name`, and the stack overflow report, read from
    /// a signal handler).
    pub(crate) name: Arc<str>,
    /// The lowest address of its stack's mapping: the guard page starts there.
    pub(crate) stack_limit: usize,
    /// Its stack's usable size in bytes.
    pub(crate) stack_size: usize,
}

thread_local! {
    /// The record of the simulated thread running on this OS thread, or null.
    static RUNNING: Cell<*const Running> = const { Cell::new(ptr::null()) };
    /// This OS thread's simulated threads by id, while they are suspended (a thread being
    /// resumed is taken out), and spare stacks.
    static THREADS: RefCell<Threads> = RefCell::new(Threads::default());
}

#[derive(Default)]
struct Threads {
    suspended: Vec<Option<Thread>>,
    spare_stacks: Vec<DefaultStack>,
    stack_size: usize,
}

/// The record of the running simulated thread, if this OS thread runs one.
#[inline]
pub(crate) fn running() -> Option<&'static Running> {
    let record = RUNNING.with(Cell::get);
    // SAFETY: a record lives on its coroutine's stack until the coroutine returns, and the
    // pointer is replaced (or cleared) before another coroutine or the loop runs.
    unsafe { record.as_ref() }
}

/// The record of the running simulated thread, for a signal handler: a plain read of a
/// thread-local cell (no lazy initialisation, no allocation).
pub(crate) fn running_for_signal() -> *const Running {
    RUNNING.try_with(Cell::get).unwrap_or(ptr::null())
}

/// Starts the OS thread that runs simulation `shared`, whose thread 0 runs `main`. The
/// thread is named `name` (std's panic messages print it); it exits once every simulated
/// thread has finished, and sets `executor_done` then.
pub(crate) fn start(
    shared: Arc<Shared>,
    name: String,
    stack_size: usize,
    main: Box<dyn FnOnce() + Send>,
) -> std::thread::JoinHandle<()> {
    overflow::install_handler();
    std::thread::Builder::new()
        .name(name)
        .spawn(move || run(&shared, stack_size, main))
        .unwrap_or_else(|error| panic!("labsim: cannot start a simulation's OS thread: {error}"))
}

/// The loop: resume whoever holds the run token until the simulation ends, then unwind
/// every thread left.
fn run(shared: &Arc<Shared>, stack_size: usize, main: Box<dyn FnOnce()>) {
    THREADS.with(|threads| threads.borrow_mut().stack_size = stack_size);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        add(shared, 0, main);
        loop {
            let next = {
                let guard = shared.scheduler.lock();
                match guard.running {
                    Some(tid) if !guard.aborted => tid,
                    _ => break,
                }
            };
            resume_once(next);
        }
        let count = THREADS.with(|threads| threads.borrow().suspended.len());
        for tid in 0..count {
            run_to_end(tid);
        }
    }));
    if let Err(payload) = outcome {
        // A bug in labsim itself: say so rather than leave the supervisor waiting.
        let mut guard = shared.lock();
        let error = SimError::Panicked {
            seed: shared.seed,
            at: guard.now,
            thread: "(labsim's scheduler loop)".into(),
            message: panic_message(payload.as_ref()),
        };
        shared.fail(&mut guard, error);
    }
    // Every thread has finished (what is left are spare stacks): dropped outside the borrow.
    drop(THREADS.with(|threads| std::mem::take(&mut *threads.borrow_mut())));
    let mut guard = shared.scheduler.lock();
    guard.executor_done = true;
    shared.done.notify_all();
}

/// Makes `body` simulated thread `tid` (already registered with the scheduler) of the
/// caller's simulation; it first runs when the scheduler hands it the token.
pub(crate) fn add<'a>(shared: &Arc<Shared>, tid: Tid, body: Box<dyn FnOnce() + 'a>) {
    // SAFETY: the caller keeps whatever `body` borrows alive until thread `tid` finishes
    // (`thread::spawn` takes only 'static bodies; `thread::scope` returns only once each
    // of its threads has finished, and makes them finish if the simulation ends first).
    let body: Box<dyn FnOnce() + 'static> = unsafe { std::mem::transmute(body) };
    let name = shared.scheduler.lock().slots[tid].name.clone();
    let shared = Arc::clone(shared);
    let (stack, stack_size) = THREADS.with(|threads| {
        let mut threads = threads.borrow_mut();
        let size = threads.stack_size;
        let stack = match threads.spare_stacks.pop() {
            Some(stack) => stack,
            None => DefaultStack::new(size).unwrap_or_else(|error| {
                panic!(
                    "labsim: cannot allocate a {} KiB stack for simulated thread '{name}': \
                     {error} (set a smaller one with {} or Sim::stack_size)",
                    size / 1024,
                    super::STACK_VAR
                )
            }),
        };
        (stack, size)
    });
    let stack_limit = stack.limit().get();
    let thread = Thread::with_stack(stack, move |yielder, ()| {
        let record = Running {
            tid,
            yielder: yielder as *const _,
            shared,
            name,
            stack_limit,
            stack_size,
        };
        RUNNING.with(|running| running.set(&record));
        body();
    });
    THREADS.with(|threads| {
        let mut threads = threads.borrow_mut();
        if threads.suspended.len() <= tid {
            threads.suspended.resize_with(tid + 1, || None);
        }
        threads.suspended[tid] = Some(thread);
    });
}

/// Resumes thread `tid` until it suspends or finishes; false if there is no such suspended
/// thread (it finished, or it is running further up this stack).
fn resume_once(tid: Tid) -> bool {
    let Some(mut thread) = THREADS.with(|threads| {
        let mut threads = threads.borrow_mut();
        threads.suspended.get_mut(tid).and_then(Option::take)
    }) else {
        return false;
    };
    let outer = RUNNING.with(Cell::get);
    let result = thread.resume(());
    RUNNING.with(|running| running.set(outer));
    THREADS.with(|threads| {
        let mut threads = threads.borrow_mut();
        match result {
            CoroutineResult::Yield(()) => threads.suspended[tid] = Some(thread),
            CoroutineResult::Return(()) => {
                if threads.spare_stacks.len() < SPARE_STACKS {
                    threads.spare_stacks.push(thread.into_stack());
                }
            }
        }
    });
    true
}

/// Suspends the running simulated thread back to the loop, which resumes whoever holds the
/// token; returns when this thread runs again.
pub(crate) fn suspend() {
    let record = RUNNING.with(Cell::get);
    // SAFETY: only a simulated thread suspends (its record is set), and its yielder lives as
    // long as its coroutine.
    let yielder = unsafe { &*(*record).yielder };
    yielder.suspend(());
    RUNNING.with(|running| running.set(record));
}

/// Runs thread `tid`, which the ended simulation is unwinding, until it finishes: from the
/// loop once the simulation ends, or from a thread that cannot go on before `tid` is gone (a
/// scope's owner, whose stack `tid` borrows from; a lock `tid` holds). Does nothing when
/// `tid` has finished or runs further up this stack.
pub(crate) fn run_to_end(tid: Tid) {
    while resume_once(tid) {}
}
