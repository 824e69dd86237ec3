//! A hash of the set of linearized operations, kept up to date in O(1) per change.

use crate::hashing::mix64;

/// The XOR of one random-looking word per member (Zobrist hashing): adding or removing an
/// operation updates it in O(1), and equal sets always hash equally. It only spreads memo
/// entries over buckets; the memo compares the sets themselves (by their frontier).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SetHash(u64);

impl SetHash {
    /// Adds or removes operation `index` (the same call does both: XOR is its own inverse).
    pub fn toggle(&mut self, index: usize) {
        self.0 ^= mix64((index as u64).wrapping_add(0x9e37_79b9_7f4a_7c15));
    }

    /// The hash of the current members.
    pub fn get(self) -> u64 {
        self.0
    }
}
