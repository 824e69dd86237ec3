//! The `Model` trait: the sequential specification a history is checked against.

use crate::history::{Event, Operation};
use std::any::Any;
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

/// A sequential specification.
///
/// States must be `Eq + Hash`: the search memoizes (set of linearized operations, state)
/// pairs, and equal states must hash equally. Make states cheap to clone (an `Arc` or a
/// small value): the search clones one on every successful step.
pub trait Model: Sync {
    /// The model's state.
    type State: Clone + Eq + Hash + Debug + Send + Sync + 'static;
    /// What a client asks.
    type Input: Debug + Sync;
    /// What a client gets back.
    type Output: Debug + Sync;

    /// The state before any operation.
    fn init(&self) -> Self::State;

    /// Applies one operation: `Some(next state)` if `output` is a legal result of `input` in
    /// `state`, `None` if not. `output` is `None` when the outcome is unknown: then any output
    /// is acceptable, and the step should succeed whenever the operation could have run.
    /// Must be pure.
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: Option<&Self::Output>,
    ) -> Option<Self::State>;

    /// Whether an operation never changes the state, whatever the state it is applied to
    /// (a read; a write that was refused). The search linearizes such an operation as soon
    /// as it may come next and is legal, without trying the orders that place it later:
    /// moving it to the front of any of them changes no state. It must be exact: `true`
    /// for an operation whose step could change some state makes verdicts wrong. The
    /// default is `false`, which is always safe.
    fn is_read_only(&self, input: &Self::Input, output: Option<&Self::Output>) -> bool {
        let _ = (input, output);
        false
    }

    /// Whether [`Model::can_follow`] can ever answer `false`. The search only asks it when
    /// this is true, so a model that does not implement it pays nothing.
    const CAN_FOLLOW_PRUNES: bool = false;

    /// A quick test the search uses to abandon a state early: could `(input, output)`, an
    /// operation that must be linearized before anything not in `between`, still be
    /// linearized from `state` after some of the operations in `between` (in some order)?
    /// Return `true` when unsure; `false` only when it certainly cannot. The default never
    /// prunes. The key/value model says `false` for a read of a value that does not extend
    /// the current one when only appends can come between.
    fn can_follow(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: Option<&Self::Output>,
        between: &mut dyn Iterator<Item = &Self::Input>,
    ) -> bool {
        let _ = (state, input, output, between);
        true
    }

    /// A summary of a partition's operations for [`Model::forget`], built once per partition
    /// from every operation's input and output. `None` (the default): nothing to forget.
    fn summarize(
        &self,
        operations: &mut dyn Iterator<Item = (&Self::Input, Option<&Self::Output>)>,
    ) -> Option<Box<dyn Any + Send + Sync>> {
        let _ = operations;
        None
    }

    /// A state to keep instead of `state` because nothing in the partition (as `summary`
    /// from [`Model::summarize`] tells) can tell them apart from now on: every sequence of
    /// the partition's operations must be legal from one exactly when it is from the other,
    /// and lead to states that are again interchangeable. The search then keeps one memo
    /// entry for many states. `None` (the default) keeps `state`.
    fn forget(
        &self,
        state: &Self::State,
        summary: &(dyn Any + Send + Sync),
    ) -> Option<Self::State> {
        let _ = (state, summary);
        None
    }

    /// Roughly how many bytes a stored state holds, inline and on the heap; the memory bound
    /// of a check counts it for every memoized state. Count shared data generously: an
    /// overestimate only stops a hopeless search sooner.
    fn state_bytes(&self, state: &Self::State) -> usize {
        let _ = state;
        std::mem::size_of::<Self::State>()
    }

    /// Splits an operation history into independent parts (P-compositionality): the history
    /// must be linearizable if and only if every part is. Returns groups of indices into
    /// `history`. The default keeps everything together.
    fn partition_operations(
        &self,
        history: &[Operation<Self::Input, Self::Output>],
    ) -> Vec<Vec<usize>> {
        vec![(0..history.len()).collect()]
    }

    /// Splits an event history into independent parts; returns groups of indices into
    /// `history`. Only the call events of a group matter: a return follows its call.
    /// The default keeps everything together.
    fn partition_events(&self, history: &[Event<Self::Input, Self::Output>]) -> Vec<Vec<usize>> {
        vec![(0..history.len()).collect()]
    }

    /// A name for the partition an operation belongs to (for a key/value store, its key),
    /// shown in the picture and used to pick a partition to draw. `None` (the default)
    /// names partitions by number.
    fn partition_label(&self, input: &Self::Input) -> Option<String> {
        let _ = input;
        None
    }

    /// Text for an operation in the picture.
    fn describe_operation(&self, input: &Self::Input, output: Option<&Self::Output>) -> String {
        match output {
            Some(output) => format!("{input:?} -> {output:?}"),
            None => format!("{input:?} -> ?"),
        }
    }

    /// Text for a state in the picture.
    fn describe_state(&self, state: &Self::State) -> String {
        format!("{state:?}")
    }
}

/// Groups operations by a key of their input, in order of the keys: the usual partitioning
/// for a key/value store.
pub fn partition_operations_by_key<I, O, K: Ord + Clone>(
    history: &[Operation<I, O>],
    key: impl Fn(&I) -> K,
) -> Vec<Vec<usize>> {
    group_by_key(
        history
            .iter()
            .enumerate()
            .map(|(index, op)| (index, key(&op.input))),
    )
}

/// Groups events by a key of their call's input; a return joins the group of its call.
/// A return without a pending call goes to its own group, where the checker reports it.
pub fn partition_events_by_key<I, O, K: Ord + Clone>(
    history: &[Event<I, O>],
    key: impl Fn(&I) -> K,
) -> Vec<Vec<usize>> {
    let mut pending: HashMap<u64, K> = HashMap::new();
    let mut keyed = Vec::with_capacity(history.len());
    let mut orphans = Vec::new();
    for (index, event) in history.iter().enumerate() {
        match event {
            Event::Call { id, input, .. } => {
                let k = key(input);
                pending.insert(*id, k.clone());
                keyed.push((index, k));
            }
            Event::Return { id, .. } => match pending.remove(id) {
                Some(k) => keyed.push((index, k)),
                None => orphans.push(index),
            },
        }
    }
    let mut groups = group_by_key(keyed.into_iter());
    if !orphans.is_empty() {
        groups.push(orphans);
    }
    groups
}

fn group_by_key<K: Ord>(keyed: impl Iterator<Item = (usize, K)>) -> Vec<Vec<usize>> {
    let mut groups: std::collections::BTreeMap<K, Vec<usize>> = Default::default();
    for (index, key) in keyed {
        groups.entry(key).or_default().push(index);
    }
    groups.into_values().collect()
}
