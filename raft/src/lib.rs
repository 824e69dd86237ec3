//! raft: the Raft consensus algorithm (lab 3), as in the extended Raft paper (Ongaro and
//! Ousterhout, "In Search of an Understandable Consensus Algorithm"), over labrpc.
//!
//! # Contract
//!
//! - [`Raft::new`]`(peers, me, persister, apply_tx)` starts peer `me` and returns at once.
//!   `peers[i]` is a client end to peer `i`. The peer restores its term, vote, log and
//!   snapshot from `persister`; the service must restore itself from
//!   [`Persister::snapshot`] before that, since Raft delivers nothing the snapshot covers.
//! - [`Raft::start`]`(command)` on the leader appends the command and starts replicating it at
//!   once, returning its `(index, term)`; it may still never commit if leadership is lost.
//!   Elsewhere it returns [`Error::NotLeader`] with the leader this peer knows of.
//!   Log indices start at 1.
//! - Every committed command is sent on `apply_tx` exactly once, in index order, as
//!   [`ApplyMsg::Command`]; a snapshot received from the leader arrives as
//!   [`ApplyMsg::Snapshot`], and commands after it follow from its index + 1. No lock is held
//!   while sending, so the service may call back into Raft from its apply loop.
//! - [`Raft::state`] is `(term, is_leader)`. [`Raft::snapshot`]`(index, bytes)` may be called
//!   on every peer: the log forgets entries through `index` and the snapshot is saved with
//!   the Raft state in one atomic [`Persister::save`].
//! - [`Raft::service`] is the RPC service to host on the peer's `labrpc::Server`.
//! - [`Raft::kill`] stops the peer and joins all its threads before returning; threads in an
//!   RPC end when their call does, at once if the peer's client ends were deleted first.
//! - Timing: heartbeats every [`HEARTBEAT_INTERVAL`] (under 10 per second per peer),
//!   election timeouts drawn from [`ELECTION_TIMEOUT_MIN`]..=[`ELECTION_TIMEOUT_MAX`], so a
//!   new leader is elected within a second or two of a failure when a majority can talk.
//!   Elections start with a pre-vote round, so a peer that was cut off does not raise its
//!   term and depose a working leader when it comes back (optional in the student's copy;
//!   see [`prevote`]).
//! - Safety: the Raft paper's guarantees (election safety, log matching, leader
//!   completeness, state machine safety), with term, vote and log saved before any reply or
//!   request that depends on them leaves the peer.
//! - Concurrency: the peer's threads, locks, condvars, channels, clock and random election
//!   timeouts are all labsim's. Created inside a labsim simulation (`LAB_SIM=1` in the tests),
//!   a peer runs in virtual time and a seed replays its run exactly; otherwise it runs on
//!   real threads and the real clock, as the course's labs do.
//!
//! # Layout
//!
//! - [`state`] — `RaftState`, the protocol state, and the role transitions.
//! - [`election`] — RequestVote handling and vote counting (§5.2, §5.4.1).
//! - [`prevote`] — pre-votes before an election (dissertation §9.6).
//! - [`replication`] — AppendEntries, `next_index` back-up, the commit rule (§5.3, §5.4.2).
//! - [`snapshot`] — service snapshots and InstallSnapshot (§7).
//! - [`apply`] — `ApplyMsg` and what the applier takes.
//! - [`log`] — the log with its snapshot offset.
//! - [`persister`] — the given `Persister`: the two blobs of stable storage.
//! - [`persist`] — the encoding of the hard state.
//! - [`rpc`] — the RPC types and the labrpc service.
//! - `node`: the `Raft` handle and its threads (outgoing calls run on a `labrpc::ThreadPool`).

#![warn(missing_docs)]

mod api;
pub mod apply;
pub mod election;
pub mod log;
mod node;
pub mod persist;
pub mod persister;
pub mod prevote;
pub mod replication;
pub mod rpc;
pub mod snapshot;
pub mod state;

pub use api::{ApplyMsg, Error, Result};
pub use node::Raft;
pub use persister::Persister;
pub use replication::HEARTBEAT_INTERVAL;
pub use state::{ELECTION_TIMEOUT_MAX, ELECTION_TIMEOUT_MIN};
