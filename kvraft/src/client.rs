//! The clerk: a client library that finds the leader and retries until a request succeeds.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use labrpc::ClientEnd;

use crate::rpc::{GetArgs, KvClient, KvError, PutAppendArgs, RequestId};

/// How long a clerk pauses after every server has turned it away once, so that an election
/// in progress is not met with a storm of retries.
const ROUND_BACKOFF: Duration = Duration::from_millis(20);

/// A key/value client. Requests block until they succeed; a clerk sends one request at a
/// time (share it behind a lock, or give each thread its own).
pub struct Clerk {
    servers: Vec<KvClient>,
    /// Index of the server that last answered as leader; tried first.
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
