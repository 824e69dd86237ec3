//! The shardkv testers: the controller cluster and its tests' harness ([`ctrler`]), the
//! replica groups and their tests' harness ([`groups`]), and what both share: fresh end
//! names and the begin/end of a graded (sub-)test.
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

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use labrpc::{ClientEnd, Network};
use labsim::sync::Mutex;
use rand::Rng;

/// The course's shard controller has 3 servers in every test.
pub const CTRLERS: usize = 3;

/// A fresh random 20-letter end name, drawn from the network's seeded RNG.
pub fn random_name(network: &Network) -> String {
    network.with_rng(|rng| {
        (0..20)
            .map(|_| rng.gen_range(b'a'..=b'z') as char)
            .collect()
    })
}

/// A new end named at random, connected to `server` and enabled; its name is pushed on
/// `names` so that whoever owns it can delete it.
pub fn make_end(network: &Network, server: &str, names: &Mutex<Vec<String>>) -> ClientEnd {
    let name = random_name(network);
    let end = network.create_end(name.clone()).expect("fresh end name");
    network.connect(&name, server).expect("end exists");
    network.enable(&name, true).expect("end exists");
    names.lock().push(name);
    end
}

/// The graded (sub-)test in progress and the counters it is measured by.
pub struct Stage {
    network: Arc<Network>,
    part: &'static str,
    test: &'static str,
    peers: usize,
    /// Client operations through the tester's wrappers (the result line's ops column).
    pub ops: AtomicU64,
    current: Mutex<Option<Begun>>,
}

/// One begun (sub-)test and the counters at its start.
struct Begun {
    run: labtest::Run,
    rpcs: u64,
    bytes: u64,
    ops: u64,
}

impl Stage {
    /// Stages for `test` of `part`, on `network`, with `peers` servers in the result line.
    pub fn new(
        network: Arc<Network>,
        part: &'static str,
        test: &'static str,
        peers: usize,
    ) -> Stage {
        Stage {
            network,
            part,
            test,
            peers,
            ops: AtomicU64::new(0),
            current: Mutex::new(None),
        }
    }

    /// Counts one client operation.
    pub fn count_op(&self) {
        self.ops.fetch_add(1, Ordering::Relaxed);
    }

    /// Starts a (sub-)test: prints its banner and notes the counters.
    pub fn begin(&self, title: &str) {
        let run = labtest::Run::begin(labtest::TestInfo {
            lab: "shardkv",
            part: self.part,
            test: self.test,
            title: title.to_string(),
            peers: self.peers,
            seed: self.network.seed(),
        });
        *self.current.lock() = Some(Begun {
            run,
            rpcs: self.network.total_count(),
            bytes: self.network.total_bytes(),
            ops: self.ops.load(Ordering::Relaxed),
        });
    }

    /// Notes the linearizability checker's verdict for the results line.
    pub fn note_linearizability(&self, verdict: String) {
        if let Some(begun) = self.current.lock().as_mut() {
            begun.run.note_linearizability(verdict);
        }
    }

    /// Ends the (sub-)test: checks its time limit, prints the result line, records figures.
    pub fn end(&self) {
        let mut begun = self.current.lock().take().expect("end() without begin()");
        begun.run.pass(labtest::Counts {
            rpcs: self.network.total_count() - begun.rpcs,
            bytes: self.network.total_bytes() - begun.bytes,
            commits: None,
            ops: Some(self.ops.load(Ordering::Relaxed) - begun.ops),
        });
    }
}
