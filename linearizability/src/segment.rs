//! Wing & Gong's backtracking search, with Lowe's memoization, over one segment of a
//! partition: the operations between two quiescent points.
//!
//! The search starts from one or more states (the states the previous segment can end in)
//! and either stops at the first full linearization, or, for a segment that has more after
//! it, finds every state the segment can end in. It runs in slices so a scheduler can
//! interleave partitions, stop them, and enforce a deadline from inside the loop.
//!
//! Two prunings keep it small, and neither can change a verdict, because each only drops
//! configurations that provably have no completion, or that have one exactly when a kept
//! configuration does:
//!
//! - A legal read-only operation (see `Model::is_read_only`) that may come next is taken at
//!   once, and the other orders from that configuration are not tried.
//! - A configuration is abandoned as soon as the model says some pending operation can no
//!   longer be linearized from its state (`Model::can_follow`).

use crate::entries::EntryList;
use crate::hashing::fx_hash;
use crate::memo::Memo;
use crate::model::Model;
use crate::set_hash::SetHash;
use crate::view::OpView;

/// How many list entries the early abandonment test looks at, at most: enough to cover the
/// operations pending at once in a crowded history, few enough to stay cheap.
const DOOM_WALK: usize = 48;

/// A partition's summary for `Model::forget`.
pub(crate) type Summary = dyn std::any::Any + Send + Sync;

/// What the search is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Goal {
    /// Stop at the first full linearization (the partition's last segment).
    AnyLinearization,
    /// Find every state a full linearization can end in (a segment with more after it).
    AllEndStates,
}

/// How a slice of search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// The budget ran out; call `run` again.
    Running,
    /// Every operation of the segment is linearized: `state()` is where it ended and
    /// `linearization()` the order. Call `run` again for more end states.
    Linearized,
    /// Nothing more from this start state.
    Exhausted,
}

/// An operation linearized so far, and the state before it, for backtracking.
struct Frame<S> {
    call_node: u32,
    state_before: S,
    /// Taken as the only step worth trying (a legal read-only operation): backtracking past
    /// it backtracks past the configuration it was taken from too.
    forced: bool,
}

/// The search over one segment. Local operation `i` is `operations[i]`.
pub(crate) struct SegmentSearch<'h, M: Model> {
    goal: Goal,
    operations: Vec<OpView<'h, M>>,
    list: EntryList,
    state: M::State,
    linearized: SetHash,
    stack: Vec<Frame<M::State>>,
    /// Shared by every start state: a configuration's future does not depend on its past.
    memo: Memo<M::State>,
    cursor: u32,
    /// Set after reporting an end state: the next `run` backtracks from it first.
    at_end: bool,
    /// Set on reaching a configuration, until its read-only operations have been looked at.
    fresh: bool,
    /// The operation that doomed the last step `push_if_new` refused, if one did.
    doomed_by: Option<u32>,
    /// Scratch space for frontiers, and for the operations `doomed` walks past.
    frontier: Vec<u32>,
    walked: Vec<u32>,
    /// The longest linearizable prefix seen (local indices), for the picture.
    longest: Vec<u32>,
    /// The operation whose return stopped the longest prefix from growing.
    blocked: Option<u32>,
    /// Which start state the longest prefix began from (as numbered by `restart`).
    longest_start: usize,
    start: usize,
}

impl<'h, M: Model> SegmentSearch<'h, M> {
    /// A search over `operations`; call `restart` before `run`.
    pub fn new(goal: Goal, operations: Vec<OpView<'h, M>>, initial: M::State) -> Self {
        let times: Vec<_> = operations.iter().map(|op| (op.call, op.ret)).collect();
        let list = EntryList::new(&times);
        SegmentSearch {
            goal,
            cursor: list.first(),
            list,
            state: initial,
            linearized: SetHash::default(),
            stack: Vec::new(),
            memo: Memo::new(),
            operations,
            at_end: false,
            fresh: true,
            doomed_by: None,
            frontier: Vec::new(),
            walked: Vec::new(),
            longest: Vec::new(),
            blocked: None,
            longest_start: 0,
            start: 0,
        }
    }

    /// Turns this search into a new one over `operations` (as `new` would), reusing its
    /// buffers: most segments are a few operations, and allocation would dominate them.
    pub fn reset(&mut self, goal: Goal, operations: impl Iterator<Item = OpView<'h, M>>) {
        self.goal = goal;
        self.operations.clear();
        self.operations.extend(operations);
        self.list
            .rebuild(self.operations.iter().map(|op| (op.call, op.ret)));
        self.linearized = SetHash::default();
        self.stack.clear();
        self.memo.clear();
        self.cursor = self.list.first();
        self.at_end = false;
        self.fresh = true;
        self.longest.clear();
        self.blocked = None;
        self.longest_start = 0;
        self.start = 0;
    }

    /// Starts over from `state`, numbered `start` for [`Self::longest_prefix`]. The previous
    /// start must have been run to `Exhausted`.
    pub fn restart(&mut self, start: usize, state: M::State) {
        debug_assert!(self.stack.is_empty(), "restart in the middle of a search");
        self.start = start;
        self.state = state;
        self.at_end = false;
        self.fresh = true;
        self.cursor = self.list.first();
    }

    /// Runs the search loop until it has news or `budget` (decremented as it goes) is spent.
    pub fn run(&mut self, model: &M, summary: Option<&Summary>, budget: &mut usize) -> Step {
        if std::mem::take(&mut self.at_end) && !self.backtrack() {
            return Step::Exhausted;
        }
        while *budget > 0 {
            *budget -= 1;
            if self.list.is_empty() {
                self.record_prefix(None);
                self.at_end = self.goal == Goal::AllEndStates;
                return Step::Linearized;
            }
            if std::mem::take(&mut self.fresh) {
                if let Some((node, next_state)) = self.legal_read_only(model) {
                    // The only step worth taking here (see `legal_read_only`): if it leads
                    // nowhere new, neither does this configuration.
                    if !self.push_if_new(model, summary, node, next_state, true) {
                        if let Some(doomed_by) = self.doomed_by.take() {
                            self.record_prefix(Some(doomed_by));
                        }
                        if !self.backtrack() {
                            return Step::Exhausted;
                        }
                    }
                    continue;
                }
            }
            let node = self.cursor;
            if self.list.is_call(node) {
                self.try_linearize(model, summary, node);
            } else {
                let blocked = self.list.operation(node) as u32;
                self.record_prefix(Some(blocked));
                if !self.backtrack() {
                    return Step::Exhausted;
                }
            }
        }
        Step::Running
    }

    /// At a call entry: linearize the operation here if the model allows it and the
    /// resulting configuration is new; otherwise move on to the next entry.
    fn try_linearize(&mut self, model: &M, summary: Option<&Summary>, call_node: u32) {
        let op = self.list.operation(call_node);
        let view = &self.operations[op];
        let Some(next_state) = model.step(&self.state, view.input, view.output) else {
            self.cursor = self.list.next(call_node);
            return;
        };
        if !self.push_if_new(model, summary, call_node, next_state, false) {
            self.cursor = self.list.next(call_node);
        }
    }

    /// Linearizes the operation of `call_node` (its step gave `next_state`) unless the
    /// configuration that makes is doomed or already explored; returns whether it did.
    /// `forced` marks a step that was the only one worth taking from where it was taken.
    fn push_if_new(
        &mut self,
        model: &M,
        summary: Option<&Summary>,
        call_node: u32,
        next_state: M::State,
        forced: bool,
    ) -> bool {
        let op = self.list.operation(call_node);
        let view = &self.operations[op];
        // A read-only step leaves the state as it was, already forgotten or not.
        let next_state = match summary {
            Some(summary) if !model.is_read_only(view.input, view.output) => {
                model.forget(&next_state, summary).unwrap_or(next_state)
            }
            _ => next_state,
        };
        self.linearized.toggle(op);
        self.list.lift(call_node);
        self.frontier.clear();
        self.list.frontier(&mut self.frontier);
        self.doomed_by = self.doomed(model, &next_state);
        let is_new = self.doomed_by.is_none()
            && self.memo.insert_if_new(
                &self.frontier,
                self.linearized.get(),
                &next_state,
                fx_hash(&next_state),
                |state| model.state_bytes(state),
            );
        if !is_new {
            self.list.unlift(call_node);
            self.linearized.toggle(op);
            return false;
        }
        let state_before = std::mem::replace(&mut self.state, next_state);
        self.stack.push(Frame {
            call_node,
            state_before,
            forced,
        });
        self.cursor = self.list.first();
        self.fresh = true;
        true
    }

    /// A read-only operation (see [`Model::is_read_only`]) that may come next and is legal
    /// now, with its step. Taking it now loses nothing: in any linearization from here that
    /// places it later, it can move to the front (it is pending and nothing pending must
    /// precede it, it is legal here, and it changes no state on the way), so the other
    /// orders need not be tried.
    fn legal_read_only(&self, model: &M) -> Option<(u32, M::State)> {
        let mut node = self.list.first();
        while !self.list.is_past_end(node) && self.list.is_call(node) {
            let view = &self.operations[self.list.operation(node)];
            if model.is_read_only(view.input, view.output) {
                if let Some(next_state) = model.step(&self.state, view.input, view.output) {
                    return Some((node, next_state));
                }
            }
            node = self.list.next(node);
        }
        None
    }

    /// Whether `state` can be abandoned at once, and if so the pending operation that can no
    /// longer be linearized, as the model sees it, after any of the operations that may still come
    /// before it (those called before it returned). Walks the list from the head for at most
    /// [`DOOM_WALK`] entries, so the test costs the concurrency, not the history.
    fn doomed(&mut self, model: &M, state: &M::State) -> Option<u32> {
        if !M::CAN_FOLLOW_PRUNES {
            return None;
        }
        self.walked.clear();
        let mut node = self.list.first();
        for _ in 0..DOOM_WALK {
            if self.list.is_past_end(node) {
                return None;
            }
            let op = self.list.operation(node);
            if self.list.is_call(node) {
                self.walked.push(op as u32);
            } else {
                let view = &self.operations[op];
                let operations = &self.operations;
                let mut between = self
                    .walked
                    .iter()
                    .filter(|&&other| other as usize != op)
                    .map(|&other| operations[other as usize].input);
                if !model.can_follow(state, view.input, view.output, &mut between) {
                    return Some(op as u32);
                }
            }
            node = self.list.next(node);
        }
        None
    }

    /// Undoes the last choice and moves to the entry after it. Returns false when there is
    /// nothing to undo.
    fn backtrack(&mut self) -> bool {
        while let Some(frame) = self.stack.pop() {
            self.state = frame.state_before;
            self.linearized.toggle(self.list.operation(frame.call_node));
            self.list.unlift(frame.call_node);
            if !frame.forced {
                self.cursor = self.list.next(frame.call_node);
                return true;
            }
            // A forced step was the only one worth taking from the configuration below it,
            // so that configuration is exhausted too.
        }
        false
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
            self.longest_start = self.start;
        }
    }

    /// The state the search is in: after `Linearized`, the segment's end state.
    pub fn state(&self) -> &M::State {
        &self.state
    }

    /// The operations linearized so far, in order (local indices).
    pub fn linearization(&self) -> impl Iterator<Item = u32> + '_ {
        self.stack
            .iter()
            .map(|frame| self.list.operation(frame.call_node) as u32)
    }

    /// The longest linearizable prefix found (local indices), the start state it began
    /// from, and the operation that could not be linearized after it.
    pub fn longest_prefix(&self) -> (&[u32], usize, Option<u32>) {
        (&self.longest, self.longest_start, self.blocked)
    }

    /// Whether any prefix has been recorded yet.
    pub fn has_prefix(&self) -> bool {
        !self.longest.is_empty() || self.blocked.is_some()
    }

    /// Approximate bytes held by the memo.
    pub fn memo_bytes(&self) -> usize {
        self.memo.bytes()
    }

    /// Hands over the memo (leaving an empty one), so a caller can free it elsewhere.
    pub fn take_memo(&mut self) -> Memo<M::State> {
        std::mem::replace(&mut self.memo, Memo::new())
    }
}

/// Splits operations into segments at quiescent points, where no operation is pending:
/// every operation before the point returned before any after it was called. Takes
/// `(call, return)` times; returns the operations' indices sorted by call, and the ranges of
/// that order that form the segments. Intervals are closed, so touching ones stay together.
pub(crate) fn quiescent_segments(
    times: &[(crate::history::Time, crate::history::Time)],
) -> (Vec<u32>, Vec<std::ops::Range<usize>>) {
    let mut order: Vec<u32> = (0..times.len() as u32).collect();
    order.sort_by_key(|&op| (times[op as usize].0, op));
    let mut segments = Vec::new();
    let mut start = 0;
    let mut latest_return = None;
    for (position, &op) in order.iter().enumerate() {
        let (call, ret) = times[op as usize];
        if latest_return.is_some_and(|latest| latest < call) {
            segments.push(start..position);
            start = position;
        }
        latest_return = Some(latest_return.map_or(ret, |latest: i64| latest.max(ret)));
    }
    if start < order.len() {
        segments.push(start..order.len());
    }
    (order, segments)
}

#[cfg(test)]
mod tests {
    use super::quiescent_segments;

    #[test]
    fn segments_split_where_nothing_is_pending() {
        // 0:[0,10] 1:[5,20] | 2:[21,30] | 3:[40,50] 4:[50,60] (touching: together)
        let times = [(0, 10), (5, 20), (21, 30), (40, 50), (50, 60)];
        let (order, segments) = quiescent_segments(&times);
        assert_eq!(order, vec![0, 1, 2, 3, 4]);
        assert_eq!(segments, vec![0..2, 2..3, 3..5]);
    }

    #[test]
    fn a_long_operation_holds_a_segment_open() {
        // 0 never returns, so nothing after its call can be cut off.
        let times = [(0, i64::MAX), (1, 2), (3, 4), (5, 6)];
        let (_, segments) = quiescent_segments(&times);
        assert_eq!(segments, vec![0..4]);
    }

    #[test]
    fn order_is_by_call_time() {
        let times = [(30, 40), (0, 10), (15, 20)];
        let (order, segments) = quiescent_segments(&times);
        assert_eq!(order, vec![1, 2, 0]);
        assert_eq!(segments, vec![0..1, 1..2, 2..3]);
    }

    #[test]
    fn no_operations_no_segments() {
        let (order, segments) = quiescent_segments(&[]);
        assert!(order.is_empty() && segments.is_empty());
    }
}
