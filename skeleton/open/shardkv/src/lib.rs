//! shardkv: a key/value service split into shards that move between Raft-replicated groups,
//! and the shard controller that decides where each shard lives (lab 5). You write both.
//!
//! # What to build
//!
//! - **5A, the shard controller** ([`ctrler`]): a service replicated with your Raft whose
//!   state is a list of numbered [`Config`]s. Configuration 0 has no groups and every shard
//!   on gid 0. `join`, `leave` and `move_shard` each add the next configuration; `query`
//!   reads one. After a join or a leave, the largest group owns at most one shard more than
//!   the smallest, and no shard moves that did not have to. Every replica computes the next
//!   configuration on its own from the same log, so the computation must be deterministic.
//! - **5A, replica groups that serve their shards** ([`ShardKv`], [`Clerk`]): each group
//!   (servers sharing a gid, replicated with your Raft) serves the keys of the shards the
//!   configuration it has applied gives it, and refuses every other key, so that the clerk
//!   asks the controller for a newer configuration. Each group polls the controller about
//!   every 100 ms and moves through the configurations one at a time, in order, through its
//!   own log.
//! - **5B, moving shards**: when a shard changes owner, its data moves to the new owner with
//!   what the old owner knows about which writes it applied, so that no write is lost or
//!   applied twice; servers crash, whole groups restart, configurations are missed, and the
//!   network drops, delays and reorders messages. Two graded tests (names starting
//!   `challenge`) also ask that a group deletes the shards it handed over once the new owner
//!   has them, and that a group keeps serving the shards a change does not touch, and a
//!   shard that has arrived while others are still on their way.
//!
//! # What the tester relies on
//!
//! - [`ctrler::CtrlerServer::start`] and [`ShardKv::start`] return at once; `services()`
//!   gives the labrpc services the tester hosts for that server (yours and its Raft's);
//!   `kill()` stops the server and every thread it started and returns only when they have
//!   stopped (a killed server's threads must not keep writing to its persister). The tester
//!   crashes a server by killing it and restarts it with a copy of its [`raft::Persister`]:
//!   all state that must survive lives there, in Raft's state and snapshot.
//! - Clerk calls ([`ctrler::CtrlerClerk`], [`Clerk`]) block until the request is carried
//!   out, retrying across servers, leaders and groups; they return `Err` only when the
//!   network is closed ([`Error::NetworkClosed`]: labrpc's `RpcError::NetworkClosed`).
//!   Several clerks run at once; each clerk is used by one thread at a time.
//! - Clerk operations are linearizable: a `get` sees every write that finished before it
//!   started, and each `put` and `append` takes effect exactly once, even when its reply is
//!   lost and the clerk sends it again, to the same group or, after the shard moved, to
//!   another one.
//! - With `max_raft_state` `Some(n)`, a group server keeps its Raft state under `8 × n`
//!   bytes by snapshotting (`raft::Raft::snapshot`); with `None` it never snapshots.
//! - [`ShardKv::migration_stats`] counts the shards the server installed from other groups:
//!   a test checks that only shards whose owner changed moved.
//! - Each test has 120 s (of virtual time in simulation).
//!
//! # What is given
//!
//! - [`config`]: [`Config`], [`Gid`], [`NSHARDS`] (10) and [`key_to_shard`] (the key's first
//!   byte modulo 10), shared with the testers.
//! - Raft's public API: `raft::Raft::new(peers, me, persister, apply_tx)`, `start`, `state`,
//!   `snapshot`, `service`, `kill`, `raft::ApplyMsg` and `raft::Persister`.
//! - labrpc ([`labrpc::service!`] declares a typed service: its client, its handler trait and
//!   `into_service`), labcodec (serde values to bytes, for the log, snapshots and messages),
//!   and labsim.
//!
//! Everything else is yours to design: the messages, what goes through the logs, how a
//! server waits for its log, how shards move and are deleted. Your Lab 4 key/value service
//! is a good start for both services (the course copies it); nothing here depends on the
//! `kvraft` crate.
//!
//! # Threads, locks, time and randomness: labsim only
//!
//! The tests also run in deterministic simulation (`LAB_SIM=1`), where one seed replays a
//! run exactly. That works only if every thread, lock, condvar, channel, sleep, clock read
//! and random number goes through labsim (`labsim::thread::spawn`, `labsim::sync::Mutex`,
//! `labsim::channel`, `labsim::time::Instant`, `labsim::rand`), and maps that decide
//! anything are `BTreeMap`s, not `HashMap`s. `make lint` (clippy with the workspace's
//! `clippy.toml`) rejects the std and crate equivalents.

#![warn(missing_docs)]

pub mod config;
pub mod ctrler;
mod kv;

pub use config::{key_to_shard, Config, Gid, NSHARDS};
pub use kv::{Clerk, MakeEnd, MigrationStats, ShardKv};

/// Why a request failed. The tester needs only [`Error::NetworkClosed`]; add the variants
/// your servers and clerks need (with serde's derives, if they travel in replies).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The network is closed: no call can ever succeed again, so the clerk gives up.
    #[error("network closed")]
    NetworkClosed,
}

/// The result of a request.
pub type Result<T> = std::result::Result<T, Error>;
