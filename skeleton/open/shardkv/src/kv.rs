//! The sharded key/value service: a replica group's server (5A, 5B) and the clerk (5A).

use std::sync::Arc;

use labrpc::{ClientEnd, Service};
use raft::Persister;

use crate::config::Gid;
use crate::Result;

/// Turns a server name from a configuration (`"server-101-2"`) into a client end that
/// reaches it. The tester supplies it; each call may make a new end.
pub type MakeEnd = Arc<dyn Fn(&str) -> ClientEnd + Send + Sync>;

/// How many shards a server installed from other groups, and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MigrationStats {
    /// Shards installed: one per shard per configuration change that moved it here.
    pub shards: u64,
    /// Bytes of the installed shards' data, as your messages carried them (reported, not
    /// checked).
    pub bytes: u64,
}

/// One server of a replica group.
pub struct ShardKv {
    // Your state: its Raft, the shards, the configurations, the threads that poll and move.
}

impl ShardKv {
    /// Starts server `me` of group `gid`, whose Raft peers are `peers` (`peers[me]` is
    /// unused), from what `persister` holds, and returns at once.
    ///
    /// `ctrler_ends` reach the controller's replicas; `make_end` reaches the servers of
    /// other groups by the names configurations list. `max_raft_state` is the course's
    /// `maxraftstate`: with `Some(n)`, snapshot so that Raft's state stays under `8 × n`
    /// bytes; `None` (the course's −1) means never snapshot.
    pub fn start(
        peers: Vec<ClientEnd>,
        me: usize,
        persister: Arc<Persister>,
        max_raft_state: Option<usize>,
        gid: Gid,
        ctrler_ends: Vec<ClientEnd>,
        make_end: MakeEnd,
    ) -> Arc<ShardKv> {
        let _ = (
            &peers,
            &me,
            &persister,
            &max_raft_state,
            &gid,
            &ctrler_ends,
            &make_end,
        );
        todo!("5A: ShardKv::start")
    }

    /// The labrpc services the tester hosts for this server: the group's (for clerks and
    /// for other groups) and its Raft's.
    pub fn services(self: &Arc<Self>) -> Vec<Box<dyn Service>> {
        todo!("5A: ShardKv::services")
    }

    /// Stops the server, its threads and its Raft; returns once every thread it started has
    /// stopped. Called once per server; a crashed group is restarted from its persisters.
    pub fn kill(&self) {
        todo!("5A: ShardKv::kill")
    }

    /// The shards this server installed from other groups since it started (not counting
    /// what it restored from a snapshot): the tester sums, per group, the most any replica
    /// installed, and expects exactly the shards whose owner changed.
    pub fn migration_stats(&self) -> MigrationStats {
        todo!("5B: ShardKv::migration_stats")
    }
}

/// A client of the sharded key/value service. Calls block until a group carries the
/// request out, and fail only with [`Error::NetworkClosed`](crate::Error::NetworkClosed).
pub struct Clerk {
    // Your state: the controller's clerk, the configuration it knows, its request numbers.
}

impl Clerk {
    /// A clerk that asks the controller (through `ctrler_ends`) where shards are, and
    /// reaches group servers through `make_end`.
    pub fn new(ctrler_ends: Vec<ClientEnd>, make_end: MakeEnd) -> Clerk {
        let _ = (&ctrler_ends, &make_end);
        todo!("5A: Clerk::new")
    }

    /// The value of `key`, or `""` if it was never written.
    pub fn get(&self, key: &str) -> Result<String> {
        let _ = &key;
        todo!("5A: Clerk::get")
    }

    /// Sets `key` to `value`, once.
    pub fn put(&self, key: &str, value: &str) -> Result<()> {
        let _ = (&key, &value);
        todo!("5A: Clerk::put")
    }

    /// Appends `value` to the value of `key` (to `""` if never written), once.
    pub fn append(&self, key: &str, value: &str) -> Result<()> {
        let _ = (&key, &value);
        todo!("5A: Clerk::append")
    }
}
