//! labrpc: RPC for the labs, over a simulated network that loses, delays and reorders.
//!
//! A faithful re-implementation of the MIT 6.5840 Go `labrpc`: the same objects, the same
//! fault model and the same constants, with typed services on top.
//!
//! # Contract
//!
//! - A [`Network`] holds named [`ClientEnd`]s and named [`Server`]s. An end is created
//!   disabled and unconnected; [`Network::connect`] points it at a server name and
//!   [`Network::enable`] switches it on. A server hosts several [`Service`]s ("KVServer" and
//!   "Raft" on one server, say).
//! - **A call always returns.** It blocks until the handler's reply arrives or the call fails,
//!   and a failure is an [`RpcError`] saying why: lost request or reply, unreachable server,
//!   server died while handling, network closed, unknown method, bad bytes. `Ok` means the
//!   handler ran and its reply is valid. Do not wrap calls in timeouts of your own; an
//!   unreachable server answers after at most 7 s (long delays) or 100 ms.
//! - **Faults** (the Go constants): an unreliable network delays each request 0-26 ms, loses
//!   10 % of requests before the handler and 10 % of replies after it; long reordering holds
//!   2/3 of replies back 200-2200 ms; an unreachable server fails the call after 0-99 ms, or
//!   0-6999 ms with long delays.
//! - **A dead server never acknowledges work.** While a handler runs, the caller checks every
//!   100 ms, and once more when the handler returns, that the end is still enabled and the
//!   same server object is still installed; if not, the call fails with
//!   [`RpcError::ServerDead`] and the reply is thrown away.
//! - **Counters**: [`Network::total_count`] counts every call sent, [`Network::total_bytes`]
//!   every request's bytes and every delivered reply's bytes, [`Network::count`] the calls
//!   that reached a server's handlers.
//! - **Replay**: all random decisions come from one RNG per network, seeded from `LAB_SEED`
//!   when it is set ([`Network::seed`] tells the seed to print). In real mode that pins the
//!   faults but not thread timing.
//! - **Simulation**: every thread, lock, channel, sleep and random draw is labsim's, so a
//!   network created inside a labsim simulation runs in its virtual time, seeded by it, and
//!   replays exactly from the simulation's seed. There each request and each reply also
//!   takes [`network::SIMULATED_LINK_LATENCY`], so that virtual time moves on the reliable
//!   network too; real mode adds no latency.
//! - **Shutdown**: dropping the network (or [`Network::cleanup`]) fails every pending call with
//!   [`RpcError::NetworkClosed`] at once and joins the handler threads.
//! - Each dispatch decodes fresh arguments and builds a fresh reply; nothing is shared by
//!   reference between caller and handler, and every byte goes through [`labcodec`].
//!
//! # Typed services
//!
//! [`service!`] turns a list of methods into a handler trait and a typed client; see its doc
//! and `examples/echo.rs`.
//!
//! # Layout
//!
//! - [`network`]: `Network`, `ClientEnd` and the fault model.
//! - [`service`](mod@service): `Service`, `Server`, `Endpoint`, and the `service!` macro.
//! - [`pool`]: `ThreadPool`, the growable pool behind the network's handlers (and Raft's calls).
//! - [`socket`]: the Unix-socket transport, `SocketServer` and `SocketClient`, for services
//!   whose peers are separate processes (MapReduce).
//! - [`error`]: `RpcError` and `Error`.

#![warn(missing_docs)]

pub mod error;
pub mod network;
pub mod pool;
pub mod service;
// The socket transport is real processes talking over real sockets (MapReduce): std threads,
// locks and clocks are right there, and no simulation ever runs it.
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
pub mod socket;

pub use error::{Error, Result, RpcError};
pub use network::{seed_from_env, ClientEnd, Network, SEED_VAR};
pub use pool::ThreadPool;
pub use service::{Endpoint, Server, Service};
