//! The shard controller: a Raft-replicated service that keeps the numbered configurations
//! and answers `Join`, `Leave`, `Move` and `Query`.
//!
//! Every request goes through the controller's Raft log, `Query` included, so an answer is
//! never older than a configuration some clerk already saw. Writes are applied once per
//! request id. `Query(None)`, or a number past the latest, returns the latest configuration.

pub mod client;
pub mod rebalance;
pub mod rpc;
pub mod server;
pub mod state;

pub use client::CtrlerClerk;
pub use server::CtrlerServer;
