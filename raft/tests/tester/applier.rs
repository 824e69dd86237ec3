//! The tester's apply-channel readers (section 4.2): what each peer applied, and the checks
//! on it.

use std::collections::BTreeMap;
use std::sync::Arc;

use labsim::channel::Receiver;
use labsim::sync::Mutex;
use labsim::thread::JoinHandle;
use raft::{ApplyMsg, Raft};

use super::SNAPSHOT_INTERVAL;

/// What every peer applied, shared by the appliers and the test.
pub struct Applied {
    /// Per peer: index -> command applied there.
    logs: Vec<BTreeMap<u64, Vec<u8>>>,
    /// Per peer (snapshot applier): the last index applied.
    pub last_applied: Vec<u64>,
    /// Per peer: the first apply error seen.
    errors: Vec<Option<String>>,
    /// The highest index any peer applied.
    pub max_index: u64,
}

/// What the snapshot applier's snapshots hold: the last index, and the values of indices
/// 0 through it (index 0 and any index the peer never saw are `None`).
type SnapshotContents = (u64, Vec<Option<Vec<u8>>>);

impl Applied {
    /// Nothing applied yet on `n` peers.
    pub fn new(n: usize) -> Applied {
        Applied {
            logs: vec![BTreeMap::new(); n],
            last_applied: vec![0; n],
            errors: vec![None; n],
            max_index: 0,
        }
    }

    /// The first error any applier recorded.
    pub fn first_error(&self) -> Option<String> {
        self.errors.iter().flatten().next().cloned()
    }

    /// How many peers applied `index`, and its value; fails if they disagree.
    pub fn committed_at(&self, index: u64) -> (usize, Option<Vec<u8>>) {
        let mut count = 0;
        let mut value: Option<&Vec<u8>> = None;
        for log in &self.logs {
            let Some(applied) = log.get(&index) else {
                continue;
            };
            if let Some(seen) = value {
                assert_eq!(
                    seen, applied,
                    "committed values do not match: index {index}"
                );
            }
            count += 1;
            value = Some(applied);
        }
        (count, value.cloned())
    }

    /// Records that `peer` applied `command` at `index`: no other peer may have applied a
    /// different value there. Returns the error, if any, and whether `peer` had applied
    /// `index - 1`.
    fn check_logs(&mut self, peer: usize, index: u64, command: Vec<u8>) -> (Option<String>, bool) {
        let mut error = None;
        for (other, log) in self.logs.iter().enumerate() {
            if let Some(old) = log.get(&index) {
                if *old != command {
                    error = Some(format!(
                        "commit index={index} server={peer} {command:?} != server={other} {old:?}"
                    ));
                }
            }
        }
        let previous_applied = self.logs[peer].contains_key(&(index - 1));
        self.logs[peer].insert(index, command);
        self.max_index = self.max_index.max(index);
        (error, previous_applied)
    }

    /// Replaces `peer`'s applied log by a snapshot's, as a service restoring from it would.
    pub fn ingest_snapshot(
        &mut self,
        peer: usize,
        snapshot: &[u8],
        expected_index: Option<u64>,
    ) -> Result<(), String> {
        if snapshot.is_empty() {
            return Err("nil snapshot".into());
        }
        let (last_included, values): SnapshotContents = labcodec::decode(snapshot)
            .map_err(|error| format!("snapshot decode error: {error}"))?;
        if expected_index.is_some_and(|index| index != last_included) {
            return Err(format!(
                "server {peer} snapshot doesn't match m.SnapshotIndex"
            ));
        }
        self.logs[peer] = values
            .into_iter()
            .enumerate()
            .filter_map(|(index, value)| Some((index as u64, value?)))
            .collect();
        self.last_applied[peer] = last_included;
        Ok(())
    }

    /// The snapshot the snapshot applier gives Raft at `index`.
    fn snapshot_through(&self, peer: usize, index: u64) -> Vec<u8> {
        let values: Vec<Option<Vec<u8>>> = (0..=index)
            .map(|i| self.logs[peer].get(&i).cloned())
            .collect();
        labcodec::encode(&(index, values))
    }

    fn record_error(&mut self, peer: usize, error: String) {
        log::error!(target: "tester", "apply error: {error}");
        eprintln!("apply error: {error}");
        self.errors[peer].get_or_insert(error);
    }
}

/// Starts the reader of `peer`'s apply channel: the plain applier, or the snapshot applier
/// that also snapshots every [`SNAPSHOT_INTERVAL`] entries. It ends when Raft drops its
/// sender (when the peer is killed).
pub fn spawn(
    peer: usize,
    apply_rx: Receiver<ApplyMsg>,
    raft: Raft,
    applied: Arc<Mutex<Applied>>,
    snapshots: bool,
) -> JoinHandle<()> {
    labsim::thread::spawn(format!("tester-applier-{peer}"), move || {
        for message in apply_rx.iter() {
            if snapshots {
                apply_with_snapshots(peer, message, &raft, &applied);
            } else {
                apply_plain(peer, message, &applied);
            }
        }
    })
}

/// The plain applier: each command must agree with the other peers and follow the previous
/// index; snapshots are ignored.
fn apply_plain(peer: usize, message: ApplyMsg, applied: &Mutex<Applied>) {
    let ApplyMsg::Command { index, command, .. } = message else {
        return;
    };
    let mut applied = applied.lock();
    let (mut error, previous_applied) = applied.check_logs(peer, index, command);
    if index > 1 && !previous_applied {
        error = Some(format!("server {peer} apply out of order {index}"));
    }
    if let Some(error) = error {
        applied.record_error(peer, error);
    }
}

/// The snapshot applier: a snapshot replaces the peer's applied log; a command must be
/// exactly the next index; every [`SNAPSHOT_INTERVAL`] entries it calls `raft.snapshot`
/// synchronously, from this thread, as a service would.
fn apply_with_snapshots(peer: usize, message: ApplyMsg, raft: &Raft, applied: &Mutex<Applied>) {
    let mut guard = applied.lock();
    let (error, snapshot) = match message {
        ApplyMsg::Snapshot {
            index, snapshot, ..
        } => (
            guard.ingest_snapshot(peer, &snapshot, Some(index)).err(),
            None,
        ),
        ApplyMsg::Command { index, command, .. } => {
            let expected = guard.last_applied[peer] + 1;
            let mut error = None;
            if index != expected {
                error = Some(format!(
                    "server {peer} apply out of order, expected index {expected}, got {index}"
                ));
            } else {
                let (mismatch, previous_applied) = guard.check_logs(peer, index, command);
                error = mismatch.or(error);
                if index > 1 && !previous_applied {
                    error = Some(format!("server {peer} apply out of order {index}"));
                }
            }
            guard.last_applied[peer] = index;
            let snapshot = ((index + 1) % SNAPSHOT_INTERVAL == 0)
                .then(|| (index, guard.snapshot_through(peer, index)));
            (error, snapshot)
        }
    };
    if let Some(error) = error {
        guard.record_error(peer, error);
    }
    drop(guard);
    if let Some((index, bytes)) = snapshot {
        raft.snapshot(index, bytes);
    }
}
