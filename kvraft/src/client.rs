//! The clerk: a client library that finds the leader and retries until a request succeeds.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use labrpc::ClientEnd;

use crate::rpc::{GetArgs, KvClient, KvError, PutAppendArgs, RequestId};

/// How long a clerk pauses after every server has turned it away once, so that an election
/// in progress is not met with a storm of retries.
// lab:given 4A
const ROUND_BACKOFF: Duration = Duration::from_millis(20);

/// A key/value client. Requests block until they succeed; a clerk sends one request at a
/// time (share it behind a lock, or give each thread its own).
pub struct Clerk {
    /// One stub per server, in the tester's order: `servers[i].get(&args)` sends one call and
    /// returns the reply, or an error if the request or the reply was lost.
    // lab:given 4A
    servers: Vec<KvClient>,
    /// Index of the server that last answered as leader; tried first.
    // lab:given 4A
    leader: AtomicUsize,
    /// Random id that tells this clerk's requests apart from every other clerk's (drawn from
    /// labsim, so a simulation's seed fixes it).
    client: u64,
    /// Number of the last request sent.
    last_seq: AtomicU64,
}

/// Which write a `put_append` performs.
#[derive(Clone, Copy)]
enum Write {
    Put,
    Append,
}

impl Clerk {
    /// A clerk that talks to the servers through `ends`, one per server.
    pub fn new(ends: Vec<ClientEnd>) -> Clerk {
        Clerk {
            servers: ends.into_iter().map(KvClient::new).collect(),
            leader: AtomicUsize::new(0),
            client: labsim::rand::random(),
            last_seq: AtomicU64::new(0),
        }
    }

    /// The value of `key`, or `""` if it was never written.
    pub fn get(&self, key: &str) -> String {
        let args = GetArgs {
            key: key.to_string(),
            id: self.next_id(),
        };
        self.until_success(|server| match server.get(&args).map(|reply| reply.result) {
            Ok(Ok(value)) => Some(value),
            Ok(Err(KvError::NoKey)) => Some(String::new()),
            _ => None,
        })
    }

    /// Sets `key` to `value`.
    pub fn put(&self, key: &str, value: &str) {
        self.put_append(key, value, Write::Put)
    }

    /// Appends `value` to the value of `key`.
    pub fn append(&self, key: &str, value: &str) {
        self.put_append(key, value, Write::Append)
    }

    fn put_append(&self, key: &str, value: &str, write: Write) {
        let args = PutAppendArgs {
            key: key.to_string(),
            value: value.to_string(),
            id: self.next_id(),
        };
        self.until_success(|server| {
            let reply = match write {
                Write::Put => server.put(&args),
                Write::Append => server.append(&args),
            };
            matches!(reply.map(|reply| reply.result), Ok(Ok(()))).then_some(())
        })
    }

    fn next_id(&self) -> RequestId {
        RequestId {
            client: self.client,
            seq: self.last_seq.fetch_add(1, Ordering::Relaxed) + 1,
        }
    }

    /// Tries the servers in turn, starting with the last known leader, until `attempt`
    /// returns an answer.
    ///
    /// `get`, `put` and `append` (given) send one request through it and never give up:
    /// their `attempt` sends the request once to the server it is given and returns `None`
    /// when that server did not carry it out (the call failed, or the server answered
    /// `WrongLeader`, `Timeout` or `ShuttingDown`). So this must return only an answer, try
    /// every server (a server that does not answer fails the call within about 100 ms), start
    /// with the one that answered last and remember who answered, and pause `ROUND_BACKOFF`
    /// (given, `labsim::thread::sleep`) after a round in which nobody did, so that an
    /// election in progress is not flooded. Retrying the same request (same id) is safe: the
    /// servers apply a write once.
    // lab:solution 4A
    fn until_success<T>(&self, attempt: impl Fn(&KvClient) -> Option<T>) -> T {
        let count = self.servers.len();
        loop {
            let first = self.leader.load(Ordering::Relaxed);
            for offset in 0..count {
                let index = (first + offset) % count;
                if let Some(answer) = attempt(&self.servers[index]) {
                    self.leader.store(index, Ordering::Relaxed);
                    return answer;
                }
            }
            labsim::thread::sleep(ROUND_BACKOFF);
        }
    }
}
