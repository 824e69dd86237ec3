//! kvsrv: a key/value store on one server, with versioned puts, and a lock built on it (the
//! course's lab 2). This is the open skeleton: the API the tester calls, with stubbed bodies;
//! everything behind it is yours to design.
//!
//! # What to build
//!
//! - A [`KvServer`] that holds `key -> (value, version)` and answers gets and versioned puts
//!   over labrpc. It keeps **no state about clients**: the memory tests allow it a few bytes
//!   per clerk.
//! - A [`Clerk`] that talks to that server over a network that may lose requests and replies,
//!   retrying until the server answers.
//! - A [`Lock`] built on nothing but a clerk's `get` and `put` (the [`KvClerk`] trait).
//!
//! # The contract the tester relies on
//!
//! - `get(key)` answers the key's value and version, or [`KvError::NoKey`].
//! - `put(key, value, version)` takes effect only if `version` is the key's version, and then
//!   bumps it by one; a missing key has version 0, so a put at version 0 creates it (at
//!   version 1). Otherwise nothing changes and the answer is [`KvError::Version`], or `NoKey`
//!   for a missing key at a non-zero version.
//! - The clerk **retries until the server answers**, and a put takes effect **at most once**
//!   however often it is sent. When a put's retransmission meets a version mismatch, the
//!   clerk cannot tell whether an earlier attempt took effect and answers
//!   [`KvError::Maybe`]; an answer to a first attempt stands as it is. So a reliable network
//!   never sees `Maybe`, and an unreliable one must (the tests check both).
//! - Gets and puts are **linearizable**: each takes effect at one instant between its call and
//!   its return. The testers record every call and check the whole history.
//! - A lock excludes every other lock client of the same name, on an unreliable network too;
//!   locks of different names are independent. There are no leases: a client that stops
//!   while holding a lock keeps it.
//!
//! What the tester calls: [`KvServer::new`] and [`KvServer::service`] (hosted on a
//! `labrpc::Server`), [`Clerk::new`] with one end to the server, the clerk through
//! [`KvClerk`], and [`Lock::new`], [`Lock::acquire`], [`Lock::release`]. Tester threads share
//! a clerk, so every call takes `&self`.
//!
//! # What is given
//!
//! In `src/api.rs`: [`Version`], [`KvError`] and [`KvResult`] (the tester matches on them),
//! and the [`KvClerk`] trait with its impls for your [`Clerk`] (through its `get` and `put`),
//! references and `Arc`s. Also the crates in `Cargo.toml`: labrpc's `service!` macro declares
//! an RPC service with typed arguments and replies (see `labrpc`'s crate doc), serde derives
//! make them travel.
//!
//! # What you design
//!
//! The RPC arguments and replies, the server's state and its lock, what a clerk keeps, and how
//! a lock client tells its own hold from another's (a random id per lock client works).
//!
//! # Threads, locks, time and randomness
//!
//! Only through `labsim` (`labsim::sync::Mutex`, `labsim::thread::sleep`, `labsim::rand`):
//! the suite also runs in a deterministic simulation (`LAB_SIM=1`), and `make lint` rejects
//! `std`'s and `parking_lot`'s versions (see `clippy.toml`).
//!
//! # Example
//!
//! ```no_run
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

#![warn(missing_docs)]

mod api;
mod client;
mod lock;
mod server;

pub use api::{KvClerk, KvError, KvResult, Version};
pub use client::Clerk;
pub use lock::Lock;
pub use server::KvServer;
