//! The replicated state machine a service is built on (kvraft's server, and shardkv's
//! controller and replica groups).
//!
//! A handler [`submit`](Rsm::submit)s a command: Raft appends it, the applier thread applies
//! whatever Raft commits, in order, to the [`StateMachine`], and wakes the handler waiting
//! at that log index with the command's output. Near `maxraftstate` the applier hands Raft a
//! snapshot of the machine; after a restart the machine is restored from the latest one.
//!
//! A handler knows its command was the one applied at its index when the applied entry's
//! term equals the term `start` returned: one leader per term, and that leader puts one
//! entry at each index (Raft's Log Matching property). Any other term means the command was
//! lost, and the handler tells its caller to try elsewhere.
//!
//! Threads, locks, channels and time come from labsim, so a replica runs real or in a
//! deterministic simulation alike.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use labrpc::ClientEnd;
use labsim::channel::{Receiver, RecvTimeoutError, Sender};
use labsim::sync::Mutex;
use labsim::thread::JoinHandle;
use labsim::time::Instant;
use raft::{ApplyMsg, Persister, Raft};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::rpc::{KvError, KvResult};

/// How long a handler waits for its command to be applied before telling its caller to try
/// elsewhere. A healthy leader applies in milliseconds; this leaves room for an election,
/// and is short enough that a caller stuck on a deposed leader moves on.
const APPLY_TIMEOUT: Duration = Duration::from_millis(1000);

/// How often a waiting handler checks whether its server lost leadership, so that it can
/// send its caller elsewhere without waiting out the whole timeout.
const LEADERSHIP_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// Snapshot once Raft's persisted state reaches this fraction of `maxraftstate`, in percent.
/// Leaves room for the entries that commit while the snapshot is being taken.
const SNAPSHOT_THRESHOLD_PERCENT: usize = 80;

/// A deterministic state machine that Raft replicates.
pub trait StateMachine: Send + 'static {
    /// What goes through the log.
    type Command: Serialize + DeserializeOwned + std::fmt::Debug + Send;
    /// What the submitter of a command hears back.
    type Output: Send + 'static;

    /// Applies one committed command. Must depend only on the machine and the command.
    fn apply(&mut self, command: Self::Command) -> Self::Output;

    /// The whole machine as snapshot bytes.
    fn to_snapshot(&self) -> Vec<u8>;

    /// Replaces the machine with the one in `snapshot` (empty bytes: the initial machine).
    fn restore(&mut self, snapshot: &[u8]);
}

/// One replica: a Raft peer and the state machine it drives.
pub struct Rsm<S: StateMachine> {
    /// Who this replica is in log lines: `"ctrler 1"`, `"100-2"`.
    label: String,
    raft: Raft,
    persister: Arc<Persister>,
    /// Snapshot when Raft's state nears this many bytes; `None` never snapshots.
    max_raft_state: Option<usize>,
    state: Mutex<Shared<S>>,
    applier: Mutex<Option<JoinHandle<()>>>,
    /// Dropped by `kill` to stop the applier.
    stop: Mutex<Option<Sender<()>>>,
}

/// What handlers and the applier share.
struct Shared<S: StateMachine> {
    machine: S,
    /// Highest log index applied to `machine`.
    last_applied: u64,
    /// Per log index, the handler waiting for the command it submitted there.
    waiters: BTreeMap<u64, Waiter<S::Output>>,
    killed: bool,
}

/// A handler waiting for its command.
struct Waiter<T> {
    /// The term `start` returned; another term at the index means the command was lost.
    term: u64,
    reply: Sender<T>,
}

impl<S: StateMachine> Rsm<S> {
    /// Starts a replica over its Raft peers: restores `machine` from the latest snapshot and
    /// starts the applier. `label` names the replica in logs and thread names.
    pub fn start(
        label: String,
        peers: Vec<ClientEnd>,
        me: usize,
        persister: Arc<Persister>,
        max_raft_state: Option<usize>,
        mut machine: S,
    ) -> Arc<Rsm<S>> {
        let (apply_sender, apply_receiver) = labsim::channel::unbounded();
        let raft = Raft::new(peers, me, Arc::clone(&persister), apply_sender);
        machine.restore(&persister.snapshot());
        let (stop_sender, stop_receiver) = labsim::channel::bounded(0);
        let rsm = Arc::new(Rsm {
            label,
            raft,
            persister,
            max_raft_state,
            state: Mutex::new(Shared {
                machine,
                last_applied: 0,
                waiters: BTreeMap::new(),
                killed: false,
            }),
            applier: Mutex::new(None),
            stop: Mutex::new(Some(stop_sender)),
        });
        let applier = Arc::clone(&rsm);
        let handle = labsim::thread::spawn(format!("{}-applier", rsm.label), move || {
            applier.run_applier(apply_receiver, stop_receiver)
        });
        *rsm.applier.lock() = Some(handle);
        rsm
    }

    /// This replica's Raft peer.
    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    /// Whether this replica believes it is the leader.
    pub fn is_leader(&self) -> bool {
        self.raft.state().1
    }

    /// Whether [`kill`](Rsm::kill) was called.
    pub fn is_killed(&self) -> bool {
        self.state.lock().killed
    }

    /// Reads the state machine under the lock.
    pub fn read<T>(&self, look: impl FnOnce(&S) -> T) -> T {
        look(&self.state.lock().machine)
    }

    /// Stops the replica and its Raft and joins the applier. Idempotent.
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

    /// Submits `command` through Raft and waits until it is applied (its output), leadership
    /// is lost ([`KvError::WrongLeader`]) or the timeout passes ([`KvError::Timeout`]).
    // lab:solution 4A
    pub fn submit(&self, command: S::Command) -> KvResult<S::Output> {
        let (reply_sender, reply_receiver) = labsim::channel::bounded(1);
        let term = {
            let mut state = self.state.lock();
            if state.killed {
                return Err(KvError::ShuttingDown);
            }
            let description = format!("{command:?}");
            let (index, term) = self
                .raft
                .start(labcodec::encode(&command))
                .map_err(|_| KvError::WrongLeader)?;
            log::debug!(target: "rsm", "S{} T{term} client: {:.80} at {index}", self.label, description);
            let waiter = Waiter {
                term,
                reply: reply_sender,
            };
            state.waiters.insert(index, waiter);
            term
        };
        self.wait_for_apply(&reply_receiver, term)
    }

    // lab:solution 4A
    fn wait_for_apply(&self, receiver: &Receiver<S::Output>, term: u64) -> KvResult<S::Output> {
        let deadline = Instant::now() + APPLY_TIMEOUT;
        loop {
            match receiver.recv_timeout(LEADERSHIP_CHECK_INTERVAL) {
                Ok(output) => return Ok(output),
                // Shutting down, or another command took our index.
                Err(RecvTimeoutError::Disconnected) => return Err(KvError::WrongLeader),
                Err(RecvTimeoutError::Timeout) => {}
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
            labsim::select! {
                recv(applied) -> message => match message {
                    Ok(message) => self.apply(message),
                    Err(_) => return,
                },
                recv(stop) -> _ => return,
            }
        }
    }

    fn apply(&self, message: ApplyMsg) {
        let mut state = self.state.lock();
        match message {
            ApplyMsg::Command {
                index,
                term,
                command,
            } => self.apply_command(&mut state, index, term, &command),
            ApplyMsg::Snapshot {
                index, snapshot, ..
            } => {
                if index <= state.last_applied {
                    return;
                }
                log::debug!(target: "rsm", "S{} snapshot: installing snapshot at {index}", self.label);
                state.machine.restore(&snapshot);
                state.last_applied = index;
                // Commands waited on at or below the snapshot were settled without us.
                state
                    .waiters
                    .retain(|&waiting_index, _| waiting_index > index);
            }
        }
    }

    // lab:solution 4A
    fn apply_command(&self, state: &mut Shared<S>, index: u64, term: u64, bytes: &[u8]) {
        if index <= state.last_applied {
            return;
        }
        state.last_applied = index;
        let command: S::Command = labcodec::decode(bytes).unwrap_or_else(|error| {
            panic!("S{} cannot decode log entry {index}: {error}", self.label)
        });
        let output = state.machine.apply(command);
        if let Some(waiter) = state.waiters.remove(&index) {
            if waiter.term == term {
                let _ = waiter.reply.send(output);
            }
            // Otherwise dropping the sender tells the handler its command was lost.
        }
        self.maybe_snapshot(state, index);
    }

    /// Hands Raft a snapshot when its persisted state nears the limit.
    // lab:solution 4B
    fn maybe_snapshot(&self, state: &Shared<S>, index: u64) {
        let Some(limit) = self.max_raft_state else {
            return;
        };
        if self.persister.raft_state_size() * 100 >= limit * SNAPSHOT_THRESHOLD_PERCENT {
            self.raft.snapshot(index, state.machine.to_snapshot());
        }
    }
}
