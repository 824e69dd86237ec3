//! Simulation mode: [`Sim`] runs a closure as the main thread of one simulation.
//!
//! # Layout
//!
//! - `context`: the thread-local handle that makes a thread part of a simulation;
//! - `scheduler`: threads, runnable list, timers and wait queues (bookkeeping only);
//! - `shared`: the scheduler under its lock, and handing the run token between OS threads;
//! - `threads`: starting and finishing simulated threads;
//! - `supervisor`: the caller of `run` waits for the end and watches for stalls;
//! - `cycle`: finding threads that wait for each other; `report`: the deadlock report and
//!   the list of threads; `wait`: what a thread waits for; `rng`: the schedule's
//!   random stream; `stats`: counters of a run.

pub(crate) mod context;
mod cycle;
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
}

impl Sim {
    /// A simulation whose every choice derives from `seed`.
    pub fn new(seed: u64) -> Sim {
        Sim {
            seed,
            stall_limit: DEFAULT_STALL_LIMIT,
            policy: Policy::Random,
        }
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
    /// returns. Threads still alive then are unwound (as if the process exited). Fails on
    /// deadlock, on a panic in any simulated thread, and on a stall.
    ///
    /// Panics when called from inside a simulation.
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
        let _alive = context::simulation_alive();
        let shared = shared::Shared::new(self.seed, self.policy);
        let main_result = threads::start_os_thread(Arc::clone(&shared), 0, "main".into(), main);
        supervisor::supervise(&shared, self.stall_limit);
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
