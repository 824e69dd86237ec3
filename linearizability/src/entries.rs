//! The doubly linked list of call and return entries that the search lifts operations out of.

use crate::history::Time;

/// One node per call and per return, plus a head and a tail sentinel. Nodes are indices;
/// a lifted node keeps its own links so it can be put back in O(1) (dancing links).
pub(crate) struct EntryList {
    next: Vec<u32>,
    prev: Vec<u32>,
    /// For a call node, its return node; for a return node, `NOT_A_CALL`.
    matching_return: Vec<u32>,
    /// The operation (local index) each node belongs to.
    operation: Vec<u32>,
}

/// Index of the head sentinel.
const HEAD: u32 = 0;
const NOT_A_CALL: u32 = u32::MAX;

impl EntryList {
    /// Builds the list from each operation's `(call, ret)` times: entries sorted by time,
    /// calls before returns when times tie (the closed-interval rule).
    pub fn new(times: &[(Time, Time)]) -> Self {
        let mut entries: Vec<(Time, bool, u32)> = Vec::with_capacity(times.len() * 2);
        for (op, &(call, ret)) in times.iter().enumerate() {
            entries.push((call, false, op as u32));
            entries.push((ret, true, op as u32));
        }
        // `false < true`: calls sort before returns at equal times.
        entries.sort_by_key(|&(time, is_return, op)| (time, is_return, op));
        let nodes = entries.len() + 2;
        let tail = (nodes - 1) as u32;
        let mut list = EntryList {
            next: (1..=nodes as u32).collect(),
            prev: (0..nodes as u32).map(|n| n.wrapping_sub(1)).collect(),
            matching_return: vec![NOT_A_CALL; nodes],
            operation: vec![0; nodes],
        };
        list.next[tail as usize] = tail;
        let mut return_node = vec![0u32; times.len()];
        for (position, &(_, is_return, op)) in entries.iter().enumerate() {
            let node = position + 1;
            list.operation[node] = op;
            if is_return {
                return_node[op as usize] = node as u32;
            }
        }
        for (position, &(_, is_return, op)) in entries.iter().enumerate() {
            if !is_return {
                list.matching_return[position + 1] = return_node[op as usize];
            }
        }
        list
    }

    /// The first node after the head.
    pub fn first(&self) -> u32 {
        self.next[HEAD as usize]
    }

    /// Whether every operation has been lifted.
    pub fn is_empty(&self) -> bool {
        self.first() as usize == self.next.len() - 1
    }

    /// The node after `node`.
    pub fn next(&self, node: u32) -> u32 {
        self.next[node as usize]
    }

    /// Whether `node` is a call entry.
    pub fn is_call(&self, node: u32) -> bool {
        self.matching_return[node as usize] != NOT_A_CALL
    }

    /// The operation `node` belongs to.
    pub fn operation(&self, node: u32) -> usize {
        self.operation[node as usize] as usize
    }

    /// Unlinks a call node and its return node.
    pub fn lift(&mut self, call: u32) {
        self.unlink(call);
        self.unlink(self.matching_return[call as usize]);
    }

    /// Relinks what `lift(call)` unlinked; lifts must be undone in reverse order.
    pub fn unlift(&mut self, call: u32) {
        self.relink(self.matching_return[call as usize]);
        self.relink(call);
    }

    fn unlink(&mut self, node: u32) {
        let (prev, next) = (self.prev[node as usize], self.next[node as usize]);
        self.next[prev as usize] = next;
        self.prev[next as usize] = prev;
    }

    fn relink(&mut self, node: u32) {
        let (prev, next) = (self.prev[node as usize], self.next[node as usize]);
        self.next[prev as usize] = node;
        self.prev[next as usize] = node;
    }
}
