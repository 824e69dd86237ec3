//! The data behind the picture, computed in Rust and embedded as JSON.

use crate::check::{CheckResult, PartitionInfo, PartitionStatus};
use crate::history::Time;
use crate::model::Model;
use crate::models::shorten;
use crate::view::OpView;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Past this many operations only the partitions that are not linearizable are drawn.
pub const MAX_DRAWN_OPERATIONS: usize = 10_000;
/// Longest operation description kept, in characters.
const MAX_DESCRIPTION: usize = 160;
/// Longest state description kept, in characters.
const MAX_STATE: usize = 240;

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
    /// Collects the picture of `result` over `operations`.
    pub fn new<M: Model>(model: &M, operations: &[OpView<'_, M>], result: &CheckResult) -> Self {
        let shown = shown_partitions(result);
        let mut drawn: Vec<usize> = shown
            .iter()
            .flat_map(|&p| result.partitions[p].operations.iter().copied())
            .collect();
        drawn.sort_unstable();
        let position: HashMap<usize, usize> =
            drawn.iter().enumerate().map(|(at, &op)| (op, at)).collect();
        let rank = ranks(drawn.iter().map(|&op| &operations[op]));
        let mut partition_of = HashMap::new();
        for (drawn_index, &p) in shown.iter().enumerate() {
            for &op in &result.partitions[p].operations {
                partition_of.insert(op, drawn_index);
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
            partitions: shown
                .iter()
                .map(|&p| draw_partition(model, operations, &result.partitions[p], &position))
                .collect(),
            omitted: operations.len() - drawn.len(),
        }
    }
}

/// Which partitions to draw: all of them, unless that is too many operations.
fn shown_partitions(result: &CheckResult) -> Vec<usize> {
    let total: usize = result.partitions.iter().map(|p| p.operations.len()).sum();
    let all = 0..result.partitions.len();
    if total <= MAX_DRAWN_OPERATIONS {
        return all.collect();
    }
    let mut budget = MAX_DRAWN_OPERATIONS;
    all.filter(|&p| result.partitions[p].status != PartitionStatus::Linearizable)
        .filter(|&p| {
            let size = result.partitions[p].operations.len();
            let fits = size <= budget;
            budget = budget.saturating_sub(size);
            fits
        })
        .collect()
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
fn draw_partition<M: Model>(
    model: &M,
    operations: &[OpView<'_, M>],
    info: &PartitionInfo,
    position: &HashMap<usize, usize>,
) -> DrawnPartition {
    let mut state = model.init();
    let initial = shorten(&model.describe_state(&state), MAX_STATE);
    let mut steps = Vec::new();
    for &op in &info.linearization {
        let view = &operations[op];
        let Some(next) = model.step(&state, view.input, view.output) else {
            break;
        };
        state = next;
        steps.push(Step {
            op: position[&op],
            after: shorten(&model.describe_state(&state), MAX_STATE),
        });
    }
    let illegal_next = if info.status == PartitionStatus::Linearizable {
        Vec::new()
    } else {
        illegal_candidates(model, operations, info, &state)
            .into_iter()
            .map(|op| IllegalNext { op: position[&op] })
            .collect()
    };
    DrawnPartition {
        status: status_name(info.status),
        initial,
        steps,
        blocked: info.blocked.map(|op| position[&op]),
        illegal_next,
    }
}

/// Operations not in the prefix that could have been linearized next (called no later than
/// the first remaining return) but whose step from `state` is illegal.
fn illegal_candidates<M: Model>(
    model: &M,
    operations: &[OpView<'_, M>],
    info: &PartitionInfo,
    state: &M::State,
) -> Vec<usize> {
    let done: BTreeSet<usize> = info.linearization.iter().copied().collect();
    let remaining: Vec<usize> = info
        .operations
        .iter()
        .copied()
        .filter(|op| !done.contains(op))
        .collect();
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
        PartitionStatus::MemoryLimit => "memory-limit",
    }
}
