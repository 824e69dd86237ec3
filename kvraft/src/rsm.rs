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
//!
//! # Logs
//!
//! On the target `kvraft`, in Raft's shape (`S<peer> T<term> <topic>: ...`, written with
//! [`raft::peer_log!`]) so that `lab logs` puts each replica in its peer's column:
//! `RUST_LOG=kvraft=debug` shows the commands a leader starts, the ones it lost or gave up
//! on, the snapshots taken and installed (and the server's answers, `server.rs`); `trace`
//! adds every applied index. The term is the highest this replica has seen its Raft in (from
//! `start`, from `state()` and from the entries it applies): finding the current one would
//! take Raft's lock, and a lock taken only when logging is on would change a simulation's
//! schedule, so a replay with more logging would no longer be the same run.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use labrpc::ClientEnd;
use labsim::channel::{Receiver, Sender};
// lab:hide 4A
use labsim::channel::RecvTimeoutError;
use labsim::sync::Mutex;
use labsim::thread::JoinHandle;
// lab:hide 4A
use labsim::time::Instant;
use raft::{ApplyMsg, Persister, Raft};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::rpc::KvResult;
// lab:hide 4A
use crate::rpc::KvError;

/// How long a handler waits for its command to be applied before telling its caller to try
/// elsewhere. A healthy leader applies in milliseconds; this leaves room for an election,
/// and is short enough that a caller stuck on a deposed leader moves on.
// lab:given 4A
const APPLY_TIMEOUT: Duration = Duration::from_millis(1000);

/// How often a waiting handler checks whether its server lost leadership, so that it can
/// send its caller elsewhere without waiting out the whole timeout.
// lab:given 4A
const LEADERSHIP_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// Snapshot once Raft's persisted state reaches this fraction of `maxraftstate`, in percent.
/// Leaves room for the entries that commit while the snapshot is being taken.
// lab:given 4B
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
    ///
    /// `restore(&to_snapshot())` must give back a machine that applies every later command
    /// as the original would: every replica that restores a snapshot must go on in step
    /// with those that never did.
    fn restore(&mut self, snapshot: &[u8]);
}

/// One replica: a Raft peer and the state machine it drives.
pub struct Rsm<S: StateMachine> {
    /// Who this replica is in thread names: `"1"`, `"ctrler 1"`, `"100-2"`.
    label: String,
    /// This replica's peer number: the `S<peer>` of its log lines.
    me: usize,
    /// The highest term this replica has seen its Raft in: the `T<term>` of its log lines.
    /// Atomic, so that reading it for a log line takes no lock (see the module's "Logs").
    known_term: AtomicU64,
    raft: Raft,
    /// What Raft persists; its `raft_state_size()` says when to snapshot.
    // lab:given 4B
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
    /// Highest log index applied to `machine` (or covered by the snapshot it was restored
    /// from).
    // lab:given 4A
    last_applied: u64,
    /// Per log index, the handler waiting for the command it submitted there.
    waiters: BTreeMap<u64, Waiter<S::Output>>,
    killed: bool,
}

/// A handler waiting for its command.
struct Waiter<T> {
    /// The term `start` returned; another term at the index means the command was lost.
    // lab:given 4A
    term: u64,
    /// Where the applier sends the command's output: a channel with room for one, so that
    /// the applier never blocks on it while it holds the lock. Dropping it unanswered tells
    /// the handler its command was lost (or the replica is shutting down).
    // lab:given 4A
    reply: Sender<T>,
}

impl<S: StateMachine> Rsm<S> {
    /// Starts a replica over its Raft peers: restores `machine` from the latest snapshot, if
    /// the persister holds one, and starts the applier. `label` names the replica in logs
    /// and thread names.
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
        // A replica that took a snapshot before it stopped starts from it; Raft's first
        // message is then the command after it.
        let snapshot = persister.snapshot();
        if !snapshot.is_empty() {
            machine.restore(&snapshot);
        }
        let (stop_sender, stop_receiver) = labsim::channel::bounded(0);
        let rsm = Arc::new(Rsm {
            label,
            me,
            known_term: AtomicU64::new(0),
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

    /// This replica's peer number, the `S<peer>` of its log lines.
    pub fn me(&self) -> usize {
        self.me
    }

    /// The term for this replica's log lines: the highest it has seen its Raft in, without
    /// asking Raft (see the module's "Logs").
    pub fn known_term(&self) -> u64 {
        self.known_term.load(Ordering::Relaxed)
    }

    /// Notes that this replica's Raft has reached `term`, for log lines.
    fn saw_term(&self, term: u64) {
        self.known_term.fetch_max(term, Ordering::Relaxed);
    }

    /// What a log line says before its text to name the service the replica belongs to:
    /// nothing when the label is the peer number (kvraft's servers), else the label
    /// (`"100-2: "` for replica 2 of shardkv's group 100, whose peer numbers repeat from
    /// group to group). Called only when a line is logged.
    fn tag(&self) -> String {
        if self.label == self.me.to_string() {
            String::new()
        } else {
            format!("{}: ", self.label)
        }
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

    /// Submits `command` through Raft and waits until it is applied: its output, or
    /// [`WrongLeader`](crate::rpc::KvError::WrongLeader) when this replica is not the leader
    /// or the command was lost, [`Timeout`](crate::rpc::KvError::Timeout) when it was not
    /// applied in time, [`ShuttingDown`](crate::rpc::KvError::ShuttingDown) after `kill`.
    ///
    /// What callers rely on (kvraft's handlers, and shardkv's controller and groups, which
    /// answer their clerks with this):
    ///
    /// - `Ok(output)` only if this very command was applied, at the index `raft.start` gave
    ///   it, and `output` is what [`StateMachine::apply`] returned for it. A different entry
    ///   at that index (another term) means the command was lost: answer `WrongLeader`.
    /// - It always returns, within about `APPLY_TIMEOUT` (given): a handler must not wait
    ///   forever for an index another leader filled. Notice a lost leadership or a new term
    ///   (`raft.state()`, every `LEADERSHIP_CHECK_INTERVAL`, given) and answer `WrongLeader`
    ///   without waiting out the timeout; the partition tests need it.
    /// - Never wait while holding the state lock: the applier needs it to apply anything.
    ///   Register a `Waiter` at the index in `waiters` (under the lock, together with the
    ///   call to `start`, so the applier cannot apply the index before the waiter is there),
    ///   then wait on its channel outside the lock. [`kill`](Rsm::kill) and
    ///   `install_snapshot` drop waiters, which disconnects their
    ///   channels: treat that as a lost command.
    // lab:solution 4A
    pub fn submit(&self, command: S::Command) -> KvResult<S::Output> {
        let (reply_sender, reply_receiver) = labsim::channel::bounded(1);
        let (index, term) = {
            let mut state = self.state.lock();
            if state.killed {
                return Err(KvError::ShuttingDown);
            }
            let (index, term) = self
                .raft
                .start(labcodec::encode(&command))
                .map_err(|_| KvError::WrongLeader)?;
            self.saw_term(term);
            raft::peer_log!(debug, target: "kvraft", peer: self.me, term: term, "client",
                "{}started at {index}: {}", self.tag(), Brief(&command));
            let waiter = Waiter {
                term,
                reply: reply_sender,
            };
            state.waiters.insert(index, waiter);
            (index, term)
        };
        self.wait_for_apply(&reply_receiver, index, term)
    }

    // lab:hide 4A
    fn wait_for_apply(
        &self,
        receiver: &Receiver<S::Output>,
        index: u64,
        term: u64,
    ) -> KvResult<S::Output> {
        let deadline = Instant::now() + APPLY_TIMEOUT;
        loop {
            match receiver.recv_timeout(LEADERSHIP_CHECK_INTERVAL) {
                Ok(output) => return Ok(output),
                // Shutting down, or another command took our index.
                Err(RecvTimeoutError::Disconnected) => return Err(KvError::WrongLeader),
                Err(RecvTimeoutError::Timeout) => {}
            }
            let (current_term, is_leader) = self.raft.state();
            self.saw_term(current_term);
            if current_term != term || !is_leader {
                raft::peer_log!(debug, target: "kvraft", peer: self.me, term: current_term,
                    "client", "{}gave up on index {index} of T{term}: no longer its leader",
                    self.tag());
                return Err(KvError::WrongLeader);
            }
            if Instant::now() >= deadline {
                raft::peer_log!(debug, target: "kvraft", peer: self.me, term: current_term,
                    "client", "{}gave up on index {index}: not applied within {APPLY_TIMEOUT:?}",
                    self.tag());
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

    /// Applies one message from Raft with the state locked: a command, then a snapshot if
    /// Raft's state nears the limit; or a snapshot Raft installed from the leader.
    fn apply(&self, message: ApplyMsg) {
        let mut state = self.state.lock();
        match message {
            ApplyMsg::Command {
                index,
                term,
                command,
            } => {
                self.saw_term(term);
                raft::peer_log!(trace, target: "kvraft", peer: self.me, term: self.known_term(),
                    "apply", "{}index {index} of T{term}", self.tag());
                self.apply_command(&mut state, index, term, &command);
                if let Some(limit) = self.max_raft_state {
                    self.maybe_snapshot(&state, limit);
                }
            }
            ApplyMsg::Snapshot {
                index,
                term,
                snapshot,
            } => {
                self.saw_term(term);
                raft::peer_log!(debug, target: "kvraft", peer: self.me, term: self.known_term(),
                    "snapshot", "{}the leader's, through index {index}", self.tag());
                self.install_snapshot(&mut state, index, &snapshot);
            }
        }
    }

    /// Applies the command Raft committed at `index` (in `term`) to the machine and answers
    /// the handler waiting there.
    ///
    /// Called by the applier with the state locked, for every committed command in index
    /// order. It must:
    ///
    /// - skip an index at or below `last_applied` (a snapshot already covers it), and
    ///   otherwise move `last_applied` to `index`: [`maybe_snapshot`](Rsm::maybe_snapshot)
    ///   snapshots the machine as of `last_applied`;
    /// - decode the bytes (`labcodec`, as [`submit`](Rsm::submit) encoded them) and apply
    ///   the command, whoever submitted it: every replica applies every command;
    /// - remove the waiter at `index`, if any, and send it the output only if its term is
    ///   `term` (otherwise another leader's entry took the index: drop the waiter unanswered);
    /// - never block: it holds the lock the handlers need.
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
            } else {
                // Dropping the sender tells the handler its command was lost.
                raft::peer_log!(debug, target: "kvraft", peer: self.me, term: self.known_term(),
                    "client", "{}lost index {index}: T{term}'s entry is there, not ours of T{}",
                    self.tag(), waiter.term);
            }
        }
    }

    /// Hands Raft a snapshot of the machine when Raft's persisted state nears `limit` bytes
    /// (the replica's `max_raft_state`).
    ///
    /// Called by the applier with the state locked after every committed command, only when
    /// the replica has a limit. The 4B tests allow Raft's state at most 8 × `limit` bytes at
    /// the end, under load: snapshot a little before the limit (at
    /// `SNAPSHOT_THRESHOLD_PERCENT`, given, of it), through `last_applied`, with
    /// [`StateMachine::to_snapshot`]. `raft.snapshot` may be called from here: Raft does not
    /// hold its lock while it sends on the apply channel.
    // lab:solution 4B
    fn maybe_snapshot(&self, state: &Shared<S>, limit: usize) {
        let size = self.persister.raft_state_size();
        if size * 100 >= limit * SNAPSHOT_THRESHOLD_PERCENT {
            raft::peer_log!(debug, target: "kvraft", peer: self.me, term: self.known_term(),
                "snapshot", "{}through index {} (Raft state {size} of {limit} bytes)",
                self.tag(), state.last_applied);
            self.raft
                .snapshot(state.last_applied, state.machine.to_snapshot());
        }
    }

    /// Replaces the machine with the snapshot Raft installed from the leader, which covers
    /// every command through `index`.
    ///
    /// Called by the applier with the state locked. Ignore a snapshot at or below
    /// `last_applied` (the machine is already past it). Otherwise restore the machine
    /// ([`StateMachine::restore`]), move `last_applied` to `index` (Raft's next command is
    /// `index + 1`), and drop the waiters at or below `index`: their commands were settled
    /// without this replica, which cannot tell their outputs, so their handlers answer
    /// `WrongLeader` and the clerks retry (a retried write is deduplicated).
    // lab:solution 4B
    fn install_snapshot(&self, state: &mut Shared<S>, index: u64, snapshot: &[u8]) {
        if index <= state.last_applied {
            return;
        }
        state.machine.restore(snapshot);
        state.last_applied = index;
        // Commands waited on at or below the snapshot were settled without us.
        state
            .waiters
            .retain(|&waiting_index, _| waiting_index > index);
    }
}

/// A command or an output as a log line shows it: its `Debug` form, cut after
/// [`Brief::MAX_CHARS`] characters, since appended values grow long and a line must stay
/// one line on the screen.
pub(crate) struct Brief<'a, T>(pub(crate) &'a T);

impl<T> Brief<'_, T> {
    /// The most characters of the `Debug` form a line shows.
    const MAX_CHARS: usize = 80;
}

impl<T: fmt::Debug> fmt::Display for Brief<'_, T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:?}", self.0);
        match text.char_indices().nth(Self::MAX_CHARS) {
            Some((cut, _)) => write!(formatter, "{}...", &text[..cut]),
            None => formatter.write_str(&text),
        }
    }
}
