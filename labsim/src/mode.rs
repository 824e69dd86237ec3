//! Choosing the mode at run time: `LAB_SIM=1` runs under simulation, anything else real.

use crate::rand::{env_seed, SEED_VAR};
use crate::sim::{Policy, Sim};

/// The environment variable that turns simulation on (`LAB_SIM=1`).
pub const SIM_VAR: &str = "LAB_SIM";

/// The two ways to run code written against labsim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// OS threads, parking_lot, crossbeam-channel and the OS clock.
    Real,
    /// One seeded, deterministic simulation in virtual time.
    Simulated {
        /// The simulation's seed.
        seed: u64,
        /// The scheduler it runs under (`LAB_SCHED`).
        policy: Policy,
    },
}

impl Mode {
    /// The mode the environment asks for: simulated if `LAB_SIM` is `1` (or `true`), with
    /// the seed from `LAB_SEED` or a fresh random one and the scheduler `LAB_SCHED` names
    /// (panicking with what to write if it names none); real otherwise.
    pub fn from_env() -> Mode {
        let wanted = std::env::var(SIM_VAR)
            .map(|value| matches!(value.trim(), "1" | "true" | "yes"))
            .unwrap_or(false);
        if !wanted {
            return Mode::Real;
        }
        let seed = env_seed().unwrap_or_else(rand::random);
        let policy = Policy::from_env().unwrap_or_else(|error| panic!("{error}"));
        Mode::Simulated { seed, policy }
    }
}

/// Runs `main` in the mode the environment chooses ([`Mode::from_env`]) and returns its
/// value. In simulation a failure (deadlock, panic, stall) panics with the report and the
/// command line that replays it; a real-mode panic propagates as usual.
pub fn run<F, T>(main: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match Mode::from_env() {
        Mode::Real => main(),
        Mode::Simulated { seed, policy } => {
            Sim::new(seed)
                .policy(policy)
                .run(main)
                .unwrap_or_else(|error| {
                    let scheduler = policy
                        .env_assignment()
                        .map(|assignment| format!(" {assignment}"))
                        .unwrap_or_default();
                    panic!(
                        "{error}\nreplay it exactly with {SIM_VAR}=1 {SEED_VAR}={seed}{scheduler}"
                    )
                })
        }
    }
}
