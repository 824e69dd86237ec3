//! The kvraft tester: a cluster of key/value servers on the simulated network, with the
//! course's partition, crash and restart operations, clerks whose operations are counted and
//! recorded, and the checks of section 5 of the course's reference.
//!
//! The shared vocabulary is labtest's: the servers are a [`labtest::Cluster`] (wiring, links,
//! partitions, crash and restart, clerks' ends), a test's graded sub-tests are
//! [`labtest::Stages`], the clients' operations a [`labtest::History`], and the log-size check
//! is [`labtest::sizes::check_trimmed`]. What is kvraft's own: persisters that survive a
//! crash, the leader, and clerks whose calls are recorded.
//!
//! Threads, locks, sleeps and the clock are labsim's, and every random choice comes from the
//! network's seeded RNG, so a test built inside a labsim simulation runs in virtual time
//! (its history's times too) and replays from the simulation's seed.

#![allow(dead_code)]

pub mod generic;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use kvraft::{Clerk, KvServer};
use labrpc::{Network, Server};
use labsim::sync::Mutex;
use labsim::time::Instant;
use labtest::sizes::{self, Persisted};
use labtest::{Cluster, Counts, History, Stages, TestInfo, LINEARIZABILITY_TIMEOUT};
use linearizability::models::{KvInput, KvModel, KvOutput};
use linearizability::Operation;
use raft::Persister;

/// The course's election timeout; tests sleep this long to let a new term start.
pub const ELECTION_TIMEOUT: Duration = Duration::from_millis(1000);

/// What a test's cluster is: `Config::new(Spec { servers: 3, ..Spec::default() })`.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// `"4A"` or `"4B"` (the demo and the bench give their own).
    pub part: &'static str,
    /// The Rust test's name: in the results file and the picture's file name.
    pub test: &'static str,
    /// How many servers.
    pub servers: usize,
    /// Start with an unreliable network (requests and replies lost, replies delayed).
    pub unreliable: bool,
    /// The servers' `maxraftstate`; `None` is the course's −1: no snapshots.
    pub max_raft_state: Option<usize>,
}

impl Default for Spec {
    /// Five servers on a reliable network, without snapshots, as the course's generic test.
    fn default() -> Self {
        Spec {
            part: "",
            test: "",
            servers: 5,
            unreliable: false,
            max_raft_state: None,
        }
    }
}

/// A test's cluster.
pub struct Config {
    /// The servers, hosted as `"0"`, `"1"`, ...
    cluster: Cluster<Arc<KvServer>>,
    /// Per server, what it persisted: the running server's, or what survived its crash.
    persisters: Mutex<Vec<Arc<Persister>>>,
    max_raft_state: Option<usize>,
    /// Every recorded operation, for the linearizability check.
    history: History<KvInput, KvOutput>,
    /// The (sub-)tests' banners and result lines; its op count is the ops column.
    stages: Stages,
}

/// What a Get that returned the wrong value usually means, for a failure message.
pub fn wrong_value_hint(received: &str) -> &'static str {
    if received.is_empty() {
        "an empty value for a key that has one: the clerk returned a reply it should have \
         retried (the default reply of a failed call or of ErrWrongLeader has an empty value), \
         or a server answered before applying the key's writes"
    } else {
        "a stale read (a server answered the Get without going through the log, or as a \
         leader that had lost its majority), or a Put that reported done but did not take \
         effect last (a handler answered for a log index another leader had filled with a \
         different command, or the duplicate table took a new request for an old one)"
    }
}

/// A clerk made by the tester, with its number in the cluster so the tester can cut it off.
pub struct TestClerk {
    pub id: u64,
    pub clerk: Clerk,
}

impl Config {
    /// The servers of `spec`, started and connected. No stage has begun.
    pub fn new(spec: Spec) -> Config {
        labtest::init_logging();
        let seed = labrpc::seed_from_env().unwrap_or_else(|error| panic!("{error}"));
        let net = Arc::new(Network::with_seed(seed));
        net.set_reliable(!spec.unreliable);
        let names = (0..spec.servers).map(|i| i.to_string()).collect();
        let test = TestInfo {
            lab: "kvraft",
            part: spec.part,
            test: spec.test,
            title: String::new(),
            peers: spec.servers,
            seed,
        };
        let totals_net = Arc::clone(&net);
        let stages = Stages::new(test, true, move || Counts {
            rpcs: totals_net.total_count(),
            bytes: totals_net.total_bytes(),
            commits: None,
            ops: None,
        });
        let config = Config {
            cluster: Cluster::new(net, names),
            persisters: Mutex::new((0..spec.servers).map(|_| Arc::default()).collect()),
            max_raft_state: spec.max_raft_state,
            history: History::new(),
            stages,
        };
        for i in 0..spec.servers {
            config.restart(i);
        }
        config.connect_all();
        config
    }

    /// The network.
    pub fn network(&self) -> &Network {
        self.cluster.net()
    }

    /// How many servers.
    pub fn server_count(&self) -> usize {
        self.cluster.len()
    }

    /// Every server's number.
    pub fn all(&self) -> Vec<usize> {
        self.cluster.all()
    }

    /// Starts server `i`, which is down, from a copy of what it persisted, with fresh ends
    /// so that ends from an earlier incarnation cannot reach anyone. It stays disconnected
    /// until connected.
    pub fn restart(&self, i: usize) {
        let persister = Arc::new(self.persisters.lock()[i].copy());
        self.persisters.lock()[i] = Arc::clone(&persister);
        self.cluster.start(i, |incarnation| {
            let kv = KvServer::start(incarnation.peers, i, persister, self.max_raft_state);
            let mut server = Server::new();
            for service in kv.services() {
                server.add_service(service);
            }
            (kv, server)
        });
    }

    /// Crashes server `i`: cut it off, delete it from the network so in-flight calls fail,
    /// keep a copy of its persisted state, and kill it.
    pub fn crash(&self, i: usize) {
        let kv = self.cluster.crash(i);
        let copy = Arc::new(self.persisters.lock()[i].copy());
        self.persisters.lock()[i] = copy;
        if let Some(kv) = kv {
            kv.kill();
        }
    }

    /// Restarts every crashed server (disconnected, like [`restart`](Config::restart)).
    pub fn restart_crashed(&self) {
        for i in self.cluster.crashed() {
            self.restart(i);
        }
    }

    /// Heals any partition and connects every server.
    pub fn connect_all(&self) {
        self.cluster.connect_all();
    }

    /// Connects each side internally and cuts every link between the sides.
    pub fn partition(&self, p1: &[usize], p2: &[usize]) {
        self.cluster.partition(&[p1, p2]);
    }

    /// A partition with the current leader in the minority: `n/2 + 1` non-leaders, then the
    /// leader and the rest.
    pub fn make_partition(&self) -> (Vec<usize>, Vec<usize>) {
        let n = self.server_count();
        let leader = self.leader().unwrap_or(0);
        let others: Vec<usize> = (0..n).filter(|&i| i != leader).collect();
        let majority = others[..n / 2 + 1].to_vec();
        let mut minority = others[n / 2 + 1..].to_vec();
        minority.push(leader);
        (majority, minority)
    }

    /// The server that believes it is leader with the highest term, if any.
    pub fn leader(&self) -> Option<usize> {
        self.leader_and_term().map(|(leader, _)| leader)
    }

    /// The server that believes it is leader with the highest term, and that term.
    pub fn leader_and_term(&self) -> Option<(usize, u64)> {
        self.cluster
            .running()
            .into_iter()
            .filter_map(|(i, kv)| {
                let (term, is_leader) = kv.raft().state();
                is_leader.then_some((term, i))
            })
            .max()
            .map(|(term, i)| (i, term))
    }

    /// Which servers are down and how the network is split, in a few words.
    pub fn describe_faults(&self) -> String {
        self.cluster.describe_faults()
    }

    /// A clerk with ends to every server, in random order, enabled only towards `to`.
    pub fn make_clerk(&self, to: &[usize]) -> TestClerk {
        let ends = self.cluster.clerk_ends(to);
        TestClerk {
            id: ends.id,
            clerk: Clerk::new(ends.ends),
        }
    }

    /// Enables the clerk's ends to exactly the servers in `to`.
    pub fn connect_clerk(&self, clerk: u64, to: &[usize]) {
        self.cluster.connect_clerk(clerk, to);
    }

    /// Deletes the clerk's ends: its calls fail from now on.
    pub fn delete_clerk(&self, clerk: TestClerk) {
        self.cluster.delete_clerk(clerk.id);
    }

    /// Counts an operation for the result line and records it in the history.
    fn record(&self, client: usize, input: KvInput, call: u64, output: KvOutput) {
        self.stages.count_op();
        self.history.record(client, input, call, output);
    }

    /// `Get` through the clerk, counted and recorded in the history as client `client`.
    pub fn get(&self, clerk: &TestClerk, client: usize, key: &str) -> String {
        let call = self.history.now();
        let value = clerk.clerk.get(key);
        self.record(client, KvInput::get(key), call, KvOutput::new(&value));
        value
    }

    /// `Put` through the clerk, counted and recorded.
    pub fn put(&self, clerk: &TestClerk, client: usize, key: &str, value: &str) {
        let call = self.history.now();
        clerk.clerk.put(key, value);
        self.record(client, KvInput::put(key, value), call, KvOutput::default());
    }

    /// `Append` through the clerk, counted and recorded.
    pub fn append(&self, clerk: &TestClerk, client: usize, key: &str, value: &str) {
        let call = self.history.now();
        clerk.clerk.append(key, value);
        let input = KvInput::append(key, value);
        self.record(client, input, call, KvOutput::default());
    }

    /// `Get` through the clerk, which must return `expected`.
    ///
    /// # Panics
    ///
    /// With which Get it was, what the cluster looked like when it returned, and what a wrong
    /// value usually means.
    pub fn check(&self, clerk: &TestClerk, client: usize, key: &str, expected: &str) {
        let value = self.get(clerk, client, key);
        if value != expected {
            panic!(
                "Get({key:?}) by client {client} returned {value:?}, expected {expected:?}\n  \
                 when it returned: {}\n  what it usually means: {}",
                self.describe_get(clerk),
                wrong_value_hint(&value)
            );
        }
    }

    /// Whom a clerk's Get could have reached and who led when it returned, for a failure
    /// message. The tester does not see which server answered.
    pub fn describe_get(&self, clerk: &TestClerk) -> String {
        let leader = match self.leader_and_term() {
            Some((leader, term)) => format!("server {leader} thinks it leads, in term {term}"),
            None => "no server thinks it leads".to_string(),
        };
        let faults = match self.describe_faults() {
            faults if faults.is_empty() => String::new(),
            faults => format!("; faults: {faults}"),
        };
        format!(
            "the clerk reaches servers {:?}{faults}; {leader} (the tester cannot see which \
             server answered: log it in your Get handler)",
            self.cluster.clerk_reach(clerk.id)
        )
    }

    /// What every server has persisted (a crashed one: what survived its crash).
    pub fn persisted(&self) -> Vec<Persisted> {
        let persisters = self.persisters.lock();
        let servers = persisters.iter().enumerate();
        servers
            .map(|(i, persister)| Persisted {
                server: format!("server {i}"),
                raft_state: persister.raft_state_size(),
                snapshot: persister.snapshot_size(),
            })
            .collect()
    }

    /// The largest snapshot over all servers.
    pub fn snapshot_size(&self) -> usize {
        let persisted = self.persisted();
        persisted
            .iter()
            .map(|server| server.snapshot)
            .max()
            .unwrap_or(0)
    }

    /// The course's `checklogs`: Raft state within 8 × maxraftstate, or, without
    /// snapshots, no snapshot taken.
    pub fn check_log_sizes(&self) {
        sizes::check_trimmed(&self.persisted(), self.max_raft_state);
    }

    /// Checks the recorded history with the linearizability checker within the course's
    /// [`LINEARIZABILITY_TIMEOUT`] (see [`History::check`]). Logs the history's fingerprint
    /// first, for the replay test.
    pub fn check_linearizable(&self) {
        let history = self.history();
        log::info!(
            target: "tester",
            "history: {} operations, fingerprint {:016x}",
            history.len(),
            history_fingerprint(&history)
        );
        self.history
            .check(&KvModel, LINEARIZABILITY_TIMEOUT, &self.stages);
    }

    /// A copy of the recorded history.
    pub fn history(&self) -> Vec<Operation<KvInput, KvOutput>> {
        self.history.operations()
    }

    /// How many operations the history holds.
    pub fn history_len(&self) -> usize {
        self.history.len()
    }

    /// How many operations the tester's clerk wrappers made.
    pub fn op_count(&self) -> u64 {
        self.stages.ops()
    }

    /// Starts a (sub-)test: prints its banner and notes the counters.
    pub fn begin(&self, title: &str) {
        self.stages.begin(title);
    }

    /// Ends the (sub-)test: checks its time limit, prints the result line, records figures.
    pub fn end(&self) {
        self.stages.end();
    }
}

/// A fingerprint of a history: its encoded bytes hashed with a fixed key. Logged before each
/// check, so that two runs of one seed show in their logs that they recorded the same
/// history (the replay test compares the logs).
fn history_fingerprint(history: &[Operation<KvInput, KvOutput>]) -> u64 {
    let mut hasher = DefaultHasher::new();
    labcodec::encode(&history).hash(&mut hasher);
    hasher.finish()
}

/// The speed test of 4A and 4B: 1000 sequential appends from one clerk on 3 servers must
/// average under 33.3 ms each (at least 3 operations per 100 ms heartbeat interval). The
/// clerk is called directly, so the ops column stays 0 as in the course.
pub fn speed(config: &Config, part: &str) {
    const OPERATIONS: u32 = 1000;
    const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(100);
    const OPERATIONS_PER_INTERVAL: u32 = 3;
    let clerk = config.make_clerk(&config.all());
    config.begin(&format!("ops complete fast enough ({part})"));
    // Wait for a leader, so the clock measures operations, not the first election.
    clerk.clerk.get("x");
    let started = Instant::now();
    for i in 0..OPERATIONS {
        clerk.clerk.append("x", &format!("x 0 {i} y"));
    }
    let elapsed = started.elapsed();
    generic::check_client_appends(0, &clerk.clerk.get("x"), OPERATIONS as usize);
    let per_op = elapsed / OPERATIONS;
    let limit = HEARTBEAT_INTERVAL / OPERATIONS_PER_INTERVAL;
    println!("  ... {per_op:?} per operation");
    assert!(
        per_op <= limit,
        "Operations completed too slowly {per_op:?}/op > {limit:?}/op"
    );
    config.end();
}

impl Drop for Config {
    fn drop(&mut self) {
        // Close the network first so that threads blocked in calls end, then kill servers.
        self.network().cleanup();
        for kv in self.cluster.take_all() {
            kv.kill();
        }
    }
}
