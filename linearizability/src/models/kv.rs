//! The 6.5840 key/value service: Get, Put and Append on string keys, partitioned by key.

use crate::hashing::{fnv1a, FNV_OFFSET};
use crate::history::{Event, Operation};
use crate::model::{partition_events_by_key, partition_operations_by_key, Model};
use serde::{Deserialize, Serialize};
use std::any::Any;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Which key/value operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KvOp {
    /// Read the key's value ("" if never written).
    Get,
    /// Replace the key's value.
    Put,
    /// Append to the key's value.
    Append,
}

/// What a key/value client asks. `value` is ignored for Get.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KvInput {
    /// The operation.
    pub op: KvOp,
    /// The key.
    pub key: String,
    /// The value to put or append.
    #[serde(default)]
    pub value: String,
}

impl KvInput {
    /// A Get of `key`.
    pub fn get(key: impl Into<String>) -> Self {
        KvInput {
            op: KvOp::Get,
            key: key.into(),
            value: String::new(),
        }
    }

    /// A Put of `value` at `key`.
    pub fn put(key: impl Into<String>, value: impl Into<String>) -> Self {
        KvInput {
            op: KvOp::Put,
            key: key.into(),
            value: value.into(),
        }
    }

    /// An Append of `value` at `key`.
    pub fn append(key: impl Into<String>, value: impl Into<String>) -> Self {
        KvInput {
            op: KvOp::Append,
            key: key.into(),
            value: value.into(),
        }
    }
}

/// What a key/value client gets back: the value read (ignored for Put and Append).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct KvOutput {
    /// The value a Get returned.
    #[serde(default)]
    pub value: String,
}

impl KvOutput {
    /// An output carrying `value`.
    pub fn new(value: impl Into<String>) -> Self {
        KvOutput {
            value: value.into(),
        }
    }
}

/// One key's value, shared rather than copied, with its FNV-1a hash kept up to date
/// (an append extends the hash instead of rehashing the whole string).
///
/// The search may also hold an *unseen* state: a value that no read of the history shows,
/// nor any value that extends it. Such values cannot be told apart by anything that follows
/// (appends keep them unseen, a read cannot return them, a put replaces them), so the search
/// keeps one state for all of them instead of one per order of the appends that made them.
#[derive(Clone, Debug)]
pub struct KvState {
    value: Arc<str>,
    hash: u64,
    unseen: bool,
}

impl KvState {
    /// A state holding `value`.
    pub fn new(value: &str) -> Self {
        KvState {
            value: value.into(),
            hash: fnv1a(FNV_OFFSET, value.as_bytes()),
            unseen: false,
        }
    }

    /// The state standing for every value that no read can show (see the type's doc).
    pub fn unseen() -> Self {
        KvState {
            value: "".into(),
            hash: UNSEEN_HASH,
            unseen: true,
        }
    }

    /// Whether this stands for values that no read can show.
    pub fn is_unseen(&self) -> bool {
        self.unseen
    }

    /// The value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The state after appending `suffix`.
    pub fn appended(&self, suffix: &str) -> Self {
        if self.unseen {
            return self.clone();
        }
        let mut value = String::with_capacity(self.value.len() + suffix.len());
        value.push_str(&self.value);
        value.push_str(suffix);
        KvState {
            value: value.into(),
            hash: fnv1a(self.hash, suffix.as_bytes()),
            unseen: false,
        }
    }
}

impl PartialEq for KvState {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
            && self.unseen == other.unseen
            && (Arc::ptr_eq(&self.value, &other.value) || self.value == other.value)
    }
}

/// The hash of the unseen state (any fixed word: equality also compares the flag).
const UNSEEN_HASH: u64 = 0x005e_ed0f_a117_a1e5;

impl Eq for KvState {}

impl Hash for KvState {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The two reference counts in front of an `Arc`'s data.
pub(crate) const ARC_HEADER_BYTES: usize = 16;

/// The key/value model, one key per partition: the state is a single value.
#[derive(Clone, Copy, Debug, Default)]
pub struct KvModel;

/// Applies a key/value operation to one key's value; shared with [`crate::models::KvMapModel`].
pub(crate) fn step_value(
    value: &KvState,
    input: &KvInput,
    output: Option<&KvOutput>,
) -> Option<KvState> {
    match input.op {
        KvOp::Get => match output {
            Some(output) if value.is_unseen() || output.value != *value.value() => None,
            _ => Some(value.clone()),
        },
        KvOp::Put => Some(KvState::new(&input.value)),
        KvOp::Append => Some(value.appended(&input.value)),
    }
}

/// The picture's text for a key/value operation.
pub(crate) fn describe(input: &KvInput, output: Option<&KvOutput>) -> String {
    match (input.op, output) {
        (KvOp::Get, Some(output)) => format!("get('{}') -> '{}'", input.key, output.value),
        (KvOp::Get, None) => format!("get('{}') -> ?", input.key),
        (KvOp::Put, _) => format!("put('{}', '{}')", input.key, input.value),
        (KvOp::Append, _) => format!("append('{}', '{}')", input.key, input.value),
    }
}

impl Model for KvModel {
    type State = KvState;
    type Input = KvInput;
    type Output = KvOutput;

    fn init(&self) -> KvState {
        KvState::new("")
    }

    fn step(&self, state: &KvState, input: &KvInput, output: Option<&KvOutput>) -> Option<KvState> {
        step_value(state, input, output)
    }

    fn is_read_only(&self, input: &KvInput, _output: Option<&KvOutput>) -> bool {
        input.op == KvOp::Get
    }

    const CAN_FOLLOW_PRUNES: bool = true;

    fn can_follow(
        &self,
        state: &KvState,
        input: &KvInput,
        output: Option<&KvOutput>,
        between: &mut dyn Iterator<Item = &KvInput>,
    ) -> bool {
        // Appends only extend a value, so a read sees either the current value or the value
        // of a put that may come first, followed by what was appended after it.
        match (input.op, output) {
            (KvOp::Get, Some(read)) => {
                (!state.is_unseen() && read.value.starts_with(state.value())) || {
                    let mut puts = between.filter(|other| {
                        other.op == KvOp::Put && read.value.starts_with(other.value.as_str())
                    });
                    puts.next().is_some()
                }
            }
            _ => true,
        }
    }

    fn state_bytes(&self, state: &KvState) -> usize {
        std::mem::size_of::<KvState>() + ARC_HEADER_BYTES + state.value().len()
    }

    fn partition_operations(&self, history: &[Operation<KvInput, KvOutput>]) -> Vec<Vec<usize>> {
        partition_operations_by_key(history, |input| input.key.clone())
    }

    fn partition_events(&self, history: &[Event<KvInput, KvOutput>]) -> Vec<Vec<usize>> {
        partition_events_by_key(history, |input| input.key.clone())
    }

    fn partition_label(&self, input: &KvInput) -> Option<String> {
        Some(input.key.clone())
    }

    fn describe_operation(&self, input: &KvInput, output: Option<&KvOutput>) -> String {
        describe(input, output)
    }

    fn describe_state(&self, state: &KvState) -> String {
        if state.is_unseen() {
            return "(a value no read shows, until a put)".to_string();
        }
        format!("'{}'", state.value())
    }

    fn summarize(
        &self,
        operations: &mut dyn Iterator<Item = (&KvInput, Option<&KvOutput>)>,
    ) -> Option<Box<dyn Any + Send + Sync>> {
        let mut reads: Vec<String> = operations
            .filter(|(input, _)| input.op == KvOp::Get)
            .filter_map(|(_, output)| output.map(|read| read.value.clone()))
            .collect();
        reads.sort_unstable();
        reads.dedup();
        Some(Box::new(SeenValues(reads)))
    }

    fn forget(&self, state: &KvState, summary: &(dyn Any + Send + Sync)) -> Option<KvState> {
        let SeenValues(reads) = summary.downcast_ref::<SeenValues>()?;
        if state.is_unseen() {
            return None;
        }
        // The values starting with `state` sit together in sorted order, from where it would
        // be inserted.
        let first = reads.partition_point(|read| read.as_str() < state.value());
        let seen = reads
            .get(first)
            .is_some_and(|read| read.starts_with(state.value()));
        (!seen).then(KvState::unseen)
    }
}

/// Every value a read of the partition returned, sorted: what [`KvModel::forget`] consults.
struct SeenValues(Vec<String>);
