//! shardkv: a sharded key/value service whose shards move between Raft-replicated groups,
//! and the shard controller that decides where each shard lives (the course's lab 5).
//!
//! # Contract
//!
//! - The **shard controller** ([`ctrler`]) is a Raft-replicated service holding numbered
//!   [`Config`]s. `Join`, `Leave` and `Move` each create the next configuration; `Query`
//!   reads one. Join and Leave rebalance deterministically, as evenly as possible (the largest
//!   group owns at most one shard more than the smallest) while moving as few shards as
//!   possible. Requests are applied exactly once.
//! - A **replica group** ([`ShardKv`] servers sharing a gid) serves the keys of the shards the
//!   current configuration gives it. Each group polls the controller about every 100 ms and
//!   moves through the configurations one at a time, in order, through its own Raft log.
//! - **Migration**: when a shard changes owner, the new owner pulls the shard's data and its
//!   duplicate table from the old owner (asking for the old configuration's number), installs
//!   them through its log, and then tells the old owner to delete its copy. Only shards that
//!   changed owner move.
//! - **Availability during changes** (challenge 2): a shard owned before and after a change
//!   is served throughout; a shard that arrives is served as soon as it is installed, even
//!   while other shards of the same change are still missing.
//! - **Garbage collection** (challenge 1): the old owner deletes a shard as soon as the new
//!   owner has installed it; the state survives whole-group crashes, so the deletion resumes
//!   after a restart.
//! - A [`Clerk`] offers `get`, `put` and `append`; each call retries until a group carries it
//!   out. Calls are linearizable and writes take effect exactly once, across migrations,
//!   restarts and unreliable networks. A group rejects a key it does not serve with
//!   [`Error::WrongGroup`], and the clerk then asks the controller for the latest
//!   configuration.
//!
//! # Layout
//!
//! - [`config`]: `Config`, `NSHARDS`, `key_to_shard`.
//! - [`error`]: `Error`, the one error type of the crate.
//! - [`request`]: the `DuplicateTable` of exactly-once writes (request ids are kvraft's).
//!
//! Both services run on kvraft's replicated state machine (`kvraft::rsm`): submit a command,
//! wait for Raft to apply it, snapshot near `maxraftstate`.
//! - [`ctrler`]: the shard controller: rebalancing, state machine, server and clerk.
//! - [`kv`]: the sharded key/value service: shards, state machine, server, migration
//!   threads and clerk.

#![warn(missing_docs)]

pub mod config;
pub mod ctrler;
pub mod error;
pub mod kv;
pub mod request;

pub use config::{key_to_shard, Config, Gid, NSHARDS};
pub use error::{Error, Result};
pub use kv::{Clerk, MakeEnd, ShardKv};
