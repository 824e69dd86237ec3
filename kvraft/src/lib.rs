//! kvraft: a fault-tolerant key/value service replicated with Raft (the course's lab 4).
//!
//! # Contract
//!
//! - [`KvServer::start`] starts one replica over its Raft peers; host its
//!   [`services`](KvServer::services) (the key/value service and Raft) on one labrpc server.
//! - A [`Clerk`] offers `get`, `put` and `append`. Each call blocks until a server carries it
//!   out, trying the servers in turn and remembering the last leader. Calls are
//!   **linearizable**: each takes effect at one instant between its start and its return.
//! - **Exactly once**: a clerk numbers its requests; the replicated state machine remembers
//!   the highest number applied per clerk (also in snapshots), so a retried write is applied
//!   once however often it reaches the log.
//! - With `max_raft_state = Some(n)`, a server hands Raft a snapshot whenever Raft's persisted
//!   state nears `n` bytes, and restores from the latest snapshot on restart.
//!
//! # Layout
//!
//! - [`rpc`]: arguments, replies, the log's `Command`, `KvError`, and the service.
//! - [`rsm`]: the replicated state machine: submit a command through Raft, apply what
//!   commits, snapshot near `maxraftstate`. shardkv builds on it too.
//! - [`store`]: the state machine (map + duplicate table) and its snapshots.
//! - `server`: `KvServer`: the handlers, over an `Rsm<Store>`.
//! - `client`: `Clerk`.

#![warn(missing_docs)]

mod client;
pub mod rpc;
pub mod rsm;
mod server;
pub mod store;

pub use client::Clerk;
pub use rpc::{KvError, KvResult};
pub use server::KvServer;
