//! Random numbers that a seed pins down.
//!
//! [`LabRng`] is a seeded `rand` generator (`StdRng`) that implements `RngCore`, so every
//! `rand::Rng` method works on it. Where its seed comes from:
//! - in simulation, from the simulation's seed and the order of creation, so a run's random
//!   numbers replay with its schedule;
//! - in real mode, from `LAB_SEED` mixed with a process-wide counter (distinct generators,
//!   fixed streams), or from OS entropy when `LAB_SEED` is unset.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use rand::distributions::{Distribution, Standard};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

use crate::sim::context;

/// The environment variable holding the seed of a run (simulation or real).
pub const SEED_VAR: &str = "LAB_SEED";

/// A seeded random-number generator; see the [module docs](self) for where seeds come from.
#[derive(Clone, Debug)]
pub struct LabRng(StdRng);

impl LabRng {
    /// A fresh generator, seeded as the [module docs](self) say.
    pub fn new() -> LabRng {
        match context::current() {
            Some(context) => LabRng::seed_from_u64(context.user_seed()),
            None => match env_seed() {
                Some(seed) => LabRng::seed_from_u64(seed ^ next_stream().rotate_left(32)),
                None => LabRng(StdRng::from_entropy()),
            },
        }
    }
}

impl Default for LabRng {
    fn default() -> LabRng {
        LabRng::new()
    }
}

impl RngCore for LabRng {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    #[inline]
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }

    #[inline]
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.0.try_fill_bytes(dest)
    }
}

impl SeedableRng for LabRng {
    type Seed = <StdRng as SeedableRng>::Seed;

    fn from_seed(seed: Self::Seed) -> LabRng {
        LabRng(StdRng::from_seed(seed))
    }

    fn seed_from_u64(state: u64) -> LabRng {
        LabRng(StdRng::seed_from_u64(state))
    }
}

/// One random value, like `rand::random`, drawn from a fresh [`LabRng`] (so deterministic in
/// simulation).
pub fn random<T>() -> T
where
    Standard: Distribution<T>,
{
    LabRng::new().gen()
}

/// The seed of this run: the simulation's seed inside one; otherwise `LAB_SEED` if set,
/// else one drawn from OS entropy once per process. Print it so a run can be replayed.
pub fn seed() -> u64 {
    if let Some(context) = context::current() {
        return context.seed();
    }
    static PROCESS_SEED: OnceLock<u64> = OnceLock::new();
    *PROCESS_SEED.get_or_init(|| env_seed().unwrap_or_else(|| StdRng::from_entropy().gen()))
}

/// `LAB_SEED` parsed once; panics with a clear message if it is set but not a number.
pub(crate) fn env_seed() -> Option<u64> {
    static SEED: OnceLock<Option<u64>> = OnceLock::new();
    *SEED.get_or_init(|| {
        let text = std::env::var(SEED_VAR).ok()?;
        let seed = text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{SEED_VAR}={text:?} is not an unsigned 64-bit number"));
        Some(seed)
    })
}

/// A distinct stream number per real-mode generator.
fn next_stream() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
