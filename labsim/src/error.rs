//! Why a simulation failed.

use std::fmt;
use std::time::Duration;

/// How a simulation ended without its main closure returning a value.
///
/// `Display` gives the whole report (several lines for a deadlock); `Debug` prints the same,
/// so `run(..).unwrap()` in a test shows a readable report.
#[derive(thiserror::Error)]
pub enum SimError {
    /// No thread could run and no deadline was pending, or some threads waited for each other
    /// in a cycle that no timer can end (mutex holders, joined threads, and the threads that
    /// claimed a channel's other side).
    #[error("simulation (seed {seed}) deadlocked at virtual time {at:?}: {report}")]
    Deadlock {
        /// The simulation's seed, to replay it.
        seed: u64,
        /// Virtual time since the start of the simulation.
        at: Duration,
        /// What deadlocked (no thread can run, or a cycle), then one line per unfinished thread:
        /// name, where it waits and for what; the threads of a cycle come first.
        report: String,
    },
    /// A simulated thread panicked; the simulation stopped there.
    #[error(
        "simulation (seed {seed}): thread '{thread}' panicked at virtual time {at:?}: {message}"
    )]
    Panicked {
        /// The simulation's seed, to replay it.
        seed: u64,
        /// Virtual time of the panic.
        at: Duration,
        /// The name of the thread that panicked.
        thread: String,
        /// The panic message (or a placeholder when the payload is not a string).
        message: String,
    },
    /// A thread ran for too long in real time without reaching a labsim primitive: a busy
    /// loop, or a block outside labsim (std sleep, real I/O, a raw lock).
    #[error(
        "simulation (seed {seed}): thread '{thread}' ran for {real:?} of real time without \
         reaching a labsim primitive (a busy loop, or blocking outside labsim?) at virtual \
         time {at:?}"
    )]
    Stalled {
        /// The simulation's seed, to replay it.
        seed: u64,
        /// Virtual time when it was caught.
        at: Duration,
        /// The name of the thread that kept the run token.
        thread: String,
        /// How long it ran without a primitive.
        real: Duration,
    },
    /// Threads kept reaching primitives for too long in real time, but none ever blocked, so
    /// virtual time stood still: a polling loop (`try_recv` or `Instant::now` in a loop
    /// without a sleep) that would spin forever.
    #[error(
        "simulation (seed {seed}): for {real:?} of real time no thread blocked, so virtual \
         time stood still at {at:?} (a polling loop without a sleep?); thread '{thread}' was \
         running"
    )]
    Livelock {
        /// The simulation's seed, to replay it.
        seed: u64,
        /// Virtual time, which stood still.
        at: Duration,
        /// The name of the thread running when it was caught.
        thread: String,
        /// How long no thread blocked.
        real: Duration,
    },
    /// Virtual time did not move for too long in real time although threads kept blocking:
    /// some threads wake each other at one instant forever (a call that fails at once,
    /// retried at once), and nothing that needs time to pass ever happens.
    #[error(
        "simulation (seed {seed}): for {real:?} of real time virtual time stood still at \
         {at:?}, though threads kept blocking and waking (a loop that retries at once, never \
         waiting for time?); where each thread stands:\n{report}"
    )]
    TimeStoodStill {
        /// The simulation's seed, to replay it.
        seed: u64,
        /// Virtual time, which stood still.
        at: Duration,
        /// How long it stood still in real time.
        real: Duration,
        /// Every unfinished thread, where it waits and for what.
        report: String,
    },
}

impl fmt::Debug for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl SimError {
    /// The seed of the failed simulation.
    pub fn seed(&self) -> u64 {
        match self {
            SimError::Deadlock { seed, .. }
            | SimError::Panicked { seed, .. }
            | SimError::Stalled { seed, .. }
            | SimError::Livelock { seed, .. }
            | SimError::TimeStoodStill { seed, .. } => *seed,
        }
    }
}
