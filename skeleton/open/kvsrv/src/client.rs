//! The clerk.

use labrpc::Endpoint;

use crate::{KvResult, Version};

/// A client of one key/value server.
///
/// Many threads may share one clerk and call it at once.
#[derive(Debug)]
pub struct Clerk {
    // Your state: how to reach the server, and whatever a call needs.
}

impl Clerk {
    /// A clerk that reaches the server through `end` (one end, to the one server).
    pub fn new(end: impl Endpoint) -> Clerk {
        let _ = end;
        todo!("2: Clerk::new")
    }

    /// The value of `key` and its version, or `NoKey` if the key does not exist.
    ///
    /// Retries until the server answers; never answers `Version` or `Maybe`.
    pub fn get(&self, key: &str) -> KvResult<(String, Version)> {
        let _ = key;
        todo!("2: Clerk::get")
    }

    /// Installs `value` at `key` if the key's version is `version` (0 creates the key).
    ///
    /// Retries until the server answers. The answer to a first attempt is the answer; a
    /// `Version` answer to a retransmission is `Maybe`, since an earlier attempt may have
    /// taken effect. `Ok` means the put took effect, once.
    pub fn put(&self, key: &str, value: &str, version: Version) -> KvResult<()> {
        let _ = (key, value, version);
        todo!("2: Clerk::put")
    }
}
