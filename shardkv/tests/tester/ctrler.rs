//! The shard controller's cluster on the simulated network, and the harness of the
//! controller tests: counted clerks and the course's `check` and `check_same_config`.

use std::collections::BTreeMap;
use std::sync::Arc;

use labrpc::{ClientEnd, Network};
use labtest::{EndSet, Stages};
use rand::seq::SliceRandom;
use shardkv::ctrler::{CtrlerClerk, CtrlerServer};
use shardkv::{Config, Gid};

use super::replicas::Replicas;
use super::{stages, CTRLERS};

/// The controller servers `<prefix>-0`, `<prefix>-1`...: crash, restart, connectivity.
pub struct Ctrlers {
    replicas: Replicas<CtrlerServer>,
}

impl Ctrlers {
    /// Starts `CTRLERS` connected controller servers named `<prefix>-<i>`.
    pub fn start(network: Arc<Network>, prefix: &str) -> Ctrlers {
        let names = (0..CTRLERS).map(|i| format!("{prefix}-{i}")).collect();
        let ctrlers = Ctrlers {
            replicas: Replicas::new(network, names),
        };
        for i in 0..CTRLERS {
            ctrlers.restart(i);
        }
        ctrlers
    }

    /// Starts server `i`, which is down, from its saved state with fresh ends, and connects
    /// it.
    pub fn restart(&self, i: usize) {
        self.replicas.restart(i, |incarnation, persister| {
            CtrlerServer::start(incarnation.peers, incarnation.member, persister)
        });
    }

    /// Crashes server `i` as the course does (see [`Replicas::crash`]).
    pub fn crash(&self, i: usize) {
        self.replicas.crash(i);
    }

    /// The running servers that believe they lead.
    pub fn leaders(&self) -> Vec<usize> {
        let running = self.replicas.cluster.running().into_iter();
        running
            .filter(|(_, server)| server.is_leader())
            .map(|(i, _)| i)
            .collect()
    }

    /// Ends from `ends` to every controller server, in random order: how a group server or
    /// a shardkv clerk reaches the controller.
    pub fn ends_in(&self, ends: &EndSet) -> Vec<ClientEnd> {
        let mut names = self.replicas.cluster.names().to_vec();
        self.replicas
            .cluster
            .net()
            .with_rng(|rng| names.shuffle(rng));
        names.iter().map(|name| ends.end_to(name)).collect()
    }

    /// A controller clerk with its own ends.
    pub fn make_clerk(&self) -> CtrlerClerk {
        let cluster = &self.replicas.cluster;
        CtrlerClerk::new(cluster.clerk_ends(&cluster.all()).ends)
    }

    /// Kills every server, leaving the network as it is.
    pub fn kill_all(&self) {
        self.replicas.kill_all();
    }
}

impl Drop for Ctrlers {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// The harness of the controller tests: a network, the controller cluster, the stages.
pub struct CtrlerTester {
    pub network: Arc<Network>,
    pub ctrlers: Ctrlers,
    pub stages: Stages,
}

/// A controller clerk whose calls the tester counts and which fails the test if the
/// network closes under it.
pub struct TestCtrlerClerk<'a> {
    clerk: CtrlerClerk,
    stages: &'a Stages,
}

impl CtrlerTester {
    /// A reliable network with the controller cluster, for `test` (part 5A).
    pub fn new(test: &'static str) -> CtrlerTester {
        labtest::init_logging();
        let seed = labrpc::seed_from_env().unwrap_or_else(|error| panic!("{error}"));
        let network = Arc::new(Network::with_seed(seed));
        let ctrlers = Ctrlers::start(Arc::clone(&network), "ctrler");
        let stages = stages(&network, "5A", test, CTRLERS);
        CtrlerTester {
            network,
            ctrlers,
            stages,
        }
    }

    /// A counted clerk with its own ends to every controller server.
    pub fn make_clerk(&self) -> TestCtrlerClerk<'_> {
        TestCtrlerClerk {
            clerk: self.ctrlers.make_clerk(),
            stages: &self.stages,
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
        self.stages.count_op();
        self.clerk
            .query(num)
            .expect("network closed during the test")
    }

    /// The course's `Join`.
    pub fn join(&self, groups: BTreeMap<Gid, Vec<String>>) {
        self.stages.count_op();
        self.clerk
            .join(groups)
            .expect("network closed during the test");
    }

    /// The course's `Leave`.
    pub fn leave(&self, gids: &[Gid]) {
        self.stages.count_op();
        self.clerk
            .leave(gids.to_vec())
            .expect("network closed during the test");
    }

    /// The course's `Move`.
    pub fn move_shard(&self, shard: usize, gid: Gid) {
        self.stages.count_op();
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
