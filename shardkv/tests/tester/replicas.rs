//! A cluster of servers that persist, as the controller and every replica group are: the
//! course's crash (cut the server off, keep a copy of what it persisted, kill it) and
//! restart (a new server from that copy, with fresh ends).

use std::sync::Arc;

use labrpc::{Network, Server, Service};
use labsim::sync::Mutex;
use labtest::{Cluster, Incarnation, Persisted};
use raft::Persister;
use shardkv::ctrler::CtrlerServer;
use shardkv::ShardKv;

/// What the tester needs of a server: the services it hosts, and killing it.
pub trait Replica: Send + Sync + 'static {
    /// The labrpc services one incarnation hosts.
    fn services(self: &Arc<Self>) -> Vec<Box<dyn Service>>;
    /// Stops it for good (the course's `Kill`).
    fn kill(&self);
}

impl Replica for CtrlerServer {
    fn services(self: &Arc<Self>) -> Vec<Box<dyn Service>> {
        CtrlerServer::services(self)
    }

    fn kill(&self) {
        CtrlerServer::kill(self);
    }
}

impl Replica for ShardKv {
    fn services(self: &Arc<Self>) -> Vec<Box<dyn Service>> {
        ShardKv::services(self)
    }

    fn kill(&self) {
        ShardKv::kill(self);
    }
}

/// Servers on the network ([`Cluster`]) and what each has persisted, kept across crashes
/// (the course's `saved`).
pub struct Replicas<R> {
    /// The servers' wiring: names, links, crash's cut, restart's fresh ends.
    pub cluster: Cluster<Arc<R>>,
    /// Per server, the persister its next incarnation starts from a copy of.
    persisters: Mutex<Vec<Arc<Persister>>>,
}

impl<R: Replica> Replicas<R> {
    /// Servers named `names`, none started yet, each with an empty persister.
    pub fn new(network: Arc<Network>, names: Vec<String>) -> Replicas<R> {
        let persisters = names.iter().map(|_| Arc::new(Persister::new())).collect();
        Replicas {
            cluster: Cluster::new(network, names),
            persisters: Mutex::new(persisters),
        }
    }

    /// Starts server `i`, which is down, from a copy of what it persisted, and connects it:
    /// `build` makes the server from its fresh ends and that copy.
    pub fn restart(&self, i: usize, build: impl FnOnce(Incarnation, Arc<Persister>) -> Arc<R>) {
        self.cluster.start(i, |incarnation| {
            let persister = self.fresh_persister(i);
            let replica = build(incarnation, persister);
            let mut server = Server::new();
            for service in replica.services() {
                server.add_service(service);
            }
            (replica, server)
        });
        self.cluster.connect(i);
    }

    /// Crashes server `i` as the course does: the cluster cuts it off and deletes its server
    /// and its ends (so in-flight calls fail); what it persisted is copied, so that the dying
    /// instance writes into an orphan; then it is killed.
    pub fn crash(&self, i: usize) {
        let replica = self.cluster.crash(i);
        self.fresh_persister(i);
        if let Some(replica) = replica {
            replica.kill();
        }
    }

    /// Replaces server `i`'s persister with a copy of it, and returns the copy.
    fn fresh_persister(&self, i: usize) -> Arc<Persister> {
        let mut persisters = self.persisters.lock();
        let copy = Arc::new(persisters[i].copy());
        persisters[i] = Arc::clone(&copy);
        copy
    }

    /// Kills every running server, leaving the network as it is (the tester's teardown).
    pub fn kill_all(&self) {
        for replica in self.cluster.take_all() {
            replica.kill();
        }
    }

    /// What each server has persisted, by name.
    pub fn persisted(&self) -> Vec<Persisted> {
        let persisters = self.persisters.lock();
        let servers = self.cluster.names().iter().zip(persisters.iter());
        servers
            .map(|(name, persister)| Persisted {
                server: name.clone(),
                raft_state: persister.raft_state_size(),
                snapshot: persister.snapshot_size(),
            })
            .collect()
    }
}
