//! The shardkv testers: the controller cluster and its tests' harness ([`ctrler`]), the
//! replica groups and their tests' harness ([`groups`]), and what both share: clusters of
//! servers that persist ([`replicas`]) and the stages a test is graded by.
//!
//! The wiring (end names, links, crash's cut from the network, restart's fresh ends) is
//! labtest's [`Cluster`](labtest::Cluster), one for the controller and one per replica
//! group; the banners and result lines are a [`labtest::Stages`]; the clients' history and
//! its linearizability check a [`labtest::History`].
//!
//! Every test body runs inside `labsim::run`: on real threads and the real clock by default,
//! as one deterministic simulation in virtual time under `LAB_SIM=1` (`make test-sim`), where
//! the banner's seed replays the run exactly (`LAB_SIM=1 LAB_SEED=<seed>`). Threads, locks,
//! sleeps and the clock are labsim's and every random choice comes from the network's seeded
//! RNG, so the tests and their bounds are the same in both modes; in simulation the bounds
//! (and the "for N seconds" client loops) are virtual time.

#![allow(dead_code)]

pub mod ctrler;
pub mod groups;
pub mod replicas;

use std::sync::Arc;

use labrpc::Network;
use labtest::{Counts, Stages, TestInfo};

/// The course's shard controller has 3 servers in every test.
pub const CTRLERS: usize = 3;

/// The stages of `test` of `part`, with `peers` servers in the result line, measured by the
/// network's counters and the client operations the tester counts.
pub fn stages(
    network: &Arc<Network>,
    part: &'static str,
    test: &'static str,
    peers: usize,
) -> Stages {
    let info = TestInfo {
        lab: "shardkv",
        part,
        test,
        title: String::new(),
        peers,
        seed: network.seed(),
    };
    let network = Arc::clone(network);
    Stages::new(info, true, move || Counts {
        rpcs: network.total_count(),
        bytes: network.total_bytes(),
        commits: None,
        ops: None,
    })
}
