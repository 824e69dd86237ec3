//! What travels between clerks and groups and between groups, and what goes through a
//! group's log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::shard::ShardData;
use crate::config::Config;

use crate::request::RequestId;

/// A key/value operation: kvraft's, whose clerks and state machine shardkv extends.
pub use kvraft::rpc::Op;

/// One entry of a group's Raft log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// A clerk's operation.
    Client {
        /// Who sent it, for duplicate detection.
        id: RequestId,
        /// What to do.
        op: Op,
    },
    /// Move to the next configuration.
    Reconfigure {
        /// The configuration, numbered one past the group's current one.
        config: Config,
    },
    /// Shards pulled from their previous owner arrived.
    InstallShards {
        /// The configuration that gave them to this group.
        config_num: u64,
        /// Per shard, its data and duplicate table.
        shards: BTreeMap<usize, ShardData>,
    },
    /// The new owner has installed these shards: drop our copies.
    DeleteShards {
        /// The configuration that took them from this group.
        config_num: u64,
        /// The shards.
        shards: Vec<usize>,
    },
    /// The previous owner deleted its copies of these shards.
    DeletionConfirmed {
        /// The configuration that gave them to this group.
        config_num: u64,
        /// The shards.
        shards: Vec<usize>,
    },
    /// Nothing: a new leader logs one so that entries of earlier terms commit.
    Noop,
}

/// Log lines show which command, not the shard data it carries.
impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Client { id, op } => write!(f, "client {}#{} {op:?}", id.client, id.seq),
            Command::Reconfigure { config } => write!(f, "reconfigure to {}", config.num),
            Command::InstallShards { config_num, shards } => {
                let list: Vec<_> = shards.keys().collect();
                write!(f, "install shards {list:?} of config {config_num}")
            }
            Command::DeleteShards { config_num, shards } => {
                write!(f, "delete shards {shards:?} of config {config_num}")
            }
            Command::DeletionConfirmed { config_num, shards } => {
                write!(f, "deletion of {shards:?} of config {config_num} confirmed")
            }
            Command::Noop => f.write_str("no-op"),
        }
    }
}

/// Arguments of a clerk's request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientArgs {
    /// Who asks.
    pub id: RequestId,
    /// What to do.
    pub op: Op,
}

/// Reply to a clerk: the value read (`""` after a write), or why not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientReply {
    /// The value, or the error.
    pub result: crate::error::Result<String>,
}

/// Arguments of a pull: the new owner asks the previous owner for shards.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullArgs {
    /// The configuration that moved the shards; the previous owner must be at it.
    pub config_num: u64,
    /// The shards wanted.
    pub shards: Vec<usize>,
}

/// Reply to a pull.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullReply {
    /// Per shard, its data and duplicate table; or why not.
    pub result: crate::error::Result<BTreeMap<usize, ShardData>>,
}

/// Arguments of a deletion request: the new owner has the shards.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteArgs {
    /// The configuration that moved the shards.
    pub config_num: u64,
    /// The shards to delete.
    pub shards: Vec<usize>,
}

/// Reply to a deletion request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeleteReply {
    /// Deleted (now or before), or why not.
    pub result: crate::error::Result<()>,
}

labrpc::service! {
    /// A replica group's service, for clerks and for other groups.
    service ShardKV {
        handler ShardKvHandler;
        client ShardKvClient;
        /// A clerk's Get, Put or Append.
        fn request(ClientArgs) -> ClientReply;
        /// Another group pulls shards this group offers.
        fn pull_shards(PullArgs) -> PullReply;
        /// Another group says it has installed shards this group offered.
        fn delete_shards(DeleteArgs) -> DeleteReply;
    }
}
