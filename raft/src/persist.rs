//! Stable storage: the [`Persister`], and how a peer's hard state is encoded into it.
//!
//! The course's persister, in Rust: two byte blobs (Raft state and snapshot) behind a lock,
//! saved together in one step so they never drift apart. A [`Persister::copy`] is independent
//! of its original: saving into one never changes the other. That is what lets the tester
//! crash a peer, copy its persister, and keep the dying instance's late writes away from the
//! restarted one.

use std::sync::Arc;

use labsim::sync::Mutex;
use serde::{Deserialize, Serialize};

use crate::log::Log;

/// The two blobs of stable storage. Thread-safe; share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct Persister {
    blobs: Mutex<Blobs>,
}

/// The stored bytes. `Arc` so that [`Persister::copy`] shares them without copying: saves
/// replace the `Arc`, never the bytes behind it.
#[derive(Debug, Default, Clone)]
struct Blobs {
    raft_state: Arc<Vec<u8>>,
    snapshot: Arc<Vec<u8>>,
}

impl Persister {
    /// An empty persister: no Raft state, no snapshot.
    pub fn new() -> Persister {
        Persister::default()
    }

    /// An independent persister holding the same bytes now.
    pub fn copy(&self) -> Persister {
        Persister {
            blobs: Mutex::new(self.blobs.lock().clone()),
        }
    }

    /// Saves the Raft state and the snapshot in one atomic step. `None` stores no snapshot
    /// (an empty one), as the course's `Save(state, nil)` does.
    pub fn save(&self, raft_state: Vec<u8>, snapshot: Option<Vec<u8>>) {
        let mut blobs = self.blobs.lock();
        blobs.raft_state = Arc::new(raft_state);
        blobs.snapshot = Arc::new(snapshot.unwrap_or_default());
    }

    /// Saves the Raft state and keeps the snapshot already stored, in one atomic step.
    ///
    /// Raft saves its hard state far more often than it takes snapshots; this spares it a
    /// copy of the snapshot on every save.
    pub fn save_raft_state(&self, raft_state: Vec<u8>) {
        self.blobs.lock().raft_state = Arc::new(raft_state);
    }

    /// A copy of the stored Raft state (empty if none).
    pub fn raft_state(&self) -> Vec<u8> {
        self.blobs.lock().raft_state.to_vec()
    }

    /// Size in bytes of the stored Raft state.
    pub fn raft_state_size(&self) -> usize {
        self.blobs.lock().raft_state.len()
    }

    /// A copy of the stored snapshot (empty if none).
    pub fn snapshot(&self) -> Vec<u8> {
        self.blobs.lock().snapshot.to_vec()
    }

    /// Size in bytes of the stored snapshot.
    pub fn snapshot_size(&self) -> usize {
        self.blobs.lock().snapshot.len()
    }
}

/// What Raft must remember across a crash (Figure 2, "persistent state on all servers"),
/// plus where the log's snapshot ends (§7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HardState {
    /// Latest term this peer has seen.
    pub current_term: u64,
    /// Candidate that received this peer's vote in `current_term`, if any.
    pub voted_for: Option<u64>,
    /// The log after the snapshot, with the snapshot's last index and term.
    pub log: Log,
}

/// The borrowed form of [`HardState`], so saving does not clone the log first.
#[derive(Serialize)]
struct HardStateRef<'a> {
    current_term: u64,
    voted_for: Option<u64>,
    log: &'a Log,
}

/// Encodes the hard state with labcodec.
pub fn encode_hard_state(current_term: u64, voted_for: Option<usize>, log: &Log) -> Vec<u8> {
    labcodec::encode(&HardStateRef {
        current_term,
        voted_for: voted_for.map(|peer| peer as u64),
        log,
    })
}

/// Decodes the hard state a peer saved; empty bytes are the state of a brand-new peer.
///
/// # Panics
///
/// If the bytes are not a hard state: stable storage that Raft wrote cannot be corrupt in
/// the labs, and going on with a guess could break safety.
pub fn decode_hard_state(bytes: &[u8]) -> HardState {
    if bytes.is_empty() {
        return HardState::default();
    }
    labcodec::decode(bytes)
        .unwrap_or_else(|error| panic!("persisted Raft state is corrupt: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Entry;

    #[test]
    fn save_is_atomic_and_copies_are_independent() {
        let persister = Persister::new();
        persister.save(b"state-1".to_vec(), Some(b"snap-1".to_vec()));
        let copy = persister.copy();
        persister.save(b"state-2".to_vec(), None);
        assert_eq!(persister.raft_state(), b"state-2");
        assert_eq!(persister.snapshot_size(), 0, "None stores no snapshot");
        assert_eq!(copy.raft_state(), b"state-1");
        assert_eq!(copy.snapshot(), b"snap-1");
        copy.save_raft_state(b"state-3".to_vec());
        assert_eq!(
            copy.snapshot(),
            b"snap-1",
            "save_raft_state keeps the snapshot"
        );
        assert_eq!(copy.raft_state_size(), 7);
    }

    #[test]
    fn hard_state_round_trips() {
        let mut log = Log::new();
        log.push(Entry {
            term: 1,
            command: b"x".to_vec(),
        });
        log.push(Entry {
            term: 2,
            command: b"y".to_vec(),
        });
        log.compact_through(1);
        let bytes = encode_hard_state(3, Some(2), &log);
        let state = decode_hard_state(&bytes);
        assert_eq!(state.current_term, 3);
        assert_eq!(state.voted_for, Some(2));
        assert_eq!(state.log, log);
        assert_eq!(decode_hard_state(&[]), HardState::default());
    }
}
