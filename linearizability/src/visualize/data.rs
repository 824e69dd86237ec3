//! The data behind the picture, computed in Rust and embedded as JSON.

use crate::check::{CheckResult, PartitionInfo, PartitionStatus};
use crate::history::Time;
use crate::model::Model;
use crate::models::shorten;
use crate::view::OpView;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

/// The most operations a picture draws unless told otherwise: past this, it shows a part (see
/// [`Focus`]).
pub const MAX_DRAWN_OPERATIONS: usize = 10_000;
/// Longest operation description kept, in characters.
const MAX_DESCRIPTION: usize = 160;
/// Longest state description kept, in characters.
const MAX_STATE: usize = 240;

/// Which part of a checked history a picture shows. The default shows everything when it is
/// small; otherwise the first partition that is not linearizable, around its failure, or if
/// all are linearizable, the busiest partition's last operations.
#[derive(Clone, Debug, Default)]
pub struct Focus {
    /// Only the partition with this label (for the key/value models, the key; for a model
    /// without labels, the partition's number in the result).
    pub partition: Option<String>,
    /// Only operations whose interval overlaps `[start, end]`, in the history's time unit.
    pub window: Option<(Time, Time)>,
    /// At most this many operations; [`MAX_DRAWN_OPERATIONS`] when `None`.
    pub max_operations: Option<usize>,
}

/// Everything the page's script draws.
#[derive(Serialize)]
pub(crate) struct Picture {
    verdict: String,
    clients: Vec<usize>,
    /// Number of distinct timestamps; bars sit on ranks `0..ranks`.
    ranks: usize,
    operations: Vec<DrawnOperation>,
    partitions: Vec<DrawnPartition>,
    /// How many operations were left out to keep the page small.
    omitted: usize,
    /// What part of the history is shown, when not all of it.
    focus: String,
}

/// One bar.
#[derive(Serialize)]
struct DrawnOperation {
    client: usize,
    partition: usize,
    start: usize,
    end: usize,
    call: String,
    ret: String,
    text: String,
}

/// One partition's outcome and its (longest) linearization.
#[derive(Serialize)]
struct DrawnPartition {
    status: &'static str,
    initial: String,
    steps: Vec<Step>,
    blocked: Option<usize>,
    illegal_next: Vec<IllegalNext>,
    /// Operations that show why `blocked` cannot be linearized: reads that could still
    /// follow the prefix but can no longer once `blocked` takes effect (a later get that
    /// never saw an append, say). Empty when `blocked` is illegal in itself.
    evidence: Vec<usize>,
}

/// A linearization point: the operation (index into `operations`) and the state after it.
#[derive(Serialize)]
struct Step {
    op: usize,
    after: String,
}

/// An operation that could have come next after the prefix but whose step was illegal.
#[derive(Serialize)]
struct IllegalNext {
    op: usize,
}

impl Picture {
    /// Collects the picture of `result` over `operations`, limited to `focus`.
    pub fn new<M: Model>(
        model: &M,
        operations: &[OpView<'_, M>],
        result: &CheckResult,
        focus: &Focus,
    ) -> Self {
        let selection = select(model, operations, result, focus);
        let drawn = &selection.operations;
        let position: HashMap<usize, usize> =
            drawn.iter().enumerate().map(|(at, &op)| (op, at)).collect();
        let rank = ranks(drawn.iter().map(|&op| &operations[op]));
        let mut partition_of = HashMap::new();
        for (drawn_index, &p) in selection.partitions.iter().enumerate() {
            for &op in &result.partitions[p].operations {
                if position.contains_key(&op) {
                    partition_of.insert(op, drawn_index);
                }
            }
        }
        let clients: BTreeSet<usize> = drawn.iter().map(|&op| operations[op].client).collect();
        Picture {
            verdict: format!("{:?}", result.verdict),
            clients: clients.into_iter().collect(),
            ranks: rank.len(),
            operations: drawn
                .iter()
                .map(|&op| draw_operation(model, &operations[op], partition_of[&op], &rank))
                .collect(),
            partitions: selection
                .partitions
                .iter()
                .map(|&p| draw_partition(model, operations, &result.partitions[p], &position))
                .collect(),
            omitted: operations.len() - drawn.len(),
            focus: selection.description,
        }
    }
}

impl Picture {
    /// What part of the history is shown; empty when all of it is.
    pub fn focus(&self) -> &str {
        &self.focus
    }
}

/// The partitions and operations a picture draws, and what to tell the reader about them.
struct Selection {
    partitions: Vec<usize>,
    /// Sorted indices into the history.
    operations: Vec<usize>,
    description: String,
}

/// Chooses what to draw (see [`Focus`]).
fn select<M: Model>(
    model: &M,
    operations: &[OpView<'_, M>],
    result: &CheckResult,
    focus: &Focus,
) -> Selection {
    let limit = focus.max_operations.unwrap_or(MAX_DRAWN_OPERATIONS).max(1);
    let labels: Vec<String> = result
        .partitions
        .iter()
        .enumerate()
        .map(|(index, partition)| label(model, operations, &partition.operations, index))
        .collect();
    let total: usize = result.partitions.iter().map(|p| p.operations.len()).sum();
    // An illegal partition first; a cancelled or unfinished one says less.
    let first_failing = [
        PartitionStatus::Illegal,
        PartitionStatus::TimedOut,
        PartitionStatus::OutOfSteps,
    ]
    .iter()
    .find_map(|&wanted| result.partitions.iter().position(|p| p.status == wanted))
    .or_else(|| {
        result
            .partitions
            .iter()
            .position(|p| p.status != PartitionStatus::Linearizable)
    });
    let (partitions, mut description) = match (&focus.partition, first_failing) {
        (Some(wanted), _) => match labels.iter().position(|label| label == wanted) {
            Some(index) => (vec![index], format!("partition {wanted}")),
            None => {
                let known = labels.iter().take(20).cloned().collect::<Vec<_>>();
                return Selection {
                    partitions: Vec::new(),
                    operations: Vec::new(),
                    description: format!(
                        "no partition is labelled {wanted}; the labels are {}",
                        known.join(", ")
                    ),
                };
            }
        },
        (None, _) if total <= limit && focus.window.is_none() => {
            return Selection {
                partitions: (0..result.partitions.len()).collect(),
                operations: (0..operations.len()).collect(),
                description: String::new(),
            };
        }
        (None, Some(index)) => (
            vec![index],
            format!(
                "partition {} ({})",
                labels[index],
                status_name(result.partitions[index].status)
            ),
        ),
        (None, None) if focus.window.is_some() => (
            (0..result.partitions.len()).collect(),
            "every partition".to_string(),
        ),
        (None, None) => {
            let busiest = (0..result.partitions.len())
                .max_by_key(|&p| (result.partitions[p].operations.len(), Reverse(p)))
                .unwrap_or(0);
            let description = format!(
                "partition {}, the busiest of {}",
                labels[busiest],
                result.partitions.len()
            );
            (vec![busiest], description)
        }
    };
    let mut chosen: Vec<usize> = partitions
        .iter()
        .flat_map(|&p| result.partitions[p].operations.iter().copied())
        .collect();
    chosen.sort_by_key(|&op| (operations[op].call, op));
    if let Some((start, end)) = focus.window {
        chosen.retain(|&op| operations[op].call <= end && operations[op].ret >= start);
        description += &format!(", times {start} to {end}");
    }
    let available = chosen.len();
    if available > limit {
        let center = partitions
            .iter()
            .find_map(|&p| failure_point(&result.partitions[p]))
            .and_then(|op| chosen.iter().position(|&c| c == op));
        let first = match center {
            Some(center) => center.saturating_sub(limit * 3 / 4).min(available - limit),
            None => available - limit,
        };
        chosen = chosen[first..first + limit].to_vec();
        let (from, to) = (
            operations[chosen[0]].call,
            operations[chosen[limit - 1]].call,
        );
        description += &format!(
            ", operations {}-{} of {available} in call order (called {from} to {to}){}",
            first + 1,
            first + limit,
            if center.is_some() {
                ", around the failure"
            } else {
                ""
            }
        );
    }
    chosen.sort_unstable();
    Selection {
        partitions,
        operations: chosen,
        description,
    }
}

/// The operation where a partition's longest prefix stopped, if it did.
fn failure_point(partition: &PartitionInfo) -> Option<usize> {
    if partition.status == PartitionStatus::Linearizable {
        return None;
    }
    partition
        .blocked
        .or(partition.linearization.last().copied())
}

/// A partition's label: the model's, or its number.
fn label<M: Model>(
    model: &M,
    operations: &[OpView<'_, M>],
    members: &[usize],
    index: usize,
) -> String {
    members
        .first()
        .and_then(|&op| model.partition_label(operations[op].input))
        .unwrap_or_else(|| index.to_string())
}

/// Compresses timestamps to ranks (+∞ gets the last rank).
fn ranks<'a, M: Model + 'a>(
    operations: impl Iterator<Item = &'a OpView<'a, M>>,
) -> HashMap<Time, usize> {
    let times: BTreeSet<Time> = operations.flat_map(|op| [op.call, op.ret]).collect();
    times
        .into_iter()
        .enumerate()
        .map(|(rank, time)| (time, rank))
        .collect()
}

fn draw_operation<M: Model>(
    model: &M,
    op: &OpView<'_, M>,
    partition: usize,
    rank: &HashMap<Time, usize>,
) -> DrawnOperation {
    let time = |time: Time| {
        if time == Time::MAX {
            "∞".to_string()
        } else {
            time.to_string()
        }
    };
    DrawnOperation {
        client: op.client,
        partition,
        start: rank[&op.call],
        end: rank[&op.ret],
        call: time(op.call),
        ret: time(op.ret),
        text: shorten(
            &model.describe_operation(op.input, op.output),
            MAX_DESCRIPTION,
        ),
    }
}

/// Replays the partition's prefix for its states, and finds the illegal next candidates.
/// Only drawn operations (those in `position`) get steps; the first drawn step's state
/// before it is the partition's `initial`.
fn draw_partition<M: Model>(
    model: &M,
    operations: &[OpView<'_, M>],
    info: &PartitionInfo,
    position: &HashMap<usize, usize>,
) -> DrawnPartition {
    let mut state = model.init();
    let mut initial = None;
    let mut steps = Vec::new();
    for &op in &info.linearization {
        let view = &operations[op];
        let Some(next) = model.step(&state, view.input, view.output) else {
            break;
        };
        if let Some(&drawn) = position.get(&op) {
            initial.get_or_insert_with(|| shorten(&model.describe_state(&state), MAX_STATE));
            steps.push(Step {
                op: drawn,
                after: shorten(&model.describe_state(&next), MAX_STATE),
            });
        }
        state = next;
    }
    let initial = initial.unwrap_or_else(|| shorten(&model.describe_state(&state), MAX_STATE));
    let illegal_next = if info.status == PartitionStatus::Linearizable {
        Vec::new()
    } else {
        illegal_candidates(model, operations, info, &state)
            .into_iter()
            .filter_map(|op| position.get(&op).map(|&op| IllegalNext { op }))
            .collect()
    };
    let evidence = info
        .blocked
        .filter(|_| info.status == PartitionStatus::Illegal)
        .map(|blocked| evidence_against(model, operations, info, &state, blocked))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|op| position.get(&op).copied())
        .collect();
    DrawnPartition {
        status: status_name(info.status),
        initial,
        steps,
        blocked: info.blocked.and_then(|op| position.get(&op).copied()),
        illegal_next,
        evidence,
    }
}

/// The operations outside the prefix that `blocked` contradicts: each could still be
/// linearized after the prefix (ending in `state`) but no longer once `blocked` has taken
/// effect, by the model's [`can_follow`](Model::can_follow). Empty when `blocked` cannot
/// step from `state` at all (it is its own evidence) or the model does not prune.
fn evidence_against<M: Model>(
    model: &M,
    operations: &[OpView<'_, M>],
    info: &PartitionInfo,
    state: &M::State,
    blocked: usize,
) -> Vec<usize> {
    let view = &operations[blocked];
    let Some(after) = model.step(state, view.input, view.output) else {
        return Vec::new();
    };
    let remaining = not_linearized(info);
    let can_follow = |from: &M::State, op: usize, skip: usize| {
        let mut between = remaining
            .iter()
            .filter(|&&other| other != op && other != skip)
            .map(|&other| operations[other].input);
        model.can_follow(
            from,
            operations[op].input,
            operations[op].output,
            &mut between,
        )
    };
    remaining
        .iter()
        .copied()
        .filter(|&op| op != blocked)
        .filter(|&op| can_follow(state, op, op) && !can_follow(&after, op, blocked))
        .collect()
}

/// The partition's operations that its longest linearizable prefix leaves out, in order.
fn not_linearized(info: &PartitionInfo) -> Vec<usize> {
    let done: BTreeSet<usize> = info.linearization.iter().copied().collect();
    info.operations
        .iter()
        .copied()
        .filter(|op| !done.contains(op))
        .collect()
}

/// Operations not in the prefix that could have been linearized next (called no later than
/// the first remaining return) but whose step from `state` is illegal.
fn illegal_candidates<M: Model>(
    model: &M,
    operations: &[OpView<'_, M>],
    info: &PartitionInfo,
    state: &M::State,
) -> Vec<usize> {
    let remaining = not_linearized(info);
    let Some(first_return) = remaining.iter().map(|&op| operations[op].ret).min() else {
        return Vec::new();
    };
    remaining
        .into_iter()
        .filter(|&op| operations[op].call <= first_return)
        .filter(|&op| {
            model
                .step(state, operations[op].input, operations[op].output)
                .is_none()
        })
        .collect()
}

fn status_name(status: PartitionStatus) -> &'static str {
    match status {
        PartitionStatus::Linearizable => "linearizable",
        PartitionStatus::Illegal => "illegal",
        PartitionStatus::Cancelled => "cancelled",
        PartitionStatus::TimedOut => "timed-out",
        PartitionStatus::OutOfSteps => "out-of-steps",
        PartitionStatus::MemoryLimit => "memory-limit",
    }
}
