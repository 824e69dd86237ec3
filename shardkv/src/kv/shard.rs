//! One shard as a group holds it: its key/value data, its duplicate table, and where it
//! stands in a migration.
//!
//! The duplicate table travels with the shard: a write applied by the old owner whose reply
//! was lost must be recognized as a retry when the clerk sends it to the new owner.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::request::{DuplicateTable, RequestId};

/// Where a shard stands for one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShardStatus {
    /// Not this group's, and no data kept.
    #[default]
    Absent,
    /// This group's, and served.
    Serving,
    /// This group's in the current configuration, but its data has not arrived from the
    /// previous owner yet; not served.
    Pulling,
    /// This group's in the previous configuration only: frozen, kept until the new owner
    /// has installed it and asks us to delete it.
    Offering,
    /// Arrived from the previous owner and served; the previous owner has not yet confirmed
    /// that it deleted its copy.
    Received,
}

/// What moves between groups: the key/value pairs and the duplicate table of one shard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardData {
    /// The shard's keys and values (ordered, so that the encoding is deterministic).
    pub values: BTreeMap<String, String>,
    /// Per clerk, the highest write applied to this shard.
    pub duplicates: DuplicateTable,
}

/// One shard of a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Where the shard stands.
    pub status: ShardStatus,
    /// Its data (empty while absent or pulling).
    pub data: ShardData,
}

impl Shard {
    /// Whether clerks may read and write it.
    pub fn is_served(&self) -> bool {
        matches!(self.status, ShardStatus::Serving | ShardStatus::Received)
    }

    /// The value of `key`, if written.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.data.values.get(key)
    }

    /// Applies a write once per request id: `append` appends, otherwise puts.
    pub fn write(&mut self, id: RequestId, key: &str, value: &str, append: bool) {
        if self.data.duplicates.is_duplicate(id) {
            return;
        }
        self.data.duplicates.record(id);
        let entry = self.data.values.entry(key.to_string()).or_default();
        if append {
            entry.push_str(value);
        } else {
            *entry = value.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retried_append_applies_once_even_after_moving() {
        let id = RequestId { client: 3, seq: 1 };
        let mut old_owner = Shard {
            status: ShardStatus::Serving,
            ..Shard::default()
        };
        old_owner.write(id, "k", "x", true);
        let mut new_owner = Shard {
            status: ShardStatus::Received,
            data: old_owner.data.clone(),
        };
        new_owner.write(id, "k", "x", true);
        assert_eq!(new_owner.get("k").map(String::as_str), Some("x"));
        assert!(new_owner.is_served());
    }
}
