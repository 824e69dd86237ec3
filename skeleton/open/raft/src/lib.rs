//! raft: the Raft consensus algorithm (lab 3), which you build from the extended Raft paper
//! (Ongaro and Ousterhout, "In Search of an Understandable Consensus Algorithm"). Its Figure 2
//! is the specification; §7 and Figure 13 add snapshots.
//!
//! This crate gives you the API the tester calls and nothing else: the state, the threads,
//! the RPC types and how the state is saved are yours to design. The stubs below say what
//! each call must do; the tests in `tests/` are the judge.
//!
//! # What the tester calls
//!
//! - [`Raft::new`]`(peers, me, persister, apply_tx)` builds peer `me` of a cluster and
//!   returns at once, leaving the peer running on its own threads. `peers[i]` is a client
//!   end to peer `i` (`peers[me]` is this peer's own, unused). The peer restores what it
//!   saved in `persister` before a crash.
//! - [`Raft::service`] is the peer's RPC service; the tester hosts it on the peer's
//!   `labrpc::Server`, so other peers' calls reach it.
//! - [`Raft::state`] asks `(current term, whether this peer believes it leads)`.
//! - [`Raft::start`]`(command)` proposes a command (3B).
//! - [`Raft::snapshot`]`(index, bytes)` hands Raft the service's snapshot (3D).
//! - [`Raft::kill`] stops the peer. The tester crashes a peer by deleting it from the
//!   network, killing it, and later building a new `Raft` on a copy of its persister.
//!
//! `Raft` must be `Clone` (the tester keeps handles in several places), `Send` and `Sync`.
//!
//! # The apply channel
//!
//! Every committed command is sent on `apply_tx` as [`ApplyMsg::Command`], by every peer,
//! exactly once and in index order, starting at index 1 (or just after the snapshot a
//! restarted peer restored). A snapshot installed from the leader is sent as
//! [`ApplyMsg::Snapshot`], and the commands after it follow from its index + 1. Send with
//! no lock held: the tester's reader calls [`Raft::snapshot`] from the loop that reads the
//! channel, and would deadlock against a sender that holds the lock it needs.
//!
//! # Timing
//!
//! - No more than ten heartbeats a second to each peer (the 3B RPC-count test allows 60
//!   RPCs for one idle second of a three-peer cluster).
//! - A new leader within five seconds of a failure, when a majority can talk: election
//!   timeouts must be larger than the paper's 150-300 ms (heartbeats are slower), and random.
//! - `start` returns at once; replication begins at once, not at the next heartbeat.
//! - Every test has 120 seconds.
//!
//! # Persistence
//!
//! Term, vote and log must survive a crash (3C), and from 3D the last snapshot too: save
//! them in the given [`Persister`] (`save(raft_state, snapshot)` stores both in one atomic
//! step) before any reply or request that depends on them leaves the peer, and read them
//! back in `new`. Encode them as you like; `labcodec::encode` and `labcodec::decode` do
//! any serde type. In 3D the tests keep every peer's saved Raft state (snapshot excluded)
//! under 2,000 bytes: the log must be trimmed once the service has snapshotted it.
//!
//! # Concurrency
//!
//! Threads, locks, condvars, channels, sleeps, the clock and random numbers come from
//! `labsim` only (`labsim::thread::spawn`, `labsim::sync::Mutex`, `labsim::time::Instant`,
//! `labsim::rand`; `make lint` refuses the `std` ones). With `LAB_SIM=1` the tests then run
//! your peers in virtual time, as one deterministic simulation a seed replays; without it,
//! on real threads and the real clock. An RPC to a peer that is cut off can take seconds to
//! fail, so never make one while holding a lock, and never let one block the thread that
//! runs elections or heartbeats.
//!
//! # What you design
//!
//! - The RPCs: argument and reply types (serde, so labcodec can encode them) and a
//!   `labrpc::service!` block, which gives you a handler trait to implement, a typed client
//!   to wrap each `labrpc::ClientEnd` in, and `into_service` for [`Raft::service`].
//! - The state of a peer (Figure 2's persistent and volatile state), behind your own lock.
//! - The threads: an election timer, heartbeats and replication, an applier; [`Raft::kill`]
//!   stops them all and joins them before it returns, so a crashed peer leaves no thread
//!   behind (`crashes_leave_no_threads_3c` checks).
//! - The encoding of what you save.
//!
//! Given: [`Persister`] (in `persister.rs`), [`ApplyMsg`], [`Error`] and [`Result`] (in
//! `api.rs`), and the crates labrpc, labcodec and labsim.

#![warn(missing_docs)]

mod api;
mod persister;

use std::sync::Arc;

use labsim::channel::Sender;

pub use api::{ApplyMsg, Error, Result};
pub use persister::Persister;

/// One Raft peer. Clones are handles to the same peer.
#[derive(Clone)]
pub struct Raft {
    // Your design: most likely an `Arc` of what the handle and the peer's threads share.
}

impl Raft {
    /// Starts peer `me` of the cluster whose client ends are `peers` (indexed like the
    /// peers), and returns at once, with the peer's threads running.
    ///
    /// The peer first restores its term, vote and log (3C) and its snapshot (3D) from
    /// `persister`; the service restored itself from `persister.snapshot()` before calling
    /// this, so nothing the snapshot covers is to be applied again. It starts as a follower.
    /// Committed commands and installed snapshots go to `apply_tx`, in index order.
    pub fn new(
        peers: Vec<labrpc::ClientEnd>,
        me: usize,
        persister: Arc<Persister>,
        apply_tx: Sender<ApplyMsg>,
    ) -> Raft {
        let _ = (&peers, me, &persister, &apply_tx);
        todo!("3A: Raft::new")
    }

    /// The peer's RPC service, for the tester to add to the peer's `labrpc::Server`. Calls
    /// from other peers arrive through it, each on its own thread.
    pub fn service(&self) -> Box<dyn labrpc::Service> {
        todo!("3A: Raft::service")
    }

    /// The current term and whether this peer believes it is the leader. A killed peer is
    /// not the leader.
    pub fn state(&self) -> (u64, bool) {
        todo!("3A: Raft::state")
    }

    /// Stops the peer: it takes no more actions, and every thread it started has finished
    /// when this returns (an applier blocked on a full apply channel included). Calls to
    /// the peer's service after this must not change anything. Idempotent.
    pub fn kill(&self) {
        todo!("3A: Raft::kill")
    }

    /// Proposes `command` for the log. On the leader: append it, start replicating it at
    /// once, and return `Ok((index, term))` of the new entry without waiting (it may still
    /// never commit if leadership is lost). On any other peer, or a killed one:
    /// `Err(Error::NotLeader { hint })` with the leader it knows of, if any.
    pub fn start(&self, command: Vec<u8>) -> Result<(u64, u64)> {
        let _ = &command;
        todo!("3B: Raft::start")
    }

    /// The service has a snapshot of everything through `index` (an index this peer has
    /// applied): drop the log entries it covers and save the snapshot with the Raft state in
    /// one `persister.save`. Ignore a snapshot older than the one already taken. Called on
    /// every peer, leader or not, from the thread that reads the apply channel: it must not
    /// wait for that channel to be read.
    pub fn snapshot(&self, index: u64, snapshot: Vec<u8>) {
        let _ = (index, &snapshot);
        todo!("3D: Raft::snapshot")
    }
}
