//! The tester's apply-channel readers (section 4.2): what each peer applied, and the checks
//! on it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use labsim::channel::Receiver;
use labsim::sync::Mutex;
use labsim::thread::JoinHandle;
use labsim::time::Instant;
use raft::{ApplyMsg, Raft};

use super::{describe, SNAPSHOT_INTERVAL};

/// How many entries on each side of a bad index the error messages show, per server.
const CONTEXT_ENTRIES: u64 = 3;

/// What every peer applied, shared by the appliers and the test.
pub struct Applied {
    /// Per peer: index -> command applied there.
    logs: Vec<BTreeMap<u64, Vec<u8>>>,
    /// Per peer (snapshot applier): the last index applied.
    pub last_applied: Vec<u64>,
    /// Per peer: the first apply error seen.
    errors: Vec<Option<String>>,
    /// The first apply error seen on any peer: the one the test fails with.
    first_error: Option<String>,
    /// Per peer: the `Raft::snapshot` call its apply loop is in, by index, and since when.
    snapshot_calls: Vec<Option<(u64, Instant)>>,
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
            first_error: None,
            snapshot_calls: vec![None; n],
            max_index: 0,
        }
    }

    /// The first error any applier recorded.
    pub fn first_error(&self) -> Option<String> {
        self.first_error.clone()
    }

    /// `peer`'s applied entries around `index`, for error messages: `S2 [4: 104, 5: 105]`.
    fn entries_around(&self, peer: usize, index: u64) -> String {
        let from = index.saturating_sub(CONTEXT_ENTRIES);
        let entries: Vec<String> = self.logs[peer]
            .range(from..=index + CONTEXT_ENTRIES)
            .map(|(index, command)| format!("{index}: {}", describe(command)))
            .collect();
        format!("S{peer} applied [{}]", entries.join(", "))
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

    /// Records that `peer` applied `command` at `index`: no peer may have applied a different
    /// value there (the message shows both servers' entries around it). Returns the error, if
    /// any, and whether `peer` had applied `index - 1`.
    fn check_logs(&mut self, peer: usize, index: u64, command: Vec<u8>) -> (Option<String>, bool) {
        let differs =
            |log: &BTreeMap<u64, Vec<u8>>| log.get(&index).is_some_and(|old| *old != command);
        // Another server's differing entry if there is one, else this server's own earlier one.
        let mut differing = (0..self.logs.len()).filter(|other| differs(&self.logs[*other]));
        let first = differing.next();
        let conflict = first
            .filter(|other| *other != peer)
            .or(differing.next())
            .or(first)
            .map(|other| {
                let old = describe(&self.logs[other][&index]);
                (other, old, self.entries_around(other, index))
            });
        let previous_applied = self.logs[peer].contains_key(&(index - 1));
        let new = describe(&command);
        self.logs[peer].insert(index, command);
        self.max_index = self.max_index.max(index);
        let error = conflict.map(|(other, old, theirs)| {
            format!(
                "commit index={index} server={peer} {new} != server={other} {old} (state machine \
                 safety, §5.4.3): {}; {theirs}",
                self.entries_around(peer, index)
            )
        });
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
        self.first_error.get_or_insert_with(|| error.clone());
        self.errors[peer].get_or_insert(error);
    }

    /// Notes that `peer`'s apply loop calls `Raft::snapshot(index)` now.
    fn begin_snapshot_call(&mut self, peer: usize, index: u64) {
        self.snapshot_calls[peer] = Some((index, Instant::now()));
    }

    /// Notes that `peer`'s apply loop returned from `Raft::snapshot`.
    fn end_snapshot_call(&mut self, peer: usize) {
        self.snapshot_calls[peer] = None;
    }

    /// Whether `peer`'s apply loop is in `Raft::snapshot`.
    pub fn in_snapshot_call(&self, peer: usize) -> bool {
        self.snapshot_calls[peer].is_some()
    }

    /// The `Raft::snapshot` calls in progress: peer, index, since when.
    pub fn snapshot_calls(&self) -> impl Iterator<Item = (usize, u64, Instant)> + '_ {
        self.snapshot_calls
            .iter()
            .enumerate()
            .filter_map(|(peer, call)| call.map(|(index, since)| (peer, index, since)))
    }

    /// A peer whose apply loop has waited in `Raft::snapshot` for `limit` or more; records
    /// the error (once per peer).
    pub fn stuck_snapshot_call(&mut self, limit: Duration) -> Option<usize> {
        let now = Instant::now();
        let (peer, index, _) = self
            .snapshot_calls()
            .find(|(_, _, since)| now - *since >= limit)?;
        if self.errors[peer].is_none() {
            let error = format!(
                "S{peer}'s apply loop (thread tester-applier-{peer}) has waited {} s in \
                 Raft::snapshot({index}), which it calls from the loop as a service does: \
                 S{peer}'s lock is held by a thread that waits for this loop, most likely one \
                 sending on the apply channel (unbuffered, as in the course) while holding \
                 the lock; release it before sending",
                limit.as_secs()
            );
            self.record_error(peer, error);
        }
        Some(peer)
    }
}

/// Starts the reader of `peer`'s apply channel: the plain applier, or the snapshot applier
/// that also snapshots every [`SNAPSHOT_INTERVAL`] entries. It ends when Raft drops its
/// sender, or when `stop` closes: the tester closes it once `kill` has returned, since no
/// thread of a killed peer sends any more, and a Raft may well keep its sender until the last
/// handle on it goes (this applier holds one).
pub fn spawn(
    peer: usize,
    apply_rx: Receiver<ApplyMsg>,
    stop: Receiver<()>,
    raft: Raft,
    applied: Arc<Mutex<Applied>>,
    snapshots: bool,
) -> JoinHandle<()> {
    labsim::thread::spawn(format!("tester-applier-{peer}"), move || {
        // Raft's sends on the apply channel wait for this thread (the tester's other handle
        // only looks at the channel): in simulation, an applier that sends under Raft's lock
        // while this loop calls `Raft::snapshot` is a cycle, reported at once.
        apply_rx.bind_to_current_thread();
        apply_loop(peer, &apply_rx, &stop, &raft, &applied, snapshots);
    })
}

/// Applies every message until Raft drops its sender or `stop` closes.
fn apply_loop(
    peer: usize,
    apply_rx: &Receiver<ApplyMsg>,
    stop: &Receiver<()>,
    raft: &Raft,
    applied: &Mutex<Applied>,
    snapshots: bool,
) {
    loop {
        labsim::select! {
            recv(apply_rx) -> message => match message {
                Ok(message) if snapshots => apply_with_snapshots(peer, message, raft, applied),
                Ok(message) => apply_plain(peer, message, applied),
                Err(_) => return,
            },
            recv(stop) -> _ => return,
        }
    }
}

/// The plain applier: each command must agree with the other peers and follow the previous
/// index; snapshots are ignored.
fn apply_plain(peer: usize, message: ApplyMsg, applied: &Mutex<Applied>) {
    let ApplyMsg::Command { index, command, .. } = message else {
        return;
    };
    let mut applied = applied.lock();
    let (mut error, previous_applied) = applied.check_logs(peer, index, command);
    if error.is_none() && index > 1 && !previous_applied {
        error = Some(format!(
            "server {peer} apply out of order {index}: {}",
            applied.entries_around(peer, index)
        ));
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
            let error = if index != expected {
                Some(format!(
                    "server {peer} apply out of order, expected index {expected}, got {index}: {}",
                    guard.entries_around(peer, index)
                ))
            } else {
                let (mismatch, previous_applied) = guard.check_logs(peer, index, command);
                mismatch.or_else(|| {
                    (index > 1 && !previous_applied).then(|| {
                        format!(
                            "server {peer} apply out of order {index}: {}",
                            guard.entries_around(peer, index)
                        )
                    })
                })
            };
            guard.last_applied[peer] = index;
            let snapshot = ((index + 1) % SNAPSHOT_INTERVAL == 0)
                .then(|| (index, guard.snapshot_through(peer, index)));
            (error, snapshot)
        }
    };
    if let Some(error) = error {
        guard.record_error(peer, error);
    }
    if let Some((index, _)) = &snapshot {
        guard.begin_snapshot_call(peer, *index);
    }
    drop(guard);
    if let Some((index, bytes)) = snapshot {
        raft.snapshot(index, bytes);
        applied.lock().end_snapshot_call(peer);
    }
}
