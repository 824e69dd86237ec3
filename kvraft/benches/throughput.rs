//! Key/value throughput on the reliable simulated network (3 servers, snapshots at 64 KiB).
//!
//! `cargo bench -p kvraft` prints ops/s for one clerk issuing operations one after another,
//! and for 1, 8 and 32 clerks at once (each clerk sequential, so concurrency = clerks). The
//! goal is at least 20,000 ops/s with 32 clerks, which needs Raft to batch entries.
//!
//! Servers snapshot when Raft's state nears [`MAX_RAFT_STATE`], as a deployment would: Raft
//! persists its whole state on every change (the course's `Persister` holds one byte string),
//! so without snapshots each persist re-encodes an ever longer log.
//!
//! Threads and the clock are labsim's: `LAB_SIM=1 cargo bench -p kvraft` runs the same
//! workloads in simulation, where the figures are per virtual second.

#[path = "../tests/tester/mod.rs"]
mod tester;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use labsim::thread;
use labsim::time::Instant;
use tester::{Config, Spec};

/// The servers' `maxraftstate`.
const MAX_RAFT_STATE: usize = 64 * 1024;

/// How long each concurrent measurement runs.
const MEASURE_TIME: Duration = Duration::from_secs(3);

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no options.
    labsim::run(measure);
}

/// Every workload, one after another, on one cluster.
fn measure() {
    let config = Config::new(Spec {
        part: "bench",
        test: "throughput",
        servers: 3,
        max_raft_state: Some(MAX_RAFT_STATE),
        ..Spec::default()
    });
    let warmup = config.make_clerk(&config.all());
    warmup.clerk.put("warmup", "x");

    println!("{:<28} {:>10} {:>12}", "workload", "ops/s", "mean latency");
    let sequential = sequential(&config, 2000);
    println!(
        "{:<28} {:>10.0} {:>12.2?}",
        "1 clerk, sequential", sequential.0, sequential.1
    );
    for clerks in [1, 8, 32] {
        let (rate, latency) = concurrent(&config, clerks);
        println!(
            "{:<28} {:>10.0} {:>12.2?}",
            format!("{clerks} concurrent clerk(s)"),
            rate,
            latency
        );
    }
}

/// `count` appends from one clerk, one after another.
fn sequential(config: &Config, count: u32) -> (f64, Duration) {
    let clerk = config.make_clerk(&config.all());
    let started = Instant::now();
    for i in 0..count {
        clerk.clerk.append("sequential", &i.to_string());
    }
    let elapsed = started.elapsed();
    (f64::from(count) / elapsed.as_secs_f64(), elapsed / count)
}

/// `clerks` clerks each looping put/get on its own key for [`MEASURE_TIME`].
fn concurrent(config: &Config, clerks: usize) -> (f64, Duration) {
    let done = AtomicBool::new(false);
    let operations = AtomicU64::new(0);
    let started = Instant::now();
    thread::scope(|scope| {
        for client in 0..clerks {
            let (config, done, operations) = (config, &done, &operations);
            scope.spawn(format!("clerk-{client}"), move || {
                let clerk = config.make_clerk(&config.all());
                let key = format!("c{client}");
                let mut i = 0u64;
                while !done.load(Ordering::Relaxed) {
                    if i % 2 == 0 {
                        clerk.clerk.put(&key, &i.to_string());
                    } else {
                        clerk.clerk.get(&key);
                    }
                    i += 1;
                }
                operations.fetch_add(i, Ordering::Relaxed);
            });
        }
        thread::sleep(MEASURE_TIME);
        done.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed();
    let total = operations.load(Ordering::Relaxed);
    let rate = total as f64 / elapsed.as_secs_f64();
    let latency = elapsed.mul_f64(clerks as f64 / total.max(1) as f64);
    (rate, latency)
}
