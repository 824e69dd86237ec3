//! The Raft tester: a cluster of peers on a simulated network, the course's checks over
//! what they apply, and the crash and restart procedure (reference sections 3.2 and 4.2).
//!
//! The wiring (end names, links, crash's cut from the network, restart's fresh ends) is a
//! [`labtest::Cluster`] of [`Raft`]s named `"0"` .. `"n-1"`; the banner and the result line
//! are a [`labtest::Stages`] of one stage. What is Raft's own stays here: the persisters
//! that survive a crash, the appliers, and the checks.
//!
//! Each graded test builds a [`Config`], drives it, and calls [`Config::end`]; dropping the
//! config closes the network, kills every peer (joining its threads) and records the run.
//! The checks fail the test by panicking in the test's thread; an applier that sees a wrong
//! or out-of-order commit records the error, and the next check (every `one`, `wait`,
//! `n_committed`, `check_one_leader`, and `end`) fails the test with it. The same holds for
//! the invariants watched throughout the test (module `watch`): two leaders in one term, and
//! an apply loop stuck in `Raft::snapshot`.
//!
//! The apply channel is unbuffered (`bounded(0)`), as the course's is: Raft's send waits until
//! the tester's applier takes the message.
//!
//! Threads, locks, sleeps and the clock are labsim's, and every random choice comes from the
//! network's seeded RNG, so a test built inside a labsim simulation runs in virtual time and
//! replays from the simulation's seed.

// Each test binary (one per part) uses only some of the tester.
#![allow(dead_code)]

mod applier;
mod watch;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use labrpc::{Network, Server};
use labsim::channel::{Receiver, Sender};
use labsim::sync::Mutex;
use labsim::thread::{sleep, JoinHandle};
use labsim::time::Instant;
use labtest::{Cluster, Counts, Incarnation, Persisted, Stages, TestInfo};
use raft::{ApplyMsg, Persister, Raft};
use rand::distributions::Alphanumeric;
use rand::Rng;

pub use applier::Applied;
pub use watch::Leadership;
use watch::Watchers;

/// The tests' election timeout: "generously" long enough for any election to finish.
pub const RAFT_ELECTION_TIMEOUT: Duration = Duration::from_millis(1000);

/// The snapshot applier snapshots at every index `i` with `(i + 1) % SNAPSHOT_INTERVAL == 0`.
pub const SNAPSHOT_INTERVAL: u64 = 10;

/// The 3D tests fail once any peer's persisted Raft state reaches this many bytes (the
/// course's `MAXLOGSIZE`: its check is `LogSize() >= MAXLOGSIZE`).
pub const MAX_LOG_SIZE: usize = 2000;

/// `one()` keeps offering a command to the peers for this long.
const ONE_TIMEOUT: Duration = Duration::from_secs(10);
/// After a peer accepts a command, `one()` waits this long for it to commit.
const ONE_COMMIT_WAIT: Duration = Duration::from_secs(2);
/// How often `one()` checks whether the command committed.
const ONE_POLL: Duration = Duration::from_millis(20);
/// How long `one()` waits when no peer accepted the command.
const ONE_NO_LEADER_PAUSE: Duration = Duration::from_millis(50);
/// `check_one_leader` rounds: each sleeps 450-549 ms, so about 5 s in all.
const LEADER_CHECK_ROUNDS: usize = 10;

/// What a test is: its part, names and cluster.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// `"3A"` .. `"3D"`.
    pub part: &'static str,
    /// The Rust test's name.
    pub test: &'static str,
    /// The course's title.
    pub title: &'static str,
    /// How many peers.
    pub servers: usize,
    /// Start with an unreliable network.
    pub unreliable: bool,
    /// Use the snapshot applier (3D).
    pub snapshots: bool,
}

/// What the tester keeps for each peer beside its Raft (which the cluster holds), under one
/// lock.
struct Peers {
    /// The course's `saved`: what the peer persisted, kept across its crashes.
    persisters: Vec<Arc<Persister>>,
    /// The reader of each running peer's apply channel, and the sender whose drop stops it.
    appliers: Vec<Option<(JoinHandle<()>, Sender<()>)>>,
    /// A handle on each running peer's apply channel, for the apply watch.
    apply_receivers: Vec<Option<Receiver<ApplyMsg>>>,
}

/// A test cluster.
pub struct Config {
    /// The peers on the network: links, crashes, restarts.
    cluster: Arc<Cluster<Raft>>,
    snapshots: bool,
    peers: Arc<Mutex<Peers>>,
    applied: Arc<Mutex<Applied>>,
    /// Who led which term, from every observation.
    leadership: Arc<Mutex<Leadership>>,
    /// The leader watch and the apply watch; `None` once stopped.
    watchers: Option<Watchers>,
    /// The test's one stage: banner, result line, and a failure recorded on drop.
    stages: Stages,
}

/// A command as the tests use them: a number, encoded.
pub fn command(value: u64) -> Vec<u8> {
    labcodec::encode(&value)
}

/// A command that is a string (the byte-count test).
pub fn text_command(text: &str) -> Vec<u8> {
    labcodec::encode(text)
}

/// The number a command encodes.
pub fn command_value(command: &[u8]) -> u64 {
    labcodec::decode(command).unwrap_or_else(|error| panic!("value is not a number: {error}"))
}

impl Config {
    /// Starts `spec.servers` peers on a network with long delays, connects them all, and
    /// prints the banner.
    pub fn new(spec: Spec) -> Config {
        labtest::init_logging();
        let net = Arc::new(Network::new());
        net.set_reliable(!spec.unreliable);
        // As in the course: calls to unreachable peers take up to 7 s to fail, so a leader
        // that sends synchronously falls behind.
        net.set_long_delays(true);
        let n = spec.servers;
        let peers = Peers {
            persisters: (0..n).map(|_| Arc::new(Persister::new())).collect(),
            appliers: (0..n).map(|_| None).collect(),
            apply_receivers: vec![None; n],
        };
        let applied = Arc::new(Mutex::new(Applied::new(n)));
        let stages = Self::stages(&spec, &net, &applied);
        stages.begin(spec.title);
        let names = (0..n).map(|peer| peer.to_string()).collect();
        let mut config = Config {
            cluster: Arc::new(Cluster::new(net, names)),
            snapshots: spec.snapshots,
            peers: Arc::new(Mutex::new(peers)),
            applied,
            leadership: Arc::new(Mutex::new(Leadership::default())),
            watchers: None,
            stages,
        };
        for peer in 0..n {
            config.restart(peer);
        }
        for peer in 0..n {
            config.connect(peer);
        }
        config.watchers = Some(Watchers::start(
            Arc::clone(&config.cluster),
            Arc::clone(&config.peers),
            Arc::clone(&config.applied),
            Arc::clone(&config.leadership),
        ));
        config
    }

    /// The test's one stage, measured by the network's counters and the highest index any
    /// peer applied (the result line's commits).
    fn stages(spec: &Spec, net: &Arc<Network>, applied: &Arc<Mutex<Applied>>) -> Stages {
        let test = TestInfo {
            lab: "raft",
            part: spec.part,
            test: spec.test,
            title: String::new(),
            peers: spec.servers,
            seed: net.seed(),
        };
        let (net, applied) = (Arc::clone(net), Arc::clone(applied));
        Stages::new(test, false, move || Counts {
            rpcs: net.total_count(),
            bytes: net.total_bytes(),
            commits: Some(applied.lock().max_index),
            ops: None,
        })
    }

    /// How many peers.
    pub fn n(&self) -> usize {
        self.cluster.len()
    }

    /// The network.
    fn net(&self) -> &Network {
        self.cluster.net()
    }

    /// A random number from the network's seeded RNG.
    pub fn random(&self) -> u64 {
        self.net().with_rng(|rng| rng.gen::<u64>() >> 1)
    }

    /// A random number below `bound`.
    pub fn random_below(&self, bound: u64) -> u64 {
        self.net().with_rng(|rng| rng.gen_range(0..bound))
    }

    /// A random command.
    pub fn random_command(&self) -> Vec<u8> {
        command(self.random())
    }

    /// A random string of `length` letters and digits.
    pub fn random_string(&self, length: usize) -> String {
        self.net().with_rng(|rng| {
            (0..length)
                .map(|_| rng.sample(Alphanumeric) as char)
                .collect()
        })
    }

    /// The peer's Raft, if it is running.
    pub fn raft(&self, peer: usize) -> Option<Raft> {
        self.cluster.replica(peer)
    }

    /// Calls `start` on the peer if it runs: `Some((index, term))` if it accepted (and so led
    /// that term, which the leadership record notes).
    pub fn start(&self, peer: usize, command: Vec<u8>) -> Option<(u64, u64)> {
        let (index, term) = self.raft(peer)?.start(command).ok()?;
        self.leadership.lock().observe(peer, term, true);
        Some((index, term))
    }

    /// `(term, is_leader)` of a running peer (noted in the leadership record).
    pub fn state(&self, peer: usize) -> Option<(u64, bool)> {
        let (term, is_leader) = self.raft(peer)?.state();
        self.leadership.lock().observe(peer, term, is_leader);
        Some((term, is_leader))
    }

    /// Whether the peer is connected.
    pub fn is_connected(&self, peer: usize) -> bool {
        self.cluster.is_connected(peer)
    }

    // ----- wiring ---------------------------------------------------------------------------

    /// Attaches the peer to the network: its ends to, and the ends from, every connected peer.
    pub fn connect(&self, peer: usize) {
        self.cluster.connect(peer);
    }

    /// Detaches the peer: none of its ends, nor any end to it, carry calls.
    pub fn disconnect(&self, peer: usize) {
        self.cluster.disconnect(peer);
    }

    /// Unreliable (`true`) or reliable network.
    pub fn set_unreliable(&self, unreliable: bool) {
        log::info!(target: "tester", "reliable: {}", if unreliable { "off" } else { "on" });
        self.net().set_reliable(!unreliable);
    }

    /// Long reordering of replies on or off.
    pub fn set_long_reordering(&self, on: bool) {
        log::info!(target: "tester", "long reordering: {}", if on { "on" } else { "off" });
        self.net().set_long_reordering(on);
    }

    // ----- crash and restart ------------------------------------------------------------------

    /// Crashes the peer (section 3.2 crash1). The cluster disconnects it, deletes its server
    /// (so calls to it fail and no late reply gets through) and deletes its outgoing ends (so
    /// its threads' calls end at once). Then its persister is copied, so the dying instance
    /// writes into an orphan; it is killed (its threads joined); and a fresh persister keeps
    /// the copied state.
    pub fn crash(&self, peer: usize) {
        let raft = self.cluster.crash(peer);
        let applier = {
            let mut peers = self.peers.lock();
            let copy = peers.persisters[peer].copy();
            peers.persisters[peer] = Arc::new(copy);
            peers.appliers[peer].take()
        };
        if let Some(raft) = raft {
            raft.kill();
        }
        if let Some((applier, stop)) = applier {
            // The killed peer sends nothing more; its Raft may still hold the sender.
            drop(stop);
            applier
                .join()
                .expect("the tester's applier thread panicked");
        }
        let mut peers = self.peers.lock();
        // Kept until now for the apply watch, in case `kill` waited for a stuck apply loop.
        peers.apply_receivers[peer] = None;
        let state = peers.persisters[peer].copy();
        peers.persisters[peer] = Arc::new(state);
    }

    /// Restarts the peer (section 3.2 start1) from its persisted state, disconnected: crash it
    /// if it runs; the cluster gives it fresh outgoing ends and hosts it on a new server once
    /// [`Config::incarnate`] has built it.
    pub fn restart(&self, peer: usize) {
        self.crash(peer);
        self.cluster
            .start(peer, |incarnation| self.incarnate(incarnation));
    }

    /// A new incarnation of a peer, from its ends: reset what it applied; ingest its snapshot
    /// as a service would; start Raft on a fresh copy of its persister, and its applier.
    fn incarnate(&self, incarnation: Incarnation) -> (Raft, Server) {
        let peer = incarnation.member;
        let persister = {
            let mut peers = self.peers.lock();
            let copy = Arc::new(peers.persisters[peer].copy());
            peers.persisters[peer] = Arc::clone(&copy);
            copy
        };
        self.applied.lock().last_applied[peer] = 0;
        let snapshot = persister.snapshot();
        if !snapshot.is_empty() {
            let ingested = self.applied.lock().ingest_snapshot(peer, &snapshot, None);
            ingested.unwrap_or_else(|error| panic!("{error}"));
        }
        // Unbuffered, as in the course: a Raft that sends while holding its lock deadlocks
        // with the snapshot applier's call back into it (the apply watch reports it).
        let (apply_tx, apply_rx) = labsim::channel::bounded(0);
        let raft = Raft::new(incarnation.peers, peer, persister, apply_tx);
        let (stop, stopped) = labsim::channel::bounded(0);
        let applier = applier::spawn(
            peer,
            apply_rx.clone(),
            stopped,
            raft.clone(),
            Arc::clone(&self.applied),
            self.snapshots,
        );
        let mut peers = self.peers.lock();
        peers.appliers[peer] = Some((applier, stop));
        peers.apply_receivers[peer] = Some(apply_rx);
        let server = Server::new().with_service(raft.service());
        (raft, server)
    }

    // ----- checks -------------------------------------------------------------------------------

    /// Fails the test if any applier saw a wrong or out-of-order commit.
    pub fn check_apply_errors(&self) {
        if let Some(error) = self.applied.lock().first_error() {
            panic!("apply error: {error}");
        }
    }

    /// Fails the test if an invariant watched throughout it was broken: two leaders in one
    /// term, or an applier's error (a wrong or out-of-order commit, a stuck apply loop).
    pub fn check_invariants(&self) {
        if let Some(error) = self.leadership.lock().error() {
            panic!("{error}");
        }
        self.check_apply_errors();
    }

    /// Notes on apply loops stuck in `Raft::snapshot` now, for failure messages.
    fn stuck_note(&self) -> String {
        watch::snapshot_call_note(&self.applied)
    }

    /// Waits for exactly one connected leader in the highest term and returns it; fails if a
    /// term has two leaders, or if no leader appears within about 5 s.
    pub fn check_one_leader(&self) -> usize {
        for _ in 0..LEADER_CHECK_ROUNDS {
            let pause = 450 + self.random_below(100);
            sleep(Duration::from_millis(pause));
            self.check_invariants();
            let mut leaders: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
            for peer in (0..self.n()).filter(|peer| self.is_connected(*peer)) {
                if let Some((term, true)) = self.state(peer) {
                    leaders.entry(term).or_default().push(peer);
                }
            }
            for (term, peers) in &leaders {
                assert!(
                    peers.len() <= 1,
                    "term {term} has {} (>1) leaders",
                    peers.len()
                );
            }
            if let Some((_, peers)) = leaders.iter().next_back() {
                return peers[0];
            }
        }
        panic!("expected one leader, got none{}", self.stuck_note());
    }

    /// All connected peers must be in the same term; returns it.
    pub fn check_terms(&self) -> u64 {
        let mut agreed = None;
        for peer in (0..self.n()).filter(|peer| self.is_connected(*peer)) {
            let Some((term, _)) = self.state(peer) else {
                continue;
            };
            match agreed {
                None => agreed = Some(term),
                Some(expected) => assert_eq!(expected, term, "servers disagree on term"),
            }
        }
        agreed.unwrap_or(0)
    }

    /// No connected peer may think it is the leader.
    pub fn check_no_leader(&self) {
        for peer in (0..self.n()).filter(|peer| self.is_connected(*peer)) {
            if let Some((_, true)) = self.state(peer) {
                panic!(
                    "expected no leader among connected servers, but {peer} claims to be leader"
                );
            }
        }
    }

    /// How many peers have applied `index`, and the value, checking they agree.
    pub fn n_committed(&self, index: u64) -> (usize, Option<Vec<u8>>) {
        self.check_invariants();
        self.applied.lock().committed_at(index)
    }

    /// Waits, with growing pauses, for `n` peers to commit `index`; returns the value, or
    /// `None` if some peer moved past `start_term` meanwhile.
    pub fn wait(&self, index: u64, n: usize, start_term: Option<u64>) -> Option<Vec<u8>> {
        let mut pause = Duration::from_millis(10);
        for _ in 0..30 {
            if self.n_committed(index).0 >= n {
                break;
            }
            sleep(pause);
            if pause < Duration::from_secs(1) {
                pause *= 2;
            }
            if let Some(start_term) = start_term {
                let moved_on = (0..self.n())
                    .any(|peer| self.state(peer).is_some_and(|(term, _)| term > start_term));
                if moved_on {
                    return None;
                }
            }
        }
        let (count, value) = self.n_committed(index);
        assert!(
            count >= n,
            "only {count} decided for index {index}; wanted {n}{}",
            self.stuck_note()
        );
        value
    }

    /// Gets `command` committed by at least `expected` peers, offering it to the connected
    /// peers in turn for up to 10 s, and returns its index. Without `retry`, a leader that
    /// accepts but does not commit within 2 s fails the test.
    pub fn one(&self, command: &[u8], expected: usize, retry: bool) -> u64 {
        let started = Instant::now();
        let mut next_peer = 0;
        while started.elapsed() < ONE_TIMEOUT {
            let mut accepted = None;
            for _ in 0..self.n() {
                let peer = next_peer;
                next_peer = (next_peer + 1) % self.n();
                if self.is_connected(peer) {
                    if let Some((index, _)) = self.start(peer, command.to_vec()) {
                        accepted = Some(index);
                        break;
                    }
                }
            }
            let Some(index) = accepted else {
                sleep(ONE_NO_LEADER_PAUSE);
                continue;
            };
            if self.wait_for_commit(index, command, expected) {
                return index;
            }
            assert!(
                retry,
                "one({}) failed to reach agreement{}",
                describe(command),
                self.stuck_note()
            );
        }
        panic!(
            "one({}) failed to reach agreement{}",
            describe(command),
            self.stuck_note()
        );
    }

    /// Polls for `command` at `index` on at least `expected` peers.
    fn wait_for_commit(&self, index: u64, command: &[u8], expected: usize) -> bool {
        let started = Instant::now();
        while started.elapsed() < ONE_COMMIT_WAIT {
            let (count, value) = self.n_committed(index);
            if count > 0 && count >= expected && value.as_deref() == Some(command) {
                return true;
            }
            sleep(ONE_POLL);
        }
        false
    }

    /// How many calls reached the peer's handlers (its current server).
    pub fn rpc_count(&self, peer: usize) -> u64 {
        self.net().count(self.cluster.name(peer))
    }

    /// Every RPC sent so far.
    pub fn rpc_total(&self) -> u64 {
        self.net().total_count()
    }

    /// Every byte carried so far.
    pub fn bytes_total(&self) -> u64 {
        self.net().total_bytes()
    }

    /// What every peer has persisted (a crashed one: what it left).
    pub fn persisted(&self) -> Vec<Persisted> {
        let peers = self.peers.lock();
        let persisters = peers.persisters.iter().enumerate();
        persisters
            .map(|(peer, persister)| Persisted {
                server: format!("S{peer}"),
                raft_state: persister.raft_state_size(),
                snapshot: persister.snapshot_size(),
            })
            .collect()
    }

    /// 3D: fails the test if any peer's persisted Raft state has reached [`MAX_LOG_SIZE`],
    /// that is, if snapshots do not keep its log short.
    pub fn check_log_size(&self) {
        labtest::sizes::check_raft_state_under(&self.persisted(), MAX_LOG_SIZE);
    }

    /// Ends the test: checks the time limit and the appliers, prints the result line.
    pub fn end(&self) {
        self.check_invariants();
        self.stages.end();
    }
}

impl Drop for Config {
    /// Stops the leader watch; closes the network, so that calls blocked on it end; kills
    /// every peer (joining its threads) and joins the appliers, with the apply watch still
    /// unblocking a stuck apply loop; stops the apply watch. If `end` never ran, the stage
    /// records the failure when it is dropped, after all this.
    fn drop(&mut self) {
        if let Some(watchers) = &mut self.watchers {
            watchers.stop_leader_watch();
        }
        self.net().cleanup();
        let rafts = self.cluster.take_all();
        let appliers: Vec<(JoinHandle<()>, Sender<()>)> = {
            let mut peers = self.peers.lock();
            peers.appliers.iter_mut().filter_map(Option::take).collect()
        };
        for raft in rafts {
            raft.kill();
        }
        for (applier, stop) in appliers {
            drop(stop);
            let _ = applier.join();
        }
        drop(self.watchers.take());
    }
}

/// A command for messages: its number, or its length.
fn describe(command: &[u8]) -> String {
    match labcodec::decode::<u64>(command) {
        Ok(value) => value.to_string(),
        Err(_) => format!("<{} bytes>", command.len()),
    }
}
