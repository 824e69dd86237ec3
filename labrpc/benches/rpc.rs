//! RPC round trips on the reliable simulated network.
//!
//! `cargo bench -p labrpc` measures one sequential call (the Go labrpc records 22 µs; the goal
//! here is at most 10 µs) and 16 concurrent callers (goal: at least 100,000 calls/s on 2 cores;
//! criterion reports the time for a batch of 16 × 200 calls, from which calls/s follows).

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use labrpc::{Network, Server};
use labsim::time::Instant;
use serde::{Deserialize, Serialize};

/// A small request, the size of a Raft heartbeat.
#[derive(Serialize, Deserialize)]
pub struct Ping {
    /// Sender's term.
    pub term: u64,
    /// Sender's id.
    pub from: u32,
}

labrpc::service! {
    /// The benchmark's service.
    service Bench {
        handler BenchHandler;
        client BenchClient;
        /// Echoes the term back.
        fn ping(Ping) -> Ping;
    }
}

struct Echo;

impl BenchHandler for Echo {
    fn ping(&self, args: Ping) -> Ping {
        args
    }
}

fn connected_client(network: &Network, name: &str) -> BenchClient {
    let end = network.create_end(name).unwrap();
    network.connect(name, "server").unwrap();
    network.enable(name, true).unwrap();
    BenchClient::new(end)
}

const CALLERS: usize = 16;
const CALLS_PER_CALLER: usize = 200;

fn benchmarks(c: &mut Criterion) {
    let network = Network::with_seed(1);
    network.add_server(
        "server",
        Server::new().with_service(Arc::new(Echo).into_service()),
    );
    let client = connected_client(&network, "sequential");
    c.bench_function("sequential round trip", |b| {
        b.iter(|| client.ping(&Ping { term: 7, from: 1 }).unwrap())
    });

    let clients: Vec<BenchClient> = (0..CALLERS)
        .map(|i| connected_client(&network, &format!("concurrent-{i}")))
        .collect();
    let mut group = c.benchmark_group("16 concurrent callers");
    group.throughput(Throughput::Elements((CALLERS * CALLS_PER_CALLER) as u64));
    group.bench_function("batch of 16 x 200 calls", |b| {
        b.iter(|| {
            labsim::thread::scope(|scope| {
                for client in &clients {
                    scope.spawn("caller", move || {
                        for i in 0..CALLS_PER_CALLER {
                            client
                                .ping(&Ping {
                                    term: i as u64,
                                    from: 2,
                                })
                                .unwrap();
                        }
                    });
                }
            })
        })
    });
    group.finish();

    // A plain figure for the README and notes, independent of criterion's statistics.
    let started = Instant::now();
    let total = 20_000;
    for _ in 0..total {
        client.ping(&Ping { term: 1, from: 1 }).unwrap();
    }
    let per_call = started.elapsed() / total;
    println!("sequential: {per_call:?} per call over {total} calls");
}

criterion_group!(benches, benchmarks);
criterion_main!(benches);
