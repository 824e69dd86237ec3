//! What travels between clerks and the server, and the errors both sides speak.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A key's version: 0 while the key does not exist, then one more for every put that took
/// effect. The course's `Tversion`.
pub type Version = u64;

/// Why a get or a put did not do what was asked.
///
/// The server answers `NoKey` and `Version`; only the [`Clerk`](crate::Clerk) answers
/// `Maybe`, when it cannot tell whether its put took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Error)]
pub enum KvError {
    /// A get of a key that does not exist, or a put at a non-zero version of one.
    #[error("no such key")]
    NoKey,
    /// A put whose version is not the key's version; nothing changed.
    #[error("version mismatch")]
    Version,
    /// A put that was sent more than once and whose retransmission met a version mismatch:
    /// an earlier attempt may have taken effect, or may not.
    #[error("the put may or may not have taken effect")]
    Maybe,
}

/// The result of a get or a put.
pub type KvResult<T> = Result<T, KvError>;

/// Arguments of `Get`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GetArgs {
    /// The key to read.
    pub key: String,
}

/// Reply of `Get`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GetReply {
    /// The value and its version, or `NoKey`.
    pub result: KvResult<(String, Version)>,
}

/// Arguments of `Put`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PutArgs {
    /// The key to write.
    pub key: String,
    /// The value to install.
    pub value: String,
    /// The version the key must have for the put to take effect (0 creates the key).
    pub version: Version,
}

/// Reply of `Put`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PutReply {
    /// Success, or `NoKey` / `Version`.
    pub result: KvResult<()>,
}

labrpc::service! {
    /// The key/value service a clerk calls.
    service KVServer {
        handler KvHandler;
        client KvClient;
        /// Reads a key's value and version.
        fn get(GetArgs) -> GetReply;
        /// Installs a value if the version matches.
        fn put(PutArgs) -> PutReply;
    }
}
