//! The search over one partition: its segments in order, each from the states the one
//! before it can end in.
//!
//! A partition is cut at quiescent points (no operation pending), where every linearization
//! must have linearized everything before the point and nothing after it. So the partition is
//! linearizable exactly when some chain of segment linearizations joins up: the first from
//! the initial state, each next one from a state the previous one ends in.
//!
//! Each segment is searched with its own memo. A small segment is searched to the end: every
//! state it can end in is found, then its memo is freed and the next segment starts from those
//! states. So a long history costs the memory of its hardest segment, not of its length. A
//! segment whose memo grows past [`EAGER_MEMO_BYTES`] is instead left suspended at its first
//! end state, and the search goes on from there; only if everything after it fails does it
//! resume for the next end state. That keeps a hard segment from being searched exhaustively
//! when the first way through it is enough, as it is in most correct histories.

use crate::memo::Memo;
use crate::model::Model;
use crate::segment::{quiescent_segments, Goal, SegmentSearch, Step, Summary};
use crate::view::OpView;
use std::ops::Range;

/// Past this much memo a segment stops looking for all its end states before going on.
const EAGER_MEMO_BYTES: usize = 4 << 20;

/// Bytes a trail costs beyond its operations.
const TRAIL_OVERHEAD_BYTES: usize = 40;

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

/// A state a segment can start from, and the trail that reached it (None: the initial state).
struct Start<S> {
    state: S,
    trail: Option<u32>,
}

/// One segment's linearization that ended in a boundary state, after its parent's trail.
struct Trail {
    parent: Option<u32>,
    /// Partition-local operation indices, in linearization order.
    operations: Box<[u32]>,
    /// Operations in this trail and all its ancestors.
    total: usize,
}

/// One segment being searched, from the start states it was given.
struct Level<'h, M: Model> {
    segment: usize,
    search: SegmentSearch<'h, M>,
    starts: Vec<Start<M::State>>,
    /// The start being searched.
    start: usize,
    /// End states found and not yet passed on (while the level is eager).
    ends: Vec<Start<M::State>>,
    /// Set once the level has passed on an end state before finishing: it stays below the
    /// levels after it, suspended, until they all fail.
    suspended: bool,
}

/// The longest linearizable prefix seen: a trail, then operations of the next segment.
#[derive(Default)]
struct Prefix {
    trail: Option<u32>,
    tail: Vec<u32>,
    length: usize,
    blocked: Option<u32>,
}

/// The search over one partition. Local operation `i` is `operations[i]`.
pub(crate) struct Search<'a, 'h, M: Model> {
    model: &'a M,
    operations: Vec<OpView<'h, M>>,
    /// Local operations sorted by call; segments are ranges of it.
    order: Vec<u32>,
    segments: Vec<Range<usize>>,
    /// The level being searched is the last; those below it are suspended.
    levels: Vec<Level<'h, M>>,
    trails: Vec<Trail>,
    /// Bytes held outside the memos: trails and boundary states.
    kept_bytes: usize,
    longest: Prefix,
    outcome: Progress,
    /// A finished level's search, kept for its buffers.
    spare: Option<SegmentSearch<'h, M>>,
    /// What the model wants to know about the partition to forget details of states.
    summary: Option<Box<Summary>>,
    /// [`EAGER_MEMO_BYTES`], or another bound in tests.
    eager_memo_bytes: usize,
}

impl<'a, 'h, M: Model> Search<'a, 'h, M> {
    /// A search over `operations`, starting from the model's initial state.
    pub fn new(model: &'a M, operations: Vec<OpView<'h, M>>) -> Self {
        let times: Vec<_> = operations.iter().map(|op| (op.call, op.ret)).collect();
        let (order, segments) = quiescent_segments(&times);
        let summary = model.summarize(&mut operations.iter().map(|op| (op.input, op.output)));
        let mut search = Search {
            model,
            operations,
            order,
            segments,
            levels: Vec::new(),
            trails: Vec::new(),
            kept_bytes: 0,
            longest: Prefix::default(),
            outcome: Progress::Running,
            spare: None,
            summary,
            eager_memo_bytes: EAGER_MEMO_BYTES,
        };
        if search.segments.is_empty() {
            search.outcome = Progress::Linearizable;
        } else {
            let initial = Start {
                state: model.init(),
                trail: None,
            };
            search.push_level(0, vec![initial]);
        }
        search
    }

    /// Runs at most about `budget` iterations of the search loop.
    pub fn run(&mut self, budget: usize) -> Progress {
        let mut budget = budget;
        while self.outcome == Progress::Running && budget > 0 {
            let model = self.model;
            let level = self
                .levels
                .last_mut()
                .expect("a running search has a level");
            let last = level.segment + 1 == self.segments.len();
            match level
                .search
                .run(model, self.summary.as_deref(), &mut budget)
            {
                Step::Running => {}
                Step::Linearized if last => self.outcome = Progress::Linearizable,
                Step::Linearized => self.found_end_state(),
                Step::Exhausted => self.start_exhausted(),
            }
        }
        self.outcome
    }

    /// Starts searching `segment` from `starts`, above the current levels.
    fn push_level(&mut self, segment: usize, starts: Vec<Start<M::State>>) {
        let goal = if segment + 1 == self.segments.len() {
            Goal::AnyLinearization
        } else {
            Goal::AllEndStates
        };
        let operations = self.order[self.segments[segment].clone()]
            .iter()
            .map(|&op| self.operations[op as usize]);
        let mut search = match self.spare.take() {
            Some(mut spare) => {
                spare.reset(goal, operations);
                spare
            }
            None => SegmentSearch::new(goal, operations.collect(), starts[0].state.clone()),
        };
        search.restart(0, starts[0].state.clone());
        self.levels.push(Level {
            segment,
            search,
            starts,
            start: 0,
            ends: Vec::new(),
            suspended: false,
        });
    }

    /// The top level reached an end state: keep it, or pass it on at once if the level's
    /// memo has grown large.
    fn found_end_state(&mut self) {
        let level = self
            .levels
            .last_mut()
            .expect("a running search has a level");
        let base = self.segments[level.segment].start;
        let operations: Box<[u32]> = level
            .search
            .linearization()
            .map(|local| self.order[base + local as usize])
            .collect();
        let parent = level.starts[level.start].trail;
        let total = parent.map_or(0, |p| self.trails[p as usize].total) + operations.len();
        self.kept_bytes += TRAIL_OVERHEAD_BYTES
            + operations.len() * 4
            + self.model.state_bytes(level.search.state());
        self.trails.push(Trail {
            parent,
            operations,
            total,
        });
        level.ends.push(Start {
            state: level.search.state().clone(),
            trail: Some(self.trails.len() as u32 - 1),
        });
        if level.suspended || level.search.memo_bytes() > self.eager_memo_bytes {
            level.suspended = true;
            let (next, ends) = (level.segment + 1, std::mem::take(&mut level.ends));
            self.push_level(next, ends);
        }
    }

    /// The top level's current start has nothing more: try its next start; or, once it has
    /// none, go on to the next segment from the end states found, or back to the suspended
    /// level below for another end state, or conclude Illegal.
    fn start_exhausted(&mut self) {
        self.note_prefix_of_top();
        let level = self
            .levels
            .last_mut()
            .expect("a running search has a level");
        level.start += 1;
        if level.start < level.starts.len() {
            let state = level.starts[level.start].state.clone();
            level.search.restart(level.start, state);
            return;
        }
        let finished = self.levels.pop().expect("checked above");
        self.kept_bytes = self.kept_bytes.saturating_sub(
            finished
                .starts
                .iter()
                .map(|start| self.model.state_bytes(&start.state))
                .sum(),
        );
        self.spare = Some(finished.search);
        if !finished.ends.is_empty() {
            self.push_level(finished.segment + 1, finished.ends);
        } else if self.levels.is_empty() {
            self.outcome = Progress::Illegal;
        }
    }

    /// Keeps the top level's longest prefix if it is the longest seen.
    fn note_prefix_of_top(&mut self) {
        if let Some(candidate) = self.prefix_of_top() {
            // At equal length, a prefix that knows what blocked it says more.
            if candidate.length > self.longest.length
                || (candidate.length == self.longest.length && self.longest.blocked.is_none())
            {
                self.longest = candidate;
            }
        }
    }

    /// The top level's longest prefix, as a trail and a tail in partition-local indices.
    fn prefix_of_top(&self) -> Option<Prefix> {
        let level = self.levels.last()?;
        let base = self.segments[level.segment].start;
        let to_local = |op: u32| self.order[base + op as usize];
        let trail_length = |trail: Option<u32>| trail.map_or(0, |t| self.trails[t as usize].total);
        if self.outcome == Progress::Linearizable {
            let trail = level.starts[level.start].trail;
            let tail: Vec<u32> = level.search.linearization().map(to_local).collect();
            return Some(Prefix {
                trail,
                length: trail_length(trail) + tail.len(),
                tail,
                blocked: None,
            });
        }
        if !level.search.has_prefix() {
            let trail = level.starts[level.start.min(level.starts.len() - 1)].trail;
            return Some(Prefix {
                trail,
                length: trail_length(trail),
                tail: Vec::new(),
                blocked: None,
            });
        }
        let (longest, start, blocked) = level.search.longest_prefix();
        let trail = level.starts[start].trail;
        Some(Prefix {
            trail,
            length: trail_length(trail) + longest.len(),
            tail: longest.iter().map(|&op| to_local(op)).collect(),
            blocked: blocked.map(to_local),
        })
    }

    /// The longest linearizable prefix found (a full linearization once `Linearizable`), as
    /// local indices, and the operation that could not be linearized after it.
    pub fn longest_prefix(&self) -> (Vec<u32>, Option<u32>) {
        let top = self.prefix_of_top();
        let best = match top {
            Some(top)
                if self.outcome == Progress::Linearizable || top.length > self.longest.length =>
            {
                top
            }
            _ => Prefix {
                trail: self.longest.trail,
                tail: self.longest.tail.clone(),
                length: self.longest.length,
                blocked: self.longest.blocked,
            },
        };
        let mut prefix = self.trail_operations(best.trail);
        prefix.extend(best.tail);
        (prefix, best.blocked)
    }

    /// Every operation of the trail ending at `trail`, oldest first.
    fn trail_operations(&self, mut trail: Option<u32>) -> Vec<u32> {
        let mut pieces = Vec::new();
        while let Some(index) = trail {
            let piece = &self.trails[index as usize];
            pieces.push(&piece.operations);
            trail = piece.parent;
        }
        pieces
            .into_iter()
            .rev()
            .flat_map(|ops| ops.iter().copied())
            .collect()
    }

    /// Approximate bytes held: the levels' memos, the trails and boundary states.
    pub fn memory_bytes(&self) -> usize {
        self.kept_bytes
            + self
                .levels
                .iter()
                .map(|level| level.search.memo_bytes())
                .sum::<usize>()
    }

    /// Hands over the memos, so a caller can free them off the critical path.
    pub fn take_memos(&mut self) -> Vec<Memo<M::State>> {
        self.levels
            .iter_mut()
            .map(|level| level.search.take_memo())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Progress, Search};
    use crate::history::{Operation, Time};
    use crate::model::Model;
    use crate::models::{KvInput, KvModel, KvOutput, KvState};
    use crate::view::view_operations;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    type KvOperation = Operation<KvInput, KvOutput>;

    /// Runs the search over one partition holding all of `history`; `eager_memo_bytes` 0
    /// suspends every segment at its first end state, `usize::MAX` never does.
    fn search(history: &[KvOperation], eager_memo_bytes: usize) -> (Progress, Vec<u32>) {
        let view = view_operations(&KvModel, history);
        let mut search = Search::new(&KvModel, view.operations);
        search.eager_memo_bytes = eager_memo_bytes;
        loop {
            match search.run(1000) {
                Progress::Running => continue,
                outcome => return (outcome, search.longest_prefix().0),
            }
        }
    }

    /// The answer by brute force: some order of all operations that respects real time
    /// (a before b when a returned before b was called) and the model.
    fn brute_force(history: &[KvOperation]) -> bool {
        fn extend(history: &[KvOperation], done: &mut Vec<bool>, state: &KvState) -> bool {
            let ret = |op: &KvOperation| op.ret.unwrap_or(Time::MAX);
            if done.iter().all(|&d| d) {
                return true;
            }
            for next in 0..history.len() {
                if done[next] {
                    continue;
                }
                // Minimal: no pending operation returned before this one was called.
                let blocked = (0..history.len()).any(|other| {
                    !done[other] && other != next && ret(&history[other]) < history[next].call
                });
                if blocked {
                    continue;
                }
                let op = &history[next];
                if let Some(after) = KvModel.step(state, &op.input, op.output.as_ref()) {
                    done[next] = true;
                    let found = extend(history, done, &after);
                    done[next] = false;
                    if found {
                        return true;
                    }
                }
            }
            false
        }
        extend(history, &mut vec![false; history.len()], &KvModel.init())
    }

    /// A small random history on one key: overlapping and separate intervals, puts, appends,
    /// reads of likely and unlikely values, and some operations with unknown outcomes.
    fn random_history(rng: &mut StdRng) -> Vec<KvOperation> {
        let count = rng.gen_range(1..=7);
        let values = ["", "a", "b", "ab", "ba", "aa", "bb"];
        (0..count)
            .map(|client| {
                let call: Time = rng.gen_range(0..30);
                let ret = call + rng.gen_range(0..8);
                let input = match rng.gen_range(0..3) {
                    0 => KvInput::get("k"),
                    1 => KvInput::put("k", values[rng.gen_range(1..3)]),
                    _ => KvInput::append("k", values[rng.gen_range(1..3)]),
                };
                let output = KvOutput::new(values[rng.gen_range(0..values.len())]);
                if rng.gen_range(0..10) == 0 {
                    Operation::unknown(client, input, call)
                } else {
                    Operation::new(client, input, call, output, ret)
                }
            })
            .collect()
    }

    /// Replays a linearization: it must be legal and, when complete, respect real time.
    fn replays(history: &[KvOperation], order: &[u32]) -> bool {
        let mut state = KvModel.init();
        for &op in order {
            let op = &history[op as usize];
            match KvModel.step(&state, &op.input, op.output.as_ref()) {
                Some(next) => state = next,
                None => return false,
            }
        }
        true
    }

    #[test]
    fn segments_eager_or_suspended_agree_with_brute_force() {
        let mut rng = StdRng::seed_from_u64(11);
        let (mut linearizable, mut illegal) = (0, 0);
        for case in 0..4000 {
            let history = random_history(&mut rng);
            let expected = brute_force(&history);
            for eager in [0, usize::MAX] {
                let (outcome, prefix) = search(&history, eager);
                let expected_outcome = if expected {
                    Progress::Linearizable
                } else {
                    Progress::Illegal
                };
                assert_eq!(
                    outcome, expected_outcome,
                    "case {case}, eager bound {eager}: {history:?}"
                );
                assert!(
                    replays(&history, &prefix),
                    "case {case}: prefix {prefix:?} does not replay"
                );
                if expected {
                    assert_eq!(
                        prefix.len(),
                        history.len(),
                        "case {case}: full linearization"
                    );
                }
            }
            if expected {
                linearizable += 1;
            } else {
                illegal += 1;
            }
        }
        // Both answers must be well represented for the comparison to mean anything.
        assert!(
            linearizable > 500 && illegal > 500,
            "{linearizable} / {illegal}"
        );
    }
}
