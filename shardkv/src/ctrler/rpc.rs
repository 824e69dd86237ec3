//! What travels between controller clerks and controller servers, and through their log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::{Config, Gid};

use crate::request::RequestId;

/// A controller operation, as the state machine applies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CtrlerOp {
    /// New groups (gid → server names) join; shards are rebalanced.
    Join {
        /// The joining groups.
        groups: BTreeMap<Gid, Vec<String>>,
    },
    /// Groups leave; their shards go to the others.
    Leave {
        /// The leaving gids.
        gids: Vec<Gid>,
    },
    /// One shard is assigned to one group, without rebalancing.
    Move {
        /// The shard.
        shard: usize,
        /// Its new owner.
        gid: Gid,
    },
    /// Read configuration `num`, or the latest for `None` or a number past the latest.
    Query {
        /// The configuration number.
        num: Option<u64>,
    },
}

/// One entry of the controller's log, and the argument of every controller RPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtrlerCommand {
    /// Who sent it, for duplicate detection.
    pub id: RequestId,
    /// What to do.
    pub op: CtrlerOp,
}

/// The reply of every controller RPC: the configuration asked for (after a write, the
/// latest), or why not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CtrlerReply {
    /// The configuration, or the error.
    pub result: crate::error::Result<Config>,
}

labrpc::service! {
    /// The shard controller's service.
    service ShardCtrler {
        handler CtrlerHandler;
        client CtrlerClient;
        /// Groups join.
        fn join(CtrlerCommand) -> CtrlerReply;
        /// Groups leave.
        fn leave(CtrlerCommand) -> CtrlerReply;
        /// A shard moves.
        fn move_shard(CtrlerCommand) -> CtrlerReply;
        /// A configuration is read.
        fn query(CtrlerCommand) -> CtrlerReply;
    }
}
