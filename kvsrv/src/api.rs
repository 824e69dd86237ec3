//! What the tester and the lock rely on: a key's version, the errors of a get or a put, and
//! the clerk trait. Both skeleton tiers give this file as it is.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Clerk;

/// A key's version: 0 while the key does not exist, then one more for every put that took
/// effect. The course's `Tversion`.
pub type Version = u64;

/// Why a get or a put did not do what was asked.
///
/// The server answers `NoKey` and `Version`; only the [`Clerk`] answers `Maybe`, when it
/// cannot tell whether its put took effect.
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

/// What a [`Lock`](crate::Lock) (or a tester) needs from a clerk: get, and versioned put.
pub trait KvClerk {
    /// The value of `key` and its version, or `NoKey`.
    fn get(&self, key: &str) -> KvResult<(String, Version)>;

    /// Installs `value` at `key` if the key's version is `version`: `Ok`, `NoKey`, `Version`,
    /// or `Maybe` when the put was sent more than once and the outcome is unknown.
    fn put(&self, key: &str, value: &str, version: Version) -> KvResult<()>;
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
