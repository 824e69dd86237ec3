//! kvraft: a fault-tolerant key/value service replicated with your Raft (the course's lab 4).
//! This is the open skeleton: the API the tester calls, with stubbed bodies; everything behind
//! it is yours to design.
//!
//! # What to build
//!
//! Several replicas, each a [`KvServer`] with its own Raft peer. Clerks send `Get`, `Put` and
//! `Append` to whichever replica leads; every operation goes through the Raft log, and every
//! replica applies the committed operations in log order to its own copy of the map.
//!
//! - **4A**: the service without snapshots. It stays available while a majority of replicas
//!   can talk, through partitions, message loss and crashes of every server.
//! - **4B**: snapshots. With `max_raft_state = Some(n)`, a replica hands Raft a snapshot of
//!   its state whenever Raft's persisted state nears `n` bytes, restores itself from the
//!   latest snapshot when it starts, and replaces its state with a snapshot Raft installs
//!   from the leader. 4B adds no functions to this API: it extends `start` and what your
//!   replicas do with Raft's apply channel.
//!
//! # The contract the tester relies on
//!
//! - [`KvServer::start`]`(peers, me, persister, max_raft_state)` starts replica `me` and its
//!   Raft peer (`raft::Raft::new` over `peers` and `persister`), and returns at once.
//!   [`services`](KvServer::services) are what the tester hosts on the replica's labrpc
//!   server: your key/value service and Raft's ([`raft::Raft::service`]).
//!   [`raft`](KvServer::raft) is the replica's Raft peer, whose `state()` the tester reads to
//!   find the leader. [`kill`](KvServer::kill) stops the replica and its Raft peer.
//! - A replica restarts from what its `persister` holds: Raft's state and, in 4B, the latest
//!   snapshot. An operation a clerk was told succeeded survives the crash of every replica.
//! - [`Clerk::new`]`(ends)` gets one end per replica, in an order of the tester's choosing.
//!   [`Clerk::get`], [`Clerk::put`] and [`Clerk::append`] block until some replica has carried
//!   the operation out, trying replica after replica; a key never written reads as `""`. A
//!   clerk has one call outstanding at a time.
//! - **Linearizable**: each operation takes effect at one instant between its call and its
//!   return. A replica that answers a `Get` from its own map without the log may have been
//!   deposed: the tests catch the stale value. The testers record every operation and check
//!   the whole history.
//! - **Exactly once**: a clerk retries an operation until it succeeds, at other replicas if
//!   need be, and a retried `Put` or `Append` must still take effect once, also across
//!   snapshots and restarts.
//! - Fast: 1,000 appends from one clerk must average under 33.3 ms each (`speed_4a`,
//!   `speed_4b`), so Raft's `start` must replicate at once, not at the next heartbeat.
//! - `max_raft_state` is the course's `maxraftstate`: `None` never snapshots (a snapshot
//!   then fails the 4A tests); with `Some(n)`, Raft's state may be at most 8 × `n` bytes at
//!   the end of each 4B test, and a snapshot of one key at most 500 bytes.
//!
//! # What is given
//!
//! Your Raft from lab 3, through its public API only: `Raft::new`, `start`, `state`,
//! `snapshot`, `kill`, `service`, [`raft::ApplyMsg`] on the apply channel, and
//! [`raft::Persister`] (`raft_state_size()`, `snapshot()`). labrpc's `service!` macro declares
//! your RPC service; `labcodec` encodes log commands and snapshots (serde types).
//!
//! # What you design
//!
//! The RPC arguments and replies and their errors; what goes in the log; the state machine
//! (the map and how it recognizes a retried write: numbering each clerk's requests works);
//! how a handler waits for its command to commit and learns that it was lost (another
//! leader's entry at its index), without waiting forever; the thread that reads Raft's apply
//! channel; and, in 4B, what a snapshot holds and when to take it.
//!
//! # Threads, locks, time and randomness
//!
//! Only through `labsim` (`labsim::thread`, `labsim::sync`, `labsim::channel`,
//! `labsim::time`, `labsim::rand`): the suite also runs in a deterministic simulation
//! (`LAB_SIM=1`), and `make lint` rejects `std`'s versions (see `clippy.toml`).

#![warn(missing_docs)]

mod client;
mod server;

pub use client::Clerk;
pub use server::KvServer;
