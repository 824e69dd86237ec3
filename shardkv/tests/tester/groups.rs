//! The harness of the shardkv tests: a controller cluster and three replica groups (gids
//! 100, 101, 102) of three servers each on one simulated network, with the course's group
//! operations (join, leave, crash and restart of one server or a whole group), clerks whose
//! operations are counted and recorded, and the checks of section 6.2 of the reference.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use labrpc::{Network, Server};
use labsim::sync::Mutex;
use labsim::time::Instant;
use linearizability::models::{KvInput, KvModel, KvOutput};
use linearizability::{check_operations, visualize, Operation, Verdict};
use raft::Persister;
use shardkv::ctrler::CtrlerClerk;
use shardkv::{Clerk, Config, Gid, MakeEnd, ShardKv};

use super::ctrler::Ctrlers;
use super::{make_end, random_name, Stage};

/// The course's three replica groups.
pub const GROUPS: usize = 3;

/// Servers per replica group.
pub const SERVERS_PER_GROUP: usize = 3;

/// The gid of group 0; group `i` is `FIRST_GID + i`.
const FIRST_GID: Gid = 100;

/// The course's time limit for one linearizability check; a check that takes longer is
/// reported as unknown and the history is accepted, as in the course.
pub const LINEARIZABILITY_TIMEOUT: Duration = Duration::from_secs(1);

/// If set, the path where [`Tester::check_linearizable`] writes the history it checks, one
/// operation per line (the replay test compares two runs' histories this way).
pub const HISTORY_VAR: &str = "LAB_HISTORY";

/// One replica group's servers and what the tester keeps for each.
struct Group {
    gid: Gid,
    servers: Vec<Option<Arc<ShardKv>>>,
    persisters: Vec<Arc<Persister>>,
    /// Per server, every end its current incarnation owns: to its peers, to the
    /// controller, and those its `make_end` made. Deleted when it crashes.
    ends: Vec<Arc<Mutex<Vec<String>>>>,
}

/// A test's world.
pub struct Tester {
    pub network: Arc<Network>,
    pub ctrlers: Ctrlers,
    /// The tester's own controller clerk (the course's `mck`).
    mck: CtrlerClerk,
    groups: Vec<Mutex<Group>>,
    max_raft_state: Option<usize>,
    pub stage: Stage,
    test: &'static str,
    /// Every operation made through the wrappers, for the linearizability check.
    history: Mutex<Vec<Operation<KvInput, KvOutput>>>,
    started: Instant,
    next_client: AtomicUsize,
}

/// A clerk made by the tester, and its number in the recorded history.
pub struct TestClerk {
    pub clerk: Clerk,
    pub client: usize,
}

impl Tester {
    /// A controller cluster and three started groups on a network, unreliable or not, with
    /// `max_raft_state` (`None` for the course's −1).
    pub fn new(
        part: &'static str,
        test: &'static str,
        unreliable: bool,
        max_raft_state: Option<usize>,
    ) -> Tester {
        labtest::init_logging();
        let seed = labrpc::seed_from_env().unwrap_or_else(|error| panic!("{error}"));
        let network = Arc::new(Network::with_seed(seed));
        network.set_reliable(!unreliable);
        let ctrlers = Ctrlers::start(Arc::clone(&network), "ctrler");
        let mck = ctrlers.make_clerk();
        let groups = (0..GROUPS)
            .map(|gi| {
                Mutex::new(Group {
                    gid: FIRST_GID + gi as Gid,
                    servers: vec![None; SERVERS_PER_GROUP],
                    persisters: (0..SERVERS_PER_GROUP)
                        .map(|_| Arc::new(Persister::new()))
                        .collect(),
                    ends: vec![Arc::default(); SERVERS_PER_GROUP],
                })
            })
            .collect();
        let stage = Stage::new(Arc::clone(&network), part, test, GROUPS * SERVERS_PER_GROUP);
        let tester = Tester {
            network,
            ctrlers,
            mck,
            groups,
            max_raft_state,
            stage,
            test,
            history: Mutex::new(Vec::new()),
            started: Instant::now(),
            next_client: AtomicUsize::new(0),
        };
        for gi in 0..GROUPS {
            tester.start_group(gi);
        }
        tester
    }

    /// The gid of group `gi`.
    pub fn gid(&self, gi: usize) -> Gid {
        self.groups[gi].lock().gid
    }

    fn server_name(gid: Gid, i: usize) -> String {
        format!("server-{gid}-{i}")
    }

    /// The names of group `gi`'s servers.
    pub fn server_names(&self, gi: usize) -> Vec<String> {
        let gid = self.gid(gi);
        (0..SERVERS_PER_GROUP)
            .map(|i| Self::server_name(gid, i))
            .collect()
    }

    /// A `make_end` whose ends are enabled and recorded in `names`.
    fn make_end_fn(&self, names: Arc<Mutex<Vec<String>>>) -> MakeEnd {
        let network = Arc::clone(&self.network);
        Arc::new(move |server: &str| make_end(&network, server, &names))
    }

    /// Starts (or restarts) server `i` of group `gi` from its saved state, with fresh ends.
    pub fn start_server(&self, gi: usize, i: usize) {
        let mut group = self.groups[gi].lock();
        let gid = group.gid;
        let names: Arc<Mutex<Vec<String>>> = Arc::default();
        let peers = (0..SERVERS_PER_GROUP)
            .map(|j| make_end(&self.network, &Self::server_name(gid, j), &names))
            .collect();
        let ctrler_ends = self.ctrlers.make_ends(&names);
        let persister = Arc::new(group.persisters[i].copy());
        group.persisters[i] = Arc::clone(&persister);
        let make_end = self.make_end_fn(Arc::clone(&names));
        let kv = ShardKv::start(
            peers,
            i,
            persister,
            self.max_raft_state,
            gid,
            ctrler_ends,
            make_end,
        );
        let mut server = Server::new();
        for service in kv.services() {
            server.add_service(service);
        }
        self.network.add_server(Self::server_name(gid, i), server);
        group.servers[i] = Some(kv);
        group.ends[i] = names;
        log::info!(target: "tester", "start {}", Self::server_name(gid, i));
    }

    /// Crashes server `i` of group `gi` as the course does: delete its ends and the server
    /// (so in-flight calls fail), keep a copy of its persisted state, kill it.
    pub fn shutdown_server(&self, gi: usize, i: usize) {
        let mut group = self.groups[gi].lock();
        log::info!(target: "tester", "crash {}", Self::server_name(group.gid, i));
        for name in group.ends[i].lock().drain(..) {
            let _ = self.network.delete_end(&name);
        }
        self.network.delete_server(&Self::server_name(group.gid, i));
        let copy = Arc::new(group.persisters[i].copy());
        group.persisters[i] = copy;
        if let Some(kv) = group.servers[i].take() {
            kv.kill();
        }
    }

    /// Starts every server of group `gi`.
    pub fn start_group(&self, gi: usize) {
        for i in 0..SERVERS_PER_GROUP {
            self.start_server(gi, i);
        }
    }

    /// Crashes every server of group `gi`.
    pub fn shutdown_group(&self, gi: usize) {
        for i in 0..SERVERS_PER_GROUP {
            self.shutdown_server(gi, i);
        }
    }

    /// Group `gi` joins through the controller.
    pub fn join(&self, gi: usize) {
        self.joinm(&[gi]);
    }

    /// Groups `gis` join in one Join.
    pub fn joinm(&self, gis: &[usize]) {
        let groups: BTreeMap<Gid, Vec<String>> = gis
            .iter()
            .map(|&gi| (self.gid(gi), self.server_names(gi)))
            .collect();
        log::info!(target: "tester", "join {:?}", groups.keys().collect::<Vec<_>>());
        self.mck
            .join(groups)
            .expect("network closed during the test");
    }

    /// Group `gi` leaves through the controller.
    pub fn leave(&self, gi: usize) {
        self.leavem(&[gi]);
    }

    /// Groups `gis` leave in one Leave.
    pub fn leavem(&self, gis: &[usize]) {
        let gids: Vec<Gid> = gis.iter().map(|&gi| self.gid(gi)).collect();
        log::info!(target: "tester", "leave {gids:?}");
        self.mck
            .leave(gids)
            .expect("network closed during the test");
    }

    /// The latest configuration.
    pub fn query(&self) -> Config {
        self.mck
            .query(None)
            .expect("network closed during the test")
    }

    /// A clerk with its own ends to the controller and to every server it needs.
    pub fn make_clerk(&self) -> TestClerk {
        self.make_clerk_of(&self.ctrlers)
    }

    /// A clerk that asks the controller cluster `ctrlers` (the rejection test's second
    /// controller) where shards are.
    pub fn make_clerk_of(&self, ctrlers: &Ctrlers) -> TestClerk {
        let names: Arc<Mutex<Vec<String>>> = Arc::default();
        let ctrler_ends = ctrlers.make_ends(&names);
        let clerk = Clerk::new(ctrler_ends, self.make_end_fn(names));
        TestClerk {
            clerk,
            client: self.next_client.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The course's `checklogs`: every server's Raft state within 8 × maxraftstate, or,
    /// without snapshots, no snapshot at all.
    pub fn check_logs(&self) {
        for group in &self.groups {
            let group = group.lock();
            for (i, persister) in group.persisters.iter().enumerate() {
                let (raft, snapshot) = (persister.raft_state_size(), persister.snapshot_size());
                match self.max_raft_state {
                    Some(limit) => assert!(
                        raft <= 8 * limit,
                        "persister.RaftStateSize() {raft}, but maxraftstate {limit} (server {}-{i})",
                        group.gid
                    ),
                    None => assert_eq!(snapshot, 0, "maxraftstate is -1, but snapshot is non-empty"),
                }
            }
        }
    }

    /// Raft state plus snapshot bytes over every server of every group.
    pub fn total_persisted_bytes(&self) -> usize {
        self.groups
            .iter()
            .flat_map(|group| {
                let group = group.lock();
                let sizes: Vec<usize> = group
                    .persisters
                    .iter()
                    .map(|p| p.raft_state_size() + p.snapshot_size())
                    .collect();
                sizes
            })
            .sum()
    }

    /// Shards installed by migration and their bytes: per group the most any of its running
    /// replicas installed (each replica installs the same shards), summed over groups.
    pub fn migrated(&self) -> (u64, u64) {
        self.groups.iter().fold((0, 0), |(shards, bytes), group| {
            let group = group.lock();
            let stats = group
                .servers
                .iter()
                .flatten()
                .map(|kv| kv.migration_stats());
            let most = stats.max_by_key(|stats| stats.shards).unwrap_or_default();
            (shards + most.shards, bytes + most.bytes)
        })
    }

    fn now(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }

    fn record(&self, client: usize, input: KvInput, call: u64, output: KvOutput) {
        let returned = self.now();
        self.stage.count_op();
        let operation = Operation::new(client, input, call, output, returned);
        self.history.lock().push(operation);
    }

    /// `Get` through the clerk, counted and recorded.
    pub fn get(&self, clerk: &TestClerk, key: &str) -> String {
        let call = self.now();
        let value = clerk
            .clerk
            .get(key)
            .expect("network closed during the test");
        self.record(clerk.client, KvInput::get(key), call, KvOutput::new(&value));
        value
    }

    /// `Put` through the clerk, counted and recorded.
    pub fn put(&self, clerk: &TestClerk, key: &str, value: &str) {
        let call = self.now();
        clerk
            .clerk
            .put(key, value)
            .expect("network closed during the test");
        self.record(
            clerk.client,
            KvInput::put(key, value),
            call,
            KvOutput::default(),
        );
    }

    /// `Append` through the clerk, counted and recorded.
    pub fn append(&self, clerk: &TestClerk, key: &str, value: &str) {
        let call = self.now();
        clerk
            .clerk
            .append(key, value)
            .expect("network closed during the test");
        self.record(
            clerk.client,
            KvInput::append(key, value),
            call,
            KvOutput::default(),
        );
    }

    /// The course's `check`: `Get(key)` must return `expected`.
    pub fn check(&self, clerk: &TestClerk, key: &str, expected: &str) {
        let value = self.get(clerk, key);
        assert_eq!(
            value, expected,
            "Get({key}): expected:\n{expected}\nreceived:\n{value}"
        );
    }

    /// Checks the recorded history with the linearizability checker; on an illegal history
    /// writes the HTML picture and fails with its path. A check that gives up is accepted, as
    /// in the course, and says why. The verdict goes into the results line.
    pub fn check_linearizable(&self) {
        let history = self.history.lock().clone();
        write_history(&history);
        let result = check_operations(&KvModel, &history, Some(LINEARIZABILITY_TIMEOUT));
        self.stage.note_linearizability(result.describe());
        match result.verdict {
            Verdict::Linearizable => {}
            Verdict::Unknown => println!(
                "info: linearizability check gave up ({}), assuming history is ok",
                result.describe()
            ),
            Verdict::Illegal => {
                let path = self.picture_path();
                match visualize::write_html(&KvModel, &history, &result, &path) {
                    Ok(()) => panic!("history is not linearizable; see {}", path.display()),
                    Err(error) => panic!("history is not linearizable (no picture: {error})"),
                }
            }
        }
    }

    fn picture_path(&self) -> PathBuf {
        std::env::temp_dir().join(format!(
            "shardkv-{}-{}.html",
            self.test,
            self.network.seed()
        ))
    }
}

impl Drop for Tester {
    /// Kills every server, then closes the network. Not the other way round: once the network
    /// is closed every call fails at once, and a Raft leader that still has entries to send
    /// then retries without pause, so in simulation virtual time stands still and the
    /// network's shutdown grace period never ends. Killing first needs no closed network:
    /// every call on an open one returns, and a killed server's handlers return at once.
    fn drop(&mut self) {
        for group in &self.groups {
            let servers: Vec<_> = group
                .lock()
                .servers
                .iter_mut()
                .filter_map(Option::take)
                .collect();
            for kv in servers {
                kv.kill();
            }
        }
        self.ctrlers.kill_all();
        self.network.cleanup();
    }
}

/// Writes `history` where [`HISTORY_VAR`] says, if it is set.
fn write_history(history: &[Operation<KvInput, KvOutput>]) {
    let Ok(path) = std::env::var(HISTORY_VAR) else {
        return;
    };
    let text: String = history
        .iter()
        .map(|operation| format!("{operation:?}\n"))
        .collect();
    std::fs::write(&path, text).unwrap_or_else(|error| panic!("cannot write {path}: {error}"));
}

/// A random string of `length` letters and digits, from the network's seeded RNG (the
/// course's `randstring`).
pub fn random_value(network: &Network, length: usize) -> String {
    let mut value = random_name(network);
    while value.len() < length {
        value.push_str(&random_name(network));
    }
    value.truncate(length);
    value
}
