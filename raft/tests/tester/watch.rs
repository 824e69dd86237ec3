//! Checks made on every observation rather than at chosen moments: the tester's two watcher
//! threads, and the record of who led which term.
//!
//! - **Election safety (§5.2): at most one leader per term, ever.** Every `(term, is_leader)`
//!   the tester sees goes into [`Leadership`]: every `state()` answer and every accepted
//!   `start()` the test makes, and a poll of every running peer (connected or not) every
//!   [`LEADER_POLL`] by the `tester-leader-watch` thread. A second peer claiming a term that
//!   another peer led fails the test, even if the first has since crashed or stepped down.
//! - **Apply loops that cannot move.** The apply channel is unbuffered, as in the course, and
//!   the snapshot applier calls `Raft::snapshot` from its apply loop. A Raft that sends on the
//!   channel while holding its lock then deadlocks: its sender waits for the reader, the
//!   reader waits in `snapshot` for the lock. The `tester-apply-watch` thread (which never
//!   touches a Raft lock) fails the test when a reader has waited in `snapshot` for
//!   [`SNAPSHOT_CALL_LIMIT`], and then reads that peer's channel itself until the call
//!   returns, so that the threads blocked behind that lock (the test's own, in `start` or
//!   `state`) move again and the test fails at its next check with the reason, instead of at
//!   the 120 s limit.
//!
//! Both threads record errors; the test's thread fails on them at its next check (see
//! [`super::Config::check_invariants`]). They are labsim threads that sleep between polls,
//! so a simulated run stays deterministic.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use labsim::channel::{Receiver, RecvTimeoutError, Sender};
use labsim::sync::Mutex;
use labsim::thread::JoinHandle;
use labsim::time::Instant;
use labtest::Cluster;
use raft::Raft;

use super::applier::Applied;
use super::Peers;

/// How often the leader watch asks every running peer for its state: often enough to see a
/// leader that lasts a heartbeat or two, cheap enough not to matter (no RPCs, one lock per
/// peer).
pub const LEADER_POLL: Duration = Duration::from_millis(20);

/// How often the apply watch looks at the apply loops.
const APPLY_POLL: Duration = Duration::from_millis(50);

/// How long an apply loop may wait in `Raft::snapshot` before the test fails: the call takes
/// Raft's lock and saves a snapshot of under 2000 bytes, a matter of milliseconds even on a
/// loaded machine; waiting this long means the lock's holder waits for this very loop.
pub const SNAPSHOT_CALL_LIMIT: Duration = Duration::from_secs(2);

/// Who led which term, as far as the tester has seen, and the first violation.
#[derive(Default)]
pub struct Leadership {
    /// Term -> the peer seen leading it.
    leaders: BTreeMap<u64, usize>,
    /// The first time two peers claimed one term.
    error: Option<String>,
}

impl Leadership {
    /// Records that `peer` answered `(term, is_leader)`.
    pub fn observe(&mut self, peer: usize, term: u64, is_leader: bool) {
        if !is_leader {
            return;
        }
        let first = *self.leaders.entry(term).or_insert(peer);
        if first != peer && self.error.is_none() {
            let error = format!(
                "term {term} has two leaders: S{first} and S{peer} (election safety, §5.2: \
                 at most one leader per term)"
            );
            log::error!(target: "tester", "{error}");
            eprintln!("invariant violated: {error}");
            self.error = Some(error);
        }
    }

    /// The first violation seen.
    pub fn error(&self) -> Option<String> {
        self.error.clone()
    }
}

/// The two watcher threads; dropping it stops and joins them.
pub struct Watchers {
    leader_watch: Option<Watcher>,
    apply_watch: Option<Watcher>,
}

/// One watcher thread and what stops it.
struct Watcher {
    /// Dropped to stop the thread.
    stop: Sender<()>,
    thread: JoinHandle<()>,
}

impl Watcher {
    fn spawn(name: &str, body: impl FnOnce(Receiver<()>) + Send + 'static) -> Watcher {
        let (stop, stopped) = labsim::channel::bounded::<()>(0);
        let thread = labsim::thread::spawn(name, move || body(stopped));
        Watcher { stop, thread }
    }

    fn stop(self) {
        drop(self.stop);
        let _ = self.thread.join();
    }
}

impl Watchers {
    /// Starts the leader watch and the apply watch over the cluster's peers.
    pub fn start(
        cluster: Arc<Cluster<Raft>>,
        peers: Arc<Mutex<Peers>>,
        applied: Arc<Mutex<Applied>>,
        leadership: Arc<Mutex<Leadership>>,
    ) -> Watchers {
        let leader_watch = Watcher::spawn("tester-leader-watch", move |stopped| {
            watch_leaders(&cluster, &leadership, &stopped)
        });
        let apply_watch = Watcher::spawn("tester-apply-watch", move |stopped| {
            watch_appliers(&peers, &applied, &stopped)
        });
        Watchers {
            leader_watch: Some(leader_watch),
            apply_watch: Some(apply_watch),
        }
    }

    /// Stops the leader watch, leaving the apply watch running: while the peers are torn
    /// down, it keeps unblocking any apply loop stuck in `Raft::snapshot`, so that `kill`
    /// can take the lock.
    pub fn stop_leader_watch(&mut self) {
        if let Some(watcher) = self.leader_watch.take() {
            watcher.stop();
        }
    }
}

impl Drop for Watchers {
    fn drop(&mut self) {
        self.stop_leader_watch();
        if let Some(watcher) = self.apply_watch.take() {
            watcher.stop();
        }
    }
}

/// Sleeps `pause`; false once the watchers are told to stop.
fn keep_watching(stopped: &Receiver<()>, pause: Duration) -> bool {
    matches!(stopped.recv_timeout(pause), Err(RecvTimeoutError::Timeout))
}

/// The leader watch: every [`LEADER_POLL`], every running peer's `(term, is_leader)`.
fn watch_leaders(cluster: &Cluster<Raft>, leadership: &Mutex<Leadership>, stopped: &Receiver<()>) {
    while keep_watching(stopped, LEADER_POLL) {
        for (peer, raft) in cluster.running() {
            let (term, is_leader) = raft.state();
            leadership.lock().observe(peer, term, is_leader);
        }
    }
}

/// The apply watch: fails the test when an apply loop has waited in `Raft::snapshot` for
/// [`SNAPSHOT_CALL_LIMIT`], then reads that peer's apply channel until the call returns.
fn watch_appliers(peers: &Mutex<Peers>, applied: &Mutex<Applied>, stopped: &Receiver<()>) {
    while keep_watching(stopped, APPLY_POLL) {
        let stuck = applied.lock().stuck_snapshot_call(SNAPSHOT_CALL_LIMIT);
        let Some(peer) = stuck else { continue };
        let Some(apply_rx) = peers.lock().apply_receivers[peer].clone() else {
            continue;
        };
        let mut taken = 0;
        while applied.lock().in_snapshot_call(peer) && keep_watching(stopped, Duration::ZERO) {
            match apply_rx.recv_timeout(APPLY_POLL) {
                Ok(_) => taken += 1,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        log::warn!(
            target: "tester",
            "apply watch: took {taken} messages from S{peer}'s apply channel to unblock it"
        );
    }
}

/// A note on apply loops waiting in `Raft::snapshot` now, for failure messages that may be
/// its consequence (a command that does not commit, a missing leader).
pub fn snapshot_call_note(applied: &Mutex<Applied>) -> String {
    let now = Instant::now();
    applied
        .lock()
        .snapshot_calls()
        .map(|(peer, index, since)| {
            format!(
                "; S{peer}'s apply loop has been waiting {:.1} s in Raft::snapshot({index})",
                (now - since).as_secs_f64()
            )
        })
        .collect()
}
