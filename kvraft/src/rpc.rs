//! What travels between clerks and servers, and what goes through the Raft log.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a server did not carry out a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum KvError {
    /// This server is not the leader (or stopped being one before the request committed).
    #[error("wrong leader")]
    WrongLeader,
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
}

/// The result of a request at the server.
pub type KvResult<T> = Result<T, KvError>;

/// Who sent a request, so that retries are applied once: the clerk's random id and the
/// sequence number of the request, which goes up by one for each new request.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestId {
    /// The clerk's id, random per clerk.
    pub client: u64,
    /// The clerk's request number, from 1.
    pub seq: u64,
}

/// `C<client> #<seq>`, as log lines name a request: short, so that a command's `Debug` form
/// still shows its operation within a log line's width.
impl fmt::Debug for RequestId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "C{} #{}", self.client, self.seq)
    }
}

/// A key/value operation, as the state machine applies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Read the value of `key`.
    Get {
        /// The key.
        key: String,
    },
    /// Set `key` to `value`.
    Put {
        /// The key.
        key: String,
        /// The new value.
        value: String,
    },
    /// Append `value` to the value of `key` (which starts as `""`).
    Append {
        /// The key.
        key: String,
        /// What to append.
        value: String,
    },
}

impl Op {
    /// The key the operation works on.
    pub fn key(&self) -> &str {
        match self {
            Op::Get { key } | Op::Put { key, .. } | Op::Append { key, .. } => key,
        }
    }
}

/// One entry of the Raft log: an operation and who asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// Who sent it, for duplicate detection.
    pub id: RequestId,
    /// What to do.
    pub op: Op,
}

/// Arguments of `Get`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GetArgs {
    /// The key to read.
    pub key: String,
    /// Who asks.
    pub id: RequestId,
}

/// Reply of `Get`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GetReply {
    /// The value, or why there is none.
    pub result: KvResult<String>,
}

/// Arguments of `Put` and `Append`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PutAppendArgs {
    /// The key to write.
    pub key: String,
    /// The value to put or append.
    pub value: String,
    /// Who asks.
    pub id: RequestId,
}

/// Reply of `Put` and `Append`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PutAppendReply {
    /// Success, or why not.
    pub result: KvResult<()>,
}

labrpc::service! {
    /// The key/value service a clerk calls.
    service KVServer {
        handler KvHandler;
        client KvClient;
        /// Reads a key.
        fn get(GetArgs) -> GetReply;
        /// Sets a key.
        fn put(PutAppendArgs) -> PutAppendReply;
        /// Appends to a key.
        fn append(PutAppendArgs) -> PutAppendReply;
    }
}
