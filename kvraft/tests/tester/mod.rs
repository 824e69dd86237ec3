//! The kvraft tester: a cluster of key/value servers on the simulated network, with the
//! course's partition, crash and restart operations, clerks whose operations are counted and
//! recorded, and the checks of section 5 of the course's reference.
//!
//! Threads, locks, sleeps and the clock are labsim's, and every random choice comes from the
//! network's seeded RNG, so a test built inside a labsim simulation runs in virtual time
//! (its history's times too) and replays from the simulation's seed.

#![allow(dead_code)]

pub mod generic;

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kvraft::{Clerk, KvServer};
use labrpc::{Network, Server};
use labsim::sync::Mutex;
use labsim::time::Instant;
use linearizability::models::{KvInput, KvModel, KvOutput};
use linearizability::{check_operations, visualize, Operation, Verdict};
use raft::Persister;
use rand::seq::SliceRandom;
use rand::Rng;

/// The course's election timeout; tests sleep this long to let a new term start.
pub const ELECTION_TIMEOUT: Duration = Duration::from_millis(1000);

/// The course's time limit for one linearizability check; a check that takes longer is
/// reported as unknown and the history is accepted, as in the course.
pub const LINEARIZABILITY_TIMEOUT: Duration = Duration::from_secs(1);

/// A test's cluster.
pub struct Config {
    pub network: Network,
    pub n: usize,
    servers: Mutex<Vec<Option<Arc<KvServer>>>>,
    persisters: Mutex<Vec<Arc<Persister>>>,
    /// Per server, the names of its ends to every server.
    end_names: Mutex<Vec<Vec<String>>>,
    /// Clerk id → the names of its ends, by server.
    clerk_ends: Mutex<BTreeMap<u64, Vec<String>>>,
    next_clerk: AtomicU64,
    max_raft_state: Option<usize>,
    /// Clerk operations made through the test's wrappers (the result line's ops column).
    ops: AtomicU64,
    /// Every recorded operation, for the linearizability check.
    history: Mutex<Vec<Operation<KvInput, KvOutput>>>,
    started: Instant,
    lab_part: &'static str,
    test_name: &'static str,
    /// The sub-test in progress: begun by `begin`, closed by `end`.
    current: Mutex<Option<Run>>,
    /// The sides of the last partition, until `connect_all` heals it.
    last_partition: Mutex<Option<(Vec<usize>, Vec<usize>)>>,
}

/// One begun sub-test and the counters at its start.
struct Run {
    test: labtest::Run,
    rpcs: u64,
    bytes: u64,
    ops: u64,
}

/// A clerk made by the tester, with the names of its ends so the tester can cut it off.
pub struct TestClerk {
    pub id: u64,
    pub clerk: Clerk,
}

impl Config {
    /// A cluster of `n` servers, unreliable or not, with `max_raft_state` (`None` for −1).
    pub fn new(
        n: usize,
        unreliable: bool,
        max_raft_state: Option<usize>,
        part: &'static str,
        test: &'static str,
    ) -> Config {
        labtest::init_logging();
        let seed = labrpc::seed_from_env().unwrap_or_else(|error| panic!("{error}"));
        let network = Network::with_seed(seed);
        network.set_reliable(!unreliable);
        let config = Config {
            network,
            n,
            servers: Mutex::new(vec![None; n]),
            persisters: Mutex::new((0..n).map(|_| Arc::new(Persister::new())).collect()),
            end_names: Mutex::new(vec![Vec::new(); n]),
            clerk_ends: Mutex::new(BTreeMap::new()),
            next_clerk: AtomicU64::new(0),
            max_raft_state,
            ops: AtomicU64::new(0),
            history: Mutex::new(Vec::new()),
            started: Instant::now(),
            lab_part: part,
            test_name: test,
            current: Mutex::new(None),
            last_partition: Mutex::new(None),
        };
        for i in 0..n {
            config.start_server(i);
        }
        config.connect_all();
        config
    }

    fn random_name(&self) -> String {
        self.network.with_rng(|rng| {
            (0..20)
                .map(|_| rng.gen_range(b'a'..=b'z') as char)
                .collect()
        })
    }

    /// Starts (or restarts) server `i` from its saved state, with fresh end names so that ends
    /// from an earlier incarnation cannot reach anyone. It is not connected yet.
    pub fn start_server(&self, i: usize) {
        let names: Vec<String> = (0..self.n).map(|_| self.random_name()).collect();
        let ends = names
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let end = self
                    .network
                    .create_end(name.clone())
                    .expect("fresh end name");
                self.network
                    .connect(name, &j.to_string())
                    .expect("end exists");
                end
            })
            .collect();
        self.end_names.lock()[i] = names;
        let persister = Arc::new(self.persisters.lock()[i].copy());
        self.persisters.lock()[i] = Arc::clone(&persister);
        let kv = KvServer::start(ends, i, persister, self.max_raft_state);
        let mut server = Server::new();
        for service in kv.services() {
            server.add_service(service);
        }
        self.network.add_server(i.to_string(), server);
        self.servers.lock()[i] = Some(kv);
        log::info!(target: "tester", "restart {i}");
    }

    /// Crashes server `i`: cut it off, delete it from the network so in-flight calls fail,
    /// keep a copy of its persisted state, and kill it.
    pub fn shutdown_server(&self, i: usize) {
        log::info!(target: "tester", "crash {i}");
        self.disconnect(i, &self.all());
        self.network.delete_server(&i.to_string());
        for name in self.end_names.lock()[i].drain(..) {
            let _ = self.network.delete_end(&name);
        }
        let copy = Arc::new(self.persisters.lock()[i].copy());
        self.persisters.lock()[i] = copy;
        if let Some(kv) = self.servers.lock()[i].take() {
            kv.kill();
        }
    }

    pub fn all(&self) -> Vec<usize> {
        (0..self.n).collect()
    }

    fn set_link(&self, from: usize, to: usize, enabled: bool) {
        let names = self.end_names.lock();
        if let Some(name) = names[from].get(to) {
            let _ = self.network.enable(name, enabled);
        }
    }

    /// Enables the links between `i` and every server in `to`, both ways.
    pub fn connect(&self, i: usize, to: &[usize]) {
        for &j in to {
            self.set_link(i, j, true);
            self.set_link(j, i, true);
        }
    }

    /// Disables the links between `i` and every server in `from`, both ways.
    pub fn disconnect(&self, i: usize, from: &[usize]) {
        for &j in from {
            self.set_link(i, j, false);
            self.set_link(j, i, false);
        }
    }

    pub fn connect_all(&self) {
        *self.last_partition.lock() = None;
        let all = self.all();
        for i in 0..self.n {
            self.connect(i, &all);
        }
    }

    /// Connects each side internally and cuts every link between the sides.
    pub fn partition(&self, p1: &[usize], p2: &[usize]) {
        log::info!(target: "tester", "partition {p1:?} | {p2:?}");
        *self.last_partition.lock() = Some((p1.to_vec(), p2.to_vec()));
        for &i in p1 {
            self.disconnect(i, p2);
            self.connect(i, p1);
        }
        for &i in p2 {
            self.disconnect(i, p1);
            self.connect(i, p2);
        }
    }

    /// A partition with the current leader in the minority: `n/2 + 1` non-leaders, then the
    /// leader and the rest.
    pub fn make_partition(&self) -> (Vec<usize>, Vec<usize>) {
        let leader = self.leader().unwrap_or(0);
        let others: Vec<usize> = (0..self.n).filter(|&i| i != leader).collect();
        let majority = others[..self.n / 2 + 1].to_vec();
        let mut minority = others[self.n / 2 + 1..].to_vec();
        minority.push(leader);
        (majority, minority)
    }

    /// The server that believes it is leader with the highest term, if any.
    pub fn leader(&self) -> Option<usize> {
        self.leader_and_term().map(|(leader, _)| leader)
    }

    /// The server that believes it is leader with the highest term, and that term.
    pub fn leader_and_term(&self) -> Option<(usize, u64)> {
        let servers = self.servers.lock();
        servers
            .iter()
            .enumerate()
            .filter_map(|(i, kv)| {
                let (term, is_leader) = kv.as_ref()?.raft().state();
                is_leader.then_some((term, i))
            })
            .max()
            .map(|(term, i)| (i, term))
    }

    /// Starts every crashed server again.
    pub fn restart_crashed(&self) {
        let crashed: Vec<usize> = (0..self.n)
            .filter(|&i| self.servers.lock()[i].is_none())
            .collect();
        for i in crashed {
            self.start_server(i);
        }
    }

    /// Which servers are down and how the network is split, in a few words.
    pub fn fault_summary(&self) -> String {
        let crashed: Vec<usize> = (0..self.n)
            .filter(|&i| self.servers.lock()[i].is_none())
            .collect();
        let mut words = Vec::new();
        if !crashed.is_empty() {
            words.push(format!("down {crashed:?}"));
        }
        if let Some((left, right)) = self.last_partition.lock().as_ref() {
            words.push(format!("{left:?} | {right:?}"));
        }
        words.join(", ")
    }

    /// A clerk with ends to every server, in random order, enabled only towards `to`.
    pub fn make_clerk(&self, to: &[usize]) -> TestClerk {
        let mut order: Vec<usize> = self.all();
        self.network.with_rng(|rng| order.shuffle(rng));
        let names: Vec<String> = (0..self.n).map(|_| self.random_name()).collect();
        let ends = order
            .iter()
            .map(|&j| {
                let end = self
                    .network
                    .create_end(names[j].clone())
                    .expect("fresh end name");
                self.network
                    .connect(&names[j], &j.to_string())
                    .expect("end exists");
                end
            })
            .collect();
        let id = self.next_clerk.fetch_add(1, Ordering::Relaxed);
        self.clerk_ends.lock().insert(id, names);
        self.connect_clerk(id, to);
        TestClerk {
            id,
            clerk: Clerk::new(ends),
        }
    }

    /// Enables the clerk's ends to exactly the servers in `to`.
    pub fn connect_clerk(&self, clerk: u64, to: &[usize]) {
        let ends = self.clerk_ends.lock();
        for (j, name) in ends[&clerk].iter().enumerate() {
            let _ = self.network.enable(name, to.contains(&j));
        }
    }

    pub fn delete_clerk(&self, clerk: TestClerk) {
        for name in self.clerk_ends.lock().remove(&clerk.id).unwrap_or_default() {
            let _ = self.network.delete_end(&name);
        }
    }

    fn now(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }

    fn record(&self, client: usize, input: KvInput, call: u64, output: KvOutput) {
        let returned = self.now();
        self.ops.fetch_add(1, Ordering::Relaxed);
        self.history
            .lock()
            .push(Operation::new(client, input, call, output, returned));
    }

    /// `Get` through the clerk, counted and recorded in the history as client `client`.
    pub fn get(&self, clerk: &TestClerk, client: usize, key: &str) -> String {
        let call = self.now();
        let value = clerk.clerk.get(key);
        self.record(client, KvInput::get(key), call, KvOutput::new(&value));
        value
    }

    /// `Put` through the clerk, counted and recorded.
    pub fn put(&self, clerk: &TestClerk, client: usize, key: &str, value: &str) {
        let call = self.now();
        clerk.clerk.put(key, value);
        self.record(client, KvInput::put(key, value), call, KvOutput::default());
    }

    /// `Append` through the clerk, counted and recorded.
    pub fn append(&self, clerk: &TestClerk, client: usize, key: &str, value: &str) {
        let call = self.now();
        clerk.clerk.append(key, value);
        self.record(
            client,
            KvInput::append(key, value),
            call,
            KvOutput::default(),
        );
    }

    /// The largest Raft state over all servers' persisters.
    pub fn log_size(&self) -> usize {
        let persisters = self.persisters.lock();
        persisters
            .iter()
            .map(|p| p.raft_state_size())
            .max()
            .unwrap_or(0)
    }

    /// The largest snapshot over all servers' persisters.
    pub fn snapshot_size(&self) -> usize {
        let persisters = self.persisters.lock();
        persisters
            .iter()
            .map(|p| p.snapshot_size())
            .max()
            .unwrap_or(0)
    }

    /// Fails unless Raft state stays within 8 × maxraftstate, or, without snapshots, no
    /// snapshot was taken.
    pub fn check_log_sizes(&self) {
        match self.max_raft_state {
            Some(limit) => {
                let size = self.log_size();
                assert!(
                    size <= 8 * limit,
                    "logs were not trimmed ({size} > 8*{limit})"
                );
            }
            None => {
                let size = self.snapshot_size();
                assert_eq!(size, 0, "snapshot too large ({size}) for maxraftstate -1");
            }
        }
    }

    /// Checks the recorded history with the linearizability checker; on an illegal history
    /// writes the HTML picture and fails with its path. A check that gives up is accepted, as
    /// in the course, and says why. The verdict goes into the results line.
    pub fn check_linearizable(&self) {
        let history = self.history();
        log::info!(
            target: "tester",
            "history: {} operations, fingerprint {:016x}",
            history.len(),
            history_fingerprint(&history)
        );
        let result = check_operations(&KvModel, &history, Some(LINEARIZABILITY_TIMEOUT));
        if let Some(run) = self.current.lock().as_mut() {
            run.test.note_linearizability(result.describe());
        }
        match result.verdict {
            Verdict::Linearizable => {}
            Verdict::Unknown => println!(
                "info: linearizability check gave up ({}), assuming history is ok",
                result.describe()
            ),
            Verdict::Illegal => {
                let path = std::env::temp_dir().join(format!(
                    "kvraft-{}-{}.html",
                    self.test_name,
                    self.network.seed()
                ));
                match visualize::write_html(&KvModel, &history, &result, &path) {
                    Ok(()) => panic!("history is not linearizable; see {}", path.display()),
                    Err(error) => panic!("history is not linearizable (no picture: {error})"),
                }
            }
        }
    }

    /// A copy of the recorded history.
    pub fn history(&self) -> Vec<Operation<KvInput, KvOutput>> {
        self.history.lock().clone()
    }

    /// How many operations the history holds.
    pub fn history_len(&self) -> usize {
        self.history.lock().len()
    }

    pub fn op_count(&self) -> u64 {
        self.ops.load(Ordering::Relaxed)
    }

    /// `Get` through the clerk, which must return `expected`.
    pub fn check(&self, clerk: &TestClerk, client: usize, key: &str, expected: &str) {
        let value = self.get(clerk, client, key);
        assert_eq!(
            value, expected,
            "Get({key}): expected:\n{expected}\nreceived:\n{value}"
        );
    }

    /// Starts a (sub-)test: prints its banner and notes the counters.
    pub fn begin(&self, title: &str) {
        let test = labtest::Run::begin(labtest::TestInfo {
            lab: "kvraft",
            part: self.lab_part,
            test: self.test_name,
            // A handful of titles per test process; leaking them keeps TestInfo 'static.
            title: Box::leak(title.to_string().into_boxed_str()),
            peers: self.n,
            seed: self.network.seed(),
        });
        *self.current.lock() = Some(Run {
            test,
            rpcs: self.network.total_count(),
            bytes: self.network.total_bytes(),
            ops: self.op_count(),
        });
    }

    /// Ends the (sub-)test: checks its time limit, prints the result line, records figures.
    pub fn end(&self) {
        let mut run = self.current.lock().take().expect("end() without begin()");
        run.test.pass(labtest::Counts {
            rpcs: self.network.total_count() - run.rpcs,
            bytes: self.network.total_bytes() - run.bytes,
            commits: None,
            ops: Some(self.op_count() - run.ops),
        });
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
        self.network.cleanup();
        for kv in self.servers.lock().iter_mut().filter_map(Option::take) {
            kv.kill();
        }
    }
}
