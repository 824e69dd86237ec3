//! The harness of the shardkv tests: a controller cluster and three replica groups (gids
//! 100, 101, 102) of three servers each on one simulated network, with the course's group
//! operations (join, leave, crash and restart of one server or a whole group), clerks whose
//! operations are counted and recorded, and the checks of section 6.2 of the reference.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use labrpc::Network;
use labtest::{EndSet, History, Stages, LINEARIZABILITY_TIMEOUT};
use linearizability::models::{KvInput, KvModel, KvOutput};
use rand::distributions::{Alphanumeric, DistString};
use shardkv::ctrler::CtrlerClerk;
use shardkv::{Clerk, Config, Gid, MakeEnd, ShardKv};

use super::ctrler::Ctrlers;
use super::replicas::Replicas;
use super::stages;

/// The course's three replica groups.
pub const GROUPS: usize = 3;

/// Servers per replica group.
pub const SERVERS_PER_GROUP: usize = 3;

/// The gid of group 0; group `i` is `FIRST_GID + i`.
const FIRST_GID: Gid = 100;

/// One replica group: its servers `server-<gid>-<i>`, and what each persisted.
struct Group {
    gid: Gid,
    replicas: Replicas<ShardKv>,
}

/// A test's world.
pub struct Tester {
    pub network: Arc<Network>,
    pub ctrlers: Ctrlers,
    /// The tester's own controller clerk (the course's `mck`).
    mck: CtrlerClerk,
    groups: Vec<Group>,
    max_raft_state: Option<usize>,
    pub stages: Stages,
    /// Every operation made through the wrappers, for the linearizability check.
    history: History<KvInput, KvOutput>,
    next_client: AtomicUsize,
}

/// A clerk made by the tester, and its number in the recorded history.
pub struct TestClerk {
    pub clerk: Clerk,
    pub client: usize,
}

/// A `make_end` whose ends come from (and are deleted with) `ends`.
fn make_end_in(ends: Arc<EndSet>) -> MakeEnd {
    Arc::new(move |server: &str| ends.end_to(server))
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
                let gid = FIRST_GID + gi as Gid;
                let names = (0..SERVERS_PER_GROUP)
                    .map(|i| format!("server-{gid}-{i}"))
                    .collect();
                let replicas = Replicas::new(Arc::clone(&network), names);
                Group { gid, replicas }
            })
            .collect();
        let stages = stages(&network, part, test, GROUPS * SERVERS_PER_GROUP);
        let tester = Tester {
            network,
            ctrlers,
            mck,
            groups,
            max_raft_state,
            stages,
            history: History::new(),
            next_client: AtomicUsize::new(0),
        };
        for gi in 0..GROUPS {
            tester.restart_group(gi);
        }
        tester
    }

    /// The gid of group `gi`.
    pub fn gid(&self, gi: usize) -> Gid {
        self.groups[gi].gid
    }

    /// The names of group `gi`'s servers.
    pub fn server_names(&self, gi: usize) -> Vec<String> {
        self.groups[gi].replicas.cluster.names().to_vec()
    }

    /// Starts server `i` of group `gi`, which is down, from its saved state with fresh ends:
    /// to its peers, to the controller, and those its `make_end` makes, all deleted when it
    /// crashes.
    pub fn restart(&self, gi: usize, i: usize) {
        let gid = self.gid(gi);
        self.groups[gi]
            .replicas
            .restart(i, |incarnation, persister| {
                let ctrler_ends = self.ctrlers.ends_in(&incarnation.outside);
                ShardKv::start(
                    incarnation.peers,
                    incarnation.member,
                    persister,
                    self.max_raft_state,
                    gid,
                    ctrler_ends,
                    make_end_in(incarnation.outside),
                )
            });
    }

    /// Crashes server `i` of group `gi` as the course does (see [`Replicas::crash`]).
    pub fn crash(&self, gi: usize, i: usize) {
        self.groups[gi].replicas.crash(i);
    }

    /// Restarts every server of group `gi`.
    pub fn restart_group(&self, gi: usize) {
        for i in 0..SERVERS_PER_GROUP {
            self.restart(gi, i);
        }
    }

    /// Crashes every server of group `gi`.
    pub fn crash_group(&self, gi: usize) {
        for i in 0..SERVERS_PER_GROUP {
            self.crash(gi, i);
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
        let ends = Arc::new(EndSet::new(Arc::clone(&self.network)));
        let clerk = Clerk::new(ctrlers.ends_in(&ends), make_end_in(ends));
        TestClerk {
            clerk,
            client: self.next_client.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The course's `checklogs`: every server's Raft state within 8 × maxraftstate, or,
    /// without snapshots, no snapshot at all.
    pub fn check_logs(&self) {
        for group in &self.groups {
            labtest::sizes::check_trimmed(&group.replicas.persisted(), self.max_raft_state);
        }
    }

    /// Raft state plus snapshot bytes over every server of every group.
    pub fn total_persisted_bytes(&self) -> usize {
        let groups = self.groups.iter();
        let persisted = groups.flat_map(|group| group.replicas.persisted());
        persisted
            .map(|server| server.raft_state + server.snapshot)
            .sum()
    }

    /// Shards installed by migration and their bytes: per group the most any of its running
    /// replicas installed (each replica installs the same shards), summed over groups.
    pub fn migrated(&self) -> (u64, u64) {
        self.groups.iter().fold((0, 0), |(shards, bytes), group| {
            let running = group.replicas.cluster.running();
            let stats = running.iter().map(|(_, kv)| kv.migration_stats());
            let most = stats.max_by_key(|stats| stats.shards).unwrap_or_default();
            (shards + most.shards, bytes + most.bytes)
        })
    }

    fn record(&self, client: usize, input: KvInput, call: u64, output: KvOutput) {
        self.stages.count_op();
        self.history.record(client, input, call, output);
    }

    /// `Get` through the clerk, counted and recorded.
    pub fn get(&self, clerk: &TestClerk, key: &str) -> String {
        let call = self.history.now();
        let value = clerk
            .clerk
            .get(key)
            .expect("network closed during the test");
        self.record(clerk.client, KvInput::get(key), call, KvOutput::new(&value));
        value
    }

    /// `Put` through the clerk, counted and recorded.
    pub fn put(&self, clerk: &TestClerk, key: &str, value: &str) {
        let call = self.history.now();
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
        let call = self.history.now();
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

    /// Checks the recorded history with the linearizability checker (after writing it where
    /// `labtest::replay::HISTORY_VAR` says, if set); on an illegal history writes the HTML picture and fails
    /// with its path. A check that gives up is accepted, as in the course, and says why. The
    /// verdict goes into the results line.
    pub fn check_linearizable(&self) {
        self.history
            .check(&KvModel, LINEARIZABILITY_TIMEOUT, &self.stages);
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
            group.replicas.kill_all();
        }
        self.ctrlers.kill_all();
        self.network.cleanup();
    }
}

/// A random string of `length` letters and digits, from the network's seeded RNG (the
/// course's `randstring`).
pub fn random_value(network: &Network, length: usize) -> String {
    network.with_rng(|rng| Alphanumeric.sample_string(rng, length))
}
