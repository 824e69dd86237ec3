//! The key/value service as one map-valued register, without partitioning: slower, and
//! kept to measure what partitioning buys (porcupine's "no partition" model).

use super::kv::{describe, step_value, KvInput, KvOp, KvOutput, KvState, ARC_HEADER_BYTES};
use crate::hashing::mix64;
use crate::model::Model;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Every key's value. The hash is the XOR of one hash per (key, value) pair, so it does not
/// depend on order and a write updates it in O(1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvMapState {
    values: Arc<BTreeMap<String, KvState>>,
    hash: u64,
}

impl KvMapState {
    /// The value at `key` ("" if never written).
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map_or("", |value| value.value())
    }
}

impl Hash for KvMapState {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

fn pair_hash(key: &str, value: &KvState) -> u64 {
    mix64(crate::hashing::fx_hash(key) ^ crate::hashing::fx_hash(value))
}

/// B-tree node space per entry beyond the entry itself (edges, lengths, slack), roughly.
const BTREE_ENTRY_OVERHEAD: usize = 24;

/// The unpartitioned key/value model.
#[derive(Clone, Copy, Debug, Default)]
pub struct KvMapModel;

impl Model for KvMapModel {
    type State = KvMapState;
    type Input = KvInput;
    type Output = KvOutput;

    fn init(&self) -> KvMapState {
        KvMapState {
            values: Arc::default(),
            hash: 0,
        }
    }

    fn is_read_only(&self, input: &KvInput, _output: Option<&KvOutput>) -> bool {
        input.op == KvOp::Get
    }

    fn step(
        &self,
        state: &KvMapState,
        input: &KvInput,
        output: Option<&KvOutput>,
    ) -> Option<KvMapState> {
        let empty = KvState::new("");
        let old = state.values.get(&input.key).unwrap_or(&empty);
        let new = step_value(old, input, output)?;
        if new == *old {
            return Some(state.clone());
        }
        let mut hash = state.hash ^ pair_hash(&input.key, &new);
        if state.values.contains_key(&input.key) {
            hash ^= pair_hash(&input.key, old);
        }
        let mut values = (*state.values).clone();
        values.insert(input.key.clone(), new);
        Some(KvMapState {
            values: Arc::new(values),
            hash,
        })
    }

    /// Each stored map is its own copy (keys included); values are shared between maps.
    fn state_bytes(&self, state: &KvMapState) -> usize {
        let per_entry = |key: &String| {
            key.len() + std::mem::size_of::<(String, KvState)>() + BTREE_ENTRY_OVERHEAD
        };
        std::mem::size_of::<KvMapState>()
            + ARC_HEADER_BYTES
            + state.values.keys().map(per_entry).sum::<usize>()
    }

    fn describe_operation(&self, input: &KvInput, output: Option<&KvOutput>) -> String {
        describe(input, output)
    }

    fn describe_state(&self, state: &KvMapState) -> String {
        let pairs: Vec<_> = state
            .values
            .iter()
            .map(|(key, value)| format!("'{key}': '{}'", value.value()))
            .collect();
        format!("{{{}}}", pairs.join(", "))
    }
}
