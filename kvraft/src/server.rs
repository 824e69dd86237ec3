//! The key/value server: RPC handlers that submit commands to Raft, and an applier thread
//! that applies committed commands and wakes the handler waiting for each.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use labrpc::{ClientEnd, Service};
use parking_lot::Mutex;
use raft::{ApplyMsg, Persister, Raft};

use crate::rpc::{
    Command, GetArgs, GetReply, KvError, KvHandler, KvResult, Op, PutAppendArgs, PutAppendReply,
};
use crate::store::Store;

/// How long a handler waits for its command to be applied before telling the clerk to try
/// elsewhere. Long enough for a healthy leader (a few milliseconds) with room for an
/// election; short enough that a clerk stuck on a partitioned leader moves on.
const APPLY_TIMEOUT: Duration = Duration::from_millis(1000);

/// How often a waiting handler checks whether its server lost leadership, so that it can
/// send the clerk elsewhere without waiting out the whole timeout.
const LEADERSHIP_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// Snapshot once Raft's persisted state reaches this fraction of `maxraftstate`, in percent.
/// Leaves room for the entries that commit while the snapshot is being taken.
const SNAPSHOT_THRESHOLD_PERCENT: usize = 80;

/// One replica of the key/value service.
pub struct KvServer {
    me: usize,
    raft: Raft,
    persister: Arc<Persister>,
    /// Snapshot when Raft's state nears this many bytes; `None` never snapshots.
    max_raft_state: Option<usize>,
    state: Mutex<ServerState>,
    applier: Mutex<Option<JoinHandle<()>>>,
    stop: Mutex<Option<Sender<()>>>,
}

/// What the handlers and the applier share.
struct ServerState {
    store: Store,
    /// Highest log index applied to `store`.
    last_applied: u64,
    /// Handlers waiting for the command they submitted at a log index.
    waiters: HashMap<u64, Waiter>,
    killed: bool,
}

/// A handler waiting for its command to be applied.
struct Waiter {
    /// The term the command was submitted in; a different term at that index means the
    /// command was lost.
    term: u64,
    command: Command,
    reply: Sender<KvResult<String>>,
}

impl KvServer {
    /// Starts a server: builds its Raft over `peers`, restores the latest snapshot, and starts
    /// the applier. `max_raft_state` is the course's `maxraftstate` (`None` for −1).
    pub fn start(
        peers: Vec<ClientEnd>,
        me: usize,
        persister: Arc<Persister>,
        max_raft_state: Option<usize>,
    ) -> Arc<KvServer> {
        let (apply_sender, apply_receiver) = crossbeam_channel::unbounded();
        let raft = Raft::new(peers, me, Arc::clone(&persister), apply_sender);
        let store = Store::from_snapshot(&persister.snapshot());
        let (stop_sender, stop_receiver) = crossbeam_channel::bounded(0);
        let server = Arc::new(KvServer {
            me,
            raft,
            persister,
            max_raft_state,
            state: Mutex::new(ServerState {
                store,
                last_applied: 0,
                waiters: HashMap::new(),
                killed: false,
            }),
            applier: Mutex::new(None),
            stop: Mutex::new(Some(stop_sender)),
        });
        let applier = Arc::clone(&server);
        let handle = std::thread::Builder::new()
            .name(format!("kv{me}-applier"))
            .spawn(move || applier.run_applier(apply_receiver, stop_receiver))
            .expect("spawn the key/value applier thread");
        *server.applier.lock() = Some(handle);
        server
    }

    /// The services to host on this server's labrpc server: the key/value service and Raft.
    pub fn services(self: &Arc<Self>) -> Vec<Box<dyn Service>> {
        vec![
            KvHandler::into_service(Arc::clone(self)),
            self.raft.service(),
        ]
    }

    /// This server's Raft, for testers that look at terms and leadership.
    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    /// Stops the server and its Raft, and joins their threads. Idempotent.
    pub fn kill(&self) {
        self.raft.kill();
        {
            let mut state = self.state.lock();
            state.killed = true;
            // Dropping the waiters' senders wakes every waiting handler.
            state.waiters.clear();
        }
        drop(self.stop.lock().take());
        if let Some(handle) = self.applier.lock().take() {
            let _ = handle.join();
        }
    }

    /// Submits a command through Raft and waits until it is applied, leadership is lost, or
    /// the timeout passes.
    // lab:solution 4A
    fn submit(&self, command: Command) -> KvResult<String> {
        let (reply_sender, reply_receiver) = crossbeam_channel::bounded(1);
        let term = {
            let mut state = self.state.lock();
            if state.killed {
                return Err(KvError::ShuttingDown);
            }
            if state.store.is_duplicate(&command) {
                return Ok(String::new());
            }
            let (index, term) = self
                .raft
                .start(labcodec::encode(&command))
                .map_err(|_| KvError::WrongLeader)?;
            log::debug!(target: "kvraft", "S{} T{term} client: submitted {:?} at {index}", self.me, command.id);
            let waiter = Waiter {
                term,
                command,
                reply: reply_sender,
            };
            state.waiters.insert(index, waiter);
            term
        };
        self.wait_for_apply(&reply_receiver, term)
    }

    // lab:solution 4A
    fn wait_for_apply(&self, receiver: &Receiver<KvResult<String>>, term: u64) -> KvResult<String> {
        let deadline = Instant::now() + APPLY_TIMEOUT;
        loop {
            match receiver.recv_timeout(LEADERSHIP_CHECK_INTERVAL) {
                Ok(result) => return result,
                // The server is shutting down, or another command took our index.
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                    return Err(KvError::WrongLeader)
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            }
            let (current_term, is_leader) = self.raft.state();
            if current_term != term || !is_leader {
                return Err(KvError::WrongLeader);
            }
            if Instant::now() >= deadline {
                return Err(KvError::Timeout);
            }
        }
    }

    /// The applier: applies what Raft commits, in order, until stopped.
    fn run_applier(&self, applied: Receiver<ApplyMsg>, stop: Receiver<()>) {
        loop {
            crossbeam_channel::select! {
                recv(applied) -> message => match message {
                    Ok(message) => self.apply(message),
                    Err(_) => return,
                },
                recv(stop) -> _ => return,
            }
        }
    }

    // lab:solution 4A
    fn apply(&self, message: ApplyMsg) {
        let mut state = self.state.lock();
        match message {
            ApplyMsg::Command {
                index,
                term,
                command,
            } => {
                if index <= state.last_applied {
                    return;
                }
                state.last_applied = index;
                let command: Command = labcodec::decode(&command).unwrap_or_else(|error| {
                    panic!("S{} cannot decode log entry {index}: {error}", self.me)
                });
                let result = state.store.apply(&command);
                if let Some(waiter) = state.waiters.remove(&index) {
                    let outcome = if waiter.term == term && waiter.command == command {
                        result
                    } else {
                        Err(KvError::WrongLeader)
                    };
                    let _ = waiter.reply.send(outcome);
                }
                self.maybe_snapshot(&state, index);
            }
            ApplyMsg::Snapshot {
                index, snapshot, ..
            } => {
                if index <= state.last_applied {
                    return;
                }
                log::debug!(target: "kvraft", "S{} snapshot: installing snapshot at {index}", self.me);
                state.store = Store::from_snapshot(&snapshot);
                state.last_applied = index;
                // Commands waited on at or below the snapshot are settled without us.
                state
                    .waiters
                    .retain(|&waiting_index, _| waiting_index > index);
            }
        }
    }

    /// Hands Raft a snapshot when its persisted state nears the limit.
    // lab:solution 4B
    fn maybe_snapshot(&self, state: &ServerState, index: u64) {
        let Some(limit) = self.max_raft_state else {
            return;
        };
        if self.persister.raft_state_size() * 100 >= limit * SNAPSHOT_THRESHOLD_PERCENT {
            self.raft.snapshot(index, state.store.to_snapshot());
        }
    }
}

impl KvHandler for KvServer {
    fn get(&self, args: GetArgs) -> GetReply {
        let command = Command {
            id: args.id,
            op: Op::Get { key: args.key },
        };
        GetReply {
            result: self.submit(command),
        }
    }

    fn put(&self, args: PutAppendArgs) -> PutAppendReply {
        let command = Command {
            id: args.id,
            op: Op::Put {
                key: args.key,
                value: args.value,
            },
        };
        PutAppendReply {
            result: self.submit(command).map(drop),
        }
    }

    fn append(&self, args: PutAppendArgs) -> PutAppendReply {
        let command = Command {
            id: args.id,
            op: Op::Append {
                key: args.key,
                value: args.value,
            },
        };
        PutAppendReply {
            result: self.submit(command).map(drop),
        }
    }
}
