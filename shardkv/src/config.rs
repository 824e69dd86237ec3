//! Configurations: which replica group owns each shard, and which servers form each group.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How many shards the key space is split into.
pub const NSHARDS: usize = 10;

/// A replica group id. 0 is no group: the owner of every shard in configuration 0.
pub type Gid = u64;

/// One numbered configuration. Configuration 0 has no groups and every shard on gid 0.
///
/// `BTreeMap` rather than `HashMap`: every replica must compute the same rebalancing from
/// the same configuration, so iteration order has to be deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The configuration number, from 0.
    pub num: u64,
    /// Per shard, the owning group (0 for none).
    pub shards: [Gid; NSHARDS],
    /// Per group, the names of its servers.
    pub groups: BTreeMap<Gid, Vec<String>>,
}

impl Config {
    /// The shards `gid` owns, in order.
    pub fn shards_of(&self, gid: Gid) -> Vec<usize> {
        (0..NSHARDS)
            .filter(|&shard| self.shards[shard] == gid)
            .collect()
    }

    /// Per group of this configuration, how many shards it owns (0 included).
    pub fn shard_counts(&self) -> BTreeMap<Gid, usize> {
        self.groups
            .keys()
            .map(|&gid| (gid, self.shards_of(gid).len()))
            .collect()
    }
}

/// The shard of `key`: its first byte modulo [`NSHARDS`]; the empty key is on shard 0.
pub fn key_to_shard(key: &str) -> usize {
    key.as_bytes()
        .first()
        .map_or(0, |&byte| usize::from(byte) % NSHARDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_zero_to_nine_land_on_ten_shards() {
        let shards: Vec<usize> = (0..10).map(|i| key_to_shard(&i.to_string())).collect();
        let mut sorted = shards.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), NSHARDS, "{shards:?}");
        assert_eq!(key_to_shard(""), 0);
        assert_eq!(key_to_shard("a"), 97 % 10);
    }

    #[test]
    fn counts_cover_every_group() {
        let mut config = Config::default();
        config.groups.insert(1, vec!["a".into()]);
        config.groups.insert(2, vec!["b".into()]);
        config.shards = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(config.shard_counts(), BTreeMap::from([(1, 3), (2, 0)]));
        assert_eq!(config.shards_of(1), vec![0, 1, 2]);
    }
}
