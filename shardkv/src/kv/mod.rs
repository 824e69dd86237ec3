//! The sharded key/value service: replica groups that each serve the shards the current
//! configuration gives them, and move shards between them as configurations change.
//!
//! # How a configuration change goes through a group
//!
//! 1. The leader's poller sees configuration `n + 1` at the controller once every shard of
//!    the group is settled (serving or absent), and puts it in the group's log.
//! 2. Applying it marks each shard: kept shards go on serving; lost shards are **offering**
//!    (frozen, kept until the new owner has them); gained shards are **pulling**, or serving
//!    at once when nobody owned them before.
//! 3. The leader's migrator pulls each pulling shard, with its duplicate table, from its
//!    owner in configuration `n`, and puts the data in the log. Applying it makes the shard
//!    **received**: served at once.
//! 4. The migrator then asks the old owner to delete its copy; the old owner does so through
//!    its own log, and the new owner logs that the deletion is confirmed: the shard is plain
//!    serving again.
//!
//! Every step is a log entry, so replicas, restarts and snapshots see the same states.
//!
//! # Layout
//!
//! - [`shard`]: one shard's data, duplicate table and status.
//! - [`rpc`]: arguments, replies, the log's commands and the service.
//! - [`state`]: the group's state machine.
//! - `server`: `ShardKv`: handlers and the threads that poll and migrate.
//! - `client`: `Clerk`.

mod client;
pub mod rpc;
mod server;
pub mod shard;
pub mod state;

use std::sync::Arc;

use labrpc::ClientEnd;

pub use client::Clerk;
pub use server::{MigrationStats, ShardKv};

/// Turns a server name (`"server-101-2"`) into a client end that reaches it. Supplied by
/// whoever starts servers and clerks; each call may make a new end.
pub type MakeEnd = Arc<dyn Fn(&str) -> ClientEnd + Send + Sync>;
