//! Crashes must not leak threads: `kill()` joins every thread of the peer.
//!
//! Its own test binary with a single test, so that no other test's threads are counted. It
//! runs the crash-heavy patterns of the Figure 8 and churn tests (a leader crashed after every
//! round, peers restarted as soon as fewer than three are up, clients offering commands
//! throughout) and checks that the process's thread count stays bounded while it runs and is
//! back to where it started once the cluster is torn down.
//!
//! It counts the process's OS threads, so it runs in real mode only (no `labsim::run`): in a
//! simulation, threads finish in virtual time but their OS threads exit on their own real
//! schedule. It is listed in `labtest/real_only.json`, so under `LAB_SIM=1` it returns at once
//! and says so, and `lab sweep` and `lab stress --sim` leave it out; `make grade` runs it.

mod tester;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use labsim::thread::sleep;
use tester::{Config, Spec};

/// How many leaders to crash (each one elected first, so about half a second apiece).
const CRASHES: usize = 40;

/// More threads than a 5-peer cluster has at any moment: 5 x (ticker, 4 replicators,
/// applier, tester applier) plus call threads, some of them waiting out calls to
/// disconnected peers, plus labrpc's handler threads. A leak of even one thread per crash
/// would pass it within the run.
const THREAD_BOUND: usize = 250;

#[test]
fn crashes_leave_no_threads_3c() {
    if labtest::left_out_of_simulation("crashes_leave_no_threads_3c") {
        return;
    }
    let before = labtest::thread_count();
    let cfg = Config::new(Spec {
        part: "3C",
        test: "crashes_leave_no_threads_3c",
        title: "threads across crashes",
        servers: 5,
        unreliable: false,
        snapshots: false,
    });
    let stop = AtomicBool::new(false);
    let mut samples = Vec::new();
    labsim::thread::scope(|scope| {
        let client = scope.spawn("client", || offer_commands(&cfg, &stop));
        let mut up = cfg.n();
        let mut crashes = 0;
        while crashes < CRASHES {
            if crash_the_leader(&cfg, &mut up) {
                crashes += 1;
                if crashes % 5 == 0 {
                    samples.push(labtest::thread_count() - before);
                }
            }
            if up < 3 {
                restart_one(&cfg, &mut up);
            }
        }
        stop.store(true, Ordering::SeqCst);
        client.join().unwrap();
    });
    for peer in 0..cfg.n() {
        if cfg.raft(peer).is_none() {
            cfg.restart(peer);
            cfg.connect(peer);
        }
    }
    cfg.one(&cfg.random_command(), cfg.n(), true);
    cfg.end();
    drop(cfg);
    let after = labtest::thread_count();
    println!("threads above the start, every 5 crashes: {samples:?}; after teardown: {after} (started with {before})");
    assert!(
        samples.iter().all(|count| *count < THREAD_BOUND),
        "thread count grew past {THREAD_BOUND}: {samples:?}"
    );
    assert!(
        after <= before,
        "threads leaked: {before} before, {after} after"
    );
}

/// Offers a command to every peer; crashes one that accepted, after a short pause. Returns
/// whether it crashed one.
fn crash_the_leader(cfg: &Config, up: &mut usize) -> bool {
    let mut leader = None;
    for peer in 0..cfg.n() {
        if cfg.start(peer, cfg.random_command()).is_some() {
            leader = Some(peer);
        }
    }
    sleep(Duration::from_millis(cfg.random_below(13)));
    let Some(leader) = leader else { return false };
    cfg.crash(leader);
    *up -= 1;
    true
}

fn restart_one(cfg: &Config, up: &mut usize) {
    let peer = cfg.random_below(cfg.n() as u64) as usize;
    if cfg.raft(peer).is_none() {
        cfg.restart(peer);
        cfg.connect(peer);
        *up += 1;
    }
}

/// A churn-style client: offers commands to every peer until told to stop.
fn offer_commands(cfg: &Config, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        for peer in 0..cfg.n() {
            cfg.start(peer, cfg.random_command());
        }
        sleep(Duration::from_millis(10));
    }
}
