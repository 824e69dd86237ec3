//! A cluster of servers on the labrpc network, as every lab's tester wires one: each member
//! reaches every other through ends of its own, clerks reach the members through theirs, and
//! the tester cuts and heals links, crashes members and restarts them.
//!
//! # The rules
//!
//! - **Names.** Member `i` is hosted under `names[i]`. Each incarnation of a member gets
//!   fresh, random end names (drawn from the network's seeded RNG), so that an end of an
//!   earlier incarnation can never reach anyone again.
//! - **Links.** The end from member `i` to member `j` carries calls exactly when both are
//!   [connected](Cluster::connect) and on the same side of the current
//!   [partition](Cluster::partition) (no partition: one side). Every operation sets these
//!   flags and then recomputes the links it touched, so the links always follow the rule.
//! - **Crash** ([`Cluster::crash`]): disconnect the member; delete its server, so calls to
//!   it fail and no late reply of the dying instance gets through; delete its ends (to the
//!   members and to servers outside), so its threads' calls end at once; hand the replica
//!   back to the tester, which saves what must survive and kills it.
//! - **Restart** ([`Cluster::start`]), of a member that is down: give it fresh ends, let the
//!   tester build the replica and its labrpc server from them, and host it. A restarted
//!   member is disconnected until [`Cluster::connect`]ed.
//! - **Clerks** ([`Cluster::clerk_ends`]): one end to every member, in random order, each
//!   enabled exactly when its member is in the clerk's `to` set
//!   ([`Cluster::connect_clerk`]), whatever the members' links.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use labrpc::{ClientEnd, Network, Server};
use labsim::sync::Mutex;
use rand::seq::SliceRandom;
use rand::Rng;

/// Length of the random end names.
const END_NAME_LENGTH: usize = 20;

/// A fresh end name: 20 lowercase letters from the network's seeded RNG.
pub fn random_end_name(net: &Network) -> String {
    net.with_rng(|rng| {
        (0..END_NAME_LENGTH)
            .map(|_| rng.gen_range(b'a'..=b'z') as char)
            .collect()
    })
}

/// A fresh end to the server `server`, enabled or not.
///
/// # Panics
///
/// If the network refuses: only possible if it was closed, which ends the test anyway.
pub fn fresh_end(net: &Network, server: &str, enabled: bool) -> (String, ClientEnd) {
    let name = random_end_name(net);
    let end = net
        .create_end(name.clone())
        .unwrap_or_else(|error| panic!("tester wiring: {error}"));
    set_end(net, &name, Some(server), enabled);
    (name, end)
}

/// Connects (when `server` is given) and enables or disables the end `name`.
fn set_end(net: &Network, name: &str, server: Option<&str>, enabled: bool) {
    let wired = server
        .map_or(Ok(()), |server| net.connect(name, server))
        .and_then(|()| net.enable(name, enabled));
    wired.unwrap_or_else(|error| panic!("tester wiring: {error}"));
}

/// Ends made on demand to servers by name, deleted together: what a shardkv replica uses to
/// call other groups, or a clerk to call any server it learns of.
pub struct EndSet {
    net: Arc<Network>,
    names: Mutex<Vec<String>>,
}

impl EndSet {
    /// An empty set on `net`.
    pub fn new(net: Arc<Network>) -> EndSet {
        EndSet {
            net,
            names: Mutex::new(Vec::new()),
        }
    }

    /// A fresh enabled end to `server`, remembered for [`EndSet::delete_all`].
    pub fn end_to(&self, server: &str) -> ClientEnd {
        let (name, end) = fresh_end(&self.net, server, true);
        self.names.lock().push(name);
        end
    }

    /// Deletes every end made so far: calls through them fail from now on.
    pub fn delete_all(&self) {
        for name in std::mem::take(&mut *self.names.lock()) {
            let _ = self.net.delete_end(&name);
        }
    }
}

/// What a member's new incarnation is built from.
pub struct Incarnation {
    /// Which member.
    pub member: usize,
    /// Its ends to every member, itself included, in member order.
    pub peers: Vec<ClientEnd>,
    /// Where it makes ends to servers outside the cluster; deleted when it crashes.
    pub outside: Arc<EndSet>,
}

/// A clerk's ends to the members, and the number that names them to the cluster.
pub struct ClerkEnds {
    /// The clerk's number ([`Cluster::connect_clerk`], [`Cluster::delete_clerk`]).
    pub id: u64,
    /// One end to every member, in random order.
    pub ends: Vec<ClientEnd>,
}

/// A cluster of servers of replica type `R` (a Raft peer, a key/value server...).
pub struct Cluster<R> {
    net: Arc<Network>,
    names: Vec<String>,
    members: Mutex<Members<R>>,
}

struct Members<R> {
    replicas: Vec<Option<R>>,
    /// Per member, its ends to every member for the current incarnation; `None` while down.
    peer_ends: Vec<Option<Vec<String>>>,
    /// Per member, the ends it made to servers outside the cluster.
    outside: Vec<Option<Arc<EndSet>>>,
    connected: Vec<bool>,
    /// The sides of the current partition, until [`Cluster::connect_all`] heals it.
    sides: Option<Vec<Vec<usize>>>,
    /// Per clerk, its end names by member and the members it may reach.
    clerks: BTreeMap<u64, (Vec<String>, Vec<usize>)>,
    next_clerk: u64,
}

impl<R> Members<R> {
    /// The side of `member` in the current partition: 0 when there is none; a member on no
    /// side is alone on its own.
    fn side(&self, member: usize) -> usize {
        match &self.sides {
            None => 0,
            Some(sides) => sides
                .iter()
                .position(|side| side.contains(&member))
                .unwrap_or(usize::MAX - member),
        }
    }

    /// Whether the end from `from` to `to` should carry calls.
    fn linked(&self, from: usize, to: usize) -> bool {
        self.connected[from] && self.connected[to] && self.side(from) == self.side(to)
    }
}

impl<R: Clone> Cluster<R> {
    /// An empty cluster whose member `i` will be hosted as `names[i]`. No member runs yet:
    /// [`start`](Cluster::start) each one, then [`connect`](Cluster::connect) it.
    pub fn new(net: Arc<Network>, names: Vec<String>) -> Cluster<R> {
        let n = names.len();
        Cluster {
            net,
            names,
            members: Mutex::new(Members {
                replicas: vec![None; n],
                peer_ends: vec![None; n],
                outside: vec![None; n],
                connected: vec![false; n],
                sides: None,
                clerks: BTreeMap::new(),
                next_clerk: 0,
            }),
        }
    }

    /// The member's replica, if it runs.
    pub fn replica(&self, member: usize) -> Option<R> {
        self.members.lock().replicas[member].clone()
    }

    /// Every running replica, with its member number.
    pub fn running(&self) -> Vec<(usize, R)> {
        let members = self.members.lock();
        let running = members.replicas.iter().enumerate();
        running
            .filter_map(|(member, replica)| Some((member, replica.clone()?)))
            .collect()
    }
}

impl<R> Cluster<R> {
    /// How many members.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the cluster has no members.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every member's number: `0..len`.
    pub fn all(&self) -> Vec<usize> {
        (0..self.len()).collect()
    }

    /// The network the cluster lives on.
    pub fn net(&self) -> &Arc<Network> {
        &self.net
    }

    /// The name the member is hosted under.
    pub fn name(&self, member: usize) -> &str {
        &self.names[member]
    }

    /// Every member's name, in member order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether the member is connected.
    pub fn is_connected(&self, member: usize) -> bool {
        self.members.lock().connected[member]
    }

    /// Whether the member runs.
    pub fn is_running(&self, member: usize) -> bool {
        self.members.lock().replicas[member].is_some()
    }

    /// The members that are down.
    pub fn crashed(&self) -> Vec<usize> {
        let members = self.members.lock();
        (0..self.len())
            .filter(|&member| members.replicas[member].is_none())
            .collect()
    }

    /// Starts a new incarnation of a member that is down: `build` makes the replica and the
    /// labrpc server that hosts it from its fresh ends. The member stays disconnected until
    /// [`connect`](Cluster::connect)ed.
    ///
    /// # Panics
    ///
    /// If the member runs: [`crash`](Cluster::crash) it (and kill its replica) first.
    pub fn start(&self, member: usize, build: impl FnOnce(Incarnation) -> (R, Server)) {
        assert!(
            !self.is_running(member),
            "tester: start {} while it runs; crash it first",
            self.names[member]
        );
        log::info!(target: "tester", "start {}", self.names[member]);
        let (names, peers): (Vec<String>, Vec<ClientEnd>) = self
            .names
            .iter()
            .map(|server| fresh_end(&self.net, server, false))
            .unzip();
        let outside = Arc::new(EndSet::new(Arc::clone(&self.net)));
        let (replica, server) = build(Incarnation {
            member,
            peers,
            outside: Arc::clone(&outside),
        });
        self.net.add_server(self.names[member].clone(), server);
        let mut members = self.members.lock();
        members.replicas[member] = Some(replica);
        members.peer_ends[member] = Some(names);
        members.outside[member] = Some(outside);
        self.refresh_links(&members, member);
    }

    /// Crashes the member: disconnects it, deletes its server and every end it owns, and
    /// returns its replica (if it ran) for the tester to save its state and kill it.
    pub fn crash(&self, member: usize) -> Option<R> {
        self.disconnect(member);
        let mut members = self.members.lock();
        let replica = members.replicas[member].take();
        if replica.is_some() {
            log::info!(target: "tester", "crash {}", self.names[member]);
        }
        self.net.delete_server(&self.names[member]);
        for name in members.peer_ends[member].take().into_iter().flatten() {
            let _ = self.net.delete_end(&name);
        }
        if let Some(outside) = members.outside[member].take() {
            outside.delete_all();
        }
        replica
    }

    /// Takes every replica out of the cluster (for the tester's drop, after it closed the
    /// network): nothing is deleted, the network is going away.
    pub fn take_all(&self) -> Vec<R> {
        let mut members = self.members.lock();
        members
            .replicas
            .iter_mut()
            .filter_map(Option::take)
            .collect()
    }

    /// Connects the member to every connected member on its side.
    pub fn connect(&self, member: usize) {
        log::info!(target: "tester", "connect {}", self.names[member]);
        let mut members = self.members.lock();
        members.connected[member] = true;
        self.refresh_links(&members, member);
    }

    /// Disconnects the member from every other: none of its ends, nor any end to it, carry
    /// calls.
    pub fn disconnect(&self, member: usize) {
        log::info!(target: "tester", "disconnect {}", self.names[member]);
        let mut members = self.members.lock();
        members.connected[member] = false;
        self.refresh_links(&members, member);
    }

    /// Heals any partition and connects every member.
    pub fn connect_all(&self) {
        log::info!(target: "tester", "connect all");
        let mut members = self.members.lock();
        members.sides = None;
        members
            .connected
            .iter_mut()
            .for_each(|connected| *connected = true);
        for member in 0..self.len() {
            self.refresh_links(&members, member);
        }
    }

    /// Splits the cluster: every member on a side is connected, links within a side carry
    /// calls and links across do not. A member on no side is cut off from all.
    pub fn partition(&self, sides: &[&[usize]]) {
        log::info!(target: "tester", "partition {sides:?}");
        let mut members = self.members.lock();
        members.sides = Some(sides.iter().map(|side| side.to_vec()).collect());
        for &member in sides.iter().copied().flatten() {
            members.connected[member] = true;
        }
        for member in 0..self.len() {
            self.refresh_links(&members, member);
        }
    }

    /// Which members are down and how the cluster is split, in a few words (empty when
    /// neither).
    pub fn describe_faults(&self) -> String {
        let members = self.members.lock();
        let mut words = String::new();
        let down: Vec<usize> = (0..self.len())
            .filter(|&member| members.replicas[member].is_none())
            .collect();
        if !down.is_empty() {
            let _ = write!(words, "down {down:?}");
        }
        if let Some(sides) = &members.sides {
            let sides: Vec<String> = sides.iter().map(|side| format!("{side:?}")).collect();
            let separator = if words.is_empty() { "" } else { ", " };
            let _ = write!(words, "{separator}{}", sides.join(" | "));
        }
        words
    }

    /// Ends for a new clerk, one to every member in random order, enabled towards `to`.
    pub fn clerk_ends(&self, to: &[usize]) -> ClerkEnds {
        let mut order = self.all();
        self.net.with_rng(|rng| order.shuffle(rng));
        let mut names = vec![String::new(); self.len()];
        let ends = order
            .into_iter()
            .map(|member| {
                let enabled = to.contains(&member);
                let (name, end) = fresh_end(&self.net, &self.names[member], enabled);
                names[member] = name;
                end
            })
            .collect();
        let mut members = self.members.lock();
        let id = members.next_clerk;
        members.next_clerk += 1;
        members.clerks.insert(id, (names, to.to_vec()));
        ClerkEnds { id, ends }
    }

    /// Enables the clerk's ends to exactly the members in `to`.
    ///
    /// # Panics
    ///
    /// If the clerk was deleted or never made here.
    pub fn connect_clerk(&self, clerk: u64, to: &[usize]) {
        let mut members = self.members.lock();
        let (names, reach) = members
            .clerks
            .get_mut(&clerk)
            .unwrap_or_else(|| panic!("tester: clerk {clerk} is not in this cluster"));
        *reach = to.to_vec();
        for (member, name) in names.iter().enumerate() {
            set_end(&self.net, name, None, to.contains(&member));
        }
    }

    /// The members the clerk's ends reach now (empty for a clerk deleted or never made here).
    pub fn clerk_reach(&self, clerk: u64) -> Vec<usize> {
        let members = self.members.lock();
        members
            .clerks
            .get(&clerk)
            .map(|(_, reach)| reach.clone())
            .unwrap_or_default()
    }

    /// Deletes the clerk's ends: its calls fail from now on.
    pub fn delete_clerk(&self, clerk: u64) {
        let removed = self.members.lock().clerks.remove(&clerk);
        for name in removed.into_iter().flat_map(|(names, _)| names) {
            let _ = self.net.delete_end(&name);
        }
    }

    /// Sets every link from and to `member` by the rule of the module doc.
    fn refresh_links(&self, members: &Members<R>, member: usize) {
        for other in 0..self.len() {
            if let Some(names) = &members.peer_ends[member] {
                set_end(
                    &self.net,
                    &names[other],
                    None,
                    members.linked(member, other),
                );
            }
            if let Some(names) = &members.peer_ends[other] {
                set_end(
                    &self.net,
                    &names[member],
                    None,
                    members.linked(other, member),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    struct Ping;

    labrpc::service! {
        service Who {
            handler WhoHandler;
            client WhoClient;
            fn who(Ping) -> usize;
        }
    }

    /// A replica that answers with its member number.
    #[derive(Clone)]
    struct Member {
        peers: Arc<Vec<ClientEnd>>,
        outside: Arc<EndSet>,
    }

    struct Answer(usize);

    impl WhoHandler for Answer {
        fn who(&self, _: Ping) -> usize {
            self.0
        }
    }

    fn start(cluster: &Cluster<Member>, member: usize) {
        cluster.start(member, |incarnation| {
            let server = Server::new().with_service(Arc::new(Answer(member)).into_service());
            let replica = Member {
                peers: Arc::new(incarnation.peers),
                outside: incarnation.outside,
            };
            (replica, server)
        });
    }

    fn cluster(n: usize) -> Cluster<Member> {
        let net = Arc::new(Network::with_seed(1));
        let names = (0..n).map(|member| format!("m{member}")).collect();
        let cluster = Cluster::new(net, names);
        for member in 0..n {
            start(&cluster, member);
        }
        cluster
    }

    /// Which members `from` reaches: `reach[j]` is whether a call to `j` came back from `j`.
    fn reach(cluster: &Cluster<Member>, from: usize) -> Vec<bool> {
        let Some(member) = cluster.replica(from) else {
            return vec![false; cluster.len()];
        };
        let peers = &member.peers;
        (0..cluster.len())
            .map(|to| WhoClient::new(peers[to].clone()).who(&Ping) == Ok(to))
            .collect()
    }

    fn reach_matrix(cluster: &Cluster<Member>) -> Vec<Vec<bool>> {
        (0..cluster.len())
            .map(|from| reach(cluster, from))
            .collect()
    }

    fn simulate(test: impl FnOnce() + Send + 'static) {
        labsim::Sim::new(7)
            .run(test)
            .unwrap_or_else(|error| panic!("{error}"));
    }

    #[test]
    fn links_follow_connections_and_partitions() {
        simulate(|| {
            let cluster = cluster(3);
            assert_eq!(
                reach_matrix(&cluster),
                vec![vec![false; 3]; 3],
                "started disconnected"
            );
            cluster.connect_all();
            assert_eq!(reach_matrix(&cluster), vec![vec![true; 3]; 3]);
            cluster.disconnect(1);
            let expected = vec![
                vec![true, false, true],
                vec![false, false, false],
                vec![true, false, true],
            ];
            assert_eq!(reach_matrix(&cluster), expected);
            cluster.connect(1);
            cluster.partition(&[&[0], &[1, 2]]);
            let expected = vec![
                vec![true, false, false],
                vec![false, true, true],
                vec![false, true, true],
            ];
            assert_eq!(reach_matrix(&cluster), expected);
            assert_eq!(cluster.describe_faults(), "[0] | [1, 2]");
            // Disconnecting and reconnecting a member keeps it on its side.
            cluster.disconnect(2);
            cluster.connect(2);
            assert_eq!(reach_matrix(&cluster), expected);
            cluster.connect_all();
            assert_eq!(reach_matrix(&cluster), vec![vec![true; 3]; 3]);
            assert_eq!(cluster.describe_faults(), "");
        });
    }

    #[test]
    fn a_crash_cuts_the_old_incarnation_off_for_good() {
        simulate(|| {
            let cluster = cluster(3);
            cluster.connect_all();
            let old = cluster.replica(0).unwrap();
            let outside = old.outside.end_to("m1");
            assert_eq!(WhoClient::new(outside.clone()).who(&Ping), Ok(1));
            assert!(cluster.crash(0).is_some());
            assert!(cluster.crash(0).is_none(), "a second crash finds nothing");
            assert_eq!(cluster.crashed(), vec![0]);
            assert_eq!(cluster.describe_faults(), "down [0]");
            // Nobody reaches the dead member; its old ends reach nobody.
            assert_eq!(reach(&cluster, 1), vec![false, true, true]);
            assert!(WhoClient::new(old.peers[1].clone()).who(&Ping).is_err());
            assert!(WhoClient::new(outside).who(&Ping).is_err());
            start(&cluster, 0);
            assert_eq!(reach(&cluster, 0), vec![false; 3], "restarted disconnected");
            cluster.connect(0);
            assert_eq!(reach_matrix(&cluster), vec![vec![true; 3]; 3]);
            assert!(WhoClient::new(old.peers[1].clone()).who(&Ping).is_err());
        });
    }

    #[test]
    #[should_panic(expected = "crash it first")]
    fn starting_a_running_member_is_refused() {
        let cluster = cluster(1);
        start(&cluster, 0);
    }

    #[test]
    fn clerks_reach_exactly_whom_they_are_told() {
        simulate(|| {
            let cluster = cluster(3);
            // Members' own links do not matter to clerks.
            cluster.partition(&[&[0], &[1], &[2]]);
            let clerk = cluster.clerk_ends(&[0, 2]);
            let answers = |ends: &[ClientEnd]| -> Vec<usize> {
                let mut answers: Vec<usize> = ends
                    .iter()
                    .filter_map(|end| WhoClient::new(end.clone()).who(&Ping).ok())
                    .collect();
                answers.sort_unstable();
                answers
            };
            assert_eq!(answers(&clerk.ends), vec![0, 2]);
            cluster.connect_clerk(clerk.id, &[1]);
            assert_eq!(answers(&clerk.ends), vec![1]);
            cluster.delete_clerk(clerk.id);
            assert_eq!(answers(&clerk.ends), Vec::<usize>::new());
        });
    }
}
