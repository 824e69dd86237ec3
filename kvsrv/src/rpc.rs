//! What travels between clerks and the server.

use serde::{Deserialize, Serialize};

use crate::{KvResult, Version};

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
