//! Creating and dropping networks must not leave threads behind.
//!
//! This file is its own test binary with a single test, so no other test's threads are
//! counted.

use std::sync::Arc;

use labrpc::{Network, Server};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Ping(pub u32);

labrpc::service! {
    /// Answers a ping.
    service Pinger {
        handler PingHandler;
        client PingClient;
        /// Returns its argument plus one.
        fn ping(Ping) -> Ping;
    }
}

struct Ponger;

impl PingHandler for Ponger {
    fn ping(&self, args: Ping) -> Ping {
        Ping(args.0 + 1)
    }
}

/// The process's thread count, from /proc (Linux).
fn thread_count() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("a Threads: line in /proc/self/status")
}

#[test]
fn a_thousand_networks_leave_no_threads() {
    let before = thread_count();
    for round in 0..1000 {
        let network = Network::with_seed(round);
        network.add_server(
            "s",
            Server::new().with_service(Arc::new(Ponger).into_service()),
        );
        let client = PingClient::new(network.create_end("e").unwrap());
        network.connect("e", "s").unwrap();
        network.enable("e", true).unwrap();
        // Several concurrent calls, so each network starts several handler threads.
        labsim::thread::scope(|scope| {
            let calls: Vec<_> = (0..4)
                .map(|i| {
                    let client = client.clone();
                    scope.spawn("caller", move || {
                        assert_eq!(client.ping(&Ping(i)).unwrap().0, i + 1)
                    })
                })
                .collect();
            // Join each caller outright: the scope by itself only waits until the closures
            // return, and a thread may still be exiting then, which the count would see.
            for call in calls {
                call.join().expect("a call panicked");
            }
        });
    }
    let after = thread_count();
    assert!(
        after <= before,
        "thread count grew from {before} to {after} over 1000 networks"
    );
}
