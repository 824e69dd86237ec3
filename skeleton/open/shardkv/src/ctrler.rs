//! The shard controller (5A): a replicated service holding the numbered configurations, and
//! its clerk.

use std::collections::BTreeMap;
use std::sync::Arc;

use labrpc::{ClientEnd, Service};
use raft::Persister;

use crate::config::{Config, Gid};
use crate::Result;

/// One replica of the shard controller.
pub struct CtrlerServer {
    // Your state: its Raft, the configurations, what makes a retried request apply once.
}

impl CtrlerServer {
    /// Starts replica `me` of the controller, whose Raft peers are `peers` (`peers[me]` is
    /// unused), from what `persister` holds, and returns at once.
    ///
    /// The controller never snapshots: it keeps few, small configurations.
    pub fn start(peers: Vec<ClientEnd>, me: usize, persister: Arc<Persister>) -> Arc<CtrlerServer> {
        let _ = (&peers, &me, &persister);
        todo!("5A: CtrlerServer::start")
    }

    /// The labrpc services the tester hosts for this replica: the controller's and its
    /// Raft's.
    pub fn services(self: &Arc<Self>) -> Vec<Box<dyn Service>> {
        todo!("5A: CtrlerServer::services")
    }

    /// Whether this replica believes it leads (the tester looks for a leader after
    /// partitions).
    pub fn is_leader(&self) -> bool {
        todo!("5A: CtrlerServer::is_leader")
    }

    /// Stops the replica and its Raft; returns once every thread it started has stopped.
    pub fn kill(&self) {
        todo!("5A: CtrlerServer::kill")
    }
}

/// A client of the shard controller. Calls block until a controller replica carries the
/// request out, and fail only with [`Error::NetworkClosed`](crate::Error::NetworkClosed).
pub struct CtrlerClerk {
    // Your state: the ends, the last leader, what identifies this clerk's requests.
}

impl CtrlerClerk {
    /// A clerk that reaches the controller replicas through `ends`, one per replica, in an
    /// order that is not the replicas' numbering.
    pub fn new(ends: Vec<ClientEnd>) -> CtrlerClerk {
        let _ = &ends;
        todo!("5A: CtrlerClerk::new")
    }

    /// Configuration `num`, or the latest for `None` or a number past the latest (the
    /// course's `Query(-1)`). An old number returns that configuration exactly, also after
    /// controller replicas crashed and restarted.
    pub fn query(&self, num: Option<u64>) -> Result<Config> {
        let _ = &num;
        todo!("5A: CtrlerClerk::query")
    }

    /// Groups `groups` (gid to server names) join: the next configuration has them too (a gid
    /// already present gets its new server list), with the shards rebalanced.
    pub fn join(&self, groups: BTreeMap<Gid, Vec<String>>) -> Result<()> {
        let _ = &groups;
        todo!("5A: CtrlerClerk::join")
    }

    /// Groups `gids` leave: the next configuration lacks them, and their shards go to the
    /// others (to gid 0 when none remain).
    pub fn leave(&self, gids: Vec<Gid>) -> Result<()> {
        let _ = &gids;
        todo!("5A: CtrlerClerk::leave")
    }

    /// Shard `shard` moves to group `gid`: the next configuration differs only there.
    pub fn move_shard(&self, shard: usize, gid: Gid) -> Result<()> {
        let _ = (&shard, &gid);
        todo!("5A: CtrlerClerk::move_shard")
    }
}
