//! The set of linearized operations, with an incrementally maintained hash.

use crate::hashing::mix64;

/// A fixed-size bitset over a partition's operations. Its hash is the XOR of one random-looking
/// word per member (Zobrist hashing), so setting or clearing a bit updates it in O(1).
pub(crate) struct Bitset {
    words: Vec<u64>,
    hash: u64,
}

impl Bitset {
    /// An empty set for `len` operations.
    pub fn new(len: usize) -> Self {
        Bitset {
            words: vec![0; len.div_ceil(64).max(1)],
            hash: 0,
        }
    }

    /// Adds operation `index` (which must be absent).
    pub fn insert(&mut self, index: usize) {
        self.words[index / 64] |= 1 << (index % 64);
        self.hash ^= member_hash(index);
    }

    /// Removes operation `index` (which must be present).
    pub fn remove(&mut self, index: usize) {
        self.words[index / 64] &= !(1 << (index % 64));
        self.hash ^= member_hash(index);
    }

    /// The words, for storing a copy in the memo.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// The hash of the current members.
    pub fn hash(&self) -> u64 {
        self.hash
    }
}

/// The Zobrist word for one member.
fn member_hash(index: usize) -> u64 {
    mix64((index as u64).wrapping_add(0x9e37_79b9_7f4a_7c15))
}
