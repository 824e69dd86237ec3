//! Simulation mode: [`Sim`] runs a closure as the main thread of one simulation.
//!
//! # Layout
//!
//! - `context`: the thread-local handle that makes a thread part of a simulation;
//! - `scheduler`: threads, runnable list, timers and wait queues (bookkeeping only);
//! - `shared`: the scheduler under its lock, and handing the run token from thread to thread;
//! - `executor`: the one OS thread a simulation runs on, each simulated thread a coroutine;
//! - `overflow`: naming a simulated thread that overflows its stack;
//! - `threads`: starting and finishing simulated threads;
//! - `supervisor`: the caller of `run` waits for the end and watches for stalls;
//! - `cycle`: finding threads that wait for each other; `report`: the deadlock report and
//!   the list of threads; `wait`: what a thread waits for; `rng`: the schedule's
//!   random stream; `stats`: counters of a run.

pub(crate) mod context;
mod cycle;
pub(crate) mod executor;
mod overflow;
mod pct;
mod policy;
mod report;
mod rng;
mod scheduler;
pub(crate) mod shared;
mod stats;
mod supervisor;
pub(crate) mod threads;
pub(crate) mod wait;

use std::sync::Arc;
use std::time::Duration;

pub use policy::{Policy, SCHED_VAR};
pub use stats::SimStats;

use crate::error::SimError;

/// The stack each simulated thread gets unless [`Sim::stack_size`] or [`STACK_VAR`] says
/// otherwise: std's default for a spawned thread, so code that ran on an OS thread fits. Only
/// the pages a thread touches take memory.
pub const DEFAULT_STACK_SIZE: usize = 2 << 20;

/// The environment variable that sets the stack of every simulated thread: bytes, or a
/// number with `K` or `M` (`LAB_SIM_STACK=16M`). [`Sim::stack_size`] overrides it.
pub const STACK_VAR: &str = "LAB_SIM_STACK";

/// How long a thread may keep the run token in real time without reaching a labsim primitive
/// before the simulation fails as stalled (see [`Sim::stall_limit`]).
pub const DEFAULT_STALL_LIMIT: Duration = Duration::from_secs(5);

/// One deterministic simulation, configured and then [`run`](Sim::run).
///
/// ```
/// use labsim::{channel, thread, time::Instant, Sim};
/// use std::time::Duration;
///
/// let elapsed = Sim::new(42)
///     .run(|| {
///         let start = Instant::now();
///         let (tx, rx) = channel::unbounded();
///         let worker = thread::spawn("worker", move || {
///             thread::sleep(Duration::from_secs(30)); // virtual: returns at once
///             tx.send(7).unwrap();
///         });
///         assert_eq!(rx.recv().unwrap(), 7);
///         worker.join().unwrap();
///         start.elapsed()
///     })
///     .unwrap();
/// assert_eq!(elapsed, Duration::from_secs(30));
/// ```
#[derive(Clone, Debug)]
pub struct Sim {
    seed: u64,
    stall_limit: Duration,
    policy: Policy,
    stack_size: Option<usize>,
}

impl Sim {
    /// A simulation whose every choice derives from `seed`.
    pub fn new(seed: u64) -> Sim {
        Sim {
            seed,
            stall_limit: DEFAULT_STALL_LIMIT,
            policy: Policy::Random,
            stack_size: None,
        }
    }

    /// Sets the stack size of every simulated thread, in bytes (by default
    /// [`DEFAULT_STACK_SIZE`], or what [`STACK_VAR`] says). A thread that runs past its stack
    /// ends the process with a report naming it, as an OS thread's overflow does.
    pub fn stack_size(mut self, bytes: usize) -> Sim {
        self.stack_size = Some(bytes);
        self
    }

    /// Sets the scheduler ([`Policy::Random`] by default).
    pub fn policy(mut self, policy: Policy) -> Sim {
        self.policy = policy;
        self
    }

    /// Sets how long (real time) a thread may run without reaching a labsim primitive
    /// before the simulation fails with [`SimError::Stalled`]. Long pure computations (a
    /// linearizability check inside the simulation) may need more than the default.
    pub fn stall_limit(mut self, limit: Duration) -> Sim {
        self.stall_limit = limit;
        self
    }

    /// The seed this simulation runs with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Runs `main` as thread `main` of a new simulation and returns its value once it
    /// returns. Threads still alive then are unwound, one at a time (as if the process
    /// exited, except that their destructors run). Fails on deadlock, on a panic in any
    /// simulated thread, and on a stall.
    ///
    /// Every simulated thread runs on one OS thread started for the simulation (named as
    /// the caller is, so a test's panic message names the test), as a coroutine with its own
    /// stack; a switch between them is a jump in user space.
    ///
    /// Panics when called from inside a simulation, and when [`STACK_VAR`] is set to
    /// something that is not a size.
    pub fn run<F, T>(self, main: F) -> Result<T, SimError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.run_with_stats(main).map(|(value, _)| value)
    }

    /// [`run`](Sim::run), also returning the run's counters.
    pub fn run_with_stats<F, T>(self, main: F) -> Result<(T, SimStats), SimError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        assert!(
            !context::in_sim(),
            "labsim: Sim::run called from inside a simulation"
        );
        let stack_size = self.stack_size.unwrap_or_else(stack_size_from_env);
        context::install_panic_hook();
        let _alive = context::simulation_alive();
        let shared = shared::Shared::new(self.seed, self.policy);
        let (body, main_result) = threads::main_thread(&shared, main);
        let name = std::thread::current()
            .name()
            .map_or_else(|| format!("labsim seed {}", self.seed), str::to_string);
        let executor = executor::start(Arc::clone(&shared), name, stack_size, body);
        supervisor::supervise(&shared, self.stall_limit, executor);
        let (failure, stats) = {
            let mut guard = shared.scheduler.lock();
            (guard.failure.take(), guard.stats.clone())
        };
        if let Some(error) = failure {
            return Err(error);
        }
        match threads::take_outcome(&main_result) {
            Ok(value) => Ok((value, stats)),
            Err(_) => panic!("labsim: main ended without a value and without a failure"),
        }
    }
}

/// The stack size [`STACK_VAR`] asks for, or [`DEFAULT_STACK_SIZE`].
fn stack_size_from_env() -> usize {
    match std::env::var(STACK_VAR) {
        Err(_) => DEFAULT_STACK_SIZE,
        Ok(text) => parse_size(&text).unwrap_or_else(|| {
            panic!(
                "labsim: {STACK_VAR}={text:?} is not a stack size: write bytes, or a number \
                 with K or M (say {STACK_VAR}=16M), at least 64K"
            )
        }),
    }
}

/// `"65536"`, `"64K"`, `"16M"` (either case) as bytes; `None` for anything else or for less
/// than 64 KiB.
fn parse_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last()? {
        (at, 'k' | 'K') => (&text[..at], 1 << 10),
        (at, 'm' | 'M') => (&text[..at], 1 << 20),
        _ => (text, 1),
    };
    let bytes = digits.parse::<usize>().ok()?.checked_mul(unit)?;
    (bytes >= 64 << 10).then_some(bytes)
}

/// Whether the calling thread belongs to a simulation.
pub fn is_simulated() -> bool {
    context::in_sim()
}

/// Virtual time since the start of the calling thread's simulation, or `None` outside one
/// (log lines print it in simulation).
pub fn virtual_time() -> Option<Duration> {
    context::current().map(|context| context.now())
}

/// The scheduler of the calling thread's simulation, or `None` outside one (a replay command
/// names it when it is not [`Policy::Random`]: [`Policy::env_assignment`]).
pub fn current_policy() -> Option<Policy> {
    context::current().map(|context| context.shared.policy)
}

/// The seed of the calling thread's simulation, or `None` outside one.
pub fn current_seed() -> Option<u64> {
    context::current().map(|context| context.seed())
}

/// Every unfinished thread of the calling thread's simulation, one line each, saying where it
/// waits and for what (as a deadlock report does), or `None` outside a simulation. A test that
/// times out prints it, so a hang that is no cycle (a lost wake-up, a channel nobody reads)
/// shows where each thread stands.
pub fn thread_report() -> Option<String> {
    let context = context::current()?;
    let guard = context.shared.scheduler.lock();
    Some(report::threads(&guard, Some(context.tid)))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn stack_sizes_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_size("16M"), Some(16 << 20));
        assert_eq!(parse_size("512k"), Some(512 << 10));
        assert_eq!(parse_size(" 1048576 "), Some(1 << 20));
        for bad in ["", "M", "16G", "-1M", "lots", "1K", "99999999999999999999M"] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }
}
