//! The Raft tester: a cluster of peers on a simulated network, the course's checks over
//! what they apply, and the crash and restart procedure (reference sections 3.2 and 4.2).
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
use labsim::channel::Receiver;
use labsim::sync::Mutex;
use labsim::thread::{sleep, JoinHandle};
use labsim::time::Instant;
use labtest::{Counts, Run, TestInfo};
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

/// The largest Raft state (bytes) any peer may persist during the 3D tests.
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
/// Length of the random client-end names `start1` makes.
const END_NAME_LENGTH: usize = 20;

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

/// The peers and how they are wired, under one lock (the course's `cfg.mu`).
struct Peers {
    rafts: Vec<Option<Raft>>,
    persisters: Vec<Arc<Persister>>,
    /// Each peer's outgoing end names, one per peer; `None` once a crash deleted them.
    end_names: Vec<Option<Vec<String>>>,
    connected: Vec<bool>,
    appliers: Vec<Option<JoinHandle<()>>>,
    /// A handle on each running peer's apply channel, for the apply watch.
    apply_receivers: Vec<Option<Receiver<ApplyMsg>>>,
}

/// The counters at the banner, for the result line.
struct Baseline {
    rpcs: u64,
    bytes: u64,
    max_index: u64,
}

/// A test cluster.
pub struct Config {
    net: Network,
    n: usize,
    snapshots: bool,
    peers: Arc<Mutex<Peers>>,
    applied: Arc<Mutex<Applied>>,
    /// Who led which term, from every observation.
    leadership: Arc<Mutex<Leadership>>,
    /// The leader watch and the apply watch; `None` once stopped.
    watchers: Option<Watchers>,
    run: Mutex<Run>,
    baseline: Baseline,
    passed: Mutex<bool>,
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

fn server_name(peer: usize) -> String {
    peer.to_string()
}

impl Config {
    /// Starts `spec.servers` peers on a network with long delays, connects them all, and
    /// prints the banner.
    pub fn new(spec: Spec) -> Config {
        labtest::init_logging();
        let net = Network::new();
        net.set_reliable(!spec.unreliable);
        // As in the course: calls to unreachable peers take up to 7 s to fail, so a leader
        // that sends synchronously falls behind.
        net.set_long_delays(true);
        let n = spec.servers;
        let peers = Peers {
            rafts: vec![None; n],
            persisters: (0..n).map(|_| Arc::new(Persister::new())).collect(),
            end_names: vec![None; n],
            connected: vec![false; n],
            appliers: (0..n).map(|_| None).collect(),
            apply_receivers: vec![None; n],
        };
        let info = TestInfo {
            lab: "raft",
            part: spec.part,
            test: spec.test,
            title: spec.title.into(),
            peers: n,
            seed: net.seed(),
        };
        let mut config = Config {
            net,
            n,
            snapshots: spec.snapshots,
            peers: Arc::new(Mutex::new(peers)),
            applied: Arc::new(Mutex::new(Applied::new(n))),
            leadership: Arc::new(Mutex::new(Leadership::default())),
            watchers: None,
            run: Mutex::new(Run::begin(info)),
            baseline: Baseline {
                rpcs: 0,
                bytes: 0,
                max_index: 0,
            },
            passed: Mutex::new(false),
        };
        for peer in 0..n {
            config.start1(peer);
        }
        for peer in 0..n {
            config.connect(peer);
        }
        config.watchers = Some(Watchers::start(
            Arc::clone(&config.peers),
            Arc::clone(&config.applied),
            Arc::clone(&config.leadership),
        ));
        config.baseline = Baseline {
            rpcs: config.net.total_count(),
            bytes: config.net.total_bytes(),
            max_index: config.applied.lock().max_index,
        };
        config
    }

    /// How many peers.
    pub fn n(&self) -> usize {
        self.n
    }

    /// A random number from the network's seeded RNG.
    pub fn random(&self) -> u64 {
        self.net.with_rng(|rng| rng.gen::<u64>() >> 1)
    }

    /// A random number below `bound`.
    pub fn random_below(&self, bound: u64) -> u64 {
        self.net.with_rng(|rng| rng.gen_range(0..bound))
    }

    /// A random command.
    pub fn random_command(&self) -> Vec<u8> {
        command(self.random())
    }

    /// A random string of `length` letters and digits.
    pub fn random_string(&self, length: usize) -> String {
        self.net.with_rng(|rng| {
            (0..length)
                .map(|_| rng.sample(Alphanumeric) as char)
                .collect()
        })
    }

    /// The peer's Raft, if it is running.
    pub fn raft(&self, peer: usize) -> Option<Raft> {
        self.peers.lock().rafts[peer].clone()
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
        self.peers.lock().connected[peer]
    }

    // ----- wiring ---------------------------------------------------------------------------

    /// Attaches the peer to the network: its ends to, and the ends from, every connected peer.
    pub fn connect(&self, peer: usize) {
        log::info!(target: "tester", "connect: S{peer}");
        let mut peers = self.peers.lock();
        peers.connected[peer] = true;
        self.set_links(&peers, peer, true);
    }

    /// Detaches the peer: none of its ends, nor any end to it, carry calls.
    pub fn disconnect(&self, peer: usize) {
        log::info!(target: "tester", "disconnect: S{peer}");
        let mut peers = self.peers.lock();
        peers.connected[peer] = false;
        self.set_links(&peers, peer, false);
    }

    /// Enables or disables the links between `peer` and the connected peers (all of them,
    /// when disabling).
    fn set_links(&self, peers: &Peers, peer: usize, enabled: bool) {
        for other in 0..self.n {
            if enabled && !peers.connected[other] {
                continue;
            }
            if let Some(names) = &peers.end_names[peer] {
                self.enable_end(&names[other], enabled);
            }
            if let Some(names) = &peers.end_names[other] {
                self.enable_end(&names[peer], enabled);
            }
        }
    }

    fn enable_end(&self, name: &str, enabled: bool) {
        self.net
            .enable(name, enabled)
            .unwrap_or_else(|error| panic!("tester wiring: {error}"));
    }

    /// Unreliable (`true`) or reliable network.
    pub fn set_unreliable(&self, unreliable: bool) {
        log::info!(target: "tester", "reliable: {}", if unreliable { "off" } else { "on" });
        self.net.set_reliable(!unreliable);
    }

    /// Long reordering of replies on or off.
    pub fn set_long_reordering(&self, on: bool) {
        log::info!(target: "tester", "long reordering: {}", if on { "on" } else { "off" });
        self.net.set_long_reordering(on);
    }

    // ----- crash and restart ------------------------------------------------------------------

    /// Crashes the peer (section 3.2 crash1): disconnect it; delete its server, so calls to it
    /// fail and no late reply gets through; delete its outgoing ends, so its threads' calls
    /// end at once; copy its persister, so the dying instance writes into an orphan; kill it
    /// (joining its threads); and keep a fresh persister holding the copied state.
    pub fn crash1(&self, peer: usize) {
        log::info!(target: "tester", "crash: S{peer}");
        self.disconnect(peer);
        self.net.delete_server(&server_name(peer));
        let (raft, applier) = {
            let mut peers = self.peers.lock();
            for name in peers.end_names[peer].take().into_iter().flatten() {
                let _ = self.net.delete_end(&name);
            }
            let copy = peers.persisters[peer].copy();
            peers.persisters[peer] = Arc::new(copy);
            (peers.rafts[peer].take(), peers.appliers[peer].take())
        };
        if let Some(raft) = raft {
            raft.kill();
        }
        if let Some(applier) = applier {
            // Its channel closed when the killed peer's applier ended.
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
    /// if it runs; give it fresh outgoing end names; reset what it applied; ingest its snapshot
    /// as a service would; start Raft and its applier; host it on a new server.
    pub fn start1(&self, peer: usize) {
        self.crash1(peer);
        log::info!(target: "tester", "restart: S{peer}");
        let names: Vec<String> = (0..self.n)
            .map(|_| self.random_string(END_NAME_LENGTH))
            .collect();
        let ends = names
            .iter()
            .enumerate()
            .map(|(other, name)| {
                let end = self
                    .net
                    .create_end(name.clone())
                    .expect("fresh end names are unique");
                self.net
                    .connect(name, &server_name(other))
                    .expect("the end exists");
                end
            })
            .collect();
        let persister = {
            let mut peers = self.peers.lock();
            peers.end_names[peer] = Some(names);
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
        let raft = Raft::new(ends, peer, persister, apply_tx);
        let applier = applier::spawn(
            peer,
            apply_rx.clone(),
            raft.clone(),
            Arc::clone(&self.applied),
            self.snapshots,
        );
        let server = Server::new().with_service(raft.service());
        let mut peers = self.peers.lock();
        peers.rafts[peer] = Some(raft);
        peers.appliers[peer] = Some(applier);
        peers.apply_receivers[peer] = Some(apply_rx);
        self.net.add_server(server_name(peer), server);
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
            for peer in (0..self.n).filter(|peer| self.is_connected(*peer)) {
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
        for peer in (0..self.n).filter(|peer| self.is_connected(*peer)) {
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
        for peer in (0..self.n).filter(|peer| self.is_connected(*peer)) {
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
                let moved_on = (0..self.n)
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
            for _ in 0..self.n {
                let peer = next_peer;
                next_peer = (next_peer + 1) % self.n;
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
        self.net.count(&server_name(peer))
    }

    /// Every RPC sent so far.
    pub fn rpc_total(&self) -> u64 {
        self.net.total_count()
    }

    /// Every byte carried so far.
    pub fn bytes_total(&self) -> u64 {
        self.net.total_bytes()
    }

    /// The largest Raft state any peer has persisted.
    pub fn log_size(&self) -> usize {
        let peers = self.peers.lock();
        peers
            .persisters
            .iter()
            .map(|persister| persister.raft_state_size())
            .max()
            .unwrap_or(0)
    }

    fn counts(&self) -> Counts {
        Counts {
            rpcs: self.net.total_count() - self.baseline.rpcs,
            bytes: self.net.total_bytes() - self.baseline.bytes,
            commits: Some(self.applied.lock().max_index - self.baseline.max_index),
            ops: None,
        }
    }

    /// Ends the test: checks the time limit and the appliers, prints the result line.
    pub fn end(&self) {
        self.check_invariants();
        let counts = self.counts();
        self.run.lock().pass(counts);
        *self.passed.lock() = true;
    }
}

impl Drop for Config {
    /// Stops the leader watch; closes the network, so that calls blocked on it end; kills
    /// every peer (joining its threads) and joins the appliers, with the apply watch still
    /// unblocking a stuck apply loop; stops the apply watch; records a failure if `end`
    /// never ran.
    fn drop(&mut self) {
        if let Some(watchers) = &mut self.watchers {
            watchers.stop_leader_watch();
        }
        self.net.cleanup();
        let (rafts, appliers) = {
            let mut peers = self.peers.lock();
            let rafts: Vec<Raft> = peers.rafts.iter_mut().filter_map(Option::take).collect();
            let appliers: Vec<JoinHandle<()>> =
                peers.appliers.iter_mut().filter_map(Option::take).collect();
            (rafts, appliers)
        };
        for raft in rafts {
            raft.kill();
        }
        for applier in appliers {
            let _ = applier.join();
        }
        drop(self.watchers.take());
        if !*self.passed.lock() {
            let counts = self.counts();
            self.run.lock().fail(counts);
        }
    }
}

/// A command for messages: its number, or its length.
fn describe(command: &[u8]) -> String {
    match labcodec::decode::<u64>(command) {
        Ok(value) => value.to_string(),
        Err(_) => format!("<{} bytes>", command.len()),
    }
}
