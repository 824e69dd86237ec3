//! Lowe's memoization: the (linearized set, state) configurations already explored.

use crate::hashing::{mix64, BuildIdentity};
use std::collections::HashMap;

/// Per entry beyond its bitset and state: its chain link and its share of the hash table.
const ENTRY_OVERHEAD_BYTES: usize = 4 + 16;

/// Marks the end of a bucket's chain.
const END: u32 = u32::MAX;

/// A set of (bitset, state) pairs stored flat: bitsets in one arena, states in another,
/// buckets as chains of indices, so an entry costs its bitset words, its state and 8 bytes.
pub(crate) struct Memo<S> {
    /// Words per bitset.
    stride: usize,
    bitsets: Vec<u64>,
    states: Vec<S>,
    /// Next entry in the same bucket.
    chain: Vec<u32>,
    /// First entry of each bucket, by combined key.
    heads: HashMap<u64, u32, BuildIdentity>,
    /// Approximate bytes held, for the memory bound.
    bytes: usize,
}

impl<S: Eq> Memo<S> {
    /// An empty memo for bitsets of `stride` words.
    pub fn new(stride: usize) -> Self {
        Memo {
            stride,
            bitsets: Vec::new(),
            states: Vec::new(),
            chain: Vec::new(),
            heads: HashMap::default(),
            bytes: 0,
        }
    }

    /// Records the configuration unless already present; returns whether it was new.
    /// `bitset_hash` and `state_hash` must be the hashes of `bitset` and `state`.
    pub fn insert_if_new(
        &mut self,
        bitset: &[u64],
        bitset_hash: u64,
        state: &S,
        state_hash: u64,
        state_bytes: impl FnOnce(&S) -> usize,
    ) -> bool
    where
        S: Clone,
    {
        let key = mix64(bitset_hash ^ state_hash.rotate_left(29));
        let next = self.states.len() as u32;
        let head = self.heads.entry(key).or_insert(END);
        let mut index = *head;
        while index != END {
            let at = index as usize;
            let stored = &self.bitsets[at * self.stride..(at + 1) * self.stride];
            if &self.states[at] == state && stored == bitset {
                return false;
            }
            index = self.chain[at];
        }
        self.chain.push(*head);
        *head = next;
        self.bitsets.extend_from_slice(bitset);
        self.states.push(state.clone());
        self.bytes += self.stride * 8 + ENTRY_OVERHEAD_BYTES + state_bytes(state);
        true
    }

    /// Approximate bytes held: entries, chain links and the hash table.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}
