//! Stable storage: the [`Persister`], given to every peer by the tester.
//!
//! The course's persister, in Rust: two byte blobs (Raft state and snapshot) behind a lock,
//! saved together in one step so they never drift apart. A [`Persister::copy`] is independent
//! of its original: saving into one never changes the other. That is what lets the tester
//! crash a peer, copy its persister, and keep the dying instance's late writes away from the
//! restarted one.

use std::sync::Arc;

use labsim::sync::Mutex;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
