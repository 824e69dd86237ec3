//! The scheduler's own random stream: SplitMix64, small, fast and stable across crate
//! versions, so a seed keeps naming the same schedule after a `cargo update`.

/// A SplitMix64 generator (Steele, Lea and Flood, 2014).
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A stream determined by `seed` and a `stream` label, so that one simulation seed gives
    /// independent streams for scheduling and for the user's random numbers.
    pub(crate) fn new(seed: u64, stream: u64) -> SplitMix64 {
        let mut mixer = SplitMix64 {
            state: seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F),
        };
        SplitMix64 {
            state: mixer.next_u64(),
        }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound > 0`), by Lemire's multiply-shift; the tiny bias is
    /// irrelevant for picking among a few threads.
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        debug_assert!(bound > 0, "below(0)");
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }
}

/// Folds `value` into a running hash (used for the schedule fingerprint).
pub(crate) fn mix(hash: u64, value: u64) -> u64 {
    let mut mixer = SplitMix64::new(hash, value);
    mixer.next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_streams_differ() {
        let mut a = SplitMix64::new(7, 1);
        let mut b = SplitMix64::new(7, 1);
        let mut c = SplitMix64::new(7, 2);
        let first = a.next_u64();
        assert_eq!(first, b.next_u64());
        assert_ne!(first, c.next_u64());
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = SplitMix64::new(1, 0);
        for bound in 1..50 {
            assert!(rng.below(bound) < bound);
        }
    }
}
