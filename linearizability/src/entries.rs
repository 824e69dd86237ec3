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
    /// Scratch space for `rebuild`, kept to save allocations.
    entries: Vec<(Time, bool, u32)>,
    return_node: Vec<u32>,
}

/// Index of the head sentinel.
const HEAD: u32 = 0;
const NOT_A_CALL: u32 = u32::MAX;

impl EntryList {
    /// Builds the list from each operation's `(call, ret)` times: entries sorted by time,
    /// calls before returns when times tie (the closed-interval rule).
    pub fn new(times: &[(Time, Time)]) -> Self {
        let mut list = EntryList {
            next: Vec::new(),
            prev: Vec::new(),
            matching_return: Vec::new(),
            operation: Vec::new(),
            entries: Vec::new(),
            return_node: Vec::new(),
        };
        list.rebuild(times.iter().copied());
        list
    }

    /// Rebuilds the list for other times, reusing its buffers.
    pub fn rebuild(&mut self, times: impl Iterator<Item = (Time, Time)>) {
        let entries = &mut self.entries;
        entries.clear();
        for (op, (call, ret)) in times.enumerate() {
            entries.push((call, false, op as u32));
            entries.push((ret, true, op as u32));
        }
        // `false < true`: calls sort before returns at equal times.
        entries.sort_unstable();
        let nodes = entries.len() + 2;
        let tail = (nodes - 1) as u32;
        self.next.clear();
        self.next.extend(1..=nodes as u32);
        self.next[tail as usize] = tail;
        self.prev.clear();
        self.prev
            .extend((0..nodes as u32).map(|n| n.wrapping_sub(1)));
        self.matching_return.clear();
        self.matching_return.resize(nodes, NOT_A_CALL);
        self.operation.clear();
        self.operation.resize(nodes, 0);
        self.return_node.clear();
        self.return_node.resize(entries.len() / 2, 0);
        for (position, &(_, is_return, op)) in entries.iter().enumerate() {
            let node = position + 1;
            self.operation[node] = op;
            if is_return {
                self.return_node[op as usize] = node as u32;
            }
        }
        for (position, &(_, is_return, op)) in entries.iter().enumerate() {
            if !is_return {
                self.matching_return[position + 1] = self.return_node[op as usize];
            }
        }
    }

    /// The first node after the head.
    pub fn first(&self) -> u32 {
        self.next[HEAD as usize]
    }

    /// Whether every operation has been lifted.
    pub fn is_empty(&self) -> bool {
        self.first() as usize == self.next.len() - 1
    }

    /// Appends the frontier to `out`: the call nodes before the first remaining return, then
    /// that return (nothing when the list is empty). Within one list the frontier names the
    /// set of lifted operations exactly: every operation called before that return and not
    /// in the frontier has been lifted, and none called after it has. So it is a key for
    /// that set whose length is the concurrency at that point, not the history's length.
    pub fn frontier(&self, out: &mut Vec<u32>) {
        let mut node = self.first();
        while node as usize != self.next.len() - 1 {
            out.push(node);
            if !self.is_call(node) {
                return;
            }
            node = self.next(node);
        }
    }

    /// Whether `node` is the tail sentinel, after every entry.
    pub fn is_past_end(&self, node: u32) -> bool {
        node as usize == self.next.len() - 1
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
