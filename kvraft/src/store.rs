//! The replicated state machine: the key/value map and the duplicate table.
//!
//! Every server applies the same commands in the same order, so every server's `Store` goes
//! through the same states. The duplicate table makes a retried write take effect once: a
//! clerk has one request outstanding at a time and numbers them 1, 2, 3..., so remembering
//! the highest number applied per clerk is enough.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rpc::{Command, KvResult};
// lab:hide 4A
use crate::rpc::{KvError, Op};
use crate::rsm::StateMachine;

/// The key/value map plus the duplicate table; what a snapshot holds.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Store {
    /// Ordered, so a snapshot's bytes depend on the contents alone (a simulation replays
    /// them byte for byte).
    data: BTreeMap<String, String>,
    /// Per clerk, the highest request number applied.
    last_applied_seq: BTreeMap<u64, u64>,
}

impl Store {
    /// Applies one command and returns what its caller should hear.
    ///
    /// A `Get` always reads the current value (reading twice is harmless, and a retry's
    /// answer is then as fresh as possible). A write whose request number was already
    /// applied for its clerk is skipped and reports success.
    ///
    /// Every replica applies the same commands in the same order through
    /// [`StateMachine::apply`], and the handler of the command hears the result: a `Get`
    /// answers the value or `KvError::NoKey` (the clerk reads that as `""`), a `Put` or an
    /// `Append` answers `Ok("")`. The result must depend only on the store and the command,
    /// so that every replica goes through the same states; and a write applied once must be
    /// skipped however often it comes again, since a clerk retries it at server after server.
    // lab:solution 4A
    pub fn apply(&mut self, command: &Command) -> KvResult<String> {
        if let Op::Get { key } = &command.op {
            return self.data.get(key).cloned().ok_or(KvError::NoKey);
        }
        if self.is_duplicate(command) {
            return Ok(String::new());
        }
        self.last_applied_seq
            .insert(command.id.client, command.id.seq);
        match &command.op {
            Op::Put { key, value } => {
                self.data.insert(key.clone(), value.clone());
            }
            Op::Append { key, value } => {
                self.data.entry(key.clone()).or_default().push_str(value);
            }
            Op::Get { .. } => unreachable!("gets returned above"),
        }
        Ok(String::new())
    }

    /// Whether this write was already applied.
    ///
    /// The server's handlers ask it before they submit, and answer `Ok` at once, without the
    /// log, when it says yes; [`apply`](Store::apply) skips such writes. So it may say yes
    /// only for a write whose clerk has had a request with this number or a later one
    /// applied (a clerk has one request outstanding at a time, numbered 1, 2, 3...).
    // lab:solution 4A
    pub fn is_duplicate(&self, command: &Command) -> bool {
        self.last_applied_seq
            .get(&command.id.client)
            .is_some_and(|&seq| command.id.seq <= seq)
    }

    /// The store as snapshot bytes: the map and the duplicate table, encoded with
    /// `labcodec`.
    ///
    /// A replica restored from them must go on exactly as this one would, so both are in
    /// them: without the table a restored replica applies a retried append twice.
    /// `snapshot_size_4b` allows 500 bytes for a store of one key and a few clerks.
    // lab:solution 4B
    pub fn to_snapshot(&self) -> Vec<u8> {
        labcodec::encode(self)
    }

    /// A store from snapshot bytes; empty bytes are the empty store.
    ///
    /// The inverse of [`to_snapshot`](Store::to_snapshot): the replica restores itself with
    /// it when it starts from a persisted snapshot and when Raft installs one from the
    /// leader ([`StateMachine::restore`]).
    ///
    /// # Panics
    ///
    /// If the bytes are not a snapshot this code wrote: Raft hands back exactly what it was
    /// given, so anything else is corruption, and serving from a wrong state would be worse.
    // lab:solution 4B
    pub fn from_snapshot(bytes: &[u8]) -> Store {
        if bytes.is_empty() {
            return Store::default();
        }
        labcodec::decode(bytes).unwrap_or_else(|error| {
            panic!(
                "corrupt key/value snapshot ({} bytes): {error}",
                bytes.len()
            )
        })
    }
}

impl StateMachine for Store {
    type Command = Command;
    type Output = KvResult<String>;

    fn apply(&mut self, command: Command) -> KvResult<String> {
        Store::apply(self, &command)
    }

    fn to_snapshot(&self) -> Vec<u8> {
        Store::to_snapshot(self)
    }

    fn restore(&mut self, snapshot: &[u8]) {
        *self = Store::from_snapshot(snapshot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::{KvError, Op, RequestId};

    fn command(client: u64, seq: u64, op: Op) -> Command {
        Command {
            id: RequestId { client, seq },
            op,
        }
    }

    fn append(key: &str, value: &str) -> Op {
        Op::Append {
            key: key.into(),
            value: value.into(),
        }
    }

    fn get(key: &str) -> Op {
        Op::Get { key: key.into() }
    }

    #[test]
    fn get_of_missing_key_is_no_key() {
        let mut store = Store::default();
        assert_eq!(store.apply(&command(1, 1, get("k"))), Err(KvError::NoKey));
    }

    #[test]
    fn put_then_append_then_get() {
        let mut store = Store::default();
        let put = Op::Put {
            key: "k".into(),
            value: "a".into(),
        };
        store.apply(&command(1, 1, put)).unwrap();
        store.apply(&command(1, 2, append("k", "b"))).unwrap();
        assert_eq!(store.apply(&command(1, 3, get("k"))), Ok("ab".into()));
    }

    #[test]
    fn a_retried_append_applies_once() {
        let mut store = Store::default();
        store.apply(&command(7, 1, append("k", "x"))).unwrap();
        store.apply(&command(7, 1, append("k", "x"))).unwrap();
        store.apply(&command(8, 1, append("k", "y"))).unwrap();
        assert_eq!(store.apply(&command(7, 2, get("k"))), Ok("xy".into()));
    }

    #[test]
    fn snapshot_round_trips_data_and_duplicate_table() {
        let mut store = Store::default();
        store.apply(&command(7, 1, append("k", "x"))).unwrap();
        let mut restored = Store::from_snapshot(&store.to_snapshot());
        assert_eq!(restored, store);
        restored.apply(&command(7, 1, append("k", "x"))).unwrap();
        assert_eq!(restored.apply(&command(7, 2, get("k"))), Ok("x".into()));
        assert_eq!(Store::from_snapshot(&[]), Store::default());
    }
}
