//! The per-partition search: Wing & Gong's backtracking over the entry list, with Lowe's
//! memoization of (linearized set, state). It runs in slices so a scheduler can interleave
//! partitions, stop them, and enforce a deadline from inside the loop.

use crate::bitset::Bitset;
use crate::entries::EntryList;
use crate::hashing::fx_hash;
use crate::memo::Memo;
use crate::model::Model;
use crate::view::OpView;

/// How a slice of search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// The budget ran out; call `run` again.
    Running,
    /// Every operation was linearized.
    Linearizable,
    /// The search space is exhausted: no linearization exists.
    Illegal,
}

/// An operation linearized so far, and the state before it, for backtracking.
struct Frame<S> {
    call_node: u32,
    state_before: S,
}

/// The search over one partition. Local operation `i` is `operations[i]`.
pub(crate) struct Search<'a, 'h, M: Model> {
    model: &'a M,
    operations: Vec<OpView<'h, M>>,
    list: EntryList,
    state: M::State,
    linearized: Bitset,
    stack: Vec<Frame<M::State>>,
    memo: Memo<M::State>,
    cursor: u32,
    /// The longest linearizable prefix seen (local indices), for the picture.
    longest: Vec<u32>,
    /// The operation whose return stopped the longest prefix from growing.
    blocked: Option<u32>,
}

impl<'a, 'h, M: Model> Search<'a, 'h, M> {
    /// A search over `operations`, starting from the model's initial state.
    pub fn new(model: &'a M, operations: Vec<OpView<'h, M>>) -> Self {
        let times: Vec<_> = operations.iter().map(|op| (op.call, op.ret)).collect();
        let list = EntryList::new(&times);
        let linearized = Bitset::new(operations.len());
        let memo = Memo::new(linearized.words().len());
        Search {
            model,
            cursor: list.first(),
            list,
            state: model.init(),
            linearized,
            stack: Vec::new(),
            memo,
            operations,
            longest: Vec::new(),
            blocked: None,
        }
    }

    /// Runs at most `budget` iterations of the search loop.
    pub fn run(&mut self, budget: usize) -> Progress {
        for _ in 0..budget {
            if self.list.is_empty() {
                self.record_prefix(None);
                return Progress::Linearizable;
            }
            let node = self.cursor;
            if self.list.is_call(node) {
                self.try_linearize(node);
            } else if !self.backtrack(node) {
                return Progress::Illegal;
            }
        }
        Progress::Running
    }

    /// At a call entry: linearize the operation here if the model allows it and the
    /// resulting configuration is new; otherwise move on to the next entry.
    fn try_linearize(&mut self, call_node: u32) {
        let op = self.list.operation(call_node);
        let view = &self.operations[op];
        let Some(next_state) = self.model.step(&self.state, view.input, view.output) else {
            self.cursor = self.list.next(call_node);
            return;
        };
        self.linearized.insert(op);
        let is_new = self.memo.insert_if_new(
            self.linearized.words(),
            self.linearized.hash(),
            &next_state,
            fx_hash(&next_state),
            |state| self.model.state_bytes(state),
        );
        if !is_new {
            self.linearized.remove(op);
            self.cursor = self.list.next(call_node);
            return;
        }
        let state_before = std::mem::replace(&mut self.state, next_state);
        self.stack.push(Frame {
            call_node,
            state_before,
        });
        self.list.lift(call_node);
        self.cursor = self.list.first();
    }

    /// At a return entry: its operation was not linearized in time, so undo the last
    /// choice and try the entry after it. Returns false when there is nothing to undo.
    fn backtrack(&mut self, return_node: u32) -> bool {
        self.record_prefix(Some(self.list.operation(return_node) as u32));
        let Some(frame) = self.stack.pop() else {
            return false;
        };
        self.state = frame.state_before;
        self.linearized.remove(self.list.operation(frame.call_node));
        self.list.unlift(frame.call_node);
        self.cursor = self.list.next(frame.call_node);
        true
    }

    /// Keeps the current stack as the longest prefix if it beats the one recorded.
    fn record_prefix(&mut self, blocked: Option<u32>) {
        if self.stack.len() > self.longest.len()
            || (self.longest.is_empty() && self.blocked.is_none())
        {
            self.longest.clear();
            let list = &self.list;
            self.longest.extend(
                self.stack
                    .iter()
                    .map(|frame| list.operation(frame.call_node) as u32),
            );
            self.blocked = blocked;
        }
    }

    /// The longest linearizable prefix found (a full linearization once `Linearizable`),
    /// and the operation that could not be linearized after it.
    pub fn longest_prefix(&self) -> (&[u32], Option<u32>) {
        (&self.longest, self.blocked)
    }

    /// Approximate bytes held by the memo.
    pub fn memo_bytes(&self) -> usize {
        self.memo.bytes()
    }

    /// Hands over the memo, so a caller can free it off the critical path.
    pub fn take_memo(&mut self) -> Memo<M::State> {
        std::mem::replace(&mut self.memo, Memo::new(1))
    }
}
