//! Who sent a request, and the duplicate table that makes retried writes apply once.
//!
//! A clerk has one request outstanding at a time and numbers its requests 1, 2, 3..., so
//! remembering the highest number applied per clerk is enough to recognize a retry.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A clerk's random id and the number of one of its requests (kvraft's, shared).
pub use kvraft::rpc::RequestId;

/// Per clerk, the highest request number applied. A `BTreeMap` so that snapshots and
/// migrated shards encode the same bytes on every replica and in every replay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateTable {
    last_seq: BTreeMap<u64, u64>,
}

impl DuplicateTable {
    /// Whether the request was already applied.
    pub fn is_duplicate(&self, id: RequestId) -> bool {
        self.last_seq
            .get(&id.client)
            .is_some_and(|&seq| id.seq <= seq)
    }

    /// Records the request as applied.
    pub fn record(&mut self, id: RequestId) {
        let seq = self.last_seq.entry(id.client).or_default();
        *seq = (*seq).max(id.seq);
    }

    /// Takes in every entry of `other`, keeping the higher number per clerk.
    pub fn merge(&mut self, other: &DuplicateTable) {
        for (&client, &seq) in &other.last_seq {
            self.record(RequestId { client, seq });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_highest_number_per_clerk() {
        let mut table = DuplicateTable::default();
        table.record(RequestId { client: 1, seq: 3 });
        assert!(table.is_duplicate(RequestId { client: 1, seq: 2 }));
        assert!(table.is_duplicate(RequestId { client: 1, seq: 3 }));
        assert!(!table.is_duplicate(RequestId { client: 1, seq: 4 }));
        assert!(!table.is_duplicate(RequestId { client: 2, seq: 1 }));
        let mut other = DuplicateTable::default();
        other.record(RequestId { client: 1, seq: 9 });
        table.merge(&other);
        assert!(table.is_duplicate(RequestId { client: 1, seq: 9 }));
    }
}
