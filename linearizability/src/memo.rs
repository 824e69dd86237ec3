//! Lowe's memoization: the (linearized set, state) configurations already explored.
//!
//! A configuration's set of linearized operations is stored as its frontier in the segment's
//! entry list (see [`crate::entries::EntryList::frontier`]): as many words as operations were
//! pending there, so an entry costs the concurrency of the history, not its length.

use crate::hashing::{mix64, BuildIdentity};
use std::collections::HashMap;

/// Per entry beyond its frontier and state: where its frontier starts, its chain link, and
/// its share of the hash table (a slot of key and head, at most half full).
const ENTRY_OVERHEAD_BYTES: usize = 8 + 4 + 24;

/// A memo cleared while holding more than this gives its buffers back.
const KEEP_BUFFERS_BYTES: usize = 1 << 20;

/// Marks the end of a bucket's chain.
const END: u32 = u32::MAX;

/// A set of (frontier, state) pairs stored flat: frontiers in one arena, states in another,
/// buckets as chains of indices.
pub(crate) struct Memo<S> {
    /// Every frontier, back to back; entry `i`'s is `frontiers[starts[i]..starts[i + 1]]`.
    frontiers: Vec<u32>,
    starts: Vec<usize>,
    states: Vec<S>,
    /// Next entry in the same bucket.
    chain: Vec<u32>,
    /// First entry of each bucket, by combined key.
    heads: HashMap<u64, u32, BuildIdentity>,
    /// Approximate bytes held, for the memory bound.
    bytes: usize,
}

impl<S: Eq + Clone> Memo<S> {
    /// An empty memo.
    pub fn new() -> Self {
        Memo {
            frontiers: Vec::new(),
            starts: vec![0],
            states: Vec::new(),
            chain: Vec::new(),
            heads: HashMap::default(),
            bytes: 0,
        }
    }

    /// Records the configuration unless already present; returns whether it was new.
    /// `set_hash` and `state_hash` must be hashes of the linearized set and of `state`.
    pub fn insert_if_new(
        &mut self,
        frontier: &[u32],
        set_hash: u64,
        state: &S,
        state_hash: u64,
        state_bytes: impl FnOnce(&S) -> usize,
    ) -> bool {
        let key = mix64(set_hash ^ state_hash.rotate_left(29));
        let next = self.states.len() as u32;
        let head = self.heads.entry(key).or_insert(END);
        let mut index = *head;
        while index != END {
            let at = index as usize;
            let stored = &self.frontiers[self.starts[at]..self.starts[at + 1]];
            if stored == frontier && &self.states[at] == state {
                return false;
            }
            index = self.chain[at];
        }
        self.chain.push(*head);
        *head = next;
        self.frontiers.extend_from_slice(frontier);
        self.starts.push(self.frontiers.len());
        self.states.push(state.clone());
        self.bytes += frontier.len() * 4 + ENTRY_OVERHEAD_BYTES + state_bytes(state);
        true
    }

    /// Forgets every entry, keeping the buffers unless they are large.
    pub fn clear(&mut self) {
        if self.bytes > KEEP_BUFFERS_BYTES {
            *self = Memo::new();
            return;
        }
        self.frontiers.clear();
        self.starts.truncate(1);
        self.states.clear();
        self.chain.clear();
        self.heads.clear();
        self.bytes = 0;
    }

    /// Approximate bytes held: entries, chain links and the hash table.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}
