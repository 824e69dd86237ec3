//! The clerk: a client library that retries until the server answers, and says `Maybe` when
//! it cannot tell whether its put took effect.

use std::time::Duration;

use labrpc::Endpoint;
// lab:hide 2
use labsim::thread::sleep;

use crate::rpc::KvClient;
// lab:hide 2
use crate::rpc::{GetArgs, PutArgs};
use crate::{KvResult, Version};
// lab:hide 2
use crate::KvError;

/// How long a clerk waits before sending a call again after one failed. A lost request or
/// reply fails within the network's delay; this only keeps a clerk whose server is
/// unreachable from spinning.
// lab:given 2
const RETRY_INTERVAL: Duration = Duration::from_millis(10);

/// A client of one key/value server.
///
/// Calls block until the server answers; a clerk sends one call at a time per caller and
/// keeps no state between calls, so one clerk may be shared by many threads.
#[derive(Debug, Clone)]
pub struct Clerk {
    /// The server's stub: `server.get(&args)` and `server.put(&args)` send one call and
    /// return its reply, or an error if the request or the reply was lost.
    // lab:given 2
    server: KvClient,
}

impl Clerk {
    /// A clerk that reaches the server through `end`.
    pub fn new(end: impl Endpoint) -> Clerk {
        Clerk {
            server: KvClient::new(end),
        }
    }

    /// The value of `key` and its version, or `NoKey` if the key does not exist.
    ///
    /// Sends the get until the server answers and returns the server's answer as it is; a
    /// get changes nothing, so sending it twice is harmless. Never gives up, and never
    /// answers `Version` or `Maybe`. Between a failed call and the next it pauses
    /// `RETRY_INTERVAL` (with `labsim::thread::sleep`, so the suite also runs simulated).
    ///
    /// A lock and a tester's threads may share one clerk and call it at once (it is used
    /// through `&self`): keep whatever one call needs in the call, not in the clerk.
    // lab:solution 2
    pub fn get(&self, key: &str) -> KvResult<(String, Version)> {
        let args = GetArgs {
            key: key.to_string(),
        };
        loop {
            match self.server.get(&args) {
                Ok(reply) => return reply.result,
                Err(error) => log::debug!(target: "kvsrv", "clerk get {key:?}: {error}, retrying"),
            }
            sleep(RETRY_INTERVAL);
        }
    }

    /// Installs `value` at `key` if the key's version is `version` (0 creates the key).
    ///
    /// Sends the put until the server answers. The answer to the first attempt is the
    /// answer. A `Version` answer to a retransmission becomes `Maybe`: the clerk cannot tell
    /// a lost request from a lost reply, so an earlier attempt may have taken effect (and
    /// moved the version on) or may not. Other answers stand: a put cannot take effect twice,
    /// since a duplicate meets the version the first one made.
    ///
    /// So `Maybe` comes only from a put sent more than once, never on a reliable network
    /// (the tests check both ways), and `Ok` means the put took effect exactly once. Pauses
    /// and sharing as for [`get`](Clerk::get).
    // lab:solution 2
    pub fn put(&self, key: &str, value: &str, version: Version) -> KvResult<()> {
        let args = PutArgs {
            key: key.to_string(),
            value: value.to_string(),
            version,
        };
        let mut retransmission = false;
        loop {
            match self.server.put(&args) {
                Ok(reply) if retransmission && reply.result == Err(KvError::Version) => {
                    return Err(KvError::Maybe)
                }
                Ok(reply) => return reply.result,
                Err(error) => {
                    log::debug!(target: "kvsrv", "clerk put {key:?} at v{version}: {error}, retrying");
                    retransmission = true;
                }
            }
            sleep(RETRY_INTERVAL);
        }
    }
}
