//! The server's state and its rules: `key -> (value, version)`, and a put that takes effect
//! only at the stored version.
//!
//! Plain methods over plain data, so the rules can be tested without a network or threads.
//! The store keeps nothing about clients: a put carries the version it expects, so a
//! duplicate of a put that took effect meets a newer version and is refused, with no table
//! of who sent what.

use std::collections::BTreeMap;

use crate::{KvResult, Version};
// lab:hide 2
use crate::KvError;

/// One key's value and how many puts have taken effect on it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    value: String,
    version: Version,
}

/// Every key's value and version.
///
/// A `BTreeMap` rather than a `HashMap`: its order does not depend on a random hasher, so
/// runs replay alike.
#[derive(Debug, Default)]
pub struct Store {
    entries: BTreeMap<String, Entry>,
}

impl Store {
    /// An empty store: every key is missing (version 0).
    pub fn new() -> Store {
        Store::default()
    }

    /// The value of `key` and its version, or `NoKey` if no put has created it.
    ///
    /// The server's `get` handler calls it with the store locked and sends the answer to
    /// the clerk as it is.
    // lab:solution 2
    pub fn get(&self, key: &str) -> KvResult<(String, Version)> {
        self.entries
            .get(key)
            .map(|entry| (entry.value.clone(), entry.version))
            .ok_or(KvError::NoKey)
    }

    /// Installs `value` at `key` if `version` is the key's version, and bumps the version.
    ///
    /// A missing key has version 0, so a put at version 0 creates it. Otherwise nothing
    /// changes and the put is refused: `NoKey` when the key is missing (and `version` is not
    /// 0), `Version` when it exists at another version.
    ///
    /// The server's `put` handler calls it with the store locked, one put at a time, and
    /// sends the answer to the clerk as it is: the store alone decides whether a put (or a
    /// duplicate of one) takes effect. Keep nothing per client or per request: the memory
    /// tests allow the server a few bytes per clerk.
    // lab:solution 2
    pub fn put(&mut self, key: &str, value: String, version: Version) -> KvResult<()> {
        match self.entries.get_mut(key) {
            Some(entry) if entry.version == version => {
                entry.value = value;
                entry.version += 1;
                Ok(())
            }
            Some(_) => Err(KvError::Version),
            None if version == 0 => {
                self.entries
                    .insert(key.to_string(), Entry { value, version: 1 });
                Ok(())
            }
            None => Err(KvError::NoKey),
        }
    }

    /// How many keys exist.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key exists.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KvError;

    fn put(store: &mut Store, key: &str, value: &str, version: Version) -> KvResult<()> {
        store.put(key, value.to_string(), version)
    }

    /// A key nobody has put is `NoKey`.
    #[test]
    fn a_missing_key_is_no_key() {
        let store = Store::new();
        assert_eq!(store.get("k"), Err(KvError::NoKey));
        assert!(store.is_empty());
    }

    /// A put at version 0 creates the key at version 1.
    #[test]
    fn a_put_at_version_zero_creates_the_key() {
        let mut store = Store::new();
        assert_eq!(put(&mut store, "k", "a", 0), Ok(()));
        assert_eq!(store.get("k"), Ok(("a".to_string(), 1)));
        assert_eq!(store.len(), 1);
    }

    /// A put at the stored version replaces the value and bumps the version.
    #[test]
    fn a_put_at_the_stored_version_replaces_the_value() {
        let mut store = Store::new();
        put(&mut store, "k", "a", 0).unwrap();
        assert_eq!(put(&mut store, "k", "b", 1), Ok(()));
        assert_eq!(store.get("k"), Ok(("b".to_string(), 2)));
    }

    /// A put at any other version changes nothing: a duplicate of a put that took effect is
    /// refused this way.
    #[test]
    fn a_put_at_another_version_is_refused() {
        let mut store = Store::new();
        put(&mut store, "k", "a", 0).unwrap();
        for version in [0, 2, 7] {
            assert_eq!(put(&mut store, "k", "b", version), Err(KvError::Version));
        }
        assert_eq!(store.get("k"), Ok(("a".to_string(), 1)));
    }

    /// A put at a non-zero version of a missing key is `NoKey` and creates nothing.
    #[test]
    fn a_put_of_a_missing_key_at_a_nonzero_version_is_no_key() {
        let mut store = Store::new();
        assert_eq!(put(&mut store, "y", "a", 1), Err(KvError::NoKey));
        assert_eq!(store.get("y"), Err(KvError::NoKey));
        assert!(store.is_empty());
    }

    /// Keys have versions of their own.
    #[test]
    fn keys_are_independent() {
        let mut store = Store::new();
        put(&mut store, "x", "a", 0).unwrap();
        put(&mut store, "x", "b", 1).unwrap();
        assert_eq!(put(&mut store, "y", "c", 0), Ok(()));
        assert_eq!(store.get("x"), Ok(("b".to_string(), 2)));
        assert_eq!(store.get("y"), Ok(("c".to_string(), 1)));
    }
}
