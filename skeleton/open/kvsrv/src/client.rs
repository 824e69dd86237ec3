//! The clerk, and what a lock needs from one.

use std::sync::Arc;

use labrpc::Endpoint;

use crate::{KvResult, Version};

/// What a [`Lock`](crate::Lock) (or a tester) needs from a clerk: get, and versioned put.
pub trait KvClerk {
    /// The value of `key` and its version, or `NoKey`.
    fn get(&self, key: &str) -> KvResult<(String, Version)>;

    /// Installs `value` at `key` if the key's version is `version`: `Ok`, `NoKey`, `Version`,
    /// or `Maybe` when the put was sent more than once and the outcome is unknown.
    fn put(&self, key: &str, value: &str, version: Version) -> KvResult<()>;
}

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

impl KvClerk for Clerk {
    fn get(&self, key: &str) -> KvResult<(String, Version)> {
        Clerk::get(self, key)
    }

    fn put(&self, key: &str, value: &str, version: Version) -> KvResult<()> {
        Clerk::put(self, key, value, version)
    }
}

impl<C: KvClerk + ?Sized> KvClerk for &C {
    fn get(&self, key: &str) -> KvResult<(String, Version)> {
        (**self).get(key)
    }

    fn put(&self, key: &str, value: &str, version: Version) -> KvResult<()> {
        (**self).put(key, value, version)
    }
}

impl<C: KvClerk + ?Sized> KvClerk for Arc<C> {
    fn get(&self, key: &str) -> KvResult<(String, Version)> {
        (**self).get(key)
    }

    fn put(&self, key: &str, value: &str, version: Version) -> KvResult<()> {
        (**self).put(key, value, version)
    }
}
