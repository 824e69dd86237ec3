//! kvsrv: a key/value store on one server, with versioned puts, and a lock built on it (the
//! course's lab 2, in its 2025 form).
//!
//! # Contract
//!
//! - A [`KvServer`] holds `key -> (value, version)`; host its
//!   [`service`](KvServer::service) on a labrpc server. It keeps no state about clients.
//! - [`Clerk::get`] answers a key's value and version, or [`KvError::NoKey`].
//! - [`Clerk::put`]`(key, value, version)` takes effect only if `version` is the key's
//!   version, and then bumps it; a missing key has version 0, so version 0 creates it.
//!   Otherwise nothing changes and the answer is [`KvError::Version`] (or `NoKey` for a
//!   missing key at a non-zero version).
//! - The clerk **retries until the server answers**. A put takes effect **at most once**,
//!   however often it is sent: a duplicate meets the version the first one made. When a
//!   retransmitted put meets a version mismatch the clerk cannot tell whether an earlier
//!   attempt took effect, and answers [`KvError::Maybe`]. Only the clerk says `Maybe`.
//! - Every get and put is **linearizable**: one server applies them one at a time.
//! - A [`Lock`] (`Lock::new(clerk, name)`, `acquire`, `release`) uses only the clerk's get
//!   and put, and excludes every other lock client of the same name, on an unreliable network
//!   too. There are no leases: a client that stops while holding a lock keeps it.
//!
//! # Example
//!
//! ```
//! use kvsrv::{Clerk, KvError, KvServer, Lock};
//! use labrpc::{Network, Server};
//!
//! let network = Network::new();
//! let server = KvServer::new();
//! network.add_server("kv", Server::new().with_service(server.service()));
//! let end = network.create_end("clerk-0").unwrap();
//! network.connect("clerk-0", "kv").unwrap();
//! network.enable("clerk-0", true).unwrap();
//! let clerk = Clerk::new(end);
//!
//! assert_eq!(clerk.put("k", "a", 0), Ok(())); // version 0 creates the key...
//! assert_eq!(clerk.get("k"), Ok(("a".to_string(), 1))); // ...at version 1
//! assert_eq!(clerk.put("k", "b", 0), Err(KvError::Version)); // a stale version is refused
//! assert_eq!(clerk.put("y", "b", 1), Err(KvError::NoKey));
//!
//! let lock = Lock::new(&clerk, "lock");
//! lock.acquire();
//! // ... only one holder of "lock" at a time runs here ...
//! lock.release();
//! ```
//!
//! # Threads, locks, time and randomness
//!
//! kvsrv starts no threads. It touches the primitives that labsim will provide in three
//! places only, each named in a `use` line: the server's lock (`server`), the clerk's and the
//! lock's pause between tries (`client`, `lock`), and the random id of a lock client
//! (`lock::random_id`).
//!
//! # Layout
//!
//! - [`rpc`]: `Version`, `KvError`, the arguments and replies, and the service.
//! - `store`: `Store`, the map and the rule of versioned puts, with no threads or network.
//! - `server`: `KvServer`, the handlers around a store.
//! - `client`: `Clerk`, retries and `Maybe`; `KvClerk`, what a lock needs from a clerk.
//! - `lock`: `Lock`.

#![warn(missing_docs)]

mod api;
mod client;
mod lock;
pub mod rpc;
mod server;
mod store;

pub use api::{KvClerk, KvError, KvResult, Version};
pub use client::Clerk;
pub use lock::Lock;
pub use server::KvServer;
pub use store::Store;
