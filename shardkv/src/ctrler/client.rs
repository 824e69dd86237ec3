//! The controller clerk: finds the controller's leader and retries until a request succeeds.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use labrpc::{ClientEnd, RpcError};

use super::rpc::{CtrlerClient, CtrlerCommand, CtrlerOp, CtrlerReply};
use crate::config::{Config, Gid};
use crate::error::Result;
// lab:hide 5A
use crate::error::Error;
use crate::request::RequestId;

/// How long the clerk pauses after every server has turned it away once, as the course's
/// clerk does, so that an election in progress is not met with a storm of retries.
const ROUND_BACKOFF: Duration = Duration::from_millis(100);

/// A client of the shard controller. Calls block until they succeed, or fail with
/// [`crate::Error::NetworkClosed`] once the network is closed.
pub struct CtrlerClerk {
    /// One client per controller server, in the order of the ends given to `new`.
    // lab:given 5A
    servers: Vec<CtrlerClient>,
    /// Index of the server that last answered; tried first.
    // lab:given 5A
    leader: AtomicUsize,
    /// Random id (seeded: labsim's) that tells this clerk's requests apart from every other clerk's.
    client: u64,
    /// Number of the last request sent.
    last_seq: AtomicU64,
}

/// Which RPC carries an operation.
type Method = fn(&CtrlerClient, &CtrlerCommand) -> std::result::Result<CtrlerReply, RpcError>;

impl CtrlerClerk {
    /// A clerk that talks to the controller servers through `ends`, one per server.
    pub fn new(ends: Vec<ClientEnd>) -> CtrlerClerk {
        CtrlerClerk {
            servers: ends.into_iter().map(CtrlerClient::new).collect(),
            leader: AtomicUsize::new(0),
            client: labsim::rand::random(),
            last_seq: AtomicU64::new(0),
        }
    }

    /// Configuration `num`, or the latest for `None` (the course's `Query(-1)`).
    pub fn query(&self, num: Option<u64>) -> Result<Config> {
        self.until_success(CtrlerOp::Query { num }, CtrlerClient::query)
    }

    /// Asks each server once, starting with the last leader, for configuration `num`;
    /// `None` if none answered. For callers that must not block (a server's poller).
    pub fn try_query(&self, num: Option<u64>) -> Option<Config> {
        let command = self.command(CtrlerOp::Query { num });
        self.one_round(&command, CtrlerClient::query).ok().flatten()
    }

    /// Groups `groups` (gid → server names) join.
    pub fn join(&self, groups: BTreeMap<Gid, Vec<String>>) -> Result<Config> {
        self.until_success(CtrlerOp::Join { groups }, CtrlerClient::join)
    }

    /// Groups `gids` leave.
    pub fn leave(&self, gids: Vec<Gid>) -> Result<Config> {
        self.until_success(CtrlerOp::Leave { gids }, CtrlerClient::leave)
    }

    /// Shard `shard` moves to group `gid`.
    pub fn move_shard(&self, shard: usize, gid: Gid) -> Result<Config> {
        self.until_success(CtrlerOp::Move { shard, gid }, CtrlerClient::move_shard)
    }

    fn command(&self, op: CtrlerOp) -> CtrlerCommand {
        let seq = self.last_seq.fetch_add(1, Ordering::Relaxed) + 1;
        CtrlerCommand {
            id: RequestId {
                client: self.client,
                seq,
            },
            op,
        }
    }

    fn until_success(&self, op: CtrlerOp, method: Method) -> Result<Config> {
        let command = self.command(op);
        loop {
            if let Some(config) = self.one_round(&command, method)? {
                return Ok(config);
            }
            labsim::thread::sleep(ROUND_BACKOFF);
        }
    }

    /// Sends `command` with `method` to every server at most once, starting with the one
    /// that answered last, and returns the first configuration a server answers with.
    ///
    /// - A reply with `Ok(config)` ends the round: remember that server in `leader`, so the
    ///   next request tries it first, and return `Ok(Some(config))`.
    /// - A reply with an error (`WrongLeader`, `Timeout`...) or a failed call (dropped,
    ///   unreachable, server dead) means: try the next server.
    /// - `Err(Error::NetworkClosed)` when a call fails with `RpcError::NetworkClosed`: no
    ///   call can succeed again, and the callers give up.
    /// - `Ok(None)` when every server was tried once without an answer.
    ///
    /// Send the same `command` (the same request id) to every server: a retry must be
    /// recognized as one. Do not sleep or retry past one round: `until_success` pauses
    /// [`ROUND_BACKOFF`] between rounds, and `try_query` (a group's poller) must not block.
    // lab:solution 5A
    fn one_round(&self, command: &CtrlerCommand, method: Method) -> Result<Option<Config>> {
        let count = self.servers.len();
        let first = self.leader.load(Ordering::Relaxed);
        for offset in 0..count {
            let index = (first + offset) % count;
            match method(&self.servers[index], command) {
                Ok(CtrlerReply { result: Ok(config) }) => {
                    self.leader.store(index, Ordering::Relaxed);
                    return Ok(Some(config));
                }
                Err(RpcError::NetworkClosed) => return Err(Error::NetworkClosed),
                Ok(CtrlerReply { result: Err(_) }) | Err(_) => {}
            }
        }
        Ok(None)
    }
}
