//! The one error type of the crate: why a server did not carry out a request, or why a
//! clerk gave up.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::Gid;

/// Why a request was not carried out. Travels in replies, so it is serializable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum Error {
    /// This server is not the leader (or stopped being one before the request committed).
    #[error("wrong leader")]
    WrongLeader,
    /// The group does not own the key's shard in its current configuration.
    #[error("group {gid} does not own shard {shard} in configuration {config}")]
    WrongGroup {
        /// The group that refused.
        gid: Gid,
        /// The key's shard.
        shard: usize,
        /// The refusing group's configuration number.
        config: u64,
    },
    /// The group owns the shard but its data has not arrived yet.
    #[error("shard {shard} of configuration {config} has not arrived yet")]
    ShardNotReady {
        /// The shard being waited for.
        shard: usize,
        /// The configuration that gave it to this group.
        config: u64,
    },
    /// A migration request named a configuration this group has not reached yet.
    #[error("asked about configuration {asked} while at configuration {current}")]
    ConfigNotReached {
        /// The configuration the caller asked about.
        asked: u64,
        /// This group's configuration.
        current: u64,
    },
    /// A migration request named a configuration this group has already moved past; the
    /// caller's view is stale.
    #[error("asked about configuration {asked}, already at configuration {current}")]
    ConfigPassed {
        /// The configuration the caller asked about.
        asked: u64,
        /// This group's configuration.
        current: u64,
    },
    /// `Get` of a key that was never written; the clerk turns this into `""`.
    #[error("no such key")]
    NoKey,
    /// The request was accepted by Raft but not applied in time; it may still commit, and a
    /// retry is deduplicated.
    #[error("timed out waiting for the request to commit")]
    Timeout,
    /// The server is shutting down.
    #[error("server shutting down")]
    ShuttingDown,
    /// The network is closed: no call can ever succeed again, so the clerk gives up.
    #[error("network closed")]
    NetworkClosed,
}

impl From<kvraft::KvError> for Error {
    /// The replicated state machine's refusals, which both crates share.
    fn from(error: kvraft::KvError) -> Error {
        match error {
            kvraft::KvError::WrongLeader => Error::WrongLeader,
            kvraft::KvError::NoKey => Error::NoKey,
            kvraft::KvError::Timeout => Error::Timeout,
            kvraft::KvError::ShuttingDown => Error::ShuttingDown,
        }
    }
}

/// The result of a request.
pub type Result<T> = std::result::Result<T, Error>;
