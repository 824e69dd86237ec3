//! One internal shape for both kinds of history: a list of operations with borrowed
//! inputs and outputs and resolved times, grouped into partitions.

use crate::error::{Error, Result};
use crate::history::{Event, Operation, Time};
use crate::model::Model;
use std::collections::HashMap;

/// An operation seen by the search and the picture.
#[derive(Debug)]
pub(crate) struct OpView<'h, M: Model> {
    /// Which client issued it.
    pub client: usize,
    /// What was asked.
    pub input: &'h M::Input,
    /// What came back, if known.
    pub output: Option<&'h M::Output>,
    /// Call time.
    pub call: Time,
    /// Return time; `Time::MAX` when the operation never returned.
    pub ret: Time,
}

impl<M: Model> Clone for OpView<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: Model> Copy for OpView<'_, M> {}

/// A whole history in the internal shape: operations (indexed as the public results index
/// them) and the model's partitions of them.
pub(crate) struct HistoryView<'h, M: Model> {
    /// Every operation, in the order results refer to them.
    pub operations: Vec<OpView<'h, M>>,
    /// Groups of indices into `operations`.
    pub partitions: Vec<Vec<usize>>,
}

/// Views an operation history; operation `i` is `history[i]`.
pub(crate) fn view_operations<'h, M: Model>(
    model: &M,
    history: &'h [Operation<M::Input, M::Output>],
) -> HistoryView<'h, M> {
    let operations = history
        .iter()
        .map(|op| OpView {
            client: op.client,
            input: &op.input,
            output: op.output.as_ref(),
            call: op.call,
            ret: op.ret.map_or(Time::MAX, |ret| ret.max(op.call)),
        })
        .collect();
    let partitions = model.partition_operations(history);
    HistoryView {
        operations,
        partitions,
    }
}

/// Views an event history: operation `i` is the `i`-th call event, its times are the
/// positions of its call and return events, and a call never returned ends at +∞.
pub(crate) fn view_events<'h, M: Model>(
    model: &M,
    history: &'h [Event<M::Input, M::Output>],
) -> Result<HistoryView<'h, M>> {
    let mut operations = Vec::new();
    let mut operation_of_call = vec![usize::MAX; history.len()];
    let mut pending: HashMap<u64, usize> = HashMap::new();
    for (position, event) in history.iter().enumerate() {
        let time = position as Time;
        match event {
            Event::Call { client, id, input } => {
                if pending.insert(*id, operations.len()).is_some() {
                    return Err(Error::DuplicateCall { position, id: *id });
                }
                operation_of_call[position] = operations.len();
                operations.push(OpView {
                    client: *client,
                    input,
                    output: None,
                    call: time,
                    ret: Time::MAX,
                });
            }
            Event::Return { id, output, .. } => {
                let index = pending
                    .remove(id)
                    .ok_or(Error::UnmatchedReturn { position, id: *id })?;
                operations[index].output = output.as_ref();
                operations[index].ret = time;
            }
        }
    }
    let partitions = model
        .partition_events(history)
        .into_iter()
        .map(|group| {
            group
                .into_iter()
                .filter_map(|position| operation_of_call.get(position).copied())
                .filter(|&index| index != usize::MAX)
                .collect::<Vec<_>>()
        })
        .filter(|group| !group.is_empty())
        .collect();
    Ok(HistoryView {
        operations,
        partitions,
    })
}
