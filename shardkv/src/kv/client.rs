//! The clerk: sends each request to the group that owns the key's shard, and asks the
//! controller for the latest configuration whenever that group turns it away.

use std::collections::BTreeMap;
use std::time::Duration;

use labrpc::{ClientEnd, RpcError};
use labsim::sync::Mutex;

use super::rpc::{ClientArgs, ClientReply, Op, ShardKvClient};
use super::MakeEnd;
use crate::config::{Config, Gid};
use crate::ctrler::CtrlerClerk;
use crate::error::{Error, Result};
// lab:hide 5A
use crate::config::key_to_shard;
// lab:hide 5A
use crate::request::RequestId;

/// How long the clerk pauses after the owning group turned it away (or could not be
/// reached) before asking the controller again, as the course's clerk does.
// lab:given 5A
const ROUND_BACKOFF: Duration = Duration::from_millis(100);

/// A client of the sharded key/value service. Calls block until they succeed, or fail with
/// [`Error::NetworkClosed`] once the network is closed. A clerk sends one request at a time;
/// give each thread its own.
pub struct Clerk {
    /// The controller's clerk: where the latest configuration comes from.
    // lab:given 5A
    ctrler: CtrlerClerk,
    /// Makes client ends to group servers, by the names configurations list.
    make_end: MakeEnd,
    /// Random id (seeded: labsim's) that tells this clerk's requests apart from every other
    /// clerk's.
    // lab:given 5A
    client: u64,
    /// Where requests go, and the request counter. Held for the whole of a request: a clerk
    /// carries out one request at a time, so nobody waits for it except callers sharing a
    /// clerk, who would have to take turns anyway. One lock per request also keeps a
    /// simulation's scheduling points (each lock is one) few on this hot path.
    // lab:given 5A
    state: Mutex<ClerkState>,
}

/// What a clerk remembers between requests.
struct ClerkState {
    /// The configuration the clerk last heard of (number 0, no groups, until it asks).
    // lab:given 5A
    config: Config,
    /// Clients of group servers, by server name, made on first use.
    servers: BTreeMap<String, ShardKvClient>,
    /// Per group, the index of the server that last answered.
    leaders: BTreeMap<Gid, usize>,
    /// Number of the last request sent.
    // lab:given 5A
    last_seq: u64,
}

impl Clerk {
    /// A clerk that reaches the controller through `ctrler_ends` and group servers through
    /// `make_end`.
    pub fn new(ctrler_ends: Vec<ClientEnd>, make_end: MakeEnd) -> Clerk {
        Clerk {
            ctrler: CtrlerClerk::new(ctrler_ends),
            make_end,
            client: labsim::rand::random(),
            state: Mutex::new(ClerkState {
                config: Config::default(),
                servers: BTreeMap::new(),
                leaders: BTreeMap::new(),
                last_seq: 0,
            }),
        }
    }

    /// The value of `key`, or `""` if it was never written.
    pub fn get(&self, key: &str) -> Result<String> {
        self.request(Op::Get { key: key.into() })
    }

    /// Sets `key` to `value`.
    pub fn put(&self, key: &str, value: &str) -> Result<()> {
        let op = Op::Put {
            key: key.into(),
            value: value.into(),
        };
        self.request(op).map(drop)
    }

    /// Appends `value` to the value of `key`.
    pub fn append(&self, key: &str, value: &str) -> Result<()> {
        let op = Op::Append {
            key: key.into(),
            value: value.into(),
        };
        self.request(op).map(drop)
    }

    /// Sends `op` to the group that owns its key's shard until a group carries it out, and
    /// returns the value read (`""` for a key never written, and after a put or append).
    ///
    /// `get`, `put` and `append` rely on this:
    ///
    /// - **Exactly once.** Number the request: `RequestId { client, seq }` with `seq` one past
    ///   the last (`state.last_seq`), and send that same id on every retry, to every server
    ///   and every group, so that a group (or the group a shard moved to, which gets the
    ///   duplicate table with the shard) applies it once.
    /// - **The right group.** The key's shard is `key_to_shard(key)`; its group is
    ///   `config.shards[shard]` and its servers `config.groups[&gid]`. Before the first
    ///   request the clerk knows only configuration 0: ask the controller first.
    /// - **Retry until done.** Try the group with [`try_group`](Clerk::try_group). When it
    ///   did not carry the request out (it turned the key away, its shard has not arrived,
    ///   no server answered, or the configuration names no group for the shard), pause
    ///   [`ROUND_BACKOFF`], ask the controller for the latest configuration
    ///   (`ctrler.query(None)`), and try again.
    /// - **Give up only when the network is closed**: return [`Error::NetworkClosed`] as
    ///   `try_group` or the controller's clerk report it.
    ///
    /// Hold `state`'s lock for the whole request, as its doc says.
    // lab:solution 5A
    fn request(&self, op: Op) -> Result<String> {
        // Held across the calls below, as `state` says.
        let mut state = self.state.lock();
        state.last_seq += 1;
        let args = ClientArgs {
            id: RequestId {
                client: self.client,
                seq: state.last_seq,
            },
            op,
        };
        let shard = key_to_shard(args.op.key());
        if state.config.num == 0 {
            state.config = self.ctrler.query(None)?;
        }
        loop {
            let gid = state.config.shards[shard];
            if let Some(servers) = state.config.groups.get(&gid).cloned() {
                if let Some(value) = self.try_group(&mut state, gid, &servers, &args)? {
                    return Ok(value);
                }
            }
            labsim::thread::sleep(ROUND_BACKOFF);
            state.config = self.ctrler.query(None)?;
        }
    }

    /// Tries the group's servers once each, starting with the last one that answered, and
    /// returns the value the first one that carries the request out answers (`""` for
    /// [`Error::NoKey`]). `Ok(None)` when the group turns the key away (`WrongGroup`,
    /// `ShardNotReady`: ask the controller again) or no server carried it out;
    /// `Err(Error::NetworkClosed)` when the network is closed.
    // lab:given 5A
    fn try_group(
        &self,
        state: &mut ClerkState,
        gid: Gid,
        servers: &[String],
        args: &ClientArgs,
    ) -> Result<Option<String>> {
        let first = state.leaders.get(&gid).copied().unwrap_or(0);
        for offset in 0..servers.len() {
            let index = (first + offset) % servers.len();
            let answer = match state.server(&self.make_end, &servers[index]).request(args) {
                Ok(ClientReply { result: Ok(value) }) => Some(value),
                Ok(ClientReply {
                    result: Err(Error::NoKey),
                }) => Some(String::new()),
                Ok(ClientReply {
                    result: Err(Error::WrongGroup { .. } | Error::ShardNotReady { .. }),
                }) => return Ok(None),
                Err(RpcError::NetworkClosed) => return Err(Error::NetworkClosed),
                Ok(_) | Err(_) => None,
            };
            if let Some(value) = answer {
                state.leaders.insert(gid, index);
                return Ok(Some(value));
            }
        }
        Ok(None)
    }
}

impl ClerkState {
    /// A client of the server named `name`, made with `make_end` on first use.
    fn server(&mut self, make_end: &MakeEnd, name: &str) -> &ShardKvClient {
        self.servers
            .entry(name.to_string())
            .or_insert_with(|| ShardKvClient::new(make_end(name)))
    }
}
