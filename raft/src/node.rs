//! The [`Raft`] handle and the threads of one peer.
//!
//! Every thread is a thin loop around a [`RaftState`] method, holding the one lock only
//! while it runs that method:
//!
//! - the **ticker** starts an election when the election timeout runs out
//!   ([`RaftState::start_election`]) and hands the RequestVote calls to the call pool; when
//!   the election begins with a pre-vote round, the call thread that completes the pre-vote
//!   majority sends the real vote requests;
//! - one **replicator** per other peer asks [`RaftState::next_step`] what to send, hands it
//!   to the call pool, and sleeps until the next heartbeat or until woken (by `start`, a new
//!   leadership, or a reply that leaves more to send);
//! - the **applier** takes committed entries (or an installed snapshot), releases the lock,
//!   and sends them on the apply channel;
//! - **call threads** (the pool) each make one blocking RPC and hand the reply to the state.

use std::sync::Arc;
use std::time::Duration;

use labrpc::ThreadPool;
use labsim::channel::{Receiver, Sender};
use labsim::sync::{Condvar, Mutex, MutexGuard};
use labsim::thread::JoinHandle;
use labsim::time::Instant;

use crate::apply::MAX_APPLY_BATCH;
use crate::persister::Persister;
use crate::replication::{NextStep, Outgoing};
use crate::rpc::{
    AppendEntriesArgs, AppendEntriesReply, InstallSnapshotArgs, InstallSnapshotReply, RaftClient,
    RaftHandler, RequestVoteArgs, RequestVoteReply,
};
use crate::state::{RaftState, Role, ELECTION_TIMEOUT_MIN};
use crate::{ApplyMsg, Error};

/// How long an idle call thread waits for another call before it exits: a few heartbeat
/// intervals, so steady traffic reuses threads while an idle peer keeps none.
const CALL_THREAD_LINGER: Duration = Duration::from_millis(500);

/// One Raft peer. Clones are handles to the same peer.
#[derive(Clone)]
pub struct Raft {
    node: Arc<Node>,
}

/// What the handle and the peer's threads share.
struct Node {
    state: Mutex<RaftState>,
    /// Wakes the replicators: new entries, new leadership, a reply that leaves more to send.
    wake_replicators: Condvar,
    /// Wakes the ticker (only `kill` needs to).
    wake_ticker: Condvar,
    /// Wakes the applier: something committed, or a snapshot installed.
    wake_applier: Condvar,
    /// Typed clients to every peer, by index (this peer's own is never used).
    peers: Vec<RaftClient>,
    /// Runs outgoing calls, so the ticker and replicators never block on one: a call to an
    /// unreachable peer can take 7 s.
    calls: ThreadPool,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Dropped by `kill`, so an applier blocked on a full apply channel gives up.
    stop_applier: Mutex<Option<Sender<()>>>,
}

impl Raft {
    /// Starts peer `me` of the cluster whose client ends are `peers` (indexed like the peers;
    /// `peers[me]` is unused), restoring it from `persister`, and returns at once. Committed
    /// commands and installed snapshots go to `apply_tx` in index order.
    pub fn new(
        peers: Vec<labrpc::ClientEnd>,
        me: usize,
        persister: Arc<Persister>,
        apply_tx: Sender<ApplyMsg>,
    ) -> Raft {
        assert!(
            me < peers.len(),
            "peer {me} is not among the {} peers",
            peers.len()
        );
        let state = RaftState::restore(me, peers.len(), persister, Instant::now());
        let (stop_applier, applier_stopped) = labsim::channel::bounded(0);
        let node = Arc::new(Node {
            state: Mutex::new(state),
            wake_replicators: Condvar::new(),
            wake_ticker: Condvar::new(),
            wake_applier: Condvar::new(),
            peers: peers.into_iter().map(RaftClient::new).collect(),
            calls: ThreadPool::new(&format!("raft-S{me}-call"), CALL_THREAD_LINGER),
            threads: Mutex::new(Vec::new()),
            stop_applier: Mutex::new(Some(stop_applier)),
        });
        node.spawn("ticker", |node| node.run_ticker());
        let others: Vec<usize> = node.state.lock().others().collect();
        for peer in others {
            node.spawn("replicator", move |node| node.run_replicator(peer));
        }
        node.spawn("applier", move |node| {
            node.run_applier(apply_tx, applier_stopped)
        });
        Raft { node }
    }

    /// Proposes `command` for the log. A leader appends it, starts replicating it at once, and
    /// returns its index and term (it may still never commit, if leadership is lost). Anyone
    /// else returns [`Error::NotLeader`] with the leader it knows of, if any.
    pub fn start(&self, command: Vec<u8>) -> Result<(u64, u64), Error> {
        let mut state = self.node.state.lock();
        let started = state.start(command);
        self.node.wake(&state);
        started
    }

    /// The current term and whether this peer believes it is the leader.
    pub fn state(&self) -> (u64, bool) {
        let state = self.node.state.lock();
        (state.current_term, state.is_leader())
    }

    /// The service has a snapshot of everything through `index`: Raft drops those entries
    /// and saves the snapshot with its state. Call it on any peer, from any thread,
    /// including the one reading the apply channel.
    pub fn snapshot(&self, index: u64, snapshot: Vec<u8>) {
        self.node.state.lock().take_snapshot(index, snapshot);
    }

    /// The Raft RPC service, to add to this peer's `labrpc::Server` (beside the service's own).
    pub fn service(&self) -> Box<dyn labrpc::Service> {
        Arc::clone(&self.node).into_service()
    }

    /// Stops the peer and joins every one of its threads before returning. Idempotent.
    ///
    /// Threads blocked in an RPC end when the call does: at once if the peer's client ends
    /// were deleted first (as the tester's crash does), else within the network's failure
    /// delay.
    pub fn kill(&self) {
        self.node.state.lock().killed = true;
        self.node.wake_replicators.notify_all();
        self.node.wake_ticker.notify_all();
        self.node.wake_applier.notify_all();
        drop(self.node.stop_applier.lock().take());
        let threads = std::mem::take(&mut *self.node.threads.lock());
        for thread in threads {
            if thread.join().is_err() {
                log::error!(target: "raft", "a Raft thread panicked");
            }
        }
        // Joins every call thread; their calls end at once when the tester deleted our ends.
        self.node.calls.shutdown(None);
    }
}

impl Node {
    fn spawn(self: &Arc<Self>, role: &str, body: impl FnOnce(Arc<Node>) + Send + 'static) {
        let node = Arc::clone(self);
        let name = format!("raft-S{}-{role}", self.state.lock().me);
        let thread = labsim::thread::spawn(name, move || body(node));
        self.threads.lock().push(thread);
    }

    /// Wakes whoever the state change concerns.
    fn wake(&self, state: &RaftState) {
        if state.is_leader() {
            self.wake_replicators.notify_all();
        }
        if state.has_ready() {
            self.wake_applier.notify_one();
        }
    }

    /// The election ticker: 1. wait for the election timeout; 2. start an election and save
    /// the state; 3. send the vote (or pre-vote) requests to every other peer.
    fn run_ticker(self: Arc<Self>) {
        let mut state = self.state.lock();
        while !state.killed {
            let now = Instant::now();
            if state.election_due(now) {
                let args = state.start_election(now);
                state.persist_if_dirty();
                self.wake(&state);
                let others: Vec<usize> = state.others().collect();
                MutexGuard::unlocked(&mut state, || self.request_votes(others, args));
                continue;
            }
            let wake_at = match state.role {
                Role::Leader => now + ELECTION_TIMEOUT_MIN,
                _ => state.election_deadline,
            };
            self.wake_ticker.wait_until(&mut state, wake_at);
        }
    }

    fn request_votes(self: &Arc<Self>, others: Vec<usize>, args: RequestVoteArgs) {
        for peer in others {
            let node = Arc::clone(self);
            let args = args.clone();
            self.calls.execute(move || {
                let reply = node.peers[peer].request_vote(&args).ok();
                let mut state = node.state.lock();
                let election = state.handle_request_vote_reply(peer, &args, reply, Instant::now());
                state.persist_if_dirty();
                node.wake(&state);
                let others: Vec<usize> = state.others().collect();
                drop(state);
                if let Some(election) = election {
                    // A pre-vote round succeeded: now the real election.
                    node.request_votes(others, election);
                }
            });
        }
    }

    /// One follower's replicator: 1. ask the state what `peer` needs; 2. hand it to a call
    /// thread; 3. sleep until the next heartbeat is due or something changes.
    fn run_replicator(self: Arc<Self>, peer: usize) {
        let mut state = self.state.lock();
        while !state.killed {
            match state.next_step(peer, Instant::now()) {
                NextStep::Send(outgoing) => {
                    MutexGuard::unlocked(&mut state, || self.send(peer, outgoing))
                }
                NextStep::WaitUntil(deadline) => {
                    self.wake_replicators.wait_until(&mut state, deadline);
                }
                NextStep::Idle => self.wake_replicators.wait(&mut state),
            }
        }
    }

    fn send(self: &Arc<Self>, peer: usize, outgoing: Outgoing) {
        let node = Arc::clone(self);
        self.calls.execute(move || match outgoing {
            Outgoing::Append { sequence, args } => {
                let reply = node.peers[peer].append_entries(&args).ok();
                let mut state = node.state.lock();
                state.handle_append_entries_reply(peer, sequence, &args, reply, Instant::now());
                state.persist_if_dirty();
                node.wake(&state);
            }
            Outgoing::Snapshot { sequence, args } => {
                let reply = node.peers[peer].install_snapshot(&args).ok();
                let mut state = node.state.lock();
                state.handle_install_snapshot_reply(peer, sequence, &args, reply, Instant::now());
                state.persist_if_dirty();
                node.wake(&state);
            }
        });
    }

    /// The applier: 1. wait until something is committed; 2. take it and release the lock;
    /// 3. send it on the apply channel, in order.
    fn run_applier(self: Arc<Self>, apply_tx: Sender<ApplyMsg>, stopped: Receiver<()>) {
        loop {
            let messages = {
                let mut state = self.state.lock();
                while !state.killed && !state.has_ready() {
                    self.wake_applier.wait(&mut state);
                }
                if state.killed {
                    return;
                }
                state.take_ready(MAX_APPLY_BATCH)
            };
            for message in messages {
                labsim::select! {
                    send(apply_tx, message) -> sent => if sent.is_err() { return },
                    recv(stopped) -> _ => return,
                }
            }
        }
    }
}

impl RaftHandler for Node {
    fn request_vote(&self, args: RequestVoteArgs) -> RequestVoteReply {
        let mut state = self.state.lock();
        if state.killed {
            return RequestVoteReply {
                term: state.current_term,
                vote_granted: false,
            };
        }
        let reply = state.handle_request_vote(&args, Instant::now());
        self.wake(&state);
        reply
    }

    fn append_entries(&self, args: AppendEntriesArgs) -> AppendEntriesReply {
        let mut state = self.state.lock();
        if state.killed {
            // A killed peer acknowledges nothing; the leader treats this like a lost reply.
            return AppendEntriesReply {
                term: state.current_term,
                success: false,
                conflict_term: None,
                conflict_index: 0,
            };
        }
        let reply = state.handle_append_entries(&args, Instant::now());
        self.wake(&state);
        reply
    }

    fn install_snapshot(&self, args: InstallSnapshotArgs) -> InstallSnapshotReply {
        let mut state = self.state.lock();
        if state.killed {
            return InstallSnapshotReply {
                term: state.current_term,
                installed: false,
            };
        }
        let reply = state.handle_install_snapshot(args, Instant::now());
        self.wake(&state);
        reply
    }
}
