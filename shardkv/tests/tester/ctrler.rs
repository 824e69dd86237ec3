//! The shard controller's cluster on the simulated network, and the harness of the
//! controller tests: counted clerks and the course's `check` and `check_same_config`.

use std::collections::BTreeMap;
use std::sync::Arc;

use labrpc::{ClientEnd, Network, Server};
use labsim::sync::Mutex;
use raft::Persister;
use rand::seq::SliceRandom;
use shardkv::ctrler::{CtrlerClerk, CtrlerServer};
use shardkv::{Config, Gid};

use super::{make_end, Stage, CTRLERS};

/// The controller servers `<prefix>-0`, `<prefix>-1`...: crash, restart, connectivity.
pub struct Ctrlers {
    network: Arc<Network>,
    prefix: String,
    servers: Mutex<Vec<Option<Arc<CtrlerServer>>>>,
    persisters: Mutex<Vec<Arc<Persister>>>,
    /// Per server, the names of its current incarnation's ends to its peers.
    end_names: Mutex<Vec<Vec<String>>>,
}

impl Ctrlers {
    /// Starts `CTRLERS` connected controller servers named `<prefix>-<i>`.
    pub fn start(network: Arc<Network>, prefix: &str) -> Ctrlers {
        let ctrlers = Ctrlers {
            network,
            prefix: prefix.to_string(),
            servers: Mutex::new(vec![None; CTRLERS]),
            persisters: Mutex::new((0..CTRLERS).map(|_| Arc::new(Persister::new())).collect()),
            end_names: Mutex::new(vec![Vec::new(); CTRLERS]),
        };
        for i in 0..CTRLERS {
            ctrlers.start_server(i);
        }
        ctrlers.connect_all();
        ctrlers
    }

    /// The labrpc name of server `i`.
    pub fn name(&self, i: usize) -> String {
        format!("{}-{i}", self.prefix)
    }

    /// Starts (or restarts) server `i` from its saved state with fresh end names; its ends
    /// stay disabled until it is connected.
    pub fn start_server(&self, i: usize) {
        let names: Vec<String> = (0..CTRLERS)
            .map(|_| super::random_name(&self.network))
            .collect();
        let ends = names
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let end = self
                    .network
                    .create_end(name.clone())
                    .expect("fresh end name");
                self.network
                    .connect(name, &self.name(j))
                    .expect("end exists");
                end
            })
            .collect();
        self.end_names.lock()[i] = names;
        let persister = Arc::new(self.persisters.lock()[i].copy());
        self.persisters.lock()[i] = Arc::clone(&persister);
        let ctrler = CtrlerServer::start(ends, i, persister);
        let mut server = Server::new();
        for service in ctrler.services() {
            server.add_service(service);
        }
        self.network.add_server(self.name(i), server);
        self.servers.lock()[i] = Some(ctrler);
        log::info!(target: "tester", "start {}", self.name(i));
    }

    /// Crashes server `i` as the course does: cut it off, delete it so in-flight calls fail,
    /// keep a copy of its persisted state, kill it.
    pub fn shutdown_server(&self, i: usize) {
        log::info!(target: "tester", "crash {}", self.name(i));
        for name in self.end_names.lock()[i].drain(..) {
            let _ = self.network.delete_end(&name);
        }
        self.network.delete_server(&self.name(i));
        let copy = Arc::new(self.persisters.lock()[i].copy());
        self.persisters.lock()[i] = copy;
        if let Some(ctrler) = self.servers.lock()[i].take() {
            ctrler.kill();
        }
    }

    /// Enables every running server's ends to its peers.
    pub fn connect_all(&self) {
        for names in self.end_names.lock().iter() {
            for name in names {
                let _ = self.network.enable(name, true);
            }
        }
    }

    /// The running servers that believe they lead.
    pub fn leaders(&self) -> Vec<usize> {
        let servers = self.servers.lock();
        (0..CTRLERS)
            .filter(|&i| servers[i].as_ref().is_some_and(|server| server.is_leader()))
            .collect()
    }

    /// Fresh enabled ends to every controller server in random order, their names pushed on
    /// `names`.
    pub fn make_ends(&self, names: &Mutex<Vec<String>>) -> Vec<ClientEnd> {
        let mut order: Vec<usize> = (0..CTRLERS).collect();
        self.network.with_rng(|rng| order.shuffle(rng));
        order
            .into_iter()
            .map(|j| make_end(&self.network, &self.name(j), names))
            .collect()
    }

    /// A controller clerk with its own ends.
    pub fn make_clerk(&self) -> CtrlerClerk {
        CtrlerClerk::new(self.make_ends(&Mutex::new(Vec::new())))
    }

    /// Kills every server.
    pub fn kill_all(&self) {
        for ctrler in self.servers.lock().iter_mut().filter_map(Option::take) {
            ctrler.kill();
        }
    }
}

impl Drop for Ctrlers {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// The harness of the controller tests: a network, the controller cluster, a stage.
pub struct CtrlerTester {
    pub network: Arc<Network>,
    pub ctrlers: Ctrlers,
    pub stage: Stage,
}

/// A controller clerk whose calls the tester counts and which fails the test if the
/// network closes under it.
pub struct TestCtrlerClerk<'a> {
    clerk: CtrlerClerk,
    stage: &'a Stage,
}

impl CtrlerTester {
    /// A reliable network with the controller cluster, for `test` (part 5A).
    pub fn new(test: &'static str) -> CtrlerTester {
        labtest::init_logging();
        let seed = labrpc::seed_from_env().unwrap_or_else(|error| panic!("{error}"));
        let network = Arc::new(Network::with_seed(seed));
        let ctrlers = Ctrlers::start(Arc::clone(&network), "ctrler");
        let stage = Stage::new(Arc::clone(&network), "5A", test, CTRLERS);
        CtrlerTester {
            network,
            ctrlers,
            stage,
        }
    }

    /// A counted clerk with its own ends to every controller server.
    pub fn make_clerk(&self) -> TestCtrlerClerk<'_> {
        TestCtrlerClerk {
            clerk: self.ctrlers.make_clerk(),
            stage: &self.stage,
        }
    }
}

impl Drop for CtrlerTester {
    /// Kills the servers, then closes the network (the order `groups::Tester`'s drop
    /// explains).
    fn drop(&mut self) {
        self.ctrlers.kill_all();
        self.network.cleanup();
    }
}

impl TestCtrlerClerk<'_> {
    /// The course's `Query(num)`; `None` is `-1`.
    pub fn query(&self, num: Option<u64>) -> Config {
        self.stage.count_op();
        self.clerk
            .query(num)
            .expect("network closed during the test")
    }

    /// The course's `Join`.
    pub fn join(&self, groups: BTreeMap<Gid, Vec<String>>) {
        self.stage.count_op();
        self.clerk
            .join(groups)
            .expect("network closed during the test");
    }

    /// The course's `Leave`.
    pub fn leave(&self, gids: &[Gid]) {
        self.stage.count_op();
        self.clerk
            .leave(gids.to_vec())
            .expect("network closed during the test");
    }

    /// The course's `Move`.
    pub fn move_shard(&self, shard: usize, gid: Gid) {
        self.stage.count_op();
        self.clerk
            .move_shard(shard, gid)
            .expect("network closed during the test");
    }

    /// The course's `check`: the latest configuration has exactly `groups`, every shard is
    /// on one of them (when there are any), and the largest group has at most one shard more
    /// than the smallest.
    pub fn check(&self, groups: &[Gid]) {
        let config = self.query(None);
        assert_eq!(
            config.groups.len(),
            groups.len(),
            "wanted {} groups, got {}",
            groups.len(),
            config.groups.len()
        );
        for gid in groups {
            assert!(config.groups.contains_key(gid), "missing group {gid}");
        }
        if !groups.is_empty() {
            for (shard, gid) in config.shards.iter().enumerate() {
                assert!(
                    config.groups.contains_key(gid),
                    "shard {shard} -> invalid group {gid}"
                );
            }
        }
        let counts = config.shard_counts();
        let min = counts.values().min().copied().unwrap_or(0);
        let max = counts.values().max().copied().unwrap_or(0);
        assert!(max <= min + 1, "max {max} too much larger than min {min}");
    }
}

/// The course's `check_same_config`: same number, same shards, same groups with the same
/// servers in the same order.
pub fn check_same_config(got: &Config, want: &Config) {
    assert_eq!(got.num, want.num, "Num wrong");
    assert_eq!(got.shards, want.shards, "Shards wrong");
    assert_eq!(
        got.groups.len(),
        want.groups.len(),
        "number of Groups is wrong"
    );
    for (gid, servers) in &want.groups {
        assert_eq!(
            got.groups.get(gid),
            Some(servers),
            "Groups wrong for gid {gid}"
        );
    }
}

/// Groups `gid` → servers, built from pairs.
pub fn groups<S: AsRef<str>, const N: usize>(
    pairs: [(Gid, Vec<S>); N],
) -> BTreeMap<Gid, Vec<String>> {
    pairs
        .into_iter()
        .map(|(gid, servers)| {
            let servers = servers
                .iter()
                .map(|name| name.as_ref().to_string())
                .collect();
            (gid, servers)
        })
        .collect()
}
